/*
 * sockets.c -- wasi:sockets (network, instance-network, tcp,
 * tcp-create-socket, udp, udp-create-socket, ip-name-lookup).
 *
 * Off unless granted, as in wasmtime: without HIVE_WASIP2_INHERIT_NETWORK
 * a socket can be created and configured, but every bind, connect and
 * send is access-denied; with it, a non-empty allow-list
 * (hive_wasip2_net_rule) limits the addresses a socket may bind, connect
 * or send to. Name lookups need HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP.
 *
 * Sockets are non-blocking; nothing waits in a host call. The two-phase
 * calls (start-connect / finish-connect...) say would-block until their
 * pollable is ready: a connect in progress waits for POLLOUT, a listener
 * for POLLIN; connected streams are the stream objects of io.c over dups
 * of the socket's fd. Names resolve on a helper thread (net_common.c's
 * hnet_lookup), or at once for an IP literal. Addresses, permissions,
 * options and error conditions are net_common.c's, shared with 0.3.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasip2/net_common.h"
#include "wasip2/p2_impl.h"

#define NET "wasi:sockets/network" P2_V
#define TCP "wasi:sockets/tcp" P2_V
#define UDP "wasi:sockets/udp" P2_V
#define LOOKUP "wasi:sockets/ip-name-lookup" P2_V

#define NEC                                                                                    \
    "enum { unknown, access-denied, not-supported, invalid-argument, out-of-memory, timeout, " \
    "concurrency-conflict, not-in-progress, would-block, invalid-state, new-socket-limit, "   \
    "address-not-bindable, address-in-use, remote-unreachable, connection-refused, "          \
    "connection-reset, connection-aborted, datagram-too-large, name-unresolvable, "           \
    "temporary-resolver-failure, permanent-resolver-failure }"
/* the WIT type text 0.2 and 0.3 share (net_common.h) */
#define FAM HNET_WIT_FAMILY
#define IPADDR HNET_WIT_IP_ADDRESS
#define SOCKADDR HNET_WIT_IP_SOCKET_ADDRESS
#define NR(T) "result<" T ", " NEC ">"
#define NR0 "result<_, " NEC ">"
#define BNET "borrow<" NET "#network>"
#define OWN_POLL "own<wasi:io/poll" P2_V "#pollable>"
#define OWN_IN "own<wasi:io/streams" P2_V "#input-stream>"
#define OWN_OUT "own<wasi:io/streams" P2_V "#output-stream>"

/* socket states */
enum {
    S_UNBOUND = 0, S_BIND_STARTED, S_BOUND, S_LISTEN_STARTED, S_LISTENING, S_CONNECTING,
    S_CONNECT_DONE, S_CONNECTED, S_CLOSED
};

/* 0.2 has no connection-broken */
static uint32_t p2_case(uint32_t code) { return code == HNET_CONNECTION_BROKEN ? HNET_CONNECTION_RESET : code; }

uint32_t hv_p2_net_code(uint32_t e) { return p2_case(hv_hnet_code_wasi(e)); }

static hive_host_status net_result(hive_cval *out, uint32_t code, hive_cval *payload) {
    if (code != UINT32_MAX) {
        if (payload) hive_cval_clear(payload);
        hive_cval c = hive_cval_enum(p2_case(code));
        hv_wval_err(out, &c);
    } else {
        hv_wval_ok(out, payload);
    }
    return HIVE_HOST_OK;
}
#define OK HNET_OK
#define HOSTCODE() hv_hnet_code_errno(errno)

/* ---- policy ---- */

int hive_wasip2_parse_net_rule(const char *text, hive_wasip2_net_rule *out) {
    memset(out, 0, sizeof *out);
    if (!text || !*text) return HIVE_EARG;
    char buf[128];
    if (strlen(text) >= sizeof buf) return HIVE_EARG;
    strcpy(buf, text);
    char *addr = buf, *port = NULL, *slash;
    if (buf[0] == '[') { /* [v6]:port or [v6]/prefix:port */
        char *end = strchr(buf, ']');
        if (!end) return HIVE_EARG;
        *end = 0;
        addr = buf + 1;
        char *rest = end + 1;
        slash = NULL;
        if (*rest == '/') {
            slash = rest;
            rest = strchr(rest, ':');
            if (rest) *rest++ = 0, port = rest;
        } else if (*rest == ':') {
            port = rest + 1;
        } else if (*rest) {
            return HIVE_EARG;
        }
        if (slash) {
            char *e;
            long pre = strtol(slash + 1, &e, 10);
            if (e == slash + 1 || *e || pre < 0 || pre > 128) return HIVE_EARG;
            out->prefix = (uint8_t)pre;
        } else {
            out->prefix = 128;
        }
        out->family = 6;
        if (inet_pton(AF_INET6, addr, out->addr) != 1) return HIVE_EARG;
    } else {
        char *colon = strchr(buf, ':');
        int v6 = colon && strchr(colon + 1, ':');
        if (!v6 && colon) {
            *colon = 0;
            port = colon + 1;
        }
        slash = strchr(buf, '/');
        long pre = v6 ? 128 : 32;
        if (slash) {
            *slash = 0;
            char *e;
            pre = strtol(slash + 1, &e, 10);
            if (e == slash + 1 || *e || pre < 0 || pre > (v6 ? 128 : 32)) return HIVE_EARG;
        }
        out->family = v6 ? 6 : 4;
        out->prefix = (uint8_t)pre;
        if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, out->addr) != 1) return HIVE_EARG;
    }
    if (port) {
        char *e;
        long n = strtol(port, &e, 10);
        if (e == port || *e || n < 1 || n > 65535) return HIVE_EARG;
        out->port = (uint16_t)n;
    }
    return 0;
}

static hnet_policy policy(const hive_wasip2 *p) {
    hnet_policy pol = {(p->b.flags & HIVE_WASIP2_INHERIT_NETWORK) != 0, (p->b.flags & HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP) != 0,
                       p->b.net_allow, p->b.nnet_allow};
    return pol;
}

/* ---- objects ---- */

/* a resolve-address-stream */
typedef struct lookup {
    hnet_lookup *k;
    size_t next;
} lookup;

void hv_p2_sock_free(hive_wasip2 *p, p2_obj *o) {
    (void)p;
    if (o->kind != P2_RESOLVE || !o->ext) return;
    lookup *l = o->ext;
    o->ext = NULL;
    hv_hnet_lookup_free(l->k);
    free(l);
}

int hv_p2_sock_ready(hive_wasip2 *p, uint32_t rep, int add_wait) {
    if (rep == 0 || rep > p->nobjs) return 1;
    p2_obj *o = &p->objs[rep - 1];
    short ev = 0;
    switch (o->kind) {
    case P2_TCP:
        if (o->state == S_CONNECTING) ev = POLLOUT;
        else if (o->state == S_LISTENING) ev = POLLIN;
        break;
    case P2_UDP_IN: ev = POLLIN; break;
    case P2_UDP_OUT: ev = POLLOUT; break;
    case P2_RESOLVE: {
        lookup *l = o->ext;
        int fd = l ? hv_hnet_lookup_fd(l->k) : -1;
        if (fd < 0) return 1;
        if (add_wait) hv_p2_wait_fd(p, fd, POLLIN);
        return 0;
    }
    default: return 1;
    }
    if (!ev || hv_hnet_fd_ready(o->fd, ev)) return 1;
    if (add_wait) hv_p2_wait_fd(p, o->fd, ev);
    return 0;
}

static hive_host_status new_sock_pollable(hive_chost_call *call, uint32_t target, hive_cval *out) {
    uint32_t rep;
    p2_obj *o = hv_p2_new(P2_CTX, P2_POLLABLE, &rep);
    if (!o) return hv_p2_trap(call, "too many host objects");
    o->pwhat = P2_P_SOCK;
    o->target = target;
    if (target) P2_CTX->ntargeted++;
    *out = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return HIVE_HOST_OK;
}

/* ---- network ---- */

P2_FN(instance_network) {
    uint32_t rep;
    if (!hv_p2_new(P2_CTX, P2_NETWORK, &rep)) return hv_p2_trap(call, "too many host objects");
    res[0] = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return HIVE_HOST_OK;
}

P2_FN(network_error_code) {
    p2_obj *o = hv_p2_get(P2_CTX, P2_REP(0), P2_ERROR);
    if (!o) return hv_p2_trap(call, "unknown error handle");
    if (!o->code) {
        if (hive_cval_case(&res[0], HIVE_C_OPTION, 0, NULL) != HIVE_OK) return hv_p2_trap(call, "out of memory");
        return HIVE_HOST_OK;
    }
    hive_cval c = hive_cval_enum(hv_p2_net_code(o->code - 1));
    if (hive_cval_case(&res[0], HIVE_C_OPTION, 1, &c) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

/* ---- creating sockets ---- */

static hive_host_status create_socket(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                      p2_kind kind) {
    hive_wasip2 *p = P2_CTX;
    int v6 = args[0].of.var.index == 1, fd;
    uint32_t e = hv_hnet_socket(v6, kind == P2_TCP, &fd);
    if (e != OK) return net_result(&res[0], e, NULL);
    uint32_t rep;
    p2_obj *o = hv_p2_new(p, kind, &rep);
    if (!o) {
        close(fd);
        return hv_p2_trap(call, "too many host objects");
    }
    o->fd = fd;
    o->owned = 1;
    o->family = (uint8_t)v6;
    o->backlog = 128;
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return net_result(&res[0], OK, &h);
}

P2_FN(create_tcp_socket) { return create_socket(call, args, res, P2_TCP); }
P2_FN(create_udp_socket) { return create_socket(call, args, res, P2_UDP); }

/* The address v checked for the socket o (need: HNET_A_*); OK or the
 * condition. */
static uint32_t sock_addr(hive_wasip2 *p, p2_obj *o, const hive_cval *v, unsigned need,
                          struct sockaddr_storage *sa, socklen_t *len) {
    hnet_policy pol = policy(p);
    return hv_hnet_check_addr(&pol, o->family == 1, v, need, sa, len);
}

#define SOCK(kind, what)                                                 \
    p2_obj *o = hv_p2_get(P2_CTX, P2_REP(0), kind);                         \
    if (!o) return hv_p2_trap(call, "unknown " what " handle")

static hive_host_status start_bind(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                   p2_kind kind) {
    SOCK(kind, "socket");
    if (!hv_p2_get(P2_CTX, (uint32_t)args[1].of.res.handle, P2_NETWORK)) return hv_p2_trap(call, "unknown network handle");
    if (o->state != S_UNBOUND) return net_result(&res[0], HNET_INVALID_STATE, NULL);
    struct sockaddr_storage sa;
    socklen_t len;
    uint32_t e = sock_addr(P2_CTX, o, &args[2], HNET_A_UNICAST, &sa, &len);
    if (e == OK) e = hv_hnet_bind(o->fd, kind == P2_TCP, &sa, len);
    if (e != OK) return net_result(&res[0], e, NULL);
    o->state = S_BIND_STARTED;
    return net_result(&res[0], OK, NULL);
}

static hive_host_status finish_bind(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                    p2_kind kind) {
    SOCK(kind, "socket");
    if (o->state != S_BIND_STARTED) return net_result(&res[0], HNET_NOT_IN_PROGRESS, NULL);
    o->state = S_BOUND;
    return net_result(&res[0], OK, NULL);
}

P2_FN(tcp_start_bind) { return start_bind(call, args, res, P2_TCP); }
P2_FN(tcp_finish_bind) { return finish_bind(call, args, res, P2_TCP); }
P2_FN(udp_start_bind) { return start_bind(call, args, res, P2_UDP); }
P2_FN(udp_finish_bind) { return finish_bind(call, args, res, P2_UDP); }

/* ---- tcp ---- */

P2_FN(tcp_start_connect) {
    SOCK(P2_TCP, "tcp-socket");
    if (!hv_p2_get(P2_CTX, (uint32_t)args[1].of.res.handle, P2_NETWORK)) return hv_p2_trap(call, "unknown network handle");
    if (o->state != S_UNBOUND && o->state != S_BOUND) return net_result(&res[0], HNET_INVALID_STATE, NULL);
    struct sockaddr_storage sa;
    socklen_t len;
    uint32_t e = sock_addr(P2_CTX, o, &args[2], HNET_A_UNICAST | HNET_A_REMOTE, &sa, &len);
    if (e != OK) return net_result(&res[0], e, NULL);
    hv_hnet_reuse(o->fd);
    if (connect(o->fd, (struct sockaddr *)&sa, len) == 0) {
        o->state = S_CONNECT_DONE;
    } else if (errno == EINPROGRESS) {
        o->state = S_CONNECTING;
    } else {
        e = HOSTCODE();
        o->state = S_CLOSED;
        return net_result(&res[0], e, NULL);
    }
    return net_result(&res[0], OK, NULL);
}

/* tuple of (own input-stream, own output-stream) over dups of fd */
static int sock_streams(hive_wasip2 *p, int fd, hive_cval *t, size_t at) {
    uint32_t in, out;
    int a = fcntl(fd, F_DUPFD_CLOEXEC, 0), b = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    p2_obj *i = a >= 0 ? hv_p2_new(p, P2_INPUT, &in) : NULL;
    p2_obj *o = i && b >= 0 ? hv_p2_new(p, P2_OUTPUT, &out) : NULL;
    if (!o) {
        if (i) hv_p2_free(p, in);
        if (a >= 0) close(a);
        if (b >= 0) close(b);
        return -1;
    }
    i->back = o->back = P2_B_FD;
    i->fd = a;
    o->fd = b;
    i->owned = o->owned = 1;
    t->of.agg.items[at] = hive_cval_handle(HIVE_C_OWN, in, NULL);
    t->of.agg.items[at + 1] = hive_cval_handle(HIVE_C_OWN, out, NULL);
    return 0;
}

P2_FN(tcp_finish_connect) {
    SOCK(P2_TCP, "tcp-socket");
    if (o->state == S_CONNECTING) {
        if (!hv_hnet_fd_ready(o->fd, POLLOUT)) return net_result(&res[0], HNET_WOULD_BLOCK, NULL);
        uint32_t e = hv_hnet_connect_result(o->fd);
        if (e != OK) {
            o->state = S_CLOSED;
            return net_result(&res[0], e, NULL);
        }
    } else if (o->state != S_CONNECT_DONE) {
        return net_result(&res[0], HNET_NOT_IN_PROGRESS, NULL);
    }
    hive_cval t;
    if (hive_cval_agg(&t, HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    if (sock_streams(P2_CTX, o->fd, &t, 0) < 0) {
        hive_cval_clear(&t);
        return hv_p2_trap(call, "too many host objects");
    }
    o = hv_p2_get(P2_CTX, P2_REP(0), P2_TCP); /* the table may have moved */
    o->state = S_CONNECTED;
    return net_result(&res[0], OK, &t);
}

P2_FN(tcp_start_listen) {
    SOCK(P2_TCP, "tcp-socket");
    if (o->state != S_BOUND) return net_result(&res[0], HNET_INVALID_STATE, NULL);
    hv_hnet_reuse(o->fd);
    if (listen(o->fd, (int)o->backlog) < 0) return net_result(&res[0], HOSTCODE(), NULL);
    o->state = S_LISTEN_STARTED;
    return net_result(&res[0], OK, NULL);
}

P2_FN(tcp_finish_listen) {
    SOCK(P2_TCP, "tcp-socket");
    if (o->state != S_LISTEN_STARTED) return net_result(&res[0], HNET_NOT_IN_PROGRESS, NULL);
    o->state = S_LISTENING;
    return net_result(&res[0], OK, NULL);
}

P2_FN(tcp_accept) {
    hive_wasip2 *p = P2_CTX;
    SOCK(P2_TCP, "tcp-socket");
    if (o->state != S_LISTENING) return net_result(&res[0], HNET_INVALID_STATE, NULL);
    int fd = accept4(o->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return net_result(&res[0], HOSTCODE(), NULL);
    uint8_t family = o->family; /* o may move when the table grows */
    uint32_t rep;
    p2_obj *c = hv_p2_new(p, P2_TCP, &rep);
    if (!c) {
        close(fd);
        return hv_p2_trap(call, "too many host objects");
    }
    c->fd = fd;
    c->owned = 1;
    c->family = family;
    c->state = S_CONNECTED;
    c->backlog = 128;
    hive_cval t;
    if (hive_cval_agg(&t, HIVE_C_TUPLE, 3) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    t.of.agg.items[0] = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    if (sock_streams(p, fd, &t, 1) < 0) {
        hv_p2_free(p, rep);
        t.of.agg.n = 1;
        t.of.agg.items[0] = hive_cval_bool(0);
        hive_cval_clear(&t);
        return hv_p2_trap(call, "too many host objects");
    }
    return net_result(&res[0], OK, &t);
}

static hive_host_status sock_address(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                     p2_kind kind, int remote) {
    SOCK(kind, "socket");
    if (!remote && o->state == S_UNBOUND) return net_result(&res[0], HNET_INVALID_STATE, NULL);
    struct sockaddr_storage sa;
    uint32_t e = hv_hnet_address(o->fd, remote, &sa);
    if (e != OK) return net_result(&res[0], e, NULL);
    hive_cval v;
    if (hv_hnet_sa_val(&v, &sa) < 0) return hv_p2_trap(call, "out of memory");
    return net_result(&res[0], OK, &v);
}

P2_FN(tcp_local_address) { return sock_address(call, args, res, P2_TCP, 0); }
P2_FN(tcp_remote_address) { return sock_address(call, args, res, P2_TCP, 1); }
P2_FN(udp_local_address) { return sock_address(call, args, res, P2_UDP, 0); }
P2_FN(udp_remote_address) { return sock_address(call, args, res, P2_UDP, 1); }

P2_FN(tcp_is_listening) {
    SOCK(P2_TCP, "tcp-socket");
    res[0] = hive_cval_bool(o->state == S_LISTENING);
    return HIVE_HOST_OK;
}

static hive_host_status family(hive_chost_call *call, const hive_cval *args, hive_cval *res, p2_kind kind) {
    SOCK(kind, "socket");
    res[0] = hive_cval_enum(o->family);
    return HIVE_HOST_OK;
}
P2_FN(tcp_address_family) { return family(call, args, res, P2_TCP); }
P2_FN(udp_address_family) { return family(call, args, res, P2_UDP); }

P2_FN(tcp_set_backlog) {
    SOCK(P2_TCP, "tcp-socket");
    uint64_t v = args[1].of.u;
    if (v == 0) return net_result(&res[0], HNET_INVALID_ARGUMENT, NULL);
    o->backlog = v > 65535 ? 65535 : (uint32_t)v;
    if (o->state == S_LISTENING || o->state == S_LISTEN_STARTED) listen(o->fd, (int)o->backlog);
    return net_result(&res[0], OK, NULL);
}

static hive_host_status opt_get(hive_chost_call *call, const hive_cval *args, hive_cval *res, p2_kind kind,
                                hnet_opt so, hive_ckind vk) {
    SOCK(kind, "socket");
    uint64_t v = 0;
    uint32_t e = hv_hnet_opt_get(o->fd, o->family == 1, so, &v);
    if (e != OK) return net_result(&res[0], e, NULL);
    hive_cval x = vk == HIVE_C_BOOL ? hive_cval_bool(v != 0) : hive_cval_uint(vk, v);
    return net_result(&res[0], OK, &x);
}

static hive_host_status opt_set(hive_chost_call *call, const hive_cval *args, hive_cval *res, p2_kind kind,
                                hnet_opt so) {
    SOCK(kind, "socket");
    uint64_t x = args[1].kind == HIVE_C_BOOL ? (uint64_t)args[1].of.b : args[1].of.u;
    return net_result(&res[0], hv_hnet_opt_set(o->fd, o->family == 1, so, x), NULL);
}

#define OPT_KEEPALIVE HNET_KEEPALIVE
#define OPT_KEEPIDLE HNET_KEEPIDLE
#define OPT_KEEPINTVL HNET_KEEPINTVL
#define OPT_KEEPCNT HNET_KEEPCNT
#define OPT_HOPS HNET_HOPS
#define OPT_RCVBUF HNET_RCVBUF
#define OPT_SNDBUF HNET_SNDBUF
P2_FN(tcp_keepalive) { return opt_get(call, args, res, P2_TCP, OPT_KEEPALIVE, HIVE_C_BOOL); }
P2_FN(tcp_set_keepalive) { return opt_set(call, args, res, P2_TCP, OPT_KEEPALIVE); }
P2_FN(tcp_keepidle) { return opt_get(call, args, res, P2_TCP, OPT_KEEPIDLE, HIVE_C_U64); }
P2_FN(tcp_set_keepidle) { return opt_set(call, args, res, P2_TCP, OPT_KEEPIDLE); }
P2_FN(tcp_keepintvl) { return opt_get(call, args, res, P2_TCP, OPT_KEEPINTVL, HIVE_C_U64); }
P2_FN(tcp_set_keepintvl) { return opt_set(call, args, res, P2_TCP, OPT_KEEPINTVL); }
P2_FN(tcp_keepcnt) { return opt_get(call, args, res, P2_TCP, OPT_KEEPCNT, HIVE_C_U32); }
P2_FN(tcp_set_keepcnt) { return opt_set(call, args, res, P2_TCP, OPT_KEEPCNT); }
P2_FN(tcp_hops) { return opt_get(call, args, res, P2_TCP, OPT_HOPS, HIVE_C_U8); }
P2_FN(tcp_set_hops) { return opt_set(call, args, res, P2_TCP, OPT_HOPS); }
P2_FN(tcp_rcvbuf) { return opt_get(call, args, res, P2_TCP, OPT_RCVBUF, HIVE_C_U64); }
P2_FN(tcp_set_rcvbuf) { return opt_set(call, args, res, P2_TCP, OPT_RCVBUF); }
P2_FN(tcp_sndbuf) { return opt_get(call, args, res, P2_TCP, OPT_SNDBUF, HIVE_C_U64); }
P2_FN(tcp_set_sndbuf) { return opt_set(call, args, res, P2_TCP, OPT_SNDBUF); }
P2_FN(udp_hops) { return opt_get(call, args, res, P2_UDP, OPT_HOPS, HIVE_C_U8); }
P2_FN(udp_set_hops) { return opt_set(call, args, res, P2_UDP, OPT_HOPS); }
P2_FN(udp_rcvbuf) { return opt_get(call, args, res, P2_UDP, OPT_RCVBUF, HIVE_C_U64); }
P2_FN(udp_set_rcvbuf) { return opt_set(call, args, res, P2_UDP, OPT_RCVBUF); }
P2_FN(udp_sndbuf) { return opt_get(call, args, res, P2_UDP, OPT_SNDBUF, HIVE_C_U64); }
P2_FN(udp_set_sndbuf) { return opt_set(call, args, res, P2_UDP, OPT_SNDBUF); }

P2_FN(tcp_subscribe) {
    SOCK(P2_TCP, "tcp-socket");
    return new_sock_pollable(call, P2_REP(0), &res[0]);
}

P2_FN(udp_subscribe) {
    SOCK(P2_UDP, "udp-socket");
    (void)o;
    return new_sock_pollable(call, 0, &res[0]); /* nothing of a udp-socket waits */
}

P2_FN(tcp_shutdown) {
    SOCK(P2_TCP, "tcp-socket");
    if (o->state != S_CONNECTED) return net_result(&res[0], HNET_INVALID_STATE, NULL);
    static const int how[] = {SHUT_RD, SHUT_WR, SHUT_RDWR};
    uint32_t i = args[1].of.var.index;
    if (shutdown(o->fd, how[i < 3 ? i : 2]) < 0) return net_result(&res[0], HOSTCODE(), NULL);
    return net_result(&res[0], OK, NULL);
}

/* ---- udp ---- */

P2_FN(udp_stream) {
    hive_wasip2 *p = P2_CTX;
    SOCK(P2_UDP, "udp-socket");
    if (o->state != S_BOUND) return net_result(&res[0], HNET_INVALID_STATE, NULL);
    int connected = 0;
    if (args[1].of.var.index == 1) {
        struct sockaddr_storage sa;
        socklen_t len;
        uint32_t e = sock_addr(p, o, args[1].of.var.payload, HNET_A_UNICAST | HNET_A_REMOTE, &sa, &len);
        if (e != OK) return net_result(&res[0], e, NULL);
        if (connect(o->fd, (struct sockaddr *)&sa, len) < 0) return net_result(&res[0], HOSTCODE(), NULL);
        connected = 1;
    } else {
        struct sockaddr un = {.sa_family = AF_UNSPEC};
        connect(o->fd, &un, sizeof un); /* forget a remote address */
    }
    int fd = o->fd;
    uint8_t fam = o->family;
    uint32_t in, out;
    int a = fcntl(fd, F_DUPFD_CLOEXEC, 0), b = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    p2_obj *i = a >= 0 ? hv_p2_new(p, P2_UDP_IN, &in) : NULL;
    p2_obj *w = i && b >= 0 ? hv_p2_new(p, P2_UDP_OUT, &out) : NULL;
    if (!w) {
        if (i) hv_p2_free(p, in);
        if (a >= 0) close(a);
        if (b >= 0) close(b);
        return hv_p2_trap(call, "too many host objects");
    }
    i->fd = a;
    w->fd = b;
    i->owned = w->owned = 1;
    i->family = w->family = fam;
    w->connected = (uint8_t)connected;
    hive_cval t;
    if (hive_cval_agg(&t, HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    t.of.agg.items[0] = hive_cval_handle(HIVE_C_OWN, in, NULL);
    t.of.agg.items[1] = hive_cval_handle(HIVE_C_OWN, out, NULL);
    return net_result(&res[0], OK, &t);
}

P2_FN(udp_receive) {
    hive_wasip2 *p = P2_CTX;
    SOCK(P2_UDP_IN, "incoming-datagram-stream");
    uint64_t max = args[1].of.u;
    if (max > 64) max = 64;
    hive_cval list;
    if (hive_cval_agg(&list, HIVE_C_LIST, (size_t)max) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    size_t n = 0;
    uint8_t *buf = malloc(65536); /* one datagram at most */
    if (!buf) {
        hive_cval_clear(&list);
        return hv_p2_trap(call, "out of memory");
    }
    while (n < max) {
        struct sockaddr_storage sa;
        socklen_t l = sizeof sa;
        ssize_t r = recvfrom(o->fd, buf, 65536, 0, (struct sockaddr *)&sa, &l);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
            if (n) break;
            uint32_t e = HOSTCODE();
            list.of.agg.n = 0;
            hive_cval_clear(&list);
            free(buf);
            return net_result(&res[0], e, NULL);
        }
        hive_cval *d = &list.of.agg.items[n];
        if (hive_cval_agg(d, HIVE_C_RECORD, 2) != HIVE_OK || hv_wval_bytes(&d->of.agg.items[0], buf, (size_t)r) < 0 ||
            hv_hnet_sa_val(&d->of.agg.items[1], &sa) < 0) {
            list.of.agg.n = n + 1;
            hive_cval_clear(&list);
            free(buf);
            return hv_p2_trap(call, "out of memory");
        }
        n++;
        if ((size_t)r > p->b.max_list) break;
    }
    free(buf);
    list.of.agg.n = n;
    return net_result(&res[0], OK, &list);
}

P2_FN(udp_check_send) {
    SOCK(P2_UDP_OUT, "outgoing-datagram-stream");
    hive_cval n = p2_u64(hv_hnet_fd_ready(o->fd, POLLOUT) ? 64 : 0);
    return net_result(&res[0], OK, &n);
}

P2_FN(udp_send) {
    hive_wasip2 *p = P2_CTX;
    SOCK(P2_UDP_OUT, "outgoing-datagram-stream");
    const hive_cval *l = &args[1];
    uint64_t sent = 0;
    for (size_t k = 0; k < l->of.agg.n; k++) {
        const hive_cval *d = &l->of.agg.items[k];
        const hive_cval *ra = &d->of.agg.items[1];
        struct sockaddr_storage sa;
        socklen_t len = 0;
        uint32_t e = OK;
        if (ra->of.var.index == 1) {
            if (o->connected) e = HNET_INVALID_ARGUMENT;
            else e = sock_addr(p, o, ra->of.var.payload, HNET_A_UNICAST | HNET_A_REMOTE, &sa, &len);
        } else if (!o->connected) {
            e = HNET_INVALID_ARGUMENT;
        }
        const uint8_t *b = NULL;
        uint8_t *tofree = NULL;
        size_t bn = 0;
        if (e == OK && hv_p2_bytes_from(&d->of.agg.items[0], &b, &bn, &tofree) < 0) return hv_p2_trap(call, "out of memory");
        ssize_t r = 0;
        if (e == OK) {
            r = len ? sendto(o->fd, b, bn, 0, (struct sockaddr *)&sa, len) : send(o->fd, b, bn, 0);
            if (r < 0) e = (errno == EAGAIN || errno == EWOULDBLOCK) ? HNET_WOULD_BLOCK : HOSTCODE();
        }
        free(tofree);
        if (e != OK) {
            if (sent || e == HNET_WOULD_BLOCK) break;
            return net_result(&res[0], e, NULL);
        }
        sent++;
    }
    hive_cval n = p2_u64(sent);
    return net_result(&res[0], OK, &n);
}

P2_FN(udp_in_subscribe) {
    SOCK(P2_UDP_IN, "incoming-datagram-stream");
    (void)o;
    return new_sock_pollable(call, P2_REP(0), &res[0]);
}

P2_FN(udp_out_subscribe) {
    SOCK(P2_UDP_OUT, "outgoing-datagram-stream");
    (void)o;
    return new_sock_pollable(call, P2_REP(0), &res[0]);
}

/* ---- ip-name-lookup ---- */

P2_FN(resolve_addresses) {
    hive_wasip2 *p = P2_CTX;
    if (!hv_p2_get(p, P2_REP(0), P2_NETWORK)) return hv_p2_trap(call, "unknown network handle");
    if (!(p->b.flags & HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP)) return net_result(&res[0], HNET_ACCESS_DENIED, NULL);
    const hive_cval *s = &args[1];
    uint32_t e;
    hnet_lookup *k = hv_hnet_lookup_start(s->of.str.ptr, s->of.str.len, &e);
    if (!k) {
        if (e == HNET_OUT_OF_MEMORY) return hv_p2_trap(call, "out of memory");
        return net_result(&res[0], e, NULL);
    }
    lookup *l = calloc(1, sizeof *l);
    uint32_t rep;
    p2_obj *o = l ? hv_p2_new(p, P2_RESOLVE, &rep) : NULL;
    if (!o) {
        hv_hnet_lookup_free(k);
        free(l);
        return hv_p2_trap(call, l ? "too many host objects" : "out of memory");
    }
    l->k = k;
    o->ext = l;
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return net_result(&res[0], OK, &h);
}

P2_FN(resolve_next) {
    SOCK(P2_RESOLVE, "resolve-address-stream");
    lookup *l = o->ext;
    uint32_t e;
    const struct sockaddr_storage *addrs;
    size_t n;
    if (!hv_hnet_lookup_done(l->k, &e, &addrs, &n)) return net_result(&res[0], HNET_WOULD_BLOCK, NULL);
    if (e != OK) return net_result(&res[0], e, NULL);
    hive_cval opt;
    if (l->next == n) {
        if (hive_cval_case(&opt, HIVE_C_OPTION, 0, NULL) != HIVE_OK) return hv_p2_trap(call, "out of memory");
        return net_result(&res[0], OK, &opt);
    }
    hive_cval ip;
    if (hv_hnet_ipaddr_val(&ip, &addrs[l->next++]) < 0 || hive_cval_case(&opt, HIVE_C_OPTION, 1, &ip) != HIVE_OK)
        return hv_p2_trap(call, "out of memory");
    return net_result(&res[0], OK, &opt);
}

P2_FN(resolve_subscribe) {
    SOCK(P2_RESOLVE, "resolve-address-stream");
    (void)o;
    return new_sock_pollable(call, P2_REP(0), &res[0]);
}

/* ---- definitions ---- */

int hv_p2_define_sockets(hive_wasip2 *p, hive_linker *l) {
    int rc;
    if ((rc = hv_p2_define_resource(p, l, NET, "network")) ||
        (rc = hv_p2_define_resource(p, l, TCP, "tcp-socket")) ||
        (rc = hv_p2_define_resource(p, l, UDP, "udp-socket")) ||
        (rc = hv_p2_define_resource(p, l, UDP, "incoming-datagram-stream")) ||
        (rc = hv_p2_define_resource(p, l, UDP, "outgoing-datagram-stream")) ||
        (rc = hv_p2_define_resource(p, l, LOOKUP, "resolve-address-stream")))
        return rc;
    static const p2_fndef net[] = {
        {"network-error-code", "func(err: borrow<wasi:io/error" P2_V "#error>) -> option<" NEC ">",
         network_error_code},
    };
    static const p2_fndef inst[] = {
        {"instance-network", "func() -> own<" NET "#network>", instance_network},
    };
    static const p2_fndef tcpc[] = {
        {"create-tcp-socket", "func(address-family: " FAM ") -> " NR("own<" TCP "#tcp-socket>"), create_tcp_socket},
    };
    static const p2_fndef udpc[] = {
        {"create-udp-socket", "func(address-family: " FAM ") -> " NR("own<" UDP "#udp-socket>"), create_udp_socket},
    };
#define TS "self: borrow<tcp-socket>"
#define US "self: borrow<udp-socket>"
    static const p2_fndef tcp[] = {
        {"[method]tcp-socket.start-bind", "func(" TS ", network: " BNET ", local-address: " SOCKADDR ") -> " NR0,
         tcp_start_bind},
        {"[method]tcp-socket.finish-bind", "func(" TS ") -> " NR0, tcp_finish_bind},
        {"[method]tcp-socket.start-connect",
         "func(" TS ", network: " BNET ", remote-address: " SOCKADDR ") -> " NR0, tcp_start_connect},
        {"[method]tcp-socket.finish-connect", "func(" TS ") -> " NR("tuple<" OWN_IN ", " OWN_OUT ">"),
         tcp_finish_connect},
        {"[method]tcp-socket.start-listen", "func(" TS ") -> " NR0, tcp_start_listen},
        {"[method]tcp-socket.finish-listen", "func(" TS ") -> " NR0, tcp_finish_listen},
        {"[method]tcp-socket.accept", "func(" TS ") -> " NR("tuple<own<tcp-socket>, " OWN_IN ", " OWN_OUT ">"),
         tcp_accept},
        {"[method]tcp-socket.local-address", "func(" TS ") -> " NR(SOCKADDR), tcp_local_address},
        {"[method]tcp-socket.remote-address", "func(" TS ") -> " NR(SOCKADDR), tcp_remote_address},
        {"[method]tcp-socket.is-listening", "func(" TS ") -> bool", tcp_is_listening},
        {"[method]tcp-socket.address-family", "func(" TS ") -> " FAM, tcp_address_family},
        {"[method]tcp-socket.set-listen-backlog-size", "func(" TS ", value: u64) -> " NR0, tcp_set_backlog},
        {"[method]tcp-socket.keep-alive-enabled", "func(" TS ") -> " NR("bool"), tcp_keepalive},
        {"[method]tcp-socket.set-keep-alive-enabled", "func(" TS ", value: bool) -> " NR0, tcp_set_keepalive},
        {"[method]tcp-socket.keep-alive-idle-time", "func(" TS ") -> " NR("u64"), tcp_keepidle},
        {"[method]tcp-socket.set-keep-alive-idle-time", "func(" TS ", value: u64) -> " NR0, tcp_set_keepidle},
        {"[method]tcp-socket.keep-alive-interval", "func(" TS ") -> " NR("u64"), tcp_keepintvl},
        {"[method]tcp-socket.set-keep-alive-interval", "func(" TS ", value: u64) -> " NR0, tcp_set_keepintvl},
        {"[method]tcp-socket.keep-alive-count", "func(" TS ") -> " NR("u32"), tcp_keepcnt},
        {"[method]tcp-socket.set-keep-alive-count", "func(" TS ", value: u32) -> " NR0, tcp_set_keepcnt},
        {"[method]tcp-socket.hop-limit", "func(" TS ") -> " NR("u8"), tcp_hops},
        {"[method]tcp-socket.set-hop-limit", "func(" TS ", value: u8) -> " NR0, tcp_set_hops},
        {"[method]tcp-socket.receive-buffer-size", "func(" TS ") -> " NR("u64"), tcp_rcvbuf},
        {"[method]tcp-socket.set-receive-buffer-size", "func(" TS ", value: u64) -> " NR0, tcp_set_rcvbuf},
        {"[method]tcp-socket.send-buffer-size", "func(" TS ") -> " NR("u64"), tcp_sndbuf},
        {"[method]tcp-socket.set-send-buffer-size", "func(" TS ", value: u64) -> " NR0, tcp_set_sndbuf},
        {"[method]tcp-socket.subscribe", "func(" TS ") -> " OWN_POLL, tcp_subscribe},
        {"[method]tcp-socket.shutdown", "func(" TS ", shutdown-type: enum { receive, send, both }) -> " NR0,
         tcp_shutdown},
    };
#define ODG "record { data: list<u8>, remote-address: option<" SOCKADDR "> }"
#define IDG "record { data: list<u8>, remote-address: " SOCKADDR " }"
    static const p2_fndef udp[] = {
        {"[method]udp-socket.start-bind", "func(" US ", network: " BNET ", local-address: " SOCKADDR ") -> " NR0,
         udp_start_bind},
        {"[method]udp-socket.finish-bind", "func(" US ") -> " NR0, udp_finish_bind},
        {"[method]udp-socket.stream",
         "func(" US ", remote-address: option<" SOCKADDR ">) -> "
         NR("tuple<own<incoming-datagram-stream>, own<outgoing-datagram-stream>>"),
         udp_stream},
        {"[method]udp-socket.local-address", "func(" US ") -> " NR(SOCKADDR), udp_local_address},
        {"[method]udp-socket.remote-address", "func(" US ") -> " NR(SOCKADDR), udp_remote_address},
        {"[method]udp-socket.address-family", "func(" US ") -> " FAM, udp_address_family},
        {"[method]udp-socket.unicast-hop-limit", "func(" US ") -> " NR("u8"), udp_hops},
        {"[method]udp-socket.set-unicast-hop-limit", "func(" US ", value: u8) -> " NR0, udp_set_hops},
        {"[method]udp-socket.receive-buffer-size", "func(" US ") -> " NR("u64"), udp_rcvbuf},
        {"[method]udp-socket.set-receive-buffer-size", "func(" US ", value: u64) -> " NR0, udp_set_rcvbuf},
        {"[method]udp-socket.send-buffer-size", "func(" US ") -> " NR("u64"), udp_sndbuf},
        {"[method]udp-socket.set-send-buffer-size", "func(" US ", value: u64) -> " NR0, udp_set_sndbuf},
        {"[method]udp-socket.subscribe", "func(" US ") -> " OWN_POLL, udp_subscribe},
        {"[method]incoming-datagram-stream.receive",
         "func(self: borrow<incoming-datagram-stream>, max-results: u64) -> " NR("list<" IDG ">"), udp_receive},
        {"[method]incoming-datagram-stream.subscribe", "func(self: borrow<incoming-datagram-stream>) -> " OWN_POLL,
         udp_in_subscribe},
        {"[method]outgoing-datagram-stream.check-send",
         "func(self: borrow<outgoing-datagram-stream>) -> " NR("u64"), udp_check_send},
        {"[method]outgoing-datagram-stream.send",
         "func(self: borrow<outgoing-datagram-stream>, datagrams: list<" ODG ">) -> " NR("u64"), udp_send},
        {"[method]outgoing-datagram-stream.subscribe", "func(self: borrow<outgoing-datagram-stream>) -> " OWN_POLL,
         udp_out_subscribe},
    };
    static const p2_fndef lookup_fns[] = {
        {"resolve-addresses", "func(network: " BNET ", name: string) -> " NR("own<resolve-address-stream>"),
         resolve_addresses},
        {"[method]resolve-address-stream.resolve-next-address",
         "func(self: borrow<resolve-address-stream>) -> " NR("option<" IPADDR ">"), resolve_next},
        {"[method]resolve-address-stream.subscribe", "func(self: borrow<resolve-address-stream>) -> " OWN_POLL,
         resolve_subscribe},
    };
    if ((rc = hv_p2_define_funcs(p, l, NET, net, P2_COUNT(net))) ||
        (rc = hv_p2_define_funcs(p, l, "wasi:sockets/instance-network" P2_V, inst, P2_COUNT(inst))) ||
        (rc = hv_p2_define_funcs(p, l, "wasi:sockets/tcp-create-socket" P2_V, tcpc, P2_COUNT(tcpc))) ||
        (rc = hv_p2_define_funcs(p, l, "wasi:sockets/udp-create-socket" P2_V, udpc, P2_COUNT(udpc))) ||
        (rc = hv_p2_define_funcs(p, l, TCP, tcp, P2_COUNT(tcp))) ||
        (rc = hv_p2_define_funcs(p, l, UDP, udp, P2_COUNT(udp))) ||
        (rc = hv_p2_define_funcs(p, l, LOOKUP, lookup_fns, P2_COUNT(lookup_fns))))
        return rc;
    return HIVE_OK;
}
