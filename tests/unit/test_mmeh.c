/*
 * test_mmeh.c -- multi-memory and exception tags through the public API
 * (docs/MULTI-MEMORY.md): an instance's memories by index and by export,
 * a tag made by the host (hive_tag_new) imported, thrown after the call
 * was suspended and resumed many times, and caught; an uncaught throw's
 * trap; tag import matching; HIVE_CONFIG_WASM2 refusing both features.
 * The module is the bytes of the text below (wasm-tools parse), kept as
 * bytes so the test needs no tools.
 */
#include "hive/wasm.h"
#include "testutil.h"

/*
 * (module
 *   (import "host" "tag" (tag $ht (param i32)))
 *   (memory (export "m0") 1)
 *   (memory (export "m1") 2)
 *   (tag $own (export "own") (param i32))
 *   (func (export "store1") (param i32 i32) (i32.store 1 (local.get 0) (local.get 1)))
 *   (func $spin-throw (param $n i32) (local $i i32)
 *     (loop $l
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
 *     (throw $ht (local.get $n)))
 *   (func (export "catch-host") (param i32) (result i32)
 *     (block $h (result i32)
 *       (try_table (catch $ht $h) (call $spin-throw (local.get 0)))
 *       (i32.const -1)))
 *   (func (export "throw-own") (param i32) (throw $own (local.get 0)))
 * )
 */
static const uint8_t mmeh_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60,
  0x01, 0x7f, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01,
  0x7f, 0x02, 0x0d, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x03, 0x74, 0x61,
  0x67, 0x04, 0x00, 0x00, 0x03, 0x05, 0x04, 0x01, 0x00, 0x02, 0x00, 0x05,
  0x05, 0x02, 0x00, 0x01, 0x00, 0x02, 0x0d, 0x03, 0x01, 0x00, 0x00, 0x07,
  0x33, 0x06, 0x02, 0x6d, 0x30, 0x02, 0x00, 0x02, 0x6d, 0x31, 0x02, 0x01,
  0x03, 0x6f, 0x77, 0x6e, 0x04, 0x01, 0x06, 0x73, 0x74, 0x6f, 0x72, 0x65,
  0x31, 0x00, 0x00, 0x0a, 0x63, 0x61, 0x74, 0x63, 0x68, 0x2d, 0x68, 0x6f,
  0x73, 0x74, 0x00, 0x02, 0x09, 0x74, 0x68, 0x72, 0x6f, 0x77, 0x2d, 0x6f,
  0x77, 0x6e, 0x00, 0x03, 0x0a, 0x40, 0x04, 0x0a, 0x00, 0x20, 0x00, 0x20,
  0x01, 0x36, 0x42, 0x01, 0x00, 0x0b, 0x19, 0x01, 0x01, 0x7f, 0x03, 0x40,
  0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x01, 0x20, 0x00, 0x49,
  0x0d, 0x00, 0x0b, 0x20, 0x00, 0x08, 0x00, 0x0b, 0x12, 0x00, 0x02, 0x7f,
  0x1f, 0x40, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x01, 0x0b, 0x41,
  0x7f, 0x0b, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x08, 0x01, 0x0b, 0x00, 0x38,
  0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x0d, 0x01, 0x01, 0x0a, 0x73, 0x70,
  0x69, 0x6e, 0x2d, 0x74, 0x68, 0x72, 0x6f, 0x77, 0x02, 0x09, 0x01, 0x01,
  0x02, 0x00, 0x01, 0x6e, 0x01, 0x01, 0x69, 0x03, 0x0b, 0x02, 0x01, 0x01,
  0x00, 0x01, 0x6c, 0x02, 0x01, 0x00, 0x01, 0x68, 0x0b, 0x0a, 0x02, 0x00,
  0x02, 0x68, 0x74, 0x01, 0x03, 0x6f, 0x77, 0x6e
};

static const uint8_t i32_type[] = {HIVE_I32};
static const uint8_t i64_type[] = {HIVE_I64};

static hive_val i32_val(uint32_t v) {
    hive_val x;
    memset(&x, 0, sizeof x);
    x.type = HIVE_I32;
    x.of.i32 = v;
    return x;
}

static hive_func *export_func(hive_instance *inst, const char *name) {
    hive_extern e;
    if (hive_instance_export(inst, name, strlen(name), &e) || e.kind != HIVE_EXTERN_FUNC)
        return NULL;
    return e.of.func;
}

static void test_memories_and_tags(void) {
    hive_engine *engine = hive_engine_new(NULL);
    CHECK(engine != NULL);
    if (!engine) return;
    hive_module *module = NULL;
    hive_error err;
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(hive_module_new(engine, mmeh_wasm, sizeof mmeh_wasm, &module, &err), HIVE_OK);
    if (!module) {
        fprintf(stderr, "  %s\n", err.message);
        hive_engine_free(engine);
        return;
    }
    /* the import is a tag of one i32 */
    hive_externtype t;
    const char *mn, *nm;
    size_t ml, nl;
    CHECK_EQ_INT(hive_module_import(module, 0, &mn, &ml, &nm, &nl, &t), HIVE_OK);
    CHECK_EQ_INT(t.kind, HIVE_EXTERN_TAG);
    CHECK(t.func.nparams == 1 && t.func.params[0] == HIVE_I32 && t.func.nresults == 0);

    /* a host tag of the wrong type is not linked; one with results is
     * not made */
    hive_functype wrong = {1, 0, i64_type, NULL};
    hive_tag *bad = hive_tag_new(engine, &wrong);
    CHECK(bad != NULL);
    hive_extern imp = {.kind = HIVE_EXTERN_TAG};
    imp.of.tag = bad;
    hive_instance *inst = NULL;
    CHECK_EQ_INT(hive_instance_new(engine, module, &imp, 1, &inst, &err), HIVE_EUNLINKABLE);
    CHECK(inst == NULL);
    hive_tag_free(bad);
    hive_functype with_result = {0, 1, NULL, i32_type};
    CHECK(hive_tag_new(engine, &with_result) == NULL);

    hive_functype right = {1, 0, i32_type, NULL};
    hive_tag *tag = hive_tag_new(engine, &right);
    CHECK(tag != NULL);
    imp.of.tag = tag;
    CHECK_EQ_INT(hive_instance_new(engine, module, &imp, 1, &inst, &err), HIVE_OK);
    if (!inst) goto out;

    /* memories: by index and by export, memory 0 as before */
    CHECK_EQ_INT(hive_instance_memory_count(inst), 2);
    hive_memory *m0 = hive_instance_memory_at(inst, 0), *m1 = hive_instance_memory_at(inst, 1);
    CHECK(m0 != NULL && m1 != NULL && m0 != m1);
    CHECK(hive_instance_memory(inst) == m0);
    CHECK(hive_instance_memory_at(inst, 2) == NULL);
    CHECK(hive_memory_size(m0) == 65536 && hive_memory_size(m1) == 2 * 65536);
    hive_extern e;
    CHECK_EQ_INT(hive_instance_export(inst, "m1", 2, &e), HIVE_OK);
    CHECK(e.kind == HIVE_EXTERN_MEMORY && e.of.memory == m1);
    CHECK_EQ_INT(hive_instance_export(inst, "m0", 2, &e), HIVE_OK);
    CHECK(e.kind == HIVE_EXTERN_MEMORY && e.of.memory == m0);
    CHECK_EQ_INT(hive_instance_export(inst, "own", 3, &e), HIVE_OK);
    CHECK(e.kind == HIVE_EXTERN_TAG && e.of.tag != NULL && e.of.tag != tag);

    hive_exec *exec = hive_exec_new(engine);
    CHECK(exec != NULL);
    if (!exec) goto out_inst;
    hive_val args[2] = {i32_val(70000), i32_val(0x11223344)};
    CHECK_EQ_INT(hive_exec_call(exec, export_func(inst, "store1"), args, 2, 0), HIVE_DONE);
    const uint8_t *b1 = hive_memory_ptr(m1, 70000, 4), *b0 = hive_memory_ptr(m0, 0, 65536);
    CHECK(b1 && b1[0] == 0x44 && b1[3] == 0x11);
    int zero = 1;
    for (size_t i = 0; b0 && i < 65536; i++) zero &= b0[i] == 0;
    CHECK(zero);

    /* the host's tag, thrown after 5000 loop iterations run in slices of
     * 7 units, then caught: the value it carried is the result */
    hive_val n = i32_val(5000);
    hive_status st = hive_exec_call(exec, export_func(inst, "catch-host"), &n, 1, 7);
    int slices = 1;
    while (st == HIVE_SUSPENDED && slices < 100000) {
        st = hive_exec_resume(exec, 7);
        slices++;
    }
    CHECK_EQ_INT(st, HIVE_DONE);
    CHECK(slices > 500);
    hive_val r;
    CHECK(hive_exec_results(exec, &r, 1) == 1 && r.type == HIVE_I32 && r.of.i32 == 5000);

    /* nobody catches the instance's own tag */
    CHECK_EQ_INT(hive_exec_call(exec, export_func(inst, "throw-own"), &n, 1, 0), HIVE_TRAPPED);
    const hive_trap *tr = hive_exec_trap(exec);
    CHECK(tr && tr->kind == HIVE_TRAP_UNCAUGHT_EXCEPTION);
    CHECK(tr && strcmp(tr->message, "uncaught exception") == 0);
    CHECK(tr && tr->nframes >= 1);
    /* and the exec works on */
    n = i32_val(3);
    CHECK_EQ_INT(hive_exec_call(exec, export_func(inst, "catch-host"), &n, 1, 0), HIVE_DONE);
    CHECK(hive_exec_results(exec, &r, 1) == 1 && r.of.i32 == 3);
    hive_exec_free(exec);
out_inst:
    hive_instance_free(inst);
out:
    hive_tag_free(tag);
    hive_module_release(module);
    hive_engine_free(engine);
}

/* WebAssembly 2.0 exactly: the same module is malformed (section id 13,
 * import kind 4) */
static void test_wasm2(void) {
    hive_config cfg = {.flags = HIVE_CONFIG_WASM2};
    hive_engine *engine = hive_engine_new(&cfg);
    CHECK(engine != NULL);
    if (!engine) return;
    hive_module *module = NULL;
    hive_error err;
    CHECK_EQ_INT(hive_module_new(engine, mmeh_wasm, sizeof mmeh_wasm, &module, &err),
                 HIVE_EMALFORMED);
    CHECK(module == NULL);
    hive_engine_free(engine);
}

int main(void) {
    RUN(test_memories_and_tags);
    RUN(test_wasm2);
    return test_summary("mmeh");
}
