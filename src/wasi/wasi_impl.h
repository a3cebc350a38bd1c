/*
 * wasi_impl.h -- the inside of hive_wasi, shared by the files of
 * src/wasi: the context and its fd table (wasi.c), sandboxed path
 * resolution (path.c), the fd_* and path_* calls (fs.c), and clocks,
 * poll_oneoff, args/environ, random, proc and sock calls (misc.c).
 *
 * Every WASI function is implemented as
 *     uint32_t impl(wasi_call *c, const hive_val *args)
 * returning a WASI errno, or WASI_PENDING when it would wait (it has then
 * filled the wasi's wait set), or WASI_TRAPPED when it made the call trap
 * (proc_exit). Guest memory is reached only through wasi_mem(), which
 * checks every range.
 */
#ifndef HIVE_WASI_IMPL_H
#define HIVE_WASI_IMPL_H

#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "hive/wasi.h"

/* ---- WASI preview 1 constants (witx names) ----------------------------- */

enum {
    WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EADDRINUSE = 3,
    WASI_EADDRNOTAVAIL = 4, WASI_EAFNOSUPPORT = 5, WASI_EAGAIN = 6, WASI_EALREADY = 7,
    WASI_EBADF = 8, WASI_EBADMSG = 9, WASI_EBUSY = 10, WASI_ECANCELED = 11, WASI_ECHILD = 12,
    WASI_ECONNABORTED = 13, WASI_ECONNREFUSED = 14, WASI_ECONNRESET = 15, WASI_EDEADLK = 16,
    WASI_EDESTADDRREQ = 17, WASI_EDOM = 18, WASI_EDQUOT = 19, WASI_EEXIST = 20,
    WASI_EFAULT = 21, WASI_EFBIG = 22, WASI_EHOSTUNREACH = 23, WASI_EIDRM = 24,
    WASI_EILSEQ = 25, WASI_EINPROGRESS = 26, WASI_EINTR = 27, WASI_EINVAL = 28, WASI_EIO = 29,
    WASI_EISCONN = 30, WASI_EISDIR = 31, WASI_ELOOP = 32, WASI_EMFILE = 33, WASI_EMLINK = 34,
    WASI_EMSGSIZE = 35, WASI_EMULTIHOP = 36, WASI_ENAMETOOLONG = 37, WASI_ENETDOWN = 38,
    WASI_ENETRESET = 39, WASI_ENETUNREACH = 40, WASI_ENFILE = 41, WASI_ENOBUFS = 42,
    WASI_ENODEV = 43, WASI_ENOENT = 44, WASI_ENOEXEC = 45, WASI_ENOLCK = 46, WASI_ENOLINK = 47,
    WASI_ENOMEM = 48, WASI_ENOMSG = 49, WASI_ENOPROTOOPT = 50, WASI_ENOSPC = 51,
    WASI_ENOSYS = 52, WASI_ENOTCONN = 53, WASI_ENOTDIR = 54, WASI_ENOTEMPTY = 55,
    WASI_ENOTRECOVERABLE = 56, WASI_ENOTSOCK = 57, WASI_ENOTSUP = 58, WASI_ENOTTY = 59,
    WASI_ENXIO = 60, WASI_EOVERFLOW = 61, WASI_EOWNERDEAD = 62, WASI_EPERM = 63,
    WASI_EPIPE = 64, WASI_EPROTO = 65, WASI_EPROTONOSUPPORT = 66, WASI_EPROTOTYPE = 67,
    WASI_ERANGE = 68, WASI_EROFS = 69, WASI_ESPIPE = 70, WASI_ESRCH = 71, WASI_ESTALE = 72,
    WASI_ETIMEDOUT = 73, WASI_ETXTBSY = 74, WASI_EXDEV = 75, WASI_ENOTCAPABLE = 76
};

/* Not errnos: what an impl returns when the call waits or trapped. */
#define WASI_PENDING 0x10000u
#define WASI_TRAPPED 0x10001u

enum {
    WASI_FILETYPE_UNKNOWN = 0, WASI_FILETYPE_BLOCK_DEVICE = 1,
    WASI_FILETYPE_CHARACTER_DEVICE = 2, WASI_FILETYPE_DIRECTORY = 3,
    WASI_FILETYPE_REGULAR_FILE = 4, WASI_FILETYPE_SOCKET_DGRAM = 5,
    WASI_FILETYPE_SOCKET_STREAM = 6, WASI_FILETYPE_SYMBOLIC_LINK = 7
};

#define WASI_FDFLAG_APPEND 0x1u
#define WASI_FDFLAG_DSYNC 0x2u
#define WASI_FDFLAG_NONBLOCK 0x4u
#define WASI_FDFLAG_RSYNC 0x8u
#define WASI_FDFLAG_SYNC 0x10u

#define WASI_OFLAG_CREAT 0x1u
#define WASI_OFLAG_DIRECTORY 0x2u
#define WASI_OFLAG_EXCL 0x4u
#define WASI_OFLAG_TRUNC 0x8u

#define WASI_LOOKUP_SYMLINK_FOLLOW 0x1u

#define WASI_FST_ATIM 0x1u
#define WASI_FST_ATIM_NOW 0x2u
#define WASI_FST_MTIM 0x4u
#define WASI_FST_MTIM_NOW 0x8u

#define WASI_R_FD_DATASYNC (1ull << 0)
#define WASI_R_FD_READ (1ull << 1)
#define WASI_R_FD_SEEK (1ull << 2)
#define WASI_R_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define WASI_R_FD_SYNC (1ull << 4)
#define WASI_R_FD_TELL (1ull << 5)
#define WASI_R_FD_WRITE (1ull << 6)
#define WASI_R_FD_ADVISE (1ull << 7)
#define WASI_R_FD_ALLOCATE (1ull << 8)
#define WASI_R_PATH_CREATE_DIRECTORY (1ull << 9)
#define WASI_R_PATH_CREATE_FILE (1ull << 10)
#define WASI_R_PATH_LINK_SOURCE (1ull << 11)
#define WASI_R_PATH_LINK_TARGET (1ull << 12)
#define WASI_R_PATH_OPEN (1ull << 13)
#define WASI_R_FD_READDIR (1ull << 14)
#define WASI_R_PATH_READLINK (1ull << 15)
#define WASI_R_PATH_RENAME_SOURCE (1ull << 16)
#define WASI_R_PATH_RENAME_TARGET (1ull << 17)
#define WASI_R_PATH_FILESTAT_GET (1ull << 18)
#define WASI_R_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define WASI_R_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define WASI_R_FD_FILESTAT_GET (1ull << 21)
#define WASI_R_FD_FILESTAT_SET_SIZE (1ull << 22)
#define WASI_R_FD_FILESTAT_SET_TIMES (1ull << 23)
#define WASI_R_PATH_SYMLINK (1ull << 24)
#define WASI_R_PATH_REMOVE_DIRECTORY (1ull << 25)
#define WASI_R_PATH_UNLINK_FILE (1ull << 26)
#define WASI_R_POLL_FD_READWRITE (1ull << 27)
#define WASI_R_SOCK_SHUTDOWN (1ull << 28)
#define WASI_R_SOCK_ACCEPT (1ull << 29)
#define WASI_R_ALL ((1ull << 30) - 1)

/* Rights that make sense for a regular file / for a directory. */
#define WASI_RIGHTS_FILE                                                                   \
    (WASI_R_FD_DATASYNC | WASI_R_FD_READ | WASI_R_FD_SEEK | WASI_R_FD_FDSTAT_SET_FLAGS |   \
     WASI_R_FD_SYNC | WASI_R_FD_TELL | WASI_R_FD_WRITE | WASI_R_FD_ADVISE |                \
     WASI_R_FD_ALLOCATE | WASI_R_FD_FILESTAT_GET | WASI_R_FD_FILESTAT_SET_SIZE |           \
     WASI_R_FD_FILESTAT_SET_TIMES | WASI_R_POLL_FD_READWRITE)
#define WASI_RIGHTS_DIR                                                                     \
    (WASI_R_FD_FDSTAT_SET_FLAGS | WASI_R_FD_SYNC | WASI_R_FD_DATASYNC | WASI_R_FD_ADVISE |  \
     WASI_R_PATH_CREATE_DIRECTORY | WASI_R_PATH_CREATE_FILE | WASI_R_PATH_LINK_SOURCE |    \
     WASI_R_PATH_LINK_TARGET | WASI_R_PATH_OPEN | WASI_R_FD_READDIR |                     \
     WASI_R_PATH_READLINK | WASI_R_PATH_RENAME_SOURCE | WASI_R_PATH_RENAME_TARGET |        \
     WASI_R_PATH_FILESTAT_GET | WASI_R_PATH_FILESTAT_SET_SIZE |                            \
     WASI_R_PATH_FILESTAT_SET_TIMES | WASI_R_FD_FILESTAT_GET |                             \
     WASI_R_FD_FILESTAT_SET_TIMES | WASI_R_PATH_SYMLINK | WASI_R_PATH_REMOVE_DIRECTORY |   \
     WASI_R_PATH_UNLINK_FILE | WASI_R_POLL_FD_READWRITE)
/* Streams (pipes, ttys, sockets, embedder streams): no seek or tell, which
 * is how wasi-libc's isatty() tells a terminal from a file. */
#define WASI_RIGHTS_STREAM                                                               \
    (WASI_R_FD_READ | WASI_R_FD_WRITE | WASI_R_FD_FDSTAT_SET_FLAGS | WASI_R_FD_SYNC |   \
     WASI_R_FD_DATASYNC | WASI_R_FD_ADVISE | WASI_R_FD_FILESTAT_GET |                  \
     WASI_R_FD_FILESTAT_SET_TIMES | WASI_R_FD_FILESTAT_SET_SIZE | WASI_R_POLL_FD_READWRITE)

/* A character device that is not a terminal (/dev/null, /dev/zero) can
 * seek, and must not look like one: wasi-libc's and Rust's isatty() say
 * "terminal" for a character device without FD_SEEK and FD_TELL. */
#define WASI_RIGHTS_CHARDEV (WASI_RIGHTS_STREAM | WASI_R_FD_SEEK | WASI_R_FD_TELL)

/* ---- the context -------------------------------------------------------- */

typedef enum wasi_fdkind {
    WASI_FD_HOST = 1, /* a host fd */
    WASI_FD_STREAM,   /* an embedder stream (stdio index in .stream) */
    WASI_FD_NULL      /* stdio with nothing behind it */
} wasi_fdkind;

typedef struct wasi_fd {
    uint8_t used;
    uint8_t kind;     /* wasi_fdkind */
    uint8_t filetype; /* WASI_FILETYPE_* */
    uint8_t owned;    /* close the host fd when the guest fd goes */
    uint8_t stream;   /* WASI_FD_STREAM: which embedder stream */
    uint16_t fdflags; /* WASI_FDFLAG_* as the guest last set them */
    int host;         /* WASI_FD_HOST */
    uint64_t rights, inheriting;
    char *preopen;    /* guest name of a preopened directory, else NULL */
    size_t preopen_len;
} wasi_fd;

/* The operations that can wait. */
typedef enum wasi_op { WASI_OP_NONE = 0, WASI_OP_READ, WASI_OP_WRITE, WASI_OP_POLL } wasi_op;

#define WASI_MAX_ARGS 9

struct hive_wasi {
    hive_engine *engine;
    uint32_t flags; /* HIVE_WASI_* */
    int no_openat2; /* the kernel said ENOSYS once */

    /* Arguments and environment: NUL-terminated strings back to back. */
    char *argbuf, *envbuf;
    size_t argbuf_len, envbuf_len;
    uint32_t argc, envc;

    wasi_fd *fds;
    uint32_t nfds; /* entries allocated */
    hive_wasi_stream streams[3];

    hive_func **funcs; /* host functions, made on first import */
    struct wasi_binding *bindings;

    /* The call that waits, if any, with its arguments. */
    wasi_op pend_op;
    uint32_t pend_func; /* index in the function table */
    hive_memory *pend_mem;
    hive_val pend_args[WASI_MAX_ARGS];
    /* poll_oneoff: each subscription's absolute deadline (monotonic ns),
     * fixed when the call was first made. */
    uint64_t *poll_deadlines;
    size_t poll_cap;

    /* What the pending call waits for (hive_wasi_pending). */
    struct pollfd *wait_fds;
    size_t wait_nfds, wait_cap;
    uint64_t wait_deadline;
    unsigned wait_streams;
};

/* What one host call sees. */
typedef struct wasi_call {
    hive_wasi *w;
    hive_memory *mem;
    hive_host_call *host; /* NULL when retried by complete_pending */
    int retry;            /* 1: hive_wasi_complete_pending is retrying */
} wasi_call;

/* ---- helpers (wasi.c) ---------------------------------------------------- */

/* A checked pointer into guest memory, or NULL (then return WASI_EFAULT). */
static inline uint8_t *wasi_mem(wasi_call *c, uint32_t off, uint64_t len) {
    return c->mem ? (uint8_t *)hive_memory_ptr(c->mem, off, len) : NULL;
}
/* Little-endian stores and loads (guest memory is little-endian). */
static inline void wasi_st16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void wasi_st32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void wasi_st64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t wasi_ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t wasi_ld32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t wasi_ld64(const uint8_t *p) {
    return (uint64_t)wasi_ld32(p) | (uint64_t)wasi_ld32(p + 4) << 32;
}

/* Stores a u32 / u64 result at a guest address; WASI_EFAULT if outside. */
uint32_t hv_wasi_put32(wasi_call *c, uint32_t off, uint32_t v);
uint32_t hv_wasi_put64(wasi_call *c, uint32_t off, uint64_t v);

/* The most iovecs one read or write takes from the guest (fd_read,
 * fd_pread, fd_write, fd_pwrite, sock_recv, sock_send): Linux's IOV_MAX
 * (UIO_MAXIOV), beyond which readv/writev/recvmsg/sendmsg fail with
 * EINVAL. A guest that passes more gets a short read or write of the
 * first WASI_IOV_MAX, which WASI allows. */
#define WASI_IOV_MAX 1024
/* Loads the guest's iovec array (n entries of {u32 buf, u32 len} at iovs)
 * into out[] (room for WASI_IOV_MAX), each buffer bounds-checked: the
 * whole array must lie in memory (else WASI_EFAULT), and the first
 * min(n, WASI_IOV_MAX) entries are taken. Sets *cnt and, when total is not
 * NULL, *total (the sum of their lengths). */
uint32_t hv_wasi_iovs_load(wasi_call *c, uint32_t iovs, uint32_t n, struct iovec *out, int *cnt,
                        size_t *total);

/* The fd entry for a guest fd that has all of `rights`: sets *err to
 * EBADF (no such fd) or ENOTCAPABLE (missing rights) and returns NULL. */
wasi_fd *hv_wasi_fd_get(hive_wasi *w, uint32_t fd, uint64_t rights, uint32_t *err);
/* Takes the lowest free guest fd for a new entry; NULL when out of memory
 * or fds. *fd_out receives its number. */
wasi_fd *hv_wasi_fd_alloc(hive_wasi *w, uint32_t *fd_out);
/* Closes entry e (the host fd too, if owned). */
void hv_wasi_fd_release(wasi_fd *e);
/* Makes e a host fd entry for host (closed with e when owned), with the
 * filetype and rights that fstat says fit. */
void hv_wasi_fd_setup_host(wasi_fd *e, int host, int owned);
/* WASI filetype of a host st_mode. */
uint8_t hv_wasi_filetype_of_mode(mode_t mode);

/* Monotonic / realtime clock in ns. */
uint64_t hv_wasi_now_ns(int clock);

/* One guest call that hv_wasi_run_loop drives in slices of fuel, on the engine
 * of preview 1 or of preview 2 (ctx is the caller's). */
typedef struct wasi_run_ops {
    /* Runs budget fuel: the call itself when first, a resume after. */
    hive_status (*step)(void *ctx, int first, uint64_t budget);
    /* Finishes the pending host call: HIVE_OK, HIVE_WASI_STILL_WAITING or an error. */
    int (*complete)(void *ctx);
    /* Blocks until the pending call may go on or deadline (0: none) passes. */
    void (*wait)(void *ctx, uint64_t deadline);
    /* Drops the pending call and resets the engine. */
    void (*abandon)(void *ctx);
} wasi_run_ops;

/* Runs the call under opts (NULL: no limits) until it ends: the engine's last
 * status; HIVE_SUSPENDED with *stop set when the fuel or time ran out (the call
 * abandoned), HIVE_FAILED when a pending host call failed. */
hive_status hv_wasi_run_loop(const wasi_run_ops *ops, void *ctx, const hive_wasi_run_opts *opts, int *stop);

/* Wait set (what hive_wasi_pending reports): cleared per attempt. */
void hv_wasi_wait_clear(hive_wasi *w);
int hv_wasi_wait_fd(hive_wasi *w, int fd, short events); /* -1 on no memory */
void hv_wasi_wait_deadline(hive_wasi *w, uint64_t deadline_ns);

/* ---- sandboxed paths (path.c) -------------------------------------------- */

/* Copies guest path [ptr, ptr+len) into a NUL-terminated heap string.
 * Returns a WASI errno (EFAULT, EILSEQ for bad UTF-8 or a NUL inside,
 * ENAMETOOLONG, ENOMEM) or 0 with *out set (free it). */
uint32_t hv_wasi_path_copy(wasi_call *c, uint32_t ptr, uint32_t len, char **out);
/* Opens path beneath directory dirfd with open(2) flags (O_NOFOLLOW is
 * honoured for the last component only; intermediate symlinks are
 * followed while they stay beneath). Returns 0 and *out, or a WASI errno:
 * ENOTCAPABLE for any escape (absolute path, "..", a symlink out). */
uint32_t hv_wasi_path_open_beneath(hive_wasi *w, int dirfd, const char *path, int flags,
                                mode_t mode, int *out);
/* Splits path into the directory that holds its last component (opened
 * beneath dirfd, O_PATH) and that component's name (no slashes; "." when
 * the path names a directory by "." or ".."). *parent may be dirfd itself
 * (then *close_parent is 0). *trailing_slash says the path ended in '/'.
 * Returns 0 or a WASI errno. name points into path (which it modifies). */
uint32_t hv_wasi_path_parent(hive_wasi *w, int dirfd, char *path, int *parent, int *close_parent,
                          const char **name, int *trailing_slash);

/* The sandbox's rules for names with a trailing slash (fs.c), for
 * (parent, name) from hv_wasi_path_parent; also used by src/wasip2.
 * hv_wasi_trailing_check: such a name must be a directory (0), else the
 * error a file there gets (ENOTDIR) or the lookup's. hv_wasi_new_name_trailing:
 * a new name with one (symlink, link): EEXIST over a directory, ENOTDIR
 * over anything else, else ENOENT. */
uint32_t hv_wasi_trailing_check(int parent, const char *name);
uint32_t hv_wasi_new_name_trailing(int parent, const char *name);

/* ---- the functions (fs.c, misc.c) ---------------------------------------- */

typedef uint32_t (*wasi_impl_fn)(wasi_call *c, const hive_val *a);

#define WASI_DECL(name) uint32_t hv_wasi_##name(wasi_call *c, const hive_val *a)
WASI_DECL(args_get);
WASI_DECL(args_sizes_get);
WASI_DECL(environ_get);
WASI_DECL(environ_sizes_get);
WASI_DECL(clock_res_get);
WASI_DECL(clock_time_get);
WASI_DECL(fd_advise);
WASI_DECL(fd_allocate);
WASI_DECL(fd_close);
WASI_DECL(fd_datasync);
WASI_DECL(fd_fdstat_get);
WASI_DECL(fd_fdstat_set_flags);
WASI_DECL(fd_fdstat_set_rights);
WASI_DECL(fd_filestat_get);
WASI_DECL(fd_filestat_set_size);
WASI_DECL(fd_filestat_set_times);
WASI_DECL(fd_pread);
WASI_DECL(fd_prestat_get);
WASI_DECL(fd_prestat_dir_name);
WASI_DECL(fd_pwrite);
WASI_DECL(fd_read);
WASI_DECL(fd_readdir);
WASI_DECL(fd_renumber);
WASI_DECL(fd_seek);
WASI_DECL(fd_sync);
WASI_DECL(fd_tell);
WASI_DECL(fd_write);
WASI_DECL(path_create_directory);
WASI_DECL(path_filestat_get);
WASI_DECL(path_filestat_set_times);
WASI_DECL(path_link);
WASI_DECL(path_open);
WASI_DECL(path_readlink);
WASI_DECL(path_remove_directory);
WASI_DECL(path_rename);
WASI_DECL(path_symlink);
WASI_DECL(path_unlink_file);
WASI_DECL(poll_oneoff);
WASI_DECL(proc_exit);
WASI_DECL(proc_raise);
WASI_DECL(sched_yield);
WASI_DECL(random_get);
WASI_DECL(sock_accept);
WASI_DECL(sock_recv);
WASI_DECL(sock_send);
WASI_DECL(sock_shutdown);

#endif
