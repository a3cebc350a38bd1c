/*
 * runtime.h -- run-time objects: engine, functions, memories, tables,
 * globals, instances and execs, shared by instance.c and interp.c.
 */
#ifndef HIVE_WASM_RUNTIME_H
#define HIVE_WASM_RUNTIME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "support/alloc.h"
#include "wasm/module.h"

struct hive_engine {
    hv_alloc alloc;
    uint32_t max_memory_pages;
    uint32_t max_table_elems;
    uint32_t max_call_depth;
    uint32_t value_stack_slots;
};

struct hive_module {
    hive_engine *engine;
    atomic_int refs;
    wasm_module m;
};

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
    uint32_t type_max;
    size_t reserved;     /* bytes reserved in the mapping */
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
    hive_memory *own_memory;
    hive_global **globals;
    hive_global *own_globals;
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

    hive_trap trap;
    uint32_t nresults;
};

/* interp.c: runs from the exec's saved state until done, trap, suspension
 * or a pending host call; updates exec->state and returns the status. */
hive_status interp_run(hive_exec *exec);

/* interp.c: the label of each internal opcode, for threading code at
 * compile time; NULL when built without computed goto. */
const void *const *interp_labels(void);

/* instance.c: evaluates a validated constant expression in an instance. */
void instance_eval_const(hive_instance *inst, const wasm_constexpr *e, wasm_slot out[2]);

/* interp.c: sets the exec's trap (kind, message) and captures the
 * backtrace from its frames. */
void interp_set_trap(hive_exec *exec, hive_trap_kind kind, const char *message);

#endif
