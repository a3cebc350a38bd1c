/*
 * lib.c -- tl's built-in functions and the text form of values.
 *
 * Output goes through stdio; files through fopen/opendir (so under WASI
 * they are path_open, fd_read, fd_readdir, ... on the preopened
 * directories). Every function checks its argument types and reports a
 * run-time error naming itself.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl.h"

int tl_compare(VM *vm, Value a, Value b, int line);

/* ---- text form ---------------------------------------------------------------- */

void buf_put(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void buf_puts(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* The shortest %g form that reads back as the same double, with ".0"
 * added when it would look like an int. */
static void format_float(Buf *b, double f) {
    char tmp[64];
    if (isnan(f)) {
        buf_puts(b, "nan");
        return;
    }
    if (isinf(f)) {
        buf_puts(b, f < 0 ? "-inf" : "inf");
        return;
    }
    if (f == floor(f) && fabs(f) < 1e15) {
        snprintf(tmp, sizeof tmp, "%.1f", f); /* 1000.0 rather than 1e+03 */
        buf_puts(b, tmp);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, f);
        if (strtod(tmp, NULL) == f) break;
    }
    buf_puts(b, tmp);
    if (!strpbrk(tmp, ".e")) buf_puts(b, ".0");
}

static void format_depth(Buf *b, Value v, int repr, int depth) {
    char tmp[64];
    if (depth > 40) {
        buf_puts(b, "...");
        return;
    }
    switch (v.t) {
    case T_NIL: buf_puts(b, "nil"); break;
    case T_BOOL: buf_puts(b, v.u.b ? "true" : "false"); break;
    case T_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)v.u.i);
        buf_puts(b, tmp);
        break;
    case T_FLOAT: format_float(b, v.u.f); break;
    case T_STR:
        if (!repr) {
            buf_put(b, AS_STR(v)->s, AS_STR(v)->len);
            break;
        }
        buf_put(b, "\"", 1);
        for (size_t i = 0; i < AS_STR(v)->len; i++) {
            unsigned char c = (unsigned char)AS_STR(v)->s[i];
            if (c == '"' || c == '\\') {
                char e[2] = {'\\', (char)c};
                buf_put(b, e, 2);
            } else if (c == '\n') {
                buf_puts(b, "\\n");
            } else if (c == '\t') {
                buf_puts(b, "\\t");
            } else if (c < 32 || c == 127) {
                snprintf(tmp, sizeof tmp, "\\x%02x", c);
                buf_puts(b, tmp);
            } else {
                buf_put(b, (const char *)&c, 1);
            }
        }
        buf_put(b, "\"", 1);
        break;
    case T_LIST: {
        List *l = AS_LIST(v);
        buf_put(b, "[", 1);
        for (size_t i = 0; i < l->n; i++) {
            if (i) buf_puts(b, ", ");
            format_depth(b, l->v[i], 1, depth + 1);
        }
        buf_put(b, "]", 1);
        break;
    }
    case T_MAP: {
        Map *m = AS_MAP(v);
        buf_put(b, "{", 1);
        int first = 1;
        for (size_t i = 0; i < m->n; i++) {
            if (!m->e[i].live) continue;
            if (!first) buf_puts(b, ", ");
            first = 0;
            format_depth(b, m->e[i].k, 1, depth + 1);
            buf_puts(b, ": ");
            format_depth(b, m->e[i].v, 1, depth + 1);
        }
        buf_put(b, "}", 1);
        break;
    }
    case T_FUNC: {
        Node *d = AS_FUNC(v)->def;
        snprintf(tmp, sizeof tmp, "<fn %s>", d->name ? d->name->s : "anonymous");
        buf_puts(b, tmp);
        break;
    }
    case T_NATIVE:
        snprintf(tmp, sizeof tmp, "<builtin %s>", AS_NATIVE(v)->name);
        buf_puts(b, tmp);
        break;
    default: buf_puts(b, "<env>"); break;
    }
}

void value_format(Buf *b, Value v, int repr) { format_depth(b, v, repr, 0); }

static Value str_value(VM *vm, const char *s, size_t n) { return v_obj(str_new(vm, s, n)); }

static Value format_value(VM *vm, Value v, int repr) {
    Buf b = {NULL, 0, 0};
    value_format(&b, v, repr);
    Value r = str_value(vm, b.p ? b.p : "", b.n);
    free(b.p);
    return r;
}

/* ---- argument checks -------------------------------------------------------------- */

static void need(VM *vm, Value v, vtype t, const char *fn, int line) {
    if (v.t != t && !(t == T_FUNC && v.t == T_NATIVE))
        tl_error(vm, line, "%s() wants a %s, not a %s", fn,
                 type_name((Value){t, {0}}), type_name(v));
}

static int64_t need_int(VM *vm, Value v, const char *fn, int line) {
    if (v.t == T_FLOAT && v.u.f == floor(v.u.f) && fabs(v.u.f) < 9e18) return (int64_t)v.u.f;
    need(vm, v, T_INT, fn, line);
    return v.u.i;
}

static double need_num(VM *vm, Value v, const char *fn, int line) {
    if (v.t == T_INT) return (double)v.u.i;
    need(vm, v, T_FLOAT, fn, line);
    return v.u.f;
}

#define NATIVE(name) static Value nat_##name(VM *vm, int argc, Value *argv, int line)
#define UNUSED (void)vm, (void)argc, (void)argv, (void)line

/* ---- output and input --------------------------------------------------------------- */

static void write_values(int argc, Value *argv, const char *end) {
    Buf b = {NULL, 0, 0};
    for (int i = 0; i < argc; i++) {
        if (i) buf_put(&b, " ", 1);
        value_format(&b, argv[i], 0);
    }
    buf_puts(&b, end);
    fwrite(b.p, 1, b.n, stdout);
    free(b.p);
}

NATIVE(print) {
    UNUSED;
    write_values(argc, argv, "\n");
    return v_nil();
}

NATIVE(write) {
    UNUSED;
    write_values(argc, argv, "");
    return v_nil();
}

NATIVE(read_line) {
    UNUSED;
    Buf b = {NULL, 0, 0};
    int c;
    while ((c = getchar()) != EOF) {
        char ch = (char)c;
        if (ch == '\n') break;
        buf_put(&b, &ch, 1);
    }
    if (c == EOF && b.n == 0) {
        free(b.p);
        return v_nil();
    }
    Value r = str_value(vm, b.p ? b.p : "", b.n);
    free(b.p);
    return r;
}

/* Reads a whole stream; NULL on error. */
static char *slurp(FILE *f, size_t *len) {
    Buf b = {NULL, 0, 0};
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_put(&b, tmp, n);
    if (ferror(f)) {
        free(b.p);
        return NULL;
    }
    if (!b.p) buf_put(&b, "", 0);
    *len = b.n;
    return b.p;
}

NATIVE(read_file) {
    UNUSED;
    need(vm, argv[0], T_STR, "read_file", line);
    FILE *f = fopen(AS_STR(argv[0])->s, "rb");
    if (!f) return v_nil();
    size_t n;
    char *s = slurp(f, &n);
    fclose(f);
    if (!s) return v_nil();
    Value r = str_value(vm, s, n);
    free(s);
    return r;
}

static Value put_file(VM *vm, Value *argv, int line, const char *mode, const char *fn) {
    need(vm, argv[0], T_STR, fn, line);
    need(vm, argv[1], T_STR, fn, line);
    FILE *f = fopen(AS_STR(argv[0])->s, mode);
    if (!f) return v_bool(0);
    size_t n = fwrite(AS_STR(argv[1])->s, 1, AS_STR(argv[1])->len, f);
    int ok = fclose(f) == 0 && n == AS_STR(argv[1])->len;
    return v_bool(ok);
}

NATIVE(write_file) { UNUSED; return put_file(vm, argv, line, "wb", "write_file"); }
NATIVE(append_file) { UNUSED; return put_file(vm, argv, line, "ab", "append_file"); }

NATIVE(remove_file) {
    UNUSED;
    need(vm, argv[0], T_STR, "remove_file", line);
    return v_bool(remove(AS_STR(argv[0])->s) == 0);
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted, without "." and "..". */
NATIVE(list_dir) {
    UNUSED;
    need(vm, argv[0], T_STR, "list_dir", line);
    DIR *d = opendir(AS_STR(argv[0])->s);
    if (!d) return v_nil();
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (n == cap) names = xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
        size_t l = strlen(de->d_name);
        names[n] = xmalloc(l + 1);
        memcpy(names[n++], de->d_name, l + 1);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    List *l = list_new(vm, n);
    root_push(vm, v_obj(l));
    for (size_t i = 0; i < n; i++) {
        list_push(l, str_value(vm, names[i], strlen(names[i])));
        free(names[i]);
    }
    free(names);
    root_pop(vm, 1);
    return v_obj(l);
}

/* ---- types and conversions ---------------------------------------------------------- */

NATIVE(type) { UNUSED; return v_obj(str_intern(vm, type_name(argv[0]), strlen(type_name(argv[0])))); }
NATIVE(str) { UNUSED; return argv[0].t == T_STR ? argv[0] : format_value(vm, argv[0], 0); }
NATIVE(repr) { UNUSED; return format_value(vm, argv[0], 1); }

NATIVE(int) {
    UNUSED;
    Value v = argv[0];
    switch (v.t) {
    case T_INT: return v;
    case T_BOOL: return v_int(v.u.b);
    case T_FLOAT:
        if (isnan(v.u.f) || fabs(v.u.f) >= 9.2e18) tl_error(vm, line, "int() of %g", v.u.f);
        return v_int((int64_t)v.u.f);
    case T_STR: {
        char *end;
        errno = 0;
        long long x = strtoll(AS_STR(v)->s, &end, 0);
        if (errno || end == AS_STR(v)->s || *end) return v_nil();
        return v_int(x);
    }
    default: tl_error(vm, line, "int() of a %s", type_name(v));
    }
}

NATIVE(float) {
    UNUSED;
    Value v = argv[0];
    if (v.t == T_STR) {
        char *end;
        double d = strtod(AS_STR(v)->s, &end);
        if (end == AS_STR(v)->s || *end) return v_nil();
        return v_float(d);
    }
    return v_float(need_num(vm, v, "float", line));
}

/* ---- collections ---------------------------------------------------------------------- */

NATIVE(len) {
    UNUSED;
    switch (argv[0].t) {
    case T_STR: return v_int((int64_t)AS_STR(argv[0])->len);
    case T_LIST: return v_int((int64_t)AS_LIST(argv[0])->n);
    case T_MAP: return v_int((int64_t)AS_MAP(argv[0])->live);
    default: tl_error(vm, line, "len() of a %s", type_name(argv[0]));
    }
}

NATIVE(push) {
    UNUSED;
    need(vm, argv[0], T_LIST, "push", line);
    for (int i = 1; i < argc; i++) list_push(AS_LIST(argv[0]), argv[i]);
    return argv[0];
}

NATIVE(pop) {
    UNUSED;
    need(vm, argv[0], T_LIST, "pop", line);
    List *l = AS_LIST(argv[0]);
    if (!l->n) tl_error(vm, line, "pop() from an empty list");
    return l->v[--l->n];
}

NATIVE(insert) {
    UNUSED;
    need(vm, argv[0], T_LIST, "insert", line);
    List *l = AS_LIST(argv[0]);
    int64_t i = need_int(vm, argv[1], "insert", line);
    if (i < 0 || (uint64_t)i > l->n) tl_error(vm, line, "insert() position out of range");
    list_push(l, v_nil());
    memmove(l->v + i + 1, l->v + i, (l->n - 1 - (size_t)i) * sizeof(Value));
    l->v[i] = argv[2];
    return argv[0];
}

NATIVE(remove) {
    UNUSED;
    need(vm, argv[0], T_LIST, "remove", line);
    List *l = AS_LIST(argv[0]);
    int64_t i = need_int(vm, argv[1], "remove", line);
    if (i < 0) i += (int64_t)l->n;
    if (i < 0 || (uint64_t)i >= l->n) tl_error(vm, line, "remove() position out of range");
    Value v = l->v[i];
    memmove(l->v + i, l->v + i + 1, (l->n - 1 - (size_t)i) * sizeof(Value));
    l->n--;
    return v;
}

NATIVE(slice) {
    UNUSED;
    int64_t n;
    if (argv[0].t == T_STR) n = (int64_t)AS_STR(argv[0])->len;
    else {
        need(vm, argv[0], T_LIST, "slice", line);
        n = (int64_t)AS_LIST(argv[0])->n;
    }
    int64_t a = need_int(vm, argv[1], "slice", line);
    int64_t b = argc > 2 ? need_int(vm, argv[2], "slice", line) : n;
    if (a < 0) a += n;
    if (b < 0) b += n;
    if (a < 0) a = 0;
    if (b > n) b = n;
    if (b < a) b = a;
    if (argv[0].t == T_STR) return str_value(vm, AS_STR(argv[0])->s + a, (size_t)(b - a));
    List *r = list_new(vm, (size_t)(b - a));
    for (int64_t i = a; i < b; i++) list_push(r, AS_LIST(argv[0])->v[i]);
    return v_obj(r);
}

NATIVE(keys) {
    UNUSED;
    need(vm, argv[0], T_MAP, "keys", line);
    Map *m = AS_MAP(argv[0]);
    List *l = list_new(vm, m->live);
    for (size_t i = 0; i < m->n; i++)
        if (m->e[i].live) list_push(l, m->e[i].k);
    return v_obj(l);
}

NATIVE(values) {
    UNUSED;
    need(vm, argv[0], T_MAP, "values", line);
    Map *m = AS_MAP(argv[0]);
    List *l = list_new(vm, m->live);
    for (size_t i = 0; i < m->n; i++)
        if (m->e[i].live) list_push(l, m->e[i].v);
    return v_obj(l);
}

NATIVE(has) {
    UNUSED;
    if (argv[0].t == T_LIST) {
        List *l = AS_LIST(argv[0]);
        for (size_t i = 0; i < l->n; i++)
            if (value_equal(l->v[i], argv[1])) return v_bool(1);
        return v_bool(0);
    }
    need(vm, argv[0], T_MAP, "has", line);
    return v_bool(map_get(AS_MAP(argv[0]), argv[1]) != NULL);
}

NATIVE(del) {
    UNUSED;
    need(vm, argv[0], T_MAP, "del", line);
    return v_bool(map_del(AS_MAP(argv[0]), argv[1]));
}

NATIVE(range) {
    UNUSED;
    int64_t a = 0, b, step = 1;
    if (argc == 1) b = need_int(vm, argv[0], "range", line);
    else {
        a = need_int(vm, argv[0], "range", line);
        b = need_int(vm, argv[1], "range", line);
        if (argc > 2) step = need_int(vm, argv[2], "range", line);
    }
    if (step == 0) tl_error(vm, line, "range() step is zero");
    int64_t count = step > 0 ? (b > a ? (b - a + step - 1) / step : 0)
                             : (a > b ? (a - b - step - 1) / -step : 0);
    if (count > 100000000) tl_error(vm, line, "range() too long");
    List *l = list_new(vm, (size_t)count);
    for (int64_t i = 0; i < count; i++) list_push(l, v_int(a + i * step));
    return v_obj(l);
}

/* Stable merge sort with the language's ordering or a comparator that
 * returns a number (< 0, 0, > 0) or a bool ("a before b"). */
typedef struct SortCtx {
    VM *vm;
    Value cmp;
    int line;
} SortCtx;

static int sort_less(SortCtx *c, Value a, Value b) {
    if (c->cmp.t == T_NIL) return tl_compare(c->vm, a, b, c->line) < 0;
    Value args[2] = {a, b};
    Value r = call_value(c->vm, c->cmp, 2, args, c->line);
    if (r.t == T_BOOL) return r.u.b;
    if (r.t == T_INT) return r.u.i < 0;
    if (r.t == T_FLOAT) return r.u.f < 0;
    tl_error(c->vm, c->line, "sort() comparator returned a %s", type_name(r));
}

static void merge_sort(SortCtx *c, Value *v, Value *tmp, size_t n) {
    if (n < 2) return;
    size_t h = n / 2;
    merge_sort(c, v, tmp, h);
    merge_sort(c, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = sort_less(c, v[j], v[i]) ? v[j++] : v[i++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

NATIVE(sort) {
    UNUSED;
    need(vm, argv[0], T_LIST, "sort", line);
    List *src = AS_LIST(argv[0]);
    List *l = list_new(vm, src->n);
    for (size_t i = 0; i < src->n; i++) list_push(l, src->v[i]);
    root_push(vm, v_obj(l));
    SortCtx c = {vm, argc > 1 ? argv[1] : v_nil(), line};
    if (c.cmp.t != T_NIL) need(vm, c.cmp, T_FUNC, "sort", line);
    Value *tmp = xmalloc((l->n ? l->n : 1) * sizeof *tmp);
    merge_sort(&c, l->v, tmp, l->n);
    free(tmp);
    root_pop(vm, 1);
    return v_obj(l);
}

NATIVE(reverse) {
    UNUSED;
    if (argv[0].t == T_STR) {
        Str *s = AS_STR(argv[0]);
        char *b = xmalloc(s->len + 1);
        for (size_t i = 0; i < s->len; i++) b[i] = s->s[s->len - 1 - i];
        Value r = str_value(vm, b, s->len);
        free(b);
        return r;
    }
    need(vm, argv[0], T_LIST, "reverse", line);
    List *s = AS_LIST(argv[0]);
    List *l = list_new(vm, s->n);
    for (size_t i = s->n; i-- > 0;) list_push(l, s->v[i]);
    return v_obj(l);
}

NATIVE(map) {
    UNUSED;
    need(vm, argv[0], T_LIST, "map", line);
    need(vm, argv[1], T_FUNC, "map", line);
    List *src = AS_LIST(argv[0]);
    List *l = list_new(vm, src->n);
    root_push(vm, v_obj(l));
    for (size_t i = 0; i < src->n; i++) {
        Value x = src->v[i];
        list_push(l, call_value(vm, argv[1], 1, &x, line));
    }
    root_pop(vm, 1);
    return v_obj(l);
}

NATIVE(filter) {
    UNUSED;
    need(vm, argv[0], T_LIST, "filter", line);
    need(vm, argv[1], T_FUNC, "filter", line);
    List *src = AS_LIST(argv[0]);
    List *l = list_new(vm, 0);
    root_push(vm, v_obj(l));
    for (size_t i = 0; i < src->n; i++) {
        Value x = src->v[i];
        if (value_truthy(call_value(vm, argv[1], 1, &x, line))) list_push(l, x);
    }
    root_pop(vm, 1);
    return v_obj(l);
}

NATIVE(reduce) {
    UNUSED;
    need(vm, argv[0], T_LIST, "reduce", line);
    need(vm, argv[1], T_FUNC, "reduce", line);
    List *src = AS_LIST(argv[0]);
    Value acc = argv[2];
    for (size_t i = 0; i < src->n; i++) {
        root_push(vm, acc);
        Value a[2] = {acc, src->v[i]};
        acc = call_value(vm, argv[1], 2, a, line);
        root_pop(vm, 1);
    }
    return acc;
}

/* ---- strings ---------------------------------------------------------------------------- */

NATIVE(split) {
    UNUSED;
    need(vm, argv[0], T_STR, "split", line);
    Str *s = AS_STR(argv[0]);
    List *l = list_new(vm, 0);
    root_push(vm, v_obj(l));
    if (argc < 2) {
        /* on runs of white space */
        size_t i = 0;
        while (i < s->len) {
            while (i < s->len && strchr(" \t\r\n", s->s[i])) i++;
            size_t j = i;
            while (j < s->len && !strchr(" \t\r\n", s->s[j])) j++;
            if (j > i) list_push(l, str_value(vm, s->s + i, j - i));
            i = j;
        }
    } else {
        need(vm, argv[1], T_STR, "split", line);
        Str *sep = AS_STR(argv[1]);
        if (!sep->len) tl_error(vm, line, "split() with an empty separator");
        size_t i = 0;
        for (;;) {
            const char *hit = NULL;
            for (size_t k = i; k + sep->len <= s->len; k++)
                if (!memcmp(s->s + k, sep->s, sep->len)) {
                    hit = s->s + k;
                    break;
                }
            size_t end = hit ? (size_t)(hit - s->s) : s->len;
            list_push(l, str_value(vm, s->s + i, end - i));
            if (!hit) break;
            i = end + sep->len;
        }
    }
    root_pop(vm, 1);
    return v_obj(l);
}

NATIVE(join) {
    UNUSED;
    need(vm, argv[0], T_LIST, "join", line);
    const char *sep = "";
    size_t seplen = 0;
    if (argc > 1) {
        need(vm, argv[1], T_STR, "join", line);
        sep = AS_STR(argv[1])->s;
        seplen = AS_STR(argv[1])->len;
    }
    Buf b = {NULL, 0, 0};
    List *l = AS_LIST(argv[0]);
    for (size_t i = 0; i < l->n; i++) {
        if (i) buf_put(&b, sep, seplen);
        value_format(&b, l->v[i], 0);
    }
    Value r = str_value(vm, b.p ? b.p : "", b.n);
    free(b.p);
    return r;
}

static Value map_chars(VM *vm, Value v, int upper, int line) {
    need(vm, v, T_STR, upper ? "upper" : "lower", line);
    Str *s = AS_STR(v);
    char *b = xmalloc(s->len + 1);
    for (size_t i = 0; i < s->len; i++) {
        char c = s->s[i];
        if (upper && c >= 'a' && c <= 'z') c = (char)(c - 32);
        if (!upper && c >= 'A' && c <= 'Z') c = (char)(c + 32);
        b[i] = c;
    }
    Value r = str_value(vm, b, s->len);
    free(b);
    return r;
}

NATIVE(upper) { UNUSED; return map_chars(vm, argv[0], 1, line); }
NATIVE(lower) { UNUSED; return map_chars(vm, argv[0], 0, line); }

NATIVE(trim) {
    UNUSED;
    need(vm, argv[0], T_STR, "trim", line);
    Str *s = AS_STR(argv[0]);
    size_t a = 0, b = s->len;
    while (a < b && strchr(" \t\r\n", s->s[a])) a++;
    while (b > a && strchr(" \t\r\n", s->s[b - 1])) b--;
    return str_value(vm, s->s + a, b - a);
}

/* The first position of sub in s at or after start, or -1. */
static int64_t find_in(Str *s, Str *sub, size_t start) {
    if (sub->len == 0) return start <= s->len ? (int64_t)start : -1;
    for (size_t k = start; k + sub->len <= s->len; k++)
        if (!memcmp(s->s + k, sub->s, sub->len)) return (int64_t)k;
    return -1;
}

NATIVE(find) {
    UNUSED;
    need(vm, argv[0], T_STR, "find", line);
    need(vm, argv[1], T_STR, "find", line);
    int64_t start = argc > 2 ? need_int(vm, argv[2], "find", line) : 0;
    if (start < 0) start = 0;
    return v_int(find_in(AS_STR(argv[0]), AS_STR(argv[1]), (size_t)start));
}

NATIVE(replace) {
    UNUSED;
    for (int i = 0; i < 3; i++) need(vm, argv[i], T_STR, "replace", line);
    Str *s = AS_STR(argv[0]), *old = AS_STR(argv[1]), *new_ = AS_STR(argv[2]);
    if (!old->len) tl_error(vm, line, "replace() of an empty string");
    Buf b = {NULL, 0, 0};
    size_t i = 0;
    int64_t k;
    while ((k = find_in(s, old, i)) >= 0) {
        buf_put(&b, s->s + i, (size_t)k - i);
        buf_put(&b, new_->s, new_->len);
        i = (size_t)k + old->len;
    }
    buf_put(&b, s->s + i, s->len - i);
    Value r = str_value(vm, b.p, b.n);
    free(b.p);
    return r;
}

NATIVE(startswith) {
    UNUSED;
    need(vm, argv[0], T_STR, "startswith", line);
    need(vm, argv[1], T_STR, "startswith", line);
    Str *s = AS_STR(argv[0]), *p = AS_STR(argv[1]);
    return v_bool(p->len <= s->len && !memcmp(s->s, p->s, p->len));
}

NATIVE(endswith) {
    UNUSED;
    need(vm, argv[0], T_STR, "endswith", line);
    need(vm, argv[1], T_STR, "endswith", line);
    Str *s = AS_STR(argv[0]), *p = AS_STR(argv[1]);
    return v_bool(p->len <= s->len && !memcmp(s->s + s->len - p->len, p->s, p->len));
}

NATIVE(ord) {
    UNUSED;
    need(vm, argv[0], T_STR, "ord", line);
    if (AS_STR(argv[0])->len != 1) tl_error(vm, line, "ord() wants one character");
    return v_int((unsigned char)AS_STR(argv[0])->s[0]);
}

NATIVE(chr) {
    UNUSED;
    int64_t c = need_int(vm, argv[0], "chr", line);
    if (c < 0 || c > 255) tl_error(vm, line, "chr() of %lld", (long long)c);
    char ch = (char)c;
    return str_value(vm, &ch, 1);
}

/* pad(s, width): right-aligns (left-aligns with a negative width). */
NATIVE(pad) {
    UNUSED;
    Value sv = argv[0].t == T_STR ? argv[0] : format_value(vm, argv[0], 0);
    root_push(vm, sv);
    Str *s = AS_STR(sv);
    int64_t w = need_int(vm, argv[1], "pad", line);
    size_t aw = (size_t)(w < 0 ? -w : w);
    if (aw > 1000000) tl_error(vm, line, "pad() width too large");
    Value r = sv;
    if (s->len < aw) {
        char *b = xmalloc(aw);
        size_t fill = aw - s->len;
        if (w < 0) {
            memcpy(b, s->s, s->len);
            memset(b + s->len, ' ', fill);
        } else {
            memset(b, ' ', fill);
            memcpy(b + fill, s->s, s->len);
        }
        r = str_value(vm, b, aw);
        free(b);
    }
    root_pop(vm, 1);
    return r;
}

/* ---- numbers ------------------------------------------------------------------------------ */

NATIVE(abs) {
    UNUSED;
    if (argv[0].t == T_INT) return v_int(argv[0].u.i < 0 ? -argv[0].u.i : argv[0].u.i);
    return v_float(fabs(need_num(vm, argv[0], "abs", line)));
}

static Value extreme(VM *vm, int argc, Value *argv, int line, int want) {
    Value *v = argv;
    int n = argc;
    if (argc == 1 && argv[0].t == T_LIST) {
        v = AS_LIST(argv[0])->v;
        n = (int)AS_LIST(argv[0])->n;
    }
    if (!n) tl_error(vm, line, "%s() of nothing", want < 0 ? "min" : "max");
    Value best = v[0];
    for (int i = 1; i < n; i++)
        if (tl_compare(vm, v[i], best, line) == want) best = v[i];
    return best;
}

NATIVE(min) { UNUSED; return extreme(vm, argc, argv, line, -1); }
NATIVE(max) { UNUSED; return extreme(vm, argc, argv, line, 1); }
NATIVE(sqrt) { UNUSED; return v_float(sqrt(need_num(vm, argv[0], "sqrt", line))); }
NATIVE(floor) {
    UNUSED;
    if (argv[0].t == T_INT) return argv[0];
    double f = floor(need_num(vm, argv[0], "floor", line));
    if (fabs(f) < 9e18) return v_int((int64_t)f);
    return v_float(f);
}
NATIVE(pow) {
    UNUSED;
    if (argv[0].t == T_INT && argv[1].t == T_INT && argv[1].u.i >= 0) {
        uint64_t r = 1, b = (uint64_t)argv[0].u.i;
        for (int64_t e = argv[1].u.i; e > 0; e >>= 1, b *= b)
            if (e & 1) r *= b;
        return v_int((int64_t)r);
    }
    return v_float(pow(need_num(vm, argv[0], "pow", line), need_num(vm, argv[1], "pow", line)));
}

/* ---- program control ------------------------------------------------------------------------ */

NATIVE(exit) {
    UNUSED;
    fflush(stdout);
    exit(argc ? (int)need_int(vm, argv[0], "exit", line) : 0);
}

NATIVE(assert) {
    UNUSED;
    if (value_truthy(argv[0])) return v_nil();
    if (argc > 1) {
        Buf b = {NULL, 0, 0};
        value_format(&b, argv[1], 0);
        tl_error(vm, line, "assertion failed: %s", b.p ? b.p : "");
    }
    tl_error(vm, line, "assertion failed");
}

NATIVE(error) {
    UNUSED;
    Buf b = {NULL, 0, 0};
    value_format(&b, argv[0], 0);
    tl_error(vm, line, "%s", b.p ? b.p : "");
}

NATIVE(gc) {
    UNUSED;
    gc_collect(vm);
    return v_int((int64_t)vm->collections);
}

void lib_install(VM *vm) {
    static const struct {
        const char *name;
        native_fn fn;
        int min, max;
    } lib[] = {
        {"print", nat_print, 0, -1},       {"write", nat_write, 0, -1},
        {"read_line", nat_read_line, 0, 0}, {"read_file", nat_read_file, 1, 1},
        {"write_file", nat_write_file, 2, 2}, {"append_file", nat_append_file, 2, 2},
        {"remove_file", nat_remove_file, 1, 1}, {"list_dir", nat_list_dir, 1, 1},
        {"type", nat_type, 1, 1},          {"str", nat_str, 1, 1},
        {"repr", nat_repr, 1, 1},          {"int", nat_int, 1, 1},
        {"float", nat_float, 1, 1},        {"len", nat_len, 1, 1},
        {"push", nat_push, 2, -1},         {"pop", nat_pop, 1, 1},
        {"insert", nat_insert, 3, 3},      {"remove", nat_remove, 2, 2},
        {"slice", nat_slice, 2, 3},        {"keys", nat_keys, 1, 1},
        {"values", nat_values, 1, 1},      {"has", nat_has, 2, 2},
        {"del", nat_del, 2, 2},            {"range", nat_range, 1, 3},
        {"sort", nat_sort, 1, 2},          {"reverse", nat_reverse, 1, 1},
        {"map", nat_map, 2, 2},            {"filter", nat_filter, 2, 2},
        {"reduce", nat_reduce, 3, 3},      {"split", nat_split, 1, 2},
        {"join", nat_join, 1, 2},          {"upper", nat_upper, 1, 1},
        {"lower", nat_lower, 1, 1},        {"trim", nat_trim, 1, 1},
        {"find", nat_find, 2, 3},          {"replace", nat_replace, 3, 3},
        {"startswith", nat_startswith, 2, 2}, {"endswith", nat_endswith, 2, 2},
        {"ord", nat_ord, 1, 1},            {"chr", nat_chr, 1, 1},
        {"pad", nat_pad, 2, 2},            {"abs", nat_abs, 1, 1},
        {"min", nat_min, 1, -1},           {"max", nat_max, 1, -1},
        {"sqrt", nat_sqrt, 1, 1},          {"floor", nat_floor, 1, 1},
        {"pow", nat_pow, 2, 2},            {"exit", nat_exit, 0, 1},
        {"assert", nat_assert, 1, 2},      {"error", nat_error, 1, 1},
        {"gc", nat_gc, 0, 0},
    };
    for (size_t i = 0; i < sizeof lib / sizeof lib[0]; i++) {
        Native *n = native_new(vm, lib[i].name, lib[i].fn, lib[i].min, lib[i].max);
        env_define(vm->globals, str_intern(vm, lib[i].name, strlen(lib[i].name)), v_obj(n));
    }
}
