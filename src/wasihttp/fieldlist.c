/*
 * fieldlist.c -- the entries of a wasi:http `fields` object and the
 * operations on them that 0.2 (host.c) and 0.3 (p3types.c) share: add,
 * remove, get, has, set/delete/append/get-and-delete, entries (copy-all),
 * clone, from-list, checked against the rules of fieldrules.c. Each
 * version keeps its own object table and its own header-error variant;
 * the limits (entries, bytes) are the caller's.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wasihttp/wasihttp.h"

/* ---- list<u8> values ---------------------------------------------------- */

int hv_wbytes_val(hive_cval *out, const uint8_t *b, size_t n) {
    return hive_cval_packed(out, HIVE_C_U8, n ? b : NULL, n) == HIVE_OK ? 0 : -1;
}

const uint8_t *hv_wbytes_view(const hive_cval *v, size_t *n, uint8_t **tmp) {
    *tmp = NULL;
    if (v->kind == HIVE_C_PACKED) {
        const uint8_t *d = hive_cval_bytes(v, n);
        return d ? d : (const uint8_t *)"";
    }
    size_t len = v->kind == HIVE_C_LIST ? v->of.agg.n : 0;
    uint8_t *b = malloc(len ? len : 1);
    if (!b) return NULL;
    for (size_t i = 0; i < len; i++) b[i] = (uint8_t)v->of.agg.items[i].of.u;
    *n = len;
    *tmp = b;
    return b;
}

int hv_wbytes_bad(const hive_cval *v) {
    size_t n;
    uint8_t *tmp;
    const uint8_t *d = hv_wbytes_view(v, &n, &tmp);
    if (!d) return -1;
    int bad = hv_whttp_value_bad(d, n);
    free(tmp);
    return bad;
}

/* ---- entries ------------------------------------------------------------ */

static int named(const hv_wfield *f, const char *name, size_t nl) {
    return f->name_len == nl && strncasecmp(f->name, name, nl) == 0;
}

void hv_wfields_clear(hv_wfields *fl) {
    for (size_t i = 0; i < fl->nf; i++) {
        free(fl->f[i].name);
        free(fl->f[i].value);
    }
    free(fl->f);
    memset(fl, 0, sizeof *fl);
}

int hv_wfields_add(hv_wfields *fl, const char *name, size_t nl, const uint8_t *value, size_t vl,
                   const hv_wfield_limits *lim) {
    if (fl->nf >= lim->n || fl->bytes + nl + vl > lim->bytes) return -2;
    if (fl->nf == fl->capf) {
        size_t cap = fl->capf ? fl->capf * 2 : 8;
        hv_wfield *nf = realloc(fl->f, cap * sizeof *nf);
        if (!nf) return -1;
        fl->f = nf;
        fl->capf = cap;
    }
    hv_wfield *f = &fl->f[fl->nf];
    f->name = malloc(nl + 1);
    f->value = malloc(vl ? vl : 1);
    if (!f->name || !f->value) {
        free(f->name);
        free(f->value);
        return -1;
    }
    for (size_t i = 0; i < nl; i++)
        f->name[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
    f->name[nl] = 0;
    if (vl) memcpy(f->value, value, vl);
    f->name_len = nl;
    f->value_len = vl;
    fl->bytes += nl + vl;
    fl->nf++;
    return 0;
}

void hv_wfields_remove(hv_wfields *fl, const char *name, size_t nl) {
    size_t k = 0;
    for (size_t i = 0; i < fl->nf; i++) {
        if (named(&fl->f[i], name, nl)) {
            fl->bytes -= fl->f[i].name_len + fl->f[i].value_len;
            free(fl->f[i].name);
            free(fl->f[i].value);
        } else {
            fl->f[k++] = fl->f[i];
        }
    }
    fl->nf = k;
}

int hv_wfields_copy(hv_wfields *dst, const hv_wfields *src, const hv_wfield_limits *lim) {
    for (size_t i = 0; src && i < src->nf; i++) {
        int rc = hv_wfields_add(dst, src->f[i].name, src->f[i].name_len, src->f[i].value,
                                src->f[i].value_len, lim);
        if (rc) return rc;
    }
    return 0;
}

int hv_wfields_has(const hv_wfields *fl, const char *name, size_t nl) {
    for (size_t i = 0; i < fl->nf; i++)
        if (named(&fl->f[i], name, nl)) return 1;
    return 0;
}

int hv_wfields_values(const hv_wfields *fl, const char *name, size_t nl, hive_cval *out) {
    size_t n = 0;
    for (size_t i = 0; i < fl->nf; i++)
        if (named(&fl->f[i], name, nl)) n++;
    if (hive_cval_agg(out, HIVE_C_LIST, n) != HIVE_OK) return -1;
    n = 0;
    for (size_t i = 0; i < fl->nf; i++)
        if (named(&fl->f[i], name, nl) &&
            hv_wbytes_val(&out->of.agg.items[n++], fl->f[i].value, fl->f[i].value_len))
            return -1;
    return 0;
}

int hv_wfields_entries(const hv_wfields *fl, hive_cval *out) {
    if (hive_cval_agg(out, HIVE_C_LIST, fl->nf) != HIVE_OK) return -1;
    for (size_t i = 0; i < fl->nf; i++) {
        hive_cval *t = &out->of.agg.items[i];
        if (hive_cval_agg(t, HIVE_C_TUPLE, 2) != HIVE_OK ||
            hive_cval_string(&t->of.agg.items[0], fl->f[i].name, fl->f[i].name_len) != HIVE_OK ||
            hv_wbytes_val(&t->of.agg.items[1], fl->f[i].value, fl->f[i].value_len))
            return -1;
    }
    return 0;
}

hive_header *hv_wfields_headers(const hv_wfields *fl) {
    hive_header *t = fl && fl->nf ? calloc(fl->nf, sizeof *t) : NULL;
    for (size_t i = 0; t && i < fl->nf; i++)
        t[i] = (hive_header){fl->f[i].name, fl->f[i].name_len, (const char *)fl->f[i].value,
                             fl->f[i].value_len};
    return t;
}

int64_t hv_wfields_content_length(const hv_wfields *fl) {
    for (size_t i = 0; fl && i < fl->nf; i++) {
        const hv_wfield *f = &fl->f[i];
        if (!named(f, "content-length", 14)) continue;
        char num[24];
        if (!f->value_len || f->value_len >= sizeof num) return -1;
        memcpy(num, f->value, f->value_len);
        num[f->value_len] = 0;
        char *end;
        long long v = strtoll(num, &end, 10);
        return !*end && v >= 0 && num[0] >= '0' && num[0] <= '9' ? v : -1;
    }
    return -1;
}

/* ---- the guest's operations --------------------------------------------- */

int hv_wfields_check_list(const hive_cval *list) {
    for (size_t i = 0; i < list->of.agg.n; i++) {
        const hive_cval *t = &list->of.agg.items[i];
        const hive_cval *nm = &t->of.agg.items[0];
        int e = hv_whttp_name_check(nm->of.str.ptr, nm->of.str.len);
        if (e != HV_WHTTP_NAME_OK) return e;
        int bad = hv_wbytes_bad(&t->of.agg.items[1]);
        if (bad) return bad < 0 ? HV_WHTTP_OOM : HV_WHTTP_NAME_SYNTAX;
    }
    return HV_WHTTP_NAME_OK;
}

int hv_wfields_add_list(hv_wfields *fl, const hive_cval *list, const hv_wfield_limits *lim) {
    for (size_t i = 0; i < list->of.agg.n; i++) {
        const hive_cval *t = &list->of.agg.items[i];
        size_t vn;
        uint8_t *tmp;
        const uint8_t *vb = hv_wbytes_view(&t->of.agg.items[1], &vn, &tmp);
        int rc = vb ? hv_wfields_add(fl, t->of.agg.items[0].of.str.ptr,
                                     t->of.agg.items[0].of.str.len, vb, vn, lim)
                    : -1;
        free(tmp);
        if (rc) return rc;
    }
    return 0;
}

int hv_wfields_change(hv_wfields *fl, int immutable, int mode, const char *nm, size_t nl,
                      const hive_cval *arg, const hv_wfield_limits *lim, hive_cval *old) {
    int e = hv_whttp_name_check(nm, nl);
    if (e == HV_WHTTP_NAME_OK && immutable) e = HV_WHTTP_IMMUTABLE;
    if (e != HV_WHTTP_NAME_OK) return e;
    const hive_cval *vals = mode == HV_WFIELDS_SET ? arg->of.agg.items
                            : mode == HV_WFIELDS_APPEND ? arg
                                                        : NULL;
    size_t nv = mode == HV_WFIELDS_SET ? arg->of.agg.n : mode == HV_WFIELDS_APPEND ? 1 : 0;
    size_t add = 0;
    for (size_t i = 0; i < nv; i++) {
        size_t vn;
        uint8_t *tmp;
        const uint8_t *d = hv_wbytes_view(&vals[i], &vn, &tmp);
        if (!d) return HV_WHTTP_OOM;
        int bad = hv_whttp_value_bad(d, vn);
        free(tmp);
        if (bad) return HV_WHTTP_NAME_SYNTAX;
        add += nl + vn;
    }
    /* the size limit, counting what a set replaces */
    size_t keep = fl->bytes;
    if (mode == HV_WFIELDS_SET)
        for (size_t i = 0; i < fl->nf; i++)
            if (named(&fl->f[i], nm, nl)) keep -= fl->f[i].name_len + fl->f[i].value_len;
    if (keep + add > lim->bytes || (mode == HV_WFIELDS_APPEND && fl->nf >= lim->n))
        return HV_WHTTP_SIZE;
    if (mode == HV_WFIELDS_GET_AND_DELETE && hv_wfields_values(fl, nm, nl, old))
        return HV_WHTTP_OOM;
    if (mode != HV_WFIELDS_APPEND) hv_wfields_remove(fl, nm, nl);
    for (size_t i = 0; i < nv; i++) {
        size_t vn;
        uint8_t *tmp;
        const uint8_t *vb = hv_wbytes_view(&vals[i], &vn, &tmp);
        int rc = vb ? hv_wfields_add(fl, nm, nl, vb, vn, lim) : -1;
        free(tmp);
        if (rc) return rc == -2 ? HV_WHTTP_SIZE : HV_WHTTP_OOM;
    }
    return HV_WHTTP_NAME_OK;
}

int hv_wfields_add_headers(hv_wfields *fl, const hive_header *hd, size_t n,
                           const hv_wfield_limits *lim) {
    for (size_t i = 0; i < n; i++) {
        int rc = hv_wfields_add(fl, hd[i].name, hd[i].name_len, (const uint8_t *)hd[i].value,
                                hd[i].value_len, lim);
        if (rc) return rc;
    }
    return 0;
}

/* result<T, header-error> in out: ok with *payload (NULL: none), or the
 * header-error case e (no payload). -1 when out of memory. */
static int result(hive_cval *out, hive_cval *payload, int e) {
    hive_cval v;
    if (e != HV_WHTTP_NAME_OK) {
        if (hive_cval_case(&v, HIVE_C_VARIANT, (uint32_t)e, NULL) != HIVE_OK) return -1;
        payload = &v;
    }
    return hive_cval_case(out, HIVE_C_RESULT, e == HV_WHTTP_NAME_OK ? 0 : 1, payload) == HIVE_OK
               ? 0
               : -1;
}

int hv_wfields_method(int method, hv_wfields *fl, int immutable, const hive_cval *args,
                      hive_cval *res, const hv_wfield_limits *lim) {
    if (method == HV_WFIELDS_ENTRIES) return hv_wfields_entries(fl, res); /* (self) only */
    const char *nm = args[1].of.str.ptr;
    size_t nl = args[1].of.str.len;
    if (method == HV_WFIELDS_GET) return hv_wfields_values(fl, nm, nl, res);
    if (method == HV_WFIELDS_HAS) {
        res[0] = hive_cval_bool(hv_wfields_has(fl, nm, nl));
        return 0;
    }
    hive_cval old;
    memset(&old, 0, sizeof old);
    int takes = method == HV_WFIELDS_SET || method == HV_WFIELDS_APPEND;
    int e = hv_wfields_change(fl, immutable, method, nm, nl, takes ? &args[2] : NULL, lim, &old);
    if (e == HV_WHTTP_SIZE && !lim->size_error) e = HV_WHTTP_OOM;
    if (e == HV_WHTTP_OOM || result(res, method == HV_WFIELDS_GET_AND_DELETE ? &old : NULL, e)) {
        hive_cval_clear(&old);
        return -1;
    }
    return 0;
}
