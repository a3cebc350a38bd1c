/*
 * p3types.c -- wasi:http/types@0.3.0 and wasi:http/client@0.3.0 for the
 * wasihttp3 guest kind and `hive run`. Contract in p3http.h.
 *
 * Every resource handle the guest holds is an object here; its rep is the
 * object's index + 1.
 *
 * Fields follow the spec as in 0.2 (src/wasihttp/host.c): names are
 * tokens (RFC 9110) kept in lower case and compared without case; values
 * have no control bytes but HTAB (RFC 9110); the hop-by-hop and framing
 * headers (connection, host, http2-settings, keep-alive,
 * proxy-authenticate, proxy-authorization, proxy-connection,
 * transfer-encoding, upgrade) are `forbidden`; the headers of an incoming request and those
 * returned by get-headers are `immutable`; more than WH3_MAX_FIELDS
 * entries or WH3_MAX_FIELD_BYTES bytes is `size-exceeded`.
 *
 * Bodies: a request or response holds its contents (the readable end of
 * a stream<u8>, or none) and its trailers future until consume-body hands
 * them out (once: the resource is consumed) or the host takes the
 * response a handler returned (hv_wh3_take_response).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include "httpclient/httpclient.h"
#include "wasihttp/p3http.h"
#include "wasihttp/wasihttp.h" /* the fields (fieldlist.c) */
#include "wasip3/p3_impl.h"    /* the reactor: waits and stream pumps */

#define WH3_MAX_FIELDS 1024
#define WH3_MAX_FIELD_BYTES (64 * 1024)

enum kind { K_FREE = 0, K_FIELDS, K_REQ, K_RESP, K_OPTS };

typedef struct hobj {
    uint8_t kind;
    uint8_t immutable; /* fields, request-options */
    hv_wfields fl; /* fields */
    /* request */
    uint32_t method; /* case index; 9: other */
    char *method_other;
    int has_scheme;
    uint32_t scheme; /* case index; 2: other */
    char *scheme_other;
    char *authority; /* NULL: none */
    char *path;      /* NULL: none */
    uint32_t options; /* request: its request-options (0 none) */
    /* request and response */
    uint32_t headers; /* its fields */
    hive_cval contents; /* STREAM or empty */
    hive_cval trailers; /* FUTURE or empty */
    hive_cstream *tx;   /* the writer of the future new returned */
    uint16_t status;
    struct wout *up; /* response: client.send's, its body the client's (untouched) */
    /* request-options: connect, first-byte, between-bytes */
    int has_to[3];
    uint64_t to[3];
} hobj;

typedef struct wout wout;

struct wh3 {
    hobj *o;
    uint32_t n, cap, live;
    /* outgoing requests (client.send) */
    hive_wasip3 *p3;             /* its reactor */
    void (*wake)(void *ud);      /* the client thread: something moved */
    void *wake_ud;
    int wait_fd;                 /* or an eventfd the reactor polls (-1 none) */
    wout *outs;                  /* in flight */
    unsigned nout;
};

typedef struct defs {
    wh3_lookup lookup;
    void *ud;
} defs;

/* ---- objects ------------------------------------------------------------ */

static hobj *obj_new(wh3 *h, int kind, uint32_t *rep) {
    uint32_t i = 0;
    while (i < h->n && h->o[i].kind != K_FREE) i++;
    if (i == h->n) {
        if (h->n == 65536) return NULL;
        if (h->n == h->cap) {
            uint32_t cap = h->cap ? h->cap * 2 : 16;
            hobj *no = realloc(h->o, cap * sizeof *no);
            if (!no) return NULL;
            h->o = no;
            h->cap = cap;
        }
        h->n++;
    }
    hobj *o = &h->o[i];
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)kind;
    h->live++;
    *rep = i + 1;
    return o;
}

static hobj *obj_get(wh3 *h, uint32_t rep, int kind) {
    if (!h || rep == 0 || rep > h->n || h->o[rep - 1].kind != kind) return NULL;
    return &h->o[rep - 1];
}

/* Lets go of a stream or future readable end the host holds as a value
 * (the guest's writer then sees it dropped). */
static void drop_end(hive_cinstance *ci, hive_cval *v) {
    if ((v->kind == HIVE_C_STREAM || v->kind == HIVE_C_FUTURE) && ci) {
        hive_cstream *r = hive_cstream_reader(ci, v);
        if (r) hive_cstream_close(r);
    }
    hive_cval_clear(v);
}

static void obj_free(wh3 *h, hive_cinstance *ci, uint32_t rep) {
    if (!h || rep == 0 || rep > h->n || h->o[rep - 1].kind == K_FREE) return;
    hobj *o = &h->o[rep - 1];
    uint32_t headers = o->headers, options = o->options;
    hv_wfields_clear(&o->fl);
    free(o->method_other);
    free(o->scheme_other);
    free(o->authority);
    free(o->path);
    drop_end(ci, &o->contents);
    drop_end(ci, &o->trailers);
    if (o->tx) hive_cstream_close(o->tx);
    memset(o, 0, sizeof *o);
    h->live--;
    /* the headers and options a request or response owns */
    obj_free(h, ci, headers);
    obj_free(h, ci, options);
}

wh3 *hv_wh3_new(void) {
    wh3 *h = calloc(1, sizeof(wh3));
    if (h) h->wait_fd = -1;
    return h;
}

static void outs_free(wh3 *h);

void hv_wh3_free(wh3 *h) {
    if (!h) return;
    /* with the instance gone, the ends' values are only cleared */
    for (uint32_t i = 0; i < h->n; i++) {
        hobj *o = &h->o[i];
        if (o->kind == K_FREE) continue;
        o->tx = NULL;
        obj_free(h, NULL, i + 1);
    }
    free(h->o);
    outs_free(h);
    if (h->wait_fd >= 0) close(h->wait_fd);
    free(h);
}

size_t hv_wh3_live(const wh3 *h) { return h ? h->live : 0; }

wh3 *hv_wh3_of_data(hive_cinstance *instance, void *ud) {
    (void)ud;
    return hive_cinstance_data(instance);
}

/* ---- values ------------------------------------------------------------- */

static hive_cval own(uint32_t rep) { return hive_cval_handle(HIVE_C_OWN, rep, NULL); }

static void mk_case(hive_cval *out, hive_ckind kind, uint32_t index, hive_cval *payload) {
    if (hive_cval_case(out, kind, index, payload) != HIVE_OK) memset(out, 0, sizeof *out);
}
static void result_ok(hive_cval *out, hive_cval *payload) { mk_case(out, HIVE_C_RESULT, 0, payload); }
static void result_err(hive_cval *out, hive_cval *payload) { mk_case(out, HIVE_C_RESULT, 1, payload); }

#define bytes_val hv_wbytes_val
#define bytes_view hv_wbytes_view /* fieldlist.c */

static int opt_string(hive_cval *out, const char *s) {
    if (!s) {
        mk_case(out, HIVE_C_OPTION, 0, NULL);
        return 0;
    }
    hive_cval v;
    if (hive_cval_string(&v, s, strlen(s)) != HIVE_OK) return -1;
    mk_case(out, HIVE_C_OPTION, 1, &v);
    return out->kind ? 0 : -1;
}

#define FN(name)                                                                               \
    static hive_host_status name(hive_chost_call *call, const hive_cval *args, size_t nargs, \
                                 hive_cval *res, size_t nres)
#define CTX ctx_of(call)
#define REP(i) ((uint32_t)args[i].of.res.handle)
#define UNUSED (void)nargs, (void)nres, (void)args, (void)res

static wh3 *ctx_of(hive_chost_call *call) {
    const defs *d = call->user;
    return d && d->lookup ? d->lookup(call->instance, d->ud) : NULL;
}

static hive_host_status trap(hive_chost_call *call, const char *msg) {
    hive_chost_trap(call, msg);
    return HIVE_HOST_TRAP;
}

#define OOM trap(call, "out of memory")

/* ---- fields ----------------------------------------------------------------- */

static int cieq(const char *a, size_t an, const char *b) {
    return an == strlen(b) && strncasecmp(a, b, an) == 0;
}

/* the rules (fieldrules.c) and the operations (fieldlist.c) are 0.2's too */
#define tchar hv_whttp_tchar
#define forbidden hv_whttp_forbidden

/* header-error cases */
enum {
    HE_SIZE = HV_WHTTP_SIZE,
    HE_OK = HV_WHTTP_NAME_OK
};

static const hv_wfield_limits limits = {WH3_MAX_FIELDS, WH3_MAX_FIELD_BYTES, 1};

/* Appends (no checks). -1 out of memory, -2 over the size limits. */
static int fields_add(hobj *o, const char *name, size_t nl, const uint8_t *value, size_t vl) {
    return hv_wfields_add(&o->fl, name, nl, value, vl, &limits);
}

/* A copy of src as a new fields object; 0 when out of memory. */
static uint32_t fields_copy(wh3 *h, uint32_t src, int immutable) {
    uint32_t rep;
    hobj *o = obj_new(h, K_FIELDS, &rep);
    if (!o) return 0;
    hobj *s = obj_get(h, src, K_FIELDS); /* after obj_new: the table may have moved */
    if (hv_wfields_copy(&o->fl, s ? &s->fl : NULL, &limits)) {
        obj_free(h, NULL, rep);
        return 0;
    }
    o->immutable = (uint8_t)immutable;
    return rep;
}

static void header_error(hive_cval *out, int e) {
    hive_cval v;
    if (e == 4) { /* other(none) */
        hive_cval none;
        mk_case(&none, HIVE_C_OPTION, 0, NULL);
        mk_case(&v, HIVE_C_VARIANT, 4, &none);
    } else {
        mk_case(&v, HIVE_C_VARIANT, (uint32_t)e, NULL);
    }
    result_err(out, &v);
}

FN(fields_new) {
    UNUSED;
    wh3 *h = CTX;
    uint32_t rep;
    if (!h) return trap(call, "no wasi:http context");
    if (!obj_new(h, K_FIELDS, &rep)) return OOM;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

FN(fields_from_list) {
    UNUSED;
    wh3 *h = CTX;
    if (!h) return trap(call, "no wasi:http context");
    int e = hv_wfields_check_list(&args[0]);
    if (e == HV_WHTTP_OOM) return OOM;
    if (e != HE_OK) {
        header_error(res, e);
        return HIVE_HOST_OK;
    }
    uint32_t rep;
    hobj *o = obj_new(h, K_FIELDS, &rep);
    if (!o) return OOM;
    int rc = hv_wfields_add_list(&o->fl, &args[0], &limits);
    if (rc) {
        obj_free(h, NULL, rep);
        if (rc == -2) {
            header_error(res, HE_SIZE);
            return HIVE_HOST_OK;
        }
        return OOM;
    }
    hive_cval v = own(rep);
    result_ok(res, &v);
    return HIVE_HOST_OK;
}

/* get, has, entries/copy-all, set, delete, append (and get-and-delete):
 * the same in 0.2 and 0.3 (fieldlist.c) */
static hive_host_status fields_method(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                      int method) {
    hobj *o = obj_get(CTX, REP(0), K_FIELDS);
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
FIELDS_METHOD(fields_get_and_delete, HV_WFIELDS_GET_AND_DELETE)
FIELDS_METHOD(fields_copy_all, HV_WFIELDS_ENTRIES)

FN(fields_clone) {
    UNUSED;
    wh3 *h = CTX;
    if (!obj_get(h, REP(0), K_FIELDS)) return trap(call, "unknown fields");
    uint32_t rep = fields_copy(h, REP(0), 0);
    if (!rep) return OOM;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

/* ---- request-options ---------------------------------------------------------- */

FN(opts_new) {
    UNUSED;
    wh3 *h = CTX;
    uint32_t rep;
    if (!h) return trap(call, "no wasi:http context");
    if (!obj_new(h, K_OPTS, &rep)) return OOM;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

static int opt_which(const char *name) {
    return strstr(name, "connect") ? 0 : strstr(name, "first-byte") ? 1 : 2;
}

FN(opts_get) {
    UNUSED;
    hobj *o = obj_get(CTX, REP(0), K_OPTS);
    if (!o) return trap(call, "unknown request-options");
    int w = opt_which(call->name);
    if (o->has_to[w]) {
        hive_cval v = hive_cval_uint(HIVE_C_U64, o->to[w]);
        mk_case(res, HIVE_C_OPTION, 1, &v);
    } else {
        mk_case(res, HIVE_C_OPTION, 0, NULL);
    }
    return HIVE_HOST_OK;
}

FN(opts_set) {
    UNUSED;
    hobj *o = obj_get(CTX, REP(0), K_OPTS);
    if (!o) return trap(call, "unknown request-options");
    if (o->immutable) {
        hive_cval e;
        mk_case(&e, HIVE_C_VARIANT, 1, NULL); /* immutable */
        result_err(res, &e);
        return HIVE_HOST_OK;
    }
    int w = opt_which(call->name);
    o->has_to[w] = args[1].of.var.index == 1;
    o->to[w] = o->has_to[w] ? args[1].of.var.payload->of.u : 0;
    result_ok(res, NULL);
    return HIVE_HOST_OK;
}

static uint32_t opts_copy(wh3 *h, uint32_t src, int immutable) {
    uint32_t rep;
    if (!obj_new(h, K_OPTS, &rep)) return 0;
    hobj *s = obj_get(h, src, K_OPTS), *o = obj_get(h, rep, K_OPTS);
    if (s) {
        memcpy(o->has_to, s->has_to, sizeof o->has_to);
        memcpy(o->to, s->to, sizeof o->to);
    }
    o->immutable = (uint8_t)immutable;
    return rep;
}

FN(opts_clone) {
    UNUSED;
    wh3 *h = CTX;
    if (!obj_get(h, REP(0), K_OPTS)) return trap(call, "unknown request-options");
    uint32_t rep = opts_copy(h, REP(0), 0);
    if (!rep) return OOM;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

/* ---- request and response ------------------------------------------------------ */

/* Moves the optional stream and the trailers future of args[ci], args[ti]
 * into o. */
static void take_body(hobj *o, const hive_cval *args, size_t ci, size_t ti) {
    hive_cval *c = (hive_cval *)&args[ci];
    if (c->kind == HIVE_C_OPTION && c->of.var.index == 1 && c->of.var.payload)
        hive_cval_move(&o->contents, c->of.var.payload);
    hive_cval_move(&o->trailers, (hive_cval *)&args[ti]);
}

/* request.new and response.new: tuple<own<R>, future<result<_, error-code>>> */
static hive_host_status new_message(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                    int kind) {
    wh3 *h = CTX;
    if (!h) return trap(call, "no wasi:http context");
    uint32_t frep = REP(0);
    if (!obj_get(h, frep, K_FIELDS)) return trap(call, "unknown fields");
    uint32_t orep = 0;
    if (kind == K_REQ && args[3].of.var.index == 1) {
        orep = (uint32_t)args[3].of.var.payload->of.res.handle;
        if (!obj_get(h, orep, K_OPTS)) return trap(call, "unknown request-options");
    }
    uint32_t rep;
    hobj *o = obj_new(h, kind, &rep);
    if (!o) return OOM;
    o->headers = frep;
    o->options = orep;
    /* the message's fields and options are its own now: immutable, as
     * the spec has the handles get-headers and get-options give */
    h->o[frep - 1].immutable = 1;
    if (orep) h->o[orep - 1].immutable = 1;
    o->status = 200;
    take_body(o, args, 1, 2);
    hive_cval fut;
    o->tx = hive_cstream_new(call->instance, 1, &fut);
    if (!o->tx) {
        obj_free(h, call->instance, rep);
        return OOM;
    }
    if (hive_cval_agg(res, HIVE_C_TUPLE, 2) != HIVE_OK) {
        hive_cval_clear(&fut);
        return OOM;
    }
    res->of.agg.items[0] = own(rep);
    res->of.agg.items[1] = fut;
    return HIVE_HOST_OK;
}

FN(req_new) { UNUSED; return new_message(call, args, res, K_REQ); }
FN(resp_new) { UNUSED; return new_message(call, args, res, K_RESP); }

#define REQ_OR_TRAP(o)                                            \
    hobj *o = obj_get(CTX, REP(0), K_REQ);                        \
    if (!o) return trap(call, "unknown request")

FN(req_get_method) {
    UNUSED;
    REQ_OR_TRAP(o);
    hive_cval v;
    memset(&v, 0, sizeof v);
    if (o->method == 9 &&
        hive_cval_string(&v, o->method_other, strlen(o->method_other)) != HIVE_OK)
        return OOM;
    mk_case(res, HIVE_C_VARIANT, o->method, o->method == 9 ? &v : NULL);
    return HIVE_HOST_OK;
}

static const char *const method_names[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                           "CONNECT", "OPTIONS", "TRACE", "PATCH"};

static int is_token(const char *s, size_t n) {
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!tchar((unsigned char)s[i])) return 0;
    return 1;
}

static void result_unit(hive_cval *res, int ok) {
    mk_case(res, HIVE_C_RESULT, ok ? 0 : 1, NULL);
}

FN(req_set_method) {
    UNUSED;
    REQ_OR_TRAP(o);
    const hive_cval *m = &args[1];
    char *other = NULL;
    uint32_t idx = m->of.var.index;
    if (idx == 9) {
        const hive_cval *s = m->of.var.payload;
        if (!is_token(s->of.str.ptr, s->of.str.len)) {
            result_unit(res, 0);
            return HIVE_HOST_OK;
        }
        /* other("GET") is get (methods are case-sensitive) */
        for (uint32_t i = 0; i < 9; i++)
            if (s->of.str.len == strlen(method_names[i]) &&
                !memcmp(s->of.str.ptr, method_names[i], s->of.str.len))
                idx = i;
        if (idx == 9 && !(other = strndup(s->of.str.ptr, s->of.str.len))) return OOM;
    }
    free(o->method_other);
    o->method_other = other;
    o->method = idx;
    result_unit(res, 1);
    return HIVE_HOST_OK;
}

FN(req_get_path) {
    UNUSED;
    REQ_OR_TRAP(o);
    return opt_string(res, o->path) ? OOM : HIVE_HOST_OK;
}

/* RFC 3986 characters: unreserved, pct-encoded's '%', sub-delims */
static int uchar(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("-._~%!$&'()*+,;=", c));
}

/* path-with-query: pchars, '/' and '?' (absolute or relative; RFC 3986
 * 3.3 and 3.4), and non-ASCII bytes (UTF-8 text, taken as it is, as
 * wasmtime does). */
static int path_ok(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!uchar(c) && !(c && strchr(":@/?", c)) && c < 0x80) return 0;
    }
    return 1;
}

/* authority: [userinfo "@"] host [":" port] (RFC 3986 3.2); the host a
 * reg-name or an IP-literal in brackets, not empty. */
static int authority_ok(const char *s, size_t n) {
    const char *at = memrchr(s, '@', n);
    if (at) {
        for (const char *p = s; p < at; p++)
            if (!uchar((unsigned char)*p) && *p != ':') return 0;
        n -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    size_t hl = n;
    if (n && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        if (!rb || rb == s + 1) return 0;
        for (const char *p = s + 1; p < rb; p++)
            if (!uchar((unsigned char)*p) && *p != ':') return 0;
        hl = (size_t)(rb + 1 - s);
    } else {
        const char *colon = memchr(s, ':', n);
        if (colon) hl = (size_t)(colon - s);
        for (size_t i = 0; i < hl; i++)
            if (!uchar((unsigned char)s[i])) return 0;
    }
    if (!hl) return 0;
    if (hl < n) { /* ":" port */
        if (s[hl] != ':' || n - hl - 1 > 5) return 0;
        unsigned long port = 0;
        for (size_t i = hl + 1; i < n; i++) {
            if (s[i] < '0' || s[i] > '9') return 0;
            port = port * 10 + (unsigned long)(s[i] - '0');
        }
        if (port > 65535) return 0;
    }
    return 1;
}

/* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static int scheme_ok(const char *s, size_t n) {
    if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* set-path-with-query (which 0) and set-authority (1): option<string> */
static hive_host_status set_opt_string(hive_chost_call *call, const hive_cval *args, hive_cval *res,
                                       int which) {
    REQ_OR_TRAP(o);
    const hive_cval *a = &args[1];
    char *v = NULL;
    if (a->of.var.index == 1) {
        const hive_cval *s = a->of.var.payload;
        int ok = which == 0 ? path_ok(s->of.str.ptr, s->of.str.len)
                            : authority_ok(s->of.str.ptr, s->of.str.len);
        if (!ok) {
            result_unit(res, 0);
            return HIVE_HOST_OK;
        }
        /* an empty path is the root (as http's request-target has it) */
        if (which == 0 && !s->of.str.len) v = strdup("/");
        else v = strndup(s->of.str.ptr, s->of.str.len);
        if (!v) return OOM;
    }
    char **slot = which == 0 ? &o->path : &o->authority;
    free(*slot);
    *slot = v;
    result_unit(res, 1);
    return HIVE_HOST_OK;
}

FN(req_set_path) { UNUSED; return set_opt_string(call, args, res, 0); }
FN(req_set_authority) { UNUSED; return set_opt_string(call, args, res, 1); }

FN(req_get_authority) {
    UNUSED;
    REQ_OR_TRAP(o);
    return opt_string(res, o->authority) ? OOM : HIVE_HOST_OK;
}

FN(req_get_scheme) {
    UNUSED;
    REQ_OR_TRAP(o);
    if (!o->has_scheme) {
        mk_case(res, HIVE_C_OPTION, 0, NULL);
        return HIVE_HOST_OK;
    }
    hive_cval s, v;
    memset(&v, 0, sizeof v);
    if (o->scheme == 2 && hive_cval_string(&v, o->scheme_other, strlen(o->scheme_other)) != HIVE_OK)
        return OOM;
    mk_case(&s, HIVE_C_VARIANT, o->scheme, o->scheme == 2 ? &v : NULL);
    mk_case(res, HIVE_C_OPTION, 1, &s);
    return HIVE_HOST_OK;
}

FN(req_set_scheme) {
    UNUSED;
    REQ_OR_TRAP(o);
    const hive_cval *a = &args[1];
    char *other = NULL;
    uint32_t idx = 0;
    if (a->of.var.index == 1) {
        const hive_cval *s = a->of.var.payload;
        idx = s->of.var.index;
        if (idx == 2) {
            const hive_cval *str = s->of.var.payload;
            if (!scheme_ok(str->of.str.ptr, str->of.str.len)) {
                result_unit(res, 0);
                return HIVE_HOST_OK;
            }
            /* other("http") and other("https") are the named cases */
            if (str->of.str.len == 4 && !memcmp(str->of.str.ptr, "http", 4)) idx = 0;
            else if (str->of.str.len == 5 && !memcmp(str->of.str.ptr, "https", 5)) idx = 1;
            else if (!(other = strndup(str->of.str.ptr, str->of.str.len))) return OOM;
        }
    }
    free(o->scheme_other);
    o->scheme_other = other;
    o->has_scheme = a->of.var.index == 1;
    o->scheme = idx;
    result_unit(res, 1);
    return HIVE_HOST_OK;
}

FN(req_get_options) {
    UNUSED;
    wh3 *h = CTX;
    hobj *o = obj_get(h, REP(0), K_REQ);
    if (!o) return trap(call, "unknown request");
    if (!o->options) {
        mk_case(res, HIVE_C_OPTION, 0, NULL);
        return HIVE_HOST_OK;
    }
    uint32_t rep = opts_copy(h, o->options, 1);
    if (!rep) return OOM;
    hive_cval v = own(rep);
    mk_case(res, HIVE_C_OPTION, 1, &v);
    return HIVE_HOST_OK;
}

/* get-headers of a request or response: an immutable copy */
FN(msg_get_headers) {
    UNUSED;
    wh3 *h = CTX;
    int kind = strstr(call->name, "request") ? K_REQ : K_RESP;
    hobj *o = obj_get(h, REP(0), kind);
    if (!o) return trap(call, kind == K_REQ ? "unknown request" : "unknown response");
    uint32_t rep = fields_copy(h, o->headers, 1);
    if (!rep) return OOM;
    res[0] = own(rep);
    return HIVE_HOST_OK;
}

static void out_unlazy(wh3 *h, struct wout *u);

/* consume-body(this, res) -> tuple<stream<u8>, future<result<option<trailers>, error-code>>> */
FN(msg_consume_body) {
    UNUSED;
    wh3 *h = CTX;
    int kind = strstr(call->name, "request") ? K_REQ : K_RESP;
    hobj *o = obj_get(h, REP(0), kind);
    if (!o) return trap(call, kind == K_REQ ? "unknown request" : "unknown response");
    hive_cval body, trailers;
    memset(&body, 0, sizeof body);
    memset(&trailers, 0, sizeof trailers);
    if (o->up) out_unlazy(h, o->up); /* client.send's: its body starts to flow now */
    hive_cval_move(&body, &o->contents);
    hive_cval_move(&trailers, &o->trailers);
    if (body.kind != HIVE_C_STREAM) { /* no contents: an empty stream */
        hive_cstream *w = hive_cstream_new(call->instance, 0, &body);
        if (!w) return OOM;
        hive_cstream_close(w);
    }
    if (trailers.kind != HIVE_C_FUTURE) { /* none given: ok(none) */
        hive_cstream *w = hive_cstream_new(call->instance, 1, &trailers);
        if (!w) return OOM;
        hive_cval none, ok;
        mk_case(&none, HIVE_C_OPTION, 0, NULL);
        result_ok(&ok, &none);
        hive_cstream_write(w, &ok, 1);
        hive_cval_clear(&ok);
        hive_cstream_close(w);
    }
    /* the message is consumed; the guest's `res` future is not used */
    obj_free(h, call->instance, REP(0));
    drop_end(call->instance, (hive_cval *)&args[1]);
    if (hive_cval_agg(res, HIVE_C_TUPLE, 2) != HIVE_OK) return OOM;
    res->of.agg.items[0] = body;
    res->of.agg.items[1] = trailers;
    return HIVE_HOST_OK;
}

FN(resp_get_status) {
    UNUSED;
    hobj *o = obj_get(CTX, REP(0), K_RESP);
    if (!o) return trap(call, "unknown response");
    res[0] = hive_cval_uint(HIVE_C_U16, o->status);
    return HIVE_HOST_OK;
}

FN(resp_set_status) {
    UNUSED;
    hobj *o = obj_get(CTX, REP(0), K_RESP);
    if (!o) return trap(call, "unknown response");
    uint64_t s = args[1].of.u;
    int ok = s >= 100 && s <= 599;
    if (ok) o->status = (uint16_t)s;
    result_unit(res, ok);
    return HIVE_HOST_OK;
}

/* ---- client ------------------------------------------------------------------ */
/*
 * client.send gives the request to the HTTP client (src/httpclient, on
 * libcurl) and answers later (an async host call): the request body is
 * drained from the guest's stream into the client by a reactor pump, the
 * response comes back as a response object whose body a feed pump fills
 * from the client, and whose trailers future resolves at its end. A wout
 * ties them; the client's request is released when all three are over.
 */

struct wout {
    wh3 *h;
    hive_cinstance *inst;
    hc_req *req;
    hive_chost_deferred *d; /* the send call, until the response head */
    p3_wait *w;             /* waits for the head */
    p3_pump *body;          /* the request body */
    p3_pump *resp;          /* the response body */
    hive_cstream *sent;     /* the request's transmission future */
    hive_cstream *trailers; /* the response's trailers future */
    hive_cstream *rtrail;   /* the request's trailers future (the host reads) */
    p3_wait *tw;            /* waits for it after the request body */
    int relay;              /* the response's body is relayed by the host (wh3_up_*) */
    hc_error err;           /* the response body's failure */
    wout *prev, *next;
};

void hv_wh3_set_p3(wh3 *h, hive_wasip3 *p3) { h->p3 = p3; }

void hv_wh3_set_wake(wh3 *h, void (*wake)(void *ud), void *ud) {
    h->wake = wake;
    h->wake_ud = ud;
}

int hv_wh3_use_eventfd(wh3 *h) {
    return hv_whttp_eventfd_open(&h->wait_fd, &h->wake, &h->wake_ud);
}

/* The client thread: something of a request of h moved. */
static void client_notify(void *ud) {
    wh3 *h = ud;
    if (h->wake) h->wake(h->wake_ud);
}

static void out_unlazy(wh3 *h, wout *u) {
    if (!u->resp) return;
    hv_p3_pump_lazy(u->resp, 0);
    client_notify(h); /* a wake: the reactor looks at the pump again */
}

/* An error-code value for e (payloads empty, but internal-error's
 * message). */
static void error_code_val(hive_cval *out, const hc_error *e) {
    hive_cval p, *pp = NULL;
    memset(&p, 0, sizeof p);
    switch (e->code) {
    case 1: case 14: case 24: case 27: case 30: /* records of two options */
        if (hive_cval_agg(&p, HIVE_C_RECORD, 2) == HIVE_OK) {
            mk_case(&p.of.agg.items[0], HIVE_C_OPTION, 0, NULL);
            mk_case(&p.of.agg.items[1], HIVE_C_OPTION, 0, NULL);
            pp = &p;
        }
        break;
    case 17: case 21: case 22: case 23: case 26: case 28: case 29: case 31: case 32:
        mk_case(&p, HIVE_C_OPTION, 0, NULL); /* option<...>: none */
        pp = &p;
        break;
    case 38: {
        hive_cval m;
        if (e->msg[0] && hive_cval_string(&m, e->msg, strlen(e->msg)) == HIVE_OK)
            mk_case(&p, HIVE_C_OPTION, 1, &m);
        else
            mk_case(&p, HIVE_C_OPTION, 0, NULL);
        pp = &p;
        break;
    }
    default: break;
    }
    mk_case(out, HIVE_C_VARIANT, (uint32_t)e->code, pp);
}

static void send_err(hive_cval *res, const hc_error *e) {
    hive_cval v;
    error_code_val(&v, e);
    result_err(res, &v);
}

/* A future<result<_, error-code>> the host writes: ok, or err(e). */
static void tx_result(hive_cstream **f, const hc_error *e) {
    if (!*f) return;
    hive_cval v;
    if (!e) {
        result_ok(&v, NULL);
    } else {
        hive_cval c;
        error_code_val(&c, e);
        result_err(&v, &c);
    }
    hive_cstream_write(*f, &v, 1);
    hive_cval_clear(&v);
    hive_cstream_close(*f);
    *f = NULL;
}

/* Ends o when nothing of it runs any more. */
static void out_maybe_free(wout *o) {
    if (o->d || o->w || o->body || o->resp || o->tw || o->relay) return;
    wh3 *h = o->h;
    if (o->prev) o->prev->next = o->next;
    else h->outs = o->next;
    if (o->next) o->next->prev = o->prev;
    h->nout--;
    hv_hc_release(o->req);
    if (o->sent) hive_cstream_close(o->sent);
    if (o->trailers) hive_cstream_close(o->trailers);
    if (o->rtrail) hive_cstream_close(o->rtrail);
    free(o);
}

void hv_wh3_release_outgoing(wh3 *h) {
    for (wout *o = h ? h->outs : NULL; o; o = o->next) {
        hv_hc_release(o->req);
        o->req = NULL;
    }
}

/* The context is going (its instance and reactor are gone first): the
 * client's requests are released. */
static void outs_free(wh3 *h) {
    while (h->outs) {
        wout *o = h->outs;
        h->outs = o->next;
        hv_hc_release(o->req);
        free(o);
    }
    h->nout = 0;
}

/* The request body: as much as the client takes now. */
static int64_t out_body_write(void *ud, const uint8_t *buf, size_t len) {
    wout *o = ud;
    if (!o->req) return -HIVE_WASI_EPIPE; /* released (the instance ends) */
    size_t room = hv_hc_body_room(o->req);
    if (room == (size_t)-1) return -HIVE_WASI_EPIPE;
    if (room == 0) return -HIVE_WASI_EAGAIN; /* notify wakes us */
    if (len > room) len = room;
    return hv_hc_body_write(o->req, buf, len) < 0 ? -HIVE_WASI_EPIPE : (int64_t)len;
}

/* The request's trailers future resolved (after the body): ok(some(t))
 * goes out as the chunked body's trailer section, ok(none) (or a writer
 * that went away) ends the body, err(code) fails the request (no
 * response: send answers an error; the transmission future err(code)). */
static int out_trailers(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    (void)ev, (void)revents;
    wout *o = w->ud;
    hive_cval v;
    memset(&v, 0, sizeof v);
    long n = o->rtrail ? hive_cstream_read(o->rtrail, &v, 1) : -1;
    if (n == 0) return 0; /* not written yet */
    hc_error err = {0, ""};
    if (n == 1 && v.kind == HIVE_C_RESULT && v.of.var.index == 1) {
        hive_cval *c = v.of.var.payload;
        err.code = c && c->kind == HIVE_C_VARIANT ? (int)c->of.var.index : HC_E_INTERNAL;
        snprintf(err.msg, sizeof err.msg, "the request's trailers are an error");
    } else if (n == 1 && v.kind == HIVE_C_RESULT && v.of.var.payload &&
               v.of.var.payload->kind == HIVE_C_OPTION && v.of.var.payload->of.var.payload) {
        uint32_t frep = (uint32_t)v.of.var.payload->of.var.payload->of.res.handle;
        hobj *f = obj_get(o->h, frep, K_FIELDS);
        hive_header *t = hv_wfields_headers(f ? &f->fl : NULL);
        if (t && o->req) hv_hc_body_trailers(o->req, t, f->fl.nf);
        free(t);
        if (f) obj_free(o->h, o->inst, frep); /* the trailers were moved to the host */
    }
    hive_cval_clear(&v);
    if (o->req) {
        if (err.code) hv_hc_body_abort(o->req);
        else hv_hc_body_end(o->req);
    }
    tx_result(&o->sent, err.code ? &err : NULL);
    if (o->rtrail) hive_cstream_close(o->rtrail);
    o->rtrail = NULL;
    hv_p3_wait_free(p, w);
    o->tw = NULL;
    out_maybe_free(o);
    return 1;
}

static void out_body_done(hive_wasip3 *p, void *ud, uint32_t e) {
    wout *o = ud;
    o->body = NULL;
    if (!e && o->req && o->rtrail && (o->tw = hv_p3_wait_new(p, out_trailers, o))) {
        o->tw->check = 1; /* looked at each round until the guest writes it */
        return;
    }
    if (!o->req) {
        hc_error err = {7 /* connection-terminated */, ""};
        tx_result(&o->sent, &err);
    } else if (e) {
        hv_hc_body_abort(o->req);
        hc_error err = {7 /* connection-terminated */, ""};
        tx_result(&o->sent, &err);
    } else {
        hv_hc_body_end(o->req);
        tx_result(&o->sent, NULL);
    }
    out_maybe_free(o);
}

/* The response body, from the client. */
static int64_t out_resp_read(void *ud, uint8_t *buf, size_t len) {
    wout *o = ud;
    if (!o->req) return -HIVE_WASI_EIO; /* released (the instance ends) */
    int64_t n = hv_hc_body_read(o->req, buf, len, &o->err);
    if (n == -1) return -HIVE_WASI_EAGAIN;
    if (n < -1) return -HIVE_WASI_EIO;
    return n;
}

static void out_resp_done(hive_wasip3 *p, void *ud, uint32_t e) {
    (void)p;
    wout *o = ud;
    o->resp = NULL;
    if (o->trailers) {
        hive_cval v;
        if (e) {
            hive_cval c;
            if (!o->err.code && !o->err.msg[0]) o->err.code = 25; /* response-incomplete */
            error_code_val(&c, &o->err);
            result_err(&v, &c);
        } else {
            size_t nt = 0;
            const hive_header *t = o->req ? hv_hc_trailers(o->req, &nt) : NULL;
            uint32_t rep = 0;
            hobj *f = nt ? obj_new(o->h, K_FIELDS, &rep) : NULL;
            for (size_t i = 0; f && i < nt; i++)
                if (fields_add(f, t[i].name, t[i].name_len, (const uint8_t *)t[i].value,
                               t[i].value_len) == -1)
                    break;
            hive_cval opt;
            if (rep) {
                hive_cval fo = own(rep);
                mk_case(&opt, HIVE_C_OPTION, 1, &fo);
            } else {
                mk_case(&opt, HIVE_C_OPTION, 0, NULL);
            }
            result_ok(&v, &opt);
        }
        hive_cstream_write(o->trailers, &v, 1);
        hive_cval_clear(&v);
        hive_cstream_close(o->trailers);
        o->trailers = NULL;
    }
    out_maybe_free(o);
}

/* The response head came (or the request failed): send returns. */
static int out_head(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    (void)ev, (void)revents;
    wout *o = w->ud;
    wh3 *h = o->h;
    hv_whttp_eventfd_drain(h->wait_fd);
    if (hive_chost_cancelled(o->d)) { /* the guest gave the call up */
        hive_chost_return(o->d, NULL);
        o->d = NULL;
        goto done;
    }
    hc_error e = {0, ""};
    int st = o->req ? hv_hc_state(o->req, &e) : HC_FAILED;
    if (!o->req) e.code = 38;
    if (st == HC_WAITING) return 0;
    hive_cval res;
    memset(&res, 0, sizeof res);
    if (st == HC_FAILED) {
        send_err(&res, &e);
    } else {
        uint32_t frep, rrep;
        hobj *f = obj_new(h, K_FIELDS, &frep);
        size_t nh = 0;
        const hive_header *hd = hv_hc_headers(o->req, &nh);
        for (size_t i = 0; f && i < nh; i++)
            if (is_token(hd[i].name, hd[i].name_len) && !forbidden(hd[i].name, hd[i].name_len))
                fields_add(f, hd[i].name, hd[i].name_len, (const uint8_t *)hd[i].value,
                           hd[i].value_len);
        hobj *r = f ? obj_new(h, K_RESP, &rrep) : NULL;
        hive_cval body, tr;
        memset(&body, 0, sizeof body);
        memset(&tr, 0, sizeof tr);
        static const hive_wasi_stream src = {out_resp_read, NULL, NULL, NULL};
        hive_wasi_stream emb = src;
        emb.ud = o;
        p3_io io = {-1, 0, -1, &emb};
        if (r) o->resp = hv_p3_feed_new(p, o->inst, &io, 0, &body, NULL, NULL, out_resp_done, o);
        hv_p3_pump_lazy(o->resp, 1); /* the client keeps the body until consume-body */
        if (o->resp) o->trailers = hive_cstream_new(o->inst, 1, &tr);
        if (!r || !o->resp || !o->trailers) {
            if (o->resp) hv_p3_pump_stop(p, o->resp, WASI_ENOMEM);
            o->resp = NULL;
            hive_cval_clear(&body);
            if (r) obj_free(h, NULL, rrep);
            else if (f) obj_free(h, NULL, frep);
            hc_error oom = {38, "out of memory"};
            send_err(&res, &oom);
        } else {
            r = &h->o[rrep - 1];
            h->o[frep - 1].immutable = 1;
            r->headers = frep;
            r->status = (uint16_t)hv_hc_status(o->req);
            r->contents = body;
            r->trailers = tr;
            r->up = o;
            hive_cval v = own(rrep);
            result_ok(&res, &v);
        }
    }
    hive_chost_return(o->d, &res);
    hive_cval_clear(&res);
    o->d = NULL;
done:
    hv_p3_wait_free(p, w);
    o->w = NULL;
    out_maybe_free(o);
    return 1;
}

static uint64_t opt_timeout(wh3 *h, uint32_t orep, int which) {
    hobj *op = obj_get(h, orep, K_OPTS);
    return op && op->has_to[which] ? op->to[which] : 0;
}

/* send: async func(request) -> result<response, error-code> */
FN(client_send) {
    UNUSED;
    wh3 *h = CTX;
    uint32_t qrep = REP(0);
    hobj *q = obj_get(h, qrep, K_REQ);
    if (!q) return trap(call, "unknown request");
    hc_error e = {0, ""};
    char *path = NULL;
    hive_header *hd = NULL;
    if (!h->p3) {
        e.code = 15; /* HTTP-request-denied: no reactor to wait with */
        snprintf(e.msg, sizeof e.msg, "outgoing requests are not available here");
    } else if (!q->authority) {
        e.code = 19; /* HTTP-request-URI-invalid */
        snprintf(e.msg, sizeof e.msg, "the request has no authority");
    } else if (q->has_scheme && q->scheme == 2) {
        e.code = 19;
        snprintf(e.msg, sizeof e.msg, "the scheme %s is not supported", q->scheme_other);
    } else if (h->nout >= hv_hc_max_per_instance()) {
        e.code = 11; /* connection-limit-reached */
        snprintf(e.msg, sizeof e.msg, "too many outgoing requests in flight");
    }
    hobj *f = obj_get(h, q->headers, K_FIELDS);
    size_t nh = f ? f->fl.nf : 0;
    if (!e.code && !(hd = calloc(nh ? nh : 1, sizeof *hd))) return OOM;
    int64_t clen = -1;
    for (size_t i = 0; !e.code && i < nh; i++) {
        hd[i] = (hive_header){f->fl.f[i].name, f->fl.f[i].name_len, (const char *)f->fl.f[i].value,
                              f->fl.f[i].value_len};
        if (cieq(f->fl.f[i].name, f->fl.f[i].name_len, "content-length")) {
            char num[24];
            size_t vl = f->fl.f[i].value_len < 23 ? f->fl.f[i].value_len : 23;
            memcpy(num, f->fl.f[i].value, vl);
            num[vl] = 0;
            clen = strtoll(num, NULL, 10);
        }
    }
    wout *o = NULL;
    hc_req *req = NULL;
    if (!e.code) {
        hc_request rq;
        memset(&rq, 0, sizeof rq);
        rq.method = q->method == 9 ? q->method_other : method_names[q->method];
        rq.scheme = !q->has_scheme || q->scheme == 0 ? "http" : "https";
        rq.authority = q->authority;
        rq.path_with_query = q->path ? q->path : "/";
        rq.headers = hd;
        rq.nheaders = nh;
        rq.has_body = q->contents.kind == HIVE_C_STREAM;
        rq.content_length = rq.has_body ? clen : 0;
        rq.connect_timeout = opt_timeout(h, q->options, 0);
        rq.first_byte_timeout = opt_timeout(h, q->options, 1);
        rq.between_bytes_timeout = opt_timeout(h, q->options, 2);
        if (!(o = calloc(1, sizeof *o))) {
            free(hd);
            return OOM;
        }
        if (hv_hc_send(&rq, client_notify, h, &req, &e) != 0) {
            free(o);
            o = NULL;
        }
    }
    free(hd);
    free(path);
    if (!o) { /* refused at once: the request is consumed */
        tx_result(&q->tx, &e);
        obj_free(h, call->instance, qrep);
        send_err(res, &e);
        return HIVE_HOST_OK;
    }
    o->h = h;
    o->inst = call->instance;
    o->req = req;
    o->next = h->outs;
    if (h->outs) h->outs->prev = o;
    h->outs = o;
    h->nout++;
    q = &h->o[qrep - 1];
    o->sent = q->tx;
    q->tx = NULL;
    if (q->contents.kind == HIVE_C_STREAM) {
        static const hive_wasi_stream snk = {NULL, out_body_write, NULL, NULL};
        hive_wasi_stream emb = snk;
        emb.ud = o;
        p3_io io = {-1, 0, -1, &emb};
        o->body = hv_p3_drain_new(h->p3, call->instance, &q->contents, &io, NULL, NULL, out_body_done, o);
        if (!o->body) hv_hc_body_abort(req);
    } else {
        tx_result(&o->sent, NULL);
    }
    /* the trailers follow the body (read when the body has ended) */
    if (o->body && q->trailers.kind == HIVE_C_FUTURE)
        o->rtrail = hive_cstream_reader(call->instance, &q->trailers);
    obj_free(h, call->instance, qrep); /* the request is consumed */
    o->d = hive_chost_defer(call);
    o->w = o->d ? hv_p3_wait_new(h->p3, out_head, o) : NULL;
    if (!o->w) {
        if (o->d) hive_chost_return(o->d, NULL);
        o->d = NULL;
        if (o->body) hv_p3_pump_stop(h->p3, o->body, WASI_ECANCELED);
        o->body = NULL;
        out_maybe_free(o);
        return OOM;
    }
    o->w->check = 1;
    o->w->fd = h->wait_fd;
    o->w->events = h->wait_fd >= 0 ? POLLIN : 0;
    return HIVE_HOST_PENDING;
}

/* ---- the serving side ------------------------------------------------------------ */

int hv_wh3_incoming(wh3 *h, const hive_request_info *info, hive_cval *contents, hive_cval *trailers,
                 uint32_t *rep) {
    uint32_t frep, r;
    if (!obj_new(h, K_FIELDS, &frep)) return -1;
    const char *authority = NULL;
    size_t alen = 0;
    hobj *f = obj_get(h, frep, K_FIELDS);
    for (size_t i = 0; i < info->nheaders; i++) {
        const hive_header *hd = &info->headers[i];
        if (cieq(hd->name, hd->name_len, "host") && !authority) {
            authority = hd->value;
            alen = hd->value_len;
        }
        if (!is_token(hd->name, hd->name_len) || forbidden(hd->name, hd->name_len)) continue;
        if (fields_add(f, hd->name, hd->name_len, (const uint8_t *)hd->value, hd->value_len) == -1) {
            obj_free(h, NULL, frep);
            return -1;
        }
    }
    f->immutable = 1;
    hobj *o = obj_new(h, K_REQ, &r);
    if (!o) {
        obj_free(h, NULL, frep);
        return -1;
    }
    o->headers = frep;
    o->method = 9;
    for (uint32_t i = 0; i < 9; i++)
        if (!strcmp(info->method, method_names[i])) o->method = i;
    int fail = 0;
    if (o->method == 9) fail |= !(o->method_other = strdup(info->method));
    o->has_scheme = 1;
    o->scheme = info->scheme && !strcasecmp(info->scheme, "https") ? 1 : 0;
    size_t pl = strlen(info->path), ql = info->query ? strlen(info->query) : 0;
    o->path = malloc(pl + ql + 2);
    if (o->path) {
        memcpy(o->path, info->path, pl);
        o->path[pl] = 0;
        if (ql) {
            o->path[pl] = '?';
            memcpy(o->path + pl + 1, info->query, ql + 1);
        }
    }
    fail |= !o->path;
    if (authority) fail |= !(o->authority = strndup(authority, alen));
    if (fail) {
        obj_free(h, NULL, r);
        return -1;
    }
    hive_cval_move(&o->contents, contents);
    hive_cval_move(&o->trailers, trailers);
    *rep = r;
    return 0;
}

static int64_t content_length_of(const hobj *f) { return hv_wfields_content_length(f ? &f->fl : NULL); }

int hv_wh3_take_response(wh3 *h, uint32_t rep, wh3_response *out) {
    memset(out, 0, sizeof *out);
    hobj *o = obj_get(h, rep, K_RESP);
    if (!o) return -1;
    hobj *f = obj_get(h, o->headers, K_FIELDS);
    size_t n = f ? f->fl.nf : 0, bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += f->fl.f[i].name_len + f->fl.f[i].value_len + 2;
    out->headers = calloc(n ? n : 1, sizeof *out->headers);
    out->arena = malloc(bytes ? bytes : 1);
    if (!out->headers || !out->arena) {
        hv_wh3_response_clear(out);
        return -1;
    }
    char *p = out->arena;
    for (size_t i = 0; i < n; i++) {
        hv_wfield *fl = &f->fl.f[i];
        if (cieq(fl->name, fl->name_len, "content-length")) continue;
        hive_header *hd = &out->headers[out->nheaders++];
        memcpy(p, fl->name, fl->name_len + 1);
        hd->name = p;
        hd->name_len = fl->name_len;
        p += fl->name_len + 1;
        memcpy(p, fl->value, fl->value_len);
        p[fl->value_len] = 0;
        hd->value = p;
        hd->value_len = fl->value_len;
        p += fl->value_len + 1;
    }
    out->content_length = content_length_of(f);
    out->status = o->status;
    hive_cval_move(&out->contents, &o->contents);
    hive_cval_move(&out->trailers, &o->trailers);
    out->tx = o->tx;
    o->tx = NULL;
    wout *u = o->up;
    if (u && u->resp && out->contents.kind == HIVE_C_STREAM && hv_p3_pump_bytes(u->resp) == 0 &&
        h->p3) {
        /* client.send's response handed back as it came (a proxy): the
         * host relays the client's body itself, the guest's stream and
         * trailers future are dropped unread */
        hv_p3_pump_stop(h->p3, u->resp, WASI_ECANCELED);
        u->resp = NULL;
        if (u->trailers) hive_cstream_close(u->trailers);
        u->trailers = NULL;
        drop_end(u->inst, &out->contents);
        drop_end(u->inst, &out->trailers);
        u->relay = 1;
        out->up = u;
    }
    obj_free(h, NULL, rep);
    return 0;
}

hive_header *hv_wh3_fields_view(wh3 *h, uint32_t rep, size_t *n) {
    *n = 0;
    hobj *f = obj_get(h, rep, K_FIELDS);
    hive_header *t = hv_wfields_headers(f ? &f->fl : NULL);
    if (t) *n = f->fl.nf;
    return t;
}

uint32_t hv_wh3_fields_new(wh3 *h, const hive_header *t, size_t n) {
    uint32_t rep = 0;
    hobj *f = obj_new(h, K_FIELDS, &rep);
    if (!f) return 0;
    for (size_t i = 0; i < n; i++)
        (void)fields_add(f, t[i].name, t[i].name_len, (const uint8_t *)t[i].value, t[i].value_len);
    f->immutable = 1;
    return rep;
}

void hv_wh3_fields_free(wh3 *h, hive_cinstance *ci, uint32_t rep) {
    if (obj_get(h, rep, K_FIELDS)) obj_free(h, ci, rep);
}

int64_t hv_wh3_up_read(wh3_upstream *u, uint8_t *buf, size_t cap, char *msg, size_t msglen) {
    if (!u->req) {
        snprintf(msg, msglen, "the outgoing request was released");
        return -2;
    }
    hc_error e = {0, ""};
    int64_t n = hv_hc_body_read(u->req, buf, cap, &e);
    if (n < -1) snprintf(msg, msglen, "the upstream's body failed (error-code %d%s%s)", e.code,
                         e.msg[0] ? ": " : "", e.msg);
    return n;
}

const hive_header *hv_wh3_up_trailers(wh3_upstream *u, size_t *n) {
    *n = 0;
    return u->req ? hv_hc_trailers(u->req, n) : NULL;
}

void hv_wh3_up_done(wh3_upstream *u) {
    if (!u) return;
    u->relay = 0;
    out_maybe_free(u);
}

void hv_wh3_response_clear(wh3_response *r) {
    free(r->headers);
    free(r->arena);
    hive_cval_clear(&r->contents);
    hive_cval_clear(&r->trailers);
    if (r->tx) hive_cstream_close(r->tx);
    hv_wh3_up_done(r->up);
    memset(r, 0, sizeof *r);
}

void hv_wh3_tx_finish(hive_cstream *w, const char *err) {
    if (!w) return;
    hive_cval v;
    if (!err) {
        result_ok(&v, NULL);
    } else {
        hive_cval s, some, e;
        memset(&s, 0, sizeof s);
        if (hive_cval_string(&s, err, strlen(err)) != HIVE_OK) memset(&s, 0, sizeof s);
        mk_case(&some, HIVE_C_OPTION, s.kind ? 1 : 0, s.kind ? &s : NULL);
        mk_case(&e, HIVE_C_VARIANT, 38, &some); /* internal-error */
        result_err(&v, &e);
    }
    hive_cstream_write(w, &v, 1);
    hive_cval_clear(&v);
    hive_cstream_close(w);
}

/* ---- definitions ------------------------------------------------------------------ */

static void obj_dtor(hive_cinstance *instance, void *user, uint32_t rep) {
    const defs *d = user;
    wh3 *h = d && d->lookup && instance ? d->lookup(instance, d->ud) : NULL;
    if (h) obj_free(h, instance, rep);
}

typedef struct fndef {
    const char *name, *type;
    hive_chost_fn fn;
} fndef;

#define COUNT(a) (sizeof(a) / sizeof *(a))

#define HE "variant { invalid-syntax, forbidden, immutable, size-exceeded, other(option<string>) }"
#define ROE "variant { not-supported, immutable, other(option<string>) }"
/* the WIT type text 0.2 and 0.3 share (wasihttp.h) */
#define FSP WHTTP_WIT_FIELD_SIZE
#define EC WHTTP_WIT_ERROR_CODE
#define METHOD WHTTP_WIT_METHOD
#define SCHEME WHTTP_WIT_SCHEME
#define FLIST WHTTP_WIT_FIELD_LIST
#define TRAILERS "future<result<option<own<fields>>, " EC ">>"
#define TX "future<result<_, " EC ">>"

int hv_wh3_define(hive_linker *l, wh3_lookup lookup, void *ud) {
    defs *d = hive_linker_alloc(l, sizeof *d);
    if (!d) return HIVE_ENOMEM;
    d->lookup = lookup;
    d->ud = ud;
    int rc;
    static const char *const res_names[] = {"fields", "request", "request-options", "response"};
    for (size_t i = 0; i < COUNT(res_names); i++) {
        hive_host_resource r = {NULL, d, res_names[i], obj_dtor};
        if ((rc = hive_linker_define_resource(l, WH3_TYPES, res_names[i], &r))) return rc;
    }
#define F "self: borrow<fields>"
#define RQ "self: borrow<request>"
#define RO "self: borrow<request-options>"
#define RS "self: borrow<response>"
    static const fndef types[] = {
        {"[constructor]fields", "func() -> own<fields>", fields_new},
        {"[static]fields.from-list", "func(entries: " FLIST ") -> result<own<fields>, " HE ">",
         fields_from_list},
        {"[method]fields.get", "func(" F ", name: string) -> list<list<u8>>", fields_get},
        {"[method]fields.has", "func(" F ", name: string) -> bool", fields_has},
        {"[method]fields.set", "func(" F ", name: string, value: list<list<u8>>) -> result<_, " HE ">",
         fields_set},
        {"[method]fields.delete", "func(" F ", name: string) -> result<_, " HE ">", fields_delete},
        {"[method]fields.get-and-delete",
         "func(" F ", name: string) -> result<list<list<u8>>, " HE ">", fields_get_and_delete},
        {"[method]fields.append", "func(" F ", name: string, value: list<u8>) -> result<_, " HE ">",
         fields_append},
        {"[method]fields.copy-all", "func(" F ") -> " FLIST, fields_copy_all},
        {"[method]fields.clone", "func(" F ") -> own<fields>", fields_clone},
        {"[static]request.new",
         "func(headers: own<fields>, contents: option<stream<u8>>, trailers: " TRAILERS
         ", options: option<own<request-options>>) -> tuple<own<request>, " TX ">",
         req_new},
        {"[method]request.get-method", "func(" RQ ") -> " METHOD, req_get_method},
        {"[method]request.set-method", "func(" RQ ", method: " METHOD ") -> result", req_set_method},
        {"[method]request.get-path-with-query", "func(" RQ ") -> option<string>", req_get_path},
        {"[method]request.set-path-with-query",
         "func(" RQ ", path-with-query: option<string>) -> result", req_set_path},
        {"[method]request.get-scheme", "func(" RQ ") -> option<" SCHEME ">", req_get_scheme},
        {"[method]request.set-scheme", "func(" RQ ", scheme: option<" SCHEME ">) -> result",
         req_set_scheme},
        {"[method]request.get-authority", "func(" RQ ") -> option<string>", req_get_authority},
        {"[method]request.set-authority", "func(" RQ ", authority: option<string>) -> result",
         req_set_authority},
        {"[method]request.get-options", "func(" RQ ") -> option<own<request-options>>",
         req_get_options},
        {"[method]request.get-headers", "func(" RQ ") -> own<fields>", msg_get_headers},
        {"[static]request.consume-body",
         "func(this: own<request>, res: " TX ") -> tuple<stream<u8>, " TRAILERS ">",
         msg_consume_body},
        {"[constructor]request-options", "func() -> own<request-options>", opts_new},
        {"[method]request-options.get-connect-timeout", "func(" RO ") -> option<u64>", opts_get},
        {"[method]request-options.set-connect-timeout",
         "func(" RO ", duration: option<u64>) -> result<_, " ROE ">", opts_set},
        {"[method]request-options.get-first-byte-timeout", "func(" RO ") -> option<u64>", opts_get},
        {"[method]request-options.set-first-byte-timeout",
         "func(" RO ", duration: option<u64>) -> result<_, " ROE ">", opts_set},
        {"[method]request-options.get-between-bytes-timeout", "func(" RO ") -> option<u64>",
         opts_get},
        {"[method]request-options.set-between-bytes-timeout",
         "func(" RO ", duration: option<u64>) -> result<_, " ROE ">", opts_set},
        {"[method]request-options.clone", "func(" RO ") -> own<request-options>", opts_clone},
        {"[static]response.new",
         "func(headers: own<fields>, contents: option<stream<u8>>, trailers: " TRAILERS
         ") -> tuple<own<response>, " TX ">",
         resp_new},
        {"[method]response.get-status-code", "func(" RS ") -> u16", resp_get_status},
        {"[method]response.set-status-code", "func(" RS ", status-code: u16) -> result",
         resp_set_status},
        {"[method]response.get-headers", "func(" RS ") -> own<fields>", msg_get_headers},
        {"[static]response.consume-body",
         "func(this: own<response>, res: " TX ") -> tuple<stream<u8>, " TRAILERS ">",
         msg_consume_body},
    };
#undef F
#undef RQ
#undef RO
#undef RS
    for (size_t i = 0; i < COUNT(types); i++)
        if ((rc = hive_linker_define_func(l, WH3_TYPES, types[i].name, types[i].type, types[i].fn, d)))
            return rc;
    rc = hive_linker_define_func(l, WH3_CLIENT, "send",
                                 "async func(request: own<" WH3_TYPES "#request>) -> "
                                 "result<own<" WH3_TYPES "#response>, " EC ">",
                                 client_send, d);
    return rc;
}
