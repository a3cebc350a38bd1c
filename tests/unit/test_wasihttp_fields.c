/*
 * test_wasihttp_fields.c -- the fields operations wasi:http 0.2 and 0.3
 * share (src/wasihttp/fieldlist.c): names kept in lower case and matched
 * without case, set/append/delete/get-and-delete, the header-error cases
 * (invalid-syntax, forbidden, immutable, size-exceeded), each version's
 * limits (0.3: size-exceeded; 0.2, without that case: out of memory),
 * from-list, entries, the headers view and content-length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "wasihttp/wasihttp.h"

static const hv_wfield_limits p3lim = {1024, 64 * 1024, 1};
static const hv_wfield_limits p2lim = {1024, SIZE_MAX, 0};

/* args of a method: self (unused), name, and a value: a list<u8> of v
 * (APPEND), a list<list<u8>> of the n strings vs (SET), or none. */
typedef struct margs {
    hive_cval a[3];
} margs;

static void mk_args(margs *m, const char *name, const char *const *vs, size_t n, int list) {
    memset(m, 0, sizeof *m);
    CHECK_EQ_INT(hive_cval_string(&m->a[1], name, strlen(name)), HIVE_OK);
    if (list) {
        CHECK_EQ_INT(hive_cval_agg(&m->a[2], HIVE_C_LIST, n), HIVE_OK);
        for (size_t i = 0; i < n; i++)
            CHECK_EQ_INT(hv_wbytes_val(&m->a[2].of.agg.items[i], (const uint8_t *)vs[i],
                                       strlen(vs[i])),
                         0);
    } else if (n) {
        CHECK_EQ_INT(hv_wbytes_val(&m->a[2], (const uint8_t *)vs[0], strlen(vs[0])), 0);
    }
}

static void free_args(margs *m) {
    for (int i = 0; i < 3; i++) hive_cval_clear(&m->a[i]);
}

/* Runs method on fl with name and values; the result<_, header-error>
 * case: -1 ok, else the error case; -2 when the method failed (-1). */
static int call(hv_wfields *fl, int immutable, int method, const char *name,
                const char *const *vs, size_t n, const hv_wfield_limits *lim, hive_cval *out) {
    margs m;
    mk_args(&m, name, vs, n, method == HV_WFIELDS_SET);
    hive_cval res;
    memset(&res, 0, sizeof res);
    int rc = hv_wfields_method(method, fl, immutable, m.a, &res, lim);
    free_args(&m);
    if (rc) return -2;
    int r = -1;
    CHECK_EQ_INT(res.kind, HIVE_C_RESULT);
    if (res.of.var.index == 1) {
        CHECK(res.of.var.payload && res.of.var.payload->kind == HIVE_C_VARIANT);
        r = res.of.var.payload ? (int)res.of.var.payload->of.var.index : 99;
    }
    if (out && res.of.var.payload && r == -1) hive_cval_move(out, res.of.var.payload);
    hive_cval_clear(&res);
    return r;
}

/* name's values joined with ',' ("" when none). */
static char *values(hv_wfields *fl, const char *name) {
    margs m;
    mk_args(&m, name, NULL, 0, 0);
    hive_cval res;
    memset(&res, 0, sizeof res);
    CHECK_EQ_INT(hv_wfields_method(HV_WFIELDS_GET, fl, 0, m.a, &res, &p3lim), 0);
    free_args(&m);
    static char buf[256];
    buf[0] = 0;
    CHECK_EQ_INT(res.kind, HIVE_C_LIST);
    for (size_t i = 0; i < res.of.agg.n; i++) {
        size_t n;
        const uint8_t *b = hive_cval_bytes(&res.of.agg.items[i], &n);
        if (i) strcat(buf, ",");
        strncat(buf, b ? (const char *)b : "", n);
    }
    hive_cval_clear(&res);
    return buf;
}

static int has(hv_wfields *fl, const char *name) {
    margs m;
    mk_args(&m, name, NULL, 0, 0);
    hive_cval res;
    CHECK_EQ_INT(hv_wfields_method(HV_WFIELDS_HAS, fl, 0, m.a, &res, &p3lim), 0);
    free_args(&m);
    CHECK_EQ_INT(res.kind, HIVE_C_BOOL);
    return res.of.b;
}

static void test_set_append_delete(void) {
    hv_wfields fl;
    memset(&fl, 0, sizeof fl);
    const char *two[] = {"a", "b"}, *one[] = {"c"};
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_SET, "X-Test", two, 2, &p3lim, NULL), -1);
    CHECK_EQ_INT(fl.nf, 2);
    CHECK(strcmp(fl.f[0].name, "x-test") == 0); /* kept in lower case */
    CHECK(strcmp(values(&fl, "x-TEST"), "a,b") == 0);
    CHECK(has(&fl, "X-TEST"));
    CHECK(!has(&fl, "x-other"));
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "x-test", one, 1, &p3lim, NULL), -1);
    CHECK(strcmp(values(&fl, "x-test"), "a,b,c") == 0);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_SET, "x-test", one, 1, &p3lim, NULL), -1);
    CHECK(strcmp(values(&fl, "x-test"), "c") == 0);
    CHECK_EQ_INT(fl.bytes, 7);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "other", two, 1, &p3lim, NULL), -1);
    /* get-and-delete gives the old values */
    hive_cval old;
    memset(&old, 0, sizeof old);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_GET_AND_DELETE, "X-test", NULL, 0, &p3lim, &old), -1);
    CHECK_EQ_INT(old.kind, HIVE_C_LIST);
    CHECK_EQ_INT(old.of.agg.n, 1);
    hive_cval_clear(&old);
    CHECK(!has(&fl, "x-test"));
    CHECK_EQ_INT(fl.nf, 1);
    CHECK_EQ_INT(fl.bytes, 6);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_DELETE, "OTHER", NULL, 0, &p3lim, NULL), -1);
    CHECK_EQ_INT(fl.nf, 0);
    CHECK_EQ_INT(fl.bytes, 0);
    hv_wfields_clear(&fl);
}

static void test_errors(void) {
    hv_wfields fl;
    memset(&fl, 0, sizeof fl);
    const char *ok[] = {"v"}, *ctl[] = {"a\001b"}, *tab[] = {"a\tb"};
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "bad name", ok, 1, &p3lim, NULL),
                 HV_WHTTP_NAME_SYNTAX);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "", ok, 1, &p3lim, NULL), HV_WHTTP_NAME_SYNTAX);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "Connection", ok, 1, &p3lim, NULL),
                 HV_WHTTP_NAME_FORBIDDEN);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_DELETE, "transfer-encoding", NULL, 0, &p2lim, NULL),
                 HV_WHTTP_NAME_FORBIDDEN);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "x", ctl, 1, &p3lim, NULL), HV_WHTTP_NAME_SYNTAX);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "x", tab, 1, &p3lim, NULL), -1);
    /* immutable: only after the name is checked */
    CHECK_EQ_INT(call(&fl, 1, HV_WFIELDS_SET, "x", ok, 1, &p3lim, NULL), HV_WHTTP_IMMUTABLE);
    CHECK_EQ_INT(call(&fl, 1, HV_WFIELDS_DELETE, "x", NULL, 0, &p2lim, NULL), HV_WHTTP_IMMUTABLE);
    CHECK_EQ_INT(call(&fl, 1, HV_WFIELDS_SET, "a b", ok, 1, &p3lim, NULL), HV_WHTTP_NAME_SYNTAX);
    CHECK_EQ_INT(fl.nf, 1); /* nothing failed changed it */
    hv_wfields_clear(&fl);
}

static void test_limits(void) {
    hv_wfields fl;
    memset(&fl, 0, sizeof fl);
    const hv_wfield_limits small3 = {3, 12, 1}, small2 = {2, SIZE_MAX, 0};
    const char *v4[] = {"abcd"}, *v3[] = {"xyz"}, *v9[] = {"123456789"};
    /* bytes: name + value; a set counts what it replaces */
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "ab", v4, 1, &small3, NULL), -1);  /* 6 */
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "ab", v4, 1, &small3, NULL), -1);  /* 12 */
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "c", v3, 1, &small3, NULL), HV_WHTTP_SIZE);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_SET, "ab", v9, 1, &small3, NULL), -1); /* 11 */
    CHECK(strcmp(values(&fl, "ab"), "123456789") == 0);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_SET, "abc", v9, 1, &small3, NULL), HV_WHTTP_SIZE);
    CHECK(strcmp(values(&fl, "ab"), "123456789") == 0); /* a refused set changes nothing */
    hv_wfields_clear(&fl);
    /* entries; without a size-exceeded case, over the limit is a failure */
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "a", v3, 1, &small2, NULL), -1);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "b", v3, 1, &small2, NULL), -1);
    CHECK_EQ_INT(call(&fl, 0, HV_WFIELDS_APPEND, "c", v3, 1, &small2, NULL), -2);
    CHECK_EQ_INT(fl.nf, 2);
    CHECK_EQ_INT(hv_wfields_add(&fl, "d", 1, (const uint8_t *)"", 0, &small2), -2);
    CHECK_EQ_INT(hv_wfields_add(&fl, "d", 1, (const uint8_t *)"", 0, &p2lim), 0);
    CHECK_EQ_INT(fl.nf, 3);
    hv_wfields_clear(&fl);
}

static void test_list_and_views(void) {
    /* from-list: [("Content-Length", "42"), ("X-A", "1")] */
    hive_cval l;
    CHECK_EQ_INT(hive_cval_agg(&l, HIVE_C_LIST, 2), HIVE_OK);
    const char *names[] = {"Content-Length", "X-A"}, *vals[] = {"42", "1"};
    for (int i = 0; i < 2; i++) {
        hive_cval *t = &l.of.agg.items[i];
        CHECK_EQ_INT(hive_cval_agg(t, HIVE_C_TUPLE, 2), HIVE_OK);
        CHECK_EQ_INT(hive_cval_string(&t->of.agg.items[0], names[i], strlen(names[i])), HIVE_OK);
        CHECK_EQ_INT(hv_wbytes_val(&t->of.agg.items[1], (const uint8_t *)vals[i], strlen(vals[i])),
                     0);
    }
    CHECK_EQ_INT(hv_wfields_check_list(&l), HV_WHTTP_NAME_OK);
    hv_wfields fl;
    memset(&fl, 0, sizeof fl);
    CHECK_EQ_INT(hv_wfields_add_list(&fl, &l, &p3lim), 0);
    CHECK_EQ_INT(fl.nf, 2);
    CHECK_EQ_INT(hv_wfields_content_length(&fl), 42);
    CHECK_EQ_INT(hv_wfields_content_length(NULL), -1);
    hive_header *hd = hv_wfields_headers(&fl);
    CHECK(hd && hd[1].name_len == 3 && memcmp(hd[1].name, "x-a", 3) == 0 && hd[1].value_len == 1);
    free(hd);
    /* entries (copy-all) takes self only: its args end there (a read past
     * them faults) */
    hive_cval self;
    memset(&self, 0, sizeof self);
    hive_cval *one = (hive_cval *)guarded_copy(&self, sizeof self);
    hive_cval e;
    CHECK_EQ_INT(hv_wfields_method(HV_WFIELDS_ENTRIES, &fl, 1, one, &e, &p3lim), 0);
    guarded_free((uint8_t *)one, sizeof self);
    CHECK(e.kind == HIVE_C_LIST && e.of.agg.n == 2 &&
          strcmp(e.of.agg.items[0].of.agg.items[0].of.str.ptr, "content-length") == 0);
    hive_cval_clear(&e);
    /* clone, and adding headers */
    hv_wfields c;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(hv_wfields_copy(&c, &fl, &p3lim), 0);
    hive_header more[] = {{"Content-Length", 14, "4x", 2}};
    hv_wfields_clear(&fl);
    CHECK_EQ_INT(hv_wfields_add_headers(&fl, more, 1, &p3lim), 0);
    CHECK_EQ_INT(hv_wfields_content_length(&fl), -1); /* not a number */
    CHECK_EQ_INT(c.nf, 2);
    CHECK(strcmp(values(&c, "x-a"), "1") == 0);
    hv_wfields_clear(&c);
    hv_wfields_clear(&fl);
    CHECK(hv_wfields_headers(&fl) == NULL);
    /* a forbidden name and a bad value in a list */
    hive_cval *t0 = &l.of.agg.items[0].of.agg.items[0];
    hive_cval_clear(t0);
    CHECK_EQ_INT(hive_cval_string(t0, "Host", 4), HIVE_OK);
    CHECK_EQ_INT(hv_wfields_check_list(&l), HV_WHTTP_NAME_FORBIDDEN);
    hive_cval_clear(t0);
    CHECK_EQ_INT(hive_cval_string(t0, "ok", 2), HIVE_OK);
    hive_cval *v1 = &l.of.agg.items[1].of.agg.items[1];
    hive_cval_clear(v1);
    CHECK_EQ_INT(hv_wbytes_val(v1, (const uint8_t *)"a\nb", 3), 0);
    CHECK_EQ_INT(hv_wfields_check_list(&l), HV_WHTTP_NAME_SYNTAX);
    hive_cval_clear(&l);
}

int main(void) {
    RUN(test_set_append_delete);
    RUN(test_errors);
    RUN(test_limits);
    RUN(test_list_and_views);
    return test_summary("test_wasihttp_fields");
}
