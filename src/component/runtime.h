/*
 * component/runtime.h -- the linker and the root instance (link.c,
 * call.c).
 */
#ifndef HIVE_COMPONENT_RUNTIME_H
#define HIVE_COMPONENT_RUNTIME_H

#include "component/internal.h"

typedef struct host_func {
    const char *iface; /* "" for none */
    const char *name;
    const ct_type *ft; /* NULL: takes the import's type */
    hive_chost_fn fn;
    void *user;
} host_func;

typedef struct host_res {
    const char *iface, *name;
    hive_host_resource r;
    rt_resource rt;
} host_res;

typedef struct host_inst {
    const char *name;
    hive_cinstance *inst;
} host_inst;

#define LINKER_BUCKETS 256

struct hive_linker {
    hive_engine *engine;
    arena ar;
    host_func *funcs;
    uint32_t nfuncs, capfuncs;
    /* functions by name: bucket heads and chains (index + 1; 0 ends) */
    uint32_t fbucket[LINKER_BUCKETS];
    uint32_t *fnext;
    host_res **res;
    uint32_t nres, capres;
    host_inst *insts;
    uint32_t ninsts, capinsts;
    /* renewed by every definition, unique over the process (never 0 once
     * something is defined): what an import memo was made against */
    uint64_t gen;
};

/* Finds a definition by interface (semver-compatible) and name. */
const host_func *hv_linker_find_func(const hive_linker *l, const char *iface, const char *name);
host_res *hv_linker_find_res(const hive_linker *l, const char *iface, const char *name);
hive_cinstance *hv_linker_find_inst(const hive_linker *l, const char *name);
/* 1 when an import of iface `want` may be served by definition `have`. */
int hv_semver_match(const char *want, const char *have);

#define MAX_NESTED 64

/* A call of a lifted function in progress (a Task). */
typedef struct lifted_call {
    rt_func *f;
    cinst *caller;          /* NULL: the host */
    call_state cs;
    hive_val flat_res[2];
    uint32_t nflat_res;
    int entered;
    str_hints *hints; /* strings' origins, between components */
} lifted_call;

enum { CI_IDLE, CI_RUNNING, CI_SUSPENDED, CI_PENDING, CI_DONE, CI_TRAPPED };

typedef struct lower_ctx lower_ctx;

/* A call from one component into another that waits on a PENDING host
 * function further in: the lowered import's state, kept until the
 * callee's exec finishes (hive_cinstance_resume drives it). */
typedef struct nframe {
    lower_ctx *lx;            /* the caller's import */
    lifted_call *lc;          /* the callee's task (heap: handles point at its borrows) */
    call_state cs;            /* the caller's lent handles */
    str_hints hints;
    int64_t out_ptr;          /* the caller's result pointer, or -1 */
    hive_exec *callee_exec;   /* runs the callee (a helper) */
    hive_exec *caller_exec;   /* waits in the lowered import */
} nframe;

struct hive_cinstance {
    hive_engine *engine;
    hive_component *comp;
    const hive_linker *linker;
    cinst *top;
    cinst *all;
    arena ar;
    hive_instance **cores;
    uint32_t ncores, capcores;
    hive_func **hfuncs;
    uint32_t nhfuncs, caphfuncs;
    hive_exec *main;
    hive_exec *helpers[MAX_NESTED];
    uint32_t depth;
    handle_table host_handles;
    /* the call in progress */
    int state;
    lifted_call call;
    hive_cval result;
    int has_result, result_taken, post_pending;
    /* calls between components waiting on a PENDING host call */
    nframe *frames[MAX_NESTED];
    uint32_t nframes;
    int no_pend;              /* inside realloc, post-return, a destructor... */
    uint64_t budget;          /* of the current call or resume (0: none) */
    hive_exec *pend_exec;     /* the exec of the PENDING host call */
    /* a PENDING host call */
    lower_ctx *pend;
    const host_func *pend_host;
    int64_t pend_out_ptr;
    call_state pend_cs;
    hive_cval *pend_args;
    uint32_t pend_nargs;
    hive_trap trap;
    void *data;
    struct casync *async;    /* async ABI state (async.c), NULL until used */
    int interrupted; /* hive_cinstance_interrupt since the call began */
};

/* call.c, hosttype.c */
lower_ctx *hv_make_lower_ctx(arena *ar, cinst *ci, rt_func *callee, const ct_type *ft, hive_memory *mem,
                          hive_func *realloc_, uint8_t enc);
hive_host_fn hv_lowered_fn(void);
hive_func *hv_make_builtin(hive_cinstance *root, cinst *ci, uint8_t op, uint32_t rid, const ct_type *cft,
                        const char *name);
const ct_type *hv_parse_host_type(hive_linker *l, const char *iface, const char *text);
void hv_cinstance_frames_free(hive_cinstance *ci);

/* ---- async ABI (async.c) ---- */
/* 1 when calling f takes the async path (async type or async lift). */
int hv_casync_is_async(const rt_func *f);
/* Runs an async export as a task from the host, driving the event loop
 * until it resolves: 0 (result filled) or -1 (trap, msg). */
int hv_casync_host_call(hive_cinstance *root, rt_func *f, const hive_cval *args, uint32_t nargs,
                     hive_cval *result, char *msg, size_t msglen);
/* 1 when a sync lowered call takes the async path. */
int hv_casync_lower_wanted(const rt_func *callee);
/* A lowered call (sync or async) on the async path. */
hive_host_status hv_casync_lower(hive_host_call *call, cinst *ci, rt_func *callee, const ct_type *ft,
                              hive_memory *mem, hive_func *realloc_, uint8_t enc, int async_,
                              const hive_val *args, hive_val *results);
/* The core function of an async canon built-in, or NULL when op is not one. */
hive_func *hv_casync_builtin(hive_cinstance *root, cinst *ci, const def *df);
void hv_casync_free(hive_cinstance *root);
/* hive_cinstance_interrupt reaches the async exec running now. */
void hv_casync_interrupt(hive_cinstance *root);
/* Ends the sync-typed host call waiting inside an async task (its host
 * function returned PENDING there): with results, or a trap message that
 * poisons the instance. HIVE_OK, HIVE_ETRAP, HIVE_EARG (wrong count), or
 * HIVE_ESTATE when none waits. */
int hv_casync_complete(hive_cinstance *root, hive_cval *results, size_t nresults, const char *trap);

#endif
