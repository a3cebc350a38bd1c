/*
 * sandbox.c -- WASI 0.2 test program: the filesystem sandbox as seen
 * through the adapter. Run with --dir D::/sandbox where D's parent holds
 * secret.txt and D/link_abs is a symlink to its absolute host path, and
 * D/link_up a symlink to ../secret.txt. Every escape must fail; files in
 * the sandbox work. Prints one line per check and exits 0 when all held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failed;

static void no_escape(const char *path) {
    errno = 0;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        printf("FAIL %s opened\n", path);
        failed = 1;
        close(fd);
    } else {
        printf("ok %s: %s\n", path, strerror(errno));
    }
}

int main(void) {
    no_escape("/sandbox/../secret.txt");
    no_escape("/sandbox/link_abs");
    no_escape("/sandbox/link_up");
    no_escape("/sandbox/sub/../../secret.txt");
    no_escape("/secret.txt");
    FILE *f = fopen("/sandbox/sub/new.txt", "w");
    if (!f || fputs("inside\n", f) < 0 || fclose(f)) {
        printf("FAIL cannot write /sandbox/sub/new.txt: %s\n", strerror(errno));
        failed = 1;
    }
    char buf[32] = {0};
    f = fopen("/sandbox/sub/../sub/new.txt", "r");
    if (!f || !fgets(buf, sizeof buf, f) || strcmp(buf, "inside\n")) {
        printf("FAIL cannot read it back\n");
        failed = 1;
    }
    if (f) fclose(f);
    if (symlink("/etc/passwd", "/sandbox/abs_link") == 0) {
        printf("FAIL made an absolute symlink\n");
        failed = 1;
    }
    struct stat st;
    if (stat("/sandbox/sub", &st) || !S_ISDIR(st.st_mode)) {
        printf("FAIL stat /sandbox/sub\n");
        failed = 1;
    }
    printf("%s\n", failed ? "some checks failed" : "all held");
    return failed;
}
