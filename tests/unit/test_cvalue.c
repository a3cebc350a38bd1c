/*
 * test_cvalue.c -- component model types and values (hive/cvalue.h):
 * constructors, WIT type text, WAVE parse and print, equality, checks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hive/cvalue.h"
#include "testutil.h"

#define P(k) hive_ctype_prim(HIVE_C_##k)

/* Parses text as t, prints it back and compares with want (text itself
 * when want is NULL). */
static void roundtrip(const hive_ctype *t, const char *text, const char *want) {
    hive_cval v;
    hive_error err;
    int rc = hive_cval_parse(t, text, strlen(text), &v, &err);
    if (rc) fprintf(stderr, "parse %s: %s\n", text, err.message);
    CHECK_EQ_INT(rc, HIVE_OK);
    if (rc) return;
    CHECK_EQ_INT(hive_cval_check(&v, t, &err), HIVE_OK);
    char *s = NULL;
    CHECK_EQ_INT(hive_cval_format(&v, t, &s), HIVE_OK);
    if (s && strcmp(s, want ? want : text) != 0)
        fprintf(stderr, "roundtrip %s: got %s want %s\n", text, s, want ? want : text);
    CHECK(s && strcmp(s, want ? want : text) == 0);
    /* And the printed text reads back to an equal value. */
    hive_cval w;
    CHECK_EQ_INT(hive_cval_parse(t, s, strlen(s), &w, NULL), HIVE_OK);
    CHECK(hive_cval_equal(&v, &w));
    hive_cval c;
    CHECK_EQ_INT(hive_cval_copy(&c, &v), HIVE_OK);
    CHECK(hive_cval_equal(&c, &v));
    hive_cval_clear(&c);
    hive_cval_clear(&w);
    hive_cval_clear(&v);
    CHECK_EQ_INT(v.kind, HIVE_C_NONE);
    free(s);
}

/* Parsing text as t fails at byte offset at with a message containing
 * what. */
static void bad(const hive_ctype *t, const char *text, size_t at, const char *what) {
    hive_cval v;
    hive_error err;
    memset(&err, 0, sizeof err);
    int rc = hive_cval_parse(t, text, strlen(text), &v, &err);
    CHECK_EQ_INT(rc, HIVE_EARG);
    CHECK_EQ_INT(err.code, HIVE_EARG);
    CHECK_EQ_INT(v.kind, HIVE_C_NONE);
    if (err.offset != at || !strstr(err.message, what))
        fprintf(stderr, "bad %s: offset %zu message %s\n", text, err.offset, err.message);
    CHECK_EQ_INT(err.offset, at);
    CHECK(strstr(err.message, what) != NULL);
}

static char *type_str(const hive_ctype *t) {
    char *s = NULL;
    CHECK_EQ_INT(hive_ctype_format(t, &s), HIVE_OK);
    return s;
}

static void test_prims(void) {
    roundtrip(P(BOOL), "true", NULL);
    roundtrip(P(BOOL), " false ", "false");
    roundtrip(P(U8), "255", NULL);
    roundtrip(P(S8), "-128", NULL);
    roundtrip(P(S16), "-32768", NULL);
    roundtrip(P(U16), "65535", NULL);
    roundtrip(P(S32), "-2147483648", NULL);
    roundtrip(P(U32), "4294967295", NULL);
    roundtrip(P(S64), "-9223372036854775808", NULL);
    roundtrip(P(S64), "9223372036854775807", NULL);
    roundtrip(P(U64), "18446744073709551615", NULL);
    roundtrip(P(U32), "-0", "0");
    bad(P(U8), "256", 0, "out of range");
    bad(P(S8), "-129", 0, "out of range");
    bad(P(U32), "-1", 0, "out of range");
    bad(P(U64), "18446744073709551616", 0, "out of range");
    bad(P(S64), "9223372036854775808", 0, "out of range");
    bad(P(U32), "1.5", 0, "not a u32");
    bad(P(U32), "", 0, "expected a number");
    bad(P(U32), "7 8", 2, "unexpected text");
    bad(P(BOOL), "yes", 0, "true or false");

    roundtrip(P(F64), "1.5", NULL);
    roundtrip(P(F64), "-0", NULL);
    roundtrip(P(F64), "0.1", NULL);
    roundtrip(P(F64), "1e+300", NULL);
    roundtrip(P(F64), "nan", NULL);
    roundtrip(P(F64), "-inf", NULL);
    roundtrip(P(F32), "0.1", NULL); /* shortest for the float, not the double */
    roundtrip(P(F32), "3.4028235e+38", NULL);
    roundtrip(P(F32), "inf", NULL);
    roundtrip(P(F32), "5", NULL);
    bad(P(F32), "1e39", 0, "out of range");
    bad(P(F64), "1.", 0, "not a number");
    bad(P(F64), ".5", 0, "not a number");
    bad(P(F64), "-nan", 0, "no sign");

    roundtrip(P(CHAR), "'x'", NULL);
    roundtrip(P(CHAR), "'\\''", NULL);
    roundtrip(P(CHAR), "'\\u{1f370}'", "'\xf0\x9f\x8d\xb0'");
    roundtrip(P(CHAR), "'\xe2\x9b\xb3'", NULL);
    bad(P(CHAR), "'ab'", 0, "one character");
    bad(P(CHAR), "'\\u{d800}'", 1, "scalar");
    roundtrip(P(STRING), "\"abc\"", NULL);
    roundtrip(P(STRING), "\"\"", NULL);
    roundtrip(P(STRING), "\"a\\\"b\\\\c\\n\\t\\u{0}\"", "\"a\\\"b\\\\c\\n\\t\\u{0}\"");
    roundtrip(P(STRING), "\"\\u{48}i\"", "\"Hi\"");
    bad(P(STRING), "\"abc", 4, "unterminated");
    bad(P(STRING), "\"\\q\"", 1, "unknown escape");
    bad(P(STRING), "\"\xff\"", 1, "UTF-8");
}

static void test_compound(void) {
    hive_ctype *lu32 = hive_ctype_list(P(U32));
    roundtrip(lu32, "[1, 2, 3]", NULL);
    roundtrip(lu32, "[]", NULL);
    roundtrip(lu32, "[1,2,]", "[1, 2]");
    roundtrip(lu32, "[ // a comment\n 7 ]", "[7]");
    bad(lu32, "[1 2]", 3, "expected ','");
    bad(lu32, "[1, \"x\"]", 4, "expected a number");

    hive_ctype *fx = hive_ctype_fixed_list(hive_ctype_retain(P(U8)), 2);
    roundtrip(fx, "[1, 2]", NULL);
    bad(fx, "[1]", 0, "1 elements where the type has 2");

    hive_ctype *tup = hive_ctype_tuple(2, (hive_ctype *[]){P(STRING), P(BOOL)});
    roundtrip(tup, "(\"x\", true)", NULL);
    bad(tup, "(\"x\")", 4, "expected ','");

    hive_ctype *opt = hive_ctype_option(P(U32));
    hive_ctype *rec = hive_ctype_record(
        3, (const char *[]){"name", "age", "nick"},
        (hive_ctype *[]){P(STRING), P(U8), hive_ctype_retain(opt)});
    roundtrip(rec, "{name: \"ann\", age: 7, nick: some(3)}", NULL);
    roundtrip(rec, "{age: 7, name: \"bo\"}", "{name: \"bo\", age: 7, nick: none}");
    bad(rec, "{name: \"x\"}", 0, "field 'age' missing");
    bad(rec, "{name: \"x\", name: \"y\"}", 12, "given twice");
    bad(rec, "{bogus: 1}", 1, "no field 'bogus'");

    roundtrip(opt, "none", NULL);
    roundtrip(opt, "some(42)", NULL);
    bad(opt, "some", 0, "needs a payload");
    roundtrip(opt, "42", "some(42)"); /* WAVE's flat some */
    bad(opt, "x", 0, "not a u32");
    /* option<option<u8>>: none is the outer none; flat some nests. */
    hive_ctype *oo = hive_ctype_option(hive_ctype_option(P(U8)));
    roundtrip(oo, "none", NULL);
    roundtrip(oo, "some(none)", NULL);
    roundtrip(oo, "7", "some(some(7))");
    hive_ctype_release(oo);

    hive_ctype *res = hive_ctype_result(P(STRING), P(U32));
    roundtrip(res, "ok(\"yo\")", NULL);
    roundtrip(res, "err(404)", NULL);
    roundtrip(res, "\"flat\"", "ok(\"flat\")"); /* WAVE's flat ok */
    hive_ctype *res0 = hive_ctype_result(NULL, NULL);
    roundtrip(res0, "ok", NULL);
    roundtrip(res0, "err", NULL);
    bad(res0, "ok(1)", 2, "has no payload");

    /* A variant with a case named like a keyword. */
    hive_ctype *var = hive_ctype_variant(3, (const char *[]){"a", "none", "b"},
                                         (hive_ctype *[]){P(F32), NULL, P(U8)});
    roundtrip(var, "a(5)", NULL);
    roundtrip(var, "%none", NULL);
    roundtrip(var, "none", "%none");
    roundtrip(var, "b(1)", NULL);
    bad(var, "c", 0, "no case 'c'");

    hive_ctype *en = hive_ctype_enum(3, (const char *[]){"red", "green", "blue"});
    roundtrip(en, "green", NULL);
    bad(en, "green(1)", 5, "has no payload");

    hive_ctype *fl = hive_ctype_flags(3, (const char *[]){"a", "b", "c"});
    roundtrip(fl, "{}", NULL);
    roundtrip(fl, "{c, a}", "{a, c}");
    bad(fl, "{a, a}", 4, "given twice");
    bad(fl, "{d}", 1, "no flag 'd'");

    hive_ctype *mp = hive_ctype_map(P(STRING), P(U32));
    roundtrip(mp, "{\"k\": 1, \"j\": 2}", NULL);
    roundtrip(mp, "{:}", NULL);
    roundtrip(mp, "{ : }", "{:}");
    roundtrip(mp, "{}", "{:}");
    bad(mp, "{\"k\" 1}", 5, "expected ':'");
    /* A record whose fields are all options may be {:}. */
    hive_ctype *ropt = hive_ctype_record(2, (const char *[]){"a", "b"},
                                         (hive_ctype *[]){hive_ctype_option(P(U8)), hive_ctype_option(P(U8))});
    roundtrip(ropt, "{:}", "{a: none, b: none}");
    roundtrip(ropt, "{b: 3}", "{a: none, b: some(3)}");
    bad(rec, "{:}", 0, "field 'name' missing");
    hive_ctype_release(ropt);
    /* Multiline strings: the closing line's indentation is removed. */
    roundtrip(P(STRING), "\"\"\"\n  one\n    \"two\"\\t\n  \"\"\"", "\"one\\n  \\\"two\\\"\\t\"");
    roundtrip(P(STRING), "\"\"\"\n\"\"\"", "\"\"");
    bad(P(STRING), "\"\"\"x\n\"\"\"", 0, "line break");
    bad(P(STRING), "\"\"\"\n  a\n b\n  \"\"\"", 9, "indented less");
    bad(P(STRING), "\"\"\"\n  a\n", 0, "unterminated multiline");

    int res_id;
    hive_ctype *own = hive_ctype_handle(HIVE_C_OWN, &res_id, "file");
    roundtrip(own, "#3", NULL);
    bad(own, "3", 0, "handle");

    /* Nesting: list<option<tuple<string, list<u32>>>>. */
    hive_ctype *nest = hive_ctype_list(hive_ctype_option(
        hive_ctype_tuple(2, (hive_ctype *[]){P(STRING), hive_ctype_retain(lu32)})));
    roundtrip(nest, "[some((\"x\", [1, 2])), none]", NULL);

    char *s;
    CHECK((s = type_str(rec)) && strcmp(s, "record { name: string, age: u8, nick: option<u32> }") == 0);
    free(s);
    CHECK((s = type_str(var)) && strcmp(s, "variant { a(f32), none, b(u8) }") == 0);
    free(s);
    CHECK((s = type_str(nest)) && strcmp(s, "list<option<tuple<string, list<u32>>>>") == 0);
    free(s);
    CHECK((s = type_str(res0)) && strcmp(s, "result") == 0);
    free(s);
    hive_ctype *rerr = hive_ctype_result(NULL, P(STRING));
    CHECK((s = type_str(rerr)) && strcmp(s, "result<_, string>") == 0);
    free(s);
    CHECK((s = type_str(fx)) && strcmp(s, "list<u8, 2>") == 0);
    free(s);
    CHECK((s = type_str(own)) && strcmp(s, "own<file>") == 0);
    free(s);

    /* Structural equality. */
    hive_ctype *en2 = hive_ctype_enum(3, (const char *[]){"red", "green", "blue"});
    hive_ctype *en3 = hive_ctype_enum(3, (const char *[]){"red", "green", "cyan"});
    CHECK(hive_ctype_equal(en, en2));
    CHECK(!hive_ctype_equal(en, en3));
    CHECK(!hive_ctype_equal(lu32, fx));
    int other;
    hive_ctype *own2 = hive_ctype_handle(HIVE_C_OWN, &other, "file");
    CHECK(!hive_ctype_equal(own, own2));
    CHECK_EQ_INT(hive_ctype_find(rec, "age", 3), 1);
    CHECK_EQ_INT(hive_ctype_find(rec, "ag", 2), -1);

    hive_ctype *all[] = {lu32, fx, tup, opt, rec, res, res0, var, en, fl, mp, own, nest, rerr,
                         en2, en3, own2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) hive_ctype_release(all[i]);
}

static void test_bad_types(void) {
    /* Duplicate and empty labels, no members, too many flags, missing
     * types: NULL, and the types given are released (ASan sees leaks). */
    CHECK(!hive_ctype_record(2, (const char *[]){"a", "a"},
                             (hive_ctype *[]){P(U8), hive_ctype_list(P(U8))}));
    CHECK(!hive_ctype_enum(1, (const char *[]){""}));
    CHECK(!hive_ctype_tuple(0, NULL));
    CHECK(!hive_ctype_list(NULL));
    CHECK(!hive_ctype_fixed_list(hive_ctype_list(P(U8)), 0));
    CHECK(!hive_ctype_map(hive_ctype_list(P(U8)), NULL));
    const char *names[33];
    char buf[33][4];
    for (int i = 0; i < 33; i++) {
        snprintf(buf[i], sizeof buf[i], "f%d", i);
        names[i] = buf[i];
    }
    CHECK(!hive_ctype_flags(33, names));
    hive_ctype *f32 = hive_ctype_flags(32, names);
    CHECK(f32 && f32->n == 32);
    hive_cval v;
    CHECK_EQ_INT(hive_cval_parse(f32, "{f31, f0}", 9, &v, NULL), HIVE_OK);
    CHECK(v.of.flags == 0x80000001u);
    hive_ctype_release(f32);
    CHECK(hive_ctype_prim(HIVE_C_LIST) == NULL);
    CHECK(hive_ctype_handle(HIVE_C_LIST, NULL, NULL) == NULL);
    CHECK(strcmp(hive_ckind_name(HIVE_C_ERROR_CONTEXT), "error-context") == 0);
    CHECK(strcmp(hive_ckind_name((hive_ckind)999), "?") == 0);
}

static void test_values(void) {
    /* NaN equals NaN; 0 and -0 differ; kinds must agree. */
    hive_cval a = hive_cval_f32(NAN), b = hive_cval_f32(-NAN);
    CHECK(hive_cval_equal(&a, &b));
    a = hive_cval_f64(0.0), b = hive_cval_f64(-0.0);
    CHECK(!hive_cval_equal(&a, &b));
    a = hive_cval_f64(1.0), b = hive_cval_f64(NAN);
    CHECK(!hive_cval_equal(&a, &b));
    a = hive_cval_uint(HIVE_C_U32, 1), b = hive_cval_uint(HIVE_C_U64, 1);
    CHECK(!hive_cval_equal(&a, &b));

    /* Building by hand: list<string> ["a", "bc"]. */
    hive_cval l;
    CHECK_EQ_INT(hive_cval_agg(&l, HIVE_C_LIST, 2), HIVE_OK);
    CHECK_EQ_INT(hive_cval_string(&l.of.agg.items[0], "a", 1), HIVE_OK);
    CHECK_EQ_INT(hive_cval_string(&l.of.agg.items[1], "bc", 2), HIVE_OK);
    CHECK(l.of.agg.items[1].of.str.ptr[2] == 0);
    hive_ctype *ls = hive_ctype_list(P(STRING));
    char *s = NULL;
    CHECK_EQ_INT(hive_cval_format(&l, ls, &s), HIVE_OK);
    CHECK(s && strcmp(s, "[\"a\", \"bc\"]") == 0);
    free(s);
    CHECK_EQ_INT(hive_cval_format(&l, P(STRING), &s), HIVE_EARG);
    CHECK(s == NULL);
    hive_cval l2;
    CHECK_EQ_INT(hive_cval_copy(&l2, &l), HIVE_OK);
    CHECK(l2.of.agg.items[0].of.str.ptr != l.of.agg.items[0].of.str.ptr);
    CHECK(hive_cval_equal(&l, &l2));
    l2.of.agg.items[1].of.str.ptr[1] = 'x';
    CHECK(!hive_cval_equal(&l, &l2));
    hive_cval moved = {0};
    hive_cval_move(&moved, &l2);
    CHECK_EQ_INT(l2.kind, HIVE_C_NONE);
    CHECK_EQ_INT(moved.kind, HIVE_C_LIST);
    hive_cval_clear(&moved);
    hive_cval_clear(&l);
    hive_cval_clear(NULL);

    /* Invalid UTF-8 is refused. */
    hive_cval bs;
    CHECK_EQ_INT(hive_cval_string(&bs, "\xc0\x80", 2), HIVE_EARG);
    CHECK_EQ_INT(hive_cval_string(&bs, "\xed\xa0\x80", 3), HIVE_EARG);
    CHECK_EQ_INT(bs.kind, HIVE_C_NONE);

    /* Cases: payload moved in. */
    hive_cval pl, opt;
    CHECK_EQ_INT(hive_cval_string(&pl, "p", 1), HIVE_OK);
    CHECK_EQ_INT(hive_cval_case(&opt, HIVE_C_OPTION, 1, &pl), HIVE_OK);
    CHECK_EQ_INT(pl.kind, HIVE_C_NONE);
    CHECK(opt.of.var.payload && opt.of.var.payload->kind == HIVE_C_STRING);
    hive_ctype *os = hive_ctype_option(P(STRING));
    hive_error err;
    CHECK_EQ_INT(hive_cval_check(&opt, os, &err), HIVE_OK);
    CHECK_EQ_INT(hive_cval_check(&opt, ls, &err), HIVE_EARG);
    CHECK(strstr(err.message, "a option where the type is list") != NULL);
    hive_cval_clear(&opt);
    CHECK_EQ_INT(hive_cval_case(&opt, HIVE_C_OPTION, 1, NULL), HIVE_EARG); /* some needs one */
    CHECK_EQ_INT(hive_cval_case(&opt, HIVE_C_RESULT, 2, NULL), HIVE_EARG);
    CHECK_EQ_INT(hive_cval_agg(&opt, HIVE_C_STRING, 1), HIVE_EARG);

    /* Checks find the place of the fault. */
    hive_ctype *rec = hive_ctype_record(2, (const char *[]){"x", "y"},
                                        (hive_ctype *[]){P(U8), hive_ctype_list(P(CHAR))});
    hive_cval r;
    CHECK_EQ_INT(hive_cval_parse(rec, "{x: 1, y: ['a', 'b']}", 21, &r, NULL), HIVE_OK);
    CHECK_EQ_INT(hive_cval_check(&r, rec, &err), HIVE_OK);
    r.of.agg.items[1].of.agg.items[1].of.ch = 0xd800;
    CHECK_EQ_INT(hive_cval_check(&r, rec, &err), HIVE_EARG);
    CHECK(strstr(err.message, "value.y[1]: char not a Unicode scalar value") != NULL);
    r.of.agg.items[1].of.agg.items[1].of.ch = 'b';
    r.of.agg.items[0].of.u = 300;
    CHECK_EQ_INT(hive_cval_check(&r, rec, &err), HIVE_EARG);
    CHECK(strstr(err.message, "value.x: u8 out of range") != NULL);
    hive_cval_clear(&r);

    hive_ctype *fl = hive_ctype_flags(2, (const char *[]){"a", "b"});
    hive_cval f = hive_cval_flags(4);
    CHECK_EQ_INT(hive_cval_check(&f, fl, &err), HIVE_EARG);
    CHECK_EQ_INT(hive_cval_format(&f, fl, &s), HIVE_EARG);

    hive_ctype_release(fl);
    hive_ctype_release(rec);
    hive_ctype_release(os);
    hive_ctype_release(ls);
}

static void test_refcount(void) {
    hive_ctype *l = hive_ctype_list(P(U8));
    CHECK_EQ_INT(l->refs_, 1);
    hive_ctype *o1 = hive_ctype_option(hive_ctype_retain(l));
    hive_ctype *o2 = hive_ctype_option(hive_ctype_retain(l));
    CHECK_EQ_INT(l->refs_, 3);
    hive_ctype_release(o1);
    CHECK_EQ_INT(l->refs_, 2);
    hive_ctype_release(o2);
    CHECK_EQ_INT(l->refs_, 1);
    hive_ctype_release(l);
    /* Static primitives ignore retain/release. */
    hive_ctype_release(P(U8));
    hive_ctype_retain(P(U8));
    CHECK_EQ_INT(P(U8)->refs_, 0);
    CHECK_EQ_INT(P(U8)->kind, HIVE_C_U8);
}

/* Every prefix and many one-byte changes of valid texts: parsing never
 * crashes, and whatever it accepts is of the type and prints to text that
 * reads back equal. */
static void test_mutations(void) {
    hive_ctype *opt = hive_ctype_option(hive_ctype_list(P(STRING)));
    hive_ctype *rec = hive_ctype_record(
        3, (const char *[]){"a", "b", "c"},
        (hive_ctype *[]){P(S16), hive_ctype_tuple(2, (hive_ctype *[]){P(CHAR), P(F64)}), opt});
    hive_ctype *var = hive_ctype_variant(
        2, (const char *[]){"x", "y"},
        (hive_ctype *[]){hive_ctype_result(P(U8), NULL), hive_ctype_flags(2, (const char *[]){"p", "q"})});
    hive_ctype *lst = hive_ctype_list(var);
    hive_ctype *mp = hive_ctype_map(P(STRING), hive_ctype_option(P(U8)));
    struct {
        const hive_ctype *t;
        const char *text;
    } cases[] = {
        {rec, "{a: -300, b: ('\\u{41}', 1.5e-3), c: some([\"x\", \"\\n\"])}"},
        {lst, "[x(ok(7)), y({p, q}), x(err), y({})]"},
        {mp, "{\"a\": 1, \"b\": none, \"\"\"\n x\"\n \"\"\": some(2)}"},
    };
    static const char subst[] = "0-9.e,:()[]{}\"'\\%#/ xnafkos";
    unsigned long accepted = 0, tried = 0;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *text = cases[c].text;
        size_t n = strlen(text);
        char buf[256];
        for (size_t cut = 0; cut <= n; cut++) {
            for (size_t at = 0; at <= cut; at++) {
                for (size_t k = 0; k < sizeof subst; k++) {
                    memcpy(buf, text, cut);
                    size_t len = cut;
                    if (at < cut) buf[at] = k + 1 < sizeof subst ? subst[k] : (char)0xff;
                    else if (k) break;
                    hive_cval v;
                    tried++;
                    if (hive_cval_parse(cases[c].t, buf, len, &v, NULL) != HIVE_OK) {
                        CHECK_EQ_INT(v.kind, HIVE_C_NONE);
                        continue;
                    }
                    accepted++;
                    CHECK_EQ_INT(hive_cval_check(&v, cases[c].t, NULL), HIVE_OK);
                    char *s = NULL;
                    CHECK_EQ_INT(hive_cval_format(&v, cases[c].t, &s), HIVE_OK);
                    hive_cval w;
                    CHECK(s && hive_cval_parse(cases[c].t, s, strlen(s), &w, NULL) == HIVE_OK);
                    if (s) {
                        CHECK(hive_cval_equal(&v, &w));
                        hive_cval_clear(&w);
                    }
                    free(s);
                    hive_cval_clear(&v);
                }
            }
        }
    }
    /* The unchanged texts themselves, and some variants of them, parse. */
    if (getenv("CVALUE_VERBOSE")) fprintf(stderr, "mutations: %lu tried, %lu accepted\n", tried, accepted);
    CHECK(accepted > 2);
    CHECK(tried > 10000);
    hive_ctype_release(rec);
    hive_ctype_release(lst);
    hive_ctype_release(mp);
}

/* Packed lists: the same values as lists of items. */
static void test_packed(void) {
    hive_cval a, b, c;
    hive_error err;
    CHECK_EQ_INT(hive_ckind_size(HIVE_C_U8), 1);
    CHECK_EQ_INT(hive_ckind_size(HIVE_C_S16), 2);
    CHECK_EQ_INT(hive_ckind_size(HIVE_C_F32), 4);
    CHECK_EQ_INT(hive_ckind_size(HIVE_C_U64), 8);
    CHECK_EQ_INT(hive_ckind_size(HIVE_C_BOOL), 0);
    CHECK_EQ_INT(hive_ckind_size(HIVE_C_CHAR), 0);
    /* kinds that cannot be packed */
    CHECK_EQ_INT(hive_cval_packed(&a, HIVE_C_BOOL, NULL, 1), HIVE_EARG);
    CHECK(a.kind == HIVE_C_NONE);
    CHECK_EQ_INT(hive_cval_packed(&a, HIVE_C_STRING, NULL, 0), HIVE_EARG);
    CHECK_EQ_INT(hive_cval_packed_adopt(&a, HIVE_C_CHAR, malloc(4), 1), HIVE_EARG); /* freed */
    CHECK_EQ_INT(hive_cval_packed_adopt(&a, HIVE_C_U8, NULL, 3), HIVE_EARG);
    /* the same list three ways: packed, parsed, unpacked */
    hive_ctype *lu8 = hive_ctype_list(P(U8));
    const char text[] = "[1, 2, 255]";
    CHECK_EQ_INT(hive_cval_packed(&a, HIVE_C_U8, "\x01\x02\xff", 3), HIVE_OK);
    CHECK(a.kind == HIVE_C_PACKED && a.of.packed.n == 3);
    size_t len = 0;
    const uint8_t *bytes = hive_cval_bytes(&a, &len);
    CHECK(bytes && len == 3 && bytes[2] == 255);
    CHECK_EQ_INT(hive_cval_parse(lu8, text, strlen(text), &b, &err), HIVE_OK);
    CHECK(b.kind == HIVE_C_LIST);
    CHECK(hive_cval_equal(&a, &b) && hive_cval_equal(&b, &a));
    CHECK_EQ_INT(hive_cval_check(&a, lu8, &err), HIVE_OK);
    char *out = NULL;
    CHECK_EQ_INT(hive_cval_format(&a, lu8, &out), HIVE_OK);
    CHECK(out && strcmp(out, text) == 0);
    free(out);
    /* pack the parsed list: equal bytes */
    CHECK_EQ_INT(hive_cval_pack(&b, HIVE_C_U8), HIVE_OK);
    CHECK(b.kind == HIVE_C_PACKED && hive_cval_equal(&a, &b));
    CHECK_EQ_INT(hive_cval_pack(&b, HIVE_C_U8), HIVE_OK); /* already */
    CHECK_EQ_INT(hive_cval_pack(&b, HIVE_C_U16), HIVE_EARG);
    CHECK_EQ_INT(hive_cval_copy(&c, &a), HIVE_OK);
    CHECK(c.kind == HIVE_C_PACKED && c.of.packed.data != a.of.packed.data && hive_cval_equal(&a, &c));
    c.of.packed.data[1] = 7;
    CHECK(!hive_cval_equal(&a, &c));
    CHECK_EQ_INT(hive_cval_unpack(&c), HIVE_OK);
    CHECK(c.kind == HIVE_C_LIST && c.of.agg.n == 3 && c.of.agg.items[1].of.u == 7);
    CHECK(!hive_cval_equal(&a, &c));
    hive_cval_clear(&c);
    /* a list with an item of another kind does not pack */
    CHECK_EQ_INT(hive_cval_agg(&c, HIVE_C_LIST, 2), HIVE_OK);
    c.of.agg.items[0] = hive_cval_uint(HIVE_C_U8, 1);
    c.of.agg.items[1] = hive_cval_uint(HIVE_C_U16, 1);
    CHECK_EQ_INT(hive_cval_pack(&c, HIVE_C_U8), HIVE_EARG);
    CHECK(c.kind == HIVE_C_LIST);
    hive_cval_clear(&c);
    /* lengths differ */
    CHECK_EQ_INT(hive_cval_packed(&c, HIVE_C_U8, "\x01\x02", 2), HIVE_OK);
    CHECK(!hive_cval_equal(&a, &c));
    hive_cval_clear(&c);
    /* the type check: the element kind must be the list's */
    hive_ctype *lu16 = hive_ctype_list(P(U16));
    CHECK_EQ_INT(hive_cval_check(&a, lu16, &err), HIVE_EARG);
    CHECK(strstr(err.message, "packed list<u8>") != NULL);
    CHECK_EQ_INT(hive_cval_format(&a, lu16, &out), HIVE_EARG);
    hive_ctype *fixed = hive_ctype_fixed_list(P(U8), 3);
    CHECK_EQ_INT(hive_cval_check(&a, fixed, &err), HIVE_EARG);
    /* s32 and f64 elements, little-endian; NaNs equal as in lists */
    const uint8_t s32[8] = {0xfe, 0xff, 0xff, 0xff, 0x05, 0, 0, 0};
    CHECK_EQ_INT(hive_cval_packed(&c, HIVE_C_S32, s32, 2), HIVE_OK);
    CHECK(hive_cval_packed_get(&c, 0).kind == HIVE_C_S32 && hive_cval_packed_get(&c, 0).of.s == -2);
    hive_ctype *ls32 = hive_ctype_list(P(S32));
    CHECK_EQ_INT(hive_cval_format(&c, ls32, &out), HIVE_OK);
    CHECK(out && strcmp(out, "[-2, 5]") == 0);
    free(out);
    hive_cval_clear(&c);
    double d[2] = {NAN, -0.0};
    hive_cval e;
    CHECK_EQ_INT(hive_cval_packed(&c, HIVE_C_F64, d, 2), HIVE_OK); /* this host is little-endian */
    CHECK_EQ_INT(hive_cval_agg(&e, HIVE_C_LIST, 2), HIVE_OK);
    e.of.agg.items[0] = hive_cval_f64(-NAN);
    e.of.agg.items[1] = hive_cval_f64(-0.0);
    CHECK(hive_cval_equal(&c, &e));
    e.of.agg.items[1] = hive_cval_f64(0.0);
    CHECK(!hive_cval_equal(&c, &e)); /* -0 and 0 differ */
    hive_cval_clear(&e);
    hive_cval_clear(&c);
    /* empty */
    CHECK_EQ_INT(hive_cval_packed(&c, HIVE_C_U64, NULL, 0), HIVE_OK);
    CHECK(c.kind == HIVE_C_PACKED && c.of.packed.data == NULL && hive_cval_bytes(&c, &len) == NULL && len == 0);
    CHECK_EQ_INT(hive_cval_parse(lu8, "[]", 2, &e, &err), HIVE_OK);
    CHECK(hive_cval_equal(&c, &e)); /* both empty lists */
    hive_cval_clear(&e);
    hive_cval_clear(&c);
    hive_cval_clear(&a);
    hive_cval_clear(&b);
    hive_ctype_release(lu8);
    hive_ctype_release(lu16);
    hive_ctype_release(fixed);
    hive_ctype_release(ls32);
}

int main(void) {
    RUN(test_prims);
    RUN(test_compound);
    RUN(test_bad_types);
    RUN(test_values);
    RUN(test_refcount);
    RUN(test_mutations);
    RUN(test_packed);
    return test_summary("test_cvalue");
}
