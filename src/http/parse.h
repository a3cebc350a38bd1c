/*
 * parse.h -- HTTP/1.1 wire format: the request-head parser, the chunked
 * body decoder and the response-head formatter of hive's server.
 *
 * Modelled on picohttpparser: nothing here allocates, holds global
 * mutable state or reads outside the bytes it is given. The head parser
 * is stateless and returns slices into the caller's buffer; the chunked
 * decoder is a small caller-owned state machine that reports slices of
 * its input. What is accepted and rejected, and why, is in docs/HTTP.md.
 */
#ifndef HIVE_HTTP_PARSE_H
#define HIVE_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return codes shared by hv_http_parse_request and hv_http_chunked_decode. */
#define HTTP_PARSE_ERROR (-1)   /* malformed: see the error's reason */
#define HTTP_PARSE_PARTIAL (-2) /* valid so far, more bytes are needed */

/* Extra return codes of hv_http_chunked_decode. */
#define HTTP_CHUNKED_DONE 0 /* the body and its trailer section ended */
#define HTTP_CHUNKED_DATA 1 /* *data is the next slice of body bytes */

/* Return codes of hv_http_format_response_head besides a length. */
#define HTTP_FORMAT_INVALID (-1) /* a field would split or corrupt the head */
#define HTTP_FORMAT_NOSPACE (-2) /* valid, but does not fit in cap bytes */

/* A byte range inside a caller's buffer; not NUL-terminated. */
typedef struct http_slice {
    const char *ptr;
    size_t len;
} http_slice;

typedef struct http_header {
    http_slice name;  /* a token, as received (compare case-insensitively) */
    http_slice value; /* leading and trailing SP/HTAB removed; may be empty */
} http_header;

/* Why a parse failed. hv_http_error_status/hv_http_error_message give the
 * status to answer and a fixed message for each. */
typedef enum http_error {
    HTTP_OK = 0,
    /* request line */
    HTTP_E_EMPTY_LINES,       /* more leading empty lines than tolerated */
    HTTP_E_METHOD,            /* method is empty or not a token */
    HTTP_E_CONNECT,           /* CONNECT is not implemented (501) */
    HTTP_E_TARGET,            /* request-target has a forbidden byte or is empty */
    HTTP_E_TARGET_FORM,       /* request-target form not allowed (e.g. "*" without OPTIONS) */
    HTTP_E_TARGET_TOO_LONG,   /* request-target over the limit (414) */
    HTTP_E_VERSION,           /* not "HTTP/" DIGIT "." DIGIT */
    HTTP_E_VERSION_UNSUPPORTED, /* well-formed, but not 1.0 or 1.1 (505) */
    HTTP_E_REQUEST_LINE,      /* bad separator (not exactly one SP) */
    /* lines */
    HTTP_E_BARE_CR,           /* CR not followed by LF */
    HTTP_E_BARE_LF,           /* LF not preceded by CR */
    HTTP_E_HEAD_TOO_LARGE,    /* head over the byte limit (431) */
    /* header fields */
    HTTP_E_OBS_FOLD,          /* a field line starts with SP or HTAB */
    HTTP_E_HEADER_NAME,       /* field name empty or not a token */
    HTTP_E_SPACE_BEFORE_COLON, /* whitespace between field name and colon */
    HTTP_E_HEADER_VALUE,      /* field value has a control character */
    HTTP_E_TOO_MANY_HEADERS,  /* more fields than the caller's array (431) */
    /* framing and semantics */
    HTTP_E_CONTENT_LENGTH,    /* not 1*DIGIT, or over 2^63-1 */
    HTTP_E_CONTENT_LENGTH_DUP, /* more than one Content-Length field */
    HTTP_E_CL_AND_TE,         /* both Content-Length and Transfer-Encoding */
    HTTP_E_TE_NOT_CHUNKED,    /* chunked missing, not final, repeated, or a bad list */
    HTTP_E_TE_UNSUPPORTED,    /* a coding other than chunked (501) */
    HTTP_E_TE_HTTP10,         /* Transfer-Encoding in an HTTP/1.0 request */
    HTTP_E_HOST_MISSING,      /* HTTP/1.1 request without Host */
    HTTP_E_HOST_DUP,          /* more than one Host field */
    HTTP_E_HOST_INVALID,      /* Host value is not a valid uri-host[:port] */
    /* chunked body */
    HTTP_E_CHUNK_SIZE,        /* empty, not hex, or over 2^63-1 */
    HTTP_E_CHUNK_EXT,         /* malformed chunk extension */
    HTTP_E_CHUNK_LINE_TOO_LONG, /* chunk-size line over the limit */
    HTTP_E_CHUNK_DATA_END,    /* chunk data not followed by CRLF */
    HTTP_E_TRAILER,           /* malformed trailer field line */
    HTTP_E_TRAILER_TOO_LARGE, /* trailer section over the limit (431) */
    HTTP_E_COUNT
} http_error;

/* The details of a failure: reason, status to answer (400, 414, 431,
 * 501 or 505), a fixed message, and the byte offset (from the start of
 * the head, or of the chunked body) where it was detected. */
typedef struct http_parse_error {
    http_error code;
    int status;
    const char *message;
    size_t offset;
} http_parse_error;

/* The request-target's form (RFC 9112 section 3.2). Authority-form is
 * never returned: CONNECT is rejected with 501. */
typedef enum http_target_form {
    HTTP_TARGET_ORIGIN,   /* "/path?query" */
    HTTP_TARGET_ABSOLUTE, /* "http://authority/path?query" (or https) */
    HTTP_TARGET_ASTERISK  /* "*", OPTIONS only */
} http_target_form;

/* Caller-chosen limits. Pass NULL for the defaults below. */
typedef struct http_limits {
    size_t max_head_bytes;   /* whole head, empty lines to final CRLF: 431 beyond */
    size_t max_target_bytes; /* request-target alone: 414 beyond */
} http_limits;

#define HTTP_DEFAULT_MAX_HEAD_BYTES 16384
#define HTTP_DEFAULT_MAX_TARGET_BYTES 8192

/* A parsed request head. Every slice points into the parsed buffer, so
 * it is valid as long as those bytes stay in place. Filled only when
 * hv_http_parse_request returns a length; `error` only on HTTP_PARSE_ERROR. */
typedef struct http_request {
    http_slice method;          /* a token, case-sensitive ("GET") */
    http_slice target;          /* the whole request-target */
    http_target_form form;
    http_slice authority;       /* absolute-form only: "host[:port]" */
    http_slice path;            /* up to '?'; empty only for "http://h" or "http://h?q" (means "/") */
    http_slice query;           /* after '?', without it */
    bool has_query;             /* a '?' was present (query may be empty) */
    int minor_version;          /* 0 or 1 */
    http_header *headers;       /* the caller's array */
    size_t num_headers;
    /* summary of the fields that matter to framing and connection handling */
    bool has_content_length;
    uint64_t content_length;    /* valid when has_content_length */
    bool chunked;               /* Transfer-Encoding: chunked */
    bool keep_alive;            /* version default adjusted by Connection tokens */
    bool expect_continue;       /* HTTP/1.1 and Expect: 100-continue */
    bool upgrade;               /* HTTP/1.1, Upgrade field and Connection: upgrade */
    bool has_host;
    http_slice host;            /* the Host value (may be empty) */
    http_parse_error error;
} http_request;

/* Parses a request head from buf[0..len): optional leading empty lines
 * (two at most), the request line, the header fields and the empty line.
 *
 * Returns the head's length in bytes (> 0; the body and any pipelined
 * request follow it), HTTP_PARSE_PARTIAL when buf holds a valid prefix of
 * a head, or HTTP_PARSE_ERROR with req->error filled. At most max_headers
 * fields are stored in headers[] (431 beyond). limits may be NULL; a
 * max_head_bytes above INT_MAX is treated as INT_MAX.
 *
 * prev_len: the caller may pass the length of the buffer given to the
 * previous call for the same request, if that call returned PARTIAL (else
 * 0). When no end of head has arrived since, the call then returns PARTIAL
 * after looking only at the new bytes, which keeps a head that trickles in
 * a byte at a time linear to parse; the price is that some errors in the
 * new bytes are reported only once the head ends or hits its limit. With
 * prev_len == 0 the whole buffer is checked, and an error is reported as
 * soon as the bytes that make it one have arrived.
 *
 * Never allocates, never reads buf[len] or beyond, keeps no state between
 * calls: the same bytes always give the same answer. */
int hv_http_parse_request(const char *buf, size_t len, size_t prev_len, const http_limits *limits,
                       http_header *headers, size_t max_headers, http_request *req);

/* The first header named `name` (ASCII case-insensitive), or NULL. */
const http_header *hv_http_find_header(const http_request *req, const char *name);

/* Status code, fixed message and identifier of an error code ("?" style
 * fallbacks for out-of-range codes). */
int hv_http_error_status(http_error code);
const char *hv_http_error_message(http_error code);
const char *hv_http_error_name(http_error code);

/* ---- chunked body decoding ---------------------------------------------- */

/* Incremental decoder of a chunked body (RFC 9112 section 7.1), from the
 * first chunk-size line to the CRLF after the trailer section. Caller-
 * owned, embedded anywhere; hv_http_chunked_init before use, no fini. */
typedef struct http_chunked_decoder {
    int state;                /* internal */
    uint64_t remaining;       /* data bytes left in the current chunk */
    uint64_t size;            /* chunk size being read */
    size_t line_bytes;        /* bytes of the current chunk-size line */
    size_t trailer_bytes;     /* bytes of the trailer section so far */
    size_t max_line_bytes;    /* chunk-size line (size and extensions) */
    size_t max_trailer_bytes; /* trailer section, final CRLF included */
    uint64_t body_bytes;      /* decoded data bytes so far */
    uint64_t offset;          /* input bytes consumed so far */
    http_parse_error error;   /* after HTTP_PARSE_ERROR; offset counts from the body's start */
    char *keep;               /* hv_http_chunked_keep_trailers: the trailer section's bytes */
    size_t keep_cap, keep_len;
} http_chunked_decoder;

#define HTTP_DEFAULT_MAX_CHUNK_LINE_BYTES 1024
#define HTTP_DEFAULT_MAX_TRAILER_BYTES 8192

/* Prepares d for a new body. 0 for a limit means its default. */
void hv_http_chunked_init(http_chunked_decoder *d, size_t max_line_bytes, size_t max_trailer_bytes);

/* Feeds in[0..len), the next bytes of the body, to d. Sets *consumed to
 * the bytes of in that were used and returns:
 *   HTTP_CHUNKED_DATA: *data is a non-empty slice of in, the next body
 *     bytes; *consumed ends just after it. Call again with the rest.
 *   HTTP_PARSE_PARTIAL: all of in was used (framing is remembered in d),
 *     more bytes are needed.
 *   HTTP_CHUNKED_DONE: the body ended; in[*consumed..len) belongs to the
 *     next request. Later calls return DONE and consume nothing.
 *   HTTP_PARSE_ERROR: d->error says why; later calls return ERROR.
 * The data, in order, and the outcome do not depend on how the body is
 * split across calls. Never reads in[len] or beyond. */
int hv_http_chunked_decode(http_chunked_decoder *d, const char *in, size_t len, size_t *consumed,
                        http_slice *data);

/* After hv_http_chunked_init: the decoder keeps the trailer section's bytes
 * in buf[0..cap) (the caller's; cap should be the section's limit, else
 * fields beyond cap are lost). */
void hv_http_chunked_keep_trailers(http_chunked_decoder *d, char *buf, size_t cap);
/* After HTTP_CHUNKED_DONE, with kept trailers: the trailer fields (name
 * and value as in http_header: slices of the kept bytes, the value's
 * leading and trailing SP/HTAB removed), at most max of them into out;
 * their count (those beyond max are not counted). */
size_t hv_http_chunked_trailers(const http_chunked_decoder *d, http_header *out, size_t max);

/* ---- response heads ----------------------------------------------------- */

/* Body framing for hv_http_format_response_head (else a length >= 0). */
#define HTTP_BODY_CHUNKED (-1) /* Transfer-Encoding: chunked */
#define HTTP_BODY_NONE (-2)    /* no framing field: 1xx, 204, 304 */

/* Writes "HTTP/1.1 status reason", the given fields, the framing field
 * and a Connection field, and the empty line, into buf[0..cap). Not NUL-
 * terminated. status must be 100..599; reason NULL means the standard
 * phrase. body_length is a Content-Length (>= 0), HTTP_BODY_CHUNKED or
 * HTTP_BODY_NONE; a framing field is refused for 1xx and 204. Connection
 * is "close" unless keep_alive, else "keep-alive" (explicit, for HTTP/1.0
 * clients); a 1xx head gets none.
 *
 * Fields named Content-Length, Transfer-Encoding, Connection, Keep-Alive,
 * Proxy-Connection, TE or Upgrade are skipped: framing and connection
 * handling belong to the server, not to the (guest-supplied) headers.
 *
 * Returns the bytes written, HTTP_FORMAT_INVALID if a name is not a token
 * or a value or the reason holds CR, LF, NUL or another control byte
 * (HTAB allowed) -- nothing a guest passes can split the response -- or
 * HTTP_FORMAT_NOSPACE when it does not fit (buf contents then undefined). */
int hv_http_format_response_head(char *buf, size_t cap, int status, const char *reason,
                              const http_header *headers, size_t num_headers,
                              int64_t body_length, bool keep_alive);

/* The standard reason phrase of a status, or "" for an unknown one. */
const char *hv_http_status_reason(int status);

#endif
