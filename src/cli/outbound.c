/*
 * outbound.c -- the outgoing-HTTP options that `hive serve` and `hive
 * run` share (docs/OUTBOUND.md): which destinations guests may reach,
 * the CA bundle, h2c, and the per-instance limit. They configure the
 * process's client (src/httpclient) once, before any guest runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "httpclient/httpclient.h"

static struct {
    const char **allow;
    size_t nallow, cap;
    const char *ca_file;
    int h2c;
    unsigned max;
    const char *first; /* the first outbound option given (first_buf), or NULL */
    char first_buf[64];
} ob;

int cli_outbound_opt(const char *name, const char *val) {
    if (!strcmp(name, "--allow-outbound")) {
        if (ob.nallow == ob.cap) {
            size_t cap = ob.cap ? ob.cap * 2 : 8;
            const char **n = realloc(ob.allow, cap * sizeof *n);
            if (!n) return -1;
            ob.allow = n;
            ob.cap = cap;
        }
        ob.allow[ob.nallow++] = val;
    } else if (!strcmp(name, "--outbound-ca")) {
        if (!*val) return -1;
        ob.ca_file = val;
    } else if (!strcmp(name, "--outbound-h2c")) {
        if (!strcmp(val, "on")) ob.h2c = 1;
        else if (!strcmp(val, "off")) ob.h2c = 0;
        else return -1;
    } else if (!strcmp(name, "--max-outbound-requests")) {
        char *end;
        unsigned long v = strtoul(val, &end, 10);
        if (*val < '0' || *val > '9' || *end || v == 0 || v > 100000) return -1;
        ob.max = (unsigned)v;
    } else {
        return 0;
    }
    if (!ob.first) { /* name may be the caller's buffer: a copy */
        snprintf(ob.first_buf, sizeof ob.first_buf, "%s", name);
        ob.first = ob.first_buf;
    }
    return 1;
}

const char *cli_outbound_given(void) { return ob.first; }

int cli_outbound_apply(const char *prog) {
    hc_config c = {ob.allow, ob.nallow, ob.ca_file, ob.h2c, ob.max};
    char err[200];
    if (hv_hc_configure(&c, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    return 0;
}

void cli_outbound_done(void) {
    hv_hc_shutdown();
    free(ob.allow);
    memset(&ob, 0, sizeof ob);
}
