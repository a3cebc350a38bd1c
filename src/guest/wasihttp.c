/*
 * wasihttp.c -- the wasi:http 0.2 guest kind: components that export
 * wasi:http/incoming-handler (the wasi:http/proxy world).
 *
 * A worker's instance serves its requests one after another (0.2 has no
 * concurrency inside an instance): each is one call of `handle` with a
 * fresh incoming-request and response-outparam (src/wasihttp/host.c).
 * The pool may give the instance its next request as soon as the current
 * one's response head is out; it waits here until `handle` returns. How
 * many requests an instance serves is the pool's policy
 * (--max-instance-reuse-count); max_total is unlimited here.
 *
 * Outcomes: `handle` traps: 500 (the instance ends); it returns without
 * setting the outparam: 502; the outparam set to an error-code: that
 * code's status (hv_whttp_error_status); the deadline passes: 504.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <inttypes.h>

#include "guest/httpcommon.h"
#include "handler/guest.h"
#include "hive/wasip2.h"
#include "support/error.h"
#include "wasihttp/wasihttp.h"

typedef struct wh_guest {
    hive_guest base;
    hive_engine *engine;
    hive_component *component;
    hive_linker *linker;
    char *handle_name; /* "wasi:http/incoming-handler@0.2.x#handle" */
    int full; /* with WASI 0.2 (full_linker); else the wasi:http-only linker */
    hive_linker *full_linker; /* WASI 0.2 (shared: contexts by instance) + wasi:http */
    hv_wguest_wasi wasi; /* full: the environment and preopened directories */
} wh_guest;

/* What one instance is made of. */
typedef struct wh_parts {
    whttp *ctx;
    hive_wasip2 *p2;     /* full: the instance's WASI 0.2 world */
    hive_cinstance *inst;
    hive_cfunc *handle;
} wh_parts;

struct guest_inst {
    wh_guest *g;
    hive_worker *w;
    wh_parts parts;
    hive_cinstance *inst; /* = parts.inst */
    hive_cfunc *handle;
    whttp *ctx;
    hive_req **queue; /* started, not yet called */
    size_t nq, capq;
    hive_req *cur;    /* the request of the call in progress */
    bool pending;     /* the call waits on a host call */
    char error[256];
};

/* The WASI 0.2 context of an instance of the shared full linker. */
static hive_wasip2 *wh_p2_of(hive_cinstance *instance, void *ud) {
    (void)ud;
    whttp *h = hive_cinstance_data(instance);
    /* during hive_cinstance_new (start functions) the data is not set yet:
     * the context being made is the thread's current one */
    return hv_whttp_p2(h ? h : hv_whttp_current());
}

static void wh_wake(void *w) { hv_handler_wake(w); }

static void wh_unmake(wh_parts *p) {
    hv_whttp_enter(p->ctx);
    hive_cinstance_free(p->inst);
    hv_whttp_leave();
    hv_whttp_free(p->ctx);
    hive_wasip2_free(p->p2);
    memset(p, 0, sizeof *p);
}

static int wh_make(wh_guest *g, hive_worker *w, wh_parts *p, hive_error *err) {
    memset(p, 0, sizeof *p);
    int rc = HIVE_OK;
    if (g->full) {
        hive_wasip2_config c;
        memset(&c, 0, sizeof c);
        for (int i = 1; i <= 2; i++) {
            c.stdio[i].kind = HIVE_WASI_STDIO_STREAM;
            c.stdio[i].stream = (hive_wasi_stream){NULL, hv_wguest_log_write, NULL, w};
        }
        hv_wguest_wasi_config(&g->wasi, &c);
        if ((rc = hive_wasip2_new(&c, &p->p2, err)) != HIVE_OK) return rc;
    }
    if (!(p->ctx = hv_whttp_new(p->p2))) {
        wh_unmake(p);
        return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    }
    if (w) hv_whttp_set_wake(p->ctx, wh_wake, w); /* outgoing requests' progress */
    hv_whttp_enter(p->ctx);
    rc = hive_cinstance_new(g->engine, g->component, g->full ? g->full_linker : g->linker,
                            &p->inst, err);
    hv_whttp_leave();
    if (rc != HIVE_OK) {
        wh_unmake(p);
        return rc;
    }
    hive_cinstance_set_data(p->inst, p->ctx);
    p->handle = hive_cinstance_func(p->inst, g->handle_name);
    if (!p->handle) {
        wh_unmake(p);
        return hv_error_set(err, HIVE_EUNLINKABLE, 0, "the component exports no %s",
                            g->handle_name);
    }
    return HIVE_OK;
}

static int wh_instantiate(hive_guest *guest, hive_worker *w, guest_inst **out, hive_error *err) {
    wh_guest *g = (wh_guest *)guest;
    guest_inst *gi = calloc(1, sizeof *gi);
    if (!gi) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    gi->g = g;
    gi->w = w;
    int rc = wh_make(g, w, &gi->parts, err);
    if (rc != HIVE_OK) {
        free(gi);
        return rc;
    }
    gi->inst = gi->parts.inst;
    gi->handle = gi->parts.handle;
    gi->ctx = gi->parts.ctx;
    *out = gi;
    return 0;
}

static int wh_start(guest_inst *gi, hive_req *req, uint64_t task_id) {
    (void)task_id;
    if (gi->nq == gi->capq) {
        size_t cap = gi->capq ? gi->capq * 2 : 4;
        hive_req **nq = realloc(gi->queue, cap * sizeof *nq);
        if (!nq) return -1;
        gi->queue = nq;
        gi->capq = cap;
    }
    gi->queue[gi->nq++] = req;
    return 0;
}

/* The call of the current request ended (returned). */
static void wh_call_over(guest_inst *gi) {
    hv_whttp_end(gi->ctx);
    hv_handler_req_task_done(gi->cur);
    gi->cur = NULL;
    gi->pending = false;
}

static guest_run wh_trap(guest_inst *gi, const char *msg) {
    snprintf(gi->error, sizeof gi->error, "%s", msg);
    hv_whttp_leave();
    return GUEST_RUN_TRAP;
}

static guest_run wh_run(guest_inst *gi, uint64_t budget) {
    hv_whttp_enter(gi->ctx);
    for (;;) {
        hive_status st;
        if (!gi->cur) {
            if (!gi->nq) {
                hv_whttp_leave();
                return GUEST_RUN_IDLE;
            }
            gi->cur = gi->queue[0];
            memmove(gi->queue, gi->queue + 1, --gi->nq * sizeof *gi->queue);
            uint32_t rq, op;
            if (hv_whttp_begin(gi->ctx, gi->cur, &rq, &op) != 0) {
                hv_handler_req_fail(gi->cur, HIVE_HANDLE_FAILED, "out of memory");
                hv_handler_req_task_done(gi->cur);
                gi->cur = NULL;
                continue;
            }
            hive_cval args[2] = {hive_cval_handle(HIVE_C_OWN, rq, NULL),
                                 hive_cval_handle(HIVE_C_OWN, op, NULL)};
            st = hive_cinstance_call(gi->inst, gi->handle, args, 2, budget);
        } else if (gi->pending) {
            st = HIVE_PENDING;
        } else {
            st = hive_cinstance_resume(gi->inst, budget);
        }
        for (int rounds = 0; st == HIVE_PENDING; rounds++) {
            gi->pending = true;
            if (rounds == 64) {
                hv_whttp_leave();
                return GUEST_RUN_MORE;
            }
            char msg[128];
            int r;
            if (hv_whttp_pending(gi->ctx) || !gi->parts.p2) {
                r = hv_whttp_retry(gi->ctx, gi->inst, msg, sizeof msg);
            } else { /* a call of the WASI 0.2 world waits */
                int rc = hive_wasip2_complete_pending(gi->parts.p2, gi->inst);
                r = rc == HIVE_OK ? 1 : rc == HIVE_WASI_STILL_WAITING ? 0 : -1;
                if (r < 0) snprintf(msg, sizeof msg, "a pending WASI call failed");
                hive_wasi_wait wait;
                if (r == 0 && hive_wasip2_pending(gi->parts.p2, &wait) &&
                    wait.deadline_ns != UINT64_MAX)
                    hv_handler_wake_at(gi->w, wait.deadline_ns);
            }
            if (r == 0) {
                hv_whttp_leave();
                return GUEST_RUN_WAIT;
            }
            if (r < 0) return wh_trap(gi, msg);
            gi->pending = false;
            st = hive_cinstance_resume(gi->inst, budget);
        }
        switch (st) {
        case HIVE_SUSPENDED:
            hv_whttp_leave();
            return GUEST_RUN_MORE;
        case HIVE_DONE:
            if (hive_cinstance_post_return(gi->inst) != HIVE_OK) {
                const hive_trap *t = hive_cinstance_trap(gi->inst);
                return wh_trap(gi, t && t->message[0] ? t->message : "post-return trapped");
            }
            wh_call_over(gi);
            if (gi->nq) {
                hv_whttp_leave();
                return GUEST_RUN_MORE;
            }
            continue;
        case HIVE_TRAPPED: {
            const hive_trap *t = hive_cinstance_trap(gi->inst);
            return wh_trap(gi, t && t->message[0] ? t->message : "trap");
        }
        default:
            return wh_trap(gi, "the handler could not be called");
        }
    }
}

static void wh_interrupt(guest_inst *gi) { hive_cinstance_interrupt(gi->inst); }

static int wh_cancel(guest_inst *gi, hive_req *req) {
    for (size_t i = 0; i < gi->nq; i++)
        if (gi->queue[i] == req) {
            memmove(gi->queue + i, gi->queue + i + 1, (gi->nq - i - 1) * sizeof *gi->queue);
            gi->nq--;
            return 0;
        }
    if (req != gi->cur) return 0;
    /* mid-call: the instance cannot be entered again */
    hv_whttp_abandon(gi->ctx);
    gi->cur = NULL;
    return -1;
}

static const char *wh_error(guest_inst *gi) { return gi->error; }

/* The worker ends: the HTTP client must not wake it any more (the
 * instance may be freed later, by the pool's reaper). */
static void wh_detach(guest_inst *gi) { hv_whttp_release_outgoing(gi->ctx); }

static void wh_free(guest_inst *gi) {
    if (!gi) return;
    wh_unmake(&gi->parts);
    free(gi->queue);
    free(gi);
}

static void wh_free_guest(hive_guest *guest) {
    wh_guest *g = (wh_guest *)guest;
    hv_wguest_wasi_free(&g->wasi);
    hive_linker_free(g->linker);
    hive_linker_free(g->full_linker);
    hive_component_release(g->component);
    free(g->handle_name);
    free(g);
}

static uint64_t wh_footprint(guest_inst *gi) {
    return gi ? hive_cinstance_memory_size(gi->inst) : 0;
}

static const guest_ops wh_ops = {
    .name = "wasi:http",
    .max_concurrent = 1,
    .max_total = 0,
    .instantiate = wh_instantiate,
    .start = wh_start,
    .run = wh_run,
    .interrupt = wh_interrupt,
    .cancel = wh_cancel,
    .error = wh_error,
    .free = wh_free,
    .free_guest = wh_free_guest,
    .footprint = wh_footprint,
    .detach = wh_detach,
};

int hv_guest_wasihttp_new(hive_engine *engine, hive_component *component,
                            const char *const *env, size_t nenv, const char *const *dirs,
                            size_t ndirs, hive_guest **out, hive_error *err) {
    *out = NULL;
    const char *name = hv_wguest_export(component, "wasi:http/incoming-handler@0.2.");
    if (!name)
        return hv_error_set(err, HIVE_EUNLINKABLE, 0,
                            "the component exports no wasi:http/incoming-handler@0.2.x: not a "
                            "wasi:http/proxy component");
    wh_guest *g = calloc(1, sizeof *g);
    if (!g) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    g->base.ops = &wh_ops;
    g->engine = engine;
    hive_component_retain(component);
    g->component = component;
    g->handle_name = hv_wguest_func_name(name, "handle");
    g->linker = hive_linker_new(engine);
    int rc = g->handle_name && g->linker ? hv_whttp_define(g->linker, 1) : HIVE_ENOMEM;
    if (rc != HIVE_OK) {
        wh_free_guest(&g->base);
        return hv_error_set(err, rc, 0, "cannot define the wasi:http host");
    }
    if (hv_wguest_wasi_copy(&g->wasi, env, nenv, dirs, ndirs)) goto oom;
    /* One instance now, so that a component that cannot run is refused at
     * start: with the shared linker (wasi:http and the bodies' wasi:io
     * only), else with the whole of WASI 0.2 (a linker per instance). */
    wh_parts p;
    rc = wh_make(g, NULL, &p, err);
    if (rc == HIVE_EUNLINKABLE) {
        g->full = 1;
        g->full_linker = hive_linker_new(engine);
        rc = !g->full_linker ? HIVE_ENOMEM : hive_wasip2_define_shared(g->full_linker, wh_p2_of, NULL);
        if (rc == HIVE_OK) rc = hv_whttp_define(g->full_linker, 0);
        if (rc != HIVE_OK) {
            wh_free_guest(&g->base);
            return hv_error_set(err, rc, 0, "cannot define the WASI 0.2 host");
        }
        rc = wh_make(g, NULL, &p, err);
    }
    if (rc != HIVE_OK) {
        wh_free_guest(&g->base);
        return rc;
    }
    wh_unmake(&p);
    if (!g->full && (nenv || ndirs)) {
        wh_free_guest(&g->base);
        return hv_error_set(err, HIVE_EARG, 0,
                            "%s does not apply: the component imports only wasi:http (no "
                            "wasi:cli environment or wasi:filesystem)",
                            nenv ? "--env" : "--dir");
    }
    *out = &g->base;
    return HIVE_OK;
oom:
    wh_free_guest(&g->base);
    return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
}
