/*
 * httpclient.h -- outgoing HTTP for guests: one client thread runs a
 * libuv loop that drives libcurl's multi interface
 * (curl_multi_socket_action with uv_poll and uv_timer), so HTTP/1.1,
 * HTTP/2 (h2 over TLS by ALPN, h2c by prior knowledge when configured)
 * and HTTPS with the system's CA store come from libcurl, and no guest
 * thread ever blocks on the network.
 *
 * A request (hc_req) is shared by two sides:
 *   - the requester (a guest's thread: the pool's, or `hive run`'s):
 *     hv_hc_send, then the request body as a source (hv_hc_body_room,
 *     hv_hc_body_write, hv_hc_body_end), the response head once it came
 *     (hv_hc_state, hv_hc_status, hv_hc_headers), the response body as a sink
 *     (hv_hc_body_read), trailers, and hv_hc_release (which cancels what is
 *     still in flight);
 *   - the client thread, which moves bytes between these buffers and
 *     libcurl and calls the requester's notify(ud) whenever something the
 *     requester may wait for changed (head or error arrived, body bytes or
 *     the end came, room in the request body). notify runs on the client
 *     thread with the client's lock held: it must only wake (e.g.
 *     hv_handler_wake, a write to an eventfd) and never call back here.
 *     After hv_hc_release returns, notify is never called again.
 *
 * Backpressure both ways: the request body buffer holds HC_SEND_BUF
 * bytes (hv_hc_body_room is 0 when full; libcurl's read callback pauses with
 * CURL_READFUNC_PAUSE while it is empty and is resumed by the next
 * write); the response body buffer holds about HC_RECV_BUF bytes
 * (libcurl's write callback pauses with CURL_WRITEFUNC_PAUSE beyond it
 * and is resumed once the requester has read half of it).
 *
 * The same calls serve wasi:http 0.2's outgoing-handler (src/wasihttp)
 * and can serve 0.3's client.send: request head + body source, response
 * head + body sink, cancel (release).
 */
#ifndef HIVE_HTTPCLIENT_H
#define HIVE_HTTPCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "hive/handler.h" /* hive_header */

#define HC_SEND_BUF (64 * 1024)
#define HC_RECV_BUF (256 * 1024)
#define HC_DEFAULT_MAX_PER_INSTANCE 16

/* wasi:http error-code cases (their index in the variant). */
enum {
    HC_E_DNS_TIMEOUT = 0, HC_E_DNS_ERROR = 1, HC_E_DEST_NOT_FOUND = 2, HC_E_DEST_UNAVAILABLE = 3,
    HC_E_DEST_IP_PROHIBITED = 4, HC_E_DEST_IP_UNROUTABLE = 5, HC_E_CONN_REFUSED = 6,
    HC_E_CONN_TERMINATED = 7, HC_E_CONN_TIMEOUT = 8, HC_E_CONN_READ_TIMEOUT = 9,
    HC_E_CONN_WRITE_TIMEOUT = 10, HC_E_CONN_LIMIT = 11, HC_E_TLS_PROTOCOL = 12,
    HC_E_TLS_CERT = 13, HC_E_TLS_ALERT = 14, HC_E_DENIED = 15, HC_E_REQ_BODY_SIZE = 17, HC_E_METHOD_INVALID = 18, HC_E_URI_INVALID = 19,
    HC_E_RESP_INCOMPLETE = 25, HC_E_RESP_HEADER_SECTION_SIZE = 26, HC_E_RESP_BODY_SIZE = 28,
    HC_E_RESP_CONTENT_CODING = 32, HC_E_RESP_TIMEOUT = 33, HC_E_PROTOCOL = 35,
    HC_E_CONFIG = 37, HC_E_INTERNAL = 38
};

/* An error: its error-code case and a message (internal-error's payload,
 * and for logs). */
typedef struct hc_error {
    int code;
    char msg[160];
} hc_error;

/* The process's outbound policy, set once before any request
 * (hv_hc_configure copies it). */
typedef struct hc_config {
    /* Destinations allowed: "HOST", "HOST:PORT", "[V6]:PORT", "*" (any
     * host), "*.SUFFIX" (its subdomains), "*:PORT". None: every request
     * is denied (HTTP-request-denied): the default. */
    const char *const *allow;
    size_t nallow;
    const char *ca_file;  /* CA bundle for HTTPS instead of the system's (NULL: system) */
    int h2c;              /* http:// requests speak HTTP/2 with prior knowledge */
    unsigned max_per_instance; /* outgoing requests in flight per instance (0: default) */
} hc_config;

/* Checks and copies c. 0, or -1 with a message in err (a malformed
 * allow rule). May be called again (tests); not while requests are in
 * flight. */
int hv_hc_configure(const hc_config *c, char *err, size_t errlen);
unsigned hv_hc_max_per_instance(void);
/* 1 when scheme/authority is allowed by the policy. */
int hv_hc_allowed(const char *scheme, const char *authority);

/* Stops the client thread (if it was started) after cancelling what is
 * in flight; frees the policy. For a clean exit. */
void hv_hc_shutdown(void);

/* A request's head. Strings are copied by hv_hc_send. */
typedef struct hc_request {
    const char *method;         /* "GET", ... any token */
    const char *scheme;         /* "http" or "https" */
    const char *authority;      /* "host[:port]" */
    const char *path_with_query; /* "/..." (NULL: "/") */
    const hive_header *headers;
    size_t nheaders;
    /* The body: 0 none; 1 streamed through hv_hc_body_write/hv_hc_body_end.
     * content_length >= 0 when the headers declare it (then it is the
     * body's length), else -1 (chunked in HTTP/1.1). */
    int has_body;
    int64_t content_length;
    /* Timeouts in nanoseconds, 0: none. */
    uint64_t connect_timeout, first_byte_timeout, between_bytes_timeout;
} hc_request;

typedef struct hc_req hc_req;
typedef void (*hc_notify)(void *ud);

/* Starts a request (policy checked here: a destination not allowed is
 * HTTP-request-denied at once). 0 and *out, or -1 with *err. */
int hv_hc_send(const hc_request *rq, hc_notify notify, void *ud, hc_req **out, hc_error *err);

/* ---- the requester's side (any one thread at a time) ---- */

enum { HC_WAITING = 0, HC_HEAD = 1, HC_FAILED = 2 };
/* HC_WAITING (no response head yet), HC_HEAD (status and headers can be
 * read), HC_FAILED (no response: *err says why). */
int hv_hc_state(hc_req *r, hc_error *err);
/* After HC_HEAD: the status and the headers (hop-by-hop ones left out),
 * valid until hv_hc_release. */
int hv_hc_status(hc_req *r);
const hive_header *hv_hc_headers(hc_req *r, size_t *n);

/* The request body: bytes it takes now (0: full, wait for notify;
 * (size_t)-1 never: the request is over, writes fail). */
size_t hv_hc_body_room(hc_req *r);
/* Appends all of data (a writer keeps to hv_hc_body_room; one write beyond
 * it is taken all the same); returns len, or -1 when the request is over
 * or failed. */
int64_t hv_hc_body_write(hc_req *r, const uint8_t *data, size_t len);
/* The request body is complete. */
void hv_hc_body_end(hc_req *r);
/* Trailers to send after the body (copied; before hv_hc_body_end). They go
 * out with a chunked HTTP/1.1 body (content_length -1); otherwise (a body
 * of declared length, HTTP/2 in this libcurl) they are dropped. */
void hv_hc_body_trailers(hc_req *r, const hive_header *t, size_t n);
/* The request body cannot be completed (its writer went away or broke its
 * declared length): the request fails with HTTP-request-body-size. */
void hv_hc_body_abort(hc_req *r);

/* The response body: > 0 bytes read, 0 the end (trailers ready), -1
 * none yet (wait for notify), -2 it failed (*err). */
int64_t hv_hc_body_read(hc_req *r, uint8_t *buf, size_t cap, hc_error *err);
/* 1 when hv_hc_body_read would not return -1. */
int hv_hc_body_readable(hc_req *r);
/* After the body's end: the trailers (may be none). */
const hive_header *hv_hc_trailers(hc_req *r, size_t *n);

/* The requester is done with r: cancels it if in flight; r is freed once
 * the client thread let it go too. NULL ok. */
void hv_hc_release(hc_req *r);

/* Requests in flight (started, not yet finished by libcurl), for tests. */
size_t hv_hc_in_flight(void);

#endif
