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
/* component.c: `hive run --invoke NAME` of a component (o's bytes start
 * with its preamble), with WAVE arguments, under WASI 0.2 as for
 * cli_run_command; NULL invoke: its wasi:cli/run export. Returns the exit
 * status. */
int cli_run_component(hive_engine *engine, const cli_run_opts *o, const char *invoke, int argc,
                      char **argv);
/* A WASI 0.2 context for o (args, env, preopens, stdio, sockets policy)
 * and a linker with it defined: 0, or the exit status after a message. */
struct hive_wasip2;
struct hive_linker;
int cli_wasip2_setup(hive_engine *engine, const cli_run_opts *o, struct hive_wasip2 **p2,
                     struct hive_linker **linker);
/* The setup also defines wasi:http/types (src/wasihttp; outgoing requests
 * refused) for the one instance: attach gives it the instance made with
 * that linker; detach, after the instance is freed, frees it. */
struct hive_cinstance;
void cli_wasip2_attach(struct hive_cinstance *inst);
void cli_wasip2_detach(void);

/* outbound.c: the outgoing-HTTP options (--allow-outbound HOST[:PORT],
 * --outbound-ca FILE, --outbound-h2c on|off, --max-outbound-requests N):
 * 1 when name is one (val taken; strings borrowed), 0 when not, -1 a bad
 * value. given: the first one given, or NULL. apply configures the client
 * (0, or 2 after a message); done stops it. */
int cli_outbound_opt(const char *name, const char *val);
const char *cli_outbound_given(void);
int cli_outbound_apply(const char *prog);
void cli_outbound_done(void);

#endif
