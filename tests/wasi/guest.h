/*
 * guest.h -- shared by the WASI test guests (compiled with
 * clang --target=wasm32-wasi): a tiny check harness that prints one line
 * per failure and a summary, and raw imports for calls that must be made
 * with arguments wasi-libc would never pass (bad pointers, lengths).
 */
#ifndef HIVE_WASI_GUEST_H
#define HIVE_WASI_GUEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int g_pass, g_fail;

/* Checks that expr (a WASI errno or any int) equals want. */
#define EXPECT(expr, want)                                                              \
    do {                                                                                \
        long long got_ = (long long)(expr), want_ = (long long)(want);                  \
        if (got_ != want_) {                                                            \
            printf("FAIL line %d: %s: got %lld, want %lld\n", __LINE__, #expr, got_, want_); \
            g_fail++;                                                                   \
        } else {                                                                        \
            g_pass++;                                                                   \
        }                                                                               \
    } while (0)

#define EXPECT_TRUE(cond) EXPECT(!!(cond), 1)

static inline int guest_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, g_pass, g_fail);
    fflush(stdout);
    return g_fail ? 1 : 0;
}

#define RAW(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
RAW(fd_write) int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t n, int32_t nwritten);
RAW(fd_read) int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t n, int32_t nread);
RAW(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                      int64_t base, int64_t inh, int32_t fdflags, int32_t outfd);
RAW(path_filestat_get)
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, int32_t path, int32_t len, int32_t buf);
RAW(random_get) int32_t raw_random_get(int32_t buf, int32_t len);
RAW(args_get) int32_t raw_args_get(int32_t argv, int32_t buf);
RAW(clock_time_get) int32_t raw_clock_time_get(int32_t id, int64_t precision, int32_t out);
RAW(poll_oneoff) int32_t raw_poll_oneoff(int32_t in, int32_t out, int32_t n, int32_t nevents);
RAW(proc_raise) int32_t raw_proc_raise(int32_t sig);
RAW(fd_readdir)
int32_t raw_fd_readdir(int32_t fd, int32_t buf, int32_t len, int64_t cookie, int32_t used);

#define BAD_PTR ((int32_t)0xfffffff0) /* beyond any memory these guests have */

static inline int32_t ptr32(const void *p) { return (int32_t)(uintptr_t)p; }

#endif
