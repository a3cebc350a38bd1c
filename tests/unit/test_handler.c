/*
 * test_handler.c -- the worker pool's policy and dispatch rules
 * (docs/POOL.md), driven by a scripted guest kind defined here.
 *
 * Each request carries its script (a `treq`, found by the guest through
 * the request header x-treq): compute K slices, trap, wait on a gate the
 * test opens, read and echo the body, stream chunks, respond and keep
 * running (post-return), exit after responding, or finish without a
 * response. The guest calls handler_req_* as a real guest kind does,
 * honours interrupt(), and can drop one request alone or not at all.
 *
 * Every wait is a condition wait with a bound of a few seconds; events
 * are ordered with a global sequence number (T_seq) rather than sleeps.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handler/guest.h"
#include "hive/handler.h"
#include "support/error.h"
#include "testutil.h"

#define MS 1000000ull

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- test-wide event lock ------------------------------------------------ */

/* T_mu guards every record below; T_cv is broadcast at every event. Never
 * call into the handler while holding T_mu. */
static pthread_mutex_t T_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t T_cv;
static uint64_t T_seq;

#define WAIT_UNTIL(cond, ms)                                                            \
    ({                                                                                  \
        uint64_t until_ = now_ns() + (uint64_t)(ms) * MS;                               \
        int ok_;                                                                        \
        pthread_mutex_lock(&T_mu);                                                      \
        while (!(ok_ = !!(cond))) {                                                     \
            uint64_t n_ = now_ns();                                                     \
            if (n_ >= until_) break;                                                    \
            uint64_t w_ = n_ + 5 * MS;                                                  \
            if (w_ > until_) w_ = until_;                                               \
            struct timespec ts_ = {(time_t)(w_ / 1000000000u), (long)(w_ % 1000000000u)}; \
            pthread_cond_timedwait(&T_cv, &T_mu, &ts_);                                 \
        }                                                                               \
        pthread_mutex_unlock(&T_mu);                                                    \
        ok_;                                                                            \
    })

/* Reads an expression under T_mu. */
#define LOCKED(expr)                                                                    \
    ({                                                                                  \
        pthread_mutex_lock(&T_mu);                                                      \
        __typeof__(expr) v_ = (expr);                                                   \
        pthread_mutex_unlock(&T_mu);                                                    \
        v_;                                                                             \
    })

/* ---- requests and their scripts ----------------------------------------- */

typedef struct treq treq;
typedef void (*hook_fn)(treq *t);
typedef struct guest_inst guest_inst;

struct treq {
    /* the script (set before handle) */
    int status;       /* response status (0: 200) */
    int slices;       /* compute slices before responding; -1: forever */
    int trap;         /* trap after the slices */
    int echo;         /* read the whole body first and echo it */
    int post_slices;  /* after responding, compute on; -1: forever */
    int exit_after;   /* GUEST_RUN_EXIT after responding (2: after task done) */
    int gate;         /* wait (GUEST_RUN_WAIT) for gate_open before computing */
    int sleep_ms;     /* then sleep: GUEST_RUN_WAIT with hv_handler_wake_at */
    int nchunks;      /* body chunks (0: 1) */
    int chunk_slices; /* one chunk per run, each after a compute slice */
    int no_response;  /* finish the task without a response */
    int no_end;       /* leave the body open: the task's end closes it */
    int forget_done;  /* never call hv_handler_req_task_done (run returns IDLE) */
    const char *body; /* each chunk (NULL: "ok") */
    int read_slice;   /* echo: read at most this many bytes per slice (0: all) */
    int pattern;      /* echo: check body byte i is pat_byte(i) */
    int retry_in_error; /* on_error(INSTANTIATE) calls hive_req_retry (twice) */
    uint64_t deadline_ms;
    int stubborn_ms; /* the first compute slice ignores interrupt() this long */
    int fail_start;  /* the guest's start() refuses it */
    uint64_t fuel;   /* request_fuel (0: none) */
    int full; /* the sink's on_body returns 1 */
    hook_fn on_end_hook, on_error_hook, on_body_hook;
    hive_handler *h;
    treq *child;
    atomic_int gate_open;

    /* records, under T_mu */
    hive_req *req;
    int heads, bodies, ends, errors, bad, finished, cancel_done;
    int status_got;
    hive_handle_error err;
    char msg[256];
    char out[8192];
    size_t out_len;
    uint64_t t_handle, t_start, t_head, t_end, t_err;
    int started, pol_calls;
    pthread_t err_thread;
    uint64_t wid, task_id, pol_wid, pol_task;
    uint64_t start_seq, wait_seq, done_seq;
    int waits, ran, read_waits, out_waits, bp_seen, guest_cancelled, head_refused;
    size_t in_total;
    int pattern_bad, drained, retry_rc, retry_rc2, retries;
    hive_handle_error retried_err;

    /* guest link, under the guest's mu */
    guest_inst *gi;
};

static treq *g_treqs[1024];
static int g_ntreqs;

static treq *tr_new(void) {
    treq *t = calloc(1, sizeof *t);
    if (!t) abort();
    atomic_init(&t->gate_open, 0);
    pthread_mutex_lock(&T_mu);
    if (g_ntreqs >= (int)(sizeof g_treqs / sizeof g_treqs[0])) abort();
    g_treqs[g_ntreqs++] = t;
    pthread_mutex_unlock(&T_mu);
    return t;
}

static void tr_bad(treq *t, const char *why) {
    t->bad++;
    fprintf(stderr, "  request %p: %s\n", (void *)t, why);
}

/* ---- the sink ----------------------------------------------------------- */

static void s_head(void *ud, int status, const hive_header *hd, size_t nh, int64_t cl) {
    (void)hd, (void)nh, (void)cl;
    treq *t = ud;
    pthread_mutex_lock(&T_mu);
    if (t->cancel_done) tr_bad(t, "on_head after cancel");
    if (t->finished) tr_bad(t, "on_head after the end");
    if (t->heads) tr_bad(t, "two heads");
    t->heads++;
    t->status_got = status;
    t->t_head = now_ns();
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
}

static int s_body(void *ud, const uint8_t *data, size_t len) {
    treq *t = ud;
    pthread_mutex_lock(&T_mu);
    if (t->cancel_done) tr_bad(t, "on_body after cancel");
    if (t->finished) tr_bad(t, "on_body after the end");
    if (!t->heads) tr_bad(t, "on_body before on_head");
    if (t->out_len + len <= sizeof t->out) {
        memcpy(t->out + t->out_len, data, len);
        t->out_len += len;
    }
    t->bodies++;
    int full = t->full;
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    if (t->on_body_hook) t->on_body_hook(t);
    return full ? 1 : 0;
}

static void s_end(void *ud) {
    treq *t = ud;
    pthread_mutex_lock(&T_mu);
    if (t->cancel_done) tr_bad(t, "on_end after cancel");
    if (t->finished) tr_bad(t, "on_end after the end");
    if (!t->heads) tr_bad(t, "on_end before on_head");
    t->finished = 1;
    t->ends++;
    t->t_end = now_ns();
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    if (t->on_end_hook) t->on_end_hook(t);
}

static void s_drained(void *ud) {
    treq *t = ud;
    pthread_mutex_lock(&T_mu);
    if (t->cancel_done) tr_bad(t, "on_input_drained after cancel");
    if (t->finished) tr_bad(t, "on_input_drained after the end");
    t->drained++;
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
}

/* Forgets a failure before hive_req_retry (which may answer at once). */
static void tr_unfail(treq *t) {
    t->retried_err = t->err;
    t->finished = 0;
    t->errors = 0;
    t->retries++;
}

/* The request, once tr_send has it: the sink's callbacks may run (on a
 * guest thread) before hive_handler_handle has returned it, so a callback
 * that needs it waits. */
static hive_req *tr_req(treq *t) {
    pthread_mutex_lock(&T_mu);
    while (!t->req) pthread_cond_wait(&T_cv, &T_mu);
    hive_req *r = t->req;
    pthread_mutex_unlock(&T_mu);
    return r;
}

static void s_error(void *ud, hive_handle_error e, const char *msg) {
    treq *t = ud;
    if (t->retry_in_error && e == HIVE_HANDLE_INSTANTIATE && !t->retries) {
        /* retry from inside the callback: placed once it returns */
        pthread_mutex_lock(&T_mu);
        tr_unfail(t);
        t->retried_err = e;
        pthread_mutex_unlock(&T_mu);
        hive_req *r = tr_req(t);
        int rc = hive_req_retry(r);
        int rc2 = hive_req_retry(r); /* once only */
        pthread_mutex_lock(&T_mu);
        t->retry_rc = rc;
        t->retry_rc2 = rc2;
        pthread_cond_broadcast(&T_cv);
        pthread_mutex_unlock(&T_mu);
        if (rc == 0) return;
    }
    pthread_mutex_lock(&T_mu);
    if (t->cancel_done) tr_bad(t, "on_error after cancel");
    if (t->finished) tr_bad(t, "on_error after the end");
    t->finished = 1;
    t->errors++;
    t->err = e;
    snprintf(t->msg, sizeof t->msg, "%s", msg ? msg : "(null)");
    t->t_err = now_ns();
    t->err_thread = pthread_self();
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    if (t->on_error_hook) t->on_error_hook(t);
}

/* Hands t to h. */
static treq *tr_send(hive_handler *h, treq *t) {
    char ptr[32];
    snprintf(ptr, sizeof ptr, "%p", (void *)t);
    hive_header hd = {"x-treq", 6, ptr, strlen(ptr)};
    hive_request_info info = {
        .method = "GET",
        .path = "/t",
        .query = "",
        .version = "HTTP/1.1",
        .headers = &hd,
        .nheaders = 1,
        .content_length = -1,
        .remote_addr = "127.0.0.1",
        .remote_port = 1234,
        .server_name = "localhost",
        .server_port = 80,
        .scheme = "http",
    };
    hive_req_sink sink = {.ud = t, .on_head = s_head, .on_body = s_body, .on_end = s_end,
                          .on_error = s_error, .on_input_drained = s_drained};
    t->h = h;
    pthread_mutex_lock(&T_mu);
    t->t_handle = now_ns();
    pthread_mutex_unlock(&T_mu);
    hive_req *r = hive_handler_handle(h, &info, &sink, t);
    pthread_mutex_lock(&T_mu);
    t->req = r;
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    return t;
}

static void tr_cancel(treq *t) {
    hive_req_cancel(tr_req(t));
    pthread_mutex_lock(&T_mu);
    t->cancel_done = 1;
    pthread_mutex_unlock(&T_mu);
}

/* ---- the policy --------------------------------------------------------- */

#define MAXW 128
#define STORE_MAGIC 0x5707e123u

typedef struct tpol {
    size_t max_conc;          /* YES below (0: 1) */
    size_t max_total;         /* NEVER from (0: no limit) */
    size_t conc_for[MAXW];    /* per worker id override of max_conc */
    uint64_t deadline_ms;     /* default request deadline */
    uint64_t idle_ms, req_ms, post_ms; /* worker expiration by status */
    int fail_inst[4];         /* instantiations (1-based) that fail */

    /* records, under T_mu */
    int ninst, nstores, nstores_freed, bad_store;
    struct acc_rec {
        uint64_t wid;
        size_t conc, total;
        hive_accept a;
    } acc[4096];
    int nacc;
    struct exp_rec {
        uint64_t wid, start, at;
        hive_worker_status st;
    } exp[4096];
    int nexp;
    hive_worker_result drops[MAXW];
    int ndrops;
    int drop_count[MAXW];
    uint64_t drop_at[MAXW];
    int drop_idx[MAXW];
} tpol;

typedef struct tstore {
    uint32_t magic;
    uint64_t wid;
} tstore;

static int p_instantiate(void *user, uint64_t wid, void **store, hive_error *err) {
    tpol *p = user;
    pthread_mutex_lock(&T_mu);
    int n = ++p->ninst;
    bool fail = false;
    for (int i = 0; i < 4; i++)
        if (p->fail_inst[i] == n) fail = true;
    if (!fail) p->nstores++;
    pthread_mutex_unlock(&T_mu);
    if (fail) return hv_error_set(err, HIVE_ELIMIT, 0, "scripted instantiation failure %d", n);
    tstore *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->magic = STORE_MAGIC;
    s->wid = wid;
    *store = s;
    return 0;
}

static bool store_ok(tpol *p, void *store) {
    tstore *s = store;
    if (!s || s->magic != STORE_MAGIC) {
        p->bad_store++;
        fprintf(stderr, "  policy callback with a bad store %p\n", store);
        return false;
    }
    return true;
}

static hive_accept p_accept(void *user, void *store, size_t conc, size_t total) {
    tpol *p = user;
    pthread_mutex_lock(&T_mu);
    uint64_t wid = store_ok(p, store) ? ((tstore *)store)->wid : 0;
    size_t mc = wid < MAXW && p->conc_for[wid] ? p->conc_for[wid] : p->max_conc ? p->max_conc : 1;
    hive_accept a = p->max_total && total >= p->max_total ? HIVE_ACCEPT_NEVER
                    : conc >= mc                          ? HIVE_ACCEPT_NO
                                                          : HIVE_ACCEPT_YES;
    if (p->nacc < (int)(sizeof p->acc / sizeof p->acc[0]))
        p->acc[p->nacc++] = (struct acc_rec){wid, conc, total, a};
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    return a;
}

static uint64_t p_start(void *user, void *store, void *data, uint64_t task_id) {
    tpol *p = user;
    treq *t = data;
    uint64_t now = now_ns();
    pthread_mutex_lock(&T_mu);
    if (store_ok(p, store)) t->pol_wid = ((tstore *)store)->wid;
    t->pol_task = task_id;
    t->pol_calls++;
    t->t_start = now;
    uint64_t ms = t->deadline_ms ? t->deadline_ms : p->deadline_ms;
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    return ms ? now + ms * MS : 0;
}

static uint64_t p_fuel(void *user, void *store, void *data, uint64_t task_id) {
    (void)user, (void)store, (void)task_id;
    treq *t = data;
    return t->fuel;
}

static uint64_t p_expiration(void *user, void *store, hive_worker_status st, uint64_t start) {
    tpol *p = user;
    uint64_t now = now_ns();
    pthread_mutex_lock(&T_mu);
    uint64_t wid = store_ok(p, store) ? ((tstore *)store)->wid : 0;
    if (p->nexp < (int)(sizeof p->exp / sizeof p->exp[0]))
        p->exp[p->nexp++] = (struct exp_rec){wid, start, now, st};
    uint64_t ms = st == HIVE_WORKER_IDLE ? p->idle_ms : st == HIVE_WORKER_REQUESTS ? p->req_ms : p->post_ms;
    pthread_mutex_unlock(&T_mu);
    return ms ? start + ms * MS : 0;
}

static void p_drop(void *user, void *store, const hive_worker_result *res) {
    tpol *p = user;
    tstore *s = store;
    pthread_mutex_lock(&T_mu);
    if (s) {
        if (s->magic != STORE_MAGIC || s->wid != res->worker_id) {
            p->bad_store++;
            fprintf(stderr, "  drop with a bad store\n");
        } else {
            s->magic = 0;
            p->nstores_freed++;
            free(s);
        }
    }
    if (res->worker_id < MAXW) {
        p->drop_count[res->worker_id]++;
        p->drop_at[res->worker_id] = now_ns();
        p->drop_idx[res->worker_id] = p->ndrops;
    }
    if (p->ndrops < MAXW) p->drops[p->ndrops++] = *res;
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
}

/* The drop record of worker wid (under T_mu), or NULL. */
static const hive_worker_result *drop_of(tpol *p, uint64_t wid) {
    if (wid >= MAXW || !p->drop_count[wid]) return NULL;
    return &p->drops[p->drop_idx[wid]];
}

/* Whether worker wid's last reported status is IDLE (under T_mu): then it
 * has nothing in flight and can take a request. */
static int worker_idle(tpol *p, uint64_t wid) {
    for (int i = p->nexp - 1; i >= 0; i--)
        if (p->exp[i].wid == wid) return p->exp[i].st == HIVE_WORKER_IDLE;
    return 0;
}

static int acc_count(tpol *p, uint64_t wid, size_t conc, size_t total, hive_accept a) {
    int n = 0;
    for (int i = 0; i < p->nacc; i++)
        if (p->acc[i].wid == wid && p->acc[i].conc == conc && p->acc[i].total == total &&
            p->acc[i].a == a)
            n++;
    return n;
}

/* ---- the scripted guest kind --------------------------------------------- */

#define MAXTASK 16

typedef struct sguest {
    hive_guest base;
    guest_ops ops;
    int cancel_alone;  /* cancel() drops one request and lives on */
    uint64_t slice_us; /* one compute slice (0: 2 ms) */
    int fail_inst[4];  /* guest instantiations (1-based) that fail */
    pthread_mutex_t mu; /* guards treq.gi: gates wake through it */
    /* records, under T_mu */
    int ninst, nmade, nfree, overlap, ncancel, nstart;
} sguest;

typedef struct gtask {
    treq *t;
    hive_req *req;
    int stage, n, chunk;
    bool active;
    uint8_t in[256]; /* the body read, for the echo */
    size_t in_len;
    uint64_t wake_at; /* sleeping until then */
} gtask;

struct guest_inst {
    sguest *g;
    hive_worker *w;
    uint64_t wid;
    gtask tasks[MAXTASK];
    atomic_int irq;
    atomic_int busy;
    char err[128];
};

static void gi_enter(guest_inst *gi) {
    if (atomic_fetch_add(&gi->busy, 1) != 0) {
        pthread_mutex_lock(&T_mu);
        gi->g->overlap++;
        pthread_mutex_unlock(&T_mu);
        fprintf(stderr, "  instance used on two threads at once\n");
    }
}

static void gi_leave(guest_inst *gi) { atomic_fetch_sub(&gi->busy, 1); }

static treq *treq_of(hive_req *req) {
    const hive_request_info *info = hv_handler_req_info(req);
    for (size_t i = 0; i < info->nheaders; i++) {
        const hive_header *hd = &info->headers[i];
        if (hd->name_len == 6 && memcmp(hd->name, "x-treq", 6) == 0) {
            char buf[32];
            size_t n = hd->value_len < sizeof buf - 1 ? hd->value_len : sizeof buf - 1;
            memcpy(buf, hd->value, n);
            buf[n] = 0;
            void *p = NULL;
            if (sscanf(buf, "%p", &p) == 1) return p;
        }
    }
    return NULL;
}

static int g_instantiate(hive_guest *guest, hive_worker *w, guest_inst **out, hive_error *err) {
    sguest *g = (sguest *)guest;
    pthread_mutex_lock(&T_mu);
    int n = ++g->ninst;
    bool fail = false;
    for (int i = 0; i < 4; i++)
        if (g->fail_inst[i] == n) fail = true;
    if (!fail) g->nmade++;
    pthread_mutex_unlock(&T_mu);
    if (fail) return hv_error_set(err, HIVE_ETRAP, 0, "scripted guest start failure %d", n);
    guest_inst *gi = calloc(1, sizeof *gi);
    if (!gi) abort();
    gi->g = g;
    gi->w = w;
    gi->wid = hv_handler_worker_id(w);
    atomic_init(&gi->irq, 0);
    atomic_init(&gi->busy, 0);
    *out = gi;
    return 0;
}

static int g_start(guest_inst *gi, hive_req *req, uint64_t task_id) {
    gi_enter(gi);
    treq *t = treq_of(req);
    int slot = -1;
    for (int i = 0; i < MAXTASK && t && !t->fail_start; i++)
        if (!gi->tasks[i].active) {
            slot = i;
            break;
        }
    if (slot >= 0) {
        gi->tasks[slot] = (gtask){.t = t, .req = req, .active = true};
        pthread_mutex_lock(&gi->g->mu);
        t->gi = gi;
        pthread_mutex_unlock(&gi->g->mu);
        pthread_mutex_lock(&T_mu);
        t->started++;
        t->wid = gi->wid;
        t->task_id = task_id;
        t->start_seq = ++T_seq;
        gi->g->nstart++;
        pthread_cond_broadcast(&T_cv);
        pthread_mutex_unlock(&T_mu);
    }
    gi_leave(gi);
    return slot >= 0 ? 0 : -1;
}

static void task_unlink(guest_inst *gi, gtask *k) {
    pthread_mutex_lock(&gi->g->mu);
    if (k->t->gi == gi) k->t->gi = NULL;
    pthread_mutex_unlock(&gi->g->mu);
    k->active = false;
}

/* One compute slice: slice_us of work, or less when interrupted. */
static void spin(guest_inst *gi) {
    uint64_t us = gi->g->slice_us ? gi->g->slice_us : 2000;
    uint64_t end = now_ns() + us * 1000;
    while (now_ns() < end && !atomic_load(&gi->irq)) {
    }
}

typedef enum { STEP_MORE, STEP_WAIT, STEP_DONE, STEP_TRAP, STEP_EXIT } step;

/* The body byte at offset i for pattern checks. */
static uint8_t pat_byte(size_t i) { return (uint8_t)(i * 31u + (i >> 13) + 7u); }

static step task_wait(gtask *k) {
    pthread_mutex_lock(&T_mu);
    k->t->waits++;
    if (!k->t->wait_seq) k->t->wait_seq = ++T_seq;
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    return STEP_WAIT;
}

static step task_finish(guest_inst *gi, gtask *k) {
    treq *t = k->t;
    pthread_mutex_lock(&T_mu);
    t->done_seq = ++T_seq;
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    hive_req *req = k->req;
    task_unlink(gi, k);
    hv_handler_req_task_done(req);
    return STEP_DONE;
}

static step task_step(guest_inst *gi, gtask *k) {
    treq *t = k->t;
    for (;;) {
        switch (k->stage) {
        case 0: /* the gate, then the sleep */
            if (t->gate && !atomic_load(&t->gate_open)) return task_wait(k);
            if (t->sleep_ms) {
                if (!k->wake_at) k->wake_at = now_ns() + (uint64_t)t->sleep_ms * MS;
                if (now_ns() < k->wake_at) {
                    hv_handler_wake_at(gi->w, k->wake_at); /* (again, if woken early) */
                    return task_wait(k);
                }
            }
            k->stage = 1;
            k->n = 0;
            break;
        case 1: /* compute */
            if (t->slices < 0 || k->n < t->slices) {
                if (t->stubborn_ms && k->n == 0) { /* like a long host call */
                    uint64_t end = now_ns() + (uint64_t)t->stubborn_ms * MS;
                    while (now_ns() < end) {
                    }
                }
                spin(gi);
                k->n++;
                pthread_mutex_lock(&T_mu);
                t->ran++;
                pthread_cond_broadcast(&T_cv);
                pthread_mutex_unlock(&T_mu);
                return STEP_MORE;
            }
            k->stage = 2;
            break;
        case 2: /* trap, read the body, respond */
            if (t->trap) {
                snprintf(gi->err, sizeof gi->err, "scripted trap in worker %llu",
                         (unsigned long long)gi->wid);
                return STEP_TRAP;
            }
            if (t->echo) {
                size_t got = 0;
                for (;;) {
                    uint8_t buf[64];
                    if (t->read_slice && got >= (size_t)t->read_slice) return STEP_MORE;
                    int64_t n = hv_handler_req_read_body(k->req, buf, sizeof buf);
                    if (n < 0) {
                        pthread_mutex_lock(&T_mu);
                        t->read_waits++;
                        pthread_mutex_unlock(&T_mu);
                        return task_wait(k);
                    }
                    if (n == 0) break;
                    got += (size_t)n;
                    int badp = 0;
                    if (t->pattern)
                        for (int64_t i = 0; i < n; i++)
                            if (buf[i] != pat_byte(t->in_total + (size_t)i)) badp = 1;
                    if (badp) {
                        pthread_mutex_lock(&T_mu);
                        t->pattern_bad++;
                        pthread_mutex_unlock(&T_mu);
                    }
                    size_t room = sizeof k->in - k->in_len;
                    size_t take = (size_t)n < room ? (size_t)n : room;
                    memcpy(k->in + k->in_len, buf, take);
                    k->in_len += take;
                    pthread_mutex_lock(&T_mu);
                    t->in_total += (size_t)n;
                    pthread_cond_broadcast(&T_cv);
                    pthread_mutex_unlock(&T_mu);
                }
            }
            if (t->no_response) return task_finish(gi, k);
            if (hv_handler_req_head(k->req, t->status ? t->status : 200, NULL, 0, -1) != 0) {
                pthread_mutex_lock(&T_mu);
                t->head_refused++;
                pthread_mutex_unlock(&T_mu);
                return task_finish(gi, k);
            }
            k->stage = 3;
            k->chunk = 0;
            break;
        case 3: /* the body */
            if (t->echo) {
                int rc = hv_handler_req_body(k->req, k->in, k->in_len);
                if (rc < 0) return task_finish(gi, k);
                k->stage = 4;
                k->n = 0;
                if (!t->no_end) hv_handler_req_end(k->req);
                break;
            }
            {
                int nchunks = t->nchunks ? t->nchunks : 1;
                const char *body = t->body ? t->body : "ok";
                if (k->chunk < nchunks) {
                    if (!hv_handler_req_output_ready(k->req)) {
                        pthread_mutex_lock(&T_mu);
                        t->out_waits++;
                        pthread_mutex_unlock(&T_mu);
                        return task_wait(k);
                    }
                    if (t->chunk_slices) spin(gi);
                    int rc = hv_handler_req_body(k->req, (const uint8_t *)body, strlen(body));
                    k->chunk++;
                    if (rc < 0) return task_finish(gi, k);
                    if (rc == 1) {
                        pthread_mutex_lock(&T_mu);
                        t->bp_seen++;
                        pthread_mutex_unlock(&T_mu);
                    }
                    if (t->chunk_slices && k->chunk < nchunks) return STEP_MORE;
                    break;
                }
            }
            if (!t->no_end) hv_handler_req_end(k->req);
            k->stage = 4;
            k->n = 0;
            break;
        case 4: /* post-return */
            if (t->post_slices < 0 || k->n < t->post_slices) {
                spin(gi);
                k->n++;
                pthread_mutex_lock(&T_mu);
                t->ran++;
                pthread_cond_broadcast(&T_cv);
                pthread_mutex_unlock(&T_mu);
                return STEP_MORE;
            }
            k->stage = 5;
            break;
        default: /* done */
            if (t->exit_after == 2) {
                task_finish(gi, k);
                return STEP_EXIT;
            }
            if (t->exit_after || t->forget_done) {
                pthread_mutex_lock(&T_mu);
                t->done_seq = ++T_seq;
                pthread_cond_broadcast(&T_cv);
                pthread_mutex_unlock(&T_mu);
                task_unlink(gi, k);
                return t->exit_after ? STEP_EXIT : STEP_DONE;
            }
            return task_finish(gi, k);
        }
    }
}

static guest_run g_run(guest_inst *gi, uint64_t budget) {
    (void)budget;
    gi_enter(gi);
    bool more = false, wait = false, exit_ = false, trap = false;
    for (int i = 0; i < MAXTASK && !trap; i++) {
        gtask *k = &gi->tasks[i];
        if (!k->active) continue;
        if (atomic_load(&gi->irq)) {
            more = true;
            break;
        }
        switch (task_step(gi, k)) {
        case STEP_MORE: more = true; break;
        case STEP_WAIT: wait = true; break;
        case STEP_DONE: break;
        case STEP_TRAP: trap = true; break;
        case STEP_EXIT: exit_ = true; break;
        }
    }
    atomic_store(&gi->irq, 0);
    guest_run res = trap ? GUEST_RUN_TRAP
                    : exit_ ? GUEST_RUN_EXIT
                    : more  ? GUEST_RUN_MORE
                    : wait  ? GUEST_RUN_WAIT
                            : GUEST_RUN_IDLE;
    gi_leave(gi);
    return res;
}

static void g_interrupt(guest_inst *gi) { atomic_store(&gi->irq, 1); }

static int g_cancel(guest_inst *gi, hive_req *req) {
    gi_enter(gi);
    int rc = -1;
    for (int i = 0; i < MAXTASK; i++) {
        gtask *k = &gi->tasks[i];
        if (!k->active || k->req != req) continue;
        pthread_mutex_lock(&T_mu);
        k->t->guest_cancelled++;
        gi->g->ncancel++;
        pthread_cond_broadcast(&T_cv);
        pthread_mutex_unlock(&T_mu);
        if (gi->g->cancel_alone) {
            task_unlink(gi, k);
            rc = 0;
        }
        break;
    }
    gi_leave(gi);
    return rc;
}

static const char *g_error(guest_inst *gi) { return gi->err[0] ? gi->err : NULL; }

static void g_free(guest_inst *gi) {
    if (atomic_load(&gi->busy) != 0) {
        pthread_mutex_lock(&T_mu);
        gi->g->overlap++;
        pthread_mutex_unlock(&T_mu);
    }
    pthread_mutex_lock(&gi->g->mu);
    for (int i = 0; i < MAXTASK; i++)
        if (gi->tasks[i].active && gi->tasks[i].t->gi == gi) gi->tasks[i].t->gi = NULL;
    pthread_mutex_unlock(&gi->g->mu);
    pthread_mutex_lock(&T_mu);
    gi->g->nfree++;
    pthread_cond_broadcast(&T_cv);
    pthread_mutex_unlock(&T_mu);
    free(gi);
}

static void g_free_guest(hive_guest *guest) { (void)guest; }

static void sg_init(sguest *g, size_t max_concurrent, int cancel_alone) {
    memset(g, 0, sizeof *g);
    g->ops = (guest_ops){
        .name = "scripted",
        .max_concurrent = max_concurrent,
        .max_total = 0,
        .instantiate = g_instantiate,
        .start = g_start,
        .run = g_run,
        .interrupt = g_interrupt,
        .cancel = g_cancel,
        .error = g_error,
        .free = g_free,
        .free_guest = g_free_guest,
    };
    g->base.ops = &g->ops;
    g->cancel_alone = cancel_alone;
    pthread_mutex_init(&g->mu, NULL);
}

/* Opens a request's gate and wakes its worker. */
static void gate_open(sguest *g, treq *t) {
    atomic_store(&t->gate_open, 1);
    pthread_mutex_lock(&g->mu);
    if (t->gi) hv_handler_wake(t->gi->w);
    pthread_mutex_unlock(&g->mu);
}

/* ---- handler set-up and teardown ------------------------------------------ */

static hive_handler *mk_handler(sguest *g, tpol *p, hive_handler_config cfg) {
    hive_policy pol = {
        .user = p,
        .instantiate = p_instantiate,
        .should_accept_request = p_accept,
        .on_request_start = p_start,
        .worker_expiration = p_expiration,
        .drop = p_drop,
        .request_fuel = p_fuel,
    };
    if (!cfg.threads) cfg.threads = 4;
    hive_handler *h = NULL;
    hive_error err;
    memset(&err, 0, sizeof err);
    int rc = hive_handler_new(&g->base, &pol, &cfg, &h, &err);
    CHECK_EQ_INT(rc, HIVE_OK);
    if (!h) abort();
    return h;
}

/* Ends the handler (unless already freed: h NULL) and checks what must
 * hold after any test: drop exactly once per worker started, every store
 * and instance freed, the instance never on two threads, no sink call
 * out of order, every request answered once (or cancelled). */
static void finish_test(hive_handler *h, sguest *g, tpol *p, uint64_t grace_ms,
                        uint64_t workers_started) {
    if (h) {
        hive_handler_stats st;
        hive_handler_stats_get(h, &st);
        workers_started = st.workers_started;
        hive_handler_free(h, grace_ms * MS);
    }
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(p->ndrops, workers_started);
    for (uint64_t w = 1; w <= workers_started && w < MAXW; w++) {
        if (p->drop_count[w] != 1) fprintf(stderr, "  worker %llu dropped %d times\n",
                                           (unsigned long long)w, p->drop_count[w]);
        CHECK_EQ_INT(p->drop_count[w], 1);
    }
    CHECK_EQ_INT(p->nstores, p->nstores_freed);
    CHECK_EQ_INT(p->bad_store, 0);
    CHECK_EQ_INT(g->nmade, g->nfree);
    CHECK_EQ_INT(g->overlap, 0);
    for (int i = 0; i < g_ntreqs; i++) {
        treq *t = g_treqs[i];
        CHECK_EQ_INT(t->bad, 0);
        if (!t->cancel_done) CHECK_EQ_INT(t->ends + t->errors, 1);
    }
    treq *all[1024];
    int n = g_ntreqs;
    memcpy(all, g_treqs, (size_t)n * sizeof all[0]);
    g_ntreqs = 0;
    pthread_mutex_unlock(&T_mu);
    for (int i = 0; i < n; i++) {
        hive_req_release(all[i]->req);
        free(all[i]);
    }
    pthread_mutex_destroy(&g->mu);
}

static hive_handler_stats stats(hive_handler *h) {
    hive_handler_stats st;
    hive_handler_stats_get(h, &st);
    return st;
}

/* A request answered with 200 (or status) and body. */
static int ok_with(treq *t, int status, const char *body) {
    return t->ends == 1 && t->errors == 0 && t->heads == 1 && t->status_got == status &&
           t->out_len == strlen(body) && memcmp(t->out, body, t->out_len) == 0;
}

#define DONE(t) ((t)->finished)

/* ---- tests ----------------------------------------------------------------- */

/* No worker: a new one starts with the request; the response comes through
 * the sink; an idle worker takes the next request. */
static void test_basic_response(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new();
    a->slices = 3;
    a->status = 201;
    a->body = "hello";
    a->nchunks = 2;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    CHECK(LOCKED(ok_with(a, 201, "hellohello")));
    CHECK_EQ_INT(LOCKED(a->wid), 1);
    CHECK_EQ_INT(LOCKED(a->pol_calls), 1);
    CHECK_EQ_INT(LOCKED(a->pol_wid), 1);
    CHECK(LOCKED(a->pol_task) != 0 && LOCKED(a->pol_task) == LOCKED(a->task_id));
    CHECK_EQ_INT(LOCKED(a->ran), 3);
    CHECK(WAIT_UNTIL(worker_idle(&p, 1), 3000));

    treq *b = tr_new();
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    CHECK_EQ_INT(LOCKED(b->wid), 1); /* the idle worker took it */
    CHECK(LOCKED(b->task_id) != LOCKED(a->task_id));
    CHECK(LOCKED(acc_count(&p, 1, 0, 1, HIVE_ACCEPT_YES)) >= 1);

    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.workers_started, 1);
    CHECK_EQ_INT(st.workers_live, 1);
    CHECK_EQ_INT(st.requests_started, 2);
    CHECK_EQ_INT(st.queued, 0);
    finish_test(h, &g, &p, 1000, 0);
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_SHUTDOWN && d->ok == 1 && d->total_requests == 2);
    pthread_mutex_unlock(&T_mu);
}

/* NO: requests queue when the pool is full; a worker that can take them
 * again (its response done) gets them; the counts passed are right. */
static void test_accept_no_queues(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 8, 1);
    p.max_conc = 1;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 2});

    treq *a = tr_new(), *b = tr_new(), *c = tr_new();
    a->gate = b->gate = 1;
    tr_send(h, a);
    tr_send(h, b);
    tr_send(h, c);
    /* Both workers are asked once blocked with one request each: NO. */
    CHECK(WAIT_UNTIL(a->waits && b->waits, 3000));
    CHECK(WAIT_UNTIL(acc_count(&p, 1, 1, 1, HIVE_ACCEPT_NO) && acc_count(&p, 2, 1, 1, HIVE_ACCEPT_NO),
                     3000));
    CHECK(LOCKED(a->wid) != LOCKED(b->wid));
    CHECK_EQ_INT(stats(h).queued, 1);
    CHECK_EQ_INT(LOCKED(c->started), 0);

    uint64_t wa = LOCKED(a->wid);
    gate_open(&g, a);
    CHECK(WAIT_UNTIL(DONE(a) && DONE(c), 3000));
    CHECK(LOCKED(ok_with(a, 200, "ok")));
    CHECK(LOCKED(ok_with(c, 200, "ok")));
    CHECK_EQ_INT(LOCKED(c->wid), wa);
    CHECK(LOCKED(acc_count(&p, wa, 0, 1, HIVE_ACCEPT_YES)) >= 1);
    CHECK_EQ_INT(stats(h).queued, 0);
    CHECK_EQ_INT(LOCKED(b->finished), 0);
    gate_open(&g, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    /* No policy call reported counts beyond what the worker held. */
    pthread_mutex_lock(&T_mu);
    for (int i = 0; i < p.nacc; i++) CHECK(p.acc[i].conc <= 1 && p.acc[i].total <= 2);
    pthread_mutex_unlock(&T_mu);
    CHECK_EQ_INT(stats(h).workers_started, 2);
    finish_test(h, &g, &p, 1000, 0);
}

/* NEVER retires the worker once its work is done (drop OK), and a fresh
 * worker starts for the request waiting meanwhile. */
static void test_never_retires(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.max_total = 1;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 1});

    treq *a = tr_new(), *b = tr_new();
    a->gate = 1;
    tr_send(h, a);
    tr_send(h, b);
    CHECK(WAIT_UNTIL(a->waits, 3000));
    CHECK_EQ_INT(stats(h).queued, 1);
    gate_open(&g, a);
    CHECK(WAIT_UNTIL(DONE(a) && DONE(b), 3000));
    CHECK(LOCKED(ok_with(a, 200, "ok")));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    CHECK_EQ_INT(LOCKED(a->wid), 1);
    CHECK_EQ_INT(LOCKED(b->wid), 2);
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1 && p.drop_count[2] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    CHECK(acc_count(&p, 1, 0, 1, HIVE_ACCEPT_NEVER) >= 1);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_OK && d->ok == 1 && d->total_requests == 1);
    d = drop_of(&p, 2);
    CHECK(d && d->end == HIVE_WORKER_END_OK && d->ok == 1 && d->total_requests == 1);
    CHECK(p.drop_at[1] <= b->t_start); /* the fresh worker came after */
    pthread_mutex_unlock(&T_mu);
    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.workers_live, 0);
    CHECK_EQ_INT(st.workers_ended[HIVE_WORKER_END_OK], 2);
    finish_test(h, &g, &p, 1000, 0);
}

/* YES with requests in flight counts only once the worker has blocked:
 * a CPU-bound request keeps the next one off its instance. */
static void test_busy_worker_not_piled(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 8, 1);
    p.max_conc = 8;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 1, .threads = 2});

    /* CPU-bound from the start. */
    treq *a = tr_new(), *b = tr_new();
    a->slices = 15;
    tr_send(h, a);
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(a) && DONE(b), 3000));
    CHECK(LOCKED(b->start_seq > a->done_seq));

    /* Blocked once, then CPU-bound: the earlier block does not count. */
    treq *c = tr_new(), *d = tr_new();
    c->gate = 1;
    c->slices = 15;
    tr_send(h, c);
    CHECK(WAIT_UNTIL(c->waits, 3000));
    gate_open(&g, c);
    CHECK(WAIT_UNTIL(c->ran >= 2, 3000));
    tr_send(h, d);
    CHECK(WAIT_UNTIL(DONE(c) && DONE(d), 3000));
    CHECK(LOCKED(d->start_seq > c->done_seq));

    /* Blocked: the next request joins the worker while the first waits. */
    treq *e = tr_new(), *f = tr_new();
    e->gate = 1;
    tr_send(h, e);
    tr_send(h, f);
    CHECK(WAIT_UNTIL(DONE(f), 3000));
    CHECK(LOCKED(ok_with(f, 200, "ok")));
    CHECK_EQ_INT(LOCKED(f->wid), LOCKED(e->wid));
    CHECK(LOCKED(f->start_seq > e->wait_seq));
    CHECK_EQ_INT(LOCKED(e->finished), 0);
    CHECK(LOCKED(acc_count(&p, e->wid, 1, 5, HIVE_ACCEPT_YES)) >= 1);
    gate_open(&g, e);
    CHECK(WAIT_UNTIL(DONE(e), 3000));
    CHECK(LOCKED(ok_with(e, 200, "ok")));
    CHECK_EQ_INT(stats(h).workers_started, 1);
    finish_test(h, &g, &p, 1000, 0);
}

/* A request's deadline: a compute-forever request fails EXPIRED close to
 * it, a fast request elsewhere is unaffected, and the expired worker
 * stops accepting and, once drained, exits. */
static void test_deadline_expires(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    g.slice_us = 200000; /* long slices: the deadline must interrupt one */
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.threads = 2});

    treq *a = tr_new(), *b = tr_new(), *c = tr_new();
    a->slices = -1;
    a->deadline_ms = 300;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(a->started, 3000));
    b->slices = 2;
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(a) && DONE(b), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK(ok_with(b, 200, "ok"));
    CHECK(b->wid != a->wid);
    CHECK_EQ_INT(a->errors, 1);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_EXPIRED);
    CHECK(a->t_err >= a->t_start + 300 * MS);
    CHECK(a->t_err < a->t_start + 400 * MS); /* interrupted mid-slice */
    uint64_t wa = a->wid;
    pthread_mutex_unlock(&T_mu);
    CHECK(WAIT_UNTIL(a->guest_cancelled, 3000));

    /* Stops accepting: the next request goes elsewhere. */
    tr_send(h, c);
    CHECK(WAIT_UNTIL(DONE(c), 3000));
    CHECK(LOCKED(ok_with(c, 200, "ok")));
    CHECK(LOCKED(c->wid) != wa);
    /* Drained: it exits cleanly (its request was dropped alone). */
    CHECK(WAIT_UNTIL(p.drop_count[wa] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, wa);
    CHECK(d && d->end == HIVE_WORKER_END_OK && d->ok == 1);
    pthread_mutex_unlock(&T_mu);
    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.requests_failed[HIVE_HANDLE_EXPIRED], 1);
    finish_test(h, &g, &p, 1000, 0);
}

/* A guest that cannot drop one request alone: the worker ends EXPIRED,
 * taking its other request with it; the next request gets a new worker. */
static void test_deadline_cannot_cancel(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 8, 0);
    p.max_conc = 8;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 1});

    treq *a = tr_new(), *b = tr_new(), *c = tr_new();
    a->gate = 1;
    a->deadline_ms = 250;
    b->gate = 1;
    tr_send(h, a);
    tr_send(h, b);
    CHECK(WAIT_UNTIL(b->started, 3000));
    CHECK_EQ_INT(LOCKED(b->wid), LOCKED(a->wid));
    CHECK(WAIT_UNTIL(DONE(a) && DONE(b), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_EXPIRED);
    CHECK(a->t_err >= a->t_start + 250 * MS && a->t_err < a->t_start + 1250 * MS);
    CHECK_EQ_INT(b->errors, 1);
    pthread_mutex_unlock(&T_mu);
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_EXPIRED && d->ok == 0);
    pthread_mutex_unlock(&T_mu);
    tr_send(h, c);
    CHECK(WAIT_UNTIL(DONE(c), 3000));
    CHECK(LOCKED(ok_with(c, 200, "ok")));
    CHECK_EQ_INT(LOCKED(c->wid), 2);
    finish_test(h, &g, &p, 1000, 0);
}

/* Index of the first expiration record of wid with status st at or after
 * index from; -1 if none. */
static int exp_find(tpol *p, uint64_t wid, hive_worker_status st, int from) {
    for (int i = from < 0 ? 0 : from; i < p->nexp; i++)
        if (p->exp[i].wid == wid && p->exp[i].st == st) return i;
    return -1;
}

/* worker_expiration while IDLE: a clean exit; the statuses come in order
 * with plausible starts. */
static void test_expiration_idle(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.idle_ms = 150;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new();
    a->slices = 2;
    a->post_slices = 3;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    CHECK(LOCKED(ok_with(a, 200, "ok")));
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_IDLE_TIMEOUT && d->ok == 1 && d->total_requests == 1);
    int ir = exp_find(&p, 1, HIVE_WORKER_REQUESTS, 0);
    int ip = exp_find(&p, 1, HIVE_WORKER_POST_RETURN, ir);
    int ii = exp_find(&p, 1, HIVE_WORKER_IDLE, ip);
    CHECK(ir >= 0 && ip > ir && ii > ip);
    if (ir >= 0 && ip > ir && ii > ip) {
        CHECK(p.exp[ir].start >= a->t_handle && p.exp[ir].start <= a->t_start);
        CHECK(p.exp[ip].start >= a->t_start && p.exp[ip].start <= a->t_head);
        CHECK(p.exp[ii].start >= p.exp[ip].start + 3 * 2 * MS); /* after the post-return slices */
        CHECK(p.drop_at[1] >= p.exp[ii].start + 150 * MS);
    }
    for (int i = 0; i < p.nexp; i++) CHECK(p.exp[i].start <= p.exp[i].at);
    pthread_mutex_unlock(&T_mu);
    finish_test(h, &g, &p, 1000, 0);
}

/* worker_expiration while REQUESTS: the request fails EXPIRED, drop EXPIRED. */
static void test_expiration_requests(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.req_ms = 200;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new();
    a->slices = -1;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_EXPIRED);
    CHECK(a->t_err >= a->t_handle + 200 * MS && a->t_err < a->t_handle + 1200 * MS);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_EXPIRED && d->ok == 0);
    int ir = exp_find(&p, 1, HIVE_WORKER_REQUESTS, 0);
    CHECK(ir >= 0);
    if (ir >= 0) CHECK(p.exp[ir].start >= a->t_handle && p.exp[ir].start <= a->t_start);
    pthread_mutex_unlock(&T_mu);
    finish_test(h, &g, &p, 1000, 0);
}

/* worker_expiration while POST_RETURN: the response stands, drop EXPIRED. */
static void test_expiration_post_return(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.post_ms = 200;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new();
    a->slices = 1;
    a->post_slices = -1;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    CHECK(LOCKED(ok_with(a, 200, "ok")));
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_EXPIRED && d->ok == 0);
    int ip = exp_find(&p, 1, HIVE_WORKER_POST_RETURN, 0);
    CHECK(ip >= 0);
    if (ip >= 0) {
        CHECK(p.exp[ip].start >= a->t_start && p.exp[ip].start <= a->t_head);
        CHECK(p.drop_at[1] >= p.exp[ip].start + 200 * MS);
        CHECK(p.drop_at[1] < p.exp[ip].start + 1200 * MS);
    }
    CHECK_EQ_INT(a->errors, 0);
    pthread_mutex_unlock(&T_mu);
    finish_test(h, &g, &p, 1000, 0);
}

/* A trap ends its worker: both of its requests fail TRAPPED with the
 * reason, drop gets the trap, another worker's request goes on, and the
 * next request works. */
static void test_trap(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 8, 1);
    p.max_conc = 8;
    p.conc_for[1] = 1; /* worker 1 takes one at a time */
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 2});

    treq *other = tr_new(), *a = tr_new(), *b = tr_new(), *c = tr_new();
    other->gate = 1;
    tr_send(h, other);
    CHECK(WAIT_UNTIL(other->waits, 3000));
    a->gate = 1;
    b->slices = 5;
    b->trap = 1;
    tr_send(h, a);
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(a) && DONE(b), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->wid, 2);
    CHECK_EQ_INT(b->wid, 2);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_TRAPPED);
    CHECK_EQ_INT(b->err, HIVE_HANDLE_TRAPPED);
    CHECK(strstr(b->msg, "scripted trap") != NULL);
    CHECK_EQ_INT(other->finished, 0);
    pthread_mutex_unlock(&T_mu);
    CHECK(WAIT_UNTIL(p.drop_count[2] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 2);
    CHECK(d && d->end == HIVE_WORKER_END_TRAP && d->ok == 0 && strstr(d->message, "scripted trap"));
    CHECK_EQ_INT(p.drop_count[1], 0);
    pthread_mutex_unlock(&T_mu);

    gate_open(&g, other);
    CHECK(WAIT_UNTIL(DONE(other), 3000));
    CHECK(LOCKED(ok_with(other, 200, "ok")));
    tr_send(h, c);
    CHECK(WAIT_UNTIL(DONE(c), 3000));
    CHECK(LOCKED(ok_with(c, 200, "ok")));
    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.requests_failed[HIVE_HANDLE_TRAPPED], 2);
    CHECK_EQ_INT(st.workers_ended[HIVE_WORKER_END_TRAP], 1);
    finish_test(h, &g, &p, 1000, 0);
}

/* Instantiation failure with a request: it fails INSTANTIATE and drop is
 * called once; both the policy's and the guest kind's failures. */
static void test_instantiate_fail(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.fail_inst[0] = 1; /* the policy fails worker 1 */
    g.fail_inst[0] = 1; /* the guest kind fails its first (worker 2) */
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new(), *b = tr_new(), *c = tr_new();
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    tr_send(h, c);
    CHECK(WAIT_UNTIL(DONE(c), 3000));
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1 && p.drop_count[2] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_INSTANTIATE);
    CHECK(strstr(a->msg, "scripted instantiation failure") != NULL);
    CHECK_EQ_INT(b->err, HIVE_HANDLE_INSTANTIATE);
    CHECK(strstr(b->msg, "scripted guest start failure") != NULL);
    CHECK(ok_with(c, 200, "ok"));
    CHECK_EQ_INT(c->wid, 3);
    CHECK_EQ_INT(a->started + b->started, 0);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_INSTANTIATE && d->ok == 0);
    d = drop_of(&p, 2);
    CHECK(d && d->end == HIVE_WORKER_END_INSTANTIATE && d->ok == 0);
    CHECK_EQ_INT(p.nstores_freed, 1); /* worker 2's store, freed by drop */
    pthread_mutex_unlock(&T_mu);
    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.requests_failed[HIVE_HANDLE_INSTANTIATE], 2);
    CHECK_EQ_INT(st.workers_ended[HIVE_WORKER_END_INSTANTIATE], 2);
    finish_test(h, &g, &p, 1000, 0);
}

/* A worker started for the queue fails to instantiate: the queued
 * requests fail INSTANTIATE rather than wait forever. */
static void test_instantiate_fail_from_queue(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.max_total = 1;
    p.fail_inst[0] = 2;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 1});

    treq *a = tr_new(), *b = tr_new(), *c = tr_new(), *e = tr_new();
    a->gate = 1;
    tr_send(h, a);
    tr_send(h, b);
    tr_send(h, c);
    CHECK(WAIT_UNTIL(a->waits, 3000));
    CHECK_EQ_INT(stats(h).queued, 2);
    gate_open(&g, a);
    CHECK(WAIT_UNTIL(DONE(a) && DONE(b) && DONE(c), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK(ok_with(a, 200, "ok"));
    CHECK_EQ_INT(b->err, HIVE_HANDLE_INSTANTIATE);
    CHECK_EQ_INT(c->err, HIVE_HANDLE_INSTANTIATE);
    pthread_mutex_unlock(&T_mu);
    CHECK(WAIT_UNTIL(p.drop_count[2] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 2);
    CHECK(d && d->end == HIVE_WORKER_END_INSTANTIATE);
    pthread_mutex_unlock(&T_mu);
    CHECK_EQ_INT(stats(h).queued, 0);
    tr_send(h, e);
    CHECK(WAIT_UNTIL(DONE(e), 3000));
    CHECK(LOCKED(ok_with(e, 200, "ok")));
    finish_test(h, &g, &p, 1000, 0);
}

/* The queue's bounds: QUEUE_FULL at once beyond max_queued, QUEUE_TIMEOUT
 * after queue_timeout. */
static void test_queue_bounds(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){
        .max_workers = 1, .max_queued = 2, .queue_timeout_ns = 200 * MS});

    treq *a = tr_new(), *b = tr_new(), *c = tr_new(), *d = tr_new();
    a->gate = 1;
    tr_send(h, a);
    tr_send(h, b);
    tr_send(h, c);
    tr_send(h, d);
    CHECK(WAIT_UNTIL(DONE(d), 1000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(d->err, HIVE_HANDLE_QUEUE_FULL);
    CHECK(d->t_err < d->t_handle + 100 * MS);
    CHECK(!pthread_equal(d->err_thread, pthread_self())); /* on a handler thread */
    CHECK_EQ_INT(b->finished + c->finished, 0);
    pthread_mutex_unlock(&T_mu);
    CHECK(WAIT_UNTIL(DONE(b) && DONE(c), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(b->err, HIVE_HANDLE_QUEUE_TIMEOUT);
    CHECK_EQ_INT(c->err, HIVE_HANDLE_QUEUE_TIMEOUT);
    CHECK(b->t_err >= b->t_handle + 200 * MS && b->t_err < b->t_handle + 1200 * MS);
    CHECK_EQ_INT(b->started + c->started, 0);
    CHECK_EQ_INT(a->finished, 0);
    pthread_mutex_unlock(&T_mu);
    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.queued, 0);
    CHECK_EQ_INT(st.requests_failed[HIVE_HANDLE_QUEUE_FULL], 1);
    CHECK_EQ_INT(st.requests_failed[HIVE_HANDLE_QUEUE_TIMEOUT], 2);
    gate_open(&g, a);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    CHECK(LOCKED(ok_with(a, 200, "ok")));
    finish_test(h, &g, &p, 1000, 0);
}

/* Cancelling: a queued request never runs; a running one gets no sink
 * call after cancel returns and its worker (able to drop it alone) serves
 * the next; also in the middle of a streamed body. */
static void test_cancel_alone(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 1, .threads = 2});

    treq *a = tr_new(), *q = tr_new(), *b = tr_new(), *s = tr_new();
    a->slices = -1;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(a->ran >= 2, 3000));
    tr_send(h, q);
    CHECK_EQ_INT(stats(h).queued, 1);
    tr_cancel(q);
    CHECK_EQ_INT(stats(h).queued, 0);

    tr_cancel(a);
    CHECK(WAIT_UNTIL(a->guest_cancelled, 3000));
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    CHECK_EQ_INT(LOCKED(b->wid), LOCKED(a->wid)); /* the worker survived */
    CHECK_EQ_INT(LOCKED(p.drop_count[1]), 0);

    s->nchunks = 1000;
    s->chunk_slices = 1;
    s->body = "x";
    tr_send(h, s);
    CHECK(WAIT_UNTIL(s->bodies >= 2, 3000));
    tr_cancel(s);
    /* The guest drops it when told (cancel), or first sees -1 from
     * hv_handler_req_body and ends the task itself. */
    CHECK(WAIT_UNTIL(s->guest_cancelled || s->done_seq, 3000));
    /* A chunk after the cancel would be caught by the sink (cancel_done). */
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->heads + a->errors + a->ends, 0);
    CHECK_EQ_INT(s->ends + s->errors, 0);
    CHECK_EQ_INT(q->started + q->heads + q->errors, 0);
    pthread_mutex_unlock(&T_mu);
    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.requests_failed[HIVE_HANDLE_CANCELLED], 3);
    CHECK_EQ_INT(st.workers_started, 1);
    /* Cancelling a finished request changes nothing. */
    tr_cancel(b);
    CHECK_EQ_INT(stats(h).requests_failed[HIVE_HANDLE_CANCELLED], 3);
    finish_test(h, &g, &p, 1000, 0); /* also: q never started (checked above) */
}

/* Cancelling a request the guest cannot drop alone ends the worker (once);
 * the next request gets a new one. */
static void test_cancel_not_alone(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 8, 0);
    p.max_conc = 8;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 1});

    treq *a = tr_new(), *b = tr_new();
    a->slices = -1;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(a->ran >= 1, 3000));
    tr_cancel(a);
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 1);
    /* Killed to drop the cancelled request: reported as such, not ok
     * (nothing else was lost with it). */
    CHECK(d && d->end == HIVE_WORKER_END_CANCELLED && d->ok == 0);
    CHECK_EQ_INT(a->heads + a->errors + a->ends, 0);
    pthread_mutex_unlock(&T_mu);
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    CHECK_EQ_INT(LOCKED(b->wid), 2);
    CHECK(WAIT_UNTIL(worker_idle(&p, 2), 3000));

    /* With another request on the instance, that one is lost too: it
     * fails, and the worker's end is an error. */
    treq *c = tr_new(), *c2 = tr_new(), *e = tr_new();
    c->gate = c2->gate = 1;
    tr_send(h, c);
    CHECK(WAIT_UNTIL(c->waits, 3000));
    tr_send(h, c2);
    CHECK(WAIT_UNTIL(c2->waits, 3000));
    CHECK_EQ_INT(LOCKED(c2->wid), 2);
    tr_cancel(c);
    CHECK(WAIT_UNTIL(DONE(c2) && p.drop_count[2] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(c2->err, HIVE_HANDLE_FAILED);
    CHECK_EQ_INT(c->heads + c->errors + c->ends, 0);
    const hive_worker_result *dr = drop_of(&p, 2);
    CHECK(dr && dr->end == HIVE_WORKER_END_FAILED && dr->ok == 0);
    pthread_mutex_unlock(&T_mu);
    tr_send(h, e);
    CHECK(WAIT_UNTIL(DONE(e), 3000));
    CHECK(LOCKED(ok_with(e, 200, "ok")));
    CHECK_EQ_INT(LOCKED(e->wid), 3);
    finish_test(h, &g, &p, 1000, 0);
}

/* The request body arrives in pieces after handle(); the guest waits (-1)
 * and is woken. */
static void test_body_streaming(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new();
    a->echo = 1;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(a->read_waits >= 1, 3000));
    CHECK_EQ_INT(hive_req_body_write(a->req, (const uint8_t *)"abc", 3), 0);
    CHECK(WAIT_UNTIL(a->in_total == 3 && a->read_waits >= 2, 3000));
    CHECK_EQ_INT(hive_req_body_write(a->req, (const uint8_t *)"defg", 4), 0);
    hive_req_body_end(a->req);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    CHECK(LOCKED(ok_with(a, 200, "abcdefg")));
    CHECK(hive_req_body_write(a->req, (const uint8_t *)"x", 1) < 0); /* after the end */

    /* The whole body before the guest asks for it. */
    treq *b = tr_new();
    b->echo = 1;
    b->gate = 1;
    tr_send(h, b);
    CHECK_EQ_INT(hive_req_body_write(b->req, (const uint8_t *)"xyz", 3), 0);
    hive_req_body_end(b->req);
    gate_open(&g, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK(LOCKED(ok_with(b, 200, "xyz")));
    finish_test(h, &g, &p, 1000, 0);
}

/* Output backpressure: on_body returning 1 makes hv_handler_req_body return
 * 1, the guest waits, hive_req_output_ready wakes it. */
static void test_output_backpressure(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new();
    a->nchunks = 3;
    a->body = "xy";
    a->full = 1;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(a->bodies == 1 && a->out_waits >= 1, 3000));
    CHECK_EQ_INT(LOCKED(a->bp_seen), 1);
    CHECK_EQ_INT(LOCKED(a->bodies), 1);
    hive_req_output_ready(a->req);
    CHECK(WAIT_UNTIL(a->bodies == 2 && a->out_waits >= 2, 3000));
    CHECK_EQ_INT(LOCKED(a->bp_seen), 2);
    hive_req_output_ready(a->req);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    CHECK(LOCKED(ok_with(a, 200, "xyxyxy")));
    CHECK_EQ_INT(LOCKED(a->bp_seen), 3);
    finish_test(h, &g, &p, 1000, 0);
}

/* A guest sleeping (hv_handler_wake_at) holds no thread and is woken on
 * time: with one thread, a request on another worker is served meanwhile. */
static void test_wake_at(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.threads = 1});

    treq *a = tr_new(), *b = tr_new();
    a->sleep_ms = 150;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(a->waits, 3000));
    b->slices = 2;
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(a) && DONE(b), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK(ok_with(a, 200, "ok"));
    CHECK(ok_with(b, 200, "ok"));
    CHECK(b->wid != a->wid);
    CHECK(b->t_end < a->t_end);
    CHECK(a->t_end >= a->t_start + 150 * MS && a->t_end < a->t_start + 1150 * MS);
    pthread_mutex_unlock(&T_mu);
    finish_test(h, &g, &p, 1000, 0);
}

/* GUEST_RUN_EXIT after responding retires the worker cleanly; a task that
 * ends without a response fails NO_RESPONSE and its worker lives on. */
static void test_exit_and_no_response(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new(), *b = tr_new(), *c = tr_new(), *e = tr_new();
    a->exit_after = 1;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a) && p.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    CHECK(ok_with(a, 200, "ok"));
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_OK && d->ok == 1 && d->total_requests == 1);
    pthread_mutex_unlock(&T_mu);

    b->no_response = 1;
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK_EQ_INT(LOCKED(b->err), HIVE_HANDLE_NO_RESPONSE);
    CHECK_EQ_INT(LOCKED(b->wid), 2);
    CHECK(WAIT_UNTIL(worker_idle(&p, 2), 3000));
    tr_send(h, c);
    CHECK(WAIT_UNTIL(DONE(c), 3000));
    CHECK(LOCKED(ok_with(c, 200, "ok")));
    CHECK_EQ_INT(LOCKED(c->wid), 2);

    /* A body left open is closed by the task's end. */
    e->no_end = 1;
    CHECK(WAIT_UNTIL(worker_idle(&p, 2), 3000));
    tr_send(h, e);
    CHECK(WAIT_UNTIL(DONE(e), 3000));
    CHECK(LOCKED(ok_with(e, 200, "ok")));
    CHECK_EQ_INT(LOCKED(e->wid), 2);

    /* A guest that returns IDLE without reporting its task done: the task
     * is over all the same (body closed), and the worker goes on. */
    treq *f = tr_new(), *k = tr_new();
    f->no_end = 1;
    f->forget_done = 1;
    CHECK(WAIT_UNTIL(worker_idle(&p, 2), 3000));
    tr_send(h, f);
    CHECK(WAIT_UNTIL(DONE(f), 3000));
    CHECK(LOCKED(ok_with(f, 200, "ok")));
    CHECK_EQ_INT(LOCKED(f->wid), 2);
    CHECK(WAIT_UNTIL(worker_idle(&p, 2), 3000));
    tr_send(h, k);
    CHECK(WAIT_UNTIL(DONE(k), 3000));
    CHECK(LOCKED(ok_with(k, 200, "ok")));
    CHECK_EQ_INT(LOCKED(k->wid), 2);
    CHECK_EQ_INT(stats(h).requests_failed[HIVE_HANDLE_NO_RESPONSE], 1);
    finish_test(h, &g, &p, 1000, 0);
}

/* A guest that reports its task done and then exits (as WAGI does), while
 * a request waits: the waiting request is not lost with the exiting
 * instance; it runs on a fresh worker. */
static void test_exit_with_waiting_request(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.max_conc = 1;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 1});

    treq *a = tr_new(), *b = tr_new();
    a->gate = 1;
    a->exit_after = 2; /* task done, then EXIT */
    tr_send(h, a);
    tr_send(h, b);
    CHECK(WAIT_UNTIL(a->waits, 3000));
    CHECK_EQ_INT(stats(h).queued, 1);
    gate_open(&g, a);
    CHECK(WAIT_UNTIL(DONE(a) && DONE(b), 3000));
    CHECK(LOCKED(ok_with(a, 200, "ok")));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    CHECK_EQ_INT(LOCKED(b->wid), 2);
    CHECK_EQ_INT(LOCKED(b->started), 1);
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1, 3000));
    CHECK_EQ_INT(stats(h).requests_started, 2);
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_OK && d->ok == 1 && d->total_requests == 1);
    pthread_mutex_unlock(&T_mu);
    finish_test(h, &g, &p, 1000, 0);
}

/* hive_handler_free: work in flight finishes within the grace period, the
 * rest ends SHUTDOWN; every worker is dropped once. */
static void test_shutdown_grace(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    /* a waits at its gate (its worker says NO to more), b computes: c
     * gets a third worker, and leaves it idle. */
    treq *a = tr_new(), *b = tr_new(), *c = tr_new();
    a->gate = 1;
    a->slices = 5; /* about 10 ms once the gate opens */
    b->slices = -1;
    tr_send(h, a);
    tr_send(h, b);
    CHECK(WAIT_UNTIL(a->waits >= 1 && b->ran >= 1, 3000));
    c->slices = 1;
    tr_send(h, c);
    CHECK(WAIT_UNTIL(DONE(c) && worker_idle(&p, c->wid), 3000));
    gate_open(&g, a);
    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.workers_started, 3);
    CHECK_EQ_INT(st.workers_live, 3);
    CHECK_EQ_INT(st.requests_started, 3);
    uint64_t t0 = now_ns();
    hive_handler_free(h, 500 * MS);
    uint64_t t1 = now_ns();
    CHECK(t1 - t0 >= 450 * MS && t1 - t0 < 2500 * MS); /* b holds it to the grace's end */
    pthread_mutex_lock(&T_mu);
    CHECK(ok_with(a, 200, "ok"));
    CHECK(ok_with(c, 200, "ok"));
    CHECK_EQ_INT(b->err, HIVE_HANDLE_SHUTDOWN);
    const hive_worker_result *d = drop_of(&p, b->wid);
    CHECK(d && d->end == HIVE_WORKER_END_SHUTDOWN && d->ok == 0); /* work was cut short */
    d = drop_of(&p, c->wid);
    CHECK(d && d->end == HIVE_WORKER_END_SHUTDOWN && d->ok == 1); /* idle: clean */
    d = drop_of(&p, a->wid);
    CHECK(d && d->end == HIVE_WORKER_END_SHUTDOWN && d->ok == 1);
    pthread_mutex_unlock(&T_mu);
    finish_test(NULL, &g, &p, 0, 3);
}

/* Sink callbacks may call the handler's "any thread" functions: retry on
 * INSTANTIATE from on_error, start the next request from on_end. */
static void retry_hook(treq *t) {
    if (t->err != HIVE_HANDLE_INSTANTIATE || t->child) return;
    treq *r = tr_new();
    t->child = r;
    tr_send(t->h, r);
}

static void next_hook(treq *t) {
    if (t->child) return;
    treq *r = tr_new();
    t->child = r;
    tr_send(t->h, r);
}

static void cancel_hook(treq *t) {
    if (t->bodies == 2) tr_cancel(t); /* from inside its own callback */
}

static void test_sink_reentrancy(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.fail_inst[0] = 1;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new();
    a->on_error_hook = retry_hook;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(a->child && DONE(a->child), 3000));
    CHECK_EQ_INT(LOCKED(a->err), HIVE_HANDLE_INSTANTIATE);
    if (a->child) CHECK(LOCKED(ok_with(a->child, 200, "ok")));

    treq *b = tr_new();
    b->no_end = 1; /* on_end comes with the task's end */
    b->on_end_hook = next_hook;
    tr_send(h, b);
    CHECK(WAIT_UNTIL(b->child && DONE(b->child), 3000));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    if (b->child) CHECK(LOCKED(ok_with(b->child, 200, "ok")));

    /* The sink cancels its own request from on_body. */
    treq *c = tr_new();
    c->nchunks = 50;
    c->chunk_slices = 1;
    c->body = "z";
    c->on_body_hook = cancel_hook;
    tr_send(h, c);
    CHECK(WAIT_UNTIL(c->cancel_done && (c->guest_cancelled || c->done_seq), 3000));
    CHECK_EQ_INT(LOCKED(c->bodies), 2);
    CHECK_EQ_INT(LOCKED(c->ends + c->errors), 0);
    finish_test(h, &g, &p, 1000, 0);
}

/* Request-body backpressure: a body written faster than the guest reads
 * makes hive_req_body_write return 1 past the high-water mark (the bytes
 * are still taken); the guest's reads below the low-water mark call
 * on_input_drained; every byte arrives, in order. */
static void test_input_backpressure(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    treq *a = tr_new();
    a->echo = 1;
    a->gate = 1; /* reads nothing until the first "full" */
    a->pattern = 1;
    a->read_slice = 8192; /* then slowly: one slice per 8 KiB */
    tr_send(h, a);
    const size_t total = 2u * 1024 * 1024, chunk = 4096;
    static uint8_t buf[4096];
    size_t sent = 0;
    int fulls = 0, bad_rc = 0;
    size_t first_full = 0;
    while (sent < total) {
        for (size_t i = 0; i < chunk; i++) buf[i] = pat_byte(sent + i);
        /* counted before the write: the guest may drain below the
         * low-water mark (and the sink hear of it) before a write that
         * said "full" has even returned */
        int before = LOCKED(a->drained);
        int rc = hive_req_body_write(a->req, buf, chunk);
        sent += chunk;
        if (rc != 0 && rc != 1) bad_rc++;
        if (rc != 1) continue;
        if (!fulls) first_full = sent;
        if (!fulls) gate_open(&g, a);
        fulls++;
        if (!WAIT_UNTIL(a->drained > before, 15000)) break;
        /* drained: below the low-water mark */
    }
    CHECK_EQ_INT(bad_rc, 0);
    CHECK_EQ_INT(sent, total);
    CHECK_EQ_INT(first_full, HIVE_REQ_BODY_HIGH_WATER + chunk);
    CHECK(fulls >= 2);
    hive_req_body_end(a->req);
    CHECK(WAIT_UNTIL(DONE(a), 5000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->in_total, total);
    CHECK_EQ_INT(a->pattern_bad, 0);
    CHECK_EQ_INT(a->drained, fulls);
    CHECK_EQ_INT(a->ends, 1);
    CHECK_EQ_INT(a->status_got, 200);
    pthread_mutex_unlock(&T_mu);
    finish_test(h, &g, &p, 1000, 0);
}

/* hive_req_retry after an instantiation failure places the same request
 * (its body too) on a new worker, from inside on_error or later from
 * another thread; it is refused once done, after other errors, after a
 * cancel, and a second time. */
static void test_retry_instantiate(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    p.max_total = 1; /* a worker per request: 1, 2, 3, ... */
    p.fail_inst[0] = 1;
    p.fail_inst[1] = 3;
    p.fail_inst[2] = 7;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){0});

    /* from inside on_error, with a body written before and after */
    treq *a = tr_new();
    a->echo = 1;
    a->retry_in_error = 1;
    tr_send(h, a);
    CHECK_EQ_INT(hive_req_body_write(a->req, (const uint8_t *)"hel", 3), 0);
    CHECK(WAIT_UNTIL(a->retries == 1, 3000));
    CHECK_EQ_INT(hive_req_body_write(a->req, (const uint8_t *)"lo", 2), 0);
    hive_req_body_end(a->req);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->retried_err, HIVE_HANDLE_INSTANTIATE);
    CHECK_EQ_INT(a->retry_rc, 0);
    CHECK_EQ_INT(a->retry_rc2, HIVE_ESTATE);
    CHECK(ok_with(a, 200, "hello"));
    CHECK_EQ_INT(a->wid, 2);
    pthread_mutex_unlock(&T_mu);
    CHECK_EQ_INT(hive_req_worker_id(a->req), 2);

    /* from this thread, after on_error returned */
    treq *b = tr_new();
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(b->err, HIVE_HANDLE_INSTANTIATE);
    tr_unfail(b);
    pthread_mutex_unlock(&T_mu);
    CHECK_EQ_INT(hive_req_retry(b->req), 0);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    CHECK_EQ_INT(LOCKED(b->wid), 4);
    CHECK_EQ_INT(hive_req_retry(b->req), HIVE_ESTATE); /* answered now */

    /* refused: a success, a trap, a cancelled failure */
    treq *c = tr_new();
    tr_send(h, c);
    CHECK(WAIT_UNTIL(DONE(c), 3000));
    CHECK_EQ_INT(hive_req_retry(c->req), HIVE_ESTATE);
    treq *e = tr_new();
    e->trap = 1;
    tr_send(h, e);
    CHECK(WAIT_UNTIL(DONE(e), 3000));
    CHECK_EQ_INT(LOCKED(e->err), HIVE_HANDLE_TRAPPED);
    CHECK_EQ_INT(hive_req_retry(e->req), HIVE_ESTATE);
    treq *f = tr_new();
    tr_send(h, f);
    CHECK(WAIT_UNTIL(DONE(f), 3000));
    CHECK_EQ_INT(LOCKED(f->err), HIVE_HANDLE_INSTANTIATE);
    tr_cancel(f);
    CHECK_EQ_INT(hive_req_retry(f->req), HIVE_ESTATE);
    /* a request still in flight */
    treq *q = tr_new();
    q->gate = 1;
    tr_send(h, q);
    CHECK(WAIT_UNTIL(q->waits >= 1, 3000));
    CHECK_EQ_INT(hive_req_retry(q->req), HIVE_ESTATE);
    gate_open(&g, q);
    CHECK(WAIT_UNTIL(DONE(q), 3000));
    CHECK(LOCKED(ok_with(q, 200, "ok")));
    hive_handler_stats st = stats(h);
    CHECK_EQ_INT(st.requests_failed[HIVE_HANDLE_INSTANTIATE], 3);
    finish_test(h, &g, &p, 1000, 0);
}

/* Many requests of every kind on a few workers that retire and restart:
 * everything is answered once and the counters add up. */
static void test_stress(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 4, 1);
    g.slice_us = 200;
    p.max_conc = 4;
    p.max_total = 15;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.max_workers = 4, .threads = 4});

    enum { N = 300 };
    static treq *r[N];
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        r[i] = tr_new();
        seed = seed * 1103515245u + 12345u;
        unsigned k = (seed >> 16) % 10;
        r[i]->slices = (int)(seed >> 8) % 4;
        if (k == 0) r[i]->post_slices = 2;
        if (k == 1) r[i]->echo = 1;
        if (k == 2 && i % 3 == 0) r[i]->trap = 1;
        if (k == 3) r[i]->nchunks = 3;
        tr_send(h, r[i]);
        if (r[i]->echo) {
            hive_req_body_write(r[i]->req, (const uint8_t *)"ab", 2);
            hive_req_body_end(r[i]->req);
        }
        if (k == 4 && i % 2 == 0) tr_cancel(r[i]);
    }
    CHECK(WAIT_UNTIL(({
                         int cnt_ = 0;
                         for (int i = 0; i < N; i++) cnt_ += r[i]->finished || r[i]->cancel_done;
                         cnt_ == N;
                     }),
                     5000));
    /* Workers ending now are counted before their drop runs: poll (never
     * call the handler under T_mu) until the two agree. */
    hive_handler_stats st;
    uint64_t ended = 0;
    for (uint64_t until = now_ns() + 3000 * MS;;) {
        st = stats(h);
        ended = 0;
        for (int e = 0; e < HIVE_WORKER_END_COUNT; e++) ended += st.workers_ended[e];
        if (LOCKED(p.ndrops) == (int)ended || now_ns() >= until) break;
        sleep_ms(2);
    }
    pthread_mutex_lock(&T_mu);
    int errs[HIVE_HANDLE_ERROR_COUNT] = {0}, cancelled = 0, ok = 0;
    for (int i = 0; i < N; i++) {
        treq *t = r[i];
        if (t->errors) errs[t->err]++;
        else if (t->ends) ok++;
        else if (t->cancel_done) cancelled++;
        if (t->ends) CHECK(t->status_got == 200);
        if (t->echo && t->ends) CHECK(t->out_len == 2 && memcmp(t->out, "ab", 2) == 0);
    }
    /* Every error a sink saw is counted under its kind; a request
     * cancelled without any callback is counted once, as CANCELLED or as
     * the failure decided just before the cancel (then not delivered). */
    long long extra = 0;
    for (int e = 1; e < HIVE_HANDLE_ERROR_COUNT; e++) {
        if ((long long)st.requests_failed[e] < errs[e])
            fprintf(stderr, "  stress: %s: stats %llu, seen %d\n", hive_handle_error_name(e),
                    (unsigned long long)st.requests_failed[e], errs[e]);
        CHECK((long long)st.requests_failed[e] >= errs[e]);
        extra += (long long)st.requests_failed[e] - errs[e];
    }
    CHECK_EQ_INT(extra, cancelled);
    CHECK(cancelled > 0);
    CHECK(ok > N / 2);
    CHECK(errs[HIVE_HANDLE_TRAPPED] > 0);
    CHECK_EQ_INT(ended + st.workers_live, st.workers_started);
    CHECK_EQ_INT(ended, (uint64_t)p.ndrops);
    pthread_mutex_unlock(&T_mu);
    finish_test(h, &g, &p, 1000, 0);
}

/* A worker that expires (worker_expiration) while its guest cannot be
 * stopped (a long host call): its request fails at the expiry, not when
 * the guest thread comes back. The expiry counts from the request's start
 * (on_request_start), the origin of the request's own deadline. */
static void test_expiry_busy_guest(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 0);
    p.req_ms = 100;
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.threads = 1});
    treq *a = tr_new();
    a->slices = -1;
    a->stubborn_ms = 1500;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_EXPIRED);
    uint64_t late = a->t_err - a->t_start;
    /* the REQUESTS expiry was asked with the request's start */
    int found = 0;
    for (int i = 0; i < p.nexp; i++)
        if (p.exp[i].st == HIVE_WORKER_REQUESTS && p.exp[i].start <= a->t_start &&
            a->t_start - p.exp[i].start < 2 * MS)
            found = 1;
    pthread_mutex_unlock(&T_mu);
    CHECK(found);
    if (late >= 600 * MS) fprintf(stderr, "  expired after %llu ms\n", (unsigned long long)(late / MS));
    CHECK(late >= 100 * MS && late < 600 * MS);
    CHECK(WAIT_UNTIL(p.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_EXPIRED && d->ok == 0);
    pthread_mutex_unlock(&T_mu);
    finish_test(h, &g, &p, 1000, 0);
}

/* Shutdown with a guest that cannot be stopped at once: its request gets
 * its 503 (SHUTDOWN) when the grace period ends, not when the guest
 * returns. */
static void test_shutdown_busy_guest(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 0);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.threads = 1});
    treq *a = tr_new();
    a->slices = -1;
    a->stubborn_ms = 1500;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(a->started, 3000));
    sleep_ms(20);
    uint64_t t0 = now_ns();
    hive_handler_free(h, 100 * MS); /* returns once the guest came back */
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->errors, 1);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_SHUTDOWN);
    uint64_t at = a->t_err - t0;
    pthread_mutex_unlock(&T_mu);
    if (at >= 600 * MS) fprintf(stderr, "  shutdown error after %llu ms\n", (unsigned long long)(at / MS));
    CHECK(at >= 90 * MS && at < 600 * MS);
    finish_test(NULL, &g, &p, 0, 1);
}

/* request_fuel: a request that computes past its CPU budget fails FUEL;
 * a guest that can drop it alone lives on, one that cannot ends FUEL (not
 * ok); a request within its budget is untouched. */
static void test_request_fuel(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 1);
    hive_handler *h =
        mk_handler(&g, &p, (hive_handler_config){.threads = 1, .slice_budget = 1000, .max_workers = 1});
    treq *a = tr_new(), *b = tr_new();
    a->slices = -1;
    a->fuel = 3500; /* four slices of 1000 units */
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a), 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_FUEL);
    CHECK_EQ_INT(a->ran, 4);
    CHECK_EQ_INT(hive_handle_error_status(a->err), 500);
    pthread_mutex_unlock(&T_mu);
    CHECK(WAIT_UNTIL(a->guest_cancelled == 1, 3000));
    b->slices = 2;
    b->fuel = 3500;
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    CHECK_EQ_INT(LOCKED(b->wid), 1); /* the same worker: it lived on */
    hive_handler_stats st;
    hive_handler_stats_get(h, &st);
    CHECK_EQ_INT(st.requests_failed[HIVE_HANDLE_FUEL], 1);
    finish_test(h, &g, &p, 1000, 0);

    /* a guest that cannot drop one request alone: the worker ends FUEL */
    static sguest g2;
    static tpol p2;
    memset(&p2, 0, sizeof p2);
    sg_init(&g2, 1, 0);
    h = mk_handler(&g2, &p2, (hive_handler_config){.threads = 1, .slice_budget = 1000});
    treq *c = tr_new();
    c->slices = -1;
    c->fuel = 2000;
    tr_send(h, c);
    CHECK(WAIT_UNTIL(DONE(c) && p2.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(c->err, HIVE_HANDLE_FUEL);
    const hive_worker_result *d = drop_of(&p2, 1);
    CHECK(d && d->end == HIVE_WORKER_END_FUEL && d->ok == 0);
    pthread_mutex_unlock(&T_mu);
    hive_handler_stats_get(h, &st);
    CHECK_EQ_INT(st.workers_ended[HIVE_WORKER_END_FUEL], 1);
    CHECK_EQ_INT(st.workers_ended[HIVE_WORKER_END_OK], 0);
    finish_test(h, &g2, &p2, 1000, 0);
}

/* An instance that cannot start a request and runs nothing else ends as a
 * failure (FAILED, not ok); the next request gets a new worker. */
static void test_start_fails(void) {
    static sguest g;
    static tpol p;
    memset(&p, 0, sizeof p);
    sg_init(&g, 1, 0);
    hive_handler *h = mk_handler(&g, &p, (hive_handler_config){.threads = 1});
    treq *a = tr_new(), *b = tr_new();
    a->fail_start = 1;
    tr_send(h, a);
    CHECK(WAIT_UNTIL(DONE(a) && p.drop_count[1] == 1, 3000));
    pthread_mutex_lock(&T_mu);
    CHECK_EQ_INT(a->err, HIVE_HANDLE_FAILED);
    const hive_worker_result *d = drop_of(&p, 1);
    CHECK(d && d->end == HIVE_WORKER_END_FAILED && d->ok == 0);
    pthread_mutex_unlock(&T_mu);
    tr_send(h, b);
    CHECK(WAIT_UNTIL(DONE(b), 3000));
    CHECK(LOCKED(ok_with(b, 200, "ok")));
    CHECK_EQ_INT(LOCKED(b->wid), 2);
    finish_test(h, &g, &p, 1000, 0);
}

int main(void) {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&T_cv, &ca);
    pthread_condattr_destroy(&ca);
    alarm(120); /* a deadlock fails the run instead of hanging it */

    RUN(test_basic_response);
    RUN(test_accept_no_queues);
    RUN(test_never_retires);
    RUN(test_busy_worker_not_piled);
    RUN(test_deadline_expires);
    RUN(test_deadline_cannot_cancel);
    RUN(test_expiration_idle);
    RUN(test_expiration_requests);
    RUN(test_expiration_post_return);
    RUN(test_trap);
    RUN(test_instantiate_fail);
    RUN(test_instantiate_fail_from_queue);
    RUN(test_queue_bounds);
    RUN(test_cancel_alone);
    RUN(test_cancel_not_alone);
    RUN(test_body_streaming);
    RUN(test_output_backpressure);
    RUN(test_wake_at);
    RUN(test_exit_and_no_response);
    RUN(test_exit_with_waiting_request);
    RUN(test_shutdown_grace);
    RUN(test_sink_reentrancy);
    RUN(test_input_backpressure);
    RUN(test_retry_instantiate);
    RUN(test_expiry_busy_guest);
    RUN(test_shutdown_busy_guest);
    RUN(test_request_fuel);
    RUN(test_start_fails);
    RUN(test_stress);
    return test_summary("handler");
}
