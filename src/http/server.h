/*
 * server.h -- hive's HTTP/1.1 server on a libuv loop: listener,
 * connections, request framing, and the bridge to the worker pool.
 *
 * A server answers each request through a hive_handler (or, for small
 * built-in endpoints such as metrics, through a local responder). It
 * keeps connections alive, answers pipelined requests in order, streams
 * bodies both ways with backpressure, enforces size limits and timeouts
 * against slow or hostile clients, and never lets a guest's header split
 * a response. Everything runs on the loop's thread except the handler's
 * sink callbacks, which the server marshals to the loop (an event queue
 * and a uv_async_t).
 *
 * Use:
 *   server *s;  hv_server_new(loop, handler, &cfg, &s);
 *   hv_server_listen(s, (struct sockaddr *)&addr);   ... uv_run(loop) ...
 *   hv_server_stop_accepting(s, on_drained, ud);     (graceful shutdown)
 *   hv_server_free(s);  then let the loop run until it has no more handles.
 *
 * Against clients that would hold what others need: a request's body is
 * buffered (in the connection's input buffer, up to its size) before the
 * request goes to the handler, so a slow upload holds no guest; requests
 * whose body is larger and still arriving are bounded apart (max_uploads);
 * bodies must keep a minimum rate (body_min_rate); one client address
 * may hold max_conns_per_client connections.
 *
 * A client that closes its side (EOF) while its request is being
 * answered is taken to be gone, as in Go's net/http: the request is
 * cancelled in the handler (freeing its worker) and the connection
 * closed. A half-close cannot be told apart from a hang-up at that point.
 *
 * The process must ignore SIGPIPE (writes to a closed peer then fail
 * with EPIPE instead of killing it); the server does not touch signals.
 */
#ifndef HIVE_HTTP_SERVER_H
#define HIVE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "hive/handler.h"

typedef struct server server;

/* Defaults for the limits of server_config (a 0 field means these). */
#define SERVER_DEFAULT_MAX_HEAD_BYTES (64 * 1024)
#define SERVER_DEFAULT_MAX_HEADERS 100
#define SERVER_DEFAULT_MAX_BODY_BYTES (64ull * 1024 * 1024)
#define SERVER_DEFAULT_MAX_CONCURRENT 1000
#define SERVER_DEFAULT_MAX_CONNECTIONS 10000
#define SERVER_DEFAULT_HEAD_TIMEOUT_MS 10000
#define SERVER_DEFAULT_BODY_TIMEOUT_MS 30000
#define SERVER_DEFAULT_IDLE_TIMEOUT_MS 5000
#define SERVER_DEFAULT_SEND_TIMEOUT_MS 30000
#define SERVER_DEFAULT_HIGH_WATER (1024 * 1024)
#define SERVER_DEFAULT_LOW_WATER (256 * 1024)
#define SERVER_DEFAULT_MAX_CONNS_PER_CLIENT 256
#define SERVER_DEFAULT_BODY_MIN_RATE 500 /* bytes per second */
#define SERVER_DEFAULT_BODY_RATE_WINDOW_MS 10000
/* A limit field set to this has no limit (0 means the default). */
#define SERVER_UNLIMITED UINT64_MAX

/* Upper bounds (seconds) of the request-duration histogram; the last
 * bucket is +Inf. */
#define SERVER_DURATION_BUCKETS 15
#define SERVER_DURATION_BOUNDS                                                                     \
    { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 }

/* One answered (or failed) request, for the access log. Strings are
 * valid during the callback only; method and target are truncated to a
 * few hundred bytes. */
typedef struct server_access {
    const char *method;
    const char *target;      /* path and query as received */
    int minor_version;       /* HTTP/1.x */
    const char *remote_addr; /* textual IP */
    uint16_t remote_port;
    int status;           /* 0: the connection ended before any head */
    uint64_t bytes;       /* response body bytes sent */
    uint64_t duration_ns; /* from the end of the request head to the end of the response */
    uint64_t worker_id;   /* 0: no worker (answered by the server itself) */
    const char *error;    /* why it failed, or NULL */
} server_access;

/* A response made by the server itself (server_config.respond). */
typedef struct server_local_response {
    int status;
    const char *content_type; /* static or owned by the responder's ud */
    char *body;               /* malloc'd; the server takes and frees it */
    size_t body_len;
} server_local_response;

typedef struct server_config {
    size_t max_head_bytes;    /* request line and headers: 431 beyond */
    size_t max_headers;       /* header fields: 431 beyond */
    uint64_t max_body_bytes;  /* request body: 413 beyond */
    size_t max_concurrent;    /* requests in the handler at once: 503 beyond */
    size_t max_connections;   /* open connections: new ones are closed beyond */
    /* Open connections from one client address (IPv4 address, IPv6 /64):
     * beyond, a new one gets 503 and is closed. As a connection carries
     * one request at a time, this bounds a client's requests too.
     * SERVER_UNLIMITED: no limit. */
    uint64_t max_conns_per_client;
    /* Requests in the handler whose body is still arriving (the body was
     * larger than the input buffer): 503 beyond. 0: max_concurrent / 2. */
    size_t max_uploads;
    uint64_t head_timeout_ms; /* a request head must arrive within this of its first byte (408) */
    uint64_t body_timeout_ms; /* longest pause while a request body arrives (408) */
    /* A request body must arrive at body_min_rate bytes per second or
     * more, measured over each body_rate_window_ms (as Apache's
     * mod_reqtimeout MinRate), else 408 (the connection is cut when the
     * response has begun). Time the guest makes the body wait
     * (backpressure) does not count. SERVER_UNLIMITED: no minimum. */
    uint64_t body_min_rate;
    uint64_t body_rate_window_ms;
    uint64_t idle_timeout_ms; /* keep-alive connection without a request: closed */
    uint64_t send_timeout_ms; /* longest wait for the client to take response bytes */
    size_t high_water;        /* unsent response bytes that make the guest wait */
    size_t low_water;         /* ... until they fall below this */
    /* Called on the loop thread once per request (may be NULL). */
    void (*on_access)(void *ud, const server_access *access);
    /* Called on the loop thread before the loop waits for events, once
     * per turn (may be NULL): e.g. to write out a buffered log. */
    void (*on_flush)(void *ud);
    /* With no handler: answers every request (loop thread). method and
     * path are NUL-terminated. Fills out (status 0 means 404). */
    void (*respond)(void *ud, const char *method, const char *path, server_local_response *out);
    void *ud;
} server_config;

/* Counters (loop thread; hv_server_stats_get copies them). */
typedef struct server_stats {
    uint64_t connections_accepted;
    uint64_t connections_open;
    uint64_t requests;                               /* answered or failed, all statuses */
    uint64_t requests_in_flight;                     /* in the handler now */
    uint64_t by_status[600];                         /* index: status code (0: no response) */
    uint64_t duration_hist[SERVER_DURATION_BUCKETS]; /* per bucket, not cumulative */
    uint64_t duration_count;
    double duration_sum; /* seconds */
    uint64_t bytes_out;  /* response body bytes */
    uint64_t connections_refused_per_client; /* over max_conns_per_client */
    uint64_t slow_bodies;                    /* cut for a body under body_min_rate */
} server_stats;

/* Makes a server on loop (the caller runs it) answering through handler
 * (borrowed; it must outlive the server's requests, see hv_server_free), or
 * through cfg->respond when handler is NULL. cfg may be NULL for
 * defaults; it is copied. Returns 0 or a negative errno (UV_E*). */
int hv_server_new(uv_loop_t *loop, hive_handler *handler, const server_config *cfg, server **out);

/* Binds and listens on addr (IPv4 or IPv6; port 0 picks a free port).
 * Returns 0 or a UV_E* error. Can be called once. */
int hv_server_listen(server *s, const struct sockaddr *addr);

/* Writes the bound address as "HOST:PORT" ("[HOST]:PORT" for IPv6) into
 * buf; returns 0, or a UV_E* error when not listening. */
int hv_server_address(const server *s, char *buf, size_t cap);

/* Parses "HOST:PORT" or "[HOST6]:PORT" (numeric hosts; "localhost" is
 * 127.0.0.1) into *out. Returns 0 or UV_EINVAL. */
int hv_server_parse_addr(const char *hostport, struct sockaddr_storage *out);

/* Graceful shutdown, first half: closes the listener, closes connections
 * that are idle between requests, and lets requests in flight finish
 * (their connections close after the response). drained (may be NULL)
 * is called on the loop once no connection is left. */
void hv_server_stop_accepting(server *s, void (*drained)(void *ud), void *ud);

/* Open connections now. */
size_t hv_server_connection_count(const server *s);

/* Requests received and not yet answered in full (in the handler, or
 * their body still being buffered). */
size_t hv_server_active_requests(const server *s);

void hv_server_stats_get(const server *s, server_stats *out);

/* Cancels every request still in the handler (the handler makes no more
 * sink calls for them once this returns), closes every handle, and
 * releases the server once their close callbacks have run: keep running
 * the loop until uv_run returns. Then the handler may be freed. NULL ok. */
void hv_server_free(server *s);

#endif
