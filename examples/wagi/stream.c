/*
 * stream.c -- a WAGI app with a streaming response: ?n=N chunks (default
 * 20) of ?size=S bytes (default: one line each), flushed one by one, with
 * ?delay=MS milliseconds between them (default 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The value of key in a query string "a=1&b=2", or dflt. */
static long query_num(const char *q, const char *key, long dflt) {
    size_t kl = strlen(key);
    for (const char *p = q; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == '=') return strtol(p + kl + 1, NULL, 10);
        p = strchr(p, '&');
        if (p) p++;
    }
    return dflt;
}

int main(void) {
    const char *q = getenv("QUERY_STRING");
    long n = query_num(q, "n", 20), size = query_num(q, "size", 0),
         delay = query_num(q, "delay", 0);
    if (size < 0 || size > 1 << 20) size = 0;
    char *block = size ? malloc((size_t)size) : NULL;
    if (block) memset(block, 'x', (size_t)size);
    fputs("Content-Type: text/plain\n\n", stdout);
    fflush(stdout);
    for (long i = 0; i < n; i++) {
        if (block)
            fwrite(block, 1, (size_t)size, stdout);
        else
            printf("chunk %ld\n", i);
        fflush(stdout);
        if (delay > 0) {
            struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}
