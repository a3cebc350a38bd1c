/*
 * test_fusion.c -- fused runs of instructions (opcodes.h WASM_PAIRS,
 * WASM_TRIPLES, WASM_QUADS; validate.c fuse_runs): each function below is
 * run on an engine that fuses and on one made with HIVE_CONFIG_NO_FUSION,
 * and must give the same results, traps and memory, also when the fused
 * code is stopped and resumed after every budget of 1..N units. Covered:
 * a call and a loop back edge at the end of a run, a loop header's budget
 * check and a conditional branch inside one (taken: it leaves the run), a
 * branch landing on a run's second instruction, traps in the middle of a
 * run. The fused code must hold the runs named here (bench/fusion/
 * genlists.py always keeps them), the other engine's none.
 *
 * fusion_wasm below is this module, built with `wat2wasm`:
 *
 * (module
 *   (memory (export "mem") 1)
 *   ;; fib with a loop, as clang compiles it: (br_if, loop header, i32.sub,
 *   ;; call) and (i32.add, i32.sub, br_if loop) are runs: a branch leaving a
 *   ;; run, a budget check inside one, and a call and a back edge (which
 *   ;; may suspend) at their ends
 *   (func $fib (export "fib") (param i32) (result i32) (local i32)
 *     local.get 0
 *     i32.const 2
 *     i32.ge_u
 *     if
 *       loop
 *         local.get 0
 *         i32.const 1
 *         i32.sub
 *         call $fib
 *         local.get 1
 *         i32.add
 *         local.set 1
 *         local.get 0
 *         i32.const 2
 *         i32.sub
 *         local.tee 0
 *         i32.const 1
 *         i32.gt_u
 *         br_if 0
 *       end
 *     end
 *     local.get 0
 *     local.get 1
 *     i32.add)
 *   ;; a branch to the second instruction of the run (i32.add, i32.store)
 *   (func (export "mid") (param $c i32) (param $x i32) (param $p i32) (result i32)
 *     (block $b
 *       (br_if $b (local.get $c))
 *       (local.set $x (i32.add (local.get $x) (local.get $x))))
 *     (i32.store (local.get $p) (local.get $x))
 *     (i32.load (local.get $p)))
 *   ;; two byte moves per iteration, counting down: a run of four; a move
 *   ;; may trap in the middle of it
 *   (func (export "moves") (param $d i32) (param $s i32) (param $n i32)
 *     (loop $l
 *       (i32.store8 (local.get $d) (i32.load8_u (local.get $s)))
 *       (i32.store8 offset=1 (local.get $d) (i32.load8_u offset=1 (local.get $s)))
 *       (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *       (br_if $l (local.get $n))))
 *   ;; strcmp's loop as clang compiles it: (load, branch on a loaded byte,
 *   ;; two pointer steps, back edge) where the branch may leave the run, and
 *   ;; a load in the run may trap
 *   (func (export "strcmp") (param i32 i32) (result i32) (local i32 i32)
 *     local.get 1
 *     i32.load8_u
 *     local.set 2
 *     block
 *       local.get 0
 *       i32.load8_u
 *       local.tee 3
 *       i32.eqz
 *       br_if 0
 *       local.get 2
 *       local.get 3
 *       i32.ne
 *       br_if 0
 *       local.get 0
 *       i32.const 1
 *       i32.add
 *       local.set 0
 *       local.get 1
 *       i32.const 1
 *       i32.add
 *       local.set 1
 *       loop
 *         local.get 1
 *         i32.load8_u
 *         local.set 2
 *         local.get 0
 *         i32.load8_u
 *         local.tee 3
 *         i32.eqz
 *         br_if 1
 *         local.get 0
 *         i32.const 1
 *         i32.add
 *         local.set 0
 *         local.get 1
 *         i32.const 1
 *         i32.add
 *         local.set 1
 *         local.get 2
 *         local.get 3
 *         i32.eq
 *         br_if 0
 *       end
 *     end
 *     local.get 3
 *     local.get 2
 *     i32.sub)
 *   ;; sha-256's big sigma: rotates and xors
 *   (func (export "sigma") (param $e i32) (result i32)
 *     (i32.xor (i32.xor (i32.rotl (local.get $e) (i32.const 26)) (i32.rotl (local.get $e) (i32.const 21)))
 *              (i32.rotl (local.get $e) (i32.const 7))))
 * )
 */
#include <stdlib.h>

#include "hive/wasm.h"
#include "oputil.h"
#include "sideutil.h"
#include "testutil.h"
#include "wasm/inline.h"
#include "wasm/opcodes.h"
#include "wasm/runtime.h"

static const uint8_t fusion_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x19, 0x04, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60,
    0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03,
    0x06, 0x05, 0x00, 0x01, 0x02, 0x03, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x2c, 0x06, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x66, 0x69,
    0x62, 0x00, 0x00, 0x03, 0x6d, 0x69, 0x64, 0x00, 0x01, 0x05, 0x6d, 0x6f,
    0x76, 0x65, 0x73, 0x00, 0x02, 0x06, 0x73, 0x74, 0x72, 0x63, 0x6d, 0x70,
    0x00, 0x03, 0x05, 0x73, 0x69, 0x67, 0x6d, 0x61, 0x00, 0x04, 0x0a, 0xe0,
    0x01, 0x05, 0x2c, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x41, 0x02, 0x4f, 0x04,
    0x40, 0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x00, 0x20, 0x01,
    0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x02, 0x6b, 0x22, 0x00, 0x41, 0x01,
    0x4b, 0x0d, 0x00, 0x0b, 0x0b, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x1c,
    0x00, 0x02, 0x40, 0x20, 0x00, 0x0d, 0x00, 0x20, 0x01, 0x20, 0x01, 0x6a,
    0x21, 0x01, 0x0b, 0x20, 0x02, 0x20, 0x01, 0x36, 0x02, 0x00, 0x20, 0x02,
    0x28, 0x02, 0x00, 0x0b, 0x24, 0x00, 0x03, 0x40, 0x20, 0x00, 0x20, 0x01,
    0x2d, 0x00, 0x00, 0x3a, 0x00, 0x00, 0x20, 0x00, 0x20, 0x01, 0x2d, 0x00,
    0x01, 0x3a, 0x00, 0x01, 0x20, 0x02, 0x41, 0x01, 0x6b, 0x21, 0x02, 0x20,
    0x02, 0x0d, 0x00, 0x0b, 0x0b, 0x5b, 0x01, 0x02, 0x7f, 0x20, 0x01, 0x2d,
    0x00, 0x00, 0x21, 0x02, 0x02, 0x40, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x22,
    0x03, 0x45, 0x0d, 0x00, 0x20, 0x02, 0x20, 0x03, 0x47, 0x0d, 0x00, 0x20,
    0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21,
    0x01, 0x03, 0x40, 0x20, 0x01, 0x2d, 0x00, 0x00, 0x21, 0x02, 0x20, 0x00,
    0x2d, 0x00, 0x00, 0x22, 0x03, 0x45, 0x0d, 0x01, 0x20, 0x00, 0x41, 0x01,
    0x6a, 0x21, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x02,
    0x20, 0x03, 0x46, 0x0d, 0x00, 0x0b, 0x0b, 0x20, 0x03, 0x20, 0x02, 0x6b,
    0x0b, 0x13, 0x00, 0x20, 0x00, 0x41, 0x1a, 0x77, 0x20, 0x00, 0x41, 0x15,
    0x77, 0x73, 0x20, 0x00, 0x41, 0x07, 0x77, 0x73, 0x0b
};

#define MEM_BYTES 65536 /* the module's one page, compared whole */

/* One engine (fusing or not, inline-threaded or not) with the module
 * instantiated; it must have its memory. */
static int fusion_side(side *s, uint32_t flags) {
    return side_open(s, fusion_wasm, sizeof fusion_wasm, flags) == 0 && s->mem ? 0 : -1;
}

/* How many cells of f's code name op (threaded code only, where no
 * operand can look like an op; -1 when it cannot tell). */
static int count_op(const hive_func *f, wasm_op op) {
    const void *const *labels = hv_interp_labels();
    if (!f || !labels || f->kind != WASM_FUNC_WASM) return -1;
    if (!hv_module_code_cells(f->inst->module, f->code)) return -1;
    int n = 0;
    for (uint32_t i = 0; i < f->code->ncells; i++) n += f->code->cells[i].label == labels[op];
    return n;
}

/* A call's end: status, one i32 result or the trap's kind, and a digest
 * of the whole memory. */
typedef struct ending {
    hive_status st;
    uint32_t result;
    hive_trap_kind trap;
    uint64_t mem_hash;
} ending;

static ending call(side *s, const char *name, const uint32_t *args, size_t nargs,
                   uint64_t budget) {
    ending end;
    memset(&end, 0, sizeof end);
    hive_val av[3];
    memset(av, 0, sizeof av);
    for (size_t i = 0; i < nargs; i++) {
        av[i].type = HIVE_I32;
        av[i].of.i32 = args[i];
    }
    /* Memory starts as a ramp, the same on both sides. */
    for (uint32_t i = 0; i < MEM_BYTES; i++) s->mem[i] = (uint8_t)(i * 7 + (i >> 8));
    const hive_func *f = side_func(s, name);
    if (!f) {
        end.st = HIVE_FAILED;
        return end;
    }
    /* "Unlimited" is 10^7 units (the longest case needs a few hundred):
     * a wrongly fused loop that never ends fails instead of hanging. */
    end.st = hive_exec_call(s->exec, (hive_func *)f, av, nargs, budget ? budget : 10000000);
    for (uint64_t spent = budget; budget && end.st == HIVE_SUSPENDED && spent < 10000000;
         spent += budget)
        end.st = hive_exec_resume(s->exec, budget);
    if (end.st == HIVE_DONE) {
        hive_val r;
        if (hive_exec_results(s->exec, &r, 1) == 1) end.result = r.of.i32;
    } else if (end.st == HIVE_TRAPPED) {
        end.trap = hive_exec_trap(s->exec)->kind;
    }
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < MEM_BYTES; i++) h = (h ^ s->mem[i]) * 1099511628211ull;
    end.mem_hash = h;
    return end;
}

static int same(const ending *a, const ending *b) {
    return a->st == b->st && a->result == b->result && a->trap == b->trap &&
           a->mem_hash == b->mem_hash;
}

typedef struct fcase {
    const char *name;
    size_t nargs;
    uint32_t args[3];
    hive_status st;      /* expected: HIVE_DONE or HIVE_TRAPPED */
    uint32_t result;     /* when DONE and the function has one */
    hive_trap_kind trap; /* when TRAPPED */
    uint64_t budgets;    /* the fused run is also checked under 1..budgets */
} fcase;

static uint32_t rotl32(uint32_t x, unsigned k) { return (x << k) | (x >> (32 - k)); }

static void test_same_behaviour(void) {
    /* plain: each instruction through the interpreter's own handler;
     * fused: fused runs and inline-threaded copies from the first call;
     * interp: fused runs through the interpreter's handlers; tier: the
     * default, with a function hot at its first sample (HIVE_TIER=1): its
     * runs and copies come when a budget first stops it, part way, so the
     * sweeps below switch from unfused handlers to fused copies mid-run
     * (docs/ARCHITECTURE.md, "Inline copies: when"). */
    side fused, plain, interp, tier;
    CHECK(fusion_side(&fused, HIVE_CONFIG_INLINE_NOW) == 0);
    CHECK(fusion_side(&plain, HIVE_CONFIG_NO_FUSION | HIVE_CONFIG_NO_INLINE) == 0);
    CHECK(fusion_side(&interp, HIVE_CONFIG_NO_INLINE) == 0);
    setenv("HIVE_TIER", "1", 1);
    CHECK(fusion_side(&tier, 0) == 0);
    unsetenv("HIVE_TIER");
    if (test_cur_failed) return;
    uint32_t a = 0x12345678, b = 0x9abcdef0;
    const fcase cases[] = {
        {"fib", 1, {10}, HIVE_DONE, 55, HIVE_TRAP_NONE, 60},
        {"fib", 1, {1}, HIVE_DONE, 1, HIVE_TRAP_NONE, 4},
        {"mid", 3, {0, 5, 64}, HIVE_DONE, 10, HIVE_TRAP_NONE, 4},
        {"mid", 3, {1, 5, 64}, HIVE_DONE, 5, HIVE_TRAP_NONE, 4},
        /* the store of the run traps (both the whole run and B alone) */
        {"mid", 3, {0, 5, 65534}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 4},
        {"mid", 3, {1, 5, 65534}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 4},
        {"moves", 3, {200, 100, 20}, HIVE_DONE, 0, HIVE_TRAP_NONE, 24},
        /* the second move traps after the first has written */
        {"moves", 3, {200, 65535, 3}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 4},
        {"strcmp", 2, {1000, 1000}, HIVE_DONE, 0, HIVE_TRAP_NONE, 40},
        {"strcmp", 2, {1000, 1256}, HIVE_DONE, 0, HIVE_TRAP_NONE, 40},
        {"strcmp", 2, {3000, 3000}, HIVE_DONE, 0, HIVE_TRAP_NONE, 40},
        /* no zero byte before the end of memory: the loop's loads trap */
        {"strcmp", 2, {65530, 65530}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 12},
        {"sigma", 1, {a}, HIVE_DONE, rotl32(a, 26) ^ rotl32(a, 21) ^ rotl32(a, 7), HIVE_TRAP_NONE, 3},
        {"sigma", 1, {b}, HIVE_DONE, rotl32(b, 26) ^ rotl32(b, 21) ^ rotl32(b, 7), HIVE_TRAP_NONE, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fcase *c = &cases[i];
        ending want = call(&plain, c->name, c->args, c->nargs, 0);
        ending got = call(&fused, c->name, c->args, c->nargs, 0);
        int ok = want.st == c->st && (c->st != HIVE_TRAPPED || want.trap == c->trap) &&
                 (c->st != HIVE_DONE || !c->result || want.result == c->result);
        if (!ok)
            fprintf(stderr, "%s case %zu: status %d result %u trap %d\n", c->name, i,
                    (int)want.st, want.result, (int)want.trap);
        CHECK(ok);
        if (!same(&want, &got))
            fprintf(stderr, "%s case %zu: fused run differs\n", c->name, i);
        CHECK(same(&want, &got));
        got = call(&interp, c->name, c->args, c->nargs, 0);
        if (!same(&want, &got))
            fprintf(stderr, "%s case %zu: fused run (interpreted) differs\n", c->name, i);
        CHECK(same(&want, &got));
        for (uint64_t u = 1; u <= c->budgets; u++) {
            ending e = call(&fused, c->name, c->args, c->nargs, u);
            ending e2 = call(&interp, c->name, c->args, c->nargs, u);
            ending e3 = call(&tier, c->name, c->args, c->nargs, u);
            if (!same(&want, &e) || !same(&want, &e2) || !same(&want, &e3)) {
                fprintf(stderr, "%s case %zu: budget %llu differs\n", c->name, i,
                        (unsigned long long)u);
                CHECK(0);
                break;
            }
        }
    }
    /* the tier side's functions ended fused and copied */
    for (size_t k = 0; k < 3; k++) {
        static const char *const names[] = {"fib", "mid", "strcmp"};
        const hive_func *f = side_func(&tier, names[k]);
        CHECK(f && hv_module_code_cells(f->inst->module, f->code));
        if (f && hv_inline_available()) CHECK(f->code->nfused > 0 && !f->code->tier_insns);
    }
    side_close(&fused);
    side_close(&plain);
    side_close(&interp);
    side_close(&tier);
}

static void test_runs_made(void) {
    /* which ops were made is read from the cells' labels: no inline code */
    side fused, plain;
    CHECK(fusion_side(&fused, HIVE_CONFIG_NO_INLINE) == 0);
    CHECK(fusion_side(&plain, HIVE_CONFIG_NO_FUSION | HIVE_CONFIG_NO_INLINE) == 0);
    if (test_cur_failed) return;
    if (!hv_interp_labels()) {
        fprintf(stderr, "fusion: switch build, which ops were fused is not checked\n");
    } else {
        const struct {
            const char *name;
            wasm_op op;
        } made[] = {
            {"fib", OP_BR_IF_I32_LT_U_I__LOOP_CHECK__I32_SUB_I__CALL},
            {"fib", OP_I32_ADD__I32_SUB_I__BR_IF_I32_GT_U_I_LOOP},
            {"moves", OP_MOVE8__MOVE8__I32_SUB_I__BR_IF_LOOP},
            {"strcmp", OP_I32_LOAD8_U__BR_IF_LOAD8_SET_EQZ__I32_ADD_I2__BR_IF_I32_EQ_LOOP},
            {"sigma", OP_I32_ROTL_I__I32_ROTL_I_XOR__I32_ROTL_I_XOR},
        };
        for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
            int n = count_op(side_func(&fused, made[i].name), made[i].op);
            if (n != 1) fprintf(stderr, "%s: run %d made %d times\n", made[i].name, (int)made[i].op, n);
            CHECK_EQ_INT(n, 1);
            CHECK_EQ_INT(count_op(side_func(&plain, made[i].name), made[i].op), 0);
        }
        /* "mid" needs a run whose second instruction is the store the
         * branch lands on: I32_ADD__I32_STORE, or a longer run that starts
         * with them, whichever the compiler prefers with the lists it has. */
        int mid = 0, mid_plain = 0;
        for (int r = 0; r < OP_COUNT_; r++) {
            if (!run_begins(r, OP_I32_ADD, OP_I32_STORE)) continue;
            mid += count_op(side_func(&fused, "mid"), (wasm_op)r);
            mid_plain += count_op(side_func(&plain, "mid"), (wasm_op)r);
        }
        if (mid != 1) fprintf(stderr, "mid: a run of i32.add, i32.store made %d times\n", mid);
        CHECK_EQ_INT(mid, 1);
        CHECK_EQ_INT(mid_plain, 0);
    }
    static const char *const names[] = {"fib", "mid", "moves", "strcmp", "sigma"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const hive_func *f = side_func(&fused, names[i]), *g = side_func(&plain, names[i]);
        CHECK(f && hv_module_code_cells(f->inst->module, f->code) && f->code->nfused > 0);
        CHECK(g && hv_module_code_cells(g->inst->module, g->code) && g->code->nfused == 0);
    }
    side_close(&fused);
    side_close(&plain);
}

int main(void) {
    RUN(test_same_behaviour);
    RUN(test_runs_made);
    return test_summary("fusion");
}
