/*
 * reactor.c -- what the host of one WASI 0.3 context has in flight: waits
 * (a deadline, an fd's readiness, a look at stream state at every poll)
 * with a function run when they are woken, and the two byte-stream pumps
 * built on them: a guest's stream<u8> drained into an fd (or an embedder
 * stream) and an fd fed into a stream<u8> the guest reads, each with
 * backpressure and a future<result<_, error-code>> for the outcome.
 *
 * hive_wasip3_poll looks at every wait once (one poll(2) with timeout 0
 * for all fds); hive_wasip3_pending gives the union for a blocking wait.
 * Waits are a plain list: a poll costs O(waits), a waiting task costs one
 * p3_wait (and its deferred call) on the host's side.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasip3/p3_impl.h"

/* ---- waits ---- */

p3_wait *hv_p3_wait_new(hive_wasip3 *p, p3_wait_fn fn, void *ud) {
    if (!p || !fn || p->nwaits >= p->max_waits) return NULL;
    p3_wait *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->fn = fn;
    w->ud = ud;
    w->deadline = UINT64_MAX;
    w->fd = -1;
    w->pidx = -1;
    w->next = p->waits;
    if (p->waits) p->waits->prev = w;
    p->waits = w;
    p->nwaits++;
    return w;
}

static void unlink_wait(hive_wasip3 *p, p3_wait *w) {
    if (w->prev) w->prev->next = w->next;
    else p->waits = w->next;
    if (w->next) w->next->prev = w->prev;
    free(w);
}

void hv_p3_wait_free(hive_wasip3 *p, p3_wait *w) {
    if (!p || !w || w->dead) return;
    w->dead = 1;
    p->nwaits--;
    if (p->in_poll) {
        p->dead_waits = 1;
        return;
    }
    unlink_wait(p, w);
}

static void sweep(hive_wasip3 *p) {
    if (!p->dead_waits) return;
    p->dead_waits = 0;
    p3_wait *w = p->waits;
    while (w) {
        p3_wait *n = w->next;
        if (w->dead) unlink_wait(p, w);
        w = n;
    }
}

size_t hive_wasip3_inflight(const hive_wasip3 *p) { return p ? p->nwaits : 0; }

static int add_fd(hive_wasip3 *p, int fd, short events) {
    for (size_t i = 0; i < p->nfds; i++)
        if (p->fds[i].fd == fd) {
            p->fds[i].events |= events;
            return (int)i;
        }
    if (p->nfds == p->capfds) {
        size_t cap = p->capfds ? p->capfds * 2 : 8;
        struct pollfd *v = realloc(p->fds, cap * sizeof *v);
        if (!v) return -1;
        p->fds = v;
        p->capfds = cap;
    }
    p->fds[p->nfds].fd = fd;
    p->fds[p->nfds].events = events;
    p->fds[p->nfds].revents = 0;
    return (int)p->nfds++;
}

int hive_wasip3_poll(hive_wasip3 *p) {
    if (!p || !p->waits || p->in_poll) return 0;
    p->nfds = 0;
    for (p3_wait *w = p->waits; w; w = w->next)
        w->pidx = !w->dead && w->fd >= 0 && w->events ? add_fd(p, w->fd, w->events) : -1;
    if (p->nfds) {
        int r;
        do r = poll(p->fds, p->nfds, 0);
        while (r < 0 && errno == EINTR);
        if (r < 0)
            for (size_t i = 0; i < p->nfds; i++) p->fds[i].revents = POLLERR;
    }
    uint64_t now = hv_p3_mono_ns(p);
    int moved = 0;
    p->in_poll = 1;
    /* waits made by these functions are at the head: they are looked at
     * from the next poll on */
    for (p3_wait *w = p->waits; w; w = w->next) {
        if (w->dead) continue;
        unsigned ev = 0;
        short rev = 0;
        if (w->deadline <= now) ev |= P3_EV_TIME;
        if (w->pidx >= 0) {
            rev = p->fds[w->pidx].revents & (short)(w->events | POLLERR | POLLHUP | POLLNVAL);
            if (rev) ev |= P3_EV_FD;
        }
        if (w->check) ev |= P3_EV_CHECK;
        if (ev && w->fn(p, w, ev, rev) > 0) moved++;
    }
    p->in_poll = 0;
    sweep(p);
    return moved;
}

int hive_wasip3_pending(hive_wasip3 *p, hive_wasi_wait *out) {
    if (!p || !out) return 0;
    out->deadline_ns = UINT64_MAX;
    out->streams = 0;
    p->nfds = 0;
    int any = 0;
    for (p3_wait *w = p->waits; w; w = w->next) {
        if (w->dead) continue;
        if (w->deadline < out->deadline_ns) out->deadline_ns = w->deadline;
        if (w->deadline != UINT64_MAX) any = 1;
        if (w->fd >= 0 && w->events && add_fd(p, w->fd, w->events) >= 0) any = 1;
        if (w->emb) {
            out->streams |= 8u;
            any = 1;
        }
    }
    hive_wasi_wait w2;
    if (p->p2 && hive_wasip2_pending(p->p2, &w2)) { /* a WASI 0.2 call waits too */
        any = 1;
        if (w2.deadline_ns < out->deadline_ns) out->deadline_ns = w2.deadline_ns;
        for (size_t i = 0; i < w2.nfds; i++) add_fd(p, w2.fds[i].fd, w2.fds[i].events);
        out->streams |= w2.streams;
    }
    out->fds = p->fds;
    out->nfds = p->nfds;
    return any;
}

/* ---- futures the host writes once ---- */

hive_cstream *hv_p3_future_new(hive_cinstance *inst, hive_cval *readable) {
    return hive_cstream_new(inst, 1, readable);
}

void hv_p3_future_result(hive_cstream *f, uint32_t e, p3_errmap map) {
    if (!f) return;
    hive_cval r;
    memset(&r, 0, sizeof r);
    if (!e) {
        hv_wval_ok(&r, NULL);
    } else {
        hive_cval code = hive_cval_enum(map ? map(e) : 0);
        hv_wval_err(&r, &code);
    }
    hive_cstream_write(f, &r, 1); /* a reader that dropped does not mind */
    hive_cval_clear(&r);
    hive_cstream_close(f);
}

/* ---- pumps ---- */

struct p3_pump {
    int drain;              /* 1: guest stream -> sink; 0: source -> guest stream */
    hive_cstream *s;        /* the host's end of the byte stream */
    hive_cstream *fut;      /* the result future, or NULL */
    p3_io io;
    int regular;            /* io.fd is a regular file: always ready */
    int lazy;               /* feed: reads nothing (hv_p3_pump_lazy) */
    hive_wasi_stream emb;
    p3_errmap map;
    p3_pump_done done;
    void *ud;
    p3_wait *w;
    uint64_t bytes, max;
    uint8_t buf[P3_PUMP_BUFFER]; /* drain: bytes taken from the guest, not yet written */
    size_t off, len;
};

uint64_t hv_p3_pump_bytes(const p3_pump *pp) { return pp ? pp->bytes : 0; }

void hv_p3_pump_lazy(p3_pump *pp, int on) {
    if (pp) pp->lazy = on;
}

static void pump_end(hive_wasip3 *p, p3_pump *pp, uint32_t e, int call_done) {
    if (pp->s) hive_cstream_close(pp->s);
    pp->s = NULL;
    if (pp->fut) hv_p3_future_result(pp->fut, e, pp->map);
    pp->fut = NULL;
    if (pp->io.owned && pp->io.fd >= 0) close(pp->io.fd);
    hv_p3_wait_free(p, pp->w);
    if (call_done && pp->done) pp->done(p, pp->ud, e);
    free(pp);
}

void hv_p3_pump_stop(hive_wasip3 *p, p3_pump *pp, uint32_t e) {
    if (pp) pump_end(p, pp, e ? e : WASI_EIO, 0);
}

/* 1 ready, 0 not, for an fd not known ready from the poll */
static int fd_ready(int fd, short events) {
    struct pollfd q = {fd, events, 0};
    int r;
    do r = poll(&q, 1, 0);
    while (r < 0 && errno == EINTR);
    return r != 0; /* errors too: the read/write says which */
}

/* Writes what is buffered: > 0 moved, 0 would block, -errno. */
static long pump_out(p3_pump *pp, int known_ready) {
    size_t n = pp->len - pp->off;
    const uint8_t *b = pp->buf + pp->off;
    if (pp->io.fd < 0) {
        if (!pp->emb.write) return -(long)WASI_EBADF;
        int64_t r = pp->emb.write(pp->emb.ud, b, n);
        if (r == -HIVE_WASI_EAGAIN) return 0;
        if (r < 0) return (long)r;
        return (long)r;
    }
    if (!pp->regular) {
        if (!known_ready && !fd_ready(pp->io.fd, POLLOUT)) return 0;
        if (n > 4096) n = 4096; /* POLLOUT promises PIPE_BUF: never block */
    }
    ssize_t r;
    do r = pp->io.offset >= 0 ? pwrite(pp->io.fd, b, n, (off_t)pp->io.offset) : write(pp->io.fd, b, n);
    while (r < 0 && errno == EINTR);
    if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -(long)hive_wasi_errno_from_host(errno);
    if (pp->io.offset >= 0) pp->io.offset += r;
    return (long)r;
}

static int drain_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    p3_pump *pp = w->ud;
    int moved = 0;
    int ready = (ev & P3_EV_FD) != 0;
    for (;;) {
        if (pp->off < pp->len) {
            long r = pump_out(pp, ready);
            ready = 0;
            if (r < 0) {
                pump_end(p, pp, (uint32_t)-r, 1);
                return 1;
            }
            if (r == 0) { /* the sink is full: wait for it */
                w->fd = pp->io.fd;
                w->events = pp->io.fd >= 0 ? POLLOUT : 0;
                w->emb = pp->io.fd < 0;
                /* an embedder's sink has no fd: its owner wakes the
                 * instance when there is room, and the pump looks again */
                w->check = pp->io.fd < 0;
                return moved;
            }
            pp->off += (size_t)r;
            pp->bytes += (uint64_t)r;
            continue;
        }
        pp->off = pp->len = 0;
        long n = hive_cstream_read_bytes(pp->s, pp->buf, P3_PUMP_BUFFER);
        if (n > 0) {
            pp->len = (size_t)n;
            moved = 1;
            continue;
        }
        if (n < 0) { /* the guest dropped its writer and all is written */
            pump_end(p, pp, 0, 1);
            return 1;
        }
        /* wait for the guest to write */
        w->fd = -1;
        w->events = 0;
        w->emb = 0;
        w->check = 1;
        return moved;
    }
}

static int is_regular(int fd) {
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

p3_pump *hv_p3_drain_new(hive_wasip3 *p, hive_cinstance *inst, hive_cval *stream, const p3_io *sink,
                      hive_cval *future_out, p3_errmap map, p3_pump_done done, void *ud) {
    if (!p || !inst || !stream || !sink) return NULL;
    p3_pump *pp = calloc(1, sizeof *pp);
    if (!pp) return NULL;
    pp->w = hv_p3_wait_new(p, drain_fn, pp);
    if (!pp->w) {
        free(pp);
        return NULL;
    }
    if (future_out && !(pp->fut = hv_p3_future_new(inst, future_out))) goto fail;
    pp->s = hive_cstream_reader(inst, stream);
    if (!pp->s) goto fail;
    hive_cstream_set_limit(pp->s, P3_PUMP_BUFFER);
    pp->drain = 1;
    pp->io = *sink;
    if (sink->emb) pp->emb = *sink->emb;
    pp->regular = is_regular(sink->fd);
    pp->map = map;
    pp->done = done;
    pp->ud = ud;
    pp->w->check = 1;
    return pp;
fail:
    if (pp->fut) hive_cstream_close(pp->fut);
    hv_p3_wait_free(p, pp->w);
    free(pp);
    return NULL;
}

/* Reads from the source: > 0 bytes, 0 would block, -1 end, -2-errno error. */
static long pump_in(p3_pump *pp, uint8_t *b, size_t n, int known_ready) {
    if (pp->io.fd < 0) {
        if (!pp->emb.read) return -1;
        int64_t r = pp->emb.read(pp->emb.ud, b, n);
        if (r == -HIVE_WASI_EAGAIN) return 0;
        if (r == 0) return -1;
        if (r < 0) return -2 + r;
        return (long)r;
    }
    if (!pp->regular && !known_ready && !fd_ready(pp->io.fd, POLLIN)) return 0;
    ssize_t r;
    do r = pp->io.offset >= 0 ? pread(pp->io.fd, b, n, (off_t)pp->io.offset) : read(pp->io.fd, b, n);
    while (r < 0 && errno == EINTR);
    if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -2 - (long)hive_wasi_errno_from_host(errno);
    if (r == 0) return -1;
    if (pp->io.offset >= 0) pp->io.offset += r;
    return (long)r;
}

static int feed_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    p3_pump *pp = w->ud;
    int moved = 0;
    int ready = (ev & P3_EV_FD) != 0;
    for (;;) {
        if (hive_cstream_dropped(pp->s)) { /* the guest stopped reading */
            pump_end(p, pp, 0, 1);
            return 1;
        }
        if (pp->max && pp->bytes >= pp->max) {
            pump_end(p, pp, 0, 1);
            return 1;
        }
        if (pp->lazy) { /* the source is not ours yet: look again later */
            w->fd = -1;
            w->events = 0;
            w->emb = 0;
            w->check = 1;
            return moved;
        }
        size_t q = hive_cstream_queued(pp->s);
        if (q >= P3_PUMP_BUFFER) { /* the guest has enough to read: wait for it */
            w->fd = -1;
            w->events = 0;
            w->emb = 0;
            w->check = 1;
            return moved;
        }
        size_t room = P3_PUMP_BUFFER - q;
        if (pp->max && pp->max - pp->bytes < room) room = (size_t)(pp->max - pp->bytes);
        long r = pump_in(pp, pp->buf, room, ready);
        ready = 0;
        if (r == -1) {
            pump_end(p, pp, 0, 1);
            return 1;
        }
        if (r < -1) {
            pump_end(p, pp, (uint32_t)(-2 - r), 1);
            return 1;
        }
        if (r == 0) { /* nothing yet: wait for the source (and look at the guest's end) */
            w->fd = pp->io.fd;
            w->events = pp->io.fd >= 0 ? POLLIN : 0;
            w->emb = pp->io.fd < 0;
            w->check = 1;
            return moved;
        }
        if (hive_cstream_write_bytes(pp->s, pp->buf, (size_t)r) < 0) { /* dropped meanwhile */
            pump_end(p, pp, 0, 1);
            return 1;
        }
        pp->bytes += (uint64_t)r;
        moved = 1;
    }
}

p3_pump *hv_p3_feed_new(hive_wasip3 *p, hive_cinstance *inst, const p3_io *source, uint64_t max,
                     hive_cval *stream_out, hive_cval *future_out, p3_errmap map, p3_pump_done done,
                     void *ud) {
    if (!p || !inst || !source || !stream_out) return NULL;
    p3_pump *pp = calloc(1, sizeof *pp);
    if (!pp) return NULL;
    pp->w = hv_p3_wait_new(p, feed_fn, pp);
    if (!pp->w) {
        free(pp);
        return NULL;
    }
    hive_cval fv;
    memset(&fv, 0, sizeof fv);
    if (future_out && !(pp->fut = hv_p3_future_new(inst, &fv))) goto fail;
    pp->s = hive_cstream_new(inst, 0, stream_out);
    if (!pp->s) goto fail;
    if (future_out) *future_out = fv;
    pp->io = *source;
    if (source->emb) pp->emb = *source->emb;
    pp->regular = is_regular(source->fd);
    pp->max = max;
    pp->map = map;
    pp->done = done;
    pp->ud = ud;
    pp->w->check = 1;
    return pp;
fail:
    if (pp->fut) hive_cstream_close(pp->fut);
    hv_p3_wait_free(p, pp->w);
    free(pp);
    return NULL;
}

void hv_p3_reactor_free(hive_wasip3 *p) {
    /* the instance is gone (or going): its streams are not touched; pumps
     * close what they own */
    p3_wait *w = p->waits;
    while (w) {
        p3_wait *n = w->next;
        if (!w->dead && (w->fn == drain_fn || w->fn == feed_fn)) {
            p3_pump *pp = w->ud;
            if (pp->io.owned && pp->io.fd >= 0) close(pp->io.fd);
            free(pp);
        }
        free(w);
        w = n;
    }
    p->waits = NULL;
    p->nwaits = 0;
}
