/*
 * fuzz/http_parse.c -- libFuzzer target: the HTTP/1.1 request-head parser
 * and the chunked body decoder (src/http/parse.h) on arbitrary bytes.
 *
 * The input is parsed whole, then as it would arrive over a connection in
 * pieces whose sizes are derived from the input's hash, and the answers
 * are checked against each other:
 *   - prefixes parsed from scratch (prev_len 0): a prefix that gives a
 *     head gives the same head as the whole; an error in a prefix stays
 *     the same error in the whole; an incomplete whole has only
 *     incomplete prefixes;
 *   - incremental calls (prev_len = the previous buffer's length): once
 *     the head has ended they give the same answer as the whole;
 *   - the chunked decoder, fed the bytes after the head (or the whole
 *     input) whole and in pieces, yields the same data and outcome.
 * Every buffer is a heap copy of exactly its length, so a read past the
 * end is caught by AddressSanitizer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 32

static uint64_t rng_state;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t hash(const uint8_t *d, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 1099511628211ull;
    return h | 1;
}

#define FAIL(...)                                                      \
    do {                                                               \
        fprintf(stderr, "http_parse invariant broken: " __VA_ARGS__); \
        fprintf(stderr, "\n");                                         \
        abort();                                                       \
    } while (0)

/* Slices compared by position: both results come from the same bytes. */
static int slice_eq(http_slice a, const char *abase, http_slice b, const char *bbase) {
    if (a.len != b.len) return 0;
    if (!a.ptr || !b.ptr) return a.ptr == b.ptr || a.len == 0;
    return a.ptr - abase == b.ptr - bbase;
}

static void check_same_head(const http_request *a, const char *abase, const http_request *b,
                            const char *bbase, const char *what) {
    if (!slice_eq(a->method, abase, b->method, bbase)) FAIL("%s: method", what);
    if (!slice_eq(a->target, abase, b->target, bbase)) FAIL("%s: target", what);
    if (a->form != b->form) FAIL("%s: form", what);
    if (a->form == HTTP_TARGET_ABSOLUTE && !slice_eq(a->authority, abase, b->authority, bbase))
        FAIL("%s: authority", what);
    if (!slice_eq(a->path, abase, b->path, bbase)) FAIL("%s: path", what);
    if (a->has_query != b->has_query) FAIL("%s: has_query", what);
    if (a->has_query && !slice_eq(a->query, abase, b->query, bbase)) FAIL("%s: query", what);
    if (a->minor_version != b->minor_version) FAIL("%s: version", what);
    if (a->num_headers != b->num_headers) FAIL("%s: num_headers", what);
    for (size_t i = 0; i < a->num_headers; i++) {
        if (!slice_eq(a->headers[i].name, abase, b->headers[i].name, bbase))
            FAIL("%s: header %zu name", what, i);
        if (!slice_eq(a->headers[i].value, abase, b->headers[i].value, bbase))
            FAIL("%s: header %zu value", what, i);
    }
    if (a->has_content_length != b->has_content_length) FAIL("%s: has_content_length", what);
    if (a->has_content_length && a->content_length != b->content_length)
        FAIL("%s: content_length", what);
    if (a->chunked != b->chunked) FAIL("%s: chunked", what);
    if (a->keep_alive != b->keep_alive) FAIL("%s: keep_alive", what);
    if (a->expect_continue != b->expect_continue) FAIL("%s: expect_continue", what);
    if (a->upgrade != b->upgrade) FAIL("%s: upgrade", what);
    if (a->has_host != b->has_host) FAIL("%s: has_host", what);
    if (a->has_host && !slice_eq(a->host, abase, b->host, bbase)) FAIL("%s: host", what);
}

/* Internal consistency of one result: slices inside the buffer, etc. */
static void check_sane(int rc, const http_request *r, const char *buf, size_t len) {
    if (rc == HTTP_PARSE_ERROR) {
        if (r->error.code <= HTTP_OK || r->error.code >= HTTP_E_COUNT) FAIL("error code range");
        if (r->error.offset > len) FAIL("error offset %zu > len %zu", r->error.offset, len);
        if (!r->error.message) FAIL("no message");
        return;
    }
    if (rc == HTTP_PARSE_PARTIAL) return;
    if (rc <= 0 || (size_t)rc > len) FAIL("head length %d of %zu", rc, len);
#define INSIDE(s)                                                                 \
    if ((s).len && ((s).ptr < buf || (s).ptr + (s).len > buf + rc)) FAIL(#s " outside");
    INSIDE(r->method);
    INSIDE(r->target);
    INSIDE(r->path);
    if (r->has_query) INSIDE(r->query);
    if (r->form == HTTP_TARGET_ABSOLUTE) INSIDE(r->authority);
    if (r->has_host) INSIDE(r->host);
    if (r->num_headers > MAX_HEADERS) FAIL("num_headers");
    for (size_t i = 0; i < r->num_headers; i++) {
        INSIDE(r->headers[i].name);
        INSIDE(r->headers[i].value);
        if (r->headers[i].name.len == 0) FAIL("empty header name");
    }
    if (r->method.len == 0) FAIL("empty method");
    if (r->minor_version != 0 && r->minor_version != 1) FAIL("minor version");
    if (r->has_content_length && r->chunked) FAIL("CL and chunked");
#undef INSIDE
}

static int parse(const char *buf, size_t len, size_t prev, const http_limits *lim, size_t maxh,
                 http_header *hdrs, http_request *req) {
    memset(req, 0, sizeof *req);
    int rc = hv_http_parse_request(buf, len, prev, lim, hdrs, maxh, req);
    check_sane(rc, req, buf, len);
    return rc;
}

/* Decodes in[0..len) fed in pieces (nsplits random cut points; 0 = whole).
 * Writes the data to out (capacity len) and returns the outcome. */
static int chunked_run(const uint8_t *in, size_t len, int nsplits, size_t maxline, size_t maxtrail,
                       uint8_t *out, size_t *outlen, size_t *used, http_error *code) {
    http_chunked_decoder d;
    hv_http_chunked_init(&d, maxline, maxtrail);
    size_t pos = 0, o = 0;
    int rc = HTTP_PARSE_PARTIAL;
    while (pos < len || nsplits >= 0) {
        size_t piece = len - pos;
        if (nsplits > 0 && piece > 1) piece = 1 + rng() % piece;
        nsplits--;
        /* each piece in its own exact-size allocation */
        uint8_t *copy = malloc(piece ? piece : 1);
        if (!copy) abort();
        memcpy(copy, in + pos, piece);
        size_t off = 0;
        for (;;) {
            size_t consumed = 99999999;
            http_slice s = {0};
            rc = hv_http_chunked_decode(&d, (const char *)copy + off, piece - off, &consumed, &s);
            if (consumed > piece - off) FAIL("chunked consumed %zu > %zu", consumed, piece - off);
            if (rc == HTTP_CHUNKED_DATA) {
                if (s.len == 0) FAIL("empty data slice");
                if ((const uint8_t *)s.ptr < copy + off ||
                    (const uint8_t *)s.ptr + s.len != copy + off + consumed)
                    FAIL("data slice not ending at consumed");
                if (o + s.len > len) FAIL("more data than input");
                memcpy(out + o, s.ptr, s.len);
                o += s.len;
                off += consumed;
                continue;
            }
            off += consumed;
            if (rc == HTTP_PARSE_PARTIAL && off != piece) FAIL("partial without using all");
            break;
        }
        free(copy);
        pos += off;
        if (rc == HTTP_CHUNKED_DONE || rc == HTTP_PARSE_ERROR) break;
        if (pos >= len) break;
    }
    *outlen = o;
    *used = pos;
    *code = rc == HTTP_PARSE_ERROR ? d.error.code : HTTP_OK;
    if (d.body_bytes != o) FAIL("body_bytes %llu != %zu", (unsigned long long)d.body_bytes, o);
    return rc;
}

static void check_chunked(const uint8_t *in, size_t len, uint64_t seed) {
    size_t maxline = (seed & 1) ? 0 : 1 + (seed >> 8) % 64;
    size_t maxtrail = (seed & 2) ? 0 : 1 + (seed >> 16) % 256;
    uint8_t *out1 = malloc(len + 1), *out2 = malloc(len + 1);
    if (!out1 || !out2) abort();
    size_t n1, n2, u1, u2;
    http_error c1, c2;
    int r1 = chunked_run(in, len, 0, maxline, maxtrail, out1, &n1, &u1, &c1);
    int r2 = chunked_run(in, len, 1 + (int)(rng() % 16), maxline, maxtrail, out2, &n2, &u2, &c2);
    if (r1 != r2) FAIL("chunked outcome %d whole vs %d split", r1, r2);
    if (r1 == HTTP_PARSE_ERROR && c1 != c2) FAIL("chunked error %d vs %d", c1, c2);
    if (r1 == HTTP_CHUNKED_DONE && u1 != u2) FAIL("chunked end %zu vs %zu", u1, u2);
    /* on error the data delivered before it may legitimately differ in
     * length (a split can deliver data the whole call would also have
     * delivered before reaching the bad byte); otherwise it must match */
    if (r1 != HTTP_PARSE_ERROR && (n1 != n2 || memcmp(out1, out2, n1) != 0))
        FAIL("chunked data differs (%zu vs %zu bytes)", n1, n2);
    free(out1);
    free(out2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536) return 0;
    uint64_t seed = hash(data, size);
    rng_state = seed;
    http_limits lim_small = {.max_head_bytes = 16 + seed % 512,
                             .max_target_bytes = 1 + (seed >> 12) % 128};
    const http_limits *lim = (seed >> 20) % 4 == 0 ? &lim_small : NULL;
    size_t maxh = (seed >> 24) % 4 == 0 ? (seed >> 28) % 4 : MAX_HEADERS;

    http_header h_whole[MAX_HEADERS], h_part[MAX_HEADERS];
    http_request whole, part;
    char *buf = malloc(size ? size : 1);
    if (!buf) abort();
    memcpy(buf, data, size);
    int rw = parse(buf, size, 0, lim, maxh, h_whole, &whole);
    if (rw >= 0 && parse(buf, size, 0, lim, maxh, h_part, &part) != rw)
        FAIL("not deterministic");

    /* prefixes from scratch, and the same cut points incrementally */
    size_t cuts[9];
    int ncuts = 1 + (int)(rng() % 8);
    for (int i = 0; i < ncuts; i++) cuts[i] = size ? rng() % (size + 1) : 0;
    for (int i = 1; i < ncuts; i++) /* sort */
        for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
            size_t t = cuts[j];
            cuts[j] = cuts[j - 1];
            cuts[j - 1] = t;
        }
    cuts[ncuts++] = size;
    size_t prev = 0;
    int rinc = HTTP_PARSE_PARTIAL;
    for (int i = 0; i < ncuts; i++) {
        size_t n = cuts[i];
        char *p = malloc(n ? n : 1);
        if (!p) abort();
        memcpy(p, data, n);
        int rp = parse(p, n, 0, lim, maxh, h_part, &part);
        if (rp >= 0) {
            if (rw != rp) FAIL("prefix %zu gives head %d, whole gives %d", n, rp, rw);
            check_same_head(&whole, buf, &part, p, "prefix");
        } else if (rp == HTTP_PARSE_ERROR) {
            if (rw != HTTP_PARSE_ERROR) FAIL("prefix %zu is an error, whole gives %d", n, rw);
            if (part.error.code != whole.error.code)
                FAIL("prefix %zu error %s, whole %s", n, hv_http_error_name(part.error.code),
                     hv_http_error_name(whole.error.code));
        } else if (rw >= 0 && n >= (size_t)rw) {
            FAIL("prefix %zu partial though the head ends at %d", n, rw);
        }
        /* incremental: only while the previous answers were PARTIAL */
        if (rinc == HTTP_PARSE_PARTIAL && (i == 0 || n > prev)) {
            rinc = parse(p, n, prev, lim, maxh, h_part, &part);
            if (rinc >= 0) {
                if (rw != rinc) FAIL("incremental at %zu gives head %d, whole %d", n, rinc, rw);
                check_same_head(&whole, buf, &part, p, "incremental");
            } else if (rinc == HTTP_PARSE_ERROR && rw != HTTP_PARSE_ERROR) {
                FAIL("incremental at %zu is an error (%s), whole gives %d", n,
                     hv_http_error_name(part.error.code), rw);
            }
            prev = n;
        }
        free(p);
    }
    if (rw >= 0 && rinc == HTTP_PARSE_PARTIAL)
        FAIL("incremental still partial at the end, whole gives %d", rw);

    /* the chunked decoder: on the body after a chunked head, else on all */
    if (rw >= 0 && whole.chunked)
        check_chunked(data + rw, size - (size_t)rw, seed);
    else
        check_chunked(data, size, seed);

    /* the error helpers accept any code */
    (void)hv_http_error_status((http_error)(seed % (HTTP_E_COUNT + 3)));
    (void)hv_http_error_message((http_error)(seed % (HTTP_E_COUNT + 3)));
    free(buf);
    return 0;
}
