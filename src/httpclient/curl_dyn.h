/*
 * curl_dyn.h -- libcurl, loaded when the first outgoing request is made.
 *
 * libcurl brings some thirty shared libraries with it (TLS, HTTP/2, IDN,
 * compression...). Linked into hive, the dynamic loader maps and relocates
 * them all at every start, which tripled the start-up time of `hive run`
 * for a program that never makes a request. So hive links none of them:
 * hv_hc_curl_load() dlopen()s libcurl.so.4 the first time the HTTP client
 * starts, and the calls below go through the table it fills.
 *
 * Include this header instead of <curl/curl.h>: it renames the libcurl
 * functions hive uses to the table's members (hv_hc_curl.NAME), so the code
 * calls curl_easy_setopt(...) as usual. CURL_DISABLE_TYPECHECK: the
 * typecheck wrappers of curl.h are macros of the same names.
 */
#ifndef HIVE_HTTPCLIENT_CURL_DYN_H
#define HIVE_HTTPCLIENT_CURL_DYN_H

#include <stddef.h>

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/* the libcurl functions hive calls; one member per function */
#define HC_CURL_FUNCS(X)                                                                  \
    X(CURLcode, global_init, (long flags))                                                \
    X(CURL *, easy_init, (void))                                                          \
    X(void, easy_cleanup, (CURL * h))                                                     \
    X(CURLcode, easy_setopt, (CURL * h, CURLoption option, ...))                          \
    X(CURLcode, easy_getinfo, (CURL * h, CURLINFO info, ...))                             \
    X(CURLcode, easy_pause, (CURL * h, int bitmask))                                      \
    X(const char *, easy_strerror, (CURLcode code))                                       \
    X(CURLM *, multi_init, (void))                                                        \
    X(CURLMcode, multi_cleanup, (CURLM * m))                                              \
    X(CURLMcode, multi_setopt, (CURLM * m, CURLMoption option, ...))                      \
    X(CURLMcode, multi_add_handle, (CURLM * m, CURL * h))                                 \
    X(CURLMcode, multi_remove_handle, (CURLM * m, CURL * h))                              \
    X(CURLMcode, multi_assign, (CURLM * m, curl_socket_t fd, void *p))                    \
    X(CURLMcode, multi_socket_action, (CURLM * m, curl_socket_t fd, int ev, int *running)) \
    X(CURLMsg *, multi_info_read, (CURLM * m, int *left))                                 \
    X(struct curl_slist *, slist_append, (struct curl_slist * l, const char *s))          \
    X(void, slist_free_all, (struct curl_slist * l))                                      \
    X(curl_version_info_data *, version_info, (CURLversion v))

typedef struct hc_curl_api {
#define HC_CURL_MEMBER(ret, name, params) ret(*name) params;
    HC_CURL_FUNCS(HC_CURL_MEMBER)
#undef HC_CURL_MEMBER
} hc_curl_api;

extern hc_curl_api hv_hc_curl;

/* Loads libcurl and fills hv_hc_curl, once per process (thread-safe; later
 * calls return the first one's verdict). 0, or -1 with err (errlen bytes)
 * saying why: the library is missing, or lacks a function. The library
 * is libcurl.so.4, or the path in the environment variable HIVE_LIBCURL. */
int hv_hc_curl_load(char *err, size_t errlen);

#ifndef HC_CURL_DYN_IMPL
/* curl.h may define some of these names as macros of itself */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init hv_hc_curl.global_init
#define curl_easy_init hv_hc_curl.easy_init
#define curl_easy_cleanup hv_hc_curl.easy_cleanup
#define curl_easy_setopt hv_hc_curl.easy_setopt
#define curl_easy_getinfo hv_hc_curl.easy_getinfo
#define curl_easy_pause hv_hc_curl.easy_pause
#define curl_easy_strerror hv_hc_curl.easy_strerror
#define curl_multi_init hv_hc_curl.multi_init
#define curl_multi_cleanup hv_hc_curl.multi_cleanup
#define curl_multi_setopt hv_hc_curl.multi_setopt
#define curl_multi_add_handle hv_hc_curl.multi_add_handle
#define curl_multi_remove_handle hv_hc_curl.multi_remove_handle
#define curl_multi_assign hv_hc_curl.multi_assign
#define curl_multi_socket_action hv_hc_curl.multi_socket_action
#define curl_multi_info_read hv_hc_curl.multi_info_read
#define curl_slist_append hv_hc_curl.slist_append
#define curl_slist_free_all hv_hc_curl.slist_free_all
#define curl_version_info hv_hc_curl.version_info
#endif

#endif
