/*
 * p3http.h -- the host side of wasi:http 0.3.0 (docs/WASIHTTP3.md):
 * wasi:http/types (fields, request, request-options, response,
 * error-code) on the component model's async ABI, bodies as stream<u8>
 * and trailers as future<result<option<trailers>, error-code>>, and
 * wasi:http/client (send goes through src/httpclient, as 0.2's
 * outgoing-handler does, within --allow-outbound).
 *
 * One wh3 context per component instance: its table of host objects
 * (the reps of the guest's handles). The definitions are shared by every
 * instance of a linker: host functions and destructors find their
 * context with the lookup given to hv_wh3_define.
 *
 * The serving side (src/guest/wasihttp3.c) makes the incoming request
 * with hv_wh3_incoming (its body and trailers are ends the caller feeds),
 * passes its rep to the guest's handler.handle, and takes the response
 * the handler returns with hv_wh3_take_response.
 */
#ifndef HIVE_WASIHTTP_P3HTTP_H
#define HIVE_WASIHTTP_P3HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "hive/casync.h"
#include "hive/component.h"
#include "hive/handler.h"

#define WH3_VERSION "0.3.0"
#define WH3_TYPES "wasi:http/types@" WH3_VERSION
#define WH3_HANDLER "wasi:http/handler@" WH3_VERSION
#define WH3_CLIENT "wasi:http/client@" WH3_VERSION

typedef struct wh3 wh3;

/* The context of an instance (NULL: none; calls then trap). */
typedef wh3 *(*wh3_lookup)(hive_cinstance *instance, void *ud);

/* Defines wasi:http/types@0.3.0 and wasi:http/client@0.3.0 into linker.
 * HIVE_OK or an error code. */
int hv_wh3_define(hive_linker *linker, wh3_lookup lookup, void *ud);

struct hive_wasip3;
/* Outgoing requests (client.send) wait with the instance's WASI 0.3
 * reactor; without one they are denied. */
void hv_wh3_set_p3(wh3 *h, struct hive_wasip3 *p3);
/* The HTTP client's thread calls wake(ud) when an outgoing request of h
 * moved (e.g. hv_handler_wake); or, with hv_wh3_use_eventfd, an eventfd the
 * reactor's waits poll becomes readable (`hive run`). */
void hv_wh3_set_wake(wh3 *h, void (*wake)(void *ud), void *ud);
int hv_wh3_use_eventfd(wh3 *h);
/* Releases every outgoing request now (the client calls wake no more):
 * the instance will not run again (it trapped and its worker ends). */
void hv_wh3_release_outgoing(wh3 *h);

/* The lookup for a linker whose instances have their wh3 as
 * hive_cinstance_data. */
wh3 *hv_wh3_of_data(hive_cinstance *instance, void *ud);

wh3 *hv_wh3_new(void);
void hv_wh3_free(wh3 *h);
/* Live host objects (tests, leaks). */
size_t hv_wh3_live(const wh3 *h);

/* A new incoming request object for info: method, path and query,
 * scheme, authority (the Host header) and immutable headers (without
 * the hop-by-hop ones). contents (a stream<u8> readable end) and
 * trailers (a future readable end) are moved into it. Its rep in *rep.
 * -1 when out of memory. */
int hv_wh3_incoming(wh3 *h, const hive_request_info *info, hive_cval *contents, hive_cval *trailers,
                 uint32_t *rep);

/* An outgoing request (client.send) whose response body the host relays. */
typedef struct wout wh3_upstream;

/* A response the handler returned, taken out of the table. */
typedef struct wh3_response {
    uint16_t status;
    hive_header *headers; /* names and values point into arena */
    size_t nheaders;
    char *arena;
    int64_t content_length; /* from its content-length header, or -1 */
    hive_cval contents;     /* STREAM, or empty for no body */
    hive_cval trailers;     /* FUTURE, or empty */
    hive_cstream *tx;       /* the writer of the future response.new returned, or NULL */
    /* Not NULL: the response is one client.send gave, handed back with its
     * body untouched (a proxy): contents and trailers are empty, and the
     * caller relays the body from the HTTP client (hv_wh3_up_read until 0 or
     * an error; hv_wh3_up_trailers; then hv_wh3_up_done, also to give it up). */
    wh3_upstream *up;
} wh3_response;

/* Takes the response object rep (an own<response> the guest gave the
 * host). -1 when rep is no response, or out of memory. */
int hv_wh3_take_response(wh3 *h, uint32_t rep, wh3_response *out);
void hv_wh3_response_clear(wh3_response *r);

/* The fields object rep (an own<fields> the guest moved to the host, e.g.
 * in a trailers future's value) as headers: a malloc'd array whose names
 * and values point into the object (valid until hv_wh3_fields_free), its
 * count in *n; NULL when rep is no fields or has none. */
hive_header *hv_wh3_fields_view(wh3 *h, uint32_t rep, size_t *n);
void hv_wh3_fields_free(wh3 *h, hive_cinstance *ci, uint32_t rep);
/* A new immutable fields object with t[0..n) (fields the rules refuse are
 * left out): its rep, 0 when out of memory. */
uint32_t hv_wh3_fields_new(wh3 *h, const hive_header *t, size_t n);

/* The relayed body: > 0 bytes, 0 the end, -1 none yet (the context's wake
 * comes when there are), -2 failed (why in msg). */
int64_t hv_wh3_up_read(wh3_upstream *u, uint8_t *buf, size_t cap, char *msg, size_t msglen);
/* After the end: the upstream's trailers (may be none). */
const hive_header *hv_wh3_up_trailers(wh3_upstream *u, size_t *n);
/* The relay is over (or given up): the outgoing request is released. */
void hv_wh3_up_done(wh3_upstream *u);

/* Resolves a future<result<_, error-code>> the host writes (the
 * transmission result): ok when err is NULL, else
 * internal-error(some(err)); then closes it. NULL w: nothing. */
void hv_wh3_tx_finish(hive_cstream *w, const char *err);

/* ---- the guest kind (src/guest/wasihttp3.c) ---- */

/* 1 when component exports wasi:http/handler@0.3.x (a wasi:http/service
 * component). */
int hv_guest_wasihttp3_detect(hive_component *component);

/* A wasi:http/service guest: each request is a task of
 * wasi:http/handler.handle on an instance; many run at once on one
 * instance. env and dirs as for hv_guest_wasihttp_new. */
int hv_guest_wasihttp3_new(hive_engine *engine, hive_component *component,
                             const char *const *env, size_t nenv, const char *const *dirs,
                             size_t ndirs, hive_guest **out, hive_error *err);

#endif
