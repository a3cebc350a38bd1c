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
 * feeds from the pool (handler_req_read_body) and its trailers a future
 * the host resolves to ok(none) at the body's end; when `handle` returns
 * ok(response) the head goes out and the response's stream is drained
 * into the pool (handler_req_body) for as long as the guest writes it,
 * after `handle` returned too; its transmission future then resolves.
 * The request's task is reported done (handler_req_task_done) once the
 * response is complete and the task has finished: until then the pool
 * counts it (PostReturn while all responses are out).
 *
 * Outcomes: handle returns err(code): that code's status
 * (whttp_error_status); the instance traps: 500 for the requests of this
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
#include <time.h>

#include <inttypes.h>

#include "handler/guest.h"
#include "hive/casync.h"
#include "support/error.h"
#include "wasihttp/p3http.h"
#include "wasihttp/wasihttp.h"

#define W3_CHUNK 8192           /* body bytes moved per step */
#define W3_STEPS 64             /* event-loop steps between pumps */
#define W3_ROUNDS 256           /* pump rounds per run() */
#define W3_HARD_STOP_NS 100000000ull /* a step computing this long is interrupted hard */

typedef struct w3_guest {
    hive_guest base;
    hive_engine *engine;
    hive_component *component;
    hive_linker *linker;
    char *handle_name; /* "wasi:http/handler@0.3.x#handle" */
} w3_guest;

typedef struct w3_req {
    hive_req *req;       /* NULL once the pool took it back (cancelled) */
    uint64_t task_id;
    hive_ctask *task;    /* NULL: not started yet */
    hive_cstream *body_w, *trailers_w; /* the request's body and trailers (host writes) */
    hive_cstream *resp_r;              /* the response's body (host reads) */
    hive_cstream *tx;                  /* the response's transmission future (host writes) */
    bool responded;  /* the handler's result was acted on */
    bool out_done;   /* the response is complete or failed */
    struct w3_req *next;
} w3_req;

struct guest_inst {
    w3_guest *g;
    hive_worker *w;
    wh3 *ctx;
    hive_cinstance *inst;
    hive_cfunc *handle;
    w3_req *reqs;
    atomic_int stop;          /* interrupt(): return MORE soon */
    atomic_uint_fast64_t step_t0; /* when the running event-loop step began, 0 none */
    hive_cval *vals; /* W3_CHUNK: stream values moved */
    uint8_t *bytes;  /* W3_CHUNK */
    char error[256];
};

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- instances ---------------------------------------------------------- */

static void w3_unmake(guest_inst *gi) {
    hive_cinstance_free(gi->inst);
    wh3_free(gi->ctx);
    gi->inst = NULL;
    gi->ctx = NULL;
}

static int w3_make(w3_guest *g, guest_inst *gi, hive_error *err) {
    if (!(gi->ctx = wh3_new())) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    int rc = hive_cinstance_new(g->engine, g->component, g->linker, &gi->inst, err);
    if (rc != HIVE_OK) {
        w3_unmake(gi);
        return rc;
    }
    hive_cinstance_set_data(gi->inst, gi->ctx);
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
    gi->vals = calloc(W3_CHUNK, sizeof *gi->vals);
    gi->bytes = malloc(W3_CHUNK);
    int rc = gi->vals && gi->bytes ? w3_make(g, gi, err)
                                   : hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    if (rc != HIVE_OK) {
        free(gi->vals);
        free(gi->bytes);
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
    r->task_id = task_id;
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

/* Makes the request's objects and starts its task. -1: the instance
 * trapped. */
static int req_begin(guest_inst *gi, w3_req *r) {
    hive_cval body, trailers;
    memset(&body, 0, sizeof body);
    memset(&trailers, 0, sizeof trailers);
    r->body_w = hive_cstream_new(gi->inst, 0, &body);
    r->trailers_w = hive_cstream_new(gi->inst, 1, &trailers);
    uint32_t rep = 0;
    if (!r->body_w || !r->trailers_w ||
        wh3_incoming(gi->ctx, handler_req_info(r->req), &body, &trailers, &rep) != 0) {
        hive_cval_clear(&body);
        hive_cval_clear(&trailers);
        close_s(&r->body_w);
        close_s(&r->trailers_w);
        handler_req_fail(r->req, HIVE_HANDLE_FAILED, "out of memory");
        r->responded = r->out_done = true;
        return 0;
    }
    hive_cval arg = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    hive_status st = hive_ctask_start(gi->inst, gi->handle, &arg, 1, &r->task);
    if (st == HIVE_TRAPPED) return -1;
    if (st != HIVE_DONE) {
        handler_req_fail(r->req, HIVE_HANDLE_FAILED, "the handler could not be called");
        r->responded = r->out_done = true;
    }
    return 0;
}

/* Feeds the request body's bytes that have arrived. 1 when it moved any. */
static int feed_body(guest_inst *gi, w3_req *r) {
    if (!r->body_w || !r->req) return 0;
    uint8_t *buf = gi->bytes;
    hive_cval *vals = gi->vals;
    int moved = 0;
    for (;;) {
        int64_t n = handler_req_read_body(r->req, buf, W3_CHUNK);
        if (n < 0) return moved; /* none yet: the pool wakes the worker */
        if (n == 0) {             /* the end: the guest reads the rest, then DROPPED */
            close_s(&r->body_w);
            trailers_none(&r->trailers_w);
            return 1;
        }
        moved = 1;
        for (int64_t i = 0; i < n; i++) vals[i] = hive_cval_uint(HIVE_C_U8, buf[i]);
        if (hive_cstream_write(r->body_w, vals, (size_t)n) != 0) {
            /* the guest dropped the body: the rest is not read */
            close_s(&r->body_w);
            close_s(&r->trailers_w);
            return 1;
        }
    }
}

static const char *const error_names[] = {
    "DNS-timeout", "DNS-error", "destination-not-found", "destination-unavailable",
    "destination-IP-prohibited", "destination-IP-unroutable", "connection-refused",
    "connection-terminated", "connection-timeout", "connection-read-timeout",
    "connection-write-timeout", "connection-limit-reached", "TLS-protocol-error",
    "TLS-certificate-error", "TLS-alert-received", "HTTP-request-denied",
    "HTTP-request-length-required", "HTTP-request-body-size", "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid", "HTTP-request-URI-too-long", "HTTP-request-header-section-size",
    "HTTP-request-header-size", "HTTP-request-trailer-section-size", "HTTP-request-trailer-size",
    "HTTP-response-incomplete", "HTTP-response-header-section-size", "HTTP-response-header-size",
    "HTTP-response-body-size", "HTTP-response-trailer-section-size", "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding", "HTTP-response-content-coding", "HTTP-response-timeout",
    "HTTP-upgrade-failed", "HTTP-protocol-error", "loop-detected", "configuration-error",
    "internal-error"};

/* err(error-code): its status, a text body naming the case. */
static void send_error(w3_req *r, const hive_cval *code) {
    uint32_t i = code && code->kind == HIVE_C_VARIANT ? code->of.var.index : 38;
    const char *name = i < sizeof error_names / sizeof *error_names ? error_names[i] : "?";
    char body[96];
    int n = snprintf(body, sizeof body, "error-code: %s\n", name);
    hive_header ct = {"content-type", 12, "text/plain", 10};
    if (handler_req_head(r->req, wh3_error_status(code), &ct, 1, n) == 0 &&
        handler_req_body(r->req, (const uint8_t *)body, (size_t)n) >= 0)
        handler_req_end(r->req);
}

/* The handler resolved: its response's head goes out. */
static void respond(guest_inst *gi, w3_req *r) {
    r->responded = true;
    hive_cval v;
    memset(&v, 0, sizeof v);
    if (hive_ctask_cancelled(r->task) || hive_ctask_take_result(r->task, &v) != 0) {
        /* cancelled: the pool answered it already */
        if (r->req) handler_req_fail(r->req, HIVE_HANDLE_NO_RESPONSE, "the handler gave no response");
        r->out_done = true;
        return;
    }
    if (v.kind != HIVE_C_RESULT || !v.of.var.payload) {
        handler_req_fail(r->req, HIVE_HANDLE_BAD_RESPONSE, "the handler's result is malformed");
        r->out_done = true;
    } else if (v.of.var.index == 1) {
        send_error(r, v.of.var.payload);
        r->out_done = true;
    } else {
        wh3_response resp;
        uint32_t rep = (uint32_t)v.of.var.payload->of.res.handle;
        if (wh3_take_response(gi->ctx, rep, &resp) != 0) {
            handler_req_fail(r->req, HIVE_HANDLE_BAD_RESPONSE, "the handler returned no response");
            r->out_done = true;
        } else {
            r->tx = resp.tx;
            resp.tx = NULL;
            if (resp.contents.kind == HIVE_C_STREAM)
                r->resp_r = hive_cstream_reader(gi->inst, &resp.contents);
            /* trailers are not sent (HTTP/1.1 responses here have none) */
            if (resp.trailers.kind == HIVE_C_FUTURE) {
                hive_cstream *t = hive_cstream_reader(gi->inst, &resp.trailers);
                if (t) hive_cstream_close(t);
            }
            int64_t clen = r->resp_r ? resp.content_length : 0;
            if (handler_req_head(r->req, resp.status, resp.headers, resp.nheaders, clen) != 0) {
                r->out_done = true;
                wh3_tx_finish(r->tx, "the request is gone");
                r->tx = NULL;
                close_s(&r->resp_r);
            } else if (!r->resp_r) {
                handler_req_end(r->req);
                r->out_done = true;
                wh3_tx_finish(r->tx, NULL);
                r->tx = NULL;
            }
            wh3_response_clear(&resp);
        }
    }
    hive_cval_clear(&v);
}

/* Moves the response body the guest wrote to the pool. 1 when it moved
 * any or ended. */
static int drain_body(guest_inst *gi, w3_req *r) {
    if (!r->resp_r || r->out_done) return 0;
    hive_cval *vals = gi->vals;
    uint8_t *buf = gi->bytes;
    int moved = 0;
    while (handler_req_output_ready(r->req)) {
        long n = hive_cstream_read(r->resp_r, vals, W3_CHUNK);
        if (n == 0) return moved;
        if (n < 0) { /* the guest dropped its end: the body is complete */
            handler_req_end(r->req);
            close_s(&r->resp_r);
            wh3_tx_finish(r->tx, NULL);
            r->tx = NULL;
            r->out_done = true;
            return 1;
        }
        for (long i = 0; i < n; i++) buf[i] = (uint8_t)vals[i].of.u;
        moved = 1;
        if (handler_req_body(r->req, buf, (size_t)n) < 0) {
            close_s(&r->resp_r); /* the client is gone: the guest's writes see DROPPED */
            wh3_tx_finish(r->tx, "the response could not be sent");
            r->tx = NULL;
            r->out_done = true;
            return 1;
        }
    }
    return moved;
}

static void req_free(w3_req *r) {
    close_s(&r->body_w);
    close_s(&r->trailers_w);
    close_s(&r->resp_r);
    close_s(&r->tx);
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
        if (r->req) {
            changed |= feed_body(gi, r);
            if (r->task && !r->responded && hive_ctask_resolved(r->task)) {
                respond(gi, r);
                changed = 1;
            }
            changed |= drain_body(gi, r);
        }
        bool finished = !r->task || hive_ctask_finished(r->task);
        if ((r->out_done || !r->req) && finished) {
            *p = r->next;
            if (r->req) handler_req_task_done(r->req);
            req_free(r);
            changed = 1;
            continue;
        }
        p = &r->next;
    }
    return changed;
}

static guest_run w3_trap(guest_inst *gi, const char *fallback) {
    const hive_trap *t = hive_cinstance_trap(gi->inst);
    snprintf(gi->error, sizeof gi->error, "%s", t && t->message[0] ? t->message : fallback);
    return GUEST_RUN_TRAP;
}

static guest_run w3_run(guest_inst *gi, uint64_t budget) {
    (void)budget;
    atomic_store(&gi->stop, 0);
    for (int round = 0;; round++) {
        int changed = pump_all(gi);
        if (changed < 0) return w3_trap(gi, "trap");
        atomic_store(&gi->step_t0, mono_ns());
        hive_status st = hive_cinstance_run_ready(gi->inst, W3_STEPS);
        atomic_store(&gi->step_t0, 0);
        if (st == HIVE_TRAPPED) return w3_trap(gi, "trap");
        int after = pump_all(gi);
        if (after < 0) return w3_trap(gi, "trap");
        if (!changed && !after && st == HIVE_DONE) break;
        if (atomic_load(&gi->stop) || round == W3_ROUNDS) return GUEST_RUN_MORE;
    }
    for (w3_req *r = gi->reqs; r; r = r->next)
        if (r->req) return GUEST_RUN_WAIT;
    return GUEST_RUN_IDLE;
}

/* Any thread. The run returns between two event-loop steps; a step that
 * has computed for long already (a task in a loop) is stopped hard, which
 * traps the instance. */
static void w3_interrupt(guest_inst *gi) {
    atomic_store(&gi->stop, 1);
    uint64_t t0 = atomic_load(&gi->step_t0);
    if (t0 && mono_ns() - t0 > W3_HARD_STOP_NS) hive_cinstance_interrupt(gi->inst);
}

static int w3_cancel(guest_inst *gi, hive_req *req) {
    for (w3_req **p = &gi->reqs; *p; p = &(*p)->next) {
        w3_req *r = *p;
        if (r->req != req) continue;
        r->req = NULL; /* the pool's now: never touched again */
        if (!r->task) { /* never started */
            *p = r->next;
            req_free(r);
            return 0;
        }
        /* its streams end; its task is asked to cancel (TASK_CANCELLED
         * where it waits cancellably) and runs on until it ends */
        close_s(&r->body_w);
        close_s(&r->trailers_w);
        close_s(&r->resp_r);
        wh3_tx_finish(r->tx, "the request was cancelled");
        r->tx = NULL;
        r->out_done = true;
        if (!hive_ctask_resolved(r->task) && hive_ctask_cancel(r->task) == HIVE_TRAPPED) {
            const hive_trap *t = hive_cinstance_trap(gi->inst);
            snprintf(gi->error, sizeof gi->error, "%s", t && t->message[0] ? t->message : "trap");
            return -1;
        }
        return 0;
    }
    return 0;
}

static const char *w3_error(guest_inst *gi) { return gi->error; }

static void w3_free(guest_inst *gi) {
    if (!gi) return;
    while (gi->reqs) {
        w3_req *r = gi->reqs;
        gi->reqs = r->next;
        req_free(r);
    }
    w3_unmake(gi);
    free(gi->vals);
    free(gi->bytes);
    free(gi);
}

static void w3_free_guest(hive_guest *guest) {
    w3_guest *g = (w3_guest *)guest;
    hive_linker_free(g->linker);
    hive_component_release(g->component);
    free(g->handle_name);
    free(g);
}

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
};

static const char *handler_export(hive_component *component) {
    const char *want = "wasi:http/handler@0.3.";
    for (size_t i = 0; i < hive_component_export_count(component); i++) {
        const char *n;
        const hive_cextern *x = hive_component_export(component, i, &n);
        if (x && hive_cextern_sort(x) == HIVE_CSORT_INSTANCE && !strncmp(n, want, strlen(want)))
            return n;
    }
    return NULL;
}

int hive_guest_wasihttp3_detect(hive_component *component) {
    return handler_export(component) != NULL;
}

int hive_guest_wasihttp3_new(hive_engine *engine, hive_component *component,
                             const char *const *env, size_t nenv, const char *const *dirs,
                             size_t ndirs, hive_guest **out, hive_error *err) {
    (void)env, (void)dirs;
    *out = NULL;
    const char *name = handler_export(component);
    if (!name)
        return hv_error_set(err, HIVE_EUNLINKABLE, 0,
                            "the component exports no wasi:http/handler@0.3.x: not a "
                            "wasi:http/service component");
    if (nenv || ndirs)
        return hv_error_set(err, HIVE_EARG, 0,
                            "%s does not apply to wasi:http 0.3 components yet",
                            nenv ? "--env" : "--dir");
    w3_guest *g = calloc(1, sizeof *g);
    if (!g) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    g->base.ops = &w3_ops;
    g->engine = engine;
    hive_component_retain(component);
    g->component = component;
    size_t nl = strlen(name);
    g->handle_name = malloc(nl + 8);
    g->linker = hive_linker_new(engine);
    int rc = g->handle_name && g->linker ? wh3_define(g->linker, wh3_of_data, NULL) : HIVE_ENOMEM;
    if (rc != HIVE_OK) {
        w3_free_guest(&g->base);
        return hv_error_set(err, rc, 0, "cannot define the wasi:http 0.3 host");
    }
    memcpy(g->handle_name, name, nl);
    memcpy(g->handle_name + nl, "#handle", 8);
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
}
