/*
 * hive/handler.h -- the worker pool: requests in, guest workers out.
 *
 * A handler receives requests (hive_handler_handle) and gives each to a
 * worker: one guest instance plus its bookkeeping, living until it exits.
 * A worker may serve several requests over its life, in turn, or at once
 * when its guest kind can suspend mid-request. The embedder steers the
 * pool through a policy (the C form of wasmtime's WorkerState):
 *
 *   instantiate            make the per-worker state, or fail
 *   should_accept_request  YES / NO (not now) / NEVER (retire when done),
 *                          from the worker's concurrent and total counts
 *   on_request_start       the request's deadline (or none)
 *   worker_expiration      when the worker as a whole must end, by status
 *   drop                   once per worker, with how it ended
 *
 * Guests run in time slices on the handler's threads; a guest waiting on
 * a host call (request body, output backpressure, a timer) holds no
 * thread. A request's deadline is enforced while its guest computes: the
 * guest is stopped within about a millisecond of it (see "Deadlines"
 * below). Requests that find no worker start one directly while the pool
 * has fewer than max_workers; otherwise they queue (bounded, with a
 * timeout).
 *
 * Threads: sink callbacks run on the handler's threads (and, for requests
 * still queued at shutdown, inside hive_handler_free), never concurrently
 * for the same request, with no handler lock held: they may call the
 * functions marked "any thread", e.g. resubmit a request from on_error.
 * should_accept_request, on_request_start and worker_expiration run under
 * the handler's lock, on a handler thread or inside hive_handler_handle /
 * hive_req_cancel: they must be quick and must not call the handler.
 * instantiate and drop run on a handler thread without the lock.
 *
 * Clocks: every time is CLOCK_MONOTONIC nanoseconds, and a request's
 * times have one origin, its start: the instant the pool reads the clock
 * immediately before calling on_request_start (the worker's instance is
 * ready then). A policy that returns "its own reading of the clock +
 * timeout" from on_request_start therefore sets a deadline that is the
 * start + timeout to within microseconds. worker_expiration's `start`
 * for HIVE_WORKER_REQUESTS is that same start of the most recent request
 * still outstanding (the accept time only while none of them has started
 * yet), so "start + timeout" there is never earlier than the request's
 * own deadline. Time in the queue is bounded apart (queue_timeout_ns).
 *
 * Deadlines hold for any guest: the engine charges bulk memory and table
 * operations by size and reads the interrupt flag while they run, and
 * guest kinds keep host calls short, so a guest past its deadline stops
 * within about a millisecond and its thread is free at once (docs/POOL.md
 * has measurements); the request gets its error at its own deadline
 * whatever its worker is doing. A worker that ends with requests still
 * waiting for a response head (its expiry, shutdown) fails them at once.
 */
#ifndef HIVE_HANDLER_H
#define HIVE_HANDLER_H

#include <stddef.h>
#include <stdint.h>

#include "hive/wasm.h"

HIVE_API_BEGIN /* exported by libhive.so (hive/version.h) */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct hive_handler hive_handler;
typedef struct hive_worker hive_worker;
typedef struct hive_req hive_req;

typedef enum hive_accept {
    HIVE_ACCEPT_YES = 0,
    HIVE_ACCEPT_NO = 1,   /* not now; asked again later */
    HIVE_ACCEPT_NEVER = 2 /* no more requests: the worker retires when done */
} hive_accept;

typedef enum hive_worker_status {
    HIVE_WORKER_IDLE = 0,       /* nothing in flight */
    HIVE_WORKER_REQUESTS = 1,   /* a request waits for its response */
    HIVE_WORKER_POST_RETURN = 2 /* all answered, guest tasks still run */
} hive_worker_status;

/* Why a request failed (hive_req_sink.on_error) or a worker ended. */
typedef enum hive_handle_error {
    HIVE_HANDLE_OK = 0,
    HIVE_HANDLE_INSTANTIATE = 1,   /* the worker could not be made (500);
                                      the request was not run: retry ok */
    HIVE_HANDLE_EXPIRED = 2,       /* deadline passed before the response head (504) */
    HIVE_HANDLE_TRAPPED = 3,       /* the guest trapped (500) */
    HIVE_HANDLE_NO_RESPONSE = 4,   /* the guest ended without a response (502) */
    HIVE_HANDLE_BAD_RESPONSE = 5,  /* the guest's response head is malformed (502) */
    HIVE_HANDLE_QUEUE_FULL = 6,    /* too many requests waiting (503) */
    HIVE_HANDLE_QUEUE_TIMEOUT = 7, /* waited too long for a worker (503) */
    HIVE_HANDLE_CANCELLED = 8,     /* the embedder cancelled it */
    HIVE_HANDLE_SHUTDOWN = 9,      /* the handler is shutting down (503) */
    HIVE_HANDLE_FAILED = 10,       /* host failure (500) */
    HIVE_HANDLE_FUEL = 11,         /* its CPU budget (request_fuel) ran out (500) */
    HIVE_HANDLE_ERROR_COUNT = 12   /* not an error: how many there are (the
                                      size of hive_handler_stats.requests_failed) */
} hive_handle_error;

/* The HTTP status an error maps to by default. */
int hive_handle_error_status(hive_handle_error e);
const char *hive_handle_error_name(hive_handle_error e);

/* How a worker ended, for drop(). */
typedef enum hive_worker_end {
    HIVE_WORKER_END_OK = 0,          /* retired cleanly (NEVER, reuse count) */
    HIVE_WORKER_END_IDLE_TIMEOUT = 1,/* expired while idle: clean */
    HIVE_WORKER_END_EXPIRED = 2,     /* expired with work in flight: error */
    HIVE_WORKER_END_TRAP = 3,        /* the guest trapped */
    HIVE_WORKER_END_INSTANTIATE = 4, /* instantiation failed */
    HIVE_WORKER_END_FAILED = 5,      /* host failure or bad guest behaviour */
    HIVE_WORKER_END_SHUTDOWN = 6,    /* the handler shut down */
    HIVE_WORKER_END_CANCELLED = 7,   /* ended to drop a cancelled request
                                        (its guest cannot drop one alone) */
    HIVE_WORKER_END_FUEL = 8,        /* a request's CPU budget ran out */
    HIVE_WORKER_END_COUNT = 9        /* not an end: how many there are (the
                                        size of hive_handler_stats.workers_ended) */
} hive_worker_end;

const char *hive_worker_end_name(hive_worker_end e);

typedef struct hive_worker_result {
    hive_worker_end end;
    int ok;            /* 1 for OK, IDLE_TIMEOUT and a SHUTDOWN that cut no
                          work short; 0 for every other end */
    char message[256]; /* the error, e.g. the trap's reason */
    uint64_t worker_id;
    size_t total_requests;
} hive_worker_result;

typedef struct hive_policy {
    void *user;
    /* Makes the per-worker state ("store" data) in *store. Returns 0, or
     * an error code with err filled: the worker then ends with
     * INSTANTIATE. May be NULL (store NULL). */
    int (*instantiate)(void *user, uint64_t worker_id, void **store, hive_error *err);
    /* concurrent: requests accepted that have neither a response nor
     * expired; total: requests accepted over the worker's life. NULL:
     * YES while concurrent < max_concurrent and total < max_total of the
     * handler config. */
    hive_accept (*should_accept_request)(void *user, void *store, size_t concurrent, size_t total);
    /* The request's deadline (0: none). request_data is what was given
     * to hive_handler_handle; task_id identifies the guest task. */
    uint64_t (*on_request_start)(void *user, void *store, void *request_data, uint64_t task_id);
    /* When the worker must end (0: never), given its status and when that
     * status began (for REQUESTS: the start of the most recent request
     * still outstanding). Asked again at every status change. */
    uint64_t (*worker_expiration)(void *user, void *store, hive_worker_status status,
                                  uint64_t start);
    /* Called exactly once when the worker has exited. Its guest instance
     * may still be being freed (on the handler's reaper thread, so that
     * the guest thread is free at once); hive_handler_free waits for it. */
    void (*drop)(void *user, void *store, const hive_worker_result *result);
    /* The request's CPU budget in units of work (the engine's budget
     * units, as `hive run --fuel`; 0: no limit), asked right after
     * on_request_start, under the same rules. The units the guest uses
     * while the request's task runs are counted against it (with several
     * tasks in one instance, each is charged all the instance's units
     * while it runs); when it runs out, the request fails with
     * HIVE_HANDLE_FUEL (500) and its task is dropped, or the worker ends
     * (HIVE_WORKER_END_FUEL) when its guest kind cannot drop one task
     * alone. May be NULL. */
    uint64_t (*request_fuel)(void *user, void *store, void *request_data, uint64_t task_id);
} hive_policy;

/* ---- requests ------------------------------------------------------------ */

typedef struct hive_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} hive_header;

/* The request as the guest sees it. Copied by hive_handler_handle. */
typedef struct hive_request_info {
    const char *method;
    const char *path;  /* decoded? no: the raw path of the request-target */
    const char *query; /* after '?', without it; "" when none */
    const char *version; /* "HTTP/1.1" */
    const hive_header *headers;
    size_t nheaders;
    int64_t content_length; /* -1: unknown (chunked) or none */
    const char *remote_addr;
    uint16_t remote_port;
    const char *server_name;
    uint16_t server_port;
    const char *scheme; /* "http" */
} hive_request_info;

/* Where the response goes. Callbacks run on handler threads. */
typedef struct hive_req_sink {
    void *ud;
    /* The response head. headers excludes framing headers
     * (Content-Length, Transfer-Encoding, Connection), which the server
     * decides. content_length is -1 when unknown. */
    void (*on_head)(void *ud, int status, const hive_header *headers, size_t nheaders,
                    int64_t content_length);
    /* Body bytes. Return 0 to take more, 1 when the embedder's buffer is
     * full: the guest then waits until hive_req_output_ready(). */
    int (*on_body)(void *ud, const uint8_t *data, size_t len);
    /* The response is complete. */
    void (*on_end)(void *ud);
    /* The request failed. Called instead of on_head, or after it when
     * the guest fails mid-body (the embedder then aborts the connection). */
    void (*on_error)(void *ud, hive_handle_error error, const char *message);
    /* Request-body backpressure: after hive_req_body_write returned 1, the
     * guest's reads brought the buffered body below the low-water mark
     * (HIVE_REQ_BODY_LOW_WATER): the embedder may write more. Called at
     * most once per write that returned 1, not after the request ended
     * or was cancelled. May be NULL. */
    void (*on_input_drained)(void *ud);
    /* The response's trailer fields, when the guest gave some: called once,
     * just before on_end. The embedder sends them after a chunked body and
     * drops them otherwise. May be NULL (trailers dropped). */
    void (*on_trailers)(void *ud, const hive_header *trailers, size_t ntrailers);
} hive_req_sink;

/* Request-body buffering (per request): hive_req_body_write returns 1
 * once more than the high-water mark is buffered and unread, and
 * on_input_drained follows when reads bring it below the low-water mark. */
#define HIVE_REQ_BODY_HIGH_WATER (256u * 1024)
#define HIVE_REQ_BODY_LOW_WATER (64u * 1024)

/* ---- the handler --------------------------------------------------------- */

typedef struct hive_handler_config {
    unsigned threads;         /* guest threads; 0: the number of cores */
    size_t max_concurrent;    /* per worker, for the default accept policy; 0: 1 */
    size_t max_total;         /* per worker, for the default accept policy; 0: 1 */
    size_t max_queued;        /* requests waiting for a worker; 0: 1024 */
    uint64_t queue_timeout_ns;/* 0: no timeout */
    size_t max_workers;       /* live workers at once; 0: 1000 */
    uint64_t slice_budget;    /* engine budget per slice; 0: 100,000 */
    /* Nonzero: a request handed over by hive_handler_handle waits for the
     * embedder's own thread to run its first slice, of at most this many
     * units, in hive_handler_run_inline (no thread handoff for a short
     * guest); it goes on on a guest thread if it needs more. 0: guest
     * threads run everything. */
    uint64_t inline_budget;
} hive_handler_config;

/* The guest a handler runs: a guest kind and what it needs. */
typedef struct hive_guest hive_guest;

/* A WAGI guest (CGI over WASI preview 1): a fresh instance per request
 * runs `_start` with the request as environment and stdin, and writes a
 * CGI response on stdout. The module is retained. env/dirs: extra
 * environment ("K=V") and preopens ("HOST::GUEST" or "HOST"), copied. */
int hive_guest_wagi_new(hive_engine *engine, hive_module *module, const char *const *env,
                        size_t nenv, const char *const *dirs, size_t ndirs, hive_guest **out,
                        hive_error *err);
void hive_guest_free(hive_guest *guest);

/* Makes a handler serving guest (borrowed: keep it alive) under policy
 * (copied). Starts its threads. */
int hive_handler_new(hive_guest *guest, const hive_policy *policy, const hive_handler_config *cfg,
                     hive_handler **out, hive_error *err);
/* Stops accepting, lets requests in flight finish until grace_ns from
 * now, then ends the rest (SHUTDOWN), drops every worker and joins the
 * threads. Then frees the handler. */
void hive_handler_free(hive_handler *handler, uint64_t grace_ns);

/* Hands a request to the pool (any thread). The sink is copied. Returns
 * the request (one reference held by the caller, released with
 * hive_req_release), or NULL when out of memory. Errors come through the
 * sink's on_error. The sink's callbacks may already run, on a guest
 * thread, before this returns. */
hive_req *hive_handler_handle(hive_handler *handler, const hive_request_info *info,
                              const hive_req_sink *sink, void *request_data);

/* With cfg.inline_budget: runs, on the calling thread (the one that
 * calls hive_handler_handle), the first slice of each request handed
 * over since the last call, for up to max_ns in all; the rest go to the
 * guest threads. Sink callbacks may run inside. The embedder must call it
 * after handing requests over and before it waits for anything (0: hand
 * them all to the guest threads). Returns the slices run. */
size_t hive_handler_run_inline(hive_handler *handler, uint64_t max_ns);

/* Feeds request body bytes (any thread). The handler copies them (it
 * always takes all of them). Returns 0; 1 when the request's unread body
 * is now over HIVE_REQ_BODY_HIGH_WATER: the embedder should stop feeding
 * until the sink's on_input_drained; HIVE_ESTATE when the body is
 * closed or the request cancelled, HIVE_ENOMEM when out of memory (the
 * bytes are then lost). */
int hive_req_body_write(hive_req *req, const uint8_t *data, size_t len);
/* The body's trailer fields (a chunked request's trailer section),
 * copied; before hive_req_body_end. */
void hive_req_body_trailers(hive_req *req, const hive_header *trailers, size_t ntrailers);
/* No more body bytes. */
void hive_req_body_end(hive_req *req);
/* The embedder can take more body output after on_body returned 1. */
void hive_req_output_ready(hive_req *req);
/* Cancels the request (client went away): the sink gets no more calls
 * after this returns (a callback running on another thread is waited for;
 * one running on this thread is not). The worker survives when the guest
 * kind can drop one request alone. */
void hive_req_cancel(hive_req *req);
void hive_req_release(hive_req *req);
/* Hands a request that failed with HIVE_HANDLE_INSTANTIATE back to the
 * pool (any thread, also from inside that request's own on_error): it is
 * placed again as if newly handled, with its info, sink, request data and
 * the body bytes no guest has read. Valid once on_error(INSTANTIATE) has
 * begun, and only while no guest consumed any body byte and the request
 * was not cancelled nor already retried. Called from on_error, the
 * re-placement happens once that callback returns. Returns 0, or
 * HIVE_ESTATE when not allowed. */
int hive_req_retry(hive_req *req);
/* The id of the worker that took the request (0: none yet). Any thread. */
uint64_t hive_req_worker_id(const hive_req *req);

/* Upper bounds (seconds) of the setup-time histogram buckets; the last
 * bucket is +Inf. */
#define HIVE_SETUP_BUCKETS 12
#define HIVE_SETUP_BOUNDS \
    {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1}

/* Counters for metrics (a snapshot). */
typedef struct hive_handler_stats {
    uint64_t workers_live;
    uint64_t workers_started;
    uint64_t workers_ended[HIVE_WORKER_END_COUNT]; /* by hive_worker_end */
    uint64_t queued;           /* waiting now */
    uint64_t requests_started;
    uint64_t requests_failed[HIVE_HANDLE_ERROR_COUNT]; /* by hive_handle_error */
    /* Linear memory of the guests' engine: bytes committed now, and the
     * budget (0: none). */
    uint64_t memory_committed, memory_budget;
    /* Guest setup per request (instantiation and start), not cumulative:
     * count per bucket of HIVE_SETUP_BOUNDS, then +Inf. */
    uint64_t setup_hist[HIVE_SETUP_BUCKETS];
    uint64_t setup_count;
    double setup_sum; /* seconds */
} hive_handler_stats;

void hive_handler_stats_get(hive_handler *handler, hive_handler_stats *out);

#ifdef __cplusplus
}
#endif
HIVE_API_END
#endif
