/*
 * httpcommon.c -- what the wasi:http 0.2 and 0.3 guest kinds share
 * (httpcommon.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/httpcommon.h"
#include "handler/guest.h"

int hv_wguest_wasi_copy(hv_wguest_wasi *w, const char *const *env, size_t nenv,
                        const char *const *dirs, size_t ndirs) {
    w->env = calloc(nenv ? nenv : 1, sizeof *w->env);
    w->dirs = calloc(ndirs ? ndirs : 1, sizeof *w->dirs);
    if (!w->env || !w->dirs) return -1;
    for (size_t i = 0; i < nenv; i++) {
        if (!(w->env[i] = strdup(env[i]))) return -1;
        w->nenv++;
    }
    for (size_t i = 0; i < ndirs; i++) {
        const char *sep = strstr(dirs[i], "::");
        w->dirs[i].host_path = sep ? strndup(dirs[i], (size_t)(sep - dirs[i])) : strdup(dirs[i]);
        w->dirs[i].guest_path = strdup(sep ? sep + 2 : dirs[i]);
        w->ndirs++;
        if (!w->dirs[i].host_path || !w->dirs[i].guest_path) return -1;
    }
    return 0;
}

void hv_wguest_wasi_free(hv_wguest_wasi *w) {
    for (size_t i = 0; w->env && i < w->nenv; i++) free(w->env[i]);
    free(w->env);
    for (size_t i = 0; w->dirs && i < w->ndirs; i++) {
        free((char *)w->dirs[i].host_path);
        free((char *)w->dirs[i].guest_path);
    }
    free(w->dirs);
    memset(w, 0, sizeof *w);
}

void hv_wguest_wasi_config(const hv_wguest_wasi *w, hive_wasip2_config *c) {
    c->env = (const char *const *)w->env;
    c->envc = w->nenv;
    c->preopens = w->dirs;
    c->npreopens = w->ndirs;
}

int64_t hv_wguest_log_write(void *ud, const uint8_t *buf, size_t len) {
    size_t n = len;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
    if (ud)
        fprintf(stderr, "[worker %" PRIu64 "] %.*s\n", hv_handler_worker_id(ud), (int)n,
                (const char *)buf);
    else
        fprintf(stderr, "[start] %.*s\n", (int)n, (const char *)buf);
    return (int64_t)len;
}

const char *hv_wguest_export(hive_component *component, const char *prefix) {
    for (size_t i = 0; i < hive_component_export_count(component); i++) {
        const char *n;
        const hive_cextern *x = hive_component_export(component, i, &n);
        if (x && hive_cextern_sort(x) == HIVE_CSORT_INSTANCE && !strncmp(n, prefix, strlen(prefix)))
            return n;
    }
    return NULL;
}

char *hv_wguest_func_name(const char *iface, const char *func) {
    size_t a = strlen(iface), b = strlen(func);
    char *s = malloc(a + b + 2);
    if (!s) return NULL;
    memcpy(s, iface, a);
    s[a] = '#';
    memcpy(s + a + 1, func, b + 1);
    return s;
}
