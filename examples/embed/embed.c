/*
 * embed.c -- a program that embeds hive: it loads a WebAssembly module
 * from bytes, gives it a host function, instantiates it and calls its
 * exports, one of them in slices of a small budget, resumed until done.
 *
 * Build against an installed hive (README.md, "Embedding"):
 *
 *     cc embed.c $(pkg-config --cflags --libs hive) -o embed
 *     ./embed          (prints three lines; exit status 0)
 */
#include <hive/hive.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The module, as wat2wasm writes it from this text:
 *
 *   (module
 *     (import "host" "square" (func $square (param i32) (result i32)))
 *     (func $fib (export "fib") (param $n i32) (result i64)
 *       (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
 *         (then (i64.extend_i32_u (local.get $n)))
 *         (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
 *                        (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
 *     (func (export "sum_squares") (param $n i32) (result i32)
 *       (local $s i32)
 *       (block $done
 *         (loop $next
 *           (br_if $done (i32.eqz (local.get $n)))
 *           (local.set $s (i32.add (local.get $s) (call $square (local.get $n))))
 *           (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *           (br $next)))
 *       (local.get $s)))
 */
/* clang-format off */
static const uint8_t module_bytes[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* "\0asm", version 1 */
    /* type section: (i32) -> i32, (i32) -> i64 */
    0x01, 0x0b, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7e,
    /* import section: "host" "square", a function of type 0 */
    0x02, 0x0f, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x06, 0x73, 0x71, 0x75, 0x61, 0x72, 0x65,
    0x00, 0x00,
    /* function section: fib has type 1, sum_squares type 0 */
    0x03, 0x03, 0x02, 0x01, 0x00,
    /* export section: "fib" is function 1, "sum_squares" function 2 */
    0x07, 0x15, 0x02, 0x03, 0x66, 0x69, 0x62, 0x00, 0x01, 0x0b, 0x73, 0x75, 0x6d, 0x5f, 0x73,
    0x71, 0x75, 0x61, 0x72, 0x65, 0x73, 0x00, 0x02,
    /* code section: the two bodies */
    0x0a, 0x43, 0x02,
    0x1d, 0x00, 0x20, 0x00, 0x41, 0x02, 0x49, 0x04, 0x7e, 0x20, 0x00, 0xad, 0x05, 0x20, 0x00,
    0x41, 0x01, 0x6b, 0x10, 0x01, 0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x01, 0x7c, 0x0b, 0x0b,
    0x23, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01,
    0x20, 0x00, 0x10, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c,
    0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b,
};
/* clang-format on */

/* The host function the module imports as host.square. */
static hive_host_status square(hive_host_call *call, const hive_val *args, hive_val *results) {
    unsigned *calls = call->user;
    uint32_t x = args[0].of.i32;
    (*calls)++;
    results[0].type = HIVE_I32;
    results[0].of.i32 = x * x;
    return HIVE_HOST_OK;
}

/* Looks up exported function name; NULL when there is none. */
static hive_func *export_func(hive_instance *inst, const char *name) {
    hive_extern ex;
    if (hive_instance_export(inst, name, strlen(name), &ex) != HIVE_OK ||
        ex.kind != HIVE_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

/* Prints why a call did not return. */
static void report(hive_exec *exec, hive_status st, const char *what) {
    if (st == HIVE_TRAPPED)
        fprintf(stderr, "embed: %s trapped: %s\n", what, hive_exec_trap(exec)->message);
    else
        fprintf(stderr, "embed: %s stopped with status %d\n", what, (int)st);
}

int main(void) {
    int rc = 1;
    unsigned square_calls = 0;
    hive_engine *engine = NULL;
    hive_module *module = NULL;
    hive_func *host = NULL;
    hive_instance *inst = NULL;
    hive_exec *exec = NULL;
    hive_error err;

    /* The headers we were compiled with and the library we run with. */
    printf("hive %s (headers %s)\n", hive_version(), HIVE_VERSION_STRING);

    engine = hive_engine_new(NULL);
    if (!engine) goto out;
    if (hive_module_new(engine, module_bytes, sizeof module_bytes, &module, &err) != HIVE_OK) {
        fprintf(stderr, "embed: bad module: %s at byte %zu: %s\n", hive_strerror(err.code),
                err.offset, err.message);
        goto out;
    }

    /* One import, host.square: (i32) -> i32. */
    static const uint8_t i32[] = {HIVE_I32};
    hive_functype square_type = {1, 1, i32, i32};
    host = hive_func_new_host(engine, &square_type, square, &square_calls, NULL, "square");
    if (!host) goto out;
    hive_extern imports[1] = {{.kind = HIVE_EXTERN_FUNC, .of.func = host}};
    if (hive_instance_new(engine, module, imports, 1, &inst, &err) != HIVE_OK) {
        fprintf(stderr, "embed: cannot instantiate: %s\n", err.message);
        goto out;
    }
    exec = hive_exec_new(engine);
    if (!exec) goto out;

    /* sum_squares(10): wasm calling the host ten times. */
    hive_func *sum = export_func(inst, "sum_squares");
    hive_val arg = {.type = HIVE_I32, .of.i32 = 10}, result;
    hive_status st = sum ? hive_exec_call(exec, sum, &arg, 1, 0) : HIVE_FAILED;
    if (st != HIVE_DONE || hive_exec_results(exec, &result, 1) != 1) {
        report(exec, st, "sum_squares");
        goto out;
    }
    printf("sum_squares(10) = %" PRIu32 " (%u host calls)\n", result.of.i32, square_calls);

    /* fib(25) in slices of 1000 units of work: each SUSPENDED return is a
     * point where the embedder could do something else, or move the call
     * to another thread, before resuming it. */
    hive_func *fib = export_func(inst, "fib");
    unsigned slices = 1;
    arg.of.i32 = 25;
    st = fib ? hive_exec_call(exec, fib, &arg, 1, 1000) : HIVE_FAILED;
    while (st == HIVE_SUSPENDED) {
        slices++;
        st = hive_exec_resume(exec, 1000);
    }
    if (st != HIVE_DONE || hive_exec_results(exec, &result, 1) != 1) {
        report(exec, st, "fib");
        goto out;
    }
    printf("fib(25) = %" PRIu64 " (in %u slices)\n", result.of.i64, slices);
    rc = 0;
out:
    hive_exec_free(exec);
    hive_instance_free(inst);
    hive_func_free(host);
    hive_module_release(module);
    hive_engine_free(engine);
    return rc;
}
