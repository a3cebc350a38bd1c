/*
 * parse.c -- recursive descent from tokens to a syntax tree.
 *
 *   program   := stmt*
 *   stmt      := "let" NAME "=" expr ";" | "fn" NAME "(" params ")" block
 *              | "if" "(" expr ")" block ("else" (if-stmt | block))?
 *              | "while" "(" expr ")" block | "for" "(" NAME "in" expr ")" block
 *              | "return" expr? ";" | "break" ";" | "continue" ";" | block
 *              | target ("=" | "+=" | "-=" | "*=" | "/=") expr ";" | expr ";"
 *   expr      := or ;  or := and ("or" and)* ; and := not ("and" not)*
 *   not       := "not" not | cmp ; cmp := sum (cmp-op sum)?
 *   sum       := term (("+"|"-") term)* ; term := unary (("*"|"/"|"%") unary)*
 *   unary     := "-" unary | postfix
 *   postfix   := primary ( "(" args ")" | "[" expr "]" | "." NAME )*
 *   primary   := INT | FLOAT | STRING | NAME | "true" | "false" | "nil"
 *              | "(" expr ")" | "[" list "]" | "{" (expr ":" expr),* "}"
 *              | "fn" "(" params ")" block
 * `a.b` is sugar for `a["b"]`. Syntax errors exit with status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl.h"

typedef struct Parser {
    VM *vm;
    Lexer lx;
    Token cur, next;
} Parser;

static _Noreturn void parse_error(Parser *p, const char *what) {
    fprintf(stderr, "%s:%d: syntax error: expected %s, found %s\n", p->lx.file, p->cur.line,
            what, tok_name(p->cur.t));
    exit(2);
}

static void advance(Parser *p) {
    p->cur = p->next;
    p->next = lex_next(&p->lx);
}

static int accept(Parser *p, tok t) {
    if (p->cur.t != t) return 0;
    advance(p);
    return 1;
}

static void expect(Parser *p, tok t) {
    if (!accept(p, t)) parse_error(p, tok_name(t));
}

static Node *node(ntype t, int line) {
    Node *n = xmalloc(sizeof *n);
    memset(n, 0, sizeof *n);
    n->t = t;
    n->line = line;
    return n;
}

static void add_kid(Node *n, Node *k, int *cap) {
    if (n->nkids == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        n->kids = xrealloc(n->kids, (size_t)*cap * sizeof *n->kids);
    }
    n->kids[n->nkids++] = k;
}

static Str *name_of(Parser *p) {
    if (p->cur.t != K_NAME) parse_error(p, "a name");
    Str *s = str_intern(p->vm, p->cur.start, p->cur.len);
    advance(p);
    return s;
}

static Node *expr(Parser *p);
static Node *block(Parser *p);
static Node *stmt(Parser *p);

static Node *func_rest(Parser *p, Node *f) {
    expect(p, K_LPAREN);
    int cap = 0;
    if (p->cur.t != K_RPAREN) {
        do {
            if (f->nparams == cap) {
                cap = cap ? cap * 2 : 4;
                f->params = xrealloc(f->params, (size_t)cap * sizeof *f->params);
            }
            f->params[f->nparams++] = name_of(p);
        } while (accept(p, K_COMMA));
    }
    expect(p, K_RPAREN);
    f->a = block(p);
    return f;
}

static Node *primary(Parser *p) {
    Token t = p->cur;
    Node *n;
    switch (t.t) {
    case K_INT:
        advance(p);
        n = node(N_INT, t.line);
        n->i = t.i;
        return n;
    case K_FLOAT:
        advance(p);
        n = node(N_FLOAT, t.line);
        n->f = t.f;
        return n;
    case K_STR:
        advance(p);
        n = node(N_STR, t.line);
        n->s = str_intern(p->vm, t.s, t.slen);
        free(t.s);
        return n;
    case K_NAME:
        n = node(N_NAME, t.line);
        n->name = name_of(p);
        return n;
    case K_TRUE: advance(p); return node(N_TRUE, t.line);
    case K_FALSE: advance(p); return node(N_FALSE, t.line);
    case K_NIL: advance(p); return node(N_NIL, t.line);
    case K_LPAREN:
        advance(p);
        n = expr(p);
        expect(p, K_RPAREN);
        return n;
    case K_LBRACK: {
        advance(p);
        n = node(N_LIST, t.line);
        int cap = 0;
        while (p->cur.t != K_RBRACK) {
            add_kid(n, expr(p), &cap);
            if (!accept(p, K_COMMA)) break;
        }
        expect(p, K_RBRACK);
        return n;
    }
    case K_LBRACE: {
        advance(p);
        n = node(N_MAP, t.line);
        int cap = 0;
        while (p->cur.t != K_RBRACE) {
            add_kid(n, expr(p), &cap);
            expect(p, K_COLON);
            add_kid(n, expr(p), &cap);
            if (!accept(p, K_COMMA)) break;
        }
        expect(p, K_RBRACE);
        return n;
    }
    case K_FN:
        advance(p);
        return func_rest(p, node(N_FUNC, t.line));
    default: parse_error(p, "an expression");
    }
}

static Node *postfix(Parser *p) {
    Node *n = primary(p);
    for (;;) {
        int line = p->cur.line;
        if (accept(p, K_LPAREN)) {
            Node *c = node(N_CALL, line);
            c->a = n;
            int cap = 0;
            while (p->cur.t != K_RPAREN) {
                add_kid(c, expr(p), &cap);
                if (!accept(p, K_COMMA)) break;
            }
            expect(p, K_RPAREN);
            n = c;
        } else if (accept(p, K_LBRACK)) {
            Node *x = node(N_INDEX, line);
            x->a = n;
            x->b = expr(p);
            expect(p, K_RBRACK);
            n = x;
        } else if (accept(p, K_DOT)) {
            Node *x = node(N_INDEX, line);
            x->a = n;
            x->b = node(N_STR, line);
            x->b->s = name_of(p);
            n = x;
        } else {
            return n;
        }
    }
}

static Node *unary(Parser *p) {
    int line = p->cur.line;
    if (accept(p, K_MINUS)) {
        Node *n = node(N_NEG, line);
        n->a = unary(p);
        return n;
    }
    return postfix(p);
}

static Node *binary(int op, Node *a, Node *b, int line) {
    Node *n = node(N_BIN, line);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static Node *term(Parser *p) {
    Node *n = unary(p);
    while (p->cur.t == K_STAR || p->cur.t == K_SLASH || p->cur.t == K_PERCENT) {
        tok op = p->cur.t;
        int line = p->cur.line;
        advance(p);
        n = binary(op, n, unary(p), line);
    }
    return n;
}

static Node *sum(Parser *p) {
    Node *n = term(p);
    while (p->cur.t == K_PLUS || p->cur.t == K_MINUS) {
        tok op = p->cur.t;
        int line = p->cur.line;
        advance(p);
        n = binary(op, n, term(p), line);
    }
    return n;
}

static Node *cmp(Parser *p) {
    Node *n = sum(p);
    tok t = p->cur.t;
    if (t == K_EQ || t == K_NE || t == K_LT || t == K_LE || t == K_GT || t == K_GE) {
        int line = p->cur.line;
        advance(p);
        n = binary(t, n, sum(p), line);
    }
    return n;
}

static Node *not_expr(Parser *p) {
    int line = p->cur.line;
    if (accept(p, K_NOT)) {
        Node *n = node(N_NOT, line);
        n->a = not_expr(p);
        return n;
    }
    return cmp(p);
}

static Node *and_expr(Parser *p) {
    Node *n = not_expr(p);
    while (p->cur.t == K_AND) {
        Node *x = node(N_AND, p->cur.line);
        advance(p);
        x->a = n;
        x->b = not_expr(p);
        n = x;
    }
    return n;
}

static Node *expr(Parser *p) {
    Node *n = and_expr(p);
    while (p->cur.t == K_OR) {
        Node *x = node(N_OR, p->cur.line);
        advance(p);
        x->a = n;
        x->b = and_expr(p);
        n = x;
    }
    return n;
}

static Node *block(Parser *p) {
    Node *n = node(N_BLOCK, p->cur.line);
    expect(p, K_LBRACE);
    int cap = 0;
    while (p->cur.t != K_RBRACE) {
        if (p->cur.t == K_EOF) parse_error(p, "'}'");
        add_kid(n, stmt(p), &cap);
    }
    advance(p);
    return n;
}

static Node *if_stmt(Parser *p) {
    Node *n = node(N_IF, p->cur.line);
    expect(p, K_LPAREN);
    n->a = expr(p);
    expect(p, K_RPAREN);
    n->b = block(p);
    if (accept(p, K_ELSE)) n->c = accept(p, K_IF) ? if_stmt(p) : block(p);
    return n;
}

static Node *stmt(Parser *p) {
    int line = p->cur.line;
    Node *n;
    switch (p->cur.t) {
    case K_LET:
        advance(p);
        n = node(N_LET, line);
        n->name = name_of(p);
        expect(p, K_ASSIGN);
        n->a = expr(p);
        expect(p, K_SEMI);
        return n;
    case K_FN:
        if (p->next.t != K_NAME) break; /* an anonymous function expression */
        advance(p);
        n = node(N_LET, line);
        n->name = name_of(p);
        n->a = func_rest(p, node(N_FUNC, line));
        n->a->name = n->name;
        return n;
    case K_IF: advance(p); return if_stmt(p);
    case K_WHILE:
        advance(p);
        n = node(N_WHILE, line);
        expect(p, K_LPAREN);
        n->a = expr(p);
        expect(p, K_RPAREN);
        n->b = block(p);
        return n;
    case K_FOR:
        advance(p);
        n = node(N_FOR, line);
        expect(p, K_LPAREN);
        n->name = name_of(p);
        expect(p, K_IN);
        n->a = expr(p);
        expect(p, K_RPAREN);
        n->b = block(p);
        return n;
    case K_RETURN:
        advance(p);
        n = node(N_RETURN, line);
        if (p->cur.t != K_SEMI) n->a = expr(p);
        expect(p, K_SEMI);
        return n;
    case K_BREAK:
        advance(p);
        expect(p, K_SEMI);
        return node(N_BREAK, line);
    case K_CONTINUE:
        advance(p);
        expect(p, K_SEMI);
        return node(N_CONTINUE, line);
    case K_LBRACE: return block(p);
    default: break;
    }
    Node *e = expr(p);
    tok t = p->cur.t;
    if (t == K_ASSIGN || t == K_PLUSEQ || t == K_MINUSEQ || t == K_STAREQ || t == K_SLASHEQ) {
        if (e->t != N_NAME && e->t != N_INDEX) parse_error(p, "';' (cannot assign to this)");
        advance(p);
        Node *rhs = expr(p);
        if (t != K_ASSIGN) {
            static const tok ops[] = {[K_PLUSEQ] = K_PLUS, [K_MINUSEQ] = K_MINUS,
                                      [K_STAREQ] = K_STAR, [K_SLASHEQ] = K_SLASH};
            rhs = binary(ops[t], e, rhs, line);
        }
        if (e->t == N_NAME) {
            n = node(N_ASSIGN, line);
            n->name = e->name;
            n->a = rhs;
        } else {
            n = node(N_SETINDEX, line);
            n->a = e->a;
            n->b = e->b;
            n->c = rhs;
        }
        expect(p, K_SEMI);
        return n;
    }
    expect(p, K_SEMI);
    n = node(N_EXPR, line);
    n->a = e;
    return n;
}

Node *parse_program(VM *vm, const char *src, const char *file) {
    Parser p;
    p.vm = vm;
    lex_init(&p.lx, src, file);
    p.next = lex_next(&p.lx);
    advance(&p);
    Node *prog = node(N_BLOCK, 1);
    int cap = 0;
    while (p.cur.t != K_EOF) add_kid(prog, stmt(&p), &cap);
    return prog;
}
