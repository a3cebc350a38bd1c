/*
 * lisp.c -- a tiny Scheme-like Lisp: a reader over generated source text,
 * cons cells in a fixed arena with tagged fixnums, an evaluator with
 * lexical environments (association lists), closures, tail calls for
 * if/begin/let/application, and a mark-sweep garbage collector with an
 * explicit root stack. It runs recursive programs (fib, tak, a closure
 * based quicksort over a generated list, a counter built on set!, list
 * reversal and mapping) and checks each result against C.
 * Exercises pointer chasing through cells, tag tests and switches,
 * deep recursion, symbol lookup loops, and a GC mark (recursive) and
 * sweep (linear) phase.
 * usage: lisp [N]   (default 14: fib(N), list lengths scale with N)
 */
#include <string.h>

#include "../progs/common.h"

typedef int32_t val; /* odd: fixnum (v >> 1); even: cell index * 2; 0 is nil */
enum tag { T_FREE, T_CONS, T_SYM, T_PRIM, T_CLOS };
typedef struct { uint8_t tag, mark; val a, b; } cell;

#define NCELLS (1 << 16)
static cell heap[NCELLS];
static val freelist;
static uint64_t nalloc, ngc, nfreed;

#define NIL 0
#define ISNUM(v) ((v) & 1)
#define NUM(v) ((v) >> 1)
#define MKNUM(n) ((val)((uint32_t)(n) << 1) | 1)
#define C(v) (heap[(v) >> 1])
#define CAR(v) (C(v).a)
#define CDR(v) (C(v).b)
#define TAG(v) (ISNUM(v) || (v) == NIL ? T_FREE : C(v).tag)

/* root stack: addresses of C locals holding values */
static val *roots[1 << 16];
static int nroots;
#define PUSHROOT(p) (roots[nroots++] = (p))
#define POPROOTS(k) (nroots -= (k))

#define MAXSYM 128
static struct { char name[24]; val cell, global; int defined; } syms[MAXSYM];
static int nsyms;

static void mark(val v) {
    while (!ISNUM(v) && v != NIL && !C(v).mark) {
        C(v).mark = 1;
        if (C(v).tag == T_SYM || C(v).tag == T_PRIM) return;
        mark(C(v).a);
        v = C(v).b;
    }
}

static void gc(void) {
    ngc++;
    for (int i = 0; i < nsyms; i++) mark(syms[i].cell), mark(syms[i].global);
    for (int i = 0; i < nroots; i++) mark(*roots[i]);
    freelist = NIL;
    for (int i = NCELLS - 1; i > 0; i--) {
        if (heap[i].mark) { heap[i].mark = 0; continue; }
        if (heap[i].tag != T_FREE) nfreed++;
        heap[i].tag = T_FREE;
        heap[i].b = freelist;
        freelist = (val)(i * 2);
    }
    if (freelist == NIL) { fprintf(stderr, "lisp: out of cells\n"); exit(1); }
}

static val mk(enum tag t, val a, val b) {
    if (freelist == NIL) {
        PUSHROOT(&a); PUSHROOT(&b);
        gc();
        POPROOTS(2);
    }
    val v = freelist;
    freelist = CDR(v);
    C(v).tag = (uint8_t)t; C(v).a = a; C(v).b = b;
    nalloc++;
    return v;
}
#define cons(a, b) mk(T_CONS, a, b)

static val intern(const char *s, int n) {
    for (int i = 0; i < nsyms; i++)
        if ((int)strlen(syms[i].name) == n && !memcmp(syms[i].name, s, (size_t)n)) return syms[i].cell;
    if (nsyms == MAXSYM || n > 23) { fprintf(stderr, "lisp: symbol table\n"); exit(1); }
    memcpy(syms[nsyms].name, s, (size_t)n);
    syms[nsyms].name[n] = 0;
    syms[nsyms].cell = mk(T_SYM, MKNUM(nsyms), NIL);
    return syms[nsyms++].cell;
}
#define SYMID(v) NUM(CAR(v))

/* ---- reader ----------------------------------------------------------- */
static const char *rp;
static void skipws(void) {
    for (;;) {
        while (*rp == ' ' || *rp == '\n' || *rp == '\t') rp++;
        if (*rp != ';') return;
        while (*rp && *rp != '\n') rp++;
    }
}
static val s_quote, s_if, s_define, s_lambda, s_let, s_begin, s_set, s_and, s_cond, s_else;

static val read_expr(void) {
    skipws();
    char ch = *rp;
    if (ch == '(') {
        rp++;
        val head = NIL, tail = NIL, x = NIL;
        PUSHROOT(&head); PUSHROOT(&x);
        for (;;) {
            skipws();
            if (*rp == ')' || !*rp) { rp += *rp == ')'; break; }
            x = read_expr();
            x = cons(x, NIL);
            if (head == NIL) head = x; else CDR(tail) = x;
            tail = x;
        }
        POPROOTS(2);
        return head;
    }
    if (ch == '\'') {
        rp++;
        val x = read_expr();
        PUSHROOT(&x);
        x = cons(x, NIL);
        x = cons(s_quote, x);
        POPROOTS(1);
        return x;
    }
    const char *s = rp;
    while (*rp && *rp != ' ' && *rp != '\n' && *rp != '(' && *rp != ')') rp++;
    int neg = *s == '-' && rp - s > 1, i = neg;
    int32_t n = 0;
    for (; s + i < rp && s[i] >= '0' && s[i] <= '9'; i++) n = n * 10 + (s[i] - '0');
    if (s + i == rp && i > neg) return MKNUM(neg ? -n : n);
    return intern(s, (int)(rp - s));
}

/* ---- evaluator -------------------------------------------------------- */
enum prim { P_ADD, P_SUB, P_MUL, P_LT, P_EQ, P_CAR, P_CDR, P_CONS, P_NULL, P_REM, P_NOT, P_LIST };

static val lookup(val sym, val env) {
    for (; env != NIL; env = CDR(env))
        if (CAR(CAR(env)) == sym) return CAR(env);
    return NIL;
}

static void fail(const char *what, val sym) {
    fprintf(stderr, "lisp: %s %s\n", what, TAG(sym) == T_SYM ? syms[SYMID(sym)].name : "?");
    exit(1);
}

static val eval(val x, val env);

static val apply_prim(int p, val args) {
    val a = args != NIL ? CAR(args) : NIL, b = args != NIL && CDR(args) != NIL ? CAR(CDR(args)) : NIL;
    switch (p) {
    case P_ADD: { uint32_t s = 0; for (; args != NIL; args = CDR(args)) s += (uint32_t)NUM(CAR(args)); return MKNUM(s); }
    case P_MUL: { uint32_t s = 1; for (; args != NIL; args = CDR(args)) s *= (uint32_t)NUM(CAR(args)); return MKNUM(s); }
    case P_SUB: return CDR(args) == NIL ? MKNUM(-(uint32_t)NUM(a)) : MKNUM((uint32_t)NUM(a) - (uint32_t)NUM(b));
    case P_LT: return NUM(a) < NUM(b) ? MKNUM(1) : NIL;
    case P_EQ: return a == b ? MKNUM(1) : NIL;
    case P_CAR: return CAR(a);
    case P_CDR: return CDR(a);
    case P_CONS: return cons(a, b);
    case P_NULL: case P_NOT: return a == NIL ? MKNUM(1) : NIL;
    case P_REM: return NUM(b) ? MKNUM(NUM(a) % NUM(b)) : MKNUM(0);
    default: return args;
    }
}

static val evlist(val xs, val env) {
    val head = NIL, tail = NIL, v = NIL;
    PUSHROOT(&xs); PUSHROOT(&env); PUSHROOT(&head); PUSHROOT(&v);
    for (; xs != NIL; xs = CDR(xs)) {
        v = eval(CAR(xs), env);
        v = cons(v, NIL);
        if (head == NIL) head = v; else CDR(tail) = v;
        tail = v;
    }
    POPROOTS(4);
    return head;
}

static uint64_t ncalls;
static int depth, maxdepth;

static val eval(val x, val env) {
    val f = NIL, args = NIL, r = NIL;
    int base = nroots;
    PUSHROOT(&x); PUSHROOT(&env); PUSHROOT(&f); PUSHROOT(&args);
    if (++depth > maxdepth) maxdepth = depth;
    for (;;) {
        if (ISNUM(x) || x == NIL) { r = x; break; }
        if (C(x).tag == T_SYM) {
            val b = lookup(x, env);
            if (b != NIL) r = CDR(b);
            else if (syms[SYMID(x)].defined) r = syms[SYMID(x)].global;
            else fail("unbound", x);
            break;
        }
        val op = CAR(x);
        if (op == s_quote) { r = CAR(CDR(x)); break; }
        if (op == s_if) {
            val c = eval(CAR(CDR(x)), env);
            val rest = CDR(CDR(x));
            if (c != NIL) x = CAR(rest);
            else if (CDR(rest) != NIL) x = CAR(CDR(rest));
            else { r = NIL; break; }
            continue;
        }
        if (op == s_cond) {
            val cl = CDR(x);
            for (; cl != NIL; cl = CDR(cl))
                if (CAR(CAR(cl)) == s_else || eval(CAR(CAR(cl)), env) != NIL) break;
            if (cl == NIL) { r = NIL; break; }
            x = CAR(CDR(CAR(cl)));
            continue;
        }
        if (op == s_and) {
            val e = CDR(x);
            r = MKNUM(1);
            for (; e != NIL && CDR(e) != NIL; e = CDR(e))
                if (eval(CAR(e), env) == NIL) break;
            if (e == NIL) break;
            if (CDR(e) != NIL) { r = NIL; break; }
            x = CAR(e);
            continue;
        }
        if (op == s_define) {
            val target = CAR(CDR(x));
            if (!ISNUM(target) && TAG(target) == T_CONS) { /* (define (f . params) body...) */
                f = cons(CDR(target), CDR(CDR(x)));
                f = mk(T_CLOS, f, env);
                target = CAR(target);
            } else {
                f = eval(CAR(CDR(CDR(x))), env);
            }
            syms[SYMID(target)].global = f;
            syms[SYMID(target)].defined = 1;
            r = target;
            break;
        }
        if (op == s_lambda) { r = mk(T_CLOS, CDR(x), env); break; }
        if (op == s_set) {
            val b = lookup(CAR(CDR(x)), env);
            f = eval(CAR(CDR(CDR(x))), env);
            if (b != NIL) CDR(b) = f; else syms[SYMID(CAR(CDR(x)))].global = f;
            r = f;
            break;
        }
        if (op == s_let) { /* (let ((n v) ...) body...) */
            args = env;
            for (val bs = CAR(CDR(x)); bs != NIL; bs = CDR(bs)) {
                f = eval(CAR(CDR(CAR(bs))), env);
                f = cons(CAR(CAR(bs)), f);
                args = cons(f, args);
            }
            env = args;
            x = cons(s_begin, CDR(CDR(x)));
            continue;
        }
        if (op == s_begin) {
            val e = CDR(x);
            for (; CDR(e) != NIL; e = CDR(e)) eval(CAR(e), env);
            x = CAR(e);
            continue;
        }
        f = eval(op, env);
        args = evlist(CDR(x), env);
        ncalls++;
        if (TAG(f) == T_PRIM) { r = apply_prim(NUM(CAR(f)), args); break; }
        if (TAG(f) != T_CLOS) fail("not a function:", op);
        /* bind parameters onto the closure's environment, then loop on the body */
        env = CDR(f);
        val ps = CAR(CAR(f));
        for (; ps != NIL; ps = CDR(ps), args = CDR(args)) {
            if (TAG(ps) == T_SYM) { r = cons(ps, args); env = cons(r, env); break; }
            r = cons(CAR(ps), CAR(args));
            env = cons(r, env);
        }
        x = cons(s_begin, CDR(CAR(f)));
    }
    depth--;
    nroots = base;
    return r;
}

static const char *prelude =
    "(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n"
    "(define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))\n"
    "(define (filter p l) (cond ((null? l) '()) ((p (car l)) (cons (car l) (filter p (cdr l))))"
    " (else (filter p (cdr l)))))\n"
    "(define (append a b) (if (null? a) b (cons (car a) (append (cdr a) b))))\n"
    "(define (qsort l) (if (null? l) l (let ((p (car l)) (r (cdr l)))"
    " (append (qsort (filter (lambda (x) (< x p)) r)) (cons p (qsort (filter (lambda (x) (not (< x p))) r)))))))\n"
    "(define (map f l) (if (null? l) l (cons (f (car l)) (map f (cdr l)))))\n"
    "(define (rev l acc) (if (null? l) acc (rev (cdr l) (cons (car l) acc))))\n"
    "(define (sum l) (if (null? l) 0 (+ (car l) (sum (cdr l)))))\n"
    "(define (hashl l h) (if (null? l) h (hashl (cdr l) (remainder (+ (* h 31) (car l)) 1000003))))\n"
    "(define (counter) (let ((n 0)) (lambda (k) (set! n (+ n k)) n)))\n"
    "(define (iota i n) (if (< i n) (cons i (iota (+ i 1) n)) '()))\n"
    "(define (sorted? l) (cond ((null? l) 1) ((null? (cdr l)) 1) ((< (car (cdr l)) (car l)) '())"
    " (else (sorted? (cdr l)))))\n";

static int32_t c_fib(int32_t n) { return n < 2 ? n : c_fib(n - 1) + c_fib(n - 2); }
static int32_t c_tak(int32_t x, int32_t y, int32_t z) {
    return !(y < x) ? z : c_tak(c_tak(x - 1, y, z), c_tak(y - 1, z, x), c_tak(z - 1, x, y));
}

static val run(const char *src) {
    val r = NIL;
    PUSHROOT(&r);
    rp = src;
    for (skipws(); *rp; skipws()) {
        r = read_expr();
        r = eval(r, NIL);
    }
    POPROOTS(1);
    return r;
}

int main(int argc, char **argv) {
    int n = (int)bench_arg(argc, argv, 1, 14);
    if (n > 24) n = 24;
    freelist = NIL;
    heap[0].tag = T_CONS; heap[0].mark = 1; /* cell 0 is nil, never freed */
    gc(); ngc = 0;
    static const char *pn[] = {"+", "-", "*", "<", "eq?", "car", "cdr", "cons", "null?", "remainder", "not", "list"};
    for (int i = 0; i < 12; i++) {
        val s = intern(pn[i], (int)strlen(pn[i]));
        syms[SYMID(s)].global = mk(T_PRIM, MKNUM(i), NIL);
        syms[SYMID(s)].defined = 1;
    }
    s_quote = intern("quote", 5); s_if = intern("if", 2); s_define = intern("define", 6);
    s_lambda = intern("lambda", 6); s_let = intern("let", 3); s_begin = intern("begin", 5);
    s_set = intern("set!", 4); s_and = intern("and", 3); s_cond = intern("cond", 4);
    s_else = intern("else", 4);
    run(prelude);

    static char src[65536];
    bench_rng rng = {0x11597ULL + (uint64_t)n};
    int len = 40 * n, bad = 0;
    uint64_t h = BENCH_FNV_INIT;
    int32_t want[6], got[6];
    int pos = snprintf(src, 64, "(define data '(");
    int32_t csum = 0;
    for (int i = 0; i < len; i++) {
        int32_t v = (int32_t)bench_below(&rng, 10000) - 2000;
        csum += v;
        pos += snprintf(src + pos, 16, "%d ", (int)v);
    }
    snprintf(src + pos, 8, "))");
    run(src);
    int tx = 6 + n / 4;
    char buf[256];
    snprintf(buf, sizeof buf, "(fib %d)", n); got[0] = NUM(run(buf)); want[0] = c_fib(n);
    snprintf(buf, sizeof buf, "(tak %d %d %d)", tx, tx * 2 / 3, tx / 3);
    got[1] = NUM(run(buf)); want[1] = c_tak(tx, tx * 2 / 3, tx / 3);
    got[2] = run("(sorted? (qsort data))") != NIL; want[2] = 1;
    got[3] = NUM(run("(sum (map (lambda (x) (* x 3)) (rev (qsort data) '())))")); want[3] = csum * 3;
    got[4] = NUM(run("(let ((c (counter))) (map c (iota 0 100)) (c 0))")); want[4] = 4950;
    got[5] = NUM(run("(hashl (qsort data) 7)"));
    want[5] = got[5];
    static const char *names[] = {"fib", "tak", "sorted", "sum*3", "counter", "hash"};
    for (int i = 0; i < 6; i++) {
        printf("%-8s %d%s\n", names[i], (int)got[i], got[i] == want[i] ? "" : " (WRONG)");
        bad += got[i] != want[i];
        h = bench_mix(h, (uint32_t)got[i]);
    }
    printf("calls %llu, cells allocated %llu, gcs %llu, freed %llu, max depth %d\n",
           (unsigned long long)ncalls, (unsigned long long)nalloc, (unsigned long long)ngc,
           (unsigned long long)nfreed, maxdepth);
    h = bench_mix(bench_mix(bench_mix(h, ncalls), nalloc), ngc);
    printf("hash %016llx\n", (unsigned long long)h);
    return bad != 0;
}
