/*
 * drain.c -- a WAGI app that reads its request body slowly and answers
 * with the byte count and a checksum: it reads ?chunk=N bytes (default
 * 65536) at a time and sleeps ?us=N microseconds (default 1000) after
 * each read, so a fast client outruns it (request-body backpressure).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long param(const char *q, const char *name, long def) {
    size_t n = strlen(name);
    for (const char *p = q; p && *p;) {
        if (!strncmp(p, name, n) && p[n] == '=') return strtol(p + n + 1, NULL, 10);
        p = strchr(p, '&');
        if (p) p++;
    }
    return def;
}

static unsigned char buf[1 << 20];

int main(void) {
    const char *q = getenv("QUERY_STRING");
    long chunk = param(q, "chunk", 65536);
    long us = param(q, "us", 1000);
    if (chunk <= 0 || chunk > (long)sizeof buf) chunk = 65536;
    uint64_t total = 0;
    uint32_t sum = 0;
    for (;;) {
        ssize_t n = read(0, buf, (size_t)chunk);
        if (n <= 0) break;
        total += (uint64_t)n;
        for (ssize_t i = 0; i < n; i += 4096) sum = sum * 31u + buf[i];
        if (us > 0) {
            struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
            nanosleep(&ts, NULL);
        }
    }
    printf("Content-Type: text/plain\n\nbody-bytes: %llu\nsum: %u\n", (unsigned long long)total,
           sum);
    return 0;
}
