/*
 * test_fusion.c -- fused runs of instructions (opcodes.h WASM_PAIRS,
 * WASM_TRIPLES; validate.c fuse_runs): each function below is run on an
 * engine that fuses and on one made with HIVE_CONFIG_NO_FUSION, and must
 * give the same results, traps and memory, also when the fused run is
 * stopped and resumed after every budget of 1..N units (a call or a loop
 * back edge at the end of a run, a branch landing on a run's second
 * instruction, a trap in the middle of a run). The fused code must hold
 * the runs named here; the other engine's none.
 *
 * fusion_wasm below is this module, built with `wat2wasm`:
 *
 * (module
 *   (memory (export "mem") 1)
 *   ;; fib with a loop: (i32.sub, call) as a pair; (i32.add, i32.sub, br_if
 *   ;; loop) as a triple; every call and back edge may suspend
 *   (func $fib (export "fib") (param $n i32) (result i32) (local $acc i32)
 *     (if (i32.lt_u (local.get $n) (i32.const 2)) (then (return (local.get $n))))
 *     (loop $l
 *       (local.set $acc (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1))) (local.get $acc)))
 *       (local.set $n (i32.sub (local.get $n) (i32.const 2)))
 *       (br_if $l (i32.gt_u (local.get $n) (i32.const 1))))
 *     (i32.add (local.get $n) (local.get $acc)))
 *   ;; a branch to the second instruction of a pair (i32.add, i32.sub)
 *   (func (export "mid") (param $c i32) (param $x i32) (result i32)
 *     (block $b
 *       (br_if $b (local.get $c))
 *       (local.set $x (i32.add (local.get $x) (local.get $x))))
 *     (local.set $x (i32.sub (local.get $x) (i32.const 1)))
 *     (local.get $x))
 *   ;; three byte moves as a triple; the third may trap after two are done
 *   (func (export "moves") (param $d i32) (param $s i32)
 *     (i32.store8 (local.get $d) (i32.load8_u (local.get $s)))
 *     (i32.store8 offset=1 (local.get $d) (i32.load8_u offset=1 (local.get $s)))
 *     (i32.store8 offset=2 (local.get $d) (i32.load8_u offset=2 (local.get $s))))
 *   ;; a marking loop: (i32.store8 of a constant, i32.add) or (i32.add, br_if loop)
 *   (func (export "mark") (param $p i32) (param $end i32) (param $step i32)
 *     (loop $l
 *       (i32.store8 (local.get $p) (i32.const 1))
 *       (local.set $p (i32.add (local.get $p) (local.get $step)))
 *       (br_if $l (i32.le_s (local.get $p) (local.get $end)))))
 *   ;; two rotate-xor chains in a row
 *   (func (export "rot") (param $a i32) (param $b i32) (result i32)
 *     (i32.xor (i32.rotl (i32.xor (i32.rotl (local.get $a) (i32.const 5)) (local.get $b))
 *                        (i32.const 7))
 *              (local.get $a)))
 *   ;; two loads as a pair; either may trap
 *   (func (export "loads") (param $p i32) (result i32)
 *     (i32.add (i32.load (local.get $p)) (i32.load offset=4 (local.get $p))))
 * )
 */
#include <stdlib.h>

#include "hive/wasm.h"
#include "testutil.h"
#include "wasm/opcodes.h"
#include "wasm/runtime.h"

static const uint8_t fusion_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x17, 0x04, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02,
    0x7f, 0x7f, 0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x03, 0x07, 0x06,
    0x00, 0x01, 0x02, 0x03, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
    0x30, 0x07, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x66, 0x69, 0x62,
    0x00, 0x00, 0x03, 0x6d, 0x69, 0x64, 0x00, 0x01, 0x05, 0x6d, 0x6f, 0x76,
    0x65, 0x73, 0x00, 0x02, 0x04, 0x6d, 0x61, 0x72, 0x6b, 0x00, 0x03, 0x03,
    0x72, 0x6f, 0x74, 0x00, 0x04, 0x05, 0x6c, 0x6f, 0x61, 0x64, 0x73, 0x00,
    0x05, 0x0a, 0xa8, 0x01, 0x06, 0x31, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x41,
    0x02, 0x49, 0x04, 0x40, 0x20, 0x00, 0x0f, 0x0b, 0x03, 0x40, 0x20, 0x00,
    0x41, 0x01, 0x6b, 0x10, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x00,
    0x41, 0x02, 0x6b, 0x21, 0x00, 0x20, 0x00, 0x41, 0x01, 0x4b, 0x0d, 0x00,
    0x0b, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x19, 0x00, 0x02, 0x40, 0x20,
    0x00, 0x0d, 0x00, 0x20, 0x01, 0x20, 0x01, 0x6a, 0x21, 0x01, 0x0b, 0x20,
    0x01, 0x41, 0x01, 0x6b, 0x21, 0x01, 0x20, 0x01, 0x0b, 0x20, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x2d, 0x00, 0x00, 0x3a, 0x00, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x2d, 0x00, 0x01, 0x3a, 0x00, 0x01, 0x20, 0x00, 0x20, 0x01, 0x2d,
    0x00, 0x02, 0x3a, 0x00, 0x02, 0x0b, 0x1a, 0x00, 0x03, 0x40, 0x20, 0x00,
    0x41, 0x01, 0x3a, 0x00, 0x00, 0x20, 0x00, 0x20, 0x02, 0x6a, 0x21, 0x00,
    0x20, 0x00, 0x20, 0x01, 0x4c, 0x0d, 0x00, 0x0b, 0x0b, 0x10, 0x00, 0x20,
    0x00, 0x41, 0x05, 0x77, 0x20, 0x01, 0x73, 0x41, 0x07, 0x77, 0x20, 0x00,
    0x73, 0x0b, 0x0d, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x20, 0x00, 0x28,
    0x02, 0x04, 0x6a, 0x0b
};

#define MEM_BYTES 65536 /* the module's one page, compared whole */

/* One engine (fusing or not) with the module instantiated. */
typedef struct side {
    hive_engine *engine;
    hive_module *module;
    hive_instance *inst;
    hive_exec *exec;
    uint8_t *mem;
} side;

static int side_open(side *s, uint32_t flags) {
    hive_config cfg;
    hive_error err;
    memset(s, 0, sizeof *s);
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = flags;
    if (!(s->engine = hive_engine_new(&cfg))) return -1;
    if (hive_module_new(s->engine, fusion_wasm, sizeof fusion_wasm, &s->module, &err) != HIVE_OK ||
        hive_instance_new(s->engine, s->module, NULL, 0, &s->inst, &err) != HIVE_OK) {
        fprintf(stderr, "fusion module: %s\n", err.message);
        return -1;
    }
    s->exec = hive_exec_new(s->engine);
    hive_memory *m = hive_instance_memory(s->inst);
    s->mem = m ? hive_memory_data(m) : NULL;
    return s->exec && s->mem ? 0 : -1;
}

static void side_close(side *s) {
    if (s->exec) hive_exec_free(s->exec);
    if (s->inst) hive_instance_free(s->inst);
    hive_module_release(s->module);
    if (s->engine) hive_engine_free(s->engine);
}

static const hive_func *side_func(side *s, const char *name) {
    hive_extern e;
    if (hive_instance_export(s->inst, name, strlen(name), &e) != HIVE_OK ||
        e.kind != HIVE_EXTERN_FUNC) {
        fprintf(stderr, "export %s missing\n", name);
        return NULL;
    }
    return e.of.func;
}

/* How many cells of f's code name op (threaded code only, where no
 * operand can look like an op; -1 when it cannot tell). */
static int count_op(const hive_func *f, wasm_op op) {
    const void *const *labels = interp_labels();
    if (!f || !labels || f->kind != WASM_FUNC_WASM) return -1;
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
    side fused, plain;
    CHECK(side_open(&fused, 0) == 0);
    CHECK(side_open(&plain, HIVE_CONFIG_NO_FUSION) == 0);
    if (test_cur_failed) return;
    uint32_t a = 0x12345678, b = 0x9abcdef0;
    const fcase cases[] = {
        {"fib", 1, {10}, HIVE_DONE, 55, HIVE_TRAP_NONE, 60},
        {"fib", 1, {1}, HIVE_DONE, 1, HIVE_TRAP_NONE, 4},
        {"mid", 2, {0, 5}, HIVE_DONE, 9, HIVE_TRAP_NONE, 4},
        {"mid", 2, {1, 5}, HIVE_DONE, 4, HIVE_TRAP_NONE, 4},
        {"moves", 2, {200, 100}, HIVE_DONE, 0, HIVE_TRAP_NONE, 4},
        /* the third move traps after the first two have written */
        {"moves", 2, {200, 65534}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 4},
        /* the first traps: nothing written */
        {"moves", 2, {200, 65536}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 4},
        {"mark", 3, {10, 400, 3}, HIVE_DONE, 0, HIVE_TRAP_NONE, 140},
        /* a store past the end ends the loop with a trap */
        {"mark", 3, {65500, 70000, 7}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 12},
        {"rot", 2, {a, b}, HIVE_DONE, rotl32(rotl32(a, 5) ^ b, 7) ^ a, HIVE_TRAP_NONE, 3},
        {"loads", 1, {1000}, HIVE_DONE, 0, HIVE_TRAP_NONE, 3},
        {"loads", 1, {65532}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 3}, /* the second */
        {"loads", 1, {65533}, HIVE_TRAPPED, 0, HIVE_TRAP_MEMORY_OOB, 3}, /* the first */
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
        for (uint64_t u = 1; u <= c->budgets; u++) {
            ending e = call(&fused, c->name, c->args, c->nargs, u);
            if (!same(&want, &e)) {
                fprintf(stderr, "%s case %zu: budget %llu differs\n", c->name, i,
                        (unsigned long long)u);
                CHECK(0);
                break;
            }
        }
    }
    /* The expected values of the two loads: the ramp's bytes. */
    CHECK_EQ_INT(call(&plain, "loads", (const uint32_t[]){1000}, 1, 0).result,
                 call(&fused, "loads", (const uint32_t[]){1000}, 1, 0).result);
    side_close(&fused);
    side_close(&plain);
}

static void test_runs_made(void) {
    side fused, plain;
    CHECK(side_open(&fused, 0) == 0);
    CHECK(side_open(&plain, HIVE_CONFIG_NO_FUSION) == 0);
    if (test_cur_failed) return;
    if (!interp_labels()) {
        fprintf(stderr, "fusion: switch build, which ops were fused is not checked\n");
    } else {
        const struct {
            const char *name;
            wasm_op op;
        } made[] = {
            {"fib", OP_I32_SUB_I__CALL},
            {"fib", OP_I32_ADD__I32_SUB_I__BR_IF_I32_GT_U_I_LOOP},
            {"mid", OP_I32_ADD__I32_SUB_I},
            {"moves", OP_MOVE8__MOVE8__MOVE8},
            {"rot", OP_I32_ROTL_I_XOR__I32_ROTL_I_XOR},
            {"loads", OP_I32_LOAD__I32_LOAD},
        };
        for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
            int n = count_op(side_func(&fused, made[i].name), made[i].op);
            if (n != 1) fprintf(stderr, "%s: run %d made %d times\n", made[i].name, (int)made[i].op, n);
            CHECK_EQ_INT(n, 1);
            CHECK_EQ_INT(count_op(side_func(&plain, made[i].name), made[i].op), 0);
        }
        /* mark: one pair of its three instructions */
        const hive_func *mark = side_func(&fused, "mark");
        CHECK_EQ_INT(count_op(mark, OP_I32_STORE8_K__I32_ADD) +
                         count_op(mark, OP_I32_ADD__BR_IF_I32_LE_S_LOOP),
                     1);
    }
    static const char *const names[] = {"fib", "mid", "moves", "mark", "rot", "loads"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const hive_func *f = side_func(&fused, names[i]), *g = side_func(&plain, names[i]);
        CHECK(f && f->code->nfused > 0);
        CHECK(g && g->code->nfused == 0);
    }
    side_close(&fused);
    side_close(&plain);
}

int main(void) {
    RUN(test_same_behaviour);
    RUN(test_runs_made);
    return test_summary("fusion");
}
