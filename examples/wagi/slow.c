/*
 * slow.c -- a WAGI app that sleeps ?ms=N milliseconds (default 1000)
 * before it answers; the guest waits in poll_oneoff, holding no thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void) {
    const char *q = getenv("QUERY_STRING");
    long ms = 1000;
    if (q && !strncmp(q, "ms=", 3)) ms = strtol(q + 3, NULL, 10);
    if (ms > 0) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    printf("Content-Type: text/plain\n\nslept %ld ms\n", ms);
    return 0;
}
