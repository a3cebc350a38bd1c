/*
 * net_common.h -- what wasi:sockets 0.2 (src/wasip2/sockets.c) and 0.3
 * (src/wasip3/sockets.c) share: the permission rules (network granted or
 * not, the allow-list of hive_wasip2_net_rule, name lookups), conversions
 * between ip-socket-address values and sockaddrs, the checks an address
 * passes before bind/connect/send, bind with the SO_REUSEADDR rule,
 * socket options, the mapping of host errors to error-code cases, and a
 * name resolver that never blocks the caller's thread.
 *
 * Errors are HNET_* conditions (the order of 0.2's network error-code, so
 * 0.2 uses them as its case indexes; 0.3 maps them with hnet_p3_code).
 * HNET_OK (UINT32_MAX) is success.
 */
#ifndef HIVE_NET_COMMON_H
#define HIVE_NET_COMMON_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "hive/cvalue.h"
#include "hive/wasip2.h"

/* WIT type text the same in 0.2 and 0.3: ip-address-family, ip-address,
 * ip-socket-address. */
#define HNET_WIT_FAMILY "enum { ipv4, ipv6 }"
#define HNET_WIT_IPV4 "tuple<u8, u8, u8, u8>"
#define HNET_WIT_IPV6 "tuple<u16, u16, u16, u16, u16, u16, u16, u16>"
#define HNET_WIT_IP_ADDRESS "variant { ipv4(" HNET_WIT_IPV4 "), ipv6(" HNET_WIT_IPV6 ") }"
#define HNET_WIT_IP_SOCKET_ADDRESS                                                              \
    "variant { ipv4(record { port: u16, address: " HNET_WIT_IPV4 " }), ipv6(record { port: u16, " \
    "flow-info: u32, address: " HNET_WIT_IPV6 ", scope-id: u32 }) }"

enum {
    HNET_UNKNOWN, HNET_ACCESS_DENIED, HNET_NOT_SUPPORTED, HNET_INVALID_ARGUMENT, HNET_OUT_OF_MEMORY,
    HNET_TIMEOUT, HNET_CONCURRENCY_CONFLICT, HNET_NOT_IN_PROGRESS, HNET_WOULD_BLOCK, HNET_INVALID_STATE,
    HNET_NEW_SOCKET_LIMIT, HNET_ADDRESS_NOT_BINDABLE, HNET_ADDRESS_IN_USE, HNET_REMOTE_UNREACHABLE,
    HNET_CONNECTION_REFUSED, HNET_CONNECTION_RESET, HNET_CONNECTION_ABORTED, HNET_DATAGRAM_TOO_LARGE,
    HNET_NAME_UNRESOLVABLE, HNET_TEMPORARY_RESOLVER_FAILURE, HNET_PERMANENT_RESOLVER_FAILURE,
    /* 0.3 only (0.2 says connection-reset) */
    HNET_CONNECTION_BROKEN
};
#define HNET_OK UINT32_MAX

/* The condition of a preview-1 errno (hive_wasi_errno_from_host), and of
 * a host errno. */
uint32_t hv_hnet_code_wasi(uint32_t wasi_errno);
uint32_t hv_hnet_code_errno(int host_errno);
/* The condition of a getaddrinfo result (EAI_*). */
uint32_t hv_hnet_code_gai(int eai);

/* What a guest may do with the network. */
typedef struct hnet_policy {
    int network;     /* create sockets at all */
    int name_lookup; /* ip-name-lookup */
    const hive_wasip2_net_rule *allow; /* when nallow > 0: the only addresses */
    size_t nallow;
} hnet_policy;

/* May a socket bind, connect or send to sa? */
int hv_hnet_allowed(const hnet_policy *pol, const struct sockaddr_storage *sa);

/* ---- addresses ---- */

/* ip-socket-address value -> sockaddr: 0, or -1 when malformed. */
int hv_hnet_sa_from(const hive_cval *v, struct sockaddr_storage *sa, socklen_t *len);
/* sockaddr -> ip-socket-address value; 0, or -1 (out of memory). */
int hv_hnet_sa_val(hive_cval *out, const struct sockaddr_storage *sa);
/* The ip-address value of sa's address. */
int hv_hnet_ipaddr_val(hive_cval *out, const struct sockaddr_storage *sa);
int hv_hnet_sa_unspecified(const struct sockaddr_storage *sa);
uint16_t hv_hnet_sa_port(const struct sockaddr_storage *sa);
socklen_t hv_hnet_sa_len(const struct sockaddr_storage *sa);

/* What hv_hnet_check_addr requires of an address. */
enum {
    HNET_A_UNICAST = 1u << 0, /* not multicast, broadcast or IPv4-mapped IPv6 */
    HNET_A_REMOTE = 1u << 1,  /* not unspecified, port not 0 */
};
/* Parses v into *sa for a socket of family v6 (0/1) and checks it:
 * malformed or of the other family, or failing a `need` rule:
 * invalid-argument; not allowed by pol: access-denied. HNET_OK or the
 * condition. */
uint32_t hv_hnet_check_addr(const hnet_policy *pol, int v6, const hive_cval *v, unsigned need,
                         struct sockaddr_storage *sa, socklen_t *len);

/* ---- sockets ---- */

/* A non-blocking, close-on-exec socket (IPv6: V6ONLY). HNET_OK or the
 * condition. A socket that is only created and configured reaches
 * nothing: the policy is checked where an address is used (bind,
 * connect, listen, send), as in wasmtime. */
uint32_t hv_hnet_socket(int v6, int tcp, int *fd);

/* May an unbound socket of family v6 listen (an implicit bind to any
 * address, any port)? HNET_OK or access-denied. */
uint32_t hv_hnet_check_implicit_bind(const hnet_policy *pol, int v6);

/* bind(2) with the rules of WASI: TCP sockets bind with SO_REUSEADDR (a
 * port in TIME_WAIT is free again) but keep it off while bound and idle,
 * so that a second bind of the same address is address-in-use; call
 * hv_hnet_reuse(fd) once the socket listens or connects. */
uint32_t hv_hnet_bind(int fd, int tcp, const struct sockaddr_storage *sa, socklen_t len);
void hv_hnet_reuse(int fd);

/* The outcome of a non-blocking connect whose fd became writable
 * (SO_ERROR): HNET_OK or the condition. */
uint32_t hv_hnet_connect_result(int fd);

/* local (remote = 0) or remote address of fd: HNET_OK, or the condition
 * (not connected: invalid-state). */
uint32_t hv_hnet_address(int fd, int remote, struct sockaddr_storage *sa);

/* 1 when fd is ready for the poll(2) events now. */
int hv_hnet_fd_ready(int fd, short events);

/* Socket options, in WASI's units (durations in ns; buffer sizes as the
 * guest set them). */
typedef enum hnet_opt {
    HNET_KEEPALIVE, HNET_KEEPIDLE, HNET_KEEPINTVL, HNET_KEEPCNT, HNET_HOPS, HNET_RCVBUF, HNET_SNDBUF
} hnet_opt;
uint32_t hv_hnet_opt_get(int fd, int v6, hnet_opt opt, uint64_t *out);
/* 0 is invalid-argument (but for keep-alive); large values are clamped. */
uint32_t hv_hnet_opt_set(int fd, int v6, hnet_opt opt, uint64_t value);

/* ---- names ---- */

/* A name lookup run by a helper thread (getaddrinfo blocks): the caller
 * waits for fd() to be readable (poll) or asks done(). Freed by
 * hv_hnet_lookup_free even while it runs (the thread then drops it). At most
 * HNET_MAX_LOOKUPS threads run at once in the process; past that a lookup
 * fails temporary-resolver-failure. */
#define HNET_MAX_LOOKUPS 64
typedef struct hnet_lookup hnet_lookup;

/* Starts resolving name (len bytes). An IP literal (in brackets too) is
 * its own answer at once. NULL on out of memory, *code the condition
 * when the name is invalid (invalid-argument) or no thread could start
 * (temporary-resolver-failure); *code HNET_OK otherwise. */
hnet_lookup *hv_hnet_lookup_start(const char *name, size_t len, uint32_t *code);
/* An fd that becomes readable when the lookup is done; -1 when done. */
int hv_hnet_lookup_fd(hnet_lookup *k);
/* 1 when done: *code HNET_OK and the addresses (ports 0, no duplicates),
 * or the condition. */
int hv_hnet_lookup_done(hnet_lookup *k, uint32_t *code, const struct sockaddr_storage **addrs, size_t *n);
void hv_hnet_lookup_free(hnet_lookup *k);

#endif
