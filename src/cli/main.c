/*
 * main.c -- the `hive` command line.
 *
 *   hive run [options] module.wasm [args...]
 *
 * Runs a module: its start function, then `_start` or, with --invoke, one
 * exported function whose arguments come from the command line. WASI
 * preview 1 imports are not provided yet (see the README); modules that
 * import nothing run today.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hive/wasm.h"

#define SLICE_BUDGET 1000000u /* work units between deadline checks */

static void usage(FILE *out) {
    fprintf(out,
            "usage: hive run [options] module.wasm [args...]\n"
            "\n"
            "Runs a WebAssembly module: its start function, then the export `_start`\n"
            "or, with --invoke, the named export with args parsed by its parameter\n"
            "types (integers in decimal or 0x hex, floats as decimal), printing its\n"
            "results one per line.\n"
            "\n"
            "options:\n"
            "  --invoke NAME           call export NAME instead of `_start`\n"
            "  --fuel N                stop with an error after N units of work\n"
            "                          (one unit per loop iteration or call)\n"
            "  --timeout DUR           stop with an error after DUR (e.g. 500ms, 2s, 1m)\n"
            "  --max-memory-size SIZE  cap linear memory (bytes; K, M, G suffixes)\n"
            "  -h, --help              this text\n");
}

/* Parses a duration such as 250ms, 2s, 1.5m; returns seconds or -1. */
static double parse_duration(const char *s) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0) return -1;
    if (!strcmp(end, "ms")) return v / 1000;
    if (!strcmp(end, "s") || !*end) return v;
    if (!strcmp(end, "m")) return v * 60;
    if (!strcmp(end, "h")) return v * 3600;
    return -1;
}

/* Parses a size with an optional K/M/G suffix (powers of 1024). */
static int parse_size(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k') mul = 1024, end++;
    else if (*end == 'M' || *end == 'm') mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g') mul = 1024ull * 1024 * 1024, end++;
    if (*end == 'i' || *end == 'B') end++;
    if (*end == 'B') end++;
    if (*end) return -1;
    *out = v * mul;
    return 0;
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Parses text as a value of type t. */
static int parse_value(const char *text, uint8_t t, hive_val *out) {
    char *end;
    errno = 0;
    out->type = t;
    switch (t) {
    case HIVE_I32:
    case HIVE_I64: {
        long long v;
        if (text[0] == '-') v = strtoll(text, &end, 0);
        else v = (long long)strtoull(text, &end, 0);
        if (errno || *end || end == text) return -1;
        if (t == HIVE_I32) out->of.i32 = (uint32_t)v;
        else out->of.i64 = (uint64_t)v;
        return 0;
    }
    case HIVE_F32: {
        float f = strtof(text, &end);
        if (*end || end == text) return -1;
        memcpy(&out->of.f32, &f, 4);
        return 0;
    }
    case HIVE_F64: {
        double d = strtod(text, &end);
        if (*end || end == text) return -1;
        memcpy(&out->of.f64, &d, 8);
        return 0;
    }
    }
    return -1;
}

static void print_value(const hive_val *v) {
    switch (v->type) {
    case HIVE_I32: printf("%" PRId32 "\n", (int32_t)v->of.i32); break;
    case HIVE_I64: printf("%" PRId64 "\n", (int64_t)v->of.i64); break;
    case HIVE_F32: {
        float f;
        memcpy(&f, &v->of.f32, 4);
        printf("%.9g\n", f);
        break;
    }
    case HIVE_F64: {
        double d;
        memcpy(&d, &v->of.f64, 8);
        printf("%.17g\n", d);
        break;
    }
    case HIVE_FUNCREF: printf(v->of.func ? "funcref\n" : "null\n"); break;
    case HIVE_EXTERNREF: printf(v->of.ext ? "externref\n" : "null\n"); break;
    default: printf("v128\n"); break;
    }
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct run_opts {
    uint64_t fuel;  /* 0: none */
    double timeout; /* seconds; 0: none */
} run_opts;

/* Runs func to completion under the fuel and timeout options. Returns the
 * final status; prints errors. */
static hive_status run_call(hive_exec *exec, hive_func *func, const hive_val *args, size_t nargs,
                            const run_opts *o, const char *what) {
    double deadline = o->timeout > 0 ? now_seconds() + o->timeout : 0;
    uint64_t left = o->fuel;
    uint64_t slice = SLICE_BUDGET;
    if (left && left < slice) slice = left;
    hive_status st = hive_exec_call(exec, func, args, nargs, slice);
    for (;;) {
        if (left) left -= left < slice ? left : slice;
        if (st != HIVE_SUSPENDED) break;
        if (o->fuel && left == 0) {
            fprintf(stderr, "hive: %s: all fuel consumed\n", what);
            return HIVE_FAILED;
        }
        if (deadline && now_seconds() >= deadline) {
            fprintf(stderr, "hive: %s: timed out\n", what);
            return HIVE_FAILED;
        }
        slice = SLICE_BUDGET;
        if (left && left < slice) slice = left;
        st = hive_exec_resume(exec, slice);
    }
    if (st == HIVE_TRAPPED) {
        const hive_trap *trap = hive_exec_trap(exec);
        if (trap->kind == HIVE_TRAP_EXIT) return st;
        fprintf(stderr, "hive: %s: trap: %s\n", what, trap->message);
        for (uint32_t i = 0; i < trap->nframes; i++) {
            if (trap->frames[i].func_name)
                fprintf(stderr, "  %u: %s (func %" PRIu32 ")\n", i, trap->frames[i].func_name,
                        trap->frames[i].func_index);
            else
                fprintf(stderr, "  %u: func %" PRIu32 "\n", i, trap->frames[i].func_index);
        }
    } else if (st == HIVE_PENDING) {
        fprintf(stderr, "hive: %s: a host call is pending, which `hive run` cannot complete\n",
                what);
        return HIVE_FAILED;
    } else if (st == HIVE_FAILED) {
        fprintf(stderr, "hive: %s: bad call\n", what);
    }
    return st;
}

static int cmd_run(int argc, char **argv) {
    const char *invoke = NULL;
    run_opts o = {0, 0};
    hive_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!val) {
            fprintf(stderr, "hive: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--invoke")) {
            invoke = val;
        } else if (!strcmp(a, "--fuel")) {
            char *end;
            o.fuel = strtoull(val, &end, 10);
            if (*end || !o.fuel) {
                fprintf(stderr, "hive: bad --fuel '%s'\n", val);
                return 2;
            }
        } else if (!strcmp(a, "--timeout")) {
            o.timeout = parse_duration(val);
            if (o.timeout <= 0) {
                fprintf(stderr, "hive: bad --timeout '%s'\n", val);
                return 2;
            }
        } else if (!strcmp(a, "--max-memory-size")) {
            uint64_t bytes;
            if (parse_size(val, &bytes) < 0 || bytes > (1ull << 32)) {
                fprintf(stderr, "hive: bad --max-memory-size '%s'\n", val);
                return 2;
            }
            cfg.max_memory_pages = (uint32_t)(bytes / 65536);
            if (!cfg.max_memory_pages) cfg.max_memory_pages = 1;
        } else {
            fprintf(stderr, "hive: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[i++];
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "hive: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = 1;
    hive_engine *engine = hive_engine_new(&cfg);
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_exec *exec = NULL;
    hive_val *args = NULL;
    hive_error err;
    if (!engine) goto out;
    if (hive_module_new(engine, bytes, len, &module, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s at byte %zu: %s\n", path, hive_strerror(err.code),
                err.offset, err.message);
        goto out;
    }
    if (hive_module_import_count(module) > 0) {
        const char *mod, *name;
        size_t ml, nl;
        hive_module_import(module, 0, &mod, &ml, &name, &nl, NULL);
        fprintf(stderr, "hive: %s imports %.*s.%.*s; no host interfaces are available yet\n",
                path, (int)ml, mod, (int)nl, name);
        goto out;
    }
    if (hive_instance_new(engine, module, NULL, 0, &inst, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s\n", path, err.message);
        goto out;
    }
    exec = hive_exec_new(engine);
    if (!exec) goto out;
    hive_func *start = hive_instance_start_func(inst);
    if (start && run_call(exec, start, NULL, 0, &o, "start function") != HIVE_DONE) goto out;
    const char *entry = invoke ? invoke : "_start";
    hive_extern ex;
    if (hive_instance_export(inst, entry, strlen(entry), &ex) != HIVE_OK ||
        ex.kind != HIVE_EXTERN_FUNC) {
        if (!invoke && start) {
            rc = 0; /* a module whose start function is its program */
            goto out;
        }
        fprintf(stderr, "hive: %s: no exported function '%s'\n", path, entry);
        goto out;
    }
    const hive_functype *ft = hive_func_type(ex.of.func);
    size_t nargs = (size_t)(argc - i);
    if (nargs != ft->nparams) {
        fprintf(stderr, "hive: %s takes %u arguments, %zu given\n", entry, ft->nparams, nargs);
        goto out;
    }
    args = calloc(nargs + 1, sizeof *args);
    if (!args) goto out;
    for (size_t k = 0; k < nargs; k++) {
        if (parse_value(argv[i + (int)k], ft->params[k], &args[k]) < 0) {
            fprintf(stderr, "hive: bad argument '%s' for %s\n", argv[i + (int)k], entry);
            goto out;
        }
    }
    hive_status st = run_call(exec, ex.of.func, args, nargs, &o, entry);
    if (st == HIVE_DONE) {
        hive_val results[16];
        size_t n = hive_exec_results(exec, results, 16);
        for (size_t k = 0; k < n && k < 16; k++) print_value(&results[k]);
        rc = 0;
    } else if (st == HIVE_TRAPPED && hive_exec_trap(exec)->kind == HIVE_TRAP_EXIT) {
        rc = hive_exec_trap(exec)->exit_code;
    }
out:
    free(args);
    hive_exec_free(exec);
    hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
    free(bytes);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 2, argv + 2);
    fprintf(stderr, "hive: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
