/*
 * cmd.c -- a wasi:cli command component (hand-written canonical-ABI glue,
 * no libc) for `hive run`: GET http://ARG1ARG2 (authority, path) through
 * wasi:http/outgoing-handler, the response body to stdout after a line
 * "status N". An error-code prints "error-code N" and fails (exit 1).
 */
#include <stddef.h>
#include <stdint.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))
#define TYPES "wasi:http/types@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"

IMPORT(TYPES, "[constructor]fields") int32_t fields_new(void);
IMPORT(TYPES, "[constructor]outgoing-request") int32_t oreq_new(int32_t headers);
IMPORT(TYPES, "[method]outgoing-request.set-path-with-query")
int32_t oreq_set_path(int32_t self, int32_t some, const char *ptr, size_t len);
IMPORT(TYPES, "[method]outgoing-request.set-scheme")
int32_t oreq_set_scheme(int32_t self, int32_t some, int32_t tag, const char *ptr, size_t len);
IMPORT(TYPES, "[method]outgoing-request.set-authority")
int32_t oreq_set_authority(int32_t self, int32_t some, const char *ptr, size_t len);
IMPORT(TYPES, "[method]future-incoming-response.subscribe") int32_t fut_subscribe(int32_t self);
IMPORT(TYPES, "[method]future-incoming-response.get") void fut_get(int32_t self, void *ret);
IMPORT(TYPES, "[method]incoming-response.status") int32_t iresp_status(int32_t self);
IMPORT(TYPES, "[method]incoming-response.consume") void iresp_consume(int32_t self, void *ret);
IMPORT(TYPES, "[method]incoming-body.stream") void inbody_stream(int32_t self, void *ret);
IMPORT("wasi:http/outgoing-handler@0.2.12", "handle")
void outgoing_handle(int32_t request, int32_t has_options, int32_t options, void *ret);
IMPORT(STREAMS, "[method]input-stream.blocking-read")
void in_blocking_read(int32_t self, int64_t len, void *ret);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush")
void out_write(int32_t self, const uint8_t *buf, size_t len, void *ret);
IMPORT("wasi:io/poll@0.2.12", "[method]pollable.block") void pollable_block(int32_t self);
IMPORT("wasi:cli/stdout@0.2.12", "get-stdout") int32_t get_stdout(void);
IMPORT("wasi:cli/environment@0.2.12", "get-arguments") void get_arguments(void *ret);

extern unsigned char __heap_base;
static uintptr_t heap_top;

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    if (!heap_top) heap_top = (uintptr_t)&__heap_base;
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

typedef struct { uint8_t tag; int32_t handle; } ret_handle;
typedef struct { uint8_t tag; uint8_t *ptr; size_t len; } ret_list;
typedef struct { uint64_t words[8]; } ret_big;
typedef struct { struct { const char *ptr; size_t len; } *items; size_t n; } ret_strings;

static int32_t out;

static void put(const char *s, size_t n) {
    while (n) {
        size_t k = n > 4096 ? 4096 : n;
        ret_big w;
        out_write(out, (const uint8_t *)s, k, &w);
        s += k;
        n -= k;
    }
}

static void put_num(uint32_t v) {
    char d[12];
    size_t n = 0;
    do d[n++] = (char)('0' + v % 10); while (v /= 10);
    char r[12];
    for (size_t i = 0; i < n; i++) r[i] = d[n - 1 - i];
    put(r, n);
}

EXPORT("wasi:cli/run@0.2.12#run")
int32_t run(void) {
    out = get_stdout();
    ret_strings a;
    get_arguments(&a);
    if (a.n < 3) {
        put("usage: cmd AUTHORITY PATH\n", 26);
        return 1;
    }
    int32_t req = oreq_new(fields_new());
    oreq_set_scheme(req, 1, 0, 0, 0);
    oreq_set_authority(req, 1, a.items[1].ptr, a.items[1].len);
    oreq_set_path(req, 1, a.items[2].ptr, a.items[2].len);
    ret_big h;
    outgoing_handle(req, 0, 0, &h);
    uint8_t *hb = (uint8_t *)&h;
    if (hb[0]) {
        put("error-code ", 11);
        put_num(hb[8]);
        put("\n", 1);
        return 1;
    }
    int32_t fut = *(int32_t *)(hb + 8);
    pollable_block(fut_subscribe(fut));
    ret_big g;
    fut_get(fut, &g);
    uint8_t *gb = (uint8_t *)&g;
    if (!gb[0] || gb[8]) __builtin_trap();
    if (gb[16]) {
        put("error-code ", 11);
        put_num(gb[24]);
        put("\n", 1);
        return 1;
    }
    int32_t resp = *(int32_t *)(gb + 24);
    put("status ", 7);
    put_num((uint32_t)iresp_status(resp));
    put("\n", 1);
    ret_handle r;
    iresp_consume(resp, &r);
    if (r.tag) __builtin_trap();
    inbody_stream(r.handle, &r);
    if (r.tag) __builtin_trap();
    for (;;) {
        ret_list l;
        in_blocking_read(r.handle, 65536, &l);
        if (l.tag) break;
        put((const char *)l.ptr, l.len);
    }
    return 0;
}
