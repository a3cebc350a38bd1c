/*
 * emit.h -- between validate.c and emit.c: the context of one body's
 * validation (operand and control stacks, the reader) and the emitter it
 * drives (emit.c: cells, slot positions, peepholes, branch fixups and
 * the definite-assignment analysis of locals). Internal to those two.
 *
 * validate.c decides what is valid and which instruction comes; it calls
 * the emitter for every instruction of live code. The emitter reads the
 * validator's stacks (where each operand is, the frames' heights and
 * fixups) but never checks anything or reports an error other than
 * running out of memory.
 */
#ifndef HIVE_WASM_EMIT_H
#define HIVE_WASM_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "support/error.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"
#include "wasm/runtime.h"

#define VT_UNKNOWN 0 /* the polymorphic "bottom" operand of unreachable code */
#define NO_CELL UINT32_MAX

typedef enum frame_kind {
    FRAME_FUNC,
    FRAME_BLOCK,
    FRAME_LOOP,
    FRAME_IF,
    FRAME_ELSE,
    FRAME_TRY
} frame_kind;

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
    size_t height;         /* operand stack size (values) at entry, params excluded */
    uint32_t height_slots; /* the same in slots above fp */
    bool unreachable;      /* after br, return, unreachable... in this frame */
    bool dead;             /* the frame began in unreachable code: emit nothing */
    uint32_t loop_pc;      /* LOOP: cell index of the loop header */
    uint32_t fixups;       /* chain of target cells to patch with the end */
    uint32_t else_fixup;   /* IF: the BR_UNLESS target cell */
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

/* The emitter's state (emit.c), kept from one body to the next (its
 * buffers keep their size): the code so far, the last instructions for
 * the peepholes, and the definite-assignment analysis. */
typedef struct vemit {
    const void *const *labels; /* hv_interp_labels(), or NULL: op numbers */
    wasm_handler *handlers;    /* the function's so far (wasm_code.handlers) */
    size_t nhandlers, caphandlers;
    wasm_cell *cells;
    size_t ncells, capcells;
    uint32_t *targets; /* cells that hold a branch target (as an index) */
    size_t ntargets, captargets;
    /* Every instruction of the code so far, in order: its first cell and
     * its op (for compile.c's fusion and inline copies; kept in step when
     * a peephole drops or rewrites one). */
    wasm_insn *insns;
    size_t ninsns, capinsns;
    /* The last instruction emitted, for peepholes: its first cell, its op
     * and the cell of its destination slot (NO_CELL when it has none that
     * may be rewritten); fence: the highest cell index a branch may target. */
    uint32_t last_start, last_dest, fence;
    wasm_op last_op;
    /* the same for the instruction before the last (take_last_eqz makes
     * it the last again) */
    uint32_t prev_start, prev_dest;
    wasm_op prev_op;

    /* Definite assignment of the declared locals (emit.c, "locals that
     * need zeroing"): bit i = declared local i. da_words is 0 when the
     * function has none, or too many to track (then all are zeroed). */
    uint32_t da_words;
    bool da_all;         /* every declared local is zeroed */
    uint64_t *da_cur;    /* assigned on every path to here */
    uint64_t *da_read;   /* read where it may not have been assigned */
    uint64_t *da_frames; /* per control frame: entry set, then out set */
    size_t da_capframes;
} vemit;

typedef struct vctx {
    hive_engine *engine;
    wasm_module *m;
    hive_error *err;
    int code; /* the first error's code */
    leb_reader r;
    bool *declared; /* functions that ref.func may name (C.refs); NULL when
                     * compiling a body of a module already validated */
    /* Validation only (the pass at load): every frame is dead, so nothing
     * is emitted and nothing about the code is computed. */
    bool check_only;

    uint8_t *vals; /* operand types */
    vopnd *opnds;  /* and where they are, in step with vals */
    size_t nvals, capvals, capopnds;
    uint32_t ndeferred;         /* opnds with src != slot */
    uint32_t pop_src, pop_slot; /* of the operand popped last (0 if unknown) */
    vframe *ctrls;
    size_t nctrls, capctrls;
    /* the catch clauses of the open try_tables */
    vcatch *catches;
    size_t ncatches, capcatches;

    /* the emitter's (emit.c): the code so far, and what it knows */
    vemit e;

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

    uint32_t nparams; /* of the function: locals from nparams on are declared */
} vctx;

static inline bool v_live(const vctx *v) {
    const vframe *f = &v->ctrls[v->nctrls - 1];
    return !f->unreachable && !f->dead;
}

static inline int v_nomem(vctx *v) {
    v->code = HIVE_ENOMEM;
    hv_error_set(v->err, HIVE_ENOMEM, leb_offset(&v->r), "out of memory");
    return -1;
}

/* The label types of frame f, as a branch to it sees them. */
static inline void label_types(const vframe *f, const uint8_t **types, uint32_t *n,
                               uint32_t *slots) {
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

/* A conditional branch's operation and condition operands. The condition
 * is taken (cond_take) before the flush that precedes every branch, while
 * a comparison that computed it is still the last instruction; the
 * branch is emitted after the flush (cond_emit). */
typedef struct vcond {
    wasm_op op;
    uint32_t a, b;
    bool two; /* a fused comparison: operands a and b */
} vcond;

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

/* ---- emit.c: the emitter's interface ------------------------------------
 * The int functions return 0, or -1 with v->code set (HIVE_ENOMEM, the
 * only error the emitter reports; hv_emit_move also 1, see there). */

/* Instructions and their operands. */
int hv_emit_op(vctx *v, wasm_op op);
int hv_emit_u64(vctx *v, uint64_t x);
int hv_emit_dest(vctx *v, uint32_t d);
int hv_emit_copy(vctx *v, uint32_t d, uint32_t s);
int hv_emit_binary(vctx *v, wasm_op op, uint32_t a, uint32_t a_slot, uint32_t b, uint32_t b_slot);
int hv_emit_move(vctx *v, unsigned log2, uint32_t a, uint32_t a_slot, uint32_t value_slot,
              uint32_t offset);
int hv_emit_window(vctx *v, wasm_op op);
int hv_emit_mem_select(vctx *v, uint32_t mem);

/* Where operands are: deferred local.gets made real. */
int hv_emit_flush(vctx *v);
bool hv_emit_local_referenced(const vctx *v, uint32_t off);
int hv_emit_materialize_local(vctx *v, uint32_t off);

/* Peepholes on the last instruction, and the fence that guards them. */
void hv_emit_fence(vctx *v);
bool hv_emit_retarget_last(vctx *v, uint32_t s, uint32_t d);
bool hv_emit_take_last(vctx *v, wasm_op op, uint32_t s, uint64_t *opnd, unsigned n);

/* Branches: conditions (fused compares), targets and their fixups. */
void hv_emit_cond_take(vctx *v, uint32_t c, bool when_zero, bool fuse, vcond *k);
int hv_emit_cond(vctx *v, const vcond *k);
bool hv_emit_unwinds(const vctx *v, uint32_t depth);
int hv_emit_branch(vctx *v, uint32_t depth, const vcond *k);
int hv_emit_return(vctx *v, uint64_t src, uint64_t n);
int hv_emit_target(vctx *v, uint64_t idx);
int hv_emit_fixup(vctx *v, size_t fi);
void hv_emit_patch_chain(vctx *v, uint32_t head, uint32_t pc);

/* Definite assignment of the declared locals: which ones a call zeroes. */
int hv_emit_da_begin(vctx *v, uint32_t ndeclared);
int hv_emit_da_push(vctx *v, size_t fi);
uint64_t *hv_emit_da_frame(vctx *v, size_t fi, int which);
void hv_emit_da_fill(vctx *v, uint64_t *set);
void hv_emit_da_and(vctx *v, uint64_t *dst, const uint64_t *src);
void hv_emit_da_branch(vctx *v, uint32_t depth);
void hv_emit_da_read(vctx *v, uint32_t idx);
void hv_emit_da_write(vctx *v, uint32_t idx);
void hv_emit_da_off(vctx *v);                        /* not tracked (nothing emitted) */
void hv_emit_da_unreachable(vctx *v);                /* the rest of the frame never runs */
void hv_emit_da_restore(vctx *v, size_t fi);         /* back to frame fi's entry set */
void hv_emit_da_end(vctx *v, size_t fi, bool is_if); /* after frame fi: its out set */

/* The emitter's state: reset for a body, freed; the next cell's index; a
 * target cell patched; the last instruction's destination made fixed; a
 * try_table handler added; the finished body for compile.c. */
void hv_emit_reset(vctx *v);
void hv_emit_fini(vctx *v);
static inline uint32_t emit_pc(const vctx *v) { return (uint32_t)v->e.ncells; }
static inline void emit_patch(vctx *v, uint32_t at, uint32_t pc) { v->e.cells[at].u64 = pc; }
void hv_emit_forget_dest(vctx *v);
int hv_emit_handler(vctx *v, wasm_handler h);
void hv_emit_body(vctx *v, const wasm_code *code, wasm_body *out);

#endif
