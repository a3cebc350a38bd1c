/*
 * fuzz/cgi.c -- libFuzzer target: the CGI response-head parser
 * (src/guest/cgi.h) on arbitrary guest output. The input is parsed whole
 * and as every prefix a guest could have written so far (each in an
 * exact-size heap copy, so a read past the end is caught), and the
 * answers must agree: a prefix that completes the head gives the whole's
 * head, an error in a prefix stays that error, and no prefix shorter than
 * a complete head is more than PARTIAL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/cgi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                 \
    do {                                                          \
        fprintf(stderr, "cgi invariant broken: " __VA_ARGS__);   \
        fprintf(stderr, "\n");                                    \
        abort();                                                  \
    } while (0)

static void check_sane(int64_t rc, const cgi_head *h, const char *buf, size_t len) {
    if (rc == CGI_ERROR) {
        if (!h->error) FAIL("error without a reason");
        return;
    }
    if (rc == CGI_PARTIAL) return;
    if (rc <= 0 || (uint64_t)rc > len) FAIL("head length %lld of %zu", (long long)rc, len);
    if (buf[rc - 1] != '\n') FAIL("head does not end in LF");
    if (h->status < 100 || h->status > 999) FAIL("status %d", h->status);
    if (h->nheaders > CGI_MAX_HEADERS) FAIL("nheaders");
    for (size_t i = 0; i < h->nheaders; i++) {
        const hive_header *x = &h->headers[i];
        if (x->name_len == 0) FAIL("empty name");
        if (x->name < buf || x->name + x->name_len > buf + rc) FAIL("name outside");
        if (x->value_len && (x->value < buf || x->value + x->value_len > buf + rc))
            FAIL("value outside");
        for (size_t j = 0; j < x->value_len; j++) {
            unsigned char c = (unsigned char)x->value[j];
            if ((c < 0x20 && c != '\t') || c == 0x7f) FAIL("control byte in value");
        }
    }
}

static int same(const cgi_head *a, const char *abase, const cgi_head *b, const char *bbase) {
    if (a->status != b->status || a->nheaders != b->nheaders ||
        a->content_length != b->content_length)
        return 0;
    for (size_t i = 0; i < a->nheaders; i++) {
        const hive_header *x = &a->headers[i], *y = &b->headers[i];
        if (x->name - abase != y->name - bbase || x->name_len != y->name_len) return 0;
        if (x->value_len != y->value_len) return 0;
        if (x->value_len && x->value - abase != y->value - bbase) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 16384) return 0;
    static cgi_head whole, part;
    char *buf = malloc(size ? size : 1);
    if (!buf) abort();
    memcpy(buf, data, size);
    int64_t rw = hv_cgi_parse_head(buf, size, &whole);
    check_sane(rw, &whole, buf, size);
    /* every prefix when small, else every line boundary and a few more */
    for (size_t n = 0; n < size; n++) {
        if (size > 512 && data[n ? n - 1 : 0] != '\n' && n % 61 != 0) continue;
        char *p = malloc(n ? n : 1);
        if (!p) abort();
        memcpy(p, data, n);
        int64_t rp = hv_cgi_parse_head(p, n, &part);
        check_sane(rp, &part, p, n);
        if (rp >= 0) {
            if (rp != rw || !same(&whole, buf, &part, p))
                FAIL("prefix %zu gives head %lld, whole %lld", n, (long long)rp, (long long)rw);
        } else if (rp == CGI_ERROR) {
            if (rw != CGI_ERROR) FAIL("prefix %zu is an error, whole gives %lld", n, (long long)rw);
            if (strcmp(part.error, whole.error) != 0)
                FAIL("prefix %zu error '%s', whole '%s'", n, part.error, whole.error);
        } else if (rw >= 0 && n >= (size_t)rw) {
            FAIL("prefix %zu partial though the head ends at %lld", n, (long long)rw);
        }
        free(p);
    }
    free(buf);
    return 0;
}
