/*
 * exec.c -- execution contexts: starting a call (argument checks, the
 * entry frame), resuming, completing pending host calls, interrupts,
 * results and traps. The running itself is interp.c's.
 *
 * States (exec->state) and what may be done in each:
 *   IDLE       hive_exec_call; results of the last DONE call are readable
 *   RUNNING    inside hv_interp_run or a host function: only interrupt
 *   SUSPENDED  hive_exec_resume or hive_exec_reset
 *   PENDING    hive_exec_complete / _complete_trap, or hive_exec_reset
 *   TRAPPED    like IDLE, and the trap is readable
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "support/alloc.h"
#include "support/assert.h"
#include "wasm/runtime.h"

hive_exec *hive_exec_new(hive_engine *engine) {
    if (!engine) return NULL;
    const hv_alloc *a = &engine->alloc;
    hive_exec *exec = hv_calloc(a, 1, sizeof *exec);
    if (!exec) return NULL;
    exec->engine = engine;
    atomic_init(&exec->interrupt, 0);
    exec->state = WASM_EXEC_IDLE;
    pthread_mutex_lock(&engine->slots_lock);
    if (engine->nexec_keep) {
        unsigned k = --engine->nexec_keep;
        exec->stack = engine->exec_keep[k][0];
        exec->frames = engine->exec_keep[k][1];
    }
    pthread_mutex_unlock(&engine->slots_lock);
    if (!exec->stack) exec->stack = hv_malloc(a, (size_t)engine->value_stack_slots * sizeof(wasm_slot));
    if (!exec->frames) exec->frames = hv_malloc(a, (size_t)engine->max_call_depth * sizeof(wasm_frame));
    if (!exec->stack || !exec->frames) {
        hive_exec_free(exec);
        return NULL;
    }
    exec->stack_end = exec->stack + engine->value_stack_slots;
    exec->max_frames = engine->max_call_depth;
    return exec;
}

void hive_exec_free(hive_exec *exec) {
    if (!exec) return;
    hive_engine *engine = exec->engine;
    const hv_alloc *a = &engine->alloc;
    bool kept = false;
    if (exec->stack && exec->frames) {
        pthread_mutex_lock(&engine->slots_lock);
        unsigned cap = sizeof engine->exec_keep / sizeof engine->exec_keep[0];
        if (engine->nexec_keep < cap) {
            engine->exec_keep[engine->nexec_keep][0] = exec->stack;
            engine->exec_keep[engine->nexec_keep][1] = exec->frames;
            engine->nexec_keep++;
            kept = true;
        }
        pthread_mutex_unlock(&engine->slots_lock);
    }
    if (!kept) {
        hv_free(a, exec->stack);
        hv_free(a, exec->frames);
    }
    hv_free(a, exec->host_vals);
    hv_free(a, exec->trap_names);
    hv_free(a, exec);
}

void hv_exec_keep_free(hive_engine *engine) {
    for (unsigned k = 0; k < engine->nexec_keep; k++) {
        hv_free(&engine->alloc, engine->exec_keep[k][0]);
        hv_free(&engine->alloc, engine->exec_keep[k][1]);
    }
    engine->nexec_keep = 0;
}

/* The invariants of the states above, checked (support/assert.h) wherever
 * a public call leaves an exec in a new state. */
static void exec_check(const hive_exec *exec) {
    HIVE_ASSERT(exec->state >= WASM_EXEC_IDLE && exec->state <= WASM_EXEC_TRAPPED);
    HIVE_ASSERT(exec->state != WASM_EXEC_RUNNING); /* only inside hv_interp_run */
    HIVE_ASSERT(exec->nframes <= exec->max_frames);
    switch (exec->state) {
    case WASM_EXEC_IDLE:
        HIVE_ASSERT(exec->nframes == 0 && !exec->pending_host);
        HIVE_ASSERT(exec->nresults == 0 || (exec->entry && exec->nresults == exec->entry->type->nresults));
        break;
    case WASM_EXEC_TRAPPED:
        HIVE_ASSERT(exec->nframes == 0 && exec->nresults == 0 && !exec->pending_host);
        break;
    case WASM_EXEC_SUSPENDED:
    case WASM_EXEC_PENDING:
        HIVE_ASSERT(exec->entry != NULL);
        if (exec->state == WASM_EXEC_PENDING)
            HIVE_ASSERT(exec->pending_host && exec->pending_host->kind == WASM_FUNC_HOST);
        else
            HIVE_ASSERT(!exec->pending_host);
        if (!exec->pc) {
            /* a host function called directly, no wasm frame */
            HIVE_ASSERT(exec->entry->kind == WASM_FUNC_HOST && exec->nframes == 0);
        } else {
            /* wasm frames to continue, the frame inside the stack; sp is
             * kept only across a host call (the interpreter has none) */
            HIVE_ASSERT(exec->nframes >= 1 && exec->func && exec->func->kind != WASM_FUNC_HOST);
            HIVE_ASSERT(exec->stack <= exec->fp && exec->fp < exec->stack_end);
            if (exec->state == WASM_EXEC_PENDING)
                HIVE_ASSERT(exec->fp <= exec->sp && exec->sp <= exec->stack_end);
        }
        break;
    case WASM_EXEC_RUNNING: break;
    }
}

/* A call, resume or completion ending with status st: checks that st and
 * the state agree, and the state's invariants. */
static hive_status exec_leave(hive_exec *exec, hive_status st) {
    HIVE_ASSERT(st == hive_exec_status(exec));
    if (st == HIVE_DONE) {
        HIVE_ASSERT(exec->entry && exec->nresults == exec->entry->type->nresults);
        HIVE_ASSERT(exec->sp == exec->stack + exec->entry->type->result_slots);
    }
    exec_check(exec);
    return st;
}

static void exec_set_budget(hive_exec *exec, uint64_t budget) {
    exec->budget = budget;
    exec->unlimited = budget == 0;
}

/* Ends a call that trapped before or outside the interpreter. */
static hive_status exec_trapped(hive_exec *exec) {
    exec->state = WASM_EXEC_TRAPPED;
    exec->nframes = 0;
    exec->nresults = 0;
    exec->func = NULL;
    return HIVE_TRAPPED;
}

/* Calls host function func directly (no wasm frame): arguments and results
 * at the stack base. */
static hive_status exec_call_host(hive_exec *exec, hive_func *func) {
    exec->func = NULL;
    exec->nframes = 0;
    hive_host_status st = hv_interp_call_host(exec, func, NULL, exec->stack);
    switch (st) {
    case HIVE_HOST_OK:
        exec->sp = exec->stack + func->type->result_slots;
        exec->nresults = func->type->nresults;
        exec->state = WASM_EXEC_IDLE;
        return HIVE_DONE;
    case HIVE_HOST_PENDING:
        exec->pc = NULL; /* no wasm to continue: resume just finishes */
        exec->sp = exec->stack;
        exec->pending_host = func;
        exec->state = WASM_EXEC_PENDING;
        return HIVE_PENDING;
    case HIVE_HOST_TRAP: break;
    }
    exec->trap.nframes = 0;
    return exec_trapped(exec);
}

hive_status hive_exec_call(hive_exec *exec, hive_func *func, const hive_val *args, size_t nargs,
                           uint64_t budget) {
    if (!exec || !func) return HIVE_FAILED;
    if (exec->state != WASM_EXEC_IDLE && exec->state != WASM_EXEC_TRAPPED) return HIVE_FAILED;
    const wasm_functype *t = func->type;
    if (nargs != t->nparams || (nargs && !args)) return HIVE_FAILED;
    for (uint32_t i = 0; i < t->nparams; i++)
        if (args[i].type != t->params[i]) return HIVE_FAILED;
    /* The arguments and, for a host function, its results must fit. */
    uint32_t need = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
    if (need > (size_t)(exec->stack_end - exec->stack)) return HIVE_FAILED;

    exec->trap.kind = HIVE_TRAP_NONE;
    exec->trap.message[0] = '\0';
    exec->trap.nframes = 0;
    exec->nresults = 0;
    exec->entry = func;
    exec->pending_host = NULL;
    exec_set_budget(exec, budget);
    exec->state = WASM_EXEC_RUNNING;

    wasm_slot *s = exec->stack;
    for (uint32_t i = 0; i < t->nparams; i++) {
        runtime_slots_from_val(s, &args[i]);
        s += wasm_slots(t->params[i]);
    }
    if (func->kind == WASM_FUNC_HOST) return exec_leave(exec, exec_call_host(exec, func));

    /* The entry frame: ret_pc NULL tells RETURN that the call is over. */
    const wasm_code *code = func->code;
    exec->nframes = 0;
    exec->func = NULL;
    const wasm_cell *cells = hv_module_code_cells(func->inst->module, code);
    if (!cells) {
        hv_interp_set_trap(exec, HIVE_TRAP_OUT_OF_MEMORY, NULL);
        return exec_leave(exec, exec_trapped(exec));
    }
    if (exec->max_frames == 0 || code->max_slots > (size_t)(exec->stack_end - exec->stack)) {
        hv_interp_set_trap(exec, HIVE_TRAP_STACK_EXHAUSTED, NULL);
        return exec_leave(exec, exec_trapped(exec));
    }
    exec->frames[0].ret_pc = NULL;
    exec->frames[0].fp = NULL;
    exec->frames[0].func = NULL;
    exec->nframes = 1;
    exec->fp = exec->stack;
    memset(exec->fp + code->param_slots, 0,
           (size_t)(code->local_slots - code->param_slots) * sizeof(wasm_slot));
    exec->sp = exec->fp + code->local_slots;
    exec->pc = cells;
    exec->func = func;
    return exec_leave(exec, hv_interp_run(exec));
}

/* On a TRAPPED exec (e.g. after hive_exec_complete_trap) returns TRAPPED
 * again, so "complete, then resume" reads the same for both outcomes. */
hive_status hive_exec_resume(hive_exec *exec, uint64_t budget) {
    if (!exec) return HIVE_FAILED;
    if (exec->state == WASM_EXEC_TRAPPED) return HIVE_TRAPPED;
    if (exec->state != WASM_EXEC_SUSPENDED) return HIVE_FAILED;
    exec_set_budget(exec, budget);
    if (!exec->pc) {
        /* A direct host call completed: its results are at the base. */
        exec->nresults = exec->entry->type->nresults;
        exec->state = WASM_EXEC_IDLE;
        return exec_leave(exec, HIVE_DONE);
    }
    exec->state = WASM_EXEC_RUNNING;
    return exec_leave(exec, hv_interp_run(exec));
}

/* HIVE_ESTATE unless PENDING; HIVE_EARG when results do not match the host
 * function's result types (the call stays PENDING). */
int hive_exec_complete(hive_exec *exec, const hive_val *results, size_t nresults) {
    if (!exec || exec->state != WASM_EXEC_PENDING) return HIVE_ESTATE;
    const wasm_functype *t = exec->pending_host->type;
    if (nresults != t->nresults || (nresults && !results)) return HIVE_EARG;
    for (uint32_t i = 0; i < t->nresults; i++)
        if (results[i].type != t->results[i]) return HIVE_EARG;
    /* The caller's frame has room: its max_slots counts the results. */
    wasm_slot *s = exec->sp;
    for (uint32_t i = 0; i < t->nresults; i++) {
        runtime_slots_from_val(s, &results[i]);
        s += wasm_slots(t->results[i]);
    }
    exec->sp = s;
    exec->pending_host = NULL;
    exec->state = WASM_EXEC_SUSPENDED;
    exec_check(exec);
    return HIVE_OK;
}

/* The exec becomes TRAPPED at once (kind HIVE_TRAP_HOST, the backtrace of
 * the wasm frames that made the call); a later resume returns TRAPPED. */
int hive_exec_complete_trap(hive_exec *exec, const char *message) {
    if (!exec || exec->state != WASM_EXEC_PENDING) return HIVE_ESTATE;
    exec->pending_host = NULL;
    hv_interp_set_trap(exec, HIVE_TRAP_HOST, message);
    exec_trapped(exec);
    exec_check(exec);
    return HIVE_OK;
}

/* Also clears an interrupt not yet honoured: the next call starts clean.
 * Not valid while RUNNING (ignored). */
void hive_exec_reset(hive_exec *exec) {
    if (!exec || exec->state == WASM_EXEC_RUNNING) return;
    exec->state = WASM_EXEC_IDLE;
    exec->nframes = 0;
    exec->nresults = 0;
    exec->func = NULL;
    exec->pc = NULL;
    exec->pending_host = NULL;
    atomic_store(&exec->interrupt, 0);
    exec_check(exec);
}

/* A lock-free atomic store: safe from other threads and signal handlers.
 * It stays set until a check honours it (an idle exec keeps it for its
 * next call), so an interrupt sent just before a call starts is not lost. */
uint64_t hive_exec_budget_left(const hive_exec *exec) {
    if (!exec) return 0;
    return exec->unlimited ? UINT64_MAX : exec->budget;
}

void hive_exec_interrupt(hive_exec *exec) {
    if (exec) atomic_store(&exec->interrupt, 1);
}

size_t hive_exec_results(const hive_exec *exec, hive_val *out, size_t max) {
    if (!exec || exec->state != WASM_EXEC_IDLE || !exec->entry) return 0;
    const wasm_functype *t = exec->entry->type;
    size_t n = exec->nresults;
    const wasm_slot *s = exec->stack;
    for (size_t i = 0; i < n && i < max && out; i++) {
        runtime_val_from_slots(&out[i], t->results[i], s);
        s += wasm_slots(t->results[i]);
    }
    return n;
}

const hive_trap *hive_exec_trap(const hive_exec *exec) { return exec ? &exec->trap : NULL; }

hive_status hive_exec_status(const hive_exec *exec) {
    if (!exec) return HIVE_FAILED;
    switch (exec->state) {
    case WASM_EXEC_IDLE: return HIVE_DONE;
    case WASM_EXEC_RUNNING: return HIVE_SUSPENDED; /* neither idle nor finished */
    case WASM_EXEC_SUSPENDED: return HIVE_SUSPENDED;
    case WASM_EXEC_PENDING: return HIVE_PENDING;
    case WASM_EXEC_TRAPPED: return HIVE_TRAPPED;
    }
    return HIVE_FAILED;
}

static void host_trap_set(hive_host_call *call, hive_trap_kind kind, const char *message) {
    if (!call || !call->exec) return;
    hive_trap *t = &call->exec->trap;
    t->kind = kind;
    if (!message) message = "host function trapped";
    size_t n = strlen(message);
    if (n >= sizeof t->message) n = sizeof t->message - 1;
    memcpy(t->message, message, n);
    t->message[n] = '\0';
}

void hive_host_trap(hive_host_call *call, const char *message) {
    host_trap_set(call, HIVE_TRAP_HOST, message);
}

void hive_host_exit(hive_host_call *call, int code) {
    host_trap_set(call, HIVE_TRAP_EXIT, "exit");
    if (call && call->exec) call->exec->trap.exit_code = code;
}
