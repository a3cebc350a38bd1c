/*
 * cli.h -- the `hive` subcommands, one file each under src/cli/.
 * Each takes the arguments after its name and returns the exit status.
 */
#ifndef HIVE_CLI_H
#define HIVE_CLI_H

#include <stddef.h>
#include <stdint.h>

/* hive serve [options] app.wasm (serve.c). */
int cli_serve(int argc, char **argv);

/* args.c: a duration (500ms, 2s, 1.5m, 1h, 10us; bare: seconds) into
 * nanoseconds; a size (bytes, or 64K, 16M, 1G, also KiB/KB spellings) into
 * bytes. Both return 0, or -1 when the text is not one. */
int cli_parse_duration(const char *s, uint64_t *ns);
int cli_parse_size(const char *s, uint64_t *bytes);
/* args.c: the whole file at path (malloc'd, *len bytes), or NULL. */
uint8_t *cli_read_file(const char *path, size_t *len);

/* component.c: `hive run` of a component (bytes start with its preamble):
 * --invoke NAME with WAVE arguments, or its wasi:cli/run export. Returns
 * the exit status. */
struct hive_engine;
struct hive_wasi_run_opts;
int cli_run_component(struct hive_engine *engine, const char *path, const uint8_t *bytes, size_t len,
                      const char *invoke, int argc, char **argv, const struct hive_wasi_run_opts *limits);

#endif
