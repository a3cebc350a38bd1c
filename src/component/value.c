/*
 * value.c -- the component model's type descriptors and values
 * (hive/cvalue.h): construction, freeing, equality, type checks, and WAVE
 * text in and out.
 */
#include "hive/cvalue.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/error.h"

static const char *const kind_names[HIVE_C_KIND_COUNT] = {
    [HIVE_C_NONE] = "none",      [HIVE_C_BOOL] = "bool",     [HIVE_C_S8] = "s8",
    [HIVE_C_U8] = "u8",          [HIVE_C_S16] = "s16",       [HIVE_C_U16] = "u16",
    [HIVE_C_S32] = "s32",        [HIVE_C_U32] = "u32",       [HIVE_C_S64] = "s64",
    [HIVE_C_U64] = "u64",        [HIVE_C_F32] = "f32",       [HIVE_C_F64] = "f64",
    [HIVE_C_CHAR] = "char",      [HIVE_C_STRING] = "string", [HIVE_C_LIST] = "list",
    [HIVE_C_FIXED_LIST] = "list", [HIVE_C_RECORD] = "record", [HIVE_C_TUPLE] = "tuple",
    [HIVE_C_VARIANT] = "variant", [HIVE_C_ENUM] = "enum",    [HIVE_C_OPTION] = "option",
    [HIVE_C_RESULT] = "result",  [HIVE_C_FLAGS] = "flags",   [HIVE_C_MAP] = "map",
    [HIVE_C_OWN] = "own",        [HIVE_C_BORROW] = "borrow", [HIVE_C_STREAM] = "stream",
    [HIVE_C_FUTURE] = "future",  [HIVE_C_ERROR_CONTEXT] = "error-context",
    [HIVE_C_PACKED] = "list",
};

const char *hive_ckind_name(hive_ckind kind) {
    if ((unsigned)kind >= HIVE_C_KIND_COUNT) return "?";
    return kind_names[kind];
}

/* ---- types -------------------------------------------------------------- */

static hive_ctype prims[HIVE_C_KIND_COUNT] = {
    [HIVE_C_BOOL] = {.kind = HIVE_C_BOOL},     [HIVE_C_S8] = {.kind = HIVE_C_S8},
    [HIVE_C_U8] = {.kind = HIVE_C_U8},         [HIVE_C_S16] = {.kind = HIVE_C_S16},
    [HIVE_C_U16] = {.kind = HIVE_C_U16},       [HIVE_C_S32] = {.kind = HIVE_C_S32},
    [HIVE_C_U32] = {.kind = HIVE_C_U32},       [HIVE_C_S64] = {.kind = HIVE_C_S64},
    [HIVE_C_U64] = {.kind = HIVE_C_U64},       [HIVE_C_F32] = {.kind = HIVE_C_F32},
    [HIVE_C_F64] = {.kind = HIVE_C_F64},       [HIVE_C_CHAR] = {.kind = HIVE_C_CHAR},
    [HIVE_C_STRING] = {.kind = HIVE_C_STRING},
    [HIVE_C_ERROR_CONTEXT] = {.kind = HIVE_C_ERROR_CONTEXT},
};

static int is_prim(hive_ckind k) {
    return (k >= HIVE_C_BOOL && k <= HIVE_C_STRING) || k == HIVE_C_ERROR_CONTEXT;
}

hive_ctype *hive_ctype_prim(hive_ckind kind) {
    if ((unsigned)kind >= HIVE_C_KIND_COUNT || !is_prim(kind)) return NULL;
    return &prims[kind];
}

hive_ctype *hive_ctype_retain(hive_ctype *t) {
    if (t && t->refs_) __atomic_add_fetch(&t->refs_, 1, __ATOMIC_RELAXED);
    return t;
}

void hive_ctype_release(hive_ctype *t) {
    if (!t || !t->refs_) return;
    if (__atomic_sub_fetch(&t->refs_, 1, __ATOMIC_ACQ_REL) != 0) return;
    hive_ctype_release(t->elem);
    hive_ctype_release(t->elem2);
    for (uint32_t i = 0; i < t->n; i++) {
        free((char *)t->cases[i].name);
        hive_ctype_release(t->cases[i].type);
    }
    free(t->cases);
    free((char *)t->name);
    free(t);
}

static hive_ctype *new_type(hive_ckind kind) {
    hive_ctype *t = calloc(1, sizeof *t);
    if (t) {
        t->kind = kind;
        t->refs_ = 1;
    }
    return t;
}

static hive_ctype *unary(hive_ckind kind, hive_ctype *a, hive_ctype *b, int need_a, int need_b) {
    if ((need_a && !a) || (need_b && !b)) goto fail;
    hive_ctype *t = new_type(kind);
    if (!t) goto fail;
    t->elem = a;
    t->elem2 = b;
    return t;
fail:
    hive_ctype_release(a);
    hive_ctype_release(b);
    return NULL;
}

hive_ctype *hive_ctype_list(hive_ctype *elem) { return unary(HIVE_C_LIST, elem, NULL, 1, 0); }
hive_ctype *hive_ctype_fixed_list(hive_ctype *elem, uint32_t len) {
    if (len == 0) {
        hive_ctype_release(elem);
        return NULL;
    }
    hive_ctype *t = unary(HIVE_C_FIXED_LIST, elem, NULL, 1, 0);
    if (t) t->len = len;
    return t;
}
hive_ctype *hive_ctype_option(hive_ctype *elem) { return unary(HIVE_C_OPTION, elem, NULL, 1, 0); }
hive_ctype *hive_ctype_result(hive_ctype *ok, hive_ctype *err) {
    return unary(HIVE_C_RESULT, ok, err, 0, 0);
}
hive_ctype *hive_ctype_map(hive_ctype *key, hive_ctype *value) {
    return unary(HIVE_C_MAP, key, value, 1, 1);
}
hive_ctype *hive_ctype_async(hive_ckind kind, hive_ctype *elem) {
    if (kind != HIVE_C_STREAM && kind != HIVE_C_FUTURE) {
        hive_ctype_release(elem);
        return NULL;
    }
    return unary(kind, elem, NULL, 0, 0);
}

hive_ctype *hive_ctype_handle(hive_ckind kind, const void *resource, const char *name) {
    if (kind != HIVE_C_OWN && kind != HIVE_C_BORROW) return NULL;
    hive_ctype *t = new_type(kind);
    if (!t) return NULL;
    t->resource = resource;
    if (name && !(t->name = strdup(name))) {
        free(t);
        return NULL;
    }
    return t;
}

/* RECORD, TUPLE, VARIANT, ENUM, FLAGS. */
static hive_ctype *members(hive_ckind kind, size_t n, const char *const *names,
                           hive_ctype *const *types, int type_need) {
    hive_ctype *t = NULL;
    if (n == 0 || n > UINT32_MAX || (kind == HIVE_C_FLAGS && n > 32)) goto fail;
    if (type_need && !types) goto fail;
    for (size_t i = 0; i < n; i++) {
        if (type_need && !types[i]) goto fail;
        if (names) {
            if (!names[i] || !names[i][0]) goto fail;
            for (size_t j = 0; j < i; j++)
                if (strcmp(names[i], names[j]) == 0) goto fail;
        }
    }
    if (!(t = new_type(kind))) goto fail;
    if (!(t->cases = calloc(n, sizeof *t->cases))) goto fail;
    t->n = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        if (types) t->cases[i].type = types[i];
        if (names && !(t->cases[i].name = strdup(names[i]))) {
            /* The remaining types are released with t. */
            for (size_t j = i + 1; j < n; j++)
                if (types) t->cases[j].type = types[j];
            goto fail_t;
        }
    }
    return t;
fail:
    if (types)
        for (size_t i = 0; i < n; i++) hive_ctype_release(types[i]);
    if (t) free(t);
    return NULL;
fail_t:
    hive_ctype_release(t);
    return NULL;
}

hive_ctype *hive_ctype_record(size_t n, const char *const *names, hive_ctype *const *types) {
    if (!names) {
        if (types)
            for (size_t i = 0; i < n; i++) hive_ctype_release(types[i]);
        return NULL;
    }
    return members(HIVE_C_RECORD, n, names, types, 1);
}
hive_ctype *hive_ctype_tuple(size_t n, hive_ctype *const *types) {
    return members(HIVE_C_TUPLE, n, NULL, types, 1);
}
hive_ctype *hive_ctype_variant(size_t n, const char *const *names, hive_ctype *const *types) {
    if (!names) {
        if (types)
            for (size_t i = 0; i < n; i++) hive_ctype_release(types[i]);
        return NULL;
    }
    return members(HIVE_C_VARIANT, n, names, types, 0);
}
hive_ctype *hive_ctype_enum(size_t n, const char *const *names) {
    return names ? members(HIVE_C_ENUM, n, names, NULL, 0) : NULL;
}
hive_ctype *hive_ctype_flags(size_t n, const char *const *names) {
    return names ? members(HIVE_C_FLAGS, n, names, NULL, 0) : NULL;
}

int hive_ctype_equal(const hive_ctype *a, const hive_ctype *b) {
    if (a == b) return 1;
    if (!a || !b || a->kind != b->kind) return 0;
    switch (a->kind) {
    case HIVE_C_OWN:
    case HIVE_C_BORROW: return a->resource == b->resource;
    case HIVE_C_FIXED_LIST:
        if (a->len != b->len) return 0;
        break;
    default: break;
    }
    if (!hive_ctype_equal(a->elem, b->elem) || !hive_ctype_equal(a->elem2, b->elem2)) return 0;
    if (a->n != b->n) return 0;
    for (uint32_t i = 0; i < a->n; i++) {
        const char *na = a->cases[i].name, *nb = b->cases[i].name;
        if ((na == NULL) != (nb == NULL) || (na && strcmp(na, nb) != 0)) return 0;
        if (!hive_ctype_equal(a->cases[i].type, b->cases[i].type)) return 0;
    }
    return 1;
}

int hive_ctype_find(const hive_ctype *t, const char *name, size_t name_len) {
    if (!t || !t->cases) return -1;
    for (uint32_t i = 0; i < t->n; i++) {
        const char *c = t->cases[i].name;
        if (c && strlen(c) == name_len && memcmp(c, name, name_len) == 0) return (int)i;
    }
    return -1;
}

/* ---- a growing string ---------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void sb_fmt(sbuf *b, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static int sb_finish(sbuf *b, char **out) {
    if (!b->oom && !b->p) sb_put(b, "", 0);
    if (b->oom) {
        free(b->p);
        *out = NULL;
        return HIVE_ENOMEM;
    }
    *out = b->p;
    return HIVE_OK;
}

/* ---- type text ---------------------------------------------------------- */

static void type_text(sbuf *b, const hive_ctype *t) {
    if (!t) {
        sb_str(b, "_");
        return;
    }
    switch (t->kind) {
    case HIVE_C_LIST:
        sb_str(b, "list<");
        type_text(b, t->elem);
        sb_str(b, ">");
        break;
    case HIVE_C_FIXED_LIST:
        sb_str(b, "list<");
        type_text(b, t->elem);
        sb_fmt(b, ", %u>", t->len);
        break;
    case HIVE_C_OPTION:
        sb_str(b, "option<");
        type_text(b, t->elem);
        sb_str(b, ">");
        break;
    case HIVE_C_RESULT:
        sb_str(b, "result");
        if (t->elem || t->elem2) {
            sb_str(b, "<");
            type_text(b, t->elem);
            if (t->elem2) {
                sb_str(b, ", ");
                type_text(b, t->elem2);
            }
            sb_str(b, ">");
        }
        break;
    case HIVE_C_MAP:
        sb_str(b, "map<");
        type_text(b, t->elem);
        sb_str(b, ", ");
        type_text(b, t->elem2);
        sb_str(b, ">");
        break;
    case HIVE_C_STREAM:
    case HIVE_C_FUTURE:
        sb_str(b, hive_ckind_name(t->kind));
        if (t->elem) {
            sb_str(b, "<");
            type_text(b, t->elem);
            sb_str(b, ">");
        }
        break;
    case HIVE_C_OWN:
    case HIVE_C_BORROW:
        sb_str(b, hive_ckind_name(t->kind));
        sb_str(b, "<");
        if (t->name)
            sb_str(b, t->name);
        else
            sb_fmt(b, "%p", t->resource);
        sb_str(b, ">");
        break;
    case HIVE_C_TUPLE:
        sb_str(b, "tuple<");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i) sb_str(b, ", ");
            type_text(b, t->cases[i].type);
        }
        sb_str(b, ">");
        break;
    case HIVE_C_RECORD:
    case HIVE_C_VARIANT:
    case HIVE_C_ENUM:
    case HIVE_C_FLAGS:
        sb_str(b, hive_ckind_name(t->kind));
        sb_str(b, " { ");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i) sb_str(b, ", ");
            sb_str(b, t->cases[i].name);
            if (t->cases[i].type) {
                sb_str(b, t->kind == HIVE_C_RECORD ? ": " : "(");
                type_text(b, t->cases[i].type);
                if (t->kind == HIVE_C_VARIANT) sb_str(b, ")");
            }
        }
        sb_str(b, " }");
        break;
    default: sb_str(b, hive_ckind_name(t->kind)); break;
    }
}

int hive_ctype_format(const hive_ctype *t, char **out) {
    sbuf b = {0};
    type_text(&b, t);
    return sb_finish(&b, out);
}

/* ---- values ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0. Sets *cp. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    if (n == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return len;
}

static int utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;
    while (n) {
        size_t k = utf8_decode(p, n, &cp);
        if (!k) return 0;
        p += k;
        n -= k;
    }
    return 1;
}

static size_t utf8_encode(uint32_t c, char out[4]) {
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3f));
    out[2] = (char)(0x80 | (c >> 6 & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

static int is_scalar(uint32_t c) { return c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff); }

int hive_cval_string(hive_cval *out, const char *s, size_t len) {
    memset(out, 0, sizeof *out);
    if ((!s && len) || !utf8_valid(s, len)) return HIVE_EARG;
    char *p = malloc(len + 1);
    if (!p) return HIVE_ENOMEM;
    if (len) memcpy(p, s, len);
    p[len] = 0;
    out->kind = HIVE_C_STRING;
    out->of.str.ptr = p;
    out->of.str.len = len;
    return HIVE_OK;
}

int hive_cval_agg(hive_cval *out, hive_ckind kind, size_t n) {
    memset(out, 0, sizeof *out);
    if (kind != HIVE_C_LIST && kind != HIVE_C_FIXED_LIST && kind != HIVE_C_RECORD &&
        kind != HIVE_C_TUPLE && kind != HIVE_C_MAP)
        return HIVE_EARG;
    if (n > SIZE_MAX / sizeof(hive_cval)) return HIVE_ENOMEM;
    if (n && !(out->of.agg.items = calloc(n, sizeof(hive_cval)))) return HIVE_ENOMEM;
    out->kind = kind;
    out->of.agg.n = n;
    return HIVE_OK;
}

int hive_cval_case(hive_cval *out, hive_ckind kind, uint32_t index, hive_cval *payload) {
    memset(out, 0, sizeof *out);
    int ok = kind == HIVE_C_VARIANT || kind == HIVE_C_OPTION || kind == HIVE_C_RESULT ||
             (kind == HIVE_C_ENUM && !payload);
    if ((kind == HIVE_C_OPTION || kind == HIVE_C_RESULT) && index > 1) ok = 0;
    if (kind == HIVE_C_OPTION && (index == 1) != (payload != NULL)) ok = 0;
    if (!ok) {
        hive_cval_clear(payload);
        return HIVE_EARG;
    }
    hive_cval *p = NULL;
    if (payload) {
        if (!(p = malloc(sizeof *p))) {
            hive_cval_clear(payload);
            return HIVE_ENOMEM;
        }
        *p = *payload;
        memset(payload, 0, sizeof *payload);
    }
    out->kind = kind;
    out->of.var.index = index;
    out->of.var.payload = p;
    return HIVE_OK;
}

/* ---- packed lists ---- */

size_t hive_ckind_size(hive_ckind kind) {
    switch (kind) {
    case HIVE_C_U8: case HIVE_C_S8: return 1;
    case HIVE_C_U16: case HIVE_C_S16: return 2;
    case HIVE_C_U32: case HIVE_C_S32: case HIVE_C_F32: return 4;
    case HIVE_C_U64: case HIVE_C_S64: case HIVE_C_F64: return 8;
    default: return 0;
    }
}

int hive_cval_packed_adopt(hive_cval *out, hive_ckind elem, void *data, size_t n) {
    memset(out, 0, sizeof *out);
    if (!hive_ckind_size(elem) || n > UINT32_MAX || (!data && n)) {
        free(data);
        return HIVE_EARG;
    }
    if (!n) {
        free(data);
        data = NULL;
    }
    out->kind = HIVE_C_PACKED;
    out->of.packed.data = data;
    out->of.packed.n = (uint32_t)n;
    out->of.packed.elem = elem;
    return HIVE_OK;
}

int hive_cval_packed(hive_cval *out, hive_ckind elem, const void *data, size_t n) {
    memset(out, 0, sizeof *out);
    size_t es = hive_ckind_size(elem);
    if (!es || n > UINT32_MAX) return HIVE_EARG;
    uint8_t *b = NULL;
    if (n) {
        if (!(b = malloc(n * es))) return HIVE_ENOMEM;
        if (data) memcpy(b, data, n * es);
        else memset(b, 0, n * es);
    }
    return hive_cval_packed_adopt(out, elem, b, n);
}

const uint8_t *hive_cval_bytes(const hive_cval *v, size_t *len) {
    if (!v || v->kind != HIVE_C_PACKED || !v->of.packed.data) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = (size_t)v->of.packed.n * hive_ckind_size(v->of.packed.elem);
    return v->of.packed.data;
}

static uint64_t le_load(const uint8_t *p, size_t n) {
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) x |= (uint64_t)p[i] << (8 * i);
    return x;
}

static void le_store(uint8_t *p, size_t n, uint64_t x) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(x >> (8 * i));
}

hive_cval hive_cval_packed_get(const hive_cval *v, size_t i) {
    hive_ckind k = v->of.packed.elem;
    size_t es = hive_ckind_size(k);
    uint64_t x = le_load(v->of.packed.data + i * es, es);
    switch (k) {
    case HIVE_C_S8: return hive_cval_sint(k, (int8_t)x);
    case HIVE_C_S16: return hive_cval_sint(k, (int16_t)x);
    case HIVE_C_S32: return hive_cval_sint(k, (int32_t)x);
    case HIVE_C_S64: return hive_cval_sint(k, (int64_t)x);
    case HIVE_C_F32: {
        uint32_t b = (uint32_t)x;
        float f;
        memcpy(&f, &b, 4);
        return hive_cval_f32(f);
    }
    case HIVE_C_F64: {
        double f;
        memcpy(&f, &x, 8);
        return hive_cval_f64(f);
    }
    default: return hive_cval_uint(k, x);
    }
}

int hive_cval_pack(hive_cval *v, hive_ckind elem) {
    if (v->kind == HIVE_C_PACKED) return v->of.packed.elem == elem ? HIVE_OK : HIVE_EARG;
    size_t es = hive_ckind_size(elem);
    if (v->kind != HIVE_C_LIST || !es || v->of.agg.n > UINT32_MAX) return HIVE_EARG;
    size_t n = v->of.agg.n;
    for (size_t i = 0; i < n; i++)
        if (v->of.agg.items[i].kind != elem) return HIVE_EARG;
    hive_cval out;
    if (hive_cval_packed(&out, elem, NULL, n)) return HIVE_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const hive_cval *it = &v->of.agg.items[i];
        uint64_t x;
        if (elem == HIVE_C_F32) {
            uint32_t b;
            memcpy(&b, &it->of.f32, 4);
            x = b;
        } else if (elem == HIVE_C_F64) {
            memcpy(&x, &it->of.f64, 8);
        } else {
            x = it->of.u; /* two's complement for the signed kinds */
        }
        le_store(out.of.packed.data + i * es, es, x);
    }
    hive_cval_clear(v);
    *v = out;
    return HIVE_OK;
}

int hive_cval_unpack(hive_cval *v) {
    if (v->kind != HIVE_C_PACKED) return HIVE_OK;
    hive_cval out;
    if (hive_cval_agg(&out, HIVE_C_LIST, v->of.packed.n)) return HIVE_ENOMEM;
    for (size_t i = 0; i < v->of.packed.n; i++) out.of.agg.items[i] = hive_cval_packed_get(v, i);
    hive_cval_clear(v);
    *v = out;
    return HIVE_OK;
}

/* The element count of a LIST or PACKED value. */
static size_t list_n(const hive_cval *v) {
    return v->kind == HIVE_C_PACKED ? v->of.packed.n : v->of.agg.n;
}
/* Element i of a LIST or PACKED value (in *tmp for PACKED). */
static const hive_cval *list_at(const hive_cval *v, size_t i, hive_cval *tmp) {
    if (v->kind != HIVE_C_PACKED) return &v->of.agg.items[i];
    *tmp = hive_cval_packed_get(v, i);
    return tmp;
}

void hive_cval_clear(hive_cval *v) {
    if (!v) return;
    switch (v->kind) {
    case HIVE_C_STRING: free(v->of.str.ptr); break;
    case HIVE_C_PACKED: free(v->of.packed.data); break;
    case HIVE_C_LIST:
    case HIVE_C_FIXED_LIST:
    case HIVE_C_RECORD:
    case HIVE_C_TUPLE:
    case HIVE_C_MAP:
        for (size_t i = 0; i < v->of.agg.n; i++) hive_cval_clear(&v->of.agg.items[i]);
        free(v->of.agg.items);
        break;
    case HIVE_C_VARIANT:
    case HIVE_C_ENUM:
    case HIVE_C_OPTION:
    case HIVE_C_RESULT:
        if (v->of.var.payload) {
            hive_cval_clear(v->of.var.payload);
            free(v->of.var.payload);
        }
        break;
    default: break;
    }
    memset(v, 0, sizeof *v);
}

void hive_cval_move(hive_cval *dst, hive_cval *src) {
    if (dst == src) return;
    hive_cval_clear(dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
}

int hive_cval_copy(hive_cval *dst, const hive_cval *src) {
    memset(dst, 0, sizeof *dst);
    switch (src->kind) {
    case HIVE_C_STRING: {
        char *p = malloc(src->of.str.len + 1);
        if (!p) return HIVE_ENOMEM;
        memcpy(p, src->of.str.ptr ? src->of.str.ptr : "", src->of.str.len);
        p[src->of.str.len] = 0;
        *dst = *src;
        dst->of.str.ptr = p;
        return HIVE_OK;
    }
    case HIVE_C_PACKED:
        return hive_cval_packed(dst, src->of.packed.elem, src->of.packed.data, src->of.packed.n);
    case HIVE_C_LIST:
    case HIVE_C_FIXED_LIST:
    case HIVE_C_RECORD:
    case HIVE_C_TUPLE:
    case HIVE_C_MAP: {
        hive_cval tmp;
        int rc = hive_cval_agg(&tmp, src->kind, src->of.agg.n);
        if (rc) return rc;
        for (size_t i = 0; i < src->of.agg.n; i++) {
            if ((rc = hive_cval_copy(&tmp.of.agg.items[i], &src->of.agg.items[i]))) {
                hive_cval_clear(&tmp);
                return rc;
            }
        }
        *dst = tmp;
        return HIVE_OK;
    }
    case HIVE_C_VARIANT:
    case HIVE_C_ENUM:
    case HIVE_C_OPTION:
    case HIVE_C_RESULT:
        *dst = *src;
        if (src->of.var.payload) {
            hive_cval *p = malloc(sizeof *p);
            if (!p) {
                memset(dst, 0, sizeof *dst);
                return HIVE_ENOMEM;
            }
            int rc = hive_cval_copy(p, src->of.var.payload);
            if (rc) {
                free(p);
                memset(dst, 0, sizeof *dst);
                return rc;
            }
            dst->of.var.payload = p;
        }
        return HIVE_OK;
    default: *dst = *src; return HIVE_OK;
    }
}

int hive_cval_equal(const hive_cval *a, const hive_cval *b) {
    if (a == b) return 1;
    if (a && b && (a->kind == HIVE_C_PACKED || b->kind == HIVE_C_PACKED) &&
        (a->kind == HIVE_C_LIST || a->kind == HIVE_C_PACKED) &&
        (b->kind == HIVE_C_LIST || b->kind == HIVE_C_PACKED)) {
        /* a packed list equals the list of the same items */
        size_t n = list_n(a);
        if (n != list_n(b)) return 0;
        if (a->kind == b->kind && a->of.packed.elem == b->of.packed.elem &&
            a->of.packed.elem != HIVE_C_F32 && a->of.packed.elem != HIVE_C_F64)
            return n == 0 || memcmp(a->of.packed.data, b->of.packed.data,
                                    n * hive_ckind_size(a->of.packed.elem)) == 0;
        for (size_t i = 0; i < n; i++) {
            hive_cval ta, tb;
            if (!hive_cval_equal(list_at(a, i, &ta), list_at(b, i, &tb))) return 0;
        }
        return 1;
    }
    if (!a || !b || a->kind != b->kind) return 0;
    switch (a->kind) {
    case HIVE_C_NONE: return 1;
    case HIVE_C_BOOL: return !a->of.b == !b->of.b;
    case HIVE_C_S8:
    case HIVE_C_S16:
    case HIVE_C_S32:
    case HIVE_C_S64: return a->of.s == b->of.s;
    case HIVE_C_U8:
    case HIVE_C_U16:
    case HIVE_C_U32:
    case HIVE_C_U64: return a->of.u == b->of.u;
    case HIVE_C_F32: {
        float x = a->of.f32, y = b->of.f32;
        if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
        return x == y && signbit(x) == signbit(y);
    }
    case HIVE_C_F64: {
        double x = a->of.f64, y = b->of.f64;
        if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
        return x == y && signbit(x) == signbit(y);
    }
    case HIVE_C_CHAR: return a->of.ch == b->of.ch;
    case HIVE_C_STRING:
        return a->of.str.len == b->of.str.len &&
               (a->of.str.len == 0 || memcmp(a->of.str.ptr, b->of.str.ptr, a->of.str.len) == 0);
    case HIVE_C_LIST:
    case HIVE_C_FIXED_LIST:
    case HIVE_C_RECORD:
    case HIVE_C_TUPLE:
    case HIVE_C_MAP:
        if (a->of.agg.n != b->of.agg.n) return 0;
        for (size_t i = 0; i < a->of.agg.n; i++)
            if (!hive_cval_equal(&a->of.agg.items[i], &b->of.agg.items[i])) return 0;
        return 1;
    case HIVE_C_VARIANT:
    case HIVE_C_ENUM:
    case HIVE_C_OPTION:
    case HIVE_C_RESULT:
        if (a->of.var.index != b->of.var.index) return 0;
        if (!a->of.var.payload || !b->of.var.payload)
            return a->of.var.payload == b->of.var.payload;
        return hive_cval_equal(a->of.var.payload, b->of.var.payload);
    case HIVE_C_FLAGS: return a->of.flags == b->of.flags;
    case HIVE_C_OWN:
    case HIVE_C_BORROW:
    case HIVE_C_STREAM:
    case HIVE_C_FUTURE:
    case HIVE_C_ERROR_CONTEXT: return a->of.res.handle == b->of.res.handle;
    default: return 0;
    }
}

/* ---- type check --------------------------------------------------------- */

static int check(const hive_cval *v, const hive_ctype *t, sbuf *path, hive_error *err);

static int check_fail(sbuf *path, hive_error *err, const char *what) {
    return hv_error_set(err, HIVE_EARG, 0, "value%s: %s", path->p ? path->p : "", what);
}

static int check_sub(const hive_cval *v, const hive_ctype *t, sbuf *path, hive_error *err,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int check_sub(const hive_cval *v, const hive_ctype *t, sbuf *path, hive_error *err,
                     const char *fmt, ...) {
    size_t keep = path->len;
    char tmp[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_str(path, tmp);
    int rc = check(v, t, path, err);
    path->len = keep;
    if (path->p) path->p[keep] = 0;
    return rc;
}

static int check(const hive_cval *v, const hive_ctype *t, sbuf *path, hive_error *err) {
    char msg[128];
    if (!t) return check_fail(path, err, "no type");
    if (v->kind == HIVE_C_PACKED && t->kind == HIVE_C_LIST) {
        if (v->of.packed.elem != t->elem->kind || !hive_ckind_size(v->of.packed.elem)) {
            snprintf(msg, sizeof msg, "a packed list<%s> where the type is list<%s>",
                     hive_ckind_name(v->of.packed.elem), hive_ckind_name(t->elem->kind));
            return check_fail(path, err, msg);
        }
        if (!v->of.packed.data && v->of.packed.n) return check_fail(path, err, "packed list without data");
        return HIVE_OK;
    }
    if (v->kind != t->kind) {
        snprintf(msg, sizeof msg, "a %s where the type is %s", hive_ckind_name(v->kind),
                 hive_ckind_name(t->kind));
        return check_fail(path, err, msg);
    }
    switch (t->kind) {
    case HIVE_C_BOOL:
        if (v->of.b != 0 && v->of.b != 1) return check_fail(path, err, "bool not 0 or 1");
        return HIVE_OK;
    case HIVE_C_S8:
        if (v->of.s < INT8_MIN || v->of.s > INT8_MAX) return check_fail(path, err, "s8 out of range");
        return HIVE_OK;
    case HIVE_C_S16:
        if (v->of.s < INT16_MIN || v->of.s > INT16_MAX)
            return check_fail(path, err, "s16 out of range");
        return HIVE_OK;
    case HIVE_C_S32:
        if (v->of.s < INT32_MIN || v->of.s > INT32_MAX)
            return check_fail(path, err, "s32 out of range");
        return HIVE_OK;
    case HIVE_C_U8:
        if (v->of.u > UINT8_MAX) return check_fail(path, err, "u8 out of range");
        return HIVE_OK;
    case HIVE_C_U16:
        if (v->of.u > UINT16_MAX) return check_fail(path, err, "u16 out of range");
        return HIVE_OK;
    case HIVE_C_U32:
        if (v->of.u > UINT32_MAX) return check_fail(path, err, "u32 out of range");
        return HIVE_OK;
    case HIVE_C_CHAR:
        if (!is_scalar(v->of.ch)) return check_fail(path, err, "char not a Unicode scalar value");
        return HIVE_OK;
    case HIVE_C_STRING:
        if (!v->of.str.ptr && v->of.str.len) return check_fail(path, err, "string without bytes");
        if (!utf8_valid(v->of.str.ptr, v->of.str.len))
            return check_fail(path, err, "string not valid UTF-8");
        return HIVE_OK;
    case HIVE_C_FIXED_LIST:
        if (v->of.agg.n != t->len) {
            snprintf(msg, sizeof msg, "%zu elements where the type has %u", v->of.agg.n, t->len);
            return check_fail(path, err, msg);
        }
        /* fall through */
    case HIVE_C_LIST:
        for (size_t i = 0; i < v->of.agg.n; i++) {
            int rc = check_sub(&v->of.agg.items[i], t->elem, path, err, "[%zu]", i);
            if (rc) return rc;
        }
        return HIVE_OK;
    case HIVE_C_MAP:
        for (size_t i = 0; i < v->of.agg.n; i++) {
            const hive_cval *e = &v->of.agg.items[i];
            if (e->kind != HIVE_C_TUPLE || e->of.agg.n != 2)
                return check_fail(path, err, "map entry not a (key, value) tuple");
            int rc = check_sub(&e->of.agg.items[0], t->elem, path, err, "[%zu].key", i);
            if (!rc) rc = check_sub(&e->of.agg.items[1], t->elem2, path, err, "[%zu].value", i);
            if (rc) return rc;
        }
        return HIVE_OK;
    case HIVE_C_RECORD:
    case HIVE_C_TUPLE:
        if (v->of.agg.n != t->n) {
            snprintf(msg, sizeof msg, "%zu members where the type has %u", v->of.agg.n, t->n);
            return check_fail(path, err, msg);
        }
        for (uint32_t i = 0; i < t->n; i++) {
            int rc = t->kind == HIVE_C_RECORD
                         ? check_sub(&v->of.agg.items[i], t->cases[i].type, path, err, ".%s",
                                     t->cases[i].name)
                         : check_sub(&v->of.agg.items[i], t->cases[i].type, path, err, ".%u", i);
            if (rc) return rc;
        }
        return HIVE_OK;
    case HIVE_C_ENUM:
    case HIVE_C_VARIANT:
    case HIVE_C_OPTION:
    case HIVE_C_RESULT: {
        uint32_t ncases = t->kind == HIVE_C_OPTION || t->kind == HIVE_C_RESULT ? 2 : t->n;
        uint32_t i = v->of.var.index;
        if (i >= ncases) {
            snprintf(msg, sizeof msg, "case %u of a type with %u", i, ncases);
            return check_fail(path, err, msg);
        }
        const hive_ctype *pt;
        if (t->kind == HIVE_C_OPTION)
            pt = i ? t->elem : NULL;
        else if (t->kind == HIVE_C_RESULT)
            pt = i ? t->elem2 : t->elem;
        else
            pt = t->cases[i].type;
        if (!pt != !v->of.var.payload)
            return check_fail(path, err, pt ? "case without its payload" : "payload in a case without one");
        if (pt) return check_sub(v->of.var.payload, pt, path, err, ".%u", i);
        return HIVE_OK;
    }
    case HIVE_C_FLAGS:
        if (t->n < 64 && (v->of.flags >> t->n)) return check_fail(path, err, "flag bits beyond the labels");
        return HIVE_OK;
    default: return HIVE_OK;
    }
}

int hive_cval_check(const hive_cval *v, const hive_ctype *t, hive_error *err) {
    sbuf path = {0};
    int rc = check(v, t, &path, err);
    free(path.p);
    return rc;
}

/* ---- WAVE output -------------------------------------------------------- */

static const char *const keywords[] = {"true", "false", "some", "none", "ok", "err", "inf", "nan"};

static int is_keyword(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strlen(keywords[i]) == n && memcmp(keywords[i], s, n) == 0) return 1;
    return 0;
}

static void put_label(sbuf *b, const char *s) {
    if (is_keyword(s, strlen(s))) sb_str(b, "%");
    sb_str(b, s);
}

static void put_char_escaped(sbuf *b, uint32_t c, char quote) {
    char u[4];
    switch (c) {
    case '\t': sb_str(b, "\\t"); return;
    case '\n': sb_str(b, "\\n"); return;
    case '\r': sb_str(b, "\\r"); return;
    case '\\': sb_str(b, "\\\\"); return;
    default: break;
    }
    if (c == (uint32_t)quote) {
        sb_put(b, "\\", 1);
        sb_put(b, &quote, 1);
        return;
    }
    if (c < 0x20 || c == 0x7f) {
        sb_fmt(b, "\\u{%x}", c);
        return;
    }
    sb_put(b, u, utf8_encode(c, u));
}

static void put_f64(sbuf *b, double x, int single) {
    if (isnan(x)) {
        sb_str(b, "nan");
        return;
    }
    if (isinf(x)) {
        sb_str(b, x < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, x);
        if (single ? strtof(tmp, NULL) == (float)x : strtod(tmp, NULL) == x) break;
    }
    sb_str(b, tmp);
}

static int format_val(sbuf *b, const hive_cval *v, const hive_ctype *t) {
    if (t && v->kind == HIVE_C_PACKED && t->kind == HIVE_C_LIST) {
        if (v->of.packed.elem != t->elem->kind || !hive_ckind_size(v->of.packed.elem)) return HIVE_EARG;
        sb_str(b, "[");
        for (size_t i = 0; i < v->of.packed.n; i++) {
            if (i) sb_str(b, ", ");
            hive_cval e = hive_cval_packed_get(v, i);
            int rc = format_val(b, &e, t->elem);
            if (rc) return rc;
        }
        sb_str(b, "]");
        return HIVE_OK;
    }
    if (!t || v->kind != t->kind) return HIVE_EARG;
    switch (t->kind) {
    case HIVE_C_BOOL: sb_str(b, v->of.b ? "true" : "false"); return HIVE_OK;
    case HIVE_C_S8:
    case HIVE_C_S16:
    case HIVE_C_S32:
    case HIVE_C_S64: sb_fmt(b, "%lld", (long long)v->of.s); return HIVE_OK;
    case HIVE_C_U8:
    case HIVE_C_U16:
    case HIVE_C_U32:
    case HIVE_C_U64: sb_fmt(b, "%llu", (unsigned long long)v->of.u); return HIVE_OK;
    case HIVE_C_F32: put_f64(b, v->of.f32, 1); return HIVE_OK;
    case HIVE_C_F64: put_f64(b, v->of.f64, 0); return HIVE_OK;
    case HIVE_C_CHAR:
        if (!is_scalar(v->of.ch)) return HIVE_EARG;
        sb_str(b, "'");
        put_char_escaped(b, v->of.ch, '\'');
        sb_str(b, "'");
        return HIVE_OK;
    case HIVE_C_STRING: {
        const unsigned char *p = (const unsigned char *)v->of.str.ptr;
        size_t n = v->of.str.len;
        sb_str(b, "\"");
        while (n) {
            uint32_t c;
            size_t k = utf8_decode(p, n, &c);
            if (!k) return HIVE_EARG;
            put_char_escaped(b, c, '"');
            p += k;
            n -= k;
        }
        sb_str(b, "\"");
        return HIVE_OK;
    }
    case HIVE_C_LIST:
    case HIVE_C_FIXED_LIST:
        sb_str(b, "[");
        for (size_t i = 0; i < v->of.agg.n; i++) {
            if (i) sb_str(b, ", ");
            int rc = format_val(b, &v->of.agg.items[i], t->elem);
            if (rc) return rc;
        }
        sb_str(b, "]");
        return HIVE_OK;
    case HIVE_C_MAP:
        if (v->of.agg.n == 0) {
            sb_str(b, "{:}");
            return HIVE_OK;
        }
        sb_str(b, "{");
        for (size_t i = 0; i < v->of.agg.n; i++) {
            const hive_cval *e = &v->of.agg.items[i];
            if (e->kind != HIVE_C_TUPLE || e->of.agg.n != 2) return HIVE_EARG;
            if (i) sb_str(b, ", ");
            int rc = format_val(b, &e->of.agg.items[0], t->elem);
            if (rc) return rc;
            sb_str(b, ": ");
            if ((rc = format_val(b, &e->of.agg.items[1], t->elem2))) return rc;
        }
        sb_str(b, "}");
        return HIVE_OK;
    case HIVE_C_RECORD:
    case HIVE_C_TUPLE:
        if (v->of.agg.n != t->n) return HIVE_EARG;
        sb_str(b, t->kind == HIVE_C_RECORD ? "{" : "(");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i) sb_str(b, ", ");
            if (t->kind == HIVE_C_RECORD) {
                put_label(b, t->cases[i].name);
                sb_str(b, ": ");
            }
            int rc = format_val(b, &v->of.agg.items[i], t->cases[i].type);
            if (rc) return rc;
        }
        sb_str(b, t->kind == HIVE_C_RECORD ? "}" : ")");
        return HIVE_OK;
    case HIVE_C_ENUM:
    case HIVE_C_VARIANT:
    case HIVE_C_OPTION:
    case HIVE_C_RESULT: {
        uint32_t i = v->of.var.index;
        const hive_ctype *pt;
        if (t->kind == HIVE_C_OPTION) {
            if (i > 1) return HIVE_EARG;
            sb_str(b, i ? "some" : "none");
            pt = i ? t->elem : NULL;
        } else if (t->kind == HIVE_C_RESULT) {
            if (i > 1) return HIVE_EARG;
            sb_str(b, i ? "err" : "ok");
            pt = i ? t->elem2 : t->elem;
        } else {
            if (i >= t->n) return HIVE_EARG;
            put_label(b, t->cases[i].name);
            pt = t->cases[i].type;
        }
        if (!pt != !v->of.var.payload) return HIVE_EARG;
        if (pt) {
            sb_str(b, "(");
            int rc = format_val(b, v->of.var.payload, pt);
            if (rc) return rc;
            sb_str(b, ")");
        }
        return HIVE_OK;
    }
    case HIVE_C_FLAGS: {
        sb_str(b, "{");
        int first = 1;
        for (uint32_t i = 0; i < t->n && i < 64; i++) {
            if (!(v->of.flags >> i & 1)) continue;
            if (!first) sb_str(b, ", ");
            first = 0;
            put_label(b, t->cases[i].name);
        }
        if (t->n < 64 && v->of.flags >> t->n) return HIVE_EARG;
        sb_str(b, "}");
        return HIVE_OK;
    }
    case HIVE_C_OWN:
    case HIVE_C_BORROW:
    case HIVE_C_STREAM:
    case HIVE_C_FUTURE:
    case HIVE_C_ERROR_CONTEXT: sb_fmt(b, "#%u", v->of.res.handle); return HIVE_OK;
    default: return HIVE_EARG;
    }
}

int hive_cval_format(const hive_cval *v, const hive_ctype *t, char **out) {
    sbuf b = {0};
    int rc = format_val(&b, v, t);
    if (rc) {
        free(b.p);
        *out = NULL;
        return rc;
    }
    return sb_finish(&b, out);
}

/* ---- WAVE input --------------------------------------------------------- */

typedef struct parser {
    const char *s;
    size_t n, pos;
    hive_error *err;
    int depth;
} parser;

#define MAX_DEPTH 1000

static int perr(parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(parser *p, size_t at, const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hv_error_set(p->err, HIVE_EARG, at, "at offset %zu: %s", at, msg);
}

static void skip_ws(parser *p) {
    while (p->pos < p->n) {
        char c = p->s[p->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p->pos++;
        } else if (c == '/' && p->pos + 1 < p->n && p->s[p->pos + 1] == '/') {
            while (p->pos < p->n && p->s[p->pos] != '\n') p->pos++;
        } else {
            break;
        }
    }
}

static int peek(parser *p) {
    skip_ws(p);
    return p->pos < p->n ? (unsigned char)p->s[p->pos] : -1;
}

static int expect(parser *p, char c) {
    if (peek(p) != (unsigned char)c) return perr(p, p->pos, "expected '%c'", c);
    p->pos++;
    return HIVE_OK;
}

static int is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

/* A word: [%]label chars. Sets *w, *wn to the word without %; *escaped
 * when % was given. Returns 0 when there is no word here. */
static int word(parser *p, const char **w, size_t *wn, int *escaped) {
    skip_ws(p);
    size_t i = p->pos;
    *escaped = 0;
    if (i < p->n && p->s[i] == '%') {
        *escaped = 1;
        i++;
    }
    size_t start = i;
    while (i < p->n && is_word_char(p->s[i])) i++;
    if (i == start) return 0;
    *w = p->s + start;
    *wn = i - start;
    p->pos = i;
    return 1;
}

static int word_is(const char *w, size_t wn, const char *kw) {
    return strlen(kw) == wn && memcmp(w, kw, wn) == 0;
}

static int parse_val(parser *p, const hive_ctype *t, hive_cval *out);

/* A number token: [-+]?[0-9a-zA-Z.+-]* within reason; copied to buf. */
static int number_token(parser *p, char *buf, size_t cap, size_t *start) {
    skip_ws(p);
    *start = p->pos;
    size_t i = p->pos, k = 0;
    if (i < p->n && (p->s[i] == '-' || p->s[i] == '+')) buf[k++] = p->s[i++];
    while (i < p->n && k + 1 < cap) {
        char c = p->s[i];
        int sign_ok = (c == '-' || c == '+') && k > 0 && (buf[k - 1] == 'e' || buf[k - 1] == 'E');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || sign_ok))
            break;
        buf[k++] = c;
        i++;
    }
    buf[k] = 0;
    if (k == 0 || (k == 1 && (buf[0] == '-' || buf[0] == '+'))) return perr(p, *start, "expected a number");
    if (i < p->n && k + 1 >= cap) return perr(p, *start, "number too long");
    p->pos = i;
    return HIVE_OK;
}

static int parse_int(parser *p, const hive_ctype *t, hive_cval *out) {
    char buf[48];
    size_t at;
    int rc = number_token(p, buf, sizeof buf, &at);
    if (rc) return rc;
    const char *d = buf;
    int neg = 0;
    if (*d == '-') {
        neg = 1;
        d++;
    }
    if (!*d) return perr(p, at, "expected digits");
    uint64_t mag = 0;
    for (; *d; d++) {
        if (*d < '0' || *d > '9') return perr(p, at, "'%s' is not a %s", buf, hive_ckind_name(t->kind));
        unsigned dig = (unsigned)(*d - '0');
        if (mag > (UINT64_MAX - dig) / 10) return perr(p, at, "%s out of range for %s", buf, hive_ckind_name(t->kind));
        mag = mag * 10 + dig;
    }
    uint64_t umax = 0;
    int64_t smin = 0, smax = 0;
    switch (t->kind) {
    case HIVE_C_U8: umax = UINT8_MAX; break;
    case HIVE_C_U16: umax = UINT16_MAX; break;
    case HIVE_C_U32: umax = UINT32_MAX; break;
    case HIVE_C_U64: umax = UINT64_MAX; break;
    case HIVE_C_S8: smin = INT8_MIN, smax = INT8_MAX; break;
    case HIVE_C_S16: smin = INT16_MIN, smax = INT16_MAX; break;
    case HIVE_C_S32: smin = INT32_MIN, smax = INT32_MAX; break;
    default: smin = INT64_MIN, smax = INT64_MAX; break;
    }
    if (umax) {
        if ((neg && mag) || mag > umax)
            return perr(p, at, "%s out of range for %s", buf, hive_ckind_name(t->kind));
        *out = hive_cval_uint(t->kind, mag);
        return HIVE_OK;
    }
    if (mag > (uint64_t)smax + (neg ? 1 : 0))
        return perr(p, at, "%s out of range for %s", buf, hive_ckind_name(t->kind));
    int64_t val = !neg ? (int64_t)mag : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    if (val < smin) return perr(p, at, "%s out of range for %s", buf, hive_ckind_name(t->kind));
    *out = hive_cval_sint(t->kind, val);
    return HIVE_OK;
}

static int parse_float(parser *p, const hive_ctype *t, hive_cval *out) {
    char buf[64];
    size_t at;
    int rc = number_token(p, buf, sizeof buf, &at);
    if (rc) return rc;
    const char *d = buf[0] == '-' ? buf + 1 : buf;
    double x;
    float xf = 0;
    if (strcmp(d, "nan") == 0) {
        if (d != buf) return perr(p, at, "nan takes no sign");
        x = NAN;
        xf = (float)NAN;
    } else if (strcmp(d, "inf") == 0) {
        x = d != buf ? -INFINITY : INFINITY;
        xf = (float)x;
    } else {
        /* JSON-like: digits [. digits] [e [+-] digits] */
        const char *q = d;
        if (!(*q >= '0' && *q <= '9')) return perr(p, at, "'%s' is not a number", buf);
        while (*q >= '0' && *q <= '9') q++;
        if (*q == '.') {
            q++;
            if (!(*q >= '0' && *q <= '9')) return perr(p, at, "'%s' is not a number", buf);
            while (*q >= '0' && *q <= '9') q++;
        }
        if (*q == 'e' || *q == 'E') {
            q++;
            if (*q == '+' || *q == '-') q++;
            if (!(*q >= '0' && *q <= '9')) return perr(p, at, "'%s' is not a number", buf);
            while (*q >= '0' && *q <= '9') q++;
        }
        if (*q) return perr(p, at, "'%s' is not a number", buf);
        errno = 0;
        x = strtod(buf, NULL);
        xf = strtof(buf, NULL);
        if (t->kind == HIVE_C_F64 ? isinf(x) : isinf(xf))
            return perr(p, at, "%s out of range for %s", buf, hive_ckind_name(t->kind));
    }
    *out = t->kind == HIVE_C_F32 ? hive_cval_f32(xf) : hive_cval_f64(x);
    return HIVE_OK;
}

/* One character of a quoted literal at p->pos; advances. */
static int quoted_char(parser *p, uint32_t *c) {
    size_t at = p->pos;
    if (p->pos >= p->n) return perr(p, at, "unterminated literal");
    unsigned char ch = (unsigned char)p->s[p->pos];
    if (ch == '\n' || ch == '\r') return perr(p, at, "line break in a literal");
    if (ch != '\\') {
        size_t k = utf8_decode((const unsigned char *)p->s + p->pos, p->n - p->pos, c);
        if (!k) return perr(p, at, "invalid UTF-8");
        p->pos += k;
        return HIVE_OK;
    }
    if (++p->pos >= p->n) return perr(p, at, "unterminated escape");
    switch (p->s[p->pos++]) {
    case 't': *c = '\t'; return HIVE_OK;
    case 'n': *c = '\n'; return HIVE_OK;
    case 'r': *c = '\r'; return HIVE_OK;
    case '\'': *c = '\''; return HIVE_OK;
    case '"': *c = '"'; return HIVE_OK;
    case '\\': *c = '\\'; return HIVE_OK;
    case 'u': {
        if (p->pos >= p->n || p->s[p->pos] != '{') return perr(p, at, "expected \\u{hex}");
        p->pos++;
        uint32_t v = 0;
        int digits = 0;
        while (p->pos < p->n && p->s[p->pos] != '}') {
            char h = p->s[p->pos++];
            int d = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (d < 0 || ++digits > 6) return perr(p, at, "bad \\u{} escape");
            v = v * 16 + (uint32_t)d;
        }
        if (p->pos >= p->n || digits == 0) return perr(p, at, "bad \\u{} escape");
        p->pos++;
        if (!is_scalar(v)) return perr(p, at, "\\u{%x} is not a Unicode scalar value", v);
        *c = v;
        return HIVE_OK;
    }
    default: return perr(p, at, "unknown escape");
    }
}

/* A multiline string: """ and a line break, lines, then spaces and
 * """ on a line of their own. Those spaces are the indentation every
 * line starts with and loses; the last line break is not part of the
 * string. */
static int parse_multiline(parser *p, hive_cval *out) {
    size_t at = p->pos;
    p->pos += 3;
    if (p->pos < p->n && p->s[p->pos] == '\r') p->pos++;
    if (p->pos >= p->n || p->s[p->pos] != '\n') return perr(p, at, "expected a line break after \"\"\"");
    p->pos++;
    /* Find the closing line to learn the indentation. */
    size_t indent = 0, close = 0, q = p->pos;
    for (;;) {
        size_t ls = q, k = q;
        while (k < p->n && p->s[k] == ' ') k++;
        if (k + 3 <= p->n && memcmp(p->s + k, "\"\"\"", 3) == 0) {
            indent = k - ls;
            close = ls;
            break;
        }
        while (q < p->n && p->s[q] != '\n') q++;
        if (q >= p->n) return perr(p, at, "unterminated multiline string");
        q++;
    }
    sbuf b = {0};
    sb_put(&b, "", 0);
    int first = 1, rc = HIVE_OK;
    while (p->pos < close && !rc) {
        if (!first) sb_put(&b, "\n", 1);
        first = 0;
        for (size_t i = 0; i < indent; i++, p->pos++) {
            if (p->s[p->pos] == '\n' || (p->s[p->pos] == '\r' && p->s[p->pos + 1] == '\n')) break;
            if (p->s[p->pos] != ' ') {
                rc = perr(p, p->pos, "line indented less than the closing \"\"\"");
                break;
            }
        }
        while (!rc && p->s[p->pos] != '\n' && !(p->s[p->pos] == '\r' && p->s[p->pos + 1] == '\n')) {
            uint32_t c;
            char u[4];
            if (p->s[p->pos] == '"') {
                p->pos++;
                sb_put(&b, "\"", 1);
                continue;
            }
            if ((rc = quoted_char(p, &c))) break;
            sb_put(&b, u, utf8_encode(c, u));
        }
        if (!rc) p->pos += p->s[p->pos] == '\r' ? 2 : 1;
    }
    if (rc) {
        free(b.p);
        return rc;
    }
    p->pos = close + indent + 3;
    if (b.oom) {
        free(b.p);
        return hv_error_set(p->err, HIVE_ENOMEM, p->pos, "out of memory");
    }
    out->kind = HIVE_C_STRING;
    out->of.str.ptr = b.p;
    out->of.str.len = b.len;
    return HIVE_OK;
}

static int parse_string(parser *p, hive_cval *out) {
    if (peek(p) != '"') return perr(p, p->pos, "expected a string");
    if (p->pos + 3 <= p->n && memcmp(p->s + p->pos, "\"\"\"", 3) == 0) return parse_multiline(p, out);
    p->pos++;
    sbuf b = {0};
    sb_put(&b, "", 0);
    while (p->pos < p->n && p->s[p->pos] != '"') {
        uint32_t c;
        char u[4];
        int rc = quoted_char(p, &c);
        if (rc) {
            free(b.p);
            return rc;
        }
        sb_put(&b, u, utf8_encode(c, u));
    }
    if (p->pos >= p->n) {
        free(b.p);
        return perr(p, p->pos, "unterminated string");
    }
    p->pos++;
    if (b.oom) {
        free(b.p);
        return hv_error_set(p->err, HIVE_ENOMEM, p->pos, "out of memory");
    }
    out->kind = HIVE_C_STRING;
    out->of.str.ptr = b.p;
    out->of.str.len = b.len;
    return HIVE_OK;
}

static int parse_char(parser *p, hive_cval *out) {
    if (peek(p) != '\'') return perr(p, p->pos, "expected a char");
    size_t at = p->pos++;
    uint32_t c;
    int rc = quoted_char(p, &c);
    if (rc) return rc;
    if (p->pos >= p->n || p->s[p->pos] != '\'') return perr(p, at, "a char literal holds one character");
    p->pos++;
    *out = hive_cval_char(c);
    return HIVE_OK;
}

/* Items of a list-like value between open and close; each parsed with
 * item() into a growing array. */
typedef int (*item_fn)(parser *p, const hive_ctype *t, hive_cval *out);

/* key: value, as one (key, value) tuple. */
static int parse_map_entry(parser *p, const hive_ctype *t, hive_cval *out) {
    int rc = hive_cval_agg(out, HIVE_C_TUPLE, 2);
    if (rc) return hv_error_set(p->err, rc, p->pos, "out of memory");
    if ((rc = parse_val(p, t->elem, &out->of.agg.items[0])) || (rc = expect(p, ':')) ||
        (rc = parse_val(p, t->elem2, &out->of.agg.items[1])))
        return rc;
    return HIVE_OK;
}

/* "{:}" (with any whitespace): the empty map, or a record whose fields
 * are all left out. Consumed when present. */
static int empty_colon_braces(parser *p) {
    size_t save = p->pos;
    if (peek(p) == '{') {
        p->pos++;
        if (peek(p) == ':') {
            p->pos++;
            if (peek(p) == '}') {
                p->pos++;
                return 1;
            }
        }
    }
    p->pos = save;
    return 0;
}

static int parse_seq(parser *p, char open, char close, const hive_ctype *t, item_fn item,
                     const hive_ctype *item_t, hive_ckind kind, hive_cval *out) {
    int rc = expect(p, open);
    if (rc) return rc;
    hive_cval *items = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (peek(p) == (unsigned char)close) {
            p->pos++;
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 4;
            hive_cval *ni = realloc(items, nc * sizeof *ni);
            if (!ni) {
                rc = hv_error_set(p->err, HIVE_ENOMEM, p->pos, "out of memory");
                goto fail;
            }
            items = ni;
            cap = nc;
        }
        memset(&items[n], 0, sizeof items[n]);
        rc = item ? item(p, t, &items[n]) : parse_val(p, item_t, &items[n]);
        n++;
        if (rc) goto fail;
        int c = peek(p);
        if (c == ',') {
            p->pos++;
        } else if (c != (unsigned char)close) {
            rc = perr(p, p->pos, "expected ',' or '%c'", close);
            goto fail;
        }
    }
    out->kind = kind;
    out->of.agg.items = items;
    out->of.agg.n = n;
    return HIVE_OK;
fail:
    for (size_t i = 0; i < n; i++) hive_cval_clear(&items[i]);
    free(items);
    return rc;
}

static int parse_record(parser *p, const hive_ctype *t, hive_cval *out) {
    skip_ws(p);
    size_t at = p->pos;
    int empty = empty_colon_braces(p);
    int rc = empty ? HIVE_OK : expect(p, '{');
    if (rc) return rc;
    hive_cval tmp;
    if ((rc = hive_cval_agg(&tmp, HIVE_C_RECORD, t->n))) return hv_error_set(p->err, rc, at, "out of memory");
    while (!empty) {
        if (peek(p) == '}') {
            p->pos++;
            break;
        }
        const char *w;
        size_t wn;
        int esc;
        size_t wat = p->pos;
        if (!word(p, &w, &wn, &esc)) {
            rc = perr(p, wat, "expected a field name");
            goto fail;
        }
        int i = hive_ctype_find(t, w, wn);
        if (i < 0) {
            rc = perr(p, wat, "no field '%.*s' in the record", (int)wn, w);
            goto fail;
        }
        if (tmp.of.agg.items[i].kind != HIVE_C_NONE) {
            rc = perr(p, wat, "field '%.*s' given twice", (int)wn, w);
            goto fail;
        }
        if ((rc = expect(p, ':')) || (rc = parse_val(p, t->cases[i].type, &tmp.of.agg.items[i])))
            goto fail;
        int c = peek(p);
        if (c == ',') {
            p->pos++;
        } else if (c != '}') {
            rc = perr(p, p->pos, "expected ',' or '}'");
            goto fail;
        }
    }
    for (uint32_t i = 0; i < t->n; i++) {
        if (tmp.of.agg.items[i].kind != HIVE_C_NONE) continue;
        if (t->cases[i].type->kind == HIVE_C_OPTION) {
            hive_cval_case(&tmp.of.agg.items[i], HIVE_C_OPTION, 0, NULL);
            continue;
        }
        rc = perr(p, at, "field '%s' missing", t->cases[i].name);
        goto fail;
    }
    *out = tmp;
    return HIVE_OK;
fail:
    hive_cval_clear(&tmp);
    return rc;
}

static int parse_flags(parser *p, const hive_ctype *t, hive_cval *out) {
    int rc = expect(p, '{');
    if (rc) return rc;
    uint64_t bits = 0;
    for (;;) {
        if (peek(p) == '}') {
            p->pos++;
            break;
        }
        const char *w;
        size_t wn;
        int esc;
        size_t wat = p->pos;
        if (!word(p, &w, &wn, &esc)) return perr(p, wat, "expected a flag name");
        int i = hive_ctype_find(t, w, wn);
        if (i < 0) return perr(p, wat, "no flag '%.*s'", (int)wn, w);
        if (bits >> i & 1) return perr(p, wat, "flag '%.*s' given twice", (int)wn, w);
        bits |= (uint64_t)1 << i;
        int c = peek(p);
        if (c == ',')
            p->pos++;
        else if (c != '}')
            return perr(p, p->pos, "expected ',' or '}'");
    }
    *out = hive_cval_flags(bits);
    return HIVE_OK;
}

/* case, case(payload): index and payload type already found. */
static int parse_payload(parser *p, hive_ckind kind, uint32_t index, const hive_ctype *pt,
                         size_t at, const char *w, size_t wn, hive_cval *out) {
    hive_cval payload = {0};
    if (peek(p) == '(') {
        if (!pt) return perr(p, p->pos, "case '%.*s' has no payload", (int)wn, w);
        p->pos++;
        int rc = parse_val(p, pt, &payload);
        if (!rc) rc = expect(p, ')');
        if (rc) {
            hive_cval_clear(&payload);
            return rc;
        }
    } else if (pt) {
        return perr(p, at, "case '%.*s' needs a payload: %.*s(...)", (int)wn, w, (int)wn, w);
    }
    int rc = hive_cval_case(out, kind, index, pt ? &payload : NULL);
    if (rc) return hv_error_set(p->err, rc, at, "cannot build the value");
    return HIVE_OK;
}

static int parse_val(parser *p, const hive_ctype *t, hive_cval *out) {
    memset(out, 0, sizeof *out);
    if (!t) return perr(p, p->pos, "no type");
    if (++p->depth > MAX_DEPTH) return perr(p, p->pos, "nested too deeply");
    int rc = HIVE_OK;
    const char *w;
    size_t wn;
    int esc;
    size_t at;
    switch (t->kind) {
    case HIVE_C_BOOL:
        at = (skip_ws(p), p->pos);
        if (word(p, &w, &wn, &esc) && !esc && (word_is(w, wn, "true") || word_is(w, wn, "false")))
            *out = hive_cval_bool(w[0] == 't');
        else
            rc = perr(p, at, "expected true or false");
        break;
    case HIVE_C_S8:
    case HIVE_C_U8:
    case HIVE_C_S16:
    case HIVE_C_U16:
    case HIVE_C_S32:
    case HIVE_C_U32:
    case HIVE_C_S64:
    case HIVE_C_U64: rc = parse_int(p, t, out); break;
    case HIVE_C_F32:
    case HIVE_C_F64: rc = parse_float(p, t, out); break;
    case HIVE_C_CHAR: rc = parse_char(p, out); break;
    case HIVE_C_STRING: rc = parse_string(p, out); break;
    case HIVE_C_LIST:
    case HIVE_C_FIXED_LIST:
        at = (skip_ws(p), p->pos);
        rc = parse_seq(p, '[', ']', t, NULL, t->elem, t->kind, out);
        if (!rc && t->kind == HIVE_C_FIXED_LIST && out->of.agg.n != t->len) {
            rc = perr(p, at, "%zu elements where the type has %u", out->of.agg.n, t->len);
            hive_cval_clear(out);
        }
        break;
    case HIVE_C_MAP:
        if (empty_colon_braces(p))
            out->kind = HIVE_C_MAP;
        else
            rc = parse_seq(p, '{', '}', t, parse_map_entry, NULL, HIVE_C_MAP, out);
        break;
    case HIVE_C_TUPLE: {
        at = (skip_ws(p), p->pos);
        /* Each element has its own type: parse into a temporary of n. */
        if ((rc = expect(p, '('))) break;
        hive_cval tmp;
        if ((rc = hive_cval_agg(&tmp, HIVE_C_TUPLE, t->n))) {
            rc = hv_error_set(p->err, rc, at, "out of memory");
            break;
        }
        for (uint32_t i = 0; i < t->n && !rc; i++) {
            if (i && (rc = expect(p, ','))) break;
            rc = parse_val(p, t->cases[i].type, &tmp.of.agg.items[i]);
        }
        if (!rc) {
            if (peek(p) == ',') p->pos++;
            rc = expect(p, ')');
        }
        if (rc)
            hive_cval_clear(&tmp);
        else
            *out = tmp;
        break;
    }
    case HIVE_C_RECORD: rc = parse_record(p, t, out); break;
    case HIVE_C_FLAGS: rc = parse_flags(p, t, out); break;
    case HIVE_C_ENUM:
    case HIVE_C_VARIANT: {
        at = (skip_ws(p), p->pos);
        if (!word(p, &w, &wn, &esc)) {
            rc = perr(p, at, "expected a case name");
            break;
        }
        int i = hive_ctype_find(t, w, wn);
        if (i < 0) {
            rc = perr(p, at, "no case '%.*s' in the %s", (int)wn, w, hive_ckind_name(t->kind));
            break;
        }
        rc = parse_payload(p, t->kind, (uint32_t)i, t->kind == HIVE_C_VARIANT ? t->cases[i].type : NULL,
                           at, w, wn, out);
        break;
    }
    case HIVE_C_OPTION:
    case HIVE_C_RESULT: {
        at = (skip_ws(p), p->pos);
        int ok = word(p, &w, &wn, &esc) && !esc;
        const char *k0 = t->kind == HIVE_C_OPTION ? "none" : "ok";
        const char *k1 = t->kind == HIVE_C_OPTION ? "some" : "err";
        if (ok && word_is(w, wn, k0)) {
            rc = parse_payload(p, t->kind, 0, t->kind == HIVE_C_OPTION ? NULL : t->elem, at, w, wn, out);
        } else if (ok && word_is(w, wn, k1)) {
            rc = parse_payload(p, t->kind, 1, t->kind == HIVE_C_OPTION ? t->elem : t->elem2, at, w,
                               wn, out);
        } else {
            /* The flat forms: a bare payload is some(payload), ok(payload). */
            const hive_ctype *pt = t->elem;
            p->pos = at;
            if (!pt) {
                rc = perr(p, at, "expected %s or %s", k0, k1);
                break;
            }
            hive_cval payload;
            if ((rc = parse_val(p, pt, &payload))) break;
            if ((rc = hive_cval_case(out, t->kind, t->kind == HIVE_C_OPTION ? 1 : 0, &payload)))
                rc = hv_error_set(p->err, rc, at, "cannot build the value");
        }
        break;
    }
    case HIVE_C_OWN:
    case HIVE_C_BORROW:
    case HIVE_C_STREAM:
    case HIVE_C_FUTURE:
    case HIVE_C_ERROR_CONTEXT: {
        at = (skip_ws(p), p->pos);
        if (peek(p) != '#') {
            rc = perr(p, at, "expected a handle: #N");
            break;
        }
        p->pos++;
        uint64_t h = 0;
        size_t d0 = p->pos;
        while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9' && h <= UINT32_MAX)
            h = h * 10 + (uint64_t)(p->s[p->pos++] - '0');
        if (p->pos == d0 || h > UINT32_MAX) {
            rc = perr(p, at, "expected a handle: #N");
            break;
        }
        *out = hive_cval_handle(t->kind, (uint32_t)h, NULL);
        break;
    }
    default: rc = perr(p, p->pos, "values of kind %s cannot be written", hive_ckind_name(t->kind));
    }
    p->depth--;
    if (rc) hive_cval_clear(out);
    return rc;
}

int hive_cval_parse(const hive_ctype *t, const char *text, size_t len, hive_cval *out,
                    hive_error *err) {
    parser p = {.s = text, .n = text ? len : 0, .err = err};
    int rc = parse_val(&p, t, out);
    if (rc) return rc;
    skip_ws(&p);
    if (p.pos < p.n) {
        hive_cval_clear(out);
        return perr(&p, p.pos, "unexpected text after the value");
    }
    if (err) {
        err->code = HIVE_OK;
        err->message[0] = 0;
    }
    return HIVE_OK;
}
