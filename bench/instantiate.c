/*
 * instantiate.c -- how long hive takes to instantiate an already compiled
 * module, per instance.
 *
 *   instantiate [N] [BATCHES]    (default 2000 and 5)
 *
 * Builds, in memory, a module shaped like a small C program's: 1 MiB of
 * initial memory (16 pages, no maximum), a mutable stack-pointer global,
 * one exported function, and active data segments. Three variants: no
 * data, 64 KiB of data in 8 segments, and 1 MiB of data (the whole memory)
 * in 16 segments. Each is compiled once (hive_module_new, timed too);
 * then BATCHES batches of N hive_instance_new + hive_instance_free pairs
 * are timed, and the median batch gives microseconds per instance. The
 * same is then timed with a one-byte write to every 4 KiB page the data
 * covers between the two calls: an engine that maps the initial memory
 * copy-on-write defers the copying to those first writes, which a guest
 * that uses its data pays for. The first instance of each variant is
 * checked: its memory holds the data and its function returns the first
 * word of the first segment.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hive/wasm.h"

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) {
            fprintf(stderr, "instantiate: out of memory\n");
            exit(1);
        }
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void byte(buf *b, uint8_t v) { put(b, &v, 1); }

static void uleb(buf *b, uint64_t v) {
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        byte(b, v ? c | 0x80 : c);
    } while (v);
}

static void sleb(buf *b, int64_t v) {
    for (;;) {
        uint8_t c = v & 0x7f;
        v >>= 7; /* arithmetic shift on every compiler hive supports */
        if ((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40))) {
            byte(b, c);
            return;
        }
        byte(b, c | 0x80);
    }
}

static void section(buf *m, uint8_t id, buf *s) {
    byte(m, id);
    uleb(m, s->len);
    put(m, s->p, s->len);
    s->len = 0;
}

/* The byte at address a of the data: a pattern no page of zeros has. */
static uint8_t data_byte(uint32_t a) { return (uint8_t)(a * 2654435761u >> 24) | 1; }

/* A module with 16 pages and nseg segments of seglen bytes, packed from
 * address 1024. */
static buf build_module(uint32_t nseg, uint32_t seglen) {
    buf m = {0}, s = {0};
    put(&m, "\0asm\1\0\0\0", 8);
    /* type 0: () -> i32 */
    uleb(&s, 1);
    put(&s, "\x60\x00\x01\x7f", 4);
    section(&m, 1, &s);
    /* function 0 : type 0 */
    uleb(&s, 1);
    uleb(&s, 0);
    section(&m, 3, &s);
    /* memory 0: min 16 pages, no max */
    uleb(&s, 1);
    byte(&s, 0);
    uleb(&s, 16);
    section(&m, 5, &s);
    /* global 0: mut i32 = 1 MiB (a stack pointer) */
    uleb(&s, 1);
    put(&s, "\x7f\x01\x41", 3);
    sleb(&s, 1 << 20);
    byte(&s, 0x0b);
    section(&m, 6, &s);
    /* exports: "memory", "first" */
    uleb(&s, 2);
    uleb(&s, 6);
    put(&s, "memory", 6);
    byte(&s, 2);
    uleb(&s, 0);
    uleb(&s, 5);
    put(&s, "first", 5);
    byte(&s, 0);
    uleb(&s, 0);
    section(&m, 7, &s);
    /* code: first() = i32.load (i32.const 1024) */
    buf body = {0};
    uleb(&body, 0); /* no locals */
    byte(&body, 0x41);
    sleb(&body, 1024);
    put(&body, "\x28\x02\x00", 3); /* i32.load align=2 offset=0 */
    byte(&body, 0x0b);
    uleb(&s, 1);
    uleb(&s, body.len);
    put(&s, body.p, body.len);
    free(body.p);
    section(&m, 10, &s);
    /* data */
    if (nseg) {
        uleb(&s, nseg);
        uint8_t *seg = malloc(seglen);
        if (!seg) exit(1);
        for (uint32_t i = 0; i < nseg; i++) {
            uint32_t at = 1024 + i * seglen;
            uleb(&s, 0); /* active, memory 0 */
            byte(&s, 0x41);
            sleb(&s, at);
            byte(&s, 0x0b);
            uleb(&s, seglen);
            for (uint32_t k = 0; k < seglen; k++) seg[k] = data_byte(at + k);
            put(&s, seg, seglen);
        }
        free(seg);
        section(&m, 11, &s);
    }
    free(s.p);
    return m;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void fail(const char *what, const hive_error *err) {
    fprintf(stderr, "instantiate: %s: %s: %s\n", what, hive_strerror(err->code), err->message);
    exit(1);
}

/* Checks the first instance: data in place, function works. */
static void check(hive_engine *engine, hive_instance *inst, uint32_t nseg, uint32_t seglen) {
    hive_memory *mem = hive_instance_memory(inst);
    if (!mem || hive_memory_size(mem) != (1u << 20)) {
        fprintf(stderr, "instantiate: memory is not 1 MiB\n");
        exit(1);
    }
    const uint8_t *d = hive_memory_data(mem);
    uint32_t end = 1024 + nseg * seglen;
    for (uint32_t a = 0; a < (1u << 20); a++) {
        uint8_t want = a >= 1024 && a < end ? data_byte(a) : 0;
        if (d[a] != want) {
            fprintf(stderr, "instantiate: memory byte %u is %u, not %u\n", a, d[a], want);
            exit(1);
        }
    }
    hive_extern f;
    if (hive_instance_export(inst, "first", 5, &f) != HIVE_OK || f.kind != HIVE_EXTERN_FUNC) {
        fprintf(stderr, "instantiate: no export 'first'\n");
        exit(1);
    }
    hive_exec *exec = hive_exec_new(engine);
    hive_val r;
    if (!exec || hive_exec_call(exec, f.of.func, NULL, 0, 0) != HIVE_DONE ||
        hive_exec_results(exec, &r, 1) != 1) {
        fprintf(stderr, "instantiate: calling 'first' failed\n");
        exit(1);
    }
    uint32_t want = 0;
    if (nseg)
        for (int k = 0; k < 4; k++) want |= (uint32_t)data_byte(1024 + (uint32_t)k) << (8 * k);
    if (r.of.i32 != want) {
        fprintf(stderr, "instantiate: 'first' returned %08x, not %08x\n", r.of.i32, want);
        exit(1);
    }
    hive_exec_free(exec);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    long batches = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
    if (n < 1 || batches < 1 || batches > 1000) {
        fprintf(stderr, "usage: instantiate [N] [BATCHES]\n");
        return 2;
    }
    static const struct {
        uint32_t nseg, seglen;
        const char *what;
    } variants[] = {
        {0, 0, "no data"},
        {8, 8192, "64 KiB data in 8 segments"},
        {16, 65536 - 64, "1 MiB data in 16 segments"}, /* 1024 + 16 * 65472 = 1 MiB */
    };
    hive_engine *engine = hive_engine_new(NULL);
    if (!engine) return 1;
    double *per = malloc((size_t)batches * sizeof *per);
    if (!per) return 1;
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        buf bytes = build_module(variants[v].nseg, variants[v].seglen);
        hive_error err;
        hive_module *module;
        double t0 = now();
        if (hive_module_new(engine, bytes.p, bytes.len, &module, &err) != HIVE_OK)
            fail("hive_module_new", &err);
        double compile_us = (now() - t0) * 1e6;

        hive_instance *inst;
        if (hive_instance_new(engine, module, NULL, 0, &inst, &err) != HIVE_OK)
            fail("hive_instance_new", &err);
        check(engine, inst, variants[v].nseg, variants[v].seglen);
        hive_instance_free(inst);

        uint32_t data_end = 1024 + variants[v].nseg * variants[v].seglen;
        double med[2], min[2];
        for (int touch = 0; touch < 2; touch++) {
            for (long b = 0; b < batches; b++) {
                t0 = now();
                for (long i = 0; i < n; i++) {
                    if (hive_instance_new(engine, module, NULL, 0, &inst, &err) != HIVE_OK)
                        fail("hive_instance_new", &err);
                    if (touch && data_end > 1024) {
                        volatile uint8_t *d = hive_memory_data(hive_instance_memory(inst));
                        for (uint32_t a = 1024; a < data_end; a += 4096) d[a] = d[a];
                    }
                    hive_instance_free(inst);
                }
                per[b] = (now() - t0) * 1e6 / (double)n;
            }
            qsort(per, (size_t)batches, sizeof *per, cmp_double);
            med[touch] = per[batches / 2];
            min[touch] = per[0];
        }
        printf("instantiate: 1 MiB memory, %-26s %8.2f us per instance (min %.2f); "
               "%8.2f us writing each data page (min %.2f)\n",
               variants[v].what, med[0], min[0], med[1], min[1]);
        printf("             (median of %ld x %ld; module %zu bytes, compiled in %.0f us)\n",
               batches, n, bytes.len, compile_us);
        hive_module_release(module);
        free(bytes.p);
    }
    free(per);
    hive_engine_free(engine);
    return 0;
}
