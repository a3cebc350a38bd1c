/*
 * http_walk.c -- every allocation failure of serving HTTP requests: an
 * in-process server (src/http/server.c) on a libuv loop, a handler
 * (src/handler/pool.c) running a WAGI guest (src/guest/wagi.c, WASI in
 * src/wasi), and a client thread that sends one GET and one POST with a
 * body over loopback.
 *
 * Usage: http_walk GUEST.wasm    (tests/alloc/wagi.wat built by wat2wasm)
 *
 * Every allocation counts, wherever it is made:
 *   - libc: linked with -Wl,--wrap=malloc,calloc,realloc,free,strdup,
 *     strndup, so calls from libhive.a's objects (and this file) come here
 *     (the C library's own internal allocations do not);
 *   - libuv: uv_replace_allocator, before any other uv call;
 *   - the engine: its configured allocator.
 * Allocation N fails, for N = 1, 2, ... until a run completes without
 * reaching N. A run covers the set-up too (engine, module, guest, handler,
 * loop, server, listener), then the two requests, then the teardown. For
 * every N: no crash; each request gets the right response or a clean
 * error (a 5xx, or the connection closed, also mid-body), never a hang
 * (the client gives up after CLIENT_TIMEOUT_S seconds, which fails the
 * test); and after the teardown no block is live (counted here; LSan
 * checks too under ASan). The threads make the order of allocations vary
 * a little from run to run; the walk still visits every N up to the
 * longest run.
 *
 * Prints one summary line:
 *   alloc-walk: http request: N failure points, outcomes: X ok, Y 5xx, Z closed, S set-up failed, K leaks
 */
#include <arpa/inet.h>
#include <errno.h>
#include <execinfo.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <uv.h>

#include "hive/handler.h"
#include "hive/wasm.h"
#include "http/server.h"

#define CLIENT_TIMEOUT_S 10

/* ---- counting, failing allocation --------------------------------------- */

static atomic_ulong g_count;   /* allocations asked for */
static atomic_ulong g_fail_at; /* 1-based; 0: never */
static atomic_int g_failed;    /* the failure was injected */
static atomic_long g_live;     /* blocks allocated and not freed */
static int g_trace;            /* print where the failure was injected */
static void *g_frames[32];     /* ... and remember it */
static int g_nframes;

static int should_fail(void) {
    unsigned long n = atomic_fetch_add(&g_count, 1) + 1;
    if (n == atomic_load(&g_fail_at)) {
        atomic_store(&g_failed, 1);
        g_nframes = backtrace(g_frames, 32); /* where, to report a wrong outcome */
        if (g_trace) backtrace_symbols_fd(g_frames, g_nframes, 2);
        return 1;
    }
    return 0;
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t size) {
    if (should_fail()) return NULL;
    void *p = __real_malloc(size);
    if (p) atomic_fetch_add(&g_live, 1);
    return p;
}

void *__wrap_calloc(size_t n, size_t size) {
    if (should_fail()) return NULL;
    void *p = __real_calloc(n, size);
    if (p) atomic_fetch_add(&g_live, 1);
    return p;
}

void *__wrap_realloc(void *p, size_t size) {
    if (!p) return __wrap_malloc(size);
    if (size == 0) { /* glibc: frees p */
        atomic_fetch_sub(&g_live, 1);
        __real_free(p);
        return NULL;
    }
    if (should_fail()) return NULL;
    return __real_realloc(p, size);
}

void __wrap_free(void *p) {
    if (!p) return;
    atomic_fetch_sub(&g_live, 1);
    __real_free(p);
}

char *__wrap_strdup(const char *s) {
    if (should_fail()) return NULL;
    char *p = __real_strdup(s);
    if (p) atomic_fetch_add(&g_live, 1);
    return p;
}

char *__wrap_strndup(const char *s, size_t n) {
    if (should_fail()) return NULL;
    char *p = __real_strndup(s, n);
    if (p) atomic_fetch_add(&g_live, 1);
    return p;
}

/* libuv's allocator: the same counting, straight to the C library. */
static void *uv_m(size_t size) {
    if (should_fail()) return NULL;
    void *p = __real_malloc(size);
    if (p) atomic_fetch_add(&g_live, 1);
    return p;
}
/* libuv 1.44 aborts when its array of I/O watchers cannot grow
 * (uv__io_start -> maybe_resize), and that array is what it reallocates:
 * its reallocs are neither counted nor failed. */
static void *uv_r(void *p, size_t size) {
    if (p && size == 0) {
        atomic_fetch_sub(&g_live, 1);
        __real_free(p);
        return NULL;
    }
    void *q = __real_realloc(p, size);
    if (q && !p) atomic_fetch_add(&g_live, 1);
    return q;
}
static void *uv_c(size_t n, size_t size) { return __wrap_calloc(n, size); }
static void uv_f(void *p) { __wrap_free(p); }

/* The engine's allocator (hive_alloc_fn). */
static void *engine_alloc(void *ud, void *ptr, size_t size) {
    if (size == 0) {
        __wrap_free(ptr);
        return NULL;
    }
    return __wrap_realloc(ptr, size);
}

/* ---- the client (its own thread; no heap) -------------------------------- */

enum { OUT_OK, OUT_5XX, OUT_CLOSED, OUT_BAD, OUT_HANG, OUT_NOTRUN, OUT_NKINDS };
static const char *const out_names[] = {"ok", "5xx", "closed", "bad", "hang", "not run"};

/* Decodes a chunked body in place; returns its length, or -1 when it is
 * cut short (or not chunked data). */
static long dechunk(char *b, size_t len) {
    size_t in = 0, out = 0;
    for (;;) {
        char *end;
        char *crlf = memmem(b + in, len - in, "\r\n", 2);
        if (!crlf) return -1;
        unsigned long n = strtoul(b + in, &end, 16);
        if (end == b + in) return -1;
        in = (size_t)(crlf - b) + 2;
        if (n == 0) return (long)out; /* trailers ignored */
        if (len - in < n + 2) return -1;
        memmove(b + out, b + in, n);
        out += n;
        in += n + 2;
    }
}

/* One request on a fresh connection; the response is judged against the
 * expected body. */
static int client_request(int port, const char *req, const char *want_body) {
    static __thread char buf[16384];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return OUT_BAD;
    struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return OUT_CLOSED;
    }
    size_t len = strlen(req), off = 0;
    while (off < len) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (w <= 0) break; /* the server may answer and close early */
        off += (size_t)w;
    }
    size_t got = 0;
    int hang = 0;
    for (;;) {
        if (got == sizeof buf - 1) break;
        ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) hang = 1;
        break;
    }
    close(fd);
    buf[got] = 0;
    if (hang) return OUT_HANG;
    if (got == 0) return OUT_CLOSED;
    if (got < 12 || memcmp(buf, "HTTP/1.1 ", 9) != 0) return OUT_BAD;
    int status = atoi(buf + 9);
    if (status >= 500 && status <= 599) return OUT_5XX;
    if (status != 200) return OUT_BAD;
    char *body = strstr(buf, "\r\n\r\n");
    if (!body) return OUT_CLOSED; /* cut inside the head */
    body += 4;
    size_t blen = got - (size_t)(body - buf);
    long n;
    body[-2] = 0; /* the head alone, for the searches */
    const char *cl = strcasestr(buf, "\r\nContent-Length: ");
    int chunked = strcasestr(buf, "\r\nTransfer-Encoding: chunked") != NULL;
    if (chunked)
        n = dechunk(body, blen);
    else if (cl)
        n = (size_t)atol(cl + 18) <= blen ? atol(cl + 18) : -1;
    else
        n = (long)blen;
    if (n < 0) return OUT_CLOSED; /* the body was cut short: the server gave up mid-body */
    if ((size_t)n != strlen(want_body) || memcmp(body, want_body, (size_t)n) != 0) {
        fprintf(stderr, "  wrong body: %.*s\n", (int)n, body);
        return OUT_BAD;
    }
    return OUT_OK;
}

typedef struct client {
    int port;
    int result[2];
    uv_async_t *done;
} client;

static void *client_main(void *arg) {
    client *c = arg;
    c->result[0] = client_request(c->port,
                                  "GET /hello?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                                  "hello\n");
    c->result[1] = client_request(c->port,
                                  "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
                                  "Content-Length: 11\r\nConnection: close\r\n\r\nhello there",
                                  "hello\nhello there");
    uv_async_send(c->done);
    return NULL;
}

/* ---- one run ----------------------------------------------------------- */

typedef struct run {
    server *srv;
    uv_async_t done;
    int done_open;
} run;

static void on_client_done(uv_async_t *a) {
    run *r = a->data;
    hv_server_free(r->srv);
    r->srv = NULL;
    uv_close((uv_handle_t *)a, NULL);
}

static uint8_t *g_wasm;
static size_t g_wasm_len;

/* Returns 1 when set-up failed (results then OUT_NOTRUN). */
static int run_once(int result[2]) {
    result[0] = result[1] = OUT_NOTRUN;
    hive_engine *engine = NULL;
    hive_module *module = NULL;
    hive_guest *guest = NULL;
    hive_handler *handler = NULL;
    uv_loop_t loop;
    int loop_open = 0, setup_failed = 1;
    run r = {0};
    hive_error err;

    hive_config ecfg = {.alloc = engine_alloc, .max_memory_pages = 16};
    engine = hive_engine_new(&ecfg);
    if (!engine) goto out;
    if (hive_module_new(engine, g_wasm, g_wasm_len, &module, &err) != HIVE_OK) goto out;
    if (hive_guest_wagi_new(engine, module, NULL, 0, NULL, 0, &guest, &err) != HIVE_OK) goto out;
    hive_policy policy = {0};
    hive_handler_config hcfg = {.threads = 1};
    if (hive_handler_new(guest, &policy, &hcfg, &handler, &err) != HIVE_OK) goto out;
    if (uv_loop_init(&loop) != 0) goto out;
    loop_open = 1;
    if (hv_server_new(&loop, handler, NULL, &r.srv) != 0) goto out;
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", 0, &sa);
    if (hv_server_listen(r.srv, (struct sockaddr *)&sa) != 0) goto out;
    char addr[64];
    if (hv_server_address(r.srv, addr, sizeof addr) != 0) goto out;
    const char *colon = strrchr(addr, ':');
    if (!colon) goto out;
    if (uv_async_init(&loop, &r.done, on_client_done) != 0) goto out;
    r.done.data = &r;
    r.done_open = 1;

    client c = {.port = atoi(colon + 1), .done = &r.done};
    pthread_t th;
    if (pthread_create(&th, NULL, client_main, &c) != 0) {
        perror("pthread_create");
        exit(2);
    }
    setup_failed = 0;
    uv_run(&loop, UV_RUN_DEFAULT);
    pthread_join(th, NULL);
    result[0] = c.result[0];
    result[1] = c.result[1];
out:
    if (loop_open) {
        hv_server_free(r.srv);
        if (setup_failed && r.done_open) uv_close((uv_handle_t *)&r.done, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&loop) != 0) {
            fprintf(stderr, "FAIL: the loop still has handles after the teardown\n");
            exit(1);
        }
    }
    hive_handler_free(handler, 0);
    hive_guest_free(guest);
    hive_module_release(module);
    hive_engine_free(engine);
    return setup_failed;
}

static int read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    static uint8_t buf[1 << 20];
    g_wasm_len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    g_wasm = buf;
    return g_wasm_len > 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    /* before any other uv call */
    if (uv_replace_allocator(uv_m, uv_r, uv_c, uv_f) != 0) {
        fprintf(stderr, "http_walk: uv_replace_allocator failed\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (argc != 2 || read_file(argv[1]) != 0) {
        fprintf(stderr, "usage: http_walk GUEST.wasm\n");
        return 2;
    }
    unsigned long outcomes[OUT_NKINDS] = {0};
    unsigned long points = 0, leaks = 0, setup = 0, bad = 0;

    /* A clean run first: both requests must succeed. */
    int res[2];
    long live0 = atomic_load(&g_live);
    atomic_store(&g_count, 0);
    atomic_store(&g_fail_at, 0);
    if (run_once(res) || res[0] != OUT_OK || res[1] != OUT_OK) {
        fprintf(stderr, "FAIL: the clean run: %s, %s\n", out_names[res[0]], out_names[res[1]]);
        return 1;
    }
    unsigned long clean = atomic_load(&g_count);
    if (atomic_load(&g_live) != live0) {
        fprintf(stderr, "FAIL: the clean run leaked %ld blocks\n", atomic_load(&g_live) - live0);
        return 1;
    }

    /* HTTP_WALK_ONLY=N: that run alone, with a backtrace of the failure */
    backtrace(g_frames, 4); /* loads libgcc now, not at a failure */
    const char *only = getenv("HTTP_WALK_ONLY");
    if (only) {
        g_trace = 1;
        atomic_store(&g_count, 0);
        atomic_store(&g_fail_at, strtoul(only, NULL, 10));
        int su = run_once(res);
        atomic_store(&g_fail_at, 0);
        printf("set-up %s; requests: %s, %s; %ld blocks live\n", su ? "failed" : "ok",
               out_names[res[0]], out_names[res[1]], atomic_load(&g_live) - live0);
        return 0;
    }
    unsigned long n;
    for (n = 1;; n++) {
        atomic_store(&g_count, 0);
        atomic_store(&g_failed, 0);
        atomic_store(&g_fail_at, n);
        int su = run_once(res);
        atomic_store(&g_fail_at, 0);
        long live = atomic_load(&g_live) - live0;
        if (live != 0) {
            fprintf(stderr, "FAIL: %ld blocks leaked when allocation %lu failed\n", live, n);
            leaks++;
            live0 = atomic_load(&g_live);
        }
        if (!atomic_load(&g_failed)) {
            if (su || res[0] != OUT_OK || res[1] != OUT_OK) {
                fprintf(stderr, "FAIL: a run without failures: %s, %s\n", out_names[res[0]],
                        out_names[res[1]]);
                bad++;
            }
            break;
        }
        points++;
        if (su) {
            setup++;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            outcomes[res[k]]++;
            if (res[k] == OUT_BAD || res[k] == OUT_HANG || res[k] == OUT_NOTRUN) {
                fprintf(stderr, "FAIL: allocation %lu failed: request %d: %s; the failed allocation:\n",
                        n, k + 1, out_names[res[k]]);
                backtrace_symbols_fd(g_frames, g_nframes, 2);
                bad++;
            }
        }
    }
    printf("alloc-walk: http request: %lu failure points (clean run: %lu allocations), "
           "outcomes: %lu ok, %lu 5xx, %lu closed, %lu set-up failed, %lu leaks\n",
           points, clean, outcomes[OUT_OK], outcomes[OUT_5XX], outcomes[OUT_CLOSED], setup, leaks);
    if (bad) printf("alloc-walk: http request: %lu wrong outcomes\n", bad);
    return bad || leaks ? 1 : 0;
}
