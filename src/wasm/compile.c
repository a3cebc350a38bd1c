/*
 * compile.c -- the compile driver: runs the engine's phases in order and
 * owns what they make.
 *
 *   load (hv_compile_module, from hive_module_new):
 *     decode (decode.c, bodies located, unread) -> validate (validate.c,
 *     the whole module, no code) -> declare each body's lazy entry ->
 *     with HIVE_CONFIG_EAGER, compile every body and seal the inline code
 *   first call of a function (hv_compile_function, from module.c's
 *   hv_module_code_cells under the module's compile lock):
 *     validate and emit (validate.c) -> fuse runs (here) -> inline copies
 *     (inline.c) -> resolve branch targets -> publish (cells last)
 *   teardown (hv_compile_module_fini, from hive_module_release): the
 *     compiler's state, the code and inline copies, then decode's part
 *
 * docs/ARCHITECTURE.md ("Lazy compilation") has the threading contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/error.h"
#include "wasm/inline.h"
#include "wasm/opcodes.h"
#include "wasm/runtime.h"

/* A compiler's state between calls: its buffers keep their size. */
struct wasm_compiler {
    hive_engine *engine;
    const void *const *labels; /* hv_interp_labels(), or NULL (switch build) */
    wasm_validator *validator;
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
};

/* ---- fused runs (opcodes.h WASM_PAIRS, WASM_TRIPLES, WASM_QUADS) ---------- */

/* The runs of opcodes.h, in one table: ops[0..k-1] (each but the last of
 * the length in lens[]) make run. */
typedef struct run_def {
    uint16_t ops[4], lens[3];
    uint16_t k, run;
} run_def;

#define RUN_DEF2_(a, n, b) {{OP_##a, OP_##b, 0, 0}, {n, 0, 0}, 2, OP_##a##__##b},
#define RUN_DEF3_(a, n, b, m, c) {{OP_##a, OP_##b, OP_##c, 0}, {n, m, 0}, 3, OP_##a##__##b##__##c},
#define RUN_DEF4_(a, n, b, m, c, l, d)                                                             \
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
    for (size_t i = 0; i < k; i++)
        h = (h ^ ops[i]) * 0x9e3779b1u;
    return h >> (32 - RUN_HASH_BITS);
}

/* Fills c->runs: run_defs by their ops (open addressing; 0 = empty,
 * else the index + 1). */
static void runs_index(wasm_compiler *c) {
    memset(c->runs, 0, sizeof c->runs);
    memset(c->run_starts, 0, sizeof c->run_starts);
    for (size_t d = 0; d < NRUN_DEFS; d++) {
        c->run_starts[run_defs[d].ops[0]] |= (uint8_t)(1u << run_defs[d].k);
        uint32_t ops[4];
        for (size_t i = 0; i < run_defs[d].k; i++)
            ops[i] = run_defs[d].ops[i];
        uint32_t h = run_hash(ops, run_defs[d].k);
        while (c->runs[h])
            h = (h + 1) & (RUN_HASH - 1);
        c->runs[h] = (uint16_t)(d + 1);
    }
}

/* The run op for the k instructions from in[0], when opcodes.h lists
 * them (with their lengths), or OP_COUNT_. */
static wasm_op fused_op(const wasm_compiler *c, const wasm_insn *in, size_t k) {
    if (!(c->run_starts[in[0].op] & (1u << k))) return OP_COUNT_;
    uint32_t ops[4];
    for (size_t i = 0; i < k; i++)
        ops[i] = in[i].op;
    for (uint32_t h = run_hash(ops, k); c->runs[h]; h = (h + 1) & (RUN_HASH - 1)) {
        const run_def *d = &run_defs[c->runs[h] - 1];
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
static int fuse_runs(wasm_compiler *c, wasm_body *b, uint32_t *nfused, bool live) {
    size_t n = b->ninsns;
    if (n < 2 || c->engine->no_fusion) return 0;
    /* saved[i]: the most dispatches saved in insns[i..]; run[i]: the
     * length of the run starting at i that does it (1: none). On a tie
     * the run that starts earlier wins (>=). */
    const hv_alloc *a = &c->engine->alloc;
    if (hv_grow(a, (void **)&c->run_saved, &c->cap_run_saved, n + 1, sizeof *c->run_saved) < 0 ||
        hv_grow(a, (void **)&c->run_len, &c->cap_run_len, n, 1) < 0)
        return -1;
    uint32_t *saved = c->run_saved;
    uint8_t *run = c->run_len;
    saved[n] = saved[n - 1] = 0;
    run[n - 1] = 1;
    for (size_t i = n - 1; i-- > 0;) {
        saved[i] = saved[i + 1];
        run[i] = 1;
        if (fused_op(c, &b->insns[i], 2) != OP_COUNT_ && 1 + saved[i + 2] >= saved[i]) {
            saved[i] = 1 + saved[i + 2];
            run[i] = 2;
        }
        if (i + 2 < n && fused_op(c, &b->insns[i], 3) != OP_COUNT_ &&
            2 + saved[i + 3] >= saved[i]) {
            saved[i] = 2 + saved[i + 3];
            run[i] = 3;
        }
        if (i + 3 < n && fused_op(c, &b->insns[i], 4) != OP_COUNT_ &&
            3 + saved[i + 4] >= saved[i]) {
            saved[i] = 3 + saved[i + 4];
            run[i] = 4;
        }
    }
    for (size_t i = 0; i < n; i += run[i]) {
        if (run[i] == 1) continue;
        wasm_op op = fused_op(c, &b->insns[i], run[i]);
        wasm_cell *cell = &b->cells[b->insns[i].start];
        if (live) /* a published function: other threads may dispatch through it */
            __atomic_store_n(&cell->label, c->labels[op], __ATOMIC_RELEASE);
        else if (c->labels)
            cell->label = c->labels[op];
        else
            cell->u64 = op;
        b->insns[i].op = op; /* the run stands for run[i] instructions */
        (*nfused)++;
    }
    return 0;
}

#ifdef HIVE_PROFILE_RUNS
/* The run-selection profile (bench/fusion/README.md): each compiled
 * instruction as "s FUNC CELL OP" to the file $HIVE_PROFILE_RUNS, whose
 * dispatch counts interp.c adds at exit. A build for measuring only. */
static void profile_static(const wasm_body *b, const wasm_cell *cells, uint32_t fidx) {
    const char *path = getenv("HIVE_PROFILE_RUNS");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f) return;
    for (size_t i = 0; i < b->ninsns; i++)
        fprintf(f, "s %u %p %u\n", fidx, (const void *)(cells + b->insns[i].start), b->insns[i].op);
    fclose(f);
}
#endif

static void compiler_free(wasm_compiler *c) {
    if (!c) return;
    const hv_alloc *a = &c->engine->alloc;
    hv_wasm_validator_free(c->validator);
    hv_free(a, c->run_saved);
    hv_free(a, c->run_len);
    hv_free(a, c);
}

static wasm_compiler *compiler_new(hive_engine *engine, wasm_module *m) {
    wasm_compiler *c = hv_calloc(&engine->alloc, 1, sizeof *c);
    if (!c) return NULL;
    c->engine = engine;
    c->labels = hv_interp_labels();
    c->validator = hv_wasm_validator_new(engine, m, c->labels);
    if (!c->validator) {
        compiler_free(c);
        return NULL;
    }
    runs_index(c);
    return c;
}

/* Compiles body i with c: see hv_compile_function. */
static int compile_body(wasm_compiler *c, wasm_module *m, uint32_t i, hive_error *err) {
    const hv_alloc *a = &c->engine->alloc;
    wasm_code *code = &m->codes[i];
    uint32_t fidx = m->nimported_funcs + i;
    wasm_body b;
    int rc = hv_wasm_validate_body(c->validator, i, &b, err);
    if (rc != HIVE_OK) return rc;

    /* Fused runs and inline-threaded copies of the handlers (where
     * possible: without room the function stays on the interpreter's):
     * now when loading eagerly, without copies at all, or when the
     * function is already known to be hot; else once it is
     * (hv_compile_tier_up), for which its instructions are kept. Code run
     * once pays for neither. */
    bool later = c->labels && !c->engine->no_inline && !c->engine->eager &&
                 c->engine->tier_samples && !code->hot && !m->tier_all && b.ninsns;
    uint32_t nfused = 0;
    if (!later && fuse_runs(c, &b, &nfused, false) < 0)
        return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    wasm_cell *cells = hv_malloc(a, b.ncells * sizeof *b.cells);
    if (!cells) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    wasm_insn *keep = NULL;
    if (later) {
        keep = hv_malloc(a, b.ninsns * sizeof *keep);
        if (keep) {
            memcpy(keep, b.insns, b.ninsns * sizeof *keep);
        } else if (fuse_runs(c, &b, &nfused, false) < 0) { /* fused now, never copied */
            hv_free(a, cells);
            return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        }
    } else if (c->labels && !c->engine->no_inline) {
        hv_inline_function(m, fidx, b.cells, b.insns, b.ninsns, false);
    }
    memcpy(cells, b.cells, b.ncells * sizeof *b.cells);
#ifdef HIVE_PROFILE_RUNS
    profile_static(&b, cells, fidx);
#endif
    /* Resolve branch targets from cell indices to pointers. */
    for (size_t k = 0; k < b.ntargets; k++) {
        wasm_cell *t = &cells[b.targets[k]];
        t->target = cells + t->u64;
    }
    code->ncells = (uint32_t)b.ncells;
    code->nfused = nfused;
    if (b.nhandlers) {
        wasm_handler *h = hv_malloc(a, b.nhandlers * sizeof *h);
        if (!h) {
            hv_free(a, keep);
            hv_free(a, cells);
            return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        }
        memcpy(h, b.handlers, b.nhandlers * sizeof *h);
        hv_free(a, code->handlers);
        code->handlers = h;
        code->nhandlers = (uint32_t)b.nhandlers;
    }
    code->zero_start = b.zero_start;
    code->zero_end = b.zero_end;
    hv_free(a, code->tier_insns);
    code->tier_ninsns = keep ? (uint32_t)b.ninsns : 0;
    __atomic_store_n(&code->tier_insns, keep, __ATOMIC_RELAXED);
    /* Publish. For ENTER_FRAME, which reads them without a lock: max_slots
     * and zero_at, then zero_len (release: with it, those), then cells
     * (release: with it, everything: max_slots, zero_start, zero_end,
     * ncells, nfused, handlers). */
    __atomic_store_n(&code->max_slots, b.max_slots, __ATOMIC_RELAXED);
    __atomic_store_n(&code->zero_at, code->zero_start, __ATOMIC_RELAXED);
    __atomic_store_n(&code->zero_len, code->zero_end - code->zero_start, __ATOMIC_RELEASE);
    __atomic_store_n(&code->cells, cells, __ATOMIC_RELEASE);
    return HIVE_OK;
}

int hv_compile_function(hive_engine *engine, wasm_module *m, uint32_t i, wasm_compiler **state,
                     hive_error *err) {
    if (!*state) {
        *state = compiler_new(engine, m);
        if (!*state) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    }
    return compile_body(*state, m, i, err);
}

/* Gives compiled function i its inline copies, if it has none yet: its
 * code is laid out while other threads may be running its cells, and each
 * instruction's first cell is re-pointed at its copy only once every copy
 * is written (inline.c). Under the module's compile lock. */
static void tier_up(wasm_compiler *c, wasm_module *m, uint32_t i) {
    const hv_alloc *a = &c->engine->alloc;
    wasm_code *code = &m->codes[i];
    wasm_insn *insns = code->tier_insns;
    if (!insns) return;
    __atomic_store_n(&code->tier_insns, NULL, __ATOMIC_RELAXED);
    /* its fused runs (each run's first cell re-pointed at the run's
     * handler, which does what the instructions did), then its copies */
    wasm_body b;
    memset(&b, 0, sizeof b);
    b.cells = code->cells;
    b.ncells = code->ncells;
    b.insns = insns;
    b.ninsns = code->tier_ninsns;
    uint32_t nfused = 0;
    if (fuse_runs(c, &b, &nfused, true) == 0) code->nfused = nfused;
    hv_inline_function(m, m->nimported_funcs + i, code->cells, insns, code->tier_ninsns, true);
    code->tier_ninsns = 0;
    hv_free(a, insns);
}

/* The module's compiler (its run index), made if need be. */
static wasm_compiler *tier_compiler(hive_engine *engine, wasm_module *m, wasm_compiler **state) {
    if (!*state) *state = compiler_new(engine, m);
    return *state;
}

void hv_compile_tier_up(hive_engine *engine, wasm_module *m, uint32_t i, wasm_compiler **state) {
    wasm_compiler *c = tier_compiler(engine, m, state);
    if (!c) return;
    wasm_code *code = &m->codes[i];
    const wasm_insn *insns = code->tier_insns;
    if (!insns) return;
    /* the functions it calls directly: now if compiled, else when they are */
    for (uint32_t k = 0; k < code->tier_ninsns; k++) {
        if (insns[k].op != OP_CALL) continue;
        const wasm_code *callee = code->cells[insns[k].start + 1].ptr;
        uint32_t j = (uint32_t)(callee - m->codes);
        if (j == i) continue;
        if (wasm_code_cells(callee))
            tier_up(c, m, j);
        else
            m->codes[j].hot = true;
    }
    tier_up(c, m, i);
}

bool hv_compile_tier_more(hive_engine *engine, wasm_module *m, uint32_t max_insns,
                          wasm_compiler **state) {
    __atomic_store_n(&m->tier_all, true, __ATOMIC_RELAXED);
    wasm_compiler *c = tier_compiler(engine, m, state);
    if (!c) return false;
    uint32_t n = m->nfuncs - m->nimported_funcs, done = 0;
    while (m->tier_next < n && done < max_insns) {
        wasm_code *code = &m->codes[m->tier_next++];
        if (!code->tier_insns) continue;
        done += code->tier_ninsns;
        tier_up(c, m, (uint32_t)(code - m->codes));
    }
    return m->tier_next == n;
}

int hv_compile_module(hive_engine *engine, const uint8_t *bytes, size_t len, wasm_module *m,
                   hive_error *err, bool take) {
    int rc = hv_wasm_decode_lazy(engine, bytes, len, m, err, take);
    if (rc == HIVE_OK) rc = hv_wasm_validate(engine, m, err);
    uint32_t n = m->nfuncs - m->nimported_funcs;
    if (rc == HIVE_OK) {
        /* not compiled yet: every body enters through ENTER_LAZY */
        wasm_cell *lazy = hv_interp_lazy_cells();
        for (uint32_t i = 0; i < n; i++)
            m->codes[i].cells = lazy;
    }
    if (rc == HIVE_OK && engine->eager) {
        /* everything now, as the module loads */
        wasm_compiler *c = compiler_new(engine, m);
        if (!c) rc = hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        for (uint32_t i = 0; i < n && rc == HIVE_OK; i++)
            rc = compile_body(c, m, i, err);
        compiler_free(c);
        if (rc == HIVE_OK && !hv_inline_seal(m))
            rc = hv_error_set(err, HIVE_ENOMEM, 0, "cannot make compiled code executable");
    }
    if (rc != HIVE_OK) hv_compile_module_fini(engine, m, NULL);
    return rc;
}

void hv_compile_module_fini(hive_engine *engine, wasm_module *m, wasm_compiler *c) {
    compiler_free(c);
    if (!m) return;
    hv_inline_free(m);
    const hv_alloc *a = &engine->alloc;
    for (uint32_t i = 0; m->codes && i < m->nfuncs - m->nimported_funcs; i++) {
        wasm_code *code = &m->codes[i];
        if (code->cells != hv_interp_lazy_stub) hv_free(a, code->cells);
        hv_free(a, code->handlers);
        hv_free(a, code->tier_insns);
        code->tier_insns = NULL;
        code->cells = NULL;
        code->handlers = NULL;
    }
    hv_wasm_module_fini(engine, m);
}
