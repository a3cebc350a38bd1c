/*
 * runtime.h -- run-time objects: engine, functions, memories, tables,
 * globals, instances and execs, shared by instance.c and interp.c.
 */
#ifndef HIVE_WASM_RUNTIME_H
#define HIVE_WASM_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "support/alloc.h"
#include "wasm/module.h"

struct hive_engine {
    hv_alloc alloc;
    uint32_t max_memory_pages;
    uint32_t max_table_elems;
    uint32_t max_call_depth;
    uint32_t value_stack_slots;
    bool no_fusion; /* HIVE_CONFIG_NO_FUSION */
    bool no_inline; /* HIVE_CONFIG_NO_INLINE */
    bool eager;     /* HIVE_CONFIG_EAGER, or HIVE_EAGER=1 in the environment */
    uint32_t tier_samples; /* hv_module_sample; 0: copies at compile (HIVE_CONFIG_INLINE_NOW) */
    bool wasm2; /* HIVE_CONFIG_WASM2 */
    bool single_instance; /* HIVE_CONFIG_SINGLE_INSTANCE: no memory images (instance.c) */
    uint64_t memory_budget;               /* bytes; 0: none (instance.c) */
    _Atomic uint64_t memory_committed;    /* bytes of all its memories */
    /* Freed memories kept for reuse, their pages given back (instance.c,
     * "memory slots"): no map/unmap per instance. */
    pthread_mutex_t slots_lock;
    struct hive_memory *slots;
    unsigned nslots;
    _Atomic uint64_t image_serial; /* numbers each built image */
    /* The value stacks and frame arrays of freed execs, kept (under
     * slots_lock) for the next ones: a value stack is megabytes, and
     * allocating and freeing one per request costs the allocator. */
    void *exec_keep[8][2];
    unsigned nexec_keep;
};

/* A module's initial linear memory, prepared once (instance.c): a memfd
 * holding bytes [start, start + len) of memory 0 with the active data
 * segments applied, mapped copy-on-write into each new instance. */
typedef enum wasm_image_state {
    WASM_IMAGE_UNBUILT, /* not tried yet */
    WASM_IMAGE_READY,   /* fd, start and len are set */
    WASM_IMAGE_EMPTY,   /* nothing to map: no data bytes */
    WASM_IMAGE_COPY     /* not usable: segments are copied per instance */
} wasm_image_state;

typedef struct wasm_image {
    atomic_int state;     /* wasm_image_state; READY/EMPTY/COPY are final */
    pthread_mutex_t lock; /* serialises the build */
    int fd;
    const uint8_t *view;  /* the file mapped read-only (NULL: none), to reset pages from */
    size_t start, len;    /* host-page aligned */
    uint64_t serial;      /* unique in the engine: which image a memory maps */
} wasm_image;

struct hive_module {
    hive_engine *engine;
    atomic_int refs;
    wasm_module m;
    wasm_image image; /* hv_instance_module_init / _fini */
    /* Lazy compilation (module.c): one function at a time per module. */
    pthread_mutex_t compile_lock;
    wasm_compiler *compiler; /* the compiler's buffers, under the lock */
    atomic_size_t compiled;  /* functions compiled so far */
    atomic_uint runs;        /* runs that reached a unit check (hv_module_sample) */
};

/* The cells of code (a function of module), compiled first if need be:
 * the first caller compiles, under the module's lock, while any other
 * thread that calls it meanwhile waits for the lock and then finds it
 * compiled. NULL when the compile ran out of memory (nothing changes; a
 * later call tries again). */
const wasm_cell *hv_module_code_cells(hive_module *module, const wasm_code *code);

/* Called by the interpreter each time a run's slice of units ends (every
 * few thousand loop iterations and calls, docs/ARCHITECTURE.md) with the
 * function it ended in; warm is false for the first check of a run (its
 * slice starts empty), which counts the run. A function that keeps being
 * found gets its inline copies, and so do the compiled functions it calls
 * directly; after enough runs of the module, every function does. Takes
 * the compile lock only to make copies. */
void hv_module_sample(hive_module *module, const wasm_code *code, bool warm);

/* The cells every function has until it is compiled: one ENTER_LAZY
 * (interp.c), which compiles the function entered and continues into it.
 * hv_interp_lazy_cells() fills it (once) and returns it. */
extern wasm_cell hv_interp_lazy_stub[1];
wasm_cell *hv_interp_lazy_cells(void);

/* The cells of code when it is compiled (acquire order), else NULL. */
static inline const wasm_cell *wasm_code_cells(const wasm_code *code) {
    const wasm_cell *c = __atomic_load_n(&code->cells, __ATOMIC_ACQUIRE);
    return c == hv_interp_lazy_stub ? NULL : c;
}

/* One stack slot. i32 lives in the low half; floats as their bits. */
typedef union wasm_slot {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
} wasm_slot;

typedef enum wasm_funckind { WASM_FUNC_WASM, WASM_FUNC_HOST } wasm_funckind;

struct hive_func {
    wasm_funckind kind;
    const wasm_functype *type; /* module's type, or host's own copy */
    hive_functype pubtype;     /* the same, for the public API */
    /* WASM */
    hive_instance *inst;
    const wasm_code *code;
    /* HOST */
    hive_engine *engine;
    hive_host_fn host;
    void *user;
    void (*finalize)(void *);
    char *name;
    wasm_functype own_type; /* storage for host functions' type */
};

struct hive_memory {
    hive_engine *engine;
    uint8_t *base;       /* reserved mapping; never moves */
    uint64_t size;       /* bytes accessible = pages * 65536 */
    uint32_t pages;
    uint32_t max_pages;  /* the smaller of the type's max and the engine's */
    bool has_max;        /* the type's max, for import matching */
    bool shared;         /* the type's shared flag, for import matching */
    uint32_t type_max;
    size_t reserved;     /* bytes reserved in the mapping */
    /* The image file mapped at [img_start, img_start + img_len), by its
     * serial (0: none; a kept slot keeps it mapped for the next user). */
    uint64_t img_serial;
    size_t img_start, img_len;
    struct hive_memory *next_slot; /* in engine.slots */
};

struct hive_table {
    hive_engine *engine;
    uint8_t elemtype;
    void **elems;
    uint32_t size;
    uint32_t cap;
    uint32_t max; /* effective max */
    bool has_max;
    uint32_t type_max;
};

struct hive_tag {
    hive_engine *engine;
    const wasm_functype *type; /* its parameters (in the defining module, or own_type) */
    wasm_functype own_type;    /* hive_tag_new's: the parameters, owned */
};

struct hive_global {
    hive_engine *engine;
    uint8_t type;
    bool mutable_;
    wasm_slot value[2]; /* two slots for v128 */
};

struct hive_instance {
    hive_engine *engine;
    hive_module *module;
    const wasm_module *m;
    void *data;
    hive_func **funcs;       /* function index space */
    hive_func *own_funcs;    /* the module's defined functions */
    hive_table **tables;
    hive_table *own_tables;  /* array of defined tables */
    hive_memory *memory;     /* memory 0 or NULL */
    hive_memory **memories;  /* memory index space (multi-memory), imports first */
    hive_memory **own_memories; /* the defined ones, made by the instance */
    /* their storage when the module has at most one memory (no allocation
     * per instance for the common case) */
    hive_memory *memory_slot[1], *own_memory_slot[1];
    hive_global **globals;
    hive_global *own_globals;
    hive_tag **tags;         /* tag index space, imports first (NULL: none) */
    hive_tag *own_tags;
    /* Segments: resolved element refs (NULL when dropped) and the live
     * length of each data segment (0 once dropped). */
    void ***elem_refs;
    uint32_t *elem_lens;
    uint32_t *data_lens;
};

/* A call frame of the wasm call stack. */
typedef struct wasm_frame {
    const wasm_cell *ret_pc;   /* where the caller continues */
    wasm_slot *fp;             /* the caller's frame base */
    hive_func *func;           /* the caller */
} wasm_frame;

typedef enum wasm_exec_state {
    WASM_EXEC_IDLE,
    WASM_EXEC_RUNNING, /* inside hv_interp_run or a host function it called */
    WASM_EXEC_SUSPENDED,
    WASM_EXEC_PENDING,
    WASM_EXEC_TRAPPED
} wasm_exec_state;

struct hive_exec {
    hive_engine *engine;
    atomic_int interrupt;
    wasm_exec_state state;

    wasm_slot *stack; /* value stack */
    wasm_slot *stack_end;
    wasm_frame *frames;
    uint32_t max_frames;
    uint32_t nframes;

    /* Saved machine state while suspended or pending. */
    const wasm_cell *pc;
    wasm_slot *sp;
    wasm_slot *fp;
    hive_func *func; /* function whose code pc is in */

    hive_func *entry; /* the function hive_exec_call started */
    hive_func *pending_host; /* host function whose results are awaited */
    uint64_t budget;  /* units left in this slice; 0 = unlimited */
    bool unlimited;
    bool warm;        /* this run has had its first unit check (interp.c) */

    hive_trap trap;
    uint32_t nresults;

    /* Scratch for converting a host call's arguments and results to
     * hive_val: grown on first need, so host calls do not allocate. */
    hive_val *host_vals;
    uint32_t host_vals_cap;
    /* NUL-terminated copies of the names in trap.frames (names in the
     * module are not terminated); valid until the next trap. */
    char *trap_names;
    size_t trap_names_cap;
};

/* ---- helpers shared by instance.c, exec.c and interp.c ---------------- */

/* Function types match when their parameter and result lists are equal
 * (the spec's type equality, also across modules). */
static inline bool runtime_functype_equal(const wasm_functype *a, const wasm_functype *b) {
    if (a == b) return true;
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (a->nparams == 0 || memcmp(a->params, b->params, a->nparams) == 0) &&
           (a->nresults == 0 || memcmp(a->results, b->results, a->nresults) == 0);
}

/* A hive_val of type v->type into its stack slots (two for v128). */
static inline void runtime_slots_from_val(wasm_slot *s, const hive_val *v) {
    switch (v->type) {
    case WASM_I32: case WASM_F32: s[0].i64 = v->of.i32; break;
    case WASM_I64: case WASM_F64: s[0].i64 = v->of.i64; break;
    case WASM_V128:
        memcpy(&s[0].i64, v->of.v128, 8);
        memcpy(&s[1].i64, v->of.v128 + 8, 8);
        break;
    case WASM_FUNCREF: s[0].ref = v->of.func; break;
    default: s[0].ref = v->of.ext; break;
    }
}

/* Stack slots holding a value of type t into a hive_val. */
static inline void runtime_val_from_slots(hive_val *v, uint8_t t, const wasm_slot *s) {
    memset(v, 0, sizeof *v);
    v->type = t;
    switch (t) {
    case WASM_I32: case WASM_F32: v->of.i32 = s[0].i32; break;
    case WASM_I64: case WASM_F64: v->of.i64 = s[0].i64; break;
    case WASM_V128:
        memcpy(v->of.v128, &s[0].i64, 8);
        memcpy(v->of.v128 + 8, &s[1].i64, 8);
        break;
    case WASM_FUNCREF: v->of.func = (hive_func *)s[0].ref; break;
    default: v->of.ext = s[0].ref; break;
    }
}

/* instance.c: grows a table by delta elements set to init; returns the
 * old size, or -1 past the table's effective maximum or out of memory. */
int64_t hv_instance_table_grow(hive_table *table, uint32_t delta, void *init);

/* interp.c: runs from the exec's saved state until done, trap, suspension
 * or a pending host call; updates exec->state and returns the status. */
hive_status hv_interp_run(hive_exec *exec);

/* interp.c: the label of each internal opcode, for threading code at
 * compile time; NULL when built without computed goto. */
const void *const *hv_interp_labels(void);

/* instance.c: sets up and frees the module's lazily built memory image
 * (called by hive_module_new and the last hive_module_release). */
void hv_instance_module_init(hive_module *module);
/* Unmaps the engine's kept memory slots (hive_engine_free). */
void hv_instance_memory_slots_free(hive_engine *engine);
void hv_exec_keep_free(hive_engine *engine); /* exec.c: the kept stacks */
void hv_instance_module_fini(hive_module *module);

/* instance.c: evaluates a validated constant expression in an instance. */
void hv_instance_eval_const(hive_instance *inst, const wasm_constexpr *e, wasm_slot out[2]);

/* interp.c: calls host function f with its arguments in the slots at
 * args; on HIVE_HOST_OK its results are left at args. caller is the
 * calling instance, NULL for a direct call by the embedder. On
 * HIVE_HOST_TRAP exec->trap has the kind and message (no backtrace). */
hive_host_status hv_interp_call_host(hive_exec *exec, hive_func *f, hive_instance *caller,
                                  wasm_slot *args);

/* interp.c: sets the exec's trap (kind, message) and captures the
 * backtrace from its frames. */
void hv_interp_set_trap(hive_exec *exec, hive_trap_kind kind, const char *message);

#endif
