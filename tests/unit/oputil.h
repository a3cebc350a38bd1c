/*
 * oputil.h -- finding an internal op in compiled code when the compiler
 * may have fused it into a run (opcodes.h, "the runs"): a run changes
 * only its first instruction's cell, to the run's own op, so an op the
 * tests look for may stand there as OP_A__B (for A) instead of OP_A.
 */
#ifndef HIVE_TEST_OPUTIL_H
#define HIVE_TEST_OPUTIL_H

#include <stdbool.h>
#include <string.h>

#include "hive/wasm.h"
#include "wasm/opcodes.h"

/* Tests that read ops back from compiled code run twice (their main): on
 * an engine without inline-threaded code, where the ops can be read from
 * the cells' labels, and on the default engine, where the cells point at
 * copies of the handlers (inline.c): there the shape of the code is not
 * checked (SHAPE_CHECK) and the behaviour checks run on the copies. */
static bool inline_pass __attribute__((unused));

static inline hive_engine *new_engine(void) {
    hive_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = inline_pass ? 0 : HIVE_CONFIG_NO_INLINE;
    return hive_engine_new(&cfg);
}

/* A check of the compiled code's shape: only without inline code. */
#define SHAPE_CHECK(cond) CHECK(inline_pass || (cond))

/* run op -> 1 + the op of its first and of its second instruction; 0 for
 * ops that are not runs */
typedef struct oputil_run {
    uint16_t first, second;
} oputil_run;
#define OPUTIL_PAIR(a, n, b) [OP_##a##__##b] = {OP_##a + 1, OP_##b + 1},
#define OPUTIL_TRIPLE(a, n, b, m, c) [OP_##a##__##b##__##c] = {OP_##a + 1, OP_##b + 1},
#define OPUTIL_QUAD(a, n, b, m, c, k, d) [OP_##a##__##b##__##c##__##d] = {OP_##a + 1, OP_##b + 1},
static const oputil_run oputil_runs[OP_COUNT_] = {
    WASM_PAIRS(OPUTIL_PAIR) WASM_TRIPLES(OPUTIL_TRIPLE) WASM_QUADS(OPUTIL_QUAD)};
#undef OPUTIL_QUAD
#undef OPUTIL_TRIPLE
#undef OPUTIL_PAIR

/* The op of a run's first instruction; op itself when it is not a run. */
static inline int run_first_op(int op) {
    return op >= 0 && op < OP_COUNT_ && oputil_runs[op].first ? oputil_runs[op].first - 1 : op;
}

/* Whether op `cell` is a run that begins with instructions a, then b. */
static inline int run_begins(int cell, int a, int b) {
    return cell >= 0 && cell < OP_COUNT_ && oputil_runs[cell].first == a + 1 &&
           oputil_runs[cell].second == b + 1;
}

/* Whether a cell holding op `cell` starts an instruction `op`: the op
 * itself, or a run that begins with it. */
static inline int op_starts(int cell, int op) {
    return cell == op || (cell >= 0 && cell < OP_COUNT_ && oputil_runs[cell].first == op + 1);
}

#endif
