/*
 * main.c -- the `hive` command line.
 *
 *   hive run [options] module.wasm [args...]
 *   hive serve [options] app.wasm          (serve.c)
 *   hive version | --version               prints "hive X.Y.Z" (hive_version())
 *   hive help [COMMAND] | --help           the commands, or one command's help
 *
 * Runs a module with WASI preview 1 (include/hive/wasi.h): its start
 * function, then `_start` (a command), or `_initialize` and then the
 * export named by --invoke (a reactor). The guest sees the arguments, the
 * environment variables and the directories it is given, nothing else.
 * Exit status: the guest's proc_exit code (0 when _start returns), 134
 * after a trap (reason and backtrace on stderr), 124 when --fuel or
 * --timeout stopped it, 1 when the module cannot be loaded or linked, 2
 * for bad usage (one line on stderr saying what is wrong). Help and the
 * version go to stdout with status 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "hive/version.h"
#include "hive/wasi.h"
#include "hive/component.h"
#include "hive/wasm.h"

/* Whether `hive run` frees what it made before it exits. A release build
 * does not: the process ends a moment later and the kernel takes back its
 * memory and mappings at once, cheaper than hundreds of free() and
 * several munmap() calls, each unmap flushing the TLB (docs/PERFORMANCE.md,
 * "Process start-up"). Sanitizer builds (which check the teardown for
 * leaks and misuse) and -DHIVE_FREE_AT_EXIT=1 do. */
#ifndef HIVE_FREE_AT_EXIT
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HIVE_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define HIVE_FREE_AT_EXIT 1
#endif
#endif
#endif
#ifndef HIVE_FREE_AT_EXIT
#define HIVE_FREE_AT_EXIT 0
#endif

#define EXIT_TRAP 134  /* like a native program killed by SIGABRT */
#define EXIT_LIMIT 124 /* like timeout(1) */

/* hive help: the commands. */
static void help(FILE *out) {
    fprintf(out,
            "usage: hive COMMAND [options] ...\n"
            "\n"
            "hive runs WebAssembly: WASI preview 1 programs, and HTTP services whose\n"
            "requests each run a guest.\n"
            "\n"
            "commands:\n"
            "  run [options] module.wasm [args...]  run a WASI program or call an export\n"
            "                                       (hive run --help)\n"
            "  serve [options] app.wasm             serve HTTP/1.1 with a WAGI guest\n"
            "                                       (hive serve --help)\n"
            "  version                              print the version (also --version)\n"
            "  help [COMMAND]                       this text, or a command's\n"
            "\n"
            "Bad usage exits with status 2; each command's help gives the others.\n");
}

/* hive run --help. */
static void usage(FILE *out) {
    fprintf(out,
            "usage: hive run [options] module.wasm [args...]\n"
            "\n"
            "Runs a WebAssembly module with WASI preview 1 (wasi_snapshot_preview1).\n"
            "A command module runs its `_start`; the guest gets module.wasm and args as\n"
            "its argv. A reactor (one exporting `_initialize`) is initialised first;\n"
            "--invoke then calls one export with args parsed by its parameter types\n"
            "(integers in decimal or 0x hex, floats as decimal) and prints its results,\n"
            "one per line. Modules that import nothing run the same way.\n"
            "\n"
            "The guest sees only what it is given: stdin, stdout and stderr, the\n"
            "arguments, the variables of --env / --inherit-env, and the directories of\n"
            "--dir. Paths it opens cannot leave those directories (`..`, absolute\n"
            "paths and symlinks that lead out fail with ENOTCAPABLE).\n"
            "\n"
            "options:\n"
            "  --dir HOST[::GUEST]     give the guest host directory HOST, seen as GUEST\n"
            "                          (default: HOST as written); repeatable\n"
            "  --env NAME=VALUE        set a guest environment variable; repeatable\n"
            "  --env NAME              pass the host's value of NAME, if it has one\n"
            "  --inherit-env           pass the whole host environment (--env wins)\n"
            "  --invoke NAME           call export NAME instead of `_start`\n"
            "  --fuel N                stop after N units of work (one unit per loop\n"
            "                          iteration or call)\n"
            "  --timeout DUR           stop after DUR of wall-clock time (e.g. 500ms, 2s,\n"
            "                          1m, 1h)\n"
            "  --max-memory-size SIZE  cap each linear memory (bytes; K, M, G suffixes)\n"
            "  --no-fusion             compile each instruction on its own (slower; for\n"
            "                          comparisons and tests)\n"
            "  --no-inline             run every instruction through the interpreter's\n"
            "                          own handlers, without inline-threaded copies\n"
            "                          (slower; for comparisons and tests)\n"
            "  --path-walk             resolve guest paths by the component walk, not\n"
            "                          openat2 (the fallback of older kernels; for tests)\n"
            "  --slice N               suspend the guest after every N units of work and\n"
            "                          resume it (default 1000000; small values test\n"
            "                          resumability, the output must not change)\n"
            "  -h, --help              this text\n"
            "\n"
            "A component (wasi:cli/command) gets WASI 0.2 instead (and 0.3 beside it for a\n"
            "wasi:cli/run@0.3 export, run as an async task; --fuel does not apply to those);\n"
            "for it also:\n"
            "  --inherit-network       let it use sockets (wasi:sockets; off by default)\n"
            "  --allow-ip ADDR[/N][:PORT]  only these addresses for its sockets (with\n"
            "                          --inherit-network); repeatable\n"
            "  --allow-ip-name-lookup  let it resolve names (wasi:sockets/ip-name-lookup)\n"
            "  --allow-outbound HOST[:PORT]  components: outgoing HTTP (wasi:http/outgoing-handler)\n"
            "                          may go there (*, *.DOMAIN, *:PORT too); repeatable\n"
            "                          (default: none, every request is denied); also\n"
            "                          --outbound-ca FILE, --outbound-h2c on|off,\n"
            "                          --max-outbound-requests N (docs/OUTBOUND.md)\n"
            "\n"
            "exit status: the guest's proc_exit code (0 when _start returns); 134 after a\n"
            "trap (its reason and a wasm backtrace go to stderr); 124 when --fuel or\n"
            "--timeout stopped the guest; 1 when the module cannot be read, decoded,\n"
            "validated or linked; 2 for bad usage.\n"
            "\n"
            "example:\n"
            "  hive run --dir ./data::/data --env LANG=C prog.wasm /data/in.txt\n");
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

/* A growable array of strings (pointers into argv or the host
 * environment, or made here: see owned). */
typedef struct strlist {
    const char **v;
    size_t n, cap;
} strlist;

static int strlist_push(strlist *l, const char *s) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        const char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

/* Sets NAME=VALUE in env, replacing an earlier NAME. */
static int env_set(strlist *env, const char *kv) {
    const char *eq = strchr(kv, '=');
    size_t nl = eq ? (size_t)(eq - kv) : strlen(kv);
    for (size_t i = 0; i < env->n; i++)
        if (!strncmp(env->v[i], kv, nl) && env->v[i][nl] == '=') {
            env->v[i] = kv;
            return 0;
        }
    return strlist_push(env, kv);
}

typedef struct run_args {
    const char *invoke;
    hive_wasi_run_opts limits;
    hive_config cfg;
    strlist env;     /* NAME=VALUE */
    strlist dirs;    /* HOST[::GUEST] */
    int inherit_env;
    int inherit_network, allow_lookup; /* components: wasi:sockets */
    strlist allow_ip;
    int path_walk;
} run_args;

/* Prints why a call stopped and returns the exit status it means (or -1
 * when it finished normally). */
static int report(hive_exec *exec, hive_status st, int stop, const char *what) {
    if (st == HIVE_DONE) return -1;
    if (st == HIVE_SUSPENDED) {
        fprintf(stderr, "hive: %s: %s\n", what,
                stop == HIVE_WASI_STOP_FUEL ? "all fuel consumed" : "timed out");
        return EXIT_LIMIT;
    }
    if (st == HIVE_TRAPPED) {
        const hive_trap *trap = hive_exec_trap(exec);
        if (trap->kind == HIVE_TRAP_EXIT) {
            int code = trap->exit_code;
            return code >= 0 && code <= 255 ? code : 1;
        }
        fprintf(stderr, "hive: %s: trap: %s\n", what, trap->message);
        if (trap->nframes) fprintf(stderr, "wasm backtrace:\n");
        for (uint32_t i = 0; i < trap->nframes; i++) {
            if (trap->frames[i].func_name)
                fprintf(stderr, "  %2u: %s (func %" PRIu32 ")\n", i, trap->frames[i].func_name,
                        trap->frames[i].func_index);
            else
                fprintf(stderr, "  %2u: func %" PRIu32 "\n", i, trap->frames[i].func_index);
        }
        return EXIT_TRAP;
    }
    fprintf(stderr, "hive: %s: the call could not be made\n", what);
    return 1;
}

/* Looks up an exported function; NULL when there is none. */
static hive_func *export_func(hive_instance *inst, const char *name) {
    hive_extern ex;
    if (hive_instance_export(inst, name, strlen(name), &ex) != HIVE_OK ||
        ex.kind != HIVE_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

static int parse_run_args(int argc, char **argv, run_args *ra, int *argi) {
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--inherit-env")) {
            ra->inherit_env = 1;
            continue;
        }
        if (!strcmp(a, "--inherit-network") || !strcmp(a, "--allow-ip-name-lookup")) {
            *(a[2] == 'i' ? &ra->inherit_network : &ra->allow_lookup) = 1;
            continue;
        }
        if (!strcmp(a, "--no-fusion")) {
            ra->cfg.flags |= HIVE_CONFIG_NO_FUSION;
            continue;
        }
        if (!strcmp(a, "--path-walk")) {
            ra->path_walk = 1;
            continue;
        }
        if (!strcmp(a, "--no-inline")) {
            ra->cfg.flags |= HIVE_CONFIG_NO_INLINE;
            continue;
        }
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val) {
            fprintf(stderr, "hive: %s needs a value\n", a);
            return 2;
        }
        int ob = cli_outbound_opt(a, val); /* outbound.c: components' outgoing HTTP */
        if (ob < 0) {
            fprintf(stderr, "hive: bad value for %s: '%s'\n", a, val);
            return 2;
        }
        if (ob) {
            /* taken */
        } else if (!strcmp(a, "--invoke")) {
            ra->invoke = val;
        } else if (!strcmp(a, "--env")) {
            if (!val[0] || val[0] == '=') {
                fprintf(stderr, "hive: bad --env '%s'\n", val);
                return 2;
            }
            if (!strchr(val, '=')) {
                /* --env NAME: the host's value, when it has one. */
                const char *hv = getenv(val);
                if (!hv) {
                    i++;
                    continue;
                }
                size_t l = strlen(val) + strlen(hv) + 2;
                char *kv = malloc(l);
                if (!kv) return 1;
                snprintf(kv, l, "%s=%s", val, hv);
                val = kv; /* lives until exit */
            }
            if (env_set(&ra->env, val) < 0) return 1;
        } else if (!strcmp(a, "--allow-ip")) {
            if (strlist_push(&ra->allow_ip, val) < 0) return 1;
        } else if (!strcmp(a, "--dir")) {
            if (strlist_push(&ra->dirs, val) < 0) return 1;
        } else if (!strcmp(a, "--fuel")) {
            char *end;
            errno = 0;
            ra->limits.fuel = strtoull(val, &end, 10);
            if (errno || *end || !ra->limits.fuel) {
                fprintf(stderr, "hive: bad --fuel '%s'\n", val);
                return 2;
            }
        } else if (!strcmp(a, "--slice")) {
            char *end;
            errno = 0;
            ra->limits.slice = strtoull(val, &end, 10);
            if (errno || *end || !ra->limits.slice) {
                fprintf(stderr, "hive: bad --slice '%s'\n", val);
                return 2;
            }
        } else if (!strcmp(a, "--timeout")) {
            uint64_t ns;
            if (cli_parse_duration(val, &ns) < 0 || ns == 0) {
                fprintf(stderr, "hive: bad --timeout '%s'\n", val);
                return 2;
            }
            ra->limits.timeout_ns = ns;
        } else if (!strcmp(a, "--max-memory-size")) {
            uint64_t bytes;
            if (cli_parse_size(val, &bytes) < 0 || bytes > (1ull << 32)) {
                fprintf(stderr, "hive: bad --max-memory-size '%s'\n", val);
                return 2;
            }
            ra->cfg.max_memory_pages = (uint32_t)(bytes / 65536);
            if (!ra->cfg.max_memory_pages) ra->cfg.max_memory_pages = 1;
        } else {
            fprintf(stderr, "hive: unknown option %s (hive run --help lists them)\n", a);
            return 2;
        }
        i++;
    }
    if (i >= argc) {
        fprintf(stderr,
                "hive: run: no module given (usage: hive run [options] module.wasm [args...])\n");
        return 2;
    }
    *argi = i;
    return -1;
}

extern char **environ;

static int cmd_run(int argc, char **argv) {
    run_args ra;
    memset(&ra, 0, sizeof ra);
    int i = 0;
    int rc = parse_run_args(argc, argv, &ra, &i);
    if (rc >= 0) {
        free(ra.env.v);
        free(ra.dirs.v);
        return rc;
    }
    rc = 1;
    const char *path = argv[i++];
    strlist env = {0}, guest_argv = {0};
    hive_wasi_preopen *pre = NULL;
    char **dirbufs = NULL;
    uint8_t *bytes = NULL;
    hive_engine *engine = NULL;
    hive_module *module = NULL;
    hive_wasi *wasi = NULL;
    hive_extern *imports = NULL;
    hive_instance *inst = NULL;
    hive_exec *exec = NULL;
    hive_val *args = NULL;
    hive_error err;

    /* The guest's environment: the host's with --inherit-env, then --env. */
    if (ra.inherit_env)
        for (char **e = environ; *e; e++)
            if (strchr(*e, '=') && env_set(&env, *e) < 0) goto out;
    for (size_t k = 0; k < ra.env.n; k++)
        if (env_set(&env, ra.env.v[k]) < 0) goto out;
    if (strlist_push(&guest_argv, path) < 0) goto out;
    for (int k = i; k < argc; k++)
        if (strlist_push(&guest_argv, argv[k]) < 0) goto out;
    pre = calloc(ra.dirs.n + 1, sizeof *pre);
    dirbufs = calloc(ra.dirs.n + 1, sizeof *dirbufs);
    if (!pre || !dirbufs) goto out;
    for (size_t k = 0; k < ra.dirs.n; k++) {
        dirbufs[k] = strdup(ra.dirs.v[k]);
        if (!dirbufs[k]) goto out;
        char *sep = strstr(dirbufs[k], "::");
        pre[k].host_path = dirbufs[k];
        pre[k].guest_path = dirbufs[k];
        if (sep) {
            *sep = '\0';
            pre[k].guest_path = sep + 2;
        }
        if (!pre[k].host_path[0] || !pre[k].guest_path[0]) {
            fprintf(stderr, "hive: bad --dir '%s'\n", ra.dirs.v[k]);
            rc = 2;
            goto out;
        }
    }

    size_t len;
    bytes = cli_read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "hive: cannot read %s: %s\n", path, strerror(errno));
        goto out;
    }
    /* one run, one instance of each module: no memory images to share */
    ra.cfg.flags |= HIVE_CONFIG_SINGLE_INSTANCE;
    engine = hive_engine_new(&ra.cfg);
    if (!engine) goto out;
    if (hive_is_component(bytes, len) == 1) { /* a component (layer 1), not a core module */
        cli_run_opts ro = {path, bytes, len, guest_argv.v, guest_argv.n, env.v, env.n,
                           pre, ra.dirs.n, &ra.limits, ra.path_walk, ra.inherit_network,
                           ra.allow_lookup, ra.allow_ip.v, ra.allow_ip.n};
        if (!ra.invoke) rc = cli_run_command(engine, &ro); /* wasi:cli/command, WASI 0.2 */
        else rc = cli_run_component(engine, &ro, ra.invoke, argc - i, argv + i);
        goto out;
    }
    if (ra.inherit_network || ra.allow_lookup || ra.allow_ip.n || cli_outbound_given()) {
        fprintf(stderr, "hive: --inherit-network, --allow-ip, --allow-ip-name-lookup and the "
                        "outbound options are for components (WASI 0.2); %s is a core module\n",
                path);
        rc = 2;
        goto out;
    }
    /* the module takes the buffer (the engine's allocator is malloc) */
    int loaded = hive_module_new_take(engine, bytes, len, &module, &err);
    bytes = NULL;
    if (loaded != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s at byte %zu: %s\n", path, hive_strerror(err.code),
                err.offset, err.message);
        goto out;
    }
    hive_wasi_config wc;
    memset(&wc, 0, sizeof wc);
    wc.argv = guest_argv.v;
    wc.argc = guest_argv.n;
    wc.env = env.v;
    wc.envc = env.n;
    wc.preopens = pre;
    wc.npreopens = ra.dirs.n;
    if (ra.path_walk) wc.flags |= HIVE_WASI_FORCE_PATH_WALK;
    for (int k = 0; k < 3; k++) {
        wc.stdio[k].kind = HIVE_WASI_STDIO_FD;
        wc.stdio[k].fd = k;
    }
    if (hive_wasi_new(engine, &wc, &wasi, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s\n", err.message);
        goto out;
    }
    size_t nimports = hive_module_import_count(module);
    imports = calloc(nimports + 1, sizeof *imports);
    if (!imports) goto out;
    if (hive_wasi_imports(wasi, module, imports, nimports, NULL, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s\n", path, err.message);
        goto out;
    }
    if (hive_instance_new(engine, module, imports, nimports, &inst, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s\n", path, err.message);
        goto out;
    }
    exec = hive_exec_new(engine);
    if (!exec) goto out;

    int stop, code;
    hive_status st;
    hive_func *start = hive_instance_start_func(inst);
    if (start) {
        st = hive_wasi_run(wasi, exec, start, NULL, 0, &ra.limits, &stop);
        if ((code = report(exec, st, stop, "start function")) >= 0) {
            rc = code;
            goto out;
        }
    }
    hive_func *init = export_func(inst, "_initialize");
    hive_func *cmd = export_func(inst, "_start");
    if (!ra.invoke) {
        hive_func *entry = cmd ? cmd : init;
        char why[300];
        const hive_functype *et = entry ? hive_func_type(entry) : NULL;
        if (et && !cli_entry_type_ok(cmd ? "_start" : "_initialize", et->nparams, et->params,
                                     et->nresults, et->results, why, sizeof why)) {
            fprintf(stderr, "hive: %s: %s\n", path, why);
            goto out;
        }
        if (!entry) {
            if (start) {
                rc = 0; /* a module whose start function is its program */
                goto out;
            }
            fprintf(stderr, "hive: %s exports neither _start nor _initialize (try --invoke)\n",
                    path);
            goto out;
        }
        st = hive_wasi_run(wasi, exec, entry, NULL, 0, &ra.limits, &stop);
        code = report(exec, st, stop, cmd ? "_start" : "_initialize");
        rc = code >= 0 ? code : 0;
        goto out;
    }
    if (init) {
        st = hive_wasi_run(wasi, exec, init, NULL, 0, &ra.limits, &stop);
        if ((code = report(exec, st, stop, "_initialize")) >= 0) {
            rc = code;
            goto out;
        }
    }
    hive_func *fn = export_func(inst, ra.invoke);
    if (!fn) {
        fprintf(stderr, "hive: %s: no exported function '%s'\n", path, ra.invoke);
        goto out;
    }
    const hive_functype *ft = hive_func_type(fn);
    size_t nargs = (size_t)(argc - i);
    if (nargs != ft->nparams) {
        fprintf(stderr, "hive: %s takes %u arguments, %zu given\n", ra.invoke, ft->nparams,
                nargs);
        rc = 2;
        goto out;
    }
    args = calloc(nargs + 1, sizeof *args);
    if (!args) goto out;
    for (size_t k = 0; k < nargs; k++) {
        if (parse_value(argv[i + (int)k], ft->params[k], &args[k]) < 0) {
            fprintf(stderr, "hive: bad argument '%s' for %s\n", argv[i + (int)k], ra.invoke);
            rc = 2;
            goto out;
        }
    }
    st = hive_wasi_run(wasi, exec, fn, args, nargs, &ra.limits, &stop);
    if ((code = report(exec, st, stop, ra.invoke)) >= 0) {
        rc = code;
        goto out;
    }
    hive_val results[16];
    size_t n = hive_exec_results(exec, results, 16);
    for (size_t k = 0; k < n && k < 16; k++) print_value(&results[k]);
    fflush(stdout);
    rc = 0;
out:
    /* Nothing after this needs what was made: exit now (flushing stdio,
     * as returning from main would). */
    if (!HIVE_FREE_AT_EXIT && !getenv("HIVE_FREE_AT_EXIT")) exit(rc);
    free(args);
    hive_exec_free(exec);
    hive_instance_free(inst);
    free(imports);
    hive_wasi_free(wasi);
    hive_module_release(module);
    hive_engine_free(engine);
    free(bytes);
    for (size_t k = 0; dirbufs && k < ra.dirs.n; k++) free(dirbufs[k]);
    free(dirbufs);
    free(pre);
    free(env.v);
    free(guest_argv.v);
    free(ra.env.v);
    free(ra.dirs.v);
    free(ra.allow_ip.v);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "hive: no command given (usage: hive run|serve|version|help ...)\n");
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "serve")) return cli_serve(argc - 2, argv + 2);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        if (argc > 2) {
            fprintf(stderr, "hive: %s takes no arguments\n", cmd);
            return 2;
        }
        printf("hive %s\n", hive_version());
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc == 2) {
            help(stdout);
            return 0;
        }
        const char *topic = argv[2];
        if (argc == 3 && !strcmp(topic, "run")) {
            usage(stdout);
            return 0;
        }
        if (argc == 3 && !strcmp(topic, "serve")) {
            char help_flag[] = "--help";
            char *args[] = {help_flag, NULL};
            return cli_serve(1, args);
        }
        if (argc == 3 && (!strcmp(topic, "version") || !strcmp(topic, "help"))) {
            help(stdout);
            return 0;
        }
        fprintf(stderr, "hive: no help for '%s' (commands: run, serve, version, help)\n", topic);
        return 2;
    }
    fprintf(stderr, "hive: unknown command '%s' (commands: run, serve, version, help)\n", cmd);
    return 2;
}
