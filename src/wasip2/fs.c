/*
 * fs.c -- wasi:filesystem types and preopens.
 *
 * Every path is resolved by the preview-1 sandbox (src/wasi/path.c:
 * hv_wasi_path_open_beneath, hv_wasi_path_parent) beneath the descriptor's
 * directory: no "..", absolute path or symlink leads out of a preopened
 * directory (an attempt is not-permitted, as ENOTCAPABLE is in preview 1).
 * Operations never wait: regular files and directories do not block.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/fsops.h"
#include "wasip2/p2_impl.h"

#define FS_TYPES "wasi:filesystem/types" P2_V
#define FS_PREOPENS "wasi:filesystem/preopens" P2_V

#define EC                                                                                       \
    "enum { access, would-block, already, bad-descriptor, busy, deadlock, quota, exist, "       \
    "file-too-large, illegal-byte-sequence, in-progress, interrupted, invalid, io, "             \
    "is-directory, loop, too-many-links, message-size, name-too-long, no-device, no-entry, "     \
    "no-lock, insufficient-memory, insufficient-space, not-directory, not-empty, "               \
    "not-recoverable, unsupported, no-tty, no-such-device, overflow, not-permitted, pipe, "       \
    "read-only, invalid-seek, text-file-busy, cross-device }"
#define DT                                                                                \
    "enum { unknown, block-device, character-device, directory, fifo, symbolic-link, "   \
    "regular-file, socket }"
#define DATETIME "record { seconds: u64, nanoseconds: u32 }"
#define NEWTS "variant { no-change, now, timestamp(" DATETIME ") }"
#define PF WFS_WIT_PATH_FLAGS /* fsops.h: the same in 0.2 and 0.3 */
#define OF WFS_WIT_OPEN_FLAGS
#define DF WFS_WIT_DESCRIPTOR_FLAGS
#define STAT                                                                                   \
    "record { type: " DT ", link-count: u64, size: u64, data-access-timestamp: option<"        \
    DATETIME ">, data-modification-timestamp: option<" DATETIME ">, status-change-timestamp: " \
    "option<" DATETIME "> }"
#define MHV WFS_WIT_METADATA_HASH
#define DE "record { type: " DT ", name: string }"
#define ADVICE WFS_WIT_ADVICE
#define R(T) "result<" T ", " EC ">"
#define R0 "result<_, " EC ">"
#define SELF "self: borrow<descriptor>"
#define OWN_IN "own<wasi:io/streams" P2_V "#input-stream>"
#define OWN_OUT "own<wasi:io/streams" P2_V "#output-stream>"

#define HOSTERR() hive_wasi_errno_from_host(errno)

/* ---- helpers ---- */

/* The result: ok(payload) when e is 0, else err(error-code of e). */
static hive_host_status fs_result(hive_cval *out, uint32_t e, hive_cval *payload) {
    if (e) {
        if (payload) hive_cval_clear(payload);
        hv_p2_fs_err(out, e);
    } else {
        hv_wval_ok(out, payload);
    }
    return HIVE_HOST_OK;
}

/* The descriptor of args[i], or NULL (then the call traps). */
static p2_obj *desc_arg(hive_chost_call *call, const hive_cval *args, size_t i) {
    return hv_p2_get(P2_CTX, (uint32_t)args[i].of.res.handle, P2_DESC);
}

/* A string argument's bytes (a path). */
#define STR(i) args[i].of.str.ptr, args[i].of.str.len

/* Path operations are made on directories only. */
#define NEED_DIR(d)                                                                 \
    if ((d)->dtype != P2_DT_DIR) return fs_result(&res[0], WASI_ENOTDIR, NULL)
#define SB (&P2_CTX->b.sandbox)

/* fsops.h speaks the same descriptor-type and descriptor-flags values */
_Static_assert((int)P2_DT_DIR == (int)WFS_DT_DIR && (int)P2_DT_FILE == (int)WFS_DT_FILE &&
                   (int)P2_DT_SOCKET == (int)WFS_DT_SOCKET,
               "descriptor-type values");
_Static_assert(P2_DF_READ == WFS_DF_READ && P2_DF_WRITE == WFS_DF_WRITE && P2_DF_MUTATE == WFS_DF_MUTATE,
               "descriptor-flags values");

static int datetime_val(hive_cval *out, int64_t sec, long nsec) {
    if (hive_cval_agg(out, HIVE_C_RECORD, 2) != HIVE_OK) return -1;
    out->of.agg.items[0] = p2_u64((uint64_t)(sec < 0 ? 0 : sec));
    out->of.agg.items[1] = p2_u32((uint32_t)nsec);
    return 0;
}

static int stat_val(hive_cval *out, const struct stat *st) {
    if (hive_cval_agg(out, HIVE_C_RECORD, 6) != HIVE_OK) return -1;
    hive_cval *f = out->of.agg.items;
    f[0] = hive_cval_enum(hv_wfs_dtype_of_mode(st->st_mode));
    f[1] = p2_u64((uint64_t)st->st_nlink);
    f[2] = p2_u64((uint64_t)st->st_size);
    const struct timespec *ts[3] = {&st->st_atim, &st->st_mtim, &st->st_ctim};
    for (int i = 0; i < 3; i++) {
        hive_cval dt;
        if (datetime_val(&dt, ts[i]->tv_sec, ts[i]->tv_nsec) < 0 ||
            hive_cval_case(&f[3 + i], HIVE_C_OPTION, 1, &dt) != HIVE_OK)
            return -1;
    }
    return 0;
}

/* new-timestamp -> timespec for utimensat */
static void ts_of(const hive_cval *v, struct timespec *ts) {
    switch (v->of.var.index) {
    case 0: ts->tv_sec = 0; ts->tv_nsec = UTIME_OMIT; break;
    case 1: ts->tv_sec = 0; ts->tv_nsec = UTIME_NOW; break;
    default: {
        const hive_cval *dt = v->of.var.payload;
        ts->tv_sec = (time_t)dt->of.agg.items[0].of.u;
        ts->tv_nsec = (long)dt->of.agg.items[1].of.u;
        break;
    }
    }
}

static void hash_val(hive_cval *out, const struct stat *st) {
    if (hive_cval_agg(out, HIVE_C_RECORD, 2) != HIVE_OK) return;
    out->of.agg.items[0] = p2_u64((uint64_t)st->st_ino);
    out->of.agg.items[1] = p2_u64((uint64_t)st->st_dev);
}

#define DESC(i)                                                         \
    p2_obj *d##i = desc_arg(call, args, i);                             \
    if (!d##i) return hv_p2_trap(call, "unknown descriptor handle")

/* ---- descriptor methods ---- */

P2_FN(d_read_via_stream) {
    DESC(0);
    if (!(d0->dflags & P2_DF_READ) || d0->dtype == P2_DT_DIR) return fs_result(&res[0], WASI_EBADF, NULL);
    uint32_t rep;
    if (hv_p2_new_file_stream(P2_CTX, P2_INPUT, d0->fd, args[1].of.u, 0, &rep) < 0)
        return hv_p2_trap(call, "too many host objects");
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return fs_result(&res[0], 0, &h);
}

static hive_host_status write_stream(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                     uint64_t offset, int append) {
    DESC(0);
    if (!(d0->dflags & P2_DF_WRITE) || d0->dtype == P2_DT_DIR) return fs_result(&res[0], WASI_EBADF, NULL);
    uint32_t rep;
    if (hv_p2_new_file_stream(P2_CTX, P2_OUTPUT, d0->fd, offset, append, &rep) < 0)
        return hv_p2_trap(call, "too many host objects");
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return fs_result(&res[0], 0, &h);
}

P2_FN(d_write_via_stream) { return write_stream(call, args, res, args[1].of.u, 0); }
P2_FN(d_append_via_stream) { return write_stream(call, args, res, 0, 1); }

P2_FN(d_advise) {
    DESC(0);
    if (d0->dtype == P2_DT_DIR) return fs_result(&res[0], WASI_EBADF, NULL);
    return fs_result(&res[0], hv_wfs_advise(d0->fd, args[1].of.u, args[2].of.u, args[3].of.var.index), NULL);
}

P2_FN(d_sync_data) {
    DESC(0);
    return fs_result(&res[0], hv_wfs_sync(d0->fd, 1), NULL);
}

P2_FN(d_sync) {
    DESC(0);
    return fs_result(&res[0], hv_wfs_sync(d0->fd, 0), NULL);
}

P2_FN(d_get_flags) {
    DESC(0);
    hive_cval f = hive_cval_flags(d0->dflags);
    return fs_result(&res[0], 0, &f);
}

P2_FN(d_get_type) {
    DESC(0);
    hive_cval t = hive_cval_enum(d0->dtype);
    return fs_result(&res[0], 0, &t);
}

P2_FN(d_set_size) {
    DESC(0);
    return fs_result(&res[0], hv_wfs_set_size(d0->fd, d0->dtype, d0->dflags, args[1].of.u), NULL);
}

P2_FN(d_set_times) {
    DESC(0);
    struct timespec ts[2];
    ts_of(&args[1], &ts[0]);
    ts_of(&args[2], &ts[1]);
    return fs_result(&res[0], hv_wfs_set_times(d0->fd, ts), NULL);
}

P2_FN(d_read) {
    DESC(0);
    hive_wasip2 *p = P2_CTX;
    if (d0->dtype == P2_DT_DIR) return fs_result(&res[0], WASI_EISDIR, NULL);
    if (!(d0->dflags & P2_DF_READ)) return fs_result(&res[0], WASI_EBADF, NULL);
    uint64_t len = args[1].of.u, off = args[2].of.u;
    if (off > INT64_MAX) return fs_result(&res[0], WASI_EINVAL, NULL);
    if (len > p->b.max_list) len = p->b.max_list;
    uint8_t *b = malloc(len ? (size_t)len : 1);
    if (!b) return hv_p2_trap(call, "out of memory");
    ssize_t n;
    do n = pread(d0->fd, b, (size_t)len, (off_t)off);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        uint32_t e = HOSTERR();
        free(b);
        return fs_result(&res[0], e, NULL);
    }
    hive_cval t;
    if (hive_cval_agg(&t, HIVE_C_TUPLE, 2) != HIVE_OK) {
        free(b);
        return hv_p2_trap(call, "out of memory");
    }
    if (hv_p2_bytes_adopt(&t.of.agg.items[0], b, (size_t)n, (size_t)len) < 0) {
        hive_cval_clear(&t);
        return hv_p2_trap(call, "out of memory");
    }
    t.of.agg.items[1] = hive_cval_bool(n == 0 && len > 0);
    return fs_result(&res[0], 0, &t);
}

P2_FN(d_write) {
    DESC(0);
    if (d0->dtype == P2_DT_DIR) return fs_result(&res[0], WASI_EISDIR, NULL);
    if (!(d0->dflags & P2_DF_WRITE)) return fs_result(&res[0], WASI_EBADF, NULL);
    uint64_t off = args[2].of.u;
    if (off > INT64_MAX) return fs_result(&res[0], WASI_EINVAL, NULL);
    const uint8_t *b;
    uint8_t *tofree;
    size_t n;
    if (hv_p2_bytes_from(&args[1], &b, &n, &tofree) < 0) return hv_p2_trap(call, "out of memory");
    ssize_t w;
    do w = pwrite(d0->fd, b, n, (off_t)off);
    while (w < 0 && errno == EINTR);
    uint32_t e = w < 0 ? HOSTERR() : 0;
    free(tofree);
    hive_cval v = p2_u64(w < 0 ? 0 : (uint64_t)w);
    return fs_result(&res[0], e, e ? NULL : &v);
}

P2_FN(d_read_directory) {
    DESC(0);
    if (d0->dtype != P2_DT_DIR) return fs_result(&res[0], WASI_ENOTDIR, NULL);
    int fd = openat(d0->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fs_result(&res[0], HOSTERR(), NULL);
    DIR *dir = fdopendir(fd);
    if (!dir) {
        uint32_t e = HOSTERR();
        close(fd);
        return fs_result(&res[0], e, NULL);
    }
    uint32_t rep;
    p2_obj *o = hv_p2_new(P2_CTX, P2_DIRSTREAM, &rep);
    if (!o) {
        closedir(dir);
        return hv_p2_trap(call, "too many host objects");
    }
    o->dir = dir;
    o->fd = fd;
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return fs_result(&res[0], 0, &h);
}

P2_FN(dir_read_entry) {
    p2_obj *o = hv_p2_get(P2_CTX, P2_REP(0), P2_DIRSTREAM);
    if (!o) return hv_p2_trap(call, "unknown directory-entry-stream handle");
    struct dirent *de;
    for (;;) {
        errno = 0;
        de = readdir(o->dir);
        if (!de) {
            if (errno) return fs_result(&res[0], HOSTERR(), NULL);
            hive_cval none;
            hive_cval_case(&none, HIVE_C_OPTION, 0, NULL);
            return fs_result(&res[0], 0, &none);
        }
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) break;
    }
    hive_cval ent, some;
    if (hive_cval_agg(&ent, HIVE_C_RECORD, 2) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    ent.of.agg.items[0] = hive_cval_enum(hv_wfs_dirent_type(o->fd, de));
    if (hive_cval_string(&ent.of.agg.items[1], de->d_name, strlen(de->d_name)) != HIVE_OK) {
        /* a name that is not UTF-8 cannot be a WIT string */
        hive_cval_clear(&ent);
        return fs_result(&res[0], WASI_EILSEQ, NULL);
    }
    if (hive_cval_case(&some, HIVE_C_OPTION, 1, &ent) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    return fs_result(&res[0], 0, &some);
}

P2_FN(d_create_directory_at) {
    DESC(0);
    NEED_DIR(d0);
    return fs_result(&res[0], hv_wfs_create_directory_at(SB, d0->fd, STR(1)), NULL);
}

P2_FN(d_stat) {
    DESC(0);
    struct stat st;
    if (fstat(d0->fd, &st) < 0) return fs_result(&res[0], HOSTERR(), NULL);
    hive_cval v;
    if (stat_val(&v, &st) < 0) return hv_p2_trap(call, "out of memory");
    return fs_result(&res[0], 0, &v);
}

P2_FN(d_stat_at) {
    DESC(0);
    NEED_DIR(d0);
    struct stat st;
    uint32_t e = hv_wfs_stat_at(SB, d0->fd, args[1].of.flags & 1, STR(2), &st);
    if (e) return fs_result(&res[0], e, NULL);
    hive_cval v;
    if (stat_val(&v, &st) < 0) return hv_p2_trap(call, "out of memory");
    return fs_result(&res[0], 0, &v);
}

P2_FN(d_set_times_at) {
    DESC(0);
    NEED_DIR(d0);
    struct timespec ts[2];
    ts_of(&args[3], &ts[0]);
    ts_of(&args[4], &ts[1]);
    return fs_result(&res[0], hv_wfs_set_times_at(SB, d0->fd, args[1].of.flags & 1, STR(2), ts), NULL);
}

P2_FN(d_link_at) {
    DESC(0);
    DESC(3);
    NEED_DIR(d3);
    NEED_DIR(d0);
    return fs_result(&res[0], hv_wfs_link_at(SB, d0->fd, args[1].of.flags & 1, STR(2), d3->fd, STR(4)), NULL);
}

P2_FN(d_open_at) {
    DESC(0);
    hive_wasip2 *p = P2_CTX;
    uint32_t pf = (uint32_t)args[1].of.flags, of = (uint32_t)args[3].of.flags,
             df = (uint32_t)args[4].of.flags;
    NEED_DIR(d0);
    int rd = (df & P2_DF_READ) != 0, wr = (df & P2_DF_WRITE) || (of & WFS_OF_TRUNCATE);
    int fd;
    struct stat st;
    uint32_t e = hv_wfs_open_at(&p->b.sandbox, d0->fd, pf & 1, STR(2), of, rd, wr, df, &fd, &st);
    if (e) return fs_result(&res[0], e, NULL);
    uint32_t rep, parent_mutate = d0->dflags & P2_DF_MUTATE; /* d0 moves with the table */
    p2_obj *o = hv_p2_new(p, P2_DESC, &rep);
    if (!o) {
        close(fd);
        return hv_p2_trap(call, "too many host objects");
    }
    o->fd = fd;
    o->owned = 1;
    o->dtype = hv_wfs_dtype_of_mode(st.st_mode);
    o->dflags = df & ~P2_DF_MUTATE;
    if (o->dtype == P2_DT_DIR) o->dflags = (df & P2_DF_READ) | parent_mutate;
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return fs_result(&res[0], 0, &h);
}

P2_FN(d_readlink_at) {
    DESC(0);
    NEED_DIR(d0);
    char *buf;
    size_t n;
    uint32_t e = hv_wfs_readlink_at(SB, d0->fd, STR(1), &buf, &n);
    hive_cval s;
    if (!e && hive_cval_string(&s, buf, n) != HIVE_OK) e = WASI_EILSEQ;
    free(buf);
    return fs_result(&res[0], e, e ? NULL : &s);
}

P2_FN(d_remove_directory_at) {
    DESC(0);
    NEED_DIR(d0);
    return fs_result(&res[0], hv_wfs_remove_directory_at(SB, d0->fd, STR(1)), NULL);
}

P2_FN(d_rename_at) {
    DESC(0);
    DESC(2);
    NEED_DIR(d0);
    NEED_DIR(d2);
    return fs_result(&res[0], hv_wfs_rename_at(SB, d0->fd, STR(1), d2->fd, STR(3)), NULL);
}

P2_FN(d_symlink_at) {
    DESC(0);
    NEED_DIR(d0);
    return fs_result(&res[0], hv_wfs_symlink_at(SB, d0->fd, STR(1), STR(2)), NULL);
}

P2_FN(d_unlink_file_at) {
    DESC(0);
    NEED_DIR(d0);
    return fs_result(&res[0], hv_wfs_unlink_file_at(SB, d0->fd, STR(1)), NULL);
}

P2_FN(d_is_same_object) {
    DESC(0);
    DESC(1);
    struct stat a, b;
    int same = fstat(d0->fd, &a) == 0 && fstat(d1->fd, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
    res[0] = hive_cval_bool(same);
    return HIVE_HOST_OK;
}

P2_FN(d_metadata_hash) {
    DESC(0);
    struct stat st;
    if (fstat(d0->fd, &st) < 0) return fs_result(&res[0], HOSTERR(), NULL);
    hive_cval v;
    hash_val(&v, &st);
    if (v.kind == HIVE_C_NONE) return hv_p2_trap(call, "out of memory");
    return fs_result(&res[0], 0, &v);
}

P2_FN(d_metadata_hash_at) {
    DESC(0);
    NEED_DIR(d0);
    struct stat st;
    uint32_t e = hv_wfs_stat_at(SB, d0->fd, args[1].of.flags & 1, STR(2), &st);
    if (e) return fs_result(&res[0], e, NULL);
    hive_cval v;
    hash_val(&v, &st);
    if (v.kind == HIVE_C_NONE) return hv_p2_trap(call, "out of memory");
    return fs_result(&res[0], 0, &v);
}

P2_FN(fs_error_code) {
    p2_obj *o = hv_p2_get(P2_CTX, P2_REP(0), P2_ERROR);
    if (!o) return hv_p2_trap(call, "unknown error handle");
    if (!o->code) {
        if (hive_cval_case(&res[0], HIVE_C_OPTION, 0, NULL) != HIVE_OK) return hv_p2_trap(call, "out of memory");
        return HIVE_HOST_OK;
    }
    hive_cval c = hive_cval_enum(hv_p2_fs_code(o->code - 1));
    if (hive_cval_case(&res[0], HIVE_C_OPTION, 1, &c) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

/* ---- preopens ---- */

P2_FN(get_directories) {
    hive_wasip2 *p = P2_CTX;
    if (hive_cval_agg(&res[0], HIVE_C_LIST, p->b.npre) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    for (size_t i = 0; i < p->b.npre; i++) {
        int fd = fcntl(p->b.pre[i].fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return hv_p2_trap(call, "out of file descriptors");
        uint32_t rep;
        p2_obj *o = hv_p2_new(p, P2_DESC, &rep);
        if (!o) {
            close(fd);
            return hv_p2_trap(call, "too many host objects");
        }
        o->fd = fd;
        o->owned = 1;
        o->dtype = P2_DT_DIR;
        o->dflags = P2_DF_READ | P2_DF_MUTATE;
        hive_cval *t = &res[0].of.agg.items[i];
        if (hive_cval_agg(t, HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p2_trap(call, "out of memory");
        t->of.agg.items[0] = hive_cval_handle(HIVE_C_OWN, rep, NULL);
        if (hive_cval_string(&t->of.agg.items[1], p->b.pre[i].name, strlen(p->b.pre[i].name)) != HIVE_OK)
            return hv_p2_trap(call, "preopen name: out of memory or not UTF-8");
    }
    return HIVE_HOST_OK;
}

/* ---- definitions ---- */

int hv_p2_define_fs(hive_wasip2 *p, hive_linker *l) {
    int rc;
    if ((rc = hv_p2_define_resource(p, l, FS_TYPES, "descriptor")) ||
        (rc = hv_p2_define_resource(p, l, FS_TYPES, "directory-entry-stream")))
        return rc;
    static const p2_fndef types[] = {
        {"[method]descriptor.read-via-stream", "func(" SELF ", offset: u64) -> " R(OWN_IN),
         d_read_via_stream},
        {"[method]descriptor.write-via-stream", "func(" SELF ", offset: u64) -> " R(OWN_OUT),
         d_write_via_stream},
        {"[method]descriptor.append-via-stream", "func(" SELF ") -> " R(OWN_OUT),
         d_append_via_stream},
        {"[method]descriptor.advise", "func(" SELF ", offset: u64, length: u64, advice: " ADVICE ") -> " R0,
         d_advise},
        {"[method]descriptor.sync-data", "func(" SELF ") -> " R0, d_sync_data},
        {"[method]descriptor.get-flags", "func(" SELF ") -> " R(DF), d_get_flags},
        {"[method]descriptor.get-type", "func(" SELF ") -> " R(DT), d_get_type},
        {"[method]descriptor.set-size", "func(" SELF ", size: u64) -> " R0, d_set_size},
        {"[method]descriptor.set-times",
         "func(" SELF ", data-access-timestamp: " NEWTS ", data-modification-timestamp: " NEWTS ") -> " R0,
         d_set_times},
        {"[method]descriptor.read", "func(" SELF ", length: u64, offset: u64) -> " R("tuple<list<u8>, bool>"),
         d_read},
        {"[method]descriptor.write", "func(" SELF ", buffer: list<u8>, offset: u64) -> " R("u64"), d_write},
        {"[method]descriptor.read-directory", "func(" SELF ") -> " R("own<directory-entry-stream>"),
         d_read_directory},
        {"[method]descriptor.sync", "func(" SELF ") -> " R0, d_sync},
        {"[method]descriptor.create-directory-at", "func(" SELF ", path: string) -> " R0,
         d_create_directory_at},
        {"[method]descriptor.stat", "func(" SELF ") -> " R(STAT), d_stat},
        {"[method]descriptor.stat-at", "func(" SELF ", path-flags: " PF ", path: string) -> " R(STAT),
         d_stat_at},
        {"[method]descriptor.set-times-at",
         "func(" SELF ", path-flags: " PF ", path: string, data-access-timestamp: " NEWTS
         ", data-modification-timestamp: " NEWTS ") -> " R0,
         d_set_times_at},
        {"[method]descriptor.link-at",
         "func(" SELF ", old-path-flags: " PF ", old-path: string, new-descriptor: borrow<descriptor>, "
         "new-path: string) -> " R0,
         d_link_at},
        {"[method]descriptor.open-at",
         "func(" SELF ", path-flags: " PF ", path: string, open-flags: " OF ", %flags: " DF ") -> "
         R("own<descriptor>"),
         d_open_at},
        {"[method]descriptor.readlink-at", "func(" SELF ", path: string) -> " R("string"), d_readlink_at},
        {"[method]descriptor.remove-directory-at", "func(" SELF ", path: string) -> " R0,
         d_remove_directory_at},
        {"[method]descriptor.rename-at",
         "func(" SELF ", old-path: string, new-descriptor: borrow<descriptor>, new-path: string) -> " R0,
         d_rename_at},
        {"[method]descriptor.symlink-at", "func(" SELF ", old-path: string, new-path: string) -> " R0,
         d_symlink_at},
        {"[method]descriptor.unlink-file-at", "func(" SELF ", path: string) -> " R0, d_unlink_file_at},
        {"[method]descriptor.is-same-object", "func(" SELF ", other: borrow<descriptor>) -> bool",
         d_is_same_object},
        {"[method]descriptor.metadata-hash", "func(" SELF ") -> " R(MHV), d_metadata_hash},
        {"[method]descriptor.metadata-hash-at", "func(" SELF ", path-flags: " PF ", path: string) -> " R(MHV),
         d_metadata_hash_at},
        {"[method]directory-entry-stream.read-directory-entry",
         "func(self: borrow<directory-entry-stream>) -> " R("option<" DE ">"), dir_read_entry},
        {"filesystem-error-code", "func(err: borrow<wasi:io/error" P2_V "#error>) -> option<" EC ">", fs_error_code},
    };
    static const p2_fndef pre[] = {
        {"get-directories", "func() -> list<tuple<own<" FS_TYPES "#descriptor>, string>>", get_directories},
    };
    if ((rc = hv_p2_define_funcs(p, l, FS_TYPES, types, P2_COUNT(types))) ||
        (rc = hv_p2_define_funcs(p, l, FS_PREOPENS, pre, P2_COUNT(pre))))
        return rc;
    return HIVE_OK;
}
