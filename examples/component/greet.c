/*
 * examples/component/greet.c -- embedding a component: define host
 * functions by interface, instantiate, call an export with a string.
 *   cc greet.c -Iinclude build/libhive.a -lm -lpthread -luv -o greet
 *   ./greet build/componentcli/greet.wasm world
 * (the component is tests/componentcli/greet.wat).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hive/component.h>

/* test:host/env#log: func(msg: string) */
static hive_host_status host_log(hive_chost_call *call, const hive_cval *args, size_t nargs,
                                 hive_cval *results, size_t nresults) {
    printf("guest logs: %.*s\n", (int)args[0].of.str.len, args[0].of.str.ptr);
    return HIVE_HOST_OK;
}

/* test:host/env#get-name: func() -> string */
static hive_host_status host_get_name(hive_chost_call *call, const hive_cval *args, size_t nargs,
                                      hive_cval *results, size_t nresults) {
    return hive_cval_string(&results[0], "hive", 4) == HIVE_OK ? HIVE_HOST_OK : HIVE_HOST_TRAP;
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len ? *len : 1);
    if (b && fread(b, 1, *len, f) != *len) { free(b); b = NULL; }
    fclose(f);
    return b;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s COMPONENT.wasm NAME\n", argv[0]);
        return 2;
    }
    size_t len;
    uint8_t *bytes = read_file(argv[1], &len);
    if (!bytes) return 1;

    hive_engine *engine = hive_engine_new(NULL);
    hive_component *component;
    hive_error err;
    if (hive_component_new(engine, bytes, len, &component, &err) != HIVE_OK) {
        fprintf(stderr, "%s at byte %zu: %s\n", hive_strerror(err.code), err.offset, err.message);
        return 1;
    }
    free(bytes); /* the component keeps what it needs */

    /* Host functions by interface; the guest imports @0.2.4, served by @0.2.12. */
    hive_linker *linker = hive_linker_new(engine);
    hive_linker_define_func(linker, "test:host/env@0.2.12", "log", "func(msg: string)", host_log, NULL);
    hive_linker_define_func(linker, "test:host/env@0.2.12", "get-name", "func() -> string",
                            host_get_name, NULL);

    hive_cinstance *inst;
    if (hive_cinstance_new(engine, component, linker, &inst, &err) != HIVE_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    hive_cfunc *greet = hive_cinstance_func(inst, "greet");
    hive_cval arg, result = {0};
    hive_cval_string(&arg, argv[2], strlen(argv[2]));
    hive_status st = hive_cinstance_call(inst, greet, &arg, 1, 0 /* no budget */);
    if (st == HIVE_DONE && hive_cinstance_results(inst, &result, 1) == 1)
        printf("%.*s\n", (int)result.of.str.len, result.of.str.ptr);
    else
        fprintf(stderr, "trap: %s\n", hive_cinstance_trap(inst)->message);
    hive_cinstance_post_return(inst); /* the guest may free what it returned */
    hive_cval_clear(&arg);
    hive_cval_clear(&result);

    hive_cinstance_free(inst);
    hive_linker_free(linker);
    hive_component_release(component);
    hive_engine_free(engine);
    return st == HIVE_DONE ? 0 : 1;
}
