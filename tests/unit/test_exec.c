/*
 * test_exec.c -- execution through the public API: budget slices,
 * interrupts from another thread, pending host calls, instances of one
 * module on two threads, resuming on another thread, stack exhaustion and
 * trap backtraces. The module is hand-assembled (wat2wasm --debug-names
 * output of the text below, kept as bytes so the test needs no tools).
 */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "hive/wasm.h"
#include "testutil.h"

/*
 * (module
 *   (import "env" "pending" (func $pending (param i32) (result i32)))
 *   (func $sum (export "sum") (param $n i32) (result i64) (local $acc i64)
 *     (block $done
 *       (loop $l
 *         (br_if $done (i32.eqz (local.get $n)))
 *         (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
 *         (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *         (br $l)))
 *     (local.get $acc))
 *   (func $spin (export "spin") (loop $l (br $l)))
 *   (func $use_pending (export "use_pending") (param i32) (result i32)
 *     (i32.add (call $pending (local.get 0)) (i32.const 1)))
 *   (func $recurse (export "recurse") (param i32) (result i32)
 *     (if (result i32) (i32.eqz (local.get 0))
 *       (then (i32.const 0))
 *       (else (i32.add (i32.const 1) (call $recurse (i32.sub (local.get 0) (i32.const 1)))))))
 *   (func $inner (param i32) (result i32)
 *     (i32.div_u (i32.const 1) (local.get 0)))
 *   (func $outer_fn (export "outer") (param i32) (result i32)
 *     (call $inner (local.get 0)))
 * )
 */
static const uint8_t exec_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7e, 0x60, 0x00, 0x00,
  0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x70, 0x65, 0x6e, 0x64,
  0x69, 0x6e, 0x67, 0x00, 0x00, 0x03, 0x07, 0x06, 0x01, 0x02, 0x00, 0x00,
  0x00, 0x00, 0x07, 0x2e, 0x05, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x01, 0x04,
  0x73, 0x70, 0x69, 0x6e, 0x00, 0x02, 0x0b, 0x75, 0x73, 0x65, 0x5f, 0x70,
  0x65, 0x6e, 0x64, 0x69, 0x6e, 0x67, 0x00, 0x03, 0x07, 0x72, 0x65, 0x63,
  0x75, 0x72, 0x73, 0x65, 0x00, 0x04, 0x05, 0x6f, 0x75, 0x74, 0x65, 0x72,
  0x00, 0x06, 0x0a, 0x5b, 0x06, 0x22, 0x01, 0x01, 0x7e, 0x02, 0x40, 0x03,
  0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x20, 0x00, 0xad, 0x7c,
  0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b,
  0x0b, 0x20, 0x01, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
  0x09, 0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x15, 0x00,
  0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x41, 0x01, 0x20, 0x00,
  0x41, 0x01, 0x6b, 0x10, 0x04, 0x6a, 0x0b, 0x0b, 0x07, 0x00, 0x41, 0x01,
  0x20, 0x00, 0x6e, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x05, 0x0b, 0x00,
  0x5c, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x3c, 0x07, 0x00, 0x07, 0x70,
  0x65, 0x6e, 0x64, 0x69, 0x6e, 0x67, 0x01, 0x03, 0x73, 0x75, 0x6d, 0x02,
  0x04, 0x73, 0x70, 0x69, 0x6e, 0x03, 0x0b, 0x75, 0x73, 0x65, 0x5f, 0x70,
  0x65, 0x6e, 0x64, 0x69, 0x6e, 0x67, 0x04, 0x07, 0x72, 0x65, 0x63, 0x75,
  0x72, 0x73, 0x65, 0x05, 0x05, 0x69, 0x6e, 0x6e, 0x65, 0x72, 0x06, 0x08,
  0x6f, 0x75, 0x74, 0x65, 0x72, 0x5f, 0x66, 0x6e, 0x02, 0x17, 0x07, 0x00,
  0x00, 0x01, 0x02, 0x00, 0x01, 0x6e, 0x01, 0x03, 0x61, 0x63, 0x63, 0x02,
  0x00, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00
};

/* ---- fixture -------------------------------------------------------------- */

static const uint8_t i32_type[] = {HIVE_I32};

/* The import env.pending: answers later (PENDING) when user is NULL, at
 * once with arg * 2 otherwise. */
static hive_host_status host_pending(hive_host_call *call, const hive_val *args,
                                     hive_val *results) {
    if (call->user) {
        results[0].type = HIVE_I32;
        results[0].of.i32 = args[0].of.i32 * 2;
        return HIVE_HOST_OK;
    }
    return HIVE_HOST_PENDING;
}

typedef struct fixture {
    hive_engine *engine;
    hive_module *module;
    hive_func *host;
    hive_instance *inst;
    hive_exec *exec;
} fixture;

static int fixture_instance(fixture *f, hive_instance **inst) {
    hive_extern imp = {.kind = HIVE_EXTERN_FUNC, .of.func = f->host};
    hive_error err;
    int rc = hive_instance_new(f->engine, f->module, &imp, 1, inst, &err);
    if (rc) fprintf(stderr, "instantiate: %s\n", err.message);
    return rc;
}

/* host_user NULL: env.pending answers PENDING. */
static int fixture_open(fixture *f, const hive_config *config, void *host_user) {
    memset(f, 0, sizeof *f);
    f->engine = hive_engine_new(config);
    if (!f->engine) return -1;
    hive_error err;
    if (hive_module_new(f->engine, exec_wasm, sizeof exec_wasm, &f->module, &err)) {
        fprintf(stderr, "module: %s\n", err.message);
        return -1;
    }
    hive_functype t = {1, 1, i32_type, i32_type};
    f->host = hive_func_new_host(f->engine, &t, host_pending, host_user, NULL, "pending");
    if (!f->host || fixture_instance(f, &f->inst)) return -1;
    f->exec = hive_exec_new(f->engine);
    return f->exec ? 0 : -1;
}

static void fixture_close(fixture *f) {
    hive_exec_free(f->exec);
    hive_instance_free(f->inst);
    hive_func_free(f->host);
    hive_module_release(f->module);
    hive_engine_free(f->engine);
}

static hive_func *export_func(hive_instance *inst, const char *name) {
    hive_extern e;
    if (hive_instance_export(inst, name, strlen(name), &e) || e.kind != HIVE_EXTERN_FUNC)
        return NULL;
    return e.of.func;
}

static hive_val i32_val(uint32_t v) {
    hive_val x;
    memset(&x, 0, sizeof x);
    x.type = HIVE_I32;
    x.of.i32 = v;
    return x;
}

/* sum(n) = n (n + 1) / 2 as i64 */
static uint64_t expected_sum(uint32_t n) { return (uint64_t)n * (n + 1) / 2; }

static uint64_t result_i64(hive_exec *exec) {
    hive_val r;
    if (hive_exec_results(exec, &r, 1) != 1 || r.type != HIVE_I64) return UINT64_MAX;
    return r.of.i64;
}

/* ---- (a) budget slices ---------------------------------------------------- */

static void test_budget_slices(void) {
    fixture f;
    CHECK(fixture_open(&f, NULL, NULL) == 0);
    hive_func *sum = export_func(f.inst, "sum");
    CHECK(sum != NULL);
    if (!sum) goto out;
    hive_val n = i32_val(10000);
    CHECK_EQ_INT(hive_exec_call(f.exec, sum, &n, 1, 0), HIVE_DONE);
    uint64_t whole = result_i64(f.exec);
    CHECK(whole == expected_sum(10000));

    hive_status st = hive_exec_call(f.exec, sum, &n, 1, 100);
    int slices = 1;
    while (st == HIVE_SUSPENDED && slices < 1000000) {
        CHECK_EQ_INT(hive_exec_status(f.exec), HIVE_SUSPENDED);
        st = hive_exec_resume(f.exec, 100);
        slices++;
    }
    CHECK_EQ_INT(st, HIVE_DONE);
    CHECK(slices >= 100); /* 10001 loop iterations, 100 per slice */
    CHECK(result_i64(f.exec) == whole);
    CHECK_EQ_INT(hive_exec_status(f.exec), HIVE_DONE);
    /* Resuming an idle exec is the embedder's mistake. */
    CHECK_EQ_INT(hive_exec_resume(f.exec, 0), HIVE_FAILED);
    /* So are wrong arguments. */
    hive_val wrong = i32_val(1);
    wrong.type = HIVE_I64;
    CHECK_EQ_INT(hive_exec_call(f.exec, sum, &wrong, 1, 0), HIVE_FAILED);
    CHECK_EQ_INT(hive_exec_call(f.exec, sum, NULL, 0, 0), HIVE_FAILED);
    /* A call while another is suspended is refused; reset abandons it. */
    CHECK_EQ_INT(hive_exec_call(f.exec, sum, &n, 1, 10), HIVE_SUSPENDED);
    CHECK_EQ_INT(hive_exec_call(f.exec, sum, &n, 1, 10), HIVE_FAILED);
    hive_exec_reset(f.exec);
    CHECK_EQ_INT(hive_exec_call(f.exec, sum, &n, 1, 0), HIVE_DONE);
    CHECK(result_i64(f.exec) == whole);
out:
    fixture_close(&f);
}

/* ---- (b) interrupt from another thread ------------------------------------ */

typedef struct run_arg {
    hive_exec *exec;
    hive_func *func;
    hive_val args[1];
    size_t nargs;
    uint64_t budget;
    int resume; /* resume instead of call */
    hive_status status;
} run_arg;

static void *run_thread(void *p) {
    run_arg *a = p;
    if (a->resume)
        a->status = hive_exec_resume(a->exec, a->budget);
    else
        a->status = hive_exec_call(a->exec, a->func, a->args, a->nargs, a->budget);
    return NULL;
}

/* Joins t, giving up (a failure, not a hang) after seconds. */
static int join_within(pthread_t t, int seconds) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += seconds;
    return pthread_timedjoin_np(t, NULL, &ts);
}

static void test_interrupt(void) {
    fixture f;
    CHECK(fixture_open(&f, NULL, NULL) == 0);
    hive_func *spin = export_func(f.inst, "spin");
    CHECK(spin != NULL);
    if (!spin) goto out;
    run_arg a = {.exec = f.exec, .func = spin, .nargs = 0, .budget = 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_thread, &a) == 0);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    hive_exec_interrupt(f.exec);
    int joined = join_within(t, 10);
    CHECK(joined == 0);
    if (joined != 0) {
        fprintf(stderr, "interrupt not honoured; giving up\n");
        _exit(1);
    }
    CHECK_EQ_INT(a.status, HIVE_SUSPENDED);
    CHECK_EQ_INT(hive_exec_status(f.exec), HIVE_SUSPENDED);
    /* The interrupt was cleared when honoured: a slice runs its budget. */
    CHECK_EQ_INT(hive_exec_resume(f.exec, 1000), HIVE_SUSPENDED);
    /* An interrupt sent while idle is kept for the next call (so one sent
     * just before a call starts is not lost): it stops at the first check. */
    hive_exec_reset(f.exec);
    hive_exec_interrupt(f.exec);
    CHECK_EQ_INT(hive_exec_call(f.exec, spin, NULL, 0, 0), HIVE_SUSPENDED);
out:
    fixture_close(&f); /* frees a suspended exec and its instance */
}

/* ---- (c) pending host call ------------------------------------------------ */

static void test_pending(void) {
    fixture f;
    CHECK(fixture_open(&f, NULL, NULL) == 0);
    hive_func *use = export_func(f.inst, "use_pending");
    CHECK(use != NULL);
    if (!use) goto out;
    hive_val arg = i32_val(5);
    CHECK_EQ_INT(hive_exec_call(f.exec, use, &arg, 1, 0), HIVE_PENDING);
    CHECK_EQ_INT(hive_exec_status(f.exec), HIVE_PENDING);
    CHECK_EQ_INT(hive_exec_resume(f.exec, 0), HIVE_FAILED); /* not completed yet */
    hive_val bad = i32_val(41);
    bad.type = HIVE_I64;
    CHECK_EQ_INT(hive_exec_complete(f.exec, &bad, 1), HIVE_EARG);
    hive_val r = i32_val(41);
    CHECK_EQ_INT(hive_exec_complete(f.exec, &r, 1), HIVE_OK);
    CHECK_EQ_INT(hive_exec_complete(f.exec, &r, 1), HIVE_ESTATE);
    CHECK_EQ_INT(hive_exec_resume(f.exec, 0), HIVE_DONE);
    hive_val out;
    CHECK_EQ_INT(hive_exec_results(f.exec, &out, 1), 1);
    CHECK_EQ_INT(out.type, HIVE_I32);
    CHECK_EQ_INT(out.of.i32, 42);

    /* Completed with a trap instead. */
    CHECK_EQ_INT(hive_exec_call(f.exec, use, &arg, 1, 0), HIVE_PENDING);
    CHECK_EQ_INT(hive_exec_complete_trap(f.exec, "no answer"), HIVE_OK);
    CHECK_EQ_INT(hive_exec_resume(f.exec, 0), HIVE_TRAPPED);
    const hive_trap *trap = hive_exec_trap(f.exec);
    CHECK_EQ_INT(trap->kind, HIVE_TRAP_HOST);
    CHECK(strcmp(trap->message, "no answer") == 0);
    CHECK(trap->nframes >= 1 && trap->frames[0].func_name &&
          strcmp(trap->frames[0].func_name, "use_pending") == 0);

    /* The host function called directly by the embedder. */
    CHECK_EQ_INT(hive_exec_call(f.exec, f.host, &arg, 1, 0), HIVE_PENDING);
    r = i32_val(7);
    CHECK_EQ_INT(hive_exec_complete(f.exec, &r, 1), HIVE_OK);
    CHECK_EQ_INT(hive_exec_resume(f.exec, 0), HIVE_DONE);
    CHECK_EQ_INT(hive_exec_results(f.exec, &out, 1), 1);
    CHECK_EQ_INT(out.of.i32, 7);
out:
    fixture_close(&f);
}

static void test_host_immediate(void) {
    fixture f;
    CHECK(fixture_open(&f, NULL, (void *)1) == 0);
    hive_func *use = export_func(f.inst, "use_pending");
    hive_val arg = i32_val(20);
    CHECK_EQ_INT(hive_exec_call(f.exec, use, &arg, 1, 0), HIVE_DONE);
    hive_val out;
    CHECK_EQ_INT(hive_exec_results(f.exec, &out, 1), 1);
    CHECK_EQ_INT(out.of.i32, 41);
    fixture_close(&f);
}

/* ---- (d) two instances of one module on two threads ----------------------- */

typedef struct worker {
    fixture *f;
    uint32_t n;
    int rounds;
    int ok;
} worker;

static void *worker_thread(void *p) {
    worker *w = p;
    hive_instance *inst = NULL;
    hive_exec *exec = hive_exec_new(w->f->engine);
    w->ok = exec && fixture_instance(w->f, &inst) == 0;
    hive_func *sum = w->ok ? export_func(inst, "sum") : NULL;
    for (int i = 0; sum && i < w->rounds; i++) {
        hive_val n = i32_val(w->n + (uint32_t)i);
        /* Small slices, to mix suspension into the concurrency. */
        hive_status st = hive_exec_call(exec, sum, &n, 1, 1000);
        while (st == HIVE_SUSPENDED) st = hive_exec_resume(exec, 1000);
        if (st != HIVE_DONE || result_i64(exec) != expected_sum(w->n + (uint32_t)i)) w->ok = 0;
    }
    if (!sum) w->ok = 0;
    hive_exec_free(exec);
    hive_instance_free(inst);
    return NULL;
}

static void test_two_threads(void) {
    fixture f;
    CHECK(fixture_open(&f, NULL, NULL) == 0);
    worker w[2] = {{&f, 200000, 20, 0}, {&f, 300000, 20, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, worker_thread, &w[i]) == 0);
    for (int i = 0; i < 2; i++) CHECK(join_within(t[i], 60) == 0);
    CHECK(w[0].ok);
    CHECK(w[1].ok);
    fixture_close(&f);
}

/* ---- (e) suspended on one thread, resumed on another ---------------------- */

static void test_resume_other_thread(void) {
    fixture f;
    CHECK(fixture_open(&f, NULL, NULL) == 0);
    hive_func *sum = export_func(f.inst, "sum");
    hive_val n = i32_val(50000);
    CHECK_EQ_INT(hive_exec_call(f.exec, sum, &n, 1, 10), HIVE_SUSPENDED);
    run_arg a = {.exec = f.exec, .resume = 1, .budget = 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_thread, &a) == 0);
    CHECK(join_within(t, 30) == 0);
    CHECK_EQ_INT(a.status, HIVE_DONE);
    CHECK(result_i64(f.exec) == expected_sum(50000));
    fixture_close(&f);
}

/* ---- (f) stack exhaustion ------------------------------------------------- */

static void check_recursion(const hive_config *config) {
    fixture f;
    CHECK(fixture_open(&f, config, NULL) == 0);
    hive_func *rec = export_func(f.inst, "recurse");
    CHECK(rec != NULL);
    if (!rec) goto out;
    hive_val n = i32_val(10000000);
    CHECK_EQ_INT(hive_exec_call(f.exec, rec, &n, 1, 0), HIVE_TRAPPED);
    const hive_trap *trap = hive_exec_trap(f.exec);
    CHECK_EQ_INT(trap->kind, HIVE_TRAP_STACK_EXHAUSTED);
    CHECK(strcmp(trap->message, "call stack exhausted") == 0);
    CHECK_EQ_INT(hive_exec_status(f.exec), HIVE_TRAPPED);
    /* The exec is reusable. */
    n = i32_val(100);
    CHECK_EQ_INT(hive_exec_call(f.exec, rec, &n, 1, 0), HIVE_DONE);
    hive_val out;
    CHECK_EQ_INT(hive_exec_results(f.exec, &out, 1), 1);
    CHECK_EQ_INT(out.of.i32, 100);
out:
    fixture_close(&f);
}

static void test_stack_exhausted(void) {
    check_recursion(NULL); /* the frame limit */
    hive_config small = {.value_stack_slots = 4096, .max_call_depth = 1000000};
    check_recursion(&small); /* the value stack */
}

/* ---- (g) trap backtrace names the functions ------------------------------- */

static void test_backtrace(void) {
    fixture f;
    CHECK(fixture_open(&f, NULL, NULL) == 0);
    hive_func *outer = export_func(f.inst, "outer");
    CHECK(outer != NULL);
    if (!outer) goto out;
    hive_val zero = i32_val(0);
    CHECK_EQ_INT(hive_exec_call(f.exec, outer, &zero, 1, 0), HIVE_TRAPPED);
    const hive_trap *trap = hive_exec_trap(f.exec);
    CHECK_EQ_INT(trap->kind, HIVE_TRAP_INT_DIV_ZERO);
    CHECK(strcmp(trap->message, "integer divide by zero") == 0);
    CHECK_EQ_INT(trap->nframes, 2);
    /* Names from the name section: "inner" is not exported at all and
     * "outer_fn" is exported as "outer". */
    CHECK_EQ_INT(trap->frames[0].func_index, 5);
    CHECK(trap->frames[0].func_name && strcmp(trap->frames[0].func_name, "inner") == 0);
    CHECK_EQ_INT(trap->frames[1].func_index, 6);
    CHECK(trap->frames[1].func_name && strcmp(trap->frames[1].func_name, "outer_fn") == 0);
    hive_val one = i32_val(1);
    CHECK_EQ_INT(hive_exec_call(f.exec, outer, &one, 1, 0), HIVE_DONE);
out:
    fixture_close(&f);
}

/* ---- NULL tolerance and external values ----------------------------------- */

static void test_null_and_externs(void) {
    hive_exec_free(NULL);
    hive_instance_free(NULL);
    hive_engine_free(NULL);
    hive_func_free(NULL);
    hive_memory_free(NULL);
    hive_table_free(NULL);
    hive_global_free(NULL);
    hive_exec_reset(NULL);
    hive_exec_interrupt(NULL);
    CHECK_EQ_INT(hive_exec_call(NULL, NULL, NULL, 0, 0), HIVE_FAILED);
    CHECK(hive_memory_data(NULL) == NULL);
    CHECK(hive_memory_size(NULL) == 0);
    CHECK(hive_memory_grow(NULL, 1) == -1);
    CHECK(hive_table_size(NULL) == 0);

    hive_config cfg = {.max_memory_pages = 4};
    hive_engine *e = hive_engine_new(&cfg);
    CHECK(e != NULL);
    hive_limits l = {.min = 1, .max = 0, .has_max = 0};
    hive_memory *m = hive_memory_new(e, l);
    CHECK(m != NULL);
    uint8_t *base = hive_memory_data(m);
    CHECK(hive_memory_size(m) == 65536);
    CHECK(hive_memory_grow(m, 2) == 1);
    CHECK(hive_memory_data(m) == base); /* never moves */
    CHECK(hive_memory_grow(m, 2) == -1); /* the engine's limit: 4 pages */
    CHECK(hive_memory_grow(m, 1) == 3);
    CHECK(hive_memory_size(m) == 4 * 65536);
    base[4 * 65536 - 1] = 1;
    CHECK(hive_memory_ptr(m, 4 * 65536 - 1, 1) == base + 4 * 65536 - 1);
    CHECK(hive_memory_ptr(m, 4 * 65536 - 1, 2) == NULL);
    CHECK(hive_memory_ptr(m, UINT64_MAX, 2) == NULL);
    hive_memory_free(m);

    hive_limits tl = {.min = 2, .max = 3, .has_max = 1};
    hive_table *t = hive_table_new(e, HIVE_FUNCREF, tl, NULL);
    CHECK(t != NULL);
    CHECK_EQ_INT(hive_table_size(t), 2);
    void *ref = (void *)1;
    CHECK_EQ_INT(hive_table_get(t, 1, &ref), HIVE_OK);
    CHECK(ref == NULL);
    CHECK_EQ_INT(hive_table_get(t, 2, &ref), HIVE_EARG);
    CHECK_EQ_INT(hive_table_set(t, 1, t), HIVE_OK);
    CHECK_EQ_INT(hive_table_get(t, 1, &ref), HIVE_OK);
    CHECK(ref == t);
    hive_table_free(t);

    hive_val v = i32_val(5);
    hive_global *g = hive_global_new(e, v, 0);
    CHECK(g != NULL);
    CHECK_EQ_INT(hive_global_get(g).of.i32, 5);
    CHECK_EQ_INT(hive_global_set(g, v), HIVE_ESTATE);
    hive_global_free(g);
    g = hive_global_new(e, v, 1);
    v.of.i32 = 9;
    CHECK_EQ_INT(hive_global_set(g, v), HIVE_OK);
    CHECK_EQ_INT(hive_global_get(g).of.i32, 9);
    v.type = HIVE_I64;
    CHECK_EQ_INT(hive_global_set(g, v), HIVE_EARG);
    hive_global_free(g);
    hive_engine_free(e);
}

/* ---- (h) compiler folds under suspension ------------------------------------ */

/*
 * The register-style compiler (validate.c) folds local.get into operands,
 * local.set/tee into the destination of the instruction before, constants
 * into immediates and comparisons into branches. This module exercises
 * each where a suspension (budget 1: at every loop header and call) or a
 * pending host call lands between the folded pieces: a local read by a
 * pending operand while a tee overwrites it, values live across a call,
 * select, fused compare-and-branch with and without constants.
 *
 * (module
 *   (import "env" "pending" (func $pending (param i32) (result i32)))
 *   (func $id (param i32) (result i32) (local.get 0))
 *   (func (export "fused") (param $n i32) (result i32) (local $i i32) (local $acc i32) (local $t i32)
 *     (block $done
 *       (loop $l
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
 *         (local.set $t (i32.add (local.get $acc)
 *                                (local.tee $acc (i32.mul (local.get $acc) (i32.const 3)))))
 *         (local.set $acc (i32.xor (local.get $acc) (local.get $t)))
 *         (local.set $acc (i32.add (local.get $acc) (call $id (i32.add (local.get $i) (i32.const 7)))))
 *         (local.set $acc (select (local.get $acc) (i32.sub (local.get $acc) (i32.const 1))
 *                                 (i32.lt_s (local.get $i) (i32.const 5))))
 *         (if (i32.eq (i32.and (local.get $i) (i32.const 3)) (i32.const 0))
 *           (then (local.set $acc (i32.rotl (local.get $acc) (i32.const 1)))))
 *         (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *         (br $l)))
 *     (local.get $acc))
 *   (func (export "pend_loop") (param $n i32) (result i32) (local $acc i32)
 *     (loop $l
 *       (local.set $acc (i32.add (local.get $acc)
 *                                (i32.add (local.get $n) (call $pending (local.get $n)))))
 *       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
 *     (local.get $acc)))
 */
static const uint8_t fused_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x07,
  0x70, 0x65, 0x6e, 0x64, 0x69, 0x6e, 0x67, 0x00, 0x00, 0x03, 0x04, 0x03,
  0x00, 0x00, 0x00, 0x07, 0x15, 0x02, 0x05, 0x66, 0x75, 0x73, 0x65, 0x64,
  0x00, 0x02, 0x09, 0x70, 0x65, 0x6e, 0x64, 0x5f, 0x6c, 0x6f, 0x6f, 0x70,
  0x00, 0x03, 0x0a, 0x82, 0x01, 0x03, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x5c,
  0x01, 0x03, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4f,
  0x0d, 0x01, 0x20, 0x02, 0x20, 0x02, 0x41, 0x03, 0x6c, 0x22, 0x02, 0x6a,
  0x21, 0x03, 0x20, 0x02, 0x20, 0x03, 0x73, 0x21, 0x02, 0x20, 0x02, 0x20,
  0x01, 0x41, 0x07, 0x6a, 0x10, 0x01, 0x6a, 0x21, 0x02, 0x20, 0x02, 0x20,
  0x02, 0x41, 0x01, 0x6b, 0x20, 0x01, 0x41, 0x05, 0x48, 0x1b, 0x21, 0x02,
  0x20, 0x01, 0x41, 0x03, 0x71, 0x41, 0x00, 0x46, 0x04, 0x40, 0x20, 0x02,
  0x41, 0x01, 0x77, 0x21, 0x02, 0x0b, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21,
  0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x0b, 0x1e, 0x01, 0x01, 0x7f,
  0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x20, 0x00, 0x10, 0x00, 0x6a, 0x6a,
  0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b,
  0x20, 0x01, 0x0b
};

static uint32_t fused_ref(uint32_t n) {
    uint32_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t old = acc;
        acc = acc * 3;
        uint32_t t = old + acc;
        acc ^= t;
        acc += i + 7;
        if ((int32_t)i >= 5) acc -= 1;
        if ((i & 3) == 0) acc = acc << 1 | acc >> 31;
    }
    return acc;
}

static uint32_t result_i32(hive_exec *exec) {
    hive_val r;
    if (hive_exec_results(exec, &r, 1) != 1 || r.type != HIVE_I32) return UINT32_MAX;
    return r.of.i32;
}

static void test_folds_resume(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, fused_wasm, sizeof fused_wasm, &module, &err) == HIVE_OK);
    hive_functype t = {1, 1, i32_type, i32_type};
    hive_func *host = hive_func_new_host(engine, &t, host_pending, NULL, NULL, "pending");
    hive_extern imp = {.kind = HIVE_EXTERN_FUNC, .of.func = host};
    CHECK(module && hive_instance_new(engine, module, &imp, 1, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    hive_func *fused = inst ? export_func(inst, "fused") : NULL;
    hive_func *pend = inst ? export_func(inst, "pend_loop") : NULL;
    CHECK(exec && fused && pend);
    if (!exec || !fused || !pend) goto out;

    hive_val n = i32_val(1000);
    CHECK_EQ_INT(hive_exec_call(exec, fused, &n, 1, 0), HIVE_DONE);
    CHECK(result_i32(exec) == fused_ref(1000));
    hive_status st = hive_exec_call(exec, fused, &n, 1, 1);
    int slices = 1;
    while (st == HIVE_SUSPENDED && slices < 100000) {
        st = hive_exec_resume(exec, 1);
        slices++;
    }
    CHECK_EQ_INT(st, HIVE_DONE);
    CHECK(slices >= 2000); /* a loop header and a call per iteration */
    CHECK(result_i32(exec) == fused_ref(1000));

    /* Every iteration waits for the host (called with n = 50, 49 .. 1),
     * which answers 2n later: acc = sum of 3n. */
    n = i32_val(50);
    uint32_t next = 50, answers = 0;
    st = hive_exec_call(exec, pend, &n, 1, 1);
    while ((st == HIVE_SUSPENDED || st == HIVE_PENDING) && answers <= 50) {
        if (st == HIVE_PENDING) {
            hive_val r = i32_val(2 * next--);
            CHECK_EQ_INT(hive_exec_complete(exec, &r, 1), HIVE_OK);
            answers++;
        }
        st = hive_exec_resume(exec, 1);
    }
    CHECK_EQ_INT(st, HIVE_DONE);
    CHECK_EQ_INT(answers, 50);
    CHECK(result_i32(exec) == 3 * 50 * 51 / 2);
out:
    hive_exec_free(exec);
    hive_instance_free(inst);
    hive_func_free(host);
    hive_module_release(module);
    hive_engine_free(engine);
}

/*
 * Loop back edges fused with the header's budget and interrupt check
 * (validate.c loop_op, interp.c LOOP_EDGE): br_if on a two-operand and a
 * constant compare, on eqz, a plain br, and a loop with a param whose
 * back edge moves a value (which keeps the LOOP_CHECK path). A taken back
 * edge without budget suspends with pc on the header; the header's check
 * then spends the unit on resume, so a slice of budget k runs exactly k
 * loop iterations (header executions) and the result is unchanged.
 *
 * (module
 *   (func (export "edges") (param $n i32) (result i32) (local $i i32) (local $acc i32)
 *     (loop $a
 *       (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br_if $a (i32.lt_u (local.get $i) (local.get $n))))
 *     (local.set $i (i32.const 0))
 *     (loop $b
 *       (local.set $acc (i32.xor (i32.mul (local.get $acc) (i32.const 7)) (local.get $i)))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br_if $b (i32.ne (local.get $i) (i32.const 100))))
 *     (local.set $i (local.get $n))
 *     (loop $c
 *       (local.set $acc (i32.add (local.get $acc) (i32.const 3)))
 *       (local.set $i (i32.sub (local.get $i) (i32.const 1)))
 *       (br_if $c (i32.eqz (i32.eqz (local.get $i)))))
 *     (local.set $i (i32.const 0))
 *     (block $out
 *       (loop $e
 *         (br_if $out (i32.ge_s (local.get $i) (local.get $n)))
 *         (local.set $acc (i32.rotl (local.get $acc) (i32.const 5)))
 *         (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *         (br $e)))
 *     (local.get $n)
 *     (loop $d (param i32) (result i32)
 *       (local.set $i (i32.sub (i32.const 1)))
 *       (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 5)) (i32.const 1)))
 *       (local.get $acc)
 *       (local.get $i)
 *       (br_if $d (local.get $i))
 *       (drop))))
 */
static const uint8_t edges_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x09, 0x01, 0x05,
  0x65, 0x64, 0x67, 0x65, 0x73, 0x00, 0x00, 0x0a, 0x9b, 0x01, 0x01, 0x98,
  0x01, 0x01, 0x02, 0x7f, 0x03, 0x40, 0x20, 0x02, 0x41, 0x1f, 0x6c, 0x20,
  0x01, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20,
  0x01, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b, 0x41, 0x00, 0x21, 0x01, 0x03,
  0x40, 0x20, 0x02, 0x41, 0x07, 0x6c, 0x20, 0x01, 0x73, 0x21, 0x02, 0x20,
  0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x01, 0x41, 0xe4, 0x00, 0x47,
  0x0d, 0x00, 0x0b, 0x20, 0x00, 0x21, 0x01, 0x03, 0x40, 0x20, 0x02, 0x41,
  0x03, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6b, 0x21, 0x01, 0x20,
  0x01, 0x45, 0x45, 0x0d, 0x00, 0x0b, 0x41, 0x00, 0x21, 0x01, 0x02, 0x40,
  0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4e, 0x0d, 0x01, 0x20, 0x02, 0x41,
  0x05, 0x77, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c,
  0x00, 0x0b, 0x0b, 0x20, 0x00, 0x03, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x01,
  0x20, 0x02, 0x41, 0x05, 0x6c, 0x41, 0x01, 0x6a, 0x21, 0x02, 0x20, 0x02,
  0x20, 0x01, 0x20, 0x01, 0x0d, 0x00, 0x1a, 0x0b, 0x0b
};

static uint32_t edges_ref(uint32_t n) {
    uint32_t acc = 0, i = 0;
    do {
        acc = acc * 31 + i;
        i++;
    } while (i < n);
    i = 0;
    do {
        acc = (acc * 7) ^ i;
        i++;
    } while (i != 100);
    i = n;
    do {
        acc += 3;
        i--;
    } while (i != 0);
    for (i = 0; (int32_t)i < (int32_t)n; i++) acc = acc << 5 | acc >> 27;
    uint32_t p = n;
    do {
        i = p - 1;
        acc = acc * 5 + 1;
        p = i;
    } while (i != 0);
    return acc;
}

static void test_loop_edges_resume(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, edges_wasm, sizeof edges_wasm, &module, &err) == HIVE_OK);
    CHECK(module && hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    hive_func *edges = inst ? export_func(inst, "edges") : NULL;
    CHECK(exec && edges);
    if (!exec || !edges) goto out;

    const uint32_t n = 300;
    const uint32_t headers = 4 * n + 101; /* loop header executions */
    hive_val arg = i32_val(n);
    CHECK_EQ_INT(hive_exec_call(exec, edges, &arg, 1, 0), HIVE_DONE);
    CHECK(result_i32(exec) == edges_ref(n));
    static const uint32_t budgets[] = {1, 2, 3, 7, 100};
    for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
        uint32_t k = budgets[b];
        hive_status st = hive_exec_call(exec, edges, &arg, 1, k);
        uint32_t slices = 1;
        while (st == HIVE_SUSPENDED && slices < 100000) {
            st = hive_exec_resume(exec, k);
            slices++;
        }
        CHECK_EQ_INT(st, HIVE_DONE);
        CHECK_EQ_INT(slices, (headers + k - 1) / k);
        CHECK(result_i32(exec) == edges_ref(n));
    }
out:
    hive_exec_free(exec);
    hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

/* Memory 0 of 1 page with two overlapping active data segments: "abc" at
 * 100, then "X" at 101 (the later segment wins). */
static const uint8_t image_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x05, 0x03, 0x01, 0x00, 0x01,                   /* memory: min 1 */
    0x0b, 0x11, 0x02,                               /* data: 2 segments */
    0x00, 0x41, 0xe4, 0x00, 0x0b, 0x03, 'a', 'b', 'c', /* at 100 */
    0x00, 0x41, 0xe5, 0x00, 0x0b, 0x01, 'X',           /* at 101 */
};

typedef struct image_arg {
    hive_engine *engine;
    hive_module *module;
    int ok;
} image_arg;

static void *image_thread(void *p) {
    image_arg *a = p;
    hive_error err;
    for (int i = 0; i < 50; i++) {
        hive_instance *inst;
        if (hive_instance_new(a->engine, a->module, NULL, 0, &inst, &err) != HIVE_OK) return NULL;
        const uint8_t *d = hive_memory_data(hive_instance_memory(inst));
        bool good = memcmp(d + 100, "aXc", 3) == 0 && d[99] == 0 && d[103] == 0;
        hive_instance_free(inst);
        if (!good) return NULL;
    }
    a->ok = 1;
    return NULL;
}

/* The prepared memory image: every instance starts from the segments'
 * bytes, a write in one instance is private to it, growth works past the
 * image, and the first instantiations may race (the image is built once
 * under the module's lock). */
static void test_memory_image(void) {
    hive_engine *engine = hive_engine_new(NULL);
    CHECK(engine != NULL);
    hive_module *module;
    hive_error err;
    CHECK(hive_module_new(engine, image_wasm, sizeof image_wasm, &module, &err) == HIVE_OK);
    image_arg args[2] = {{engine, module, 0}, {engine, module, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, image_thread, &args[i]) == 0);
    for (int i = 0; i < 2; i++) CHECK(join_within(t[i], 60) == 0);
    CHECK(args[0].ok && args[1].ok);

    hive_instance *a, *b;
    CHECK(hive_instance_new(engine, module, NULL, 0, &a, &err) == HIVE_OK);
    uint8_t *da = hive_memory_data(hive_instance_memory(a));
    CHECK(memcmp(da + 100, "aXc", 3) == 0);
    da[100] = 'Z';
    da[5000] = 7;
    CHECK(hive_instance_new(engine, module, NULL, 0, &b, &err) == HIVE_OK);
    const uint8_t *db = hive_memory_data(hive_instance_memory(b));
    CHECK(memcmp(db + 100, "aXc", 3) == 0);
    CHECK(db[5000] == 0);
    CHECK(da[100] == 'Z');
    CHECK(hive_memory_grow(hive_instance_memory(a), 1) == 1);
    da[65536 + 100] = 1;
    CHECK(da[100] == 'Z' && da[65536 + 100] == 1 && da[65536 + 101] == 0);
    hive_instance_free(a);
    hive_instance_free(b);
    hive_module_release(module);
    hive_engine_free(engine);
}

/* Fused operations (opcodes.h), from this module (wat2wasm):
 *   load_ai(p)    = i32.load offset=4 (i32.add p 0x20)
 *   load_ar(p, q) = i32.load8_u offset=1 (i32.add p q)
 *   store_k(p)    : i32.store8 p 0x1ff; i32.store offset=4 p 0x01020304
 *   mul_add(a, b, c) = (a * b) + c;  add_mul(a, b, c) = c + (a * b)
 *   rotl(x)       = i32.rotl x 36
 * with 42 (i32) at 0x14 and bytes 7 8 at 0x30. */
static const uint8_t fusedops_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x17, 0x04, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01,
    0x7f, 0x00, 0x60, 0x03, 0x7c, 0x7c, 0x7c, 0x01, 0x7c, 0x03, 0x07, 0x06,
    0x00, 0x01, 0x02, 0x03, 0x03, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
    0x3a, 0x06, 0x07, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x61, 0x69, 0x00, 0x00,
    0x07, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x61, 0x72, 0x00, 0x01, 0x07, 0x73,
    0x74, 0x6f, 0x72, 0x65, 0x5f, 0x6b, 0x00, 0x02, 0x07, 0x6d, 0x75, 0x6c,
    0x5f, 0x61, 0x64, 0x64, 0x00, 0x03, 0x07, 0x61, 0x64, 0x64, 0x5f, 0x6d,
    0x75, 0x6c, 0x00, 0x04, 0x04, 0x72, 0x6f, 0x74, 0x6c, 0x00, 0x05, 0x0a,
    0x4a, 0x06, 0x0a, 0x00, 0x20, 0x00, 0x41, 0x20, 0x6a, 0x28, 0x02, 0x04,
    0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x2d, 0x00, 0x01, 0x0b,
    0x14, 0x00, 0x20, 0x00, 0x41, 0xff, 0x03, 0x3a, 0x00, 0x00, 0x20, 0x00,
    0x41, 0x84, 0x86, 0x88, 0x08, 0x36, 0x02, 0x04, 0x0b, 0x0a, 0x00, 0x20,
    0x00, 0x20, 0x01, 0xa2, 0x20, 0x02, 0xa0, 0x0b, 0x0a, 0x00, 0x20, 0x02,
    0x20, 0x00, 0x20, 0x01, 0xa2, 0xa0, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41,
    0x24, 0x77, 0x0b, 0x0b, 0x11, 0x02, 0x00, 0x41, 0x14, 0x0b, 0x04, 0x2a,
    0x00, 0x00, 0x00, 0x00, 0x41, 0x30, 0x0b, 0x02, 0x07, 0x08
};

static hive_status call_fused(hive_exec *exec, hive_instance *inst, const char *name,
                              const hive_val *args, size_t nargs, hive_val *result) {
    hive_func *fn = export_func(inst, name);
    if (!fn) return HIVE_TRAPPED;
    hive_status st = hive_exec_call(exec, fn, args, nargs, 0);
    if (st == HIVE_DONE && result && hive_exec_results(exec, result, 1) != 1) return HIVE_TRAPPED;
    return st;
}

static hive_val f64_val(double d) {
    hive_val x;
    memset(&x, 0, sizeof x);
    x.type = HIVE_F64;
    memcpy(&x.of.i64, &d, sizeof d);
    return x;
}

/* The folded address additions wrap as i32.add does (an offset folded
 * without the wrap would trap here), constants stored are truncated to
 * the store's width, and the multiply-add rounds the product first (an
 * fma would give -2^-60, not 0). */
static void test_fused_ops(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module;
    hive_instance *inst;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, fusedops_wasm, sizeof fusedops_wasm, &module, &err) == HIVE_OK);
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    CHECK(exec != NULL);
    hive_val r, args[3];

    args[0] = i32_val(0xfffffff0u);
    CHECK(call_fused(exec, inst, "load_ai", args, 1, &r) == HIVE_DONE && r.of.i32 == 42);
    args[0] = i32_val(0xffff0000u);
    CHECK(call_fused(exec, inst, "load_ai", args, 1, &r) == HIVE_TRAPPED);
    args[0] = i32_val(0x40);
    args[1] = i32_val(0xffffffefu);
    CHECK(call_fused(exec, inst, "load_ar", args, 2, &r) == HIVE_DONE && r.of.i32 == 7);
    args[1] = i32_val(0x7fffffff);
    CHECK(call_fused(exec, inst, "load_ar", args, 2, &r) == HIVE_TRAPPED);

    args[0] = i32_val(0x100);
    CHECK(call_fused(exec, inst, "store_k", args, 1, NULL) == HIVE_DONE);
    const uint8_t *mem = hive_memory_data(hive_instance_memory(inst));
    static const uint8_t want[8] = {0xff, 0, 0, 0, 4, 3, 2, 1};
    CHECK(memcmp(mem + 0x100, want, 8) == 0);

    args[0] = f64_val(1.0 + 0x1p-30);
    args[1] = f64_val(1.0 - 0x1p-30);
    args[2] = f64_val(-1.0);
    CHECK(call_fused(exec, inst, "mul_add", args, 3, &r) == HIVE_DONE && r.of.i64 == 0);
    CHECK(call_fused(exec, inst, "add_mul", args, 3, &r) == HIVE_DONE && r.of.i64 == 0);
    args[2] = f64_val(0.5);
    double d;
    CHECK(call_fused(exec, inst, "add_mul", args, 3, &r) == HIVE_DONE);
    memcpy(&d, &r.of.i64, sizeof d);
    CHECK(d == 1.5);

    args[0] = i32_val(0x80000001u);
    CHECK(call_fused(exec, inst, "rotl", args, 1, &r) == HIVE_DONE && r.of.i32 == 0x18);

    hive_exec_free(exec);
    hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

/*
 * Bit tests and byte loads fused with br_if / if (validate.c cond_take:
 * BR_IF_AND_I[_EQZ], BR_IF_LOAD8[_EQZ] and their _LOOP twins; eqz in
 * between flips them). From this module (wat2wasm):
 *
 * (module
 *   (memory 1)
 *   (data (i32.const 0xfff8) "abcdefgh")
 *   (func (export "fill") (memory.fill (i32.const 0xff00) (i32.const 1) (i32.const 0xf0)))
 *   (func (export "scan") (param $p i32) (result i32) (local $n i32)
 *     (loop $l
 *       (local.set $n (i32.add (local.get $n) (i32.const 1)))
 *       (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *       (br_if $l (i32.load8_u (local.get $p))))
 *     (local.get $n))
 *   (func (export "scan_z") ... the same with (br_if $l (i32.eqz (i32.load8_u (local.get $p)))))
 *   (func (export "bits") (param $x i32) (result i32) (local $n i32)
 *     (block $b
 *       (br_if $b (i32.eqz (i32.and (local.get $x) (i32.const 1))))
 *       (loop $l
 *         (local.set $n (i32.add (local.get $n) (i32.const 1)))
 *         (local.set $x (i32.shr_u (local.get $x) (i32.const 1)))
 *         (br_if $l (i32.and (local.get $x) (i32.const 1)))))
 *     (block $z
 *       (br_if $z (i32.eqz (local.get $x)))
 *       (loop $m
 *         (local.set $n (i32.add (local.get $n) (i32.const 0x100)))
 *         (local.set $x (i32.shr_u (local.get $x) (i32.const 1)))
 *         (br_if $m (i32.eqz (i32.and (local.get $x) (i32.const 1))))))
 *     (if (i32.and (local.get $x) (i32.const 4))
 *       (then (local.set $n (i32.add (local.get $n) (i32.const 0x10000)))))
 *     (if (i32.eqz (i32.and (local.get $x) (i32.const 2)))
 *       (then (local.set $n (i32.add (local.get $n) (i32.const 0x100000)))))
 *     (local.get $n))
 *   (func (export "first") (param $p i32) (result i32)
 *     (if (result i32) (i32.load8_u offset=1 (local.get $p)) (then (i32.const 1)) (else (i32.const 2))))
 *   (func (export "first_eqz") ... (if (result i32) (i32.eqz (i32.load8_u offset=1 (local.get $p))) ...)
 *   (func (export "first_plain") (param $p i32) (result i32) (local $t i32)
 *     (local.set $t (i32.load8_u offset=1 (local.get $p)))   ;; not fused
 *     (if (result i32) (local.get $t) (then (i32.const 1)) (else (i32.const 2)))))
 */
static const uint8_t branchops_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60,
  0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x08, 0x07, 0x00, 0x01,
  0x01, 0x01, 0x01, 0x01, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x41,
  0x07, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x00, 0x04, 0x73, 0x63, 0x61,
  0x6e, 0x00, 0x01, 0x06, 0x73, 0x63, 0x61, 0x6e, 0x5f, 0x7a, 0x00, 0x02,
  0x04, 0x62, 0x69, 0x74, 0x73, 0x00, 0x03, 0x05, 0x66, 0x69, 0x72, 0x73,
  0x74, 0x00, 0x04, 0x09, 0x66, 0x69, 0x72, 0x73, 0x74, 0x5f, 0x65, 0x71,
  0x7a, 0x00, 0x05, 0x0b, 0x66, 0x69, 0x72, 0x73, 0x74, 0x5f, 0x70, 0x6c,
  0x61, 0x69, 0x6e, 0x00, 0x06, 0x0a, 0xf6, 0x01, 0x07, 0x0e, 0x00, 0x41,
  0x80, 0xfe, 0x03, 0x41, 0x01, 0x41, 0xf0, 0x01, 0xfc, 0x0b, 0x00, 0x0b,
  0x1e, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21,
  0x01, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x20, 0x00, 0x2d, 0x00,
  0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x1f, 0x01, 0x01, 0x7f, 0x03,
  0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01,
  0x6a, 0x21, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x45, 0x0d, 0x00, 0x0b,
  0x20, 0x01, 0x0b, 0x6f, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x20, 0x00, 0x41,
  0x01, 0x71, 0x45, 0x0d, 0x00, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a,
  0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x76, 0x21, 0x00, 0x20, 0x00, 0x41,
  0x01, 0x71, 0x0d, 0x00, 0x0b, 0x0b, 0x02, 0x40, 0x20, 0x00, 0x45, 0x0d,
  0x00, 0x03, 0x40, 0x20, 0x01, 0x41, 0x80, 0x02, 0x6a, 0x21, 0x01, 0x20,
  0x00, 0x41, 0x01, 0x76, 0x21, 0x00, 0x20, 0x00, 0x41, 0x01, 0x71, 0x45,
  0x0d, 0x00, 0x0b, 0x0b, 0x20, 0x00, 0x41, 0x04, 0x71, 0x04, 0x40, 0x20,
  0x01, 0x41, 0x80, 0x80, 0x04, 0x6a, 0x21, 0x01, 0x0b, 0x20, 0x00, 0x41,
  0x02, 0x71, 0x45, 0x04, 0x40, 0x20, 0x01, 0x41, 0x80, 0x80, 0xc0, 0x00,
  0x6a, 0x21, 0x01, 0x0b, 0x20, 0x01, 0x0b, 0x0f, 0x00, 0x20, 0x00, 0x2d,
  0x00, 0x01, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41, 0x02, 0x0b, 0x0b, 0x10,
  0x00, 0x20, 0x00, 0x2d, 0x00, 0x01, 0x45, 0x04, 0x7f, 0x41, 0x01, 0x05,
  0x41, 0x02, 0x0b, 0x0b, 0x15, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x2d, 0x00,
  0x01, 0x21, 0x01, 0x20, 0x01, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41, 0x02,
  0x0b, 0x0b, 0x0b, 0x10, 0x01, 0x00, 0x41, 0xf8, 0xff, 0x03, 0x0b, 0x08,
  0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68
};

static uint32_t bits_ref(uint32_t x) {
    uint32_t n = 0;
    if (x & 1) {
        do {
            n++;
            x >>= 1;
        } while (x & 1);
    }
    if (x) {
        do {
            n += 0x100;
            x >>= 1;
        } while (!(x & 1));
    }
    if (x & 4) n += 0x10000;
    if (!(x & 2)) n += 0x100000;
    return n;
}

/* Runs name(arg) in slices of budget k; checks the slice count (a loop
 * closed by a fused branch suspends with pc on its header, like the
 * unfused pair) and returns the result. */
static uint32_t run_sliced(hive_exec *exec, hive_instance *inst, const char *name, uint32_t arg,
                           uint32_t k, uint32_t headers) {
    hive_func *fn = export_func(inst, name);
    if (!fn) return UINT32_MAX;
    hive_val a = i32_val(arg);
    hive_status st = hive_exec_call(exec, fn, &a, 1, k);
    uint32_t slices = 1;
    while (st == HIVE_SUSPENDED && slices < 1000000) {
        st = hive_exec_resume(exec, k);
        slices++;
    }
    CHECK_EQ_INT(st, HIVE_DONE);
    CHECK_EQ_INT(slices, (headers + k - 1) / k);
    return result_i32(exec);
}

/* A fused byte load traps exactly as the unfused pair: at the end of
 * memory, "out of bounds memory access", in the same function. */
static void check_load8_trap(hive_exec *exec, hive_instance *inst, const char *name,
                             uint32_t p) {
    hive_val a = i32_val(p), r;
    CHECK(call_fused(exec, inst, name, &a, 1, &r) == HIVE_TRAPPED);
    const hive_trap *trap = hive_exec_trap(exec);
    CHECK(trap != NULL);
    if (!trap) return;
    CHECK_EQ_INT(trap->kind, HIVE_TRAP_MEMORY_OOB);
    CHECK(strcmp(trap->message, "out of bounds memory access") == 0);
    CHECK(trap->nframes >= 1 && trap->frames[0].func_name &&
          strcmp(trap->frames[0].func_name, name) == 0);
}

static void test_branch_ops(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, branchops_wasm, sizeof branchops_wasm, &module, &err) ==
          HIVE_OK);
    CHECK(module && hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    CHECK(exec != NULL);
    if (!exec || !inst) goto out;
    hive_val a, r;

    /* if on a byte, on its eqz, and the unfused pair: the last byte of
     * memory is 'h'; one further traps the same way in all three */
    static const char *const firsts[] = {"first", "first_eqz", "first_plain"};
    for (size_t i = 0; i < 3; i++) {
        a = i32_val(0xfffe);
        CHECK(call_fused(exec, inst, firsts[i], &a, 1, &r) == HIVE_DONE &&
              r.of.i32 == (i == 1 ? 2u : 1u));
        a = i32_val(0x100);
        CHECK(call_fused(exec, inst, firsts[i], &a, 1, &r) == HIVE_DONE &&
              r.of.i32 == (i == 1 ? 1u : 2u));
        check_load8_trap(exec, inst, firsts[i], 0xffff);
        check_load8_trap(exec, inst, firsts[i], 0xffffffffu);
    }

    CHECK(call_fused(exec, inst, "fill", NULL, 0, NULL) == HIVE_DONE);
    static const uint32_t budgets[] = {1, 2, 3, 7, 1000};
    for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
        uint32_t k = budgets[b];
        /* non-zero bytes 0xff00..0xffef, zeros to 0xfff7 */
        CHECK_EQ_INT(run_sliced(exec, inst, "scan", 0xfeff, k, 241), 241);
        CHECK_EQ_INT(run_sliced(exec, inst, "scan_z", 0xfe00, k, 256), 256);
        CHECK_EQ_INT(run_sliced(exec, inst, "scan_z", 0xffef, k, 9), 9);
        CHECK_EQ_INT(run_sliced(exec, inst, "bits", 0x8000ffffu, k, 31), bits_ref(0x8000ffffu));
        CHECK_EQ_INT(run_sliced(exec, inst, "bits", 0x2cu, k, 2), bits_ref(0x2cu));
    }
    /* the loop's byte test runs off the end of memory: a trap, in scan */
    check_load8_trap(exec, inst, "scan", 0xfff7);
    /* a trap mid-run after suspensions */
    a = i32_val(0xfff7);
    hive_status st = hive_exec_call(exec, export_func(inst, "scan"), &a, 1, 2);
    uint32_t slices = 1;
    while (st == HIVE_SUSPENDED && slices < 100) {
        st = hive_exec_resume(exec, 2);
        slices++;
    }
    CHECK_EQ_INT(st, HIVE_TRAPPED);
    CHECK_EQ_INT(slices, 5); /* 9 header executions, 2 a slice; the 9th load traps */
    CHECK_EQ_INT(hive_exec_trap(exec)->kind, HIVE_TRAP_MEMORY_OOB);

    static const uint32_t xs[] = {0, 1, 2, 3, 4, 6, 0xfu, 0x10u, 0x80000000u, 0xffffffffu, 0x5au};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        a = i32_val(xs[i]);
        CHECK(call_fused(exec, inst, "bits", &a, 1, &r) == HIVE_DONE && r.of.i32 == bits_ref(xs[i]));
    }
out:
    hive_exec_free(exec);
    hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

/* ---- v128 values through the API, host calls and suspension ------------- */

/* (import "env" "triple" (func (param v128) (result v128)))
 * (func (export "run") (param $n i32) (param $v v128) (result v128)
 *   (loop $l
 *     (local.set $v (i32x4.add (call $triple (local.get $v))
 *                              (i64x2.splat (i64.const 1))))
 *     (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
 *   (local.get $v)) */
static const uint8_t v128_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60,
    0x01, 0x7b, 0x01, 0x7b, 0x60, 0x02, 0x7f, 0x7b, 0x01, 0x7b, 0x02, 0x0e,
    0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x74, 0x72, 0x69, 0x70, 0x6c, 0x65,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x01, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75,
    0x6e, 0x00, 0x01, 0x0a, 0x1f, 0x01, 0x1d, 0x00, 0x03, 0x40, 0x20, 0x01,
    0x10, 0x00, 0x42, 0x01, 0xfd, 0x12, 0xfd, 0xae, 0x01, 0x21, 0x01, 0x20,
    0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b
};

static const uint8_t v128_type[] = {HIVE_V128};

/* env.triple: each i32 lane times 3; PENDING (answered by the test) when
 * user is non-NULL. */
static hive_host_status host_triple(hive_host_call *call, const hive_val *args,
                                    hive_val *results) {
    if (args[0].type != HIVE_V128) return HIVE_HOST_TRAP;
    if (call->user) return HIVE_HOST_PENDING;
    uint32_t l[4];
    memcpy(l, args[0].of.v128, 16);
    for (int i = 0; i < 4; i++) l[i] *= 3;
    results[0].type = HIVE_V128;
    memcpy(results[0].of.v128, l, 16);
    return HIVE_HOST_OK;
}

/* The expected result of run(n, v): v = 3v, then +1 in lanes 0 and 2 (the
 * i64x2 splat of 1), n times. */
static void v128_expect(uint32_t n, uint32_t l[4]) {
    while (n--)
        for (int i = 0; i < 4; i++) l[i] = l[i] * 3 + (i % 2 == 0);
}

static void test_v128(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_func *host[2] = {NULL, NULL};
    hive_exec *exec = NULL;
    hive_error err;
    CHECK(engine != NULL);
    if (!engine) return;
    CHECK(hive_module_new(engine, v128_wasm, sizeof v128_wasm, &module, &err) == 0);
    if (!module) goto out;
    hive_functype t = {1, 1, v128_type, v128_type};
    for (int pending = 0; pending < 2; pending++) {
        host[pending] = hive_func_new_host(engine, &t, host_triple, pending ? &t : NULL, NULL,
                                           "triple");
        CHECK(host[pending] != NULL);
        if (!host[pending]) goto out;
        hive_extern imp = {.kind = HIVE_EXTERN_FUNC, .of.func = host[pending]};
        CHECK(hive_instance_new(engine, module, &imp, 1, &inst, &err) == 0);
        if (!inst) goto out;
        exec = hive_exec_new(engine);
        hive_func *run = export_func(inst, "run");
        CHECK(exec != NULL && run != NULL);
        if (!exec || !run) goto out;
        const uint32_t in[4] = {1, 0xffffffffu, 7, 0x80000000u};
        uint32_t want[4];
        memcpy(want, in, 16);
        v128_expect(5, want);
        hive_val args[2];
        memset(args, 0, sizeof args);
        args[0] = i32_val(5);
        args[1].type = HIVE_V128;
        memcpy(args[1].of.v128, in, 16);
        /* Budget 1: suspends at every loop header and call. A PENDING
         * host call is answered here, as host_triple would. */
        hive_status st = hive_exec_call(exec, run, args, 2, 1);
        uint32_t cur[4];
        memcpy(cur, in, 16);
        int steps = 0, answered = 0;
        while ((st == HIVE_SUSPENDED || st == HIVE_PENDING) && steps++ < 1000) {
            if (st == HIVE_PENDING) {
                hive_val r;
                memset(&r, 0, sizeof r);
                r.type = HIVE_V128;
                uint32_t x[4];
                for (int k = 0; k < 4; k++) x[k] = cur[k] * 3;
                memcpy(r.of.v128, x, 16);
                CHECK(hive_exec_complete(exec, &r, 1) == 0);
                v128_expect(1, cur);
                answered++;
            }
            st = hive_exec_resume(exec, 1);
        }
        CHECK_EQ_INT(answered, pending ? 5 : 0);
        CHECK_EQ_INT(st, HIVE_DONE);
        hive_val r;
        CHECK(hive_exec_results(exec, &r, 1) == 1 && r.type == HIVE_V128);
        CHECK(memcmp(r.of.v128, want, 16) == 0);
        CHECK(steps >= 5);
        hive_exec_free(exec);
        exec = NULL;
        hive_instance_free(inst);
        inst = NULL;
    }
out:
    hive_exec_free(exec);
    hive_instance_free(inst);
    hive_func_free(host[0]);
    hive_func_free(host[1]);
    hive_module_release(module);
    hive_engine_free(engine);
}

int main(void) {
    RUN(test_budget_slices);
    RUN(test_interrupt);
    RUN(test_pending);
    RUN(test_host_immediate);
    RUN(test_two_threads);
    RUN(test_resume_other_thread);
    RUN(test_stack_exhausted);
    RUN(test_backtrace);
    RUN(test_null_and_externs);
    RUN(test_folds_resume);
    RUN(test_loop_edges_resume);
    RUN(test_memory_image);
    RUN(test_fused_ops);
    RUN(test_branch_ops);
    RUN(test_v128);
    return test_summary("exec");
}
