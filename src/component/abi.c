/*
 * abi.c -- the canonical ABI's lifting and lowering (CanonicalABI.md,
 * "Loading", "Storing", "Flat Lifting", "Flat Lowering"; definitions.py is
 * the reference this follows) between core values / linear memory and
 * hive_cval trees.
 *
 * Strings cross as UTF-8 hive_cval strings: lifting transcodes from the
 * source encoding, lowering follows the spec's algorithm for a UTF-8
 * source (the same realloc calls, in the same order).
 *
 * Own and borrow handles cross as the resource's rep (of.res.handle) with
 * the rt_resource in of.res.host; at the host boundary (c->host_side) an
 * own handle of a guest resource becomes an index in the instance's host
 * handle table instead.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/internal.h"
#include "component/runtime.h"

#define MAX_STRING_BYTE_LENGTH ((1u << 28) - 1)
#define MAX_LIST_BYTE_LENGTH ((1u << 28) - 1)
#define TABLE_MAX ((1u << 28) - 1)

_Noreturn void hv_cx_trap(cx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    longjmp(*c->jb, CX_TRAP);
}

_Noreturn void hv_cx_fail(cx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    longjmp(*c->jb, CX_FAIL);
}

static void oom(cx *c) { hv_cx_trap(c, "out of memory"); }

static uint32_t align_to(uint32_t x, uint32_t a) { return (uint32_t)(((uint64_t)x + a - 1) / a * a); }

/* ---- handle tables ------------------------------------------------------ */

uint32_t hv_htab_add(cx *c, handle_table *t, rt_handle h) {
    uint32_t i;
    if (t->free_head) {
        i = t->free_head;
        t->free_head = t->v[i].next_free;
    } else {
        if (t->n == 0) t->n = 1;
        if (t->n > TABLE_MAX) hv_cx_trap(c, "handle table full");
        if (t->n >= t->cap) {
            uint32_t cap = t->cap ? t->cap * 2 : 16;
            rt_handle *v = hv_realloc(t->al, t->v, cap * sizeof *v);
            if (!v) oom(c);
            t->v = v;
            t->cap = cap;
        }
        i = t->n++;
    }
    h.next_free = 0;
    t->v[i] = h;
    return i;
}

rt_handle *hv_htab_get(cx *c, handle_table *t, uint32_t i) {
    if (i == 0 || i >= t->n || !t->v[i].rt) hv_cx_trap(c, "unknown handle index %u", i);
    return &t->v[i];
}

void hv_htab_remove(handle_table *t, uint32_t i) {
    t->v[i].rt = NULL;
    t->v[i].next_free = t->free_head;
    t->free_head = i;
}

/* ---- memory --------------------------------------------------------------- */

uint8_t *hv_abi_mem(cx *c, uint32_t ptr, uint32_t len, const char *what) {
    if (!c->mem) hv_cx_trap(c, "no memory");
    uint64_t size = hive_memory_size(c->mem);
    if ((uint64_t)ptr + len > size) hv_cx_trap(c, "%s", what);
    return hive_memory_data(c->mem) + ptr;
}

static uint64_t load_int(cx *c, uint32_t ptr, uint32_t n) {
    uint8_t *p = hv_abi_mem(c, ptr, n, "out of bounds memory access");
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void store_int(cx *c, uint32_t ptr, uint32_t n, uint64_t v) {
    uint8_t *p = hv_abi_mem(c, ptr, n, "out of bounds memory access");
    for (uint32_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* cx.reallocate, with the spec's alignment and bounds checks on the
 * result (wording by who is on the other side). */
uint32_t hv_abi_alloc(cx *c, uint32_t old, uint32_t oldsize, uint32_t align, uint32_t size, int list) {
    if (!c->realloc) hv_cx_trap(c, "no realloc function");
    if (!c->inst->may_leave) hv_cx_trap(c, "cannot leave component instance");
    hive_val args[4] = {{.type = HIVE_I32}, {.type = HIVE_I32}, {.type = HIVE_I32}, {.type = HIVE_I32}};
    args[0].of.i32 = old;
    args[1].of.i32 = oldsize;
    args[2].of.i32 = align;
    args[3].of.i32 = size;
    hive_val r;
    c->inst->may_leave = 0;
    int rc = hv_run_nested(c->inst, c->realloc, args, 4, &r, 1, c->msg, sizeof c->msg);
    c->inst->may_leave = 1;
    if (rc) longjmp(*c->jb, CX_TRAP);
    uint32_t ptr = r.of.i32;
    if (ptr % align) hv_cx_trap(c, c->fused ? "unaligned pointer" : "realloc return: result not aligned");
    if ((uint64_t)ptr + size > hive_memory_size(c->mem))
        hv_cx_trap(c, c->fused ? (list ? "list content out-of-bounds" : "string content out-of-bounds")
                            : "realloc return: beyond end of memory");
    return ptr;
}

/* ---- kinds ---------------------------------------------------------------- */

static hive_ckind ckind(const ct_type *t) {
    switch (t->kind) {
    case CT_BOOL: return HIVE_C_BOOL;
    case CT_S8: return HIVE_C_S8;
    case CT_U8: return HIVE_C_U8;
    case CT_S16: return HIVE_C_S16;
    case CT_U16: return HIVE_C_U16;
    case CT_S32: return HIVE_C_S32;
    case CT_U32: return HIVE_C_U32;
    case CT_S64: return HIVE_C_S64;
    case CT_U64: return HIVE_C_U64;
    case CT_F32: return HIVE_C_F32;
    case CT_F64: return HIVE_C_F64;
    case CT_CHAR: return HIVE_C_CHAR;
    case CT_STRING: return HIVE_C_STRING;
    case CT_ERRCTX: return HIVE_C_ERROR_CONTEXT;
    case CT_RECORD: return HIVE_C_RECORD;
    case CT_VARIANT: return HIVE_C_VARIANT;
    case CT_LIST: return t->n ? HIVE_C_FIXED_LIST : HIVE_C_LIST;
    case CT_TUPLE: return HIVE_C_TUPLE;
    case CT_FLAGS: return HIVE_C_FLAGS;
    case CT_ENUM: return HIVE_C_ENUM;
    case CT_OPTION: return HIVE_C_OPTION;
    case CT_RESULT: return HIVE_C_RESULT;
    case CT_OWN: return HIVE_C_OWN;
    case CT_BORROW: return HIVE_C_BORROW;
    case CT_STREAM: return HIVE_C_STREAM;
    case CT_FUTURE: return HIVE_C_FUTURE;
    case CT_MAP: return HIVE_C_MAP;
    default: return HIVE_C_NONE;
    }
}

static void want(cx *c, const ct_type *t, const hive_cval *v) {
    if (!v || v->kind != ckind(t))
        hv_cx_fail(c, "value of kind %s where %s is expected", hive_ckind_name(v ? v->kind : HIVE_C_NONE),
                hive_ckind_name(ckind(t)));
}

/* ---- strings ------------------------------------------------------------------- */

void hv_hints_free(str_hints *h) {
    if (h->v) hv_free(h->al, h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

static size_t hint_slot(const str_hints *h, const char *p) {
    size_t i = ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull >> 7;
    for (i &= h->cap - 1; h->v[i].ptr && h->v[i].ptr != p; i = (i + 1) & (h->cap - 1)) {}
    return i;
}

static void hint_put(cx *c, const char *p, uint8_t enc, uint32_t units) {
    str_hints *h = c->hints;
    if (!h || !p) return;
    if ((h->n + 1) * 2 > h->cap) {
        str_hints g = {0};
        g.al = h->al;
        g.cap = h->cap ? h->cap * 2 : 64;
        g.v = hv_calloc(h->al, g.cap, sizeof *g.v);
        if (!g.v) return; /* no hint: the UTF-8 path is still correct */
        for (uint32_t i = 0; i < h->cap; i++)
            if (h->v[i].ptr) g.v[hint_slot(&g, h->v[i].ptr)] = h->v[i];
        g.n = h->n;
        if (h->v) hv_free(h->al, h->v);
        *h = g;
    }
    size_t i = hint_slot(h, p);
    if (!h->v[i].ptr) h->n++;
    h->v[i].ptr = p;
    h->v[i].enc = enc;
    h->v[i].units = units;
}

static int hint_get(const cx *c, const char *p, uint8_t *enc, uint32_t *units) {
    const str_hints *h = c->hints;
    if (!h || !h->cap || !p) return 0;
    size_t i = hint_slot(h, p);
    if (!h->v[i].ptr) return 0;
    *enc = h->v[i].enc;
    *units = h->v[i].units;
    return 1;
}

static void put_utf8(char *o, size_t *n, uint32_t cp) {
    if (cp < 0x80) o[(*n)++] = (char)cp;
    else if (cp < 0x800) {
        o[(*n)++] = (char)(0xc0 | cp >> 6);
        o[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        o[(*n)++] = (char)(0xe0 | cp >> 12);
        o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        o[(*n)++] = (char)(0xf0 | cp >> 18);
        o[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* Decodes one UTF-8 scalar at s[*i] (n bytes); -1 invalid, -2 truncated. */
static int64_t next_utf8(const uint8_t *s, size_t n, size_t *i) {
    uint8_t c = s[*i];
    uint32_t cp, need;
    if (c < 0x80) { (*i)++; return c; }
    if (c >= 0xc2 && c <= 0xdf) { cp = c & 0x1f; need = 1; }
    else if ((c & 0xf0) == 0xe0) { cp = c & 0x0f; need = 2; }
    else if (c >= 0xf0 && c <= 0xf4) { cp = c & 0x07; need = 3; }
    else return -1;
    for (uint32_t k = 1; k <= need; k++) {
        if (*i + k >= n) return -2;
        if ((s[*i + k] & 0xc0) != 0x80) return -1;
        cp = cp << 6 | (s[*i + k] & 0x3f);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *i += need + 1;
    return cp;
}

static void lift_string(cx *c, uint32_t ptr, uint32_t tagged, hive_cval *out) {
    uint32_t align = 1, bytes;
    int e; /* 0 utf8, 1 utf16, 2 latin1 */
    switch (c->enc) {
    case ENC_UTF8: bytes = tagged; e = 0; break;
    case ENC_UTF16:
        align = 2; e = 1;
        if (tagged > MAX_STRING_BYTE_LENGTH) hv_cx_trap(c, "string content out-of-bounds");
        bytes = 2 * tagged;
        break;
    default:
        align = 2;
        if (tagged & 0x80000000u) { e = 1; bytes = 2 * (tagged ^ 0x80000000u); }
        else { e = 2; bytes = tagged; }
        break;
    }
    if (bytes > MAX_STRING_BYTE_LENGTH)
        hv_cx_trap(c, c->fused ? "string content out-of-bounds" : "string pointer/length out of bounds of memory");
    if (ptr % align) hv_cx_trap(c, "unaligned pointer");
    const uint8_t *s = hv_abi_mem(c, ptr, bytes,
                               c->fused ? "string content out-of-bounds" : "string pointer/length out of bounds of memory");
    char *o;
    size_t n = 0;
    if (e == 0) {
        size_t i = 0;
        while (i < bytes) {
            int64_t cp = next_utf8(s, bytes, &i);
            if (cp == -2) hv_cx_trap(c, "incomplete utf-8 byte sequence");
            if (cp < 0) hv_cx_trap(c, "invalid utf-8");
        }
        o = malloc((size_t)bytes + 1);
        if (!o) oom(c);
        memcpy(o, s, bytes);
        n = bytes;
    } else if (e == 1) {
        uint32_t units = bytes / 2;
        o = malloc((size_t)units * 3 + 1);
        if (!o) oom(c);
        for (uint32_t i = 0; i < units; i++) {
            uint32_t u = s[2 * i] | (uint32_t)s[2 * i + 1] << 8;
            if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
                uint32_t u2 = s[2 * i + 2] | (uint32_t)s[2 * i + 3] << 8;
                if (u2 >= 0xdc00 && u2 <= 0xdfff) {
                    put_utf8(o, &n, 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00));
                    i++;
                    continue;
                }
            }
            if (u >= 0xd800 && u <= 0xdfff) {
                free(o);
                hv_cx_trap(c, "invalid utf-16");
            }
            put_utf8(o, &n, u);
        }
    } else {
        o = malloc((size_t)bytes * 2 + 1);
        if (!o) oom(c);
        for (uint32_t i = 0; i < bytes; i++) put_utf8(o, &n, s[i]);
    }
    o[n] = '\0';
    out->kind = HIVE_C_STRING;
    out->of.str.ptr = o;
    out->of.str.len = n;
    if (c->enc != ENC_UTF8) hint_put(c, o, c->enc, tagged);
}

/* store_string_into_range for a UTF-8 source: (ptr, tagged code units). */
static void lower_string_utf8src(cx *c, const hive_cval *v, uint32_t *optr, uint32_t *olen) {
    const uint8_t *src = (const uint8_t *)v->of.str.ptr;
    size_t len = v->of.str.len;
    if (len > MAX_STRING_BYTE_LENGTH) hv_cx_fail(c, "string too long");
    uint32_t units = (uint32_t)len;
    switch (c->enc) {
    case ENC_UTF8: {
        uint32_t ptr = hv_abi_alloc(c, 0, 0, 1, units, 0);
        if (units) memcpy(hv_abi_mem(c, ptr, units, "string content out-of-bounds"), src, units);
        *optr = ptr;
        *olen = units;
        return;
    }
    case ENC_UTF16: {
        uint32_t worst = 2 * units;
        uint32_t ptr = hv_abi_alloc(c, 0, 0, 2, worst, 0);
        size_t i = 0;
        uint32_t w = 0;
        uint8_t *m = hv_abi_mem(c, ptr, worst, "string content out-of-bounds");
        while (i < len) {
            int64_t cp = next_utf8(src, len, &i);
            if (cp < 0) hv_cx_fail(c, "string is not valid UTF-8");
            if (cp >= 0x10000) {
                uint32_t x = (uint32_t)cp - 0x10000, hi = 0xd800 + (x >> 10), lo = 0xdc00 + (x & 0x3ff);
                m[w] = (uint8_t)hi; m[w + 1] = (uint8_t)(hi >> 8);
                m[w + 2] = (uint8_t)lo; m[w + 3] = (uint8_t)(lo >> 8);
                w += 4;
            } else {
                m[w] = (uint8_t)cp; m[w + 1] = (uint8_t)(cp >> 8);
                w += 2;
            }
        }
        if (w < worst) ptr = hv_abi_alloc(c, ptr, worst, 2, w, 0);
        *optr = ptr;
        *olen = w / 2;
        return;
    }
    default: {
        /* store_string_to_latin1_or_utf16 */
        uint32_t ptr = hv_abi_alloc(c, 0, 0, 2, units, 0);
        uint32_t dst = 0;
        size_t i = 0;
        while (i < len) {
            size_t at = i;
            int64_t cp = next_utf8(src, len, &i);
            if (cp < 0) hv_cx_fail(c, "string is not valid UTF-8");
            if (cp < 256) {
                hv_abi_mem(c, ptr, units, "string content out-of-bounds")[dst++] = (uint8_t)cp;
                continue;
            }
            uint32_t worst = 2 * units;
            ptr = hv_abi_alloc(c, ptr, units, 2, worst, 0);
            uint8_t *m = hv_abi_mem(c, ptr, worst, "string content out-of-bounds");
            for (int64_t j = (int64_t)dst - 1; j >= 0; j--) {
                m[2 * j] = m[j];
                m[2 * j + 1] = 0;
            }
            uint32_t w = 2 * dst;
            i = at;
            while (i < len) {
                cp = next_utf8(src, len, &i);
                if (cp < 0) hv_cx_fail(c, "string is not valid UTF-8");
                if (cp >= 0x10000) {
                    uint32_t x = (uint32_t)cp - 0x10000, hi = 0xd800 + (x >> 10), lo = 0xdc00 + (x & 0x3ff);
                    m[w] = (uint8_t)hi; m[w + 1] = (uint8_t)(hi >> 8);
                    m[w + 2] = (uint8_t)lo; m[w + 3] = (uint8_t)(lo >> 8);
                    w += 4;
                } else {
                    m[w] = (uint8_t)cp; m[w + 1] = (uint8_t)(cp >> 8);
                    w += 2;
                }
            }
            if (worst > w) ptr = hv_abi_alloc(c, ptr, worst, 2, w, 0);
            *optr = ptr;
            *olen = (w / 2) | 0x80000000u;
            return;
        }
        if (dst < units) ptr = hv_abi_alloc(c, ptr, units, 2, dst, 0);
        *optr = ptr;
        *olen = dst;
        return;
    }
    }
}

static void put16(uint8_t *m, uint32_t *w, uint32_t cp) {
    if (cp >= 0x10000) {
        uint32_t x = cp - 0x10000, hi = 0xd800 + (x >> 10), lo = 0xdc00 + (x & 0x3ff);
        m[*w] = (uint8_t)hi; m[*w + 1] = (uint8_t)(hi >> 8);
        m[*w + 2] = (uint8_t)lo; m[*w + 3] = (uint8_t)(lo >> 8);
        *w += 4;
    } else {
        m[*w] = (uint8_t)cp; m[*w + 1] = (uint8_t)(cp >> 8);
        *w += 2;
    }
}

/* store_string_into_range when the string was lifted from a component
 * whose encoding was src_enc with src_tagged code units: the spec's
 * algorithm for that source (definitions.py). */
static void lower_string(cx *c, const hive_cval *v, uint32_t *optr, uint32_t *olen) {
    uint8_t src_enc;
    uint32_t tagged;
    if (!hint_get(c, v->of.str.ptr, &src_enc, &tagged) || src_enc == ENC_UTF8) {
        lower_string_utf8src(c, v, optr, olen);
        return;
    }
    int simple_utf16 = src_enc == ENC_UTF16 || (tagged & 0x80000000u);
    uint32_t units = tagged & 0x7fffffffu;
    if (src_enc == ENC_UTF16) units = tagged;
    /* the code points */
    const uint8_t *src = (const uint8_t *)v->of.str.ptr;
    size_t len = v->of.str.len, i = 0;
    uint32_t ncp = 0, n16 = 0, ascii = 1, latin1 = 1;
    while (i < len) {
        int64_t cp = next_utf8(src, len, &i);
        if (cp < 0) hv_cx_fail(c, "string is not valid UTF-8");
        ncp++;
        n16 += cp >= 0x10000 ? 2 : 1;
        if (cp >= 0x80) ascii = 0;
        if (cp >= 0x100) latin1 = 0;
    }
    /* walks the code points again (the string is valid UTF-8 now) */
#define EACH_CP(cpv) for (size_t at_ = 0; at_ < len;) for (uint32_t cpv = (uint32_t)next_utf8(src, len, &at_), once_ = 1; once_; once_ = 0)
    uint32_t ptr;
    switch (c->enc) {
    case ENC_UTF8: { /* store_utf16_to_utf8 / store_latin1_to_utf8 */
        uint32_t worst = simple_utf16 ? units * 3 : units * 2;
        ptr = hv_abi_alloc(c, 0, 0, 1, units, 0);
        uint32_t k = 0; /* the ASCII prefix goes in first, as the spec writes it */
        while (k < len && src[k] < 0x80) hv_abi_mem(c, ptr, units, "string content out-of-bounds")[k] = src[k], k++;
        if (ascii) {
            *optr = ptr;
            *olen = units;
            break;
        }
        ptr = hv_abi_alloc(c, ptr, units, 1, worst, 0);
        memcpy(hv_abi_mem(c, ptr, (uint32_t)len, "string content out-of-bounds") + k, src + k, len - k);
        if (worst > len) ptr = hv_abi_alloc(c, ptr, worst, 1, (uint32_t)len, 0);
        *optr = ptr;
        *olen = (uint32_t)len;
        break;
    }
    case ENC_UTF16: { /* store_string_copy: utf16 or latin1 source */
        ptr = hv_abi_alloc(c, 0, 0, 2, 2 * units, 0);
        uint8_t *m = hv_abi_mem(c, ptr, 2 * units, "string content out-of-bounds");
        uint32_t w = 0;
        EACH_CP(cp) put16(m, &w, cp);
        *optr = ptr;
        *olen = n16;
        break;
    }
    default:
        if (src_enc == ENC_UTF16) { /* store_string_to_latin1_or_utf16 */
            ptr = hv_abi_alloc(c, 0, 0, 2, units, 0);
            uint32_t dst = 0;
            size_t rest = 0; /* byte offset of the first code point >= 256 */
            while (rest < len) {
                size_t at = rest;
                int64_t cp = next_utf8(src, len, &rest);
                if (cp >= 256) { rest = at; break; }
                hv_abi_mem(c, ptr, units, "string content out-of-bounds")[dst++] = (uint8_t)cp;
            }
            if (rest >= len) {
                if (dst < units) ptr = hv_abi_alloc(c, ptr, units, 2, dst, 0);
                *optr = ptr;
                *olen = dst;
                break;
            }
            uint32_t worst = 2 * units;
            ptr = hv_abi_alloc(c, ptr, units, 2, worst, 0);
            uint8_t *m = hv_abi_mem(c, ptr, worst, "string content out-of-bounds");
            for (int64_t j = (int64_t)dst - 1; j >= 0; j--) {
                m[2 * j] = m[j];
                m[2 * j + 1] = 0;
            }
            uint32_t w = 2 * dst;
            while (rest < len) put16(m, &w, (uint32_t)next_utf8(src, len, &rest));
            if (worst > w) ptr = hv_abi_alloc(c, ptr, worst, 2, w, 0);
            *optr = ptr;
            *olen = (w / 2) | 0x80000000u;
        } else if (!simple_utf16) { /* latin1 -> latin1: store_string_copy */
            ptr = hv_abi_alloc(c, 0, 0, 2, units, 0);
            uint8_t *m = hv_abi_mem(c, ptr, units, "string content out-of-bounds");
            uint32_t k = 0;
            EACH_CP(cp) m[k++] = (uint8_t)cp;
            *optr = ptr;
            *olen = units;
        } else { /* store_probably_utf16_to_latin1_or_utf16 */
            ptr = hv_abi_alloc(c, 0, 0, 2, 2 * units, 0);
            uint8_t *m = hv_abi_mem(c, ptr, 2 * units, "string content out-of-bounds");
            uint32_t w = 0;
            EACH_CP(cp) put16(m, &w, cp);
            if (!latin1) {
                *optr = ptr;
                *olen = (w / 2) | 0x80000000u;
                break;
            }
            for (uint32_t k = 0; k < w / 2; k++) m[k] = m[2 * k];
            ptr = hv_abi_alloc(c, ptr, 2 * units, 1, w / 2, 0);
            *optr = ptr;
            *olen = w / 2;
        }
        break;
    }
#undef EACH_CP
    (void)ncp;
}

/* ---- handles ------------------------------------------------------------------- */

static rt_resource *res_of(cx *c, const ct_type *t) {
    rt_resource *r = c->inst->res[t->rid];
    if (!r) hv_cx_trap(c, "resource type not bound");
    return r;
}

static void lift_handle(cx *c, const ct_type *t, uint32_t i, hive_cval *out) {
    rt_resource *rt = res_of(c, t);
    rt_handle *h = hv_htab_get(c, &c->inst->handles, i);
    if (h->rt != rt)
        hv_cx_trap(c, "handle index %u used with the wrong type, expected %s-defined resource but found a different %s-defined resource",
                i, rt->impl ? "guest" : "host", h->rt->impl ? "guest" : "host");
    uint32_t rep = h->rep;
    if (t->kind == CT_OWN) {
        if (h->lends) hv_cx_trap(c, "cannot remove owned resource while borrowed");
        if (!h->own) hv_cx_trap(c, "handle index %u expected to be owned", i);
        hv_htab_remove(&c->inst->handles, i);
    } else if (c->call) {
        call_state *cs = c->call;
        if (cs->nlenders == cs->caplenders) {
            uint32_t cap = cs->caplenders ? cs->caplenders * 2 : 8;
            void *v = hv_malloc(cs->al, cap * sizeof *cs->lenders);
            if (!v) oom(c);
            if (cs->nlenders) memcpy(v, cs->lenders, cs->nlenders * sizeof *cs->lenders);
            if (cs->lenders != cs->lend_inline) hv_free(cs->al, cs->lenders);
            cs->lenders = v;
            cs->caplenders = cap;
        }
        cs->lenders[cs->nlenders].tab = &c->inst->handles;
        cs->lenders[cs->nlenders].idx = i;
        cs->nlenders++;
        h->lends++;
    }
    *out = hive_cval_handle(t->kind == CT_OWN ? HIVE_C_OWN : HIVE_C_BORROW, rep, rt);
    if (c->host_side && t->kind == CT_OWN && rt->impl) {
        rt_handle nh = {.rt = rt, .rep = rep, .own = 1};
        out->of.res.handle = hv_htab_add(c, &hv_comp_active_root(c->inst)->host_handles, nh);
    }
}

static uint32_t lower_handle(cx *c, const ct_type *t, const hive_cval *v) {
    want(c, t, v);
    rt_resource *rt = res_of(c, t);
    uint32_t rep = v->of.res.handle;
    if (c->host_side && rt->impl && t->kind == CT_BORROW) {
        handle_table *ht = &hv_comp_active_root(c->inst)->host_handles;
        if (rep == 0 || rep >= ht->n || !ht->v[rep].rt) hv_cx_fail(c, "unknown host handle %u", rep);
        if (ht->v[rep].rt != rt) hv_cx_fail(c, "host handle %u is of another resource type", rep);
        rep = ht->v[rep].rep;
    } else if (c->host_side && rt->impl && t->kind == CT_OWN) {
        handle_table *ht = &hv_comp_active_root(c->inst)->host_handles;
        if (rep == 0 || rep >= ht->n || !ht->v[rep].rt) hv_cx_fail(c, "unknown host handle %u", rep);
        if (ht->v[rep].rt != rt) hv_cx_fail(c, "host handle %u is of another resource type", rep);
        uint32_t idx = rep;
        rep = ht->v[idx].rep;
        hv_htab_remove(ht, idx);
    } else if (!c->host_side && v->of.res.host && v->of.res.host != rt) {
        hv_cx_trap(c, "handle of the wrong resource type");
    }
    if (t->kind == CT_OWN) {
        rt_handle h = {.rt = rt, .rep = rep, .own = 1};
        return hv_htab_add(c, &c->inst->handles, h);
    }
    if (c->inst == rt->impl) return rep;
    rt_handle h = {.rt = rt, .rep = rep, .own = 0, .scope = c->call};
    if (c->call) c->call->num_borrows++;
    return hv_htab_add(c, &c->inst->handles, h);
}

/* ---- load / store -------------------------------------------------------------- */

static uint32_t flags_size(uint32_t n) { return n <= 8 ? 1 : n <= 16 ? 2 : 4; }

static float f32_from_bits(uint32_t b) {
    if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu)) b = 0x7fc00000u;
    float f;
    memcpy(&f, &b, 4);
    return f;
}
static double f64_from_bits(uint64_t b) {
    if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull))
        b = 0x7ff8000000000000ull;
    double f;
    memcpy(&f, &b, 8);
    return f;
}
static uint32_t f32_bits(float f) {
    uint32_t b;
    if (isnan(f)) return 0x7fc00000u;
    memcpy(&b, &f, 4);
    return b;
}
static uint64_t f64_bits(double f) {
    uint64_t b;
    if (isnan(f)) return 0x7ff8000000000000ull;
    memcpy(&b, &f, 8);
    return b;
}

static uint32_t to_char(cx *c, uint32_t i) {
    if (i >= 0x110000 || (i >= 0xd800 && i <= 0xdfff)) hv_cx_trap(c, "invalid `char` bit pattern");
    return i;
}

static void agg(cx *c, hive_cval *out, hive_ckind k, size_t n) {
    if (hive_cval_agg(out, k, n) != HIVE_OK) oom(c);
}

static void set_case(cx *c, hive_cval *out, const ct_type *t, uint32_t idx, hive_cval *payload) {
    hive_ckind k = ckind(t);
    if (k == HIVE_C_ENUM) {
        *out = hive_cval_enum(idx);
        return;
    }
    if (hive_cval_case(out, k, idx, payload) != HIVE_OK) oom(c);
}

static void map_layout(const ct_type *t, uint32_t *vo, uint32_t *size, uint32_t *align) {
    uint32_t a = t->a->align > t->b->align ? t->a->align : t->b->align;
    *vo = align_to(t->a->size, t->b->align);
    *size = align_to(*vo + t->b->size, a);
    *align = a;
}

/* The packed element kind of a list of e, or HIVE_C_NONE (bool and char
 * need a check per element, so they are not packed). */
static hive_ckind packable(const ct_type *e) {
    switch (e->kind) {
    case CT_S8: case CT_U8: case CT_S16: case CT_U16: case CT_S32: case CT_U32:
    case CT_S64: case CT_U64: case CT_F32: case CT_F64: return ckind(e);
    default: return HIVE_C_NONE;
    }
}

/* Every NaN of a packed f32/f64 buffer becomes the canonical NaN. */
static void canon_nans(uint8_t *p, uint32_t n, hive_ckind k) {
    for (uint32_t i = 0; i < n; i++) {
        if (k == HIVE_C_F32) {
            uint32_t b;
            memcpy(&b, p + 4 * (size_t)i, 4);
            if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu)) {
                b = 0x7fc00000u;
                memcpy(p + 4 * (size_t)i, &b, 4);
            }
        } else {
            uint64_t b;
            memcpy(&b, p + 8 * (size_t)i, 8);
            if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull)) {
                b = 0x7ff8000000000000ull;
                memcpy(p + 8 * (size_t)i, &b, 8);
            }
        }
    }
}

/* A LIST or PACKED value where list<t->a> is expected; its length. */
static uint32_t want_list(cx *c, const ct_type *t, const hive_cval *v) {
    if (v && v->kind == HIVE_C_PACKED) {
        if (t->kind != CT_LIST || t->n || packable(t->a) != v->of.packed.elem)
            hv_cx_fail(c, "a packed list<%s> where %s<%s> is expected", hive_ckind_name(v->of.packed.elem),
                    hive_ckind_name(ckind(t)), hive_ckind_name(ckind(t->a)));
        if (v->of.packed.n && !v->of.packed.data) hv_cx_fail(c, "packed list without data");
        return v->of.packed.n;
    }
    want(c, t, v);
    if (v->of.agg.n > 0xffffffffu) hv_cx_fail(c, "list too long");
    return (uint32_t)v->of.agg.n;
}

static void load_list_range(cx *c, const ct_type *t, uint32_t ptr, uint32_t len, hive_cval *out) {
    const ct_type *e = t->a;
    uint32_t esize, ealign, vo = 0;
    if (t->kind == CT_MAP) map_layout(t, &vo, &esize, &ealign);
    else { esize = e->size; ealign = e->align; }
    uint64_t bytes = (uint64_t)len * esize;
    if (bytes > MAX_LIST_BYTE_LENGTH) hv_cx_trap(c, "list content out-of-bounds");
    if (ptr % ealign) hv_cx_trap(c, "unaligned pointer");
    uint8_t *src = hv_abi_mem(c, ptr, (uint32_t)bytes, c->fused ? "list content out-of-bounds" : "list pointer/length out of bounds of memory");
    hive_ckind pk = t->kind == CT_LIST ? packable(e) : HIVE_C_NONE;
    if (pk != HIVE_C_NONE) { /* a list of numbers: one copy, packed */
        if (hive_cval_packed(out, pk, src, len) != HIVE_OK) oom(c);
        if (pk == HIVE_C_F32 || pk == HIVE_C_F64) canon_nans(out->of.packed.data, len, pk);
        return;
    }
    agg(c, out, ckind(t), len);
    for (uint32_t i = 0; i < len; i++) {
        uint32_t p = ptr + i * esize;
        if (t->kind == CT_MAP) {
            hive_cval *kv = &out->of.agg.items[i];
            agg(c, kv, HIVE_C_TUPLE, 2);
            hv_abi_load(c, t->a, p, &kv->of.agg.items[0]);
            hv_abi_load(c, t->b, p + vo, &kv->of.agg.items[1]);
        } else {
            hv_abi_load(c, e, p, &out->of.agg.items[i]);
        }
    }
}

void hv_abi_load(cx *c, const ct_type *t, uint32_t ptr, hive_cval *out) {
    switch (t->kind) {
    case CT_BOOL: *out = hive_cval_bool(load_int(c, ptr, 1) != 0); return;
    case CT_U8: *out = hive_cval_uint(HIVE_C_U8, load_int(c, ptr, 1)); return;
    case CT_U16: *out = hive_cval_uint(HIVE_C_U16, load_int(c, ptr, 2)); return;
    case CT_U32: *out = hive_cval_uint(HIVE_C_U32, load_int(c, ptr, 4)); return;
    case CT_U64: *out = hive_cval_uint(HIVE_C_U64, load_int(c, ptr, 8)); return;
    case CT_S8: *out = hive_cval_sint(HIVE_C_S8, (int8_t)load_int(c, ptr, 1)); return;
    case CT_S16: *out = hive_cval_sint(HIVE_C_S16, (int16_t)load_int(c, ptr, 2)); return;
    case CT_S32: *out = hive_cval_sint(HIVE_C_S32, (int32_t)load_int(c, ptr, 4)); return;
    case CT_S64: *out = hive_cval_sint(HIVE_C_S64, (int64_t)load_int(c, ptr, 8)); return;
    case CT_F32: *out = hive_cval_f32(f32_from_bits((uint32_t)load_int(c, ptr, 4))); return;
    case CT_F64: *out = hive_cval_f64(f64_from_bits(load_int(c, ptr, 8))); return;
    case CT_CHAR: *out = hive_cval_char(to_char(c, (uint32_t)load_int(c, ptr, 4))); return;
    case CT_STRING:
        lift_string(c, (uint32_t)load_int(c, ptr, 4), (uint32_t)load_int(c, ptr + 4, 4), out);
        return;
    case CT_LIST:
        if (t->n) {
            agg(c, out, HIVE_C_FIXED_LIST, t->n);
            for (uint32_t i = 0; i < t->n; i++) hv_abi_load(c, t->a, ptr + i * t->a->size, &out->of.agg.items[i]);
            return;
        }
        /* fallthrough */
    case CT_MAP:
        load_list_range(c, t, (uint32_t)load_int(c, ptr, 4), (uint32_t)load_int(c, ptr + 4, 4), out);
        return;
    case CT_RECORD: case CT_TUPLE: {
        agg(c, out, ckind(t), t->n);
        uint32_t p = ptr;
        for (uint32_t i = 0; i < t->n; i++) {
            p = align_to(p, t->types[i]->align);
            hv_abi_load(c, t->types[i], p, &out->of.agg.items[i]);
            p += t->types[i]->size;
        }
        return;
    }
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint32_t nc = hv_ct_ncases(t), ds = hv_ct_disc_size(nc);
        uint32_t idx = (uint32_t)load_int(c, ptr, ds);
        if (idx >= nc) hv_cx_trap(c, "invalid variant discriminant");
        const ct_type *ctp = hv_ct_case_type(t, idx);
        hive_cval pl;
        memset(&pl, 0, sizeof pl);
        if (ctp) {
            hv_abi_load(c, ctp, align_to(ptr + ds, hv_ct_case_align(t)), &pl);
            set_case(c, out, t, idx, &pl);
        } else {
            set_case(c, out, t, idx, NULL);
        }
        return;
    }
    case CT_FLAGS: {
        uint64_t b = load_int(c, ptr, flags_size(t->n));
        if (t->n < 64) b &= ((uint64_t)1 << t->n) - 1;
        *out = hive_cval_flags(b);
        return;
    }
    case CT_OWN: case CT_BORROW: lift_handle(c, t, (uint32_t)load_int(c, ptr, 4), out); return;
    case CT_STREAM: case CT_FUTURE: hv_casync_lift_end(c, t, (uint32_t)load_int(c, ptr, 4), out); return; /* async.c */
    default: hv_cx_trap(c, "%s values are not supported yet", hive_ckind_name(ckind(t)));
    }
}

static uint32_t store_list_range(cx *c, const ct_type *t, const hive_cval *v) {
    uint32_t esize, ealign, vo = 0;
    if (t->kind == CT_MAP) map_layout(t, &vo, &esize, &ealign);
    else { esize = t->a->size; ealign = t->a->align; }
    if (v->kind == HIVE_C_PACKED) { /* one copy; want_list checked the type */
        uint64_t pb = (uint64_t)v->of.packed.n * esize;
        if (pb > 0xffffffffu) hv_cx_fail(c, "list too long");
        uint32_t ptr = hv_abi_alloc(c, 0, 0, ealign, (uint32_t)pb, 1);
        if (pb) {
            uint8_t *dst = hv_abi_mem(c, ptr, (uint32_t)pb, "list content out-of-bounds");
            memcpy(dst, v->of.packed.data, (size_t)pb);
            hive_ckind pk = v->of.packed.elem;
            if (pk == HIVE_C_F32 || pk == HIVE_C_F64) canon_nans(dst, v->of.packed.n, pk);
        }
        return ptr;
    }
    uint64_t bytes = (uint64_t)v->of.agg.n * esize;
    if (bytes > 0xffffffffu) hv_cx_fail(c, "list too long");
    uint32_t ptr = hv_abi_alloc(c, 0, 0, ealign, (uint32_t)bytes, 1);
    for (size_t i = 0; i < v->of.agg.n; i++) {
        uint32_t p = ptr + (uint32_t)i * esize;
        const hive_cval *it = &v->of.agg.items[i];
        if (t->kind == CT_MAP) {
            if (it->kind != HIVE_C_TUPLE || it->of.agg.n != 2) hv_cx_fail(c, "map entry is not a pair");
            hv_abi_store(c, t->a, &it->of.agg.items[0], p);
            hv_abi_store(c, t->b, &it->of.agg.items[1], p + vo);
        } else {
            hv_abi_store(c, t->a, it, p);
        }
    }
    return ptr;
}

static int64_t sint(cx *c, const ct_type *t, const hive_cval *v, int bits) {
    want(c, t, v);
    int64_t x = v->of.s;
    if (bits < 64 && (x < -((int64_t)1 << (bits - 1)) || x >= ((int64_t)1 << (bits - 1))))
        hv_cx_fail(c, "integer out of range");
    return x;
}
static uint64_t uint_(cx *c, const ct_type *t, const hive_cval *v, int bits) {
    want(c, t, v);
    uint64_t x = v->of.u;
    if (bits < 64 && x >> bits) hv_cx_fail(c, "integer out of range");
    return x;
}

static uint32_t case_index(cx *c, const ct_type *t, const hive_cval *v, const hive_cval **payload) {
    want(c, t, v);
    uint32_t idx = v->of.var.index;
    if (idx >= hv_ct_ncases(t)) hv_cx_fail(c, "case index out of range");
    const ct_type *ctp = hv_ct_case_type(t, idx);
    *payload = t->kind == CT_ENUM ? NULL : v->of.var.payload;
    if (!ctp != !*payload) hv_cx_fail(c, "case payload does not match its type");
    return idx;
}

static void check_agg(cx *c, const ct_type *t, const hive_cval *v, size_t n) {
    want(c, t, v);
    if (v->of.agg.n != n) hv_cx_fail(c, "%zu members where %zu are expected", v->of.agg.n, n);
}

void hv_abi_store(cx *c, const ct_type *t, const hive_cval *v, uint32_t ptr) {
    switch (t->kind) {
    case CT_BOOL: want(c, t, v); store_int(c, ptr, 1, v->of.b ? 1 : 0); return;
    case CT_U8: store_int(c, ptr, 1, uint_(c, t, v, 8)); return;
    case CT_U16: store_int(c, ptr, 2, uint_(c, t, v, 16)); return;
    case CT_U32: store_int(c, ptr, 4, uint_(c, t, v, 32)); return;
    case CT_U64: store_int(c, ptr, 8, uint_(c, t, v, 64)); return;
    case CT_S8: store_int(c, ptr, 1, (uint64_t)sint(c, t, v, 8)); return;
    case CT_S16: store_int(c, ptr, 2, (uint64_t)sint(c, t, v, 16)); return;
    case CT_S32: store_int(c, ptr, 4, (uint64_t)sint(c, t, v, 32)); return;
    case CT_S64: store_int(c, ptr, 8, (uint64_t)sint(c, t, v, 64)); return;
    case CT_F32: want(c, t, v); store_int(c, ptr, 4, f32_bits(v->of.f32)); return;
    case CT_F64: want(c, t, v); store_int(c, ptr, 8, f64_bits(v->of.f64)); return;
    case CT_CHAR:
        want(c, t, v);
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xd800 && v->of.ch <= 0xdfff)) hv_cx_fail(c, "invalid char");
        store_int(c, ptr, 4, v->of.ch);
        return;
    case CT_STRING: {
        want(c, t, v);
        uint32_t p, l;
        lower_string(c, v, &p, &l);
        store_int(c, ptr, 4, p);
        store_int(c, ptr + 4, 4, l);
        return;
    }
    case CT_LIST:
        if (t->n) {
            check_agg(c, t, v, t->n);
            for (uint32_t i = 0; i < t->n; i++) hv_abi_store(c, t->a, &v->of.agg.items[i], ptr + i * t->a->size);
            return;
        }
        /* fallthrough */
    case CT_MAP: {
        uint32_t n = want_list(c, t, v);
        uint32_t p = store_list_range(c, t, v);
        store_int(c, ptr, 4, p);
        store_int(c, ptr + 4, 4, n);
        return;
    }
    case CT_RECORD: case CT_TUPLE: {
        check_agg(c, t, v, t->n);
        uint32_t p = ptr;
        for (uint32_t i = 0; i < t->n; i++) {
            p = align_to(p, t->types[i]->align);
            hv_abi_store(c, t->types[i], &v->of.agg.items[i], p);
            p += t->types[i]->size;
        }
        return;
    }
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        const hive_cval *pl;
        uint32_t idx = case_index(c, t, v, &pl);
        uint32_t ds = hv_ct_disc_size(hv_ct_ncases(t));
        store_int(c, ptr, ds, idx);
        if (pl) hv_abi_store(c, hv_ct_case_type(t, idx), pl, align_to(ptr + ds, hv_ct_case_align(t)));
        return;
    }
    case CT_FLAGS:
        want(c, t, v);
        if (t->n < 64 && v->of.flags >> t->n) hv_cx_fail(c, "flag bit out of range");
        store_int(c, ptr, flags_size(t->n), v->of.flags);
        return;
    case CT_OWN: case CT_BORROW: store_int(c, ptr, 4, lower_handle(c, t, v)); return;
    case CT_STREAM: case CT_FUTURE: store_int(c, ptr, 4, hv_casync_lower_end(c, t, v)); return; /* async.c */
    default: hv_cx_trap(c, "%s values are not supported yet", hive_ckind_name(ckind(t)));
    }
}

/* ---- flat ------------------------------------------------------------------------ */

static hive_val next(cx *c, const hive_val *vals, uint32_t n, uint32_t *i) {
    if (*i >= n) hv_cx_trap(c, "too few core values");
    return vals[(*i)++];
}

void hv_abi_lift_flat(cx *c, const ct_type *t, const hive_val *vals, uint32_t n, uint32_t *i, hive_cval *out) {
    switch (t->kind) {
    case CT_BOOL: *out = hive_cval_bool(next(c, vals, n, i).of.i32 != 0); return;
    case CT_U8: *out = hive_cval_uint(HIVE_C_U8, next(c, vals, n, i).of.i32 & 0xff); return;
    case CT_U16: *out = hive_cval_uint(HIVE_C_U16, next(c, vals, n, i).of.i32 & 0xffff); return;
    case CT_U32: *out = hive_cval_uint(HIVE_C_U32, next(c, vals, n, i).of.i32); return;
    case CT_U64: *out = hive_cval_uint(HIVE_C_U64, next(c, vals, n, i).of.i64); return;
    case CT_S8: *out = hive_cval_sint(HIVE_C_S8, (int8_t)next(c, vals, n, i).of.i32); return;
    case CT_S16: *out = hive_cval_sint(HIVE_C_S16, (int16_t)next(c, vals, n, i).of.i32); return;
    case CT_S32: *out = hive_cval_sint(HIVE_C_S32, (int32_t)next(c, vals, n, i).of.i32); return;
    case CT_S64: *out = hive_cval_sint(HIVE_C_S64, (int64_t)next(c, vals, n, i).of.i64); return;
    case CT_F32: *out = hive_cval_f32(f32_from_bits(next(c, vals, n, i).of.f32)); return;
    case CT_F64: *out = hive_cval_f64(f64_from_bits(next(c, vals, n, i).of.f64)); return;
    case CT_CHAR: *out = hive_cval_char(to_char(c, next(c, vals, n, i).of.i32)); return;
    case CT_STRING: {
        uint32_t p = next(c, vals, n, i).of.i32, l = next(c, vals, n, i).of.i32;
        lift_string(c, p, l, out);
        return;
    }
    case CT_LIST:
        if (t->n) {
            agg(c, out, HIVE_C_FIXED_LIST, t->n);
            for (uint32_t k = 0; k < t->n; k++) hv_abi_lift_flat(c, t->a, vals, n, i, &out->of.agg.items[k]);
            return;
        }
        /* fallthrough */
    case CT_MAP: {
        uint32_t p = next(c, vals, n, i).of.i32, l = next(c, vals, n, i).of.i32;
        load_list_range(c, t, p, l, out);
        return;
    }
    case CT_RECORD: case CT_TUPLE:
        agg(c, out, ckind(t), t->n);
        for (uint32_t k = 0; k < t->n; k++) hv_abi_lift_flat(c, t->types[k], vals, n, i, &out->of.agg.items[k]);
        return;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint8_t joined[FLAT_CAP];
        uint32_t nj = hv_ct_flatten(t, joined, FLAT_CAP);
        uint32_t idx = next(c, vals, n, i).of.i32;
        uint32_t nc = hv_ct_ncases(t);
        if (idx >= nc) hv_cx_trap(c, "invalid variant discriminant");
        const ct_type *ctp = hv_ct_case_type(t, idx);
        uint32_t base = *i;
        if (base + (nj - 1) > n) hv_cx_trap(c, "too few core values");
        if (!ctp) {
            set_case(c, out, t, idx, NULL);
        } else {
            uint8_t have[FLAT_CAP];
            uint32_t nh = hv_ct_flatten(ctp, have, FLAT_CAP);
            hive_val tmp[FLAT_CAP];
            for (uint32_t k = 0; k < nh && k < FLAT_CAP; k++) {
                hive_val x = vals[base + k];
                tmp[k].type = have[k];
                switch (have[k]) {
                case HIVE_I32: tmp[k].of.i32 = x.type == HIVE_I64 ? (uint32_t)x.of.i64 : x.of.i32; break;
                case HIVE_F32: tmp[k].of.f32 = x.type == HIVE_I64 ? (uint32_t)x.of.i64 : x.of.i32; break;
                case HIVE_I64: tmp[k].of.i64 = x.of.i64; break;
                case HIVE_F64: tmp[k].of.f64 = x.of.i64; break;
                }
            }
            uint32_t j = 0;
            hive_cval pl;
            memset(&pl, 0, sizeof pl);
            hv_abi_lift_flat(c, ctp, tmp, nh, &j, &pl);
            set_case(c, out, t, idx, &pl);
        }
        *i = base + (nj - 1);
        return;
    }
    case CT_FLAGS: {
        uint64_t b = next(c, vals, n, i).of.i32;
        if (t->n < 64) b &= ((uint64_t)1 << t->n) - 1;
        *out = hive_cval_flags(b);
        return;
    }
    case CT_OWN: case CT_BORROW: lift_handle(c, t, next(c, vals, n, i).of.i32, out); return;
    case CT_STREAM: case CT_FUTURE: hv_casync_lift_end(c, t, next(c, vals, n, i).of.i32, out); return; /* async.c */
    default: hv_cx_trap(c, "%s values are not supported yet", hive_ckind_name(ckind(t)));
    }
}

static void put(cx *c, hive_val *vals, uint32_t cap, uint32_t *i, uint8_t type, uint64_t bits) {
    if (*i >= cap) hv_cx_trap(c, "too many core values");
    vals[*i].type = type;
    if (type == HIVE_I64 || type == HIVE_F64) vals[*i].of.i64 = bits;
    else vals[*i].of.i32 = (uint32_t)bits;
    (*i)++;
}

void hv_abi_lower_flat(cx *c, const ct_type *t, const hive_cval *v, hive_val *vals, uint32_t cap, uint32_t *i) {
    switch (t->kind) {
    case CT_BOOL: want(c, t, v); put(c, vals, cap, i, HIVE_I32, v->of.b ? 1 : 0); return;
    case CT_U8: put(c, vals, cap, i, HIVE_I32, uint_(c, t, v, 8)); return;
    case CT_U16: put(c, vals, cap, i, HIVE_I32, uint_(c, t, v, 16)); return;
    case CT_U32: put(c, vals, cap, i, HIVE_I32, uint_(c, t, v, 32)); return;
    case CT_U64: put(c, vals, cap, i, HIVE_I64, uint_(c, t, v, 64)); return;
    case CT_S8: put(c, vals, cap, i, HIVE_I32, (uint32_t)sint(c, t, v, 8)); return;
    case CT_S16: put(c, vals, cap, i, HIVE_I32, (uint32_t)sint(c, t, v, 16)); return;
    case CT_S32: put(c, vals, cap, i, HIVE_I32, (uint32_t)sint(c, t, v, 32)); return;
    case CT_S64: put(c, vals, cap, i, HIVE_I64, (uint64_t)sint(c, t, v, 64)); return;
    case CT_F32: want(c, t, v); put(c, vals, cap, i, HIVE_F32, f32_bits(v->of.f32)); return;
    case CT_F64: want(c, t, v); put(c, vals, cap, i, HIVE_F64, f64_bits(v->of.f64)); return;
    case CT_CHAR:
        want(c, t, v);
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xd800 && v->of.ch <= 0xdfff)) hv_cx_fail(c, "invalid char");
        put(c, vals, cap, i, HIVE_I32, v->of.ch);
        return;
    case CT_STRING: {
        want(c, t, v);
        uint32_t p, l;
        lower_string(c, v, &p, &l);
        put(c, vals, cap, i, HIVE_I32, p);
        put(c, vals, cap, i, HIVE_I32, l);
        return;
    }
    case CT_LIST:
        if (t->n) {
            check_agg(c, t, v, t->n);
            for (uint32_t k = 0; k < t->n; k++) hv_abi_lower_flat(c, t->a, &v->of.agg.items[k], vals, cap, i);
            return;
        }
        /* fallthrough */
    case CT_MAP: {
        uint32_t n = want_list(c, t, v);
        uint32_t p = store_list_range(c, t, v);
        put(c, vals, cap, i, HIVE_I32, p);
        put(c, vals, cap, i, HIVE_I32, n);
        return;
    }
    case CT_RECORD: case CT_TUPLE:
        check_agg(c, t, v, t->n);
        for (uint32_t k = 0; k < t->n; k++) hv_abi_lower_flat(c, t->types[k], &v->of.agg.items[k], vals, cap, i);
        return;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        const hive_cval *pl;
        uint32_t idx = case_index(c, t, v, &pl);
        uint8_t joined[FLAT_CAP];
        uint32_t nj = hv_ct_flatten(t, joined, FLAT_CAP);
        put(c, vals, cap, i, HIVE_I32, idx);
        uint32_t base = *i;
        if (base + nj - 1 > cap) hv_cx_trap(c, "too many core values");
        uint32_t k = 0;
        if (pl) {
            const ct_type *ctp = hv_ct_case_type(t, idx);
            hive_val tmp[FLAT_CAP];
            uint32_t nh = 0;
            hv_abi_lower_flat(c, ctp, pl, tmp, FLAT_CAP, &nh);
            for (; k < nh; k++) {
                uint8_t w = joined[1 + k];
                uint64_t bits = (tmp[k].type == HIVE_I64 || tmp[k].type == HIVE_F64) ? tmp[k].of.i64 : tmp[k].of.i32;
                vals[base + k].type = w;
                if (w == HIVE_I64 || w == HIVE_F64) vals[base + k].of.i64 = bits;
                else vals[base + k].of.i32 = (uint32_t)bits;
            }
        }
        for (; k < nj - 1; k++) {
            vals[base + k].type = joined[1 + k];
            vals[base + k].of.i64 = 0;
        }
        *i = base + nj - 1;
        return;
    }
    case CT_FLAGS:
        want(c, t, v);
        if (t->n < 64 && v->of.flags >> t->n) hv_cx_fail(c, "flag bit out of range");
        put(c, vals, cap, i, HIVE_I32, v->of.flags);
        return;
    case CT_OWN: case CT_BORROW: put(c, vals, cap, i, HIVE_I32, lower_handle(c, t, v)); return;
    case CT_STREAM: case CT_FUTURE: put(c, vals, cap, i, HIVE_I32, hv_casync_lower_end(c, t, v)); return; /* async.c */
    default: hv_cx_trap(c, "%s values are not supported yet", hive_ckind_name(ckind(t)));
    }
}

/* ---- values (lift_flat_values / lower_flat_values) ----------------------------- */

static void tuple_layout(const ct_type *const *ts, uint32_t nt, uint32_t *size, uint32_t *align) {
    uint32_t s = 0, a = 1;
    for (uint32_t k = 0; k < nt; k++) {
        s = align_to(s, ts[k]->align) + ts[k]->size;
        if (ts[k]->align > a) a = ts[k]->align;
    }
    *size = align_to(s, a);
    *align = a;
}

void hv_abi_lift_values(cx *c, const ct_type *const *ts, uint32_t nt, uint32_t max_flat,
                     const hive_val *vals, uint32_t n, hive_cval *out) {
    uint32_t nflat = 0;
    for (uint32_t k = 0; k < nt; k++) nflat += ts[k]->nflat;
    uint32_t i = 0;
    if (nflat > max_flat) {
        uint32_t ptr = next(c, vals, n, &i).of.i32, size, align;
        tuple_layout(ts, nt, &size, &align);
        if (ptr % align) hv_cx_trap(c, "unaligned pointer");
        hv_abi_mem(c, ptr, size, "pointer out of bounds of memory");
        uint32_t p = ptr;
        for (uint32_t k = 0; k < nt; k++) {
            p = align_to(p, ts[k]->align);
            hv_abi_load(c, ts[k], p, &out[k]);
            p += ts[k]->size;
        }
        return;
    }
    for (uint32_t k = 0; k < nt; k++) hv_abi_lift_flat(c, ts[k], vals, n, &i, &out[k]);
}

uint32_t hv_abi_lower_values(cx *c, const ct_type *const *ts, uint32_t nt, uint32_t max_flat,
                          const hive_cval *vs, hive_val *out, int64_t out_ptr) {
    uint32_t nflat = 0;
    for (uint32_t k = 0; k < nt; k++) nflat += ts[k]->nflat;
    if (nflat > max_flat) {
        uint32_t size, align, ptr, nout = 0;
        tuple_layout(ts, nt, &size, &align);
        if (out_ptr < 0) {
            ptr = hv_abi_alloc(c, 0, 0, align, size, 1);
            out[0].type = HIVE_I32;
            out[0].of.i32 = ptr;
            nout = 1;
        } else {
            ptr = (uint32_t)out_ptr;
        }
        if (ptr % align) hv_cx_trap(c, "unaligned pointer");
        hv_abi_mem(c, ptr, size, "pointer out of bounds of memory");
        uint32_t p = ptr;
        for (uint32_t k = 0; k < nt; k++) {
            p = align_to(p, ts[k]->align);
            hv_abi_store(c, ts[k], &vs[k], p);
            p += ts[k]->size;
        }
        return nout;
    }
    uint32_t i = 0;
    for (uint32_t k = 0; k < nt; k++) hv_abi_lower_flat(c, ts[k], &vs[k], out, MAX_FLAT_PARAMS + 1, &i);
    return i;
}
