/*
 * base.h -- what a WASI 0.2 context (hive_wasip2, src/wasip2) and a 0.3
 * one (hive_wasip3, src/wasip3) both hold, made the same way from a
 * hive_wasip2_config: limits, clock and random sources, arguments,
 * environment, initial directory, stdio, preopened directories, network
 * grants and the insecure generator's state; and what both do with it
 * (wasi:cli/environment, the sources). Each context embeds one as `b`.
 */
#ifndef HIVE_WASIP2_BASE_H
#define HIVE_WASIP2_BASE_H

#include <stddef.h>
#include <stdint.h>

#include "hive/component.h"
#include "hive/wasip2.h"
#include "wasi/wasi_impl.h" /* struct hive_wasi: path.c's state */

typedef struct hv_wbase {
    uint32_t flags; /* HIVE_WASIP2_* */
    uint32_t max_objects, max_list;
    hive_wasip2_sources src;
    struct hive_wasi sandbox; /* only flags / no_openat2 are used: path.c's state */

    char **argv, **env;
    size_t argc, envc;
    char *cwd;
    hive_wasi_stdio stdio[3];

    struct { int fd; char *name; } *pre; /* preopens: dir fds (owned), guest names */
    size_t npre;

    hive_wasip2_net_rule *net_allow; /* with HIVE_WASIP2_INHERIT_NETWORK */
    size_t nnet_allow;

    uint64_t insecure_state[2]; /* xoroshiro128+ (insecure random) */
} hv_wbase;

/* Fills b (zeroed by the caller) from c: copies of the strings, env
 * checked ("K=V"), the preopens opened, the insecure state seeded from
 * the random source (the clocks when it fails). HIVE_OK, or HIVE_EARG /
 * HIVE_ENOMEM with err set; b then holds what was made (hv_wbase_free). */
int hv_wbase_init(hv_wbase *b, const hive_wasip2_config *c, hive_error *err);
void hv_wbase_free(hv_wbase *b);

/* The sources, or the host's clocks and getrandom. */
uint64_t hv_wbase_mono_ns(const hv_wbase *b);
uint64_t hv_wbase_wall_ns(const hv_wbase *b);
int hv_wbase_random(const hv_wbase *b, uint8_t *buf, size_t len);

/* Clock resolutions (ns, at least 1): 1 with a source, else the host's. */
uint64_t hv_wbase_mono_res(const hv_wbase *b);
uint64_t hv_wbase_wall_res(const hv_wbase *b);
/* The insecure generator's next value. */
uint64_t hv_wbase_insecure_u64(hv_wbase *b);
/* get-random-bytes (secure: the random source) or
 * get-insecure-random-bytes: len bytes (at most max_list) as a list<u8>
 * in *out. NULL, or why it failed (the trap message). */
const char *hv_wbase_random_bytes(hv_wbase *b, uint64_t len, int secure, hive_cval *out);

/* wasi:cli/environment: get-environment (list<tuple<string, string>>),
 * get-arguments (list<string>), initial-cwd (option<string>) into *out.
 * NULL, or why it failed (the trap message). */
const char *hv_wbase_environment(const hv_wbase *b, hive_cval *out);
const char *hv_wbase_arguments(const hv_wbase *b, hive_cval *out);
const char *hv_wbase_initial_cwd(const hv_wbase *b, hive_cval *out);

/* Values: a list<u8> of n bytes (0, -1 out of memory); result ok and err
 * (payload moved, may be NULL; out empty when out of memory). */
int hv_wval_bytes(hive_cval *out, const uint8_t *buf, size_t n);
void hv_wval_ok(hive_cval *out, hive_cval *payload);
void hv_wval_err(hive_cval *out, hive_cval *payload);

#endif
