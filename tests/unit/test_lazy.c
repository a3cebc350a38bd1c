/*
 * test_lazy.c -- functions are compiled on their first call
 * (docs/ARCHITECTURE.md, "Lazy compilation").
 *
 * The module is built here: N functions f0..f{N-1} of type (i32) -> i32,
 * f_i(x) = f_{i-1}(x + i) and f0(x) = x + 1, so f_i(x) = x + 1 + i(i+1)/2;
 * odd ones call the previous one with `call`, even ones through the table
 * with `call_indirect`, each after a few dozen instructions that change
 * nothing (so that compiling takes a while). Then: a start function that
 * stores 7 at address 0, `peek` (x + that word), `deep` which calls
 * `divzero` (a trap two frames down), and `viaref`, which puts `ref.func
 * 3` into the table and calls it.
 *
 * Checked: nothing is compiled at load and each function is compiled on
 * its first call, through every way in (export, start, call,
 * call_indirect, ref.func); a trap's backtrace; a call under a budget of
 * one unit, resumed until done; HIVE_CONFIG_EAGER; an invalid body that is
 * never called still fails the load; running out of memory while
 * compiling traps and leaves the function to compile on a later call; and
 * threads racing on the first calls of one module (each function compiled
 * exactly once, every result right). `make lazy-tsan` runs this file
 * under ThreadSanitizer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "hive/wasm.h"
#include "sumwasm.h"
#include "wasm/inline.h"
#include "testutil.h"
#include "wasm/runtime.h"

#define N 48   /* f0 .. f{N-1} */
#define PAD 40 /* no-op instruction groups per function */
enum { F_START = N, F_PEEK, F_DEEP, F_DIVZERO, F_VIAREF, NFUNCS };

/* ---- a small binary writer ------------------------------------------------ */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, uint8_t x) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    b->p[b->n++] = x;
}

static void put_u(buf *b, uint32_t x) {
    do {
        uint8_t c = x & 0x7f;
        x >>= 7;
        put(b, (uint8_t)(c | (x ? 0x80 : 0)));
    } while (x);
}

static void put_s(buf *b, int32_t x) {
    for (;;) {
        uint8_t c = (uint8_t)(x & 0x7f);
        x >>= 7;
        if ((x == 0 && !(c & 0x40)) || (x == -1 && (c & 0x40))) {
            put(b, c);
            return;
        }
        put(b, (uint8_t)(c | 0x80));
    }
}

static void put_bytes(buf *b, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++) put(b, ((const uint8_t *)p)[i]);
}

/* Appends section id with the contents of s (and empties s). */
static void put_section(buf *b, uint8_t id, buf *s) {
    put(b, id);
    put_u(b, (uint32_t)s->n);
    put_bytes(b, s->p, s->n);
    s->n = 0;
}

static void put_name(buf *b, const char *name) {
    put_u(b, (uint32_t)strlen(name));
    put_bytes(b, name, strlen(name));
}

/* The body of function f (locals and expression) into s. */
static void body(buf *s, uint32_t f) {
    buf e = {0};
    put(&e, 0); /* no locals */
    if (f < N) {
        for (int k = 0; k < PAD; k++) { /* x = x + 0 */
            static const uint8_t pad[] = {0x20, 0x00, 0x41, 0x00, 0x6a, 0x21, 0x00};
            put_bytes(&e, pad, sizeof pad);
        }
        put(&e, 0x20), put(&e, 0x00); /* local.get 0 */
        put(&e, 0x41), put_s(&e, f ? (int32_t)f : 1);
        put(&e, 0x6a); /* i32.add */
        if (f % 2 == 1) {
            put(&e, 0x10), put_u(&e, f - 1); /* call */
        } else if (f > 0) {
            put(&e, 0x41), put_s(&e, (int32_t)f - 1);
            put(&e, 0x11), put(&e, 0x00), put(&e, 0x00); /* call_indirect (type 0) */
        }
    } else if (f == F_START) {
        static const uint8_t x[] = {0x41, 0x00, 0x41, 0x07, 0x36, 0x02, 0x00};
        put_bytes(&e, x, sizeof x);
    } else if (f == F_PEEK) {
        static const uint8_t x[] = {0x41, 0x00, 0x28, 0x02, 0x00, 0x20, 0x00, 0x6a};
        put_bytes(&e, x, sizeof x);
    } else if (f == F_DEEP) {
        put(&e, 0x20), put(&e, 0x00), put(&e, 0x10), put_u(&e, F_DIVZERO);
    } else if (f == F_DIVZERO) {
        static const uint8_t x[] = {0x20, 0x00, 0x41, 0x00, 0x6e};
        put_bytes(&e, x, sizeof x);
    } else if (f == F_VIAREF) {
        put(&e, 0x41), put_s(&e, N);                  /* table slot N */
        put(&e, 0xd2), put_u(&e, 3);                  /* ref.func 3 */
        put(&e, 0x26), put(&e, 0x00);                 /* table.set 0 */
        put(&e, 0x20), put(&e, 0x00);                 /* local.get 0 */
        put(&e, 0x41), put_s(&e, N);                  /* slot N */
        put(&e, 0x11), put(&e, 0x00), put(&e, 0x00);  /* call_indirect */
    }
    put(&e, 0x0b);
    put_u(s, (uint32_t)e.n);
    put_bytes(s, e.p, e.n);
    free(e.p);
}

/* The module of the header comment (malloc'd; *len its size). */
static uint8_t *build_module(size_t *len) {
    buf b = {0}, s = {0};
    static const uint8_t magic[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    put_bytes(&b, magic, sizeof magic);
    /* types: 0 (i32) -> i32, 1 () -> () */
    static const uint8_t types[] = {0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00};
    put_bytes(&s, types, sizeof types);
    put_section(&b, 1, &s);
    put_u(&s, NFUNCS);
    for (uint32_t f = 0; f < NFUNCS; f++) put(&s, f == F_START ? 1 : 0);
    put_section(&b, 3, &s);
    put(&s, 1), put(&s, 0x70), put(&s, 0x00), put_u(&s, N + 1); /* table */
    put_section(&b, 4, &s);
    put(&s, 1), put(&s, 0x00), put(&s, 1); /* memory, 1 page */
    put_section(&b, 5, &s);
    put_u(&s, N + 3);
    for (uint32_t f = 0; f < N; f++) {
        char name[16];
        snprintf(name, sizeof name, "f%u", f);
        put_name(&s, name);
        put(&s, 0x00), put_u(&s, f);
    }
    put_name(&s, "peek"), put(&s, 0x00), put_u(&s, F_PEEK);
    put_name(&s, "deep"), put(&s, 0x00), put_u(&s, F_DEEP);
    put_name(&s, "viaref"), put(&s, 0x00), put_u(&s, F_VIAREF);
    put_section(&b, 7, &s);
    put_u(&s, F_START);
    put_section(&b, 8, &s);
    /* elem: active, table 0, offset 0, f0 .. f{N-1} */
    put(&s, 1), put(&s, 0x00), put(&s, 0x41), put(&s, 0x00), put(&s, 0x0b), put_u(&s, N);
    for (uint32_t f = 0; f < N; f++) put_u(&s, f);
    put_section(&b, 9, &s);
    put_u(&s, NFUNCS);
    for (uint32_t f = 0; f < NFUNCS; f++) body(&s, f);
    put_section(&b, 10, &s);
    free(s.p);
    *len = b.n;
    return b.p;
}

static uint32_t expect_f(uint32_t i, uint32_t x) { return x + 1 + i * (i + 1) / 2; }

/* ---- fixtures ------------------------------------------------------------- */

static uint8_t *wasm;
static size_t wasm_len;

static size_t compiled(const hive_module *m) {
    return atomic_load_explicit(&m->compiled, memory_order_relaxed);
}

static bool is_compiled(const hive_module *m, uint32_t f) {
    return wasm_code_cells(&m->m.codes[f]) != NULL;
}

static hive_func *export_func(hive_instance *inst, const char *name) {
    hive_extern e;
    if (hive_instance_export(inst, name, strlen(name), &e) || e.kind != HIVE_EXTERN_FUNC)
        return NULL;
    return e.of.func;
}

/* Calls name(x) on exec, resuming while it suspends (budget per slice, 0:
 * none); the status, *out the result, *slices how many slices it took. */
static hive_status call_i32(hive_exec *exec, hive_instance *inst, const char *name, uint32_t x,
                            uint64_t budget, uint32_t *out, unsigned *slices) {
    hive_func *f = export_func(inst, name);
    if (!f) return HIVE_FAILED;
    hive_val a, r;
    memset(&a, 0, sizeof a);
    a.type = HIVE_I32;
    a.of.i32 = x;
    hive_status st = hive_exec_call(exec, f, &a, 1, budget);
    unsigned n = 1;
    while (st == HIVE_SUSPENDED && n < 100000) {
        st = hive_exec_resume(exec, budget);
        n++;
    }
    if (slices) *slices = n;
    if (st == HIVE_DONE && hive_exec_results(exec, &r, 1) == 1) *out = r.of.i32;
    return st;
}

/* ---- single thread -------------------------------------------------------- */

static void test_first_calls(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *mod = NULL;
    hive_instance *inst = NULL;
    hive_exec *exec = hive_exec_new(engine);
    hive_error err;
    CHECK(engine && exec);
    CHECK(hive_module_new(engine, wasm, wasm_len, &mod, &err) == HIVE_OK);
    if (!mod) goto out;
    CHECK_EQ_INT(compiled(mod), 0);
    for (uint32_t f = 0; f < NFUNCS; f++) CHECK(!is_compiled(mod, f));
    CHECK(hive_instance_new(engine, mod, NULL, 0, &inst, &err) == HIVE_OK);
    if (!inst) goto out;
    CHECK_EQ_INT(compiled(mod), 0);

    /* the start function, through an exec like any call */
    hive_func *start = hive_instance_start_func(inst);
    CHECK(start && hive_exec_call(exec, start, NULL, 0, 0) == HIVE_DONE);
    CHECK(is_compiled(mod, F_START));
    CHECK_EQ_INT(compiled(mod), 1);
    uint32_t r = 0;
    CHECK(call_i32(exec, inst, "peek", 5, 0, &r, NULL) == HIVE_DONE);
    CHECK_EQ_INT(r, 12);
    CHECK_EQ_INT(compiled(mod), 2);

    /* ref.func and call_indirect: viaref -> f3 -> (call) f2 -> (indirect) f1 -> f0 */
    CHECK(call_i32(exec, inst, "viaref", 10, 0, &r, NULL) == HIVE_DONE);
    CHECK_EQ_INT(r, expect_f(3, 10));
    for (uint32_t f = 0; f < N; f++) CHECK(is_compiled(mod, f) == (f <= 3));
    CHECK_EQ_INT(compiled(mod), 7);
    /* again: nothing more to compile */
    CHECK(call_i32(exec, inst, "viaref", 11, 0, &r, NULL) == HIVE_DONE);
    CHECK_EQ_INT(r, expect_f(3, 11));
    CHECK_EQ_INT(compiled(mod), 7);

    /* a trap two frames below two first calls, and its backtrace */
    CHECK(call_i32(exec, inst, "deep", 1, 0, &r, NULL) == HIVE_TRAPPED);
    const hive_trap *t = hive_exec_trap(exec);
    CHECK(t && t->kind == HIVE_TRAP_INT_DIV_ZERO);
    CHECK(t && t->nframes == 2);
    if (t && t->nframes == 2) {
        CHECK_EQ_INT(t->frames[0].func_index, F_DIVZERO);
        CHECK_EQ_INT(t->frames[1].func_index, F_DEEP);
    }
    CHECK(is_compiled(mod, F_DEEP) && is_compiled(mod, F_DIVZERO));
    CHECK(!is_compiled(mod, 4));
out:
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(mod);
    hive_engine_free(engine);
}

/* Budget 1: every call spends a unit first, so the exec suspends before
 * each first call (and its compile) and resumes into it. */
static void test_budget_one(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *mod = NULL;
    hive_instance *inst = NULL;
    hive_exec *exec = hive_exec_new(engine);
    hive_error err;
    CHECK(hive_module_new(engine, wasm, wasm_len, &mod, &err) == HIVE_OK);
    if (!mod) goto out;
    CHECK(hive_instance_new(engine, mod, NULL, 0, &inst, &err) == HIVE_OK);
    if (!inst) goto out;
    uint32_t r = 0;
    unsigned slices = 0;
    CHECK(call_i32(exec, inst, "f47", 3, 1, &r, &slices) == HIVE_DONE);
    CHECK_EQ_INT(r, expect_f(47, 3));
    /* one slice for each of the 47 calls inside: the first is in the first
     * slice, each next one waits for the next */
    CHECK_EQ_INT(slices, N - 1);
    CHECK_EQ_INT(compiled(mod), N);
    /* and the same again, all compiled */
    unsigned slices2 = 0;
    CHECK(call_i32(exec, inst, "f47", 3, 1, &r, &slices2) == HIVE_DONE);
    CHECK_EQ_INT(r, expect_f(47, 3));
    CHECK_EQ_INT(slices2, slices);
out:
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(mod);
    hive_engine_free(engine);
}

static void test_eager(void) {
    hive_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = HIVE_CONFIG_EAGER;
    hive_engine *engine = hive_engine_new(&cfg);
    hive_module *mod = NULL;
    hive_error err;
    CHECK(hive_module_new(engine, wasm, wasm_len, &mod, &err) == HIVE_OK);
    if (mod) {
        for (uint32_t f = 0; f < NFUNCS; f++) CHECK(is_compiled(mod, f));
        CHECK_EQ_INT(compiled(mod), NFUNCS);
    }
    hive_module_release(mod);
    hive_engine_free(engine);
}

/* A body that is never called is still validated at load. */
static void test_invalid_uncalled(void) {
    static const uint8_t bad[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type () -> () */
        0x03, 0x03, 0x02, 0x00, 0x00,                   /* two functions */
        0x0a, 0x09, 0x02,                               /* code */
        0x02, 0x00, 0x0b,                               /* fine */
        0x04, 0x00, 0x41, 0x00, 0x0b,                   /* i32.const 0: a value left over */
    };
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *mod = NULL;
    hive_error err;
    CHECK_EQ_INT(hive_module_new(engine, bad, sizeof bad, &mod, &err), HIVE_EINVALID);
    CHECK(mod == NULL);
    CHECK(strstr(err.message, "type mismatch") != NULL);
    hive_module_release(mod);
    hive_engine_free(engine);
}

/* The check at load on several threads (HIVE_LOAD_THREADS forces it for
 * a small module): the same verdicts, and of two invalid bodies the
 * first one's error. */
static void test_parallel_check(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *mod = NULL;
    hive_error err;
    uint8_t *bad = malloc(wasm_len);
    size_t at5 = 0;
    int changed = 0;
    setenv("HIVE_LOAD_THREADS", "3", 1);
    CHECK(hive_module_new(engine, wasm, wasm_len, &mod, &err) == HIVE_OK);
    if (mod && bad) {
        CHECK_EQ_INT(compiled(mod), 0);
        for (uint32_t f = 0; f < NFUNCS; f++) CHECK(!is_compiled(mod, f));
        /* a copy where f5's and f40's last i32.add (0x6a) is an i64.add
         * (0x7c): "type mismatch" in both */
        memcpy(bad, wasm, wasm_len);
        for (uint32_t f = 5; f <= 40; f += 35) {
            const wasm_code *c = &mod->m.codes[f];
            for (uint32_t at = c->body_end; at-- > c->body_start;) {
                if (bad[at] != 0x6a) continue;
                bad[at] = 0x7c;
                if (f == 5) at5 = at;
                changed++;
                break;
            }
        }
    }
    hive_module_release(mod);
    mod = NULL;
    CHECK_EQ_INT(changed, 2);
    if (changed == 2) {
        CHECK_EQ_INT(hive_module_new(engine, bad, wasm_len, &mod, &err), HIVE_EINVALID);
        CHECK(err.offset == at5 || err.offset == at5 + 1);
        CHECK(strstr(err.message, "type mismatch") != NULL);
    }
    unsetenv("HIVE_LOAD_THREADS");
    hive_module_release(mod);
    hive_engine_free(engine);
    free(bad);
}

/* A first call whose frame does not fit: the trap is at the call (the
 * caller's frame only), lazily as eagerly, the first time as the next. */
static void test_first_call_exhausts(void) {
    static const uint8_t big[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,             /* header */
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,                   /* () -> i32 */
        0x03, 0x03, 0x02, 0x00, 0x00,                               /* two functions */
        0x07, 0x09, 0x01, 0x05, 'e', 'n', 't', 'r', 'y', 0x00, 0x01, /* export entry = 1 */
        0x0a, 0x0e, 0x02,                                           /* code */
        0x07, 0x01, 0xc8, 0x01, 0x7e, 0x41, 0x01, 0x0b,             /* 200 i64 locals; 1 */
        0x04, 0x00, 0x10, 0x00, 0x0b,                               /* call 0 */
    };
    for (int eager = 0; eager < 2; eager++) {
        hive_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.value_stack_slots = 100;
        cfg.flags = eager ? HIVE_CONFIG_EAGER : 0;
        hive_engine *engine = hive_engine_new(&cfg);
        hive_module *mod = NULL;
        hive_instance *inst = NULL;
        hive_exec *exec = hive_exec_new(engine);
        hive_error err;
        CHECK(hive_module_new(engine, big, sizeof big, &mod, &err) == HIVE_OK);
        if (mod) CHECK(hive_instance_new(engine, mod, NULL, 0, &inst, &err) == HIVE_OK);
        hive_func *entry = inst ? export_func(inst, "entry") : NULL;
        CHECK(entry != NULL);
        for (int k = 0; entry && k < 2; k++) {
            CHECK_EQ_INT(hive_exec_call(exec, entry, NULL, 0, 0), HIVE_TRAPPED);
            const hive_trap *t = hive_exec_trap(exec);
            CHECK(t && t->kind == HIVE_TRAP_STACK_EXHAUSTED);
            CHECK(t && t->nframes == 1 && t->frames[0].func_index == 1);
        }
        if (mod) CHECK(is_compiled(mod, 0)); /* compiled, just too big */
        hive_exec_free(exec);
        if (inst) hive_instance_free(inst);
        hive_module_release(mod);
        hive_engine_free(engine);
    }
}

/* ---- running out of memory while compiling ------------------------------ */

static atomic_bool fail_allocs;

static void *failing_alloc(void *ud, void *ptr, size_t size) {
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    if (atomic_load(&fail_allocs)) return NULL;
    return realloc(ptr, size);
}

static void test_compile_oom(void) {
    hive_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.alloc = failing_alloc;
    hive_engine *engine = hive_engine_new(&cfg);
    hive_module *mod = NULL;
    hive_instance *inst = NULL;
    hive_exec *exec = hive_exec_new(engine);
    hive_error err;
    CHECK(hive_module_new(engine, wasm, wasm_len, &mod, &err) == HIVE_OK);
    if (!mod) goto out;
    CHECK(hive_instance_new(engine, mod, NULL, 0, &inst, &err) == HIVE_OK);
    if (!inst) goto out;
    uint32_t r = 0;
    /* the entry: f0's first call */
    atomic_store(&fail_allocs, true);
    CHECK(call_i32(exec, inst, "f0", 1, 0, &r, NULL) == HIVE_TRAPPED);
    atomic_store(&fail_allocs, false);
    const hive_trap *t = hive_exec_trap(exec);
    CHECK(t && t->kind == HIVE_TRAP_OUT_OF_MEMORY);
    CHECK(!is_compiled(mod, 0));
    /* a call inside wasm: f1 is compiled, f0 cannot be */
    hive_func *f1 = export_func(inst, "f1");
    CHECK(f1 && hv_module_code_cells(mod, f1->code) != NULL);
    atomic_store(&fail_allocs, true);
    CHECK(call_i32(exec, inst, "f1", 1, 0, &r, NULL) == HIVE_TRAPPED);
    atomic_store(&fail_allocs, false);
    t = hive_exec_trap(exec);
    CHECK(t && t->kind == HIVE_TRAP_OUT_OF_MEMORY);
    CHECK(t && t->nframes >= 1 && t->frames[0].func_index == 1);
    CHECK(!is_compiled(mod, 0));
    /* with memory again, both run */
    CHECK(call_i32(exec, inst, "f1", 1, 0, &r, NULL) == HIVE_DONE);
    CHECK_EQ_INT(r, expect_f(1, 1));
    CHECK(call_i32(exec, inst, "f0", 1, 0, &r, NULL) == HIVE_DONE);
    CHECK_EQ_INT(r, expect_f(0, 1));
out:
    atomic_store(&fail_allocs, false);
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(mod);
    hive_engine_free(engine);
}

/* ---- threads racing on first calls ------------------------------------------ */

#define THREADS 6
#define ROUNDS 12

typedef struct racer {
    hive_engine *engine;
    hive_module *mod;
    pthread_barrier_t *go;
    int id;
    int failures;
} racer;

static void *race(void *p) {
    racer *rc = p;
    hive_instance *inst = NULL;
    hive_exec *exec = hive_exec_new(rc->engine);
    hive_error err;
    if (!exec || hive_instance_new(rc->engine, rc->mod, NULL, 0, &inst, &err) != HIVE_OK) {
        rc->failures++;
        pthread_barrier_wait(rc->go);
        goto out;
    }
    pthread_barrier_wait(rc->go);
    /* half the threads climb from the bottom, half start at the top, so
     * that different threads reach different functions first */
    for (uint32_t k = 0; k < N; k++) {
        uint32_t i = rc->id % 2 ? k : N - 1 - k;
        char name[16];
        snprintf(name, sizeof name, "f%u", i);
        uint32_t r = 0;
        if (call_i32(exec, inst, name, (uint32_t)rc->id, rc->id % 3 ? 0 : 7, &r, NULL) !=
                HIVE_DONE ||
            r != expect_f(i, (uint32_t)rc->id))
            rc->failures++;
    }
out:
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    return NULL;
}

static void test_race(void) {
    for (int round = 0; round < ROUNDS; round++) {
        hive_engine *engine = hive_engine_new(NULL);
        hive_module *mod = NULL;
        hive_error err;
        CHECK(hive_module_new(engine, wasm, wasm_len, &mod, &err) == HIVE_OK);
        if (!mod) {
            hive_engine_free(engine);
            return;
        }
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, THREADS);
        racer r[THREADS];
        pthread_t th[THREADS];
        for (int i = 0; i < THREADS; i++) {
            r[i] = (racer){engine, mod, &go, i, 0};
            CHECK(pthread_create(&th[i], NULL, race, &r[i]) == 0);
        }
        for (int i = 0; i < THREADS; i++) {
            pthread_join(th[i], NULL);
            CHECK_EQ_INT(r[i].failures, 0);
        }
        pthread_barrier_destroy(&go);
        /* each function compiled once, the others not at all */
        CHECK_EQ_INT(compiled(mod), N);
        for (uint32_t f = 0; f < NFUNCS; f++) CHECK(is_compiled(mod, f) == (f < N));
        hive_module_release(mod);
        hive_engine_free(engine);
    }
}

/* ---- threads racing on a function's inline copies -------------------------- */

/* Threads of one module run the same hot loop at once: one of them finds
 * it hot and lays out its copies (and its callee's) while the others keep
 * running its cells, whose first cells it then re-points
 * (docs/ARCHITECTURE.md, "Inline copies: when"). */
typedef struct tier_racer {
    hive_engine *engine;
    hive_module *mod;
    pthread_barrier_t *go;
    uint32_t n, budget;
    int failures;
} tier_racer;

static void *tier_race(void *p) {
    tier_racer *rc = p;
    hive_instance *inst = NULL;
    hive_exec *exec = hive_exec_new(rc->engine);
    hive_error err;
    bool ok = exec && hive_instance_new(rc->engine, rc->mod, NULL, 0, &inst, &err) == HIVE_OK;
    pthread_barrier_wait(rc->go);
    uint32_t r = 0;
    if (!ok || call_i32(exec, inst, "sum", rc->n, rc->budget, &r, NULL) != HIVE_DONE ||
        r != sum_ref(rc->n))
        rc->failures++;
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    return NULL;
}

static void test_tier_race(void) {
    for (int round = 0; round < 4; round++) {
        hive_engine *engine = hive_engine_new(NULL);
        hive_module *mod = NULL;
        hive_error err;
        CHECK(hive_module_new(engine, sum_wasm, sizeof sum_wasm, &mod, &err) == HIVE_OK);
        if (!mod) {
            hive_engine_free(engine);
            return;
        }
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, THREADS);
        tier_racer r[THREADS];
        pthread_t th[THREADS];
        for (int i = 0; i < THREADS; i++) {
            r[i] = (tier_racer){engine, mod, &go, 30000u + 1000u * (uint32_t)i, i % 2 ? 0 : 5000, 0};
            CHECK(pthread_create(&th[i], NULL, tier_race, &r[i]) == 0);
        }
        for (int i = 0; i < THREADS; i++) {
            pthread_join(th[i], NULL);
            CHECK_EQ_INT(r[i].failures, 0);
        }
        pthread_barrier_destroy(&go);
        /* the copies were made (where this machine can make any) */
        if (hv_inline_available()) CHECK(mod->m.icode_used > 0 && !mod->m.codes[0].tier_insns);
        hive_module_release(mod);
        hive_engine_free(engine);
    }
}

/* ---- a module's many runs: everything gets copies, a batch at a time ------- */

/* One engine with the module instantiated (start not run) and an exec. */
typedef struct one {
    hive_engine *engine;
    hive_module *mod;
    hive_instance *inst;
    hive_exec *exec;
} one;

static bool one_open(one *o) {
    hive_error err;
    memset(o, 0, sizeof *o);
    o->engine = hive_engine_new(NULL);
    o->exec = hive_exec_new(o->engine);
    CHECK(hive_module_new(o->engine, wasm, wasm_len, &o->mod, &err) == HIVE_OK);
    CHECK(o->mod && hive_instance_new(o->engine, o->mod, NULL, 0, &o->inst, &err) == HIVE_OK);
    return !test_cur_failed;
}

static void one_close(one *o) {
    hive_exec_free(o->exec);
    if (o->inst) hive_instance_free(o->inst);
    hive_module_release(o->mod);
    hive_engine_free(o->engine);
}

/* f{N-1} calls the whole chain: N functions compiled by one short run
 * (no slice ends in it). The module's 256th run starts the copying of
 * everything compiled; hv_compile_tier_more copies them in index order a
 * batch at a time, here one function per batch. */
static void test_tier_batches(void) {
    if (!hv_inline_available()) return;
    one o;
    if (!one_open(&o)) {
        one_close(&o);
        return;
    }
    hive_engine *engine = o.engine;
    hive_module *mod = o.mod;
    hive_instance *inst = o.inst;
    hive_exec *exec = o.exec;
    char name[16];
    snprintf(name, sizeof name, "f%u", N - 1);
    uint32_t r = 0;
    CHECK(call_i32(exec, inst, name, 5, 0, &r, NULL) == HIVE_DONE && r == expect_f(N - 1, 5));
    /* all N compiled, none copied */
    size_t pending = 0;
    for (uint32_t f = 0; f < NFUNCS; f++) pending += mod->m.codes[f].tier_insns != NULL;
    CHECK_EQ_INT(pending, N);
    pthread_mutex_lock(&mod->compile_lock);
    size_t batches = 0;
    while (!hv_compile_tier_more(engine, &mod->m, 1, &mod->compiler) && batches < 1000) batches++;
    pthread_mutex_unlock(&mod->compile_lock);
    CHECK_EQ_INT(batches, N); /* one function a batch, then one that finds none left */
    CHECK(mod->m.tier_all);
    for (uint32_t f = 0; f < NFUNCS; f++) CHECK(mod->m.codes[f].tier_insns == NULL);
    CHECK(mod->m.icode_used > 0);
    /* still right, on the copies; functions compiled from now on get
     * theirs at once */
    CHECK(call_i32(exec, inst, name, 9, 0, &r, NULL) == HIVE_DONE && r == expect_f(N - 1, 9));
    CHECK(call_i32(exec, inst, "peek", 1, 0, &r, NULL) == HIVE_DONE && r == 1); /* (no start run) */
    CHECK(mod->m.codes[F_PEEK].tier_insns == NULL && wasm_code_cells(&mod->m.codes[F_PEEK]));
    one_close(&o);
}

/* The same from runs alone: the 256th short run starts it and, the module
 * being smaller than a batch, finishes it. */
static void test_tier_runs(void) {
    if (!hv_inline_available()) return;
    one o;
    if (!one_open(&o)) {
        one_close(&o);
        return;
    }
    hive_module *mod = o.mod;
    hive_instance *inst = o.inst;
    hive_exec *exec = o.exec;
    uint32_t r = 0;
    /* (f1 and up: each makes a call, so each run reaches a unit check) */
    for (uint32_t k = 0; k < 255; k++) {
        char name[16];
        uint32_t f = 1 + k % (N - 1);
        snprintf(name, sizeof name, "f%u", f);
        CHECK(call_i32(exec, inst, name, k, 0, &r, NULL) == HIVE_DONE && r == expect_f(f, k));
    }
    CHECK(!mod->m.tier_all && mod->m.icode_used == 0);
    CHECK(call_i32(exec, inst, "f3", 1, 0, &r, NULL) == HIVE_DONE && r == expect_f(3, 1));
    CHECK(mod->m.tier_all && mod->m.tier_done && mod->m.icode_used > 0);
    CHECK(call_i32(exec, inst, "f40", 1, 0, &r, NULL) == HIVE_DONE && r == expect_f(40, 1));
    one_close(&o);
}

int main(void) {
    unsetenv("HIVE_EAGER"); /* these tests are about the default */
    unsetenv("HIVE_TIER");
    wasm = build_module(&wasm_len);
    RUN(test_first_calls);
    RUN(test_budget_one);
    RUN(test_eager);
    RUN(test_invalid_uncalled);
    RUN(test_parallel_check);
    RUN(test_first_call_exhausts);
    RUN(test_compile_oom);
    RUN(test_race);
    RUN(test_tier_race);
    RUN(test_tier_batches);
    RUN(test_tier_runs);
    free(wasm);
    return test_summary("lazy");
}
