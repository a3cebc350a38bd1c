/*
 * client.c -- outgoing HTTP on libcurl's multi interface, driven by a
 * libuv loop on one client thread. Contract in httpclient.h.
 *
 * One lock (g_mu) guards every request's shared state: the buffers, the
 * head, the flags both sides set. The client thread never calls libcurl
 * with it held (libcurl calls back into the read, write and header
 * callbacks, which take it). The requester never holds it across a call
 * out of this file; the client thread calls notify with it held, which
 * is what makes hv_hc_release a barrier for notify.
 *
 * Requests reach the client thread through a list of "dirty" requests
 * and a uv_async: new ones to start, ones whose send or receive side may
 * resume, released ones to cancel.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <uv.h>

#include "httpclient/curl_dyn.h"
#include "httpclient/httpclient.h"

/* ---- buffers ---------------------------------------------------------------- */

typedef struct hbuf {
    uint8_t *d;
    size_t off, len, cap; /* bytes d[off..len) */
} hbuf;

static size_t hbuf_avail(const hbuf *b) { return b->len - b->off; }

static int hbuf_put(hbuf *b, const void *p, size_t n) {
    if (b->off && b->off == b->len) b->off = b->len = 0;
    if (b->len + n > b->cap) {
        if (b->off) { /* compact first */
            memmove(b->d, b->d + b->off, b->len - b->off);
            b->len -= b->off;
            b->off = 0;
        }
        if (b->len + n > b->cap) {
            size_t cap = b->cap ? b->cap : 16384;
            while (cap < b->len + n) cap *= 2;
            uint8_t *nd = realloc(b->d, cap);
            if (!nd) return -1;
            b->d = nd;
            b->cap = cap;
        }
    }
    memcpy(b->d + b->len, p, n);
    b->len += n;
    return 0;
}

static size_t hbuf_take(hbuf *b, void *p, size_t n) {
    size_t a = hbuf_avail(b);
    if (n > a) n = a;
    memcpy(p, b->d + b->off, n);
    b->off += n;
    if (b->off == b->len) b->off = b->len = 0;
    return n;
}

/* ---- header lists ---------------------------------------------------------- */

typedef struct hlist {
    hive_header *h;
    size_t n, cap, bytes;
} hlist;

static void hlist_clear(hlist *l) {
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->h[i].name);
        free((char *)l->h[i].value);
    }
    free(l->h);
    memset(l, 0, sizeof *l);
}

#define MAX_RESP_HEADERS 1024
#define MAX_RESP_HEADER_BYTES (256 * 1024)

/* Appends "Name: value" (line without CRLF): 0, 1 ignored (hop-by-hop or
 * not a field), -1 too many or out of memory. */
static int hlist_add_line(hlist *l, const char *line, size_t n) {
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line) return 1;
    size_t nl = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t vl = n - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) v++, vl--;
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
    static const char *const hop[] = {"connection", "keep-alive", "proxy-connection",
                                      "transfer-encoding", "upgrade", "http2-settings", "host"};
    for (size_t i = 0; i < sizeof hop / sizeof *hop; i++)
        if (nl == strlen(hop[i]) && strncasecmp(line, hop[i], nl) == 0) return 1;
    if (l->n == MAX_RESP_HEADERS || l->bytes + n > MAX_RESP_HEADER_BYTES) return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        hive_header *nh = realloc(l->h, cap * sizeof *nh);
        if (!nh) return -1;
        l->h = nh;
        l->cap = cap;
    }
    char *name = strndup(line, nl), *val = strndup(v, vl);
    if (!name || !val) {
        free(name);
        free(val);
        return -1;
    }
    for (size_t i = 0; i < nl; i++)
        if (name[i] >= 'A' && name[i] <= 'Z') name[i] = (char)(name[i] + 32);
    l->h[l->n++] = (hive_header){name, nl, val, vl};
    l->bytes += n;
    return 0;
}

/* ---- the policy ---------------------------------------------------------------- */

typedef struct rule {
    char *host; /* lower case; "*" any; "*.x" subdomains of x */
    unsigned port; /* 0: any */
} rule;

static struct {
    rule *r;
    size_t n;
    char *ca_file;
    int h2c;
    unsigned max_per_instance;
    int verbose;
} policy;

/* Splits "host[:port]" / "[v6][:port]" into host (lower case, without
 * brackets) and port (0 when absent). -1 when malformed. */
static int split_hostport(const char *s, char *host, size_t hostcap, unsigned *port) {
    const char *h = s, *end;
    size_t hl;
    if (*s == '[') {
        end = strchr(s, ']');
        if (!end) return -1;
        h = s + 1;
        hl = (size_t)(end - h);
        end++;
        if (*end && *end != ':') return -1;
    } else {
        end = strchr(s, ':');
        if (!end) end = s + strlen(s);
        hl = (size_t)(end - s);
        if (strchr(end + (*end == ':'), ':')) return -1;
    }
    if (hl == 0 || hl >= hostcap) return -1;
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c <= ' ' || c >= 127 || strchr("@/?#\\[]", c)) return -1;
        host[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    host[hl] = 0;
    *port = 0;
    if (*end == ':') {
        const char *p = end + 1;
        if (!*p) return -1;
        unsigned long v = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9') return -1;
            v = v * 10 + (unsigned long)(*p - '0');
            if (v > 65535) return -1;
        }
        if (v == 0) return -1;
        *port = (unsigned)v;
    }
    return 0;
}

static void policy_free(void) {
    for (size_t i = 0; i < policy.n; i++) free(policy.r[i].host);
    free(policy.r);
    free(policy.ca_file);
    memset(&policy, 0, sizeof policy);
}

int hv_hc_configure(const hc_config *c, char *err, size_t errlen) {
    policy_free();
    if (!c) return 0;
    policy.r = calloc(c->nallow ? c->nallow : 1, sizeof *policy.r);
    if (!policy.r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->nallow; i++) {
        char host[256];
        unsigned port;
        if (split_hostport(c->allow[i], host, sizeof host, &port) < 0 ||
            (strchr(host, '*') && strcmp(host, "*") && !(host[0] == '*' && host[1] == '.' && host[2] &&
                                                         !strchr(host + 1, '*')))) {
            snprintf(err, errlen, "bad --allow-outbound '%s' (HOST[:PORT], [V6ADDR]:PORT, *, *.DOMAIN)",
                     c->allow[i]);
            policy_free();
            return -1;
        }
        policy.r[i].host = strdup(host);
        policy.r[i].port = port;
        policy.n++;
        if (!policy.r[i].host) {
            policy_free();
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    policy.ca_file = c->ca_file ? strdup(c->ca_file) : NULL;
    policy.h2c = c->h2c;
    policy.max_per_instance = c->max_per_instance;
    const char *dbg = getenv("HIVE_OUTBOUND_DEBUG");
    policy.verbose = dbg && *dbg && strcmp(dbg, "0");
    return 0;
}

unsigned hv_hc_max_per_instance(void) {
    return policy.max_per_instance ? policy.max_per_instance : HC_DEFAULT_MAX_PER_INSTANCE;
}

int hv_hc_allowed(const char *scheme, const char *authority) {
    char host[256];
    unsigned port;
    if (!authority || split_hostport(authority, host, sizeof host, &port) < 0) return 0;
    if (!port) port = strcmp(scheme, "https") == 0 ? 443 : 80;
    size_t hl = strlen(host);
    for (size_t i = 0; i < policy.n; i++) {
        const rule *r = &policy.r[i];
        if (r->port && r->port != port) continue;
        if (!strcmp(r->host, "*") || !strcmp(r->host, host)) return 1;
        if (r->host[0] == '*') { /* "*.x": a subdomain of x */
            size_t sl = strlen(r->host + 1);
            if (hl > sl && !strcmp(host + hl - sl, r->host + 1)) return 1;
        }
    }
    return 0;
}

/* ---- requests ------------------------------------------------------------------ */

struct hc_req {
    /* set by hv_hc_send, read by the client thread */
    char *url, *method;
    struct curl_slist *hdrs;
    int has_body;
    int64_t clen;
    uint64_t connect_timeout, first_byte_timeout, between_bytes_timeout;

    /* shared, under g_mu */
    hc_notify notify;
    void *ud;
    int refs;          /* the requester's and the client's */
    int released;      /* the requester let go */
    int state;         /* HC_WAITING, HC_HEAD, HC_FAILED */
    hc_error err;      /* HC_FAILED, or the body's failure */
    int status;
    hlist pending;     /* header lines of the head being read */
    hlist headers, trailers;
    hbuf in;           /* response body */
    int body_done;     /* the response body is complete */
    int body_failed;
    hbuf out;          /* request body */
    int out_ended;
    int out_aborted;   /* the body will not be complete */
    struct curl_slist *out_trailers; /* "name: value" after the body */
    int finished;      /* the transfer is over (libcurl let go) */
    int send_starved;  /* the read callback paused: nothing to send */
    int recv_blocked;  /* the write callback paused: the requester is behind */
    int want_send, want_recv; /* the requester asks the client thread to resume */
    int queued;        /* in the dirty list */
    hc_req *dnext;
    int notify_queued; /* in the client's notify list */
    hc_req *nnext;

    /* the client thread's */
    CURL *easy;
    int started;
    int local_code;    /* an error of ours (timeout, header limits), else -1 */
    uint64_t deadline; /* first-byte / between-bytes, monotonic ns (0: none) */
    hc_req *anext, *aprev; /* active list */
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct hc_client {
    pthread_t thread;
    uv_loop_t loop;
    uv_async_t async;
    uv_timer_t timeout; /* libcurl's */
    uv_timer_t sweep;   /* our deadlines */
    int sweeping;
    int cleaning; /* curl_multi_cleanup is running */
    CURLM *multi;
    hc_req *dirty, *dirty_tail; /* under g_mu */
    hc_req *notify;             /* under g_mu: requesters to tell (flush_notify) */
    int stopping;               /* under g_mu */
    hc_req *active;             /* client thread */
    size_t inflight;            /* under g_mu */
} hc_client;

static hc_client *g_client; /* under g_mu */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void req_free(hc_req *r) {
    free(r->url);
    free(r->method);
    curl_slist_free_all(r->hdrs);
    curl_slist_free_all(r->out_trailers);
    hlist_clear(&r->pending);
    hlist_clear(&r->headers);
    hlist_clear(&r->trailers);
    free(r->in.d);
    free(r->out.d);
    free(r);
}

/* g_mu held: drop a reference; 1 when r must be freed (after unlocking). */
static int unref_locked(hc_req *r) { return --r->refs == 0; }

/* g_mu held, client thread: r's requester is to be told. The calls are
 * gathered and made once libcurl is done with the event at hand
 * (flush_notify), so that a response whose head, body and end come in
 * one read wakes its requester once, with all of it there. */
static void notify_locked(hc_req *r) {
    hc_client *c = g_client;
    if (!r->notify || r->released || r->notify_queued || !c) return;
    r->notify_queued = 1;
    r->refs++; /* the list's */
    r->nnext = c->notify;
    c->notify = r;
}

/* Client thread: makes the gathered notify calls. */
static void flush_notify(hc_client *c) {
    pthread_mutex_lock(&g_mu);
    hc_req *l = c->notify, *dead = NULL;
    c->notify = NULL;
    while (l) {
        hc_req *r = l;
        l = r->nnext;
        r->notify_queued = 0;
        if (r->notify && !r->released) r->notify(r->ud);
        if (unref_locked(r)) {
            r->nnext = dead;
            dead = r;
        }
    }
    pthread_mutex_unlock(&g_mu);
    while (dead) {
        hc_req *r = dead;
        dead = r->nnext;
        req_free(r);
    }
}

/* g_mu held: put r on the dirty list and poke the client thread. */
static void dirty_locked(hc_req *r) {
    hc_client *c = g_client;
    if (!c || r->queued || c->stopping) return;
    r->queued = 1;
    r->refs++; /* the list's */
    r->dnext = NULL;
    if (c->dirty_tail) c->dirty_tail->dnext = r;
    else c->dirty = r;
    c->dirty_tail = r;
    uv_async_send(&c->async);
}

/* ---- libcurl callbacks (client thread) ------------------------------------------ */

static void sweep_on(hc_client *c);

/* The request's trailers, once its chunked body is sent. */
static int trailer_cb(struct curl_slist **list, void *ud) {
    hc_req *r = ud;
    pthread_mutex_lock(&g_mu);
    *list = r->out_trailers; /* libcurl frees the list once it has sent it */
    r->out_trailers = NULL;
    pthread_mutex_unlock(&g_mu);
    return CURL_TRAILERFUNC_OK;
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud) {
    hc_req *r = ud;
    size_t cap = size * nitems;
    pthread_mutex_lock(&g_mu);
    if (r->released) {
        pthread_mutex_unlock(&g_mu);
        return CURL_READFUNC_ABORT;
    }
    size_t avail = hbuf_avail(&r->out);
    if (avail) {
        int was_full = avail >= HC_SEND_BUF;
        size_t n = hbuf_take(&r->out, buf, cap);
        if (was_full && hbuf_avail(&r->out) < HC_SEND_BUF) notify_locked(r);
        pthread_mutex_unlock(&g_mu);
        return n;
    }
    if (r->out_aborted) {
        r->local_code = HC_E_REQ_BODY_SIZE;
        pthread_mutex_unlock(&g_mu);
        return CURL_READFUNC_ABORT;
    }
    if (r->out_ended) {
        pthread_mutex_unlock(&g_mu);
        return 0;
    }
    r->send_starved = 1;
    pthread_mutex_unlock(&g_mu);
    return CURL_READFUNC_PAUSE;
}

/* g_mu held: the head is complete. */
static void head_done_locked(hc_req *r, int status) {
    r->state = HC_HEAD;
    r->status = status;
    r->headers = r->pending;
    memset(&r->pending, 0, sizeof r->pending);
    r->deadline = r->between_bytes_timeout ? now_ns() + r->between_bytes_timeout : 0;
    if (r->deadline) sweep_on(g_client);
    notify_locked(r);
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud) {
    hc_req *r = ud;
    size_t n = size * nitems, len = n;
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) len--;
    pthread_mutex_lock(&g_mu);
    if (r->released) {
        pthread_mutex_unlock(&g_mu);
        return 0;
    }
    if (r->state == HC_WAITING) {
        if (len == 0) {
            long code = 0;
            curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
            if (code >= 100 && code < 200) hlist_clear(&r->pending); /* informational: skipped */
            else head_done_locked(r, (int)code);
        } else if (len >= 5 && !memcmp(buf, "HTTP/", 5)) {
            hlist_clear(&r->pending); /* a status line */
        } else if (hlist_add_line(&r->pending, buf, len) < 0) {
            r->local_code = HC_E_RESP_HEADER_SECTION_SIZE;
            n = 0;
        }
    } else if (len && hlist_add_line(&r->trailers, buf, len) < 0) {
        r->local_code = HC_E_RESP_HEADER_SECTION_SIZE;
        n = 0;
    }
    pthread_mutex_unlock(&g_mu);
    return n;
}

static size_t write_cb(char *buf, size_t size, size_t nitems, void *ud) {
    hc_req *r = ud;
    size_t n = size * nitems;
    pthread_mutex_lock(&g_mu);
    if (r->released) {
        pthread_mutex_unlock(&g_mu);
        return 0;
    }
    if (r->state == HC_WAITING) {
        long code = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
        head_done_locked(r, (int)code);
    }
    size_t avail = hbuf_avail(&r->in);
    if (avail && avail + n > HC_RECV_BUF) {
        r->recv_blocked = 1;
        r->deadline = 0; /* the requester is behind, not the server */
        pthread_mutex_unlock(&g_mu);
        return CURL_WRITEFUNC_PAUSE;
    }
    if (hbuf_put(&r->in, buf, n) < 0) {
        r->local_code = HC_E_INTERNAL;
        pthread_mutex_unlock(&g_mu);
        return 0;
    }
    if (!avail) notify_locked(r);
    r->deadline = r->between_bytes_timeout ? now_ns() + r->between_bytes_timeout : 0;
    if (r->deadline) sweep_on(g_client);
    pthread_mutex_unlock(&g_mu);
    return n;
}

/* ---- error mapping ---------------------------------------------------------------- */

static void map_error(CURL *e, CURLcode rc, int head, hc_error *err) {
    long oserr = 0, connect_us = 0;
    curl_off_t ct = 0;
    if (e) {
        curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
        if (curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &ct) == CURLE_OK) connect_us = (long)ct;
    }
    int code;
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: code = HC_E_DNS_ERROR; break;
    case CURLE_COULDNT_CONNECT:
        code = oserr == ECONNREFUSED ? HC_E_CONN_REFUSED
               : oserr == ENETUNREACH || oserr == EHOSTUNREACH ? HC_E_DEST_IP_UNROUTABLE
               : oserr == ETIMEDOUT ? HC_E_CONN_TIMEOUT
                                    : HC_E_DEST_UNAVAILABLE;
        break;
    case CURLE_OPERATION_TIMEDOUT: code = connect_us ? HC_E_CONN_READ_TIMEOUT : HC_E_CONN_TIMEOUT; break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_SHUTDOWN_FAILED: code = HC_E_TLS_PROTOCOL; break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: code = HC_E_TLS_CERT; break;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR: code = head ? HC_E_RESP_INCOMPLETE : HC_E_CONN_TERMINATED; break;
    case CURLE_PARTIAL_FILE: code = HC_E_RESP_INCOMPLETE; break;
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL: code = HC_E_PROTOCOL; break;
    case CURLE_URL_MALFORMAT: code = HC_E_URI_INVALID; break;
    case CURLE_BAD_CONTENT_ENCODING: code = HC_E_RESP_CONTENT_CODING; break;
    case CURLE_FILESIZE_EXCEEDED: code = HC_E_RESP_BODY_SIZE; break;
    default: code = HC_E_INTERNAL; break;
    }
    err->code = code;
    snprintf(err->msg, sizeof err->msg, "%s", curl_easy_strerror(rc));
}

static const char *local_msg(int code) {
    switch (code) {
    case HC_E_CONN_READ_TIMEOUT: return "no bytes from the server within the timeout";
    case HC_E_RESP_HEADER_SECTION_SIZE: return "response header section too large";
    case HC_E_INTERNAL: return "out of memory";
    case HC_E_REQ_BODY_SIZE: return "the request body was not completed";
    default: return "cancelled";
    }
}

/* ---- the client thread ------------------------------------------------------------ */

static void check_info(hc_client *c);
static void finish(hc_client *c, hc_req *r, CURLcode rc);

typedef struct sockctx {
    uv_poll_t poll;
    curl_socket_t fd;
    hc_client *c;
} sockctx;

static void sock_closed(uv_handle_t *h) { free(h->data); }

static void poll_cb(uv_poll_t *p, int status, int events) {
    sockctx *s = p->data;
    int flags = 0, running;
    if (status < 0) flags |= CURL_CSELECT_ERR;
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    hc_client *c = s->c;
    curl_multi_socket_action(c->multi, s->fd, flags, &running);
    check_info(c);
    flush_notify(c);
}

static int socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp) {
    (void)e;
    hc_client *c = userp;
    sockctx *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            uv_poll_stop(&s->poll);
            if (!c->cleaning) curl_multi_assign(c->multi, fd, NULL);
            uv_close((uv_handle_t *)&s->poll, sock_closed);
        }
        return 0;
    }
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return -1;
        s->fd = fd;
        s->c = c;
        if (uv_poll_init_socket(&c->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        curl_multi_assign(c->multi, fd, s);
    }
    int ev = 0;
    if (what & CURL_POLL_IN) ev |= UV_READABLE;
    if (what & CURL_POLL_OUT) ev |= UV_WRITABLE;
    uv_poll_start(&s->poll, ev, poll_cb);
    return 0;
}

static void timeout_cb(uv_timer_t *t) {
    hc_client *c = t->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_info(c);
    flush_notify(c);
}

static int timer_cb(CURLM *m, long ms, void *userp) {
    (void)m;
    hc_client *c = userp;
    if (ms < 0) uv_timer_stop(&c->timeout);
    else uv_timer_start(&c->timeout, timeout_cb, (uint64_t)ms, 0);
    return 0;
}

static void check_info(hc_client *c) {
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left)))
        if (m->msg == CURLMSG_DONE) {
            hc_req *r = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            if (r) finish(c, r, m->data.result);
        }
}

/* The transfer of r is over (rc, or r->local_code): settle it and let go. */
static void finish(hc_client *c, hc_req *r, CURLcode rc) {
    hc_error e = {0, ""};
    long code = 0;
    int failed = rc != CURLE_OK || r->local_code >= 0;
    pthread_mutex_lock(&g_mu);
    int head = r->state == HC_HEAD;
    pthread_mutex_unlock(&g_mu);
    if (failed) {
        if (r->local_code >= 0) {
            e.code = r->local_code;
            snprintf(e.msg, sizeof e.msg, "%s", local_msg(r->local_code));
        } else {
            map_error(r->easy, rc, head, &e);
        }
    } else if (!head) {
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
    }
    if (r->easy) {
        curl_multi_remove_handle(c->multi, r->easy);
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    if (r->aprev) r->aprev->anext = r->anext;
    else if (c->active == r) c->active = r->anext;
    if (r->anext) r->anext->aprev = r->aprev;
    r->anext = r->aprev = NULL;
    pthread_mutex_lock(&g_mu);
    c->inflight--;
    r->finished = 1;
    if (failed) {
        r->err = e;
        if (r->state == HC_HEAD) r->body_failed = 1;
        else r->state = HC_FAILED;
    } else {
        if (r->state == HC_WAITING) head_done_locked(r, (int)code);
        r->body_done = 1;
    }
    notify_locked(r);
    int gone = unref_locked(r);
    pthread_mutex_unlock(&g_mu);
    if (gone) req_free(r);
}

static void sweep_cb(uv_timer_t *t) {
    hc_client *c = t->data;
    uint64_t now = now_ns();
    int any = 0;
    for (hc_req *r = c->active, *next; r; r = next) {
        next = r->anext;
        if (!r->deadline) continue;
        any = 1;
        if (now >= r->deadline) {
            r->local_code = HC_E_CONN_READ_TIMEOUT;
            finish(c, r, CURLE_OPERATION_TIMEDOUT);
        }
    }
    if (!any) {
        uv_timer_stop(&c->sweep);
        c->sweeping = 0;
    }
    flush_notify(c);
}

static void sweep_on(hc_client *c) {
    if (c->sweeping) return;
    c->sweeping = 1;
    uv_timer_start(&c->sweep, sweep_cb, 20, 20);
}

/* Makes r's easy handle and adds it; on failure r finishes failed. */
static void start(hc_client *c, hc_req *r) {
    r->local_code = -1;
    CURL *e = curl_easy_init();
    r->easy = e;
    r->anext = c->active;
    if (c->active) c->active->aprev = r;
    c->active = r;
    if (!e) {
        r->local_code = HC_E_INTERNAL;
        finish(c, r, CURLE_OUT_OF_MEMORY);
        return;
    }
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (policy.verbose) curl_easy_setopt(e, CURLOPT_VERBOSE, 1L); /* HIVE_OUTBOUND_DEBUG=1 */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_PROXY, ""); /* no proxy from the environment */
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    if (policy.ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, policy.ca_file);
    if (!strncmp(r->url, "https:", 6)) curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    else if (policy.h2c) {
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
        /* libcurl before 7.89 breaks a reused prior-knowledge connection
         * (curl/curl#10634, fixed by #10643): a fresh one per request */
        if (curl_version_info(CURLVERSION_NOW)->version_num < 0x075900)
            curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    }
    else curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (r->connect_timeout) {
        uint64_t ms = (r->connect_timeout + 999999) / 1000000;
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(ms > 0x7fffffff ? 0x7fffffff : ms));
    }
    if (!strcmp(r->method, "HEAD")) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (r->has_body) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(e, CURLOPT_READDATA, r);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->clen);
        if (r->clen < 0) {
            curl_easy_setopt(e, CURLOPT_TRAILERFUNCTION, trailer_cb);
            curl_easy_setopt(e, CURLOPT_TRAILERDATA, r);
        }
        if (strcmp(r->method, "POST")) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        if (strcmp(r->method, "GET")) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    r->deadline = r->first_byte_timeout ? now_ns() + r->first_byte_timeout : 0;
    if (r->deadline) sweep_on(c);
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        r->local_code = HC_E_INTERNAL;
        finish(c, r, CURLE_OUT_OF_MEMORY);
    }
}

static void stop_all(hc_client *c);

/* What a request on the dirty list needs. */
static void dirty_one(hc_client *c, hc_req *r, int stopping) {
    pthread_mutex_lock(&g_mu);
    int released = r->released, send = r->want_send, recv = r->want_recv;
    r->want_send = r->want_recv = 0;
    if (send) r->send_starved = 0;
    if (recv) r->recv_blocked = 0;
    int finished = r->finished;
    pthread_mutex_unlock(&g_mu);
    if (finished) return;
    if (!r->started) {
        r->started = 1;
        if (released || stopping) { /* never started: let go */
            pthread_mutex_lock(&g_mu);
            r->finished = 1;
            c->inflight--;
            int gone = unref_locked(r);
            pthread_mutex_unlock(&g_mu);
            if (gone) req_free(r);
            return;
        }
        start(c, r);
        return;
    }
    if (!r->easy) return;
    if (released) {
        r->local_code = HC_E_INTERNAL;
        finish(c, r, CURLE_ABORTED_BY_CALLBACK);
        return;
    }
    if (send || recv) {
        if (recv && r->between_bytes_timeout) {
            r->deadline = now_ns() + r->between_bytes_timeout;
            sweep_on(c);
        }
        pthread_mutex_lock(&g_mu);
        int bits = (r->send_starved ? CURLPAUSE_SEND : 0) | (r->recv_blocked ? CURLPAUSE_RECV : 0);
        pthread_mutex_unlock(&g_mu);
        curl_easy_pause(r->easy, bits);
    }
}

static void async_cb(uv_async_t *a) {
    hc_client *c = a->data;
    pthread_mutex_lock(&g_mu);
    hc_req *list = c->dirty;
    c->dirty = c->dirty_tail = NULL;
    int stopping = c->stopping;
    pthread_mutex_unlock(&g_mu);
    while (list) {
        hc_req *r = list;
        pthread_mutex_lock(&g_mu);
        list = r->dnext;
        r->queued = 0;
        pthread_mutex_unlock(&g_mu);
        dirty_one(c, r, stopping);
        pthread_mutex_lock(&g_mu);
        int gone = unref_locked(r); /* the list's reference */
        pthread_mutex_unlock(&g_mu);
        if (gone) req_free(r);
    }
    if (!stopping) check_info(c);
    flush_notify(c);
    if (stopping) {
        stop_all(c);
        flush_notify(c);
    }
}

static void handle_closed(uv_handle_t *h) { (void)h; }

static void close_walk(uv_handle_t *h, void *arg) {
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, h->type == UV_POLL ? sock_closed : handle_closed);
}

static void stop_all(hc_client *c) {
    while (c->active) {
        c->active->local_code = HC_E_INTERNAL;
        finish(c, c->active, CURLE_ABORTED_BY_CALLBACK);
    }
    /* the cached connections close now, while their polls can be let go */
    c->cleaning = 1;
    curl_multi_cleanup(c->multi);
    c->multi = NULL;
    uv_walk(&c->loop, close_walk, NULL);
}

static void *client_main(void *arg) {
    hc_client *c = arg;
    /* a write to a connection the server closed (OpenSSL writes with
     * write(2)) must be EPIPE here, not the death of the process: `hive
     * run` keeps SIGPIPE's default for its own stdout */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* g_mu held: the client, started on first use. */
static hc_client *client_locked(void) {
    if (g_client) return g_client;
    static int curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
        curl_ready = 1;
    }
    hc_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (uv_loop_init(&c->loop) != 0) {
        free(c);
        return NULL;
    }
    c->multi = curl_multi_init();
    uv_async_init(&c->loop, &c->async, async_cb);
    uv_timer_init(&c->loop, &c->timeout);
    uv_timer_init(&c->loop, &c->sweep);
    c->async.data = c->timeout.data = c->sweep.data = c;
    if (!c->multi) goto fail;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    if (pthread_create(&c->thread, NULL, client_main, c) != 0) goto fail;
    g_client = c;
    return c;
fail:
    uv_walk(&c->loop, close_walk, NULL);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    uv_loop_close(&c->loop);
    if (c->multi) curl_multi_cleanup(c->multi);
    free(c);
    return NULL;
}

void hv_hc_shutdown(void) {
    pthread_mutex_lock(&g_mu);
    hc_client *c = g_client;
    if (c) {
        c->stopping = 1;
        uv_async_send(&c->async);
    }
    pthread_mutex_unlock(&g_mu);
    if (c) {
        pthread_join(c->thread, NULL);
        pthread_mutex_lock(&g_mu);
        /* requests queued after the last pass never started */
        hc_req *list = c->dirty;
        g_client = NULL;
        pthread_mutex_unlock(&g_mu);
        while (list) {
            hc_req *r = list;
            list = r->dnext;
            pthread_mutex_lock(&g_mu);
            r->queued = 0;
            int gone = unref_locked(r); /* the list's */
            if (!r->finished) {
                r->finished = 1;
                gone = unref_locked(r); /* the client's */
            }
            pthread_mutex_unlock(&g_mu);
            if (gone) req_free(r);
        }
        uv_loop_close(&c->loop);
        if (c->multi) curl_multi_cleanup(c->multi);
        free(c);
    }
    policy_free();
}

size_t hv_hc_in_flight(void) {
    pthread_mutex_lock(&g_mu);
    size_t n = g_client ? g_client->inflight : 0;
    pthread_mutex_unlock(&g_mu);
    return n;
}

/* ---- the requester's side ------------------------------------------------------------ */

static char *header_line(const hive_header *h);

static int is_token(const char *s) {
    if (!*s) return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c)))
            return 0;
    }
    return 1;
}

static int fail_at_once(hc_error *err, int code, const char *msg) {
    err->code = code;
    snprintf(err->msg, sizeof err->msg, "%s", msg);
    return -1;
}

static int hcieq(const hive_header *h, const char *name) {
    return h->name_len == strlen(name) && !strncasecmp(h->name, name, h->name_len);
}

int hv_hc_send(const hc_request *rq, hc_notify notify, void *ud, hc_req **out, hc_error *err) {
    char why[sizeof err->msg];
    if (hv_hc_curl_load(why, sizeof why) != 0) return fail_at_once(err, HC_E_INTERNAL, why);
    *out = NULL;
    const char *scheme = rq->scheme ? rq->scheme : "http";
    if (strcmp(scheme, "http") && strcmp(scheme, "https"))
        return fail_at_once(err, HC_E_PROTOCOL, "only http and https are supported");
    char host[256];
    unsigned port;
    if (!rq->authority || split_hostport(rq->authority, host, sizeof host, &port) < 0)
        return fail_at_once(err, HC_E_URI_INVALID, "no valid authority");
    const char *path = rq->path_with_query && *rq->path_with_query ? rq->path_with_query : "/";
    if (path[0] != '/')
        return fail_at_once(err, HC_E_URI_INVALID, "the path does not start with /");
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 127 || *p == '#')
            return fail_at_once(err, HC_E_URI_INVALID, "the path has a character URIs do not allow");
    if (!rq->method || !is_token(rq->method))
        return fail_at_once(err, HC_E_METHOD_INVALID, "the method is not a token");
    if (!hv_hc_allowed(scheme, rq->authority))
        return fail_at_once(err, HC_E_DENIED, "the destination is not allowed (--allow-outbound)");

    hc_req *r = calloc(1, sizeof *r);
    if (!r) return fail_at_once(err, HC_E_INTERNAL, "out of memory");
    size_t ul = strlen(scheme) + strlen(rq->authority) + strlen(path) + 4;
    r->url = malloc(ul);
    r->method = strdup(rq->method);
    if (!r->url || !r->method) goto oom;
    snprintf(r->url, ul, "%s://%s%s", scheme, rq->authority, path);
    r->has_body = rq->has_body && strcmp(rq->method, "HEAD");
    r->clen = rq->has_body ? rq->content_length : -1;
    r->connect_timeout = rq->connect_timeout;
    r->first_byte_timeout = rq->first_byte_timeout;
    r->between_bytes_timeout = rq->between_bytes_timeout;
    int accept = 0, expect = 0, ctype = 0;
    for (size_t i = 0; i < rq->nheaders; i++) {
        const hive_header *h = &rq->headers[i];
        if (hcieq(h, "content-length") || hcieq(h, "transfer-encoding") || hcieq(h, "host") ||
            hcieq(h, "connection"))
            continue; /* the framing is libcurl's */
        accept |= hcieq(h, "accept");
        expect |= hcieq(h, "expect");
        ctype |= hcieq(h, "content-type");
        char *line = header_line(h);
        if (!line) goto oom;
        struct curl_slist *nl = curl_slist_append(r->hdrs, line);
        free(line);
        if (!nl) goto oom;
        r->hdrs = nl;
    }
    /* no headers of libcurl's own beyond the framing */
    const char *suppress[3] = {accept ? NULL : "Accept:", expect ? NULL : "Expect:",
                               ctype ? NULL : "Content-Type:"};
    for (int i = 0; i < 3; i++) {
        if (!suppress[i]) continue;
        struct curl_slist *nl = curl_slist_append(r->hdrs, suppress[i]);
        if (!nl) goto oom;
        r->hdrs = nl;
    }
    if (r->has_body && r->clen < 0) {
        struct curl_slist *nl = curl_slist_append(r->hdrs, "Transfer-Encoding: chunked");
        if (!nl) goto oom;
        r->hdrs = nl;
    }
    r->notify = notify;
    r->ud = ud;
    r->refs = 2;
    r->state = HC_WAITING;
    if (!r->has_body) r->out_ended = 1;
    pthread_mutex_lock(&g_mu);
    hc_client *c = client_locked();
    if (!c || c->stopping) {
        pthread_mutex_unlock(&g_mu);
        req_free(r);
        return fail_at_once(err, HC_E_INTERNAL, "the HTTP client could not start");
    }
    c->inflight++;
    dirty_locked(r);
    pthread_mutex_unlock(&g_mu);
    *out = r;
    return 0;
oom:
    req_free(r);
    return fail_at_once(err, HC_E_INTERNAL, "out of memory");
}

int hv_hc_state(hc_req *r, hc_error *err) {
    pthread_mutex_lock(&g_mu);
    int s = r->state;
    if (s == HC_FAILED && err) *err = r->err;
    pthread_mutex_unlock(&g_mu);
    return s;
}

/* The head is immutable once HC_HEAD was seen. */
int hv_hc_status(hc_req *r) { return r->status; }

const hive_header *hv_hc_headers(hc_req *r, size_t *n) {
    *n = r->headers.n;
    return r->headers.h;
}

const hive_header *hv_hc_trailers(hc_req *r, size_t *n) {
    pthread_mutex_lock(&g_mu);
    *n = r->body_done ? r->trailers.n : 0;
    const hive_header *h = r->body_done ? r->trailers.h : NULL;
    pthread_mutex_unlock(&g_mu);
    return h;
}

size_t hv_hc_body_room(hc_req *r) {
    pthread_mutex_lock(&g_mu);
    size_t room;
    if (r->out_ended || r->finished || r->released || r->state == HC_FAILED) room = (size_t)-1;
    else {
        size_t a = hbuf_avail(&r->out);
        room = a >= HC_SEND_BUF ? 0 : HC_SEND_BUF - a;
    }
    pthread_mutex_unlock(&g_mu);
    return room;
}

int64_t hv_hc_body_write(hc_req *r, const uint8_t *data, size_t len) {
    pthread_mutex_lock(&g_mu);
    int64_t rc;
    if (r->out_ended || r->finished || r->released || r->state == HC_FAILED) {
        rc = -1;
    } else {
        rc = len && hbuf_put(&r->out, data, len) < 0 ? -1 : (int64_t)len;
        if (rc > 0 && r->send_starved) {
            r->want_send = 1;
            dirty_locked(r);
        }
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

void hv_hc_body_end(hc_req *r) {
    pthread_mutex_lock(&g_mu);
    if (!r->out_ended) {
        r->out_ended = 1;
        if (r->send_starved && !r->finished) {
            r->want_send = 1;
            dirty_locked(r);
        }
    }
    pthread_mutex_unlock(&g_mu);
}

/* "name: value" (an empty value: "name;", libcurl's spelling for it). */
static char *header_line(const hive_header *h) {
    char *line = malloc(h->name_len + h->value_len + 3);
    if (!line) return NULL;
    memcpy(line, h->name, h->name_len);
    if (h->value_len) {
        memcpy(line + h->name_len, ": ", 2);
        memcpy(line + h->name_len + 2, h->value, h->value_len);
        line[h->name_len + 2 + h->value_len] = 0;
    } else {
        line[h->name_len] = ';';
        line[h->name_len + 1] = 0;
    }
    return line;
}

void hv_hc_body_trailers(hc_req *r, const hive_header *t, size_t n) {
    struct curl_slist *l = NULL;
    for (size_t i = 0; i < n; i++) {
        char *line = header_line(&t[i]);
        struct curl_slist *nl = line ? curl_slist_append(l, line) : NULL;
        free(line);
        if (!nl) {
            curl_slist_free_all(l);
            return;
        }
        l = nl;
    }
    pthread_mutex_lock(&g_mu);
    if (!r->out_ended && !r->out_trailers) {
        r->out_trailers = l;
        l = NULL;
    }
    pthread_mutex_unlock(&g_mu);
    curl_slist_free_all(l);
}

void hv_hc_body_abort(hc_req *r) {
    pthread_mutex_lock(&g_mu);
    if (!r->out_ended) {
        r->out_ended = 1;
        r->out_aborted = 1;
        if (r->send_starved && !r->finished) {
            r->want_send = 1;
            dirty_locked(r);
        }
    }
    pthread_mutex_unlock(&g_mu);
}

int64_t hv_hc_body_read(hc_req *r, uint8_t *buf, size_t cap, hc_error *err) {
    pthread_mutex_lock(&g_mu);
    int64_t rc;
    if (hbuf_avail(&r->in)) {
        rc = (int64_t)hbuf_take(&r->in, buf, cap);
        if (r->recv_blocked && !r->want_recv && hbuf_avail(&r->in) <= HC_RECV_BUF / 2 &&
            !r->finished) {
            r->want_recv = 1;
            dirty_locked(r);
        }
    } else if (r->body_done) {
        rc = 0;
    } else if (r->body_failed || r->state == HC_FAILED) {
        if (err) *err = r->err;
        rc = -2;
    } else {
        if (r->recv_blocked && !r->want_recv && !r->finished) {
            r->want_recv = 1;
            dirty_locked(r);
        }
        rc = -1;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

int hv_hc_body_readable(hc_req *r) {
    pthread_mutex_lock(&g_mu);
    int ok = hbuf_avail(&r->in) || r->body_done || r->body_failed || r->state == HC_FAILED;
    pthread_mutex_unlock(&g_mu);
    return ok;
}

void hv_hc_release(hc_req *r) {
    if (!r) return;
    pthread_mutex_lock(&g_mu);
    r->released = 1;
    r->notify = NULL;
    int gone = unref_locked(r);
    if (!gone && !r->finished) dirty_locked(r);
    pthread_mutex_unlock(&g_mu);
    if (gone) req_free(r);
}
