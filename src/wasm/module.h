/*
 * module.h -- the engine's in-memory form of a module.
 *
 * decode.c fills a wasm_module from bytes (structure only: sections,
 * types, imports, exports, segments, function bodies as byte ranges).
 * validate.c checks it; compile.c compiles each body into wasm_code
 * (validate.c checking it again and emit.c writing the code).
 * instance.c instantiates it; interp.c runs the compiled code.
 * All strings and body ranges point into module->bytes (owned copy).
 */
#ifndef HIVE_WASM_MODULE_H
#define HIVE_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hive/wasm.h"

/* Value types use the binary encoding (hive_valtype). */
#define WASM_I32 0x7f
#define WASM_I64 0x7e
#define WASM_F32 0x7d
#define WASM_F64 0x7c
#define WASM_V128 0x7b
#define WASM_FUNCREF 0x70
#define WASM_EXTERNREF 0x6f

/* Implementation limits (checked by the decoder, reported as malformed or
 * as limit errors). Generous: the spec suite and real toolchains stay far
 * below them. */
#define WASM_MAX_PARAMS 1000
#define WASM_MAX_RESULTS 1000
#define WASM_MAX_LOCALS 50000 /* per function, params included */
#define WASM_MAX_FUNCS 1000000
#define WASM_MAX_TYPES 1000000
#define WASM_MAX_SEGMENTS 100000
#define WASM_MAX_TABLES 100000
#define WASM_MAX_GLOBALS 1000000
#define WASM_MAX_IMPORTS 100000
#define WASM_MAX_EXPORTS 100000
#define WASM_MAX_MEMORY_PAGES 65536u

typedef struct wasm_name {
    const char *ptr; /* into module bytes; not NUL-terminated */
    uint32_t len;
} wasm_name;

/* Number of 8-byte slots a value of type t takes on the value stack. */
static inline uint32_t wasm_slots(uint8_t t) { return t == WASM_V128 ? 2u : 1u; }

typedef struct wasm_functype {
    uint32_t nparams, nresults;
    uint8_t *params;  /* owned */
    uint8_t *results; /* owned */
    uint32_t param_slots, result_slots;
} wasm_functype;

typedef struct wasm_limits {
    uint32_t min, max;
    bool has_max;
    bool shared; /* memories: the threads proposal's shared flag */
    uint32_t at; /* byte offset in the module, for errors */
} wasm_limits;

typedef struct wasm_tabletype {
    uint8_t elemtype; /* WASM_FUNCREF or WASM_EXTERNREF */
    wasm_limits limits;
} wasm_tabletype;

typedef struct wasm_globaltype {
    uint8_t valtype;
    bool mutable_;
} wasm_globaltype;

/* A constant expression. In WebAssembly 2.0 a valid one is a single
 * instruction followed by `end`; the decoder records the byte range and
 * validate.c checks it and fills in op/value. */
typedef enum wasm_const_op {
    WASM_CONST_NONE = 0, /* not yet validated */
    WASM_CONST_VALUE,    /* i32/i64/f32/f64/v128.const: value in bits/v128 */
    WASM_CONST_GLOBAL,   /* global.get index */
    WASM_CONST_REF_NULL, /* ref.null */
    WASM_CONST_REF_FUNC, /* ref.func index */
    WASM_CONST_EXPR      /* extended-const: i32/i64 add, sub, mul over constants and
                          * global.get; evaluated from the bytes at instantiation
                          * (hv_wasm_constexpr_eval). One without global.get is folded
                          * into WASM_CONST_VALUE by validation. */
} wasm_const_op;

/* Operand stack bound of an extended constant expression (an
 * implementation limit: validation rejects a deeper one). */
#define WASM_CONST_MAX_DEPTH 256

typedef struct wasm_constexpr {
    uint32_t start, end; /* byte range in module bytes, `end` opcode included */
    wasm_const_op op;
    uint8_t type; /* result type, set by validation */
    uint32_t index;
    uint64_t bits;
    uint8_t v128[16];
} wasm_constexpr;

/* constexpr.c: the value of validated expression e (WASM_CONST_EXPR or a
 * single integer constant) of the module whose bytes are `bytes`; global
 * index i reads global(ctx, i) (never called when the expression has no
 * global.get; may then be NULL). An i32 result is zero-extended. */
typedef uint64_t (*wasm_constexpr_global_fn)(void *ctx, uint32_t index);
uint64_t hv_wasm_constexpr_eval(const uint8_t *bytes, const wasm_constexpr *e,
                             wasm_constexpr_global_fn global, void *ctx);

typedef struct wasm_import {
    wasm_name module, name;
    uint8_t kind; /* hive_externkind */
    uint32_t index; /* index in the kind's index space (imports come first) */
    /* type, by kind: */
    uint32_t typeidx;           /* FUNC, TAG */
    wasm_tabletype table;       /* TABLE */
    wasm_limits memory;         /* MEMORY */
    wasm_globaltype global;     /* GLOBAL */
} wasm_import;

typedef struct wasm_export {
    wasm_name name;
    uint8_t kind; /* hive_externkind */
    uint32_t index;
} wasm_export;

typedef struct wasm_global {
    wasm_globaltype type;
    wasm_constexpr init; /* unused for imported globals */
} wasm_global;

typedef enum wasm_segmode {
    WASM_SEG_ACTIVE = 0,
    WASM_SEG_PASSIVE = 1,
    WASM_SEG_DECLARATIVE = 2
} wasm_segmode;

typedef struct wasm_elem {
    wasm_segmode mode;
    uint8_t elemtype;
    uint32_t table;        /* ACTIVE */
    wasm_constexpr offset; /* ACTIVE */
    uint32_t count;
    /* Either function indices (legacy encodings 0..3) or expressions
     * (encodings 4..7); exactly one of the two is non-NULL when count > 0. */
    uint32_t *funcs;        /* owned */
    wasm_constexpr *exprs;  /* owned */
    uint32_t at;            /* byte offset in the module, for errors */
} wasm_elem;

typedef struct wasm_data {
    wasm_segmode mode; /* ACTIVE or PASSIVE */
    uint32_t memory;
    wasm_constexpr offset; /* ACTIVE */
    const uint8_t *bytes;  /* into module bytes */
    uint32_t len;
    uint32_t at; /* byte offset in the module, for errors */
} wasm_data;

/* One 8-byte cell of compiled code: an operation (label address when the
 * interpreter threads code, opcode number otherwise) or an immediate. */
typedef union wasm_cell {
    const void *label;
    uint64_t u64;
    int64_t i64;
    uint32_t u32;
    int32_t i32;
    const union wasm_cell *target; /* branch target */
    const void *ptr;
} wasm_cell;

/* An exception handler of a compiled body (try_table, exception
 * handling): a throw at a cell in [start, end), or a call whose last cell
 * is there, is caught when the thrown tag is the instance's tag `tag`
 * (WASM_TAG_ALL: any): the tag's values are stored from slot `slot` up
 * and execution continues at cell `pad`. A body's handlers are listed
 * innermost try_table first, clauses in order. */
#define WASM_TAG_ALL UINT32_MAX
typedef struct wasm_handler {
    uint32_t start, end, pad;
    uint32_t tag;
    uint32_t slot;
} wasm_handler;

/* A function body: as decoded, then as compiled. */
typedef struct wasm_code {
    /* decoded */
    uint32_t entry_start;          /* the code entry, after its size */
    uint32_t body_start, body_end; /* byte range of the expression */
    uint32_t nlocals;              /* declared locals (params excluded) */
    uint8_t *local_types;          /* owned; nlocals entries */
    /* set by validation, at load */
    uint32_t func_index;   /* in the module's function index space */
    uint32_t type_index;
    const wasm_functype *type;
    uint32_t param_slots;  /* slots taken by params */
    uint32_t local_slots;  /* params + locals */
    /* compiled (compile.c), by default on the function's first call
     * (module.c, hv_module_code_cells): until then, the shared one-cell
     * hv_interp_lazy_stub (ENTER_LAZY; NULL before validation). cells is
     * written last, with release order, so that a reader that loads it
     * with acquire order and finds it compiled may read the fields below. */
    wasm_cell *cells; /* owned, unless hv_interp_lazy_stub */
    uint32_t ncells;
    /* declared locals a call must zero (the others are written before
     * they are read on every path): slots zero_start .. zero_end - 1 */
    uint32_t zero_start, zero_end;
    /* the same for calls (interp.c): zero_len slots from zero_at, 0 until
     * compiled; zero_at, then zero_len (release), then cells are written,
     * and read in the other order (acquire), so that a reader that sees
     * zero_len set sees zero_at; max_slots likewise, 0 until compiled */
    uint32_t zero_at, zero_len;
    uint32_t nfused; /* runs of instructions fused into pairs or triples */
    uint32_t max_slots;    /* locals + deepest operand stack */
    wasm_handler *handlers; /* owned; set with the cells (compiled) */
    uint32_t nhandlers;
    uint32_t *local_offsets; /* unused (NULL) */
    /* Inline copies are made once the function is hot (module.c,
     * hv_module_sample; docs/ARCHITECTURE.md, "Inline copies: when"):
     * until then tier_insns keeps its compiled instructions (owned; NULL
     * once it has its copies, or when it gets none). Written under the
     * module's compile lock; read without it (relaxed) to skip the lock. */
    struct wasm_insn *tier_insns;
    uint32_t tier_ninsns;
    uint32_t samples; /* slices that ended in it (relaxed atomics) */
    bool hot;         /* not compiled yet, called by a hot function: copies at once */
} wasm_code;

typedef struct wasm_module {
    uint8_t *bytes; /* owned copy of the binary */
    size_t len;

    wasm_functype *types;
    uint32_t ntypes;

    wasm_import *imports;
    uint32_t nimports;

    /* Function index space: imported functions first. */
    uint32_t *func_types; /* typeidx of every function */
    uint32_t nfuncs, nimported_funcs;
    wasm_code *codes; /* nfuncs - nimported_funcs entries */

    wasm_tabletype *tables; /* index space, imports first */
    uint32_t ntables, nimported_tables;

    wasm_limits *memories;
    uint32_t nmemories, nimported_memories;

    wasm_global *globals;
    uint32_t nglobals, nimported_globals;

    /* Exception tags: the type index of each (imports first). */
    uint32_t *tags;
    uint32_t ntags, nimported_tags;

    wasm_export *exports;
    uint32_t nexports;

    bool has_start;
    uint32_t start;
    uint32_t start_at, funcs_at; /* byte offsets of the start and function sections' contents */

    wasm_elem *elems;
    uint32_t nelems;

    wasm_data *datas;
    uint32_t ndatas;

    bool has_datacount;
    uint32_t datacount;

    /* Function names from the "name" custom section (may be empty), by
     * function index; a NULL ptr means no name. Malformed name sections
     * are ignored, as the spec allows. */
    wasm_name *func_names; /* nfuncs entries, or NULL */

    /* hv_wasm_decode_lazy left the bodies' instructions unread (validation
     * reads them: hv_wasm_decode_body for those its fast check does not
     * accept, before any other check). */
    bool bodies_unread;

    /* Inline-threaded code of the functions (inline.c), or NULL. */
    struct wasm_icode *icode;
    size_t icode_bytes; /* mapped */
    size_t icode_used;  /* written */
    /* Every function compiled from now on gets its copies at once, and
     * those compiled before get theirs in turn: codes[0 .. tier_next) have
     * had theirs (hv_compile_tier_more; written under the compile lock,
     * tier_all and tier_done also read without it, relaxed). */
    bool tier_all, tier_done;
    uint32_t tier_next;
} wasm_module;

/* The engine's phases, in order (compile.c runs them):
 *   decode.c    bytes -> wasm_module (structure; bodies located, unread)
 *   validate.c  every check of the spec; for one body on its first call,
 *               the same checks again, emitting its code
 *   compile.c   the driver: runs the phases, then fuses runs, lays out
 *               inline copies (inline.c), publishes the code; teardown */

/* decode.c: parses bytes (copied into module->bytes) into *m. On error,
 * fills err (code HIVE_EMALFORMED, offset, message) and returns it; the
 * module is then freed with hv_wasm_module_fini. */
int hv_wasm_decode(hive_engine *engine, const uint8_t *bytes, size_t len, wasm_module *m,
                hive_error *err);
/* hv_wasm_decode, except that function bodies are only located (locals
 * read), not read: m->bodies_unread, and hv_wasm_validate reads each body
 * its fast check does not accept with hv_wasm_decode_body before anything
 * else, so that the errors are the same as hv_wasm_decode's. (An error in a
 * later section still reports a malformed body before it first.) With
 * take, bytes (from the engine's allocator) become m->bytes instead of a
 * copy, and are freed with m, or at once when this fails. */
int hv_wasm_decode_lazy(hive_engine *engine, const uint8_t *bytes, size_t len, wasm_module *m,
                     hive_error *err, bool take);
/* Reads body i (of code entry i) as hv_wasm_decode does; HIVE_OK or the
 * malformed-module error in err. */
int hv_wasm_decode_body(hive_engine *engine, wasm_module *m, uint32_t i, hive_error *err);
/* Frees everything decoding made (safe on a zeroed or partly built
 * module); not the compiled code (hv_compile_module_fini). */
void hv_wasm_module_fini(hive_engine *engine, wasm_module *m);

/* One emitted instruction: its first cell and its op. */
typedef struct wasm_insn {
    uint32_t start, op;
} wasm_insn;

/* validate.c: validates the decoded module (every check outside bodies,
 * and every body: fast_check, or the full algorithm emitting nothing).
 * Returns HIVE_OK or fills err (HIVE_EINVALID, or HIVE_EMALFORMED for the
 * few body errors the spec calls malformed). Compiles nothing. */
int hv_wasm_validate(hive_engine *engine, wasm_module *m, hive_error *err);

/* The code of one body as validation emitted it: views into the
 * validator's buffers, valid until its next body. Cells hold labels
 * (or op numbers without labels); a branch target cell holds a cell
 * index (targets lists those cells); insns are every instruction, in
 * order. */
typedef struct wasm_body {
    wasm_cell *cells;
    size_t ncells;
    const uint32_t *targets;
    size_t ntargets;
    wasm_insn *insns;
    size_t ninsns;
    const wasm_handler *handlers;
    size_t nhandlers;
    uint32_t max_slots;
    uint32_t zero_start, zero_end; /* declared locals to zero (wasm_code) */
} wasm_body;

/* validate.c: a validator that emits code (state kept from one body to
 * the next); labels: hv_interp_labels(), or NULL for op numbers. NULL when
 * out of memory. */
typedef struct wasm_validator wasm_validator;
wasm_validator *hv_wasm_validator_new(hive_engine *engine, wasm_module *m,
                                   const void *const *labels);
void hv_wasm_validator_free(wasm_validator *v);
/* Validates body i of a validated module again and emits its code into
 * *out. HIVE_OK, or the error in err (HIVE_ENOMEM). */
int hv_wasm_validate_body(wasm_validator *v, uint32_t i, wasm_body *out, hive_error *err);

/* compile.c: loads a module: decode, validate, and (HIVE_CONFIG_EAGER)
 * compile every body and seal the inline code. take: the module owns
 * bytes from now on (as for hv_wasm_decode_lazy). On error, fills err and
 * leaves *m freed. */
int hv_compile_module(hive_engine *engine, const uint8_t *bytes, size_t len, wasm_module *m,
                   hive_error *err, bool take);

/* compile.c: compiles body i (m->codes[i]) of a loaded module into its
 * cells (fused runs, inline copies), publishing code->cells last with a
 * release store. *state keeps the compiler's buffers from one call to the
 * next (NULL the first time; hv_compile_module_fini frees it). Not
 * thread-safe for one module: the caller serialises (module.c's compile
 * lock). HIVE_OK, or HIVE_ENOMEM in err. */
typedef struct wasm_compiler wasm_compiler;
int hv_compile_function(hive_engine *engine, wasm_module *m, uint32_t i, wasm_compiler **state,
                     hive_error *err);

/* compile.c: frees the compiler state, the compiled code and inline
 * copies, then what decoding made (safe on a partly loaded module). */
void hv_compile_module_fini(hive_engine *engine, wasm_module *m, wasm_compiler *c);

/* Fused runs and inline copies after the fact (docs/ARCHITECTURE.md,
 * "Inline copies: when"), under the module's compile lock, with the
 * module's compiler state (*state, as hv_compile_function's; made if
 * NULL). hv_compile_tier_up: compiled
 * function i (index among the module's own), and the compiled functions
 * it calls directly (those not compiled yet get theirs when they are);
 * hv_compile_tier_more: from now on every function as it is compiled,
 * and the functions compiled before, in index order, a batch of about
 * max_insns instructions a call (true once none is left). */
void hv_compile_tier_up(hive_engine *engine, wasm_module *m, uint32_t i, wasm_compiler **state);
bool hv_compile_tier_more(hive_engine *engine, wasm_module *m, uint32_t max_insns,
                          wasm_compiler **state);

/* Returns the functype of function index f. */
static inline const wasm_functype *wasm_func_type(const wasm_module *m, uint32_t f) {
    return &m->types[m->func_types[f]];
}

#endif
