/*
 * test_wasip3.c -- the WASI 0.3 reactor and byte-stream pumps
 * (src/wasip3/reactor.c, p3_impl.h): waits on deadlines, fds and stream
 * state; a pipe fed into a guest's stream<u8> with read-ahead bounded
 * (backpressure); a guest's stream drained into a pipe (the futures the
 * pumps resolve are read by guests in the wasm32-wasip3 suite's cli tests);
 * a host reader's limit (partial copies); an async host function that
 * answers through the reactor, 400 tasks waiting in it at once (memory
 * per waiting task printed). The guests: tests/unit/casync/guest.wat
 * (mk/casync.mk builds it; HIVE_CASYNC_GUEST overrides) and
 * tests/unit/wasip3/guest.wat (mk/wasip3.mk; HIVE_WASIP3_GUEST), which
 * calls hive's 0.3.0 host: 1000 tasks in monotonic-clock.wait-for, stdout
 * through a pipe too small to hold it (backpressure end to end, the
 * future read by the guest), a broken pipe, a WASI 0.2 blocking-read
 * inside an async task, the hive_wasip3_call driver with a timeout.
 */
#include <fcntl.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "wasip3/p3_impl.h"

static hive_engine *engine;
static hive_component *comp;
static hive_linker *linker;
static hive_wasip3 *cur; /* the context the linker's slow() uses */

static uint64_t fake_now;
static uint64_t fake_clock(void *ud) {
    (void)ud;
    return fake_now;
}

static hive_wasip3 *context(int fake) {
    hive_wasip3_config c;
    memset(&c, 0, sizeof c);
    if (fake) c.base.sources.monotonic_ns = fake_clock;
    hive_wasip3 *p = NULL;
    hive_error err;
    CHECK_EQ_INT(hive_wasip3_new(&c, &p, &err), HIVE_OK);
    return p;
}

static hive_cinstance *instance(void) {
    hive_cinstance *ci = NULL;
    hive_error err;
    int rc = hive_cinstance_new(engine, comp, linker, &ci, &err);
    if (rc != HIVE_OK) fprintf(stderr, "cinstance_new: %s\n", err.message);
    CHECK(rc == HIVE_OK);
    return ci;
}

/* ---- waits ---- */

static int fired[4];
static int on_wake(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    int i = (int)(intptr_t)w->ud;
    fired[i] |= (int)ev;
    if (ev & (P3_EV_TIME | P3_EV_FD)) {
        hv_p3_wait_free(p, w);
        return 1;
    }
    return 0;
}

static void test_waits(void) {
    fake_now = 1000;
    hive_wasip3 *p = context(1);
    if (!p) return;
    memset(fired, 0, sizeof fired);
    hive_wasi_wait ww;
    CHECK_EQ_INT(hive_wasip3_pending(p, &ww), 0); /* nothing in flight */
    CHECK_EQ_INT(hive_wasip3_poll(p), 0);
    p3_wait *a = hv_p3_wait_new(p, on_wake, (void *)0);
    p3_wait *b = hv_p3_wait_new(p, on_wake, (void *)1);
    p3_wait *c = hv_p3_wait_new(p, on_wake, (void *)2);
    CHECK(a && b && c);
    if (!a || !b || !c) return;
    a->deadline = 5000;
    b->deadline = 3000;
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    c->fd = fds[0];
    c->events = POLLIN;
    CHECK_EQ_INT(hive_wasip3_inflight(p), 3);
    CHECK_EQ_INT(hive_wasip3_pending(p, &ww), 1);
    CHECK(ww.deadline_ns == 3000); /* the earliest */
    CHECK_EQ_INT((int)ww.nfds, 1);
    CHECK(ww.nfds == 1 && ww.fds[0].fd == fds[0] && (ww.fds[0].events & POLLIN));
    CHECK_EQ_INT(hive_wasip3_poll(p), 0); /* nothing due */
    fake_now = 3000;
    CHECK_EQ_INT(hive_wasip3_poll(p), 1);
    CHECK(fired[1] == P3_EV_TIME && fired[0] == 0 && fired[2] == 0);
    CHECK_EQ_INT(hive_wasip3_inflight(p), 2);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK_EQ_INT(hive_wasip3_poll(p), 1);
    CHECK(fired[2] == P3_EV_FD);
    CHECK_EQ_INT(hive_wasip3_pending(p, &ww), 1);
    CHECK(ww.deadline_ns == 5000 && ww.nfds == 0);
    /* a check wait runs at every poll and is no reason to block */
    p3_wait *d = hv_p3_wait_new(p, on_wake, (void *)3);
    CHECK(d != NULL);
    if (d) d->check = 1;
    CHECK_EQ_INT(hive_wasip3_poll(p), 0);
    CHECK(fired[3] == P3_EV_CHECK);
    fake_now = 6000;
    CHECK_EQ_INT(hive_wasip3_poll(p), 1);
    CHECK(fired[0] == P3_EV_TIME);
    CHECK_EQ_INT(hive_wasip3_inflight(p), 1);
    CHECK_EQ_INT(hive_wasip3_pending(p, &ww), 0);
    close(fds[0]);
    close(fds[1]);
    hive_wasip3_free(p); /* frees the check wait still there */
}

static void test_wait_limit(void) {
    hive_wasip3_config c;
    memset(&c, 0, sizeof c);
    c.max_waits = 2;
    hive_wasip3 *p = NULL;
    CHECK_EQ_INT(hive_wasip3_new(&c, &p, NULL), HIVE_OK);
    if (!p) return;
    CHECK(hv_p3_wait_new(p, on_wake, NULL) != NULL);
    p3_wait *w = hv_p3_wait_new(p, on_wake, NULL);
    CHECK(w != NULL);
    CHECK(hv_p3_wait_new(p, on_wake, NULL) == NULL); /* at the limit */
    hv_p3_wait_free(p, w);
    CHECK(hv_p3_wait_new(p, on_wake, NULL) != NULL);
    hive_wasip3_free(p);
}

/* ---- pumps ---- */

/* Runs the instance's tasks and the reactor until task resolves (or
 * nothing moves): the loop hive_wasip3_run runs. */
static int drive(hive_wasip3 *p, hive_cinstance *ci, hive_ctask *t) {
    for (int i = 0; i < 100000; i++) {
        if (hive_cinstance_run_ready(ci, 0) == HIVE_TRAPPED) return -1;
        int moved = hive_wasip3_poll(p);
        if (t && hive_ctask_resolved(t) && !moved) return 0;
        if (!moved) {
            hive_wasi_wait w;
            if (!hive_wasip3_pending(p, &w)) return t && hive_ctask_resolved(t) ? 0 : -2;
            poll((struct pollfd *)w.fds, w.nfds, 10);
        }
    }
    return -3;
}

static int done_calls;
static uint32_t done_errno;
static void on_done(hive_wasip3 *p, void *ud, uint32_t e) {
    (void)p;
    (void)ud;
    done_calls++;
    done_errno = e;
}

/* A pipe fed into the stream a guest task sums: every byte arrives, the
 * read-ahead stays bounded while the guest does not read. */
static void test_feed(void) {
    hive_wasip3 *p = context(0);
    hive_cinstance *ci = instance();
    if (!p || !ci) return;
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    enum { N = 20000 };
    uint8_t *buf = malloc(N);
    uint64_t want = 0;
    for (int i = 0; i < N; i++) {
        buf[i] = (uint8_t)(i * 7);
        want += buf[i];
    }
    CHECK(write(fds[1], buf, N) == N);
    close(fds[1]);
    p3_io io = {fds[0], 1, -1, NULL};
    hive_cval st, fut;
    memset(&st, 0, sizeof st);
    memset(&fut, 0, sizeof fut);
    done_calls = 0;
    p3_pump *pp = hv_p3_feed_new(p, ci, &io, 0, &st, &fut, NULL, on_done, NULL);
    CHECK(pp != NULL);
    if (!pp) return;
    /* no guest reads yet: one poll reads at most the pump's buffer */
    CHECK(hive_wasip3_poll(p) > 0);
    int left = 0;
    CHECK_EQ_INT(ioctl(fds[0], FIONREAD, &left), 0);
    CHECK_EQ_INT(left, N - P3_PUMP_BUFFER);
    CHECK_EQ_INT((int)hv_p3_pump_bytes(pp), P3_PUMP_BUFFER);
    CHECK_EQ_INT(hive_wasip3_poll(p), 0); /* still full: nothing moves */
    hive_ctask *t = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "sum"), &st, 1, &t), HIVE_DONE);
    CHECK_EQ_INT(drive(p, ci, t), 0);
    hive_cval r;
    memset(&r, 0, sizeof r);
    CHECK(hive_ctask_resolved(t));
    CHECK_EQ_INT(hive_ctask_take_result(t, &r), 0);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == (want & 0xffffffffu));
    CHECK_EQ_INT(done_calls, 1);
    CHECK_EQ_INT((int)done_errno, 0);
    CHECK_EQ_INT(hive_wasip3_inflight(p), 0);
    hive_ctask_free(t);
    free(buf);
    hive_cinstance_free(ci);
    hive_wasip3_free(p);
}

/* A guest's stream drained into a pipe: the bytes in order, then the
 * future ok. */
static void test_drain(void) {
    hive_wasip3 *p = context(0);
    hive_cinstance *ci = instance();
    if (!p || !ci) return;
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    hive_ctask *t = NULL;
    hive_cval n = hive_cval_uint(HIVE_C_U32, 100);
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "produce"), &n, 1, &t), HIVE_DONE);
    hive_cval st, fut;
    memset(&st, 0, sizeof st);
    memset(&fut, 0, sizeof fut);
    CHECK(hive_ctask_resolved(t));
    CHECK_EQ_INT(hive_ctask_take_result(t, &st), 0);
    p3_io io = {fds[1], 0, -1, NULL};
    done_calls = 0;
    CHECK(hv_p3_drain_new(p, ci, &st, &io, &fut, NULL, on_done, NULL) != NULL);
    CHECK_EQ_INT(drive(p, ci, t), 0);
    uint8_t got[200];
    ssize_t k = read(fds[0], got, sizeof got);
    CHECK_EQ_INT((int)k, 100);
    int ordered = 1;
    for (int i = 0; i < 100 && i < k; i++) ordered &= got[i] == i;
    CHECK(ordered);
    CHECK_EQ_INT(done_calls, 1);
    hive_ctask_free(t);
    close(fds[0]);
    close(fds[1]);
    hive_cinstance_free(ci);
    hive_wasip3_free(p);
}

/* A sink that fails: the future gets err(map(errno)), done sees it. */
static uint32_t map_plus(uint32_t e) { return e == WASI_EPIPE ? 2 : 0; }
static void test_drain_error(void) {
    hive_wasip3 *p = context(0);
    hive_cinstance *ci = instance();
    if (!p || !ci) return;
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    close(fds[0]); /* the reader is gone: EPIPE (SIGPIPE ignored below) */
    hive_ctask *t = NULL;
    hive_cval n = hive_cval_uint(HIVE_C_U32, 10);
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "produce"), &n, 1, &t), HIVE_DONE);
    hive_cval st, fut;
    memset(&st, 0, sizeof st);
    memset(&fut, 0, sizeof fut);
    CHECK_EQ_INT(hive_ctask_take_result(t, &st), 0);
    p3_io io = {fds[1], 1, -1, NULL};
    done_calls = 0;
    CHECK(hv_p3_drain_new(p, ci, &st, &io, &fut, map_plus, on_done, NULL) != NULL);
    CHECK_EQ_INT(drive(p, ci, t), 0);
    CHECK_EQ_INT(done_calls, 1);
    CHECK_EQ_INT((int)done_errno, WASI_EPIPE);
    hive_ctask_free(t);
    hive_cinstance_free(ci);
    hive_wasip3_free(p);
}

/* A host reader with a limit: produce(100) writes once, before the host
 * takes the end, so that write is taken whole (the limit applies to later
 * writes); reads (values and bytes) then see every byte in order and the
 * end; hive_cstream_write_bytes refuses futures and readers' ends. */
static void test_reader_limit(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_ctask *t = NULL;
    hive_cval n = hive_cval_uint(HIVE_C_U32, 100);
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "produce"), &n, 1, &t), HIVE_DONE);
    hive_cval st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(hive_ctask_take_result(t, &st), 0);
    hive_cstream *r = hive_cstream_reader(ci, &st);
    CHECK(r != NULL);
    if (!r) return;
    hive_cstream_set_limit(r, 10);
    CHECK_EQ_INT((int)hive_cstream_queued(r), 100); /* waited before: taken whole */
    CHECK(!hive_cstream_blocked(r));
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK(hive_cstream_dropped(r));
    hive_cval v[200];
    CHECK_EQ_INT((int)hive_cstream_read(r, v, 30), 30);
    CHECK_EQ_INT((int)hive_cstream_queued(r), 70);
    uint8_t bytes[200];
    CHECK_EQ_INT((int)hive_cstream_read_bytes(r, bytes, 20), 20); /* the same queue, as bytes */
    CHECK(bytes[0] == 30 && bytes[19] == 49);
    CHECK_EQ_INT((int)hive_cstream_read(r, v, 200), 50);
    CHECK(v[49].of.u == 99);
    CHECK_EQ_INT((int)hive_cstream_read(r, v, 200), -1);
    CHECK_EQ_INT((int)hive_cstream_read_bytes(r, bytes, 200), -1);
    CHECK_EQ_INT(hive_cstream_write_bytes(r, bytes, 1), HIVE_ESTATE); /* a reader's end */
    hive_cstream_close(r);
    /* bytes into a future: refused; into a stream: queued as u8 values */
    hive_cval fv, sv;
    hive_cstream *f = hive_cstream_new(ci, 1, &fv);
    hive_cstream *w = hive_cstream_new(ci, 0, &sv);
    CHECK(f && w);
    CHECK_EQ_INT(hive_cstream_write_bytes(f, bytes, 1), HIVE_ESTATE);
    CHECK_EQ_INT(hive_cstream_write_bytes(w, (const uint8_t *)"abc", 3), 0);
    CHECK_EQ_INT((int)hive_cstream_queued(w), 3);
    hive_cstream_close(f);
    hive_cstream_close(w);
    hive_ctask_free(t);
    hive_cinstance_free(ci);
}

/* ---- an async host function answering through the reactor ---- */

static int slow_wake(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    hive_cval r = hive_cval_uint(HIVE_C_U32, 7);
    hive_chost_return(w->ud, &r);
    hv_p3_wait_free(p, w);
    return 1;
}

static hive_host_status host_slow(hive_chost_call *call, const hive_cval *args, size_t nargs,
                                  hive_cval *results, size_t nresults) {
    hive_chost_deferred *d = hive_chost_defer(call);
    p3_wait *w = d ? hv_p3_wait_new(cur, slow_wake, d) : NULL;
    if (!w) {
        hive_chost_trap(call, "cannot defer");
        return HIVE_HOST_TRAP;
    }
    w->deadline = hv_p3_mono_ns(cur) + args[0].of.u * 1000000ull;
    return HIVE_HOST_PENDING;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void test_many_waiting_tasks(void) {
    enum { N = 400 }; /* the guest's bump allocator has room for ~480 tasks */
    fake_now = 0;
    hive_wasip3 *p = context(1);
    hive_cinstance *ci = instance();
    if (!p || !ci) return;
    cur = p;
    hive_cfunc *f = hive_cinstance_func(ci, "call-slow");
    static hive_ctask *t[N];
    /* warm up the allocator with one task */
    hive_cval x = hive_cval_uint(HIVE_C_U32, 1);
    CHECK_EQ_INT(hive_ctask_start(ci, f, &x, 1, &t[0]), HIVE_DONE);
    struct mallinfo2 m0 = mallinfo2();
    long r0 = rss_kb();
    for (int i = 1; i < N; i++) {
        x = hive_cval_uint(HIVE_C_U32, (uint64_t)(i % 100) + 1); /* 1..100 ms */
        CHECK_EQ_INT(hive_ctask_start(ci, f, &x, 1, &t[i]), HIVE_DONE);
    }
    struct mallinfo2 m1 = mallinfo2();
    long r1 = rss_kb();
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK_EQ_INT((int)hive_wasip3_inflight(p), N);
    int waiting = 0;
    for (int i = 0; i < N; i++) waiting += !hive_ctask_resolved(t[i]);
    CHECK_EQ_INT(waiting, N);
    printf("  %d tasks waiting in an async host call (reactor deadline), per task: %.1f KiB resident, "
           "%.0f KiB malloc'd (mostly untouched)\n",
           N - 1, (double)(r1 - r0) / (N - 1),
           ((double)(m1.uordblks + m1.hblkhd) - (double)(m0.uordblks + m0.hblkhd)) / 1024 / (N - 1));
    hive_wasi_wait w;
    CHECK_EQ_INT(hive_wasip3_pending(p, &w), 1);
    CHECK(w.deadline_ns == 1000000); /* the earliest: 1 ms */
    fake_now = 50 * 1000000ull; /* half of them are due */
    CHECK_EQ_INT(hive_wasip3_poll(p), N / 2);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    int resolved = 0, right = 1;
    for (int i = 0; i < N; i++)
        if (hive_ctask_resolved(t[i])) {
            hive_cval r;
            memset(&r, 0, sizeof r);
            resolved++;
            right &= hive_ctask_take_result(t[i], &r) == 0 && r.of.u == 1007;
        }
    CHECK_EQ_INT(resolved, N / 2);
    CHECK(right);
    fake_now = 200 * 1000000ull;
    CHECK_EQ_INT(hive_wasip3_poll(p), N / 2);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    resolved = 0;
    for (int i = 0; i < N; i++) resolved += hive_ctask_resolved(t[i]);
    CHECK_EQ_INT(resolved, N);
    CHECK_EQ_INT((int)hive_wasip3_inflight(p), 0);
    for (int i = 0; i < N; i++) hive_ctask_free(t[i]);
    hive_cinstance_free(ci);
    hive_wasip3_free(p);
}

/* ---- the 0.3 guest (tests/unit/wasip3/guest.wat) over hive's 0.3.0 host ---- */

static hive_component *comp3;

/* contexts (0.3 and 0.2, as hive run makes them) with stdout on fd out,
 * their own linker and an instance; the 0.2 context is freed with
 * free3 */
static hive_wasip2 *inst3_p2;
static void free3(hive_cinstance *ci, hive_linker *l, hive_wasip3 *p) {
    hive_cinstance_free(ci);
    hive_linker_free(l);
    hive_wasip3_free(p);
    hive_wasip2_free(inst3_p2);
    inst3_p2 = NULL;
}

static hive_cinstance *instance3(hive_wasip3 **pp, hive_linker **lp, int out) {
    hive_wasip3_config c;
    memset(&c, 0, sizeof c);
    c.base.sources.monotonic_ns = fake_clock;
    c.base.stdio[1].kind = out >= 0 ? HIVE_WASI_STDIO_FD : HIVE_WASI_STDIO_NONE;
    c.base.stdio[1].fd = out;
    *pp = NULL;
    *lp = NULL;
    if (!comp3) return NULL;
    hive_error err;
    CHECK_EQ_INT(hive_wasip3_new(&c, pp, &err), HIVE_OK);
    CHECK_EQ_INT(hive_wasip2_new(&c.base, &inst3_p2, &err), HIVE_OK);
    hive_wasip3_set_p2(*pp, inst3_p2);
    *lp = hive_linker_new(engine);
    CHECK_EQ_INT(hive_wasip3_define(*pp, *lp), HIVE_OK);
    CHECK_EQ_INT(hive_wasip2_define(inst3_p2, *lp), HIVE_OK);
    hive_cinstance *ci = NULL;
    int rc = hive_cinstance_new(engine, comp3, *lp, &ci, &err);
    if (rc != HIVE_OK) fprintf(stderr, "cinstance_new: %s\n", err.message);
    CHECK(rc == HIVE_OK);
    return ci;
}

/* 1000 tasks, each in monotonic-clock.wait-for: nothing but memory while
 * they wait; they end as the clock passes their deadlines. */
static void test_wait_for_tasks(void) {
    enum { N = 1000 };
    fake_now = 0;
    hive_wasip3 *p;
    hive_linker *l;
    hive_cinstance *ci = instance3(&p, &l, -1);
    if (!ci) return;
    hive_cfunc *f = hive_cinstance_func(ci, "wait");
    static hive_ctask *t[N];
    hive_cval x = hive_cval_uint(HIVE_C_U64, 1000000);
    CHECK_EQ_INT(hive_ctask_start(ci, f, &x, 1, &t[0]), HIVE_DONE);
    struct mallinfo2 m0 = mallinfo2();
    long r0 = rss_kb();
    for (int i = 1; i < N; i++) {
        x = hive_cval_uint(HIVE_C_U64, (uint64_t)(i % 100 + 1) * 1000000); /* 1..100 ms */
        CHECK_EQ_INT(hive_ctask_start(ci, f, &x, 1, &t[i]), HIVE_DONE);
    }
    struct mallinfo2 m1 = mallinfo2();
    long r1 = rss_kb();
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK_EQ_INT((int)hive_wasip3_inflight(p), N);
    int waiting = 0;
    for (int i = 0; i < N; i++) waiting += !hive_ctask_resolved(t[i]);
    CHECK_EQ_INT(waiting, N);
    /* malloc'd counts what is reserved, most of it never touched (an
     * exec's value and call stacks); resident is what the pages cost */
    printf("  %d tasks in monotonic-clock.wait-for, per task: %.1f KiB resident (RSS %+ld KiB in all), "
           "%.0f KiB malloc'd (mostly untouched)\n",
           N - 1, (double)(r1 - r0) / (N - 1), r1 - r0,
           ((double)(m1.uordblks + m1.hblkhd) - (double)(m0.uordblks + m0.hblkhd)) / 1024 / (N - 1));
    hive_wasi_wait w;
    CHECK_EQ_INT(hive_wasip3_pending(p, &w), 1);
    CHECK(w.deadline_ns == 1000000);
    fake_now = 50 * 1000000ull;
    CHECK_EQ_INT(hive_wasip3_poll(p), N / 2);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    int resolved = 0;
    for (int i = 0; i < N; i++) resolved += hive_ctask_resolved(t[i]);
    CHECK_EQ_INT(resolved, N / 2);
    fake_now = 100 * 1000000ull;
    CHECK_EQ_INT(hive_wasip3_poll(p), N / 2);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    resolved = 0;
    for (int i = 0; i < N; i++) resolved += hive_ctask_resolved(t[i]);
    CHECK_EQ_INT(resolved, N);
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 0);
    CHECK_EQ_INT((int)hive_wasip3_inflight(p), 0);
    /* a wait already past answers at once */
    x = hive_cval_uint(HIVE_C_U64, 0);
    hive_ctask *z = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, f, &x, 1, &z), HIVE_DONE);
    CHECK(z && hive_ctask_resolved(z));
    hive_ctask_free(z);
    for (int i = 0; i < N; i++) hive_ctask_free(t[i]);
    free3(ci, l, p);
}

/* stdout.write-via-stream into a small pipe nobody reads: the guest's
 * writes stop (backpressure) with the host holding at most its buffer;
 * reading the pipe lets them go on; every byte arrives in order and the
 * guest reads ok from the future. */
static void test_stdout_backpressure(void) {
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    int cap = fcntl(fds[1], F_SETPIPE_SZ, 4096);
    CHECK(cap >= 4096);
    hive_wasip3 *p;
    hive_linker *l;
    hive_cinstance *ci = instance3(&p, &l, fds[1]);
    if (!ci) return;
    enum { N = 60000 };
    hive_cval n = hive_cval_uint(HIVE_C_U32, N);
    hive_ctask *t = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "write-out"), &n, 1, &t), HIVE_DONE);
    for (int i = 0; i < 1000; i++) {
        CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
        if (hive_wasip3_poll(p) == 0) break;
    }
    int inpipe = 0;
    CHECK_EQ_INT(ioctl(fds[0], FIONREAD, &inpipe), 0);
    CHECK_EQ_INT(inpipe, cap);
    CHECK(!hive_ctask_resolved(t));
    hive_wasi_wait w;
    CHECK_EQ_INT(hive_wasip3_pending(p, &w), 1); /* waits for the pipe */
    CHECK(w.nfds == 1 && w.fds[0].fd == fds[1] && (w.fds[0].events & POLLOUT));
    uint8_t *got = malloc(N + 16);
    size_t have = 0;
    for (int i = 0; i < 100000 && !hive_ctask_resolved(t); i++) {
        ssize_t k = read(fds[0], got + have, N + 16 - have);
        if (k > 0) have += (size_t)k;
        CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
        hive_wasip3_poll(p);
    }
    CHECK(hive_ctask_resolved(t));
    for (int i = 0; i < 100 && have < N; i++) { /* what is left in the pipe */
        ssize_t k = read(fds[0], got + have, N + 16 - have);
        if (k <= 0) break;
        have += (size_t)k;
    }
    CHECK_EQ_INT((int)have, N);
    int ordered = 1;
    for (size_t i = 0; i < have && i < N; i++) ordered &= got[i] == (uint8_t)i;
    CHECK(ordered);
    hive_cval r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_ctask_take_result(t, &r), 0);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 0); /* the future: ok */
    CHECK_EQ_INT((int)hive_wasip3_inflight(p), 0);
    free(got);
    hive_ctask_free(t);
    free3(ci, l, p);
    close(fds[0]);
    close(fds[1]);
}

/* stdout into a pipe whose reader is gone: the future says pipe. */
static void test_stdout_broken_pipe(void) {
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    close(fds[0]);
    hive_wasip3 *p;
    hive_linker *l;
    hive_cinstance *ci = instance3(&p, &l, fds[1]);
    if (!ci) return;
    hive_cval n = hive_cval_uint(HIVE_C_U32, 100);
    hive_ctask *t = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "write-out"), &n, 1, &t), HIVE_DONE);
    CHECK_EQ_INT(drive(p, ci, t), 0);
    hive_cval r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_ctask_take_result(t, &r), 0);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 1 + 2); /* err(pipe) */
    hive_ctask_free(t);
    free3(ci, l, p);
    close(fds[1]);
}

/* A WASI 0.2 blocking-read of stdin inside an async task (the guest
 * imports 0.2 and 0.3, as wasm32-wasip3 programs do): it waits without
 * trapping while another task of the instance runs to its end; the bytes
 * arriving end it (hive_wasip3_call drives the 0.2 context's pending
 * call through hive_wasip3_set_p2). */
static void test_p2_blocking_in_task(void) {
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    hive_wasip3_config c;
    memset(&c, 0, sizeof c);
    c.base.stdio[0].kind = HIVE_WASI_STDIO_FD;
    c.base.stdio[0].fd = fds[0];
    hive_wasip2 *p2 = NULL;
    hive_wasip3 *p = NULL;
    hive_error err;
    CHECK_EQ_INT(hive_wasip2_new(&c.base, &p2, &err), HIVE_OK);
    CHECK_EQ_INT(hive_wasip3_new(&c, &p, &err), HIVE_OK);
    if (!p2 || !p || !comp3) return;
    hive_wasip3_set_p2(p, p2);
    hive_linker *l = hive_linker_new(engine);
    CHECK_EQ_INT(hive_wasip2_define(p2, l), HIVE_OK);
    CHECK_EQ_INT(hive_wasip3_define(p, l), HIVE_OK);
    hive_cinstance *ci = NULL;
    int rc = hive_cinstance_new(engine, comp3, l, &ci, &err);
    if (rc != HIVE_OK) fprintf(stderr, "cinstance_new: %s\n", err.message);
    CHECK(rc == HIVE_OK);
    if (!ci) return;
    hive_cval n = hive_cval_uint(HIVE_C_U64, 64);
    hive_ctask *t = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "read-stdin2"), &n, 1, &t), HIVE_DONE);
    CHECK(t && !hive_ctask_resolved(t)); /* waits in blocking-read */
    hive_wasi_wait w;
    CHECK_EQ_INT(hive_wasip3_pending(p, &w), 1); /* the 0.2 call's fd */
    CHECK(w.nfds == 1 && w.fds[0].fd == fds[0]);
    /* another task runs to its end meanwhile (a 1 ms wait-for) */
    hive_cval ms = hive_cval_uint(HIVE_C_U64, 1000000);
    CHECK_EQ_INT(hive_wasip3_call(p, ci, hive_cinstance_func(ci, "wait"), &ms, 1, NULL, NULL, NULL), HIVE_DONE);
    CHECK(!hive_ctask_resolved(t));
    CHECK_EQ_INT(hive_wasip2_complete_pending(p2, ci), HIVE_WASI_STILL_WAITING);
    CHECK(write(fds[1], "hello", 5) == 5);
    CHECK_EQ_INT(hive_wasip2_complete_pending(p2, ci), HIVE_OK);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK(hive_ctask_resolved(t));
    hive_cval r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_ctask_take_result(t, &r), 0);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 5);
    hive_ctask_free(t);
    /* the driver does the same by itself: bytes already there */
    CHECK(write(fds[1], "abc", 3) == 3);
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_wasip3_call(p, ci, hive_cinstance_func(ci, "read-stdin2"), &n, 1, NULL, &r, NULL), HIVE_DONE);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 3);
    /* the end of stdin: closed (the guest's err) */
    close(fds[1]);
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_wasip3_call(p, ci, hive_cinstance_func(ci, "read-stdin2"), &n, 1, NULL, &r, NULL), HIVE_DONE);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 0xffffffffu);
    hive_cinstance_free(ci);
    hive_linker_free(l);
    hive_wasip3_free(p);
    hive_wasip2_free(p2);
    close(fds[0]);
}

/* Bytes written to stdout, then exit at once: hive_wasip3_call still
 * writes them out, and the exit code is there. */
static void test_exit_flushes(void) {
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    hive_wasip3 *p;
    hive_linker *l;
    hive_cinstance *ci = instance3(&p, &l, fds[1]);
    if (!ci) return;
    hive_cval n = hive_cval_uint(HIVE_C_U32, 5000);
    CHECK_EQ_INT(hive_wasip3_call(p, ci, hive_cinstance_func(ci, "write-exit"), &n, 1, NULL, NULL, NULL),
                 HIVE_TRAPPED);
    int code = -1;
    CHECK_EQ_INT(hive_wasip3_exit_code(p, &code), 1);
    CHECK_EQ_INT(code, 0);
    int inpipe = 0;
    CHECK_EQ_INT(ioctl(fds[0], FIONREAD, &inpipe), 0);
    CHECK_EQ_INT(inpipe, 5000);
    char b[8];
    CHECK(read(fds[0], b, 3) == 3 && memcmp(b, "ABC", 3) == 0);
    free3(ci, l, p);
    close(fds[0]);
    close(fds[1]);
}

/* hive_wasip3_run drives a task to its end, the reactor with it. */
static void test_run_driver(void) {
    fake_now = 0;
    hive_wasip3 *p;
    hive_linker *l;
    hive_cinstance *ci = instance3(&p, &l, -1);
    if (!ci) return;
    /* with the real clock: a 20 ms wait-for */
    p->b.src.monotonic_ns = NULL;
    hive_cval x = hive_cval_uint(HIVE_C_U64, 20000000);
    uint64_t t0 = hv_wasi_now_ns(CLOCK_MONOTONIC);
    int stop = -1;
    CHECK_EQ_INT(hive_wasip3_call(p, ci, hive_cinstance_func(ci, "wait"), &x, 1, NULL, NULL, &stop), HIVE_DONE);
    uint64_t dt = hv_wasi_now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(dt >= 20000000 && dt < 1000000000);
    CHECK_EQ_INT(stop, HIVE_WASI_STOP_NONE);
    /* a timeout stops a long wait */
    hive_wasi_run_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_ns = 50000000;
    x = hive_cval_uint(HIVE_C_U64, 10000000000ull);
    t0 = hv_wasi_now_ns(CLOCK_MONOTONIC);
    CHECK_EQ_INT(hive_wasip3_call(p, ci, hive_cinstance_func(ci, "wait"), &x, 1, &o, NULL, &stop),
                 HIVE_SUSPENDED);
    CHECK_EQ_INT(stop, HIVE_WASI_STOP_TIMEOUT);
    CHECK(hv_wasi_now_ns(CLOCK_MONOTONIC) - t0 < 2000000000ull);
    /* fuel is refused with a reason */
    memset(&o, 0, sizeof o);
    o.fuel = 1000;
    CHECK_EQ_INT(hive_wasip3_call(p, ci, hive_cinstance_func(ci, "wait"), &x, 1, &o, NULL, &stop), HIVE_FAILED);
    CHECK(strstr(hive_wasip3_failure(p), "fuel") != NULL);
    free3(ci, l, p);
}

static void test_config(void) {
    hive_wasip3 *p = NULL;
    hive_error err;
    CHECK_EQ_INT(hive_wasip3_new(NULL, &p, &err), HIVE_EARG);
    hive_wasip3_config c;
    memset(&c, 0, sizeof c);
    const char *env[] = {"NOEQUALS"};
    c.base.env = env;
    c.base.envc = 1;
    CHECK_EQ_INT(hive_wasip3_new(&c, &p, &err), HIVE_EARG);
    CHECK(strstr(err.message, "NOEQUALS") != NULL);
    memset(&c, 0, sizeof c);
    hive_wasi_preopen pre = {"/nonexistent/dir", "/"};
    c.base.preopens = &pre;
    c.base.npreopens = 1;
    CHECK_EQ_INT(hive_wasip3_new(&c, &p, &err), HIVE_EARG);
    CHECK(strstr(err.message, "/nonexistent/dir") != NULL);
    CHECK(p == NULL);
    hive_wasip3_free(NULL);
    /* the definitions go into a linker once; twice is refused */
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(hive_wasip3_new(&c, &p, &err), HIVE_OK);
    hive_linker *l = hive_linker_new(engine);
    CHECK_EQ_INT(hive_wasip3_define(p, l), HIVE_OK);
    CHECK(hive_wasip3_define(p, l) != HIVE_OK);
    hive_linker_free(l);
    hive_wasip3_free(p);
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv) {
    (void)argc;
    signal(SIGPIPE, SIG_IGN);
    char path[4096];
    const char *env = getenv("HIVE_CASYNC_GUEST");
    if (env) {
        snprintf(path, sizeof path, "%s", env);
    } else {
        char self[4096];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(path, sizeof path, "%s/casync/guest.wasm", dirname(self));
    }
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "test_wasip3: cannot read %s (make builds it; HIVE_CASYNC_GUEST overrides)\n", path);
        return 1;
    }
    engine = hive_engine_new(NULL);
    hive_error err;
    if (hive_component_new(engine, bytes, len, &comp, &err) != HIVE_OK) {
        fprintf(stderr, "test_wasip3: %s: %s at %zu\n", path, err.message, err.offset);
        free(bytes);
        return 1;
    }
    free(bytes);
    /* the 0.3 guest beside it */
    char p3path[4096];
    const char *env3 = getenv("HIVE_WASIP3_GUEST");
    if (env3) {
        snprintf(p3path, sizeof p3path, "%s", env3);
    } else {
        char self[4096];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(p3path, sizeof p3path, "%s/wasip3/guest.wasm", dirname(self));
    }
    bytes = read_file(p3path, &len);
    if (!bytes || hive_component_new(engine, bytes, len, &comp3, &err) != HIVE_OK) {
        fprintf(stderr, "test_wasip3: cannot load %s: %s (make builds it; HIVE_WASIP3_GUEST overrides)\n", p3path, bytes ? err.message : "unreadable");
        free(bytes);
        return 1;
    }
    free(bytes);
    linker = hive_linker_new(engine);
    if (hive_linker_define_func(linker, "test:async/host", "slow", "async func(x: u32) -> u32", host_slow, NULL) !=
        HIVE_OK) {
        fprintf(stderr, "test_wasip3: define slow failed\n");
        return 1;
    }
    RUN(test_waits);
    RUN(test_wait_limit);
    RUN(test_feed);
    RUN(test_drain);
    RUN(test_drain_error);
    RUN(test_reader_limit);
    RUN(test_many_waiting_tasks);
    RUN(test_wait_for_tasks);
    RUN(test_stdout_backpressure);
    RUN(test_stdout_broken_pipe);
    RUN(test_p2_blocking_in_task);
    RUN(test_exit_flushes);
    RUN(test_run_driver);
    RUN(test_config);
    hive_component_release(comp);
    hive_component_release(comp3);
    hive_linker_free(linker);
    hive_engine_free(engine);
    return test_summary("test_wasip3");
}
