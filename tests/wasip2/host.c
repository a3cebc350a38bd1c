/*
 * host.c -- the WASI 0.2 host's API (hive/wasip2.h) under what the
 * official suite does not pin: config errors, calls that wait driven by
 * hand (hive_wasip2_pending / complete_pending over a pipe), embedder
 * streams that say "again" both ways, clock and random sources, the
 * object limit, exit codes, objects freed with their handles, and
 * wasi:sockets (denied unless granted, allow-lists, TCP both ways, UDP,
 * name lookups).
 *
 * Usage: host DIR, where DIR holds the command components that
 * tests/wasip2/run.sh uses (NAME.component.wasm: echo, wait, probe,
 * hello, trap), raw.component.wasm and net.component.wasm
 * (tests/wasip2/raw.wat, net.wat: WASI 0.2 and wasi:sockets called
 * directly; the sockets tests use 127.0.0.1 only). Prints "wasip2-host: N passed, N failed".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hive/component.h"
#include "hive/wasip2.h"
#include "testutil.h"

static const char *dir;
static hive_engine *engine;

static uint8_t *slurp(const char *name, size_t *len) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.component.wasm", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* One guest: component, context, linker, instance, its run export. */
typedef struct guest {
    hive_component *comp;
    hive_wasip2 *p2;
    hive_linker *linker;
    hive_cinstance *inst;
    hive_cfunc *run;
} guest;

static int guest_new_any(guest *g, const char *name, hive_wasip2_config *c, int command) {
    memset(g, 0, sizeof *g);
    size_t len;
    uint8_t *b = slurp(name, &len);
    if (!b) {
        fprintf(stderr, "cannot read %s/%s.component.wasm\n", dir, name);
        return -1;
    }
    hive_error err;
    int rc = hive_component_new(engine, b, len, &g->comp, &err);
    free(b);
    if (rc != HIVE_OK) return -1;
    if (hive_wasip2_new(c, &g->p2, &err) != HIVE_OK) return -1;
    g->linker = hive_linker_new(engine);
    if (!g->linker || hive_wasip2_define(g->p2, g->linker) != HIVE_OK) return -1;
    if (hive_cinstance_new(engine, g->comp, g->linker, &g->inst, &err) != HIVE_OK) {
        fprintf(stderr, "instantiate %s: %s\n", name, err.message);
        return -1;
    }
    if (!command) return 0;
    g->run = hive_cinstance_func(g->inst, "wasi:cli/run@0.2.12#run");
    return g->run ? 0 : -1;
}

static int guest_new(guest *g, const char *name, hive_wasip2_config *c) {
    return guest_new_any(g, name, c, 1);
}

static void guest_free(guest *g) {
    hive_cinstance_free(g->inst);
    hive_linker_free(g->linker);
    hive_wasip2_free(g->p2);
    hive_component_release(g->comp);
}

/* Everything readable from fd now (non-blocking), NUL-terminated. */
static char *drain(int fd, char *buf, size_t cap) {
    size_t n = 0;
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
    }
    buf[n] = 0;
    fcntl(fd, F_SETFL, fl);
    return buf;
}

static void stdio_fd(hive_wasip2_config *c, int i, int fd) {
    c->stdio[i].kind = HIVE_WASI_STDIO_FD;
    c->stdio[i].fd = fd;
}

/* ---- config ---- */

static void test_config_errors(void) {
    hive_wasip2 *p = NULL;
    hive_error err;
    hive_wasi_preopen pre = {"/nonexistent/hive-wasip2", "/x"};
    hive_wasip2_config c = {0};
    c.preopens = &pre;
    c.npreopens = 1;
    CHECK_EQ_INT(hive_wasip2_new(&c, &p, &err), HIVE_EARG);
    CHECK(p == NULL);
    CHECK(strstr(err.message, "/nonexistent/hive-wasip2") != NULL);
    const char *env[] = {"NOEQUALS"};
    hive_wasip2_config c2 = {0};
    c2.env = env;
    c2.envc = 1;
    CHECK_EQ_INT(hive_wasip2_new(&c2, &p, &err), HIVE_EARG);
    CHECK_EQ_INT(hive_wasip2_new(NULL, &p, &err), HIVE_EARG);
    /* defining twice into one linker is refused */
    hive_wasip2_config c3 = {0};
    CHECK_EQ_INT(hive_wasip2_new(&c3, &p, &err), HIVE_OK);
    hive_linker *l = hive_linker_new(engine);
    CHECK_EQ_INT(hive_wasip2_define(p, l), HIVE_OK);
    CHECK(hive_wasip2_define(p, l) != HIVE_OK);
    CHECK_EQ_INT(hive_wasip2_pending(p, &(hive_wasi_wait){0}), 0);
    CHECK_EQ_INT(hive_wasip2_complete_pending(p, NULL), HIVE_ESTATE);
    CHECK_EQ_INT(hive_wasip2_live_objects(p), 0);
    int code;
    CHECK_EQ_INT(hive_wasip2_exit_code(p, &code), 0);
    hive_linker_free(l);
    hive_wasip2_free(p);
    hive_wasip2_free(NULL);
}

/* ---- a read that waits on a pipe, driven by hand ---- */

static void test_pipe_pending(void) {
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    hive_wasip2_config c = {0};
    stdio_fd(&c, 0, in[0]);
    stdio_fd(&c, 1, out[1]);
    guest g;
    if (guest_new(&g, "echo", &c) < 0) {
        CHECK(!"echo guest");
        return;
    }
    hive_status st = hive_cinstance_call(g.inst, g.run, NULL, 0, 0);
    CHECK_EQ_INT(st, HIVE_PENDING); /* nothing on stdin yet */
    hive_wasi_wait w;
    CHECK_EQ_INT(hive_wasip2_pending(g.p2, &w), 1);
    CHECK_EQ_INT(w.nfds, 1);
    if (w.nfds == 1) {
        CHECK_EQ_INT(w.fds[0].fd, in[0]);
        CHECK(w.fds[0].events & POLLIN);
    }
    CHECK(w.deadline_ns == UINT64_MAX);
    CHECK(hive_wasip2_live_objects(g.p2) > 0);
    CHECK_EQ_INT(hive_wasip2_complete_pending(g.p2, g.inst), HIVE_WASI_STILL_WAITING);
    CHECK_EQ_INT(write(in[1], "abc", 3), 3);
    int rounds = 0;
    for (;;) {
        int rc = hive_wasip2_complete_pending(g.p2, g.inst);
        if (rc == HIVE_WASI_STILL_WAITING) {
            if (rounds++ == 0) close(in[1]); /* then the end of stdin */
            continue;
        }
        CHECK_EQ_INT(rc, HIVE_OK);
        st = hive_cinstance_resume(g.inst, 0);
        if (st != HIVE_PENDING) break;
        if (rounds > 100) break;
    }
    CHECK_EQ_INT(st, HIVE_DONE);
    hive_cval r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_cinstance_results(g.inst, &r, 1), 1);
    CHECK(r.kind == HIVE_C_RESULT && r.of.var.index == 0);
    hive_cval_clear(&r);
    hive_cinstance_post_return(g.inst);
    char buf[256];
    CHECK(strcmp(drain(out[0], buf, sizeof buf), "abc[3 bytes]\n") == 0);
    guest_free(&g);
    close(in[0]);
    close(out[0]);
    close(out[1]);
}

/* ---- embedder streams that say "again" ---- */

typedef struct feed {
    const char *data;
    size_t len, pos;
    int tick; /* every other call: EAGAIN */
    char out[8192];
    size_t outlen;
    int eagain_in, eagain_out;
} feed;

static int64_t feed_read(void *ud, uint8_t *buf, size_t len) {
    feed *f = ud;
    if (f->tick++ % 2 == 0) {
        f->eagain_in++;
        return -HIVE_WASI_EAGAIN;
    }
    if (f->pos == f->len) return 0;
    size_t n = f->len - f->pos < len ? f->len - f->pos : len;
    if (n > 3) n = 3; /* a few bytes at a time */
    memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    return (int64_t)n;
}

static int64_t feed_write(void *ud, const uint8_t *buf, size_t len) {
    feed *f = ud;
    if (f->tick++ % 3 == 0) {
        f->eagain_out++;
        return -HIVE_WASI_EAGAIN;
    }
    if (len > 5) len = 5; /* short writes */
    if (f->outlen + len > sizeof f->out) return -HIVE_WASI_EIO;
    memcpy(f->out + f->outlen, buf, len);
    f->outlen += len;
    return (int64_t)len;
}

static void test_embedder_streams(void) {
    feed f;
    memset(&f, 0, sizeof f);
    f.data = "hello embedder\nsecond line\n";
    f.len = strlen(f.data);
    hive_wasip2_config c = {0};
    c.stdio[0].kind = HIVE_WASI_STDIO_STREAM;
    c.stdio[0].stream.read = feed_read;
    c.stdio[0].stream.ud = &f;
    c.stdio[1].kind = HIVE_WASI_STDIO_STREAM;
    c.stdio[1].stream.write = feed_write;
    c.stdio[1].stream.ud = &f;
    guest g;
    if (guest_new(&g, "echo", &c) < 0) {
        CHECK(!"echo guest");
        return;
    }
    hive_status st = hive_cinstance_call(g.inst, g.run, NULL, 0, 0);
    int saw_stream_wait = 0, rounds = 0;
    while (st == HIVE_PENDING && rounds++ < 100000) {
        hive_wasi_wait w;
        CHECK_EQ_INT(hive_wasip2_pending(g.p2, &w), 1);
        if (w.streams) saw_stream_wait = 1;
        int rc = hive_wasip2_complete_pending(g.p2, g.inst);
        if (rc == HIVE_WASI_STILL_WAITING) continue;
        CHECK_EQ_INT(rc, HIVE_OK);
        st = hive_cinstance_resume(g.inst, 0);
    }
    CHECK_EQ_INT(st, HIVE_DONE);
    hive_cinstance_post_return(g.inst);
    CHECK(saw_stream_wait);
    CHECK(f.eagain_in > 0 && f.eagain_out > 0);
    f.out[f.outlen] = 0;
    CHECK(strcmp(f.out, "hello embedder\nsecond line\n[27 bytes]\n") == 0);
    guest_free(&g);
}

/* ---- sources ---- */

static uint64_t fake_mono;
static uint64_t fake_mono_ns(void *ud) {
    (void)ud;
    return fake_mono;
}
static uint64_t fake_wall_ns(void *ud) {
    (void)ud;
    return 1234000000000ull + 5;
}
static int fake_random(void *ud, uint8_t *buf, size_t len) {
    int *fail = ud;
    if (*fail) return -1;
    memset(buf, 0xab, len);
    return 0;
}

static void test_fake_clock_sleep(void) {
    int out[2];
    CHECK(pipe(out) == 0);
    hive_wasip2_config c = {0};
    stdio_fd(&c, 1, out[1]);
    const char *argv[] = {"wait", "sleep", "300"};
    c.argv = argv;
    c.argc = 3;
    fake_mono = 5000000000ull;
    c.sources.monotonic_ns = fake_mono_ns;
    guest g;
    if (guest_new(&g, "wait", &c) < 0) {
        CHECK(!"wait guest");
        return;
    }
    hive_status st = hive_cinstance_call(g.inst, g.run, NULL, 0, 0);
    CHECK_EQ_INT(st, HIVE_PENDING);
    hive_wasi_wait w;
    CHECK_EQ_INT(hive_wasip2_pending(g.p2, &w), 1);
    CHECK_EQ_INT(w.nfds, 0);
    CHECK(w.deadline_ns == fake_mono + 300000000ull);
    CHECK_EQ_INT(hive_wasip2_complete_pending(g.p2, g.inst), HIVE_WASI_STILL_WAITING);
    fake_mono += 299999999ull;
    CHECK_EQ_INT(hive_wasip2_complete_pending(g.p2, g.inst), HIVE_WASI_STILL_WAITING);
    fake_mono += 1;
    CHECK_EQ_INT(hive_wasip2_complete_pending(g.p2, g.inst), HIVE_OK);
    st = hive_cinstance_resume(g.inst, 0);
    CHECK_EQ_INT(st, HIVE_DONE);
    hive_cinstance_post_return(g.inst);
    char buf[256];
    CHECK(strcmp(drain(out[0], buf, sizeof buf), "slept\nelapsed 300\n") == 0);
    guest_free(&g);
    close(out[0]);
    close(out[1]);
}

static void run_probe(const char *const *argv, size_t argc, hive_wasip2_config *c, char *buf,
                      size_t cap, hive_status *st_out, guest *keep) {
    int out[2];
    buf[0] = 0;
    if (pipe(out) != 0) return;
    stdio_fd(c, 1, out[1]);
    c->argv = argv;
    c->argc = argc;
    guest g;
    if (guest_new(&g, "probe", c) < 0) {
        CHECK(!"probe guest");
        close(out[0]);
        close(out[1]);
        return;
    }
    *st_out = hive_wasip2_run(g.p2, g.inst, g.run, NULL, NULL, NULL);
    drain(out[0], buf, cap);
    close(out[0]);
    close(out[1]);
    if (keep) *keep = g;
    else guest_free(&g);
}

static void test_sources(void) {
    char buf[512];
    hive_status st = HIVE_FAILED;
    int fail = 0;
    hive_wasip2_config c = {0};
    c.sources.random = fake_random;
    c.sources.ud = &fail;
    c.sources.wall_ns = fake_wall_ns;
    const char *rnd[] = {"probe", "random", "8"};
    run_probe(rnd, 3, &c, buf, sizeof buf, &st, NULL);
    CHECK_EQ_INT(st, HIVE_DONE);
    CHECK(strcmp(buf, "abababababababab\n") == 0);
    const char *tm[] = {"probe", "time"};
    run_probe(tm, 2, &c, buf, sizeof buf, &st, NULL);
    CHECK_EQ_INT(st, HIVE_DONE);
    CHECK(strncmp(buf, "wall 1234 mono ", 15) == 0);
    /* a random source that fails: the guest's call traps */
    fail = 1;
    guest g;
    run_probe(rnd, 3, &c, buf, sizeof buf, &st, &g);
    CHECK_EQ_INT(st, HIVE_TRAPPED);
    if (st == HIVE_TRAPPED) {
        CHECK(strstr(hive_cinstance_trap(g.inst)->message, "random") != NULL);
        guest_free(&g);
    }
}

/* ---- limits and exit codes ---- */

static void test_object_limit(void) {
    char tmpl[] = "/tmp/hive-wasip2-host-XXXXXX";
    char *d = mkdtemp(tmpl);
    CHECK(d != NULL);
    if (!d) return;
    hive_wasi_preopen pre = {d, "/d"};
    char buf[512];
    hive_status st = HIVE_FAILED;
    const char *argv[] = {"probe", "files", "40"};
    hive_wasip2_config c = {0};
    c.preopens = &pre;
    c.npreopens = 1;
    run_probe(argv, 3, &c, buf, sizeof buf, &st, NULL);
    CHECK_EQ_INT(st, HIVE_DONE);
    CHECK(strcmp(buf, "opened 40\n") == 0);
    c.max_objects = 20;
    guest g;
    run_probe(argv, 3, &c, buf, sizeof buf, &st, &g);
    CHECK_EQ_INT(st, HIVE_TRAPPED);
    if (st == HIVE_TRAPPED) {
        CHECK(strstr(hive_cinstance_trap(g.inst)->message, "too many host objects") != NULL);
        CHECK(hive_wasip2_live_objects(g.p2) <= 20);
        int code;
        CHECK_EQ_INT(hive_wasip2_exit_code(g.p2, &code), 0);
        guest_free(&g);
    }
    for (int i = 0; i < 40; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/f%d", d, i);
        unlink(p);
    }
    rmdir(d);
}

static void test_exit_codes(void) {
    hive_wasip2_config c = {0};
    const char *ex0[] = {"trap", "exit", "0"};
    c.argv = ex0;
    c.argc = 3;
    guest g;
    if (guest_new(&g, "trap", &c) < 0) {
        CHECK(!"trap guest");
        return;
    }
    int code = -1;
    hive_status st = hive_wasip2_run(g.p2, g.inst, g.run, NULL, NULL, NULL);
    CHECK_EQ_INT(st, HIVE_TRAPPED);
    CHECK_EQ_INT(hive_wasip2_exit_code(g.p2, &code), 1);
    CHECK_EQ_INT(code, 0);
    guest_free(&g);
    const char *ex9[] = {"trap", "exit", "9"};
    c.argv = ex9;
    if (guest_new(&g, "trap", &c) < 0) return;
    st = hive_wasip2_run(g.p2, g.inst, g.run, NULL, NULL, NULL);
    CHECK_EQ_INT(st, HIVE_TRAPPED);
    CHECK_EQ_INT(hive_wasip2_exit_code(g.p2, &code), 1);
    CHECK_EQ_INT(code, 1); /* exit(err) */
    guest_free(&g);
    /* a real trap is no exit */
    const char *tr[] = {"trap"};
    c.argv = tr;
    c.argc = 1;
    if (guest_new(&g, "trap", &c) < 0) return;
    st = hive_wasip2_run(g.p2, g.inst, g.run, NULL, NULL, NULL);
    CHECK_EQ_INT(st, HIVE_TRAPPED);
    CHECK_EQ_INT(hive_wasip2_exit_code(g.p2, &code), 0);
    guest_free(&g);
    /* fuel: SUSPENDED, and the instance is reset */
    const char *lp[] = {"trap", "loop"};
    c.argv = lp;
    c.argc = 2;
    if (guest_new(&g, "trap", &c) < 0) return;
    hive_wasi_run_opts o = {100000, 0, 1000};
    int stop = 0;
    st = hive_wasip2_run(g.p2, g.inst, g.run, &o, NULL, &stop);
    CHECK_EQ_INT(st, HIVE_SUSPENDED);
    CHECK_EQ_INT(stop, HIVE_WASI_STOP_FUEL);
    guest_free(&g);
}

/* Handles the guest drops free their host objects. */
static void test_objects_freed(void) {
    hive_wasip2_config c = {0};
    const char *argv[] = {"wait", "clocks"};
    c.argv = argv;
    c.argc = 2;
    int devnull = open("/dev/null", O_WRONLY);
    stdio_fd(&c, 1, devnull);
    guest g;
    if (guest_new(&g, "wait", &c) < 0) {
        CHECK(!"wait guest");
        return;
    }
    hive_status st = hive_wasip2_run(g.p2, g.inst, g.run, NULL, NULL, NULL);
    CHECK_EQ_INT(st, HIVE_DONE);
    /* the two clock pollables of the poll are dropped by the adapter; what
     * is left are the streams and descriptors it keeps for its fds */
    CHECK(hive_wasip2_live_objects(g.p2) <= 4);
    guest_free(&g);
    close(devnull);
}

/* ---- WASI 0.2 called directly (raw.wat), what the adapter never does ---- */

/* Calls export name of g with at most one u64 argument and returns its
 * integer result, completing PENDING host calls by blocking in poll(2). */
static uint64_t raw_call_val(guest *g, const char *name, const hive_cval *arg) {
    hive_cfunc *f = hive_cinstance_func(g->inst, name);
    if (!f) {
        CHECK(!"raw export");
        return UINT64_MAX;
    }
    hive_status st = hive_cinstance_call(g->inst, f, arg, arg ? 1 : 0, 0);
    while (st == HIVE_PENDING) {
        int rc;
        while ((rc = hive_wasip2_complete_pending(g->p2, g->inst)) == HIVE_WASI_STILL_WAITING) {
            hive_wasi_wait w;
            hive_wasip2_pending(g->p2, &w);
            poll((struct pollfd *)w.fds, w.nfds, 100);
        }
        if (rc != HIVE_OK) return UINT64_MAX;
        st = hive_cinstance_resume(g->inst, 0);
    }
    if (st != HIVE_DONE) {
        fprintf(stderr, "raw %s: status %d: %s\n", name, st,
                st == HIVE_TRAPPED ? hive_cinstance_trap(g->inst)->message : "");
        return UINT64_MAX;
    }
    hive_cval r;
    memset(&r, 0, sizeof r);
    hive_cinstance_results(g->inst, &r, 1);
    hive_cinstance_post_return(g->inst);
    return r.of.u;
}

static uint64_t raw_call(guest *g, const char *name, const uint64_t *arg) {
    hive_cval a = hive_cval_uint(HIVE_C_U64, arg ? *arg : 0);
    return raw_call_val(g, name, arg ? &a : NULL);
}

static uint64_t raw_call_u32(guest *g, const char *name, uint32_t x) {
    hive_cval a = hive_cval_uint(HIVE_C_U32, x);
    return raw_call_val(g, name, &a);
}

static uint64_t raw_call_str(guest *g, const char *name, const char *s) {
    hive_cval a;
    if (hive_cval_string(&a, s, strlen(s)) != HIVE_OK) return UINT64_MAX;
    uint64_t r = raw_call_val(g, name, &a);
    hive_cval_clear(&a);
    return r;
}

/* ---- wasi:sockets (net.wat) ---- */

/* A peer on 127.0.0.1 in a thread: a TCP listener that answers "pong!"
 * to what it reads, a TCP client that sends "hello" to a port and reads
 * the answer, or a UDP socket that answers "hi!" to a datagram. */
typedef struct peer {
    int kind; /* 0 tcp server, 1 tcp client, 2 udp */
    int fd;
    uint16_t port;
    char got[64];
    pthread_t th;
} peer;

static void *peer_main(void *arg) {
    peer *pe = arg;
    if (pe->kind == 0) {
        int c = accept(pe->fd, NULL, NULL);
        if (c < 0) return NULL;
        ssize_t n = read(c, pe->got, sizeof pe->got - 1);
        if (n > 0) pe->got[n] = 0;
        if (write(c, "pong!", 5) != 5) pe->got[0] = 0;
        close(c);
    } else if (pe->kind == 1) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(pe->port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(c, (struct sockaddr *)&a, sizeof a) == 0 && write(c, "hello", 5) == 5) {
            ssize_t n = read(c, pe->got, sizeof pe->got - 1);
            if (n > 0) pe->got[n] = 0;
        }
        close(c);
    } else {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(pe->fd, pe->got, sizeof pe->got - 1, 0, (struct sockaddr *)&from, &fl);
        if (n > 0) {
            pe->got[n] = 0;
            sendto(pe->fd, "hi!", 3, 0, (struct sockaddr *)&from, fl);
        }
    }
    return NULL;
}

static int peer_start(peer *pe, int kind, uint16_t port) {
    memset(pe, 0, sizeof *pe);
    pe->kind = kind;
    pe->fd = -1;
    pe->port = port;
    if (kind != 1) {
        pe->fd = socket(AF_INET, kind == 0 ? SOCK_STREAM : SOCK_DGRAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t l = sizeof a;
        if (bind(pe->fd, (struct sockaddr *)&a, sizeof a) < 0 || (kind == 0 && listen(pe->fd, 4) < 0) ||
            getsockname(pe->fd, (struct sockaddr *)&a, &l) < 0)
            return -1;
        pe->port = ntohs(a.sin_port);
    }
    return pthread_create(&pe->th, NULL, peer_main, pe) == 0 ? 0 : -1;
}

static void peer_join(peer *pe) {
    pthread_join(pe->th, NULL);
    if (pe->fd >= 0) close(pe->fd);
}

static void test_net_denied(void) {
    hive_wasip2_config c = {0};
    guest g;
    if (guest_new_any(&g, "net", &c, 0) < 0) {
        CHECK(!"net guest");
        return;
    }
    /* no network granted: a socket is created, but connect and bind are
     * access-denied (1) */
    CHECK_EQ_INT(raw_call_u32(&g, "connect", 9), 2000 + 1 + 1);
    CHECK_EQ_INT(raw_call_u32(&g, "udp", 9), 2000 + 1 + 1);
    /* no lookups granted */
    CHECK_EQ_INT(raw_call_str(&g, "resolve", "127.0.0.1"), 1000 + 1 + 1);
    CHECK_EQ_INT(hive_wasip2_live_objects(g.p2), 0);
    guest_free(&g);
    /* granted, but the allow-list has another port: connect is denied */
    hive_wasip2_net_rule rule;
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("127.0.0.1:1", &rule), 0);
    c.flags = HIVE_WASIP2_INHERIT_NETWORK;
    c.net_allow = &rule;
    c.nnet_allow = 1;
    if (guest_new_any(&g, "net", &c, 0) < 0) return;
    CHECK_EQ_INT(raw_call_u32(&g, "connect", 9), 2000 + 1 + 1);
    guest_free(&g);
}

static void test_net_rules(void) {
    hive_wasip2_net_rule r;
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("10.0.0.0/8", &r), 0);
    CHECK(r.family == 4 && r.prefix == 8 && r.port == 0 && r.addr[0] == 10);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("[::1]:443", &r), 0);
    CHECK(r.family == 6 && r.prefix == 128 && r.port == 443 && r.addr[15] == 1);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("::/0", &r), 0);
    CHECK(r.family == 6 && r.prefix == 0);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("192.168.1.2/24:80", &r), 0);
    CHECK(r.prefix == 24 && r.port == 80);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("1.2.3.4/33", &r), HIVE_EARG);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("1.2.3.4:0", &r), HIVE_EARG);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("1.2.3.4:70000", &r), HIVE_EARG);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("example.com", &r), HIVE_EARG);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("", &r), HIVE_EARG);
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("[::1", &r), HIVE_EARG);
}

static void test_net_tcp_udp(void) {
    hive_wasip2_net_rule rule;
    CHECK_EQ_INT(hive_wasip2_parse_net_rule("127.0.0.0/8", &rule), 0);
    hive_wasip2_config c = {0};
    c.flags = HIVE_WASIP2_INHERIT_NETWORK;
    c.net_allow = &rule;
    c.nnet_allow = 1;
    guest g;
    if (guest_new_any(&g, "net", &c, 0) < 0) {
        CHECK(!"net guest");
        return;
    }
    peer pe;
    /* the guest connects, writes "ping", reads "pong!" */
    if (peer_start(&pe, 0, 0) == 0) {
        CHECK_EQ_INT(raw_call_u32(&g, "connect", pe.port), 105);
        peer_join(&pe);
        CHECK(strcmp(pe.got, "ping") == 0);
    }
    /* nobody listens on a fresh port: connection-refused (14) */
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    bind(probe, (struct sockaddr *)&a, sizeof a);
    getsockname(probe, (struct sockaddr *)&a, &l);
    close(probe);
    CHECK_EQ_INT(raw_call_u32(&g, "connect", ntohs(a.sin_port)), 3000 + 14 + 1);
    /* the guest listens and accepts */
    uint64_t port = raw_call(&g, "listen", NULL);
    CHECK(port > 0 && port < 65536);
    if (port > 0 && port < 65536 && peer_start(&pe, 1, (uint16_t)port) == 0) {
        CHECK_EQ_INT(raw_call(&g, "accept", NULL), 105);
        peer_join(&pe);
        CHECK(strcmp(pe.got, "ping") == 0);
    }
    /* a datagram there and back */
    if (peer_start(&pe, 2, 0) == 0) {
        CHECK_EQ_INT(raw_call_u32(&g, "udp", pe.port), 103);
        peer_join(&pe);
        CHECK(strcmp(pe.got, "dgram") == 0);
    }
    CHECK_EQ_INT(hive_wasip2_live_objects(g.p2), 0);
    guest_free(&g);
}

static void test_net_lookup(void) {
    hive_wasip2_config c = {0};
    c.flags = HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP;
    guest g;
    if (guest_new_any(&g, "net", &c, 0) < 0) {
        CHECK(!"net guest");
        return;
    }
    CHECK_EQ_INT(raw_call_str(&g, "resolve", "127.0.0.1"), 11);
    CHECK_EQ_INT(raw_call_str(&g, "resolve", "[::1]"), 10);
    /* localhost: at least one address, from /etc/hosts, through getaddrinfo_a */
    uint64_t n = raw_call_str(&g, "resolve", "localhost");
    CHECK(n >= 10 && n < 1000);
    /* a name that cannot resolve: name-unresolvable (18), or a temporary
     * failure (19) where there is no resolver at all */
    n = raw_call_str(&g, "resolve", "no-such-host.invalid");
    CHECK(n == 2000 + 18 + 1 || n == 2000 + 19 + 1);
    CHECK_EQ_INT(raw_call_str(&g, "resolve", ""), 1000 + 3 + 1); /* invalid-argument */
    CHECK_EQ_INT(hive_wasip2_live_objects(g.p2), 0);
    guest_free(&g);
}



static void test_raw_poll_and_seed(void) {
    hive_wasip2_config c = {0};
    c.flags = HIVE_WASIP2_DETERMINISTIC_INSECURE;
    guest g, g2;
    if (guest_new_any(&g, "raw", &c, 0) < 0) {
        CHECK(!"raw guest");
        return;
    }
    /* clocks at +0, +1 h, +0: poll says 2 ready, indexes 0 and 2 */
    CHECK_EQ_INT(raw_call(&g, "poll3", NULL), 202);
    CHECK_EQ_INT(hive_wasip2_live_objects(g.p2), 0); /* all three dropped */
    /* no cwd, stdin is no terminal */
    CHECK_EQ_INT(raw_call(&g, "cwd", NULL), 0);
    CHECK_EQ_INT(raw_call(&g, "tty", NULL), 0);
    uint64_t s1 = raw_call(&g, "seed", NULL);
    if (guest_new_any(&g2, "raw", &c, 0) == 0) {
        CHECK(raw_call(&g2, "seed", NULL) == s1); /* the same fixed seed */
        guest_free(&g2);
    }
    guest_free(&g);
    /* exit-with-code: a trap that hive_wasip2_exit_code reads as 42 */
    if (guest_new_any(&g2, "raw", &c, 0) == 0) {
        int code = -1;
        CHECK(raw_call_u32(&g2, "exit", 42) == UINT64_MAX);
        CHECK_EQ_INT(hive_wasip2_exit_code(g2.p2, &code), 1);
        CHECK_EQ_INT(code, 42);
        guest_free(&g2);
    }
    c.flags = 0;
    c.initial_cwd = "/work";
    if (guest_new_any(&g, "raw", &c, 0) < 0) return;
    CHECK_EQ_INT(raw_call(&g, "cwd", NULL), 6);
    CHECK(raw_call(&g, "seed", NULL) != s1); /* seeded from the host */
    guest_free(&g);
}

static void test_raw_streams(void) {
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    hive_wasip2_config c = {0};
    stdio_fd(&c, 0, in[0]);
    stdio_fd(&c, 1, out[1]);
    guest g;
    if (guest_new_any(&g, "raw", &c, 0) < 0) {
        CHECK(!"raw guest");
        return;
    }
    uint64_t n = 100;
    /* read never waits: nothing there is 0 bytes */
    CHECK_EQ_INT(raw_call(&g, "read", &n), 0);
    CHECK_EQ_INT(write(in[1], "hello", 5), 5);
    n = 3;
    CHECK_EQ_INT(raw_call(&g, "read", &n), 3);
    /* blocking-splice moves what is there ("lo") */
    n = 100;
    CHECK_EQ_INT(raw_call(&g, "splice", &n), 2);
    char buf[64];
    CHECK(strcmp(drain(out[0], buf, sizeof buf), "lo") == 0);
    n = 4;
    CHECK_EQ_INT(raw_call(&g, "zeroes", &n), 0);
    CHECK_EQ_INT(read(out[0], buf, sizeof buf), 4);
    CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
    /* at the end of stdin: closed, from read and from splice */
    close(in[1]);
    n = 10;
    CHECK_EQ_INT(raw_call(&g, "read", &n), 1001);
    CHECK_EQ_INT(raw_call(&g, "splice", &n), 1001);
    CHECK_EQ_INT(hive_wasip2_live_objects(g.p2), 0);
    /* a blocking write of more than 4096 bytes traps (the spec's bound) */
    n = 4097;
    CHECK(raw_call(&g, "zeroes", &n) == UINT64_MAX);
    CHECK(strstr(hive_cinstance_trap(g.inst)->message, "4096") != NULL);
    guest_free(&g);
    close(in[0]);
    close(out[0]);
    close(out[1]);
    /* a read that fails: stdin is a directory; the error says is-directory
     * through filesystem-error-code, and its debug string names it */
    int d = open("/", O_RDONLY | O_DIRECTORY);
    hive_wasip2_config c2 = {0};
    stdio_fd(&c2, 0, d);
    if (guest_new_any(&g, "raw", &c2, 0) < 0) return;
    n = 10;
    CHECK_EQ_INT(raw_call(&g, "read", &n), 1002 + 10 * (14 + 1)); /* is-directory is 14 */
    CHECK_EQ_INT(hive_wasip2_live_objects(g.p2), 0);
    guest_free(&g);
    close(d);
}

/* ---- one linker for many instances (hive_wasip2_define_shared) ---- */

typedef struct shared_run {
    hive_wasip2 *p2;
    hive_cinstance *inst;
    hive_cfunc *run;
    hive_status st;
} shared_run;

static void *shared_main(void *arg) {
    shared_run *r = arg;
    r->st = hive_wasip2_run(r->p2, r->inst, r->run, NULL, NULL, NULL);
    return NULL;
}

typedef struct lookup_map {
    hive_cinstance *inst;
    hive_wasip2 *p2;
    int calls;
} lookup_map;

static hive_wasip2 *lookup_ctx(hive_cinstance *inst, void *ud) {
    lookup_map *m = ud;
    m->calls++;
    return inst == m->inst ? m->p2 : NULL;
}

static void test_shared_linker(void) {
    size_t len;
    uint8_t *b = slurp("echo", &len);
    hive_component *comp = NULL;
    hive_error err;
    CHECK(b && hive_component_new(engine, b, len, &comp, &err) == HIVE_OK);
    free(b);
    if (!comp) return;
    hive_linker *l = hive_linker_new(engine);
    CHECK_EQ_INT(hive_wasip2_define_shared(l, NULL, NULL), HIVE_OK);
    /* two instances of one linker, each with its own context and pipes
     * (hive_cinstance_data), run at the same time on two threads */
    enum { N = 2 };
    shared_run r[N];
    int in[N][2], out[N][2];
    size_t sizes[N] = {5000, 9000};
    char *inputs[N];
    memset(r, 0, sizeof r);
    for (int k = 0; k < N; k++) {
        CHECK(pipe(in[k]) == 0 && pipe(out[k]) == 0);
        inputs[k] = malloc(sizes[k]);
        for (size_t i = 0; i < sizes[k]; i++) inputs[k][i] = (char)('a' + (i * (k + 3)) % 26);
        CHECK(write(in[k][1], inputs[k], sizes[k]) == (ssize_t)sizes[k]);
        close(in[k][1]);
        hive_wasip2_config c = {0};
        stdio_fd(&c, 0, in[k][0]);
        stdio_fd(&c, 1, out[k][1]);
        CHECK_EQ_INT(hive_wasip2_new(&c, &r[k].p2, &err), HIVE_OK);
        CHECK_EQ_INT(hive_cinstance_new(engine, comp, l, &r[k].inst, &err), HIVE_OK);
        if (!r[k].inst || !r[k].p2) return;
        hive_cinstance_set_data(r[k].inst, r[k].p2);
        r[k].run = hive_cinstance_func(r[k].inst, "wasi:cli/run@0.2.12#run");
        CHECK(r[k].run != NULL);
    }
    pthread_t th[N];
    for (int k = 0; k < N; k++) CHECK(pthread_create(&th[k], NULL, shared_main, &r[k]) == 0);
    for (int k = 0; k < N; k++) pthread_join(th[k], NULL);
    static char got[20000];
    for (int k = 0; k < N; k++) {
        CHECK_EQ_INT(r[k].st, HIVE_DONE);
        drain(out[k][0], got, sizeof got);
        char tail[64];
        snprintf(tail, sizeof tail, "[%zu bytes]\n", sizes[k]);
        CHECK(strlen(got) == sizes[k] + strlen(tail));
        CHECK(memcmp(got, inputs[k], sizes[k]) == 0);
        CHECK(strcmp(got + sizes[k], tail) == 0);
        /* the adapter's dropped handles went to this context's destructor */
        CHECK(hive_wasip2_live_objects(r[k].p2) <= 4);
        hive_cinstance_free(r[k].inst);
        hive_wasip2_free(r[k].p2);
        close(in[k][0]);
        close(out[k][0]);
        close(out[k][1]);
        free(inputs[k]);
    }
    hive_linker_free(l);

    /* a lookup function; an instance it has no context for traps */
    lookup_map m = {0};
    l = hive_linker_new(engine);
    CHECK_EQ_INT(hive_wasip2_define_shared(l, lookup_ctx, &m), HIVE_OK);
    int devnull = open("/dev/null", O_RDWR);
    hive_wasip2_config c = {0};
    stdio_fd(&c, 0, devnull);
    stdio_fd(&c, 1, devnull);
    CHECK_EQ_INT(hive_wasip2_new(&c, &m.p2, &err), HIVE_OK);
    hive_cinstance *x = NULL, *y = NULL;
    CHECK_EQ_INT(hive_cinstance_new(engine, comp, l, &x, &err), HIVE_OK);
    CHECK_EQ_INT(hive_cinstance_new(engine, comp, l, &y, &err), HIVE_OK);
    m.inst = x;
    if (x && y && m.p2) {
        CHECK_EQ_INT(hive_wasip2_run(m.p2, x, hive_cinstance_func(x, "wasi:cli/run@0.2.12#run"), NULL, NULL, NULL),
                     HIVE_DONE);
        CHECK(m.calls > 0);
        CHECK_EQ_INT(hive_wasip2_run(m.p2, y, hive_cinstance_func(y, "wasi:cli/run@0.2.12#run"), NULL, NULL, NULL),
                     HIVE_TRAPPED);
        CHECK(strstr(hive_cinstance_trap(y)->message, "no WASI 0.2 context") != NULL);
    }
    hive_cinstance_free(x);
    hive_cinstance_free(y);
    hive_wasip2_free(m.p2);
    hive_linker_free(l);
    close(devnull);
    hive_component_release(comp);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: host DIR\n");
        return 2;
    }
    dir = argv[1];
    engine = hive_engine_new(NULL);
    if (!engine) return 1;
    RUN(test_config_errors);
    RUN(test_pipe_pending);
    RUN(test_embedder_streams);
    RUN(test_fake_clock_sleep);
    RUN(test_sources);
    RUN(test_object_limit);
    RUN(test_exit_codes);
    RUN(test_objects_freed);
    RUN(test_shared_linker);
    RUN(test_raw_poll_and_seed);
    RUN(test_raw_streams);
    RUN(test_net_rules);
    RUN(test_net_denied);
    RUN(test_net_tcp_udp);
    RUN(test_net_lookup);
    hive_engine_free(engine);
    return test_summary("wasip2-host");
}
