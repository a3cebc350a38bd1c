/*
 * test_decode.c -- unit tests of the binary decoder (decode.c) and the
 * LEB128/UTF-8 readers (leb.h): every section kind, LEB128 bounds,
 * truncation at every cut point, mutated inputs, UTF-8, section order,
 * count mismatches, the name section and allocation failure at every
 * allocation. Every input is placed with guarded_copy() so that a read
 * past its end faults.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support/alloc.h"
#include "support/error.h"
#include "testutil.h"
#include "wasm/leb.h"
#include "wasm/module.h"
#include "wasm/runtime.h"

/* ---- a counting allocator that can fail its Nth allocation --------------- */

typedef struct test_alloc {
    long live;    /* blocks allocated and not yet freed */
    long calls;   /* allocating calls (new blocks and reallocs) */
    long fail_at; /* fail this call (1-based); 0 = never */
} test_alloc;

static void *test_alloc_fn(void *ud, void *ptr, size_t size) {
    test_alloc *t = ud;
    if (size == 0) {
        if (ptr) {
            t->live--;
            free(ptr);
        }
        return NULL;
    }
    t->calls++;
    if (t->fail_at && t->calls == t->fail_at) return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr) t->live++;
    return p;
}

static test_alloc talloc;
static struct hive_engine engine = {.alloc = {test_alloc_fn, &talloc}};

/* Decodes a guarded copy of p[0..n); the copy is unmapped before return,
 * so the module must not point into it. */
static int decode(const uint8_t *p, size_t n, wasm_module *m, hive_error *err) {
    uint8_t *g = guarded_copy(p, n);
    if (!g) {
        fprintf(stderr, "guarded_copy failed\n");
        exit(2);
    }
    memset(err, 0, sizeof *err);
    int rc = hv_wasm_decode(&engine, g, n, m, err);
    guarded_free(g, n);
    return rc;
}

/* Decodes, expects failure with `code` and a message starting with
 * `msg`, and checks nothing is left allocated. */
static int expect_fail(const uint8_t *p, size_t n, int code, const char *msg) {
    wasm_module m;
    hive_error err;
    int rc = decode(p, n, &m, &err);
    int ok = rc == code && err.code == code && strncmp(err.message, msg, strlen(msg)) == 0;
    if (!ok)
        fprintf(stderr, "  want %d \"%s\", got %d \"%s\" @%zu\n", code, msg, rc, err.message,
                err.offset);
    if (rc == HIVE_OK) hv_wasm_module_fini(&engine, &m);
    if (talloc.live != 0) {
        fprintf(stderr, "  leak: %ld blocks\n", talloc.live);
        ok = 0;
    }
    return ok;
}

static int expect_ok(const uint8_t *p, size_t n) {
    wasm_module m;
    hive_error err;
    int rc = decode(p, n, &m, &err);
    if (rc != HIVE_OK) fprintf(stderr, "  want success, got \"%s\" @%zu\n", err.message, err.offset);
    else hv_wasm_module_fini(&engine, &m);
    return rc == HIVE_OK && talloc.live == 0;
}

/* ---- building modules ---------------------------------------------------- */

typedef struct tbuf {
    uint8_t b[8192];
    size_t n;
    size_t bounds[64]; /* offsets where a section (or the header) ends */
    int nbounds;
} tbuf;

#define B(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void tb_bytes(tbuf *t, const uint8_t *p, size_t n) {
    if (t->n + n > sizeof t->b) abort();
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void tb_u32(tbuf *t, uint32_t v) {
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if (v) b |= 0x80;
        tb_bytes(t, &b, 1);
    } while (v);
}

static void tb_str(tbuf *t, const char *s) {
    tb_u32(t, (uint32_t)strlen(s));
    tb_bytes(t, (const uint8_t *)s, strlen(s));
}

static void tb_header(tbuf *t) {
    memset(t, 0, sizeof *t);
    tb_bytes(t, B(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));
    t->bounds[t->nbounds++] = t->n;
}

static void tb_section(tbuf *t, uint8_t id, const tbuf *c) {
    tb_bytes(t, &id, 1);
    tb_u32(t, (uint32_t)c->n);
    tb_bytes(t, c->b, c->n);
    t->bounds[t->nbounds++] = t->n;
}

/* A section made of raw bytes. */
static void tb_rawsec(tbuf *t, uint8_t id, const uint8_t *p, size_t n) {
    tbuf c = {.n = 0};
    tb_bytes(&c, p, n);
    tb_section(t, id, &c);
}

static int name_is(wasm_name n, const char *s) {
    return n.ptr && n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}

static const uint8_t v128_bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* A module using every section and every element/data encoding. */
static void build_full(tbuf *t) {
    tbuf c;
    tb_header(t);

    /* custom section before everything */
    c.n = 0;
    tb_str(&c, "first");
    tb_bytes(&c, B(1, 2, 3));
    tb_section(t, 0, &c);

    /* types: t0 (i32 i64)->(f32); t1 ()->(); t2 (v128 funcref externref f64)->(v128 i32) */
    c.n = 0;
    tb_bytes(&c, B(0x03, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d, 0x60, 0x00, 0x00));
    tb_bytes(&c, B(0x60, 0x04, 0x7b, 0x70, 0x6f, 0x7c, 0x02, 0x7b, 0x7f));
    tb_section(t, 1, &c);

    /* imports */
    c.n = 0;
    tb_u32(&c, 5);
    tb_str(&c, "env");
    tb_str(&c, "f");
    tb_bytes(&c, B(0x00, 0x01)); /* func t1 */
    tb_str(&c, "env");
    tb_str(&c, "t\xc3\xa9"); /* "té" */
    tb_bytes(&c, B(0x01, 0x70, 0x01, 0x01, 0x0a)); /* table funcref 1..10 */
    tb_str(&c, "\xe2\x82\xac"); /* "€" */
    tb_str(&c, "m\xf0\x9f\x98\x80"); /* "m😀" */
    tb_bytes(&c, B(0x02, 0x00, 0x01)); /* memory min 1 */
    tb_str(&c, "env");
    tb_str(&c, "g");
    tb_bytes(&c, B(0x03, 0x7f, 0x00)); /* global i32 const */
    tb_str(&c, "env");
    tb_str(&c, "f2");
    tb_bytes(&c, B(0x00, 0x00)); /* func t0 */
    tb_section(t, 2, &c);

    /* custom between sections */
    c.n = 0;
    tb_str(&c, "mid");
    tb_section(t, 0, &c);

    /* functions: 3 defined, types 0 1 2 -> funcs 2 3 4 */
    tb_rawsec(t, 3, B(0x03, 0x00, 0x01, 0x02));
    /* table externref min 0 */
    tb_rawsec(t, 4, B(0x01, 0x6f, 0x00, 0x00));
    /* memory 1..2 */
    tb_rawsec(t, 5, B(0x01, 0x01, 0x01, 0x02));

    /* globals: i64 mut = -1; v128 = const; f32 = 1.0 */
    c.n = 0;
    tb_bytes(&c, B(0x03, 0x7e, 0x01, 0x42, 0x7f, 0x0b, 0x7b, 0x00, 0xfd, 0x0c));
    tb_bytes(&c, v128_bytes, 16);
    tb_bytes(&c, B(0x0b, 0x7d, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b));
    tb_section(t, 6, &c);

    /* exports */
    c.n = 0;
    tb_u32(&c, 4);
    tb_str(&c, "f");
    tb_bytes(&c, B(0x00, 0x02));
    tb_str(&c, "t");
    tb_bytes(&c, B(0x01, 0x00));
    tb_str(&c, "m");
    tb_bytes(&c, B(0x02, 0x00));
    tb_str(&c, "g\xc3\xa9");
    tb_bytes(&c, B(0x03, 0x01));
    tb_section(t, 7, &c);

    /* start: func 3 */
    tb_rawsec(t, 8, B(0x03));

    /* elements: the 8 encodings */
    c.n = 0;
    tb_u32(&c, 8);
    tb_bytes(&c, B(0x00, 0x41, 0x00, 0x0b, 0x02, 0x02, 0x03));
    tb_bytes(&c, B(0x01, 0x00, 0x01, 0x04));
    tb_bytes(&c, B(0x02, 0x00, 0x41, 0x01, 0x0b, 0x00, 0x01, 0x02));
    tb_bytes(&c, B(0x03, 0x00, 0x01, 0x03));
    tb_bytes(&c, B(0x04, 0x41, 0x02, 0x0b, 0x02, 0xd2, 0x02, 0x0b, 0xd0, 0x70, 0x0b));
    tb_bytes(&c, B(0x05, 0x70, 0x01, 0xd2, 0x03, 0x0b));
    tb_bytes(&c, B(0x06, 0x01, 0x41, 0x03, 0x0b, 0x6f, 0x01, 0xd0, 0x6f, 0x0b));
    tb_bytes(&c, B(0x07, 0x70, 0x01, 0xd2, 0x04, 0x0b));
    tb_section(t, 9, &c);

    /* data count */
    tb_rawsec(t, 12, B(0x03));

    /* code */
    c.n = 0;
    tb_u32(&c, 3);
    /* body 0: locals 2 x i32, 1 x f64; local.get 0 drop f32.const 0 end */
    tb_bytes(&c, B(0x0e, 0x02, 0x02, 0x7f, 0x01, 0x7c, 0x20, 0x00, 0x1a, 0x43, 0, 0, 0, 0, 0x0b));
    /* body 1: no locals; end */
    tb_bytes(&c, B(0x02, 0x00, 0x0b));
    /* body 2: 1 x v128, non-minimal group count; unreachable end */
    tb_bytes(&c, B(0x06, 0x81, 0x00, 0x01, 0x7b, 0x00, 0x0b));
    tb_section(t, 10, &c);

    /* data: the 3 encodings */
    c.n = 0;
    tb_u32(&c, 3);
    tb_bytes(&c, B(0x00, 0x41, 0x00, 0x0b, 0x03, 'a', 'b', 'c'));
    tb_bytes(&c, B(0x01, 0x02, 'x', 'y'));
    tb_bytes(&c, B(0x02, 0x00, 0x41, 0x08, 0x0b, 0x00));
    tb_section(t, 11, &c);

    /* name section: module name, function names, local names */
    c.n = 0;
    tb_str(&c, "name");
    tb_bytes(&c, B(0x00, 0x04, 0x03, 'm', 'o', 'd'));
    tbuf sub = {.n = 0};
    tb_u32(&sub, 2);
    tb_u32(&sub, 0);
    tb_str(&sub, "imp");
    tb_u32(&sub, 3);
    tb_str(&sub, "st\xc3\xa4rt");
    tb_bytes(&c, B(0x01));
    tb_u32(&c, (uint32_t)sub.n);
    tb_bytes(&c, sub.b, sub.n);
    tb_bytes(&c, B(0x02, 0x01, 0x00));
    tb_section(t, 0, &c);

    /* trailing custom section */
    c.n = 0;
    tb_str(&c, "last");
    tb_section(t, 0, &c);
}

/* Offset of the byte sequence p[0..n) in t, or -1. */
static long tb_find(const tbuf *t, const uint8_t *p, size_t n) {
    for (size_t i = 0; i + n <= t->n; i++)
        if (memcmp(t->b + i, p, n) == 0) return (long)i;
    return -1;
}

/* ---- LEB128 and UTF-8 readers -------------------------------------------- */

static int leb_run_u32(const uint8_t *p, size_t n, uint32_t *v, size_t *used) {
    uint8_t *g = guarded_copy(p, n);
    leb_reader r;
    leb_init(&r, g, n, 100);
    int rc = leb_u32(&r, v);
    *used = leb_offset(&r) - 100;
    guarded_free(g, n);
    return rc;
}

static int leb_run_s32(const uint8_t *p, size_t n, int32_t *v) {
    uint8_t *g = guarded_copy(p, n);
    leb_reader r;
    leb_init(&r, g, n, 0);
    int rc = leb_s32(&r, v);
    guarded_free(g, n);
    return rc;
}

static int leb_run_s33(const uint8_t *p, size_t n, int64_t *v) {
    uint8_t *g = guarded_copy(p, n);
    leb_reader r;
    leb_init(&r, g, n, 0);
    int rc = leb_s33(&r, v);
    guarded_free(g, n);
    return rc;
}

static int leb_run_s64(const uint8_t *p, size_t n, int64_t *v) {
    uint8_t *g = guarded_copy(p, n);
    leb_reader r;
    leb_init(&r, g, n, 0);
    int rc = leb_s64(&r, v);
    guarded_free(g, n);
    return rc;
}

static void test_leb_u32(void) {
    uint32_t v = 0;
    size_t used = 0;
    CHECK_EQ_INT(leb_run_u32(B(0x00), &v, &used), LEB_OK);
    CHECK_EQ_INT(v, 0);
    CHECK_EQ_INT(used, 1);
    CHECK_EQ_INT(leb_run_u32(B(0xe5, 0x8e, 0x26), &v, &used), LEB_OK);
    CHECK_EQ_INT(v, 624485);
    CHECK_EQ_INT(leb_run_u32(B(0x82, 0x80, 0x80, 0x80, 0x00), &v, &used), LEB_OK);
    CHECK_EQ_INT(v, 2);
    CHECK_EQ_INT(used, 5);
    CHECK_EQ_INT(leb_run_u32(B(0xff, 0xff, 0xff, 0xff, 0x0f), &v, &used), LEB_OK);
    CHECK_EQ_INT(v, 0xffffffffu);
    /* too long: a sixth byte, even a zero one */
    CHECK_EQ_INT(leb_run_u32(B(0x82, 0x80, 0x80, 0x80, 0x80, 0x00), &v, &used), LEB_ELONG);
    CHECK_EQ_INT(used, 5); /* reported where the sixth byte starts */
    CHECK_EQ_INT(leb_run_u32(B(0x80, 0x80, 0x80, 0x80, 0x80), &v, &used), LEB_ELONG);
    /* too large: unused bits of the fifth byte */
    CHECK_EQ_INT(leb_run_u32(B(0xff, 0xff, 0xff, 0xff, 0x1f), &v, &used), LEB_ELARGE);
    CHECK_EQ_INT(used, 4); /* reported at the offending byte */
    CHECK_EQ_INT(leb_run_u32(B(0x82, 0x80, 0x80, 0x80, 0x70), &v, &used), LEB_ELARGE);
    CHECK_EQ_INT(leb_run_u32(B(0x82, 0x80, 0x80, 0x80, 0x40), &v, &used), LEB_ELARGE);
    /* truncated */
    CHECK_EQ_INT(leb_run_u32(B(0x80), &v, &used), LEB_EEND);
    CHECK_EQ_INT(leb_run_u32(B(0xff, 0xff, 0xff, 0xff), &v, &used), LEB_EEND);
    CHECK_EQ_INT(leb_run_u32(NULL, 0, &v, &used), LEB_EEND);
    /* u64 */
    uint8_t *g = guarded_copy((const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                0xff, 0x01}, 10);
    leb_reader r;
    leb_init(&r, g, 10, 0);
    uint64_t v64 = 0;
    CHECK_EQ_INT(leb_u64(&r, &v64), LEB_OK);
    CHECK(v64 == UINT64_MAX);
    CHECK(leb_eof(&r));
    guarded_free(g, 10);
    g = guarded_copy((const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0x02}, 10);
    leb_init(&r, g, 10, 0);
    CHECK_EQ_INT(leb_u64(&r, &v64), LEB_ELARGE);
    guarded_free(g, 10);
    /* u1 (limits flags) */
    g = guarded_copy((const uint8_t[]){0x02, 0x81, 0x00}, 3);
    leb_init(&r, g, 3, 0);
    CHECK_EQ_INT(leb_uN(&r, 1, &v64), LEB_ELARGE);
    leb_init(&r, g + 1, 2, 0);
    CHECK_EQ_INT(leb_uN(&r, 1, &v64), LEB_ELONG);
    guarded_free(g, 3);
}

static void test_leb_signed(void) {
    int32_t v = 0;
    CHECK_EQ_INT(leb_run_s32(B(0x7f), &v), LEB_OK);
    CHECK_EQ_INT(v, -1);
    CHECK_EQ_INT(leb_run_s32(B(0xff, 0x7f), &v), LEB_OK); /* non-minimal -1 */
    CHECK_EQ_INT(v, -1);
    CHECK_EQ_INT(leb_run_s32(B(0x80, 0x7f), &v), LEB_OK);
    CHECK_EQ_INT(v, -128);
    CHECK_EQ_INT(leb_run_s32(B(0x3f), &v), LEB_OK);
    CHECK_EQ_INT(v, 63);
    CHECK_EQ_INT(leb_run_s32(B(0xc0, 0x00), &v), LEB_OK);
    CHECK_EQ_INT(v, 64);
    CHECK_EQ_INT(leb_run_s32(B(0x80, 0x80, 0x80, 0x80, 0x78), &v), LEB_OK);
    CHECK_EQ_INT(v, INT32_MIN);
    CHECK_EQ_INT(leb_run_s32(B(0xff, 0xff, 0xff, 0xff, 0x07), &v), LEB_OK);
    CHECK_EQ_INT(v, INT32_MAX);
    CHECK_EQ_INT(leb_run_s32(B(0xff, 0xff, 0xff, 0xff, 0x7f), &v), LEB_OK);
    CHECK_EQ_INT(v, -1);
    CHECK_EQ_INT(leb_run_s32(B(0x80, 0x80, 0x80, 0x80, 0x00), &v), LEB_OK);
    CHECK_EQ_INT(v, 0);
    /* unused bits must match the sign */
    CHECK_EQ_INT(leb_run_s32(B(0xff, 0xff, 0xff, 0xff, 0x0f), &v), LEB_ELARGE);
    CHECK_EQ_INT(leb_run_s32(B(0x80, 0x80, 0x80, 0x80, 0x70), &v), LEB_ELARGE);
    CHECK_EQ_INT(leb_run_s32(B(0x80, 0x80, 0x80, 0x80, 0x1f), &v), LEB_ELARGE);
    CHECK_EQ_INT(leb_run_s32(B(0xff, 0xff, 0xff, 0xff, 0x4f), &v), LEB_ELARGE);
    /* too long */
    CHECK_EQ_INT(leb_run_s32(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), &v), LEB_ELONG);
    CHECK_EQ_INT(leb_run_s32(B(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), &v), LEB_ELONG);
    CHECK_EQ_INT(leb_run_s32(B(0xff), &v), LEB_EEND);

    int64_t w = 0;
    CHECK_EQ_INT(leb_run_s33(B(0xff, 0xff, 0xff, 0xff, 0x0f), &w), LEB_OK);
    CHECK_EQ_INT(w, 0xffffffffll);
    CHECK_EQ_INT(leb_run_s33(B(0x80, 0x80, 0x80, 0x80, 0x70), &w), LEB_OK);
    CHECK_EQ_INT(w, -(1ll << 32));
    CHECK_EQ_INT(leb_run_s33(B(0x40), &w), LEB_OK);
    CHECK_EQ_INT(w, -64);
    CHECK_EQ_INT(leb_run_s33(B(0x80, 0x80, 0x80, 0x80, 0x50), &w), LEB_ELARGE);
    CHECK_EQ_INT(leb_run_s33(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), &w), LEB_ELONG);

    CHECK_EQ_INT(leb_run_s64(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f), &w),
                 LEB_OK);
    CHECK(w == INT64_MIN);
    CHECK_EQ_INT(leb_run_s64(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00), &w),
                 LEB_OK);
    CHECK(w == INT64_MAX);
    CHECK_EQ_INT(leb_run_s64(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), &w),
                 LEB_OK);
    CHECK_EQ_INT(w, -1);
    CHECK_EQ_INT(leb_run_s64(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e), &w),
                 LEB_ELARGE);
    CHECK_EQ_INT(leb_run_s64(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), &w),
                 LEB_ELARGE);
    CHECK_EQ_INT(leb_run_s64(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02), &w),
                 LEB_ELARGE);
    CHECK_EQ_INT(leb_run_s64(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x41), &w),
                 LEB_ELARGE);
    CHECK_EQ_INT(leb_run_s64(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
                             &w),
                 LEB_ELONG);
    CHECK_EQ_INT(leb_run_s64(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
                             &w),
                 LEB_ELONG);
    CHECK_EQ_INT(leb_run_s64(B(0x80, 0x80, 0x80), &w), LEB_EEND);
}

static void test_leb_fixed_and_names(void) {
    uint8_t *g = guarded_copy((const uint8_t[]){0x00, 0x00, 0x80, 0x3f, 1, 2, 3, 4, 5, 6, 7}, 11);
    leb_reader r;
    leb_init(&r, g, 11, 0);
    uint32_t f = 0;
    uint64_t d = 0;
    CHECK_EQ_INT(leb_f32(&r, &f), LEB_OK);
    CHECK_EQ_INT(f, 0x3f800000);
    CHECK_EQ_INT(leb_f64(&r, &d), LEB_EEND); /* 7 bytes left */
    leb_init(&r, g + 3, 8, 0);
    CHECK_EQ_INT(leb_f64(&r, &d), LEB_OK);
    CHECK(d == 0x070605040302013full);
    guarded_free(g, 11);

    /* names */
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"", true},
        {"abc", true},
        {"\xc2\x80", true},
        {"\xdf\xbf", true},
        {"\xe0\xa0\x80", true},
        {"\xed\x9f\xbf", true},         /* U+D7FF */
        {"\xee\x80\x80", true},         /* U+E000 */
        {"\xef\xbf\xbf", true},
        {"\xf0\x90\x80\x80", true},
        {"\xf4\x8f\xbf\xbf", true},     /* U+10FFFF */
        {"\x80", false},                /* lone continuation */
        {"\xbf", false},
        {"\xc0\x80", false},            /* overlong NUL */
        {"\xc1\xbf", false},            /* overlong */
        {"\xc2", false},                /* truncated */
        {"\xc2\x41", false},            /* bad continuation */
        {"\xe0\x80\x80", false},        /* overlong */
        {"\xe0\x9f\xbf", false},        /* overlong */
        {"\xe2\x82", false},            /* truncated */
        {"\xed\xa0\x80", false},        /* surrogate D800 */
        {"\xed\xbf\xbf", false},        /* surrogate DFFF */
        {"\xf0\x80\x80\x80", false},    /* overlong */
        {"\xf0\x8f\xbf\xbf", false},    /* overlong */
        {"\xf4\x90\x80\x80", false},    /* above 10FFFF */
        {"\xf5\x80\x80\x80", false},
        {"\xf8\x88\x80\x80\x80", false},
        {"\xff", false},
        {"\xf0\x9f\x98", false},        /* truncated 4-byte */
        {"a\xe2\x82\xacz", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].s);
        uint8_t buf[16];
        buf[0] = (uint8_t)n;
        memcpy(buf + 1, cases[i].s, n);
        g = guarded_copy(buf, n + 1);
        leb_init(&r, g, n + 1, 0);
        const uint8_t *p = NULL;
        uint32_t len = 99;
        int rc = leb_name(&r, &p, &len);
        if (cases[i].ok) {
            CHECK_EQ_INT(rc, LEB_OK);
            CHECK_EQ_INT(len, n);
            CHECK(p == g + 1);
        } else {
            if (rc != LEB_EUTF8) fprintf(stderr, "  UTF-8 case %zu accepted\n", i);
            CHECK_EQ_INT(rc, LEB_EUTF8);
            CHECK_EQ_INT(leb_offset(&r), 0);
        }
        guarded_free(g, n + 1);
    }
    /* a length beyond the input, and one that fits the input but not the
     * bytes after the length */
    g = guarded_copy((const uint8_t[]){0x05, 'a', 'b'}, 3);
    leb_init(&r, g, 3, 0);
    const uint8_t *p;
    uint32_t len;
    CHECK_EQ_INT(leb_name(&r, &p, &len), LEB_ELENGTH);
    guarded_free(g, 3);
    g = guarded_copy((const uint8_t[]){0x03, 'a', 'b'}, 3);
    leb_init(&r, g, 3, 0);
    CHECK_EQ_INT(leb_name(&r, &p, &len), LEB_EEND);
    guarded_free(g, 3);
}

/* ---- whole modules ------------------------------------------------------- */

static void test_empty_module(void) {
    wasm_module m;
    hive_error err;
    CHECK_EQ_INT(decode(B(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00), &m, &err), HIVE_OK);
    CHECK_EQ_INT(m.len, 8);
    CHECK(m.bytes != NULL);
    CHECK_EQ_INT(m.ntypes + m.nimports + m.nfuncs + m.ntables + m.nmemories + m.nglobals, 0);
    CHECK_EQ_INT(m.nexports + m.nelems + m.ndatas, 0);
    CHECK(!m.has_start && !m.has_datacount && m.func_names == NULL && m.codes == NULL);
    hv_wasm_module_fini(&engine, &m);
    CHECK(m.bytes == NULL);
    CHECK_EQ_INT(talloc.live, 0);
    hv_wasm_module_fini(&engine, &m); /* again, on the zeroed module */
    CHECK_EQ_INT(talloc.live, 0);
}

static void test_full_module(void) {
    tbuf t;
    build_full(&t);
    wasm_module m;
    hive_error err;
    int rc = decode(t.b, t.n, &m, &err);
    CHECK_EQ_INT(rc, HIVE_OK);
    if (rc != HIVE_OK) {
        fprintf(stderr, "  %s @%zu\n", err.message, err.offset);
        return;
    }
    CHECK_EQ_INT(m.len, t.n);
    CHECK(memcmp(m.bytes, t.b, t.n) == 0);

    /* types */
    CHECK_EQ_INT(m.ntypes, 3);
    CHECK_EQ_INT(m.types[0].nparams, 2);
    CHECK_EQ_INT(m.types[0].params[0], WASM_I32);
    CHECK_EQ_INT(m.types[0].params[1], WASM_I64);
    CHECK_EQ_INT(m.types[0].nresults, 1);
    CHECK_EQ_INT(m.types[0].results[0], WASM_F32);
    CHECK_EQ_INT(m.types[0].param_slots, 2);
    CHECK_EQ_INT(m.types[0].result_slots, 1);
    CHECK_EQ_INT(m.types[1].nparams + m.types[1].nresults, 0);
    CHECK(m.types[1].params == NULL && m.types[1].results == NULL);
    CHECK_EQ_INT(m.types[2].nparams, 4);
    CHECK(memcmp(m.types[2].params, (const uint8_t[]){0x7b, 0x70, 0x6f, 0x7c}, 4) == 0);
    CHECK_EQ_INT(m.types[2].param_slots, 5);
    CHECK_EQ_INT(m.types[2].nresults, 2);
    CHECK_EQ_INT(m.types[2].result_slots, 3);

    /* imports */
    CHECK_EQ_INT(m.nimports, 5);
    CHECK(name_is(m.imports[0].module, "env") && name_is(m.imports[0].name, "f"));
    CHECK_EQ_INT(m.imports[0].kind, HIVE_EXTERN_FUNC);
    CHECK_EQ_INT(m.imports[0].typeidx, 1);
    CHECK_EQ_INT(m.imports[0].index, 0);
    CHECK(name_is(m.imports[1].name, "t\xc3\xa9"));
    CHECK_EQ_INT(m.imports[1].kind, HIVE_EXTERN_TABLE);
    CHECK_EQ_INT(m.imports[1].index, 0);
    CHECK_EQ_INT(m.imports[1].table.elemtype, WASM_FUNCREF);
    CHECK(m.imports[1].table.limits.has_max);
    CHECK_EQ_INT(m.imports[1].table.limits.min, 1);
    CHECK_EQ_INT(m.imports[1].table.limits.max, 10);
    CHECK(name_is(m.imports[2].module, "\xe2\x82\xac"));
    CHECK(name_is(m.imports[2].name, "m\xf0\x9f\x98\x80"));
    CHECK_EQ_INT(m.imports[2].kind, HIVE_EXTERN_MEMORY);
    CHECK(!m.imports[2].memory.has_max);
    CHECK_EQ_INT(m.imports[2].memory.min, 1);
    CHECK_EQ_INT(m.imports[3].kind, HIVE_EXTERN_GLOBAL);
    CHECK_EQ_INT(m.imports[3].global.valtype, WASM_I32);
    CHECK(!m.imports[3].global.mutable_);
    CHECK_EQ_INT(m.imports[4].kind, HIVE_EXTERN_FUNC);
    CHECK_EQ_INT(m.imports[4].index, 1);
    CHECK_EQ_INT(m.imports[4].typeidx, 0);
    /* names point into the module's own copy */
    CHECK((const uint8_t *)m.imports[0].module.ptr >= m.bytes &&
          (const uint8_t *)m.imports[0].module.ptr < m.bytes + m.len);

    /* function index space */
    CHECK_EQ_INT(m.nimported_funcs, 2);
    CHECK_EQ_INT(m.nfuncs, 5);
    static const uint32_t ftypes[5] = {1, 0, 0, 1, 2};
    CHECK(memcmp(m.func_types, ftypes, sizeof ftypes) == 0);
    CHECK(wasm_func_type(&m, 4) == &m.types[2]);

    /* tables, memories */
    CHECK_EQ_INT(m.nimported_tables, 1);
    CHECK_EQ_INT(m.ntables, 2);
    CHECK_EQ_INT(m.tables[0].elemtype, WASM_FUNCREF);
    CHECK_EQ_INT(m.tables[0].limits.max, 10);
    CHECK_EQ_INT(m.tables[1].elemtype, WASM_EXTERNREF);
    CHECK(!m.tables[1].limits.has_max);
    CHECK_EQ_INT(m.nimported_memories, 1);
    CHECK_EQ_INT(m.nmemories, 2);
    CHECK_EQ_INT(m.memories[0].min, 1);
    CHECK(m.memories[1].has_max);
    CHECK_EQ_INT(m.memories[1].min, 1);
    CHECK_EQ_INT(m.memories[1].max, 2);

    /* globals */
    CHECK_EQ_INT(m.nimported_globals, 1);
    CHECK_EQ_INT(m.nglobals, 4);
    CHECK_EQ_INT(m.globals[0].type.valtype, WASM_I32);
    CHECK_EQ_INT(m.globals[1].type.valtype, WASM_I64);
    CHECK(m.globals[1].type.mutable_);
    {
        wasm_constexpr *c = &m.globals[1].init;
        CHECK_EQ_INT(c->end - c->start, 3);
        CHECK(memcmp(m.bytes + c->start, (const uint8_t[]){0x42, 0x7f, 0x0b}, 3) == 0);
        CHECK_EQ_INT(c->op, WASM_CONST_NONE);
    }
    CHECK_EQ_INT(m.globals[2].type.valtype, WASM_V128);
    CHECK_EQ_INT(m.globals[2].init.end - m.globals[2].init.start, 19);
    CHECK_EQ_INT(m.bytes[m.globals[2].init.end - 1], 0x0b);
    CHECK_EQ_INT(m.globals[3].type.valtype, WASM_F32);
    CHECK_EQ_INT(m.globals[3].init.end - m.globals[3].init.start, 6);

    /* exports */
    CHECK_EQ_INT(m.nexports, 4);
    CHECK(name_is(m.exports[0].name, "f"));
    CHECK_EQ_INT(m.exports[0].kind, HIVE_EXTERN_FUNC);
    CHECK_EQ_INT(m.exports[0].index, 2);
    CHECK_EQ_INT(m.exports[1].kind, HIVE_EXTERN_TABLE);
    CHECK_EQ_INT(m.exports[2].kind, HIVE_EXTERN_MEMORY);
    CHECK(name_is(m.exports[3].name, "g\xc3\xa9"));
    CHECK_EQ_INT(m.exports[3].kind, HIVE_EXTERN_GLOBAL);
    CHECK_EQ_INT(m.exports[3].index, 1);

    /* start */
    CHECK(m.has_start);
    CHECK_EQ_INT(m.start, 3);

    /* elements */
    CHECK_EQ_INT(m.nelems, 8);
    wasm_elem *e = m.elems;
    CHECK_EQ_INT(e[0].mode, WASM_SEG_ACTIVE);
    CHECK_EQ_INT(e[0].table, 0);
    CHECK_EQ_INT(e[0].elemtype, WASM_FUNCREF);
    CHECK_EQ_INT(e[0].count, 2);
    CHECK(e[0].funcs && !e[0].exprs && e[0].funcs[0] == 2 && e[0].funcs[1] == 3);
    CHECK(memcmp(m.bytes + e[0].offset.start, (const uint8_t[]){0x41, 0x00, 0x0b}, 3) == 0);
    CHECK_EQ_INT(e[0].offset.end - e[0].offset.start, 3);
    CHECK_EQ_INT(e[1].mode, WASM_SEG_PASSIVE);
    CHECK(e[1].count == 1 && e[1].funcs && e[1].funcs[0] == 4);
    CHECK_EQ_INT(e[2].mode, WASM_SEG_ACTIVE);
    CHECK_EQ_INT(e[2].table, 0);
    CHECK(m.bytes[e[2].offset.start + 1] == 0x01);
    CHECK(e[2].count == 1 && e[2].funcs[0] == 2);
    CHECK_EQ_INT(e[3].mode, WASM_SEG_DECLARATIVE);
    CHECK(e[3].count == 1 && e[3].funcs[0] == 3);
    CHECK_EQ_INT(e[4].mode, WASM_SEG_ACTIVE);
    CHECK_EQ_INT(e[4].elemtype, WASM_FUNCREF);
    CHECK(e[4].count == 2 && e[4].exprs && !e[4].funcs);
    CHECK(memcmp(m.bytes + e[4].exprs[0].start, (const uint8_t[]){0xd2, 0x02, 0x0b}, 3) == 0);
    CHECK_EQ_INT(e[4].exprs[0].end - e[4].exprs[0].start, 3);
    CHECK(memcmp(m.bytes + e[4].exprs[1].start, (const uint8_t[]){0xd0, 0x70, 0x0b}, 3) == 0);
    CHECK_EQ_INT(e[5].mode, WASM_SEG_PASSIVE);
    CHECK_EQ_INT(e[5].elemtype, WASM_FUNCREF);
    CHECK(e[5].count == 1 && e[5].exprs);
    CHECK_EQ_INT(e[6].mode, WASM_SEG_ACTIVE);
    CHECK_EQ_INT(e[6].table, 1);
    CHECK_EQ_INT(e[6].elemtype, WASM_EXTERNREF);
    CHECK(m.bytes[e[6].offset.start + 1] == 0x03);
    CHECK(e[6].count == 1 && e[6].exprs && m.bytes[e[6].exprs[0].start] == 0xd0);
    CHECK_EQ_INT(e[7].mode, WASM_SEG_DECLARATIVE);
    CHECK_EQ_INT(e[7].elemtype, WASM_FUNCREF);
    CHECK(e[7].count == 1 && e[7].exprs);

    /* data count, code */
    CHECK(m.has_datacount);
    CHECK_EQ_INT(m.datacount, 3);
    CHECK(m.codes != NULL);
    wasm_code *c = m.codes;
    CHECK_EQ_INT(c[0].nlocals, 3);
    CHECK(c[0].local_types && memcmp(c[0].local_types, (const uint8_t[]){0x7f, 0x7f, 0x7c}, 3) == 0);
    CHECK_EQ_INT(c[0].body_end - c[0].body_start, 9);
    CHECK_EQ_INT(m.bytes[c[0].body_start], 0x20);
    CHECK_EQ_INT(m.bytes[c[0].body_end - 1], 0x0b);
    CHECK_EQ_INT(c[1].nlocals, 0);
    CHECK(c[1].local_types == NULL);
    CHECK_EQ_INT(c[1].body_end - c[1].body_start, 1);
    CHECK_EQ_INT(m.bytes[c[1].body_start], 0x0b);
    CHECK_EQ_INT(c[2].nlocals, 1);
    CHECK_EQ_INT(c[2].local_types[0], WASM_V128);
    CHECK_EQ_INT(c[2].body_end - c[2].body_start, 2);
    CHECK(c[0].cells == NULL && c[0].ncells == 0 && c[0].type == NULL);

    /* data */
    CHECK_EQ_INT(m.ndatas, 3);
    CHECK_EQ_INT(m.datas[0].mode, WASM_SEG_ACTIVE);
    CHECK_EQ_INT(m.datas[0].memory, 0);
    CHECK(m.datas[0].len == 3 && memcmp(m.datas[0].bytes, "abc", 3) == 0);
    CHECK(m.datas[0].bytes >= m.bytes && m.datas[0].bytes < m.bytes + m.len);
    CHECK_EQ_INT(m.datas[0].offset.end - m.datas[0].offset.start, 3);
    CHECK_EQ_INT(m.datas[1].mode, WASM_SEG_PASSIVE);
    CHECK(m.datas[1].len == 2 && memcmp(m.datas[1].bytes, "xy", 2) == 0);
    CHECK_EQ_INT(m.datas[2].mode, WASM_SEG_ACTIVE);
    CHECK_EQ_INT(m.datas[2].len, 0);
    CHECK_EQ_INT(m.bytes[m.datas[2].offset.start + 1], 0x08);

    /* names */
    CHECK(m.func_names != NULL);
    if (m.func_names) {
        CHECK(name_is(m.func_names[0], "imp"));
        CHECK(m.func_names[1].ptr == NULL && m.func_names[2].ptr == NULL);
        CHECK(name_is(m.func_names[3], "st\xc3\xa4rt"));
        CHECK(m.func_names[4].ptr == NULL);
    }

    hv_wasm_module_fini(&engine, &m);
    CHECK_EQ_INT(talloc.live, 0);
}

/* Every prefix of the full module decodes or fails cleanly; a prefix that
 * cuts a section must fail as malformed. */
static void test_truncation(void) {
    tbuf t;
    build_full(&t);
    for (size_t n = 0; n < t.n; n++) {
        bool boundary = false;
        for (int i = 0; i < t.nbounds; i++) boundary |= t.bounds[i] == n;
        wasm_module m;
        hive_error err;
        int rc = decode(t.b, n, &m, &err);
        if (boundary) {
            CHECK(rc == HIVE_OK || rc == HIVE_EMALFORMED);
        } else {
            if (rc != HIVE_EMALFORMED) fprintf(stderr, "  prefix %zu: rc %d\n", n, rc);
            CHECK_EQ_INT(rc, HIVE_EMALFORMED);
            CHECK(err.offset <= n);
        }
        if (rc == HIVE_OK) hv_wasm_module_fini(&engine, &m);
        CHECK_EQ_INT(talloc.live, 0);
    }
    /* the boundary right before the code section: functions without code */
    long code = tb_find(&t, B(0x0a, 0x1a, 0x03));
    CHECK(code > 0);
    CHECK(expect_fail(t.b, (size_t)code, HIVE_EMALFORMED,
                      "function and code section have inconsistent lengths"));
}

/* Mutated copies of the full module: any outcome but a crash or a leak. */
static void test_mutations(void) {
    tbuf t;
    build_full(&t);
    uint32_t seed = 12345;
    int outcomes[3] = {0, 0, 0};
    for (size_t pos = 8; pos < t.n; pos++) {
        for (int k = 0; k < 6; k++) {
            uint8_t copy[sizeof t.b];
            memcpy(copy, t.b, t.n);
            seed = seed * 1103515245u + 12345u;
            static const uint8_t picks[] = {0x00, 0x01, 0x0b, 0x7f, 0x80, 0xff};
            copy[pos] = k < 5 ? (uint8_t)(copy[pos] ^ (1u << (seed >> 29))) : picks[seed >> 29 & 3];
            wasm_module m;
            hive_error err;
            int rc = decode(copy, t.n, &m, &err);
            CHECK(rc == HIVE_OK || rc == HIVE_EMALFORMED || rc == HIVE_ELIMIT);
            if (rc == HIVE_OK) {
                outcomes[0]++;
                hv_wasm_module_fini(&engine, &m);
            } else {
                outcomes[rc == HIVE_EMALFORMED ? 1 : 2]++;
                CHECK(err.offset <= t.n);
            }
            CHECK_EQ_INT(talloc.live, 0);
        }
    }
    CHECK(outcomes[0] > 0 && outcomes[1] > 0);
}

/* Fail the Nth allocation for N = 1, 2, ... until decoding succeeds. */
static void test_alloc_failure(void) {
    tbuf t;
    build_full(&t);
    long n;
    for (n = 1; n < 10000; n++) {
        talloc.calls = 0;
        talloc.fail_at = n;
        wasm_module m;
        hive_error err;
        int rc = decode(t.b, t.n, &m, &err);
        if (rc == HIVE_OK) {
            hv_wasm_module_fini(&engine, &m);
            break;
        }
        CHECK_EQ_INT(rc, HIVE_ENOMEM);
        CHECK_EQ_INT(err.code, HIVE_ENOMEM);
        CHECK(m.bytes == NULL);
        CHECK_EQ_INT(talloc.live, 0);
    }
    talloc.fail_at = 0;
    CHECK(n > 10); /* the module needs many allocations */
    CHECK(n < 10000);
    CHECK_EQ_INT(talloc.live, 0);
}

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

static void test_header(void) {
    CHECK(expect_fail(NULL, 0, HIVE_EMALFORMED, "unexpected end"));
    CHECK(expect_fail(B(0x00, 0x61, 0x73), HIVE_EMALFORMED, "unexpected end"));
    CHECK(expect_fail(B(0x01, 0x61, 0x73, 0x6d), HIVE_EMALFORMED, "magic header not detected"));
    CHECK(expect_fail(B(0x00, 0x41, 0x53, 0x4d, 1, 0, 0, 0), HIVE_EMALFORMED,
                      "magic header not detected"));
    CHECK(expect_fail(B(0x00, 0x61, 0x73, 0x6d), HIVE_EMALFORMED, "unexpected end"));
    CHECK(expect_fail(B(0x00, 0x61, 0x73, 0x6d, 1, 0, 0), HIVE_EMALFORMED, "unexpected end"));
    CHECK(expect_fail(B(0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0), HIVE_EMALFORMED,
                      "unknown binary version"));
    CHECK(expect_fail(B(0x00, 0x61, 0x73, 0x6d, 0, 0, 0, 1), HIVE_EMALFORMED,
                      "unknown binary version"));
    /* concatenated modules: the second header reads as a custom section */
    CHECK(expect_fail(B(HDR, HDR), HIVE_EMALFORMED, "length out of bounds"));
    wasm_module m;
    hive_error err;
    CHECK_EQ_INT(decode(B(0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0), &m, &err), HIVE_EMALFORMED);
    CHECK_EQ_INT(err.offset, 4);
    CHECK_EQ_INT(talloc.live, 0);
}

static void test_section_ids_and_sizes(void) {
    /* 13, the tag section, exists beyond WebAssembly 2.0 */
    engine.wasm2 = true;
    CHECK(expect_fail(B(HDR, 0x0d, 0x00), HIVE_EMALFORMED, "malformed section id"));
    engine.wasm2 = false;
    CHECK(expect_fail(B(HDR, 0x0d, 0x00), HIVE_EMALFORMED, "unexpected end"));
    CHECK(expect_fail(B(HDR, 0x0e, 0x00), HIVE_EMALFORMED, "malformed section id"));
    /* after the memory section, before the global section */
    CHECK(expect_fail(B(HDR, 0x06, 0x01, 0x00, 0x0d, 0x01, 0x00), HIVE_EMALFORMED,
                      "unexpected content after last section"));
    CHECK(expect_fail(B(HDR, 0x0d, 0x01, 0x00, 0x05, 0x01, 0x00), HIVE_EMALFORMED,
                      "unexpected content after last section"));
    {
        wasm_module m;
        hive_error err;
        /* a type () -> (), two tags of it; then a tag of attribute 1 */
        CHECK_EQ_INT(decode(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x05, 0x01, 0x00, 0x0d,
                              0x05, 0x02, 0x00, 0x00, 0x00, 0x00), &m, &err), HIVE_OK);
        CHECK_EQ_INT(m.ntags, 2);
        CHECK_EQ_INT(m.tags[1], 0);
        hv_wasm_module_fini(&engine, &m);
        CHECK(expect_fail(B(HDR, 0x0d, 0x03, 0x01, 0x01, 0x00), HIVE_EMALFORMED,
                          "malformed tag attribute"));
    }
    CHECK(expect_fail(B(HDR, 0x7f, 0x00), HIVE_EMALFORMED, "malformed section id"));
    CHECK(expect_fail(B(HDR, 0x80, 0x00, 0x01, 0x00), HIVE_EMALFORMED, "malformed section id"));
    /* section size larger than the input */
    CHECK(expect_fail(B(HDR, 0x01, 0x05, 0x01, 0x60, 0x00), HIVE_EMALFORMED,
                      "length out of bounds"));
    /* section size larger than its contents */
    CHECK(expect_fail(B(HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00), HIVE_EMALFORMED,
                      "section size mismatch"));
    /* section size smaller than its contents */
    CHECK(expect_fail(B(HDR, 0x01, 0x03, 0x01, 0x60, 0x00, 0x00), HIVE_EMALFORMED,
                      "section size mismatch"));
    /* 1 type declared, 2 given */
    CHECK(expect_fail(B(HDR, 0x01, 0x07, 0x01, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00),
                      HIVE_EMALFORMED, "section size mismatch"));
    /* 2 types declared, 1 given */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x02, 0x60, 0x00, 0x00), HIVE_EMALFORMED,
                      "unexpected end"));
    /* a count that exceeds the remaining bytes */
    CHECK(expect_fail(B(HDR, 0x03, 0x02, 0x7f, 0x00), HIVE_EMALFORMED, "length out of bounds"));
    /* counts may be zero; sections may be empty */
    CHECK(expect_ok(B(HDR, 0x01, 0x01, 0x00, 0x02, 0x01, 0x00, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00,
                      0x05, 0x01, 0x00, 0x06, 0x01, 0x00, 0x07, 0x01, 0x00, 0x09, 0x01, 0x00,
                      0x0c, 0x01, 0x00, 0x0a, 0x01, 0x00, 0x0b, 0x01, 0x00)));
    /* non-minimal section size */
    CHECK(expect_ok(B(HDR, 0x01, 0x81, 0x80, 0x80, 0x80, 0x00, 0x00)));
    CHECK(expect_fail(B(HDR, 0x01, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00), HIVE_EMALFORMED,
                      "integer representation too long"));
}

static void test_section_order(void) {
    /* in order, with data count between element and code */
    CHECK(expect_ok(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                      0x09, 0x01, 0x00, 0x0c, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
                      0x0b, 0x01, 0x00)));
    /* duplicate */
    CHECK(expect_fail(B(HDR, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00), HIVE_EMALFORMED,
                      "unexpected content after last section"));
    /* function before type */
    CHECK(expect_fail(B(HDR, 0x03, 0x01, 0x00, 0x01, 0x01, 0x00), HIVE_EMALFORMED,
                      "unexpected content after last section"));
    /* data count after code */
    CHECK(expect_fail(B(HDR, 0x0a, 0x01, 0x00, 0x0c, 0x01, 0x00), HIVE_EMALFORMED,
                      "unexpected content after last section"));
    /* data count before element */
    CHECK(expect_fail(B(HDR, 0x0c, 0x01, 0x00, 0x09, 0x01, 0x00), HIVE_EMALFORMED,
                      "unexpected content after last section"));
    /* data before code */
    CHECK(expect_fail(B(HDR, 0x0b, 0x01, 0x00, 0x0a, 0x01, 0x00), HIVE_EMALFORMED,
                      "unexpected content after last section"));
    /* two start sections */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                        0x08, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b),
                      HIVE_EMALFORMED, "unexpected content after last section"));
    /* custom sections anywhere, repeated */
    CHECK(expect_ok(B(HDR, 0x00, 0x02, 0x01, 'a', 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
                      0x00, 0x01, 0x00, 0x0b, 0x01, 0x00, 0x00, 0x03, 0x01, 'z', 0xff)));
}

static void test_custom_sections(void) {
    /* no size */
    CHECK(expect_fail(B(HDR, 0x00), HIVE_EMALFORMED, "unexpected end"));
    /* no name */
    CHECK(expect_fail(B(HDR, 0x00, 0x00), HIVE_EMALFORMED, "unexpected end"));
    /* name longer than the section */
    CHECK(expect_fail(B(HDR, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x07, 0x00, 0x00),
                      HIVE_EMALFORMED, "unexpected end"));
    CHECK(expect_fail(B(HDR, 0x00, 0x02, 0x03, 'a', 'b', 'c'), HIVE_EMALFORMED,
                      "unexpected end"));
    /* payload runs past the end */
    CHECK(expect_fail(B(HDR, 0x00, 0x05, 0x01, 'a', 'b'), HIVE_EMALFORMED,
                      "length out of bounds"));
    /* payload one byte past the end: the size passes the length check */
    CHECK(expect_fail(B(HDR, 0x00, 0x04, 0x01, 'a', 'b'), HIVE_EMALFORMED, "unexpected end"));
    /* empty name and empty payload are fine */
    CHECK(expect_ok(B(HDR, 0x00, 0x01, 0x00)));
    /* bad UTF-8 name */
    CHECK(expect_fail(B(HDR, 0x00, 0x02, 0x01, 0x80), HIVE_EMALFORMED,
                      "malformed UTF-8 encoding"));
    CHECK(expect_fail(B(HDR, 0x00, 0x04, 0x03, 0xed, 0xa0, 0x80), HIVE_EMALFORMED,
                      "malformed UTF-8 encoding"));
    /* a bad custom section size makes the following bytes a section */
    CHECK(expect_fail(B(HDR, 0x00, 0x02, 0x01, 'a', 'b', 0x00), HIVE_EMALFORMED,
                      "malformed section id"));
}

static void test_utf8_in_names(void) {
    static const uint8_t bad[][4] = {
        {1, 0x80}, {2, 0xc0, 0x80}, {3, 0xe0, 0x80, 0x80}, {3, 0xed, 0xa0, 0x80},
        {2, 0xe2, 0x82}, {1, 0xf5}, {3, 0xef, 0xbf, 0x3f},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = bad[i][0] + 1u;
        /* import module name, import field name, export name */
        for (int where = 0; where < 3; where++) {
            tbuf t;
            tb_header(&t);
            tbuf c = {.n = 0};
            uint8_t sec = where < 2 ? 2 : 7;
            tb_u32(&c, 1);
            if (where == 1) tb_str(&c, "m");
            tb_bytes(&c, bad[i], n);
            if (where == 0) tb_str(&c, "f");
            if (where < 2) tb_bytes(&c, B(0x02, 0x00, 0x01)); /* memory */
            else tb_bytes(&c, B(0x00, 0x00));
            tb_section(&t, sec, &c);
            if (!expect_fail(t.b, t.n, HIVE_EMALFORMED, "malformed UTF-8 encoding")) {
                fprintf(stderr, "  case %zu where %d\n", i, where);
                CHECK(0);
            }
        }
    }
}

static void test_count_mismatches(void) {
    /* function section without code section */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00),
                      HIVE_EMALFORMED, "function and code section have inconsistent lengths"));
    /* code section without function section */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00,
                        0x0b),
                      HIVE_EMALFORMED, "function and code section have inconsistent lengths"));
    /* 2 functions, 1 body */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00,
                        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b),
                      HIVE_EMALFORMED, "function and code section have inconsistent lengths"));
    /* 1 function, 2 bodies (the extra one has locals: must not leak) */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                        0x0a, 0x09, 0x02, 0x02, 0x00, 0x0b, 0x04, 0x01, 0x01, 0x7f, 0x0b),
                      HIVE_EMALFORMED, "function and code section have inconsistent lengths"));
    /* zero functions, no code section: fine */
    CHECK(expect_ok(B(HDR, 0x03, 0x01, 0x00)));
    CHECK(expect_ok(B(HDR, 0x0a, 0x01, 0x00)));
    /* imported functions need no body */
    CHECK(expect_ok(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x05, 0x01, 0x00, 0x00,
                      0x00, 0x00)));

    /* data count */
    CHECK(expect_fail(B(HDR, 0x0c, 0x01, 0x03, 0x0b, 0x05, 0x02, 0x01, 0x00, 0x01, 0x00),
                      HIVE_EMALFORMED, "data count and data section have inconsistent lengths"));
    CHECK(expect_fail(B(HDR, 0x0c, 0x01, 0x01, 0x0b, 0x05, 0x02, 0x01, 0x00, 0x01, 0x00),
                      HIVE_EMALFORMED, "data count and data section have inconsistent lengths"));
    CHECK(expect_fail(B(HDR, 0x0c, 0x01, 0x01), HIVE_EMALFORMED,
                      "data count and data section have inconsistent lengths"));
    CHECK(expect_ok(B(HDR, 0x0c, 0x01, 0x00)));
    wasm_module m;
    hive_error err;
    CHECK_EQ_INT(decode(B(HDR, 0x0c, 0x01, 0x02, 0x0b, 0x05, 0x02, 0x01, 0x00, 0x01, 0x00), &m,
                        &err),
                 HIVE_OK);
    CHECK(m.has_datacount && m.datacount == 2 && m.ndatas == 2);
    hv_wasm_module_fini(&engine, &m);
    CHECK_EQ_INT(decode(B(HDR, 0x0b, 0x03, 0x01, 0x01, 0x00), &m, &err), HIVE_OK);
    CHECK(!m.has_datacount && m.ndatas == 1);
    hv_wasm_module_fini(&engine, &m);
    CHECK_EQ_INT(talloc.live, 0);
}

static void test_types_and_limits(void) {
    /* function type form */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x61, 0x00, 0x00), HIVE_EMALFORMED,
                      "malformed function type"));
    CHECK(expect_fail(B(HDR, 0x01, 0x05, 0x01, 0xe0, 0x7f, 0x00, 0x00), HIVE_EMALFORMED,
                      "integer representation too long"));
    /* value types */
    CHECK(expect_fail(B(HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7a, 0x00), HIVE_EMALFORMED,
                      "malformed value type"));
    CHECK(expect_fail(B(HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x40), HIVE_EMALFORMED,
                      "malformed value type"));
    CHECK(expect_fail(B(HDR, 0x01, 0x06, 0x01, 0x60, 0x01, 0xff, 0x7f, 0x00), HIVE_EMALFORMED,
                      "integer representation too long"));
    /* table element type */
    CHECK(expect_fail(B(HDR, 0x04, 0x04, 0x01, 0x7f, 0x00, 0x00), HIVE_EMALFORMED,
                      "malformed reference type"));
    /* limits flags: WebAssembly 2.0's 0 and 1 (HIVE_CONFIG_WASM2) */
    engine.wasm2 = true;
    CHECK(expect_fail(B(HDR, 0x05, 0x02, 0x01, 0x02), HIVE_EMALFORMED, "integer too large"));
    CHECK(expect_fail(B(HDR, 0x05, 0x03, 0x01, 0x02, 0x00), HIVE_EMALFORMED,
                      "integer too large"));
    CHECK(expect_fail(B(HDR, 0x05, 0x05, 0x01, 0x81, 0x00, 0x00, 0x00), HIVE_EMALFORMED,
                      "integer representation too long"));
    CHECK(expect_fail(B(HDR, 0x05, 0x02, 0x01, 0x03), HIVE_EMALFORMED, "integer too large"));
    engine.wasm2 = false;
    /* by default a memory's flags may also say shared (bit 1), not more */
    {
        wasm_module m;
        hive_error err;
        CHECK_EQ_INT(decode(B(HDR, 0x05, 0x06, 0x02, 0x03, 0x01, 0x02, 0x02, 0x00), &m, &err),
                     HIVE_OK);
        CHECK_EQ_INT(m.nmemories, 2);
        CHECK(m.memories[0].shared && m.memories[0].has_max && m.memories[0].max == 2);
        CHECK(m.memories[1].shared && !m.memories[1].has_max); /* invalid, not malformed */
        hv_wasm_module_fini(&engine, &m);
    }
    CHECK(expect_fail(B(HDR, 0x05, 0x03, 0x01, 0x04, 0x00), HIVE_EMALFORMED,
                      "integer too large"));
    CHECK(expect_fail(B(HDR, 0x05, 0x05, 0x01, 0x81, 0x00, 0x00, 0x00), HIVE_EMALFORMED,
                      "integer representation too long"));
    CHECK(expect_fail(B(HDR, 0x04, 0x03, 0x01, 0x70, 0x02), HIVE_EMALFORMED,
                      "integer too large"));
    CHECK(expect_fail(B(HDR, 0x04, 0x06, 0x01, 0x70, 0x81, 0x00, 0x00, 0x00), HIVE_EMALFORMED,
                      "integer representation too long"));
    /* LEB128 in limits */
    CHECK(expect_ok(B(HDR, 0x05, 0x07, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x00)));
    CHECK(expect_fail(B(HDR, 0x05, 0x08, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00),
                      HIVE_EMALFORMED, "integer representation too long"));
    CHECK(expect_fail(B(HDR, 0x05, 0x07, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x70),
                      HIVE_EMALFORMED, "integer too large"));
    CHECK(expect_fail(B(HDR, 0x05, 0x07, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x40),
                      HIVE_EMALFORMED, "integer too large"));
    /* memory max */
    wasm_module m;
    hive_error err;
    CHECK_EQ_INT(decode(B(HDR, 0x05, 0x08, 0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f), &m,
                        &err),
                 HIVE_OK);
    CHECK(m.nmemories == 1 && m.memories[0].has_max && m.memories[0].max == 0xffffffffu);
    hv_wasm_module_fini(&engine, &m);
    /* global mutability */
    CHECK(expect_fail(B(HDR, 0x06, 0x06, 0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b), HIVE_EMALFORMED,
                      "malformed mutability"));
    CHECK(expect_fail(B(HDR, 0x06, 0x06, 0x01, 0x7f, 0xff, 0x41, 0x00, 0x0b), HIVE_EMALFORMED,
                      "malformed mutability"));
    CHECK(expect_fail(B(HDR, 0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x7f, 0x02), HIVE_EMALFORMED,
                      "malformed mutability"));
    CHECK_EQ_INT(talloc.live, 0);
}

static void test_imports_exports(void) {
    /* kind 4, a tag, exists beyond WebAssembly 2.0 */
    engine.wasm2 = true;
    CHECK(expect_fail(B(HDR, 0x02, 0x04, 0x01, 0x00, 0x00, 0x04), HIVE_EMALFORMED,
                      "malformed import kind"));
    engine.wasm2 = false;
    CHECK(expect_fail(B(HDR, 0x02, 0x04, 0x01, 0x00, 0x00, 0x04), HIVE_EMALFORMED,
                      "unexpected end"));
    CHECK(expect_fail(B(HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x05, 0x00), HIVE_EMALFORMED,
                      "malformed import kind"));
    CHECK(expect_fail(B(HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x80, 0x00), HIVE_EMALFORMED,
                      "malformed import kind"));
    /* 2 imports declared, 1 given */
    CHECK(expect_fail(B(HDR, 0x02, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00), HIVE_EMALFORMED,
                      "unexpected end"));
    /* export kind: 4, a tag, exists beyond WebAssembly 2.0 */
    engine.wasm2 = true;
    CHECK(expect_fail(B(HDR, 0x07, 0x04, 0x01, 0x00, 0x04, 0x00), HIVE_EMALFORMED,
                      "malformed export kind"));
    engine.wasm2 = false;
    CHECK(expect_fail(B(HDR, 0x07, 0x04, 0x01, 0x00, 0x05, 0x00), HIVE_EMALFORMED,
                      "malformed export kind"));
    /* export name length past the end */
    CHECK(expect_fail(B(HDR, 0x07, 0x04, 0x01, 0x09, 0x00, 0x00), HIVE_EMALFORMED,
                      "length out of bounds"));
    /* index spaces with imports of every kind, interleaved */
    wasm_module m;
    hive_error err;
    CHECK_EQ_INT(decode(B(HDR, 0x02, 0x1f, 0x06, 0x00, 0x00, 0x03, 0x7e, 0x01, 0x00, 0x00, 0x00,
                          0x05, 0x00, 0x00, 0x01, 0x6f, 0x00, 0x02, 0x00, 0x00, 0x02, 0x00, 0x00,
                          0x00, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x03, 0x7d, 0x00),
                        &m, &err),
                 HIVE_OK);
    CHECK_EQ_INT(m.nimports, 6);
    CHECK_EQ_INT(m.nimported_globals, 2);
    CHECK_EQ_INT(m.nglobals, 2);
    CHECK_EQ_INT(m.imports[0].index, 0);
    CHECK_EQ_INT(m.imports[5].index, 1);
    CHECK(m.globals[0].type.valtype == WASM_I64 && m.globals[0].type.mutable_);
    CHECK(m.globals[1].type.valtype == WASM_F32 && !m.globals[1].type.mutable_);
    CHECK_EQ_INT(m.nimported_funcs, 1);
    CHECK_EQ_INT(m.func_types[0], 5);
    CHECK_EQ_INT(m.nimported_tables, 1);
    CHECK_EQ_INT(m.tables[0].elemtype, WASM_EXTERNREF);
    CHECK_EQ_INT(m.nimported_memories, 2);
    CHECK_EQ_INT(m.memories[1].min, 3);
    CHECK_EQ_INT(m.imports[4].index, 1);
    hv_wasm_module_fini(&engine, &m);
    CHECK_EQ_INT(talloc.live, 0);
}

/* Global sections with one global of type i32 whose init is e[0..n). */
static int global_with(const uint8_t *e, size_t n, wasm_module *m, hive_error *err) {
    tbuf t;
    tb_header(&t);
    tbuf c = {.n = 0};
    tb_bytes(&c, B(0x01, 0x7f, 0x00));
    tb_bytes(&c, e, n);
    tb_section(&t, 6, &c);
    return decode(t.b, t.n, m, err);
}

static int global_fails(const uint8_t *e, size_t n, const char *msg) {
    tbuf t;
    tb_header(&t);
    tbuf c = {.n = 0};
    tb_bytes(&c, B(0x01, 0x7f, 0x00));
    tb_bytes(&c, e, n);
    tb_section(&t, 6, &c);
    return expect_fail(t.b, t.n, HIVE_EMALFORMED, msg);
}

static void test_const_exprs(void) {
    /* The decoder skips any well-formed instruction sequence; validate.c
     * decides what is constant. Each of these has its range checked. */
    static const struct {
        uint8_t b[40];
        uint8_t n;
    } ok[] = {
        {{0x0b}, 1},
        {{0x41, 0x80, 0x00, 0x0b}, 4},
        {{0x41, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x0b}, 7},
        {{0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b}, 12},
        {{0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x0b}, 10},
        {{0x43, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b}, 6}, /* end bytes inside the immediate */
        {{0x23, 0x00, 0x0b}, 3},
        {{0xd0, 0x6f, 0x0b}, 3},
        {{0xd2, 0x85, 0x00, 0x0b}, 4},
        {{0x02, 0x7f, 0x41, 0x01, 0x0b, 0x0b}, 6},                 /* block (result i32) */
        {{0x02, 0x40, 0x03, 0x00, 0x0b, 0x0b, 0x0b}, 7},           /* block, loop (type 0) */
        {{0x41, 0x01, 0x04, 0x40, 0x05, 0x0b, 0x0b}, 7},           /* if else end */
        {{0x02, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b, 0x0b}, 8},     /* s33 type index */
        {{0x0e, 0x02, 0x00, 0x01, 0x02, 0x0b}, 6},                 /* br_table */
        {{0x1c, 0x01, 0x7f, 0x0b}, 4},                             /* select t */
        {{0x28, 0x02, 0x10, 0x3f, 0x00, 0x40, 0x00, 0x0b}, 8},     /* load, memory.size/grow */
        {{0x11, 0x00, 0x00, 0x6a, 0xc4, 0x0b}, 6},
        {{0xfc, 0x00, 0xfc, 0x08, 0x01, 0x00, 0xfc, 0x09, 0x01, 0xfc, 0x0a, 0x00, 0x00, 0xfc, 0x0b,
          0x00, 0xfc, 0x0c, 0x01, 0x02, 0xfc, 0x0e, 0x00, 0x00, 0xfc, 0x11, 0x00, 0x0b}, 28},
        {{0xfd, 0x0c, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
          0x0b, 0x0b, 0x0b, 0x0b, 0xfd, 0x15, 0x03, 0xfd, 0x54, 0x00, 0x00, 0x01, 0xfd, 0x00,
          0x04, 0x00, 0xfd, 0x62, 0x0b}, 33},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        wasm_module m;
        hive_error err;
        int rc = global_with(ok[i].b, ok[i].n, &m, &err);
        if (rc != HIVE_OK) {
            fprintf(stderr, "  const case %zu: %s @%zu\n", i, err.message, err.offset);
            CHECK(0);
            continue;
        }
        CHECK_EQ_INT(m.nglobals, 1);
        CHECK_EQ_INT(m.globals[0].init.start, 8 + 2 + 3);
        CHECK_EQ_INT(m.globals[0].init.end - m.globals[0].init.start, ok[i].n);
        CHECK_EQ_INT(m.globals[0].init.op, WASM_CONST_NONE);
        hv_wasm_module_fini(&engine, &m);
    }
    CHECK(global_fails(B(0x41, 0x00), "unexpected end"));
    CHECK(global_fails(B(0x02, 0x40, 0x0b), "unexpected end"));
    CHECK(global_fails(B(0x05, 0x0b), "END opcode expected"));
    CHECK(global_fails(B(0x06, 0x0b), "illegal opcode"));
    CHECK(global_fails(B(0xc5, 0x0b), "illegal opcode"));
    CHECK(global_fails(B(0xf3, 0x00, 0x0b), "illegal opcode"));
    CHECK(global_fails(B(0xfc, 0x12, 0x0b), "illegal opcode"));
    CHECK(global_fails(B(0xfd, 0x80, 0x02, 0x0b), "illegal opcode"));
    engine.wasm2 = true; /* WebAssembly 2.0's reserved byte */
    CHECK(global_fails(B(0x3f, 0x01, 0x0b), "zero byte expected"));
    CHECK(global_fails(B(0x40, 0x80, 0x00, 0x0b), "zero byte expected"));
    CHECK(global_fails(B(0xfc, 0x0a, 0x00, 0x01, 0x0b), "zero byte expected"));
    engine.wasm2 = false; /* multi-memory: a u32 memory index */
    CHECK(global_fails(B(0x3f, 0x80, 0x0b), "unexpected end"));
    CHECK(global_fails(B(0xfc, 0x0a, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0b),
                       "integer too large"));
    CHECK(global_fails(B(0xd0, 0x7f, 0x0b), "malformed reference type"));
    CHECK(global_fails(B(0x1c, 0x01, 0x01, 0x0b), "malformed value type"));
    CHECK(global_fails(B(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b),
                       "integer representation too long"));
    CHECK(global_fails(B(0x41, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b), "integer too large"));
    CHECK(global_fails(B(0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0b), "integer too large"));
    CHECK(global_fails(B(0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e, 0x0b),
                       "integer too large"));
    CHECK(global_fails(B(0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
                         0x0b),
                       "integer representation too long"));
    CHECK(global_fails(B(0x44, 0x00, 0x00, 0x0b), "unexpected end"));
    /* 2 globals declared, 1 given; 1 declared, 2 given */
    CHECK(expect_fail(B(HDR, 0x06, 0x06, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b), HIVE_EMALFORMED,
                      "unexpected end"));
    CHECK(expect_fail(B(HDR, 0x06, 0x0b, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x7f, 0x00, 0x41,
                        0x00, 0x0b),
                      HIVE_EMALFORMED, "section size mismatch"));
}

static void test_segments(void) {
    /* non-minimal flags and indices */
    CHECK(expect_ok(B(HDR, 0x04, 0x04, 0x01, 0x70, 0x00, 0x00, 0x09, 0x07, 0x01, 0x80, 0x00,
                      0x41, 0x00, 0x0b, 0x00)));
    CHECK(expect_ok(B(HDR, 0x04, 0x04, 0x01, 0x70, 0x00, 0x00, 0x09, 0x0a, 0x01, 0x82, 0x00,
                      0x80, 0x00, 0x41, 0x00, 0x0b, 0x00, 0x00)));
    CHECK(expect_ok(B(HDR, 0x05, 0x03, 0x01, 0x00, 0x00, 0x0b, 0x09, 0x01, 0x82, 0x00, 0x80,
                      0x00, 0x41, 0x00, 0x0b, 0x00)));
    /* element kind / flags */
    CHECK(expect_fail(B(HDR, 0x09, 0x04, 0x01, 0x08, 0x00, 0x00), HIVE_EMALFORMED,
                      "malformed elements segment kind"));
    CHECK(expect_fail(B(HDR, 0x09, 0x04, 0x01, 0x01, 0x01, 0x00), HIVE_EMALFORMED,
                      "malformed element kind"));
    CHECK(expect_fail(B(HDR, 0x09, 0x07, 0x01, 0x05, 0x7f, 0x01, 0xd2, 0x00, 0x0b),
                      HIVE_EMALFORMED, "malformed reference type"));
    CHECK(expect_fail(B(HDR, 0x09, 0x07, 0x01, 0x05, 0x70, 0x01, 0xf3, 0x00, 0x0b),
                      HIVE_EMALFORMED, "illegal opcode"));
    /* 2 segments declared, 1.5 given */
    CHECK(expect_fail(B(HDR, 0x09, 0x0a, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, 0x00, 0x41,
                        0x00),
                      HIVE_EMALFORMED, "unexpected end"));
    /* data kind */
    CHECK(expect_fail(B(HDR, 0x0b, 0x03, 0x01, 0x03, 0x00), HIVE_EMALFORMED,
                      "malformed data segment kind"));
    /* data bytes: too many declared, at the end, and within the input */
    CHECK(expect_fail(B(HDR, 0x0b, 0x0c, 0x01, 0x00, 0x41, 0x03, 0x0b, 0x07, 'a', 'b', 'c', 'd',
                        'e', 'f'),
                      HIVE_EMALFORMED, "unexpected end"));
    CHECK(expect_fail(B(HDR, 0x0b, 0x0c, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x05, 'a', 'b', 'c', 'd',
                        'e', 'f'),
                      HIVE_EMALFORMED, "section size mismatch"));
    CHECK(expect_fail(B(HDR, 0x0b, 0x06, 0x01, 0x01, 0x7f, 'a', 'b', 'c'), HIVE_EMALFORMED,
                      "length out of bounds"));
    /* an element vector count too large for the input */
    CHECK(expect_fail(B(HDR, 0x09, 0x05, 0x01, 0x01, 0x00, 0xff, 0x01), HIVE_EMALFORMED,
                      "length out of bounds"));
}

static void test_code_entries(void) {
    /* locals: too many (sum overflows u32; one huge group; over the limit) */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                        0x0c, 0x01, 0x0a, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x02, 0x7e,
                        0x0b),
                      HIVE_EMALFORMED, "too many locals"));
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                        0x1c, 0x01, 0x1a, 0x04, 0x80, 0x80, 0x80, 0x80, 0x04, 0x7f, 0x80, 0x80,
                        0x80, 0x80, 0x04, 0x7e, 0x80, 0x80, 0x80, 0x80, 0x04, 0x7d, 0x80, 0x80,
                        0x80, 0x80, 0x04, 0x7c, 0x0b),
                      HIVE_EMALFORMED, "too many locals"));
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                        0x0a, 0x01, 0x08, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x7f, 0x0b),
                      HIVE_EMALFORMED, "integer too large"));
    /* exactly the limit, params included: 2 params + 49998 locals */
    CHECK(expect_ok(B(HDR, 0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x03, 0x02, 0x01, 0x00,
                      0x0a, 0x08, 0x01, 0x06, 0x01, 0xce, 0x86, 0x03, 0x7f, 0x0b)));
    CHECK(expect_fail(B(HDR, 0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x03, 0x02, 0x01,
                        0x00, 0x0a, 0x08, 0x01, 0x06, 0x01, 0xcf, 0x86, 0x03, 0x7f, 0x0b),
                      HIVE_EMALFORMED, "too many locals"));
    /* bad local type */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                        0x06, 0x01, 0x04, 0x01, 0x01, 0x7a, 0x0b),
                      HIVE_EMALFORMED, "malformed value type"));
    /* entry size past the end of the input */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                        0x04, 0x01, 0x03, 0x00, 0x0b),
                      HIVE_EMALFORMED, "unexpected end"));
    /* locals running past the entry */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                        0x06, 0x01, 0x01, 0x01, 0x01, 0x7f, 0x0b),
                      HIVE_EMALFORMED, "section size mismatch"));
    /* the body range is the rest of the entry, final `end` included */
    wasm_module m;
    hive_error err;
    CHECK_EQ_INT(decode(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00,
                          0x0a, 0x0b, 0x02, 0x05, 0x00, 0x41, 0x01, 0x1a, 0x0b, 0x03, 0x00, 0x01,
                          0x0b),
                        &m, &err),
                 HIVE_OK);
    CHECK_EQ_INT(m.codes[0].body_start, 24);
    CHECK_EQ_INT(m.codes[0].body_end, 28);
    CHECK_EQ_INT(m.codes[1].body_start, 30);
    CHECK_EQ_INT(m.codes[1].body_end, 32);
    hv_wasm_module_fini(&engine, &m);
    CHECK_EQ_INT(talloc.live, 0);
}

/* A module with one function of type ()->() and the given code entry
 * (size prefix included) followed by extra bytes. */
static int body_fails(const uint8_t *entry, size_t n, const char *msg) {
    tbuf t;
    tb_header(&t);
    tb_rawsec(&t, 1, B(0x01, 0x60, 0x00, 0x00));
    tb_rawsec(&t, 3, B(0x01, 0x00));
    tbuf c = {.n = 0};
    tb_u32(&c, 1);
    tb_bytes(&c, entry, n);
    tb_section(&t, 10, &c);
    return expect_fail(t.b, t.n, HIVE_EMALFORMED, msg);
}

static void test_bodies(void) {
    /* Bodies are read as the reference decoder reads them, so structural
     * errors are malformed whatever validation would say. */
    CHECK(body_fails(B(0x03, 0x00, 0x06, 0x0b), "illegal opcode"));
    CHECK(body_fails(B(0x04, 0x00, 0xfc, 0x20, 0x0b), "illegal opcode"));
    engine.wasm2 = true;
    CHECK(body_fails(B(0x04, 0x00, 0x3f, 0x01, 0x0b), "zero byte expected"));
    CHECK(body_fails(B(0x08, 0x00, 0x3f, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b), "zero byte expected"));
    engine.wasm2 = false;
    /* multi-memory: bit 6 of a memarg's flags: a memory index follows,
     * read as a u32 */
    CHECK(body_fails(B(0x0a, 0x00, 0x28, 0x42, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00, 0x0b),
                     "integer too large"));
    CHECK(body_fails(B(0x05, 0x00, 0x28, 0x42, 0x01, 0x0b), "unexpected end"));
    CHECK(body_fails(B(0x0a, 0x00, 0x28, 0x02, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b),
                     "integer representation too long"));
    CHECK(body_fails(B(0x09, 0x00, 0x28, 0x82, 0x80, 0x80, 0x80, 0x10, 0x00, 0x0b),
                     "integer too large"));
    CHECK(body_fails(B(0x05, 0x00, 0x02, 0x40, 0x05, 0x0b), "END opcode expected")); /* block else */
    CHECK(body_fails(B(0x08, 0x00, 0x41, 0x00, 0x04, 0x40, 0x05, 0x05, 0x0b),
                     "END opcode expected")); /* two elses */
    CHECK(body_fails(B(0x03, 0x00, 0x05, 0x0b), "END opcode expected"));
    /* 1 br_table target declared, 2 given (binary.wast) */
    CHECK(body_fails(B(0x11, 0x00, 0x02, 0x40, 0x41, 0x01, 0x04, 0x40, 0x41, 0x01, 0x0e, 0x01,
                       0x00, 0x01, 0x02, 0x0b, 0x0b, 0x0b),
                     "unexpected end"));
    /* missing `end`: between two functions, at the end of the input, and
     * before a following section (binary.wast) */
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00,
                        0x0a, 0x0c, 0x02, 0x04, 0x00, 0x41, 0x01, 0x1a, 0x05, 0x00, 0x41, 0x01,
                        0x1a, 0x0b),
                      HIVE_EMALFORMED, "END opcode expected"));
    CHECK(body_fails(B(0x04, 0x00, 0x41, 0x01, 0x1a), "unexpected end of section or function"));
    CHECK(expect_fail(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                        0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x1a, 0x0b, 0x03, 0x01, 0x01, 0x00),
                      HIVE_EMALFORMED, "section size mismatch"));
    /* an `end` before the entry's end */
    CHECK(body_fails(B(0x03, 0x00, 0x0b, 0x01), "section size mismatch"));
    /* nested blocks and if/else are fine; so is deep nesting */
    CHECK(expect_ok(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                      0x10, 0x01, 0x0e, 0x00, 0x02, 0x40, 0x41, 0x00, 0x04, 0x40, 0x05, 0x03,
                      0x40, 0x0b, 0x0b, 0x0b, 0x0b)));
    {
        tbuf t;
        tb_header(&t);
        tb_rawsec(&t, 1, B(0x01, 0x60, 0x00, 0x00));
        tb_rawsec(&t, 3, B(0x01, 0x00));
        tbuf c = {.n = 0}, e = {.n = 0};
        tb_bytes(&e, B(0x00));
        for (int i = 0; i < 1200; i++) tb_bytes(&e, B(0x41, 0x00, 0x04, 0x40));
        for (int i = 0; i < 1200; i++) tb_bytes(&e, B(0x05, 0x0b));
        tb_bytes(&e, B(0x0b));
        tb_u32(&c, 1);
        tb_u32(&c, (uint32_t)e.n);
        tb_bytes(&c, e.b, e.n);
        tb_section(&t, 10, &c);
        CHECK(expect_ok(t.b, t.n));
    }
    /* memory.init / data.drop without a data count section: validate.c's
     * to report (after checking the index), not the decoder's */
    CHECK(expect_ok(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                      0x0a, 0x07, 0x01, 0x05, 0x00, 0xfc, 0x09, 0x00, 0x0b,
                      0x0b, 0x03, 0x01, 0x01, 0x00)));
    CHECK(expect_ok(B(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                      0x0c, 0x01, 0x01, 0x0a, 0x07, 0x01, 0x05, 0x00, 0xfc, 0x09, 0x00, 0x0b,
                      0x0b, 0x03, 0x01, 0x01, 0x00)));
    /* nor in constant expressions */
    CHECK(expect_ok(B(HDR, 0x06, 0x07, 0x01, 0x7f, 0x00, 0xfc, 0x09, 0x00, 0x0b)));
}

/* A module with 3 functions (1 imported) and the given name section
 * payload (after the "name" string). */
static int decode_with_names(const uint8_t *p, size_t n, bool before, wasm_module *m) {
    tbuf t;
    tb_header(&t);
    tbuf c = {.n = 0};
    tb_str(&c, "name");
    tb_bytes(&c, p, n);
    if (before) tb_section(&t, 0, &c);
    tb_rawsec(&t, 1, B(0x01, 0x60, 0x00, 0x00));
    tb_rawsec(&t, 2, B(0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x00));
    tb_rawsec(&t, 3, B(0x02, 0x00, 0x00));
    tb_rawsec(&t, 10, B(0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b));
    if (!before) tb_section(&t, 0, &c);
    hive_error err;
    int rc = decode(t.b, t.n, m, &err);
    if (rc) fprintf(stderr, "  %s @%zu\n", err.message, err.offset);
    return rc;
}

static void test_name_section(void) {
    wasm_module m;
    /* func 0 "a", func 2 "ccc" */
    CHECK_EQ_INT(decode_with_names(B(0x01, 0x09, 0x02, 0x00, 0x01, 'a', 0x02, 0x03, 'c', 'c', 'c'),
                                   false, &m),
                 HIVE_OK);
    CHECK(m.func_names && name_is(m.func_names[0], "a") && m.func_names[1].ptr == NULL &&
          name_is(m.func_names[2], "ccc"));
    hv_wasm_module_fini(&engine, &m);
    /* the same before the other sections: still read once they are known */
    CHECK_EQ_INT(decode_with_names(B(0x01, 0x04, 0x01, 0x01, 0x01, 'b'), true, &m), HIVE_OK);
    CHECK(m.func_names && name_is(m.func_names[1], "b"));
    hv_wasm_module_fini(&engine, &m);
    /* module name subsection only */
    CHECK_EQ_INT(decode_with_names(B(0x00, 0x02, 0x01, 'x'), false, &m), HIVE_OK);
    CHECK(m.func_names == NULL);
    hv_wasm_module_fini(&engine, &m);
    /* malformed name sections are ignored */
    static const struct {
        uint8_t b[16];
        uint8_t n;
    } bad[] = {
        {{0x01, 0x04, 0x01, 0x03, 0x01, 'b'}, 6},             /* index out of range */
        {{0x01, 0x04, 0x01, 0x00, 0x01, 0x80}, 6},            /* bad UTF-8 */
        {{0x01, 0x09, 0x01, 0x00, 0x01, 'b'}, 6},             /* subsection too long */
        {{0x01, 0x05, 0x01, 0x00, 0x01, 'b', 0x00}, 7},       /* junk in subsection */
        {{0x01, 0x04, 0x02, 0x00, 0x01, 'b'}, 6},             /* count too large */
        {{0x01}, 1},                                          /* truncated */
        {{0x01, 0x80}, 2},
        {{0x01, 0x03, 0x01, 0x00, 0x05}, 5},                  /* name past the end */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(decode_with_names(bad[i].b, bad[i].n, false, &m), HIVE_OK);
        CHECK(m.func_names == NULL);
        hv_wasm_module_fini(&engine, &m);
    }
    /* a name section in a module without functions */
    tbuf t;
    tb_header(&t);
    tbuf c = {.n = 0};
    tb_str(&c, "name");
    tb_bytes(&c, B(0x01, 0x04, 0x01, 0x00, 0x01, 'a'));
    tb_section(&t, 0, &c);
    CHECK(expect_ok(t.b, t.n));
    CHECK_EQ_INT(talloc.live, 0);
}

int main(void) {
    RUN(test_leb_u32);
    RUN(test_leb_signed);
    RUN(test_leb_fixed_and_names);
    RUN(test_empty_module);
    RUN(test_full_module);
    RUN(test_header);
    RUN(test_section_ids_and_sizes);
    RUN(test_section_order);
    RUN(test_custom_sections);
    RUN(test_utf8_in_names);
    RUN(test_count_mismatches);
    RUN(test_types_and_limits);
    RUN(test_imports_exports);
    RUN(test_const_exprs);
    RUN(test_segments);
    RUN(test_code_entries);
    RUN(test_bodies);
    RUN(test_name_section);
    RUN(test_truncation);
    RUN(test_mutations);
    RUN(test_alloc_failure);
    return test_summary("decode");
}
