/*
 * lex.c -- tokens of tl: numbers (decimal, 0x hex, floats with . or e),
 * strings in double quotes with \n \t \\ \" \0 \xHH escapes, names and
 * keywords, operators, and comments from # to the end of the line.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl.h"

static const struct {
    const char *word;
    tok t;
} keywords[] = {
    {"let", K_LET},       {"fn", K_FN},       {"if", K_IF},         {"else", K_ELSE},
    {"while", K_WHILE},   {"for", K_FOR},     {"in", K_IN},         {"return", K_RETURN},
    {"break", K_BREAK},   {"continue", K_CONTINUE}, {"true", K_TRUE}, {"false", K_FALSE},
    {"nil", K_NIL},       {"and", K_AND},     {"or", K_OR},         {"not", K_NOT},
};

static const char *const tok_names[] = {
    "end of input", "integer", "float", "string", "name",
    "'let'", "'fn'", "'if'", "'else'", "'while'", "'for'", "'in'", "'return'", "'break'",
    "'continue'", "'true'", "'false'", "'nil'", "'and'", "'or'", "'not'",
    "'('", "')'", "'{'", "'}'", "'['", "']'", "','", "';'", "':'", "'.'",
    "'='", "'+='", "'-='", "'*='", "'/='",
    "'=='", "'!='", "'<'", "'<='", "'>'", "'>='",
    "'+'", "'-'", "'*'", "'/'", "'%'",
};

const char *tok_name(tok t) {
    return (size_t)t < sizeof tok_names / sizeof tok_names[0] ? tok_names[t] : "?";
}

void lex_init(Lexer *lx, const char *src, const char *file) {
    lx->src = src;
    lx->p = src;
    lx->line = 1;
    lx->file = file;
}

static _Noreturn void lex_error(Lexer *lx, const char *msg) {
    fprintf(stderr, "%s:%d: syntax error: %s\n", lx->file, lx->line, msg);
    exit(2);
}

static void skip_space(Lexer *lx) {
    for (;;) {
        char c = *lx->p;
        if (c == '\n') {
            lx->line++;
            lx->p++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            lx->p++;
        } else if (c == '#') {
            while (*lx->p && *lx->p != '\n') lx->p++;
        } else {
            return;
        }
    }
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static Token lex_string(Lexer *lx, Token t) {
    size_t cap = 16, n = 0;
    char *s = xmalloc(cap);
    lx->p++; /* opening quote */
    for (;;) {
        char c = *lx->p;
        if (!c) lex_error(lx, "unterminated string");
        if (c == '"') {
            lx->p++;
            break;
        }
        if (c == '\n') lx->line++;
        if (c == '\\') {
            lx->p++;
            c = *lx->p;
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case '0': c = '\0'; break;
            case '\\': case '"': break;
            case 'x': {
                int h = hexval(lx->p[1]), l = h >= 0 ? hexval(lx->p[2]) : -1;
                if (h < 0 || l < 0) lex_error(lx, "bad \\x escape");
                c = (char)(h * 16 + l);
                lx->p += 2;
                break;
            }
            default: lex_error(lx, "unknown escape");
            }
        }
        if (n + 1 >= cap) s = xrealloc(s, cap *= 2);
        s[n++] = c;
        lx->p++;
    }
    s[n] = '\0';
    t.t = K_STR;
    t.s = s;
    t.slen = n;
    return t;
}

static Token lex_number(Lexer *lx, Token t) {
    const char *p = lx->p;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        uint64_t v = 0;
        p += 2;
        if (hexval(*p) < 0) lex_error(lx, "bad hex number");
        while (hexval(*p) >= 0) v = v * 16 + (uint64_t)hexval(*p++);
        t.t = K_INT;
        t.i = (int64_t)v;
        lx->p = p;
        return t;
    }
    while (isdigit((unsigned char)*p)) p++;
    int is_float = 0;
    if (*p == '.' && isdigit((unsigned char)p[1])) {
        is_float = 1;
        p++;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-') q++;
        if (isdigit((unsigned char)*q)) {
            is_float = 1;
            p = q;
            while (isdigit((unsigned char)*p)) p++;
        }
    }
    char buf[64];
    size_t n = (size_t)(p - lx->p);
    if (n >= sizeof buf) lex_error(lx, "number too long");
    memcpy(buf, lx->p, n);
    buf[n] = '\0';
    if (is_float) {
        t.t = K_FLOAT;
        t.f = strtod(buf, NULL);
    } else {
        t.t = K_INT;
        t.i = (int64_t)strtoull(buf, NULL, 10);
    }
    lx->p = p;
    return t;
}

Token lex_next(Lexer *lx) {
    skip_space(lx);
    Token t;
    memset(&t, 0, sizeof t);
    t.line = lx->line;
    t.start = lx->p;
    char c = *lx->p;
    if (!c) {
        t.t = K_EOF;
        return t;
    }
    if (c == '"') return lex_string(lx, t);
    if (isdigit((unsigned char)c)) return lex_number(lx, t);
    if (isalpha((unsigned char)c) || c == '_') {
        const char *p = lx->p;
        while (isalnum((unsigned char)*p) || *p == '_') p++;
        t.len = (size_t)(p - lx->p);
        lx->p = p;
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
            if (strlen(keywords[i].word) == t.len && !memcmp(keywords[i].word, t.start, t.len)) {
                t.t = keywords[i].t;
                return t;
            }
        t.t = K_NAME;
        return t;
    }
    char d = lx->p[1];
    lx->p++;
    switch (c) {
    case '(': t.t = K_LPAREN; break;
    case ')': t.t = K_RPAREN; break;
    case '{': t.t = K_LBRACE; break;
    case '}': t.t = K_RBRACE; break;
    case '[': t.t = K_LBRACK; break;
    case ']': t.t = K_RBRACK; break;
    case ',': t.t = K_COMMA; break;
    case ';': t.t = K_SEMI; break;
    case ':': t.t = K_COLON; break;
    case '.': t.t = K_DOT; break;
    case '%': t.t = K_PERCENT; break;
    case '=': t.t = d == '=' ? (lx->p++, K_EQ) : K_ASSIGN; break;
    case '!':
        if (d != '=') lex_error(lx, "'!' is spelled 'not'");
        lx->p++;
        t.t = K_NE;
        break;
    case '<': t.t = d == '=' ? (lx->p++, K_LE) : K_LT; break;
    case '>': t.t = d == '=' ? (lx->p++, K_GE) : K_GT; break;
    case '+': t.t = d == '=' ? (lx->p++, K_PLUSEQ) : K_PLUS; break;
    case '-': t.t = d == '=' ? (lx->p++, K_MINUSEQ) : K_MINUS; break;
    case '*': t.t = d == '=' ? (lx->p++, K_STAREQ) : K_STAR; break;
    case '/': t.t = d == '=' ? (lx->p++, K_SLASHEQ) : K_SLASH; break;
    default: {
        char msg[64];
        snprintf(msg, sizeof msg, "unexpected character '%c'", c);
        lex_error(lx, msg);
    }
    }
    t.len = (size_t)(lx->p - t.start);
    return t;
}
