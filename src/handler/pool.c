/*
 * pool.c -- the worker pool behind hive/handler.h.
 *
 * One mutex (handler.lock) guards all pool state: the workers, the run
 * queue, the request queue and every count. Each request also has its own
 * lock, which guards its body buffer and its sink state. Lock order: the
 * handler's, then a request's.
 *
 * Sink calls: whether a request gets a callback is decided under the locks
 * (head_sent, finished), and the call is made with no pool lock held, so a
 * callback may use the "any thread" functions (retry an INSTANTIATE
 * failure from on_error, hand over the next request from on_end). A
 * failure decided under handler.lock is put on a pending list and
 * delivered once the lock is released (req_flush). One thread at a time
 * calls a request's sink: the decision that makes a call also marks the
 * request (head_sent, finished), and the guest's own calls come from the
 * one thread that owns its worker. hive_req_cancel() marks the request and
 * waits for a callback running on another thread to return, so that no
 * callback follows it. Failures decided on an embedder's thread inside
 * hive_handler_handle (QUEUE_FULL, SHUTDOWN) are delivered by the timer
 * thread, so that sink callbacks run on the handler's threads.
 * hive_req_retry from inside the request's own on_error only marks it
 * (retry_pending); req_flush re-places it once the callback returned.
 *
 * Request-body backpressure: hive_req_body_write returns 1 once the
 * unread body passes HIVE_REQ_BODY_HIGH_WATER (in_full); the guest's
 * read that brings it below HIVE_REQ_BODY_LOW_WATER makes the
 * on_input_drained call on the guest's thread, like its on_body calls.
 *
 * Threads: `threads` guest threads take runnable workers from the run
 * queue and run one slice each; one timer thread enforces deadlines
 * (requests, workers, the queue). Work that touches a guest instance
 * (instantiate, start, run, cancel, free) happens only on a guest thread
 * that owns the worker at that moment (worker.on_thread), so an instance
 * is never used by two threads at once; other threads set flags and make
 * the worker runnable, and interrupt it if it is running.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handler/guest.h"
#include "support/assert.h"
#include "support/error.h"

#define DEFAULT_QUEUE 1024
#define DEFAULT_MAX_WORKERS 1000
#define DEFAULT_SLICE 100000
#define TIMER_LOOK_NS 10000000ull

typedef enum req_state {
    REQ_NEW,      /* not yet placed */
    REQ_QUEUED,   /* in the handler's queue */
    REQ_ASSIGNED, /* accepted by a worker, not yet started in the guest */
    REQ_RUNNING,  /* started in the guest */
    REQ_GONE      /* finished, failed, cancelled or expired: no worker */
} req_state;

struct hive_req {
    atomic_int refs;
    hive_handler *h;
    pthread_mutex_t lock;
    hive_request_info info; /* strings in arena */
    char *arena;
    hive_header *headers;
    hive_req_sink sink;
    void *data;

    /* under h->lock */
    req_state state;
    hive_worker *worker;
    hive_req *next, *prev; /* queue or worker list */
    uint64_t enqueued_at;
    uint64_t accepted_at;
    uint64_t started_at; /* on_request_start: the origin of its times */
    uint64_t deadline;
    uint64_t fuel_left; /* with has_fuel: units its task may still use */
    bool has_fuel;
    bool fuel_out; /* to_cancel because its CPU budget ran out */
    uint64_t task_id;
    atomic_uint_fast64_t worker_id; /* set at accept; read from any thread */
    bool counted;   /* in worker.concurrent */
    bool has_task;  /* in worker.tasks */
    bool to_cancel; /* the guest must drop it (expired, cancelled or out of
                       fuel); only while on a worker */
    bool expired;   /* its deadline passed (to_cancel too, unless its worker
                       was ending anyway) */
    /* a sink call decided under h->lock, made by req_flush after it */
    hive_req *pend_next;
    hive_handle_error pend_err; /* on_error with this, or on_end for OK */
    char pend_msg[256];

    /* under req->lock */
    bool head_sent;
    bool finished; /* on_end or on_error decided, or cancelled */
    bool cancelled;
    int in_cb;            /* a sink callback is running (sink_enter) */
    pthread_t cb_thread;  /* on this thread */
    pthread_cond_t cb_cv; /* signalled when in_cb drops to 0 */
    uint64_t out_gen;     /* counts hive_req_output_ready calls */
    uint8_t *in_buf;
    size_t in_len, in_off, in_cap;
    bool in_end;
    hive_header *in_trailers; /* the body's trailer fields (strings in the same block) */
    size_t in_ntrailers;
    bool in_waiting;
    bool out_blocked;
    bool in_full;       /* a body write returned 1: on_input_drained owed */
    bool body_consumed; /* a guest read body bytes: no retry */
    bool retry_ok;      /* on_error(INSTANTIATE) began: hive_req_retry allowed */
    bool retry_pending; /* hive_req_retry from inside on_error: req_flush places it */
};

typedef enum worker_phase { W_STARTING, W_ACTIVE, W_ENDING } worker_phase;

struct hive_worker {
    hive_handler *h;
    uint64_t id;
    guest_inst *gi;
    void *store;
    worker_phase phase;
    bool on_thread;  /* a guest thread owns it now */
    bool in_runq;
    bool waiting;    /* its last turn ended with nothing to run now (WAIT,
                        IDLE, no task), not queued since; read only by
                        worker_check */
    bool woken;      /* woken while on a thread */
    bool blocked;    /* its last slice ended blocked (WAIT/IDLE) and nothing
                        was accepted since */
    bool accepting;
    bool from_queue; /* started for queued requests, without its own */
    bool status_asked; /* worker_expiration asked since it became ACTIVE */
    bool had_expiry;   /* one of its requests expired */
    size_t concurrent, total, tasks;
    hive_req *reqs;  /* accepted and not gone */
    hive_worker_status status;
    uint64_t status_start;
    uint64_t expire_at;
    uint64_t wake_at; /* hv_handler_wake_at: a timed wake-up, 0 none */
    uint64_t setup_ns; /* instantiation time, added to the first start's */
    bool must_end;
    hive_worker_end end;
    char end_msg[200];
    hive_worker *next, *prev; /* all workers */
    hive_worker *rnext;       /* run queue */
};

struct hive_handler {
    hive_guest *guest;
    const guest_ops *ops;
    hive_policy policy;
    hive_handler_config cfg;
    pthread_mutex_t lock;
    pthread_cond_t work_cv;  /* guest threads wait for runnable workers */
    pthread_cond_t timer_cv; /* the timer thread waits for the next deadline */
    pthread_cond_t idle_cv;  /* shutdown waits for workers to end */
    pthread_t *threads;
    unsigned nthreads;
    pthread_t timer;
    bool timer_started;

    hive_worker *workers;
    size_t nworkers;
    hive_worker *runq_head, *runq_tail;
    /* Workers for requests placed by the embedder's thread while
     * cfg.inline_budget is set: that thread runs their first slice in
     * hive_handler_run_inline (in_runq is set for them too). */
    hive_worker *inq_head, *inq_tail;
    bool placing_inline; /* runq_push goes to the inline queue */
    /* The timer thread sleeps until this (UINT64_MAX: until signalled; 0:
     * it is not sleeping and will look again), so that only an earlier
     * deadline needs to wake it. */
    uint64_t timer_until;
    hive_req *queue_head, *queue_tail;
    size_t nqueued;
    bool stopping;
    bool quit;
    uint64_t next_worker_id, next_task_id;
    hive_handler_stats stats;
    hive_req *late; /* failures decided on an embedder's thread, for the timer thread */
    /* Instances of ended workers, freed by the reaper thread so that the
     * guest thread is free at once (releasing a large linear memory takes
     * the kernel milliseconds). Under lock. */
    struct reap_node *reap;
    pthread_cond_t reap_cv;
    pthread_t reaper;
    bool reaper_started, reaper_quit;
};

struct reap_node {
    guest_inst *gi;
    struct reap_node *next;
};

/* Hands gi to the reaper thread (or frees it here when it cannot). No
 * lock held. */
static void reap_instance(hive_handler *h, guest_inst *gi) {
    bool small = h->ops->footprint && h->ops->footprint(gi) <= GUEST_FREE_INLINE;
    struct reap_node *n = h->reaper_started && !small ? malloc(sizeof *n) : NULL;
    if (!n) {
        h->ops->free(gi);
        return;
    }
    n->gi = gi;
    pthread_mutex_lock(&h->lock);
    n->next = h->reap;
    h->reap = n;
    pthread_cond_signal(&h->reap_cv);
    pthread_mutex_unlock(&h->lock);
}

static void *reaper_thread(void *arg) {
    hive_handler *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        struct reap_node *n = h->reap;
        if (!n) {
            if (h->reaper_quit) break;
            pthread_cond_wait(&h->reap_cv, &h->lock);
            continue;
        }
        h->reap = n->next;
        pthread_mutex_unlock(&h->lock);
        h->ops->free(n->gi);
        free(n);
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* ---- invariants (checked when HIVE_ASSERTS_ON, docs/POOL.md) ------------
 *
 * The legal combinations of a request's and a worker's flags, asserted
 * after each state change (never in the middle of one: worker_detach
 * leaves a request GONE that its caller then requeues or fails). In the
 * release build these are empty and the calls vanish. */
#if HIVE_ASSERTS_ON
/* h->lock held, r->lock not (it is taken to read the sink state). The
 * caller holds a reference to r. */
static void req_check(hive_handler *h, hive_req *r) {
    HIVE_ASSERT(r->state >= REQ_NEW && r->state <= REQ_GONE);
    HIVE_ASSERT(atomic_load(&r->refs) > 0);
    bool on_worker = r->state == REQ_ASSIGNED || r->state == REQ_RUNNING;
    /* a worker holds it exactly while ASSIGNED or RUNNING, with its task */
    HIVE_ASSERT(on_worker == (r->worker != NULL));
    HIVE_ASSERT(on_worker == r->has_task);
    HIVE_ASSERT(!r->counted || r->has_task);
    HIVE_ASSERT(!r->to_cancel || on_worker);
    /* a request runs only in an instantiated guest */
    HIVE_ASSERT(r->state != REQ_RUNNING || r->worker->phase != W_STARTING);
    HIVE_ASSERT(!r->fuel_out || r->has_fuel);
    HIVE_ASSERT(r->state != REQ_QUEUED || r->prev || h->queue_head == r);
    HIVE_ASSERT(r->state == REQ_QUEUED || (!r->prev && !r->next) || on_worker);
    pthread_mutex_lock(&r->lock);
    HIVE_ASSERT(!r->cancelled || r->finished);
    HIVE_ASSERT(r->in_off <= r->in_len && r->in_len <= r->in_cap);
    HIVE_ASSERT(r->in_cb >= 0);
    HIVE_ASSERT(!r->retry_pending || !r->retry_ok);
    /* not placed yet, or waiting: nothing was answered */
    if (r->state == REQ_NEW || r->state == REQ_QUEUED) HIVE_ASSERT(!r->finished && !r->head_sent);
    /* no worker and not waiting for one: its end is decided */
    if (r->state == REQ_GONE) HIVE_ASSERT(r->finished);
    /* counted in worker.concurrent: still owes its response head */
    if (r->counted) HIVE_ASSERT(!r->finished && !r->head_sent);
    pthread_mutex_unlock(&r->lock);
}

/* h->lock held. */
static void worker_check(hive_handler *h, const hive_worker *w) {
    (void)h;
    HIVE_ASSERT(w->phase >= W_STARTING && w->phase <= W_ENDING);
    HIVE_ASSERT(!(w->in_runq && w->on_thread));
    HIVE_ASSERT(!(w->in_runq && w->waiting));
    HIVE_ASSERT(!w->must_end || !w->accepting);
    HIVE_ASSERT(w->phase != W_STARTING || (!w->gi && !w->status_asked));
    HIVE_ASSERT(w->phase != W_ACTIVE || w->gi);
    /* only worker_finish, on the worker's own thread, makes it ENDING */
    HIVE_ASSERT(w->phase != W_ENDING || (w->on_thread && w->must_end));
    size_t counted = 0, tasks = 0;
    for (const hive_req *r = w->reqs; r; r = r->next) {
        HIVE_ASSERT(r->worker == w && r->has_task);
        HIVE_ASSERT(r->state == REQ_ASSIGNED || r->state == REQ_RUNNING);
        HIVE_ASSERT(w->phase != W_STARTING || r->state == REQ_ASSIGNED);
        HIVE_ASSERT(!r->next || r->next->prev == r);
        counted += r->counted;
        tasks += r->has_task;
    }
    HIVE_ASSERT(counted == w->concurrent && tasks == w->tasks);
    HIVE_ASSERT(w->concurrent <= w->tasks && w->tasks <= w->total);
}

/* The handler's lists agree with its counts. h->lock held. */
static void handler_check(hive_handler *h) {
    size_t n = 0;
    for (hive_req *r = h->queue_head; r; r = r->next, n++) {
        HIVE_ASSERT(r->state == REQ_QUEUED && !r->worker);
        HIVE_ASSERT(r->next ? r->next->prev == r : h->queue_tail == r);
    }
    HIVE_ASSERT(n == h->nqueued);
    n = 0;
    for (hive_worker *w = h->workers; w; w = w->next, n++) HIVE_ASSERT(!w->next || w->next->prev == w);
    HIVE_ASSERT(n == h->nworkers);
    for (hive_worker *w = h->runq_head; w; w = w->rnext)
        HIVE_ASSERT(w->in_runq && (w->rnext || h->runq_tail == w));
    for (hive_worker *w = h->inq_head; w; w = w->rnext)
        HIVE_ASSERT(w->in_runq && (w->rnext || h->inq_tail == w));
}
#else
static inline void req_check(hive_handler *h, hive_req *r) { (void)h, (void)r; }
static inline void worker_check(hive_handler *h, const hive_worker *w) { (void)h, (void)w; }
static inline void handler_check(hive_handler *h) { (void)h; }
#endif

static void stats_setup(hive_handler *h, uint64_t ns) {
    static const double bounds[] = HIVE_SETUP_BOUNDS;
    double sec = (double)ns / 1e9;
    size_t b = 0;
    while (b < HIVE_SETUP_BUCKETS - 1 && sec > bounds[b]) b++;
    h->stats.setup_hist[b]++;
    h->stats.setup_count++;
    h->stats.setup_sum += sec;
}

static uint64_t now_ns(void);

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int hive_handle_error_status(hive_handle_error e) {
    switch (e) {
    case HIVE_HANDLE_OK: return 200;
    case HIVE_HANDLE_EXPIRED: return 504;
    case HIVE_HANDLE_NO_RESPONSE:
    case HIVE_HANDLE_BAD_RESPONSE: return 502;
    case HIVE_HANDLE_QUEUE_FULL:
    case HIVE_HANDLE_QUEUE_TIMEOUT:
    case HIVE_HANDLE_SHUTDOWN: return 503;
    case HIVE_HANDLE_CANCELLED: return 499;
    default: return 500;
    }
}

const char *hive_handle_error_name(hive_handle_error e) {
    static const char *const names[] = {
        "ok",          "instantiate failed", "expired",    "trapped",  "no response",
        "bad response", "queue full",        "queue timeout", "cancelled", "shutting down",
        "failed",      "fuel exhausted",
    };
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "unknown";
}

const char *hive_worker_end_name(hive_worker_end e) {
    static const char *const names[] = {"ok",     "idle timeout", "expired",   "trap",
                                        "instantiate failed", "failed", "shutdown",
                                        "cancelled", "fuel exhausted"};
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "unknown";
}

/* ---- requests: sink delivery -------------------------------------------- */

static void req_release_ref(hive_req *r) {
    if (atomic_fetch_sub(&r->refs, 1) != 1) return;
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cb_cv);
    free(r->in_buf);
    free(r->in_trailers);
    free(r->arena);
    free(r->headers);
    free(r);
}

/* Begins a sink call: r->lock held. Returns false (no call) once the
 * request is cancelled; otherwise releases r->lock for the call, which
 * sink_leave() takes back. */
static bool sink_enter(hive_req *r) {
    if (r->cancelled) return false;
    r->in_cb++;
    r->cb_thread = pthread_self();
    pthread_mutex_unlock(&r->lock);
    return true;
}

static void sink_leave(hive_req *r) {
    pthread_mutex_lock(&r->lock);
    if (--r->in_cb == 0) pthread_cond_broadcast(&r->cb_cv);
}

/* Puts a decided sink call (on_error with e, or on_end for OK) on *pend
 * for req_flush, with a reference. h->lock held. */
static void req_queue_call(hive_req *r, hive_handle_error e, const char *msg, hive_req **pend) {
    r->pend_err = e;
    snprintf(r->pend_msg, sizeof r->pend_msg, "%s", msg ? msg : "");
    atomic_fetch_add(&r->refs, 1);
    r->pend_next = *pend;
    *pend = r;
}

/* Fails r with e unless it already finished or was cancelled: counts it
 * and queues the on_error call on *pend. h->lock held. */
static void req_fail_locked(hive_handler *h, hive_req *r, hive_handle_error e, const char *msg,
                            hive_req **pend) {
    pthread_mutex_lock(&r->lock);
    bool fail = !r->finished && !r->cancelled;
    if (fail) r->finished = true;
    pthread_mutex_unlock(&r->lock);
    if (!fail) return;
    h->stats.requests_failed[e]++;
    req_queue_call(r, e, msg ? msg : hive_handle_error_name(e), pend);
}

/* The guest task serving r has finished: a request without a response
 * fails NO_RESPONSE (why), a body left open ends. h->lock held. */
static void req_task_finished(hive_handler *h, hive_req *r, const char *why, hive_req **pend) {
    pthread_mutex_lock(&r->lock);
    bool answered = r->head_sent || r->finished || r->cancelled;
    bool end = r->head_sent && !r->finished && !r->cancelled;
    if (end) r->finished = true;
    pthread_mutex_unlock(&r->lock);
    if (!answered) req_fail_locked(h, r, HIVE_HANDLE_NO_RESPONSE, why, pend);
    else if (end) req_queue_call(r, HIVE_HANDLE_OK, NULL, pend);
}

static void req_replace(hive_req *r);

/* Makes the queued sink calls, without h->lock. */
static void req_flush(hive_req *list) {
    while (list) {
        hive_req *r = list;
        list = r->pend_next;
        r->pend_next = NULL;
        pthread_mutex_lock(&r->lock);
        if (r->pend_err == HIVE_HANDLE_INSTANTIATE && !r->cancelled && !r->body_consumed)
            r->retry_ok = true;
        if (sink_enter(r)) {
            if (r->pend_err == HIVE_HANDLE_OK) {
                if (r->sink.on_end) r->sink.on_end(r->sink.ud);
            } else if (r->sink.on_error) {
                r->sink.on_error(r->sink.ud, r->pend_err, r->pend_msg);
            }
            sink_leave(r);
        }
        bool place = r->retry_pending;
        r->retry_pending = false;
        pthread_mutex_unlock(&r->lock);
        if (place) req_replace(r); /* hive_req_retry from on_error */
        req_release_ref(r);
    }
}

/* ---- worker bookkeeping (h->lock held) ----------------------------------- */

static void runq_push(hive_handler *h, hive_worker *w) {
    if (w->in_runq || w->on_thread) {
        if (w->on_thread) w->woken = true;
        return;
    }
    w->in_runq = true;
    w->waiting = false;
    w->rnext = NULL;
    if (h->placing_inline) { /* no wake-up: the embedder's thread runs it */
        if (h->inq_tail) h->inq_tail->rnext = w;
        else h->inq_head = w;
        h->inq_tail = w;
        return;
    }
    if (h->runq_tail) h->runq_tail->rnext = w;
    else h->runq_head = w;
    h->runq_tail = w;
    pthread_cond_signal(&h->work_cv);
}

/* Moves the inline queue to the run queue (the guest threads). */
static void inq_handoff(hive_handler *h) {
    while (h->inq_head) {
        hive_worker *w = h->inq_head;
        h->inq_head = w->rnext;
        w->in_runq = false;
        runq_push(h, w);
    }
    h->inq_tail = NULL;
}

/* Wakes the timer thread when t (a deadline, 0 none) comes before the
 * time it sleeps until. */
static void timer_poke(hive_handler *h, uint64_t t) {
    if (t && t < h->timer_until) pthread_cond_signal(&h->timer_cv);
}

static hive_worker *runq_pop(hive_handler *h) {
    hive_worker *w = h->runq_head;
    if (!w) return NULL;
    h->runq_head = w->rnext;
    if (!h->runq_head) h->runq_tail = NULL;
    w->in_runq = false;
    return w;
}

static void list_remove(hive_req **head, hive_req *r) {
    if (r->prev) r->prev->next = r->next;
    else *head = r->next;
    if (r->next) r->next->prev = r->prev;
    r->next = r->prev = NULL;
}

static void list_push_back(hive_req **head, hive_req **tail, hive_req *r) {
    r->next = NULL;
    r->prev = tail ? *tail : NULL;
    if (tail) {
        if (*tail) (*tail)->next = r;
        else *head = r;
        *tail = r;
    } else {
        /* worker lists have no tail: push at the front */
        r->prev = NULL;
        r->next = *head;
        if (*head) (*head)->prev = r;
        *head = r;
    }
}

static void queue_remove(hive_handler *h, hive_req *r) {
    if (r == h->queue_tail) h->queue_tail = r->prev;
    list_remove(&h->queue_head, r);
    h->nqueued--;
}

static void worker_mark_end(hive_handler *h, hive_worker *w, hive_worker_end end, const char *msg);

/* Recomputes the worker's status and, when it changed, its expiration.
 * Only an ACTIVE worker is asked: before, it has no store; after, it is
 * ending anyway. */
static void worker_update_status(hive_handler *h, hive_worker *w) {
    if (w->phase != W_ACTIVE) return;
    hive_worker_status st;
    uint64_t start = 0;
    if (w->concurrent > 0) {
        /* The start of the most recent outstanding request (handler.h,
         * "Clocks"); the accept time only while none has started. */
        st = HIVE_WORKER_REQUESTS;
        uint64_t latest = 0, accepted = 0;
        for (hive_req *r = w->reqs; r; r = r->next) {
            if (!r->counted) continue;
            if (r->started_at > latest) latest = r->started_at;
            if (r->accepted_at > accepted) accepted = r->accepted_at;
        }
        start = latest ? latest : accepted;
    } else if (w->tasks > 0) {
        st = HIVE_WORKER_POST_RETURN;
    } else {
        st = HIVE_WORKER_IDLE;
    }
    if (!start) start = now_ns(); /* (read only when no request gives it) */
    if (w->status_asked && st == w->status &&
        !(st == HIVE_WORKER_REQUESTS && start != w->status_start))
        return;
    if (st == HIVE_WORKER_IDLE && h->ops->max_total && w->total >= h->ops->max_total) {
        /* served all it can (WAGI: its one request) and retires now: no
         * idle timeout to ask for (nor a timer to wake for it) */
        w->status = st;
        w->status_start = start;
        w->expire_at = 0;
        return;
    }
    if (st == HIVE_WORKER_IDLE && w->total > 0 && w->accepting && !w->must_end &&
        h->policy.should_accept_request &&
        h->policy.should_accept_request(h->policy.user, w->store, 0, w->total) ==
            HIVE_ACCEPT_NEVER) {
        /* likewise when the policy takes no more (its reuse count, e.g.
         * 1: a fresh instance per request): the worker ends, on its
         * thread when it is on one (worker_turn), else now */
        w->accepting = false;
        w->status = st;
        w->status_start = start;
        w->expire_at = 0;
        if (!w->on_thread) worker_mark_end(h, w, HIVE_WORKER_END_OK, "retired");
        return;
    }
    w->status_asked = true;
    w->status_start = start;
    w->status = st;
    w->expire_at = h->policy.worker_expiration
                       ? h->policy.worker_expiration(h->policy.user, w->store, st, w->status_start)
                       : 0;
    timer_poke(h, w->expire_at);
}

/* Stops counting r in the worker's concurrent requests (it responded or
 * expired). */
static void worker_uncount(hive_handler *h, hive_worker *w, hive_req *r) {
    if (!r->counted) return;
    r->counted = false;
    w->concurrent--;
    worker_update_status(h, w);
}

/* Detaches r from its worker (it is gone). */
static void worker_detach(hive_handler *h, hive_worker *w, hive_req *r) {
    worker_uncount(h, w, r);
    if (r->has_task) {
        r->has_task = false;
        w->tasks--;
    }
    list_remove(&w->reqs, r);
    r->worker = NULL;
    r->state = REQ_GONE;
    r->to_cancel = false; /* read only on a worker's list */
    worker_update_status(h, w);
    worker_check(h, w);
    req_release_ref(r); /* the worker's reference */
}

/* Asks to end the worker with reason; a guest thread does it. */
static void worker_mark_end(hive_handler *h, hive_worker *w, hive_worker_end end, const char *msg) {
    if (w->must_end) return;
    w->must_end = true;
    w->accepting = false;
    w->end = end;
    size_t ml = msg ? strnlen(msg, sizeof w->end_msg - 1) : 0; /* (no snprintf: every worker ends) */
    if (ml) memcpy(w->end_msg, msg, ml);
    w->end_msg[ml] = 0;
    if (w->on_thread) {
        if (w->gi && w->phase == W_ACTIVE) h->ops->interrupt(w->gi);
        w->woken = true;
    } else {
        runq_push(h, w);
    }
    worker_check(h, w);
}

/* Fails w's requests still waiting for a response head with e, now (the
 * worker is ending: they need not wait until its guest is stopped). The
 * guest's later calls for them find them finished. h->lock held. */
static void worker_fail_outstanding(hive_handler *h, hive_worker *w, hive_handle_error e,
                                    const char *msg, hive_req **pend) {
    for (hive_req *r = w->reqs; r; r = r->next) {
        if (!r->counted) continue;
        worker_uncount(h, w, r);
        req_fail_locked(h, r, e, msg, pend);
    }
}

/* Whether w can take a request now; asks the policy. A NEVER answer
 * retires the worker's acceptance for good. */
static bool worker_available(hive_handler *h, hive_worker *w) {
    if (w->phase != W_ACTIVE || !w->accepting || w->must_end) return false;
    const guest_ops *ops = h->ops;
    if (ops->max_concurrent && w->concurrent >= ops->max_concurrent) return false;
    if (ops->max_total && w->total >= ops->max_total) {
        w->accepting = false;
        if (w->concurrent == 0 && w->tasks == 0) worker_mark_end(h, w, HIVE_WORKER_END_OK, "retired");
        return false;
    }
    /* Requests in flight: only once the guest's loop has blocked, so that
     * CPU-bound requests do not pile onto one instance. */
    if ((w->concurrent > 0 || w->tasks > 0) && !w->blocked) return false;
    hive_accept a;
    if (h->policy.should_accept_request) {
        a = h->policy.should_accept_request(h->policy.user, w->store, w->concurrent, w->total);
    } else {
        size_t mc = h->cfg.max_concurrent ? h->cfg.max_concurrent : 1;
        size_t mt = h->cfg.max_total ? h->cfg.max_total : 1;
        a = w->total >= mt ? HIVE_ACCEPT_NEVER : w->concurrent >= mc ? HIVE_ACCEPT_NO : HIVE_ACCEPT_YES;
    }
    if (a == HIVE_ACCEPT_NEVER) {
        w->accepting = false;
        if (w->concurrent == 0 && w->tasks == 0) worker_mark_end(h, w, HIVE_WORKER_END_OK, "retired");
        return false;
    }
    return a == HIVE_ACCEPT_YES;
}

/* An idle worker that takes no more requests (NEVER, its reuse count, or
 * a request of it expired) ends; asks the policy when it still accepts.
 * h->lock held. */
static void worker_retire_if_idle(hive_handler *h, hive_worker *w) {
    if (w->must_end || w->phase != W_ACTIVE || w->concurrent > 0 || w->tasks > 0) return;
    if (w->accepting) (void)worker_available(h, w);
    if (!w->accepting && !w->must_end)
        worker_mark_end(h, w, HIVE_WORKER_END_OK,
                        w->had_expiry ? "drained after a request expired" : "retired");
}

/* Gives r to w (available). */
static void worker_accept(hive_handler *h, hive_worker *w, hive_req *r) {
    r->state = REQ_ASSIGNED;
    r->worker = w;
    r->accepted_at = now_ns();
    r->counted = true;
    r->has_task = true;
    r->task_id = ++h->next_task_id;
    atomic_store(&r->worker_id, w->id);
    atomic_fetch_add(&r->refs, 1); /* the worker's reference */
    list_push_back(&w->reqs, NULL, r);
    w->concurrent++;
    w->tasks++;
    w->total++;
    w->blocked = false;
    h->stats.requests_started++;
    worker_update_status(h, w);
    runq_push(h, w);
    worker_check(h, w);
    req_check(h, r);
}

/* Makes a worker (phase STARTING) and queues it to run. */
static hive_worker *worker_new(hive_handler *h) {
    hive_worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->h = h;
    w->id = ++h->next_worker_id;
    w->phase = W_STARTING;
    w->accepting = true;
    w->status = HIVE_WORKER_IDLE;
    w->status_start = now_ns();
    w->next = h->workers;
    if (h->workers) h->workers->prev = w;
    h->workers = w;
    h->nworkers++;
    h->stats.workers_started++;
    h->stats.workers_live = h->nworkers;
    worker_check(h, w);
    return w;
}

/* Places queued requests on available workers; starts a worker for them
 * when none is available and the pool has room. */
static void dispatch(hive_handler *h) {
    while (h->queue_head && !h->stopping) {
        hive_worker *found = NULL;
        for (hive_worker *w = h->workers; w; w = w->next)
            if (worker_available(h, w)) {
                found = w;
                break;
            }
        if (!found) break;
        hive_req *r = h->queue_head;
        queue_remove(h, r);
        worker_accept(h, found, r);
        req_release_ref(r); /* the queue's reference: the worker has its own */
    }
    if (!h->queue_head || h->stopping) {
        handler_check(h);
        return;
    }
    /* Requests wait and no worker is available: start workers for them
     * (one per waiting request, counting those already starting), as
     * far as the pool has room. */
    size_t starting = 0;
    for (hive_worker *w = h->workers; w; w = w->next)
        if (w->phase == W_STARTING && w->from_queue) starting++;
    size_t max_workers = h->cfg.max_workers ? h->cfg.max_workers : DEFAULT_MAX_WORKERS;
    while (starting < h->nqueued && h->nworkers < max_workers) {
        hive_worker *w = worker_new(h);
        if (!w) return;
        w->from_queue = true;
        runq_push(h, w);
        starting++;
    }
    handler_check(h);
}

/* ---- the guest-facing functions (guest.h) -------------------------------- */

const hive_request_info *hv_handler_req_info(const hive_req *req) { return &req->info; }

uint64_t hv_handler_worker_id(const hive_worker *w) { return w->id; }

int64_t hv_handler_req_read_body(hive_req *r, uint8_t *buf, size_t cap) {
    pthread_mutex_lock(&r->lock);
    int64_t n;
    if (r->in_len > r->in_off) {
        size_t avail = r->in_len - r->in_off;
        n = (int64_t)(avail < cap ? avail : cap);
        memcpy(buf, r->in_buf + r->in_off, (size_t)n);
        r->in_off += (size_t)n;
        r->body_consumed = true;
        if (r->in_off == r->in_len) r->in_off = r->in_len = 0;
        /* Below the low-water mark after a write said "full": the
         * embedder may feed again (a sink call on the guest's thread). */
        if (r->in_full && r->in_len - r->in_off < HIVE_REQ_BODY_LOW_WATER) {
            r->in_full = false;
            if (!r->finished && r->sink.on_input_drained && sink_enter(r)) {
                r->sink.on_input_drained(r->sink.ud);
                sink_leave(r);
            }
        }
    } else if (r->in_end || r->cancelled) {
        n = 0;
    } else {
        r->in_waiting = true;
        n = -1;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

int hv_handler_req_body_ready(hive_req *r) {
    pthread_mutex_lock(&r->lock);
    int ready = r->in_len > r->in_off || r->in_end || r->cancelled;
    if (!ready) r->in_waiting = true;
    pthread_mutex_unlock(&r->lock);
    return ready;
}

int hv_handler_req_head(hive_req *r, int status, const hive_header *headers, size_t nheaders,
                     int64_t content_length) {
    hive_handler *h = r->h;
    pthread_mutex_lock(&h->lock);
    /* Decided with the request uncounted in one step, so that its deadline
     * (timer_check) either failed it already or cannot any more. */
    pthread_mutex_lock(&r->lock);
    bool send = !r->finished && !r->cancelled && !r->head_sent;
    if (send) r->head_sent = true;
    pthread_mutex_unlock(&r->lock);
    if (r->worker) worker_uncount(h, r->worker, r);
    /* A response frees the worker for others. */
    dispatch(h);
    req_check(h, r);
    pthread_mutex_unlock(&h->lock);
    if (!send) return -1;
    pthread_mutex_lock(&r->lock);
    if (sink_enter(r)) {
        if (r->sink.on_head) r->sink.on_head(r->sink.ud, status, headers, nheaders, content_length);
        sink_leave(r);
    } else {
        send = false;
    }
    pthread_mutex_unlock(&r->lock);
    return send ? 0 : -1;
}

int hv_handler_req_body(hive_req *r, const uint8_t *data, size_t len) {
    pthread_mutex_lock(&r->lock);
    int rc = -1;
    if (!r->finished && !r->cancelled && r->head_sent) {
        rc = 0;
        if (len && r->sink.on_body) {
            uint64_t gen = r->out_gen;
            if (sink_enter(r)) {
                int full = r->sink.on_body(r->sink.ud, data, len);
                sink_leave(r);
                /* "Full", unless the embedder said ready meanwhile (its
                 * hive_req_output_ready must not be lost). */
                if (full != 0 && r->out_gen == gen) {
                    r->out_blocked = true;
                    rc = 1;
                }
            }
        }
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

int hv_handler_req_output_ready(hive_req *r) {
    pthread_mutex_lock(&r->lock);
    int ready = !r->out_blocked;
    pthread_mutex_unlock(&r->lock);
    return ready;
}

void hv_handler_req_trailers(hive_req *r, const hive_header *t, size_t n) {
    pthread_mutex_lock(&r->lock);
    if (n && r->sink.on_trailers && !r->finished && !r->cancelled && r->head_sent &&
        sink_enter(r)) {
        r->sink.on_trailers(r->sink.ud, t, n);
        sink_leave(r);
    }
    pthread_mutex_unlock(&r->lock);
}

void hv_handler_req_end(hive_req *r) {
    pthread_mutex_lock(&r->lock);
    if (!r->finished && !r->cancelled && r->head_sent) {
        r->finished = true;
        if (sink_enter(r)) {
            if (r->sink.on_end) r->sink.on_end(r->sink.ud);
            sink_leave(r);
        }
    }
    pthread_mutex_unlock(&r->lock);
}

void hv_handler_req_fail(hive_req *r, hive_handle_error e, const char *msg) {
    hive_handler *h = r->h;
    hive_req *pend = NULL;
    pthread_mutex_lock(&h->lock);
    /* INSTANTIATE: the request was not run, so it leaves its worker now,
     * before on_error: a hive_req_retry (from on_error, or from another
     * thread as soon as on_error began) can then place it again, which
     * req_replace refuses while the request is still on a worker */
    if (r->worker && e == HIVE_HANDLE_INSTANTIATE)
        worker_detach(h, r->worker, r);
    else if (r->worker)
        worker_uncount(h, r->worker, r);
    req_fail_locked(h, r, e, msg, &pend);
    dispatch(h); /* like a response, a failure frees the worker for others */
    req_check(h, r);
    pthread_mutex_unlock(&h->lock);
    req_flush(pend);
}

void hv_handler_req_task_done(hive_req *r) {
    hive_handler *h = r->h;
    hive_req *pend = NULL;
    pthread_mutex_lock(&h->lock);
    /* A response whose body was never closed ends with the task. */
    req_task_finished(h, r, "the guest finished without a response", &pend);
    /* checked once detached (not before: finished but still counted),
     * the worker's reference being gone then */
    if (HIVE_ASSERTS_ON) atomic_fetch_add(&r->refs, 1);
    if (r->worker) worker_detach(h, r->worker, r);
    if (HIVE_ASSERTS_ON) {
        req_check(h, r);
        req_release_ref(r);
    }
    dispatch(h);
    pthread_mutex_unlock(&h->lock);
    req_flush(pend);
}

void hv_handler_wake_at(hive_worker *w, uint64_t deadline_ns) {
    hive_handler *h = w->h;
    pthread_mutex_lock(&h->lock);
    w->wake_at = deadline_ns;
    timer_poke(h, deadline_ns);
    pthread_mutex_unlock(&h->lock);
}

void hv_handler_wake(hive_worker *w) {
    hive_handler *h = w->h;
    pthread_mutex_lock(&h->lock);
    runq_push(h, w);
    pthread_mutex_unlock(&h->lock);
}

/* ---- worker life on a guest thread --------------------------------------- */

/* Ends w: fails what it still holds, frees the instance, calls drop.
 * Called on the guest thread that owns w, without h->lock. */
static void worker_finish(hive_handler *h, hive_worker *w) {
    hive_req *pend = NULL;
    pthread_mutex_lock(&h->lock);
    w->phase = W_ENDING;
    hive_handle_error e = w->end == HIVE_WORKER_END_TRAP        ? HIVE_HANDLE_TRAPPED
                          : w->end == HIVE_WORKER_END_EXPIRED    ? HIVE_HANDLE_EXPIRED
                          : w->end == HIVE_WORKER_END_FUEL       ? HIVE_HANDLE_FUEL
                          : w->end == HIVE_WORKER_END_CANCELLED  ? HIVE_HANDLE_FAILED
                          : w->end == HIVE_WORKER_END_INSTANTIATE ? HIVE_HANDLE_INSTANTIATE
                          : w->end == HIVE_WORKER_END_SHUTDOWN   ? HIVE_HANDLE_SHUTDOWN
                          : w->end == HIVE_WORKER_END_FAILED     ? HIVE_HANDLE_FAILED
                                                                 : HIVE_HANDLE_NO_RESPONSE;
    /* Requests it accepted but never started in the guest (e.g. taken
     * between its last task's end and its exit) go back to the front of
     * the queue, unless it never ran or the handler is stopping. */
    bool requeue = w->end != HIVE_WORKER_END_INSTANTIATE && w->end != HIVE_WORKER_END_SHUTDOWN &&
                   !h->stopping;
    bool cut = false; /* work in flight was lost */
    while (w->reqs) {
        hive_req *r = w->reqs;
        if (requeue && r->state == REQ_ASSIGNED && !r->to_cancel) {
            atomic_fetch_add(&r->refs, 1); /* the queue's reference */
            worker_detach(h, w, r);
            w->total--; /* not served here after all */
            h->stats.requests_started--;
            atomic_store(&r->worker_id, 0);
            r->state = REQ_QUEUED;
            r->enqueued_at = now_ns();
            r->prev = NULL;
            r->next = h->queue_head;
            if (h->queue_head) h->queue_head->prev = r;
            else h->queue_tail = r;
            h->queue_head = r;
            h->nqueued++;
            continue;
        }
        if (r->has_task && !r->to_cancel) cut = true;
        req_fail_locked(h, r, e, w->end_msg[0] ? w->end_msg : NULL, &pend);
        worker_detach(h, w, r);
    }
    if (w->end == HIVE_WORKER_END_INSTANTIATE && w->from_queue) {
        /* Started for the queue and cannot run: fail the queue, so that
         * nothing waits forever. */
        while (h->queue_head) {
            hive_req *r = h->queue_head;
            queue_remove(h, r);
            r->state = REQ_GONE;
            req_fail_locked(h, r, HIVE_HANDLE_INSTANTIATE, w->end_msg, &pend);
            req_release_ref(r);
        }
    }
    worker_check(h, w);
    HIVE_ASSERT(!w->reqs && w->concurrent == 0 && w->tasks == 0);
    if (w->prev) w->prev->next = w->next;
    else h->workers = w->next;
    if (w->next) w->next->prev = w->prev;
    h->nworkers--;
    h->stats.workers_live = h->nworkers;
    h->stats.workers_ended[w->end]++;
    pthread_mutex_unlock(&h->lock);
    req_flush(pend);

    if (w->gi && h->ops->detach) h->ops->detach(w->gi); /* no wake-ups of w from here */
    if (w->gi) reap_instance(h, w->gi);
    w->gi = NULL;
    hive_worker_result res;
    memset(&res, 0, sizeof res);
    res.end = w->end;
    /* A shutdown is clean when it cut no work short. */
    res.ok = w->end == HIVE_WORKER_END_OK || w->end == HIVE_WORKER_END_IDLE_TIMEOUT ||
             (w->end == HIVE_WORKER_END_SHUTDOWN && !cut);
    snprintf(res.message, sizeof res.message, "%s", w->end_msg);
    res.worker_id = w->id;
    res.total_requests = w->total;
    if (h->policy.drop) h->policy.drop(h->policy.user, w->store, &res);

    pthread_mutex_lock(&h->lock);
    free(w);
    dispatch(h);
    pthread_cond_broadcast(&h->idle_cv);
    pthread_mutex_unlock(&h->lock);
}

/* Starts the worker's assigned requests in its guest (h->lock held on
 * entry and exit; released around the guest's start). Failures go on
 * *pend. */
static void worker_start_assigned(hive_handler *h, hive_worker *w, hive_req **pend) {
    for (;;) {
        hive_req *r = NULL;
        for (hive_req *q = w->reqs; q; q = q->next)
            if (q->state == REQ_ASSIGNED) r = q;
        if (!r) return;
        r->state = REQ_RUNNING;
        r->started_at = now_ns(); /* the origin (handler.h, "Clocks") */
        uint64_t deadline = h->policy.on_request_start
                                ? h->policy.on_request_start(h->policy.user, w->store, r->data,
                                                             r->task_id)
                                : 0;
        r->deadline = deadline;
        uint64_t fuel = h->policy.request_fuel ? h->policy.request_fuel(h->policy.user, w->store,
                                                                        r->data, r->task_id)
                                               : 0;
        r->has_fuel = fuel != 0;
        r->fuel_left = fuel;
        worker_update_status(h, w); /* its start is the REQUESTS origin now */
        req_check(h, r);
        worker_check(h, w);
        timer_poke(h, deadline);
        atomic_fetch_add(&r->refs, 1);
        pthread_mutex_unlock(&h->lock);
        uint64_t t0 = r->started_at; /* (a clock read less: the start is timed from there) */
        int rc = h->ops->start(w->gi, r, r->task_id);
        uint64_t t1 = now_ns();
        pthread_mutex_lock(&h->lock);
        stats_setup(h, t1 - t0 + w->setup_ns);
        w->setup_ns = 0;
        if (rc != 0 && r->worker == w) {
            req_fail_locked(h, r, HIVE_HANDLE_FAILED, "the guest could not start the request", pend);
            worker_detach(h, w, r);
        }
        /* an instance that cannot start a request and runs nothing else
         * is of no use: it ends as a failure, not as a clean retirement */
        if (rc != 0 && w->tasks == 0)
            worker_mark_end(h, w, HIVE_WORKER_END_FAILED, "the guest could not start a request");
        req_release_ref(r);
        if (w->must_end) return; /* the rest go back to the queue */
    }
}

/* Lets the guest drop requests marked to_cancel. Returns false when the
 * instance cannot go on: the worker must end with *end (EXPIRED when the
 * request expired, FUEL when its CPU budget ran out; for a cancelled one,
 * CANCELLED when nothing else was on the instance, else FAILED). h->lock
 * held. */
static bool worker_cancel_marked(hive_handler *h, hive_worker *w, hive_worker_end *end) {
    for (;;) {
        hive_req *r = NULL;
        for (hive_req *q = w->reqs; q; q = q->next)
            if (q->to_cancel) r = q;
        if (!r) return true;
        r->to_cancel = false;
        if (r->state == REQ_ASSIGNED) { /* never started: nothing to undo */
            worker_detach(h, w, r);
            continue;
        }
        bool expired = r->expired, fuel_out = r->fuel_out;
        atomic_fetch_add(&r->refs, 1);
        pthread_mutex_unlock(&h->lock);
        int rc = h->ops->cancel(w->gi, r);
        pthread_mutex_lock(&h->lock);
        if (r->worker == w) worker_detach(h, w, r);
        req_release_ref(r);
        if (rc != 0) {
            bool others = false;
            for (hive_req *q = w->reqs; q; q = q->next)
                if (!q->to_cancel) others = true;
            *end = expired    ? HIVE_WORKER_END_EXPIRED
                   : fuel_out ? HIVE_WORKER_END_FUEL
                   : others   ? HIVE_WORKER_END_FAILED
                              : HIVE_WORKER_END_CANCELLED;
            return false;
        }
    }
}

/* The guest says its tasks are over (IDLE or EXIT): requests it started
 * and did not report done finish like hv_handler_req_task_done. h->lock
 * held. */
static void worker_tasks_over(hive_handler *h, hive_worker *w, const char *why, hive_req **pend) {
    for (hive_req *r = w->reqs, *nx; r; r = nx) {
        nx = r->next;
        if (r->state != REQ_RUNNING) continue;
        req_task_finished(h, r, why, pend);
        worker_detach(h, w, r);
    }
}

/* Counts used units against the CPU budgets of w's running requests; a
 * request whose budget ran out while its task goes on fails with FUEL and
 * is marked for the guest to drop. h->lock held. */
static void worker_charge_fuel(hive_handler *h, hive_worker *w, uint64_t used, guest_run res,
                               hive_req **pend) {
    if (res == GUEST_RUN_TRAP || res == GUEST_RUN_EXIT) return; /* ending anyway */
    for (hive_req *r = w->reqs; r; r = r->next) {
        if (r->state != REQ_RUNNING || !r->has_fuel || r->to_cancel) continue;
        r->fuel_left -= used < r->fuel_left ? used : r->fuel_left;
        if (r->fuel_left > 0) continue;
        worker_uncount(h, w, r);
        char msg[128];
        snprintf(msg, sizeof msg, "the request's CPU budget ran out");
        req_fail_locked(h, r, HIVE_HANDLE_FUEL, msg, pend);
        r->to_cancel = true;
        r->fuel_out = true;
        w->woken = true; /* runs again at once, to drop it */
        req_check(h, r);
    }
}

/* One turn of w on this guest thread: instantiate if new, start assigned
 * requests, run a slice, and file the worker by the outcome. h->lock is
 * held on entry and exit. Sink calls decided on the way go on *pend. */
static void worker_turn(hive_handler *h, hive_worker *w, uint64_t budget, hive_req **pend) {
    w->on_thread = true;
    w->woken = false;
    worker_check(h, w);
    if (w->phase == W_STARTING && !w->must_end) {
        pthread_mutex_unlock(&h->lock);
        hive_error err;
        memset(&err, 0, sizeof err);
        int rc = 0;
        void *store = NULL;
        if (h->policy.instantiate) rc = h->policy.instantiate(h->policy.user, w->id, &store, &err);
        guest_inst *gi = NULL;
        uint64_t t0 = now_ns();
        if (rc == 0) rc = h->ops->instantiate(h->guest, w, &gi, &err);
        w->setup_ns = now_ns() - t0;
        pthread_mutex_lock(&h->lock);
        w->store = store;
        if (rc != 0) {
            w->gi = NULL;
            worker_mark_end(h, w, HIVE_WORKER_END_INSTANTIATE,
                            err.message[0] ? err.message : hive_strerror(rc));
        } else {
            w->gi = gi;
            w->phase = W_ACTIVE;
            worker_update_status(h, w); /* the first ask: it has a store now */
        }
    }
    hive_worker_end why = HIVE_WORKER_END_OK;
    if (!w->must_end && !worker_cancel_marked(h, w, &why))
        worker_mark_end(h, w, why,
                        why == HIVE_WORKER_END_EXPIRED ? "request expired"
                        : why == HIVE_WORKER_END_FUEL  ? "a request's CPU budget ran out"
                                                       : "ended to drop a cancelled request");
    if (!w->must_end) worker_start_assigned(h, w, pend);
    if (w->must_end) {
        pthread_mutex_unlock(&h->lock);
        worker_finish(h, w);
        pthread_mutex_lock(&h->lock);
        return;
    }
    if (w->tasks == 0 && w->concurrent == 0) {
        /* Nothing to run: an idle worker waits for requests or expiry, or
         * ends if it takes no more. */
        w->on_thread = false;
        w->blocked = true;
        w->waiting = true;
        worker_retire_if_idle(h, w);
        worker_check(h, w);
        dispatch(h);
        return;
    }
    /* A slice never passes the CPU budget of a running request. */
    for (hive_req *r = w->reqs; r; r = r->next)
        if (r->state == REQ_RUNNING && r->has_fuel && !r->to_cancel && r->fuel_left < budget)
            budget = r->fuel_left ? r->fuel_left : 1;
    w->blocked = false; /* running, so not blocked, whatever the last slice did */
    size_t total0 = w->total;
    pthread_mutex_unlock(&h->lock);
    guest_run res = h->ops->run(w->gi, budget);
    uint64_t used = h->ops->used ? h->ops->used(w->gi) : res == GUEST_RUN_MORE ? budget : 0;
    const char *why_trap = res == GUEST_RUN_TRAP && h->ops->error ? h->ops->error(w->gi) : NULL;
    pthread_mutex_lock(&h->lock);
    worker_charge_fuel(h, w, used, res, pend);
    /* The slice blocked, unless it took a request meanwhile (after its
     * last task ended): that one has not run yet. */
    bool fresh = w->total != total0;
    switch (res) {
    case GUEST_RUN_MORE:
        break;
    case GUEST_RUN_WAIT:
        w->blocked = !fresh;
        break;
    case GUEST_RUN_IDLE:
        /* Every task finished, reported or not. */
        w->blocked = !fresh;
        worker_tasks_over(h, w, "the guest finished without a response", pend);
        break;
    case GUEST_RUN_EXIT:
        w->accepting = false;
        /* Tasks still recorded had no end: they finished with the guest. */
        worker_tasks_over(h, w, "the guest exited without a response", pend);
        worker_mark_end(h, w, HIVE_WORKER_END_OK, "");
        break;
    case GUEST_RUN_TRAP:
        worker_mark_end(h, w, HIVE_WORKER_END_TRAP, why_trap ? why_trap : "trap");
        break;
    }
    if (w->must_end) {
        pthread_mutex_unlock(&h->lock);
        worker_finish(h, w);
        pthread_mutex_lock(&h->lock);
        return;
    }
    if (res != GUEST_RUN_MORE && !w->woken) {
        w->waiting = true;
        /* Idle: ask whether it takes more at all (the policy may say
         * NEVER, e.g. at its reuse count); retire it if not, and end it
         * here, on this thread (still on_thread: it is not queued). */
        worker_retire_if_idle(h, w);
        if (w->must_end) {
            pthread_mutex_unlock(&h->lock);
            worker_finish(h, w);
            pthread_mutex_lock(&h->lock);
            return;
        }
    }
    w->on_thread = false;
    if (res == GUEST_RUN_MORE || w->woken) runq_push(h, w);
    worker_check(h, w);
    dispatch(h);
}

static void *guest_thread(void *arg) {
    hive_handler *h = arg;
    pthread_mutex_lock(&h->lock);
    while (!h->quit) {
        hive_worker *w = runq_pop(h);
        if (!w) {
            pthread_cond_wait(&h->work_cv, &h->lock);
            continue;
        }
        hive_req *pend = NULL;
        worker_turn(h, w, h->cfg.slice_budget ? h->cfg.slice_budget : DEFAULT_SLICE, &pend);
        if (pend) {
            pthread_mutex_unlock(&h->lock);
            req_flush(pend);
            pthread_mutex_lock(&h->lock);
        }
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

size_t hive_handler_run_inline(hive_handler *h, uint64_t max_ns) {
    size_t turns = 0;
    pthread_mutex_lock(&h->lock);
    uint64_t t0 = max_ns ? now_ns() : 0;
    while (h->inq_head) {
        if (!max_ns || h->stopping || h->quit || now_ns() - t0 >= max_ns) {
            inq_handoff(h); /* out of time: the guest threads take the rest */
            break;
        }
        hive_worker *w = h->inq_head;
        h->inq_head = w->rnext;
        if (!h->inq_head) h->inq_tail = NULL;
        w->in_runq = false;
        /* One short slice here; a guest that needs more (MORE, or woken
         * meanwhile) goes to the run queue from worker_turn: one handoff. */
        hive_req *pend = NULL;
        uint64_t budget = h->cfg.slice_budget ? h->cfg.slice_budget : DEFAULT_SLICE;
        worker_turn(h, w, h->cfg.inline_budget < budget ? h->cfg.inline_budget : budget, &pend);
        turns++;
        if (pend) {
            pthread_mutex_unlock(&h->lock);
            req_flush(pend);
            pthread_mutex_lock(&h->lock);
        }
    }
    pthread_mutex_unlock(&h->lock);
    return turns;
}

/* ---- deadlines ----------------------------------------------------------- */

/* Acts on every deadline that has passed; returns the next one (0 none).
 * Sink calls go on *pend. */
static uint64_t timer_check(hive_handler *h, uint64_t now, hive_req **pend) {
    uint64_t next = 0;
#define NEXT(t)                                    \
    do {                                           \
        if ((t) && (next == 0 || (t) < next)) next = (t); \
    } while (0)
    uint64_t qt = h->cfg.queue_timeout_ns;
    for (hive_req *r = h->queue_head; r && qt;) {
        hive_req *nx = r->next;
        if (now >= r->enqueued_at + qt) {
            queue_remove(h, r);
            r->state = REQ_GONE;
            req_fail_locked(h, r, HIVE_HANDLE_QUEUE_TIMEOUT, "no worker became available in time",
                            pend);
            req_release_ref(r);
        } else {
            NEXT(r->enqueued_at + qt);
        }
        r = nx;
    }
    for (hive_worker *w = h->workers; w; w = w->next) {
        /* Each request's own deadline, whatever its worker's state (one
         * already marked to end included: its guest may take a while to
         * be stopped, its requests do not wait for that). */
        for (hive_req *r = w->reqs; r; r = r->next) {
            if (!r->deadline || r->to_cancel || !r->counted) continue;
            if (now >= r->deadline && w->must_end) {
                worker_uncount(h, w, r);
                req_fail_locked(h, r, HIVE_HANDLE_EXPIRED, "request deadline passed", pend);
                r->expired = true;
            } else if (now >= r->deadline) {
                /* Expired before its response head: the caller gets 504,
                 * the worker takes no new requests, and the guest drops
                 * the request (or the worker ends, if it cannot). */
                worker_uncount(h, w, r);
                req_fail_locked(h, r, HIVE_HANDLE_EXPIRED, "request deadline passed", pend);
                r->to_cancel = true;
                r->expired = true;
                w->accepting = false;
                w->had_expiry = true;
                if (w->on_thread) {
                    if (w->gi) h->ops->interrupt(w->gi);
                    w->woken = true;
                } else {
                    runq_push(h, w);
                }
            } else {
                NEXT(r->deadline);
            }
            req_check(h, r);
        }
        if (w->wake_at) {
            if (now >= w->wake_at) {
                w->wake_at = 0;
                runq_push(h, w);
            } else {
                NEXT(w->wake_at);
            }
        }
        if (w->expire_at && !w->must_end) {
            if (now >= w->expire_at) {
                bool idle = w->status == HIVE_WORKER_IDLE;
                worker_mark_end(h, w, idle ? HIVE_WORKER_END_IDLE_TIMEOUT : HIVE_WORKER_END_EXPIRED,
                                idle ? "idle timeout" : "worker expired");
                if (!idle) worker_fail_outstanding(h, w, HIVE_HANDLE_EXPIRED, "worker expired", pend);
            } else {
                NEXT(w->expire_at);
            }
        }
        worker_check(h, w);
    }
    handler_check(h);
#undef NEXT
    return next;
}

static void *timer_thread(void *arg) {
    hive_handler *h = arg;
    pthread_mutex_lock(&h->lock);
    while (!h->quit) {
        hive_req *pend = h->late; /* failures to deliver on a handler thread */
        h->late = NULL;
        uint64_t now = now_ns();
        uint64_t next = timer_check(h, now, &pend);
        if (pend) { /* deliver, then look again: things changed meanwhile */
            h->timer_until = 0;
            pthread_mutex_unlock(&h->lock);
            req_flush(pend);
            pthread_mutex_lock(&h->lock);
            continue;
        }
        /* While workers live, look again at least every TIMER_LOOK_NS: a
         * deadline later than that (an idle timeout, each instance's at
         * the end of its request) then needs no wake-up to be seen in
         * time. */
        if (h->nworkers && (next == 0 || next > now + TIMER_LOOK_NS)) next = now + TIMER_LOOK_NS;
        if (next == 0) {
            h->timer_until = UINT64_MAX;
            pthread_cond_wait(&h->timer_cv, &h->lock);
        } else {
            h->timer_until = next;
            struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
            pthread_cond_timedwait(&h->timer_cv, &h->lock, &ts);
        }
        h->timer_until = 0;
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* ---- public API ---------------------------------------------------------- */

static int cond_init_monotonic(pthread_cond_t *c) {
    pthread_condattr_t a;
    if (pthread_condattr_init(&a)) return -1;
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
    return rc ? -1 : 0;
}

int hive_handler_new(hive_guest *guest, const hive_policy *policy, const hive_handler_config *cfg,
                     hive_handler **out, hive_error *err) {
    *out = NULL;
    if (!guest || !guest->ops) return hv_error_set(err, HIVE_EARG, 0, "no guest");
    hive_handler *h = calloc(1, sizeof *h);
    if (!h) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    h->guest = guest;
    h->ops = guest->ops;
    if (policy) h->policy = *policy;
    if (cfg) h->cfg = *cfg;
    if (!h->cfg.max_queued) h->cfg.max_queued = DEFAULT_QUEUE;
    unsigned n = h->cfg.threads;
    if (!n) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (unsigned)c : 1;
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->work_cv, NULL);
    pthread_cond_init(&h->idle_cv, NULL);
    pthread_cond_init(&h->reap_cv, NULL);
    if (cond_init_monotonic(&h->timer_cv) != 0) {
        free(h);
        return hv_error_set(err, HIVE_ENOMEM, 0, "cannot make a condition variable");
    }
    h->threads = calloc(n, sizeof *h->threads);
    if (!h->threads) {
        free(h);
        return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    }
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&h->threads[i], NULL, guest_thread, h) != 0) break;
        h->nthreads++;
    }
    if (h->nthreads > 0 && pthread_create(&h->timer, NULL, timer_thread, h) == 0)
        h->timer_started = true;
    /* optional: without it, instances are freed on the guest threads */
    if (h->timer_started && pthread_create(&h->reaper, NULL, reaper_thread, h) == 0)
        h->reaper_started = true;
    if (h->nthreads == 0 || !h->timer_started) {
        hive_handler_free(h, 0);
        return hv_error_set(err, HIVE_ENOMEM, 0, "cannot start threads");
    }
    *out = h;
    return HIVE_OK;
}

void hive_handler_free(hive_handler *h, uint64_t grace_ns) {
    if (!h) return;
    hive_req *pend = NULL;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    inq_handoff(h); /* nobody runs them inline any more */
    while (h->queue_head) {
        hive_req *r = h->queue_head;
        queue_remove(h, r);
        r->state = REQ_GONE;
        req_fail_locked(h, r, HIVE_HANDLE_SHUTDOWN, "shutting down", &pend);
        req_release_ref(r);
    }
    pthread_mutex_unlock(&h->lock);
    req_flush(pend);
    pthread_mutex_lock(&h->lock);
    /* Let work in flight finish within the grace period. */
    uint64_t until = now_ns() + grace_ns;
    for (;;) {
        bool busy = false;
        for (hive_worker *w = h->workers; w; w = w->next)
            if (w->concurrent > 0 || w->tasks > 0 || w->phase == W_STARTING) busy = true;
        if (!busy || now_ns() >= until || h->nthreads == 0) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&h->idle_cv, &h->lock, &ts);
    }
    for (hive_worker *w = h->workers; w; w = w->next) {
        worker_mark_end(h, w, HIVE_WORKER_END_SHUTDOWN, "shutting down");
        /* delivered by the timer thread, which runs until the end */
        worker_fail_outstanding(h, w, HIVE_HANDLE_SHUTDOWN, "shutting down", &h->late);
    }
    pthread_cond_signal(&h->timer_cv);
    while (h->workers && h->nthreads > 0) pthread_cond_wait(&h->idle_cv, &h->lock);
    h->quit = true;
    pthread_cond_broadcast(&h->work_cv);
    pthread_cond_broadcast(&h->timer_cv);
    pthread_mutex_unlock(&h->lock);
    for (unsigned i = 0; i < h->nthreads; i++) pthread_join(h->threads[i], NULL);
    if (h->timer_started) pthread_join(h->timer, NULL);
    if (h->reaper_started) { /* frees what is left, then ends */
        pthread_mutex_lock(&h->lock);
        h->reaper_quit = true;
        pthread_cond_signal(&h->reap_cv);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->reaper, NULL);
    }
    req_flush(h->late); /* what the timer thread did not get to */
    h->late = NULL;
    free(h->threads);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->work_cv);
    pthread_cond_destroy(&h->timer_cv);
    pthread_cond_destroy(&h->idle_cv);
    pthread_cond_destroy(&h->reap_cv);
    free(h);
}

static size_t str_size(const char *s) { return s ? strlen(s) + 1 : 1; }

/* Copies s into the arena at *p; returns the copy. */
static const char *arena_put(char **p, const char *s, size_t n) {
    char *d = *p;
    if (n && s) memcpy(d, s, n);
    d[n] = 0;
    *p += n + 1;
    return d;
}

/* Deep-copies info into r. */
static int req_copy_info(hive_req *r, const hive_request_info *in) {
    size_t total = str_size(in->method) + str_size(in->path) + str_size(in->query) +
                   str_size(in->version) + str_size(in->remote_addr) +
                   str_size(in->server_name) + str_size(in->scheme);
    for (size_t i = 0; i < in->nheaders; i++)
        total += in->headers[i].name_len + in->headers[i].value_len + 2;
    r->arena = malloc(total);
    r->headers = calloc(in->nheaders ? in->nheaders : 1, sizeof *r->headers);
    if (!r->arena || !r->headers) return -1;
    char *p = r->arena;
    r->info = *in;
#define PUT(field) r->info.field = arena_put(&p, in->field, in->field ? strlen(in->field) : 0)
    PUT(method);
    PUT(path);
    PUT(query);
    PUT(version);
    PUT(remote_addr);
    PUT(server_name);
    PUT(scheme);
#undef PUT
    for (size_t i = 0; i < in->nheaders; i++) {
        r->headers[i].name = arena_put(&p, in->headers[i].name, in->headers[i].name_len);
        r->headers[i].name_len = in->headers[i].name_len;
        r->headers[i].value = arena_put(&p, in->headers[i].value, in->headers[i].value_len);
        r->headers[i].value_len = in->headers[i].value_len;
    }
    r->info.headers = r->headers;
    return 0;
}

/* Places r (state REQ_NEW, or GONE after a failed instantiation): an
 * available worker takes it; else a new worker starts with it (no queue
 * hop); else it waits in the queue. Takes over one reference of r (the
 * handler's). Failures go to the timer thread (h->late), not to this
 * caller's thread. h->lock held. */
static void req_place(hive_handler *h, hive_req *r) {
    if (h->stopping) {
        r->state = REQ_GONE;
        req_fail_locked(h, r, HIVE_HANDLE_SHUTDOWN, "shutting down", &h->late);
        pthread_cond_signal(&h->timer_cv);
        req_release_ref(r);
        return;
    }
    hive_worker *found = NULL;
    if (!h->queue_head) /* first come, first served */
        for (hive_worker *w = h->workers; w; w = w->next)
            if (worker_available(h, w)) {
                found = w;
                break;
            }
    size_t max_workers = h->cfg.max_workers ? h->cfg.max_workers : DEFAULT_MAX_WORKERS;
    if (!found && !h->queue_head && h->nworkers < max_workers) found = worker_new(h);
    if (found) {
        worker_accept(h, found, r);
        req_release_ref(r); /* worker_accept took its own reference */
    } else if (h->nqueued >= h->cfg.max_queued) {
        r->state = REQ_GONE;
        req_fail_locked(h, r, HIVE_HANDLE_QUEUE_FULL, "too many requests waiting", &h->late);
        pthread_cond_signal(&h->timer_cv);
        req_release_ref(r);
    } else {
        r->state = REQ_QUEUED;
        r->enqueued_at = now_ns();
        list_push_back(&h->queue_head, &h->queue_tail, r);
        h->nqueued++;
        dispatch(h);
        pthread_cond_signal(&h->timer_cv);
    }
}

hive_req *hive_handler_handle(hive_handler *h, const hive_request_info *info,
                              const hive_req_sink *sink, void *request_data) {
    hive_req *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    atomic_init(&r->refs, 2); /* the caller's and the handler's */
    r->h = h;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cb_cv, NULL);
    r->sink = *sink;
    r->data = request_data;
    if (req_copy_info(r, info) != 0) {
        free(r->headers);
        free(r->arena);
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->cb_cv);
        free(r);
        return NULL;
    }
    pthread_mutex_lock(&h->lock);
    /* Failures here are delivered by the timer thread (h->late), not
     * inside this call on the embedder's thread. */
    h->placing_inline = h->cfg.inline_budget != 0 && !h->stopping;
    req_place(h, r);
    h->placing_inline = false;
    req_check(h, r); /* the caller's reference keeps it */
    pthread_mutex_unlock(&h->lock);
    return r;
}

int hive_req_body_write(hive_req *r, const uint8_t *data, size_t len) {
    hive_handler *h = r->h;
    pthread_mutex_lock(&h->lock);
    pthread_mutex_lock(&r->lock);
    int rc = 0;
    if (r->in_end || r->cancelled) {
        rc = HIVE_ESTATE;
    } else if (len) {
        if (r->in_off > 0 && r->in_off == r->in_len) r->in_off = r->in_len = 0;
        if (r->in_off > 0 && r->in_len + len > r->in_cap) {
            /* reuse the read part before growing */
            memmove(r->in_buf, r->in_buf + r->in_off, r->in_len - r->in_off);
            r->in_len -= r->in_off;
            r->in_off = 0;
        }
        if (r->in_len + len > r->in_cap) {
            size_t cap = r->in_cap ? r->in_cap : 4096;
            while (cap < r->in_len + len) cap *= 2;
            uint8_t *nb = realloc(r->in_buf, cap);
            if (!nb) {
                rc = HIVE_ENOMEM;
                goto out;
            }
            r->in_buf = nb;
            r->in_cap = cap;
        }
        memcpy(r->in_buf + r->in_len, data, len);
        r->in_len += len;
    }
    if (rc == 0 && r->in_len - r->in_off > HIVE_REQ_BODY_HIGH_WATER) {
        r->in_full = true;
        rc = 1;
    }
    if (r->in_waiting && r->worker) {
        r->in_waiting = false;
        runq_push(h, r->worker);
    }
out:
    pthread_mutex_unlock(&r->lock);
    req_check(h, r);
    pthread_mutex_unlock(&h->lock);
    return rc;
}

void hive_req_body_trailers(hive_req *r, const hive_header *t, size_t n) {
    size_t bytes = n * sizeof *t;
    for (size_t i = 0; i < n; i++) bytes += t[i].name_len + t[i].value_len + 2;
    hive_header *c = n ? malloc(bytes) : NULL;
    if (!c) return; /* none, or out of memory: the trailers are lost */
    char *p = (char *)(c + n);
    for (size_t i = 0; i < n; i++) {
        c[i] = (hive_header){p, t[i].name_len, p + t[i].name_len + 1, t[i].value_len};
        memcpy(p, t[i].name, t[i].name_len);
        p[t[i].name_len] = 0;
        p += t[i].name_len + 1;
        memcpy(p, t[i].value, t[i].value_len);
        p[t[i].value_len] = 0;
        p += t[i].value_len + 1;
    }
    pthread_mutex_lock(&r->lock);
    if (r->in_end || r->in_trailers) {
        free(c);
    } else {
        r->in_trailers = c;
        r->in_ntrailers = n;
    }
    pthread_mutex_unlock(&r->lock);
}

const hive_header *hv_handler_req_body_trailers(hive_req *r, size_t *n) {
    pthread_mutex_lock(&r->lock);
    const hive_header *t = r->in_end ? r->in_trailers : NULL;
    *n = t ? r->in_ntrailers : 0;
    pthread_mutex_unlock(&r->lock);
    return t;
}

void hive_req_body_end(hive_req *r) {
    hive_handler *h = r->h;
    pthread_mutex_lock(&h->lock);
    pthread_mutex_lock(&r->lock);
    r->in_end = true;
    if (r->in_waiting && r->worker) {
        r->in_waiting = false;
        runq_push(h, r->worker);
    }
    pthread_mutex_unlock(&r->lock);
    req_check(h, r);
    pthread_mutex_unlock(&h->lock);
}

void hive_req_output_ready(hive_req *r) {
    hive_handler *h = r->h;
    pthread_mutex_lock(&h->lock);
    pthread_mutex_lock(&r->lock);
    bool was = r->out_blocked;
    r->out_blocked = false;
    r->out_gen++;
    pthread_mutex_unlock(&r->lock);
    if (was && r->worker) runq_push(h, r->worker);
    req_check(h, r);
    pthread_mutex_unlock(&h->lock);
}

void hive_req_cancel(hive_req *r) {
    hive_handler *h = r->h;
    pthread_mutex_lock(&h->lock);
    pthread_mutex_lock(&r->lock);
    bool already = r->cancelled;
    bool open = !r->finished; /* else it ended, or its failure is decided */
    r->cancelled = true;
    r->finished = true;
    pthread_mutex_unlock(&r->lock);
    if (!already) {
        if (r->state == REQ_QUEUED) {
            queue_remove(h, r);
            r->state = REQ_GONE;
            req_release_ref(r);
        } else if (r->worker && (r->state == REQ_ASSIGNED || r->state == REQ_RUNNING)) {
            hive_worker *w = r->worker;
            worker_uncount(h, w, r);
            r->to_cancel = true;
            if (w->on_thread) {
                if (w->gi) h->ops->interrupt(w->gi);
                w->woken = true;
            } else {
                runq_push(h, w);
            }
        }
        if (open) h->stats.requests_failed[HIVE_HANDLE_CANCELLED]++;
    }
    req_check(h, r);
    pthread_mutex_unlock(&h->lock);
    /* A sink call running on another thread returns before this does (one
     * running on this thread is the caller). */
    pthread_mutex_lock(&r->lock);
    while (r->in_cb && !pthread_equal(r->cb_thread, pthread_self()))
        pthread_cond_wait(&r->cb_cv, &r->lock);
    pthread_mutex_unlock(&r->lock);
}

/* Places a request again after its failed instantiation (hive_req_retry),
 * unless it was cancelled meanwhile. No lock held. */
static void req_replace(hive_req *r) {
    hive_handler *h = r->h;
    pthread_mutex_lock(&h->lock);
    pthread_mutex_lock(&r->lock);
    bool ok = !r->cancelled && r->state == REQ_GONE && !r->worker;
    if (ok) {
        r->finished = false;
        r->head_sent = false;
    }
    pthread_mutex_unlock(&r->lock);
    if (ok) {
        r->to_cancel = r->expired = false;
        r->counted = r->has_task = false;
        r->deadline = 0;
        atomic_store(&r->worker_id, 0);
        r->state = REQ_NEW;
        atomic_fetch_add(&r->refs, 1); /* the handler's, which req_place takes */
        req_place(h, r);
    }
    req_check(h, r); /* req_flush's reference keeps it */
    pthread_mutex_unlock(&h->lock);
}

int hive_req_retry(hive_req *r) {
    if (!r) return HIVE_EARG;
    pthread_mutex_lock(&r->lock);
    if (!r->retry_ok || r->cancelled || r->body_consumed) {
        pthread_mutex_unlock(&r->lock);
        return HIVE_ESTATE;
    }
    r->retry_ok = false;
    if (r->in_cb && pthread_equal(r->cb_thread, pthread_self())) {
        /* inside its on_error: req_flush places it after the callback */
        r->retry_pending = true;
        pthread_mutex_unlock(&r->lock);
        return 0;
    }
    /* on_error running on another thread returns first: no sink call of
     * the new placement may overlap it */
    while (r->in_cb) pthread_cond_wait(&r->cb_cv, &r->lock);
    pthread_mutex_unlock(&r->lock);
    req_replace(r);
    return 0;
}

uint64_t hive_req_worker_id(const hive_req *r) {
    return atomic_load(&((hive_req *)r)->worker_id);
}

void hive_req_release(hive_req *r) {
    if (r) req_release_ref(r);
}

void hive_handler_stats_get(hive_handler *h, hive_handler_stats *out) {
    pthread_mutex_lock(&h->lock);
    *out = h->stats;
    out->queued = h->nqueued;
    out->workers_live = h->nworkers;
    pthread_mutex_unlock(&h->lock);
    if (h->ops->memory) h->ops->memory(h->guest, &out->memory_committed, &out->memory_budget);
}

void hive_guest_free(hive_guest *guest) {
    if (guest && guest->ops && guest->ops->free_guest) guest->ops->free_guest(guest);
}
