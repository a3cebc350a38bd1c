/*
 * hive-fuzz-exec -- hive's half of the differential test against
 * binaryen's interpreter (fuzz/diff/run.sh, docs/FUZZING.md).
 *
 *   hive-fuzz-exec M.wasm
 *       Does what `wasm-opt M.wasm --fuzz-exec-before` does, in hive:
 *       instantiates M with the "fuzzing-support" logging imports, then
 *       calls every exported function in export order with zero
 *       arguments (running the export "hangLimitInitializer" before each
 *       call when there is one), and prints in binaryen's format:
 *           [fuzz-exec] calling NAME
 *           [LoggingExternalInterface logging V...]   (an i64 as low high)
 *           [fuzz-exec] note result: NAME => V        (or (V, V, ...))
 *           [trap MESSAGE]
 *   hive-fuzz-exec --compare BINARYEN.txt HIVE.txt
 *       Compares two such outputs value by value: numbers numerically
 *       (integers exactly, floats as doubles with the sign of zero, any
 *       NaN equal to any NaN), traps by their presence only (the messages
 *       differ), references by null or not. A binaryen "stack limit" trap
 *       or host limit ends the comparison (its call-depth limit is not
 *       hive's). Exit 0: same, 1: a mismatch (printed), 2: error.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive/wasm.h"

#define BUDGET 200000000ull

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, r;
    uint8_t *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- printing values as binaryen does ----------------------------------- */

static void print_f64(double d, uint64_t bits) {
    if (isnan(d)) {
        printf("%snan:0x%" PRIx64, (bits >> 63) ? "-" : "", (uint64_t)(bits & 0xfffffffffffffull));
    } else if (isinf(d)) {
        printf("%sinf", d < 0 ? "-" : "");
    } else if (d == 0) {
        printf("%s", signbit(d) ? "-0" : "0");
    } else {
        printf("%.17g", d);
    }
}

static void print_val(const hive_val *v, int in_tuple) {
    switch (v->type) {
    case HIVE_I32: printf("%" PRId32, (int32_t)v->of.i32); break;
    case HIVE_I64: printf("%" PRId64, (int64_t)v->of.i64); break;
    case HIVE_F32: {
        float f;
        memcpy(&f, &v->of.f32, 4);
        if (isnan(f))
            printf("%snan:0x%" PRIx32, (v->of.f32 >> 31) ? "-" : "", v->of.f32 & 0x7fffff);
        else
            print_f64((double)f, 0);
        break;
    }
    case HIVE_F64: {
        double d;
        memcpy(&d, &v->of.f64, 8);
        print_f64(d, v->of.f64);
        break;
    }
    case HIVE_FUNCREF:
        printf(in_tuple ? (v->of.func ? "funcref(%p)" : "funcref(null)") : "funcref",
               (void *)v->of.func);
        break;
    case HIVE_EXTERNREF:
        printf(in_tuple ? (v->of.ext ? "anyref(%p)" : "anyref(null)") : "anyref", v->of.ext);
        break;
    default: printf("?"); break;
    }
}

static hive_host_status log_fn(hive_host_call *call, const hive_val *args, hive_val *results) {
    const hive_functype *t = call->user;
    printf("[LoggingExternalInterface logging");
    for (uint32_t i = 0; i < t->nparams; i++) {
        putchar(' ');
        if (args[i].type == HIVE_I64)
            printf("%" PRId32 " %" PRId32, (int32_t)(uint32_t)args[i].of.i64,
                   (int32_t)(uint32_t)(args[i].of.i64 >> 32));
        else
            print_val(&args[i], 1);
    }
    printf("]\n");
    for (uint32_t i = 0; i < t->nresults; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].type = t->results[i];
    }
    return HIVE_HOST_OK;
}

/* Calls f with zero arguments; prints a trap. Returns the status. */
static hive_status call0(hive_exec *exec, hive_func *f, hive_val *res, size_t *nres) {
    const hive_functype *t = hive_func_type(f);
    hive_val args[1000];
    if (t->nparams > 1000) return HIVE_FAILED;
    for (uint32_t i = 0; i < t->nparams; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].type = t->params[i];
    }
    hive_status st = hive_exec_call(exec, f, args, t->nparams, BUDGET);
    if (st == HIVE_DONE) {
        *nres = hive_exec_results(exec, res, 1000);
    } else if (st == HIVE_TRAPPED) {
        printf("[trap %s]\n", hive_exec_trap(exec)->message);
    } else {
        printf("[hive: call did not finish (status %d)]\n", (int)st);
        hive_exec_reset(exec);
    }
    return st;
}

static int run(const char *path) {
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        perror(path);
        return 2;
    }
    hive_engine *engine = hive_engine_new(NULL);
    hive_module *module;
    hive_error err;
    if (hive_module_new(engine, bytes, len, &module, &err) != HIVE_OK) {
        printf("[hive: module rejected: %s at %zu: %s]\n", hive_strerror(err.code), err.offset,
               err.message);
        free(bytes);
        hive_engine_free(engine);
        return 1;
    }
    free(bytes);
    size_t nimp = hive_module_import_count(module);
    hive_extern *imports = calloc(nimp + 1, sizeof *imports);
    hive_functype *types = calloc(nimp + 1, sizeof *types);
    int rc = 0;
    for (size_t i = 0; i < nimp; i++) {
        const char *mod, *name;
        size_t ml, nl;
        hive_externtype t;
        hive_module_import(module, i, &mod, &ml, &name, &nl, &t);
        if (t.kind != HIVE_EXTERN_FUNC || ml != 15 || memcmp(mod, "fuzzing-support", 15) != 0 ||
            nl < 4 || memcmp(name, "log-", 4) != 0) {
            printf("[hive: unknown import %.*s.%.*s]\n", (int)ml, mod, (int)nl, name);
            rc = 2;
            goto out;
        }
        types[i] = t.func;
        imports[i].kind = HIVE_EXTERN_FUNC;
        imports[i].of.func = hive_func_new_host(engine, &t.func, log_fn, &types[i], NULL, "log");
    }
    hive_instance *inst = NULL;
    int irc = hive_instance_new(engine, module, imports, nimp, &inst, &err);
    hive_exec *exec = hive_exec_new(engine);
    static hive_val res[1000];
    size_t nres = 0;
    if (irc != HIVE_OK) {
        if (irc == HIVE_ETRAP)
            printf("[trap %s]\n", err.message);
        else
            printf("[hive: instantiation failed: %s: %s]\n", hive_strerror(irc), err.message);
        goto done;
    }
    hive_func *start = hive_instance_start_func(inst);
    if (start && call0(exec, start, res, &nres) != HIVE_DONE) goto done;
    hive_extern hang;
    int has_hang = hive_instance_export(inst, "hangLimitInitializer", 20, &hang) == HIVE_OK &&
                   hang.kind == HIVE_EXTERN_FUNC;
    size_t nexp = hive_module_export_count(module);
    for (size_t i = 0; i < nexp; i++) {
        const char *name;
        size_t nl;
        hive_externtype t;
        hive_extern ex;
        hive_module_export(module, i, &name, &nl, &t);
        if (t.kind != HIVE_EXTERN_FUNC) continue;
        printf("[fuzz-exec] calling %.*s\n", (int)nl, name);
        if (has_hang && call0(exec, hang.of.func, res, &nres) != HIVE_DONE) continue;
        hive_instance_export(inst, name, nl, &ex);
        nres = 0;
        if (call0(exec, ex.of.func, res, &nres) != HIVE_DONE || nres == 0) continue;
        printf("[fuzz-exec] note result: %.*s => ", (int)nl, name);
        if (nres == 1) {
            print_val(&res[0], 0);
        } else {
            putchar('(');
            for (size_t k = 0; k < nres; k++) {
                if (k) printf(", ");
                print_val(&res[k], 1);
            }
            putchar(')');
        }
        putchar('\n');
    }
done:
    hive_exec_free(exec);
    hive_instance_free(inst);
out:
    for (size_t i = 0; i < nimp; i++) hive_func_free(imports[i].of.func);
    free(imports);
    free(types);
    hive_module_release(module);
    hive_engine_free(engine);
    return rc;
}

/* ---- comparing two outputs ------------------------------------------------ */

typedef struct lines {
    char **v;
    size_t n;
} lines;

static int read_lines(const char *path, lines *out) {
    size_t len;
    char *text = (char *)read_file(path, &len);
    if (!text) return -1;
    char *t = realloc(text, len + 1);
    if (!t) return -1;
    text = t;
    text[len] = 0;
    out->v = NULL;
    out->n = 0;
    size_t cap = 0;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        /* keep only the lines both sides print */
        if (p[0] == '[' && strncmp(p, "[PassRunner]", 12) != 0) {
            if (out->n == cap) {
                cap = cap ? cap * 2 : 64;
                char **nv = realloc(out->v, cap * sizeof *nv);
                if (!nv) return -1;
                out->v = nv;
            }
            out->v[out->n++] = p;
        }
        if (!nl) break;
        p = nl + 1;
    }
    return 0;
}

static int is_int(const char *s) {
    if (*s == '-') s++;
    if (!isdigit((unsigned char)*s)) return 0;
    while (isdigit((unsigned char)*s)) s++;
    return *s == 0;
}

/* Two value tokens equal? */
static int token_eq(const char *a, const char *b) {
    if (strcmp(a, b) == 0) return 1;
    int an = strstr(a, "nan") != NULL, bn = strstr(b, "nan") != NULL;
    if (an || bn) return an && bn;
    if (!strncmp(a, "funcref", 7) || !strncmp(a, "anyref", 6) || !strncmp(a, "externref", 9)) {
        int anull = strstr(a, "null") != NULL, bnull = strstr(b, "null") != NULL;
        return strchr(b, 'r') != NULL && anull == bnull;
    }
    if (is_int(a) && is_int(b)) {
        if (!strcmp(a, "-0") || !strcmp(b, "-0")) return 0; /* -0 vs 0: a float sign */
        errno = 0;
        if (a[0] == '-' || b[0] == '-') return strtoll(a, NULL, 10) == strtoll(b, NULL, 10);
        return strtoull(a, NULL, 10) == strtoull(b, NULL, 10);
    }
    char *ea, *eb;
    double da = strtod(a, &ea), db = strtod(b, &eb);
    if (*ea || *eb || ea == a || eb == b) return 0;
    return da == db && signbit(da) == signbit(db);
}

/* Splits the values part of a line into tokens in place. */
static size_t tokens(char *s, char **tok, size_t max) {
    size_t n = 0;
    for (char *p = strtok(s, " ,()]"); p && n < max; p = strtok(NULL, " ,()]")) tok[n++] = p;
    return n;
}

/* Compares two lines; returns 1 when equal. */
static int line_eq(const char *x, const char *y) {
    if (strcmp(x, y) == 0) return 1;
    if (!strncmp(x, "[trap ", 6) && !strncmp(y, "[trap ", 6)) return 1;
    static const char *prefixes[] = {"[LoggingExternalInterface logging", "[fuzz-exec] note result: "};
    for (int k = 0; k < 2; k++) {
        size_t pl = strlen(prefixes[k]);
        if (strncmp(x, prefixes[k], pl) || strncmp(y, prefixes[k], pl)) continue;
        const char *vx = x + pl, *vy = y + pl;
        if (k == 1) { /* "NAME => values" */
            const char *ax = strstr(vx, " => "), *ay = strstr(vy, " => ");
            if (!ax || !ay || ax - vx != ay - vy || strncmp(vx, vy, (size_t)(ax - vx))) return 0;
            vx = ax + 4;
            vy = ay + 4;
        }
        char bx[4096], by[4096], *tx[256], *ty[256];
        snprintf(bx, sizeof bx, "%s", vx);
        snprintf(by, sizeof by, "%s", vy);
        size_t nx = tokens(bx, tx, 256), ny = tokens(by, ty, 256);
        if (nx != ny) return 0;
        for (size_t i = 0; i < nx; i++)
            if (!token_eq(tx[i], ty[i])) return 0;
        return 1;
    }
    return 0;
}

static int compare(const char *ref_path, const char *out_path) {
    lines ref, out;
    if (read_lines(ref_path, &ref) || read_lines(out_path, &out)) {
        fprintf(stderr, "cannot read %s or %s\n", ref_path, out_path);
        return 2;
    }
    for (size_t i = 0; i < ref.n; i++) {
        if (!strcmp(ref.v[i], "[trap stack limit]") || !strncmp(ref.v[i], "[host limit", 11)) {
            printf("inconclusive: binaryen hit its limit at line %zu: %s\n", i + 1, ref.v[i]);
            return 0;
        }
        if (i >= out.n) {
            printf("mismatch at line %zu:\n  binaryen: %s\n  hive:     (nothing)\n", i + 1,
                   ref.v[i]);
            return 1;
        }
        if (!line_eq(ref.v[i], out.v[i])) {
            printf("mismatch at line %zu:\n  binaryen: %s\n  hive:     %s\n", i + 1, ref.v[i],
                   out.v[i]);
            return 1;
        }
    }
    if (out.n > ref.n) {
        printf("mismatch at line %zu:\n  binaryen: (nothing)\n  hive:     %s\n", ref.n + 1,
               out.v[ref.n]);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "--compare")) return compare(argv[2], argv[3]);
    if (argc != 2) {
        fprintf(stderr, "usage: %s M.wasm | --compare BINARYEN.txt HIVE.txt\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    return run(argv[1]);
}
