/*
 * fs.c -- the fd_* and path_* functions of WASI preview 1.
 *
 * Each checks the guest fd and its rights, every guest pointer (through
 * wasi_mem), then does the host call and maps errno exactly
 * (hive_wasi_errno_from_host). Paths go through path.c, which keeps them
 * beneath their directory fd.
 *
 * Reads and writes never block the thread: a host fd that is not a
 * regular file (pipe, tty, socket) is polled first and, when it is not
 * ready, the call returns WASI_PENDING with the fd in the wait set; fds
 * the guest opens are O_NONBLOCK; writes to borrowed pipes are cut to
 * PIPE_BUF so that a ready pipe takes them whole. An embedder stream that
 * answers -EAGAIN makes the call pending too. A guest fd with the
 * NONBLOCK flag gets EAGAIN instead of waiting.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define A32(i) (a[i].of.i32)
#define A64(i) (a[i].of.i64)
#define HOSTERR() hive_wasi_errno_from_host(errno)

/* ---- shared pieces ------------------------------------------------------ */

/* Does this host fd behave like a stream (may have to wait)? */
static int fd_is_stream(const wasi_fd *e) {
    return e->filetype != WASI_FILETYPE_REGULAR_FILE && e->filetype != WASI_FILETYPE_DIRECTORY &&
           e->filetype != WASI_FILETYPE_BLOCK_DEVICE;
}

/* Checks that host fd e is ready for events now; if not, either EAGAIN
 * (guest asked for NONBLOCK) or PENDING with the fd in the wait set.
 * Returns 0 when ready. */
static uint32_t fd_ready_or_wait(wasi_call *c, wasi_fd *e, short events) {
    struct pollfd p = {e->host, events, 0};
    int n = poll(&p, 1, 0);
    if (n < 0) return HOSTERR();
    if (n > 0) return 0; /* ready, or an error/hangup the call will report */
    if (e->fdflags & WASI_FDFLAG_NONBLOCK) return WASI_EAGAIN;
    if (hv_wasi_wait_fd(c->w, e->host, events) < 0) return WASI_ENOMEM;
    return WASI_PENDING;
}

/* Fills a 64-byte WASI filestat from a host stat. */
static void filestat_store(uint8_t *p, const struct stat *st) {
    wasi_st64(p + 0, (uint64_t)st->st_dev);
    wasi_st64(p + 8, (uint64_t)st->st_ino);
    memset(p + 16, 0, 8);
    p[16] = hv_wasi_filetype_of_mode(st->st_mode);
    wasi_st64(p + 24, (uint64_t)st->st_nlink);
    wasi_st64(p + 32, (uint64_t)st->st_size);
    wasi_st64(p + 40, (uint64_t)st->st_atim.tv_sec * 1000000000u + (uint64_t)st->st_atim.tv_nsec);
    wasi_st64(p + 48, (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec);
    wasi_st64(p + 56, (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec);
}

/* Turns WASI (atim, mtim, fstflags) into utimensat's two timespecs. */
static uint32_t times_from(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]) {
    if (fst & ~0xfu) return WASI_EINVAL;
    if ((fst & WASI_FST_ATIM) && (fst & WASI_FST_ATIM_NOW)) return WASI_EINVAL;
    if ((fst & WASI_FST_MTIM) && (fst & WASI_FST_MTIM_NOW)) return WASI_EINVAL;
    ts[0].tv_sec = 0;
    ts[1].tv_sec = 0;
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_nsec = UTIME_OMIT;
    if (fst & WASI_FST_ATIM_NOW) ts[0].tv_nsec = UTIME_NOW;
    if (fst & WASI_FST_ATIM) {
        ts[0].tv_sec = (time_t)(atim / 1000000000u);
        ts[0].tv_nsec = (long)(atim % 1000000000u);
    }
    if (fst & WASI_FST_MTIM_NOW) ts[1].tv_nsec = UTIME_NOW;
    if (fst & WASI_FST_MTIM) {
        ts[1].tv_sec = (time_t)(mtim / 1000000000u);
        ts[1].tv_nsec = (long)(mtim % 1000000000u);
    }
    return 0;
}

/* ---- reading and writing ------------------------------------------------- */

/* Reads from an embedder stream into the iovecs. */
static uint32_t stream_read(wasi_call *c, wasi_fd *e, struct iovec *iov, int cnt, size_t *done) {
    hive_wasi_stream *s = &c->w->streams[e->stream];
    size_t total = 0;
    for (int i = 0; i < cnt; i++) {
        if (!iov[i].iov_len) continue;
        if (!s->read) break;
        int64_t r = s->read(s->ud, iov[i].iov_base, iov[i].iov_len);
        if (r == -HIVE_WASI_EAGAIN) {
            if (total) break;
            if (e->fdflags & WASI_FDFLAG_NONBLOCK) return WASI_EAGAIN;
            c->w->wait_streams |= 1u << e->stream;
            return WASI_PENDING;
        }
        if (r < 0) {
            if (total) break;
            return (uint32_t)-r;
        }
        if ((uint64_t)r > iov[i].iov_len) r = (int64_t)iov[i].iov_len; /* a confused callback */
        total += (size_t)r;
        if ((size_t)r < iov[i].iov_len) break;
    }
    *done = total;
    return 0;
}

/* Writes the iovecs to an embedder stream. */
static uint32_t stream_write(wasi_call *c, wasi_fd *e, struct iovec *iov, int cnt, size_t *done) {
    hive_wasi_stream *s = &c->w->streams[e->stream];
    size_t total = 0;
    for (int i = 0; i < cnt; i++) {
        if (!iov[i].iov_len) continue;
        if (!s->write) return total ? 0 : WASI_EBADF;
        int64_t r = s->write(s->ud, iov[i].iov_base, iov[i].iov_len);
        if (r == -HIVE_WASI_EAGAIN) {
            if (total) break;
            if (e->fdflags & WASI_FDFLAG_NONBLOCK) return WASI_EAGAIN;
            c->w->wait_streams |= 1u << e->stream;
            return WASI_PENDING;
        }
        if (r < 0) {
            if (total) break;
            return (uint32_t)-r;
        }
        if ((uint64_t)r > iov[i].iov_len) r = (int64_t)iov[i].iov_len;
        total += (size_t)r;
        if ((size_t)r < iov[i].iov_len) break;
    }
    *done = total;
    return 0;
}

/* fd_read and fd_pread: offset < 0 means "at the current position". */
static uint32_t do_read(wasi_call *c, uint32_t fd, uint32_t iovs, uint32_t n, int64_t offset,
                        uint32_t nread_ptr) {
    uint32_t err;
    uint64_t need = WASI_R_FD_READ | (offset >= 0 ? WASI_R_FD_SEEK : 0);
    wasi_fd *e = hv_wasi_fd_get(c->w, fd, need, &err);
    if (!e) return err;
    if (!wasi_mem(c, nread_ptr, 4)) return WASI_EFAULT;
    struct iovec iov[WASI_IOV_MAX];
    int cnt;
    size_t total, done = 0;
    if ((err = hv_wasi_iovs_load(c, iovs, n, iov, &cnt, &total))) return err;
    switch (e->kind) {
    case WASI_FD_NULL: break;
    case WASI_FD_STREAM:
        if (offset >= 0) return WASI_ESPIPE;
        if ((err = stream_read(c, e, iov, cnt, &done))) return err;
        break;
    default: {
        if (e->filetype == WASI_FILETYPE_DIRECTORY) return WASI_EISDIR;
        if (total == 0) break;
        if (offset < 0 && fd_is_stream(e) && (err = fd_ready_or_wait(c, e, POLLIN))) return err;
        ssize_t r = offset >= 0 ? preadv(e->host, iov, cnt, offset) : readv(e->host, iov, cnt);
        if (r < 0) {
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && !(e->fdflags & WASI_FDFLAG_NONBLOCK)) {
                if (hv_wasi_wait_fd(c->w, e->host, POLLIN) < 0) return WASI_ENOMEM;
                return WASI_PENDING;
            }
            return HOSTERR();
        }
        done = (size_t)r;
    }
    }
    return hv_wasi_put32(c, nread_ptr, (uint32_t)done);
}

/* fd_write and fd_pwrite: offset < 0 means "at the current position". */
static uint32_t do_write(wasi_call *c, uint32_t fd, uint32_t iovs, uint32_t n, int64_t offset,
                         uint32_t nwritten_ptr) {
    uint32_t err;
    uint64_t need = WASI_R_FD_WRITE | (offset >= 0 ? WASI_R_FD_SEEK : 0);
    wasi_fd *e = hv_wasi_fd_get(c->w, fd, need, &err);
    if (!e) return err;
    if (!wasi_mem(c, nwritten_ptr, 4)) return WASI_EFAULT;
    struct iovec iov[WASI_IOV_MAX];
    int cnt;
    size_t total, done = 0;
    if ((err = hv_wasi_iovs_load(c, iovs, n, iov, &cnt, &total))) return err;
    switch (e->kind) {
    case WASI_FD_NULL: done = total; break;
    case WASI_FD_STREAM:
        if (offset >= 0) return WASI_ESPIPE;
        if ((err = stream_write(c, e, iov, cnt, &done))) return err;
        break;
    default: {
        if (e->filetype == WASI_FILETYPE_DIRECTORY) return WASI_EISDIR;
        if (total == 0) break;
        if (offset < 0 && fd_is_stream(e)) {
            if ((err = fd_ready_or_wait(c, e, POLLOUT))) return err;
            if (!e->owned && e->filetype != WASI_FILETYPE_CHARACTER_DEVICE) {
                /* A borrowed blocking pipe or socket: a ready one takes
                 * PIPE_BUF bytes without blocking; more might block. */
                size_t room = PIPE_BUF;
                int k = 0;
                while (k < cnt && room) {
                    if (iov[k].iov_len > room) iov[k].iov_len = room;
                    room -= iov[k].iov_len;
                    k++;
                }
                cnt = k;
            }
        }
        ssize_t r = offset >= 0 ? pwritev(e->host, iov, cnt, offset) : writev(e->host, iov, cnt);
        if (r < 0) {
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && !(e->fdflags & WASI_FDFLAG_NONBLOCK)) {
                if (hv_wasi_wait_fd(c->w, e->host, POLLOUT) < 0) return WASI_ENOMEM;
                return WASI_PENDING;
            }
            return HOSTERR();
        }
        done = (size_t)r;
    }
    }
    return hv_wasi_put32(c, nwritten_ptr, (uint32_t)done);
}

WASI_DECL(fd_read) { return do_read(c, A32(0), A32(1), A32(2), -1, A32(3)); }
WASI_DECL(fd_write) { return do_write(c, A32(0), A32(1), A32(2), -1, A32(3)); }

WASI_DECL(fd_pread) {
    if ((int64_t)A64(3) < 0) return WASI_EINVAL;
    return do_read(c, A32(0), A32(1), A32(2), (int64_t)A64(3), A32(4));
}

WASI_DECL(fd_pwrite) {
    if ((int64_t)A64(3) < 0) return WASI_EINVAL;
    return do_write(c, A32(0), A32(1), A32(2), (int64_t)A64(3), A32(4));
}

/* ---- fd state ------------------------------------------------------------ */

WASI_DECL(fd_close) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), 0, &err);
    if (!e) return err;
    hv_wasi_fd_release(e);
    return 0;
}

WASI_DECL(fd_renumber) {
    uint32_t err, from = A32(0), to = A32(1);
    wasi_fd *ef = hv_wasi_fd_get(c->w, from, 0, &err);
    if (!ef) return err;
    wasi_fd *et = hv_wasi_fd_get(c->w, to, 0, &err);
    if (!et) return err;
    if (from == to) return 0;
    hv_wasi_fd_release(et);
    *et = *ef;
    memset(ef, 0, sizeof *ef);
    ef->host = -1;
    return 0;
}

WASI_DECL(fd_seek) {
    uint32_t err, whence = A32(2);
    int64_t off = (int64_t)A64(1);
    uint64_t need = (whence == 1 && off == 0) ? WASI_R_FD_TELL : WASI_R_FD_SEEK;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), 0, &err);
    if (!e) return err;
    if ((e->rights & need) != need && (e->rights & WASI_R_FD_SEEK) != WASI_R_FD_SEEK)
        return fd_is_stream(e) ? WASI_ESPIPE : WASI_ENOTCAPABLE;
    if (!wasi_mem(c, A32(3), 8)) return WASI_EFAULT;
    if (whence > 2) return WASI_EINVAL;
    if (e->kind != WASI_FD_HOST) return WASI_ESPIPE;
    static const int hw[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
    off_t r = lseek(e->host, (off_t)off, hw[whence]);
    if (r < 0) return HOSTERR();
    return hv_wasi_put64(c, A32(3), (uint64_t)r);
}

WASI_DECL(fd_tell) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), 0, &err);
    if (!e) return err;
    if (!(e->rights & WASI_R_FD_TELL)) return fd_is_stream(e) ? WASI_ESPIPE : WASI_ENOTCAPABLE;
    if (!wasi_mem(c, A32(1), 8)) return WASI_EFAULT;
    if (e->kind != WASI_FD_HOST) return WASI_ESPIPE;
    off_t r = lseek(e->host, 0, SEEK_CUR);
    if (r < 0) return HOSTERR();
    return hv_wasi_put64(c, A32(1), (uint64_t)r);
}

WASI_DECL(fd_fdstat_get) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), 0, &err);
    if (!e) return err;
    uint8_t *p = wasi_mem(c, A32(1), 24);
    if (!p) return WASI_EFAULT;
    memset(p, 0, 24);
    p[0] = e->filetype;
    wasi_st16(p + 2, e->fdflags);
    wasi_st64(p + 8, e->rights);
    wasi_st64(p + 16, e->inheriting);
    return 0;
}

WASI_DECL(fd_fdstat_set_flags) {
    uint32_t err, flags = A32(1);
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_FDSTAT_SET_FLAGS, &err);
    if (!e) return err;
    if (flags & ~0x1fu) return WASI_EINVAL;
    const uint32_t syncs = WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC;
    /* Linux cannot change the sync flags of an open file. */
    if ((flags & syncs) != (e->fdflags & syncs)) return WASI_ENOTSUP;
    if (e->kind == WASI_FD_HOST && e->owned) {
        int fl = fcntl(e->host, F_GETFL);
        if (fl < 0) return HOSTERR();
        fl = (flags & WASI_FDFLAG_APPEND) ? fl | O_APPEND : fl & ~O_APPEND;
        if (fcntl(e->host, F_SETFL, fl) < 0) return HOSTERR();
    }
    /* NONBLOCK is ours to honour (see the file header); a borrowed host fd
     * is shared with the embedder, so its own flags stay as they are. */
    e->fdflags = (uint16_t)flags;
    return 0;
}

WASI_DECL(fd_fdstat_set_rights) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), 0, &err);
    if (!e) return err;
    uint64_t base = A64(1), inh = A64(2);
    if ((base & ~e->rights) || (inh & ~e->inheriting)) return WASI_ENOTCAPABLE;
    e->rights = base;
    e->inheriting = inh;
    return 0;
}

WASI_DECL(fd_filestat_get) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_FILESTAT_GET, &err);
    if (!e) return err;
    uint8_t *p = wasi_mem(c, A32(1), 64);
    if (!p) return WASI_EFAULT;
    if (e->kind != WASI_FD_HOST) {
        memset(p, 0, 64);
        p[16] = e->filetype;
        return 0;
    }
    struct stat st;
    if (fstat(e->host, &st) < 0) return HOSTERR();
    filestat_store(p, &st);
    return 0;
}

WASI_DECL(fd_filestat_set_size) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_FILESTAT_SET_SIZE, &err);
    if (!e) return err;
    if (e->kind != WASI_FD_HOST) return WASI_EINVAL;
    if (A64(1) > INT64_MAX) return WASI_EFBIG;
    if (ftruncate(e->host, (off_t)A64(1)) < 0) return HOSTERR();
    return 0;
}

WASI_DECL(fd_filestat_set_times) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_FILESTAT_SET_TIMES, &err);
    if (!e) return err;
    struct timespec ts[2];
    if ((err = times_from(A64(1), A64(2), A32(3), ts))) return err;
    if (e->kind != WASI_FD_HOST) return WASI_ENOTSUP;
    if (futimens(e->host, ts) < 0) return HOSTERR();
    return 0;
}

WASI_DECL(fd_advise) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_ADVISE, &err);
    if (!e) return err;
    static const int adv[6] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
    if (A32(3) > 5) return WASI_EINVAL;
    if (e->kind != WASI_FD_HOST) return WASI_ESPIPE;
    if ((int64_t)A64(1) < 0 || (int64_t)A64(2) < 0) return WASI_EINVAL;
    int r = posix_fadvise(e->host, (off_t)A64(1), (off_t)A64(2), adv[A32(3)]);
    return r ? hive_wasi_errno_from_host(r) : 0;
}

WASI_DECL(fd_allocate) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_ALLOCATE, &err);
    if (!e) return err;
    if (e->kind != WASI_FD_HOST) return WASI_ESPIPE;
    if ((int64_t)A64(1) < 0 || (int64_t)A64(2) <= 0) return WASI_EINVAL;
    if (A64(1) + A64(2) > INT64_MAX) return WASI_EFBIG;
    int r = posix_fallocate(e->host, (off_t)A64(1), (off_t)A64(2));
    return r ? hive_wasi_errno_from_host(r) : 0;
}

WASI_DECL(fd_sync) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_SYNC, &err);
    if (!e) return err;
    if (e->kind != WASI_FD_HOST) return WASI_EINVAL;
    return fsync(e->host) < 0 ? HOSTERR() : 0;
}

WASI_DECL(fd_datasync) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_DATASYNC, &err);
    if (!e) return err;
    if (e->kind != WASI_FD_HOST) return WASI_EINVAL;
    return fdatasync(e->host) < 0 ? HOSTERR() : 0;
}

/* ---- preopens and directories ---------------------------------------------- */

WASI_DECL(fd_prestat_get) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), 0, &err);
    if (!e) return err;
    if (!e->preopen) return WASI_EBADF;
    uint8_t *p = wasi_mem(c, A32(1), 8);
    if (!p) return WASI_EFAULT;
    memset(p, 0, 8); /* tag 0: a directory */
    wasi_st32(p + 4, (uint32_t)e->preopen_len);
    return 0;
}

WASI_DECL(fd_prestat_dir_name) {
    uint32_t err;
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), 0, &err);
    if (!e) return err;
    if (!e->preopen) return WASI_EBADF;
    uint8_t *p = wasi_mem(c, A32(1), A32(2));
    if (!p) return WASI_EFAULT;
    if (A32(2) < e->preopen_len) return WASI_ENAMETOOLONG;
    memcpy(p, e->preopen, e->preopen_len);
    return 0;
}

/* The WASI filetype of a getdents64 entry. */
static uint8_t dirent_type(int dirfd, const char *name, unsigned char t) {
    switch (t) {
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    case DT_FIFO: return WASI_FILETYPE_UNKNOWN;
    default: {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return hv_wasi_filetype_of_mode(st.st_mode);
        return WASI_FILETYPE_UNKNOWN;
    }
    }
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Cookies are the host's d_off values: the position to seek to for the
 * entry after. A guest buffer that ends inside an entry gets the entry's
 * first bytes and bufused == buf_len, as the spec says. */
WASI_DECL(fd_readdir) {
    uint32_t err, len = A32(2);
    wasi_fd *e = hv_wasi_fd_get(c->w, A32(0), WASI_R_FD_READDIR, &err);
    if (!e) return err;
    uint8_t *out = wasi_mem(c, A32(1), len);
    if (!out || !wasi_mem(c, A32(4), 4)) return WASI_EFAULT;
    if (e->kind != WASI_FD_HOST || e->filetype != WASI_FILETYPE_DIRECTORY) return WASI_ENOTDIR;
    if (A64(3) > INT64_MAX) return WASI_EINVAL;
    if (lseek(e->host, (off_t)A64(3), SEEK_SET) < 0) return HOSTERR();
    char *hbuf = malloc(32768);
    if (!hbuf) return WASI_ENOMEM;
    uint32_t used = 0;
    while (used < len) {
        long n = syscall(SYS_getdents64, e->host, hbuf, 32768);
        if (n < 0) {
            err = HOSTERR();
            free(hbuf);
            return err;
        }
        if (n == 0) break;
        for (long o = 0; o < n && used < len;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(void *)(hbuf + o);
            o += d->d_reclen;
            size_t nl = strlen(d->d_name);
            uint8_t hdr[24];
            memset(hdr, 0, sizeof hdr);
            wasi_st64(hdr, (uint64_t)d->d_off);
            wasi_st64(hdr + 8, d->d_ino);
            wasi_st32(hdr + 16, (uint32_t)nl);
            hdr[20] = dirent_type(e->host, d->d_name, d->d_type);
            uint32_t room = len - used;
            uint32_t k = room < 24 ? room : 24;
            memcpy(out + used, hdr, k);
            used += k;
            room = len - used;
            k = room < nl ? room : (uint32_t)nl;
            memcpy(out + used, d->d_name, k);
            used += k;
        }
    }
    free(hbuf);
    return hv_wasi_put32(c, A32(4), used);
}

/* ---- paths ---------------------------------------------------------------- */

/* A path argument resolved to (parent dir fd, last name). */
typedef struct path_arg {
    char *buf;
    int parent;
    int close_parent;
    const char *name;
    int trailing;
} path_arg;

static void path_arg_fini(path_arg *p) {
    if (p->close_parent) close(p->parent);
    free(p->buf);
}

/* Copies and resolves guest path [ptr, ptr+len) relative to dir entry d. */
static uint32_t path_arg_get(wasi_call *c, wasi_fd *d, uint32_t ptr, uint32_t len, path_arg *p) {
    memset(p, 0, sizeof *p);
    p->parent = -1;
    if (d->kind != WASI_FD_HOST || d->filetype != WASI_FILETYPE_DIRECTORY) return WASI_ENOTDIR;
    uint32_t err = hv_wasi_path_copy(c, ptr, len, &p->buf);
    if (err) return err;
    return hv_wasi_path_parent(c->w, d->host, p->buf, &p->parent, &p->close_parent, &p->name,
                            &p->trailing);
}

/* Opens guest path [ptr, ptr+len) beneath dir entry d (O_PATH). */
static uint32_t path_open_path(wasi_call *c, wasi_fd *d, uint32_t ptr, uint32_t len, int follow,
                               int *fd) {
    if (d->kind != WASI_FD_HOST || d->filetype != WASI_FILETYPE_DIRECTORY) return WASI_ENOTDIR;
    char *path;
    uint32_t err = hv_wasi_path_copy(c, ptr, len, &path);
    if (err) return err;
    err = hv_wasi_path_open_beneath(c->w, d->host, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0, fd);
    free(path);
    return err;
}

WASI_DECL(path_open) {
    uint32_t err, dirflags = A32(1), oflags = A32(4), fdflags = A32(7);
    uint64_t base = A64(5), inh = A64(6);
    uint64_t need = WASI_R_PATH_OPEN;
    if (oflags & WASI_OFLAG_CREAT) need |= WASI_R_PATH_CREATE_FILE;
    if (oflags & WASI_OFLAG_TRUNC) need |= WASI_R_PATH_FILESTAT_SET_SIZE;
    wasi_fd *d = hv_wasi_fd_get(c->w, A32(0), need, &err);
    if (!d) return err;
    if (!wasi_mem(c, A32(8), 4)) return WASI_EFAULT;
    if ((oflags & ~0xfu) || (fdflags & ~0x1fu)) return WASI_EINVAL;
    /* Nothing creates a directory this way (Linux before 6.4 would make a
     * regular file of it). */
    if ((oflags & WASI_OFLAG_DIRECTORY) && (oflags & WASI_OFLAG_CREAT)) return WASI_EINVAL;
    if ((base & ~d->inheriting) || (inh & ~d->inheriting)) return WASI_ENOTCAPABLE;
    if (d->kind != WASI_FD_HOST || d->filetype != WASI_FILETYPE_DIRECTORY) return WASI_ENOTDIR;
    /* The access mode the rights need: writing for FD_WRITE (and TRUNC,
     * APPEND), or for FD_ALLOCATE / FD_FILESTAT_SET_SIZE, which a
     * read-only host fd cannot do either. Those two do not apply to a
     * directory: one opened with them is opened again read-only, and the
     * rights it gets leave them out. FD_WRITE on a directory is EISDIR. */
    int rd = (base & (WASI_R_FD_READ | WASI_R_FD_READDIR)) != 0;
    int wr_asked = (base & WASI_R_FD_WRITE) || (fdflags & WASI_FDFLAG_APPEND) ||
                   (oflags & WASI_OFLAG_TRUNC);
    int wr = wr_asked || (base & (WASI_R_FD_ALLOCATE | WASI_R_FD_FILESTAT_SET_SIZE));
    int flags = (rd && wr) ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
    flags |= O_NONBLOCK | O_NOCTTY;
    if (oflags & WASI_OFLAG_CREAT) flags |= O_CREAT;
    if (oflags & WASI_OFLAG_DIRECTORY) flags |= O_DIRECTORY;
    if (oflags & WASI_OFLAG_EXCL) flags |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC) flags |= O_TRUNC;
    if (fdflags & WASI_FDFLAG_APPEND) flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_DSYNC) flags |= O_DSYNC;
    if (fdflags & WASI_FDFLAG_SYNC) flags |= O_SYNC;
    if (fdflags & WASI_FDFLAG_RSYNC) flags |= O_RSYNC;
    if (!(dirflags & WASI_LOOKUP_SYMLINK_FOLLOW)) flags |= O_NOFOLLOW;
    char *path;
    if ((err = hv_wasi_path_copy(c, A32(2), A32(3), &path))) return err;
    int fd;
    err = hv_wasi_path_open_beneath(c->w, d->host, path, flags, 0666, &fd);
    if (err == WASI_EISDIR && wr && !wr_asked)
        err = hv_wasi_path_open_beneath(c->w, d->host, path, (flags & ~O_ACCMODE) | O_RDONLY, 0666,
                                     &fd);
    free(path);
    if (err) return err;
    uint32_t gfd;
    wasi_fd *e = hv_wasi_fd_alloc(c->w, &gfd);
    if (!e) {
        close(fd);
        return WASI_ENFILE;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        err = HOSTERR();
        close(fd);
        hv_wasi_fd_release(e);
        return err;
    }
    e->kind = WASI_FD_HOST;
    e->host = fd;
    e->owned = 1;
    e->filetype = hv_wasi_filetype_of_mode(st.st_mode);
    uint64_t mask = e->filetype == WASI_FILETYPE_DIRECTORY      ? WASI_RIGHTS_DIR
                    : e->filetype == WASI_FILETYPE_REGULAR_FILE ? WASI_RIGHTS_FILE
                    : e->filetype == WASI_FILETYPE_BLOCK_DEVICE ? WASI_RIGHTS_FILE
                    : e->filetype == WASI_FILETYPE_CHARACTER_DEVICE && !isatty(fd)
                        ? WASI_RIGHTS_CHARDEV
                        : WASI_RIGHTS_STREAM;
    e->rights = base & mask;
    e->inheriting = e->filetype == WASI_FILETYPE_DIRECTORY ? inh : 0;
    e->fdflags = (uint16_t)fdflags;
    return hv_wasi_put32(c, A32(8), gfd);
}

WASI_DECL(path_create_directory) {
    uint32_t err;
    wasi_fd *d = hv_wasi_fd_get(c->w, A32(0), WASI_R_PATH_CREATE_DIRECTORY, &err);
    if (!d) return err;
    path_arg p;
    if (!(err = path_arg_get(c, d, A32(1), A32(2), &p)))
        if (mkdirat(p.parent, p.name, 0777) < 0) err = HOSTERR();
    path_arg_fini(&p);
    return err;
}

WASI_DECL(path_remove_directory) {
    uint32_t err;
    wasi_fd *d = hv_wasi_fd_get(c->w, A32(0), WASI_R_PATH_REMOVE_DIRECTORY, &err);
    if (!d) return err;
    path_arg p;
    if (!(err = path_arg_get(c, d, A32(1), A32(2), &p)))
        if (unlinkat(p.parent, p.name, AT_REMOVEDIR) < 0) err = HOSTERR();
    path_arg_fini(&p);
    return err;
}

/* With a trailing slash the path must name a directory: the error a file
 * at (parent, name) gets, or 0 when it is a directory. */
uint32_t hv_wasi_trailing_check(int parent, const char *name) {
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return HOSTERR();
    return S_ISDIR(st.st_mode) ? 0 : WASI_ENOTDIR;
}
static uint32_t trailing_check(const path_arg *p) { return hv_wasi_trailing_check(p->parent, p->name); }

WASI_DECL(path_unlink_file) {
    uint32_t err;
    wasi_fd *d = hv_wasi_fd_get(c->w, A32(0), WASI_R_PATH_UNLINK_FILE, &err);
    if (!d) return err;
    path_arg p;
    if (!(err = path_arg_get(c, d, A32(1), A32(2), &p))) {
        if (p.trailing) {
            err = trailing_check(&p); /* "file/" is ENOTDIR, "dir/" EISDIR */
            if (!err) err = WASI_EISDIR;
        } else if (unlinkat(p.parent, p.name, 0) < 0) {
            err = HOSTERR();
        }
    }
    path_arg_fini(&p);
    return err;
}

WASI_DECL(path_rename) {
    uint32_t err;
    wasi_fd *d1 = hv_wasi_fd_get(c->w, A32(0), WASI_R_PATH_RENAME_SOURCE, &err);
    if (!d1) return err;
    wasi_fd *d2 = hv_wasi_fd_get(c->w, A32(3), WASI_R_PATH_RENAME_TARGET, &err);
    if (!d2) return err;
    path_arg p1, p2;
    err = path_arg_get(c, d1, A32(1), A32(2), &p1);
    if (err) {
        path_arg_fini(&p1);
        return err;
    }
    err = path_arg_get(c, d2, A32(4), A32(5), &p2);
    if (!err && (p1.trailing || p2.trailing)) err = trailing_check(&p1);
    if (!err && renameat(p1.parent, p1.name, p2.parent, p2.name) < 0) err = HOSTERR();
    path_arg_fini(&p1);
    path_arg_fini(&p2);
    return err;
}

/* For a new name given with a trailing slash (symlink, link), which can
 * only name a directory: EEXIST when a directory is there, ENOTDIR when
 * something else is, else ENOENT (Linux would say EEXIST for a file too;
 * "file/" is not a directory, as unlink and rename say). */
uint32_t hv_wasi_new_name_trailing(int parent, const char *name) {
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return WASI_ENOENT;
    return S_ISDIR(st.st_mode) ? WASI_EEXIST : WASI_ENOTDIR;
}
static uint32_t new_name_trailing(const path_arg *p) { return hv_wasi_new_name_trailing(p->parent, p->name); }

WASI_DECL(path_link) {
    uint32_t err, follow = A32(1) & WASI_LOOKUP_SYMLINK_FOLLOW;
    wasi_fd *d1 = hv_wasi_fd_get(c->w, A32(0), WASI_R_PATH_LINK_SOURCE, &err);
    if (!d1) return err;
    wasi_fd *d2 = hv_wasi_fd_get(c->w, A32(4), WASI_R_PATH_LINK_TARGET, &err);
    if (!d2) return err;
    path_arg p2;
    if ((err = path_arg_get(c, d2, A32(5), A32(6), &p2))) {
        path_arg_fini(&p2);
        return err;
    }
    if (p2.trailing) {
        err = new_name_trailing(&p2);
        path_arg_fini(&p2);
        return err;
    }
    if (follow) {
        /* The source, symlinks followed, resolved beneath first: linkat's
         * own following would not be confined. */
        int fd;
        if (!(err = path_open_path(c, d1, A32(2), A32(3), 1, &fd))) {
            if (linkat(fd, "", p2.parent, p2.name, AT_EMPTY_PATH) < 0) {
                char proc[64];
                snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
                if (errno != ENOENT && errno != EPERM) err = HOSTERR();
                else if (linkat(AT_FDCWD, proc, p2.parent, p2.name, AT_SYMLINK_FOLLOW) < 0)
                    err = HOSTERR();
            }
            close(fd);
        }
    } else {
        path_arg p1;
        err = path_arg_get(c, d1, A32(2), A32(3), &p1);
        if (!err && p1.trailing) err = trailing_check(&p1);
        if (!err && linkat(p1.parent, p1.name, p2.parent, p2.name, 0) < 0) err = HOSTERR();
        path_arg_fini(&p1);
    }
    path_arg_fini(&p2);
    return err;
}

WASI_DECL(path_symlink) {
    uint32_t err;
    wasi_fd *d = hv_wasi_fd_get(c->w, A32(2), WASI_R_PATH_SYMLINK, &err);
    if (!d) return err;
    char *target;
    if ((err = hv_wasi_path_copy(c, A32(0), A32(1), &target))) return err;
    if (target[0] == '/') {
        free(target); /* would point out of the sandbox */
        return WASI_ENOTCAPABLE;
    }
    path_arg p;
    if (!(err = path_arg_get(c, d, A32(3), A32(4), &p))) {
        if (p.trailing) err = new_name_trailing(&p);
        else if (symlinkat(target, p.parent, p.name) < 0) err = HOSTERR();
    }
    path_arg_fini(&p);
    free(target);
    return err;
}

WASI_DECL(path_readlink) {
    uint32_t err, buflen = A32(4);
    wasi_fd *d = hv_wasi_fd_get(c->w, A32(0), WASI_R_PATH_READLINK, &err);
    if (!d) return err;
    uint8_t *out = wasi_mem(c, A32(3), buflen);
    if (!out || !wasi_mem(c, A32(5), 4)) return WASI_EFAULT;
    path_arg p;
    char *hbuf = NULL;
    ssize_t n = 0;
    if (!(err = path_arg_get(c, d, A32(1), A32(2), &p))) {
        if (p.trailing) {
            /* "x/" names a directory, never a symlink: EINVAL for a
             * directory, else what a missing or non-directory x gets. */
            err = trailing_check(&p);
            if (!err) err = WASI_EINVAL;
        } else if (!(hbuf = malloc(PATH_MAX))) {
            err = WASI_ENOMEM;
        } else if ((n = readlinkat(p.parent, p.name, hbuf, PATH_MAX)) < 0) {
            err = HOSTERR();
        } else {
            uint32_t k = (size_t)n < buflen ? (uint32_t)n : buflen;
            memcpy(out, hbuf, k);
            err = hv_wasi_put32(c, A32(5), k);
        }
    }
    free(hbuf);
    path_arg_fini(&p);
    return err;
}

WASI_DECL(path_filestat_get) {
    uint32_t err;
    wasi_fd *d = hv_wasi_fd_get(c->w, A32(0), WASI_R_PATH_FILESTAT_GET, &err);
    if (!d) return err;
    uint8_t *out = wasi_mem(c, A32(4), 64);
    if (!out) return WASI_EFAULT;
    int fd;
    if ((err = path_open_path(c, d, A32(2), A32(3), A32(1) & WASI_LOOKUP_SYMLINK_FOLLOW, &fd)))
        return err;
    struct stat st;
    if (fstat(fd, &st) < 0) err = HOSTERR();
    else filestat_store(out, &st);
    close(fd);
    return err;
}

WASI_DECL(path_filestat_set_times) {
    uint32_t err;
    wasi_fd *d = hv_wasi_fd_get(c->w, A32(0), WASI_R_PATH_FILESTAT_SET_TIMES, &err);
    if (!d) return err;
    struct timespec ts[2];
    if ((err = times_from(A64(4), A64(5), A32(6), ts))) return err;
    if (A32(1) & WASI_LOOKUP_SYMLINK_FOLLOW) {
        int fd;
        if ((err = path_open_path(c, d, A32(2), A32(3), 1, &fd))) return err;
        if (utimensat(fd, "", ts, AT_EMPTY_PATH) < 0) {
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            if (errno != EINVAL && errno != ENOENT) err = HOSTERR();
            else if (utimensat(AT_FDCWD, proc, ts, 0) < 0) err = HOSTERR();
        }
        close(fd);
        return err;
    }
    path_arg p;
    if (!(err = path_arg_get(c, d, A32(2), A32(3), &p)))
        if (utimensat(p.parent, p.name, ts, AT_SYMLINK_NOFOLLOW) < 0) err = HOSTERR();
    path_arg_fini(&p);
    return err;
}
