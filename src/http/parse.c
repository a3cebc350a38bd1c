/*
 * parse.c -- HTTP/1.1 request heads, chunked bodies and response heads
 * (see parse.h for the API, docs/HTTP.md for what is accepted).
 *
 * The head parser walks the buffer once, byte by byte, and stops at the
 * first byte that makes the head invalid; running out of bytes is
 * PARTIAL unless the caller's size limit cut the buffer short. Every
 * decision that needs more than one field (Content-Length with
 * Transfer-Encoding, a missing Host) is taken only once the empty line
 * has been seen, so a prefix of a valid head is never an error.
 */
#include "http/parse.h"

#include <limits.h>
#include <string.h>

/* Leading empty lines tolerated before the request line (RFC 9112 2.2). */
#define MAX_LEADING_EMPTY_LINES 2

/* ---- character classes ------------------------------------------------- */

/* tchar of RFC 9110 5.6.2: the bytes of methods, field names, codings. */
static bool is_tchar(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

/* field-vchar: VCHAR or obs-text. */
static bool is_field_vchar(unsigned char c) {
    return (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

static bool is_ows(unsigned char c) {
    return c == ' ' || c == '\t';
}

/* Bytes allowed in a request-target: visible ASCII except '#' (a
 * fragment is never sent). Not decoded or normalised here. */
static bool is_target_char(unsigned char c) {
    return c >= 0x21 && c <= 0x7e && c != '#';
}

/* Bytes of uri-host [":" port] (RFC 3986: reg-name, IP literals, pct-
 * encoding); structure beyond the byte set is the router's concern. */
static bool is_host_char(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'':
    case '(': case ')': case '*': case '+': case ',': case ';': case '=': case ':':
    case '[': case ']': case '%':
        return true;
    default:
        return false;
    }
}

/* The value of a hex digit, or -1. */
static int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static unsigned char ascii_lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Whether s equals the lowercase literal lit, ASCII case-insensitively. */
static bool slice_ieq(http_slice s, const char *lit) {
    size_t n = strlen(lit);
    if (s.len != n) return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower((unsigned char)s.ptr[i]) != (unsigned char)lit[i]) return false;
    return true;
}

static bool slice_eq(http_slice s, const char *lit) {
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

static http_slice make_slice(const char *from, const char *to) {
    http_slice s = {from, (size_t)(to - from)};
    return s;
}

/* s without leading and trailing SP/HTAB. */
static http_slice slice_trim(http_slice s) {
    while (s.len && is_ows((unsigned char)s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_ows((unsigned char)s.ptr[s.len - 1])) s.len--;
    return s;
}

/* ---- errors -------------------------------------------------------------- */

static const struct {
    const char *name;
    int status;
    const char *message;
} error_table[HTTP_E_COUNT] = {
    [HTTP_OK] = {"HTTP_OK", 200, "no error"},
    [HTTP_E_EMPTY_LINES] = {"HTTP_E_EMPTY_LINES", 400, "too many empty lines before the request line"},
    [HTTP_E_METHOD] = {"HTTP_E_METHOD", 400, "invalid method"},
    [HTTP_E_CONNECT] = {"HTTP_E_CONNECT", 501, "CONNECT is not implemented"},
    [HTTP_E_TARGET] = {"HTTP_E_TARGET", 400, "invalid request-target"},
    [HTTP_E_TARGET_FORM] = {"HTTP_E_TARGET_FORM", 400, "request-target form not allowed"},
    [HTTP_E_TARGET_TOO_LONG] = {"HTTP_E_TARGET_TOO_LONG", 414, "request-target too long"},
    [HTTP_E_VERSION] = {"HTTP_E_VERSION", 400, "malformed HTTP version"},
    [HTTP_E_VERSION_UNSUPPORTED] = {"HTTP_E_VERSION_UNSUPPORTED", 505, "HTTP version not supported"},
    [HTTP_E_REQUEST_LINE] = {"HTTP_E_REQUEST_LINE", 400, "malformed request line"},
    [HTTP_E_BARE_CR] = {"HTTP_E_BARE_CR", 400, "CR not followed by LF"},
    [HTTP_E_BARE_LF] = {"HTTP_E_BARE_LF", 400, "LF without CR"},
    [HTTP_E_HEAD_TOO_LARGE] = {"HTTP_E_HEAD_TOO_LARGE", 431, "request head too large"},
    [HTTP_E_OBS_FOLD] = {"HTTP_E_OBS_FOLD", 400, "obsolete line folding"},
    [HTTP_E_HEADER_NAME] = {"HTTP_E_HEADER_NAME", 400, "invalid header field name"},
    [HTTP_E_SPACE_BEFORE_COLON] = {"HTTP_E_SPACE_BEFORE_COLON", 400, "whitespace before colon in header field"},
    [HTTP_E_HEADER_VALUE] = {"HTTP_E_HEADER_VALUE", 400, "invalid byte in header field value"},
    [HTTP_E_TOO_MANY_HEADERS] = {"HTTP_E_TOO_MANY_HEADERS", 431, "too many header fields"},
    [HTTP_E_CONTENT_LENGTH] = {"HTTP_E_CONTENT_LENGTH", 400, "invalid Content-Length"},
    [HTTP_E_CONTENT_LENGTH_DUP] = {"HTTP_E_CONTENT_LENGTH_DUP", 400, "more than one Content-Length"},
    [HTTP_E_CL_AND_TE] = {"HTTP_E_CL_AND_TE", 400, "both Content-Length and Transfer-Encoding"},
    [HTTP_E_TE_NOT_CHUNKED] = {"HTTP_E_TE_NOT_CHUNKED", 400, "Transfer-Encoding does not end with chunked exactly once"},
    [HTTP_E_TE_UNSUPPORTED] = {"HTTP_E_TE_UNSUPPORTED", 501, "transfer coding not implemented"},
    [HTTP_E_TE_HTTP10] = {"HTTP_E_TE_HTTP10", 400, "Transfer-Encoding in an HTTP/1.0 request"},
    [HTTP_E_HOST_MISSING] = {"HTTP_E_HOST_MISSING", 400, "missing Host"},
    [HTTP_E_HOST_DUP] = {"HTTP_E_HOST_DUP", 400, "more than one Host"},
    [HTTP_E_HOST_INVALID] = {"HTTP_E_HOST_INVALID", 400, "invalid Host"},
    [HTTP_E_CHUNK_SIZE] = {"HTTP_E_CHUNK_SIZE", 400, "invalid chunk size"},
    [HTTP_E_CHUNK_EXT] = {"HTTP_E_CHUNK_EXT", 400, "invalid chunk extension"},
    [HTTP_E_CHUNK_LINE_TOO_LONG] = {"HTTP_E_CHUNK_LINE_TOO_LONG", 400, "chunk-size line too long"},
    [HTTP_E_CHUNK_DATA_END] = {"HTTP_E_CHUNK_DATA_END", 400, "chunk data not followed by CRLF"},
    [HTTP_E_TRAILER] = {"HTTP_E_TRAILER", 400, "invalid trailer field"},
    [HTTP_E_TRAILER_TOO_LARGE] = {"HTTP_E_TRAILER_TOO_LARGE", 431, "trailer section too large"},
};

/* Contract: any value of code; out-of-range codes give 500. */
int hv_http_error_status(http_error code) {
    if ((unsigned)code >= HTTP_E_COUNT) return 500;
    return error_table[code].status;
}

/* Contract: any value of code; returns a static string. */
const char *hv_http_error_message(http_error code) {
    if ((unsigned)code >= HTTP_E_COUNT) return "unknown error";
    return error_table[code].message;
}

/* Contract: any value of code; returns a static string. */
const char *hv_http_error_name(http_error code) {
    if ((unsigned)code >= HTTP_E_COUNT) return "HTTP_E_?";
    return error_table[code].name;
}

/* Fills *e for code detected at offset; returns HTTP_PARSE_ERROR. */
static int set_error(http_parse_error *e, http_error code, size_t offset) {
    e->code = code;
    e->status = error_table[code].status;
    e->message = error_table[code].message;
    e->offset = offset;
    return HTTP_PARSE_ERROR;
}

/* ---- request head -------------------------------------------------------- */

/* One parse of one head. The summary flags are collected here and turned
 * into the request's fields at the end. */
typedef struct head_parser {
    const char *buf;
    const char *p;   /* next byte */
    const char *end; /* min(buf + len, buf + max_head_bytes) */
    bool limited;    /* end was set by max_head_bytes, not by len */
    size_t max_target_bytes;
    http_request *req;
    size_t max_headers;
    int content_length_fields;
    bool te_present, te_chunked, te_other;
    bool conn_close, conn_keep_alive, conn_upgrade;
    bool upgrade_field, expect_continue;
} head_parser;

static int head_fail(head_parser *hp, http_error code, const char *at) {
    return set_error(&hp->req->error, code, (size_t)(at - hp->buf));
}

/* Called when hp->p reached hp->end: PARTIAL, or the limit's error when
 * the caller's size limit (not the data) ended the buffer. */
static int head_out_of_bytes(head_parser *hp, http_error limit_code) {
    if (hp->limited) return head_fail(hp, limit_code, hp->p);
    return HTTP_PARSE_PARTIAL;
}

/* Consumes CRLF at hp->p. other: the error for a first byte that is
 * neither CR nor LF. Returns 0, PARTIAL or ERROR. */
static int head_expect_crlf(head_parser *hp, http_error other) {
    if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_HEAD_TOO_LARGE);
    if (*hp->p == '\n') return head_fail(hp, HTTP_E_BARE_LF, hp->p);
    if (*hp->p != '\r') return head_fail(hp, other, hp->p);
    hp->p++;
    if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_HEAD_TOO_LARGE);
    if (*hp->p != '\n') return head_fail(hp, HTTP_E_BARE_CR, hp->p - 1);
    hp->p++;
    return 0;
}

/* Splits path[?query] at t[0..n) into req->path / query. */
static void split_path_query(http_request *req, const char *t, size_t n) {
    const char *q = memchr(t, '?', n);
    if (q) {
        req->path = make_slice(t, q);
        req->query = make_slice(q + 1, t + n);
        req->has_query = true;
    } else {
        req->path = make_slice(t, t + n);
        req->query = make_slice(t + n, t + n);
        req->has_query = false;
    }
}

/* Classifies the complete request-target at t[0..n) (n > 0, bytes
 * already checked by is_target_char) and fills the form, authority,
 * path and query. Returns 0 or ERROR. */
static int classify_target(head_parser *hp, const char *t, size_t n) {
    http_request *req = hp->req;
    if (t[0] == '/') {
        req->form = HTTP_TARGET_ORIGIN;
        split_path_query(req, t, n);
        return 0;
    }
    if (n == 1 && t[0] == '*') {
        if (!slice_eq(req->method, "OPTIONS")) return head_fail(hp, HTTP_E_TARGET_FORM, t);
        req->form = HTTP_TARGET_ASTERISK;
        req->path = make_slice(t, t);
        req->query = make_slice(t + n, t + n);
        return 0;
    }
    size_t scheme = 0;
    if (n >= 7 && slice_ieq(make_slice(t, t + 7), "http://")) scheme = 7;
    else if (n >= 8 && slice_ieq(make_slice(t, t + 8), "https://")) scheme = 8;
    if (scheme == 0) return head_fail(hp, HTTP_E_TARGET_FORM, t); /* authority-form or junk */
    const char *a = t + scheme, *e = t + n, *ae = a;
    while (ae < e && *ae != '/' && *ae != '?') {
        /* no userinfo ('@'): RFC 9110 4.2.4 says treat it as an error */
        if (!is_host_char((unsigned char)*ae)) return head_fail(hp, HTTP_E_TARGET, ae);
        ae++;
    }
    if (ae == a) return head_fail(hp, HTTP_E_TARGET, a); /* http:///x: empty host */
    req->form = HTTP_TARGET_ABSOLUTE;
    req->authority = make_slice(a, ae);
    split_path_query(req, ae, (size_t)(e - ae));
    return 0;
}

/* Parses leading empty lines and the request line. Returns 0, PARTIAL or
 * ERROR. */
static int parse_request_line(head_parser *hp) {
    http_request *req = hp->req;
    for (int empty = 0;; empty++) {
        if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_HEAD_TOO_LARGE);
        if (*hp->p == '\n') return head_fail(hp, HTTP_E_BARE_LF, hp->p);
        if (*hp->p != '\r') break;
        if (empty == MAX_LEADING_EMPTY_LINES) return head_fail(hp, HTTP_E_EMPTY_LINES, hp->p);
        int r = head_expect_crlf(hp, HTTP_E_REQUEST_LINE);
        if (r) return r;
    }

    /* method SP */
    const char *m = hp->p;
    for (;;) {
        if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_HEAD_TOO_LARGE);
        if (*hp->p == ' ') break;
        if (!is_tchar((unsigned char)*hp->p)) return head_fail(hp, HTTP_E_METHOD, hp->p);
        hp->p++;
    }
    if (hp->p == m) return head_fail(hp, HTTP_E_METHOD, m);
    req->method = make_slice(m, hp->p);
    if (slice_eq(req->method, "CONNECT")) return head_fail(hp, HTTP_E_CONNECT, m);
    hp->p++;

    /* request-target SP */
    const char *t = hp->p;
    for (;;) {
        if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_TARGET_TOO_LONG);
        unsigned char c = (unsigned char)*hp->p;
        if (c == ' ') break;
        if (!is_target_char(c)) {
            if (c == '\r' || c == '\n') return head_fail(hp, HTTP_E_REQUEST_LINE, hp->p);
            return head_fail(hp, HTTP_E_TARGET, hp->p);
        }
        if ((size_t)(hp->p - t) == hp->max_target_bytes)
            return head_fail(hp, HTTP_E_TARGET_TOO_LONG, hp->p);
        hp->p++;
    }
    if (hp->p == t) return head_fail(hp, HTTP_E_REQUEST_LINE, t); /* two SPs */
    req->target = make_slice(t, hp->p);
    int r = classify_target(hp, t, req->target.len);
    if (r) return r;
    hp->p++;

    /* HTTP-version CRLF */
    static const char shape[] = "HTTP/1.1";
    const char *v = hp->p;
    for (int i = 0; i < 8; i++) {
        if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_HEAD_TOO_LARGE);
        unsigned char c = (unsigned char)*hp->p;
        bool ok = (i == 5 || i == 7) ? (c >= '0' && c <= '9') : c == (unsigned char)shape[i];
        if (!ok) return head_fail(hp, HTTP_E_VERSION, hp->p);
        hp->p++;
    }
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return head_fail(hp, HTTP_E_VERSION_UNSUPPORTED, v);
    req->minor_version = v[7] - '0';
    return head_expect_crlf(hp, HTTP_E_REQUEST_LINE);
}

/* Content-Length = 1*DIGIT, at most 2^63-1. The value is already
 * trimmed, so a sign, inner space, comma list or empty value fails. */
static int parse_content_length(head_parser *hp, http_slice v) {
    if (hp->content_length_fields++ > 0) return head_fail(hp, HTTP_E_CONTENT_LENGTH_DUP, v.ptr);
    if (v.len == 0) return head_fail(hp, HTTP_E_CONTENT_LENGTH, v.ptr);
    uint64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c < '0' || c > '9') return head_fail(hp, HTTP_E_CONTENT_LENGTH, v.ptr + i);
        if (n > ((uint64_t)INT64_MAX - (c - '0')) / 10)
            return head_fail(hp, HTTP_E_CONTENT_LENGTH, v.ptr + i);
        n = n * 10 + (c - '0');
    }
    hp->req->has_content_length = true;
    hp->req->content_length = n;
    return 0;
}

/* One Transfer-Encoding field: a comma list of codings, of which the only
 * one accepted is a single final "chunked" (over all such fields). */
static int parse_transfer_encoding(head_parser *hp, http_slice v) {
    if (hp->req->minor_version == 0) return head_fail(hp, HTTP_E_TE_HTTP10, v.ptr);
    hp->te_present = true;
    const char *p = v.ptr, *end = v.ptr + v.len;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *ee = comma ? comma : end;
        http_slice coding = slice_trim(make_slice(p, ee));
        /* an empty element is legal list syntax, but a coding list is
         * framing: anything short of one plain "chunked" is refused */
        if (coding.len == 0) return head_fail(hp, HTTP_E_TE_NOT_CHUNKED, p);
        if (hp->te_chunked) return head_fail(hp, HTTP_E_TE_NOT_CHUNKED, coding.ptr); /* after chunked */
        if (slice_ieq(coding, "chunked")) hp->te_chunked = true;
        else hp->te_other = true;
        if (!comma) return 0;
        p = comma + 1;
    }
}

/* Connection: a comma list of tokens; close, keep-alive, upgrade matter.
 * Empty elements are ignored (RFC 9110 5.6.1). */
static void parse_connection(head_parser *hp, http_slice v) {
    const char *p = v.ptr, *end = v.ptr + v.len;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        http_slice opt = slice_trim(make_slice(p, comma ? comma : end));
        if (slice_ieq(opt, "close")) hp->conn_close = true;
        else if (slice_ieq(opt, "keep-alive")) hp->conn_keep_alive = true;
        else if (slice_ieq(opt, "upgrade")) hp->conn_upgrade = true;
        if (!comma) return;
        p = comma + 1;
    }
}

/* Folds one complete field into the summary. Returns 0 or ERROR. */
static int process_header(head_parser *hp, const http_header *h) {
    http_request *req = hp->req;
    switch (h->name.len) {
    case 4:
        if (!slice_ieq(h->name, "host")) break;
        if (req->has_host) return head_fail(hp, HTTP_E_HOST_DUP, h->name.ptr);
        for (size_t i = 0; i < h->value.len; i++)
            if (!is_host_char((unsigned char)h->value.ptr[i]))
                return head_fail(hp, HTTP_E_HOST_INVALID, h->value.ptr + i);
        req->has_host = true;
        req->host = h->value;
        break;
    case 6:
        if (slice_ieq(h->name, "expect") && slice_ieq(h->value, "100-continue"))
            hp->expect_continue = true;
        break;
    case 7:
        if (slice_ieq(h->name, "upgrade")) hp->upgrade_field = true;
        break;
    case 10:
        if (slice_ieq(h->name, "connection")) parse_connection(hp, h->value);
        break;
    case 14:
        if (slice_ieq(h->name, "content-length")) return parse_content_length(hp, h->value);
        break;
    case 17:
        if (slice_ieq(h->name, "transfer-encoding")) return parse_transfer_encoding(hp, h->value);
        break;
    default:
        break;
    }
    return 0;
}

/* Parses one field line at hp->p (which is a tchar) into *h. Returns 0,
 * PARTIAL or ERROR. */
static int parse_field_line(head_parser *hp, http_header *h) {
    const char *n = hp->p;
    for (;;) {
        if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_HEAD_TOO_LARGE);
        unsigned char c = (unsigned char)*hp->p;
        if (c == ':') break;
        if (!is_tchar(c)) {
            if (is_ows(c)) return head_fail(hp, HTTP_E_SPACE_BEFORE_COLON, hp->p);
            return head_fail(hp, HTTP_E_HEADER_NAME, hp->p);
        }
        hp->p++;
    }
    h->name = make_slice(n, hp->p);
    hp->p++;

    /* OWS field-value OWS CRLF: vs/ve bound the bytes between the first
     * and last field-vchar */
    const char *vs = NULL, *ve = NULL;
    for (;;) {
        if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_HEAD_TOO_LARGE);
        unsigned char c = (unsigned char)*hp->p;
        if (c == '\r') break;
        if (is_field_vchar(c)) {
            if (!vs) vs = hp->p;
            ve = hp->p + 1;
        } else if (!is_ows(c)) {
            if (c == '\n') return head_fail(hp, HTTP_E_BARE_LF, hp->p);
            return head_fail(hp, HTTP_E_HEADER_VALUE, hp->p);
        }
        hp->p++;
    }
    h->value = vs ? make_slice(vs, ve) : make_slice(hp->p, hp->p);
    return head_expect_crlf(hp, HTTP_E_HEADER_VALUE);
}

/* Parses the field lines and the empty line. Returns 0, PARTIAL or ERROR. */
static int parse_fields(head_parser *hp) {
    http_request *req = hp->req;
    for (;;) {
        if (hp->p == hp->end) return head_out_of_bytes(hp, HTTP_E_HEAD_TOO_LARGE);
        unsigned char c = (unsigned char)*hp->p;
        if (c == '\r' || c == '\n') return head_expect_crlf(hp, HTTP_E_HEADER_NAME);
        if (is_ows(c)) return head_fail(hp, HTTP_E_OBS_FOLD, hp->p);
        if (!is_tchar(c)) return head_fail(hp, HTTP_E_HEADER_NAME, hp->p);
        if (req->num_headers == hp->max_headers)
            return head_fail(hp, HTTP_E_TOO_MANY_HEADERS, hp->p);
        http_header *h = &req->headers[req->num_headers];
        int r = parse_field_line(hp, h);
        if (r) return r;
        req->num_headers++;
        r = process_header(hp, h);
        if (r) return r;
    }
}

/* Decisions that need the whole head; then the summary. Returns 0 or
 * ERROR. */
static int finish_head(head_parser *hp) {
    http_request *req = hp->req;
    const char *at = hp->p - 2; /* the final CRLF */
    if (hp->te_present && req->has_content_length) return head_fail(hp, HTTP_E_CL_AND_TE, at);
    if (hp->te_present && !hp->te_chunked) return head_fail(hp, HTTP_E_TE_NOT_CHUNKED, at);
    if (hp->te_present && hp->te_other) return head_fail(hp, HTTP_E_TE_UNSUPPORTED, at);
    if (req->minor_version == 1 && !req->has_host) return head_fail(hp, HTTP_E_HOST_MISSING, at);
    req->chunked = hp->te_chunked;
    if (req->minor_version == 1) {
        req->keep_alive = !hp->conn_close;
        /* RFC 9110 10.1.1 and 7.8: ignored in HTTP/1.0 */
        req->expect_continue = hp->expect_continue;
        req->upgrade = hp->upgrade_field && hp->conn_upgrade;
    } else {
        req->keep_alive = hp->conn_keep_alive && !hp->conn_close;
    }
    return 0;
}

/* Whether buf[prev_len..len) may be skipped: no CRLFCRLF ends in it and
 * it holds no byte that is wrong anywhere in a head (controls, DEL, CR
 * or LF out of pair). Such bytes make the full parse run, so that the
 * commonest garbage is still reported at once. */
static bool head_quick_partial(const char *buf, size_t len, size_t prev_len) {
    for (size_t i = prev_len - 1; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c >= 0x20 && c != 0x7f) continue;
        if (c == '\t') continue;
        if (c == '\r') {
            if (i + 1 < len && buf[i + 1] != '\n') return false;
            continue;
        }
        if (c == '\n') {
            if (i == 0 || buf[i - 1] != '\r') return false;
            if (i >= 3 && i >= prev_len && buf[i - 2] == '\n' && buf[i - 3] == '\r') return false;
            continue;
        }
        return false;
    }
    return true;
}

/* Contract in parse.h. */
int hv_http_parse_request(const char *buf, size_t len, size_t prev_len, const http_limits *limits,
                       http_header *headers, size_t max_headers, http_request *req) {
    size_t max_head = limits && limits->max_head_bytes ? limits->max_head_bytes
                                                       : HTTP_DEFAULT_MAX_HEAD_BYTES;
    size_t max_target = limits && limits->max_target_bytes ? limits->max_target_bytes
                                                           : HTTP_DEFAULT_MAX_TARGET_BYTES;
    if (max_head > INT_MAX) max_head = INT_MAX;

    memset(req, 0, sizeof *req);
    req->headers = headers;
    if (prev_len > 0 && prev_len <= len && len <= max_head && head_quick_partial(buf, len, prev_len))
        return HTTP_PARSE_PARTIAL;

    head_parser hp = {
        .buf = buf,
        .p = buf,
        .end = buf + (len < max_head ? len : max_head),
        .limited = len > max_head,
        .max_target_bytes = max_target,
        .req = req,
        .max_headers = max_headers,
    };
    int r = parse_request_line(&hp);
    if (r == 0) r = parse_fields(&hp);
    if (r == 0) r = finish_head(&hp);
    if (r == 0) return (int)(hp.p - buf);
    if (r == HTTP_PARSE_PARTIAL) {
        http_header *h = req->headers;
        memset(req, 0, sizeof *req);
        req->headers = h;
    }
    return r;
}

/* Contract in parse.h. name is compared ASCII case-insensitively. */
const http_header *hv_http_find_header(const http_request *req, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < req->num_headers; i++) {
        const http_header *h = &req->headers[i];
        if (h->name.len != n) continue;
        size_t j = 0;
        while (j < n && ascii_lower((unsigned char)h->name.ptr[j]) ==
                            ascii_lower((unsigned char)name[j]))
            j++;
        if (j == n) return h;
    }
    return NULL;
}

/* ---- chunked body -------------------------------------------------------- */

enum {
    CH_SIZE_START,      /* first hex digit of a chunk size */
    CH_SIZE,            /* more hex digits, or what follows them */
    CH_EXT_AFTER_VALUE, /* after a quoted value: ';', CR or BWS */
    CH_EXT_WS,          /* BWS before ';' */
    CH_EXT_NAME_START,  /* after ';': BWS, then a name */
    CH_EXT_NAME,        /* name bytes, then '=', ';', CR or BWS */
    CH_EXT_NAME_WS,     /* BWS after a name: '=' or ';' */
    CH_EXT_VALUE_START, /* after '=': BWS, then a token or a quoted-string */
    CH_EXT_VALUE_TOKEN, /* token value bytes */
    CH_EXT_QUOTED,      /* inside a quoted-string */
    CH_EXT_QUOTED_ESC,  /* after a backslash in a quoted-string */
    CH_SIZE_LF,         /* LF ending the chunk-size line */
    CH_DATA,            /* chunk data */
    CH_DATA_CR,         /* CR after chunk data */
    CH_DATA_LF,         /* LF after chunk data */
    CH_TRAILER_START,   /* start of a trailer field line, or the final CRLF */
    CH_TRAILER_NAME,
    CH_TRAILER_VALUE,
    CH_TRAILER_LF,      /* LF ending a trailer field line */
    CH_END_LF,          /* LF of the final CRLF */
    CH_DONE,
    CH_ERROR
};

/* Contract in parse.h. */
void hv_http_chunked_init(http_chunked_decoder *d, size_t max_line_bytes, size_t max_trailer_bytes) {
    memset(d, 0, sizeof *d);
    d->state = CH_SIZE_START;
    d->max_line_bytes = max_line_bytes ? max_line_bytes : HTTP_DEFAULT_MAX_CHUNK_LINE_BYTES;
    d->max_trailer_bytes = max_trailer_bytes ? max_trailer_bytes : HTTP_DEFAULT_MAX_TRAILER_BYTES;
}

void hv_http_chunked_keep_trailers(http_chunked_decoder *d, char *buf, size_t cap) {
    d->keep = buf;
    d->keep_cap = buf ? cap : 0;
    d->keep_len = 0;
}

size_t hv_http_chunked_trailers(const http_chunked_decoder *d, http_header *out, size_t max) {
    if (d->state != CH_DONE || !d->keep) return 0;
    size_t n = 0, i = 0, len = d->keep_len;
    const char *k = d->keep;
    while (i < len && n < max) {
        size_t end = i;
        while (end < len && k[end] != '\r') end++;
        if (end == i || end >= len) break; /* the final empty line (or a cut section) */
        size_t colon = i;
        while (colon < end && k[colon] != ':') colon++;
        if (colon == end) break;
        size_t vs = colon + 1, ve = end;
        while (vs < ve && is_ows((unsigned char)k[vs])) vs++;
        while (ve > vs && is_ows((unsigned char)k[ve - 1])) ve--;
        out[n].name = (http_slice){k + i, colon - i};
        out[n].value = (http_slice){k + vs, ve - vs};
        n++;
        i = end + 2; /* CRLF */
    }
    return n;
}

/* Moves d to CH_ERROR with code at in[i]; returns HTTP_PARSE_ERROR. */
static int chunked_fail(http_chunked_decoder *d, http_error code, size_t i, size_t *consumed) {
    d->state = CH_ERROR;
    *consumed = i;
    set_error(&d->error, code, (size_t)(d->offset + i));
    d->offset += i;
    return HTTP_PARSE_ERROR;
}

/* The state after byte c in one of the chunk-size line states (CH_SIZE
 * to CH_SIZE_LF, CH_SIZE_START excluded), or -1 if c is not allowed
 * there. Accumulates the size in d->size; -2 means it overflowed. */
static int chunked_line_step(http_chunked_decoder *d, unsigned char c) {
    switch (d->state) {
    case CH_SIZE: {
        int h = hex_value(c);
        if (h >= 0) {
            if (d->size >> 59) return -2; /* size * 16 + h could pass 2^63-1 */
            d->size = d->size * 16 + (uint64_t)h;
            return CH_SIZE;
        }
        if (c == ';') return CH_EXT_NAME_START;
        if (is_ows(c)) return CH_EXT_WS;
        if (c == '\r') return CH_SIZE_LF;
        return -1;
    }
    case CH_EXT_AFTER_VALUE:
        if (c == ';') return CH_EXT_NAME_START;
        if (is_ows(c)) return CH_EXT_WS;
        if (c == '\r') return CH_SIZE_LF;
        return -1;
    case CH_EXT_WS:
        if (c == ';') return CH_EXT_NAME_START;
        if (is_ows(c)) return CH_EXT_WS;
        return -1;
    case CH_EXT_NAME_START:
        if (is_ows(c)) return CH_EXT_NAME_START;
        if (is_tchar(c)) return CH_EXT_NAME;
        return -1;
    case CH_EXT_NAME:
        if (is_tchar(c)) return CH_EXT_NAME;
        if (c == '=') return CH_EXT_VALUE_START;
        if (c == ';') return CH_EXT_NAME_START;
        if (is_ows(c)) return CH_EXT_NAME_WS;
        if (c == '\r') return CH_SIZE_LF;
        return -1;
    case CH_EXT_NAME_WS:
        if (is_ows(c)) return CH_EXT_NAME_WS;
        if (c == '=') return CH_EXT_VALUE_START;
        if (c == ';') return CH_EXT_NAME_START;
        return -1;
    case CH_EXT_VALUE_START:
        if (is_ows(c)) return CH_EXT_VALUE_START;
        if (c == '"') return CH_EXT_QUOTED;
        if (is_tchar(c)) return CH_EXT_VALUE_TOKEN;
        return -1;
    case CH_EXT_VALUE_TOKEN:
        if (is_tchar(c)) return CH_EXT_VALUE_TOKEN;
        if (c == ';') return CH_EXT_NAME_START;
        if (is_ows(c)) return CH_EXT_WS;
        if (c == '\r') return CH_SIZE_LF;
        return -1;
    case CH_EXT_QUOTED: /* qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text */
        if (c == '"') return CH_EXT_AFTER_VALUE;
        if (c == '\\') return CH_EXT_QUOTED_ESC;
        if (c == '\t' || c == ' ' || is_field_vchar(c)) return CH_EXT_QUOTED;
        return -1;
    case CH_EXT_QUOTED_ESC: /* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
        if (c == '\t' || c == ' ' || is_field_vchar(c)) return CH_EXT_QUOTED;
        return -1;
    default:
        return -1;
    }
}

/* Contract in parse.h. */
int hv_http_chunked_decode(http_chunked_decoder *d, const char *in, size_t len, size_t *consumed,
                        http_slice *data) {
    data->ptr = NULL;
    data->len = 0;
    *consumed = 0;
    if (d->state == CH_DONE) return HTTP_CHUNKED_DONE;
    if (d->state == CH_ERROR) return HTTP_PARSE_ERROR;

    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        switch (d->state) {
        case CH_DATA: {
            size_t n = len - i;
            if ((uint64_t)n > d->remaining) n = (size_t)d->remaining;
            data->ptr = in + i;
            data->len = n;
            d->remaining -= n;
            d->body_bytes += n;
            if (d->remaining == 0) d->state = CH_DATA_CR;
            *consumed = i + n;
            d->offset += i + n;
            return HTTP_CHUNKED_DATA;
        }
        case CH_DATA_CR:
            if (c != '\r') return chunked_fail(d, HTTP_E_CHUNK_DATA_END, i, consumed);
            d->state = CH_DATA_LF;
            break;
        case CH_DATA_LF:
            if (c != '\n') return chunked_fail(d, HTTP_E_CHUNK_DATA_END, i, consumed);
            d->state = CH_SIZE_START;
            d->size = 0;
            d->line_bytes = 0;
            break;
        case CH_SIZE_START:
            if (hex_value(c) < 0) return chunked_fail(d, HTTP_E_CHUNK_SIZE, i, consumed);
            d->size = (uint64_t)hex_value(c);
            d->line_bytes = 1;
            d->state = CH_SIZE;
            break;
        case CH_SIZE_LF:
            if (c != '\n') return chunked_fail(d, HTTP_E_BARE_CR, i, consumed);
            if (d->size == 0) {
                d->state = CH_TRAILER_START;
                d->trailer_bytes = 0;
            } else {
                d->state = CH_DATA;
                d->remaining = d->size;
            }
            break;
        case CH_TRAILER_START:
        case CH_TRAILER_NAME:
        case CH_TRAILER_VALUE:
        case CH_TRAILER_LF:
        case CH_END_LF:
            if (++d->trailer_bytes > d->max_trailer_bytes)
                return chunked_fail(d, HTTP_E_TRAILER_TOO_LARGE, i, consumed);
            if (d->keep_len < d->keep_cap) d->keep[d->keep_len++] = (char)c;
            if (d->state == CH_TRAILER_START) {
                if (c == '\r') d->state = CH_END_LF;
                else if (is_tchar(c)) d->state = CH_TRAILER_NAME;
                else return chunked_fail(d, HTTP_E_TRAILER, i, consumed); /* obs-fold too */
            } else if (d->state == CH_TRAILER_NAME) {
                if (c == ':') d->state = CH_TRAILER_VALUE;
                else if (!is_tchar(c)) return chunked_fail(d, HTTP_E_TRAILER, i, consumed);
            } else if (d->state == CH_TRAILER_VALUE) {
                if (c == '\r') d->state = CH_TRAILER_LF;
                else if (!is_ows(c) && !is_field_vchar(c))
                    return chunked_fail(d, HTTP_E_TRAILER, i, consumed);
            } else if (d->state == CH_TRAILER_LF) {
                if (c != '\n') return chunked_fail(d, HTTP_E_BARE_CR, i, consumed);
                d->state = CH_TRAILER_START;
            } else {
                if (c != '\n') return chunked_fail(d, HTTP_E_BARE_CR, i, consumed);
                d->state = CH_DONE;
                *consumed = i + 1;
                d->offset += i + 1;
                return HTTP_CHUNKED_DONE;
            }
            break;
        default: { /* the rest of the chunk-size line */
            if (++d->line_bytes > d->max_line_bytes)
                return chunked_fail(d, HTTP_E_CHUNK_LINE_TOO_LONG, i, consumed);
            int next = chunked_line_step(d, c);
            if (next == -2) return chunked_fail(d, HTTP_E_CHUNK_SIZE, i, consumed);
            if (next < 0) {
                http_error code = c == '\n'                ? HTTP_E_BARE_LF
                                  : d->state == CH_SIZE ? HTTP_E_CHUNK_SIZE
                                                        : HTTP_E_CHUNK_EXT;
                return chunked_fail(d, code, i, consumed);
            }
            d->state = next;
            break;
        }
        }
        i++;
    }
    *consumed = len;
    d->offset += len;
    return HTTP_PARSE_PARTIAL;
}

/* ---- response heads ------------------------------------------------------ */

/* Contract in parse.h. */
const char *hv_http_status_reason(int status) {
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
    }
}

/* A bounded writer: the first write that does not fit sets `full`. */
typedef struct head_writer {
    char *buf;
    size_t cap, len;
    bool full;
} head_writer;

static void put_bytes(head_writer *w, const char *s, size_t n) {
    if (w->full || w->cap - w->len < n) {
        w->full = true;
        return;
    }
    if (n) memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* (inlined: a literal's length is then known when compiling) */
static inline __attribute__((always_inline)) void put_str(head_writer *w, const char *s) {
    put_bytes(w, s, strlen(s));
}

static void put_uint(head_writer *w, uint64_t v) {
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_bytes(w, digits + sizeof digits - n, n);
}

/* Whether s[0..n) can be sent as a field value or reason phrase: HTAB,
 * SP, VCHAR, obs-text; never CR, LF, NUL or another control. */
static bool is_safe_text(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_ows(c) && !is_field_vchar(c)) return false;
    }
    return true;
}

/* Whether the server, not the handler, owns a field of this name. */
static bool is_server_owned_field(http_slice name) {
    static const char *const owned[] = {"content-length", "transfer-encoding", "connection",
                                        "keep-alive", "proxy-connection", "te", "upgrade"};
    static const uint8_t owned_len[] = {14, 17, 10, 10, 16, 2, 7};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (name.len == owned_len[i] && slice_ieq(name, owned[i])) return true;
    return false;
}

/* Contract in parse.h. */
int hv_http_format_response_head(char *buf, size_t cap, int status, const char *reason,
                              const http_header *headers, size_t num_headers,
                              int64_t body_length, bool keep_alive) {
    if (status < 100 || status > 599) return HTTP_FORMAT_INVALID;
    if (!reason) reason = hv_http_status_reason(status);
    if (!is_safe_text(reason, strlen(reason))) return HTTP_FORMAT_INVALID;
    if (body_length < HTTP_BODY_NONE) return HTTP_FORMAT_INVALID;
    bool interim = status < 200;
    if ((interim || status == 204) && body_length != HTTP_BODY_NONE) return HTTP_FORMAT_INVALID;
    for (size_t i = 0; i < num_headers; i++) {
        const http_header *h = &headers[i];
        if (h->name.len == 0 || !h->name.ptr) return HTTP_FORMAT_INVALID;
        for (size_t j = 0; j < h->name.len; j++)
            if (!is_tchar((unsigned char)h->name.ptr[j])) return HTTP_FORMAT_INVALID;
        if (h->value.len && !h->value.ptr) return HTTP_FORMAT_INVALID;
        if (!is_safe_text(h->value.ptr, h->value.len)) return HTTP_FORMAT_INVALID;
    }

    head_writer w = {buf, cap > INT_MAX ? INT_MAX : cap, 0, false};
    put_str(&w, "HTTP/1.1 ");
    put_uint(&w, (uint64_t)status);
    put_str(&w, " ");
    put_str(&w, reason);
    put_str(&w, "\r\n");
    for (size_t i = 0; i < num_headers; i++) {
        const http_header *h = &headers[i];
        if (is_server_owned_field(h->name)) continue;
        put_bytes(&w, h->name.ptr, h->name.len);
        put_str(&w, ": ");
        put_bytes(&w, h->value.ptr, h->value.len);
        put_str(&w, "\r\n");
    }
    if (body_length >= 0) {
        put_str(&w, "Content-Length: ");
        put_uint(&w, (uint64_t)body_length);
        put_str(&w, "\r\n");
    } else if (body_length == HTTP_BODY_CHUNKED) {
        put_str(&w, "Transfer-Encoding: chunked\r\n");
    }
    if (!interim) put_str(&w, keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
    put_str(&w, "\r\n");
    if (w.full) return HTTP_FORMAT_NOSPACE;
    return (int)w.len;
}
