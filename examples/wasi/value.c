/*
 * value.c -- tl's heap: strings, lists, insertion-ordered maps,
 * environments, functions; interning; and a mark-and-sweep collector.
 *
 * Collection happens only at statement boundaries (eval.c checks
 * gc_pending), so C code between two statements may hold values in
 * locals freely as long as every value that lives across the evaluation
 * of a sub-expression is on the root stack (root_push) or in an active
 * frame (frame_push).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl.h"

#define GC_FIRST (1u << 20)

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "tl: out of memory\n");
        exit(3);
    }
    return p;
}

void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "tl: out of memory\n");
        exit(3);
    }
    return q;
}

static void *obj_alloc(VM *vm, size_t size, vtype t) {
    Obj *o = xmalloc(size);
    o->t = t;
    o->marked = 0;
    o->next = vm->objects;
    vm->objects = o;
    vm->bytes += size;
    if (vm->bytes > vm->next_gc) vm->gc_pending = 1;
    return o;
}

static uint32_t hash_bytes(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

Str *str_new(VM *vm, const char *s, size_t len) {
    Str *st = obj_alloc(vm, sizeof(Str) + len + 1, T_STR);
    st->len = len;
    if (len) memcpy(st->s, s, len);
    st->s[len] = '\0';
    st->hash = hash_bytes(st->s, len);
    return st;
}

/* Interned strings are allocated outside the collected list: they live as
 * long as the VM (the syntax tree points at them). */
Str *str_intern(VM *vm, const char *s, size_t len) {
    uint32_t h = hash_bytes(s, len);
    if (vm->nintern * 2 >= vm->intern_cap) {
        size_t cap = vm->intern_cap ? vm->intern_cap * 2 : 256;
        Str **t = xmalloc(cap * sizeof *t);
        memset(t, 0, cap * sizeof *t);
        for (size_t i = 0; i < vm->intern_cap; i++) {
            Str *x = vm->intern[i];
            if (!x) continue;
            size_t j = x->hash & (cap - 1);
            while (t[j]) j = (j + 1) & (cap - 1);
            t[j] = x;
        }
        free(vm->intern);
        vm->intern = t;
        vm->intern_cap = cap;
    }
    size_t j = h & (vm->intern_cap - 1);
    while (vm->intern[j]) {
        Str *x = vm->intern[j];
        if (x->hash == h && x->len == len && !memcmp(x->s, s, len)) return x;
        j = (j + 1) & (vm->intern_cap - 1);
    }
    Str *st = xmalloc(sizeof(Str) + len + 1);
    st->h.t = T_STR;
    st->h.marked = 1; /* never swept: not on the object list */
    st->h.next = NULL;
    st->len = len;
    if (len) memcpy(st->s, s, len);
    st->s[len] = '\0';
    st->hash = h;
    vm->intern[j] = st;
    vm->nintern++;
    return st;
}

List *list_new(VM *vm, size_t cap) {
    List *l = obj_alloc(vm, sizeof(List), T_LIST);
    l->n = 0;
    l->cap = cap;
    l->v = cap ? xmalloc(cap * sizeof(Value)) : NULL;
    return l;
}

void list_push(List *l, Value v) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = xrealloc(l->v, l->cap * sizeof(Value));
    }
    l->v[l->n++] = v;
}

Map *map_new(VM *vm) {
    Map *m = obj_alloc(vm, sizeof(Map), T_MAP);
    m->live = m->n = m->cap = m->icap = 0;
    m->e = NULL;
    m->idx = NULL;
    return m;
}

int value_equal(Value a, Value b) {
    if (a.t == T_INT && b.t == T_FLOAT) return (double)a.u.i == b.u.f;
    if (a.t == T_FLOAT && b.t == T_INT) return a.u.f == (double)b.u.i;
    if (a.t != b.t) return 0;
    switch (a.t) {
    case T_NIL: return 1;
    case T_BOOL: return a.u.b == b.u.b;
    case T_INT: return a.u.i == b.u.i;
    case T_FLOAT: return a.u.f == b.u.f;
    case T_STR: {
        Str *x = AS_STR(a), *y = AS_STR(b);
        return x == y || (x->hash == y->hash && x->len == y->len && !memcmp(x->s, y->s, x->len));
    }
    case T_LIST: {
        List *x = AS_LIST(a), *y = AS_LIST(b);
        if (x == y) return 1;
        if (x->n != y->n) return 0;
        for (size_t i = 0; i < x->n; i++)
            if (!value_equal(x->v[i], y->v[i])) return 0;
        return 1;
    }
    default: return a.u.o == b.u.o;
    }
}

uint32_t value_hash(Value v) {
    switch (v.t) {
    case T_NIL: return 1;
    case T_BOOL: return 2u + (uint32_t)v.u.b;
    case T_INT: return (uint32_t)((uint64_t)v.u.i * 0x9e3779b97f4a7c15ull >> 32);
    case T_FLOAT:
        if (v.u.f == (double)(int64_t)v.u.f) return value_hash(v_int((int64_t)v.u.f));
        {
            uint64_t bits;
            memcpy(&bits, &v.u.f, 8);
            return (uint32_t)(bits * 0x9e3779b97f4a7c15ull >> 32);
        }
    case T_STR: return AS_STR(v)->hash;
    default: return (uint32_t)((uintptr_t)v.u.o >> 4);
    }
}

static void map_reindex(Map *m, size_t icap) {
    /* Compact away removed entries, then rebuild the index. */
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->e[i].live) m->e[k++] = m->e[i];
    m->n = k;
    free(m->idx);
    m->idx = xmalloc(icap * sizeof *m->idx);
    for (size_t i = 0; i < icap; i++) m->idx[i] = -1;
    m->icap = icap;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = value_hash(m->e[i].k) & (icap - 1);
        while (m->idx[j] >= 0) j = (j + 1) & (icap - 1);
        m->idx[j] = (int32_t)i;
    }
}

/* The index slot for key k: where it is, or the empty slot ending its
 * probe sequence. */
static size_t map_slot(const Map *m, Value k) {
    size_t j = value_hash(k) & (m->icap - 1);
    for (;;) {
        int32_t x = m->idx[j];
        if (x < 0) return j;
        if (m->e[x].live && value_equal(m->e[x].k, k)) return j;
        j = (j + 1) & (m->icap - 1);
    }
}

Value *map_get(Map *m, Value k) {
    if (!m->icap) return NULL;
    int32_t x = m->idx[map_slot(m, k)];
    return x >= 0 ? &m->e[x].v : NULL;
}

void map_set(VM *vm, Map *m, Value k, Value v) {
    (void)vm;
    Value *p = map_get(m, k);
    if (p) {
        *p = v;
        return;
    }
    if ((m->n + 1) * 2 > m->icap) map_reindex(m, m->icap ? (m->live + 1) * 4 > m->icap ? m->icap * 2 : m->icap : 8);
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->e = xrealloc(m->e, m->cap * sizeof *m->e);
    }
    size_t j = map_slot(m, k);
    m->e[m->n].k = k;
    m->e[m->n].v = v;
    m->e[m->n].live = 1;
    m->idx[j] = (int32_t)m->n;
    m->n++;
    m->live++;
}

/* Removed entries stay in the probe chains (live = 0) until the next
 * reindex compacts them. */
int map_del(Map *m, Value k) {
    if (!m->icap) return 0;
    int32_t x = m->idx[map_slot(m, k)];
    if (x < 0) return 0;
    m->e[x].live = 0;
    m->e[x].k = v_nil();
    m->e[x].v = v_nil();
    m->live--;
    return 1;
}

Env *env_new(VM *vm, Env *parent) {
    Env *e = obj_alloc(vm, sizeof(Env), T_ENV);
    e->parent = parent;
    e->n = e->cap = 0;
    e->names = NULL;
    e->vals = NULL;
    return e;
}

void env_define(Env *e, Str *name, Value v) {
    for (size_t i = 0; i < e->n; i++)
        if (e->names[i] == name) {
            e->vals[i] = v;
            return;
        }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->names = xrealloc(e->names, e->cap * sizeof *e->names);
        e->vals = xrealloc(e->vals, e->cap * sizeof *e->vals);
    }
    e->names[e->n] = name;
    e->vals[e->n++] = v;
}

Value *env_find(Env *e, Str *name) {
    for (; e; e = e->parent)
        for (size_t i = e->n; i-- > 0;)
            if (e->names[i] == name) return &e->vals[i];
    return NULL;
}

Func *func_new(VM *vm, Node *def, Env *env) {
    Func *f = obj_alloc(vm, sizeof(Func), T_FUNC);
    f->def = def;
    f->env = env;
    return f;
}

Native *native_new(VM *vm, const char *name, native_fn fn, int min, int max) {
    Native *n = obj_alloc(vm, sizeof(Native), T_NATIVE);
    n->name = name;
    n->fn = fn;
    n->min_args = min;
    n->max_args = max;
    return n;
}

int value_truthy(Value v) {
    switch (v.t) {
    case T_NIL: return 0;
    case T_BOOL: return v.u.b;
    case T_INT: return v.u.i != 0;
    case T_FLOAT: return v.u.f != 0;
    case T_STR: return AS_STR(v)->len != 0;
    case T_LIST: return AS_LIST(v)->n != 0;
    case T_MAP: return AS_MAP(v)->live != 0;
    default: return 1;
    }
}

const char *type_name(Value v) {
    static const char *const names[] = {"nil", "bool", "int", "float", "string",
                                        "list", "map", "function", "function", "env"};
    return names[v.t];
}

/* ---- roots ------------------------------------------------------------------ */

void root_push(VM *vm, Value v) {
    if (vm->nroots == vm->roots_cap) {
        vm->roots_cap = vm->roots_cap ? vm->roots_cap * 2 : 256;
        vm->roots = xrealloc(vm->roots, vm->roots_cap * sizeof *vm->roots);
    }
    vm->roots[vm->nroots++] = v;
}

void root_pop(VM *vm, size_t n) { vm->nroots -= n; }

void frame_push(VM *vm, Env *e) {
    if (vm->nframes == vm->frames_cap) {
        vm->frames_cap = vm->frames_cap ? vm->frames_cap * 2 : 64;
        vm->frames = xrealloc(vm->frames, vm->frames_cap * sizeof *vm->frames);
    }
    vm->frames[vm->nframes++] = e;
}

void frame_pop(VM *vm) { vm->nframes--; }

/* ---- the collector ------------------------------------------------------------- */

/* Marks with an explicit stack (deep lists must not recurse in C). */
typedef struct MarkStack {
    Obj **v;
    size_t n, cap;
} MarkStack;

static void mark_obj(MarkStack *ms, Obj *o) {
    if (!o || o->marked) return;
    o->marked = 1;
    if (ms->n == ms->cap) {
        ms->cap = ms->cap ? ms->cap * 2 : 256;
        ms->v = xrealloc(ms->v, ms->cap * sizeof *ms->v);
    }
    ms->v[ms->n++] = o;
}

static void mark_value(MarkStack *ms, Value v) {
    if (v.t >= T_STR) mark_obj(ms, v.u.o);
}

static void trace(MarkStack *ms, Obj *o) {
    switch (o->t) {
    case T_LIST: {
        List *l = (List *)o;
        for (size_t i = 0; i < l->n; i++) mark_value(ms, l->v[i]);
        break;
    }
    case T_MAP: {
        Map *m = (Map *)o;
        for (size_t i = 0; i < m->n; i++)
            if (m->e[i].live) {
                mark_value(ms, m->e[i].k);
                mark_value(ms, m->e[i].v);
            }
        break;
    }
    case T_ENV: {
        Env *e = (Env *)o;
        mark_obj(ms, (Obj *)e->parent);
        for (size_t i = 0; i < e->n; i++) mark_value(ms, e->vals[i]);
        break;
    }
    case T_FUNC: mark_obj(ms, (Obj *)((Func *)o)->env); break;
    default: break;
    }
}

static void obj_free(Obj *o) {
    switch (o->t) {
    case T_LIST: free(((List *)o)->v); break;
    case T_MAP:
        free(((Map *)o)->e);
        free(((Map *)o)->idx);
        break;
    case T_ENV:
        free(((Env *)o)->names);
        free(((Env *)o)->vals);
        break;
    default: break;
    }
    free(o);
}

static size_t obj_size(const Obj *o) {
    switch (o->t) {
    case T_STR: return sizeof(Str) + ((const Str *)o)->len + 1;
    case T_LIST: return sizeof(List);
    case T_MAP: return sizeof(Map);
    case T_ENV: return sizeof(Env);
    case T_FUNC: return sizeof(Func);
    default: return sizeof(Native);
    }
}

void gc_collect(VM *vm) {
    MarkStack ms = {NULL, 0, 0};
    mark_obj(&ms, (Obj *)vm->globals);
    mark_value(&ms, vm->script_args);
    for (size_t i = 0; i < vm->nroots; i++) mark_value(&ms, vm->roots[i]);
    for (size_t i = 0; i < vm->nframes; i++) mark_obj(&ms, (Obj *)vm->frames[i]);
    while (ms.n) trace(&ms, ms.v[--ms.n]);
    free(ms.v);
    Obj **p = &vm->objects;
    size_t live = 0;
    while (*p) {
        Obj *o = *p;
        if (o->marked) {
            o->marked = 0;
            live += obj_size(o);
            p = &o->next;
        } else {
            *p = o->next;
            obj_free(o);
        }
    }
    vm->bytes = live;
    vm->next_gc = vm->gc_stress ? 0 : live * 2 > GC_FIRST ? live * 2 : GC_FIRST;
    vm->gc_pending = 0;
    vm->collections++;
}

void vm_init(VM *vm) {
    memset(vm, 0, sizeof *vm);
    vm->next_gc = GC_FIRST;
    vm->script_args = v_nil();
    vm->globals = env_new(vm, NULL);
}

void vm_free(VM *vm) {
    Obj *o = vm->objects;
    while (o) {
        Obj *next = o->next;
        obj_free(o);
        o = next;
    }
    for (size_t i = 0; i < vm->intern_cap; i++) free(vm->intern[i]);
    free(vm->intern);
    free(vm->roots);
    free(vm->frames);
}
