/*
 * fsops.c -- the filesystem operations of wasi:filesystem on host fds,
 * shared by WASI 0.2 and 0.3 (fsops.h). Paths go through the preview-1
 * sandbox (path.c: hv_wasi_path_open_beneath, hv_wasi_path_parent); trailing
 * slashes follow preview 1's rules (fs.c: hv_wasi_trailing_check,
 * hv_wasi_new_name_trailing).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi/fsops.h"

#define HOSTERR() hive_wasi_errno_from_host(errno)

uint8_t hv_wfs_dtype_of_mode(mode_t m) {
    if (S_ISREG(m)) return WFS_DT_FILE;
    if (S_ISDIR(m)) return WFS_DT_DIR;
    if (S_ISLNK(m)) return WFS_DT_SYMLINK;
    if (S_ISCHR(m)) return WFS_DT_CHAR;
    if (S_ISBLK(m)) return WFS_DT_BLOCK;
    if (S_ISFIFO(m)) return WFS_DT_FIFO;
    if (S_ISSOCK(m)) return WFS_DT_SOCKET;
    return WFS_DT_UNKNOWN;
}

uint8_t hv_wfs_dirent_type(int dirfd, const struct dirent *de) {
    switch (de->d_type) {
    case DT_REG: return WFS_DT_FILE;
    case DT_DIR: return WFS_DT_DIR;
    case DT_LNK: return WFS_DT_SYMLINK;
    case DT_CHR: return WFS_DT_CHAR;
    case DT_BLK: return WFS_DT_BLOCK;
    case DT_FIFO: return WFS_DT_FIFO;
    case DT_SOCK: return WFS_DT_SOCKET;
    default: {
        struct stat st;
        return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? hv_wfs_dtype_of_mode(st.st_mode)
                                                                       : WFS_DT_UNKNOWN;
    }
    }
}

uint32_t hv_wfs_path_copy(const char *s, size_t n, char **out) {
    *out = NULL;
    if (!s && n) return WASI_EINVAL;
    if (n && memchr(s, 0, n)) return WASI_EILSEQ;
    if (n >= PATH_MAX) return WASI_ENAMETOOLONG;
    *out = malloc(n + 1);
    if (!*out) return WASI_ENOMEM;
    if (n) memcpy(*out, s, n);
    (*out)[n] = 0;
    return 0;
}

void hv_wfs_path_fini(wfs_path *a) {
    if (a->close_parent) close(a->parent);
    free(a->buf);
    a->buf = NULL;
    a->close_parent = 0;
}

uint32_t hv_wfs_path_get(hive_wasi *sb, int dirfd, const char *s, size_t n, wfs_path *a) {
    memset(a, 0, sizeof *a);
    a->parent = -1;
    uint32_t e = hv_wfs_path_copy(s, n, &a->buf);
    if (e) return e;
    if (n > 1 && a->buf[n - 1] == '/') {
        /* "link/" goes through the symlink: one that leads out is refused
         * as any escape is (the operation itself works on the name) */
        int fd;
        if (hv_wasi_path_open_beneath(sb, dirfd, a->buf, O_PATH, 0, &fd) == WASI_ENOTCAPABLE)
            return WASI_ENOTCAPABLE;
        if (fd >= 0) close(fd);
    }
    return hv_wasi_path_parent(sb, dirfd, a->buf, &a->parent, &a->close_parent, &a->name, &a->trailing);
}

uint32_t hv_wfs_open_path(hive_wasi *sb, int dirfd, const char *s, size_t n, int follow, int *fd) {
    char *path;
    *fd = -1;
    uint32_t e = hv_wfs_path_copy(s, n, &path);
    if (e) return e;
    e = hv_wasi_path_open_beneath(sb, dirfd, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0, fd);
    free(path);
    return e;
}

uint32_t hv_wfs_open_at(hive_wasi *sb, int dirfd, int follow, const char *s, size_t n, uint32_t of, int rd,
                     int wr, uint32_t df, int *out, struct stat *st) {
    *out = -1;
    if ((of & WFS_OF_DIRECTORY) && (of & WFS_OF_CREATE)) return WASI_EINVAL;
    int flags = (rd && wr) ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
    /* O_NONBLOCK: opening a fifo must not wait for its other end */
    flags |= O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    if (of & WFS_OF_CREATE) flags |= O_CREAT;
    if (of & WFS_OF_DIRECTORY) flags |= O_DIRECTORY;
    if (of & WFS_OF_EXCLUSIVE) flags |= O_EXCL;
    if (of & WFS_OF_TRUNCATE) flags |= O_TRUNC;
    if (df & WFS_DF_FSYNC) flags |= O_SYNC;
    if (df & WFS_DF_DSYNC) flags |= O_DSYNC;
    if (df & WFS_DF_RSYNC) flags |= O_RSYNC;
    if (!follow) flags |= O_NOFOLLOW;
    char *path;
    uint32_t e = hv_wfs_path_copy(s, n, &path);
    if (e) return e;
    int fd;
    e = hv_wasi_path_open_beneath(sb, dirfd, path, flags, 0666, &fd);
    free(path);
    if (e) return e;
    if (fstat(fd, st) < 0) {
        e = HOSTERR();
        close(fd);
        return e;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *out = fd;
    return 0;
}

uint32_t hv_wfs_stat_at(hive_wasi *sb, int dirfd, int follow, const char *s, size_t n, struct stat *st) {
    int fd;
    uint32_t e = hv_wfs_open_path(sb, dirfd, s, n, follow, &fd);
    if (e) return e;
    e = fstat(fd, st) < 0 ? HOSTERR() : 0;
    close(fd);
    return e;
}

uint32_t hv_wfs_create_directory_at(hive_wasi *sb, int dirfd, const char *s, size_t n) {
    wfs_path a;
    uint32_t e = hv_wfs_path_get(sb, dirfd, s, n, &a);
    if (!e && mkdirat(a.parent, a.name, 0777) < 0) e = HOSTERR();
    hv_wfs_path_fini(&a);
    return e;
}

uint32_t hv_wfs_remove_directory_at(hive_wasi *sb, int dirfd, const char *s, size_t n) {
    wfs_path a;
    uint32_t e = hv_wfs_path_get(sb, dirfd, s, n, &a);
    if (!e && unlinkat(a.parent, a.name, AT_REMOVEDIR) < 0) e = HOSTERR();
    hv_wfs_path_fini(&a);
    return e;
}

uint32_t hv_wfs_unlink_file_at(hive_wasi *sb, int dirfd, const char *s, size_t n) {
    wfs_path a;
    uint32_t e = hv_wfs_path_get(sb, dirfd, s, n, &a);
    if (!e) {
        if (a.trailing) {
            e = hv_wasi_trailing_check(a.parent, a.name); /* "file/" ENOTDIR, "dir/" EISDIR */
            if (!e) e = WASI_EISDIR;
        } else if (unlinkat(a.parent, a.name, 0) < 0) {
            e = HOSTERR();
        }
    }
    hv_wfs_path_fini(&a);
    return e;
}

uint32_t hv_wfs_rename_at(hive_wasi *sb, int d1, const char *s1, size_t n1, int d2, const char *s2, size_t n2) {
    wfs_path a1, a2;
    uint32_t e = hv_wfs_path_get(sb, d1, s1, n1, &a1);
    if (e) {
        hv_wfs_path_fini(&a1);
        return e;
    }
    e = hv_wfs_path_get(sb, d2, s2, n2, &a2);
    if (!e && (a1.trailing || a2.trailing)) e = hv_wasi_trailing_check(a1.parent, a1.name);
    if (!e && renameat(a1.parent, a1.name, a2.parent, a2.name) < 0) e = HOSTERR();
    hv_wfs_path_fini(&a1);
    hv_wfs_path_fini(&a2);
    return e;
}

uint32_t hv_wfs_link_at(hive_wasi *sb, int d1, int follow, const char *s1, size_t n1, int d2, const char *s2,
                     size_t n2) {
    wfs_path a2;
    uint32_t e = hv_wfs_path_get(sb, d2, s2, n2, &a2);
    if (!e && a2.trailing) e = hv_wasi_new_name_trailing(a2.parent, a2.name);
    if (e) {
        hv_wfs_path_fini(&a2);
        return e;
    }
    if (follow) {
        /* the source, symlinks followed, resolved beneath first: linkat's
         * own following would not be confined */
        int fd;
        if (!(e = hv_wfs_open_path(sb, d1, s1, n1, 1, &fd))) {
            if (linkat(fd, "", a2.parent, a2.name, AT_EMPTY_PATH) < 0) {
                char proc[64];
                snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
                if (errno != ENOENT && errno != EPERM) e = HOSTERR();
                else if (linkat(AT_FDCWD, proc, a2.parent, a2.name, AT_SYMLINK_FOLLOW) < 0) e = HOSTERR();
            }
            close(fd);
        }
    } else {
        wfs_path a1;
        e = hv_wfs_path_get(sb, d1, s1, n1, &a1);
        if (!e && a1.trailing) e = hv_wasi_trailing_check(a1.parent, a1.name);
        if (!e && linkat(a1.parent, a1.name, a2.parent, a2.name, 0) < 0) e = HOSTERR();
        hv_wfs_path_fini(&a1);
    }
    hv_wfs_path_fini(&a2);
    return e;
}

uint32_t hv_wfs_symlink_at(hive_wasi *sb, int dirfd, const char *ts, size_t tn, const char *s, size_t n) {
    char *target;
    uint32_t e = hv_wfs_path_copy(ts, tn, &target);
    if (e) return e;
    if (target[0] == '/') {
        free(target); /* would point out of the sandbox */
        return WASI_ENOTCAPABLE;
    }
    wfs_path a;
    if (!(e = hv_wfs_path_get(sb, dirfd, s, n, &a))) {
        if (a.trailing) e = hv_wasi_new_name_trailing(a.parent, a.name);
        else if (symlinkat(target, a.parent, a.name) < 0) e = HOSTERR();
    }
    hv_wfs_path_fini(&a);
    free(target);
    return e;
}

uint32_t hv_wfs_readlink_at(hive_wasi *sb, int dirfd, const char *s, size_t n, char **out, size_t *outn) {
    *out = NULL;
    *outn = 0;
    wfs_path a;
    char *buf = NULL;
    ssize_t r = 0;
    uint32_t e = hv_wfs_path_get(sb, dirfd, s, n, &a);
    if (!e) {
        if (a.trailing) {
            e = hv_wasi_trailing_check(a.parent, a.name);
            if (!e) e = WASI_EINVAL;
        } else if (!(buf = malloc(PATH_MAX))) {
            e = WASI_ENOMEM;
        } else if ((r = readlinkat(a.parent, a.name, buf, PATH_MAX)) < 0) {
            e = HOSTERR();
        }
    }
    hv_wfs_path_fini(&a);
    if (e) {
        free(buf);
        return e;
    }
    *out = buf;
    *outn = (size_t)r;
    return 0;
}

static uint32_t times_check(const struct timespec ts[2]) {
    for (int i = 0; i < 2; i++)
        if (ts[i].tv_nsec != UTIME_OMIT && ts[i].tv_nsec != UTIME_NOW &&
            (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000L))
            return WASI_EINVAL;
    return 0;
}

uint32_t hv_wfs_set_times(int fd, const struct timespec ts[2]) {
    uint32_t e = times_check(ts);
    if (!e && futimens(fd, ts) < 0) e = HOSTERR();
    return e;
}

uint32_t hv_wfs_set_times_at(hive_wasi *sb, int dirfd, int follow, const char *s, size_t n,
                          const struct timespec ts[2]) {
    uint32_t e = times_check(ts);
    if (e) return e;
    if (follow) {
        int fd;
        if ((e = hv_wfs_open_path(sb, dirfd, s, n, 1, &fd))) return e;
        if (utimensat(fd, "", ts, AT_EMPTY_PATH) < 0) {
            /* kernels without AT_EMPTY_PATH for utimensat: through /proc */
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            if (errno != EINVAL && errno != ENOENT) e = HOSTERR();
            else if (utimensat(AT_FDCWD, proc, ts, 0) < 0) e = HOSTERR();
        }
        close(fd);
        return e;
    }
    wfs_path a;
    if (!(e = hv_wfs_path_get(sb, dirfd, s, n, &a)))
        if (utimensat(a.parent, a.name, ts, AT_SYMLINK_NOFOLLOW) < 0) e = HOSTERR();
    hv_wfs_path_fini(&a);
    return e;
}

uint32_t hv_wfs_advise(int fd, uint64_t offset, uint64_t len, uint32_t advice) {
    static const int adv[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                              POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (offset > INT64_MAX || len > INT64_MAX) return WASI_EINVAL;
    int r = posix_fadvise(fd, (off_t)offset, (off_t)len, adv[advice < 6 ? advice : 0]);
    return r && r != ESPIPE ? hive_wasi_errno_from_host(r) : 0;
}

uint32_t hv_wfs_sync(int fd, int data_only) {
    int r = data_only ? fdatasync(fd) : fsync(fd);
    /* EINVAL: a file that does not support syncing (a pipe, a device) */
    return r < 0 && errno != EINVAL ? HOSTERR() : 0;
}

uint32_t hv_wfs_set_size(int fd, uint8_t dtype, uint32_t dflags, uint64_t size) {
    if (dtype == WFS_DT_DIR) return WASI_EISDIR;
    if (!(dflags & WFS_DF_WRITE)) return WASI_EBADF;
    if (size > INT64_MAX) return WASI_EFBIG;
    return ftruncate(fd, (off_t)size) < 0 ? HOSTERR() : 0;
}
