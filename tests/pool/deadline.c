/*
 * deadline.c -- how precisely the worker pool stops a WAGI guest at its
 * request's deadline, whatever the guest is doing.
 *
 *   pool_deadline [-n N] [-d MS] [-t THREADS] [-max-p99 MS] GUEST.wasm... HELLO.wasm
 *
 * For each guest (one that never answers: a compute loop, a memory.fill or
 * memory.copy loop, a memory.grow storm, table loops), N requests run one
 * after another on a pool of THREADS guest threads (default 1), each with
 * a deadline of MS milliseconds (default 50) from its start. Per request it
 * records, after the deadline:
 *   error  when the request got its error (504, HIVE_HANDLE_EXPIRED)
 *   stop   when the worker was dropped: the guest stopped, its instance
 *          freed, its thread free again
 * and prints p50/p99/max of both in milliseconds. After each guest, one
 * request to HELLO.wasm (the last argument) must be answered, and quickly:
 * the guest thread is free. Exit status 1 when a request did not end as
 * expected, or when a guest's stop p99 passes -max-p99 (default 0: no
 * bound), so that the program is also a regression test.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hive/handler.h"
#include "hive/wasm.h"

#define MS 1000000ull

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One request's record; the pool's threads write it under mu. */
typedef struct rec {
    uint64_t deadline, t_err, t_drop, t_end;
    int err, status, done;
} rec;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static rec *cur; /* the request in flight (one at a time) */
static uint64_t timeout_ns;

static uint64_t p_start(void *user, void *store, void *data, uint64_t task) {
    (void)user, (void)store, (void)task;
    rec *r = data;
    uint64_t d = now_ns() + timeout_ns;
    pthread_mutex_lock(&mu);
    r->deadline = d;
    pthread_mutex_unlock(&mu);
    return d;
}

static void p_drop(void *user, void *store, const hive_worker_result *res) {
    (void)user, (void)store, (void)res;
    uint64_t t = now_ns();
    pthread_mutex_lock(&mu);
    if (cur && !cur->t_drop) cur->t_drop = t;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void s_head(void *ud, int status, const hive_header *h, size_t n, int64_t cl) {
    (void)h, (void)n, (void)cl;
    rec *r = ud;
    pthread_mutex_lock(&mu);
    r->status = status;
    pthread_mutex_unlock(&mu);
}

static int s_body(void *ud, const uint8_t *d, size_t n) {
    (void)ud, (void)d, (void)n;
    return 0;
}

static void s_end(void *ud) {
    rec *r = ud;
    pthread_mutex_lock(&mu);
    r->t_end = now_ns();
    r->done = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void s_error(void *ud, hive_handle_error e, const char *msg) {
    (void)msg;
    rec *r = ud;
    pthread_mutex_lock(&mu);
    r->t_err = now_ns();
    r->err = e;
    r->done = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Runs one request on h and waits (at most wait_ms) until it is answered
 * and, with want_drop, its worker dropped. Returns 0, or -1 on a timeout. */
static int one(hive_handler *h, rec *r, int want_drop, unsigned wait_ms) {
    memset(r, 0, sizeof *r);
    hive_header hd = {"Host", 4, "x", 1};
    hive_request_info info = {.method = "GET", .path = "/", .query = "", .version = "HTTP/1.1",
                              .headers = &hd, .nheaders = 1, .content_length = -1,
                              .remote_addr = "127.0.0.1", .remote_port = 1,
                              .server_name = "localhost", .server_port = 80, .scheme = "http"};
    hive_req_sink sink = {.ud = r, .on_head = s_head, .on_body = s_body, .on_end = s_end,
                          .on_error = s_error};
    pthread_mutex_lock(&mu);
    cur = r;
    pthread_mutex_unlock(&mu);
    hive_req *q = hive_handler_handle(h, &info, &sink, r);
    if (!q) return -1;
    hive_req_body_end(q);
    uint64_t until = now_ns() + (uint64_t)wait_ms * MS;
    int rc = 0;
    pthread_mutex_lock(&mu);
    while (!(r->done && (!want_drop || r->t_drop))) {
        if (now_ns() >= until) {
            rc = -1;
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 5 * 1000000;
        if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
        pthread_cond_timedwait(&cv, &mu, &ts);
    }
    cur = NULL;
    pthread_mutex_unlock(&mu);
    hive_req_release(q);
    return rc;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, int n, double p) {
    qsort(v, (size_t)n, sizeof *v, cmp_u64);
    int i = (int)(p * (n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

static hive_module *load(hive_engine *e, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "pool_deadline: cannot open %s\n", path);
        return NULL;
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    hive_module *m = NULL;
    hive_error err;
    if (hive_module_new(e, buf, n, &m, &err) != HIVE_OK) {
        fprintf(stderr, "pool_deadline: %s: %s\n", path, err.message);
        return NULL;
    }
    return m;
}

static hive_handler *mk(hive_engine *e, hive_module *m, unsigned threads, hive_guest **g) {
    hive_error err;
    if (hive_guest_wagi_new(e, m, NULL, 0, NULL, 0, g, &err) != HIVE_OK) return NULL;
    hive_policy pol = {.on_request_start = p_start, .drop = p_drop};
    hive_handler_config cfg = {.threads = threads};
    hive_handler *h = NULL;
    if (hive_handler_new(*g, &pol, &cfg, &h, &err) != HIVE_OK) return NULL;
    return h;
}

int main(int argc, char **argv) {
    int n = 20;
    unsigned threads = 1;
    double max_p99 = 0;
    timeout_ns = 50 * MS;
    int a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (!strcmp(argv[a], "-n")) n = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-d")) timeout_ns = (uint64_t)atoi(argv[a + 1]) * MS;
        else if (!strcmp(argv[a], "-t")) threads = (unsigned)atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-max-p99")) max_p99 = atof(argv[a + 1]);
        else break;
    }
    if (argc - a < 2 || n < 1 || n > 100000) {
        fprintf(stderr, "usage: pool_deadline [-n N] [-d MS] [-t THREADS] [-max-p99 MS] "
                        "GUEST.wasm... HELLO.wasm\n");
        return 2;
    }
    hive_config ecfg;
    memset(&ecfg, 0, sizeof ecfg);
    ecfg.max_memory_pages = 4096; /* 256 MiB, as hive serve */
    hive_engine *e = hive_engine_new(&ecfg);
    hive_module *hello = load(e, argv[argc - 1]);
    if (!e || !hello) return 1;
    uint64_t *lat_err = calloc((size_t)n, sizeof *lat_err);
    uint64_t *lat_stop = calloc((size_t)n, sizeof *lat_stop);
    if (!lat_err || !lat_stop) return 1;
    int bad = 0;
    printf("deadline %llu ms, %u thread(s), %d requests per guest; latency after the deadline "
           "(ms):\n",
           (unsigned long long)(timeout_ns / MS), threads, n);
    printf("%-12s %8s %8s %8s   %8s %8s %8s   %s\n", "guest", "err p50", "err p99", "err max",
           "stop p50", "stop p99", "stop max", "next hello");
    for (int gi = a; gi < argc - 1; gi++) {
        hive_module *m = load(e, argv[gi]);
        if (!m) return 1;
        hive_guest *g = NULL, *hg = NULL;
        hive_handler *h = mk(e, m, threads, &g);
        if (!h) return 1;
        int got = 0;
        for (int i = 0; i < n; i++) {
            rec r;
            if (one(h, &r, 1, 5000) != 0 || r.err != HIVE_HANDLE_EXPIRED || !r.deadline) {
                fprintf(stderr, "pool_deadline: %s: request %d did not end as expired (err %d)\n",
                        argv[gi], i, r.err);
                bad = 1;
                continue;
            }
            lat_err[got] = r.t_err > r.deadline ? r.t_err - r.deadline : 0;
            lat_stop[got] = r.t_drop > r.deadline ? r.t_drop - r.deadline : 0;
            got++;
        }
        /* the next request, a hello, on the same pool's threads: a guest
         * left running would hold them */
        hive_handler *hh = mk(e, hello, threads, &hg);
        rec r;
        uint64_t t0 = now_ns();
        int rc = hh ? one(hh, &r, 0, 5000) : -1;
        double hello_ms = (double)(now_ns() - t0) / 1e6;
        if (rc != 0 || r.status != 200) {
            fprintf(stderr, "pool_deadline: hello after %s failed\n", argv[gi]);
            bad = 1;
        }
        hive_handler_free(hh, 0);
        hive_guest_free(hg);
        const char *name = strrchr(argv[gi], '/');
        name = name ? name + 1 : argv[gi];
        if (got) {
            double e50 = pct(lat_err, got, 0.5), e99 = pct(lat_err, got, 0.99),
                   emax = pct(lat_err, got, 1.0);
            double s50 = pct(lat_stop, got, 0.5), s99 = pct(lat_stop, got, 0.99),
                   smax = pct(lat_stop, got, 1.0);
            printf("%-12s %8.3f %8.3f %8.3f   %8.3f %8.3f %8.3f   %.1f ms\n", name, e50, e99, emax,
                   s50, s99, smax, hello_ms);
            if (max_p99 > 0 && (s99 > max_p99 || e99 > max_p99)) {
                fprintf(stderr, "pool_deadline: %s: p99 over %.1f ms\n", name, max_p99);
                bad = 1;
            }
        }
        fflush(stdout);
        hive_handler_free(h, 0);
        hive_guest_free(g);
        hive_module_release(m);
    }
    free(lat_err);
    free(lat_stop);
    hive_module_release(hello);
    hive_engine_free(e);
    return bad;
}
