/*
 * net_common.c -- the socket code wasi:sockets 0.2 and 0.3 share
 * (net_common.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"
#include "wasip2/net_common.h"

/* ---- errors ---- */

uint32_t hv_hnet_code_wasi(uint32_t e) {
    switch (e) {
    case WASI_EACCES: case WASI_EPERM: case WASI_ENOTCAPABLE: return HNET_ACCESS_DENIED;
    case WASI_EAFNOSUPPORT: case WASI_ENOTSUP: case WASI_EPROTONOSUPPORT: return HNET_NOT_SUPPORTED;
    case WASI_EINVAL: return HNET_INVALID_ARGUMENT;
    case WASI_ENOMEM: case WASI_ENOBUFS: return HNET_OUT_OF_MEMORY;
    case WASI_ETIMEDOUT: return HNET_TIMEOUT;
    case WASI_EALREADY: return HNET_CONCURRENCY_CONFLICT;
    case WASI_EAGAIN: case WASI_EINPROGRESS: return HNET_WOULD_BLOCK;
    case WASI_EISCONN: case WASI_ENOTCONN: return HNET_INVALID_STATE;
    case WASI_EMFILE: case WASI_ENFILE: return HNET_NEW_SOCKET_LIMIT;
    case WASI_EADDRNOTAVAIL: return HNET_ADDRESS_NOT_BINDABLE;
    case WASI_EADDRINUSE: return HNET_ADDRESS_IN_USE;
    case WASI_EHOSTUNREACH: case WASI_ENETUNREACH: case WASI_ENETDOWN: return HNET_REMOTE_UNREACHABLE;
    case WASI_ECONNREFUSED: return HNET_CONNECTION_REFUSED;
    case WASI_ECONNRESET: return HNET_CONNECTION_RESET;
    case WASI_EPIPE: return HNET_CONNECTION_BROKEN;
    case WASI_ECONNABORTED: return HNET_CONNECTION_ABORTED;
    case WASI_EMSGSIZE: return HNET_DATAGRAM_TOO_LARGE;
    default: return HNET_UNKNOWN;
    }
}

uint32_t hv_hnet_code_errno(int e) { return hv_hnet_code_wasi(hive_wasi_errno_from_host(e)); }

uint32_t hv_hnet_code_gai(int r) {
    switch (r) {
    case 0: return HNET_OK;
    case EAI_NONAME: case EAI_NODATA: case EAI_ADDRFAMILY: return HNET_NAME_UNRESOLVABLE;
    case EAI_AGAIN: return HNET_TEMPORARY_RESOLVER_FAILURE;
    case EAI_MEMORY: return HNET_OUT_OF_MEMORY;
    default: return HNET_PERMANENT_RESOLVER_FAILURE;
    }
}

/* ---- policy ---- */

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits) {
    for (unsigned i = 0; i < bits / 8; i++)
        if (a[i] != b[i]) return 0;
    if (bits % 8) {
        uint8_t m = (uint8_t)(0xff << (8 - bits % 8));
        if ((a[bits / 8] & m) != (b[bits / 8] & m)) return 0;
    }
    return 1;
}

int hv_hnet_allowed(const hnet_policy *pol, const struct sockaddr_storage *sa) {
    if (!pol->network) return 0;
    if (!pol->nallow) return 1;
    for (size_t i = 0; i < pol->nallow; i++) {
        const hive_wasip2_net_rule *r = &pol->allow[i];
        if (sa->ss_family == AF_INET && r->family == 4) {
            const struct sockaddr_in *s4 = (const void *)sa;
            if (r->port && r->port != ntohs(s4->sin_port)) continue;
            if (prefix_match((const uint8_t *)&s4->sin_addr, r->addr, r->prefix)) return 1;
        } else if (sa->ss_family == AF_INET6 && r->family == 6) {
            const struct sockaddr_in6 *s6 = (const void *)sa;
            if (r->port && r->port != ntohs(s6->sin6_port)) continue;
            if (prefix_match((const uint8_t *)&s6->sin6_addr, r->addr, r->prefix)) return 1;
        }
    }
    return 0;
}

/* ---- addresses ---- */

int hv_hnet_sa_from(const hive_cval *v, struct sockaddr_storage *sa, socklen_t *len) {
    memset(sa, 0, sizeof *sa);
    if (!v || v->kind != HIVE_C_VARIANT) return -1;
    const hive_cval *r = v->of.var.payload;
    if (!r || r->kind != HIVE_C_RECORD) return -1;
    if (v->of.var.index == 0) {
        if (r->of.agg.n != 2 || r->of.agg.items[1].of.agg.n != 4) return -1;
        struct sockaddr_in *s = (void *)sa;
        s->sin_family = AF_INET;
        s->sin_port = htons((uint16_t)r->of.agg.items[0].of.u);
        uint8_t *a = (uint8_t *)&s->sin_addr;
        for (int i = 0; i < 4; i++) a[i] = (uint8_t)r->of.agg.items[1].of.agg.items[i].of.u;
        *len = sizeof *s;
    } else {
        if (r->of.agg.n != 4 || r->of.agg.items[2].of.agg.n != 8) return -1;
        struct sockaddr_in6 *s = (void *)sa;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons((uint16_t)r->of.agg.items[0].of.u);
        s->sin6_flowinfo = htonl((uint32_t)r->of.agg.items[1].of.u);
        uint8_t *a = (uint8_t *)&s->sin6_addr;
        for (int i = 0; i < 8; i++) {
            uint16_t w = (uint16_t)r->of.agg.items[2].of.agg.items[i].of.u;
            a[2 * i] = (uint8_t)(w >> 8);
            a[2 * i + 1] = (uint8_t)w;
        }
        s->sin6_scope_id = (uint32_t)r->of.agg.items[3].of.u;
        *len = sizeof *s;
    }
    return 0;
}

static int tuple_of(hive_cval *out, size_t n, hive_ckind k, const uint64_t *v) {
    if (hive_cval_agg(out, HIVE_C_TUPLE, n) != HIVE_OK) return -1;
    for (size_t i = 0; i < n; i++) out->of.agg.items[i] = hive_cval_uint(k, v[i]);
    return 0;
}

/* the ipv4-address / ipv6-address tuple of sa */
static int addr_tuple(hive_cval *out, const struct sockaddr_storage *sa) {
    uint64_t v[8];
    if (sa->ss_family == AF_INET) {
        const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        for (int i = 0; i < 4; i++) v[i] = a[i];
        return tuple_of(out, 4, HIVE_C_U8, v);
    }
    const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    for (int i = 0; i < 8; i++) v[i] = (uint64_t)a[2 * i] << 8 | a[2 * i + 1];
    return tuple_of(out, 8, HIVE_C_U16, v);
}

int hv_hnet_ipaddr_val(hive_cval *out, const struct sockaddr_storage *sa) {
    hive_cval t;
    if (addr_tuple(&t, sa) < 0) return -1;
    if (hive_cval_case(out, HIVE_C_VARIANT, sa->ss_family == AF_INET ? 0 : 1, &t) != HIVE_OK) {
        hive_cval_clear(&t);
        return -1;
    }
    return 0;
}

int hv_hnet_sa_val(hive_cval *out, const struct sockaddr_storage *sa) {
    hive_cval rec;
    int v4 = sa->ss_family == AF_INET;
    if (hive_cval_agg(&rec, HIVE_C_RECORD, v4 ? 2 : 4) != HIVE_OK) return -1;
    rec.of.agg.items[0] = hive_cval_uint(HIVE_C_U16, hv_hnet_sa_port(sa));
    if (v4) {
        if (addr_tuple(&rec.of.agg.items[1], sa) < 0) goto fail;
    } else {
        const struct sockaddr_in6 *s = (const void *)sa;
        rec.of.agg.items[1] = hive_cval_uint(HIVE_C_U32, ntohl(s->sin6_flowinfo));
        if (addr_tuple(&rec.of.agg.items[2], sa) < 0) goto fail;
        rec.of.agg.items[3] = hive_cval_uint(HIVE_C_U32, s->sin6_scope_id);
    }
    if (hive_cval_case(out, HIVE_C_VARIANT, v4 ? 0 : 1, &rec) == HIVE_OK) return 0;
fail:
    hive_cval_clear(&rec);
    return -1;
}

int hv_hnet_sa_unspecified(const struct sockaddr_storage *sa) {
    static const uint8_t zero[16];
    if (sa->ss_family == AF_INET) return ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr == 0;
    return !memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, zero, 16);
}

uint16_t hv_hnet_sa_port(const struct sockaddr_storage *sa) {
    if (sa->ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

socklen_t hv_hnet_sa_len(const struct sockaddr_storage *sa) {
    return sa->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static int sa_unicast(const struct sockaddr_storage *sa) {
    if (sa->ss_family == AF_INET) {
        const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        if (a[0] >= 224 && a[0] <= 239) return 0;                          /* multicast */
        if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255) return 0; /* broadcast */
        return 1;
    }
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (a6->s6_addr[0] == 0xff) return 0; /* multicast */
    if (IN6_IS_ADDR_V4MAPPED(a6)) return 0;
    return 1;
}

uint32_t hv_hnet_check_addr(const hnet_policy *pol, int v6, const hive_cval *v, unsigned need,
                         struct sockaddr_storage *sa, socklen_t *len) {
    if (hv_hnet_sa_from(v, sa, len) < 0) return HNET_INVALID_ARGUMENT;
    if ((sa->ss_family == AF_INET6) != (v6 != 0)) return HNET_INVALID_ARGUMENT;
    if ((need & HNET_A_UNICAST) && !sa_unicast(sa)) return HNET_INVALID_ARGUMENT;
    if ((need & HNET_A_REMOTE) && (hv_hnet_sa_unspecified(sa) || hv_hnet_sa_port(sa) == 0)) return HNET_INVALID_ARGUMENT;
    if (!hv_hnet_allowed(pol, sa)) return HNET_ACCESS_DENIED;
    return HNET_OK;
}

/* ---- sockets ---- */

uint32_t hv_hnet_socket(int v6, int tcp, int *fd) {
    *fd = -1;
    int s = socket(v6 ? AF_INET6 : AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return hv_hnet_code_errno(errno);
    int one = 1;
    if (v6) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    *fd = s;
    return HNET_OK;
}

uint32_t hv_hnet_check_implicit_bind(const hnet_policy *pol, int v6) {
    struct sockaddr_storage any;
    memset(&any, 0, sizeof any);
    any.ss_family = v6 ? AF_INET6 : AF_INET;
    return hv_hnet_allowed(pol, &any) ? HNET_OK : HNET_ACCESS_DENIED;
}

uint32_t hv_hnet_bind(int fd, int tcp, const struct sockaddr_storage *sa, socklen_t len) {
    int on = 1, off = 0;
    if (tcp) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    int r = bind(fd, (const struct sockaddr *)sa, len);
    int e = errno;
    if (tcp) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &off, sizeof off);
    if (r == 0) return HNET_OK;
    if (e == EADDRNOTAVAIL) return HNET_ADDRESS_NOT_BINDABLE;
    if (e == EINVAL) return HNET_INVALID_STATE; /* bound already */
    return hv_hnet_code_errno(e);
}

void hv_hnet_reuse(int fd) {
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
}

uint32_t hv_hnet_connect_result(int fd) {
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0) err = errno;
    return err ? hv_hnet_code_errno(err) : HNET_OK;
}

uint32_t hv_hnet_address(int fd, int remote, struct sockaddr_storage *sa) {
    socklen_t l = sizeof *sa;
    memset(sa, 0, sizeof *sa);
    int r = remote ? getpeername(fd, (struct sockaddr *)sa, &l) : getsockname(fd, (struct sockaddr *)sa, &l);
    if (r < 0) return errno == ENOTCONN ? HNET_INVALID_STATE : hv_hnet_code_errno(errno);
    if (sa->ss_family != AF_INET && sa->ss_family != AF_INET6) return HNET_INVALID_STATE;
    return HNET_OK;
}

int hv_hnet_fd_ready(int fd, short ev) {
    struct pollfd pf = {fd, ev, 0};
    return poll(&pf, 1, 0) > 0;
}

/* level, name, scale (ns per unit), lowest and highest value (0: none) */
static void opt_of(int v6, hnet_opt o, int *level, int *name, uint64_t *scale, uint64_t *hi) {
    *scale = 1;
    *hi = INT_MAX;
    switch (o) {
    case HNET_KEEPALIVE: *level = SOL_SOCKET, *name = SO_KEEPALIVE, *hi = 1; break;
    case HNET_KEEPIDLE: *level = IPPROTO_TCP, *name = TCP_KEEPIDLE, *scale = 1000000000ull, *hi = 32767; break;
    case HNET_KEEPINTVL: *level = IPPROTO_TCP, *name = TCP_KEEPINTVL, *scale = 1000000000ull, *hi = 32767; break;
    case HNET_KEEPCNT: *level = IPPROTO_TCP, *name = TCP_KEEPCNT, *hi = 127; break;
    case HNET_HOPS:
        *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP, *name = v6 ? IPV6_UNICAST_HOPS : IP_TTL, *hi = 255;
        break;
    case HNET_RCVBUF: *level = SOL_SOCKET, *name = SO_RCVBUF, *hi = INT_MAX / 2; break;
    case HNET_SNDBUF: *level = SOL_SOCKET, *name = SO_SNDBUF, *hi = INT_MAX / 2; break;
    }
}

uint32_t hv_hnet_opt_get(int fd, int v6, hnet_opt o, uint64_t *out) {
    int level, name;
    uint64_t scale, hi;
    opt_of(v6, o, &level, &name, &scale, &hi);
    int v = 0;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, name, &v, &l) < 0) return hv_hnet_code_errno(errno);
    if (v < 0) v = 0;
    /* Linux reports twice the buffer size it was given (its bookkeeping) */
    if (o == HNET_RCVBUF || o == HNET_SNDBUF) v /= 2;
    *out = o == HNET_KEEPALIVE ? (v != 0) : (uint64_t)v * scale;
    return HNET_OK;
}

uint32_t hv_hnet_opt_set(int fd, int v6, hnet_opt o, uint64_t x) {
    int level, name;
    uint64_t scale, hi;
    opt_of(v6, o, &level, &name, &scale, &hi);
    if (o == HNET_KEEPALIVE) {
        x = x != 0;
    } else {
        if (x == 0) return HNET_INVALID_ARGUMENT;
        x = x / scale + (x % scale != 0); /* durations round up to whole seconds */
        if (x > hi) x = hi;
    }
    int v = (int)x;
    if (setsockopt(fd, level, name, &v, sizeof v) < 0) return hv_hnet_code_errno(errno);
    return HNET_OK;
}

/* ---- names ---- */

struct hnet_lookup {
    atomic_int refs;     /* the caller's, and the thread's while it runs */
    atomic_int finished; /* the thread has its answer */
    int efd;             /* eventfd the thread signals; -1 without a thread */
    char *name;
    int eai;
    struct addrinfo *res;
    int done; /* the answer is taken apart below */
    uint32_t code;
    struct sockaddr_storage *addrs;
    size_t n;
};

static void lookup_unref(hnet_lookup *k) {
    if (atomic_fetch_sub(&k->refs, 1) != 1) return;
    if (k->res) freeaddrinfo(k->res);
    if (k->efd >= 0) close(k->efd);
    free(k->name);
    free(k->addrs);
    free(k);
}

/* Resolver threads running now, in the whole process: past HNET_MAX_LOOKUPS
 * a lookup fails temporary-resolver-failure rather than start another. */
static atomic_int lookups_running;

static void *lookup_thread(void *arg) {
    hnet_lookup *k = arg;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    k->eai = getaddrinfo(k->name, NULL, &hints, &k->res);
    atomic_store(&k->finished, 1);
    uint64_t one = 1;
    ssize_t w = write(k->efd, &one, sizeof one);
    (void)w;
    lookup_unref(k);
    atomic_fetch_sub(&lookups_running, 1);
    return NULL;
}

/* an IP literal (in brackets too): 1 and *sa */
static int ip_literal(const char *name, struct sockaddr_storage *sa) {
    char lit[300];
    size_t ll = strlen(name);
    if (ll >= sizeof lit) return 0;
    memcpy(lit, name, ll + 1);
    if (ll > 2 && lit[0] == '[' && lit[ll - 1] == ']') {
        memmove(lit, lit + 1, ll - 2);
        lit[ll - 2] = 0;
    }
    memset(sa, 0, sizeof *sa);
    if (inet_pton(AF_INET, lit, &((struct sockaddr_in *)(void *)sa)->sin_addr) == 1) {
        sa->ss_family = AF_INET;
        return 1;
    }
    if (inet_pton(AF_INET6, lit, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr) == 1) {
        sa->ss_family = AF_INET6;
        return 1;
    }
    return 0;
}

hnet_lookup *hv_hnet_lookup_start(const char *name, size_t len, uint32_t *code) {
    *code = HNET_OK;
    if (!len || len > 255 || memchr(name, 0, len)) {
        *code = HNET_INVALID_ARGUMENT;
        return NULL;
    }
    hnet_lookup *k = calloc(1, sizeof *k);
    if (!k || !(k->name = strndup(name, len))) {
        free(k);
        *code = HNET_OUT_OF_MEMORY;
        return NULL;
    }
    k->efd = -1;
    atomic_init(&k->refs, 1);
    atomic_init(&k->finished, 0);
    struct sockaddr_storage sa;
    if (ip_literal(k->name, &sa)) {
        if (!(k->addrs = malloc(sizeof sa))) {
            lookup_unref(k);
            *code = HNET_OUT_OF_MEMORY;
            return NULL;
        }
        k->addrs[0] = sa;
        k->n = 1;
        k->done = 1;
        k->code = HNET_OK;
        atomic_store(&k->finished, 1);
        return k;
    }
    k->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pthread_attr_t at;
    pthread_t th;
    int ok = k->efd >= 0 && atomic_fetch_add(&lookups_running, 1) < HNET_MAX_LOOKUPS;
    if (k->efd >= 0 && !ok) atomic_fetch_sub(&lookups_running, 1);
    if (ok && pthread_attr_init(&at) != 0) {
        atomic_fetch_sub(&lookups_running, 1);
        ok = 0;
    }
    if (ok) {
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&at, 256 * 1024);
        atomic_store(&k->refs, 2);
        if (pthread_create(&th, &at, lookup_thread, k) != 0) {
            atomic_store(&k->refs, 1);
            atomic_fetch_sub(&lookups_running, 1);
            ok = 0;
        }
        pthread_attr_destroy(&at);
    }
    if (!ok) {
        lookup_unref(k);
        *code = HNET_TEMPORARY_RESOLVER_FAILURE;
        return NULL;
    }
    return k;
}

/* Takes the thread's answer apart once it is there. */
static void lookup_finish(hnet_lookup *k) {
    if (k->done || !atomic_load(&k->finished)) return;
    k->done = 1;
    k->code = hv_hnet_code_gai(k->eai);
    if (k->code != HNET_OK) return;
    size_t n = 0;
    for (struct addrinfo *a = k->res; a; a = a->ai_next) n++;
    k->addrs = calloc(n + 1, sizeof *k->addrs);
    if (!k->addrs) {
        k->code = HNET_OUT_OF_MEMORY;
        return;
    }
    for (struct addrinfo *a = k->res; a; a = a->ai_next) {
        if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) || a->ai_addrlen > sizeof(struct sockaddr_storage))
            continue;
        struct sockaddr_storage s;
        memset(&s, 0, sizeof s);
        memcpy(&s, a->ai_addr, a->ai_addrlen);
        if (s.ss_family == AF_INET) ((struct sockaddr_in *)(void *)&s)->sin_port = 0;
        else ((struct sockaddr_in6 *)(void *)&s)->sin6_port = 0;
        int dup = 0;
        for (size_t i = 0; i < k->n && !dup; i++) dup = !memcmp(&k->addrs[i], &s, sizeof s);
        if (!dup) k->addrs[k->n++] = s;
    }
}

int hv_hnet_lookup_fd(hnet_lookup *k) {
    lookup_finish(k);
    return k->done ? -1 : k->efd;
}

int hv_hnet_lookup_done(hnet_lookup *k, uint32_t *code, const struct sockaddr_storage **addrs, size_t *n) {
    lookup_finish(k);
    if (!k->done) return 0;
    *code = k->code;
    *addrs = k->addrs;
    *n = k->code == HNET_OK ? k->n : 0;
    return 1;
}

void hv_hnet_lookup_free(hnet_lookup *k) {
    if (k) lookup_unref(k);
}
