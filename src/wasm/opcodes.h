/*
 * opcodes.h -- the engine's internal instruction set.
 *
 * compile.c compiles each wasm function (validate.c checking it, emit.c
 * writing the code) into a sequence of 8-byte cells
 * (wasm_cell): an operation followed by its immediates, listed here.
 *
 * Register-style operands. The interpreter (interp.c) keeps no stack
 * pointer: every value lives in an 8-byte slot of the frame (a v128 takes
 * two), locals at fp[0..] (params first) and the operand stack above them,
 * and every instruction names the slots it reads and writes as offsets
 * from fp. The validator knows each operand's slot statically (its
 * "canonical" slot: the operand-stack position it would have in a stack
 * machine), so e.g. i32.add compiles to I32_ADD [d, a, b]: fp[d] = fp[a] +
 * fp[b]. The compiler folds operands instead of copying them:
 *   - local.get emits nothing; the consumer reads the local's slot (the
 *     value is copied to its canonical slot only when something would
 *     observe the difference: a write to that local, a branch, a call, a
 *     block boundary);
 *   - local.set / local.tee right after an instruction that wrote the
 *     value rewrite that instruction's destination to the local's slot;
 *   - drop emits nothing;
 *   - an i32 comparison followed by br_if or if becomes one conditional
 *     branch (BR_IF_I32_xx), and an operand that is a constant makes the
 *     _I form of common operations (the constant as an immediate).
 * Results are always written after all operands are read, so a
 * destination may equal a source.
 *
 * Notation: [d] destination slot, [a] [b] [c] source slots, [top] the slot
 * just above the last operand of a "window" operation (rare operations
 * whose operands the compiler first places in their canonical slots, in
 * order, ending at top; their results start at top minus the operand
 * count). Branch targets are cell pointers resolved at compile time; "hdr"
 * packs a target's stack height (low 32 bits, slots above fp) and arity
 * (high 32 bits, slots carried); a branch that carries values copies
 * arity slots from [src] to fp+height.
 *
 * Encoding: the first cell of an instruction holds labels[op] (label
 * address from hv_interp_labels()) when the interpreter threads code, else
 * the op number in .u64. Immediates are one cell each: slots, indices,
 * offsets and counts in .u32 (upper half zero), constants in .u64, branch
 * targets in .target.
 *
 * Calls: the compiler places the arguments in consecutive canonical slots
 * starting at [base]; the callee's fp is fp + base, it zeroes the declared
 * locals that may be read before they are written (wasm_code.zero_start ..
 * zero_end, emit.c). Each call spends a budget unit (and every slice
 * of units, the interrupt flag is read) first: it may suspend there, with
 * pc on the call, which is then executed again on resume. RETURN copies the results to fp[0..],
 * so the caller finds them at its [base]. Falling off the end of a body is
 * an explicit RETURN.
 *
 * This list is the instruction set's documentation: NAME, immediates,
 * effect. Numeric operations without a comment do what the wasm
 * instruction of the same name does: unary ones take [d, a], binary ones
 * [d, a, b].
 */
#ifndef HIVE_WASM_OPCODES_H
#define HIVE_WASM_OPCODES_H

#include "wasm/simd_ops.h"

/* X(NAME) for every operation, in order. */
#define WASM_OPS(X) \
    X(UNREACHABLE) /* trap: unreachable */ \
    X(BR) /* [target] jump */ \
    X(BR_UNWIND) /* [target, hdr, src] copy hdr.arity slots from src to fp+hdr.height, jump */ \
    X(BR_IF) /* [target, c] jump when fp[c].i32 is non-zero */ \
    X(BR_IF_EQZ) /* [target, c] jump when fp[c].i32 is zero (if, br_if after i32.eqz) */ \
    X(BR_IF_UNWIND) /* [target, hdr, src, c] when fp[c].i32 is non-zero, BR_UNWIND */ \
    /* [target, a, b] jump when fp[a].i32 OP fp[b].i32 (a comparison fused with br_if or if) */ \
    X(BR_IF_I32_EQ) \
    X(BR_IF_I32_NE) \
    X(BR_IF_I32_LT_S) \
    X(BR_IF_I32_LT_U) \
    X(BR_IF_I32_GT_S) \
    X(BR_IF_I32_GT_U) \
    X(BR_IF_I32_LE_S) \
    X(BR_IF_I32_LE_U) \
    X(BR_IF_I32_GE_S) \
    X(BR_IF_I32_GE_U) \
    /* [target, a, imm] jump when fp[a].i32 OP imm, in the same order */ \
    X(BR_IF_I32_EQ_I) \
    X(BR_IF_I32_NE_I) \
    X(BR_IF_I32_LT_S_I) \
    X(BR_IF_I32_LT_U_I) \
    X(BR_IF_I32_GT_S_I) \
    X(BR_IF_I32_GT_U_I) \
    X(BR_IF_I32_LE_S_I) \
    X(BR_IF_I32_LE_U_I) \
    X(BR_IF_I32_GE_S_I) \
    X(BR_IF_I32_GE_U_I) \
    /* [target, a, imm] a bit test fused with br_if or if (i32.and with a constant) */ \
    X(BR_IF_AND_I) /* jump when fp[a].i32 & imm is non-zero */ \
    X(BR_IF_AND_I_EQZ) /* jump when fp[a].i32 & imm is zero */ \
    /* [target, a, offset] an i32.load8_u fused with br_if or if: loads (and \
     * bounds-checks, trapping) exactly as I32_LOAD8_U [d, a, offset] */ \
    X(BR_IF_LOAD8) /* jump when the byte is non-zero */ \
    X(BR_IF_LOAD8_EQZ) /* jump when the byte is zero */ \
    /* [target, d, a, offset] the same when the byte is also kept: \
     * fp[d] = the byte (a local.tee of the load), then the branch */ \
    X(BR_IF_LOAD8_SET) /* jump when the byte is non-zero */ \
    X(BR_IF_LOAD8_SET_EQZ) /* jump when the byte is zero */ \
    X(BR_TABLE) /* [count, arity, src, i, (target, height) x (count+1)] entry min(fp[i].i32, count) (the last is the default); copy arity slots from src to fp+height; jump */ \
    X(LOOP_CHECK) /* loop header: spend one budget unit; suspend when none is left or an interrupt is pending */ \
    /* loop back edges: the branches above (same operands, same order) whose \
     * target is a loop header's LOOP_CHECK and that carry no values. Taken, \
     * they do the header's check themselves (spend one budget unit, or \
     * suspend with pc on the header, whose LOOP_CHECK then checks again on \
     * resume) and jump just past it: one dispatch less per iteration. */ \
    X(BR_LOOP) \
    X(BR_IF_LOOP) \
    X(BR_IF_EQZ_LOOP) \
    X(BR_IF_I32_EQ_LOOP) \
    X(BR_IF_I32_NE_LOOP) \
    X(BR_IF_I32_LT_S_LOOP) \
    X(BR_IF_I32_LT_U_LOOP) \
    X(BR_IF_I32_GT_S_LOOP) \
    X(BR_IF_I32_GT_U_LOOP) \
    X(BR_IF_I32_LE_S_LOOP) \
    X(BR_IF_I32_LE_U_LOOP) \
    X(BR_IF_I32_GE_S_LOOP) \
    X(BR_IF_I32_GE_U_LOOP) \
    X(BR_IF_I32_EQ_I_LOOP) \
    X(BR_IF_I32_NE_I_LOOP) \
    X(BR_IF_I32_LT_S_I_LOOP) \
    X(BR_IF_I32_LT_U_I_LOOP) \
    X(BR_IF_I32_GT_S_I_LOOP) \
    X(BR_IF_I32_GT_U_I_LOOP) \
    X(BR_IF_I32_LE_S_I_LOOP) \
    X(BR_IF_I32_LE_U_I_LOOP) \
    X(BR_IF_I32_GE_S_I_LOOP) \
    X(BR_IF_I32_GE_U_I_LOOP) \
    X(BR_IF_AND_I_LOOP) \
    X(BR_IF_AND_I_EQZ_LOOP) \
    X(BR_IF_LOAD8_LOOP) \
    X(BR_IF_LOAD8_EQZ_LOOP) \
    /* a counted loop's step and back edge: [target, d, a, k, b] \
     * fp[d] = fp[a].i32 + k, then LOOP_EDGE when fp[d].i32 != fp[b].i32 \
     * (_I: != b, a constant) */ \
    X(BR_IF_ADD_I_NE_LOOP) \
    X(BR_IF_ADD_I_NE_I_LOOP) \
    X(RETURN) /* [src, n] copy n result slots from src to fp[0..], pop the frame */ \
    X(RETURN1) /* [src] RETURN of one slot: fp[0] = fp[src], pop the frame */ \
    X(I32_ADD_RETURN1) /* [a, b] RETURN1 of fp[a].i32 + fp[b].i32 */ \
    X(I32_SUB_RETURN1) /* [a, b] RETURN1 of fp[a].i32 - fp[b].i32 */ \
    X(CALL) /* [code, base] call the function of this same instance whose wasm_code is code (code->func_index) */ \
    X(CALL_IMPORT) /* [funcidx, base] call instance->funcs[funcidx] (host or another instance's) */ \
    X(CALL_INDIRECT) /* [typeidx, tableidx, base, i] call table[fp[i].i32] after the type check */ \
    X(ENTER_LAZY) /* the cells of every function not compiled yet (hv_interp_lazy_stub): compile it, then enter it */ \
    X(SELECT) /* [d, a, b, c] fp[d] = fp[c].i32 ? fp[a] : fp[b] */ \
    X(SELECT_V128) /* [d, a, b, c] as SELECT on two-slot values */ \
    X(COPY) /* [d, a] fp[d] = fp[a] (local.get, local.set, local.tee when not folded away) */ \
    X(COPY_V128) /* [d, a] two slots */ \
    X(COPY2) /* [d, a, e, b] fp[d] = fp[a], then fp[e] = fp[b] (two COPYs in a row, e.g. call arguments) */ \
    X(COPY3) /* [d, a, e, b, f, c] COPY2, then fp[f] = fp[c] */ \
    X(GLOBAL_GET) /* [d, globalidx] fp[d] = instance global */ \
    X(GLOBAL_SET) /* [globalidx, a] instance global = fp[a] */ \
    X(GLOBAL_GET_V128) /* [d, globalidx] two slots */ \
    X(GLOBAL_SET_V128) /* [globalidx, a] two slots */ \
    X(CONST) /* [d, bits] fp[d] = bits (i32/f32 zero-extended) */ \
    /* tables: window operations, operands as the wasm instruction pops them */ \
    X(TABLE_GET) /* [top, tableidx] i32 i -> ref */ \
    X(TABLE_SET) /* [top, tableidx] i32 i, ref v -> */ \
    X(TABLE_SIZE) /* [top, tableidx] -> i32 */ \
    X(TABLE_GROW) /* [top, tableidx] ref init, i32 n -> old size or -1 */ \
    X(TABLE_FILL) /* [top, tableidx] i32 i, ref v, i32 n -> */ \
    X(TABLE_COPY) /* [top, dst, src] i32 d, s, n -> */ \
    X(TABLE_INIT) /* [top, tableidx, elemidx] i32 d, s, n -> */ \
    X(ELEM_DROP) /* [elemidx]  */ \
    X(MEMORY_SIZE) /* [d] fp[d] = pages */ \
    X(MEMORY_GROW) /* [d, a] fp[d] = old pages, or -1 when memory cannot grow by fp[a] pages */ \
    X(MEMORY_INIT) /* [top, dataidx] window: i32 d, s, n -> */ \
    X(DATA_DROP) /* [dataidx]  */ \
    X(MEMORY_COPY) /* [top] window: i32 d, s, n -> */ \
    X(MEMORY_FILL) /* [top] window: i32 d, val, n -> */ \
    /* multi-memory: memory mem other than 0 (memory 0 uses the forms above). \
     * A load or store of memory mem is memory 0's instruction between \
     * MEM_SELECT mem and MEM_SELECT 0, which point the cached memory (base \
     * and size) at memory mem and back; nothing between them suspends. */ \
    X(MEM_SELECT) /* [mem] the accesses that follow use memory mem */ \
    X(MEMORY_SIZE_X) /* [d, mem] */ \
    X(MEMORY_GROW_X) /* [d, a, mem] */ \
    X(MEMORY_INIT_X) /* [top, dataidx, mem] window: i32 d, s, n -> */ \
    X(MEMORY_COPY_X) /* [top, dstmem, srcmem] window: i32 d, s, n -> */ \
    X(MEMORY_FILL_X) /* [top, mem] window: i32 d, val, n -> */ \
    /* exception handling (validate.c, "exception handling") */ \
    X(THROW) /* [top, tagidx] window: the tag's values -> (unwinds to a handler) */ \
    X(REF_IS_NULL) /* [d, a] */ \
    X(REF_FUNC) /* [d, funcidx] fp[d] = instance->funcs[funcidx] */ \
    /* integer operations with a constant operand: [d, a, imm] fp[d] = fp[a] OP imm \
     * (shift and rotate counts already reduced modulo the width) */ \
    X(I32_ADD_I) \
    X(I32_SUB_I) \
    X(I32_MUL_I) \
    X(I32_AND_I) \
    X(I32_OR_I) \
    X(I32_XOR_I) \
    X(I32_SHL_I) \
    X(I32_SHR_S_I) \
    X(I32_SHR_U_I) \
    X(I32_ROTL_I) \
    X(I32_ROTR_I) \
    X(I32_EQ_I) \
    X(I32_NE_I) \
    X(I32_LT_S_I) \
    X(I32_LT_U_I) \
    X(I32_GT_S_I) \
    X(I32_GT_U_I) \
    X(I32_LE_S_I) \
    X(I32_LE_U_I) \
    X(I32_GE_S_I) \
    X(I32_GE_U_I) \
    X(I64_ADD_I) \
    X(I64_SUB_I) \
    X(I64_MUL_I) \
    X(I64_AND_I) \
    X(I64_OR_I) \
    X(I64_XOR_I) \
    X(I64_SHL_I) \
    X(I64_SHR_S_I) \
    X(I64_SHR_U_I) \
    X(I64_ROTL_I) \
    X(I64_ROTR_I) \
    /* loads [d, a, offset]: fp[d] = memory[fp[a].i32 + offset]; \
     * stores [a, b, offset]: memory[fp[a].i32 + offset] = fp[b] */ \
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
    /* loads whose address is an i32.add of a constant (folded from \
     * I32_ADD_I): [d, a, k, offset] fp[d] = memory[(uint32)(fp[a].i32 + k) \
     * + offset], the sum wrapping as i32.add does before the offset is added */ \
    X(I32_LOAD_AI) \
    X(I64_LOAD_AI) \
    X(F32_LOAD_AI) \
    X(F64_LOAD_AI) \
    X(I32_LOAD8_S_AI) \
    X(I32_LOAD8_U_AI) \
    X(I32_LOAD16_S_AI) \
    X(I32_LOAD16_U_AI) \
    /* loads whose address is an i32.add of two operands (folded from \
     * I32_ADD): [d, a, b, offset] fp[d] = memory[(uint32)(fp[a].i32 + \
     * fp[b].i32) + offset] */ \
    X(I32_LOAD_AR) \
    X(I64_LOAD_AR) \
    X(F64_LOAD_AR) \
    X(I32_LOAD8_U_AR) \
    /* stores of a constant (folded from CONST): [a, imm, offset] \
     * memory[fp[a].i32 + offset] = imm */ \
    X(I32_STORE_K) \
    X(I64_STORE_K) \
    X(I32_STORE8_K) \
    /* a load whose value goes straight to a store of the same width \
     * (any load kind of N bytes, then a store of N bytes): \
     * [da, dk, doff, sa, sk, soff] memory[(uint32)(fp[da] + dk) + doff] = \
     * memory[(uint32)(fp[sa] + sk) + soff] (N bytes); the load is checked \
     * (and traps) first; dk, sk are folded i32.add constants, else 0 */ \
    X(MOVE8) \
    X(MOVE16) \
    X(MOVE32) \
    X(MOVE64) \
    /* f64 multiply-add, each operation rounded as wasm's f64.mul then \
     * f64.add (never a fused multiply-add instruction): */ \
    X(F64_MUL_ADD) /* [d, a, b, c] fp[d] = (fp[a] * fp[b]) + fp[c] */ \
    X(F64_ADD_MUL) /* [d, c, a, b] fp[d] = fp[c] + (fp[a] * fp[b]) */ \
    /* ... stored at once: [p, offset, c, a, b] memory[fp[p].i32 + offset] = \
     * fp[c] + (fp[a] * fp[b]), or (fp[a] * fp[b]) + fp[c] for the second */ \
    X(F64_STORE_ADD_MUL) \
    X(F64_STORE_MUL_ADD) \
    /* two integer operations, the first's result an operand of the \
     * second, which is commutative (validate.c chain_form): \
     * [d, a, b, c] fp[d] = (fp[a] OP1 fp[b]) OP2 fp[c], named OP1_OP2; \
     * with a constant first operation (_I) [d, a, k, c] \
     * fp[d] = (fp[a] OP1 k) OP2 fp[c] */ \
    X(I32_ADD_I2) /* [d, a, k, e, b, l] fp[d] = fp[a] + k, then fp[e] = fp[b] + l (i32) */ \
    X(I32_ADD_ADD) \
    X(I32_SUB_ADD) \
    X(I32_MUL_ADD) \
    X(I32_AND_ADD) \
    X(I32_XOR_ADD) \
    X(I32_SHL_I_ADD) \
    X(I32_AND_XOR) \
    X(I32_OR_XOR) \
    X(I32_XOR_XOR) \
    X(I32_XOR_AND) \
    X(I32_XOR_I_AND) \
    X(I32_SHR_U_I_XOR) \
    X(I32_SHL_I_XOR) \
    X(I32_ROTL_I_XOR) \
    X(I32_ROTL_I_ADD) \
    X(I64_ADD_ADD) \
    X(I64_MUL_ADD) \
    X(I64_XOR_XOR) \
    X(I64_SHR_U_I_XOR) \
    X(I64_SHL_I_XOR) \
    X(I64_ROTL_I_XOR) \
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

/* Then one operation per SIMD instruction, OP_SIMD_<fn> for simd.h's
 * simd_<fn> (simd_ops.h), in the table's order. Operands by signature
 * (a v128 slot names the first of its two slots):
 *   splat, unary, binary, bitselect   [d, a], [d, a, b], [d, a, b, c]
 *   any_true, all_true, bitmask       [d, a]          fp[d].i32 = f(a)
 *   extract_lane                      [d, a, lane]    one-slot result
 *   replace_lane                      [d, a, x, lane]
 *   shifts                            [d, a, n]       count fp[n].i32
 *   v128.const                        [d, lo, hi]     the 16 bytes, memory order
 *   i8x16.shuffle                     [d, a, b, lo, hi] the 16 lane indices
 *   loads                             [d, a, offset]  effective address as scalar loads
 *   load lane                         [d, a, offset, v, lane]
 *   v128.store                        [a, offset, v]
 *   store lane                        [a, offset, v, lane]
 * Memory accesses are bounds-checked for their access size (1 << the
 * natural alignment exponent) like scalar ones. */
#define WASM_SIMD_OP_ENUM_(code, fn, ...) OP_SIMD_##fn,

/* Then the runs: two to four adjacent instructions executed by one
 * dispatch (validate.c fuse_runs). P(A, n, B) is OP_A__B, "A, then B"
 * (n: A's length in cells); it is put in A's first cell when an A is
 * directly followed by a B. Nothing else changes: A's immediates, then
 * B's whole instruction (its own first cell included, still naming B)
 * follow as before. The run does A and goes straight on to B's handler,
 * which finds its immediates after A's; a branch to B, or a resume at B,
 * still finds B's own first cell, and a trap in B reports B as it would
 * alone. A may be any instruction that can go on to the next one: not an
 * unconditional branch, call, return, loop back edge or window operation.
 * A conditional branch in a run leaves it when taken; a LOOP_CHECK in a
 * run suspends with pc on itself, before any later part has run.
 * Which runs exist is measured, not guessed: bench/fusion/ (select.py on
 * a dispatch profile of the benchmark programs) picks the runs that save
 * the most dispatches and genlists.py writes these lists
 * (docs/PERFORMANCE.md, "seventh pass"). */
/* Runs of three: T(A, n, B, m, C) is OP_A__B__C (n, m: A's and B's
 * lengths), and of four: Q(A, n, B, m, C, k, D) is OP_A__B__C__D (n, m,
 * k: the lengths of A, B and C), in the same way: A's first cell names
 * the run, the others stay as they are.
 *
 * The sanitizer and fuzzing builds define HIVE_FEW_RUNS (Makefile): with
 * all the runs, clang takes about four times as long to compile interp.c
 * with -fsanitize=address; they keep only the runs tests/unit/
 * test_fusion.c checks, so fused code is still run under the sanitizers. */
#ifndef HIVE_FEW_RUNS
#define WASM_PAIRS(P) \
    P(I32_SHL_I_ADD, 5, I32_LOAD) \
    P(CONST, 3, CONST) \
    P(I32_LOAD, 4, I32_LOAD) \
    P(I32_ADD, 4, I32_XOR) \
    P(I32_SHL_I, 4, I32_LOAD_AI) \
    P(F64_LOAD, 4, F64_LOAD) \
    P(I32_SUB_I, 4, F64_LOAD) \
    P(I32_SHL_I_ADD, 5, I32_ADD_I) \
    P(I32_ADD, 4, I32_LOAD8_U) \
    P(I64_MUL_I, 4, I64_SHR_U_I) \
    P(I32_SHL_I_ADD, 5, F64_LOAD) \
    P(I32_LOAD8_U_AR, 5, BR_IF) \
    P(COPY, 3, RETURN1) \
    P(F64_ADD_MUL, 5, F64_LOAD_AI) \
    P(CONST, 3, I32_LOAD) \
    P(I32_ADD_I, 4, COPY2) \
    P(I32_ADD_I, 4, F64_LOAD) \
    P(I32_LOAD, 4, BR) \
    P(I32_SUB_I, 4, BR_TABLE) \
    P(I64_EXTEND_I32_U, 3, I64_ADD) \
    P(F64_MUL, 4, F64_SUB) \
    P(I32_STORE, 4, I32_ADD_I) \
    P(COPY, 3, CALL) \
    P(I64_STORE, 4, I32_ADD_I) \
    P(I32_ADD_I2, 7, BR_IF_I32_NE_LOOP) \
    P(F64_MUL, 4, F64_ADD_MUL) \
    P(I32_MUL_I, 4, I32_ADD) \
    P(COPY, 3, I32_ADD_I) \
    P(I32_AND_I, 4, I32_SHL_I_ADD) \
    P(I64_SHL_I, 4, I64_OR) \
    P(COPY, 3, BR) \
    P(I32_SHR_S_I, 4, I32_MUL_I) \
    P(I32_ADD, 4, I32_STORE8_K) \
    P(COPY2, 5, CALL) \
    P(I32_STORE, 4, I32_STORE) \
    P(F64_SUB, 4, F64_STORE) \
    P(CONST, 3, F64_MUL) \
    P(CONST, 3, F64_LT) \
    P(F64_LOAD, 4, F64_STORE_ADD_MUL) \
    P(I32_LOAD, 4, BR_IF) \
    P(I32_SHL_I, 4, I32_OR) \
    P(I32_ADD, 4, I32_SUB_I) \
    P(I32_SUB_I, 4, BR_IF_I32_GT_U_I_LOOP) \
    P(COPY, 3, BR_IF_LOOP) \
    P(I32_ADD, 4, F64_LOAD) \
    P(F64_ADD_MUL, 5, CONST) \
    P(CONST, 3, I64_EQ) \
    P(I32_AND, 4, BR_IF) \
    P(I32_ADD, 4, I32_LOAD8_U_AI) \
    P(I32_LOAD8_U, 4, BR_IF_I32_NE) \
    P(I32_LOAD, 4, BR_IF_I32_NE) \
    P(I64_EQZ, 3, BR_IF) \
    P(COPY3, 7, CALL) \
    P(I32_ADD_I, 4, I32_STORE) \
    P(I32_STORE8, 4, I32_ADD_I) \
    P(BR_IF_I32_GT_U_I, 4, BR_IF_EQZ) \
    P(I32_ADD_I2, 7, I32_STORE) \
    P(CONST, 3, LOOP_CHECK) \
    P(I32_LOAD, 4, BR_IF_I32_EQ) \
    P(F64_MUL, 4, F64_LOAD_AI) \
    P(I32_LOAD8_U, 4, BR_IF_I32_NE_I) \
    P(I32_SUB_I, 4, I32_AND_I) \
    P(LOOP_CHECK, 1, I32_ADD_I) \
    P(SELECT, 5, I32_ADD) \
    P(I32_ADD_I, 4, I32_SUB_I) \
    P(I32_SUB_I, 4, I32_ADD_I) \
    P(I32_SHR_S_I, 4, I32_ADD) \
    P(I32_LOAD, 4, COPY) \
    P(I32_ADD, 4, I32_ADD_I) \
    P(F64_SUB, 4, F64_MUL) \
    P(CONST, 3, BR) \
    P(SELECT, 5, RETURN1) \
    P(I32_SUB_I, 4, I32_ADD_I2) \
    P(BR_IF_EQZ, 3, LOOP_CHECK) \
    P(I32_XOR_I, 4, I32_AND_I) \
    P(F64_ADD, 4, F64_STORE) \
    P(I32_AND_I, 4, I32_LOAD8_U_AI) \
    P(I32_ADD_I, 4, I32_ADD) \
    P(I32_LOAD, 4, BR_IF_I32_EQ_I) \
    P(I32_SHR_U_I, 4, I32_AND_I) \
    P(COPY, 3, LOOP_CHECK) \
    P(COPY2, 5, BR_IF_I32_GE_U) \
    P(I32_SHL_I_ADD, 5, MOVE64) \
    P(I32_SUB_I, 4, CONST) \
    P(CONST, 3, BR_IF_I32_GE_S_I) \
    P(I32_SUB_I, 4, I32_STORE) \
    P(I32_ADD, 4, I32_ADD) \
    P(BR_IF, 3, I32_ADD_I) \
    P(I32_LOAD8_U, 4, BR_IF_I32_EQ_I) \
    P(F64_DIV, 4, F64_MUL) \
    P(I32_SHL_I, 4, I32_OR_I) \
    P(I32_ADD, 4, I32_LOAD) \
    P(COPY, 3, BR_IF_I32_GE_U) \
    P(CONST, 3, F64_STORE_ADD_MUL) \
    P(COPY, 3, BR_IF_AND_I_EQZ) \
    P(I32_ADD, 4, I32_STORE8) \
    P(CONST, 3, I32_SUB) \
    P(MOVE64, 7, MOVE64) \
    P(I32_LOAD, 4, I32_SHL_I_ADD) \
    P(I32_ADD_I, 4, I32_LOAD8_U) \
    P(I32_ADD_I, 4, GLOBAL_SET) \
    P(LOOP_CHECK, 1, I32_LOAD8_U) \
    P(I32_LOAD8_U_AR, 5, I32_STORE8) \
    P(CONST, 3, F64_ADD_MUL) \
    P(COPY, 3, CONST) \
    P(CONST, 3, I32_REM_U) \
    P(I32_SHL_I_ADD, 5, MOVE32) \
    P(I32_AND_I, 4, BR_IF_I32_NE_I) \
    P(I32_LOAD8_U_AR, 5, BR_IF_EQZ) \
    P(I32_ADD_I, 4, I32_ADD_I) \
    P(I32_SUB_I, 4, BR_IF_I32_GT_U_I) \
    P(CONST, 3, BR_IF_I32_EQ_I) \
    P(I32_WRAP_I64, 3, I32_SHL_I_ADD) \
    P(CONST, 3, I32_EQ) \
    P(I32_LOAD8_U_AI, 5, BR_IF_I32_NE_I) \
    P(BR_IF_EQZ, 3, I32_ADD_I) \
    P(I32_LOAD_AI, 5, I32_LOAD) \
    P(SELECT, 5, I32_SUB_I) \
    P(I32_ADD_I, 4, CONST) \
    P(BR_IF_AND_I, 4, BR) \
    P(I32_STORE, 4, CONST) \
    P(CONST, 3, COPY2) \
    P(COPY, 3, I32_AND_I) \
    P(CONST, 3, I32_ADD_I) \
    P(COPY, 3, I32_LOAD) \
    P(COPY, 3, BR_IF_I32_NE_I) \
    P(I32_EQ_I, 4, SELECT) \
    P(F64_ADD, 4, F64_ADD) \
    P(I32_ADD_I, 4, I32_SHL_I_ADD) \
    P(CONST, 3, I64_DIV_U) \
    P(I32_ADD, 4, BR_IF_I32_GE_S) \
    P(CONST, 3, I64_GT_U) \
    P(I32_ADD_I, 4, I64_STORE_K) \
    P(COPY2, 5, BR) \
    P(COPY, 3, BR_IF_ADD_I_NE_LOOP) \
    P(I32_STORE_K, 4, I32_STORE_K) \
    P(I32_LOAD8_U, 4, BR_IF_AND_I) \
    P(CONST, 3, BR_IF_I32_LT_S_I) \
    P(COPY, 3, BR_TABLE) \
    P(I64_STORE32, 4, I32_ADD_I) \
    P(I32_LOAD8_U_AR, 5, BR_IF_I32_NE_I) \
    P(I32_STORE8, 4, I32_ADD_I2) \
    P(I32_LOAD, 4, I32_ADD) \
    P(I64_ADD, 4, I64_ADD) \
    P(LOOP_CHECK, 1, I32_LOAD) \
    P(I32_ADD_I2, 7, I32_ADD_I2) \
    P(I32_EQ, 4, I32_AND) \
    P(I32_AND_I, 4, I32_AND_I) \
    P(COPY, 3, I32_SUB_I) \
    P(COPY2, 5, I32_SHR_U) \
    P(LOOP_CHECK, 1, F64_LOAD) \
    P(CONST, 3, RETURN1) \
    P(I32_ADD_I, 4, BR) \
    P(I32_ADD_I, 4, I32_LOAD) \
    P(I32_SUB_I, 4, BR_IF_LOOP) \
    P(BR_IF_I32_EQ, 4, I32_SUB) \
    P(CONST, 3, I32_SHL) \
    P(I32_SHL_I, 4, I32_SHR_S_I) \
    P(BR_IF_I32_GE_S, 4, I32_ADD_I) \
    P(I32_SHL_I_ADD, 5, F64_STORE) \
    P(F64_MUL, 4, CONST) \
    P(I32_SHL_I_ADD, 5, I32_SHL_I_ADD) \
    P(I32_ADD, 4, I64_LOAD8_U) \
    P(F64_ADD, 4, F64_SUB) \
    P(I32_LOAD, 4, I32_XOR) \
    P(I32_ADD, 4, I32_SUB) \
    P(F64_MUL, 4, F64_STORE) \
    P(MOVE32, 7, I32_STORE) \
    P(I32_SUB_I, 4, BR_IF_AND_I) \
    P(I32_MUL_I, 4, I32_SHR_U_I) \
    P(BR_IF_I32_LT_S_I, 4, I32_SUB_I) \
    P(F64_ADD, 4, F64_MUL) \
    P(I32_ADD_I2, 7, BR_IF_ADD_I_NE_LOOP) \
    P(I64_ADD_I, 4, I32_ADD_I) \
    P(I32_XOR, 4, I32_STORE8) \
    P(I32_ADD_I2, 7, I32_ADD_I) \
    P(I32_SHL_I_ADD, 5, I64_LOAD) \
    P(I64_MUL_I, 4, CONST) \
    P(I32_LOAD, 4, CONST) \
    P(F64_LOAD_AI, 5, F64_LOAD_AI) \
    P(I32_WRAP_I64, 3, I32_SHL_I) \
    P(BR_IF_LOAD8_SET_EQZ, 5, BR_IF_I32_EQ_I) \
    P(I32_ADD_I, 4, BR_IF_LOOP) \
    P(I32_STORE, 4, COPY) \
    P(I32_WRAP_I64, 3, I32_XOR_I) \
    P(I32_SUB_I, 4, BR_IF_I32_LT_U_I_LOOP) \
    P(I32_AND_I, 4, BR_IF_I32_NE) \
    P(F64_MUL, 4, F64_MUL) \
    P(I32_ADD_ADD, 5, MOVE8) \
    P(CONST, 3, I32_AND_I) \
    P(I32_AND_I, 4, I32_ADD) \
    P(MOVE8, 7, MOVE8) \
    P(I32_LOAD_AI, 5, I32_STORE) \
    P(BR_IF_AND_I, 4, LOOP_CHECK) \
    P(I32_ADD_I, 4, BR_LOOP) \
    P(I64_MUL_I, 4, I64_SUB) \
    P(I32_WRAP_I64, 3, I32_MUL_I) \
    P(I64_MUL, 4, I64_SHR_U_I) \
    P(BR_IF_I32_LT_S_I, 4, BR_IF_I32_LT_S_I) \
    P(COPY2, 5, LOOP_CHECK) \
    P(COPY3, 7, CALL_INDIRECT) \
    P(I32_ADD_I, 4, I32_LOAD8_U_AI) \
    P(I32_ADD, 4, I32_STORE) \
    P(F64_LOAD, 4, F64_ADD) \
    P(COPY, 3, BR_IF_EQZ) \
    P(I32_AND_I, 4, SELECT) \
    P(I32_ADD_I, 4, I64_ADD_I) \
    P(I32_ADD, 4, BR) \
    P(I64_SHR_U_I_XOR, 5, I64_MUL_I) \
    P(BR_IF_I32_EQ_I, 4, BR_IF_I32_NE_I) \
    P(I32_AND_I, 4, I32_EQ) \
    P(I32_LOAD, 4, BR_IF_I32_GE_U) \
    P(BR_IF_AND_I_EQZ, 4, MOVE64) \
    P(F64_ADD, 4, CONST) \
    P(I32_LOAD, 4, I32_SHL_I) \
    P(I32_ADD_I, 4, I32_AND_I) \
    P(LOOP_CHECK, 1, COPY) \
    P(SELECT, 5, SELECT) \
    P(I32_LOAD, 4, I32_SUB) \
    P(I32_LOAD8_U, 4, I32_NE_I) \
    P(I32_LOAD_AI, 5, BR_IF_EQZ) \
    P(I32_SUB_I, 4, I32_SHR_U_I) \
    P(I32_LOAD_AI, 5, BR) \
    P(CONST, 3, BR_IF) \
    P(I32_SUB, 4, COPY) \
    P(I32_ADD_I, 4, F64_LOAD_AI) \
    P(I64_LOAD, 4, I64_LOAD) \
    P(I32_LOAD, 4, I32_EQ) \
    P(BR_IF_AND_I_EQZ, 4, MOVE8) \
    P(I32_ADD_I, 4, I32_MUL_I) \
    P(I32_LOAD_AI, 5, BR_IF_I32_NE) \
    P(F64_ADD_MUL, 5, F64_SUB) \
    P(COPY, 3, BR_IF_EQZ_LOOP) \
    P(I64_ADD_I, 4, I64_LOAD) \
    P(CONST, 3, COPY) \
    P(BR_IF, 3, I32_SUB_I) \
    P(I32_LOAD8_U, 4, BR_IF_I32_NE_I_LOOP) \
    P(I32_ADD_I, 4, I32_LOAD8_S) \
    P(F64_SUB, 4, CONST) \
    P(COPY, 3, BR_LOOP) \
    P(I32_ADD, 4, MOVE8) \
    P(F64_LOAD_AI, 5, F64_NEG) \
    P(BR_IF, 3, I32_ADD_I2) \
    P(BR_IF_EQZ, 3, BR_IF_LOAD8_EQZ) \
    P(I32_STORE, 4, I32_LOAD) \
    P(CONST, 3, BR_IF_EQZ) \
    P(I64_SHR_U_I, 4, I32_WRAP_I64) \
    P(I32_LOAD, 4, BR_IF_I32_GT_U_I) \
    P(BR_IF_AND_I_EQZ, 4, MOVE32) \
    P(I32_LT_U, 4, SELECT) \
    P(I64_GE_U, 4, BR_IF_EQZ) \
    P(I64_MUL_I, 4, I64_EXTEND_I32_U) \
    P(I32_ADD_I, 4, LOOP_CHECK) \
    P(I64_AND_I, 4, I64_ADD) \
    P(SELECT, 5, I32_ADD_I) \
    P(I32_ADD, 4, I64_ADD_I) \
    P(CONST, 3, SELECT) \
    P(F64_SQRT, 3, F64_DIV) \
    P(I32_ADD_I2, 7, BR_IF_I32_NE_I_LOOP) \
    P(I64_MUL_I, 4, I64_ADD) \
    P(SELECT, 5, BR) \
    P(I32_ADD, 4, COPY) \
    P(SELECT, 5, I32_STORE) \
    P(I32_ADD_I, 4, I64_LOAD) \
    P(I64_EQZ, 3, BR_IF_EQZ) \
    P(I32_AND_I, 4, BR_IF_I32_EQ_I) \
    P(I32_MUL, 4, I32_SUB) \
    P(I32_ADD, 4, BR_IF_ADD_I_NE_LOOP) \
    P(CONST, 3, I32_STORE16) \
    P(LOOP_CHECK, 1, CONST) \
    P(CONST, 3, I64_LOAD) \
    P(I32_ADD, 4, I32_SHL_I_ADD) \
    P(I32_LOAD, 4, BR_IF_I32_LE_S_I) \
    P(I32_STORE, 4, BR_IF_EQZ) \
    P(I64_ADD, 4, I32_ADD_I) \
    P(I32_LOAD, 4, BR_IF_I32_NE_I) \
    P(COPY, 3, BR_IF_I32_EQ_I) \
    P(CONST, 3, I32_SHR_U) \
    P(BR_IF_EQZ, 3, I32_MUL_I) \
    P(I32_LOAD8_U, 4, I32_ADD_I) \
    P(I32_AND, 4, BR_IF_LOOP) \
    P(I32_ADD_I, 4, BR_IF_I32_LT_U) \
    P(I32_AND_I, 4, MOVE8) \
    P(MOVE8, 7, I32_SUB_I) \
    P(I32_ADD, 4, CONST) \
    P(CONST, 3, CALL) \
    P(CONST, 3, I32_OR) \
    P(I64_STORE_K, 4, I64_STORE_K) \
    P(F64_GT, 4, SELECT) \
    P(I32_GT_U, 4, SELECT) \
    P(I32_SUB, 4, SELECT) \
    P(I32_LOAD, 4, BR_IF_EQZ) \
    P(I64_STORE, 4, I64_STORE) \
    P(I32_AND_I, 4, I32_OR_I) \
    P(I32_ADD_I2, 7, I32_SUB_I) \
    P(SELECT, 5, BR_IF) \
    P(COPY, 3, I32_ADD) \
    P(I32_LOAD, 4, I32_SHR_U) \
    P(F64_LT, 4, SELECT) \
    P(COPY, 3, BR_IF_I32_LE_S_I) \
    P(BR_IF, 3, CONST) \
    P(LOOP_CHECK, 1, I32_ADD) \
    P(COPY, 3, BR_IF_I32_GT_U_I_LOOP) \
    P(I32_STORE, 4, I32_ADD) \
    P(I32_EQ, 4, SELECT) \
    P(F64_LOAD, 4, F64_MUL) \
    P(I32_SUB_I, 4, I32_SUB_I) \
    P(I32_LOAD, 4, BR_IF_LOOP) \
    P(I32_OR, 4, I32_OR) \
    P(GLOBAL_SET, 3, RETURN) \
    P(I32_LOAD, 4, I64_STORE_K) \
    P(I32_ADD_I2, 7, BR_LOOP) \
    P(I32_ADD, 4, COPY2) \
    P(I32_SUB_I, 4, BR_IF_I32_LE_U_I) \
    P(I32_SHL_I, 4, I32_ADD_I) \
    P(BR_IF_I32_GT_U_I, 4, I32_MUL_I) \
    P(I32_STORE, 4, BR) \
    P(BR_IF_EQZ, 3, BR_IF_EQZ) \
    P(I32_ADD_I, 4, BR_IF_I32_GE_U) \
    P(I32_OR, 4, I32_STORE) \
    P(I32_WRAP_I64, 3, BR_TABLE) \
    P(I32_LOAD_AI, 5, BR_IF) \
    P(I32_MUL_I, 4, LOOP_CHECK) \
    P(I32_ADD_I, 4, I32_STORE_K) \
    P(I32_ADD_I, 4, COPY) \
    P(LOOP_CHECK, 1, BR_IF_I32_EQ_I) \
    P(I32_SUB, 4, BR_IF_EQZ) \
    P(COPY3, 7, COPY2) \
    P(I32_LOAD, 4, CALL) \
    P(F64_LOAD_AI, 5, F64_ADD_MUL) \
    P(I32_ADD, 4, I32_XOR_I) \
    P(I32_ADD_I, 4, BR_IF_I32_GT_U) \
    P(BR_IF, 3, I32_STORE) \
    P(BR_IF_I32_GE_S_I, 4, CONST) \
    P(I64_MUL_I, 4, I64_STORE) \
    P(I32_ADD_I, 4, CALL) \
    P(BR_IF_I32_EQ, 4, I32_SUB_I) \
    P(I32_SUB_I, 4, LOOP_CHECK) \
    P(I32_ADD_I, 4, BR_IF_LOAD8_SET_EQZ) \
    P(I32_AND_I, 4, BR_TABLE)
#define WASM_TRIPLES(T) \
    T(I32_ADD_I2, 7, I32_SUB_I, 4, BR_IF_LOOP) \
    T(F64_MUL, 4, F64_SUB, 4, F64_STORE) \
    T(I32_ADD_I, 4, I32_SUB_I, 4, BR_IF_LOOP) \
    T(I64_LOAD8_U, 4, I64_XOR, 4, I64_MUL_I) \
    T(I32_LOAD8_U, 4, I32_LOAD8_U, 4, BR_IF_I32_NE) \
    T(F64_MUL, 4, CONST, 3, F64_ADD) \
    T(I64_LOAD, 4, I64_ADD_I, 4, I64_STORE) \
    T(I64_SHR_U_I_XOR, 5, I64_SHL_I_XOR, 5, I64_SHR_U_I_XOR) \
    T(F64_LOAD_AI, 5, F64_SUB, 4, F64_ADD_MUL) \
    T(CONST, 3, I32_DIV_U, 4, I32_MUL_I) \
    T(I32_LOAD, 4, I32_ADD_I, 4, I32_STORE) \
    T(I32_ADD_I, 4, I32_LOAD8_U, 4, I32_ADD_I) \
    T(I32_LOAD, 4, I32_ADD, 4, I32_STORE) \
    T(I32_SUB_I, 4, I32_SUB_I, 4, I32_SUB_I) \
    T(I32_LOAD, 4, I32_ADD_I, 4, I32_LOAD) \
    T(CONST, 3, I64_NE, 4, BR_IF_LOOP) \
    T(F64_LOAD, 4, F64_ADD, 4, F64_STORE) \
    T(GLOBAL_GET, 3, I32_SUB_I, 4, GLOBAL_SET) \
    T(MOVE64, 7, MOVE64, 7, I32_ADD_I2) \
    T(I32_AND_I, 4, BR_IF, 3, BR_IF_I32_LT_U_I) \
    T(CONST, 3, I64_ADD_I, 4, I64_STORE) \
    T(CONST, 3, I32_DIV_U, 4, I32_ADD) \
    T(I32_ADD_I, 4, I32_ADD_I, 4, BR_IF_AND_I_EQZ) \
    T(BR_IF_AND_I_EQZ, 4, BR_IF_EQZ, 3, MOVE8) \
    T(CONST, 3, I64_NE, 4, BR_IF) \
    T(CONST, 3, I32_SUB, 4, BR_IF_I32_GT_S) \
    T(I32_XOR_I, 4, I32_SUB_I, 4, I32_AND) \
    T(I32_LT_U, 4, SELECT, 5, COPY) \
    T(I32_LOAD8_U, 4, I32_ADD_I, 4, BR_IF_LOOP) \
    T(I32_SUB, 4, I32_SHL_I, 4, CONST) \
    T(I64_AND_I, 4, I64_XOR, 4, I64_MUL_I) \
    T(I64_MUL_I, 4, I64_SHR_U_I, 4, I32_WRAP_I64) \
    T(CONST, 3, I32_LOAD, 4, BR_IF_I32_NE) \
    T(I32_AND, 4, I32_MUL, 4, I32_ADD_I) \
    T(I32_LOAD, 4, I32_SUB, 4, BR_IF_I32_LE_U) \
    T(I32_SUB, 4, I32_OR_I, 4, I32_STORE8) \
    T(F64_SUB, 4, F64_STORE, 4, I32_ADD_I) \
    T(F64_LOAD, 4, F64_MUL, 4, F64_SUB) \
    T(I32_AND_I, 4, BR_IF_EQZ, 3, BR_IF_I32_NE_I) \
    T(BR_IF_EQZ, 3, I32_TRUNC_F64_S, 3, BR) \
    T(CONST, 3, F64_GE, 4, BR_IF_EQZ) \
    T(I32_SHL_I_ADD, 5, I32_LOAD, 4, BR_IF_I32_GT_U) \
    T(I64_MUL, 4, I64_SHR_U_I, 4, I32_WRAP_I64) \
    T(BR_IF_EQZ, 3, COPY, 3, BR) \
    T(I64_MUL_I, 4, I64_XOR, 4, I64_MUL_I) \
    T(I32_LOAD8_U, 4, I32_SUB_I, 4, BR_TABLE) \
    T(I64_MUL_I, 4, I64_SUB, 4, I32_WRAP_I64) \
    T(I32_LOAD, 4, I32_LOAD, 4, BR_IF_I32_EQ) \
    T(F64_LOAD_AI, 5, F64_LOAD_AI, 5, F64_ADD_MUL) \
    T(I32_SUB, 4, I32_GT_S, 4, SELECT) \
    T(I32_ADD, 4, I32_STORE, 4, I32_ADD_I) \
    T(I32_ADD_I, 4, F64_LOAD_AI, 5, F64_LOAD_AI) \
    T(I32_EQ_I, 4, I32_AND, 4, BR_IF) \
    T(CONST, 3, I32_ADD_I, 4, I32_STORE) \
    T(COPY3, 7, COPY, 3, CALL) \
    T(COPY, 3, I32_LOAD8_S, 4, I32_SUB_I) \
    T(I32_ADD_I, 4, COPY2, 5, CALL) \
    T(BR_IF_I32_GT_U, 4, I32_LOAD, 4, BR) \
    T(I64_MUL_I, 4, I64_SHR_U_I, 4, I64_STORE8) \
    T(CONST, 3, COPY, 3, RETURN1) \
    T(COPY, 3, BR_IF_I32_LT_U_I, 4, LOOP_CHECK) \
    T(BR_IF_I32_LT_U_I, 4, I32_ADD_I, 4, I32_MUL_I) \
    T(CONST, 3, CONST, 3, LOOP_CHECK) \
    T(I32_LOAD, 4, COPY, 3, BR_IF_I32_LT_S_I) \
    T(I32_GT_U_I, 4, COPY, 3, BR_IF_LOOP) \
    T(CONST, 3, F64_ADD, 4, F64_ABS) \
    T(I32_MUL_I, 4, I32_ADD, 4, I32_LOAD) \
    T(I32_SUB_I, 4, I32_STORE8, 4, BR_IF_I32_LT_U_I) \
    T(F64_CONVERT_I32_S, 3, CONST, 3, F64_ADD_MUL) \
    T(I32_ADD_I, 4, I32_SHL_I_ADD, 5, I32_LOAD) \
    T(BR_IF_I32_EQ_I, 4, BR_IF_EQZ, 3, BR_IF_I32_LT_S_I) \
    T(BR_IF_EQZ, 3, I32_LOAD8_U, 4, I32_AND_I) \
    T(BR_IF_LOAD8_EQZ, 4, I32_ADD_I, 4, BR_IF_AND_I_EQZ) \
    T(CONST, 3, I32_SUB_I, 4, BR_IF_I32_LE_U_I) \
    T(I64_EXTEND_I32_U, 3, I64_ADD, 4, I32_ADD_I) \
    T(I32_SUB_I, 4, I32_SHL_I_ADD, 5, I32_LOAD) \
    T(I32_LOAD, 4, COPY2, 5, CALL) \
    T(I32_STORE, 4, I32_SHL_I_ADD, 5, I32_STORE) \
    T(I32_SHL_I_ADD, 5, I32_STORE, 4, I32_ADD_I) \
    T(I32_LOAD, 4, I32_STORE, 4, I32_STORE) \
    T(I32_LOAD, 4, I32_ADD, 4, I32_STORE8_K) \
    T(I32_STORE8, 4, COPY, 3, I32_ADD_I2) \
    T(I32_ADD_I2, 7, I32_ADD_I2, 7, BR_IF_I32_NE_LOOP) \
    T(BR_IF_EQZ, 3, I32_ADD, 4, LOOP_CHECK) \
    T(I64_ADD_I, 4, I64_NE, 4, BR_IF_LOOP) \
    T(I32_LOAD, 4, BR_IF_EQZ, 3, I32_LOAD) \
    T(I32_SUB_I, 4, I32_AND_I, 4, BR_IF_I32_LT_U_I) \
    T(COPY, 3, I32_LOAD, 4, I32_LOAD) \
    T(I32_SUB_I, 4, I32_AND_I, 4, BR_IF_I32_GT_U_I) \
    T(I64_SHR_U_I, 4, I64_AND_I, 4, I64_XOR) \
    T(CONST, 3, I32_STORE, 4, I32_ADD_I) \
    T(I32_DIV_U, 4, I32_MUL, 4, I32_SUB) \
    T(I32_ADD_I, 4, I32_STORE, 4, I32_ADD_I) \
    T(I32_ADD_I, 4, I32_STORE, 4, I32_LOAD8_U) \
    T(I32_LOAD, 4, I32_LOAD, 4, BR_IF_EQZ) \
    T(I32_ADD, 4, COPY2, 5, CALL) \
    T(I32_GT_U, 4, SELECT, 5, BR_IF_EQZ) \
    T(I32_NE_I, 4, I32_ADD_I, 4, BR_IF_AND_I_EQZ) \
    T(I32_OR_I, 4, I32_ADD_I, 4, I32_OR_I) \
    T(I32_SUB_I, 4, I32_AND_I, 4, BR_IF_I32_LE_U_I) \
    T(CONST, 3, I32_LT_S_I, 4, SELECT) \
    T(I32_SUB_I, 4, CONST, 3, SELECT) \
    T(I32_ADD_I, 4, I32_LOAD8_U, 4, BR_LOOP) \
    T(CONST, 3, COPY, 3, CALL) \
    T(I32_ADD_I, 4, GLOBAL_SET, 3, RETURN) \
    T(CONST, 3, BR_IF_I32_LT_U_I, 4, CONST) \
    T(I32_AND_I, 4, I32_SUB_I, 4, BR_TABLE) \
    T(CONST, 3, I32_LOAD, 4, BR_IF_I32_GE_U) \
    T(I32_STORE, 4, COPY, 3, BR) \
    T(BR_IF_I32_GT_S, 4, I32_AND_I, 4, BR_IF) \
    T(I32_ADD, 4, I32_GT_S, 4, SELECT) \
    T(CONST, 3, I32_STORE, 4, CONST) \
    T(I32_ADD, 4, I32_STORE8_K, 4, I32_LOAD) \
    T(CONST, 3, COPY2, 5, CALL) \
    T(I32_NE_I, 4, I32_AND, 4, BR_IF) \
    T(I32_SHL_I, 4, MOVE32, 7, I32_ADD_I) \
    T(CONST, 3, I32_LOAD, 4, BR_IF_I32_LT_U) \
    T(I32_MUL_I, 4, I32_ADD, 4, I32_SUB_I) \
    T(BR_IF_EQZ, 3, I32_LOAD8_U, 4, BR_IF_AND_I) \
    T(I32_SHL_I_ADD, 5, I32_ADD_I, 4, I32_LOAD) \
    T(CONST, 3, COPY2, 5, LOOP_CHECK) \
    T(I32_LE_U_I, 4, I32_AND, 4, BR_IF_LOOP) \
    T(BR_IF_AND_I_EQZ, 4, LOOP_CHECK, 1, I32_ADD_I) \
    T(I64_STORE, 4, I64_MUL_I, 4, I64_SHR_U_I) \
    T(BR_IF_EQZ, 3, I32_STORE8, 4, I32_ADD) \
    T(CONST, 3, I32_GT_S_I, 4, SELECT) \
    T(I32_LOAD8_S, 4, I32_SUB_I, 4, BR_IF_I32_GT_U_I) \
    T(I32_SUB_ADD, 5, I32_LT_S, 4, SELECT) \
    T(I32_AND_I, 4, I32_SUB_I, 4, BR_IF_I32_GE_U_I) \
    T(I32_ADD, 4, I32_ADD, 4, BR_IF_I32_LT_U_LOOP) \
    T(COPY, 3, BR_IF_AND_I_EQZ, 4, MOVE64) \
    T(CONST, 3, I32_SUB_I, 4, BR_IF_I32_GT_U_I) \
    T(CONST, 3, I64_LT_U, 4, BR_IF_EQZ) \
    T(COPY, 3, CONST, 3, BR) \
    T(I32_LOAD, 4, BR_IF_I32_EQ, 4, I32_LOAD) \
    T(CONST, 3, I32_LT_U_I, 4, SELECT) \
    T(CONST, 3, I64_GT_U, 4, BR_IF) \
    T(BR_IF, 3, COPY, 3, BR) \
    T(F64_ABS, 3, CONST, 3, F64_LT) \
    T(I32_STORE, 4, I32_STORE, 4, CONST) \
    T(I32_ADD_I, 4, I32_LOAD8_U, 4, BR_IF_LOOP) \
    T(I32_STORE8, 4, I32_STORE8, 4, I32_SUB_I) \
    T(I32_AND_I, 4, I32_MUL_I, 4, I32_STORE) \
    T(I32_SUB_I, 4, I32_STORE, 4, BR_IF_I32_LT_U_I) \
    T(COPY2, 5, I32_SUB, 4, BR_IF_I32_LT_U_I) \
    T(I64_EXTEND_I32_U, 3, I64_MUL_I, 4, I32_ADD) \
    T(CONST, 3, F64_LT, 4, SELECT) \
    T(I32_LOAD, 4, BR_IF_EQZ, 3, LOOP_CHECK) \
    T(BR_IF_I32_GT_U_I, 4, I32_SHR_U_I, 4, I32_ADD_I) \
    T(I32_STORE_K, 4, I32_STORE, 4, I32_STORE_K) \
    T(I32_ADD, 4, I32_ADD_I, 4, COPY) \
    T(CONST, 3, I32_SHL_I, 4, I32_ADD_I) \
    T(COPY, 3, CONST, 3, CONST) \
    T(COPY, 3, I32_STORE, 4, I32_STORE) \
    T(I32_SUB_I, 4, LOOP_CHECK, 1, I32_ADD_I) \
    T(I32_LT_S_I, 4, SELECT, 5, COPY) \
    T(I32_LOAD, 4, I32_LOAD, 4, I32_LOAD) \
    T(I32_LOAD, 4, I32_SUB_I, 4, I32_OR) \
    T(I64_EXTEND_I32_U, 3, CONST, 3, LOOP_CHECK) \
    T(CONST, 3, F64_MUL, 4, CONST) \
    T(CONST, 3, I32_SUB, 4, CONST) \
    T(CONST, 3, LOOP_CHECK, 1, I32_LOAD8_U_AR) \
    T(I32_ADD, 4, I32_ADD, 4, I32_LOAD8_U) \
    T(BR_IF_I32_GT_S_I, 4, I32_AND_I, 4, I32_STORE) \
    T(CONST, 3, I32_SUB, 4, I32_ADD_I2) \
    T(I32_ADD_I2, 7, I32_ADD_I, 4, I32_OR_I) \
    T(I64_STORE_K, 4, I32_LOAD, 4, I32_STORE) \
    T(CONST, 3, I32_SHL, 4, I32_XOR_I) \
    T(F64_STORE, 4, I32_ADD_I, 4, F64_LOAD) \
    T(COPY, 3, I32_ADD_I, 4, GLOBAL_SET) \
    T(COPY, 3, CONST, 3, I32_LOAD8_U) \
    T(SELECT, 5, I32_SUB_I, 4, BR_TABLE) \
    T(F64_MUL, 4, F64_SUB, 4, F64_ADD_MUL) \
    T(I64_MUL_I, 4, I64_SHR_U_I, 4, F64_CONVERT_I64_U) \
    T(I32_SHL_I_ADD, 5, I32_STORE, 4, I32_STORE) \
    T(BR_IF_I32_LT_U, 4, COPY, 3, BR) \
    T(BR_IF, 3, CONST, 3, BR) \
    T(I64_LOAD32_U, 4, I64_STORE, 4, RETURN) \
    T(I32_NE_I, 4, BR_IF_AND_I_EQZ, 4, BR_IF_EQZ) \
    T(I32_LOAD_AI, 5, COPY2, 5, CALL) \
    T(I32_LOAD8_S, 4, I32_AND_I, 4, I32_AND_I) \
    T(I64_STORE_K, 4, I32_ADD_I, 4, I64_STORE_K) \
    T(BR_IF_I32_EQ, 4, BR_IF_I32_LT_U_I, 4, I32_AND_I) \
    T(I32_SHL_I, 4, I32_SHL_I, 4, I32_OR) \
    T(BR_IF_EQZ, 3, I32_ADD_I, 4, LOOP_CHECK) \
    T(I32_STORE_K, 4, CONST, 3, CONST) \
    T(I32_OR, 4, I32_STORE, 4, I32_ADD_I) \
    T(BR_IF_I32_LE_S_I, 4, CONST, 3, CONST) \
    T(I32_SUB_I, 4, I32_ADD_I2, 7, BR_IF_AND_I_EQZ) \
    T(I32_ADD_I2, 7, I32_ADD_I, 4, COPY) \
    T(BR_IF_EQZ, 3, I32_AND_I, 4, LOOP_CHECK) \
    T(CONST, 3, COPY, 3, LOOP_CHECK) \
    T(I32_ADD, 4, I32_ADD, 4, I32_ADD_I) \
    T(I32_STORE, 4, I32_LOAD, 4, I32_ADD) \
    T(I32_OR_I, 4, I32_STORE8, 4, CONST) \
    T(CONST, 3, I32_SUB_I, 4, BR_IF_I32_LT_U_I) \
    T(I32_ADD_I, 4, COPY, 3, CALL) \
    T(CONST, 3, I32_LOAD, 4, BR) \
    T(CONST, 3, I32_EQ_I, 4, I32_ADD) \
    T(MOVE16, 7, I32_ADD_I, 4, I32_ADD_I) \
    T(COPY, 3, CONST, 3, COPY) \
    T(I32_SHL_I_ADD, 5, I32_LOAD, 4, I32_SUB) \
    T(I32_MUL_I, 4, I32_ADD, 4, I32_LT_U_I) \
    T(I32_LOAD, 4, BR_IF, 3, I32_LOAD) \
    T(BR_IF, 3, I32_AND_I, 4, SELECT) \
    T(I64_LOAD, 4, I64_ADD, 4, I64_STORE) \
    T(BR_IF_EQZ, 3, CONST, 3, LOOP_CHECK) \
    T(I32_ADD_I, 4, CONST, 3, F64_MUL) \
    T(I32_AND_I, 4, CONST, 3, LOOP_CHECK) \
    T(F64_ADD_MUL, 5, F64_LOAD_AI, 5, F64_ADD_MUL) \
    T(I32_EQ_I, 4, SELECT, 5, I32_SHL_I_ADD) \
    T(I32_WRAP_I64, 3, BR_IF_EQZ, 3, LOOP_CHECK) \
    T(I32_STORE, 4, I32_LOAD, 4, I32_LOAD) \
    T(CONST, 3, I64_LT_S, 4, BR_IF_EQZ) \
    T(I32_SUB, 4, I32_AND_I, 4, I32_ADD) \
    T(I32_ADD_I, 4, I32_SUB_I, 4, BR_IF_I32_GT_U_I_LOOP) \
    T(CONST, 3, I32_LOAD, 4, CALL_INDIRECT) \
    T(I32_OR, 4, I32_STORE, 4, CONST) \
    T(COPY, 3, I32_SUB_I, 4, BR_IF_I32_LT_U_I_LOOP) \
    T(CONST, 3, I32_LOAD, 4, LOOP_CHECK) \
    T(CONST, 3, I64_GE_S, 4, BR_IF_EQZ) \
    T(CONST, 3, I32_SHL, 4, BR_IF_AND_I_EQZ) \
    T(I32_LOAD, 4, I32_SHL_I_ADD, 5, I32_LOAD) \
    T(LOOP_CHECK, 1, BR_IF_I32_GT_U_I, 4, CONST) \
    T(I32_SUB, 4, I64_EXTEND_I32_S, 3, I64_STORE) \
    T(MOVE64, 7, I32_ADD_I, 4, CONST) \
    T(CONST, 3, CONST, 3, I32_LOAD8_U) \
    T(I32_ADD, 4, I32_LOAD8_U_AR, 5, I32_STORE8) \
    T(I32_LOAD, 4, COPY, 3, CALL_INDIRECT) \
    T(BR_IF_EQZ, 3, CONST, 3, CONST) \
    T(I32_STORE, 4, COPY, 3, RETURN1) \
    T(F64_MUL, 4, F64_LOAD_AI, 5, F64_ADD_MUL) \
    T(COPY, 3, I32_STORE_K, 4, I32_STORE_K) \
    T(F64_LOAD, 4, F64_LOAD, 4, F64_MUL) \
    T(I32_ADD, 4, I32_LOAD8_U, 4, BR_IF_EQZ) \
    T(I32_STORE, 4, I32_LOAD, 4, BR_IF_AND_I_EQZ) \
    T(I32_STORE8_K, 4, COPY3, 7, CALL) \
    T(CONST, 3, I32_LOAD, 4, BR_IF_I32_GT_U) \
    T(I32_ADD_I, 4, I32_ADD, 4, BR_IF_I32_LT_U_LOOP) \
    T(COPY, 3, BR_IF_EQZ, 3, I32_LOAD) \
    T(LOOP_CHECK, 1, I32_SHL_I_ADD, 5, I32_LOAD) \
    T(I32_ADD, 4, I32_ADD_I, 4, I32_LOAD) \
    T(I64_EQZ, 3, BR_IF, 3, LOOP_CHECK) \
    T(I64_MUL_I, 4, CONST, 3, I64_LT_U) \
    T(I32_ADD_I, 4, CONST, 3, I32_DIV_S) \
    T(I32_LOAD, 4, I32_LOAD, 4, BR_IF_I32_NE_I) \
    T(I32_SUB_I, 4, I32_WRAP_I64, 3, I32_AND_I) \
    T(I64_GT_U, 4, I64_SHR_U_I, 4, BR_IF_LOOP) \
    T(I32_LE_S_I, 4, I32_AND, 4, BR_IF) \
    T(CONST, 3, CONST, 3, SELECT) \
    T(COPY, 3, CONST, 3, BR_IF_LOOP) \
    T(I32_ADD_I, 4, I32_ADD, 4, LOOP_CHECK) \
    T(I32_ADD_I, 4, I32_LOAD, 4, BR_IF_I32_GT_U) \
    T(I32_ADD_I, 4, COPY3, 7, CALL) \
    T(COPY, 3, LOOP_CHECK, 1, COPY) \
    T(F64_LOAD_AI, 5, F64_ADD_MUL, 5, F64_LOAD_AI) \
    T(I32_STORE, 4, I32_STORE, 4, I32_STORE) \
    T(COPY, 3, I32_ADD_I, 4, I32_ADD) \
    T(CONST, 3, I32_LOAD, 4, CONST) \
    T(I32_SUB, 4, I32_SHL_I, 4, I32_LOAD_AI) \
    T(I32_ADD, 4, I32_SUB_I, 4, BR_IF_I32_GT_U_I_LOOP) \
    T(I32_ROTL_I, 4, I32_ROTL_I_XOR, 5, I32_ROTL_I_XOR)
#define WASM_QUADS(Q) \
    Q(BR_IF_I32_LT_U_I, 4, LOOP_CHECK, 1, I32_SUB_I, 4, CALL) \
    Q(MOVE8, 7, MOVE8, 7, I32_SUB_I, 4, BR_IF_LOOP) \
    Q(I32_LOAD8_U, 4, BR_IF_LOAD8_SET_EQZ, 5, I32_ADD_I2, 7, BR_IF_I32_EQ_LOOP)
#else
#define WASM_PAIRS(P) P(I32_ADD, 4, I32_STORE)
#define WASM_TRIPLES(T) \
    T(I32_ADD, 4, I32_SUB_I, 4, BR_IF_I32_GT_U_I_LOOP) \
    T(I32_ROTL_I, 4, I32_ROTL_I_XOR, 5, I32_ROTL_I_XOR)
#define WASM_QUADS(Q) \
    Q(BR_IF_I32_LT_U_I, 4, LOOP_CHECK, 1, I32_SUB_I, 4, CALL) \
    Q(MOVE8, 7, MOVE8, 7, I32_SUB_I, 4, BR_IF_LOOP) \
    Q(I32_LOAD8_U, 4, BR_IF_LOAD8_SET_EQZ, 5, I32_ADD_I2, 7, BR_IF_I32_EQ_LOOP)
#endif
#define WASM_PAIR_OP_ENUM_(a, n, b) OP_##a##__##b,
#define WASM_TRIPLE_OP_ENUM_(a, n, b, m, c) OP_##a##__##b##__##c,
#define WASM_QUAD_OP_ENUM_(a, n, b, m, c, k, d) OP_##a##__##b##__##c##__##d,

typedef enum wasm_op {
#define WASM_OP_ENUM(name) OP_##name,
    WASM_OPS(WASM_OP_ENUM)
#undef WASM_OP_ENUM
    SIMD_OPS(WASM_SIMD_OP_ENUM_)
    WASM_PAIRS(WASM_PAIR_OP_ENUM_)
    WASM_TRIPLES(WASM_TRIPLE_OP_ENUM_)
    WASM_QUADS(WASM_QUAD_OP_ENUM_)
    OP_COUNT_
} wasm_op;

#endif
