/* cgi.c -- parsing a CGI response head (RFC 3875 section 6). */
#include "guest/cgi.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 token characters. */
static int cgi_is_tchar(unsigned char c) {
    if (c >= '0' && c <= '9') return 1;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int cgi_name_is(const hive_header *h, const char *name) {
    size_t n = strlen(name);
    return h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

/* Parses a 3-digit status (100..999) at the start of v[0..n). */
static int cgi_parse_status(const char *v, size_t n) {
    if (n < 3) return -1;
    int s = 0;
    for (int i = 0; i < 3; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        s = s * 10 + (v[i] - '0');
    }
    if (n > 3 && v[3] != ' ' && v[3] != '\t') return -1;
    return s >= 100 ? s : -1;
}

static int64_t cgi_fail(cgi_head *out, const char *why) {
    out->error = why;
    return CGI_ERROR;
}

int64_t hv_cgi_parse_head(const char *buf, size_t len, cgi_head *out) {
    out->status = 0;
    out->nheaders = 0;
    out->content_length = -1;
    out->error = NULL;
    int has_location = 0;
    size_t pos = 0;
    for (;;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl) return CGI_PARTIAL;
        size_t end = (size_t)(nl - buf);
        size_t line_end = end > pos && buf[end - 1] == '\r' ? end - 1 : end;
        if (line_end == pos) { /* the blank line */
            if (out->status == 0) out->status = has_location ? 302 : 200;
            if (out->nheaders == 0 && !has_location && out->status == 200)
                return cgi_fail(out, "empty CGI head");
            return (int64_t)(end + 1);
        }
        const char *line = buf + pos;
        size_t n = line_end - pos;
        const char *colon = memchr(line, ':', n);
        if (!colon || colon == line) return cgi_fail(out, "CGI header line without a name");
        size_t name_len = (size_t)(colon - line);
        for (size_t i = 0; i < name_len; i++)
            if (!cgi_is_tchar((unsigned char)line[i]))
                return cgi_fail(out, "invalid character in a CGI header name");
        const char *v = colon + 1;
        size_t vn = n - name_len - 1;
        while (vn && (*v == ' ' || *v == '\t')) v++, vn--;
        while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t')) vn--;
        for (size_t i = 0; i < vn; i++) {
            unsigned char c = (unsigned char)v[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return cgi_fail(out, "control character in a CGI header value");
        }
        hive_header h = {line, name_len, v, vn};
        if (cgi_name_is(&h, "Status")) {
            if (out->status) return cgi_fail(out, "repeated Status header");
            out->status = cgi_parse_status(v, vn);
            if (out->status < 0) return cgi_fail(out, "malformed Status header");
        } else if (cgi_name_is(&h, "Transfer-Encoding") || cgi_name_is(&h, "Connection")) {
            /* the server decides framing and connection handling */
        } else {
            if (cgi_name_is(&h, "Location")) has_location = 1;
            if (cgi_name_is(&h, "Content-Length")) {
                if (vn == 0 || vn > 18) return cgi_fail(out, "malformed Content-Length");
                int64_t cl = 0;
                for (size_t i = 0; i < vn; i++) {
                    if (v[i] < '0' || v[i] > '9') return cgi_fail(out, "malformed Content-Length");
                    cl = cl * 10 + (v[i] - '0');
                }
                if (out->content_length >= 0 && out->content_length != cl)
                    return cgi_fail(out, "conflicting Content-Length headers");
                out->content_length = cl;
                pos = end + 1;
                continue; /* framing: passed as content_length, not as a header */
            }
            if (out->nheaders == CGI_MAX_HEADERS) return cgi_fail(out, "too many CGI headers");
            out->headers[out->nheaders++] = h;
        }
        pos = end + 1;
    }
}
