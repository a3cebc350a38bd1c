/*
 * p3_impl.h -- the inside of hive_wasip3, shared by the files of
 * src/wasip3 and by the wasi:http 0.3 code:
 *   wasip3.c   the context, host resources, definitions, hive_wasip3_run
 *   reactor.c  waits (deadline / fd / check) and the byte-stream pumps
 *   cli.c clocks.c random.c   wasi:cli, wasi:clocks, wasi:random
 *   fs.c       wasi:filesystem (hv_p3_define_filesystem)
 *   sockets.c  wasi:sockets (hv_p3_define_sockets)
 *
 * Everything here runs on the instance's thread, between its calls (from
 * host functions, or from hive_wasip3_poll).
 *
 * An async host function (type "async func(...)") that cannot answer now:
 *
 *   P3_FN(wait_for) {
 *       hive_chost_deferred *d = hive_chost_defer(call);
 *       p3_wait *w = hv_p3_wait_new(P3_CTX, on_time, d);
 *       if (!d || !w) ... trap
 *       w->deadline = hv_p3_mono_ns(P3_CTX) + args[0].of.u;
 *       return HIVE_HOST_PENDING;
 *   }
 *   static int on_time(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
 *       hive_chost_return(w->ud, NULL);   the caller's subtask RETURNED
 *       hv_p3_wait_free(p, w);
 *       return 1;                          something moved
 *   }
 *
 * A stream<u8> the guest gives (stdout.write-via-stream, a file's
 * write-via-stream, a socket's send): hv_p3_drain_new copies it into an fd
 * (or an embedder stream) with backpressure, and resolves the future it
 * makes with ok or the error; hv_p3_feed_new does the other way round
 * (stdin, read-via-stream, receive).
 */
#ifndef HIVE_WASIP3_IMPL_H
#define HIVE_WASIP3_IMPL_H

#include <poll.h>
#include <stdint.h>
#include <string.h>

#include "hive/casync.h"
#include "hive/wasip3.h"
#include "wasi/wasi_impl.h" /* the preview-1 sandbox (path.c) and errno map */
#include "wasip2/base.h"    /* what 0.2 and 0.3 contexts share */

#define P3_V "@" HIVE_WASIP3_VERSION

typedef struct p3_wait p3_wait;
typedef struct p3_pump p3_pump;

/* A host resource type of this context: what its reps stand for and how
 * they are freed (when the guest drops its handle, or the context goes). */
typedef struct p3_rtype {
    const char *name;                           /* for messages */
    void (*free)(hive_wasip3 *p, void *obj);    /* may be NULL */
} p3_rtype;

typedef struct p3_res {
    const p3_rtype *type; /* NULL: a free slot */
    void *obj;
} p3_res;

/* Slots for the state of the other files (each frees its own in
 * ext_free, called by hive_wasip3_free). */
enum { P3_EXT_FS = 0, P3_EXT_NET, P3_EXT_HTTP, P3_EXT_CLI, P3_NEXT };

struct hive_wasip3 {
    hv_wbase b; /* config, sources, args, env, stdio, preopens, grants, insecure state */
    uint32_t max_waits;
    uint64_t insecure_seed[2]; /* fixed per context (insecure-seed) */

    int exited, exit_code;
    hive_wasip2 *p2;

    /* host resources: rep = index + 1 */
    p3_res *res;
    uint32_t nres, capres, live, free_hint;

    /* the reactor (reactor.c) */
    p3_wait *waits;       /* doubly linked, newest first */
    uint32_t nwaits;
    int in_poll;
    int dead_waits;       /* waits freed inside a poll, swept at its end */
    struct pollfd *fds;   /* hive_wasip3_poll / hive_wasip3_pending */
    size_t nfds, capfds;

    void *ext[P3_NEXT];
    void (*ext_free[P3_NEXT])(hive_wasip3 *p, void *ext);

    char failure[200];

    /* A shared linker's stand-in (hive_wasip3_define_shared). */
    int shared;
    hive_wasip3 *(*lookup)(hive_cinstance *instance, void *ud);
    void *lookup_ud;
};

/* The context of a host call: the linker's own, or the calling
 * instance's (shared linker); NULL when the instance has none. */
static inline hive_wasip3 *p3_ctx(const hive_chost_call *call) {
    hive_wasip3 *p = call->user;
    if (!p->shared) return p;
    if (p->lookup) return p->lookup(call->instance, p->lookup_ud);
    return hive_cinstance_data(call->instance);
}

/* ---- host resources (wasip3.c) ---- */

/* A rep for obj of type (0 when the table is full or out of memory). */
uint32_t hv_p3_res_new(hive_wasip3 *p, const p3_rtype *type, void *obj);
/* The object of rep when it is of type, else NULL. */
void *hv_p3_res_get(hive_wasip3 *p, uint32_t rep, const p3_rtype *type);
/* Frees rep (type->free on its object); nothing when free already. */
void hv_p3_res_free(hive_wasip3 *p, uint32_t rep);
/* Defines a resource whose destructor is hv_p3_res_free of the rep. */
int hv_p3_define_resource(hive_wasip3 *p, hive_linker *l, const char *iface, const char *name);

/* ---- the reactor (reactor.c) ---- */

/* What woke a wait (the ev argument of its function). */
enum {
    P3_EV_TIME = 1u,  /* deadline passed */
    P3_EV_FD = 2u,    /* fd ready: revents says how */
    P3_EV_CHECK = 4u  /* w->check is set: look at your streams */
};

/* Runs when the wait is woken (in hive_wasip3_poll). Returns 1 when it
 * moved something the guest may see (a host call returned, a stream or
 * future changed), else 0. It may change its wait's fields (re-arm) or
 * free it (hv_p3_wait_free). */
typedef int (*p3_wait_fn)(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents);

struct p3_wait {
    p3_wait_fn fn;
    void *ud;
    /* What it waits for; set them freely (any combination): */
    uint64_t deadline; /* monotonic ns; UINT64_MAX (the start value): none */
    int fd;            /* -1 (the start value): none */
    short events;      /* POLLIN / POLLOUT for fd */
    uint8_t check;     /* call fn at every poll (stream state to look at) */
    uint8_t emb;       /* an embedder stream (no fd) is involved: poll soon */
    /* inside */
    uint8_t dead;
    int pidx;
    p3_wait *prev, *next;
};

/* A new wait (nothing armed: no deadline, no fd, no check). NULL when
 * max_waits are in flight or out of memory. */
p3_wait *hv_p3_wait_new(hive_wasip3 *p, p3_wait_fn fn, void *ud);
/* Forgets w (safe inside its own fn or another's). */
void hv_p3_wait_free(hive_wasip3 *p, p3_wait *w);

/* A place bytes go to or come from: a host fd (read/write, or at
 * offset with pread/pwrite when offset >= 0, O_APPEND files as they
 * are), or an embedder stream (hive/wasi.h's callbacks). */
typedef struct p3_io {
    int fd;                      /* -1: use emb */
    int owned;                   /* close fd when the pump ends */
    int64_t offset;              /* >= 0: pread/pwrite here, advancing */
    const hive_wasi_stream *emb; /* copied; its ud must outlive the pump */
} p3_io;

/* The error-code case of an interface for a preview-1 errno (each
 * interface has its own error-code enum). */
typedef uint32_t (*p3_errmap)(uint32_t wasi_errno);
/* Called once when a pump ends: wasi_errno 0 when all went well, else
 * the error (its future, if any, has the mapped error already). */
typedef void (*p3_pump_done)(hive_wasip3 *p, void *ud, uint32_t wasi_errno);

/* The host drains the guest's stream<u8> *stream (an argument of the
 * host call: taken over) into sink, writing as the fd takes bytes; the
 * guest's writes wait when the host holds P3_PUMP_BUFFER bytes
 * (backpressure). future_out (may be NULL) gets a future<result<_, E>>
 * that the pump resolves when the guest's writer dropped and every byte
 * is written (ok), or at the first failure (err(enum map(errno)); the
 * pump then drops its end, so the guest's next write sees DROPPED).
 * NULL on OOM/limit (nothing taken). */
p3_pump *hv_p3_drain_new(hive_wasip3 *p, hive_cinstance *inst, hive_cval *stream, const p3_io *sink,
                      hive_cval *future_out, p3_errmap map, p3_pump_done done, void *ud);
/* The host feeds source's bytes into a new stream<u8> (*stream_out, to
 * return to the guest), reading ahead at most P3_PUMP_BUFFER bytes the
 * guest has not read; at the end of the source it drops its end (the
 * guest reads the rest, then DROPPED) and resolves future_out (may be
 * NULL) with ok, or err(enum map(errno)) on a read failure. A guest that
 * drops its readable end stops it (ok). max (0: no limit) ends it after
 * that many bytes. NULL on OOM/limit. */
p3_pump *hv_p3_feed_new(hive_wasip3 *p, hive_cinstance *inst, const p3_io *source, uint64_t max,
                     hive_cval *stream_out, hive_cval *future_out, p3_errmap map, p3_pump_done done,
                     void *ud);
/* Stops a pump now: its ends are dropped, its future (if not resolved
 * yet) gets err(map(wasi_errno)); done is not called. */
void hv_p3_pump_stop(hive_wasip3 *p, p3_pump *pump, uint32_t wasi_errno);
/* Bytes moved so far. */
uint64_t hv_p3_pump_bytes(const p3_pump *pump);
/* A lazy feed pump (on 1) reads nothing from its source until made eager
 * again (on 0): until then the source keeps every byte, and the host may
 * still take it over (e.g. relay an outgoing request's response body that
 * a guest hands back untouched). A guest's drop of the stream still ends
 * it. After on 0 the caller makes the reactor poll again (a wake). */
void hv_p3_pump_lazy(p3_pump *pump, int on);

#define P3_PUMP_BUFFER 8192

/* Frees every wait and pump (hive_wasip3_free); streams are not touched. */
void hv_p3_reactor_free(hive_wasip3 *p);

/* A future<result<_, E>> the host writes once: makes it (*readable for
 * the guest) / resolves it with ok (wasi_errno 0) or err(map(wasi_errno))
 * and drops it. */
hive_cstream *hv_p3_future_new(hive_cinstance *inst, hive_cval *readable);
void hv_p3_future_result(hive_cstream *f, uint32_t wasi_errno, p3_errmap map);

/* ---- sources (wasip3.c) ---- */

uint64_t hv_p3_mono_ns(hive_wasip3 *p);
uint64_t hv_p3_wall_ns(hive_wasip3 *p);
int hv_p3_random(hive_wasip3 *p, uint8_t *buf, size_t len);
uint64_t hv_p3_insecure_u64(hive_wasip3 *p);

/* ---- values ---- */

/* A list<u8> of n bytes from buf (NULL: zeros). 0 or -1. */
static inline hive_cval p3_u64(uint64_t x) { return hive_cval_uint(HIVE_C_U64, x); }
static inline hive_cval p3_u32(uint32_t x) { return hive_cval_uint(HIVE_C_U32, x); }
/* Traps the call (returns HIVE_HOST_TRAP). */
hive_host_status hv_p3_trap(hive_chost_call *call, const char *msg);

/* ---- definitions ---- */

typedef struct p3_fndef {
    const char *name, *type;
    hive_chost_fn fn;
} p3_fndef;
int hv_p3_define_funcs(hive_wasip3 *p, hive_linker *l, const char *iface, const p3_fndef *f, size_t n);
#define P3_COUNT(a) (sizeof(a) / sizeof *(a))

int hv_p3_define_cli(hive_wasip3 *p, hive_linker *l);
int hv_p3_define_clocks(hive_wasip3 *p, hive_linker *l);
int hv_p3_define_random(hive_wasip3 *p, hive_linker *l);
int hv_p3_define_filesystem(hive_wasip3 *p, hive_linker *l); /* fs.c */
int hv_p3_define_sockets(hive_wasip3 *p, hive_linker *l);    /* sockets.c */

hive_host_status hv_p3_no_ctx(hive_chost_call *call);
/* A host function: NAME checks that the call has a context, then runs
 * NAME_body, where P3_CTX is it. */
#define P3_FN(name)                                                                                \
    static hive_host_status name##_body(hive_chost_call *call, const hive_cval *args, size_t nargs, \
                                        hive_cval *res, size_t nres);                              \
    static hive_host_status name(hive_chost_call *call, const hive_cval *args, size_t nargs,       \
                                 hive_cval *res, size_t nres) {                                    \
        if (!p3_ctx(call)) return hv_p3_no_ctx(call);                                                 \
        return name##_body(call, args, nargs, res, nres);                                          \
    }                                                                                              \
    static hive_host_status name##_body(hive_chost_call *call, const hive_cval *args, size_t nargs, \
                                        hive_cval *res, size_t nres)
#define P3_CTX p3_ctx(call)
#define P3_REP(i) ((uint32_t)args[i].of.res.handle)

#endif
