/*
 * test_extconst.c -- extended constant expressions (i32/i64 add, sub, mul
 * with constants and global.get) through the public API: global values and
 * data segment offsets that read imported globals, evaluated per instance;
 * folding; offsets out of bounds; validation errors and the depth limit.
 * (tests/spec-extra/extended-const.wast covers the same in text form.)
 * Modules are assembled here byte by byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive/wasm.h"
#include "testutil.h"

typedef struct buf {
    uint8_t b[8192];
    size_t n;
} buf;

static void put(buf *o, const void *p, size_t n) {
    if (o->n + n > sizeof o->b) abort();
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void byte(buf *o, uint8_t x) { put(o, &x, 1); }
static void u32(buf *o, uint32_t x) {
    do {
        uint8_t c = x & 0x7f;
        x >>= 7;
        byte(o, (uint8_t)(c | (x ? 0x80 : 0)));
    } while (x);
}
static void s64(buf *o, int64_t x) {
    for (;;) {
        uint8_t c = x & 0x7f;
        x >>= 7; /* arithmetic */
        if ((x == 0 && !(c & 0x40)) || (x == -1 && (c & 0x40))) {
            byte(o, c);
            return;
        }
        byte(o, c | 0x80);
    }
}
static void section(buf *o, uint8_t id, const buf *body) {
    byte(o, id);
    u32(o, (uint32_t)body->n);
    put(o, body->b, body->n);
}
static void name(buf *o, const char *s) {
    u32(o, (uint32_t)strlen(s));
    put(o, s, strlen(s));
}

/* expression builders (no trailing `end`) */
static void i32c(buf *e, int32_t x) { byte(e, 0x41), s64(e, x); }
static void i64c(buf *e, int64_t x) { byte(e, 0x42), s64(e, x); }
static void gget(buf *e, uint32_t i) { byte(e, 0x23), u32(e, i); }

/* A module importing globals e.a: i32 and e.b: i64 (mutable when
 * mut_imports), with one memory, defined globals of types[k] initialised
 * by exprs[k] (exported as "g0", "g1", ...), and, when data_off is not
 * NULL, an active data segment "hi" at offset data_off. */
static void module(buf *o, int mut_imports, size_t n, const uint8_t *types, const buf *exprs,
                   const buf *data_off) {
    static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    buf s;
    o->n = 0;
    put(o, head, sizeof head);
    s.n = 0; /* imports */
    u32(&s, 2);
    name(&s, "e"), name(&s, "a"), byte(&s, 3), byte(&s, 0x7f), byte(&s, (uint8_t)mut_imports);
    name(&s, "e"), name(&s, "b"), byte(&s, 3), byte(&s, 0x7e), byte(&s, (uint8_t)mut_imports);
    section(o, 2, &s);
    s.n = 0; /* memory */
    u32(&s, 1), byte(&s, 0), u32(&s, 1);
    section(o, 5, &s);
    s.n = 0; /* globals */
    u32(&s, (uint32_t)n);
    for (size_t k = 0; k < n; k++) {
        byte(&s, types[k]), byte(&s, 0);
        put(&s, exprs[k].b, exprs[k].n);
        byte(&s, 0x0b);
    }
    section(o, 6, &s);
    s.n = 0; /* exports */
    u32(&s, (uint32_t)n + 1);
    name(&s, "m"), byte(&s, 2), u32(&s, 0);
    for (size_t k = 0; k < n; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "g%zu", k);
        name(&s, nm), byte(&s, 3), u32(&s, (uint32_t)(2 + k));
    }
    section(o, 7, &s);
    if (data_off) {
        s.n = 0;
        u32(&s, 1), byte(&s, 0);
        put(&s, data_off->b, data_off->n);
        byte(&s, 0x0b);
        name(&s, "hi");
        section(o, 11, &s);
    }
}

typedef struct inst {
    hive_module *mod;
    hive_instance *in;
    hive_global *a, *b;
    int rc;
} inst;

static void inst_new(hive_engine *e, const buf *m, uint32_t a, uint64_t b, inst *out) {
    hive_error err;
    memset(out, 0, sizeof *out);
    out->rc = hive_module_new(e, m->b, m->n, &out->mod, &err);
    if (out->rc != HIVE_OK) {
        fprintf(stderr, "load: %s\n", err.message);
        return;
    }
    hive_val va = {.type = HIVE_I32, .of.i32 = a}, vb = {.type = HIVE_I64, .of.i64 = b};
    out->a = hive_global_new(e, va, 0);
    out->b = hive_global_new(e, vb, 0);
    hive_extern imp[2] = {{.kind = HIVE_EXTERN_GLOBAL, .of.global = out->a},
                          {.kind = HIVE_EXTERN_GLOBAL, .of.global = out->b}};
    out->rc = hive_instance_new(e, out->mod, imp, 2, &out->in, &err);
}

static void inst_free(inst *i) {
    hive_instance_free(i->in);
    hive_global_free(i->a);
    hive_global_free(i->b);
    hive_module_release(i->mod);
}

static uint64_t get(inst *i, const char *nm) {
    hive_extern x;
    if (hive_instance_export(i->in, nm, strlen(nm), &x) != HIVE_OK || x.kind != HIVE_EXTERN_GLOBAL)
        return 0xdeadbeef;
    hive_val v = hive_global_get(x.of.global);
    return v.type == HIVE_I32 ? v.of.i32 : v.of.i64;
}

static hive_engine *engine;

static void test_values(void) {
    buf ex[5], off, m;
    uint8_t types[5] = {0x7f, 0x7e, 0x7f, 0x7f, 0x7e};
    for (int k = 0; k < 5; k++) ex[k].n = 0;
    /* g0 = a + 5 * 3 */
    gget(&ex[0], 0), i32c(&ex[0], 5), i32c(&ex[0], 3), byte(&ex[0], 0x6c), byte(&ex[0], 0x6a);
    /* g1 = b - 10 */
    gget(&ex[1], 1), i64c(&ex[1], 10), byte(&ex[1], 0x7d);
    /* g2 = 0x7fffffff + 1 (folded; wraps) */
    i32c(&ex[2], 0x7fffffff), i32c(&ex[2], 1), byte(&ex[2], 0x6a);
    /* g3 = a * a - a */
    gget(&ex[3], 0), gget(&ex[3], 0), byte(&ex[3], 0x6c), gget(&ex[3], 0), byte(&ex[3], 0x6b);
    /* g4 = b * b (wraps) */
    gget(&ex[4], 1), gget(&ex[4], 1), byte(&ex[4], 0x7e);
    off.n = 0; /* a + 100 */
    gget(&off, 0), i32c(&off, 100), byte(&off, 0x6a);
    module(&m, 0, 5, types, ex, &off);

    inst i;
    inst_new(engine, &m, 7, 1000, &i);
    CHECK_EQ_INT(i.rc, HIVE_OK);
    if (i.rc == HIVE_OK) {
        CHECK_EQ_INT(get(&i, "g0"), 22);
        CHECK_EQ_INT(get(&i, "g1"), 990);
        CHECK_EQ_INT(get(&i, "g2"), 0x80000000u);
        CHECK_EQ_INT(get(&i, "g3"), 42);
        CHECK_EQ_INT(get(&i, "g4"), 1000000);
        const uint8_t *mem = hive_memory_data(hive_instance_memory(i.in));
        CHECK(mem[107] == 'h' && mem[108] == 'i' && mem[106] == 0);
    }
    inst_free(&i);

    /* Other imports, other values: evaluated per instance, not cached. */
    inst_new(engine, &m, (uint32_t)-2, (uint64_t)1 << 32, &i);
    CHECK_EQ_INT(i.rc, HIVE_OK);
    if (i.rc == HIVE_OK) {
        CHECK_EQ_INT(get(&i, "g0"), 13);
        CHECK_EQ_INT(get(&i, "g1"), ((uint64_t)1 << 32) - 10);
        CHECK_EQ_INT(get(&i, "g3"), 6); /* 4 + 2 */
        CHECK_EQ_INT(get(&i, "g4"), 0); /* 2^64 wraps */
        const uint8_t *mem = hive_memory_data(hive_instance_memory(i.in));
        CHECK(mem[98] == 'h' && mem[99] == 'i');
    }
    inst_free(&i);

    /* An offset computed past the memory: the instance is not made. */
    inst_new(engine, &m, 65535, 0, &i);
    CHECK_EQ_INT(i.rc, HIVE_ETRAP);
    inst_free(&i);
}

/* expect_invalid: a module with one global of type t initialised by e
 * (imports mutable when mut) fails to load with message msg. */
static void expect_invalid(int line, uint8_t t, const buf *e, int mut, const char *msg) {
    buf m;
    module(&m, mut, 1, &t, e, NULL);
    hive_module *mod = NULL;
    hive_error err;
    memset(&err, 0, sizeof err);
    int rc = hive_module_new(engine, m.b, m.n, &mod, &err);
    if (rc != HIVE_EINVALID || !strstr(err.message, msg)) {
        fprintf(stderr, "line %d: rc %d, message '%s', want '%s'\n", line, rc, err.message, msg);
        test_cur_failed = 1;
    }
    hive_module_release(mod);
}

static void test_invalid(void) {
    buf e;
    e.n = 0; /* i32.div_s is not constant */
    i32c(&e, 6), i32c(&e, 3), byte(&e, 0x6d);
    expect_invalid(__LINE__, 0x7f, &e, 0, "constant expression required");
    e.n = 0; /* i64.and neither */
    i64c(&e, 6), i64c(&e, 3), byte(&e, 0x83);
    expect_invalid(__LINE__, 0x7e, &e, 0, "constant expression required");
    e.n = 0; /* i32.add of i64s */
    i64c(&e, 1), i64c(&e, 2), byte(&e, 0x6a);
    expect_invalid(__LINE__, 0x7f, &e, 0, "type mismatch");
    e.n = 0; /* one operand */
    i32c(&e, 1), byte(&e, 0x6a);
    expect_invalid(__LINE__, 0x7f, &e, 0, "type mismatch");
    e.n = 0; /* two values left */
    i32c(&e, 1), i32c(&e, 2), i32c(&e, 3), byte(&e, 0x6a);
    expect_invalid(__LINE__, 0x7f, &e, 0, "type mismatch");
    e.n = 0; /* an i64 result for an i32 global */
    i64c(&e, 1), i64c(&e, 2), byte(&e, 0x7c);
    expect_invalid(__LINE__, 0x7f, &e, 0, "type mismatch");
    e.n = 0; /* a mutable imported global */
    gget(&e, 0), i32c(&e, 1), byte(&e, 0x6a);
    expect_invalid(__LINE__, 0x7f, &e, 1, "constant expression required");
    e.n = 0; /* a defined global (only imported ones are visible) */
    gget(&e, 2), i32c(&e, 1), byte(&e, 0x6a);
    expect_invalid(__LINE__, 0x7f, &e, 0, "unknown global");
    /* 257 values on the stack */
    e.n = 0;
    for (int k = 0; k < 257; k++) i32c(&e, 1);
    for (int k = 0; k < 256; k++) byte(&e, 0x6a);
    expect_invalid(__LINE__, 0x7f, &e, 0, "constant expression too deep");
}

static void test_deep(void) {
    /* 256 values, then 255 adds: the limit itself is fine; with a global
     * read, so the evaluation is at instantiation. */
    buf e, m;
    uint8_t t = 0x7f;
    e.n = 0;
    gget(&e, 0);
    for (int k = 1; k < 256; k++) i32c(&e, k);
    for (int k = 1; k < 256; k++) byte(&e, 0x6a);
    module(&m, 0, 1, &t, &e, NULL);
    inst i;
    inst_new(engine, &m, 1000, 0, &i);
    CHECK_EQ_INT(i.rc, HIVE_OK);
    if (i.rc == HIVE_OK) CHECK_EQ_INT(get(&i, "g0"), 1000 + 255 * 256 / 2);
    inst_free(&i);
}

int main(void) {
    engine = hive_engine_new(NULL);
    if (!engine) return 1;
    RUN(test_values);
    RUN(test_invalid);
    RUN(test_deep);
    hive_engine_free(engine);
    return test_summary("extconst");
}
