/*
 * testutil.h -- the unit tests' small harness. Each test file defines
 * test functions, runs them with RUN(), and ends main with
 * `return test_summary("name");`, which prints "name: N passed, N failed".
 * CHECK records a failure (with file:line) and continues.
 */
#ifndef HIVE_TESTUTIL_H
#define HIVE_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int test_passed, test_failed, test_cur_failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            test_cur_failed = 1;                                                     \
        }                                                                            \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                \
    do {                                                                                  \
        long long a_ = (long long)(a), b_ = (long long)(b);                               \
        if (a_ != b_) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, \
                    __LINE__, #a, #b, a_, b_);                                            \
            test_cur_failed = 1;                                                          \
        }                                                                                 \
    } while (0)

#define RUN(fn)                                                    \
    do {                                                           \
        test_cur_failed = 0;                                       \
        fn();                                                      \
        if (test_cur_failed) {                                     \
            test_failed++;                                         \
            fprintf(stderr, "FAIL %s\n", #fn);                     \
        } else {                                                   \
            test_passed++;                                         \
        }                                                          \
    } while (0)

static inline int test_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
    return test_failed ? 1 : 0;
}

/* Copies len bytes so that they end exactly at a page boundary followed
 * by an inaccessible page: any read past the end faults. Free with
 * guarded_free(p, len). */
static inline uint8_t *guarded_copy(const void *src, size_t len) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t span = (len + page - 1) / page * page + page;
    if (span == page) span += page; /* len 0: still one readable page */
    uint8_t *base = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    mprotect(base + span - page, page, PROT_NONE);
    uint8_t *p = base + span - page - len;
    if (len) memcpy(p, src, len);
    return p;
}

static inline void guarded_free(uint8_t *p, size_t len) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t span = (len + page - 1) / page * page + page;
    if (span == page) span += page;
    munmap(p + len + page - span, span);
}

#endif
