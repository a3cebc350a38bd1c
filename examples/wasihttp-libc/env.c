/*
 * env.c -- a wasi:http/proxy component in C with wasi-libc: the
 * canonical-ABI glue for wasi:http by hand (as examples/wasihttp/proxy.c),
 * the rest (getenv, stdio, files) from wasi-libc through the preview-1
 * reactor adapter that jco ships. It needs the whole of WASI 0.2, so
 * `hive serve` gives it a WASI 0.2 world, with --env and --dir.
 *
 *   /env?NAME    the value of environment variable NAME, or "(unset)"
 *   /file?PATH   the contents of file PATH (a --dir preopen), or "(none)"
 *   else         "hello from wasi-libc", and a line on stderr (the log)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))
#define TYPES "wasi:http/types@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"

IMPORT(TYPES, "[constructor]fields") int32_t fields_new(void);
IMPORT(TYPES, "[method]fields.append")
void fields_append(int32_t self, const char *name, size_t name_len, const uint8_t *value,
                   size_t value_len, void *ret);
IMPORT(TYPES, "[method]incoming-request.path-with-query") void req_path(int32_t self, void *ret);
IMPORT(TYPES, "[resource-drop]incoming-request") void req_drop(int32_t self);
IMPORT(TYPES, "[constructor]outgoing-response") int32_t resp_new(int32_t headers);
IMPORT(TYPES, "[method]outgoing-response.body") void resp_body(int32_t self, void *ret);
IMPORT(TYPES, "[method]outgoing-body.write") void outbody_write(int32_t self, void *ret);
IMPORT(TYPES, "[static]outgoing-body.finish")
void outbody_finish(int32_t self, int32_t has_trailers, int32_t trailers, void *ret);
IMPORT(TYPES, "[static]response-outparam.set")
void outparam_set(int32_t param, int32_t is_err, int32_t a, int32_t b, int64_t c, int32_t d,
                  int32_t e, int32_t f, int32_t g);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush")
void out_write(int32_t self, const uint8_t *buf, size_t len, void *ret);
IMPORT(STREAMS, "[resource-drop]output-stream") void out_drop(int32_t self);

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    (void)old_size, (void)align;
    return realloc(old, new_size);
}

typedef struct { uint8_t tag; int32_t handle; } ret_handle;
typedef struct { uint8_t tag; uint8_t err; } ret_header;
typedef struct { uint8_t tag; uint8_t err_tag; int32_t err; } ret_write;
typedef struct { uint8_t tag; const char *ptr; size_t len; } ret_string;
typedef struct { uint64_t words[6]; } ret_big;

static void reply(int32_t outparam, const char *text, size_t n) {
    int32_t headers = fields_new();
    ret_header h;
    fields_append(headers, "content-type", 12, (const uint8_t *)"text/plain", 10, &h);
    if (h.tag) abort();
    int32_t resp = resp_new(headers);
    ret_handle r;
    resp_body(resp, &r);
    if (r.tag) abort();
    int32_t body = r.handle;
    outbody_write(body, &r);
    if (r.tag) abort();
    int32_t out = r.handle;
    outparam_set(outparam, 0, resp, 0, 0, 0, 0, 0, 0);
    while (n) {
        size_t k = n > 4096 ? 4096 : n;
        ret_write w;
        out_write(out, (const uint8_t *)text, k, &w);
        if (w.tag) abort();
        text += k;
        n -= k;
    }
    out_drop(out);
    ret_big f;
    outbody_finish(body, 0, 0, &f);
    if (((uint8_t *)&f)[0]) abort();
}

EXPORT("wasi:http/incoming-handler@0.2.12#handle")
void handle(int32_t request, int32_t outparam) {
    ret_string p;
    req_path(request, &p);
    char path[512] = "/";
    if (p.tag && p.len < sizeof path) {
        memcpy(path, p.ptr, p.len);
        path[p.len] = 0;
    }
    req_drop(request);
    char *q = strchr(path, '?');
    if (q) *q++ = 0;
    static char buf[65536];
    if (!strcmp(path, "/env") && q) {
        const char *v = getenv(q);
        int n = snprintf(buf, sizeof buf, "%s\n", v ? v : "(unset)");
        reply(outparam, buf, (size_t)n);
    } else if (!strcmp(path, "/file") && q) {
        FILE *f = fopen(q, "r");
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        else n = (size_t)snprintf(buf, sizeof buf, "(none)\n");
        reply(outparam, buf, n);
    } else {
        fprintf(stderr, "wasi-libc guest served %s\n", path);
        reply(outparam, "hello from wasi-libc\n", 21);
    }
}
