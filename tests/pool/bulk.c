/*
 * bulk.c -- bulk memory and table operations charged by size and run in
 * chunks (src/wasm/interp.c): under budgets from 1 unit to none, each call
 * resumed until done, the results must equal a model's; the units charged
 * must be one per 64 bytes; an interrupt stops a large operation part way
 * and the resume finishes it; out-of-bounds operations trap with nothing
 * written.
 *
 *   pool_bulk build/pool/bulk.wasm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive/wasm.h"

static int failed, passed;

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (c) {                                                                  \
            passed++;                                                             \
        } else {                                                                  \
            failed++;                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
        }                                                                         \
    } while (0)

#define MEM (64u * 65536)
#define TAB 4096u

static hive_engine *engine;
static hive_module *module;
static hive_instance *inst;
static hive_exec *exec;
static uint8_t *mem;
static hive_table *tab;
static hive_func *fa, *fb;
static uint8_t model[MEM];
static void *tmodel[TAB];

static uint8_t data_byte(uint32_t i) { return (uint8_t)((i * 37 + (i >> 7)) & 0xff); }
static void *elem_ref(uint32_t i) { return i % 3 ? (void *)fa : (void *)fb; }

static hive_func *export_func(const char *name) {
    hive_extern ex;
    if (hive_instance_export(inst, name, strlen(name), &ex) != HIVE_OK) return NULL;
    return ex.kind == HIVE_EXTERN_FUNC ? ex.of.func : NULL;
}

/* Calls name(args) with `budget` units per call/resume (0: no limit) until
 * it is done; returns the final status and counts the suspensions. */
static hive_status call(const char *name, const uint32_t *args, size_t n, uint64_t budget,
                        int *suspensions) {
    hive_val v[3];
    for (size_t i = 0; i < n; i++) v[i] = (hive_val){.type = HIVE_I32, .of.i32 = (int32_t)args[i]};
    hive_func *f = export_func(name);
    if (!f) return HIVE_FAILED;
    hive_status st = hive_exec_call(exec, f, v, n, budget);
    int s = 0;
    while (st == HIVE_SUSPENDED && s < 10000000) {
        s++;
        st = hive_exec_resume(exec, budget);
    }
    if (suspensions) *suspensions = s;
    return st;
}

static void check_memory(const char *what) {
    if (memcmp(mem, model, MEM) != 0) {
        size_t i = 0;
        while (mem[i] == model[i]) i++;
        fprintf(stderr, "  %s: memory differs from byte %zu\n", what, i);
        failed++;
    } else {
        passed++;
    }
}

static void check_table(const char *what) {
    for (uint32_t i = 0; i < TAB; i++) {
        void *r = NULL;
        hive_table_get(tab, i, &r);
        if (r != tmodel[i]) {
            fprintf(stderr, "  %s: table differs at %u\n", what, i);
            failed++;
            return;
        }
    }
    passed++;
}

/* Every operation under every budget, against the model. */
static void test_against_model(void) {
    static const uint64_t budgets[] = {1, 3, 64, 1000, 0};
    char what[96];
    for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
        uint64_t bu = budgets[b];
        /* fill: small (fast path), large, unaligned */
        uint32_t f1[] = {100, 0xab, 700}, f2[] = {5000, 0x5a, 300001}, f3[] = {1, 7, 2 * 65536 + 3};
        const uint32_t *fills[] = {f1, f2, f3};
        for (int k = 0; k < 3; k++) {
            snprintf(what, sizeof what, "fill %d, budget %llu", k, (unsigned long long)bu);
            CHECK(call("fill", fills[k], 3, bu, NULL) == HIVE_DONE);
            memset(model + fills[k][0], (int)(fills[k][1] & 0xff), fills[k][2]);
            check_memory(what);
        }
        /* make the memory distinct byte by byte, then copy in both
         * directions with overlap, and without */
        for (uint32_t i = 0; i < 400000; i += 4096) {
            uint32_t a[] = {i, (i / 4096) & 0xff, 4096};
            call("fill", a, 3, 0, NULL);
            memset(model + i, (int)((i / 4096) & 0xff), 4096);
        }
        uint32_t c1[] = {1000, 50000, 200000}, c2[] = {50000, 1000, 200000},
                 c3[] = {300000, 0, 70001}, c4[] = {10, 20, 900};
        const uint32_t *copies[] = {c1, c2, c3, c4};
        for (int k = 0; k < 4; k++) {
            snprintf(what, sizeof what, "copy %d, budget %llu", k, (unsigned long long)bu);
            CHECK(call("copy", copies[k], 3, bu, NULL) == HIVE_DONE);
            memmove(model + copies[k][0], model + copies[k][1], copies[k][2]);
            check_memory(what);
        }
        uint32_t i1[] = {123457, 5, 8000}, i2[] = {10, 0, 8192};
        const uint32_t *inits[] = {i1, i2};
        for (int k = 0; k < 2; k++) {
            snprintf(what, sizeof what, "init %d, budget %llu", k, (unsigned long long)bu);
            CHECK(call("init", inits[k], 3, bu, NULL) == HIVE_DONE);
            for (uint32_t j = 0; j < inits[k][2]; j++)
                model[inits[k][0] + j] = data_byte(inits[k][1] + j);
            check_memory(what);
        }
        /* tables */
        uint32_t tf[] = {7, 3000};
        snprintf(what, sizeof what, "table.fill, budget %llu", (unsigned long long)bu);
        CHECK(call("tfill_a", tf, 2, bu, NULL) == HIVE_DONE);
        for (uint32_t j = 0; j < tf[1]; j++) tmodel[tf[0] + j] = fa;
        check_table(what);
        uint32_t ti[] = {1000, 3, 290};
        snprintf(what, sizeof what, "table.init, budget %llu", (unsigned long long)bu);
        CHECK(call("tinit", ti, 3, bu, NULL) == HIVE_DONE);
        for (uint32_t j = 0; j < ti[2]; j++) tmodel[ti[0] + j] = elem_ref(ti[1] + j);
        check_table(what);
        uint32_t tc1[] = {1100, 1000, 2500}, tc2[] = {900, 1000, 2500};
        const uint32_t *tcs[] = {tc1, tc2};
        for (int k = 0; k < 2; k++) {
            snprintf(what, sizeof what, "table.copy %d, budget %llu", k, (unsigned long long)bu);
            CHECK(call("tcopy", tcs[k], 3, bu, NULL) == HIVE_DONE);
            memmove(tmodel + tcs[k][0], tmodel + tcs[k][1], tcs[k][2] * sizeof(void *));
            check_table(what);
        }
        uint32_t tn[] = {0, TAB};
        CHECK(call("tfill_null", tn, 2, bu, NULL) == HIVE_DONE);
        memset(tmodel, 0, sizeof tmodel);
        check_table("table.fill null");
    }
}

/* One unit per 64 bytes: a budget of 1000 units fills 64,000 bytes (plus
 * the call's own unit), then suspends; the resume does the rest. */
static void test_units(void) {
    memset(model, 0, MEM);
    uint32_t z[] = {0, 0, MEM};
    call("fill", z, 3, 0, NULL);
    uint32_t a[] = {0, 0x11, 1 << 20};
    hive_func *f = export_func("fill");
    hive_val v[3];
    for (int i = 0; i < 3; i++) v[i] = (hive_val){.type = HIVE_I32, .of.i32 = (int32_t)a[i]};
    hive_status st = hive_exec_call(exec, f, v, 3, 1000);
    CHECK(st == HIVE_SUSPENDED);
    uint32_t done = 0;
    while (done < (1u << 20) && mem[done] == 0x11) done++;
    /* the entry call spends no unit (only calls made inside do) */
    if (done != 64000) fprintf(stderr, "  filled %u bytes with 1000 units\n", done);
    CHECK(done == 64000);
    CHECK(hive_exec_budget_left(exec) == 0);
    st = hive_exec_resume(exec, 0);
    CHECK(st == HIVE_DONE);
    memset(model, 0x11, 1 << 20);
    check_memory("fill after its resume");
    /* a 2 MiB fill costs 32,768 units: a budget of 100,000 leaves 67,232 */
    uint32_t b[] = {0, 0x22, 2u << 20};
    for (int i = 0; i < 3; i++) v[i] = (hive_val){.type = HIVE_I32, .of.i32 = (int32_t)b[i]};
    st = hive_exec_call(exec, f, v, 3, 100000);
    CHECK(st == HIVE_DONE);
    uint64_t left = hive_exec_budget_left(exec);
    if (left != 100000 - (2u << 20) / 64) fprintf(stderr, "  left %llu\n", (unsigned long long)left);
    CHECK(left == 100000 - (2u << 20) / 64);
    memset(model, 0x22, 2u << 20);
    check_memory("2 MiB fill");
}

/* An interrupt stops a large fill between chunks; the resume finishes it. */
static void test_interrupt(void) {
    uint32_t a[] = {0, 0x33, MEM};
    hive_func *f = export_func("fill");
    hive_val v[3];
    for (int i = 0; i < 3; i++) v[i] = (hive_val){.type = HIVE_I32, .of.i32 = (int32_t)a[i]};
    hive_exec_interrupt(exec); /* honoured at the first check */
    hive_status st = hive_exec_call(exec, f, v, 3, 0);
    CHECK(st == HIVE_SUSPENDED);
    CHECK(mem[0] != 0x33); /* nothing done yet */
    st = hive_exec_resume(exec, 0);
    CHECK(st == HIVE_DONE);
    memset(model, 0x33, MEM);
    check_memory("fill after an interrupt");
}

/* Out of bounds: a trap, nothing written, under any budget. */
static void test_trap(void) {
    uint32_t a[] = {MEM - 100000, 0x44, 100001};
    CHECK(call("fill", a, 3, 1, NULL) == HIVE_TRAPPED);
    uint32_t c[] = {0, MEM - 5000, 5001};
    CHECK(call("copy", c, 3, 1, NULL) == HIVE_TRAPPED);
    uint32_t t[] = {TAB - 200, 201};
    CHECK(call("tfill_a", t, 2, 1, NULL) == HIVE_TRAPPED);
    check_memory("after out-of-bounds operations");
    check_table("after an out-of-bounds table.fill");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: pool_bulk bulk.wasm\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        fprintf(stderr, "pool_bulk: cannot open %s\n", argv[1]);
        return 1;
    }
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    hive_error err;
    engine = hive_engine_new(NULL);
    exec = engine ? hive_exec_new(engine) : NULL;
    if (!exec || hive_module_new(engine, buf, n, &module, &err) != HIVE_OK ||
        hive_instance_new(engine, module, NULL, 0, &inst, &err) != HIVE_OK) {
        fprintf(stderr, "pool_bulk: cannot instantiate %s\n", argv[1]);
        return 1;
    }
    hive_extern ex;
    hive_instance_export(inst, "mem", 3, &ex);
    mem = hive_memory_data(ex.of.memory);
    hive_instance_export(inst, "t", 1, &ex);
    tab = ex.of.table;
    fa = export_func("a");
    fb = export_func("b");
    if (!mem || !tab || !fa || !fb) return 1;
    test_against_model();
    test_units();
    test_interrupt();
    test_trap();
    hive_exec_free(exec);
    hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
    printf("pool_bulk: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
