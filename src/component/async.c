/*
 * async.c -- the async ABI of the component model (Concurrency.md,
 * CanonicalABI.md; canonical-abi/definitions.py is the reference this
 * follows): tasks, subtasks, waitable sets, task.return, thread.yield,
 * futures and streams between guests.
 *
 * Every thread of the spec is an exec of the engine. A thread that blocks
 * (waitable-set.wait, a sync call whose callee has not returned, yield,
 * waiting to enter under backpressure) leaves its built-in with PENDING:
 * its exec stays suspended and the thread goes on the root instance's
 * waiting list with what it waits for. A callback-lifted task between two
 * callbacks has no suspended core code: it waits with its callback code
 * (YIELD, WAIT on a set). The host's call of an async export runs the
 * event loop (Store.tick): it resumes the first waiting thread that is
 * ready, in FIFO order, until the export's task resolves; when none is
 * ready, that is a deadlock (a trap).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/internal.h"
#include "component/runtime.h"
#include "hive/casync.h"

enum { EV_NONE = 0, EV_SUBTASK = 1, EV_STREAM_READ = 2, EV_STREAM_WRITE = 3, EV_FUTURE_READ = 4,
       EV_FUTURE_WRITE = 5, EV_TASK_CANCELLED = 6 };
enum { ST_STARTING = 0, ST_STARTED = 1, ST_RETURNED = 2, ST_CANCELLED_BEFORE_STARTED = 3,
       ST_CANCELLED_BEFORE_RETURNED = 4 };
enum { T_INITIAL, T_STARTED, T_RESOLVED };
/* what a waiting thread waits for */
enum { TW_NONE, TW_ENTER, TW_CB_YIELD, TW_CB_WAIT, TW_WAIT, TW_YIELD, TW_SUBTASK, TW_COPY, TW_SUBCANCEL,
       TW_SUSPENDED, TW_RESUMED };
/* a task's cancellation (Task.State PENDING_CANCEL, CANCEL_DELIVERED) */
enum { CN_NONE, CN_PENDING, CN_DELIVERED };
/* kinds of table entries (the sentinel resource types below) */
enum { K_SET, K_SUBTASK, K_SREAD, K_SWRITE, K_FREAD, K_FWRITE, K_COUNT };
enum { CS_IDLE, CS_COPYING, CS_CANCELLING, CS_DONE };
enum { CR_COMPLETED = 0, CR_DROPPED = 1, CR_CANCELLED = 2 };
#define BLOCKED 0xffffffffu

static rt_resource kinds[K_COUNT]; /* handle.rt == &kinds[k] marks an async entry */

typedef struct wset wset;
typedef struct waitable {
    int kind;
    cinst *owner;
    uint32_t idx;      /* its handle index */
    wset *set;
    int pending;       /* has a pending event */
    int sync_waiter;
    struct waitable *next_in_set;
} waitable;

struct wset {
    cinst *owner;
    uint32_t num_waiting;
    waitable *elems;
};

typedef struct atask atask;
typedef struct subtask subtask;
typedef struct shared shared;

typedef struct athread {
    atask *task;
    hive_exec *exec;
    int wait;              /* TW_* while on the waiting list */
    wset *ws;
    uint32_t ptr;
    hive_memory *mem;      /* where TW_WAIT writes its event */
    subtask *sub;
    waitable *w;           /* TW_COPY: the end waited on */
    uint32_t ctx;          /* context.get/set slot 0 while it does not run */
    int cancellable;       /* its wait may be cut short by a cancellation */
    int cancel_now;        /* resume it with TASK_CANCELLED */
    struct athread *next;
    /* cooperative threads (thread.new-indirect and friends) */
    cinst *inst;           /* its instance (the task's; for spawned threads) */
    uint32_t index;        /* in the root's thread registry, 0: none yet */
    int spawned;           /* made by thread.new-indirect */
    hive_func *start;
    uint32_t arg;
    int started, done;
    int switching;         /* on the C stack below, in a built-in that switched away */
    int had_exclusive;     /* blocked inside core code holding the instance: takes it back */
    void **inst_excl;      /* &inst->exclusive, with had_exclusive */
    int switched_back;     /* another thread resumed it while switching */
} athread;

struct atask {
    rt_func *f;
    cinst *inst, *caller;
    int state;
    subtask *sub;          /* the caller's side (NULL: the host) */
    hive_cval *argv;
    uint32_t nargv;
    hive_cval result;      /* host caller: the result */
    int has_result;
    call_state cs;
    athread th;
    int exited;
    int host_handle;       /* the host holds it (hive_ctask) */
    int cancel;            /* CN_* */
    int was_cancelled;     /* resolved by task.cancel */
    atask *prev_all, *next_all;
};

struct subtask {
    waitable w;
    atask *task;
    int state;
    int async_;
    int delivered, dropped;
    int in_table;      /* async: the caller holds it by handle */
    int cancel_requested;
    cinst *ci;
    hive_memory *mem;
    hive_func *realloc;
    uint8_t enc;
    const ct_type *ft;
    int64_t out_ptr;
    hive_val flat[2];
    uint32_t nflat;
    call_state cs;
};

/* a stream or future: the two ends share it (SharedStreamImpl,
 * SharedFutureImpl); a copy's memory is a buffer */
typedef struct buffer {
    cinst *inst;
    hive_memory *mem;
    hive_func *realloc;
    uint8_t enc;
    const ct_type *t;   /* element type, NULL for none */
    uint32_t ptr, length, progress;
} buffer;

typedef struct end {
    waitable w;
    shared *sh;
    const ct_type *t;   /* the stream/future type as its instance sees it */
    int readable;
    int state;          /* CS_IDLE, CS_COPYING, CS_CANCELLING, CS_DONE */
    buffer buf;
    uint32_t ev_result; /* CR_* of the pending event */
    int reclaim;        /* the event gives the buffer back (on_copy) */
} end;

struct shared {
    const ct_type *t;   /* stream<T> or future<T> */
    int future;
    int dropped;
    end *pend;          /* the end whose buffer waits for the other side */
    uint32_t refs;      /* ends alive, or in flight as a value */
    /* an end the host holds (hive/casync.h): its values queue here */
    int host;           /* HS_* */
    uint32_t limit;     /* HS_READER: most values queued (0: no limit) */
    int both;           /* HS_WRITER whose readable end came back to the host too
                           (hive_cstream_reader): a pipe from host to host */
    hive_cval *q;
    uint32_t qhead, qn, qcap; /* qcap: 0 or a power of two */
    shared *prev, *next; /* all of the root instance (casync.shareds) */
    struct casync *store;
};

enum { HS_NONE, HS_WRITER, HS_READER };

typedef struct casync {
    const hv_alloc *al;
    athread *head, *tail; /* waiting threads, FIFO */
    atask *tasks;         /* every task not yet freed */
    shared *shareds;      /* every stream and future not yet freed */
    athread **threads;    /* registry: thread.index - 1 */
    uint32_t nthreads, capthreads;
    athread sync_main;    /* the thread of a sync task outside the async path */
    hive_exec *running;   /* innermost exec running (hive_cinstance_interrupt) */
    struct hive_chost_deferred *deferred; /* async host calls not yet returned */
    struct hive_chost_deferred *sync_wait; /* a sync-typed host call waiting (hv_casync_complete) */
    struct hive_cstream *hstreams; /* the host's ends not yet closed (freed with the instance) */
    uint32_t live;        /* tasks not yet exited */
} casync;

static __thread athread *cur;

/* An async host call the host finishes later (hive_chost_defer). */
struct hive_chost_deferred {
    hive_cinstance *root;
    subtask *st;
    struct hive_chost_deferred *prev, *next;
};
/* the host call running now may be deferred: its subtask */
static __thread subtask *defer_sub;
static __thread struct hive_chost_deferred *defer_taken;

/* ---- helpers -------------------------------------------------------------------- */

static void cxinit(cx *c, cinst *inst, hive_memory *mem, hive_func *rea, uint8_t enc, jmp_buf *jb) {
    memset(c, 0, sizeof *c);
    c->inst = inst;
    c->mem = mem;
    c->realloc = rea;
    c->enc = enc;
    c->jb = jb;
    c->fused = 1;
}

static casync *store_of(hive_cinstance *root) {
    if (!root->async) {
        casync *s = hv_calloc(root->ar.al, 1, sizeof *s);
        if (!s) return NULL;
        s->al = root->ar.al;
        __atomic_store_n(&root->async, s, __ATOMIC_RELEASE); /* hv_casync_interrupt reads it */
    }
    return root->async;
}

static void enqueue(casync *s, athread *t, int wait) {
    t->wait = wait;
    t->next = NULL;
    if (s->tail) s->tail->next = t;
    else s->head = t;
    s->tail = t;
}

static void dequeue(casync *s, athread *t) {
    athread **p = &s->head, *prev = NULL;
    while (*p && *p != t) {
        prev = *p;
        p = &(*p)->next;
    }
    if (!*p) return;
    *p = t->next;
    if (s->tail == t) s->tail = prev;
    t->next = NULL;
}

static int is_ancestor_or_self(cinst *a, cinst *of) {
    for (cinst *x = of; x; x = x->parent)
        if (x == a) return 1;
    return 0;
}

static int may_enter(cinst *callee, cinst *caller) {
    /* as wasmtime for now: no calls between a component and its ancestors */
    if (caller && callee != caller && (is_ancestor_or_self(callee, caller) || is_ancestor_or_self(caller, callee)))
        return 0;
    for (cinst *x = callee; x; x = x->parent) {
        if (caller && is_ancestor_or_self(x, caller)) continue;
        if (!x->may_enter) return 0;
    }
    return 1;
}

static void set_enter(cinst *callee, cinst *caller, int v) {
    for (cinst *x = callee; x; x = x->parent) {
        if (caller && is_ancestor_or_self(x, caller)) continue;
        x->may_enter = v;
    }
}

static void *entry(cx *c, uint32_t i, int kind, const char *what) {
    rt_handle *h = hv_htab_get(c, &c->inst->handles, i);
    if (h->rt != &kinds[kind]) hv_cx_trap(c, "handle index %u is not a %s", i, what);
    return h->obj;
}

static uint32_t add_entry(cx *c, int kind, void *obj) {
    rt_handle h = {.rt = &kinds[kind], .obj = obj};
    return hv_htab_add(c, &c->inst->handles, h);
}

/* ---- waitables ------------------------------------------------------------------- */

static void join(waitable *w, wset *s) {
    if (w->set) {
        waitable **p = &w->set->elems;
        while (*p && *p != w) p = &(*p)->next_in_set;
        if (*p) *p = w->next_in_set;
    }
    w->set = s;
    w->next_in_set = NULL;
    if (s) {
        waitable **p = &s->elems;
        while (*p) p = &(*p)->next_in_set;
        *p = w;
    }
}

static int set_has_event(wset *s) {
    for (waitable *w = s->elems; w; w = w->next_in_set)
        if (w->pending) return 1;
    return 0;
}

static int task_may_block(athread *t) {
    return t && t->task && (t->task->f->ft->async_ || t->task->state == T_RESOLVED);
}

/* The event of a waitable (get_pending_event): clears it. */
static void end_event(end *e, uint32_t ev[3]);
static void end_free(cinst *ci, end *e);
static int request_cancel(casync *s, atask *t, cinst *caller, char *msg, size_t msglen);
static int host_sub_cancel(casync *s, subtask *st, char *msg, size_t msglen);
static void shared_unref(const hv_alloc *al, shared *sh);
static void sub_deliver(subtask *st);
static struct hive_cstream *hstream_next(struct hive_cstream *hs);
static void take_event(waitable *w, uint32_t ev[3]) {
    w->pending = 0;
    if (w->kind == K_SUBTASK) {
        subtask *st = (subtask *)w;
        if (st->state >= ST_RETURNED) sub_deliver(st);
        ev[0] = EV_SUBTASK;
        ev[1] = w->idx;
        ev[2] = (uint32_t)st->state;
        return;
    }
    end_event((end *)w, ev);
}

static void set_event(wset *s, uint32_t ev[3]) {
    for (waitable *w = s->elems; w; w = w->next_in_set)
        if (w->pending) {
            take_event(w, ev);
            return;
        }
    ev[0] = ev[1] = ev[2] = 0;
}

/* ---- tasks ------------------------------------------------------------------------ */

static int needs_exclusive(atask *t) {
    return t->f->ft->async_ && (!t->f->async_lift || t->f->callback);
}

static int has_backpressure(atask *t) {
    return t->inst->backpressure > 0 || (needs_exclusive(t) && t->inst->exclusive);
}

static void cs_init_(call_state *cs, const hv_alloc *al) {
    memset(cs, 0, sizeof *cs);
    cs->al = al;
    cs->lenders = cs->lend_inline;
    cs->caplenders = 4;
}

static void cs_release_(call_state *cs) {
    for (uint32_t i = 0; i < cs->nlenders; i++) {
        handle_table *t = cs->lenders[i].tab;
        uint32_t idx = cs->lenders[i].idx;
        if (idx < t->n && t->v[idx].lends) t->v[idx].lends--;
    }
    cs->nlenders = 0;
    if (cs->lenders != cs->lend_inline) hv_free(cs->al, cs->lenders);
    cs->lenders = cs->lend_inline;
    cs->caplenders = 4;
}

static void sub_deliver(subtask *st) {
    if (st->delivered) return;
    st->delivered = 1;
    cs_release_(&st->cs);
}

static void task_free(casync *s, atask *t) {
    const hv_alloc *al = t->inst->root->ar.al;
    if (t->prev_all) t->prev_all->next_all = t->next_all;
    else s->tasks = t->next_all;
    if (t->next_all) t->next_all->prev_all = t->prev_all;
    if (!t->exited) s->live--;
    for (uint32_t i = 0; i < t->nargv; i++) hive_cval_clear(&t->argv[i]);
    if (t->argv) hv_free(al, t->argv);
    hive_cval_clear(&t->result);
    cs_release_(&t->cs);
    if (t->th.exec) hv_comp_exec_give(t->inst->root->comp, t->th.exec);
    hv_free(al, t);
}

static void sub_free(subtask *st) {
    const hv_alloc *al = st->ci->root->ar.al;
    sub_deliver(st);
    hv_free(al, st);
}

/* on_resolve: the callee's result goes to its caller. 0 or -1 (msg). */
static int task_resolve(atask *t, hive_cval *res, int cancelled, char *msg, size_t msglen) {
    if (t->state == T_RESOLVED) {
        snprintf(msg, msglen, "task already returned a value");
        return -1;
    }
    if (t->cs.num_borrows) {
        snprintf(msg, msglen, "borrow handles still remain at the end of the call");
        return -1;
    }
    subtask *st = t->sub;
    if (getenv("HIVE_ASYNC_TRACE"))
        fprintf(stderr, "async: task %p resolves (sub %p, res %d, cancelled %d)\n", (void *)t, (void *)st,
                res != NULL, cancelled);
    if (!st) {
        if (res) {
            t->result = *res;
            memset(res, 0, sizeof *res);
            t->has_result = 1;
        }
    } else if (cancelled) {
        st->state = st->state == ST_STARTING ? ST_CANCELLED_BEFORE_STARTED : ST_CANCELLED_BEFORE_RETURNED;
        if (st->async_) st->w.pending = 1;
    } else {
        jmp_buf jb;
        cx c;
        cxinit(&c, st->ci, st->mem, st->realloc, st->enc, &jb);
        if (setjmp(jb)) {
            snprintf(msg, msglen, "%s", c.msg);
            return -1;
        }
        const ct_type *rt = st->ft->a;
        if (rt && res) {
            if (st->async_) hv_abi_lower_values(&c, &rt, 1, 0, res, st->flat, st->out_ptr);
            else st->nflat = hv_abi_lower_values(&c, &rt, 1, MAX_FLAT_RESULTS, res, st->flat, st->out_ptr);
        }
        st->state = ST_RETURNED;
        if (st->async_) st->w.pending = 1;
    }
    t->state = T_RESOLVED;
    t->was_cancelled = cancelled;
    return 0;
}

static int thread_after(casync *s, athread *th, hive_status st, char *msg, size_t msglen);

/* Runs (or resumes) a thread's exec. Its context slot lives in its
 * instance while it runs. An interrupt of the instance stops it (the
 * caller sees SUSPENDED: a trap); a stale interrupt flag on a pooled exec
 * is not one. */
static hive_status run_exec(athread *th, hive_func *f, const hive_val *a, uint32_t n, int resume) {
    athread *saved = cur;
    cinst *ci = th->task ? th->task->inst : th->inst;
    hive_cinstance *root = ci->root;
    casync *s = root->async;
    hive_exec *outer_run = s ? __atomic_load_n(&s->running, __ATOMIC_ACQUIRE) : NULL;
    if (s) __atomic_store_n(&s->running, th->exec, __ATOMIC_RELEASE);
    uint32_t outer = ci->context;
    cur = th;
    ci->context = th->ctx;
    hive_status st;
    uint64_t budget = root->budget; /* per run of an exec (0: none) */
    if (resume) {
        hive_exec_complete(th->exec, a, n);
        st = hive_exec_resume(th->exec, budget);
    } else {
        st = hive_exec_call(th->exec, f, a, n, budget);
    }
    /* not interrupted: a stale flag (once), or the budget used up */
    for (int again = 0; st == HIVE_SUSPENDED && !__atomic_load_n(&root->interrupted, __ATOMIC_RELAXED); again++) {
        if (budget && again) break;
        st = hive_exec_resume(th->exec, budget);
    }
    th->ctx = ci->context;
    ci->context = outer;
    cur = saved;
    if (s) __atomic_store_n(&s->running, outer_run, __ATOMIC_RELEASE);
    return st;
}

static hive_status run_call(athread *th, hive_func *f, const hive_val *a, uint32_t n) {
    return run_exec(th, f, a, n, 0);
}

static hive_status run_resume(athread *th, const hive_val *res, uint32_t nres) {
    return run_exec(th, NULL, res, nres, 1);
}

/* The task's start: lower its arguments, run its core function. */
static int task_begin(casync *s, atask *t, char *msg, size_t msglen) {
    rt_func *f = t->f;
    if (needs_exclusive(t)) t->inst->exclusive = &t->th;
    t->state = T_STARTED;
    if (t->sub && t->sub->state == ST_STARTING) {
        t->sub->state = ST_STARTED;
        if (t->sub->async_) t->sub->w.pending = 1;
    }
    t->th.ctx = 0; /* a new task's thread starts with zeroed storage */
    hive_val flat[MAX_FLAT_PARAMS + 1];
    jmp_buf jb;
    cx c;
    cxinit(&c, f->inst, f->memory, f->realloc, f->enc, &jb);
    c.call = &t->cs;
    c.fused = t->caller != NULL;
    c.host_side = t->caller == NULL;
    if (setjmp(jb)) {
        snprintf(msg, msglen, "%s", c.msg);
        return -1;
    }
    uint32_t nflat = hv_abi_lower_values(&c, f->ft->types, f->ft->n, MAX_FLAT_PARAMS, t->argv, flat, -1);
    if (!t->th.exec) t->th.exec = hv_comp_exec_take(f->inst->root->comp);
    if (!t->th.exec) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    hive_status st = run_call(&t->th, f->core, flat, nflat);
    return thread_after(s, &t->th, st, msg, msglen);
}

static void task_exit(atask *t) {
    if (needs_exclusive(t) && t->inst->exclusive == &t->th) t->inst->exclusive = NULL;
    if (!t->exited && t->inst->root->async) t->inst->root->async->live--;
    t->exited = 1;
    if (t->th.exec) {
        hv_comp_exec_give(t->inst->root->comp, t->th.exec);
        t->th.exec = NULL;
    }
}

/* After the thread's exec stopped: PENDING (it waits: already queued),
 * a trap, or done (the core function or a callback returned). */
static int thread_after(casync *s, athread *th, hive_status st, char *msg, size_t msglen) {
    if (th->spawned) { /* a thread of thread.new-indirect: no task logic */
        if (st == HIVE_PENDING) {
            if (th->wait == TW_NONE) {
                snprintf(msg, msglen, "a host function returned PENDING inside an async task");
                return -1;
            }
            return 0;
        }
        if (st != HIVE_DONE) {
            const hive_trap *tr = hive_exec_trap(th->exec);
            snprintf(msg, msglen, "%s", st == HIVE_TRAPPED && tr && tr->message[0] ? tr->message : "interrupted");
            return -1;
        }
        th->done = 1;
        hv_comp_exec_give(th->inst->root->comp, th->exec);
        th->exec = NULL;
        return 0;
    }
    atask *t = th->task;
    rt_func *f = t->f;
    if (st == HIVE_PENDING) {
        if (th->wait == TW_NONE) {
            snprintf(msg, msglen, "a host function returned PENDING inside an async task");
            return -1;
        }
        /* blocked inside its core code after it returned its value: the
         * instance is free for other tasks until it goes on (as wasmtime;
         * sync-streams.wast) */
        if (t->inst->exclusive == th && t->state == T_RESOLVED) {
            t->inst->exclusive = NULL;
            th->had_exclusive = 1;
            th->inst_excl = &t->inst->exclusive;
        }
        return 0;
    }
    if (st != HIVE_DONE) {
        const hive_trap *tr = hive_exec_trap(th->exec);
        snprintf(msg, msglen, "%s", st == HIVE_TRAPPED && tr && tr->message[0] ? tr->message
                                    : __atomic_load_n(&t->inst->root->interrupted, __ATOMIC_RELAXED)
                                        ? "interrupted"
                                        : "budget used up inside an async task");
        if (tr && getenv("HIVE_ASYNC_TRACE"))
            for (uint32_t k = 0; k < tr->nframes; k++)
                fprintf(stderr, "async trap frame %u: %s #%u\n", k, tr->frames[k].func_name ? tr->frames[k].func_name : "?",
                        tr->frames[k].func_index);
        return -1;
    }
    hive_val res[2];
    uint32_t nres = (uint32_t)hive_exec_results(th->exec, res, 2);
    if (!f->async_lift) {
        hive_cval v;
        memset(&v, 0, sizeof v);
        jmp_buf jb;
        cx c;
        cxinit(&c, f->inst, f->memory, f->realloc, f->enc, &jb);
        c.fused = t->caller != NULL;
        c.host_side = t->caller == NULL;
        if (setjmp(jb)) {
            hive_cval_clear(&v);
            snprintf(msg, msglen, "%s", c.msg);
            return -1;
        }
        if (f->ft->a) hv_abi_lift_values(&c, &f->ft->a, 1, MAX_FLAT_RESULTS, res, nres, &v);
        int rc = task_resolve(t, f->ft->a ? &v : NULL, 0, msg, msglen);
        if (!f->ft->a && rc == 0 && t->sub) { /* no result: RETURNED all the same */
        }
        hive_cval_clear(&v);
        if (rc) return -1;
        if (f->post_return) {
            f->inst->may_leave = 0;
            hive_val none;
            rc = hv_run_nested(f->inst, f->post_return, res, nres, &none, 0, msg, msglen);
            f->inst->may_leave = 1;
            if (rc) return -1;
        }
        task_exit(t);
        return 0;
    }
    if (!f->callback) {
        if (t->state != T_RESOLVED) {
            snprintf(msg, msglen, "async-lifted export failed to produce a result");
            return -1;
        }
        task_exit(t);
        return 0;
    }
    uint32_t packed = (uint32_t)res[0].of.i32;
    uint32_t code = packed & 0xf, si = packed >> 4;
    if (code > 2) {
        snprintf(msg, msglen, "unsupported callback code: %u", code);
        return -1;
    }
    if (code == 0) {
        if (t->state != T_RESOLVED) {
            snprintf(msg, msglen, "async-lifted export failed to produce a result");
            return -1;
        }
        task_exit(t);
        return 0;
    }
    t->inst->exclusive = NULL;
    th->cancellable = 1;
    if (t->cancel == CN_PENDING) { /* deliver_pending_cancel */
        t->cancel = CN_DELIVERED;
        th->cancel_now = 1;
    }
    if (code == 1) {
        enqueue(s, th, TW_CB_YIELD);
        return 0;
    }
    jmp_buf jb;
    cx c;
    cxinit(&c, f->inst, NULL, NULL, 0, &jb);
    if (setjmp(jb)) {
        snprintf(msg, msglen, "%s", c.msg);
        return -1;
    }
    th->ws = entry(&c, si, K_SET, "waitable set");
    th->ws->num_waiting++;
    enqueue(s, th, TW_CB_WAIT);
    return 0;
}

static int thread_ready(athread *th) {
    if (th->had_exclusive && th->inst_excl && *th->inst_excl) return 0;
    if (th->cancel_now)
        return (th->wait != TW_CB_YIELD && th->wait != TW_CB_WAIT) || !th->task->inst->exclusive;
    switch (th->wait) {
    case TW_ENTER: return !has_backpressure(th->task);
    case TW_CB_YIELD: return !th->task->inst->exclusive;
    case TW_CB_WAIT: return !th->task->inst->exclusive && set_has_event(th->ws);
    case TW_WAIT: return set_has_event(th->ws);
    case TW_YIELD: return 1;
    case TW_SUBTASK: return th->sub->state >= ST_RETURNED;
    case TW_COPY: return th->w->pending;
    case TW_SUBCANCEL: return th->w->pending;
    case TW_RESUMED: return 1;
    default: return 0;
    }
}

static int write_event(athread *th, uint32_t ev[3], char *msg, size_t msglen) {
    jmp_buf jb;
    cx c;
    cxinit(&c, th->task->inst, th->mem, NULL, 0, &jb);
    if (setjmp(jb)) {
        snprintf(msg, msglen, "%s", c.msg);
        return -1;
    }
    if (th->ptr % 4) hv_cx_trap(&c, "unaligned pointer");
    uint8_t *p = hv_abi_mem(&c, th->ptr, 8, "pointer out of bounds of memory");
    memcpy(p, &ev[1], 4);
    memcpy(p + 4, &ev[2], 4);
    return 0;
}

static int thread_resume(casync *s, athread *th, char *msg, size_t msglen) {
    dequeue(s, th);
    int wait = th->wait;
    th->wait = TW_NONE;
    atask *t = th->task;
    uint32_t ev[3] = {0, 0, 0};
    hive_val r = {.type = HIVE_I32};
    int cancelled = th->cancel_now;
    th->cancel_now = 0;
    if (th->had_exclusive) {
        *th->inst_excl = th;
        th->had_exclusive = 0;
    }
    th->cancellable = 0;
    if (cancelled) ev[0] = EV_TASK_CANCELLED;
    switch (wait) {
    case TW_ENTER:
        t->inst->num_waiting_to_enter--;
        return task_begin(s, t, msg, msglen);
    case TW_CB_YIELD:
    case TW_CB_WAIT: {
        if (wait == TW_CB_WAIT) {
            if (!cancelled) set_event(th->ws, ev);
            th->ws->num_waiting--;
        }
        t->inst->exclusive = th;
        hive_val a[3];
        for (int i = 0; i < 3; i++) {
            a[i].type = HIVE_I32;
            a[i].of.i32 = ev[i];
        }
        return thread_after(s, th, run_call(th, t->f->callback, a, 3), msg, msglen);
    }
    case TW_WAIT:
        if (!cancelled) set_event(th->ws, ev);
        th->ws->num_waiting--;
        if (write_event(th, ev, msg, msglen)) return -1;
        r.of.i32 = ev[0];
        return thread_after(s, th, run_resume(th, &r, 1), msg, msglen);
    case TW_YIELD:
    case TW_RESUMED:
        if (th->spawned && !th->started) { /* resume-later of a new thread */
            th->started = 1;
            hive_val a = {.type = HIVE_I32};
            a.of.i32 = th->arg;
            return thread_after(s, th, run_call(th, th->start, &a, 1), msg, msglen);
        }
        r.of.i32 = cancelled;
        return thread_after(s, th, run_resume(th, &r, 1), msg, msglen);
    case TW_SUBTASK: {
        subtask *st = th->sub;
        sub_deliver(st);
        hive_val fl[2];
        uint32_t n = st->nflat;
        memcpy(fl, st->flat, sizeof fl);
        if (st->task) st->task->sub = NULL;
        sub_free(st);
        th->sub = NULL;
        return thread_after(s, th, run_resume(th, fl, n), msg, msglen);
    }
    case TW_COPY:
    case TW_SUBCANCEL:
        th->w->sync_waiter = 0;
        take_event(th->w, ev);
        r.of.i32 = ev[2];
        return thread_after(s, th, run_resume(th, &r, 1), msg, msglen);
    }
    snprintf(msg, msglen, "internal: bad wait state");
    return -1;
}

/* Store.tick until done(arg): 0, or -1 (trap or deadlock, msg). */
static int run_loop(casync *s, hive_cinstance *root, int (*done)(void *), void *arg, char *msg, size_t msglen) {
    for (uint64_t steps = 0; !done(arg); steps++) {
        if (root->budget && steps >= root->budget) { /* tasks that yield forever */
            snprintf(msg, msglen, "budget used up inside async tasks");
            return -1;
        }
        athread *th = s->head;
        while (th && !thread_ready(th)) th = th->next;
        if (!th) {
            snprintf(msg, msglen, "deadlock detected: event loop cannot make further progress");
            return -1;
        }
        if (thread_resume(s, th, msg, msglen)) return -1;
    }
    return 0;
}

/* Starts a task (enter_implicit_thread): now, or queued under backpressure. */
static int task_start(casync *s, atask *t, char *msg, size_t msglen) {
    t->th.task = t;
    if (t->f->ft->async_ && (has_backpressure(t) || t->inst->num_waiting_to_enter > 0)) {
        t->inst->num_waiting_to_enter++;
        enqueue(s, &t->th, TW_ENTER);
        return 0;
    }
    return task_begin(s, t, msg, msglen);
}

static atask *task_new(casync *s, rt_func *f, cinst *caller, const hive_cval *args, uint32_t nargs) {
    atask *t = hv_calloc(s->al, 1, sizeof *t);
    if (!t) return NULL;
    if (getenv("HIVE_ASYNC_TRACE")) fprintf(stderr, "async: task %p of %s\n", (void *)t, caller ? "a guest" : "the host");
    t->f = f;
    t->inst = f->inst;
    t->caller = caller;
    cs_init_(&t->cs, s->al);
    t->th.task = t;
    t->next_all = s->tasks;
    if (s->tasks) s->tasks->prev_all = t;
    s->tasks = t;
    s->live++;
    if (nargs) {
        t->argv = hv_calloc(s->al, nargs, sizeof *t->argv);
        if (!t->argv) {
            task_free(s, t);
            return NULL;
        }
        t->nargv = nargs;
        for (uint32_t i = 0; i < nargs; i++) t->argv[i] = args[i];
    }
    return t;
}

int hv_casync_is_async(const rt_func *f) { return f->ft->async_ || f->async_lift; }

int hv_casync_lower_wanted(const rt_func *callee) {
    return cur != NULL || callee->ft->async_ || callee->async_lift;
}

static int host_done(void *arg) { return ((atask *)arg)->state == T_RESOLVED; }

/* Frees the tasks that have exited and that nobody refers to. */
static void sweep(casync *s) {
    atask *t = s->tasks;
    while (t) {
        atask *next = t->next_all;
        if (t->exited && !t->sub && !t->host_handle) task_free(s, t);
        t = next;
    }
}

/* Drops every waiting thread (after a trap, or at the end). */
static void reset_waiting(casync *s) {
    while (s->head) {
        athread *th = s->head;
        s->head = th->next;
        if (th->exec) hive_exec_reset(th->exec);
        th->wait = TW_NONE;
    }
    s->tail = NULL;
}

/* Starts f as a task of the host: 0 (*out) or -1 (msg). */
static int host_start(hive_cinstance *root, rt_func *f, const hive_cval *args, uint32_t nargs, atask **out,
                      char *msg, size_t msglen) {
    casync *s = store_of(root);
    if (!s) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    if (!may_enter(f->inst, NULL)) {
        snprintf(msg, msglen, "cannot enter component instance");
        return -1;
    }
    atask *t = task_new(s, f, NULL, NULL, 0);
    if (!t) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    t->host_handle = 1;
    /* the host keeps its arguments: the task gets copies */
    if (nargs) {
        t->argv = hv_calloc(s->al, nargs, sizeof *t->argv);
        if (!t->argv) {
            task_free(s, t);
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
        t->nargv = nargs;
        for (uint32_t i = 0; i < nargs; i++)
            if (hive_cval_copy(&t->argv[i], &args[i])) {
                task_free(s, t);
                snprintf(msg, msglen, "out of memory");
                return -1;
            }
    }
    athread *saved = cur;
    cur = NULL;
    set_enter(f->inst, NULL, 0);
    int rc = task_start(s, t, msg, msglen);
    set_enter(f->inst, NULL, 1);
    cur = saved;
    *out = t;
    return rc;
}

int hv_casync_host_call(hive_cinstance *root, rt_func *f, const hive_cval *args, uint32_t nargs,
                     hive_cval *result, char *msg, size_t msglen) {
    atask *t = NULL;
    int rc = host_start(root, f, args, nargs, &t, msg, msglen);
    casync *s = root->async;
    if (rc == 0) {
        athread *saved = cur;
        cur = NULL;
        rc = run_loop(s, root, host_done, t, msg, msglen);
        cur = saved;
    }
    if (t) t->host_handle = 0;
    if (rc) {
        if (s) reset_waiting(s);
        return -1;
    }
    *result = t->result;
    memset(&t->result, 0, sizeof t->result);
    sweep(s);
    return 0;
}

/* ---- the host's API (hive/casync.h) ------------------------------------------------ */

static hive_status poison(hive_cinstance *root, const char *msg) {
    root->trap.kind = HIVE_TRAP_HOST;
    root->trap.nframes = 0;
    snprintf(root->trap.message, sizeof root->trap.message, "%s", msg);
    root->state = CI_TRAPPED;
    if (root->async) reset_waiting(root->async);
    return HIVE_TRAPPED;
}

hive_status hive_ctask_start(hive_cinstance *ci, hive_cfunc *func, const hive_cval *args, size_t nargs,
                             hive_ctask **out) {
    if (out) *out = NULL;
    if (!ci || !func || !out || (nargs && !args)) return HIVE_FAILED;
    if (ci->state == CI_TRAPPED) return HIVE_TRAPPED;
    if (ci->state == CI_RUNNING || ci->state == CI_SUSPENDED || ci->state == CI_PENDING) return HIVE_FAILED;
    rt_func *f = (rt_func *)func;
    if (f->kind != F_LIFTED || nargs != f->ft->n) return HIVE_FAILED;
    __atomic_store_n(&ci->interrupted, 0, __ATOMIC_RELAXED);
    ci->budget = 0;
    char msg[200];
    atask *t = NULL;
    if (host_start(ci, f, args, (uint32_t)nargs, &t, msg, sizeof msg)) {
        if (t) t->host_handle = 0;
        return poison(ci, msg);
    }
    *out = (hive_ctask *)t;
    return HIVE_DONE;
}

hive_status hive_cinstance_run_ready(hive_cinstance *ci, uint32_t max_steps) {
    if (!ci) return HIVE_FAILED;
    if (ci->state == CI_TRAPPED) return HIVE_TRAPPED;
    casync *s = ci->async;
    if (!s) return HIVE_DONE;
    __atomic_store_n(&ci->interrupted, 0, __ATOMIC_RELAXED);
    ci->budget = 0;
    char msg[200];
    athread *saved = cur;
    cur = NULL;
    hive_status st = HIVE_DONE;
    for (uint32_t n = 0;; n++) {
        athread *th = s->head;
        while (th && !thread_ready(th)) th = th->next;
        if (!th) break;
        if (max_steps && n == max_steps) {
            st = HIVE_SUSPENDED;
            break;
        }
        if (thread_resume(s, th, msg, sizeof msg)) {
            cur = saved;
            return poison(ci, msg);
        }
    }
    cur = saved;
    sweep(s);
    return st;
}

uint32_t hive_cinstance_tasks(const hive_cinstance *ci) {
    return ci && ci->async ? ci->async->live : 0;
}

int hive_ctask_resolved(const hive_ctask *task) {
    return task && ((const atask *)task)->state == T_RESOLVED;
}

int hive_ctask_take_result(hive_ctask *task, hive_cval *out) {
    atask *t = (atask *)task;
    if (!t || !out) return HIVE_EARG;
    if (t->state != T_RESOLVED || !t->has_result) return HIVE_ESTATE;
    *out = t->result;
    memset(&t->result, 0, sizeof t->result);
    t->has_result = 0;
    return 0;
}

hive_status hive_ctask_cancel(hive_ctask *task) {
    atask *t = (atask *)task;
    if (!t) return HIVE_FAILED;
    hive_cinstance *root = t->inst->root;
    if (root->state == CI_TRAPPED) return HIVE_TRAPPED;
    if (!root->async) return HIVE_FAILED;
    char msg[200];
    athread *saved = cur;
    cur = NULL;
    int rc = request_cancel(root->async, t, NULL, msg, sizeof msg);
    cur = saved;
    if (rc) return poison(root, msg);
    return HIVE_DONE;
}

int hive_ctask_cancelled(const hive_ctask *task) {
    return task && ((const atask *)task)->was_cancelled;
}

int hive_ctask_finished(const hive_ctask *task) {
    return task && ((const atask *)task)->exited;
}

void hive_ctask_free(hive_ctask *task) {
    atask *t = (atask *)task;
    if (!t) return;
    t->host_handle = 0;
    casync *s = t->inst->root->async;
    if (s && t->exited && !t->sub) task_free(s, t);
}

hive_chost_deferred *hive_chost_defer(hive_chost_call *call) {
    if (!call || !call->instance || !defer_sub || defer_taken) return NULL;
    casync *s = call->instance->async;
    if (!s) return NULL;
    hive_chost_deferred *d = hv_calloc(s->al, 1, sizeof *d);
    if (!d) return NULL;
    d->root = call->instance;
    d->st = defer_sub;
    d->next = s->deferred;
    if (s->deferred) s->deferred->prev = d;
    s->deferred = d;
    defer_taken = d;
    return d;
}

/* The guest cancelled a host call that was deferred (subtask.cancel): the
 * subtask resolves CANCELLED_BEFORE_RETURNED now (as wasmtime drops the
 * host's future), so the caller need not wait for the host; the host's
 * later hive_chost_return finds the token cancelled and is dropped. */
static int host_sub_cancel(casync *s, subtask *st, char *msg, size_t msglen) {
    hive_chost_deferred *d = s->deferred;
    while (d && d->st != st) d = d->next;
    if (!d) return 0;
    d->st = NULL;
    atask tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.sub = st;
    tmp.state = T_STARTED;
    return task_resolve(&tmp, NULL, 1, msg, msglen);
}

int hive_chost_cancelled(const hive_chost_deferred *d) { return d && !d->st; }

hive_status hive_chost_return(hive_chost_deferred *d, const hive_cval *result) {
    if (!d) return HIVE_FAILED;
    hive_cinstance *root = d->root;
    casync *s = root->async;
    if (d->prev) d->prev->next = d->next;
    else s->deferred = d->next;
    if (d->next) d->next->prev = d->prev;
    subtask *st = d->st;
    hv_free(s->al, d);
    if (!st) return HIVE_DONE; /* the guest cancelled the call */
    if (root->state == CI_TRAPPED) return HIVE_TRAPPED;
    if ((st->ft->a != NULL) != (result != NULL)) return poison(root, "async host function: result missing or unexpected");
    atask tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.sub = st;
    tmp.state = T_STARTED;
    char msg[200];
    athread *saved = cur;
    cur = NULL;
    int rc = task_resolve(&tmp, (hive_cval *)result, 0, msg, sizeof msg);
    cur = saved;
    if (rc) return poison(root, msg);
    return HIVE_DONE;
}

int hv_casync_complete(hive_cinstance *root, hive_cval *results, size_t nresults, const char *trap) {
    casync *s = root ? root->async : NULL;
    if (!s || !s->sync_wait) return HIVE_ESTATE;
    hive_chost_deferred *d = s->sync_wait;
    if (!trap && nresults != (d->st->ft->a ? 1u : 0u)) return HIVE_EARG;
    s->sync_wait = NULL;
    if (trap) {
        if (d->prev) d->prev->next = d->next;
        else s->deferred = d->next;
        if (d->next) d->next->prev = d->prev;
        hv_free(s->al, d);
        poison(root, trap);
        return HIVE_OK;
    }
    hive_status st = hive_chost_return(d, nresults ? results : NULL);
    if (results && nresults) hive_cval_clear(&results[0]);
    return st == HIVE_DONE ? HIVE_OK : HIVE_ETRAP;
}

void hv_casync_interrupt(hive_cinstance *root) {
    casync *s = __atomic_load_n(&root->async, __ATOMIC_ACQUIRE);
    if (!s) return;
    hive_exec *e = __atomic_load_n(&s->running, __ATOMIC_ACQUIRE);
    if (e) hive_exec_interrupt(e);
}

void hv_casync_free(hive_cinstance *root) {
    casync *s = root->async;
    if (!s) return;
    reset_waiting(s);
    while (s->deferred) { /* host calls never returned: their subtasks go */
        hive_chost_deferred *d = s->deferred;
        s->deferred = d->next;
        if (d->st && !d->st->in_table) sub_free(d->st);
        hv_free(s->al, d);
    }
    while (s->tasks) {
        atask *t = s->tasks;
        if (t->sub && !t->sub->in_table) sub_free(t->sub); /* a sync call's, held by no table */
        else if (t->sub) t->sub->task = NULL;
        t->sub = NULL;
        task_free(s, t);
    }
    /* set membership first: sets and members go in any order */
    for (cinst *c = root->all; c; c = c->next_all)
        for (uint32_t i = 1; i < c->handles.n; i++) {
            rt_handle *h = &c->handles.v[i];
            if (h->rt > &kinds[K_SET] && h->rt < &kinds[K_COUNT] && h->obj) ((waitable *)h->obj)->set = NULL;
        }
    /* what the handle tables still hold */
    for (cinst *c = root->all; c; c = c->next_all)
        for (uint32_t i = 1; i < c->handles.n; i++) {
            rt_handle *h = &c->handles.v[i];
            if (h->rt < &kinds[0] || h->rt >= &kinds[K_COUNT] || !h->obj) continue;
            int k = (int)(h->rt - kinds);
            if (k == K_SET) hv_free(s->al, h->obj);
            else if (k == K_SUBTASK) sub_free(h->obj);
            else end_free(c, h->obj);
            h->obj = NULL;
        }
    for (uint32_t i = 0; i < s->nthreads; i++) {
        athread *th = s->threads[i];
        if (!th->spawned) continue;
        if (th->exec) hv_comp_exec_give(root->comp, th->exec);
        hv_free(s->al, th);
    }
    if (s->threads) hv_free(s->al, s->threads);
    /* the host's ends it never closed: their handles go with the instance */
    while (s->hstreams) {
        struct hive_cstream *hs = s->hstreams;
        s->hstreams = hstream_next(hs);
        hv_free(root->ar.al, hs);
    }
    /* streams and futures in flight as values, or held by the host */
    while (s->shareds) {
        s->shareds->refs = 1;
        shared_unref(s->al, s->shareds);
    }
    hv_free(s->al, s);
    root->async = NULL;
}

/* ---- canon lower (sync from an async task, and async) ------------------------------- */

static hive_host_status trap_call(hive_host_call *call, const char *msg) {
    hive_host_trap(call, msg);
    return HIVE_HOST_TRAP;
}

hive_host_status hv_casync_lower(hive_host_call *call, cinst *ci, rt_func *callee, const ct_type *ft,
                              hive_memory *mem, hive_func *realloc_, uint8_t enc, int async_,
                              const hive_val *args, hive_val *results) {
    hive_cinstance *root = hv_comp_active_root(ci);
    casync *s = store_of(root);
    char msg[200];
    if (!s) return trap_call(call, "out of memory");
    if (!ci->may_leave) return trap_call(call, "cannot leave component instance");
    /* a sync call of an async function may block: not from a task that may not */
    if (!async_ && callee->ft->async_ && !task_may_block(cur))
        return trap_call(call, "cannot block a synchronous task before returning");
    const hv_alloc *al = s->al;
    volatile uint32_t nargs = ft->n; /* volatile: read after a longjmp (hv_cx_trap) */
    hive_cval *volatile argv = nargs ? hv_calloc(al, nargs, sizeof *argv) : NULL;
    if (nargs && !argv) return trap_call(call, "out of memory");
    subtask *st = hv_calloc(al, 1, sizeof *st);
    if (!st) {
        if (argv) hv_free(al, argv);
        return trap_call(call, "out of memory");
    }
    st->w.kind = K_SUBTASK;
    st->w.owner = ci;
    st->async_ = async_;
    st->ci = ci;
    st->mem = mem;
    st->realloc = realloc_;
    st->enc = enc;
    st->ft = ft;
    st->out_ptr = -1;
    cs_init_(&st->cs, al);
    volatile uint32_t nflat = 0;
    for (uint32_t i = 0; i < ft->n; i++) nflat += ft->types[i]->nflat;
    uint32_t maxp = async_ ? 4 : MAX_FLAT_PARAMS;
    uint32_t ncore = nflat > maxp ? 1 : nflat;
    if (ft->a && (async_ || ft->a->nflat > MAX_FLAT_RESULTS)) st->out_ptr = (uint32_t)args[ncore].of.i32;
    if (ft->a && !async_ && ft->a->nflat > MAX_FLAT_RESULTS) ncore++;
    jmp_buf jb;
    cx c;
    cxinit(&c, ci, mem, realloc_, enc, &jb);
    c.call = &st->cs;
    c.fused = callee->kind != F_HOST;
    c.host_side = callee->kind == F_HOST;
    if (setjmp(jb)) {
        for (uint32_t i = 0; i < nargs; i++) hive_cval_clear(&argv[i]);
        if (argv) hv_free(al, argv);
        sub_free(st);
        return trap_call(call, c.msg);
    }
    hv_abi_lift_values(&c, ft->types, ft->n, maxp, args, async_ ? ncore + (ft->a ? 1 : 0) : ncore, argv);
    if (callee->kind == F_HOST) {
        hive_chost_call hc = {root, callee->host->user, callee->host->iface, callee->host->name};
        hive_cval res;
        memset(&res, 0, sizeof res);
        root->trap.message[0] = '\0';
        subtask *saved_sub = defer_sub;
        struct hive_chost_deferred *saved_taken = defer_taken;
        defer_sub = callee->ft->async_ ? st : NULL;
        defer_taken = NULL;
        hive_host_status hs = callee->host->fn(&hc, argv, nargs, &res, ft->a ? 1 : 0);
        struct hive_chost_deferred *taken = defer_taken;
        defer_sub = saved_sub;
        defer_taken = saved_taken;
        if (hs == HIVE_HOST_PENDING && !taken && !async_ && !callee->ft->async_ && !s->sync_wait &&
            task_may_block(cur)) {
            /* a sync-typed host function (WASI 0.2's blocking calls) waits
             * inside an async task: its caller waits like a sync call of an
             * async function, the others run; hive_cinstance_complete ends
             * it (hv_casync_complete). One such call at a time. */
            taken = hv_calloc(al, 1, sizeof *taken);
            if (taken) {
                taken->root = root;
                taken->st = st;
                taken->next = s->deferred;
                if (s->deferred) s->deferred->prev = taken;
                s->deferred = taken;
                s->sync_wait = taken;
            }
        }
        for (uint32_t i = 0; i < nargs; i++) hive_cval_clear(&argv[i]);
        if (argv) hv_free(al, argv);
        argv = NULL;
        nargs = 0;
        if (hs == HIVE_HOST_PENDING && taken) { /* the host returns later */
            hive_cval_clear(&res);
            st->state = ST_STARTED;
            if (async_) {
                uint32_t idx = add_entry(&c, K_SUBTASK, st);
                st->w.idx = idx;
                st->in_table = 1;
                results[0].type = HIVE_I32;
                results[0].of.i32 = ST_STARTED | idx << 4;
                return HIVE_HOST_OK;
            }
            cur->sub = st; /* a sync call: the caller waits (it may block: checked above) */
            enqueue(s, cur, TW_SUBTASK);
            return HIVE_HOST_PENDING;
        }
        if (taken) { /* deferred, then answered at once: forget the token */
            if (taken->prev) taken->prev->next = taken->next;
            else s->deferred = taken->next;
            if (taken->next) taken->next->prev = taken->prev;
            hv_free(al, taken);
        }
        if (hs != HIVE_HOST_OK) {
            hive_cval_clear(&res);
            hv_cx_trap(&c, "%s", hs == HIVE_HOST_PENDING ? (s->sync_wait ? "a second sync host call waits while one does "
                                                                       "(one at a time inside async tasks)"
                                                                     : "a host function returned PENDING inside an async task")
                              : root->trap.message[0] ? root->trap.message : "host function trapped");
        }
        atask tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.sub = st;
        st->state = ST_STARTED;
        if (task_resolve(&tmp, ft->a ? &res : NULL, 0, msg, sizeof msg)) {
            hive_cval_clear(&res);
            hv_cx_trap(&c, "%s", msg);
        }
        hive_cval_clear(&res);
        st->w.pending = 0;
        sub_deliver(st);
        if (async_) {
            results[0].type = HIVE_I32;
            results[0].of.i32 = ST_RETURNED;
        }
        else for (uint32_t i = 0; i < st->nflat; i++) results[i] = st->flat[i];
        sub_free(st);
        return HIVE_HOST_OK;
    }
    if (!may_enter(callee->inst, ci)) {
        for (uint32_t i = 0; i < nargs; i++) hive_cval_clear(&argv[i]);
        if (argv) hv_free(al, argv);
        sub_free(st);
        return trap_call(call, "cannot enter component instance");
    }
    atask *t = task_new(s, callee, ci, NULL, 0);
    if (!t) {
        for (uint32_t i = 0; i < nargs; i++) hive_cval_clear(&argv[i]);
        if (argv) hv_free(al, argv);
        sub_free(st);
        return trap_call(call, "out of memory");
    }
    t->argv = argv;
    t->nargv = nargs;
    t->sub = st;
    st->task = t;
    athread *me = cur;
    /* a sync-typed callee runs to its end with the caller's instances
     * not enterable (reentrance); an async one only for its start */
    set_enter(callee->inst, ci, 0);
    int rc = task_start(s, t, msg, sizeof msg);
    if (!callee->ft->async_ || rc) set_enter(callee->inst, ci, 1);
    else set_enter(callee->inst, ci, 1);
    cur = me;
    if (rc) return trap_call(call, msg);
    if (!async_) {
        if (st->state < ST_RETURNED) {
            if (!task_may_block(me)) return trap_call(call, "cannot block a synchronous task before returning");
            me->sub = st;
            enqueue(s, me, TW_SUBTASK);
            return HIVE_HOST_PENDING;
        }
        sub_deliver(st);
        for (uint32_t i = 0; i < st->nflat; i++) results[i] = st->flat[i];
        t->sub = NULL;
        sub_free(st);
        return HIVE_HOST_OK;
    }
    results[0].type = HIVE_I32;
    if (st->state >= ST_RETURNED) {
        sub_deliver(st);
        st->w.pending = 0;
        t->sub = NULL;
        sub_free(st);
        results[0].of.i32 = ST_RETURNED;
        return HIVE_HOST_OK;
    }
    st->w.pending = 0; /* the STARTED progress is in the return value */
    uint32_t idx = add_entry(&c, K_SUBTASK, st);
    st->w.idx = idx;
    st->in_table = 1;
    results[0].of.i32 = (uint32_t)st->state | idx << 4;
    return HIVE_HOST_OK;
}

/* Task.request_cancellation: delivered now to a thread waiting
 * cancellably (it runs with TASK_CANCELLED), or left pending for the
 * task's next cancellable wait. 0, or -1 (a trap while it ran, msg). */
static int request_cancel(casync *s, atask *t, cinst *caller, char *msg, size_t msglen) {
    if (t->state == T_RESOLVED || t->exited) return 0;
    athread *th = &t->th;
    if (t->state == T_INITIAL) { /* waiting to enter: it never starts */
        dequeue(s, th);
        th->wait = TW_NONE;
        t->inst->num_waiting_to_enter--;
        t->cancel = CN_DELIVERED;
        if (task_resolve(t, NULL, 1, msg, msglen)) return -1;
        task_exit(t);
        return 0;
    }
    int ok = th->wait != TW_NONE && th->cancellable &&
             (!needs_exclusive(t) || !t->inst->exclusive || t->inst->exclusive == th) && may_enter(t->inst, caller);
    if (!ok) {
        t->cancel = CN_PENDING;
        return 0;
    }
    t->cancel = CN_DELIVERED;
    th->cancel_now = 1;
    athread *saved = cur;
    set_enter(t->inst, caller, 0);
    int rc = thread_resume(s, th, msg, msglen);
    set_enter(t->inst, caller, 1);
    cur = saved;
    return rc;
}

/* ---- cooperative threads ------------------------------------------------------------------ */

static uint32_t thread_register(cx *c, casync *s, athread *th) {
    if (th->index) return th->index;
    if (s->nthreads == s->capthreads) {
        uint32_t cap = s->capthreads ? s->capthreads * 2 : 16;
        athread **v = hv_calloc(s->al, cap, sizeof *v);
        if (!v) hv_cx_trap(c, "out of memory");
        if (s->threads) {
            memcpy(v, s->threads, s->nthreads * sizeof *v);
            hv_free(s->al, s->threads);
        }
        s->threads = v;
        s->capthreads = cap;
    }
    s->threads[s->nthreads++] = th;
    th->index = s->nthreads;
    return th->index;
}

static athread *thread_get(cx *c, casync *s, uint32_t i) {
    if (i == 0 || i > s->nthreads || !s->threads[i - 1] || s->threads[i - 1]->done)
        hv_cx_trap(c, "unknown thread index %u", i);
    return s->threads[i - 1];
}

static int thread_suspended(athread *o) {
    return o->switching || (o->wait == TW_SUSPENDED) || (o->spawned && !o->started && o->wait == TW_NONE);
}

/* Runs `other` now, nested: starts it or completes its suspension. */
static int thread_switch(casync *s, athread *other, char *msg, size_t msglen) {
    if (other->switching) { /* below us on the C stack: it goes on when we stop */
        other->switched_back = 1;
        return 0;
    }
    hive_val r = {.type = HIVE_I32};
    if (other->spawned && !other->started) {
        other->started = 1;
        if (!other->exec) other->exec = hv_comp_exec_take(other->inst->root->comp);
        if (!other->exec) {
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
        r.of.i32 = other->arg;
        return thread_after(s, other, run_call(other, other->start, &r, 1), msg, msglen);
    }
    dequeue(s, other);
    other->wait = TW_NONE;
    r.of.i32 = 0;
    return thread_after(s, other, run_resume(other, &r, 1), msg, msglen);
}

/* thread.{suspend,yield}-then-{resume,promote} and thread.suspend: the
 * current thread stops (suspended, or ready again when it yields) and
 * `other` (if any) runs now. The built-in's result: 0, or PENDING. */
static hive_host_status thread_switch_away(hive_host_call *call, cx *c, casync *s, athread *me, athread *other,
                                           int yield, hive_val *results) {
    char msg[200];
    results[0].type = HIVE_I32;
    results[0].of.i32 = 0;
    me->switching = 1;
    me->switched_back = 0;
    int rc = other ? thread_switch(s, other, msg, sizeof msg) : 0;
    me->switching = 0;
    cur = me == &s->sync_main ? NULL : me;
    if (rc) hv_cx_trap(c, "%s", msg);
    if (me->switched_back) {
        me->switched_back = 0;
        return HIVE_HOST_OK;
    }
    /* the implicit thread of a sync task may not block; its spawned threads may */
    if (me == &s->sync_main || (!me->spawned && !task_may_block(me))) {
        if (yield) return HIVE_HOST_OK; /* a sync task's yield goes on at once */
        hv_cx_trap(c, "cannot block a synchronous task before returning");
    }
    (void)call;
    if (yield) enqueue(s, me, TW_YIELD);
    else me->wait = TW_SUSPENDED;
    return HIVE_HOST_PENDING;
}

static hive_host_status thread_builtin(hive_host_call *call, cx *c, const def *df, uint8_t op, casync *s,
                                       const hive_val *args, hive_val *results) {
    cinst *ci = c->inst;
    athread *me = cur;
    if (!me) { /* a sync task outside the async path: one pseudo thread */
        me = &s->sync_main;
        me->inst = ci;
    }
    switch (op) {
    case 0x26: /* thread.index */
        results[0].type = HIVE_I32;
        results[0].of.i32 = thread_register(c, s, me);
        return HIVE_HOST_OK;
    case 0x27: { /* thread.new-indirect */
        hive_table *tbl = ci->sp[S_CORE_TABLE][df->b].of.p;
        void *ref = NULL;
        uint32_t fi = args[0].of.i32;
        if (!tbl || fi >= hive_table_size(tbl) || hive_table_get(tbl, fi, &ref) || !ref)
            hv_cx_trap(c, "thread start function %u is not in the table", fi);
        const hive_functype *ft = hive_func_type(ref);
        if (!ft || ft->nparams != 1 || ft->nresults != 0 || ft->params[0] != HIVE_I32)
            hv_cx_trap(c, "thread start function has the wrong type");
        athread *th = hv_calloc(s->al, 1, sizeof *th);
        if (!th) hv_cx_trap(c, "out of memory");
        th->task = me == &s->sync_main ? NULL : me->task;
        th->inst = ci;
        th->spawned = 1;
        th->start = ref;
        th->arg = args[1].of.i32;
        results[0].type = HIVE_I32;
        results[0].of.i32 = thread_register(c, s, th);
        return HIVE_HOST_OK;
    }
    case 0x28: { /* thread.resume-later */
        athread *o = thread_get(c, s, args[0].of.i32);
        if (!thread_suspended(o)) hv_cx_trap(c, "thread %u is not suspended", args[0].of.i32);
        if (o->switching) o->switched_back = 1;
        else enqueue(s, o, TW_RESUMED);
        return HIVE_HOST_OK;
    }
    case 0x29: /* thread.suspend */
        if (!(cur && cur->spawned) && !task_may_block(cur)) hv_cx_trap(c, "cannot block a synchronous task before returning");
        return thread_switch_away(call, c, s, me, NULL, 0, results);
    default: { /* 0x2a suspend-then-resume, 0x2b yield-then-resume, 0x2c/0x2d ...-then-promote */
        athread *o = thread_get(c, s, args[0].of.i32);
        int yield = op == 0x2b || op == 0x2d;
        if (op == 0x2a || op == 0x2b) {
            if (!thread_suspended(o)) hv_cx_trap(c, "thread %u is not suspended", args[0].of.i32);
        } else if (!(thread_suspended(o) || (o->wait != TW_NONE && thread_ready(o)))) {
            o = NULL; /* promote: only a thread that could run now */
        }
        return thread_switch_away(call, c, s, me, o, yield, results);
    }
    }
}

/* ---- built-ins ------------------------------------------------------------------------ */

static hive_host_status stream_builtin(hive_host_call *call, cx *c, const def *df, uint8_t op, athread *th,
                                       casync *s, const hive_val *args, hive_val *results);

typedef struct abuiltin {
    cinst *inst;
    const def *df;
    uint8_t op;
    rt_func *callee;   /* canon lower async */
    hive_memory *mem;
    hive_func *realloc;
    casync *s;
} abuiltin;

static hive_host_status builtin(hive_host_call *call, const hive_val *args, hive_val *results) {
    abuiltin *b = call->user;
    cinst *ci = b->inst;
    const def *df = b->df;
    hive_cinstance *root = hv_comp_active_root(ci);
    casync *s = store_of(root);
    if (!s) return trap_call(call, "out of memory");
    if (b->op == 0xff)
        return hv_casync_lower(call, ci, b->callee, df->type, b->mem, b->realloc, df->opts.enc, 1, args, results);
    jmp_buf jb;
    cx c;
    cxinit(&c, ci, b->mem, b->realloc, df->opts.enc, &jb);
    if (setjmp(jb)) return trap_call(call, c.msg);
    if (!ci->may_leave) hv_cx_trap(&c, "cannot leave component instance");
    athread *th = cur;
    atask *volatile t = th ? th->task : NULL;
    if (df->core_ft->nr) results[0].type = HIVE_I32;
    {   /* built-ins that may block, called sync: only from a task that may block */
        uint8_t o = b->op;
        int blocking = o == 0x20 || ((o == 0x06 || (o >= 0x11 && o <= 0x12) || (o >= 0x18 && o <= 0x19)) && !df->a) ||
                       ((o == 0x0f || o == 0x10 || o == 0x16 || o == 0x17) && !df->opts.async_);
        if (blocking && !task_may_block(th)) hv_cx_trap(&c, "cannot block a synchronous task before returning");
    }
    if (b->op >= 0x26 && b->op <= 0x2d) return thread_builtin(call, &c, df, b->op, s, args, results);
    if (b->op >= 0x0e && b->op <= 0x1b) return stream_builtin(call, &c, df, b->op, th, s, args, results);
    switch (b->op) {
    case 0x09: { /* task.return */
        if (!t || !t->f->async_lift) hv_cx_trap(&c, "task.return called from a task that was not lifted async");
        if (t->inst != ci) hv_cx_trap(&c, "task.return called from another component instance");
        const ct_type *want = t->f->ft->a;
        if ((want == NULL) != (df->type == NULL) || (want && !hv_ct_eq(want, df->type, NULL)))
            hv_cx_trap(&c, "invalid `task.return` signature and/or options for current task");
        if (want && ((df->opts.memory >= 0) != (t->f->memory != NULL) || df->opts.enc != t->f->enc))
            hv_cx_trap(&c, "invalid `task.return` signature and/or options for current task");
        hive_cval v;
        memset(&v, 0, sizeof v);
        cx c2;
        jmp_buf jb2;
        cxinit(&c2, ci, t->f->memory, NULL, t->f->enc, &jb2);
        c2.call = &t->cs;
        c2.fused = t->caller != NULL;
        c2.host_side = t->caller == NULL;
        if (setjmp(jb2)) {
            hive_cval_clear(&v);
            return trap_call(call, c2.msg);
        }
        if (want) hv_abi_lift_values(&c2, &want, 1, MAX_FLAT_PARAMS, args, df->core_ft->np, &v);
        char msg[200];
        int rc = task_resolve(t, want ? &v : NULL, 0, msg, sizeof msg);
        hive_cval_clear(&v);
        if (rc) hv_cx_trap(&c, "%s", msg);
        return HIVE_HOST_OK;
    }
    case 0x05: { /* task.cancel */
        if (!t || !t->f->async_lift) hv_cx_trap(&c, "task.cancel called from a task that was not lifted async");
        if (t->cancel != CN_DELIVERED || t->state == T_RESOLVED)
            hv_cx_trap(&c, "task.cancel called without a delivered cancellation");
        char msg[200];
        if (task_resolve(t, NULL, 1, msg, sizeof msg)) hv_cx_trap(&c, "%s", msg);
        return HIVE_HOST_OK;
    }
    case 0x1f: { /* waitable-set.new */
        wset *w = hv_calloc(s->al, 1, sizeof *w);
        if (!w) hv_cx_trap(&c, "out of memory");
        w->owner = ci;
        results[0].of.i32 = add_entry(&c, K_SET, w);
        return HIVE_HOST_OK;
    }
    case 0x20: case 0x21: { /* waitable-set.wait / poll */
        wset *w = entry(&c, args[0].of.i32, K_SET, "waitable set");
        uint32_t ev[3] = {0, 0, 0};
        if (b->op == 0x20 && !set_has_event(w)) {
            if (!task_may_block(th)) hv_cx_trap(&c, "cannot block a synchronous task before returning");
            th->ws = w;
            th->ptr = args[1].of.i32;
            th->mem = b->mem;
            w->num_waiting++;
            th->cancellable = df->a;
            if (df->a && t->cancel == CN_PENDING) {
                t->cancel = CN_DELIVERED;
                th->cancel_now = 1;
            }
            enqueue(s, th, TW_WAIT);
            return HIVE_HOST_PENDING;
        }
        if (set_has_event(w)) set_event(w, ev);
        if (args[1].of.i32 % 4) hv_cx_trap(&c, "unaligned pointer");
        uint8_t *p = hv_abi_mem(&c, args[1].of.i32, 8, "pointer out of bounds of memory");
        memcpy(p, &ev[1], 4);
        memcpy(p + 4, &ev[2], 4);
        results[0].of.i32 = ev[0];
        return HIVE_HOST_OK;
    }
    case 0x22: { /* waitable-set.drop */
        uint32_t i = args[0].of.i32;
        wset *w = entry(&c, i, K_SET, "waitable set");
        if (w->elems) hv_cx_trap(&c, "cannot drop waitable set with waiters");
        if (w->num_waiting) hv_cx_trap(&c, "cannot drop waitable set with waiters");
        hv_htab_remove(&ci->handles, i);
        hv_free(s->al, w);
        return HIVE_HOST_OK;
    }
    case 0x23: { /* waitable.join */
        uint32_t wi = args[0].of.i32, si = args[1].of.i32;
        rt_handle *h = hv_htab_get(&c, &ci->handles, wi);
        if (h->rt < &kinds[K_SUBTASK] || h->rt >= &kinds[K_COUNT]) hv_cx_trap(&c, "handle index %u is not a waitable", wi);
        waitable *w = h->obj;
        if (w->sync_waiter) hv_cx_trap(&c, "waitable cannot be used synchronously while added to a waitable set");
        join(w, si ? entry(&c, si, K_SET, "waitable set") : NULL);
        return HIVE_HOST_OK;
    }
    case 0x0c: /* thread.yield */
        results[0].of.i32 = 0;
        if (!task_may_block(th)) return HIVE_HOST_OK;
        th->cancellable = df->a;
        if (df->a && t->cancel == CN_PENDING) {
            t->cancel = CN_DELIVERED;
            th->cancel_now = 1;
        }
        enqueue(s, th, TW_YIELD);
        return HIVE_HOST_PENDING;
    case 0x0d: { /* subtask.drop */
        uint32_t i = args[0].of.i32;
        subtask *st = entry(&c, i, K_SUBTASK, "subtask");
        if (!st->delivered) hv_cx_trap(&c, "cannot drop a subtask which has not yet resolved");
        join(&st->w, NULL);
        hv_htab_remove(&ci->handles, i);
        if (st->task) st->task->sub = NULL;
        sub_free(st);
        return HIVE_HOST_OK;
    }
    case 0x06: { /* subtask.cancel */
        uint32_t i = args[0].of.i32;
        subtask *st = entry(&c, i, K_SUBTASK, "subtask");
        if (st->delivered) hv_cx_trap(&c, "subtask has already resolved");
        if (st->w.set && !df->a) hv_cx_trap(&c, "waitable cannot be used synchronously while added to a waitable set");
        if (st->cancel_requested) hv_cx_trap(&c, "subtask cancellation already requested");
        if (st->state < ST_RETURNED) {
            st->cancel_requested = 1;
            char msg[200];
            if (st->task && request_cancel(s, st->task, ci, msg, sizeof msg)) hv_cx_trap(&c, "%s", msg);
            if (!st->task && st->state == ST_STARTED && host_sub_cancel(s, st, msg, sizeof msg))
                hv_cx_trap(&c, "%s", msg);
            cur = th;
            if (st->state < ST_RETURNED) {
                if (df->a) {
                    results[0].of.i32 = BLOCKED;
                    return HIVE_HOST_OK;
                }
                st->w.sync_waiter = 1;
                th->w = &st->w;
                enqueue(s, th, TW_SUBCANCEL);
                return HIVE_HOST_PENDING;
            }
        }
        uint32_t ev[3];
        take_event(&st->w, ev);
        results[0].of.i32 = (uint32_t)st->state;
        return HIVE_HOST_OK;
    }
    }
    hv_cx_trap(&c, "canon built-in 0x%02x is not implemented", b->op);
}


/* ---- streams and futures ---------------------------------------------------------------- */

static const char *sf(const shared *sh) { return sh->future ? "future" : "stream"; }

static void end_event(end *e, uint32_t ev[3]) {
    shared *sh = e->sh;
    ev[0] = e->readable ? (sh->future ? EV_FUTURE_READ : EV_STREAM_READ)
                        : (sh->future ? EV_FUTURE_WRITE : EV_STREAM_WRITE);
    ev[1] = e->w.idx;
    if (e->reclaim && sh->pend == e) sh->pend = NULL;
    e->reclaim = 0;
    if (sh->future) {
        e->state = e->ev_result == CR_DROPPED || e->ev_result == CR_COMPLETED ? CS_DONE : CS_IDLE;
        ev[2] = e->ev_result;
    } else {
        e->state = e->ev_result == CR_DROPPED ? CS_DONE : CS_IDLE;
        ev[2] = e->ev_result | e->buf.progress << 4;
    }
    e->buf.progress = 0;
}

static void notify(end *e, uint32_t result, int reclaim) {
    e->w.pending = 1;
    e->ev_result = result;
    e->reclaim = reclaim;
}

static void reset_and_notify_pending(shared *sh, uint32_t result) {
    end *p = sh->pend;
    sh->pend = NULL;
    if (p) notify(p, result, 0);
}

static int number_type(const ct_type *t) {
    if (!t) return 1;
    switch (t->kind) {
    case CT_U8: case CT_U16: case CT_U32: case CT_U64: case CT_S8: case CT_S16: case CT_S32: case CT_S64:
    case CT_F32: case CT_F64: return 1;
    default: return 0;
    }
}

/* Copies n elements from src's buffer into dst's, through c (its fields
 * are switched to each side's instance and memory in turn). */
static void buf_copy(cx *c, buffer *dst, buffer *src, uint32_t n) {
    const ct_type *t = src->t;
    cinst *inst = c->inst;
    hive_memory *mem = c->mem;
    hive_func *rea = c->realloc;
    uint8_t enc = c->enc;
    if (t && n) {
        /* all loads before any store: the two ranges may overlap */
        const hv_alloc *al = inst->root->ar.al;
        hive_cval *v = hv_calloc(al, n, sizeof *v);
        if (!v) hv_cx_trap(c, "out of memory");
        jmp_buf *outer = c->jb, jb;
        c->jb = &jb;
        int rc = setjmp(jb);
        if (rc) {
            for (uint32_t k = 0; k < n; k++) hive_cval_clear(&v[k]);
            hv_free(al, v);
            c->jb = outer;
            longjmp(*outer, rc);
        }
        c->inst = src->inst;
        c->mem = src->mem;
        c->realloc = src->realloc;
        c->enc = src->enc;
        for (uint32_t k = 0; k < n; k++) hv_abi_load(c, t, src->ptr + (src->progress + k) * t->size, &v[k]);
        c->inst = dst->inst;
        c->mem = dst->mem;
        c->realloc = dst->realloc;
        c->enc = dst->enc;
        const ct_type *dt = dst->t ? dst->t : t; /* each side's own view of the type (resources) */
        for (uint32_t k = 0; k < n; k++) hv_abi_store(c, dt, &v[k], dst->ptr + (dst->progress + k) * dt->size);
        for (uint32_t k = 0; k < n; k++) hive_cval_clear(&v[k]);
        hv_free(al, v);
        c->jb = outer;
    }
    src->progress += n;
    dst->progress += n;
    c->inst = inst;
    c->mem = mem;
    c->realloc = rea;
    c->enc = enc;
}

static void same_inst_check(cx *c, shared *sh, end *e) {
    if (sh->pend->buf.inst == e->buf.inst && !number_type(sh->t->a))
        hv_cx_trap(c, "cannot read from and write to intra-component %s", sf(sh));
}

static int host_op(cx *c, shared *sh, end *e);

/* SharedStreamImpl.read / write */
static void stream_op(cx *c, shared *sh, end *e) {
    if (sh->host && host_op(c, sh, e)) return;
    if (sh->dropped) {
        notify(e, CR_DROPPED, 0);
        return;
    }
    if (!sh->pend) {
        sh->pend = e;
        return;
    }
    end *p = sh->pend;
    same_inst_check(c, sh, e);
    buffer *pb = &p->buf, *eb = &e->buf;
    if (pb->length - pb->progress > 0) {
        if (eb->length - eb->progress > 0) {
            uint32_t n = eb->length - eb->progress;
            if (pb->length - pb->progress < n) n = pb->length - pb->progress;
            if (e->readable) buf_copy(c, eb, pb, n);
            else buf_copy(c, pb, eb, n);
            notify(p, CR_COMPLETED, 1);
        }
        notify(e, CR_COMPLETED, 0);
    } else if (!e->readable && eb->length == 0 && pb->length == 0) {
        notify(e, CR_COMPLETED, 0);
    } else {
        reset_and_notify_pending(sh, CR_COMPLETED);
        sh->pend = e;
    }
}

/* SharedFutureImpl.read / write */
static void future_op(cx *c, shared *sh, end *e) {
    if (sh->host && host_op(c, sh, e)) return;
    if (!e->readable && sh->dropped) {
        notify(e, CR_DROPPED, 0);
        return;
    }
    if (!sh->pend) {
        sh->pend = e;
        return;
    }
    same_inst_check(c, sh, e);
    end *p = sh->pend;
    if (e->readable) buf_copy(c, &e->buf, &p->buf, 1);
    else buf_copy(c, &p->buf, &e->buf, 1);
    reset_and_notify_pending(sh, CR_COMPLETED);
    notify(e, CR_COMPLETED, 0);
}

static void shared_drop(shared *sh) {
    if (!sh->dropped) {
        sh->dropped = 1;
        if (sh->pend) reset_and_notify_pending(sh, CR_DROPPED);
    }
}

static void shared_link(casync *s, shared *sh) {
    sh->store = s;
    sh->next = s->shareds;
    if (s->shareds) s->shareds->prev = sh;
    s->shareds = sh;
}

static void shared_unref(const hv_alloc *al, shared *sh) {
    if (--sh->refs) return;
    casync *s = sh->store;
    if (sh->prev) sh->prev->next = sh->next;
    else if (s) s->shareds = sh->next;
    if (sh->next) sh->next->prev = sh->prev;
    for (uint32_t i = 0; i < sh->qn; i++) hive_cval_clear(&sh->q[(sh->qhead + i) & (sh->qcap - 1)]);
    if (sh->q) hv_free(al, sh->q);
    hv_free(al, sh);
}

/* ---- the host's ends ---- */

/* Room for extra more values in the queue: 0, or -1 on OOM. */
static int q_reserve(const hv_alloc *al, shared *sh, uint32_t extra) {
    if (sh->qn + extra <= sh->qcap) return 0;
    uint32_t cap = sh->qcap ? sh->qcap : 16;
    while (cap < sh->qn + extra) {
        if (cap > UINT32_MAX / 2) return -1;
        cap *= 2;
    }
    hive_cval *nq = hv_calloc(al, cap, sizeof *nq);
    if (!nq) return -1;
    for (uint32_t i = 0; i < sh->qn; i++) nq[i] = sh->q[(sh->qhead + i) & (sh->qcap - 1)];
    if (sh->q) hv_free(al, sh->q);
    sh->q = nq;
    sh->qcap = cap;
    sh->qhead = 0;
    return 0;
}

static int q_push(const hv_alloc *al, shared *sh, hive_cval *v) {
    if (sh->qn == sh->qcap) {
        uint32_t cap = sh->qcap ? sh->qcap * 2 : 16;
        hive_cval *nq = hv_calloc(al, cap, sizeof *nq);
        if (!nq) return -1;
        for (uint32_t i = 0; i < sh->qn; i++) nq[i] = sh->q[(sh->qhead + i) & (sh->qcap - 1)];
        if (sh->q) hv_free(al, sh->q);
        sh->q = nq;
        sh->qcap = cap;
        sh->qhead = 0;
    }
    sh->q[(sh->qhead + sh->qn) & (sh->qcap - 1)] = *v;
    sh->qn++;
    memset(v, 0, sizeof *v);
    return 0;
}

/* Moves queued values into a guest reader's buffer. */
static void q_fill(cx *c, shared *sh, end *e) {
    buffer *b = &e->buf;
    const ct_type *t = b->t;
    cinst *inst = c->inst;
    hive_memory *mem = c->mem;
    hive_func *rea = c->realloc;
    uint8_t enc = c->enc;
    c->inst = b->inst;
    c->mem = b->mem;
    c->realloc = b->realloc;
    c->enc = b->enc;
    c->host_side = 1;
    if (t && t->kind == CT_U8 && sh->qn && b->progress < b->length) { /* bytes: no per-value lowering */
        uint32_t k = b->length - b->progress < sh->qn ? b->length - b->progress : sh->qn;
        uint8_t *m = hv_abi_mem(c, b->ptr + b->progress, k, "out of bounds memory access");
        uint32_t i = 0;
        for (; i < k && sh->q[sh->qhead].kind == HIVE_C_U8 && sh->q[sh->qhead].of.u <= 0xff; i++) {
            m[i] = (uint8_t)sh->q[sh->qhead].of.u;
            sh->q[sh->qhead].kind = HIVE_C_NONE;
            sh->qhead = (sh->qhead + 1) & (sh->qcap - 1);
            sh->qn--;
        }
        b->progress += i;
    }
    while (sh->qn && b->progress < b->length) {
        hive_cval *v = &sh->q[sh->qhead];
        if (t) hv_abi_store(c, t, v, b->ptr + b->progress * t->size);
        hive_cval_clear(v);
        sh->qhead = (sh->qhead + 1) & (sh->qcap - 1);
        sh->qn--;
        b->progress++;
    }
    c->host_side = 0;
    c->inst = inst;
    c->mem = mem;
    c->realloc = rea;
    c->enc = enc;
}

/* Moves a guest writer's values into the queue (as many as the host
 * reader's limit lets in). */
static void q_drain(cx *c, shared *sh, end *e) {
    buffer *b = &e->buf;
    const ct_type *t = b->t;
    cinst *inst = c->inst;
    hive_memory *mem = c->mem;
    c->inst = b->inst;
    c->mem = b->mem;
    c->host_side = 1;
    if (t && t->kind == CT_U8 && b->progress < b->length) { /* bytes: no per-value lifting */
        uint32_t k = b->length - b->progress;
        if (sh->limit) k = sh->qn >= sh->limit ? 0 : sh->limit - sh->qn < k ? sh->limit - sh->qn : k;
        const uint8_t *m = k ? hv_abi_mem(c, b->ptr + b->progress, k, "out of bounds memory access") : NULL;
        if (k && q_reserve(c->inst->root->ar.al, sh, k)) hv_cx_trap(c, "out of memory");
        uint32_t mask = sh->qcap - 1, at = sh->qhead + sh->qn;
        for (uint32_t i = 0; i < k; i++) {
            hive_cval *slot = &sh->q[(at + i) & mask];
            slot->kind = HIVE_C_U8;
            slot->of.u = m[i];
        }
        sh->qn += k;
        b->progress += k;
    }
    while (b->progress < b->length && (!sh->limit || sh->qn < sh->limit)) {
        hive_cval v;
        memset(&v, 0, sizeof v);
        if (t) hv_abi_load(c, t, b->ptr + b->progress * t->size, &v);
        else v.kind = HIVE_C_TUPLE;
        if (q_push(c->inst->root->ar.al, sh, &v)) {
            hive_cval_clear(&v);
            hv_cx_trap(c, "out of memory");
        }
        b->progress++;
    }
    c->host_side = 0;
    c->inst = inst;
    c->mem = mem;
}

/* A guest's copy when the host holds the other end: 1 when done here. */
static int host_op(cx *c, shared *sh, end *e) {
    if (sh->host == HS_WRITER && e->readable) {
        if (sh->qn) {
            q_fill(c, sh, e);
            notify(e, CR_COMPLETED, 0);
        } else if (sh->dropped) {
            notify(e, CR_DROPPED, 0);
        } else {
            sh->pend = e;
        }
        return 1;
    }
    if (sh->host == HS_READER && !e->readable) {
        if (sh->dropped) {
            notify(e, CR_DROPPED, 0);
        } else if (sh->limit && sh->qn >= sh->limit && e->buf.length) {
            sh->pend = e; /* backpressure: the write waits for the host to read */
        } else {
            q_drain(c, sh, e);
            notify(e, CR_COMPLETED, 0);
        }
        return 1;
    }
    return 0;
}

static end *end_new(cx *c, shared *sh, int readable, const ct_type *t) {
    end *e = hv_calloc(c->inst->root->ar.al, 1, sizeof *e);
    if (!e) hv_cx_trap(c, "out of memory");
    e->w.kind = sh->future ? (readable ? K_FREAD : K_FWRITE) : (readable ? K_SREAD : K_SWRITE);
    e->w.owner = c->inst;
    e->sh = sh;
    e->t = t;
    e->readable = readable;
    sh->refs++;
    e->w.idx = add_entry(c, e->w.kind, e);
    return e;
}

static void end_free(cinst *ci, end *e) {
    join(&e->w, NULL);
    shared_unref(ci->root->ar.al, e->sh);
    hv_free(ci->root->ar.al, e);
}

void hv_casync_lift_end(cx *c, const ct_type *t, uint32_t idx, hive_cval *out) {
    int future = t->kind == CT_FUTURE;
    rt_handle *h = hv_htab_get(c, &c->inst->handles, idx);
    if (h->rt != &kinds[future ? K_FREAD : K_SREAD])
        hv_cx_trap(c, "handle index %u is not a readable %s end", idx, future ? "future" : "stream");
    end *e = h->obj;
    shared *sh = e->sh;
    if (!hv_ct_eq(e->t, t, NULL)) hv_cx_trap(c, "%s of the wrong type", sf(sh));
    if (e->state == CS_COPYING || e->state == CS_CANCELLING) hv_cx_trap(c, "cannot remove busy %s", sf(sh));
    if (e->state == CS_DONE)
        hv_cx_trap(c, future ? "cannot lift future after previous read succeeded"
                          : "cannot lift stream after being notified that the writable end dropped");
    if (e->w.set) hv_cx_trap(c, "cannot lift %s while it's in a waitable set", sf(sh));
    hv_htab_remove(&c->inst->handles, idx);
    hv_free(c->inst->root->ar.al, e); /* the value keeps its reference */
    *out = hive_cval_handle(future ? HIVE_C_FUTURE : HIVE_C_STREAM, 0, sh);
}

uint32_t hv_casync_lower_end(cx *c, const ct_type *t, const hive_cval *v) {
    shared *sh = v->of.res.host;
    int future = t->kind == CT_FUTURE;
    if (!sh || v->kind != (future ? HIVE_C_FUTURE : HIVE_C_STREAM) || sh->future != future)
        hv_cx_trap(c, "not a %s value", future ? "future" : "stream");
    if (!sh->t) sh->t = t; /* made by the host: typed where it first lands */
    end *e = end_new(c, sh, 1, t);
    sh->refs--; /* the value's reference passes to the end */
    return e->w.idx;
}

static hive_host_status stream_builtin(hive_host_call *call, cx *c, const def *df, uint8_t op, athread *th,
                                       casync *s, const hive_val *args, hive_val *results) {
    const ct_type *st = df->type;
    int future = st->kind == CT_FUTURE;
    switch (op) {
    case 0x0e: case 0x15: { /* new */
        shared *sh = hv_calloc(s->al, 1, sizeof *sh);
        if (!sh) hv_cx_trap(c, "out of memory");
        shared_link(s, sh);
        sh->t = st;
        sh->future = future;
        end *r = end_new(c, sh, 1, st);
        end *w = end_new(c, sh, 0, st);
        results[0].type = HIVE_I64;
        results[0].of.i64 = (uint64_t)r->w.idx | (uint64_t)w->w.idx << 32;
        return HIVE_HOST_OK;
    }
    case 0x0f: case 0x10: case 0x16: case 0x17: { /* read, write */
        int readable = op == 0x0f || op == 0x16;
        uint32_t i = args[0].of.i32;
        end *e = entry(c, i, future ? (readable ? K_FREAD : K_FWRITE) : (readable ? K_SREAD : K_SWRITE),
                       readable ? "readable end" : "writable end");
        shared *sh = e->sh;
        if (!hv_ct_eq(e->t, st, NULL)) hv_cx_trap(c, "%s of the wrong type", sf(sh));
        if (e->state == CS_DONE) {
            if (future)
                hv_cx_trap(c, readable ? "cannot read from future after previous read succeeded"
                                    : "cannot write to future after previous write succeeded or readable end dropped");
            hv_cx_trap(c, readable ? "cannot read from stream after being notified that the writable end dropped"
                                : "cannot write to stream after being notified that the readable end dropped");
        }
        if (e->state != CS_IDLE) hv_cx_trap(c, "cannot have concurrent operations active on a future/stream");
        if (e->w.set && !df->opts.async_)
            hv_cx_trap(c, "waitable cannot be used synchronously while added to a waitable set");
        uint32_t ptr = args[1].of.i32, n = future ? 1 : (uint32_t)args[2].of.i32;
        const ct_type *et = st->a;
        if (n > (1u << 28) - 1) hv_cx_trap(c, "buffer too long");
        if (et && n > 0) {
            if (ptr % et->align) hv_cx_trap(c, "unaligned pointer");
            hv_abi_mem(c, ptr, (uint32_t)((uint64_t)n * et->size > 0xffffffffu ? 0xffffffffu : n * et->size),
                    "pointer out of bounds of memory");
        }
        buffer b = {c->inst, c->mem, c->realloc, c->enc, et, ptr, n, 0};
        e->buf = b;
        e->state = CS_COPYING;
        if (future) future_op(c, sh, e);
        else stream_op(c, sh, e);
        results[0].type = HIVE_I32;
        if (!e->w.pending) {
            if (df->opts.async_) {
                results[0].of.i32 = BLOCKED;
                return HIVE_HOST_OK;
            }
            if (!task_may_block(th)) hv_cx_trap(c, "cannot block a synchronous task before returning");
            e->w.sync_waiter = 1;
            th->w = &e->w;
            enqueue(s, th, TW_COPY);
            return HIVE_HOST_PENDING;
        }
        uint32_t ev[3];
        take_event(&e->w, ev);
        results[0].of.i32 = ev[2];
        return HIVE_HOST_OK;
    }
    case 0x11: case 0x12: case 0x18: case 0x19: { /* cancel-read, cancel-write */
        int readable = op == 0x11 || op == 0x18;
        uint32_t i = args[0].of.i32;
        end *e = entry(c, i, future ? (readable ? K_FREAD : K_FWRITE) : (readable ? K_SREAD : K_SWRITE),
                       readable ? "readable end" : "writable end");
        shared *sh = e->sh;
        if (!hv_ct_eq(e->t, st, NULL)) hv_cx_trap(c, "%s of the wrong type", sf(sh));
        if (e->state != CS_COPYING || e->w.sync_waiter) hv_cx_trap(c, "%s has no copy in progress to cancel", sf(sh));
        if (e->w.set && !df->a) hv_cx_trap(c, "waitable cannot be used synchronously while added to a waitable set");
        e->state = CS_CANCELLING;
        /* a copy that moved some values but still waited for more ends
         * CANCELLED with its progress (as wasmtime) */
        if (e->w.pending && e->reclaim && e->ev_result == CR_COMPLETED) e->ev_result = CR_CANCELLED;
        if (!e->w.pending) {
            if (sh->pend == e) reset_and_notify_pending(sh, CR_CANCELLED);
            else notify(e, CR_CANCELLED, 0);
        }
        uint32_t ev[3];
        take_event(&e->w, ev);
        results[0].type = HIVE_I32;
        results[0].of.i32 = ev[2];
        return HIVE_HOST_OK;
    }
    default: { /* drop-readable, drop-writable */
        int readable = op == 0x13 || op == 0x1a;
        uint32_t i = args[0].of.i32;
        end *e = entry(c, i, future ? (readable ? K_FREAD : K_FWRITE) : (readable ? K_SREAD : K_SWRITE),
                       readable ? "readable end" : "writable end");
        shared *sh = e->sh;
        if (!hv_ct_eq(e->t, st, NULL)) hv_cx_trap(c, "%s of the wrong type", sf(sh));
        if (e->state == CS_COPYING || e->state == CS_CANCELLING)
            hv_cx_trap(c, "cannot %s busy %s", readable ? "remove" : "drop", sf(sh));
        if (future && !readable && e->state != CS_DONE)
            hv_cx_trap(c, "cannot drop future write end without first writing a value");
        hv_htab_remove(&c->inst->handles, i);
        shared_drop(sh);
        end_free(c->inst, e);
        (void)call;
        return HIVE_HOST_OK;
    }
    }
}

hive_func *hv_casync_builtin(hive_cinstance *root, cinst *ci, const def *df) {
    uint8_t op;
    if (df->canon == CANON_LOWER) {
        if (!df->opts.async_) return NULL;
        op = 0xff;
    } else {
        op = df->canon;
        switch (op) {
        case 0x05: case 0x06: case 0x09: case 0x0c: case 0x0d:
        case 0x26: case 0x27: case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d:
        case 0x1f: case 0x20: case 0x21: case 0x22: case 0x23:
        case 0x0e: case 0x0f: case 0x10: case 0x11: case 0x12: case 0x13: case 0x14:
        case 0x15: case 0x16: case 0x17: case 0x18: case 0x19: case 0x1a: case 0x1b:
            break;
        default: return NULL;
        }
    }
    abuiltin *b = hv_arena_alloc(&root->ar, sizeof *b);
    if (!b) return NULL;
    b->inst = ci;
    b->df = df;
    b->op = op;
    if (op == 0xff) b->callee = ci->sp[S_FUNC][df->a].of.func;
    b->mem = df->opts.memory >= 0 ? ci->sp[S_CORE_MEMORY][df->opts.memory].of.p : NULL;
    b->realloc = df->opts.realloc >= 0 ? ci->sp[S_CORE_FUNC][df->opts.realloc].of.p : NULL;
    const ct_type *cft = df->core_ft;
    hive_functype ft = {cft->np, cft->nr, cft->p, cft->r};
    return hive_func_new_host(root->engine, &ft, builtin, b, NULL, "async built-in");
}

/* ---- host streams (hive/casync.h) ------------------------------------------------------ */

struct hive_cstream {
    hive_cinstance *root;
    shared *sh;
    int reader; /* the readable end */
    struct hive_cstream *prev, *next; /* casync.hstreams */
};

static struct hive_cstream *hstream_next(struct hive_cstream *hs) { return hs->next; }

static void hstream_link(casync *s, hive_cstream *hs) {
    hs->next = s->hstreams;
    if (s->hstreams) s->hstreams->prev = hs;
    s->hstreams = hs;
}

static void hstream_unlink(hive_cstream *hs) {
    casync *s = hs->root->async;
    if (hs->prev) hs->prev->next = hs->next;
    else if (s) s->hstreams = hs->next;
    if (hs->next) hs->next->prev = hs->prev;
}

hive_cstream *hive_cstream_new(hive_cinstance *ci, int future, hive_cval *readable) {
    if (!ci || !readable) return NULL;
    const hv_alloc *al = ci->ar.al;
    casync *s = store_of(ci);
    hive_cstream *hs = hv_calloc(al, 1, sizeof *hs);
    shared *sh = hv_calloc(al, 1, sizeof *sh);
    if (!s || !hs || !sh) {
        if (hs) hv_free(al, hs);
        if (sh) hv_free(al, sh);
        return NULL;
    }
    shared_link(s, sh);
    sh->future = future != 0;
    sh->host = HS_WRITER;
    sh->refs = 2; /* the host's end, the value */
    hs->root = ci;
    hs->sh = sh;
    hstream_link(s, hs);
    *readable = hive_cval_handle(future ? HIVE_C_FUTURE : HIVE_C_STREAM, 0, sh);
    return hs;
}

static void host_room(hive_cstream *hs);

hive_cstream *hive_cstream_reader(hive_cinstance *ci, hive_cval *v) {
    if (!ci || !v || (v->kind != HIVE_C_STREAM && v->kind != HIVE_C_FUTURE) || !v->of.res.host) return NULL;
    shared *sh = v->of.res.host;
    /* a stream the host writes may come back to it (a body it feeds, passed
     * on by the guest): both ends are the host's, values go through the
     * queue from one to the other */
    if (sh->host && (sh->host != HS_WRITER || sh->both)) return NULL;
    casync *s = store_of(ci);
    hive_cstream *hs = s ? hv_calloc(ci->ar.al, 1, sizeof *hs) : NULL;
    if (!hs) return NULL;
    hs->root = ci;
    hs->sh = sh;
    hs->reader = 1;
    hstream_link(s, hs);
    if (sh->host == HS_WRITER) {
        sh->both = 1;
        v->of.res.host = NULL;
        return hs;
    }
    sh->host = HS_READER;
    v->of.res.host = NULL; /* the value's reference is the host's end now */
    if (sh->pend && !sh->pend->readable) host_room(hs); /* a guest writer already waits */
    return hs;
}

/* A guest reader waits: it gets what is queued now. 0, or -1 (trapped). */
static int host_fill(hive_cstream *hs) {
    shared *sh = hs->sh;
    end *e = sh->pend;
    jmp_buf jb;
    cx c;
    cxinit(&c, e->buf.inst, e->buf.mem, e->buf.realloc, e->buf.enc, &jb);
    if (setjmp(jb)) {
        poison(hs->root, c.msg);
        return HIVE_ETRAP;
    }
    sh->pend = NULL;
    q_fill(&c, sh, e);
    notify(e, CR_COMPLETED, 0);
    return 0;
}

int hive_cstream_write(hive_cstream *hs, const hive_cval *vals, size_t n) {
    if (!hs || (n && !vals)) return HIVE_EARG;
    shared *sh = hs->sh;
    if (sh->host != HS_WRITER || hs->reader || sh->dropped) return HIVE_ESTATE;
    if (sh->future && (n > 1 || sh->qn + n > 1)) return HIVE_ESTATE;
    const hv_alloc *al = hs->root->ar.al;
    for (size_t i = 0; i < n; i++) {
        hive_cval v;
        if (hive_cval_copy(&v, &vals[i])) return HIVE_ENOMEM;
        if (q_push(al, sh, &v)) {
            hive_cval_clear(&v);
            return HIVE_ENOMEM;
        }
    }
    if (sh->pend && sh->pend->readable && sh->qn) return host_fill(hs); /* a guest reader waits */
    return 0;
}

int hive_cstream_write_bytes(hive_cstream *hs, const uint8_t *buf, size_t n) {
    if (!hs || (n && !buf)) return HIVE_EARG;
    shared *sh = hs->sh;
    if (sh->host != HS_WRITER || hs->reader || sh->dropped || sh->future) return HIVE_ESTATE;
    if (n > UINT32_MAX - sh->qn || q_reserve(hs->root->ar.al, sh, (uint32_t)n)) return HIVE_ENOMEM;
    uint32_t mask = sh->qcap - 1, at = sh->qhead + sh->qn;
    for (size_t i = 0; i < n; i++) {
        hive_cval *slot = &sh->q[(at + (uint32_t)i) & mask];
        slot->kind = HIVE_C_U8;
        slot->of.u = buf[i];
    }
    sh->qn += (uint32_t)n;
    if (sh->pend && sh->pend->readable && sh->qn) return host_fill(hs);
    return 0;
}

/* A guest writer waited for room (hive_cstream_set_limit): take what fits. */
static void host_room(hive_cstream *hs) {
    shared *sh = hs->sh;
    end *e = sh->pend;
    jmp_buf jb;
    cx c;
    cxinit(&c, e->buf.inst, e->buf.mem, NULL, e->buf.enc, &jb);
    if (setjmp(jb)) {
        poison(hs->root, c.msg);
        return;
    }
    sh->pend = NULL;
    q_drain(&c, sh, e);
    notify(e, CR_COMPLETED, 0);
}

long hive_cstream_read(hive_cstream *hs, hive_cval *out, size_t max) {
    if (!hs || (max && !out)) return -1;
    shared *sh = hs->sh;
    if (!hs->reader) return -1;
    size_t k = 0;
    while (k < max && sh->qn) {
        out[k++] = sh->q[sh->qhead];
        sh->q[sh->qhead].kind = HIVE_C_NONE; /* moved out */
        sh->qhead = (sh->qhead + 1) & (sh->qcap - 1);
        sh->qn--;
    }
    if (k && sh->pend && !sh->pend->readable && (!sh->limit || sh->qn < sh->limit)) host_room(hs);
    if (k == 0 && sh->dropped && max) return -1;
    return (long)k;
}

long hive_cstream_read_bytes(hive_cstream *hs, uint8_t *buf, size_t max) {
    if (!hs || (max && !buf)) return -1;
    shared *sh = hs->sh;
    if (!hs->reader) return -1;
    size_t k = 0;
    while (k < max && sh->qn && sh->q[sh->qhead].kind == HIVE_C_U8) {
        buf[k++] = (uint8_t)sh->q[sh->qhead].of.u;
        sh->q[sh->qhead].kind = HIVE_C_NONE;
        sh->qhead = (sh->qhead + 1) & (sh->qcap - 1);
        sh->qn--;
    }
    if (k && sh->pend && !sh->pend->readable && (!sh->limit || sh->qn < sh->limit)) host_room(hs);
    if (k == 0 && max && (sh->dropped || sh->qn)) return -1; /* the end, or not bytes */
    return (long)k;
}

void hive_cstream_set_limit(hive_cstream *hs, size_t max) {
    if (hs && hs->sh->host == HS_READER) hs->sh->limit = max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
}

size_t hive_cstream_queued(const hive_cstream *hs) { return hs ? hs->sh->qn : 0; }

int hive_cstream_blocked(const hive_cstream *hs) {
    if (!hs || !hs->sh->pend || hs->sh->both) return 0;
    return hs->sh->host == HS_WRITER ? hs->sh->pend->readable : !hs->sh->pend->readable;
}

int hive_cstream_dropped(const hive_cstream *hs) { return hs ? hs->sh->dropped : 1; }

void hive_cstream_close(hive_cstream *hs) {
    if (!hs) return;
    shared *sh = hs->sh;
    if (!hs->reader && !sh->dropped) {
        sh->dropped = 1;
        /* a waiting reader has nothing more to get */
        if (sh->pend && sh->pend->readable && !sh->qn) reset_and_notify_pending(sh, CR_DROPPED);
    } else {
        shared_drop(sh);
    }
    shared_unref(hs->root->ar.al, sh);
    hstream_unlink(hs);
    hv_free(hs->root->ar.al, hs);
}
