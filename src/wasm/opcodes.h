/*
 * opcodes.h -- the engine's internal instruction set.
 *
 * validate.c compiles each wasm function into a sequence of 8-byte cells
 * (wasm_cell): an operation followed by its immediates, listed here. The
 * interpreter (interp.c) is a stack machine over 8-byte slots: sp points
 * one past the top; a v128 takes two slots. Locals live at fp[0..]
 * (params first), the operand stack above them. Branch targets are cell
 * pointers resolved at compile time; "hdr" packs a target's stack height
 * (low 32 bits, slots above fp) and arity (high 32 bits, slots carried).
 *
 * Encoding: the first cell of an instruction holds labels[op] (label
 * address from interp_labels()) when the interpreter threads code, else
 * the op number in .u64. Immediates are one cell each: indices, offsets and
 * counts in .u32 (upper half zero), constants in .u64, branch targets in
 * .target. BR_TABLE: cell 1 count, cell 2 arity, then count+1 pairs of
 * (.target, .u32 height). TABLE_INIT: tableidx then elemidx. TABLE_COPY:
 * dst then src.
 *
 * Calls: the caller leaves the arguments as the top param_slots slots; the
 * callee's fp is sp - param_slots, it zeroes its declared locals up to
 * local_slots and starts with sp = fp + local_slots. Each call spends a
 * budget unit and checks for interrupts first (it may suspend there, with
 * pc on the call, which is then executed again on resume). RETURN moves
 * the result slots to fp[0..] and the caller continues with sp just past
 * them. Falling off the end of a body is an explicit RETURN.
 *
 * This list is the instruction set's documentation: NAME, immediates,
 * effect. Operations without a comment do what the wasm instruction of the
 * same name does, with no immediates except loads and stores, which carry
 * the static offset (memarg.offset) in one cell.
 */
#ifndef HIVE_WASM_OPCODES_H
#define HIVE_WASM_OPCODES_H

/* X(NAME) for every operation, in order. */
#define WASM_OPS(X) \
    X(UNREACHABLE) /* trap: unreachable */ \
    X(BR) /* [target] jump */ \
    X(BR_UNWIND) /* [target, hdr] move the top hdr.arity slots to fp+hdr.height, sp after them, jump */ \
    X(BR_IF) /* [target] pop i32; jump when non-zero */ \
    X(BR_IF_UNWIND) /* [target, hdr] pop i32; when non-zero, BR_UNWIND */ \
    X(BR_UNLESS) /* [target] pop i32; jump when zero (if without a taken branch) */ \
    X(BR_TABLE) /* [count, arity, (target, height) x (count+1)] pop i32 i; entry min(i, count) (the last is the default); unwind arity slots to fp+height; jump */ \
    X(LOOP_CHECK) /* loop header: spend one budget unit; suspend when none is left or an interrupt is pending */ \
    X(RETURN) /* copy the top result slots to fp[0..], pop the frame */ \
    X(CALL) /* [funcidx] call instance->funcs[funcidx], a wasm function of this same instance */ \
    X(CALL_IMPORT) /* [funcidx] call instance->funcs[funcidx] (host or another instance's) */ \
    X(CALL_INDIRECT) /* [typeidx, tableidx] pop i32 i; call table[i] after the type check */ \
    X(DROP) /* pop one slot */ \
    X(DROP_N) /* [n] pop n slots */ \
    X(SELECT) /* pop i32 c, b, a (one slot each); push c ? a : b */ \
    X(SELECT_V128) /* as SELECT on two-slot values */ \
    X(LOCAL_GET) /* [offset] push fp[offset] */ \
    X(LOCAL_SET) /* [offset] pop into fp[offset] */ \
    X(LOCAL_TEE) /* [offset] fp[offset] = top */ \
    X(LOCAL_GET_V128) /* [offset] two slots */ \
    X(LOCAL_SET_V128) /* [offset] two slots */ \
    X(LOCAL_TEE_V128) /* [offset] two slots */ \
    X(GLOBAL_GET) /* [globalidx] push instance global */ \
    X(GLOBAL_SET) /* [globalidx] pop into instance global */ \
    X(GLOBAL_GET_V128) /* [globalidx] two slots */ \
    X(GLOBAL_SET_V128) /* [globalidx] two slots */ \
    X(CONST) /* [bits] push one 64-bit slot (i32/f32 zero-extended) */ \
    X(CONST_V128) /* [lo, hi] push two slots */ \
    X(TABLE_GET) /* [tableidx] pop i32 i; push ref */ \
    X(TABLE_SET) /* [tableidx] pop ref, i32 i */ \
    X(TABLE_SIZE) /* [tableidx] push i32 */ \
    X(TABLE_GROW) /* [tableidx] pop i32 n, ref init; push old size or -1 */ \
    X(TABLE_FILL) /* [tableidx] pop i32 n, ref v, i32 i */ \
    X(TABLE_COPY) /* [dst, src] pop i32 n, s, d */ \
    X(TABLE_INIT) /* [tableidx, elemidx] pop i32 n, s, d */ \
    X(ELEM_DROP) /* [elemidx]  */ \
    X(MEMORY_SIZE) /* push pages */ \
    X(MEMORY_GROW) /* pop delta; push old pages or -1 */ \
    X(MEMORY_INIT) /* [dataidx] pop i32 n, s, d */ \
    X(DATA_DROP) /* [dataidx]  */ \
    X(MEMORY_COPY) /* pop i32 n, s, d */ \
    X(MEMORY_FILL) /* pop i32 n, val, d */ \
    X(REF_IS_NULL) /* pop ref; push i32 */ \
    X(REF_FUNC) /* [funcidx] push instance->funcs[funcidx] */ \
    /* loads and stores: [offset]; pop i32 address (and value for stores) */ \
    X(I32_LOAD) \
    X(I64_LOAD) \
    X(F32_LOAD) \
    X(F64_LOAD) \
    X(I32_LOAD8_S) \
    X(I32_LOAD8_U) \
    X(I32_LOAD16_S) \
    X(I32_LOAD16_U) \
    X(I64_LOAD8_S) \
    X(I64_LOAD8_U) \
    X(I64_LOAD16_S) \
    X(I64_LOAD16_U) \
    X(I64_LOAD32_S) \
    X(I64_LOAD32_U) \
    X(I32_STORE) \
    X(I64_STORE) \
    X(F32_STORE) \
    X(F64_STORE) \
    X(I32_STORE8) \
    X(I32_STORE16) \
    X(I64_STORE8) \
    X(I64_STORE16) \
    X(I64_STORE32) \
    /* numeric, in the binary format's order (0x45..0xc4, then 0xfc 0..7) */ \
    X(I32_EQZ) \
    X(I32_EQ) \
    X(I32_NE) \
    X(I32_LT_S) \
    X(I32_LT_U) \
    X(I32_GT_S) \
    X(I32_GT_U) \
    X(I32_LE_S) \
    X(I32_LE_U) \
    X(I32_GE_S) \
    X(I32_GE_U) \
    X(I64_EQZ) \
    X(I64_EQ) \
    X(I64_NE) \
    X(I64_LT_S) \
    X(I64_LT_U) \
    X(I64_GT_S) \
    X(I64_GT_U) \
    X(I64_LE_S) \
    X(I64_LE_U) \
    X(I64_GE_S) \
    X(I64_GE_U) \
    X(F32_EQ) \
    X(F32_NE) \
    X(F32_LT) \
    X(F32_GT) \
    X(F32_LE) \
    X(F32_GE) \
    X(F64_EQ) \
    X(F64_NE) \
    X(F64_LT) \
    X(F64_GT) \
    X(F64_LE) \
    X(F64_GE) \
    X(I32_CLZ) \
    X(I32_CTZ) \
    X(I32_POPCNT) \
    X(I32_ADD) \
    X(I32_SUB) \
    X(I32_MUL) \
    X(I32_DIV_S) \
    X(I32_DIV_U) \
    X(I32_REM_S) \
    X(I32_REM_U) \
    X(I32_AND) \
    X(I32_OR) \
    X(I32_XOR) \
    X(I32_SHL) \
    X(I32_SHR_S) \
    X(I32_SHR_U) \
    X(I32_ROTL) \
    X(I32_ROTR) \
    X(I64_CLZ) \
    X(I64_CTZ) \
    X(I64_POPCNT) \
    X(I64_ADD) \
    X(I64_SUB) \
    X(I64_MUL) \
    X(I64_DIV_S) \
    X(I64_DIV_U) \
    X(I64_REM_S) \
    X(I64_REM_U) \
    X(I64_AND) \
    X(I64_OR) \
    X(I64_XOR) \
    X(I64_SHL) \
    X(I64_SHR_S) \
    X(I64_SHR_U) \
    X(I64_ROTL) \
    X(I64_ROTR) \
    X(F32_ABS) \
    X(F32_NEG) \
    X(F32_CEIL) \
    X(F32_FLOOR) \
    X(F32_TRUNC) \
    X(F32_NEAREST) \
    X(F32_SQRT) \
    X(F32_ADD) \
    X(F32_SUB) \
    X(F32_MUL) \
    X(F32_DIV) \
    X(F32_MIN) \
    X(F32_MAX) \
    X(F32_COPYSIGN) \
    X(F64_ABS) \
    X(F64_NEG) \
    X(F64_CEIL) \
    X(F64_FLOOR) \
    X(F64_TRUNC) \
    X(F64_NEAREST) \
    X(F64_SQRT) \
    X(F64_ADD) \
    X(F64_SUB) \
    X(F64_MUL) \
    X(F64_DIV) \
    X(F64_MIN) \
    X(F64_MAX) \
    X(F64_COPYSIGN) \
    X(I32_WRAP_I64) \
    X(I32_TRUNC_F32_S) \
    X(I32_TRUNC_F32_U) \
    X(I32_TRUNC_F64_S) \
    X(I32_TRUNC_F64_U) \
    X(I64_EXTEND_I32_S) \
    X(I64_EXTEND_I32_U) \
    X(I64_TRUNC_F32_S) \
    X(I64_TRUNC_F32_U) \
    X(I64_TRUNC_F64_S) \
    X(I64_TRUNC_F64_U) \
    X(F32_CONVERT_I32_S) \
    X(F32_CONVERT_I32_U) \
    X(F32_CONVERT_I64_S) \
    X(F32_CONVERT_I64_U) \
    X(F32_DEMOTE_F64) \
    X(F64_CONVERT_I32_S) \
    X(F64_CONVERT_I32_U) \
    X(F64_CONVERT_I64_S) \
    X(F64_CONVERT_I64_U) \
    X(F64_PROMOTE_F32) \
    X(I32_REINTERPRET_F32) \
    X(I64_REINTERPRET_F64) \
    X(F32_REINTERPRET_I32) \
    X(F64_REINTERPRET_I64) \
    X(I32_EXTEND8_S) \
    X(I32_EXTEND16_S) \
    X(I64_EXTEND8_S) \
    X(I64_EXTEND16_S) \
    X(I64_EXTEND32_S) \
    X(I32_TRUNC_SAT_F32_S) \
    X(I32_TRUNC_SAT_F32_U) \
    X(I32_TRUNC_SAT_F64_S) \
    X(I32_TRUNC_SAT_F64_U) \
    X(I64_TRUNC_SAT_F32_S) \
    X(I64_TRUNC_SAT_F32_U) \
    X(I64_TRUNC_SAT_F64_S) \
    X(I64_TRUNC_SAT_F64_U)

typedef enum wasm_op {
#define WASM_OP_ENUM(name) OP_##name,
    WASM_OPS(WASM_OP_ENUM)
#undef WASM_OP_ENUM
    OP_COUNT_
} wasm_op;

#endif
