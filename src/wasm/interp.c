/*
 * interp.c -- the interpreter: one dispatch loop over the compiled cells
 * of opcodes.h: register-style code over 8-byte frame slots.
 *
 * All wasm state lives in the exec (value stack, frame stack, saved pc),
 * never on the C stack: a wasm call pushes a wasm_frame and continues in
 * the same loop, so the loop can stop at any LOOP_CHECK or call (budget
 * spent, interrupt) or at a host call that says PENDING, and be resumed
 * later on any thread from what it saved.
 *
 * Dispatch: with GNU C (gcc, clang) each instruction's first cell holds
 * the address of its handler's label ("threaded code") and the handlers
 * jump to each other directly; elsewhere, or with HIVE_NO_COMPUTED_GOTO,
 * the same loop is a switch over the op number. The vmdispatch / vmcase /
 * vmbreak macros (as in Lua's lvm.c) let one loop serve both.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "support/alloc.h"
#include "wasm/numeric.h"
#include "wasm/opcodes.h"
#include "wasm/runtime.h"
#include "wasm/simd.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "interp.c loads and stores memory with memcpy: little-endian hosts only"
#endif

#if defined(__GNUC__) && !defined(HIVE_NO_COMPUTED_GOTO) && !defined(HIVE_PROFILE_RUNS)
#define INTERP_THREADED 1
#else
#define INTERP_THREADED 0
#endif

/* The slot named by the instruction's immediate cell k (opcodes.h: [d],
 * [a], [b]...): an offset from the frame base. */
#define SLOT(k) (fp[pc[k].u32])

#if INTERP_THREADED
/* A first cell's label may be re-pointed at its inline copy while other
 * threads run the function (module.c, hv_module_sample): an aligned
 * 8-byte store and load, which x86-64 never tears, as the copies'
 * own `jmp *(%rbx)` rely on. Under ThreadSanitizer the load is a relaxed
 * atomic one, so that it checks the rest. */
#if defined(__SANITIZE_THREAD__)
#define INTERP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INTERP_TSAN 1
#endif
#endif
#ifdef INTERP_TSAN
#define LABEL_OF(pc) __atomic_load_n(&(pc)->label, __ATOMIC_RELAXED)
#else
#define LABEL_OF(pc) ((pc)->label)
#endif
#define vmdispatch(pc) goto *(void *)LABEL_OF(pc);
#define vmcase(op) L_##op:
#define vmbreak goto *(void *)LABEL_OF(pc)
#else
#define vmdispatch(pc) PROFILE_HIT(pc) switch ((wasm_op)(pc)->u64)
/* each case is also a label, for the pairs' jumps */
#if defined(__GNUC__)
#define vmcase(op) case OP_##op: L_##op: __attribute__((unused));
#else
#define vmcase(op) case OP_##op: L_##op:;
#endif
#define vmbreak break
#endif

/* The loop function must exist exactly once: label addresses are only
 * meaningful inside the copy of the function that took them, and
 * hv_interp_labels() hands them to the compiler. */
#if defined(__clang__)
#define INTERP_NOCLONE __attribute__((noinline))
#elif defined(__GNUC__)
#define INTERP_NOCLONE __attribute__((noinline, noclone))
#else
#define INTERP_NOCLONE
#endif
/* The loop starts on a cache line, so that where its handlers fall
 * against cache lines does not move with the code before it. */
#if defined(__GNUC__)
#define INTERP_ALIGN __attribute__((aligned(64)))
#else
#define INTERP_ALIGN
#endif

#ifdef HIVE_PROFILE_RUNS
/* The run-selection profile (validate.c profile_static): how often each
 * instruction was dispatched, as "d CELL COUNT" lines appended to
 * $HIVE_PROFILE_RUNS at exit. Needs the switch build (the count is taken
 * in vmdispatch) and a single-threaded run. */
#include <stdlib.h>
#define PROFILE_SLOTS (1u << 22)
static const void *profile_key[PROFILE_SLOTS];
static unsigned long long profile_count[PROFILE_SLOTS];
static void profile_dump(void) {
    const char *path = getenv("HIVE_PROFILE_RUNS");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f) return;
    for (uint32_t i = 0; i < PROFILE_SLOTS; i++)
        if (profile_key[i]) fprintf(f, "d %p %llu\n", profile_key[i], profile_count[i]);
    fclose(f);
}
static void profile_hit(const void *pc) {
    static int registered;
    if (!registered) registered = atexit(profile_dump) == 0;
    uint32_t h = (uint32_t)(((uintptr_t)pc >> 3) * 2654435761u) & (PROFILE_SLOTS - 1);
    while (profile_key[h] && profile_key[h] != pc) h = (h + 1) & (PROFILE_SLOTS - 1);
    profile_key[h] = pc;
    profile_count[h]++;
}
#define PROFILE_HIT(pc) profile_hit(pc);
#else
#define PROFILE_HIT(pc)
#endif

/* ---- traps and backtraces ------------------------------------------------- */

static const char *trap_message(hive_trap_kind kind) {
    switch (kind) {
    case HIVE_TRAP_NONE: return "";
    case HIVE_TRAP_UNREACHABLE: return "unreachable";
    case HIVE_TRAP_INT_DIV_ZERO: return "integer divide by zero";
    case HIVE_TRAP_INT_OVERFLOW: return "integer overflow";
    case HIVE_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case HIVE_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case HIVE_TRAP_TABLE_OOB: return "out of bounds table access";
    case HIVE_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
    case HIVE_TRAP_UNINITIALIZED_ELEM: return "uninitialized element";
    case HIVE_TRAP_UNDEFINED_ELEM: return "undefined element";
    case HIVE_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case HIVE_TRAP_HOST: return "host function trapped";
    case HIVE_TRAP_EXIT: return "exit";
    case HIVE_TRAP_OUT_OF_MEMORY: return "out of memory";
    case HIVE_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    }
    return "trap";
}

/* A function's index in its module and its name: the name section's, else
 * the first export's, else none (len 0, ptr NULL). */
static uint32_t func_name(const hive_func *f, wasm_name *name) {
    name->ptr = NULL;
    name->len = 0;
    if (f->kind == WASM_FUNC_HOST) {
        if (f->name) {
            name->ptr = f->name;
            name->len = (uint32_t)strlen(f->name);
        }
        return UINT32_MAX;
    }
    const wasm_module *m = f->inst->m;
    uint32_t idx = m->nimported_funcs + (uint32_t)(f->code - m->codes);
    if (m->func_names && m->func_names[idx].ptr) {
        *name = m->func_names[idx];
        return idx;
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        if (m->exports[i].kind == HIVE_EXTERN_FUNC && m->exports[i].index == idx) {
            *name = m->exports[i].name;
            break;
        }
    }
    return idx;
}

/* Fills trap.frames from the saved state: the function running (exec->func)
 * and then each frame's caller, innermost first. Names are copied, NUL-
 * terminated, into exec->trap_names (traps are rare: allocating is fine);
 * without memory for them the names are NULL. */
static void capture_backtrace(hive_exec *exec) {
    hive_trap *t = &exec->trap;
    hive_func *funcs[HIVE_TRAP_MAX_FRAMES];
    wasm_name names[HIVE_TRAP_MAX_FRAMES];
    uint32_t n = 0;
    if (exec->func) funcs[n++] = exec->func;
    for (uint32_t k = exec->nframes; k-- > 0 && n < HIVE_TRAP_MAX_FRAMES;)
        if (exec->frames[k].func) funcs[n++] = exec->frames[k].func;
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        t->frames[i].func_index = func_name(funcs[i], &names[i]);
        total += names[i].len + 1;
    }
    t->nframes = n;
    bool have_room = hv_grow(&exec->engine->alloc, (void **)&exec->trap_names,
                             &exec->trap_names_cap, total, 1) == 0;
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        t->frames[i].func_name = NULL;
        if (!have_room || !names[i].ptr) continue;
        memcpy(exec->trap_names + at, names[i].ptr, names[i].len);
        exec->trap_names[at + names[i].len] = '\0';
        t->frames[i].func_name = exec->trap_names + at;
        at += names[i].len + 1;
    }
}

/* message NULL: the spec's wording for kind. */
void hv_interp_set_trap(hive_exec *exec, hive_trap_kind kind, const char *message) {
    hive_trap *t = &exec->trap;
    t->kind = kind;
    t->exit_code = 0;
    if (!message) message = trap_message(kind);
    size_t n = strlen(message);
    if (n >= sizeof t->message) n = sizeof t->message - 1;
    memmove(t->message, message, n);
    t->message[n] = '\0';
    capture_backtrace(exec);
}

/* ---- host calls ----------------------------------------------------------- */

/* Calls host function f with its arguments in the slots at args and, on
 * HIVE_HOST_OK, leaves its results in the slots at args. caller is the
 * calling instance (NULL for a call from the embedder). On HIVE_HOST_TRAP
 * exec->trap has kind and message (a default if the host set none); the
 * backtrace is the caller's to capture. */
hive_host_status hv_interp_call_host(hive_exec *exec, hive_func *f, hive_instance *caller,
                                  wasm_slot *args) {
    const wasm_functype *t = f->type;
    uint32_t need = t->nparams + t->nresults;
    if (need > exec->host_vals_cap) {
        size_t cap = exec->host_vals_cap;
        if (hv_grow(&exec->engine->alloc, (void **)&exec->host_vals, &cap, need,
                    sizeof(hive_val))) {
            exec->trap.kind = HIVE_TRAP_HOST;
            strcpy(exec->trap.message, "out of memory for a host call");
            return HIVE_HOST_TRAP;
        }
        exec->host_vals_cap = (uint32_t)cap;
    }
    /* With no params and no results the buffer may still be NULL (and
     * NULL + 0 is undefined in C). */
    hive_val *av = exec->host_vals, *rv = av ? av + t->nparams : NULL;
    const wasm_slot *s = args;
    for (uint32_t i = 0; i < t->nparams; i++) {
        runtime_val_from_slots(&av[i], t->params[i], s);
        s += wasm_slots(t->params[i]);
    }
    for (uint32_t i = 0; i < t->nresults; i++) {
        memset(&rv[i], 0, sizeof rv[i]);
        rv[i].type = t->results[i]; /* tells the host what to fill in */
    }
    hive_host_call call = {exec, caller, f->user};
    exec->trap.kind = HIVE_TRAP_NONE;
    hive_host_status st = f->host(&call, av, rv);
    switch (st) {
    case HIVE_HOST_OK: {
        wasm_slot *d = args;
        for (uint32_t i = 0; i < t->nresults; i++) {
            rv[i].type = t->results[i]; /* the declared type wins */
            runtime_slots_from_val(d, &rv[i]);
            d += wasm_slots(t->results[i]);
        }
        return HIVE_HOST_OK;
    }
    case HIVE_HOST_PENDING: return HIVE_HOST_PENDING;
    case HIVE_HOST_TRAP: break;
    }
    /* HIVE_HOST_TRAP, or a value that is no hive_host_status. */
    if (exec->trap.kind == HIVE_TRAP_NONE) {
        exec->trap.kind = HIVE_TRAP_HOST;
        strcpy(exec->trap.message, trap_message(HIVE_TRAP_HOST));
    }
    return HIVE_HOST_TRAP;
}

/* ---- the loop ------------------------------------------------------------- */

/* The current instance's memory 0 as base and size, kept in the loop's
 * locals. Re-read after anything that may change it: memory.grow, a host
 * call, and a call or return that switches instance (the other instance
 * may share the memory and have grown it). */
static inline void memory_cache(const hive_instance *inst, uint8_t **base, uint64_t *size) {
    if (inst->memory) {
        *base = inst->memory->base;
        *size = inst->memory->size;
    } else {
        *base = NULL;
        *size = 0;
    }
}

/* Copies n slots down from src to dst (dst <= src: results and branch
 * values only ever move towards the frame base, so a forward copy is
 * safe even when the ranges overlap). */
static inline void move_slots(wasm_slot *dst, const wasm_slot *src, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) dst[i] = src[i];
}

/* Zeroes the n slots at z: a callee's declared locals. Most functions
 * have none to a few: up to four are stored one by one without a loop,
 * up to sixteen in a plain loop (the empty asm keeps gcc from turning it
 * into a call to memset), more with memset. */
static inline void zero_slots(wasm_slot *z, uint32_t n) {
    if (n <= 4) {
        if (n >= 1) z[0].i64 = 0;
        if (n >= 2) z[1].i64 = 0;
        if (n >= 3) z[2].i64 = 0;
        if (n >= 4) z[3].i64 = 0;
        return;
    }
    if (n > 16) {
        memset(z, 0, (size_t)n * sizeof(wasm_slot));
        return;
    }
    for (wasm_slot *end = z + n; z < end; z++) {
        z->i64 = 0;
#if defined(__GNUC__)
        __asm__("" : "+r"(z));
#endif
    }
}

/* ---- SIMD handlers (opcodes.h: OP_SIMD_<fn>), one line per instruction
 * below, each a call of simd.h's simd_<fn> on slot pairs. v128 values move
 * in and out of frames by memcpy (simd_v128_load/store), never through a
 * wasm_v128 pointer into the frame. ---- */
#define V128_IN(k) simd_v128_load(&SLOT(k))
#define V128_OUT(k, x) simd_v128_store(&SLOT(k), (x))
/* Effective address of a [.., a, offset] access of n bytes at cells k, k+1;
 * traps like the scalar loads and stores. */
#define SIMD_EA(ea, k, n)                                   \
    uint64_t ea = (uint64_t)SLOT(k).i32 + pc[(k) + 1].u32; \
    if (ea + (n) > mem_size) goto trap_memory
/* Every SIMD instruction but v128.const and i8x16.shuffle, by handler shape
 * (the SIMD_* macros below), in opcode order. */
#define INTERP_SIMD_LIST \
    SIMD_LOAD(v128_load, 16) \
    SIMD_LOAD(v128_load8x8_s, 8) \
    SIMD_LOAD(v128_load8x8_u, 8) \
    SIMD_LOAD(v128_load16x4_s, 8) \
    SIMD_LOAD(v128_load16x4_u, 8) \
    SIMD_LOAD(v128_load32x2_s, 8) \
    SIMD_LOAD(v128_load32x2_u, 8) \
    SIMD_LOAD(v128_load8_splat, 1) \
    SIMD_LOAD(v128_load16_splat, 2) \
    SIMD_LOAD(v128_load32_splat, 4) \
    SIMD_LOAD(v128_load64_splat, 8) \
    SIMD_STORE(v128_store, 16) \
    SIMD_VV_V(i8x16_swizzle) \
    SIMD_SPLAT_I32(i8x16_splat) \
    SIMD_SPLAT_I32(i16x8_splat) \
    SIMD_SPLAT_I32(i32x4_splat) \
    SIMD_SPLAT_I64(i64x2_splat) \
    SIMD_SPLAT_F32(f32x4_splat) \
    SIMD_SPLAT_F64(f64x2_splat) \
    SIMD_EXTRACT_I32(i8x16_extract_lane_s) \
    SIMD_EXTRACT_I32(i8x16_extract_lane_u) \
    SIMD_REPLACE_I32(i8x16_replace_lane) \
    SIMD_EXTRACT_I32(i16x8_extract_lane_s) \
    SIMD_EXTRACT_I32(i16x8_extract_lane_u) \
    SIMD_REPLACE_I32(i16x8_replace_lane) \
    SIMD_EXTRACT_I32(i32x4_extract_lane) \
    SIMD_REPLACE_I32(i32x4_replace_lane) \
    SIMD_EXTRACT_I64(i64x2_extract_lane) \
    SIMD_REPLACE_I64(i64x2_replace_lane) \
    SIMD_EXTRACT_F32(f32x4_extract_lane) \
    SIMD_REPLACE_F32(f32x4_replace_lane) \
    SIMD_EXTRACT_F64(f64x2_extract_lane) \
    SIMD_REPLACE_F64(f64x2_replace_lane) \
    SIMD_VV_V(i8x16_eq) \
    SIMD_VV_V(i8x16_ne) \
    SIMD_VV_V(i8x16_lt_s) \
    SIMD_VV_V(i8x16_lt_u) \
    SIMD_VV_V(i8x16_gt_s) \
    SIMD_VV_V(i8x16_gt_u) \
    SIMD_VV_V(i8x16_le_s) \
    SIMD_VV_V(i8x16_le_u) \
    SIMD_VV_V(i8x16_ge_s) \
    SIMD_VV_V(i8x16_ge_u) \
    SIMD_VV_V(i16x8_eq) \
    SIMD_VV_V(i16x8_ne) \
    SIMD_VV_V(i16x8_lt_s) \
    SIMD_VV_V(i16x8_lt_u) \
    SIMD_VV_V(i16x8_gt_s) \
    SIMD_VV_V(i16x8_gt_u) \
    SIMD_VV_V(i16x8_le_s) \
    SIMD_VV_V(i16x8_le_u) \
    SIMD_VV_V(i16x8_ge_s) \
    SIMD_VV_V(i16x8_ge_u) \
    SIMD_VV_V(i32x4_eq) \
    SIMD_VV_V(i32x4_ne) \
    SIMD_VV_V(i32x4_lt_s) \
    SIMD_VV_V(i32x4_lt_u) \
    SIMD_VV_V(i32x4_gt_s) \
    SIMD_VV_V(i32x4_gt_u) \
    SIMD_VV_V(i32x4_le_s) \
    SIMD_VV_V(i32x4_le_u) \
    SIMD_VV_V(i32x4_ge_s) \
    SIMD_VV_V(i32x4_ge_u) \
    SIMD_VV_V(f32x4_eq) \
    SIMD_VV_V(f32x4_ne) \
    SIMD_VV_V(f32x4_lt) \
    SIMD_VV_V(f32x4_gt) \
    SIMD_VV_V(f32x4_le) \
    SIMD_VV_V(f32x4_ge) \
    SIMD_VV_V(f64x2_eq) \
    SIMD_VV_V(f64x2_ne) \
    SIMD_VV_V(f64x2_lt) \
    SIMD_VV_V(f64x2_gt) \
    SIMD_VV_V(f64x2_le) \
    SIMD_VV_V(f64x2_ge) \
    SIMD_V_V(v128_not) \
    SIMD_VV_V(v128_and) \
    SIMD_VV_V(v128_andnot) \
    SIMD_VV_V(v128_or) \
    SIMD_VV_V(v128_xor) \
    SIMD_VVV_V(v128_bitselect) \
    SIMD_V_I32(v128_any_true) \
    SIMD_LOAD_LANE(v128_load8_lane, 1) \
    SIMD_LOAD_LANE(v128_load16_lane, 2) \
    SIMD_LOAD_LANE(v128_load32_lane, 4) \
    SIMD_LOAD_LANE(v128_load64_lane, 8) \
    SIMD_STORE_LANE(v128_store8_lane, 1) \
    SIMD_STORE_LANE(v128_store16_lane, 2) \
    SIMD_STORE_LANE(v128_store32_lane, 4) \
    SIMD_STORE_LANE(v128_store64_lane, 8) \
    SIMD_LOAD(v128_load32_zero, 4) \
    SIMD_LOAD(v128_load64_zero, 8) \
    SIMD_V_V(f32x4_demote_f64x2_zero) \
    SIMD_V_V(f64x2_promote_low_f32x4) \
    SIMD_V_V(i8x16_abs) \
    SIMD_V_V(i8x16_neg) \
    SIMD_V_V(i8x16_popcnt) \
    SIMD_V_I32(i8x16_all_true) \
    SIMD_V_I32(i8x16_bitmask) \
    SIMD_VV_V(i8x16_narrow_i16x8_s) \
    SIMD_VV_V(i8x16_narrow_i16x8_u) \
    SIMD_V_V(f32x4_ceil) \
    SIMD_V_V(f32x4_floor) \
    SIMD_V_V(f32x4_trunc) \
    SIMD_V_V(f32x4_nearest) \
    SIMD_SHIFT(i8x16_shl) \
    SIMD_SHIFT(i8x16_shr_s) \
    SIMD_SHIFT(i8x16_shr_u) \
    SIMD_VV_V(i8x16_add) \
    SIMD_VV_V(i8x16_add_sat_s) \
    SIMD_VV_V(i8x16_add_sat_u) \
    SIMD_VV_V(i8x16_sub) \
    SIMD_VV_V(i8x16_sub_sat_s) \
    SIMD_VV_V(i8x16_sub_sat_u) \
    SIMD_V_V(f64x2_ceil) \
    SIMD_V_V(f64x2_floor) \
    SIMD_VV_V(i8x16_min_s) \
    SIMD_VV_V(i8x16_min_u) \
    SIMD_VV_V(i8x16_max_s) \
    SIMD_VV_V(i8x16_max_u) \
    SIMD_V_V(f64x2_trunc) \
    SIMD_VV_V(i8x16_avgr_u) \
    SIMD_V_V(i16x8_extadd_pairwise_i8x16_s) \
    SIMD_V_V(i16x8_extadd_pairwise_i8x16_u) \
    SIMD_V_V(i32x4_extadd_pairwise_i16x8_s) \
    SIMD_V_V(i32x4_extadd_pairwise_i16x8_u) \
    SIMD_V_V(i16x8_abs) \
    SIMD_V_V(i16x8_neg) \
    SIMD_VV_V(i16x8_q15mulr_sat_s) \
    SIMD_V_I32(i16x8_all_true) \
    SIMD_V_I32(i16x8_bitmask) \
    SIMD_VV_V(i16x8_narrow_i32x4_s) \
    SIMD_VV_V(i16x8_narrow_i32x4_u) \
    SIMD_V_V(i16x8_extend_low_i8x16_s) \
    SIMD_V_V(i16x8_extend_high_i8x16_s) \
    SIMD_V_V(i16x8_extend_low_i8x16_u) \
    SIMD_V_V(i16x8_extend_high_i8x16_u) \
    SIMD_SHIFT(i16x8_shl) \
    SIMD_SHIFT(i16x8_shr_s) \
    SIMD_SHIFT(i16x8_shr_u) \
    SIMD_VV_V(i16x8_add) \
    SIMD_VV_V(i16x8_add_sat_s) \
    SIMD_VV_V(i16x8_add_sat_u) \
    SIMD_VV_V(i16x8_sub) \
    SIMD_VV_V(i16x8_sub_sat_s) \
    SIMD_VV_V(i16x8_sub_sat_u) \
    SIMD_V_V(f64x2_nearest) \
    SIMD_VV_V(i16x8_mul) \
    SIMD_VV_V(i16x8_min_s) \
    SIMD_VV_V(i16x8_min_u) \
    SIMD_VV_V(i16x8_max_s) \
    SIMD_VV_V(i16x8_max_u) \
    SIMD_VV_V(i16x8_avgr_u) \
    SIMD_VV_V(i16x8_extmul_low_i8x16_s) \
    SIMD_VV_V(i16x8_extmul_high_i8x16_s) \
    SIMD_VV_V(i16x8_extmul_low_i8x16_u) \
    SIMD_VV_V(i16x8_extmul_high_i8x16_u) \
    SIMD_V_V(i32x4_abs) \
    SIMD_V_V(i32x4_neg) \
    SIMD_V_I32(i32x4_all_true) \
    SIMD_V_I32(i32x4_bitmask) \
    SIMD_V_V(i32x4_extend_low_i16x8_s) \
    SIMD_V_V(i32x4_extend_high_i16x8_s) \
    SIMD_V_V(i32x4_extend_low_i16x8_u) \
    SIMD_V_V(i32x4_extend_high_i16x8_u) \
    SIMD_SHIFT(i32x4_shl) \
    SIMD_SHIFT(i32x4_shr_s) \
    SIMD_SHIFT(i32x4_shr_u) \
    SIMD_VV_V(i32x4_add) \
    SIMD_VV_V(i32x4_sub) \
    SIMD_VV_V(i32x4_mul) \
    SIMD_VV_V(i32x4_min_s) \
    SIMD_VV_V(i32x4_min_u) \
    SIMD_VV_V(i32x4_max_s) \
    SIMD_VV_V(i32x4_max_u) \
    SIMD_VV_V(i32x4_dot_i16x8_s) \
    SIMD_VV_V(i32x4_extmul_low_i16x8_s) \
    SIMD_VV_V(i32x4_extmul_high_i16x8_s) \
    SIMD_VV_V(i32x4_extmul_low_i16x8_u) \
    SIMD_VV_V(i32x4_extmul_high_i16x8_u) \
    SIMD_V_V(i64x2_abs) \
    SIMD_V_V(i64x2_neg) \
    SIMD_V_I32(i64x2_all_true) \
    SIMD_V_I32(i64x2_bitmask) \
    SIMD_V_V(i64x2_extend_low_i32x4_s) \
    SIMD_V_V(i64x2_extend_high_i32x4_s) \
    SIMD_V_V(i64x2_extend_low_i32x4_u) \
    SIMD_V_V(i64x2_extend_high_i32x4_u) \
    SIMD_SHIFT(i64x2_shl) \
    SIMD_SHIFT(i64x2_shr_s) \
    SIMD_SHIFT(i64x2_shr_u) \
    SIMD_VV_V(i64x2_add) \
    SIMD_VV_V(i64x2_sub) \
    SIMD_VV_V(i64x2_mul) \
    SIMD_VV_V(i64x2_eq) \
    SIMD_VV_V(i64x2_ne) \
    SIMD_VV_V(i64x2_lt_s) \
    SIMD_VV_V(i64x2_gt_s) \
    SIMD_VV_V(i64x2_le_s) \
    SIMD_VV_V(i64x2_ge_s) \
    SIMD_VV_V(i64x2_extmul_low_i32x4_s) \
    SIMD_VV_V(i64x2_extmul_high_i32x4_s) \
    SIMD_VV_V(i64x2_extmul_low_i32x4_u) \
    SIMD_VV_V(i64x2_extmul_high_i32x4_u) \
    SIMD_V_V(f32x4_abs) \
    SIMD_V_V(f32x4_neg) \
    SIMD_V_V(f32x4_sqrt) \
    SIMD_VV_V(f32x4_add) \
    SIMD_VV_V(f32x4_sub) \
    SIMD_VV_V(f32x4_mul) \
    SIMD_VV_V(f32x4_div) \
    SIMD_VV_V(f32x4_min) \
    SIMD_VV_V(f32x4_max) \
    SIMD_VV_V(f32x4_pmin) \
    SIMD_VV_V(f32x4_pmax) \
    SIMD_V_V(f64x2_abs) \
    SIMD_V_V(f64x2_neg) \
    SIMD_V_V(f64x2_sqrt) \
    SIMD_VV_V(f64x2_add) \
    SIMD_VV_V(f64x2_sub) \
    SIMD_VV_V(f64x2_mul) \
    SIMD_VV_V(f64x2_div) \
    SIMD_VV_V(f64x2_min) \
    SIMD_VV_V(f64x2_max) \
    SIMD_VV_V(f64x2_pmin) \
    SIMD_VV_V(f64x2_pmax) \
    SIMD_V_V(i32x4_trunc_sat_f32x4_s) \
    SIMD_V_V(i32x4_trunc_sat_f32x4_u) \
    SIMD_V_V(f32x4_convert_i32x4_s) \
    SIMD_V_V(f32x4_convert_i32x4_u) \
    SIMD_V_V(i32x4_trunc_sat_f64x2_s_zero) \
    SIMD_V_V(i32x4_trunc_sat_f64x2_u_zero) \
    SIMD_V_V(f64x2_convert_low_i32x4_s) \
    SIMD_V_V(f64x2_convert_low_i32x4_u)

/* The computation of the non-memory handlers lives in small functions
 * (simd_do_<fn>), which an optimising build inlines into the loop (each is
 * called once); sanitizer builds keep them out of line, or instrumenting
 * one function with 236 inlined vector loops takes the compiler minutes. */
#if defined(__SANITIZE_ADDRESS__)
#define SIMD_DO_ATTR static __attribute__((noinline))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SIMD_DO_ATTR static __attribute__((noinline))
#endif
#endif
#ifndef SIMD_DO_ATTR
#define SIMD_DO_ATTR static inline
#endif

#define SIMD_DO_(fn) SIMD_DO_ATTR void simd_do_##fn(wasm_slot *fp, const wasm_cell *pc)
#define SIMD_V_V(fn) SIMD_DO_(fn) { V128_OUT(1, simd_##fn(V128_IN(2))); }
#define SIMD_VV_V(fn) SIMD_DO_(fn) { V128_OUT(1, simd_##fn(V128_IN(2), V128_IN(3))); }
#define SIMD_VVV_V(fn) SIMD_DO_(fn) { V128_OUT(1, simd_##fn(V128_IN(2), V128_IN(3), V128_IN(4))); }
#define SIMD_V_I32(fn) SIMD_DO_(fn) { SLOT(1).i64 = (uint32_t)simd_##fn(V128_IN(2)); }
#define SIMD_SHIFT(fn) SIMD_DO_(fn) { V128_OUT(1, simd_##fn(V128_IN(2), SLOT(3).i32)); }
#define SIMD_EXTRACT_I32(fn) SIMD_DO_(fn) { SLOT(1).i64 = (uint32_t)simd_##fn(V128_IN(2), pc[3].u32); }
#define SIMD_EXTRACT_I64(fn) SIMD_DO_(fn) { SLOT(1).i64 = simd_##fn(V128_IN(2), pc[3].u32); }
#define SIMD_EXTRACT_F32(fn)                          \
    SIMD_DO_(fn) {                                    \
        float x_ = simd_##fn(V128_IN(2), pc[3].u32); \
        uint32_t bits_;                               \
        memcpy(&bits_, &x_, 4);                       \
        SLOT(1).i64 = bits_;                          \
    }
#define SIMD_EXTRACT_F64(fn) SIMD_DO_(fn) { SLOT(1).f64 = simd_##fn(V128_IN(2), pc[3].u32); }
#define SIMD_REPLACE_(fn, field) \
    SIMD_DO_(fn) { V128_OUT(1, simd_##fn(V128_IN(2), pc[4].u32, SLOT(3).field)); }
#define SIMD_REPLACE_I32(fn) SIMD_REPLACE_(fn, i32)
#define SIMD_REPLACE_I64(fn) SIMD_REPLACE_(fn, i64)
#define SIMD_REPLACE_F32(fn) SIMD_REPLACE_(fn, f32)
#define SIMD_REPLACE_F64(fn) SIMD_REPLACE_(fn, f64)
#define SIMD_SPLAT_(fn, field) SIMD_DO_(fn) { V128_OUT(1, simd_##fn(SLOT(2).field)); }
#define SIMD_SPLAT_I32(fn) SIMD_SPLAT_(fn, i32)
#define SIMD_SPLAT_I64(fn) SIMD_SPLAT_(fn, i64)
#define SIMD_SPLAT_F32(fn) SIMD_SPLAT_(fn, f32)
#define SIMD_SPLAT_F64(fn) SIMD_SPLAT_(fn, f64)
#define SIMD_LOAD(fn, n)
#define SIMD_LOAD_LANE(fn, n)
#define SIMD_STORE(fn, n)
#define SIMD_STORE_LANE(fn, n)
INTERP_SIMD_LIST
#undef SIMD_V_V
#undef SIMD_VV_V
#undef SIMD_VVV_V
#undef SIMD_V_I32
#undef SIMD_SHIFT
#undef SIMD_EXTRACT_I32
#undef SIMD_EXTRACT_I64
#undef SIMD_EXTRACT_F32
#undef SIMD_EXTRACT_F64
#undef SIMD_REPLACE_
#undef SIMD_SPLAT_
#undef SIMD_LOAD
#undef SIMD_LOAD_LANE
#undef SIMD_STORE
#undef SIMD_STORE_LANE

/* The handlers in interp_loop: operand cells after the op (opcodes.h). */
#define SIMD_CALL_(fn, len) vmcase(SIMD_##fn) { simd_do_##fn(fp, pc); pc += (len); vmbreak; }
#define SIMD_V_V(fn) SIMD_CALL_(fn, 3)
#define SIMD_VV_V(fn) SIMD_CALL_(fn, 4)
#define SIMD_VVV_V(fn) SIMD_CALL_(fn, 5)
#define SIMD_V_I32(fn) SIMD_CALL_(fn, 3)
#define SIMD_SHIFT(fn) SIMD_CALL_(fn, 4)
#define SIMD_EXTRACT_I32(fn) SIMD_CALL_(fn, 4)
#define SIMD_EXTRACT_I64(fn) SIMD_CALL_(fn, 4)
#define SIMD_EXTRACT_F32(fn) SIMD_CALL_(fn, 4)
#define SIMD_EXTRACT_F64(fn) SIMD_CALL_(fn, 4)
#define SIMD_REPLACE_(fn, field) SIMD_CALL_(fn, 5)
#define SIMD_SPLAT_(fn, field) SIMD_CALL_(fn, 3)
#define SIMD_LOAD(fn, n)                          \
    vmcase(SIMD_##fn) {                           \
        SIMD_EA(ea, 2, n);                        \
        V128_OUT(1, simd_##fn(mem + ea));         \
        pc += 4;                                  \
        vmbreak;                                  \
    }
#define SIMD_LOAD_LANE(fn, n)                                     \
    vmcase(SIMD_##fn) {                                           \
        SIMD_EA(ea, 2, n);                                        \
        V128_OUT(1, simd_##fn(V128_IN(4), mem + ea, pc[5].u32)); \
        pc += 6;                                                  \
        vmbreak;                                                  \
    }
#define SIMD_STORE(fn, n)                        \
    vmcase(SIMD_##fn) {                          \
        SIMD_EA(ea, 1, n);                       \
        simd_##fn(mem + ea, V128_IN(3));         \
        pc += 4;                                 \
        vmbreak;                                 \
    }
#define SIMD_STORE_LANE(fn, n)                              \
    vmcase(SIMD_##fn) {                                     \
        SIMD_EA(ea, 1, n);                                  \
        simd_##fn(mem + ea, V128_IN(3), pc[4].u32);         \
        pc += 5;                                            \
        vmbreak;                                            \
    }

/* ---- the operations defined in ops.def, and what is derived from each
 * row (see its header): the length, the handler, the step in a fused run,
 * the loop back edge variant of a branch. ---- */
#include "wasm/ops.def"

#define OP_FMT_LEN_(...) OP_FMT_N_(__VA_ARGS__, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define OP_FMT_N_(c1, c2, c3, c4, c5, c6, c7, c8, c9, n, ...) n
#define OP_LEN(op) OPDEF_##op(OP_LEN_OP_, OP_LEN_BR_)
#define OP_LEN_OP_(name, fmt, ...) OP_FMT_LEN_ fmt
#define OP_LEN_BR_(name, fmt, cond, ...) OP_FMT_LEN_ fmt
#define OP_CASE(op) OPDEF_##op(OP_CASE_OP_, OP_CASE_BR_)
#define OP_CASE_OP_(name, fmt, ...)                                                                \
    vmcase(name) {                                                                                 \
        __VA_ARGS__;                                                                               \
        pc += OP_FMT_LEN_ fmt;                                                                     \
        vmbreak;                                                                                   \
    }
#define OP_CASE_BR_(name, fmt, cond, ...)                                                          \
    vmcase(name) {                                                                                 \
        __VA_ARGS__ pc = cond ? pc[1].target : pc + OP_FMT_LEN_ fmt;                               \
        vmbreak;                                                                                   \
    }
#define OP_STEP(op) OPDEF_##op(OP_STEP_OP_, OP_STEP_BR_)
#define OP_STEP_OP_(name, fmt, ...)                                                                \
    __VA_ARGS__;                                                                                   \
    pc += OP_FMT_LEN_ fmt;
#define OP_STEP_BR_(name, fmt, cond, ...)                                                          \
    {                                                                                              \
        __VA_ARGS__ if (cond) {                                                                    \
            pc = pc[1].target;                                                                     \
            vmbreak;                                                                               \
        }                                                                                          \
    };                                                                                             \
    pc += OP_FMT_LEN_ fmt;
/* (LOOP_EDGE_IF is interp_loop's, next to these handlers) */
#define LOOP_CASE(loop, op)                                                                        \
    vmcase(loop) {                                                                                 \
        OPDEF_##op(OP_NOT_BRANCH_, OP_LOOP_BR_) vmbreak;                                           \
    }
#define OP_LOOP_BR_(name, fmt, cond, ...) __VA_ARGS__ LOOP_EDGE_IF(cond, OP_FMT_LEN_ fmt);
#define OP_NOT_BRANCH_(name, ...) _Static_assert(0, #name " is not a conditional branch");
/* ---- the budget, in slices ------------------------------------------------ *
 *
 * A run may spend exec->budget units (one per loop iteration or call) and
 * must stop soon after hive_exec_interrupt(). Checking both at every unit
 * cost five instructions on every back edge and call; instead the loop
 * keeps the units of the current slice in a register (`budget`) and the
 * rest in `reserve`. A unit is one subtraction and a branch on the borrow;
 * only an empty slice takes the slow path, slice_refill(), which reads the
 * interrupt flag and moves at most SLICE_UNITS from the reserve. So an
 * interrupt is seen within SLICE_UNITS units, and the run stops after
 * exactly exec->budget units as before (the unit counts, and so where a
 * run suspends, are unchanged). A run starts with an empty slice: an
 * interrupt sent before it stops it at its first check. */
#define SLICE_UNITS 4096u

/* A new slice (never empty), or 0: interrupted, or no units left. Each
 * refill is also a sample of where the run spends its units: the function
 * it ended in (func) may get its inline copies (hv_module_sample). */
#if defined(__clang__)
#define REFILL_ATTR __attribute__((noinline, cold))
#elif defined(__GNUC__)
#define REFILL_ATTR __attribute__((noipa, cold))
#else
#define REFILL_ATTR
#endif
static REFILL_ATTR uint64_t slice_refill(hive_exec *exec, uint64_t *reserve, const hive_func *func) {
    hv_module_sample(func->inst->module, func->code, exec->warm);
    exec->warm = true;
    if (atomic_load_explicit(&exec->interrupt, memory_order_relaxed) || *reserve == 0) return 0;
    uint64_t n = *reserve < SLICE_UNITS ? *reserve : SLICE_UNITS;
    *reserve -= n;
    return n;
}

/* Spends one unit, or suspends (pc wherever the caller left it; budget is
 * then 0 and nothing was spent). */
#if defined(__GNUC__)
#define SLICE_EMPTY() __builtin_expect(__builtin_sub_overflow(budget, 1, &budget), 0)
#else
#define SLICE_EMPTY() (budget-- == 0)
#endif
#define SPEND_UNIT()                                                        \
    do {                                                                    \
        if (SLICE_EMPTY()) {                                                \
            budget = slice_refill(exec, &reserve, func);                    \
            if (budget == 0) goto suspend;                                  \
            budget--;                                                       \
        }                                                                   \
    } while (0)

/* ---- bulk operations, charged by size ------------------------------------ *
 *
 * memory.fill/copy/init and table.fill/copy/init cost one unit per
 * BULK_BYTES_PER_UNIT bytes moved (a table element counts 8 bytes), so a
 * budget bounds them like loops, and large ones run in chunks of at most
 * BULK_CHUNK bytes: before each chunk the interrupt flag is read and the
 * chunk's units are taken. When the units or an interrupt stop one part
 * way, the operands in its window are rewritten to what is left and the
 * exec suspends at the same instruction, which the resume runs again with
 * the rest (its bounds still hold: memories and tables never shrink). Ops
 * of up to BULK_SMALL_BYTES are free and run in their handlers as before.
 * memory.grow and table.grow are charged a fixed GROW_UNITS plus their
 * size, taken without stopping (the next unit check stops a run whose
 * budget they used up). */
#define BULK_BYTES_PER_UNIT 64u
#define BULK_CHUNK (64u * 1024)
#define BULK_SMALL_BYTES 1024u
#define GROW_UNITS 256u

enum { BULK_MEMORY_FILL, BULK_MEMORY_COPY, BULK_MEMORY_INIT, BULK_TABLE_FILL, BULK_TABLE_COPY,
       BULK_TABLE_INIT, BULK_MEMORY_FILL_X, BULK_MEMORY_COPY_X, BULK_MEMORY_INIT_X };

/* Takes up to want units from the slice, then from the reserve, into got
 * (less than want only when the run's budget is spent). */
#define TAKE_UNITS(want, got)                                                  \
    do {                                                                       \
        uint64_t w_ = (want);                                                  \
        if (budget >= w_) {                                                    \
            budget -= w_;                                                      \
            (got) = w_;                                                        \
        } else {                                                               \
            uint64_t more_ = w_ - budget;                                      \
            if (more_ > reserve) more_ = reserve;                              \
            reserve -= more_;                                                  \
            (got) = budget + more_;                                            \
            budget = 0;                                                        \
        }                                                                      \
    } while (0)

typedef struct bulk_result {
    uint64_t budget, reserve;
    uint32_t len; /* the instruction's cells, to step over when done */
    bool suspend; /* stopped part way (units spent or interrupted) */
} bulk_result;

/* A bulk operation larger than BULK_SMALL_BYTES, bounds already checked,
 * at pc with its window below sp: in chunks, each paid for first (see
 * TAKE_UNITS). Its window is [..., d (or i), s (or value), n]; what is
 * done is taken off it, so a suspension resumes with the rest. */
static INTERP_NOCLONE bulk_result bulk_run(hive_exec *exec, hive_instance *inst, uint8_t *mem,
                                           wasm_slot *sp, const wasm_cell *pc, int kind,
                                           uint64_t budget, uint64_t reserve) {
    bulk_result res = {0, 0, 0, false};
    bool table = kind >= BULK_TABLE_FILL && kind <= BULK_TABLE_INIT;
    /* the _X forms (multi-memory): the memories their immediates name */
    uint8_t *dmem = mem, *smem = mem;
    if (kind == BULK_MEMORY_FILL_X) dmem = inst->memories[pc[2].u32]->base;
    if (kind == BULK_MEMORY_INIT_X) dmem = inst->memories[pc[3].u32]->base;
    if (kind == BULK_MEMORY_COPY_X) {
        dmem = inst->memories[pc[2].u32]->base;
        smem = inst->memories[pc[3].u32]->base;
    }
    uint32_t esize = table ? (uint32_t)sizeof(void *) : 1;
    for (;;) {
        uint32_t n = sp[-1].i32, s = sp[-2].i32, d = sp[-3].i32;
        if (n == 0) break;
        if (atomic_load_explicit(&exec->interrupt, memory_order_relaxed)) {
            res.suspend = true;
            break;
        }
        uint32_t k = BULK_CHUNK / esize;
        if (k > n) k = n;
        uint64_t want = (uint64_t)k * esize / BULK_BYTES_PER_UNIT, got;
        TAKE_UNITS(want, got);
        if (got < want) {
            k = (uint32_t)(got * BULK_BYTES_PER_UNIT / esize);
            if (k == 0) { /* budget spent; nothing done */
                res.suspend = true;
                break;
            }
        }
        /* copies run backwards when the destination is above the source,
         * so an overlapping rest stays correct */
        bool back = (kind == BULK_MEMORY_COPY || kind == BULK_TABLE_COPY ||
                     (kind == BULK_MEMORY_COPY_X && dmem == smem)) &&
                    d > s;
        uint32_t at = back ? n - k : 0;
        switch (kind) {
        case BULK_MEMORY_FILL: memset(mem + d, (int)(s & 0xff), k); break;
        case BULK_MEMORY_COPY: memmove(mem + d + at, mem + s + at, k); break;
        case BULK_MEMORY_INIT: memcpy(mem + d, inst->m->datas[pc[2].u32].bytes + s, k); break;
        case BULK_MEMORY_FILL_X: memset(dmem + d, (int)(s & 0xff), k); break;
        case BULK_MEMORY_COPY_X: memmove(dmem + d + at, smem + s + at, k); break;
        case BULK_MEMORY_INIT_X: memcpy(dmem + d, inst->m->datas[pc[2].u32].bytes + s, k); break;
        case BULK_TABLE_FILL: {
            hive_table *t = inst->tables[pc[2].u32];
            void *v = sp[-2].ref;
            for (uint32_t j = 0; j < k; j++) t->elems[d + j] = v;
            break;
        }
        case BULK_TABLE_COPY:
            memmove(inst->tables[pc[2].u32]->elems + d + at,
                    inst->tables[pc[3].u32]->elems + s + at, (size_t)k * sizeof(void *));
            break;
        default: /* BULK_TABLE_INIT */
            memcpy(inst->tables[pc[2].u32]->elems + d, inst->elem_refs[pc[3].u32] + s,
                   (size_t)k * sizeof(void *));
            break;
        }
        sp[-1].i64 = n - k;
        if (!back) {
            sp[-3].i64 = d + k;
            if (kind != BULK_MEMORY_FILL && kind != BULK_TABLE_FILL && kind != BULK_MEMORY_FILL_X)
                sp[-2].i64 = s + k;
        }
    }
    res.budget = budget;
    res.reserve = reserve;
    res.len = kind == BULK_MEMORY_FILL || kind == BULK_MEMORY_COPY ? 2
              : kind == BULK_MEMORY_INIT || kind == BULK_TABLE_FILL || kind == BULK_MEMORY_FILL_X
                  ? 3
                  : 4;
    return res;
}

/* With labels_out non-NULL (threaded build): stores the label table there
 * and returns without touching exec. Otherwise runs exec from its saved
 * state (pc, fp, func, budget) until the entry function returns
 * (DONE), a trap (TRAPPED), the budget or an interrupt stops it
 * (SUSPENDED), or a host function says PENDING. */
static INTERP_NOCLONE INTERP_ALIGN hive_status interp_loop(hive_exec *exec, const void *const **labels_out) {
#if INTERP_THREADED
#define INTERP_LABEL_ADDR(name) &&L_##name,
#define INTERP_SIMD_LABEL_ADDR(code, fn, ...) &&L_SIMD_##fn,
#define INTERP_PAIR_LABEL_ADDR(a, n, b) &&L_##a##__##b,
#define INTERP_TRIPLE_LABEL_ADDR(a, n, b, m, c) &&L_##a##__##b##__##c,
#define INTERP_QUAD_LABEL_ADDR(a, n, b, m, c, k, d) &&L_##a##__##b##__##c##__##d,
    static const void *const labels[OP_COUNT_] = {
        WASM_OPS(INTERP_LABEL_ADDR) SIMD_OPS(INTERP_SIMD_LABEL_ADDR)
            WASM_PAIRS(INTERP_PAIR_LABEL_ADDR) WASM_TRIPLES(INTERP_TRIPLE_LABEL_ADDR)
                WASM_QUADS(INTERP_QUAD_LABEL_ADDR)};
#undef INTERP_QUAD_LABEL_ADDR
#undef INTERP_TRIPLE_LABEL_ADDR
#undef INTERP_PAIR_LABEL_ADDR
#undef INTERP_SIMD_LABEL_ADDR
#undef INTERP_LABEL_ADDR
    if (labels_out) {
        *labels_out = labels;
        return HIVE_DONE;
    }
#else
    if (labels_out) {
        *labels_out = NULL;
        return HIVE_DONE;
    }
#endif
    const wasm_cell *pc = exec->pc;
    wasm_slot *fp = exec->fp;
    hive_func *func = exec->func;
    hive_instance *inst = func->inst;
    uint8_t *mem;
    uint64_t mem_size;
    memory_cache(inst, &mem, &mem_size);
    /* The slice starts empty (see SPEND_UNIT); unlimited runs draw from a
     * reserve of 2^64 - 1 units, which they never exhaust. */
    uint64_t budget = 0;
    uint64_t reserve = exec->unlimited ? UINT64_MAX : exec->budget;
    wasm_slot *const stack_end = exec->stack_end;
    /* The frame stack's top (the next free frame) lives here, not in
     * exec->nframes, which is written back wherever the loop leaves or
     * something reads it (a host call, a trap's backtrace). */
    wasm_frame *top = exec->frames + exec->nframes;
    wasm_frame *const frames_end = exec->frames + exec->max_frames;

    hive_func *callee;         /* for enter_wasm / call_host */
    const wasm_code *callee_code; /* callee->code, for enter_local */
    wasm_slot *args;           /* the callee's arguments (its fp if wasm) */
    const wasm_cell *next_pc;  /* where the caller continues after callee */
    hive_trap_kind tk;         /* for trap */
    int bulk_kind;             /* for bulk: BULK_* */
    uint32_t trap_elem;        /* for trap_element */

    for (;;) {
        vmdispatch(pc) {

        /* ---- control ---- */
        vmcase(UNREACHABLE) {
            tk = HIVE_TRAP_UNREACHABLE;
            goto trap;
        }
        vmcase(BR) {
            pc = pc[1].target;
            vmbreak;
        }
        vmcase(BR_UNWIND) {
            uint64_t hdr = pc[2].u64;
            uint32_t height = (uint32_t)hdr, arity = (uint32_t)(hdr >> 32);
            move_slots(fp + height, fp + pc[3].u32, arity);
            pc = pc[1].target;
            vmbreak;
        }
        OP_CASE(BR_IF)
        OP_CASE(BR_IF_EQZ)
        vmcase(BR_IF_UNWIND) {
            if (!SLOT(4).i32) {
                pc += 5;
                vmbreak;
            }
            uint64_t hdr = pc[2].u64;
            uint32_t height = (uint32_t)hdr, arity = (uint32_t)(hdr >> 32);
            move_slots(fp + height, fp + pc[3].u32, arity);
            pc = pc[1].target;
            vmbreak;
        }
        /* comparisons fused with a branch: [target, a, b] */
        OP_CASE(BR_IF_I32_EQ)
        OP_CASE(BR_IF_I32_NE)
        OP_CASE(BR_IF_I32_LT_S)
        OP_CASE(BR_IF_I32_LT_U)
        OP_CASE(BR_IF_I32_GT_S)
        OP_CASE(BR_IF_I32_GT_U)
        OP_CASE(BR_IF_I32_LE_S)
        OP_CASE(BR_IF_I32_LE_U)
        OP_CASE(BR_IF_I32_GE_S)
        OP_CASE(BR_IF_I32_GE_U)
        /* ... and with a constant: [target, a, imm] */
        OP_CASE(BR_IF_I32_EQ_I)
        OP_CASE(BR_IF_I32_NE_I)
        OP_CASE(BR_IF_I32_LT_S_I)
        OP_CASE(BR_IF_I32_LT_U_I)
        OP_CASE(BR_IF_I32_GT_S_I)
        OP_CASE(BR_IF_I32_GT_U_I)
        OP_CASE(BR_IF_I32_LE_S_I)
        OP_CASE(BR_IF_I32_LE_U_I)
        OP_CASE(BR_IF_I32_GE_S_I)
        OP_CASE(BR_IF_I32_GE_U_I)
        /* bit tests: [target, a, imm] */
        OP_CASE(BR_IF_AND_I)
        OP_CASE(BR_IF_AND_I_EQZ)
        OP_CASE(BR_IF_LOAD8)
        OP_CASE(BR_IF_LOAD8_EQZ)
        OP_CASE(BR_IF_LOAD8_SET)
        OP_CASE(BR_IF_LOAD8_SET_EQZ)
        vmcase(BR_TABLE) {
            uint32_t i = SLOT(4).i32, count = pc[1].u32, arity = pc[2].u32;
            const wasm_cell *entry = pc + 5 + 2 * (size_t)(i < count ? i : count);
            move_slots(fp + entry[1].u32, fp + pc[3].u32, arity);
            pc = entry[0].target;
            vmbreak;
        }
        /* Suspends with pc here: on resume the check runs again. */
        OP_CASE(LOOP_CHECK)
        /* Loop back edges: a taken branch does its target header's
         * LOOP_CHECK and continues after it. It suspends with pc on the
         * header (the branch itself is done: a resume runs LOOP_CHECK,
         * which checks and spends the unit again, then the body). */
#define LOOP_EDGE()                                                                    \
    do {                                                                               \
        pc = pc[1].target;                                                             \
        SPEND_UNIT();                                                                  \
        pc += 1;                                                                       \
    } while (0)
#define LOOP_EDGE_IF(cond, len) \
    do {                        \
        if (cond) {             \
            LOOP_EDGE();        \
        } else {                \
            pc += (len);        \
        }                       \
    } while (0)
        vmcase(BR_LOOP) { LOOP_EDGE(); vmbreak; }
        LOOP_CASE(BR_IF_LOOP, BR_IF)
        LOOP_CASE(BR_IF_EQZ_LOOP, BR_IF_EQZ)
        LOOP_CASE(BR_IF_I32_EQ_LOOP, BR_IF_I32_EQ)
        LOOP_CASE(BR_IF_I32_NE_LOOP, BR_IF_I32_NE)
        LOOP_CASE(BR_IF_I32_LT_S_LOOP, BR_IF_I32_LT_S)
        LOOP_CASE(BR_IF_I32_LT_U_LOOP, BR_IF_I32_LT_U)
        LOOP_CASE(BR_IF_I32_GT_S_LOOP, BR_IF_I32_GT_S)
        LOOP_CASE(BR_IF_I32_GT_U_LOOP, BR_IF_I32_GT_U)
        LOOP_CASE(BR_IF_I32_LE_S_LOOP, BR_IF_I32_LE_S)
        LOOP_CASE(BR_IF_I32_LE_U_LOOP, BR_IF_I32_LE_U)
        LOOP_CASE(BR_IF_I32_GE_S_LOOP, BR_IF_I32_GE_S)
        LOOP_CASE(BR_IF_I32_GE_U_LOOP, BR_IF_I32_GE_U)
        LOOP_CASE(BR_IF_I32_EQ_I_LOOP, BR_IF_I32_EQ_I)
        LOOP_CASE(BR_IF_I32_NE_I_LOOP, BR_IF_I32_NE_I)
        LOOP_CASE(BR_IF_I32_LT_S_I_LOOP, BR_IF_I32_LT_S_I)
        LOOP_CASE(BR_IF_I32_LT_U_I_LOOP, BR_IF_I32_LT_U_I)
        LOOP_CASE(BR_IF_I32_GT_S_I_LOOP, BR_IF_I32_GT_S_I)
        LOOP_CASE(BR_IF_I32_GT_U_I_LOOP, BR_IF_I32_GT_U_I)
        LOOP_CASE(BR_IF_I32_LE_S_I_LOOP, BR_IF_I32_LE_S_I)
        LOOP_CASE(BR_IF_I32_LE_U_I_LOOP, BR_IF_I32_LE_U_I)
        LOOP_CASE(BR_IF_I32_GE_S_I_LOOP, BR_IF_I32_GE_S_I)
        LOOP_CASE(BR_IF_I32_GE_U_I_LOOP, BR_IF_I32_GE_U_I)
        LOOP_CASE(BR_IF_AND_I_LOOP, BR_IF_AND_I)
        LOOP_CASE(BR_IF_AND_I_EQZ_LOOP, BR_IF_AND_I_EQZ)
        LOOP_CASE(BR_IF_LOAD8_LOOP, BR_IF_LOAD8)
        LOOP_CASE(BR_IF_LOAD8_EQZ_LOOP, BR_IF_LOAD8_EQZ)
        vmcase(BR_IF_ADD_I_NE_LOOP) {
            uint32_t x = SLOT(3).i32 + pc[4].u32;
            SLOT(2).i64 = x;
            LOOP_EDGE_IF(x != SLOT(5).i32, 6);
            vmbreak;
        }
        vmcase(BR_IF_ADD_I_NE_I_LOOP) {
            uint32_t x = SLOT(3).i32 + pc[4].u32;
            SLOT(2).i64 = x;
            LOOP_EDGE_IF(x != pc[5].u32, 6);
            vmbreak;
        }
#undef LOOP_EDGE_IF
#undef LOOP_EDGE
        /* Pops the frame (the results are in place) and continues in the
         * caller. Within one instance the memory cache is always current:
         * MEMORY_GROW refreshes it, and so does every host call and every
         * switch of instance (a callee in another instance that grew a
         * memory this one shares re-caches when it returns here). */
#define POP_FRAME()                                              \
    do {                                                         \
        wasm_frame *fr = --top;                                  \
        if (!fr->ret_pc) goto done; /* the entry frame */        \
        pc = fr->ret_pc;                                         \
        fp = fr->fp;                                             \
        func = fr->func;                                         \
        if (func->inst != inst) {                                \
            inst = func->inst;                                   \
            memory_cache(inst, &mem, &mem_size);                 \
        }                                                        \
    } while (0)
        vmcase(RETURN) {
            move_slots(fp, fp + pc[1].u32, pc[2].u32);
            POP_FRAME();
            vmbreak;
        }
        vmcase(RETURN1) {
            fp[0] = SLOT(1);
            POP_FRAME();
            vmbreak;
        }
        vmcase(I32_ADD_RETURN1) {
            fp[0].i64 = (uint32_t)(SLOT(1).i32 + SLOT(2).i32);
            POP_FRAME();
            vmbreak;
        }
        vmcase(I32_SUB_RETURN1) {
            fp[0].i64 = (uint32_t)(SLOT(1).i32 - SLOT(2).i32);
            POP_FRAME();
            vmbreak;
        }
#undef POP_FRAME
        vmcase(CALL) {
            /* Budget and interrupt are checked before anything else, so a
             * suspended call simply runs again on resume. */
            SPEND_UNIT();
            /* the callee's code comes straight from the cell, so the
             * next pc is two loads away; its hive_func (for the frame) is
             * the instance's, off that path */
            callee_code = pc[1].ptr;
            callee = inst->funcs[callee_code->func_index];
            args = fp + pc[2].u32;
            next_pc = pc + 3;
            goto enter_local;
        }
        vmcase(ENTER_LAZY) {
            /* The first call of func (or one that raced with it): its frame
             * was entered before it was compiled, checked and zeroed with
             * nothing (ENTER_FRAME). Compile it, or wait for the thread that
             * does, then check and zero as entering it does. A trap here
             * is at the call, as in ENTER_FRAME: the frame goes. */
            const wasm_code *code = func->code;
            const wasm_cell *cells = hv_module_code_cells(func->inst->module, code);
            tk = HIVE_TRAP_OUT_OF_MEMORY;
            if (cells) {
                tk = HIVE_TRAP_STACK_EXHAUSTED;
                if ((size_t)(stack_end - fp) >= code->max_slots) {
                    zero_slots(fp + code->zero_start, code->zero_end - code->zero_start);
                    pc = cells;
                    vmbreak;
                }
            }
            top--;
            pc = top->ret_pc;
            fp = top->fp;
            func = top->func;
            goto trap;
        }
        vmcase(CALL_IMPORT) {
            SPEND_UNIT();
            callee = inst->funcs[pc[1].u32];
            args = fp + pc[2].u32;
            next_pc = pc + 3;
            if (callee->kind == WASM_FUNC_HOST) goto call_host;
            goto enter_wasm;
        }
        vmcase(CALL_INDIRECT) {
            SPEND_UNIT();
            const hive_table *t = inst->tables[pc[2].u32];
            uint32_t i = SLOT(4).i32;
            if (i >= t->size) {
                tk = HIVE_TRAP_UNDEFINED_ELEM;
                trap_elem = i;
                goto trap_element;
            }
            callee = (hive_func *)t->elems[i];
            if (!callee) {
                tk = HIVE_TRAP_UNINITIALIZED_ELEM;
                trap_elem = i;
                goto trap_element;
            }
            if (!runtime_functype_equal(callee->type, &inst->m->types[pc[1].u32])) {
                tk = HIVE_TRAP_INDIRECT_TYPE;
                goto trap;
            }
            args = fp + pc[3].u32;
            next_pc = pc + 5;
            if (callee->kind == WASM_FUNC_HOST) goto call_host;
            goto enter_wasm;
        }

        /* ---- parametric and variables ---- */
        OP_CASE(SELECT)
        vmcase(SELECT_V128) {
            /* The chosen value may overlap the destination: read first. */
            const wasm_slot *s = SLOT(4).i32 ? &SLOT(2) : &SLOT(3);
            wasm_slot lo = s[0], hi = s[1];
            wasm_slot *d = &SLOT(1);
            d[0] = lo;
            d[1] = hi;
            pc += 5;
            vmbreak;
        }
        OP_CASE(COPY)
        OP_CASE(COPY2)
        OP_CASE(COPY3)
        vmcase(COPY_V128) {
            const wasm_slot *s = &SLOT(2);
            wasm_slot lo = s[0], hi = s[1];
            wasm_slot *d = &SLOT(1);
            d[0] = lo;
            d[1] = hi;
            pc += 3;
            vmbreak;
        }
        OP_CASE(GLOBAL_GET)
        OP_CASE(GLOBAL_SET)
        vmcase(GLOBAL_GET_V128) {
            const hive_global *g = inst->globals[pc[2].u32];
            wasm_slot *d = &SLOT(1);
            d[0] = g->value[0];
            d[1] = g->value[1];
            pc += 3;
            vmbreak;
        }
        vmcase(GLOBAL_SET_V128) {
            hive_global *g = inst->globals[pc[1].u32];
            const wasm_slot *s = &SLOT(2);
            g->value[0] = s[0];
            g->value[1] = s[1];
            pc += 3;
            vmbreak;
        }
        OP_CASE(CONST)

        /* ---- tables: window operations (sp: just above the operands) ---- */
        vmcase(TABLE_GET) {
            wasm_slot *sp = fp + pc[1].u32;
            const hive_table *t = inst->tables[pc[2].u32];
            uint32_t i = sp[-1].i32;
            if (i >= t->size) goto trap_table;
            sp[-1].ref = t->elems[i];
            pc += 3;
            vmbreak;
        }
        vmcase(TABLE_SET) {
            wasm_slot *sp = fp + pc[1].u32;
            hive_table *t = inst->tables[pc[2].u32];
            uint32_t i = sp[-2].i32;
            if (i >= t->size) goto trap_table;
            t->elems[i] = sp[-1].ref;
            pc += 3;
            vmbreak;
        }
        vmcase(TABLE_SIZE) {
            wasm_slot *sp = fp + pc[1].u32;
            sp->i64 = inst->tables[pc[2].u32]->size;
            pc += 3;
            vmbreak;
        }
        vmcase(TABLE_GROW) {
            wasm_slot *sp = fp + pc[1].u32;
            uint32_t n = sp[-1].i32;
            void *init = sp[-2].ref;
            sp[-2].i64 = (uint32_t)hv_instance_table_grow(inst->tables[pc[2].u32], n, init);
            if (n) {
                uint64_t got_;
                TAKE_UNITS(GROW_UNITS + n / (BULK_BYTES_PER_UNIT / 8), got_);
                (void)got_;
            }
            pc += 3;
            vmbreak;
        }
        vmcase(TABLE_FILL) {
            wasm_slot *sp = fp + pc[1].u32;
            hive_table *t = inst->tables[pc[2].u32];
            uint32_t n = sp[-1].i32, i = sp[-3].i32;
            void *v = sp[-2].ref;
            if ((uint64_t)i + n > t->size) goto trap_table;
            if (n > BULK_SMALL_BYTES / 8) {
                bulk_kind = BULK_TABLE_FILL;
                goto bulk;
            }
            for (uint32_t k = 0; k < n; k++) t->elems[i + k] = v;
            pc += 3;
            vmbreak;
        }
        vmcase(TABLE_COPY) {
            wasm_slot *sp = fp + pc[1].u32;
            hive_table *dt = inst->tables[pc[2].u32];
            const hive_table *st = inst->tables[pc[3].u32];
            uint32_t n = sp[-1].i32, s = sp[-2].i32, d = sp[-3].i32;
            if ((uint64_t)s + n > st->size || (uint64_t)d + n > dt->size) goto trap_table;
            if (n > BULK_SMALL_BYTES / 8) {
                bulk_kind = BULK_TABLE_COPY;
                goto bulk;
            }
            if (n) memmove(dt->elems + d, st->elems + s, (size_t)n * sizeof(void *));
            pc += 4;
            vmbreak;
        }
        vmcase(TABLE_INIT) {
            wasm_slot *sp = fp + pc[1].u32;
            hive_table *t = inst->tables[pc[2].u32];
            uint32_t e = pc[3].u32;
            uint32_t n = sp[-1].i32, s = sp[-2].i32, d = sp[-3].i32;
            if ((uint64_t)s + n > inst->elem_lens[e] || (uint64_t)d + n > t->size)
                goto trap_table;
            if (n > BULK_SMALL_BYTES / 8) {
                bulk_kind = BULK_TABLE_INIT;
                goto bulk;
            }
            if (n) memcpy(t->elems + d, inst->elem_refs[e] + s, (size_t)n * sizeof(void *));
            pc += 4;
            vmbreak;
        }
        vmcase(ELEM_DROP) {
            inst->elem_lens[pc[1].u32] = 0;
            pc += 2;
            vmbreak;
        }

        /* ---- memory: bulk ---- */
        vmcase(MEMORY_SIZE) {
            SLOT(1).i64 = inst->memory->pages;
            pc += 2;
            vmbreak;
        }
        vmcase(MEMORY_GROW) {
            uint32_t delta = SLOT(2).i32;
            uint32_t old = (uint32_t)hive_memory_grow(inst->memory, delta);
            SLOT(1).i64 = old;
            memory_cache(inst, &mem, &mem_size);
            if (delta) {
                uint64_t got_;
                TAKE_UNITS(GROW_UNITS + delta, got_);
                (void)got_;
            }
            pc += 3;
            vmbreak;
        }
        vmcase(MEMORY_INIT) {
            wasm_slot *sp = fp + pc[1].u32;
            uint32_t seg = pc[2].u32;
            uint32_t n = sp[-1].i32, s = sp[-2].i32, d = sp[-3].i32;
            if ((uint64_t)s + n > inst->data_lens[seg] || (uint64_t)d + n > mem_size)
                goto trap_memory;
            if (n > BULK_SMALL_BYTES) {
                bulk_kind = BULK_MEMORY_INIT;
                goto bulk;
            }
            if (n) memcpy(mem + d, inst->m->datas[seg].bytes + s, n);
            pc += 3;
            vmbreak;
        }
        vmcase(DATA_DROP) {
            inst->data_lens[pc[1].u32] = 0;
            pc += 2;
            vmbreak;
        }
        vmcase(MEMORY_COPY) {
            wasm_slot *sp = fp + pc[1].u32;
            uint32_t n = sp[-1].i32, s = sp[-2].i32, d = sp[-3].i32;
            if ((uint64_t)s + n > mem_size || (uint64_t)d + n > mem_size) goto trap_memory;
            if (n > BULK_SMALL_BYTES) {
                bulk_kind = BULK_MEMORY_COPY;
                goto bulk;
            }
            if (n) memmove(mem + d, mem + s, n);
            pc += 2;
            vmbreak;
        }
        vmcase(MEMORY_FILL) {
            wasm_slot *sp = fp + pc[1].u32;
            uint32_t n = sp[-1].i32, v = sp[-2].i32, d = sp[-3].i32;
            if ((uint64_t)d + n > mem_size) goto trap_memory;
            if (n > BULK_SMALL_BYTES) {
                bulk_kind = BULK_MEMORY_FILL;
                goto bulk;
            }
            if (n) memset(mem + d, (int)(v & 0xff), n);
            pc += 2;
            vmbreak;
        }

        vmcase(THROW) {
            goto do_throw;
        }

        /* ---- multi-memory: memories other than 0 (opcodes.h) ---- */
        vmcase(MEM_SELECT) {
            const hive_memory *sel = inst->memories[pc[1].u32];
            mem = sel->base;
            mem_size = sel->size;
            pc += 2;
            vmbreak;
        }
        vmcase(MEMORY_SIZE_X) {
            SLOT(1).i64 = inst->memories[pc[2].u32]->pages;
            pc += 3;
            vmbreak;
        }
        vmcase(MEMORY_GROW_X) {
            uint32_t delta = SLOT(2).i32;
            uint32_t old = (uint32_t)hive_memory_grow(inst->memories[pc[3].u32], delta);
            SLOT(1).i64 = old;
            if (delta) {
                uint64_t got_;
                TAKE_UNITS(GROW_UNITS + delta, got_);
                (void)got_;
            }
            pc += 4;
            vmbreak;
        }
        vmcase(MEMORY_INIT_X) {
            wasm_slot *sp = fp + pc[1].u32;
            uint32_t seg = pc[2].u32;
            const hive_memory *dm = inst->memories[pc[3].u32];
            uint32_t n = sp[-1].i32, s = sp[-2].i32, d = sp[-3].i32;
            if ((uint64_t)s + n > inst->data_lens[seg] || (uint64_t)d + n > dm->size)
                goto trap_memory;
            if (n > BULK_SMALL_BYTES) {
                bulk_kind = BULK_MEMORY_INIT_X;
                goto bulk;
            }
            if (n) memcpy(dm->base + d, inst->m->datas[seg].bytes + s, n);
            pc += 4;
            vmbreak;
        }
        vmcase(MEMORY_COPY_X) {
            wasm_slot *sp = fp + pc[1].u32;
            const hive_memory *dm = inst->memories[pc[2].u32], *sm = inst->memories[pc[3].u32];
            uint32_t n = sp[-1].i32, s = sp[-2].i32, d = sp[-3].i32;
            if ((uint64_t)s + n > sm->size || (uint64_t)d + n > dm->size) goto trap_memory;
            if (n > BULK_SMALL_BYTES) {
                bulk_kind = BULK_MEMORY_COPY_X;
                goto bulk;
            }
            if (n) memmove(dm->base + d, sm->base + s, n);
            pc += 4;
            vmbreak;
        }
        vmcase(MEMORY_FILL_X) {
            wasm_slot *sp = fp + pc[1].u32;
            const hive_memory *dm = inst->memories[pc[2].u32];
            uint32_t n = sp[-1].i32, v = sp[-2].i32, d = sp[-3].i32;
            if ((uint64_t)d + n > dm->size) goto trap_memory;
            if (n > BULK_SMALL_BYTES) {
                bulk_kind = BULK_MEMORY_FILL_X;
                goto bulk;
            }
            if (n) memset(dm->base + d, (int)(v & 0xff), n);
            pc += 3;
            vmbreak;
        }

        /* ---- references ---- */
        vmcase(REF_IS_NULL) {
            SLOT(1).i64 = SLOT(2).ref == NULL;
            pc += 3;
            vmbreak;
        }
        vmcase(REF_FUNC) {
            SLOT(1).ref = inst->funcs[pc[2].u32];
            pc += 3;
            vmbreak;
        }

        /* ---- integer operations with a constant operand [d, a, imm] ---- */
        OP_CASE(I32_ADD_I)
        OP_CASE(I32_SUB_I)
        OP_CASE(I32_MUL_I)
        OP_CASE(I32_AND_I)
        OP_CASE(I32_OR_I)
        OP_CASE(I32_XOR_I)
        OP_CASE(I32_SHL_I)
        OP_CASE(I32_SHR_S_I)
        OP_CASE(I32_SHR_U_I)
        OP_CASE(I32_ROTL_I)
        OP_CASE(I32_ROTR_I)
        OP_CASE(I32_EQ_I)
        OP_CASE(I32_NE_I)
        OP_CASE(I32_LT_S_I)
        OP_CASE(I32_LT_U_I)
        OP_CASE(I32_GT_S_I)
        OP_CASE(I32_GT_U_I)
        OP_CASE(I32_LE_S_I)
        OP_CASE(I32_LE_U_I)
        OP_CASE(I32_GE_S_I)
        OP_CASE(I32_GE_U_I)
        OP_CASE(I64_ADD_I)
        OP_CASE(I64_SUB_I)
        OP_CASE(I64_MUL_I)
        OP_CASE(I64_AND_I)
        OP_CASE(I64_OR_I)
        OP_CASE(I64_XOR_I)
        OP_CASE(I64_SHL_I)
        OP_CASE(I64_SHR_S_I)
        OP_CASE(I64_SHR_U_I)

        OP_CASE(I64_ROTL_I)
        OP_CASE(I64_ROTR_I)

        /* ---- loads [d, a, offset]: effective address = i32 address +
         * static offset, as a 64-bit sum that cannot wrap; the access must
         * end within the memory's current size. ---- */
        OP_CASE(I32_LOAD)
        OP_CASE(I64_LOAD)
        OP_CASE(F32_LOAD)
        OP_CASE(F64_LOAD)
        OP_CASE(I32_LOAD8_S)
        OP_CASE(I32_LOAD8_U)
        OP_CASE(I32_LOAD16_S)
        OP_CASE(I32_LOAD16_U)
        OP_CASE(I64_LOAD8_S)
        OP_CASE(I64_LOAD8_U)
        OP_CASE(I64_LOAD16_S)
        OP_CASE(I64_LOAD16_U)
        OP_CASE(I64_LOAD32_S)
        OP_CASE(I64_LOAD32_U)

        /* ---- stores [a, b, offset]: address fp[a], value fp[b] ---- */
        OP_CASE(I32_STORE)
        OP_CASE(I64_STORE)
        OP_CASE(F32_STORE)
        OP_CASE(F64_STORE)
        OP_CASE(I32_STORE8)
        OP_CASE(I32_STORE16)
        OP_CASE(I64_STORE8)
        OP_CASE(I64_STORE16)
        OP_CASE(I64_STORE32)

        /* ---- loads with a folded address addition: the i32 sum wraps
         * (uint32_t) before the static offset is added without wrapping,
         * exactly as i32.add then the load would. [d, a, k, offset] ---- */
        OP_CASE(I32_LOAD_AI)
        OP_CASE(I64_LOAD_AI)
        OP_CASE(F32_LOAD_AI)
        OP_CASE(F64_LOAD_AI)
        OP_CASE(I32_LOAD8_S_AI)
        OP_CASE(I32_LOAD8_U_AI)
        OP_CASE(I32_LOAD16_S_AI)
        OP_CASE(I32_LOAD16_U_AI)
        /* [d, a, b, offset]: address fp[a] + fp[b], wrapping */
        OP_CASE(I32_LOAD_AR)
        OP_CASE(I64_LOAD_AR)
        OP_CASE(F64_LOAD_AR)
        OP_CASE(I32_LOAD8_U_AR)

        /* ---- stores of a constant [a, imm, offset] ---- */
        OP_CASE(I32_STORE_K)
        OP_CASE(I64_STORE_K)
        OP_CASE(I32_STORE8_K)

        /* ---- memory to memory (opcodes.h MOVE8..MOVE64) ---- */
        OP_CASE(MOVE8)
        OP_CASE(MOVE16)
        OP_CASE(MOVE32)
        OP_CASE(MOVE64)

        /* ---- f64 multiply-add, two roundings (numeric.h) ---- */
        OP_CASE(F64_MUL_ADD)
        OP_CASE(F64_ADD_MUL)

        OP_CASE(I32_ADD_I2)

        /* ---- two chained integer operations (opcodes.h) ---- */
        OP_CASE(I32_ADD_ADD)
        OP_CASE(I32_SUB_ADD)
        OP_CASE(I32_MUL_ADD)
        OP_CASE(I32_AND_ADD)
        OP_CASE(I32_XOR_ADD)
        OP_CASE(I32_SHL_I_ADD)
        OP_CASE(I32_AND_XOR)
        OP_CASE(I32_OR_XOR)
        OP_CASE(I32_XOR_XOR)
        OP_CASE(I32_XOR_AND)
        OP_CASE(I32_XOR_I_AND)
        OP_CASE(I32_SHR_U_I_XOR)
        OP_CASE(I32_SHL_I_XOR)
        OP_CASE(I32_ROTL_I_XOR)
        OP_CASE(I32_ROTL_I_ADD)
        OP_CASE(I64_ADD_ADD)
        OP_CASE(I64_MUL_ADD)
        OP_CASE(I64_XOR_XOR)
        OP_CASE(I64_SHR_U_I_XOR)
        OP_CASE(I64_SHL_I_XOR)
        OP_CASE(I64_ROTL_I_XOR)

        OP_CASE(F64_STORE_ADD_MUL)
        OP_CASE(F64_STORE_MUL_ADD)

        /* ---- i32 comparisons (results are i32 0/1; whole slot written so
         * the upper half stays zero) ---- */
        OP_CASE(I32_EQZ)
        OP_CASE(I32_EQ)
        OP_CASE(I32_NE)
        OP_CASE(I32_LT_S)
        OP_CASE(I32_LT_U)
        OP_CASE(I32_GT_S)
        OP_CASE(I32_GT_U)
        OP_CASE(I32_LE_S)
        OP_CASE(I32_LE_U)
        OP_CASE(I32_GE_S)
        OP_CASE(I32_GE_U)

        /* ---- i64 comparisons ---- */
        OP_CASE(I64_EQZ)
        OP_CASE(I64_EQ)
        OP_CASE(I64_NE)
        OP_CASE(I64_LT_S)
        OP_CASE(I64_LT_U)
        OP_CASE(I64_GT_S)
        OP_CASE(I64_GT_U)
        OP_CASE(I64_LE_S)
        OP_CASE(I64_LE_U)
        OP_CASE(I64_GE_S)
        OP_CASE(I64_GE_U)

        /* ---- float comparisons (false for NaN except ne) ---- */
        OP_CASE(F32_EQ)
        OP_CASE(F32_NE)
        OP_CASE(F32_LT)
        OP_CASE(F32_GT)
        OP_CASE(F32_LE)
        OP_CASE(F32_GE)
        OP_CASE(F64_EQ)
        OP_CASE(F64_NE)
        OP_CASE(F64_LT)
        OP_CASE(F64_GT)
        OP_CASE(F64_LE)
        OP_CASE(F64_GE)

        /* ---- i32 arithmetic (unsigned C arithmetic wraps as wasm does;
         * shift counts are taken modulo 32) ---- */
        OP_CASE(I32_CLZ)
        OP_CASE(I32_CTZ)
        OP_CASE(I32_POPCNT)
        OP_CASE(I32_ADD)
        OP_CASE(I32_SUB)
        OP_CASE(I32_MUL)
        OP_CASE(I32_DIV_S)
        OP_CASE(I32_DIV_U)
        OP_CASE(I32_REM_S)
        OP_CASE(I32_REM_U)
        OP_CASE(I32_AND)
        OP_CASE(I32_OR)
        OP_CASE(I32_XOR)
        OP_CASE(I32_SHL)
        OP_CASE(I32_SHR_S)
        OP_CASE(I32_SHR_U)
        OP_CASE(I32_ROTL)
        OP_CASE(I32_ROTR)

        /* ---- i64 arithmetic ---- */
        OP_CASE(I64_CLZ)
        OP_CASE(I64_CTZ)
        OP_CASE(I64_POPCNT)
        OP_CASE(I64_ADD)
        OP_CASE(I64_SUB)
        OP_CASE(I64_MUL)
        OP_CASE(I64_DIV_S)
        OP_CASE(I64_DIV_U)
        OP_CASE(I64_REM_S)
        OP_CASE(I64_REM_U)
        OP_CASE(I64_AND)
        OP_CASE(I64_OR)
        OP_CASE(I64_XOR)
        OP_CASE(I64_SHL)
        OP_CASE(I64_SHR_S)
        OP_CASE(I64_SHR_U)
        OP_CASE(I64_ROTL)
        OP_CASE(I64_ROTR)

        /* ---- f32 arithmetic: float precision; abs/neg/copysign on the bits
         * (they must not touch a NaN's payload) ---- */
        OP_CASE(F32_ABS)
        OP_CASE(F32_NEG)
        OP_CASE(F32_CEIL)
        OP_CASE(F32_FLOOR)
        OP_CASE(F32_TRUNC)
        OP_CASE(F32_NEAREST)
        OP_CASE(F32_SQRT)
        OP_CASE(F32_ADD)
        OP_CASE(F32_SUB)
        OP_CASE(F32_MUL)
        OP_CASE(F32_DIV)
        OP_CASE(F32_MIN)
        OP_CASE(F32_MAX)
        OP_CASE(F32_COPYSIGN)

        /* ---- f64 arithmetic ---- */
        OP_CASE(F64_ABS)
        OP_CASE(F64_NEG)
        OP_CASE(F64_CEIL)
        OP_CASE(F64_FLOOR)
        OP_CASE(F64_TRUNC)
        OP_CASE(F64_NEAREST)
        OP_CASE(F64_SQRT)
        OP_CASE(F64_ADD)
        OP_CASE(F64_SUB)
        OP_CASE(F64_MUL)
        OP_CASE(F64_DIV)
        OP_CASE(F64_MIN)
        OP_CASE(F64_MAX)
        OP_CASE(F64_COPYSIGN)

        /* ---- conversions ---- */
        OP_CASE(I32_WRAP_I64)
        vmcase(I32_TRUNC_F32_S) {
            int32_t r;
            tk = numeric_i32_trunc_f32_s(SLOT(2).f32, &r);
            if (tk) goto trap;
            SLOT(1).i64 = (uint32_t)r;
            pc += 3;
            vmbreak;
        }
        vmcase(I32_TRUNC_F32_U) {
            uint32_t r;
            tk = numeric_i32_trunc_f32_u(SLOT(2).f32, &r);
            if (tk) goto trap;
            SLOT(1).i64 = r;
            pc += 3;
            vmbreak;
        }
        OP_CASE(I32_TRUNC_F64_S)
        OP_CASE(I32_TRUNC_F64_U)
        OP_CASE(I64_EXTEND_I32_S)
        OP_CASE(I64_EXTEND_I32_U)
        vmcase(I64_TRUNC_F32_S) {
            int64_t r;
            tk = numeric_i64_trunc_f32_s(SLOT(2).f32, &r);
            if (tk) goto trap;
            SLOT(1).i64 = (uint64_t)r;
            pc += 3;
            vmbreak;
        }
        vmcase(I64_TRUNC_F32_U) {
            uint64_t r;
            tk = numeric_i64_trunc_f32_u(SLOT(2).f32, &r);
            if (tk) goto trap;
            SLOT(1).i64 = r;
            pc += 3;
            vmbreak;
        }
        vmcase(I64_TRUNC_F64_S) {
            int64_t r;
            tk = numeric_i64_trunc_f64_s(SLOT(2).f64, &r);
            if (tk) goto trap;
            SLOT(1).i64 = (uint64_t)r;
            pc += 3;
            vmbreak;
        }
        vmcase(I64_TRUNC_F64_U) {
            uint64_t r;
            tk = numeric_i64_trunc_f64_u(SLOT(2).f64, &r);
            if (tk) goto trap;
            SLOT(1).i64 = r;
            pc += 3;
            vmbreak;
        }
        /* Results that are f32 are written through a float so the upper
         * half of the slot is don't-care, as for every f32 slot. */
        OP_CASE(F32_CONVERT_I32_S)
        OP_CASE(F32_CONVERT_I32_U)
        OP_CASE(F32_CONVERT_I64_S)
        OP_CASE(F32_CONVERT_I64_U)
        OP_CASE(F32_DEMOTE_F64)
        OP_CASE(F64_CONVERT_I32_S)
        OP_CASE(F64_CONVERT_I32_U)
        OP_CASE(F64_CONVERT_I64_S)
        OP_CASE(F64_CONVERT_I64_U)
        OP_CASE(F64_PROMOTE_F32)
        /* Floats live in slots as their bits: reinterpreting moves nothing,
         * but an i32 result must have a zero upper half. */
        OP_CASE(I32_REINTERPRET_F32)
        OP_CASE(I64_REINTERPRET_F64)
        OP_CASE(F32_REINTERPRET_I32)
        OP_CASE(F64_REINTERPRET_I64)
        OP_CASE(I32_EXTEND8_S)
        OP_CASE(I32_EXTEND16_S)
        OP_CASE(I64_EXTEND8_S)
        OP_CASE(I64_EXTEND16_S)
        OP_CASE(I64_EXTEND32_S)
        OP_CASE(I32_TRUNC_SAT_F32_S)
        OP_CASE(I32_TRUNC_SAT_F32_U)
        OP_CASE(I32_TRUNC_SAT_F64_S)
        OP_CASE(I32_TRUNC_SAT_F64_U)
        OP_CASE(I64_TRUNC_SAT_F32_S)
        OP_CASE(I64_TRUNC_SAT_F32_U)
        OP_CASE(I64_TRUNC_SAT_F64_S)
        OP_CASE(I64_TRUNC_SAT_F64_U)

        /* ---- SIMD (see the SIMD_* handler macros above interp_loop) ---- */
        vmcase(SIMD_v128_const) {
            wasm_slot *d = &SLOT(1);
            d[0].i64 = pc[2].u64;
            d[1].i64 = pc[3].u64;
            pc += 4;
            vmbreak;
        }
        vmcase(SIMD_i8x16_shuffle) {
            uint8_t idx[16];
            memcpy(idx, &pc[4].u64, 8);
            memcpy(idx + 8, &pc[5].u64, 8);
            V128_OUT(1, simd_i8x16_shuffle(V128_IN(2), V128_IN(3), idx));
            pc += 6;
            vmbreak;
        }
        INTERP_SIMD_LIST

#if !INTERP_THREADED
        default:
            /* The compiler emits only the ops above. */
            tk = HIVE_TRAP_UNREACHABLE;
            goto trap;
#endif

        /* ---- fused runs (opcodes.h): each instruction's body in turn,
         * pc moved past each, then straight into the last one's handler,
         * which finds its operands where they always are. A taken branch
         * in a body leaves the run for its target; a trap leaves pc on the
         * instruction that trapped. */
#define PAIR_CASE(a, n, b)                                            \
    vmcase(a##__##b) {                                                \
        _Static_assert((n) == OP_LEN(a), "WASM_PAIRS: length of " #a); \
        OP_STEP(a)                                                      \
        goto L_##b;                                                   \
    }
        WASM_PAIRS(PAIR_CASE)
#undef PAIR_CASE
#define TRIPLE_CASE(a, n, b, m, c)                                      \
    vmcase(a##__##b##__##c) {                                           \
        _Static_assert((n) == OP_LEN(a), "WASM_TRIPLES: length of " #a); \
        _Static_assert((m) == OP_LEN(b), "WASM_TRIPLES: length of " #b); \
        OP_STEP(a)                                                        \
        OP_STEP(b)                                                        \
        goto L_##c;                                                     \
    }
        WASM_TRIPLES(TRIPLE_CASE)
#undef TRIPLE_CASE
#define QUAD_CASE(a, n, b, m, c, k, d)                                \
    vmcase(a##__##b##__##c##__##d) {                                  \
        _Static_assert((n) == OP_LEN(a), "WASM_QUADS: length of " #a); \
        _Static_assert((m) == OP_LEN(b), "WASM_QUADS: length of " #b); \
        _Static_assert((k) == OP_LEN(c), "WASM_QUADS: length of " #c); \
        OP_STEP(a)                                                      \
        OP_STEP(b)                                                      \
        OP_STEP(c)                                                      \
        goto L_##d;                                                   \
    }
        WASM_QUADS(QUAD_CASE)
#undef QUAD_CASE
        } /* vmdispatch */

        /* The switch build comes back here after each vmbreak. Shared tails
         * of several handlers follow; they are reached only by goto. */
        continue;

    /* callee is a wasm function whose arguments start at args; next_pc
     * is where the caller continues. The frame count and the callee's
     * whole frame (locals and deepest operand stack) are checked here, so
     * nothing inside the body needs a stack check. enter_local is for
     * CALL, whose callee is always a function of the caller's own
     * instance; enter_wasm may also switch instance. */
#define ENTER_FRAME(code_)                                                               \
    do {                                                                                 \
        const wasm_code *code = (code_);                                                 \
        /* cells first: when compiled, the rest is too (module.h); when not \
         * (hv_interp_lazy_stub), ENTER_LAZY does the checks again */                      \
        const wasm_cell *cells = __atomic_load_n(&code->cells, __ATOMIC_ACQUIRE);        \
        wasm_slot *new_fp = args;                                                        \
        if (top == frames_end ||                                                         \
            (size_t)(stack_end - new_fp) < __atomic_load_n(&code->max_slots, __ATOMIC_RELAXED)) { \
            tk = HIVE_TRAP_STACK_EXHAUSTED;                                              \
            goto trap;                                                                   \
        }                                                                                \
        wasm_frame *fr = top++;                                                          \
        fr->ret_pc = next_pc;                                                            \
        fr->fp = fp;                                                                     \
        fr->func = func;                                                                 \
        fp = new_fp;                                                                     \
        uint32_t zero_len = __atomic_load_n(&code->zero_len, __ATOMIC_ACQUIRE);          \
        zero_slots(fp + __atomic_load_n(&code->zero_at, __ATOMIC_RELAXED), zero_len);    \
        func = callee;                                                                   \
        pc = cells;                                                                      \
    } while (0)
    enter_local:
        ENTER_FRAME(callee_code);
        continue;
    enter_wasm:
        ENTER_FRAME(callee->code);
        if (callee->inst != inst) {
            inst = callee->inst;
            memory_cache(inst, &mem, &mem_size);
        }
        continue;
#undef ENTER_FRAME

    do_throw: {
        /* The first handler (wasm_code.handlers) that covers the throw, in
         * this function, then in each caller up to the entry frame (at a
         * caller, the cell before its return address: the call's last) */
        const hive_tag *tag = inst->tags[pc[2].u32];
        uint32_t nslots = tag->type->param_slots;
        const wasm_slot *vals = fp + pc[1].u32 - nslots;
        const wasm_cell *at = pc;
        wasm_slot *hfp = fp;
        hive_func *hfunc = func;
        wasm_frame *htop = top;
        uint32_t back = 0;
        const wasm_handler *h = NULL;
        for (;;) {
            const wasm_code *code = hfunc->code;
            uint32_t pos = (uint32_t)(at - code->cells) - back;
            for (uint32_t i = 0; i < code->nhandlers; i++) {
                const wasm_handler *c = &code->handlers[i];
                if (pos >= c->start && pos < c->end &&
                    (c->tag == WASM_TAG_ALL || hfunc->inst->tags[c->tag] == tag)) {
                    h = c;
                    break;
                }
            }
            if (h) break;
            wasm_frame *fr = htop - 1;
            if (!fr->ret_pc) break; /* the entry frame: nobody catches it */
            at = fr->ret_pc;
            hfp = fr->fp;
            hfunc = fr->func;
            htop = fr;
            back = 1;
        }
        if (!h) {
            tk = HIVE_TRAP_UNCAUGHT_EXCEPTION;
            goto trap;
        }
        memmove(hfp + h->slot, vals, (size_t)nslots * sizeof(wasm_slot));
        fp = hfp;
        func = hfunc;
        top = htop;
        pc = hfunc->code->cells + h->pad;
        if (func->inst != inst) {
            inst = func->inst;
            memory_cache(inst, &mem, &mem_size);
        }
        continue;
    }

    bulk: {
        /* out of line: it would otherwise cost the hot handlers registers */
        bulk_result br = bulk_run(exec, inst, mem, fp + pc[1].u32, pc, bulk_kind, budget, reserve);
        budget = br.budget;
        reserve = br.reserve;
        if (br.suspend) goto suspend;
        pc += br.len;
        continue;
    }

    call_host: {
        /* The host sees a consistent exec (for its own traps and
         * backtraces); its results replace its arguments. */
        exec->pc = pc;
        exec->sp = args + callee->type->param_slots;
        exec->fp = fp;
        exec->func = func;
        exec->nframes = (uint32_t)(top - exec->frames);
        hive_host_status st = hv_interp_call_host(exec, callee, inst, args);
        if (st == HIVE_HOST_OK) {
            pc = next_pc;
            memory_cache(inst, &mem, &mem_size); /* the host may have grown it */
            continue;
        }
        if (st == HIVE_HOST_PENDING) {
            /* hive_exec_complete() stores the results at exec->sp and the
             * next resume continues after the call. */
            exec->pc = next_pc;
            exec->sp = args;
            exec->pending_host = callee;
            exec->budget = budget + reserve;
            exec->state = WASM_EXEC_PENDING;
            return HIVE_PENDING;
        }
        capture_backtrace(exec); /* kind and message are the host's */
        goto trapped;
    }

    trap_memory:
        tk = HIVE_TRAP_MEMORY_OOB;
        goto trap;
    trap_table:
        tk = HIVE_TRAP_TABLE_OOB;
        goto trap;
    }

trap:
    exec->nframes = (uint32_t)(top - exec->frames);
    exec->pc = pc;
    exec->fp = fp;
    exec->func = func;
    hv_interp_set_trap(exec, tk, NULL);
    goto trapped;
trap_element: {
    /* The spec's reference interpreter names the element ("undefined
     * element 7"), and its tests match that text. */
    char msg[64];
    snprintf(msg, sizeof msg, "%s %u", trap_message(tk), trap_elem);
    exec->nframes = (uint32_t)(top - exec->frames);
    exec->pc = pc;
    exec->fp = fp;
    exec->func = func;
    hv_interp_set_trap(exec, tk, msg);
}
trapped:
    exec->state = WASM_EXEC_TRAPPED;
    exec->nframes = 0;
    exec->nresults = 0;
    return HIVE_TRAPPED;

suspend:
    exec->nframes = (uint32_t)(top - exec->frames);
    exec->pc = pc;
    exec->fp = fp;
    exec->func = func;
    exec->budget = budget + reserve;
    /* Honoured: an interrupt that raced with running out of budget is
     * honoured by this same suspension. */
    atomic_store_explicit(&exec->interrupt, 0, memory_order_relaxed);
    exec->state = WASM_EXEC_SUSPENDED;
    return HIVE_SUSPENDED;

done:
    exec->budget = budget + reserve; /* what is left, for hive_exec_budget_left */
    /* The entry function's results are at the stack base (its fp). */
    exec->sp = fp + exec->entry->type->result_slots;
    exec->func = NULL;
    exec->nframes = 0;
    exec->nresults = exec->entry->type->nresults;
    exec->state = WASM_EXEC_IDLE;
    return HIVE_DONE;
}

hive_status hv_interp_run(hive_exec *exec) {
    exec->warm = false; /* (slice_refill) */
    return interp_loop(exec, NULL);
}

const void *const *hv_interp_labels(void) {
    const void *const *labels;
    interp_loop(NULL, &labels);
    return labels;
}

wasm_cell hv_interp_lazy_stub[1];
static pthread_once_t lazy_once = PTHREAD_ONCE_INIT;

static void lazy_init(void) {
    const void *const *labels = hv_interp_labels();
    if (labels) hv_interp_lazy_stub[0].label = labels[OP_ENTER_LAZY];
    else hv_interp_lazy_stub[0].u64 = OP_ENTER_LAZY;
}

wasm_cell *hv_interp_lazy_cells(void) {
    pthread_once(&lazy_once, lazy_init);
    return hv_interp_lazy_stub;
}
