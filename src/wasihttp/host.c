/*
 * host.c -- wasi:http/types 0.2 and the body half of wasi:io 0.2 for the
 * wasihttp guest kind. Contract in wasihttp.h.
 *
 * Every resource handle the guest holds is an object here; its rep is the
 * object's index + 1. Objects made for a request carry the request's
 * generation: once the request is over, they answer as closed (a reused
 * instance cannot read the next request's body through an old stream).
 *
 * Fields follow the spec: names are tokens (RFC 9110), kept in lower
 * case and compared without case; values have no CR, LF or NUL; the
 * hop-by-hop and framing headers (connection, host, http2-settings,
 * keep-alive, proxy-connection, transfer-encoding, upgrade) are
 * `forbidden`; the headers of an incoming-request and those returned by
 * outgoing-response.headers are `immutable`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include "handler/guest.h"
#include "httpclient/httpclient.h"
#include "hive/wasip2.h"
#include "wasihttp/wasihttp.h"
#include "wasip2/p2_impl.h" /* hv_p2_new: a ready pollable in the WASI 0.2 context */

#define V "@" WHTTP_VERSION
#define TYPES "wasi:http/types" V
#define IO_ERROR "wasi:io/error" V
#define IO_POLL "wasi:io/poll" V
#define IO_STREAMS "wasi:io/streams" V

#define MAX_READ (64 * 1024)        /* bytes one read returns at most */
#define WRITE_PERMIT (64 * 1024)    /* check-write's answer when ready */
#define MAX_EARLY (1024 * 1024)     /* body bytes buffered before the head */
#define MAX_FIELDS 1024             /* entries per fields */

enum kind {
    K_FREE = 0, K_FIELDS, K_IN_REQ, K_IN_BODY, K_IN_STREAM, K_FUTURE_TRAILERS, K_OUT_RESP,
    K_OUT_BODY, K_OUT_STREAM, K_OUTPARAM, K_POLLABLE, K_ERROR, K_OUT_REQ, K_REQ_OPTIONS, K_FUT_RESP, K_IN_RESP
};

enum { P_READY = 0, P_READABLE, P_WRITABLE, P_RESPONSE, P_TRAILERS }; /* what a pollable waits for */

typedef struct wobj {
    uint8_t kind;
    uint8_t immutable; /* fields */
    uint8_t taken;     /* in_req: consumed; in_body: stream given; out_resp: body given;
                          out_body: stream given; future_trailers: got */
    uint8_t finished;  /* out_body: finish called */
    uint8_t pwhat;     /* pollable */
    uint32_t gen;      /* request generation (0: none) */
    uint32_t link;     /* out_resp: its headers; out_resp: body in link2; out_stream: its body;
                          pollable: the stream */
    uint32_t link2;
    uint16_t status;   /* out_resp */
    hv_wfields fl;     /* fields */
    uint8_t *buf;      /* out_body: bytes before the head; error: message */
    size_t len, cap;
    int64_t declared;  /* out_body: the response's content-length, or -1 */
    uint64_t written;  /* out_body: bytes written */
    /* the client side: out_req: its oreq; req_options: its ropts; with
     * client set (an outgoing request's body, future-incoming-response,
     * incoming-response, incoming-body, input-stream, future-trailers,
     * pollable): the ccall */
    void *ext;
    uint8_t client;
    uint32_t cid;      /* client objects: an id, so that stale stream callbacks see closed */
    uint32_t trailers; /* out_body (the response's): the fields finish gave, until sent */
} wobj;

/* An outgoing request being built. */
typedef struct oreq {
    char *method, *path, *scheme, *authority; /* NULL: none (method: GET) */
} oreq;

/* request-options */
typedef struct ropts {
    uint64_t t[3];  /* connect, first-byte, between-bytes (ns) */
    uint8_t has[3];
} ropts;

/* One outgoing request after handle: the client's request, shared by the
 * objects that stand for its parts. */
typedef struct ccall {
    hc_req *req; /* NULL once cancelled */
    uint32_t refs;
} ccall;

enum pend { PEND_NONE = 0, PEND_READ, PEND_SKIP, PEND_WRITE, PEND_FLUSH, PEND_BLOCK, PEND_POLL };

struct whttp {
    hive_wasip2 *p2; /* the WASI 0.2 context whose wasi:io serves the bodies, or NULL */
    wobj *o;
    uint32_t n, cap, live;
    hive_req *req;
    uint32_t gen;
    int set;        /* the outparam was set */
    int head_sent;
    int done;       /* the response is complete, failed or gone */
    int in_done;    /* the request body's end was read */
    uint32_t body;  /* the outgoing-body of the response set (0: none) */
    /* the pending call */
    int pend;
    uint32_t pend_rep;
    uint64_t pend_n;
    uint8_t *pend_buf;
    size_t pend_len;
    uint32_t *pend_list;
    size_t pend_nlist;
    /* the client side */
    void (*wake)(void *ud); /* a response or body moved (any thread) */
    void *wake_ud;
    int wait_fd;            /* eventfd the wake writes (hive run), or -1 */
    uint32_t next_cid;
    uint32_t nclient;       /* outgoing requests alive */
    hc_error last_err;      /* the last outgoing body's failure (http-error-code) */
    int have_last_err;
};

static _Thread_local whttp *current;

void hv_whttp_enter(whttp *h) { current = h; }
void hv_whttp_leave(void) { current = NULL; }
whttp *hv_whttp_current(void) { return current; }

/* ---- objects ------------------------------------------------------------ */

static wobj *obj_new(whttp *h, int kind, uint32_t *rep) {
    uint32_t i = 0;
    while (i < h->n && h->o[i].kind != K_FREE) i++;
    if (i == h->n) {
        if (h->n == 65536) return NULL;
        if (h->n == h->cap) {
            uint32_t cap = h->cap ? h->cap * 2 : 16;
            wobj *no = realloc(h->o, cap * sizeof *no);
            if (!no) return NULL;
            h->o = no;
            h->cap = cap;
        }
        h->n++;
    }
    wobj *o = &h->o[i];
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)kind;
    o->gen = h->gen;
    h->live++;
    *rep = i + 1;
    return o;
}

static wobj *obj_get(whttp *h, uint32_t rep, int kind) {
    if (!h || rep == 0 || rep > h->n || h->o[rep - 1].kind != kind) return NULL;
    return &h->o[rep - 1];
}

static void ccall_unref(whttp *h, ccall *c);

static void obj_free(whttp *h, uint32_t rep) {
    if (!h || rep == 0 || rep > h->n || h->o[rep - 1].kind == K_FREE) return;
    wobj *o = &h->o[rep - 1];
    if (o->ext) {
        if (o->client) {
            ccall_unref(h, o->ext);
        } else if (o->kind == K_OUT_REQ) {
            oreq *q = o->ext;
            free(q->method);
            free(q->path);
            free(q->scheme);
            free(q->authority);
            free(q);
        } else {
            free(o->ext);
        }
        o = &h->o[rep - 1];
    }
    uint32_t trailers = o->trailers;
    hv_wfields_clear(&o->fl);
    free(o->buf);
    memset(o, 0, sizeof *o);
    h->live--;
    if (trailers) obj_free(h, trailers);
}

whttp *hv_whttp_new(hive_wasip2 *p2) {
    whttp *h = calloc(1, sizeof(whttp));
    if (h) {
        h->p2 = p2;
        h->wait_fd = -1;
    }
    return h;
}

void hv_whttp_set_wake(whttp *h, void (*wake)(void *ud), void *ud) {
    h->wake = wake;
    h->wake_ud = ud;
}

int hv_whttp_use_eventfd(whttp *h) {
    return hv_whttp_eventfd_open(&h->wait_fd, &h->wake, &h->wake_ud);
}

/* Clears the eventfd before readiness is checked again. */
static void drain_fd(whttp *h) { hv_whttp_eventfd_drain(h->wait_fd); }

void hv_whttp_free(whttp *h) {
    if (!h) return;
    for (uint32_t i = 0; i < h->n; i++) obj_free(h, i + 1);
    if (h->wait_fd >= 0) close(h->wait_fd);
    free(h->o);
    free(h->pend_buf);
    free(h->pend_list);
    free(h);
}

size_t hv_whttp_live(const whttp *h) { return h ? h->live : 0; }

hive_wasip2 *hv_whttp_p2(const whttp *h) { return h ? h->p2 : NULL; }

int hv_whttp_pending(const whttp *h) { return h && h->pend != PEND_NONE; }

/* ---- values ------------------------------------------------------------- */

static hive_cval own(uint32_t rep) { return hive_cval_handle(HIVE_C_OWN, rep, NULL); }

static void result_ok(hive_cval *out, hive_cval *payload) {
    if (hive_cval_case(out, HIVE_C_RESULT, 0, payload) != HIVE_OK) memset(out, 0, sizeof *out);
}
static void result_err(hive_cval *out, hive_cval *payload) {
    if (hive_cval_case(out, HIVE_C_RESULT, 1, payload) != HIVE_OK) memset(out, 0, sizeof *out);
}
static void result_ok_own(hive_cval *out, uint32_t rep) {
    hive_cval v = own(rep);
    result_ok(out, &v);
}
static void variant(hive_cval *out, hive_ckind kind, uint32_t index, hive_cval *payload) {
    if (hive_cval_case(out, kind, index, payload) != HIVE_OK) memset(out, 0, sizeof *out);
}

#define bytes_val hv_wbytes_val
#define bytes_view hv_wbytes_view /* fieldlist.c */

/* A list<u8> argument as bytes (a new buffer). */
static uint8_t *bytes_of(const hive_cval *v, size_t *n) {
    uint8_t *tmp;
    const uint8_t *d = bytes_view(v, n, &tmp);
    if (!d || tmp) return tmp;
    uint8_t *b = malloc(*n ? *n : 1);
    if (b && *n) memcpy(b, d, *n);
    return b;
}

#define FN(name)                                                                               \
    static hive_host_status name(hive_chost_call *call, const hive_cval *args, size_t nargs, \
                                 hive_cval *res, size_t nres)
#define CTX ((whttp *)hive_cinstance_data(call->instance))
#define REP(i) ((uint32_t)args[i].of.res.handle)
#define UNUSED (void)nargs, (void)nres, (void)args, (void)res

static hive_host_status trap(hive_chost_call *call, const char *msg) {
    hive_chost_trap(call, msg);
    return HIVE_HOST_TRAP;
}

#define OOM trap(call, "out of memory")

/* What a call traps with when its handle is no live object of the kind. */
static const char *const unknown[] = {
    [K_FIELDS] = "unknown fields", [K_IN_REQ] = "unknown incoming-request",
    [K_IN_BODY] = "unknown incoming-body", [K_IN_STREAM] = "unknown input-stream",
    [K_FUTURE_TRAILERS] = "unknown future-trailers", [K_OUT_RESP] = "unknown outgoing-response",
    [K_OUT_BODY] = "unknown outgoing-body", [K_OUT_STREAM] = "unknown output-stream",
    [K_OUTPARAM] = "unknown response-outparam", [K_POLLABLE] = "unknown pollable",
    [K_ERROR] = "unknown error", [K_OUT_REQ] = "unknown outgoing-request",
    [K_REQ_OPTIONS] = "unknown request-options", [K_FUT_RESP] = "unknown future-incoming-response",
    [K_IN_RESP] = "unknown incoming-response"};

/* ---- resources ------------------------------------------------------------ */

/* the client side (below) */
static wobj *cobj_new(whttp *h, int kind, ccall *c, uint32_t *rep);
static hive_host_status client_body_finish(whttp *h, uint32_t rep, uint32_t trep, hive_cval *res);
static hive_host_status client_pollable(hive_chost_call *call, whttp *h, uint32_t rep, int what,
                                        hive_cval *res);
static hive_host_status client_body_stream(hive_chost_call *call, whttp *h, uint32_t brep,
                                           hive_cval *res);
static hive_host_status client_trailers_get(whttp *h, uint32_t rep, hive_cval *res);
static int fut_ready(whttp *h, uint32_t rep);
static int trailers_ready(whttp *h, uint32_t rep);

static void obj_dtor(hive_cinstance *instance, void *user, uint32_t rep);

/* ---- wasi:io/error ------------------------------------------------------ */

/* A new error object with message msg; 0 when none could be made. */
static uint32_t error_new(whttp *h, const char *msg) {
    uint32_t rep;
    wobj *o = obj_new(h, K_ERROR, &rep);
    if (!o) return 0;
    o->buf = (uint8_t *)strdup(msg);
    o->len = o->buf ? strlen(msg) : 0;
    return rep;
}

FN(error_to_debug_string) {
    UNUSED;
    wobj *o = obj_get(CTX, REP(0), K_ERROR);
    if (!o) return trap(call, "unknown error");
    if (hive_cval_string(res, o->buf ? (const char *)o->buf : "", o->len) != HIVE_OK) return OOM;
    return HIVE_HOST_OK;
}

/* stream-error: last-operation-failed(own<error>) or closed */
static void stream_closed(hive_cval *out) {
    hive_cval e;
    variant(&e, HIVE_C_VARIANT, 1, NULL);
    result_err(out, &e);
}

static int stream_failed(whttp *h, hive_cval *out, const char *msg) {
    uint32_t rep = error_new(h, msg);
    if (!rep) return -1;
    hive_cval p = own(rep), e;
    variant(&e, HIVE_C_VARIANT, 0, &p);
    result_err(out, &e);
    return 0;
}

/* ---- the response --------------------------------------------------------- */

static int cieq(const char *a, size_t an, const char *b) {
    return an == strlen(b) && strncasecmp(a, b, an) == 0;
}

/* The value of a content-length field of f (a decimal number), or -1. */
static int64_t content_length_of(const wobj *f) { return hv_wfields_content_length(f ? &f->fl : NULL); }

/* Sends the head of response resp (status, its headers) to the pool. */
static void send_head(whttp *h, wobj *resp) {
    wobj *hf = obj_get(h, resp->link, K_FIELDS);
    size_t n = hf ? hf->fl.nf : 0;
    hive_header *hd = calloc(n ? n : 1, sizeof *hd);
    if (!hd) {
        hv_handler_req_fail(h->req, HIVE_HANDLE_FAILED, "out of memory");
        h->done = 1;
        return;
    }
    size_t k = 0;
    int64_t clen = content_length_of(hf);
    for (size_t i = 0; i < n; i++) {
        hv_wfield *f = &hf->fl.f[i];
        if (cieq(f->name, f->name_len, "content-length")) continue;
        hd[k++] = (hive_header){f->name, f->name_len, (const char *)f->value, f->value_len};
    }
    h->head_sent = 1;
    if (hv_handler_req_head(h->req, resp->status, hd, k, clen) < 0) h->done = 1;
    free(hd);
}

/* Body bytes of the outgoing-body at rep: 0 taken, 1 taken but the sink
 * is full, -1 the response is gone or the early buffer is full. */
static int body_write(whttp *h, uint32_t rep, const uint8_t *data, size_t len) {
    wobj *b = obj_get(h, rep, K_OUT_BODY);
    if (b && b->client) { /* an outgoing request's body */
        if (b->finished) return -1;
        if (b->declared >= 0 && b->written + len > (uint64_t)b->declared) return -1;
        if (b->ext) {
            ccall *c = b->ext;
            if (!c->req || hv_hc_body_write(c->req, data, len) < 0) return -1;
            b->written += len;
            return 0;
        }
        if (b->len + len > MAX_EARLY) return -1;
    } else if (!b || b->finished || b->gen != h->gen || !h->req) {
        return -1;
    }
    /* beyond the content-length the response declared: the write fails */
    if (b->declared >= 0 && b->written + len > (uint64_t)b->declared) return -1;
    b->written += len;
    if (!b->client && rep == h->body && h->head_sent) {
        if (h->done) return -1;
        int rc = hv_handler_req_body(h->req, data, len);
        if (rc < 0) h->done = 1;
        return rc;
    }
    if (b->len + len > MAX_EARLY) return -1;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len) cap *= 2;
        uint8_t *nb = realloc(b->buf, cap);
        if (!nb) return -1;
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, data, len);
    b->len += len;
    return 0;
}

static int body_ready(whttp *h, uint32_t rep) {
    wobj *b = obj_get(h, rep, K_OUT_BODY);
    if (b && b->client) {
        if (b->finished) return 1;
        if (!b->ext) return b->len < MAX_EARLY;
        ccall *c = b->ext;
        drain_fd(h);
        return !c->req || hv_hc_body_room(c->req) != 0;
    }
    if (!b || b->finished || b->gen != h->gen || !h->req) return 1; /* an error is ready */
    if (rep == h->body && h->head_sent) return h->done || hv_handler_req_output_ready(h->req);
    return b->len < MAX_EARLY;
}

/* The body at rep is complete (finish): end the response. */
static void body_finish(whttp *h, uint32_t rep) {
    wobj *b = obj_get(h, rep, K_OUT_BODY);
    if (b && b->client) {
        if (b->ext && ((ccall *)b->ext)->req) hv_hc_body_end(((ccall *)b->ext)->req);
        return;
    }
    if (rep == h->body && h->head_sent && !h->done) {
        wobj *t = b ? obj_get(h, b->trailers, K_FIELDS) : NULL;
        hive_header *hd = hv_wfields_headers(t ? &t->fl : NULL);
        if (hd) hv_handler_req_trailers(h->req, hd, t->fl.nf); /* after a chunked body */
        free(hd);
        hv_handler_req_end(h->req);
        h->done = 1;
    }
}

int hv_whttp_error_status(uint32_t code) {
    switch (code) {
    case 0: case 8: case 9: case 10: case 33: return 504; /* timeouts */
    case 11: return 503;                                  /* connection-limit-reached */
    case 15: return 403;                                  /* HTTP-request-denied */
    case 16: return 411;                                  /* length required */
    case 17: return 413;                                  /* request body size */
    case 18: return 405;                                  /* method invalid */
    case 19: case 23: case 24: return 400;                /* URI invalid, trailers */
    case 20: return 414;                                  /* URI too long */
    case 21: case 22: return 431;                         /* header section / header size */
    case 36: return 508;                                  /* loop-detected */
    case 37: case 38: return 500;                         /* configuration, internal */
    default: return 502;                                  /* upstream and protocol errors */
    }
}

static const char *const error_names[] = {
    "DNS-timeout", "DNS-error", "destination-not-found", "destination-unavailable",
    "destination-IP-prohibited", "destination-IP-unroutable", "connection-refused",
    "connection-terminated", "connection-timeout", "connection-read-timeout",
    "connection-write-timeout", "connection-limit-reached", "TLS-protocol-error",
    "TLS-certificate-error", "TLS-alert-received", "HTTP-request-denied",
    "HTTP-request-length-required", "HTTP-request-body-size", "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid", "HTTP-request-URI-too-long", "HTTP-request-header-section-size",
    "HTTP-request-header-size", "HTTP-request-trailer-section-size", "HTTP-request-trailer-size",
    "HTTP-response-incomplete", "HTTP-response-header-section-size", "HTTP-response-header-size",
    "HTTP-response-body-size", "HTTP-response-trailer-section-size", "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding", "HTTP-response-content-coding", "HTTP-response-timeout",
    "HTTP-upgrade-failed", "HTTP-protocol-error", "loop-detected", "configuration-error",
    "internal-error"};

void hv_whttp_answer_error(hive_req *req, uint32_t code) {
    const char *name = code < sizeof error_names / sizeof *error_names ? error_names[code] : "?";
    char body[96];
    int n = snprintf(body, sizeof body, "error-code: %s\n", name);
    hive_header ct = {"content-type", 12, "text/plain", 10};
    if (hv_handler_req_head(req, hv_whttp_error_status(code), &ct, 1, n) == 0 &&
        hv_handler_req_body(req, (const uint8_t *)body, (size_t)n) >= 0)
        hv_handler_req_end(req);
}

/* An error-code answer: its status, a text body naming the case. */
static void send_error(whttp *h, uint32_t code) {
    h->head_sent = 1;
    hv_whttp_answer_error(h->req, code);
    h->done = 1;
}

/* ---- fields ----------------------------------------------------------------- */

/* the rules (fieldrules.c) and the operations (fieldlist.c) are 0.3's too */
#define tchar hv_whttp_tchar
#define HE_OK HV_WHTTP_NAME_OK

/* 0.2's header-error has no size-exceeded case: a fields object holds at
 * most MAX_FIELDS entries, and more is out of memory. */
static const hv_wfield_limits limits = {MAX_FIELDS, SIZE_MAX, 0};

/* Appends (no checks). Not 0 when out of memory or full. */
static int fields_add(wobj *o, const char *name, size_t nl, const uint8_t *value, size_t vl) {
    return hv_wfields_add(&o->fl, name, nl, value, vl, &limits);
}

/* A copy of src as a new fields object; 0 when out of memory. */
static uint32_t fields_copy(whttp *h, uint32_t src, int immutable) {
    uint32_t rep;
    wobj *o = obj_new(h, K_FIELDS, &rep);
    if (!o) return 0;
    wobj *s = obj_get(h, src, K_FIELDS); /* after obj_new: the table may have moved */
    if (hv_wfields_copy(&o->fl, s ? &s->fl : NULL, &limits)) {
        obj_free(h, rep);
        return 0;
    }
    o->immutable = (uint8_t)immutable;
    return rep;
}

static void header_error(hive_cval *out, int e) {
    hive_cval v;
    variant(&v, HIVE_C_VARIANT, (uint32_t)e, NULL);
    result_err(out, &v);
}

FN(fields_new) {
    UNUSED;
    uint32_t rep;
    if (!obj_new(CTX, K_FIELDS, &rep)) return OOM;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

FN(fields_from_list) {
    UNUSED;
    whttp *h = CTX;
    int e = hv_wfields_check_list(&args[0]);
    if (e == HV_WHTTP_OOM) return OOM;
    if (e != HE_OK) {
        header_error(res, e);
        return HIVE_HOST_OK;
    }
    uint32_t rep;
    wobj *o = obj_new(h, K_FIELDS, &rep);
    if (!o) return OOM;
    if (hv_wfields_add_list(&o->fl, &args[0], &limits)) {
        obj_free(h, rep);
        return OOM;
    }
    result_ok_own(res, rep);
    return HIVE_HOST_OK;
}

/* get, has, entries/copy-all, set, delete, append (and get-and-delete):
 * the same in 0.2 and 0.3 (fieldlist.c) */
static hive_host_status fields_method(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                      int method) {
    wobj *o = obj_get(CTX, REP(0), K_FIELDS);
    if (!o) return trap(call, "unknown fields");
    return hv_wfields_method(method, &o->fl, o->immutable, args, res, &limits) ? OOM : HIVE_HOST_OK;
}

#define FIELDS_METHOD(name, method)                                                            \
    FN(name) {                                                                                 \
        (void)nargs, (void)nres;                                                               \
        return fields_method(call, args, res, method);                                         \
    }
FIELDS_METHOD(fields_get, HV_WFIELDS_GET)
FIELDS_METHOD(fields_has, HV_WFIELDS_HAS)
FIELDS_METHOD(fields_set, HV_WFIELDS_SET)
FIELDS_METHOD(fields_delete, HV_WFIELDS_DELETE)
FIELDS_METHOD(fields_append, HV_WFIELDS_APPEND)
FIELDS_METHOD(fields_entries, HV_WFIELDS_ENTRIES)

FN(fields_clone) {
    UNUSED;
    whttp *h = CTX;
    if (!obj_get(h, REP(0), K_FIELDS)) return trap(call, "unknown fields");
    uint32_t rep = fields_copy(h, REP(0), 0);
    if (!rep) return OOM;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

/* ---- incoming-request ------------------------------------------------------- */

/* The live request behind an incoming-request rep, or NULL (trap). */
static const hive_request_info *in_req(whttp *h, uint32_t rep, wobj **out) {
    wobj *o = obj_get(h, rep, K_IN_REQ);
    if (!o) return NULL;
    *out = o;
    if (o->gen != h->gen || !h->req) return NULL;
    return hv_handler_req_info(h->req);
}

FN(req_method) {
    UNUSED;
    wobj *o;
    const hive_request_info *info = in_req(CTX, REP(0), &o);
    if (!info) return trap(call, "incoming-request of a request that is over");
    static const char *const m[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
                                    "OPTIONS", "TRACE", "PATCH"};
    for (uint32_t i = 0; i < 9; i++)
        if (!strcmp(info->method, m[i])) {
            variant(res, HIVE_C_VARIANT, i, NULL);
            return HIVE_HOST_OK;
        }
    hive_cval s;
    if (hive_cval_string(&s, info->method, strlen(info->method)) != HIVE_OK) return OOM;
    variant(res, HIVE_C_VARIANT, 9, &s);
    return HIVE_HOST_OK;
}

FN(req_path) {
    UNUSED;
    wobj *o;
    const hive_request_info *info = in_req(CTX, REP(0), &o);
    if (!info) return trap(call, "incoming-request of a request that is over");
    size_t pl = strlen(info->path), ql = strlen(info->query);
    char *s = malloc(pl + ql + 2);
    if (!s) return OOM;
    memcpy(s, info->path, pl);
    if (ql) {
        s[pl] = '?';
        memcpy(s + pl + 1, info->query, ql);
    }
    hive_cval v;
    int rc = hive_cval_string(&v, s, pl + (ql ? ql + 1 : 0));
    free(s);
    if (rc != HIVE_OK) return trap(call, "the request target is not UTF-8");
    variant(res, HIVE_C_OPTION, 1, &v);
    return HIVE_HOST_OK;
}

FN(req_scheme) {
    UNUSED;
    wobj *o;
    const hive_request_info *info = in_req(CTX, REP(0), &o);
    if (!info) return trap(call, "incoming-request of a request that is over");
    hive_cval s;
    if (!strcmp(info->scheme, "https")) variant(&s, HIVE_C_VARIANT, 1, NULL);
    else variant(&s, HIVE_C_VARIANT, 0, NULL);
    variant(res, HIVE_C_OPTION, 1, &s);
    return HIVE_HOST_OK;
}

FN(req_authority) {
    UNUSED;
    wobj *o;
    const hive_request_info *info = in_req(CTX, REP(0), &o);
    if (!info) return trap(call, "incoming-request of a request that is over");
    hive_cval s;
    int rc = HIVE_EARG;
    for (size_t i = 0; i < info->nheaders; i++)
        if (cieq(info->headers[i].name, info->headers[i].name_len, "host")) {
            rc = hive_cval_string(&s, info->headers[i].value, info->headers[i].value_len);
            break;
        }
    if (rc != HIVE_OK) {
        char a[300];
        snprintf(a, sizeof a, "%s:%u", info->server_name, (unsigned)info->server_port);
        if (hive_cval_string(&s, a, strlen(a)) != HIVE_OK) return OOM;
    }
    variant(res, HIVE_C_OPTION, 1, &s);
    return HIVE_HOST_OK;
}

FN(req_headers) {
    UNUSED;
    whttp *h = CTX;
    wobj *o;
    const hive_request_info *info = in_req(h, REP(0), &o);
    if (!info) return trap(call, "incoming-request of a request that is over");
    uint32_t rep;
    wobj *f = obj_new(h, K_FIELDS, &rep);
    if (!f) return OOM;
    if (hv_wfields_add_headers(&f->fl, info->headers, info->nheaders, &limits)) {
        obj_free(h, rep);
        return OOM;
    }
    f->immutable = 1;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

FN(req_consume) {
    UNUSED;
    whttp *h = CTX;
    wobj *o;
    if (!in_req(h, REP(0), &o)) return trap(call, "incoming-request of a request that is over");
    if (o->taken) {
        result_err(res, NULL);
        return HIVE_HOST_OK;
    }
    o->taken = 1;
    uint32_t rep;
    if (!obj_new(h, K_IN_BODY, &rep)) return OOM;
    result_ok_own(res, rep);
    return HIVE_HOST_OK;
}

/* ---- bodies as WASI 0.2 streams (when h->p2) ------------------------------------
 * The callbacks run inside the guest's calls, on the thread whose current
 * context is h; ud carries the request's generation (and the body's rep),
 * so a stream kept past its request reads as ended and writes fail. */

_Static_assert(sizeof(void *) >= 8, "a body's generation and rep share one pointer");

static int64_t p2_body_read(void *ud, uint8_t *buf, size_t len) {
    whttp *h = current;
    if (!h || !h->req || (uint32_t)(uintptr_t)ud != h->gen || h->in_done) return 0;
    int64_t n = hv_handler_req_read_body(h->req, buf, len);
    if (n < 0) return -HIVE_WASI_EAGAIN;
    if (n == 0) h->in_done = 1;
    return n;
}

static int p2_body_readable(void *ud) {
    whttp *h = current;
    if (!h || !h->req || (uint32_t)(uintptr_t)ud != h->gen || h->in_done) return 1;
    return hv_handler_req_body_ready(h->req);
}

static int body_ready(whttp *h, uint32_t rep);
static int body_write(whttp *h, uint32_t rep, const uint8_t *data, size_t len);

static int64_t p2_body_write(void *ud, const uint8_t *buf, size_t len) {
    whttp *h = current;
    uint64_t v = (uint64_t)(uintptr_t)ud;
    uint32_t rep = (uint32_t)v, gen = (uint32_t)(v >> 32);
    wobj *b = h ? obj_get(h, rep, K_OUT_BODY) : NULL;
    if (b && b->client) { /* gen is the body's cid */
        if (b->cid != gen) return -HIVE_WASI_EPIPE;
    } else if (!h || gen != h->gen) {
        return -HIVE_WASI_EPIPE;
    }
    if (!body_ready(h, rep)) return -HIVE_WASI_EAGAIN;
    if (body_write(h, rep, buf, len) < 0) return -HIVE_WASI_EPIPE;
    return (int64_t)len;
}

/* ---- incoming-body, future-trailers ------------------------------------------ */

/* The stream of body o (of link), given once into res (result<own<stream>>):
 * a stream st (of direction out) of the WASI 0.2 context when there is one,
 * else an object of kind. */
static hive_host_status body_stream(hive_chost_call *call, whttp *h, wobj *o, hive_cval *res,
                                    const hive_wasi_stream *st, int out, int kind, uint32_t link) {
    if (o->taken) {
        result_err(res, NULL);
        return HIVE_HOST_OK;
    }
    o->taken = 1;
    uint32_t gen = o->gen, rep;
    if (h->p2) {
        if (hive_wasip2_stream_new(h->p2, out, st, &rep) != HIVE_OK) return OOM;
        result_ok_own(res, rep);
        return HIVE_HOST_OK;
    }
    wobj *s = obj_new(h, kind, &rep);
    if (!s) return OOM;
    s->gen = gen;
    s->link = link;
    result_ok_own(res, rep);
    return HIVE_HOST_OK;
}

FN(inbody_stream) {
    UNUSED;
    whttp *h = CTX;
    wobj *o = obj_get(h, REP(0), K_IN_BODY);
    if (!o) return trap(call, "unknown incoming-body");
    if (o->client) return client_body_stream(call, h, REP(0), res);
    hive_wasi_stream st = {p2_body_read, NULL, p2_body_readable, (void *)(uintptr_t)o->gen};
    return body_stream(call, h, o, res, &st, 0, K_IN_STREAM, 0);
}

FN(inbody_finish) {
    UNUSED;
    whttp *h = CTX;
    wobj *o = obj_get(h, REP(0), K_IN_BODY);
    if (!o) return trap(call, "unknown incoming-body");
    uint32_t gen = o->gen, rep;
    if (o->client) { /* a response's: the trailers come after the rest of the body */
        if (!cobj_new(h, K_FUTURE_TRAILERS, o->ext, &rep)) return OOM;
        obj_free(h, REP(0));
        res[0] = own(rep);
        return HIVE_HOST_OK;
    }
    obj_free(h, REP(0));
    wobj *t = obj_new(h, K_FUTURE_TRAILERS, &rep);
    if (!t) return OOM;
    t->gen = gen;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

FN(trailers_subscribe) {
    UNUSED;
    whttp *h = CTX;
    wobj *o = obj_get(h, REP(0), K_FUTURE_TRAILERS);
    if (!o) return trap(call, "unknown future-trailers");
    if (o->client) return client_pollable(call, h, REP(0), P_TRAILERS, res);
    uint32_t rep;
    if (h->p2) { /* a pollable of the WASI 0.2 context, ready at once */
        if (!hv_p2_new(h->p2, P2_POLLABLE, &rep)) return OOM;
    } else if (!obj_new(h, K_POLLABLE, &rep)) {
        return OOM; /* P_READY: an HTTP/1.1 request has none */
    }
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

FN(trailers_get) {
    UNUSED;
    wobj *o = obj_get(CTX, REP(0), K_FUTURE_TRAILERS);
    if (!o) return trap(call, "unknown future-trailers");
    if (o->client) {
        hive_host_status st = client_trailers_get(CTX, REP(0), res);
        return st == HIVE_HOST_TRAP ? OOM : st;
    }
    hive_cval r;
    if (o->taken) {
        result_err(&r, NULL); /* already taken */
    } else {
        /* the request's trailer fields (a chunked body's trailer section,
         * once the body has ended; fields the rules refuse are left out) */
        o->taken = 1;
        whttp *h = CTX;
        size_t nt = 0;
        const hive_header *t =
            o->gen == h->gen && h->req ? hv_handler_req_body_trailers(h->req, &nt) : NULL;
        uint32_t frep = 0;
        wobj *f = t && nt ? obj_new(h, K_FIELDS, &frep) : NULL;
        for (size_t i = 0; f && i < nt; i++)
            (void)fields_add(f, t[i].name, t[i].name_len, (const uint8_t *)t[i].value,
                             t[i].value_len);
        hive_cval opt, inner;
        if (f) {
            f->immutable = 1;
            hive_cval fv = own(frep);
            variant(&opt, HIVE_C_OPTION, 1, &fv);
        } else {
            variant(&opt, HIVE_C_OPTION, 0, NULL);
        }
        result_ok(&inner, &opt);
        result_ok(&r, &inner);
    }
    variant(res, HIVE_C_OPTION, 1, &r);
    return HIVE_HOST_OK;
}

/* ---- outgoing-response, outgoing-body, response-outparam ---------------------- */

/* A new object of kind (an outgoing-response or -request) with the headers
 * args[0], moved in. */
static hive_host_status with_headers(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                     int kind) {
    whttp *h = CTX;
    wobj *f = obj_get(h, REP(0), K_FIELDS);
    if (!f) return trap(call, "unknown fields");
    f->immutable = 1; /* moved in */
    uint32_t rep;
    wobj *o = obj_new(h, kind, &rep);
    if (!o) return OOM;
    if (kind == K_OUT_RESP) o->status = 200;
    o->link = REP(0);
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

/* A copy (immutable) of the headers of the object args[0] of kind. */
static hive_host_status headers_of(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                   int kind) {
    whttp *h = CTX;
    wobj *o = obj_get(h, REP(0), kind);
    if (!o) return trap(call, unknown[kind]);
    uint32_t rep = fields_copy(h, o->link, 1);
    if (!rep) return OOM;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

FN(resp_new) { (void)nargs, (void)nres; return with_headers(call, args, res, K_OUT_RESP); }
FN(resp_headers) { (void)nargs, (void)nres; return headers_of(call, args, res, K_OUT_RESP); }

FN(resp_status) {
    UNUSED;
    wobj *o = obj_get(CTX, REP(0), K_OUT_RESP);
    if (!o) return trap(call, "unknown outgoing-response");
    res[0] = hive_cval_uint(HIVE_C_U16, o->status);
    return HIVE_HOST_OK;
}

FN(resp_set_status) {
    UNUSED;
    wobj *o = obj_get(CTX, REP(0), K_OUT_RESP);
    if (!o) return trap(call, "unknown outgoing-response");
    uint64_t s = args[1].of.u;
    if (s < 100 || s > 599) {
        result_err(res, NULL);
        return HIVE_HOST_OK;
    }
    o->status = (uint16_t)s;
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

FN(resp_body) {
    UNUSED;
    whttp *h = CTX;
    wobj *o = obj_get(h, REP(0), K_OUT_RESP);
    if (!o) return trap(call, "unknown outgoing-response");
    if (o->taken) {
        result_err(res, NULL);
        return HIVE_HOST_OK;
    }
    o->taken = 1;
    int64_t declared = content_length_of(obj_get(h, o->link, K_FIELDS));
    uint32_t rep;
    wobj *b = obj_new(h, K_OUT_BODY, &rep);
    if (!b) return OOM;
    b->declared = declared;
    h->o[REP(0) - 1].link2 = rep;
    result_ok_own(res, rep);
    return HIVE_HOST_OK;
}

FN(outbody_write) {
    UNUSED;
    whttp *h = CTX;
    wobj *o = obj_get(h, REP(0), K_OUT_BODY);
    if (!o) return trap(call, "unknown outgoing-body");
    uint64_t ud = (uint64_t)(o->client ? o->cid : o->gen) << 32 | REP(0);
    hive_wasi_stream st = {NULL, p2_body_write, NULL, (void *)(uintptr_t)ud};
    return body_stream(call, h, o, res, &st, 1, K_OUT_STREAM, REP(0));
}

FN(outbody_finish) {
    UNUSED;
    whttp *h = CTX;
    uint32_t rep = REP(0);
    wobj *o = obj_get(h, rep, K_OUT_BODY);
    if (!o) return trap(call, "unknown outgoing-body");
    uint32_t trep = args[1].of.var.index == 1 ? (uint32_t)args[1].of.var.payload->of.res.handle : 0;
    o->finished = 1; /* the host owns it now; freed when the request ends */
    if (o->client) return client_body_finish(h, rep, trep, res);
    /* The trailers go out with the response's end (a chunked body's
     * trailer section; dropped after a body of declared length) */
    if (trep && obj_get(h, trep, K_FIELDS)) o->trailers = trep;
    else obj_free(h, trep);
    if (o->declared >= 0 && o->written != (uint64_t)o->declared) {
        /* fewer bytes than the content-length said: HTTP-response-body-size(some(written)),
         * and the response is cut */
        hive_cval n = hive_cval_uint(HIVE_C_U64, o->written), some, e;
        variant(&some, HIVE_C_OPTION, 1, &n);
        variant(&e, HIVE_C_VARIANT, 28, &some);
        result_err(res, &e);
        if (rep == h->body && h->head_sent && !h->done && h->req) {
            hv_handler_req_fail(h->req, HIVE_HANDLE_BAD_RESPONSE,
                             "the outgoing-body ended short of its content-length");
            h->done = 1;
        }
        return HIVE_HOST_OK;
    }
    body_finish(h, rep);
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

FN(outparam_set) {
    UNUSED;
    whttp *h = CTX;
    wobj *p = obj_get(h, REP(0), K_OUTPARAM);
    if (!p) return trap(call, "unknown response-outparam");
    int live = p->gen == h->gen && h->req && !h->set;
    obj_free(h, REP(0));
    const hive_cval *r = &args[1];
    if (r->of.var.index == 1) { /* error-code */
        if (live) {
            h->set = 1;
            send_error(h, r->of.var.payload->of.var.index);
        }
        return HIVE_HOST_OK;
    }
    uint32_t rrep = (uint32_t)r->of.var.payload->of.res.handle;
    wobj *resp = obj_get(h, rrep, K_OUT_RESP);
    if (!resp) return trap(call, "unknown outgoing-response");
    if (live) {
        h->set = 1;
        uint32_t brep = resp->link2;
        wobj *b = obj_get(h, brep, K_OUT_BODY);
        h->body = brep;
        send_head(h, resp);
        if (!h->done && !brep) { /* no body was asked for: empty */
            hv_handler_req_end(h->req);
            h->done = 1;
        } else if (!h->done) {
            b = obj_get(h, brep, K_OUT_BODY);
            if (!b || b->gen != h->gen) {
                hv_handler_req_fail(h->req, HIVE_HANDLE_BAD_RESPONSE,
                                 "the outgoing-body was dropped without finish");
                h->done = 1;
            } else {
                if (b->len) {
                    int rc = hv_handler_req_body(h->req, b->buf, b->len);
                    if (rc < 0) h->done = 1;
                    free(b->buf);
                    b->buf = NULL;
                    b->len = b->cap = 0;
                }
                if (b->finished) body_finish(h, brep);
            }
        }
    }
    obj_free(h, resp->link);
    obj_free(h, rrep);
    return HIVE_HOST_OK;
}

FN(outparam_informational) {
    UNUSED;
    whttp *h = CTX;
    obj_free(h, REP(1)); /* the headers, moved in */
    /* 1xx responses are not sent: an internal-error says so */
    hive_cval msg, some, e;
    if (hive_cval_string(&msg, "informational responses are not supported", 41) != HIVE_OK)
        return OOM;
    variant(&some, HIVE_C_OPTION, 1, &msg);
    variant(&e, HIVE_C_VARIANT, 38, &some);
    result_err(res, &e);
    return HIVE_HOST_OK;
}

/* ---- the client side (wasi:http/outgoing-handler) --------------------------------
 * An outgoing-request keeps its method, path-with-query, scheme and
 * authority; handle() gives it to the client (src/httpclient) and answers
 * a future-incoming-response. The objects of one outgoing request (its
 * body, the future, the incoming-response, its incoming-body, streams and
 * future-trailers) share a ccall; the client's request is released with
 * the last of them, or when the incoming request that made it ends. */

static void ccall_unref(whttp *h, ccall *c) {
    if (--c->refs) return;
    if (c->req) {
        hv_hc_release(c->req);
        h->nclient--;
    }
    free(c);
}

static void ccall_cancel(whttp *h, ccall *c) {
    if (c->req) {
        hv_hc_release(c->req);
        c->req = NULL;
        h->nclient--;
    }
}

/* The client thread: something of a request of h moved. */
static void client_notify(void *ud) {
    whttp *h = ud;
    if (h->wake) h->wake(h->wake_ud);
}

/* A new client object of kind sharing c (NULL when out of memory). */
static wobj *cobj_new(whttp *h, int kind, ccall *c, uint32_t *rep) {
    wobj *o = obj_new(h, kind, rep);
    if (!o) return NULL;
    o->client = 1;
    if (++h->next_cid == 0) h->next_cid = 1;
    o->cid = h->next_cid;
    o->ext = c;
    c->refs++;
    return o;
}

/* The ccall of the client object rep of kind, or NULL. */
static ccall *ccall_of(whttp *h, uint32_t rep, int kind, wobj **out) {
    wobj *o = obj_get(h, rep, kind);
    if (out) *out = o;
    return o && o->client ? o->ext : NULL;
}

/* An error-code value for e (the payloads this host gives: none, except
 * internal-error's message). */
static int error_code_val(hive_cval *out, const hc_error *e) {
    hive_cval p, *pp = NULL;
    switch (e->code) {
    case HC_E_DNS_ERROR:
    case HC_E_TLS_ALERT:
        if (hive_cval_agg(&p, HIVE_C_RECORD, 2) != HIVE_OK) return -1;
        variant(&p.of.agg.items[0], HIVE_C_OPTION, 0, NULL);
        variant(&p.of.agg.items[1], HIVE_C_OPTION, 0, NULL);
        pp = &p;
        break;
    case HC_E_REQ_BODY_SIZE:
    case HC_E_RESP_HEADER_SECTION_SIZE:
    case HC_E_RESP_BODY_SIZE:
    case HC_E_RESP_CONTENT_CODING:
    case 21: case 23: case 29: case 31:
        variant(&p, HIVE_C_OPTION, 0, NULL);
        pp = &p;
        break;
    case 22: case 24: case 27: case 30: /* field-size payloads: none */
        variant(&p, HIVE_C_OPTION, 0, NULL);
        pp = &p;
        break;
    case HC_E_INTERNAL: {
        hive_cval m;
        if (hive_cval_string(&m, e->msg, strlen(e->msg)) != HIVE_OK) return -1;
        variant(&p, HIVE_C_OPTION, 1, &m);
        pp = &p;
        break;
    }
    default: break;
    }
    variant(out, HIVE_C_VARIANT, (uint32_t)e->code, pp);
    return 0;
}

static int valid_text(const char *s, size_t n, const char *bad) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 127 || strchr(bad, s[i])) return 0;
    return 1;
}

FN(oreq_new) {
    UNUSED;
    whttp *h = CTX;
    oreq *q = calloc(1, sizeof *q);
    if (!q) return OOM;
    hive_host_status st = with_headers(call, args, res, K_OUT_REQ);
    if (st != HIVE_HOST_OK) {
        free(q);
        return st;
    }
    h->o[res[0].of.res.handle - 1].ext = q;
    return HIVE_HOST_OK;
}

FN(oreq_headers) { (void)nargs, (void)nres; return headers_of(call, args, res, K_OUT_REQ); }

FN(oreq_body) {
    UNUSED;
    whttp *h = CTX;
    wobj *o = obj_get(h, REP(0), K_OUT_REQ);
    if (!o) return trap(call, "unknown outgoing-request");
    if (o->taken) {
        result_err(res, NULL);
        return HIVE_HOST_OK;
    }
    o->taken = 1;
    int64_t declared = content_length_of(obj_get(h, o->link, K_FIELDS));
    uint32_t rep;
    wobj *b = obj_new(h, K_OUT_BODY, &rep);
    if (!b) return OOM;
    b->declared = declared;
    b->client = 1;
    if (++h->next_cid == 0) h->next_cid = 1;
    b->cid = h->next_cid;
    h->o[REP(0) - 1].link2 = rep;
    result_ok_own(res, rep);
    return HIVE_HOST_OK;
}

static oreq *oreq_of(hive_chost_call *call, const hive_cval *args) {
    wobj *o = obj_get(CTX, REP(0), K_OUT_REQ);
    return o ? o->ext : NULL;
}

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
                                      "OPTIONS", "TRACE", "PATCH"};

FN(oreq_method) {
    UNUSED;
    oreq *q = oreq_of(call, args);
    if (!q) return trap(call, "unknown outgoing-request");
    const char *m = q->method ? q->method : "GET";
    for (uint32_t i = 0; i < 9; i++)
        if (!strcmp(m, methods[i])) {
            variant(res, HIVE_C_VARIANT, i, NULL);
            return HIVE_HOST_OK;
        }
    hive_cval s;
    if (hive_cval_string(&s, m, strlen(m)) != HIVE_OK) return OOM;
    variant(res, HIVE_C_VARIANT, 9, &s);
    return HIVE_HOST_OK;
}

FN(oreq_set_method) {
    UNUSED;
    oreq *q = oreq_of(call, args);
    if (!q) return trap(call, "unknown outgoing-request");
    const hive_cval *v = &args[1];
    char *m;
    if (v->of.var.index < 9) {
        m = strdup(methods[v->of.var.index]);
    } else {
        const hive_cval *s = v->of.var.payload;
        int ok = s->of.str.len > 0;
        for (size_t i = 0; i < s->of.str.len && ok; i++) ok = tchar((unsigned char)s->of.str.ptr[i]);
        if (!ok) {
            result_err(res, NULL);
            return HIVE_HOST_OK;
        }
        m = strndup(s->of.str.ptr, s->of.str.len);
    }
    if (!m) return OOM;
    free(q->method);
    q->method = m;
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

/* option<string> of s (NULL: none) */
static int opt_string(hive_cval *out, const char *s) {
    if (!s) {
        variant(out, HIVE_C_OPTION, 0, NULL);
        return 0;
    }
    hive_cval v;
    if (hive_cval_string(&v, s, strlen(s)) != HIVE_OK) return -1;
    variant(out, HIVE_C_OPTION, 1, &v);
    return 0;
}

/* Sets *slot from the option<string> v when it passes ok (bad: chars
 * refused); answers result<_, _> in res. */
static hive_host_status set_opt_string(hive_chost_call *call, char **slot, const hive_cval *v,
                                       const char *bad, int need_slash, hive_cval *res) {
    char *n = NULL;
    if (v->of.var.index == 1) {
        const hive_cval *s = v->of.var.payload;
        if (!valid_text(s->of.str.ptr, s->of.str.len, bad) ||
            (need_slash && s->of.str.len && s->of.str.ptr[0] != '/')) {
            result_err(res, NULL);
            return HIVE_HOST_OK;
        }
        if (!(n = strndup(s->of.str.ptr, s->of.str.len))) return OOM;
    }
    free(*slot);
    *slot = n;
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

FN(oreq_path) {
    UNUSED;
    oreq *q = oreq_of(call, args);
    if (!q) return trap(call, "unknown outgoing-request");
    return opt_string(res, q->path) ? OOM : HIVE_HOST_OK;
}

FN(oreq_set_path) {
    UNUSED;
    oreq *q = oreq_of(call, args);
    if (!q) return trap(call, "unknown outgoing-request");
    return set_opt_string(call, &q->path, &args[1], "#", 1, res);
}

FN(oreq_authority) {
    UNUSED;
    oreq *q = oreq_of(call, args);
    if (!q) return trap(call, "unknown outgoing-request");
    return opt_string(res, q->authority) ? OOM : HIVE_HOST_OK;
}

FN(oreq_set_authority) {
    UNUSED;
    oreq *q = oreq_of(call, args);
    if (!q) return trap(call, "unknown outgoing-request");
    return set_opt_string(call, &q->authority, &args[1], "/?#@\\", 0, res);
}

FN(oreq_scheme) {
    UNUSED;
    oreq *q = oreq_of(call, args);
    if (!q) return trap(call, "unknown outgoing-request");
    if (!q->scheme) {
        variant(res, HIVE_C_OPTION, 0, NULL);
        return HIVE_HOST_OK;
    }
    hive_cval sc;
    if (!strcmp(q->scheme, "http")) variant(&sc, HIVE_C_VARIANT, 0, NULL);
    else if (!strcmp(q->scheme, "https")) variant(&sc, HIVE_C_VARIANT, 1, NULL);
    else {
        hive_cval s;
        if (hive_cval_string(&s, q->scheme, strlen(q->scheme)) != HIVE_OK) return OOM;
        variant(&sc, HIVE_C_VARIANT, 2, &s);
    }
    variant(res, HIVE_C_OPTION, 1, &sc);
    return HIVE_HOST_OK;
}

FN(oreq_set_scheme) {
    UNUSED;
    oreq *q = oreq_of(call, args);
    if (!q) return trap(call, "unknown outgoing-request");
    char *n = NULL;
    const hive_cval *v = &args[1];
    if (v->of.var.index == 1) {
        const hive_cval *sc = v->of.var.payload;
        if (sc->of.var.index == 0) n = strdup("http");
        else if (sc->of.var.index == 1) n = strdup("https");
        else {
            const hive_cval *s = sc->of.var.payload;
            if (!s->of.str.len || !valid_text(s->of.str.ptr, s->of.str.len, ":/?#@")) {
                result_err(res, NULL);
                return HIVE_HOST_OK;
            }
            n = strndup(s->of.str.ptr, s->of.str.len);
        }
        if (!n) return OOM;
    }
    free(q->scheme);
    q->scheme = n;
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

FN(ropt_new) {
    UNUSED;
    whttp *h = CTX;
    ropts *t = calloc(1, sizeof *t);
    if (!t) return OOM;
    uint32_t rep;
    wobj *o = obj_new(h, K_REQ_OPTIONS, &rep);
    if (!o) {
        free(t);
        return OOM;
    }
    o->ext = t;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

static hive_host_status ropt_get(hive_chost_call *call, const hive_cval *args, hive_cval *res, int i) {
    wobj *o = obj_get(CTX, REP(0), K_REQ_OPTIONS);
    if (!o) return trap(call, "unknown request-options");
    ropts *t = o->ext;
    if (!t->has[i]) {
        variant(res, HIVE_C_OPTION, 0, NULL);
    } else {
        hive_cval v = hive_cval_uint(HIVE_C_U64, t->t[i]);
        variant(res, HIVE_C_OPTION, 1, &v);
    }
    return HIVE_HOST_OK;
}

static hive_host_status ropt_set(hive_chost_call *call, const hive_cval *args, hive_cval *res, int i) {
    wobj *o = obj_get(CTX, REP(0), K_REQ_OPTIONS);
    if (!o) return trap(call, "unknown request-options");
    ropts *t = o->ext;
    t->has[i] = args[1].of.var.index == 1;
    t->t[i] = t->has[i] ? args[1].of.var.payload->of.u : 0;
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

FN(ropt_get_connect) { (void)nargs, (void)nres; return ropt_get(call, args, res, 0); }
FN(ropt_get_first) { (void)nargs, (void)nres; return ropt_get(call, args, res, 1); }
FN(ropt_get_between) { (void)nargs, (void)nres; return ropt_get(call, args, res, 2); }
FN(ropt_set_connect) { (void)nargs, (void)nres; return ropt_set(call, args, res, 0); }
FN(ropt_set_first) { (void)nargs, (void)nres; return ropt_set(call, args, res, 1); }
FN(ropt_set_between) { (void)nargs, (void)nres; return ropt_set(call, args, res, 2); }

static void handle_err(hive_cval *res, const hc_error *e) {
    hive_cval v;
    if (error_code_val(&v, e) == 0) result_err(res, &v);
    else memset(res, 0, sizeof *res);
}

FN(outgoing_handle) {
    UNUSED;
    whttp *h = CTX;
    uint32_t qrep = REP(0);
    wobj *o = obj_get(h, qrep, K_OUT_REQ);
    if (!o) return trap(call, "unknown outgoing-request");
    oreq *q = o->ext;
    ropts t = {{0, 0, 0}, {0, 0, 0}};
    if (args[1].of.var.index == 1) {
        uint32_t orep = (uint32_t)args[1].of.var.payload->of.res.handle;
        wobj *op = obj_get(h, orep, K_REQ_OPTIONS);
        if (op) t = *(ropts *)op->ext;
        obj_free(h, orep);
    }
    o = obj_get(h, qrep, K_OUT_REQ);
    uint32_t brep = o->link2;
    wobj *hf = obj_get(h, o->link, K_FIELDS);
    size_t nh = hf ? hf->fl.nf : 0;
    hive_header *hd = hv_wfields_headers(hf ? &hf->fl : NULL);
    if (!hd && nh) return OOM;
    wobj *b = obj_get(h, brep, K_OUT_BODY);
    hc_request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = q->method ? q->method : "GET";
    rq.scheme = q->scheme ? q->scheme : "https";
    rq.authority = q->authority;
    rq.path_with_query = q->path;
    rq.headers = hd;
    rq.nheaders = nh;
    rq.has_body = b != NULL && !(b->finished && b->len == 0 && b->declared <= 0);
    rq.content_length = b && b->finished ? (int64_t)b->len : b ? b->declared : -1;
    rq.connect_timeout = t.has[0] ? t.t[0] : 0;
    rq.first_byte_timeout = t.has[1] ? t.t[1] : 0;
    rq.between_bytes_timeout = t.has[2] ? t.t[2] : 0;
    if (b && !rq.has_body) { /* finished empty: a body of length 0 where the method has one */
        int none = 0;
        for (int i = 0; i < 9 && !none; i++)
            none = (i < 2 || i == 4 || i == 5 || i == 6 || i == 7) && !strcmp(rq.method, methods[i]);
        if (!none) rq.has_body = 1;
    }    hc_error e = {0, ""};
    hc_req *r = NULL;
    ccall *c = NULL;
    int rc = -1;
    if (b && b->finished && b->declared >= 0 && b->written != (uint64_t)b->declared) {
        e.code = HC_E_REQ_BODY_SIZE;
        snprintf(e.msg, sizeof e.msg, "the body is shorter than its content-length");
    } else if (!q->authority) {
        e.code = HC_E_URI_INVALID;
        snprintf(e.msg, sizeof e.msg, "the request has no authority");
    } else if (h->nclient >= hv_hc_max_per_instance()) {
        e.code = HC_E_CONN_LIMIT;
        snprintf(e.msg, sizeof e.msg, "too many outgoing requests in flight");
    } else if (!(c = calloc(1, sizeof *c))) {
        free(hd);
        return OOM;
    } else {
        rc = hv_hc_send(&rq, client_notify, h, &r, &e);
    }
    free(hd);
    /* the request (and its headers) is consumed */
    obj_free(h, h->o[qrep - 1].link);
    obj_free(h, qrep);
    if (rc < 0) {
        free(c);
        handle_err(res, &e);
        return HIVE_HOST_OK;
    }
    c->req = r;
    h->nclient++;
    b = obj_get(h, brep, K_OUT_BODY);
    if (b) { /* the bytes written so far, then the stream or the end */
        if (b->len && hv_hc_body_write(r, b->buf, b->len) < 0) hv_hc_body_abort(r);
        free(b->buf);
        b->buf = NULL;
        b->len = b->cap = 0;
        if (b->finished) {
            hv_hc_body_end(r);
        } else {
            b->ext = c;
            c->refs++;
        }
    }
    uint32_t frep;
    if (!cobj_new(h, K_FUT_RESP, c, &frep)) {
        if (!c->refs) {
            ccall_cancel(h, c);
            free(c);
        }
        return OOM;
    }
    result_ok_own(res, frep);
    return HIVE_HOST_OK;
}

/* An outgoing request's body was finished (o->finished is set). */
static hive_host_status client_body_finish(whttp *h, uint32_t rep, uint32_t trep, hive_cval *res) {
    wobj *o = obj_get(h, rep, K_OUT_BODY);
    ccall *c = o->ext;
    wobj *t = trep ? obj_get(h, trep, K_FIELDS) : NULL;
    if (t && t->fl.nf && c && c->req) { /* the trailers go with the body's end */
        hive_header *hd = hv_wfields_headers(&t->fl);
        if (hd) {
            hv_hc_body_trailers(c->req, hd, t->fl.nf);
            free(hd);
        }
    }
    obj_free(h, trep);
    if (o->declared >= 0 && o->written != (uint64_t)o->declared) {
        hc_error e = {HC_E_REQ_BODY_SIZE, ""};
        hive_cval v, n = hive_cval_uint(HIVE_C_U64, o->written), some;
        variant(&some, HIVE_C_OPTION, 1, &n);
        variant(&v, HIVE_C_VARIANT, (uint32_t)e.code, &some);
        result_err(res, &v);
        if (c && c->req) hv_hc_body_abort(c->req);
        if (c) obj_free(h, rep);
        return HIVE_HOST_OK;
    }
    if (c && c->req) hv_hc_body_end(c->req);
    if (c) obj_free(h, rep); /* the guest gave it up; before handle, handle takes it */
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

/* future-incoming-response */

static int fut_ready(whttp *h, uint32_t rep) {
    ccall *c = ccall_of(h, rep, K_FUT_RESP, NULL);
    if (!c || !c->req) return 1;
    drain_fd(h);
    return hv_hc_state(c->req, NULL) != HC_WAITING;
}

/* The readiness callback of a WASI 0.2 pollable: ud is cid << 32 | rep
 * of a future-incoming-response or client future-trailers. */
static int trailers_ready(whttp *h, uint32_t rep);

static int p2_client_ready(void *ud) {
    whttp *h = current;
    uint64_t v = (uint64_t)(uintptr_t)ud;
    uint32_t rep = (uint32_t)v, cid = (uint32_t)(v >> 32);
    if (!h || rep == 0 || rep > h->n || h->o[rep - 1].cid != cid || !h->o[rep - 1].client) return 1;
    return h->o[rep - 1].kind == K_FUT_RESP ? fut_ready(h, rep) : trailers_ready(h, rep);
}

/* A pollable on the client object at rep, waiting for what (P_RESPONSE,
 * P_TRAILERS). */
static hive_host_status client_pollable(hive_chost_call *call, whttp *h, uint32_t rep, int what,
                                        hive_cval *res) {
    uint32_t prep;
    if (h->p2) {
        uint64_t ud = (uint64_t)h->o[rep - 1].cid << 32 | rep;
        hive_wasi_stream st = {NULL, NULL, p2_client_ready, (void *)(uintptr_t)ud};
        if (hive_wasip2_pollable_new(h->p2, &st, h->wait_fd, &prep) != HIVE_OK) return OOM;
    } else {
        wobj *p = obj_new(h, K_POLLABLE, &prep);
        if (!p) return OOM;
        p->pwhat = (uint8_t)what;
        p->link = rep;
        p->cid = h->o[rep - 1].cid;
    }
    res[0] = own(prep);
    return HIVE_HOST_OK;
}

FN(fut_subscribe) {
    UNUSED;
    whttp *h = CTX;
    if (!obj_get(h, REP(0), K_FUT_RESP)) return trap(call, "unknown future-incoming-response");
    return client_pollable(call, h, REP(0), P_RESPONSE, res);
}

FN(fut_get) {
    UNUSED;
    whttp *h = CTX;
    wobj *o;
    ccall *c = ccall_of(h, REP(0), K_FUT_RESP, &o);
    if (!o) return trap(call, "unknown future-incoming-response");
    hive_cval r, inner;
    if (o->taken) {
        result_err(&r, NULL);
        variant(res, HIVE_C_OPTION, 1, &r);
        return HIVE_HOST_OK;
    }
    hc_error e = {HC_E_INTERNAL, "the request was cancelled"};
    int st = c && c->req ? hv_hc_state(c->req, &e) : HC_FAILED;
    if (st == HC_WAITING) {
        variant(res, HIVE_C_OPTION, 0, NULL);
        return HIVE_HOST_OK;
    }
    if (st == HC_FAILED) {
        hive_cval v;
        if (error_code_val(&v, &e)) return OOM;
        result_err(&inner, &v);
    } else {
        uint32_t rrep;
        if (!cobj_new(h, K_IN_RESP, c, &rrep)) return OOM;
        result_ok_own(&inner, rrep);
    }
    h->o[REP(0) - 1].taken = 1;
    result_ok(&r, &inner);
    variant(res, HIVE_C_OPTION, 1, &r);
    return HIVE_HOST_OK;
}

/* incoming-response */

FN(iresp_status) {
    UNUSED;
    wobj *o;
    ccall *c = ccall_of(CTX, REP(0), K_IN_RESP, &o);
    if (!o) return trap(call, "unknown incoming-response");
    res[0] = hive_cval_uint(HIVE_C_U16, c && c->req ? (uint64_t)hv_hc_status(c->req) : 0);
    return HIVE_HOST_OK;
}

FN(iresp_headers) {
    UNUSED;
    whttp *h = CTX;
    wobj *o;
    ccall *c = ccall_of(h, REP(0), K_IN_RESP, &o);
    if (!o) return trap(call, "unknown incoming-response");
    size_t n = 0;
    const hive_header *hd = c && c->req ? hv_hc_headers(c->req, &n) : NULL;
    uint32_t rep;
    wobj *f = obj_new(h, K_FIELDS, &rep);
    if (!f) return OOM;
    if (hv_wfields_add_headers(&f->fl, hd, n, &limits)) {
        obj_free(h, rep);
        return OOM;
    }
    f->immutable = 1;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

FN(iresp_consume) {
    UNUSED;
    whttp *h = CTX;
    wobj *o;
    ccall *c = ccall_of(h, REP(0), K_IN_RESP, &o);
    if (!o) return trap(call, "unknown incoming-response");
    if (o->taken || !c) {
        result_err(res, NULL);
        return HIVE_HOST_OK;
    }
    o->taken = 1;
    uint32_t rep;
    if (!cobj_new(h, K_IN_BODY, c, &rep)) return OOM;
    result_ok_own(res, rep);
    return HIVE_HOST_OK;
}

/* A response body's bytes through a WASI 0.2 stream: ud is cid << 32 |
 * rep of the incoming-body. */
static ccall *p2_cbody(void *ud) {
    whttp *h = current;
    uint64_t v = (uint64_t)(uintptr_t)ud;
    uint32_t rep = (uint32_t)v, cid = (uint32_t)(v >> 32);
    wobj *o = h ? obj_get(h, rep, K_IN_BODY) : NULL;
    return o && o->client && o->cid == cid ? o->ext : NULL;
}

static int64_t p2_cbody_read(void *ud, uint8_t *buf, size_t len) {
    ccall *c = p2_cbody(ud);
    if (!c || !c->req) return 0;
    drain_fd(current); /* before looking: a signal after it is for what comes next */
    hc_error e;
    int64_t n = hv_hc_body_read(c->req, buf, len, &e);
    if (n == -1) return -HIVE_WASI_EAGAIN;
    if (n == -2) {
        current->last_err = e;
        current->have_last_err = 1;
        return -HIVE_WASI_EIO;
    }
    return n;
}

static int p2_cbody_readable(void *ud) {
    ccall *c = p2_cbody(ud);
    if (!c || !c->req) return 1;
    drain_fd(current);
    return hv_hc_body_readable(c->req);
}

/* incoming-body.stream of a response */
static hive_host_status client_body_stream(hive_chost_call *call, whttp *h, uint32_t brep,
                                           hive_cval *res) {
    wobj *o = obj_get(h, brep, K_IN_BODY);
    if (o->taken) {
        result_err(res, NULL);
        return HIVE_HOST_OK;
    }
    o->taken = 1;
    uint32_t rep;
    if (h->p2) {
        uint64_t ud = (uint64_t)o->cid << 32 | brep;
        hive_wasi_stream st = {p2_cbody_read, NULL, p2_cbody_readable, (void *)(uintptr_t)ud};
        if (hive_wasip2_stream_new(h->p2, 0, &st, &rep) != HIVE_OK) return OOM;
        if (h->wait_fd >= 0) hive_wasip2_stream_wait_fd(h->p2, rep, h->wait_fd);
    } else if (!cobj_new(h, K_IN_STREAM, o->ext, &rep)) {
        return OOM;
    }
    result_ok_own(res, rep);
    return HIVE_HOST_OK;
}

/* Trailers of a response: ready once its body ended (what the guest did
 * not read is read and dropped here). */
static int trailers_ready(whttp *h, uint32_t rep) {
    ccall *c = ccall_of(h, rep, K_FUTURE_TRAILERS, NULL);
    if (!c || !c->req) return 1;
    drain_fd(h);
    uint8_t scratch[16384];
    int64_t n;
    while ((n = hv_hc_body_read(c->req, scratch, sizeof scratch, NULL)) > 0) {}
    return n != -1;
}

static hive_host_status client_trailers_get(whttp *h, uint32_t rep, hive_cval *res) {
    wobj *o = obj_get(h, rep, K_FUTURE_TRAILERS);
    ccall *c = o->ext;
    hive_cval r, inner;
    if (o->taken) {
        result_err(&r, NULL);
        variant(res, HIVE_C_OPTION, 1, &r);
        return HIVE_HOST_OK;
    }
    if (!trailers_ready(h, rep)) {
        variant(res, HIVE_C_OPTION, 0, NULL);
        return HIVE_HOST_OK;
    }
    hc_error e = {HC_E_INTERNAL, "the request was cancelled"};
    int64_t n = c->req ? hv_hc_body_read(c->req, NULL, 0, &e) : -2;
    if (n == -2) {
        hive_cval v;
        if (error_code_val(&v, &e)) return HIVE_HOST_TRAP;
        result_err(&inner, &v);
    } else {
        size_t nt = 0;
        const hive_header *t = hv_hc_trailers(c->req, &nt);
        hive_cval opt;
        if (!nt) {
            variant(&opt, HIVE_C_OPTION, 0, NULL);
        } else {
            uint32_t frep;
            wobj *f = obj_new(h, K_FIELDS, &frep);
            if (!f) return HIVE_HOST_TRAP;
            if (hv_wfields_add_headers(&f->fl, t, nt, &limits)) {
                obj_free(h, frep);
                return HIVE_HOST_TRAP;
            }
            f->immutable = 1;
            hive_cval fv = own(frep);
            variant(&opt, HIVE_C_OPTION, 1, &fv);
        }
        result_ok(&inner, &opt);
    }
    h->o[rep - 1].taken = 1;
    result_ok(&r, &inner);
    variant(res, HIVE_C_OPTION, 1, &r);
    return HIVE_HOST_OK;
}

FN(http_error_code) {
    UNUSED;
    whttp *h = CTX;
    wobj *o = h->p2 ? NULL : obj_get(h, REP(0), K_ERROR);
    hc_error e;
    int have = 0;
    if (o && o->status) { /* an error of this host's streams: its code + 1 */
        e.code = o->status - 1;
        snprintf(e.msg, sizeof e.msg, "%s", o->buf ? (const char *)o->buf : "");
        have = 1;
    } else if (h->p2 && h->have_last_err) { /* WASI 0.2 streams' errors carry no code: the last */
        e = h->last_err;
        have = 1;
    }
    if (!have) {
        variant(res, HIVE_C_OPTION, 0, NULL);
        return HIVE_HOST_OK;
    }
    hive_cval v;
    if (error_code_val(&v, &e)) return OOM;
    variant(res, HIVE_C_OPTION, 1, &v);
    return HIVE_HOST_OK;
}

/* ---- wasi:io/streams --------------------------------------------------------- */

/* One read of a response body (client stream s) into res: 1 done, 0
 * nothing yet, -1 out of memory. */
static int client_read(whttp *h, wobj *s, uint64_t len, int skip, hive_cval *res) {
    ccall *c = s->ext;
    uint8_t buf[MAX_READ];
    size_t cap = len < MAX_READ ? (size_t)len : MAX_READ;
    hc_error e = {HC_E_INTERNAL, "the request was cancelled"};
    int64_t n = !c->req ? -2 : cap ? hv_hc_body_read(c->req, buf, cap, &e) : hv_hc_body_readable(c->req) ? 0 : -1;
    if (n == -1) return 0;
    if (n == -2) {
        h->last_err = e;
        h->have_last_err = 1;
        uint32_t erep = error_new(h, e.msg);
        if (!erep) return -1;
        h->o[erep - 1].status = (uint16_t)(e.code + 1);
        hive_cval p = own(erep), v;
        variant(&v, HIVE_C_VARIANT, 0, &p);
        result_err(res, &v);
        return 1;
    }
    if (n == 0 && cap) {
        stream_closed(res);
        return 1;
    }
    hive_cval v;
    if (skip) v = hive_cval_uint(HIVE_C_U64, (uint64_t)n);
    else if (bytes_val(&v, buf, (size_t)n)) return -1;
    result_ok(res, &v);
    return 1;
}

/* One read of the request body into res: 1 done, 0 nothing yet. */
static int do_read(whttp *h, uint32_t rep, uint64_t len, int skip, hive_cval *res) {
    wobj *s = obj_get(h, rep, K_IN_STREAM);
    if (s && s->client) return client_read(h, s, len, skip, res);
    if (!s || s->gen != h->gen || !h->req || h->in_done) {
        stream_closed(res);
        return 1;
    }
    uint8_t buf[MAX_READ];
    size_t cap = len < MAX_READ ? (size_t)len : MAX_READ;
    if (cap == 0) {
        hive_cval v;
        if (skip) v = hive_cval_uint(HIVE_C_U64, 0);
        else if (bytes_val(&v, NULL, 0)) return -1;
        result_ok(res, &v);
        return 1;
    }
    int64_t n = hv_handler_req_read_body(h->req, buf, cap);
    if (n < 0) return 0;
    if (n == 0) {
        h->in_done = 1;
        stream_closed(res);
        return 1;
    }
    hive_cval v;
    if (skip) v = hive_cval_uint(HIVE_C_U64, (uint64_t)n);
    else if (bytes_val(&v, buf, (size_t)n)) return -1;
    result_ok(res, &v);
    return 1;
}

static hive_host_status read_common(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                    int skip, int blocking) {
    whttp *h = CTX;
    if (!obj_get(h, REP(0), K_IN_STREAM)) return trap(call, "unknown input-stream");
    int r = do_read(h, REP(0), args[1].of.u, skip, res);
    if (r < 0) return OOM;
    if (r == 1) return HIVE_HOST_OK;
    if (!blocking) {
        hive_cval v;
        if (skip) v = hive_cval_uint(HIVE_C_U64, 0);
        else if (bytes_val(&v, NULL, 0)) return OOM;
        result_ok(res, &v);
        return HIVE_HOST_OK;
    }
    h->pend = skip ? PEND_SKIP : PEND_READ;
    h->pend_rep = REP(0);
    h->pend_n = args[1].of.u;
    return HIVE_HOST_PENDING;
}

FN(in_read) { (void)nargs, (void)nres; return read_common(call, args, res, 0, 0); }
FN(in_blocking_read) { (void)nargs, (void)nres; return read_common(call, args, res, 0, 1); }
FN(in_skip) { (void)nargs, (void)nres; return read_common(call, args, res, 1, 0); }
FN(in_blocking_skip) { (void)nargs, (void)nres; return read_common(call, args, res, 1, 1); }

/* A new pollable on the stream args[0] (of kind) into res. */
static hive_host_status subscribe(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                  int kind, int what) {
    whttp *h = CTX;
    if (!obj_get(h, REP(0), kind)) return trap(call, "unknown stream");
    uint32_t rep;
    wobj *p = obj_new(h, K_POLLABLE, &rep);
    if (!p) return OOM;
    p->pwhat = (uint8_t)what;
    p->link = REP(0);
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

FN(in_subscribe) { (void)nargs, (void)nres; return subscribe(call, args, res, K_IN_STREAM, P_READABLE); }
FN(out_subscribe) { (void)nargs, (void)nres; return subscribe(call, args, res, K_OUT_STREAM, P_WRITABLE); }

/* The output stream at rep, with its body: NULL when closed (answered in res). */
static wobj *out_stream(whttp *h, uint32_t rep, hive_cval *res) {
    wobj *s = obj_get(h, rep, K_OUT_STREAM);
    wobj *b = s ? obj_get(h, s->link, K_OUT_BODY) : NULL;
    if (b && b->client && !b->finished &&
        (!b->ext || (((ccall *)b->ext)->req && hv_hc_body_room(((ccall *)b->ext)->req) != (size_t)-1)))
        return s;
    if (!s || !b || b->finished || b->client || s->gen != h->gen || !h->req ||
        (s->link == h->body && h->done)) {
        stream_closed(res);
        return NULL;
    }
    return s;
}

FN(out_check_write) {
    UNUSED;
    whttp *h = CTX;
    if (!obj_get(h, REP(0), K_OUT_STREAM)) return trap(call, "unknown output-stream");
    wobj *s = out_stream(h, REP(0), res);
    if (!s) return HIVE_HOST_OK;
    hive_cval v = hive_cval_uint(HIVE_C_U64, body_ready(h, s->link) ? WRITE_PERMIT : 0);
    result_ok(res, &v);
    return HIVE_HOST_OK;
}

/* Writes data (or n zeroes when data is NULL) into the stream's body. */
static hive_host_status write_common(hive_chost_call *call, whttp *h, uint32_t rep,
                                     const uint8_t *data, size_t len, hive_cval *res) {
    if (!obj_get(h, rep, K_OUT_STREAM)) return trap(call, "unknown output-stream");
    wobj *s = out_stream(h, rep, res);
    if (!s) return HIVE_HOST_OK;
    if (body_write(h, s->link, data, len) < 0) {
        if (stream_failed(h, res, "the response body cannot take these bytes")) return OOM;
        return HIVE_HOST_OK;
    }
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

FN(out_write) {
    UNUSED;
    size_t n;
    uint8_t *b = bytes_of(&args[1], &n);
    if (!b) return OOM;
    hive_host_status st = write_common(call, CTX, REP(0), b, n, res);
    free(b);
    return st;
}

FN(out_write_zeroes) {
    UNUSED;
    uint64_t n = args[1].of.u;
    if (n > MAX_EARLY) return trap(call, "write-zeroes beyond the permitted length");
    uint8_t *b = calloc(1, n ? (size_t)n : 1);
    if (!b) return OOM;
    hive_host_status st = write_common(call, CTX, REP(0), b, (size_t)n, res);
    free(b);
    return st;
}

/* blocking-write-and-flush and its zeroes twin: wait for room, write. */
static hive_host_status blocking_write(hive_chost_call *call, uint32_t rep, uint8_t *b, size_t n,
                                       hive_cval *res) {
    whttp *h = CTX;
    if (!obj_get(h, rep, K_OUT_STREAM)) {
        free(b);
        return trap(call, "unknown output-stream");
    }
    if (n > 4096) {
        free(b);
        return trap(call, "blocking-write-and-flush of more than 4096 bytes");
    }
    wobj *s = obj_get(h, rep, K_OUT_STREAM);
    if (!body_ready(h, s->link)) {
        free(h->pend_buf);
        h->pend = PEND_WRITE;
        h->pend_rep = rep;
        h->pend_buf = b;
        h->pend_len = n;
        return HIVE_HOST_PENDING;
    }
    hive_host_status st = write_common(call, h, rep, b, n, res);
    free(b);
    return st;
}

FN(out_blocking_write) {
    UNUSED;
    size_t n;
    uint8_t *b = bytes_of(&args[1], &n);
    if (!b) return OOM;
    return blocking_write(call, REP(0), b, n, res);
}

FN(out_blocking_zeroes) {
    UNUSED;
    uint64_t n = args[1].of.u;
    if (n > 4096) return trap(call, "blocking-write-zeroes-and-flush of more than 4096 bytes");
    uint8_t *b = calloc(1, n ? (size_t)n : 1);
    if (!b) return OOM;
    return blocking_write(call, REP(0), b, (size_t)n, res);
}

FN(out_flush) {
    UNUSED;
    whttp *h = CTX;
    if (!obj_get(h, REP(0), K_OUT_STREAM)) return trap(call, "unknown output-stream");
    if (out_stream(h, REP(0), res)) result_ok(res, NULL);
    return HIVE_HOST_OK;
}

FN(out_blocking_flush) {
    UNUSED;
    whttp *h = CTX;
    if (!obj_get(h, REP(0), K_OUT_STREAM)) return trap(call, "unknown output-stream");
    wobj *s = out_stream(h, REP(0), res);
    if (!s) return HIVE_HOST_OK;
    if (!body_ready(h, s->link)) {
        h->pend = PEND_FLUSH;
        h->pend_rep = REP(0);
        return HIVE_HOST_PENDING;
    }
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

/* ---- wasi:io/poll ------------------------------------------------------------ */

static int pollable_ready_rep(whttp *h, uint32_t rep) {
    wobj *p = obj_get(h, rep, K_POLLABLE);
    if (!p) return 1;
    switch (p->pwhat) {
    case P_READABLE: {
        wobj *s = obj_get(h, p->link, K_IN_STREAM);
        if (s && s->client) {
            ccall *c = s->ext;
            drain_fd(h);
            return !c->req || hv_hc_body_readable(c->req);
        }
        if (!s || s->gen != h->gen || !h->req || h->in_done) return 1;
        return hv_handler_req_body_ready(h->req);
    }
    case P_WRITABLE: {
        wobj *s = obj_get(h, p->link, K_OUT_STREAM);
        wobj *b = s ? obj_get(h, s->link, K_OUT_BODY) : NULL;
        if (b && b->client) return body_ready(h, s->link);
        if (!s || s->gen != h->gen || !h->req) return 1;
        return body_ready(h, s->link);
    }
    case P_RESPONSE:
    case P_TRAILERS: {
        if (p->link == 0 || p->link > h->n || h->o[p->link - 1].cid != p->cid) return 1;
        return p->pwhat == P_RESPONSE ? fut_ready(h, p->link) : trailers_ready(h, p->link);
    }
    default: return 1;
    }
}

FN(pollable_ready) {
    UNUSED;
    whttp *h = CTX;
    if (!obj_get(h, REP(0), K_POLLABLE)) return trap(call, "unknown pollable");
    res[0] = hive_cval_bool(pollable_ready_rep(h, REP(0)));
    return HIVE_HOST_OK;
}

FN(pollable_block) {
    UNUSED;
    whttp *h = CTX;
    if (!obj_get(h, REP(0), K_POLLABLE)) return trap(call, "unknown pollable");
    if (pollable_ready_rep(h, REP(0))) return HIVE_HOST_OK;
    h->pend = PEND_BLOCK;
    h->pend_rep = REP(0);
    return HIVE_HOST_PENDING;
}

/* The ready indexes of the pending list into res: 1, or 0 when none. */
static int poll_list(whttp *h, hive_cval *res) {
    size_t n = 0;
    for (size_t i = 0; i < h->pend_nlist; i++)
        if (pollable_ready_rep(h, h->pend_list[i])) n++;
    if (!n) return 0;
    if (hive_cval_agg(res, HIVE_C_LIST, n) != HIVE_OK) return -1;
    n = 0;
    for (size_t i = 0; i < h->pend_nlist; i++)
        if (pollable_ready_rep(h, h->pend_list[i]))
            res->of.agg.items[n++] = hive_cval_uint(HIVE_C_U32, i);
    return 1;
}

FN(poll_poll) {
    UNUSED;
    whttp *h = CTX;
    size_t n = args[0].of.agg.n;
    if (n == 0) return trap(call, "poll of an empty list");
    uint32_t *l = malloc(n * sizeof *l);
    if (!l) return OOM;
    for (size_t i = 0; i < n; i++) {
        l[i] = (uint32_t)args[0].of.agg.items[i].of.res.handle;
        if (!obj_get(h, l[i], K_POLLABLE)) {
            free(l);
            return trap(call, "unknown pollable");
        }
    }
    free(h->pend_list);
    h->pend_list = l;
    h->pend_nlist = n;
    int r = poll_list(h, res);
    if (r < 0) return OOM;
    if (r) return HIVE_HOST_OK;
    h->pend = PEND_POLL;
    return HIVE_HOST_PENDING;
}

/* ---- pending calls -------------------------------------------------------------- */

int hv_whttp_retry(whttp *h, hive_cinstance *inst, char *msg, size_t msglen) {
    hive_cval res;
    memset(&res, 0, sizeof res);
    size_t nres = 1;
    int r;
    switch (h->pend) {
    case PEND_READ:
    case PEND_SKIP:
        r = do_read(h, h->pend_rep, h->pend_n, h->pend == PEND_SKIP, &res);
        break;
    case PEND_WRITE: {
        wobj *s = obj_get(h, h->pend_rep, K_OUT_STREAM);
        if (s && !body_ready(h, s->link)) return 0;
        if (!s) {
            snprintf(msg, msglen, "output-stream dropped while written");
            return -1;
        }
        wobj *ok = out_stream(h, h->pend_rep, &res);
        r = 1;
        if (ok) {
            if (body_write(h, s->link, h->pend_buf, h->pend_len) < 0)
                r = stream_failed(h, &res, "the response body cannot take these bytes") ? -1 : 1;
            else
                result_ok(&res, NULL);
        }
        free(h->pend_buf);
        h->pend_buf = NULL;
        break;
    }
    case PEND_FLUSH: {
        wobj *s = obj_get(h, h->pend_rep, K_OUT_STREAM);
        if (s && !body_ready(h, s->link)) return 0;
        if (!s) {
            snprintf(msg, msglen, "output-stream dropped while flushed");
            return -1;
        }
        if (out_stream(h, h->pend_rep, &res)) result_ok(&res, NULL);
        r = 1;
        break;
    }
    case PEND_BLOCK:
        r = pollable_ready_rep(h, h->pend_rep);
        nres = 0;
        break;
    case PEND_POLL:
        r = poll_list(h, &res);
        break;
    default:
        snprintf(msg, msglen, "nothing pending");
        return -1;
    }
    if (r < 0) {
        snprintf(msg, msglen, "out of memory");
        hive_cval_clear(&res);
        return -1;
    }
    if (r == 0) return 0;
    h->pend = PEND_NONE;
    if (hive_cinstance_complete(inst, &res, nres) != HIVE_OK) {
        hive_cval_clear(&res);
        snprintf(msg, msglen, "a pending host call could not complete");
        return -1;
    }
    return 1;
}

/* ---- requests ------------------------------------------------------------------- */

int hv_whttp_begin(whttp *h, hive_req *req, uint32_t *request, uint32_t *outparam) {
    h->gen++;
    if (h->gen == 0) h->gen = 1;
    h->req = req;
    h->set = h->head_sent = h->done = h->in_done = 0;
    h->body = 0;
    h->pend = PEND_NONE;
    if (!obj_new(h, K_IN_REQ, request)) return -1;
    if (!obj_new(h, K_OUTPARAM, outparam)) {
        obj_free(h, *request);
        return -1;
    }
    return 0;
}

/* Frees the objects the host owns for the request (finished bodies). */
static void forget(whttp *h) {
    for (uint32_t i = 0; i < h->n; i++) {
        if (h->o[i].kind == K_OUT_BODY && h->o[i].finished) obj_free(h, i + 1);
        else if (h->o[i].client && h->o[i].ext) /* outgoing requests end with the request */
            ccall_cancel(h, h->o[i].ext);
    }
    h->req = NULL;
    h->pend = PEND_NONE;
    free(h->pend_buf);
    h->pend_buf = NULL;
}

void hv_whttp_end(whttp *h) {
    if (!h->req) return;
    if (!h->set)
        hv_handler_req_fail(h->req, HIVE_HANDLE_NO_RESPONSE,
                         "the handler returned without setting the response-outparam");
    else if (!h->done)
        hv_handler_req_fail(h->req, HIVE_HANDLE_BAD_RESPONSE,
                         "the handler returned before finishing the outgoing-body");
    forget(h);
}

void hv_whttp_abandon(whttp *h) { forget(h); }

void hv_whttp_release_outgoing(whttp *h) {
    for (uint32_t i = 0; h && i < h->n; i++)
        if (h->o[i].client && h->o[i].ext) ccall_cancel(h, h->o[i].ext);
}

/* ---- resources' destructor ------------------------------------------------------- */

static void obj_dtor(hive_cinstance *instance, void *user, uint32_t rep) {
    (void)user;
    whttp *h = instance ? hive_cinstance_data(instance) : current;
    if (!h || rep == 0 || rep > h->n) return;
    wobj *o = &h->o[rep - 1];
    if (o->kind == K_OUT_BODY && !o->finished && rep == h->body && h->head_sent && !h->done &&
        h->req) {
        /* dropped without finish: the response is cut */
        hv_handler_req_fail(h->req, HIVE_HANDLE_BAD_RESPONSE,
                         "the outgoing-body was dropped without finish");
        h->done = 1;
    }
    if (o->kind == K_OUT_BODY && o->client && !o->finished && o->ext && ((ccall *)o->ext)->req)
        hv_hc_body_abort(((ccall *)o->ext)->req); /* dropped without finish: the request fails */
    if (o->kind == K_OUT_RESP || o->kind == K_OUT_REQ) obj_free(h, o->link);
    obj_free(h, rep);
}

/* ---- definitions ------------------------------------------------------------------ */

typedef struct fndef {
    const char *name, *type;
    hive_chost_fn fn;
} fndef;

static int define_funcs(hive_linker *l, const char *iface, const fndef *f, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int rc = hive_linker_define_func(l, iface, f[i].name, f[i].type, f[i].fn, NULL);
        if (rc != HIVE_OK) return rc;
    }
    return HIVE_OK;
}

static int define_res(hive_linker *l, const char *iface, const char *name) {
    hive_host_resource r = {NULL, NULL, name, obj_dtor};
    return hive_linker_define_resource(l, iface, name, &r);
}

#define COUNT(a) (sizeof(a) / sizeof *(a))

#define SE "variant { last-operation-failed(own<" IO_ERROR "#error>), closed }"
#define POLLABLE IO_POLL "#pollable"
#define IN_STREAM IO_STREAMS "#input-stream"
#define OUT_STREAM IO_STREAMS "#output-stream"
#define HE "variant { invalid-syntax, forbidden, immutable }"
/* the WIT type text 0.2 and 0.3 share (wasihttp.h) */
#define FSP WHTTP_WIT_FIELD_SIZE
#define EC WHTTP_WIT_ERROR_CODE
#define METHOD WHTTP_WIT_METHOD
#define SCHEME WHTTP_WIT_SCHEME
#define FLIST WHTTP_WIT_FIELD_LIST

int hv_whttp_define(hive_linker *l, int with_io) {
    int rc;
    /* Each resource is defined in its own interface; the others name it
     * IFACE#NAME, and the linker keeps one binding for every name a
     * component gives it (`use wasi:io/streams.{input-stream}`, `type
     * headers = fields`). */
    static const char *const types_res[] = {
        "fields", "incoming-request", "response-outparam", "incoming-body", "future-trailers",
        "outgoing-response", "outgoing-body"};
    if (with_io &&
        ((rc = define_res(l, IO_ERROR, "error")) || (rc = define_res(l, IO_POLL, "pollable")) ||
         (rc = define_res(l, IO_STREAMS, "input-stream")) ||
         (rc = define_res(l, IO_STREAMS, "output-stream"))))
        return rc;
    if ((rc = define_res(l, TYPES, "outgoing-request")) ||
        (rc = define_res(l, TYPES, "request-options")) ||
        (rc = define_res(l, TYPES, "incoming-response")) ||
        (rc = define_res(l, TYPES, "future-incoming-response")))
        return rc;
    for (size_t i = 0; i < COUNT(types_res); i++)
        if ((rc = define_res(l, TYPES, types_res[i]))) return rc;

    static const fndef err[] = {
        {"[method]error.to-debug-string", "func(self: borrow<error>) -> string",
         error_to_debug_string},
    };
    static const fndef poll[] = {
        {"[method]pollable.ready", "func(self: borrow<pollable>) -> bool", pollable_ready},
        {"[method]pollable.block", "func(self: borrow<pollable>)", pollable_block},
        {"poll", "func(in: list<borrow<pollable>>) -> list<u32>", poll_poll},
    };
#define IN "self: borrow<input-stream>"
#define OUT "self: borrow<output-stream>"
    static const fndef streams[] = {
        {"[method]input-stream.read", "func(" IN ", len: u64) -> result<list<u8>, " SE ">", in_read},
        {"[method]input-stream.blocking-read", "func(" IN ", len: u64) -> result<list<u8>, " SE ">",
         in_blocking_read},
        {"[method]input-stream.skip", "func(" IN ", len: u64) -> result<u64, " SE ">", in_skip},
        {"[method]input-stream.blocking-skip", "func(" IN ", len: u64) -> result<u64, " SE ">",
         in_blocking_skip},
        {"[method]input-stream.subscribe", "func(" IN ") -> own<" POLLABLE ">", in_subscribe},
        {"[method]output-stream.check-write", "func(" OUT ") -> result<u64, " SE ">",
         out_check_write},
        {"[method]output-stream.write", "func(" OUT ", contents: list<u8>) -> result<_, " SE ">",
         out_write},
        {"[method]output-stream.blocking-write-and-flush",
         "func(" OUT ", contents: list<u8>) -> result<_, " SE ">", out_blocking_write},
        {"[method]output-stream.flush", "func(" OUT ") -> result<_, " SE ">", out_flush},
        {"[method]output-stream.blocking-flush", "func(" OUT ") -> result<_, " SE ">",
         out_blocking_flush},
        {"[method]output-stream.subscribe", "func(" OUT ") -> own<" POLLABLE ">", out_subscribe},
        {"[method]output-stream.write-zeroes", "func(" OUT ", len: u64) -> result<_, " SE ">",
         out_write_zeroes},
        {"[method]output-stream.blocking-write-zeroes-and-flush",
         "func(" OUT ", len: u64) -> result<_, " SE ">", out_blocking_zeroes},
    };
#undef IN
#undef OUT
#define F "self: borrow<fields>"
    static const fndef types[] = {
        {"[constructor]fields", "func() -> own<fields>", fields_new},
        {"[static]fields.from-list", "func(entries: " FLIST ") -> result<own<fields>, " HE ">",
         fields_from_list},
        {"[method]fields.get", "func(" F ", name: string) -> list<list<u8>>", fields_get},
        {"[method]fields.has", "func(" F ", name: string) -> bool", fields_has},
        {"[method]fields.set", "func(" F ", name: string, value: list<list<u8>>) -> result<_, " HE ">",
         fields_set},
        {"[method]fields.delete", "func(" F ", name: string) -> result<_, " HE ">", fields_delete},
        {"[method]fields.append", "func(" F ", name: string, value: list<u8>) -> result<_, " HE ">",
         fields_append},
        {"[method]fields.entries", "func(" F ") -> " FLIST, fields_entries},
        {"[method]fields.clone", "func(" F ") -> own<fields>", fields_clone},
        {"[method]incoming-request.method", "func(self: borrow<incoming-request>) -> " METHOD,
         req_method},
        {"[method]incoming-request.path-with-query",
         "func(self: borrow<incoming-request>) -> option<string>", req_path},
        {"[method]incoming-request.scheme",
         "func(self: borrow<incoming-request>) -> option<" SCHEME ">", req_scheme},
        {"[method]incoming-request.authority",
         "func(self: borrow<incoming-request>) -> option<string>", req_authority},
        {"[method]incoming-request.headers", "func(self: borrow<incoming-request>) -> own<fields>",
         req_headers},
        {"[method]incoming-request.consume",
         "func(self: borrow<incoming-request>) -> result<own<incoming-body>>", req_consume},
        {"[method]incoming-body.stream",
         "func(self: borrow<incoming-body>) -> result<own<" IN_STREAM ">>", inbody_stream},
        {"[static]incoming-body.finish",
         "func(this: own<incoming-body>) -> own<future-trailers>", inbody_finish},
        {"[method]future-trailers.subscribe",
         "func(self: borrow<future-trailers>) -> own<" POLLABLE ">", trailers_subscribe},
        {"[method]future-trailers.get",
         "func(self: borrow<future-trailers>) -> option<result<result<option<own<fields>>, " EC
         ">>>",
         trailers_get},
        {"[constructor]outgoing-response", "func(headers: own<fields>) -> own<outgoing-response>",
         resp_new},
        {"[method]outgoing-response.status-code", "func(self: borrow<outgoing-response>) -> u16",
         resp_status},
        {"[method]outgoing-response.set-status-code",
         "func(self: borrow<outgoing-response>, status-code: u16) -> result", resp_set_status},
        {"[method]outgoing-response.headers",
         "func(self: borrow<outgoing-response>) -> own<fields>", resp_headers},
        {"[method]outgoing-response.body",
         "func(self: borrow<outgoing-response>) -> result<own<outgoing-body>>", resp_body},
        {"[method]outgoing-body.write",
         "func(self: borrow<outgoing-body>) -> result<own<" OUT_STREAM ">>", outbody_write},
        {"[static]outgoing-body.finish",
         "func(this: own<outgoing-body>, trailers: option<own<fields>>) -> result<_, " EC ">",
         outbody_finish},
        {"[static]response-outparam.set",
         "func(param: own<response-outparam>, response: result<own<outgoing-response>, " EC ">)",
         outparam_set},
        {"[method]response-outparam.send-informational",
         "func(self: borrow<response-outparam>, status: u16, headers: own<fields>) -> result<_, " EC
         ">",
         outparam_informational},
    };
#undef F
#define OREQ "self: borrow<outgoing-request>"
#define ROPT "self: borrow<request-options>"
    static const fndef client[] = {
        {"[constructor]outgoing-request", "func(headers: own<fields>) -> own<outgoing-request>",
         oreq_new},
        {"[method]outgoing-request.body", "func(" OREQ ") -> result<own<outgoing-body>>", oreq_body},
        {"[method]outgoing-request.method", "func(" OREQ ") -> " METHOD, oreq_method},
        {"[method]outgoing-request.set-method", "func(" OREQ ", method: " METHOD ") -> result",
         oreq_set_method},
        {"[method]outgoing-request.path-with-query", "func(" OREQ ") -> option<string>", oreq_path},
        {"[method]outgoing-request.set-path-with-query",
         "func(" OREQ ", path-with-query: option<string>) -> result", oreq_set_path},
        {"[method]outgoing-request.scheme", "func(" OREQ ") -> option<" SCHEME ">", oreq_scheme},
        {"[method]outgoing-request.set-scheme", "func(" OREQ ", scheme: option<" SCHEME ">) -> result",
         oreq_set_scheme},
        {"[method]outgoing-request.authority", "func(" OREQ ") -> option<string>", oreq_authority},
        {"[method]outgoing-request.set-authority",
         "func(" OREQ ", authority: option<string>) -> result", oreq_set_authority},
        {"[method]outgoing-request.headers", "func(" OREQ ") -> own<fields>", oreq_headers},
        {"[constructor]request-options", "func() -> own<request-options>", ropt_new},
        {"[method]request-options.connect-timeout", "func(" ROPT ") -> option<u64>", ropt_get_connect},
        {"[method]request-options.set-connect-timeout",
         "func(" ROPT ", duration: option<u64>) -> result", ropt_set_connect},
        {"[method]request-options.first-byte-timeout", "func(" ROPT ") -> option<u64>", ropt_get_first},
        {"[method]request-options.set-first-byte-timeout",
         "func(" ROPT ", duration: option<u64>) -> result", ropt_set_first},
        {"[method]request-options.between-bytes-timeout", "func(" ROPT ") -> option<u64>",
         ropt_get_between},
        {"[method]request-options.set-between-bytes-timeout",
         "func(" ROPT ", duration: option<u64>) -> result", ropt_set_between},
        {"[method]incoming-response.status", "func(self: borrow<incoming-response>) -> u16",
         iresp_status},
        {"[method]incoming-response.headers",
         "func(self: borrow<incoming-response>) -> own<fields>", iresp_headers},
        {"[method]incoming-response.consume",
         "func(self: borrow<incoming-response>) -> result<own<incoming-body>>", iresp_consume},
        {"[method]future-incoming-response.subscribe",
         "func(self: borrow<future-incoming-response>) -> own<" POLLABLE ">", fut_subscribe},
        {"[method]future-incoming-response.get",
         "func(self: borrow<future-incoming-response>) -> "
         "option<result<result<own<incoming-response>, " EC ">>>",
         fut_get},
        {"http-error-code", "func(err: borrow<" IO_ERROR "#error>) -> option<" EC ">",
         http_error_code},
    };
#undef OREQ
#undef ROPT
    if (with_io && ((rc = define_funcs(l, IO_ERROR, err, COUNT(err))) ||
                    (rc = define_funcs(l, IO_POLL, poll, COUNT(poll))) ||
                    (rc = define_funcs(l, IO_STREAMS, streams, COUNT(streams)))))
        return rc;
    if ((rc = define_funcs(l, TYPES, types, COUNT(types))) ||
        (rc = define_funcs(l, TYPES, client, COUNT(client))))
        return rc;
    /* outgoing-handler names the resources of wasi:http/types */
    if ((rc = hive_linker_define_func(l, "wasi:http/outgoing-handler" V, "handle",
                                      "func(request: own<" TYPES "#outgoing-request>, options: "
                                      "option<own<" TYPES "#request-options>>) -> "
                                      "result<own<" TYPES "#future-incoming-response>, " EC ">",
                                      outgoing_handle, NULL)))
        return rc;
    return HIVE_OK;
}
