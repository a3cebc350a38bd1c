/*
 * cgi.h -- the CGI response head a WAGI guest writes on stdout
 * (RFC 3875 section 6): header lines, a blank line, then the body.
 *
 * hv_cgi_parse_head() never allocates and returns slices into the caller's
 * buffer; it says done (the head's length), partial or error, so the
 * caller can feed it the guest's output as it arrives.
 */
#ifndef HIVE_GUEST_CGI_H
#define HIVE_GUEST_CGI_H

#include <stddef.h>
#include <stdint.h>

#include "hive/handler.h"

#define CGI_PARTIAL (-2)
#define CGI_ERROR (-1)
#define CGI_MAX_HEADERS 64

typedef struct cgi_head {
    int status;           /* from Status:, 302 for a bare Location:, else 200 */
    hive_header headers[CGI_MAX_HEADERS]; /* without Status: */
    size_t nheaders;
    int64_t content_length; /* from Content-Length:, -1 when absent */
    const char *error;      /* why, for CGI_ERROR */
} cgi_head;

/* Parses the head at the start of buf[0..len). Returns the number of
 * bytes it takes (blank line included) when complete, CGI_PARTIAL when
 * more bytes are needed, CGI_ERROR (with out->error) when malformed.
 * Lines end in LF or CRLF. Header names are tokens; values have no
 * control characters except HTAB. Framing headers that the server decides
 * (Transfer-Encoding, Connection) are dropped. */
int64_t hv_cgi_parse_head(const char *buf, size_t len, cgi_head *out);

#endif
