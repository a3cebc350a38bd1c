/*
 * server.c -- the HTTP/1.1 server of server.h: connections on a libuv
 * loop, request framing with parse.h, responses from the worker pool.
 *
 * A connection is in one of three phases: C_HEAD (waiting for and parsing
 * a request head), C_REQUEST (one exchange: the request body flows in
 * while the response flows out) and C_CLOSING (the last bytes drain, then
 * it closes). There is at most one exchange per connection: pipelined
 * bytes wait in the input buffer until the response before them is
 * complete, which answers pipelined requests in order without a queue.
 *
 * The handler calls the sink on its own threads. Each callback copies
 * what it got into an event, appends it to the connection's queue under
 * server.evlock, puts the connection on the ready list and wakes the loop
 * with uv_async_send -- under the same lock, so the server cannot be
 * freed between the two. The loop drains the ready list in async_cb.
 * Lock order: the handler's locks (held around sink calls), then evlock;
 * the loop never calls into the handler while holding evlock.
 *
 * Request-body backpressure: when hive_req_body_write says the request's
 * unread body is over the pool's high-water mark, the exchange pauses
 * (x.paused): no more body is fed and the socket is not read, and the
 * body timeout does not run (the guest, not the client, is slow). The
 * sink's on_input_drained sets conn.input_drained; the loop resumes.
 * The end of the response resumes too (what follows is drained).
 *
 * A request with a body starts deferred (x.deferred): its head stays at
 * the front of the input buffer and the body is read in behind it until
 * it is complete or the buffer is full (conn_try_dispatch); only then does
 * it go to the handler. A chunked body is scanned with a second decoder
 * meanwhile, so its errors and its size are known before any guest runs.
 * The body's rate is checked per window (x.rate_start_ms) from bytes read.
 *
 * Lifetime: a connection outlives its exchange's sink calls because the
 * last call for a request is on_end or on_error (the handler calls
 * nothing after them), and a request that has not ended is cancelled
 * (hive_req_cancel waits for a running callback) before its connection
 * closes and its queued events are dropped.
 */
#include "http/server.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/parse.h"
#include "support/assert.h"

#define IN_INITIAL 8192         /* a connection's first input buffer */
#define MAX_DRAIN (1024 * 1024) /* request body bytes dropped after a response */
#define LINGER_MS 2000          /* reading after our FIN, so a RST cannot eat the response */
#define ASYNC_ROUNDS 4096       /* connections served per wake-up before yielding */
#define CLIENT_BUCKETS 1024     /* hash buckets of the per-address connection counts */
#define INLINE_MAX_NS 1000000   /* guest slices run on the loop thread per iteration */
#define INLINE_ROUNDS 4         /* run, answer, run what that started, ... */

typedef struct conn conn;

typedef enum conn_phase { C_HEAD, C_REQUEST, C_CLOSING } conn_phase;
typedef enum body_mode { BODY_NONE, BODY_LENGTH, BODY_CHUNKED } body_mode;

/* How the response body is delimited on the wire. */
typedef enum resp_framing {
    RF_NONE,    /* no body (HEAD, 204, 304) */
    RF_LENGTH,  /* Content-Length */
    RF_CHUNKED, /* Transfer-Encoding: chunked */
    RF_CLOSE    /* until the connection closes (HTTP/1.0, length unknown) */
} resp_framing;

/* A uv_write in flight and the memory it sends from. */
typedef struct out_write {
    uv_write_t req;
    conn *c;
    size_t len;       /* bytes handed to uv_write */
    size_t accounted; /* on_body bytes this releases from conn.out_pending */
    void *owned;      /* freed when the write completes (may be this struct) */
} out_write;

/* One conn_write's bytes: its bufs, and what to free and release once
 * they are sent. */
typedef struct out_piece {
    out_write *wr;
    void *owned;
    size_t accounted;
    unsigned nbufs;
} out_piece;

/* Room for output held back while the loop serves a batch of events. */
#define CORK_PIECES 8
#define CORK_BUFS 16

typedef enum ev_kind { EV_HEAD, EV_BODY, EV_END, EV_ERROR, EV_TRAILERS } ev_kind;

/* One sink call, copied for the loop thread. A body event doubles as the
 * write request that sends its bytes. */
typedef struct event {
    struct event *next;
    ev_kind kind;
    int status;                           /* HEAD */
    int64_t content_length;               /* HEAD */
    size_t nheaders;                      /* HEAD */
    hive_header *headers;                 /* HEAD: inside this block */
    hive_handle_error error;              /* ERROR */
    const char *message;                  /* ERROR: inside this block */
    size_t len;                           /* BODY; TRAILERS: the bytes in data */
    out_write wr;                         /* BODY */
    char frame[24];                       /* BODY: the chunk-size line */
    _Alignas(max_align_t) uint8_t data[]; /* BODY bytes; HEAD/ERROR strings */
} event;

/* The current request and its response. Reset for every request. */
typedef struct exchange {
    bool started;  /* a head was parsed (or rejected): log it */
    bool trailers_sent; /* the last chunk went out with the guest's trailer section */
    hive_req *req; /* in the handler: not NULL until the response ends */
    body_mode body;
    uint64_t body_left; /* BODY_LENGTH */
    http_chunked_decoder dec;
    uint64_t body_bytes;
    bool body_done;
    uint64_t drain_left;
    uint64_t body_progress_ms;
    bool is_head;
    int minor;
    bool keep_alive;
    char method[32];
    char target[256];
    uint64_t start_ns;
    bool head_sent, done, logged;
    int status;
    resp_framing framing;
    uint64_t left;  /* RF_LENGTH: bytes still owed */
    bool overflow;  /* the guest wrote past its Content-Length */
    uint64_t bytes; /* body bytes sent */
    uint64_t worker_id;
    bool paused;  /* the handler's body buffer is full: not reading */
    bool retried; /* an INSTANTIATE failure was retried once */
    /* Before it goes to the handler, a request's body is buffered (up to
     * the input buffer's size), so that a slow upload holds no guest. */
    bool deferred;              /* the head is parsed, the body is being buffered */
    size_t head_len;            /* deferred: the head's bytes at the start of conn.in */
    http_chunked_decoder scan;  /* deferred, chunked: how much of the body is complete */
    size_t scan_off;            /* ... body bytes at conn.in + head_len it has seen */
    bool uploading;             /* in the handler with its body arriving: server.uploads */
    uint64_t recv_bytes;        /* bytes read from the socket during the exchange */
    uint64_t rate_start_ms;     /* the current window of the minimum-rate check */
    uint64_t rate_start_bytes;  /* recv_bytes when it began */
    int log_status;             /* not 0: the status to log (the response was cut) */
    char error[160];
} exchange;

struct conn {
    server *s;
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_shutdown_t shutdown;
    conn *next, *prev; /* server.conns */
    int handles;       /* uv handles not yet closed */
    conn_phase phase;
    bool reading, peer_eof, destroying;
    bool shut, shut_done; /* uv_shutdown called; its callback ran */
    bool wait_output;     /* the next request waits for queued output to drain */
    char remote_addr[64];
    uint16_t remote_port;
    struct client_count *client; /* counted per address (NULL: not counted) */

    char *in;
    size_t in_len, in_cap;
    char *tkeep;            /* a chunked request's trailer section (made at the first) */
    size_t prev_len;        /* for hv_http_parse_request */
    uint64_t head_start_ms; /* first byte of the head being read (0: none) */
    uint64_t idle_since_ms;
    uint64_t linger_until_ms;

    exchange x;

    /* Output of the batch of events being served (conn_process_events):
     * held back and sent in one writev at the batch's end, so that a
     * response's head, body and end go out in one system call. */
    bool corked;
    unsigned cork_npieces, cork_nbufs;
    out_piece cork_pieces[CORK_PIECES];
    uv_buf_t cork_bufs[CORK_BUFS];

    size_t writes_pending; /* uv_writes in flight */
    size_t out_queued;     /* their bytes */
    uint64_t write_progress_ms;

    /* under server.evlock */
    event *ev_head, *ev_tail;
    conn *ready_next, *ready_prev;
    bool in_ready;
    bool sink_failed;   /* a sink call could not allocate its event */
    bool sink_discard;  /* the response has no body: drop on_body bytes */
    size_t out_pending; /* on_body bytes not yet sent */
    bool out_blocked;   /* on_body said "full" */
    bool input_drained; /* on_input_drained: the exchange may resume */
};

/* The open connections of one client address. */
typedef struct client_count {
    struct client_count *next;
    uint8_t key[16];
    uint8_t key_len;
    size_t conns;
} client_count;

struct server {
    uv_loop_t *loop;
    hive_handler *handler;
    server_config cfg;
    http_limits limits;
    uv_tcp_t listener;
    bool listening, listener_open;
    uv_async_t async;
    bool async_open;
    uv_check_t check;     /* runs short guest slices after the loop's I/O */
    uv_prepare_t prepare; /* ... and what is left before the loop waits */
    bool check_open, prepare_open;
    bool inline_dirty; /* sink events pushed by the loop thread itself */
    uv_mutex_t evlock;
    conn *ready_head, *ready_tail; /* under evlock */

    conn *conns;
    size_t nconns;
    size_t inflight;
    size_t uploads; /* requests in the handler whose body is still arriving */
    client_count *clients[CLIENT_BUCKETS];
    bool stopping, freeing;
    void (*drained)(void *ud);
    void *drained_ud;
    bool drained_called;

    struct sockaddr_storage bound;
    uint16_t port;
    char host[64]; /* the bound address, for SERVER_NAME fallbacks */

    server_stats stats;

    /* scratch, loop thread only */
    http_header *parse_hdrs;
    hive_header *req_hdrs;
    http_header *resp_hdrs;
    size_t resp_hdrs_cap;
    char *scratch;
    size_t scratch_cap;
    char discard[16384];
    time_t date_sec;
    char date[40];
};

static void conn_advance(conn *c);
static void conn_destroy(conn *c, const char *why);
static void server_release_if_done(server *s);
static void conn_arm_timer(conn *c);

/* ---- invariants (checked when HIVE_ASSERTS_ON, docs/HTTP.md) -------------
 *
 * The legal combinations of a connection's phase and flags and of its
 * exchange's, asserted on the loop thread once a step is complete (each
 * conn_arm_timer, which every path that keeps the connection ends with,
 * the end of a batch of events, conn_destroy). Empty in the release
 * build. */
#if HIVE_ASSERTS_ON
static void conn_check(conn *c) {
    const exchange *x = &c->x;
    server *s = c->s;
    HIVE_ASSERT(c->phase >= C_HEAD && c->phase <= C_CLOSING);
    HIVE_ASSERT(c->in_len <= c->in_cap && c->prev_len <= c->in_len);
    HIVE_ASSERT(!c->shut_done || c->shut);
    HIVE_ASSERT(!c->corked); /* only inside conn_process_events */
    HIVE_ASSERT(c->handles >= 0 && c->handles <= 2);
    uv_mutex_lock(&s->evlock);
    HIVE_ASSERT(!c->ev_head == !c->ev_tail);
    /* the handler calls nothing after on_end, on_error or a cancel, and
     * conn_cancel_req drops what came before */
    if (!x->req) HIVE_ASSERT(!c->ev_head && !c->sink_failed && !c->out_blocked);
    if (c->destroying) HIVE_ASSERT(!c->in_ready);
    uv_mutex_unlock(&s->evlock);
    if (c->destroying) { /* closing its handles: only the request must be gone */
        HIVE_ASSERT(!x->req && !x->uploading);
        return;
    }
    HIVE_ASSERT(!c->shut || c->phase == C_CLOSING);
    HIVE_ASSERT(!c->peer_eof || !c->reading);
    if (c->phase != C_REQUEST) {
        /* between exchanges (C_HEAD: x is cleared) or after the last one */
        HIVE_ASSERT(!x->req && !x->deferred && !x->uploading && !x->paused);
        if (c->phase == C_HEAD) HIVE_ASSERT(!x->started && !x->head_sent && !x->done);
        return;
    }
    HIVE_ASSERT(x->started);
    HIVE_ASSERT(x->body != BODY_NONE || x->body_done);
    /* in the handler until its response ends */
    HIVE_ASSERT(!x->req || (!x->done && !x->deferred));
    HIVE_ASSERT(!x->done || x->head_sent);
    HIVE_ASSERT(!x->head_sent || (x->status >= 100 && x->status <= 599));
    HIVE_ASSERT(!x->logged || (x->done && x->body_done));
    /* a deferred request buffers its body behind its head, not yet in the handler */
    if (x->deferred)
        HIVE_ASSERT(!x->req && !x->head_sent && !x->body_done && x->body != BODY_NONE &&
                    x->head_len > 0 && x->head_len <= c->in_len);
    /* server.uploads: in the handler with its body still arriving */
    HIVE_ASSERT(!x->uploading || (x->req && !x->body_done));
    HIVE_ASSERT(!x->paused || x->req);
}

/* The server's counts agree with its connections. */
static void server_check(server *s) {
    size_t n = 0, inflight = 0, uploads = 0;
    for (conn *c = s->conns; c; c = c->next, n++) {
        HIVE_ASSERT(!c->next || c->next->prev == c);
        inflight += c->x.req != NULL;
        uploads += c->x.uploading;
    }
    HIVE_ASSERT(n == s->nconns && inflight == s->inflight && uploads == s->uploads);
}
#else
static inline void conn_check(conn *c) { (void)c; }
static inline void server_check(server *s) { (void)s; }
#endif

/* ---- small helpers ------------------------------------------------------- */

static uint64_t now_ms(const server *s) {
    return uv_now(s->loop);
}

static size_t min_size(size_t a, size_t b) {
    return a < b ? a : b;
}

/* Copies a slice into a fixed buffer, truncated and NUL-terminated. */
static void copy_trunc(char *dst, size_t cap, const char *src, size_t len) {
    size_t n = min_size(len, cap - 1);
    memcpy(dst, src, n);
    dst[n] = 0;
}

static bool slice_is(http_slice s, const char *lit) {
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* Whether header name (len) equals lit, ASCII case-insensitively. */
static bool name_is(const char *name, size_t len, const char *lit) {
    size_t n = strlen(lit);
    if (len != n) return false;
    for (size_t i = 0; i < n; i++) {
        char a = name[i], b = lit[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
        if (a != b) return false;
    }
    return true;
}

/* The IMF-fixdate of now, cached per second. */
static const char *server_date(server *s) {
    time_t t = time(NULL);
    if (t != s->date_sec) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(s->date, sizeof s->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        s->date_sec = t;
    }
    return s->date;
}

/* Grows s->scratch to at least n bytes. Returns 0 or -1. */
static int scratch_reserve(server *s, size_t n) {
    if (n <= s->scratch_cap) return 0;
    size_t cap = s->scratch_cap ? s->scratch_cap : 1024;
    while (cap < n)
        cap *= 2;
    char *p = realloc(s->scratch, cap);
    if (!p) return -1;
    s->scratch = p;
    s->scratch_cap = cap;
    return 0;
}

/* ---- output -------------------------------------------------------------- */

/* Releases n on_body bytes from the connection's unsent count and wakes
 * the guest if they fell below the low-water mark. Loop thread. */
static void conn_release_output(conn *c, size_t n) {
    if (n == 0) return;
    server *s = c->s;
    bool ready = false;
    uv_mutex_lock(&s->evlock);
    c->out_pending = n > c->out_pending ? 0 : c->out_pending - n;
    if (c->out_blocked && c->out_pending <= s->cfg.low_water) {
        c->out_blocked = false;
        ready = true;
    }
    uv_mutex_unlock(&s->evlock);
    if (ready && c->x.req && !c->destroying) hive_req_output_ready(c->x.req);
}

/* Frees an event that will not be written, releasing its accounting. */
static void event_drop(conn *c, event *ev) {
    if (ev->kind == EV_BODY) conn_release_output(c, ev->len);
    free(ev);
}

/* A write finished: free its memory, release its accounting, and let a
 * connection that waited for its output to drain go on. */
static void write_cb(uv_write_t *req, int status) {
    out_write *wr = (out_write *)req;
    conn *c = wr->c;
    c->writes_pending--;
    c->out_queued -= wr->len;
    size_t accounted = wr->accounted;
    free(wr->owned); /* may free wr */
    if (c->destroying) return;
    conn_release_output(c, accounted);
    if (status < 0) {
        conn_destroy(c, "write failed: client gone");
        return;
    }
    c->write_progress_ms = now_ms(c->s);
    if (c->wait_output && c->out_queued <= c->s->cfg.low_water) {
        c->wait_output = false;
        conn_advance(c);
        return;
    }
    conn_arm_timer(c);
}

/* Queues bufs (len bytes in all) behind the writes in flight. Their
 * memory must stay valid until owned is freed (once sent); wr: the write
 * request to use (inside owned), or NULL for static bytes (owned NULL).
 * Returns false when the connection was destroyed. */
static bool conn_queue(conn *c, uv_buf_t *bufs, unsigned nbufs, size_t len, out_write *wr,
                       void *owned, size_t accounted) {
    if (!wr) { /* static bytes (owned is NULL): the request frees itself */
        wr = malloc(sizeof *wr);
        if (!wr) {
            free(owned);
            conn_destroy(c, "out of memory");
            return false;
        }
        owned = owned ? owned : wr;
    }
    wr->c = c;
    wr->len = len;
    wr->accounted = accounted;
    wr->owned = owned;
    int r = uv_write(&wr->req, (uv_stream_t *)&c->tcp, bufs, nbufs, write_cb);
    if (r < 0) {
        free(owned);
        conn_release_output(c, accounted);
        conn_destroy(c, "write failed");
        return false;
    }
    c->writes_pending++;
    c->out_queued += len;
    if (c->writes_pending == 1) c->write_progress_ms = now_ms(c->s);
    return true;
}

/* Sends the pieces (their bufs one after the other in bufs) after
 * everything queued before them: one writev for all when nothing is in
 * flight, what does not go out at once queued piece by piece. On failure
 * the connection is destroyed (check c->destroying). */
static void conn_send(conn *c, uv_buf_t *bufs, unsigned nbufs, const out_piece *pieces,
                      unsigned npieces) {
    if (c->destroying || c->shut) {
        for (unsigned k = 0; k < npieces; k++) {
            if (!c->destroying) conn_release_output(c, pieces[k].accounted);
            free(pieces[k].owned);
        }
        return;
    }
    size_t total = 0;
    for (unsigned i = 0; i < nbufs; i++)
        total += bufs[i].len;
    size_t sent = 0;
    if (c->writes_pending == 0) {
        int r = uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs);
        if (r >= 0)
            sent = (size_t)r;
        else if (r != UV_EAGAIN && r != UV_ENOSYS) {
            for (unsigned k = 0; k < npieces; k++) {
                free(pieces[k].owned);
                conn_release_output(c, pieces[k].accounted);
            }
            conn_destroy(c, "write failed: client gone");
            return;
        }
    }
    if (sent == total) c->write_progress_ms = now_ms(c->s);
    unsigned b = 0;
    for (unsigned k = 0; k < npieces; k++) {
        const out_piece *p = &pieces[k];
        uv_buf_t *pb = bufs + b;
        unsigned pn = p->nbufs;
        b += pn;
        size_t plen = 0;
        for (unsigned i = 0; i < pn; i++)
            plen += pb[i].len;
        if (sent >= plen) {
            sent -= plen;
            free(p->owned);
            conn_release_output(c, p->accounted);
            continue;
        }
        unsigned first = 0;
        size_t left = plen - sent;
        for (size_t skip = sent; skip > 0;) {
            if (skip >= pb[first].len) {
                skip -= pb[first].len;
                first++;
            } else {
                pb[first].base += skip;
                pb[first].len -= skip;
                skip = 0;
            }
        }
        sent = 0;
        while (first < pn && pb[first].len == 0)
            first++;
        if (!conn_queue(c, pb + first, pn - first, left, p->wr, p->owned, p->accounted)) {
            for (k++; k < npieces; k++)
                free(pieces[k].owned);
            return;
        }
    }
}

/* Sends what the connection holds back (conn.corked). */
static void conn_flush(conn *c) {
    unsigned np = c->cork_npieces, nb = c->cork_nbufs;
    if (!np) return;
    out_piece pieces[CORK_PIECES];
    uv_buf_t bufs[CORK_BUFS];
    memcpy(pieces, c->cork_pieces, np * sizeof *pieces);
    memcpy(bufs, c->cork_bufs, nb * sizeof *bufs);
    c->cork_npieces = c->cork_nbufs = 0;
    conn_send(c, bufs, nb, pieces, np);
}

/* Sends bufs after everything queued before them. Their memory must stay
 * valid until owned (may be NULL) is freed, which happens once they are
 * sent. wr: the write request to use (inside owned), or NULL for static
 * bytes (owned NULL): one is allocated if they cannot all go out at once.
 * accounted: on_body bytes released once sent. While the connection is
 * corked they are held back, to go out with the rest of the batch in one
 * writev. On failure the connection is destroyed (check c->destroying). */
static void conn_write(conn *c, uv_buf_t *bufs, unsigned nbufs, out_write *wr, void *owned,
                       size_t accounted) {
    out_piece p = {wr, owned, accounted, nbufs};
    if (c->corked && !c->destroying && !c->shut) {
        /* no room: what is held goes first (also before bufs too many to hold) */
        if (c->cork_npieces == CORK_PIECES || c->cork_nbufs + nbufs > CORK_BUFS) conn_flush(c);
        if (!c->destroying && nbufs <= CORK_BUFS) {
            memcpy(c->cork_bufs + c->cork_nbufs, bufs, nbufs * sizeof *bufs);
            c->cork_nbufs += nbufs;
            c->cork_pieces[c->cork_npieces++] = p;
            return;
        }
    }
    conn_send(c, bufs, nbufs, &p, 1);
}

/* Sends a static byte string. */
static void conn_write_static(conn *c, const char *str) {
    uv_buf_t b = uv_buf_init((char *)str, (unsigned)strlen(str));
    conn_write(c, &b, 1, NULL, NULL, 0);
}

/* A block holding a write request, then a formatted response head, then
 * `extra` bytes of room. Returns it with *head_len set, or NULL with
 * *invalid set when the head is refused (a field would split it). */
static out_write *head_block(conn *c, int status, const http_header *hs, size_t n,
                             int64_t body_length, bool keep_alive, size_t extra, int *head_len,
                             bool *invalid) {
    size_t est = 256;
    for (size_t i = 0; i < n; i++)
        est += hs[i].name.len + hs[i].value.len + 4;
    *invalid = false;
    for (int tries = 0; tries < 4; tries++) {
        out_write *wr = malloc(sizeof *wr + est + extra);
        if (!wr) return NULL;
        char *buf = (char *)(wr + 1);
        int r = hv_http_format_response_head(buf, est, status, NULL, hs, n, body_length, keep_alive);
        if (r >= 0) {
            *head_len = r;
            wr->owned = wr;
            return wr;
        }
        free(wr);
        if (r == HTTP_FORMAT_INVALID) {
            *invalid = true;
            return NULL;
        }
        est *= 4;
    }
    return NULL;
}

/* ---- exchanges ----------------------------------------------------------- */

/* Counts, logs and reports the exchange once. */
static void conn_log(conn *c) {
    exchange *x = &c->x;
    server *s = c->s;
    if (!x->started || x->logged) return;
    x->logged = true;
    uint64_t ns = uv_hrtime() - x->start_ns;
    int status = x->log_status ? x->log_status : x->head_sent ? x->status : 0;
    s->stats.requests++;
    if (status >= 0 && status < 600) s->stats.by_status[status]++;
    static const double bounds[] = SERVER_DURATION_BOUNDS;
    double sec = (double)ns / 1e9;
    size_t b = 0;
    while (b < SERVER_DURATION_BUCKETS - 1 && sec > bounds[b])
        b++;
    s->stats.duration_hist[b]++;
    s->stats.duration_count++;
    s->stats.duration_sum += sec;
    s->stats.bytes_out += x->bytes;
    if (s->cfg.on_access) {
        server_access a = {
            .method = x->method[0] ? x->method : "-",
            .target = x->target[0] ? x->target : "-",
            .minor_version = x->minor,
            .remote_addr = c->remote_addr,
            .remote_port = c->remote_port,
            .status = status,
            .bytes = x->bytes,
            .duration_ns = ns,
            .worker_id = x->worker_id,
            .error = x->error[0] ? x->error : NULL,
        };
        s->cfg.on_access(s->cfg.ud, &a);
    }
}

/* Keeps server.uploads: an exchange counts while its request is in the
 * handler and its body still arriving. */
static void conn_upload_sync(conn *c) {
    exchange *x = &c->x;
    if (x->uploading && (!x->req || x->body_done)) {
        x->uploading = false;
        c->s->uploads--;
    }
}

/* Takes the exchange's request out of the handler: cancels it unless
 * its response ended, drops its queued events, releases it. */
static void conn_cancel_req(conn *c) {
    exchange *x = &c->x;
    server *s = c->s;
    if (!x->req) return;
    hive_req *r = x->req;
    if (!x->done) hive_req_cancel(r); /* no sink call after this returns */
    x->worker_id = hive_req_worker_id(r);
    uv_mutex_lock(&s->evlock);
    event *evs = c->ev_head;
    c->ev_head = c->ev_tail = NULL;
    c->sink_failed = false;
    c->sink_discard = false;
    c->out_blocked = false;
    c->input_drained = false;
    uv_mutex_unlock(&s->evlock);
    x->req = NULL;
    x->paused = false; /* the rest of the body is drained, if at all */
    conn_upload_sync(c);
    s->inflight--;
    s->stats.requests_in_flight = s->inflight;
    server_check(s);
    hive_req_release(r);
    while (evs) {
        event *nx = evs->next;
        event_drop(c, evs);
        evs = nx;
    }
}

/* The response is complete (or failed before its head and was answered
 * locally): release the request, log (once the request body is in too:
 * it may still go over its limit). The caller advances the connection. */
static void conn_response_done(conn *c) {
    exchange *x = &c->x;
    x->done = true;
    conn_cancel_req(c);
    if (x->body_done) conn_log(c);
}

/* Answers the current exchange from the server itself: status with a
 * short text body. close: the connection closes afterwards. */
static void conn_respond_local(conn *c, int status, const char *ctype, const char *body,
                               size_t body_len, bool close, const char *error) {
    exchange *x = &c->x;
    server *s = c->s;
    if (close || s->stopping) x->keep_alive = false;
    if (error && !x->error[0]) snprintf(x->error, sizeof x->error, "%s", error);
    http_header hs[3];
    size_t n = 0;
    hs[n].name = (http_slice){"Date", 4};
    hs[n].value = (http_slice){server_date(s), strlen(server_date(s))};
    n++;
    if (ctype) {
        hs[n].name = (http_slice){"Content-Type", 12};
        hs[n].value = (http_slice){ctype, strlen(ctype)};
        n++;
    }
    if (status == 503) {
        hs[n].name = (http_slice){"Retry-After", 11};
        hs[n].value = (http_slice){"1", 1};
        n++;
    }
    bool send_body = !x->is_head;
    int head_len = 0;
    bool invalid;
    out_write *wr = head_block(c, status, hs, n, (int64_t)body_len, x->keep_alive,
                               send_body ? body_len : 0, &head_len, &invalid);
    x->head_sent = true;
    x->status = status;
    if (!wr) {
        conn_destroy(c, "out of memory");
        return;
    }
    char *buf = (char *)(wr + 1);
    if (send_body && body_len) memcpy(buf + head_len, body, body_len);
    x->bytes = send_body ? body_len : 0;
    uv_buf_t b = uv_buf_init(buf, (unsigned)(head_len + (send_body ? body_len : 0)));
    conn_write(c, &b, 1, wr, wr, 0);
    if (c->destroying) return;
    conn_response_done(c);
}

/* An error response "STATUS Reason\n". */
static void conn_respond_error(conn *c, int status, bool close, const char *error) {
    char body[96];
    int n = snprintf(body, sizeof body, "%d %s\n", status, hv_http_status_reason(status));
    conn_respond_local(c, status, "text/plain; charset=utf-8", body, (size_t)n, close, error);
}

/* The current request fails before its response head: cancel it in the
 * handler and answer status instead. */
static void conn_fail_request(conn *c, int status, const char *why, bool close) {
    conn_cancel_req(c);
    conn_respond_error(c, status, close, why);
}

/* A request head could not be parsed (or did not arrive in time): answer
 * and close. */
static void conn_reject(conn *c, int status, const char *why) {
    exchange *x = &c->x;
    memset(x, 0, sizeof *x);
    x->started = true;
    x->start_ns = uv_hrtime();
    x->minor = 1;
    x->body_done = true;
    c->phase = C_REQUEST;
    conn_respond_error(c, status, true, why);
}

/* ---- the sink: handler threads ------------------------------------------- */

/* Appends ev (may be NULL: just wake) to c's queue and wakes the loop.
 * evlock held. */
/* The server whose loop thread is running guest slices inline now (on
 * that thread): its sink calls need no wake-up, the loop serves them
 * right after. */
static _Thread_local server *inline_server;

static void sink_push_locked(conn *c, event *ev) {
    server *s = c->s;
    if (ev) {
        ev->next = NULL;
        if (c->ev_tail)
            c->ev_tail->next = ev;
        else
            c->ev_head = ev;
        c->ev_tail = ev;
    }
    if (!c->in_ready) {
        c->in_ready = true;
        c->ready_next = NULL;
        c->ready_prev = s->ready_tail;
        if (s->ready_tail)
            s->ready_tail->ready_next = c;
        else
            s->ready_head = c;
        s->ready_tail = c;
    }
    if (inline_server == s)
        s->inline_dirty = true;
    else
        uv_async_send(&s->async);
}

/* sink_push_locked with the lock; a NULL ev records an allocation
 * failure for the loop to act on. Once an event is lost, the ones after
 * it are dropped too (until the loop fails the request), so that an end
 * event cannot complete a response that lacks the lost part. */
static void sink_push(conn *c, event *ev) {
    uv_mutex_lock(&c->s->evlock);
    if (!ev || c->sink_failed) {
        free(ev);
        ev = NULL;
        c->sink_failed = true;
    }
    sink_push_locked(c, ev);
    uv_mutex_unlock(&c->s->evlock);
}

static void sink_on_head(void *ud, int status, const hive_header *headers, size_t nheaders,
                         int64_t content_length) {
    conn *c = ud;
    size_t size = sizeof(event) + nheaders * sizeof(hive_header);
    for (size_t i = 0; i < nheaders; i++)
        size += headers[i].name_len + headers[i].value_len + 2;
    event *ev = malloc(size);
    if (ev) {
        memset(ev, 0, sizeof *ev);
        ev->kind = EV_HEAD;
        ev->status = status;
        ev->content_length = content_length;
        ev->nheaders = nheaders;
        ev->headers = (hive_header *)ev->data;
        char *p = (char *)(ev->headers + nheaders);
        for (size_t i = 0; i < nheaders; i++) {
            hive_header *h = &ev->headers[i];
            h->name = p;
            h->name_len = headers[i].name_len;
            if (h->name_len) memcpy(p, headers[i].name, h->name_len);
            p[h->name_len] = 0;
            p += h->name_len + 1;
            h->value = p;
            h->value_len = headers[i].value_len;
            if (h->value_len) memcpy(p, headers[i].value, h->value_len);
            p[h->value_len] = 0;
            p += h->value_len + 1;
        }
    }
    sink_push(c, ev);
}

/* Copies body bytes into an event; says "full" (1) once the unsent
 * output passes the high-water mark. HEAD and 204/304 drop them here. */
static int sink_on_body(void *ud, const uint8_t *data, size_t len) {
    conn *c = ud;
    server *s = c->s;
    uv_mutex_lock(&s->evlock);
    bool discard = c->sink_discard;
    uv_mutex_unlock(&s->evlock);
    if (discard || len == 0) return 0;
    event *ev = malloc(sizeof(event) + len);
    uv_mutex_lock(&s->evlock);
    int full = 0;
    if (!ev || c->sink_failed) { /* lost, or after a lost event: see sink_push */
        free(ev);
        c->sink_failed = true;
        sink_push_locked(c, NULL);
    } else {
        memset(ev, 0, sizeof *ev);
        ev->kind = EV_BODY;
        ev->len = len;
        memcpy(ev->data, data, len);
        c->out_pending += len;
        if (c->out_pending > s->cfg.high_water) {
            c->out_blocked = true;
            full = 1;
        }
        sink_push_locked(c, ev);
    }
    uv_mutex_unlock(&s->evlock);
    return full;
}

/* The response is complete: the last sink call for the request. */
static void sink_on_end(void *ud) {
    conn *c = ud;
    event *ev = malloc(sizeof(event));
    if (ev) {
        memset(ev, 0, sizeof *ev);
        ev->kind = EV_END;
    }
    sink_push(c, ev);
}

static bool tchar(unsigned char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* The response's trailers: the last chunk and the trailer section as they
 * go out after a chunked body (fields with bytes that cannot be in one
 * are left out). */
static void sink_on_trailers(void *ud, const hive_header *t, size_t n) {
    conn *c = ud;
    size_t cap = 8;
    for (size_t i = 0; i < n; i++) cap += t[i].name_len + t[i].value_len + 4;
    event *ev = malloc(sizeof(event) + cap);
    if (ev) {
        memset(ev, 0, sizeof *ev);
        ev->kind = EV_TRAILERS;
        char *p = (char *)ev->data;
        memcpy(p, "0\r\n", 3);
        size_t k = 3;
        for (size_t i = 0; i < n; i++) {
            bool ok = t[i].name_len > 0;
            for (size_t j = 0; ok && j < t[i].name_len; j++)
                ok = tchar((unsigned char)t[i].name[j]);
            for (size_t j = 0; ok && j < t[i].value_len; j++) {
                unsigned char ch = (unsigned char)t[i].value[j];
                ok = ch == '\t' || (ch >= 0x20 && ch != 0x7f);
            }
            if (!ok) continue;
            memcpy(p + k, t[i].name, t[i].name_len);
            k += t[i].name_len;
            memcpy(p + k, ": ", 2);
            k += 2;
            memcpy(p + k, t[i].value, t[i].value_len);
            k += t[i].value_len;
            memcpy(p + k, "\r\n", 2);
            k += 2;
        }
        memcpy(p + k, "\r\n", 2);
        ev->len = k + 2;
    }
    sink_push(c, ev);
}

/* The request failed (before or after its head): the last sink call. */
static void sink_on_error(void *ud, hive_handle_error error, const char *message) {
    conn *c = ud;
    size_t ml = message ? strlen(message) : 0;
    if (ml > 200) ml = 200;
    event *ev = malloc(sizeof(event) + ml + 1);
    if (ev) {
        memset(ev, 0, sizeof *ev);
        ev->kind = EV_ERROR;
        ev->error = error;
        char *m = (char *)ev->data;
        if (ml) memcpy(m, message, ml);
        m[ml] = 0;
        ev->message = m;
    }
    sink_push(c, ev);
}

/* The guest read the request body down: reading may resume. */
static void sink_on_input_drained(void *ud) {
    conn *c = ud;
    uv_mutex_lock(&c->s->evlock);
    c->input_drained = true;
    sink_push_locked(c, NULL);
    uv_mutex_unlock(&c->s->evlock);
}

/* ---- responses from the handler (loop thread) ---------------------------- */

static void conn_on_head(conn *c, event *ev) {
    exchange *x = &c->x;
    server *s = c->s;
    int status = ev->status;
    x->worker_id = hive_req_worker_id(x->req);
    if (status < 200 || status > 599) {
        conn_fail_request(c, 502, "the guest's response status is not 200..599", false);
        return;
    }
    bool no_body = x->is_head || status == 204 || status == 304;
    int64_t length;
    if (status == 204 || status == 304) {
        x->framing = RF_NONE;
        length = HTTP_BODY_NONE;
    } else if (ev->content_length >= 0) {
        x->framing = x->is_head ? RF_NONE : RF_LENGTH;
        x->left = (uint64_t)ev->content_length;
        length = ev->content_length;
    } else if (x->is_head) {
        x->framing = RF_NONE;
        length = HTTP_BODY_NONE;
    } else if (x->minor >= 1) {
        x->framing = RF_CHUNKED;
        length = HTTP_BODY_CHUNKED;
    } else {
        x->framing = RF_CLOSE;
        length = HTTP_BODY_NONE;
        x->keep_alive = false;
    }
    if (s->stopping) x->keep_alive = false;

    /* the guest's fields, then Date unless it gave one */
    size_t n = ev->nheaders;
    if (n + 1 > s->resp_hdrs_cap) {
        http_header *nh = realloc(s->resp_hdrs, (n + 1) * sizeof *nh);
        if (!nh) {
            conn_fail_request(c, 500, "out of memory", false);
            return;
        }
        s->resp_hdrs = nh;
        s->resp_hdrs_cap = n + 1;
    }
    bool has_date = false;
    for (size_t i = 0; i < n; i++) {
        const hive_header *h = &ev->headers[i];
        s->resp_hdrs[i].name = (http_slice){h->name, h->name_len};
        s->resp_hdrs[i].value = (http_slice){h->value, h->value_len};
        if (name_is(h->name, h->name_len, "date")) has_date = true;
    }
    if (!has_date) {
        const char *d = server_date(s);
        s->resp_hdrs[n].name = (http_slice){"Date", 4};
        s->resp_hdrs[n].value = (http_slice){d, strlen(d)};
        n++;
    }
    int head_len = 0;
    bool invalid;
    out_write *wr =
        head_block(c, status, s->resp_hdrs, n, length, x->keep_alive, 0, &head_len, &invalid);
    if (!wr) {
        conn_fail_request(c, invalid ? 502 : 500,
                          invalid ? "the guest's response head is invalid (CR, LF or a bad name)"
                                  : "out of memory",
                          false);
        return;
    }
    if (no_body) {
        uv_mutex_lock(&s->evlock);
        c->sink_discard = true;
        uv_mutex_unlock(&s->evlock);
    }
    x->head_sent = true;
    x->status = status;
    uv_buf_t b = uv_buf_init((char *)(wr + 1), (unsigned)head_len);
    conn_write(c, &b, 1, wr, wr, 0);
}

/* Sends a body event (taking it). */
static void conn_on_body(conn *c, event *ev) {
    exchange *x = &c->x;
    size_t n = ev->len;
    if (x->framing == RF_NONE || !x->head_sent) {
        event_drop(c, ev);
        return;
    }
    if (x->framing == RF_LENGTH) {
        if ((uint64_t)n > x->left) {
            x->overflow = true;
            n = (size_t)x->left;
        }
        if (n == 0) {
            event_drop(c, ev);
            return;
        }
        x->left -= n;
    }
    x->bytes += n;
    uv_buf_t bufs[3];
    unsigned nb = 0;
    if (x->framing == RF_CHUNKED) {
        int fl = snprintf(ev->frame, sizeof ev->frame, "%zx\r\n", n);
        bufs[nb++] = uv_buf_init(ev->frame, (unsigned)fl);
    }
    bufs[nb++] = uv_buf_init((char *)ev->data, (unsigned)n);
    if (x->framing == RF_CHUNKED) bufs[nb++] = uv_buf_init("\r\n", 2);
    conn_write(c, bufs, nb, &ev->wr, ev, ev->len);
}

/* The guest's trailers (just before its end): with a chunked body, the
 * last chunk and the trailer section go out now; otherwise dropped. */
static void conn_on_trailers(conn *c, event *ev) {
    exchange *x = &c->x;
    if (x->framing != RF_CHUNKED || !x->head_sent || x->trailers_sent) {
        free(ev);
        return;
    }
    x->trailers_sent = true;
    uv_buf_t b = uv_buf_init((char *)ev->data, (unsigned)ev->len);
    conn_write(c, &b, 1, &ev->wr, ev, 0);
}

/* The guest finished its body: close the framing, check its length. */
static void conn_on_end(conn *c) {
    exchange *x = &c->x;
    if (!x->head_sent) { /* cannot happen: on_end follows on_head */
        conn_fail_request(c, 502, "the guest ended without a response head", false);
        return;
    }
    if (x->framing == RF_CHUNKED && !x->trailers_sent) conn_write_static(c, "0\r\n\r\n");
    if (c->destroying) return;
    if (x->framing == RF_LENGTH && x->left > 0) {
        snprintf(x->error, sizeof x->error, "the guest's body is shorter than its Content-Length");
        x->done = true; /* the handler is finished with it: no cancel */
        conn_destroy(c, NULL);
        return;
    }
    if (x->framing == RF_CLOSE || x->overflow) x->keep_alive = false;
    if (x->overflow)
        snprintf(x->error, sizeof x->error, "the guest's body is longer than its Content-Length");
    conn_response_done(c);
}

/* The handler failed the request: an error response before the head,
 * a broken connection after it (the client must see the cut). */
static void conn_on_error(conn *c, hive_handle_error e, const char *msg) {
    exchange *x = &c->x;
    if (e == HIVE_HANDLE_INSTANTIATE && !x->retried && !x->head_sent && x->req &&
        hive_req_retry(x->req) == 0) {
        x->retried = true; /* once: a fresh instance may well succeed */
        return;
    }
    snprintf(x->error, sizeof x->error, "%s: %s", hive_handle_error_name(e), msg ? msg : "");
    if (x->head_sent) { /* mid-body: the client must see the break */
        x->done = true;
        conn_destroy(c, NULL);
        return;
    }
    int status = hive_handle_error_status(e);
    if (status < 400 || status > 599) status = 500;
    conn_fail_request(c, status, NULL, false);
}

/* Handles the events of one connection, in order. */
static void conn_process_events(conn *c, event *evs, bool failed, bool drained) {
    if (drained && c->x.paused && c->x.req && !c->destroying) {
        c->x.paused = false;
        c->x.body_progress_ms = now_ms(c->s); /* the pause was not the client's */
        c->x.rate_start_ms = c->x.body_progress_ms;
        c->x.rate_start_bytes = c->x.recv_bytes;
    }
    c->corked = true;
    while (evs) {
        event *ev = evs;
        evs = ev->next;
        if (c->destroying || !c->x.req || c->phase != C_REQUEST) {
            event_drop(c, ev);
            continue;
        }
        switch (ev->kind) {
        case EV_HEAD:
            conn_on_head(c, ev);
            free(ev);
            break;
        case EV_BODY: conn_on_body(c, ev); break;
        case EV_END:
            free(ev);
            conn_on_end(c);
            break;
        case EV_ERROR:
            conn_on_error(c, ev->error, ev->message);
            free(ev);
            break;
        case EV_TRAILERS: conn_on_trailers(c, ev); break;
        }
    }
    c->corked = false;
    conn_flush(c);
    if (failed && !c->destroying && c->x.req) {
        if (c->x.head_sent)
            conn_destroy(c, "out of memory");
        else
            conn_fail_request(c, 500, "out of memory", false);
    }
    if (!c->destroying) conn_advance(c);
    conn_check(c);
}

/* The loop side of the sink: serves the ready connections one at a
 * time (popped under the lock, handled without it). */
static void async_cb(uv_async_t *a) {
    server *s = a->data;
    for (int round = 0; round < ASYNC_ROUNDS; round++) {
        uv_mutex_lock(&s->evlock);
        conn *c = s->ready_head;
        if (!c) {
            uv_mutex_unlock(&s->evlock);
            return;
        }
        s->ready_head = c->ready_next;
        if (s->ready_head)
            s->ready_head->ready_prev = NULL;
        else
            s->ready_tail = NULL;
        c->in_ready = false;
        c->ready_next = c->ready_prev = NULL;
        event *evs = c->ev_head;
        c->ev_head = c->ev_tail = NULL;
        bool failed = c->sink_failed;
        c->sink_failed = false;
        bool drained = c->input_drained;
        c->input_drained = false;
        uv_mutex_unlock(&s->evlock);
        conn_process_events(c, evs, failed, drained);
    }
    uv_async_send(&s->async); /* more to do: after other callbacks */
}

/* Runs the first slice of the requests handed to the handler since
 * (hive_handler_run_inline) on the loop thread, serves what they
 * answered at once, and runs the requests that started (pipelined ones).
 * Right after the loop's I/O (check: the writes' callbacks then come
 * before the next wait, as after async_cb), and before the loop waits
 * (prepare: requests handed over from timers), where anything left at
 * the end goes to the guest threads, so nothing waits on a loop that
 * sleeps. */
static void run_inline(server *s, bool before_wait) {
    if (!s->handler || s->freeing) return;
    for (int round = 0; round < INLINE_ROUNDS; round++) {
        inline_server = s;
        size_t n = hive_handler_run_inline(s->handler, INLINE_MAX_NS);
        inline_server = NULL;
        if (s->inline_dirty) {
            s->inline_dirty = false;
            async_cb(&s->async);
        }
        if (!n) return;
    }
    if (before_wait) hive_handler_run_inline(s->handler, 0);
}

static void check_cb(uv_check_t *p) { run_inline(p->data, false); }
static void prepare_cb(uv_prepare_t *p) {
    server *s = p->data;
    run_inline(s, true);
    if (s->cfg.on_flush) s->cfg.on_flush(s->cfg.ud);
}

/* ---- requests ------------------------------------------------------------ */

/* The host part of a "host[:port]" authority, without the port. */
static http_slice host_without_port(http_slice h) {
    if (h.len == 0) return h; /* (ptr may be NULL: no Host in HTTP/1.0) */
    if (h.ptr[0] == '[') {
        const char *e = memchr(h.ptr, ']', h.len);
        if (e) return (http_slice){h.ptr + 1, (size_t)(e - h.ptr - 1)};
        return h;
    }
    const char *colon = memchr(h.ptr, ':', h.len);
    if (colon) h.len = (size_t)(colon - h.ptr);
    return h;
}

/* Hands the parsed request to the handler. Returns 0, or -1 when it was
 * answered locally instead. */
static int conn_dispatch(conn *c, const http_request *req) {
    server *s = c->s;
    exchange *x = &c->x;
    http_slice host = req->form == HTTP_TARGET_ABSOLUTE ? req->authority : req->host;
    host = host_without_port(host);
    if (host.len == 0) host = (http_slice){s->host, strlen(s->host)};
    size_t need = req->method.len + req->path.len + req->query.len + host.len + 16;
    if (scratch_reserve(s, need) != 0) return -1;
    char *p = s->scratch;
    const char *method = p;
    memcpy(p, req->method.ptr, req->method.len);
    p += req->method.len;
    *p++ = 0;
    const char *path = p;
    if (req->form == HTTP_TARGET_ASTERISK)
        *p++ = '*';
    else if (req->path.len == 0)
        *p++ = '/';
    else {
        memcpy(p, req->path.ptr, req->path.len);
        p += req->path.len;
    }
    *p++ = 0;
    const char *query = p;
    memcpy(p, req->query.ptr, req->query.len);
    p += req->query.len;
    *p++ = 0;
    const char *server_name = p;
    memcpy(p, host.ptr, host.len);
    p += host.len;
    *p++ = 0;
    for (size_t i = 0; i < req->num_headers; i++) {
        s->req_hdrs[i].name = req->headers[i].name.ptr;
        s->req_hdrs[i].name_len = req->headers[i].name.len;
        s->req_hdrs[i].value = req->headers[i].value.ptr;
        s->req_hdrs[i].value_len = req->headers[i].value.len;
    }
    hive_request_info info = {
        .method = method,
        .path = path,
        .query = query,
        .version = req->minor_version ? "HTTP/1.1" : "HTTP/1.0",
        .headers = s->req_hdrs,
        .nheaders = req->num_headers,
        .content_length = req->has_content_length ? (int64_t)req->content_length : -1,
        .remote_addr = c->remote_addr,
        .remote_port = c->remote_port,
        .server_name = server_name,
        .server_port = s->port,
        .scheme = "http",
    };
    hive_req_sink sink = {
        .ud = c,
        .on_head = sink_on_head,
        .on_body = sink_on_body,
        .on_end = sink_on_end,
        .on_error = sink_on_error,
        .on_input_drained = sink_on_input_drained,
        .on_trailers = sink_on_trailers,
    };
    uv_mutex_lock(&s->evlock);
    c->sink_discard = x->is_head;
    c->out_blocked = false;
    c->input_drained = false;
    uv_mutex_unlock(&s->evlock);
    x->req = hive_handler_handle(s->handler, &info, &sink, c);
    if (!x->req) return -1;
    s->inflight++;
    s->stats.requests_in_flight = s->inflight;
    server_check(s);
    return 0;
}

/* Starts the exchange for a parsed head of head_len bytes at c->in. */
static void conn_start_request(conn *c, const http_request *req, size_t head_len) {
    server *s = c->s;
    exchange *x = &c->x;
    memset(x, 0, sizeof *x);
    x->started = true;
    x->start_ns = uv_hrtime();
    copy_trunc(x->method, sizeof x->method, req->method.ptr, req->method.len);
    copy_trunc(x->target, sizeof x->target, req->target.ptr, req->target.len);
    x->is_head = slice_is(req->method, "HEAD");
    x->minor = req->minor_version;
    x->keep_alive = req->keep_alive && !s->stopping;
    x->drain_left = MAX_DRAIN;
    x->body_progress_ms = now_ms(s);
    x->rate_start_ms = x->body_progress_ms;
    x->recv_bytes = c->in_len - head_len; /* body bytes that came with the head */
    if (req->chunked) {
        x->body = BODY_CHUNKED;
        hv_http_chunked_init(&x->dec, 0, 0);
        if (!c->tkeep) c->tkeep = malloc(HTTP_DEFAULT_MAX_TRAILER_BYTES);
        if (c->tkeep) hv_http_chunked_keep_trailers(&x->dec, c->tkeep, HTTP_DEFAULT_MAX_TRAILER_BYTES);
    } else if (req->has_content_length && req->content_length > 0) {
        x->body = BODY_LENGTH;
        x->body_left = req->content_length;
    } else {
        x->body = BODY_NONE;
        x->body_done = true;
    }
    c->phase = C_REQUEST;
    bool has_body = x->body != BODY_NONE;

    /* The head's bytes are needed until the request is dispatched. */
    if (req->has_content_length && req->content_length > s->cfg.max_body_bytes) {
        x->body_done = true; /* not read: the connection closes */
        conn_respond_error(c, 413, true, "request body over the limit");
    } else if (!s->handler) {
        server_local_response out = {0};
        if (s->cfg.respond) {
            char *scratch_method = NULL;
            size_t need = req->method.len + req->path.len + 2;
            if (scratch_reserve(s, need) == 0) {
                scratch_method = s->scratch;
                memcpy(scratch_method, req->method.ptr, req->method.len);
                scratch_method[req->method.len] = 0;
                char *path = scratch_method + req->method.len + 1;
                memcpy(path, req->path.ptr, req->path.len);
                path[req->path.len] = 0;
                s->cfg.respond(s->cfg.ud, scratch_method, path, &out);
            }
        }
        if (req->expect_continue && has_body) x->body_done = true; /* body never asked for */
        bool close = req->expect_continue && has_body;
        if (out.status == 0)
            conn_respond_error(c, 404, close, NULL);
        else
            conn_respond_local(c, out.status, out.content_type, out.body, out.body_len, close,
                               NULL);
        free(out.body);
    } else if (s->inflight >= s->cfg.max_concurrent) {
        if (req->expect_continue && has_body) x->body_done = true;
        conn_respond_error(c, 503, req->expect_continue && has_body, "too many requests in flight");
    } else if (has_body) {
        /* buffered first (conn_try_dispatch), the head with it */
        x->deferred = true;
        x->head_len = head_len;
        if (x->body == BODY_CHUNKED) hv_http_chunked_init(&x->scan, 0, 0);
        if (req->expect_continue) conn_write_static(c, "HTTP/1.1 100 Continue\r\n\r\n");
        return;
    } else if (conn_dispatch(c, req) != 0) {
        if (req->expect_continue && has_body) x->body_done = true;
        conn_respond_error(c, 500, true, "out of memory");
    } else {
        hive_req_body_end(x->req); /* no body: stdin at its end at once */
    }
    if (c->destroying) return;
    memmove(c->in, c->in + head_len, c->in_len - head_len);
    c->in_len -= head_len;
    c->prev_len = 0;
}

/* The input buffer's largest size: a request head, or a head and the
 * start of its body while it is buffered, or pipelined bytes. */
static size_t conn_in_limit(const server *s) {
    size_t limit = s->cfg.max_head_bytes + 1;
    return limit < IN_INITIAL ? IN_INITIAL : limit;
}

/* A deferred exchange whose body could not be taken: answer status and
 * close (the rest of the body is not read). */
static void conn_deferred_fail(conn *c, int status, const char *why) {
    c->x.deferred = false;
    c->x.body_done = true;
    conn_respond_error(c, status, true, why);
}

/* A deferred exchange (its head is at c->in, its body follows): hands
 * it to the handler once the whole body is buffered, or the buffer is
 * full, so that a client that sends its body slowly holds a connection
 * but no guest. A chunked body is checked on the way (bad framing: 400,
 * over the limit: 413, both before any guest runs). */
static void conn_try_dispatch(conn *c) {
    server *s = c->s;
    exchange *x = &c->x;
    size_t avail = c->in_len - x->head_len;
    bool complete = false;
    if (x->body == BODY_LENGTH) {
        complete = avail >= x->body_left;
    } else {
        while (x->scan_off < avail) {
            size_t used = 0;
            http_slice data;
            int r = hv_http_chunked_decode(&x->scan, c->in + x->head_len + x->scan_off,
                                        avail - x->scan_off, &used, &data);
            x->scan_off += used;
            if (r == HTTP_CHUNKED_DATA) {
                if (x->scan.body_bytes > s->cfg.max_body_bytes) {
                    conn_deferred_fail(c, 413, "request body over the limit");
                    return;
                }
            } else if (r == HTTP_CHUNKED_DONE) {
                complete = true;
                break;
            } else if (r == HTTP_PARSE_ERROR) {
                conn_deferred_fail(c, x->scan.error.status, x->scan.error.message);
                return;
            } else {
                break; /* the rest has not come yet */
            }
        }
    }
    if (!complete && c->in_len < conn_in_limit(s)) return; /* wait for more */
    http_request req;
    int n = hv_http_parse_request(c->in, x->head_len, 0, &s->limits, s->parse_hdrs,
                               s->cfg.max_headers, &req);
    if (n != (int)x->head_len) { /* cannot happen: it parsed before */
        conn_deferred_fail(c, 500, "the request head changed");
        return;
    }
    if (s->inflight >= s->cfg.max_concurrent) {
        conn_deferred_fail(c, 503, "too many requests in flight");
        return;
    }
    if (!complete && s->uploads >= s->cfg.max_uploads) {
        conn_deferred_fail(c, 503, "too many uploads in progress");
        return;
    }
    if (conn_dispatch(c, &req) != 0) {
        conn_deferred_fail(c, 500, "out of memory");
        return;
    }
    x->deferred = false;
    if (!complete) {
        x->uploading = true;
        s->uploads++;
    }
    memmove(c->in, c->in + x->head_len, c->in_len - x->head_len);
    c->in_len -= x->head_len;
    x->head_len = 0;
}

/* Body bytes of the current request: to the handler while it waits for
 * them, else dropped (bounded). Returns 0, or -1 when the connection or
 * exchange ended because of them. */
static int conn_body_bytes(conn *c, const char *p, size_t n) {
    server *s = c->s;
    exchange *x = &c->x;
    x->body_bytes += n;
    x->body_progress_ms = now_ms(s);
    if (x->body_bytes > s->cfg.max_body_bytes) {
        /* Once a response has begun, its status is not what happened:
         * the request is logged as 413, with the reason. */
        if (x->done) { /* answered already: stop reading, close after the output */
            x->keep_alive = false;
            x->body_done = true;
            x->log_status = 413;
            snprintf(x->error, sizeof x->error,
                     "request body over the limit after a %d response: connection closed",
                     x->status);
        } else if (x->head_sent) {
            x->log_status = 413;
            snprintf(x->error, sizeof x->error,
                     "request body over the limit: the %d response was cut", x->status);
            conn_destroy(c, NULL);
        } else {
            x->body_done = true;
            conn_fail_request(c, 413, "request body over the limit", true);
        }
        return -1;
    }
    if (x->req && !x->done) {
        /* 1: the handler holds enough unread body, pause until drained;
         * HIVE_ENOMEM (the body is neither ended nor the request
         * cancelled while x->req is set, so not HIVE_ESTATE): the bytes
         * are lost, so the
         * request must not go on with a body that lacks them */
        int w = hive_req_body_write(x->req, (const uint8_t *)p, n);
        if (w == 1) x->paused = true;
        if (w >= 0) return 0;
        if (x->head_sent) {
            snprintf(x->error, sizeof x->error, "out of memory for the request body");
            conn_destroy(c, NULL);
        } else {
            x->body_done = true;
            conn_fail_request(c, 500, "out of memory for the request body", true);
        }
        return -1;
    }
    if (n > x->drain_left) {
        /* not worth reading: close after the response */
        x->keep_alive = false;
        x->body_done = true;
        return -1;
    }
    x->drain_left -= n;
    return 0;
}

/* Feeds buffered input to the request body. Returns 0, or -1 when the
 * exchange ended because of the body. */
static int conn_feed_body(conn *c) {
    exchange *x = &c->x;
    size_t off = 0;
    int rc = 0;
    while (!x->body_done && !x->paused && off < c->in_len && rc == 0) {
        if (x->body == BODY_LENGTH) {
            size_t n = c->in_len - off;
            if ((uint64_t)n > x->body_left) n = (size_t)x->body_left;
            x->body_left -= n;
            if (x->body_left == 0) x->body_done = true;
            rc = conn_body_bytes(c, c->in + off, n);
            off += n;
        } else {
            size_t used = 0;
            http_slice data;
            int r = hv_http_chunked_decode(&x->dec, c->in + off, c->in_len - off, &used, &data);
            off += used;
            if (r == HTTP_CHUNKED_DATA) {
                rc = conn_body_bytes(c, data.ptr, data.len);
            } else if (r == HTTP_CHUNKED_DONE) {
                x->body_done = true;
            } else if (r == HTTP_PARSE_ERROR) {
                x->body_done = true;
                const char *why = x->dec.error.message;
                if (x->done) {
                    x->keep_alive = false; /* answered already: close after the output */
                } else if (x->head_sent) {
                    snprintf(x->error, sizeof x->error, "bad chunked body: %s", why);
                    conn_destroy(c, NULL);
                } else {
                    conn_fail_request(c, x->dec.error.status, why, true);
                }
                rc = -1;
            }
        }
    }
    if (c->destroying) return -1;
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    if (x->body_done && x->req && !x->done) {
        if (x->body == BODY_CHUNKED) { /* its trailer fields go with the end */
            http_header t[64];
            hive_header ht[64];
            size_t n = hv_http_chunked_trailers(&x->dec, t, 64);
            for (size_t i = 0; i < n; i++)
                ht[i] = (hive_header){t[i].name.ptr, t[i].name.len, t[i].value.ptr, t[i].value.len};
            if (n) hive_req_body_trailers(x->req, ht, n);
        }
        hive_req_body_end(x->req);
    }
    conn_upload_sync(c);
    return rc;
}

/* ---- connections ---------------------------------------------------------- */

/* The key of a peer address: an IPv4 address (also IPv4-mapped IPv6),
 * or the /64 prefix of an IPv6 one (a host usually has a whole /64). */
static size_t client_key(const struct sockaddr_storage *peer, uint8_t key[16]) {
    if (peer->ss_family == AF_INET) {
        memcpy(key, &((const struct sockaddr_in *)peer)->sin_addr, 4);
        return 4;
    }
    if (peer->ss_family != AF_INET6) return 0;
    const uint8_t *a = ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) {
        memcpy(key, a + 12, 4);
        return 4;
    }
    memcpy(key, a, 8);
    key[8] = 6; /* not equal to any IPv4 key */
    return 9;
}

static size_t client_bucket(const uint8_t *key, size_t len) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % CLIENT_BUCKETS;
}

/* Counts c against its address. Returns false when the address has its
 * limit of connections already (or on no memory: refusing one
 * connection is the safe side). */
static bool client_admit(server *s, conn *c, const struct sockaddr_storage *peer) {
    if (s->cfg.max_conns_per_client == SERVER_UNLIMITED) return true;
    uint8_t key[16];
    size_t len = client_key(peer, key);
    if (len == 0) return true;
    client_count **head = &s->clients[client_bucket(key, len)];
    client_count *e = *head;
    while (e && !(e->key_len == len && memcmp(e->key, key, len) == 0))
        e = e->next;
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e) return false;
        memcpy(e->key, key, len);
        e->key_len = (uint8_t)len;
        e->next = *head;
        *head = e;
    }
    if (e->conns >= s->cfg.max_conns_per_client) return false;
    e->conns++;
    c->client = e;
    return true;
}

/* c closed: uncount it. */
static void client_release(server *s, conn *c) {
    client_count *e = c->client;
    if (!e) return;
    c->client = NULL;
    if (--e->conns > 0) return;
    client_count **pp = &s->clients[client_bucket(e->key, e->key_len)];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    free(e);
}

static void conn_close_cb(uv_handle_t *h) {
    conn *c = h->data;
    server *s = c->s;
    if (--c->handles > 0) return;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->nconns--;
    s->stats.connections_open = s->nconns;
    server_check(s);
    client_release(s, c);
    free(c->in);
    free(c->tkeep);
    free(c);
    if (s->stopping && !s->conns && s->drained && !s->drained_called) {
        s->drained_called = true;
        s->drained(s->drained_ud);
    }
    server_release_if_done(s);
}

/* Closes c now: cancels its request, logs what was in flight, closes its
 * handles (memory goes in conn_close_cb). why: the error to log, if the
 * exchange has none yet. */
static void conn_destroy(conn *c, const char *why) {
    if (c->destroying) return;
    c->corked = false;
    conn_flush(c); /* what was answered goes out before the cut */
    if (c->destroying) return;
    exchange *x = &c->x;
    if (why && x->started && !x->logged && !x->error[0])
        snprintf(x->error, sizeof x->error, "%s", why);
    conn_cancel_req(c);
    c->destroying = true;
    if (x->started && !x->logged) {
        if (!x->head_sent) x->status = 0;
        if (!x->error[0]) snprintf(x->error, sizeof x->error, "connection closed");
        conn_log(c);
    }
    uv_mutex_lock(&c->s->evlock); /* off the ready list, so async_cb never sees it */
    server *s = c->s;
    if (c->in_ready) {
        if (c->ready_prev)
            c->ready_prev->ready_next = c->ready_next;
        else
            s->ready_head = c->ready_next;
        if (c->ready_next)
            c->ready_next->ready_prev = c->ready_prev;
        else
            s->ready_tail = c->ready_prev;
        c->in_ready = false;
    }
    event *evs = c->ev_head;
    c->ev_head = c->ev_tail = NULL;
    uv_mutex_unlock(&s->evlock);
    while (evs) {
        event *nx = evs->next;
        free(evs);
        evs = nx;
    }
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
    uv_close((uv_handle_t *)&c->timer, conn_close_cb);
    conn_check(c);
}

/* Our FIN is out: linger a moment for the client's, then close. */
static void shutdown_cb(uv_shutdown_t *req, int status) {
    conn *c = req->data;
    if (c->destroying) return;
    c->shut_done = true;
    if (status < 0 || c->peer_eof) {
        conn_destroy(c, NULL);
        return;
    }
    c->linger_until_ms = now_ms(c->s) + LINGER_MS;
    conn_arm_timer(c);
}

/* Ends c once its output is out: FIN after the last byte, then reads and
 * drops what the client still sends for a moment, so that its unread
 * bytes do not make the kernel reset the connection over our response. */
static void conn_close_after_output(conn *c) {
    if (c->destroying || c->phase == C_CLOSING) return;
    c->corked = false;
    conn_flush(c); /* before the FIN */
    if (c->destroying) return;
    conn_cancel_req(c);
    c->phase = C_CLOSING;
    c->linger_until_ms = now_ms(c->s) + c->s->cfg.send_timeout_ms + LINGER_MS;
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, shutdown_cb) < 0) {
        conn_destroy(c, NULL);
        return;
    }
    c->shut = true;
    conn_arm_timer(c);
}

/* Tries to parse a request head from the buffer. Returns true when the
 * connection's phase changed (a request started, or was rejected). */
static bool conn_try_head(conn *c) {
    server *s = c->s;
    if (c->in_len == 0) {
        if (c->peer_eof) {
            if (c->writes_pending)
                conn_close_after_output(c);
            else
                conn_destroy(c, NULL);
        }
        return false;
    }
    if (c->out_queued > s->cfg.low_water) {
        c->wait_output = true; /* the client reads slowly: answer later */
        return false;
    }
    if (!c->head_start_ms) c->head_start_ms = now_ms(s);
    http_request req;
    int n = hv_http_parse_request(c->in, c->in_len, c->prev_len, &s->limits, s->parse_hdrs,
                               s->cfg.max_headers, &req);
    if (n == HTTP_PARSE_PARTIAL) {
        c->prev_len = c->in_len;
        if (c->peer_eof || s->stopping) { /* the head will never be complete */
            if (c->writes_pending)
                conn_close_after_output(c);
            else
                conn_destroy(c, NULL);
        }
        return false;
    }
    c->head_start_ms = 0;
    c->prev_len = 0;
    if (n == HTTP_PARSE_ERROR) {
        conn_reject(c, req.error.status, req.error.message);
        return true;
    }
    conn_start_request(c, &req, (size_t)n);
    return true;
}

/* Whether c should read now, and the buffer has room (grows it if it may). */
static bool conn_want_read(conn *c) {
    if (c->destroying) return false;
    if (c->peer_eof) return false;
    if (c->phase == C_CLOSING) return true;
    if (c->phase == C_REQUEST && c->x.paused) return false; /* request-body backpressure */
    size_t limit = conn_in_limit(c->s);
    if (c->in_len == c->in_cap) {
        if (c->in_cap >= limit) return false; /* pipelined bytes wait */
        size_t cap = min_size(c->in_cap * 2, limit);
        char *p = realloc(c->in, cap);
        if (!p) return false;
        c->in = p;
        c->in_cap = cap;
    }
    return true;
}

/* Reads go straight into the free tail of the input buffer (or, when
 * closing, into a shared scratch buffer whose bytes are dropped). */
static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    conn *c = h->data;
    if (c->phase == C_CLOSING) {
        *buf = uv_buf_init(c->s->discard, sizeof c->s->discard);
        return;
    }
    if (!conn_want_read(c)) {
        *buf = uv_buf_init(NULL, 0);
        return;
    }
    *buf = uv_buf_init(c->in + c->in_len, (unsigned)(c->in_cap - c->in_len));
}

/* Bytes arrived (or EOF, or an error). */
static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    (void)buf;
    conn *c = stream->data;
    if (c->destroying || nread == 0) return;
    if (c->phase == C_CLOSING) {
        if (nread == UV_EOF) {
            c->peer_eof = true; /* our FIN may still wait behind the last writes */
            uv_read_stop(stream);
            c->reading = false;
            if (c->shut_done) conn_destroy(c, NULL);
        } else if (nread < 0) {
            conn_destroy(c, NULL);
        }
        return;
    }
    if (nread == UV_ENOBUFS) {
        uv_read_stop(stream);
        c->reading = false;
        return;
    }
    if (nread < 0) {
        /* The client closed (or reset) its side. What it sent is still
         * buffered; a request it no longer waits for is cancelled. */
        c->peer_eof = true;
        uv_read_stop(stream);
        c->reading = false;
        if (c->phase == C_REQUEST && !c->x.done) {
            conn_destroy(c, nread == UV_EOF ? "client disconnected" : "connection reset");
            return;
        }
        conn_advance(c);
        return;
    }
    c->in_len += (size_t)nread;
    if (c->phase == C_REQUEST) {
        c->x.recv_bytes += (uint64_t)nread;
        c->x.body_progress_ms = now_ms(c->s);
    }
    conn_advance(c);
}

/* Starts or stops reading as the state asks. */
static void conn_update_reading(conn *c) {
    bool want = conn_want_read(c);
    if (want && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0) c->reading = true;
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

/* Whether request bodies have a minimum rate. */
static bool rate_on(const server *s) {
    return s->cfg.body_min_rate != SERVER_UNLIMITED;
}

/* The request body is too slow (or stalled): 408 before the response
 * head, a cut connection after it, a close once the response is done. */
static void conn_body_timeout(conn *c, const char *why) {
    exchange *x = &c->x;
    if (x->done) {
        x->keep_alive = false;
        x->body_done = true;
        if (!x->error[0]) snprintf(x->error, sizeof x->error, "%s", why);
        conn_advance(c);
    } else if (x->head_sent) {
        conn_destroy(c, why);
    } else {
        x->body_done = true;
        x->deferred = false;
        conn_fail_request(c, 408, why, true);
        conn_advance(c);
    }
}

/* A connection deadline passed: find which, and act on it. */
static void timer_cb(uv_timer_t *t) {
    conn *c = t->data;
    server *s = c->s;
    exchange *x = &c->x;
    uint64_t now = now_ms(s);
    if (c->destroying) return;
    if (c->phase == C_CLOSING) {
        if (now >= c->linger_until_ms)
            conn_destroy(c, NULL);
        else
            conn_arm_timer(c);
        return;
    }
    if (c->writes_pending && now >= c->write_progress_ms + s->cfg.send_timeout_ms) {
        conn_destroy(c, "send timeout: the client does not read");
        return;
    }
    if (c->phase == C_HEAD) {
        if (c->head_start_ms && now >= c->head_start_ms + s->cfg.head_timeout_ms) {
            conn_reject(c, 408, "request head timeout");
            conn_advance(c);
            return;
        }
        if (!c->head_start_ms && c->in_len == 0 &&
            now >= c->idle_since_ms + s->cfg.idle_timeout_ms) {
            conn_destroy(c, NULL);
            return;
        }
    } else if (!x->body_done && !x->paused) {
        if (now >= x->body_progress_ms + s->cfg.body_timeout_ms) {
            conn_body_timeout(c, "request body timeout");
            return;
        }
        if (rate_on(s) && now >= x->rate_start_ms + s->cfg.body_rate_window_ms) {
            double got = (double)(x->recv_bytes - x->rate_start_bytes);
            double need = (double)s->cfg.body_min_rate * (double)s->cfg.body_rate_window_ms / 1e3;
            if (got < need) {
                char why[96];
                snprintf(why, sizeof why, "request body too slow (under %" PRIu64 " bytes/s)",
                         s->cfg.body_min_rate);
                s->stats.slow_bodies++;
                conn_body_timeout(c, why);
                return;
            }
            x->rate_start_ms = now;
            x->rate_start_bytes = x->recv_bytes;
        }
    }
    conn_arm_timer(c);
}

/* Lowers *deadline to t (0 in *deadline means none yet). */
static void earliest(uint64_t *deadline, uint64_t t) {
    if (*deadline == 0 || t < *deadline) *deadline = t;
}

/* Sets the connection's timer to the earliest deadline that applies. */

static void conn_arm_timer(conn *c) {
    server *s = c->s;
    conn_check(c);
    if (c->destroying) return;
    uint64_t deadline = 0;
    if (c->phase == C_CLOSING) {
        earliest(&deadline, c->linger_until_ms);
    } else {
        if (c->writes_pending) earliest(&deadline, c->write_progress_ms + s->cfg.send_timeout_ms);
        if (c->phase == C_HEAD) {
            if (c->head_start_ms)
                earliest(&deadline, c->head_start_ms + s->cfg.head_timeout_ms);
            else if (c->in_len == 0)
                earliest(&deadline, c->idle_since_ms + s->cfg.idle_timeout_ms);
        } else if (!c->x.body_done && !c->x.paused) {
            earliest(&deadline, c->x.body_progress_ms + s->cfg.body_timeout_ms);
            if (rate_on(s)) earliest(&deadline, c->x.rate_start_ms + s->cfg.body_rate_window_ms);
        }
    }
    if (deadline == 0) {
        uv_timer_stop(&c->timer);
        return;
    }
    uint64_t now = now_ms(s);
    uv_timer_start(&c->timer, timer_cb, deadline > now ? deadline - now : 0, 0);
}

/* Moves the connection on as far as its buffered input and the state of
 * its exchange allow. The one place that decides what comes next. */
static void conn_advance(conn *c) {
    server *s = c->s;
    while (!c->destroying && c->phase != C_CLOSING) {
        if (c->phase == C_HEAD) {
            if (s->stopping && c->in_len == 0) {
                if (c->writes_pending)
                    conn_close_after_output(c);
                else
                    conn_destroy(c, NULL);
                break;
            }
            if (!conn_try_head(c)) break;
            continue;
        }
        exchange *x = &c->x;
        if (x->deferred) {
            conn_try_dispatch(c);
            if (c->destroying) break;
            if (x->deferred) {
                if (c->peer_eof) { /* the body will never be complete */
                    conn_destroy(c, "client disconnected");
                    break;
                }
                break; /* more of the body first */
            }
        }
        if (!x->body_done) {
            if (x->done && x->keep_alive && x->body == BODY_LENGTH &&
                x->body_left > x->drain_left) {
                x->keep_alive = false; /* too much left to read: just close */
                x->body_done = true;
            } else if (conn_feed_body(c) != 0 && c->destroying) {
                break;
            }
            if (c->destroying) break;
            if (!x->body_done && c->peer_eof) { /* the rest will never come */
                x->keep_alive = false;
                x->body_done = true;
            }
        }
        if (!(x->done && x->body_done)) break;
        conn_upload_sync(c);
        conn_log(c); /* if the response ended before its request body */
        if (!x->keep_alive || s->stopping) {
            conn_close_after_output(c);
            break;
        }
        /* next request on this connection */
        memset(x, 0, sizeof *x);
        c->phase = C_HEAD;
        c->idle_since_ms = now_ms(s);
        c->head_start_ms = 0;
        c->prev_len = 0;
    }
    if (c->destroying) {
        conn_check(c);
        return;
    }
    conn_update_reading(c);
    conn_arm_timer(c);
}

/* A new client: accept it (or drop it over max_connections). */
static void on_connection(uv_stream_t *listener, int status) {
    server *s = listener->data;
    if (status < 0 || s->stopping) return;
    conn *c = calloc(1, sizeof *c);
    char *in = malloc(IN_INITIAL);
    if (!c || !in || uv_tcp_init(s->loop, &c->tcp) != 0) {
        /* Out of memory. Not accepting would stall the listener for
         * good, so accept into a bare handle and close it. */
        free(c);
        free(in);
        uv_tcp_t *tmp = malloc(sizeof *tmp);
        if (tmp && uv_tcp_init(s->loop, tmp) == 0) {
            (void)uv_accept(listener, (uv_stream_t *)tmp);
            uv_close((uv_handle_t *)tmp, (uv_close_cb)free);
        } else {
            free(tmp);
        }
        return;
    }
    c->s = s;
    c->in = in;
    c->in_cap = IN_INITIAL;
    c->tcp.data = c;
    c->handles = 1;
    uv_timer_init(s->loop, &c->timer);
    c->timer.data = c;
    c->handles = 2;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    s->stats.connections_open = s->nconns;
    s->stats.connections_accepted++;
    c->phase = C_HEAD;
    c->idle_since_ms = now_ms(s);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 || s->nconns > s->cfg.max_connections) {
        c->destroying = true;
        uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
        uv_close((uv_handle_t *)&c->timer, conn_close_cb);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    struct sockaddr_storage peer;
    int plen = sizeof peer;
    strcpy(c->remote_addr, "-");
    memset(&peer, 0, sizeof peer);
    bool named = uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &plen) == 0;
    if (named && !client_admit(s, c, &peer)) {
        /* One address has enough connections: say so (best effort,
         * without waiting) and close. */
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                   "Content-Type: text/plain; charset=utf-8\r\n"
                                   "Retry-After: 1\r\nContent-Length: 43\r\n"
                                   "Connection: close\r\n\r\n"
                                   "503 too many connections from this address\n";
        uv_buf_t b = uv_buf_init((char *)busy, sizeof busy - 1);
        (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        s->stats.connections_refused_per_client++;
        c->destroying = true;
        uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
        uv_close((uv_handle_t *)&c->timer, conn_close_cb);
        return;
    }
    if (named) {
        if (peer.ss_family == AF_INET6) {
            struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&peer;
            uv_ip6_name(a6, c->remote_addr, sizeof c->remote_addr);
            c->remote_port = ntohs(a6->sin6_port);
        } else {
            struct sockaddr_in *a4 = (struct sockaddr_in *)&peer;
            uv_ip4_name(a4, c->remote_addr, sizeof c->remote_addr);
            c->remote_port = ntohs(a4->sin_port);
        }
    }
    conn_advance(c);
}

/* ---- the server ---------------------------------------------------------- */

/* Contract in server.h. */
int hv_server_new(uv_loop_t *loop, hive_handler *handler, const server_config *cfg, server **out) {
    *out = NULL;
    server *s = calloc(1, sizeof *s);
    if (!s) return UV_ENOMEM;
    s->loop = loop;
    s->handler = handler;
    if (cfg) s->cfg = *cfg;
    server_config *k = &s->cfg;
    if (!k->max_head_bytes) k->max_head_bytes = SERVER_DEFAULT_MAX_HEAD_BYTES;
    if (!k->max_headers) k->max_headers = SERVER_DEFAULT_MAX_HEADERS;
    if (!k->max_body_bytes) k->max_body_bytes = SERVER_DEFAULT_MAX_BODY_BYTES;
    if (!k->max_concurrent) k->max_concurrent = SERVER_DEFAULT_MAX_CONCURRENT;
    if (!k->max_connections) k->max_connections = SERVER_DEFAULT_MAX_CONNECTIONS;
    if (!k->head_timeout_ms) k->head_timeout_ms = SERVER_DEFAULT_HEAD_TIMEOUT_MS;
    if (!k->body_timeout_ms) k->body_timeout_ms = SERVER_DEFAULT_BODY_TIMEOUT_MS;
    if (!k->idle_timeout_ms) k->idle_timeout_ms = SERVER_DEFAULT_IDLE_TIMEOUT_MS;
    if (!k->send_timeout_ms) k->send_timeout_ms = SERVER_DEFAULT_SEND_TIMEOUT_MS;
    if (!k->high_water) k->high_water = SERVER_DEFAULT_HIGH_WATER;
    if (!k->low_water || k->low_water > k->high_water) k->low_water = k->high_water / 4;
    if (!k->max_conns_per_client) k->max_conns_per_client = SERVER_DEFAULT_MAX_CONNS_PER_CLIENT;
    if (!k->max_uploads) k->max_uploads = k->max_concurrent / 2 ? k->max_concurrent / 2 : 1;
    if (!k->body_min_rate) k->body_min_rate = SERVER_DEFAULT_BODY_MIN_RATE;
    if (!k->body_rate_window_ms) k->body_rate_window_ms = SERVER_DEFAULT_BODY_RATE_WINDOW_MS;
    if (k->max_head_bytes > 16u * 1024 * 1024) k->max_head_bytes = 16u * 1024 * 1024;
    s->limits.max_head_bytes = k->max_head_bytes;
    s->limits.max_target_bytes = k->max_head_bytes < HTTP_DEFAULT_MAX_TARGET_BYTES
                                     ? k->max_head_bytes
                                     : HTTP_DEFAULT_MAX_TARGET_BYTES;
    s->parse_hdrs = calloc(k->max_headers, sizeof *s->parse_hdrs);
    s->req_hdrs = calloc(k->max_headers, sizeof *s->req_hdrs);
    if (!s->parse_hdrs || !s->req_hdrs) goto fail;
    if (uv_mutex_init(&s->evlock) != 0) goto fail;
    if (uv_async_init(loop, &s->async, async_cb) != 0) {
        uv_mutex_destroy(&s->evlock);
        goto fail;
    }
    s->async.data = s;
    s->async_open = true;
    uv_check_init(loop, &s->check);
    s->check.data = s;
    uv_check_start(&s->check, check_cb);
    uv_unref((uv_handle_t *)&s->check); /* neither keeps the loop alive */
    s->check_open = true;
    uv_prepare_init(loop, &s->prepare);
    s->prepare.data = s;
    uv_prepare_start(&s->prepare, prepare_cb);
    uv_unref((uv_handle_t *)&s->prepare);
    s->prepare_open = true;
    strcpy(s->host, "localhost");
    *out = s;
    return 0;
fail:
    free(s->parse_hdrs);
    free(s->req_hdrs);
    free(s);
    return UV_ENOMEM;
}

/* Contract in server.h. */
int hv_server_listen(server *s, const struct sockaddr *addr) {
    if (s->listener_open || s->stopping) return UV_EINVAL;
    int r = uv_tcp_init(s->loop, &s->listener);
    if (r) return r;
    s->listener.data = s;
    s->listener_open = true;
    r = uv_tcp_bind(&s->listener, addr, 0);
    if (r == 0) r = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
    if (r == 0) {
        int len = sizeof s->bound;
        r = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&s->bound, &len);
    }
    if (r) return r; /* the handle closes in hv_server_free */
    s->listening = true;
    if (s->bound.ss_family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&s->bound;
        s->port = ntohs(a6->sin6_port);
        uv_ip6_name(a6, s->host, sizeof s->host);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&s->bound;
        s->port = ntohs(a4->sin_port);
        uv_ip4_name(a4, s->host, sizeof s->host);
    }
    return 0;
}

/* Contract in server.h. */
int hv_server_address(const server *s, char *buf, size_t cap) {
    if (!s->listening) return UV_EINVAL;
    if (s->bound.ss_family == AF_INET6)
        snprintf(buf, cap, "[%s]:%u", s->host, (unsigned)s->port);
    else
        snprintf(buf, cap, "%s:%u", s->host, (unsigned)s->port);
    return 0;
}

/* Contract in server.h. */
int hv_server_parse_addr(const char *hostport, struct sockaddr_storage *out) {
    char host[128];
    const char *colon;
    memset(out, 0, sizeof *out);
    if (!hostport) return UV_EINVAL;
    if (hostport[0] == '[') {
        const char *e = strchr(hostport, ']');
        if (!e || e[1] != ':' || (size_t)(e - hostport - 1) >= sizeof host) return UV_EINVAL;
        memcpy(host, hostport + 1, (size_t)(e - hostport - 1));
        host[e - hostport - 1] = 0;
        colon = e + 1;
    } else {
        colon = strrchr(hostport, ':');
        if (!colon || (size_t)(colon - hostport) >= sizeof host) return UV_EINVAL;
        memcpy(host, hostport, (size_t)(colon - hostport));
        host[colon - hostport] = 0;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == 0 || *end || port < 0 || port > 65535) return UV_EINVAL;
    if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    if (host[0] == 0) strcpy(host, "0.0.0.0");
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)out) == 0) return 0;
    if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)out) == 0) return 0;
    return UV_EINVAL;
}

/* Close callbacks of the server's own handles. */
static void listener_close_cb(uv_handle_t *h) {
    server *s = h->data;
    s->listener_open = false;
    server_release_if_done(s);
}

static void async_close_cb(uv_handle_t *h) {
    server *s = h->data;
    s->async_open = false;
    server_release_if_done(s);
}

static void prepare_close_cb(uv_handle_t *h) {
    server *s = h->data;
    if (h == (uv_handle_t *)&s->check)
        s->check_open = false;
    else
        s->prepare_open = false;
    server_release_if_done(s);
}

/* Frees s once hv_server_free was called and every handle has closed. */
static void server_release_if_done(server *s) {
    if (!s->freeing || s->conns || s->listener_open || s->async_open || s->prepare_open ||
        s->check_open)
        return;
    uv_mutex_destroy(&s->evlock);
    free(s->parse_hdrs);
    free(s->req_hdrs);
    free(s->resp_hdrs);
    free(s->scratch);
    free(s);
}

/* Contract in server.h. */
void hv_server_stop_accepting(server *s, void (*drained)(void *ud), void *ud) {
    s->drained = drained;
    s->drained_ud = ud;
    if (!s->stopping) {
        s->stopping = true;
        if (s->listener_open && !uv_is_closing((uv_handle_t *)&s->listener))
            uv_close((uv_handle_t *)&s->listener, listener_close_cb);
        /* Connections between requests close now; the others after their
         * response (conn_advance sees `stopping`). */
        for (conn *c = s->conns, *nx; c; c = nx) {
            nx = c->next;
            if (c->destroying) continue;
            if (c->phase == C_HEAD)
                conn_advance(c);
            else if (c->phase == C_REQUEST && !c->x.head_sent)
                c->x.keep_alive = false;
        }
    }
    if (!s->conns && drained && !s->drained_called) {
        s->drained_called = true;
        drained(ud);
    }
}

/* Contract in server.h. */
size_t hv_server_connection_count(const server *s) {
    return s->nconns;
}

/* Contract in server.h. */
size_t hv_server_active_requests(const server *s) {
    size_t n = 0;
    for (const conn *c = s->conns; c; c = c->next)
        if (!c->destroying && c->phase == C_REQUEST && !c->x.done) n++;
    return n;
}

/* Contract in server.h. */
void hv_server_stats_get(const server *s, server_stats *out) {
    *out = s->stats;
    out->connections_open = s->nconns;
    out->requests_in_flight = s->inflight;
}

/* Contract in server.h. */
void hv_server_free(server *s) {
    if (!s || s->freeing) return;
    s->drained = NULL;
    s->stopping = true;
    s->freeing = true;
    if (s->listener_open && !uv_is_closing((uv_handle_t *)&s->listener))
        uv_close((uv_handle_t *)&s->listener, listener_close_cb);
    for (conn *c = s->conns; c; c = c->next) {
        if (c->destroying) continue;
        if (c->phase == C_REQUEST && !c->x.head_sent && c->writes_pending == 0) {
            /* Best effort, without waiting: tell the client why. */
            static const char bye[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                      "Content-Type: text/plain; charset=utf-8\r\n"
                                      "Retry-After: 1\r\nContent-Length: 24\r\n"
                                      "Connection: close\r\n\r\n503 Service Unavailable\n";
            uv_buf_t b = uv_buf_init((char *)bye, sizeof bye - 1);
            if (uv_try_write((uv_stream_t *)&c->tcp, &b, 1) == (int)b.len) {
                c->x.head_sent = true;
                c->x.status = 503;
            }
        }
        conn_destroy(c, "server shutting down");
    }
    if (s->prepare_open && !uv_is_closing((uv_handle_t *)&s->prepare)) {
        /* what was handed over and not yet run goes to the guest threads */
        if (s->handler) hive_handler_run_inline(s->handler, 0);
        uv_close((uv_handle_t *)&s->prepare, prepare_close_cb);
        uv_close((uv_handle_t *)&s->check, prepare_close_cb);
    }
    if (s->async_open) uv_close((uv_handle_t *)&s->async, async_close_cb);
}
