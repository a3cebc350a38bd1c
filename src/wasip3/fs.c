/*
 * fs.c -- wasi:filesystem@0.3.0: types (the descriptor resource) and
 * preopens.
 *
 * The path operations are those of the 0.2 host (src/wasi/fsops.c): every
 * path is resolved by the preview-1 sandbox beneath the descriptor's
 * directory, and no "..", absolute path or symlink leads out of a
 * preopened directory (an attempt is not-permitted). A directory opened
 * without mutate-directory (or beneath one without it) refuses what would
 * change something beneath it: read-only, as the WIT says (a path that
 * leads out stays not-permitted).
 *
 * The descriptor methods are async funcs that answer at once: regular
 * files and directories do not wait. The streams:
 *   read-via-stream   the reactor's feed pump (src/wasip3/reactor.c):
 *                     pread at the offset, at most 8 KiB read ahead of
 *                     the guest, so that a poll moves a bounded step and
 *                     a huge file never holds the thread;
 *   write-via-stream, append-via-stream
 *                     into a regular file: a drain here, bounded per
 *                     step, that every filesystem call flushes first, so
 *                     that bytes whose write the guest saw complete are
 *                     in the file for its next call (stat, read...);
 *                     into anything else: the reactor's drain pump;
 *   read-directory    entries fed here, at most FS_DIR_STEP per poll.
 * Each of them resolves its future<result<_, error-code>> here (not in
 * the pumps: error-code is a variant in 0.3, with other(option<string>)
 * for what 0.2 called would-block) with ok at the end, or with the error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/fsops.h"
#include "wasip2/p2_impl.h" /* hv_p2_fs_code: preview-1 errno -> 0.2 error-code */
#include "wasip3/p3_impl.h"

#define FS_TYPES "wasi:filesystem/types" P3_V
#define FS_PREOPENS "wasi:filesystem/preopens" P3_V

#define EC                                                                                      \
    "variant { access, already, bad-descriptor, busy, deadlock, quota, exist, file-too-large, " \
    "illegal-byte-sequence, in-progress, interrupted, invalid, io, is-directory, loop, "        \
    "too-many-links, message-size, name-too-long, no-device, no-entry, no-lock, "               \
    "insufficient-memory, insufficient-space, not-directory, not-empty, not-recoverable, "      \
    "unsupported, no-tty, no-such-device, overflow, not-permitted, pipe, read-only, "           \
    "invalid-seek, text-file-busy, cross-device, other(option<string>) }"
#define EC_OTHER 36
#define DT                                                                                      \
    "variant { block-device, character-device, directory, fifo, symbolic-link, regular-file, " \
    "socket, other(option<string>) }"
#define DT_OTHER 7
#define INSTANT "record { seconds: s64, nanoseconds: u32 }"
#define NEWTS "variant { no-change, now, timestamp(" INSTANT ") }"
#define PF WFS_WIT_PATH_FLAGS /* fsops.h: the same in 0.2 and 0.3 */
#define OF WFS_WIT_OPEN_FLAGS
#define DF WFS_WIT_DESCRIPTOR_FLAGS
#define STAT                                                                                  \
    "record { type: " DT ", link-count: u64, size: u64, data-access-timestamp: option<"       \
    INSTANT ">, data-modification-timestamp: option<" INSTANT ">, status-change-timestamp: " \
    "option<" INSTANT "> }"
#define MHV WFS_WIT_METADATA_HASH
#define DE "record { type: " DT ", name: string }"
#define ADVICE WFS_WIT_ADVICE
#define R(T) "result<" T ", " EC ">"
#define R0 "result<_, " EC ">"
#define FUT "future<" R0 ">"
#define SELF "self: borrow<descriptor>"

#define FS_DRAIN_LIMIT 8192  /* bytes a file drain lets the guest queue */
#define FS_DRAIN_STEP 65536  /* bytes a file drain writes per poll */
#define FS_DIR_STEP 256      /* entries read-directory reads per poll */
#define FS_DIR_QUEUE 64      /* entries queued for the guest, at most */

/* ---- descriptors ---- */

typedef struct fs_desc {
    int fd;
    uint8_t dtype;   /* WFS_DT_* */
    uint32_t dflags; /* WFS_DF_* */
} fs_desc;

static void desc_free(hive_wasip3 *p, void *obj) {
    fs_desc *d = obj;
    if (d->fd >= 0) close(d->fd);
    free(d);
}

static const p3_rtype desc_rt = {"descriptor", desc_free};

/* A new descriptor resource for fd (taken over): its rep, or 0 (fd closed). */
static uint32_t desc_new(hive_wasip3 *p, int fd, uint8_t dtype, uint32_t dflags) {
    fs_desc *d = malloc(sizeof *d);
    if (!d) {
        close(fd);
        return 0;
    }
    d->fd = fd;
    d->dtype = dtype;
    d->dflags = dflags;
    uint32_t rep = hv_p3_res_new(p, &desc_rt, d);
    if (!rep) desc_free(p, d);
    return rep;
}

/* ---- what is in flight: file drains, directory feeds, read futures ---- */

enum { REC_DRAIN = 1, REC_DIR, REC_PUMP };

typedef struct fs_rec {
    struct fs_rec *prev, *next;
    int kind;
    hive_cstream *s;   /* DRAIN: the guest's stream (host reads); DIR: entries (host writes) */
    hive_cstream *fut; /* future<result<_, error-code>> */
    p3_wait *w;
    int fd;            /* DRAIN: the file (dup, owned) */
    int append;
    uint64_t offset;
    DIR *dir;          /* DIR: owns its fd */
} fs_rec;

typedef struct fs_state {
    fs_rec *recs;
    uint32_t ndrains;
} fs_state;

static void state_free(hive_wasip3 *p, void *ext) {
    /* the instance is gone or going: its streams are not touched */
    fs_state *st = ext;
    if (!st) return;
    fs_rec *r = st->recs;
    while (r) {
        fs_rec *n = r->next;
        if (r->fd >= 0) close(r->fd);
        if (r->dir) closedir(r->dir);
        free(r);
        r = n;
    }
    free(st);
}

static fs_state *state_of(hive_wasip3 *p) {
    if (!p->ext[P3_EXT_FS]) {
        p->ext[P3_EXT_FS] = calloc(1, sizeof(fs_state));
        if (p->ext[P3_EXT_FS]) p->ext_free[P3_EXT_FS] = state_free;
    }
    return p->ext[P3_EXT_FS];
}

static fs_rec *rec_new(hive_wasip3 *p, int kind) {
    fs_state *st = state_of(p);
    fs_rec *r = st ? calloc(1, sizeof *r) : NULL;
    if (!r) return NULL;
    r->kind = kind;
    r->fd = -1;
    r->next = st->recs;
    if (st->recs) st->recs->prev = r;
    st->recs = r;
    if (kind == REC_DRAIN) st->ndrains++;
    return r;
}

static void rec_unlink(hive_wasip3 *p, fs_rec *r) {
    fs_state *st = p->ext[P3_EXT_FS];
    if (r->prev) r->prev->next = r->next;
    else st->recs = r->next;
    if (r->next) r->next->prev = r->prev;
    if (r->kind == REC_DRAIN) st->ndrains--;
}

/* ---- values ---- */

/* error-code of a preview-1 errno (0.2's mapping; would-block is
 * other(some("would-block")) in 0.3). */
static int ec_val(hive_cval *out, uint32_t e) {
    uint32_t c = hv_p2_fs_code(e);
    if (c != 1) return hive_cval_case(out, HIVE_C_VARIANT, c ? c - 1 : 0, NULL) == HIVE_OK ? 0 : -1;
    hive_cval s, some;
    if (hive_cval_string(&s, "would-block", 11) != HIVE_OK || hive_cval_case(&some, HIVE_C_OPTION, 1, &s) != HIVE_OK)
        return -1;
    return hive_cval_case(out, HIVE_C_VARIANT, EC_OTHER, &some) == HIVE_OK ? 0 : -1;
}

/* result ok(payload) when e is 0, else err(error-code of e). */
static hive_host_status fs_result(hive_chost_call *call, hive_cval *out, uint32_t e, hive_cval *payload) {
    if (e) {
        if (payload) hive_cval_clear(payload);
        hive_cval code;
        if (ec_val(&code, e) < 0) return hv_p3_trap(call, "out of memory");
        hv_wval_err(out, &code);
    } else {
        hv_wval_ok(out, payload);
    }
    if (out->kind == HIVE_C_NONE) return hv_p3_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

/* Resolves and drops a future<result<_, error-code>>. */
static void future_done(hive_cstream *f, uint32_t e) {
    if (!f) return;
    hive_cval r, code;
    memset(&r, 0, sizeof r);
    if (!e) hv_wval_ok(&r, NULL);
    else if (ec_val(&code, e) == 0) hv_wval_err(&r, &code);
    if (r.kind != HIVE_C_NONE) hive_cstream_write(f, &r, 1); /* a reader that dropped does not mind */
    hive_cval_clear(&r);
    hive_cstream_close(f);
}

static int dtype_val(hive_cval *out, uint8_t t) {
    if (t == WFS_DT_UNKNOWN || t > WFS_DT_SOCKET) {
        hive_cval none;
        if (hive_cval_case(&none, HIVE_C_OPTION, 0, NULL) != HIVE_OK) return -1;
        return hive_cval_case(out, HIVE_C_VARIANT, DT_OTHER, &none) == HIVE_OK ? 0 : -1;
    }
    return hive_cval_case(out, HIVE_C_VARIANT, (uint32_t)t - 1, NULL) == HIVE_OK ? 0 : -1;
}

static int instant_val(hive_cval *out, const struct timespec *ts) {
    hive_cval r;
    if (hive_cval_agg(&r, HIVE_C_RECORD, 2) != HIVE_OK) return -1;
    r.of.agg.items[0] = hive_cval_sint(HIVE_C_S64, (int64_t)ts->tv_sec);
    r.of.agg.items[1] = p3_u32((uint32_t)ts->tv_nsec);
    return hive_cval_case(out, HIVE_C_OPTION, 1, &r) == HIVE_OK ? 0 : -1;
}

static int stat_val(hive_cval *out, const struct stat *st) {
    if (hive_cval_agg(out, HIVE_C_RECORD, 6) != HIVE_OK) return -1;
    hive_cval *f = out->of.agg.items;
    if (dtype_val(&f[0], hv_wfs_dtype_of_mode(st->st_mode)) < 0) return -1;
    f[1] = p3_u64((uint64_t)st->st_nlink);
    f[2] = p3_u64((uint64_t)st->st_size);
    if (instant_val(&f[3], &st->st_atim) < 0 || instant_val(&f[4], &st->st_mtim) < 0 ||
        instant_val(&f[5], &st->st_ctim) < 0)
        return -1;
    return 0;
}

static int hash_val(hive_cval *out, const struct stat *st) {
    if (hive_cval_agg(out, HIVE_C_RECORD, 2) != HIVE_OK) return -1;
    out->of.agg.items[0] = p3_u64((uint64_t)st->st_ino);
    out->of.agg.items[1] = p3_u64((uint64_t)st->st_dev);
    return 0;
}

/* new-timestamp -> timespec for utimensat */
static void ts_of(const hive_cval *v, struct timespec *ts) {
    switch (v->of.var.index) {
    case 0: ts->tv_sec = 0; ts->tv_nsec = UTIME_OMIT; break;
    case 1: ts->tv_sec = 0; ts->tv_nsec = UTIME_NOW; break;
    default: {
        const hive_cval *i = v->of.var.payload;
        ts->tv_sec = (time_t)i->of.agg.items[0].of.s;
        ts->tv_nsec = (long)i->of.agg.items[1].of.u;
        break;
    }
    }
}

/* ---- file drains ---- */

static void drain_end(hive_wasip3 *p, fs_rec *r, uint32_t e) {
    hive_cstream_close(r->s); /* the guest's next write sees DROPPED */
    future_done(r->fut, e);
    close(r->fd);
    hv_p3_wait_free(p, r->w);
    rec_unlink(p, r);
    free(r);
}

/* Writes what the guest has queued, at most FS_DRAIN_STEP bytes, 4 KiB
 * per pwrite: 2 when the drain ended (r is freed), 1 when bytes moved,
 * else 0. */
static int drain_step(hive_wasip3 *p, fs_rec *r) {
    hive_cval vals[256];
    uint8_t buf[4096];
    size_t done = 0;
    while (done < FS_DRAIN_STEP) {
        size_t len = 0;
        int ended = 0;
        while (len < sizeof buf) {
            size_t want = sizeof buf - len < 256 ? sizeof buf - len : 256;
            long n = hive_cstream_read(r->s, vals, want);
            if (n < 0) { /* the guest dropped its writer and nothing is left */
                ended = 1;
                break;
            }
            if (n == 0) break;
            for (long i = 0; i < n; i++) buf[len + (size_t)i] = (uint8_t)vals[i].of.u;
            len += (size_t)n;
        }
        size_t off = 0;
        while (off < len) {
            if (r->append) {
                struct stat st;
                if (fstat(r->fd, &st) == 0) r->offset = (uint64_t)st.st_size;
            }
            ssize_t w = pwrite(r->fd, buf + off, len - off, (off_t)r->offset);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                drain_end(p, r, w < 0 ? hive_wasi_errno_from_host(errno) : WASI_EIO);
                return 2;
            }
            off += (size_t)w;
            r->offset += (uint64_t)w;
        }
        done += len;
        if (ended) {
            drain_end(p, r, 0);
            return 2;
        }
        if (!len) break;
    }
    return done > 0;
}

static int drain_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    return drain_step(p, w->ud) > 0;
}

/* Before a filesystem call: what the guest wrote into file streams is in
 * the files. */
static void fs_flush(hive_wasip3 *p) {
    fs_state *st = p->ext[P3_EXT_FS];
    if (!st || !st->ndrains) return;
    fs_rec *r = st->recs;
    while (r) {
        fs_rec *n = r->next;
        if (r->kind == REC_DRAIN)
            while (hive_cstream_queued(r->s) && drain_step(p, r) == 1) {
            }
        r = n;
    }
}

/* ---- the calls ---- */

/* The descriptor of args[i], or NULL (then the call traps). */
static fs_desc *desc_arg(hive_chost_call *call, const hive_cval *args, size_t i) {
    return hv_p3_res_get(P3_CTX, (uint32_t)args[i].of.res.handle, &desc_rt);
}

#define DESC(i)                                                   \
    fs_desc *d##i = desc_arg(call, args, i);                      \
    if (!d##i) return hv_p3_trap(call, "unknown descriptor handle"); \
    fs_flush(P3_CTX)

/* A string argument's bytes (a path). */
#define STR(i) args[i].of.str.ptr, args[i].of.str.len
#define SB (&P3_CTX->b.sandbox)

/* Path operations are made on directories only. */
#define NEED_DIR(d) \
    if ((d)->dtype != WFS_DT_DIR) return fs_result(call, &res[0], WASI_ENOTDIR, NULL)

/* A change beneath d (an entry made, renamed or removed, times set) when d
 * lacks mutate-directory: read-only -- once the path's directory
 * resolves, so that a way out is not-permitted all the same. 0 when d
 * has it. */
static uint32_t read_only(hive_wasip3 *p, const fs_desc *d, const hive_cval *path) {
    if (d->dflags & WFS_DF_MUTATE) return 0;
    wfs_path a;
    uint32_t e = hv_wfs_path_get(&p->b.sandbox, d->fd, path->of.str.ptr, path->of.str.len, &a);
    hv_wfs_path_fini(&a);
    return e ? e : WASI_EROFS;
}

#define NEED_MUTATE(d, i)                                             \
    do {                                                              \
        uint32_t ro_ = read_only(P3_CTX, d, &args[i]);                \
        if (ro_) return fs_result(call, &res[0], ro_, NULL);          \
    } while (0)

/* A pump of the reactor (read-via-stream, writes into a fifo or a device):
 * its future, resolved when it ends. */
static void pump_done(hive_wasip3 *p, void *ud, uint32_t e) {
    fs_rec *r = ud;
    future_done(r->fut, e);
    rec_unlink(p, r);
    free(r);
}

/* An empty stream<u8> (already ended) and a future resolved with e. */
static hive_host_status failed_read(hive_chost_call *call, hive_cval *out, uint32_t e) {
    hive_cval sv, fv;
    hive_cstream *s = hive_cstream_new(call->instance, 0, &sv);
    hive_cstream *f = hive_cstream_new(call->instance, 1, &fv);
    if (!s || !f || hive_cval_agg(out, HIVE_C_TUPLE, 2) != HIVE_OK) {
        hive_cstream_close(s);
        hive_cstream_close(f);
        return hv_p3_trap(call, "out of memory");
    }
    hive_cstream_close(s);
    future_done(f, e);
    out->of.agg.items[0] = sv;
    out->of.agg.items[1] = fv;
    return HIVE_HOST_OK;
}

P3_FN(d_read_via_stream) {
    DESC(0);
    hive_wasip3 *p = P3_CTX;
    uint64_t off = args[1].of.u;
    if (!(d0->dflags & WFS_DF_READ) || d0->dtype == WFS_DT_DIR) return failed_read(call, &res[0], WASI_EBADF);
    if (off > INT64_MAX) return failed_read(call, &res[0], WASI_EINVAL);
    int fd = fcntl(d0->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return failed_read(call, &res[0], hive_wasi_errno_from_host(errno));
    fs_rec *r = rec_new(p, REC_PUMP);
    hive_cval sv, fv;
    memset(&sv, 0, sizeof sv);
    if (!r || !(r->fut = hive_cstream_new(call->instance, 1, &fv))) {
        close(fd);
        if (r) pump_done(p, r, 0);
        return hv_p3_trap(call, "out of memory");
    }
    /* the reactor's feed: pread at the offset for a regular file (always
     * ready), read after POLLIN for a fifo or a device */
    p3_io io = {fd, 1, d0->dtype == WFS_DT_FILE ? (int64_t)off : -1, NULL};
    if (!hv_p3_feed_new(p, call->instance, &io, 0, &sv, NULL, NULL, pump_done, r)) {
        close(fd);
        hive_cstream_close(r->fut);
        r->fut = NULL;
        pump_done(p, r, 0);
        return hv_p3_trap(call, "read-via-stream: too many host operations or out of memory");
    }
    if (hive_cval_agg(&res[0], HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p3_trap(call, "out of memory");
    res[0].of.agg.items[0] = sv;
    res[0].of.agg.items[1] = fv;
    return HIVE_HOST_OK;
}

/* write-via-stream / append-via-stream into d: the future in *out. */
static hive_host_status write_stream(hive_chost_call *call, fs_desc *d, const hive_cval *data, uint64_t off,
                                     int append, hive_cval *out) {
    hive_wasip3 *p = P3_CTX;
    hive_cval sv = *data; /* taken over */
    uint32_t e = 0;
    int fd = -1;
    if (!(d->dflags & WFS_DF_WRITE) || d->dtype == WFS_DT_DIR) e = WASI_EBADF;
    else if (off > INT64_MAX) e = WASI_EINVAL;
    else if ((fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0)) < 0) e = hive_wasi_errno_from_host(errno);
    if (!e && d->dtype != WFS_DT_FILE) {
        /* a fifo, a device: the reactor's drain, which waits for room */
        fs_rec *r = rec_new(p, REC_PUMP);
        if (!r || !(r->fut = hive_cstream_new(call->instance, 1, out))) {
            close(fd);
            if (r) pump_done(p, r, 0);
            return hv_p3_trap(call, "out of memory");
        }
        p3_io io = {fd, 1, -1, NULL};
        if (!hv_p3_drain_new(p, call->instance, &sv, &io, NULL, NULL, pump_done, r)) {
            close(fd);
            pump_done(p, r, WASI_ENOMEM);
            return hv_p3_trap(call, "write-via-stream: too many host operations or out of memory");
        }
        return HIVE_HOST_OK;
    }
    hive_cstream *s = hive_cstream_reader(call->instance, &sv);
    if (!s) {
        if (fd >= 0) close(fd);
        return hv_p3_trap(call, "write-via-stream: not a stream");
    }
    fs_rec *r = NULL;
    hive_cstream *f = hive_cstream_new(call->instance, 1, out);
    if (!f) e = WASI_ENOMEM;
    if (!e) {
        r = rec_new(p, REC_DRAIN);
        if (r) r->w = hv_p3_wait_new(p, drain_fn, r);
        if (!r || !r->w) {
            if (r) {
                rec_unlink(p, r);
                free(r);
            }
            hive_cstream_close(s);
            hive_cstream_close(f);
            close(fd);
            return hv_p3_trap(call, "write-via-stream: too many host operations or out of memory");
        }
    }
    if (e) { /* the guest's writes see DROPPED, the future says why */
        if (fd >= 0) close(fd);
        hive_cstream_close(s);
        if (!f) return hv_p3_trap(call, "out of memory");
        future_done(f, e);
        return HIVE_HOST_OK;
    }
    r->s = s;
    r->fut = f;
    r->fd = fd;
    r->append = append;
    r->offset = off;
    r->w->check = 1;
    hive_cstream_set_limit(s, FS_DRAIN_LIMIT);
    return HIVE_HOST_OK;
}

P3_FN(d_write_via_stream) {
    DESC(0);
    return write_stream(call, d0, &args[1], args[2].of.u, 0, &res[0]);
}

P3_FN(d_append_via_stream) {
    DESC(0);
    return write_stream(call, d0, &args[1], 0, 1, &res[0]);
}

P3_FN(d_advise) {
    DESC(0);
    if (d0->dtype == WFS_DT_DIR) return fs_result(call, &res[0], WASI_EBADF, NULL);
    return fs_result(call, &res[0], hv_wfs_advise(d0->fd, args[1].of.u, args[2].of.u, args[3].of.var.index), NULL);
}

P3_FN(d_sync_data) {
    DESC(0);
    return fs_result(call, &res[0], hv_wfs_sync(d0->fd, 1), NULL);
}

P3_FN(d_sync) {
    DESC(0);
    return fs_result(call, &res[0], hv_wfs_sync(d0->fd, 0), NULL);
}

P3_FN(d_get_flags) {
    DESC(0);
    hive_cval f = hive_cval_flags(d0->dflags);
    return fs_result(call, &res[0], 0, &f);
}

P3_FN(d_get_type) {
    DESC(0);
    hive_cval t;
    if (dtype_val(&t, d0->dtype) < 0) return hv_p3_trap(call, "out of memory");
    return fs_result(call, &res[0], 0, &t);
}

P3_FN(d_set_size) {
    DESC(0);
    return fs_result(call, &res[0], hv_wfs_set_size(d0->fd, d0->dtype, d0->dflags, args[1].of.u), NULL);
}

P3_FN(d_set_times) {
    DESC(0);
    struct timespec ts[2];
    ts_of(&args[1], &ts[0]);
    ts_of(&args[2], &ts[1]);
    return fs_result(call, &res[0], hv_wfs_set_times(d0->fd, ts), NULL);
}

/* ---- read-directory ---- */

static void dir_end(hive_wasip3 *p, fs_rec *r, uint32_t e) {
    hive_cstream_close(r->s);
    future_done(r->fut, e);
    closedir(r->dir);
    hv_p3_wait_free(p, r->w);
    rec_unlink(p, r);
    free(r);
}

static int dir_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    fs_rec *r = w->ud;
    if (hive_cstream_dropped(r->s)) { /* the guest stopped reading */
        dir_end(p, r, 0);
        return 1;
    }
    int moved = 0;
    for (int k = 0; k < FS_DIR_STEP && hive_cstream_queued(r->s) < FS_DIR_QUEUE; k++) {
        errno = 0;
        struct dirent *de = readdir(r->dir);
        if (!de) {
            dir_end(p, r, errno ? hive_wasi_errno_from_host(errno) : 0);
            return 1;
        }
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        hive_cval ent;
        if (hive_cval_agg(&ent, HIVE_C_RECORD, 2) != HIVE_OK ||
            dtype_val(&ent.of.agg.items[0], hv_wfs_dirent_type(dirfd(r->dir), de)) < 0) {
            hive_cval_clear(&ent);
            dir_end(p, r, WASI_ENOMEM);
            return 1;
        }
        if (hive_cval_string(&ent.of.agg.items[1], de->d_name, strlen(de->d_name)) != HIVE_OK) {
            /* a name that is not UTF-8 cannot be a WIT string */
            hive_cval_clear(&ent);
            dir_end(p, r, WASI_EILSEQ);
            return 1;
        }
        int wr = hive_cstream_write(r->s, &ent, 1);
        hive_cval_clear(&ent);
        if (wr < 0) { /* dropped meanwhile */
            dir_end(p, r, 0);
            return 1;
        }
        moved = 1;
    }
    return moved;
}

P3_FN(d_read_directory) {
    DESC(0);
    hive_wasip3 *p = P3_CTX;
    uint32_t e = 0;
    DIR *dir = NULL;
    if (d0->dtype != WFS_DT_DIR) e = WASI_ENOTDIR;
    else if (!(d0->dflags & WFS_DF_READ)) e = WASI_EBADF;
    else {
        int fd = openat(d0->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || !(dir = fdopendir(fd))) {
            e = hive_wasi_errno_from_host(errno);
            if (fd >= 0) close(fd);
        }
    }
    hive_cval sv, fv;
    hive_cstream *s = hive_cstream_new(call->instance, 0, &sv);
    hive_cstream *f = hive_cstream_new(call->instance, 1, &fv);
    if (!s || !f || hive_cval_agg(&res[0], HIVE_C_TUPLE, 2) != HIVE_OK) {
        hive_cstream_close(s);
        hive_cstream_close(f);
        if (dir) closedir(dir);
        return hv_p3_trap(call, "out of memory");
    }
    res[0].of.agg.items[0] = sv;
    res[0].of.agg.items[1] = fv;
    if (e) {
        hive_cstream_close(s);
        future_done(f, e);
        return HIVE_HOST_OK;
    }
    fs_rec *r = rec_new(p, REC_DIR);
    if (r) r->w = hv_p3_wait_new(p, dir_fn, r);
    if (!r || !r->w) {
        if (r) {
            rec_unlink(p, r);
            free(r);
        }
        hive_cstream_close(s);
        hive_cstream_close(f);
        closedir(dir);
        return hv_p3_trap(call, "read-directory: too many host operations or out of memory");
    }
    r->s = s;
    r->fut = f;
    r->dir = dir;
    r->w->check = 1;
    return HIVE_HOST_OK;
}

/* ---- path operations ---- */

P3_FN(d_create_directory_at) {
    DESC(0);
    NEED_DIR(d0);
    NEED_MUTATE(d0, 1);
    return fs_result(call, &res[0], hv_wfs_create_directory_at(SB, d0->fd, STR(1)), NULL);
}

P3_FN(d_stat) {
    DESC(0);
    struct stat st;
    if (fstat(d0->fd, &st) < 0) return fs_result(call, &res[0], hive_wasi_errno_from_host(errno), NULL);
    hive_cval v;
    if (stat_val(&v, &st) < 0) {
        hive_cval_clear(&v);
        return hv_p3_trap(call, "out of memory");
    }
    return fs_result(call, &res[0], 0, &v);
}

P3_FN(d_stat_at) {
    DESC(0);
    NEED_DIR(d0);
    struct stat st;
    uint32_t e = hv_wfs_stat_at(SB, d0->fd, args[1].of.flags & 1, STR(2), &st);
    if (e) return fs_result(call, &res[0], e, NULL);
    hive_cval v;
    if (stat_val(&v, &st) < 0) {
        hive_cval_clear(&v);
        return hv_p3_trap(call, "out of memory");
    }
    return fs_result(call, &res[0], 0, &v);
}

P3_FN(d_set_times_at) {
    DESC(0);
    NEED_DIR(d0);
    NEED_MUTATE(d0, 2);
    struct timespec ts[2];
    ts_of(&args[3], &ts[0]);
    ts_of(&args[4], &ts[1]);
    return fs_result(call, &res[0], hv_wfs_set_times_at(SB, d0->fd, args[1].of.flags & 1, STR(2), ts), NULL);
}

P3_FN(d_link_at) {
    DESC(0);
    DESC(3);
    NEED_DIR(d0);
    NEED_DIR(d3);
    NEED_MUTATE(d3, 4);
    return fs_result(call, &res[0], hv_wfs_link_at(SB, d0->fd, args[1].of.flags & 1, STR(2), d3->fd, STR(4)),
                     NULL);
}

P3_FN(d_open_at) {
    DESC(0);
    hive_wasip3 *p = P3_CTX;
    uint32_t pf = (uint32_t)args[1].of.flags, of = (uint32_t)args[3].of.flags, df = (uint32_t)args[4].of.flags;
    NEED_DIR(d0);
    /* what could change something needs mutate-directory on the base */
    if ((df & (WFS_DF_WRITE | WFS_DF_MUTATE)) || (of & (WFS_OF_CREATE | WFS_OF_TRUNCATE))) NEED_MUTATE(d0, 2);
    /* neither read nor write asked: read; create and truncate write */
    int rd = (df & WFS_DF_READ) || !(df & (WFS_DF_READ | WFS_DF_WRITE));
    int wr = (df & WFS_DF_WRITE) || (of & (WFS_OF_CREATE | WFS_OF_TRUNCATE));
    int fd;
    struct stat st;
    uint32_t e = hv_wfs_open_at(&p->b.sandbox, d0->fd, pf & 1, STR(2), of, rd, wr, df, &fd, &st);
    if (e) return fs_result(call, &res[0], e, NULL);
    uint8_t dtype = hv_wfs_dtype_of_mode(st.st_mode);
    uint32_t flags = (rd ? WFS_DF_READ : 0) | (wr ? WFS_DF_WRITE : 0) |
                     (df & (WFS_DF_FSYNC | WFS_DF_DSYNC | WFS_DF_RSYNC));
    if (dtype == WFS_DT_DIR) flags = (rd ? WFS_DF_READ : 0) | (df & WFS_DF_MUTATE);
    uint32_t rep = desc_new(p, fd, dtype, flags);
    if (!rep) return hv_p3_trap(call, "too many host objects");
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return fs_result(call, &res[0], 0, &h);
}

P3_FN(d_readlink_at) {
    DESC(0);
    NEED_DIR(d0);
    char *buf;
    size_t n;
    uint32_t e = hv_wfs_readlink_at(SB, d0->fd, STR(1), &buf, &n);
    hive_cval s;
    if (!e && hive_cval_string(&s, buf, n) != HIVE_OK) e = WASI_EILSEQ;
    free(buf);
    return fs_result(call, &res[0], e, e ? NULL : &s);
}

P3_FN(d_remove_directory_at) {
    DESC(0);
    NEED_DIR(d0);
    NEED_MUTATE(d0, 1);
    return fs_result(call, &res[0], hv_wfs_remove_directory_at(SB, d0->fd, STR(1)), NULL);
}

P3_FN(d_rename_at) {
    DESC(0);
    DESC(2);
    NEED_DIR(d0);
    NEED_DIR(d2);
    NEED_MUTATE(d0, 1);
    NEED_MUTATE(d2, 3);
    return fs_result(call, &res[0], hv_wfs_rename_at(SB, d0->fd, STR(1), d2->fd, STR(3)), NULL);
}

P3_FN(d_symlink_at) {
    DESC(0);
    NEED_DIR(d0);
    NEED_MUTATE(d0, 2);
    return fs_result(call, &res[0], hv_wfs_symlink_at(SB, d0->fd, STR(1), STR(2)), NULL);
}

P3_FN(d_unlink_file_at) {
    DESC(0);
    NEED_DIR(d0);
    NEED_MUTATE(d0, 1);
    return fs_result(call, &res[0], hv_wfs_unlink_file_at(SB, d0->fd, STR(1)), NULL);
}

P3_FN(d_is_same_object) {
    DESC(0);
    DESC(1);
    struct stat a, b;
    int same = fstat(d0->fd, &a) == 0 && fstat(d1->fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    res[0] = hive_cval_bool(same);
    return HIVE_HOST_OK;
}

P3_FN(d_metadata_hash) {
    DESC(0);
    struct stat st;
    if (fstat(d0->fd, &st) < 0) return fs_result(call, &res[0], hive_wasi_errno_from_host(errno), NULL);
    hive_cval v;
    if (hash_val(&v, &st) < 0) return hv_p3_trap(call, "out of memory");
    return fs_result(call, &res[0], 0, &v);
}

P3_FN(d_metadata_hash_at) {
    DESC(0);
    NEED_DIR(d0);
    struct stat st;
    uint32_t e = hv_wfs_stat_at(SB, d0->fd, args[1].of.flags & 1, STR(2), &st);
    if (e) return fs_result(call, &res[0], e, NULL);
    hive_cval v;
    if (hash_val(&v, &st) < 0) return hv_p3_trap(call, "out of memory");
    return fs_result(call, &res[0], 0, &v);
}

/* ---- preopens ---- */

P3_FN(get_directories) {
    hive_wasip3 *p = P3_CTX;
    if (hive_cval_agg(&res[0], HIVE_C_LIST, p->b.npre) != HIVE_OK) return hv_p3_trap(call, "out of memory");
    for (size_t i = 0; i < p->b.npre; i++) {
        int fd = fcntl(p->b.pre[i].fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return hv_p3_trap(call, "out of file descriptors");
        uint32_t rep = desc_new(p, fd, WFS_DT_DIR, WFS_DF_READ | WFS_DF_MUTATE);
        if (!rep) return hv_p3_trap(call, "too many host objects");
        hive_cval *t = &res[0].of.agg.items[i];
        if (hive_cval_agg(t, HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p3_trap(call, "out of memory");
        t->of.agg.items[0] = hive_cval_handle(HIVE_C_OWN, rep, NULL);
        if (hive_cval_string(&t->of.agg.items[1], p->b.pre[i].name, strlen(p->b.pre[i].name)) != HIVE_OK)
            return hv_p3_trap(call, "preopen name: out of memory or not UTF-8");
    }
    return HIVE_HOST_OK;
}

/* ---- definitions ---- */

int hv_p3_define_filesystem(hive_wasip3 *p, hive_linker *l) {
    int rc;
    if ((rc = hv_p3_define_resource(p, l, FS_TYPES, "descriptor"))) return rc;
#define M(name) "[method]descriptor." name
#define AF "async func(" SELF
    static const p3_fndef types[] = {
        {M("read-via-stream"), "func(" SELF ", offset: u64) -> tuple<stream<u8>, " FUT ">", d_read_via_stream},
        {M("write-via-stream"), "func(" SELF ", data: stream<u8>, offset: u64) -> " FUT, d_write_via_stream},
        {M("append-via-stream"), "func(" SELF ", data: stream<u8>) -> " FUT, d_append_via_stream},
        {M("advise"), AF ", offset: u64, length: u64, advice: " ADVICE ") -> " R0, d_advise},
        {M("sync-data"), AF ") -> " R0, d_sync_data},
        {M("get-flags"), AF ") -> " R(DF), d_get_flags},
        {M("get-type"), AF ") -> " R(DT), d_get_type},
        {M("set-size"), AF ", size: u64) -> " R0, d_set_size},
        {M("set-times"),
         AF ", data-access-timestamp: " NEWTS ", data-modification-timestamp: " NEWTS ") -> " R0, d_set_times},
        {M("read-directory"), "func(" SELF ") -> tuple<stream<" DE ">, " FUT ">", d_read_directory},
        {M("sync"), AF ") -> " R0, d_sync},
        {M("create-directory-at"), AF ", path: string) -> " R0, d_create_directory_at},
        {M("stat"), AF ") -> " R(STAT), d_stat},
        {M("stat-at"), AF ", path-flags: " PF ", path: string) -> " R(STAT), d_stat_at},
        {M("set-times-at"),
         AF ", path-flags: " PF ", path: string, data-access-timestamp: " NEWTS
            ", data-modification-timestamp: " NEWTS ") -> " R0,
         d_set_times_at},
        {M("link-at"),
         AF ", old-path-flags: " PF ", old-path: string, new-descriptor: borrow<descriptor>, "
            "new-path: string) -> " R0,
         d_link_at},
        {M("open-at"),
         AF ", path-flags: " PF ", path: string, open-flags: " OF ", %flags: " DF ") -> " R("own<descriptor>"),
         d_open_at},
        {M("readlink-at"), AF ", path: string) -> " R("string"), d_readlink_at},
        {M("remove-directory-at"), AF ", path: string) -> " R0, d_remove_directory_at},
        {M("rename-at"), AF ", old-path: string, new-descriptor: borrow<descriptor>, new-path: string) -> " R0,
         d_rename_at},
        {M("symlink-at"), AF ", old-path: string, new-path: string) -> " R0, d_symlink_at},
        {M("unlink-file-at"), AF ", path: string) -> " R0, d_unlink_file_at},
        {M("is-same-object"), AF ", other: borrow<descriptor>) -> bool", d_is_same_object},
        {M("metadata-hash"), AF ") -> " R(MHV), d_metadata_hash},
        {M("metadata-hash-at"), AF ", path-flags: " PF ", path: string) -> " R(MHV), d_metadata_hash_at},
    };
#undef M
#undef AF
    static const p3_fndef pre[] = {
        {"get-directories", "func() -> list<tuple<own<" FS_TYPES "#descriptor>, string>>", get_directories},
    };
    if ((rc = hv_p3_define_funcs(p, l, FS_TYPES, types, P3_COUNT(types))) ||
        (rc = hv_p3_define_funcs(p, l, FS_PREOPENS, pre, P3_COUNT(pre))))
        return rc;
    return HIVE_OK;
}
