/*
 * wasihttp3.c -- the wasi:http 0.3 guest kind: components that export
 * wasi:http/handler@0.3.x (the wasi:http/service world).
 *
 * Each request is a task of `handle(request)` on the worker's instance
 * (hive_ctask_start), so one instance serves many requests at once: a
 * task that waits (on its body, a timer, room for its response) lets the
 * others run, all on the worker's one thread. The pool decides how many
 * (--max-instance-concurrent-reuse-count, asked only while the instance
 * is blocked) and for how long (--max-instance-reuse-count).
 *
 * Per request: the incoming request's body is a stream<u8> the host
 * feeds from the pool (hv_handler_req_read_body) and its trailers a future
 * the host resolves to ok(none) at the body's end; when `handle` returns
 * ok(response) the head goes out and the response's stream is drained
 * into the pool (hv_handler_req_body) for as long as the guest writes it,
 * after `handle` returned too; its transmission future then resolves.
 * The request's task is reported done (hv_handler_req_task_done) once the
 * response is complete and the task has finished: until then the pool
 * counts it (PostReturn while all responses are out).
 *
 * Outcomes: handle returns err(code): that code's status
 * (hv_whttp_error_status); the instance traps: 500 for the requests of this
 * instance (the worker ends); the pool cancels a request (its deadline
 * passed: 504, or its client went away): that request's task alone is
 * cancelled (hive_ctask_cancel), its streams dropped, the instance and
 * its other tasks go on.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <inttypes.h>

#include "guest/httpcommon.h"
#include "handler/guest.h"
#include "hive/casync.h"
#include "hive/wasip2.h"
#include "hive/wasip3.h"
#include "support/error.h"
#include "wasip3/p3_impl.h" /* the reactor's stream pumps */
#include "wasihttp/p3http.h"
#include "wasihttp/wasihttp.h"

#define W3_FD_LOOK_NS 1000000ull /* an fd wait is looked at again after this */
#define W3_STEPS 64             /* event-loop steps between pumps */
#define W3_ROUNDS 256           /* pump rounds per run() */
#define W3_HARD_STOP_NS 100000000ull /* a step computing this long is interrupted hard */

typedef struct w3_guest {
    hive_guest base;
    hive_engine *engine;
    hive_component *component;
    hive_linker *linker; /* WASI 0.2, WASI 0.3 and wasi:http 0.3, shared: contexts by instance */
    char *handle_name; /* "wasi:http/handler@0.3.x#handle" */
    hv_wguest_wasi wasi; /* the environment and preopened directories */
} w3_guest;

typedef struct w3_req {
    hive_req *req;       /* NULL once the pool took it back (cancelled) */
    struct guest_inst *gi;
    uint64_t task_id;
    hive_ctask *task;    /* NULL: not started yet */
    p3_pump *feed;           /* the request's body into its stream<u8> */
    hive_cstream *trailers_w; /* the request's trailers (host writes) */
    p3_pump *drain;          /* the response's stream<u8> to the client */
    wh3_upstream *up;        /* or: an outgoing response's body relayed by the host */
    hive_cstream *rtrail;    /* the response's trailers future (host reads) */
    bool wait_trailers;      /* the body is out: the trailers are awaited */
    hive_cstream *tx;        /* the response's transmission future (host writes) */
    bool responded;  /* the handler's result was acted on */
    bool out_done;   /* the response is complete or failed */
    struct w3_req *next;
} w3_req;

struct guest_inst {
    w3_guest *g;
    hive_worker *w;
    wh3 *ctx;
    hive_wasip2 *p2;
    hive_wasip3 *p3;
    hive_cinstance *inst;
    hive_cfunc *handle;
    w3_req *reqs;
    atomic_int stop;          /* interrupt(): return MORE soon */
    atomic_int live;          /* requests the pool has here (r->req set) */
    atomic_uint_fast64_t step_t0; /* when the running event-loop step began, 0 none */
    char error[256];
};

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void req_free(guest_inst *gi, struct w3_req *r);

/* ---- instances ---------------------------------------------------------- */

/* The instance being made on this thread (its data is not set yet while
 * start functions run). */
static _Thread_local guest_inst *w3_making;

static guest_inst *gi_of(hive_cinstance *instance) {
    guest_inst *gi = instance ? hive_cinstance_data(instance) : NULL;
    return gi ? gi : w3_making;
}
static wh3 *http_of(hive_cinstance *instance, void *ud) {
    (void)ud;
    guest_inst *gi = gi_of(instance);
    return gi ? gi->ctx : NULL;
}
static hive_wasip2 *p2_of(hive_cinstance *instance, void *ud) {
    (void)ud;
    guest_inst *gi = gi_of(instance);
    return gi ? gi->p2 : NULL;
}
static hive_wasip3 *p3_of(hive_cinstance *instance, void *ud) {
    (void)ud;
    guest_inst *gi = gi_of(instance);
    return gi ? gi->p3 : NULL;
}

static void w3_wake(void *w) { hv_handler_wake(w); }

static void w3_unmake(guest_inst *gi) {
    while (gi->reqs) {
        w3_req *r = gi->reqs;
        gi->reqs = r->next;
        req_free(gi, r);
    }
    hive_cinstance_free(gi->inst);
    hive_wasip3_free(gi->p3);
    hive_wasip2_free(gi->p2);
    hv_wh3_free(gi->ctx);
    gi->inst = NULL;
    gi->ctx = NULL;
    gi->p2 = NULL;
    gi->p3 = NULL;
}

static int w3_make(w3_guest *g, guest_inst *gi, hive_error *err) {
    hive_wasip3_config c;
    memset(&c, 0, sizeof c);
    for (int i = 1; i <= 2; i++) {
        c.base.stdio[i].kind = HIVE_WASI_STDIO_STREAM;
        c.base.stdio[i].stream = (hive_wasi_stream){NULL, hv_wguest_log_write, NULL, gi->w};
    }
    hv_wguest_wasi_config(&g->wasi, &c.base);
    int rc;
    if ((rc = hive_wasip2_new(&c.base, &gi->p2, err)) != HIVE_OK) return rc;
    if ((rc = hive_wasip3_new(&c, &gi->p3, err)) != HIVE_OK) {
        w3_unmake(gi);
        return rc;
    }
    hive_wasip3_set_p2(gi->p3, gi->p2);
    if (!(gi->ctx = hv_wh3_new())) {
        w3_unmake(gi);
        return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    }
    /* outgoing requests wait with the reactor; the client's thread wakes
     * the worker */
    hv_wh3_set_p3(gi->ctx, gi->p3);
    if (gi->w) hv_wh3_set_wake(gi->ctx, w3_wake, gi->w);
    w3_making = gi;
    rc = hive_cinstance_new(g->engine, g->component, g->linker, &gi->inst, err);
    w3_making = NULL;
    if (rc != HIVE_OK) {
        w3_unmake(gi);
        return rc;
    }
    hive_cinstance_set_data(gi->inst, gi);
    gi->handle = hive_cinstance_func(gi->inst, g->handle_name);
    if (!gi->handle) {
        w3_unmake(gi);
        return hv_error_set(err, HIVE_EUNLINKABLE, 0, "the component exports no %s", g->handle_name);
    }
    return HIVE_OK;
}

static int w3_instantiate(hive_guest *guest, hive_worker *w, guest_inst **out, hive_error *err) {
    w3_guest *g = (w3_guest *)guest;
    guest_inst *gi = calloc(1, sizeof *gi);
    if (!gi) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    gi->g = g;
    gi->w = w;
    int rc = w3_make(g, gi, err);
    if (rc != HIVE_OK) {
        free(gi);
        return rc;
    }
    *out = gi;
    return 0;
}

static int w3_start(guest_inst *gi, hive_req *req, uint64_t task_id) {
    w3_req *r = calloc(1, sizeof *r);
    if (!r) return -1;
    r->req = req;
    r->gi = gi;
    r->task_id = task_id;
    atomic_fetch_add(&gi->live, 1);
    /* at the end: tasks start in arrival order */
    w3_req **p = &gi->reqs;
    while (*p) p = &(*p)->next;
    *p = r;
    return 0;
}

/* ---- one request -------------------------------------------------------- */

static void close_s(hive_cstream **s) {
    if (*s) hive_cstream_close(*s);
    *s = NULL;
}

/* Resolves a trailers future the host writes with ok(none) and closes it. */
static void trailers_none(hive_cstream **w) {
    if (!*w) return;
    hive_cval none, ok;
    if (hive_cval_case(&none, HIVE_C_OPTION, 0, NULL) == HIVE_OK &&
        hive_cval_case(&ok, HIVE_C_RESULT, 0, &none) == HIVE_OK) {
        hive_cstream_write(*w, &ok, 1);
        hive_cval_clear(&ok);
    }
    close_s(w);
}

/* The request body, read by the feed pump: what has arrived. */
static int64_t body_read(void *ud, uint8_t *buf, size_t len) {
    w3_req *r = ud;
    if (!r->req) return 0;
    int64_t n = hv_handler_req_read_body(r->req, buf, len);
    return n < 0 ? -HIVE_WASI_EAGAIN : n; /* none yet: the pool wakes the worker */
}

/* The feed pump ended: the whole body is in the stream (or the guest
 * dropped it); the trailers follow: the request's trailer fields (a
 * chunked body's trailer section), or none. */
static void feed_done(hive_wasip3 *p, void *ud, uint32_t e) {
    (void)p;
    w3_req *r = ud;
    r->feed = NULL;
    size_t nt = 0;
    const hive_header *t = !e && r->req && r->trailers_w ? hv_handler_req_body_trailers(r->req, &nt) : NULL;
    uint32_t rep = t && nt ? hv_wh3_fields_new(r->gi->ctx, t, nt) : 0;
    if (rep) {
        hive_cval fo = hive_cval_handle(HIVE_C_OWN, rep, NULL), some, ok;
        if (hive_cval_case(&some, HIVE_C_OPTION, 1, &fo) == HIVE_OK &&
            hive_cval_case(&ok, HIVE_C_RESULT, 0, &some) == HIVE_OK) {
            if (hive_cstream_write(r->trailers_w, &ok, 1) != 0)
                hv_wh3_fields_free(r->gi->ctx, r->gi->inst, rep); /* nobody reads them */
            hive_cval_clear(&ok);
        }
        close_s(&r->trailers_w);
    } else if (!e) {
        trailers_none(&r->trailers_w);
    } else {
        close_s(&r->trailers_w);
    }
}

/* The response body, written by the drain pump: as the client takes it. */
static int64_t body_write(void *ud, const uint8_t *buf, size_t len) {
    w3_req *r = ud;
    if (!r->req) return -HIVE_WASI_EPIPE;
    if (!hv_handler_req_output_ready(r->req)) return -HIVE_WASI_EAGAIN; /* the pool wakes us */
    return hv_handler_req_body(r->req, buf, len) < 0 ? -HIVE_WASI_EPIPE : (int64_t)len;
}

/* The drain pump ended: the guest dropped its writer and every byte went
 * out (e 0), or the client is gone. */
static void drain_done(hive_wasip3 *p, void *ud, uint32_t e) {
    (void)p;
    w3_req *r = ud;
    r->drain = NULL;
    if (!e && r->req && r->rtrail) { /* the trailers come next (pump_all) */
        r->wait_trailers = true;
        return;
    }
    r->out_done = true;
    if (!e && r->req) hv_handler_req_end(r->req);
    hv_wh3_tx_finish(r->tx, e ? "the response could not be sent" : NULL);
    r->tx = NULL;
}

/* Makes the request's objects and starts its task. -1: the instance
 * trapped. */
static int req_begin(guest_inst *gi, w3_req *r) {
    static const hive_wasi_stream src = {body_read, NULL, NULL, NULL};
    hive_wasi_stream emb = src;
    emb.ud = r;
    p3_io io = {-1, 0, -1, &emb};
    hive_cval body, trailers;
    memset(&body, 0, sizeof body);
    memset(&trailers, 0, sizeof trailers);
    const hive_request_info *info = hv_handler_req_info(r->req);
    bool empty = info->content_length == 0;
    if (info->content_length < 0) { /* a body only when chunked */
        empty = true;
        for (size_t i = 0; i < info->nheaders && empty; i++)
            empty = !(info->headers[i].name_len == 17 &&
                      !strncasecmp(info->headers[i].name, "transfer-encoding", 17));
    }
    hive_cstream *none = NULL;
    if (empty) /* no body: an empty stream, no pump */
        none = hive_cstream_new(gi->inst, 0, &body);
    else
        r->feed = hv_p3_feed_new(gi->p3, gi->inst, &io, 0, &body, NULL, NULL, feed_done, r);
    r->trailers_w = hive_cstream_new(gi->inst, 1, &trailers);
    if (none) {
        hive_cstream_close(none);
        trailers_none(&r->trailers_w);
    }
    uint32_t rep = 0;
    if ((!r->feed && !none) || (!r->trailers_w && !none) ||
        hv_wh3_incoming(gi->ctx, hv_handler_req_info(r->req), &body, &trailers, &rep) != 0) {
        hive_cval_clear(&body);
        hive_cval_clear(&trailers);
        if (r->feed) hv_p3_pump_stop(gi->p3, r->feed, WASI_EIO);
        r->feed = NULL;
        close_s(&r->trailers_w);
        hv_handler_req_fail(r->req, HIVE_HANDLE_FAILED, "out of memory");
        r->responded = r->out_done = true;
        return 0;
    }
    hive_cval arg = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    hive_status st = hive_ctask_start(gi->inst, gi->handle, &arg, 1, &r->task);
    if (st == HIVE_TRAPPED) return -1;
    if (st != HIVE_DONE) {
        hv_handler_req_fail(r->req, HIVE_HANDLE_FAILED, "the handler could not be called");
        r->responded = r->out_done = true;
    }
    return 0;
}

/* err(error-code): its status, a text body naming the case (not a
 * variant: internal-error). */
static void send_error(w3_req *r, const hive_cval *code) {
    hv_whttp_answer_error(r->req, code && code->kind == HIVE_C_VARIANT ? code->of.var.index : 38);
}

/* The handler resolved: its response's head goes out, its body follows
 * through a drain pump. */
static void respond(guest_inst *gi, w3_req *r) {
    r->responded = true;
    hive_cval v;
    memset(&v, 0, sizeof v);
    if (hive_ctask_cancelled(r->task) || hive_ctask_take_result(r->task, &v) != 0) {
        hv_handler_req_fail(r->req, HIVE_HANDLE_NO_RESPONSE, "the handler gave no response");
        r->out_done = true;
        return;
    }
    if (v.kind != HIVE_C_RESULT || !v.of.var.payload) {
        hv_handler_req_fail(r->req, HIVE_HANDLE_BAD_RESPONSE, "the handler's result is malformed");
        r->out_done = true;
    } else if (v.of.var.index == 1) {
        send_error(r, v.of.var.payload);
        r->out_done = true;
    } else {
        wh3_response resp;
        uint32_t rep = (uint32_t)v.of.var.payload->of.res.handle;
        if (hv_wh3_take_response(gi->ctx, rep, &resp) != 0) {
            hv_handler_req_fail(r->req, HIVE_HANDLE_BAD_RESPONSE, "the handler returned no response");
            r->out_done = true;
        } else {
            r->tx = resp.tx;
            resp.tx = NULL;
            /* the trailers: read after the body, sent after a chunked one */
            if (resp.trailers.kind == HIVE_C_FUTURE)
                r->rtrail = hive_cstream_reader(gi->inst, &resp.trailers);
            bool body = resp.contents.kind == HIVE_C_STREAM || resp.up;
            int64_t clen = body ? resp.content_length : 0;
            if (hv_handler_req_head(r->req, resp.status, resp.headers, resp.nheaders, clen) != 0) {
                r->out_done = true;
                hv_wh3_tx_finish(r->tx, "the request is gone");
                r->tx = NULL;
            } else if (resp.up) { /* a proxy: the client's body straight out */
                r->up = resp.up;
                resp.up = NULL;
            } else if (body) {
                static const hive_wasi_stream snk = {NULL, body_write, NULL, NULL};
                hive_wasi_stream emb = snk;
                emb.ud = r;
                p3_io io = {-1, 0, -1, &emb};
                r->drain = hv_p3_drain_new(gi->p3, gi->inst, &resp.contents, &io, NULL, NULL,
                                        drain_done, r);
                if (!r->drain) {
                    hv_handler_req_fail(r->req, HIVE_HANDLE_FAILED, "out of memory");
                    r->out_done = true;
                    hv_wh3_tx_finish(r->tx, "out of memory");
                    r->tx = NULL;
                }
            } else {
                hv_handler_req_end(r->req);
                r->out_done = true;
                hv_wh3_tx_finish(r->tx, NULL);
                r->tx = NULL;
            }
            hv_wh3_response_clear(&resp);
        }
    }
    hive_cval_clear(&v);
}

/* Relays an outgoing response's body (r->up) to the client: as much as
 * both sides allow now. 1 when anything moved or ended. The waits: room
 * in the sink (the pool wakes the worker), bytes from the HTTP client
 * (its notify wakes the worker). */
static int relay(w3_req *r) {
    uint8_t buf[16384];
    char msg[200];
    for (int i = 0; i < 64; i++) {
        if (!hv_handler_req_output_ready(r->req)) return i > 0;
        int64_t n = hv_wh3_up_read(r->up, buf, sizeof buf, msg, sizeof msg);
        if (n == -1) return i > 0;
        if (n > 0 && hv_handler_req_body(r->req, buf, (size_t)n) >= 0) continue;
        if (n == 0) {
            size_t nt = 0;
            const hive_header *t = hv_wh3_up_trailers(r->up, &nt);
            if (nt) hv_handler_req_trailers(r->req, t, nt);
            hv_handler_req_end(r->req);
        } else if (n < -1) {
            hv_handler_req_fail(r->req, HIVE_HANDLE_BAD_RESPONSE, msg);
        }
        hv_wh3_up_done(r->up);
        r->up = NULL;
        r->out_done = true;
        hv_wh3_tx_finish(r->tx, n == 0 ? NULL : "the response could not be sent");
        r->tx = NULL;
        return 1;
    }
    return 1;
}

/* The response's body went out: its trailers future, once the guest
 * wrote it, ends the response (ok(some(t)): t as the trailer section).
 * 1 when it ended. */
static int trailers_step(guest_inst *gi, w3_req *r) {
    hive_cval v;
    memset(&v, 0, sizeof v);
    long n = hive_cstream_read(r->rtrail, &v, 1);
    if (n == 0) return 0;
    const char *err = NULL;
    if (n == 1 && v.kind == HIVE_C_RESULT && v.of.var.index == 1) {
        err = "the response's trailers are an error";
    } else if (n == 1 && v.kind == HIVE_C_RESULT && v.of.var.payload &&
               v.of.var.payload->kind == HIVE_C_OPTION && v.of.var.payload->of.var.payload) {
        uint32_t rep = (uint32_t)v.of.var.payload->of.var.payload->of.res.handle;
        size_t nt = 0;
        hive_header *t = hv_wh3_fields_view(gi->ctx, rep, &nt);
        if (t) hv_handler_req_trailers(r->req, t, nt);
        free(t);
        hv_wh3_fields_free(gi->ctx, gi->inst, rep);
    }
    hive_cval_clear(&v);
    close_s(&r->rtrail);
    r->wait_trailers = false;
    r->out_done = true;
    if (err) hv_handler_req_fail(r->req, HIVE_HANDLE_BAD_RESPONSE, err); /* the response is cut */
    else hv_handler_req_end(r->req);
    hv_wh3_tx_finish(r->tx, err);
    r->tx = NULL;
    return 1;
}

static void req_stop_io(guest_inst *gi, w3_req *r) {
    hv_wh3_up_done(r->up);
    r->up = NULL;
    close_s(&r->rtrail);
    r->wait_trailers = false;
    if (r->feed) hv_p3_pump_stop(gi->p3, r->feed, WASI_EPIPE);
    if (r->drain) hv_p3_pump_stop(gi->p3, r->drain, WASI_EPIPE);
    r->feed = r->drain = NULL;
    close_s(&r->trailers_w);
    if (r->tx) hv_wh3_tx_finish(r->tx, "the request was cancelled");
    r->tx = NULL;
}

static void req_free(guest_inst *gi, w3_req *r) {
    req_stop_io(gi, r);
    hive_ctask_free(r->task);
    free(r);
}

/* Moves every request on. 1 when anything changed; -1 the instance
 * trapped. */
static int pump_all(guest_inst *gi) {
    int changed = 0;
    for (w3_req **p = &gi->reqs; *p;) {
        w3_req *r = *p;
        if (!r->task && !r->out_done && r->req) {
            if (req_begin(gi, r) != 0) return -1;
            changed = 1;
        }
        if (r->req && r->task && !r->responded && hive_ctask_resolved(r->task)) {
            respond(gi, r);
            changed = 1;
        }
        if (r->up && r->req && relay(r)) changed = 1;
        if (r->wait_trailers && r->req && trailers_step(gi, r)) changed = 1;
        bool finished = !r->task || hive_ctask_finished(r->task);
        if ((r->out_done || !r->req) && finished) {
            *p = r->next;
            if (r->req) {
                atomic_fetch_sub(&gi->live, 1);
                hv_handler_req_task_done(r->req);
            }
            req_free(gi, r);
            changed = 1;
            continue;
        }
        p = &r->next;
    }
    return changed;
}

static guest_run w3_trap(guest_inst *gi, const char *fallback) {
    atomic_store(&gi->step_t0, 0);
    /* the worker ends and is freed before its instance is: the HTTP
     * client must not wake it any more */
    hv_wh3_release_outgoing(gi->ctx);
    const hive_trap *t = hive_cinstance_trap(gi->inst);
    snprintf(gi->error, sizeof gi->error, "%s", t && t->message[0] ? t->message : fallback);
    return GUEST_RUN_TRAP;
}

static guest_run w3_run(guest_inst *gi, uint64_t budget) {
    (void)budget;
    atomic_store(&gi->stop, 0);
    for (int round = 0;; round++) {
        /* guest code runs in all of these (a task's start runs it until
         * it waits): the round's start is what interrupt() measures */
        atomic_store(&gi->step_t0, mono_ns());
        int changed = pump_all(gi);
        if (changed < 0) return w3_trap(gi, "trap");
        /* host operations: timers, the bodies' pumps, WASI streams */
        int moved = hive_wasip3_poll(gi->p3);
        hive_status st = hive_cinstance_run_ready(gi->inst, W3_STEPS);
        if (st == HIVE_TRAPPED) return w3_trap(gi, "trap");
        int after = pump_all(gi);
        atomic_store(&gi->step_t0, 0);
        if (after < 0) return w3_trap(gi, "trap");
        if (!changed && !moved && !after && st == HIVE_DONE) break;
        if (atomic_load(&gi->stop) || round == W3_ROUNDS) return GUEST_RUN_MORE;
    }
    bool live = false;
    for (w3_req *r = gi->reqs; r && !live; r = r->next) live = r->req != NULL;
    if (!live) return GUEST_RUN_IDLE;
    /* Everything waits: on the pool (body bytes, room for output: it
     * wakes the worker) or on the reactor (a deadline: a timed wake-up;
     * an fd, which the pool does not watch: looked at again soon). */
    hive_wasi_wait wait;
    if (hive_wasip3_pending(gi->p3, &wait)) {
        uint64_t at = wait.deadline_ns;
        if (wait.nfds) {
            uint64_t soon = mono_ns() + W3_FD_LOOK_NS;
            if (soon < at) at = soon;
        }
        if (at != UINT64_MAX) hv_handler_wake_at(gi->w, at);
    }
    return GUEST_RUN_WAIT;
}

/* Any thread (a request expired or was cancelled, or the worker must
 * end). The run returns between two event-loop steps. A step that has
 * computed for long already (a task in a loop; the async ABI cannot
 * preempt it) is stopped hard, which traps the instance: at once when the
 * instance serves no other request, else only when asked again during
 * the same run (the worker's own expiry), so that one runaway request
 * does not take the others down at its first deadline. */
static void w3_interrupt(guest_inst *gi) {
    int again = atomic_exchange(&gi->stop, 1);
    uint64_t t0 = atomic_load(&gi->step_t0);
    if (t0 && mono_ns() - t0 > W3_HARD_STOP_NS && (again || atomic_load(&gi->live) <= 1))
        hive_cinstance_interrupt(gi->inst);
}

static int w3_cancel(guest_inst *gi, hive_req *req) {
    for (w3_req **p = &gi->reqs; *p; p = &(*p)->next) {
        w3_req *r = *p;
        if (r->req != req) continue;
        r->req = NULL; /* the pool's now: never touched again */
        atomic_fetch_sub(&gi->live, 1);
        if (!r->task) { /* never started */
            *p = r->next;
            req_free(gi, r);
            return 0;
        }
        /* its streams end; its task is asked to cancel (TASK_CANCELLED
         * where it waits cancellably) and runs on until it ends */
        req_stop_io(gi, r);
        r->out_done = true;
        if (!hive_ctask_resolved(r->task) && hive_ctask_cancel(r->task) == HIVE_TRAPPED) {
            const hive_trap *t = hive_cinstance_trap(gi->inst);
            snprintf(gi->error, sizeof gi->error, "%s", t && t->message[0] ? t->message : "trap");
            hv_wh3_release_outgoing(gi->ctx);
            return -1;
        }
        return 0;
    }
    return 0;
}

static const char *w3_error(guest_inst *gi) { return gi->error; }

static void w3_free(guest_inst *gi) {
    if (!gi) return;
    w3_unmake(gi);
    free(gi);
}

static void w3_free_guest(hive_guest *guest) {
    w3_guest *g = (w3_guest *)guest;
    hv_wguest_wasi_free(&g->wasi);
    hive_linker_free(g->linker);
    hive_component_release(g->component);
    free(g->handle_name);
    free(g);
}

/* The worker ends: the HTTP client must not wake it any more (the
 * instance may be freed later, by the pool's reaper). */
static void w3_detach(guest_inst *gi) { hv_wh3_release_outgoing(gi->ctx); }

static const guest_ops w3_ops = {
    .name = "wasi:http 0.3",
    .max_concurrent = 0,
    .max_total = 0,
    .instantiate = w3_instantiate,
    .start = w3_start,
    .run = w3_run,
    .interrupt = w3_interrupt,
    .cancel = w3_cancel,
    .error = w3_error,
    .free = w3_free,
    .free_guest = w3_free_guest,
    .detach = w3_detach,
};

static const char *handler_export(hive_component *component) {
    return hv_wguest_export(component, "wasi:http/handler@0.3.");
}

int hv_guest_wasihttp3_detect(hive_component *component) {
    return handler_export(component) != NULL;
}

int hv_guest_wasihttp3_new(hive_engine *engine, hive_component *component,
                             const char *const *env, size_t nenv, const char *const *dirs,
                             size_t ndirs, hive_guest **out, hive_error *err) {
    *out = NULL;
    const char *name = handler_export(component);
    if (!name)
        return hv_error_set(err, HIVE_EUNLINKABLE, 0,
                            "the component exports no wasi:http/handler@0.3.x: not a "
                            "wasi:http/service component");
    w3_guest *g = calloc(1, sizeof *g);
    if (!g) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    g->base.ops = &w3_ops;
    g->engine = engine;
    hive_component_retain(component);
    g->component = component;
    g->handle_name = hv_wguest_func_name(name, "handle");
    g->linker = hive_linker_new(engine);
    if (!g->handle_name || !g->linker) goto oom;
    /* WASI 0.2 (wasm32-wasip3 programs import both), WASI 0.3 and
     * wasi:http 0.3, each finding the instance's context */
    int rc = hive_wasip2_define_shared(g->linker, p2_of, NULL);
    if (rc == HIVE_OK) rc = hive_wasip3_define_shared(g->linker, p3_of, NULL);
    if (rc == HIVE_OK) rc = hv_wh3_define(g->linker, http_of, NULL);
    if (rc != HIVE_OK) {
        w3_free_guest(&g->base);
        return hv_error_set(err, rc, 0, "cannot define the WASI and wasi:http 0.3 host");
    }
    if (hv_wguest_wasi_copy(&g->wasi, env, nenv, dirs, ndirs)) goto oom;
    /* one instance now, so that a component that cannot run is refused at
     * start */
    guest_inst probe;
    memset(&probe, 0, sizeof probe);
    rc = w3_make(g, &probe, err);
    if (rc != HIVE_OK) {
        w3_free_guest(&g->base);
        return rc;
    }
    w3_unmake(&probe);
    *out = &g->base;
    return HIVE_OK;
oom:
    w3_free_guest(&g->base);
    return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
}
