/*
 * validate.c -- validation of a decoded module, and compilation of each
 * function body into the internal code of opcodes.h in the same pass.
 *
 * Bodies are checked with the spec's algorithm (appendix "Validation
 * Algorithm"): a stack of operand types and a stack of control frames,
 * with stack polymorphism after unconditional branches. Because every
 * operand's type is known statically in reachable code, so is its slot
 * position: the compiler resolves branch targets, the stack heights they
 * unwind to and the slot offsets of locals here, once. Code that cannot
 * be reached is validated but not emitted.
 *
 * The code is register-style (see opcodes.h): beside each operand's type
 * the compiler tracks where the value can be read now (vopnd). A
 * local.get only records the local's slot; the value is copied to its
 * canonical slot ("flushed") before anything could change the local or
 * observe the stack as a whole. Small peepholes on the last instruction
 * (retargeting its destination, folding a comparison into a branch or a
 * constant into an immediate) are allowed only when no branch target lies
 * after its start ("fence").
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/error.h"
#include "wasm/inline.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"
#include "wasm/runtime.h"

#define VT_UNKNOWN 0 /* the polymorphic "bottom" operand of unreachable code */
#define NO_CELL UINT32_MAX

typedef enum frame_kind { FRAME_FUNC, FRAME_BLOCK, FRAME_LOOP, FRAME_IF, FRAME_ELSE, FRAME_TRY } frame_kind;

/* A catch clause of a try_table (kind 0: catch tag, 2: catch_all), its
 * label relative to the frame enclosing the try_table. */
typedef struct vcatch {
    uint8_t kind;
    uint32_t tag, label;
} vcatch;

/* A control frame. Label types are the params for a loop, the results
 * otherwise. Indices, not pointers, refer to cells: the buffer moves. */
typedef struct vframe {
    frame_kind kind;
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t param_slots, result_slots;
    size_t height;        /* operand stack size (values) at entry, params excluded */
    uint32_t height_slots; /* the same in slots above fp */
    bool unreachable;     /* after br, return, unreachable... in this frame */
    bool dead;            /* the frame began in unreachable code: emit nothing */
    uint32_t loop_pc;     /* LOOP: cell index of the loop header */
    uint32_t fixups;      /* chain of target cells to patch with the end */
    uint32_t else_fixup;  /* IF: the BR_UNLESS target cell */
    /* TRY: its catch clauses (vctx.catches[catch_at ..]) and the first
     * cell of its body */
    uint32_t catch_at, ncatch;
    uint32_t try_start;
} vframe;

/* Where an operand on the validator's stack can be read: its canonical
 * slot, or (src != slot) the slot of the local a deferred local.get names. */
typedef struct vopnd {
    uint32_t slot, src;
} vopnd;

typedef struct vctx {
    hive_engine *engine;
    wasm_module *m;
    hive_error *err;
    int code; /* the first error's code */
    leb_reader r;
    const void *const *labels;
    bool *declared; /* functions that ref.func may name (C.refs); NULL when
                     * compiling a body of a module already validated */
    /* Validation only (the pass at load): every frame is dead, so nothing
     * is emitted and nothing about the code is computed. */
    bool check_only;

    uint8_t *vals; /* operand types */
    vopnd *opnds;  /* and where they are, in step with vals */
    size_t nvals, capvals, capopnds;
    uint32_t ndeferred; /* opnds with src != slot */
    uint32_t pop_src, pop_slot; /* of the operand popped last (0 if unknown) */
    vframe *ctrls;
    size_t nctrls, capctrls;
    /* the catch clauses of the open try_tables, and the handlers of the
     * function so far (wasm_code.handlers) */
    vcatch *catches;
    size_t ncatches, capcatches;
    wasm_handler *handlers;
    size_t nhandlers, caphandlers;

    wasm_cell *cells;
    size_t ncells, capcells;
    uint32_t *targets; /* cells that hold a branch target (as an index) */
    size_t ntargets, captargets;
    /* Every instruction of the code so far, in order: its first cell and
     * its op (for fuse_runs; kept in step when a peephole drops or
     * rewrites one). */
    inline_insn *insns;
    size_t ninsns, capinsns;
    /* opcodes.h's runs by their ops (runs_index) */
#define RUN_HASH_BITS 11
#define RUN_HASH (1u << RUN_HASH_BITS)
    uint16_t runs[RUN_HASH];
    uint8_t run_starts[OP_COUNT_]; /* bit k: some run of k begins with the op */
    /* fuse_runs's choice, per instruction: dispatches saved from there on,
     * and the length of the run starting there */
    uint32_t *run_saved;
    uint8_t *run_len;
    size_t cap_run_saved, cap_run_len;
    /* The last instruction emitted, for peepholes: its first cell, its op
     * and the cell of its destination slot (NO_CELL when it has none that
     * may be rewritten); fence: the highest cell index a branch may target. */
    uint32_t last_start, last_dest, fence;
    wasm_op last_op;
    /* the same for the instruction before the last (take_last_eqz makes
     * it the last again) */
    uint32_t prev_start, prev_dest;
    wasm_op prev_op;

    int64_t cur_slots; /* operand height in slots above fp (live code) */
    int64_t max_slots;

    uint8_t *local_types; /* params then declared locals */
    uint32_t nlocals;
    uint32_t *local_offsets; /* slot offset of each local (params too) */
    size_t cap_local_types, cap_local_offsets;
    struct fframe *fctrls; /* fast_check's control stack */
    size_t capfctrls;
    uint8_t *sure; /* validate_module: fast_check's verdict on each body */
    /* HIVE_VERIFY_FAST_CHECK=1: run the full pass on every body too, and
     * abort if it rejects one the fast check accepted (a test mode) */
    bool verify_fast;
    uint32_t fallbacks; /* bodies the fast check left to the full pass */

    /* Definite assignment of the declared locals (see "locals that need
     * zeroing" below): bit i = declared local i. da_words is 0 when the
     * function has none, or too many to track (then all are zeroed). */
    uint32_t nparams, da_words;
    bool da_all;          /* every declared local is zeroed */
    uint64_t *da_cur;     /* assigned on every path to here */
    uint64_t *da_read;    /* read where it may not have been assigned */
    uint64_t *da_frames;  /* per control frame: entry set, then out set */
    size_t da_capframes;
} vctx;

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

static int v_nomem(vctx *v) {
    v->code = HIVE_ENOMEM;
    hv_error_set(v->err, HIVE_ENOMEM, leb_offset(&v->r), "out of memory");
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

static bool v_live(const vctx *v) {
    const vframe *f = &v->ctrls[v->nctrls - 1];
    return !f->unreachable && !f->dead;
}

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

static uint64_t *da_frame(vctx *v, size_t fi, int which) {
    return v->da_frames + (fi * 2 + (size_t)which) * v->da_words;
}

static void da_fill(vctx *v, uint64_t *set) {
    for (uint32_t w = 0; w < v->da_words; w++) set[w] = UINT64_MAX;
}

static void da_and(vctx *v, uint64_t *dst, const uint64_t *src) {
    for (uint32_t w = 0; w < v->da_words; w++) dst[w] &= src[w];
}

/* Starts the analysis for a function with ndeclared declared locals. */
static int da_begin(vctx *v, uint32_t ndeclared) {
    const hv_alloc *a = &v->engine->alloc;
    v->da_all = ndeclared > DA_MAX_LOCALS;
    v->da_words = v->da_all ? 0 : (ndeclared + 63) / 64;
    if (!v->da_words) return 0;
    hv_free(a, v->da_cur);
    hv_free(a, v->da_read);
    v->da_cur = hv_calloc(a, v->da_words, sizeof(uint64_t));
    v->da_read = hv_calloc(a, v->da_words, sizeof(uint64_t));
    if (!v->da_cur || !v->da_read) return v_nomem(v);
    return 0;
}

/* A new frame (just pushed, index fi): entry = the current set, out = all. */
static int da_push(vctx *v, size_t fi) {
    if (!v->da_words) return 0;
    size_t cap = v->da_capframes;
    if (hv_grow(&v->engine->alloc, (void **)&v->da_frames, &cap, (fi + 1) * 2 * v->da_words,
                sizeof(uint64_t)) < 0)
        return v_nomem(v);
    v->da_capframes = cap;
    memcpy(da_frame(v, fi, 0), v->da_cur, v->da_words * sizeof(uint64_t));
    da_fill(v, da_frame(v, fi, 1));
    return 0;
}

/* A branch (live code) to the label at depth. */
static void da_branch(vctx *v, uint32_t depth) {
    size_t fi = v->nctrls - 1 - depth;
    if (!v->da_words || v->ctrls[fi].kind == FRAME_LOOP) return;
    da_and(v, da_frame(v, fi, 1), v->da_cur);
}

static void da_read(vctx *v, uint32_t idx) {
    if (idx < v->nparams || !v->da_words) return;
    uint32_t i = idx - v->nparams;
    if (!(v->da_cur[i / 64] >> (i % 64) & 1)) v->da_read[i / 64] |= (uint64_t)1 << (i % 64);
}

static void da_write(vctx *v, uint32_t idx) {
    if (idx < v->nparams || !v->da_words) return;
    uint32_t i = idx - v->nparams;
    v->da_cur[i / 64] |= (uint64_t)1 << (i % 64);
}

/* The slots to zero on entry: a range covering every declared local that
 * may be read before it is written (empty: zero_start == zero_end). */
static void da_finish(vctx *v, wasm_code *code) {
    code->zero_start = code->zero_end = code->param_slots;
    for (uint32_t k = v->nparams; k < v->nlocals; k++) {
        uint32_t i = k - v->nparams;
        if (!v->da_all && !(v->da_words && (v->da_read[i / 64] >> (i % 64) & 1))) continue;
        uint32_t lo = v->local_offsets[k], hi = lo + wasm_slots(v->local_types[k]);
        if (code->zero_start == code->zero_end) {
            code->zero_start = lo;
            code->zero_end = hi;
        } else {
            if (lo < code->zero_start) code->zero_start = lo;
            if (hi > code->zero_end) code->zero_end = hi;
        }
    }
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
    if (da_push(v, v->nctrls - 1) < 0) return -1;
    if (kind == FRAME_FUNC) return 0;
    return push_vals(v, params, np);
}

/* Marks the rest of the current frame unreachable. */
static void set_unreachable(vctx *v) {
    vframe *f = &v->ctrls[v->nctrls - 1];
    v->nvals = f->height;
    if (v_live(v)) v->cur_slots = f->height_slots;
    f->unreachable = true;
    if (v->da_words) da_fill(v, v->da_cur);
}

/* The label types of frame f, as a branch to it sees them. */
static void label_types(const vframe *f, const uint8_t **types, uint32_t *n, uint32_t *slots) {
    if (f->kind == FRAME_LOOP) {
        *types = f->params;
        *n = f->nparams;
        *slots = f->param_slots;
    } else {
        *types = f->results;
        *n = f->nresults;
        *slots = f->result_slots;
    }
}

/* ---- code emission --------------------------------------------------------- */

static int emit_cell(vctx *v, wasm_cell c) {
    if (hv_grow(&v->engine->alloc, (void **)&v->cells, &v->capcells, v->ncells + 1,
                sizeof *v->cells) < 0)
        return v_nomem(v);
    v->cells[v->ncells++] = c;
    return 0;
}

/* Makes the instruction starting at cell at an op instruction (the same
 * immediates, or ones the caller writes next). */
static void set_op(vctx *v, uint32_t at, wasm_op op) {
    wasm_cell c;
    c.u64 = 0;
    if (v->labels) c.label = v->labels[op];
    else c.u64 = op;
    v->cells[at] = c;
    for (size_t i = v->ninsns; i-- > 0 && v->insns[i].start >= at;)
        if (v->insns[i].start == at) v->insns[i].op = op;
}

/* Forgets the instructions that began at or after cell end (removed). */
static void insns_truncate(vctx *v, uint32_t end) {
    while (v->ninsns && v->insns[v->ninsns - 1].start >= end) v->ninsns--;
}

/* When the last two instructions are I32_ADD_I (typically two pointers
 * stepped) and no branch lands between them, makes them one I32_ADD_I2
 * that runs both in order. Done only when a further instruction comes,
 * so that every fold that takes an I32_ADD_I (an address folded into a
 * load, a chain) has had its chance first. */
static void merge_add_i(vctx *v) {
    if (v->last_op != OP_I32_ADD_I || v->prev_op != OP_I32_ADD_I ||
        v->prev_start + 4 != v->last_start || v->last_start + 4 != v->ncells ||
        v->fence > v->prev_start)
        return;
    set_op(v, v->prev_start, OP_I32_ADD_I2);
    for (uint32_t i = 0; i < 3; i++) v->cells[v->last_start + i] = v->cells[v->last_start + 1 + i];
    v->ncells--;
    insns_truncate(v, v->last_start);
    v->last_start = v->prev_start;
    v->last_op = OP_I32_ADD_I2;
    if (v->last_dest != NO_CELL) v->last_dest--;
    v->prev_op = OP_COUNT_;
    v->prev_dest = NO_CELL;
}

/* Emits op and returns 0 (nothing in unreachable code). */
static int emit_op(vctx *v, wasm_op op) {
    if (!v_live(v)) return 0;
    merge_add_i(v);
    if (hv_grow(&v->engine->alloc, (void **)&v->insns, &v->capinsns, v->ninsns + 1,
                sizeof *v->insns) < 0)
        return v_nomem(v);
    v->insns[v->ninsns].start = (uint32_t)v->ncells;
    v->insns[v->ninsns++].op = op;
    wasm_cell c;
    c.u64 = 0;
    if (v->labels) c.label = v->labels[op];
    else c.u64 = op;
    v->prev_start = v->last_start;
    v->prev_op = v->last_op;
    v->prev_dest = v->last_dest;
    v->last_start = (uint32_t)v->ncells;
    v->last_op = op;
    v->last_dest = NO_CELL;
    return emit_cell(v, c);
}

static int emit_u64(vctx *v, uint64_t x) {
    if (!v_live(v)) return 0;
    wasm_cell c;
    c.u64 = x;
    return emit_cell(v, c);
}

/* Emits the destination slot d of the instruction just begun, which
 * writes d (one slot) after reading all its operands: a later local.set
 * may make it write a local instead. */
static int emit_dest(vctx *v, uint32_t d) {
    if (!v_live(v)) return 0;
    v->last_dest = (uint32_t)v->ncells;
    return emit_u64(v, d);
}

/* A branch may land at the current end of the code: no peephole may
 * change or remove what was emitted before. */
static void set_fence(vctx *v) { v->fence = (uint32_t)v->ncells; }

/* Whether the last instruction may still be rewritten or removed. */
static bool last_foldable(const vctx *v) {
    return v_live(v) && v->last_dest != NO_CELL && v->fence <= v->last_start;
}

/* Emits COPY [d, s], or, right after a COPY (COPY2) no branch can land
 * behind, turns that into COPY2 (COPY3), in the same order: the earlier
 * copies first, then this one. The last destination stays retargetable
 * like a COPY's. */
static int emit_copy(vctx *v, uint32_t d, uint32_t s) {
    if (!v_live(v)) return 0;
    if ((v->last_op == OP_COPY || v->last_op == OP_COPY2) && v->fence <= v->last_start &&
        v->ncells == (size_t)v->last_start + (v->last_op == OP_COPY ? 3 : 5)) {
        wasm_op op = v->last_op == OP_COPY ? OP_COPY2 : OP_COPY3;
        set_op(v, v->last_start, op);
        v->last_op = op;
        if (emit_dest(v, d) < 0) return -1;
        return emit_u64(v, s);
    }
    if (emit_op(v, OP_COPY) < 0 || emit_dest(v, d) < 0) return -1;
    return emit_u64(v, s);
}

/* Copies deferred operand i to its canonical slot. */
static int materialize(vctx *v, size_t i) {
    vopnd *o = &v->opnds[i];
    bool wide = v->vals[i] == WASM_V128;
    if (wide ? emit_op(v, OP_COPY_V128) < 0 || emit_dest(v, o->slot) < 0 ||
                   emit_u64(v, o->src) < 0
             : emit_copy(v, o->slot, o->src) < 0)
        return -1;
    if (wide) v->last_dest = NO_CELL;
    o->src = o->slot;
    v->ndeferred--;
    return 0;
}

/* Puts every operand in its canonical slot: before branches, calls,
 * block boundaries and window operations, which see the stack as a whole. */
static int flush(vctx *v) {
    if (!v_live(v)) return 0;
    for (size_t i = 0; i < v->nvals && v->ndeferred; i++)
        if (v->opnds[i].src != v->opnds[i].slot && materialize(v, i) < 0) return -1;
    return 0;
}

/* Operands still reading local slot off (which is about to be written). */
static bool local_referenced(const vctx *v, uint32_t off) {
    if (!v->ndeferred) return false;
    for (size_t i = 0; i < v->nvals; i++)
        if (v->opnds[i].src == off && v->opnds[i].slot != off) return true;
    return false;
}

/* Before local slot off is written: operands that read it get their own
 * copy. */
static int materialize_local(vctx *v, uint32_t off) {
    if (!v_live(v)) return 0;
    for (size_t i = 0; i < v->nvals && v->ndeferred; i++)
        if (v->opnds[i].src == off && v->opnds[i].slot != off && materialize(v, i) < 0)
            return -1;
    return 0;
}

/* When the last instruction wrote canonical slot s, makes it write slot d
 * instead and returns true. */
static bool retarget_last(vctx *v, uint32_t s, uint32_t d) {
    if (!last_foldable(v) || v->cells[v->last_dest].u64 != s) return false;
    v->cells[v->last_dest].u64 = d;
    v->last_dest = NO_CELL;
    return true;
}

/* Removes the last instruction; the one before it is the last one again
 * (foldable as it was before the removed one was emitted), and nothing is
 * known about the one before that. */
static void drop_last(vctx *v) {
    v->ncells = v->last_start;
    insns_truncate(v, v->last_start);
    v->last_start = v->prev_start;
    v->last_op = v->prev_op;
    v->last_dest = v->prev_dest;
    v->prev_op = OP_COUNT_;
    v->prev_dest = NO_CELL;
}

/* When the last instruction is CONST writing slot s, removes it and
 * returns true with its bits. */
static bool take_last_const(vctx *v, uint32_t s, uint64_t *bits) {
    if (!last_foldable(v) || v->last_op != OP_CONST || v->cells[v->last_dest].u64 != s)
        return false;
    *bits = v->cells[v->last_start + 2].u64;
    drop_last(v);
    return true;
}

/* When the last instruction is op writing canonical slot s, removes it and
 * returns true with its n operand cells (those after the destination). */
static bool take_last(vctx *v, wasm_op op, uint32_t s, uint64_t *opnd, unsigned n) {
    if (!last_foldable(v) || v->last_op != op || v->cells[v->last_dest].u64 != s) return false;
    for (unsigned i = 0; i < n; i++) opnd[i] = v->cells[v->last_start + 2 + i].u64;
    drop_last(v);
    return true;
}

/* When the last instruction is an i32 comparison (I32_EQ..I32_GE_U, or
 * their _I forms) writing slot s, removes it and returns true with the
 * comparison's index in wasm order (0 = eq .. 9 = ge_u) and its operands
 * (b a slot or, when *imm, the constant). */
static bool take_last_compare(vctx *v, uint32_t s, unsigned *idx, bool *imm, uint32_t *a,
                              uint32_t *b) {
    if (!last_foldable(v) || v->cells[v->last_dest].u64 != s) return false;
    if (v->last_op >= OP_I32_EQ && v->last_op <= OP_I32_GE_U) {
        *idx = v->last_op - OP_I32_EQ;
        *imm = false;
    } else if (v->last_op >= OP_I32_EQ_I && v->last_op <= OP_I32_GE_U_I) {
        *idx = v->last_op - OP_I32_EQ_I;
        *imm = true;
    } else {
        return false;
    }
    *a = v->cells[v->last_start + 2].u32;
    *b = v->cells[v->last_start + 3].u32;
    drop_last(v);
    return true;
}

/* When the last instruction is I32_EQZ writing slot s, removes it and
 * returns true with its operand. The instruction before it is the last
 * one again (foldable as it was before the eqz was emitted). */
static bool take_last_eqz(vctx *v, uint32_t s, uint32_t *a) {
    if (!last_foldable(v) || v->last_op != OP_I32_EQZ || v->cells[v->last_dest].u64 != s)
        return false;
    *a = v->cells[v->last_start + 2].u32;
    drop_last(v);
    return true;
}

/* A conditional branch's operation and condition operands. The condition
 * is taken (cond_take) before the flush that precedes every branch, while
 * a comparison that computed it is still the last instruction; the
 * branch is emitted after the flush (cond_emit). */
typedef struct vcond {
    wasm_op op;
    uint32_t a, b;
    bool two; /* a fused comparison: operands a and b */
} vcond;

/* A branch on slot c, taken when c is non-zero (when_zero false) or zero.
 * fuse false: no comparison is fused (the branch unwinds). */
static void cond_take(vctx *v, uint32_t c, bool when_zero, bool fuse, vcond *k) {
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
        if (take_last(v, OP_I32_AND_I, k->a, x, 2))
            k->op = when_zero ? OP_BR_IF_AND_I : OP_BR_IF_AND_I_EQZ;
        else if (take_last(v, OP_I32_LOAD8_U, k->a, x, 2))
            k->op = when_zero ? OP_BR_IF_LOAD8 : OP_BR_IF_LOAD8_EQZ;
    } else if (take_last_compare(v, c, &idx, &imm, &k->a, &k->b)) {
        if (when_zero) idx = negated[idx];
        k->op = (wasm_op)((imm ? OP_BR_IF_I32_EQ_I : OP_BR_IF_I32_EQ) + idx);
        k->two = true;
    } else if (take_last(v, OP_I32_AND_I, c, x, 2)) {
        k->op = when_zero ? OP_BR_IF_AND_I_EQZ : OP_BR_IF_AND_I;
    } else if (take_last(v, OP_I32_LOAD8_U, c, x, 2)) {
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
static int cond_emit(vctx *v, const vcond *k) {
    if (emit_u64(v, k->a) < 0) return -1;
    return k->two ? emit_u64(v, k->b) : 0;
}

/* Emits a cell holding the branch target cell index idx. */
static int emit_target(vctx *v, uint64_t idx) {
    if (!v_live(v)) return 0;
    if (hv_grow(&v->engine->alloc, (void **)&v->targets, &v->captargets, v->ntargets + 1,
                sizeof *v->targets) < 0)
        return v_nomem(v);
    v->targets[v->ntargets++] = (uint32_t)v->ncells;
    return emit_u64(v, idx);
}

/* Emits a target cell for the end of frame fi, chained to be patched. */
static int emit_fixup(vctx *v, size_t fi) {
    if (!v_live(v)) return 0;
    uint32_t at = (uint32_t)v->ncells;
    if (emit_target(v, v->ctrls[fi].fixups) < 0) return -1;
    v->ctrls[fi].fixups = at;
    return 0;
}

/* Points every target chained from head at cell index pc. */
static void patch_chain(vctx *v, uint32_t head, uint32_t pc) {
    while (head != NO_CELL) {
        uint32_t next = (uint32_t)v->cells[head].u64;
        v->cells[head].u64 = pc;
        head = next;
    }
}

/* Whether a branch to the label at depth must move the values it carries
 * (they are not already at the label's height). */
static bool branch_unwinds(const vctx *v, uint32_t depth) {
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
static int emit_return(vctx *v, uint64_t src, uint64_t n) {
    uint64_t x[2];
    if (n == 1 && v_live(v) && (v->last_op == OP_I32_ADD || v->last_op == OP_I32_SUB)) {
        /* the result computed just before: one instruction */
        wasm_op op = v->last_op == OP_I32_ADD ? OP_I32_ADD_RETURN1 : OP_I32_SUB_RETURN1;
        if (take_last(v, v->last_op, (uint32_t)src, x, 2))
            return emit_op(v, op) < 0 || emit_u64(v, x[0]) < 0 ? -1 : emit_u64(v, x[1]);
    }
    if (n == 1) return emit_op(v, OP_RETURN1) < 0 ? -1 : emit_u64(v, src);
    if (emit_op(v, OP_RETURN) < 0 || emit_u64(v, src) < 0) return -1;
    return emit_u64(v, n);
}

/* Emits a branch to the label at depth: unconditional when k is NULL,
 * else on condition k (which is not fused when the branch unwinds). The
 * operands are flushed and the carried values are on top, as the branch
 * sees them (br_if's condition already popped). */
static int emit_branch(vctx *v, uint32_t depth, const vcond *k) {
    if (!v_live(v)) return 0;
    size_t fi = v->nctrls - 1 - depth;
    vframe *f = &v->ctrls[fi];
    const uint8_t *types;
    uint32_t n, arity;
    label_types(f, &types, &n, &arity);
    uint32_t src = (uint32_t)v->cur_slots - arity;
    if (!k && fi == 0) {
        return emit_return(v, src, arity);
    }
    bool unwind = src != f->height_slots;
    wasm_op op = k ? (unwind ? OP_BR_IF_UNWIND : k->op) : (unwind ? OP_BR_UNWIND : OP_BR);
    /* A branch on a byte just loaded into a local (i32.load8_u; local.tee;
     * br_if or if) when nothing came between: one BR_IF_LOAD8_SET, which
     * still writes the local. Not for loop back edges (no _LOOP twin). */
    if (k && !unwind && f->kind != FRAME_LOOP && !k->two &&
        (op == OP_BR_IF || op == OP_BR_IF_EQZ) && v->last_op == OP_I32_LOAD8_U &&
        v->last_start + 4 == v->ncells && v->fence <= v->last_start &&
        v->cells[v->last_start + 1].u32 == k->a) {
        uint64_t d = v->cells[v->last_start + 1].u64, a = v->cells[v->last_start + 2].u64,
                 off = v->cells[v->last_start + 3].u64;
        drop_last(v);
        if (emit_op(v, op == OP_BR_IF ? OP_BR_IF_LOAD8_SET : OP_BR_IF_LOAD8_SET_EQZ) < 0 ||
            emit_fixup(v, fi) < 0 || emit_u64(v, d) < 0 || emit_u64(v, a) < 0 ||
            emit_u64(v, off) < 0)
            return -1;
        return 0;
    }
    /* A back edge to a loop: the branch does the header's check (a branch
     * that carries values keeps it simple and runs LOOP_CHECK instead). */
    if (f->kind == FRAME_LOOP && !unwind) op = loop_op(op);
    /* A counted loop: i32.add of a constant just before a != back edge
     * on its result (nothing between): one instruction. */
    if ((op == OP_BR_IF_I32_NE_LOOP || op == OP_BR_IF_I32_NE_I_LOOP) && k->two &&
        v->last_op == OP_I32_ADD_I && v->last_start + 4 == v->ncells &&
        v->fence <= v->last_start) {
        uint32_t d = v->cells[v->last_start + 1].u32;
        uint64_t other = 0;
        bool found = true;
        if (k->a == d) other = k->b;
        else if (op == OP_BR_IF_I32_NE_LOOP && k->b == d) other = k->a;
        else found = false;
        if (found) {
            uint64_t a = v->cells[v->last_start + 2].u64, imm = v->cells[v->last_start + 3].u64;
            drop_last(v);
            op = op == OP_BR_IF_I32_NE_LOOP ? OP_BR_IF_ADD_I_NE_LOOP : OP_BR_IF_ADD_I_NE_I_LOOP;
            if (emit_op(v, op) < 0 || emit_target(v, f->loop_pc) < 0 || emit_u64(v, d) < 0 ||
                emit_u64(v, a) < 0 || emit_u64(v, imm) < 0 || emit_u64(v, other) < 0)
                return -1;
            return 0;
        }
    }
    if (emit_op(v, op) < 0) return -1;
    int rc = f->kind == FRAME_LOOP ? emit_target(v, f->loop_pc) : emit_fixup(v, fi);
    if (rc < 0) return -1;
    if (unwind) {
        if (emit_u64(v, (uint64_t)f->height_slots | (uint64_t)arity << 32) < 0 ||
            emit_u64(v, src) < 0)
            return -1;
        return k ? emit_u64(v, k->a) : 0;
    }
    return k ? cond_emit(v, k) : 0;
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

/* An access to memory mem other than 0 runs as memory 0's instruction
 * between MEM_SELECT mem and MEM_SELECT 0 (opcodes.h), which point the
 * interpreter's cached memory at mem and back. Neither is foldable, so no
 * peephole combines the access with its neighbours. */
static int emit_mem_select(vctx *v, uint32_t mem) {
    if (emit_op(v, OP_MEM_SELECT) < 0 || emit_u64(v, mem) < 0) return -1;
    return 0;
}

/* Width (log2 bytes), value type and store-ness of loads/stores 0x28..0x3e. */
static const struct {
    uint8_t log2, type, store;
} memops[23] = {
    {2, WASM_I32, 0}, {3, WASM_I64, 0}, {2, WASM_F32, 0}, {3, WASM_F64, 0}, {0, WASM_I32, 0},
    {0, WASM_I32, 0}, {1, WASM_I32, 0}, {1, WASM_I32, 0}, {0, WASM_I64, 0}, {0, WASM_I64, 0},
    {1, WASM_I64, 0}, {1, WASM_I64, 0}, {2, WASM_I64, 0}, {2, WASM_I64, 0}, {2, WASM_I32, 1},
    {3, WASM_I64, 1}, {2, WASM_F32, 1}, {3, WASM_F64, 1}, {0, WASM_I32, 1}, {1, WASM_I32, 1},
    {0, WASM_I64, 1}, {1, WASM_I64, 1}, {2, WASM_I64, 1},
};

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
static int emit_move(vctx *v, unsigned log2, uint32_t a, uint32_t a_slot, uint32_t value_slot,
                     uint32_t offset) {
    static const wasm_op moves[4] = {OP_MOVE8, OP_MOVE16, OP_MOVE32, OP_MOVE64};
    if (!last_foldable(v)) return 0;
    wasm_op lo = v->last_op;
    uint64_t src[3], dst[2];
    if (lo >= OP_I32_LOAD && lo <= OP_I64_LOAD32_U && memops[lo - OP_I32_LOAD].log2 == log2) {
        if (!take_last(v, lo, value_slot, src, 2)) return 0;
        src[2] = src[1];
        src[1] = 0;
    } else if (lo >= OP_I32_LOAD_AI && lo <= OP_I32_LOAD16_U_AI &&
               memops[lo - OP_I32_LOAD_AI].log2 == log2) {
        if (!take_last(v, lo, value_slot, src, 3)) return 0;
    } else {
        return 0;
    }
    if (a == a_slot && src[0] != a_slot && take_last(v, OP_I32_ADD_I, a_slot, dst, 2)) {
        /* dst = the sum's operand and constant */
    } else {
        dst[0] = a;
        dst[1] = 0;
    }
    if (emit_op(v, moves[log2]) < 0 || emit_u64(v, dst[0]) < 0 || emit_u64(v, dst[1]) < 0 ||
        emit_u64(v, offset) < 0 || emit_u64(v, src[0]) < 0 || emit_u64(v, src[1]) < 0 ||
        emit_u64(v, src[2]) < 0)
        return -1;
    return 1;
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
        if (f->outer != op || f->inner != v->last_op) continue;
        uint64_t x[2];
        uint32_t other;
        if (b == b_slot && take_last(v, f->inner, b_slot, x, 2)) other = a;
        else if (a == a_slot && take_last(v, f->inner, a_slot, x, 2)) other = b;
        else return 0;
        if (emit_op(v, f->fused) < 0 || emit_dest(v, a_slot) < 0 || emit_u64(v, x[0]) < 0 ||
            emit_u64(v, x[1]) < 0 || emit_u64(v, other) < 0)
            return -1;
        return 1;
    }
    return 0;
}

/* Emits binary operation op on operands read from a and b (popped; slot
 * a_slot was the first's canonical slot, b_slot the second's), writing
 * the first's canonical slot. A constant that was the last instruction
 * becomes an immediate. */
static int emit_binary(vctx *v, wasm_op op, uint32_t a, uint32_t a_slot, uint32_t b,
                       uint32_t b_slot) {
    wasm_op iop = imm_form(op);
    uint64_t k, x[2];
    /* f64.mul then f64.add: one instruction, still two roundings. The
     * product is either the second operand (its slot written last), or
     * the first with the second a local read in place. */
    if (op == OP_F64_ADD && b == b_slot && take_last(v, OP_F64_MUL, b_slot, x, 2)) {
        if (emit_op(v, OP_F64_ADD_MUL) < 0 || emit_dest(v, a_slot) < 0 || emit_u64(v, a) < 0)
            return -1;
        return emit_u64(v, x[0]) < 0 ? -1 : emit_u64(v, x[1]);
    }
    if (op == OP_F64_ADD && a == a_slot && b != b_slot &&
        take_last(v, OP_F64_MUL, a_slot, x, 2)) {
        if (emit_op(v, OP_F64_MUL_ADD) < 0 || emit_dest(v, a_slot) < 0 ||
            emit_u64(v, x[0]) < 0 || emit_u64(v, x[1]) < 0)
            return -1;
        return emit_u64(v, b);
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
            if (emit_op(v, iop) < 0 || emit_dest(v, a_slot) < 0 || emit_u64(v, a) < 0)
                return -1;
            return emit_u64(v, k);
        }
    }
    if (emit_op(v, op) < 0 || emit_dest(v, a_slot) < 0 || emit_u64(v, a) < 0) return -1;
    return emit_u64(v, b);
}

/* Emits a window operation (opcodes.h): flushes, so the operands the
 * caller then pops are in their canonical slots, and emits op with the
 * slot just above them. */
static int emit_window(vctx *v, wasm_op op) {
    if (flush(v) < 0 || emit_op(v, op) < 0) return -1;
    return emit_u64(v, (uint64_t)v->cur_slots);
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
        if (!wide && src == slot && !local_referenced(v, off) && retarget_last(v, slot, off)) {
            in_local = true;
        } else {
            if (materialize_local(v, off) < 0) return -1;
            if (wide ? emit_op(v, OP_COPY_V128) < 0 || emit_dest(v, off) < 0 ||
                           emit_u64(v, src) < 0
                     : emit_copy(v, off, src) < 0)
                return -1;
            if (wide) v->last_dest = NO_CELL;
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
        if (emit_mem_select(v, memidx) < 0) return -1;
        if (!info->result) {
            if (emit_op(v, o) < 0 || emit_u64(v, src[0]) < 0 || emit_u64(v, offset) < 0 ||
                emit_u64(v, src[1]) < 0 || (has_lane && emit_u64(v, lane) < 0))
                return -1;
            return emit_mem_select(v, 0);
        }
        uint32_t d = (uint32_t)v->cur_slots;
        if (emit_op(v, o) < 0 || emit_u64(v, d) < 0 || emit_u64(v, src[0]) < 0 ||
            emit_u64(v, offset) < 0 || (info->nparams > 1 && emit_u64(v, src[1]) < 0) ||
            (has_lane && emit_u64(v, lane) < 0) || emit_mem_select(v, 0) < 0)
            return -1;
        return push_val(v, info->result);
    }
    if (!info->result) { /* stores: [a, offset, v (, lane)] */
        if (emit_op(v, o) < 0 || emit_u64(v, src[0]) < 0 || emit_u64(v, offset) < 0 ||
            emit_u64(v, src[1]) < 0)
            return -1;
        return has_lane ? emit_u64(v, lane) : 0;
    }
    uint32_t d = (uint32_t)v->cur_slots;
    if (emit_op(v, o) < 0) return -1;
    /* A one-slot result may be retargeted by local.set; a v128 is not. */
    if ((info->result == WASM_V128 ? emit_u64(v, d) : emit_dest(v, d)) < 0) return -1;
    if (mem) {
        if (emit_u64(v, src[0]) < 0 || emit_u64(v, offset) < 0) return -1;
        if (info->nparams > 1 && emit_u64(v, src[1]) < 0) return -1;
    } else {
        for (unsigned i = 0; i < info->nparams; i++)
            if (emit_u64(v, src[i]) < 0) return -1;
    }
    if (has_lane && emit_u64(v, lane) < 0) return -1;
    if (info->imm == SIMD_IMM_V128 || info->imm == SIMD_IMM_SHUFFLE) {
        uint64_t lo, hi;
        memcpy(&lo, bytes, 8);
        memcpy(&hi, bytes + 8, 8);
        if (emit_u64(v, lo) < 0 || emit_u64(v, hi) < 0) return -1;
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
    if (flush(v) < 0) return -1;
    if (pop_vals(v, f->results, f->nresults) < 0) return -1;
    if (v->nvals != f->height) return v_invalid(v, "type mismatch");
    if (push_vals(v, f->results, f->nresults) < 0) return -1;
    if (v_live(v)) {
        if (emit_branch(v, 0, NULL) < 0) return -1;
        da_branch(v, 0);
    }
    uint32_t end = (uint32_t)v->ncells;
    uint32_t at = v->ctrls[fi].catch_at, n = v->ctrls[fi].ncatch;
    for (uint32_t i = 0; i < n; i++) {
        vcatch c = v->catches[at + i];
        f = &v->ctrls[fi];
        f->unreachable = false;
        v->nvals = f->height;
        v->cur_slots = f->height_slots;
        set_fence(v);
        if (hv_grow(&v->engine->alloc, (void **)&v->handlers, &v->caphandlers,
                    v->nhandlers + 1, sizeof *v->handlers) < 0)
            return v_nomem(v);
        v->handlers[v->nhandlers++] = (wasm_handler){f->try_start, end, (uint32_t)v->ncells,
                                                      c.tag, f->height_slots};
        if (c.kind == 0) {
            const uint8_t *pt;
            uint32_t pn = tag_params(v->m, c.tag, &pt);
            if (push_vals(v, pt, pn) < 0) return -1;
        }
        /* a throw may come before anything the body assigns */
        if (v->da_words)
            memcpy(v->da_cur, da_frame(v, fi, 0), v->da_words * sizeof(uint64_t));
        if (emit_branch(v, c.label + 1, NULL) < 0) return -1;
        da_branch(v, c.label + 1);
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
        if (emit_op(v, OP_UNREACHABLE) < 0) return -1;
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
            cond_take(v, c, true, true, &k);
        }
        if (flush(v) < 0) return -1;
        frame_kind kind = op == 0x02 ? FRAME_BLOCK : op == 0x03 ? FRAME_LOOP : FRAME_IF;
        if (push_ctrl(v, kind, np, params, nr, results) < 0) return -1;
        vframe *f = &v->ctrls[v->nctrls - 1];
        if (kind == FRAME_LOOP) {
            f->loop_pc = (uint32_t)v->ncells;
            set_fence(v);
            return emit_op(v, OP_LOOP_CHECK);
        }
        if (kind == FRAME_IF && v_live(v)) {
            /* The condition was popped before the frame: its params sit
             * at the frame's base either way. */
            if (emit_op(v, k.op) < 0) return -1;
            f = &v->ctrls[v->nctrls - 1];
            f->else_fixup = (uint32_t)v->ncells;
            if (emit_target(v, NO_CELL) < 0 || cond_emit(v, &k) < 0) return -1;
        }
        return 0;
    }
    case 0x05: { /* else */
        vframe *f = &v->ctrls[v->nctrls - 1];
        if (f->kind != FRAME_IF) return v_malformed(v, "else without if");
        if (flush(v) < 0) return -1;
        if (pop_vals(v, f->results, f->nresults) < 0) return -1;
        if (v->nvals != f->height) return v_invalid(v, "type mismatch");
        if (v_live(v)) {
            if (emit_op(v, OP_BR) < 0 || emit_fixup(v, v->nctrls - 1) < 0) return -1;
            da_branch(v, 0); /* the then-branch's fallthrough */
        }
        if (v->da_words)
            memcpy(v->da_cur, da_frame(v, v->nctrls - 1, 0), v->da_words * sizeof(uint64_t));
        f = &v->ctrls[v->nctrls - 1];
        if (f->else_fixup != NO_CELL) v->cells[f->else_fixup].u64 = v->ncells;
        f->else_fixup = NO_CELL;
        f->kind = FRAME_ELSE;
        f->unreachable = false;
        if (!f->dead) v->cur_slots = f->height_slots;
        set_fence(v);
        return push_vals(v, f->params, f->nparams);
    }
    case 0x08: { /* throw x */
        if (v->engine->wasm2) return v_malformed(v, "illegal opcode");
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= m->ntags) return v_invalid(v, "unknown tag");
        const uint8_t *pt;
        uint32_t pn = tag_params(m, idx, &pt);
        if (emit_window(v, OP_THROW) < 0) return -1;
        for (uint32_t i = pn; i-- > 0;)
            if (pop_expect(v, pt[i], NULL) < 0) return -1;
        if (emit_u64(v, idx) < 0) return -1;
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
        if (flush(v) < 0) return -1;
        if (push_ctrl(v, FRAME_TRY, np, params, nr, results) < 0) return -1;
        vframe *f = &v->ctrls[v->nctrls - 1];
        f->catch_at = cat;
        f->ncatch = ncat;
        set_fence(v);
        f->try_start = (uint32_t)v->ncells;
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
        if (flush(v) < 0) return -1;
        if (pop_vals(v, f->results, f->nresults) < 0) return -1;
        if (v->nvals != f->height) return v_invalid(v, "type mismatch");
        if (f->kind == FRAME_IF) {
            /* An if without else passes its params through as results. */
            if (f->nparams != f->nresults ||
                (f->nparams && memcmp(f->params, f->results, f->nparams) != 0))
                return v_invalid(v, "type mismatch");
        }
        if (v->da_words && v->nctrls > 1) {
            /* after the frame: its fallthrough (live) and every branch to
             * its end; an if without else falls through its entry set */
            size_t fi = v->nctrls - 1;
            uint64_t *out = da_frame(v, fi, 1);
            if (v_live(v)) da_and(v, out, v->da_cur);
            if (f->kind == FRAME_IF) da_and(v, out, da_frame(v, fi, 0));
            memcpy(v->da_cur, out, v->da_words * sizeof(uint64_t));
        }
        uint32_t pc = (uint32_t)v->ncells;
        /* A label no branch targets needs no fence: the function's end,
         * when only returns (not br_if) leave it early. */
        if (v->nctrls > 1 || f->fixups != NO_CELL || f->else_fixup != NO_CELL) set_fence(v);
        patch_chain(v, f->fixups, pc);
        if (f->else_fixup != NO_CELL) v->cells[f->else_fixup].u64 = pc;
        if (v->nctrls == 1) {
            /* The function's end: always a RETURN, branches land here. */
            f->unreachable = false;
            f->dead = v->check_only;
            v->cur_slots = f->height_slots + f->result_slots;
            if (emit_return(v, f->height_slots, f->result_slots) < 0) return -1;
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
            if (flush(v) < 0) return -1;
            label_types(&v->ctrls[v->nctrls - 1 - idx], &types, &n, &s);
            if (pop_vals(v, types, n) < 0) return -1;
            if (push_vals(v, types, n) < 0) return -1;
            if (emit_branch(v, idx, NULL) < 0) return -1;
            if (v_live(v)) da_branch(v, idx);
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
        cond_take(v, c, false, v_live(v) && v->cur_slots >= s && !branch_unwinds(v, idx), &k);
        if (flush(v) < 0) return -1;
        if (pop_vals(v, types, n) < 0) return -1;
        if (push_vals(v, types, n) < 0) return -1;
        if (v_live(v)) da_branch(v, idx);
        return emit_branch(v, idx, &k);
    }
    case 0x0e: { /* br_table */
        uint32_t count = 0;
        if (v_leb(v, leb_len(&v->r, &count)) < 0) return -1;
        const uint8_t *labels_at = v->r.p;
        for (uint32_t i = 0; i <= count; i++)
            if (v_u32(v, &idx) < 0) return -1;
        if (pop_src(v, WASM_I32, &c) < 0) return -1;
        if (flush(v) < 0) return -1;
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
            if (emit_op(v, OP_BR_TABLE) < 0 || emit_u64(v, count) < 0 ||
                emit_u64(v, arity_slots) < 0 ||
                emit_u64(v, (uint64_t)v->cur_slots - arity_slots) < 0 || emit_u64(v, c) < 0)
                return -1;
            leb_init(&again, labels_at, (size_t)(v->r.p - labels_at), 0);
            for (uint32_t i = 0; i <= count; i++) {
                leb_u32(&again, &idx);
                da_branch(v, idx);
                size_t fi = v->nctrls - 1 - idx;
                vframe *f = &v->ctrls[fi];
                int rc = f->kind == FRAME_LOOP ? emit_target(v, f->loop_pc) : emit_fixup(v, fi);
                if (rc < 0 || emit_u64(v, v->ctrls[fi].height_slots) < 0) return -1;
            }
        }
        set_unreachable(v);
        return 0;
    }
    case 0x0f: { /* return */
        vframe *f = &v->ctrls[0];
        if (flush(v) < 0) return -1;
        if (pop_vals(v, f->results, f->nresults) < 0) return -1;
        if (emit_return(v, (uint64_t)v->cur_slots, f->result_slots) < 0) return -1;
        set_unreachable(v);
        return 0;
    }
    case 0x10: { /* call */
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= m->nfuncs) return v_invalid(v, "unknown function");
        const wasm_functype *ft = wasm_func_type(m, idx);
        if (flush(v) < 0) return -1;
        if (pop_vals(v, ft->params, ft->nparams) < 0) return -1;
        /* CALL names its callee's code (module-level, already in place);
         * CALL_IMPORT the function index */
        uint64_t callee = idx < m->nimported_funcs
                              ? idx
                              : (uint64_t)(uintptr_t)&m->codes[idx - m->nimported_funcs];
        if (emit_op(v, idx < m->nimported_funcs ? OP_CALL_IMPORT : OP_CALL) < 0 ||
            emit_u64(v, callee) < 0 || emit_u64(v, (uint64_t)v->cur_slots) < 0)
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
        if (flush(v) < 0) return -1;
        if (pop_vals(v, ft->params, ft->nparams) < 0) return -1;
        if (emit_op(v, OP_CALL_INDIRECT) < 0 || emit_u64(v, idx) < 0 || emit_u64(v, idx2) < 0 ||
            emit_u64(v, (uint64_t)v->cur_slots) < 0 || emit_u64(v, c) < 0)
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
            if (emit_op(v, OP_SELECT_V128) < 0 || emit_u64(v, d) < 0) return -1;
        } else if (emit_op(v, OP_SELECT) < 0 || emit_dest(v, d) < 0) {
            return -1;
        }
        if (emit_u64(v, a) < 0 || emit_u64(v, b) < 0 || emit_u64(v, c) < 0) return -1;
        return push_val(v, t);
    }
    case 0x20: /* local.get: nothing to emit, the consumer reads the local */
        if (v_u32(v, &idx) < 0 || check_local(v, idx) < 0) return -1;
        if (push_val(v, v->local_types[idx]) < 0) return -1;
        if (v_live(v)) {
            v->opnds[v->nvals - 1].src = v->local_offsets[idx];
            v->ndeferred++;
            da_read(v, idx);
        }
        return 0;
    case 0x21: /* local.set */
    case 0x22: /* local.tee */
        if (v_u32(v, &idx) < 0 || check_local(v, idx) < 0) return -1;
        if (compile_local_write(v, idx, op == 0x22) < 0) return -1;
        da_write(v, idx);
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
                if (emit_op(v, OP_GLOBAL_GET_V128) < 0 || emit_u64(v, d) < 0) return -1;
            } else if (emit_op(v, OP_GLOBAL_GET) < 0 || emit_dest(v, d) < 0) {
                return -1;
            }
            if (emit_u64(v, idx) < 0) return -1;
            return push_val(v, t);
        }
        if (!m->globals[idx].type.mutable_) return v_invalid(v, "global is immutable");
        if (pop_src(v, t, &a) < 0) return -1;
        if (emit_op(v, wide ? OP_GLOBAL_SET_V128 : OP_GLOBAL_SET) < 0 || emit_u64(v, idx) < 0 ||
            emit_u64(v, a) < 0)
            return -1;
        return 0;
    }
    case 0x25:   /* table.get */
    case 0x26: { /* table.set */
        if (v_u32(v, &idx) < 0 || check_table(v, idx) < 0) return -1;
        t = m->tables[idx].elemtype;
        if (op == 0x25) {
            if (emit_window(v, OP_TABLE_GET) < 0) return -1;
            if (pop_expect(v, WASM_I32, NULL) < 0) return -1;
            if (emit_u64(v, idx) < 0) return -1;
            return push_val(v, t);
        }
        if (emit_window(v, OP_TABLE_SET) < 0) return -1;
        if (pop_expect(v, t, NULL) < 0 || pop_expect(v, WASM_I32, NULL) < 0) return -1;
        if (emit_u64(v, idx) < 0) return -1;
        return 0;
    }
    case 0x3f:   /* memory.size */
    case 0x40: { /* memory.grow */
        if (read_memidx(v, &idx) < 0) return -1;
        if (op == 0x40 && pop_src(v, WASM_I32, &a) < 0) return -1;
        uint32_t d = (uint32_t)v->cur_slots;
        wasm_op o = op == 0x3f ? (idx ? OP_MEMORY_SIZE_X : OP_MEMORY_SIZE)
                               : (idx ? OP_MEMORY_GROW_X : OP_MEMORY_GROW);
        if (emit_op(v, o) < 0 || emit_dest(v, d) < 0) return -1;
        if (op == 0x40 && emit_u64(v, a) < 0) return -1;
        if (idx && emit_u64(v, idx) < 0) return -1;
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
        if (emit_op(v, OP_CONST) < 0 || emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            emit_u64(v, bits) < 0)
            return -1;
        return push_val(v, type_of[op - 0x41]);
    }
    case 0xd0: /* ref.null t */
        if (v_byte(v, &t) < 0) return -1;
        if (!is_reftype(t)) return v_malformed(v, "malformed reference type");
        if (emit_op(v, OP_CONST) < 0 || emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            emit_u64(v, 0) < 0)
            return -1;
        return push_val(v, t);
    case 0xd1: /* ref.is_null */
        if (pop_val(v, &t) < 0) return -1;
        if (t != VT_UNKNOWN && !is_reftype(t)) return v_invalid(v, "type mismatch");
        a = v->pop_src;
        if (emit_op(v, OP_REF_IS_NULL) < 0 || emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            emit_u64(v, a) < 0)
            return -1;
        return push_val(v, WASM_I32);
    case 0xd2: /* ref.func */
        if (v_u32(v, &idx) < 0) return -1;
        if (idx >= m->nfuncs) return v_invalid(v, "unknown function");
        if (v->declared && !v->declared[idx])
            return v_invalid(v, "undeclared function reference");
        if (emit_op(v, OP_REF_FUNC) < 0 || emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            emit_u64(v, idx) < 0)
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
            if (emit_op(v, (wasm_op)(OP_I32_TRUNC_SAT_F32_S + sub)) < 0 ||
                emit_dest(v, (uint32_t)v->cur_slots) < 0 || emit_u64(v, a) < 0)
                return -1;
            return push_val(v, sub < 4 ? WASM_I32 : WASM_I64);
        }
        case 8: /* memory.init */
            if (v_u32(v, &idx) < 0 || read_memidx(v, &mem) < 0) return -1;
            if (check_data(v, idx) < 0) return -1;
            goto three_i32;
        case 9: /* data.drop */
            if (v_u32(v, &idx) < 0 || check_data(v, idx) < 0) return -1;
            if (emit_op(v, OP_DATA_DROP) < 0 || emit_u64(v, idx) < 0) return -1;
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
            if (emit_window(v, o) < 0) return -1;
            for (int i = 0; i < 3; i++)
                if (pop_expect(v, WASM_I32, NULL) < 0) return -1;
            if (sub == 8 && emit_u64(v, idx) < 0) return -1;
            if (x && emit_u64(v, mem) < 0) return -1;
            if (x && sub == 10 && emit_u64(v, mem2) < 0) return -1;
            return 0;
        }
        case 12: /* table.init elem table */
            if (v_u32(v, &idx2) < 0 || v_u32(v, &idx) < 0) return -1;
            if (check_table(v, idx) < 0 || check_elem(v, idx2) < 0) return -1;
            if (m->tables[idx].elemtype != m->elems[idx2].elemtype)
                return v_invalid(v, "type mismatch");
            if (emit_window(v, OP_TABLE_INIT) < 0) return -1;
            for (int i = 0; i < 3; i++)
                if (pop_expect(v, WASM_I32, NULL) < 0) return -1;
            if (emit_u64(v, idx) < 0 || emit_u64(v, idx2) < 0) return -1;
            return 0;
        case 13: /* elem.drop */
            if (v_u32(v, &idx) < 0 || check_elem(v, idx) < 0) return -1;
            if (emit_op(v, OP_ELEM_DROP) < 0 || emit_u64(v, idx) < 0) return -1;
            return 0;
        case 14: /* table.copy dst src */
            if (v_u32(v, &idx) < 0 || v_u32(v, &idx2) < 0) return -1;
            if (check_table(v, idx) < 0 || check_table(v, idx2) < 0) return -1;
            if (m->tables[idx].elemtype != m->tables[idx2].elemtype)
                return v_invalid(v, "type mismatch");
            if (emit_window(v, OP_TABLE_COPY) < 0) return -1;
            for (int i = 0; i < 3; i++)
                if (pop_expect(v, WASM_I32, NULL) < 0) return -1;
            if (emit_u64(v, idx) < 0 || emit_u64(v, idx2) < 0) return -1;
            return 0;
        case 15: /* table.grow */
            if (v_u32(v, &idx) < 0 || check_table(v, idx) < 0) return -1;
            if (emit_window(v, OP_TABLE_GROW) < 0) return -1;
            if (pop_expect(v, WASM_I32, NULL) < 0 ||
                pop_expect(v, m->tables[idx].elemtype, NULL) < 0)
                return -1;
            if (emit_u64(v, idx) < 0) return -1;
            return push_val(v, WASM_I32);
        case 16: /* table.size */
            if (v_u32(v, &idx) < 0 || check_table(v, idx) < 0) return -1;
            if (emit_window(v, OP_TABLE_SIZE) < 0 || emit_u64(v, idx) < 0) return -1;
            return push_val(v, WASM_I32);
        case 17: /* table.fill */
            if (v_u32(v, &idx) < 0 || check_table(v, idx) < 0) return -1;
            if (emit_window(v, OP_TABLE_FILL) < 0) return -1;
            if (pop_expect(v, WASM_I32, NULL) < 0 ||
                pop_expect(v, m->tables[idx].elemtype, NULL) < 0 ||
                pop_expect(v, WASM_I32, NULL) < 0)
                return -1;
            if (emit_u64(v, idx) < 0) return -1;
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
                return emit_mem_select(v, mem) < 0 || emit_op(v, o) < 0 || emit_u64(v, a) < 0 ||
                               emit_u64(v, b) < 0 || emit_u64(v, offset) < 0 ||
                               emit_mem_select(v, 0) < 0
                           ? -1
                           : 0;
            }
            if (pop_src(v, WASM_I32, &a) < 0) return -1;
            if (emit_mem_select(v, mem) < 0 || emit_op(v, o) < 0 ||
                emit_u64(v, (uint32_t)v->cur_slots) < 0 || emit_u64(v, a) < 0 ||
                emit_u64(v, offset) < 0 || emit_mem_select(v, 0) < 0)
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
            int mv = b == b_slot ? emit_move(v, memops[k].log2, a, v->pop_slot, b_slot, offset) : 0;
            if (mv != 0) return mv < 0 ? -1 : 0;
            /* an f64 multiply-add stored at once (its result slot is dead
             * after the store): operands [c, a, b] for both forms */
            if (o == OP_F64_STORE && v_live(v) && b == b_slot) {
                wasm_op so = OP_COUNT_;
                if (take_last(v, OP_F64_ADD_MUL, b, x, 3)) {
                    so = OP_F64_STORE_ADD_MUL;
                } else if (take_last(v, OP_F64_MUL_ADD, b, x, 3)) {
                    uint64_t addend = x[2]; /* MUL_ADD's operands are [a, b, c] */
                    x[2] = x[1];
                    x[1] = x[0];
                    x[0] = addend;
                    so = OP_F64_STORE_MUL_ADD;
                }
                if (so != OP_COUNT_)
                    return emit_op(v, so) < 0 || emit_u64(v, a) < 0 || emit_u64(v, offset) < 0 ||
                                   emit_u64(v, x[0]) < 0 || emit_u64(v, x[1]) < 0 ||
                                   emit_u64(v, x[2]) < 0
                               ? -1
                               : 0;
            }
            if (ko != OP_COUNT_ && v_live(v) && b == b_slot && take_last(v, OP_CONST, b, x, 1)) {
                o = ko;
                b = 0;
            } else {
                x[0] = b;
            }
            if (emit_op(v, o) < 0 || emit_u64(v, a) < 0 || emit_u64(v, x[0]) < 0 ||
                emit_u64(v, offset) < 0)
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
        if (fold && k <= OP_I32_LOAD16_U - OP_I32_LOAD && take_last(v, OP_I32_ADD_I, a, x, 2)) {
            o = (wasm_op)(OP_I32_LOAD_AI + k);
        } else if (fold && ar != OP_COUNT_ && take_last(v, OP_I32_ADD, a, x, 2)) {
            o = ar;
        } else {
            if (emit_op(v, o) < 0 || emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
                emit_u64(v, a) < 0 || emit_u64(v, offset) < 0)
                return -1;
            return push_val(v, memops[k].type);
        }
        if (emit_op(v, o) < 0 || emit_dest(v, (uint32_t)v->cur_slots) < 0 ||
            emit_u64(v, x[0]) < 0 || emit_u64(v, x[1]) < 0 || emit_u64(v, offset) < 0)
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
            if (tb && emit_binary(v, o, a, a_slot, b, b_slot) < 0) return -1;
            if (!tb && (emit_op(v, o) < 0 || emit_dest(v, a_slot) < 0 || emit_u64(v, a) < 0))
                return -1;
        }
        return push_val(v, res);
    }
    return v_malformed(v, "illegal opcode");
}

/* ---- fused runs (opcodes.h WASM_PAIRS, WASM_TRIPLES, WASM_QUADS) ---------- */

/* The runs of opcodes.h, in one table: ops[0..k-1] (each but the last of
 * the length in lens[]) make run. */
typedef struct run_def {
    uint16_t ops[4], lens[3];
    uint16_t k, run;
} run_def;

#define RUN_DEF2_(a, n, b) {{OP_##a, OP_##b, 0, 0}, {n, 0, 0}, 2, OP_##a##__##b},
#define RUN_DEF3_(a, n, b, m, c) {{OP_##a, OP_##b, OP_##c, 0}, {n, m, 0}, 3, OP_##a##__##b##__##c},
#define RUN_DEF4_(a, n, b, m, c, l, d) \
    {{OP_##a, OP_##b, OP_##c, OP_##d}, {n, m, l}, 4, OP_##a##__##b##__##c##__##d},
static const run_def run_defs[] = {WASM_PAIRS(RUN_DEF2_) WASM_TRIPLES(RUN_DEF3_)
                                       WASM_QUADS(RUN_DEF4_)};
#undef RUN_DEF2_
#undef RUN_DEF3_
#undef RUN_DEF4_
#define NRUN_DEFS (sizeof run_defs / sizeof run_defs[0])
_Static_assert(NRUN_DEFS < RUN_HASH / 2, "RUN_HASH: too small for the runs");

static uint32_t run_hash(const uint32_t *ops, size_t k) {
    uint32_t h = (uint32_t)k;
    for (size_t i = 0; i < k; i++) h = (h ^ ops[i]) * 0x9e3779b1u;
    return h >> (32 - RUN_HASH_BITS);
}

/* Fills v->runs: run_defs by their ops (open addressing; 0 = empty,
 * else the index + 1). */
static void runs_index(vctx *v) {
    memset(v->runs, 0, sizeof v->runs);
    memset(v->run_starts, 0, sizeof v->run_starts);
    for (size_t d = 0; d < NRUN_DEFS; d++) {
        v->run_starts[run_defs[d].ops[0]] |= (uint8_t)(1u << run_defs[d].k);
        uint32_t ops[4];
        for (size_t i = 0; i < run_defs[d].k; i++) ops[i] = run_defs[d].ops[i];
        uint32_t h = run_hash(ops, run_defs[d].k);
        while (v->runs[h]) h = (h + 1) & (RUN_HASH - 1);
        v->runs[h] = (uint16_t)(d + 1);
    }
}

/* The run op for the k instructions from in[0], when opcodes.h lists
 * them (with their lengths), or OP_COUNT_. */
static wasm_op fused_op(const vctx *v, const inline_insn *in, size_t k) {
    if (!(v->run_starts[in[0].op] & (1u << k))) return OP_COUNT_;
    uint32_t ops[4];
    for (size_t i = 0; i < k; i++) ops[i] = in[i].op;
    for (uint32_t h = run_hash(ops, k); v->runs[h]; h = (h + 1) & (RUN_HASH - 1)) {
        const run_def *d = &run_defs[v->runs[h] - 1];
        if (d->k != k) continue;
        size_t i = 0;
        while (i < k && d->ops[i] == ops[i] &&
               (i + 1 == k || d->lens[i] == in[i + 1].start - in[i].start))
            i++;
        if (i == k) return (wasm_op)d->run;
    }
    return OP_COUNT_;
}

/* Once a body is complete: fuses runs of two to four adjacent
 * instructions listed in opcodes.h, saving as many dispatches as it can
 * over the whole body (dynamic programming, not greedily from the left:
 * for `A B C D` with pairs A B, B C and C D it fuses A B and C D). Only a
 * run's first cell changes. A failed allocation is HIVE_ENOMEM. */
static int fuse_runs(vctx *v, uint32_t *nfused) {
    size_t n = v->ninsns;
    if (n < 2 || v->engine->no_fusion) return 0;
    /* saved[i]: the most dispatches saved in insns[i..]; run[i]: the
     * length of the run starting at i that does it (1: none). On a tie
     * the run that starts earlier wins (>=). */
    const hv_alloc *a = &v->engine->alloc;
    if (hv_grow(a, (void **)&v->run_saved, &v->cap_run_saved, n + 1, sizeof *v->run_saved) < 0 ||
        hv_grow(a, (void **)&v->run_len, &v->cap_run_len, n, 1) < 0)
        return v_nomem(v);
    uint32_t *saved = v->run_saved;
    uint8_t *run = v->run_len;
    saved[n] = saved[n - 1] = 0;
    run[n - 1] = 1;
    for (size_t i = n - 1; i-- > 0;) {
        saved[i] = saved[i + 1];
        run[i] = 1;
        if (fused_op(v, &v->insns[i], 2) != OP_COUNT_ && 1 + saved[i + 2] >= saved[i]) {
            saved[i] = 1 + saved[i + 2];
            run[i] = 2;
        }
        if (i + 2 < n && fused_op(v, &v->insns[i], 3) != OP_COUNT_ &&
            2 + saved[i + 3] >= saved[i]) {
            saved[i] = 2 + saved[i + 3];
            run[i] = 3;
        }
        if (i + 3 < n && fused_op(v, &v->insns[i], 4) != OP_COUNT_ &&
            3 + saved[i + 4] >= saved[i]) {
            saved[i] = 3 + saved[i + 4];
            run[i] = 4;
        }
    }
    for (size_t i = 0; i < n; i += run[i]) {
        if (run[i] == 1) continue;
        wasm_op op = fused_op(v, &v->insns[i], run[i]);
        wasm_cell *c = &v->cells[v->insns[i].start];
        if (v->labels) c->label = v->labels[op];
        else c->u64 = op;
        v->insns[i].op = op; /* the run stands for run[i] instructions */
        (*nfused)++;
    }
    return 0;
}

#ifdef HIVE_PROFILE_RUNS
/* The run-selection profile (bench/fusion/README.md): each compiled
 * instruction as "s FUNC CELL OP" to the file $HIVE_PROFILE_RUNS, whose
 * dispatch counts interp.c adds at exit. A build for measuring only. */
static void profile_static(const vctx *v, const wasm_cell *cells, uint32_t fidx) {
    const char *path = getenv("HIVE_PROFILE_RUNS");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f) return;
    for (size_t i = 0; i < v->ninsns; i++)
        fprintf(f, "s %u %p %u\n", fidx, (const void *)(cells + v->insns[i].start),
                v->insns[i].op);
    fclose(f);
}
#endif

/* Resets the per-function state of v. */
static void v_reset(vctx *v) {
    v->nvals = 0;
    v->nctrls = 0;
    v->ncells = 0;
    v->ntargets = 0;
    v->ninsns = 0;
    v->cur_slots = 0;
    v->max_slots = 0;
    v->ndeferred = 0;
    v->last_start = 0;
    v->last_dest = NO_CELL;
    v->prev_start = 0;
    v->prev_dest = NO_CELL;
    v->fence = 0;
    v->last_op = OP_UNREACHABLE;
    v->prev_op = OP_COUNT_;
    v->ncatches = 0;
    v->nhandlers = 0;
}

/* ---- the fast check at load ------------------------------------------------
 *
 * Loading validates every body, but compiles none (each is compiled on its
 * first call, by compile_function, which validates it again as it goes).
 * The check at load is this lean pass: the spec's algorithm over types
 * alone, with nothing about slots, code or locals' zeroing. It covers the
 * instructions real modules are made of and answers only "valid" or "not
 * sure": on anything it does not handle (SIMD) or does not accept, the
 * full pass (compile_function with check_only) runs on that body and gives
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

/* Validates body i of the module and, unless v->check_only, compiles it
 * into its wasm_code. The check (at load, one thread) sets the fields
 * known from the declaration; the compile (on first call, under the
 * module's compile lock, while other threads may read those fields) only
 * the compiled ones, and publishes them last, with the release store of
 * code->cells: a reader that loads cells (acquire) and finds it set sees
 * the rest (max_slots, zero_start, zero_end, ncells, nfused). */
static int compile_function(vctx *v, uint32_t i) {
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
        v->da_all = false;
        v->da_words = 0;
    } else if (da_begin(v, code->nlocals) < 0) {
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

    uint32_t nfused = 0;
    if (fuse_runs(v, &nfused) < 0) return -1;
    wasm_cell *cells = hv_malloc(a, v->ncells * sizeof *v->cells);
    if (!cells) return v_nomem(v);
    /* Inline-threaded copies of the handlers, where possible (without
     * room for them the function stays interpreted). */
    if (v->labels && !v->engine->no_inline) inline_function(m, fidx, v->cells, v->insns, v->ninsns);
    memcpy(cells, v->cells, v->ncells * sizeof *v->cells);
#ifdef HIVE_PROFILE_RUNS
    profile_static(v, cells, fidx);
#endif
    /* Resolve branch targets from cell indices to pointers. */
    for (size_t k = 0; k < v->ntargets; k++) {
        wasm_cell *c = &cells[v->targets[k]];
        c->target = cells + c->u64;
    }
    code->ncells = (uint32_t)v->ncells;
    code->nfused = nfused;
    if (v->nhandlers) {
        wasm_handler *h = hv_malloc(a, v->nhandlers * sizeof *h);
        if (!h) {
            hv_free(a, cells);
            return v_nomem(v);
        }
        memcpy(h, v->handlers, v->nhandlers * sizeof *h);
        hv_free(a, code->handlers);
        code->handlers = h;
        code->nhandlers = (uint32_t)v->nhandlers;
    }
    da_finish(v, code);
    /* for ENTER_FRAME, which reads them without a lock: max_slots and
     * zero_at, then zero_len (release: with it, those), then cells
     * (release: with it, everything) */
    __atomic_store_n(&code->max_slots, (uint32_t)v->max_slots, __ATOMIC_RELAXED);
    __atomic_store_n(&code->zero_at, code->zero_start, __ATOMIC_RELAXED);
    __atomic_store_n(&code->zero_len, code->zero_end - code->zero_start, __ATOMIC_RELEASE);
    __atomic_store_n(&code->cells, cells, __ATOMIC_RELEASE);
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
            e->bits = wasm_constexpr_eval(m->bytes, e, const_no_global, NULL);
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
    code->cells = interp_lazy_cells();
}

/* The fast check of every body, first (into v->sure). A body the decoder
 * left unread (wasm_decode_lazy) is read now when the fast check does not
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
        int rc = wasm_decode_body(v->engine, m, i, v->err);
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
            if (compile_function(v, i) < 0) {
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
            if (compile_function(v, i) < 0) return -1;
        }
        code_declare(m, i);
    }
    if (v->verify_fast && v->fallbacks)
        fprintf(stderr, "hive: fast check: %u of %u bodies left to the full pass\n", v->fallbacks,
                m->nfuncs - m->nimported_funcs);
    return 0;
}

/* A compiler's state between calls: its buffers keep their size. */
struct wasm_compiler {
    vctx v;
};

static void v_init(vctx *v, hive_engine *engine, wasm_module *m, hive_error *err) {
    memset(v, 0, sizeof *v);
    v->engine = engine;
    v->m = m;
    v->err = err;
    v->labels = interp_labels();
}

static void v_fini(vctx *v) {
    const hv_alloc *a = &v->engine->alloc;
    hv_free(a, v->declared);
    hv_free(a, v->vals);
    hv_free(a, v->opnds);
    hv_free(a, v->ctrls);
    hv_free(a, v->cells);
    hv_free(a, v->targets);
    hv_free(a, v->catches);
    hv_free(a, v->handlers);
    hv_free(a, v->insns);
    hv_free(a, v->run_saved);
    hv_free(a, v->run_len);
    hv_free(a, v->local_types);
    hv_free(a, v->local_offsets);
    hv_free(a, v->da_cur);
    hv_free(a, v->da_read);
    hv_free(a, v->da_frames);
    hv_free(a, v->fctrls);
    hv_free(a, v->sure);
}

int wasm_validate(hive_engine *engine, wasm_module *m, hive_error *err) {
    vctx v;
    v_init(&v, engine, m, err);
    v.check_only = true;
    const char *verify = getenv("HIVE_VERIFY_FAST_CHECK");
    v.verify_fast = verify && *verify && *verify != '0';
    const hv_alloc *a = &engine->alloc;
    v.declared = hv_calloc(a, m->nfuncs ? m->nfuncs : 1, sizeof(bool));
    int rc = HIVE_OK;
    if (!v.declared) {
        rc = hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    } else if (validate_module(&v) < 0) {
        rc = v.code;
    } else if (engine->eager) {
        /* everything now, as the module loads */
        v.check_only = false;
        runs_index(&v);
        for (uint32_t i = 0; i < m->nfuncs - m->nimported_funcs && rc == HIVE_OK; i++)
            if (compile_function(&v, i) < 0) rc = v.code;
        if (rc == HIVE_OK && !inline_seal(m))
            rc = hv_error_set(err, HIVE_ENOMEM, 0, "cannot make compiled code executable");
    }
    v_fini(&v);
    return rc;
}

int wasm_compile(hive_engine *engine, wasm_module *m, uint32_t i, wasm_compiler **state,
                 hive_error *err) {
    wasm_compiler *c = *state;
    if (!c) {
        c = hv_malloc(&engine->alloc, sizeof *c);
        if (!c) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        v_init(&c->v, engine, m, err);
        runs_index(&c->v);
        *state = c;
    }
    c->v.err = err;
    c->v.code = HIVE_OK;
    if (compile_function(&c->v, i) < 0) return c->v.code;
    return HIVE_OK;
}

void wasm_compiler_free(hive_engine *engine, wasm_compiler *c) {
    if (!c) return;
    v_fini(&c->v);
    hv_free(&engine->alloc, c);
}
