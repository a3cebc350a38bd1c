/*
 * sockets.c -- wasi:sockets@0.3.0: types (tcp-socket, udp-socket) and
 * ip-name-lookup, on the component model's async ABI.
 *
 * The permissions are 0.2's (net_common.h, shared with src/wasip2/
 * sockets.c), as in wasmtime: without HIVE_WASIP2_INHERIT_NETWORK a
 * socket can be created and configured, but every bind, connect, listen
 * and send is access-denied; with it, a non-empty allow-list limits the
 * addresses a socket may bind, connect or send to (listen on an unbound
 * socket binds to the unspecified address: a rule must cover it); name
 * lookups need HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP.
 *
 * Sockets are non-blocking and nothing waits in a host call:
 *   - tcp connect, udp send/receive and resolve-addresses are async: when
 *     they cannot answer at once they defer (hive_chost_defer) and a
 *     reactor wait (an fd's readiness, or the resolver thread's eventfd)
 *     answers later (hive_chost_return), while the instance's other tasks
 *     run;
 *   - listen gives a stream<tcp-socket> an acceptor feeds: one accepted
 *     connection at a time, when the listener is readable and the guest
 *     has taken the previous one;
 *   - send drains the guest's stream<u8> into the socket and receive feeds
 *     one from it (the reactor's pumps, over dups of the socket's fd, so
 *     they outlive the tcp-socket handle as the streams may); their
 *     futures resolve when the pump ends: send shuts the socket down for
 *     writing, receive for reading.
 * The things that live on after a host call (pending operations, the
 * acceptors, the pumps' state) are listed in the context's network state
 * (P3_EXT_NET), which frees what is left with the context.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasip2/net_common.h"
#include "wasip3/p3_impl.h"

#define TYPES "wasi:sockets/types" P3_V
#define LOOKUP "wasi:sockets/ip-name-lookup" P3_V

#define EC                                                                                             \
    "variant { access-denied, not-supported, invalid-argument, out-of-memory, timeout, invalid-state, " \
    "address-not-bindable, address-in-use, remote-unreachable, connection-refused, connection-broken, "  \
    "connection-reset, connection-aborted, datagram-too-large, other(option<string>) }"
#define LEC                                                                                  \
    "variant { access-denied, invalid-argument, name-unresolvable, temporary-resolver-failure, " \
    "permanent-resolver-failure, other(option<string>) }"
/* the WIT type text 0.2 and 0.3 share (net_common.h) */
#define FAM HNET_WIT_FAMILY
#define IPADDR HNET_WIT_IP_ADDRESS
#define SOCKADDR HNET_WIT_IP_SOCKET_ADDRESS
#define R(T) "result<" T ", " EC ">"
#define R0 "result<_, " EC ">"
#define FUT0 "future<" R0 ">"

/* ---- error-code values ---- */

static const char *const COND_NAMES[] = {
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory", "timeout",
    "concurrency-conflict", "not-in-progress", "would-block", "invalid-state", "new-socket-limit",
    "address-not-bindable", "address-in-use", "remote-unreachable", "connection-refused", "connection-reset",
    "connection-aborted", "datagram-too-large", "name-unresolvable", "temporary-resolver-failure",
    "permanent-resolver-failure", "connection-broken"};

/* The case of a condition in types.error-code (lookup 0) or
 * ip-name-lookup.error-code (lookup 1); -1: other. */
static int case_of(uint32_t c, int lookup) {
    if (lookup) {
        switch (c) {
        case HNET_ACCESS_DENIED: return 0;
        case HNET_INVALID_ARGUMENT: return 1;
        case HNET_NAME_UNRESOLVABLE: return 2;
        case HNET_TEMPORARY_RESOLVER_FAILURE: return 3;
        case HNET_PERMANENT_RESOLVER_FAILURE: return 4;
        default: return -1;
        }
    }
    switch (c) {
    case HNET_ACCESS_DENIED: return 0;
    case HNET_NOT_SUPPORTED: return 1;
    case HNET_INVALID_ARGUMENT: return 2;
    case HNET_OUT_OF_MEMORY: return 3;
    case HNET_TIMEOUT: return 4;
    case HNET_INVALID_STATE: return 5;
    case HNET_ADDRESS_NOT_BINDABLE: return 6;
    case HNET_ADDRESS_IN_USE: return 7;
    case HNET_REMOTE_UNREACHABLE: return 8;
    case HNET_CONNECTION_REFUSED: return 9;
    case HNET_CONNECTION_BROKEN: return 10;
    case HNET_CONNECTION_RESET: return 11;
    case HNET_CONNECTION_ABORTED: return 12;
    case HNET_DATAGRAM_TOO_LARGE: return 13;
    default: return -1;
    }
}

/* err(error-code) of condition c into *out; 0, or -1 (out of memory). */
static int err_val(hive_cval *out, uint32_t c, int lookup) {
    hive_cval code, s, opt;
    int k = case_of(c, lookup);
    if (k >= 0) {
        if (hive_cval_case(&code, HIVE_C_VARIANT, (uint32_t)k, NULL) != HIVE_OK) return -1;
    } else {
        uint32_t other = lookup ? 5 : 14;
        if (c == HNET_UNKNOWN || c >= sizeof COND_NAMES / sizeof *COND_NAMES) {
            if (hive_cval_case(&opt, HIVE_C_OPTION, 0, NULL) != HIVE_OK) return -1;
        } else {
            if (hive_cval_string(&s, COND_NAMES[c], strlen(COND_NAMES[c])) != HIVE_OK) return -1;
            if (hive_cval_case(&opt, HIVE_C_OPTION, 1, &s) != HIVE_OK) return -1;
        }
        if (hive_cval_case(&code, HIVE_C_VARIANT, other, &opt) != HIVE_OK) return -1;
    }
    hv_wval_err(out, &code);
    return out->kind == HIVE_C_RESULT ? 0 : -1;
}

/* result: ok(payload) when c is HNET_OK, else err(c); 0 or -1. */
static int result_val(hive_cval *out, uint32_t c, hive_cval *payload, int lookup) {
    if (c != HNET_OK) {
        if (payload) hive_cval_clear(payload);
        return err_val(out, c, lookup);
    }
    hv_wval_ok(out, payload);
    return out->kind == HIVE_C_RESULT ? 0 : -1;
}

static hive_host_status answer(hive_chost_call *call, hive_cval *out, uint32_t c, hive_cval *payload) {
    if (result_val(out, c, payload, 0) < 0) return hv_p3_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

/* Resolves a future<result<_, error-code>> with c and drops it. */
static void future_done(hive_cstream *f, uint32_t c) {
    if (!f) return;
    hive_cval r;
    memset(&r, 0, sizeof r);
    if (result_val(&r, c, NULL, 0) == 0) hive_cstream_write(f, &r, 1); /* a reader gone does not mind */
    hive_cval_clear(&r);
    hive_cstream_close(f);
}

/* ---- the context's network state ---- */

/* Something that lives on after a host call; teardown frees its memory
 * and fds only (the instance, its streams and calls are gone then). */
typedef struct node {
    struct node *prev, *next;
    void (*teardown)(struct node *n);
} node;

typedef struct netst {
    node head; /* a ring */
} netst;

static void net_ext_free(hive_wasip3 *p, void *ext) {
    netst *ns = ext;
    (void)p;
    if (!ns) return;
    node *n = ns->head.next;
    while (n != &ns->head) {
        node *next = n->next;
        n->teardown(n);
        n = next;
    }
    free(ns);
}

static netst *net_of(hive_wasip3 *p) {
    netst *ns = p->ext[P3_EXT_NET];
    if (ns) return ns;
    ns = calloc(1, sizeof *ns);
    if (!ns) return NULL;
    ns->head.next = ns->head.prev = &ns->head;
    p->ext[P3_EXT_NET] = ns;
    p->ext_free[P3_EXT_NET] = net_ext_free;
    return ns;
}

static void node_link(netst *ns, node *n, void (*teardown)(node *)) {
    n->teardown = teardown;
    n->next = ns->head.next;
    n->prev = &ns->head;
    ns->head.next->prev = n;
    ns->head.next = n;
}

static void node_unlink(node *n) {
    if (!n->next) return;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = NULL;
}

static hnet_policy policy(const hive_wasip3 *p) {
    hnet_policy pol = {(p->b.flags & HIVE_WASIP2_INHERIT_NETWORK) != 0, (p->b.flags & HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP) != 0,
                       p->b.net_allow, p->b.nnet_allow};
    return pol;
}

/* ---- sockets ---- */

enum { S_UNBOUND = 0, S_BOUND, S_CONNECTING, S_CONNECTED, S_LISTENING, S_CLOSED };

typedef struct op op;
typedef struct acceptor acceptor;

typedef struct sock {
    int fd;
    uint8_t tcp, v6, state;
    uint8_t sent, received; /* tcp: send / receive was called */
    uint8_t connected;      /* udp: has a remote address */
    uint32_t backlog;
    struct sockaddr_storage peer; /* udp: the remote address when connected */
    op *ops;                      /* pending operations on it */
    acceptor *acc;                /* tcp listening: what feeds its stream */
} sock;

static void sock_free(hive_wasip3 *p, void *obj);
static const p3_rtype TCP_T = {"tcp-socket", sock_free};
static const p3_rtype UDP_T = {"udp-socket", sock_free};

/* An async call waiting on the reactor. */
typedef enum { OP_CONNECT, OP_UDP_SEND, OP_UDP_RECV, OP_LOOKUP } op_kind;

struct op {
    node n;
    op_kind kind;
    hive_chost_deferred *d;
    p3_wait *w;
    int fd;           /* a dup of the socket's (owned) */
    sock *s;          /* NULL once the socket is gone */
    op *snext, *sprev;
    uint8_t *data;    /* udp send */
    size_t len;
    struct sockaddr_storage to;
    socklen_t tolen;
    hnet_lookup *k;   /* lookup */
};

static void op_teardown(node *n) {
    op *o = (op *)n;
    if (o->s) { /* detach */
        if (o->sprev) o->sprev->snext = o->snext;
        else o->s->ops = o->snext;
        if (o->snext) o->snext->sprev = o->sprev;
    }
    if (o->fd >= 0) close(o->fd);
    free(o->data);
    hv_hnet_lookup_free(o->k);
    free(o);
}

static op *op_new(hive_wasip3 *p, op_kind kind, sock *s, p3_wait_fn fn) {
    netst *ns = net_of(p);
    op *o = ns ? calloc(1, sizeof *o) : NULL;
    if (!o) return NULL;
    o->kind = kind;
    o->fd = -1;
    if (s && (o->fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
        free(o);
        return NULL;
    }
    o->w = hv_p3_wait_new(p, fn, o);
    if (!o->w) {
        if (o->fd >= 0) close(o->fd);
        free(o);
        return NULL;
    }
    node_link(ns, &o->n, op_teardown);
    if (s) {
        o->s = s;
        o->snext = s->ops;
        if (s->ops) s->ops->sprev = o;
        s->ops = o;
    }
    return o;
}

/* Ends o: its wait, its place in the lists, its memory. */
static void op_end(hive_wasip3 *p, op *o) {
    hv_p3_wait_free(p, o->w);
    node_unlink(&o->n);
    op_teardown(&o->n);
}

/* Answers o's call with result r (cleared) and ends o. */
static void op_answer(hive_wasip3 *p, op *o, hive_cval *r) {
    hive_chost_return(o->d, r);
    hive_cval_clear(r);
    op_end(p, o);
}

static void acceptor_close(hive_wasip3 *p, acceptor *a);

static void sock_free(hive_wasip3 *p, void *obj) {
    sock *s = obj;
    for (op *o = s->ops; o; o = o->snext) o->s = NULL; /* they go on over their dups */
    if (s->acc) acceptor_close(p, s->acc); /* the listener closes with its handle */
    if (s->fd >= 0) close(s->fd);
    free(s);
}

#define SOCK(T)                                                                                   \
    sock *s = hv_p3_res_get(P3_CTX, P3_REP(0), &T);                                                  \
    if (!s) return hv_p3_trap(call, &T == &TCP_T ? "unknown tcp-socket handle" : "unknown udp-socket handle")

static hive_host_status create(hive_chost_call *call, const hive_cval *args, hive_cval *res, int tcp) {
    hive_wasip3 *p = P3_CTX;
    int v6 = args[0].of.var.index == 1, fd;
    uint32_t e = hv_hnet_socket(v6, tcp, &fd);
    if (e != HNET_OK) return answer(call, &res[0], e, NULL);
    sock *s = calloc(1, sizeof *s);
    uint32_t rep = s ? hv_p3_res_new(p, tcp ? &TCP_T : &UDP_T, s) : 0;
    if (!rep) {
        close(fd);
        free(s);
        return hv_p3_trap(call, "too many host objects");
    }
    s->fd = fd;
    s->tcp = (uint8_t)tcp;
    s->v6 = (uint8_t)v6;
    s->backlog = 128;
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return answer(call, &res[0], HNET_OK, &h);
}

P3_FN(tcp_create) { return create(call, args, res, 1); }
P3_FN(udp_create) { return create(call, args, res, 0); }

static uint32_t check_addr(hive_wasip3 *p, sock *s, const hive_cval *v, unsigned need, struct sockaddr_storage *sa,
                           socklen_t *len) {
    hnet_policy pol = policy(p);
    return hv_hnet_check_addr(&pol, s->v6, v, need, sa, len);
}

static hive_host_status bind_(hive_chost_call *call, const hive_cval *args, hive_cval *res, sock *s) {
    if (s->state != S_UNBOUND) return answer(call, &res[0], HNET_INVALID_STATE, NULL);
    struct sockaddr_storage sa;
    socklen_t len;
    uint32_t e = check_addr(P3_CTX, s, &args[1], HNET_A_UNICAST, &sa, &len);
    if (e == HNET_OK) e = hv_hnet_bind(s->fd, s->tcp, &sa, len);
    if (e == HNET_OK) s->state = S_BOUND;
    return answer(call, &res[0], e, NULL);
}

P3_FN(tcp_bind) {
    SOCK(TCP_T);
    return bind_(call, args, res, s);
}
P3_FN(udp_bind) {
    SOCK(UDP_T);
    return bind_(call, args, res, s);
}

static hive_host_status address(hive_chost_call *call, hive_cval *res, sock *s, int remote) {
    if (!remote && s->state == S_UNBOUND) return answer(call, &res[0], HNET_INVALID_STATE, NULL);
    if (remote && !s->tcp && !s->connected) return answer(call, &res[0], HNET_INVALID_STATE, NULL);
    struct sockaddr_storage sa;
    uint32_t e = hv_hnet_address(s->fd, remote, &sa);
    if (e != HNET_OK) return answer(call, &res[0], e, NULL);
    hive_cval v;
    if (hv_hnet_sa_val(&v, &sa) < 0) return hv_p3_trap(call, "out of memory");
    return answer(call, &res[0], HNET_OK, &v);
}

P3_FN(tcp_local) {
    SOCK(TCP_T);
    return address(call, res, s, 0);
}
P3_FN(tcp_remote) {
    SOCK(TCP_T);
    return address(call, res, s, 1);
}
P3_FN(udp_local) {
    SOCK(UDP_T);
    return address(call, res, s, 0);
}
P3_FN(udp_remote) {
    SOCK(UDP_T);
    return address(call, res, s, 1);
}

P3_FN(tcp_family) {
    SOCK(TCP_T);
    res[0] = hive_cval_enum(s->v6);
    return HIVE_HOST_OK;
}
P3_FN(udp_family) {
    SOCK(UDP_T);
    res[0] = hive_cval_enum(s->v6);
    return HIVE_HOST_OK;
}

P3_FN(tcp_is_listening) {
    SOCK(TCP_T);
    res[0] = hive_cval_bool(s->state == S_LISTENING);
    return HIVE_HOST_OK;
}

/* ---- options ---- */

static hive_host_status opt_get(hive_chost_call *call, hive_cval *res, sock *s, hnet_opt o, hive_ckind vk) {
    uint64_t v = 0;
    uint32_t e = hv_hnet_opt_get(s->fd, s->v6, o, &v);
    if (e != HNET_OK) return answer(call, &res[0], e, NULL);
    hive_cval x = vk == HIVE_C_BOOL ? hive_cval_bool(v != 0) : hive_cval_uint(vk, v);
    return answer(call, &res[0], HNET_OK, &x);
}

static hive_host_status opt_set(hive_chost_call *call, const hive_cval *args, hive_cval *res, sock *s, hnet_opt o) {
    uint64_t x = args[1].kind == HIVE_C_BOOL ? (uint64_t)args[1].of.b : args[1].of.u;
    return answer(call, &res[0], hv_hnet_opt_set(s->fd, s->v6, o, x), NULL);
}

#define TCP_OPT(get, set, opt, kind)                     \
    P3_FN(get) {                                         \
        SOCK(TCP_T);                                     \
        return opt_get(call, res, s, opt, kind);         \
    }                                                    \
    P3_FN(set) {                                         \
        SOCK(TCP_T);                                     \
        return opt_set(call, args, res, s, opt);         \
    }
#define UDP_OPT(get, set, opt, kind)                     \
    P3_FN(get) {                                         \
        SOCK(UDP_T);                                     \
        return opt_get(call, res, s, opt, kind);         \
    }                                                    \
    P3_FN(set) {                                         \
        SOCK(UDP_T);                                     \
        return opt_set(call, args, res, s, opt);         \
    }

TCP_OPT(tcp_keepalive, tcp_set_keepalive, HNET_KEEPALIVE, HIVE_C_BOOL)
TCP_OPT(tcp_keepidle, tcp_set_keepidle, HNET_KEEPIDLE, HIVE_C_U64)
TCP_OPT(tcp_keepintvl, tcp_set_keepintvl, HNET_KEEPINTVL, HIVE_C_U64)
TCP_OPT(tcp_keepcnt, tcp_set_keepcnt, HNET_KEEPCNT, HIVE_C_U32)
TCP_OPT(tcp_hops, tcp_set_hops, HNET_HOPS, HIVE_C_U8)
TCP_OPT(tcp_rcvbuf, tcp_set_rcvbuf, HNET_RCVBUF, HIVE_C_U64)
TCP_OPT(tcp_sndbuf, tcp_set_sndbuf, HNET_SNDBUF, HIVE_C_U64)
UDP_OPT(udp_hops, udp_set_hops, HNET_HOPS, HIVE_C_U8)
UDP_OPT(udp_rcvbuf, udp_set_rcvbuf, HNET_RCVBUF, HIVE_C_U64)
UDP_OPT(udp_sndbuf, udp_set_sndbuf, HNET_SNDBUF, HIVE_C_U64)

P3_FN(tcp_set_backlog) {
    SOCK(TCP_T);
    uint64_t v = args[1].of.u;
    if (v == 0) return answer(call, &res[0], HNET_INVALID_ARGUMENT, NULL);
    if (s->state == S_CONNECTING || s->state == S_CONNECTED) return answer(call, &res[0], HNET_INVALID_STATE, NULL);
    s->backlog = v > 65535 ? 65535 : (uint32_t)v;
    if (s->state == S_LISTENING && listen(s->fd, (int)s->backlog) < 0)
        return answer(call, &res[0], hv_hnet_code_errno(errno), NULL);
    return answer(call, &res[0], HNET_OK, NULL);
}

/* ---- tcp: connect ---- */

static int connect_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    op *o = w->ud;
    if (!(ev & P3_EV_FD)) return 0;
    uint32_t e = hv_hnet_connect_result(o->fd);
    if (o->s) {
        o->s->state = e == HNET_OK ? S_CONNECTED : S_CLOSED;
        if (e == HNET_OK) hv_hnet_reuse(o->fd);
    }
    hive_cval r;
    memset(&r, 0, sizeof r);
    result_val(&r, e, NULL, 0);
    op_answer(p, o, &r);
    return 1;
}

P3_FN(tcp_connect) {
    hive_wasip3 *p = P3_CTX;
    SOCK(TCP_T);
    if (s->state != S_UNBOUND && s->state != S_BOUND) return answer(call, &res[0], HNET_INVALID_STATE, NULL);
    struct sockaddr_storage sa;
    socklen_t len;
    uint32_t e = check_addr(p, s, &args[1], HNET_A_UNICAST | HNET_A_REMOTE, &sa, &len);
    if (e != HNET_OK) return answer(call, &res[0], e, NULL);
    if (connect(s->fd, (struct sockaddr *)&sa, len) == 0) {
        s->state = S_CONNECTED;
        hv_hnet_reuse(s->fd);
        return answer(call, &res[0], HNET_OK, NULL);
    }
    if (errno != EINPROGRESS) {
        e = hv_hnet_code_errno(errno);
        s->state = S_CLOSED;
        return answer(call, &res[0], e, NULL);
    }
    s->state = S_CONNECTING;
    hive_chost_deferred *d = hive_chost_defer(call);
    if (!d) return hv_p3_trap(call, "tcp-socket.connect: not called from an async task");
    op *o = op_new(p, OP_CONNECT, s, connect_fn);
    if (!o) {
        hive_cval r;
        memset(&r, 0, sizeof r);
        result_val(&r, HNET_OUT_OF_MEMORY, NULL, 0);
        hive_chost_return(d, &r);
        hive_cval_clear(&r);
        return hv_p3_trap(call, "tcp-socket.connect: too many host operations in flight");
    }
    o->d = d;
    o->w->fd = o->fd;
    o->w->events = POLLOUT;
    return HIVE_HOST_PENDING;
}

/* ---- tcp: listen ---- */

struct acceptor {
    node n;
    hive_cstream *s; /* stream<tcp-socket> the guest reads */
    p3_wait *w;
    int fd;          /* a dup of the listener's */
    uint8_t v6;
    sock *owner;     /* the listening socket, NULL once dropped */
};

static void acceptor_teardown(node *n) {
    acceptor *a = (acceptor *)n;
    if (a->fd >= 0) close(a->fd);
    free(a);
}

static void acceptor_end(hive_wasip3 *p, acceptor *a) {
    if (a->owner) a->owner->acc = NULL;
    hive_cstream_close(a->s);
    hv_p3_wait_free(p, a->w);
    node_unlink(&a->n);
    acceptor_teardown(&a->n);
}

/* The listening socket's handle is dropped: the listener closes now (its
 * address is free again at once) and its stream ends. When the context
 * itself goes (its waits are freed already, the instance is gone), only
 * the fd is closed; the rest goes with the network state. */
static void acceptor_close(hive_wasip3 *p, acceptor *a) {
    a->owner = NULL;
    if (!p->waits && !p->nwaits) {
        if (a->fd >= 0) close(a->fd);
        a->fd = -1;
        return;
    }
    acceptor_end(p, a);
}

static int accept_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    acceptor *a = w->ud;
    w->deadline = UINT64_MAX;
    for (;;) {
        if (hive_cstream_dropped(a->s)) { /* the guest stopped listening */
            acceptor_end(p, a);
            return 0;
        }
        if (hive_cstream_queued(a->s)) { /* the guest has not taken the last one yet */
            w->fd = -1;
            w->check = 1;
            return 0;
        }
        int c = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO || errno == ENETDOWN ||
                errno == ENOPROTOOPT || errno == EHOSTDOWN || errno == ENONET || errno == EHOSTUNREACH ||
                errno == EOPNOTSUPP || errno == ENETUNREACH)
                continue; /* that connection failed; the stream goes on */
            w->fd = a->fd;
            w->events = POLLIN;
            w->check = 1;
            if (errno != EAGAIN && errno != EWOULDBLOCK) { /* out of fds or memory: try again soon */
                w->fd = -1;
                w->deadline = hv_p3_mono_ns(p) + 50000000u;
            }
            return 0;
        }
        sock *s = calloc(1, sizeof *s);
        uint32_t rep = s ? hv_p3_res_new(p, &TCP_T, s) : 0;
        if (!rep) {
            free(s);
            close(c);
            w->fd = -1;
            w->deadline = hv_p3_mono_ns(p) + 50000000u;
            return 0;
        }
        s->fd = c;
        s->tcp = 1;
        s->v6 = a->v6;
        s->state = S_CONNECTED;
        s->backlog = 128;
        hv_hnet_reuse(c);
        hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
        if (hive_cstream_write(a->s, &h, 1) < 0) {
            hv_p3_res_free(p, rep);
            acceptor_end(p, a);
            return 0;
        }
        return 1;
    }
}

P3_FN(tcp_listen) {
    hive_wasip3 *p = P3_CTX;
    SOCK(TCP_T);
    if (s->state != S_UNBOUND && s->state != S_BOUND) return answer(call, &res[0], HNET_INVALID_STATE, NULL);
    if (s->state == S_UNBOUND) { /* listen binds it to any address */
        hnet_policy pol = policy(p);
        uint32_t e = hv_hnet_check_implicit_bind(&pol, s->v6);
        if (e != HNET_OK) return answer(call, &res[0], e, NULL);
    }
    hv_hnet_reuse(s->fd);
    if (listen(s->fd, (int)s->backlog) < 0) {
        uint32_t e = hv_hnet_code_errno(errno);
        return answer(call, &res[0], e, NULL);
    }
    s->state = S_LISTENING;
    netst *ns = net_of(p);
    acceptor *a = ns ? calloc(1, sizeof *a) : NULL;
    if (!a) return hv_p3_trap(call, "out of memory");
    a->fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
    a->v6 = s->v6;
    a->w = a->fd >= 0 ? hv_p3_wait_new(p, accept_fn, a) : NULL;
    hive_cval rd;
    a->s = a->w ? hive_cstream_new(call->instance, 0, &rd) : NULL;
    if (!a->s) {
        if (a->w) hv_p3_wait_free(p, a->w);
        if (a->fd >= 0) close(a->fd);
        free(a);
        return hv_p3_trap(call, "tcp-socket.listen: too many host operations in flight");
    }
    node_link(ns, &a->n, acceptor_teardown);
    a->owner = s;
    s->acc = a;
    a->w->fd = a->fd;
    a->w->events = POLLIN;
    a->w->check = 1;
    return answer(call, &res[0], HNET_OK, &rd);
}

/* ---- tcp: send / receive ---- */

/* A pump's end: its future and a dup of the socket to shut down. */
typedef struct pipe_end {
    node n;
    hive_cstream *fut;
    int fd, how;
} pipe_end;

static void pipe_teardown(node *n) {
    pipe_end *e = (pipe_end *)n;
    if (e->fd >= 0) close(e->fd);
    free(e);
}

static void pipe_done(hive_wasip3 *p, void *ud, uint32_t wasi_errno) {
    (void)p;
    pipe_end *e = ud;
    if (e->fd >= 0) shutdown(e->fd, e->how);
    future_done(e->fut, wasi_errno ? hv_hnet_code_wasi(wasi_errno) : HNET_OK);
    e->fut = NULL;
    node_unlink(&e->n);
    pipe_teardown(&e->n);
}

/* A pipe_end for socket s with a new future (*fut_out); NULL on failure. */
static pipe_end *pipe_new(hive_wasip3 *p, hive_cinstance *inst, sock *s, int how, hive_cval *fut_out) {
    netst *ns = net_of(p);
    pipe_end *e = ns ? calloc(1, sizeof *e) : NULL;
    if (!e) return NULL;
    e->how = how;
    e->fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
    e->fut = e->fd >= 0 ? hive_cstream_new(inst, 1, fut_out) : NULL;
    if (!e->fut) {
        if (e->fd >= 0) close(e->fd);
        free(e);
        return NULL;
    }
    node_link(ns, &e->n, pipe_teardown);
    return e;
}

static void pipe_fail(pipe_end *e) {
    hive_cstream_close(e->fut);
    node_unlink(&e->n);
    pipe_teardown(&e->n);
}

/* A future already resolved with c. */
static int ready_future(hive_cinstance *inst, uint32_t c, hive_cval *out) {
    hive_cstream *f = hive_cstream_new(inst, 1, out);
    if (!f) return -1;
    future_done(f, c);
    return 0;
}

P3_FN(tcp_send) {
    hive_wasip3 *p = P3_CTX;
    SOCK(TCP_T);
    hive_cval *data = (hive_cval *)&args[1]; /* taken over by the pump */
    if (s->state != S_CONNECTED || s->sent) {
        hive_cstream *r = hive_cstream_reader(call->instance, data);
        if (r) hive_cstream_close(r); /* nobody reads it */
        if (ready_future(call->instance, HNET_INVALID_STATE, &res[0]) < 0) return hv_p3_trap(call, "out of memory");
        return HIVE_HOST_OK;
    }
    pipe_end *e = pipe_new(p, call->instance, s, SHUT_WR, &res[0]);
    int fd = e ? fcntl(s->fd, F_DUPFD_CLOEXEC, 0) : -1;
    p3_io io = {fd, 1, -1, NULL};
    if (fd < 0 || !hv_p3_drain_new(p, call->instance, data, &io, NULL, NULL, pipe_done, e)) {
        if (fd >= 0) close(fd);
        if (e) pipe_fail(e);
        return hv_p3_trap(call, "tcp-socket.send: too many host operations in flight");
    }
    s->sent = 1;
    return HIVE_HOST_OK;
}

P3_FN(tcp_receive) {
    hive_wasip3 *p = P3_CTX;
    SOCK(TCP_T);
    if (hive_cval_agg(&res[0], HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p3_trap(call, "out of memory");
    hive_cval *t = res[0].of.agg.items;
    if (s->state != S_CONNECTED || s->received) { /* an empty stream, err(invalid-state) */
        hive_cstream *st = hive_cstream_new(call->instance, 0, &t[0]);
        if (!st || ready_future(call->instance, HNET_INVALID_STATE, &t[1]) < 0) {
            if (st) hive_cstream_close(st);
            return hv_p3_trap(call, "out of memory");
        }
        hive_cstream_close(st);
        return HIVE_HOST_OK;
    }
    pipe_end *e = pipe_new(p, call->instance, s, SHUT_RD, &t[1]);
    int fd = e ? fcntl(s->fd, F_DUPFD_CLOEXEC, 0) : -1;
    p3_io io = {fd, 1, -1, NULL};
    if (fd < 0 || !hv_p3_feed_new(p, call->instance, &io, 0, &t[0], NULL, NULL, pipe_done, e)) {
        if (fd >= 0) close(fd);
        if (e) pipe_fail(e);
        return hv_p3_trap(call, "tcp-socket.receive: too many host operations in flight");
    }
    s->received = 1;
    return HIVE_HOST_OK;
}

/* ---- udp ---- */

static int sa_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
    if (a->ss_family != b->ss_family || hv_hnet_sa_port(a) != hv_hnet_sa_port(b)) return 0;
    if (a->ss_family == AF_INET)
        return !memcmp(&((const struct sockaddr_in *)(const void *)a)->sin_addr,
                       &((const struct sockaddr_in *)(const void *)b)->sin_addr, 4);
    return !memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
                   &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr, 16);
}

static void udp_forget_peer(sock *s) {
    struct sockaddr un = {.sa_family = AF_UNSPEC};
    connect(s->fd, &un, sizeof un);
    s->connected = 0;
}

P3_FN(udp_connect) {
    hive_wasip3 *p = P3_CTX;
    SOCK(UDP_T);
    struct sockaddr_storage sa;
    socklen_t len;
    uint32_t e = check_addr(p, s, &args[1], HNET_A_UNICAST | HNET_A_REMOTE, &sa, &len);
    if (e != HNET_OK) return answer(call, &res[0], e, NULL);
    if (s->connected) udp_forget_peer(s);
    if (connect(s->fd, (struct sockaddr *)&sa, len) < 0) return answer(call, &res[0], hv_hnet_code_errno(errno), NULL);
    s->connected = 1;
    s->peer = sa;
    s->state = S_BOUND; /* bound implicitly if it was not */
    return answer(call, &res[0], HNET_OK, NULL);
}

P3_FN(udp_disconnect) {
    SOCK(UDP_T);
    if (!s->connected) return answer(call, &res[0], HNET_INVALID_STATE, NULL);
    udp_forget_peer(s);
    return answer(call, &res[0], HNET_OK, NULL);
}

/* One datagram now: HNET_OK, HNET_WOULD_BLOCK, or the condition. */
static uint32_t udp_try_send(int fd, const uint8_t *b, size_t n, const struct sockaddr_storage *to, socklen_t tolen) {
    ssize_t r;
    do r = tolen ? sendto(fd, b, n, MSG_NOSIGNAL, (const struct sockaddr *)to, tolen) : send(fd, b, n, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r >= 0) return HNET_OK;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return HNET_WOULD_BLOCK;
    if (errno == ECONNREFUSED) return HNET_CONNECTION_REFUSED;
    if (errno == ECONNRESET) return HNET_REMOTE_UNREACHABLE;
    return hv_hnet_code_errno(errno);
}

static int udp_send_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    op *o = w->ud;
    uint32_t e = udp_try_send(o->fd, o->data, o->len, &o->to, o->tolen);
    if (e == HNET_WOULD_BLOCK) return 0;
    hive_cval r;
    memset(&r, 0, sizeof r);
    result_val(&r, e, NULL, 0);
    op_answer(p, o, &r);
    return 1;
}

P3_FN(udp_send) {
    hive_wasip3 *p = P3_CTX;
    SOCK(UDP_T);
    const hive_cval *ra = &args[2];
    struct sockaddr_storage to;
    socklen_t tolen = 0;
    if (ra->of.var.index == 1) {
        hnet_policy pol = policy(p);
        if (hv_hnet_sa_from(ra->of.var.payload, &to, &tolen) < 0) return answer(call, &res[0], HNET_INVALID_ARGUMENT, NULL);
        uint32_t e = hv_hnet_check_addr(&pol, s->v6, ra->of.var.payload, HNET_A_UNICAST, &to, &tolen);
        if (e == HNET_OK && hv_hnet_sa_unspecified(&to)) e = HNET_INVALID_ARGUMENT;
        if (e == HNET_OK && hv_hnet_sa_port(&to) == 0) e = HNET_ADDRESS_NOT_BINDABLE;
        if (e == HNET_OK && s->connected && !sa_equal(&to, &s->peer)) e = HNET_INVALID_ARGUMENT;
        if (e != HNET_OK) return answer(call, &res[0], e, NULL);
        if (s->connected) tolen = 0; /* the peer it is connected to */
    } else if (!s->connected) {
        return answer(call, &res[0], HNET_INVALID_ARGUMENT, NULL);
    }
    const hive_cval *dv = &args[1];
    size_t n = dv->kind == HIVE_C_PACKED ? dv->of.packed.n : dv->kind == HIVE_C_LIST ? dv->of.agg.n : 0;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) return hv_p3_trap(call, "out of memory");
    if (dv->kind == HIVE_C_PACKED) {
        size_t bn;
        memcpy(b, hive_cval_bytes(dv, &bn), n);
    } else {
        for (size_t i = 0; i < n; i++) b[i] = (uint8_t)dv->of.agg.items[i].of.u;
    }
    uint32_t e = udp_try_send(s->fd, b, n, &to, tolen);
    if (e != HNET_WOULD_BLOCK) {
        free(b);
        if (e == HNET_OK && s->state == S_UNBOUND) s->state = S_BOUND; /* bound implicitly */
        return answer(call, &res[0], e, NULL);
    }
    if (s->state == S_UNBOUND) s->state = S_BOUND;
    hive_chost_deferred *d = hive_chost_defer(call);
    op *o = d ? op_new(p, OP_UDP_SEND, s, udp_send_fn) : NULL;
    if (!o) {
        free(b);
        if (d) {
            hive_cval r;
            memset(&r, 0, sizeof r);
            result_val(&r, HNET_OUT_OF_MEMORY, NULL, 0);
            hive_chost_return(d, &r);
            hive_cval_clear(&r);
        }
        return hv_p3_trap(call, d ? "udp-socket.send: too many host operations in flight"
                               : "udp-socket.send: not called from an async task");
    }
    o->d = d;
    o->data = b;
    o->len = n;
    o->to = to;
    o->tolen = tolen;
    o->w->fd = o->fd;
    o->w->events = POLLOUT;
    return HIVE_HOST_PENDING;
}

/* One datagram now into *r (a result); 1 done, 0 would block. */
static int udp_try_recv(int fd, hive_cval *r) {
    uint8_t *buf = malloc(65536); /* one datagram at most */
    if (!buf) return -1;
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    memset(&from, 0, sizeof from);
    ssize_t n;
    do n = recvfrom(fd, buf, 65536, 0, (struct sockaddr *)&from, &fl);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        free(buf);
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        uint32_t e = errno == ECONNREFUSED ? HNET_CONNECTION_REFUSED
                     : errno == ECONNRESET ? HNET_REMOTE_UNREACHABLE
                                           : hv_hnet_code_errno(errno);
        result_val(r, e, NULL, 0);
        return 1;
    }
    hive_cval t;
    if (hive_cval_agg(&t, HIVE_C_TUPLE, 2) != HIVE_OK) {
        free(buf);
        return -1;
    }
    int bad = hv_wval_bytes(&t.of.agg.items[0], buf, (size_t)n) < 0 || hv_hnet_sa_val(&t.of.agg.items[1], &from) < 0;
    free(buf);
    if (bad) {
        hive_cval_clear(&t);
        return -1;
    }
    return result_val(r, HNET_OK, &t, 0) < 0 ? -1 : 1;
}

static int udp_recv_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    op *o = w->ud;
    hive_cval r;
    memset(&r, 0, sizeof r);
    int k = udp_try_recv(o->fd, &r);
    if (k == 0) return 0;
    if (k < 0) result_val(&r, HNET_OUT_OF_MEMORY, NULL, 0);
    op_answer(p, o, &r);
    return 1;
}

P3_FN(udp_receive) {
    hive_wasip3 *p = P3_CTX;
    SOCK(UDP_T);
    if (s->state == S_UNBOUND) return answer(call, &res[0], HNET_INVALID_STATE, NULL);
    int k = udp_try_recv(s->fd, &res[0]);
    if (k < 0) return hv_p3_trap(call, "out of memory");
    if (k > 0) return HIVE_HOST_OK;
    hive_chost_deferred *d = hive_chost_defer(call);
    op *o = d ? op_new(p, OP_UDP_RECV, s, udp_recv_fn) : NULL;
    if (!o) {
        if (d) {
            hive_cval r;
            memset(&r, 0, sizeof r);
            result_val(&r, HNET_OUT_OF_MEMORY, NULL, 0);
            hive_chost_return(d, &r);
            hive_cval_clear(&r);
        }
        return hv_p3_trap(call, d ? "udp-socket.receive: too many host operations in flight"
                               : "udp-socket.receive: not called from an async task");
    }
    o->d = d;
    o->w->fd = o->fd;
    o->w->events = POLLIN;
    return HIVE_HOST_PENDING;
}

/* ---- ip-name-lookup ---- */

/* The result of a finished lookup into *r; 0 or -1 (out of memory). */
static int lookup_result(hnet_lookup *k, hive_cval *r) {
    uint32_t e;
    const struct sockaddr_storage *addrs;
    size_t n;
    hv_hnet_lookup_done(k, &e, &addrs, &n);
    if (e != HNET_OK) return result_val(r, e, NULL, 1);
    hive_cval list;
    if (hive_cval_agg(&list, HIVE_C_LIST, n) != HIVE_OK) return -1;
    for (size_t i = 0; i < n; i++)
        if (hv_hnet_ipaddr_val(&list.of.agg.items[i], &addrs[i]) < 0) {
            list.of.agg.n = i;
            hive_cval_clear(&list);
            return -1;
        }
    return result_val(r, HNET_OK, &list, 1);
}

static int lookup_fn(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    op *o = w->ud;
    if (hv_hnet_lookup_fd(o->k) >= 0) return 0; /* not yet */
    hive_cval r;
    memset(&r, 0, sizeof r);
    if (lookup_result(o->k, &r) < 0) result_val(&r, HNET_OUT_OF_MEMORY, NULL, 1);
    op_answer(p, o, &r);
    return 1;
}

P3_FN(resolve_addresses) {
    hive_wasip3 *p = P3_CTX;
    hnet_policy pol = policy(p);
    if (!pol.name_lookup) {
        if (result_val(&res[0], HNET_ACCESS_DENIED, NULL, 1) < 0) return hv_p3_trap(call, "out of memory");
        return HIVE_HOST_OK;
    }
    uint32_t e;
    hnet_lookup *k = hv_hnet_lookup_start(args[0].of.str.ptr, args[0].of.str.len, &e);
    if (!k) {
        if (e == HNET_OUT_OF_MEMORY || result_val(&res[0], e, NULL, 1) < 0) return hv_p3_trap(call, "out of memory");
        return HIVE_HOST_OK;
    }
    int fd = hv_hnet_lookup_fd(k);
    if (fd < 0) { /* an IP literal */
        int r = lookup_result(k, &res[0]);
        hv_hnet_lookup_free(k);
        return r < 0 ? hv_p3_trap(call, "out of memory") : HIVE_HOST_OK;
    }
    hive_chost_deferred *d = hive_chost_defer(call);
    op *o = d ? op_new(p, OP_LOOKUP, NULL, lookup_fn) : NULL;
    if (!o) {
        hv_hnet_lookup_free(k);
        if (d) {
            hive_cval r;
            memset(&r, 0, sizeof r);
            result_val(&r, HNET_TEMPORARY_RESOLVER_FAILURE, NULL, 1);
            hive_chost_return(d, &r);
            hive_cval_clear(&r);
        }
        return hv_p3_trap(call, d ? "resolve-addresses: too many host operations in flight"
                               : "resolve-addresses: not called from an async task");
    }
    o->d = d;
    o->k = k;
    o->w->fd = fd;
    o->w->events = POLLIN;
    return HIVE_HOST_PENDING;
}

/* ---- definitions ---- */

int hv_p3_define_sockets(hive_wasip3 *p, hive_linker *l) {
    int rc;
    if ((rc = hv_p3_define_resource(p, l, TYPES, "tcp-socket")) || (rc = hv_p3_define_resource(p, l, TYPES, "udp-socket")))
        return rc;
#define TS "self: borrow<tcp-socket>"
#define US "self: borrow<udp-socket>"
    static const p3_fndef types[] = {
        {"[static]tcp-socket.create", "func(address-family: " FAM ") -> " R("own<tcp-socket>"), tcp_create},
        {"[method]tcp-socket.bind", "func(" TS ", local-address: " SOCKADDR ") -> " R0, tcp_bind},
        {"[method]tcp-socket.connect", "async func(" TS ", remote-address: " SOCKADDR ") -> " R0, tcp_connect},
        {"[method]tcp-socket.listen", "func(" TS ") -> " R("stream<own<tcp-socket>>"), tcp_listen},
        {"[method]tcp-socket.send", "func(" TS ", data: stream<u8>) -> " FUT0, tcp_send},
        {"[method]tcp-socket.receive", "func(" TS ") -> tuple<stream<u8>, " FUT0 ">", tcp_receive},
        {"[method]tcp-socket.get-local-address", "func(" TS ") -> " R(SOCKADDR), tcp_local},
        {"[method]tcp-socket.get-remote-address", "func(" TS ") -> " R(SOCKADDR), tcp_remote},
        {"[method]tcp-socket.get-is-listening", "func(" TS ") -> bool", tcp_is_listening},
        {"[method]tcp-socket.get-address-family", "func(" TS ") -> " FAM, tcp_family},
        {"[method]tcp-socket.set-listen-backlog-size", "func(" TS ", value: u64) -> " R0, tcp_set_backlog},
        {"[method]tcp-socket.get-keep-alive-enabled", "func(" TS ") -> " R("bool"), tcp_keepalive},
        {"[method]tcp-socket.set-keep-alive-enabled", "func(" TS ", value: bool) -> " R0, tcp_set_keepalive},
        {"[method]tcp-socket.get-keep-alive-idle-time", "func(" TS ") -> " R("u64"), tcp_keepidle},
        {"[method]tcp-socket.set-keep-alive-idle-time", "func(" TS ", value: u64) -> " R0, tcp_set_keepidle},
        {"[method]tcp-socket.get-keep-alive-interval", "func(" TS ") -> " R("u64"), tcp_keepintvl},
        {"[method]tcp-socket.set-keep-alive-interval", "func(" TS ", value: u64) -> " R0, tcp_set_keepintvl},
        {"[method]tcp-socket.get-keep-alive-count", "func(" TS ") -> " R("u32"), tcp_keepcnt},
        {"[method]tcp-socket.set-keep-alive-count", "func(" TS ", value: u32) -> " R0, tcp_set_keepcnt},
        {"[method]tcp-socket.get-hop-limit", "func(" TS ") -> " R("u8"), tcp_hops},
        {"[method]tcp-socket.set-hop-limit", "func(" TS ", value: u8) -> " R0, tcp_set_hops},
        {"[method]tcp-socket.get-receive-buffer-size", "func(" TS ") -> " R("u64"), tcp_rcvbuf},
        {"[method]tcp-socket.set-receive-buffer-size", "func(" TS ", value: u64) -> " R0, tcp_set_rcvbuf},
        {"[method]tcp-socket.get-send-buffer-size", "func(" TS ") -> " R("u64"), tcp_sndbuf},
        {"[method]tcp-socket.set-send-buffer-size", "func(" TS ", value: u64) -> " R0, tcp_set_sndbuf},
        {"[static]udp-socket.create", "func(address-family: " FAM ") -> " R("own<udp-socket>"), udp_create},
        {"[method]udp-socket.bind", "func(" US ", local-address: " SOCKADDR ") -> " R0, udp_bind},
        {"[method]udp-socket.connect", "func(" US ", remote-address: " SOCKADDR ") -> " R0, udp_connect},
        {"[method]udp-socket.disconnect", "func(" US ") -> " R0, udp_disconnect},
        {"[method]udp-socket.send",
         "async func(" US ", data: list<u8>, remote-address: option<" SOCKADDR ">) -> " R0, udp_send},
        {"[method]udp-socket.receive", "async func(" US ") -> " R("tuple<list<u8>, " SOCKADDR ">"), udp_receive},
        {"[method]udp-socket.get-local-address", "func(" US ") -> " R(SOCKADDR), udp_local},
        {"[method]udp-socket.get-remote-address", "func(" US ") -> " R(SOCKADDR), udp_remote},
        {"[method]udp-socket.get-address-family", "func(" US ") -> " FAM, udp_family},
        {"[method]udp-socket.get-unicast-hop-limit", "func(" US ") -> " R("u8"), udp_hops},
        {"[method]udp-socket.set-unicast-hop-limit", "func(" US ", value: u8) -> " R0, udp_set_hops},
        {"[method]udp-socket.get-receive-buffer-size", "func(" US ") -> " R("u64"), udp_rcvbuf},
        {"[method]udp-socket.set-receive-buffer-size", "func(" US ", value: u64) -> " R0, udp_set_rcvbuf},
        {"[method]udp-socket.get-send-buffer-size", "func(" US ") -> " R("u64"), udp_sndbuf},
        {"[method]udp-socket.set-send-buffer-size", "func(" US ", value: u64) -> " R0, udp_set_sndbuf},
    };
    static const p3_fndef lookup[] = {
        {"resolve-addresses", "async func(name: string) -> result<list<" IPADDR ">, " LEC ">", resolve_addresses},
    };
    if ((rc = hv_p3_define_funcs(p, l, TYPES, types, P3_COUNT(types))) ||
        (rc = hv_p3_define_funcs(p, l, LOOKUP, lookup, P3_COUNT(lookup))))
        return rc;
    return HIVE_OK;
}
