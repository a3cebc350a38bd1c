/*
 * args.c -- what the `hive` subcommands share: parsing durations and
 * sizes from the command line, and reading a module file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/* Parses a duration (ms, s, m, h; bare: seconds) into nanoseconds. */
int cli_parse_duration(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0) return -1;
    double mul;
    if (!strcmp(end, "ms"))
        mul = 1e6;
    else if (!strcmp(end, "us"))
        mul = 1e3;
    else if (!strcmp(end, "s") || !*end)
        mul = 1e9;
    else if (!strcmp(end, "m"))
        mul = 60e9;
    else if (!strcmp(end, "h"))
        mul = 3600e9;
    else
        return -1;
    double ns = v * mul;
    if (ns > 1e18) return -1;
    *out = (uint64_t)ns;
    return 0;
}

/* Parses a size with an optional K/M/G suffix (powers of 1024, "KiB" and
 * "KB" spellings too). */
int cli_parse_size(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (*s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024, end++;
    if (mul > 1 && *end == 'i') end++;
    if (*end == 'B') end++;
    if (*end || (mul > 1 && v > UINT64_MAX / mul)) return -1;
    *out = v * mul;
    return 0;
}

/* Reads the whole file at path into a malloc'd buffer (*len bytes), or
 * returns NULL with errno set. */
/* One buffer of the file's size when fstat knows it (a regular file: one
 * allocation, one read, no copying as a buffer grows; a 30 MB module used
 * to be copied nine times over), else one that doubles as it fills (a
 * pipe, /dev/stdin). */
uint8_t *cli_read_file(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    size_t cap = 1 << 16, n = 0;
    bool sized = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                 (uint64_t)st.st_size < SIZE_MAX - 1;
    if (sized) cap = (size_t)st.st_size + 1; /* +1: the end shows as a read of 0 */
    uint8_t *buf = malloc(cap);
    int saved = 0;
    while (buf) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            saved = errno;
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n < cap) continue;
        uint8_t *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!nb) {
            saved = ENOMEM;
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    close(fd);
    if (!buf && saved) errno = saved;
    *len = n;
    return buf;
}

/* The text of value types "[i32 f64]" into buf (at most cap bytes). */
static void type_list(char *buf, size_t cap, uint32_t n, const uint8_t *ts) {
    size_t len = (size_t)snprintf(buf, cap, "[");
    for (uint32_t i = 0; i < n && len + 12 < cap; i++) {
        const char *name = ts[i] == 0x7f   ? "i32"
                           : ts[i] == 0x7e ? "i64"
                           : ts[i] == 0x7d ? "f32"
                           : ts[i] == 0x7c ? "f64"
                           : ts[i] == 0x7b ? "v128"
                           : ts[i] == 0x70 ? "funcref"
                           : ts[i] == 0x6f ? "externref"
                                           : "?";
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", name);
    }
    snprintf(buf + len, cap - len, "]");
}

/* Contract in cli.h. */
int cli_entry_type_ok(const char *name, uint32_t nparams, const uint8_t *params,
                      uint32_t nresults, const uint8_t *results, char *msg, size_t cap) {
    if (nparams == 0 && nresults == 0) return 1;
    char p[128], r[128];
    type_list(p, sizeof p, nparams, params);
    type_list(r, sizeof r, nresults, results);
    snprintf(msg, cap, "%s must have type [] -> [], not %s -> %s", name, p, r);
    return 0;
}
