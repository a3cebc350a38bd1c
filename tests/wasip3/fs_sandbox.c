/*
 * fs_sandbox.c -- the WASI 0.3 filesystem sandbox (src/wasip3/fs.c over
 * src/wasi/fsops.c and path.c): a guest (tests/wasip3/fs-sandbox.wat)
 * calls wasi:filesystem@0.3.0 on a preopened directory with every way
 * out we know -- "..", absolute paths, symlinks to ".." and to absolute
 * targets, ".." from a directory opened beneath, "link/" through a
 * symlink -- and each must be not-permitted, while the same operations
 * inside work. The host side is then checked: nothing outside the
 * preopen was created, changed or removed. Runs with openat2 and again
 * with the component walk (HIVE_WASIP2_FORCE_PATH_WALK).
 *
 * The streams (tests/wasip3/fs-streams.wat): read-via-stream of an 8 MiB
 * file, driven by hand to see that no single hive_wasip3_poll holds the
 * thread for long and that bytes and checksum arrive whole; reads at an
 * offset, past the end and with bad offsets; write-via-stream and
 * append-via-stream checked on the host; a fifo both ways (the reactor's
 * pumps, waiting for the fd); read-directory's count.
 *
 * Usage: fs_sandbox DIR (DIR holds fs-sandbox.component.wasm and
 * fs-streams.component.wasm). Prints "wasip3-fs-sandbox: N passed, N
 * failed" and the figures of the big read.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hive/component.h"
#include "hive/wasip3.h"
#include "testutil.h"

/* error-code cases of wasi:filesystem@0.3.0, + 1 as the guest returns them */
enum {
    OK = 0,
    EXIST = 1 + 6,
    INVALID = 1 + 11,
    LOOP = 1 + 14,
    NAMETOOLONG = 1 + 17,
    NOENT = 1 + 19,
    NOTDIR = 1 + 23,
    NOTEMPTY = 1 + 24,
    NOTPERM = 1 + 30,
    READONLY = 1 + 32,
};

/* the guest's operations (fs-sandbox.wat) */
enum {
    OPEN, STAT, MKDIR, RMDIR, UNLINK, READLINK, RENAME, LINK, SYMLINK, HASH, TIMES, CREATE,
    CHILD_MKDIR, CHILD_MKDIR_RO, CHILD_OPEN
};

static hive_engine *engine;
static uint8_t *wasm, *wasm_streams;
static size_t wasm_len, wasm_streams_len;
static char root[64], box[96];

typedef struct guest {
    hive_component *comp;
    hive_wasip3 *p3;
    hive_linker *linker;
    hive_cinstance *inst;
    hive_cfunc *op;
} guest;

static int guest_new(guest *g, int walk, int streams) {
    memset(g, 0, sizeof *g);
    hive_error err;
    if (hive_component_new(engine, streams ? wasm_streams : wasm, streams ? wasm_streams_len : wasm_len, &g->comp,
                           &err) != HIVE_OK) {
        fprintf(stderr, "component: %s\n", err.message);
        return -1;
    }
    hive_wasi_preopen pre = {box, "box"};
    hive_wasip3_config c;
    memset(&c, 0, sizeof c);
    c.base.preopens = &pre;
    c.base.npreopens = 1;
    if (walk) c.base.flags |= HIVE_WASIP2_FORCE_PATH_WALK;
    if (hive_wasip3_new(&c, &g->p3, &err) != HIVE_OK) {
        fprintf(stderr, "wasip3: %s\n", err.message);
        return -1;
    }
    g->linker = hive_linker_new(engine);
    if (!g->linker || hive_wasip3_define(g->p3, g->linker) != HIVE_OK) return -1;
    if (hive_cinstance_new(engine, g->comp, g->linker, &g->inst, &err) != HIVE_OK) {
        fprintf(stderr, "instantiate: %s\n", err.message);
        return -1;
    }
    g->op = hive_cinstance_func(g->inst, streams ? "read-file" : "op");
    return g->op ? 0 : -1;
}

static void guest_free(guest *g) {
    hive_cinstance_free(g->inst);
    hive_linker_free(g->linker);
    hive_wasip3_free(g->p3);
    hive_component_release(g->comp);
}

/* One operation: the guest's answer (0 ok, 1 + error-code), or -1 when
 * the call failed. */
static long op(guest *g, int which, int follow, const char *a, const char *b) {
    hive_cval args[4];
    args[0] = hive_cval_uint(HIVE_C_U32, (uint64_t)which);
    args[1] = hive_cval_uint(HIVE_C_U32, (uint64_t)follow);
    if (hive_cval_string(&args[2], a, strlen(a)) != HIVE_OK ||
        hive_cval_string(&args[3], b ? b : "", b ? strlen(b) : 0) != HIVE_OK)
        return -1;
    hive_cval r;
    memset(&r, 0, sizeof r);
    int stop;
    hive_status st = hive_wasip3_call(g->p3, g->inst, g->op, args, 4, NULL, &r, &stop);
    hive_cval_clear(&args[2]);
    hive_cval_clear(&args[3]);
    if (st != HIVE_DONE || r.kind != HIVE_C_U32) {
        const hive_trap *t = hive_cinstance_trap(g->inst);
        fprintf(stderr, "op %d '%s': status %d: %s %s\n", which, a, st, hive_wasip3_failure(g->p3),
                t ? t->message : "");
        return -1;
    }
    return (long)r.of.u;
}

#define EXPECT(g, want, which, follow, a, b)                                                       \
    do {                                                                                           \
        long got_ = op(g, which, follow, a, b);                                                    \
        if (got_ != (want)) {                                                                      \
            fprintf(stderr, "%s:%d: op %s(%s%s%s%s): %ld, want %ld\n", __FILE__, __LINE__, #which, \
                    follow ? "follow, " : "", a, b ? " -> " : "", b ? b : "", got_, (long)(want)); \
            test_cur_failed = 1;                                                                   \
        }                                                                                          \
    } while (0)

static int exists(const char *rel) {
    char p[256];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", root, rel);
    return lstat(p, &st) == 0;
}

static void put(const char *rel, const char *text) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void ln_s(const char *target, const char *rel) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if (symlink(target, p) < 0) perror(p);
}

static void sh_rm(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", root);
}

/* root/secret.txt, root/sibling/, root/box/ (the preopen, "box"): a.txt,
 * sub/b.txt, and symlinks up -> .., up-secret -> ../secret.txt, abs ->
 * /etc, abs-file -> /etc/passwd, in-link -> a.txt, sub/up2 -> ../..,
 * loop -> loop, inside-dir -> sub. */
static int make_tree(void) {
    snprintf(root, sizeof root, "/tmp/hive-p3fs-XXXXXX");
    if (!mkdtemp(root)) return -1;
    snprintf(box, sizeof box, "%s/box", root);
    char p[256];
    snprintf(p, sizeof p, "%s/sibling", root);
    if (mkdir(box, 0755) < 0 || mkdir(p, 0755) < 0) return -1;
    snprintf(p, sizeof p, "%s/sub", box);
    if (mkdir(p, 0755) < 0) return -1;
    put("secret.txt", "secret\n");
    put("box/a.txt", "a\n");
    put("box/sub/b.txt", "b\n");
    ln_s("..", "box/up");
    ln_s("../secret.txt", "box/up-secret");
    ln_s("/etc", "box/abs");
    ln_s("/etc/passwd", "box/abs-file");
    ln_s("a.txt", "box/in-link");
    ln_s("../..", "box/sub/up2");
    ln_s("loop", "box/loop");
    ln_s("sub", "box/inside-dir");
    return 0;
}

/* Nothing outside the preopen moved. */
static void check_outside(void) {
    char p[256], buf[32] = {0};
    snprintf(p, sizeof p, "%s/secret.txt", root);
    FILE *f = fopen(p, "r");
    CHECK(f != NULL);
    if (f) {
        CHECK(fgets(buf, sizeof buf, f) != NULL);
        fclose(f);
    }
    CHECK(!strcmp(buf, "secret\n"));
    const char *never[] = {"x", "escape", "stolen", "got", "l", "l2", "l3", "sibling/x", "sibling/escape"};
    for (size_t i = 0; i < sizeof never / sizeof *never; i++) {
        if (exists(never[i])) fprintf(stderr, "created outside the preopen: %s\n", never[i]);
        CHECK(!exists(never[i]));
    }
    CHECK(exists("sibling"));
    struct stat st;
    snprintf(p, sizeof p, "%s/secret.txt", root);
    /* set-times-at "now" through a way out would have touched it */
    CHECK(stat(p, &st) == 0 && st.st_mtime < time(NULL) - 1000);
}

static guest G;
static int walk_mode;

static void test_open(void) {
    EXPECT(&G, OK, OPEN, 0, "a.txt", NULL);
    EXPECT(&G, OK, OPEN, 0, "sub/../a.txt", NULL);
    EXPECT(&G, OK, OPEN, 0, "./sub/b.txt", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "..", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "../secret.txt", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "sub/../../secret.txt", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "/", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "/etc/passwd", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "up/secret.txt", NULL);
    EXPECT(&G, NOTPERM, OPEN, 1, "up/secret.txt", NULL);
    EXPECT(&G, NOTPERM, OPEN, 1, "up-secret", NULL);
    EXPECT(&G, LOOP, OPEN, 0, "up-secret", NULL); /* the link itself, not followed */
    EXPECT(&G, NOTPERM, OPEN, 1, "abs", NULL);
    EXPECT(&G, NOTPERM, OPEN, 1, "abs-file", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "abs/passwd", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "sub/up2/secret.txt", NULL);
    EXPECT(&G, NOTPERM, OPEN, 0, "inside-dir/up2/secret.txt", NULL);
    EXPECT(&G, OK, OPEN, 1, "in-link", NULL);
    EXPECT(&G, OK, OPEN, 0, "inside-dir/b.txt", NULL);
    EXPECT(&G, LOOP, OPEN, 1, "loop", NULL);
    EXPECT(&G, NOENT, OPEN, 0, "", NULL);
    EXPECT(&G, NOENT, OPEN, 0, "nothing", NULL);
    static char longp[5000];
    memset(longp, 'a', sizeof longp - 1);
    EXPECT(&G, NAMETOOLONG, OPEN, 0, longp, NULL);
    EXPECT(&G, NAMETOOLONG, MKDIR, 0, longp, NULL);
    EXPECT(&G, NOTPERM, CREATE, 0, "../x", NULL);
    EXPECT(&G, NOTPERM, CREATE, 0, "up/x", NULL);
    EXPECT(&G, NOTPERM, CREATE, 0, "/tmp/x", NULL);
}

static void test_stat(void) {
    EXPECT(&G, OK, STAT, 0, ".", NULL);
    EXPECT(&G, OK, STAT, 0, "up", NULL); /* the link itself */
    EXPECT(&G, NOTPERM, STAT, 1, "up", NULL);
    EXPECT(&G, NOTPERM, STAT, 0, "..", NULL);
    EXPECT(&G, NOTPERM, STAT, 0, "../secret.txt", NULL);
    EXPECT(&G, NOTPERM, STAT, 0, "/etc", NULL);
    EXPECT(&G, NOTPERM, STAT, 1, "abs", NULL);
    EXPECT(&G, NOTPERM, STAT, 0, "up/box/a.txt", NULL); /* out and back in */
    EXPECT(&G, NOENT, STAT, 0, "", NULL);
    EXPECT(&G, OK, HASH, 0, "a.txt", NULL);
    EXPECT(&G, NOTPERM, HASH, 0, "../secret.txt", NULL);
    EXPECT(&G, NOTPERM, HASH, 1, "up-secret", NULL);
    EXPECT(&G, OK, TIMES, 0, "a.txt", NULL);
    EXPECT(&G, NOTPERM, TIMES, 0, "../secret.txt", NULL);
    EXPECT(&G, NOTPERM, TIMES, 1, "up-secret", NULL);
    EXPECT(&G, NOTPERM, TIMES, 0, "up/secret.txt", NULL);
    EXPECT(&G, OK, READLINK, 0, "up", NULL); /* reading where a link points is fine */
    EXPECT(&G, NOTPERM, READLINK, 0, "../x", NULL);
    EXPECT(&G, NOTPERM, READLINK, 0, "up/box/up", NULL);
}

static void test_dirs(void) {
    EXPECT(&G, OK, MKDIR, 0, "newdir", NULL);
    CHECK(exists("box/newdir"));
    EXPECT(&G, EXIST, MKDIR, 0, "newdir", NULL);
    EXPECT(&G, OK, RMDIR, 0, "newdir", NULL);
    CHECK(!exists("box/newdir"));
    EXPECT(&G, NOTPERM, MKDIR, 0, "../x", NULL);
    EXPECT(&G, NOTPERM, MKDIR, 0, "..", NULL);
    EXPECT(&G, NOTPERM, MKDIR, 0, "up/x", NULL);
    EXPECT(&G, NOTPERM, MKDIR, 0, "sub/../../x", NULL);
    EXPECT(&G, NOTPERM, MKDIR, 0, "sub/up2/x", NULL);
    EXPECT(&G, NOTPERM, MKDIR, 0, "/tmp/x", NULL);
    EXPECT(&G, NOTPERM, MKDIR, 0, "../sibling/x", NULL);
    EXPECT(&G, NOTPERM, RMDIR, 0, "../sibling", NULL);
    EXPECT(&G, NOTPERM, RMDIR, 0, "up/sibling", NULL);
    EXPECT(&G, NOTPERM, RMDIR, 0, "up/", NULL); /* "link/" goes through the link */
    EXPECT(&G, NOTPERM, RMDIR, 0, "..", NULL);
    EXPECT(&G, NOTPERM, RMDIR, 0, "/", NULL);
    EXPECT(&G, NOTPERM, UNLINK, 0, "../secret.txt", NULL);
    EXPECT(&G, NOTPERM, UNLINK, 0, "up/secret.txt", NULL);
    EXPECT(&G, NOTPERM, UNLINK, 0, "/etc/passwd", NULL);
    EXPECT(&G, NOTPERM, UNLINK, 0, "up/", NULL);
}

static void test_names(void) {
    EXPECT(&G, NOTPERM, RENAME, 0, "a.txt", "../stolen");
    EXPECT(&G, NOTPERM, RENAME, 0, "a.txt", "up/stolen");
    EXPECT(&G, NOTPERM, RENAME, 0, "../secret.txt", "got");
    EXPECT(&G, NOTPERM, RENAME, 0, "up/secret.txt", "got");
    EXPECT(&G, OK, RENAME, 0, "a.txt", "sub/a2.txt");
    EXPECT(&G, OK, RENAME, 0, "sub/a2.txt", "a.txt");
    EXPECT(&G, NOTPERM, LINK, 0, "../secret.txt", "l");
    EXPECT(&G, NOTPERM, LINK, 1, "up-secret", "l2");
    EXPECT(&G, NOTPERM, LINK, 0, "a.txt", "../l3");
    EXPECT(&G, NOTPERM, LINK, 0, "a.txt", "up/l3");
    EXPECT(&G, OK, LINK, 0, "a.txt", "hard");
    CHECK(exists("box/hard"));
    EXPECT(&G, OK, UNLINK, 0, "hard", NULL);
    EXPECT(&G, NOTPERM, SYMLINK, 0, "/etc/passwd", "s-abs");
    CHECK(!exists("box/s-abs"));
    /* a relative link that points out may be made; it never leads out */
    EXPECT(&G, OK, SYMLINK, 0, "../secret.txt", "s-rel");
    EXPECT(&G, NOTPERM, OPEN, 1, "s-rel", NULL);
    EXPECT(&G, OK, UNLINK, 0, "s-rel", NULL);
    EXPECT(&G, NOTPERM, SYMLINK, 0, "a.txt", "../l");
    EXPECT(&G, NOTPERM, SYMLINK, 0, "a.txt", "up/l");
}

static void test_child(void) {
    /* a directory opened beneath: ".." from it stays refused */
    EXPECT(&G, OK, CHILD_MKDIR, 0, "sub", "inner");
    CHECK(exists("box/sub/inner"));
    EXPECT(&G, OK, RMDIR, 0, "sub/inner", NULL);
    EXPECT(&G, NOTPERM, CHILD_MKDIR, 0, "sub", "../escape");
    EXPECT(&G, NOTPERM, CHILD_MKDIR, 0, "sub", "../../escape");
    EXPECT(&G, NOTPERM, CHILD_MKDIR, 0, "sub", "up2/escape");
    EXPECT(&G, NOTPERM, CHILD_OPEN, 0, "sub", "../a.txt");
    EXPECT(&G, NOTPERM, CHILD_OPEN, 1, "sub", "up2/secret.txt");
    EXPECT(&G, OK, CHILD_OPEN, 0, "sub", "b.txt");
    /* opening the directory itself through a way out fails first */
    EXPECT(&G, 1000 + NOTPERM, CHILD_MKDIR, 0, "up/", "x");
    EXPECT(&G, 1000 + NOTPERM, CHILD_MKDIR, 0, "..", "x");
    EXPECT(&G, 1000 + NOTDIR, CHILD_MKDIR, 0, "a.txt", "x");
    /* without mutate-directory, no changes beneath (read-only), and a way
     * out is still not-permitted */
    EXPECT(&G, READONLY, CHILD_MKDIR_RO, 0, "sub", "inner");
    CHECK(!exists("box/sub/inner"));
    EXPECT(&G, NOTPERM, CHILD_MKDIR_RO, 0, "sub", "../escape");
    EXPECT(&G, NOTPERM, CHILD_MKDIR_RO, 0, "sub", "up2/escape");
}

/* ---- streams ---- */

static guest S;

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 31 + 7); }

#define BIG (8u << 20)

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t big_read_ns, big_max_poll_ns, drive_max_poll_ns;
static unsigned big_polls, drive_polls;

/* What the host does at each turn of drive()'s loop (NULL: nothing). */
static void (*drive_hook)(void);

/* Calls export name of S with args by hand (start, run ready tasks, poll),
 * timing each hive_wasip3_poll. The result in *out; 0, or -1. */
static int drive(const char *name, hive_cval *args, size_t n, hive_cval *out) {
    hive_cfunc *f = hive_cinstance_func(S.inst, name);
    hive_ctask *t = NULL;
    if (!f || hive_ctask_start(S.inst, f, args, n, &t) != HIVE_DONE) return -1;
    drive_max_poll_ns = 0;
    drive_polls = 0;
    int rc = -1;
    for (;;) {
        if (drive_hook) drive_hook();
        if (hive_cinstance_run_ready(S.inst, 0) == HIVE_TRAPPED) break;
        uint64_t t0 = now_ns();
        int moved = hive_wasip3_poll(S.p3);
        uint64_t dt = now_ns() - t0;
        drive_polls++;
        if (dt > drive_max_poll_ns) drive_max_poll_ns = dt;
        if (moved > 0) continue;
        if (hive_ctask_resolved(t)) {
            rc = hive_ctask_take_result(t, out);
            break;
        }
        hive_wasi_wait w;
        if (!hive_wasip3_pending(S.p3, &w)) { /* nothing in flight: the guest would wait forever */
            fprintf(stderr, "%s: deadlock\n", name);
            break;
        }
        if (w.nfds) poll((struct pollfd *)w.fds, w.nfds, 10);
    }
    hive_ctask_free(t);
    return rc;
}

/* read-file through hive_wasip3_call: the guest's answer, or ~0 */
static uint64_t read_file(const char *path, uint64_t off, uint32_t chunk) {
    hive_cval a[3], r;
    memset(&r, 0, sizeof r);
    if (hive_cval_string(&a[0], path, strlen(path)) != HIVE_OK) return ~0ull;
    a[1] = hive_cval_uint(HIVE_C_U64, off);
    a[2] = hive_cval_uint(HIVE_C_U32, chunk);
    int stop;
    hive_status st = hive_wasip3_call(S.p3, S.inst, hive_cinstance_func(S.inst, "read-file"), a, 3, NULL, &r, &stop);
    hive_cval_clear(&a[0]);
    if (st != HIVE_DONE || r.kind != HIVE_C_U64) {
        fprintf(stderr, "read-file %s: status %d %s\n", path, st, hive_wasip3_failure(S.p3));
        return ~0ull;
    }
    return r.of.u;
}

static uint64_t simple_call(const char *name, hive_cval *a, size_t n) {
    hive_cval r;
    memset(&r, 0, sizeof r);
    int stop;
    hive_status st = hive_wasip3_call(S.p3, S.inst, hive_cinstance_func(S.inst, name), a, n, NULL, &r, &stop);
    if (st != HIVE_DONE || (r.kind != HIVE_C_U64 && r.kind != HIVE_C_U32)) {
        const hive_trap *t = hive_cinstance_trap(S.inst);
        fprintf(stderr, "%s: status %d %s %s\n", name, st, hive_wasip3_failure(S.p3), t ? t->message : "");
        return ~0ull;
    }
    return r.of.u;
}

static uint64_t checksum(void) { return simple_call("checksum", NULL, 0); }

static uint32_t write_file(const char *path, uint64_t off, uint32_t n, int append) {
    hive_cval a[4];
    if (hive_cval_string(&a[0], path, strlen(path)) != HIVE_OK) return ~0u;
    a[1] = hive_cval_uint(HIVE_C_U64, off);
    a[2] = hive_cval_uint(HIVE_C_U32, n);
    a[3] = hive_cval_uint(HIVE_C_U32, (uint64_t)append);
    uint64_t r = simple_call("write-file", a, 4);
    hive_cval_clear(&a[0]);
    return (uint32_t)r;
}

static uint8_t *slurp_host(const char *rel, size_t *n) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n + 1);
    if (b && fread(b, 1, *n, f) != *n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void test_stream_read(void) {
    char p[256];
    snprintf(p, sizeof p, "%s/big.bin", box);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (!f) return;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < BIG; i++) {
        fputc(pattern(i), f);
        sum += pattern(i);
    }
    fclose(f);
    /* the whole file, driven by hand */
    hive_cval a[3], r;
    memset(&r, 0, sizeof r);
    CHECK(hive_cval_string(&a[0], "big.bin", 7) == HIVE_OK);
    a[1] = hive_cval_uint(HIVE_C_U64, 0);
    a[2] = hive_cval_uint(HIVE_C_U32, 65536);
    uint64_t t0 = now_ns();
    CHECK_EQ_INT(drive("read-file", a, 3, &r), 0);
    big_read_ns = now_ns() - t0;
    big_polls = drive_polls;
    big_max_poll_ns = drive_max_poll_ns;
    hive_cval_clear(&a[0]);
    CHECK(r.kind == HIVE_C_U64 && r.of.u == BIG);
    CHECK(checksum() == sum);
    /* a poll moves a bounded step (8-16 KiB), never the file: many polls
     * (the time of the longest is printed, not checked: a loaded machine
     * may stop the process in any of them) */
    CHECK(big_polls >= BIG / 65536);
    CHECK_EQ_INT(hive_wasip3_inflight(S.p3), 0);
    /* at an offset, with small reads */
    CHECK_EQ_INT(read_file("big.bin", BIG - 10, 3), 10);
    uint64_t tail = 0;
    for (uint64_t i = BIG - 10; i < BIG; i++) tail += pattern(i);
    CHECK(checksum() == tail);
    CHECK_EQ_INT(read_file("big.bin", BIG, 100), 0);
    CHECK_EQ_INT(read_file("big.bin", BIG + 5000, 100), 0);
    CHECK(read_file("big.bin", 1ull << 63, 100) == ((1ull << 63) | INVALID));
    CHECK(read_file("sub", 0, 100) == ((1ull << 63) | (1 + 2))); /* bad-descriptor */
    CHECK(read_file("../secret.txt", 0, 100) == ((1ull << 63) | NOTPERM));
    CHECK(read_file("up-secret", 0, 100) == ((1ull << 63) | LOOP));
    CHECK_EQ_INT(read_file("a.txt", 0, 1), 2);
    CHECK_EQ_INT(hive_wasip3_inflight(S.p3), 0);
    unlink(p);
}

static void test_stream_write(void) {
    CHECK_EQ_INT(write_file("w.bin", 0, 100000, 0), 0);
    size_t n = 0;
    uint8_t *b = slurp_host("box/w.bin", &n);
    CHECK(b && n == 100000);
    for (size_t i = 0; b && i < n; i++)
        if (b[i] != pattern(i)) {
            CHECK(!"write-via-stream: bytes");
            break;
        }
    free(b);
    CHECK_EQ_INT(write_file("w.bin", 0, 10, 1), 0); /* appended */
    CHECK_EQ_INT(write_file("w.bin", 5, 3, 0), 0);  /* over bytes 5..7 */
    b = slurp_host("box/w.bin", &n);
    CHECK(b && n == 100010);
    if (b && n == 100010) {
        for (size_t i = 0; i < 10; i++) CHECK(b[100000 + i] == pattern(i));
        for (size_t i = 0; i < 3; i++) CHECK(b[5 + i] == pattern(i));
        CHECK(b[8] == pattern(8));
    }
    free(b);
    /* a write the guest saw complete is in the file for its next call */
    hive_cval a[2];
    CHECK(hive_cval_string(&a[0], "w.bin", 5) == HIVE_OK);
    a[1] = hive_cval_uint(HIVE_C_U32, 50);
    CHECK_EQ_INT(simple_call("append-then-size", a, 2), 100010 + 50);
    hive_cval_clear(&a[0]);
    CHECK_EQ_INT(write_file("../out.bin", 0, 10, 0), 1000 + NOTPERM);
    CHECK_EQ_INT(write_file("up/out.bin", 0, 10, 1), 1000 + NOTPERM);
    CHECK(!exists("out.bin"));
    CHECK_EQ_INT(hive_wasip3_inflight(S.p3), 0);
}

/* ---- a fifo: the reactor's pumps, which wait for the fd ---- */

static char fifo_path[128];
static int fifo_fd = -1, fifo_turns;
static size_t fifo_got;
static uint64_t fifo_sum;

/* the host reads what the guest writes into the fifo */
static void fifo_reader(void) {
    uint8_t b[4096];
    ssize_t n;
    while ((n = read(fifo_fd, b, sizeof b)) > 0) {
        for (ssize_t i = 0; i < n; i++) fifo_sum += b[i];
        fifo_got += (size_t)n;
    }
}

/* the host writes "hello, fifo" once the guest has opened the read end */
static void fifo_writer(void) {
    if (fifo_fd == -2 || ++fifo_turns < 3) return;
    int fd = open(fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return; /* no reader yet */
    CHECK(write(fd, "hello, fifo", 11) == 11);
    close(fd);
    fifo_fd = -2;
}

static void test_stream_fifo(void) {
    snprintf(fifo_path, sizeof fifo_path, "%s/fifo", box);
    CHECK(mkfifo(fifo_path, 0600) == 0);
    /* write-via-stream into it: more than a pipe holds, so the drain waits
     * for room while the host reads */
    fifo_fd = open(fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    CHECK(fifo_fd >= 0);
    fifo_got = 0;
    fifo_sum = 0;
    hive_cval a[4], r;
    memset(&r, 0, sizeof r);
    CHECK(hive_cval_string(&a[0], "fifo", 4) == HIVE_OK);
    a[1] = hive_cval_uint(HIVE_C_U64, 0);
    a[2] = hive_cval_uint(HIVE_C_U32, 100000);
    a[3] = hive_cval_uint(HIVE_C_U32, 0);
    drive_hook = fifo_reader;
    CHECK_EQ_INT(drive("write-file", a, 4, &r), 0);
    fifo_reader();
    drive_hook = NULL;
    hive_cval_clear(&a[0]);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 0);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < 100000; i++) sum += pattern(i);
    CHECK_EQ_INT(fifo_got, 100000);
    CHECK(fifo_sum == sum);
    close(fifo_fd);
    /* read-via-stream from it: the feed waits until the host writes */
    fifo_fd = -1;
    fifo_turns = 0;
    memset(&r, 0, sizeof r);
    CHECK(hive_cval_string(&a[0], "fifo", 4) == HIVE_OK);
    a[2] = hive_cval_uint(HIVE_C_U32, 64);
    drive_hook = fifo_writer;
    CHECK_EQ_INT(drive("read-file", a, 3, &r), 0);
    drive_hook = NULL;
    hive_cval_clear(&a[0]);
    CHECK(fifo_fd == -2);
    CHECK(r.kind == HIVE_C_U64 && r.of.u == 11);
    uint64_t hs = 0;
    for (const char *c = "hello, fifo"; *c; c++) hs += (uint8_t)*c;
    CHECK(checksum() == hs);
    CHECK_EQ_INT(hive_wasip3_inflight(S.p3), 0);
    unlink(fifo_path);
}

static void test_stream_dir(void) {
    char p[256];
    snprintf(p, sizeof p, "%s", box);
    DIR *d = opendir(p);
    CHECK(d != NULL);
    if (!d) return;
    unsigned want = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) want++;
    closedir(d);
    CHECK_EQ_INT(simple_call("list-dir", NULL, 0), want);
    /* more entries than one step reads */
    for (int i = 0; i < 600; i++) {
        snprintf(p, sizeof p, "box/many-%03d", i);
        put(p, "");
    }
    CHECK_EQ_INT(simple_call("list-dir", NULL, 0), want + 600);
    CHECK_EQ_INT(hive_wasip3_inflight(S.p3), 0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fs_sandbox DIR\n");
        return 2;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/fs-sandbox.component.wasm", argv[1]);
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    wasm_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    wasm = malloc(wasm_len);
    if (!wasm || fread(wasm, 1, wasm_len, f) != wasm_len) return 2;
    fclose(f);
    snprintf(path, sizeof path, "%s/fs-streams.component.wasm", argv[1]);
    if (!(f = fopen(path, "rb"))) {
        perror(path);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    wasm_streams_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    wasm_streams = malloc(wasm_streams_len);
    if (!wasm_streams || fread(wasm_streams, 1, wasm_streams_len, f) != wasm_streams_len) return 2;
    fclose(f);
    engine = hive_engine_new(NULL);
    if (!engine) return 2;
    for (walk_mode = 0; walk_mode < 2; walk_mode++) {
        if (make_tree() < 0) {
            perror("temp tree");
            return 2;
        }
        /* the secret's times are old, so that a touch through a way out shows */
        char p[256];
        snprintf(p, sizeof p, "%s/secret.txt", root);
        struct timespec old[2] = {{1000000, 0}, {1000000, 0}};
        utimensat(AT_FDCWD, p, old, 0);
        if (guest_new(&G, walk_mode, 0) < 0 || guest_new(&S, walk_mode, 1) < 0) {
            fprintf(stderr, "cannot set up the guest\n");
            return 2;
        }
        RUN(test_open);
        RUN(test_stat);
        RUN(test_dirs);
        RUN(test_names);
        RUN(test_child);
        RUN(test_stream_read);
        RUN(test_stream_write);
        RUN(test_stream_fifo);
        RUN(test_stream_dir);
        RUN(check_outside);
        if (!walk_mode)
            printf("read-via-stream of %u MiB: %.1f ms, %u polls, longest poll %.3f ms\n", BIG >> 20,
                   big_read_ns / 1e6, big_polls, big_max_poll_ns / 1e6);
        guest_free(&G);
        guest_free(&S);
        sh_rm();
    }
    hive_engine_free(engine);
    free(wasm);
    free(wasm_streams);
    return test_summary("wasip3-fs-sandbox");
}
