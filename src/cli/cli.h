/*
 * cli.h -- the `hive` subcommands, one file each under src/cli/.
 * Each takes the arguments after its name and returns the exit status.
 */
#ifndef HIVE_CLI_H
#define HIVE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "hive/wasi.h"

/* hive serve [options] app.wasm (serve.c). */
int cli_serve(int argc, char **argv);

/* args.c: a duration (500ms, 2s, 1.5m, 1h, 10us; bare: seconds) into
 * nanoseconds; a size (bytes, or 64K, 16M, 1G, also KiB/KB spellings) into
 * bytes. Both return 0, or -1 when the text is not one. */
int cli_parse_duration(const char *s, uint64_t *ns);
int cli_parse_size(const char *s, uint64_t *bytes);
/* args.c: the whole file at path (malloc'd, *len bytes), or NULL. */
uint8_t *cli_read_file(const char *path, size_t *len);
/* args.c: whether an entry point such as _start (nparams/params,
 * nresults/results: its hive_functype) has the type [] -> []. When not,
 * writes "NAME must have type [] -> [], not [i32] -> []" into msg. */
int cli_entry_type_ok(const char *name, uint32_t nparams, const uint8_t *params,
                      uint32_t nresults, const uint8_t *results, char *msg, size_t cap);

/* run_component.c: `hive run` of a wasi:cli/command component (no --invoke)
 * with the WASI 0.2 host (hive/wasip2.h). Returns the exit status. */
typedef struct cli_run_opts {
    const char *path;
    const uint8_t *bytes;
    size_t len;
    const char *const *argv;
    size_t argc;
    const char *const *env;
    size_t envc;
    const hive_wasi_preopen *preopens;
    size_t npreopens;
    const hive_wasi_run_opts *limits;
    int path_walk;
    int inherit_network, allow_ip_name_lookup; /* wasi:sockets */
    const char *const *allow_ip;               /* hive_wasip2_parse_net_rule texts */
    size_t nallow_ip;
} cli_run_opts;
int cli_run_command(hive_engine *engine, const cli_run_opts *o);

/* run_component.c: the WASI 0.2 host of o (args, env, preopens, sockets,
 * the process's stdio), or NULL after a message (*rc: the exit status).
 * Free *keep after the host. */
struct hive_wasip2;
struct hive_wasip2 *cli_wasip2_new(const cli_run_opts *o, void **keep, int *rc);

/* component.c: `hive run --invoke NAME ARGS...` of a component: the export
 * called with ARGS read as WAVE literals by its parameter types and its
 * result printed the same way, with the WASI 0.2 host of o for its
 * imports. Returns the exit status. */
int cli_run_component(hive_engine *engine, const cli_run_opts *o, const char *invoke, int argc,
                      char **argv);

#endif
