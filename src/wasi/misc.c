/*
 * misc.c -- the WASI preview-1 functions that are not about files: args
 * and environ, clocks, random_get, poll_oneoff, proc_exit / proc_raise,
 * sched_yield, and the sock_* calls (on host sockets handed to the guest,
 * e.g. as stdin; the guest cannot make sockets in preview 1).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define A32(i) (a[i].of.i32)
#define A64(i) (a[i].of.i64)
#define HOSTERR() hive_wasi_errno_from_host(errno)

/* ---- args and environ ----------------------------------------------------- */

/* Writes count pointers at vec and the packed strings at buf. */
static uint32_t strings_get(wasi_call *c, const char *strs, size_t len, uint32_t count,
                            uint32_t vec, uint32_t buf) {
    uint8_t *pv = wasi_mem(c, vec, (uint64_t)count * 4);
    uint8_t *pb = wasi_mem(c, buf, len);
    if (!pv || !pb) return WASI_EFAULT;
    memcpy(pb, strs, len);
    size_t o = 0;
    for (uint32_t i = 0; i < count; i++) {
        wasi_st32(pv + 4 * i, buf + (uint32_t)o);
        o += strlen(strs + o) + 1;
    }
    return 0;
}

static uint32_t sizes_get(wasi_call *c, uint32_t count, size_t len, uint32_t pc, uint32_t pl) {
    uint8_t *a = wasi_mem(c, pc, 4), *b = wasi_mem(c, pl, 4);
    if (!a || !b) return WASI_EFAULT;
    wasi_st32(a, count);
    wasi_st32(b, (uint32_t)len);
    return 0;
}

WASI_DECL(args_get) {
    return strings_get(c, c->w->argbuf, c->w->argbuf_len, c->w->argc, A32(0), A32(1));
}
WASI_DECL(args_sizes_get) { return sizes_get(c, c->w->argc, c->w->argbuf_len, A32(0), A32(1)); }
WASI_DECL(environ_get) {
    return strings_get(c, c->w->envbuf, c->w->envbuf_len, c->w->envc, A32(0), A32(1));
}
WASI_DECL(environ_sizes_get) {
    return sizes_get(c, c->w->envc, c->w->envbuf_len, A32(0), A32(1));
}

/* ---- clocks ---------------------------------------------------------------- */

/* The host clock for a WASI clock id, or -1. */
static int host_clock(uint32_t id) {
    switch (id) {
    case 0: return CLOCK_REALTIME;
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    default: return -1;
    }
}

WASI_DECL(clock_res_get) {
    int clk = host_clock(A32(0));
    if (clk < 0) return WASI_EINVAL;
    if (!wasi_mem(c, A32(1), 8)) return WASI_EFAULT;
    struct timespec ts;
    if (clock_getres(clk, &ts) < 0) return HOSTERR();
    return hv_wasi_put64(c, A32(1), (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

WASI_DECL(clock_time_get) {
    int clk = host_clock(A32(0));
    if (clk < 0) return WASI_EINVAL;
    if (!wasi_mem(c, A32(2), 8)) return WASI_EFAULT;
    struct timespec ts;
    if (clock_gettime(clk, &ts) < 0) return HOSTERR();
    return hv_wasi_put64(c, A32(2), (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

/* ---- random, proc, sched -------------------------------------------------- */

WASI_DECL(random_get) {
    uint8_t *p = wasi_mem(c, A32(0), A32(1));
    if (!p) return WASI_EFAULT;
    size_t left = A32(1);
    while (left) {
        ssize_t n = getrandom(p, left, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return HOSTERR();
        }
        p += n;
        left -= (size_t)n;
    }
    return 0;
}

WASI_DECL(proc_exit) {
    hive_host_exit(c->host, (int)A32(0));
    return WASI_TRAPPED;
}

/* Signals are not part of the sandbox: a guest cannot signal itself. */
WASI_DECL(proc_raise) { return WASI_ENOSYS; }

/* Nothing to yield to inside one call: the engine's slices already let
 * other guests run. */
WASI_DECL(sched_yield) { return 0; }

/* ---- poll_oneoff ------------------------------------------------------------ */

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define EV_CLOCK 0
#define EV_FD_READ 1
#define EV_FD_WRITE 2
#define EV_HANGUP 1

/* The absolute monotonic deadline of a clock subscription, or UINT64_MAX
 * with *err set when it has no valid clock. */
static uint64_t clock_deadline(const uint8_t *s, uint64_t now_mono, uint32_t *err) {
    uint32_t id = wasi_ld32(s + 16);
    uint64_t timeout = wasi_ld64(s + 24);
    uint16_t flags = wasi_ld16(s + 40);
    *err = 0;
    if (id != 0 && id != 1) {
        *err = WASI_EINVAL; /* CPU-time clocks do not advance while asleep */
        return UINT64_MAX;
    }
    if (!(flags & 1)) return timeout > UINT64_MAX - now_mono ? UINT64_MAX - 1 : now_mono + timeout;
    if (id == 1) return timeout;
    uint64_t now_real = hv_wasi_now_ns(CLOCK_REALTIME);
    if (timeout <= now_real) return now_mono;
    uint64_t d = timeout - now_real;
    return d > UINT64_MAX - now_mono ? UINT64_MAX - 1 : now_mono + d;
}

/* One fd subscription: ready (1, event filled), not ready (0, wait set
 * extended), or an error event (1). */
static int poll_fd(wasi_call *c, const uint8_t *s, uint8_t type, uint8_t *ev) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, wasi_ld32(s + 16), WASI_R_POLL_FD_READWRITE, &err);
    if (e && type == EV_FD_READ && !(e->rights & WASI_R_FD_READ)) e = NULL, err = WASI_EBADF;
    if (e && type == EV_FD_WRITE && !(e->rights & WASI_R_FD_WRITE)) e = NULL, err = WASI_EBADF;
    if (!e) {
        wasi_st16(ev + 8, (uint16_t)err);
        return 1;
    }
    uint64_t nbytes = 0;
    uint16_t flags = 0;
    if (e->kind == WASI_FD_NULL) {
        if (type == EV_FD_READ) flags = EV_HANGUP;
    } else if (e->kind == WASI_FD_STREAM) {
        hive_wasi_stream *st = &c->w->streams[e->stream];
        if (type == EV_FD_READ && st->readable) {
            int r = st->readable(st->ud);
            if (r == 0) {
                c->w->wait_streams |= 1u << e->stream;
                return 0;
            }
            if (r < 0) flags = EV_HANGUP;
            else nbytes = (uint64_t)r;
        }
    } else if (e->filetype == WASI_FILETYPE_REGULAR_FILE) {
        if (type == EV_FD_READ) {
            struct stat stt;
            off_t pos = lseek(e->host, 0, SEEK_CUR);
            if (fstat(e->host, &stt) == 0 && pos >= 0 && stt.st_size > pos)
                nbytes = (uint64_t)(stt.st_size - pos);
        }
    } else {
        short want = type == EV_FD_READ ? POLLIN : POLLOUT;
        struct pollfd p = {e->host, want, 0};
        int n = poll(&p, 1, 0);
        if (n < 0) {
            wasi_st16(ev + 8, hive_wasi_errno_from_host(errno));
            return 1;
        }
        if (n == 0) {
            if (hv_wasi_wait_fd(c->w, e->host, want) < 0) {
                wasi_st16(ev + 8, WASI_ENOMEM);
                return 1;
            }
            return 0;
        }
        if (p.revents & POLLNVAL) {
            wasi_st16(ev + 8, WASI_EBADF);
            return 1;
        }
        if (p.revents & (POLLHUP | POLLERR)) flags = EV_HANGUP;
        int avail = 0;
        if (type == EV_FD_READ && ioctl(e->host, FIONREAD, &avail) == 0 && avail > 0)
            nbytes = (uint64_t)avail;
    }
    wasi_st64(ev + 16, nbytes);
    wasi_st16(ev + 24, flags);
    return 1;
}

WASI_DECL(poll_oneoff) {
    hive_wasi *w = c->w;
    uint32_t n = A32(2);
    if (n == 0) return WASI_EINVAL;
    const uint8_t *in = wasi_mem(c, A32(0), (uint64_t)n * SUB_SIZE);
    uint8_t *out = wasi_mem(c, A32(1), (uint64_t)n * EVENT_SIZE);
    if (!in || !out || !wasi_mem(c, A32(3), 4)) return WASI_EFAULT;
    uint64_t now = hv_wasi_now_ns(CLOCK_MONOTONIC);
    if (!c->retry) {
        /* Deadlines are fixed when the call is made, not on each retry. */
        if (w->poll_cap < n) {
            uint64_t *d = realloc(w->poll_deadlines, (size_t)n * sizeof *d);
            if (!d) return WASI_ENOMEM;
            w->poll_deadlines = d;
            w->poll_cap = n;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t err;
            const uint8_t *s = in + (size_t)i * SUB_SIZE;
            w->poll_deadlines[i] = s[8] == EV_CLOCK ? clock_deadline(s, now, &err) : 0;
        }
    }
    /* Events are built on the host (the guest's arrays may overlap). */
    uint8_t *events = malloc((size_t)n * EVENT_SIZE);
    if (!events) return WASI_ENOMEM;
    uint32_t nev = 0;
    uint64_t next = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = in + (size_t)i * SUB_SIZE;
        uint8_t *ev = events + (size_t)nev * EVENT_SIZE;
        memset(ev, 0, EVENT_SIZE);
        wasi_st64(ev, wasi_ld64(s));
        uint8_t type = s[8];
        ev[10] = type;
        int ready;
        if (type == EV_CLOCK) {
            uint32_t err;
            clock_deadline(s, now, &err);
            if (err) {
                wasi_st16(ev + 8, (uint16_t)err);
                ready = 1;
            } else {
                ready = now >= w->poll_deadlines[i];
                if (!ready && w->poll_deadlines[i] < next) next = w->poll_deadlines[i];
            }
        } else if (type == EV_FD_READ || type == EV_FD_WRITE) {
            ready = poll_fd(c, s, type, ev);
        } else {
            wasi_st16(ev + 8, WASI_EINVAL);
            ready = 1;
        }
        if (ready) nev++;
    }
    if (nev) {
        memcpy(out, events, (size_t)nev * EVENT_SIZE);
        free(events);
        return hv_wasi_put32(c, A32(3), nev);
    }
    free(events);
    hv_wasi_wait_deadline(w, next);
    return WASI_PENDING;
}

/* ---- sockets ------------------------------------------------------------------ */

/* The entry of a guest fd that must be a host socket. */
static wasi_fd *sock_get(wasi_call *c, uint32_t fd, uint64_t rights, uint32_t *err) {
    wasi_fd *e = hv_wasi_fd_get(c->w, fd, 0, err);
    if (!e) return NULL;
    if (e->kind != WASI_FD_HOST || e->filetype != WASI_FILETYPE_SOCKET_STREAM) {
        *err = WASI_ENOTSOCK;
        return NULL;
    }
    if ((e->rights & rights) != rights) {
        *err = WASI_ENOTCAPABLE;
        return NULL;
    }
    return e;
}

/* EAGAIN from a socket call: wait (PENDING) unless the guest said
 * NONBLOCK. */
static uint32_t sock_again(wasi_call *c, wasi_fd *e, short events) {
    if (e->fdflags & WASI_FDFLAG_NONBLOCK) return WASI_EAGAIN;
    if (hv_wasi_wait_fd(c->w, e->host, events) < 0) return WASI_ENOMEM;
    return WASI_PENDING;
}

WASI_DECL(sock_accept) {
    uint32_t err, flags = A32(1);
    wasi_fd *e = sock_get(c, A32(0), WASI_R_SOCK_ACCEPT, &err);
    if (!e) return err;
    if (flags & ~WASI_FDFLAG_NONBLOCK) return WASI_EINVAL;
    if (!wasi_mem(c, A32(2), 4)) return WASI_EFAULT;
    int fd = accept4(e->host, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return sock_again(c, e, POLLIN);
        return HOSTERR();
    }
    uint32_t gfd;
    wasi_fd *ne = hv_wasi_fd_alloc(c->w, &gfd);
    if (!ne) {
        close(fd);
        return WASI_ENFILE;
    }
    hv_wasi_fd_setup_host(ne, fd, 1);
    ne->rights &= ~WASI_R_SOCK_ACCEPT;
    ne->fdflags = (uint16_t)flags;
    return hv_wasi_put32(c, A32(2), gfd);
}

WASI_DECL(sock_recv) {
    uint32_t err, riflags = A32(3);
    wasi_fd *e = sock_get(c, A32(0), WASI_R_FD_READ, &err);
    if (!e) return err;
    if (riflags & ~3u) return WASI_EINVAL;
    if (!wasi_mem(c, A32(4), 4) || !wasi_mem(c, A32(5), 2)) return WASI_EFAULT;
    struct iovec iov[WASI_IOV_MAX];
    int cnt;
    if ((err = hv_wasi_iovs_load(c, A32(1), A32(2), iov, &cnt, NULL))) return err;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = (size_t)cnt;
    int fl = MSG_DONTWAIT | ((riflags & 1) ? MSG_PEEK : 0) | ((riflags & 2) ? MSG_WAITALL : 0);
    ssize_t r = recvmsg(e->host, &m, fl);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return sock_again(c, e, POLLIN);
        return HOSTERR();
    }
    uint8_t *of = wasi_mem(c, A32(5), 2);
    wasi_st16(of, (m.msg_flags & MSG_TRUNC) ? 1 : 0); /* RECV_DATA_TRUNCATED */
    return hv_wasi_put32(c, A32(4), (uint32_t)r);
}

WASI_DECL(sock_send) {
    uint32_t err;
    wasi_fd *e = sock_get(c, A32(0), WASI_R_FD_WRITE, &err);
    if (!e) return err;
    if (A32(3)) return WASI_EINVAL; /* no siflags are defined */
    if (!wasi_mem(c, A32(4), 4)) return WASI_EFAULT;
    struct iovec iov[WASI_IOV_MAX];
    int cnt;
    if ((err = hv_wasi_iovs_load(c, A32(1), A32(2), iov, &cnt, NULL))) return err;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = (size_t)cnt;
    ssize_t r = sendmsg(e->host, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return sock_again(c, e, POLLOUT);
        return HOSTERR();
    }
    return hv_wasi_put32(c, A32(4), (uint32_t)r);
}

WASI_DECL(sock_shutdown) {
    uint32_t err, how = A32(1);
    wasi_fd *e = sock_get(c, A32(0), WASI_R_SOCK_SHUTDOWN, &err);
    if (!e) return err;
    int h;
    switch (how) {
    case 1: h = SHUT_RD; break;
    case 2: h = SHUT_WR; break;
    case 3: h = SHUT_RDWR; break;
    default: return WASI_EINVAL;
    }
    return shutdown(e->host, h) < 0 ? HOSTERR() : 0;
}
