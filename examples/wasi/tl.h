/*
 * tl.h -- "tl", a tiny dynamically typed scripting language: the example
 * program that runs unchanged as a native executable and as a WASI guest
 * under `hive run` (their outputs must match byte for byte).
 *
 * Pieces: lex.c (tokens), parse.c (syntax tree), value.c (objects,
 * strings, lists, maps and a mark-and-sweep collector), eval.c (the
 * tree-walking evaluator), lib.c (built-in functions, files included),
 * main.c (the command line). The language is described in README.md.
 */
#ifndef TL_H
#define TL_H

#include <stddef.h>
#include <stdint.h>

/* ---- values --------------------------------------------------------------- */

typedef enum vtype {
    T_NIL, T_BOOL, T_INT, T_FLOAT, T_STR, T_LIST, T_MAP, T_FUNC, T_NATIVE, T_ENV
} vtype;

typedef struct Obj Obj;
typedef struct Value {
    vtype t;
    union {
        int b;
        int64_t i;
        double f;
        Obj *o;
    } u;
} Value;

/* Every heap object starts with this header; all are on one list. */
struct Obj {
    vtype t;
    uint8_t marked;
    Obj *next;
};

typedef struct Str {
    Obj h;
    uint32_t hash;
    size_t len;
    char s[]; /* NUL-terminated too */
} Str;

typedef struct List {
    Obj h;
    size_t n, cap;
    Value *v;
} List;

/* Maps keep insertion order (entries) with an open-addressing index. */
typedef struct MapEnt {
    Value k, v;
    int live;
} MapEnt;

typedef struct Map {
    Obj h;
    size_t live;       /* entries in use */
    size_t n, cap;     /* entries allocated, including removed ones */
    MapEnt *e;
    int32_t *idx;      /* -1 empty, else entry index */
    size_t icap;       /* power of two */
} Map;

/* Variables of one function activation (or the globals). Names are
 * interned strings, compared by pointer. */
typedef struct Env {
    Obj h;
    struct Env *parent;
    size_t n, cap;
    Str **names;
    Value *vals;
} Env;

struct Node;
typedef struct Func {
    Obj h;
    struct Node *def;
    Env *env;
} Func;

struct VM;
typedef Value (*native_fn)(struct VM *vm, int argc, Value *argv, int line);
typedef struct Native {
    Obj h;
    const char *name;
    native_fn fn;
    int min_args, max_args; /* max -1: any */
} Native;

/* ---- syntax ----------------------------------------------------------------- */

typedef enum tok {
    K_EOF, K_INT, K_FLOAT, K_STR, K_NAME,
    K_LET, K_FN, K_IF, K_ELSE, K_WHILE, K_FOR, K_IN, K_RETURN, K_BREAK, K_CONTINUE,
    K_TRUE, K_FALSE, K_NIL, K_AND, K_OR, K_NOT,
    K_LPAREN, K_RPAREN, K_LBRACE, K_RBRACE, K_LBRACK, K_RBRACK,
    K_COMMA, K_SEMI, K_COLON, K_DOT,
    K_ASSIGN, K_PLUSEQ, K_MINUSEQ, K_STAREQ, K_SLASHEQ,
    K_EQ, K_NE, K_LT, K_LE, K_GT, K_GE,
    K_PLUS, K_MINUS, K_STAR, K_SLASH, K_PERCENT
} tok;

typedef struct Token {
    tok t;
    int line;
    const char *start;
    size_t len;
    int64_t i;
    double f;
    char *s; /* K_STR: unescaped, malloc'd; K_NAME: copy */
    size_t slen;
} Token;

typedef struct Lexer {
    const char *src, *p;
    int line;
    const char *file;
} Lexer;

typedef enum ntype {
    N_INT, N_FLOAT, N_STR, N_NIL, N_TRUE, N_FALSE, N_NAME,
    N_LIST, N_MAP, N_BIN, N_AND, N_OR, N_NOT, N_NEG,
    N_CALL, N_INDEX, N_FUNC, N_ASSIGN, N_SETINDEX,
    N_LET, N_IF, N_WHILE, N_FOR, N_RETURN, N_BREAK, N_CONTINUE, N_BLOCK, N_EXPR
} ntype;

typedef struct Node {
    ntype t;
    int line;
    int op;             /* N_BIN: a tok */
    struct Node *a, *b, *c;
    struct Node **kids; /* N_LIST, N_MAP (k, v pairs), N_CALL args, N_BLOCK */
    int nkids;
    Str *name;          /* N_NAME, N_LET, N_FOR, N_FUNC (may be NULL) */
    Str **params;
    int nparams;
    int64_t i;
    double f;
    Str *s;             /* N_STR */
} Node;

/* ---- the interpreter ------------------------------------------------------------ */

typedef struct VM {
    Obj *objects;
    size_t bytes, next_gc;
    int gc_pending;
    size_t collections;
    int gc_stress;      /* collect at every statement (TL_GC_STRESS=1) */
    Env *globals;
    /* Roots besides globals: temporaries of expressions in progress and
     * the environments of active calls. */
    Value *roots;
    size_t nroots, roots_cap;
    Env **frames;
    size_t nframes, frames_cap;
    /* Interned strings (names and literals): an open-addressing set. */
    Str **intern;
    size_t nintern, intern_cap;
    int depth;          /* call depth, to report runaway recursion */
    const char *file;
    Value script_args;  /* the list `args` */
} VM;

/* lex.c */
void lex_init(Lexer *lx, const char *src, const char *file);
Token lex_next(Lexer *lx);
const char *tok_name(tok t);

/* parse.c */
Node *parse_program(VM *vm, const char *src, const char *file);

/* value.c */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
void vm_init(VM *vm);
void vm_free(VM *vm);
Str *str_new(VM *vm, const char *s, size_t len);
Str *str_intern(VM *vm, const char *s, size_t len);
List *list_new(VM *vm, size_t cap);
void list_push(List *l, Value v);
Map *map_new(VM *vm);
Value *map_get(Map *m, Value k);
void map_set(VM *vm, Map *m, Value k, Value v);
int map_del(Map *m, Value k);
Env *env_new(VM *vm, Env *parent);
void env_define(Env *e, Str *name, Value v);
Value *env_find(Env *e, Str *name);
Func *func_new(VM *vm, Node *def, Env *env);
Native *native_new(VM *vm, const char *name, native_fn fn, int min, int max);
void gc_collect(VM *vm);
void root_push(VM *vm, Value v);
void root_pop(VM *vm, size_t n);
void frame_push(VM *vm, Env *e);
void frame_pop(VM *vm);
int value_equal(Value a, Value b);
uint32_t value_hash(Value v);
int value_truthy(Value v);
const char *type_name(Value v);

static inline Value v_nil(void) { Value v; v.t = T_NIL; v.u.i = 0; return v; }
static inline Value v_bool(int b) { Value v; v.t = T_BOOL; v.u.i = 0; v.u.b = !!b; return v; }
static inline Value v_int(int64_t i) { Value v; v.t = T_INT; v.u.i = i; return v; }
static inline Value v_float(double f) { Value v; v.t = T_FLOAT; v.u.f = f; return v; }
static inline Value v_obj(void *o) { Value v; v.t = ((Obj *)o)->t; v.u.o = (Obj *)o; return v; }
#define AS_STR(v) ((Str *)(v).u.o)
#define AS_LIST(v) ((List *)(v).u.o)
#define AS_MAP(v) ((Map *)(v).u.o)
#define AS_FUNC(v) ((Func *)(v).u.o)
#define AS_NATIVE(v) ((Native *)(v).u.o)

/* eval.c */
_Noreturn void tl_error(VM *vm, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
Value run_program(VM *vm, Node *prog);
Value call_value(VM *vm, Value f, int argc, Value *argv, int line);

/* lib.c */
void lib_install(VM *vm);
/* Appends the text form of v to a growable buffer; repr quotes strings. */
typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;
void buf_put(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void value_format(Buf *b, Value v, int repr);

#endif
