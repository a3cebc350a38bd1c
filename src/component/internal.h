/*
 * component/internal.h -- the component model inside hive: static types,
 * decoded and validated component definitions, and runtime instances.
 *
 * A component is decoded and validated in one pass (decode.c). Everything
 * static lives in the component's arena and is immutable afterwards, so
 * one hive_component is shared by any number of instances and threads.
 *
 * Types are trees without indices: a value type refers to its parts
 * directly, and own/borrow name a resource by a small integer "rid" (an
 * identity). Every resource definition, every abstract resource in an
 * import or export declaration and every resource created by an
 * instantiation gets its own rid, numbered per root component. At run
 * time each component instance maps rid -> rt_resource (res[]).
 */
#ifndef HIVE_COMPONENT_INTERNAL_H
#define HIVE_COMPONENT_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "hive/component.h"
#include "hive/wasm.h"
#include "support/alloc.h"

/* ---- arena ------------------------------------------------------------- */

typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head;
    size_t used, cap;
    const hv_alloc *al; /* the engine's allocator; NULL: the C library's */
} arena;

/* The engine's allocator (link.c). */
const hv_alloc *hv_engine_alloc(hive_engine *engine);

void *hv_arena_alloc(arena *a, size_t n); /* zeroed; NULL on OOM */
void hv_arena_free(arena *a);

/* ---- types ------------------------------------------------------------- */

typedef enum ct_kind {
    CT_NONE = 0,
    CT_BOOL, CT_S8, CT_U8, CT_S16, CT_U16, CT_S32, CT_U32, CT_S64, CT_U64,
    CT_F32, CT_F64, CT_CHAR, CT_STRING, CT_ERRCTX,
    CT_RECORD, CT_VARIANT, CT_LIST, CT_TUPLE, CT_FLAGS, CT_ENUM, CT_OPTION,
    CT_RESULT, CT_OWN, CT_BORROW, CT_STREAM, CT_FUTURE, CT_MAP,
    /* not value types */
    CT_FUNC, CT_COMPONENT, CT_INSTANCE, CT_RESOURCE, CT_MODULE, CT_CORE_FUNC
} ct_kind;

typedef struct ct_type ct_type;

/* The sorts of the component-level index spaces. */
enum {
    S_CORE_FUNC, S_CORE_TABLE, S_CORE_MEMORY, S_CORE_GLOBAL, S_CORE_TAG,
    S_CORE_TYPE, S_CORE_MODULE, S_CORE_INSTANCE,
    S_FUNC, S_VALUE, S_TYPE, S_COMPONENT, S_INSTANCE,
    S_COUNT
};

/* A core extern type (module imports/exports, core instance exports). */
typedef struct core_ext {
    uint8_t kind;      /* HIVE_EXTERN_* or 4 (tag) */
    const ct_type *ft; /* CT_CORE_FUNC for funcs and tags */
    uint8_t elemtype;  /* table */
    hive_limits lim;   /* table, memory */
    uint8_t valtype, mut; /* global */
    int memory64;
} core_ext;

typedef struct core_named {
    const char *mod; /* module types' imports */
    const char *name;
    core_ext ext;
} core_named;

/* A component-level extern: an import, export, or instance/component
 * type member. For S_TYPE, type is the type itself (a value type, or
 * CT_RESOURCE with its rid). */
typedef struct hive_cextern ct_extern;
struct hive_cextern {
    uint8_t sort;
    const ct_type *type;
};

typedef struct ct_named {
    const char *name;
    ct_extern ext;
} ct_named;

struct ct_type {
    uint8_t kind;   /* ct_kind */
    uint8_t async_; /* CT_FUNC */
    uint32_t n;     /* record fields, cases, tuple/param types, labels, list length (0: no length) */
    const char **labels;        /* record, variant, flags, enum, func params */
    const ct_type **types;      /* record, variant (entries may be NULL), tuple, func params */
    const ct_type *a, *b;       /* list/option/stream/future elem; result ok/err; map k/v; func result */
    uint32_t rid;               /* own, borrow, resource */
    /* CT_RESOURCE: rep type (always i32) and destructor core func index */
    int has_dtor;
    /* CT_COMPONENT, CT_INSTANCE (instance uses exports only) */
    uint32_t nimports, nexports;
    const ct_named *imports, *exports;
    /* CT_MODULE */
    uint32_t ncimports, ncexports;
    const core_named *cimports, *cexports;
    /* CT_CORE_FUNC */
    uint32_t np, nr;
    const uint8_t *p, *r;
    /* canonical ABI, computed at construction for value types */
    uint32_t size, align;
    uint32_t nflat; /* flat count, capped at 17 (MAX_FLAT + 1) */
    uint32_t depth; /* nesting of value types (1 for a primitive) */
    int has_borrow;  /* transitively */
    const void *hres; /* own/borrow in host signatures: the host resource */
    const struct ct_type *ref; /* own/borrow: the resource type's node (its identity for visibility) */
    const void *rid_id; /* own/borrow/resource: a unique address per rid (hive_ctype's identity) */
    int has_res;     /* transitively contains own/borrow */
    /* hv_ct_flatten's answer for cap FLAT_CAP, kept by hv_ct_compute_abi (the
     * lift and lower of variants ask for it on every call) */
    uint8_t flat_kept;
    uint8_t flat[17]; /* FLAT_CAP */
    uint32_t flat_n;
};

#define MAX_TYPE_DEPTH 100 /* value types nested deeper are refused */
#define MAX_FLAT_PARAMS 16
#define MAX_FLAT_RESULTS 1
#define FLAT_CAP 17
_Static_assert(sizeof(((ct_type *)0)->flat) == FLAT_CAP, "ct_type.flat holds FLAT_CAP");

/* Flat core types of a value type (i32 f32 i64 f64 as hive_valtype),
 * written to out (at most cap); returns the full count. */
uint32_t hv_ct_flatten(const ct_type *t, uint8_t *out, uint32_t cap);
const ct_type *ct_despecialize_disc(const ct_type *t); /* not used outside */
uint32_t hv_ct_disc_size(uint32_t ncases);
uint32_t hv_ct_case_align(const ct_type *t); /* max case alignment of a variant-like type */
/* Number of cases of a variant-like type (variant, enum, option, result). */
uint32_t hv_ct_ncases(const ct_type *t);
const ct_type *hv_ct_case_type(const ct_type *t, uint32_t i);
void hv_ct_compute_abi(ct_type *t); /* fills size, align, nflat, has_* */
int hv_ct_is_value(const ct_type *t);
int hv_ct_value_kind_ok(const ct_type *t);

/* A substitution of resource identities. */
typedef struct rid_map {
    uint32_t n, cap;
    uint32_t *from, *to;
} rid_map;
uint32_t hv_rid_lookup(const rid_map *m, uint32_t rid);
/* Structural equality; a's rids are mapped through m (may be NULL). */
int hv_ct_eq(const ct_type *a, const ct_type *b, const rid_map *m);

/* ---- canonical options ------------------------------------------------- */

enum { ENC_UTF8 = 0, ENC_UTF16 = 1, ENC_LATIN1_UTF16 = 2 };

typedef struct canon_opts {
    uint8_t enc;
    uint8_t async_;
    int32_t memory;      /* core memory index or -1 */
    int32_t realloc;     /* core func index or -1 */
    int32_t post_return; /* core func index or -1 */
    int32_t callback;    /* core func index or -1 */
} canon_opts;

/* ---- definitions ------------------------------------------------------- */

typedef enum def_kind {
    D_CORE_MODULE,      /* a = module index in comp->modules */
    D_CORE_INSTANTIATE, /* a = module idx, args: name + core instance idx */
    D_CORE_INLINE,      /* exports: name + sort + idx */
    D_COMPONENT,        /* child = nested definition */
    D_INSTANTIATE,      /* a = component idx, args: name + sort + idx */
    D_INLINE,           /* exports: name + sort + idx */
    D_ALIAS_EXPORT,     /* sort, a = instance idx, name */
    D_ALIAS_CORE_EXPORT,/* sort, a = core instance idx, name */
    D_ALIAS_OUTER,      /* sort, a = count, b = idx; static value below */
    D_TYPE,             /* type (a resource type makes a runtime resource) */
    D_CORE_TYPE,
    D_CANON,            /* canon op below */
    D_IMPORT,           /* name, ext */
    D_EXPORT            /* name, sort, a = idx */
} def_kind;

/* Canon built-ins (Binary.md opcodes). */
enum {
    CANON_LIFT = 0x00, CANON_LOWER = 0x01, CANON_RESOURCE_NEW = 0x02,
    CANON_RESOURCE_DROP = 0x03, CANON_RESOURCE_REP = 0x04,
    CANON_RESOURCE_DROP_ASYNC = 0x07, CANON_BUILTIN_MAX = 0x43
};

typedef struct def_arg {
    const char *name;
    uint32_t len; /* strlen(name) */
    uint8_t sort;
    uint32_t idx;
} def_arg;

typedef struct comp_def comp_def;

typedef struct def {
    uint8_t kind;
    uint8_t sort;
    uint32_t a, b;
    const char *name;
    uint32_t nargs;
    const def_arg *args;
    const comp_def *child;          /* D_COMPONENT, D_ALIAS_OUTER of a component */
    const ct_type *type;            /* D_TYPE, D_CANON lift type, D_IMPORT/D_EXPORT type */
    ct_extern ext;                  /* D_IMPORT; D_EXPORT's inferred type */
    /* D_CANON */
    uint8_t canon;
    canon_opts opts;
    uint32_t rid;                   /* resource.* built-ins: the resource */
    const ct_type *core_ft;         /* the built-in's core function type */
    /* D_INSTANTIATE: resources the new instance exports that are
     * created fresh: parent rid fresh[i] = child's rid orig[i] */
    uint32_t nbind, nfresh;
    const uint32_t *bind_child, *bind_parent;   /* child rid := parent rid */
    const uint32_t *fresh_parent, *fresh_child; /* parent rid := child rid */
    /* D_ALIAS_EXPORT of a type from an instance: the rid */
    uint32_t module_index;          /* D_CORE_MODULE, D_ALIAS_OUTER of a module */
    uint32_t offset;                /* byte offset, for errors */
} def;

struct comp_def {
    uint32_t ndefs;
    const def *defs;
    uint32_t count[S_COUNT]; /* index space sizes */
    const ct_type *type;     /* CT_COMPONENT: imports and exports */
};

/* ---- the component (shared, immutable) --------------------------------- */

struct hive_component {
    int refs;
    hive_engine *engine;
    arena ar;
    const comp_def *root;
    uint32_t nmodules;
    hive_module **modules; /* compiled once, shared by all instances */
    uint32_t nrids;
    /* idle execs that instances of this component reuse (execs hold big
     * stacks: making one per instance would dominate instantiation) */
    pthread_mutex_t pool_mu;
    hive_exec *pool[16];
    int npool;
    /* under pool_mu: the host functions an instance import of the root
     * resolved to, per linker state (link.c, import_memo) */
    struct import_memo *memos;
};

hive_exec *hv_comp_exec_take(hive_component *c);
void hv_comp_exec_give(hive_component *c, hive_exec *e); /* NULL ok */

/* Decodes and validates; on success fills comp (root, modules, nrids). */
int hv_comp_decode(hive_component *comp, const uint8_t *bytes, size_t len, int compile,
                hive_error *err);

/* ---- runtime ------------------------------------------------------------ */

typedef struct cinst cinst;

typedef struct rt_resource {
    cinst *impl;      /* defining instance; NULL for host resources */
    hive_func *dtor;  /* guest destructor, or NULL */
    const hive_host_resource *host; /* host-defined resources */
    const char *name;
} rt_resource;

typedef struct call_state call_state;

typedef struct rt_handle {
    rt_resource *rt; /* NULL: free slot */
    uint32_t rep;
    uint8_t own;
    uint32_t lends;      /* borrows lent out from this own handle */
    call_state *scope;   /* borrow: the call (task) it belongs to */
    uint32_t next_free;
    void *obj;           /* async ABI (async.c): waitable, waitable set, stream/future end */
} rt_handle;

typedef struct handle_table {
    const hv_alloc *al;
    rt_handle *v;     /* index 0 unused */
    uint32_t n, cap;  /* n: slots in use including 0 */
    uint32_t free_head; /* 0: none */
} handle_table;

/* One call's borrow bookkeeping (a Task / Subtask of the spec). */
struct call_state {
    const hv_alloc *al;
    uint32_t num_borrows;  /* borrow handles given to the callee */
    uint32_t nlenders, caplenders;
    struct { handle_table *tab; uint32_t idx; } *lenders, lend_inline[4];
};

typedef struct rt_func rt_func;
typedef struct rt_inst rt_inst;

typedef struct rt_item {
    uint8_t sort;
    union {
        rt_func *func;
        rt_inst *inst;
        rt_resource *res;    /* S_TYPE: resource, or NULL for value types */
        const comp_def *comp;
        hive_module *module;
        void *p;
    } of;
    const ct_type *type;     /* S_TYPE */
    cinst *env;              /* S_COMPONENT: the instance it was defined in
                                (its outer aliases read from there) */
} rt_item;

/* A component instance's view of an instance: named items. */
struct rt_inst {
    uint32_t n;
    const char **names;
    rt_item *items;
    cinst *owner; /* for lifted exports, the instance; NULL for host */
};

typedef struct rt_core_inst {
    uint8_t pad_;
    hive_instance *inst; /* NULL for inline exports */
    uint32_t n;
    const char **names;
    const uint32_t *lens;
    hive_extern *ext;
} rt_core_inst;

enum { F_LIFTED, F_HOST };

struct rt_func {
    uint8_t kind;
    const ct_type *ft;   /* CT_FUNC */
    ct_extern ext;       /* S_FUNC, ft: what hive_cfunc_type gives */
    cinst *inst;         /* F_LIFTED: the instance whose code it runs */
    hive_func *core;
    hive_memory *memory;
    hive_func *realloc, *post_return;
    uint8_t enc;
    uint8_t async_lift;  /* async ABI (async.c): lifted with `async` */
    hive_func *callback; /*   and this callback, or NULL (stackful) */
    /* F_HOST */
    const struct host_func *host;
    const char *name;
};

struct cinst {
    hive_cinstance *root;
    cinst *parent;          /* instance nesting (entering rules) */
    cinst *env;             /* lexical parent: where outer aliases look */
    const comp_def *def;
    rt_item *sp[S_COUNT];   /* runtime index spaces (by sort) */
    uint32_t nsp[S_COUNT];
    rt_resource **res;      /* rid -> runtime resource */
    handle_table handles;
    rt_inst *exports;
    int may_enter, may_leave;
    uint32_t context;       /* context.get/set slot 0 of the running task */
    uint32_t backpressure;
    void *exclusive;        /* async ABI (async.c): the thread holding the instance */
    uint32_t num_waiting_to_enter;
    cinst *next_all;        /* all instances of a root, for freeing */
};

/* ---- lifting and lowering (abi.c) ---------------------------------------- */

enum { CX_TRAP = 1, CX_FAIL = 2 };

/* Where the strings of one call between components came from: their
 * source encoding and (tagged) code units, by the lifted string's
 * address, so that lowering follows the spec's algorithm for that source
 * (the same realloc calls). Lives as long as the call's values. */
typedef struct str_hints {
    struct { const char *ptr; uint32_t units; uint8_t enc; } *v;
    uint32_t n, cap; /* open addressing; cap a power of two */
    const hv_alloc *al;
} str_hints;
void hv_hints_free(str_hints *h);

typedef struct cx {
    cinst *inst;          /* whose memory and handle table */
    hive_memory *mem;
    hive_func *realloc;
    uint8_t enc;
    uint8_t fused;        /* between components (trap wording) */
    uint8_t host_side;    /* the other side is the host (handle conversion) */
    call_state *call;
    str_hints *hints;     /* record (lifting) and use (lowering); may be NULL */
    jmp_buf *jb;
    char msg[200];
} cx;

_Noreturn void hv_cx_trap(cx *c, const char *fmt, ...);
_Noreturn void hv_cx_fail(cx *c, const char *fmt, ...);

/* Flat values: lifting reads vals[*i...], lowering writes them. */
void hv_abi_lift_flat(cx *c, const ct_type *t, const hive_val *vals, uint32_t n, uint32_t *i, hive_cval *out);
void hv_abi_lower_flat(cx *c, const ct_type *t, const hive_cval *v, hive_val *vals, uint32_t cap, uint32_t *i);
void hv_abi_load(cx *c, const ct_type *t, uint32_t ptr, hive_cval *out);
void hv_abi_store(cx *c, const ct_type *t, const hive_cval *v, uint32_t ptr);
uint32_t hv_abi_alloc(cx *c, uint32_t old, uint32_t oldsize, uint32_t align, uint32_t size, int list);
/* Memory checks */
uint8_t *hv_abi_mem(cx *c, uint32_t ptr, uint32_t len, const char *what);

/* Lift params (from flat or through a pointer when they do not fit). */
void hv_abi_lift_values(cx *c, const ct_type *const *ts, uint32_t nt, uint32_t max_flat,
                     const hive_val *vals, uint32_t n, hive_cval *out);
/* Lower values; out_ptr >= 0: store through it. Returns flat count. */
uint32_t hv_abi_lower_values(cx *c, const ct_type *const *ts, uint32_t nt, uint32_t max_flat,
                          const hive_cval *vs, hive_val *out, int64_t out_ptr);

/* Runs a wasm function to completion on a helper exec (realloc,
 * post-return, destructors, calls between components). 0 or traps c. */
int hv_run_nested(cinst *ci, hive_func *f, const hive_val *args, uint32_t nargs, hive_val *res,
               uint32_t nres, char *msg, size_t msglen);

/* The root instance whose call is running on this thread (call.c). */
hive_cinstance *hv_comp_active_root(cinst *ci);
/* Sets it (NULL: none), returning the one before. */
hive_cinstance *hv_comp_set_active_root(hive_cinstance *root);

/* stream and future values (async.c): a readable end leaves or enters
 * c->inst's table */
void hv_casync_lift_end(cx *c, const ct_type *t, uint32_t idx, hive_cval *out);
uint32_t hv_casync_lower_end(cx *c, const ct_type *t, const hive_cval *v);

/* handle tables */
uint32_t hv_htab_add(cx *c, handle_table *t, rt_handle h);
rt_handle *hv_htab_get(cx *c, handle_table *t, uint32_t i);
void hv_htab_remove(handle_table *t, uint32_t i);

#endif
