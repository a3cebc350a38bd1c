/*
 * test_http_parse.c -- unit tests of the HTTP/1.1 wire format (parse.c):
 * request heads (valid requests at every split point, a table of
 * malformed and ambiguous ones with their status, pipelining, limits, the
 * prev_len fast path), the chunked decoder (every split of a multi-chunk
 * body with extensions and trailers, malformed sizes, limits), response
 * heads (splitting refused, every too-small buffer) and a fixed-seed
 * mutation test. Every input is placed with guarded_copy() so that a read
 * past its end faults.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"
#include "testutil.h"

#define MAX_HEADERS 32
#define S(lit) lit, sizeof(lit) - 1 /* a literal and its length (NULs included) */

/* ---- helpers -------------------------------------------------------------- */

/* A bounded string builder for descriptions. */
typedef struct desc_buf {
    char s[4096];
    size_t len;
} desc_buf;

static void desc_add(desc_buf *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void desc_add(desc_buf *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(d->s + d->len, sizeof d->s - d->len, fmt, ap);
    va_end(ap);
    if (n > 0) d->len += (size_t)n < sizeof d->s - d->len ? (size_t)n : sizeof d->s - d->len - 1;
}

static void desc_slice(desc_buf *d, const char *tag, http_slice s, const char *base) {
    if (!s.ptr) {
        desc_add(d, "%s=null;", tag);
        return;
    }
    desc_add(d, "%s@%td=%.*s;", tag, s.ptr - base, (int)s.len, s.ptr);
}

/* Describes a parse outcome completely, with slice positions relative to
 * buf, so that two parses of equal bytes in different places compare
 * equal exactly when their results are the same. */
static void describe(desc_buf *d, int rc, const http_request *req, const char *buf) {
    d->len = 0;
    d->s[0] = 0;
    if (rc == HTTP_PARSE_PARTIAL) {
        desc_add(d, "PARTIAL");
        return;
    }
    if (rc == HTTP_PARSE_ERROR) {
        desc_add(d, "ERROR %s %d %zu", hv_http_error_name(req->error.code), req->error.status,
                 req->error.offset);
        return;
    }
    desc_add(d, "OK %d;", rc);
    desc_slice(d, "m", req->method, buf);
    desc_slice(d, "t", req->target, buf);
    desc_add(d, "form=%d;", (int)req->form);
    desc_slice(d, "a", req->authority, buf);
    desc_slice(d, "p", req->path, buf);
    desc_slice(d, "q", req->query, buf);
    desc_add(d, "hq=%d;v=%d;n=%zu;", req->has_query, req->minor_version, req->num_headers);
    for (size_t i = 0; i < req->num_headers; i++) {
        desc_slice(d, "hn", req->headers[i].name, buf);
        desc_slice(d, "hv", req->headers[i].value, buf);
    }
    desc_add(d, "cl=%d/%llu;ch=%d;ka=%d;ec=%d;up=%d;host=%d;", req->has_content_length,
             (unsigned long long)req->content_length, req->chunked, req->keep_alive,
             req->expect_continue, req->upgrade, req->has_host);
    desc_slice(d, "h", req->host, buf);
}

/* Parses a guarded copy of in[0..n) and describes the outcome. */
static int parse_describe(const char *in, size_t n, size_t prev_len, const http_limits *lim,
                          size_t max_headers, desc_buf *d) {
    http_header headers[MAX_HEADERS];
    http_request req;
    uint8_t *g = guarded_copy(in, n);
    if (!g) {
        CHECK(!"guarded_copy failed");
        return -100;
    }
    int rc = hv_http_parse_request((const char *)g, n, prev_len, lim, headers, max_headers, &req);
    describe(d, rc, &req, (const char *)g);
    if (rc == HTTP_PARSE_ERROR) {
        CHECK(req.error.offset <= n);
        CHECK(req.error.status == hv_http_error_status(req.error.code));
        CHECK(req.error.message && strcmp(req.error.message, hv_http_error_message(req.error.code)) == 0);
    }
    if (rc > 0) CHECK((size_t)rc <= n);
    guarded_free(g, n);
    return rc;
}

static bool slice_is(http_slice s, const char *lit) {
    return s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

/* Checks the split property of one input: each prefix is PARTIAL or has
 * the whole input's result, and completing it (with prev_len 0 and with
 * prev_len = the prefix length) gives the whole input's result -- or, on
 * the prev_len path, PARTIAL for an input that is an error. Returns the
 * number of mismatches. */
static int check_splits(const char *in, size_t n, const http_limits *lim, size_t max_headers,
                        bool valid) {
    desc_buf whole, part, again;
    int bad = 0;
    int rc = parse_describe(in, n, 0, lim, max_headers, &whole);
    for (size_t k = 0; k < n; k++) {
        int pr = parse_describe(in, k, 0, lim, max_headers, &part);
        if (valid && pr != HTTP_PARSE_PARTIAL && !(rc > 0 && (size_t)rc <= k)) {
            fprintf(stderr, "  prefix %zu of a valid request: %s\n", k, part.s);
            bad++;
        }
        if (pr != HTTP_PARSE_PARTIAL && strcmp(part.s, whole.s) != 0) {
            fprintf(stderr, "  prefix %zu: %s, whole: %s\n", k, part.s, whole.s);
            bad++;
        }
        if (pr != HTTP_PARSE_PARTIAL) continue;
        parse_describe(in, n, 0, lim, max_headers, &again);
        if (strcmp(again.s, whole.s) != 0) bad++;
        int ar = parse_describe(in, n, k, lim, max_headers, &again);
        bool ok = strcmp(again.s, whole.s) == 0 || (rc == HTTP_PARSE_ERROR && ar == HTTP_PARSE_PARTIAL);
        if (!ok) {
            fprintf(stderr, "  prev_len %zu: %s, whole: %s\n", k, again.s, whole.s);
            bad++;
        }
    }
    return bad;
}

/* ---- valid requests ---------------------------------------------------------- */

typedef struct valid_case {
    const char *in;
    const char *method, *path, *query; /* query NULL: no '?' */
    int minor;
    size_t num_headers;
    long long content_length; /* -1: none */
    bool chunked, keep_alive, expect_continue, upgrade;
} valid_case;

static const valid_case valid_cases[] = {
    {"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", "/", NULL, 1, 1, -1, 0, 1, 0, 0},
    {"GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nUser-Agent: t/1\r\nAccept: */*\r\n\r\n", "GET",
     "/a/b", "x=1&y=2", 1, 3, -1, 0, 1, 0, 0},
    {"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n", "POST", "/upload", NULL, 1,
     2, 5, 0, 1, 0, 0},
    {"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", "POST", "/c", NULL, 1,
     2, -1, 1, 1, 0, 0},
    {"POST /c HTTP/1.1\r\nHost: h\r\ntransfer-encoding:   CHUNKED \t\r\n\r\n", "POST", "/c", NULL,
     1, 2, -1, 1, 1, 0, 0},
    {"GET / HTTP/1.0\r\n\r\n", "GET", "/", NULL, 0, 0, -1, 0, 0, 0, 0},
    {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET", "/", NULL, 0, 1, -1, 0, 1, 0, 0},
    {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", "GET", "/", NULL, 0, 1, -1, 0, 0,
     0, 0},
    {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", "GET", "/", NULL, 1, 2, -1, 0, 0,
     0, 0},
    {"GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive\r\nConnection: foo, CLOSE\r\n\r\n",
     "GET", "/", NULL, 1, 3, -1, 0, 0, 0, 0},
    {"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: ,, Upgrade ,\r\nUpgrade: websocket\r\n\r\n", "GET",
     "/ws", NULL, 1, 3, -1, 0, 1, 0, 1},
    {"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n\r\n", "GET", "/", NULL, 1, 2, -1, 0, 1, 0, 0},
    {"GET / HTTP/1.0\r\nConnection: keep-alive\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
     "GET", "/", NULL, 0, 3, -1, 0, 1, 0, 0},
    {"PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n", "PUT",
     "/x", NULL, 1, 3, 0, 0, 1, 1, 0},
    {"PUT /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", "PUT", "/x", NULL, 0,
     2, 3, 0, 0, 0, 0},
    {"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", NULL, 1, 1, -1, 0, 1, 0, 0},
    {"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS", "", NULL, 1, 1, -1, 0, 1, 0, 0},
    {"GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n", "GET", "/p", "q", 1, 1,
     -1, 0, 1, 0, 0},
    {"GET HTTPS://EX.com HTTP/1.1\r\nHost: EX.com\r\n\r\n", "GET", "", NULL, 1, 1, -1, 0, 1, 0, 0},
    {"GET /? HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "", 1, 1, -1, 0, 1, 0, 0},
    {"GET / HTTP/1.1\r\nHost:\r\n\r\n", "GET", "/", NULL, 1, 1, -1, 0, 1, 0, 0},
    {"GET / HTTP/1.1\r\nHost: [::1]:80\r\nX-Empty:\r\nX-Tab:\tv  v\t \r\nX-Obs: caf\xc3\xa9\r\n\r\n",
     "GET", "/", NULL, 1, 4, -1, 0, 1, 0, 0},
    {"M-SEARCH! /x HTTP/1.1\r\nHost: h\r\n\r\n", "M-SEARCH!", "/x", NULL, 1, 1, -1, 0, 1, 0, 0},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0009\r\n\r\n", "POST", "/", NULL, 1, 2, 9, 0,
     1, 0, 0},
    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n", "POST", "/",
     NULL, 1, 2, 9223372036854775807LL, 0, 1, 0, 0},
    {"GET /%7Euser/a%20b?q=%00 HTTP/1.1\r\nhOsT: h\r\n\r\n", "GET", "/%7Euser/a%20b", "q=%00", 1,
     1, -1, 0, 1, 0, 0},
    {"GET /a?b?c HTTP/1.1\r\nHost: h\r\nX:y\r\n\r\n", "GET", "/a", "b?c", 1, 2, -1, 0, 1, 0, 0},
    {"DELETE /r HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\nExpect: 100-continue\r\n\r\n",
     "DELETE", "/r", NULL, 1, 3, -1, 1, 1, 1, 0},
};

/* Each valid request: its fields, then the split property. */
static void test_valid_requests(void) {
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        const valid_case *c = &valid_cases[i];
        size_t n = strlen(c->in);
        http_header headers[MAX_HEADERS];
        http_request req;
        uint8_t *g = guarded_copy(c->in, n);
        int rc = hv_http_parse_request((const char *)g, n, 0, NULL, headers, MAX_HEADERS, &req);
        bool ok = rc == (int)n && slice_is(req.method, c->method) && slice_is(req.path, c->path) &&
                  req.has_query == (c->query != NULL) && (!c->query || slice_is(req.query, c->query)) &&
                  req.minor_version == c->minor && req.num_headers == c->num_headers &&
                  req.has_content_length == (c->content_length >= 0) &&
                  (c->content_length < 0 || req.content_length == (uint64_t)c->content_length) &&
                  req.chunked == c->chunked && req.keep_alive == c->keep_alive &&
                  req.expect_continue == c->expect_continue && req.upgrade == c->upgrade &&
                  req.headers == headers;
        if (!ok) {
            desc_buf d;
            describe(&d, rc, &req, (const char *)g);
            fprintf(stderr, "valid case %zu: %s\n", i, d.s);
        }
        CHECK(ok);
        guarded_free(g, n);
        int bad = check_splits(c->in, n, NULL, MAX_HEADERS, true);
        if (bad) fprintf(stderr, "valid case %zu: %d split mismatches\n", i, bad);
        CHECK_EQ_INT(bad, 0);
    }
}

/* Field slices, trimming, forms and the Host summary in detail. */
static void test_fields_and_forms(void) {
    static const char in[] =
        "GET http://a.example:81?x HTTP/1.1\r\n"
        "Host:  b.example:82 \r\n"
        "X-Tab:\t\tv1 \t v2\t\r\n"
        "X-Empty:   \r\n"
        "Accept:*/*\r\n\r\nBODY";
    size_t n = sizeof in - 1;
    http_header headers[8];
    http_request req;
    uint8_t *g = guarded_copy(in, n);
    int rc = hv_http_parse_request((const char *)g, n, 0, NULL, headers, 8, &req);
    CHECK_EQ_INT(rc, (int)(n - 4));
    CHECK(req.form == HTTP_TARGET_ABSOLUTE);
    CHECK(slice_is(req.target, "http://a.example:81?x"));
    CHECK(slice_is(req.authority, "a.example:81"));
    CHECK(req.path.len == 0 && req.has_query && slice_is(req.query, "x"));
    CHECK(req.has_host && slice_is(req.host, "b.example:82"));
    CHECK_EQ_INT(req.num_headers, 4);
    CHECK(slice_is(headers[1].name, "X-Tab") && slice_is(headers[1].value, "v1 \t v2"));
    CHECK(slice_is(headers[2].name, "X-Empty") && headers[2].value.len == 0);
    CHECK(headers[2].value.ptr >= (const char *)g && headers[2].value.ptr <= (const char *)g + n);
    CHECK(slice_is(headers[3].name, "Accept") && slice_is(headers[3].value, "*/*"));
    const http_header *h = hv_http_find_header(&req, "x-TAB");
    CHECK(h == &headers[1]);
    CHECK(hv_http_find_header(&req, "X-Ta") == NULL);
    CHECK(hv_http_find_header(&req, "nope") == NULL);
    guarded_free(g, n);

    static const char opt[] = "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n";
    g = guarded_copy(opt, sizeof opt - 1);
    rc = hv_http_parse_request((const char *)g, sizeof opt - 1, 0, NULL, headers, 8, &req);
    CHECK_EQ_INT(rc, (int)(sizeof opt - 1));
    CHECK(req.form == HTTP_TARGET_ASTERISK && slice_is(req.target, "*"));
    guarded_free(g, sizeof opt - 1);
}

/* ---- malformed and ambiguous requests ----------------------------------------------- */

typedef struct invalid_case {
    const char *in;
    size_t len;
    http_error code;
    int status;
} invalid_case;

#define H11 "GET / HTTP/1.1\r\nHost: h\r\n"
#define P11 "POST / HTTP/1.1\r\nHost: h\r\n"

static const invalid_case invalid_cases[] = {
    /* smuggling: Content-Length and Transfer-Encoding */
    {S(P11 "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), HTTP_E_CL_AND_TE, 400},
    {S(P11 "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"), HTTP_E_CL_AND_TE, 400},
    {S(P11 "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"), HTTP_E_CONTENT_LENGTH_DUP, 400},
    {S(P11 "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"), HTTP_E_CONTENT_LENGTH_DUP, 400},
    {S(P11 "Content-Length: 5, 5\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Content-Length: +5\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Content-Length: -5\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Content-Length: 5 5\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Content-Length: 0x10\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Content-Length: 1_000\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Content-Length:\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Content-Length: 9223372036854775808\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Content-Length: 99999999999999999999999\r\n\r\n"), HTTP_E_CONTENT_LENGTH, 400},
    {S(P11 "Transfer-Encoding: chunked, gzip\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: gzip\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: identity\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: chunked, chunked\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: chunked,\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: ,chunked\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding:\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: chunked;q=1\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: \"chunked\"\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: xchunked\r\n\r\n"), HTTP_E_TE_NOT_CHUNKED, 400},
    {S(P11 "Transfer-Encoding: gzip, chunked\r\n\r\n"), HTTP_E_TE_UNSUPPORTED, 501},
    {S(P11 "Transfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n\r\n"), HTTP_E_TE_UNSUPPORTED, 501},
    {S("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), HTTP_E_TE_HTTP10, 400},
    {S(P11 "Transfer-Encoding: \x0b" "chunked\r\n\r\n"), HTTP_E_HEADER_VALUE, 400},
    /* folding, line endings, control bytes */
    {S(H11 "X: a\r\n b\r\n\r\n"), HTTP_E_OBS_FOLD, 400},
    {S(H11 "X: a\r\n\tb\r\n\r\n"), HTTP_E_OBS_FOLD, 400},
    {S("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), HTTP_E_OBS_FOLD, 400},
    {S("GET / HTTP/1.1\rHost: h\r\n\r\n"), HTTP_E_BARE_CR, 400},
    {S(H11 "X: a\rb\r\n\r\n"), HTTP_E_BARE_CR, 400},
    {S(H11 "\r\r\n"), HTTP_E_BARE_CR, 400},
    {S("\rGET / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_BARE_CR, 400},
    {S("GET / HTTP/1.1\nHost: h\n\n"), HTTP_E_BARE_LF, 400},
    {S(H11 "X: a\nY: b\r\n\r\n"), HTTP_E_BARE_LF, 400},
    {S(H11 "\n"), HTTP_E_BARE_LF, 400},
    {S("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_BARE_LF, 400},
    {S(H11 "X: a\0b\r\n\r\n"), HTTP_E_HEADER_VALUE, 400},
    {S(H11 "X: \x01\r\n\r\n"), HTTP_E_HEADER_VALUE, 400},
    {S(H11 "X: a\x1f\r\n\r\n"), HTTP_E_HEADER_VALUE, 400},
    {S(H11 "X: a\x7f\r\n\r\n"), HTTP_E_HEADER_VALUE, 400},
    {S(H11 "X\0: a\r\n\r\n"), HTTP_E_HEADER_NAME, 400},
    {S("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET, 400},
    {S("G\0T / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_METHOD, 400},
    {S("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_EMPTY_LINES, 400},
    /* field names */
    {S(H11 "X : a\r\n\r\n"), HTTP_E_SPACE_BEFORE_COLON, 400},
    {S("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"), HTTP_E_SPACE_BEFORE_COLON, 400},
    {S(H11 ": a\r\n\r\n"), HTTP_E_HEADER_NAME, 400},
    {S(H11 "X@Y: a\r\n\r\n"), HTTP_E_HEADER_NAME, 400},
    {S(H11 "(X): a\r\n\r\n"), HTTP_E_HEADER_NAME, 400},
    {S(H11 "NoColon\r\n\r\n"), HTTP_E_HEADER_NAME, 400},
    {S(H11 "X\xc3\xa9: a\r\n\r\n"), HTTP_E_HEADER_NAME, 400},
    /* request line */
    {S("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_METHOD, 400},
    {S(" / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_METHOD, 400},
    {S("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_METHOD, 400},
    {S("GET\r\n\r\n"), HTTP_E_METHOD, 400},
    {S("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"), HTTP_E_CONNECT, 501},
    {S("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_REQUEST_LINE, 400},
    {S("GET /\r\n\r\n"), HTTP_E_REQUEST_LINE, 400},
    {S("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), HTTP_E_REQUEST_LINE, 400},
    {S("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), HTTP_E_REQUEST_LINE, 400},
    {S("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_VERSION, 400},
    {S("GET /a#f HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET, 400},
    {S("GET /\x80 HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET, 400},
    {S("GET /\t HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET, 400},
    {S("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET_FORM, 400},
    {S("GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET_FORM, 400},
    {S("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET_FORM, 400},
    {S("GET a HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET_FORM, 400},
    {S("GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET, 400},
    {S("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_E_TARGET, 400},
    {S("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), HTTP_E_VERSION_UNSUPPORTED, 505},
    {S("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), HTTP_E_VERSION_UNSUPPORTED, 505},
    {S("GET / HTTP/0.9\r\n\r\n"), HTTP_E_VERSION_UNSUPPORTED, 505},
    {S("GET / http/1.1\r\nHost: h\r\n\r\n"), HTTP_E_VERSION, 400},
    {S("GET / HTTP/11\r\nHost: h\r\n\r\n"), HTTP_E_VERSION, 400},
    {S("GET / HTTP/1\r\nHost: h\r\n\r\n"), HTTP_E_VERSION, 400},
    {S("GET / HTTP/1.1\r\r\n"), HTTP_E_BARE_CR, 400},
    /* Host */
    {S("GET / HTTP/1.1\r\n\r\n"), HTTP_E_HOST_MISSING, 400},
    {S("GET http://h/ HTTP/1.1\r\nX: y\r\n\r\n"), HTTP_E_HOST_MISSING, 400},
    {S(H11 "Host: h\r\n\r\n"), HTTP_E_HOST_DUP, 400},
    {S("GET / HTTP/1.0\r\nHost: a\r\nHOST: a\r\n\r\n"), HTTP_E_HOST_DUP, 400},
    {S("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), HTTP_E_HOST_INVALID, 400},
    {S("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), HTTP_E_HOST_INVALID, 400},
    {S("GET / HTTP/1.1\r\nHost: u@h\r\n\r\n"), HTTP_E_HOST_INVALID, 400},
    /* not HTTP at all */
    {S("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), HTTP_E_METHOD, 400},
    {S("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), HTTP_E_TARGET_FORM, 400},
};

/* Each malformed request gives its error and status, and so does the
 * same input split anywhere. */
static void test_invalid_requests(void) {
    for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++) {
        const invalid_case *c = &invalid_cases[i];
        http_header headers[MAX_HEADERS];
        http_request req;
        uint8_t *g = guarded_copy(c->in, c->len);
        int rc = hv_http_parse_request((const char *)g, c->len, 0, NULL, headers, MAX_HEADERS, &req);
        bool ok = rc == HTTP_PARSE_ERROR && req.error.code == c->code && req.error.status == c->status;
        if (!ok) {
            desc_buf d;
            describe(&d, rc, &req, (const char *)g);
            fprintf(stderr, "invalid case %zu: want %s %d, got %s\n", i, hv_http_error_name(c->code),
                    c->status, d.s);
        }
        CHECK(ok);
        guarded_free(g, c->len);
        int bad = check_splits(c->in, c->len, NULL, MAX_HEADERS, false);
        if (bad) fprintf(stderr, "invalid case %zu: %d split mismatches\n", i, bad);
        CHECK_EQ_INT(bad, 0);
    }
}

/* Every error code has a name, a message and a status; unknown codes
 * have fallbacks. */
static void test_error_table(void) {
    for (int c = 0; c < HTTP_E_COUNT; c++) {
        CHECK(hv_http_error_name((http_error)c) && hv_http_error_name((http_error)c)[0] == 'H');
        CHECK(hv_http_error_message((http_error)c) && hv_http_error_message((http_error)c)[0]);
        int s = hv_http_error_status((http_error)c);
        CHECK(c == HTTP_OK || s == 400 || s == 414 || s == 431 || s == 501 || s == 505);
    }
    CHECK_EQ_INT(hv_http_error_status(HTTP_E_COUNT), 500);
    CHECK(strcmp(hv_http_error_name((http_error)-1), "HTTP_E_?") == 0);
}

/* ---- pipelining and limits ------------------------------------------------------------ */

/* Requests back to back in one buffer, with bodies: each parse stops at
 * its head's end. */
static void test_pipelined(void) {
    static const char in[] = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                             "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
                             "\r\nGET /c HTTP/1.0\r\n\r\n"
                             "GET /d HTTP/1.1\r\nHo";
    size_t n = sizeof in - 1;
    uint8_t *g = guarded_copy(in, n);
    const char *p = (const char *)g;
    size_t left = n;
    http_header headers[MAX_HEADERS];
    http_request req;

    int rc = hv_http_parse_request(p, left, 0, NULL, headers, MAX_HEADERS, &req);
    CHECK(rc > 0 && slice_is(req.path, "/a") && req.content_length == 5);
    p += rc + 5;
    left -= (size_t)rc + 5;
    rc = hv_http_parse_request(p, left, 0, NULL, headers, MAX_HEADERS, &req);
    CHECK(rc > 0 && slice_is(req.path, "/b") && req.keep_alive);
    p += rc;
    left -= (size_t)rc;
    rc = hv_http_parse_request(p, left, 0, NULL, headers, MAX_HEADERS, &req);
    CHECK(rc > 0 && slice_is(req.path, "/c") && !req.keep_alive && req.minor_version == 0);
    p += rc;
    left -= (size_t)rc;
    rc = hv_http_parse_request(p, left, 0, NULL, headers, MAX_HEADERS, &req);
    CHECK_EQ_INT(rc, HTTP_PARSE_PARTIAL);
    CHECK_EQ_INT(left, strlen("GET /d HTTP/1.1\r\nHo"));
    guarded_free(g, n);
}

/* Builds "GET /<target_len-1 x 'a'> HTTP/1.1\r\nHost: h\r\n" plus
 * fields of `pad` bytes until the head is exactly head_len bytes (when
 * possible), into out; returns its length. */
static size_t build_request(char *out, size_t cap, size_t target_len, size_t head_len) {
    size_t n = 0;
    n += (size_t)snprintf(out + n, cap - n, "GET /");
    for (size_t i = 1; i < target_len; i++) out[n++] = 'a';
    n += (size_t)snprintf(out + n, cap - n, " HTTP/1.1\r\nHost: h\r\n");
    /* one filler field "X: vvv\r\n" (at least 6 bytes) then the final CRLF */
    if (head_len >= n + 2 + 6) {
        size_t fill = head_len - n - 2;
        n += (size_t)snprintf(out + n, cap - n, "X: ");
        for (size_t i = 0; i < fill - 5; i++) out[n++] = 'v';
        out[n++] = '\r';
        out[n++] = '\n';
    }
    out[n++] = '\r';
    out[n++] = '\n';
    return n;
}

/* Head, target and field-count limits: exactly at the limit passes, one
 * more fails with 431 or 414, also while still partial. */
static void test_limits(void) {
    static char buf[70000];
    desc_buf d;
    http_limits lim = {.max_head_bytes = 200, .max_target_bytes = 50};

    size_t n = build_request(buf, sizeof buf, 50, 200);
    CHECK_EQ_INT(n, 200);
    CHECK_EQ_INT(parse_describe(buf, n, 0, &lim, MAX_HEADERS, &d), 200);
    CHECK_EQ_INT(check_splits(buf, n, &lim, MAX_HEADERS, true), 0);

    n = build_request(buf, sizeof buf, 50, 201);
    CHECK_EQ_INT(parse_describe(buf, n, 0, &lim, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strncmp(d.s, "ERROR HTTP_E_HEAD_TOO_LARGE 431 200", 35) == 0);
    /* a prefix longer than the limit is already an error */
    CHECK_EQ_INT(parse_describe(buf, 201 - 2, 0, &lim, MAX_HEADERS, &d), HTTP_PARSE_PARTIAL);
    CHECK_EQ_INT(parse_describe(buf, 200, 0, &lim, MAX_HEADERS, &d), HTTP_PARSE_PARTIAL);
    n = build_request(buf, sizeof buf, 50, 400);
    CHECK_EQ_INT(parse_describe(buf, 201, 0, &lim, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "431") != NULL);
    CHECK_EQ_INT(parse_describe(buf, 201, 150, &lim, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "431") != NULL);

    n = build_request(buf, sizeof buf, 51, 0);
    CHECK_EQ_INT(parse_describe(buf, n, 0, &lim, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "HTTP_E_TARGET_TOO_LONG 414") != NULL);
    CHECK_EQ_INT(parse_describe(buf, 4 + 50, 0, &lim, MAX_HEADERS, &d), HTTP_PARSE_PARTIAL);
    CHECK_EQ_INT(parse_describe(buf, 4 + 51, 0, &lim, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "414") != NULL);
    /* the head limit reached inside the target is also 414 */
    http_limits small = {.max_head_bytes = 30, .max_target_bytes = 100};
    n = build_request(buf, sizeof buf, 40, 0);
    CHECK_EQ_INT(parse_describe(buf, n, 0, &small, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "414") != NULL);

    /* defaults (NULL limits): 16 KiB head, 8 KiB target */
    n = build_request(buf, sizeof buf, HTTP_DEFAULT_MAX_TARGET_BYTES, HTTP_DEFAULT_MAX_HEAD_BYTES);
    CHECK_EQ_INT(parse_describe(buf, n, 0, NULL, MAX_HEADERS, &d), HTTP_DEFAULT_MAX_HEAD_BYTES);
    n = build_request(buf, sizeof buf, HTTP_DEFAULT_MAX_TARGET_BYTES + 1, 0);
    CHECK_EQ_INT(parse_describe(buf, n, 0, NULL, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "414") != NULL);
    n = build_request(buf, sizeof buf, 10, HTTP_DEFAULT_MAX_HEAD_BYTES + 1);
    CHECK_EQ_INT(parse_describe(buf, n, 0, NULL, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "431") != NULL);

    /* field count: exactly max_headers fields pass, one more is 431 */
    n = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n");
    CHECK_EQ_INT(parse_describe(buf, n, 0, NULL, 3, &d), (int)n);
    CHECK_EQ_INT(parse_describe(buf, n, 0, NULL, 2, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "HTTP_E_TOO_MANY_HEADERS 431") != NULL);
    CHECK_EQ_INT(check_splits(buf, n, NULL, 2, false), 0);
    /* no fields at all in HTTP/1.0 needs no array */
    n = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.0\r\n\r\n");
    http_request req;
    CHECK_EQ_INT(hv_http_parse_request(buf, n, 0, NULL, NULL, 0, &req), (int)n);
}

/* The prev_len path: a head trickling in byte by byte stays PARTIAL and
 * completes with the same result; a control byte is still caught at
 * once; a grammar error is caught at the latest when the head ends. */
static void test_prev_len(void) {
    static const char in[] = "POST /x?y HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n";
    size_t n = sizeof in - 1;
    desc_buf whole, d;
    parse_describe(in, n, 0, NULL, MAX_HEADERS, &whole);
    for (size_t k = 1; k < n; k++) {
        CHECK_EQ_INT(parse_describe(in, k, k - 1, NULL, MAX_HEADERS, &d), HTTP_PARSE_PARTIAL);
    }
    CHECK_EQ_INT(parse_describe(in, n, n - 1, NULL, MAX_HEADERS, &d), (int)n);
    CHECK(strcmp(d.s, whole.s) == 0);
    /* prev_len == len (no new bytes) or beyond len: still correct */
    CHECK_EQ_INT(parse_describe(in, 10, 10, NULL, MAX_HEADERS, &d), HTTP_PARSE_PARTIAL);
    CHECK_EQ_INT(parse_describe(in, n, n + 5, NULL, MAX_HEADERS, &d), (int)n);

    static const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0";
    CHECK_EQ_INT(parse_describe(nul, sizeof nul - 1, sizeof nul - 2, NULL, MAX_HEADERS, &d),
                 HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "HTTP_E_HEADER_VALUE") != NULL);
    static const char lf[] = "GET / HTTP/1.1\r\nHost: h\nX";
    CHECK_EQ_INT(parse_describe(lf, sizeof lf - 1, sizeof lf - 3, NULL, MAX_HEADERS, &d),
                 HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "HTTP_E_BARE_LF") != NULL);
    static const char cr[] = "GET / HTTP/1.1\r\nHost: h\rX";
    CHECK_EQ_INT(parse_describe(cr, sizeof cr - 1, sizeof cr - 2, NULL, MAX_HEADERS, &d),
                 HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "HTTP_E_BARE_CR") != NULL);

    static const char sp[] = "GET / HTTP/1.1\r\nHost: h\r\nX : y\r\n\r\n";
    size_t sn = sizeof sp - 1;
    CHECK_EQ_INT(parse_describe(sp, sn - 4, 20, NULL, MAX_HEADERS, &d), HTTP_PARSE_PARTIAL);
    CHECK_EQ_INT(parse_describe(sp, sn - 4, 0, NULL, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK_EQ_INT(parse_describe(sp, sn, sn - 4, NULL, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    CHECK(strstr(d.s, "HTTP_E_SPACE_BEFORE_COLON") != NULL);
    /* the end of head straddling the previous length is found */
    for (size_t k = sn - 4; k < sn; k++) {
        CHECK_EQ_INT(parse_describe(sp, sn, k, NULL, MAX_HEADERS, &d), HTTP_PARSE_ERROR);
    }
}

/* ---- chunked bodies ---------------------------------------------------------------------- */

/* What decoding a body produced. */
typedef struct chunk_outcome {
    int rc;              /* DONE, PARTIAL or ERROR */
    size_t consumed;     /* input bytes used over all calls */
    char data[1024];
    size_t data_len;
    http_error code;
    uint64_t err_offset;
    uint64_t body_bytes;
    bool bad_slice;      /* a data slice outside its input, or empty */
} chunk_outcome;

/* Feeds one piece (a guarded copy of piece[0..n)) to d until it is used
 * up or the decoder stops; accumulates into *o. */
static int chunk_feed(http_chunked_decoder *d, const char *piece, size_t n, chunk_outcome *o) {
    uint8_t *g = guarded_copy(piece, n);
    const char *p = (const char *)g;
    size_t off = 0;
    int rc;
    for (;;) {
        size_t used = 0;
        http_slice data;
        rc = hv_http_chunked_decode(d, p + off, n - off, &used, &data);
        if (used > n - off) o->bad_slice = true, used = n - off;
        if (rc == HTTP_CHUNKED_DATA) {
            if (data.len == 0 || data.ptr < p + off || data.ptr + data.len != p + off + used)
                o->bad_slice = true;
            else if (o->data_len + data.len <= sizeof o->data) {
                memcpy(o->data + o->data_len, data.ptr, data.len);
                o->data_len += data.len;
            }
        } else if (data.len != 0) {
            o->bad_slice = true;
        }
        off += used;
        o->consumed += used;
        if (rc != HTTP_CHUNKED_DATA) break;
    }
    if (rc == HTTP_PARSE_PARTIAL && off != n) o->bad_slice = true;
    guarded_free(g, n);
    return rc;
}

/* Decodes in[0..n) cut at the sorted cut points cuts[0..ncuts). */
static void chunk_decode_split(const char *in, size_t n, const size_t *cuts, size_t ncuts,
                               size_t max_line, size_t max_trailer, chunk_outcome *o) {
    http_chunked_decoder d;
    hv_http_chunked_init(&d, max_line, max_trailer);
    memset(o, 0, sizeof *o);
    size_t start = 0;
    int rc = HTTP_PARSE_PARTIAL;
    for (size_t i = 0; i <= ncuts && rc == HTTP_PARSE_PARTIAL; i++) {
        size_t stop = i < ncuts ? cuts[i] : n;
        rc = chunk_feed(&d, in + start, stop - start, o);
        start = stop;
    }
    o->rc = rc;
    o->code = rc == HTTP_PARSE_ERROR ? d.error.code : HTTP_OK;
    o->err_offset = rc == HTTP_PARSE_ERROR ? d.error.offset : 0;
    o->body_bytes = d.body_bytes;
    if (rc == HTTP_PARSE_ERROR) CHECK(d.error.status == hv_http_error_status(d.error.code));
    /* a stopped decoder stays stopped */
    if (rc == HTTP_CHUNKED_DONE || rc == HTTP_PARSE_ERROR) {
        size_t used = 99;
        http_slice data;
        CHECK_EQ_INT(hv_http_chunked_decode(&d, "0\r\n\r\n", 5, &used, &data), rc);
        CHECK_EQ_INT(used, 0);
    }
}

static bool chunk_same(const chunk_outcome *a, const chunk_outcome *b) {
    return a->rc == b->rc && a->consumed == b->consumed && a->data_len == b->data_len &&
           memcmp(a->data, b->data, a->data_len) == 0 && a->code == b->code &&
           a->err_offset == b->err_offset && a->body_bytes == b->body_bytes && !a->bad_slice &&
           !b->bad_slice;
}

/* Every split into two and three pieces, and byte by byte, gives the
 * unsplit result. Returns the number of mismatches. */
static int chunk_check_splits(const char *in, size_t n, size_t max_line, size_t max_trailer,
                              const chunk_outcome *whole) {
    chunk_outcome o;
    int bad = 0;
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = i; j <= n; j++) {
            size_t cuts[2] = {i, j};
            chunk_decode_split(in, n, cuts, 2, max_line, max_trailer, &o);
            if (!chunk_same(&o, whole)) bad++;
        }
    }
    size_t cuts[1024];
    size_t nc = n < 1024 ? n : 1024;
    for (size_t i = 0; i < nc; i++) cuts[i] = i;
    chunk_decode_split(in, n, cuts, nc, max_line, max_trailer, &o);
    if (!chunk_same(&o, whole)) bad++;
    return bad;
}

/* A multi-chunk body with extensions and trailers, followed by the next
 * pipelined request, decoded whole and at every split. */
static void test_chunked_valid(void) {
    static const char body[] = "5;name=val;q=\"a \\\"b\\\" c\"\r\nhello\r\n"
                               "1A ; ext ;e2 = tok\t;e3\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                               "001\r\n!\r\n"
                               "0;last\r\nTrailer-One: x\r\nT2:\r\nT3: \tv\xff v\r\n\r\n";
    static const char next[] = "GET / HTTP/1.1\r\n";
    char in[512];
    size_t bn = sizeof body - 1;
    memcpy(in, body, bn);
    memcpy(in + bn, next, sizeof next - 1);
    size_t n = bn + sizeof next - 1;

    chunk_outcome whole;
    chunk_decode_split(in, n, NULL, 0, 0, 0, &whole);
    CHECK_EQ_INT(whole.rc, HTTP_CHUNKED_DONE);
    CHECK_EQ_INT(whole.consumed, bn);
    CHECK_EQ_INT(whole.body_bytes, 32);
    CHECK(whole.data_len == 32 && memcmp(whole.data, "helloabcdefghijklmnopqrstuvwxyz!", 32) == 0);
    CHECK(!whole.bad_slice);
    int bad = chunk_check_splits(in, n, 0, 0, &whole);
    if (bad) fprintf(stderr, "chunked: %d split mismatches\n", bad);
    CHECK_EQ_INT(bad, 0);

    /* a body cut short anywhere is PARTIAL, having used everything */
    for (size_t k = 0; k < bn; k++) {
        chunk_outcome o;
        chunk_decode_split(in, k, NULL, 0, 0, 0, &o);
        CHECK_EQ_INT(o.rc, HTTP_PARSE_PARTIAL);
        CHECK_EQ_INT(o.consumed, k);
    }

    /* the smallest bodies */
    static const char *const minimal[] = {"0\r\n\r\n", "000\r\n\r\n", "0;a=\"\"\r\n\r\n"};
    for (size_t i = 0; i < 3; i++) {
        chunk_outcome o;
        size_t mn = strlen(minimal[i]);
        chunk_decode_split(minimal[i], mn, NULL, 0, 0, 0, &o);
        CHECK(o.rc == HTTP_CHUNKED_DONE && o.consumed == mn && o.data_len == 0);
    }

    /* the largest chunk size: 2^63-1 */
    static const char big[] = "7fffffffffffffff\r\nabc";
    http_chunked_decoder d;
    hv_http_chunked_init(&d, 0, 0);
    chunk_outcome o;
    memset(&o, 0, sizeof o);
    CHECK_EQ_INT(chunk_feed(&d, big, sizeof big - 1, &o), HTTP_PARSE_PARTIAL);
    CHECK(o.data_len == 3 && d.remaining == (uint64_t)INT64_MAX - 3);
}

typedef struct chunk_bad_case {
    const char *in;
    size_t len;
    http_error code;
    size_t offset;
} chunk_bad_case;

static const chunk_bad_case chunk_bad_cases[] = {
    {S("\r\n"), HTTP_E_CHUNK_SIZE, 0},
    {S(";a\r\n"), HTTP_E_CHUNK_SIZE, 0},
    {S("g\r\n"), HTTP_E_CHUNK_SIZE, 0},
    {S("5g\r\n"), HTTP_E_CHUNK_SIZE, 1},
    {S("-5\r\n"), HTTP_E_CHUNK_SIZE, 0},
    {S("+5\r\n"), HTTP_E_CHUNK_SIZE, 0},
    {S("0x5\r\n"), HTTP_E_CHUNK_SIZE, 1},
    {S(" 5\r\n"), HTTP_E_CHUNK_SIZE, 0},
    {S("5,5\r\n"), HTTP_E_CHUNK_SIZE, 1},
    {S("8000000000000000\r\n"), HTTP_E_CHUNK_SIZE, 15},
    {S("10000000000000000\r\n"), HTTP_E_CHUNK_SIZE, 16},
    {S("ffffffffffffffffff\r\n"), HTTP_E_CHUNK_SIZE, 15},
    {S("5 \r\nhello\r\n"), HTTP_E_CHUNK_EXT, 2},
    {S("5\n"), HTTP_E_BARE_LF, 1},
    {S("5;a\nb"), HTTP_E_BARE_LF, 3},
    {S("5\rx"), HTTP_E_BARE_CR, 2},
    {S("5;\r\n"), HTTP_E_CHUNK_EXT, 2},
    {S("5;=v\r\n"), HTTP_E_CHUNK_EXT, 2},
    {S("5;a=\r\n"), HTTP_E_CHUNK_EXT, 4},
    {S("5;a=b c\r\n"), HTTP_E_CHUNK_EXT, 6},
    {S("5;a=\"open\r\n"), HTTP_E_CHUNK_EXT, 9},
    {S("5;a=\"\\\r\"\r\n"), HTTP_E_CHUNK_EXT, 6},
    {S("5;a\0\r\n"), HTTP_E_CHUNK_EXT, 3},
    {S("5;a=\"\x01\"\r\n"), HTTP_E_CHUNK_EXT, 5},
    {S("5;a=\"x\"y\r\n"), HTTP_E_CHUNK_EXT, 7},
    {S("5;a=b=c\r\n"), HTTP_E_CHUNK_EXT, 5},
    {S("5;a b\r\n"), HTTP_E_CHUNK_EXT, 4},
    {S("5\r\nhelloX\r\n"), HTTP_E_CHUNK_DATA_END, 8},
    {S("5\r\nhello\rX"), HTTP_E_CHUNK_DATA_END, 9},
    {S("5\r\nhello\n"), HTTP_E_CHUNK_DATA_END, 8},
    {S("5\r\nhello\r\n\r\n"), HTTP_E_CHUNK_SIZE, 10},
    {S("5\r\nhello\r\n0\r\nX : y\r\n\r\n"), HTTP_E_TRAILER, 14},
    {S("0\r\n y\r\n\r\n"), HTTP_E_TRAILER, 3},
    {S("0\r\n:v\r\n\r\n"), HTTP_E_TRAILER, 3},
    {S("0\r\nX: a\0\r\n\r\n"), HTTP_E_TRAILER, 7},
    {S("0\r\nX: a\n\r\n"), HTTP_E_TRAILER, 7},
    {S("0\r\nX: a\r\r\n"), HTTP_E_BARE_CR, 8},
    {S("0\r\nX\r\n\r\n"), HTTP_E_TRAILER, 4},
    {S("0\r\n\rX"), HTTP_E_BARE_CR, 4},
    {S("0\r\n\n"), HTTP_E_TRAILER, 3},
};

/* Malformed chunked bodies: the error and its offset, at every split. */
static void test_chunked_invalid(void) {
    for (size_t i = 0; i < sizeof chunk_bad_cases / sizeof chunk_bad_cases[0]; i++) {
        const chunk_bad_case *c = &chunk_bad_cases[i];
        chunk_outcome whole;
        chunk_decode_split(c->in, c->len, NULL, 0, 0, 0, &whole);
        bool ok = whole.rc == HTTP_PARSE_ERROR && whole.code == c->code && whole.err_offset == c->offset;
        if (!ok)
            fprintf(stderr, "chunk case %zu: want %s@%zu, got rc %d %s@%llu\n", i,
                    hv_http_error_name(c->code), c->offset, whole.rc, hv_http_error_name(whole.code),
                    (unsigned long long)whole.err_offset);
        CHECK(ok);
        CHECK_EQ_INT(chunk_check_splits(c->in, c->len, 0, 0, &whole), 0);
    }
}

/* Chunk-size line and trailer-section limits. */
static void test_chunked_limits(void) {
    chunk_outcome o;
    /* line limit 8: "0000005\r" is 8 bytes, one more zero is too long */
    chunk_decode_split(S("0000005\r\nhello\r\n0\r\n\r\n"), NULL, 0, 8, 0, &o);
    CHECK(o.rc == HTTP_CHUNKED_DONE && o.data_len == 5);
    chunk_decode_split(S("00000005\r\nhello\r\n0\r\n\r\n"), NULL, 0, 8, 0, &o);
    CHECK(o.rc == HTTP_PARSE_ERROR && o.code == HTTP_E_CHUNK_LINE_TOO_LONG && o.err_offset == 8);
    chunk_decode_split(S("5;aaaaaaaaaaaaaaaa"), NULL, 0, 8, 0, &o);
    CHECK(o.rc == HTTP_PARSE_ERROR && o.code == HTTP_E_CHUNK_LINE_TOO_LONG);
    /* endless leading zeros stop at the default limit */
    static char zeros[3000];
    memset(zeros, '0', sizeof zeros);
    chunk_decode_split(zeros, sizeof zeros, NULL, 0, 0, 0, &o);
    CHECK(o.rc == HTTP_PARSE_ERROR && o.code == HTTP_E_CHUNK_LINE_TOO_LONG &&
          o.err_offset == HTTP_DEFAULT_MAX_CHUNK_LINE_BYTES);
    /* trailer limit 10: "X: 12345\r\n" + "\r\n" is 12 bytes */
    chunk_decode_split(S("0\r\nX: 12345\r\n\r\n"), NULL, 0, 0, 12, &o);
    CHECK(o.rc == HTTP_CHUNKED_DONE);
    chunk_decode_split(S("0\r\nX: 12345\r\n\r\n"), NULL, 0, 0, 11, &o);
    CHECK(o.rc == HTTP_PARSE_ERROR && o.code == HTTP_E_TRAILER_TOO_LARGE && o.err_offset == 14);
    CHECK_EQ_INT(hv_http_error_status(HTTP_E_TRAILER_TOO_LARGE), 431);
}

/* ---- response heads ----------------------------------------------------------------------- */

/* Formats into a guarded buffer of exactly cap bytes (writes past it
 * fault); returns the result and copies the text to out. */
static int format_guarded(size_t cap, char *out, int status, const char *reason,
                          const http_header *h, size_t nh, int64_t body, bool ka) {
    static char zero[4096];
    uint8_t *b = guarded_copy(zero, cap);
    int rc = hv_http_format_response_head((char *)b, cap, status, reason, h, nh, body, ka);
    if (rc > 0) memcpy(out, b, (size_t)rc), out[rc] = 0;
    guarded_free(b, cap);
    return rc;
}

static http_header hdr(const char *name, const char *value) {
    http_header h = {{name, strlen(name)}, {value, strlen(value)}};
    return h;
}

static void test_format_response(void) {
    char out[4096];
    http_header h[4] = {hdr("Content-Type", "text/plain"), hdr("X-A", "b\tc \x80"),
                        hdr("content-length", "99"), hdr("Connection", "upgrade")};
    int rc = format_guarded(4096, out, 200, NULL, h, 4, 5, true);
    static const char want[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: b\tc \x80\r\n"
                               "Content-Length: 5\r\nConnection: keep-alive\r\n\r\n";
    CHECK_EQ_INT(rc, (int)(sizeof want - 1));
    CHECK(rc > 0 && strcmp(out, want) == 0);
    /* every smaller buffer: NOSPACE, never a write outside it; exact fits */
    for (size_t cap = 0; cap < sizeof want - 1; cap++)
        CHECK_EQ_INT(format_guarded(cap, out, 200, NULL, h, 4, 5, true), HTTP_FORMAT_NOSPACE);
    CHECK_EQ_INT(format_guarded(sizeof want - 1, out, 200, NULL, h, 4, 5, true), rc);

    rc = format_guarded(4096, out, 404, "Nope", NULL, 0, HTTP_BODY_CHUNKED, false);
    CHECK(rc > 0 && strcmp(out, "HTTP/1.1 404 Nope\r\nTransfer-Encoding: chunked\r\n"
                                "Connection: close\r\n\r\n") == 0);
    rc = format_guarded(4096, out, 100, NULL, NULL, 0, HTTP_BODY_NONE, true);
    CHECK(rc > 0 && strcmp(out, "HTTP/1.1 100 Continue\r\n\r\n") == 0);
    rc = format_guarded(4096, out, 204, NULL, NULL, 0, HTTP_BODY_NONE, true);
    CHECK(rc > 0 && strcmp(out, "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n") == 0);
    rc = format_guarded(4096, out, 299, NULL, NULL, 0, 0, true);
    CHECK(rc > 0 && strcmp(out, "HTTP/1.1 299 \r\nContent-Length: 0\r\n"
                                "Connection: keep-alive\r\n\r\n") == 0);
    rc = format_guarded(4096, out, 200, NULL, NULL, 0, INT64_MAX, false);
    CHECK(rc > 0 && strstr(out, "Content-Length: 9223372036854775807\r\n") != NULL);

    /* refused: anything that could split or corrupt the head */
    static const struct {
        const char *name, *value;
        size_t vlen;
    } bad[] = {
        {"X", "a\r\nSet-Cookie: x", 16}, {"X", "a\nb", 3},   {"X", "a\rb", 3},
        {"X", "a\0b", 3},                {"X", "\x01", 1},   {"X", "\x7f", 1},
        {"X:Y", "v", 1},                 {"X Y", "v", 1},    {"", "v", 1},
        {"X\r\nY", "v", 1},              {"X\0", "v", 1},    {"\xc3\xa9", "v", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_header b[2] = {hdr("Ok", "fine"), {{bad[i].name, strlen(bad[i].name)}, {bad[i].value, bad[i].vlen}}};
        if (i == 10) b[1].name.len = 2; /* the NUL inside the name */
        CHECK_EQ_INT(format_guarded(4096, out, 200, NULL, b, 2, 0, true), HTTP_FORMAT_INVALID);
    }
    CHECK_EQ_INT(format_guarded(4096, out, 200, "OK\r\nX: y", NULL, 0, 0, true), HTTP_FORMAT_INVALID);
    CHECK_EQ_INT(format_guarded(4096, out, 99, NULL, NULL, 0, 0, true), HTTP_FORMAT_INVALID);
    CHECK_EQ_INT(format_guarded(4096, out, 600, NULL, NULL, 0, 0, true), HTTP_FORMAT_INVALID);
    CHECK_EQ_INT(format_guarded(4096, out, 200, NULL, NULL, 0, -3, true), HTTP_FORMAT_INVALID);
    CHECK_EQ_INT(format_guarded(4096, out, 204, NULL, NULL, 0, 0, true), HTTP_FORMAT_INVALID);
    CHECK_EQ_INT(format_guarded(4096, out, 101, NULL, NULL, 0, HTTP_BODY_CHUNKED, true),
                 HTTP_FORMAT_INVALID);
    CHECK_EQ_INT(format_guarded(4096, out, 200, NULL, NULL, 0, 0, true) > 0, 1);
    CHECK(strcmp(hv_http_status_reason(431), "Request Header Fields Too Large") == 0);
    CHECK(strcmp(hv_http_status_reason(799), "") == 0);
}

/* ---- randomized self-check ---------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* One random edit of s[0..*n) (capacity cap): replace, insert, delete or
 * duplicate a span, with bytes that matter to the grammar. */
static void mutate(char *s, size_t *n, size_t cap) {
    static const char interesting[] = "\r\n \t\0:,;=\"\\/?#*0aZ-\x7f\x80\xff";
    size_t len = *n;
    size_t pos = len ? (size_t)(rng() % len) : 0;
    char c = interesting[rng() % (sizeof interesting - 1)];
    switch (rng() % 5) {
    case 0: /* replace */
        if (len) s[pos] = c;
        break;
    case 1: /* insert */
        if (len + 1 <= cap) {
            memmove(s + pos + 1, s + pos, len - pos);
            s[pos] = c;
            *n = len + 1;
        }
        break;
    case 2: /* delete */
        if (len) {
            memmove(s + pos, s + pos + 1, len - pos - 1);
            *n = len - 1;
        }
        break;
    case 3: { /* duplicate a span */
        size_t span = 1 + (size_t)(rng() % 24);
        if (pos + span > len) span = len - pos;
        if (len + span <= cap) {
            memmove(s + pos + span, s + pos, len - pos);
            *n = len + span;
        }
        break;
    }
    default: /* random byte */
        if (len) s[pos] = (char)(rng() & 0xff);
        break;
    }
}

/* Mutated valid requests: never a crash or an out-of-bounds read, the
 * same bytes always give the same result, and split parses agree with
 * the whole parse. */
static void test_random_requests(void) {
    char buf[512];
    desc_buf whole, again, part;
    int mismatches = 0, completes = 0, errors = 0;
    size_t ncases = sizeof valid_cases / sizeof valid_cases[0];
    for (int iter = 0; iter < 6000; iter++) {
        const char *seed = valid_cases[rng() % ncases].in;
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        int edits = 1 + (int)(rng() % 3);
        for (int e = 0; e < edits; e++) mutate(buf, &n, sizeof buf);
        size_t max_headers = 1 + (size_t)(rng() % 6);
        int rc = parse_describe(buf, n, 0, NULL, max_headers, &whole);
        parse_describe(buf, n, 0, NULL, max_headers, &again);
        if (strcmp(whole.s, again.s) != 0) mismatches++;
        if (rc > 0) completes++;
        if (rc == HTTP_PARSE_ERROR) errors++;
        for (int s = 0; s < 3; s++) {
            size_t k = n ? (size_t)(rng() % n) : 0;
            int pr = parse_describe(buf, k, 0, NULL, max_headers, &part);
            if (pr != HTTP_PARSE_PARTIAL && strcmp(part.s, whole.s) != 0) mismatches++;
            if (pr == HTTP_PARSE_PARTIAL) {
                int ar = parse_describe(buf, n, k, NULL, max_headers, &again);
                if (strcmp(again.s, whole.s) != 0 &&
                    !(rc == HTTP_PARSE_ERROR && ar == HTTP_PARSE_PARTIAL))
                    mismatches++;
            }
        }
    }
    if (mismatches) fprintf(stderr, "random requests: %d mismatches\n", mismatches);
    CHECK_EQ_INT(mismatches, 0);
    CHECK(completes > 100 && errors > 100); /* the mutations reach both outcomes */
}

/* Mutated chunked bodies: the same result at random splits. */
static void test_random_chunked(void) {
    static const char seed[] = "5;a=b\r\nhello\r\n3;q=\"x;y\"\r\nabc\r\n0\r\nT: v\r\n\r\nNEXT";
    char buf[256];
    int mismatches = 0, done = 0;
    for (int iter = 0; iter < 4000; iter++) {
        size_t n = sizeof seed - 1;
        memcpy(buf, seed, n);
        int edits = 1 + (int)(rng() % 3);
        for (int e = 0; e < edits; e++) mutate(buf, &n, sizeof buf);
        chunk_outcome whole, o;
        chunk_decode_split(buf, n, NULL, 0, 0, 0, &whole);
        if (whole.rc == HTTP_CHUNKED_DONE) done++;
        for (int s = 0; s < 3; s++) {
            size_t cuts[2] = {(size_t)(rng() % (n + 1)), (size_t)(rng() % (n + 1))};
            if (cuts[0] > cuts[1]) {
                size_t t = cuts[0];
                cuts[0] = cuts[1];
                cuts[1] = t;
            }
            chunk_decode_split(buf, n, cuts, 2, 0, 0, &o);
            if (!chunk_same(&o, &whole)) mismatches++;
        }
    }
    if (mismatches) fprintf(stderr, "random chunked: %d mismatches\n", mismatches);
    CHECK_EQ_INT(mismatches, 0);
    CHECK(done > 100);
}

/* Kept trailer sections: the fields, whole and fed byte by byte; none
 * without a section; a buffer too small loses the fields, not the body. */
static void test_chunked_trailers(void) {
    static const char body[] = "5\r\nhello\r\n0;last\r\nTrailer-One: x\r\nT2:\r\nT3: \tv\xff v \r\n\r\nGET";
    size_t bn = sizeof body - 1 - 3;
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        http_chunked_decoder d;
        hv_http_chunked_init(&d, 0, 0);
        char keep[HTTP_DEFAULT_MAX_TRAILER_BYTES];
        hv_http_chunked_keep_trailers(&d, keep, sizeof keep);
        size_t off = 0;
        int rc = HTTP_PARSE_PARTIAL;
        while (off < sizeof body - 1 && rc != HTTP_CHUNKED_DONE && rc != HTTP_PARSE_ERROR) {
            size_t len = bytewise ? 1 : sizeof body - 1 - off, used = 0;
            http_slice data;
            rc = hv_http_chunked_decode(&d, body + off, len, &used, &data);
            off += used;
        }
        CHECK_EQ_INT(rc, HTTP_CHUNKED_DONE);
        CHECK_EQ_INT(off, bn);
        http_header t[8];
        CHECK_EQ_INT(hv_http_chunked_trailers(&d, t, 8), 3);
        CHECK(t[0].name.len == 11 && !memcmp(t[0].name.ptr, "Trailer-One", 11));
        CHECK(t[0].value.len == 1 && t[0].value.ptr[0] == 'x');
        CHECK(t[1].name.len == 2 && !memcmp(t[1].name.ptr, "T2", 2) && t[1].value.len == 0);
        CHECK(t[2].value.len == 4 && !memcmp(t[2].value.ptr, "v\xff v", 4));
        CHECK_EQ_INT(hv_http_chunked_trailers(&d, t, 2), 2); /* at most max */
    }
    /* no trailer section; not kept; a buffer of 5 bytes */
    static const char plain[] = "3\r\nabc\r\n0\r\n\r\n";
    static const char one[] = "3\r\nabc\r\n0\r\nName: v\r\n\r\n";
    const char *ins[3] = {plain, one, one};
    size_t caps[3] = {64, 0, 5};
    for (int k = 0; k < 3; k++) {
        http_chunked_decoder d;
        hv_http_chunked_init(&d, 0, 0);
        char keep[64];
        if (caps[k]) hv_http_chunked_keep_trailers(&d, keep, caps[k]);
        size_t used = 0;
        http_slice data;
        int rc;
        size_t off = 0, n = strlen(ins[k]);
        do {
            rc = hv_http_chunked_decode(&d, ins[k] + off, n - off, &used, &data);
            off += used;
        } while (rc == HTTP_CHUNKED_DATA);
        CHECK_EQ_INT(rc, HTTP_CHUNKED_DONE);
        http_header t[4];
        CHECK_EQ_INT(hv_http_chunked_trailers(&d, t, 4), 0);
    }
}

int main(void) {
    RUN(test_valid_requests);
    RUN(test_fields_and_forms);
    RUN(test_invalid_requests);
    RUN(test_error_table);
    RUN(test_pipelined);
    RUN(test_limits);
    RUN(test_prev_len);
    RUN(test_chunked_valid);
    RUN(test_chunked_invalid);
    RUN(test_chunked_limits);
    RUN(test_chunked_trailers);
    RUN(test_format_response);
    RUN(test_random_requests);
    RUN(test_random_chunked);
    return test_summary("http_parse");
}
