/*
 * spec_walk.c -- every allocation failure of loading the spec suite's
 * binary modules.
 *
 * Usage: spec_walk FILE.json...   (wast2json output; tests/alloc/spec.sh)
 *
 * For each binary module a converted .wast names (`module` commands and
 * the binary assert_* ones alike), a clean run with a counting allocator
 * does hive_engine_new, hive_module_new (decode, validate, compile) and,
 * when the module loads, hive_instance_new with stub imports of the right
 * types (host functions returning zeros; fresh tables, memories and
 * globals with the import's limits). Then the run is repeated with the
 * engine allocator failing allocation N, for N = 1, 2, ... until a run
 * finishes without reaching N. In a failing run, the step that met the
 * failure must return HIVE_ENOMEM (or the engine NULL), the steps before
 * it what they returned in the clean run; and once everything is freed
 * no block may be live (counted here; LSan checks too under ASan).
 *
 * Prints one summary line:
 *   alloc-walk: spec modules: M modules (L load, I of them instantiate; E rejected),
 *               P failure points, K leaks
 * and exits non-zero on any wrong outcome or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive/wasm.h"
#include "json.h"
#include "../common/fail_alloc.h"

/* ---- one run ------------------------------------------------------------- */

enum { STEP_ENGINE, STEP_LOAD, STEP_IMPORTS, STEP_INST, STEP_END };
static const char *const step_names[] = {"engine", "load", "imports", "instantiate"};

typedef struct outcome {
    int rc[STEP_END];        /* per step; 1 = not reached */
    unsigned long at[STEP_END]; /* allocation count at the end of each step */
    char message[256];       /* the last error message */
} outcome;

static hive_host_status host_zeros(hive_host_call *call, const hive_val *args, hive_val *results) {
    const hive_functype *t = call->user;
    for (uint32_t i = 0; i < t->nresults; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].type = t->results[i];
    }
    return HIVE_HOST_OK;
}

static void free_imports(hive_extern *imports, size_t n) {
    for (size_t i = 0; i < n; i++) {
        switch (imports[i].kind) {
        case HIVE_EXTERN_FUNC: hive_func_free(imports[i].of.func); break;
        case HIVE_EXTERN_TABLE: hive_table_free(imports[i].of.table); break;
        case HIVE_EXTERN_MEMORY: hive_memory_free(imports[i].of.memory); break;
        case HIVE_EXTERN_GLOBAL: hive_global_free(imports[i].of.global); break;
        case HIVE_EXTERN_TAG: hive_tag_free(imports[i].of.tag); break;
        }
    }
}

static void run_once(const uint8_t *bytes, size_t len, fail_alloc *fa, outcome *o) {
    for (int s = 0; s < STEP_END; s++) o->rc[s] = 1, o->at[s] = 0;
    o->message[0] = 0;
    hive_config cfg = {0};
    cfg.alloc = fail_alloc_fn;
    cfg.alloc_ud = fa;
    cfg.max_memory_pages = 65536;
    cfg.flags = HIVE_CONFIG_WASM2; /* the 2.0 suite's modules, read as 2.0 */
    hive_engine *engine = hive_engine_new(&cfg);
    o->rc[STEP_ENGINE] = engine ? HIVE_OK : HIVE_ENOMEM;
    o->at[STEP_ENGINE] = fa->count;
    if (!engine) return;

    hive_module *module = NULL;
    hive_error err;
    memset(&err, 0, sizeof err);
    o->rc[STEP_LOAD] = hive_module_new(engine, bytes, len, &module, &err);
    o->at[STEP_LOAD] = fa->count;
    if ((o->rc[STEP_LOAD] == HIVE_OK) != (module != NULL)) o->rc[STEP_LOAD] = 99;
    if (o->rc[STEP_LOAD] != HIVE_OK) snprintf(o->message, sizeof o->message, "%s", err.message);

    hive_extern *imports = NULL;
    hive_functype *types = NULL;
    size_t nimp = 0, made = 0;
    if (module) {
        nimp = hive_module_import_count(module);
        imports = calloc(nimp ? nimp : 1, sizeof *imports);
        types = calloc(nimp ? nimp : 1, sizeof *types);
        if (!imports || !types) abort();
        o->rc[STEP_IMPORTS] = HIVE_OK;
        for (; made < nimp; made++) {
            const char *mn, *nm;
            size_t ml, nl;
            hive_externtype t;
            if (hive_module_import(module, made, &mn, &ml, &nm, &nl, &t) != HIVE_OK) abort();
            hive_extern *x = &imports[made];
            x->kind = t.kind;
            int ok = 0;
            switch (t.kind) {
            case HIVE_EXTERN_FUNC:
                types[made] = t.func; /* points into the module, which outlives the func */
                x->of.func = hive_func_new_host(engine, &t.func, host_zeros, &types[made], NULL, "stub");
                ok = x->of.func != NULL;
                break;
            case HIVE_EXTERN_TABLE:
                x->of.table = hive_table_new(engine, t.elemtype, t.limits, NULL);
                ok = x->of.table != NULL;
                break;
            case HIVE_EXTERN_MEMORY:
                x->of.memory = hive_memory_new(engine, t.limits);
                ok = x->of.memory != NULL;
                break;
            case HIVE_EXTERN_GLOBAL: {
                hive_val v;
                memset(&v, 0, sizeof v);
                v.type = t.valtype;
                x->of.global = hive_global_new(engine, v, t.mutable_);
                ok = x->of.global != NULL;
                break;
            }
            case HIVE_EXTERN_TAG:
                x->of.tag = hive_tag_new(engine, &t.func);
                ok = x->of.tag != NULL;
                break;
            }
            if (!ok) {
                o->rc[STEP_IMPORTS] = HIVE_ENOMEM;
                break;
            }
        }
        o->at[STEP_IMPORTS] = fa->count;
    }

    hive_instance *inst = NULL;
    if (module && o->rc[STEP_IMPORTS] == HIVE_OK) {
        memset(&err, 0, sizeof err);
        o->rc[STEP_INST] = hive_instance_new(engine, module, imports, nimp, &inst, &err);
        o->at[STEP_INST] = fa->count;
        if (o->rc[STEP_INST] != HIVE_OK)
            snprintf(o->message, sizeof o->message, "%s", err.message);
        /* on ETRAP *out is still set (see wasm.h); otherwise NULL */
        if (o->rc[STEP_INST] != HIVE_OK && o->rc[STEP_INST] != HIVE_ETRAP && inst)
            o->rc[STEP_INST] = 98;
    }
    hive_instance_free(inst);
    free_imports(imports, made);
    free(imports);
    free(types);
    hive_module_release(module);
    hive_engine_free(engine);
}

/* ---- the walk ------------------------------------------------------------ */

static unsigned long g_points, g_leaks, g_bad, g_load, g_inst, g_rejected;

static int read_file(const char *path, uint8_t **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb) free(b);
            b = nb;
        }
    }
    fclose(f);
    if (!b) return -1;
    *out = b;
    *len = n;
    return 0;
}

/* Walks one module file; where names it in messages. */
static void walk(const char *path, const char *where) {
    uint8_t *bytes;
    size_t len;
    if (read_file(path, &bytes, &len) != 0) {
        fprintf(stderr, "FAIL %s: cannot read %s\n", where, path);
        g_bad++;
        return;
    }
    fail_alloc clean = {0};
    outcome ref, o;
    run_once(bytes, len, &clean, &ref);
    if (clean.live != 0) {
        fprintf(stderr, "FAIL %s: %ld blocks leaked by the clean run\n", where, clean.live);
        g_leaks++;
    }
    if (ref.rc[STEP_INST] == HIVE_OK) g_inst++;
    if (ref.rc[STEP_LOAD] == HIVE_OK)
        g_load++;
    else
        g_rejected++;
    for (unsigned long n = 1;; n++) {
        fail_alloc fa = {.fail_at = n};
        run_once(bytes, len, &fa, &o);
        if (fa.live != 0) {
            fprintf(stderr, "FAIL %s: %ld blocks leaked when allocation %lu failed\n", where,
                    fa.live, n);
            g_leaks++;
        }
        if (!fa.failed) {
            if (memcmp(o.rc, ref.rc, sizeof o.rc) != 0) {
                fprintf(stderr, "FAIL %s: a run without failures differs from the first\n", where);
                g_bad++;
            }
            break;
        }
        g_points++;
        /* the step that met allocation n returns ENOMEM; earlier ones as before */
        int s = 0;
        while (s < STEP_END && ref.at[s] < n) s++;
        int bad = s == STEP_END;
        for (int k = 0; k < s && k < STEP_END && !bad; k++) bad = o.rc[k] != ref.rc[k];
        if (!bad) bad = o.rc[s] != HIVE_ENOMEM;
        for (int k = s + 1; k < STEP_END && !bad; k++) bad = o.rc[k] != 1;
        if (bad) {
            fprintf(stderr, "FAIL %s: allocation %lu failed (in %s): got", where, n,
                    s < STEP_END ? step_names[s] : "?");
            for (int k = 0; k < STEP_END; k++) fprintf(stderr, " %d", o.rc[k]);
            fprintf(stderr, ", clean run");
            for (int k = 0; k < STEP_END; k++) fprintf(stderr, " %d", ref.rc[k]);
            fprintf(stderr, " (%s)\n", o.message);
            g_bad++;
        }
    }
    free(bytes);
}

static unsigned long g_modules;

static void walk_json(const char *jpath) {
    uint8_t *text;
    size_t len;
    if (read_file(jpath, &text, &len) != 0) {
        fprintf(stderr, "FAIL %s: cannot read\n", jpath);
        g_bad++;
        return;
    }
    json_value doc;
    char msg[200];
    if (json_parse((const char *)text, len, &doc, msg, sizeof msg) != 0) {
        fprintf(stderr, "FAIL %s: %s\n", jpath, msg);
        g_bad++;
        free(text);
        return;
    }
    const char *slash = strrchr(jpath, '/');
    size_t dirlen = slash ? (size_t)(slash - jpath + 1) : 0;
    const char *src = json_get_string(&doc, "source_filename");
    const json_value *cmds = json_get(&doc, "commands");
    for (size_t i = 0; cmds && cmds->kind == JSON_ARRAY && i < cmds->u.array.count; i++) {
        const json_value *c = &cmds->u.array.items[i];
        const char *fn = json_get_string(c, "filename");
        const char *mt = json_get_string(c, "module_type");
        if (!fn) continue;
        if (mt && strcmp(mt, "binary") != 0) continue; /* text modules: not for the engine */
        size_t fl = strlen(fn);
        if (fl < 5 || strcmp(fn + fl - 5, ".wasm") != 0) continue;
        char path[4096], where[512];
        snprintf(path, sizeof path, "%.*s%s", (int)dirlen, jpath, fn);
        const json_value *line = json_get(c, "line");
        snprintf(where, sizeof where, "%s:%ld (%s)", src ? src : jpath,
                 line && line->kind == JSON_NUMBER ? (long)line->u.number : 0L, fn);
        walk(path, where);
        g_modules++;
    }
    json_free(&doc);
    free(text);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: spec_walk FILE.json...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) walk_json(argv[i]);
    printf("alloc-walk: spec modules: %lu modules (%lu load, %lu of them instantiate; %lu "
           "rejected), %lu failure points, %lu leaks\n",
           g_modules, g_load, g_inst, g_rejected, g_points, g_leaks);
    if (g_bad) printf("alloc-walk: spec modules: %lu wrong outcomes\n", g_bad);
    return g_bad || g_leaks || !g_modules ? 1 : 0;
}
