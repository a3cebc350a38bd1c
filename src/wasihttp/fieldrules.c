/*
 * fieldrules.c -- the rules for header and trailer fields that wasi:http
 * 0.2 (host.c) and 0.3 (p3types.c) share: which names are valid tokens,
 * which are forbidden to guests, which bytes a value may hold. One set of
 * rules, so that a guest sees the same answer whichever version it uses.
 */
#include <string.h>
#include <strings.h>

#include "wasihttp/wasihttp.h"

int hv_whttp_tchar(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

int hv_whttp_forbidden(const char *s, size_t n) {
    /* connection-specific fields (RFC 9110 7.6.1, RFC 9113 8.2.2), the
     * host's own (host: the authority), and proxy credentials */
    static const char *const names[] = {"connection",         "host",
                                        "http2-settings",     "keep-alive",
                                        "proxy-authenticate", "proxy-authorization",
                                        "proxy-connection",   "transfer-encoding",
                                        "upgrade"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (n == strlen(names[i]) && strncasecmp(s, names[i], n) == 0) return 1;
    return 0;
}

int hv_whttp_name_check(const char *s, size_t n) {
    if (!n) return HV_WHTTP_NAME_SYNTAX;
    for (size_t i = 0; i < n; i++)
        if (!hv_whttp_tchar((unsigned char)s[i])) return HV_WHTTP_NAME_SYNTAX;
    return hv_whttp_forbidden(s, n) ? HV_WHTTP_NAME_FORBIDDEN : HV_WHTTP_NAME_OK;
}

int hv_whttp_value_bad(const uint8_t *d, size_t n) {
    /* RFC 9110 5.5: no control byte but HTAB, no DEL */
    for (size_t i = 0; i < n; i++)
        if ((d[i] < 0x20 && d[i] != '\t') || d[i] == 0x7f) return 1;
    return 0;
}
