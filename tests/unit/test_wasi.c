/*
 * test_wasi.c -- WASI preview 1 end to end: C guests compiled with
 * clang --target=wasm32-wasi (tests/wasi/NAME.c, built by mk/wasi.mk into
 * $(BUILD)/wasi) run against hive_wasi, with stdio as embedder streams or
 * host fds, and driven both by hive_wasi_run and by a hand-written event
 * loop that answers every PENDING the way the worker pool will. Each guest
 * checks its own errno values and reports "N passed, M failed"; these
 * tests check the exit codes, the outputs, what the guest waited for, and
 * that nothing outside the sandbox changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hive/wasi.h"
#include "hive/wasm.h"
#include "testutil.h"

#ifndef WASI_GUEST_DIR
#define WASI_GUEST_DIR "build/wasi"
#endif

/* ---- embedder streams ------------------------------------------------------ */

/* Output captured in memory; with again_every N, the 1st, N+1st, ... write
 * answers EAGAIN (backpressure). */
typedef struct sink {
    char *data;
    size_t len, cap;
    int again_every, calls, agains;
} sink;

static int64_t sink_write(void *ud, const uint8_t *buf, size_t len) {
    sink *s = ud;
    if (s->again_every && s->calls++ % s->again_every == 0) {
        s->agains++;
        return -HIVE_WASI_EAGAIN;
    }
    if (s->len + len + 1 > s->cap) {
        size_t cap = (s->len + len + 1) * 2;
        char *d = realloc(s->data, cap);
        if (!d) return -HIVE_WASI_EIO;
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->len, buf, len);
    s->len += len;
    s->data[s->len] = '\0';
    return (int64_t)len;
}

/* Input that has nothing (EAGAIN) while blocked, then data, then EOF. */
typedef struct source {
    const char *data;
    size_t len, pos;
    int blocked;
} source;

static int64_t source_read(void *ud, uint8_t *buf, size_t len) {
    source *s = ud;
    if (s->blocked) return -HIVE_WASI_EAGAIN;
    size_t n = s->len - s->pos < len ? s->len - s->pos : len;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (int64_t)n;
}

static int source_readable(void *ud) {
    source *s = ud;
    if (s->blocked) return 0;
    return s->pos < s->len ? (int)(s->len - s->pos) : -1;
}

/* ---- helpers -------------------------------------------------------------------- */

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static hive_module *load_guest(hive_engine *engine, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", WASI_GUEST_DIR, name);
    size_t len;
    uint8_t *bytes = read_all(path, &len);
    if (!bytes) {
        fprintf(stderr, "cannot read %s (build it with `make wasi-guests`)\n", path);
        return NULL;
    }
    hive_module *m = NULL;
    hive_error err;
    if (hive_module_new(engine, bytes, len, &m, &err) != HIVE_OK)
        fprintf(stderr, "%s: %s\n", path, err.message);
    free(bytes);
    return m;
}

/* A loaded, linked guest with its wasi. */
typedef struct guest {
    hive_engine *engine;
    hive_module *module;
    hive_wasi *wasi;
    hive_instance *inst;
    hive_exec *exec;
    hive_extern imports[64];
} guest;

static int guest_open(guest *g, const char *name, const hive_wasi_config *cfg) {
    memset(g, 0, sizeof *g);
    hive_error err;
    g->engine = hive_engine_new(NULL);
    if (!g->engine) return -1;
    g->module = load_guest(g->engine, name);
    if (!g->module) return -1;
    if (hive_wasi_new(g->engine, cfg, &g->wasi, &err) != HIVE_OK) {
        fprintf(stderr, "hive_wasi_new: %s\n", err.message);
        return -1;
    }
    size_t n = hive_module_import_count(g->module);
    if (n > 64 || hive_wasi_imports(g->wasi, g->module, g->imports, n, NULL, &err) != HIVE_OK) {
        fprintf(stderr, "imports: %s\n", err.message);
        return -1;
    }
    if (hive_instance_new(g->engine, g->module, g->imports, n, &g->inst, &err) != HIVE_OK) {
        fprintf(stderr, "instantiate: %s\n", err.message);
        return -1;
    }
    g->exec = hive_exec_new(g->engine);
    return g->exec ? 0 : -1;
}

static void guest_close(guest *g) {
    hive_exec_free(g->exec);
    hive_instance_free(g->inst);
    hive_wasi_free(g->wasi);
    hive_module_release(g->module);
    hive_engine_free(g->engine);
}

static hive_func *guest_export(guest *g, const char *name) {
    hive_extern ex;
    if (hive_instance_export(g->inst, name, strlen(name), &ex) != HIVE_OK) return NULL;
    return ex.kind == HIVE_EXTERN_FUNC ? ex.of.func : NULL;
}

/* Exit code of a finished _start: 0 when it returned, the proc_exit code,
 * or -1 for a trap or anything else. */
static int exit_code(guest *g, hive_status st) {
    if (st == HIVE_DONE) return 0;
    if (st == HIVE_TRAPPED && hive_exec_trap(g->exec)->kind == HIVE_TRAP_EXIT)
        return hive_exec_trap(g->exec)->exit_code;
    if (st == HIVE_TRAPPED) fprintf(stderr, "trap: %s\n", hive_exec_trap(g->exec)->message);
    return -1;
}

static void set_stream(hive_wasi_config *c, int i, hive_wasi_stream s) {
    c->stdio[i].kind = HIVE_WASI_STDIO_STREAM;
    c->stdio[i].stream = s;
}

static char *make_tempdir(void) {
    char tmpl[] = "/tmp/hive-wasi-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static void remove_tree(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- the file system guest -------------------------------------------------------- */

static void run_fs(uint32_t flags) {
    char *t = make_tempdir();
    CHECK(t != NULL);
    if (!t) return;
    char sandbox[512], secret[512], link[600];
    snprintf(sandbox, sizeof sandbox, "%s/sandbox", t);
    snprintf(secret, sizeof secret, "%s/secret.txt", t);
    snprintf(link, sizeof link, "%s/link_abs", sandbox);
    CHECK(mkdir(sandbox, 0777) == 0);
    FILE *f = fopen(secret, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("secret\n", f);
        fclose(f);
    }
    CHECK(symlink(secret, link) == 0);
    sink out = {0};
    hive_wasi_preopen pre = {sandbox, "/sandbox"};
    hive_wasi_config cfg = {0};
    const char *argv[] = {"fs"};
    cfg.argv = argv;
    cfg.argc = 1;
    cfg.preopens = &pre;
    cfg.npreopens = 1;
    cfg.flags = flags;
    set_stream(&cfg, 1, (hive_wasi_stream){NULL, sink_write, NULL, &out});
    set_stream(&cfg, 2, (hive_wasi_stream){NULL, sink_write, NULL, &out});
    guest g;
    if (guest_open(&g, "fs", &cfg) == 0) {
        hive_status st = hive_wasi_run(g.wasi, g.exec, guest_export(&g, "_start"), NULL, 0, NULL,
                                       NULL);
        CHECK_EQ_INT(exit_code(&g, st), 0);
        CHECK(out.data && strstr(out.data, "fs: ") && strstr(out.data, " 0 failed"));
        if (!out.data || !strstr(out.data, " 0 failed")) fprintf(stderr, "%s", out.data ? out.data : "");
    } else {
        CHECK(0);
    }
    guest_close(&g);
    /* Nothing outside the sandbox changed or appeared. */
    struct stat st;
    char path[600];
    CHECK(stat(secret, &st) == 0 && st.st_size == 7);
    const char *never[] = {"stolen.txt", "got.txt", "new.txt", "x", "abs"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", t, never[i]);
        CHECK(lstat(path, &st) != 0);
    }
    free(out.data);
    remove_tree(t);
    free(t);
}

static void test_fs_openat2(void) { run_fs(0); }
static void test_fs_walk(void) { run_fs(HIVE_WASI_FORCE_PATH_WALK); }

/* ---- misc: an event loop answering every PENDING by hand ------------------------------ */

static void sleep_until(uint64_t deadline) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t n = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    if (deadline <= n) return;
    uint64_t d = deadline - n;
    struct timespec ts = {(time_t)(d / 1000000000u), (long)(d % 1000000000u)};
    nanosleep(&ts, NULL);
}

static void test_misc_event_loop(void) {
    sink out = {0};
    out.again_every = 3;
    source in = {"ping\n", 5, 0, 1};
    hive_wasi_config cfg = {0};
    const char *argv[] = {"misc", "one", "two three"};
    const char *env[] = {"A=1", "B=two"};
    cfg.argv = argv;
    cfg.argc = 3;
    cfg.env = env;
    cfg.envc = 2;
    set_stream(&cfg, 0, (hive_wasi_stream){source_read, NULL, source_readable, &in});
    set_stream(&cfg, 1, (hive_wasi_stream){NULL, sink_write, NULL, &out});
    guest g;
    if (guest_open(&g, "misc", &cfg) != 0) {
        CHECK(0);
        guest_close(&g);
        return;
    }
    CHECK_EQ_INT(hive_wasi_complete_pending(g.wasi, g.exec), HIVE_ESTATE);
    CHECK_EQ_INT(hive_wasi_pending(g.wasi, NULL), 0);
    int sleeps = 0, stdin_waits = 0, stdout_waits = 0, still = 0, rounds = 0;
    hive_status st = hive_exec_call(g.exec, guest_export(&g, "_start"), NULL, 0, 100000);
    while ((st == HIVE_PENDING || st == HIVE_SUSPENDED) && rounds++ < 100000) {
        if (st == HIVE_SUSPENDED) {
            st = hive_exec_resume(g.exec, 100000);
            continue;
        }
        hive_wasi_wait w;
        CHECK_EQ_INT(hive_wasi_pending(g.wasi, &w), 1);
        if (w.deadline_ns == UINT64_MAX && (w.streams & 1)) {
            stdin_waits++; /* poll on stdin alone */
            in.blocked = 0; /* the data arrives */
        } else if (w.streams & 2) {
            stdout_waits++; /* backpressure: the sink takes it on the retry */
        } else {
            CHECK(w.deadline_ns != UINT64_MAX);
            CHECK_EQ_INT(w.nfds, 0);
            CHECK_EQ_INT(w.streams & 2, 0);
            sleeps++;
            /* Too early first: the call must stay pending. */
            if (hive_wasi_complete_pending(g.wasi, g.exec) == HIVE_WASI_STILL_WAITING) still++;
            else {
                st = hive_exec_resume(g.exec, 100000);
                continue;
            }
            sleep_until(w.deadline_ns);
        }
        int rc = hive_wasi_complete_pending(g.wasi, g.exec);
        if (rc == HIVE_WASI_STILL_WAITING) continue;
        CHECK_EQ_INT(rc, HIVE_OK);
        st = hive_exec_resume(g.exec, 100000);
    }
    CHECK_EQ_INT(exit_code(&g, st), 42);
    CHECK(sleeps >= 5);
    CHECK(still >= 4);
    CHECK_EQ_INT(stdin_waits, 1);
    CHECK(stdout_waits >= 1 && out.agains >= stdout_waits);
    CHECK(out.data && strstr(out.data, "misc: ") && strstr(out.data, " 0 failed"));
    if (!out.data || !strstr(out.data, " 0 failed")) fprintf(stderr, "%s", out.data ? out.data : "");
    free(out.data);
    guest_close(&g);
}

/* The same guest through the blocking driver, stdin a pipe that fills
 * later: exercises poll_oneoff and reads waiting on host fds. */
static void test_misc_blocking_driver(void) {
    int p[2];
    CHECK(pipe(p) == 0);
    sink out = {0};
    hive_wasi_config cfg = {0};
    const char *argv[] = {"misc", "one", "two three"};
    const char *env[] = {"A=1", "B=two"};
    cfg.argv = argv;
    cfg.argc = 3;
    cfg.env = env;
    cfg.envc = 2;
    cfg.stdio[0].kind = HIVE_WASI_STDIO_FD;
    cfg.stdio[0].fd = p[0];
    set_stream(&cfg, 1, (hive_wasi_stream){NULL, sink_write, NULL, &out});
    guest g;
    if (guest_open(&g, "misc", &cfg) == 0) {
        /* The pipe gets its data from a child process, 300 ms in. */
        pid_t pid = fork();
        if (pid == 0) {
            usleep(300000);
            ssize_t n = write(p[1], "ping\n", 5);
            _exit(n == 5 ? 0 : 1);
        }
        hive_status st = hive_wasi_run(g.wasi, g.exec, guest_export(&g, "_start"), NULL, 0, NULL,
                                       NULL);
        CHECK_EQ_INT(exit_code(&g, st), 42);
        CHECK(out.data && strstr(out.data, " 0 failed"));
        if (!out.data || !strstr(out.data, " 0 failed")) fprintf(stderr, "%s", out.data ? out.data : "");
    } else {
        CHECK(0);
    }
    guest_close(&g);
    close(p[0]);
    close(p[1]);
    free(out.data);
    while (wait(NULL) > 0) {
    }
}

/* ---- stdin from a pipe, by hand: PENDING names the fd ------------------------------- */

static void test_pipe_pending(void) {
    int p[2];
    CHECK(pipe(p) == 0);
    sink out = {0};
    hive_wasi_config cfg = {0};
    cfg.stdio[0].kind = HIVE_WASI_STDIO_FD;
    cfg.stdio[0].fd = p[0];
    set_stream(&cfg, 1, (hive_wasi_stream){NULL, sink_write, NULL, &out});
    guest g;
    if (guest_open(&g, "echo", &cfg) != 0) {
        CHECK(0);
        guest_close(&g);
        return;
    }
    const char *chunks[] = {"first line\n", "second ", "line\n", "third\n"};
    size_t next = 0, waits = 0, total = 0;
    hive_status st = hive_exec_call(g.exec, guest_export(&g, "_start"), NULL, 0, 0);
    while (st == HIVE_PENDING && waits < 100) {
        hive_wasi_wait w;
        CHECK_EQ_INT(hive_wasi_pending(g.wasi, &w), 1);
        CHECK_EQ_INT(w.nfds, 1);
        CHECK_EQ_INT(w.fds[0].fd, p[0]);
        CHECK(w.fds[0].events & POLLIN);
        CHECK(w.deadline_ns == UINT64_MAX);
        waits++;
        /* Still nothing: the retry stays pending. */
        CHECK_EQ_INT(hive_wasi_complete_pending(g.wasi, g.exec), HIVE_WASI_STILL_WAITING);
        if (next < 4) {
            ssize_t n = write(p[1], chunks[next], strlen(chunks[next]));
            CHECK(n == (ssize_t)strlen(chunks[next]));
            total += strlen(chunks[next++]);
        } else if (p[1] >= 0) {
            close(p[1]);
            p[1] = -1;
        }
        CHECK_EQ_INT(hive_wasi_complete_pending(g.wasi, g.exec), HIVE_OK);
        st = hive_exec_resume(g.exec, 0);
    }
    CHECK_EQ_INT(exit_code(&g, st), 0);
    CHECK_EQ_INT(waits, 5);
    CHECK(out.data && !strcmp(out.data, "first line\nsecond line\nthird\n[29 bytes]\n"));
    CHECK_EQ_INT(total, 29);
    guest_close(&g);
    close(p[0]);
    if (p[1] >= 0) close(p[1]);
    free(out.data);
}

/* A large stdin through an embedder stream and a stdout with
 * backpressure, through the blocking driver. */
static void test_stream_echo(void) {
    size_t n = 300000;
    char *data = malloc(n);
    CHECK(data != NULL);
    if (!data) return;
    for (size_t i = 0; i < n; i++) data[i] = (char)('a' + i % 26);
    source in = {data, n, 0, 0};
    sink out = {0};
    out.again_every = 2;
    hive_wasi_config cfg = {0};
    set_stream(&cfg, 0, (hive_wasi_stream){source_read, NULL, source_readable, &in});
    set_stream(&cfg, 1, (hive_wasi_stream){NULL, sink_write, NULL, &out});
    guest g;
    if (guest_open(&g, "echo", &cfg) == 0) {
        hive_status st = hive_wasi_run(g.wasi, g.exec, guest_export(&g, "_start"), NULL, 0, NULL,
                                       NULL);
        CHECK_EQ_INT(exit_code(&g, st), 0);
        CHECK(out.len == n + strlen("[300000 bytes]\n"));
        CHECK(out.data && !memcmp(out.data, data, n));
        CHECK(out.data && !strcmp(out.data + n, "[300000 bytes]\n"));
        CHECK(out.agains > 10);
    } else {
        CHECK(0);
    }
    guest_close(&g);
    free(out.data);
    free(data);
}

/* ---- sockets ------------------------------------------------------------------------------ */

static void test_sock(void) {
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(ls >= 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "/tmp/hive-wasi-sock-%d", (int)getpid());
    unlink(a.sun_path);
    CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(ls, 4) == 0);
    int cl = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(cl, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(write(cl, "ping", 4) == 4);
    CHECK(shutdown(cl, SHUT_WR) == 0);
    sink out = {0};
    hive_wasi_config cfg = {0};
    cfg.stdio[0].kind = HIVE_WASI_STDIO_FD;
    cfg.stdio[0].fd = ls;
    set_stream(&cfg, 1, (hive_wasi_stream){NULL, sink_write, NULL, &out});
    guest g;
    if (guest_open(&g, "sock", &cfg) == 0) {
        hive_status st = hive_wasi_run(g.wasi, g.exec, guest_export(&g, "_start"), NULL, 0, NULL,
                                       NULL);
        CHECK_EQ_INT(exit_code(&g, st), 0);
        CHECK(out.data && strstr(out.data, " 0 failed"));
        if (!out.data || !strstr(out.data, " 0 failed")) fprintf(stderr, "%s", out.data ? out.data : "");
        /* 1024 of the 1025 one-byte iovecs (WASI_IOV_MAX), then "pong" */
        char buf[1100] = {0};
        size_t got = 0;
        ssize_t r;
        while (got < sizeof buf && (r = read(cl, buf + got, sizeof buf - got)) > 0) got += (size_t)r;
        CHECK(got == 1024 + 4); /* the read ends: the guest shut down writing */
        size_t xs = 0;
        while (xs < got && buf[xs] == 'x') xs++;
        CHECK(xs == 1024 && !memcmp(buf + 1024, "pong", 4));
    } else {
        CHECK(0);
    }
    guest_close(&g);
    close(cl);
    close(ls);
    unlink(a.sun_path);
    free(out.data);
}

/* ---- imports -------------------------------------------------------------------------- */

/* Appends a name (LEB length < 128 + bytes). */
static size_t put_name(uint8_t *p, const char *s) {
    size_t n = strlen(s);
    p[0] = (uint8_t)n;
    memcpy(p + 1, s, n);
    return n + 1;
}

/* A module with types [(i32 i32 i32 i32)->i32, ()->()] importing
 * (mod1.name1 : type t1) and (mod2.name2 : type t2). */
static size_t make_module(uint8_t *out, const char *mod1, const char *name1, int t1,
                          const char *mod2, const char *name2, int t2) {
    static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 12, 2, 0x60, 4, 0x7f,
                                   0x7f, 0x7f, 0x7f, 1, 0x7f, 0x60, 0, 0};
    size_t o = sizeof head;
    memcpy(out, head, o);
    uint8_t body[512];
    size_t b = 0;
    body[b++] = 2;
    b += put_name(body + b, mod1);
    b += put_name(body + b, name1);
    body[b++] = 0;
    body[b++] = (uint8_t)t1;
    b += put_name(body + b, mod2);
    b += put_name(body + b, name2);
    body[b++] = 0;
    body[b++] = (uint8_t)t2;
    out[o++] = 2;
    out[o++] = (uint8_t)b;
    memcpy(out + o, body, b);
    return o + b;
}

static void test_imports(void) {
    hive_engine *e = hive_engine_new(NULL);
    hive_wasi *w = NULL;
    hive_error err;
    CHECK_EQ_INT(hive_wasi_new(e, NULL, &w, &err), HIVE_OK);
    uint8_t bytes[600];
    hive_module *m = NULL;
    hive_extern ex[2];
    uint8_t resolved[2] = {9, 9};
    /* WASI plus another module: resolved says which is whose. */
    size_t n = make_module(bytes, "wasi_snapshot_preview1", "fd_write", 0, "env", "foo", 1);
    CHECK_EQ_INT(hive_module_new(e, bytes, n, &m, &err), HIVE_OK);
    if (m) {
        CHECK_EQ_INT(hive_wasi_imports(w, m, ex, 2, resolved, &err), HIVE_OK);
        CHECK_EQ_INT(resolved[0], 1);
        CHECK_EQ_INT(resolved[1], 0);
        CHECK(ex[0].kind == HIVE_EXTERN_FUNC && ex[0].of.func != NULL);
        CHECK_EQ_INT(hive_func_type(ex[0].of.func)->nparams, 4);
        CHECK_EQ_INT(hive_wasi_imports(w, m, ex, 2, NULL, &err), HIVE_EUNLINKABLE);
        CHECK(strstr(err.message, "env.foo") != NULL);
        CHECK_EQ_INT(hive_wasi_imports(w, m, ex, 1, resolved, &err), HIVE_EARG);
        hive_module_release(m);
    }
    /* An unknown WASI function, and a WASI function of the wrong type. */
    n = make_module(bytes, "wasi_snapshot_preview1", "fd_write", 0, "wasi_snapshot_preview1",
                    "fd_teleport", 1);
    CHECK_EQ_INT(hive_module_new(e, bytes, n, &m, &err), HIVE_OK);
    if (m) {
        CHECK_EQ_INT(hive_wasi_imports(w, m, ex, 2, resolved, &err), HIVE_EUNLINKABLE);
        CHECK(strstr(err.message, "fd_teleport") != NULL);
        hive_module_release(m);
    }
    n = make_module(bytes, "wasi_snapshot_preview1", "fd_write", 1, "env", "foo", 1);
    CHECK_EQ_INT(hive_module_new(e, bytes, n, &m, &err), HIVE_OK);
    if (m) {
        CHECK_EQ_INT(hive_wasi_imports(w, m, ex, 2, resolved, &err), HIVE_EUNLINKABLE);
        CHECK(strstr(err.message, "fd_write") && strstr(err.message, "wrong type"));
        hive_module_release(m);
    }
    hive_wasi_free(w);
    hive_engine_free(e);
}

/* ---- limits, config errors, the errno table ------------------------------------------- */

static void test_run_limits(void) {
    sink out = {0};
    hive_wasi_config cfg = {0};
    const char *argv[] = {"trap", "loop"};
    cfg.argv = argv;
    cfg.argc = 2;
    set_stream(&cfg, 1, (hive_wasi_stream){NULL, sink_write, NULL, &out});
    guest g;
    if (guest_open(&g, "trap", &cfg) == 0) {
        hive_wasi_run_opts o = {0, 50000000, 0};
        int stop = -1;
        hive_status st = hive_wasi_run(g.wasi, g.exec, guest_export(&g, "_start"), NULL, 0, &o,
                                       &stop);
        CHECK_EQ_INT(st, HIVE_SUSPENDED);
        CHECK_EQ_INT(stop, HIVE_WASI_STOP_TIMEOUT);
        hive_wasi_run_opts f = {5000000, 0, 100000};
        st = hive_wasi_run(g.wasi, g.exec, guest_export(&g, "_start"), NULL, 0, &f, &stop);
        CHECK_EQ_INT(st, HIVE_SUSPENDED);
        CHECK_EQ_INT(stop, HIVE_WASI_STOP_FUEL);
        CHECK(out.data && !strncmp(out.data, "before the trap\n", 16));
    } else {
        CHECK(0);
    }
    guest_close(&g);
    free(out.data);
    memset(&out, 0, sizeof out);
    /* A trap comes back with the guest's function names. */
    cfg.argc = 1;
    if (guest_open(&g, "trap", &cfg) == 0) {
        hive_status st = hive_wasi_run(g.wasi, g.exec, guest_export(&g, "_start"), NULL, 0, NULL,
                                       NULL);
        CHECK_EQ_INT(st, HIVE_TRAPPED);
        const hive_trap *t = hive_exec_trap(g.exec);
        CHECK_EQ_INT(t->kind, HIVE_TRAP_UNREACHABLE);
        int found = 0;
        for (uint32_t i = 0; i < t->nframes; i++)
            if (t->frames[i].func_name && strstr(t->frames[i].func_name, "innermost_fault")) found = 1;
        CHECK(found);
        if (!found)
            for (uint32_t i = 0; i < t->nframes; i++)
                fprintf(stderr, "  frame %u: %s (%u)\n", i,
                        t->frames[i].func_name ? t->frames[i].func_name : "?",
                        t->frames[i].func_index);
    } else {
        CHECK(0);
    }
    guest_close(&g);
    free(out.data);
}

static void test_config(void) {
    hive_engine *e = hive_engine_new(NULL);
    hive_wasi *w = (hive_wasi *)1;
    hive_error err;
    hive_wasi_preopen pre = {"/nonexistent/hive/dir", "/x"};
    hive_wasi_config cfg = {0};
    cfg.preopens = &pre;
    cfg.npreopens = 1;
    CHECK_EQ_INT(hive_wasi_new(e, &cfg, &w, &err), HIVE_EARG);
    CHECK(w == NULL);
    CHECK(strstr(err.message, "/nonexistent/hive/dir") != NULL);
    CHECK_EQ_INT(hive_wasi_new(NULL, &cfg, &w, &err), HIVE_EARG);
    /* No stdio at all: output is dropped, input is at its end. */
    guest g;
    hive_wasi_config none = {0};
    if (guest_open(&g, "echo", &none) == 0) {
        hive_status st = hive_wasi_run(g.wasi, g.exec, guest_export(&g, "_start"), NULL, 0, NULL,
                                       NULL);
        CHECK_EQ_INT(exit_code(&g, st), 0);
    } else {
        CHECK(0);
    }
    guest_close(&g);
    hive_wasi_free(NULL);
    hive_wasi_cancel_pending(NULL);
    hive_engine_free(e);
}

static void test_errno_table(void) {
    CHECK_EQ_INT(hive_wasi_errno_from_host(0), 0);
    CHECK_EQ_INT(hive_wasi_errno_from_host(E2BIG), 1);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EACCES), 2);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EAGAIN), 6);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EWOULDBLOCK), 6);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EBADF), 8);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EEXIST), 20);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EINVAL), 28);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EISDIR), 31);
    CHECK_EQ_INT(hive_wasi_errno_from_host(ELOOP), 32);
    CHECK_EQ_INT(hive_wasi_errno_from_host(ENOENT), 44);
    CHECK_EQ_INT(hive_wasi_errno_from_host(ENOTDIR), 54);
    CHECK_EQ_INT(hive_wasi_errno_from_host(ENOTEMPTY), 55);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EOPNOTSUPP), 58);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EPERM), 63);
    CHECK_EQ_INT(hive_wasi_errno_from_host(ESPIPE), 70);
    CHECK_EQ_INT(hive_wasi_errno_from_host(EXDEV), 75);
    CHECK_EQ_INT(hive_wasi_errno_from_host(99999), 29);
    CHECK(!strcmp(hive_wasi_errno_name(76), "ENOTCAPABLE"));
    CHECK(!strcmp(hive_wasi_errno_name(44), "ENOENT"));
    CHECK(!strcmp(hive_wasi_errno_name(77), "?"));
    /* Every WASI errno but ENOTCAPABLE is the image of its POSIX namesake. */
    int seen[77] = {0};
    for (int e = 0; e < 200; e++) {
        uint16_t w = hive_wasi_errno_from_host(e);
        if (w < 77) seen[w] = 1;
    }
    int all = 1;
    for (int i = 0; i < 76; i++) all &= seen[i];
    CHECK(all);
}

int main(void) {
    RUN(test_errno_table);
    RUN(test_imports);
    RUN(test_config);
    RUN(test_fs_openat2);
    RUN(test_fs_walk);
    RUN(test_misc_event_loop);
    RUN(test_misc_blocking_driver);
    RUN(test_pipe_pending);
    RUN(test_stream_echo);
    RUN(test_sock);
    RUN(test_run_limits);
    return test_summary("wasi");
}
