/*
 * guest.h -- the guest-kind interface: how the worker pool (pool.c) runs
 * one kind of guest (WAGI modules, later wasi:http components) without
 * knowing what it is.
 *
 * A guest kind makes instances (one per worker), starts requests in them,
 * and runs them in slices on the pool's threads. While running it reports
 * back through the handler_req_* functions below; when it must wait (for
 * request body bytes, for output room, for a timer) it returns
 * GUEST_RUN_WAIT and arranges for hv_handler_wake() to be called when it can
 * go on. The pool never runs one instance on two threads at once.
 */
#ifndef HIVE_HANDLER_GUEST_H
#define HIVE_HANDLER_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "hive/handler.h"

typedef struct guest_inst guest_inst; /* a kind's instance; opaque here */

typedef enum guest_run {
    GUEST_RUN_MORE = 0, /* the slice is used up; runnable */
    GUEST_RUN_WAIT = 1, /* waiting; hv_handler_wake() will be called */
    GUEST_RUN_IDLE = 2, /* every task finished; can take requests */
    GUEST_RUN_EXIT = 3, /* finished and can take no more requests */
    GUEST_RUN_TRAP = 4  /* trapped; message in guest_ops.error */
} guest_run;

typedef struct guest_ops {
    const char *name;
    /* Requests one instance may serve at once and over its life (0: no
     * limit). The policy is asked only within these. */
    size_t max_concurrent, max_total;
    /* Makes an instance for worker w. Returns 0, or an error code with
     * err filled. */
    int (*instantiate)(hive_guest *guest, hive_worker *w, guest_inst **out, hive_error *err);
    /* Starts serving req (a new task). Returns 0, or -1 when the
     * instance cannot take it (the request then fails FAILED). */
    int (*start)(guest_inst *gi, hive_req *req, uint64_t task_id);
    /* Runs for about budget units of work. */
    guest_run (*run)(guest_inst *gi, uint64_t budget);
    /* Any thread: makes a run() in progress return soon (MORE). */
    void (*interrupt)(guest_inst *gi);
    /* Units of work the last run() used (at most its budget). NULL: a
     * MORE result counts the whole budget, any other none. */
    uint64_t (*used)(guest_inst *gi);
    /* The kind's linear memory now and its budget, in bytes (NULL: 0). */
    void (*memory)(hive_guest *guest, uint64_t *committed, uint64_t *budget);
    /* Drops one request's task. Returns 0 when the instance lives on,
     * -1 when the instance can no longer run (it is then freed). */
    int (*cancel)(guest_inst *gi, hive_req *req);
    /* The reason of the last GUEST_RUN_TRAP (may be NULL). */
    const char *(*error)(guest_inst *gi);
    void (*free)(guest_inst *gi);
    /* Frees the kind's own state (the hive_guest). */
    void (*free_guest)(hive_guest *guest);
    /* Optional: bytes of linear memory the instance holds. One of at most
     * GUEST_FREE_INLINE bytes is freed at once on the thread that ran it;
     * a larger one (or any, when NULL) by the pool's reaper thread. */
    uint64_t (*footprint)(guest_inst *gi);
    /* Optional: the instance's worker ends (called on its thread, before
     * the instance is handed to free, which may run later on another
     * thread). The instance runs no more; from here on nothing of it may
     * call hv_handler_wake or hv_handler_wake_at (the worker is freed next):
     * e.g. its outgoing requests are released (hv_hc_release is the barrier
     * for the HTTP client's notify). */
    void (*detach)(guest_inst *gi);
} guest_ops;

#define GUEST_FREE_INLINE (4u << 20)

/* Every guest kind's hive_guest starts with this. */
struct hive_guest {
    const guest_ops *ops;
};

/* ---- what a guest kind calls while it runs (its own thread) ------------ */

/* The request as given to hive_handler_handle. */
const hive_request_info *hv_handler_req_info(const hive_req *req);

/* Reads up to cap body bytes: > 0 bytes read, 0 at the end of the body,
 * -1 when none have arrived yet (the worker is woken when some do). */
int64_t hv_handler_req_read_body(hive_req *req, uint8_t *buf, size_t cap);
/* After hv_handler_req_read_body returned 0: the request's trailer fields
 * (may be none), valid while the request is. */
const hive_header *hv_handler_req_body_trailers(hive_req *req, size_t *n);
/* 1 when body bytes (or the end) can be read now, 0 otherwise. */
int hv_handler_req_body_ready(hive_req *req);

/* The response head. Returns 0, or -1 when the request is gone
 * (cancelled or expired): the guest should drop it. */
int hv_handler_req_head(hive_req *req, int status, const hive_header *headers, size_t nheaders,
                     int64_t content_length);
/* Body bytes: 0 sent, 1 sent but the sink is full (wait for the wake
 * before sending more), -1 the request is gone. */
int hv_handler_req_body(hive_req *req, const uint8_t *data, size_t len);
/* 1 when the sink can take more body bytes now. */
int hv_handler_req_output_ready(hive_req *req);
/* The response's trailer fields (copied), just before hv_handler_req_end. */
void hv_handler_req_trailers(hive_req *req, const hive_header *trailers, size_t n);
/* The response is complete. */
void hv_handler_req_end(hive_req *req);
/* The request fails (e.g. a malformed response head) with error. */
void hv_handler_req_fail(hive_req *req, hive_handle_error error, const char *message);
/* The task serving req has finished (its response may have come before). */
void hv_handler_req_task_done(hive_req *req);

/* Any thread: worker w, which returned GUEST_RUN_WAIT, may run again. */
void hv_handler_wake(hive_worker *w);

/* Wakes worker w at monotonic time deadline_ns (e.g. a guest sleeping in
 * poll_oneoff), unless something wakes it earlier. Own thread only. */
void hv_handler_wake_at(hive_worker *w, uint64_t deadline_ns);

/* The worker's id (for logs). */
uint64_t hv_handler_worker_id(const hive_worker *w);

#endif
