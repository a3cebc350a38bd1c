/*
 * call.c -- calls across the component boundary: canon lift (a Task),
 * canon lower (the core function a component imports), the resource
 * built-ins, and the embedder's calls (hive_cinstance_call and friends).
 *
 * The embedder's call runs its core function on the instance's main exec,
 * so it can be SUSPENDED (budget) and PENDING (a host import said so).
 * Everything a call does meanwhile (realloc, post-return, destructors,
 * calls from one nested component into another) runs on a helper exec,
 * one per nesting level. A call between components that reaches a
 * PENDING host function waits: its state goes into an nframe and the
 * lowered import returns PENDING to its own exec, and so on outwards;
 * hive_cinstance_resume finishes the frames innermost first (drive).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/internal.h"
#include "component/runtime.h"

struct lower_ctx {
    cinst *inst;      /* the caller: whose memory */
    rt_func *callee;
    const ct_type *ft;
    hive_memory *memory;
    hive_func *realloc;
    uint8_t enc;
};

/* ---- nested execution ------------------------------------------------------ */

/* The instance whose call (hive_cinstance_call, resume, post-return) this
 * thread is running: its helper execs, waiting frames and PENDING state
 * serve everything the call reaches, also code of other instances linked
 * in with hive_linker_define_instance. NULL outside calls (instantiation:
 * start functions use their own instance's). */
static __thread hive_cinstance *tl_root;

static hive_cinstance *active_root(cinst *ci) { return tl_root ? tl_root : ci->root; }
hive_cinstance *hv_comp_active_root(cinst *ci) { return active_root(ci); }

hive_cinstance *hv_comp_set_active_root(hive_cinstance *root) {
    hive_cinstance *old = tl_root;
    tl_root = root;
    return old;
}

int hv_run_nested(cinst *ci, hive_func *f, const hive_val *args, uint32_t nargs, hive_val *res,
               uint32_t nres, char *msg, size_t msglen) {
    hive_cinstance *root = active_root(ci);
    if (root->depth >= MAX_NESTED) {
        snprintf(msg, msglen, "call stack exhausted");
        return -1;
    }
    hive_exec *e = root->helpers[root->depth];
    if (!e) {
        e = hv_comp_exec_take(root->comp);
        __atomic_store_n(&root->helpers[root->depth], e, __ATOMIC_RELEASE);
        if (!e) {
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
    }
    root->depth++;
    root->no_pend++;
    hive_status st = hive_exec_call(e, f, args, nargs, 0);
    while (st == HIVE_SUSPENDED && !__atomic_load_n(&root->interrupted, __ATOMIC_RELAXED))
        st = hive_exec_resume(e, 0);
    root->no_pend--;
    root->depth--;
    if (st == HIVE_SUSPENDED) {
        hive_exec_reset(e);
        snprintf(msg, msglen, "interrupted");
        return -1;
    }
    if (st == HIVE_PENDING) {
        hive_exec_reset(e);
        snprintf(msg, msglen, "a host function returned PENDING inside a nested call");
        return -1;
    }
    if (st != HIVE_DONE) {
        const hive_trap *t = hive_exec_trap(e);
        snprintf(msg, msglen, "%s", st == HIVE_TRAPPED && t && t->message[0] ? t->message : "call failed");
        return -1;
    }
    hive_exec_results(e, res, nres);
    return 0;
}

/* ---- entering and leaving (ComponentInstance.may_enter_from) ------------------ */

static int is_ancestor_or_self(cinst *a, cinst *of) {
    for (cinst *x = of; x; x = x->parent)
        if (x == a) return 1;
    return 0;
}

static int may_enter(cinst *callee, cinst *caller) {
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

static void cs_init(call_state *cs, const hv_alloc *al) {
    memset(cs, 0, sizeof *cs);
    cs->al = al;
    cs->lenders = cs->lend_inline;
    cs->caplenders = 4;
}

/* Subtask.deliver_resolve: lent handles are no longer lent. */
static void cs_release(call_state *cs) {
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

static void cx_init(cx *c, cinst *inst, hive_memory *mem, hive_func *realloc_, uint8_t enc, jmp_buf *jb) {
    memset(c, 0, sizeof *c);
    c->inst = inst;
    c->mem = mem;
    c->realloc = realloc_;
    c->enc = enc;
    c->jb = jb;
}

static void clear_vals(hive_cval *v, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) hive_cval_clear(&v[i]);
}

/* ---- canon lift: phases of a call ------------------------------------------- */

/* Enters the callee and lowers args into its memory; fills flat. Returns
 * 0, or CX_TRAP / CX_FAIL with msg. */
static int lifted_start(lifted_call *lc, const hive_cval *args, uint32_t nargs, hive_val *flat,
                        uint32_t *nflat, char *msg, size_t msglen) {
    rt_func *f = lc->f;
    const ct_type *ft = f->ft;
    if (nargs != ft->n) {
        snprintf(msg, msglen, "%u arguments where %u are expected", nargs, ft->n);
        return CX_FAIL;
    }
    if (!may_enter(f->inst, lc->caller)) {
        snprintf(msg, msglen, "cannot enter component instance");
        return CX_TRAP;
    }
    set_enter(f->inst, lc->caller, 0);
    lc->entered = 1;
    f->inst->context = 0; /* a new task's thread starts with zeroed storage */
    cs_init(&lc->cs, f->inst->root->ar.al);
    jmp_buf jb;
    cx c;
    cx_init(&c, f->inst, f->memory, f->realloc, f->enc, &jb);
    c.call = &lc->cs;
    c.fused = lc->caller != NULL;
    c.host_side = lc->caller == NULL;
    c.hints = lc->hints;
    int rc = setjmp(jb);
    if (rc) {
        snprintf(msg, msglen, "%s", c.msg);
        return rc;
    }
    *nflat = hv_abi_lower_values(&c, ft->types, ft->n, MAX_FLAT_PARAMS, args, flat, -1);
    return 0;
}

/* Lifts the result out of the callee's flat results. */
static int lifted_results(lifted_call *lc, hive_cval *out, char *msg, size_t msglen) {
    rt_func *f = lc->f;
    const ct_type *ft = f->ft;
    jmp_buf jb;
    cx c;
    cx_init(&c, f->inst, f->memory, f->realloc, f->enc, &jb);
    c.fused = lc->caller != NULL;
    c.host_side = lc->caller == NULL;
    c.hints = lc->hints;
    int rc = setjmp(jb);
    if (rc) {
        snprintf(msg, msglen, "%s", c.msg);
        return rc;
    }
    if (ft->a) hv_abi_lift_values(&c, &ft->a, 1, MAX_FLAT_RESULTS, lc->flat_res, lc->nflat_res, out);
    if (lc->cs.num_borrows) hv_cx_trap(&c, "borrow handles still remain at the end of the call");
    return 0;
}

/* post-return, then leave. */
static int lifted_finish(lifted_call *lc, char *msg, size_t msglen) {
    rt_func *f = lc->f;
    int rc = 0;
    if (f->post_return) {
        f->inst->may_leave = 0;
        hive_val none;
        rc = hv_run_nested(f->inst, f->post_return, lc->flat_res, lc->nflat_res, &none, 0, msg, msglen);
        f->inst->may_leave = 1;
    }
    if (rc == 0 && lc->entered) set_enter(f->inst, lc->caller, 1);
    lc->entered = 0;
    return rc ? CX_TRAP : 0;
}

/* Runs a lifted function called from another component on the next
 * helper exec, under the embedder's budget: 0 (results in lc->flat_res),
 * CX_TRAP, or NESTED_WAIT: the budget ran out or a host function further
 * in returned PENDING; the exec (*pend_e) keeps its level until
 * hive_cinstance_resume finishes the call. */
#define NESTED_WAIT 3
static int nested_call(hive_cinstance *root, lifted_call *lc, const hive_val *flat, uint32_t nflat,
                       hive_exec **pend_e, char *msg, size_t msglen) {
    if (root->depth >= MAX_NESTED) {
        snprintf(msg, msglen, "call stack exhausted");
        return CX_TRAP;
    }
    hive_exec *e = root->helpers[root->depth];
    if (!e) {
        e = hv_comp_exec_take(root->comp);
        __atomic_store_n(&root->helpers[root->depth], e, __ATOMIC_RELEASE);
        if (!e) {
            snprintf(msg, msglen, "out of memory");
            return CX_TRAP;
        }
    }
    root->depth++;
    hive_status st = hive_exec_call(e, lc->f->core, flat, nflat, root->budget);
    if (st == HIVE_PENDING || st == HIVE_SUSPENDED) {
        *pend_e = e;
        return NESTED_WAIT;
    }
    root->depth--;
    if (st != HIVE_DONE) {
        const hive_trap *t = hive_exec_trap(e);
        snprintf(msg, msglen, "%.199s", st == HIVE_TRAPPED && t && t->message[0] ? t->message : "call failed");
        return CX_TRAP;
    }
    lc->nflat_res = (uint32_t)hive_exec_results(e, lc->flat_res, 2);
    return 0;
}

/* ---- host functions -------------------------------------------------------------- */

void hive_chost_trap(hive_chost_call *call, const char *message) {
    if (!call || !call->instance) return;
    hive_trap *t = &call->instance->trap;
    t->kind = HIVE_TRAP_HOST;
    snprintf(t->message, sizeof t->message, "%s", message ? message : "host function trapped");
}

static hive_host_status call_host(hive_cinstance *root, const host_func *h, const hive_cval *args,
                                  uint32_t nargs, hive_cval *res, uint32_t nres) {
    hive_chost_call hc = {root, h->user, h->iface, h->name};
    root->trap.message[0] = '\0';
    return h->fn(&hc, args, nargs, res, nres);
}

/* ---- canon lower: the core function a component imports --------------------------- */

static hive_host_status lower_results(lower_ctx *lx, hive_host_call *call, const hive_val *args,
                                      hive_val *results, hive_cval *res, int from_host, char *msg,
                                      str_hints *hints) {
    const ct_type *ft = lx->ft;
    if (!ft->a) return HIVE_HOST_OK;
    jmp_buf jb;
    cx c;
    cx_init(&c, lx->inst, lx->memory, lx->realloc, lx->enc, &jb);
    c.fused = !from_host;
    c.host_side = from_host;
    c.hints = hints;
    if (setjmp(jb)) {
        snprintf(msg, 200, "%s", c.msg);
        return HIVE_HOST_TRAP;
    }
    int64_t out_ptr = -1;
    if (ft->a->nflat > MAX_FLAT_RESULTS) {
        const hive_functype *t = call ? NULL : NULL;
        (void)t;
        uint32_t np = 0;
        for (uint32_t i = 0; i < ft->n; i++) np += ft->types[i]->nflat;
        uint32_t idx = np > MAX_FLAT_PARAMS ? 1 : np;
        out_ptr = args[idx].of.i32;
    }
    hv_abi_lower_values(&c, &ft->a, 1, MAX_FLAT_RESULTS, res, results, out_ptr);
    return HIVE_HOST_OK;
}

static hive_host_status lowered_call(hive_host_call *call, const hive_val *args, hive_val *results) {
    lower_ctx *lx = call->user;
    cinst *ci = lx->inst;
    hive_cinstance *root = active_root(ci);
    const ct_type *ft = lx->ft;
    char msg[200];
    if (!ci->may_leave) {
        hive_host_trap(call, "cannot leave component instance");
        return HIVE_HOST_TRAP;
    }
    rt_func *callee = lx->callee;
    if (hv_casync_lower_wanted(callee)) /* async ABI (async.c) */
        return hv_casync_lower(call, ci, callee, ft, lx->memory, lx->realloc, lx->enc, 0, args, results);
    int from_host = callee->kind == F_HOST;
    uint32_t nargs = ft->n;
    hive_cval argv_inline[8];
    hive_cval *argv = nargs <= 8 ? argv_inline : hv_calloc(root->ar.al, nargs, sizeof *argv);
    if (!argv) {
        hive_host_trap(call, "out of memory");
        return HIVE_HOST_TRAP;
    }
    memset(argv, 0, (nargs <= 8 ? 8 : nargs) * sizeof *argv);
    hive_cval res;
    memset(&res, 0, sizeof res);
    const hv_alloc *al = root->ar.al;
    call_state cs;
    cs_init(&cs, al);
    str_hints hints = {0};
    hints.al = al;
    lifted_call *lc = NULL;
    hive_host_status status = HIVE_HOST_TRAP;

    jmp_buf jb;
    cx c;
    cx_init(&c, ci, lx->memory, lx->realloc, lx->enc, &jb);
    c.call = &cs;
    c.fused = !from_host;
    c.host_side = from_host;
    c.hints = from_host ? NULL : &hints;
    if (setjmp(jb)) {
        snprintf(msg, sizeof msg, "%s", c.msg);
        goto out;
    }
    const hive_functype *cft = hive_func_type(call->caller ? NULL : NULL);
    (void)cft;
    uint32_t nflat = 0;
    for (uint32_t i = 0; i < ft->n; i++) nflat += ft->types[i]->nflat;
    uint32_t ncore = nflat > MAX_FLAT_PARAMS ? 1 : nflat;
    if (ft->a && ft->a->nflat > MAX_FLAT_RESULTS) ncore++;
    hv_abi_lift_values(&c, ft->types, ft->n, MAX_FLAT_PARAMS, args, ncore, argv);

    if (from_host) {
        const host_func *h = callee->host;
        hive_host_status hs = call_host(root, h, argv, nargs, &res, ft->a ? 1 : 0);
        if (hs == HIVE_HOST_TRAP) {
            snprintf(msg, sizeof msg, "%.199s", root->trap.message[0] ? root->trap.message : "host function trapped");
            goto out;
        }
        if (hs == HIVE_HOST_PENDING) {
            if (root->no_pend || root->pend) {
                snprintf(msg, sizeof msg, "a host function returned PENDING inside %s",
                         root->pend ? "a call already waiting" : "realloc, post-return, a destructor or a start function");
                goto out;
            }
            root->pend = lx;
            root->pend_exec = call->exec;
            root->pend_host = h;
            root->pend_cs = cs;
            if (cs.lenders == cs.lend_inline) root->pend_cs.lenders = root->pend_cs.lend_inline;
            root->pend_out_ptr = -1;
            if (ft->a && ft->a->nflat > MAX_FLAT_RESULTS) {
                uint32_t idx = nflat > MAX_FLAT_PARAMS ? 1 : nflat;
                root->pend_out_ptr = args[idx].of.i32;
            }
            clear_vals(argv, nargs);
            if (argv != argv_inline) hv_free(al, argv);
            return HIVE_HOST_PENDING;
        }
        status = lower_results(lx, call, args, results, &res, 1, msg, NULL);
        if (status != HIVE_HOST_OK) goto out;
    } else {
        lc = hv_calloc(al, 1, sizeof *lc);
        if (!lc) {
            snprintf(msg, sizeof msg, "out of memory");
            goto out;
        }
        lc->f = callee;
        lc->caller = ci;
        lc->hints = &hints;
        hive_val flat[MAX_FLAT_PARAMS + 1];
        uint32_t nf = 0;
        hive_exec *pe = NULL;
        if (lifted_start(lc, argv, nargs, flat, &nf, msg, sizeof msg)) goto out;
        int rc = nested_call(root, lc, flat, nf, &pe, msg, sizeof msg);
        if (rc == NESTED_WAIT) {
            nframe *fr = hv_calloc(al, 1, sizeof *fr);
            if (!fr || root->nframes >= MAX_NESTED) {
                if (fr) hv_free(al, fr);
                snprintf(msg, sizeof msg, "out of memory");
                goto out;
            }
            fr->lx = lx;
            fr->lc = lc;
            fr->cs = cs;
            if (cs.lenders == cs.lend_inline) fr->cs.lenders = fr->cs.lend_inline;
            fr->hints = hints;
            lc->hints = &fr->hints;
            fr->out_ptr = -1;
            if (ft->a && ft->a->nflat > MAX_FLAT_RESULTS) fr->out_ptr = args[nflat > MAX_FLAT_PARAMS ? 1 : nflat].of.i32;
            fr->callee_exec = pe;
            fr->caller_exec = call->exec;
            root->frames[root->nframes++] = fr;
            clear_vals(argv, nargs);
            if (argv != argv_inline) hv_free(al, argv);
            return HIVE_HOST_PENDING;
        }
        if (rc) goto out;
        if (lifted_results(lc, &res, msg, sizeof msg)) goto out;
        status = lower_results(lx, call, args, results, &res, 0, msg, &hints);
        if (status != HIVE_HOST_OK) goto out;
        if (lifted_finish(lc, msg, sizeof msg)) {
            status = HIVE_HOST_TRAP;
            goto out;
        }
    }
    status = HIVE_HOST_OK;
out:
    if (lc) hv_free(al, lc);
    cs_release(&cs);
    hv_hints_free(&hints);
    clear_vals(argv, nargs);
    if (argv != argv_inline) hv_free(al, argv);
    hive_cval_clear(&res);
    if (status == HIVE_HOST_TRAP) hive_host_trap(call, msg);
    return status;
}

lower_ctx *hv_make_lower_ctx(arena *ar, cinst *ci, rt_func *callee, const ct_type *ft, hive_memory *mem,
                          hive_func *realloc_, uint8_t enc) {
    lower_ctx *lx = hv_arena_alloc(ar, sizeof *lx);
    if (!lx) return NULL;
    lx->inst = ci;
    lx->callee = callee;
    lx->ft = ft;
    lx->memory = mem;
    lx->realloc = realloc_;
    lx->enc = enc;
    return lx;
}

hive_host_fn hv_lowered_fn(void) { return lowered_call; }

/* ---- built-ins ------------------------------------------------------------------------- */

typedef struct builtin_ctx {
    cinst *inst;
    uint8_t op;
    uint32_t rid;
    const char *name;
} builtin_ctx;

static int drop_own(cinst *ci, rt_resource *rt, uint32_t rep, char *msg, size_t msglen) {
    if (rt->host) {
        if (rt->host->dtor_in) rt->host->dtor_in(ci ? active_root(ci) : tl_root, rt->host->user, rep);
        else if (rt->host->dtor) rt->host->dtor(rt->host->user, rep);
        return 0;
    }
    if (!rt->dtor) return 0;
    cinst *impl = rt->impl;
    if (!may_enter(impl, ci)) {
        snprintf(msg, msglen, "cannot enter component instance");
        return -1;
    }
    set_enter(impl, ci, 0);
    hive_val a = {.type = HIVE_I32}, none;
    a.of.i32 = rep;
    int rc = hv_run_nested(impl, rt->dtor, &a, 1, &none, 0, msg, msglen);
    if (rc == 0) set_enter(impl, ci, 1);
    return rc;
}

static hive_host_status builtin_call(hive_host_call *call, const hive_val *args, hive_val *results) {
    builtin_ctx *b = call->user;
    cinst *ci = b->inst;
    char msg[200];
    jmp_buf jb;
    cx c;
    cx_init(&c, ci, NULL, NULL, 0, &jb);
    if (setjmp(jb)) {
        hive_host_trap(call, c.msg);
        return HIVE_HOST_TRAP;
    }
    int no_leave_check = b->op == CANON_RESOURCE_REP || b->op == 0x0a || b->op == 0x0b || b->op == 0x24 || b->op == 0x25;
    if (!no_leave_check && !ci->may_leave) hv_cx_trap(&c, "cannot leave component instance");
    switch (b->op) {
    case 0x0a: /* context.get */
        results[0].type = HIVE_I32;
        results[0].of.i32 = ci->context;
        return HIVE_HOST_OK;
    case 0x0b: /* context.set */
        ci->context = args[0].of.i32;
        return HIVE_HOST_OK;
    case 0x24: /* backpressure.inc */
        if (++ci->backpressure >= 1u << 16) hv_cx_trap(&c, "backpressure counter overflow");
        return HIVE_HOST_OK;
    case 0x25: /* backpressure.dec */
        if (ci->backpressure == 0) hv_cx_trap(&c, "backpressure counter underflow");
        ci->backpressure--;
        return HIVE_HOST_OK;
    case CANON_RESOURCE_NEW: {
        if (!ci->may_leave) hv_cx_trap(&c, "cannot leave component instance");
        rt_handle h = {.rt = ci->res[b->rid], .rep = args[0].of.i32, .own = 1};
        results[0].type = HIVE_I32;
        results[0].of.i32 = hv_htab_add(&c, &ci->handles, h);
        return HIVE_HOST_OK;
    }
    case CANON_RESOURCE_REP: {
        rt_handle *h = hv_htab_get(&c, &ci->handles, args[0].of.i32);
        if (h->rt != ci->res[b->rid])
            hv_cx_trap(&c, "handle index %u used with the wrong type, expected guest-defined resource but found a different %s-defined resource",
                    args[0].of.i32, h->rt->impl ? "guest" : "host");
        results[0].type = HIVE_I32;
        results[0].of.i32 = h->rep;
        return HIVE_HOST_OK;
    }
    case CANON_RESOURCE_DROP: {
        if (!ci->may_leave) hv_cx_trap(&c, "cannot leave component instance");
        uint32_t i = args[0].of.i32;
        rt_handle *h = hv_htab_get(&c, &ci->handles, i);
        rt_resource *rt = ci->res[b->rid];
        if (h->rt != rt)
            hv_cx_trap(&c, "handle index %u used with the wrong type, expected %s-defined resource but found a different %s-defined resource",
                    i, rt && rt->impl ? "guest" : "host", h->rt->impl ? "guest" : "host");
        if (h->lends) hv_cx_trap(&c, "cannot remove owned resource while borrowed");
        rt_handle copy = *h;
        hv_htab_remove(&ci->handles, i);
        if (copy.own) {
            if (drop_own(ci, rt, copy.rep, msg, sizeof msg)) hv_cx_trap(&c, "%s", msg);
        } else if (copy.scope && copy.scope->num_borrows) {
            copy.scope->num_borrows--;
        }
        return HIVE_HOST_OK;
    }
    default:
        hv_cx_trap(&c, "canon built-in %s is not implemented", b->name);
    }
}

hive_func *hv_make_builtin(hive_cinstance *root, cinst *ci, uint8_t op, uint32_t rid, const ct_type *cft,
                        const char *name) {
    builtin_ctx *b = hv_arena_alloc(&root->ar, sizeof *b);
    if (!b) return NULL;
    b->inst = ci;
    b->op = op;
    b->rid = rid;
    b->name = name;
    hive_functype ft = {cft->np, cft->nr, cft->p, cft->r};
    return hive_func_new_host(root->engine, &ft, builtin_call, b, NULL, name);
}

/* ---- the embedder's calls ---------------------------------------------------------------- */

static hive_status trapped(hive_cinstance *ci, const char *msg) {
    ci->trap.kind = HIVE_TRAP_HOST;
    ci->trap.nframes = 0;
    snprintf(ci->trap.message, sizeof ci->trap.message, "%s", msg);
    ci->state = CI_TRAPPED;
    return HIVE_TRAPPED;
}

/* An interrupt reaches every exec; idle helpers keep the flag until
 * their next call honours it. A new slice starts without them. */
static void clear_idle_interrupts(hive_cinstance *ci) {
    for (uint32_t i = ci->depth; i < MAX_NESTED; i++)
        if (ci->helpers[i]) hive_exec_reset(ci->helpers[i]);
}

static hive_status finish_call(hive_cinstance *ci, hive_status st) {
    char msg[200];
    if (st == HIVE_SUSPENDED) {
        ci->state = CI_SUSPENDED;
        return st;
    }
    if (st == HIVE_PENDING) {
        /* a host function waits, or a call between components used up
         * the budget (then the embedder sees SUSPENDED) */
        ci->state = ci->pend ? CI_PENDING : CI_SUSPENDED;
        return ci->pend ? HIVE_PENDING : HIVE_SUSPENDED;
    }
    if (st != HIVE_DONE) {
        const hive_trap *t = hive_exec_trap(ci->main);
        if (t) ci->trap = *t;
        ci->state = CI_TRAPPED;
        return HIVE_TRAPPED;
    }
    lifted_call *lc = &ci->call;
    lc->nflat_res = (uint32_t)hive_exec_results(ci->main, lc->flat_res, 2);
    memset(&ci->result, 0, sizeof ci->result);
    if (lifted_results(lc, &ci->result, msg, sizeof msg)) {
        hive_cval_clear(&ci->result);
        return trapped(ci, msg);
    }
    cs_release(&lc->cs);
    ci->has_result = lc->f->ft->a != NULL;
    ci->result_taken = 0;
    ci->post_pending = 1;
    ci->state = CI_DONE;
    return HIVE_DONE;
}

static hive_status cinstance_call(hive_cinstance *ci, hive_cfunc *func, const hive_cval *args,
                                  size_t nargs, uint64_t budget);

hive_status hive_cinstance_call(hive_cinstance *ci, hive_cfunc *func, const hive_cval *args,
                                size_t nargs, uint64_t budget) {
    hive_cinstance *saved = tl_root;
    tl_root = ci;
    hive_status st = cinstance_call(ci, func, args, nargs, budget);
    tl_root = saved;
    return st;
}

static hive_status cinstance_call(hive_cinstance *ci, hive_cfunc *func, const hive_cval *args,
                                  size_t nargs, uint64_t budget) {
    if (!ci || !func) return HIVE_FAILED;
    if (ci->state == CI_RUNNING || ci->state == CI_SUSPENDED || ci->state == CI_PENDING) return HIVE_FAILED;
    if (ci->post_pending && hive_cinstance_post_return(ci) != HIVE_OK) return HIVE_TRAPPED;
    __atomic_store_n(&ci->interrupted, 0, __ATOMIC_RELAXED);
    hive_cval_clear(&ci->result);
    ci->has_result = 0;
    rt_func *f = (rt_func *)func;
    memset(&ci->trap, 0, sizeof ci->trap);
    char msg[200];
    if (f->kind == F_HOST) {
        if (nargs != f->ft->n) return HIVE_FAILED;
        hive_cval res;
        memset(&res, 0, sizeof res);
        hive_host_status hs = call_host(ci, f->host, args, (uint32_t)nargs, &res, f->ft->a ? 1 : 0);
        if (hs != HIVE_HOST_OK) {
            hive_cval_clear(&res);
            return trapped(ci, hs == HIVE_HOST_PENDING ? "PENDING from a host function called directly"
                                                       : ci->trap.message[0] ? ci->trap.message : "host function trapped");
        }
        ci->result = res;
        ci->has_result = f->ft->a != NULL;
        ci->post_pending = 0;
        ci->state = CI_DONE;
        return HIVE_DONE;
    }
    if (f->kind == F_LIFTED && hv_casync_is_async(f)) { /* async ABI (async.c) */
        if (nargs != f->ft->n) return HIVE_FAILED;
        ci->state = CI_RUNNING;
        ci->budget = budget; /* bounds each run and the event loop's steps */
        if (hv_casync_host_call(ci, f, args, (uint32_t)nargs, &ci->result, msg, sizeof msg))
            return trapped(ci, msg);
        ci->has_result = f->ft->a != NULL;
        ci->result_taken = 0;
        ci->post_pending = 0;
        ci->state = CI_DONE;
        return HIVE_DONE;
    }
    lifted_call *lc = &ci->call;
    memset(lc, 0, sizeof *lc);
    lc->f = f;
    hive_val flat[MAX_FLAT_PARAMS + 1];
    uint32_t nflat = 0;
    ci->state = CI_RUNNING;
    int rc = lifted_start(lc, args, (uint32_t)nargs, flat, &nflat, msg, sizeof msg);
    if (rc) {
        if (lc->entered) set_enter(f->inst, NULL, 1);
        cs_release(&lc->cs);
        if (rc == CX_FAIL) {
            ci->state = CI_IDLE;
            snprintf(ci->trap.message, sizeof ci->trap.message, "%s", msg);
            return HIVE_FAILED;
        }
        return trapped(ci, msg);
    }
    ci->budget = budget;
    clear_idle_interrupts(ci);
    hive_status st = hive_exec_call(ci->main, f->core, flat, nflat, budget);
    return finish_call(ci, st);
}

/* Frees a waiting call's state (after it finished or trapped). */
static void frame_free(hive_cinstance *ci, nframe *fr) {
    cs_release(&fr->cs);
    hv_hints_free(&fr->hints);
    hv_free(ci->ar.al, fr->lc);
    hv_free(ci->ar.al, fr);
    if (ci->depth) ci->depth--;
}

void hv_cinstance_frames_free(hive_cinstance *ci) {
    if (ci->pend) cs_release(&ci->pend_cs);
    ci->pend = NULL;
    while (ci->nframes) {
        nframe *fr = ci->frames[--ci->nframes];
        hive_exec_reset(fr->callee_exec);
        frame_free(ci, fr);
    }
    ci->depth = 0;
}

/* The innermost waiting call's callee finished: its result goes to the
 * caller's import, whose exec continues. */
static void frame_done(hive_cinstance *ci, nframe *fr) {
    char msg[200];
    lifted_call *lc = fr->lc;
    lower_ctx *lx = fr->lx;
    lc->nflat_res = (uint32_t)hive_exec_results(fr->callee_exec, lc->flat_res, 2);
    hive_cval res;
    memset(&res, 0, sizeof res);
    hive_val flat[2];
    uint32_t nflat = lx->ft->a && lx->ft->a->nflat <= MAX_FLAT_RESULTS ? lx->ft->a->nflat : 0;
    int ok = 0;
    if (!lifted_results(lc, &res, msg, sizeof msg)) {
        hive_val fake[MAX_FLAT_PARAMS + 2];
        memset(fake, 0, sizeof fake);
        uint32_t np = 0;
        for (uint32_t i = 0; i < lx->ft->n; i++) np += lx->ft->types[i]->nflat;
        if (fr->out_ptr >= 0) {
            fake[np > MAX_FLAT_PARAMS ? 1 : np].type = HIVE_I32;
            fake[np > MAX_FLAT_PARAMS ? 1 : np].of.i32 = (uint32_t)fr->out_ptr;
        }
        if (lower_results(lx, NULL, fake, flat, &res, 0, msg, &fr->hints) == HIVE_HOST_OK &&
            !lifted_finish(lc, msg, sizeof msg))
            ok = 1;
    }
    hive_cval_clear(&res);
    hive_exec *caller = fr->caller_exec;
    frame_free(ci, fr);
    if (ok) hive_exec_complete(caller, flat, nflat);
    else hive_exec_complete_trap(caller, msg);
}

/* Finishes waiting calls between components, innermost first, then
 * continues the embedder's call. */
static hive_status drive(hive_cinstance *ci, uint64_t budget) {
    ci->budget = budget;
    clear_idle_interrupts(ci);
    while (ci->nframes) {
        nframe *fr = ci->frames[ci->nframes - 1];
        hive_status st = hive_exec_resume(fr->callee_exec, budget);
        if (st == HIVE_PENDING || st == HIVE_SUSPENDED) {
            /* a host function waits further in, or the budget ran out */
            ci->state = ci->pend ? CI_PENDING : CI_SUSPENDED;
            return ci->pend ? HIVE_PENDING : HIVE_SUSPENDED;
        }
        ci->nframes--;
        if (st == HIVE_DONE) {
            frame_done(ci, fr);
            continue;
        }
        char msg[200];
        const hive_trap *t = hive_exec_trap(fr->callee_exec);
        snprintf(msg, sizeof msg, "%.199s", st == HIVE_TRAPPED && t && t->message[0] ? t->message : "call failed");
        hive_exec_reset(fr->callee_exec);
        hive_exec *caller = fr->caller_exec;
        frame_free(ci, fr);
        hive_exec_complete_trap(caller, msg);
    }
    ci->state = CI_RUNNING;
    return finish_call(ci, hive_exec_resume(ci->main, budget));
}

hive_status hive_cinstance_resume(hive_cinstance *ci, uint64_t budget) {
    if (!ci) return HIVE_FAILED;
    if (ci->state == CI_TRAPPED) return HIVE_TRAPPED;
    if (ci->state != CI_SUSPENDED) return HIVE_FAILED;
    __atomic_store_n(&ci->interrupted, 0, __ATOMIC_RELAXED);
    ci->state = CI_RUNNING;
    hive_cinstance *saved = tl_root;
    tl_root = ci;
    hive_status st = drive(ci, budget);
    tl_root = saved;
    return st;
}

int hive_cinstance_complete(hive_cinstance *ci, hive_cval *results, size_t nresults) {
    if (ci && ci->state != CI_PENDING) return hv_casync_complete(ci, results, nresults, NULL); /* in a task */
    if (!ci || ci->state != CI_PENDING || !ci->pend) return HIVE_ESTATE;
    lower_ctx *lx = ci->pend;
    if (nresults != (lx->ft->a ? 1u : 0u)) return HIVE_EARG;
    hive_val flat[2];
    char msg[200];
    /* the out pointer was saved with the pending call */
    hive_val fake[MAX_FLAT_PARAMS + 2];
    memset(fake, 0, sizeof fake);
    uint32_t np = 0;
    for (uint32_t i = 0; i < lx->ft->n; i++) np += lx->ft->types[i]->nflat;
    uint32_t idx = np > MAX_FLAT_PARAMS ? 1 : np;
    if (ci->pend_out_ptr >= 0) {
        fake[idx].type = HIVE_I32;
        fake[idx].of.i32 = (uint32_t)ci->pend_out_ptr;
    }
    hive_host_status hs = lower_results(lx, NULL, fake, flat, results, 1, msg, NULL);
    if (results && nresults) hive_cval_clear(&results[0]);
    cs_release(&ci->pend_cs);
    ci->pend = NULL;
    ci->state = CI_SUSPENDED;
    if (hs != HIVE_HOST_OK) return hive_exec_complete_trap(ci->pend_exec, msg);
    uint32_t nflat = lx->ft->a && lx->ft->a->nflat <= MAX_FLAT_RESULTS ? lx->ft->a->nflat : 0;
    return hive_exec_complete(ci->pend_exec, flat, nflat);
}

int hive_cinstance_complete_trap(hive_cinstance *ci, const char *message) {
    if (ci && ci->state != CI_PENDING) return hv_casync_complete(ci, NULL, 0, message ? message : "trap");
    if (!ci || ci->state != CI_PENDING || !ci->pend) return HIVE_ESTATE;
    cs_release(&ci->pend_cs);
    ci->pend = NULL;
    ci->state = CI_SUSPENDED;
    return hive_exec_complete_trap(ci->pend_exec, message);
}

size_t hive_cinstance_results(hive_cinstance *ci, hive_cval *out, size_t max) {
    if (!ci || ci->state != CI_DONE || !ci->has_result) return 0;
    if (max >= 1 && out && !ci->result_taken) {
        hive_cval_move(&out[0], &ci->result);
        ci->result_taken = 1;
    }
    return 1;
}

int hive_cinstance_post_return(hive_cinstance *ci) {
    if (!ci) return HIVE_EARG;
    if (!ci->post_pending) return HIVE_OK;
    ci->post_pending = 0;
    char msg[200];
    hive_cinstance *saved = tl_root;
    tl_root = ci;
    int rc = lifted_finish(&ci->call, msg, sizeof msg);
    tl_root = saved;
    if (rc) {
        trapped(ci, msg);
        return HIVE_ETRAP;
    }
    hive_cval_clear(&ci->result);
    ci->state = CI_IDLE;
    return HIVE_OK;
}

const hive_trap *hive_cinstance_trap(const hive_cinstance *ci) { return ci ? &ci->trap : NULL; }

void hive_cinstance_reset(hive_cinstance *ci) {
    if (!ci) return;
    hv_cinstance_frames_free(ci);
    hive_exec_reset(ci->main);
    if (ci->pend) cs_release(&ci->pend_cs);
    ci->pend = NULL;
    cs_release(&ci->call.cs);
    hive_cval_clear(&ci->result);
    ci->post_pending = 0;
    ci->state = CI_IDLE; /* the instance stays unenterable if a call was cut short */
}

/* The call stops (SUSPENDED), a call between nested components in
 * progress too; realloc, post-return and destructors, which cannot
 * wait, trap ("interrupted"). */
void hive_cinstance_interrupt(hive_cinstance *ci) {
    if (!ci) return;
    __atomic_store_n(&ci->interrupted, 1, __ATOMIC_RELAXED);
    hive_exec_interrupt(ci->main);
    hv_casync_interrupt(ci); /* async ABI (async.c) */
    for (int i = 0; i < MAX_NESTED; i++) {
        hive_exec *e = __atomic_load_n(&ci->helpers[i], __ATOMIC_ACQUIRE);
        if (e) hive_exec_interrupt(e);
    }
}

int hive_cinstance_drop_handle(hive_cinstance *ci, uint32_t handle) {
    if (!ci) return HIVE_EARG;
    if (ci->state == CI_RUNNING || ci->state == CI_SUSPENDED || ci->state == CI_PENDING) return HIVE_ESTATE;
    if (ci->post_pending && hive_cinstance_post_return(ci) != HIVE_OK) return HIVE_ETRAP;
    handle_table *t = &ci->host_handles;
    if (handle == 0 || handle >= t->n || !t->v[handle].rt) return HIVE_EARG;
    rt_handle h = t->v[handle];
    hv_htab_remove(t, handle);
    char msg[200];
    hive_cinstance *saved = tl_root;
    tl_root = ci;
    int rc = drop_own(NULL, h.rt, h.rep, msg, sizeof msg);
    tl_root = saved;
    if (rc) {
        snprintf(ci->trap.message, sizeof ci->trap.message, "%s", msg);
        return HIVE_ETRAP;
    }
    return HIVE_OK;
}
