/*
 * emit.c -- code emission for validate.c (emit.h): the cells of the
 * internal code of opcodes.h, the slot each operand is read from, the
 * peepholes on the last instructions, branch fixups, and the
 * definite-assignment analysis that decides which locals a call zeroes.
 *
 * The code is register-style (see opcodes.h): beside each operand's type
 * the validator tracks where the value can be read now (vopnd). A
 * local.get only records the local's slot; the value is copied to its
 * canonical slot ("flushed") before anything could change the local or
 * observe the stack as a whole. Small peepholes on the last instruction
 * (retargeting its destination, folding a comparison into a branch or a
 * constant into an immediate) are allowed only when no branch target lies
 * after its start ("fence"). Code that cannot be reached is not emitted.
 */
#include <string.h>

#include "wasm/emit.h"

/* ---- locals that need zeroing ----------------------------------------------
 *
 * Wasm's declared locals start at zero, and a call used to zero all of
 * them. Most are written before they are read on every path, and need no
 * zero: this is the classic definite-assignment analysis over structured
 * control flow, done in the same pass. da_cur is the set of declared
 * locals assigned on every path to the current instruction; each control
 * frame keeps its entry set (an if's else starts from it) and its out set,
 * the intersection of the sets at every branch to its end and at its
 * fallthrough (branches to a loop go back to its start and add nothing).
 * Unreachable code has the full set (it never runs). A local.get of a
 * local not in da_cur marks it in da_read; only those are zeroed on entry
 * (wasm_code.zero_start .. zero_end). */
#define DA_MAX_LOCALS 4096 /* above: no tracking, all zeroed */

uint64_t *hv_emit_da_frame(vctx *v, size_t fi, int which) {
    return v->e.da_frames + (fi * 2 + (size_t)which) * v->e.da_words;
}

void hv_emit_da_fill(vctx *v, uint64_t *set) {
    for (uint32_t w = 0; w < v->e.da_words; w++) set[w] = UINT64_MAX;
}

void hv_emit_da_and(vctx *v, uint64_t *dst, const uint64_t *src) {
    for (uint32_t w = 0; w < v->e.da_words; w++) dst[w] &= src[w];
}

/* Starts the analysis for a function with ndeclared declared locals. */
int hv_emit_da_begin(vctx *v, uint32_t ndeclared) {
    const hv_alloc *a = &v->engine->alloc;
    v->e.da_all = ndeclared > DA_MAX_LOCALS;
    v->e.da_words = v->e.da_all ? 0 : (ndeclared + 63) / 64;
    if (!v->e.da_words) return 0;
    hv_free(a, v->e.da_cur);
    hv_free(a, v->e.da_read);
    v->e.da_cur = hv_calloc(a, v->e.da_words, sizeof(uint64_t));
    v->e.da_read = hv_calloc(a, v->e.da_words, sizeof(uint64_t));
    if (!v->e.da_cur || !v->e.da_read) return v_nomem(v);
    return 0;
}

/* A new frame (just pushed, index fi): entry = the current set, out = all. */
int hv_emit_da_push(vctx *v, size_t fi) {
    if (!v->e.da_words) return 0;
    size_t cap = v->e.da_capframes;
    if (hv_grow(&v->engine->alloc, (void **)&v->e.da_frames, &cap, (fi + 1) * 2 * v->e.da_words,
                sizeof(uint64_t)) < 0)
        return v_nomem(v);
    v->e.da_capframes = cap;
    memcpy(hv_emit_da_frame(v, fi, 0), v->e.da_cur, v->e.da_words * sizeof(uint64_t));
    hv_emit_da_fill(v, hv_emit_da_frame(v, fi, 1));
    return 0;
}

/* A branch (live code) to the label at depth. */
void hv_emit_da_branch(vctx *v, uint32_t depth) {
    size_t fi = v->nctrls - 1 - depth;
    if (!v->e.da_words || v->ctrls[fi].kind == FRAME_LOOP) return;
    hv_emit_da_and(v, hv_emit_da_frame(v, fi, 1), v->e.da_cur);
}

void hv_emit_da_read(vctx *v, uint32_t idx) {
    if (idx < v->nparams || !v->e.da_words) return;
    uint32_t i = idx - v->nparams;
    if (!(v->e.da_cur[i / 64] >> (i % 64) & 1)) v->e.da_read[i / 64] |= (uint64_t)1 << (i % 64);
}

void hv_emit_da_write(vctx *v, uint32_t idx) {
    if (idx < v->nparams || !v->e.da_words) return;
    uint32_t i = idx - v->nparams;
    v->e.da_cur[i / 64] |= (uint64_t)1 << (i % 64);
}

/* The slots to zero on entry: a range covering every declared local that
 * may be read before it is written (empty: zero_start == zero_end). */
static void da_finish(vctx *v, const wasm_code *code, wasm_body *out) {
    out->zero_start = out->zero_end = code->param_slots;
    for (uint32_t k = v->nparams; k < v->nlocals; k++) {
        uint32_t i = k - v->nparams;
        if (!v->e.da_all && !(v->e.da_words && (v->e.da_read[i / 64] >> (i % 64) & 1))) continue;
        uint32_t lo = v->local_offsets[k], hi = lo + wasm_slots(v->local_types[k]);
        if (out->zero_start == out->zero_end) {
            out->zero_start = lo;
            out->zero_end = hi;
        } else {
            if (lo < out->zero_start) out->zero_start = lo;
            if (hi > out->zero_end) out->zero_end = hi;
        }
    }
}

/* ---- code emission --------------------------------------------------------- */

static int emit_cell(vctx *v, wasm_cell c) {
    if (hv_grow(&v->engine->alloc, (void **)&v->e.cells, &v->e.capcells, v->e.ncells + 1,
                sizeof *v->e.cells) < 0)
        return v_nomem(v);
    v->e.cells[v->e.ncells++] = c;
    return 0;
}

/* Makes the instruction starting at cell at an op instruction (the same
 * immediates, or ones the caller writes next). */
static void set_op(vctx *v, uint32_t at, wasm_op op) {
    wasm_cell c;
    c.u64 = 0;
    if (v->e.labels) c.label = v->e.labels[op];
    else c.u64 = op;
    v->e.cells[at] = c;
    for (size_t i = v->e.ninsns; i-- > 0 && v->e.insns[i].start >= at;)
        if (v->e.insns[i].start == at) v->e.insns[i].op = op;
}

/* Forgets the instructions that began at or after cell end (removed). */
static void insns_truncate(vctx *v, uint32_t end) {
    while (v->e.ninsns && v->e.insns[v->e.ninsns - 1].start >= end) v->e.ninsns--;
}

/* When the last two instructions are I32_ADD_I (typically two pointers
 * stepped) and no branch lands between them, makes them one I32_ADD_I2
 * that runs both in order. Done only when a further instruction comes,
 * so that every fold that takes an I32_ADD_I (an address folded into a
 * load, a chain) has had its chance first. */
static void merge_add_i(vctx *v) {
    if (v->e.last_op != OP_I32_ADD_I || v->e.prev_op != OP_I32_ADD_I ||
        v->e.prev_start + 4 != v->e.last_start || v->e.last_start + 4 != v->e.ncells ||
        v->e.fence > v->e.prev_start)
        return;
    set_op(v, v->e.prev_start, OP_I32_ADD_I2);
    for (uint32_t i = 0; i < 3; i++) v->e.cells[v->e.last_start + i] = v->e.cells[v->e.last_start + 1 + i];
    v->e.ncells--;
    insns_truncate(v, v->e.last_start);
    v->e.last_start = v->e.prev_start;
    v->e.last_op = OP_I32_ADD_I2;
    if (v->e.last_dest != NO_CELL) v->e.last_dest--;
    v->e.prev_op = OP_COUNT_;
    v->e.prev_dest = NO_CELL;
}

/* Emits op and returns 0 (nothing in unreachable code). */
int hv_emit_op(vctx *v, wasm_op op) {
    if (!v_live(v)) return 0;
    merge_add_i(v);
    if (hv_grow(&v->engine->alloc, (void **)&v->e.insns, &v->e.capinsns, v->e.ninsns + 1,
                sizeof *v->e.insns) < 0)
        return v_nomem(v);
    v->e.insns[v->e.ninsns].start = (uint32_t)v->e.ncells;
    v->e.insns[v->e.ninsns++].op = op;
    wasm_cell c;
    c.u64 = 0;
    if (v->e.labels) c.label = v->e.labels[op];
    else c.u64 = op;
    v->e.prev_start = v->e.last_start;
    v->e.prev_op = v->e.last_op;
    v->e.prev_dest = v->e.last_dest;
    v->e.last_start = (uint32_t)v->e.ncells;
    v->e.last_op = op;
    v->e.last_dest = NO_CELL;
    return emit_cell(v, c);
}

int hv_emit_u64(vctx *v, uint64_t x) {
    if (!v_live(v)) return 0;
    wasm_cell c;
    c.u64 = x;
    return emit_cell(v, c);
}

/* Emits the destination slot d of the instruction just begun, which
 * writes d (one slot) after reading all its operands: a later local.set
 * may make it write a local instead. */
int hv_emit_dest(vctx *v, uint32_t d) {
    if (!v_live(v)) return 0;
    v->e.last_dest = (uint32_t)v->e.ncells;
    return hv_emit_u64(v, d);
}

/* A branch may land at the current end of the code: no peephole may
 * change or remove what was emitted before. */
void hv_emit_fence(vctx *v) { v->e.fence = (uint32_t)v->e.ncells; }

/* Whether the last instruction may still be rewritten or removed. */
static bool last_foldable(const vctx *v) {
    return v_live(v) && v->e.last_dest != NO_CELL && v->e.fence <= v->e.last_start;
}

/* Emits COPY [d, s], or, right after a COPY (COPY2) no branch can land
 * behind, turns that into COPY2 (COPY3), in the same order: the earlier
 * copies first, then this one. The last destination stays retargetable
 * like a COPY's. */
int hv_emit_copy(vctx *v, uint32_t d, uint32_t s) {
    if (!v_live(v)) return 0;
    if ((v->e.last_op == OP_COPY || v->e.last_op == OP_COPY2) && v->e.fence <= v->e.last_start &&
        v->e.ncells == (size_t)v->e.last_start + (v->e.last_op == OP_COPY ? 3 : 5)) {
        wasm_op op = v->e.last_op == OP_COPY ? OP_COPY2 : OP_COPY3;
        set_op(v, v->e.last_start, op);
        v->e.last_op = op;
        if (hv_emit_dest(v, d) < 0) return -1;
        return hv_emit_u64(v, s);
    }
    if (hv_emit_op(v, OP_COPY) < 0 || hv_emit_dest(v, d) < 0) return -1;
    return hv_emit_u64(v, s);
}

/* Copies deferred operand i to its canonical slot. */
static int materialize(vctx *v, size_t i) {
    vopnd *o = &v->opnds[i];
    bool wide = v->vals[i] == WASM_V128;
    if (wide ? hv_emit_op(v, OP_COPY_V128) < 0 || hv_emit_dest(v, o->slot) < 0 ||
                   hv_emit_u64(v, o->src) < 0
             : hv_emit_copy(v, o->slot, o->src) < 0)
        return -1;
    if (wide) v->e.last_dest = NO_CELL;
    o->src = o->slot;
    v->ndeferred--;
    return 0;
}

/* Puts every operand in its canonical slot: before branches, calls,
 * block boundaries and window operations, which see the stack as a whole. */
int hv_emit_flush(vctx *v) {
    if (!v_live(v)) return 0;
    for (size_t i = 0; i < v->nvals && v->ndeferred; i++)
        if (v->opnds[i].src != v->opnds[i].slot && materialize(v, i) < 0) return -1;
    return 0;
}

/* Operands still reading local slot off (which is about to be written). */
bool hv_emit_local_referenced(const vctx *v, uint32_t off) {
    if (!v->ndeferred) return false;
    for (size_t i = 0; i < v->nvals; i++)
        if (v->opnds[i].src == off && v->opnds[i].slot != off) return true;
    return false;
}

/* Before local slot off is written: operands that read it get their own
 * copy. */
int hv_emit_materialize_local(vctx *v, uint32_t off) {
    if (!v_live(v)) return 0;
    for (size_t i = 0; i < v->nvals && v->ndeferred; i++)
        if (v->opnds[i].src == off && v->opnds[i].slot != off && materialize(v, i) < 0)
            return -1;
    return 0;
}

/* When the last instruction wrote canonical slot s, makes it write slot d
 * instead and returns true. */
bool hv_emit_retarget_last(vctx *v, uint32_t s, uint32_t d) {
    if (!last_foldable(v) || v->e.cells[v->e.last_dest].u64 != s) return false;
    v->e.cells[v->e.last_dest].u64 = d;
    v->e.last_dest = NO_CELL;
    return true;
}

/* Removes the last instruction; the one before it is the last one again
 * (foldable as it was before the removed one was emitted), and nothing is
 * known about the one before that. */
static void drop_last(vctx *v) {
    v->e.ncells = v->e.last_start;
    insns_truncate(v, v->e.last_start);
    v->e.last_start = v->e.prev_start;
    v->e.last_op = v->e.prev_op;
    v->e.last_dest = v->e.prev_dest;
    v->e.prev_op = OP_COUNT_;
    v->e.prev_dest = NO_CELL;
}

/* When the last instruction is CONST writing slot s, removes it and
 * returns true with its bits. */
static bool take_last_const(vctx *v, uint32_t s, uint64_t *bits) {
    if (!last_foldable(v) || v->e.last_op != OP_CONST || v->e.cells[v->e.last_dest].u64 != s)
        return false;
    *bits = v->e.cells[v->e.last_start + 2].u64;
    drop_last(v);
    return true;
}

/* When the last instruction is op writing canonical slot s, removes it and
 * returns true with its n operand cells (those after the destination). */
bool hv_emit_take_last(vctx *v, wasm_op op, uint32_t s, uint64_t *opnd, unsigned n) {
    if (!last_foldable(v) || v->e.last_op != op || v->e.cells[v->e.last_dest].u64 != s) return false;
    for (unsigned i = 0; i < n; i++) opnd[i] = v->e.cells[v->e.last_start + 2 + i].u64;
    drop_last(v);
    return true;
}

/* When the last instruction is an i32 comparison (I32_EQ..I32_GE_U, or
 * their _I forms) writing slot s, removes it and returns true with the
 * comparison's index in wasm order (0 = eq .. 9 = ge_u) and its operands
 * (b a slot or, when *imm, the constant). */
static bool take_last_compare(vctx *v, uint32_t s, unsigned *idx, bool *imm, uint32_t *a,
                              uint32_t *b) {
    if (!last_foldable(v) || v->e.cells[v->e.last_dest].u64 != s) return false;
    if (v->e.last_op >= OP_I32_EQ && v->e.last_op <= OP_I32_GE_U) {
        *idx = v->e.last_op - OP_I32_EQ;
        *imm = false;
    } else if (v->e.last_op >= OP_I32_EQ_I && v->e.last_op <= OP_I32_GE_U_I) {
        *idx = v->e.last_op - OP_I32_EQ_I;
        *imm = true;
    } else {
        return false;
    }
    *a = v->e.cells[v->e.last_start + 2].u32;
    *b = v->e.cells[v->e.last_start + 3].u32;
    drop_last(v);
    return true;
}

/* When the last instruction is I32_EQZ writing slot s, removes it and
 * returns true with its operand. The instruction before it is the last
 * one again (foldable as it was before the eqz was emitted). */
static bool take_last_eqz(vctx *v, uint32_t s, uint32_t *a) {
    if (!last_foldable(v) || v->e.last_op != OP_I32_EQZ || v->e.cells[v->e.last_dest].u64 != s)
        return false;
    *a = v->e.cells[v->e.last_start + 2].u32;
    drop_last(v);
    return true;
}


/* A branch on slot c, taken when c is non-zero (when_zero false) or zero.
 * fuse false: no comparison is fused (the branch unwinds). */
void hv_emit_cond_take(vctx *v, uint32_t c, bool when_zero, bool fuse, vcond *k) {
    /* Each comparison's negation (wasm order), for a branch taken when it
     * is false: eq-ne, lt_s-ge_s, lt_u-ge_u, gt_s-le_s, gt_u-le_u. */
    static const uint8_t negated[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
    unsigned idx;
    bool imm;
    uint64_t x[2];
    k->two = false;
    k->b = 0;
    k->a = c;
    k->op = when_zero ? OP_BR_IF_EQZ : OP_BR_IF;
    if (!fuse) return;
    if (take_last_eqz(v, c, &k->a)) {
        k->op = when_zero ? OP_BR_IF : OP_BR_IF_EQZ;
        /* and a bit test or byte load computed the eqz's operand */
        if (hv_emit_take_last(v, OP_I32_AND_I, k->a, x, 2))
            k->op = when_zero ? OP_BR_IF_AND_I : OP_BR_IF_AND_I_EQZ;
        else if (hv_emit_take_last(v, OP_I32_LOAD8_U, k->a, x, 2))
            k->op = when_zero ? OP_BR_IF_LOAD8 : OP_BR_IF_LOAD8_EQZ;
    } else if (take_last_compare(v, c, &idx, &imm, &k->a, &k->b)) {
        if (when_zero) idx = negated[idx];
        k->op = (wasm_op)((imm ? OP_BR_IF_I32_EQ_I : OP_BR_IF_I32_EQ) + idx);
        k->two = true;
    } else if (hv_emit_take_last(v, OP_I32_AND_I, c, x, 2)) {
        k->op = when_zero ? OP_BR_IF_AND_I_EQZ : OP_BR_IF_AND_I;
    } else if (hv_emit_take_last(v, OP_I32_LOAD8_U, c, x, 2)) {
        k->op = when_zero ? OP_BR_IF_LOAD8_EQZ : OP_BR_IF_LOAD8;
    } else {
        return;
    }
    if (k->op >= OP_BR_IF_AND_I && k->op <= OP_BR_IF_LOAD8_EQZ) {
        /* [a, imm] or [a, offset]: the removed instruction's operands */
        k->a = (uint32_t)x[0];
        k->b = (uint32_t)x[1];
        k->two = true;
    }
}

/* The condition operands that follow the branch target. */
int hv_emit_cond(vctx *v, const vcond *k) {
    if (hv_emit_u64(v, k->a) < 0) return -1;
    return k->two ? hv_emit_u64(v, k->b) : 0;
}

/* Emits a cell holding the branch target cell index idx. */
int hv_emit_target(vctx *v, uint64_t idx) {
    if (!v_live(v)) return 0;
    if (hv_grow(&v->engine->alloc, (void **)&v->e.targets, &v->e.captargets, v->e.ntargets + 1,
                sizeof *v->e.targets) < 0)
        return v_nomem(v);
    v->e.targets[v->e.ntargets++] = (uint32_t)v->e.ncells;
    return hv_emit_u64(v, idx);
}

/* Emits a target cell for the end of frame fi, chained to be patched. */
int hv_emit_fixup(vctx *v, size_t fi) {
    if (!v_live(v)) return 0;
    uint32_t at = (uint32_t)v->e.ncells;
    if (hv_emit_target(v, v->ctrls[fi].fixups) < 0) return -1;
    v->ctrls[fi].fixups = at;
    return 0;
}

/* Points every target chained from head at cell index pc. */
void hv_emit_patch_chain(vctx *v, uint32_t head, uint32_t pc) {
    while (head != NO_CELL) {
        uint32_t next = (uint32_t)v->e.cells[head].u64;
        v->e.cells[head].u64 = pc;
        head = next;
    }
}

/* Whether a branch to the label at depth must move the values it carries
 * (they are not already at the label's height). */
bool hv_emit_unwinds(const vctx *v, uint32_t depth) {
    const vframe *f = &v->ctrls[v->nctrls - 1 - depth];
    const uint8_t *types;
    uint32_t n, arity;
    label_types(f, &types, &n, &arity);
    return (uint32_t)v->cur_slots - arity != f->height_slots;
}

/* The loop back-edge form of branch op (BR, BR_IF, BR_IF_EQZ, a fused
 * compare-and-branch): it also does the target header's budget and
 * interrupt check, and jumps past it. */
_Static_assert(OP_BR_IF_LOAD8_EQZ - OP_BR_IF_I32_EQ == OP_BR_IF_LOAD8_EQZ_LOOP - OP_BR_IF_I32_EQ_LOOP,
               "BR_IF_I32_EQ..BR_IF_LOAD8_EQZ and their _LOOP twins are parallel lists");
static wasm_op loop_op(wasm_op op) {
    switch (op) {
    case OP_BR: return OP_BR_LOOP;
    case OP_BR_IF: return OP_BR_IF_LOOP;
    case OP_BR_IF_EQZ: return OP_BR_IF_EQZ_LOOP;
    default:
        return (wasm_op)(op - OP_BR_IF_I32_EQ + OP_BR_IF_I32_EQ_LOOP);
    }
}

/* Emits RETURN [src, n], or RETURN1 [src] for one result slot. */
int hv_emit_return(vctx *v, uint64_t src, uint64_t n) {
    uint64_t x[2];
    if (n == 1 && v_live(v) && (v->e.last_op == OP_I32_ADD || v->e.last_op == OP_I32_SUB)) {
        /* the result computed just before: one instruction */
        wasm_op op = v->e.last_op == OP_I32_ADD ? OP_I32_ADD_RETURN1 : OP_I32_SUB_RETURN1;
        if (hv_emit_take_last(v, v->e.last_op, (uint32_t)src, x, 2))
            return hv_emit_op(v, op) < 0 || hv_emit_u64(v, x[0]) < 0 ? -1 : hv_emit_u64(v, x[1]);
    }
    if (n == 1) return hv_emit_op(v, OP_RETURN1) < 0 ? -1 : hv_emit_u64(v, src);
    if (hv_emit_op(v, OP_RETURN) < 0 || hv_emit_u64(v, src) < 0) return -1;
    return hv_emit_u64(v, n);
}

/* Emits a branch to the label at depth: unconditional when k is NULL,
 * else on condition k (which is not fused when the branch unwinds). The
 * operands are flushed and the carried values are on top, as the branch
 * sees them (br_if's condition already popped). */
int hv_emit_branch(vctx *v, uint32_t depth, const vcond *k) {
    if (!v_live(v)) return 0;
    size_t fi = v->nctrls - 1 - depth;
    vframe *f = &v->ctrls[fi];
    const uint8_t *types;
    uint32_t n, arity;
    label_types(f, &types, &n, &arity);
    uint32_t src = (uint32_t)v->cur_slots - arity;
    if (!k && fi == 0) {
        return hv_emit_return(v, src, arity);
    }
    bool unwind = src != f->height_slots;
    wasm_op op = k ? (unwind ? OP_BR_IF_UNWIND : k->op) : (unwind ? OP_BR_UNWIND : OP_BR);
    /* A branch on a byte just loaded into a local (i32.load8_u; local.tee;
     * br_if or if) when nothing came between: one BR_IF_LOAD8_SET, which
     * still writes the local. Not for loop back edges (no _LOOP twin). */
    if (k && !unwind && f->kind != FRAME_LOOP && !k->two &&
        (op == OP_BR_IF || op == OP_BR_IF_EQZ) && v->e.last_op == OP_I32_LOAD8_U &&
        v->e.last_start + 4 == v->e.ncells && v->e.fence <= v->e.last_start &&
        v->e.cells[v->e.last_start + 1].u32 == k->a) {
        uint64_t d = v->e.cells[v->e.last_start + 1].u64, a = v->e.cells[v->e.last_start + 2].u64,
                 off = v->e.cells[v->e.last_start + 3].u64;
        drop_last(v);
        if (hv_emit_op(v, op == OP_BR_IF ? OP_BR_IF_LOAD8_SET : OP_BR_IF_LOAD8_SET_EQZ) < 0 ||
            hv_emit_fixup(v, fi) < 0 || hv_emit_u64(v, d) < 0 || hv_emit_u64(v, a) < 0 ||
            hv_emit_u64(v, off) < 0)
            return -1;
        return 0;
    }
    /* A back edge to a loop: the branch does the header's check (a branch
     * that carries values keeps it simple and runs LOOP_CHECK instead). */
    if (f->kind == FRAME_LOOP && !unwind) op = loop_op(op);
    /* A counted loop: i32.add of a constant just before a != back edge
     * on its result (nothing between): one instruction. */
    if ((op == OP_BR_IF_I32_NE_LOOP || op == OP_BR_IF_I32_NE_I_LOOP) && k->two &&
        v->e.last_op == OP_I32_ADD_I && v->e.last_start + 4 == v->e.ncells &&
        v->e.fence <= v->e.last_start) {
        uint32_t d = v->e.cells[v->e.last_start + 1].u32;
        uint64_t other = 0;
        bool found = true;
        if (k->a == d) other = k->b;
        else if (op == OP_BR_IF_I32_NE_LOOP && k->b == d) other = k->a;
        else found = false;
        if (found) {
            uint64_t a = v->e.cells[v->e.last_start + 2].u64, imm = v->e.cells[v->e.last_start + 3].u64;
            drop_last(v);
            op = op == OP_BR_IF_I32_NE_LOOP ? OP_BR_IF_ADD_I_NE_LOOP : OP_BR_IF_ADD_I_NE_I_LOOP;
            if (hv_emit_op(v, op) < 0 || hv_emit_target(v, f->loop_pc) < 0 || hv_emit_u64(v, d) < 0 ||
                hv_emit_u64(v, a) < 0 || hv_emit_u64(v, imm) < 0 || hv_emit_u64(v, other) < 0)
                return -1;
            return 0;
        }
    }
    if (hv_emit_op(v, op) < 0) return -1;
    int rc = f->kind == FRAME_LOOP ? hv_emit_target(v, f->loop_pc) : hv_emit_fixup(v, fi);
    if (rc < 0) return -1;
    if (unwind) {
        if (hv_emit_u64(v, (uint64_t)f->height_slots | (uint64_t)arity << 32) < 0 ||
            hv_emit_u64(v, src) < 0)
            return -1;
        return k ? hv_emit_u64(v, k->a) : 0;
    }
    return k ? hv_emit_cond(v, k) : 0;
}

/* An access to memory mem other than 0 runs as memory 0's instruction
 * between MEM_SELECT mem and MEM_SELECT 0 (opcodes.h), which point the
 * interpreter's cached memory at mem and back. Neither is foldable, so no
 * peephole combines the access with its neighbours. */
int hv_emit_mem_select(vctx *v, uint32_t mem) {
    if (hv_emit_op(v, OP_MEM_SELECT) < 0 || hv_emit_u64(v, mem) < 0) return -1;
    return 0;
}

/* A store of 1 << log2 bytes at a (+ offset) whose value the last
 * instruction loaded, with a load of the same width, into the value's
 * canonical slot: one MOVE (opcodes.h), which checks and reads the load's
 * address first as before. An i32.add of a constant that computed the
 * store's address just before the load is folded in too, unless the load
 * reads that sum. The loaded value's slot is dead after the store, so not
 * writing it is not observable. Returns 1 when done, 0 when nothing
 * applies. */
_Static_assert(OP_I64_LOAD32_U - OP_I32_LOAD == 13 && OP_I32_LOAD16_U_AI - OP_I32_LOAD_AI == 7,
               "emit_move indexes memops by load op");
int hv_emit_move(vctx *v, unsigned log2, uint32_t a, uint32_t a_slot, uint32_t value_slot,
              uint32_t offset) {
    static const wasm_op moves[4] = {OP_MOVE8, OP_MOVE16, OP_MOVE32, OP_MOVE64};
    if (!last_foldable(v)) return 0;
    wasm_op lo = v->e.last_op;
    uint64_t src[3], dst[2];
    if (lo >= OP_I32_LOAD && lo <= OP_I64_LOAD32_U && memops[lo - OP_I32_LOAD].log2 == log2) {
        if (!hv_emit_take_last(v, lo, value_slot, src, 2)) return 0;
        src[2] = src[1];
        src[1] = 0;
    } else if (lo >= OP_I32_LOAD_AI && lo <= OP_I32_LOAD16_U_AI &&
               memops[lo - OP_I32_LOAD_AI].log2 == log2) {
        if (!hv_emit_take_last(v, lo, value_slot, src, 3)) return 0;
    } else {
        return 0;
    }
    if (a == a_slot && src[0] != a_slot && hv_emit_take_last(v, OP_I32_ADD_I, a_slot, dst, 2)) {
        /* dst = the sum's operand and constant */
    } else {
        dst[0] = a;
        dst[1] = 0;
    }
    if (hv_emit_op(v, moves[log2]) < 0 || hv_emit_u64(v, dst[0]) < 0 || hv_emit_u64(v, dst[1]) < 0 ||
        hv_emit_u64(v, offset) < 0 || hv_emit_u64(v, src[0]) < 0 || hv_emit_u64(v, src[1]) < 0 ||
        hv_emit_u64(v, src[2]) < 0)
        return -1;
    return 1;
}

/* The _I form of binary integer operation op (with its second operand a
 * constant), or OP_COUNT_ when there is none. */
static wasm_op imm_form(wasm_op op) {
    switch (op) {
    case OP_I32_ADD: return OP_I32_ADD_I;
    case OP_I32_SUB: return OP_I32_SUB_I;
    case OP_I32_MUL: return OP_I32_MUL_I;
    case OP_I32_AND: return OP_I32_AND_I;
    case OP_I32_OR: return OP_I32_OR_I;
    case OP_I32_XOR: return OP_I32_XOR_I;
    case OP_I32_SHL: return OP_I32_SHL_I;
    case OP_I32_SHR_S: return OP_I32_SHR_S_I;
    case OP_I32_SHR_U: return OP_I32_SHR_U_I;
    case OP_I32_ROTL: return OP_I32_ROTL_I;
    case OP_I32_ROTR: return OP_I32_ROTR_I;
    case OP_I32_EQ: return OP_I32_EQ_I;
    case OP_I32_NE: return OP_I32_NE_I;
    case OP_I32_LT_S: return OP_I32_LT_S_I;
    case OP_I32_LT_U: return OP_I32_LT_U_I;
    case OP_I32_GT_S: return OP_I32_GT_S_I;
    case OP_I32_GT_U: return OP_I32_GT_U_I;
    case OP_I32_LE_S: return OP_I32_LE_S_I;
    case OP_I32_LE_U: return OP_I32_LE_U_I;
    case OP_I32_GE_S: return OP_I32_GE_S_I;
    case OP_I32_GE_U: return OP_I32_GE_U_I;
    case OP_I64_ADD: return OP_I64_ADD_I;
    case OP_I64_SUB: return OP_I64_SUB_I;
    case OP_I64_MUL: return OP_I64_MUL_I;
    case OP_I64_AND: return OP_I64_AND_I;
    case OP_I64_OR: return OP_I64_OR_I;
    case OP_I64_XOR: return OP_I64_XOR_I;
    case OP_I64_SHL: return OP_I64_SHL_I;
    case OP_I64_SHR_S: return OP_I64_SHR_S_I;
    case OP_I64_SHR_U: return OP_I64_SHR_U_I;
    case OP_I64_ROTL: return OP_I64_ROTL_I;
    case OP_I64_ROTR: return OP_I64_ROTR_I;
    default: return OP_COUNT_;
    }
}

static bool commutative(wasm_op op) {
    return op == OP_I32_ADD || op == OP_I32_MUL || op == OP_I32_AND || op == OP_I32_OR ||
           op == OP_I32_XOR || op == OP_I32_EQ || op == OP_I32_NE || op == OP_I64_ADD ||
           op == OP_I64_MUL || op == OP_I64_AND || op == OP_I64_OR || op == OP_I64_XOR;
}

/* Two chained integer operations (opcodes.h I32_ADD_ADD ...): the outer
 * (commutative) operation, the inner one whose result it reads, and the
 * fused form; an inner _I operation keeps its constant in the fused form. */
static const struct chain_form {
    wasm_op outer, inner, fused;
} chain_forms[] = {
    {OP_I32_ADD, OP_I32_ADD, OP_I32_ADD_ADD},
    {OP_I32_ADD, OP_I32_SUB, OP_I32_SUB_ADD},
    {OP_I32_ADD, OP_I32_MUL, OP_I32_MUL_ADD},
    {OP_I32_ADD, OP_I32_AND, OP_I32_AND_ADD},
    {OP_I32_ADD, OP_I32_XOR, OP_I32_XOR_ADD},
    {OP_I32_ADD, OP_I32_SHL_I, OP_I32_SHL_I_ADD},
    {OP_I32_ADD, OP_I32_ROTL_I, OP_I32_ROTL_I_ADD},
    {OP_I32_XOR, OP_I32_AND, OP_I32_AND_XOR},
    {OP_I32_XOR, OP_I32_OR, OP_I32_OR_XOR},
    {OP_I32_XOR, OP_I32_XOR, OP_I32_XOR_XOR},
    {OP_I32_XOR, OP_I32_SHR_U_I, OP_I32_SHR_U_I_XOR},
    {OP_I32_XOR, OP_I32_SHL_I, OP_I32_SHL_I_XOR},
    {OP_I32_XOR, OP_I32_ROTL_I, OP_I32_ROTL_I_XOR},
    {OP_I32_AND, OP_I32_XOR, OP_I32_XOR_AND},
    {OP_I32_AND, OP_I32_XOR_I, OP_I32_XOR_I_AND},
    {OP_I64_ADD, OP_I64_ADD, OP_I64_ADD_ADD},
    {OP_I64_ADD, OP_I64_MUL, OP_I64_MUL_ADD},
    {OP_I64_XOR, OP_I64_XOR, OP_I64_XOR_XOR},
    {OP_I64_XOR, OP_I64_SHR_U_I, OP_I64_SHR_U_I_XOR},
    {OP_I64_XOR, OP_I64_SHL_I, OP_I64_SHL_I_XOR},
    {OP_I64_XOR, OP_I64_ROTL_I, OP_I64_ROTL_I_XOR},
};

/* op (commutative) on a and b when the last instruction computed one of
 * them into its canonical slot: removes that instruction and emits the
 * fused form reading its operands and the other operand. The fused form
 * reads everything before writing, and the inner result's slot is dead
 * afterwards (it was the operand consumed here), so skipping its write is
 * not observable. Returns 1 when done, 0 when nothing applies. */
static int emit_chain(vctx *v, wasm_op op, uint32_t a, uint32_t a_slot, uint32_t b,
                      uint32_t b_slot) {
    if (!last_foldable(v)) return 0;
    for (size_t i = 0; i < sizeof chain_forms / sizeof chain_forms[0]; i++) {
        const struct chain_form *f = &chain_forms[i];
        if (f->outer != op || f->inner != v->e.last_op) continue;
        uint64_t x[2];
        uint32_t other;
        if (b == b_slot && hv_emit_take_last(v, f->inner, b_slot, x, 2)) other = a;
        else if (a == a_slot && hv_emit_take_last(v, f->inner, a_slot, x, 2)) other = b;
        else return 0;
        if (hv_emit_op(v, f->fused) < 0 || hv_emit_dest(v, a_slot) < 0 || hv_emit_u64(v, x[0]) < 0 ||
            hv_emit_u64(v, x[1]) < 0 || hv_emit_u64(v, other) < 0)
            return -1;
        return 1;
    }
    return 0;
}

/* Emits binary operation op on operands read from a and b (popped; slot
 * a_slot was the first's canonical slot, b_slot the second's), writing
 * the first's canonical slot. A constant that was the last instruction
 * becomes an immediate. */
int hv_emit_binary(vctx *v, wasm_op op, uint32_t a, uint32_t a_slot, uint32_t b, uint32_t b_slot) {
    wasm_op iop = imm_form(op);
    uint64_t k, x[2];
    /* f64.mul then f64.add: one instruction, still two roundings. The
     * product is either the second operand (its slot written last), or
     * the first with the second a local read in place. */
    if (op == OP_F64_ADD && b == b_slot && hv_emit_take_last(v, OP_F64_MUL, b_slot, x, 2)) {
        if (hv_emit_op(v, OP_F64_ADD_MUL) < 0 || hv_emit_dest(v, a_slot) < 0 || hv_emit_u64(v, a) < 0)
            return -1;
        return hv_emit_u64(v, x[0]) < 0 ? -1 : hv_emit_u64(v, x[1]);
    }
    if (op == OP_F64_ADD && a == a_slot && b != b_slot &&
        hv_emit_take_last(v, OP_F64_MUL, a_slot, x, 2)) {
        if (hv_emit_op(v, OP_F64_MUL_ADD) < 0 || hv_emit_dest(v, a_slot) < 0 ||
            hv_emit_u64(v, x[0]) < 0 || hv_emit_u64(v, x[1]) < 0)
            return -1;
        return hv_emit_u64(v, b);
    }
    if (commutative(op)) {
        int r = emit_chain(v, op, a, a_slot, b, b_slot);
        if (r != 0) return r < 0 ? -1 : 0;
    }
    if (iop != OP_COUNT_) {
        bool found = b == b_slot && take_last_const(v, b_slot, &k);
        if (!found && commutative(op) && a == a_slot && take_last_const(v, a_slot, &k)) {
            found = true;
            a = b;
        }
        if (found) {
            if (op == OP_I32_SHL || op == OP_I32_SHR_S || op == OP_I32_SHR_U ||
                op == OP_I32_ROTL || op == OP_I32_ROTR)
                k &= 31;
            if (op == OP_I64_SHL || op == OP_I64_SHR_S || op == OP_I64_SHR_U ||
                op == OP_I64_ROTL || op == OP_I64_ROTR)
                k &= 63;
            if (hv_emit_op(v, iop) < 0 || hv_emit_dest(v, a_slot) < 0 || hv_emit_u64(v, a) < 0)
                return -1;
            return hv_emit_u64(v, k);
        }
    }
    if (hv_emit_op(v, op) < 0 || hv_emit_dest(v, a_slot) < 0 || hv_emit_u64(v, a) < 0) return -1;
    return hv_emit_u64(v, b);
}

/* Emits a window operation (opcodes.h): flushes, so the operands the
 * caller then pops are in their canonical slots, and emits op with the
 * slot just above them. */
int hv_emit_window(vctx *v, wasm_op op) {
    if (hv_emit_flush(v) < 0 || hv_emit_op(v, op) < 0) return -1;
    return hv_emit_u64(v, (uint64_t)v->cur_slots);
}

/* ---- the emitter's state ------------------------------------------------- */

void hv_emit_reset(vctx *v) {
    vemit *e = &v->e;
    e->ncells = 0;
    e->ntargets = 0;
    e->ninsns = 0;
    e->nhandlers = 0;
    e->last_start = 0;
    e->last_dest = NO_CELL;
    e->prev_start = 0;
    e->prev_dest = NO_CELL;
    e->fence = 0;
    e->last_op = OP_UNREACHABLE;
    e->prev_op = OP_COUNT_;
}

void hv_emit_fini(vctx *v) {
    const hv_alloc *a = &v->engine->alloc;
    hv_free(a, v->e.cells);
    hv_free(a, v->e.targets);
    hv_free(a, v->e.handlers);
    hv_free(a, v->e.insns);
    hv_free(a, v->e.da_cur);
    hv_free(a, v->e.da_read);
    hv_free(a, v->e.da_frames);
}

void hv_emit_forget_dest(vctx *v) { v->e.last_dest = NO_CELL; }

int hv_emit_handler(vctx *v, wasm_handler h) {
    if (hv_grow(&v->engine->alloc, (void **)&v->e.handlers, &v->e.caphandlers,
                v->e.nhandlers + 1, sizeof *v->e.handlers) < 0)
        return v_nomem(v);
    v->e.handlers[v->e.nhandlers++] = h;
    return 0;
}

void hv_emit_body(vctx *v, const wasm_code *code, wasm_body *out) {
    da_finish(v, code, out);
    out->cells = v->e.cells;
    out->ncells = v->e.ncells;
    out->targets = v->e.targets;
    out->ntargets = v->e.ntargets;
    out->insns = v->e.insns;
    out->ninsns = v->e.ninsns;
    out->handlers = v->e.handlers;
    out->nhandlers = v->e.nhandlers;
    out->max_slots = (uint32_t)v->max_slots;
}

void hv_emit_da_off(vctx *v) {
    v->e.da_all = false;
    v->e.da_words = 0;
}

void hv_emit_da_unreachable(vctx *v) {
    if (v->e.da_words) hv_emit_da_fill(v, v->e.da_cur);
}

void hv_emit_da_restore(vctx *v, size_t fi) {
    if (v->e.da_words)
        memcpy(v->e.da_cur, hv_emit_da_frame(v, fi, 0), v->e.da_words * sizeof(uint64_t));
}

void hv_emit_da_end(vctx *v, size_t fi, bool is_if) {
    if (!v->e.da_words) return;
    /* after the frame: its fallthrough (live) and every branch to its
     * end; an if without else falls through its entry set */
    uint64_t *out = hv_emit_da_frame(v, fi, 1);
    if (v_live(v)) hv_emit_da_and(v, out, v->e.da_cur);
    if (is_if) hv_emit_da_and(v, out, hv_emit_da_frame(v, fi, 0));
    memcpy(v->e.da_cur, out, v->e.da_words * sizeof(uint64_t));
}
