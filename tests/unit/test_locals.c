/*
 * test_locals.c -- declared locals start at zero. A call zeroes only the
 * locals that may be read before they are written (validate.c, "locals
 * that need zeroing": definite assignment over structured control flow);
 * every other local's slot holds whatever the previous frame left there.
 *
 * Each export first calls $dirty, which fills the slots the next frame
 * takes with ones, then a function that reads a local on a path where it
 * was not assigned (if without else, else-only, br_if out of the block,
 * br_table, the top of a loop, straight line with i64, v128 and f64
 * locals): it must read zero. $always writes its locals on every path
 * (nothing to zero), $dead reads one only in unreachable code. From this
 * module (wat2wasm):
 *
 * (module
 *   ;; fills the slots the next call's frame will use with ones
 *   (func $dirty (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (local.set 0 (i64.const -1)) (local.set 1 (i64.const -1)) (local.set 2 (i64.const -1))
 *     (local.set 3 (i64.const -1)) (local.set 4 (i64.const -1)) (local.set 5 (i64.const -1))
 *     (local.set 6 (i64.const -1)) (local.set 7 (i64.const -1)) (local.set 8 (i64.const -1))
 *     (local.set 9 (i64.const -1)) (local.set 10 (i64.const -1)) (local.set 11 (i64.const -1))
 *     (local.set 12 (i64.const -1)) (local.set 13 (i64.const -1)) (local.set 14 (i64.const -1))
 *     (local.set 15 (i64.const -1)))
 *   ;; if without else: assigned on one path only
 *   (func $if1 (param $p i32) (result i32) (local $x i32)
 *     (if (local.get $p) (then (local.set $x (i32.const 5))))
 *     (local.get $x))
 *   ;; if/else, assigned in the else only
 *   (func $if2 (param $p i32) (result i32) (local $x i32)
 *     (if (local.get $p) (then (nop)) (else (local.set $x (i32.const 6))))
 *     (local.get $x))
 *   ;; a branch out of the block before the assignment
 *   (func $brif (param $p i32) (result i32) (local $x i32)
 *     (block (br_if 0 (local.get $p)) (local.set $x (i32.const 7)))
 *     (local.get $x))
 *   ;; br_table: one target skips the assignment
 *   (func $table (param $p i32) (result i32) (local $x i32)
 *     (block $out (block $a (br_table $a $out (local.get $p))) (local.set $x (i32.const 8)))
 *     (local.get $x))
 *   ;; read at the top of a loop before the first assignment: $x is 0 on
 *   ;; the first pass, 9 after
 *   (func $loop (param $n i32) (result i32) (local $x i32) (local $sum i32)
 *     (loop $l
 *       (local.set $sum (i32.add (local.get $sum) (local.get $x)))
 *       (local.set $x (i32.const 9))
 *       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
 *     (local.get $sum))
 *   ;; read before any write, straight line; v128 and f64 locals too
 *   (func $plain (param $p i32) (result i64) (local $a i64) (local $v v128) (local $d f64)
 *     (i64.add (i64.add (local.get $a) (i64x2.extract_lane 1 (local.get $v)))
 *              (i64.reinterpret_f64 (local.get $d))))
 *   ;; written on every path before read: nothing to zero
 *   (func $always (param $p i32) (result i32) (local $x i32) (local $y i32)
 *     (local.set $y (i32.const 2))
 *     (if (local.get $p) (then (local.set $x (i32.const 3))) (else (local.set $x (i32.const 4))))
 *     (block (br_if 0 (local.get $p)) (local.set $y (i32.const 1)))
 *     (i32.add (local.get $x) (local.get $y)))
 *   ;; dead code after br reads a local: never runs, needs no zero
 *   (func $dead (param $p i32) (result i32) (local $x i32)
 *     (block (br 0) (drop (local.get $x)))
 *     (local.set $x (i32.const 11))
 *     (local.get $x))
 *   (func (export "if1") (param i32) (result i32) (call $dirty) (call $if1 (local.get 0)))
 *   (func (export "if2") (param i32) (result i32) (call $dirty) (call $if2 (local.get 0)))
 *   (func (export "brif") (param i32) (result i32) (call $dirty) (call $brif (local.get 0)))
 *   (func (export "table") (param i32) (result i32) (call $dirty) (call $table (local.get 0)))
 *   (func (export "loop") (param i32) (result i32) (call $dirty) (call $loop (local.get 0)))
 *   (func (export "plain") (param i32) (result i64) (call $dirty) (call $plain (local.get 0)))
 *   (func (export "always") (param i32) (result i32) (call $dirty) (call $always (local.get 0)))
 *   (func (export "dead") (param i32) (result i32) (call $dirty) (call $dead (local.get 0)))
 *   (export "f_always" (func $always))
 *   (export "f_dead" (func $dead))
 *   (export "f_if1" (func $if1)))
 *
 * test_zero_counts builds a second module here, with functions of 1 to 20
 * locals read before any write, to cover each way the interpreter zeroes
 * them (one by one, in a loop, with memset).
 */
#include <stdio.h>
#include <stdlib.h>

#include "hive/wasm.h"
#include "testutil.h"
#include "wasm/runtime.h"

static const uint8_t locals_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60,
  0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7e,
  0x03, 0x12, 0x11, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01,
  0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01, 0x07, 0x57, 0x0b, 0x03,
  0x69, 0x66, 0x31, 0x00, 0x09, 0x03, 0x69, 0x66, 0x32, 0x00, 0x0a, 0x04,
  0x62, 0x72, 0x69, 0x66, 0x00, 0x0b, 0x05, 0x74, 0x61, 0x62, 0x6c, 0x65,
  0x00, 0x0c, 0x04, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x0d, 0x05, 0x70, 0x6c,
  0x61, 0x69, 0x6e, 0x00, 0x0e, 0x06, 0x61, 0x6c, 0x77, 0x61, 0x79, 0x73,
  0x00, 0x0f, 0x04, 0x64, 0x65, 0x61, 0x64, 0x00, 0x10, 0x08, 0x66, 0x5f,
  0x61, 0x6c, 0x77, 0x61, 0x79, 0x73, 0x00, 0x07, 0x06, 0x66, 0x5f, 0x64,
  0x65, 0x61, 0x64, 0x00, 0x08, 0x05, 0x66, 0x5f, 0x69, 0x66, 0x31, 0x00,
  0x01, 0x0a, 0xc6, 0x02, 0x11, 0x44, 0x01, 0x10, 0x7e, 0x42, 0x7f, 0x21,
  0x00, 0x42, 0x7f, 0x21, 0x01, 0x42, 0x7f, 0x21, 0x02, 0x42, 0x7f, 0x21,
  0x03, 0x42, 0x7f, 0x21, 0x04, 0x42, 0x7f, 0x21, 0x05, 0x42, 0x7f, 0x21,
  0x06, 0x42, 0x7f, 0x21, 0x07, 0x42, 0x7f, 0x21, 0x08, 0x42, 0x7f, 0x21,
  0x09, 0x42, 0x7f, 0x21, 0x0a, 0x42, 0x7f, 0x21, 0x0b, 0x42, 0x7f, 0x21,
  0x0c, 0x42, 0x7f, 0x21, 0x0d, 0x42, 0x7f, 0x21, 0x0e, 0x42, 0x7f, 0x21,
  0x0f, 0x0b, 0x0f, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x04, 0x40, 0x41, 0x05,
  0x21, 0x01, 0x0b, 0x20, 0x01, 0x0b, 0x11, 0x01, 0x01, 0x7f, 0x20, 0x00,
  0x04, 0x40, 0x01, 0x05, 0x41, 0x06, 0x21, 0x01, 0x0b, 0x20, 0x01, 0x0b,
  0x11, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x20, 0x00, 0x0d, 0x00, 0x41, 0x07,
  0x21, 0x01, 0x0b, 0x20, 0x01, 0x0b, 0x16, 0x01, 0x01, 0x7f, 0x02, 0x40,
  0x02, 0x40, 0x20, 0x00, 0x0e, 0x01, 0x00, 0x01, 0x0b, 0x41, 0x08, 0x21,
  0x01, 0x0b, 0x20, 0x01, 0x0b, 0x1d, 0x01, 0x02, 0x7f, 0x03, 0x40, 0x20,
  0x02, 0x20, 0x01, 0x6a, 0x21, 0x02, 0x41, 0x09, 0x21, 0x01, 0x20, 0x00,
  0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x02, 0x0b, 0x14,
  0x03, 0x01, 0x7e, 0x01, 0x7b, 0x01, 0x7c, 0x20, 0x01, 0x20, 0x02, 0xfd,
  0x1d, 0x01, 0x7c, 0x20, 0x03, 0xbd, 0x7c, 0x0b, 0x26, 0x01, 0x02, 0x7f,
  0x41, 0x02, 0x21, 0x02, 0x20, 0x00, 0x04, 0x40, 0x41, 0x03, 0x21, 0x01,
  0x05, 0x41, 0x04, 0x21, 0x01, 0x0b, 0x02, 0x40, 0x20, 0x00, 0x0d, 0x00,
  0x41, 0x01, 0x21, 0x02, 0x0b, 0x20, 0x01, 0x20, 0x02, 0x6a, 0x0b, 0x12,
  0x01, 0x01, 0x7f, 0x02, 0x40, 0x0c, 0x00, 0x20, 0x01, 0x1a, 0x0b, 0x41,
  0x0b, 0x21, 0x01, 0x20, 0x01, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x20, 0x00,
  0x10, 0x01, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x20, 0x00, 0x10, 0x02, 0x0b,
  0x08, 0x00, 0x10, 0x00, 0x20, 0x00, 0x10, 0x03, 0x0b, 0x08, 0x00, 0x10,
  0x00, 0x20, 0x00, 0x10, 0x04, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x20, 0x00,
  0x10, 0x05, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x20, 0x00, 0x10, 0x06, 0x0b,
  0x08, 0x00, 0x10, 0x00, 0x20, 0x00, 0x10, 0x07, 0x0b, 0x08, 0x00, 0x10,
  0x00, 0x20, 0x00, 0x10, 0x08, 0x0b
};

typedef struct fx {
    hive_engine *engine;
    hive_module *module;
    hive_instance *inst;
    hive_exec *exec;
} fx;

static int fx_open(fx *f) {
    hive_error err;
    memset(f, 0, sizeof *f);
    f->engine = hive_engine_new(NULL);
    if (!f->engine) return -1;
    if (hive_module_new(f->engine, locals_wasm, sizeof locals_wasm, &f->module, &err) != HIVE_OK)
        return -1;
    if (hive_instance_new(f->engine, f->module, NULL, 0, &f->inst, &err) != HIVE_OK) return -1;
    f->exec = hive_exec_new(f->engine);
    return f->exec ? 0 : -1;
}

static void fx_close(fx *f) {
    hive_exec_free(f->exec);
    if (f->inst) hive_instance_free(f->inst);
    hive_module_release(f->module);
    hive_engine_free(f->engine);
}

static hive_func *fn(fx *f, const char *name) {
    hive_extern e;
    if (hive_instance_export(f->inst, name, strlen(name), &e) || e.kind != HIVE_EXTERN_FUNC)
        return NULL;
    return e.of.func;
}

/* Calls export name(p); returns its result (i32 or i64), or a marker. */
static uint64_t call(fx *f, const char *name, uint32_t p) {
    hive_func *func = fn(f, name);
    if (!func) return 0xbad0bad0bad0ULL;
    hive_val arg, r;
    memset(&arg, 0, sizeof arg);
    arg.type = HIVE_I32;
    arg.of.i32 = p;
    if (hive_exec_call(f->exec, func, &arg, 1, 0) != HIVE_DONE) return 0xdead0dead0ULL;
    if (hive_exec_results(f->exec, &r, 1) != 1) return 0xdead1dead1ULL;
    return r.type == HIVE_I64 ? r.of.i64 : r.of.i32;
}

static void test_zero_on_every_path(void) {
    fx f;
    CHECK(fx_open(&f) == 0);
    if (!f.exec) goto out;
    CHECK_EQ_INT(call(&f, "if1", 0), 0);
    CHECK_EQ_INT(call(&f, "if1", 1), 5);
    CHECK_EQ_INT(call(&f, "if2", 1), 0);
    CHECK_EQ_INT(call(&f, "if2", 0), 6);
    CHECK_EQ_INT(call(&f, "brif", 1), 0);
    CHECK_EQ_INT(call(&f, "brif", 0), 7);
    CHECK_EQ_INT(call(&f, "table", 1), 0);
    CHECK_EQ_INT(call(&f, "table", 0), 8);
    CHECK_EQ_INT(call(&f, "loop", 1), 0); /* the one pass reads the unassigned $x */
    CHECK_EQ_INT(call(&f, "loop", 3), 18);
    CHECK_EQ_INT(call(&f, "plain", 0), 0);
    CHECK_EQ_INT(call(&f, "always", 1), 5);
    CHECK_EQ_INT(call(&f, "always", 0), 5);
    CHECK_EQ_INT(call(&f, "dead", 0), 11);
out:
    fx_close(&f);
}

/* What the compiler decided: the zero range of each function. */
static void test_zero_ranges(void) {
    fx f;
    CHECK(fx_open(&f) == 0);
    if (!f.exec) goto out;
    hive_func *always = fn(&f, "f_always"), *dead = fn(&f, "f_dead"), *if1 = fn(&f, "f_if1");
    CHECK(always && dead && if1);
    if (!always || !dead || !if1) goto out;
    CHECK(hv_module_code_cells(always->inst->module, always->code) &&
          hv_module_code_cells(dead->inst->module, dead->code) &&
          hv_module_code_cells(if1->inst->module, if1->code));
    CHECK_EQ_INT(always->code->zero_end - always->code->zero_start, 0);
    CHECK_EQ_INT(dead->code->zero_end - dead->code->zero_start, 0);
    CHECK_EQ_INT(if1->code->zero_start, 1); /* $x, after the one param */
    CHECK_EQ_INT(if1->code->zero_end, 2);
out:
    fx_close(&f);
}

/* ---- the zeroing itself: every count of locals a call may have to zero
 * (the interpreter stores up to four one by one, up to sixteen in a loop,
 * more with memset). A module built here: $dirty fills 24 slots with ones;
 * $sumN (N = 1..MAX_N) has N i64 locals, none written, and returns their
 * sum; export "zN" calls $dirty, then $sumN, whose frame starts where
 * $dirty's did. Every local must read zero, so every sum is 0. ---- */
#define MAX_N 20
#define DIRTY_SLOTS 24

typedef struct bytes {
    uint8_t b[4096];
    size_t n;
} bytes;

static void put(bytes *o, uint8_t x) {
    if (o->n < sizeof o->b) o->b[o->n++] = x;
}
static void put_uleb(bytes *o, uint32_t v) {
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        put(o, (uint8_t)(v ? x | 0x80 : x));
    } while (v);
}
static void put_bytes(bytes *o, const bytes *in) {
    for (size_t i = 0; i < in->n; i++) put(o, in->b[i]);
}
static void put_section(bytes *o, uint8_t id, const bytes *body) {
    put(o, id);
    put_uleb(o, (uint32_t)body->n);
    put_bytes(o, body);
}

/* functions: 0 $dirty, 1..MAX_N $sumN, MAX_N+1.. the exports zN */
static size_t build_zero_module(uint8_t *out, size_t cap) {
    static bytes m, sec, body;
    memset(&m, 0, sizeof m);
    static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    for (size_t i = 0; i < sizeof head; i++) put(&m, head[i]);
    /* types: 0 () -> (), 1 () -> i64 */
    memset(&sec, 0, sizeof sec);
    put(&sec, 2);
    put(&sec, 0x60), put(&sec, 0), put(&sec, 0);
    put(&sec, 0x60), put(&sec, 0), put(&sec, 1), put(&sec, 0x7e);
    put_section(&m, 1, &sec);
    memset(&sec, 0, sizeof sec);
    put_uleb(&sec, 1 + 2 * MAX_N);
    put(&sec, 0);
    for (int i = 0; i < 2 * MAX_N; i++) put(&sec, 1);
    put_section(&m, 3, &sec);
    memset(&sec, 0, sizeof sec);
    put_uleb(&sec, MAX_N);
    for (uint32_t n = 1; n <= MAX_N; n++) {
        char name[8];
        int len = snprintf(name, sizeof name, "z%u", (unsigned)n);
        put_uleb(&sec, (uint32_t)len);
        for (int i = 0; i < len; i++) put(&sec, (uint8_t)name[i]);
        put(&sec, 0x00);
        put_uleb(&sec, MAX_N + n);
    }
    put_section(&m, 7, &sec);
    memset(&sec, 0, sizeof sec);
    put_uleb(&sec, 1 + 2 * MAX_N);
    /* $dirty: DIRTY_SLOTS i64 locals, each set to -1 */
    memset(&body, 0, sizeof body);
    put(&body, 1), put_uleb(&body, DIRTY_SLOTS), put(&body, 0x7e);
    for (uint32_t i = 0; i < DIRTY_SLOTS; i++) {
        put(&body, 0x42), put(&body, 0x7f); /* i64.const -1 */
        put(&body, 0x21), put_uleb(&body, i); /* local.set i */
    }
    put(&body, 0x0b);
    put_uleb(&sec, (uint32_t)body.n), put_bytes(&sec, &body);
    /* $sumN: local.get 0, then local.get i; i64.add for i = 1 .. N-1 */
    for (uint32_t n = 1; n <= MAX_N; n++) {
        memset(&body, 0, sizeof body);
        put(&body, 1), put_uleb(&body, n), put(&body, 0x7e);
        put(&body, 0x20), put(&body, 0);
        for (uint32_t i = 1; i < n; i++) {
            put(&body, 0x20), put_uleb(&body, i);
            put(&body, 0x7c);
        }
        put(&body, 0x0b);
        put_uleb(&sec, (uint32_t)body.n), put_bytes(&sec, &body);
    }
    /* zN: call $dirty; call $sumN */
    for (uint32_t n = 1; n <= MAX_N; n++) {
        memset(&body, 0, sizeof body);
        put(&body, 0);
        put(&body, 0x10), put_uleb(&body, 0);
        put(&body, 0x10), put_uleb(&body, n);
        put(&body, 0x0b);
        put_uleb(&sec, (uint32_t)body.n), put_bytes(&sec, &body);
    }
    put_section(&m, 10, &sec);
    if (m.n > cap || m.n >= sizeof m.b) return 0;
    memcpy(out, m.b, m.n);
    return m.n;
}

static void test_zero_counts(void) {
    static uint8_t wasm[4096];
    size_t len = build_zero_module(wasm, sizeof wasm);
    CHECK(len > 0);
    if (!len) return;
    hive_error err;
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_exec *exec = NULL;
    CHECK(engine != NULL);
    if (!engine) return;
    CHECK(hive_module_new(engine, wasm, len, &module, &err) == HIVE_OK);
    if (!module) goto out;
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    exec = hive_exec_new(engine);
    CHECK(inst && exec);
    if (!inst || !exec) goto out;
    for (uint32_t n = 1; n <= MAX_N; n++) {
        char name[8];
        snprintf(name, sizeof name, "z%u", (unsigned)n);
        hive_extern e;
        CHECK(hive_instance_export(inst, name, strlen(name), &e) == 0 && e.kind == HIVE_EXTERN_FUNC);
        hive_val r;
        CHECK(hive_exec_call(exec, e.of.func, NULL, 0, 0) == HIVE_DONE);
        CHECK(hive_exec_results(exec, &r, 1) == 1);
        if (r.of.i64 != 0) fprintf(stderr, "  %u locals: sum %lld, not 0\n", (unsigned)n, (long long)r.of.i64);
        CHECK_EQ_INT(r.of.i64, 0);
    }
out:
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

int main(void) {
    RUN(test_zero_on_every_path);
    RUN(test_zero_ranges);
    RUN(test_zero_counts);
    return test_summary("locals");
}
