/*
 * eval.c -- the tree-walking evaluator: expressions to values, statements
 * to control flow (normal, return, break, continue), calls of script
 * functions (closures over their defining environment) and natives, and
 * run-time errors (reported with the line and exiting with status 1).
 *
 * Scoping is per function, as in Python: `let` and assignment to an
 * unknown name define in the current function's environment; assignment
 * to a known name updates it wherever it was found.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl.h"

#define MAX_DEPTH 2000

typedef enum flow { F_NORMAL, F_RETURN, F_BREAK, F_CONTINUE } flow;

static Value eval(VM *vm, Node *n, Env *env);
static flow exec(VM *vm, Node *n, Env *env, Value *ret);

void tl_error(VM *vm, int line, const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s:%d: error: ", vm->file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- arithmetic ------------------------------------------------------------------ */

static double num(Value v) { return v.t == T_INT ? (double)v.u.i : v.u.f; }
static int is_num(Value v) { return v.t == T_INT || v.t == T_FLOAT; }

static Value concat(VM *vm, Str *a, Str *b) {
    char *buf = xmalloc(a->len + b->len + 1);
    memcpy(buf, a->s, a->len);
    memcpy(buf + a->len, b->s, b->len);
    Str *r = str_new(vm, buf, a->len + b->len);
    free(buf);
    return v_obj(r);
}

static int compare(VM *vm, Value a, Value b, int line) {
    if (is_num(a) && is_num(b)) {
        if (a.t == T_INT && b.t == T_INT) return a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
        double x = num(a), y = num(b);
        return x < y ? -1 : x > y;
    }
    if (a.t == T_STR && b.t == T_STR) {
        Str *x = AS_STR(a), *y = AS_STR(b);
        size_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(x->s, y->s, n);
        if (c) return c < 0 ? -1 : 1;
        return x->len < y->len ? -1 : x->len > y->len;
    }
    if (a.t == T_LIST && b.t == T_LIST) {
        List *x = AS_LIST(a), *y = AS_LIST(b);
        for (size_t i = 0; i < x->n && i < y->n; i++) {
            int c = compare(vm, x->v[i], y->v[i], line);
            if (c) return c;
        }
        return x->n < y->n ? -1 : x->n > y->n;
    }
    tl_error(vm, line, "cannot compare %s with %s", type_name(a), type_name(b));
}

/* Exposed for sort() in lib.c through call_value's neighbour. */
int tl_compare(VM *vm, Value a, Value b, int line);
int tl_compare(VM *vm, Value a, Value b, int line) { return compare(vm, a, b, line); }

static Value arith(VM *vm, int op, Value a, Value b, int line) {
    if (op == K_PLUS) {
        if (a.t == T_STR && b.t == T_STR) return concat(vm, AS_STR(a), AS_STR(b));
        if (a.t == T_LIST && b.t == T_LIST) {
            List *x = AS_LIST(a), *y = AS_LIST(b);
            List *r = list_new(vm, x->n + y->n);
            for (size_t i = 0; i < x->n; i++) list_push(r, x->v[i]);
            for (size_t i = 0; i < y->n; i++) list_push(r, y->v[i]);
            return v_obj(r);
        }
    }
    if (op == K_STAR && a.t == T_STR && b.t == T_INT) {
        Str *s = AS_STR(a);
        if (b.u.i < 0 || (b.u.i && s->len > (1u << 28) / (uint64_t)b.u.i))
            tl_error(vm, line, "bad string repetition");
        size_t n = s->len * (size_t)b.u.i;
        char *buf = xmalloc(n + 1);
        for (int64_t i = 0; i < b.u.i; i++) memcpy(buf + (size_t)i * s->len, s->s, s->len);
        Str *r = str_new(vm, buf, n);
        free(buf);
        return v_obj(r);
    }
    if (!is_num(a) || !is_num(b))
        tl_error(vm, line, "cannot apply %s to %s and %s", tok_name(op), type_name(a),
                 type_name(b));
    if (a.t == T_INT && b.t == T_INT) {
        int64_t x = a.u.i, y = b.u.i;
        uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
        switch (op) {
        case K_PLUS: return v_int((int64_t)(ux + uy));
        case K_MINUS: return v_int((int64_t)(ux - uy));
        case K_STAR: return v_int((int64_t)(ux * uy));
        case K_SLASH:
        case K_PERCENT: {
            if (y == 0) tl_error(vm, line, "division by zero");
            if (x == INT64_MIN && y == -1) return v_int(op == K_SLASH ? x : 0);
            /* Floor division and a modulo with the divisor's sign. */
            int64_t q = x / y, r = x % y;
            if (r != 0 && ((r < 0) != (y < 0))) {
                q--;
                r += y;
            }
            return v_int(op == K_SLASH ? q : r);
        }
        }
    }
    double x = num(a), y = num(b);
    switch (op) {
    case K_PLUS: return v_float(x + y);
    case K_MINUS: return v_float(x - y);
    case K_STAR: return v_float(x * y);
    case K_SLASH: return v_float(x / y);
    case K_PERCENT: {
        double r = fmod(x, y);
        if (r != 0 && ((r < 0) != (y < 0))) r += y;
        return v_float(r);
    }
    }
    tl_error(vm, line, "bad operator");
}

static Value binop(VM *vm, int op, Value a, Value b, int line) {
    switch (op) {
    case K_EQ: return v_bool(value_equal(a, b));
    case K_NE: return v_bool(!value_equal(a, b));
    case K_LT: return v_bool(compare(vm, a, b, line) < 0);
    case K_LE: return v_bool(compare(vm, a, b, line) <= 0);
    case K_GT: return v_bool(compare(vm, a, b, line) > 0);
    case K_GE: return v_bool(compare(vm, a, b, line) >= 0);
    default: return arith(vm, op, a, b, line);
    }
}

/* ---- indexing -------------------------------------------------------------------- */

static size_t list_index(VM *vm, size_t n, Value i, int line) {
    if (i.t != T_INT) tl_error(vm, line, "index must be an int, not %s", type_name(i));
    int64_t k = i.u.i < 0 ? i.u.i + (int64_t)n : i.u.i;
    if (k < 0 || (uint64_t)k >= n) tl_error(vm, line, "index %lld out of range", (long long)i.u.i);
    return (size_t)k;
}

static Value get_index(VM *vm, Value c, Value i, int line) {
    switch (c.t) {
    case T_LIST: return AS_LIST(c)->v[list_index(vm, AS_LIST(c)->n, i, line)];
    case T_STR: {
        Str *s = AS_STR(c);
        size_t k = list_index(vm, s->len, i, line);
        return v_obj(str_new(vm, s->s + k, 1));
    }
    case T_MAP: {
        Value *v = map_get(AS_MAP(c), i);
        return v ? *v : v_nil();
    }
    default: tl_error(vm, line, "cannot index a %s", type_name(c));
    }
}

static void set_index(VM *vm, Value c, Value i, Value v, int line) {
    if (c.t == T_LIST) AS_LIST(c)->v[list_index(vm, AS_LIST(c)->n, i, line)] = v;
    else if (c.t == T_MAP) map_set(vm, AS_MAP(c), i, v);
    else tl_error(vm, line, "cannot assign into a %s", type_name(c));
}

/* ---- calls ------------------------------------------------------------------------ */

Value call_value(VM *vm, Value f, int argc, Value *argv, int line) {
    if (f.t == T_NATIVE) {
        Native *nf = AS_NATIVE(f);
        if (argc < nf->min_args || (nf->max_args >= 0 && argc > nf->max_args))
            tl_error(vm, line, "%s() takes %d%s argument%s, %d given", nf->name, nf->min_args,
                     nf->max_args == nf->min_args ? "" : " or more",
                     nf->min_args == 1 && nf->max_args == 1 ? "" : "s", argc);
        return nf->fn(vm, argc, argv, line);
    }
    if (f.t != T_FUNC) tl_error(vm, line, "cannot call a %s", type_name(f));
    Func *fn = AS_FUNC(f);
    Node *def = fn->def;
    if (argc != def->nparams)
        tl_error(vm, line, "%s() takes %d arguments, %d given",
                 def->name ? def->name->s : "function", def->nparams, argc);
    if (++vm->depth > MAX_DEPTH) tl_error(vm, line, "recursion too deep");
    root_push(vm, f); /* the closure's env stays alive through the call */
    Env *env = env_new(vm, fn->env);
    frame_push(vm, env);
    for (int i = 0; i < argc; i++) env_define(env, def->params[i], argv[i]);
    Value ret = v_nil();
    flow fl = exec(vm, def->a, env, &ret);
    if (fl == F_BREAK || fl == F_CONTINUE) tl_error(vm, line, "break or continue outside a loop");
    frame_pop(vm);
    root_pop(vm, 1);
    vm->depth--;
    return ret;
}

static Value eval_call(VM *vm, Node *n, Env *env) {
    Value f = eval(vm, n->a, env);
    size_t base = vm->nroots;
    root_push(vm, f);
    for (int i = 0; i < n->nkids; i++) {
        Value a = eval(vm, n->kids[i], env);
        root_push(vm, a);
    }
    /* The arguments stay rooted on the root stack, but the callee gets a
     * copy: the root stack may move while it runs. */
    Value local[8];
    Value *argv = n->nkids <= 8 ? local : xmalloc((size_t)n->nkids * sizeof *argv);
    if (n->nkids) memcpy(argv, vm->roots + base + 1, (size_t)n->nkids * sizeof *argv);
    Value r = call_value(vm, f, n->nkids, argv, n->line);
    if (argv != local) free(argv);
    root_pop(vm, (size_t)n->nkids + 1);
    return r;
}

/* ---- expressions ------------------------------------------------------------------- */

static Value eval(VM *vm, Node *n, Env *env) {
    switch (n->t) {
    case N_INT: return v_int(n->i);
    case N_FLOAT: return v_float(n->f);
    case N_STR: return v_obj(n->s);
    case N_NIL: return v_nil();
    case N_TRUE: return v_bool(1);
    case N_FALSE: return v_bool(0);
    case N_NAME: {
        Value *v = env_find(env, n->name);
        if (!v) tl_error(vm, n->line, "undefined name '%s'", n->name->s);
        return *v;
    }
    case N_LIST: {
        List *l = list_new(vm, (size_t)n->nkids);
        root_push(vm, v_obj(l));
        for (int i = 0; i < n->nkids; i++) list_push(l, eval(vm, n->kids[i], env));
        root_pop(vm, 1);
        return v_obj(l);
    }
    case N_MAP: {
        Map *m = map_new(vm);
        root_push(vm, v_obj(m));
        for (int i = 0; i + 1 < n->nkids; i += 2) {
            Value k = eval(vm, n->kids[i], env);
            root_push(vm, k);
            Value v = eval(vm, n->kids[i + 1], env);
            map_set(vm, m, k, v);
            root_pop(vm, 1);
        }
        root_pop(vm, 1);
        return v_obj(m);
    }
    case N_BIN: {
        Value a = eval(vm, n->a, env);
        root_push(vm, a);
        Value b = eval(vm, n->b, env);
        root_push(vm, b);
        Value r = binop(vm, n->op, a, b, n->line);
        root_pop(vm, 2);
        return r;
    }
    case N_AND: {
        Value a = eval(vm, n->a, env);
        return value_truthy(a) ? eval(vm, n->b, env) : a;
    }
    case N_OR: {
        Value a = eval(vm, n->a, env);
        return value_truthy(a) ? a : eval(vm, n->b, env);
    }
    case N_NOT: return v_bool(!value_truthy(eval(vm, n->a, env)));
    case N_NEG: {
        Value a = eval(vm, n->a, env);
        if (a.t == T_INT) return v_int((int64_t)(0 - (uint64_t)a.u.i));
        if (a.t == T_FLOAT) return v_float(-a.u.f);
        tl_error(vm, n->line, "cannot negate a %s", type_name(a));
    }
    case N_CALL: return eval_call(vm, n, env);
    case N_INDEX: {
        Value c = eval(vm, n->a, env);
        root_push(vm, c);
        Value i = eval(vm, n->b, env);
        root_push(vm, i);
        Value r = get_index(vm, c, i, n->line);
        root_pop(vm, 2);
        return r;
    }
    case N_FUNC: return v_obj(func_new(vm, n, env));
    default: tl_error(vm, n->line, "not an expression");
    }
}

/* ---- statements --------------------------------------------------------------------- */

static flow exec_block(VM *vm, Node *n, Env *env, Value *ret) {
    for (int i = 0; i < n->nkids; i++) {
        if (vm->gc_pending) gc_collect(vm);
        flow f = exec(vm, n->kids[i], env, ret);
        if (f != F_NORMAL) return f;
    }
    return F_NORMAL;
}

/* Runs a loop body; returns 1 when the loop must stop (and *out the flow
 * to pass on: F_RETURN, or F_NORMAL after a break). */
static int loop_body(VM *vm, Node *body, Env *env, Value *ret, flow *out) {
    flow f = exec(vm, body, env, ret);
    if (f == F_BREAK) {
        *out = F_NORMAL;
        return 1;
    }
    if (f == F_RETURN) {
        *out = F_RETURN;
        return 1;
    }
    return 0;
}

static flow exec(VM *vm, Node *n, Env *env, Value *ret) {
    switch (n->t) {
    case N_BLOCK: return exec_block(vm, n, env, ret);
    case N_EXPR: eval(vm, n->a, env); return F_NORMAL;
    case N_LET: env_define(env, n->name, eval(vm, n->a, env)); return F_NORMAL;
    case N_ASSIGN: {
        Value v = eval(vm, n->a, env);
        Value *slot = env_find(env, n->name);
        if (slot) *slot = v;
        else env_define(env, n->name, v);
        return F_NORMAL;
    }
    case N_SETINDEX: {
        Value c = eval(vm, n->a, env);
        root_push(vm, c);
        Value i = eval(vm, n->b, env);
        root_push(vm, i);
        Value v = eval(vm, n->c, env);
        set_index(vm, c, i, v, n->line);
        root_pop(vm, 2);
        return F_NORMAL;
    }
    case N_IF:
        if (value_truthy(eval(vm, n->a, env))) return exec(vm, n->b, env, ret);
        if (n->c) return exec(vm, n->c, env, ret);
        return F_NORMAL;
    case N_WHILE: {
        flow out = F_NORMAL;
        while (value_truthy(eval(vm, n->a, env))) {
            if (vm->gc_pending) gc_collect(vm);
            if (loop_body(vm, n->b, env, ret, &out)) return out;
        }
        return F_NORMAL;
    }
    case N_FOR: {
        Value c = eval(vm, n->a, env);
        root_push(vm, c);
        flow out = F_NORMAL;
        if (c.t == T_LIST) {
            List *l = AS_LIST(c);
            for (size_t i = 0; i < l->n; i++) {
                env_define(env, n->name, l->v[i]);
                if (loop_body(vm, n->b, env, ret, &out)) break;
            }
        } else if (c.t == T_MAP) {
            /* Over a snapshot of the keys: the body may change the map. */
            Map *m = AS_MAP(c);
            List *keys = list_new(vm, m->live);
            for (size_t i = 0; i < m->n; i++)
                if (m->e[i].live) list_push(keys, m->e[i].k);
            root_push(vm, v_obj(keys));
            for (size_t i = 0; i < keys->n; i++) {
                env_define(env, n->name, keys->v[i]);
                if (loop_body(vm, n->b, env, ret, &out)) break;
            }
            root_pop(vm, 1);
        } else if (c.t == T_STR) {
            Str *s = AS_STR(c);
            for (size_t i = 0; i < s->len; i++) {
                env_define(env, n->name, v_obj(str_new(vm, s->s + i, 1)));
                if (loop_body(vm, n->b, env, ret, &out)) break;
            }
        } else {
            tl_error(vm, n->line, "cannot iterate over a %s", type_name(c));
        }
        root_pop(vm, 1);
        return out;
    }
    case N_RETURN:
        *ret = n->a ? eval(vm, n->a, env) : v_nil();
        return F_RETURN;
    case N_BREAK: return F_BREAK;
    case N_CONTINUE: return F_CONTINUE;
    default: eval(vm, n, env); return F_NORMAL;
    }
}

Value run_program(VM *vm, Node *prog) {
    Value ret = v_nil();
    frame_push(vm, vm->globals);
    flow f = exec(vm, prog, vm->globals, &ret);
    if (f == F_BREAK || f == F_CONTINUE) tl_error(vm, 0, "break or continue outside a loop");
    frame_pop(vm);
    return ret;
}
