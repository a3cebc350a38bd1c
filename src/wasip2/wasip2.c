/*
 * wasip2.c -- the WASI 0.2 context (hive/wasip2.h): config, the table of
 * host objects behind the guest's handles, value helpers, the pending
 * call and the blocking driver hive_wasip2_run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasip2/p2_impl.h"

static void seterr(hive_error *err, int code, const char *fmt, const char *arg) {
    if (!err) return;
    err->code = code;
    err->offset = 0;
    snprintf(err->message, sizeof err->message, fmt, arg);
}

int hive_wasip2_new(const hive_wasip2_config *c, hive_wasip2 **out, hive_error *err) {
    *out = NULL;
    if (!c) {
        seterr(err, HIVE_EARG, "%s", "no config");
        return HIVE_EARG;
    }
    hive_wasip2 *p = calloc(1, sizeof *p);
    if (!p) {
        seterr(err, HIVE_ENOMEM, "%s", "out of memory");
        return HIVE_ENOMEM;
    }
    int rc = hv_wbase_init(&p->b, c, err);
    if (rc != HIVE_OK) {
        hive_wasip2_free(p);
        return rc;
    }
    *out = p;
    return HIVE_OK;
}

void hive_wasip2_free(hive_wasip2 *p) {
    if (!p) return;
    for (uint32_t i = 0; i < p->nobjs; i++)
        if (p->objs[i].kind != P2_FREE) hv_p2_free(p, i + 1);
    free(p->objs);
    hv_wbase_free(&p->b);
    free(p->pend_buf);
    free(p->pend_list);
    free(p->wait_fds);
    free(p);
}

/* ---- objects ---- */

p2_obj *hv_p2_new(hive_wasip2 *p, p2_kind kind, uint32_t *rep) {
    if (p->live >= p->b.max_objects) return NULL;
    uint32_t i = p->free_hint;
    while (i < p->nobjs && p->objs[i].kind != P2_FREE) i++;
    if (i == p->nobjs) {
        if (p->nobjs == p->capobjs) {
            uint32_t cap = p->capobjs ? p->capobjs * 2 : 32;
            p2_obj *v = realloc(p->objs, cap * sizeof *v);
            if (!v) return NULL;
            p->objs = v;
            p->capobjs = cap;
        }
        p->nobjs++;
    }
    p2_obj *o = &p->objs[i];
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)kind;
    o->fd = -1;
    p->live++;
    p->free_hint = i + 1;
    *rep = i + 1;
    return o;
}

p2_obj *hv_p2_get(hive_wasip2 *p, uint32_t rep, p2_kind kind) {
    if (rep == 0 || rep > p->nobjs) return NULL;
    p2_obj *o = &p->objs[rep - 1];
    return o->kind == kind ? o : NULL;
}

void hv_p2_free(hive_wasip2 *p, uint32_t rep) {
    if (rep == 0 || rep > p->nobjs) return;
    p2_obj *o = &p->objs[rep - 1];
    if (o->kind == P2_FREE) return;
    hv_p2_sock_free(p, o);
    if (o->dir) closedir(o->dir);
    else if (o->owned && o->fd >= 0) close(o->fd);
    free(o->msg);
    free(o->obuf);
    free(o->emb);
    if (o->kind == P2_POLLABLE && o->target) p->ntargeted--;
    if (o->kind != P2_POLLABLE && p->ntargeted) {
        /* pollables of this object (a stream, a socket) are ready from
         * now on: nothing is left to wait for */
        for (uint32_t i = 0; i < p->nobjs; i++)
            if (p->objs[i].kind == P2_POLLABLE && p->objs[i].target == rep) {
                p->objs[i].pwhat = P2_P_READY;
                p->objs[i].target = 0;
                p->ntargeted--;
            }
    }
    memset(o, 0, sizeof *o);
    o->fd = -1;
    p->live--;
    if (rep - 1 < p->free_hint) p->free_hint = rep - 1;
}

size_t hive_wasip2_live_objects(const hive_wasip2 *p) { return p ? p->live : 0; }

static void res_dtor(hive_cinstance *instance, void *user, uint32_t rep) {
    hive_chost_call call = {instance, user, "", ""};
    hive_wasip2 *p = p2_ctx(&call);
    if (p) hv_p2_free(p, rep);
}

int hv_p2_define_resource(hive_wasip2 *p, hive_linker *l, const char *iface, const char *name) {
    hive_host_resource r = {NULL, p, name, res_dtor};
    return hive_linker_define_resource(l, iface, name, &r);
}

hive_host_status hv_p2_no_ctx(hive_chost_call *call) {
    hive_chost_trap(call, "no WASI 0.2 context for this instance (hive_wasip2_define_shared)");
    return HIVE_HOST_TRAP;
}

/* ---- sources ---- */

uint64_t hv_p2_mono_ns(hive_wasip2 *p) { return hv_wbase_mono_ns(&p->b); }
uint64_t hv_p2_wall_ns(hive_wasip2 *p) { return hv_wbase_wall_ns(&p->b); }
int hv_p2_random(hive_wasip2 *p, uint8_t *buf, size_t len) { return hv_wbase_random(&p->b, buf, len); }

/* ---- wait set ---- */

void hv_p2_wait_clear(hive_wasip2 *p) {
    p->wait_nfds = 0;
    p->wait_deadline = UINT64_MAX;
    p->wait_streams = 0;
}

int hv_p2_wait_fd(hive_wasip2 *p, int fd, short events) {
    for (size_t i = 0; i < p->wait_nfds; i++)
        if (p->wait_fds[i].fd == fd) {
            p->wait_fds[i].events |= events;
            return 0;
        }
    if (p->wait_nfds == p->wait_cap) {
        size_t cap = p->wait_cap ? p->wait_cap * 2 : 4;
        struct pollfd *v = realloc(p->wait_fds, cap * sizeof *v);
        if (!v) return -1;
        p->wait_fds = v;
        p->wait_cap = cap;
    }
    p->wait_fds[p->wait_nfds].fd = fd;
    p->wait_fds[p->wait_nfds].events = events;
    p->wait_fds[p->wait_nfds].revents = 0;
    p->wait_nfds++;
    return 0;
}

void hv_p2_wait_deadline(hive_wasip2 *p, uint64_t ns) {
    if (ns < p->wait_deadline) p->wait_deadline = ns;
}

/* ---- values ---- */

int hv_p2_bytes_adopt(hive_cval *out, uint8_t *buf, size_t n, size_t cap) {
    if (n && n < cap / 2) { /* a short read: give back the rest */
        uint8_t *s = realloc(buf, n);
        if (s) buf = s;
    }
    return hive_cval_packed_adopt(out, HIVE_C_U8, buf, n) == HIVE_OK ? 0 : -1;
}

int hv_p2_bytes_from(const hive_cval *v, const uint8_t **out, size_t *n, uint8_t **tofree) {
    *tofree = NULL;
    if (v->kind == HIVE_C_PACKED) { /* what lifting gives: no copy */
        *out = hive_cval_bytes(v, n);
        return 0;
    }
    size_t len = v->kind == HIVE_C_LIST ? v->of.agg.n : 0;
    uint8_t *b = malloc(len ? len : 1);
    if (!b) return -1;
    for (size_t i = 0; i < len; i++) b[i] = (uint8_t)v->of.agg.items[i].of.u;
    *out = *tofree = b;
    *n = len;
    return 0;
}

size_t hv_p2_bytes_len(const hive_cval *v) {
    return v->kind == HIVE_C_PACKED ? v->of.packed.n : v->kind == HIVE_C_LIST ? v->of.agg.n : 0;
}

/* error-code indexes (wasi:filesystem/types) */
enum {
    EC_ACCESS, EC_WOULD_BLOCK, EC_ALREADY, EC_BAD_DESCRIPTOR, EC_BUSY, EC_DEADLOCK, EC_QUOTA,
    EC_EXIST, EC_FILE_TOO_LARGE, EC_ILLEGAL_BYTE_SEQUENCE, EC_IN_PROGRESS, EC_INTERRUPTED,
    EC_INVALID, EC_IO, EC_IS_DIRECTORY, EC_LOOP, EC_TOO_MANY_LINKS, EC_MESSAGE_SIZE,
    EC_NAME_TOO_LONG, EC_NO_DEVICE, EC_NO_ENTRY, EC_NO_LOCK, EC_INSUFFICIENT_MEMORY,
    EC_INSUFFICIENT_SPACE, EC_NOT_DIRECTORY, EC_NOT_EMPTY, EC_NOT_RECOVERABLE, EC_UNSUPPORTED,
    EC_NO_TTY, EC_NO_SUCH_DEVICE, EC_OVERFLOW, EC_NOT_PERMITTED, EC_PIPE, EC_READ_ONLY,
    EC_INVALID_SEEK, EC_TEXT_FILE_BUSY, EC_CROSS_DEVICE
};

uint32_t hv_p2_fs_code(uint32_t e) {
    switch (e) {
    case WASI_EACCES: return EC_ACCESS;
    case WASI_EAGAIN: return EC_WOULD_BLOCK;
    case WASI_EALREADY: return EC_ALREADY;
    case WASI_EBADF: return EC_BAD_DESCRIPTOR;
    case WASI_EBUSY: return EC_BUSY;
    case WASI_EDEADLK: return EC_DEADLOCK;
    case WASI_EDQUOT: return EC_QUOTA;
    case WASI_EEXIST: return EC_EXIST;
    case WASI_EFBIG: return EC_FILE_TOO_LARGE;
    case WASI_EILSEQ: return EC_ILLEGAL_BYTE_SEQUENCE;
    case WASI_EINPROGRESS: return EC_IN_PROGRESS;
    case WASI_EINTR: return EC_INTERRUPTED;
    case WASI_EINVAL: return EC_INVALID;
    case WASI_EISDIR: return EC_IS_DIRECTORY;
    case WASI_ELOOP: return EC_LOOP;
    case WASI_EMLINK: return EC_TOO_MANY_LINKS;
    case WASI_EMSGSIZE: return EC_MESSAGE_SIZE;
    case WASI_ENAMETOOLONG: return EC_NAME_TOO_LONG;
    case WASI_ENODEV: return EC_NO_DEVICE;
    case WASI_ENOENT: return EC_NO_ENTRY;
    case WASI_ENOLCK: return EC_NO_LOCK;
    case WASI_ENOMEM: return EC_INSUFFICIENT_MEMORY;
    case WASI_ENOSPC: return EC_INSUFFICIENT_SPACE;
    case WASI_ENOTDIR: return EC_NOT_DIRECTORY;
    case WASI_ENOTEMPTY: return EC_NOT_EMPTY;
    case WASI_ENOTRECOVERABLE: return EC_NOT_RECOVERABLE;
    case WASI_ENOTSUP: case WASI_ENOSYS: return EC_UNSUPPORTED;
    case WASI_ENOTTY: return EC_NO_TTY;
    case WASI_ENXIO: return EC_NO_SUCH_DEVICE;
    case WASI_EOVERFLOW: return EC_OVERFLOW;
    case WASI_EPERM: case WASI_ENOTCAPABLE: return EC_NOT_PERMITTED;
    case WASI_EPIPE: return EC_PIPE;
    case WASI_EROFS: return EC_READ_ONLY;
    case WASI_ESPIPE: return EC_INVALID_SEEK;
    case WASI_ETXTBSY: return EC_TEXT_FILE_BUSY;
    case WASI_EXDEV: return EC_CROSS_DEVICE;
    default: return EC_IO;
    }
}

void hv_p2_fs_err(hive_cval *out, uint32_t e) {
    hive_cval code = hive_cval_enum(hv_p2_fs_code(e));
    hv_wval_err(out, &code);
}

hive_host_status hv_p2_trap(hive_chost_call *call, const char *msg) {
    hive_chost_trap(call, msg);
    return HIVE_HOST_TRAP;
}

/* ---- definitions ---- */

int hv_p2_define_funcs(hive_wasip2 *p, hive_linker *l, const char *iface, const p2_fndef *f, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int rc = hive_linker_define_func(l, iface, f[i].name, f[i].type, f[i].fn, p);
        if (rc != HIVE_OK) return rc;
    }
    return HIVE_OK;
}

int hive_wasip2_define_shared(hive_linker *l, hive_wasip2 *(*lookup)(hive_cinstance *instance, void *ud),
                              void *ud) {
    if (!l) return HIVE_EARG;
    /* the stand-in lives as long as the linker */
    hive_wasip2 *s = hive_linker_alloc(l, sizeof *s);
    if (!s) return HIVE_ENOMEM;
    s->shared = 1;
    s->lookup = lookup;
    s->lookup_ud = ud;
    return hive_wasip2_define(s, l);
}

int hive_wasip2_define(hive_wasip2 *p, hive_linker *l) {
    if (!p || !l) return HIVE_EARG;
    int rc = hv_p2_define_io(p, l);
    if (rc == HIVE_OK) rc = hv_p2_define_cli(p, l);
    if (rc == HIVE_OK) rc = hv_p2_define_fs(p, l);
    if (rc == HIVE_OK) rc = hv_p2_define_sockets(p, l);
    return rc;
}

/* ---- pending calls ---- */

int hive_wasip2_pending(const hive_wasip2 *p, hive_wasi_wait *out) {
    if (!p || p->pend == P2_OP_NONE) return 0;
    out->deadline_ns = p->wait_deadline;
    out->fds = p->wait_fds;
    out->nfds = p->wait_nfds;
    out->streams = p->wait_streams;
    return 1;
}

void hive_wasip2_cancel_pending(hive_wasip2 *p) {
    if (!p) return;
    p->pend = P2_OP_NONE;
    free(p->pend_buf);
    p->pend_buf = NULL;
    free(p->pend_list);
    p->pend_list = NULL;
    p->pend_nlist = 0;
}

int hive_wasip2_complete_pending(hive_wasip2 *p, hive_cinstance *inst) {
    if (!p || p->pend == P2_OP_NONE) return HIVE_ESTATE;
    hive_cval r;
    memset(&r, 0, sizeof r);
    size_t nres = 0;
    char msg[200];
    hv_p2_wait_clear(p);
    int done = hv_p2_retry(p, &r, &nres, msg, sizeof msg);
    if (done == 0) return HIVE_WASI_STILL_WAITING;
    hive_wasip2_cancel_pending(p);
    if (done < 0) return hive_cinstance_complete_trap(inst, msg);
    int rc = hive_cinstance_complete(inst, nres ? &r : NULL, nres);
    hive_cval_clear(&r);
    return rc;
}

int hive_wasip2_exit_code(const hive_wasip2 *p, int *code) {
    if (!p || !p->exited) return 0;
    *code = p->exit_code;
    return 1;
}

/* ---- the blocking driver ---- */

static void run_wait(hive_wasip2 *p, uint64_t limit) {
    hive_wasi_wait w;
    if (!hive_wasip2_pending(p, &w)) return;
    uint64_t until = w.deadline_ns < limit ? w.deadline_ns : limit;
    int ms = -1;
    if (until != UINT64_MAX) {
        uint64_t now = hv_p2_mono_ns(p);
        ms = until <= now ? 0 : (int)((until - now + 999999) / 1000000 > 1000000 ? 1000000 : (until - now + 999999) / 1000000);
    }
    if (w.streams && (ms < 0 || ms > 1)) ms = 1; /* embedder streams: no fd to wait on */
    if (w.nfds) poll((struct pollfd *)w.fds, w.nfds, ms);
    else if (ms > 0) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

hive_status hive_wasip2_run(hive_wasip2 *p, hive_cinstance *inst, hive_cfunc *func,
                            const hive_wasi_run_opts *opts, hive_cval *result, int *stop) {
    return hive_wasip2_call(p, inst, func, NULL, 0, opts, result, stop);
}

/* A preview-2 call for hv_wasi_run_loop. */
typedef struct {
    hive_wasip2 *p;
    hive_cinstance *inst;
    hive_cfunc *func;
    const hive_cval *args;
    size_t nargs;
} run_p2;

static hive_status run_p2_step(void *ctx, int first, uint64_t budget) {
    run_p2 *r = ctx;
    return first ? hive_cinstance_call(r->inst, r->func, r->args, r->nargs, budget)
                 : hive_cinstance_resume(r->inst, budget);
}

static int run_p2_complete(void *ctx) {
    run_p2 *r = ctx;
    return hive_wasip2_complete_pending(r->p, r->inst);
}

static void run_p2_wait(void *ctx, uint64_t deadline) {
    run_wait(((run_p2 *)ctx)->p, deadline ? deadline : UINT64_MAX);
}

static void run_p2_abandon(void *ctx) {
    run_p2 *r = ctx;
    hive_wasip2_cancel_pending(r->p);
    hive_cinstance_reset(r->inst);
}

hive_status hive_wasip2_call(hive_wasip2 *p, hive_cinstance *inst, hive_cfunc *func, const hive_cval *args,
                             size_t nargs, const hive_wasi_run_opts *opts, hive_cval *result, int *stop) {
    static const wasi_run_ops ops = {run_p2_step, run_p2_complete, run_p2_wait, run_p2_abandon};
    run_p2 r = {p, inst, func, args, nargs};
    hive_status st = hv_wasi_run_loop(&ops, &r, opts, stop);
    if (st == HIVE_DONE) {
        if (result) hive_cinstance_results(inst, result, 1);
        if (hive_cinstance_post_return(inst) != HIVE_OK) return HIVE_TRAPPED;
    }
    return st;
}
