/*
 * runner.c -- runs one component-model .wast script, converted to JSON by
 * tests/component/wast2json.mjs, against hive/component.h.
 *
 * Usage: component_runner [-v] [-n] [-k KEY] FILE.json
 *   -k KEY  the name failures are reported under (default: the JSON's
 *           source_filename), e.g. "values/strings.wast"
 *   -n      count the commands only: prints "COUNT n"
 *   -v      print every command's outcome
 * Environment:
 *   HIVE_CSPEC_MESSAGES=1  assert_invalid, assert_malformed and
 *           assert_unlinkable also require the error message to contain
 *           the script's text (by default only the kind of error counts,
 *           as in the core spec runner; trap messages are always checked)
 *
 * Output (stdout):
 *   FAIL KEY:LINE: reason        per failing command
 *   FAILED KEY:LINE              per failing command, for run.sh
 *   RESULT passed failed skipped once, at the end
 * Exit status 0 when nothing failed, 1 otherwise, 2 on usage errors.
 *
 * The commands (docs/COMPONENTS-TESTING.md):
 *   component         load (and unless "instantiate" is false, instantiate:
 *                     the new instance becomes the current one)
 *   instance          instantiate the component defined under "component"
 *   action            invoke; passes when it does not trap
 *   assert_return     invoke; the result equals "expected" (WAVE text read
 *                     with the function's result type)
 *   assert_trap       invoke (or instantiate "component"); it traps with a
 *                     message containing "text"
 *   assert_invalid    loading fails with HIVE_EINVALID
 *   assert_malformed  loading fails with HIVE_EMALFORMED, or the text form
 *                     was already refused by the text parser with "text"
 *   assert_unlinkable instantiation fails with HIVE_EUNLINKABLE
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive/component.h"
#include "hive/cvalue.h"
#include "hive/wasm.h"
#include "json.h"

#define WHY_LEN 1024

typedef enum outcome { OUT_PASS, OUT_FAIL, OUT_SKIP } outcome;

typedef struct named_comp {
    char *name; /* "$C", or NULL */
    hive_component *comp;
} named_comp;

typedef struct named_inst {
    char *name;
    hive_cinstance *inst;
} named_inst;

typedef struct runner {
    char dir[1024]; /* directory of the JSON file, with '/' or "" */
    const char *key;
    int verbose, messages;
    hive_engine *engine;
    named_comp *comps;
    size_t ncomps, cap_comps;
    named_inst *insts;
    size_t ninsts, cap_insts;
    hive_cinstance *current; /* NULL before the first, or when the last failed */
    unsigned long passed, failed, skipped;
} runner;

static outcome failf(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static outcome failf(char *why, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, WHY_LEN, fmt, ap);
    va_end(ap);
    return OUT_FAIL;
}

static int grow(void **arr, size_t *cap, size_t count, size_t elem) {
    if (count < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * elem);
    if (!p) return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            char *p = realloc(buf, nc + 1);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
            cap = nc;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int str_eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* Loads FILENAME (relative to the JSON) as a component. */
static int load(runner *r, const char *filename, hive_component **out, hive_error *err) {
    char path[2048];
    snprintf(path, sizeof path, "%s%s", r->dir, filename);
    size_t len;
    char *bytes = read_file(path, &len);
    if (!bytes) {
        snprintf(err->message, sizeof err->message, "cannot read %.200s: %s", path, strerror(errno));
        err->code = HIVE_EARG;
        return HIVE_EARG;
    }
    memset(err, 0, sizeof *err);
    int rc = hive_component_new(r->engine, (const uint8_t *)bytes, len, out, err);
    free(bytes);
    return rc;
}

static int keep_comp(runner *r, const char *name, hive_component *c) {
    if (grow((void **)&r->comps, &r->cap_comps, r->ncomps, sizeof *r->comps)) return -1;
    r->comps[r->ncomps].name = name ? strdup(name) : NULL;
    r->comps[r->ncomps].comp = c;
    r->ncomps++;
    return 0;
}

static int keep_inst(runner *r, const char *name, hive_cinstance *i) {
    if (grow((void **)&r->insts, &r->cap_insts, r->ninsts, sizeof *r->insts)) return -1;
    r->insts[r->ninsts].name = name ? strdup(name) : NULL;
    r->insts[r->ninsts].inst = i;
    r->ninsts++;
    return 0;
}

/* The latest definition under name. */
static hive_component *find_comp(runner *r, const char *name) {
    for (size_t i = r->ncomps; i-- > 0;)
        if (str_eq(r->comps[i].name, name)) return r->comps[i].comp;
    return NULL;
}

static hive_cinstance *find_inst(runner *r, const char *name) {
    for (size_t i = r->ninsts; i-- > 0;)
        if (str_eq(r->insts[i].name, name)) return r->insts[i].inst;
    return NULL;
}

/* Does msg contain the script's text? wasmtime's renderings begin with
 * "wasm trap: ", which hive's messages do not: that prefix is ignored, and
 * wasmtime's wording of a core trap stands for the core spec's. */
static int message_matches(const char *msg, const char *text) {
    /* wasmtime's words for core traps, and the core spec's (hive's). */
    static const char *const core_words[][2] = {
        {"wasm `unreachable` instruction executed", "unreachable"},
    };
    if (!text) return 1;
    if (strncmp(text, "wasm trap: ", 11) == 0) text += 11;
    for (size_t i = 0; i < sizeof core_words / sizeof *core_words; i++)
        if (strcmp(text, core_words[i][0]) == 0) text = core_words[i][1];
    return strstr(msg ? msg : "", text) != NULL;
}

/* ---- commands ------------------------------------------------------------ */

static outcome cmd_component(runner *r, const json_value *cmd, char *why) {
    const char *filename = json_get_string(cmd, "filename");
    const char *name = json_get_string(cmd, "name");
    const json_value *inst_v = json_get(cmd, "instantiate");
    int instantiate = !(inst_v && inst_v->kind == JSON_BOOL && !inst_v->u.boolean);
    if (instantiate) r->current = NULL;
    if (!filename)
        return failf(why, "the component does not parse as text: %s",
                     json_get_string(cmd, "text_error") ? json_get_string(cmd, "text_error") : "?");
    hive_component *c;
    hive_error err;
    int rc = load(r, filename, &c, &err);
    if (rc) return failf(why, "loading %s: %s: %s", filename, hive_strerror(rc), err.message);
    if (keep_comp(r, name, c)) {
        hive_component_release(c);
        return failf(why, "out of memory");
    }
    if (!instantiate) return OUT_PASS;
    hive_cinstance *inst;
    memset(&err, 0, sizeof err);
    rc = hive_cinstance_new(r->engine, c, NULL, &inst, &err);
    if (rc) return failf(why, "instantiating %s: %s: %s", filename, hive_strerror(rc), err.message);
    if (keep_inst(r, name, inst)) {
        hive_cinstance_free(inst);
        return failf(why, "out of memory");
    }
    r->current = inst;
    return OUT_PASS;
}

static outcome cmd_instance(runner *r, const json_value *cmd, char *why) {
    const char *name = json_get_string(cmd, "name");
    const char *of = json_get_string(cmd, "component");
    r->current = NULL;
    hive_component *c = find_comp(r, of);
    if (!c) return failf(why, "no component %s (its definition failed?)", of ? of : "?");
    hive_cinstance *inst;
    hive_error err;
    memset(&err, 0, sizeof err);
    int rc = hive_cinstance_new(r->engine, c, NULL, &inst, &err);
    if (rc) return failf(why, "instantiating %s: %s: %s", of, hive_strerror(rc), err.message);
    if (keep_inst(r, name, inst)) {
        hive_cinstance_free(inst);
        return failf(why, "out of memory");
    }
    r->current = inst;
    return OUT_PASS;
}

/* The result of an invoke. */
typedef struct call_result {
    int trapped;          /* 1: trapped (message in trap) */
    char trap[300];
    size_t nresults;      /* 0 or 1 */
    hive_cval result;
    hive_ctype *rtype;    /* the function's result type, or NULL */
} call_result;

static void call_result_free(call_result *cr) {
    hive_cval_clear(&cr->result);
    hive_ctype_release(cr->rtype);
    cr->rtype = NULL;
}

/* Runs action; OUT_PASS when the call ran to its end or trapped (cr says
 * which), OUT_FAIL when it could not be made. */
static outcome invoke(runner *r, const json_value *action, call_result *cr, char *why) {
    memset(cr, 0, sizeof *cr);
    if (!action || action->kind != JSON_OBJECT) return failf(why, "command without an action");
    if (!str_eq(json_get_string(action, "type"), "invoke"))
        return failf(why, "unknown action type %s", json_get_string(action, "type"));
    const char *iname = json_get_string(action, "instance");
    const char *field = json_get_string(action, "field");
    hive_cinstance *inst = iname ? find_inst(r, iname) : r->current;
    if (!inst && iname) return failf(why, "no instance %s to invoke (its component failed?)", iname);
    if (!inst) return failf(why, "no current instance to invoke (the last component failed)");
    if (!field) return failf(why, "invoke without a field");
    hive_cfunc *f = hive_cinstance_func(inst, field);
    if (!f) return failf(why, "no exported function \"%s\"", field);
    const hive_cextern *ft = hive_cfunc_type(f);
    const json_value *args = json_get(action, "args");
    size_t nargs = args && args->kind == JSON_ARRAY ? args->u.array.count : 0;
    size_t nparams = hive_cextern_func_param_count(ft);
    if (nargs != nparams)
        return failf(why, "\"%s\" takes %zu arguments, the script gives %zu", field, nparams, nargs);
    hive_cval *vals = calloc(nargs ? nargs : 1, sizeof *vals);
    if (!vals) return failf(why, "out of memory");
    outcome out = OUT_PASS;
    for (size_t i = 0; i < nargs && out == OUT_PASS; i++) {
        const char *pname = NULL;
        hive_ctype *pt = hive_cextern_func_param(ft, i, &pname);
        const char *text = json_string(&args->u.array.items[i]);
        hive_error err;
        memset(&err, 0, sizeof err);
        if (!pt || !text)
            out = failf(why, "argument %zu: no type or no text", i);
        else if (hive_cval_parse(pt, text, strlen(text), &vals[i], &err))
            out = failf(why, "argument %zu (%s): %s: %s", i, pname ? pname : "", text, err.message);
        hive_ctype_release(pt);
    }
    if (out == OUT_PASS) {
        cr->rtype = hive_cextern_func_result(ft);
        hive_status st = hive_cinstance_call(inst, f, vals, nargs, 0);
        switch (st) {
        case HIVE_DONE:
            cr->nresults = hive_cinstance_results(inst, &cr->result, 1);
            if (hive_cinstance_post_return(inst) == HIVE_ETRAP) {
                const hive_trap *t = hive_cinstance_trap(inst);
                cr->trapped = 1;
                snprintf(cr->trap, sizeof cr->trap, "%s", t ? t->message : "(post-return trapped)");
            }
            break;
        case HIVE_TRAPPED: {
            const hive_trap *t = hive_cinstance_trap(inst);
            cr->trapped = 1;
            snprintf(cr->trap, sizeof cr->trap, "%s", t ? t->message : "");
            break;
        }
        case HIVE_SUSPENDED:
        case HIVE_PENDING:
            hive_cinstance_reset(inst);
            out = failf(why, "\"%s\" stopped (%s) with no budget limit and no host functions", field,
                        st == HIVE_PENDING ? "PENDING" : "SUSPENDED");
            break;
        default: out = failf(why, "\"%s\": hive_cinstance_call FAILED (arguments refused)", field); break;
        }
    }
    for (size_t i = 0; i < nargs; i++) hive_cval_clear(&vals[i]);
    free(vals);
    if (out != OUT_PASS) call_result_free(cr);
    return out;
}

static outcome cmd_action(runner *r, const json_value *cmd, char *why) {
    call_result cr;
    outcome o = invoke(r, json_get(cmd, "action"), &cr, why);
    if (o != OUT_PASS) return o;
    if (cr.trapped) o = failf(why, "unexpected trap: %s", cr.trap);
    call_result_free(&cr);
    return o;
}

static outcome cmd_assert_return(runner *r, const json_value *cmd, char *why) {
    call_result cr;
    outcome o = invoke(r, json_get(cmd, "action"), &cr, why);
    if (o != OUT_PASS) return o;
    const json_value *exp = json_get(cmd, "expected");
    size_t nexp = exp && exp->kind == JSON_ARRAY ? exp->u.array.count : 0;
    if (cr.trapped) {
        o = failf(why, "unexpected trap: %s", cr.trap);
    } else if (nexp != cr.nresults) {
        o = failf(why, "%zu results, expected %zu", cr.nresults, nexp);
    } else if (nexp == 1) {
        hive_cval want;
        hive_error err;
        memset(&err, 0, sizeof err);
        const char *text = json_string(&exp->u.array.items[0]);
        if (!cr.rtype || !text) {
            o = failf(why, "a result without a type or expected text");
        } else if (hive_cval_parse(cr.rtype, text, strlen(text), &want, &err)) {
            o = failf(why, "expected value %s: %s", text, err.message);
        } else {
            if (!hive_cval_equal(&cr.result, &want)) {
                char *got = NULL;
                if (hive_cval_format(&cr.result, cr.rtype, &got) != HIVE_OK) got = NULL;
                o = failf(why, "result %s, expected %s", got ? got : "(not of the result type)", text);
                free(got);
            }
            hive_cval_clear(&want);
        }
    }
    call_result_free(&cr);
    return o;
}

static outcome cmd_assert_trap(runner *r, const json_value *cmd, char *why) {
    const char *text = json_get_string(cmd, "text");
    const json_value *comp = json_get(cmd, "component");
    if (comp && comp->kind == JSON_OBJECT) {
        /* Instantiation traps. */
        const char *filename = json_get_string(comp, "filename");
        if (!filename) return failf(why, "the component does not parse as text");
        hive_component *c;
        hive_error err;
        int rc = load(r, filename, &c, &err);
        if (rc) return failf(why, "loading %s: %s: %s", filename, hive_strerror(rc), err.message);
        if (keep_comp(r, json_get_string(comp, "name"), c)) {
            hive_component_release(c);
            return failf(why, "out of memory");
        }
        hive_cinstance *inst = NULL;
        memset(&err, 0, sizeof err);
        rc = hive_cinstance_new(r->engine, c, NULL, &inst, &err);
        if (rc == HIVE_OK) {
            hive_cinstance_free(inst);
            return failf(why, "instantiated, expected a trap \"%s\"", text ? text : "");
        }
        if (rc != HIVE_ETRAP)
            return failf(why, "instantiation: %s \"%s\", expected a trap \"%s\"", hive_strerror(rc),
                         err.message, text ? text : "");
        if (!message_matches(err.message, text))
            return failf(why, "trap message \"%s\", expected \"%s\"", err.message, text);
        return OUT_PASS;
    }
    call_result cr;
    outcome o = invoke(r, json_get(cmd, "action"), &cr, why);
    if (o != OUT_PASS) return o;
    if (!cr.trapped) {
        char *got = NULL;
        if (cr.nresults && hive_cval_format(&cr.result, cr.rtype, &got) != HIVE_OK) got = NULL;
        o = failf(why, "returned %s, expected a trap \"%s\"", got ? got : "(nothing)", text ? text : "");
        free(got);
    } else if (!message_matches(cr.trap, text)) {
        o = failf(why, "trap message \"%s\", expected \"%s\"", cr.trap, text);
    }
    call_result_free(&cr);
    return o;
}

/* assert_invalid / assert_malformed: loading fails with code. */
static outcome cmd_refused(runner *r, const json_value *cmd, int code, char *why) {
    const char *filename = json_get_string(cmd, "filename");
    const char *text = json_get_string(cmd, "text");
    const char *form = json_get_string(cmd, "form");
    if (!filename) {
        /* The text parser refused it. That is the test's intent for a
         * malformed quote; anything else is a front-end problem. */
        const char *te = json_get_string(cmd, "text_error");
        if (code == HIVE_EMALFORMED && str_eq(form, "quote") && te && message_matches(te, text))
            return OUT_PASS;
        return failf(why, "the text parser refused it: \"%s\", expected %s \"%s\"", te ? te : "?",
                     hive_strerror(code), text ? text : "");
    }
    hive_component *c = NULL;
    hive_error err;
    int rc = load(r, filename, &c, &err);
    if (rc == HIVE_OK) {
        hive_component_release(c);
        return failf(why, "%s loaded, expected %s \"%s\"", filename, hive_strerror(code), text ? text : "");
    }
    /* A malformed quote that parsed as text is malformed or invalid as a
     * binary, whichever the decoder finds. */
    int ok = rc == code || (str_eq(form, "quote") && (rc == HIVE_EMALFORMED || rc == HIVE_EINVALID));
    if (!ok)
        return failf(why, "%s: got %s \"%s\", expected %s \"%s\"", filename, hive_strerror(rc),
                     err.message, hive_strerror(code), text ? text : "");
    if (r->messages && !message_matches(err.message, text))
        return failf(why, "%s: message \"%s\", expected \"%s\"", filename, err.message, text ? text : "");
    return OUT_PASS;
}

static outcome cmd_unlinkable(runner *r, const json_value *cmd, char *why) {
    const char *filename = json_get_string(cmd, "filename");
    const char *text = json_get_string(cmd, "text");
    if (!filename) return failf(why, "the component does not parse as text");
    hive_component *c;
    hive_error err;
    int rc = load(r, filename, &c, &err);
    if (rc) return failf(why, "loading %s: %s: %s", filename, hive_strerror(rc), err.message);
    hive_cinstance *inst = NULL;
    memset(&err, 0, sizeof err);
    rc = hive_cinstance_new(r->engine, c, NULL, &inst, &err);
    hive_cinstance_free(inst);
    hive_component_release(c);
    if (rc == HIVE_OK) return failf(why, "instantiated, expected unlinkable \"%s\"", text ? text : "");
    if (rc != HIVE_EUNLINKABLE)
        return failf(why, "got %s \"%s\", expected unlinkable \"%s\"", hive_strerror(rc), err.message,
                     text ? text : "");
    if (r->messages && !message_matches(err.message, text))
        return failf(why, "message \"%s\", expected \"%s\"", err.message, text ? text : "");
    return OUT_PASS;
}

static outcome run_command(runner *r, const json_value *cmd, char *why) {
    const char *type = json_get_string(cmd, "type");
    if (str_eq(type, "component")) return cmd_component(r, cmd, why);
    if (str_eq(type, "instance")) return cmd_instance(r, cmd, why);
    if (str_eq(type, "action")) return cmd_action(r, cmd, why);
    if (str_eq(type, "assert_return")) return cmd_assert_return(r, cmd, why);
    if (str_eq(type, "assert_trap")) return cmd_assert_trap(r, cmd, why);
    if (str_eq(type, "assert_invalid")) return cmd_refused(r, cmd, HIVE_EINVALID, why);
    if (str_eq(type, "assert_malformed")) return cmd_refused(r, cmd, HIVE_EMALFORMED, why);
    if (str_eq(type, "assert_unlinkable")) return cmd_unlinkable(r, cmd, why);
    return failf(why, "unknown command type %s", type ? type : "(none)");
}

int main(int argc, char **argv) {
    runner r;
    memset(&r, 0, sizeof r);
    int count_only = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            r.verbose = 1;
        else if (!strcmp(argv[i], "-n"))
            count_only = 1;
        else if (!strcmp(argv[i], "-k") && i + 1 < argc)
            r.key = argv[++i];
        else if (!path && argv[i][0] != '-')
            path = argv[i];
        else
            path = NULL, i = argc;
    }
    if (!path) {
        fprintf(stderr, "usage: component_runner [-v] [-n] [-k KEY] FILE.json\n");
        return 2;
    }
    const char *m = getenv("HIVE_CSPEC_MESSAGES");
    r.messages = m && m[0] == '1';
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        return 2;
    }
    json_value doc;
    char jerr[256];
    if (json_parse(text, len, &doc, jerr, sizeof jerr)) {
        fprintf(stderr, "%s: %s\n", path, jerr);
        free(text);
        return 2;
    }
    free(text);
    const char *slash = strrchr(path, '/');
    if (slash) snprintf(r.dir, sizeof r.dir, "%.*s/", (int)(slash - path), path);
    if (!r.key) r.key = json_get_string(&doc, "source_filename");
    if (!r.key) r.key = path;
    const json_value *cmds = json_get(&doc, "commands");
    if (!cmds || cmds->kind != JSON_ARRAY) {
        fprintf(stderr, "%s: no commands\n", path);
        json_free(&doc);
        return 2;
    }
    if (count_only) {
        printf("COUNT %zu\n", cmds->u.array.count);
        json_free(&doc);
        return 0;
    }
    r.engine = hive_engine_new(NULL);
    if (!r.engine) {
        fprintf(stderr, "out of memory\n");
        json_free(&doc);
        return 2;
    }
    for (size_t i = 0; i < cmds->u.array.count; i++) {
        const json_value *cmd = &cmds->u.array.items[i];
        const json_value *lv = json_get(cmd, "line");
        long line = lv && lv->kind == JSON_NUMBER ? (long)lv->u.number : 0;
        char why[WHY_LEN] = "";
        outcome o = run_command(&r, cmd, why);
        fflush(stdout);
        if (o == OUT_PASS) {
            r.passed++;
            if (r.verbose) printf("pass %s:%ld\n", r.key, line);
        } else if (o == OUT_SKIP) {
            r.skipped++;
            if (r.verbose) printf("skip %s:%ld: %s\n", r.key, line, why);
        } else {
            r.failed++;
            printf("FAIL %s:%ld: %s\n", r.key, line, why);
            printf("FAILED %s:%ld\n", r.key, line);
        }
    }
    printf("RESULT %lu %lu %lu\n", r.passed, r.failed, r.skipped);
    for (size_t i = r.ninsts; i-- > 0;) {
        hive_cinstance_free(r.insts[i].inst);
        free(r.insts[i].name);
    }
    for (size_t i = 0; i < r.ncomps; i++) {
        hive_component_release(r.comps[i].comp);
        free(r.comps[i].name);
    }
    free(r.insts);
    free(r.comps);
    hive_engine_free(r.engine);
    json_free(&doc);
    return r.failed ? 1 : 0;
}
