/*
 * lexer.c -- front end for a small C-like language. A generator writes
 * random but well-formed source text (var declarations, assignments with
 * += -= ^=, if/else, counted for loops, nested expressions with 18 binary
 * operators, unary operators, ?:, decimal and hex literals, // and block
 * comments). A hand-written tokenizer turns it into tokens, a recursive
 * descent parser with precedence climbing builds an AST in an arena, a
 * constant folder simplifies it, and a tree-walking evaluator runs it
 * before and after folding; the two runs must end in the same state.
 * Exercises byte classification and keyword matching, a token switch,
 * recursion in the parser and folder, node allocation from an arena, and
 * a switch-dispatched tree walk with 32-bit wrapping arithmetic.
 * usage: lexer [N]   (default 2500: top-level statements generated)
 */
#include <string.h>

#include "../progs/common.h"

/* ---- source generator ------------------------------------------------- */
static char *src;
static size_t slen, scap;
static bench_rng rng;

static void put(const char *s) {
    size_t n = strlen(s);
    if (slen + n + 1 > scap) {
        scap = (slen + n + 1) * 2;
        src = realloc(src, scap);
        if (!src) { fprintf(stderr, "lexer: out of memory\n"); exit(1); }
    }
    memcpy(src + slen, s, n + 1);
    slen += n;
}
static void putnum(uint32_t v, int hex) {
    char b[16];
    snprintf(b, sizeof b, hex ? "0x%X" : "%u", (unsigned)v);
    put(b);
}
#define RND(n) ((int)bench_below(&rng, (uint32_t)(n)))

static const char *binops[] = {"||", "&&", "|", "^", "&", "==", "!=", "<", "<=", ">", ">=",
                               "<<", ">>", "+", "-", "*", "/", "%"};
#define NBIN 18
#define NVARS 8

static void gen_expr(int depth, int loops) {
    int r = RND(depth > 3 ? 3 : 10);
    if (r == 0) putnum(bench_below(&rng, 100), 0);
    else if (r == 1) { /* one draw per statement: argument order is unspecified */
        uint32_t v = (uint32_t)bench_rand(&rng);
        v >>= RND(32);
        putnum(v, RND(2));
    }
    else if (r == 2) {
        char b[8];
        if (loops && RND(3) == 0) snprintf(b, sizeof b, "l%d", RND(loops));
        else snprintf(b, sizeof b, "v%d", RND(NVARS));
        put(b);
    } else if (r == 3) {
        put(RND(3) == 0 ? "~" : RND(2) ? "-" : "!");
        gen_expr(depth + 1, loops);
    } else if (r == 4) {
        put("(");
        gen_expr(depth + 1, loops);
        put(" ? ");
        gen_expr(depth + 1, loops);
        put(" : ");
        gen_expr(depth + 1, loops);
        put(")");
    } else {
        int p = r == 5;
        if (p) put("(");
        gen_expr(depth + 1, loops);
        put(" "); put(binops[RND(NBIN)]); put(" ");
        gen_expr(depth + 1, loops);
        if (p) put(")");
    }
}

static void gen_stmt(int depth, int loops) {
    char b[64];
    int r = RND(depth >= 2 ? 6 : 9);
    for (int i = 0; i < depth; i++) put("    ");
    if (r < 5) {
        static const char *asg[] = {"=", "+=", "-=", "^=", "="};
        int v = RND(NVARS);
        snprintf(b, sizeof b, "v%d %s ", v, asg[RND(5)]);
        put(b);
        gen_expr(0, loops);
        put(RND(8) ? ";\n" : "; // update\n");
    } else if (r == 5) {
        put("/* a block\n   comment */\n");
    } else if (r < 8) {
        put("if (");
        gen_expr(1, loops);
        put(") {\n");
        for (int k = RND(3) + 1; k > 0; k--) gen_stmt(depth + 1, loops);
        for (int i = 0; i < depth; i++) put("    ");
        put("} else {\n");
        gen_stmt(depth + 1, loops);
        for (int i = 0; i < depth; i++) put("    ");
        put("}\n");
    } else {
        snprintf(b, sizeof b, "for (l%d = 0; l%d < %d; l%d += 1) {\n", loops, loops, 2 + RND(3), loops);
        put(b);
        for (int k = RND(3) + 1; k > 0; k--) gen_stmt(depth + 1, loops + 1);
        for (int i = 0; i < depth; i++) put("    ");
        put("}\n");
    }
}

/* ---- tokenizer -------------------------------------------------------- */
enum tok {
    T_EOF, T_NUM, T_ID, T_VAR, T_IF, T_ELSE, T_FOR,
    T_OROR, T_ANDAND, T_OR, T_XOR, T_AND, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_SHL, T_SHR,
    T_ADD, T_SUB, T_MUL, T_DIV, T_MOD, /* binary operators in binops[] order */
    T_NOT, T_TILDE, T_QUEST, T_COLON, T_LP, T_RP, T_LB, T_RB, T_SEMI, T_ASSIGN, T_ADDEQ, T_SUBEQ,
    T_XOREQ, NTOK
};
typedef struct { uint8_t kind; int32_t v; } token;
static token *toks;
static int ntoks, lines;
static char names[32][8];
static int nnames;

static int name_slot(const char *s, int n) {
    for (int i = 0; i < nnames; i++)
        if ((int)strlen(names[i]) == n && !memcmp(names[i], s, (size_t)n)) return i;
    if (nnames == 32 || n > 7) { fprintf(stderr, "lexer: bad name\n"); exit(1); }
    memcpy(names[nnames], s, (size_t)n);
    return nnames++;
}

static void lex(void) {
    const char *p = src;
    toks = malloc(sizeof(token) * (slen + 1));
    if (!toks) exit(1);
    ntoks = 0; lines = 1;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t') lines += *p++ == '\n';
        if (p[0] == '/' && p[1] == '/') { while (*p && *p != '\n') p++; continue; }
        if (p[0] == '/' && p[1] == '*') {
            for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++) lines += *p == '\n';
            p += 2;
            continue;
        }
        token t = {T_EOF, 0};
        char c = *p;
        if (!c) { toks[ntoks++] = t; return; }
        if (c >= '0' && c <= '9') {
            uint32_t v = 0;
            if (c == '0' && (p[1] == 'x' || p[1] == 'X')) {
                for (p += 2;; p++) {
                    int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                          : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
                    if (d < 0) break;
                    v = v * 16 + (uint32_t)d;
                }
            } else {
                while (*p >= '0' && *p <= '9') v = v * 10 + (uint32_t)(*p++ - '0');
            }
            t.kind = T_NUM; t.v = (int32_t)v;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
            const char *s = p;
            while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_') p++;
            int n = (int)(p - s);
            if (n == 3 && !memcmp(s, "var", 3)) t.kind = T_VAR;
            else if (n == 2 && !memcmp(s, "if", 2)) t.kind = T_IF;
            else if (n == 4 && !memcmp(s, "else", 4)) t.kind = T_ELSE;
            else if (n == 3 && !memcmp(s, "for", 3)) t.kind = T_FOR;
            else t.kind = T_ID, t.v = name_slot(s, n);
        } else {
            char d = p[1];
            int two = 1;
            switch (c) {
            case '|': t.kind = d == '|' ? T_OROR : (two = 0, T_OR); break;
            case '&': t.kind = d == '&' ? T_ANDAND : (two = 0, T_AND); break;
            case '^': t.kind = d == '=' ? T_XOREQ : (two = 0, T_XOR); break;
            case '=': t.kind = d == '=' ? T_EQ : (two = 0, T_ASSIGN); break;
            case '!': t.kind = d == '=' ? T_NE : (two = 0, T_NOT); break;
            case '<': t.kind = d == '=' ? T_LE : d == '<' ? T_SHL : (two = 0, T_LT); break;
            case '>': t.kind = d == '=' ? T_GE : d == '>' ? T_SHR : (two = 0, T_GT); break;
            case '+': t.kind = d == '=' ? T_ADDEQ : (two = 0, T_ADD); break;
            case '-': t.kind = d == '=' ? T_SUBEQ : (two = 0, T_SUB); break;
            default:
                two = 0;
                switch (c) {
                case '*': t.kind = T_MUL; break;
                case '/': t.kind = T_DIV; break;
                case '%': t.kind = T_MOD; break;
                case '~': t.kind = T_TILDE; break;
                case '?': t.kind = T_QUEST; break;
                case ':': t.kind = T_COLON; break;
                case '(': t.kind = T_LP; break;
                case ')': t.kind = T_RP; break;
                case '{': t.kind = T_LB; break;
                case '}': t.kind = T_RB; break;
                case ';': t.kind = T_SEMI; break;
                default: fprintf(stderr, "lexer: bad character %d on line %d\n", c, lines); exit(1);
                }
            }
            p += 1 + two;
        }
        toks[ntoks++] = t;
    }
}

/* ---- parser ----------------------------------------------------------- */
enum { N_NUM = NTOK, N_VAR, N_NEG, N_LNOT, N_BNOT, N_COND, N_SET, N_IF, N_FOR, N_SEQ };
typedef struct { int op, a, b, c, next; int32_t v; } node;
static node *nodes;
static int nnodes, ncap, tp;

static int mknode(int op, int a, int b, int c, int32_t v) {
    if (nnodes == ncap) {
        ncap = ncap ? ncap * 2 : 1024;
        nodes = realloc(nodes, sizeof(node) * (size_t)ncap);
        if (!nodes) exit(1);
    }
    nodes[nnodes] = (node){op, a, b, c, -1, v};
    return nnodes++;
}
static void expect(int k) {
    if (toks[tp].kind != k) { fprintf(stderr, "lexer: parse error at token %d\n", tp); exit(1); }
    tp++;
}
static int prec(int k) {
    static const int8_t p[] = {1, 2, 3, 4, 5, 6, 6, 7, 7, 7, 7, 8, 8, 9, 9, 10, 10, 10};
    return k >= T_OROR && k <= T_MOD ? p[k - T_OROR] : 0;
}
static int parse_expr(int minp);
static int parse_unary(void) {
    token t = toks[tp++];
    switch (t.kind) {
    case T_NUM: return mknode(N_NUM, -1, -1, -1, t.v);
    case T_ID: return mknode(N_VAR, -1, -1, -1, t.v);
    case T_SUB: return mknode(N_NEG, parse_unary(), -1, -1, 0);
    case T_NOT: return mknode(N_LNOT, parse_unary(), -1, -1, 0);
    case T_TILDE: return mknode(N_BNOT, parse_unary(), -1, -1, 0);
    case T_LP: {
        int e = parse_expr(1);
        if (toks[tp].kind == T_QUEST) {
            tp++;
            int a = parse_expr(1);
            expect(T_COLON);
            int b = parse_expr(1);
            e = mknode(N_COND, e, a, b, 0);
        }
        expect(T_RP);
        return e;
    }
    default: fprintf(stderr, "lexer: unexpected token %d\n", t.kind); exit(1);
    }
}
static int parse_expr(int minp) { /* precedence climbing, left associative */
    int lhs = parse_unary();
    for (;;) {
        int k = toks[tp].kind, p = prec(k);
        if (p < minp || p == 0) return lhs;
        tp++;
        int rhs = parse_expr(p + 1);
        lhs = mknode(k, lhs, rhs, -1, 0);
    }
}
static int parse_block(void);
static int parse_stmt(void) {
    int k = toks[tp].kind;
    if (k == T_VAR) {
        tp++;
        int v = toks[tp].v;
        expect(T_ID); expect(T_ASSIGN);
        int e = parse_expr(1);
        expect(T_SEMI);
        return mknode(N_SET, e, -1, -1, v * 4);
    }
    if (k == T_ID) {
        int v = toks[tp++].v, how = toks[tp].kind;
        tp++;
        int e = parse_expr(1);
        expect(T_SEMI);
        return mknode(N_SET, e, -1, -1, v * 4 + (how == T_ADDEQ ? 1 : how == T_SUBEQ ? 2 : how == T_XOREQ ? 3 : 0));
    }
    if (k == T_IF) {
        tp++; expect(T_LP);
        int c = parse_expr(1);
        expect(T_RP);
        int a = parse_block(), b = -1;
        if (toks[tp].kind == T_ELSE) tp++, b = parse_block();
        return mknode(N_IF, c, a, b, 0);
    }
    expect(T_FOR); expect(T_LP);
    int v = toks[tp].v;
    expect(T_ID); expect(T_ASSIGN);
    int init = parse_expr(1);
    expect(T_SEMI);
    tp++; expect(T_LT);
    int lim = parse_expr(1);
    expect(T_SEMI);
    tp++; expect(T_ADDEQ);
    int step = parse_expr(1);
    expect(T_RP);
    int body = parse_block();
    int n = mknode(N_FOR, init, lim, step, v);
    nodes[n].next = -1;
    return mknode(N_SEQ, n, body, -1, 0);
}
static int parse_block(void) {
    expect(T_LB);
    int head = -1, tail = -1;
    while (toks[tp].kind != T_RB) {
        int s = parse_stmt();
        if (head < 0) head = s; else nodes[tail].next = s;
        tail = s;
    }
    tp++;
    return mknode(N_SEQ, head, -1, -1, 1);
}

/* ---- folding and evaluation ------------------------------------------- */
static int32_t vars[32];
static uint64_t nevals;

static int32_t binop(int op, int32_t a, int32_t b) {
    uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
    switch (op) {
    case T_OROR: return a || b;
    case T_ANDAND: return a && b;
    case T_OR: return a | b;
    case T_XOR: return a ^ b;
    case T_AND: return a & b;
    case T_EQ: return a == b;
    case T_NE: return a != b;
    case T_LT: return a < b;
    case T_LE: return a <= b;
    case T_GT: return a > b;
    case T_GE: return a >= b;
    case T_SHL: return (int32_t)(ua << (ub & 31));
    case T_SHR: return a >> (ub & 31);
    case T_ADD: return (int32_t)(ua + ub);
    case T_SUB: return (int32_t)(ua - ub);
    case T_MUL: return (int32_t)(ua * ub);
    case T_DIV: return b == 0 || (b == -1 && a == INT32_MIN) ? 0 : a / b;
    default: return b == 0 || (b == -1 && a == INT32_MIN) ? 0 : a % b;
    }
}

static int32_t eval(int n) {
    node *x = &nodes[n];
    nevals++;
    switch (x->op) {
    case N_NUM: return x->v;
    case N_VAR: return vars[x->v];
    case N_NEG: return (int32_t)(0u - (uint32_t)eval(x->a));
    case N_LNOT: return !eval(x->a);
    case N_BNOT: return ~eval(x->a);
    case N_COND: return eval(x->a) ? eval(x->b) : eval(x->c);
    case T_OROR: return eval(x->a) || eval(x->b);
    case T_ANDAND: return eval(x->a) && eval(x->b);
    default: { int32_t a = eval(x->a); return binop(x->op, a, eval(x->b)); }
    }
}

static void exec(int s) {
    for (; s >= 0; s = nodes[s].next) {
        node *x = &nodes[s];
        nevals++;
        switch (x->op) {
        case N_SET: {
            int32_t v = eval(x->a), *d = &vars[x->v >> 2];
            switch (x->v & 3) {
            case 0: *d = v; break;
            case 1: *d = (int32_t)((uint32_t)*d + (uint32_t)v); break;
            case 2: *d = (int32_t)((uint32_t)*d - (uint32_t)v); break;
            default: *d ^= v;
            }
            break;
        }
        case N_IF:
            if (eval(x->a)) exec(x->b);
            else if (x->c >= 0) exec(x->c);
            break;
        case N_SEQ:
            if (x->v) exec(x->a); /* a block */
            else { /* a for loop: a is the N_FOR header, b the body */
                node *f = &nodes[x->a];
                for (vars[f->v] = eval(f->a); vars[f->v] < eval(f->b);
                     vars[f->v] = (int32_t)((uint32_t)vars[f->v] + (uint32_t)eval(f->c)))
                    exec(x->b);
            }
            break;
        }
    }
}

static int nfolded;
static int fold(int n) {
    if (n < 0) return n;
    node *x = &nodes[n];
    if (x->op >= N_SET) {
        if (x->op == N_SEQ && !x->v) {
            node *f = &nodes[x->a];
            f->a = fold(f->a); f->b = fold(f->b); f->c = fold(f->c);
            nodes[n].b = fold(nodes[n].b);
        } else if (x->op == N_SEQ) {
            for (int s = x->a; s >= 0; s = nodes[s].next) fold(s);
        } else {
            int a = fold(x->a), b = fold(x->b), c = fold(x->c);
            x = &nodes[n];
            x->a = a; x->b = b; x->c = c;
        }
        return n;
    }
    if (x->op == N_NUM || x->op == N_VAR) return n;
    int a = fold(x->a), b = fold(x->b), c = fold(x->c);
    x = &nodes[n];
    x->a = a; x->b = b; x->c = c;
    int ca = nodes[a].op == N_NUM, cb = b >= 0 && nodes[b].op == N_NUM;
    if (x->op == N_COND && ca) { nfolded++; return nodes[a].v ? b : c; }
    if (ca && (b < 0 || cb) && x->op != N_COND) {
        x->v = eval(n);
        x->op = N_NUM;
        nfolded++;
        return n;
    }
    if (cb && nodes[b].v == 0 && (x->op == T_ADD || x->op == T_SUB || x->op == T_OR || x->op == T_XOR)) {
        nfolded++;
        return a; /* x + 0, x - 0, x | 0, x ^ 0 */
    }
    if (cb && nodes[b].v == 1 && (x->op == T_MUL || x->op == T_DIV)) { nfolded++; return a; }
    return n;
}

/* nodes still reachable after folding (the AST is a tree: no sharing) */
static int count_live(int n) {
    int k = 0;
    for (; n >= 0; n = nodes[n].next) {
        node *x = &nodes[n];
        k++;
        if (x->op != N_NUM && x->op != N_VAR) k += count_live(x->a) + count_live(x->b) + count_live(x->c);
    }
    return k;
}

static uint64_t state_hash(void) {
    uint64_t h = BENCH_FNV_INIT;
    for (int i = 0; i < nnames; i++) h = bench_mix(h, (uint32_t)vars[i]);
    return h;
}

int main(int argc, char **argv) {
    int n = (int)bench_arg(argc, argv, 1, 2500);
    rng.s = 0x1e7e5ULL;
    for (int i = 0; i < NVARS; i++) {
        char b[40];
        snprintf(b, sizeof b, "var v%d = %d;\n", i, RND(1000));
        put(b);
    }
    for (int i = 0; i < n; i++) gen_stmt(0, 0);
    lex();
    tp = 0;
    int head = -1, tail = -1;
    while (toks[tp].kind != T_EOF) {
        int s = parse_stmt();
        if (head < 0) head = s; else nodes[tail].next = s;
        tail = s;
    }
    int prog = mknode(N_SEQ, head, -1, -1, 1), before = nnodes;
    memset(vars, 0, sizeof vars);
    exec(prog);
    uint64_t h1 = state_hash(), e1 = nevals;
    fold(prog);
    int live = count_live(prog);
    memset(vars, 0, sizeof vars);
    nevals = 0;
    exec(prog);
    uint64_t h2 = state_hash(), e2 = nevals;
    printf("source %zu bytes, %d lines, %d tokens, %d names\n", slen, lines, ntoks, nnames);
    printf("ast %d nodes, %d live after folding (%d folds)\n", before, live, nfolded);
    printf("evaluation steps %llu unfolded, %llu folded%s\n", (unsigned long long)e1,
           (unsigned long long)e2, h1 == h2 ? "" : " (STATE DIFFERS)");
    printf("vars:");
    for (int i = 0; i < nnames && i < NVARS; i++) printf(" %d", (int)vars[i]);
    uint64_t h = bench_mix(bench_mix(bench_mix(h2, (uint64_t)ntoks), e1), e2);
    printf("\nhash %016llx\n", (unsigned long long)h);
    free(src); free(toks); free(nodes);
    return h1 != h2;
}
