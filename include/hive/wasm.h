/*
 * hive/wasm.h -- the WebAssembly engine's embedding API.
 *
 * Objects and their owners:
 *   hive_engine    configuration and limits; owns nothing else.
 *   hive_module    decoded, validated and compiled code; immutable once
 *                  loaded, so one module may be instantiated many times
 *                  from many threads at once. Reference counted.
 *   hive_instance  one instantiation: memory, tables, globals, functions.
 *   hive_exec      an execution context (value stack + call stack). A call
 *                  runs inside an exec under a budget and may stop part way
 *                  (SUSPENDED, PENDING); it is resumed later, on any thread.
 *   hive_func / hive_table / hive_memory / hive_global
 *                  external values. Those made with *_new are owned by the
 *                  caller; those obtained from an instance belong to it.
 *
 * An instance keeps pointers to everything it imported: the embedder keeps
 * those objects alive at least as long as the instance.
 *
 * Thread safety: distinct objects may be used from distinct threads. One
 * instance (and the execs running its code) is used by one thread at a
 * time, except hive_exec_interrupt(), which any thread may call.
 *
 * Errors are negative codes (HIVE_E*); hive_strerror() names them. Calls
 * that can fail for a reason worth reading take a hive_error to fill.
 */
#ifndef HIVE_WASM_H
#define HIVE_WASM_H

#include <stddef.h>
#include <stdint.h>

#include "hive/version.h"

HIVE_API_BEGIN /* exported by libhive.so (hive/version.h) */
#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------ */

enum {
    HIVE_OK = 0,
    HIVE_ENOMEM = -1,      /* allocation failed */
    HIVE_EMALFORMED = -2,  /* module bytes do not follow the binary format */
    HIVE_EINVALID = -3,    /* module fails validation */
    HIVE_EUNLINKABLE = -4, /* imports missing or of the wrong type */
    HIVE_ETRAP = -5,       /* a trap during instantiation or a call */
    HIVE_ELIMIT = -6,      /* an implementation or configured limit */
    HIVE_EARG = -7,        /* bad argument from the embedder */
    HIVE_ESTATE = -8       /* call not valid in the object's state */
};

const char *hive_strerror(int code);

typedef struct hive_error {
    int code;          /* one of HIVE_E*, or HIVE_OK */
    size_t offset;     /* byte offset in the module, for decode errors */
    char message[256]; /* the spec's reason where it has one */
} hive_error;

/* ---- values ------------------------------------------------------------ */

typedef enum hive_valtype {
    HIVE_I32 = 0x7f,
    HIVE_I64 = 0x7e,
    HIVE_F32 = 0x7d,
    HIVE_F64 = 0x7c,
    HIVE_V128 = 0x7b,
    HIVE_FUNCREF = 0x70,
    HIVE_EXTERNREF = 0x6f
} hive_valtype;

typedef struct hive_func hive_func;

/* A value. Floats are kept as bits so NaN payloads survive. A funcref is a
 * hive_func pointer (NULL is null); an externref is an opaque pointer
 * chosen by the embedder (NULL is null). */
typedef struct hive_val {
    uint8_t type; /* hive_valtype */
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t f32; /* IEEE-754 single bits */
        uint64_t f64; /* IEEE-754 double bits */
        uint8_t v128[16];
        hive_func *func;
        void *ext;
    } of;
} hive_val;

/* A function type: parameter and result types. */
typedef struct hive_functype {
    uint32_t nparams, nresults;
    const uint8_t *params;  /* hive_valtype each */
    const uint8_t *results;
} hive_functype;

/* ---- engine ------------------------------------------------------------ */

/* Like realloc: ptr NULL allocates, size 0 frees (and returns NULL);
 * returns NULL on failure, leaving ptr untouched. */
typedef void *(*hive_alloc_fn)(void *ud, void *ptr, size_t size);

typedef struct hive_config {
    /* One allocator for all engine memory except linear memories (which
     * are mappings). NULL: the C library's. */
    hive_alloc_fn alloc;
    void *alloc_ud;
    uint32_t max_memory_pages;  /* per linear memory; 0 = 65536 (4 GiB) */
    uint32_t max_table_elems;   /* per table; 0 = 10,000,000 */
    uint32_t max_call_depth;    /* wasm frames per exec; 0 = 10,000 */
    uint32_t value_stack_slots; /* 8-byte slots per exec; 0 = 1 << 20 */
    uint32_t flags;             /* HIVE_CONFIG_* below, or 0 */
    /* Bytes of linear memory all the engine's memories may have at once
     * (their current sizes, rounded to pages); 0 = no limit. A memory
     * that would pass it is not made (instantiation fails) and a
     * memory.grow that would pass it returns -1. */
    uint64_t memory_budget;
} hive_config;

/* Compile every instruction on its own: no fused runs of two or three
 * adjacent instructions (docs/PERFORMANCE.md, "pairs and triples").
 * Slower; for comparisons and tests. */
#define HIVE_CONFIG_NO_FUSION 1u
/* Run every instruction through the interpreter's own handlers: no
 * inline-threaded copies (docs/PERFORMANCE.md, "inline threading").
 * Slower; for comparisons and tests. */
#define HIVE_CONFIG_NO_INLINE 2u
/* Compile every function when the module loads, not on its first call
 * (docs/ARCHITECTURE.md, "Lazy compilation"); HIVE_EAGER=1 in the
 * environment does the same for a whole process. */
#define HIVE_CONFIG_EAGER 4u
/* WebAssembly 2.0's binary format and validation, exactly: at most one
 * memory, the memory index of memory instructions is the reserved byte
 * 0x00, memory limits have no shared flag, and there is no tag section
 * (section id 13). Without it (the default) hive also accepts what it has
 * of WebAssembly 3.0 and later: several memories (multi-memory,
 * docs/MULTI-MEMORY.md), shared memory types (the threads proposal's
 * flag; hive has no atomics, so a shared memory is used as any other),
 * and exception handling's tags, throw and try_table. The 2.0 spec suite
 * runs with it, since some of its binary tests say "zero byte expected",
 * "multiple memories" or "malformed section id" where those accept. */
#define HIVE_CONFIG_WASM2 8u
/* Each module is instantiated about once (a command line run): memory 0's
 * data segments are copied into each new memory, not mapped from an
 * image built for the module (a memfd shared copy-on-write by its
 * instances, which pays off from the second instance on). Behaviour is
 * the same either way; `hive run` sets it (docs/PERFORMANCE.md, "Process
 * start-up"). */
#define HIVE_CONFIG_SINGLE_INSTANCE 16u
/* Give every function its inline-threaded copies as soon as it is
 * compiled. By default a function gets them only once it is hot (the
 * interpreter finds it running at the end of a few of its slices of a few
 * thousand units, or the module has served a few hundred runs: docs/
 * ARCHITECTURE.md, "Inline copies: when"), so that code run once, as at
 * start-up, is not copied. HIVE_TIER=0 in the environment does the same
 * for a whole process; HIVE_TIER=N sets the number of slices (default 2). */
#define HIVE_CONFIG_INLINE_NOW 32u

typedef struct hive_engine hive_engine;

/* config may be NULL for defaults. Returns NULL when out of memory. */
hive_engine *hive_engine_new(const hive_config *config);
void hive_engine_free(hive_engine *engine);
/* Bytes of linear memory the engine's memories have now (any thread). */
uint64_t hive_engine_memory_committed(const hive_engine *engine);
/* The engine's hive_config.memory_budget (0: none). */
uint64_t hive_engine_memory_budget(const hive_engine *engine);

/* ---- modules ----------------------------------------------------------- */

typedef struct hive_module hive_module;

typedef enum hive_externkind {
    HIVE_EXTERN_FUNC = 0,
    HIVE_EXTERN_TABLE = 1,
    HIVE_EXTERN_MEMORY = 2,
    HIVE_EXTERN_GLOBAL = 3,
    HIVE_EXTERN_TAG = 4 /* exception handling: a tag (its type: func, no results) */
} hive_externkind;

typedef struct hive_limits {
    uint32_t min;
    uint32_t max;
    int has_max;
    int shared; /* memories: shared (the threads proposal's flag; hive has no
                 * atomics, so a shared memory is used as any other) */
} hive_limits;

/* The type of an import or export. */
typedef struct hive_externtype {
    hive_externkind kind;
    hive_functype func;    /* FUNC; TAG: the tag's parameters (no results) */
    uint8_t elemtype;      /* TABLE: HIVE_FUNCREF or HIVE_EXTERNREF */
    hive_limits limits;    /* TABLE, MEMORY */
    uint8_t valtype;       /* GLOBAL */
    int mutable_;          /* GLOBAL */
} hive_externtype;

/* Decodes, validates and compiles a module. The bytes are copied as
 * needed; the caller may free them afterwards. On failure returns the
 * error code, *out is NULL and err (if non-NULL) says why and where. */
int hive_module_new(hive_engine *engine, const uint8_t *bytes, size_t len,
                    hive_module **out, hive_error *err);
/* hive_module_new without the copy: the module takes bytes, which must
 * come from the engine's allocator (hive_config.alloc; by default malloc),
 * and frees them when it is freed, or before returning when loading fails:
 * either way the caller no longer owns them (engine NULL aside: HIVE_EARG,
 * the bytes untouched). `hive run` reads a file into
 * a buffer and hands it over: no second copy of a large module, nor the
 * page faults of one. */
int hive_module_new_take(hive_engine *engine, uint8_t *bytes, size_t len,
                         hive_module **out, hive_error *err);
void hive_module_retain(hive_module *module);
void hive_module_release(hive_module *module); /* frees at zero; NULL ok */

size_t hive_module_import_count(const hive_module *module);
/* Fills names and type of import i; strings are owned by the module and
 * are not NUL-terminated (lengths given). Returns HIVE_EARG if i is out of
 * range. */
int hive_module_import(const hive_module *module, size_t i, const char **modname,
                       size_t *modname_len, const char **name, size_t *name_len,
                       hive_externtype *type);
size_t hive_module_export_count(const hive_module *module);
int hive_module_export(const hive_module *module, size_t i, const char **name,
                       size_t *name_len, hive_externtype *type);

/* ---- external values --------------------------------------------------- */

typedef struct hive_table hive_table;
typedef struct hive_memory hive_memory;
typedef struct hive_global hive_global;
/* An exception tag (exception handling). Each instantiation of a module
 * that defines a tag makes a new one; a throw is caught by a catch that
 * names the same tag, whatever the instance. */
typedef struct hive_tag hive_tag;
typedef struct hive_instance hive_instance;
typedef struct hive_exec hive_exec;

typedef struct hive_extern {
    hive_externkind kind;
    union {
        hive_func *func;
        hive_table *table;
        hive_memory *memory;
        hive_global *global;
        hive_tag *tag;
    } of;
} hive_extern;

/* What a host function tells the engine. */
typedef enum hive_host_status {
    HIVE_HOST_OK = 0,      /* results are filled in */
    HIVE_HOST_TRAP = 1,    /* set a reason with hive_host_trap() first */
    HIVE_HOST_PENDING = 2  /* results come later via hive_exec_complete() */
} hive_host_status;

/* What a host function receives besides its arguments. */
typedef struct hive_host_call {
    hive_exec *exec;         /* the exec running the call */
    hive_instance *caller;   /* instance whose code made the call, or NULL
                                when the embedder called the host function
                                directly */
    void *user;              /* the pointer given to hive_func_new_host */
} hive_host_call;

typedef hive_host_status (*hive_host_fn)(hive_host_call *call, const hive_val *args,
                                         hive_val *results);

/* A host function. name is used in trap backtraces (copied; may be NULL).
 * finalize (may be NULL) is called with user when the function is freed. */
hive_func *hive_func_new_host(hive_engine *engine, const hive_functype *type,
                              hive_host_fn fn, void *user, void (*finalize)(void *user),
                              const char *name);
/* Frees a function made by hive_func_new_host; NULL ok. Functions of an
 * instance are freed with it and must not be passed here. */
void hive_func_free(hive_func *func);
const hive_functype *hive_func_type(const hive_func *func);

/* A tag made by the host, for modules that import one (exception
 * handling): a new identity, of the given type, whose results must be
 * empty. NULL when out of memory or when the type has results. Freed by
 * hive_tag_free (after the instances that import it). */
hive_tag *hive_tag_new(hive_engine *engine, const hive_functype *type);
void hive_tag_free(hive_tag *tag);

hive_memory *hive_memory_new(hive_engine *engine, hive_limits limits);
void hive_memory_free(hive_memory *memory);
/* Base address and size in bytes. The base does not move when the memory
 * grows (the mapping is reserved up front), so host code may keep it. */
uint8_t *hive_memory_data(hive_memory *memory);
uint64_t hive_memory_size(const hive_memory *memory);
/* Grows by delta pages; returns the old size in pages or -1. */
int64_t hive_memory_grow(hive_memory *memory, uint32_t delta);
/* A checked pointer to [offset, offset+len) of the memory, or NULL when
 * that range is not inside it. Host code reaches guest memory this way. */
void *hive_memory_ptr(hive_memory *memory, uint64_t offset, uint64_t len);

hive_table *hive_table_new(hive_engine *engine, uint8_t elemtype, hive_limits limits,
                           void *init);
void hive_table_free(hive_table *table);
uint32_t hive_table_size(const hive_table *table);
int hive_table_get(const hive_table *table, uint32_t i, void **ref);
int hive_table_set(hive_table *table, uint32_t i, void *ref);

hive_global *hive_global_new(hive_engine *engine, hive_val value, int mutable_);
void hive_global_free(hive_global *global);
hive_val hive_global_get(const hive_global *global);
int hive_global_set(hive_global *global, hive_val value);

/* ---- instances --------------------------------------------------------- */

/* Instantiates module with imports given in the module's import order.
 * Initialises tables and memories from active segments (a segment out of
 * bounds fails with HIVE_ETRAP, as the spec says: *out is then still set,
 * because segments written before the failing one may have put the
 * instance's functions into imported tables, so it must outlive them; free
 * it with the rest). Does NOT run the start
 * function: the caller runs hive_instance_start_func() through an exec, so
 * that it too runs under a budget. */
int hive_instance_new(hive_engine *engine, hive_module *module, const hive_extern *imports,
                      size_t nimports, hive_instance **out, hive_error *err);
void hive_instance_free(hive_instance *instance);
hive_module *hive_instance_module(const hive_instance *instance);
/* The start function, or NULL when the module has none. */
hive_func *hive_instance_start_func(hive_instance *instance);
/* Looks up an export by name; returns HIVE_EARG when there is none. */
int hive_instance_export(hive_instance *instance, const char *name, size_t name_len,
                         hive_extern *out);
/* The instance's memory 0, or NULL. */
hive_memory *hive_instance_memory(hive_instance *instance);
/* The instance's memory `index` (imported or defined; multi-memory), or
 * NULL when it has no such memory. */
hive_memory *hive_instance_memory_at(hive_instance *instance, uint32_t index);
/* The number of memories of the instance (imported ones included). */
uint32_t hive_instance_memory_count(const hive_instance *instance);
/* Embedder data attached to the instance. */
void hive_instance_set_data(hive_instance *instance, void *data);
void *hive_instance_data(const hive_instance *instance);

/* ---- execution --------------------------------------------------------- */

typedef enum hive_status {
    HIVE_DONE = 0,      /* the call returned; read hive_exec_results() */
    HIVE_TRAPPED = 1,   /* the call trapped; read hive_exec_trap() */
    HIVE_SUSPENDED = 2, /* budget used up or interrupted; resume later */
    HIVE_PENDING = 3,   /* a host function returned PENDING; complete it */
    HIVE_FAILED = 4     /* the embedder's request was wrong (bad args) */
} hive_status;

typedef enum hive_trap_kind {
    HIVE_TRAP_NONE = 0,
    HIVE_TRAP_UNREACHABLE,
    HIVE_TRAP_INT_DIV_ZERO,
    HIVE_TRAP_INT_OVERFLOW,
    HIVE_TRAP_INVALID_CONVERSION,
    HIVE_TRAP_MEMORY_OOB,
    HIVE_TRAP_TABLE_OOB,
    HIVE_TRAP_INDIRECT_TYPE,
    HIVE_TRAP_UNINITIALIZED_ELEM,
    HIVE_TRAP_UNDEFINED_ELEM,
    HIVE_TRAP_STACK_EXHAUSTED,
    HIVE_TRAP_HOST,  /* a host function trapped */
    HIVE_TRAP_EXIT,  /* a host function asked the guest to exit; see code */
    HIVE_TRAP_OUT_OF_MEMORY, /* the engine could not allocate what a call needed
                              * (compiling the callee on its first call) */
    HIVE_TRAP_UNCAUGHT_EXCEPTION /* a throw no try_table of the call caught */
} hive_trap_kind;

#define HIVE_TRAP_MAX_FRAMES 32

typedef struct hive_trap {
    hive_trap_kind kind;
    int exit_code;        /* for HIVE_TRAP_EXIT */
    char message[256];    /* the spec's wording, e.g. "integer divide by zero" */
    uint32_t nframes;     /* backtrace, innermost first */
    struct {
        const char *func_name; /* from the name section or export; may be NULL */
        uint32_t func_index;
    } frames[HIVE_TRAP_MAX_FRAMES];
} hive_trap;

/* An exec holds the stacks for one call at a time (and all the calls it
 * makes). Sizes come from the engine's config. */
hive_exec *hive_exec_new(hive_engine *engine);
void hive_exec_free(hive_exec *exec);

/* Starts a call of func with args and runs it for at most budget units of
 * work (one unit per loop iteration or call; 0 = no limit). The exec must
 * be idle (no call in progress). */
hive_status hive_exec_call(hive_exec *exec, hive_func *func, const hive_val *args,
                           size_t nargs, uint64_t budget);
/* Continues a SUSPENDED call. */
hive_status hive_exec_resume(hive_exec *exec, uint64_t budget);
/* Gives the results of a host call that returned PENDING; the call then
 * continues on the next hive_exec_resume(). */
int hive_exec_complete(hive_exec *exec, const hive_val *results, size_t nresults);
/* Completes a PENDING host call with a trap instead. */
int hive_exec_complete_trap(hive_exec *exec, const char *message);
/* Abandons a call in progress (SUSPENDED or PENDING); the exec is idle
 * again. */
void hive_exec_reset(hive_exec *exec);
/* Asks a running call to stop; it returns SUSPENDED within 4096 checks
 * (loop back-edges and calls: the flag is read each time a slice of 4096
 * budget units is used up, and at the first check of a call or resume),
 * and within 64 KiB of a bulk memory or table operation (memory.fill,
 * copy, init; table.fill, copy, init), which reads it between chunks and
 * resumes where it stopped. Budget units: one per loop iteration or call,
 * one per 64 bytes moved by a bulk operation, and 256 plus one per page
 * (table: per 8 elements) for memory.grow and table.grow. Safe from any
 * thread, and from signal handlers. */
void hive_exec_interrupt(hive_exec *exec);
/* The units left of the budget given to the last hive_exec_call or
 * hive_exec_resume, once it returned SUSPENDED, PENDING or DONE (so the
 * units it used are that budget minus this); UINT64_MAX for no limit. */
uint64_t hive_exec_budget_left(const hive_exec *exec);
/* Results of a DONE call; returns how many there are (copies at most max). */
size_t hive_exec_results(const hive_exec *exec, hive_val *out, size_t max);
const hive_trap *hive_exec_trap(const hive_exec *exec);
/* The state of the exec: HIVE_DONE when idle. */
hive_status hive_exec_status(const hive_exec *exec);

/* For host functions: make the call trap with a message, or make the
 * guest exit with a code (kind HIVE_TRAP_EXIT). Return HIVE_HOST_TRAP. */
void hive_host_trap(hive_host_call *call, const char *message);
void hive_host_exit(hive_host_call *call, int code);

#ifdef __cplusplus
}
#endif
HIVE_API_END
#endif
