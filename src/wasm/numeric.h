/*
 * numeric.h -- the exact numeric semantics of WebAssembly's integer and
 * float operations that C does not give directly: bit counts, rotates,
 * float min/max/nearest, checked and saturating float-to-integer
 * truncation, and correctly rounded unsigned 64-bit conversions.
 *
 * Everything is static inline: interp.c calls these from its dispatch
 * loop, and tests/unit/test_numeric.c checks them at the boundaries.
 * Requires IEEE-754 binary32/binary64 arithmetic evaluated in its own
 * precision (FLT_EVAL_METHOD 0, as on x86-64 SSE and AArch64) and the
 * default rounding mode.
 */
#ifndef HIVE_WASM_NUMERIC_H
#define HIVE_WASM_NUMERIC_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hive/wasm.h"

/* ---- bits of floats ------------------------------------------------------ */

static inline uint32_t numeric_f32_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}
static inline float numeric_f32_from_bits(uint32_t u) {
    float x;
    memcpy(&x, &u, 4);
    return x;
}
static inline uint64_t numeric_f64_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, 8);
    return u;
}
static inline double numeric_f64_from_bits(uint64_t u) {
    double x;
    memcpy(&x, &u, 8);
    return x;
}

/* ---- integer bit operations ---------------------------------------------- */

/* The builtins are undefined for 0, which wasm defines as the width. */
static inline uint32_t numeric_i32_clz(uint32_t x) {
#if defined(__GNUC__)
    return x ? (uint32_t)__builtin_clz(x) : 32;
#else
    uint32_t n = 0;
    if (!x) return 32;
    while (!(x & 0x80000000u)) { x <<= 1; n++; }
    return n;
#endif
}
static inline uint32_t numeric_i32_ctz(uint32_t x) {
#if defined(__GNUC__)
    return x ? (uint32_t)__builtin_ctz(x) : 32;
#else
    uint32_t n = 0;
    if (!x) return 32;
    while (!(x & 1)) { x >>= 1; n++; }
    return n;
#endif
}
static inline uint32_t numeric_i32_popcnt(uint32_t x) {
#if defined(__GNUC__)
    return (uint32_t)__builtin_popcount(x);
#else
    uint32_t n = 0;
    for (; x; x &= x - 1) n++;
    return n;
#endif
}
static inline uint64_t numeric_i64_clz(uint64_t x) {
#if defined(__GNUC__)
    return x ? (uint64_t)__builtin_clzll(x) : 64;
#else
    uint64_t n = 0;
    if (!x) return 64;
    while (!(x & 0x8000000000000000u)) { x <<= 1; n++; }
    return n;
#endif
}
static inline uint64_t numeric_i64_ctz(uint64_t x) {
#if defined(__GNUC__)
    return x ? (uint64_t)__builtin_ctzll(x) : 64;
#else
    uint64_t n = 0;
    if (!x) return 64;
    while (!(x & 1)) { x >>= 1; n++; }
    return n;
#endif
}
static inline uint64_t numeric_i64_popcnt(uint64_t x) {
#if defined(__GNUC__)
    return (uint64_t)__builtin_popcountll(x);
#else
    uint64_t n = 0;
    for (; x; x &= x - 1) n++;
    return n;
#endif
}

/* Rotates take the count modulo the width; the "& 31" on the other shift
 * keeps a count of 0 from shifting by the full width (undefined in C). */
static inline uint32_t numeric_i32_rotl(uint32_t x, uint32_t n) {
    n &= 31;
    return (x << n) | (x >> ((32 - n) & 31));
}
static inline uint32_t numeric_i32_rotr(uint32_t x, uint32_t n) {
    n &= 31;
    return (x >> n) | (x << ((32 - n) & 31));
}
static inline uint64_t numeric_i64_rotl(uint64_t x, uint64_t n) {
    n &= 63;
    return (x << n) | (x >> ((64 - n) & 63));
}
static inline uint64_t numeric_i64_rotr(uint64_t x, uint64_t n) {
    n &= 63;
    return (x >> n) | (x << ((64 - n) & 63));
}

/* ---- float min, max, nearest --------------------------------------------- */

/* wasm's min/max: a NaN operand gives a NaN (a + b returns that operand's
 * NaN, quieted, as the spec's "arithmetic NaN" asks), and -0 < +0, which
 * C's comparison does not see: for equal operands min ORs the sign bits
 * (so -0 wins) and max ANDs them (so +0 wins); for equal non-zero values
 * the bits are identical and both are no-ops. fmin/fmax would return the
 * non-NaN operand instead. */
static inline float numeric_f32_min(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return numeric_f32_from_bits(numeric_f32_bits(a) | numeric_f32_bits(b));
    return a < b ? a : b;
}
static inline float numeric_f32_max(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return numeric_f32_from_bits(numeric_f32_bits(a) & numeric_f32_bits(b));
    return a > b ? a : b;
}
/* Keeps the compiler from fusing the rounded product p into a following
 * addition (gcc contracts a * b + c into an fma by default where the target
 * has one; wasm rounds the product first). Costs nothing: the value stays in
 * its register. */
static inline double numeric_f64_rounded(double p) {
#if defined(__GNUC__) && defined(__SSE2_MATH__)
    __asm__("" : "+x"(p));
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__("" : "+w"(p));
#else
    volatile double q = p;
    p = q;
#endif
    return p;
}

/* f64.mul then f64.add, operands in wasm order: (a * b) + c ... */
static inline double numeric_f64_mul_add(double a, double b, double c) {
    return numeric_f64_rounded(a * b) + c;
}

/* ... and c + (a * b). */
static inline double numeric_f64_add_mul(double c, double a, double b) {
    return c + numeric_f64_rounded(a * b);
}

static inline double numeric_f64_min(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == b) return numeric_f64_from_bits(numeric_f64_bits(a) | numeric_f64_bits(b));
    return a < b ? a : b;
}
static inline double numeric_f64_max(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == b) return numeric_f64_from_bits(numeric_f64_bits(a) & numeric_f64_bits(b));
    return a > b ? a : b;
}

/* ---- rounding to integral values ------------------------------------------
 * libm returns a signalling NaN operand unchanged, but wasm wants the
 * result quieted (an "arithmetic NaN"): x + x quiets it, keeping the
 * payload. nearest is round-half-even: nearbyint in the default rounding
 * mode (which the engine never changes). All keep the sign of zero
 * (nearest(-0.5) is -0). */
static inline float numeric_f32_ceil(float x) { return x != x ? x + x : ceilf(x); }
static inline float numeric_f32_floor(float x) { return x != x ? x + x : floorf(x); }
static inline float numeric_f32_trunc(float x) { return x != x ? x + x : truncf(x); }
static inline double numeric_f64_ceil(double x) { return x != x ? x + x : ceil(x); }
static inline double numeric_f64_floor(double x) { return x != x ? x + x : floor(x); }
static inline double numeric_f64_trunc(double x) { return x != x ? x + x : trunc(x); }

/* nearest without libm (nearbyint is the one function hive took from it,
 * sqrt aside, which -fno-math-errno makes an instruction: the hive binary
 * then loads no libm at start-up, docs/PERFORMANCE.md "Process start-up").
 * Below 2^23 (f32) or 2^52 (f64) in magnitude, adding and subtracting
 * that power of two rounds to an integer in the default rounding mode,
 * half to even, exactly as nearbyint does; larger values are integers
 * already. The sign goes back on afterwards, so -0.4 gives -0. Only where
 * arithmetic is done in the type's own precision (FLT_EVAL_METHOD 0, e.g.
 * SSE on x86-64; not x87). */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
static inline float numeric_f32_nearest(float x) {
    if (x != x) return x + x;
    float a = __builtin_fabsf(x);
    if (!(a < 0x1p23f)) return x;
    return __builtin_copysignf((a + 0x1p23f) - 0x1p23f, x);
}
static inline double numeric_f64_nearest(double x) {
    if (x != x) return x + x;
    double a = __builtin_fabs(x);
    if (!(a < 0x1p52)) return x;
    return __builtin_copysign((a + 0x1p52) - 0x1p52, x);
}
#else
static inline float numeric_f32_nearest(float x) { return x != x ? x + x : nearbyintf(x); }
static inline double numeric_f64_nearest(double x) { return x != x ? x + x : nearbyint(x); }
#endif

/* ---- checked truncation: NaN traps as an invalid conversion, a value
 * whose truncation is outside the integer's range as an overflow. The
 * bounds are exact in the source type: e.g. for f32 -> i32, -2^31 is in
 * range and the next float below it (-2147483904) is not; for f64 -> i32
 * everything above -2^31 - 1 truncates into range. For unsigned targets
 * every x > -1 truncates to 0 or more. ------------------------------------ */

static inline hive_trap_kind numeric_i32_trunc_f32_s(float x, int32_t *out) {
    if (x != x) return HIVE_TRAP_INVALID_CONVERSION;
    if (!(x >= -2147483648.0f && x < 2147483648.0f)) return HIVE_TRAP_INT_OVERFLOW;
    *out = (int32_t)x;
    return HIVE_TRAP_NONE;
}
static inline hive_trap_kind numeric_i32_trunc_f32_u(float x, uint32_t *out) {
    if (x != x) return HIVE_TRAP_INVALID_CONVERSION;
    if (!(x > -1.0f && x < 4294967296.0f)) return HIVE_TRAP_INT_OVERFLOW;
    *out = (uint32_t)x;
    return HIVE_TRAP_NONE;
}
static inline hive_trap_kind numeric_i32_trunc_f64_s(double x, int32_t *out) {
    if (x != x) return HIVE_TRAP_INVALID_CONVERSION;
    if (!(x > -2147483649.0 && x < 2147483648.0)) return HIVE_TRAP_INT_OVERFLOW;
    *out = (int32_t)x;
    return HIVE_TRAP_NONE;
}
static inline hive_trap_kind numeric_i32_trunc_f64_u(double x, uint32_t *out) {
    if (x != x) return HIVE_TRAP_INVALID_CONVERSION;
    if (!(x > -1.0 && x < 4294967296.0)) return HIVE_TRAP_INT_OVERFLOW;
    *out = (uint32_t)x;
    return HIVE_TRAP_NONE;
}
static inline hive_trap_kind numeric_i64_trunc_f32_s(float x, int64_t *out) {
    if (x != x) return HIVE_TRAP_INVALID_CONVERSION;
    if (!(x >= -9223372036854775808.0f && x < 9223372036854775808.0f))
        return HIVE_TRAP_INT_OVERFLOW;
    *out = (int64_t)x;
    return HIVE_TRAP_NONE;
}
static inline hive_trap_kind numeric_i64_trunc_f32_u(float x, uint64_t *out) {
    if (x != x) return HIVE_TRAP_INVALID_CONVERSION;
    if (!(x > -1.0f && x < 18446744073709551616.0f)) return HIVE_TRAP_INT_OVERFLOW;
    *out = (uint64_t)x;
    return HIVE_TRAP_NONE;
}
static inline hive_trap_kind numeric_i64_trunc_f64_s(double x, int64_t *out) {
    if (x != x) return HIVE_TRAP_INVALID_CONVERSION;
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
        return HIVE_TRAP_INT_OVERFLOW;
    *out = (int64_t)x;
    return HIVE_TRAP_NONE;
}
static inline hive_trap_kind numeric_i64_trunc_f64_u(double x, uint64_t *out) {
    if (x != x) return HIVE_TRAP_INVALID_CONVERSION;
    if (!(x > -1.0 && x < 18446744073709551616.0)) return HIVE_TRAP_INT_OVERFLOW;
    *out = (uint64_t)x;
    return HIVE_TRAP_NONE;
}

/* ---- saturating truncation: NaN -> 0, out of range -> the nearer bound.
 * Same bounds as above. -------------------------------------------------- */

static inline int32_t numeric_i32_trunc_sat_f32_s(float x) {
    if (x != x) return 0;
    if (x < -2147483648.0f) return INT32_MIN;
    if (x >= 2147483648.0f) return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t numeric_i32_trunc_sat_f32_u(float x) {
    if (x != x || x <= -1.0f) return 0;
    if (x >= 4294967296.0f) return UINT32_MAX;
    return (uint32_t)x;
}
static inline int32_t numeric_i32_trunc_sat_f64_s(double x) {
    if (x != x) return 0;
    if (x <= -2147483649.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t numeric_i32_trunc_sat_f64_u(double x) {
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
static inline int64_t numeric_i64_trunc_sat_f32_s(float x) {
    if (x != x) return 0;
    if (x < -9223372036854775808.0f) return INT64_MIN;
    if (x >= 9223372036854775808.0f) return INT64_MAX;
    return (int64_t)x;
}
static inline uint64_t numeric_i64_trunc_sat_f32_u(float x) {
    if (x != x || x <= -1.0f) return 0;
    if (x >= 18446744073709551616.0f) return UINT64_MAX;
    return (uint64_t)x;
}
static inline int64_t numeric_i64_trunc_sat_f64_s(double x) {
    if (x != x) return 0;
    if (x < -9223372036854775808.0) return INT64_MIN;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)x;
}
static inline uint64_t numeric_i64_trunc_sat_f64_u(double x) {
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

/* ---- integer to float ---------------------------------------------------
 * Signed conversions of any width are single correctly rounded hardware
 * conversions, and u32 fits exactly in an i64 first. u64 needs care: going
 * through double rounds twice (0x8000008000000001 would become 2^63 in f32
 * instead of 2^63 + 2^40). Values below 2^63 convert as signed; larger ones
 * are halved keeping the lost bit as a "sticky" bit (x >> 1 | x & 1), which
 * has 63 significant bits, more than either float format keeps, so the one
 * rounding of the signed conversion is the right one; doubling is exact. */

static inline float numeric_f32_convert_i32_u(uint32_t x) { return (float)(int64_t)x; }
static inline double numeric_f64_convert_i32_u(uint32_t x) { return (double)x; }

static inline float numeric_f32_convert_i64_u(uint64_t x) {
    if (x < (UINT64_C(1) << 63)) return (float)(int64_t)x;
    return (float)(int64_t)((x >> 1) | (x & 1)) * 2.0f;
}
static inline double numeric_f64_convert_i64_u(uint64_t x) {
    if (x < (UINT64_C(1) << 63)) return (double)(int64_t)x;
    return (double)(int64_t)((x >> 1) | (x & 1)) * 2.0;
}

#endif
