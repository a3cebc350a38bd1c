/*
 * proxy.c -- a wasi:http/proxy component in C with hand-written
 * canonical-ABI glue (no libc, no generated bindings).
 *
 * Built by mk/http-guests.mk: clang --target=wasm32-unknown-unknown makes a
 * core module whose imports and exports follow the canonical ABI's core
 * names and flattened signatures; `jco embed` attaches the world
 * (examples/wasihttp/wit/world.wit) and `jco new` makes the component.
 *
 * Routes (by path):
 *   /echo     the request body back (streamed in and out in 16 KiB reads),
 *             with the request's method in x-method
 *   /pollecho the same as /echo with the non-blocking calls: read, poll on
 *             the input's pollable when nothing came; check-write, write,
 *             pollable.block on the output's when the client is behind
 *   /length   declares content-length 5, tries to write 11 bytes (which must
 *             fail), then writes "yes!\n" ("no!!\n" had the write passed)
 *   /length-short  declares 10, writes 5 and finishes (which must fail:
 *             the response is cut)
 *   /trap     traps (unreachable)
 *   /loop     never returns (for deadlines)
 *   /denied   sets the response-outparam to error-code HTTP-request-denied
 *   /none     returns without setting a response
 *   /headers  the fields rules: what appending to the request's (immutable)
 *             headers, a forbidden name, a malformed name and a value with
 *             a newline answer, and the request's x-test values joined
 *   anything else: "hello from wasi:http #N\n", where N counts the
 *             requests this instance served (so reuse is observable)
 */
#include <stddef.h>
#include <stdint.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))
#define TYPES "wasi:http/types@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"

/* ---- imports: wasi:http/types ---- */
IMPORT(TYPES, "[constructor]fields") int32_t fields_new(void);
IMPORT(TYPES, "[method]fields.append")
void fields_append(int32_t self, const char *name, size_t name_len, const uint8_t *value,
                   size_t value_len, void *ret);
IMPORT(TYPES, "[method]incoming-request.method") void req_method(int32_t self, void *ret);
IMPORT(TYPES, "[method]incoming-request.path-with-query") void req_path(int32_t self, void *ret);
IMPORT(TYPES, "[method]incoming-request.headers") int32_t req_headers(int32_t self);
IMPORT(TYPES, "[method]fields.get")
void fields_get(int32_t self, const char *name, size_t name_len, void *ret);
IMPORT(TYPES, "[resource-drop]fields") void fields_drop(int32_t self);
IMPORT(TYPES, "[method]incoming-request.consume") void req_consume(int32_t self, void *ret);
IMPORT(TYPES, "[resource-drop]incoming-request") void req_drop(int32_t self);
IMPORT(TYPES, "[method]incoming-body.stream") void inbody_stream(int32_t self, void *ret);
IMPORT(TYPES, "[static]incoming-body.finish") int32_t inbody_finish(int32_t self);
IMPORT(TYPES, "[resource-drop]future-trailers") void trailers_drop(int32_t self);
IMPORT(TYPES, "[constructor]outgoing-response") int32_t resp_new(int32_t headers);
IMPORT(TYPES, "[method]outgoing-response.set-status-code")
int32_t resp_set_status(int32_t self, int32_t status);
IMPORT(TYPES, "[method]outgoing-response.body") void resp_body(int32_t self, void *ret);
IMPORT(TYPES, "[method]outgoing-body.write") void outbody_write(int32_t self, void *ret);
IMPORT(TYPES, "[static]outgoing-body.finish")
void outbody_finish(int32_t self, int32_t has_trailers, int32_t trailers, void *ret);
/* set(param: own<response-outparam>, response: result<own<outgoing-response>, error-code>):
 * the result flattens to 8 values (discriminant, then the join of own and
 * error-code's flattening: i32 case, i32, i64, i32 x4). */
IMPORT(TYPES, "[static]response-outparam.set")
void outparam_set(int32_t param, int32_t is_err, int32_t a, int32_t b, int64_t c, int32_t d,
                  int32_t e, int32_t f, int32_t g);

/* ---- imports: wasi:io/streams ---- */
IMPORT(STREAMS, "[method]input-stream.blocking-read")
void in_blocking_read(int32_t self, int64_t len, void *ret);
IMPORT(STREAMS, "[resource-drop]input-stream") void in_drop(int32_t self);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush")
void out_write(int32_t self, const uint8_t *buf, size_t len, void *ret);
IMPORT(STREAMS, "[resource-drop]output-stream") void out_drop(int32_t self);
IMPORT(STREAMS, "[method]input-stream.read") void in_read(int32_t self, int64_t len, void *ret);
IMPORT(STREAMS, "[method]input-stream.subscribe") int32_t in_subscribe(int32_t self);
IMPORT(STREAMS, "[method]output-stream.check-write") void out_check_write(int32_t self, void *ret);
IMPORT(STREAMS, "[method]output-stream.write")
void out_write_nb(int32_t self, const uint8_t *buf, size_t len, void *ret);
IMPORT(STREAMS, "[method]output-stream.subscribe") int32_t out_subscribe(int32_t self);
IMPORT(STREAMS, "[method]output-stream.blocking-flush") void out_blocking_flush(int32_t self, void *ret);

/* ---- imports: wasi:io/poll ---- */
#define POLL "wasi:io/poll@0.2.12"
IMPORT(POLL, "[method]pollable.block") void pollable_block(int32_t self);
IMPORT(POLL, "poll") void poll_list(const int32_t *list, size_t n, void *ret);
IMPORT(POLL, "[resource-drop]pollable") void pollable_drop(int32_t self);

/* ---- a bump allocator for what the host gives us (lists, strings) ---- */
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

/* clang may call these for struct copies */
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

static int streq(const char *a, size_t alen, const char *b) {
    size_t bl = slen(b);
    if (alen < bl) return 0;
    for (size_t i = 0; i < bl; i++)
        if (a[i] != b[i]) return 0;
    return alen == bl || a[bl] == '?';
}

/* Return areas: results larger than one value come back in memory. */
typedef struct { uint8_t tag; int32_t handle; } ret_handle;               /* result<own<T>> */
typedef struct { uint8_t tag; uint8_t err; } ret_header;                  /* result<_, header-error> */
typedef struct { uint8_t tag; uint8_t *ptr; size_t len; } ret_list;       /* result<list<u8>, stream-error> */
typedef struct { uint8_t tag; uint8_t err_tag; int32_t err; } ret_write;  /* result<_, stream-error> */
typedef struct { uint8_t tag; const char *ptr; size_t len; } ret_string;  /* option<string>, method */
typedef struct { struct { uint8_t *ptr; size_t len; } *items; size_t n; } ret_values; /* list<list<u8>> */
typedef struct { uint8_t tag; uint64_t n; } ret_u64;                  /* result<u64, stream-error> */
typedef struct { uint32_t *ptr; size_t len; } ret_u32s;                 /* list<u32> */
typedef struct { uint64_t words[6]; } ret_big;                           /* result<_, error-code> */

static uint32_t served; /* requests this instance has served */

static void add_header(int32_t fields, const char *name, const char *value, size_t len) {
    ret_header r;
    fields_append(fields, name, slen(name), (const uint8_t *)value, len, &r);
    if (r.tag) __builtin_trap();
}

/* Starts a response: status, headers; returns the body's output stream
 * and the body in *body, the response set into the outparam. */
static int32_t respond(int32_t outparam, int status, int32_t headers, int32_t *body) {
    int32_t resp = resp_new(headers);
    if (resp_set_status(resp, status)) __builtin_trap();
    ret_handle r;
    resp_body(resp, &r);
    if (r.tag) __builtin_trap();
    *body = r.handle;
    outbody_write(*body, &r);
    if (r.tag) __builtin_trap();
    outparam_set(outparam, 0, resp, 0, 0, 0, 0, 0, 0);
    return r.handle;
}

static void write_all(int32_t out, const uint8_t *buf, size_t len) {
    /* blocking-write-and-flush takes at most 4096 bytes per call */
    while (len) {
        size_t n = len > 4096 ? 4096 : len;
        ret_write w;
        out_write(out, buf, n, &w);
        if (w.tag) __builtin_trap();
        buf += n;
        len -= n;
    }
}

static void finish(int32_t out, int32_t body) {
    out_drop(out);
    ret_big r;
    outbody_finish(body, 0, 0, &r);
    if (((uint8_t *)&r)[0]) __builtin_trap();
}

static void echo(int32_t request, int32_t outparam) {
    ret_string m;
    req_method(request, &m);
    static const char *const names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
                                        "OPTIONS", "TRACE", "PATCH"};
    const char *method = m.tag < 9 ? names[m.tag] : m.ptr;
    size_t mlen = m.tag < 9 ? slen(method) : m.len;
    ret_handle r;
    req_consume(request, &r);
    if (r.tag) __builtin_trap();
    int32_t inbody = r.handle;
    inbody_stream(inbody, &r);
    if (r.tag) __builtin_trap();
    int32_t in = r.handle;
    int32_t headers = fields_new();
    add_header(headers, "content-type", "application/octet-stream", 24);
    add_header(headers, "x-method", method, mlen);
    int32_t body;
    int32_t out = respond(outparam, 200, headers, &body);
    for (;;) {
        uintptr_t mark = heap_top;
        ret_list l;
        in_blocking_read(in, 16384, &l);
        if (l.tag) break; /* closed: the end of the body */
        write_all(out, l.ptr, l.len);
        heap_top = mark;
    }
    in_drop(in);
    trailers_drop(inbody_finish(inbody));
    req_drop(request);
    finish(out, body);
}

static void pollecho(int32_t request, int32_t outparam) {
    ret_handle r;
    req_consume(request, &r);
    if (r.tag) __builtin_trap();
    int32_t inbody = r.handle;
    inbody_stream(inbody, &r);
    if (r.tag) __builtin_trap();
    int32_t in = r.handle;
    int32_t headers = fields_new();
    add_header(headers, "content-type", "application/octet-stream", 24);
    int32_t body;
    int32_t out = respond(outparam, 200, headers, &body);
    int32_t pin = in_subscribe(in), pout = out_subscribe(out);
    for (;;) {
        uintptr_t mark = heap_top;
        ret_list l;
        in_read(in, 65536, &l);
        if (l.tag) break; /* closed */
        if (l.len == 0) { /* nothing yet: wait on the input's pollable */
            ret_u32s ready;
            poll_list(&pin, 1, &ready);
            if (ready.len != 1 || ready.ptr[0] != 0) __builtin_trap();
            heap_top = mark;
            continue;
        }
        size_t off = 0;
        while (off < l.len) {
            ret_u64 c;
            out_check_write(out, &c);
            if (c.tag) __builtin_trap();
            if (c.n == 0) {
                pollable_block(pout);
                continue;
            }
            size_t n = l.len - off < c.n ? l.len - off : (size_t)c.n;
            ret_write w;
            out_write_nb(out, l.ptr + off, n, &w);
            if (w.tag) __builtin_trap();
            off += n;
        }
        heap_top = mark;
    }
    pollable_drop(pin);
    pollable_drop(pout);
    ret_write w;
    out_blocking_flush(out, &w);
    if (w.tag) __builtin_trap();
    in_drop(in);
    trailers_drop(inbody_finish(inbody));
    req_drop(request);
    finish(out, body);
}

static void length_route(int32_t request, int32_t outparam, int short_body) {
    req_drop(request);
    int32_t headers = fields_new();
    add_header(headers, "content-length", short_body ? "10" : "5", short_body ? 2 : 1);
    int32_t body;
    int32_t out = respond(outparam, 200, headers, &body);
    if (short_body) {
        write_all(out, (const uint8_t *)"hello", 5);
        out_drop(out);
        ret_big r;
        outbody_finish(body, 0, 0, &r);
        if (!((uint8_t *)&r)[0]) __builtin_trap(); /* finish must fail */
        return;
    }
    ret_write w;
    out_write_nb(out, (const uint8_t *)"hello world", 11, &w);
    write_all(out, (const uint8_t *)(w.tag ? "yes!\n" : "no!!\n"), 5);
    finish(out, body);
}

/* Appends "name=" and what fields.append answered: ok, or the header-error case. */
static size_t try_append(char *out, size_t n, const char *label, int32_t fields, const char *name,
                         const char *value) {
    static const char *const errs[] = {"invalid-syntax", "forbidden", "immutable"};
    ret_header r;
    fields_append(fields, name, slen(name), (const uint8_t *)value, slen(value), &r);
    const char *what = r.tag ? (r.err < 3 ? errs[r.err] : "?") : "ok";
    for (size_t i = 0; label[i]; i++) out[n++] = label[i];
    out[n++] = '=';
    for (size_t i = 0; what[i]; i++) out[n++] = what[i];
    out[n++] = ' ';
    return n;
}

static void headers_route(int32_t request, int32_t outparam) {
    char out[512];
    size_t n = 0;
    int32_t in = req_headers(request);
    n = try_append(out, n, "immutable", in, "x-new", "1");
    int32_t f = fields_new();
    n = try_append(out, n, "forbidden", f, "Connection", "close");
    n = try_append(out, n, "syntax", f, "bad name", "1");
    n = try_append(out, n, "value", f, "x-ok", "a\nb");
    n = try_append(out, n, "fine", f, "X-Fine", "yes");
    ret_values v;
    fields_get(in, "X-Test", 6, &v);
    const char *label = "x-test=";
    for (size_t i = 0; label[i]; i++) out[n++] = label[i];
    for (size_t i = 0; i < v.n; i++) {
        if (i) out[n++] = ',';
        for (size_t k = 0; k < v.items[i].len && n < sizeof out - 2; k++)
            out[n++] = (char)v.items[i].ptr[k];
    }
    out[n++] = '\n';
    fields_drop(in);
    req_drop(request);
    int32_t body;
    int32_t s = respond(outparam, 200, f, &body);
    write_all(s, (const uint8_t *)out, n);
    finish(s, body);
}

EXPORT("wasi:http/incoming-handler@0.2.12#handle")
void handle(int32_t request, int32_t outparam) {
    heap_reset();
    served++;
    ret_string p;
    req_path(request, &p);
    const char *path = p.tag ? p.ptr : "/";
    size_t plen = p.tag ? p.len : 1;
    if (streq(path, plen, "/echo")) {
        echo(request, outparam);
        return;
    }
    if (streq(path, plen, "/length")) {
        length_route(request, outparam, 0);
        return;
    }
    if (streq(path, plen, "/length-short")) {
        length_route(request, outparam, 1);
        return;
    }
    if (streq(path, plen, "/pollecho")) {
        pollecho(request, outparam);
        return;
    }
    if (streq(path, plen, "/headers")) {
        headers_route(request, outparam);
        return;
    }
    if (streq(path, plen, "/trap")) __builtin_trap();
    if (streq(path, plen, "/loop"))
        for (volatile int spin = 1; spin;) {}
    if (streq(path, plen, "/denied")) {
        req_drop(request);
        outparam_set(outparam, 1, 15 /* HTTP-request-denied */, 0, 0, 0, 0, 0, 0);
        return;
    }
    if (streq(path, plen, "/none")) {
        req_drop(request);
        return; /* the outparam is dropped unset */
    }
    req_drop(request);
    char msg[64] = "hello from wasi:http #";
    size_t n = slen(msg);
    char digits[12];
    size_t nd = 0;
    uint32_t v = served;
    do digits[nd++] = (char)('0' + v % 10); while ((v /= 10) && nd < sizeof digits);
    while (nd) msg[n++] = digits[--nd];
    msg[n++] = '\n';
    int32_t headers = fields_new();
    add_header(headers, "content-type", "text/plain", 10);
    int32_t body;
    int32_t out = respond(outparam, 200, headers, &body);
    write_all(out, (const uint8_t *)msg, n);
    finish(out, body);
}
