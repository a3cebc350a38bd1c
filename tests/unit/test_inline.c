/*
 * test_inline.c -- inline-threaded code (src/wasm/inline.c).
 *
 * The copier must know the exact length of every x86-64 instruction of a
 * handler it copies: one wrong length and the copy is garbage. So this
 * test disassembles the interpreter with objdump and checks the copier's
 * decoder against it, instruction by instruction, over the whole range
 * of the handlers (not only the ones copied). It also checks that the
 * default engine really runs copies and HIVE_CONFIG_NO_INLINE does not,
 * and that both give the same results, traps and resumptions on a module
 * with loops, calls, memory and a trap.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "hive/wasm.h"
#include "sideutil.h"
#include "testutil.h"
#include "wasm/inline.h"
#include "wasm/opcodes.h"
#include "wasm/runtime.h"

/* ---- the decoder against objdump ----------------------------------------- */

#define MAX_INSNS (1u << 20)
static uint32_t starts[MAX_INSNS]; /* file addresses, ascending */
static size_t nstarts;

static bool is_start(uint64_t a) {
    size_t lo = 0, hi = nstarts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (starts[mid] < a) lo = mid + 1;
        else hi = mid;
    }
    return lo < nstarts && starts[lo] == a;
}

static void test_decoder(void) {
    if (!hv_inline_available()) {
        fprintf(stderr, "inline: not available in this build or on this machine; decoder check skipped\n");
        return;
    }
    /* The range of the copied handlers, as file addresses. */
    Dl_info info;
    const void *const *labels = hv_interp_labels();
    CHECK(dladdr(labels[0], &info) != 0);
    uintptr_t base = (uintptr_t)info.dli_fbase;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    size_t copied = 0;
    for (uint32_t op = 0; op < OP_COUNT_; op++) {
        size_t len;
        bool falls;
        const uint8_t *p = hv_inline_handler(op, &len, &falls);
        if (!p) continue;
        copied++;
        if ((uintptr_t)p < lo) lo = (uintptr_t)p;
        if ((uintptr_t)p + len > hi) hi = (uintptr_t)p + len;
    }
    CHECK(copied > 0);
    /* the file the interpreter was loaded from (not /proc/self/exe, which
     * under valgrind is valgrind) */
    char exe[256];
    snprintf(exe, sizeof exe, "%s", info.dli_fname && access(info.dli_fname, R_OK) == 0 ? info.dli_fname : "/proc/self/exe");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "objdump -d --no-show-raw-insn --start-address=0x%" PRIxPTR
             " --stop-address=0x%" PRIxPTR " '%s'",
             lo - base, hi - base + 64, exe);
    FILE *f = popen(cmd, "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[512];
    nstarts = 0;
    while (fgets(line, sizeof line, f)) {
        char *end;
        unsigned long long a = strtoull(line, &end, 16);
        if (end != line && *end == ':' && end[1] == '\t' && nstarts < MAX_INSNS)
            starts[nstarts++] = (uint32_t)a;
    }
    int rc = pclose(f);
    if (rc != 0 || nstarts < 1000) {
        fprintf(stderr, "inline: objdump gave %zu instructions (status %d)\n", nstarts, rc);
        CHECK(0);
        return;
    }
    /* Every instruction objdump lists in the range (the listing goes on a
     * little further, so that the last one is whole): the decoder gives
     * its exact length or says it does not know it (then no handler
     * containing it is copied). */
    size_t known = 0, unknown = 0, wrong = 0;
    for (size_t i = 0; i + 1 < nstarts && starts[i] < hi - base; i++) {
        const uint8_t *p = (const uint8_t *)(base + starts[i]);
        size_t n = hv_inline_insn_length(p);
        if (n == 0) {
            unknown++;
        } else if (n != starts[i + 1] - starts[i]) {
            if (wrong++ < 10)
                fprintf(stderr, "inline: at 0x%x the decoder says %zu bytes, objdump %u\n",
                        starts[i], n, starts[i + 1] - starts[i]);
        } else {
            known++;
        }
    }
    if (wrong) fprintf(stderr, "inline: the listing was: %s\n", cmd);
    CHECK(wrong == 0);
    /* Every copied handler: its instructions, walked with the decoder,
     * start where objdump's do, and the copy ends on an instruction. */
    size_t bad = 0;
    for (uint32_t op = 0; op < OP_COUNT_; op++) {
        size_t len;
        bool falls;
        const uint8_t *p = hv_inline_handler(op, &len, &falls);
        if (!p) continue;
        for (size_t off = 0; off < len;) {
            size_t n = hv_inline_insn_length(p + off);
            if (n == 0 || !is_start((uintptr_t)p + off - base)) {
                if (bad++ < 10) fprintf(stderr, "inline: op %u: bad instruction at +%zu\n", op, off);
                break;
            }
            off += n;
            if (off == len && !is_start((uintptr_t)p + off - base)) bad++;
        }
        /* a copy that drops its last jump ends with jmp *(%rbx) */
        if (falls) CHECK(len >= 2 && p[len - 2] == 0xff && p[len - 1] == 0x23);
    }
    CHECK(bad == 0);
    printf("inline: %zu handlers copied; decoder agrees with objdump on %zu instructions (%zu it does not know)\n",
           copied, known, unknown);
}

/* ---- the copies run, and behave as the interpreter ----------------------- */

/* (module
 *   (memory (export "mem") 1)
 *   (func $sum (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
 *       (i32.store (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 2))
 *                  (local.get $i))
 *       (local.set $s (i32.add (local.get $s)
 *                     (i32.load (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 2)))))
 *       (local.set $s (i32.xor (local.get $s) (call $mix (local.get $i))))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br 0)))
 *     (local.get $s))
 *   (func $mix (param i32) (result i32)
 *     (i32.mul (i32.rotl (local.get 0) (i32.const 7)) (i32.const 0x9e3779b1)))
 *   (func (export "oob") (param i32) (result i32)
 *     (i32.load (local.get 0))))
 */
static const uint8_t sum_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01,
    0x7f, 0x03, 0x04, 0x03, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x03,
    0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x00, 0x03, 0x6f, 0x6f,
    0x62, 0x00, 0x02, 0x0a, 0x5d, 0x03, 0x44, 0x01, 0x02, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20,
    0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, 0x20, 0x01, 0x41, 0xff, 0x01, 0x71, 0x41, 0x02, 0x74,
    0x20, 0x01, 0x36, 0x02, 0x00, 0x20, 0x02, 0x20, 0x01, 0x41, 0xff, 0x01, 0x71, 0x41, 0x02,
    0x74, 0x28, 0x02, 0x00, 0x6a, 0x21, 0x02, 0x20, 0x02, 0x20, 0x01, 0x10, 0x01, 0x73, 0x21,
    0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x0b,
    0x0e, 0x00, 0x20, 0x00, 0x41, 0x07, 0x77, 0x41, 0xb1, 0xf3, 0xdd, 0xf1, 0x79, 0x6c, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,

};

static uint32_t sum_ref(uint32_t n) {
    uint32_t mem[256] = {0}, s = 0;
    for (uint32_t i = 0; i < n; i++) {
        mem[i & 255] = i;
        s += mem[i & 255];
        s ^= ((i << 7) | (i >> 25)) * 0x9e3779b1u;
    }
    return s;
}

/* Whether f's first instruction is dispatched to one of the
 * interpreter's own handlers. */
static bool first_is_interpreter(const hive_func *f) {
    const void *const *labels = hv_interp_labels();
    if (!labels) return true; /* the switch build: op numbers, no copies */
    const wasm_cell *cells = hv_module_code_cells(f->inst->module, f->code);
    for (uint32_t op = 0; cells && op < OP_COUNT_; op++)
        if (cells[0].label == labels[op]) return true;
    return false;
}

/* Runs name(arg) to the end in slices of budget units (0: unlimited):
 * the status, and the result or the trap kind. */
static hive_status run(side *s, const char *name, uint32_t arg, uint64_t budget, uint32_t *out,
                       unsigned *slices) {
    const hive_func *f = side_func(s, name);
    if (!f) return HIVE_FAILED;
    hive_val a, r;
    memset(&a, 0, sizeof a);
    a.type = HIVE_I32;
    a.of.i32 = arg;
    hive_status st = hive_exec_call(s->exec, (hive_func *)f, &a, 1, budget);
    *slices = 1;
    while (st == HIVE_SUSPENDED && *slices < 100000) {
        st = hive_exec_resume(s->exec, budget);
        ++*slices;
    }
    if (st == HIVE_DONE) {
        CHECK(hive_exec_results(s->exec, &r, 1) == 1);
        *out = r.of.i32;
    } else if (st == HIVE_TRAPPED) {
        *out = (uint32_t)hive_exec_trap(s->exec)->kind;
    }
    return st;
}

static void test_copies_run(void) {
    side inl, interp;
    size_t stubs0, direct0, stubs1, direct1;
    hv_inline_counts(&stubs0, &direct0);
    CHECK(side_open(&inl, sum_wasm, sizeof sum_wasm, 0) == 0);
    CHECK(side_open(&interp, sum_wasm, sizeof sum_wasm, HIVE_CONFIG_NO_INLINE) == 0);
    if (test_cur_failed) return;
    hv_inline_counts(&stubs1, &direct1);
    printf("inline: the module's copies: %zu tails of branches not taken, %zu direct jumps\n",
           stubs1 - stubs0, direct1 - direct0);
    const hive_func *fi = side_func(&inl, "sum"), *fp = side_func(&interp, "sum");
    CHECK(fi && fp);
    if (!fi || !fp) return;
    CHECK(first_is_interpreter(fp));
    if (hv_inline_available()) CHECK(!first_is_interpreter(fi));
    static const uint64_t budgets[] = {0, 1, 2, 3, 5, 17, 1000};
    for (uint32_t n = 0; n < 700; n += 233) {
        for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
            uint32_t r1 = 0, r2 = 0;
            unsigned s1, s2;
            CHECK(run(&inl, "sum", n, budgets[b], &r1, &s1) == HIVE_DONE);
            CHECK(run(&interp, "sum", n, budgets[b], &r2, &s2) == HIVE_DONE);
            CHECK(r1 == sum_ref(n) && r2 == r1);
            CHECK(s1 == s2); /* the same suspension points */
        }
    }
    uint32_t k1 = 0, k2 = 0;
    unsigned s1, s2;
    CHECK(run(&inl, "oob", 65533, 0, &k1, &s1) == HIVE_TRAPPED);
    CHECK(run(&interp, "oob", 65533, 0, &k2, &s2) == HIVE_TRAPPED);
    CHECK(k1 == HIVE_TRAP_MEMORY_OOB && k2 == k1);
    CHECK(run(&inl, "oob", 65532, 0, &k1, &s1) == HIVE_DONE);
    side_close(&inl);
    side_close(&interp);
}

/* Several threads compile and run the module at once, each on its own
 * engine, while the handlers are still unscanned (this test runs first):
 * the scanning under its lock, the code areas and their placement. */
#define NTHREADS 4
static void *compile_and_run(void *arg) {
    side s;
    uint32_t *out = arg, r = 0;
    unsigned slices;
    if (side_open(&s, sum_wasm, sizeof sum_wasm, 0) == 0 && run(&s, "sum", 500, 7, &r, &slices) == HIVE_DONE)
        *out = r;
    side_close(&s);
    return NULL;
}

static void test_threads(void) {
    pthread_t t[NTHREADS];
    uint32_t out[NTHREADS] = {0};
    for (int i = 0; i < NTHREADS; i++) CHECK(pthread_create(&t[i], NULL, compile_and_run, &out[i]) == 0);
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < NTHREADS; i++) CHECK(out[i] == sum_ref(500));
}

int main(void) {
    RUN(test_threads);
    RUN(test_decoder);
    RUN(test_copies_run);
    return test_summary("inline");
}
