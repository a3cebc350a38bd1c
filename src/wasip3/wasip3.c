/*
 * wasip3.c -- the WASI 0.3 context (hive/wasip3.h): config, the table of
 * host resources behind the guest's handles, sources, value helpers,
 * definitions and the driver hive_wasip3_run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "wasip3/p3_impl.h"

static void seterr(hive_error *err, int code, const char *fmt, const char *arg) {
    if (!err) return;
    err->code = code;
    err->offset = 0;
    snprintf(err->message, sizeof err->message, fmt, arg);
}

int hive_wasip3_new(const hive_wasip3_config *cfg, hive_wasip3 **out, hive_error *err) {
    if (!out) return HIVE_EARG;
    *out = NULL;
    if (!cfg) {
        seterr(err, HIVE_EARG, "%s", "no config");
        return HIVE_EARG;
    }
    const hive_wasip2_config *c = &cfg->base;
    hive_wasip3 *p = calloc(1, sizeof *p);
    if (!p) {
        seterr(err, HIVE_ENOMEM, "%s", "out of memory");
        return HIVE_ENOMEM;
    }
    int rc = hv_wbase_init(&p->b, c, err);
    if (rc != HIVE_OK) {
        hive_wasip3_free(p);
        return rc;
    }
    p->max_waits = cfg->max_waits ? cfg->max_waits : 65536;
    p->insecure_seed[0] = hv_p3_insecure_u64(p);
    p->insecure_seed[1] = hv_p3_insecure_u64(p);
    *out = p;
    return HIVE_OK;
}

void hive_wasip3_free(hive_wasip3 *p) {
    if (!p) return;
    hv_p3_reactor_free(p);
    for (uint32_t i = 0; i < p->nres; i++)
        if (p->res[i].type) hv_p3_res_free(p, i + 1);
    free(p->res);
    for (int i = 0; i < P3_NEXT; i++)
        if (p->ext_free[i]) p->ext_free[i](p, p->ext[i]);
    hv_wbase_free(&p->b);
    free(p->fds);
    free(p);
}

void hive_wasip3_set_p2(hive_wasip3 *p, hive_wasip2 *p2) {
    if (p) p->p2 = p2;
}

const char *hive_wasip3_failure(const hive_wasip3 *p) { return p ? p->failure : ""; }

int hive_wasip3_exit_code(const hive_wasip3 *p, int *code) {
    if (!p) return 0;
    if (p->exited) {
        *code = p->exit_code;
        return 1;
    }
    return p->p2 ? hive_wasip2_exit_code(p->p2, code) : 0;
}

/* ---- host resources ---- */

uint32_t hv_p3_res_new(hive_wasip3 *p, const p3_rtype *type, void *obj) {
    if (!type || p->live >= p->b.max_objects) return 0;
    uint32_t i = p->free_hint;
    while (i < p->nres && p->res[i].type) i++;
    if (i == p->nres) {
        if (p->nres == p->capres) {
            uint32_t cap = p->capres ? p->capres * 2 : 16;
            p3_res *v = realloc(p->res, cap * sizeof *v);
            if (!v) return 0;
            p->res = v;
            p->capres = cap;
        }
        p->nres++;
    }
    p->res[i].type = type;
    p->res[i].obj = obj;
    p->live++;
    p->free_hint = i + 1;
    return i + 1;
}

void *hv_p3_res_get(hive_wasip3 *p, uint32_t rep, const p3_rtype *type) {
    if (rep == 0 || rep > p->nres || p->res[rep - 1].type != type) return NULL;
    return p->res[rep - 1].obj;
}

void hv_p3_res_free(hive_wasip3 *p, uint32_t rep) {
    if (rep == 0 || rep > p->nres || !p->res[rep - 1].type) return;
    p3_res r = p->res[rep - 1];
    p->res[rep - 1].type = NULL;
    p->res[rep - 1].obj = NULL;
    p->live--;
    if (rep - 1 < p->free_hint) p->free_hint = rep - 1;
    if (r.type->free) r.type->free(p, r.obj);
}

static void res_dtor(hive_cinstance *instance, void *user, uint32_t rep) {
    hive_chost_call call = {instance, user, "", ""};
    hive_wasip3 *p = p3_ctx(&call);
    if (p) hv_p3_res_free(p, rep);
}

int hv_p3_define_resource(hive_wasip3 *p, hive_linker *l, const char *iface, const char *name) {
    hive_host_resource r = {NULL, p, name, res_dtor};
    return hive_linker_define_resource(l, iface, name, &r);
}

hive_host_status hv_p3_no_ctx(hive_chost_call *call) {
    hive_chost_trap(call, "no WASI 0.3 context for this instance (hive_wasip3_define_shared)");
    return HIVE_HOST_TRAP;
}

hive_host_status hv_p3_trap(hive_chost_call *call, const char *msg) {
    hive_chost_trap(call, msg);
    return HIVE_HOST_TRAP;
}

/* ---- sources ---- */

uint64_t hv_p3_mono_ns(hive_wasip3 *p) { return hv_wbase_mono_ns(&p->b); }
uint64_t hv_p3_wall_ns(hive_wasip3 *p) { return hv_wbase_wall_ns(&p->b); }
int hv_p3_random(hive_wasip3 *p, uint8_t *buf, size_t len) { return hv_wbase_random(&p->b, buf, len); }

uint64_t hv_p3_insecure_u64(hive_wasip3 *p) { return hv_wbase_insecure_u64(&p->b); }

/* ---- definitions ---- */

int hv_p3_define_funcs(hive_wasip3 *p, hive_linker *l, const char *iface, const p3_fndef *f, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int rc = hive_linker_define_func(l, iface, f[i].name, f[i].type, f[i].fn, p);
        if (rc != HIVE_OK) return rc;
    }
    return HIVE_OK;
}

int hive_wasip3_define(hive_wasip3 *p, hive_linker *l) {
    if (!p || !l) return HIVE_EARG;
    int rc = hv_p3_define_cli(p, l);
    if (rc == HIVE_OK) rc = hv_p3_define_clocks(p, l);
    if (rc == HIVE_OK) rc = hv_p3_define_random(p, l);
    if (rc == HIVE_OK) rc = hv_p3_define_filesystem(p, l);
    if (rc == HIVE_OK) rc = hv_p3_define_sockets(p, l);
    return rc;
}

int hive_wasip3_define_shared(hive_linker *l, hive_wasip3 *(*lookup)(hive_cinstance *instance, void *ud),
                              void *ud) {
    if (!l) return HIVE_EARG;
    hive_wasip3 *s = hive_linker_alloc(l, sizeof *s); /* lives as long as the linker */
    if (!s) return HIVE_ENOMEM;
    s->shared = 1;
    s->lookup = lookup;
    s->lookup_ud = ud;
    return hive_wasip3_define(s, l);
}

/* ---- the driver ---- */

/* A watchdog for opts->timeout_ns: interrupts the instance when the time
 * is up (the instance traps "interrupted"; a guest computing without end
 * is stopped too). */
typedef struct watchdog {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    hive_cinstance *inst;
    uint64_t deadline_rt; /* CLOCK_REALTIME ns */
    int stop, fired, started;
} watchdog;

static void *watch(void *arg) {
    watchdog *w = arg;
    struct timespec ts = {(time_t)(w->deadline_rt / 1000000000u), (long)(w->deadline_rt % 1000000000u)};
    pthread_mutex_lock(&w->mu);
    while (!w->stop)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT) {
            if (!w->stop) {
                w->fired = 1;
                hive_cinstance_interrupt(w->inst);
            }
            break;
        }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void wait_blocking(hive_wasip3 *p, const hive_wasi_wait *w) {
    int ms = -1;
    if (w->deadline_ns != UINT64_MAX) {
        uint64_t now = hv_p3_mono_ns(p);
        uint64_t d = w->deadline_ns <= now ? 0 : (w->deadline_ns - now + 999999) / 1000000;
        ms = d > 1000000 ? 1000000 : (int)d;
    }
    if (w->streams && (ms < 0 || ms > 1)) ms = 1;
    if (w->nfds) poll((struct pollfd *)w->fds, w->nfds, ms);
    else if (ms > 0) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

hive_status hive_wasip3_run(hive_wasip3 *p, hive_cinstance *inst, hive_cfunc *func,
                            const hive_wasi_run_opts *opts, hive_cval *result, int *stop) {
    return hive_wasip3_call(p, inst, func, NULL, 0, opts, result, stop);
}

hive_status hive_wasip3_call(hive_wasip3 *p, hive_cinstance *inst, hive_cfunc *func, const hive_cval *args,
                             size_t nargs, const hive_wasi_run_opts *opts, hive_cval *result, int *stop) {
    if (stop) *stop = HIVE_WASI_STOP_NONE;
    if (!p || !inst || !func) return HIVE_FAILED;
    p->failure[0] = 0;
    if (opts && opts->fuel) {
        snprintf(p->failure, sizeof p->failure, "a fuel limit is not supported for WASI 0.3 (async) calls");
        return HIVE_FAILED;
    }
    watchdog wd;
    memset(&wd, 0, sizeof wd);
    if (opts && opts->timeout_ns) {
        wd.inst = inst;
        wd.deadline_rt = hv_wasi_now_ns(CLOCK_REALTIME) + opts->timeout_ns;
        pthread_mutex_init(&wd.mu, NULL);
        pthread_cond_init(&wd.cv, NULL);
        wd.started = pthread_create(&wd.th, NULL, watch, &wd) == 0;
    }
    uint64_t until = opts && opts->timeout_ns ? hv_p3_mono_ns(p) + opts->timeout_ns : UINT64_MAX;
    int timed_out = 0;
    hive_ctask *task = NULL;
    hive_status st = hive_ctask_start(inst, func, args, nargs, &task);
    if (st == HIVE_DONE) {
        for (;;) {
            st = hive_cinstance_run_ready(inst, 0);
            if (st == HIVE_TRAPPED) break;
            int moved = hive_wasip3_poll(p);
            /* a WASI 0.2 blocking call inside a task (hive_cinstance_complete
             * ends it as a sync host call waiting in an async task) */
            if (p->p2 && hive_wasip2_complete_pending(p->p2, inst) == HIVE_OK) moved++;
            if (moved > 0) continue;
            if (hive_ctask_resolved(task)) {
                st = HIVE_DONE;
                break;
            }
            hive_wasi_wait w;
            if (!hive_wasip3_pending(p, &w)) {
                snprintf(p->failure, sizeof p->failure,
                         "deadlock: the guest waits and nothing it waits for is in flight");
                st = HIVE_FAILED;
                break;
            }
            if (until != UINT64_MAX && hv_p3_mono_ns(p) >= until) { /* every task waits: stop here */
                timed_out = 1;
                st = HIVE_SUSPENDED;
                break;
            }
            if (w.deadline_ns > until) w.deadline_ns = until;
            wait_blocking(p, &w);
        }
    }
    if (st == HIVE_DONE && task && result && hive_ctask_take_result(task, result) != 0)
        memset(result, 0, sizeof *result);
    /* what the guest wrote to stdout/stderr streams goes out before we
     * return (its writers may have dropped already; a bounded wait), also
     * after an exit (wasi:cli/exit traps: no guest code runs then, the
     * pumps write what they hold) */
    int code;
    int exiting = st == HIVE_TRAPPED && hive_wasip3_exit_code(p, &code);
    if (st == HIVE_DONE || exiting) {
        uint64_t flush_until = hv_p3_mono_ns(p) + 5000000000ull;
        if (flush_until > until) flush_until = until;
        for (;;) {
            int moved = 0;
            if (!exiting) {
                if (hive_cinstance_run_ready(inst, 0) == HIVE_TRAPPED) {
                    st = HIVE_TRAPPED;
                    if (!hive_wasip3_exit_code(p, &code)) break;
                    exiting = 1;
                }
                if (p->p2 && hive_wasip2_complete_pending(p->p2, inst) == HIVE_OK) moved++;
            }
            moved += hive_wasip3_poll(p);
            if (moved > 0) continue;
            hive_wasi_wait w;
            if (!hive_wasip3_pending(p, &w) || hv_p3_mono_ns(p) >= flush_until) break;
            /* only fds matter now (stdout to a slow reader) */
            if (!w.nfds) break;
            w.deadline_ns = flush_until;
            wait_blocking(p, &w);
        }
    }
    if (wd.started) {
        pthread_mutex_lock(&wd.mu);
        wd.stop = 1;
        pthread_cond_signal(&wd.cv);
        pthread_mutex_unlock(&wd.mu);
        pthread_join(wd.th, NULL);
    }
    if (wd.inst) {
        pthread_mutex_destroy(&wd.mu);
        pthread_cond_destroy(&wd.cv);
    }
    if (timed_out || (wd.fired && st == HIVE_TRAPPED && !p->exited)) {
        if (stop) *stop = HIVE_WASI_STOP_TIMEOUT;
        st = HIVE_SUSPENDED;
    }
    if (st == HIVE_FAILED && !p->failure[0])
        snprintf(p->failure, sizeof p->failure, "the call could not be made (wrong arguments?)");
    hive_ctask_free(task);
    return st;
}
