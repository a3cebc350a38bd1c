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
#include "sumwasm.h"
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

/* Whether f's first instruction is dispatched to one of the
 * interpreter's own handlers. */
static bool code_first_is_interpreter(hive_module *module, const wasm_code *code) {
    const void *const *labels = hv_interp_labels();
    if (!labels) return true; /* the switch build: op numbers, no copies */
    const wasm_cell *cells = hv_module_code_cells(module, code);
    for (uint32_t op = 0; cells && op < OP_COUNT_; op++)
        if (__atomic_load_n(&cells[0].label, __ATOMIC_RELAXED) == labels[op]) return true;
    return false;
}

static bool first_is_interpreter(const hive_func *f) {
    return code_first_is_interpreter(f->inst->module, f->code);
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
    CHECK(side_open(&inl, sum_wasm, sizeof sum_wasm, HIVE_CONFIG_INLINE_NOW) == 0);
    CHECK(side_open(&interp, sum_wasm, sizeof sum_wasm, HIVE_CONFIG_NO_INLINE) == 0);
    if (test_cur_failed) return;
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
    hv_inline_counts(&stubs1, &direct1);
    printf("inline: the module's copies: %zu tails of branches not taken, %zu direct jumps\n",
           stubs1 - stubs0, direct1 - direct0);
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
    if (side_open(&s, sum_wasm, sizeof sum_wasm, HIVE_CONFIG_INLINE_NOW) == 0 &&
        run(&s, "sum", 500, 7, &r, &slices) == HIVE_DONE)
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

/* ---- when copies are made (docs/ARCHITECTURE.md, "Inline copies: when") -- */

/* By default a function runs on the interpreter's handlers until it is
 * hot: a short run makes no copies; a long one gives the looping function
 * its copies part way through, and the leaf it calls too. */
static void test_tier_up(void) {
    if (!hv_inline_available()) {
        printf("inline: no inline copies on this machine: tier-up not tested\n");
        return;
    }
    side s;
    CHECK(side_open(&s, sum_wasm, sizeof sum_wasm, 0) == 0);
    if (test_cur_failed) return;
    const hive_func *f = side_func(&s, "sum");
    const wasm_code *mix = &s.module->m.codes[1];
    uint32_t r = 0;
    unsigned slices;
    CHECK(run(&s, "sum", 20, 0, &r, &slices) == HIVE_DONE && r == sum_ref(20));
    CHECK(first_is_interpreter(f));
    CHECK(code_first_is_interpreter(s.module, mix));
    CHECK(s.module->m.icode_used == 0);
    /* 100,000 iterations and calls: dozens of slices, all in sum */
    CHECK(run(&s, "sum", 100000, 0, &r, &slices) == HIVE_DONE && r == sum_ref(100000));
    CHECK(!first_is_interpreter(f));
    CHECK(!code_first_is_interpreter(s.module, mix));
    CHECK(s.module->m.icode_used > 0);
    CHECK(run(&s, "sum", 777, 0, &r, &slices) == HIVE_DONE && r == sum_ref(777));
    side_close(&s);

    /* HIVE_CONFIG_INLINE_NOW: copies at the first compile */
    CHECK(side_open(&s, sum_wasm, sizeof sum_wasm, HIVE_CONFIG_INLINE_NOW) == 0);
    if (test_cur_failed) return;
    CHECK(run(&s, "sum", 20, 0, &r, &slices) == HIVE_DONE && r == sum_ref(20));
    CHECK(!first_is_interpreter(side_func(&s, "sum")));
    side_close(&s);
}

/* A run suspended by its budget ends its slice where it stands: a sample
 * too. In slices of 100 units, sum gets its copies after its second run,
 * part way through the loop; the result and the suspension points stay
 * the interpreter's. Short runs that end no slice are not samples, but
 * the module's 256th run gives every compiled function its copies. */
static void test_tier_runs(void) {
    if (!hv_inline_available()) return;
    side s, interp;
    CHECK(side_open(&s, sum_wasm, sizeof sum_wasm, 0) == 0);
    CHECK(side_open(&interp, sum_wasm, sizeof sum_wasm, HIVE_CONFIG_NO_INLINE) == 0);
    if (test_cur_failed) return;
    uint32_t r1 = 0, r2 = 0;
    unsigned s1, s2;
    CHECK(run(&s, "sum", 2000, 100, &r1, &s1) == HIVE_DONE);
    CHECK(run(&interp, "sum", 2000, 100, &r2, &s2) == HIVE_DONE);
    CHECK(r1 == sum_ref(2000) && r2 == r1);
    CHECK(s1 == s2 && s1 >= 40);
    CHECK(!first_is_interpreter(side_func(&s, "sum")));
    CHECK(!s.module->m.tier_all); /* 40 runs: sampled, not all */
    CHECK(run(&s, "sum", 3000, 7, &r1, &s1) == HIVE_DONE);
    CHECK(run(&interp, "sum", 3000, 7, &r2, &s2) == HIVE_DONE);
    CHECK(r1 == sum_ref(3000) && r2 == r1 && s1 == s2);
    side_close(&s);

    CHECK(side_open(&s, sum_wasm, sizeof sum_wasm, 0) == 0);
    if (test_cur_failed) return;
    for (uint32_t k = 0; k < 255; k++)
        CHECK(run(&s, "sum", k % 30, 0, &r1, &s1) == HIVE_DONE && r1 == sum_ref(k % 30));
    CHECK(first_is_interpreter(side_func(&s, "sum")));
    CHECK(!s.module->m.tier_all);
    CHECK(run(&s, "sum", 10, 0, &r1, &s1) == HIVE_DONE && r1 == sum_ref(10));
    CHECK(s.module->m.tier_all);
    CHECK(!first_is_interpreter(side_func(&s, "sum")));
    CHECK(run(&s, "sum", 300, 0, &r1, &s1) == HIVE_DONE && r1 == sum_ref(300));
    side_close(&s);
    side_close(&interp);
}

int main(void) {
    unsetenv("HIVE_TIER"); /* these tests are about the default */
    unsetenv("HIVE_EAGER");
    RUN(test_threads);
    RUN(test_decoder);
    RUN(test_copies_run);
    RUN(test_tier_up);
    RUN(test_tier_runs);
    return test_summary("inline");
}
