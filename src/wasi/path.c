/*
 * path.c -- guest paths, resolved so that they never leave the directory
 * they are relative to.
 *
 * Where the kernel has openat2(2), RESOLVE_BENEATH does the work: it fails
 * (EXDEV) on absolute paths, on ".." above the start, and on symlinks that
 * lead out, atomically with respect to concurrent renames. Elsewhere (and
 * with HIVE_WASI_FORCE_PATH_WALK) a component walk does the same: each
 * component is opened O_PATH|O_NOFOLLOW relative to the previous one and
 * checked through its fd, ".." pops the walk's own stack of fds (never the
 * file system's ".."), and symlinks are expanded by hand, refusing
 * absolute targets. Either way an escape is ENOTCAPABLE.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define WALK_MAX_LINKS 40  /* symlinks per resolution, as Linux's ELOOP limit */
#define WALK_MAX_DEPTH 256 /* directory fds held by one walk */

/* Is s[0..n) valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF)? */
static int utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if ((b & 0xe0) == 0xc0) len = 2, cp = b & 0x1f;
        else if ((b & 0xf0) == 0xe0) len = 3, cp = b & 0x0f;
        else if ((b & 0xf8) == 0xf0) len = 4, cp = b & 0x07;
        else return 0;
        if (n - i < len) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

uint32_t hv_wasi_path_copy(wasi_call *c, uint32_t ptr, uint32_t len, char **out) {
    *out = NULL;
    const uint8_t *p = wasi_mem(c, ptr, len);
    if (!p) return WASI_EFAULT;
    if (len >= PATH_MAX) return WASI_ENAMETOOLONG;
    if (memchr(p, 0, len) || !utf8_valid(p, len)) return WASI_EILSEQ;
    char *s = malloc((size_t)len + 1);
    if (!s) return WASI_ENOMEM;
    memcpy(s, p, len);
    s[len] = '\0';
    *out = s;
    return 0;
}

/* ---- the component walk ------------------------------------------------- */

/* State of one walk: the stack of directory fds below the start (the start
 * itself, borrowed, is depth 0), and the path still to walk. */
typedef struct walk {
    int fds[WALK_MAX_DEPTH + 1];
    int depth;
    char *rest; /* heap; grows when symlinks are expanded */
} walk;

static int walk_top(const walk *k) { return k->fds[k->depth]; }

static void walk_fini(walk *k) {
    for (int i = 1; i <= k->depth; i++) close(k->fds[i]);
    free(k->rest);
}

/* Replaces the walk's remaining path with target + "/" + after (after may
 * be empty; a trailing slash is kept when there was one). */
static uint32_t walk_expand(walk *k, const char *target, const char *after, int slash) {
    if (target[0] == '/') return WASI_ENOTCAPABLE; /* absolute symlink: leads out */
    size_t tl = strlen(target), al = strlen(after);
    if (tl + al + 2 >= PATH_MAX) return WASI_ENAMETOOLONG;
    char *r = malloc(tl + al + 3);
    if (!r) return WASI_ENOMEM;
    memcpy(r, target, tl);
    size_t o = tl;
    if (al || slash) r[o++] = '/';
    memcpy(r + o, after, al + 1);
    free(k->rest);
    k->rest = r;
    return 0;
}

/* Reads the symlink name in the walk's current directory. */
static uint32_t walk_readlink(walk *k, const char *name, char *buf) {
    ssize_t n = readlinkat(walk_top(k), name, buf, PATH_MAX - 1);
    if (n < 0) return hive_wasi_errno_from_host(errno);
    buf[n] = '\0';
    return 0;
}

/* The fallback resolution: see the file header. */
static uint32_t walk_open(int dirfd, const char *path, int flags, mode_t mode, int *out) {
    walk k;
    k.fds[0] = dirfd;
    k.depth = 0;
    k.rest = strdup(path);
    if (!k.rest) return WASI_ENOMEM;
    int follow_last = !(flags & O_NOFOLLOW);
    int links = 0;
    uint32_t err = 0;
    char *linkbuf = malloc(PATH_MAX);
    if (!linkbuf) {
        walk_fini(&k);
        return WASI_ENOMEM;
    }
    for (;;) {
        /* Take the next component of k.rest. */
        char *p = k.rest;
        while (*p == '/') p++;
        if (!*p) {
            /* Nothing left (e.g. "a/" after "a"): open the current dir. */
            int fd = openat(walk_top(&k), ".", (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
            if (fd < 0) err = hive_wasi_errno_from_host(errno);
            else *out = fd;
            break;
        }
        char *end = strchr(p, '/');
        size_t clen = end ? (size_t)(end - p) : strlen(p);
        char comp[NAME_MAX + 1];
        if (clen > NAME_MAX) {
            err = WASI_ENAMETOOLONG;
            break;
        }
        memcpy(comp, p, clen);
        comp[clen] = '\0';
        const char *after = end ? end : "";
        while (*after == '/') after++;
        int slash = end != NULL; /* a slash follows: must be a directory */
        int last = *after == '\0';
        /* Keep the remaining path before we reuse k.rest. */
        char *after_copy = strdup(after);
        if (!after_copy) {
            err = WASI_ENOMEM;
            break;
        }
        if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
            if (comp[1] == '.') {
                if (k.depth == 0) {
                    free(after_copy);
                    err = WASI_ENOTCAPABLE;
                    break;
                }
                close(k.fds[k.depth--]);
            }
            free(k.rest);
            k.rest = after_copy;
            continue;
        }
        if (!last || slash) {
            /* An intermediate component: a directory, or a symlink to
             * follow. */
            int fd = openat(walk_top(&k), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            struct stat st;
            if (fd < 0 || fstat(fd, &st) < 0) {
                err = hive_wasi_errno_from_host(errno);
                if (fd >= 0) close(fd);
                free(after_copy);
                break;
            }
            if (S_ISLNK(st.st_mode)) {
                close(fd);
                if (++links > WALK_MAX_LINKS) err = WASI_ELOOP;
                if (!err) err = walk_readlink(&k, comp, linkbuf);
                if (!err) err = walk_expand(&k, linkbuf, after_copy, slash);
                free(after_copy);
                if (err) break;
                continue;
            }
            if (!S_ISDIR(st.st_mode)) {
                close(fd);
                free(after_copy);
                err = WASI_ENOTDIR;
                break;
            }
            if (k.depth == WALK_MAX_DEPTH) {
                close(fd);
                free(after_copy);
                err = WASI_ENAMETOOLONG;
                break;
            }
            k.fds[++k.depth] = fd;
            free(k.rest);
            k.rest = after_copy;
            continue;
        }
        free(after_copy);
        /* The last component: open it without following; a symlink there
         * is followed by hand when asked. */
        int fd = openat(walk_top(&k), comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        int e = errno;
        struct stat st;
        int is_link = 0;
        if (fd >= 0 && (flags & O_PATH)) {
            /* O_PATH|O_NOFOLLOW opens a symlink itself. */
            if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) is_link = 1;
        } else if (fd < 0 && (e == ELOOP || e == ENOTDIR || e == EMLINK)) {
            if (fstatat(walk_top(&k), comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                is_link = 1;
        }
        if (is_link && follow_last) {
            if (fd >= 0) close(fd);
            if (++links > WALK_MAX_LINKS) err = WASI_ELOOP;
            if (!err) err = walk_readlink(&k, comp, linkbuf);
            if (!err) err = walk_expand(&k, linkbuf, "", 0);
            if (err) break;
            continue;
        }
        if (is_link && !(flags & O_PATH)) {
            err = WASI_ELOOP;
            break;
        }
        if (fd < 0) err = hive_wasi_errno_from_host(e);
        else *out = fd;
        break;
    }
    free(linkbuf);
    walk_fini(&k);
    return err;
}

/* ---- openat2 -------------------------------------------------------------- */

uint32_t hv_wasi_path_open_beneath(hive_wasi *w, int dirfd, const char *path, int flags,
                                mode_t mode, int *out) {
    *out = -1;
    if (!path[0]) return WASI_ENOENT;
    if (path[0] == '/') return WASI_ENOTCAPABLE;
    flags |= O_CLOEXEC;
    if (!(w->flags & HIVE_WASI_FORCE_PATH_WALK) && !w->no_openat2) {
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = (uint64_t)flags;
        how.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        for (int tries = 0; tries < 8; tries++) {
            long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
            if (fd >= 0) {
                *out = (int)fd;
                return 0;
            }
            if (errno == EAGAIN) continue; /* a concurrent rename: try again */
            if (errno == ENOSYS || errno == EPERM) break; /* old kernel or seccomp */
            if (errno == EXDEV) return WASI_ENOTCAPABLE;
            return hive_wasi_errno_from_host(errno);
        }
        if (errno == ENOSYS || errno == EPERM) w->no_openat2 = 1;
    }
    return walk_open(dirfd, path, flags, mode, out);
}

uint32_t hv_wasi_path_parent(hive_wasi *w, int dirfd, char *path, int *parent, int *close_parent,
                          const char **name, int *trailing_slash) {
    *parent = -1;
    *close_parent = 0;
    *trailing_slash = 0;
    size_t n = strlen(path);
    if (!n) return WASI_ENOENT;
    if (path[0] == '/') return WASI_ENOTCAPABLE;
    while (n > 1 && path[n - 1] == '/') {
        path[--n] = '\0';
        *trailing_slash = 1;
    }
    char *slash = strrchr(path, '/');
    const char *last = slash ? slash + 1 : path;
    if (!strcmp(last, ".") || !strcmp(last, "..")) {
        /* The path names a directory itself: operate on "." inside it. */
        int fd;
        uint32_t err = hv_wasi_path_open_beneath(w, dirfd, path, O_PATH | O_DIRECTORY, 0, &fd);
        if (err) return err;
        *parent = fd;
        *close_parent = 1;
        *name = ".";
        return 0;
    }
    *name = last;
    if (!slash) {
        *parent = dirfd;
        return 0;
    }
    *slash = '\0';
    int fd;
    uint32_t err = hv_wasi_path_open_beneath(w, dirfd, path, O_PATH | O_DIRECTORY, 0, &fd);
    *slash = '/';
    if (err) return err;
    *parent = fd;
    *close_parent = 1;
    return 0;
}
