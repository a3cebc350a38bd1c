/*
 * wait.c -- WASI 0.2 test program: waits, as the adapter maps preview-1
 * poll_oneoff onto wasi:io/poll (one poll over several pollables).
 *   wait sleep MS         sleeps MS ms; prints "slept"
 *   wait stdin MS         polls stdin with a timeout of MS ms; prints
 *                         "ready" or "timeout", then the first line read
 *   wait clocks           two clock subscriptions in one poll_oneoff: the
 *                         earlier one fires first; prints "first"
 * Prints the elapsed milliseconds as "elapsed N".
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    long t0 = now_ms();
    if (!strcmp(argv[1], "sleep") && argc > 2) {
        long ms = atol(argv[2]);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        printf("slept\n");
    } else if (!strcmp(argv[1], "stdin") && argc > 2) {
        struct pollfd pf = {0, POLLIN, 0};
        int n = poll(&pf, 1, atoi(argv[2]));
        printf("%s\n", n > 0 ? "ready" : n == 0 ? "timeout" : "error");
        if (n > 0) {
            char line[256];
            if (fgets(line, sizeof line, stdin)) printf("line %s", line);
        }
    } else if (!strcmp(argv[1], "clocks")) {
        __wasi_subscription_t s[2];
        memset(s, 0, sizeof s);
        s[0].userdata = 1;
        s[0].u.tag = __WASI_EVENTTYPE_CLOCK;
        s[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        s[0].u.u.clock.timeout = 300000000ull;
        s[1].userdata = 2;
        s[1].u.tag = __WASI_EVENTTYPE_CLOCK;
        s[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        s[1].u.u.clock.timeout = 100000000ull;
        __wasi_event_t ev[2];
        __wasi_size_t n = 0;
        if (__wasi_poll_oneoff(s, ev, 2, &n) != 0 || n < 1) return 3;
        printf("%s\n", ev[0].userdata == 2 ? "first" : "wrong");
    } else {
        return 2;
    }
    printf("elapsed %ld\n", now_ms() - t0);
    return 0;
}
