/*
 * echo.c -- a WAGI app that shows the request back: method, path, query,
 * the HTTP_* header variables, then the body read from stdin. With the
 * query "raw" it sends the body alone (for comparing large uploads); with
 * "env", its whole environment, one variable a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *env_or(const char *name, const char *dflt) {
    const char *v = getenv(name);
    return v ? v : dflt;
}

int main(void) {
    static char buf[65536];
    int raw = strcmp(env_or("QUERY_STRING", ""), "raw") == 0;
    fputs("Content-Type: text/plain\n\n", stdout);
    if (strcmp(env_or("QUERY_STRING", ""), "env") == 0) {
        for (char **e = environ; *e; e++) printf("%s\n", *e);
        return 0;
    }
    if (!raw) {
        printf("method: %s\n", env_or("REQUEST_METHOD", "?"));
        printf("path: %s\n", env_or("PATH_INFO", "?"));
        printf("query: %s\n", env_or("QUERY_STRING", ""));
        printf("content-length: %s\n", env_or("CONTENT_LENGTH", "-"));
        for (char **e = environ; *e; e++)
            if (!strncmp(*e, "HTTP_", 5)) printf("header: %s\n", *e);
        fputs("body:\n", stdout);
    }
    size_t n;
    unsigned long long total = 0;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        fwrite(buf, 1, n, stdout);
        total += n;
    }
    if (!raw) printf("\nbody-bytes: %llu\n", total);
    return 0;
}
