/*
 * p2_impl.h -- the inside of hive_wasip2, shared by the files of
 * src/wasip2: the context and its table of host objects (wasip2.c),
 * wasi:io error/poll/streams (io.c), wasi:cli, clocks and random
 * (cli.c), wasi:filesystem (fs.c).
 *
 * Every resource the guest holds a handle to is a host object here; the
 * handle's rep is the object's index + 1 in the table. Host functions get
 * the context as their user pointer. A function that would wait records
 * what it waits for (p2_pend) and returns PENDING; complete_pending runs
 * the same operation again (hv_p2_retry) until it can finish.
 */
#ifndef HIVE_WASIP2_IMPL_H
#define HIVE_WASIP2_IMPL_H

#include <poll.h>
#include <stdint.h>
#include <string.h>

#include "hive/wasip2.h"
#include "wasi/wasi_impl.h" /* the preview-1 sandbox (path.c) and errno map */
#include "wasip2/base.h"    /* what 0.2 and 0.3 contexts share */

#define P2_V "@" HIVE_WASIP2_VERSION

typedef enum p2_kind {
    P2_FREE = 0,
    P2_ERROR,
    P2_POLLABLE,
    P2_INPUT,
    P2_OUTPUT,
    P2_DESC,
    P2_DIRSTREAM,
    P2_TERM_IN,
    P2_TERM_OUT,
    P2_NETWORK,
    P2_TCP,
    P2_UDP,
    P2_UDP_IN,
    P2_UDP_OUT,
    P2_RESOLVE
} p2_kind;

/* What backs a stream. */
typedef enum p2_back {
    P2_B_NULL = 0, /* stdio with nothing behind it */
    P2_B_FD,       /* a host fd read/written as a stream (pipe, tty, file as stdio) */
    P2_B_EMBED,    /* an embedder stream (stdio index in .stdio) */
    P2_B_FILE      /* a file of a descriptor, at .offset (pread/pwrite) */
} p2_back;

/* What a pollable waits for. */
typedef enum p2_pwhat { P2_P_READY = 0, P2_P_DEADLINE, P2_P_READ, P2_P_WRITE, P2_P_SOCK, P2_P_EMBED } p2_pwhat;

typedef struct p2_obj {
    uint8_t kind;  /* p2_kind */
    uint8_t back;  /* streams: p2_back */
    uint8_t owned; /* close fd with the object */
    uint8_t closed; /* streams: ended (read: end of file; write: failed) */
    uint8_t append; /* output file streams: at the end each time */
    uint8_t pwhat; /* pollables: p2_pwhat */
    uint8_t dtype; /* descriptors: descriptor-type index */
    uint8_t stdio; /* P2_B_EMBED: which embedder stream */
    uint32_t dflags; /* descriptors: descriptor-flags bits */
    uint32_t target; /* pollables: the stream's rep (0: none) */
    uint32_t code;   /* errors: the preview-1 errno of the failure + 1, or 0 */
    uint8_t family;  /* sockets: 0 ipv4, 1 ipv6 */
    uint8_t state;   /* sockets: see sockets.c */
    uint8_t connected; /* udp streams: the socket has a remote address */
    uint32_t backlog;  /* tcp: listen backlog */
    void *ext;         /* resolve-address-stream: its lookup */
    int fd;
    uint64_t offset;   /* file streams */
    uint64_t deadline; /* pollables: monotonic ns */
    void *dir;         /* directory streams: DIR * */
    char *msg;         /* errors: debug string */
    hive_wasi_stream *emb; /* P2_B_EMBED: the embedder's stream (owned), or NULL: stdio[stdio];
                              P2_P_EMBED pollables: readable() says ready */
    int wait_fd;       /* P2_B_EMBED streams, P2_P_EMBED pollables: fd to poll (POLLIN) while
                          not ready, + 1 (0: none, the wait is bit 3 of streams) */
    uint8_t *obuf;     /* output streams: bytes accepted, not yet written */
    size_t olen, ocap;
    uint64_t granted;  /* output streams: what check-write allowed, not yet written */
} p2_obj;

/* Descriptor flags (wasi:filesystem/types descriptor-flags). */
#define P2_DF_READ 0x1u
#define P2_DF_WRITE 0x2u
#define P2_DF_FSYNC 0x4u
#define P2_DF_DSYNC 0x8u
#define P2_DF_RSYNC 0x10u
#define P2_DF_MUTATE 0x20u

/* descriptor-type */
enum {
    P2_DT_UNKNOWN = 0, P2_DT_BLOCK, P2_DT_CHAR, P2_DT_DIR, P2_DT_FIFO, P2_DT_SYMLINK,
    P2_DT_FILE, P2_DT_SOCKET
};

/* The operations that can wait. */
typedef enum p2_op {
    P2_OP_NONE = 0,
    P2_OP_READ,        /* input-stream.blocking-read */
    P2_OP_SKIP,        /* input-stream.blocking-skip */
    P2_OP_WRITE,       /* output-stream.blocking-write-and-flush / zeroes */
    P2_OP_FLUSH,       /* output-stream.blocking-flush (waits for room) */
    P2_OP_BLOCK,       /* pollable.block */
    P2_OP_POLL,        /* poll */
    P2_OP_SPLICE       /* output-stream.blocking-splice */
} p2_op;

struct hive_wasip2 {
    hv_wbase b; /* config, sources, args, env, stdio, preopens, grants */

    p2_obj *objs;
    uint32_t nobjs, capobjs, live;
    uint32_t free_hint;
    uint32_t ntargeted; /* pollables with a target object */

    int exited, exit_code;

    /* the pending call */
    p2_op pend;
    uint32_t pend_rep;   /* the stream or pollable */
    uint32_t pend_src;   /* splice: the input stream */
    uint8_t *pend_buf;   /* bytes still to write */
    size_t pend_len, pend_done;
    uint64_t pend_n;     /* read/skip/splice: how many; zeroes: count */
    uint32_t *pend_list; /* poll: the pollables' reps */
    size_t pend_nlist;

    /* what it waits for (hive_wasip2_pending) */
    struct pollfd *wait_fds;
    size_t wait_nfds, wait_cap;
    uint64_t wait_deadline;
    unsigned wait_streams;

    /* A shared linker's stand-in (hive_wasip2_define_shared): only these
     * are set; each call finds its instance's context by lookup. */
    int shared;
    hive_wasip2 *(*lookup)(hive_cinstance *instance, void *ud);
    void *lookup_ud;
};

/* The context of a host call: the linker's own, or the calling
 * instance's (shared linker); NULL when the instance has none. */
static inline hive_wasip2 *p2_ctx(const hive_chost_call *call) {
    hive_wasip2 *p = call->user;
    if (!p->shared) return p;
    if (p->lookup) return p->lookup(call->instance, p->lookup_ud);
    return hive_cinstance_data(call->instance);
}

/* ---- objects (wasip2.c) ---- */

/* A new object of kind (zeroed, fd -1); its rep in *rep. NULL when the
 * table is full or out of memory. */
p2_obj *hv_p2_new(hive_wasip2 *p, p2_kind kind, uint32_t *rep);
/* The object of rep when it is of kind, else NULL. */
p2_obj *hv_p2_get(hive_wasip2 *p, uint32_t rep, p2_kind kind);
/* Frees the object (closing what it owns). */
void hv_p2_free(hive_wasip2 *p, uint32_t rep);

uint64_t hv_p2_mono_ns(hive_wasip2 *p);
uint64_t hv_p2_wall_ns(hive_wasip2 *p);
int hv_p2_random(hive_wasip2 *p, uint8_t *buf, size_t len);

/* wait set, cleared per attempt */
void hv_p2_wait_clear(hive_wasip2 *p);
int hv_p2_wait_fd(hive_wasip2 *p, int fd, short events);
void hv_p2_wait_deadline(hive_wasip2 *p, uint64_t ns);

/* ---- values ---- */

/* A list<u8> of n bytes from buf (buf may be NULL: zeros). */
/* The same, taking over buf (malloc'd, cap bytes, n used). */
int hv_p2_bytes_adopt(hive_cval *out, uint8_t *buf, size_t n, size_t cap);
/* A list<u8> value's bytes (*out, *n): those of the packed value itself
 * (what lifting gives), or a copy in *tofree for a list of items; the
 * caller frees *tofree (NULL when nothing was copied). */
int hv_p2_bytes_from(const hive_cval *v, const uint8_t **out, size_t *n, uint8_t **tofree);
/* The element count of a list<u8> value (packed or not). */
size_t hv_p2_bytes_len(const hive_cval *v);
/* result ok with payload (moved; may be NULL) / err with payload. */
/* result<_, error-code> err of a WASI preview-1 errno. */
void hv_p2_fs_err(hive_cval *out, uint32_t wasi_errno);
/* The filesystem error-code index for a preview-1 errno. */
uint32_t hv_p2_fs_code(uint32_t wasi_errno);
static inline hive_cval p2_u64(uint64_t x) { return hive_cval_uint(HIVE_C_U64, x); }
static inline hive_cval p2_u32(uint32_t x) { return hive_cval_uint(HIVE_C_U32, x); }

/* Traps the call (returns HIVE_HOST_TRAP). */
hive_host_status hv_p2_trap(hive_chost_call *call, const char *msg);

/* ---- streams (io.c) ---- */

/* A stream-error: closed, or last-operation-failed with a new error
 * object (fs code + 1 or 0, message). Returns -1 when no object could be
 * made. */
int hv_p2_stream_closed(hive_cval *out);
int hv_p2_stream_failed(hive_wasip2 *p, hive_cval *out, uint32_t wasi_errno, const char *msg);
/* A new stream object over a descriptor's fd (dup'd) or over stdio i. */
int hv_p2_new_file_stream(hive_wasip2 *p, p2_kind kind, int fd, uint64_t offset, int append,
                       uint32_t *rep);
int hv_p2_new_stdio_stream(hive_wasip2 *p, int i, uint32_t *rep);
/* Readiness of a pollable: 1 ready, 0 not (then its wait is added). */
int hv_p2_pollable_ready(hive_wasip2 *p, uint32_t rep, int add_wait);
/* Runs the pending operation again: 1 done (*result filled, nres set),
 * 0 still waiting, -1 trap (message in msg). */
int hv_p2_retry(hive_wasip2 *p, hive_cval *result, size_t *nres, char *msg, size_t msglen);

/* ---- sockets (sockets.c) ---- */
/* Readiness of a socket pollable's target (tcp connect/accept, datagram
 * streams, name lookups): 1 ready, 0 not (then its wait is added). */
int hv_p2_sock_ready(hive_wasip2 *p, uint32_t rep, int add_wait);
/* The object's extra state is freed (lookups). */
void hv_p2_sock_free(hive_wasip2 *p, p2_obj *o);
/* network error-code of a preview-1 errno */
uint32_t hv_p2_net_code(uint32_t wasi_errno);

/* The embedder stream behind a P2_B_EMBED stream object. */
static inline hive_wasi_stream *p2_emb(hive_wasip2 *p, p2_obj *o) {
    return o->emb ? o->emb : &p->b.stdio[o->stdio].stream;
}

/* ---- definitions ---- */
int hv_p2_define_sockets(hive_wasip2 *p, hive_linker *l);
int hv_p2_define_io(hive_wasip2 *p, hive_linker *l);
int hv_p2_define_cli(hive_wasip2 *p, hive_linker *l);
int hv_p2_define_fs(hive_wasip2 *p, hive_linker *l);

/* Resource definitions: every host resource of this context has the same
 * destructor, which frees the object of the rep. */
int hv_p2_define_resource(hive_wasip2 *p, hive_linker *l, const char *iface, const char *name);

typedef struct p2_fndef {
    const char *name, *type;
    hive_chost_fn fn;
} p2_fndef;
int hv_p2_define_funcs(hive_wasip2 *p, hive_linker *l, const char *iface, const p2_fndef *f, size_t n);
#define P2_COUNT(a) (sizeof(a) / sizeof *(a))

hive_host_status hv_p2_no_ctx(hive_chost_call *call);
/* A host function: NAME checks that the call has a context, then runs
 * the body (NAME_body), where P2_CTX is it. */
#define P2_FN(name)                                                                                \
    static hive_host_status name##_body(hive_chost_call *call, const hive_cval *args, size_t nargs, \
                                        hive_cval *res, size_t nres);                              \
    static hive_host_status name(hive_chost_call *call, const hive_cval *args, size_t nargs,       \
                                 hive_cval *res, size_t nres) {                                    \
        if (!p2_ctx(call)) return hv_p2_no_ctx(call);                                                 \
        return name##_body(call, args, nargs, res, nres);                                          \
    }                                                                                              \
    static hive_host_status name##_body(hive_chost_call *call, const hive_cval *args, size_t nargs, \
                                        hive_cval *res, size_t nres)
#define P2_CTX p2_ctx(call)
#define P2_REP(i) ((uint32_t)args[i].of.res.handle)

#endif
