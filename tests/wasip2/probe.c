/*
 * probe.c -- WASI 0.2 test program for the host API test (host.c):
 *   probe random N   prints N bytes of random_get in hex
 *   probe time       prints the realtime clock in seconds and the
 *                    monotonic clock in ns ("wall S mono N")
 *   probe files N    opens N files in the preopen "/d" at once (made
 *                    with O_CREAT), prints "opened N" or the errno
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 2 && !strcmp(argv[1], "random")) {
        int n = atoi(argv[2]);
        unsigned char buf[256];
        if (n < 0 || n > 256 || getentropy(buf, (size_t)n)) return 3;
        for (int i = 0; i < n; i++) printf("%02x", buf[i]);
        printf("\n");
    } else if (argc > 1 && !strcmp(argv[1], "time")) {
        struct timespec w, m;
        clock_gettime(CLOCK_REALTIME, &w);
        clock_gettime(CLOCK_MONOTONIC, &m);
        printf("wall %lld mono %lld\n", (long long)w.tv_sec,
               (long long)m.tv_sec * 1000000000LL + m.tv_nsec);
    } else if (argc > 2 && !strcmp(argv[1], "files")) {
        int n = atoi(argv[2]);
        for (int i = 0; i < n; i++) {
            char p[64];
            snprintf(p, sizeof p, "/d/f%d", i);
            if (open(p, O_CREAT | O_RDWR, 0644) < 0) {
                printf("open %d failed\n", i);
                return 4;
            }
        }
        printf("opened %d\n", n);
    } else {
        return 2;
    }
    return 0;
}
