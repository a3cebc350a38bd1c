/*
 * fds.c -- a WAGI app that shows its WASI world (for the tests of a fresh
 * world per request): the query "probe" lists the fds that are open
 * (0-31) and the number of environment variables; "open" opens
 * /data/a.txt twice, closes the preopen and fd 0, and leaves the rest
 * open. A later request must find none of that.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

extern char **environ;

int main(void) {
    const char *q = getenv("QUERY_STRING");
    int n = 0;
    for (char **e = environ; *e; e++) n++;
    fputs("Content-Type: text/plain\n\n", stdout);
    if (q && !strcmp(q, "open")) {
        int a = open("/data/a.txt", O_RDONLY), b = open("/data/a.txt", O_RDONLY);
        int c3 = __wasi_fd_close(3), c0 = __wasi_fd_close(0);
        printf("opened %d %d, closed 3 and 0: %d %d\n", a, b, c3, c0);
        return 0;
    }
    printf("fds:");
    for (int fd = 0; fd < 32; fd++) {
        __wasi_fdstat_t st;
        if (__wasi_fd_fdstat_get((__wasi_fd_t)fd, &st) == 0) printf(" %d", fd);
    }
    printf("\nenv: %d\n", n);
    return 0;
}
