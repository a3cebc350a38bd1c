/*
 * test_simd.c -- src/wasm/simd.h checked against vectors from the
 * WebAssembly spec suite (shared/wasm-spec-testsuite/simd_*.wast), and
 * src/wasm/simd_ops.h's opcode table.
 *
 * Each row of `cases` names an instruction, its operands and the expected
 * result as text, in the wast's own terms: a v128 is a shape and its
 * lanes ("i16x8 -1 0 32767 ..."), a scalar a type and a value ("i32 7").
 * Integer lanes may be written signed or unsigned (wrapped to the lane
 * width); float lanes are decimal or "inf", NaNs exact as "bits:0x...",
 * and an expected NaN lane may be "nan:canonical" or "nan:arithmetic",
 * judged as the spec does. The rows were picked from the .wast files (the
 * file and line are given per row) so that, for every instruction, each
 * plausible wrong implementation fails at least one row: every other
 * instruction of the same type (s/u swapped, low/high swapped, wrapping
 * instead of saturating, min instead of pmin, ...), the operands swapped,
 * and a few classic slips (fmin for min, round-half-away for nearest, shift
 * counts not taken modulo the width, ...).
 *
 * Memory instructions run against a 16-byte "memory" operand: loads read
 * from its start, stores and store_lane yield the memory afterwards.
 * Operands by kind: loads (a = memory), v128.store (a = memory, b = value),
 * loadN_lane (a = memory, b = vector, imm = lane), storeN_lane (a =
 * memory, b = vector, imm = lane), v128.const (a = the immediate bytes),
 * i8x16.shuffle (a, b, c = the 16 indices), extract/replace_lane (imm =
 * lane).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "testutil.h"
#include "wasm/simd.h"
#include "wasm/simd_ops.h"

/* ---- values as text ------------------------------------------------------ */

enum { LANE_EXACT, LANE_CANON, LANE_ARITH };

typedef struct tval {
    int is_v128;
    int width; /* lane width in bits (scalars: 32 or 64) */
    int is_float;
    wasm_v128 v;   /* v128 */
    uint64_t bits; /* scalar */
    int lane_mode[16];
} tval;

static uint64_t lane_mask(int width) {
    return width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
}

/* One lane token into bits (and a mode for expected NaNs). */
static int parse_lane(const char *tok, int width, int is_float, uint64_t *bits, int *mode) {
    *mode = LANE_EXACT;
    if (!strcmp(tok, "nan:canonical")) { *mode = LANE_CANON; *bits = 0; return 1; }
    if (!strcmp(tok, "nan:arithmetic")) { *mode = LANE_ARITH; *bits = 0; return 1; }
    if (!strncmp(tok, "bits:", 5)) {
        *bits = strtoull(tok + 5, NULL, 0) & lane_mask(width);
        return 1;
    }
    if (is_float) {
        double d = strtod(tok, NULL);
        *bits = width == 32 ? numeric_f32_bits((float)d) : numeric_f64_bits(d);
        return 1;
    }
    if (tok[0] == '-') *bits = (uint64_t)strtoll(tok, NULL, 0) & lane_mask(width);
    else *bits = strtoull(tok, NULL, 0) & lane_mask(width);
    return 1;
}

/* "i8x16 ...", "i16x8 ...", "i32x4 ...", "i64x2 ...", "f32x4 ...",
 * "f64x2 ...", or a scalar "i32 x", "i64 x", "f32 x", "f64 x". */
static int parse_val(const char *s, tval *out) {
    char buf[512];
    char *save = NULL, *tok;
    memset(out, 0, sizeof *out);
    if (!s) return 1;
    snprintf(buf, sizeof buf, "%s", s);
    tok = strtok_r(buf, " ", &save);
    if (!tok) return 0;
    out->is_float = tok[0] == 'f';
    out->is_v128 = strchr(tok, 'x') != NULL;
    out->width = atoi(tok + 1);
    if (!out->is_v128) {
        int mode;
        tok = strtok_r(NULL, " ", &save);
        if (!tok) return 0;
        parse_lane(tok, out->width, out->is_float, &out->bits, &mode);
        out->lane_mode[0] = mode;
        return 1;
    }
    int n = 128 / out->width;
    for (int i = 0; i < n; i++) {
        uint64_t b;
        int mode;
        tok = strtok_r(NULL, " ", &save);
        if (!tok) return 0;
        parse_lane(tok, out->width, out->is_float, &b, &mode);
        out->lane_mode[i] = mode;
        switch (out->width) {
        case 8: out->v.u8[i] = (uint8_t)b; break;
        case 16: out->v.u16[i] = (uint16_t)b; break;
        case 32: out->v.u32[i] = (uint32_t)b; break;
        default: out->v.u64[i] = b; break;
        }
    }
    return strtok_r(NULL, " ", &save) == NULL;
}

static uint64_t lane_of(const wasm_v128 *v, int width, int i) {
    switch (width) {
    case 8: return v->u8[i];
    case 16: return v->u16[i];
    case 32: return v->u32[i];
    default: return v->u64[i];
    }
}

/* Does `got` (width bits) match one expected lane? A canonical NaN has any
 * sign and only the quiet bit of the payload; an arithmetic NaN any sign
 * and payload with the quiet bit set. */
static int lane_matches(uint64_t got, int width, int mode, uint64_t want) {
    if (mode == LANE_EXACT) return got == want;
    uint64_t exp = width == 32 ? 0x7f800000u : UINT64_C(0x7ff0000000000000);
    uint64_t quiet = width == 32 ? 0x00400000u : UINT64_C(0x0008000000000000);
    uint64_t sign = UINT64_C(1) << (width - 1);
    if (mode == LANE_CANON) return (got & ~sign) == (exp | quiet);
    return (got & (exp | quiet)) == (exp | quiet);
}

static int result_matches(const tval *got, const tval *want) {
    if (!want->is_v128) return lane_matches(got->bits, want->width, want->lane_mode[0], want->bits);
    for (int i = 0; i < 128 / want->width; i++)
        if (!lane_matches(lane_of(&got->v, want->width, i), want->width, want->lane_mode[i],
                          lane_of(&want->v, want->width, i)))
            return 0;
    return 1;
}

/* ---- running one instruction ---------------------------------------------
 * One call form per (immediate kind, signature) pair of simd_ops.h; the
 * X-macro below then makes every opcode's function part of the build, so
 * a missing or mistyped simd.h function is a compile error. */

#define CALL_NONE_VV_V(f) r->v = f(a->v, b->v)
#define CALL_SHUFFLE_VV_V(f) r->v = f(a->v, b->v, c->v.u8)
#define CALL_NONE_V_V(f) r->v = f(a->v)
#define CALL_NONE_VVV_V(f) r->v = f(a->v, b->v, c->v)
#define CALL_NONE_V_I32(f) r->bits = f(a->v)
#define CALL_LANE_V_I32(f) r->bits = (uint32_t)f(a->v, imm)
#define CALL_LANE_V_I64(f) r->bits = f(a->v, imm)
#define CALL_LANE_V_F32(f) r->bits = numeric_f32_bits(f(a->v, imm))
#define CALL_LANE_V_F64(f) r->bits = numeric_f64_bits(f(a->v, imm))
#define CALL_NONE_VI32_V(f) r->v = f(a->v, (uint32_t)b->bits)
#define CALL_LANE_VI32_V(f) r->v = f(a->v, imm, (uint32_t)b->bits)
#define CALL_LANE_VI64_V(f) r->v = f(a->v, imm, b->bits)
#define CALL_LANE_VF32_V(f) r->v = f(a->v, imm, numeric_f32_from_bits((uint32_t)b->bits))
#define CALL_LANE_VF64_V(f) r->v = f(a->v, imm, numeric_f64_from_bits(b->bits))
#define CALL_NONE_I32_V(f) r->v = f((uint32_t)a->bits)
#define CALL_NONE_I64_V(f) r->v = f(a->bits)
#define CALL_NONE_F32_V(f) r->v = f(numeric_f32_from_bits((uint32_t)a->bits))
#define CALL_NONE_F64_V(f) r->v = f(numeric_f64_from_bits(a->bits))
#define CALL_V128_CONST(f) r->v = f(a->v.u8)
#define CALL_MEMARG_LOAD(f) r->v = f(a->v.u8)
#define CALL_MEMARG_STORE(f) (r->v = a->v, f(r->v.u8, b->v))
#define CALL_MEMARG_LANE_LOADLANE(f) r->v = f(b->v, a->v.u8, imm)
#define CALL_MEMARG_LANE_STORE(f) (r->v = a->v, f(r->v.u8, b->v, imm))

/* Runs instruction `op` on a, b, c (as its kind needs) into r; 0 if there
 * is no such instruction. */
static int run_op(uint32_t op, const tval *a, const tval *b, const tval *c, unsigned imm, tval *r) {
    memset(r, 0, sizeof *r);
    switch (op) {
#define RUN_CASE_(code, fn, text, imm_, lanes, align, sig) \
    case code:                                            \
        CALL_##imm_##_##sig(simd_##fn);                   \
        return 1;
        SIMD_OPS(RUN_CASE_)
#undef RUN_CASE_
    }
    (void)imm;
    return 0;
}

static const simd_op_info *op_by_name(const char *name) {
    for (uint32_t op = 0; op < 256; op++) {
        const simd_op_info *info = simd_op_lookup(op);
        if (info && !strcmp(info->name, name)) return info;
    }
    return NULL;
}

typedef struct vcase {
    const char *op;
    const char *a, *b, *c; /* operands (NULL: unused) */
    unsigned imm;          /* lane immediate */
    const char *want;
    const char *from; /* the .wast file and line, or NULL */
} vcase;

static void show_val(const char *what, const tval *t, int width) {
    fprintf(stderr, "    %s:", what);
    if (!t->is_v128) {
        fprintf(stderr, " 0x%" PRIx64 "\n", t->bits);
        return;
    }
    for (int i = 0; i < 128 / width; i++) fprintf(stderr, " 0x%" PRIx64, lane_of(&t->v, width, i));
    fprintf(stderr, "\n");
}

/* Runs one row; returns 1 when the result matches. */
static int run_case(const vcase *k, int verbose) {
    tval a, b, c, want, got;
    const simd_op_info *info = op_by_name(k->op);
    if (!info || !parse_val(k->a, &a) || !parse_val(k->b, &b) || !parse_val(k->c, &c) ||
        !parse_val(k->want, &want)) {
        if (verbose) fprintf(stderr, "  bad row: %s (%s)\n", k->op, k->from ? k->from : "");
        return 0;
    }
    if (!run_op(info->opcode, &a, &b, &c, k->imm, &got)) return 0;
    if (result_matches(&got, &want)) return 1;
    if (verbose) {
        fprintf(stderr, "  %s (%s): wrong result\n", k->op, k->from ? k->from : "hand");
        show_val("got ", &got, want.width);
        show_val("want", &want, want.width);
    }
    return 0;
}

/* ---- the cases ------------------------------------------------------------ */

/* clang-format off */
static const vcase cases[] = {
    {"v128.load", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "hand: whole value, memory order"},
    {"v128.load8x8_s", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i16x8 -128 -127 -1 127 0 1 -2 -126", "hand: low 8 bytes, extended"},
    {"v128.load8x8_u", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i16x8 128 129 255 127 0 1 254 130", "hand: low 8 bytes, extended"},
    {"v128.load16x4_s", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i32x4 -32384 32767 256 -32002", "hand: low 8 bytes, extended"},
    {"v128.load16x4_u", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i32x4 33152 32767 256 33534", "hand: low 8 bytes, extended"},
    {"v128.load32x2_s", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i64x2 2147451264 -2097282816", "hand: low 8 bytes, extended"},
    {"v128.load32x2_u", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i64x2 2147451264 2197684480", "hand: low 8 bytes, extended"},
    {"v128.load8_splat", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128", "hand: first 1 bytes in every lane"},
    {"v128.load16_splat", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i16x8 33152 33152 33152 33152 33152 33152 33152 33152", "hand: first 2 bytes in every lane"},
    {"v128.load32_splat", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i32x4 2147451264 2147451264 2147451264 2147451264", "hand: first 4 bytes in every lane"},
    {"v128.load64_splat", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i64x2 9438982970674217344 9438982970674217344", "hand: first 8 bytes in every lane"},
    {"v128.store", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", "hand: all 16 bytes"},
    {"v128.const", "i8x16 0 0 0 128 0 0 0 128 0 0 0 128 0 0 0 128", NULL, NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_const.wast:548"},
    {"v128.const", "i8x16 255 255 127 127 255 255 127 127 255 255 127 127 255 255 127 127", NULL, NULL, 0,
     "f32x4 3.4028234663852886e+38 3.4028234663852886e+38 3.4028234663852886e+38 3.4028234663852886e+38", "simd_const.wast:556"},
    {"i8x16.shuffle", "i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "i8x16 -16 -15 -14 -13 -12 -11 -10 -9 -8 -7 -6 -5 -4 -3 -2 -1", "i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31", 0,
     "i8x16 -16 -15 -14 -13 -12 -11 -10 -9 -8 -7 -6 -5 -4 -3 -2 -1", "simd_lane.wast:337"},
    {"i8x16.shuffle", "i32x4 66051 67438087 134810123 202182159", "f32x4 -0.0 bits:0x7fc00000 inf -inf", "i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", 0,
     "i32x4 66051 67438087 134810123 202182159", "simd_lane.wast:381"},
    {"i8x16.swizzle", "f32x4 bits:0x7fc00000 bits:0xffc00000 inf -inf", "i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", NULL, 0,
     "i32x4 2143289344 -4194304 2139095040 -8388608", "simd_lane.wast:324"},
    {"i8x16.swizzle", "i32x4 1734763876 1802135912 1869507932 1936879984", "f32x4 0.0 -0.0 inf -inf", NULL, 0,
     "i32x4 1684300900 6579300 25700 25700", "simd_lane.wast:328"},
    {"i8x16.splat", "i32 255", NULL, NULL, 0,
     "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", "simd_splat.wast:16"},
    {"i8x16.splat", "i32 -128", NULL, NULL, 0,
     "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "simd_splat.wast:17"},
    {"i16x8.splat", "i32 65535", NULL, NULL, 0,
     "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", "simd_splat.wast:29"},
    {"i16x8.splat", "i32 -32768", NULL, NULL, 0,
     "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "simd_splat.wast:30"},
    {"i32x4.splat", "i32 -2147483648", NULL, NULL, 0,
     "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "simd_splat.wast:45"},
    {"i32x4.splat", "i32 2147483647", NULL, NULL, 0,
     "i32x4 2147483647 2147483647 2147483647 2147483647", "simd_splat.wast:46"},
    {"i64x2.splat", "i64 0", NULL, NULL, 0,
     "i64x2 0 0", "simd_splat.wast:74"},
    {"i64x2.splat", "i64 1", NULL, NULL, 0,
     "i64x2 1 1", "simd_splat.wast:76"},
    {"f32x4.splat", "f32 inf", NULL, NULL, 0,
     "f32x4 inf inf inf inf", "simd_splat.wast:60"},
    {"f32x4.splat", "f32 bits:0x7fc00000", NULL, NULL, 0,
     "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "simd_splat.wast:62"},
    {"f64x2.splat", "f64 -0.0", NULL, NULL, 0,
     "f64x2 -0.0 -0.0", "simd_splat.wast:90"},
    {"f64x2.splat", "f64 inf", NULL, NULL, 0,
     "f64x2 inf inf", "simd_splat.wast:105"},
    {"f64x2.splat", "f64 bits:0x7ff8000000000000", NULL, NULL, 0,
     "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", "simd_splat.wast:107"},
    {"i8x16.extract_lane_s", "i8x16 127 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", NULL, NULL, 0,
     "i32 127", "simd_lane.wast:81"},
    {"i8x16.extract_lane_s", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 -128", NULL, NULL, 15,
     "i32 -128", "simd_lane.wast:87"},
    {"i8x16.extract_lane_u", "i8x16 255 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", NULL, NULL, 0,
     "i32 255", "simd_lane.wast:85"},
    {"i8x16.extract_lane_u", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 255", NULL, NULL, 15,
     "i32 255", "simd_lane.wast:89"},
    {"i8x16.replace_lane", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i32 127", NULL, 0,
     "i8x16 127 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "simd_lane.wast:194"},
    {"i8x16.replace_lane", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i32 -128", NULL, 15,
     "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 -128", "simd_lane.wast:198"},
    {"i16x8.extract_lane_s", "i16x8 32767 0 0 0 0 0 0 0", NULL, NULL, 0,
     "i32 32767", "simd_lane.wast:94"},
    {"i16x8.extract_lane_s", "i16x8 0 0 0 0 0 0 0 -32768", NULL, NULL, 7,
     "i32 -32768", "simd_lane.wast:104"},
    {"i16x8.extract_lane_u", "i16x8 65535 0 0 0 0 0 0 0", NULL, NULL, 0,
     "i32 65535", "simd_lane.wast:100"},
    {"i16x8.extract_lane_u", "i16x8 0 0 0 0 0 0 0 65535", NULL, NULL, 7,
     "i32 65535", "simd_lane.wast:108"},
    {"i16x8.replace_lane", "i16x8 0 0 0 0 0 0 0 0", "i32 32767", NULL, 0,
     "i16x8 32767 0 0 0 0 0 0 0", "simd_lane.wast:203"},
    {"i16x8.replace_lane", "i16x8 0 0 0 0 0 0 0 0", "i32 -32768", NULL, 7,
     "i16x8 0 0 0 0 0 0 0 -32768", "simd_lane.wast:209"},
    {"i32x4.extract_lane", "i32x4 2147483647 0 0 0", NULL, NULL, 0,
     "i32 2147483647", "simd_lane.wast:115"},
    {"i32x4.extract_lane", "i32x4 0 0 0 -2147483648", NULL, NULL, 3,
     "i32 -2147483648", "simd_lane.wast:121"},
    {"i32x4.replace_lane", "i32x4 0 0 0 0", "i32 2147483647", NULL, 0,
     "i32x4 2147483647 0 0 0", "simd_lane.wast:216"},
    {"i32x4.replace_lane", "i32x4 0 0 0 0", "i32 -2147483648", NULL, 3,
     "i32x4 0 0 0 -2147483648", "simd_lane.wast:220"},
    {"i64x2.extract_lane", "i8x16 0 0 0 0 0 0 0 0 -1 -1 -1 -1 -1 -1 -1 127", NULL, NULL, 1,
     "i64 9223372036854775807", "simd_lane.wast:137"},
    {"i64x2.extract_lane", "f64x2 -inf inf", NULL, NULL, 1,
     "i64 9218868437227405312", "simd_lane.wast:140"},
    {"i64x2.replace_lane", "i64x2 0 0", "i64 9223372036854775807", NULL, 0,
     "i64x2 9223372036854775807 0", "simd_lane.wast:250"},
    {"i64x2.replace_lane", "i64x2 0 0", "i64 -1", NULL, 0,
     "i64x2 -1 0", "simd_lane.wast:251"},
    {"f32x4.extract_lane", "f32x4 bits:0x7fc00000 inf 0.0 0.0", NULL, NULL, 0,
     "f32 bits:0x7fc00000", "simd_lane.wast:149"},
    {"f32x4.extract_lane", "f32x4 0.0 0.0 -inf bits:0x7fc00000", NULL, NULL, 3,
     "f32 bits:0x7fc00000", "simd_lane.wast:156"},
    {"f32x4.replace_lane", "f32x4 0.0 0.0 0.0 0.0", "f32 bits:0x7fc00000", NULL, 0,
     "f32x4 bits:0x7fc00000 0.0 0.0 0.0", "simd_lane.wast:227"},
    {"f32x4.replace_lane", "f32x4 0.0 0.0 0.0 0.0", "f32 inf", NULL, 0,
     "f32x4 inf 0.0 0.0 0.0", "simd_lane.wast:228"},
    {"f64x2.extract_lane", "f64x2 bits:0xfff8000000000000 -0.0", NULL, NULL, 0,
     "f64 bits:0xfff8000000000000", "simd_lane.wast:168"},
    {"f64x2.extract_lane", "f64x2 -0.0 -inf", NULL, NULL, 1,
     "f64 -inf", "simd_lane.wast:178"},
    {"f64x2.replace_lane", "f64x2 -1.0 -1.0", "f64 -0.0", NULL, 0,
     "f64x2 -0.0 -1.0", "simd_lane.wast:260"},
    {"f64x2.replace_lane", "f64x2 bits:0xfff8000000000000 0.0", "f64 -1.7976931348623157e+308", NULL, 0,
     "f64x2 -1.7976931348623157e+308 0.0", "simd_lane.wast:263"},
    {"f64x2.replace_lane", "f64x2 -inf 0.0", "f64 -2.225073858507201e-308", NULL, 0,
     "f64x2 -2.225073858507201e-308 0.0", "simd_lane.wast:265"},
    {"i8x16.eq", "i8x16 0 0 -128 63 0 0 -2 66 0 0 0 67 0 0 127 67", "f32x4 1.0 127.0 128.0 255.0", NULL, 0,
     "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", "simd_i8x16_cmp.wast:89"},
    {"i8x16.eq", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", "i8x16 -1 -2 -3 -128 127 2 1 0 0 -1 -2 -3 -125 -126 -127 -128", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 -1 -1 0 0 0 0 0 0 0", "simd_i8x16_cmp.wast:103"},
    {"i8x16.ne", "i8x16 0 0 -128 63 0 0 -2 66 0 0 0 67 0 0 127 67", "f32x4 1.0 127.0 128.0 255.0", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "simd_i8x16_cmp.wast:227"},
    {"i8x16.ne", "i8x16 -128 -128 -128 -128 0 0 0 0 1 1 1 1 -1 -1 -1 -1", "i16x8 -128 -128 0 0 1 1 255 255", NULL, 0,
     "i8x16 0 -1 0 -1 0 0 0 0 0 -1 0 -1 0 -1 0 -1", "simd_i8x16_cmp.wast:264"},
    {"i8x16.lt_s", "i8x16 0 0 -128 63 0 0 -2 66 0 0 0 67 0 0 127 67", "f32x4 1.0 127.0 128.0 255.0", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "simd_i8x16_cmp.wast:365"},
    {"i8x16.lt_s", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", "i8x16 -1 -2 -3 -128 127 2 1 0 0 -1 -2 -3 -125 -126 -127 -128", NULL, 0,
     "i8x16 -1 -1 -1 0 -1 -1 -1 0 0 0 0 0 -1 0 0 0", "simd_i8x16_cmp.wast:379"},
    {"i8x16.lt_u", "i8x16 128 129 130 131 253 254 255 0 0 1 2 127 128 253 254 255", "i8x16 128 129 130 131 253 254 255 0 0 1 2 127 128 253 254 255", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "simd_i8x16_cmp.wast:472"},
    {"i8x16.lt_u", "i8x16 128 129 130 131 253 254 255 0 0 1 2 127 128 253 254 255", "i8x16 255 254 253 128 127 2 1 0 0 255 254 253 131 130 129 128", NULL, 0,
     "i8x16 255 255 255 0 0 0 0 0 0 255 255 255 255 0 0 0", "simd_i8x16_cmp.wast:517"},
    {"i8x16.gt_s", "i8x16 0 0 -128 63 0 0 -2 66 0 0 0 67 0 0 127 67", "f32x4 1.0 127.0 128.0 255.0", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "simd_i8x16_cmp.wast:917"},
    {"i8x16.gt_s", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", "i8x16 -1 -2 -3 -128 127 2 1 0 0 -1 -2 -3 -125 -126 -127 -128", NULL, 0,
     "i8x16 0 0 0 -1 0 0 0 0 0 -1 -1 -1 0 -1 -1 -1", "simd_i8x16_cmp.wast:931"},
    {"i8x16.gt_u", "i8x16 128 129 130 131 253 254 255 0 0 1 2 127 128 253 254 255", "i8x16 128 129 130 131 253 254 255 0 0 1 2 127 128 253 254 255", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "simd_i8x16_cmp.wast:1024"},
    {"i8x16.gt_u", "i8x16 128 129 130 131 253 254 255 0 0 1 2 127 128 253 254 255", "i8x16 255 254 253 128 127 2 1 0 0 255 254 253 131 130 129 128", NULL, 0,
     "i8x16 0 0 0 255 255 255 255 0 0 0 0 0 0 255 255 255", "simd_i8x16_cmp.wast:1069"},
    {"i8x16.le_s", "i8x16 0 0 -128 63 0 0 -2 66 0 0 0 67 0 0 127 67", "f32x4 1.0 127.0 128.0 255.0", NULL, 0,
     "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", "simd_i8x16_cmp.wast:641"},
    {"i8x16.le_s", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", "i8x16 -1 -2 -3 -128 127 2 1 0 0 -1 -2 -3 -125 -126 -127 -128", NULL, 0,
     "i8x16 -1 -1 -1 0 -1 -1 -1 -1 -1 0 0 0 -1 0 0 0", "simd_i8x16_cmp.wast:655"},
    {"i8x16.le_u", "i8x16 0 0 0 195 0 0 254 194 0 0 128 191 0 0 0 0", "f32x4 -128.0 -127.0 -1.0 0.0", NULL, 0,
     "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", "simd_i8x16_cmp.wast:776"},
    {"i8x16.le_u", "i8x16 128 129 130 131 253 254 255 0 0 1 2 127 128 253 254 255", "i8x16 255 254 253 128 127 2 1 0 0 255 254 253 131 130 129 128", NULL, 0,
     "i8x16 255 255 255 0 0 0 0 255 255 255 255 255 255 0 0 0", "simd_i8x16_cmp.wast:793"},
    {"i8x16.ge_s", "i8x16 0 0 -128 63 0 0 -2 66 0 0 0 67 0 0 127 67", "f32x4 1.0 127.0 128.0 255.0", NULL, 0,
     "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", "simd_i8x16_cmp.wast:1193"},
    {"i8x16.ge_s", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", "i8x16 -1 -2 -3 -128 127 2 1 0 0 -1 -2 -3 -125 -126 -127 -128", NULL, 0,
     "i8x16 0 0 0 -1 0 0 0 -1 -1 -1 -1 -1 0 -1 -1 -1", "simd_i8x16_cmp.wast:1207"},
    {"i8x16.ge_u", "i8x16 0 0 0 195 0 0 254 194 0 0 128 191 0 0 0 0", "f32x4 -128.0 -127.0 -1.0 0.0", NULL, 0,
     "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", "simd_i8x16_cmp.wast:1328"},
    {"i8x16.ge_u", "i8x16 128 129 130 131 253 254 255 0 0 1 2 127 128 253 254 255", "i8x16 255 254 253 128 127 2 1 0 0 255 254 253 131 130 129 128", NULL, 0,
     "i8x16 0 0 0 255 255 255 255 255 255 0 0 0 0 255 255 255", "simd_i8x16_cmp.wast:1345"},
    {"i16x8.eq", "i16x8 -32768 -32767 -32766 -32765 -32764 -32763 -32762 -32761", "i16x8 -32761 -32762 -32763 -32764 -32765 -32766 -32767 -32768", NULL, 0,
     "i16x8 0 0 0 0 0 0 0 0", "simd_i16x8_cmp.wast:103"},
    {"i16x8.eq", "i16x8 -1 -1 0 0 1 1 -32768 -32768", "i32x4 65535 0 1 32768", NULL, 0,
     "i16x8 -1 0 -1 -1 -1 0 -1 0", "simd_i16x8_cmp.wast:149"},
    {"i16x8.ne", "i16x8 -32384 -31870 -259 255 256 32514 -640 -2", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", NULL, 0,
     "i16x8 0 0 0 0 0 0 0 0", "simd_i16x8_cmp.wast:267"},
    {"i16x8.ne", "i16x8 -128 -128 0 0 1 1 255 255", "i32x4 -128 0 1 255", NULL, 0,
     "i16x8 0 -1 0 0 0 -1 0 -1", "simd_i16x8_cmp.wast:293"},
    {"i16x8.lt_s", "i16x8 -128 -128 0 0 1 1 255 255", "i8x16 -128 -128 -128 -128 0 0 0 0 1 1 1 1 -1 -1 -1 -1", NULL, 0,
     "i16x8 0 0 0 0 -1 -1 0 0", "simd_i16x8_cmp.wast:408"},
    {"i16x8.lt_s", "i16x8 -128 -128 0 0 1 1 255 255", "i32x4 -128 0 1 255", NULL, 0,
     "i16x8 0 -1 0 0 0 0 0 0", "simd_i16x8_cmp.wast:431"},
    {"i16x8.lt_u", "i16x8 128 129 130 131 0 255 32766 32767", "i16x8 32767 32766 255 0 131 130 129 28", NULL, 0,
     "i16x8 65535 65535 65535 0 65535 0 0 0", "simd_i16x8_cmp.wast:532"},
    {"i16x8.lt_u", "i16x8 65408 65408 0 0 1 1 255 255", "i8x16 128 128 128 128 0 0 0 0 1 1 1 1 255 255 255 255", NULL, 0,
     "i16x8 0 0 0 0 65535 65535 65535 65535", "simd_i16x8_cmp.wast:552"},
    {"i16x8.gt_s", "i16x8 -32384 -31870 -259 255 256 32514 -640 -2", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", NULL, 0,
     "i16x8 0 0 0 0 0 0 0 0", "simd_i16x8_cmp.wast:981"},
    {"i16x8.gt_s", "i16x8 -1 -1 0 0 1 1 -32768 -32768", "i32x4 65535 0 1 32768", NULL, 0,
     "i16x8 0 0 0 0 0 -1 0 0", "simd_i16x8_cmp.wast:1007"},
    {"i16x8.gt_u", "i16x8 0 49920 0 49918 0 49024 0 0", "f32x4 -128.0 -127.0 -1.0 0.0", NULL, 0,
     "i16x8 0 0 0 0 0 0 0 0", "simd_i16x8_cmp.wast:1088"},
    {"i16x8.gt_u", "i16x8 32768 32769 65534 65535 0 65535 32769 32768", "i16x8 32768 32769 65535 0 65535 65534 32769 32768", NULL, 0,
     "i16x8 0 0 0 65535 0 65535 0 0", "simd_i16x8_cmp.wast:1108"},
    {"i16x8.le_s", "i16x8 -32768 -32767 -2 -1 0 -1 -32767 -32768", "i16x8 -32768 -32767 -1 0 -1 -2 -32767 -32768", NULL, 0,
     "i16x8 -1 -1 -1 -1 0 0 -1 -1", "simd_i16x8_cmp.wast:676"},
    {"i16x8.le_s", "i16x8 -128 -128 0 0 1 1 255 255", "i32x4 -128 0 1 255", NULL, 0,
     "i16x8 -1 -1 -1 -1 -1 0 -1 0", "simd_i16x8_cmp.wast:719"},
    {"i16x8.le_u", "i16x8 0 49920 0 49918 0 49024 0 0", "f32x4 -128.0 -127.0 -1.0 0.0", NULL, 0,
     "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", "simd_i16x8_cmp.wast:800"},
    {"i16x8.le_u", "i16x8 32768 32769 65534 65535 0 65535 32769 32768", "i16x8 32768 32769 65535 0 65535 65534 32769 32768", NULL, 0,
     "i16x8 65535 65535 65535 0 65535 0 65535 65535", "simd_i16x8_cmp.wast:820"},
    {"i16x8.ge_s", "i16x8 -32384 -31870 -259 255 256 32514 -640 -2", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", NULL, 0,
     "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", "simd_i16x8_cmp.wast:1269"},
    {"i16x8.ge_s", "i16x8 -1 -1 0 0 1 1 -32768 -32768", "i32x4 65535 0 1 32768", NULL, 0,
     "i16x8 -1 0 -1 -1 -1 -1 -1 0", "simd_i16x8_cmp.wast:1295"},
    {"i16x8.ge_u", "i16x8 0 49920 0 49918 0 49024 0 0", "f32x4 -128.0 -127.0 -1.0 0.0", NULL, 0,
     "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", "simd_i16x8_cmp.wast:1376"},
    {"i16x8.ge_u", "i16x8 32768 32769 65534 65535 0 65535 32769 32768", "i16x8 32768 32769 65535 0 65535 65534 32769 32768", NULL, 0,
     "i16x8 65535 65535 0 65535 0 65535 65535 65535", "simd_i16x8_cmp.wast:1396"},
    {"i32x4.eq", "i32x4 -8323200 0 1 -1", "i8x16 -128 -128 -128 -128 0 0 0 0 1 1 1 1 -1 -1 -1 -1", NULL, 0,
     "i32x4 0 -1 0 -1", "simd_i32x4_cmp.wast:126"},
    {"i32x4.eq", "i32x4 -1 0 1 65535", "i16x8 -1 -1 0 0 1 0 -1 -1", NULL, 0,
     "i32x4 -1 -1 -1 0", "simd_i32x4_cmp.wast:149"},
    {"i32x4.ne", "i32x4 -2088599168 16776957 2130837760 -66176", "i8x16 -128 -127 -126 -125 -3 -2 -1 0 0 1 2 127 -128 -3 -2 -1", NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_cmp.wast:267"},
    {"i32x4.ne", "i32x4 -128 0 1 255", "i16x8 -128 -128 0 0 1 1 255 255", NULL, 0,
     "i32x4 -1 0 -1 -1", "simd_i32x4_cmp.wast:293"},
    {"i32x4.lt_s", "i32x4 -2147483648 2147483647 0 -1", "i32x4 -2147483648 -2147483647 -1 0", NULL, 0,
     "i32x4 0 0 0 -1", "simd_i32x4_cmp.wast:394"},
    {"i32x4.lt_s", "i32x4 -128 0 1 255", "i16x8 -128 -128 0 0 1 1 255 255", NULL, 0,
     "i32x4 0 0 -1 -1", "simd_i32x4_cmp.wast:437"},
    {"i32x4.lt_u", "i32x4 2147483648 2147483647 0 4294967295", "i32x4 2147483648 2147483649 4294967295 0", NULL, 0,
     "i32x4 0 4294967295 4294967295 0", "simd_i32x4_cmp.wast:538"},
    {"i32x4.lt_u", "i32x4 4286644096 0 1 4294967295", "i8x16 128 128 128 128 0 0 0 0 1 1 1 1 255 255 255 255", NULL, 0,
     "i32x4 0 0 4294967295 0", "simd_i32x4_cmp.wast:558"},
    {"i32x4.gt_s", "i32x4 -1023410176 -1023541248 -1082130432 0", "f32x4 -128.0 -127.0 -1.0 0.0", NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_cmp.wast:950"},
    {"i32x4.gt_s", "i32x4 65535 0 1 32768", "i16x8 -1 -1 0 0 1 1 -32768 -32768", NULL, 0,
     "i32x4 -1 0 0 -1", "simd_i32x4_cmp.wast:1013"},
    {"i32x4.gt_u", "i32x4 2147483648 2147483647 0 4294967295", "i32x4 2147483648 2147483649 4294967295 0", NULL, 0,
     "i32x4 0 0 0 4294967295", "simd_i32x4_cmp.wast:1114"},
    {"i32x4.gt_u", "i32x4 4286644096 0 1 4294967295", "i8x16 128 128 128 128 0 0 0 0 1 1 1 1 255 255 255 255", NULL, 0,
     "i32x4 4294967295 0 0 0", "simd_i32x4_cmp.wast:1134"},
    {"i32x4.le_s", "i32x4 -2147483648 2147483647 0 -1", "i32x4 -2147483648 -2147483647 -1 0", NULL, 0,
     "i32x4 -1 0 0 -1", "simd_i32x4_cmp.wast:682"},
    {"i32x4.le_s", "i32x4 -128 0 1 255", "i16x8 -128 -128 0 0 1 1 255 255", NULL, 0,
     "i32x4 0 -1 -1 -1", "simd_i32x4_cmp.wast:725"},
    {"i32x4.le_u", "i32x4 2147483648 2147483647 0 4294967295", "i32x4 2147483648 2147483649 4294967295 0", NULL, 0,
     "i32x4 4294967295 4294967295 4294967295 0", "simd_i32x4_cmp.wast:826"},
    {"i32x4.le_u", "i32x4 4286644096 0 1 4294967295", "i8x16 128 128 128 128 0 0 0 0 1 1 1 1 255 255 255 255", NULL, 0,
     "i32x4 0 4294967295 4294967295 4294967295", "simd_i32x4_cmp.wast:846"},
    {"i32x4.ge_s", "i32x4 -1023410176 -1023541248 -1082130432 0", "f32x4 -128.0 -127.0 -1.0 0.0", NULL, 0,
     "i32x4 -1 -1 -1 -1", "simd_i32x4_cmp.wast:1238"},
    {"i32x4.ge_s", "i32x4 65535 0 1 32768", "i16x8 -1 -1 0 0 1 1 -32768 -32768", NULL, 0,
     "i32x4 -1 -1 0 -1", "simd_i32x4_cmp.wast:1301"},
    {"i32x4.ge_u", "i32x4 2147483648 2147483647 0 4294967295", "i32x4 2147483648 2147483649 4294967295 0", NULL, 0,
     "i32x4 4294967295 0 0 4294967295", "simd_i32x4_cmp.wast:1402"},
    {"i32x4.ge_u", "i32x4 4294967168 0 1 255", "i16x8 65535 65535 0 0 1 1 32768 32768", NULL, 0,
     "i32x4 0 4294967295 0 0", "simd_i32x4_cmp.wast:1445"},
    {"f32x4.eq", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:13"},
    {"f32x4.eq", "f32x4 -inf -inf -inf -inf", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:214"},
    {"f32x4.eq", "f32x4 -1.0 0.0 1.0 2.0", "i16x8 -1 -1 0 0 1 1 2 2", NULL, 0,
     "i32x4 0 -1 0 0", "simd_f32x4_cmp.wast:7682"},
    {"f32x4.ne", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i32x4 -1 -1 -1 -1", "simd_f32x4_cmp.wast:1290"},
    {"f32x4.ne", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i32x4 -1 -1 -1 -1", "simd_f32x4_cmp.wast:1299"},
    {"f32x4.ne", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 -1 -1 -1 -1", "simd_f32x4_cmp.wast:1311"},
    {"f32x4.ne", "f32x4 -1.0 0.0 1.0 2.0", "i16x8 -1 -1 0 0 1 1 2 2", NULL, 0,
     "i32x4 -1 0 -1 -1", "simd_f32x4_cmp.wast:7699"},
    {"f32x4.lt", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:2576"},
    {"f32x4.lt", "f32x4 -inf -inf -inf -inf", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 -1 -1 -1 -1", "simd_f32x4_cmp.wast:2768"},
    {"f32x4.lt", "f32x4 -1.0 0.0 1.0 2.0", "i8x16 -1 -1 -1 -1 0 0 0 0 1 1 1 1 2 2 2 2", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:7711"},
    {"f32x4.gt", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:5142"},
    {"f32x4.gt", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 inf inf inf inf", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:5172"},
    {"f32x4.gt", "f32x4 -1.0 0.0 1.0 2.0", "i8x16 -1 -1 -1 -1 0 0 0 0 1 1 1 1 2 2 2 2", NULL, 0,
     "i32x4 0 0 -1 -1", "simd_f32x4_cmp.wast:7745"},
    {"f32x4.le", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:3853"},
    {"f32x4.le", "f32x4 -inf -inf -inf -inf", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 -1 -1 -1 -1", "simd_f32x4_cmp.wast:4045"},
    {"f32x4.le", "f32x4 -1.0 0.0 1.0 2.0", "i16x8 -1 -1 0 0 1 1 2 2", NULL, 0,
     "i32x4 0 -1 0 0", "simd_f32x4_cmp.wast:7733"},
    {"f32x4.ge", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:6419"},
    {"f32x4.ge", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 inf inf inf inf", NULL, 0,
     "i32x4 0 0 0 0", "simd_f32x4_cmp.wast:6449"},
    {"f32x4.ge", "f32x4 -1.0 0.0 1.0 2.0", "i8x16 -1 -1 -1 -1 0 0 0 0 1 1 1 1 2 2 2 2", NULL, 0,
     "i32x4 0 -1 -1 -1", "simd_f32x4_cmp.wast:7762"},
    {"f64x2.eq", "f64x2 -inf -inf", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:88"},
    {"f64x2.eq", "f64x2 -inf -inf", "f64x2 -5e-324 -5e-324", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:97"},
    {"f64x2.eq", "f64x2 -6.283185307179586 -6.283185307179586", "f64x2 -inf -inf", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:676"},
    {"f64x2.eq", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:1096"},
    {"f64x2.ne", "f64x2 5e-324 5e-324", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:1336"},
    {"f64x2.ne", "f64x2 -inf -inf", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:1363"},
    {"f64x2.ne", "f64x2 -0.0 -0.0", "f64x2 0.0 0.0", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:1624"},
    {"f64x2.lt", "f64x2 5e-324 5e-324", "f64x2 inf inf", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:2602"},
    {"f64x2.lt", "f64x2 -inf -inf", "f64x2 -inf -inf", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:2626"},
    {"f64x2.lt", "f64x2 -inf -inf", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:2638"},
    {"f64x2.lt", "f64x2 -inf -inf", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:2671"},
    {"f64x2.gt", "f64x2 -inf -inf", "f64x2 -inf -inf", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:5176"},
    {"f64x2.gt", "f64x2 -inf -inf", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:5188"},
    {"f64x2.gt", "f64x2 -inf -inf", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:5221"},
    {"f64x2.gt", "f64x2 -5e-324 -5e-324", "f64x2 -inf -inf", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:5596"},
    {"f64x2.le", "f64x2 5e-324 5e-324", "f64x2 inf inf", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:3877"},
    {"f64x2.le", "f64x2 -inf -inf", "f64x2 -inf -inf", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:3901"},
    {"f64x2.le", "f64x2 -inf -inf", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:3913"},
    {"f64x2.le", "f64x2 -inf -inf", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:3946"},
    {"f64x2.ge", "f64x2 -inf -inf", "f64x2 -inf -inf", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:6451"},
    {"f64x2.ge", "f64x2 -inf -inf", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:6463"},
    {"f64x2.ge", "f64x2 -inf -inf", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 0 0", "simd_f64x2_cmp.wast:6496"},
    {"f64x2.ge", "f64x2 -5e-324 -5e-324", "f64x2 -inf -inf", NULL, 0,
     "i64x2 -1 -1", "simd_f64x2_cmp.wast:6871"},
    {"v128.not", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", NULL, NULL, 0,
     "f32x4 5.877470352812973e-39 5.877470352812973e-39 5.877470352812973e-39 5.877470352812973e-39", "simd_bitwise.wast:233"},
    {"v128.not", "f32x4 -inf -inf -inf -inf", NULL, NULL, 0,
     "i32x4 8388607 8388607 8388607 8388607", "simd_bitwise.wast:237"},
    {"v128.and", "i32x4 -1431655766 -1431655766 -1431655766 -1431655766", "i32x4 10 128 5 165", NULL, 0,
     "i32x4 10 128 0 160", "simd_bitwise.wast:52"},
    {"v128.and", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "f32x4 -inf -inf -inf -inf", "simd_bitwise.wast:247"},
    {"v128.andnot", "i32x4 -1431655766 -1431655766 -1431655766 -1431655766", "i32x4 10 128 5 165", NULL, 0,
     "i32x4 -1431655776 -1431655894 -1431655766 -1431655926", "simd_bitwise.wast:210"},
    {"v128.andnot", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_bitwise.wast:374"},
    {"v128.andnot", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i32x4 4194304 4194304 4194304 4194304", "simd_bitwise.wast:377"},
    {"v128.or", "i32x4 -1431655766 -1431655766 -1431655766 -1431655766", "i32x4 10 128 5 165", NULL, 0,
     "i32x4 -1431655766 -1431655766 -1431655761 -1431655761", "simd_bitwise.wast:94"},
    {"v128.or", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i32x4 -4194304 -4194304 -4194304 -4194304", "simd_bitwise.wast:277"},
    {"v128.xor", "i32x4 1431655765 1431655765 1431655765 1431655765", "i32x4 21845 65535 22015 24575", NULL, 0,
     "i32x4 1431633920 1431677610 1431634090 1431636650", "simd_bitwise.wast:148"},
    {"v128.xor", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_bitwise.wast:304"},
    {"v128.xor", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i32x4 4194304 4194304 4194304 4194304", "simd_bitwise.wast:307"},
    {"v128.bitselect", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "f32x4 -inf -inf -inf -inf", "f32x4 2779096576.0 2779096576.0 2779096576.0 2779096576.0", 0,
     "f32x4 -inf -inf -inf -inf", "simd_bitwise.wast:339"},
    {"v128.bitselect", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "f32x4 inf inf inf inf", "f32x4 2779096576.0 2779096576.0 2779096576.0 2779096576.0", 0,
     "f32x4 inf inf inf inf", "simd_bitwise.wast:343"},
    {"v128.any_true", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:23"},
    {"v128.any_true", "i16x8 255 255 255 255 255 255 255 255", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:75"},
    {"v128.load8_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 128 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", "hand: lane 0 from memory"},
    {"v128.load8_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 14,
     "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 128 175", "hand: lane 14 from memory"},
    {"v128.load8_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 15,
     "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 128", "hand: lane 15 from memory"},
    {"v128.load16_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 128 129 162 163 164 165 166 167 168 169 170 171 172 173 174 175", "hand: lane 0 from memory"},
    {"v128.load16_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 6,
     "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 128 129 174 175", "hand: lane 6 from memory"},
    {"v128.load16_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 7,
     "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 128 129", "hand: lane 7 from memory"},
    {"v128.load32_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 128 129 255 127 164 165 166 167 168 169 170 171 172 173 174 175", "hand: lane 0 from memory"},
    {"v128.load32_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 2,
     "i8x16 160 161 162 163 164 165 166 167 128 129 255 127 172 173 174 175", "hand: lane 2 from memory"},
    {"v128.load32_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 3,
     "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 128 129 255 127", "hand: lane 3 from memory"},
    {"v128.load64_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 128 129 255 127 0 1 254 130 168 169 170 171 172 173 174 175", "hand: lane 0 from memory"},
    {"v128.load64_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 1,
     "i8x16 160 161 162 163 164 165 166 167 128 129 255 127 0 1 254 130", "hand: lane 1 from memory"},
    {"v128.store8_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 160 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 0 to memory, rest untouched"},
    {"v128.store8_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 14,
     "i8x16 174 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 14 to memory, rest untouched"},
    {"v128.store8_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 15,
     "i8x16 175 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 15 to memory, rest untouched"},
    {"v128.store16_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 160 161 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 0 to memory, rest untouched"},
    {"v128.store16_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 6,
     "i8x16 172 173 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 6 to memory, rest untouched"},
    {"v128.store16_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 7,
     "i8x16 174 175 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 7 to memory, rest untouched"},
    {"v128.store32_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 160 161 162 163 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 0 to memory, rest untouched"},
    {"v128.store32_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 2,
     "i8x16 168 169 170 171 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 2 to memory, rest untouched"},
    {"v128.store32_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 3,
     "i8x16 172 173 174 175 0 1 254 130 16 32 48 64 80 96 112 144", "hand: lane 3 to memory, rest untouched"},
    {"v128.store64_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 0,
     "i8x16 160 161 162 163 164 165 166 167 16 32 48 64 80 96 112 144", "hand: lane 0 to memory, rest untouched"},
    {"v128.store64_lane", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", "i8x16 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175", NULL, 1,
     "i8x16 168 169 170 171 172 173 174 175 16 32 48 64 80 96 112 144", "hand: lane 1 to memory, rest untouched"},
    {"v128.load32_zero", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i32x4 2147451264 0 0 0", "hand: lane 0, rest zero"},
    {"v128.load64_zero", "i8x16 128 129 255 127 0 1 254 130 16 32 48 64 80 96 112 144", NULL, NULL, 0,
     "i64x2 9438982970674217344 0", "hand: lane 0, rest zero"},
    {"f32x4.demote_f64x2_zero", "f64x2 -0.0 -0.0", NULL, NULL, 0,
     "f32x4 -0.0 -0.0 0.0 0.0", "simd_conversions.wast:75"},
    {"f32x4.demote_f64x2_zero", "f64x2 3.4028235677973366e+38 3.4028235677973366e+38", NULL, NULL, 0,
     "f32x4 inf inf 0.0 0.0", "simd_conversions.wast:113"},
    {"f32x4.demote_f64x2_zero", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "f32x4 nan:canonical nan:canonical 0.0 0.0", "simd_conversions.wast:157"},
    {"f32x4.demote_f64x2_zero", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", NULL, NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic 0.0 0.0", "simd_conversions.wast:159"},
    {"f64x2.promote_low_f32x4", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, NULL, 0,
     "f64x2 -0.0 -0.0", "simd_conversions.wast:37"},
    {"f64x2.promote_low_f32x4", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "f64x2 inf inf", "simd_conversions.wast:57"},
    {"f64x2.promote_low_f32x4", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_conversions.wast:61"},
    {"f64x2.promote_low_f32x4", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", NULL, NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_conversions.wast:63"},
    {"i8x16.abs", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", NULL, NULL, 0,
     "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "simd_i8x16_arith2.wast:208"},
    {"i8x16.abs", "i8x16 -128 -128 -128 -128 127 127 127 127 64 64 64 64 -1 -1 -1 -1", NULL, NULL, 0,
     "i8x16 -128 -128 -128 -128 127 127 127 127 64 64 64 64 1 1 1 1", "simd_i8x16_arith2.wast:324"},
    {"i8x16.neg", "i8x16 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127", NULL, NULL, 0,
     "i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127", "simd_i8x16_arith.wast:330"},
    {"i8x16.neg", "i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127", NULL, NULL, 0,
     "i8x16 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127", "simd_i8x16_arith.wast:334"},
    {"i8x16.popcnt", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", NULL, NULL, 0,
     "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "simd_i8x16_arith2.wast:236"},
    {"i8x16.popcnt", "i8x16 -128 -128 -128 -128 127 127 127 127 64 64 64 64 -1 -1 -1 -1", NULL, NULL, 0,
     "i8x16 1 1 1 1 7 7 7 7 1 1 1 1 8 8 8 8", "simd_i8x16_arith2.wast:326"},
    {"i8x16.all_true", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:45"},
    {"i8x16.all_true", "i8x16 -1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 15", NULL, NULL, 0,
     "i32 0", "simd_boolean.wast:47"},
    {"i8x16.bitmask", "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", NULL, NULL, 0,
     "i32 65535", "simd_boolean.wast:57"},
    {"i8x16.bitmask", "i8x16 -1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 15", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:59"},
    {"i8x16.narrow_i16x8_s", "i16x8 127 127 127 127 127 127 127 127", "i16x8 255 255 255 255 255 255 255 255", NULL, 0,
     "i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127", "simd_conversions.wast:322"},
    {"i8x16.narrow_i16x8_s", "i16x8 -128 -128 -128 -128 -128 -128 -128 -128", "i16x8 255 255 255 255 255 255 255 255", NULL, 0,
     "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 127 127 127 127 127 127 127 127", "simd_conversions.wast:355"},
    {"i8x16.narrow_i16x8_u", "i16x8 1 1 1 1 1 1 1 1", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", NULL, 0,
     "i8x16 1 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0", "simd_conversions.wast:387"},
    {"i8x16.narrow_i16x8_u", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", "i16x8 255 255 255 255 255 255 255 255", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 0 255 255 255 255 255 255 255 255", "simd_conversions.wast:435"},
    {"f32x4.ceil", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4_rounding.wast:13"},
    {"f32x4.ceil", "f32x4 1.1754943508222875e-38 1.1754943508222875e-38 1.1754943508222875e-38 1.1754943508222875e-38", NULL, NULL, 0,
     "f32x4 1.0 1.0 1.0 1.0", "simd_f32x4_rounding.wast:19"},
    {"f32x4.ceil", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "f32x4 inf inf inf inf", "simd_f32x4_rounding.wast:39"},
    {"f32x4.ceil", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_rounding.wast:91"},
    {"f32x4.ceil", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", NULL, NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_rounding.wast:95"},
    {"f32x4.ceil", "f32x4 1.5 2.5 -0.5 -1.5", NULL, NULL, 0,
     "f32x4 2.0 3.0 -0.0 -1.0", "hand: -0.5 -> -0"},
    {"f32x4.floor", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4_rounding.wast:101"},
    {"f32x4.floor", "f32x4 -1.401298464324817e-45 -1.401298464324817e-45 -1.401298464324817e-45 -1.401298464324817e-45", NULL, NULL, 0,
     "f32x4 -1.0 -1.0 -1.0 -1.0", "simd_f32x4_rounding.wast:105"},
    {"f32x4.floor", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "f32x4 inf inf inf inf", "simd_f32x4_rounding.wast:127"},
    {"f32x4.floor", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_rounding.wast:179"},
    {"f32x4.floor", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", NULL, NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_rounding.wast:183"},
    {"f32x4.floor", "f32x4 1.5 2.5 -0.5 -1.5", NULL, NULL, 0,
     "f32x4 1.0 2.0 -1.0 -2.0", "hand"},
    {"f32x4.trunc", "f32x4 1.401298464324817e-45 1.401298464324817e-45 1.401298464324817e-45 1.401298464324817e-45", NULL, NULL, 0,
     "f32x4 0.0 0.0 0.0 0.0", "simd_f32x4_rounding.wast:191"},
    {"f32x4.trunc", "f32x4 -1.401298464324817e-45 -1.401298464324817e-45 -1.401298464324817e-45 -1.401298464324817e-45", NULL, NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4_rounding.wast:193"},
    {"f32x4.trunc", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "f32x4 inf inf inf inf", "simd_f32x4_rounding.wast:215"},
    {"f32x4.trunc", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_rounding.wast:267"},
    {"f32x4.trunc", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", NULL, NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_rounding.wast:271"},
    {"f32x4.trunc", "f32x4 1.5 2.5 -0.5 -1.5", NULL, NULL, 0,
     "f32x4 1.0 2.0 -0.0 -1.0", "hand: toward zero, -0.5 -> -0"},
    {"f32x4.nearest", "f32x4 1.401298464324817e-45 1.401298464324817e-45 1.401298464324817e-45 1.401298464324817e-45", NULL, NULL, 0,
     "f32x4 0.0 0.0 0.0 0.0", "simd_f32x4_rounding.wast:279"},
    {"f32x4.nearest", "f32x4 -0.5 -0.5 -0.5 -0.5", NULL, NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4_rounding.wast:289"},
    {"f32x4.nearest", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "f32x4 inf inf inf inf", "simd_f32x4_rounding.wast:303"},
    {"f32x4.nearest", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_rounding.wast:355"},
    {"f32x4.nearest", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", NULL, NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_rounding.wast:359"},
    {"f32x4.nearest", "f32x4 1.5 2.5 -0.5 -1.5", NULL, NULL, 0,
     "f32x4 2.0 2.0 -0.0 -2.0", "hand: ties to even, -0.5 -> -0"},
    {"i8x16.shl", "i8x16 -128 -64 0 1 2 3 4 5 6 7 8 9 10 11 12 13", "i32 1", NULL, 0,
     "i8x16 0 -128 0 2 4 6 8 10 12 14 16 18 20 22 24 26", "simd_bit_shift.wast:44"},
    {"i8x16.shl", "i8x16 -128 -64 0 1 2 3 4 5 6 7 8 9 10 11 12 13", "i32 9", NULL, 0,
     "i8x16 0 -128 0 2 4 6 8 10 12 14 16 18 20 22 24 26", "simd_bit_shift.wast:64"},
    {"i8x16.shr_s", "i8x16 -128 -64 0 1 2 3 4 5 6 7 8 9 10 11 12 13", "i32 1", NULL, 0,
     "i8x16 -64 -32 0 0 1 1 2 2 3 3 4 4 5 5 6 6", "simd_bit_shift.wast:136"},
    {"i8x16.shr_s", "i8x16 -128 -64 0 1 2 3 4 5 6 7 8 9 10 11 12 13", "i32 9", NULL, 0,
     "i8x16 -64 -32 0 0 1 1 2 2 3 3 4 4 5 5 6 6", "simd_bit_shift.wast:156"},
    {"i8x16.shr_u", "i8x16 170 187 204 221 238 255 160 176 192 208 224 240 10 11 12 13", "i32 4", NULL, 0,
     "i8x16 10 11 12 13 14 15 10 11 12 13 14 15 0 0 0 0", "simd_bit_shift.wast:93"},
    {"i8x16.shr_u", "i8x16 128 192 0 1 2 3 4 5 6 7 8 9 10 11 12 13", "i32 9", NULL, 0,
     "i8x16 64 96 0 0 1 1 2 2 3 3 4 4 5 5 6 6", "simd_bit_shift.wast:110"},
    {"i8x16.add", "i8x16 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127", "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", NULL, 0,
     "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "simd_i8x16_arith.wast:57"},
    {"i8x16.add", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i8x16 -128 -128 -128 0 -128 -128 -128 0 -128 -128 -128 0 -128 -128 -128 0", "simd_i8x16_arith.wast:141"},
    {"i8x16.add", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i8x16 1 1 -127 -128 1 1 -127 -128 1 1 -127 -128 1 1 -127 -128", "simd_i8x16_arith.wast:150"},
    {"i8x16.add", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i8x16 1 1 -63 -128 1 1 -63 -128 1 1 -63 -128 1 1 -63 -128", "simd_i8x16_arith.wast:156"},
    {"i8x16.add_sat_s", "i8x16 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127", "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", NULL, 0,
     "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "simd_i8x16_sat_arith.wast:58"},
    {"i8x16.add_sat_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "i8x16 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127", NULL, 0,
     "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "simd_i8x16_sat_arith.wast:70"},
    {"i8x16.add_sat_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "simd_i8x16_sat_arith.wast:127"},
    {"i8x16.add_sat_s", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i8x16 1 1 -127 127 1 1 -127 127 1 1 -127 127 1 1 -127 127", "simd_i8x16_sat_arith.wast:130"},
    {"i8x16.add_sat_s", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i8x16 1 1 -63 127 1 1 -63 127 1 1 -63 127 1 1 -63 127", "simd_i8x16_sat_arith.wast:136"},
    {"i8x16.add_sat_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i8x16 0 0 -1 -1 -128 -128 -1 -1 17 17 -1 -1 0 0 1 0", "hand: mixed-sign lanes"},
    {"i8x16.add_sat_u", "i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i8x16 128 128 128 255 128 128 128 255 128 128 128 255 128 128 128 255", "simd_i8x16_sat_arith.wast:264"},
    {"i8x16.add_sat_u", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i8x16 1 1 129 255 1 1 129 255 1 1 129 255 1 1 129 255", "simd_i8x16_sat_arith.wast:270"},
    {"i8x16.add_sat_u", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", NULL, 0,
     "i8x16 1 1 193 255 1 1 193 255 1 1 193 255 1 1 193 255", "simd_i8x16_sat_arith.wast:276"},
    {"i8x16.add_sat_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i8x16 255 255 255 255 128 128 255 255 17 17 255 255 255 255 1 0", "hand: mixed-sign lanes"},
    {"i8x16.sub", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i8x16 -128 -128 -128 0 -128 -128 -128 0 -128 -128 -128 0 -128 -128 -128 0", "simd_i8x16_arith.wast:296"},
    {"i8x16.sub", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i8x16 1 1 -127 -126 1 1 -127 -126 1 1 -127 -126 1 1 -127 -126", "simd_i8x16_arith.wast:305"},
    {"i8x16.sub", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i8x16 1 1 65 -126 1 1 65 -126 1 1 65 -126 1 1 65 -126", "simd_i8x16_arith.wast:311"},
    {"i8x16.sub_sat_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i8x16 -128 -128 -128 0 -128 -128 -128 0 -128 -128 -128 0 -128 -128 -128 0", "simd_i8x16_sat_arith.wast:401"},
    {"i8x16.sub_sat_s", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i8x16 1 1 127 -126 1 1 127 -126 1 1 127 -126 1 1 127 -126", "simd_i8x16_sat_arith.wast:404"},
    {"i8x16.sub_sat_s", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i8x16 1 1 65 -126 1 1 65 -126 1 1 65 -126 1 1 65 -126", "simd_i8x16_sat_arith.wast:410"},
    {"i8x16.sub_sat_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i8x16 2 -2 -128 127 127 -128 -1 1 15 -15 127 -128 -4 4 -1 0", "hand: mixed-sign lanes"},
    {"i8x16.sub_sat_u", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", "i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127", NULL, 0,
     "i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128", "simd_i8x16_sat_arith.wast:493"},
    {"i8x16.sub_sat_u", "i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i8x16 128 128 128 0 128 128 128 0 128 128 128 0 128 128 128 0", "simd_i8x16_sat_arith.wast:538"},
    {"i8x16.sub_sat_u", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i8x16 1 1 0 0 1 1 0 0 1 1 0 0 1 1 0 0", "simd_i8x16_sat_arith.wast:541"},
    {"i8x16.sub_sat_u", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i8x16 1 1 0 0 1 1 0 0 1 1 0 0 1 1 0 0", "simd_i8x16_sat_arith.wast:547"},
    {"i8x16.sub_sat_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i8x16 0 254 1 0 0 128 255 0 15 0 0 1 252 0 0 0", "hand: mixed-sign lanes"},
    {"f64x2.ceil", "f64x2 -0.0 -0.0", NULL, NULL, 0,
     "f64x2 -0.0 -0.0", "simd_f64x2_rounding.wast:13"},
    {"f64x2.ceil", "f64x2 2.2250738585072014e-308 2.2250738585072014e-308", NULL, NULL, 0,
     "f64x2 1.0 1.0", "simd_f64x2_rounding.wast:15"},
    {"f64x2.ceil", "f64x2 inf inf", NULL, NULL, 0,
     "f64x2 inf inf", "simd_f64x2_rounding.wast:39"},
    {"f64x2.ceil", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_rounding.wast:91"},
    {"f64x2.ceil", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", NULL, NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_rounding.wast:95"},
    {"f64x2.floor", "f64x2 -0.0 -0.0", NULL, NULL, 0,
     "f64x2 -0.0 -0.0", "simd_f64x2_rounding.wast:101"},
    {"f64x2.floor", "f64x2 -2.2250738585072014e-308 -2.2250738585072014e-308", NULL, NULL, 0,
     "f64x2 -1.0 -1.0", "simd_f64x2_rounding.wast:105"},
    {"f64x2.floor", "f64x2 inf inf", NULL, NULL, 0,
     "f64x2 inf inf", "simd_f64x2_rounding.wast:127"},
    {"f64x2.floor", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_rounding.wast:179"},
    {"f64x2.floor", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", NULL, NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_rounding.wast:183"},
    {"i8x16.min_s", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", NULL, 0,
     "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1", "simd_i8x16_arith2.wast:38"},
    {"i8x16.min_s", "i8x16 -128 -128 -128 -128 127 127 127 127 64 64 64 64 -1 -1 -1 -1", "i8x16 -1 -1 -1 -1 64 64 64 64 127 127 127 127 -128 -128 -128 -128", NULL, 0,
     "i8x16 -128 -128 -128 -128 64 64 64 64 64 64 64 64 -128 -128 -128 -128", "simd_i8x16_arith2.wast:294"},
    {"i8x16.min_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i8x16 -1 -1 -128 -128 -128 -128 -1 -1 1 1 -128 -128 -2 -2 0 0", "hand: mixed-sign lanes"},
    {"i8x16.min_u", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "simd_i8x16_arith2.wast:71"},
    {"i8x16.min_u", "i8x16 128 128 128 128 127 127 127 127 64 64 64 64 255 255 255 255", "i8x16 255 255 255 255 64 64 64 64 127 127 127 127 128 128 128 128", NULL, 0,
     "i8x16 128 128 128 128 64 64 64 64 64 64 64 64 128 128 128 128", "simd_i8x16_arith2.wast:300"},
    {"i8x16.min_u", "i8x16 0 0 0 0 1 1 1 1 2 2 2 2 128 128 128 128", "i8x16 0 0 0 0 2 2 2 2 1 1 1 1 128 128 128 128", NULL, 0,
     "i8x16 0 0 0 0 1 1 1 1 1 1 1 1 128 128 128 128", "simd_i8x16_arith2.wast:303"},
    {"i8x16.min_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i8x16 1 1 127 127 0 0 0 0 1 1 127 127 2 2 0 0", "hand: mixed-sign lanes"},
    {"i8x16.max_s", "i8x16 0 0 0 0 0 0 0 0 -1 -1 -1 -1 -1 -1 -1 -1", "i8x16 0 0 0 0 -1 -1 -1 -1 0 0 0 0 -1 -1 -1 -1", NULL, 0,
     "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 -1 -1 -1 -1", "simd_i8x16_arith2.wast:107"},
    {"i8x16.max_s", "i8x16 -128 -128 -128 -128 127 127 127 127 64 64 64 64 -1 -1 -1 -1", "i8x16 -1 -1 -1 -1 64 64 64 64 127 127 127 127 -128 -128 -128 -128", NULL, 0,
     "i8x16 -1 -1 -1 -1 127 127 127 127 127 127 127 127 -1 -1 -1 -1", "simd_i8x16_arith2.wast:306"},
    {"i8x16.max_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i8x16 1 1 127 127 0 0 0 0 16 16 127 127 2 2 1 0", "hand: mixed-sign lanes"},
    {"i8x16.max_u", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", NULL, 0,
     "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", "simd_i8x16_arith2.wast:137"},
    {"i8x16.max_u", "i8x16 128 128 128 128 127 127 127 127 64 64 64 64 255 255 255 255", "i8x16 255 255 255 255 64 64 64 64 127 127 127 127 128 128 128 128", NULL, 0,
     "i8x16 255 255 255 255 127 127 127 127 127 127 127 127 255 255 255 255", "simd_i8x16_arith2.wast:312"},
    {"i8x16.max_u", "i8x16 0 0 0 0 1 1 1 1 2 2 2 2 128 128 128 128", "i8x16 0 0 0 0 2 2 2 2 1 1 1 1 128 128 128 128", NULL, 0,
     "i8x16 0 0 0 0 2 2 2 2 2 2 2 2 128 128 128 128", "simd_i8x16_arith2.wast:315"},
    {"i8x16.max_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i8x16 255 255 128 128 128 128 255 255 16 16 128 128 254 254 1 0", "hand: mixed-sign lanes"},
    {"f64x2.trunc", "f64x2 2.2250738585072014e-308 2.2250738585072014e-308", NULL, NULL, 0,
     "f64x2 0.0 0.0", "simd_f64x2_rounding.wast:191"},
    {"f64x2.trunc", "f64x2 -0.5 -0.5", NULL, NULL, 0,
     "f64x2 -0.0 -0.0", "simd_f64x2_rounding.wast:197"},
    {"f64x2.trunc", "f64x2 inf inf", NULL, NULL, 0,
     "f64x2 inf inf", "simd_f64x2_rounding.wast:215"},
    {"f64x2.trunc", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_rounding.wast:267"},
    {"f64x2.trunc", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", NULL, NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_rounding.wast:271"},
    {"f64x2.trunc", "f64x2 2.5 -3.5", NULL, NULL, 0,
     "f64x2 2.0 -3.0", "hand"},
    {"i8x16.avgr_u", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", NULL, 0,
     "i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128", "simd_i8x16_arith2.wast:170"},
    {"i8x16.avgr_u", "i8x16 128 128 128 128 127 127 127 127 64 64 64 64 255 255 255 255", "i8x16 255 255 255 255 64 64 64 64 127 127 127 127 128 128 128 128", NULL, 0,
     "i8x16 192 192 192 192 96 96 96 96 96 96 96 96 192 192 192 192", "simd_i8x16_arith2.wast:318"},
    {"i16x8.extadd_pairwise_i8x16_s", "i8x16 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127", NULL, NULL, 0,
     "i16x8 -254 -254 -254 -254 -254 -254 -254 -254", "simd_i16x8_extadd_pairwise_i8x16.wast:19"},
    {"i16x8.extadd_pairwise_i8x16_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", NULL, NULL, 0,
     "i16x8 -256 -256 -256 -256 -256 -256 -256 -256", "simd_i16x8_extadd_pairwise_i8x16.wast:21"},
    {"i16x8.extadd_pairwise_i8x16_u", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", NULL, NULL, 0,
     "i16x8 510 510 510 510 510 510 510 510", "simd_i16x8_extadd_pairwise_i8x16.wast:33"},
    {"i16x8.extadd_pairwise_i8x16_u", "i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127", NULL, NULL, 0,
     "i16x8 254 254 254 254 254 254 254 254", "simd_i16x8_extadd_pairwise_i8x16.wast:41"},
    {"i32x4.extadd_pairwise_i16x8_s", "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", NULL, NULL, 0,
     "i32x4 -65534 -65534 -65534 -65534", "simd_i32x4_extadd_pairwise_i16x8.wast:19"},
    {"i32x4.extadd_pairwise_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", NULL, NULL, 0,
     "i32x4 -65536 -65536 -65536 -65536", "simd_i32x4_extadd_pairwise_i16x8.wast:21"},
    {"i32x4.extadd_pairwise_i16x8_u", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", NULL, NULL, 0,
     "i32x4 131070 131070 131070 131070", "simd_i32x4_extadd_pairwise_i16x8.wast:33"},
    {"i32x4.extadd_pairwise_i16x8_u", "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", NULL, NULL, 0,
     "i32x4 65534 65534 65534 65534", "simd_i32x4_extadd_pairwise_i16x8.wast:41"},
    {"i16x8.abs", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", NULL, NULL, 0,
     "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "simd_i16x8_arith2.wast:206"},
    {"i16x8.abs", "i16x8 -32768 -32768 32767 32767 16384 16384 -1 -1", NULL, NULL, 0,
     "i16x8 -32768 -32768 32767 32767 16384 16384 1 1", "simd_i16x8_arith2.wast:293"},
    {"i16x8.neg", "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", NULL, NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_i16x8_arith.wast:504"},
    {"i16x8.neg", "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", NULL, NULL, 0,
     "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", "simd_i16x8_arith.wast:508"},
    {"i16x8.q15mulr_sat_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_i16x8_q15mulr_sat_s.wast:64"},
    {"i16x8.q15mulr_sat_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_i16x8_q15mulr_sat_s.wast:67"},
    {"i16x8.all_true", "i16x8 1 1 1 1 1 1 0 1", NULL, NULL, 0,
     "i32 0", "simd_boolean.wast:89"},
    {"i16x8.all_true", "i16x8 255 255 255 255 255 255 255 255", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:97"},
    {"i16x8.bitmask", "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", NULL, NULL, 0,
     "i32 255", "simd_boolean.wast:107"},
    {"i16x8.bitmask", "i16x8 -1 0 1 2 11 12 13 15", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:109"},
    {"i16x8.narrow_i32x4_s", "i32x4 32767 32767 32767 32767", "i32x4 65535 65535 65535 65535", NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_conversions.wast:491"},
    {"i16x8.narrow_i32x4_s", "i32x4 -32768 -32768 -32768 -32768", "i32x4 65535 65535 65535 65535", NULL, 0,
     "i16x8 -32768 -32768 -32768 -32768 32767 32767 32767 32767", "simd_conversions.wast:524"},
    {"i16x8.narrow_i32x4_u", "i32x4 4294967295 4294967295 4294967295 4294967295", "i32x4 65535 65535 65535 65535", NULL, 0,
     "i16x8 0 0 0 0 65535 65535 65535 65535", "simd_conversions.wast:586"},
    {"i16x8.narrow_i32x4_u", "i32x4 4294967295 4294967295 4294967295 4294967295", "i32x4 65536 65536 65536 65536", NULL, 0,
     "i16x8 0 0 0 0 65535 65535 65535 65535", "simd_conversions.wast:589"},
    {"i16x8.extend_low_i8x16_s", "i8x16 127 127 127 127 127 127 127 127 -128 -128 -128 -128 -128 -128 -128 -128", NULL, NULL, 0,
     "i16x8 127 127 127 127 127 127 127 127", "simd_int_to_int_extend.wast:118"},
    {"i16x8.extend_low_i8x16_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 127 127 127 127 127 127 127 127", NULL, NULL, 0,
     "i16x8 -128 -128 -128 -128 -128 -128 -128 -128", "simd_int_to_int_extend.wast:120"},
    {"i16x8.extend_high_i8x16_s", "i8x16 127 127 127 127 127 127 127 127 -128 -128 -128 -128 -128 -128 -128 -128", NULL, NULL, 0,
     "i16x8 -128 -128 -128 -128 -128 -128 -128 -128", "simd_int_to_int_extend.wast:40"},
    {"i16x8.extend_high_i8x16_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 127 127 127 127 127 127 127 127", NULL, NULL, 0,
     "i16x8 127 127 127 127 127 127 127 127", "simd_int_to_int_extend.wast:42"},
    {"i16x8.extend_low_i8x16_u", "i8x16 127 127 127 127 127 127 127 127 255 255 255 255 255 255 255 255", NULL, NULL, 0,
     "i16x8 127 127 127 127 127 127 127 127", "simd_int_to_int_extend.wast:161"},
    {"i16x8.extend_low_i8x16_u", "i8x16 255 255 255 255 255 255 255 255 127 127 127 127 127 127 127 127", NULL, NULL, 0,
     "i16x8 255 255 255 255 255 255 255 255", "simd_int_to_int_extend.wast:163"},
    {"i16x8.extend_high_i8x16_u", "i8x16 127 127 127 127 127 127 127 127 255 255 255 255 255 255 255 255", NULL, NULL, 0,
     "i16x8 255 255 255 255 255 255 255 255", "simd_int_to_int_extend.wast:83"},
    {"i16x8.extend_high_i8x16_u", "i8x16 255 255 255 255 255 255 255 255 127 127 127 127 127 127 127 127", NULL, NULL, 0,
     "i16x8 127 127 127 127 127 127 127 127", "simd_int_to_int_extend.wast:85"},
    {"i16x8.shl", "i16x8 -128 -64 0 1 2 3 4 5", "i32 1", NULL, 0,
     "i16x8 -256 -128 0 2 4 6 8 10", "simd_bit_shift.wast:190"},
    {"i16x8.shl", "i16x8 -128 -64 0 1 2 3 4 5", "i32 17", NULL, 0,
     "i16x8 -256 -128 0 2 4 6 8 10", "simd_bit_shift.wast:216"},
    {"i16x8.shr_s", "i16x8 -28501 -28501 -28501 -28501 -28501 -28501 -28501 -28501", "i32 2", NULL, 0,
     "i16x8 -7126 -7126 -7126 -7126 -7126 -7126 -7126 -7126", "simd_bit_shift.wast:296"},
    {"i16x8.shr_s", "i16x8 -128 -64 0 1 2 3 4 5", "i32 17", NULL, 0,
     "i16x8 -64 -32 0 0 1 1 2 2", "simd_bit_shift.wast:316"},
    {"i16x8.shr_u", "i16x8 65408 65472 0 1 2 3 4 5", "i32 1", NULL, 0,
     "i16x8 32704 32736 0 0 1 1 2 2", "simd_bit_shift.wast:240"},
    {"i16x8.shr_u", "i16x8 65408 65472 0 1 2 3 4 5", "i32 17", NULL, 0,
     "i16x8 32704 32736 0 0 1 1 2 2", "simd_bit_shift.wast:266"},
    {"i16x8.add", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_i16x8_arith.wast:61"},
    {"i16x8.add", "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", NULL, 0,
     "i16x8 32766 32766 32766 32766 32766 32766 32766 32766", "simd_i16x8_arith.wast:82"},
    {"i16x8.add", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i16x8 -32768 0 -32768 0 -32768 0 -32768 0", "simd_i16x8_arith.wast:142"},
    {"i16x8.add", "i16x8 1 1 1 1 1 1 1 1", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i16x8 1 -127 1 -127 1 -127 1 -127", "simd_i16x8_arith.wast:154"},
    {"i16x8.add", "i16x8 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i16x8 1 32705 1 32705 1 32705 1 32705", "simd_i16x8_arith.wast:157"},
    {"i16x8.add_sat_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 1 1 1 1 1 1 1 1", NULL, 0,
     "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", "simd_i16x8_sat_arith.wast:52"},
    {"i16x8.add_sat_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "simd_i16x8_sat_arith.wast:127"},
    {"i16x8.add_sat_s", "i16x8 1 1 1 1 1 1 1 1", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i16x8 1 -127 1 -127 1 -127 1 -127", "simd_i16x8_sat_arith.wast:133"},
    {"i16x8.add_sat_s", "i16x8 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i16x8 1 32705 1 32705 1 32705 1 32705", "simd_i16x8_sat_arith.wast:136"},
    {"i16x8.add_sat_s", "i16x8 -28501 -28501 -28501 -28501 -28501 -28501 -28501 -28501", "i16x8 -12817 -12817 -12817 -12817 -12817 -12817 -12817 -12817", NULL, 0,
     "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "simd_i16x8_sat_arith.wast:157"},
    {"i16x8.add_sat_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i16x8 256 -1 -32640 -1 4369 -1 256 1", "hand: mixed-sign lanes"},
    {"i16x8.add_sat_u", "i16x8 32768 32768 32768 32768 32768 32768 32768 32768", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i16x8 32768 65535 32768 65535 32768 65535 32768 65535", "simd_i16x8_sat_arith.wast:276"},
    {"i16x8.add_sat_u", "i16x8 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i16x8 1 32641 1 32641 1 32641 1 32641", "simd_i16x8_sat_arith.wast:279"},
    {"i16x8.add_sat_u", "i16x8 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i16x8 1 32705 1 32705 1 32705 1 32705", "simd_i16x8_sat_arith.wast:285"},
    {"i16x8.add_sat_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i16x8 65535 65535 32896 65535 4369 65535 65535 1", "hand: mixed-sign lanes"},
    {"i16x8.sub", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 1 1 1 1 1 1 1 1", NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_i16x8_arith.wast:213"},
    {"i16x8.sub", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", NULL, 0,
     "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", "simd_i16x8_arith.wast:222"},
    {"i16x8.sub", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i16x8 -32768 0 -32768 0 -32768 0 -32768 0", "simd_i16x8_arith.wast:303"},
    {"i16x8.sub", "i16x8 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i16x8 1 -32639 1 -32639 1 -32639 1 -32639", "simd_i16x8_arith.wast:312"},
    {"i16x8.sub", "i16x8 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i16x8 1 -32703 1 -32703 1 -32703 1 -32703", "simd_i16x8_arith.wast:318"},
    {"i16x8.sub_sat_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", NULL, 0,
     "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", "simd_i16x8_sat_arith.wast:359"},
    {"i16x8.sub_sat_s", "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_i16x8_sat_arith.wast:413"},
    {"i16x8.sub_sat_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i16x8 -32768 0 -32768 0 -32768 0 -32768 0", "simd_i16x8_sat_arith.wast:425"},
    {"i16x8.sub_sat_s", "i16x8 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i16x8 1 -32639 1 -32639 1 -32639 1 -32639", "simd_i16x8_sat_arith.wast:428"},
    {"i16x8.sub_sat_s", "i16x8 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i16x8 1 -32703 1 -32703 1 -32703 1 -32703", "simd_i16x8_sat_arith.wast:434"},
    {"i16x8.sub_sat_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i16x8 -766 32767 -32768 511 -3825 -32768 1276 -1", "hand: mixed-sign lanes"},
    {"i16x8.sub_sat_u", "i16x8 32768 32768 32768 32768 32768 32768 32768 32768", "i16x8 1 1 1 1 1 1 1 1", NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_i16x8_sat_arith.wast:499"},
    {"i16x8.sub_sat_u", "i16x8 32768 32768 32768 32768 32768 32768 32768 32768", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i16x8 32768 0 32768 0 32768 0 32768 0", "simd_i16x8_sat_arith.wast:574"},
    {"i16x8.sub_sat_u", "i16x8 1 1 1 1 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i16x8 1 0 1 0 1 0 1 0", "simd_i16x8_sat_arith.wast:577"},
    {"i16x8.sub_sat_u", "i16x8 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i16x8 1 0 1 0 1 0 1 0", "simd_i16x8_sat_arith.wast:583"},
    {"i16x8.sub_sat_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i16x8 64770 0 32640 0 0 255 0 0", "hand: mixed-sign lanes"},
    {"f64x2.nearest", "f64x2 2.2250738585072014e-308 2.2250738585072014e-308", NULL, NULL, 0,
     "f64x2 0.0 0.0", "simd_f64x2_rounding.wast:279"},
    {"f64x2.nearest", "f64x2 -0.5 -0.5", NULL, NULL, 0,
     "f64x2 -0.0 -0.0", "simd_f64x2_rounding.wast:285"},
    {"f64x2.nearest", "f64x2 inf inf", NULL, NULL, 0,
     "f64x2 inf inf", "simd_f64x2_rounding.wast:303"},
    {"f64x2.nearest", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_rounding.wast:355"},
    {"f64x2.nearest", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", NULL, NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_rounding.wast:359"},
    {"f64x2.nearest", "f64x2 2.5 -3.5", NULL, NULL, 0,
     "f64x2 2.0 -4.0", "hand: ties to even"},
    {"f64x2.nearest", "f64x2 -0.5 4503599627370497.0", NULL, NULL, 0,
     "f64x2 -0.0 4503599627370497.0", "hand: -0.5 -> -0; 2^52+1 is integral"},
    {"i16x8.mul", "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", NULL, 0,
     "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", "simd_i16x8_arith.wast:380"},
    {"i16x8.mul", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i16x8 0 0 0 0 0 0 0 0", "simd_i16x8_arith.wast:464"},
    {"i16x8.mul", "i16x8 1 1 1 1 1 1 1 1", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "i16x8 0 -128 0 -128 0 -128 0 -128", "simd_i16x8_arith.wast:476"},
    {"i16x8.mul", "i16x8 1 1 1 1 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i16x8 0 32704 0 32704 0 32704 0 32704", "simd_i16x8_arith.wast:479"},
    {"i16x8.min_s", "i16x8 0 0 0 0 0 0 0 0", "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", NULL, 0,
     "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", "simd_i16x8_arith2.wast:36"},
    {"i16x8.min_s", "i16x8 -32768 -32768 32767 32767 16384 16384 -1 -1", "i16x8 -1 -1 16384 16384 32767 32767 -32768 -32768", NULL, 0,
     "i16x8 -32768 -32768 16384 16384 16384 16384 -32768 -32768", "simd_i16x8_arith2.wast:263"},
    {"i16x8.min_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i16x8 -255 -32641 -32768 -256 272 -32641 -510 0", "hand: mixed-sign lanes"},
    {"i16x8.min_u", "i16x8 0 0 0 0 0 0 0 0", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", NULL, 0,
     "i16x8 0 0 0 0 0 0 0 0", "simd_i16x8_arith2.wast:69"},
    {"i16x8.min_u", "i16x8 32768 32768 32767 32767 16384 16384 65535 65535", "i16x8 65535 65535 16384 16384 32767 32767 32768 32768", NULL, 0,
     "i16x8 32768 32768 16384 16384 16384 16384 32768 32768", "simd_i16x8_arith2.wast:269"},
    {"i16x8.min_u", "i16x8 0 0 1 1 2 2 128 128", "i16x8 0 0 2 2 1 1 128 128", NULL, 0,
     "i16x8 0 0 1 1 1 1 128 128", "simd_i16x8_arith2.wast:272"},
    {"i16x8.min_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i16x8 511 32640 128 255 272 32640 766 0", "hand: mixed-sign lanes"},
    {"i16x8.max_s", "i16x8 -1 -1 -1 -1 -1 -1 -1 -1", "i16x8 128 128 128 128 128 128 128 128", NULL, 0,
     "i16x8 128 128 128 128 128 128 128 128", "simd_i16x8_arith2.wast:117"},
    {"i16x8.max_s", "i16x8 -32768 -32768 32767 32767 16384 16384 -1 -1", "i16x8 -1 -1 16384 16384 32767 32767 -32768 -32768", NULL, 0,
     "i16x8 -1 -1 32767 32767 32767 32767 -1 -1", "simd_i16x8_arith2.wast:275"},
    {"i16x8.max_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i16x8 511 32640 128 255 4097 32640 766 1", "hand: mixed-sign lanes"},
    {"i16x8.max_u", "i16x8 0 0 0 0 0 0 0 0", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", NULL, 0,
     "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", "simd_i16x8_arith2.wast:135"},
    {"i16x8.max_u", "i16x8 32768 32768 32767 32767 16384 16384 65535 65535", "i16x8 65535 65535 16384 16384 32767 32767 32768 32768", NULL, 0,
     "i16x8 65535 65535 32767 32767 32767 32767 65535 65535", "simd_i16x8_arith2.wast:281"},
    {"i16x8.max_u", "i16x8 0 0 1 1 2 2 128 128", "i16x8 0 0 2 2 1 1 128 128", NULL, 0,
     "i16x8 0 0 2 2 2 2 128 128", "simd_i16x8_arith2.wast:284"},
    {"i16x8.max_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i16x8 65281 32895 32768 65280 4097 32895 65026 1", "hand: mixed-sign lanes"},
    {"i16x8.avgr_u", "i16x8 0 0 0 0 0 0 0 0", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", NULL, 0,
     "i16x8 32768 32768 32768 32768 32768 32768 32768 32768", "simd_i16x8_arith2.wast:168"},
    {"i16x8.avgr_u", "i16x8 32768 32768 32767 32767 16384 16384 65535 65535", "i16x8 65535 65535 16384 16384 32767 32767 32768 32768", NULL, 0,
     "i16x8 49152 49152 24576 24576 24576 24576 49152 49152", "simd_i16x8_arith2.wast:287"},
    {"i16x8.extmul_low_i8x16_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", NULL, 0,
     "i16x8 -128 -128 -128 -128 -128 -128 -128 -128", "simd_i16x8_extmul_i8x16.wast:52"},
    {"i16x8.extmul_low_i8x16_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "i8x16 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127", NULL, 0,
     "i16x8 16256 16256 16256 16256 16256 16256 16256 16256", "simd_i16x8_extmul_i8x16.wast:70"},
    {"i16x8.extmul_low_i8x16_s", "i8x16 -128 -1 2 3 100 5 -6 127 1 -2 3 -4 5 -128 7 127", "i8x16 -128 127 -2 3 100 -5 6 -128 9 10 -11 12 -13 -128 127 -1", NULL, 0,
     "i16x8 16384 -127 -4 9 10000 -25 -36 -16256", "hand: low half only"},
    {"i16x8.extmul_high_i8x16_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", NULL, 0,
     "i16x8 -128 -128 -128 -128 -128 -128 -128 -128", "simd_i16x8_extmul_i8x16.wast:132"},
    {"i16x8.extmul_high_i8x16_s", "i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128", "i8x16 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127 -127", NULL, 0,
     "i16x8 16256 16256 16256 16256 16256 16256 16256 16256", "simd_i16x8_extmul_i8x16.wast:150"},
    {"i16x8.extmul_high_i8x16_s", "i8x16 -128 -1 2 3 100 5 -6 127 1 -2 3 -4 5 -128 7 127", "i8x16 -128 127 -2 3 100 -5 6 -128 9 10 -11 12 -13 -128 127 -1", NULL, 0,
     "i16x8 9 -20 -33 -48 -65 16384 889 -127", "hand: high half only"},
    {"i16x8.extmul_low_i8x16_u", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", NULL, 0,
     "i16x8 0 0 0 0 0 0 0 0", "simd_i16x8_extmul_i8x16.wast:182"},
    {"i16x8.extmul_low_i8x16_u", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", "i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127", NULL, 0,
     "i16x8 32385 32385 32385 32385 32385 32385 32385 32385", "simd_i16x8_extmul_i8x16.wast:242"},
    {"i16x8.extmul_low_i8x16_u", "i8x16 -128 -1 2 3 100 5 -6 127 1 -2 3 -4 5 -128 7 127", "i8x16 -128 127 -2 3 100 -5 6 -128 9 10 -11 12 -13 -128 127 -1", NULL, 0,
     "i16x8 16384 32385 508 9 10000 1255 1500 16256", "hand: low half only"},
    {"i16x8.extmul_high_i8x16_u", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", NULL, 0,
     "i16x8 0 0 0 0 0 0 0 0", "simd_i16x8_extmul_i8x16.wast:262"},
    {"i16x8.extmul_high_i8x16_u", "i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255", "i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127", NULL, 0,
     "i16x8 32385 32385 32385 32385 32385 32385 32385 32385", "simd_i16x8_extmul_i8x16.wast:322"},
    {"i16x8.extmul_high_i8x16_u", "i8x16 -128 -1 2 3 100 5 -6 127 1 -2 3 -4 5 -128 7 127", "i8x16 -128 127 -2 3 100 -5 6 -128 9 10 -11 12 -13 -128 127 -1", NULL, 0,
     "i16x8 9 2540 735 3024 1215 16384 889 32385", "hand: high half only"},
    {"i32x4.abs", "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", NULL, NULL, 0,
     "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "simd_i32x4_arith2.wast:168"},
    {"i32x4.abs", "i32x4 -2147483648 2147483647 1073741824 -1", NULL, NULL, 0,
     "i32x4 -2147483648 2147483647 1073741824 1", "simd_i32x4_arith2.wast:243"},
    {"i32x4.neg", "i32x4 -2147483647 -2147483647 -2147483647 -2147483647", NULL, NULL, 0,
     "i32x4 2147483647 2147483647 2147483647 2147483647", "simd_i32x4_arith.wast:504"},
    {"i32x4.neg", "i32x4 2147483647 2147483647 2147483647 2147483647", NULL, NULL, 0,
     "i32x4 -2147483647 -2147483647 -2147483647 -2147483647", "simd_i32x4_arith.wast:508"},
    {"i32x4.all_true", "i32x4 1 1 0 1", NULL, NULL, 0,
     "i32 0", "simd_boolean.wast:139"},
    {"i32x4.all_true", "i32x4 255 255 255 255", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:147"},
    {"i32x4.bitmask", "i32x4 -1 -1 -1 -1", NULL, NULL, 0,
     "i32 15", "simd_boolean.wast:157"},
    {"i32x4.bitmask", "i32x4 -1 0 1 15", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:159"},
    {"i32x4.extend_low_i16x8_s", "i16x8 32767 32767 32767 32767 -32768 -32768 -32768 -32768", NULL, NULL, 0,
     "i32x4 32767 32767 32767 32767", "simd_int_to_int_extend.wast:274"},
    {"i32x4.extend_low_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 32767 32767 32767 32767", NULL, NULL, 0,
     "i32x4 -32768 -32768 -32768 -32768", "simd_int_to_int_extend.wast:276"},
    {"i32x4.extend_high_i16x8_s", "i16x8 32767 32767 32767 32767 -32768 -32768 -32768 -32768", NULL, NULL, 0,
     "i32x4 -32768 -32768 -32768 -32768", "simd_int_to_int_extend.wast:196"},
    {"i32x4.extend_high_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 32767 32767 32767 32767", NULL, NULL, 0,
     "i32x4 32767 32767 32767 32767", "simd_int_to_int_extend.wast:198"},
    {"i32x4.extend_low_i16x8_u", "i16x8 32767 32767 32767 32767 65535 65535 65535 65535", NULL, NULL, 0,
     "i32x4 32767 32767 32767 32767", "simd_int_to_int_extend.wast:317"},
    {"i32x4.extend_low_i16x8_u", "i16x8 65535 65535 65535 65535 32767 32767 32767 32767", NULL, NULL, 0,
     "i32x4 65535 65535 65535 65535", "simd_int_to_int_extend.wast:319"},
    {"i32x4.extend_high_i16x8_u", "i16x8 32767 32767 32767 32767 65535 65535 65535 65535", NULL, NULL, 0,
     "i32x4 65535 65535 65535 65535", "simd_int_to_int_extend.wast:239"},
    {"i32x4.extend_high_i16x8_u", "i16x8 65535 65535 65535 65535 32767 32767 32767 32767", NULL, NULL, 0,
     "i32x4 32767 32767 32767 32767", "simd_int_to_int_extend.wast:241"},
    {"i32x4.shl", "i32x4 -2147483648 -32768 0 168496141", "i32 1", NULL, 0,
     "i32x4 0 -65536 0 336992282", "simd_bit_shift.wast:348"},
    {"i32x4.shl", "i32x4 -2147483648 -32768 0 168496141", "i32 33", NULL, 0,
     "i32x4 0 -65536 0 336992282", "simd_bit_shift.wast:374"},
    {"i32x4.shr_s", "i32x4 -1430532899 -285237072 -1060052752 168496141", "i32 4", NULL, 0,
     "i32x4 -89408307 -17827317 -66253297 10531008", "simd_bit_shift.wast:457"},
    {"i32x4.shr_s", "i32x4 -2147483648 -32768 12 13", "i32 33", NULL, 0,
     "i32x4 -1073741824 -16384 6 6", "simd_bit_shift.wast:474"},
    {"i32x4.shr_u", "i32x4 2147483648 4294934528 12 13", "i32 1", NULL, 0,
     "i32x4 1073741824 2147467264 6 6", "simd_bit_shift.wast:398"},
    {"i32x4.shr_u", "i32x4 2147483648 4294934528 12 13", "i32 33", NULL, 0,
     "i32x4 1073741824 2147467264 6 6", "simd_bit_shift.wast:424"},
    {"i32x4.add", "i32x4 -1 -1 -1 -1", "i32x4 2147483647 2147483647 2147483647 2147483647", NULL, 0,
     "i32x4 2147483646 2147483646 2147483646 2147483646", "simd_i32x4_arith.wast:82"},
    {"i32x4.add", "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_arith.wast:142"},
    {"i32x4.add", "i32x4 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i32x4 2139095041 2139095041 2139095041 2139095041", "simd_i32x4_arith.wast:151"},
    {"i32x4.add", "i32x4 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i32x4 2143289345 2143289345 2143289345 2143289345", "simd_i32x4_arith.wast:157"},
    {"i32x4.sub", "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "i32x4 -1 -1 -1 -1", NULL, 0,
     "i32x4 -2147483647 -2147483647 -2147483647 -2147483647", "simd_i32x4_arith.wast:222"},
    {"i32x4.sub", "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_arith.wast:303"},
    {"i32x4.sub", "i32x4 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i32x4 -2139095039 -2139095039 -2139095039 -2139095039", "simd_i32x4_arith.wast:312"},
    {"i32x4.sub", "i32x4 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i32x4 -2143289343 -2143289343 -2143289343 -2143289343", "simd_i32x4_arith.wast:318"},
    {"i32x4.mul", "i32x4 -2147483647 -2147483647 -2147483647 -2147483647", "i32x4 -1 -1 -1 -1", NULL, 0,
     "i32x4 2147483647 2147483647 2147483647 2147483647", "simd_i32x4_arith.wast:380"},
    {"i32x4.mul", "i32x4 32768 32768 32768 32768", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_arith.wast:464"},
    {"i32x4.mul", "i32x4 1 1 1 1", "f32x4 inf inf inf inf", NULL, 0,
     "i32x4 2139095040 2139095040 2139095040 2139095040", "simd_i32x4_arith.wast:473"},
    {"i32x4.mul", "i32x4 1 1 1 1", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "i32x4 2143289344 2143289344 2143289344 2143289344", "simd_i32x4_arith.wast:479"},
    {"i32x4.min_s", "i32x4 0 0 0 0", "i32x4 -1 -1 -1 -1", NULL, 0,
     "i32x4 -1 -1 -1 -1", "simd_i32x4_arith2.wast:31"},
    {"i32x4.min_s", "i32x4 -2147483648 2147483647 1073741824 -1", "i32x4 -1 1073741824 2147483647 -2147483648", NULL, 0,
     "i32x4 -2147483648 1073741824 1073741824 -2147483648", "simd_i32x4_arith2.wast:219"},
    {"i32x4.min_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i32x4 -2139160065 -16777088 -2139160304 766", "hand: mixed-sign lanes"},
    {"i32x4.min_u", "i32x4 0 0 0 0", "i32x4 4294967295 4294967295 4294967295 4294967295", NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_arith2.wast:64"},
    {"i32x4.min_u", "i32x4 2147483648 2147483647 1073741824 4294967295", "i32x4 4294967295 1073741824 2147483647 2147483648", NULL, 0,
     "i32x4 2147483648 1073741824 1073741824 2147483648", "simd_i32x4_arith2.wast:225"},
    {"i32x4.min_u", "i32x4 0 1 2 128", "i32x4 0 2 1 128", NULL, 0,
     "i32x4 0 1 1 128", "simd_i32x4_arith2.wast:228"},
    {"i32x4.min_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i32x4 2139160321 16744448 2139099137 766", "hand: mixed-sign lanes"},
    {"i32x4.max_s", "i32x4 -1 -1 -1 -1", "i32x4 128 128 128 128", NULL, 0,
     "i32x4 128 128 128 128", "simd_i32x4_arith2.wast:112"},
    {"i32x4.max_s", "i32x4 -2147483648 2147483647 1073741824 -1", "i32x4 -1 1073741824 2147483647 -2147483648", NULL, 0,
     "i32x4 -1 2147483647 2147483647 -1", "simd_i32x4_arith2.wast:231"},
    {"i32x4.max_s", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i32x4 2139160321 16744448 2139099137 130562", "hand: mixed-sign lanes"},
    {"i32x4.max_u", "i32x4 0 0 0 0", "i32x4 4294967295 4294967295 4294967295 4294967295", NULL, 0,
     "i32x4 4294967295 4294967295 4294967295 4294967295", "simd_i32x4_arith2.wast:130"},
    {"i32x4.max_u", "i32x4 2147483648 2147483647 1073741824 4294967295", "i32x4 4294967295 1073741824 2147483647 2147483648", NULL, 0,
     "i32x4 4294967295 2147483647 2147483647 4294967295", "simd_i32x4_arith2.wast:237"},
    {"i32x4.max_u", "i32x4 0 1 2 128", "i32x4 0 2 1 128", NULL, 0,
     "i32x4 0 2 2 128", "simd_i32x4_arith2.wast:240"},
    {"i32x4.max_u", "i8x16 1 255 128 127 0 128 255 0 16 1 127 128 254 2 0 0", "i8x16 255 1 127 128 128 0 0 255 1 16 128 127 2 254 1 0", NULL, 0,
     "i32x4 2155807231 4278190208 2155806992 130562", "hand: mixed-sign lanes"},
    {"i32x4.dot_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", NULL, 0,
     "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "simd_i32x4_dot_i16x8.wast:64"},
    {"i32x4.dot_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", NULL, 0,
     "i32x4 2147418112 2147418112 2147418112 2147418112", "simd_i32x4_dot_i16x8.wast:67"},
    {"i32x4.extmul_low_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 1 1 1 1 1 1 1 1", NULL, 0,
     "i32x4 -32768 -32768 -32768 -32768", "simd_i32x4_extmul_i16x8.wast:52"},
    {"i32x4.extmul_low_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", NULL, 0,
     "i32x4 1073709056 1073709056 1073709056 1073709056", "simd_i32x4_extmul_i16x8.wast:70"},
    {"i32x4.extmul_low_i16x8_s", "i16x8 -32768 -1 32767 2 300 -7 -32768 5", "i16x8 -32768 32767 -2 3 -300 -32768 9 -1", NULL, 0,
     "i32x4 1073741824 -32767 -65534 6", "hand: low half only"},
    {"i32x4.extmul_high_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 1 1 1 1 1 1 1 1", NULL, 0,
     "i32x4 -32768 -32768 -32768 -32768", "simd_i32x4_extmul_i16x8.wast:132"},
    {"i32x4.extmul_high_i16x8_s", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768", "i16x8 -32767 -32767 -32767 -32767 -32767 -32767 -32767 -32767", NULL, 0,
     "i32x4 1073709056 1073709056 1073709056 1073709056", "simd_i32x4_extmul_i16x8.wast:150"},
    {"i32x4.extmul_high_i16x8_s", "i16x8 -32768 -1 32767 2 300 -7 -32768 5", "i16x8 -32768 32767 -2 3 -300 -32768 9 -1", NULL, 0,
     "i32x4 -90000 229376 -294912 -5", "hand: high half only"},
    {"i32x4.extmul_low_i16x8_u", "i16x8 0 0 0 0 0 0 0 0", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_extmul_i16x8.wast:182"},
    {"i32x4.extmul_low_i16x8_u", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", NULL, 0,
     "i32x4 2147385345 2147385345 2147385345 2147385345", "simd_i32x4_extmul_i16x8.wast:242"},
    {"i32x4.extmul_low_i16x8_u", "i16x8 -32768 -1 32767 2 300 -7 -32768 5", "i16x8 -32768 32767 -2 3 -300 -32768 9 -1", NULL, 0,
     "i32x4 1073741824 2147385345 2147352578 6", "hand: low half only"},
    {"i32x4.extmul_high_i16x8_u", "i16x8 0 0 0 0 0 0 0 0", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_extmul_i16x8.wast:262"},
    {"i32x4.extmul_high_i16x8_u", "i16x8 65535 65535 65535 65535 65535 65535 65535 65535", "i16x8 32767 32767 32767 32767 32767 32767 32767 32767", NULL, 0,
     "i32x4 2147385345 2147385345 2147385345 2147385345", "simd_i32x4_extmul_i16x8.wast:322"},
    {"i32x4.extmul_high_i16x8_u", "i16x8 -32768 -1 32767 2 300 -7 -32768 5", "i16x8 -32768 32767 -2 3 -300 -32768 9 -1", NULL, 0,
     "i32x4 19570800 2147254272 294912 327675", "hand: high half only"},
    {"i64x2.abs", "i64x2 -128 -128", NULL, NULL, 0,
     "i64x2 128 128", "simd_i64x2_arith2.wast:30"},
    {"i64x2.abs", "i64x2 -9223372036854775808 9223372036854775807", NULL, NULL, 0,
     "i64x2 -9223372036854775808 9223372036854775807", "simd_i64x2_arith2.wast:43"},
    {"i64x2.neg", "i64x2 0 0", NULL, NULL, 0,
     "i64x2 0 0", "simd_i64x2_arith.wast:514"},
    {"i64x2.neg", "i64x2 1 1", NULL, NULL, 0,
     "i64x2 -1 -1", "simd_i64x2_arith.wast:516"},
    {"i64x2.all_true", "i64x2 0 1", NULL, NULL, 0,
     "i32 0", "simd_boolean.wast:165"},
    {"i64x2.all_true", "i64x2 255 255", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:175"},
    {"i64x2.bitmask", "i64x2 -1 -1", NULL, NULL, 0,
     "i32 3", "simd_boolean.wast:181"},
    {"i64x2.bitmask", "i64x2 -1 15", NULL, NULL, 0,
     "i32 1", "simd_boolean.wast:183"},
    {"i64x2.extend_low_i32x4_s", "i32x4 2147483647 2147483647 -2147483648 -2147483648", NULL, NULL, 0,
     "i64x2 2147483647 2147483647", "simd_int_to_int_extend.wast:430"},
    {"i64x2.extend_low_i32x4_s", "i32x4 -2147483648 -2147483648 2147483647 2147483647", NULL, NULL, 0,
     "i64x2 -2147483648 -2147483648", "simd_int_to_int_extend.wast:432"},
    {"i64x2.extend_high_i32x4_s", "i32x4 2147483647 2147483647 -2147483648 -2147483648", NULL, NULL, 0,
     "i64x2 -2147483648 -2147483648", "simd_int_to_int_extend.wast:352"},
    {"i64x2.extend_high_i32x4_s", "i32x4 -2147483648 -2147483648 2147483647 2147483647", NULL, NULL, 0,
     "i64x2 2147483647 2147483647", "simd_int_to_int_extend.wast:354"},
    {"i64x2.extend_low_i32x4_u", "i32x4 2147483647 2147483647 4294967295 4294967295", NULL, NULL, 0,
     "i64x2 2147483647 2147483647", "simd_int_to_int_extend.wast:473"},
    {"i64x2.extend_low_i32x4_u", "i32x4 4294967295 4294967295 2147483647 2147483647", NULL, NULL, 0,
     "i64x2 4294967295 4294967295", "simd_int_to_int_extend.wast:475"},
    {"i64x2.extend_high_i32x4_u", "i32x4 2147483647 2147483647 4294967295 4294967295", NULL, NULL, 0,
     "i64x2 4294967295 4294967295", "simd_int_to_int_extend.wast:395"},
    {"i64x2.extend_high_i32x4_u", "i32x4 4294967295 4294967295 2147483647 2147483647", NULL, NULL, 0,
     "i64x2 2147483647 2147483647", "simd_int_to_int_extend.wast:397"},
    {"i64x2.shl", "i64x2 -9223372036854775808 -2147483648", "i32 1", NULL, 0,
     "i64x2 0 -4294967296", "simd_bit_shift.wast:506"},
    {"i64x2.shl", "i64x2 1 15", "i32 128", NULL, 0,
     "i64x2 1 15", "simd_bit_shift.wast:528"},
    {"i64x2.shr_s", "i64x2 -6144092013047340880 -4552891901706302451", "i32 4", NULL, 0,
     "i64x2 -384005750815458805 -284555743856643904", "simd_bit_shift.wast:609"},
    {"i64x2.shr_s", "i64x2 -9223372036854775808 -2147483648", "i32 65", NULL, 0,
     "i64x2 -4611686018427387904 -1073741824", "simd_bit_shift.wast:629"},
    {"i64x2.shr_u", "i64x2 9223372036854775808 18446744071562067968", "i32 1", NULL, 0,
     "i64x2 4611686018427387904 9223372035781033984", "simd_bit_shift.wast:553"},
    {"i64x2.shr_u", "i64x2 1 15", "i32 128", NULL, 0,
     "i64x2 1 15", "simd_bit_shift.wast:575"},
    {"i64x2.add", "i64x2 -1 -1", "i64x2 -1 -1", NULL, 0,
     "i64x2 -2 -2", "simd_i64x2_arith.wast:28"},
    {"i64x2.add", "i64x2 -9223372036854775808 -9223372036854775808", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 0 0", "simd_i64x2_arith.wast:148"},
    {"i64x2.add", "i64x2 1 1", "f64x2 inf inf", NULL, 0,
     "i64x2 9218868437227405313 9218868437227405313", "simd_i64x2_arith.wast:157"},
    {"i64x2.add", "i64x2 1 1", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 9221120237041090561 9221120237041090561", "simd_i64x2_arith.wast:163"},
    {"i64x2.sub", "i64x2 0 0", "i64x2 -1 -1", NULL, 0,
     "i64x2 1 1", "simd_i64x2_arith.wast:189"},
    {"i64x2.sub", "i64x2 -9223372036854775808 -9223372036854775808", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 0 0", "simd_i64x2_arith.wast:315"},
    {"i64x2.sub", "i64x2 1 1", "f64x2 inf inf", NULL, 0,
     "i64x2 -9218868437227405311 -9218868437227405311", "simd_i64x2_arith.wast:324"},
    {"i64x2.sub", "i64x2 1 1", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 -9221120237041090559 -9221120237041090559", "simd_i64x2_arith.wast:330"},
    {"i64x2.mul", "i64x2 -9223372036854775806 -9223372036854775806", "i64x2 -1 -1", NULL, 0,
     "i64x2 9223372036854775806 9223372036854775806", "simd_i64x2_arith.wast:389"},
    {"i64x2.mul", "i64x2 2147483648 2147483648", "f64x2 -0.0 -0.0", NULL, 0,
     "i64x2 0 0", "simd_i64x2_arith.wast:482"},
    {"i64x2.mul", "i64x2 1 1", "f64x2 inf inf", NULL, 0,
     "i64x2 9218868437227405312 9218868437227405312", "simd_i64x2_arith.wast:491"},
    {"i64x2.mul", "i64x2 1 1", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, 0,
     "i64x2 9221120237041090560 9221120237041090560", "simd_i64x2_arith.wast:497"},
    {"i64x2.eq", "i64x2 -1 0", "i64x2 -1 0", NULL, 0,
     "i64x2 -1 -1", "simd_i64x2_cmp.wast:29"},
    {"i64x2.eq", "i64x2 -1 -1", "i64x2 1152921504606846975 1152921504606846975", NULL, 0,
     "i64x2 0 0", "simd_i64x2_cmp.wast:38"},
    {"i64x2.eq", "i64x2 -1 4294967296", "i64x2 1 4294967295", NULL, 0,
     "i64x2 0 0", "hand: 64-bit lanes, signed"},
    {"i64x2.eq", "i64x2 -9223372036854775808 5", "i64x2 9223372036854775807 5", NULL, 0,
     "i64x2 0 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.eq", "i64x2 1 4294967296", "i64x2 -1 4294967295", NULL, 0,
     "i64x2 0 0", "hand: 64-bit lanes, signed"},
    {"i64x2.eq", "i64x2 4294967296 7", "i64x2 0 4294967303", NULL, 0,
     "i64x2 0 0", "hand: 64-bit lanes, signed"},
    {"i64x2.ne", "i64x2 -1 -1", "i64x2 -1 -1", NULL, 0,
     "i64x2 0 0", "simd_i64x2_cmp.wast:50"},
    {"i64x2.ne", "i64x2 1085102592571150095 1085102592571150095", "i64x2 1085102592571150095 1085102592571150095", NULL, 0,
     "i64x2 0 0", "simd_i64x2_cmp.wast:59"},
    {"i64x2.ne", "i64x2 -1 4294967296", "i64x2 1 4294967295", NULL, 0,
     "i64x2 -1 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.ne", "i64x2 -9223372036854775808 5", "i64x2 9223372036854775807 5", NULL, 0,
     "i64x2 -1 0", "hand: 64-bit lanes, signed"},
    {"i64x2.ne", "i64x2 1 4294967296", "i64x2 -1 4294967295", NULL, 0,
     "i64x2 -1 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.ne", "i64x2 4294967296 7", "i64x2 0 4294967303", NULL, 0,
     "i64x2 -1 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.lt_s", "i64x2 -9223372036854775807 -1", "i64x2 -9223372036854775807 -1", NULL, 0,
     "i64x2 0 0", "simd_i64x2_cmp.wast:135"},
    {"i64x2.lt_s", "i64x2 -4584664420663164928 -4584734789407342592", "f64x2 -128.0 -127.0", NULL, 0,
     "i64x2 0 0", "simd_i64x2_cmp.wast:140"},
    {"i64x2.lt_s", "i64x2 -1 4294967296", "i64x2 1 4294967295", NULL, 0,
     "i64x2 -1 0", "hand: 64-bit lanes, signed"},
    {"i64x2.lt_s", "i64x2 -9223372036854775808 5", "i64x2 9223372036854775807 5", NULL, 0,
     "i64x2 -1 0", "hand: 64-bit lanes, signed"},
    {"i64x2.lt_s", "i64x2 1 4294967296", "i64x2 -1 4294967295", NULL, 0,
     "i64x2 0 0", "hand: 64-bit lanes, signed"},
    {"i64x2.lt_s", "i64x2 4294967296 7", "i64x2 0 4294967303", NULL, 0,
     "i64x2 0 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.gt_s", "i64x2 -9223372036854775807 -1", "i64x2 -9223372036854775807 -1", NULL, 0,
     "i64x2 0 0", "simd_i64x2_cmp.wast:288"},
    {"i64x2.gt_s", "i64x2 -4584664420663164928 -4584734789407342592", "f64x2 -128.0 -127.0", NULL, 0,
     "i64x2 0 0", "simd_i64x2_cmp.wast:293"},
    {"i64x2.gt_s", "i64x2 -1 4294967296", "i64x2 1 4294967295", NULL, 0,
     "i64x2 0 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.gt_s", "i64x2 -9223372036854775808 5", "i64x2 9223372036854775807 5", NULL, 0,
     "i64x2 0 0", "hand: 64-bit lanes, signed"},
    {"i64x2.gt_s", "i64x2 1 4294967296", "i64x2 -1 4294967295", NULL, 0,
     "i64x2 -1 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.gt_s", "i64x2 4294967296 7", "i64x2 0 4294967303", NULL, 0,
     "i64x2 -1 0", "hand: 64-bit lanes, signed"},
    {"i64x2.le_s", "i64x2 -1 -1", "i64x2 -1 -1", NULL, 0,
     "i64x2 -1 -1", "simd_i64x2_cmp.wast:152"},
    {"i64x2.le_s", "i64x2 0 0", "i64x2 0 -1", NULL, 0,
     "i64x2 -1 0", "simd_i64x2_cmp.wast:195"},
    {"i64x2.le_s", "i64x2 -1 4294967296", "i64x2 1 4294967295", NULL, 0,
     "i64x2 -1 0", "hand: 64-bit lanes, signed"},
    {"i64x2.le_s", "i64x2 -9223372036854775808 5", "i64x2 9223372036854775807 5", NULL, 0,
     "i64x2 -1 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.le_s", "i64x2 1 4294967296", "i64x2 -1 4294967295", NULL, 0,
     "i64x2 0 0", "hand: 64-bit lanes, signed"},
    {"i64x2.le_s", "i64x2 4294967296 7", "i64x2 0 4294967303", NULL, 0,
     "i64x2 0 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.ge_s", "i64x2 -1 -1", "i64x2 0 -1", NULL, 0,
     "i64x2 0 -1", "simd_i64x2_cmp.wast:348"},
    {"i64x2.ge_s", "i64x2 -4584664420663164928 -4584734789407342592", "f64x2 -128.0 -127.0", NULL, 0,
     "i64x2 -1 -1", "simd_i64x2_cmp.wast:371"},
    {"i64x2.ge_s", "i64x2 -1 4294967296", "i64x2 1 4294967295", NULL, 0,
     "i64x2 0 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.ge_s", "i64x2 -9223372036854775808 5", "i64x2 9223372036854775807 5", NULL, 0,
     "i64x2 0 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.ge_s", "i64x2 1 4294967296", "i64x2 -1 4294967295", NULL, 0,
     "i64x2 -1 -1", "hand: 64-bit lanes, signed"},
    {"i64x2.ge_s", "i64x2 4294967296 7", "i64x2 0 4294967303", NULL, 0,
     "i64x2 -1 0", "hand: 64-bit lanes, signed"},
    {"i64x2.extmul_low_i32x4_s", "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "i32x4 1 1 1 1", NULL, 0,
     "i64x2 -2147483648 -2147483648", "simd_i64x2_extmul_i32x4.wast:52"},
    {"i64x2.extmul_low_i32x4_s", "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "i32x4 -2147483647 -2147483647 -2147483647 -2147483647", NULL, 0,
     "i64x2 4611686016279904256 4611686016279904256", "simd_i64x2_extmul_i32x4.wast:70"},
    {"i64x2.extmul_low_i32x4_s", "i32x4 -2147483648 -1 7 2147483647", "i32x4 -2147483648 2147483647 -9 -1", NULL, 0,
     "i64x2 4611686018427387904 -2147483647", "hand: low half only"},
    {"i64x2.extmul_high_i32x4_s", "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "i32x4 1 1 1 1", NULL, 0,
     "i64x2 -2147483648 -2147483648", "simd_i64x2_extmul_i32x4.wast:132"},
    {"i64x2.extmul_high_i32x4_s", "i32x4 -2147483648 -2147483648 -2147483648 -2147483648", "i32x4 -2147483647 -2147483647 -2147483647 -2147483647", NULL, 0,
     "i64x2 4611686016279904256 4611686016279904256", "simd_i64x2_extmul_i32x4.wast:150"},
    {"i64x2.extmul_high_i32x4_s", "i32x4 -2147483648 -1 7 2147483647", "i32x4 -2147483648 2147483647 -9 -1", NULL, 0,
     "i64x2 -63 -2147483647", "hand: high half only"},
    {"i64x2.extmul_low_i32x4_u", "i32x4 0 0 0 0", "i32x4 4294967295 4294967295 4294967295 4294967295", NULL, 0,
     "i64x2 0 0", "simd_i64x2_extmul_i32x4.wast:182"},
    {"i64x2.extmul_low_i32x4_u", "i32x4 4294967295 4294967295 4294967295 4294967295", "i32x4 2147483647 2147483647 2147483647 2147483647", NULL, 0,
     "i64x2 9223372030412324865 9223372030412324865", "simd_i64x2_extmul_i32x4.wast:242"},
    {"i64x2.extmul_low_i32x4_u", "i32x4 -2147483648 -1 7 2147483647", "i32x4 -2147483648 2147483647 -9 -1", NULL, 0,
     "i64x2 4611686018427387904 9223372030412324865", "hand: low half only"},
    {"i64x2.extmul_high_i32x4_u", "i32x4 0 0 0 0", "i32x4 4294967295 4294967295 4294967295 4294967295", NULL, 0,
     "i64x2 0 0", "simd_i64x2_extmul_i32x4.wast:262"},
    {"i64x2.extmul_high_i32x4_u", "i32x4 4294967295 4294967295 4294967295 4294967295", "i32x4 2147483647 2147483647 2147483647 2147483647", NULL, 0,
     "i64x2 9223372030412324865 9223372030412324865", "simd_i64x2_extmul_i32x4.wast:322"},
    {"i64x2.extmul_high_i32x4_u", "i32x4 -2147483648 -1 7 2147483647", "i32x4 -2147483648 2147483647 -9 -1", NULL, 0,
     "i64x2 30064771009 9223372030412324865", "hand: high half only"},
    {"f32x4.abs", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, NULL, 0,
     "f32x4 0.0 0.0 0.0 0.0", "simd_f32x4.wast:2281"},
    {"f32x4.abs", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "f32x4 inf inf inf inf", "simd_f32x4.wast:2307"},
    {"f32x4.abs", "f32x4 -inf -inf -inf -inf", NULL, NULL, 0,
     "f32x4 inf inf inf inf", "simd_f32x4.wast:2309"},
    {"f32x4.neg", "f32x4 0.0 0.0 0.0 0.0", NULL, NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4_arith.wast:5189"},
    {"f32x4.neg", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "f32x4 -inf -inf -inf -inf", "simd_f32x4_arith.wast:5217"},
    {"f32x4.neg", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "f32x4 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000 bits:0xffc00000", "simd_f32x4_arith.wast:5221"},
    {"f32x4.sqrt", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4_arith.wast:5103"},
    {"f32x4.sqrt", "f32x4 -inf -inf -inf -inf", NULL, NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_arith.wast:5131"},
    {"f32x4.sqrt", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_arith.wast:5133"},
    {"f32x4.sqrt", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", NULL, NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_arith.wast:5137"},
    {"f32x4.add", "f32x4 -3.4028234663852886e+38 -3.4028234663852886e+38 -3.4028234663852886e+38 -3.4028234663852886e+38", "f32x4 -3.4028234663852886e+38 -3.4028234663852886e+38 -3.4028234663852886e+38 -3.4028234663852886e+38", NULL, 0,
     "f32x4 -inf -inf -inf -inf", "simd_f32x4_arith.wast:676"},
    {"f32x4.add", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_arith.wast:787"},
    {"f32x4.add", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_arith.wast:1003"},
    {"f32x4.sub", "f32x4 0.0 0.0 0.0 0.0", "f32x4 inf inf inf inf", NULL, 0,
     "f32x4 -inf -inf -inf -inf", "simd_f32x4_arith.wast:1327"},
    {"f32x4.sub", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_arith.wast:2059"},
    {"f32x4.sub", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_arith.wast:2275"},
    {"f32x4.mul", "f32x4 -0.0 -0.0 -0.0 -0.0", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_arith.wast:2650"},
    {"f32x4.mul", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_arith.wast:3331"},
    {"f32x4.mul", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_arith.wast:3547"},
    {"f32x4.div", "f32x4 0.0 0.0 0.0 0.0", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4_arith.wast:3874"},
    {"f32x4.div", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:canonical nan:canonical nan:canonical nan:canonical", "simd_f32x4_arith.wast:4603"},
    {"f32x4.div", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4_arith.wast:4819"},
    {"f32x4.min", "f32x4 bits:0x7fc00000 0.0 0.0 1.0", "f32x4 0.0 bits:0xffc00000 1.0 0.0", NULL, 0,
     "f32x4 nan:canonical nan:canonical 0.0 0.0", "simd_f32x4.wast:66"},
    {"f32x4.min", "f32x4 -0.0 -0.0 -0.0 -0.0", "f32x4 0.0 0.0 0.0 0.0", NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4.wast:145"},
    {"f32x4.min", "f32x4 -0.0 -0.0 -0.0 -0.0", "f32x4 inf inf inf inf", NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4.wast:187"},
    {"f32x4.min", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4.wast:1063"},
    {"f32x4.max", "f32x4 bits:0x7fc00000 0.0 0.0 1.0", "f32x4 0.0 bits:0xffc00000 1.0 0.0", NULL, 0,
     "f32x4 nan:canonical nan:canonical 1.0 1.0", "simd_f32x4.wast:82"},
    {"f32x4.max", "f32x4 0.0 0.0 0.0 0.0", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 0.0 0.0 0.0 0.0", "simd_f32x4.wast:1183"},
    {"f32x4.max", "f32x4 -6.2831854820251465 -6.2831854820251465 -6.2831854820251465 -6.2831854820251465", "f32x4 -inf -inf -inf -inf", NULL, 0,
     "f32x4 -6.2831854820251465 -6.2831854820251465 -6.2831854820251465 -6.2831854820251465", "simd_f32x4.wast:1753"},
    {"f32x4.max", "f32x4 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000 bits:0x7fa00000", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, 0,
     "f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic", "simd_f32x4.wast:2146"},
    {"f32x4.pmin", "f32x4 -0.0 -0.0 -0.0 -0.0", "f32x4 inf inf inf inf", NULL, 0,
     "f32x4 -0.0 -0.0 -0.0 -0.0", "simd_f32x4_pmin_pmax.wast:171"},
    {"f32x4.pmin", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "f32x4 inf inf inf inf", NULL, 0,
     "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", "simd_f32x4_pmin_pmax.wast:4851"},
    {"f32x4.pmin", "f32x4 6.2831854820251465 6.2831854820251465 6.2831854820251465 6.2831854820251465", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "f32x4 6.2831854820251465 6.2831854820251465 6.2831854820251465 6.2831854820251465", "simd_f32x4_pmin_pmax.wast:5367"},
    {"f32x4.pmax", "f32x4 0.0 0.0 0.0 0.0", "f32x4 inf inf inf inf", NULL, 0,
     "f32x4 inf inf inf inf", "simd_f32x4_pmin_pmax.wast:5859"},
    {"f32x4.pmax", "f32x4 -0.0 -0.0 -0.0 -0.0", "f32x4 inf inf inf inf", NULL, 0,
     "f32x4 inf inf inf inf", "simd_f32x4_pmin_pmax.wast:5979"},
    {"f32x4.pmax", "f32x4 6.2831854820251465 6.2831854820251465 6.2831854820251465 6.2831854820251465", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, 0,
     "f32x4 6.2831854820251465 6.2831854820251465 6.2831854820251465 6.2831854820251465", "simd_f32x4_pmin_pmax.wast:11175"},
    {"f64x2.abs", "f64x2 -0.0 -0.0", NULL, NULL, 0,
     "f64x2 0.0 0.0", "simd_f64x2.wast:2345"},
    {"f64x2.abs", "f64x2 -1.7976931348623157e+308 -1.7976931348623157e+308", NULL, NULL, 0,
     "f64x2 1.7976931348623157e+308 1.7976931348623157e+308", "simd_f64x2.wast:2369"},
    {"f64x2.abs", "f64x2 inf inf", NULL, NULL, 0,
     "f64x2 inf inf", "simd_f64x2.wast:2371"},
    {"f64x2.neg", "f64x2 0.0 0.0", NULL, NULL, 0,
     "f64x2 -0.0 -0.0", "simd_f64x2_arith.wast:5189"},
    {"f64x2.neg", "f64x2 inf inf", NULL, NULL, 0,
     "f64x2 -inf -inf", "simd_f64x2_arith.wast:5217"},
    {"f64x2.neg", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "f64x2 bits:0xfff8000000000000 bits:0xfff8000000000000", "simd_f64x2_arith.wast:5221"},
    {"f64x2.sqrt", "f64x2 -0.0 -0.0", NULL, NULL, 0,
     "f64x2 -0.0 -0.0", "simd_f64x2_arith.wast:5103"},
    {"f64x2.sqrt", "f64x2 -inf -inf", NULL, NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_arith.wast:5131"},
    {"f64x2.sqrt", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_arith.wast:5133"},
    {"f64x2.sqrt", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", NULL, NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_arith.wast:5137"},
    {"f64x2.add", "f64x2 -1.7976931348623157e+308 -1.7976931348623157e+308", "f64x2 -1.7976931348623157e+308 -1.7976931348623157e+308", NULL, 0,
     "f64x2 -inf -inf", "simd_f64x2_arith.wast:574"},
    {"f64x2.add", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_arith.wast:787"},
    {"f64x2.add", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_arith.wast:1003"},
    {"f64x2.sub", "f64x2 0.0 0.0", "f64x2 inf inf", NULL, 0,
     "f64x2 -inf -inf", "simd_f64x2_arith.wast:1327"},
    {"f64x2.sub", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_arith.wast:2059"},
    {"f64x2.sub", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_arith.wast:2275"},
    {"f64x2.mul", "f64x2 -0.0 -0.0", "f64x2 -inf -inf", NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_arith.wast:2650"},
    {"f64x2.mul", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_arith.wast:3331"},
    {"f64x2.mul", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_arith.wast:3547"},
    {"f64x2.div", "f64x2 0.0 0.0", "f64x2 -inf -inf", NULL, 0,
     "f64x2 -0.0 -0.0", "simd_f64x2_arith.wast:3874"},
    {"f64x2.div", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2_arith.wast:4603"},
    {"f64x2.div", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2_arith.wast:4819"},
    {"f64x2.min", "f64x2 inf inf", "f64x2 5e-324 5e-324", NULL, 0,
     "f64x2 5e-324 5e-324", "simd_f64x2.wast:833"},
    {"f64x2.min", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:canonical nan:canonical", "simd_f64x2.wast:926"},
    {"f64x2.min", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2.wast:1046"},
    {"f64x2.min", "f64x2 -0.0 0.0", "f64x2 0.0 -0.0", NULL, 0,
     "f64x2 -0.0 -0.0", "simd_f64x2.wast:2326"},
    {"f64x2.max", "f64x2 0.0 1.0", "f64x2 bits:0xfff8000000000000 0.0", NULL, 0,
     "f64x2 nan:canonical 1.0", "simd_f64x2.wast:140"},
    {"f64x2.max", "f64x2 0.0 0.0", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 0.0 0.0", "simd_f64x2.wast:1241"},
    {"f64x2.max", "f64x2 -inf -inf", "f64x2 -6.283185307179586 -6.283185307179586", NULL, 0,
     "f64x2 -6.283185307179586 -6.283185307179586", "simd_f64x2.wast:1991"},
    {"f64x2.max", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 nan:arithmetic nan:arithmetic", "simd_f64x2.wast:2129"},
    {"f64x2.pmin", "f64x2 inf inf", "f64x2 6.283185307179586 6.283185307179586", NULL, 0,
     "f64x2 6.283185307179586 6.283185307179586", "simd_f64x2_pmin_pmax.wast:1713"},
    {"f64x2.pmin", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "simd_f64x2_pmin_pmax.wast:5076"},
    {"f64x2.pmax", "f64x2 -inf -inf", "f64x2 -6.283185307179586 -6.283185307179586", NULL, 0,
     "f64x2 -6.283185307179586 -6.283185307179586", "simd_f64x2_pmin_pmax.wast:7644"},
    {"f64x2.pmax", "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "f64x2 -0.0 -0.0", NULL, 0,
     "f64x2 bits:0x7ff4000000000000 bits:0x7ff4000000000000", "simd_f64x2_pmin_pmax.wast:10884"},
    {"i32x4.trunc_sat_f32x4_s", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_trunc_sat_f32x4.wast:12"},
    {"i32x4.trunc_sat_f32x4_s", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "i32x4 2147483647 2147483647 2147483647 2147483647", "simd_i32x4_trunc_sat_f32x4.wast:92"},
    {"i32x4.trunc_sat_f32x4_s", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_trunc_sat_f32x4.wast:96"},
    {"i32x4.trunc_sat_f32x4_u", "f32x4 -0.0 -0.0 -0.0 -0.0", NULL, NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_trunc_sat_f32x4.wast:116"},
    {"i32x4.trunc_sat_f32x4_u", "f32x4 inf inf inf inf", NULL, NULL, 0,
     "i32x4 4294967295 4294967295 4294967295 4294967295", "simd_i32x4_trunc_sat_f32x4.wast:196"},
    {"i32x4.trunc_sat_f32x4_u", "f32x4 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000 bits:0x7fc00000", NULL, NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_trunc_sat_f32x4.wast:200"},
    {"f32x4.convert_i32x4_s", "i32x4 2147483647 2147483647 2147483647 2147483647", NULL, NULL, 0,
     "f32x4 2147483648.0 2147483648.0 2147483648.0 2147483648.0", "simd_conversions.wast:188"},
    {"f32x4.convert_i32x4_s", "i32x4 0 -1 2147483647 -2147483648", NULL, NULL, 0,
     "f32x4 0.0 -1.0 2147483648.0 -2147483648.0", "simd_conversions.wast:208"},
    {"f32x4.convert_i32x4_u", "i32x4 4294967295 4294967295 4294967295 4294967295", NULL, NULL, 0,
     "f32x4 4294967296.0 4294967296.0 4294967296.0 4294967296.0", "simd_conversions.wast:217"},
    {"f32x4.convert_i32x4_u", "i32x4 0 4294967295 2147483647 2147483648", NULL, NULL, 0,
     "f32x4 0.0 4294967296.0 2147483648.0 2147483648.0", "simd_conversions.wast:247"},
    {"i32x4.trunc_sat_f64x2_s_zero", "f64x2 -0.0 -0.0", NULL, NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_trunc_sat_f64x2.wast:12"},
    {"i32x4.trunc_sat_f64x2_s_zero", "f64x2 4294967295.0 4294967295.0", NULL, NULL, 0,
     "i32x4 2147483647 2147483647 0 0", "simd_i32x4_trunc_sat_f64x2.wast:44"},
    {"i32x4.trunc_sat_f64x2_s_zero", "f64x2 inf inf", NULL, NULL, 0,
     "i32x4 2147483647 2147483647 0 0", "simd_i32x4_trunc_sat_f64x2.wast:92"},
    {"i32x4.trunc_sat_f64x2_s_zero", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_trunc_sat_f64x2.wast:96"},
    {"i32x4.trunc_sat_f64x2_u_zero", "f64x2 -0.0 -0.0", NULL, NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_trunc_sat_f64x2.wast:116"},
    {"i32x4.trunc_sat_f64x2_u_zero", "f64x2 inf inf", NULL, NULL, 0,
     "i32x4 4294967295 4294967295 0 0", "simd_i32x4_trunc_sat_f64x2.wast:196"},
    {"i32x4.trunc_sat_f64x2_u_zero", "f64x2 bits:0x7ff8000000000000 bits:0x7ff8000000000000", NULL, NULL, 0,
     "i32x4 0 0 0 0", "simd_i32x4_trunc_sat_f64x2.wast:200"},
    {"f64x2.convert_low_i32x4_s", "i32x4 2147483647 2147483647 0 0", NULL, NULL, 0,
     "f64x2 2147483647.0 2147483647.0", "simd_conversions.wast:259"},
    {"f64x2.convert_low_i32x4_s", "i32x4 -2147483648 -2147483648 0 0", NULL, NULL, 0,
     "f64x2 -2147483648.0 -2147483648.0", "simd_conversions.wast:261"},
    {"f64x2.convert_low_i32x4_u", "i32x4 2147483647 2147483647 0 0", NULL, NULL, 0,
     "f64x2 2147483647.0 2147483647.0", "simd_conversions.wast:273"},
    {"f64x2.convert_low_i32x4_u", "i32x4 4294967295 4294967295 0 0", NULL, NULL, 0,
     "f64x2 4294967295.0 4294967295.0", "simd_conversions.wast:277"},
};
/* clang-format on */

#define NCASES (sizeof cases / sizeof cases[0])

/* ---- tests ----------------------------------------------------------------- */

static void test_vectors(void) {
    int bad = 0;
    for (size_t i = 0; i < NCASES; i++)
        if (!run_case(&cases[i], 1)) bad++;
    CHECK_EQ_INT(bad, 0);
}

/* Every instruction of simd_ops.h has rows, and every row names one. */
static void test_every_op_covered(void) {
    for (uint32_t op = 0; op < 256; op++) {
        const simd_op_info *info = simd_op_lookup(op);
        int n = 0;
        if (!info) continue;
        for (size_t i = 0; i < NCASES; i++) n += !strcmp(cases[i].op, info->name);
        if (!n) fprintf(stderr, "  no rows for %s\n", info->name);
        CHECK(n > 0);
    }
    for (size_t i = 0; i < NCASES; i++) CHECK(op_by_name(cases[i].op) != NULL);
}

/* The opcode table: count, the irregular numbers, gaps, bounds. */
static void test_op_table(void) {
    int n = 0;
    for (uint32_t op = 0; op < 300; op++) {
        const simd_op_info *info = simd_op_lookup(op);
        if (!info) continue;
        n++;
        CHECK_EQ_INT(info->opcode, op);
        CHECK(info->nparams <= 3);
        switch (info->imm) {
        case SIMD_IMM_MEMARG:
            CHECK(info->align <= 4 && info->lanes == 0);
            CHECK(info->params[0] == SIMD_T_I32);
            break;
        case SIMD_IMM_MEMARG_LANE:
            CHECK(info->lanes << info->align == 16);
            CHECK(info->params[0] == SIMD_T_I32 && info->params[1] == SIMD_T_V128);
            break;
        case SIMD_IMM_LANE:
            CHECK(info->lanes == 2 || info->lanes == 4 || info->lanes == 8 || info->lanes == 16);
            CHECK(info->params[0] == SIMD_T_V128);
            /* the shape's lane count: "i8x16" -> 16 */
            CHECK_EQ_INT(info->lanes, atoi(strchr(info->name, 'x') + 1));
            break;
        case SIMD_IMM_SHUFFLE: CHECK_EQ_INT(info->lanes, 32); break;
        default: CHECK(info->lanes == 0 && info->align == 0); break;
        }
        for (uint32_t other = 0; other < op; other++)
            if (simd_op_lookup(other)) CHECK(strcmp(simd_op_lookup(other)->name, info->name) != 0);
    }
    CHECK_EQ_INT(n, SIMD_OP_COUNT);
    CHECK(!strcmp(simd_op_lookup(0x0c)->name, "v128.const"));
    CHECK(simd_op_lookup(0x0c)->imm == SIMD_IMM_V128);
    CHECK(!strcmp(simd_op_lookup(0x0d)->name, "i8x16.shuffle"));
    CHECK(!strcmp(simd_op_lookup(0x0e)->name, "i8x16.swizzle"));
    CHECK(!strcmp(simd_op_lookup(0x53)->name, "v128.any_true"));
    CHECK(!strcmp(simd_op_lookup(0x5c)->name, "v128.load32_zero"));
    CHECK(!strcmp(simd_op_lookup(0x5e)->name, "f32x4.demote_f64x2_zero"));
    CHECK(!strcmp(simd_op_lookup(0x7a)->name, "f64x2.trunc"));
    CHECK(!strcmp(simd_op_lookup(0x94)->name, "f64x2.nearest"));
    CHECK(!strcmp(simd_op_lookup(0xba)->name, "i32x4.dot_i16x8_s"));
    CHECK(!strcmp(simd_op_lookup(0xd5)->name, "i64x2.mul"));
    CHECK(!strcmp(simd_op_lookup(248)->name, "i32x4.trunc_sat_f32x4_s"));
    CHECK(!strcmp(simd_op_lookup(0xff)->name, "f64x2.convert_low_i32x4_u"));
    CHECK(simd_op_lookup(0x9a) == NULL);
    CHECK(simd_op_lookup(0xa2) == NULL);
    CHECK(simd_op_lookup(0xbb) == NULL);
    CHECK(simd_op_lookup(0xee) == NULL);
    CHECK(simd_op_lookup(0x100) == NULL);
    CHECK(simd_op_lookup(UINT32_MAX) == NULL);
    CHECK_EQ_INT(simd_op_lookup(0x0b)->result, 0); /* v128.store */
    CHECK_EQ_INT(simd_op_lookup(0x1d)->result, SIMD_T_I64); /* i64x2.extract_lane */
    CHECK_EQ_INT(simd_op_lookup(0x20)->params[1], SIMD_T_F32); /* f32x4.replace_lane */
    CHECK_EQ_INT(simd_op_lookup(0x6b)->params[1], SIMD_T_I32); /* i8x16.shl */
    CHECK_EQ_INT(simd_op_lookup(0x52)->nparams, 3); /* v128.bitselect */
}

/* The memory helpers touch exactly their access size: the bytes sit at
 * the end of a page followed by an inaccessible one (a read past them
 * faults), at an odd address. */
static void test_memory_extent(void) {
    uint8_t src[16];
    for (int i = 0; i < 16; i++) src[i] = (uint8_t)(0xa1 + i);
    wasm_v128 z;
    memset(&z, 0, sizeof z);
    struct { unsigned n; wasm_v128 (*load)(const uint8_t *); } loads[] = {
        {8, simd_v128_load8x8_s},   {8, simd_v128_load8x8_u},   {8, simd_v128_load16x4_s},
        {8, simd_v128_load16x4_u},  {8, simd_v128_load32x2_s},  {8, simd_v128_load32x2_u},
        {1, simd_v128_load8_splat}, {2, simd_v128_load16_splat}, {4, simd_v128_load32_splat},
        {8, simd_v128_load64_splat}, {4, simd_v128_load32_zero}, {8, simd_v128_load64_zero},
    };
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        uint8_t *m = guarded_copy(src, loads[i].n);
        wasm_v128 v = loads[i].load(m);
        CHECK(v.u8[0] == 0xa1); /* every form starts with the first byte */
        guarded_free(m, loads[i].n);
    }
    uint8_t *m16 = guarded_copy(src, 16);
    wasm_v128 v = simd_v128_load(m16);
    CHECK(!memcmp(v.u8, src, 16));
    guarded_free(m16, 16);
    for (unsigned w = 1; w <= 8; w *= 2) {
        uint8_t *m = guarded_copy(src, w);
        wasm_v128 r = w == 1 ? simd_v128_load8_lane(z, m, 15)
                    : w == 2 ? simd_v128_load16_lane(z, m, 7)
                    : w == 4 ? simd_v128_load32_lane(z, m, 3)
                             : simd_v128_load64_lane(z, m, 1);
        CHECK(!memcmp(r.u8 + 16 - w, src, w));
        guarded_free(m, w);
    }
    /* stores: exactly w bytes written, the rest of a sentinel buffer kept */
    for (unsigned w = 1; w <= 8; w *= 2) {
        uint8_t buf[24];
        memset(buf, 0x55, sizeof buf);
        wasm_v128 s = simd_v128_load(src);
        if (w == 1) simd_v128_store8_lane(buf + 5, s, 2);
        if (w == 2) simd_v128_store16_lane(buf + 5, s, 2);
        if (w == 4) simd_v128_store32_lane(buf + 5, s, 2);
        if (w == 8) simd_v128_store64_lane(buf + 5, s, 1);
        for (unsigned i = 0; i < sizeof buf; i++) {
            if (i < 5 || i >= 5 + w) CHECK(buf[i] == 0x55);
            else CHECK(buf[i] == src[(w == 8 ? 8 : 2 * w) + i - 5]);
        }
    }
    uint8_t out[18];
    memset(out, 0x55, sizeof out);
    simd_v128_store(out + 1, simd_v128_load(src));
    CHECK(out[0] == 0x55 && out[17] == 0x55 && !memcmp(out + 1, src, 16));
}

/* Lane and bit movers keep NaN payloads exactly, signalling ones
 * included; arithmetic quiets them (an arithmetic NaN). */
static void test_nan_bits(void) {
    const uint32_t snan = 0x7f800001u, nsnan = 0xff812345u;
    const uint64_t snan64 = UINT64_C(0x7ff0000000000001);
    float sf = numeric_f32_from_bits(snan);
    wasm_v128 v = simd_f32x4_splat(sf);
    CHECK_EQ_INT(v.u32[3], snan);
    CHECK_EQ_INT(numeric_f32_bits(simd_f32x4_extract_lane(v, 2)), snan);
    v = simd_f32x4_replace_lane(v, 1, numeric_f32_from_bits(nsnan));
    CHECK_EQ_INT(v.u32[1], nsnan);
    CHECK_EQ_INT(simd_f32x4_abs(v).u32[1], 0x7f812345u);
    CHECK_EQ_INT(simd_f32x4_neg(v).u32[0], 0xff800001u);
    wasm_v128 one = simd_f32x4_splat(1.0f);
    CHECK_EQ_INT(simd_f32x4_pmin(v, one).u32[0], snan); /* 1 < NaN is false: a */
    CHECK_EQ_INT(simd_f32x4_pmax(one, v).u32[0], 0x3f800000u);
    CHECK_EQ_INT(simd_f32x4_add(v, one).u32[0] & 0x7fc00000u, 0x7fc00000u);
    CHECK_EQ_INT(simd_f32x4_nearest(v).u32[0] & 0x7fc00000u, 0x7fc00000u);
    CHECK_EQ_INT(simd_f32x4_min(one, v).u32[0] & 0x7fc00000u, 0x7fc00000u);
    wasm_v128 d = simd_f64x2_splat(numeric_f64_from_bits(snan64));
    CHECK(simd_f64x2_extract_lane(d, 1) != simd_f64x2_extract_lane(d, 1));
    CHECK(simd_f64x2_abs(d).u64[1] == snan64);
    CHECK(simd_f64x2_pmax(d, simd_f64x2_splat(2.0)).u64[0] == snan64);
    CHECK((simd_f64x2_floor(d).u64[0] & UINT64_C(0x7ff8000000000000)) == UINT64_C(0x7ff8000000000000));
    /* demote/promote of a NaN: a NaN, quiet */
    CHECK((simd_f32x4_demote_f64x2_zero(d).u32[0] & 0x7fc00000u) == 0x7fc00000u);
    CHECK((simd_f64x2_promote_low_f32x4(v).u64[0] & UINT64_C(0x7ff8000000000000)) ==
          UINT64_C(0x7ff8000000000000));
}

/* Lane immediates are masked, never out of bounds (validation rejects
 * them; this is only memory safety). */
static void test_lane_masking(void) {
    wasm_v128 v = simd_v128_const((const uint8_t[16]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
    CHECK_EQ_INT(simd_i8x16_extract_lane_u(v, 17), 1);
    CHECK_EQ_INT(simd_i16x8_extract_lane_u(v, 9), 0x0302);
    CHECK_EQ_INT(simd_i8x16_shuffle(v, v, (const uint8_t[16]){255}).u8[0], 15);
}

int main(void) {
    RUN(test_vectors);
    RUN(test_every_op_covered);
    RUN(test_op_table);
    RUN(test_memory_extent);
    RUN(test_nan_bits);
    RUN(test_lane_masking);
    printf("simd: %zu vectors\n", NCASES);
    return test_summary("simd");
}
