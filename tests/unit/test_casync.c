/*
 * test_casync.c -- the async ABI from the host (hive/casync.h): tasks the
 * host starts and drives, many at once in one instance, and streams the
 * host writes and reads. The guest is tests/unit/casync/guest.wat, built
 * by mk/casync.mk next to this binary (HIVE_CASYNC_GUEST overrides).
 */
#include <libgen.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "hive/casync.h"
#include "testutil.h"

static hive_engine *engine;
static hive_component *comp;
static hive_linker *linker;

/* test:async/host#slow: async func(x: u32) -> u32, x * 2; answers later
 * (hive_chost_defer) when defer_next is set */
static int defer_next;
static hive_chost_deferred *deferred;
static uint64_t deferred_x;
static hive_host_status host_slow(hive_chost_call *call, const hive_cval *args, size_t nargs, hive_cval *results,
                                  size_t nresults) {
    (void)nargs;
    (void)nresults;
    if (defer_next) {
        deferred = hive_chost_defer(call);
        deferred_x = args[0].of.u;
        return deferred ? HIVE_HOST_PENDING : HIVE_HOST_TRAP;
    }
    results[0] = hive_cval_uint(HIVE_C_U32, args[0].of.u * 2);
    return HIVE_HOST_OK;
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

static hive_cinstance *instance(void) {
    hive_cinstance *ci = NULL;
    hive_error err;
    int rc = hive_cinstance_new(engine, comp, linker, &ci, &err);
    if (rc != HIVE_OK) fprintf(stderr, "cinstance_new: %s\n", err.message);
    CHECK(rc == HIVE_OK);
    return ci;
}

/* The plain call runs an async export to its end. */
static void test_call_runs_to_end(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_cval x = hive_cval_uint(HIVE_C_U32, 41), res;
    memset(&res, 0, sizeof res);
    CHECK_EQ_INT(hive_cinstance_call(ci, hive_cinstance_func(ci, "echo"), &x, 1, 0), HIVE_DONE);
    CHECK_EQ_INT(hive_cinstance_results(ci, &res, 1), 1);
    CHECK(res.kind == HIVE_C_U32 && res.of.u == 42);
    hive_cval_clear(&res);
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 0);
    hive_cinstance_free(ci);
}

/* Many tasks of one instance: each yields, none resolves before the
 * host lets them run; each gets its own context slot. */
static void test_many_tasks(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_cfunc *echo = hive_cinstance_func(ci, "echo");
    enum { N = 50 };
    hive_ctask *t[N];
    for (int i = 0; i < N; i++) {
        hive_cval x = hive_cval_uint(HIVE_C_U32, (uint64_t)i * 10);
        CHECK_EQ_INT(hive_ctask_start(ci, echo, &x, 1, &t[i]), HIVE_DONE);
        CHECK(t[i] && !hive_ctask_resolved(t[i]));
    }
    CHECK_EQ_INT(hive_cinstance_tasks(ci), N);
    /* a bounded step count leaves work for later */
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 10), HIVE_SUSPENDED);
    int resolved = 0;
    for (int i = 0; i < N; i++) resolved += hive_ctask_resolved(t[i]);
    CHECK_EQ_INT(resolved, 10);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    for (int i = 0; i < N; i++) {
        hive_cval r;
        memset(&r, 0, sizeof r);
        CHECK(hive_ctask_resolved(t[i]));
        CHECK_EQ_INT(hive_ctask_take_result(t[i], &r), 0);
        CHECK(r.kind == HIVE_C_U32 && r.of.u == (uint64_t)i * 10 + 1);
        CHECK_EQ_INT(hive_ctask_take_result(t[i], &r), HIVE_ESTATE); /* taken */
        hive_ctask_free(t[i]);
    }
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 0);
    hive_cinstance_free(ci);
}

/* The host writes a stream a task reads: the task waits between writes
 * without holding anything but memory. */
static void test_host_writes_stream(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_cval rd;
    hive_cstream *w = hive_cstream_new(ci, 0, &rd);
    CHECK(w != NULL);
    if (!w) {
        hive_cinstance_free(ci);
        return;
    }
    hive_ctask *t = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "sum"), &rd, 1, &t), HIVE_DONE);
    CHECK(t && !hive_ctask_resolved(t));
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE); /* nothing to read yet */
    CHECK(!hive_ctask_resolved(t));
    hive_cval bytes[3] = {hive_cval_uint(HIVE_C_U8, 1), hive_cval_uint(HIVE_C_U8, 2), hive_cval_uint(HIVE_C_U8, 3)};
    CHECK_EQ_INT(hive_cstream_write(w, bytes, 3), 0);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK(!hive_ctask_resolved(t));
    /* more than the guest's 64-byte buffer: it reads in several copies */
    hive_cval many[100];
    for (int i = 0; i < 100; i++) many[i] = hive_cval_uint(HIVE_C_U8, 2);
    CHECK_EQ_INT(hive_cstream_write(w, many, 100), 0);
    hive_cstream_close(w);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK(hive_ctask_resolved(t));
    hive_cval r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_ctask_take_result(t, &r), 0);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 206);
    hive_ctask_free(t);
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 0);
    hive_cinstance_free(ci);
}

/* A task returns a stream, then writes it: the host reads it. */
static void test_host_reads_stream(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_cval n = hive_cval_uint(HIVE_C_U32, 20);
    hive_ctask *t = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "produce"), &n, 1, &t), HIVE_DONE);
    CHECK(t && hive_ctask_resolved(t)); /* returned the stream, now waits to write */
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 1);
    hive_cval sv;
    memset(&sv, 0, sizeof sv);
    CHECK_EQ_INT(hive_ctask_take_result(t, &sv), 0);
    CHECK(sv.kind == HIVE_C_STREAM);
    hive_cstream *r = hive_cstream_reader(ci, &sv);
    CHECK(r != NULL);
    if (r) {
        CHECK(hive_cstream_reader(ci, &sv) == NULL); /* the value is used up */
        CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
        CHECK_EQ_INT(hive_cinstance_tasks(ci), 0); /* wrote, dropped, exited */
        hive_cval out[32];
        long got = hive_cstream_read(r, out, 32);
        CHECK_EQ_INT(got, 20);
        for (long i = 0; i < got && i < 32; i++) CHECK(out[i].kind == HIVE_C_U8 && out[i].of.u == (uint64_t)i);
        CHECK_EQ_INT(hive_cstream_read(r, out, 32), -1); /* writer dropped, nothing left */
        hive_cstream_close(r);
    }
    hive_ctask_free(t);
    hive_cinstance_free(ci);
}

/* A stream the host writes whose readable end comes back to the host (a
 * body it feeds, handed back by a guest): the host reads what it wrote,
 * in order, through the queue; the reader sees the end once the writer
 * closed; the reader's close is the writer's "dropped". */
static void test_host_to_host(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    for (int close_reader_first = 0; close_reader_first < 2; close_reader_first++) {
        hive_cval rd;
        hive_cstream *w = hive_cstream_new(ci, 0, &rd);
        hive_cstream *r = w ? hive_cstream_reader(ci, &rd) : NULL;
        CHECK(w != NULL && r != NULL);
        if (!w || !r) break;
        CHECK(hive_cstream_reader(ci, &rd) == NULL); /* one reader */
        CHECK_EQ_INT(hive_cstream_write_bytes(r, (const uint8_t *)"x", 1), HIVE_ESTATE); /* the reader cannot write */
        uint8_t buf[16];
        CHECK_EQ_INT(hive_cstream_read_bytes(r, buf, sizeof buf), 0); /* nothing yet */
        CHECK_EQ_INT(hive_cstream_write_bytes(w, (const uint8_t *)"hello ", 6), 0);
        CHECK_EQ_INT(hive_cstream_write_bytes(w, (const uint8_t *)"world", 5), 0);
        CHECK_EQ_INT(hive_cstream_queued(w), 11);
        CHECK_EQ_INT(hive_cstream_read_bytes(r, buf, 4), 4);
        CHECK(!memcmp(buf, "hell", 4));
        CHECK_EQ_INT(hive_cstream_queued(w), 7);
        CHECK(!hive_cstream_blocked(w) && !hive_cstream_blocked(r));
        if (close_reader_first) {
            hive_cstream_close(r);
            CHECK(hive_cstream_dropped(w));
            CHECK_EQ_INT(hive_cstream_write_bytes(w, (const uint8_t *)"!", 1), HIVE_ESTATE);
            hive_cstream_close(w);
        } else {
            hive_cstream_close(w);
            CHECK_EQ_INT(hive_cstream_read_bytes(r, buf, sizeof buf), 7);
            CHECK(!memcmp(buf, "o world", 7));
            CHECK_EQ_INT(hive_cstream_read_bytes(r, buf, sizeof buf), -1); /* the end */
            hive_cstream_close(r);
        }
    }
    /* a future likewise: one value */
    hive_cval rd;
    hive_cstream *w = hive_cstream_new(ci, 1, &rd);
    hive_cstream *r = w ? hive_cstream_reader(ci, &rd) : NULL;
    CHECK(r != NULL);
    if (r) {
        hive_cval v = hive_cval_uint(HIVE_C_U32, 7), out;
        CHECK_EQ_INT(hive_cstream_write(w, &v, 1), 0);
        CHECK_EQ_INT(hive_cstream_write(w, &v, 1), HIVE_ESTATE); /* a future takes one */
        hive_cstream_close(w);
        CHECK_EQ_INT(hive_cstream_read(r, &out, 1), 1);
        CHECK(out.kind == HIVE_C_U32 && out.of.u == 7);
        CHECK_EQ_INT(hive_cstream_read(r, &out, 1), -1);
        hive_cstream_close(r);
    }
    hive_cinstance_free(ci);
}

/* A task that waits on nothing: driven by the host it just waits; called
 * plainly it is a deadlock, which poisons the instance. */
static void test_deadlock_and_poison(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_cfunc *wf = hive_cinstance_func(ci, "wait-forever");
    hive_ctask *t = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, wf, NULL, 0, &t), HIVE_DONE);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK(!hive_ctask_resolved(t));
    hive_ctask_free(t); /* it waits on; freed with the instance */
    hive_cinstance_free(ci);

    ci = instance();
    if (!ci) return;
    wf = hive_cinstance_func(ci, "wait-forever");
    CHECK_EQ_INT(hive_cinstance_call(ci, wf, NULL, 0, 0), HIVE_TRAPPED);
    const hive_trap *tr = hive_cinstance_trap(ci);
    CHECK(tr && strstr(tr->message, "deadlock detected") != NULL);
    hive_ctask *t2 = NULL;
    hive_cval x = hive_cval_uint(HIVE_C_U32, 1);
    CHECK(hive_ctask_start(ci, hive_cinstance_func(ci, "echo"), &x, 1, &t2) != HIVE_DONE);
    CHECK(t2 == NULL);
    hive_cinstance_free(ci);
}

/* The host cancels one task; the others of the instance go on. */
static void test_cancel_one(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_cfunc *wf = hive_cinstance_func(ci, "wait-forever");
    hive_ctask *a = NULL, *b = NULL, *e = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, wf, NULL, 0, &a), HIVE_DONE);
    CHECK_EQ_INT(hive_ctask_start(ci, wf, NULL, 0, &b), HIVE_DONE);
    hive_cval x = hive_cval_uint(HIVE_C_U32, 7);
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "echo"), &x, 1, &e), HIVE_DONE);
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 3);
    CHECK_EQ_INT(hive_ctask_cancel(a), HIVE_DONE);
    CHECK(hive_ctask_resolved(a) && hive_ctask_cancelled(a));
    hive_cval r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_ctask_take_result(a, &r), HIVE_ESTATE); /* no value */
    CHECK(!hive_ctask_resolved(b) && !hive_ctask_cancelled(b));
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK(hive_ctask_resolved(e) && !hive_ctask_cancelled(e));
    CHECK_EQ_INT(hive_ctask_take_result(e, &r), 0);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 8);
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 1); /* b waits on */
    CHECK_EQ_INT(hive_ctask_cancel(b), HIVE_DONE);
    CHECK(hive_ctask_cancelled(b));
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 0);
    CHECK(hive_cinstance_trap(ci) == NULL || hive_cinstance_trap(ci)->message[0] == '\0');
    hive_ctask_free(a);
    hive_ctask_free(b);
    hive_ctask_free(e);
    hive_cinstance_free(ci);
}

static void *interrupt_later(void *arg) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    hive_cinstance_interrupt(arg);
    return NULL;
}

/* A task that computes forever is stopped by an interrupt from another
 * thread (a deadline): the instance traps, nothing hangs. */
static void test_interrupt(void) {
    for (int how = 0; how < 2; how++) {
        hive_cinstance *ci = instance();
        if (!ci) return;
        pthread_t th;
        CHECK(pthread_create(&th, NULL, interrupt_later, ci) == 0);
        hive_cfunc *spin = hive_cinstance_func(ci, "spin");
        if (how == 0) {
            CHECK_EQ_INT(hive_cinstance_call(ci, spin, NULL, 0, 0), HIVE_TRAPPED);
        } else {
            hive_ctask *t = NULL;
            CHECK_EQ_INT(hive_ctask_start(ci, spin, NULL, 0, &t), HIVE_TRAPPED);
            CHECK(t == NULL);
        }
        pthread_join(th, NULL);
        const hive_trap *tr = hive_cinstance_trap(ci);
        CHECK(tr && strstr(tr->message, "interrupt") != NULL);
        hive_cinstance_free(ci);
    }
}

/* Under a budget an async call cannot run forever: an endless task, and
 * tasks that yield forever, trap instead of hanging. */
static void test_budget(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    CHECK_EQ_INT(hive_cinstance_call(ci, hive_cinstance_func(ci, "spin"), NULL, 0, 100000), HIVE_TRAPPED);
    const hive_trap *tr = hive_cinstance_trap(ci);
    CHECK(tr && strstr(tr->message, "budget") != NULL);
    hive_cinstance_free(ci);
    ci = instance();
    if (!ci) return;
    hive_cval x = hive_cval_uint(HIVE_C_U32, 1), r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(hive_cinstance_call(ci, hive_cinstance_func(ci, "echo"), &x, 1, 100000), HIVE_DONE);
    CHECK_EQ_INT(hive_cinstance_results(ci, &r, 1), 1);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 2);
    hive_cinstance_free(ci);
}

/* An async host function answers at once, or later: the task waits
 * meanwhile and the instance's other tasks run. */
static void test_async_host_function(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_cfunc *cs = hive_cinstance_func(ci, "call-slow");
    hive_cval x = hive_cval_uint(HIVE_C_U32, 5), r;
    memset(&r, 0, sizeof r);
    defer_next = 0;
    CHECK_EQ_INT(hive_cinstance_call(ci, cs, &x, 1, 0), HIVE_DONE);
    CHECK_EQ_INT(hive_cinstance_results(ci, &r, 1), 1);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 1010);
    hive_cval_clear(&r);
    defer_next = 1;
    deferred = NULL;
    hive_ctask *t = NULL, *e = NULL;
    x = hive_cval_uint(HIVE_C_U32, 21);
    CHECK_EQ_INT(hive_ctask_start(ci, cs, &x, 1, &t), HIVE_DONE);
    CHECK(deferred != NULL && deferred_x == 21);
    CHECK(!hive_ctask_resolved(t));
    hive_cval y = hive_cval_uint(HIVE_C_U32, 1);
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "echo"), &y, 1, &e), HIVE_DONE);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK(hive_ctask_resolved(e) && !hive_ctask_resolved(t)); /* echo ran while slow waits */
    hive_cval ans = hive_cval_uint(HIVE_C_U32, 42 * 2);
    CHECK_EQ_INT(hive_chost_return(deferred, &ans), HIVE_DONE);
    CHECK_EQ_INT(hive_cinstance_run_ready(ci, 0), HIVE_DONE);
    CHECK(hive_ctask_resolved(t));
    CHECK_EQ_INT(hive_ctask_take_result(t, &r), 0);
    CHECK(r.kind == HIVE_C_U32 && r.of.u == 1084);
    CHECK_EQ_INT(hive_cinstance_tasks(ci), 0);
    hive_ctask_free(t);
    hive_ctask_free(e);
    /* outside such a call there is no token */
    hive_chost_call none = {ci, NULL, "", "x"};
    CHECK(hive_chost_defer(&none) == NULL);
    /* a token left unanswered goes with the instance */
    CHECK_EQ_INT(hive_ctask_start(ci, cs, &x, 1, &t), HIVE_DONE);
    hive_ctask_free(t);
    defer_next = 0;
    hive_cinstance_free(ci);
}

/* Bad requests are refused, not crashes. */
static void test_bad_requests(void) {
    hive_cinstance *ci = instance();
    if (!ci) return;
    hive_ctask *t = NULL;
    CHECK_EQ_INT(hive_ctask_start(ci, hive_cinstance_func(ci, "echo"), NULL, 0, &t), HIVE_FAILED);
    CHECK_EQ_INT(hive_ctask_start(NULL, NULL, NULL, 0, &t), HIVE_FAILED);
    CHECK(hive_ctask_take_result(NULL, NULL) == HIVE_EARG);
    hive_cval u = hive_cval_uint(HIVE_C_U32, 3);
    CHECK(hive_cstream_reader(ci, &u) == NULL);
    /* a stream value given where a u32 goes */
    hive_cval rd;
    hive_cstream *w = hive_cstream_new(ci, 0, &rd);
    CHECK_EQ_INT(hive_cstream_read(w, &u, 1), -1); /* the host writes this one */
    hive_cstream_close(w);
    hive_ctask_free(NULL);
    hive_cinstance_free(ci);
}

int main(int argc, char **argv) {
    (void)argc;
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
        fprintf(stderr, "test_casync: cannot read %s (make builds it; HIVE_CASYNC_GUEST overrides)\n", path);
        return 1;
    }
    engine = hive_engine_new(NULL);
    hive_error err;
    if (hive_component_new(engine, bytes, len, &comp, &err) != HIVE_OK) {
        fprintf(stderr, "test_casync: %s: %s at %zu\n", path, err.message, err.offset);
        free(bytes);
        return 1;
    }
    free(bytes);
    linker = hive_linker_new(engine);
    if (hive_linker_define_func(linker, "test:async/host", "slow", "async func(x: u32) -> u32", host_slow, NULL) !=
        HIVE_OK) {
        fprintf(stderr, "test_casync: define slow failed\n");
        return 1;
    }
    RUN(test_call_runs_to_end);
    RUN(test_many_tasks);
    RUN(test_host_writes_stream);
    RUN(test_host_reads_stream);
    RUN(test_host_to_host);
    RUN(test_deadlock_and_poison);
    RUN(test_cancel_one);
    RUN(test_interrupt);
    RUN(test_async_host_function);
    RUN(test_budget);
    RUN(test_bad_requests);
    hive_component_release(comp);
    hive_linker_free(linker);
    hive_engine_free(engine);
    return test_summary("test_casync");
}
