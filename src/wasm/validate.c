/*
 * validate.c -- validation of a decoded module, and of each function body
 * again when it is compiled, driving the emitter (emit.c) as it goes.
 *
 * Bodies are checked with the spec's algorithm (appendix "Validation
 * Algorithm"): a stack of operand types and a stack of control frames,
 * with stack polymorphism after unconditional branches. Because every
 * operand's type is known statically in reachable code, so is its slot
 * position: branch targets, the stack heights they unwind to and the slot
 * offsets of locals are resolved here, once, and handed to emit.c (emit.h),
 * which writes the code, its peepholes and the analysis of which locals
 * need zeroing. Code that cannot be reached is validated but not emitted.
 * At load, a lean type-only pass (fast_check) checks most bodies instead.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/error.h"
#include "wasm/emit.h"

/* Single-type result lists for block types written as one value type. */
static const uint8_t valtype_self[256] = {
    [WASM_I32] = WASM_I32,         [WASM_I64] = WASM_I64,          [WASM_F32] = WASM_F32,
    [WASM_F64] = WASM_F64,         [WASM_V128] = WASM_V128,        [WASM_FUNCREF] = WASM_FUNCREF,
    [WASM_EXTERNREF] = WASM_EXTERNREF,
};

/* ---- errors ---------------------------------------------------------------- */

/* Records an invalid-module error at the reader's position; returns -1. */
static int v_invalid(vctx *v, const char *msg) {
    v->code = HIVE_EINVALID;
    hv_error_set(v->err, HIVE_EINVALID, leb_offset(&v->r), "%s", msg);
    return -1;
}

/* An invalid-module error about what decode found at byte `at`. */
static int v_invalid_at(vctx *v, size_t at, const char *msg) {
    v->code = HIVE_EINVALID;
    hv_error_set(v->err, HIVE_EINVALID, at, "%s", msg);
    return -1;
}

static int v_malformed(vctx *v, const char *msg) {
    v->code = HIVE_EMALFORMED;
    hv_error_set(v->err, HIVE_EMALFORMED, leb_offset(&v->r), "%s", msg);
    return -1;
}


/* Turns a reader failure into a malformed-module error. */
static int v_leb(vctx *v, int rc) {
    if (rc == LEB_OK) return 0;
    return v_malformed(v, rc == LEB_EEND ? "unexpected end" : leb_message(rc));
}

static int v_u32(vctx *v, uint32_t *out) { return v_leb(v, leb_u32(&v->r, out)); }

static int v_byte(vctx *v, uint8_t *out) { return v_leb(v, leb_byte(&v->r, out)); }

static bool is_reftype(uint8_t t) { return t == WASM_FUNCREF || t == WASM_EXTERNREF; }

static bool is_valtype(uint8_t t) {
    return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64 || t == WASM_V128 ||
           is_reftype(t);
}

/* ---- operand and control stacks ---------------------------------------- */


/* Pushes an operand of type t in its canonical slot. */
static int push_val(vctx *v, uint8_t t) {
    if (hv_grow(&v->engine->alloc, (void **)&v->vals, &v->capvals, v->nvals + 1, 1) < 0 ||
        hv_grow(&v->engine->alloc, (void **)&v->opnds, &v->capopnds, v->nvals + 1,
                sizeof *v->opnds) < 0)
        return v_nomem(v);
    vopnd *o = &v->opnds[v->nvals];
    o->slot = o->src = 0;
    v->vals[v->nvals++] = t;
    if (v_live(v)) {
        o->slot = o->src = (uint32_t)v->cur_slots;
        v->cur_slots += wasm_slots(t);
        if (v->cur_slots > v->max_slots) v->max_slots = v->cur_slots;
    }
    return 0;
}

/* Pops any operand into *out (VT_UNKNOWN in unreachable code). */
static int pop_val(vctx *v, uint8_t *out) {
    vframe *f = &v->ctrls[v->nctrls - 1];
    if (v->nvals == f->height) {
        if (f->unreachable) {
            *out = VT_UNKNOWN;
            v->pop_src = v->pop_slot = 0;
            return 0;
        }
        return v_invalid(v, "type mismatch");
    }
    uint8_t t = v->vals[--v->nvals];
    const vopnd *o = &v->opnds[v->nvals];
    v->pop_src = o->src;
    v->pop_slot = o->slot;
    if (o->src != o->slot) v->ndeferred--;
    if (v_live(v)) v->cur_slots -= wasm_slots(t);
    *out = t;
    return 0;
}

/* Pops an operand that must be of type expect (or unknown). */
static int pop_expect(vctx *v, uint8_t expect, uint8_t *out) {
    uint8_t t;
    if (pop_val(v, &t) < 0) return -1;
    if (t != expect && t != VT_UNKNOWN && expect != VT_UNKNOWN)
        return v_invalid(v, "type mismatch");
    if (out) *out = t == VT_UNKNOWN ? expect : t;
    return 0;
}

/* pop_expect, and *src = the slot the operand can be read from. */
static int pop_src(vctx *v, uint8_t expect, uint32_t *src) {
    if (pop_expect(v, expect, NULL) < 0) return -1;
    *src = v->pop_src;
    return 0;
}

static int pop_vals(vctx *v, const uint8_t *types, uint32_t n) {
    for (uint32_t i = n; i-- > 0;)
        if (pop_expect(v, types[i], NULL) < 0) return -1;
    return 0;
}

static int push_vals(vctx *v, const uint8_t *types, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (push_val(v, types[i]) < 0) return -1;
    return 0;
}

static uint32_t slots_of(const uint8_t *types, uint32_t n) {
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++) s += wasm_slots(types[i]);
    return s;
}

/* Pushes a control frame; its params must already be on the operand stack
 * (they are popped and pushed back, checking their types). */
static int push_ctrl(vctx *v, frame_kind kind, uint32_t np, const uint8_t *params, uint32_t nr,
                     const uint8_t *results) {
    bool dead = v->check_only || (v->nctrls > 0 && !v_live(v));
    /* (The caller flushed: the params are in their canonical slots.) */
    if (v->nctrls > 0 && pop_vals(v, params, np) < 0) return -1;
    if (hv_grow(&v->engine->alloc, (void **)&v->ctrls, &v->capctrls, v->nctrls + 1,
                sizeof *v->ctrls) < 0)
        return v_nomem(v);
    vframe *f = &v->ctrls[v->nctrls++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->nparams = np;
    f->params = params;
    f->nresults = nr;
    f->results = results;
    f->param_slots = slots_of(params, np);
    f->result_slots = slots_of(results, nr);
    f->height = v->nvals;
    f->height_slots = (uint32_t)v->cur_slots;
    f->dead = dead;
    f->loop_pc = NO_CELL;
    f->fixups = NO_CELL;
    f->else_fixup = NO_CELL;
    if (hv_emit_da_push(v, v->nctrls - 1) < 0) return -1;
    if (kind == FRAME_FUNC) return 0;
    return push_vals(v, params, np);
}

/* Marks the rest of the current frame unreachable. */
static void set_unreachable(vctx *v) {
    vframe *f = &v->ctrls[v->nctrls - 1];
    v->nvals = f->height;
    if (v_live(v)) v->cur_slots = f->height_slots;
    f->unreachable = true;
    hv_emit_da_unreachable(v);
}


/* ---- function bodies ------------------------------------------------------- */

/* Reads a block type: empty, one value type, or a type index. */
static int read_blocktype(vctx *v, uint32_t *np, const uint8_t **params, uint32_t *nr,
                          const uint8_t **results) {
    uint8_t b;
    if (leb_peek(&v->r, &b) != LEB_OK) return v_malformed(v, "unexpected end");
    *np = 0;
    *params = NULL;
    if (b == 0x40) {
        v->r.p++;
        *nr = 0;
        *results = NULL;
        return 0;
    }
    if (is_valtype(b)) {
        v->r.p++;
        *nr = 1;
        *results = &valtype_self[b];
        return 0;
    }
    int64_t idx = 0;
    if (v_leb(v, leb_s33(&v->r, &idx)) < 0) return -1;
    if (idx < 0) return v_malformed(v, "malformed value type");
    if ((uint64_t)idx >= v->m->ntypes) return v_invalid(v, "unknown type");
    const wasm_functype *t = &v->m->types[idx];
    *np = t->nparams;
    *params = t->params;
    *nr = t->nresults;
    *results = t->results;
    return 0;
}

/* "unknown memory N" unless the module has memory idx. */
static int check_memory(vctx *v, uint32_t idx) {
    if (idx < v->m->nmemories) return 0;
    char msg[40];
    snprintf(msg, sizeof msg, "unknown memory %u", idx);
    return v_invalid(v, msg);
}

/* Reads a memarg and checks it against the access's natural alignment
 * (log2 of its width) and the memory it names. With multi-memory, bit 6
 * of the alignment flags says that a memory index follows them (else it
 * is memory 0); with HIVE_CONFIG_WASM2 the flags are the
 * alignment alone, as in WebAssembly 2.0. */
static int read_memarg(vctx *v, uint32_t natural, uint32_t *offset, uint32_t *mem) {
    uint32_t align = 0;
    *mem = 0;
    if (v_u32(v, &align) < 0) return -1;
    if (!v->engine->wasm2 && (align & 0x40)) {
        align &= ~0x40u;
        if (v_u32(v, mem) < 0) return -1;
    }
    if (v_u32(v, offset) < 0) return -1;
    if (check_memory(v, *mem) < 0) return -1;
    if (align > natural) return v_invalid(v, "alignment must not be larger than natural");
    return 0;
}

/* A memory index of memory.size/grow/fill/copy/init: the reserved byte
 * 0x00 under WebAssembly 2.0's rules, a u32 with multi-memory. Checked
 * against the module's memories. */
static int read_memidx(vctx *v, uint32_t *mem) {
    *mem = 0;
    if (v->engine->wasm2) {
        uint8_t b;
        if (v_byte(v, &b) < 0) return -1;
        if (b != 0) return v_malformed(v, "zero byte expected");
    } else if (v_u32(v, mem) < 0) {
        return -1;
    }
    return check_memory(v, *mem);
}

/* Operand types of the numeric opcodes 0x45..0xc4: up to two inputs (0 =
 * none) and the result. */
static inline __attribute__((always_inline)) void numeric_sig(uint8_t op, uint8_t *a, uint8_t *b,
                                                               uint8_t *res) {
    const uint8_t I = WASM_I32, L = WASM_I64, F = WASM_F32, D = WASM_F64;
    *b = 0;
    if (op == 0x45) { *a = I; *res = I; }
    else if (op <= 0x4f) { *a = *b = I; *res = I; }
    else if (op == 0x50) { *a = L; *res = I; }
    else if (op <= 0x5a) { *a = *b = L; *res = I; }
    else if (op <= 0x60) { *a = *b = F; *res = I; }
    else if (op <= 0x66) { *a = *b = D; *res = I; }
    else if (op <= 0x69) { *a = I; *res = I; }
    else if (op <= 0x78) { *a = *b = I; *res = I; }
    else if (op <= 0x7b) { *a = L; *res = L; }
    else if (op <= 0x8a) { *a = *b = L; *res = L; }
    else if (op <= 0x91) { *a = F; *res = F; }
    else if (op <= 0x98) { *a = *b = F; *res = F; }
    else if (op <= 0x9f) { *a = D; *res = D; }
    else if (op <= 0xa6) { *a = *b = D; *res = D; }
    else {
        /* conversions 0xa7..0xc4: input, output */
        static const uint8_t conv[30][2] = {
            {L, I}, {F, I}, {F, I}, {D, I}, {D, I}, {I, L}, {I, L}, {F, L}, {F, L}, {D, L},
            {D, L}, {I, F}, {I, F}, {L, F}, {L, F}, {D, F}, {I, D}, {I, D}, {L, D}, {L, D},
            {F, D}, {F, I}, {D, L}, {I, F}, {L, D}, {I, I}, {I, I}, {L, L}, {L, L}, {L, L},
        };
        *a = conv[op - 0xa7][0];
        *res = conv[op - 0xa7][1];
    }
}

static int check_local(vctx *v, uint32_t idx) {
    if (idx >= v->nlocals) return v_invalid(v, "unknown local");
    return 0;
}

static int check_table(vctx *v, uint32_t idx) {
    if (idx >= v->m->ntables) return v_invalid(v, "unknown table");
    return 0;
}

static int check_elem(vctx *v, uint32_t idx) {
    if (idx >= v->m->nelems) return v_invalid(v, "unknown elem segment");
    return 0;
}

/* memory.init and data.drop need the data count section (the binary
 * format's rule, so a one-pass reader knows the count); an index beyond
 * the segments there are is a validation error first. */
static int check_data(vctx *v, uint32_t idx) {
    uint32_t n = v->m->has_datacount ? v->m->datacount : v->m->ndatas;
    if (idx >= n) return v_invalid(v, "unknown data segment");
    if (!v->m->has_datacount) return v_malformed(v, "data count section required");
    return 0;
}

/* Emits a call of the function with type t (arguments already checked
 * and popped by the caller), pushing the results. */
static int emit_call_results(vctx *v, const wasm_functype *t) {
    return push_vals(v, t->results, t->nresults);
}

/* local.set (tee false) or local.tee of local idx. */
static int compile_local_write(vctx *v, uint32_t idx, bool tee) {
    uint8_t t = v->local_types[idx];
    uint32_t off = v->local_offsets[idx];
    bool wide = t == WASM_V128;
    if (pop_expect(v, t, NULL) < 0) return -1;
    uint32_t src = v->pop_src, slot = v->pop_slot;
    if (!v_live(v)) return tee ? push_val(v, t) : 0;
    bool in_local = src == off; /* local.get x; local.set x */
    if (!in_local) {
        /* The instruction that computed the value may write the local
         * directly, unless an operand still reads the local's old value. */
        if (!wide && src == slot && !hv_emit_local_referenced(v, off) &&
            hv_emit_retarget_last(v, slot, off)) {
            in_local = true;
        } else {
            if (hv_emit_materialize_local(v, off) < 0) return -1;
            if (wide ? hv_emit_op(v, OP_COPY_V128) < 0 || hv_emit_dest(v, off) < 0 ||
                           hv_emit_u64(v, src) < 0
                     : hv_emit_copy(v, off, src) < 0)
                return -1;
            if (wide) hv_emit_forget_dest(v);
        }
    }
    if (!tee) return 0;
    if (push_val(v, t) < 0) return -1;
    vopnd *o = &v->opnds[v->nvals - 1];
    if (in_local) {
        /* The value is only in the local now: read it from there. */
        o->src = off;
        v->ndeferred++;
    } else if (src != slot) {
        o->src = src; /* still where it was read from (another local) */
        v->ndeferred++;
    }
    return 0;
}

/* Validates and compiles the 0xFD-prefixed instruction that follows (see
 * simd_ops.h for the immediates and types, opcodes.h for the operands). */
static int compile_simd(vctx *v) {
#define SIMD_INTERNAL_OP_(code, fn, ...) [code] = OP_SIMD_##fn,
    static const uint16_t internal[256] = {SIMD_OPS(SIMD_INTERNAL_OP_)};
#undef SIMD_INTERNAL_OP_
    uint32_t sub = 0, offset = 0, memidx = 0;
    uint8_t lane = 0, bytes[16];
    if (v_u32(v, &sub) < 0) return -1;
    const simd_op_info *info = simd_op_lookup(sub);
    if (!info) return v_malformed(v, "illegal opcode");
    wasm_op o = (wasm_op)internal[sub];
    switch ((simd_imm_kind)info->imm) {
    case SIMD_IMM_NONE: break;
    case SIMD_IMM_MEMARG:
        if (read_memarg(v, info->align, &offset, &memidx) < 0) return -1;
        break;
    case SIMD_IMM_MEMARG_LANE:
        if (read_memarg(v, info->align, &offset, &memidx) < 0) return -1;
        /* fall through */
    case SIMD_IMM_LANE:
        if (v_byte(v, &lane) < 0) return -1;
        if (lane >= info->lanes) return v_invalid(v, "invalid lane index");
        break;
    case SIMD_IMM_V128:
    case SIMD_IMM_SHUFFLE:
        for (int i = 0; i < 16; i++) {
            if (v_byte(v, &bytes[i]) < 0) return -1;
            if (info->imm == SIMD_IMM_SHUFFLE && bytes[i] >= info->lanes)
                return v_invalid(v, "invalid lane index");
        }
        break;
    }
    uint32_t src[3] = {0, 0, 0};
    for (unsigned i = info->nparams; i-- > 0;)
        if (pop_src(v, info->params[i], &src[i]) < 0) return -1;
    bool mem = info->imm == SIMD_IMM_MEMARG || info->imm == SIMD_IMM_MEMARG_LANE;
    bool has_lane = info->imm == SIMD_IMM_MEMARG_LANE || info->imm == SIMD_IMM_LANE;
    if (memidx != 0) {
        /* another memory than 0: the same instruction, between selects */
        if (hv_emit_mem_select(v, memidx) < 0) return -1;
        if (!info->result) {
            if (hv_emit_op(v, o) < 0 || hv_emit_u64(v, src[0]) < 0 || hv_emit_u64(v, offset) < 0 ||
                hv_emit_u64(v, src[1]) < 0 || (has_lane && hv_emit_u64(v, lane) < 0))
                return -1;
            return hv_emit_mem_select(v, 0);
        }
        uint32_t d = (uint32_t)v->cur_slots;
        if (hv_emit_op(v, o) < 0 || hv_emit_u64(v, d) < 0 || hv_emit_u64(v, src[0]) < 0 ||
            hv_emit_u64(v, offset) < 0 || (info->nparams > 1 && hv_emit_u64(v, src[1]) < 0) ||
            (has_lane && hv_emit_u64(v, lane) < 0) || hv_emit_mem_select(v, 0) < 0)
            return -1;
        return push_val(v, info->result);
    }
    if (!info->result) { /* stores: [a, offset, v (, lane)] */
        if (hv_emit_op(v, o) < 0 || hv_emit_u64(v, src[0]) < 0 || hv_emit_u64(v, offset) < 0 ||
            hv_emit_u64(v, src[1]) < 0)
            return -1;
        return has_lane ? hv_emit_u64(v, lane) : 0;
    }
    uint32_t d = (uint32_t)v->cur_slots;
    if (hv_emit_op(v, o) < 0) return -1;
    /* A one-slot result may be retargeted by local.set; a v128 is not. */
    if ((info->result == WASM_V128 ? hv_emit_u64(v, d) : hv_emit_dest(v, d)) < 0) return -1;
    if (mem) {
        if (hv_emit_u64(v, src[0]) < 0 || hv_emit_u64(v, offset) < 0) return -1;
        if (info->nparams > 1 && hv_emit_u64(v, src[1]) < 0) return -1;
    } else {
        for (unsigned i = 0; i < info->nparams; i++)
            if (hv_emit_u64(v, src[i]) < 0) return -1;
    }
    if (has_lane && hv_emit_u64(v, lane) < 0) return -1;
    if (info->imm == SIMD_IMM_V128 || info->imm == SIMD_IMM_SHUFFLE) {
        uint64_t lo, hi;
        memcpy(&lo, bytes, 8);
        memcpy(&hi, bytes + 8, 8);
        if (hv_emit_u64(v, lo) < 0 || hv_emit_u64(v, hi) < 0) return -1;
    }
    return push_val(v, info->result);
}

/* ---- exception handling (tags, throw, try_table) ------------------------ *
 *
 * throw x: THROW [top, x], the tag's values in their canonical slots below
 * top (a window). try_table: its body is compiled as a block's; at its
 * end, after a branch over them, come its landing pads, one per catch
 * clause, each a branch to the clause's label carrying the tag's values
 * (catch) or nothing (catch_all) from the try_table's base slot; and one
 * wasm_handler per clause says which cells of the body it covers, which
 * tag it catches, where the values go and where its pad is (module.h).
 * The interpreter (THROW) looks for the first handler that covers the
 * throw, in the function that throws and then in its callers, stores the
 * values and continues at its pad. catch_ref, catch_all_ref and
 * throw_ref need exception references (exnref), which hive does not
 * have: they are refused. */

static uint32_t tag_params(const wasm_module *m, uint32_t tag, const uint8_t **params) {
    const wasm_functype *t = &m->types[m->tags[tag]];
    *params = t->params;
    return t->nparams;
}

/* Reads and checks try_table's catch clauses against the labels around
 * it (the frame is not pushed yet), keeping them in v->catches. */
static int read_catches(vctx *v, uint32_t *at, uint32_t *n) {
    uint32_t count = 0;
    if (v_u32(v, &count) < 0) return -1;
    *at = (uint32_t)v->ncatches;
    *n = count;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t kind = 0;
        uint32_t tag = WASM_TAG_ALL, label = 0;
        if (v_byte(v, &kind) < 0) return -1;
        if (kind > 3) return v_malformed(v, "malformed catch clause");
        if (kind == 1 || kind == 3)
            return v_invalid(v, "catch_ref and catch_all_ref need exception references (exnref), "
                                "which hive does not support");
        if (kind == 0) {
            if (v_u32(v, &tag) < 0) return -1;
            if (tag >= v->m->ntags) return v_invalid(v, "unknown tag");
        }
        if (v_u32(v, &label) < 0) return -1;
        if (label >= v->nctrls) return v_invalid(v, "unknown label");
        const uint8_t *lt, *pt = NULL;
        uint32_t ln, ls;
        label_types(&v->ctrls[v->nctrls - 1 - label], &lt, &ln, &ls);
        uint32_t pn = kind == 0 ? tag_params(v->m, tag, &pt) : 0;
        if (ln != pn || (pn && memcmp(lt, pt, pn) != 0)) return v_invalid(v, "type mismatch");
        if (hv_grow(&v->engine->alloc, (void **)&v->catches, &v->capcatches, v->ncatches + 1,
                    sizeof *v->catches) < 0)
            return v_nomem(v);
        v->catches[v->ncatches++] = (vcatch){kind, tag, label};
    }
    return 0;
}

/* At the end of a try_table with catch clauses (live or not, the frame
 * alive): the branch over the pads, then each pad and its handler. Leaves
 * the frame unreachable with its results checked; `end` then closes it
 * as a block. */
static int emit_landing_pads(vctx *v) {
    size_t fi = v->nctrls - 1;
    vframe *f = &v->ctrls[fi];
    if (hv_emit_flush(v) < 0) return -1;
    if (pop_vals(v, f->results, f->nresults) < 0) return -1;
    if (v->nvals != f->height) return v_invalid(v, "type mismatch");
    if (push_vals(v, f->results, f->nresults) < 0) return -1;
    if (v_live(v)) {
        if (hv_emit_branch(v, 0, NULL) < 0) return -1;
        hv_emit_da_branch(v, 0);
    }
    uint32_t end = emit_pc(v);
    uint32_t at = v->ctrls[fi].catch_at, n = v->ctrls[fi].ncatch;
    for (uint32_t i = 0; i < n; i++) {
        vcatch c = v->catches[at + i];
        f = &v->ctrls[fi];
        f->unreachable = false;
        v->nvals = f->height;
        v->cur_slots = f->height_slots;
        hv_emit_fence(v);
        if (hv_emit_handler(v, (wasm_handler){f->try_start, end, emit_pc(v), c.tag,
                                           f->height_slots}) < 0)
            return -1;
        if (c.kind == 0) {
            const uint8_t *pt;
            uint32_t pn = tag_params(v->m, c.tag, &pt);
            if (push_vals(v, pt, pn) < 0) return -1;
        }
        /* a throw may come before anything the body assigns */
        hv_emit_da_restore(v, fi);
        if (hv_emit_branch(v, c.label + 1, NULL) < 0) return -1;
        hv_emit_da_branch(v, c.label + 1);
        set_unreachable(v);
    }
    v->ncatches = at;
    return 0;
}

/* Validates and compiles one instruction (opcode already read). Returns
 * 0, -1 on error, or 1 when the function's final `end` was reached. */
static int compile_instr(vctx *v, uint8_t op) {
    wasm_module *m = v->m;
    uint8_t t = 0, t2 = 0;
    uint32_t idx = 0, idx2 = 0, mem = 0, mem2 = 0;
    uint32_t a = 0, b = 0, c = 0, a_slot = 0, b_slot = 0;
    switch (op) {
    case 0x00: /* unreachable */
        if (hv_emit_op(v, OP_UNREACHABLE) < 0) return -1;
        set_unreachable(v);
        return 0;
    case 0x01: /* nop */
        return 0;
    case 0x02:   /* block */
    case 0x03:   /* loop */
    case 0x04: { /* if */
        uint32_t np = 0, nr = 0;
        const uint8_t *params = NULL, *results = NULL;
        vcond k;
        if (read_blocktype(v, &np, &params, &nr, &results) < 0) return -1;
        if (op == 0x04) {
            if (pop_src(v, WASM_I32, &c) < 0) return -1;
            hv_emit_cond_take(v, c, true, true, &k);
        }
        if (hv_emit_flush(v) < 0) return -1;
        frame_kind kind = op == 0x02 ? FRAME_BLOCK : op == 0x03 ? FRAME_LOOP : FRAME_IF;
        if (push_ctrl(v, kind, np, params, nr, results) < 0) return -1;
        vframe *f = &v->ctrls[v->nctrls - 1];
        if (kind == FRAME_LOOP) {
            f->loop_pc = emit_pc(v);
            hv_emit_fence(v);
            return hv_emit_op(v, OP_LOOP_CHECK);
        }
        if (kind == FRAME_IF && v_live(v)) {
            /* The condition was popped before the frame: its params sit
             * at the frame's base either way. */
            if (hv_emit_op(v, k.op) < 0) return -1;
            f = &v->ctrls[v->nctrls - 1];
            f->else_fixup = emit_pc(v);
            if (hv_emit_target(v, NO_CELL) < 0 || hv_emit_cond(v, &k) < 0) return -1;
        }
        return 0;
    }
    case 0x05: { /* else */
        vframe *f = &v->ctrls[v->nctrls - 1];
        if (f->kind != FRAME_IF) return v_malformed(v, "else without if");
        if (hv_emit_flush(v) < 0) return -1;
        if (pop_vals(v, f->results, f->nresults) < 0) return -1;
        if (v->nvals != f->height) return v_invalid(v, "type mismatch");
        if (v_live(v)) {
            if (hv_emit_op(v, OP_BR) < 0 || hv_emit_fixup(v, v->nctrls - 1) < 0) return -1;
            hv_emit_da_branch(v, 0); /* the then-branch's fallthrough */
        }
        hv_emit_da_restore(v, v->nctrls - 1);
        f = &v->ctrls[v->nctrls - 1];
        if (f->else_fixup != NO_CELL) emit_patch(v, f->else_fixup, emit_pc(v));
        f->else_fixup = NO_CELL;
        f->kind = FRAME_ELSE;
        f->unreachable = false;
        if (!f->dead) v->cur_slots = f->height_slots;
        hv_emit_fence(v);
        return push_vals(v, f->params, f->nparams);
    }
    case 0x08: { /* throw x */
        if (v->engine->wasm2) return v_malformed(v, "illegal opcode");
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= m->ntags) return v_invalid(v, "unknown tag");
        const uint8_t *pt;
        uint32_t pn = tag_params(m, idx, &pt);
        if (hv_emit_window(v, OP_THROW) < 0) return -1;
        for (uint32_t i = pn; i-- > 0;)
            if (pop_expect(v, pt[i], NULL) < 0) return -1;
        if (hv_emit_u64(v, idx) < 0) return -1;
        set_unreachable(v);
        return 0;
    }
    case 0x0a: /* throw_ref */
        if (v->engine->wasm2) return v_malformed(v, "illegal opcode");
        return v_invalid(v, "throw_ref needs exception references (exnref), which hive does not "
                            "support");
    case 0x1f: { /* try_table */
        if (v->engine->wasm2) return v_malformed(v, "illegal opcode");
        uint32_t np = 0, nr = 0, cat = 0, ncat = 0;
        const uint8_t *params = NULL, *results = NULL;
        if (read_blocktype(v, &np, &params, &nr, &results) < 0) return -1;
        if (read_catches(v, &cat, &ncat) < 0) return -1;
        if (hv_emit_flush(v) < 0) return -1;
        if (push_ctrl(v, FRAME_TRY, np, params, nr, results) < 0) return -1;
        vframe *f = &v->ctrls[v->nctrls - 1];
        f->catch_at = cat;
        f->ncatch = ncat;
        hv_emit_fence(v);
        f->try_start = emit_pc(v);
        return 0;
    }
    case 0x0b: { /* end */
        vframe *f = &v->ctrls[v->nctrls - 1];
        if (f->kind == FRAME_TRY) {
            if (f->ncatch && !f->dead) {
                if (emit_landing_pads(v) < 0) return -1;
            } else {
                v->ncatches = f->catch_at;
            }
            f = &v->ctrls[v->nctrls - 1];
        }
        if (hv_emit_flush(v) < 0) return -1;
        if (pop_vals(v, f->results, f->nresults) < 0) return -1;
        if (v->nvals != f->height) return v_invalid(v, "type mismatch");
        if (f->kind == FRAME_IF) {
            /* An if without else passes its params through as results. */
            if (f->nparams != f->nresults ||
                (f->nparams && memcmp(f->params, f->results, f->nparams) != 0))
                return v_invalid(v, "type mismatch");
        }
        if (v->nctrls > 1) hv_emit_da_end(v, v->nctrls - 1, f->kind == FRAME_IF);
        uint32_t pc = emit_pc(v);
        /* A label no branch targets needs no fence: the function's end,
         * when only returns (not br_if) leave it early. */
        if (v->nctrls > 1 || f->fixups != NO_CELL || f->else_fixup != NO_CELL) hv_emit_fence(v);
        hv_emit_patch_chain(v, f->fixups, pc);
        if (f->else_fixup != NO_CELL) emit_patch(v, f->else_fixup, pc);
        if (v->nctrls == 1) {
            /* The function's end: always a RETURN, branches land here. */
            f->unreachable = false;
            f->dead = v->check_only;
            v->cur_slots = f->height_slots + f->result_slots;
            if (hv_emit_return(v, f->height_slots, f->result_slots) < 0) return -1;
            v->nctrls = 0;
            return 1;
        }
        uint32_t nr = f->nresults, height_slots = f->height_slots;
        bool dead = f->dead;
        const uint8_t *results = f->results;
        v->nctrls--;
        if (!dead) v->cur_slots = height_slots;
        return push_vals(v, results, nr);
    }
    case 0x0c: /* br */
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= v->nctrls) return v_invalid(v, "unknown label");
        {
            const uint8_t *types;
            uint32_t n, s;
            if (hv_emit_flush(v) < 0) return -1;
            label_types(&v->ctrls[v->nctrls - 1 - idx], &types, &n, &s);
            if (pop_vals(v, types, n) < 0) return -1;
            if (push_vals(v, types, n) < 0) return -1;
            if (hv_emit_branch(v, idx, NULL) < 0) return -1;
            if (v_live(v)) hv_emit_da_branch(v, idx);
        }
        set_unreachable(v);
        return 0;
    case 0x0d: { /* br_if */
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= v->nctrls) return v_invalid(v, "unknown label");
        if (pop_src(v, WASM_I32, &c) < 0) return -1;
        vcond k;
        const uint8_t *types;
        uint32_t n, s;
        label_types(&v->ctrls[v->nctrls - 1 - idx], &types, &n, &s);
        /* (cur_slots - s is only meaningful in live code, where the values
         * are there; branch_unwinds is not asked otherwise.) */
        hv_emit_cond_take(v, c, false, v_live(v) && v->cur_slots >= s && !hv_emit_unwinds(v, idx), &k);
        if (hv_emit_flush(v) < 0) return -1;
        if (pop_vals(v, types, n) < 0) return -1;
        if (push_vals(v, types, n) < 0) return -1;
        if (v_live(v)) hv_emit_da_branch(v, idx);
        return hv_emit_branch(v, idx, &k);
    }
    case 0x0e: { /* br_table */
        uint32_t count = 0;
        if (v_leb(v, leb_len(&v->r, &count)) < 0) return -1;
        const uint8_t *labels_at = v->r.p;
        for (uint32_t i = 0; i <= count; i++)
            if (v_u32(v, &idx) < 0) return -1;
        if (pop_src(v, WASM_I32, &c) < 0) return -1;
        if (hv_emit_flush(v) < 0) return -1;
        /* Check every label against the operand stack (spec algorithm). */
        leb_reader again;
        leb_init(&again, labels_at, (size_t)(v->r.p - labels_at), 0);
        uint32_t dflt = 0;
        {
            leb_reader probe = again;
            for (uint32_t i = 0; i < count; i++) leb_u32(&probe, &idx);
            leb_u32(&probe, &dflt);
        }
        if (dflt >= v->nctrls) return v_invalid(v, "unknown label");
        const uint8_t *dtypes;
        uint32_t arity, arity_slots;
        label_types(&v->ctrls[v->nctrls - 1 - dflt], &dtypes, &arity, &arity_slots);
        for (uint32_t i = 0; i < count; i++) {
            leb_u32(&again, &idx);
            if (idx >= v->nctrls) return v_invalid(v, "unknown label");
            const uint8_t *types;
            uint32_t n, s;
            label_types(&v->ctrls[v->nctrls - 1 - idx], &types, &n, &s);
            if (n != arity) return v_invalid(v, "type mismatch");
            /* pop and re-push, with unknowns taking the label's types */
            uint8_t tmp[64];
            uint8_t *popped = n <= sizeof tmp ? tmp : hv_malloc(&v->engine->alloc, n);
            if (!popped) return v_nomem(v);
            int rc = 0;
            for (uint32_t k = n; k-- > 0 && rc == 0;) {
                rc = pop_val(v, &popped[k]);
                if (rc == 0 && popped[k] != types[k] && popped[k] != VT_UNKNOWN)
                    rc = v_invalid(v, "type mismatch");
            }
            if (rc == 0) rc = push_vals(v, popped, n);
            if (popped != tmp) hv_free(&v->engine->alloc, popped);
            if (rc < 0) return -1;
        }
        if (pop_vals(v, dtypes, arity) < 0) return -1;
        if (push_vals(v, dtypes, arity) < 0) return -1;
        if (v_live(v)) {
            if (hv_emit_op(v, OP_BR_TABLE) < 0 || hv_emit_u64(v, count) < 0 ||
                hv_emit_u64(v, arity_slots) < 0 ||
                hv_emit_u64(v, (uint64_t)v->cur_slots - arity_slots) < 0 || hv_emit_u64(v, c) < 0)
                return -1;
            leb_init(&again, labels_at, (size_t)(v->r.p - labels_at), 0);
            for (uint32_t i = 0; i <= count; i++) {
                leb_u32(&again, &idx);
                hv_emit_da_branch(v, idx);
                size_t fi = v->nctrls - 1 - idx;
                vframe *f = &v->ctrls[fi];
                int rc = f->kind == FRAME_LOOP ? hv_emit_target(v, f->loop_pc) : hv_emit_fixup(v, fi);
                if (rc < 0 || hv_emit_u64(v, v->ctrls[fi].height_slots) < 0) return -1;
            }
        }
        set_unreachable(v);
        return 0;
    }
    case 0x0f: { /* return */
        vframe *f = &v->ctrls[0];
        if (hv_emit_flush(v) < 0) return -1;
        if (pop_vals(v, f->results, f->nresults) < 0) return -1;
        if (hv_emit_return(v, (uint64_t)v->cur_slots, f->result_slots) < 0) return -1;
        set_unreachable(v);
        return 0;
    }
    case 0x10: { /* call */
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= m->nfuncs) return v_invalid(v, "unknown function");
        const wasm_functype *ft = wasm_func_type(m, idx);
        if (hv_emit_flush(v) < 0) return -1;
        if (pop_vals(v, ft->params, ft->nparams) < 0) return -1;
        /* CALL names its callee's code (module-level, already in place);
         * CALL_IMPORT the function index */
        uint64_t callee = idx < m->nimported_funcs
                              ? idx
                              : (uint64_t)(uintptr_t)&m->codes[idx - m->nimported_funcs];
        if (hv_emit_op(v, idx < m->nimported_funcs ? OP_CALL_IMPORT : OP_CALL) < 0 ||
            hv_emit_u64(v, callee) < 0 || hv_emit_u64(v, (uint64_t)v->cur_slots) < 0)
            return -1;
        return emit_call_results(v, ft);
    }
    case 0x11: { /* call_indirect */
        if (v_u32(v, &idx) < 0 || v_u32(v, &idx2) < 0) return -1;
        if (check_table(v, idx2) < 0) return -1;
        if (idx >= m->ntypes) return v_invalid(v, "unknown type");
        if (m->tables[idx2].elemtype != WASM_FUNCREF) return v_invalid(v, "type mismatch");
        if (pop_src(v, WASM_I32, &c) < 0) return -1;
        const wasm_functype *ft = &m->types[idx];
        if (hv_emit_flush(v) < 0) return -1;
        if (pop_vals(v, ft->params, ft->nparams) < 0) return -1;
        if (hv_emit_op(v, OP_CALL_INDIRECT) < 0 || hv_emit_u64(v, idx) < 0 || hv_emit_u64(v, idx2) < 0 ||
            hv_emit_u64(v, (uint64_t)v->cur_slots) < 0 || hv_emit_u64(v, c) < 0)
            return -1;
        return emit_call_results(v, ft);
    }
    case 0x1a: /* drop: the value is simply forgotten */
        return pop_val(v, &t);
    case 0x1b:   /* select */
    case 0x1c: { /* select t* */
        uint8_t want = VT_UNKNOWN;
        if (op == 0x1c) {
            uint32_t n = 0;
            if (v_u32(v, &n) < 0) return -1;
            if (n != 1) return v_invalid(v, "invalid result arity");
            if (v_byte(v, &want) < 0) return -1;
            if (!is_valtype(want)) return v_malformed(v, "malformed value type");
        }
        if (pop_src(v, WASM_I32, &c) < 0) return -1;
        if (op == 0x1c) {
            if (pop_src(v, want, &b) < 0 || pop_src(v, want, &a) < 0) return -1;
            t = want;
        } else {
            if (pop_val(v, &t) < 0) return -1;
            b = v->pop_src;
            if (pop_val(v, &t2) < 0) return -1;
            a = v->pop_src;
            if (is_reftype(t) || is_reftype(t2)) return v_invalid(v, "type mismatch");
            if (t != VT_UNKNOWN && t2 != VT_UNKNOWN && t != t2)
                return v_invalid(v, "type mismatch");
            if (t == VT_UNKNOWN) t = t2;
        }
        uint32_t d = (uint32_t)v->cur_slots;
        if (t == WASM_V128) {
            if (hv_emit_op(v, OP_SELECT_V128) < 0 || hv_emit_u64(v, d) < 0) return -1;
        } else if (hv_emit_op(v, OP_SELECT) < 0 || hv_emit_dest(v, d) < 0) {
            return -1;
        }
        if (hv_emit_u64(v, a) < 0 || hv_emit_u64(v, b) < 0 || hv_emit_u64(v, c) < 0) return -1;
        return push_val(v, t);
    }
    case 0x20: /* local.get: nothing to emit, the consumer reads the local */
        if (v_u32(v, &idx) < 0 || check_local(v, idx) < 0) return -1;
        if (push_val(v, v->local_types[idx]) < 0) return -1;
        if (v_live(v)) {
            v->opnds[v->nvals - 1].src = v->local_offsets[idx];
            v->ndeferred++;
            hv_emit_da_read(v, idx);
        }
        return 0;
    case 0x21: /* local.set */
    case 0x22: /* local.tee */
        if (v_u32(v, &idx) < 0 || check_local(v, idx) < 0) return -1;
        if (compile_local_write(v, idx, op == 0x22) < 0) return -1;
        hv_emit_da_write(v, idx);
        return 0;
    case 0x23:   /* global.get */
    case 0x24: { /* global.set */
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= m->nglobals) return v_invalid(v, "unknown global");
        t = m->globals[idx].type.valtype;
        bool wide = t == WASM_V128;
        if (op == 0x23) {
            uint32_t d = (uint32_t)v->cur_slots;
            if (wide) {
                if (hv_emit_op(v, OP_GLOBAL_GET_V128) < 0 || hv_emit_u64(v, d) < 0) return -1;
            } else if (hv_emit_op(v, OP_GLOBAL_GET) < 0 || hv_emit_dest(v, d) < 0) {
                return -1;
            }
            if (hv_emit_u64(v, idx) < 0) return -1;
            return push_val(v, t);
        }
        if (!m->globals[idx].type.mutable_) return v_invalid(v, "global is immutable");
        if (pop_src(v, t, &a) < 0) return -1;
        if (hv_emit_op(v, wide ? OP_GLOBAL_SET_V128 : OP_GLOBAL_SET) < 0 || hv_emit_u64(v, idx) < 0 ||
            hv_emit_u64(v, a) < 0)
            return -1;
        return 0;
    }
    case 0x25:   /* table.get */
    case 0x26: { /* table.set */
        if (v_u32(v, &idx) < 0 || check_table(v, idx) < 0) return -1;
        t = m->tables[idx].elemtype;
        if (op == 0x25) {
            if (hv_emit_window(v, OP_TABLE_GET) < 0) return -1;
            if (pop_expect(v, WASM_I32, NULL) < 0) return -1;
            if (hv_emit_u64(v, idx) < 0) return -1;
            return push_val(v, t);
        }
        if (hv_emit_window(v, OP_TABLE_SET) < 0) return -1;
        if (pop_expect(v, t, NULL) < 0 || pop_expect(v, WASM_I32, NULL) < 0) return -1;
        if (hv_emit_u64(v, idx) < 0) return -1;
        return 0;
    }
    case 0x3f:   /* memory.size */
    case 0x40: { /* memory.grow */
        if (read_memidx(v, &idx) < 0) return -1;
        if (op == 0x40 && pop_src(v, WASM_I32, &a) < 0) return -1;
        uint32_t d = (uint32_t)v->cur_slots;
        wasm_op o = op == 0x3f ? (idx ? OP_MEMORY_SIZE_X : OP_MEMORY_SIZE)
                               : (idx ? OP_MEMORY_GROW_X : OP_MEMORY_GROW);
        if (hv_emit_op(v, o) < 0 || hv_emit_dest(v, d) < 0) return -1;
        if (op == 0x40 && hv_emit_u64(v, a) < 0) return -1;
        if (idx && hv_emit_u64(v, idx) < 0) return -1;
        return push_val(v, WASM_I32);
    }
    case 0x41:   /* i32.const */
    case 0x42:   /* i64.const */
    case 0x43:   /* f32.const */
    case 0x44: { /* f64.const */
        uint64_t bits = 0;
        if (op == 0x41) {
            int32_t x = 0;
            if (v_leb(v, leb_s32(&v->r, &x)) < 0) return -1;
            bits = (uint32_t)x;
        } else if (op == 0x42) {
            int64_t x = 0;
            if (v_leb(v, leb_s64(&v->r, &x)) < 0) return -1;
            bits = (uint64_t)x;
        } else if (op == 0x43) {
            uint32_t x = 0;
            if (v_leb(v, leb_f32(&v->r, &x)) < 0) return -1;
            bits = x;
        } else if (v_leb(v, leb_f64(&v->r, &bits)) < 0) {
            return -1;
        }
        static const uint8_t type_of[4] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
        if (hv_emit_op(v, OP_CONST) < 0 || hv_emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            hv_emit_u64(v, bits) < 0)
            return -1;
        return push_val(v, type_of[op - 0x41]);
    }
    case 0xd0: /* ref.null t */
        if (v_byte(v, &t) < 0) return -1;
        if (!is_reftype(t)) return v_malformed(v, "malformed reference type");
        if (hv_emit_op(v, OP_CONST) < 0 || hv_emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            hv_emit_u64(v, 0) < 0)
            return -1;
        return push_val(v, t);
    case 0xd1: /* ref.is_null */
        if (pop_val(v, &t) < 0) return -1;
        if (t != VT_UNKNOWN && !is_reftype(t)) return v_invalid(v, "type mismatch");
        a = v->pop_src;
        if (hv_emit_op(v, OP_REF_IS_NULL) < 0 || hv_emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            hv_emit_u64(v, a) < 0)
            return -1;
        return push_val(v, WASM_I32);
    case 0xd2: /* ref.func */
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= m->nfuncs) return v_invalid(v, "unknown function");
        if (v->declared && !v->declared[idx])
            return v_invalid(v, "undeclared function reference");
        if (hv_emit_op(v, OP_REF_FUNC) < 0 || hv_emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            hv_emit_u64(v, idx) < 0)
            return -1;
        return push_val(v, WASM_FUNCREF);
    case 0xfc: {
        uint32_t sub = 0;
        if (v_u32(v, &sub) < 0) return -1;
        switch (sub) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: { /* trunc_sat */
            static const uint8_t in[8] = {WASM_F32, WASM_F32, WASM_F64, WASM_F64,
                                          WASM_F32, WASM_F32, WASM_F64, WASM_F64};
            if (pop_src(v, in[sub], &a) < 0) return -1;
            if (hv_emit_op(v, (wasm_op)(OP_I32_TRUNC_SAT_F32_S + sub)) < 0 ||
                hv_emit_dest(v, (uint32_t)v->cur_slots) < 0 || hv_emit_u64(v, a) < 0)
                return -1;
            return push_val(v, sub < 4 ? WASM_I32 : WASM_I64);
        }
        case 8: /* memory.init */
            if (v_u32(v, &idx) < 0 || read_memidx(v, &mem) < 0) return -1;
            if (check_data(v, idx) < 0) return -1;
            goto three_i32;
        case 9: /* data.drop */
            if (v_u32(v, &idx) < 0 || check_data(v, idx) < 0) return -1;
            if (hv_emit_op(v, OP_DATA_DROP) < 0 || hv_emit_u64(v, idx) < 0) return -1;
            return 0;
        case 10: /* memory.copy dst src */
            if (read_memidx(v, &mem) < 0 || read_memidx(v, &mem2) < 0) return -1;
            goto three_i32;
        case 11: /* memory.fill */
            if (read_memidx(v, &mem) < 0) return -1;
            goto three_i32;
        three_i32: {
            /* memory 0 (both 0 for a copy): the 2.0 forms; else the _X
             * forms with the memory indices last */
            bool x = mem != 0 || mem2 != 0;
            wasm_op o = sub == 8    ? (x ? OP_MEMORY_INIT_X : OP_MEMORY_INIT)
                        : sub == 10 ? (x ? OP_MEMORY_COPY_X : OP_MEMORY_COPY)
                                    : (x ? OP_MEMORY_FILL_X : OP_MEMORY_FILL);
            if (hv_emit_window(v, o) < 0) return -1;
            for (int i = 0; i < 3; i++)
                if (pop_expect(v, WASM_I32, NULL) < 0) return -1;
            if (sub == 8 && hv_emit_u64(v, idx) < 0) return -1;
            if (x && hv_emit_u64(v, mem) < 0) return -1;
            if (x && sub == 10 && hv_emit_u64(v, mem2) < 0) return -1;
            return 0;
        }
        case 12: /* table.init elem table */
            if (v_u32(v, &idx2) < 0 || v_u32(v, &idx) < 0) return -1;
            if (check_table(v, idx) < 0 || check_elem(v, idx2) < 0) return -1;
            if (m->tables[idx].elemtype != m->elems[idx2].elemtype)
                return v_invalid(v, "type mismatch");
            if (hv_emit_window(v, OP_TABLE_INIT) < 0) return -1;
            for (int i = 0; i < 3; i++)
                if (pop_expect(v, WASM_I32, NULL) < 0) return -1;
            if (hv_emit_u64(v, idx) < 0 || hv_emit_u64(v, idx2) < 0) return -1;
            return 0;
        case 13: /* elem.drop */
            if (v_u32(v, &idx) < 0 || check_elem(v, idx) < 0) return -1;
            if (hv_emit_op(v, OP_ELEM_DROP) < 0 || hv_emit_u64(v, idx) < 0) return -1;
            return 0;
        case 14: /* table.copy dst src */
            if (v_u32(v, &idx) < 0 || v_u32(v, &idx2) < 0) return -1;
            if (check_table(v, idx) < 0 || check_table(v, idx2) < 0) return -1;
            if (m->tables[idx].elemtype != m->tables[idx2].elemtype)
                return v_invalid(v, "type mismatch");
            if (hv_emit_window(v, OP_TABLE_COPY) < 0) return -1;
            for (int i = 0; i < 3; i++)
                if (pop_expect(v, WASM_I32, NULL) < 0) return -1;
            if (hv_emit_u64(v, idx) < 0 || hv_emit_u64(v, idx2) < 0) return -1;
            return 0;
        case 15: /* table.grow */
            if (v_u32(v, &idx) < 0 || check_table(v, idx) < 0) return -1;
            if (hv_emit_window(v, OP_TABLE_GROW) < 0) return -1;
            if (pop_expect(v, WASM_I32, NULL) < 0 ||
                pop_expect(v, m->tables[idx].elemtype, NULL) < 0)
                return -1;
            if (hv_emit_u64(v, idx) < 0) return -1;
            return push_val(v, WASM_I32);
        case 16: /* table.size */
            if (v_u32(v, &idx) < 0 || check_table(v, idx) < 0) return -1;
            if (hv_emit_window(v, OP_TABLE_SIZE) < 0 || hv_emit_u64(v, idx) < 0) return -1;
            return push_val(v, WASM_I32);
        case 17: /* table.fill */
            if (v_u32(v, &idx) < 0 || check_table(v, idx) < 0) return -1;
            if (hv_emit_window(v, OP_TABLE_FILL) < 0) return -1;
            if (pop_expect(v, WASM_I32, NULL) < 0 ||
                pop_expect(v, m->tables[idx].elemtype, NULL) < 0 ||
                pop_expect(v, WASM_I32, NULL) < 0)
                return -1;
            if (hv_emit_u64(v, idx) < 0) return -1;
            return 0;
        }
        return v_malformed(v, "illegal opcode");
    }
    case 0xfd:
        return compile_simd(v);
    }
    if (op >= 0x28 && op <= 0x3e) { /* loads and stores */
        uint32_t offset = 0;
        unsigned k = op - 0x28u;
        if (read_memarg(v, memops[k].log2, &offset, &mem) < 0) return -1;
        wasm_op o = (wasm_op)(OP_I32_LOAD + k);
        uint64_t x[3];
        if (mem != 0) {
            /* another memory than 0: the plain instruction, between
             * selects; no folds */
            if (memops[k].store) {
                if (pop_src(v, memops[k].type, &b) < 0 || pop_src(v, WASM_I32, &a) < 0) return -1;
                return hv_emit_mem_select(v, mem) < 0 || hv_emit_op(v, o) < 0 || hv_emit_u64(v, a) < 0 ||
                               hv_emit_u64(v, b) < 0 || hv_emit_u64(v, offset) < 0 ||
                               hv_emit_mem_select(v, 0) < 0
                           ? -1
                           : 0;
            }
            if (pop_src(v, WASM_I32, &a) < 0) return -1;
            if (hv_emit_mem_select(v, mem) < 0 || hv_emit_op(v, o) < 0 ||
                hv_emit_u64(v, (uint32_t)v->cur_slots) < 0 || hv_emit_u64(v, a) < 0 ||
                hv_emit_u64(v, offset) < 0 || hv_emit_mem_select(v, 0) < 0)
                return -1;
            return push_val(v, memops[k].type);
        }
        if (memops[k].store) {
            if (pop_src(v, memops[k].type, &b) < 0) return -1;
            b_slot = v->pop_slot;
            if (pop_src(v, WASM_I32, &a) < 0) return -1;
            /* A constant value that was the last instruction: _K form. */
            wasm_op ko = o == OP_I32_STORE ? OP_I32_STORE_K : o == OP_I64_STORE ? OP_I64_STORE_K
                       : o == OP_I32_STORE8 ? OP_I32_STORE8_K : OP_COUNT_;
            int mv = b == b_slot ? hv_emit_move(v, memops[k].log2, a, v->pop_slot, b_slot, offset) : 0;
            if (mv != 0) return mv < 0 ? -1 : 0;
            /* an f64 multiply-add stored at once (its result slot is dead
             * after the store): operands [c, a, b] for both forms */
            if (o == OP_F64_STORE && v_live(v) && b == b_slot) {
                wasm_op so = OP_COUNT_;
                if (hv_emit_take_last(v, OP_F64_ADD_MUL, b, x, 3)) {
                    so = OP_F64_STORE_ADD_MUL;
                } else if (hv_emit_take_last(v, OP_F64_MUL_ADD, b, x, 3)) {
                    uint64_t addend = x[2]; /* MUL_ADD's operands are [a, b, c] */
                    x[2] = x[1];
                    x[1] = x[0];
                    x[0] = addend;
                    so = OP_F64_STORE_MUL_ADD;
                }
                if (so != OP_COUNT_)
                    return hv_emit_op(v, so) < 0 || hv_emit_u64(v, a) < 0 || hv_emit_u64(v, offset) < 0 ||
                                   hv_emit_u64(v, x[0]) < 0 || hv_emit_u64(v, x[1]) < 0 ||
                                   hv_emit_u64(v, x[2]) < 0
                               ? -1
                               : 0;
            }
            if (ko != OP_COUNT_ && v_live(v) && b == b_slot && hv_emit_take_last(v, OP_CONST, b, x, 1)) {
                o = ko;
                b = 0;
            } else {
                x[0] = b;
            }
            if (hv_emit_op(v, o) < 0 || hv_emit_u64(v, a) < 0 || hv_emit_u64(v, x[0]) < 0 ||
                hv_emit_u64(v, offset) < 0)
                return -1;
            return 0;
        }
        if (pop_src(v, WASM_I32, &a) < 0) return -1;
        a_slot = v->pop_slot;
        /* An address computed by the last instruction as an i32.add (of a
         * constant or of two operands): one load with both operands. */
        wasm_op ar = o == OP_I32_LOAD ? OP_I32_LOAD_AR : o == OP_I64_LOAD ? OP_I64_LOAD_AR
                   : o == OP_F64_LOAD ? OP_F64_LOAD_AR : o == OP_I32_LOAD8_U ? OP_I32_LOAD8_U_AR
                   : OP_COUNT_;
        bool fold = v_live(v) && a == a_slot;
        if (fold && k <= OP_I32_LOAD16_U - OP_I32_LOAD && hv_emit_take_last(v, OP_I32_ADD_I, a, x, 2)) {
            o = (wasm_op)(OP_I32_LOAD_AI + k);
        } else if (fold && ar != OP_COUNT_ && hv_emit_take_last(v, OP_I32_ADD, a, x, 2)) {
            o = ar;
        } else {
            if (hv_emit_op(v, o) < 0 || hv_emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
                hv_emit_u64(v, a) < 0 || hv_emit_u64(v, offset) < 0)
                return -1;
            return push_val(v, memops[k].type);
        }
        if (hv_emit_op(v, o) < 0 || hv_emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            hv_emit_u64(v, x[0]) < 0 || hv_emit_u64(v, x[1]) < 0 || hv_emit_u64(v, offset) < 0)
            return -1;
        return push_val(v, memops[k].type);
    }
    if (op >= 0x45 && op <= 0xc4) { /* numeric */
        uint8_t ta, tb, res;
        wasm_op o = (wasm_op)(OP_I32_EQZ + (op - 0x45));
        numeric_sig(op, &ta, &tb, &res);
        if (tb) {
            if (pop_src(v, tb, &b) < 0) return -1;
            b_slot = v->pop_slot;
        }
        if (pop_src(v, ta, &a) < 0) return -1;
        a_slot = v->pop_slot;
        if (v_live(v)) {
            if (tb && hv_emit_binary(v, o, a, a_slot, b, b_slot) < 0) return -1;
            if (!tb && (hv_emit_op(v, o) < 0 || hv_emit_dest(v, a_slot) < 0 || hv_emit_u64(v, a) < 0))
                return -1;
        }
        return push_val(v, res);
    }
    return v_malformed(v, "illegal opcode");
}

/* Resets the per-function state of v. */
static void v_reset(vctx *v) {
    v->nvals = 0;
    v->nctrls = 0;
    v->cur_slots = 0;
    v->max_slots = 0;
    v->ndeferred = 0;
    v->ncatches = 0;
    hv_emit_reset(v);
}

/* ---- the fast check at load ------------------------------------------------
 *
 * Loading validates every body, but compiles none (each is compiled on its
 * first call, by hv_compile_function, which validates it again as it goes).
 * The check at load is this lean pass: the spec's algorithm over types
 * alone, with nothing about slots, code or locals' zeroing. It covers the
 * instructions real modules are made of and answers only "valid" or "not
 * sure": on anything it does not handle (SIMD) or does not accept, the
 * full pass (hv_compile_function with check_only) runs on that body and gives
 * the verdict and the spec's error. So it must never accept an invalid
 * body; rejecting a valid one only costs time. */

typedef struct fframe {
    const uint8_t *params, *results;
    uint32_t np, nr;
    size_t height; /* operand stack size at entry, params excluded */
    uint8_t kind;  /* frame_kind */
    bool unreachable;
} fframe;

/* The label types of f, as a branch to it sees them. */
static void flabel(const fframe *f, const uint8_t **types, uint32_t *n) {
    if (f->kind == FRAME_LOOP) {
        *types = f->params;
        *n = f->np;
    } else {
        *types = f->results;
        *n = f->nr;
    }
}

/* 1: body i is valid. 0: not sure (run the full pass). -1: out of
 * memory. */
static int fast_check(vctx *v, uint32_t i) {
    const wasm_module *m = v->m;
    const wasm_code *code = &m->codes[i];
    /* (it runs before the module-level checks: type indices may be bad) */
    if (m->func_types[m->nimported_funcs + i] >= m->ntypes) return 0;
    const wasm_functype *ft = wasm_func_type(m, m->nimported_funcs + i);
    const hv_alloc *a = &v->engine->alloc;
    if ((uint64_t)ft->nparams + code->nlocals > WASM_MAX_LOCALS) return 0;
    uint32_t nparams = ft->nparams, nlocals = ft->nparams + code->nlocals;
    leb_reader r;
    leb_init(&r, m->bytes + code->body_start, code->body_end - code->body_start, code->body_start);
    uint8_t *vals = v->vals;
    size_t n = 0, cap = v->capvals;
    fframe *ctl = v->fctrls;
    size_t nctl = 0, capctl = v->capfctrls;
    int ok = 0;

#define F_NEED(k)                                                                       \
    do {                                                                                \
        if (n + (k) > cap) {                                                            \
            v->vals = vals;                                                             \
            v->capvals = cap;                                                           \
            if (hv_grow(a, (void **)&v->vals, &v->capvals, n + (k), 1) < 0) goto nomem; \
            vals = v->vals;                                                             \
            cap = v->capvals;                                                           \
        }                                                                               \
    } while (0)
#define F_PUSH(t)          \
    do {                   \
        F_NEED(1);         \
        vals[n++] = (t);   \
    } while (0)
    /* pops into t an operand that must be `want` (0: any) */
#define F_POP(want, t)                                                              \
    do {                                                                            \
        if (n == ctl[nctl - 1].height) {                                            \
            if (!ctl[nctl - 1].unreachable) goto out;                               \
            (t) = VT_UNKNOWN;                                                       \
        } else {                                                                    \
            (t) = vals[--n];                                                        \
            if ((want) && (t) != (want) && (t) != VT_UNKNOWN) goto out;             \
        }                                                                           \
    } while (0)
#define F_POPN(types, cnt)                                                          \
    do {                                                                            \
        for (uint32_t k_ = (cnt); k_-- > 0;) {                                      \
            uint8_t t_;                                                             \
            F_POP((types)[k_], t_);                                                 \
        }                                                                           \
    } while (0)
#define F_PUSHN(types, cnt)                                                         \
    do {                                                                            \
        F_NEED(cnt);                                                                \
        for (uint32_t k_ = 0; k_ < (cnt); k_++) vals[n++] = (types)[k_];            \
    } while (0)
#define F_U32(x) \
    do {         \
        if (leb_u32(&r, &(x)) != LEB_OK) goto out; \
    } while (0)
#define F_CTL(kind_, np_, params_, nr_, results_)                                     \
    do {                                                                              \
        if (nctl == capctl) {                                                         \
            v->fctrls = ctl;                                                          \
            v->capfctrls = capctl;                                                    \
            if (hv_grow(a, (void **)&v->fctrls, &v->capfctrls, nctl + 1, sizeof *ctl) < 0) \
                goto nomem;                                                           \
            ctl = v->fctrls;                                                          \
            capctl = v->capfctrls;                                                    \
        }                                                                             \
        fframe *f_ = &ctl[nctl++];                                                    \
        f_->params = (params_), f_->np = (np_);                                       \
        f_->results = (results_), f_->nr = (nr_);                                     \
        f_->height = n;                                                               \
        f_->kind = (kind_);                                                           \
        f_->unreachable = false;                                                      \
    } while (0)
#define F_UNREACHABLE()                          \
    do {                                         \
        n = ctl[nctl - 1].height;                \
        ctl[nctl - 1].unreachable = true;        \
    } while (0)
#define F_LOCAL_TYPE(idx) \
    ((idx) < nparams ? ft->params[idx] : code->local_types[(idx) - nparams])

    F_CTL(FRAME_FUNC, 0, NULL, ft->nresults, ft->results);
    for (;;) {
        uint8_t op, t, t2;
        uint32_t x, y;
        if (leb_byte(&r, &op) != LEB_OK) goto out;
        if (op >= 0x45 && op <= 0xc4) { /* numeric */
            uint8_t ta, tb, res;
            numeric_sig(op, &ta, &tb, &res);
            if (tb) F_POP(tb, t);
            F_POP(ta, t);
            F_PUSH(res);
            continue;
        }
        if (op >= 0x28 && op <= 0x3e) { /* loads and stores */
            unsigned k = op - 0x28u;
            F_U32(x);
            F_U32(y);
            if (m->nmemories == 0 || x > memops[k].log2) goto out;
            if (memops[k].store) {
                F_POP(memops[k].type, t);
                F_POP(WASM_I32, t);
            } else {
                F_POP(WASM_I32, t);
                F_PUSH(memops[k].type);
            }
            continue;
        }
        switch (op) {
        case 0x00: /* unreachable */
            F_UNREACHABLE();
            break;
        case 0x01: /* nop */
            break;
        case 0x02:   /* block */
        case 0x03:   /* loop */
        case 0x04: { /* if */
            uint8_t b;
            uint32_t np = 0, nr = 0;
            const uint8_t *params = NULL, *results = NULL;
            if (leb_peek(&r, &b) != LEB_OK) goto out;
            if (b == 0x40) {
                r.p++;
            } else if (is_valtype(b)) {
                r.p++;
                nr = 1;
                results = &valtype_self[b];
            } else {
                int64_t idx;
                if (leb_s33(&r, &idx) != LEB_OK || idx < 0 || (uint64_t)idx >= m->ntypes)
                    goto out;
                const wasm_functype *bt = &m->types[idx];
                np = bt->nparams, params = bt->params;
                nr = bt->nresults, results = bt->results;
            }
            if (op == 0x04) F_POP(WASM_I32, t);
            F_POPN(params, np);
            F_CTL(op == 0x02 ? FRAME_BLOCK : op == 0x03 ? FRAME_LOOP : FRAME_IF, np, params, nr,
                  results);
            F_PUSHN(params, np);
            break;
        }
        case 0x05: { /* else */
            fframe *f = &ctl[nctl - 1];
            if (f->kind != FRAME_IF) goto out;
            F_POPN(f->results, f->nr);
            if (n != f->height) goto out;
            f->kind = FRAME_ELSE;
            f->unreachable = false;
            F_PUSHN(f->params, f->np);
            break;
        }
        case 0x0b: { /* end */
            fframe *f = &ctl[nctl - 1];
            F_POPN(f->results, f->nr);
            if (n != f->height) goto out;
            if (f->kind == FRAME_IF &&
                (f->np != f->nr || (f->np && memcmp(f->params, f->results, f->np) != 0)))
                goto out;
            if (nctl == 1) {
                ok = leb_eof(&r) ? 1 : 0;
                goto out;
            }
            nctl--;
            F_PUSHN(f->results, f->nr);
            break;
        }
        case 0x0c: { /* br */
            const uint8_t *types;
            uint32_t cnt;
            F_U32(x);
            if (x >= nctl) goto out;
            flabel(&ctl[nctl - 1 - x], &types, &cnt);
            F_POPN(types, cnt);
            F_UNREACHABLE();
            break;
        }
        case 0x0d: { /* br_if */
            const uint8_t *types;
            uint32_t cnt;
            F_U32(x);
            if (x >= nctl) goto out;
            F_POP(WASM_I32, t);
            flabel(&ctl[nctl - 1 - x], &types, &cnt);
            F_POPN(types, cnt);
            F_PUSHN(types, cnt);
            break;
        }
        case 0x0e: { /* br_table */
            uint32_t count;
            if (leb_len(&r, &count) != LEB_OK) goto out;
            leb_reader labels = r;
            for (uint32_t k = 0; k <= count; k++) F_U32(x); /* x: the default */
            if (x >= nctl) goto out;
            F_POP(WASM_I32, t);
            const uint8_t *dtypes;
            uint32_t arity;
            flabel(&ctl[nctl - 1 - x], &dtypes, &arity);
            /* every label: the same arity, its types on top of the stack
             * (below the frame's height only in unreachable code, where
             * the polymorphic stack supplies them) */
            for (uint32_t k = 0; k < count; k++) {
                const uint8_t *types;
                uint32_t cnt;
                if (leb_u32(&labels, &y) != LEB_OK || y >= nctl) goto out;
                flabel(&ctl[nctl - 1 - y], &types, &cnt);
                if (cnt != arity) goto out;
                size_t avail = n - ctl[nctl - 1].height;
                for (uint32_t d = 0; d < cnt; d++) {
                    if (d >= avail) {
                        if (!ctl[nctl - 1].unreachable) goto out;
                        break;
                    }
                    uint8_t s = vals[n - 1 - d];
                    if (s != VT_UNKNOWN && s != types[cnt - 1 - d]) goto out;
                }
            }
            F_POPN(dtypes, arity);
            F_UNREACHABLE();
            break;
        }
        case 0x0f: /* return */
            F_POPN(ctl[0].results, ctl[0].nr);
            F_UNREACHABLE();
            break;
        case 0x10: { /* call */
            F_U32(x);
            if (x >= m->nfuncs || m->func_types[x] >= m->ntypes) goto out;
            const wasm_functype *ct = wasm_func_type(m, x);
            F_POPN(ct->params, ct->nparams);
            F_PUSHN(ct->results, ct->nresults);
            break;
        }
        case 0x11: { /* call_indirect type table */
            F_U32(x);
            F_U32(y);
            if (y >= m->ntables || x >= m->ntypes || m->tables[y].elemtype != WASM_FUNCREF)
                goto out;
            const wasm_functype *ct = &m->types[x];
            F_POP(WASM_I32, t);
            F_POPN(ct->params, ct->nparams);
            F_PUSHN(ct->results, ct->nresults);
            break;
        }
        case 0x1a: /* drop */
            F_POP(0, t);
            break;
        case 0x1b: /* select */
            F_POP(WASM_I32, t);
            F_POP(0, t);
            F_POP(0, t2);
            if (is_reftype(t) || is_reftype(t2)) goto out;
            if (t != VT_UNKNOWN && t2 != VT_UNKNOWN && t != t2) goto out;
            F_PUSH(t != VT_UNKNOWN ? t : t2);
            break;
        case 0x1c: /* select t */
            F_U32(x);
            if (x != 1 || leb_byte(&r, &t2) != LEB_OK || !is_valtype(t2)) goto out;
            F_POP(WASM_I32, t);
            F_POP(t2, t);
            F_POP(t2, t);
            F_PUSH(t2);
            break;
        case 0x20: /* local.get */
            F_U32(x);
            if (x >= nlocals) goto out;
            F_PUSH(F_LOCAL_TYPE(x));
            break;
        case 0x21: /* local.set */
        case 0x22: /* local.tee */
            F_U32(x);
            if (x >= nlocals) goto out;
            t2 = F_LOCAL_TYPE(x);
            F_POP(t2, t);
            if (op == 0x22) F_PUSH(t2);
            break;
        case 0x23: /* global.get */
            F_U32(x);
            if (x >= m->nglobals) goto out;
            F_PUSH(m->globals[x].type.valtype);
            break;
        case 0x24: /* global.set */
            F_U32(x);
            if (x >= m->nglobals || !m->globals[x].type.mutable_) goto out;
            F_POP(m->globals[x].type.valtype, t);
            break;
        case 0x25: /* table.get */
            F_U32(x);
            if (x >= m->ntables) goto out;
            F_POP(WASM_I32, t);
            F_PUSH(m->tables[x].elemtype);
            break;
        case 0x26: /* table.set */
            F_U32(x);
            if (x >= m->ntables) goto out;
            F_POP(m->tables[x].elemtype, t);
            F_POP(WASM_I32, t);
            break;
        case 0x3f: /* memory.size */
        case 0x40: /* memory.grow */
            if (leb_byte(&r, &t2) != LEB_OK || t2 != 0 || m->nmemories == 0) goto out;
            if (op == 0x40) F_POP(WASM_I32, t);
            F_PUSH(WASM_I32);
            break;
        case 0x41: {
            int32_t c;
            if (leb_s32(&r, &c) != LEB_OK) goto out;
            F_PUSH(WASM_I32);
            break;
        }
        case 0x42: {
            int64_t c;
            if (leb_s64(&r, &c) != LEB_OK) goto out;
            F_PUSH(WASM_I64);
            break;
        }
        case 0x43: {
            uint32_t c;
            if (leb_f32(&r, &c) != LEB_OK) goto out;
            F_PUSH(WASM_F32);
            break;
        }
        case 0x44: {
            uint64_t c;
            if (leb_f64(&r, &c) != LEB_OK) goto out;
            F_PUSH(WASM_F64);
            break;
        }
        case 0xd0: /* ref.null t */
            if (leb_byte(&r, &t2) != LEB_OK || !is_reftype(t2)) goto out;
            F_PUSH(t2);
            break;
        case 0xd1: /* ref.is_null */
            F_POP(0, t);
            if (t != VT_UNKNOWN && !is_reftype(t)) goto out;
            F_PUSH(WASM_I32);
            break;
        case 0xd2: /* ref.func */
            F_U32(x);
            if (x >= m->nfuncs || !v->declared || !v->declared[x]) goto out;
            F_PUSH(WASM_FUNCREF);
            break;
        case 0xfc: {
            uint32_t sub;
            F_U32(sub);
            uint32_t ndata = m->has_datacount ? m->datacount : 0;
            switch (sub) {
            case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: /* trunc_sat */
                t2 = sub == 0 || sub == 1 || sub == 4 || sub == 5 ? WASM_F32 : WASM_F64;
                F_POP(t2, t);
                F_PUSH(sub < 4 ? WASM_I32 : WASM_I64);
                break;
            case 8: /* memory.init */
                F_U32(x);
                if (leb_byte(&r, &t2) != LEB_OK || t2 != 0 || m->nmemories == 0 || x >= ndata)
                    goto out;
                goto three_i32;
            case 9: /* data.drop */
                F_U32(x);
                if (x >= ndata) goto out;
                break;
            case 10: /* memory.copy */
                if (leb_byte(&r, &t2) != LEB_OK || t2 != 0) goto out;
                goto fill; /* and the second zero byte */
            case 11: /* memory.fill */
            fill:
                if (leb_byte(&r, &t2) != LEB_OK || t2 != 0 || m->nmemories == 0) goto out;
                goto three_i32;
            case 12: /* table.init elem table */
                F_U32(y);
                F_U32(x);
                if (x >= m->ntables || y >= m->nelems || m->tables[x].elemtype != m->elems[y].elemtype)
                    goto out;
                goto three_i32;
            case 13: /* elem.drop */
                F_U32(x);
                if (x >= m->nelems) goto out;
                break;
            case 14: /* table.copy dst src */
                F_U32(x);
                F_U32(y);
                if (x >= m->ntables || y >= m->ntables ||
                    m->tables[x].elemtype != m->tables[y].elemtype)
                    goto out;
                goto three_i32;
            case 15: /* table.grow */
                F_U32(x);
                if (x >= m->ntables) goto out;
                F_POP(WASM_I32, t);
                F_POP(m->tables[x].elemtype, t);
                F_PUSH(WASM_I32);
                break;
            case 16: /* table.size */
                F_U32(x);
                if (x >= m->ntables) goto out;
                F_PUSH(WASM_I32);
                break;
            case 17: /* table.fill */
                F_U32(x);
                if (x >= m->ntables) goto out;
                F_POP(WASM_I32, t);
                F_POP(m->tables[x].elemtype, t);
                F_POP(WASM_I32, t);
                break;
            default:
                goto out;
            three_i32:
                F_POP(WASM_I32, t);
                F_POP(WASM_I32, t);
                F_POP(WASM_I32, t);
                break;
            }
            break;
        }
        default: /* SIMD, and whatever is not an instruction */
            goto out;
        }
    }
nomem:
    ok = -1;
out:
    v->vals = vals;
    v->capvals = cap;
    v->fctrls = ctl;
    v->capfctrls = capctl;
    return ok;
#undef F_NEED
#undef F_PUSH
#undef F_POP
#undef F_POPN
#undef F_PUSHN
#undef F_U32
#undef F_CTL
#undef F_UNREACHABLE
#undef F_LOCAL_TYPE
}

/* Validates body i of the module and, unless v->check_only, emits its
 * code into *out (compile.c makes it the function's code). Writes
 * nothing of the module: the check at load runs before code_declare, the
 * compile (on first call, under the module's compile lock) while other
 * threads may read the declared fields. */
static int validate_body(vctx *v, uint32_t i, wasm_body *out) {
    wasm_module *m = v->m;
    wasm_code *code = &m->codes[i];
    uint32_t fidx = m->nimported_funcs + i;
    const wasm_functype *ft = wasm_func_type(m, fidx);
    const hv_alloc *a = &v->engine->alloc;
    v_reset(v);

    if ((uint64_t)ft->nparams + code->nlocals > WASM_MAX_LOCALS) {
        leb_init(&v->r, m->bytes + code->body_start, 0, code->body_start);
        return v_malformed(v, "too many locals");
    }
    v->nlocals = ft->nparams + code->nlocals;
    size_t n = v->nlocals ? v->nlocals : 1;
    if (hv_grow(a, (void **)&v->local_types, &v->cap_local_types, n, 1) < 0 ||
        hv_grow(a, (void **)&v->local_offsets, &v->cap_local_offsets, n, sizeof(uint32_t)) < 0)
        return v_nomem(v);
    if (ft->nparams) memcpy(v->local_types, ft->params, ft->nparams);
    if (code->nlocals) memcpy(v->local_types + ft->nparams, code->local_types, code->nlocals);
    uint32_t off = 0;
    for (uint32_t k = 0; k < v->nlocals; k++) {
        v->local_offsets[k] = off;
        off += wasm_slots(v->local_types[k]);
    }
    v->cur_slots = off;
    v->max_slots = off;
    v->nparams = ft->nparams;
    if (v->check_only) {
        hv_emit_da_off(v);
    } else if (hv_emit_da_begin(v, code->nlocals) < 0) {
        return -1;
    }

    leb_init(&v->r, m->bytes + code->body_start, code->body_end - code->body_start,
             code->body_start);
    if (push_ctrl(v, FRAME_FUNC, 0, NULL, ft->nresults, ft->results) < 0) return -1;
    v->ctrls[0].nparams = 0;
    for (;;) {
        uint8_t op;
        if (leb_byte(&v->r, &op) != LEB_OK) {
            v->r.p = v->r.end;
            return v_malformed(v, "END opcode expected");
        }
        int rc = compile_instr(v, op);
        if (rc < 0) return -1;
        if (rc == 1) break;
    }
    if (!leb_eof(&v->r)) return v_malformed(v, "section size mismatch");
    if (v->check_only) return 0;

    hv_emit_body(v, code, out);
    return 0;
}

/* ---- module-level checks ------------------------------------------------- */

static uint64_t const_no_global(void *ctx, uint32_t index) {
    (void)ctx;
    (void)index;
    return 0;
}

/* Validates constant expression e of the expected type. Globals it may
 * read: indices below nglobals_visible, immutable only (in 2.0, only
 * imported globals, for initialisers and segment offsets alike). Fills
 * op/value. Extended-const: any sequence of constant instructions and
 * i32/i64 add, sub, mul that leaves one value of the expected type; one
 * that reads no global is folded to its value here. */
static int check_const(vctx *v, wasm_constexpr *e, uint8_t expect, uint32_t nglobals_visible) {
    wasm_module *m = v->m;
    leb_init(&v->r, m->bytes + e->start, e->end - e->start, e->start);
    uint8_t stack[WASM_CONST_MAX_DEPTH];
    uint32_t sp = 0, ninstr = 0;
    bool reads_global = false;
    for (;;) {
        uint8_t op;
        uint8_t type = VT_UNKNOWN;
        if (v_byte(v, &op) < 0) return -1;
        if (op == 0x0b) break;
        switch (op) {
        case 0x41: {
            int32_t x = 0;
            if (v_leb(v, leb_s32(&v->r, &x)) < 0) return -1;
            e->op = WASM_CONST_VALUE;
            e->bits = (uint32_t)x;
            type = WASM_I32;
            break;
        }
        case 0x42: {
            int64_t x = 0;
            if (v_leb(v, leb_s64(&v->r, &x)) < 0) return -1;
            e->op = WASM_CONST_VALUE;
            e->bits = (uint64_t)x;
            type = WASM_I64;
            break;
        }
        case 0x43: {
            uint32_t bits = 0;
            if (v_leb(v, leb_f32(&v->r, &bits)) < 0) return -1;
            e->op = WASM_CONST_VALUE;
            e->bits = bits;
            type = WASM_F32;
            break;
        }
        case 0x44:
            if (v_leb(v, leb_f64(&v->r, &e->bits)) < 0) return -1;
            e->op = WASM_CONST_VALUE;
            type = WASM_F64;
            break;
        case 0x23: {
            uint32_t idx;
            if (v_u32(v, &idx) < 0) return -1;
            if (idx >= nglobals_visible) return v_invalid(v, "unknown global");
            if (m->globals[idx].type.mutable_) return v_invalid(v, "constant expression required");
            e->op = WASM_CONST_GLOBAL;
            e->index = idx;
            reads_global = true;
            type = m->globals[idx].type.valtype;
            break;
        }
        case 0xd0: {
            uint8_t t;
            if (v_byte(v, &t) < 0) return -1;
            if (!is_reftype(t)) return v_malformed(v, "malformed reference type");
            e->op = WASM_CONST_REF_NULL;
            type = t;
            break;
        }
        case 0xd2: {
            uint32_t idx;
            if (v_u32(v, &idx) < 0) return -1;
            if (idx >= m->nfuncs) return v_invalid(v, "unknown function");
            e->op = WASM_CONST_REF_FUNC;
            e->index = idx;
            type = WASM_FUNCREF;
            break;
        }
        case 0x6a:
        case 0x6b:
        case 0x6c: /* i32.add, i32.sub, i32.mul */
        case 0x7c:
        case 0x7d:
        case 0x7e: /* i64.add, i64.sub, i64.mul */
            type = op < 0x70 ? WASM_I32 : WASM_I64;
            if (sp < 2 || stack[sp - 1] != type || stack[sp - 2] != type)
                return v_invalid(v, "type mismatch");
            sp -= 2;
            break;
        case 0xfd: {
            uint32_t sub = 0;
            if (v_u32(v, &sub) < 0) return -1;
            if (!simd_op_lookup(sub)) return v_malformed(v, "illegal opcode");
            if (sub != 0x0c) return v_invalid(v, "constant expression required");
            for (int i = 0; i < 16; i++)
                if (v_byte(v, &e->v128[i]) < 0) return -1;
            e->op = WASM_CONST_VALUE;
            type = WASM_V128;
            break;
        }
        default: return v_invalid(v, "constant expression required");
        }
        if (sp == WASM_CONST_MAX_DEPTH) return v_invalid(v, "constant expression too deep");
        stack[sp++] = type;
        ninstr++;
    }
    /* empty, two values, or one of another type */
    if (sp != 1 || stack[0] != expect) return v_invalid(v, "type mismatch");
    e->type = expect;
    if (ninstr > 1) {
        e->op = WASM_CONST_EXPR;
        e->index = 0;
        if (!reads_global) {
            e->bits = hv_wasm_constexpr_eval(m->bytes, e, const_no_global, NULL);
            e->op = WASM_CONST_VALUE;
        }
    }
    return 0;
}

static int check_limits(vctx *v, const wasm_limits *l, uint64_t bound, const char *too_big) {
    if (l->min > bound || (l->has_max && l->max > bound)) return v_invalid_at(v, l->at, too_big);
    if (l->has_max && l->min > l->max)
        return v_invalid_at(v, l->at, "size minimum must not be greater than maximum");
    return 0;
}

/* Collects C.refs: functions named outside function bodies. */
static void collect_refs(vctx *v) {
    wasm_module *m = v->m;
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == HIVE_EXTERN_FUNC && m->exports[i].index < m->nfuncs)
            v->declared[m->exports[i].index] = true;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *el = &m->elems[i];
        for (uint32_t k = 0; k < el->count; k++) {
            if (el->funcs && el->funcs[k] < m->nfuncs) v->declared[el->funcs[k]] = true;
            if (el->exprs && el->exprs[k].op == WASM_CONST_REF_FUNC)
                v->declared[el->exprs[k].index] = true;
        }
    }
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
        if (m->globals[i].init.op == WASM_CONST_REF_FUNC)
            v->declared[m->globals[i].init.index] = true;
}

/* Big modules are checked on several threads at once: bodies in blocks
 * of FAST_BLOCK, taken in turn from a shared counter, each thread with its
 * own stacks. Only the verdicts are shared (sure[i]); the full pass on
 * the bodies the fast check was not sure of then runs on the loading
 * thread, in order, so the error reported is the same as one thread's. */
#define FAST_PARALLEL_BYTES ((uint64_t)4 << 20) /* of bodies: below, one thread */
#define FAST_MAX_THREADS 4
#define FAST_BLOCK 64u
#define FAST_NOMEM 2 /* a verdict: out of memory */

typedef struct fast_worker {
    vctx v; /* m, engine, declared; its own vals and fctrls */
    uint8_t *sure;
    atomic_uint *next;
    uint32_t n;
} fast_worker;

static void *fast_work(void *p) {
    fast_worker *w = p;
    for (;;) {
        uint32_t b = atomic_fetch_add_explicit(w->next, FAST_BLOCK, memory_order_relaxed);
        if (b >= w->n) break;
        uint32_t e = b + FAST_BLOCK < w->n ? b + FAST_BLOCK : w->n;
        for (uint32_t i = b; i < e; i++) {
            int r = fast_check(&w->v, i);
            w->sure[i] = (uint8_t)(r < 0 ? FAST_NOMEM : r);
        }
    }
    return NULL;
}

/* Fills *out with sure[i] (fast_check's 1, 0, or FAST_NOMEM) for every
 * body, checked on several threads, or NULL when the module is small or
 * there is one CPU (the caller then checks each body itself). -1: out of
 * memory. HIVE_LOAD_THREADS=N: N threads (at most
 * FAST_MAX_THREADS; 1: none) for any module, big or small (for tests). */
static int fast_check_parallel(vctx *v, uint8_t **out) {
    const wasm_module *m = v->m;
    uint32_t n = m->nfuncs - m->nimported_funcs;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) bytes += m->codes[i].body_end - m->codes[i].body_start;
    const char *given = getenv("HIVE_LOAD_THREADS");
    long cpus;
    *out = NULL;
    if (given && *given) { /* that many, whatever the module's size (1: none) */
        cpus = atol(given);
    } else {
        if (bytes < FAST_PARALLEL_BYTES) return 0;
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
    }
    if (cpus < 2) return 0;
    unsigned nt = cpus < FAST_MAX_THREADS ? (unsigned)cpus : FAST_MAX_THREADS;
    const hv_alloc *a = &v->engine->alloc;
    uint8_t *sure = hv_calloc(a, n, 1);
    fast_worker *w = hv_calloc(a, nt, sizeof *w);
    if (!sure || !w) {
        hv_free(a, sure);
        hv_free(a, w);
        return -1;
    }
    atomic_uint next;
    atomic_init(&next, 0);
    pthread_t th[FAST_MAX_THREADS];
    bool started[FAST_MAX_THREADS] = {false};
    for (unsigned t = 0; t < nt; t++) {
        w[t].v.engine = v->engine;
        w[t].v.m = v->m;
        w[t].v.declared = v->declared;
        w[t].sure = sure;
        w[t].next = &next;
        w[t].n = n;
        /* thread 0 is this one */
        if (t > 0) started[t] = pthread_create(&th[t], NULL, fast_work, &w[t]) == 0;
    }
    fast_work(&w[0]); /* (and all of it, if no thread started) */
    for (unsigned t = 0; t < nt; t++) {
        if (started[t]) pthread_join(th[t], NULL);
        hv_free(a, w[t].v.vals);
        hv_free(a, w[t].v.fctrls);
    }
    hv_free(a, w);
    *out = sure;
    return 0;
}

/* The fields of body i known from its declaration, set at load (before
 * any thread may read them). */
static void code_declare(wasm_module *m, uint32_t i) {
    wasm_code *code = &m->codes[i];
    uint32_t fidx = m->nimported_funcs + i;
    const wasm_functype *ft = wasm_func_type(m, fidx);
    code->func_index = fidx;
    code->type_index = m->func_types[fidx];
    code->type = ft;
    code->param_slots = ft->param_slots;
    uint32_t slots = ft->param_slots;
    for (uint32_t k = 0; k < code->nlocals; k++) slots += wasm_slots(code->local_types[k]);
    code->local_slots = slots;
    /* until it is compiled: nothing to zero, no frame size, and ENTER_LAZY */
    code->zero_at = ft->param_slots;
    code->zero_len = 0;
    code->max_slots = 0;
}

/* The fast check of every body, first (into v->sure). A body the decoder
 * left unread (hv_wasm_decode_lazy) is read now when the fast check does not
 * vouch for it, so that a malformed body is reported before anything
 * invalid, as when the decoder reads every body. ref.func is left to the
 * full pass here (C.refs are not known yet). */
static int bodies_fast(vctx *v) {
    wasm_module *m = v->m;
    uint32_t n = m->nfuncs - m->nimported_funcs;
    if (!v->verify_fast && fast_check_parallel(v, &v->sure) < 0) return v_nomem(v);
    if (!v->sure) {
        v->sure = hv_calloc(&v->engine->alloc, n ? n : 1, 1);
        if (!v->sure) return v_nomem(v);
        for (uint32_t i = 0; i < n; i++) {
            int r = fast_check(v, i);
            v->sure[i] = (uint8_t)(r < 0 ? FAST_NOMEM : r);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (v->sure[i] == FAST_NOMEM) return v_nomem(v);
        if (v->sure[i] == 1 || !m->bodies_unread) continue;
        int rc = hv_wasm_decode_body(v->engine, m, i, v->err);
        if (rc != HIVE_OK) {
            v->code = rc;
            return -1;
        }
    }
    m->bodies_unread = false;
    return 0;
}

static int validate_module(vctx *v) {
    wasm_module *m = v->m;
    if (bodies_fast(v) < 0) return -1;
    leb_init(&v->r, m->bytes, 0, 0);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        if (m->func_types[i] < m->ntypes) continue;
        size_t at = m->funcs_at;
        for (uint32_t k = 0; k < m->nimports; k++) /* an imported function: its import */
            if (m->imports[k].kind == HIVE_EXTERN_FUNC && m->imports[k].index == i)
                at = (size_t)((const uint8_t *)m->imports[k].module.ptr - m->bytes);
        return v_invalid_at(v, at, "unknown type");
    }
    for (uint32_t i = 0; i < m->ntables; i++)
        if (check_limits(v, &m->tables[i].limits, UINT32_MAX, "table size") < 0) return -1;
    if (m->nmemories > 1 && v->engine->wasm2)
        return v_invalid_at(v, m->memories[1].at, "multiple memories");
    for (uint32_t i = 0; i < m->nmemories; i++) {
        if (check_limits(v, &m->memories[i], WASM_MAX_MEMORY_PAGES,
                         "memory size must be at most 65536 pages (4GiB)") < 0)
            return -1;
        if (m->memories[i].shared && !m->memories[i].has_max)
            return v_invalid_at(v, m->memories[i].at, "shared memory must have maximum size");
    }
    for (uint32_t i = 0; i < m->ntags; i++) {
        if (m->tags[i] >= m->ntypes) return v_invalid_at(v, 0, "unknown type");
        if (m->types[m->tags[i]].nresults)
            return v_invalid_at(v, 0, "non-empty tag result type");
    }
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
        if (check_const(v, &m->globals[i].init, m->globals[i].type.valtype, m->nimported_globals) <
            0)
            return -1;
    for (uint32_t i = 0; i < m->nelems; i++) {
        wasm_elem *el = &m->elems[i];
        if (el->mode == WASM_SEG_ACTIVE) {
            if (el->table >= m->ntables) return v_invalid_at(v, el->at, "unknown table");
            if (check_const(v, &el->offset, WASM_I32, m->nimported_globals) < 0) return -1;
            if (m->tables[el->table].elemtype != el->elemtype)
                return v_invalid_at(v, el->at, "type mismatch");
        }
        for (uint32_t k = 0; k < el->count; k++) {
            if (el->funcs && el->funcs[k] >= m->nfuncs)
                return v_invalid_at(v, el->at, "unknown function");
            if (el->exprs && check_const(v, &el->exprs[k], el->elemtype, m->nimported_globals) < 0)
                return -1;
        }
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        wasm_data *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE) continue;
        if (d->memory >= m->nmemories) return v_invalid_at(v, d->at, "unknown memory");
        if (check_const(v, &d->offset, WASM_I32, m->nimported_globals) < 0) return -1;
    }
    if (m->has_start) {
        if (m->start >= m->nfuncs) return v_invalid_at(v, m->start_at, "unknown function");
        const wasm_functype *t = wasm_func_type(m, m->start);
        if (t->nparams || t->nresults) return v_invalid_at(v, m->start_at, "start function");
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *ex = &m->exports[i];
        uint32_t n = ex->kind == HIVE_EXTERN_FUNC    ? m->nfuncs
                     : ex->kind == HIVE_EXTERN_TABLE ? m->ntables
                     : ex->kind == HIVE_EXTERN_MEMORY ? m->nmemories
                     : ex->kind == HIVE_EXTERN_TAG    ? m->ntags
                                                      : m->nglobals;
        size_t ex_at = (size_t)((const uint8_t *)ex->name.ptr - m->bytes);
        if (ex->index >= n) {
            static const char *const what[5] = {"unknown function", "unknown table",
                                                "unknown memory", "unknown global", "unknown tag"};
            return v_invalid_at(v, ex_at, what[ex->kind <= HIVE_EXTERN_TAG ? ex->kind : 0]);
        }
        for (uint32_t k = 0; k < i; k++)
            if (m->exports[k].name.len == ex->name.len &&
                memcmp(m->exports[k].name.ptr, ex->name.ptr, ex->name.len) == 0)
                return v_invalid_at(v, ex_at, "duplicate export name");
    }
    collect_refs(v);
    uint32_t nbodies = m->nfuncs - m->nimported_funcs;
    for (uint32_t i = 0; i < nbodies; i++) {
        bool fast = v->sure[i] == 1;
        if (v->verify_fast) {
            /* the full pass too: it must accept what the fast one did */
            if (validate_body(v, i, NULL) < 0) {
                if (fast) {
                    fprintf(stderr, "hive: fast check accepted invalid body %u: %s\n",
                            m->nimported_funcs + i, v->err ? v->err->message : "");
                    abort();
                }
                return -1;
            }
            v->fallbacks += !fast;
        } else if (!fast) {
            v->fallbacks++;
            if (validate_body(v, i, NULL) < 0) return -1;
        }
        code_declare(m, i);
    }
    if (v->verify_fast && v->fallbacks)
        fprintf(stderr, "hive: fast check: %u of %u bodies left to the full pass\n", v->fallbacks,
                m->nfuncs - m->nimported_funcs);
    return 0;
}

/* A validator that emits (hv_wasm_validator_new): its buffers keep their
 * size from one body to the next. */
struct wasm_validator {
    vctx v;
};

static void v_init(vctx *v, hive_engine *engine, wasm_module *m, hive_error *err) {
    memset(v, 0, sizeof *v);
    v->engine = engine;
    v->m = m;
    v->err = err;
}

static void v_fini(vctx *v) {
    const hv_alloc *a = &v->engine->alloc;
    hv_free(a, v->declared);
    hv_free(a, v->vals);
    hv_free(a, v->opnds);
    hv_free(a, v->ctrls);
    hv_free(a, v->catches);
    hv_free(a, v->local_types);
    hv_free(a, v->local_offsets);
    hv_emit_fini(v);
    hv_free(a, v->fctrls);
    hv_free(a, v->sure);
}

int hv_wasm_validate(hive_engine *engine, wasm_module *m, hive_error *err) {
    vctx v;
    v_init(&v, engine, m, err);
    v.check_only = true;
    const char *verify = getenv("HIVE_VERIFY_FAST_CHECK");
    v.verify_fast = verify && *verify && *verify != '0';
    const hv_alloc *a = &engine->alloc;
    v.declared = hv_calloc(a, m->nfuncs ? m->nfuncs : 1, sizeof(bool));
    int rc = HIVE_OK;
    if (!v.declared) rc = hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    else if (validate_module(&v) < 0) rc = v.code;
    v_fini(&v);
    return rc;
}

wasm_validator *hv_wasm_validator_new(hive_engine *engine, wasm_module *m,
                                   const void *const *labels) {
    wasm_validator *c = hv_malloc(&engine->alloc, sizeof *c);
    if (!c) return NULL;
    v_init(&c->v, engine, m, NULL);
    c->v.e.labels = labels;
    return c;
}

int hv_wasm_validate_body(wasm_validator *c, uint32_t i, wasm_body *out, hive_error *err) {
    c->v.err = err;
    c->v.code = HIVE_OK;
    if (validate_body(&c->v, i, out) < 0) return c->v.code;
    return HIVE_OK;
}

void hv_wasm_validator_free(wasm_validator *c) {
    if (!c) return;
    hive_engine *engine = c->v.engine;
    v_fini(&c->v);
    hv_free(&engine->alloc, c);
}
