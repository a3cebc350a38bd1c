/*
 * simd_ops.h -- every WebAssembly 2.0 SIMD instruction (0xFD prefix): its
 * opcode, the simd.h function that implements it, its text name, the
 * kind of its immediates, and its type. Phase 2 generates decoding
 * (decode.c's immediate skipping), validation (operand/result types, lane
 * and alignment bounds) and the compiler's dispatch from this one list.
 *
 * Binary form: 0xFD, then the opcode as a LEB128 u32 (so opcodes >= 0x80
 * take two bytes: i32x4.trunc_sat_f32x4_s = 0xFD 0xF8 0x01), then the
 * immediates. Opcodes not listed (0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0,
 * 0xb2-0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2-0xd4, 0xe2, 0xee,
 * and everything above 0xff) are illegal. The table was checked against
 * wabt 1.0.32 (names, numbers, immediates, types, alignment and lane
 * bounds); docs/SIMD.md has the same table for reading.
 *
 * SIMD_OPS(X) calls X(opcode, fn, name, imm, lanes, align, sig):
 *   fn     simd.h function without its simd_ prefix (simd_##fn)
 *   name   text-format name
 *   imm    SIMD_IMM_##imm: NONE; MEMARG (align u32, offset u32); LANE (one
 *          lane-index byte); MEMARG_LANE (memarg, then a lane byte); V128
 *          (16 bytes, the value in memory order); SHUFFLE (16 lane-index
 *          bytes)
 *   lanes  for LANE, MEMARG_LANE and SHUFFLE: lane indices must be
 *          < lanes (validation: "invalid lane index"); else 0
 *   align  for memargs: the largest valid alignment exponent, log2 of the
 *          access size in bytes (validation: "alignment must not be larger
 *          than natural"); else 0
 *   sig    SIMD_SIG_##sig: operand types -> result type (below)
 */
#ifndef HIVE_WASM_SIMD_OPS_H
#define HIVE_WASM_SIMD_OPS_H

#include <stddef.h>
#include <stdint.h>

typedef enum simd_imm_kind {
    SIMD_IMM_NONE,
    SIMD_IMM_MEMARG,
    SIMD_IMM_LANE,
    SIMD_IMM_MEMARG_LANE,
    SIMD_IMM_V128,
    SIMD_IMM_SHUFFLE
} simd_imm_kind;

/* Value types in the binary encoding (module.h's WASM_I32 ...). */
#define SIMD_T_I32 0x7f
#define SIMD_T_I64 0x7e
#define SIMD_T_F32 0x7d
#define SIMD_T_F64 0x7c
#define SIMD_T_V128 0x7b

/* Signatures as "nparams, {params}, result" (result 0: none). */
#define SIMD_SIG_LOAD 1, {SIMD_T_I32, 0, 0}, SIMD_T_V128                      /* [i32] -> [v128] */
#define SIMD_SIG_STORE 2, {SIMD_T_I32, SIMD_T_V128, 0}, 0                     /* [i32 v128] -> [] */
#define SIMD_SIG_LOADLANE 2, {SIMD_T_I32, SIMD_T_V128, 0}, SIMD_T_V128        /* [i32 v128] -> [v128] */
#define SIMD_SIG_CONST 0, {0, 0, 0}, SIMD_T_V128                              /* [] -> [v128] */
#define SIMD_SIG_V_V 1, {SIMD_T_V128, 0, 0}, SIMD_T_V128                      /* [v128] -> [v128] */
#define SIMD_SIG_VV_V 2, {SIMD_T_V128, SIMD_T_V128, 0}, SIMD_T_V128           /* [v128 v128] -> [v128] */
#define SIMD_SIG_VVV_V 3, {SIMD_T_V128, SIMD_T_V128, SIMD_T_V128}, SIMD_T_V128 /* [v128 v128 v128] -> [v128] */
#define SIMD_SIG_V_I32 1, {SIMD_T_V128, 0, 0}, SIMD_T_I32                     /* [v128] -> [i32] */
#define SIMD_SIG_V_I64 1, {SIMD_T_V128, 0, 0}, SIMD_T_I64
#define SIMD_SIG_V_F32 1, {SIMD_T_V128, 0, 0}, SIMD_T_F32
#define SIMD_SIG_V_F64 1, {SIMD_T_V128, 0, 0}, SIMD_T_F64
#define SIMD_SIG_VI32_V 2, {SIMD_T_V128, SIMD_T_I32, 0}, SIMD_T_V128          /* shifts, replace_lane */
#define SIMD_SIG_VI64_V 2, {SIMD_T_V128, SIMD_T_I64, 0}, SIMD_T_V128
#define SIMD_SIG_VF32_V 2, {SIMD_T_V128, SIMD_T_F32, 0}, SIMD_T_V128
#define SIMD_SIG_VF64_V 2, {SIMD_T_V128, SIMD_T_F64, 0}, SIMD_T_V128
#define SIMD_SIG_I32_V 1, {SIMD_T_I32, 0, 0}, SIMD_T_V128                     /* splat */
#define SIMD_SIG_I64_V 1, {SIMD_T_I64, 0, 0}, SIMD_T_V128
#define SIMD_SIG_F32_V 1, {SIMD_T_F32, 0, 0}, SIMD_T_V128
#define SIMD_SIG_F64_V 1, {SIMD_T_F64, 0, 0}, SIMD_T_V128

/* clang-format off */
#define SIMD_OPS(X) \
    X(0x00, v128_load, "v128.load", MEMARG, 0, 4, LOAD) \
    X(0x01, v128_load8x8_s, "v128.load8x8_s", MEMARG, 0, 3, LOAD) \
    X(0x02, v128_load8x8_u, "v128.load8x8_u", MEMARG, 0, 3, LOAD) \
    X(0x03, v128_load16x4_s, "v128.load16x4_s", MEMARG, 0, 3, LOAD) \
    X(0x04, v128_load16x4_u, "v128.load16x4_u", MEMARG, 0, 3, LOAD) \
    X(0x05, v128_load32x2_s, "v128.load32x2_s", MEMARG, 0, 3, LOAD) \
    X(0x06, v128_load32x2_u, "v128.load32x2_u", MEMARG, 0, 3, LOAD) \
    X(0x07, v128_load8_splat, "v128.load8_splat", MEMARG, 0, 0, LOAD) \
    X(0x08, v128_load16_splat, "v128.load16_splat", MEMARG, 0, 1, LOAD) \
    X(0x09, v128_load32_splat, "v128.load32_splat", MEMARG, 0, 2, LOAD) \
    X(0x0a, v128_load64_splat, "v128.load64_splat", MEMARG, 0, 3, LOAD) \
    X(0x0b, v128_store, "v128.store", MEMARG, 0, 4, STORE) \
    X(0x0c, v128_const, "v128.const", V128, 0, 0, CONST) \
    X(0x0d, i8x16_shuffle, "i8x16.shuffle", SHUFFLE, 32, 0, VV_V) \
    X(0x0e, i8x16_swizzle, "i8x16.swizzle", NONE, 0, 0, VV_V) \
    X(0x0f, i8x16_splat, "i8x16.splat", NONE, 0, 0, I32_V) \
    X(0x10, i16x8_splat, "i16x8.splat", NONE, 0, 0, I32_V) \
    X(0x11, i32x4_splat, "i32x4.splat", NONE, 0, 0, I32_V) \
    X(0x12, i64x2_splat, "i64x2.splat", NONE, 0, 0, I64_V) \
    X(0x13, f32x4_splat, "f32x4.splat", NONE, 0, 0, F32_V) \
    X(0x14, f64x2_splat, "f64x2.splat", NONE, 0, 0, F64_V) \
    X(0x15, i8x16_extract_lane_s, "i8x16.extract_lane_s", LANE, 16, 0, V_I32) \
    X(0x16, i8x16_extract_lane_u, "i8x16.extract_lane_u", LANE, 16, 0, V_I32) \
    X(0x17, i8x16_replace_lane, "i8x16.replace_lane", LANE, 16, 0, VI32_V) \
    X(0x18, i16x8_extract_lane_s, "i16x8.extract_lane_s", LANE, 8, 0, V_I32) \
    X(0x19, i16x8_extract_lane_u, "i16x8.extract_lane_u", LANE, 8, 0, V_I32) \
    X(0x1a, i16x8_replace_lane, "i16x8.replace_lane", LANE, 8, 0, VI32_V) \
    X(0x1b, i32x4_extract_lane, "i32x4.extract_lane", LANE, 4, 0, V_I32) \
    X(0x1c, i32x4_replace_lane, "i32x4.replace_lane", LANE, 4, 0, VI32_V) \
    X(0x1d, i64x2_extract_lane, "i64x2.extract_lane", LANE, 2, 0, V_I64) \
    X(0x1e, i64x2_replace_lane, "i64x2.replace_lane", LANE, 2, 0, VI64_V) \
    X(0x1f, f32x4_extract_lane, "f32x4.extract_lane", LANE, 4, 0, V_F32) \
    X(0x20, f32x4_replace_lane, "f32x4.replace_lane", LANE, 4, 0, VF32_V) \
    X(0x21, f64x2_extract_lane, "f64x2.extract_lane", LANE, 2, 0, V_F64) \
    X(0x22, f64x2_replace_lane, "f64x2.replace_lane", LANE, 2, 0, VF64_V) \
    X(0x23, i8x16_eq, "i8x16.eq", NONE, 0, 0, VV_V) \
    X(0x24, i8x16_ne, "i8x16.ne", NONE, 0, 0, VV_V) \
    X(0x25, i8x16_lt_s, "i8x16.lt_s", NONE, 0, 0, VV_V) \
    X(0x26, i8x16_lt_u, "i8x16.lt_u", NONE, 0, 0, VV_V) \
    X(0x27, i8x16_gt_s, "i8x16.gt_s", NONE, 0, 0, VV_V) \
    X(0x28, i8x16_gt_u, "i8x16.gt_u", NONE, 0, 0, VV_V) \
    X(0x29, i8x16_le_s, "i8x16.le_s", NONE, 0, 0, VV_V) \
    X(0x2a, i8x16_le_u, "i8x16.le_u", NONE, 0, 0, VV_V) \
    X(0x2b, i8x16_ge_s, "i8x16.ge_s", NONE, 0, 0, VV_V) \
    X(0x2c, i8x16_ge_u, "i8x16.ge_u", NONE, 0, 0, VV_V) \
    X(0x2d, i16x8_eq, "i16x8.eq", NONE, 0, 0, VV_V) \
    X(0x2e, i16x8_ne, "i16x8.ne", NONE, 0, 0, VV_V) \
    X(0x2f, i16x8_lt_s, "i16x8.lt_s", NONE, 0, 0, VV_V) \
    X(0x30, i16x8_lt_u, "i16x8.lt_u", NONE, 0, 0, VV_V) \
    X(0x31, i16x8_gt_s, "i16x8.gt_s", NONE, 0, 0, VV_V) \
    X(0x32, i16x8_gt_u, "i16x8.gt_u", NONE, 0, 0, VV_V) \
    X(0x33, i16x8_le_s, "i16x8.le_s", NONE, 0, 0, VV_V) \
    X(0x34, i16x8_le_u, "i16x8.le_u", NONE, 0, 0, VV_V) \
    X(0x35, i16x8_ge_s, "i16x8.ge_s", NONE, 0, 0, VV_V) \
    X(0x36, i16x8_ge_u, "i16x8.ge_u", NONE, 0, 0, VV_V) \
    X(0x37, i32x4_eq, "i32x4.eq", NONE, 0, 0, VV_V) \
    X(0x38, i32x4_ne, "i32x4.ne", NONE, 0, 0, VV_V) \
    X(0x39, i32x4_lt_s, "i32x4.lt_s", NONE, 0, 0, VV_V) \
    X(0x3a, i32x4_lt_u, "i32x4.lt_u", NONE, 0, 0, VV_V) \
    X(0x3b, i32x4_gt_s, "i32x4.gt_s", NONE, 0, 0, VV_V) \
    X(0x3c, i32x4_gt_u, "i32x4.gt_u", NONE, 0, 0, VV_V) \
    X(0x3d, i32x4_le_s, "i32x4.le_s", NONE, 0, 0, VV_V) \
    X(0x3e, i32x4_le_u, "i32x4.le_u", NONE, 0, 0, VV_V) \
    X(0x3f, i32x4_ge_s, "i32x4.ge_s", NONE, 0, 0, VV_V) \
    X(0x40, i32x4_ge_u, "i32x4.ge_u", NONE, 0, 0, VV_V) \
    X(0x41, f32x4_eq, "f32x4.eq", NONE, 0, 0, VV_V) \
    X(0x42, f32x4_ne, "f32x4.ne", NONE, 0, 0, VV_V) \
    X(0x43, f32x4_lt, "f32x4.lt", NONE, 0, 0, VV_V) \
    X(0x44, f32x4_gt, "f32x4.gt", NONE, 0, 0, VV_V) \
    X(0x45, f32x4_le, "f32x4.le", NONE, 0, 0, VV_V) \
    X(0x46, f32x4_ge, "f32x4.ge", NONE, 0, 0, VV_V) \
    X(0x47, f64x2_eq, "f64x2.eq", NONE, 0, 0, VV_V) \
    X(0x48, f64x2_ne, "f64x2.ne", NONE, 0, 0, VV_V) \
    X(0x49, f64x2_lt, "f64x2.lt", NONE, 0, 0, VV_V) \
    X(0x4a, f64x2_gt, "f64x2.gt", NONE, 0, 0, VV_V) \
    X(0x4b, f64x2_le, "f64x2.le", NONE, 0, 0, VV_V) \
    X(0x4c, f64x2_ge, "f64x2.ge", NONE, 0, 0, VV_V) \
    X(0x4d, v128_not, "v128.not", NONE, 0, 0, V_V) \
    X(0x4e, v128_and, "v128.and", NONE, 0, 0, VV_V) \
    X(0x4f, v128_andnot, "v128.andnot", NONE, 0, 0, VV_V) \
    X(0x50, v128_or, "v128.or", NONE, 0, 0, VV_V) \
    X(0x51, v128_xor, "v128.xor", NONE, 0, 0, VV_V) \
    X(0x52, v128_bitselect, "v128.bitselect", NONE, 0, 0, VVV_V) \
    X(0x53, v128_any_true, "v128.any_true", NONE, 0, 0, V_I32) \
    X(0x54, v128_load8_lane, "v128.load8_lane", MEMARG_LANE, 16, 0, LOADLANE) \
    X(0x55, v128_load16_lane, "v128.load16_lane", MEMARG_LANE, 8, 1, LOADLANE) \
    X(0x56, v128_load32_lane, "v128.load32_lane", MEMARG_LANE, 4, 2, LOADLANE) \
    X(0x57, v128_load64_lane, "v128.load64_lane", MEMARG_LANE, 2, 3, LOADLANE) \
    X(0x58, v128_store8_lane, "v128.store8_lane", MEMARG_LANE, 16, 0, STORE) \
    X(0x59, v128_store16_lane, "v128.store16_lane", MEMARG_LANE, 8, 1, STORE) \
    X(0x5a, v128_store32_lane, "v128.store32_lane", MEMARG_LANE, 4, 2, STORE) \
    X(0x5b, v128_store64_lane, "v128.store64_lane", MEMARG_LANE, 2, 3, STORE) \
    X(0x5c, v128_load32_zero, "v128.load32_zero", MEMARG, 0, 2, LOAD) \
    X(0x5d, v128_load64_zero, "v128.load64_zero", MEMARG, 0, 3, LOAD) \
    X(0x5e, f32x4_demote_f64x2_zero, "f32x4.demote_f64x2_zero", NONE, 0, 0, V_V) \
    X(0x5f, f64x2_promote_low_f32x4, "f64x2.promote_low_f32x4", NONE, 0, 0, V_V) \
    X(0x60, i8x16_abs, "i8x16.abs", NONE, 0, 0, V_V) \
    X(0x61, i8x16_neg, "i8x16.neg", NONE, 0, 0, V_V) \
    X(0x62, i8x16_popcnt, "i8x16.popcnt", NONE, 0, 0, V_V) \
    X(0x63, i8x16_all_true, "i8x16.all_true", NONE, 0, 0, V_I32) \
    X(0x64, i8x16_bitmask, "i8x16.bitmask", NONE, 0, 0, V_I32) \
    X(0x65, i8x16_narrow_i16x8_s, "i8x16.narrow_i16x8_s", NONE, 0, 0, VV_V) \
    X(0x66, i8x16_narrow_i16x8_u, "i8x16.narrow_i16x8_u", NONE, 0, 0, VV_V) \
    X(0x67, f32x4_ceil, "f32x4.ceil", NONE, 0, 0, V_V) \
    X(0x68, f32x4_floor, "f32x4.floor", NONE, 0, 0, V_V) \
    X(0x69, f32x4_trunc, "f32x4.trunc", NONE, 0, 0, V_V) \
    X(0x6a, f32x4_nearest, "f32x4.nearest", NONE, 0, 0, V_V) \
    X(0x6b, i8x16_shl, "i8x16.shl", NONE, 0, 0, VI32_V) \
    X(0x6c, i8x16_shr_s, "i8x16.shr_s", NONE, 0, 0, VI32_V) \
    X(0x6d, i8x16_shr_u, "i8x16.shr_u", NONE, 0, 0, VI32_V) \
    X(0x6e, i8x16_add, "i8x16.add", NONE, 0, 0, VV_V) \
    X(0x6f, i8x16_add_sat_s, "i8x16.add_sat_s", NONE, 0, 0, VV_V) \
    X(0x70, i8x16_add_sat_u, "i8x16.add_sat_u", NONE, 0, 0, VV_V) \
    X(0x71, i8x16_sub, "i8x16.sub", NONE, 0, 0, VV_V) \
    X(0x72, i8x16_sub_sat_s, "i8x16.sub_sat_s", NONE, 0, 0, VV_V) \
    X(0x73, i8x16_sub_sat_u, "i8x16.sub_sat_u", NONE, 0, 0, VV_V) \
    X(0x74, f64x2_ceil, "f64x2.ceil", NONE, 0, 0, V_V) \
    X(0x75, f64x2_floor, "f64x2.floor", NONE, 0, 0, V_V) \
    X(0x76, i8x16_min_s, "i8x16.min_s", NONE, 0, 0, VV_V) \
    X(0x77, i8x16_min_u, "i8x16.min_u", NONE, 0, 0, VV_V) \
    X(0x78, i8x16_max_s, "i8x16.max_s", NONE, 0, 0, VV_V) \
    X(0x79, i8x16_max_u, "i8x16.max_u", NONE, 0, 0, VV_V) \
    X(0x7a, f64x2_trunc, "f64x2.trunc", NONE, 0, 0, V_V) \
    X(0x7b, i8x16_avgr_u, "i8x16.avgr_u", NONE, 0, 0, VV_V) \
    X(0x7c, i16x8_extadd_pairwise_i8x16_s, "i16x8.extadd_pairwise_i8x16_s", NONE, 0, 0, V_V) \
    X(0x7d, i16x8_extadd_pairwise_i8x16_u, "i16x8.extadd_pairwise_i8x16_u", NONE, 0, 0, V_V) \
    X(0x7e, i32x4_extadd_pairwise_i16x8_s, "i32x4.extadd_pairwise_i16x8_s", NONE, 0, 0, V_V) \
    X(0x7f, i32x4_extadd_pairwise_i16x8_u, "i32x4.extadd_pairwise_i16x8_u", NONE, 0, 0, V_V) \
    X(0x80, i16x8_abs, "i16x8.abs", NONE, 0, 0, V_V) \
    X(0x81, i16x8_neg, "i16x8.neg", NONE, 0, 0, V_V) \
    X(0x82, i16x8_q15mulr_sat_s, "i16x8.q15mulr_sat_s", NONE, 0, 0, VV_V) \
    X(0x83, i16x8_all_true, "i16x8.all_true", NONE, 0, 0, V_I32) \
    X(0x84, i16x8_bitmask, "i16x8.bitmask", NONE, 0, 0, V_I32) \
    X(0x85, i16x8_narrow_i32x4_s, "i16x8.narrow_i32x4_s", NONE, 0, 0, VV_V) \
    X(0x86, i16x8_narrow_i32x4_u, "i16x8.narrow_i32x4_u", NONE, 0, 0, VV_V) \
    X(0x87, i16x8_extend_low_i8x16_s, "i16x8.extend_low_i8x16_s", NONE, 0, 0, V_V) \
    X(0x88, i16x8_extend_high_i8x16_s, "i16x8.extend_high_i8x16_s", NONE, 0, 0, V_V) \
    X(0x89, i16x8_extend_low_i8x16_u, "i16x8.extend_low_i8x16_u", NONE, 0, 0, V_V) \
    X(0x8a, i16x8_extend_high_i8x16_u, "i16x8.extend_high_i8x16_u", NONE, 0, 0, V_V) \
    X(0x8b, i16x8_shl, "i16x8.shl", NONE, 0, 0, VI32_V) \
    X(0x8c, i16x8_shr_s, "i16x8.shr_s", NONE, 0, 0, VI32_V) \
    X(0x8d, i16x8_shr_u, "i16x8.shr_u", NONE, 0, 0, VI32_V) \
    X(0x8e, i16x8_add, "i16x8.add", NONE, 0, 0, VV_V) \
    X(0x8f, i16x8_add_sat_s, "i16x8.add_sat_s", NONE, 0, 0, VV_V) \
    X(0x90, i16x8_add_sat_u, "i16x8.add_sat_u", NONE, 0, 0, VV_V) \
    X(0x91, i16x8_sub, "i16x8.sub", NONE, 0, 0, VV_V) \
    X(0x92, i16x8_sub_sat_s, "i16x8.sub_sat_s", NONE, 0, 0, VV_V) \
    X(0x93, i16x8_sub_sat_u, "i16x8.sub_sat_u", NONE, 0, 0, VV_V) \
    X(0x94, f64x2_nearest, "f64x2.nearest", NONE, 0, 0, V_V) \
    X(0x95, i16x8_mul, "i16x8.mul", NONE, 0, 0, VV_V) \
    X(0x96, i16x8_min_s, "i16x8.min_s", NONE, 0, 0, VV_V) \
    X(0x97, i16x8_min_u, "i16x8.min_u", NONE, 0, 0, VV_V) \
    X(0x98, i16x8_max_s, "i16x8.max_s", NONE, 0, 0, VV_V) \
    X(0x99, i16x8_max_u, "i16x8.max_u", NONE, 0, 0, VV_V) \
    X(0x9b, i16x8_avgr_u, "i16x8.avgr_u", NONE, 0, 0, VV_V) \
    X(0x9c, i16x8_extmul_low_i8x16_s, "i16x8.extmul_low_i8x16_s", NONE, 0, 0, VV_V) \
    X(0x9d, i16x8_extmul_high_i8x16_s, "i16x8.extmul_high_i8x16_s", NONE, 0, 0, VV_V) \
    X(0x9e, i16x8_extmul_low_i8x16_u, "i16x8.extmul_low_i8x16_u", NONE, 0, 0, VV_V) \
    X(0x9f, i16x8_extmul_high_i8x16_u, "i16x8.extmul_high_i8x16_u", NONE, 0, 0, VV_V) \
    X(0xa0, i32x4_abs, "i32x4.abs", NONE, 0, 0, V_V) \
    X(0xa1, i32x4_neg, "i32x4.neg", NONE, 0, 0, V_V) \
    X(0xa3, i32x4_all_true, "i32x4.all_true", NONE, 0, 0, V_I32) \
    X(0xa4, i32x4_bitmask, "i32x4.bitmask", NONE, 0, 0, V_I32) \
    X(0xa7, i32x4_extend_low_i16x8_s, "i32x4.extend_low_i16x8_s", NONE, 0, 0, V_V) \
    X(0xa8, i32x4_extend_high_i16x8_s, "i32x4.extend_high_i16x8_s", NONE, 0, 0, V_V) \
    X(0xa9, i32x4_extend_low_i16x8_u, "i32x4.extend_low_i16x8_u", NONE, 0, 0, V_V) \
    X(0xaa, i32x4_extend_high_i16x8_u, "i32x4.extend_high_i16x8_u", NONE, 0, 0, V_V) \
    X(0xab, i32x4_shl, "i32x4.shl", NONE, 0, 0, VI32_V) \
    X(0xac, i32x4_shr_s, "i32x4.shr_s", NONE, 0, 0, VI32_V) \
    X(0xad, i32x4_shr_u, "i32x4.shr_u", NONE, 0, 0, VI32_V) \
    X(0xae, i32x4_add, "i32x4.add", NONE, 0, 0, VV_V) \
    X(0xb1, i32x4_sub, "i32x4.sub", NONE, 0, 0, VV_V) \
    X(0xb5, i32x4_mul, "i32x4.mul", NONE, 0, 0, VV_V) \
    X(0xb6, i32x4_min_s, "i32x4.min_s", NONE, 0, 0, VV_V) \
    X(0xb7, i32x4_min_u, "i32x4.min_u", NONE, 0, 0, VV_V) \
    X(0xb8, i32x4_max_s, "i32x4.max_s", NONE, 0, 0, VV_V) \
    X(0xb9, i32x4_max_u, "i32x4.max_u", NONE, 0, 0, VV_V) \
    X(0xba, i32x4_dot_i16x8_s, "i32x4.dot_i16x8_s", NONE, 0, 0, VV_V) \
    X(0xbc, i32x4_extmul_low_i16x8_s, "i32x4.extmul_low_i16x8_s", NONE, 0, 0, VV_V) \
    X(0xbd, i32x4_extmul_high_i16x8_s, "i32x4.extmul_high_i16x8_s", NONE, 0, 0, VV_V) \
    X(0xbe, i32x4_extmul_low_i16x8_u, "i32x4.extmul_low_i16x8_u", NONE, 0, 0, VV_V) \
    X(0xbf, i32x4_extmul_high_i16x8_u, "i32x4.extmul_high_i16x8_u", NONE, 0, 0, VV_V) \
    X(0xc0, i64x2_abs, "i64x2.abs", NONE, 0, 0, V_V) \
    X(0xc1, i64x2_neg, "i64x2.neg", NONE, 0, 0, V_V) \
    X(0xc3, i64x2_all_true, "i64x2.all_true", NONE, 0, 0, V_I32) \
    X(0xc4, i64x2_bitmask, "i64x2.bitmask", NONE, 0, 0, V_I32) \
    X(0xc7, i64x2_extend_low_i32x4_s, "i64x2.extend_low_i32x4_s", NONE, 0, 0, V_V) \
    X(0xc8, i64x2_extend_high_i32x4_s, "i64x2.extend_high_i32x4_s", NONE, 0, 0, V_V) \
    X(0xc9, i64x2_extend_low_i32x4_u, "i64x2.extend_low_i32x4_u", NONE, 0, 0, V_V) \
    X(0xca, i64x2_extend_high_i32x4_u, "i64x2.extend_high_i32x4_u", NONE, 0, 0, V_V) \
    X(0xcb, i64x2_shl, "i64x2.shl", NONE, 0, 0, VI32_V) \
    X(0xcc, i64x2_shr_s, "i64x2.shr_s", NONE, 0, 0, VI32_V) \
    X(0xcd, i64x2_shr_u, "i64x2.shr_u", NONE, 0, 0, VI32_V) \
    X(0xce, i64x2_add, "i64x2.add", NONE, 0, 0, VV_V) \
    X(0xd1, i64x2_sub, "i64x2.sub", NONE, 0, 0, VV_V) \
    X(0xd5, i64x2_mul, "i64x2.mul", NONE, 0, 0, VV_V) \
    X(0xd6, i64x2_eq, "i64x2.eq", NONE, 0, 0, VV_V) \
    X(0xd7, i64x2_ne, "i64x2.ne", NONE, 0, 0, VV_V) \
    X(0xd8, i64x2_lt_s, "i64x2.lt_s", NONE, 0, 0, VV_V) \
    X(0xd9, i64x2_gt_s, "i64x2.gt_s", NONE, 0, 0, VV_V) \
    X(0xda, i64x2_le_s, "i64x2.le_s", NONE, 0, 0, VV_V) \
    X(0xdb, i64x2_ge_s, "i64x2.ge_s", NONE, 0, 0, VV_V) \
    X(0xdc, i64x2_extmul_low_i32x4_s, "i64x2.extmul_low_i32x4_s", NONE, 0, 0, VV_V) \
    X(0xdd, i64x2_extmul_high_i32x4_s, "i64x2.extmul_high_i32x4_s", NONE, 0, 0, VV_V) \
    X(0xde, i64x2_extmul_low_i32x4_u, "i64x2.extmul_low_i32x4_u", NONE, 0, 0, VV_V) \
    X(0xdf, i64x2_extmul_high_i32x4_u, "i64x2.extmul_high_i32x4_u", NONE, 0, 0, VV_V) \
    X(0xe0, f32x4_abs, "f32x4.abs", NONE, 0, 0, V_V) \
    X(0xe1, f32x4_neg, "f32x4.neg", NONE, 0, 0, V_V) \
    X(0xe3, f32x4_sqrt, "f32x4.sqrt", NONE, 0, 0, V_V) \
    X(0xe4, f32x4_add, "f32x4.add", NONE, 0, 0, VV_V) \
    X(0xe5, f32x4_sub, "f32x4.sub", NONE, 0, 0, VV_V) \
    X(0xe6, f32x4_mul, "f32x4.mul", NONE, 0, 0, VV_V) \
    X(0xe7, f32x4_div, "f32x4.div", NONE, 0, 0, VV_V) \
    X(0xe8, f32x4_min, "f32x4.min", NONE, 0, 0, VV_V) \
    X(0xe9, f32x4_max, "f32x4.max", NONE, 0, 0, VV_V) \
    X(0xea, f32x4_pmin, "f32x4.pmin", NONE, 0, 0, VV_V) \
    X(0xeb, f32x4_pmax, "f32x4.pmax", NONE, 0, 0, VV_V) \
    X(0xec, f64x2_abs, "f64x2.abs", NONE, 0, 0, V_V) \
    X(0xed, f64x2_neg, "f64x2.neg", NONE, 0, 0, V_V) \
    X(0xef, f64x2_sqrt, "f64x2.sqrt", NONE, 0, 0, V_V) \
    X(0xf0, f64x2_add, "f64x2.add", NONE, 0, 0, VV_V) \
    X(0xf1, f64x2_sub, "f64x2.sub", NONE, 0, 0, VV_V) \
    X(0xf2, f64x2_mul, "f64x2.mul", NONE, 0, 0, VV_V) \
    X(0xf3, f64x2_div, "f64x2.div", NONE, 0, 0, VV_V) \
    X(0xf4, f64x2_min, "f64x2.min", NONE, 0, 0, VV_V) \
    X(0xf5, f64x2_max, "f64x2.max", NONE, 0, 0, VV_V) \
    X(0xf6, f64x2_pmin, "f64x2.pmin", NONE, 0, 0, VV_V) \
    X(0xf7, f64x2_pmax, "f64x2.pmax", NONE, 0, 0, VV_V) \
    X(0xf8, i32x4_trunc_sat_f32x4_s, "i32x4.trunc_sat_f32x4_s", NONE, 0, 0, V_V) \
    X(0xf9, i32x4_trunc_sat_f32x4_u, "i32x4.trunc_sat_f32x4_u", NONE, 0, 0, V_V) \
    X(0xfa, f32x4_convert_i32x4_s, "f32x4.convert_i32x4_s", NONE, 0, 0, V_V) \
    X(0xfb, f32x4_convert_i32x4_u, "f32x4.convert_i32x4_u", NONE, 0, 0, V_V) \
    X(0xfc, i32x4_trunc_sat_f64x2_s_zero, "i32x4.trunc_sat_f64x2_s_zero", NONE, 0, 0, V_V) \
    X(0xfd, i32x4_trunc_sat_f64x2_u_zero, "i32x4.trunc_sat_f64x2_u_zero", NONE, 0, 0, V_V) \
    X(0xfe, f64x2_convert_low_i32x4_s, "f64x2.convert_low_i32x4_s", NONE, 0, 0, V_V) \
    X(0xff, f64x2_convert_low_i32x4_u, "f64x2.convert_low_i32x4_u", NONE, 0, 0, V_V)

/* clang-format on */

#define SIMD_OP_COUNT 236 /* instructions in SIMD_OPS */

typedef struct simd_op_info {
    char name[32]; /* empty: no such instruction (an array, not a pointer:
                    * a table of pointers is relocated at every start) */
    uint8_t opcode;
    uint8_t imm;     /* simd_imm_kind */
    uint8_t lanes;   /* lane-index bound, or 0 */
    uint8_t align;   /* largest alignment exponent for memargs, or 0 */
    uint8_t nparams;
    uint8_t params[3];
    uint8_t result; /* 0: none */
} simd_op_info;

/* The instruction with opcode `op` (after the prefix), or NULL when there
 * is none. The table lives in the function so that including this header
 * costs nothing where it is not used. */
static inline const simd_op_info *simd_op_lookup(uint32_t op) {
#define SIMD_OP_INFO_(code, fn, text, imm, lanes, align, sig) \
    [code] = {text, code, SIMD_IMM_##imm, lanes, align, SIMD_SIG_##sig},
    static const simd_op_info table[256] = {SIMD_OPS(SIMD_OP_INFO_)};
#undef SIMD_OP_INFO_
    if (op > 0xff || !table[op].name[0]) return NULL;
    return &table[op];
}

#endif
