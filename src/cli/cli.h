/*
 * cli.h -- the `hive` subcommands, one file each under src/cli/.
 * Each takes the arguments after its name and returns the exit status.
 */
#ifndef HIVE_CLI_H
#define HIVE_CLI_H

/* hive serve [options] app.wasm (serve.c). */
int cli_serve(int argc, char **argv);

#endif
