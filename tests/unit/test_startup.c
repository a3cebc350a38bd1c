/*
 * test_startup.c -- what `hive run` does differently to start quickly
 * (docs/PERFORMANCE.md, "Process start-up"): an engine made with
 * HIVE_CONFIG_SINGLE_INSTANCE copies data segments instead of building a
 * memory image, and gives the same memory contents; nearest rounds as
 * nearbyint without libm; the CLI reads a module file in one read of its
 * size, and still reads pipes and reports errors; hive_module_new_take
 * keeps the caller's buffer instead of a copy and frees it in every case.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hive/wasm.h"
#include "testutil.h"
#include "wasm/numeric.h"
#include "wasm/runtime.h"

/* The CLI's file reading (src/cli/args.c is not part of libhive.a). */
#include "cli/args.c"

/* Memory 0 of 1 page with two overlapping active data segments: "abc" at
 * 100, then "X" at 101 (the later segment wins). */
static const uint8_t segs_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,    /* header */
    0x05, 0x03, 0x01, 0x00, 0x01,                      /* memory: min 1 */
    0x0b, 0x11, 0x02,                                  /* data: 2 segments */
    0x00, 0x41, 0xe4, 0x00, 0x0b, 0x03, 'a', 'b', 'c', /* at 100 */
    0x00, 0x41, 0xe5, 0x00, 0x0b, 0x01, 'X',           /* at 101 */
};

/* The second segment ("X" at 65536) is out of bounds: instantiation traps
 * after the first ("abc" at 100) is written. */
static const uint8_t oob_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x05, 0x03, 0x01, 0x00, 0x01,
    0x0b, 0x12, 0x02,
    0x00, 0x41, 0xe4, 0x00, 0x0b, 0x03, 'a', 'b', 'c',
    0x00, 0x41, 0x80, 0x80, 0x04, 0x0b, 0x01, 'X',
};

static int image_state(hive_module *m) { return atomic_load(&m->image.state); }

/* Instances of one module on each kind of engine: the same contents, the
 * image built only on the default engine, writes private to an instance,
 * and a memory slot reused after a write reads the segments afresh. */
static void test_single_instance(void) {
    for (int single = 0; single < 2; single++) {
        hive_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.flags = single ? HIVE_CONFIG_SINGLE_INSTANCE : 0;
        hive_engine *engine = hive_engine_new(&cfg);
        CHECK(engine != NULL);
        if (!engine) return;
        hive_module *module;
        hive_error err;
        CHECK(hive_module_new(engine, segs_wasm, sizeof segs_wasm, &module, &err) == HIVE_OK);
        for (int round = 0; round < 3; round++) {
            hive_instance *a, *b;
            CHECK(hive_instance_new(engine, module, NULL, 0, &a, &err) == HIVE_OK);
            uint8_t *da = hive_memory_data(hive_instance_memory(a));
            CHECK(memcmp(da + 100, "aXc", 3) == 0 && da[99] == 0 && da[103] == 0);
            da[100] = 'Z';
            da[5000] = 7;
            CHECK(hive_instance_new(engine, module, NULL, 0, &b, &err) == HIVE_OK);
            const uint8_t *db = hive_memory_data(hive_instance_memory(b));
            CHECK(memcmp(db + 100, "aXc", 3) == 0 && db[5000] == 0);
            CHECK(da[100] == 'Z');
            CHECK(hive_memory_grow(hive_instance_memory(a), 1) == 1);
            CHECK(da[65536 + 100] == 0);
            hive_instance_free(b);
            hive_instance_free(a); /* its slot, written to, is the next round's */
        }
        CHECK_EQ_INT(image_state(module), single ? WASM_IMAGE_COPY : WASM_IMAGE_READY);
        CHECK(single ? module->image.fd < 0 : module->image.fd >= 0);
        hive_module_release(module);

        /* partial initialisation: the segment before the bad one stays */
        CHECK(hive_module_new(engine, oob_wasm, sizeof oob_wasm, &module, &err) == HIVE_OK);
        hive_instance *inst = NULL;
        CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_ETRAP);
        CHECK(inst != NULL);
        if (inst) {
            const uint8_t *d = hive_memory_data(hive_instance_memory(inst));
            CHECK(memcmp(d + 100, "abc", 3) == 0);
            hive_instance_free(inst);
        }
        hive_module_release(module);
        hive_engine_free(engine);
    }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static bool same_f32(float a, float b) { return numeric_f32_bits(a) == numeric_f32_bits(b); }
static bool same_f64(double a, double b) { return numeric_f64_bits(a) == numeric_f64_bits(b); }

/* nearest against libm's nearbyint, bit for bit: the edges of the
 * add-and-subtract range, halves, tiny values, and many random values
 * (any bits, and values of every magnitude with a fraction). */
static void test_nearest_no_libm(void) {
    static const double d[] = {0.5, 1.5, 2.5, -2.5, 0x1p52 - 0.5, -(0x1p52 - 0.5), 0x1p52 - 1.5,
                               0x1p52, 0x1p52 + 1, 0x1p53 - 1, 0x1p-1074, -0x1p-1074,
                               0.49999999999999994, -0.49999999999999994, 1e300, -0.0, INFINITY};
    int bad = 0;
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        if (!same_f64(numeric_f64_nearest(d[i]), nearbyint(d[i]))) bad++;
    static const float f[] = {0.5f, 1.5f, 2.5f, -2.5f, 0x1p23f - 0.5f, -(0x1p23f - 0.5f),
                              0x1p23f - 1.5f, 0x1p23f, 0x1p23f + 1, 0x1p24f - 1, 0x1p-149f,
                              -0x1p-149f, 0.49999997f, -0.49999997f, 3e38f, -0.0f, INFINITY};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (!same_f32(numeric_f32_nearest(f[i]), nearbyintf(f[i]))) bad++;
    for (int i = 0; i < 2000000; i++) {
        uint64_t r = rng();
        double x = numeric_f64_from_bits(r);
        if (x == x && !same_f64(numeric_f64_nearest(x), nearbyint(x))) bad++;
        double y = (double)(int64_t)(r >> 11) / (double)(1ull << (r & 63));
        if (!same_f64(numeric_f64_nearest(y), nearbyint(y))) bad++;
        float xf = numeric_f32_from_bits((uint32_t)r);
        if (xf == xf && !same_f32(numeric_f32_nearest(xf), nearbyintf(xf))) bad++;
        float yf = (float)(int32_t)(r >> 40) / (float)(1u << (r & 31));
        if (!same_f32(numeric_f32_nearest(yf), nearbyintf(yf))) bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

/* cli_read_file: a regular file whole, an empty one, a pipe of more than
 * the first buffer (so it grows), a directory and a missing file (NULL,
 * errno saying why). */
static void test_read_file(void) {
    char dir[] = "/tmp/hive-test-startup-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    size_t n = 200000, len = 0;
    uint8_t *data = malloc(n);
    CHECK(data != NULL);
    if (!data) return;
    for (size_t i = 0; i < n; i++) data[i] = (uint8_t)(rng() >> 56);
    snprintf(path, sizeof path, "%s/m.wasm", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(data, 1, n, f) == n);
    if (f) fclose(f);
    uint8_t *got = cli_read_file(path, &len);
    CHECK(got && len == n && memcmp(got, data, n) == 0);
    free(got);

    snprintf(path, sizeof path, "%s/empty", dir);
    f = fopen(path, "wb");
    if (f) fclose(f);
    got = cli_read_file(path, &len);
    CHECK(got != NULL && len == 0);
    free(got);
    unlink(path);

    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(p[1], data + off, n - off);
            if (w <= 0) _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(p[1]);
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    got = cli_read_file(path, &len);
    CHECK(got && len == n && memcmp(got, data, n) == 0);
    free(got);
    close(p[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    errno = 0;
    CHECK(cli_read_file(dir, &len) == NULL && errno == EISDIR);
    snprintf(path, sizeof path, "%s/missing.wasm", dir);
    errno = 0;
    CHECK(cli_read_file(path, &len) == NULL && errno == ENOENT);
    snprintf(path, sizeof path, "%s/m.wasm", dir);
    unlink(path);
    rmdir(dir);
    free(data);
}

/* An allocator that counts what is live. */
static long live;
static void *counting_alloc(void *ud, void *ptr, size_t size) {
    (void)ud;
    if (!ptr && size) live++;
    if (ptr && !size) live--;
    if (!size) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

static uint8_t *alloc_copy(const uint8_t *b, size_t n) {
    uint8_t *p = counting_alloc(NULL, NULL, n);
    if (p) memcpy(p, b, n);
    return p;
}

/* hive_module_new_take: the module uses the buffer itself (its memory is
 * initialised from it), and the buffer is freed with the module, or at
 * once when decoding or validation fails: nothing stays live. */
static void test_module_take(void) {
    hive_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.alloc = counting_alloc;
    hive_engine *engine = hive_engine_new(&cfg);
    CHECK(engine != NULL);
    if (!engine) return;
    long base = 0;
    hive_module *module = NULL;
    hive_error err;
    /* twice: the engine keeps the first memory's slot for reuse, which
     * the second run's count then includes */
    for (int round = 0; round < 2; round++) {
        uint8_t *b = alloc_copy(segs_wasm, sizeof segs_wasm);
        CHECK(hive_module_new_take(engine, b, sizeof segs_wasm, &module, &err) == HIVE_OK);
        CHECK(module && module->m.bytes == b); /* not a copy */
        hive_instance *inst;
        CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
        CHECK(memcmp(hive_memory_data(hive_instance_memory(inst)) + 100, "aXc", 3) == 0);
        hive_instance_free(inst);
        hive_module_release(module);
        if (round) CHECK_EQ_INT(live, base);
        base = live;
    }
    uint8_t *buf;

    /* malformed: cut short in the data section */
    buf = alloc_copy(segs_wasm, sizeof segs_wasm - 3);
    module = NULL;
    CHECK(hive_module_new_take(engine, buf, sizeof segs_wasm - 3, &module, &err) == HIVE_EMALFORMED);
    CHECK(module == NULL);
    CHECK_EQ_INT(live, base);
    /* invalid: memory index 1 without a second memory (after decoding) */
    uint8_t bad[sizeof segs_wasm];
    memcpy(bad, segs_wasm, sizeof bad);
    bad[16] = 0x02; /* segment 0: flags 2, explicit memory index ... */
    buf = alloc_copy(bad, sizeof bad);
    CHECK(hive_module_new_take(engine, buf, sizeof bad, &module, &err) != HIVE_OK);
    CHECK_EQ_INT(live, base);
    hive_engine_free(engine);
    CHECK_EQ_INT(live, 0);
}

int main(void) {
    RUN(test_single_instance);
    RUN(test_nearest_no_libm);
    RUN(test_read_file);
    RUN(test_module_take);
    return test_summary("test_startup");
}
