/*
 * wasihttp.h -- the host side of wasi:http 0.2 for the `wasihttp` guest
 * kind (src/guest/wasihttp.c): wasi:http/types (fields, incoming-request,
 * incoming-body, future-trailers, outgoing-response, outgoing-body,
 * response-outparam, error-code) and the part of wasi:io 0.2 that bodies
 * use (error, poll, streams), defined into a hive_linker at 0.2.12 (any
 * 0.2.x import is served by semver matching).
 *
 * One whttp context per component instance: its table of host objects
 * (the reps of the guest's handles) and the request it serves now. The
 * linker is shared by every instance of the guest: host functions find
 * their context through hive_cinstance_data(), resource destructors
 * through the thread's current context (hv_whttp_enter/hv_whttp_leave around
 * every call into the instance).
 *
 * The request's body comes from the pool (hv_handler_req_read_body) and the
 * response goes to it (hv_handler_req_head/body/end), so nothing blocks a
 * thread: a blocking read with no bytes yet, a blocking write into a full
 * sink, pollable.block and poll make the host call PENDING; the guest
 * kind calls hv_whttp_retry() when the worker is woken.
 */
#ifndef HIVE_WASIHTTP_H
#define HIVE_WASIHTTP_H

#include <stddef.h>
#include <stdint.h>

#include "hive/component.h"
#include "hive/handler.h"

#define WHTTP_VERSION "0.2.12"

typedef struct whttp whttp;

/* Defines the interfaces into linker: wasi:http/types, the client side
 * as far as it goes (outgoing-handler answers HTTP-request-denied), and
 * with_io the body half of wasi:io. Without it, the linker's wasi:io is a
 * WASI 0.2 context's (hive/wasip2.h) and every context made for an
 * instance of that linker must get that hive_wasip2 (hv_whttp_new). HIVE_OK
 * or an error code. */
int hv_whttp_define(hive_linker *linker, int with_io);

struct hive_wasip2;
/* A context; p2 (may be NULL) is the WASI 0.2 context whose streams and
 * pollables the bodies become (a linker defined without io). */
whttp *hv_whttp_new(struct hive_wasip2 *p2);
void hv_whttp_free(whttp *h);
/* The WASI 0.2 context given to hv_whttp_new (NULL: none, or h NULL). */
struct hive_wasip2 *hv_whttp_p2(const whttp *h);

/* Outgoing requests (wasi:http/outgoing-handler, src/httpclient): wake
 * is called from the client thread (with its lock held: it must only
 * wake, e.g. hv_handler_wake) when a response, body bytes or room arrived,
 * so that a PENDING call or pollable can be tried again. Set before the
 * instance runs. */
void hv_whttp_set_wake(whttp *h, void (*wake)(void *ud), void *ud);
/* For a blocking driver (hive run): the context makes an eventfd that
 * the wake signals, and its WASI 0.2 streams and pollables wait on it.
 * 0, or -1 when it cannot be made. */
int hv_whttp_use_eventfd(whttp *h);

/* The thread's current context (for resource destructors). */
void hv_whttp_enter(whttp *h);
void hv_whttp_leave(void);
whttp *hv_whttp_current(void);

/* Starts serving req: makes the incoming-request and response-outparam
 * objects (their reps in *request, *outparam). -1 when out of memory. */
int hv_whttp_begin(whttp *h, hive_req *req, uint32_t *request, uint32_t *outparam);

/* The handler returned: settles the response (no response set: 502;
 * a body neither finished nor dropped: the response is cut) and forgets
 * the request. Objects of the request the guest still holds stop
 * working. */
void hv_whttp_end(whttp *h);

/* The request went away (cancelled or expired): forget it without
 * sending anything. */
void hv_whttp_abandon(whttp *h);
/* Releases every outgoing request of h now (the client calls wake no
 * more): the instance will not run again (its worker ends). */
void hv_whttp_release_outgoing(whttp *h);

/* A host call of this context is PENDING: tries it again. 1 done
 * (hive_cinstance_complete was called: resume), 0 still waiting (the
 * worker will be woken), -1 failed (message in msg). */
int hv_whttp_retry(whttp *h, hive_cinstance *inst, char *msg, size_t msglen);

/* 1 when a host call of this context (not of its WASI 0.2 context) is
 * PENDING. */
int hv_whttp_pending(const whttp *h);

/* Live host objects, for tests and leaks. */
size_t hv_whttp_live(const whttp *h);

/* The HTTP status for a wasi:http error-code case index. */
int hv_whttp_error_status(uint32_t code);
/* Answers req with error-code case code: its status, a text body naming
 * the case, the end. */
void hv_whttp_answer_error(hive_req *req, uint32_t code);



/* ---- the guest kind (src/guest/wasihttp.c) ---- */

/* A wasi:http/proxy guest: each worker's instance of component serves
 * requests in turn through wasi:http/incoming-handler.handle (any 0.2.x
 * export). Checks at once that the component links against the host and
 * exports the handler (HIVE_EUNLINKABLE with err's message otherwise).
 * env ("K=V") and dirs ("HOST::GUEST" or "HOST") go to the WASI 0.2 world
 * of a component that needs one; for one that imports only wasi:http they
 * are HIVE_EARG. Copied. The component is retained; free with
 * hive_guest_free. */
int hv_guest_wasihttp_new(hive_engine *engine, hive_component *component,
                            const char *const *env, size_t nenv, const char *const *dirs,
                            size_t ndirs, hive_guest **out, hive_error *err);

/* wake.c: an eventfd the HTTP client's thread writes (once opened, *fd
 * >= 0, *wake and *ud write it); 0, or -1 when it cannot be made. drain
 * clears it before readiness is checked again (fd < 0: nothing). */
int hv_whttp_eventfd_open(int *fd, void (**wake)(void *ud), void **ud);
void hv_whttp_eventfd_drain(int fd);

/* WIT type text the same in 0.2 and 0.3: field-size-payload, error-code,
 * method, scheme, and fields.from-list's entries. */
#define WHTTP_WIT_FIELD_SIZE "record { field-name: option<string>, field-size: option<u32> }"
#define WHTTP_WIT_ERROR_CODE                                                                       \
    "variant { DNS-timeout, DNS-error(record { rcode: option<string>, info-code: option<u16> }), " \
    "destination-not-found, destination-unavailable, destination-IP-prohibited, "                  \
    "destination-IP-unroutable, connection-refused, connection-terminated, connection-timeout, "   \
    "connection-read-timeout, connection-write-timeout, connection-limit-reached, "                \
    "TLS-protocol-error, TLS-certificate-error, TLS-alert-received(record { alert-id: "            \
    "option<u8>, alert-message: option<string> }), HTTP-request-denied, "                          \
    "HTTP-request-length-required, HTTP-request-body-size(option<u64>), "                          \
    "HTTP-request-method-invalid, HTTP-request-URI-invalid, HTTP-request-URI-too-long, "           \
    "HTTP-request-header-section-size(option<u32>), HTTP-request-header-size(option<" WHTTP_WIT_FIELD_SIZE ">), " \
    "HTTP-request-trailer-section-size(option<u32>), HTTP-request-trailer-size(" WHTTP_WIT_FIELD_SIZE "), " \
    "HTTP-response-incomplete, HTTP-response-header-section-size(option<u32>), "                   \
    "HTTP-response-header-size(" WHTTP_WIT_FIELD_SIZE "), HTTP-response-body-size(option<u64>), "  \
    "HTTP-response-trailer-section-size(option<u32>), HTTP-response-trailer-size(" WHTTP_WIT_FIELD_SIZE "), " \
    "HTTP-response-transfer-coding(option<string>), HTTP-response-content-coding(option<string>), " \
    "HTTP-response-timeout, HTTP-upgrade-failed, HTTP-protocol-error, loop-detected, "             \
    "configuration-error, internal-error(option<string>) }"
#define WHTTP_WIT_METHOD                                                                           \
    "variant { get, head, post, put, delete, connect, options, trace, patch, other(string) }"
#define WHTTP_WIT_SCHEME "variant { HTTP, HTTPS, other(string) }"
#define WHTTP_WIT_FIELD_LIST "list<tuple<string, list<u8>>>"

/* fieldrules.c: the field rules 0.2 and 0.3 share. A name is a token
 * (RFC 9110 5.1) and not a forbidden one; hv_whttp_name_check gives
 * HV_WHTTP_NAME_OK, _SYNTAX or _FORBIDDEN (the values of the header-error
 * cases invalid-syntax and forbidden). hv_whttp_value_bad: 1 when the
 * bytes cannot be a field value. */
enum { HV_WHTTP_NAME_SYNTAX = 0, HV_WHTTP_NAME_FORBIDDEN = 1, HV_WHTTP_NAME_OK = -1 };
int hv_whttp_tchar(unsigned char c);
int hv_whttp_forbidden(const char *s, size_t n);
int hv_whttp_name_check(const char *s, size_t n);
int hv_whttp_value_bad(const uint8_t *d, size_t n);

/* fieldlist.c: the entries of a fields object (names in lower case) and
 * the operations 0.2 and 0.3 share. Limits: at most n entries and bytes
 * bytes of names and values. hv_wfields_add appends without checks: 0, -1
 * out of memory, -2 over the limits. The guest's operations give
 * HV_WHTTP_NAME_OK or the header-error case (_SYNTAX, _FORBIDDEN,
 * HV_WHTTP_IMMUTABLE, HV_WHTTP_SIZE), or HV_WHTTP_OOM. */
enum { HV_WHTTP_IMMUTABLE = 2, HV_WHTTP_SIZE = 3, HV_WHTTP_OOM = -2 };
enum {
    HV_WFIELDS_SET, HV_WFIELDS_DELETE, HV_WFIELDS_APPEND, HV_WFIELDS_GET_AND_DELETE,
    HV_WFIELDS_GET, HV_WFIELDS_HAS, HV_WFIELDS_ENTRIES
};
typedef struct hv_wfield {
    char *name;
    uint8_t *value;
    size_t name_len, value_len;
} hv_wfield;
typedef struct hv_wfields {
    hv_wfield *f;
    size_t nf, capf, bytes;
} hv_wfields;
typedef struct hv_wfield_limits {
    size_t n, bytes;
    int size_error; /* 0: the header-error has no size-exceeded case (out of memory) */
} hv_wfield_limits;
void hv_wfields_clear(hv_wfields *fl);
int hv_wfields_add(hv_wfields *fl, const char *name, size_t nl, const uint8_t *value, size_t vl,
                   const hv_wfield_limits *lim);
void hv_wfields_remove(hv_wfields *fl, const char *name, size_t nl);
/* Appends hd[0..n) (as hv_wfields_add; stops at the first failure). */
int hv_wfields_add_headers(hv_wfields *fl, const hive_header *hd, size_t n,
                           const hv_wfield_limits *lim);
/* Appends src's entries (src may be NULL): as hv_wfields_add. */
int hv_wfields_copy(hv_wfields *dst, const hv_wfields *src, const hv_wfield_limits *lim);
int hv_wfields_has(const hv_wfields *fl, const char *name, size_t nl);
/* out: list<list<u8>> of name's values (get); list<tuple<string,
 * list<u8>>> of every entry (entries, copy-all). 0, -1 out of memory. */
int hv_wfields_values(const hv_wfields *fl, const char *name, size_t nl, hive_cval *out);
int hv_wfields_entries(const hv_wfields *fl, hive_cval *out);
/* The entries as headers pointing into fl (calloc'd, fl->nf of them);
 * NULL when fl is NULL or empty, or out of memory. */
hive_header *hv_wfields_headers(const hv_wfields *fl);
/* A content-length entry's value (a decimal number), or -1 (fl may be NULL). */
int64_t hv_wfields_content_length(const hv_wfields *fl);
/* from-list: check_list checks every entry of a list<tuple<string,
 * list<u8>>>; add_list then adds them (as hv_wfields_add). */
int hv_wfields_check_list(const hive_cval *list);
int hv_wfields_add_list(hv_wfields *fl, const hive_cval *list, const hv_wfield_limits *lim);
/* set (arg: list<list<u8>>), delete, append (arg: list<u8>) and
 * get-and-delete (the values taken into *old) of name. */
int hv_wfields_change(hv_wfields *fl, int immutable, int mode, const char *nm, size_t nl,
                      const hive_cval *arg, const hv_wfield_limits *lim, hive_cval *old);
/* The methods of fields that take (self[, name[, value]]): get, has,
 * entries (copy-all: self only), set, delete, append, get-and-delete (HV_WFIELDS_*),
 * on the entries of self (immutable as given): the method's result in
 * *res (a result<_, header-error> where the method gives one). 0, or -1
 * out of memory. */
int hv_wfields_method(int method, hv_wfields *fl, int immutable, const hive_cval *args,
                      hive_cval *res, const hv_wfield_limits *lim);
/* list<u8> values: a packed value of n bytes (0, -1 out of memory); a
 * value's bytes, a view into v or into *tmp (to free) for the item form
 * (NULL out of memory); 1 when a value's bytes are no field value, -1 out
 * of memory. */
int hv_wbytes_val(hive_cval *out, const uint8_t *b, size_t n);
const uint8_t *hv_wbytes_view(const hive_cval *v, size_t *n, uint8_t **tmp);
int hv_wbytes_bad(const hive_cval *v);

#endif
