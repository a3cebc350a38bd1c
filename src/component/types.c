/*
 * types.c -- component types: canonical ABI sizes, alignments and
 * flattening (CanonicalABI.md "Alignment", "Element Size", "Flattening"),
 * structural equality, and the arena they live in.
 */
#include <stdlib.h>
#include <string.h>

#include "component/internal.h"

/* ---- arena ------------------------------------------------------------- */

struct arena_block {
    arena_block *next;
    size_t size;
    max_align_t data[];
};

void *hv_arena_alloc(arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->used + n > a->cap) {
        size_t cap = n > 16384 ? n : 16384;
        arena_block *b = a->al ? hv_malloc(a->al, sizeof *b + cap) : malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = a->head;
        b->size = cap;
        a->head = b;
        a->used = 0;
        a->cap = cap;
    }
    void *p = (char *)a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

void hv_arena_free(arena *a) {
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        if (a->al) hv_free(a->al, b);
        else free(b);
        b = next;
    }
    a->head = NULL;
    a->used = a->cap = 0;
}

/* ---- ABI --------------------------------------------------------------- */

int hv_ct_is_value(const ct_type *t) { return t && t->kind >= CT_BOOL && t->kind <= CT_MAP; }

uint32_t hv_ct_disc_size(uint32_t n) {
    if (n <= 256) return 1;
    if (n <= 65536) return 2;
    return 4;
}

uint32_t hv_ct_ncases(const ct_type *t) {
    switch (t->kind) {
    case CT_VARIANT: case CT_ENUM: return t->n;
    case CT_OPTION: case CT_RESULT: return 2;
    default: return 0;
    }
}

const ct_type *hv_ct_case_type(const ct_type *t, uint32_t i) {
    switch (t->kind) {
    case CT_VARIANT: return t->types[i];
    case CT_OPTION: return i == 1 ? t->a : NULL;
    case CT_RESULT: return i == 0 ? t->a : t->b;
    default: return NULL;
    }
}

uint32_t hv_ct_case_align(const ct_type *t) {
    uint32_t a = 1, n = hv_ct_ncases(t);
    for (uint32_t i = 0; i < n; i++) {
        const ct_type *c = hv_ct_case_type(t, i);
        if (c && c->align > a) a = c->align;
    }
    return a;
}

static uint32_t align_to(uint64_t x, uint32_t a) { return (uint32_t)((x + a - 1) / a * a); }

static uint8_t join(uint8_t a, uint8_t b) {
    if (a == b) return a;
    if ((a == HIVE_I32 && b == HIVE_F32) || (a == HIVE_F32 && b == HIVE_I32)) return HIVE_I32;
    return HIVE_I64;
}

/* Writes the flattening of t at out[*n...] (up to cap), counting all. */
static void flat_into(const ct_type *t, uint8_t *out, uint32_t cap, uint32_t *n) {
#define PUT(v) do { if (*n < cap) out[*n] = (v); (*n)++; } while (0)
    switch (t->kind) {
    case CT_S64: case CT_U64: PUT(HIVE_I64); return;
    case CT_F32: PUT(HIVE_F32); return;
    case CT_F64: PUT(HIVE_F64); return;
    case CT_STRING: PUT(HIVE_I32); PUT(HIVE_I32); return;
    case CT_LIST: case CT_MAP:
        if (t->kind == CT_LIST && t->n) {
            for (uint32_t i = 0; i < t->n && *n <= cap; i++) flat_into(t->a, out, cap, n);
            if (*n > cap) *n = cap + 1;
            return;
        }
        PUT(HIVE_I32); PUT(HIVE_I32); return;
    case CT_RECORD: case CT_TUPLE:
        for (uint32_t i = 0; i < t->n; i++) flat_into(t->types[i], out, cap, n);
        return;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        PUT(HIVE_I32);
        uint32_t base = *n, len = 0, nc = hv_ct_ncases(t);
        uint8_t tmp[FLAT_CAP];
        for (uint32_t i = 0; i < nc; i++) {
            const ct_type *c = hv_ct_case_type(t, i);
            if (!c) continue;
            uint32_t k = 0;
            flat_into(c, tmp, FLAT_CAP, &k);
            for (uint32_t j = 0; j < k && j < FLAT_CAP; j++) {
                if (j < len) {
                    if (base + j < cap) out[base + j] = join(out[base + j], tmp[j]);
                } else {
                    if (base + j < cap) out[base + j] = tmp[j];
                }
            }
            if (k > len) len = k;
        }
        *n = base + len;
        return;
    }
    default: PUT(HIVE_I32); return;
    }
#undef PUT
}

uint32_t hv_ct_flatten(const ct_type *t, uint8_t *out, uint32_t cap) {
    if (t->flat_kept && cap == FLAT_CAP) {
        memcpy(out, t->flat, t->flat_n < FLAT_CAP ? t->flat_n : FLAT_CAP);
        return t->flat_n;
    }
    uint32_t n = 0;
    flat_into(t, out, cap, &n);
    return n;
}

void hv_ct_compute_abi(ct_type *t) {
    uint64_t s = 0;
    uint32_t a = 1;
    int hb = 0, hr = 0;
    switch (t->kind) {
    case CT_BOOL: case CT_S8: case CT_U8: s = a = 1; break;
    case CT_S16: case CT_U16: s = a = 2; break;
    case CT_S32: case CT_U32: case CT_F32: case CT_CHAR: case CT_ERRCTX: s = a = 4; break;
    case CT_STREAM: case CT_FUTURE:
        s = a = 4;
        if (t->a) { hb = t->a->has_borrow; hr = t->a->has_res; }
        break;
    case CT_OWN: s = a = 4; hr = 1; break;
    case CT_BORROW: s = a = 4; hr = hb = 1; break;
    case CT_S64: case CT_U64: case CT_F64: s = a = 8; break;
    case CT_STRING: s = 8; a = 4; break;
    case CT_LIST:
        if (t->n) { a = t->a->align; s = (uint64_t)t->n * t->a->size; }
        else { s = 8; a = 4; }
        hb = t->a->has_borrow; hr = t->a->has_res;
        break;
    case CT_MAP:
        s = 8; a = 4;
        hb = t->a->has_borrow || t->b->has_borrow;
        hr = t->a->has_res || t->b->has_res;
        break;
    case CT_RECORD: case CT_TUPLE:
        for (uint32_t i = 0; i < t->n; i++) {
            const ct_type *f = t->types[i];
            s = align_to(s, f->align) + (uint64_t)f->size;
            if (f->align > a) a = f->align;
            hb |= f->has_borrow; hr |= f->has_res;
            if (s > 0xffffffffu) s = 0xffffffffu;
        }
        s = align_to(s, a);
        break;
    case CT_FLAGS: s = a = t->n <= 8 ? 1 : t->n <= 16 ? 2 : 4; break;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint32_t nc = hv_ct_ncases(t), ds = hv_ct_disc_size(nc), ca = 1;
        uint64_t cs = 0;
        for (uint32_t i = 0; i < nc; i++) {
            const ct_type *c = hv_ct_case_type(t, i);
            if (!c) continue;
            if (c->align > ca) ca = c->align;
            if (c->size > cs) cs = c->size;
            hb |= c->has_borrow; hr |= c->has_res;
        }
        a = ds > ca ? ds : ca;
        s = align_to(align_to(ds, ca) + cs, a);
        break;
    }
    default: break;
    }
    if (s > 0xffffffffu) s = 0xffffffffu;
    uint32_t dep = 0;
    if (t->a && t->a->depth > dep) dep = t->a->depth;
    if (t->b && t->b->depth > dep) dep = t->b->depth;
    if (t->types)
        for (uint32_t i = 0; i < t->n; i++)
            if (t->types[i] && t->types[i]->depth > dep) dep = t->types[i]->depth;
    t->depth = dep + 1;
    t->size = (uint32_t)s;
    t->align = a;
    t->has_borrow = hb;
    t->has_res = hr;
    t->flat_kept = 0;
    uint32_t fn = hv_ct_value_kind_ok(t) ? hv_ct_flatten(t, t->flat, FLAT_CAP) : 0;
    t->nflat = fn > FLAT_CAP ? FLAT_CAP : fn;
    t->flat_n = fn;
    t->flat_kept = hv_ct_value_kind_ok(t) ? 1 : 0;
}

int hv_ct_value_kind_ok(const ct_type *t) { return hv_ct_is_value(t); }

/* ---- equality ---------------------------------------------------------- */

static int streq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

int hv_ct_eq(const ct_type *a, const ct_type *b, const rid_map *m) {
    if (a == b && (!m || !m->n)) return 1;
    if (!a || !b) return a == b;
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case CT_OWN: case CT_BORROW: case CT_RESOURCE:
        return hv_rid_lookup(m, a->rid) == b->rid;
    case CT_LIST: return a->n == b->n && hv_ct_eq(a->a, b->a, m);
    case CT_OPTION: case CT_STREAM: case CT_FUTURE: case CT_RESULT: case CT_MAP:
        return hv_ct_eq(a->a, b->a, m) && hv_ct_eq(a->b, b->b, m);
    case CT_RECORD: case CT_VARIANT: case CT_TUPLE: case CT_FLAGS: case CT_ENUM:
        if (a->n != b->n) return 0;
        for (uint32_t i = 0; i < a->n; i++) {
            if (a->labels && !streq(a->labels[i], b->labels[i])) return 0;
            if (a->types && !hv_ct_eq(a->types[i], b->types[i], m)) return 0;
        }
        return 1;
    case CT_FUNC:
        if (a->n != b->n || a->async_ != b->async_) return 0;
        for (uint32_t i = 0; i < a->n; i++)
            if (!streq(a->labels[i], b->labels[i]) || !hv_ct_eq(a->types[i], b->types[i], m)) return 0;
        return hv_ct_eq(a->a, b->a, m);
    case CT_CORE_FUNC:
        return a->np == b->np && a->nr == b->nr && !memcmp(a->p, b->p, a->np) &&
               !memcmp(a->r, b->r, a->nr);
    default: return 1;
    }
}

uint32_t hv_rid_lookup(const rid_map *m, uint32_t rid) {
    if (m)
        for (uint32_t i = 0; i < m->n; i++)
            if (m->from[i] == rid) return m->to[i];
    return rid;
}
