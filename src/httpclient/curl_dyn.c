/*
 * curl_dyn.c -- loads libcurl on first use (why: curl_dyn.h).
 */
#define HC_CURL_DYN_IMPL 1
#include "httpclient/curl_dyn.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hc_curl_api hv_hc_curl;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static char g_err[256]; /* empty: loaded */

static void load_once(void) {
    const char *path = getenv("HIVE_LIBCURL");
    if (!path || !*path) path = "libcurl.so.4";
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(g_err, sizeof g_err, "libcurl could not be loaded: %s", dlerror());
        return;
    }
    hc_curl_api api;
    void *sym;
#define HC_CURL_RESOLVE(ret, name, params)                                                  \
    sym = dlsym(lib, "curl_" #name);                                                        \
    if (!sym) {                                                                             \
        snprintf(g_err, sizeof g_err, "%s has no function curl_%s", path, #name);           \
        dlclose(lib);                                                                       \
        return;                                                                             \
    }                                                                                       \
    memcpy(&api.name, &sym, sizeof sym);
    HC_CURL_FUNCS(HC_CURL_RESOLVE)
#undef HC_CURL_RESOLVE
    /* the library stays loaded for the life of the process */
    hv_hc_curl = api;
}

int hv_hc_curl_load(char *err, size_t errlen) {
    pthread_once(&g_once, load_once);
    if (!g_err[0]) return 0;
    if (err && errlen) snprintf(err, errlen, "%s", g_err);
    return -1;
}
