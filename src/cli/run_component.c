/*
 * run_component.c -- `hive run` of a component: a wasi:cli/command (its
 * wasi:cli/run export) with WASI 0.2 (hive/wasip2.h) and WASI 0.3
 * (hive/wasip3.h; a run@0.3.x export is preferred): arguments,
 * environment, preopened directories, stdio streamed from and to the
 * process's own fds, and the exit code (run's result, or wasi:cli/exit).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hive/component.h"
#include "hive/wasip2.h"
#include "hive/wasip3.h"
#include "wasihttp/p3http.h"
#include "wasihttp/wasihttp.h"

#define EXIT_TRAP 134
#define EXIT_LIMIT 124

/* The run export: "wasi:cli/run@0.3.x#run" (async) when the component
 * exports one (wasm32-wasip3 programs export both), else
 * "wasi:cli/run@0.2.x#run". *p3 says which. */
static hive_cfunc *find_run(hive_cinstance *inst, hive_component *comp, int *p3) {
    size_t n = hive_component_export_count(comp);
    for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n; i++) {
        const char *name;
        hive_component_export(comp, i, &name);
        if (!name || strncmp(name, pass ? "wasi:cli/run@0.2." : "wasi:cli/run@0.3.", 17)) continue;
        *p3 = !pass;
        char full[256];
        snprintf(full, sizeof full, "%s#run", name);
        hive_cfunc *f = hive_cinstance_func(inst, full);
        if (f) return f;
    }
    return NULL;
}

/* wasi:http/types and outgoing-handler for `hive run`'s one instance
 * (componentize-js with its default features imports them, for fetch,
 * even into a command): outgoing requests go where --allow-outbound lets
 * them (docs/OUTBOUND.md; by default nowhere: HTTP-request-denied); bodies
 * are the WASI 0.2 context's streams, which wait on an eventfd the HTTP
 * client signals, so the blocking driver sleeps in poll(2). */
static whttp *cli_http;
/* WASI 0.3 beside 0.2, from the same config: one instance imports both */
static hive_wasip3 *cli_p3;

/* wasi:http@0.3.0 types for the same one instance (wasm32-wasip3 tests
 * of wasi:http/types are commands) */
static wh3 *cli_http3;
static wh3 *cli_http3_of(hive_cinstance *inst, void *ud) {
    (void)inst, (void)ud;
    return cli_http3;
}

void cli_wasip2_attach(hive_cinstance *inst) {
    if (!cli_http) return;
    hive_cinstance_set_data(inst, cli_http);
    hv_whttp_enter(cli_http);
}

void cli_wasip2_detach(void) {
    hive_wasip3_free(cli_p3);
    cli_p3 = NULL;
    hv_wh3_free(cli_http3);
    cli_http3 = NULL;
    if (!cli_http) return;
    hv_whttp_leave();
    hv_whttp_free(cli_http);
    cli_http = NULL;
    cli_outbound_done();
}

int cli_wasip2_setup(hive_engine *engine, const cli_run_opts *o, hive_wasip2 **p2out,
                     hive_linker **linker_out) {
    hive_error err;
    hive_wasip2 *p2 = NULL;
    hive_linker *linker = NULL;
    hive_wasip2_net_rule *rules = NULL;
    int rc = 1;
    *p2out = NULL;
    *linker_out = NULL;
    hive_wasip2_config c;
    memset(&c, 0, sizeof c);
    c.argv = o->argv;
    c.argc = o->argc;
    c.env = o->env;
    c.envc = o->envc;
    c.preopens = o->preopens;
    c.npreopens = o->npreopens;
    if (o->path_walk) c.flags |= HIVE_WASIP2_FORCE_PATH_WALK;
    if (o->inherit_network) {
        c.flags |= HIVE_WASIP2_INHERIT_NETWORK;
        signal(SIGPIPE, SIG_IGN); /* a send to a closed connection is connection-broken, not a death */
    }
    if (o->allow_ip_name_lookup) c.flags |= HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP;
    rules = calloc(o->nallow_ip + 1, sizeof *rules);
    if (!rules) goto out;
    for (size_t k = 0; k < o->nallow_ip; k++)
        if (hive_wasip2_parse_net_rule(o->allow_ip[k], &rules[k]) < 0) {
            fprintf(stderr, "hive: bad --allow-ip '%s' (ADDR[/PREFIX][:PORT], [v6]:PORT)\n", o->allow_ip[k]);
            rc = 2;
            goto out;
        }
    if (o->nallow_ip && !o->inherit_network) {
        fprintf(stderr, "hive: --allow-ip needs --inherit-network\n");
        rc = 2;
        goto out;
    }
    c.net_allow = rules;
    c.nnet_allow = o->nallow_ip;
    for (int k = 0; k < 3; k++) {
        c.stdio[k].kind = HIVE_WASI_STDIO_FD;
        c.stdio[k].fd = k;
    }
    if (hive_wasip2_new(&c, &p2, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s\n", err.message);
        goto out;
    }
    linker = hive_linker_new(engine);
    if (!linker || hive_wasip2_define(p2, linker) != HIVE_OK || hv_whttp_define(linker, 0) != HIVE_OK ||
        !(cli_http = hv_whttp_new(p2)) || hv_whttp_use_eventfd(cli_http) < 0) {
        fprintf(stderr, "hive: cannot define the WASI 0.2 imports\n");
        goto out;
    }
    hive_wasip3_config c3;
    memset(&c3, 0, sizeof c3);
    c3.base = c;
    if (hive_wasip3_new(&c3, &cli_p3, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s\n", err.message);
        goto out;
    }
    hive_wasip3_set_p2(cli_p3, p2);
    if (hive_wasip3_define(cli_p3, linker) != HIVE_OK) {
        fprintf(stderr, "hive: cannot define the WASI 0.3 imports\n");
        goto out;
    }
    if (!(cli_http3 = hv_wh3_new()) || hv_wh3_use_eventfd(cli_http3) < 0 ||
        hv_wh3_define(linker, cli_http3_of, NULL) != HIVE_OK) {
        fprintf(stderr, "hive: cannot define the wasi:http 0.3 imports\n");
        goto out;
    }
    hv_wh3_set_p3(cli_http3, cli_p3);
    if ((rc = cli_outbound_apply("hive")) != 0) goto out;
    rc = 1;
    *p2out = p2;
    *linker_out = linker;
    p2 = NULL;
    linker = NULL;
    rc = 0;
out:
    if (rc) {
        hive_wasip3_free(cli_p3);
        cli_p3 = NULL;
    }
    hive_linker_free(linker);
    hive_wasip2_free(p2);
    free(rules);
    return rc;
}

int cli_run_command(hive_engine *engine, const cli_run_opts *o) {
    int rc = 1;
    hive_error err;
    hive_component *comp = NULL;
    hive_wasip2 *p2 = NULL;
    hive_linker *linker = NULL;
    hive_cinstance *inst = NULL;
    if (hive_component_new(engine, o->bytes, o->len, &comp, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s at byte %zu: %s\n", o->path, hive_strerror(err.code), err.offset,
                err.message);
        return 1;
    }
    if ((rc = cli_wasip2_setup(engine, o, &p2, &linker))) goto out;
    rc = 1;
    if (hive_cinstance_new(engine, comp, linker, &inst, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s\n", o->path, err.message);
        if (strstr(err.message, "wasi:") && strstr(err.message, "@0.3."))
            fprintf(stderr, "hive: (that WASI 0.3 interface is not provided yet: docs/WASIP3.md says "
                            "which are; WASI 0.2 is there at any 0.2.x)\n");
        goto out;
    }
    cli_wasip2_attach(inst);
    int is_p3 = 0;
    hive_cfunc *run = find_run(inst, comp, &is_p3);
    if (!run) {
        fprintf(stderr, "hive: %s is a component without a wasi:cli/run export (try --invoke)\n",
                o->path);
        goto out;
    }
    hive_cval result;
    memset(&result, 0, sizeof result);
    int stop = 0, code;
    hive_status st = is_p3 ? hive_wasip3_run(cli_p3, inst, run, o->limits, &result, &stop)
                           : hive_wasip2_run(p2, inst, run, o->limits, &result, &stop);
    fflush(stdout);
    if (is_p3 && st == HIVE_FAILED) {
        fprintf(stderr, "hive: run: %s\n", hive_wasip3_failure(cli_p3));
        rc = 1;
        goto out;
    }
    switch (st) {
    case HIVE_DONE:
        /* run: func() -> result */
        rc = result.kind == HIVE_C_RESULT && result.of.var.index == 0 ? 0 : 1;
        hive_cval_clear(&result);
        break;
    case HIVE_SUSPENDED:
        fprintf(stderr, "hive: run: %s\n", stop == HIVE_WASI_STOP_FUEL ? "all fuel consumed" : "timed out");
        rc = EXIT_LIMIT;
        break;
    case HIVE_TRAPPED:
        if (hive_wasip2_exit_code(p2, &code) || hive_wasip3_exit_code(cli_p3, &code)) {
            rc = code >= 0 && code <= 255 ? code : 1;
            break;
        }
        {
            const hive_trap *trap = hive_cinstance_trap(inst);
            fprintf(stderr, "hive: run: trap: %s\n", trap ? trap->message : "?");
            if (trap && trap->nframes) fprintf(stderr, "wasm backtrace:\n");
            for (uint32_t i = 0; trap && i < trap->nframes; i++) {
                if (trap->frames[i].func_name)
                    fprintf(stderr, "  %2u: %s (func %" PRIu32 ")\n", i, trap->frames[i].func_name,
                            trap->frames[i].func_index);
                else
                    fprintf(stderr, "  %2u: func %" PRIu32 "\n", i, trap->frames[i].func_index);
            }
        }
        rc = EXIT_TRAP;
        break;
    default:
        fprintf(stderr, "hive: run: the call could not be made\n");
        rc = 1;
        break;
    }
out:
    hive_cinstance_free(inst);
    cli_wasip2_detach();
    hive_linker_free(linker);
    hive_wasip2_free(p2);
    hive_component_release(comp);
    return rc;
}
