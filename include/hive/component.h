/*
 * hive/component.h -- the component model: load, link, instantiate and call
 * components (Binary.md, Explainer.md and CanonicalABI.md of the
 * component-model repository), in the style of hive/wasm.h.
 *
 * Objects and their owners:
 *   hive_component   a decoded, validated component whose core modules are
 *                    compiled; immutable, reference counted, shared by any
 *                    number of instances and threads (like hive_module).
 *   hive_linker      the embedder's definitions that satisfy imports: host
 *                    functions and host resources per interface name
 *                    ("wasi:cli/environment@0.2.12"), or the exports of
 *                    another component instance. Not thread-safe while
 *                    being defined; read-only (shareable) afterwards.
 *   hive_cinstance   one instantiation of a component (with its nested
 *                    components' instances, core instances and handle
 *                    tables). Used by one thread at a time.
 *   hive_cfunc       an exported function of an instance (owned by it).
 *
 * Values are hive_cval (hive/cvalue.h), typed by hive_ctype. Handles:
 *   - own<R>/borrow<R> of a HOST resource R carry the host's rep in
 *     of.res.handle both ways (the host keeps its own table);
 *   - own<R> of a GUEST resource that reaches the host is put in the
 *     instance's host handle table: of.res.handle is that index; pass it
 *     back as an argument (own moves it out again) or drop it with
 *     hive_cinstance_drop_handle(); borrow<R> of a guest resource reaches
 *     the host as its rep.
 *
 * Errors follow hive/wasm.h: negative HIVE_E* codes and a hive_error with
 * the byte offset (decoding) and the reason.
 */
#ifndef HIVE_COMPONENT_H
#define HIVE_COMPONENT_H

#include <stddef.h>
#include <stdint.h>

#include "hive/cvalue.h"
#include "hive/wasm.h"

HIVE_API_BEGIN /* exported by libhive.so (hive/version.h) */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- telling components from core modules -------------------------------- */

/* 1 when bytes start with a component preamble (layer 1), 0 when they
 * start like a core module (layer 0), -1 otherwise. */
int hive_is_component(const uint8_t *bytes, size_t len);

/* ---- components ----------------------------------------------------------- */

typedef struct hive_component hive_component;

/* Decodes, validates and compiles (every core module, once). The bytes
 * are copied as needed. On failure *out is NULL and err says why and at
 * which byte: HIVE_EMALFORMED (not the binary format), HIVE_EINVALID
 * (fails validation), HIVE_ENOMEM, HIVE_ELIMIT. */
int hive_component_new(hive_engine *engine, const uint8_t *bytes, size_t len,
                       hive_component **out, hive_error *err);
/* Decodes and validates only (core modules are validated, not kept). */
int hive_component_validate(hive_engine *engine, const uint8_t *bytes, size_t len,
                            hive_error *err);
void hive_component_retain(hive_component *component);
void hive_component_release(hive_component *component); /* NULL ok */

/* The sorts of imports and exports. */
typedef enum hive_csort {
    HIVE_CSORT_MODULE = 0, /* core module */
    HIVE_CSORT_FUNC = 1,
    HIVE_CSORT_VALUE = 2,
    HIVE_CSORT_TYPE = 3,
    HIVE_CSORT_COMPONENT = 4,
    HIVE_CSORT_INSTANCE = 5
} hive_csort;

/* The type of an import or export, of an instance's member, of a function.
 * Owned by the component (valid while it lives); walk it with these. */
typedef struct hive_cextern hive_cextern;

size_t hive_component_import_count(const hive_component *component);
size_t hive_component_export_count(const hive_component *component);
/* Name and type of import/export i; NULL when i is out of range. */
const hive_cextern *hive_component_import(const hive_component *component, size_t i,
                                          const char **name);
const hive_cextern *hive_component_export(const hive_component *component, size_t i,
                                          const char **name);

hive_csort hive_cextern_sort(const hive_cextern *ext);
/* INSTANCE and COMPONENT: members (an instance's exports; a component's
 * imports then exports: use the two counts). */
size_t hive_cextern_member_count(const hive_cextern *ext, int imports);
const hive_cextern *hive_cextern_member(const hive_cextern *ext, int imports, size_t i,
                                        const char **name);
/* FUNC: parameter count, names and types, and the result type (NULL when
 * the function returns nothing). Types are new references the caller
 * releases with hive_ctype_release(). TYPE: the defined value type (or
 * NULL for a resource type) via hive_cextern_func_result. */
size_t hive_cextern_func_param_count(const hive_cextern *ext);
hive_ctype *hive_cextern_func_param(const hive_cextern *ext, size_t i, const char **name);
hive_ctype *hive_cextern_func_result(const hive_cextern *ext);
int hive_cextern_func_async(const hive_cextern *ext);
/* A readable rendering in WIT-like text ("func(a: u32) -> string",
 * "instance { ... }"); the caller frees it with free(). NULL on OOM. */
char *hive_cextern_format(const hive_cextern *ext);

/* ---- linker: host functions and resources ------------------------------- */

typedef struct hive_linker hive_linker;
typedef struct hive_cinstance hive_cinstance;
typedef struct hive_cfunc hive_cfunc;

/* What a host function receives besides its arguments. */
typedef struct hive_chost_call {
    hive_cinstance *instance; /* the root instance the call came from */
    void *user;               /* the pointer given when it was defined */
    const char *iface;        /* interface name as defined ("" for none) */
    const char *name;         /* function name */
} hive_chost_call;

/* A host function: reads args (owned by the caller; move them out with
 * hive_cval_move if kept) and fills results (at most one: the component
 * model's functions have zero or one result). Returns HIVE_HOST_OK,
 * HIVE_HOST_TRAP (after hive_chost_trap) or HIVE_HOST_PENDING: the
 * result is given later with hive_cinstance_complete(), and the call
 * (hive_cinstance_call) returns HIVE_PENDING meanwhile, holding no
 * thread -- also when the import is called from deep inside calls
 * between nested components (their state waits with it). PENDING traps
 * only inside realloc, post-return, a destructor or a start function. */
typedef hive_host_status (*hive_chost_fn)(hive_chost_call *call, const hive_cval *args,
                                          size_t nargs, hive_cval *results, size_t nresults);

void hive_chost_trap(hive_chost_call *call, const char *message);

/* A host resource type: its destructor runs when a guest drops its last
 * own handle of a rep (may be NULL), or the host drops one it holds
 * (hive_cinstance_drop_handle).
 *
 * One linker may serve many instances at once: host functions see the
 * calling instance in hive_chost_call.instance, destructors set as
 * dtor_in see it as their first argument, so per-instance state can hang
 * off hive_cinstance_data() instead of the user pointer (which the linker
 * shares between all its instances). When dtor_in is set it runs instead
 * of dtor. The instance is the root instance whose call (or whose
 * hive_cinstance_drop_handle) dropped the handle, as for host functions. */
typedef struct hive_host_resource hive_host_resource;
struct hive_host_resource {
    void (*dtor)(void *user, uint32_t rep);
    void *user;
    const char *name; /* copied by hive_linker_define_resource */
    void (*dtor_in)(hive_cinstance *instance, void *user, uint32_t rep);
};

hive_linker *hive_linker_new(hive_engine *engine);
void hive_linker_free(hive_linker *linker);

/*
 * Define a host function NAME in interface IFACE ("wasi:cli/environment@0.2.12";
 * NULL or "" for a function imported directly by name). Its type is given
 * in WIT syntax over the value types of hive/cvalue.h, e.g.
 * "func(a: u32, s: string) -> list<u8>" or "func()"; own<R>/borrow<R> name a
 * resource R defined in the same interface with hive_linker_define_resource,
 * or in another as own<IFACE#R> ("own<wasi:io/streams@0.2.0#input-stream>").
 * The import's type must match it, else instantiation fails with
 * HIVE_EUNLINKABLE naming both. Interfaces match by semver compatibility:
 * a guest importing "ns:pkg/iface@0.2.4" is served by "@0.2.12" (same
 * major, or for 0.x the same minor, and not older). Returns HIVE_EARG for
 * an unparsable type, a duplicate, HIVE_ENOMEM.
 */
int hive_linker_define_func(hive_linker *linker, const char *iface, const char *name,
                            const char *type, hive_chost_fn fn, void *user);
/* Defines resource NAME in IFACE (copied). */
int hive_linker_define_resource(hive_linker *linker, const char *iface, const char *name,
                                const hive_host_resource *res);
/* Makes every export of instance (functions, resources, nested instances)
 * available as the imports named NAME (an instance import, e.g. an
 * interface name) -- component-to-component linking. The instance must
 * outlive the instances made with this linker, and instances linked
 * together are used by one thread at a time together (a call into one
 * runs code of the other). Host functions reached that way see the
 * calling instance in hive_chost_call.instance: complete a PENDING there. */
int hive_linker_define_instance(hive_linker *linker, const char *name,
                                hive_cinstance *instance);
/* Zeroed memory (NULL on OOM) that lives as long as linker: a place for
 * the user pointers of its definitions, freed by hive_linker_free. */
void *hive_linker_alloc(hive_linker *linker, size_t size);
/* The resource identity of a host resource, as found in hive_ctype's
 * own/borrow (ctype->resource), or NULL. */
const void *hive_linker_resource_id(const hive_linker *linker, const char *iface,
                                    const char *name);

/* ---- instances ---------------------------------------------------------- */

/* Instantiates component with linker's definitions (linker may be NULL
 * when it has no imports): core modules are instantiated from the
 * component's compiled modules, nested components likewise. Start
 * functions of core modules run (without a budget). Fails with
 * HIVE_EUNLINKABLE (err names the import and why), HIVE_ETRAP (a trap in
 * a start function; err has the message), HIVE_ENOMEM. */
int hive_cinstance_new(hive_engine *engine, hive_component *component,
                       const hive_linker *linker, hive_cinstance **out, hive_error *err);
void hive_cinstance_free(hive_cinstance *instance); /* NULL ok */
/* Bytes of linear memory of the core instances inside instance (a memory
 * shared between them counts once per instance): what freeing it gives
 * back. 0 for NULL. */
uint64_t hive_cinstance_memory_size(const hive_cinstance *instance);
hive_component *hive_cinstance_component(const hive_cinstance *instance);

/* An exported function by name ("run", or "wasi:cli/run@0.2.0#run" for a
 * function of an exported instance); NULL when there is none. */
hive_cfunc *hive_cinstance_func(hive_cinstance *instance, const char *name);
/* Its type (params, result). */
const hive_cextern *hive_cfunc_type(const hive_cfunc *func);

/* Calls func with args (checked against its parameter types: HIVE_FAILED
 * when they do not match) under budget units of work (0 = no limit).
 * Returns DONE (read hive_cinstance_results, then call
 * hive_cinstance_post_return), TRAPPED (hive_cinstance_trap),
 * SUSPENDED (budget used up: hive_cinstance_resume), PENDING (a host
 * function returned PENDING: hive_cinstance_complete, then resume) or
 * FAILED. One call at a time per instance. */
hive_status hive_cinstance_call(hive_cinstance *instance, hive_cfunc *func,
                                const hive_cval *args, size_t nargs, uint64_t budget);
hive_status hive_cinstance_resume(hive_cinstance *instance, uint64_t budget);
/* Gives the result of the PENDING host call (nresults 0 or 1, of its
 * result type; consumed: results[0] is cleared). HIVE_EARG when the count
 * is wrong (the call stays PENDING); a value not of the result type makes
 * the call trap (lowering may already have called the guest's realloc). */
int hive_cinstance_complete(hive_cinstance *instance, hive_cval *results, size_t nresults);
int hive_cinstance_complete_trap(hive_cinstance *instance, const char *message);
/* Moves the results of a DONE call into out (at most max; returns how
 * many the function has: 0 or 1). The values are the caller's. */
size_t hive_cinstance_results(hive_cinstance *instance, hive_cval *out, size_t max);
/* Runs the callee's post-return function (if any) and ends the call; the
 * next call does it itself when forgotten. HIVE_ETRAP if it trapped. */
int hive_cinstance_post_return(hive_cinstance *instance);
const hive_trap *hive_cinstance_trap(const hive_cinstance *instance);
/* Abandons a call in progress. The instance may not be entered again
 * (a trap or an abandoned call poisons it, as the spec says). */
void hive_cinstance_reset(hive_cinstance *instance);
/* Any thread: the call returns SUSPENDED soon (like hive_exec_interrupt),
 * also from inside calls between nested components; realloc, post-return
 * and destructors, which cannot wait, trap ("interrupted"). The budget of
 * call and resume applies to each exec's slice: the instance's own code
 * and each level of calls between nested components. */
void hive_cinstance_interrupt(hive_cinstance *instance);

/* Drops an own handle of a guest resource held by the host (from a
 * result): runs the resource's destructor. HIVE_EARG if unknown. */
int hive_cinstance_drop_handle(hive_cinstance *instance, uint32_t handle);

/* Embedder data. */
void hive_cinstance_set_data(hive_cinstance *instance, void *data);
void *hive_cinstance_data(const hive_cinstance *instance);

#ifdef __cplusplus
}
#endif
HIVE_API_END
#endif
