/*
 * errno.c -- host errno -> WASI errno, and WASI errno names.
 *
 * The table is exact for every errno WASI preview 1 defines (the names
 * are the same as POSIX's); host errnos WASI has no name for map to the
 * nearest meaning, and anything unknown to EIO.
 */
#include <errno.h>

#include "hive/wasi.h"
#include "wasi/wasi_impl.h"

/* Names, indexed by WASI errno. */
static const char *const errno_names[] = {
    "ESUCCESS",        "E2BIG",        "EACCES",       "EADDRINUSE",      "EADDRNOTAVAIL",
    "EAFNOSUPPORT",    "EAGAIN",       "EALREADY",     "EBADF",           "EBADMSG",
    "EBUSY",           "ECANCELED",    "ECHILD",       "ECONNABORTED",    "ECONNREFUSED",
    "ECONNRESET",      "EDEADLK",      "EDESTADDRREQ", "EDOM",            "EDQUOT",
    "EEXIST",          "EFAULT",       "EFBIG",        "EHOSTUNREACH",    "EIDRM",
    "EILSEQ",          "EINPROGRESS",  "EINTR",        "EINVAL",          "EIO",
    "EISCONN",         "EISDIR",       "ELOOP",        "EMFILE",          "EMLINK",
    "EMSGSIZE",        "EMULTIHOP",    "ENAMETOOLONG", "ENETDOWN",        "ENETRESET",
    "ENETUNREACH",     "ENFILE",       "ENOBUFS",      "ENODEV",          "ENOENT",
    "ENOEXEC",         "ENOLCK",       "ENOLINK",      "ENOMEM",          "ENOMSG",
    "ENOPROTOOPT",     "ENOSPC",       "ENOSYS",       "ENOTCONN",        "ENOTDIR",
    "ENOTEMPTY",       "ENOTRECOVERABLE", "ENOTSOCK",  "ENOTSUP",         "ENOTTY",
    "ENXIO",           "EOVERFLOW",    "EOWNERDEAD",   "EPERM",           "EPIPE",
    "EPROTO",          "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE",         "EROFS",
    "ESPIPE",          "ESRCH",        "ESTALE",       "ETIMEDOUT",       "ETXTBSY",
    "EXDEV",           "ENOTCAPABLE",
};

const char *hive_wasi_errno_name(uint16_t e) {
    return e < sizeof errno_names / sizeof errno_names[0] ? errno_names[e] : "?";
}

/* A switch rather than an array: host errno numbers are sparse and differ
 * between systems; duplicates (EWOULDBLOCK == EAGAIN, EOPNOTSUPP ==
 * ENOTSUP, EDEADLOCK == EDEADLK on Linux) are handled by the compiler
 * refusing duplicate cases, so they are listed once. */
uint16_t hive_wasi_errno_from_host(int e) {
    switch (e) {
    case 0: return WASI_ESUCCESS;
    case E2BIG: return WASI_E2BIG;
    case EACCES: return WASI_EACCES;
    case EADDRINUSE: return WASI_EADDRINUSE;
    case EADDRNOTAVAIL: return WASI_EADDRNOTAVAIL;
    case EAFNOSUPPORT: return WASI_EAFNOSUPPORT;
    case EAGAIN: return WASI_EAGAIN;
    case EALREADY: return WASI_EALREADY;
    case EBADF: return WASI_EBADF;
    case EBADMSG: return WASI_EBADMSG;
    case EBUSY: return WASI_EBUSY;
    case ECANCELED: return WASI_ECANCELED;
    case ECHILD: return WASI_ECHILD;
    case ECONNABORTED: return WASI_ECONNABORTED;
    case ECONNREFUSED: return WASI_ECONNREFUSED;
    case ECONNRESET: return WASI_ECONNRESET;
    case EDEADLK: return WASI_EDEADLK;
    case EDESTADDRREQ: return WASI_EDESTADDRREQ;
    case EDOM: return WASI_EDOM;
    case EDQUOT: return WASI_EDQUOT;
    case EEXIST: return WASI_EEXIST;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EHOSTUNREACH: return WASI_EHOSTUNREACH;
    case EIDRM: return WASI_EIDRM;
    case EILSEQ: return WASI_EILSEQ;
    case EINPROGRESS: return WASI_EINPROGRESS;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case EIO: return WASI_EIO;
    case EISCONN: return WASI_EISCONN;
    case EISDIR: return WASI_EISDIR;
    case ELOOP: return WASI_ELOOP;
    case EMFILE: return WASI_EMFILE;
    case EMLINK: return WASI_EMLINK;
    case EMSGSIZE: return WASI_EMSGSIZE;
    case EMULTIHOP: return WASI_EMULTIHOP;
    case ENAMETOOLONG: return WASI_ENAMETOOLONG;
    case ENETDOWN: return WASI_ENETDOWN;
    case ENETRESET: return WASI_ENETRESET;
    case ENETUNREACH: return WASI_ENETUNREACH;
    case ENFILE: return WASI_ENFILE;
    case ENOBUFS: return WASI_ENOBUFS;
    case ENODEV: return WASI_ENODEV;
    case ENOENT: return WASI_ENOENT;
    case ENOEXEC: return WASI_ENOEXEC;
    case ENOLCK: return WASI_ENOLCK;
    case ENOLINK: return WASI_ENOLINK;
    case ENOMEM: return WASI_ENOMEM;
    case ENOMSG: return WASI_ENOMSG;
    case ENOPROTOOPT: return WASI_ENOPROTOOPT;
    case ENOSPC: return WASI_ENOSPC;
    case ENOSYS: return WASI_ENOSYS;
    case ENOTCONN: return WASI_ENOTCONN;
    case ENOTDIR: return WASI_ENOTDIR;
    case ENOTEMPTY: return WASI_ENOTEMPTY;
    case ENOTRECOVERABLE: return WASI_ENOTRECOVERABLE;
    case ENOTSOCK: return WASI_ENOTSOCK;
    case ENOTSUP: return WASI_ENOTSUP;
    case ENOTTY: return WASI_ENOTTY;
    case ENXIO: return WASI_ENXIO;
    case EOVERFLOW: return WASI_EOVERFLOW;
    case EOWNERDEAD: return WASI_EOWNERDEAD;
    case EPERM: return WASI_EPERM;
    case EPIPE: return WASI_EPIPE;
    case EPROTO: return WASI_EPROTO;
    case EPROTONOSUPPORT: return WASI_EPROTONOSUPPORT;
    case EPROTOTYPE: return WASI_EPROTOTYPE;
    case ERANGE: return WASI_ERANGE;
    case EROFS: return WASI_EROFS;
    case ESPIPE: return WASI_ESPIPE;
    case ESRCH: return WASI_ESRCH;
    case ESTALE: return WASI_ESTALE;
    case ETIMEDOUT: return WASI_ETIMEDOUT;
    case ETXTBSY: return WASI_ETXTBSY;
    case EXDEV: return WASI_EXDEV;
    /* Linux errnos WASI has no name for: the nearest meaning. */
#ifdef ENOTBLK
    case ENOTBLK: return WASI_ENOTDIR;
#endif
#ifdef ENOTUNIQ
    case ENOTUNIQ: return WASI_EINVAL;
#endif
#ifdef EREMOTEIO
    case EREMOTEIO: return WASI_EIO;
#endif
#ifdef EUCLEAN
    case EUCLEAN: return WASI_EIO;
#endif
#ifdef ENOMEDIUM
    case ENOMEDIUM: return WASI_ENODEV;
#endif
#ifdef ENOKEY
    case ENOKEY: return WASI_EACCES;
#endif
#ifdef EKEYREJECTED
    case EKEYREJECTED: return WASI_EACCES;
#endif
#ifdef ESHUTDOWN
    case ESHUTDOWN: return WASI_EPIPE;
#endif
#ifdef EHOSTDOWN
    case EHOSTDOWN: return WASI_EHOSTUNREACH;
#endif
#ifdef ETIME
    case ETIME: return WASI_ETIMEDOUT;
#endif
#ifdef ENODATA
    case ENODATA: return WASI_ENOENT; /* e.g. a missing xattr */
#endif
#ifdef ESOCKTNOSUPPORT
    case ESOCKTNOSUPPORT: return WASI_EPROTONOSUPPORT;
#endif
#ifdef EPFNOSUPPORT
    case EPFNOSUPPORT: return WASI_EAFNOSUPPORT;
#endif
#ifdef EUSERS
    case EUSERS: return WASI_EDQUOT;
#endif
#ifdef ERESTART
    case ERESTART: return WASI_EINTR;
#endif
    default: return WASI_EIO;
    }
}
