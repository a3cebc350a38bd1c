/*
 * test_wasihttp3.c -- the wasi:http 0.3 guest kind (src/guest/wasihttp3.c)
 * under the worker pool, seen through the policy: the worker's statuses
 * (REQUESTS while a response head is owed, POST_RETURN while the task
 * still writes the body after handle returned, then IDLE), the counts
 * should_accept_request gets, one task id per request, and one drop per
 * worker. The guest is tests/wasihttp3/hello.wat, built by
 * mk/wasihttp3.mk into BUILD/wasihttp3/hello.wasm (HIVE_WASIHTTP3_GUEST
 * overrides).
 */
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hive/handler.h"
#include "testutil.h"
#include "wasihttp/p3http.h"

static hive_engine *engine;
static hive_component *comp;

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

/* ---- what the policy and the sink saw ----------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int statuses[64];
static size_t nstatuses;
static uint64_t task_ids[16];
static size_t ntasks;
static size_t accept_concurrent[16], accept_total[16];
static size_t naccepts;
static int drops;
static hive_worker_result last_drop;

typedef struct resp {
    int status;
    char body[256];
    size_t len;
    int ended, failed;
} resp;

static hive_accept p_accept(void *user, void *store, size_t concurrent, size_t total) {
    (void)user, (void)store;
    pthread_mutex_lock(&mu);
    if (naccepts < 16) {
        accept_concurrent[naccepts] = concurrent;
        accept_total[naccepts] = total;
        naccepts++;
    }
    pthread_mutex_unlock(&mu);
    return total >= 8 ? HIVE_ACCEPT_NEVER : HIVE_ACCEPT_YES;
}

static uint64_t p_start(void *user, void *store, void *data, uint64_t task_id) {
    (void)user, (void)store, (void)data;
    pthread_mutex_lock(&mu);
    if (ntasks < 16) task_ids[ntasks++] = task_id;
    pthread_mutex_unlock(&mu);
    return 0;
}

static uint64_t p_expiration(void *user, void *store, hive_worker_status st, uint64_t start) {
    (void)user, (void)store, (void)start;
    pthread_mutex_lock(&mu);
    if (nstatuses < 64) statuses[nstatuses++] = (int)st;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return 0;
}

static void p_drop(void *user, void *store, const hive_worker_result *res) {
    (void)user, (void)store;
    pthread_mutex_lock(&mu);
    drops++;
    last_drop = *res;
    pthread_mutex_unlock(&mu);
}

static void s_head(void *ud, int status, const hive_header *h, size_t n, int64_t clen) {
    (void)h, (void)n, (void)clen;
    resp *r = ud;
    pthread_mutex_lock(&mu);
    r->status = status;
    pthread_mutex_unlock(&mu);
}

static int s_body(void *ud, const uint8_t *data, size_t len) {
    resp *r = ud;
    pthread_mutex_lock(&mu);
    if (r->len + len < sizeof r->body) {
        memcpy(r->body + r->len, data, len);
        r->len += len;
    }
    pthread_mutex_unlock(&mu);
    return 0;
}

static void s_end(void *ud) {
    resp *r = ud;
    pthread_mutex_lock(&mu);
    r->ended = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void s_error(void *ud, hive_handle_error e, const char *msg) {
    (void)e, (void)msg;
    resp *r = ud;
    pthread_mutex_lock(&mu);
    r->failed = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits (5 s at most) until pred holds; mu held. */
static int wait_for(int (*pred)(void *), void *arg) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    while (!pred(arg))
        if (pthread_cond_timedwait(&cv, &mu, &ts) != 0) return pred(arg);
    return 1;
}

static int resp_done(void *arg) {
    resp *r = arg;
    return r->ended || r->failed;
}

static int idle_after(void *arg) {
    size_t from = *(size_t *)arg;
    for (size_t i = from; i < nstatuses; i++)
        if (statuses[i] == HIVE_WORKER_IDLE) return 1;
    return 0;
}

static void reset(void) {
    nstatuses = ntasks = naccepts = 0;
    drops = 0;
    memset(&last_drop, 0, sizeof last_drop);
}

static hive_handler *mk_handler(hive_guest **guest) {
    hive_error err;
    memset(&err, 0, sizeof err);
    int rc = hv_guest_wasihttp3_new(engine, comp, NULL, 0, NULL, 0, guest, &err);
    if (rc != HIVE_OK) fprintf(stderr, "wasihttp3_new: %s\n", err.message);
    CHECK_EQ_INT(rc, HIVE_OK);
    if (rc != HIVE_OK) abort();
    hive_policy pol = {
        .should_accept_request = p_accept,
        .on_request_start = p_start,
        .worker_expiration = p_expiration,
        .drop = p_drop,
    };
    hive_handler_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.threads = 1;
    cfg.max_workers = 1;
    hive_handler *h = NULL;
    rc = hive_handler_new(*guest, &pol, &cfg, &h, &err);
    CHECK_EQ_INT(rc, HIVE_OK);
    if (!h) abort();
    return h;
}

static void request(hive_handler *h, resp *r) {
    memset(r, 0, sizeof *r);
    hive_header host = {"host", 4, "example", 7};
    hive_request_info info = {.method = "GET", .path = "/", .query = "", .version = "HTTP/1.1",
                              .headers = &host, .nheaders = 1, .content_length = 0,
                              .remote_addr = "127.0.0.1", .server_name = "localhost",
                              .scheme = "http"};
    hive_req_sink sink = {.ud = r, .on_head = s_head, .on_body = s_body, .on_end = s_end,
                          .on_error = s_error};
    hive_req *q = hive_handler_handle(h, &info, &sink, NULL);
    CHECK(q != NULL);
    hive_req_body_end(q);
    pthread_mutex_lock(&mu);
    CHECK(wait_for(resp_done, r));
    pthread_mutex_unlock(&mu);
    hive_req_release(q);
}

/* One request: the head, the body written after handle returned, and the
 * statuses REQUESTS -> POST_RETURN -> IDLE. */
static void test_statuses(void) {
    reset();
    hive_guest *g = NULL;
    hive_handler *h = mk_handler(&g);
    resp r;
    size_t from = 0;
    request(h, &r);
    pthread_mutex_lock(&mu);
    CHECK(wait_for(idle_after, &from));
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.ended && !r.failed);
    CHECK(r.len == 15 && memcmp(r.body, "hello from wat\n", 15) == 0);
    /* the first ask (IDLE, no store before), then the request's life */
    int seen_req = -1, seen_post = -1, seen_idle = -1;
    for (size_t i = 1; i < nstatuses; i++) {
        if (statuses[i] == HIVE_WORKER_REQUESTS && seen_req < 0) seen_req = (int)i;
        if (statuses[i] == HIVE_WORKER_POST_RETURN && seen_post < 0) seen_post = (int)i;
        if (statuses[i] == HIVE_WORKER_IDLE && seen_post >= 0 && seen_idle < 0) seen_idle = (int)i;
    }
    CHECK(seen_req > 0);
    CHECK(seen_post > seen_req);
    CHECK(seen_idle > seen_post);
    CHECK_EQ_INT(ntasks, 1);
    CHECK(task_ids[0] != 0);
    pthread_mutex_unlock(&mu);
    hive_handler_free(h, 1000000000ull);
    hive_guest_free(g);
    pthread_mutex_lock(&mu);
    CHECK_EQ_INT(drops, 1);
    CHECK(last_drop.ok);
    CHECK_EQ_INT(last_drop.total_requests, 1);
    pthread_mutex_unlock(&mu);
}

/* Requests in turn on one instance: a task id each, the real counts for
 * the policy (asked while the instance is idle: nothing in flight), and
 * the worker retires at the policy's NEVER (total 8). */
static void test_reuse_counts(void) {
    reset();
    hive_guest *g = NULL;
    hive_handler *h = mk_handler(&g);
    resp r;
    for (int i = 0; i < 10; i++) {
        request(h, &r);
        CHECK_EQ_INT(r.status, 200);
    }
    hive_handler_free(h, 1000000000ull);
    hive_guest_free(g);
    pthread_mutex_lock(&mu);
    CHECK_EQ_INT(ntasks, 10);
    for (size_t i = 1; i < ntasks; i++) CHECK(task_ids[i] > task_ids[i - 1]);
    /* the worker that took the first request was asked with its counts */
    CHECK(naccepts >= 1);
    for (size_t i = 0; i < naccepts; i++) {
        CHECK_EQ_INT(accept_concurrent[i], 0);
        CHECK(accept_total[i] <= 8);
    }
    /* 8 on the first instance (NEVER at 8), the rest on a second */
    CHECK_EQ_INT(drops, 2);
    pthread_mutex_unlock(&mu);
}

int main(int argc, char **argv) {
    (void)argc;
    char path[4096];
    const char *env = getenv("HIVE_WASIHTTP3_GUEST");
    if (env) {
        snprintf(path, sizeof path, "%s", env);
    } else {
        char self[4096];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(path, sizeof path, "%s/../wasihttp3/hello.wasm", dirname(self));
    }
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "test_wasihttp3: cannot read %s (make builds it; HIVE_WASIHTTP3_GUEST overrides)\n",
                path);
        return 1;
    }
    engine = hive_engine_new(NULL);
    hive_error err;
    if (hive_component_new(engine, bytes, len, &comp, &err) != HIVE_OK) {
        fprintf(stderr, "test_wasihttp3: %s: %s at %zu\n", path, err.message, err.offset);
        free(bytes);
        return 1;
    }
    free(bytes);
    CHECK(hv_guest_wasihttp3_detect(comp));
    RUN(test_statuses);
    RUN(test_reuse_counts);
    hive_component_release(comp);
    hive_engine_free(engine);
    return test_summary("test_wasihttp3");
}
