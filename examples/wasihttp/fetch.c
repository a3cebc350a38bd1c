/*
 * fetch.c -- a wasi:http/proxy component in C that makes outgoing requests
 * (wasi:http/outgoing-handler), with the hand-written canonical-ABI glue of
 * proxy.c. Every request is sent on to an upstream named by headers:
 *
 *   x-upstream: AUTHORITY        where to (host:port); required
 *   x-upstream-scheme: http|https (default http)
 *   x-upstream-path: /PATH       (default: the request's own path)
 *   x-connect-timeout-ms, x-first-byte-timeout-ms, x-between-bytes-timeout-ms:
 *                                request-options
 *   x-mode: report               answer a text report (status, body bytes and
 *                                a checksum, the trailers) instead of relaying
 *   x-send-trailer: V            the request body upstream ends with a trailer
 *                                x-trailer: V (a request with trailers of its
 *                                own sends those instead)
 *   x-mode: trap                 trap once the upstream's response head came
 *                                (its body still in flight; for tests)
 *   x-burst: N                   instead: N GETs of x-upstream-path at once (all
 *                                handle()d before any is waited for); the answer
 *                                lists each one's status or error-code
 *
 * The request's method is kept; its body (POST, PUT, PATCH) is streamed
 * upstream while it arrives, after handle() (with its content-length when
 * the request has one, else chunked). The upstream's status, headers and
 * body are relayed, streamed, and its trailers after the body. An error-code (from handle, the response or
 * the body) answers 502 with x-error-code: N (the case's index).
 */
#include <stddef.h>
#include <stdint.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))
#define TYPES "wasi:http/types@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"
#define POLL "wasi:io/poll@0.2.12"
#define OUTGOING "wasi:http/outgoing-handler@0.2.12"

IMPORT(TYPES, "[constructor]fields") int32_t fields_new(void);
IMPORT(TYPES, "[method]fields.append")
void fields_append(int32_t self, const char *name, size_t name_len, const uint8_t *value,
                   size_t value_len, void *ret);
IMPORT(TYPES, "[method]fields.get")
void fields_get(int32_t self, const char *name, size_t name_len, void *ret);
IMPORT(TYPES, "[method]fields.entries") void fields_entries(int32_t self, void *ret);
IMPORT(TYPES, "[method]fields.clone") int32_t fields_clone(int32_t self);
IMPORT(TYPES, "[resource-drop]fields") void fields_drop(int32_t self);
IMPORT(TYPES, "[method]incoming-request.method") void req_method(int32_t self, void *ret);
IMPORT(TYPES, "[method]incoming-request.path-with-query") void req_path(int32_t self, void *ret);
IMPORT(TYPES, "[method]incoming-request.headers") int32_t req_headers(int32_t self);
IMPORT(TYPES, "[method]incoming-request.consume") void req_consume(int32_t self, void *ret);
IMPORT(TYPES, "[resource-drop]incoming-request") void req_drop(int32_t self);
IMPORT(TYPES, "[method]incoming-body.stream") void inbody_stream(int32_t self, void *ret);
IMPORT(TYPES, "[static]incoming-body.finish") int32_t inbody_finish(int32_t self);
IMPORT(TYPES, "[method]future-trailers.subscribe") int32_t trailers_subscribe(int32_t self);
IMPORT(TYPES, "[method]future-trailers.get") void trailers_get(int32_t self, void *ret);
IMPORT(TYPES, "[resource-drop]future-trailers") void trailers_drop(int32_t self);
IMPORT(TYPES, "[constructor]outgoing-response") int32_t resp_new(int32_t headers);
IMPORT(TYPES, "[method]outgoing-response.set-status-code")
int32_t resp_set_status(int32_t self, int32_t status);
IMPORT(TYPES, "[method]outgoing-response.body") void resp_body(int32_t self, void *ret);
IMPORT(TYPES, "[method]outgoing-body.write") void outbody_write(int32_t self, void *ret);
IMPORT(TYPES, "[static]outgoing-body.finish")
void outbody_finish(int32_t self, int32_t has_trailers, int32_t trailers, void *ret);
IMPORT(TYPES, "[static]response-outparam.set")
void outparam_set(int32_t param, int32_t is_err, int32_t a, int32_t b, int64_t c, int32_t d,
                  int32_t e, int32_t f, int32_t g);
/* the client side */
IMPORT(TYPES, "[constructor]outgoing-request") int32_t oreq_new(int32_t headers);
IMPORT(TYPES, "[method]outgoing-request.set-method")
int32_t oreq_set_method(int32_t self, int32_t tag, const char *ptr, size_t len);
IMPORT(TYPES, "[method]outgoing-request.set-path-with-query")
int32_t oreq_set_path(int32_t self, int32_t some, const char *ptr, size_t len);
IMPORT(TYPES, "[method]outgoing-request.set-scheme")
int32_t oreq_set_scheme(int32_t self, int32_t some, int32_t tag, const char *ptr, size_t len);
IMPORT(TYPES, "[method]outgoing-request.set-authority")
int32_t oreq_set_authority(int32_t self, int32_t some, const char *ptr, size_t len);
IMPORT(TYPES, "[method]outgoing-request.body") void oreq_body(int32_t self, void *ret);
IMPORT(TYPES, "[constructor]request-options") int32_t ropt_new(void);
IMPORT(TYPES, "[method]request-options.set-connect-timeout")
int32_t ropt_connect(int32_t self, int32_t some, int64_t ns);
IMPORT(TYPES, "[method]request-options.set-first-byte-timeout")
int32_t ropt_first(int32_t self, int32_t some, int64_t ns);
IMPORT(TYPES, "[method]request-options.set-between-bytes-timeout")
int32_t ropt_between(int32_t self, int32_t some, int64_t ns);
IMPORT(TYPES, "[method]future-incoming-response.subscribe") int32_t fut_subscribe(int32_t self);
IMPORT(TYPES, "[method]future-incoming-response.get") void fut_get(int32_t self, void *ret);
IMPORT(TYPES, "[resource-drop]future-incoming-response") void fut_drop(int32_t self);
IMPORT(TYPES, "[method]incoming-response.status") int32_t iresp_status(int32_t self);
IMPORT(TYPES, "[method]incoming-response.headers") int32_t iresp_headers(int32_t self);
IMPORT(TYPES, "[method]incoming-response.consume") void iresp_consume(int32_t self, void *ret);
IMPORT(TYPES, "[resource-drop]incoming-response") void iresp_drop(int32_t self);
IMPORT(OUTGOING, "handle")
void outgoing_handle(int32_t request, int32_t has_options, int32_t options, void *ret);

IMPORT(STREAMS, "[method]input-stream.blocking-read")
void in_blocking_read(int32_t self, int64_t len, void *ret);
IMPORT(STREAMS, "[resource-drop]input-stream") void in_drop(int32_t self);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush")
void out_write(int32_t self, const uint8_t *buf, size_t len, void *ret);
IMPORT(STREAMS, "[resource-drop]output-stream") void out_drop(int32_t self);
IMPORT(POLL, "[method]pollable.block") void pollable_block(int32_t self);
IMPORT(POLL, "poll") void poll_list(const int32_t *list, size_t n, void *ret);
IMPORT(POLL, "[resource-drop]pollable") void pollable_drop(int32_t self);

extern unsigned char __heap_base;
static uintptr_t heap_top;
static void heap_reset(void) { heap_top = (uintptr_t)&__heap_base; }

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    if (!heap_top) heap_reset();
    uintptr_t p = (heap_top + align - 1) & ~(uintptr_t)(align - 1);
    uintptr_t end = p + new_size;
    size_t have = __builtin_wasm_memory_size(0) * 65536;
    if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1)
        __builtin_trap();
    heap_top = end;
    unsigned char *d = (unsigned char *)p;
    const unsigned char *s = old;
    for (size_t i = 0; i < old_size && i < new_size; i++) d[i] = s[i];
    return d;
}

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}
void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

static size_t slen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static int eq(const uint8_t *a, size_t n, const char *b) {
    if (n != slen(b)) return 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != (uint8_t)b[i]) return 0;
    return 1;
}

typedef struct { uint8_t tag; int32_t handle; } ret_handle;
typedef struct { uint8_t tag; uint8_t err; } ret_header;
typedef struct { uint8_t tag; uint8_t *ptr; size_t len; } ret_list;
typedef struct { uint8_t tag; uint8_t err_tag; int32_t err; } ret_write;
typedef struct { uint8_t tag; const char *ptr; size_t len; } ret_string;
typedef struct { struct { uint8_t *ptr; size_t len; } *items; size_t n; } ret_values;
typedef struct { uint32_t *ptr; size_t len; } ret_u32s;
typedef struct { uint64_t words[8]; } ret_big;
typedef struct { struct { const char *name; size_t nlen; uint8_t *val; size_t vlen; } *items; size_t n; } ret_entries;

/* The first value of header name in fields f (NULL: none). */
static const uint8_t *header(int32_t f, const char *name, size_t *len) {
    ret_values v;
    fields_get(f, name, slen(name), &v);
    if (!v.n) return NULL;
    *len = v.items[0].len;
    return v.items[0].ptr;
}

static uint64_t number(const uint8_t *s, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static void add_header(int32_t fields, const char *name, const char *value, size_t len) {
    ret_header r;
    fields_append(fields, name, slen(name), (const uint8_t *)value, len, &r);
    if (r.tag) __builtin_trap();
}

static size_t fmt_u64(char *out, uint64_t v) {
    char d[24];
    size_t n = 0, k = 0;
    do d[n++] = (char)('0' + v % 10); while (v /= 10);
    while (n) out[k++] = d[--n];
    return k;
}

static void write_all(int32_t out, const uint8_t *buf, size_t len) {
    while (len) {
        size_t n = len > 4096 ? 4096 : len;
        ret_write w;
        out_write(out, buf, n, &w);
        if (w.tag) __builtin_trap();
        buf += n;
        len -= n;
    }
}

/* A response with status and a text body. */
static void respond_text(int32_t outparam, int status, int32_t headers, const char *text,
                         size_t len) {
    int32_t resp = resp_new(headers);
    if (resp_set_status(resp, status)) __builtin_trap();
    ret_handle r;
    resp_body(resp, &r);
    if (r.tag) __builtin_trap();
    int32_t body = r.handle;
    outbody_write(body, &r);
    if (r.tag) __builtin_trap();
    outparam_set(outparam, 0, resp, 0, 0, 0, 0, 0, 0);
    write_all(r.handle, (const uint8_t *)text, len);
    out_drop(r.handle);
    ret_big f;
    outbody_finish(body, 0, 0, &f);
}

static void fail(int32_t outparam, uint32_t code, const char *where) {
    int32_t h = fields_new();
    char num[12];
    size_t n = fmt_u64(num, code);
    add_header(h, "x-error-code", num, n);
    char text[96];
    size_t k = 0;
    const char *pre = "error-code ";
    for (size_t i = 0; pre[i]; i++) text[k++] = pre[i];
    for (size_t i = 0; i < n; i++) text[k++] = num[i];
    text[k++] = ' ';
    for (size_t i = 0; where[i] && k < sizeof text - 2; i++) text[k++] = where[i];
    text[k++] = '\n';
    respond_text(outparam, 502, h, text, k);
}

/* x-burst: n requests in flight at once, then each one's outcome. */
static void burst(int32_t outparam, uint32_t n, const uint8_t *up, size_t ul, const uint8_t *path,
                  size_t pl) {
    int32_t futs[64];
    uint32_t errs[64];
    if (n > 64) n = 64;
    for (uint32_t i = 0; i < n; i++) {
        int32_t req = oreq_new(fields_new());
        oreq_set_scheme(req, 1, 0, 0, 0);
        oreq_set_authority(req, 1, (const char *)up, ul);
        oreq_set_path(req, 1, path ? (const char *)path : "/", path ? pl : 1);
        ret_big h;
        outgoing_handle(req, 0, 0, &h);
        uint8_t *hb = (uint8_t *)&h;
        futs[i] = hb[0] ? -1 : *(int32_t *)(hb + 8);
        errs[i] = hb[0] ? hb[8] : 0;
    }
    char text[1024];
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (futs[i] < 0) {
            text[k++] = 'e';
            k += fmt_u64(text + k, errs[i]);
        } else {
            int32_t pf = fut_subscribe(futs[i]);
            pollable_block(pf);
            pollable_drop(pf);
            ret_big g;
            fut_get(futs[i], &g);
            uint8_t *gb = (uint8_t *)&g;
            if (gb[16]) {
                text[k++] = 'e';
                k += fmt_u64(text + k, gb[24]);
            } else {
                int32_t resp = *(int32_t *)(gb + 24);
                k += fmt_u64(text + k, (uint64_t)iresp_status(resp));
                iresp_drop(resp);
            }
            fut_drop(futs[i]);
        }
        text[k++] = i + 1 < n ? ' ' : '\n';
    }
    respond_text(outparam, 200, fields_new(), text, k);
}

EXPORT("wasi:http/incoming-handler@0.2.12#handle")
void handle(int32_t request, int32_t outparam) {
    heap_reset();
    int32_t in_headers = req_headers(request);
    size_t ul = 0, sl = 0, pl = 0, ml = 0, cl = 0, tl;
    const uint8_t *up = header(in_headers, "x-upstream", &ul);
    const uint8_t *scheme = header(in_headers, "x-upstream-scheme", &sl);
    const uint8_t *upath = header(in_headers, "x-upstream-path", &pl);
    const uint8_t *mode = header(in_headers, "x-mode", &ml);
    const uint8_t *clen = header(in_headers, "content-length", &cl);
    size_t trl = 0;
    const uint8_t *trailer = header(in_headers, "x-send-trailer", &trl);
    int report = mode && eq(mode, ml, "report");
    size_t bl;
    const uint8_t *burst_n = header(in_headers, "x-burst", &bl);
    if (burst_n && up) {
        req_drop(request);
        burst(outparam, (uint32_t)number(burst_n, bl), up, ul, upath, pl);
        return;
    }
    if (!up) {
        req_drop(request);
        respond_text(outparam, 400, fields_new(), "no x-upstream\n", 14);
        return;
    }
    /* the outgoing request */
    int32_t oh = fields_new();
    if (clen) add_header(oh, "content-length", (const char *)clen, cl);
    add_header(oh, "x-via", "hive-fetch", 10);
    int32_t oreq = oreq_new(oh);
    ret_string m;
    req_method(request, &m);
    if (oreq_set_method(oreq, m.tag, m.tag == 9 ? m.ptr : 0, m.tag == 9 ? m.len : 0)) __builtin_trap();
    ret_string p;
    req_path(request, &p);
    if (upath) oreq_set_path(oreq, 1, (const char *)upath, pl);
    else oreq_set_path(oreq, 1, p.tag ? p.ptr : "/", p.tag ? p.len : 1);
    int https = scheme && eq(scheme, sl, "https");
    if (oreq_set_scheme(oreq, 1, https ? 1 : 0, 0, 0)) __builtin_trap();
    if (oreq_set_authority(oreq, 1, (const char *)up, ul)) __builtin_trap();
    int has_body = m.tag == 2 || m.tag == 3 || m.tag == 8;
    int32_t obody = -1;
    if (has_body) {
        ret_handle r;
        oreq_body(oreq, &r);
        if (r.tag) __builtin_trap();
        obody = r.handle;
    }
    int32_t opts = ropt_new();
    const uint8_t *t;
    if ((t = header(in_headers, "x-connect-timeout-ms", &tl)))
        ropt_connect(opts, 1, (int64_t)(number(t, tl) * 1000000));
    if ((t = header(in_headers, "x-first-byte-timeout-ms", &tl)))
        ropt_first(opts, 1, (int64_t)(number(t, tl) * 1000000));
    if ((t = header(in_headers, "x-between-bytes-timeout-ms", &tl)))
        ropt_between(opts, 1, (int64_t)(number(t, tl) * 1000000));
    fields_drop(in_headers);
    ret_big hr;
    outgoing_handle(oreq, 1, opts, &hr);
    uint8_t *hb = (uint8_t *)&hr;
    if (hb[0]) {
        req_drop(request);
        fail(outparam, hb[8], "handle");
        return;
    }
    int32_t future = *(int32_t *)(hb + 8);
    /* the request body, streamed upstream */
    if (has_body) {
        ret_handle r;
        req_consume(request, &r);
        if (r.tag) __builtin_trap();
        int32_t inbody = r.handle;
        inbody_stream(inbody, &r);
        if (r.tag) __builtin_trap();
        int32_t in = r.handle;
        outbody_write(obody, &r);
        if (r.tag) __builtin_trap();
        int32_t out = r.handle;
        for (;;) {
            uintptr_t mark = heap_top;
            ret_list l;
            in_blocking_read(in, 16384, &l);
            if (l.tag) break;
            size_t off = 0;
            int broken = 0;
            while (off < l.len && !broken) {
                size_t n = l.len - off > 4096 ? 4096 : l.len - off;
                ret_write w;
                out_write(out, l.ptr + off, n, &w);
                broken = w.tag;
                off += n;
            }
            heap_top = mark;
            if (broken) break;
        }
        in_drop(in);
        /* the request's own trailers go up with it (else x-send-trailer's) */
        int32_t ift = inbody_finish(inbody);
        int32_t ipt = trailers_subscribe(ift);
        pollable_block(ipt);
        pollable_drop(ipt);
        ret_big itg;
        trailers_get(ift, &itg);
        uint8_t *itb = (uint8_t *)&itg;
        int32_t in_trailers = itb[0] && !itb[8] && !itb[16] && itb[24] ? *(int32_t *)(itb + 28) : 0;
        trailers_drop(ift);
        out_drop(out);
        ret_big f;
        if (in_trailers) {
            outbody_finish(obody, 1, in_trailers, &f);
        } else if (trailer) {
            int32_t tf = fields_new();
            add_header(tf, "x-trailer", (const char *)trailer, trl);
            outbody_finish(obody, 1, tf, &f);
        } else {
            outbody_finish(obody, 0, 0, &f);
        }
    }
    req_drop(request);
    /* the response: wait on the future's pollable */
    int32_t pf = fut_subscribe(future);
    if (report) {
        ret_u32s ready;
        poll_list(&pf, 1, &ready);
        if (ready.len != 1) __builtin_trap();
    } else {
        pollable_block(pf);
    }
    pollable_drop(pf);
    ret_big g;
    fut_get(future, &g);
    uint8_t *gb = (uint8_t *)&g;
    if (!gb[0] || gb[8]) __builtin_trap(); /* ready, not taken before */
    fut_drop(future);
    if (gb[16]) {
        fail(outparam, gb[24], "response");
        return;
    }
    int32_t resp = *(int32_t *)(gb + 24);
    if (mode && eq(mode, ml, "trap")) __builtin_trap(); /* the response body still in flight */
    int status = iresp_status(resp);
    int32_t rh = iresp_headers(resp);
    ret_handle r;
    iresp_consume(resp, &r);
    if (r.tag) __builtin_trap();
    int32_t ibody = r.handle;
    inbody_stream(ibody, &r);
    if (r.tag) __builtin_trap();
    int32_t in = r.handle;
    if (report) {
        uint64_t bytes = 0, sum = 0;
        int failed = 0;
        for (;;) {
            uintptr_t mark = heap_top;
            ret_list l;
            in_blocking_read(in, 65536, &l);
            if (l.tag) {
                failed = ((uint8_t *)&l)[4] == 0; /* last-operation-failed */
                break;
            }
            for (size_t i = 0; i < l.len; i++) sum = sum * 31 + l.ptr[i];
            bytes += l.len;
            heap_top = mark;
        }
        in_drop(in);
        int32_t ft = inbody_finish(ibody);
        int32_t pt = trailers_subscribe(ft);
        pollable_block(pt);
        pollable_drop(pt);
        ret_big tg;
        trailers_get(ft, &tg);
        uint8_t *tb = (uint8_t *)&tg;
        char text[1024];
        size_t k = 0;
#define PUT(s) for (const char *q_ = (s); *q_; q_++) text[k++] = *q_
        PUT("status=");
        k += fmt_u64(text + k, (uint64_t)status);
        PUT(" bytes=");
        k += fmt_u64(text + k, bytes);
        PUT(" sum=");
        k += fmt_u64(text + k, sum);
        PUT(failed ? " body=failed" : " body=ok");
        if (tb[0] && !tb[8] && tb[16]) {
            PUT(" trailers-error=");
            k += fmt_u64(text + k, tb[24]);
        } else if (tb[0] && !tb[8] && tb[24]) {
            int32_t tf = *(int32_t *)(tb + 28);
            ret_entries e;
            fields_entries(tf, &e);
            PUT(" trailers=");
            for (size_t i = 0; i < e.n && k < 900; i++) {
                for (size_t j = 0; j < e.items[i].nlen; j++) text[k++] = e.items[i].name[j];
                text[k++] = ':';
                for (size_t j = 0; j < e.items[i].vlen && k < 1000; j++) text[k++] = (char)e.items[i].val[j];
                text[k++] = ';';
            }
            fields_drop(tf);
        } else {
            PUT(" trailers=none");
        }
        text[k++] = '\n';
        trailers_drop(ft);
        fields_drop(rh);
        iresp_drop(resp);
        respond_text(outparam, 200, fields_new(), text, k);
        return;
    }
    /* relay: the upstream's head, then its body as it comes */
    int32_t oresp = resp_new(fields_clone(rh));
    fields_drop(rh);
    if (resp_set_status(oresp, status)) __builtin_trap();
    resp_body(oresp, &r);
    if (r.tag) __builtin_trap();
    int32_t body = r.handle;
    outbody_write(body, &r);
    if (r.tag) __builtin_trap();
    int32_t out = r.handle;
    outparam_set(outparam, 0, oresp, 0, 0, 0, 0, 0, 0);
    int cut = 0;
    for (;;) {
        uintptr_t mark = heap_top;
        ret_list l;
        in_blocking_read(in, 65536, &l);
        if (l.tag) {
            cut = ((uint8_t *)&l)[4] == 0;
            break;
        }
        write_all(out, l.ptr, l.len);
        heap_top = mark;
    }
    in_drop(in);
    /* the upstream's trailers (if any) end the relayed body too */
    int32_t ft = inbody_finish(ibody);
    int32_t tfields = 0;
    if (!cut) {
        int32_t pt = trailers_subscribe(ft);
        pollable_block(pt);
        pollable_drop(pt);
        ret_big tg;
        trailers_get(ft, &tg);
        uint8_t *tb = (uint8_t *)&tg;
        if (tb[0] && !tb[8] && !tb[16] && tb[24]) tfields = *(int32_t *)(tb + 28);
    }
    trailers_drop(ft);
    iresp_drop(resp);
    out_drop(out);
    if (cut) return; /* the upstream's body broke: the response is cut (body dropped unfinished) */
    ret_big f;
    outbody_finish(body, tfields != 0, tfields, &f);
}
