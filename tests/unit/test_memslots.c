/*
 * test_memslots.c -- kept memory slots (src/wasm/instance.c): a memory
 * made after one was freed reuses its reservation and reads exactly as
 * a fresh one (the image's bytes, zeros elsewhere), whatever the last
 * user wrote; the memory budget counts live memories only. A small
 * memory is reset in place: the pages its user touched stay resident
 * (no MADV_DONTNEED, no fault for the next user), unless it touched too
 * many of them; one of up to 256 KiB is reset by scanning its pages
 * rather than reading the page map, with the same result.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hive/wasm.h"
#include "testutil.h"

/* (memory (export "mem") 1) (data (i32.const 0) "abc") */
static const uint8_t mod_bytes[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                   /* header */
    0x05, 0x03, 0x01, 0x00, 0x01,                                     /* memory 1 */
    0x07, 0x07, 0x01, 0x03, 'm', 'e', 'm', 0x02, 0x00,                /* export */
    0x0b, 0x09, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x03, 'a', 'b', 'c'};   /* data */

static void test_reuse_resets(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module = NULL;
    hive_error err;
    memset(&err, 0, sizeof err);
    CHECK(hive_module_new(engine, mod_bytes, sizeof mod_bytes, &module, &err) == HIVE_OK);
    uint8_t *first = NULL;
    for (int round = 0; round < 3 && module; round++) {
        hive_instance *inst = NULL;
        CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
        if (!inst) break;
        hive_memory *mem = hive_instance_memory(inst);
        uint8_t *d = hive_memory_data(mem);
        CHECK(hive_memory_size(mem) == 65536);
        CHECK(hive_engine_memory_committed(engine) == 65536);
        if (round == 0) first = d;
        else CHECK(d == first); /* the kept slot */
        CHECK(memcmp(d, "abc", 3) == 0);
        CHECK(d[3] == 0 && d[40000] == 0 && d[65535] == 0);
        CHECK(hive_memory_grow(mem, 1) == 1); /* a grown memory is reset too */
        memcpy(d, "XYZ", 3);
        d[40000] = 7;
        d[65535] = 8;
        d[65536 + 5] = 9;
        hive_instance_free(inst);
        CHECK(hive_engine_memory_committed(engine) == 0);
    }
    /* A memory without the image that takes the slot reads zeros. */
    hive_limits l = {.min = 1, .max = 0, .has_max = 0};
    hive_memory *bare = hive_memory_new(engine, l);
    CHECK(bare != NULL);
    if (bare) {
        uint8_t *d = hive_memory_data(bare);
        CHECK(d == first);
        CHECK(hive_memory_size(bare) == 65536);
        CHECK(d[0] == 0 && d[1] == 0 && d[2] == 0 && d[40000] == 0 && d[65535] == 0);
        CHECK(hive_memory_ptr(bare, 65536, 1) == NULL);
        d[0] = 1;
        hive_memory_free(bare);
    }
    /* and the image comes back for the module's next instance */
    hive_instance *inst = NULL;
    CHECK(module && hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    if (inst) {
        uint8_t *d = hive_memory_data(hive_instance_memory(inst));
        CHECK(memcmp(d, "abc", 3) == 0 && d[65535] == 0);
        hive_instance_free(inst);
    }
    hive_module_release(module);
    hive_engine_free(engine);
}

/* Whether the host page at p is resident and private to the process
 * (/proc/self/pagemap: present, not a file page); -1 when unknown. */
static int page_private(const void *p) {
    int fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0) return -1;
    long ps = sysconf(_SC_PAGESIZE);
    uint64_t e = 0;
    ssize_t r = pread(fd, &e, sizeof e, (off_t)((uintptr_t)p / (uintptr_t)ps * sizeof e));
    close(fd);
    if (r != (ssize_t)sizeof e) return -1;
    return (e >> 63) && !((e >> 61) & 1);
}

static void test_reset_in_place(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module = NULL;
    hive_error err;
    memset(&err, 0, sizeof err);
    CHECK(hive_module_new(engine, mod_bytes, sizeof mod_bytes, &module, &err) == HIVE_OK);
    hive_instance *inst = NULL;
    CHECK(module && hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    if (!inst) {
        hive_module_release(module);
        hive_engine_free(engine);
        return;
    }
    uint8_t *d = hive_memory_data(hive_instance_memory(inst));
    if (page_private(d) < 0) { /* no page map here: the fallback is what runs */
        printf("  (no /proc/self/pagemap: in-place reset not observable)\n");
        hive_instance_free(inst);
        hive_module_release(module);
        hive_engine_free(engine);
        return;
    }
    CHECK(page_private(d) == 0);     /* the image page, only read: the file's */
    CHECK(page_private(d + 32768) == 0);
    memcpy(d, "XYZ", 3);             /* the image page, written */
    d[32768] = 5;                    /* a zero page, written */
    CHECK(page_private(d) == 1 && page_private(d + 32768) == 1);
    hive_instance_free(inst);
    inst = NULL;
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    if (inst) {
        uint8_t *e = hive_memory_data(hive_instance_memory(inst));
        CHECK(e == d); /* the kept slot */
        /* reset, and still resident: no page went back */
        CHECK(page_private(e) == 1 && page_private(e + 32768) == 1);
        CHECK(memcmp(e, "abc", 3) == 0 && e[3] == 0 && e[32768] == 0);
        /* 80 host pages touched: too many to keep, they go back */
        CHECK(hive_memory_grow(hive_instance_memory(inst), 4) == 1);
        memset(e, 0x5a, 5 * 65536);
        hive_instance_free(inst);
        inst = NULL;
    }
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    if (inst) {
        uint8_t *e = hive_memory_data(hive_instance_memory(inst));
        CHECK(e == d);
        CHECK(page_private(e + 32768) == 0);
        CHECK(memcmp(e, "abc", 3) == 0 && e[3] == 0 && e[32768] == 0 && e[65535] == 0);
        hive_instance_free(inst);
    }
    hive_module_release(module);
    hive_engine_free(engine);
}

/* A memory small enough to be reset by scanning its pages (no page map):
 * a byte written anywhere, in any 1 KiB block of any page, in the image
 * or in the zero region, reads as the image or zero for the next user;
 * so does a page only read (the shared zero page or the image's). */
static void test_scan_reset(void) {
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module = NULL;
    hive_error err;
    memset(&err, 0, sizeof err);
    CHECK(hive_module_new(engine, mod_bytes, sizeof mod_bytes, &module, &err) == HIVE_OK);
    static const size_t offs[] = {0, 3, 1023, 1024, 2047, 4095, 4096, 5000, 8191, 12288 + 777,
                                  32768 + 1024, 65535, 65536, 65536 + 4096 + 3000, 131071};
    uint8_t *first = NULL;
    for (int round = 0; round < 2 * (int)(sizeof offs / sizeof offs[0]) && module; round++) {
        hive_instance *inst = NULL;
        CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
        if (!inst) break;
        hive_memory *mem = hive_instance_memory(inst);
        uint8_t *d = hive_memory_data(mem);
        if (round == 0) first = d;
        CHECK(d == first);
        /* reads exactly as a fresh memory: the image, zeros after it */
        CHECK(hive_memory_size(mem) == 65536);
        size_t bad = 0;
        for (size_t i = 0; i < 65536; i++) bad += d[i] != (i < 3 ? (uint8_t)"abc"[i] : 0);
        CHECK(bad == 0);
        CHECK(hive_memory_grow(mem, 1) == 1);
        for (size_t i = 65536; i < 131072; i++) bad += d[i] != 0;
        CHECK(bad == 0);
        /* one byte written (odd rounds: one byte and every page read) */
        size_t at = offs[(size_t)round / 2];
        d[at] = (uint8_t)(0x80 | round);
        if (round % 2) {
            volatile uint8_t sum = 0;
            for (size_t i = 0; i < 131072; i += 4096) sum += d[i];
            (void)sum;
        }
        hive_instance_free(inst);
    }
    hive_module_release(module);
    hive_engine_free(engine);
}

int main(void) {
    RUN(test_reuse_resets);
    RUN(test_reset_in_place);
    RUN(test_scan_reset);
    return test_summary("memslots");
}
