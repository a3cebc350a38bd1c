/*
 * wake.c -- the eventfd through which the HTTP client's thread wakes a
 * waiting instance when `hive run` polls (wasi:http 0.2, host.c, and 0.3,
 * p3types.c, alike).
 */
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "wasihttp/wasihttp.h"

static void wake_fd(void *ud) {
    uint64_t one = 1;
    ssize_t n = write((int)(intptr_t)ud, &one, sizeof one);
    (void)n;
}

int hv_whttp_eventfd_open(int *fd, void (**wake)(void *ud), void **ud) {
    if (*fd < 0) {
        *fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (*fd < 0) return -1;
        *wake = wake_fd;
        *ud = (void *)(intptr_t)*fd;
    }
    return 0;
}

void hv_whttp_eventfd_drain(int fd) {
    uint64_t v;
    if (fd >= 0) {
        ssize_t n = read(fd, &v, sizeof v);
        (void)n;
    }
}
