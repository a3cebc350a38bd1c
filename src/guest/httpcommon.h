/*
 * httpcommon.h -- what the wasi:http 0.2 guest kind (wasihttp.c) and the
 * 0.3 one (wasihttp3.c) share: the WASI world given to their instances
 * (--env entries, --dir directories), the log their stdout and stderr
 * go to, and finding the handler a component exports.
 */
#ifndef HIVE_GUEST_HTTPCOMMON_H
#define HIVE_GUEST_HTTPCOMMON_H

#include <stddef.h>
#include <stdint.h>

#include "hive/component.h"
#include "hive/wasip2.h"

/* The environment ("K=V") and preopened directories of the instances;
 * every string owned. */
typedef struct hv_wguest_wasi {
    char **env;
    size_t nenv;
    hive_wasi_preopen *dirs;
    size_t ndirs;
} hv_wguest_wasi;

/* Copies env and dirs ("HOST::GUEST", or "HOST" for the same path) into
 * w (zeroed). 0, or -1 out of memory (w holds what was copied). */
int hv_wguest_wasi_copy(hv_wguest_wasi *w, const char *const *env, size_t nenv,
                        const char *const *dirs, size_t ndirs);
void hv_wguest_wasi_free(hv_wguest_wasi *w);
/* Gives them to a WASI context's config (pointing into w). */
void hv_wguest_wasi_config(const hv_wguest_wasi *w, hive_wasip2_config *c);

/* A stdout or stderr write: one log line on stderr per write, tagged with
 * the worker (ud, a hive_worker; NULL: the start-up check). */
int64_t hv_wguest_log_write(void *ud, const uint8_t *buf, size_t len);

/* The name of the first instance export of component whose name starts
 * with prefix (e.g. "wasi:http/handler@0.3."), or NULL. */
const char *hv_wguest_export(hive_component *component, const char *prefix);
/* "iface#func" (malloc'd), or NULL when out of memory. */
char *hv_wguest_func_name(const char *iface, const char *func);

#endif
