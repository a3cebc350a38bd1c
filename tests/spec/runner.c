/*
 * runner.c -- the WebAssembly spec-suite runner.
 *
 * Usage: spec_runner [-v] [-n] FILE.json
 *
 * Runs the commands of one wast2json script (module, register, action,
 * assert_return, assert_trap, assert_exhaustion, assert_invalid,
 * assert_malformed, assert_unlinkable, assert_uninstantiable) against the
 * hive engine, through the public API in hive/wasm.h only. Module files
 * named in the script are read relative to the JSON file's directory.
 *
 * Output (stdout, line-buffered so a crash loses nothing already said):
 *   FAIL file.wast:LINE: reason       per failing command, for people
 *   FAILED file.wast:LINE             per failing command, for run.sh
 *   RESULT passed failed skipped      once, at the end
 * -v also prints "ok file.wast:LINE" and "skip ..." lines; -n only parses
 * the script and counts its commands (all reported as skipped).
 *
 * Counting: every command except "register" is one passed, failed or
 * skipped command (as in the suite's BASELINE.tsv). Skipped: text-format
 * modules (assert_malformed/assert_invalid with module_type "text", and
 * "module" commands naming a .wat file). v128 values are "lane_type" plus
 * an array of lanes; f32/f64 lanes of results may be NaN patterns.
 *
 * Exit status: 0 when nothing failed, 1 when something failed, 2 when the
 * script could not be read or parsed (or out of memory).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive/wasm.h"
#include "json.h"

/* ---- the runner's state -------------------------------------------------- */

/* A module name ("$M") or registration name ("M") bound to an instance;
 * inst is NULL when the module it names failed to load or instantiate. */
typedef struct binding {
    char *name;
    size_t name_len;
    hive_instance *inst;
} binding;

/* A spectest export: a name and the object behind it. */
typedef struct spectest_export {
    const char *name;
    hive_extern ext;
} spectest_export;

#define SPECTEST_NFUNCS 7
#define SPECTEST_NEXPORTS (SPECTEST_NFUNCS + 6)

typedef struct runner {
    const char *dir;  /* directory of the JSON file, with trailing '/' or "" */
    char wast[256];   /* the .wast file name, for messages */
    int verbose;
    int dry;

    hive_engine *engine;
    hive_exec *exec;

    /* The spectest module's objects (owned here). */
    spectest_export spectest[SPECTEST_NEXPORTS];
    size_t nspectest;
    hive_func *print_funcs[SPECTEST_NFUNCS];
    hive_global *globals[4];
    hive_table *table;
    hive_memory *memory;

    /* Everything loaded or instantiated, freed at the end: instances must
     * outlive the run because tables of other instances (and registered
     * names) may refer to their functions. */
    hive_instance **instances;
    size_t ninstances, cap_instances;
    hive_module **modules;
    size_t nmodules, cap_modules;

    /* The current module: has_current is 0 before the first module
     * command; current is NULL when the last module command failed. */
    int has_current;
    hive_instance *current;

    binding *names; /* "$name" of module commands */
    size_t nnames, cap_names;
    binding *registered; /* "as" names of register commands */
    size_t nregistered, cap_registered;

    unsigned long passed, failed, skipped;
} runner;

/* What one command came to. */
typedef enum outcome { OUT_PASS, OUT_FAIL, OUT_SKIP } outcome;

/* Reason buffer size for failure messages. */
#define WHY_LEN 1024

/* ---- small helpers ------------------------------------------------------- */

/* Formats into why (WHY_LEN bytes); returns OUT_FAIL for convenience. */
static outcome failf(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, WHY_LEN, fmt, ap);
    va_end(ap);
    return OUT_FAIL;
}

/* Grows *arr (elements of size elem) so that one more fits. Returns 0 or
 * -1 when out of memory. */
static int grow(void **arr, size_t *cap, size_t count, size_t elem)
{
    if (count < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* Reads a whole file into a fresh buffer; returns NULL (errno set) on
 * failure. *len receives the size. A NUL is appended (not counted). */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *b = realloc(buf, ncap);
            if (!b) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = b;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Writes a printable rendering of the n bytes of s into out (size outlen):
 * control and non-ASCII bytes become \xNN. */
static void printable(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
    }
    out[o] = '\0';
}

/* Parses an unsigned decimal (or negative, taken two's-complement) string
 * into *out. Returns 0, or -1 when it is not a number. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    if (s[0] == '-') {
        long long v = strtoll(s, &end, 10);
        *out = (uint64_t)v;
    } else {
        *out = (uint64_t)strtoull(s, &end, 10);
    }
    return (errno || *end) ? -1 : 0;
}

/* Name of a value type, for messages. */
static const char *type_name(uint8_t t)
{
    switch (t) {
    case HIVE_I32: return "i32";
    case HIVE_I64: return "i64";
    case HIVE_F32: return "f32";
    case HIVE_F64: return "f64";
    case HIVE_V128: return "v128";
    case HIVE_FUNCREF: return "funcref";
    case HIVE_EXTERNREF: return "externref";
    default: return "?";
    }
}

/* Maps a JSON type name to a hive_valtype; returns 0 when unknown. */
static uint8_t parse_type(const char *s)
{
    if (!s)
        return 0;
    if (!strcmp(s, "i32")) return HIVE_I32;
    if (!strcmp(s, "i64")) return HIVE_I64;
    if (!strcmp(s, "f32")) return HIVE_F32;
    if (!strcmp(s, "f64")) return HIVE_F64;
    if (!strcmp(s, "v128")) return HIVE_V128;
    if (!strcmp(s, "funcref")) return HIVE_FUNCREF;
    if (!strcmp(s, "externref")) return HIVE_EXTERNREF;
    return 0;
}

/* The opaque pointer standing for externref N (never NULL). */
static void *extern_ptr(uint64_t n)
{
    return (void *)(uintptr_t)(n + 1);
}

/* Formats a value as "type:bits" into out (64 bytes). */
static void format_val(const hive_val *v, char *out, size_t outlen)
{
    switch (v->type) {
    case HIVE_I32:
    case HIVE_F32:
        snprintf(out, outlen, "%s:0x%08" PRIx32, type_name(v->type), v->of.i32);
        break;
    case HIVE_I64:
    case HIVE_F64:
        snprintf(out, outlen, "%s:0x%016" PRIx64, type_name(v->type), v->of.i64);
        break;
    case HIVE_V128: {
        uint32_t w[4];
        memcpy(w, v->of.v128, 16);
        snprintf(out, outlen, "v128:i32x4 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32
                 " 0x%08" PRIx32, w[0], w[1], w[2], w[3]);
        break;
    }
    case HIVE_FUNCREF:
        snprintf(out, outlen, "funcref:%s", v->of.func ? "func" : "null");
        break;
    case HIVE_EXTERNREF:
        if (v->of.ext)
            snprintf(out, outlen, "externref:%" PRIuPTR, (uintptr_t)v->of.ext - 1);
        else
            snprintf(out, outlen, "externref:null");
        break;
    default:
        snprintf(out, outlen, "%s(0x%02x)", type_name(v->type), v->type);
        break;
    }
}

/* ---- the spectest module ------------------------------------------------- */

/* The spectest print functions: accept their arguments and do nothing. */
static hive_host_status spectest_print(hive_host_call *call, const hive_val *args,
                                       hive_val *results)
{
    (void)call;
    (void)args;
    (void)results;
    return HIVE_HOST_OK;
}

/* Creates the spectest objects in r's engine. Returns 0 or -1. */
static int spectest_init(runner *r)
{
    static const uint8_t p_i32[] = {HIVE_I32};
    static const uint8_t p_i64[] = {HIVE_I64};
    static const uint8_t p_f32[] = {HIVE_F32};
    static const uint8_t p_f64[] = {HIVE_F64};
    static const uint8_t p_i32_f32[] = {HIVE_I32, HIVE_F32};
    static const uint8_t p_f64_f64[] = {HIVE_F64, HIVE_F64};
    static const struct {
        const char *name;
        hive_functype type;
    } funcs[SPECTEST_NFUNCS] = {
        {"print", {0, 0, NULL, NULL}},
        {"print_i32", {1, 0, p_i32, NULL}},
        {"print_i64", {1, 0, p_i64, NULL}},
        {"print_f32", {1, 0, p_f32, NULL}},
        {"print_f64", {1, 0, p_f64, NULL}},
        {"print_i32_f32", {2, 0, p_i32_f32, NULL}},
        {"print_f64_f64", {2, 0, p_f64_f64, NULL}},
    };
    static const char *const global_names[4] = {"global_i32", "global_i64", "global_f32",
                                                "global_f64"};
    hive_val gv[4];
    memset(gv, 0, sizeof gv);
    gv[0].type = HIVE_I32;
    gv[0].of.i32 = 666;
    gv[1].type = HIVE_I64;
    gv[1].of.i64 = 666;
    gv[2].type = HIVE_F32;
    gv[2].of.f32 = 0x44268000u; /* 666.0f */
    gv[3].type = HIVE_F64;
    gv[3].of.f64 = 0x4084D00000000000ull; /* 666.0 */

    r->nspectest = 0;
    for (int i = 0; i < SPECTEST_NFUNCS; i++) {
        r->print_funcs[i] = hive_func_new_host(r->engine, &funcs[i].type, spectest_print, NULL,
                                               NULL, funcs[i].name);
        if (!r->print_funcs[i])
            return -1;
        spectest_export *e = &r->spectest[r->nspectest++];
        e->name = funcs[i].name;
        e->ext.kind = HIVE_EXTERN_FUNC;
        e->ext.of.func = r->print_funcs[i];
    }
    for (int i = 0; i < 4; i++) {
        r->globals[i] = hive_global_new(r->engine, gv[i], 0);
        if (!r->globals[i])
            return -1;
        spectest_export *e = &r->spectest[r->nspectest++];
        e->name = global_names[i];
        e->ext.kind = HIVE_EXTERN_GLOBAL;
        e->ext.of.global = r->globals[i];
    }
    r->table = hive_table_new(r->engine, HIVE_FUNCREF,
                              (hive_limits){.min = 10, .max = 20, .has_max = 1}, NULL);
    if (!r->table)
        return -1;
    spectest_export *t = &r->spectest[r->nspectest++];
    t->name = "table";
    t->ext.kind = HIVE_EXTERN_TABLE;
    t->ext.of.table = r->table;
    r->memory = hive_memory_new(r->engine, (hive_limits){.min = 1, .max = 2, .has_max = 1});
    if (!r->memory)
        return -1;
    spectest_export *m = &r->spectest[r->nspectest++];
    m->name = "memory";
    m->ext.kind = HIVE_EXTERN_MEMORY;
    m->ext.of.memory = r->memory;
    return 0;
}

/* ---- names, imports and instantiation ------------------------------------ */

/* Binds name (NUL-terminated) to inst in *list, replacing an earlier
 * binding of the same name. Returns 0 or -1 when out of memory. */
static int bind(binding **list, size_t *n, size_t *cap, const char *name, hive_instance *inst)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < *n; i++) {
        if ((*list)[i].name_len == len && memcmp((*list)[i].name, name, len) == 0) {
            (*list)[i].inst = inst;
            return 0;
        }
    }
    if (grow((void **)list, cap, *n, sizeof **list) < 0)
        return -1;
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, name, len + 1);
    (*list)[*n] = (binding){copy, len, inst};
    (*n)++;
    return 0;
}

/* The binding of (name, len) in list, or NULL. */
static binding *find_binding(binding *list, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].name_len == len && memcmp(list[i].name, name, len) == 0)
            return &list[i];
    return NULL;
}

/* Resolves the import (modname, name) against registered instances, then
 * the spectest module. Returns 0 and fills *out, or -1 when not found. */
static int resolve_import(runner *r, const char *modname, size_t modlen, const char *name,
                          size_t namelen, hive_extern *out)
{
    binding *b = find_binding(r->registered, r->nregistered, modname, modlen);
    if (b) {
        if (!b->inst)
            return -1;
        return hive_instance_export(b->inst, name, namelen, out) == HIVE_OK ? 0 : -1;
    }
    if (modlen == 8 && memcmp(modname, "spectest", 8) == 0) {
        for (size_t i = 0; i < r->nspectest; i++) {
            if (strlen(r->spectest[i].name) == namelen &&
                memcmp(r->spectest[i].name, name, namelen) == 0) {
                *out = r->spectest[i].ext;
                return 0;
            }
        }
    }
    return -1;
}

/* Keeps module m until the end of the run. Returns 0 or -1 (then m has
 * been released). */
static int keep_module(runner *r, hive_module *m)
{
    if (grow((void **)&r->modules, &r->cap_modules, r->nmodules, sizeof *r->modules) < 0) {
        hive_module_release(m);
        return -1;
    }
    r->modules[r->nmodules++] = m;
    return 0;
}

/* Keeps instance i until the end of the run. Returns 0 or -1 (then i has
 * been freed). */
static int keep_instance(runner *r, hive_instance *i)
{
    if (grow((void **)&r->instances, &r->cap_instances, r->ninstances,
             sizeof *r->instances) < 0) {
        hive_instance_free(i);
        return -1;
    }
    r->instances[r->ninstances++] = i;
    return 0;
}

/* Loads the module file (relative to the JSON directory). Returns the
 * hive_module_new code (or HIVE_ENOMEM / HIVE_EARG when the file cannot be
 * read, with err->message saying so); on success *out is the module. */
static int load_module(runner *r, const char *filename, hive_module **out, hive_error *err)
{
    char path[4096];
    memset(err, 0, sizeof *err);
    *out = NULL;
    snprintf(path, sizeof path, "%s%s", r->dir, filename);
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        err->code = HIVE_EARG;
        snprintf(err->message, sizeof err->message, "cannot read %.180s: %s", path,
                 strerror(errno));
        return HIVE_EARG;
    }
    int rc = hive_module_new(r->engine, bytes, len, out, err);
    free(bytes);
    if (rc != HIVE_OK) {
        *out = NULL;
        err->code = rc;
    }
    return rc;
}

/* Instantiates m with its imports resolved by name. An import not found
 * at all gives HIVE_EUNLINKABLE with "unknown import" in err; otherwise
 * the code of hive_instance_new. On success the instance is kept (freed
 * at the end) and returned in *out. */
static int instantiate(runner *r, hive_module *m, hive_instance **out, hive_error *err)
{
    memset(err, 0, sizeof *err);
    *out = NULL;
    size_t n = hive_module_import_count(m);
    hive_extern *imports = NULL;
    if (n > 0) {
        imports = calloc(n, sizeof *imports);
        if (!imports) {
            err->code = HIVE_ENOMEM;
            snprintf(err->message, sizeof err->message, "out of memory");
            return HIVE_ENOMEM;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *modname, *name;
        size_t modlen, namelen;
        hive_externtype type;
        if (hive_module_import(m, i, &modname, &modlen, &name, &namelen, &type) != HIVE_OK) {
            free(imports);
            err->code = HIVE_EARG;
            snprintf(err->message, sizeof err->message, "hive_module_import(%zu) failed", i);
            return HIVE_EARG;
        }
        if (resolve_import(r, modname, modlen, name, namelen, &imports[i]) < 0) {
            char pm[100], pn[100];
            printable(modname, modlen, pm, sizeof pm);
            printable(name, namelen, pn, sizeof pn);
            free(imports);
            err->code = HIVE_EUNLINKABLE;
            snprintf(err->message, sizeof err->message, "unknown import \"%s\" \"%s\"", pm, pn);
            return HIVE_EUNLINKABLE;
        }
    }
    hive_instance *inst = NULL;
    int rc = hive_instance_new(r->engine, m, imports, n, &inst, err);
    free(imports);
    if (rc != HIVE_OK) {
        err->code = rc;
        /* A failed segment leaves an instance: earlier segments may have put
         * its functions into other modules' tables, so it must live on. */
        if (inst && keep_instance(r, inst) < 0)
            hive_instance_free(inst);
        return rc;
    }
    if (keep_instance(r, inst) < 0) {
        err->code = HIVE_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return HIVE_ENOMEM;
    }
    *out = inst;
    return HIVE_OK;
}

/* Runs a call to completion in r's exec with no budget. Returns the final
 * status; SUSPENDED and PENDING (which should not happen without a budget
 * or pending host functions) abandon the call and are returned as they
 * are, for the caller to report. */
static hive_status run_call(runner *r, hive_func *f, const hive_val *args, size_t nargs)
{
    hive_status st = hive_exec_call(r->exec, f, args, nargs, 0);
    if (st == HIVE_SUSPENDED || st == HIVE_PENDING)
        hive_exec_reset(r->exec);
    return st;
}

/* Describes a status other than DONE into why. */
static outcome status_failure(runner *r, hive_status st, char *why, const char *what)
{
    switch (st) {
    case HIVE_TRAPPED: {
        const hive_trap *t = hive_exec_trap(r->exec);
        return failf(why, "%s trapped: %s", what, t ? t->message : "(no trap info)");
    }
    case HIVE_SUSPENDED:
        return failf(why, "%s returned SUSPENDED with no budget", what);
    case HIVE_PENDING:
        return failf(why, "%s returned PENDING", what);
    case HIVE_FAILED:
        return failf(why, "%s: hive_exec_call FAILED (bad arguments?)", what);
    default:
        return failf(why, "%s: unexpected status %d", what, (int)st);
    }
}

/* Runs the start function of inst, if any. Returns the status (DONE when
 * there is none). */
static hive_status run_start(runner *r, hive_instance *inst)
{
    hive_func *start = hive_instance_start_func(inst);
    if (!start)
        return HIVE_DONE;
    return run_call(r, start, NULL, 0);
}

/* True when filename ends in ".wat" (a text module). */
static int is_text_file(const char *filename)
{
    size_t n = filename ? strlen(filename) : 0;
    return n >= 4 && strcmp(filename + n - 4, ".wat") == 0;
}

/* ---- actions ------------------------------------------------------------- */

/* The instance an action (or register) refers to: the named module, or
 * the current one. Returns NULL and fills why when there is none. */
static hive_instance *target_instance(runner *r, const char *name, char *why)
{
    if (name) {
        binding *b = find_binding(r->names, r->nnames, name, strlen(name));
        if (!b) {
            failf(why, "no module named %s", name);
            return NULL;
        }
        if (!b->inst)
            failf(why, "module %s failed to instantiate earlier", name);
        return b->inst;
    }
    if (!r->has_current) {
        failf(why, "no module defined yet");
        return NULL;
    }
    if (!r->current)
        failf(why, "the current module failed to instantiate earlier");
    return r->current;
}

/* Builds the hive_val for one JSON argument. Returns 0, or -1 with why. */
/* v128 values in the JSON: "lane_type" (i8 i16 i32 i64 f32 f64) and
 * "value", an array of the lanes as decimal bit patterns, lane 0 first.
 * Returns the lane width in bytes, or 0 for an unknown lane type. */
static unsigned lane_width(const char *lt)
{
    if (!lt)
        return 0;
    if (!strcmp(lt, "i8"))
        return 1;
    if (!strcmp(lt, "i16"))
        return 2;
    if (!strcmp(lt, "i32") || !strcmp(lt, "f32"))
        return 4;
    if (!strcmp(lt, "i64") || !strcmp(lt, "f64"))
        return 8;
    return 0;
}

/* Parses a v128 JSON value into out[16]; -1 when malformed (or a lane is a
 * NaN pattern, which only expected results may use). */
static int parse_v128(const json_value *jv, uint8_t out[16])
{
    unsigned w = lane_width(json_get_string(jv, "lane_type"));
    const json_value *lanes = json_get(jv, "value");
    if (!w || !lanes || lanes->kind != JSON_ARRAY || lanes->u.array.count != 16 / w)
        return -1;
    for (unsigned i = 0; i < 16 / w; i++) {
        const json_value *l = &lanes->u.array.items[i];
        uint64_t bits;
        if (l->kind != JSON_STRING || parse_u64(l->u.string.ptr, &bits) < 0)
            return -1;
        memcpy(out + i * w, &bits, w); /* little-endian host */
    }
    return 0;
}

/* Whether v128 result got matches the expected JSON value, lane by lane
 * (f32/f64 lanes may be nan:canonical or nan:arithmetic). */
static int match_v128(const uint8_t got[16], const json_value *exp)
{
    const char *lt = json_get_string(exp, "lane_type");
    unsigned w = lane_width(lt);
    const json_value *lanes = json_get(exp, "value");
    if (!w || !lanes || lanes->kind != JSON_ARRAY || lanes->u.array.count != 16 / w)
        return 0;
    int fl = lt[0] == 'f';
    for (unsigned i = 0; i < 16 / w; i++) {
        const json_value *l = &lanes->u.array.items[i];
        if (l->kind != JSON_STRING)
            return 0;
        const char *vs = l->u.string.ptr;
        uint64_t g = 0, bits;
        memcpy(&g, got + i * w, w);
        if (fl && !strcmp(vs, "nan:canonical")) {
            if (w == 4 ? (g & 0x7fffffffu) != 0x7fc00000u
                       : (g & 0x7fffffffffffffffull) != 0x7ff8000000000000ull)
                return 0;
        } else if (fl && !strcmp(vs, "nan:arithmetic")) {
            if (w == 4 ? (g & 0x7fc00000u) != 0x7fc00000u
                       : (g & 0x7ff8000000000000ull) != 0x7ff8000000000000ull)
                return 0;
        } else {
            if (parse_u64(vs, &bits) < 0)
                return 0;
            if (w < 8)
                bits &= (1ull << (8 * w)) - 1;
            if (g != bits)
                return 0;
        }
    }
    return 1;
}

static int build_arg(const json_value *a, hive_val *v, char *why)
{
    const char *ts = json_get_string(a, "type");
    const char *vs = json_get_string(a, "value");
    uint8_t t = parse_type(ts);
    memset(v, 0, sizeof *v);
    v->type = t;
    uint64_t bits;
    switch (t) {
    case HIVE_I32:
    case HIVE_F32:
        if (parse_u64(vs, &bits) < 0) {
            failf(why, "bad %s argument \"%s\"", ts, vs ? vs : "");
            return -1;
        }
        v->of.i32 = (uint32_t)bits;
        return 0;
    case HIVE_I64:
    case HIVE_F64:
        if (parse_u64(vs, &bits) < 0) {
            failf(why, "bad %s argument \"%s\"", ts, vs ? vs : "");
            return -1;
        }
        v->of.i64 = bits;
        return 0;
    case HIVE_EXTERNREF:
        if (vs && !strcmp(vs, "null")) {
            v->of.ext = NULL;
            return 0;
        }
        if (parse_u64(vs, &bits) < 0) {
            failf(why, "bad externref argument \"%s\"", vs ? vs : "");
            return -1;
        }
        v->of.ext = extern_ptr(bits);
        return 0;
    case HIVE_V128:
        if (parse_v128(a, v->of.v128) < 0) {
            failf(why, "bad v128 argument");
            return -1;
        }
        return 0;
    case HIVE_FUNCREF:
        if (vs && !strcmp(vs, "null")) {
            v->of.func = NULL;
            return 0;
        }
        failf(why, "funcref argument \"%s\" cannot be made by the runner", vs ? vs : "");
        return -1;
    default:
        failf(why, "unsupported argument type \"%s\"", ts ? ts : "");
        return -1;
    }
}

/* Checks one result against one expected JSON value. Returns 1 when it
 * matches; otherwise 0 with a description in why. */
static int match_result(const hive_val *got, const json_value *exp, size_t idx, char *why)
{
    const char *ts = json_get_string(exp, "type");
    const char *vs = json_get_string(exp, "value");
    uint8_t t = parse_type(ts);
    char gs[64];
    format_val(got, gs, sizeof gs);
    if (got->type != t) {
        failf(why, "result %zu: got %s, expected type %s", idx, gs, ts ? ts : "?");
        return 0;
    }
    uint64_t bits = 0;
    int ok;
    switch (t) {
    case HIVE_F32:
        if (vs && !strcmp(vs, "nan:canonical"))
            ok = (got->of.f32 & 0x7fffffffu) == 0x7fc00000u;
        else if (vs && !strcmp(vs, "nan:arithmetic"))
            ok = (got->of.f32 & 0x7fc00000u) == 0x7fc00000u;
        else
            ok = parse_u64(vs, &bits) == 0 && got->of.f32 == (uint32_t)bits;
        break;
    case HIVE_F64:
        if (vs && !strcmp(vs, "nan:canonical"))
            ok = (got->of.f64 & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
        else if (vs && !strcmp(vs, "nan:arithmetic"))
            ok = (got->of.f64 & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
        else
            ok = parse_u64(vs, &bits) == 0 && got->of.f64 == bits;
        break;
    case HIVE_I32:
        ok = parse_u64(vs, &bits) == 0 && got->of.i32 == (uint32_t)bits;
        break;
    case HIVE_I64:
        ok = parse_u64(vs, &bits) == 0 && got->of.i64 == bits;
        break;
    case HIVE_EXTERNREF:
        if (vs && !strcmp(vs, "null"))
            ok = got->of.ext == NULL;
        else if (!vs)
            ok = got->of.ext != NULL;
        else
            ok = parse_u64(vs, &bits) == 0 && got->of.ext == extern_ptr(bits);
        break;
    case HIVE_V128:
        ok = match_v128(got->of.v128, exp);
        if (!ok) {
            const json_value *lanes = json_get(exp, "value");
            char es[160] = "";
            size_t n = lanes && lanes->kind == JSON_ARRAY ? lanes->u.array.count : 0;
            for (size_t i = 0; i < n && i < 16; i++) {
                const json_value *l = &lanes->u.array.items[i];
                size_t len = strlen(es);
                snprintf(es + len, sizeof es - len, "%s%s", i ? " " : "",
                         l->kind == JSON_STRING ? l->u.string.ptr : "?");
            }
            failf(why, "result %zu: got %s, expected v128 %s [%s]", idx, gs,
                  json_get_string(exp, "lane_type") ? json_get_string(exp, "lane_type") : "?", es);
        }
        return ok;
    case HIVE_FUNCREF:
        /* A non-null expectation cannot name a function: any one will do. */
        if (vs && !strcmp(vs, "null"))
            ok = got->of.func == NULL;
        else
            ok = got->of.func != NULL;
        break;
    default:
        failf(why, "result %zu: unsupported expected type \"%s\"", idx, ts ? ts : "");
        return 0;
    }
    if (!ok)
        failf(why, "result %zu: got %s, expected %s:%s", idx, gs, ts, vs ? vs : "(any)");
    return ok;
}

/* The outcome of performing an action. */
typedef enum act_status {
    ACT_DONE,   /* results in *res, count in *nres */
    ACT_TRAP,   /* trap in r's exec */
    ACT_ERROR   /* could not run it, or a non-DONE/TRAPPED status; why set */
} act_status;

/* Performs an "invoke" or "get" action. On ACT_DONE, *res is a malloc'd
 * array of *nres results (caller frees; may be NULL when there are none). */
static act_status perform(runner *r, const json_value *action, hive_val **res, size_t *nres,
                          char *why)
{
    *res = NULL;
    *nres = 0;
    const char *kind = json_get_string(action, "type");
    const json_value *fieldv = json_get(action, "field");
    const char *field = json_string(fieldv);
    if (!kind || !field) {
        failf(why, "action without type or field");
        return ACT_ERROR;
    }
    size_t field_len = fieldv->u.string.len;
    char pf[128];
    printable(field, field_len, pf, sizeof pf);

    hive_instance *inst = target_instance(r, json_get_string(action, "module"), why);
    if (!inst)
        return ACT_ERROR;
    hive_extern ext;
    if (hive_instance_export(inst, field, field_len, &ext) != HIVE_OK) {
        failf(why, "no export \"%s\"", pf);
        return ACT_ERROR;
    }

    if (!strcmp(kind, "get")) {
        if (ext.kind != HIVE_EXTERN_GLOBAL) {
            failf(why, "export \"%s\" is not a global", pf);
            return ACT_ERROR;
        }
        *res = malloc(sizeof **res);
        if (!*res) {
            failf(why, "out of memory");
            return ACT_ERROR;
        }
        **res = hive_global_get(ext.of.global);
        *nres = 1;
        return ACT_DONE;
    }
    if (strcmp(kind, "invoke") != 0) {
        failf(why, "unknown action type \"%s\"", kind);
        return ACT_ERROR;
    }
    if (ext.kind != HIVE_EXTERN_FUNC) {
        failf(why, "export \"%s\" is not a function", pf);
        return ACT_ERROR;
    }

    const json_value *argsv = json_get(action, "args");
    size_t nargs = argsv && argsv->kind == JSON_ARRAY ? argsv->u.array.count : 0;
    hive_val *args = NULL;
    if (nargs > 0) {
        args = calloc(nargs, sizeof *args);
        if (!args) {
            failf(why, "out of memory");
            return ACT_ERROR;
        }
    }
    for (size_t i = 0; i < nargs; i++) {
        if (build_arg(&argsv->u.array.items[i], &args[i], why) < 0) {
            free(args);
            return ACT_ERROR;
        }
    }
    hive_status st = run_call(r, ext.of.func, args, nargs);
    free(args);
    if (st == HIVE_TRAPPED)
        return ACT_TRAP;
    if (st != HIVE_DONE) {
        char what[200];
        snprintf(what, sizeof what, "\"%s\"", pf);
        status_failure(r, st, why, what);
        return ACT_ERROR;
    }

    hive_val small[16];
    size_t n = hive_exec_results(r->exec, small, 16);
    if (n > 0) {
        *res = calloc(n, sizeof **res);
        if (!*res) {
            failf(why, "out of memory");
            return ACT_ERROR;
        }
        if (n <= 16)
            memcpy(*res, small, n * sizeof *small);
        else
            hive_exec_results(r->exec, *res, n);
    }
    *nres = n;
    return ACT_DONE;
}

/* The trap message of r's exec ("" when there is none). */
static const char *trap_message(runner *r)
{
    const hive_trap *t = hive_exec_trap(r->exec);
    return t ? t->message : "";
}

/* ---- commands ------------------------------------------------------------ */

/* "module": load, instantiate, run start; becomes the current module (and
 * the named one) whether or not that worked. */
static outcome cmd_module(runner *r, const json_value *cmd, char *why)
{
    const char *filename = json_get_string(cmd, "filename");
    const char *name = json_get_string(cmd, "name");
    hive_instance *inst = NULL;
    outcome out = OUT_PASS;

    r->has_current = 1;
    r->current = NULL;
    if (!filename) {
        out = failf(why, "module command without filename");
    } else if (is_text_file(filename)) {
        snprintf(why, WHY_LEN, "text module %s", filename);
        out = OUT_SKIP;
    } else {
        hive_module *m;
        hive_error err;
        int rc = load_module(r, filename, &m, &err);
        if (rc != HIVE_OK) {
            out = failf(why, "loading %s: %s: %s", filename, hive_strerror(rc), err.message);
        } else if (keep_module(r, m) < 0) {
            out = failf(why, "out of memory");
        } else if ((rc = instantiate(r, m, &inst, &err)) != HIVE_OK) {
            out = failf(why, "instantiating %s: %s: %s", filename, hive_strerror(rc),
                        err.message);
        } else {
            hive_status st = run_start(r, inst);
            if (st != HIVE_DONE) {
                status_failure(r, st, why, "start function");
                out = OUT_FAIL;
                inst = NULL; /* kept for the tables that may use it, but not current */
            }
        }
    }
    r->current = out == OUT_PASS ? inst : NULL;
    if (name && bind(&r->names, &r->nnames, &r->cap_names, name, r->current) < 0)
        out = failf(why, "out of memory");
    return out;
}

/* "register": make the named (or current) instance importable as "as". */
static void cmd_register(runner *r, const json_value *cmd, long line)
{
    const char *as = json_get_string(cmd, "as");
    char why[WHY_LEN];
    hive_instance *inst = target_instance(r, json_get_string(cmd, "name"), why);
    if (!as)
        return;
    if (!inst && r->verbose)
        printf("note %s:%ld: register \"%s\": %s\n", r->wast, line, as, why);
    bind(&r->registered, &r->nregistered, &r->cap_registered, as, inst);
}

/* "action" and "assert_return". check_results: compare with "expected". */
static outcome cmd_return(runner *r, const json_value *cmd, int check_results, char *why)
{
    const json_value *action = json_get(cmd, "action");
    const json_value *expected = json_get(cmd, "expected");
    hive_val *res;
    size_t nres;
    act_status st = perform(r, action, &res, &nres, why);
    if (st == ACT_ERROR)
        return OUT_FAIL;
    if (st == ACT_TRAP)
        return failf(why, "unexpected trap: %s", trap_message(r));
    outcome out = OUT_PASS;
    if (check_results) {
        size_t nexp = expected && expected->kind == JSON_ARRAY ? expected->u.array.count : 0;
        if (nres != nexp) {
            out = failf(why, "got %zu results, expected %zu", nres, nexp);
        } else {
            for (size_t i = 0; i < nres; i++) {
                if (!match_result(&res[i], &expected->u.array.items[i], i, why)) {
                    out = OUT_FAIL;
                    break;
                }
            }
        }
    }
    free(res);
    return out;
}

/* "assert_trap" and "assert_exhaustion" on an action. */
static outcome cmd_trap(runner *r, const json_value *cmd, int exhaustion, char *why)
{
    const json_value *action = json_get(cmd, "action");
    const char *text = json_get_string(cmd, "text");
    if (!text)
        text = "";
    hive_val *res;
    size_t nres;
    act_status st = perform(r, action, &res, &nres, why);
    free(res);
    if (st == ACT_ERROR)
        return OUT_FAIL;
    if (st == ACT_DONE)
        return failf(why, "returned, expected trap \"%s\"", text);
    const hive_trap *t = hive_exec_trap(r->exec);
    const char *msg = t ? t->message : "";
    if (exhaustion && (!t || t->kind != HIVE_TRAP_STACK_EXHAUSTED))
        return failf(why, "trap kind %d (\"%s\"), expected stack exhaustion \"%s\"",
                     t ? (int)t->kind : -1, msg, text);
    if (!strstr(msg, text))
        return failf(why, "trap message \"%s\", expected \"%s\"", msg, text);
    return OUT_PASS;
}

/* "assert_invalid" / "assert_malformed": loading must fail with code. */
static outcome cmd_bad_module(runner *r, const json_value *cmd, int code, char *why)
{
    const char *filename = json_get_string(cmd, "filename");
    const char *mtype = json_get_string(cmd, "module_type");
    const char *text = json_get_string(cmd, "text");
    if ((mtype && !strcmp(mtype, "text")) || is_text_file(filename)) {
        snprintf(why, WHY_LEN, "text module");
        return OUT_SKIP;
    }
    if (!filename)
        return failf(why, "command without filename");
    hive_module *m;
    hive_error err;
    int rc = load_module(r, filename, &m, &err);
    if (rc == HIVE_OK) {
        hive_module_release(m);
        return failf(why, "%s loaded, expected %s \"%s\"", filename, hive_strerror(code),
                     text ? text : "");
    }
    if (rc != code)
        return failf(why, "%s: got %s \"%s\", expected %s \"%s\"", filename, hive_strerror(rc),
                     err.message, hive_strerror(code), text ? text : "");
    return OUT_PASS;
}

/* "assert_unlinkable": instantiation must fail with HIVE_EUNLINKABLE (an
 * import the runner cannot find at all counts as that). */
static outcome cmd_unlinkable(runner *r, const json_value *cmd, char *why)
{
    const char *filename = json_get_string(cmd, "filename");
    const char *text = json_get_string(cmd, "text");
    if (!filename)
        return failf(why, "command without filename");
    hive_module *m;
    hive_error err;
    int rc = load_module(r, filename, &m, &err);
    if (rc != HIVE_OK)
        return failf(why, "loading %s: %s: %s", filename, hive_strerror(rc), err.message);
    if (keep_module(r, m) < 0)
        return failf(why, "out of memory");
    hive_instance *inst;
    rc = instantiate(r, m, &inst, &err);
    if (rc == HIVE_OK)
        return failf(why, "%s instantiated, expected unlinkable \"%s\"", filename,
                     text ? text : "");
    if (rc != HIVE_EUNLINKABLE)
        return failf(why, "%s: got %s \"%s\", expected unlinkable \"%s\"", filename,
                     hive_strerror(rc), err.message, text ? text : "");
    return OUT_PASS;
}

/* "assert_uninstantiable": instantiation fails with HIVE_ETRAP, or the
 * start function traps; the message must contain the expected text. */
static outcome cmd_uninstantiable(runner *r, const json_value *cmd, char *why)
{
    const char *filename = json_get_string(cmd, "filename");
    const char *text = json_get_string(cmd, "text");
    if (!text)
        text = "";
    if (!filename)
        return failf(why, "command without filename");
    hive_module *m;
    hive_error err;
    int rc = load_module(r, filename, &m, &err);
    if (rc != HIVE_OK)
        return failf(why, "loading %s: %s: %s", filename, hive_strerror(rc), err.message);
    if (keep_module(r, m) < 0)
        return failf(why, "out of memory");
    hive_instance *inst;
    rc = instantiate(r, m, &inst, &err);
    const char *msg;
    if (rc == HIVE_ETRAP) {
        msg = err.message;
    } else if (rc != HIVE_OK) {
        return failf(why, "%s: got %s \"%s\", expected trap \"%s\"", filename,
                     hive_strerror(rc), err.message, text);
    } else {
        hive_status st = run_start(r, inst);
        if (st == HIVE_DONE)
            return failf(why, "%s instantiated, expected trap \"%s\"", filename, text);
        if (st != HIVE_TRAPPED)
            return status_failure(r, st, why, "start function");
        msg = trap_message(r);
    }
    if (!strstr(msg, text))
        return failf(why, "trap message \"%s\", expected \"%s\"", msg, text);
    return OUT_PASS;
}

/* Runs one command. Returns 0 when it is counted (outcome in *out), 1 when
 * it is not (register, unknown kinds are counted as failures). */
static int run_command(runner *r, const json_value *cmd, long line, outcome *out, char *why)
{
    const char *type = json_get_string(cmd, "type");
    why[0] = '\0';
    if (!type) {
        *out = failf(why, "command without type");
        return 0;
    }
    if (!strcmp(type, "register")) {
        if (!r->dry)
            cmd_register(r, cmd, line);
        return 1;
    }
    if (r->dry) {
        *out = OUT_SKIP;
        snprintf(why, WHY_LEN, "dry run");
        return 0;
    }
    if (!strcmp(type, "module"))
        *out = cmd_module(r, cmd, why);
    else if (!strcmp(type, "action"))
        *out = cmd_return(r, cmd, 0, why);
    else if (!strcmp(type, "assert_return"))
        *out = cmd_return(r, cmd, 1, why);
    else if (!strcmp(type, "assert_trap"))
        *out = cmd_trap(r, cmd, 0, why);
    else if (!strcmp(type, "assert_exhaustion"))
        *out = cmd_trap(r, cmd, 1, why);
    else if (!strcmp(type, "assert_invalid"))
        *out = cmd_bad_module(r, cmd, HIVE_EINVALID, why);
    else if (!strcmp(type, "assert_malformed"))
        *out = cmd_bad_module(r, cmd, HIVE_EMALFORMED, why);
    else if (!strcmp(type, "assert_unlinkable"))
        *out = cmd_unlinkable(r, cmd, why);
    else if (!strcmp(type, "assert_uninstantiable"))
        *out = cmd_uninstantiable(r, cmd, why);
    else
        *out = failf(why, "unknown command type \"%s\"", type);
    return 0;
}

/* ---- setup, teardown, main ----------------------------------------------- */

/* Frees everything r owns (instances newest first, as later instances
 * import from earlier ones; then modules, spectest objects, exec, engine). */
static void runner_free(runner *r)
{
    for (size_t i = r->ninstances; i-- > 0;)
        hive_instance_free(r->instances[i]);
    free(r->instances);
    for (size_t i = 0; i < r->nmodules; i++)
        hive_module_release(r->modules[i]);
    free(r->modules);
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i].name);
    free(r->names);
    for (size_t i = 0; i < r->nregistered; i++)
        free(r->registered[i].name);
    free(r->registered);
    for (int i = 0; i < SPECTEST_NFUNCS; i++)
        if (r->print_funcs[i])
            hive_func_free(r->print_funcs[i]);
    for (int i = 0; i < 4; i++)
        if (r->globals[i])
            hive_global_free(r->globals[i]);
    if (r->table)
        hive_table_free(r->table);
    if (r->memory)
        hive_memory_free(r->memory);
    if (r->exec)
        hive_exec_free(r->exec);
    if (r->engine)
        hive_engine_free(r->engine);
    memset(r, 0, sizeof *r);
}

/* Sets r->wast from the script's source_filename, or else from the JSON
 * path (X.json -> X.wast). */
static void set_wast_name(runner *r, const json_value *doc, const char *json_path)
{
    const char *src = json_get_string(doc, "source_filename");
    if (src) {
        const char *slash = strrchr(src, '/');
        snprintf(r->wast, sizeof r->wast, "%s", slash ? slash + 1 : src);
        return;
    }
    const char *slash = strrchr(json_path, '/');
    const char *base = slash ? slash + 1 : json_path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".json"))
        n -= 5;
    snprintf(r->wast, sizeof r->wast, "%.*s.wast", (int)(n > 200 ? 200 : n), base);
}

static void usage(void)
{
    fprintf(stderr, "usage: spec_runner [-v] [-n] [-3] FILE.json\n"
                    "  -v  also print passing and skipped commands\n"
                    "  -n  dry run: parse and count commands only\n"
                    "  -3  the engine's defaults: multi-memory, exception tags (WebAssembly\n"
                    "      3.0); without it, WebAssembly 2.0 exactly (HIVE_CONFIG_WASM2)\n");
}

int main(int argc, char **argv)
{
    runner r;
    memset(&r, 0, sizeof r);
    const char *path = NULL;
    int wasm3 = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            r.verbose = 1;
        else if (!strcmp(argv[i], "-n"))
            r.dry = 1;
        else if (!strcmp(argv[i], "-3"))
            wasm3 = 1;
        else if (argv[i][0] == '-' || path) {
            usage();
            return 2;
        } else
            path = argv[i];
    }
    if (!path) {
        usage();
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    size_t len;
    char *text = (char *)read_file(path, &len);
    if (!text) {
        fprintf(stderr, "spec_runner: cannot read %s: %s\n", path, strerror(errno));
        return 2;
    }
    json_value doc;
    char perr[256];
    int prc = json_parse(text, len, &doc, perr, sizeof perr);
    free(text);
    if (prc < 0) {
        fprintf(stderr, "spec_runner: %s: bad JSON: %s\n", path, perr);
        return 2;
    }
    const json_value *cmds = json_get(&doc, "commands");
    if (!cmds || cmds->kind != JSON_ARRAY) {
        fprintf(stderr, "spec_runner: %s: no \"commands\" array\n", path);
        json_free(&doc);
        return 2;
    }

    /* Module files are named relative to the JSON file. */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s/", (int)(slash - path), path);
    else
        dir[0] = '\0';
    r.dir = dir;
    set_wast_name(&r, &doc, path);

    int status = 0;
    if (!r.dry) {
        hive_config cfg;
        memset(&cfg, 0, sizeof cfg);
        if (!wasm3) cfg.flags = HIVE_CONFIG_WASM2;
        r.engine = hive_engine_new(&cfg);
        r.exec = r.engine ? hive_exec_new(r.engine) : NULL;
        if (!r.exec || spectest_init(&r) < 0) {
            fprintf(stderr, "spec_runner: cannot set up the engine (out of memory)\n");
            runner_free(&r);
            json_free(&doc);
            return 2;
        }
    }

    char why[WHY_LEN];
    for (size_t i = 0; i < cmds->u.array.count; i++) {
        const json_value *cmd = &cmds->u.array.items[i];
        const json_value *linev = json_get(cmd, "line");
        long line = linev && linev->kind == JSON_NUMBER ? (long)linev->u.number : 0;
        outcome out;
        if (run_command(&r, cmd, line, &out, why))
            continue;
        switch (out) {
        case OUT_PASS:
            r.passed++;
            if (r.verbose)
                printf("ok %s:%ld\n", r.wast, line);
            break;
        case OUT_SKIP:
            r.skipped++;
            if (r.verbose)
                printf("skip %s:%ld: %s\n", r.wast, line, why);
            break;
        case OUT_FAIL:
            r.failed++;
            printf("FAIL %s:%ld: %s\n", r.wast, line, why);
            printf("FAILED %s:%ld\n", r.wast, line);
            break;
        }
    }
    printf("RESULT %lu %lu %lu\n", r.passed, r.failed, r.skipped);
    if (r.failed)
        status = 1;
    runner_free(&r);
    json_free(&doc);
    return status;
}
