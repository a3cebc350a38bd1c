/*
 * length.c -- a WAGI app that declares a Content-Length: ?cl=N declares
 * N bytes and ?len=M writes M bytes (both default 11, "hello world"
 * repeated), so tests can check length-delimited responses and guests
 * that break their own framing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    long cl = query_num(q, "cl", 11), len = query_num(q, "len", 11);
    printf("Content-Type: text/plain\nContent-Length: %ld\n\n", cl);
    static const char text[] = "hello world";
    for (long i = 0; i < len; i++)
        putchar(text[i % 11]);
    return 0;
}
