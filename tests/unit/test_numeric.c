/*
 * test_numeric.c -- the boundary values of src/wasm/numeric.h: checked
 * and saturating truncation, unsigned 64-bit conversion rounding,
 * min/max with NaN and signed zeros, nearest, bit counts and rotates.
 */
#include <math.h>

#include "testutil.h"
#include "wasm/numeric.h"

static float f32(uint32_t bits) { return numeric_f32_from_bits(bits); }
static double f64(uint64_t bits) { return numeric_f64_from_bits(bits); }

static void test_trunc_i32_f32(void) {
    int32_t r = 0;
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(-2147483648.0f, &r), HIVE_TRAP_NONE);
    CHECK_EQ_INT(r, INT32_MIN);
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(-2147483904.0f, &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(2147483520.0f, &r), HIVE_TRAP_NONE);
    CHECK_EQ_INT(r, 2147483520);
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(2147483648.0f, &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(-1.9f, &r), HIVE_TRAP_NONE);
    CHECK_EQ_INT(r, -1);
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(NAN, &r), HIVE_TRAP_INVALID_CONVERSION);
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(f32(0xffc00000), &r), HIVE_TRAP_INVALID_CONVERSION);
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(INFINITY, &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f32_s(-INFINITY, &r), HIVE_TRAP_INT_OVERFLOW);

    uint32_t u = 7;
    CHECK_EQ_INT(numeric_i32_trunc_f32_u(-0.99999994f, &u), HIVE_TRAP_NONE);
    CHECK_EQ_INT(u, 0);
    CHECK_EQ_INT(numeric_i32_trunc_f32_u(-1.0f, &u), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f32_u(4294967040.0f, &u), HIVE_TRAP_NONE);
    CHECK_EQ_INT(u, 4294967040u);
    CHECK_EQ_INT(numeric_i32_trunc_f32_u(4294967296.0f, &u), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f32_u(NAN, &u), HIVE_TRAP_INVALID_CONVERSION);
}

static void test_trunc_i32_f64(void) {
    int32_t r = 0;
    CHECK_EQ_INT(numeric_i32_trunc_f64_s(-2147483648.9, &r), HIVE_TRAP_NONE);
    CHECK_EQ_INT(r, INT32_MIN);
    CHECK_EQ_INT(numeric_i32_trunc_f64_s(-2147483649.0, &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f64_s(2147483647.9, &r), HIVE_TRAP_NONE);
    CHECK_EQ_INT(r, INT32_MAX);
    CHECK_EQ_INT(numeric_i32_trunc_f64_s(2147483648.0, &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f64_s(NAN, &r), HIVE_TRAP_INVALID_CONVERSION);

    uint32_t u = 7;
    CHECK_EQ_INT(numeric_i32_trunc_f64_u(-0.9999999999999999, &u), HIVE_TRAP_NONE);
    CHECK_EQ_INT(u, 0);
    CHECK_EQ_INT(numeric_i32_trunc_f64_u(-1.0, &u), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f64_u(4294967295.9, &u), HIVE_TRAP_NONE);
    CHECK_EQ_INT(u, UINT32_MAX);
    CHECK_EQ_INT(numeric_i32_trunc_f64_u(4294967296.0, &u), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i32_trunc_f64_u(1e300, &u), HIVE_TRAP_INT_OVERFLOW);
}

static void test_trunc_i64(void) {
    int64_t r = 0;
    CHECK_EQ_INT(numeric_i64_trunc_f32_s(-9223372036854775808.0f, &r), HIVE_TRAP_NONE);
    CHECK(r == INT64_MIN);
    CHECK_EQ_INT(numeric_i64_trunc_f32_s(f32(0xdf000001), &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i64_trunc_f32_s(9223371487098961920.0f, &r), HIVE_TRAP_NONE);
    CHECK(r == 9223371487098961920LL);
    CHECK_EQ_INT(numeric_i64_trunc_f32_s(9223372036854775808.0f, &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i64_trunc_f64_s(-9223372036854775808.0, &r), HIVE_TRAP_NONE);
    CHECK(r == INT64_MIN);
    CHECK_EQ_INT(numeric_i64_trunc_f64_s(f64(0xc3e0000000000001), &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i64_trunc_f64_s(9223372036854774784.0, &r), HIVE_TRAP_NONE);
    CHECK(r == 9223372036854774784LL);
    CHECK_EQ_INT(numeric_i64_trunc_f64_s(9223372036854775808.0, &r), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i64_trunc_f64_s(NAN, &r), HIVE_TRAP_INVALID_CONVERSION);

    uint64_t u = 7;
    CHECK_EQ_INT(numeric_i64_trunc_f32_u(-0.5f, &u), HIVE_TRAP_NONE);
    CHECK(u == 0);
    CHECK_EQ_INT(numeric_i64_trunc_f32_u(-1.0f, &u), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i64_trunc_f32_u(18446742974197923840.0f, &u), HIVE_TRAP_NONE);
    CHECK(u == 18446742974197923840ULL);
    CHECK_EQ_INT(numeric_i64_trunc_f32_u(18446744073709551616.0f, &u), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i64_trunc_f64_u(18446744073709549568.0, &u), HIVE_TRAP_NONE);
    CHECK(u == 18446744073709549568ULL);
    CHECK_EQ_INT(numeric_i64_trunc_f64_u(18446744073709551616.0, &u), HIVE_TRAP_INT_OVERFLOW);
    CHECK_EQ_INT(numeric_i64_trunc_f64_u(-0.9, &u), HIVE_TRAP_NONE);
    CHECK(u == 0);
    CHECK_EQ_INT(numeric_i64_trunc_f64_u(NAN, &u), HIVE_TRAP_INVALID_CONVERSION);
}

static void test_trunc_sat(void) {
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_s(NAN), 0);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_s(-2147483904.0f), INT32_MIN);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_s(-2147483648.0f), INT32_MIN);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_s(2147483648.0f), INT32_MAX);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_s(-INFINITY), INT32_MIN);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_s(1.5f), 1);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_u(-1.0f), 0);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_u(-0.5f), 0);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_u(4294967296.0f), UINT32_MAX);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f32_u(4294967040.0f), 4294967040u);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f64_s(-2147483649.0), INT32_MIN);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f64_s(-2147483648.5), INT32_MIN);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f64_s(2147483647.5), INT32_MAX);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f64_s(NAN), 0);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f64_u(4294967295.5), UINT32_MAX);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f64_u(1e10), UINT32_MAX);
    CHECK_EQ_INT(numeric_i32_trunc_sat_f64_u(-1e10), 0);
    CHECK(numeric_i64_trunc_sat_f32_s(9223372036854775808.0f) == INT64_MAX);
    CHECK(numeric_i64_trunc_sat_f32_s(-9223372036854775808.0f) == INT64_MIN);
    CHECK(numeric_i64_trunc_sat_f32_s(f32(0xdf000001)) == INT64_MIN);
    CHECK(numeric_i64_trunc_sat_f32_s(NAN) == 0);
    CHECK(numeric_i64_trunc_sat_f32_u(18446744073709551616.0f) == UINT64_MAX);
    CHECK(numeric_i64_trunc_sat_f32_u(-INFINITY) == 0);
    CHECK(numeric_i64_trunc_sat_f64_s(9223372036854775808.0) == INT64_MAX);
    CHECK(numeric_i64_trunc_sat_f64_s(-9223372036854775808.0) == INT64_MIN);
    CHECK(numeric_i64_trunc_sat_f64_s(-1e300) == INT64_MIN);
    CHECK(numeric_i64_trunc_sat_f64_u(18446744073709549568.0) == 18446744073709549568ULL);
    CHECK(numeric_i64_trunc_sat_f64_u(18446744073709551616.0) == UINT64_MAX);
    CHECK(numeric_i64_trunc_sat_f64_u(NAN) == 0);
}

static void test_convert_u64(void) {
    /* 2^63 + 2^39 + 1: above the halfway point between the floats 2^63 and
     * 2^63 + 2^40, so it rounds up; via double it would tie and go down. */
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i64_u(0x8000008000000001ULL)), 0x5f000001);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i64_u(0x8000008000000000ULL)), 0x5f000000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i64_u(0x8000018000000000ULL)), 0x5f000002);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i64_u(UINT64_MAX)), 0x5f800000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i64_u(0)), 0);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i64_u(0x0020000020000001ULL)), 0x5a000001);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i64_u(0x7fffff4000000001ULL)), 0x5effffff);
    /* Same for f64: 2^63 + 2^10 + 1 rounds up to 2^63 + 2^11. */
    CHECK(numeric_f64_bits(numeric_f64_convert_i64_u(0x8000000000000401ULL)) ==
          0x43e0000000000001ULL);
    CHECK(numeric_f64_bits(numeric_f64_convert_i64_u(0x8000000000000400ULL)) ==
          0x43e0000000000000ULL);
    CHECK(numeric_f64_bits(numeric_f64_convert_i64_u(UINT64_MAX)) == 0x43f0000000000000ULL);
    CHECK(numeric_f64_bits(numeric_f64_convert_i64_u(0x000fffffffffffffULL)) ==
          0x432ffffffffffffeULL);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i32_u(0xffffffffu)), 0x4f800000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i32_u(0x80000080u)), 0x4f000000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_convert_i32_u(0x80000081u)), 0x4f000001);
    CHECK(numeric_f64_convert_i32_u(0xffffffffu) == 4294967295.0);
}

static void test_min_max(void) {
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_min(-0.0f, 0.0f)), 0x80000000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_min(0.0f, -0.0f)), 0x80000000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_max(-0.0f, 0.0f)), 0);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_max(0.0f, -0.0f)), 0);
    CHECK(numeric_f32_min(1.0f, 2.0f) == 1.0f);
    CHECK(numeric_f32_max(1.0f, 2.0f) == 2.0f);
    CHECK(numeric_f32_min(-INFINITY, 2.0f) == -INFINITY);
    CHECK(isnan(numeric_f32_min(NAN, 1.0f)));
    CHECK(isnan(numeric_f32_min(1.0f, NAN)));
    CHECK(isnan(numeric_f32_max(NAN, -INFINITY)));
    /* A signalling NaN comes back quiet with its payload. */
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_min(f32(0x7fa00000), 1.0f)), 0x7fe00000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_max(1.0f, f32(0xffa00000))), 0xffe00000);
    CHECK(numeric_f64_bits(numeric_f64_min(-0.0, 0.0)) == 0x8000000000000000ULL);
    CHECK(numeric_f64_bits(numeric_f64_max(-0.0, 0.0)) == 0);
    CHECK(numeric_f64_bits(numeric_f64_max(0.0, -0.0)) == 0);
    CHECK(isnan(numeric_f64_max(1.0, NAN)));
    CHECK(numeric_f64_bits(numeric_f64_min(f64(0x7ff4000000000000ULL), 1.0)) ==
          0x7ffc000000000000ULL);
    CHECK(numeric_f64_min(-1.0, 1.0) == -1.0);
}

static void test_nearest(void) {
    CHECK(numeric_f32_nearest(0.5f) == 0.0f);
    CHECK(numeric_f32_nearest(1.5f) == 2.0f);
    CHECK(numeric_f32_nearest(2.5f) == 2.0f);
    CHECK(numeric_f32_nearest(-3.5f) == -4.0f);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_nearest(-0.5f)), 0x80000000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_nearest(-0.0f)), 0x80000000);
    CHECK(numeric_f32_nearest(8388609.0f) == 8388609.0f);
    CHECK(numeric_f32_nearest(4194304.5f) == 4194304.0f);
    CHECK(isnan(numeric_f32_nearest(NAN)));
    CHECK(numeric_f64_nearest(4503599627370497.0) == 4503599627370497.0);
    CHECK(numeric_f64_nearest(2.5) == 2.0);
    CHECK(numeric_f64_nearest(3.5) == 4.0);
    CHECK(numeric_f64_bits(numeric_f64_nearest(-0.5)) == 0x8000000000000000ULL);
    CHECK(numeric_f64_nearest(-INFINITY) == -INFINITY);
}

static void test_rounding_nan(void) {
    /* libm hands a signalling NaN back as it is; wasm wants it quieted. */
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_floor(f32(0x7fa00000))), 0x7fe00000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_ceil(f32(0xffa00000))), 0xffe00000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_trunc(f32(0x7f800001))), 0x7fc00001);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_nearest(f32(0x7fa00000))), 0x7fe00000);
    CHECK(numeric_f64_bits(numeric_f64_floor(f64(0x7ff4000000000000ULL))) == 0x7ffc000000000000ULL);
    CHECK(numeric_f64_bits(numeric_f64_ceil(f64(0xfff4000000000000ULL))) == 0xfffc000000000000ULL);
    CHECK(numeric_f64_bits(numeric_f64_trunc(f64(0x7ff4000000000000ULL))) == 0x7ffc000000000000ULL);
    CHECK(numeric_f64_bits(numeric_f64_nearest(f64(0x7ff4000000000000ULL))) == 0x7ffc000000000000ULL);
    /* Signs of zero survive; ordinary values round as C does. */
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_ceil(-0.5f)), 0x80000000);
    CHECK_EQ_INT(numeric_f32_bits(numeric_f32_trunc(-0.9f)), 0x80000000);
    CHECK(numeric_f32_floor(-0.5f) == -1.0f);
    CHECK(numeric_f64_ceil(1.0000001) == 2.0);
    CHECK(numeric_f64_bits(numeric_f64_ceil(-0.5)) == 0x8000000000000000ULL);
    CHECK(numeric_f64_trunc(-1.9) == -1.0);
}

static void test_bits(void) {
    CHECK_EQ_INT(numeric_i32_clz(0), 32);
    CHECK_EQ_INT(numeric_i32_clz(1), 31);
    CHECK_EQ_INT(numeric_i32_clz(0x80000000u), 0);
    CHECK_EQ_INT(numeric_i32_ctz(0), 32);
    CHECK_EQ_INT(numeric_i32_ctz(0x80000000u), 31);
    CHECK_EQ_INT(numeric_i32_popcnt(0xffffffffu), 32);
    CHECK_EQ_INT(numeric_i32_popcnt(0), 0);
    CHECK_EQ_INT(numeric_i64_clz(0), 64);
    CHECK_EQ_INT(numeric_i64_clz(1), 63);
    CHECK_EQ_INT(numeric_i64_ctz(0), 64);
    CHECK_EQ_INT(numeric_i64_ctz(0x8000000000000000ULL), 63);
    CHECK_EQ_INT(numeric_i64_popcnt(UINT64_MAX), 64);
    CHECK_EQ_INT(numeric_i32_rotl(0x80000001u, 1), 3);
    CHECK_EQ_INT(numeric_i32_rotl(0x12345678u, 0), 0x12345678u);
    CHECK_EQ_INT(numeric_i32_rotl(0x12345678u, 32), 0x12345678u);
    CHECK_EQ_INT(numeric_i32_rotr(1, 1), 0x80000000u);
    CHECK_EQ_INT(numeric_i32_rotr(0xabcd0000u, 36), 0x0abcd000u);
    CHECK(numeric_i64_rotl(0x8000000000000001ULL, 65) == 3);
    CHECK(numeric_i64_rotr(1, 1) == 0x8000000000000000ULL);
    CHECK(numeric_i64_rotr(0x1234ULL, 0) == 0x1234ULL);
}

int main(void) {
    RUN(test_trunc_i32_f32);
    RUN(test_trunc_i32_f64);
    RUN(test_trunc_i64);
    RUN(test_trunc_sat);
    RUN(test_convert_u64);
    RUN(test_min_max);
    RUN(test_nearest);
    RUN(test_rounding_nan);
    RUN(test_bits);
    return test_summary("numeric");
}
