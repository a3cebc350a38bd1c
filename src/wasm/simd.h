/*
 * simd.h -- the exact semantics of WebAssembly 2.0's fixed-width SIMD
 * (v128) instructions, as static inline functions over wasm_v128.
 *
 * Naming: the instruction's name with '.' replaced by '_', prefixed with
 * simd_: i32x4.add is simd_i32x4_add(a, b), i8x16.shuffle is
 * simd_i8x16_shuffle(a, b, idx), v128.load8x8_s is simd_v128_load8x8_s(m).
 * simd_ops.h lists every 0xFD opcode with the function that implements it.
 *
 * Values: a v128 is 16 bytes in the order the spec (and linear memory)
 * stores them; lane i of an NxM shape is bytes [i*M/8, (i+1)*M/8), each
 * lane little-endian. wasm_v128 is a union of lane arrays over those
 * bytes, so it is only correct on little-endian hosts (as interp.c is).
 * It is 8-byte aligned, like the interpreter's slots: a v128 in two slots
 * is moved with simd_v128_load / simd_v128_store (memcpy), never by a
 * pointer cast.
 *
 * Immediates: lane indices are validated by the validator (lane < lane
 * count, shuffle index < 32); the functions mask them anyway so a bad
 * index can never read outside the value.
 *
 * Memory: the load/store helpers take a pointer to the bytes the
 * instruction accesses (the interpreter bounds-checks the effective
 * address first); they read or write exactly that many bytes, unaligned.
 *
 * Floats: same requirements as numeric.h (IEEE-754 binary32/binary64
 * evaluated in their own precision, default rounding mode). Operations
 * that only move or select lanes (splat, lane access, shuffles, abs, neg,
 * pmin, pmax, bitwise) work on the bits, so NaN payloads, signalling ones
 * included, pass through unchanged; arithmetic produces the NaNs the spec
 * allows (see the float section).
 *
 * Everything is plain portable C in per-lane loops (compilers vectorise
 * most of them at -O2); intrinsics come only where a benchmark shows a
 * gain, and only behind this code as the fallback.
 */
#ifndef HIVE_WASM_SIMD_H
#define HIVE_WASM_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "wasm/numeric.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "simd.h maps lanes onto bytes with a union: little-endian hosts only"
#endif

typedef union wasm_v128 {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} wasm_v128;

/* ---- helpers ------------------------------------------------------------- */

/* Arithmetic shift right of a signed value held in an unsigned one, for
 * 0 <= n < width, without relying on C's implementation-defined >> of
 * negative values: shift the complement and complement back. */
static inline uint64_t simd_sar64_(uint64_t x, unsigned n) {
    return (x >> 63) ? ~(~x >> n) : x >> n;
}
static inline int32_t simd_sar32_(int32_t x, unsigned n) {
    uint32_t u = (uint32_t)x;
    u = (u >> 31) ? ~(~u >> n) : u >> n;
    return (int32_t)u; /* conversion of an in-range value: exact */
}

/* Saturating clamps of a wider signed value. */
static inline int32_t simd_clamp_(int32_t x, int32_t lo, int32_t hi) {
    return x < lo ? lo : x > hi ? hi : x;
}

/* ---- moving whole values: v128.const, v128.load, v128.store -------------
 * The bytes are the value, in memory order. These are also the way to move
 * a v128 into and out of two interpreter slots. */

static inline wasm_v128 simd_v128_load(const void *m) {
    wasm_v128 r;
    memcpy(r.u8, m, 16);
    return r;
}
static inline void simd_v128_store(void *m, wasm_v128 v) { memcpy(m, v.u8, 16); }
static inline wasm_v128 simd_v128_const(const uint8_t imm[16]) { return simd_v128_load(imm); }

/* ---- loads that assemble lanes from fewer bytes --------------------------
 * loadNxM_s/u: M lanes of N bits from 8 bytes, each extended to 2N bits.
 * loadN_splat: one N-bit value into every lane. loadN_zero: one 32/64-bit
 * value into lane 0, the rest zero. loadN_lane: v with lane `lane`
 * replaced by N bits from memory; storeN_lane writes that lane's bytes. */

static inline wasm_v128 simd_v128_load8x8_s(const uint8_t *m) {
    wasm_v128 r;
    for (int i = 0; i < 8; i++) r.i16[i] = (int8_t)m[i];
    return r;
}
static inline wasm_v128 simd_v128_load8x8_u(const uint8_t *m) {
    wasm_v128 r;
    for (int i = 0; i < 8; i++) r.u16[i] = m[i];
    return r;
}
static inline wasm_v128 simd_v128_load16x4_s(const uint8_t *m) {
    wasm_v128 r;
    int16_t x[4];
    memcpy(x, m, 8);
    for (int i = 0; i < 4; i++) r.i32[i] = x[i];
    return r;
}
static inline wasm_v128 simd_v128_load16x4_u(const uint8_t *m) {
    wasm_v128 r;
    uint16_t x[4];
    memcpy(x, m, 8);
    for (int i = 0; i < 4; i++) r.u32[i] = x[i];
    return r;
}
static inline wasm_v128 simd_v128_load32x2_s(const uint8_t *m) {
    wasm_v128 r;
    int32_t x[2];
    memcpy(x, m, 8);
    for (int i = 0; i < 2; i++) r.i64[i] = x[i];
    return r;
}
static inline wasm_v128 simd_v128_load32x2_u(const uint8_t *m) {
    wasm_v128 r;
    uint32_t x[2];
    memcpy(x, m, 8);
    for (int i = 0; i < 2; i++) r.u64[i] = x[i];
    return r;
}

static inline wasm_v128 simd_v128_load8_splat(const uint8_t *m) {
    wasm_v128 r;
    memset(r.u8, m[0], 16);
    return r;
}
static inline wasm_v128 simd_v128_load16_splat(const uint8_t *m) {
    wasm_v128 r;
    for (int i = 0; i < 8; i++) memcpy(&r.u16[i], m, 2);
    return r;
}
static inline wasm_v128 simd_v128_load32_splat(const uint8_t *m) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) memcpy(&r.u32[i], m, 4);
    return r;
}
static inline wasm_v128 simd_v128_load64_splat(const uint8_t *m) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) memcpy(&r.u64[i], m, 8);
    return r;
}

static inline wasm_v128 simd_v128_load32_zero(const uint8_t *m) {
    wasm_v128 r;
    memset(r.u8, 0, 16);
    memcpy(r.u8, m, 4);
    return r;
}
static inline wasm_v128 simd_v128_load64_zero(const uint8_t *m) {
    wasm_v128 r;
    memset(r.u8, 0, 16);
    memcpy(r.u8, m, 8);
    return r;
}

static inline wasm_v128 simd_v128_load8_lane(wasm_v128 v, const uint8_t *m, unsigned lane) {
    v.u8[lane & 15] = m[0];
    return v;
}
static inline wasm_v128 simd_v128_load16_lane(wasm_v128 v, const uint8_t *m, unsigned lane) {
    memcpy(&v.u16[lane & 7], m, 2);
    return v;
}
static inline wasm_v128 simd_v128_load32_lane(wasm_v128 v, const uint8_t *m, unsigned lane) {
    memcpy(&v.u32[lane & 3], m, 4);
    return v;
}
static inline wasm_v128 simd_v128_load64_lane(wasm_v128 v, const uint8_t *m, unsigned lane) {
    memcpy(&v.u64[lane & 1], m, 8);
    return v;
}
static inline void simd_v128_store8_lane(uint8_t *m, wasm_v128 v, unsigned lane) {
    m[0] = v.u8[lane & 15];
}
static inline void simd_v128_store16_lane(uint8_t *m, wasm_v128 v, unsigned lane) {
    memcpy(m, &v.u16[lane & 7], 2);
}
static inline void simd_v128_store32_lane(uint8_t *m, wasm_v128 v, unsigned lane) {
    memcpy(m, &v.u32[lane & 3], 4);
}
static inline void simd_v128_store64_lane(uint8_t *m, wasm_v128 v, unsigned lane) {
    memcpy(m, &v.u64[lane & 1], 8);
}

/* ---- splat: the scalar operand (wrapped to the lane width) in every lane */

static inline wasm_v128 simd_i8x16_splat(uint32_t x) {
    wasm_v128 r;
    memset(r.u8, (uint8_t)x, 16);
    return r;
}
static inline wasm_v128 simd_i16x8_splat(uint32_t x) {
    wasm_v128 r;
    for (int i = 0; i < 8; i++) r.u16[i] = (uint16_t)x;
    return r;
}
static inline wasm_v128 simd_i32x4_splat(uint32_t x) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.u32[i] = x;
    return r;
}
static inline wasm_v128 simd_i64x2_splat(uint64_t x) {
    wasm_v128 r;
    r.u64[0] = r.u64[1] = x;
    return r;
}
static inline wasm_v128 simd_f32x4_splat(float x) {
    return simd_i32x4_splat(numeric_f32_bits(x));
}
static inline wasm_v128 simd_f64x2_splat(double x) {
    return simd_i64x2_splat(numeric_f64_bits(x));
}

/* ---- extract_lane / replace_lane: lane `lane` (an immediate < the lane
 * count). i8/i16 extraction sign- or zero-extends to i32; replacement
 * wraps the scalar to the lane width. */

static inline int32_t simd_i8x16_extract_lane_s(wasm_v128 a, unsigned lane) { return a.i8[lane & 15]; }
static inline uint32_t simd_i8x16_extract_lane_u(wasm_v128 a, unsigned lane) { return a.u8[lane & 15]; }
static inline int32_t simd_i16x8_extract_lane_s(wasm_v128 a, unsigned lane) { return a.i16[lane & 7]; }
static inline uint32_t simd_i16x8_extract_lane_u(wasm_v128 a, unsigned lane) { return a.u16[lane & 7]; }
static inline uint32_t simd_i32x4_extract_lane(wasm_v128 a, unsigned lane) { return a.u32[lane & 3]; }
static inline uint64_t simd_i64x2_extract_lane(wasm_v128 a, unsigned lane) { return a.u64[lane & 1]; }
static inline float simd_f32x4_extract_lane(wasm_v128 a, unsigned lane) {
    return numeric_f32_from_bits(a.u32[lane & 3]);
}
static inline double simd_f64x2_extract_lane(wasm_v128 a, unsigned lane) {
    return numeric_f64_from_bits(a.u64[lane & 1]);
}

static inline wasm_v128 simd_i8x16_replace_lane(wasm_v128 a, unsigned lane, uint32_t x) {
    a.u8[lane & 15] = (uint8_t)x;
    return a;
}
static inline wasm_v128 simd_i16x8_replace_lane(wasm_v128 a, unsigned lane, uint32_t x) {
    a.u16[lane & 7] = (uint16_t)x;
    return a;
}
static inline wasm_v128 simd_i32x4_replace_lane(wasm_v128 a, unsigned lane, uint32_t x) {
    a.u32[lane & 3] = x;
    return a;
}
static inline wasm_v128 simd_i64x2_replace_lane(wasm_v128 a, unsigned lane, uint64_t x) {
    a.u64[lane & 1] = x;
    return a;
}
static inline wasm_v128 simd_f32x4_replace_lane(wasm_v128 a, unsigned lane, float x) {
    a.u32[lane & 3] = numeric_f32_bits(x);
    return a;
}
static inline wasm_v128 simd_f64x2_replace_lane(wasm_v128 a, unsigned lane, double x) {
    a.u64[lane & 1] = numeric_f64_bits(x);
    return a;
}

/* ---- shuffle and swizzle -------------------------------------------------
 * shuffle: byte i of the result is byte idx[i] of the 32-byte
 * concatenation a:b (idx < 32, validated). swizzle: byte i is a's byte
 * s[i] when s[i] < 16, else 0 (the index is the unsigned byte). */

static inline wasm_v128 simd_i8x16_shuffle(wasm_v128 a, wasm_v128 b, const uint8_t idx[16]) {
    uint8_t ab[32];
    wasm_v128 r;
    memcpy(ab, a.u8, 16);
    memcpy(ab + 16, b.u8, 16);
    for (int i = 0; i < 16; i++) r.u8[i] = ab[idx[i] & 31];
    return r;
}
static inline wasm_v128 simd_i8x16_swizzle(wasm_v128 a, wasm_v128 s) {
    wasm_v128 r;
    for (int i = 0; i < 16; i++) r.u8[i] = s.u8[i] < 16 ? a.u8[s.u8[i]] : 0;
    return r;
}

/* ---- lane-wise generators ------------------------------------------------
 * Each defines one function applying an expression to every lane; the
 * expression sees x (lane of a) and y (lane of b) as the given lane type.
 * Undefined again at the end of the file. */

#define SIMD_UNOP(name, T, F, N, expr)               \
    static inline wasm_v128 name(wasm_v128 a) {      \
        wasm_v128 r;                                 \
        for (int i = 0; i < (N); i++) {              \
            T x = a.F[i];                            \
            r.F[i] = (expr);                         \
        }                                            \
        return r;                                    \
    }
#define SIMD_BINOP(name, T, F, N, expr)                       \
    static inline wasm_v128 name(wasm_v128 a, wasm_v128 b) {  \
        wasm_v128 r;                                          \
        for (int i = 0; i < (N); i++) {                       \
            T x = a.F[i], y = b.F[i];                         \
            r.F[i] = (expr);                                  \
        }                                                     \
        return r;                                             \
    }
/* Comparison: the lane becomes all ones (true) or zero; RF is the
 * unsigned lane field of the same width, RT its type. */
#define SIMD_CMP(name, T, F, RT, RF, N, cond)                 \
    static inline wasm_v128 name(wasm_v128 a, wasm_v128 b) {  \
        wasm_v128 r;                                          \
        for (int i = 0; i < (N); i++) {                       \
            T x = a.F[i], y = b.F[i];                         \
            r.RF[i] = (RT)(0u - (RT)(cond));                  \
        }                                                     \
        return r;                                             \
    }
/* Shift: the count is taken modulo the lane width. */
#define SIMD_SHIFT(name, T, F, N, BITS, expr)                   \
    static inline wasm_v128 name(wasm_v128 a, uint32_t count) { \
        wasm_v128 r;                                            \
        unsigned n = count & ((BITS) - 1);                      \
        for (int i = 0; i < (N); i++) {                         \
            T x = a.F[i];                                       \
            r.F[i] = (expr);                                    \
        }                                                       \
        return r;                                               \
    }

/* ---- bitwise (v128): not, and, andnot (a & ~b), or, xor, bitselect
 * (bits of a where c is 1, of b where c is 0), any_true (any bit set). */

SIMD_UNOP(simd_v128_not, uint64_t, u64, 2, ~x)
SIMD_BINOP(simd_v128_and, uint64_t, u64, 2, x & y)
SIMD_BINOP(simd_v128_andnot, uint64_t, u64, 2, x & ~y)
SIMD_BINOP(simd_v128_or, uint64_t, u64, 2, x | y)
SIMD_BINOP(simd_v128_xor, uint64_t, u64, 2, x ^ y)
static inline wasm_v128 simd_v128_bitselect(wasm_v128 a, wasm_v128 b, wasm_v128 c) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.u64[i] = (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]);
    return r;
}
static inline uint32_t simd_v128_any_true(wasm_v128 a) { return (a.u64[0] | a.u64[1]) != 0; }

/* ---- integer add, sub, mul, neg: modulo 2^width (computed unsigned, in
 * at least 32 bits, so no C overflow). i8x16 has no mul. */

SIMD_BINOP(simd_i8x16_add, uint8_t, u8, 16, (uint8_t)(x + y))
SIMD_BINOP(simd_i8x16_sub, uint8_t, u8, 16, (uint8_t)(x - y))
SIMD_UNOP(simd_i8x16_neg, uint8_t, u8, 16, (uint8_t)(0u - x))
SIMD_BINOP(simd_i16x8_add, uint16_t, u16, 8, (uint16_t)(x + y))
SIMD_BINOP(simd_i16x8_sub, uint16_t, u16, 8, (uint16_t)(x - y))
SIMD_BINOP(simd_i16x8_mul, uint16_t, u16, 8, (uint16_t)((uint32_t)x * y))
SIMD_UNOP(simd_i16x8_neg, uint16_t, u16, 8, (uint16_t)(0u - x))
SIMD_BINOP(simd_i32x4_add, uint32_t, u32, 4, x + y)
SIMD_BINOP(simd_i32x4_sub, uint32_t, u32, 4, x - y)
SIMD_BINOP(simd_i32x4_mul, uint32_t, u32, 4, x * y)
SIMD_UNOP(simd_i32x4_neg, uint32_t, u32, 4, 0u - x)
SIMD_BINOP(simd_i64x2_add, uint64_t, u64, 2, x + y)
SIMD_BINOP(simd_i64x2_sub, uint64_t, u64, 2, x - y)
SIMD_BINOP(simd_i64x2_mul, uint64_t, u64, 2, x * y)
SIMD_UNOP(simd_i64x2_neg, uint64_t, u64, 2, (uint64_t)0 - x)

/* ---- abs: |x| wrapping, so the most negative value stays itself
 * (i8x16.abs(-128) = -128). The sign test is on the top bit. */

SIMD_UNOP(simd_i8x16_abs, uint8_t, u8, 16, (uint8_t)(x & 0x80u ? 0u - x : x))
SIMD_UNOP(simd_i16x8_abs, uint16_t, u16, 8, (uint16_t)(x & 0x8000u ? 0u - x : x))
SIMD_UNOP(simd_i32x4_abs, uint32_t, u32, 4, x >> 31 ? 0u - x : x)
SIMD_UNOP(simd_i64x2_abs, uint64_t, u64, 2, x >> 63 ? (uint64_t)0 - x : x)

/* ---- min/max (signed and unsigned; no i64x2 forms) and avgr_u, the
 * unsigned average rounded up: (x + y + 1) / 2 without overflow. */

SIMD_BINOP(simd_i8x16_min_s, int8_t, i8, 16, x < y ? x : y)
SIMD_BINOP(simd_i8x16_min_u, uint8_t, u8, 16, x < y ? x : y)
SIMD_BINOP(simd_i8x16_max_s, int8_t, i8, 16, x > y ? x : y)
SIMD_BINOP(simd_i8x16_max_u, uint8_t, u8, 16, x > y ? x : y)
SIMD_BINOP(simd_i16x8_min_s, int16_t, i16, 8, x < y ? x : y)
SIMD_BINOP(simd_i16x8_min_u, uint16_t, u16, 8, x < y ? x : y)
SIMD_BINOP(simd_i16x8_max_s, int16_t, i16, 8, x > y ? x : y)
SIMD_BINOP(simd_i16x8_max_u, uint16_t, u16, 8, x > y ? x : y)
SIMD_BINOP(simd_i32x4_min_s, int32_t, i32, 4, x < y ? x : y)
SIMD_BINOP(simd_i32x4_min_u, uint32_t, u32, 4, x < y ? x : y)
SIMD_BINOP(simd_i32x4_max_s, int32_t, i32, 4, x > y ? x : y)
SIMD_BINOP(simd_i32x4_max_u, uint32_t, u32, 4, x > y ? x : y)
SIMD_BINOP(simd_i8x16_avgr_u, uint8_t, u8, 16, (uint8_t)(((uint32_t)x + y + 1) >> 1))
SIMD_BINOP(simd_i16x8_avgr_u, uint16_t, u16, 8, (uint16_t)(((uint32_t)x + y + 1) >> 1))

/* ---- saturating add/sub: the exact result in 32 bits, clamped to the
 * lane's signed or unsigned range. */

SIMD_BINOP(simd_i8x16_add_sat_s, int8_t, i8, 16, (int8_t)simd_clamp_(x + y, INT8_MIN, INT8_MAX))
SIMD_BINOP(simd_i8x16_add_sat_u, uint8_t, u8, 16, (uint8_t)simd_clamp_(x + y, 0, UINT8_MAX))
SIMD_BINOP(simd_i8x16_sub_sat_s, int8_t, i8, 16, (int8_t)simd_clamp_(x - y, INT8_MIN, INT8_MAX))
SIMD_BINOP(simd_i8x16_sub_sat_u, uint8_t, u8, 16, (uint8_t)simd_clamp_(x - y, 0, UINT8_MAX))
SIMD_BINOP(simd_i16x8_add_sat_s, int16_t, i16, 8, (int16_t)simd_clamp_(x + y, INT16_MIN, INT16_MAX))
SIMD_BINOP(simd_i16x8_add_sat_u, uint16_t, u16, 8, (uint16_t)simd_clamp_(x + y, 0, UINT16_MAX))
SIMD_BINOP(simd_i16x8_sub_sat_s, int16_t, i16, 8, (int16_t)simd_clamp_(x - y, INT16_MIN, INT16_MAX))
SIMD_BINOP(simd_i16x8_sub_sat_u, uint16_t, u16, 8, (uint16_t)simd_clamp_(x - y, 0, UINT16_MAX))

/* ---- i16x8.q15mulr_sat_s: Q15 rounding multiply, (x * y + 2^14) >> 15
 * (arithmetic shift), saturated; only -32768 * -32768 overflows (to
 * 32767). */

SIMD_BINOP(simd_i16x8_q15mulr_sat_s, int16_t, i16, 8,
           (int16_t)simd_clamp_(simd_sar32_((int32_t)x * y + 0x4000, 15), INT16_MIN, INT16_MAX))

/* ---- shifts: count modulo the lane width; shr_s fills with the sign. */

SIMD_SHIFT(simd_i8x16_shl, uint8_t, u8, 16, 8, (uint8_t)((uint32_t)x << n))
SIMD_SHIFT(simd_i8x16_shr_s, int8_t, i8, 16, 8, (int8_t)simd_sar32_(x, n))
SIMD_SHIFT(simd_i8x16_shr_u, uint8_t, u8, 16, 8, (uint8_t)(x >> n))
SIMD_SHIFT(simd_i16x8_shl, uint16_t, u16, 8, 16, (uint16_t)((uint32_t)x << n))
SIMD_SHIFT(simd_i16x8_shr_s, int16_t, i16, 8, 16, (int16_t)simd_sar32_(x, n))
SIMD_SHIFT(simd_i16x8_shr_u, uint16_t, u16, 8, 16, (uint16_t)(x >> n))
SIMD_SHIFT(simd_i32x4_shl, uint32_t, u32, 4, 32, x << n)
SIMD_SHIFT(simd_i32x4_shr_s, int32_t, i32, 4, 32, simd_sar32_(x, n))
SIMD_SHIFT(simd_i32x4_shr_u, uint32_t, u32, 4, 32, x >> n)
SIMD_SHIFT(simd_i64x2_shl, uint64_t, u64, 2, 64, x << n)
SIMD_SHIFT(simd_i64x2_shr_s, uint64_t, u64, 2, 64, simd_sar64_(x, n))
SIMD_SHIFT(simd_i64x2_shr_u, uint64_t, u64, 2, 64, x >> n)

/* ---- i8x16.popcnt: set bits per byte. */

SIMD_UNOP(simd_i8x16_popcnt, uint8_t, u8, 16, (uint8_t)numeric_i32_popcnt(x))

/* ---- integer comparisons: signed and unsigned for i8x16, i16x8, i32x4;
 * i64x2 has eq, ne and signed lt/gt/le/ge only. */

#define SIMD_CMPS_(S, N, ST, SF, UT, UF)                       \
    SIMD_CMP(simd_##S##_eq, UT, UF, UT, UF, N, x == y)         \
    SIMD_CMP(simd_##S##_ne, UT, UF, UT, UF, N, x != y)         \
    SIMD_CMP(simd_##S##_lt_s, ST, SF, UT, UF, N, x < y)        \
    SIMD_CMP(simd_##S##_gt_s, ST, SF, UT, UF, N, x > y)        \
    SIMD_CMP(simd_##S##_le_s, ST, SF, UT, UF, N, x <= y)       \
    SIMD_CMP(simd_##S##_ge_s, ST, SF, UT, UF, N, x >= y)
#define SIMD_CMPU_(S, N, UT, UF)                               \
    SIMD_CMP(simd_##S##_lt_u, UT, UF, UT, UF, N, x < y)        \
    SIMD_CMP(simd_##S##_gt_u, UT, UF, UT, UF, N, x > y)        \
    SIMD_CMP(simd_##S##_le_u, UT, UF, UT, UF, N, x <= y)       \
    SIMD_CMP(simd_##S##_ge_u, UT, UF, UT, UF, N, x >= y)

SIMD_CMPS_(i8x16, 16, int8_t, i8, uint8_t, u8)
SIMD_CMPU_(i8x16, 16, uint8_t, u8)
SIMD_CMPS_(i16x8, 8, int16_t, i16, uint16_t, u16)
SIMD_CMPU_(i16x8, 8, uint16_t, u16)
SIMD_CMPS_(i32x4, 4, int32_t, i32, uint32_t, u32)
SIMD_CMPU_(i32x4, 4, uint32_t, u32)
SIMD_CMPS_(i64x2, 2, int64_t, i64, uint64_t, u64)

/* ---- all_true (every lane non-zero), bitmask (bit i = top bit of lane
 * i), both as i32. */

#define SIMD_REDUCE_(S, F, N, BITS)                                        \
    static inline uint32_t simd_##S##_all_true(wasm_v128 a) {              \
        for (int i = 0; i < (N); i++)                                      \
            if (!a.F[i]) return 0;                                         \
        return 1;                                                          \
    }                                                                      \
    static inline uint32_t simd_##S##_bitmask(wasm_v128 a) {               \
        uint32_t m = 0;                                                    \
        for (int i = 0; i < (N); i++) m |= (uint32_t)(a.F[i] >> ((BITS) - 1)) << i; \
        return m;                                                          \
    }
SIMD_REDUCE_(i8x16, u8, 16, 8)
SIMD_REDUCE_(i16x8, u16, 8, 16)
SIMD_REDUCE_(i32x4, u32, 4, 32)
SIMD_REDUCE_(i64x2, u64, 2, 64)

/* ---- narrow: the lanes of a then those of b, each read as SIGNED (also
 * for _u) and saturated to the narrower signed (_s) or unsigned (_u)
 * range. */

static inline wasm_v128 simd_i8x16_narrow_i16x8_s(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 8; i++) {
        r.i8[i] = (int8_t)simd_clamp_(a.i16[i], INT8_MIN, INT8_MAX);
        r.i8[i + 8] = (int8_t)simd_clamp_(b.i16[i], INT8_MIN, INT8_MAX);
    }
    return r;
}
static inline wasm_v128 simd_i8x16_narrow_i16x8_u(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 8; i++) {
        r.u8[i] = (uint8_t)simd_clamp_(a.i16[i], 0, UINT8_MAX);
        r.u8[i + 8] = (uint8_t)simd_clamp_(b.i16[i], 0, UINT8_MAX);
    }
    return r;
}
static inline wasm_v128 simd_i16x8_narrow_i32x4_s(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) {
        r.i16[i] = (int16_t)simd_clamp_(a.i32[i], INT16_MIN, INT16_MAX);
        r.i16[i + 4] = (int16_t)simd_clamp_(b.i32[i], INT16_MIN, INT16_MAX);
    }
    return r;
}
static inline wasm_v128 simd_i16x8_narrow_i32x4_u(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) {
        r.u16[i] = (uint16_t)simd_clamp_(a.i32[i], 0, UINT16_MAX);
        r.u16[i + 4] = (uint16_t)simd_clamp_(b.i32[i], 0, UINT16_MAX);
    }
    return r;
}

/* ---- extend_low/high: the low or high half of the lanes, sign- or
 * zero-extended to twice the width. ---------------------------------------
 * extmul_low/high: the same halves of a and b extended, then multiplied
 * (exact: the product always fits the wide lane, except that i16x8 and
 * i32x4 results are computed unsigned so -2^(w-1) squared cannot
 * overflow C). extadd_pairwise: lane i of the result is the sum of lanes
 * 2i and 2i+1, extended. */

#define SIMD_WIDEN_(W, WT, WF, N, NT, NF)                                       \
    static inline wasm_v128 simd_##W##_half_(wasm_v128 a, int hi) {              \
        wasm_v128 r;                                                            \
        for (int i = 0; i < (N); i++) r.WF[i] = (WT)(NT)a.NF[i + (hi ? (N) : 0)]; \
        return r;                                                               \
    }
SIMD_WIDEN_(i16x8_ext_s, int16_t, i16, 8, int8_t, i8)
SIMD_WIDEN_(i16x8_ext_u, uint16_t, u16, 8, uint8_t, u8)
SIMD_WIDEN_(i32x4_ext_s, int32_t, i32, 4, int16_t, i16)
SIMD_WIDEN_(i32x4_ext_u, uint32_t, u32, 4, uint16_t, u16)
SIMD_WIDEN_(i64x2_ext_s, int64_t, i64, 2, int32_t, i32)
SIMD_WIDEN_(i64x2_ext_u, uint64_t, u64, 2, uint32_t, u32)

#define SIMD_EXTEND_(W, N, S)                                                          \
    static inline wasm_v128 simd_##W##_extend_low_##N##_##S(wasm_v128 a) {             \
        return simd_##W##_ext_##S##_half_(a, 0);                                       \
    }                                                                                  \
    static inline wasm_v128 simd_##W##_extend_high_##N##_##S(wasm_v128 a) {            \
        return simd_##W##_ext_##S##_half_(a, 1);                                       \
    }                                                                                  \
    static inline wasm_v128 simd_##W##_extmul_low_##N##_##S(wasm_v128 a, wasm_v128 b) { \
        return simd_##W##_mul(simd_##W##_ext_##S##_half_(a, 0), simd_##W##_ext_##S##_half_(b, 0)); \
    }                                                                                  \
    static inline wasm_v128 simd_##W##_extmul_high_##N##_##S(wasm_v128 a, wasm_v128 b) { \
        return simd_##W##_mul(simd_##W##_ext_##S##_half_(a, 1), simd_##W##_ext_##S##_half_(b, 1)); \
    }
SIMD_EXTEND_(i16x8, i8x16, s)
SIMD_EXTEND_(i16x8, i8x16, u)
SIMD_EXTEND_(i32x4, i16x8, s)
SIMD_EXTEND_(i32x4, i16x8, u)
SIMD_EXTEND_(i64x2, i32x4, s)
SIMD_EXTEND_(i64x2, i32x4, u)

static inline wasm_v128 simd_i16x8_extadd_pairwise_i8x16_s(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]);
    return r;
}
static inline wasm_v128 simd_i16x8_extadd_pairwise_i8x16_u(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]);
    return r;
}
static inline wasm_v128 simd_i32x4_extadd_pairwise_i16x8_s(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.i32[i] = a.i16[2 * i] + a.i16[2 * i + 1];
    return r;
}
static inline wasm_v128 simd_i32x4_extadd_pairwise_i16x8_u(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.u32[i] = (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1];
    return r;
}

/* ---- i32x4.dot_i16x8_s: lane i = x[2i]*y[2i] + x[2i+1]*y[2i+1], signed
 * 16-bit products summed modulo 2^32 (only -32768^2 * 2 = 2^31 wraps, to
 * INT32_MIN). */

static inline wasm_v128 simd_i32x4_dot_i16x8_s(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) {
        int64_t s = (int64_t)a.i16[2 * i] * b.i16[2 * i] + (int64_t)a.i16[2 * i + 1] * b.i16[2 * i + 1];
        r.u32[i] = (uint32_t)s;
    }
    return r;
}

/* ---- float lanes ------------------------------------------------------------
 * add, sub, mul, div, sqrt: IEEE-754 in the lane's precision. A NaN result
 * is whatever the hardware makes of it, which the spec allows: a NaN
 * operand propagates quieted (an arithmetic NaN) and invalid operations
 * produce the default NaN (a canonical one; x86's has the sign set, which
 * nan:canonical accepts). min/max are numeric.h's (NaN wins, -0 < +0).
 * pmin/pmax are the exact selections b < a ? b : a and a < b ? b : a (a
 * NaN never compares less, so a NaN in b yields a and a NaN in a yields
 * a), on the bits, so the chosen lane is returned unchanged. abs/neg clear
 * or flip the sign bit, even of a NaN. ceil/floor/trunc/nearest
 * (round-half-even) are numeric.h's, which quiet a NaN operand. */

SIMD_BINOP(simd_f32x4_add, float, f32, 4, x + y)
SIMD_BINOP(simd_f32x4_sub, float, f32, 4, x - y)
SIMD_BINOP(simd_f32x4_mul, float, f32, 4, x * y)
SIMD_BINOP(simd_f32x4_div, float, f32, 4, x / y)
SIMD_UNOP(simd_f32x4_sqrt, float, f32, 4, sqrtf(x))
SIMD_BINOP(simd_f32x4_min, float, f32, 4, numeric_f32_min(x, y))
SIMD_BINOP(simd_f32x4_max, float, f32, 4, numeric_f32_max(x, y))
SIMD_UNOP(simd_f32x4_ceil, float, f32, 4, numeric_f32_ceil(x))
SIMD_UNOP(simd_f32x4_floor, float, f32, 4, numeric_f32_floor(x))
SIMD_UNOP(simd_f32x4_trunc, float, f32, 4, numeric_f32_trunc(x))
SIMD_UNOP(simd_f32x4_nearest, float, f32, 4, numeric_f32_nearest(x))
SIMD_UNOP(simd_f32x4_abs, uint32_t, u32, 4, x & 0x7fffffffu)
SIMD_UNOP(simd_f32x4_neg, uint32_t, u32, 4, x ^ 0x80000000u)

SIMD_BINOP(simd_f64x2_add, double, f64, 2, x + y)
SIMD_BINOP(simd_f64x2_sub, double, f64, 2, x - y)
SIMD_BINOP(simd_f64x2_mul, double, f64, 2, x * y)
SIMD_BINOP(simd_f64x2_div, double, f64, 2, x / y)
SIMD_UNOP(simd_f64x2_sqrt, double, f64, 2, sqrt(x))
SIMD_BINOP(simd_f64x2_min, double, f64, 2, numeric_f64_min(x, y))
SIMD_BINOP(simd_f64x2_max, double, f64, 2, numeric_f64_max(x, y))
SIMD_UNOP(simd_f64x2_ceil, double, f64, 2, numeric_f64_ceil(x))
SIMD_UNOP(simd_f64x2_floor, double, f64, 2, numeric_f64_floor(x))
SIMD_UNOP(simd_f64x2_trunc, double, f64, 2, numeric_f64_trunc(x))
SIMD_UNOP(simd_f64x2_nearest, double, f64, 2, numeric_f64_nearest(x))
SIMD_UNOP(simd_f64x2_abs, uint64_t, u64, 2, x & UINT64_C(0x7fffffffffffffff))
SIMD_UNOP(simd_f64x2_neg, uint64_t, u64, 2, x ^ UINT64_C(0x8000000000000000))

static inline wasm_v128 simd_f32x4_pmin(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.u32[i] = b.f32[i] < a.f32[i] ? b.u32[i] : a.u32[i];
    return r;
}
static inline wasm_v128 simd_f32x4_pmax(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.u32[i] = a.f32[i] < b.f32[i] ? b.u32[i] : a.u32[i];
    return r;
}
static inline wasm_v128 simd_f64x2_pmin(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.u64[i] = b.f64[i] < a.f64[i] ? b.u64[i] : a.u64[i];
    return r;
}
static inline wasm_v128 simd_f64x2_pmax(wasm_v128 a, wasm_v128 b) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.u64[i] = a.f64[i] < b.f64[i] ? b.u64[i] : a.u64[i];
    return r;
}

/* ---- float comparisons: IEEE (any NaN makes all false except ne, which
 * is true); -0 == +0. Lanes become all ones or zero. */

SIMD_CMP(simd_f32x4_eq, float, f32, uint32_t, u32, 4, x == y)
SIMD_CMP(simd_f32x4_ne, float, f32, uint32_t, u32, 4, x != y)
SIMD_CMP(simd_f32x4_lt, float, f32, uint32_t, u32, 4, x < y)
SIMD_CMP(simd_f32x4_gt, float, f32, uint32_t, u32, 4, x > y)
SIMD_CMP(simd_f32x4_le, float, f32, uint32_t, u32, 4, x <= y)
SIMD_CMP(simd_f32x4_ge, float, f32, uint32_t, u32, 4, x >= y)
SIMD_CMP(simd_f64x2_eq, double, f64, uint64_t, u64, 2, x == y)
SIMD_CMP(simd_f64x2_ne, double, f64, uint64_t, u64, 2, x != y)
SIMD_CMP(simd_f64x2_lt, double, f64, uint64_t, u64, 2, x < y)
SIMD_CMP(simd_f64x2_gt, double, f64, uint64_t, u64, 2, x > y)
SIMD_CMP(simd_f64x2_le, double, f64, uint64_t, u64, 2, x <= y)
SIMD_CMP(simd_f64x2_ge, double, f64, uint64_t, u64, 2, x >= y)

/* ---- conversions ---------------------------------------------------------
 * convert: integer lanes to the nearest float (ties to even); u32 -> f32
 * goes through numeric.h so it rounds once. convert_low: the two low i32
 * lanes to f64 (exact). trunc_sat: numeric.h's saturating truncation (NaN
 * -> 0, out of range -> the nearer bound); the f64x2 forms fill lanes 2
 * and 3 with zero ("_zero"). demote_f64x2_zero: both f64 lanes rounded to
 * f32 into lanes 0 and 1, lanes 2 and 3 zero; promote_low_f32x4: lanes 0
 * and 1 widened exactly. A NaN stays a NaN, quieted by the hardware
 * conversion (an arithmetic NaN; a canonical one stays canonical). */

static inline wasm_v128 simd_f32x4_convert_i32x4_s(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.f32[i] = (float)a.i32[i];
    return r;
}
static inline wasm_v128 simd_f32x4_convert_i32x4_u(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.f32[i] = numeric_f32_convert_i32_u(a.u32[i]);
    return r;
}
static inline wasm_v128 simd_f64x2_convert_low_i32x4_s(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.f64[i] = (double)a.i32[i];
    return r;
}
static inline wasm_v128 simd_f64x2_convert_low_i32x4_u(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.f64[i] = (double)a.u32[i];
    return r;
}
static inline wasm_v128 simd_i32x4_trunc_sat_f32x4_s(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.i32[i] = numeric_i32_trunc_sat_f32_s(a.f32[i]);
    return r;
}
static inline wasm_v128 simd_i32x4_trunc_sat_f32x4_u(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 4; i++) r.u32[i] = numeric_i32_trunc_sat_f32_u(a.f32[i]);
    return r;
}
static inline wasm_v128 simd_i32x4_trunc_sat_f64x2_s_zero(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.i32[i] = numeric_i32_trunc_sat_f64_s(a.f64[i]);
    r.u32[2] = r.u32[3] = 0;
    return r;
}
static inline wasm_v128 simd_i32x4_trunc_sat_f64x2_u_zero(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.u32[i] = numeric_i32_trunc_sat_f64_u(a.f64[i]);
    r.u32[2] = r.u32[3] = 0;
    return r;
}
static inline wasm_v128 simd_f32x4_demote_f64x2_zero(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.f32[i] = (float)a.f64[i];
    r.u32[2] = r.u32[3] = 0;
    return r;
}
static inline wasm_v128 simd_f64x2_promote_low_f32x4(wasm_v128 a) {
    wasm_v128 r;
    for (int i = 0; i < 2; i++) r.f64[i] = (double)a.f32[i];
    return r;
}

#undef SIMD_UNOP
#undef SIMD_BINOP
#undef SIMD_CMP
#undef SIMD_SHIFT
#undef SIMD_CMPS_
#undef SIMD_CMPU_
#undef SIMD_REDUCE_
#undef SIMD_WIDEN_
#undef SIMD_EXTEND_

#endif
