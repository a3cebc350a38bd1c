/*
 * assert.h -- HIVE_ASSERT(cond): an invariant of hive's own code, checked
 * in the test builds and compiled out of the release build.
 *
 * Active when HIVE_ASSERTS is defined (`make sanitize` and the fuzzing
 * builds define it) or HIVE_FEW_RUNS is (every sanitizer build does);
 * anyone can turn it on, e.g. `make CFLAGS="-O2 -g -DHIVE_ASSERTS"`.
 * A failed assertion prints the condition and where it is, and aborts:
 * it is a bug in hive, never something a guest or an embedder did (bad
 * input is answered with an error, not an assertion). Inactive, the
 * condition is not evaluated (it stays type-checked), so it may be as
 * costly as it needs to be and must have no side effects.
 *
 * Not for the interpreter's handlers (src/wasm/interp.c): their machine
 * code is copied by inline.c, and a call in it would stop the copy.
 */
#ifndef HIVE_SUPPORT_ASSERT_H
#define HIVE_SUPPORT_ASSERT_H

#if defined(HIVE_ASSERTS) || defined(HIVE_FEW_RUNS)
#include <stdio.h>
#include <stdlib.h>

#define HIVE_ASSERTS_ON 1

__attribute__((noreturn, cold)) static inline void hv_assert_fail(const char *cond, const char *file,
                                                                  int line, const char *func) {
    fprintf(stderr, "hive: %s:%d: %s: invariant failed: %s\n", file, line, func, cond);
    abort();
}

#define HIVE_ASSERT(cond) \
    ((cond) ? (void)0 : hv_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define HIVE_ASSERTS_ON 0
#define HIVE_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif
