/*
 * io.c -- wasi:io error, poll and streams.
 *
 * Input streams read without waiting (read) or go PENDING until bytes or
 * the end come (blocking-read). Output streams take bytes into a small
 * buffer of the stream (up to what check-write allowed) and write them
 * out as the host fd or embedder stream takes them; blocking-flush and
 * blocking-write-and-flush go PENDING until the buffer is empty. File
 * streams (a descriptor's read-via-stream / write-via-stream) use
 * pread/pwrite at their own offset and never wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasip2/p2_impl.h"

#define IO_ERROR "wasi:io/error" P2_V
#define IO_POLL "wasi:io/poll" P2_V
#define IO_STREAMS "wasi:io/streams" P2_V
#define SE "variant { last-operation-failed(own<" IO_ERROR "#error>), closed }"
#define OWN_POLLABLE "own<" IO_POLL "#pollable>"
#define WRITE_CHUNK 4096u /* what check-write grants a stream that is ready */

/* ---- stream errors ---- */

int hv_p2_stream_closed(hive_cval *out) {
    hive_cval v;
    if (hive_cval_case(&v, HIVE_C_VARIANT, 1, NULL) != HIVE_OK) return -1;
    hv_wval_err(out, &v);
    return 0;
}

int hv_p2_stream_failed(hive_wasip2 *p, hive_cval *out, uint32_t e, const char *msg) {
    uint32_t rep;
    p2_obj *o = hv_p2_new(p, P2_ERROR, &rep);
    if (!o) return -1;
    o->code = e ? e + 1 : 0;
    char buf[160];
    snprintf(buf, sizeof buf, "%s%s%s", msg ? msg : "", msg && e ? ": " : "",
             e ? hive_wasi_errno_name((uint16_t)e) : "");
    o->msg = strdup(buf);
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL), v;
    if (hive_cval_case(&v, HIVE_C_VARIANT, 0, &h) != HIVE_OK) return -1;
    hv_wval_err(out, &v);
    return 0;
}

/* ---- stream objects ---- */

int hv_p2_new_file_stream(hive_wasip2 *p, p2_kind kind, int fd, uint64_t offset, int append,
                       uint32_t *rep) {
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0) return -1;
    p2_obj *o = hv_p2_new(p, kind, rep);
    if (!o) {
        close(d);
        return -1;
    }
    o->back = P2_B_FILE;
    o->fd = d;
    o->owned = 1;
    o->offset = offset;
    o->append = (uint8_t)append;
    return 0;
}

int hive_wasip2_stream_new(hive_wasip2 *p, int output, const hive_wasi_stream *s, uint32_t *rep) {
    hive_wasi_stream *copy = malloc(sizeof *copy);
    if (!copy) return HIVE_ENOMEM;
    p2_obj *o = hv_p2_new(p, output ? P2_OUTPUT : P2_INPUT, rep);
    if (!o) {
        free(copy);
        return HIVE_ENOMEM;
    }
    *copy = *s;
    o->back = P2_B_EMBED;
    o->emb = copy;
    return HIVE_OK;
}

int hive_wasip2_stream_wait_fd(hive_wasip2 *p, uint32_t rep, int fd) {
    p2_obj *o = hv_p2_get(p, rep, P2_INPUT);
    if (!o) o = hv_p2_get(p, rep, P2_OUTPUT);
    if (!o || o->back != P2_B_EMBED) return HIVE_EARG;
    o->wait_fd = fd >= 0 ? fd + 1 : 0;
    return HIVE_OK;
}

int hive_wasip2_pollable_new(hive_wasip2 *p, const hive_wasi_stream *s, int wait_fd, uint32_t *rep) {
    if (!s || !s->readable) return HIVE_EARG;
    hive_wasi_stream *copy = malloc(sizeof *copy);
    if (!copy) return HIVE_ENOMEM;
    p2_obj *o = hv_p2_new(p, P2_POLLABLE, rep);
    if (!o) {
        free(copy);
        return HIVE_ENOMEM;
    }
    *copy = *s;
    o->pwhat = P2_P_EMBED;
    o->emb = copy;
    o->wait_fd = wait_fd >= 0 ? wait_fd + 1 : 0;
    return HIVE_OK;
}

int hv_p2_new_stdio_stream(hive_wasip2 *p, int i, uint32_t *rep) {
    p2_obj *o = hv_p2_new(p, i == 0 ? P2_INPUT : P2_OUTPUT, rep);
    if (!o) return -1;
    const hive_wasi_stdio *s = &p->b.stdio[i];
    switch (s->kind) {
    case HIVE_WASI_STDIO_FD:
        o->back = P2_B_FD;
        o->fd = s->fd;
        break;
    case HIVE_WASI_STDIO_STREAM:
        o->back = P2_B_EMBED;
        o->stdio = (uint8_t)i;
        break;
    default: o->back = P2_B_NULL; break;
    }
    return 0;
}

static int fd_ready(int fd, short events) {
    struct pollfd pf = {fd, events, 0};
    int n = poll(&pf, 1, 0);
    return n < 0 ? 1 : n > 0; /* an error shows on the operation itself */
}

/* Reads without waiting: > 0 bytes, 0 nothing yet, -1 end of stream,
 * -2 failed (*e a WASI errno). */
static int64_t s_read(hive_wasip2 *p, p2_obj *o, uint8_t *buf, size_t len, uint32_t *e) {
    if (o->closed) return -1;
    if (!len) return 0;
    ssize_t n;
    switch (o->back) {
    case P2_B_FD:
        if (!fd_ready(o->fd, POLLIN)) return 0;
        n = read(o->fd, buf, len);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return 0;
            *e = hive_wasi_errno_from_host(errno);
            o->closed = 1;
            return -2;
        }
        if (n == 0) o->closed = 1;
        return n ? n : -1;
    case P2_B_EMBED: {
        hive_wasi_stream *s = p2_emb(p, o);
        if (!s->read) break;
        int64_t r = s->read(s->ud, buf, len);
        if (r == -HIVE_WASI_EAGAIN) return 0;
        if (r < 0) {
            *e = (uint32_t)-r;
            o->closed = 1;
            return -2;
        }
        if (r == 0) o->closed = 1;
        return r ? (r > (int64_t)len ? (int64_t)len : r) : -1;
    }
    case P2_B_FILE:
        n = pread(o->fd, buf, len, (off_t)o->offset);
        if (n < 0) {
            if (errno == EINTR) return 0;
            *e = hive_wasi_errno_from_host(errno);
            o->closed = 1;
            return -2;
        }
        if (n == 0) {
            o->closed = 1;
            return -1;
        }
        o->offset += (uint64_t)n;
        return n;
    default: break;
    }
    o->closed = 1;
    return -1;
}

/* Adds what a stream waits for to the wait set. */
static void s_wait(hive_wasip2 *p, p2_obj *o, short events) {
    if (o->back == P2_B_FD) hv_p2_wait_fd(p, o->fd, events);
    else if (o->back == P2_B_EMBED && o->wait_fd) hv_p2_wait_fd(p, o->wait_fd - 1, POLLIN);
    else if (o->back == P2_B_EMBED) p->wait_streams |= o->emb ? 1u << 3 : 1u << o->stdio;
}

static int s_readable(hive_wasip2 *p, p2_obj *o) {
    if (o->closed) return 1;
    if (o->back == P2_B_FD) return fd_ready(o->fd, POLLIN);
    if (o->back == P2_B_EMBED) {
        hive_wasi_stream *s = p2_emb(p, o);
        return !s->read || !s->readable || s->readable(s->ud) != 0;
    }
    return 1;
}

/* Writes out the stream's buffer as far as it goes now: 0 (done or not
 * ready), or -1 when writing failed (*e set; the stream is closed). */
static int s_flush(hive_wasip2 *p, p2_obj *o, uint32_t *e) {
    while (o->olen) {
        ssize_t n;
        switch (o->back) {
        case P2_B_FD:
            if (!fd_ready(o->fd, POLLOUT)) return 0;
            n = write(o->fd, o->obuf, o->olen > 65536 ? 65536 : o->olen);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
            break;
        case P2_B_EMBED: {
            hive_wasi_stream *s = p2_emb(p, o);
            if (!s->write) {
                errno = EBADF;
                n = -1;
                break;
            }
            int64_t r = s->write(s->ud, o->obuf, o->olen);
            if (r == -HIVE_WASI_EAGAIN) return 0;
            if (r < 0) {
                *e = (uint32_t)-r;
                o->closed = 1;
                o->olen = 0;
                return -1;
            }
            n = r > (int64_t)o->olen ? (ssize_t)o->olen : (ssize_t)r;
            break;
        }
        case P2_B_FILE:
            if (o->append) {
                struct stat st;
                if (fstat(o->fd, &st) == 0) o->offset = (uint64_t)st.st_size;
            }
            n = pwrite(o->fd, o->obuf, o->olen, (off_t)o->offset);
            if (n > 0) o->offset += (uint64_t)n;
            if (n < 0 && errno == EINTR) continue;
            break;
        default: n = (ssize_t)o->olen; break; /* discarded */
        }
        if (n < 0) {
            *e = hive_wasi_errno_from_host(errno);
            o->closed = 1;
            o->olen = 0;
            return -1;
        }
        if (n == 0) return 0;
        memmove(o->obuf, o->obuf + n, o->olen - (size_t)n);
        o->olen -= (size_t)n;
    }
    return 0;
}

/* How many bytes the stream takes now. */
static uint64_t s_room(hive_wasip2 *p, p2_obj *o) {
    uint32_t e = 0;
    if (o->olen) s_flush(p, o, &e);
    if (o->olen || o->closed) return 0;
    if (o->back == P2_B_FD && !fd_ready(o->fd, POLLOUT)) return 0;
    if (o->back == P2_B_FILE) return 1u << 20;
    return WRITE_CHUNK;
}

static int s_append(p2_obj *o, const uint8_t *b, size_t n) {
    if (o->olen + n > o->ocap) {
        size_t cap = o->ocap ? o->ocap : 4096;
        while (cap < o->olen + n) cap *= 2;
        uint8_t *v = realloc(o->obuf, cap);
        if (!v) return -1;
        o->obuf = v;
        o->ocap = cap;
    }
    if (b) memcpy(o->obuf + o->olen, b, n);
    else memset(o->obuf + o->olen, 0, n);
    o->olen += n;
    return 0;
}

/* ---- pollables ---- */

int hv_p2_pollable_ready(hive_wasip2 *p, uint32_t rep, int add_wait) {
    p2_obj *o = hv_p2_get(p, rep, P2_POLLABLE);
    if (!o) return 1;
    switch (o->pwhat) {
    case P2_P_DEADLINE:
        if (hv_p2_mono_ns(p) >= o->deadline) return 1;
        if (add_wait) hv_p2_wait_deadline(p, o->deadline);
        return 0;
    case P2_P_READ: {
        p2_obj *s = hv_p2_get(p, o->target, P2_INPUT);
        if (!s || s_readable(p, s)) return 1;
        if (add_wait) s_wait(p, s, POLLIN);
        return 0;
    }
    case P2_P_WRITE: {
        p2_obj *s = hv_p2_get(p, o->target, P2_OUTPUT);
        if (!s || s->closed || s_room(p, s)) return 1;
        if (add_wait) s_wait(p, s, POLLOUT);
        return 0;
    }
    case P2_P_SOCK: return hv_p2_sock_ready(p, o->target, add_wait);
    case P2_P_EMBED:
        if (o->emb->readable(o->emb->ud) != 0) return 1;
        if (add_wait) {
            if (o->wait_fd) hv_p2_wait_fd(p, o->wait_fd - 1, POLLIN);
            else p->wait_streams |= 1u << 3;
        }
        return 0;
    default: return 1;
    }
}

/* ---- the functions ---- */

P2_FN(error_to_debug_string) {
    p2_obj *o = hv_p2_get(P2_CTX, P2_REP(0), P2_ERROR);
    if (!o) return hv_p2_trap(call, "unknown error handle");
    const char *m = o->msg ? o->msg : "error";
    if (hive_cval_string(&res[0], m, strlen(m)) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

P2_FN(pollable_ready) {
    if (!hv_p2_get(P2_CTX, P2_REP(0), P2_POLLABLE)) return hv_p2_trap(call, "unknown pollable");
    res[0] = hive_cval_bool(hv_p2_pollable_ready(P2_CTX, P2_REP(0), 0));
    return HIVE_HOST_OK;
}

static hive_host_status go_pending(hive_wasip2 *p, p2_op op) {
    p->pend = op;
    return HIVE_HOST_PENDING;
}

P2_FN(pollable_block) {
    hive_wasip2 *p = P2_CTX;
    if (!hv_p2_get(p, P2_REP(0), P2_POLLABLE)) return hv_p2_trap(call, "unknown pollable");
    hv_p2_wait_clear(p);
    if (hv_p2_pollable_ready(p, P2_REP(0), 1)) return HIVE_HOST_OK;
    p->pend_rep = P2_REP(0);
    return go_pending(p, P2_OP_BLOCK);
}

/* The indexes of the ready pollables; 0 when none (wait set filled). */
static int poll_list(hive_wasip2 *p, const uint32_t *reps, size_t n, hive_cval *out) {
    size_t k = 0;
    hv_p2_wait_clear(p);
    for (size_t i = 0; i < n; i++)
        if (hv_p2_pollable_ready(p, reps[i], 1)) k++;
    if (!k) return 0;
    if (hive_cval_agg(out, HIVE_C_LIST, k) != HIVE_OK) return -1;
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (hv_p2_pollable_ready(p, reps[i], 0)) out->of.agg.items[k++] = p2_u32((uint32_t)i);
    out->of.agg.n = k; /* a pollable cannot become unready, only the count can grow */
    return 1;
}

P2_FN(poll_poll) {
    hive_wasip2 *p = P2_CTX;
    const hive_cval *l = &args[0];
    size_t n = l->of.agg.n;
    if (n == 0) return hv_p2_trap(call, "poll: the list of pollables is empty");
    if (n > UINT32_MAX) return hv_p2_trap(call, "poll: too many pollables");
    uint32_t *reps = malloc(n * sizeof *reps);
    if (!reps) return hv_p2_trap(call, "out of memory");
    for (size_t i = 0; i < n; i++) {
        reps[i] = (uint32_t)l->of.agg.items[i].of.res.handle;
        if (!hv_p2_get(p, reps[i], P2_POLLABLE)) {
            free(reps);
            return hv_p2_trap(call, "poll: unknown pollable");
        }
    }
    int r = poll_list(p, reps, n, &res[0]);
    if (r != 0) {
        free(reps);
        return r < 0 ? hv_p2_trap(call, "out of memory") : HIVE_HOST_OK;
    }
    p->pend_list = reps;
    p->pend_nlist = n;
    return go_pending(p, P2_OP_POLL);
}

static hive_host_status new_pollable(hive_chost_call *call, p2_pwhat what, uint32_t target,
                                     uint64_t deadline, hive_cval *out) {
    uint32_t rep;
    p2_obj *o = hv_p2_new(P2_CTX, P2_POLLABLE, &rep);
    if (!o) return hv_p2_trap(call, "too many host objects");
    o->pwhat = (uint8_t)what;
    o->target = target;
    if (target) P2_CTX->ntargeted++;
    o->deadline = deadline;
    *out = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return HIVE_HOST_OK;
}

/* monotonic-clock's subscribe functions (cli.c defines them). */
hive_host_status hv_p2_subscribe_deadline(hive_chost_call *call, uint64_t when, hive_cval *out);
hive_host_status hv_p2_subscribe_deadline(hive_chost_call *call, uint64_t when, hive_cval *out) {
    return new_pollable(call, P2_P_DEADLINE, 0, when, out);
}

/* -- input streams -- */

/* read / blocking-read: 1 done (*out set), 0 would wait, -1 out of memory */
static int do_read(hive_wasip2 *p, p2_obj *o, uint64_t want, hive_cval *out) {
    size_t len = want > p->b.max_list ? p->b.max_list : (size_t)want;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return -1;
    uint32_t e = 0;
    int64_t n = s_read(p, o, buf, len, &e);
    int rc = 1;
    if (n == 0 && len) {
        rc = 0;
    } else if (n == -1) {
        if (hv_p2_stream_closed(out) < 0) rc = -1;
    } else if (n == -2) {
        if (hv_p2_stream_failed(p, out, e, "read") < 0) rc = -1;
    } else {
        hive_cval b;
        rc = hv_p2_bytes_adopt(&b, buf, n > 0 ? (size_t)n : 0, len) < 0 ? -1 : 1;
        if (rc == 1) hv_wval_ok(out, &b);
        return rc;
    }
    free(buf);
    return rc;
}

static hive_host_status read_common(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                    int blocking, int skip) {
    hive_wasip2 *p = P2_CTX;
    p2_obj *o = hv_p2_get(p, P2_REP(0), P2_INPUT);
    if (!o) return hv_p2_trap(call, "unknown input-stream");
    uint64_t want = args[1].of.u;
    int r;
    if (skip) {
        hive_cval tmp;
        memset(&tmp, 0, sizeof tmp);
        r = do_read(p, o, want, &tmp);
        if (r == 1) {
            if (tmp.of.var.index == 0) {
                hive_cval n = p2_u64(hv_p2_bytes_len(tmp.of.var.payload));
                hv_wval_ok(&res[0], &n);
                hive_cval_clear(&tmp);
            } else {
                hive_cval_move(&res[0], &tmp);
            }
        } else if (r == 0 && !blocking) {
            hive_cval n = p2_u64(0);
            hv_wval_ok(&res[0], &n);
            r = 1;
        }
    } else {
        r = do_read(p, o, want, &res[0]);
        if (r == 0 && !blocking) {
            hive_cval b;
            if (hv_wval_bytes(&b, NULL, 0) < 0) r = -1;
            else {
                hv_wval_ok(&res[0], &b);
                r = 1;
            }
        }
    }
    if (r < 0) return hv_p2_trap(call, "out of memory");
    if (r == 1) return HIVE_HOST_OK;
    hv_p2_wait_clear(p);
    s_wait(p, o, POLLIN);
    p->pend_rep = P2_REP(0);
    p->pend_n = want;
    return go_pending(p, skip ? P2_OP_SKIP : P2_OP_READ);
}

P2_FN(in_read) { return read_common(call, args, res, 0, 0); }
P2_FN(in_blocking_read) { return read_common(call, args, res, 1, 0); }
P2_FN(in_skip) { return read_common(call, args, res, 0, 1); }
P2_FN(in_blocking_skip) { return read_common(call, args, res, 1, 1); }

P2_FN(in_subscribe) {
    if (!hv_p2_get(P2_CTX, P2_REP(0), P2_INPUT)) return hv_p2_trap(call, "unknown input-stream");
    return new_pollable(call, P2_P_READ, P2_REP(0), 0, &res[0]);
}

/* -- output streams -- */

static p2_obj *out_get(hive_chost_call *call, const hive_cval *args) {
    return hv_p2_get(P2_CTX, P2_REP(0), P2_OUTPUT);
}

/* result<_, stream-error> after a flush attempt */
static int flush_result(hive_wasip2 *p, p2_obj *o, hive_cval *out, int failed, uint32_t e) {
    if (failed) return hv_p2_stream_failed(p, out, e, "write");
    hv_wval_ok(out, NULL);
    return 0;
}

P2_FN(out_check_write) {
    hive_wasip2 *p = P2_CTX;
    p2_obj *o = out_get(call, args);
    if (!o) return hv_p2_trap(call, "unknown output-stream");
    if (o->closed) return hv_p2_stream_closed(&res[0]) < 0 ? hv_p2_trap(call, "out of memory") : HIVE_HOST_OK;
    uint32_t e = 0;
    if (o->olen && s_flush(p, o, &e) < 0)
        return hv_p2_stream_failed(p, &res[0], e, "write") < 0 ? hv_p2_trap(call, "out of memory") : HIVE_HOST_OK;
    o->granted = s_room(p, o);
    hive_cval n = p2_u64(o->granted);
    hv_wval_ok(&res[0], &n);
    return HIVE_HOST_OK;
}

/* write / write-zeroes (b NULL), then flush as far as it goes now; with
 * blocking, wait until all is out. */
static hive_host_status write_common(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                     const uint8_t *b, size_t n, int blocking) {
    hive_wasip2 *p = P2_CTX;
    p2_obj *o = out_get(call, args);
    if (!o) return hv_p2_trap(call, "unknown output-stream");
    if (o->closed) return hv_p2_stream_closed(&res[0]) < 0 ? hv_p2_trap(call, "out of memory") : HIVE_HOST_OK;
    /* the spec's bounds, which also bound the stream's buffer: a blocking
     * write takes at most 4096 bytes, a write what check-write granted
     * (or fills an empty buffer up to 4096) */
    if (blocking && n > WRITE_CHUNK)
        return hv_p2_trap(call, "output-stream: a blocking write of more than 4096 bytes");
    if (!blocking && n > o->granted && o->olen + n > WRITE_CHUNK)
        return hv_p2_trap(call, "output-stream: more bytes than check-write allows");
    if (!blocking) o->granted = o->granted > n ? o->granted - n : 0;
    if (s_append(o, b, n) < 0) return hv_p2_trap(call, "out of memory");
    uint32_t e = 0;
    int failed = s_flush(p, o, &e) < 0;
    if (!failed && blocking && o->olen) {
        hv_p2_wait_clear(p);
        s_wait(p, o, POLLOUT);
        p->pend_rep = P2_REP(0);
        return go_pending(p, P2_OP_FLUSH);
    }
    return flush_result(p, o, &res[0], failed, e) < 0 ? hv_p2_trap(call, "out of memory") : HIVE_HOST_OK;
}

P2_FN(out_write) {
    const uint8_t *b;
    uint8_t *tofree;
    size_t n;
    if (hv_p2_bytes_from(&args[1], &b, &n, &tofree) < 0) return hv_p2_trap(call, "out of memory");
    hive_host_status st = write_common(call, args, res, b, n, 0);
    free(tofree);
    return st;
}

P2_FN(out_blocking_write) {
    const uint8_t *b;
    uint8_t *tofree;
    size_t n;
    if (hv_p2_bytes_from(&args[1], &b, &n, &tofree) < 0) return hv_p2_trap(call, "out of memory");
    hive_host_status st = write_common(call, args, res, b, n, 1);
    free(tofree);
    return st;
}

P2_FN(out_write_zeroes) {
    uint64_t n = args[1].of.u;
    if (n > (1u << 30)) return hv_p2_trap(call, "output-stream: more bytes than check-write allows");
    return write_common(call, args, res, NULL, (size_t)n, 0);
}

P2_FN(out_blocking_write_zeroes) {
    uint64_t n = args[1].of.u;
    if (n > (1u << 30)) return hv_p2_trap(call, "output-stream: more bytes than check-write allows");
    return write_common(call, args, res, NULL, (size_t)n, 1);
}

P2_FN(out_flush) { return write_common(call, args, res, NULL, 0, 0); }
P2_FN(out_blocking_flush) { return write_common(call, args, res, NULL, 0, 1); }

P2_FN(out_subscribe) {
    if (!out_get(call, args)) return hv_p2_trap(call, "unknown output-stream");
    return new_pollable(call, P2_P_WRITE, P2_REP(0), 0, &res[0]);
}

/* splice: up to len bytes from src into the stream, as far as both allow
 * now. 1 done, 0 would wait (nothing to read yet), -1 no memory. */
static int do_splice(hive_wasip2 *p, p2_obj *o, p2_obj *src, uint64_t len, hive_cval *out) {
    if (o->closed) return hv_p2_stream_closed(out) < 0 ? -1 : 1;
    uint64_t room = s_room(p, o);
    if (!room) room = WRITE_CHUNK; /* blocking: the bytes wait in the buffer */
    if (len > room) len = room;
    hive_cval r;
    memset(&r, 0, sizeof r);
    int rc = do_read(p, src, len, &r);
    if (rc <= 0) return rc;
    if (r.of.var.index == 1) {
        hive_cval_move(out, &r);
        return 1;
    }
    const hive_cval *l = r.of.var.payload;
    size_t n = hv_p2_bytes_len(l);
    const uint8_t *b;
    uint8_t *tofree = NULL;
    size_t bn;
    if (hv_p2_bytes_from(l, &b, &bn, &tofree) < 0 || s_append(o, b, bn) < 0) {
        free(tofree);
        hive_cval_clear(&r);
        return -1;
    }
    free(tofree);
    hive_cval_clear(&r);
    uint32_t e = 0;
    if (s_flush(p, o, &e) < 0) return hv_p2_stream_failed(p, out, e, "write") < 0 ? -1 : 1;
    hive_cval nv = p2_u64(n);
    hv_wval_ok(out, &nv);
    return 1;
}

static hive_host_status splice_common(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                      int blocking) {
    hive_wasip2 *p = P2_CTX;
    p2_obj *o = out_get(call, args);
    p2_obj *src = hv_p2_get(p, (uint32_t)args[1].of.res.handle, P2_INPUT);
    if (!o || !src) return hv_p2_trap(call, "unknown stream");
    int r = do_splice(p, o, src, args[2].of.u, &res[0]);
    if (r < 0) return hv_p2_trap(call, "out of memory");
    if (r == 1) return HIVE_HOST_OK;
    if (!blocking) {
        hive_cval n = p2_u64(0);
        hv_wval_ok(&res[0], &n);
        return HIVE_HOST_OK;
    }
    hv_p2_wait_clear(p);
    s_wait(p, src, POLLIN);
    p->pend_rep = P2_REP(0);
    p->pend_src = (uint32_t)args[1].of.res.handle;
    p->pend_n = args[2].of.u;
    return go_pending(p, P2_OP_SPLICE);
}

P2_FN(out_splice) { return splice_common(call, args, res, 0); }
P2_FN(out_blocking_splice) { return splice_common(call, args, res, 1); }

/* ---- retrying a pending call ---- */

int hv_p2_retry(hive_wasip2 *p, hive_cval *out, size_t *nres, char *msg, size_t msglen) {
    *nres = 1;
    switch (p->pend) {
    case P2_OP_READ:
    case P2_OP_SKIP: {
        p2_obj *o = hv_p2_get(p, p->pend_rep, P2_INPUT);
        if (!o) {
            snprintf(msg, msglen, "input-stream dropped while read");
            return -1;
        }
        int r = do_read(p, o, p->pend_n, out);
        if (r < 0) {
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
        if (r == 0) {
            s_wait(p, o, POLLIN);
            return 0;
        }
        if (p->pend == P2_OP_SKIP && out->of.var.index == 0) {
            hive_cval n = p2_u64(hv_p2_bytes_len(out->of.var.payload));
            hive_cval_clear(out);
            hv_wval_ok(out, &n);
        }
        return 1;
    }
    case P2_OP_FLUSH: {
        p2_obj *o = hv_p2_get(p, p->pend_rep, P2_OUTPUT);
        if (!o) {
            snprintf(msg, msglen, "output-stream dropped while written");
            return -1;
        }
        uint32_t e = 0;
        int failed = s_flush(p, o, &e) < 0;
        if (!failed && o->olen) {
            s_wait(p, o, POLLOUT);
            return 0;
        }
        if (flush_result(p, o, out, failed, e) < 0) {
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
        return 1;
    }
    case P2_OP_SPLICE: {
        p2_obj *o = hv_p2_get(p, p->pend_rep, P2_OUTPUT), *src = hv_p2_get(p, p->pend_src, P2_INPUT);
        if (!o || !src) {
            snprintf(msg, msglen, "stream dropped while spliced");
            return -1;
        }
        int r = do_splice(p, o, src, p->pend_n, out);
        if (r < 0) {
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
        if (r == 0) s_wait(p, src, POLLIN);
        return r;
    }
    case P2_OP_BLOCK:
        *nres = 0;
        return hv_p2_pollable_ready(p, p->pend_rep, 1);
    case P2_OP_POLL: {
        int r = poll_list(p, p->pend_list, p->pend_nlist, out);
        if (r < 0) snprintf(msg, msglen, "out of memory");
        return r;
    }
    default: snprintf(msg, msglen, "nothing pending"); return -1;
    }
}

/* ---- definitions ---- */

int hv_p2_define_io(hive_wasip2 *p, hive_linker *l) {
    int rc;
    if ((rc = hv_p2_define_resource(p, l, IO_ERROR, "error")) ||
        (rc = hv_p2_define_resource(p, l, IO_POLL, "pollable")) ||
        (rc = hv_p2_define_resource(p, l, IO_STREAMS, "input-stream")) ||
        (rc = hv_p2_define_resource(p, l, IO_STREAMS, "output-stream")))
        return rc;
    static const p2_fndef err[] = {
        {"[method]error.to-debug-string", "func(self: borrow<error>) -> string", error_to_debug_string},
    };
    static const p2_fndef poll[] = {
        {"[method]pollable.ready", "func(self: borrow<pollable>) -> bool", pollable_ready},
        {"[method]pollable.block", "func(self: borrow<pollable>)", pollable_block},
        {"poll", "func(in: list<borrow<pollable>>) -> list<u32>", poll_poll},
    };
#define IN "self: borrow<input-stream>"
#define OUT "self: borrow<output-stream>"
    static const p2_fndef streams[] = {
        {"[method]input-stream.read", "func(" IN ", len: u64) -> result<list<u8>, " SE ">", in_read},
        {"[method]input-stream.blocking-read", "func(" IN ", len: u64) -> result<list<u8>, " SE ">",
         in_blocking_read},
        {"[method]input-stream.skip", "func(" IN ", len: u64) -> result<u64, " SE ">", in_skip},
        {"[method]input-stream.blocking-skip", "func(" IN ", len: u64) -> result<u64, " SE ">",
         in_blocking_skip},
        {"[method]input-stream.subscribe", "func(" IN ") -> " OWN_POLLABLE, in_subscribe},
        {"[method]output-stream.check-write", "func(" OUT ") -> result<u64, " SE ">", out_check_write},
        {"[method]output-stream.write", "func(" OUT ", contents: list<u8>) -> result<_, " SE ">", out_write},
        {"[method]output-stream.blocking-write-and-flush",
         "func(" OUT ", contents: list<u8>) -> result<_, " SE ">", out_blocking_write},
        {"[method]output-stream.flush", "func(" OUT ") -> result<_, " SE ">", out_flush},
        {"[method]output-stream.blocking-flush", "func(" OUT ") -> result<_, " SE ">", out_blocking_flush},
        {"[method]output-stream.subscribe", "func(" OUT ") -> " OWN_POLLABLE, out_subscribe},
        {"[method]output-stream.write-zeroes", "func(" OUT ", len: u64) -> result<_, " SE ">",
         out_write_zeroes},
        {"[method]output-stream.blocking-write-zeroes-and-flush",
         "func(" OUT ", len: u64) -> result<_, " SE ">", out_blocking_write_zeroes},
        {"[method]output-stream.splice",
         "func(" OUT ", src: borrow<input-stream>, len: u64) -> result<u64, " SE ">", out_splice},
        {"[method]output-stream.blocking-splice",
         "func(" OUT ", src: borrow<input-stream>, len: u64) -> result<u64, " SE ">",
         out_blocking_splice},
    };
#undef IN
#undef OUT
    if ((rc = hv_p2_define_funcs(p, l, IO_ERROR, err, P2_COUNT(err))) ||
        (rc = hv_p2_define_funcs(p, l, IO_POLL, poll, P2_COUNT(poll))) ||
        (rc = hv_p2_define_funcs(p, l, IO_STREAMS, streams, P2_COUNT(streams))))
        return rc;
    return HIVE_OK;
}
