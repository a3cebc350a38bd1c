/*
 * client.c -- a scripted raw-socket HTTP client for the end-to-end tests
 * (tests/e2e/run.sh): the cases curl will not produce, such as malformed
 * framing, pipelined requests in one write, waiting for 100 Continue, or
 * hanging up mid-request.
 *
 *   e2e_client PORT STEP...
 *
 * Steps run in order on one connection to 127.0.0.1:PORT:
 *   send:TEXT      write TEXT (escapes: \r \n \t \\ \xHH) in one write
 *   repeat:N:TEXT  write TEXT N times in one buffer (large bodies)
 *   sendfile:PATH  write the bytes of a file (e.g. random garbage)
 *   expect:TEXT    wait until TEXT arrives after the previous match
 *   absent:TEXT    fail if TEXT arrived after the previous match so far
 *   eof            wait until the server closes the connection
 *   sleep:MS       pause, still reading what arrives
 *   pause:MS       pause without reading (a client that does not read)
 *   timeout:MS     limit for later waits (default 5000)
 *   close          hang up now (the rest of the steps are skipped)
 * Everything received is written to stdout at the end. Exit status: 0
 * when every step passed, 1 when one failed (said on stderr), 2 for
 * usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct session {
    int fd;
    char *buf; /* everything received */
    size_t len, cap;
    size_t mark; /* end of the last expect match */
    bool eof;
    int timeout_ms;
} session;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Decodes the escapes of TEXT into a new buffer; *n is its length. */
static char *unescape(const char *s, size_t *n) {
    char *out = malloc(strlen(s) + 1);
    if (!out) return NULL;
    size_t k = 0;
    for (; *s; s++) {
        if (*s != '\\' || !s[1]) {
            out[k++] = *s;
            continue;
        }
        s++;
        switch (*s) {
        case 'r': out[k++] = '\r'; break;
        case 'n': out[k++] = '\n'; break;
        case 't': out[k++] = '\t'; break;
        case '\\': out[k++] = '\\'; break;
        case 'x': {
            unsigned v = 0;
            int d = 0;
            while (d < 2 && s[1] && strchr("0123456789abcdefABCDEF", s[1])) {
                char c = *++s;
                v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
                d++;
            }
            out[k++] = (char)v;
            break;
        }
        default:
            out[k++] = '\\';
            out[k++] = *s;
            break;
        }
    }
    *n = k;
    return out;
}

/* Reads what is available within wait_ms (0: just poll). Returns -1 on
 * an error other than a reset, which counts as EOF. */
static int pump(session *s, int wait_ms) {
    if (s->eof) return 0;
    struct pollfd p = {s->fd, POLLIN, 0};
    int r = poll(&p, 1, wait_ms);
    if (r <= 0) return r < 0 && errno != EINTR ? -1 : 0;
    if (s->cap - s->len < 65536) {
        size_t cap = s->cap * 2 + 65536;
        char *nb = realloc(s->buf, cap);
        if (!nb) return -1;
        s->buf = nb;
        s->cap = cap;
    }
    ssize_t n = read(s->fd, s->buf + s->len, s->cap - s->len);
    if (n > 0)
        s->len += (size_t)n;
    else if (n == 0 || errno == ECONNRESET)
        s->eof = true;
    else if (errno != EINTR && errno != EAGAIN)
        return -1;
    return 0;
}

static const char *find(const session *s, const char *pat, size_t plen) {
    if (plen == 0) return s->buf + s->mark;
    if (s->len - s->mark < plen) return NULL;
    return memmem(s->buf + s->mark, s->len - s->mark, pat, plen);
}

static int send_all(session *s, const char *data, size_t n) {
    while (n > 0) {
        ssize_t w = send(s->fd, data, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                (void)pump(s, 10);
                continue;
            }
            return -1;
        }
        data += w;
        n -= (size_t)w;
        (void)pump(s, 0); /* keep reading, so a server that answers early cannot deadlock us */
    }
    return 0;
}

/* Runs one step; returns 0, 1 (failed), or 2 (stop: the client hung up). */
static int run_step(session *s, const char *step) {
    if (!strncmp(step, "send:", 5)) {
        size_t n;
        char *d = unescape(step + 5, &n);
        int r = d ? send_all(s, d, n) : -1;
        free(d);
        if (r) fprintf(stderr, "e2e_client: send failed: %s\n", strerror(errno));
        return r ? 1 : 0;
    }
    if (!strncmp(step, "repeat:", 7)) {
        char *end;
        long count = strtol(step + 7, &end, 10);
        if (*end != ':' || count < 0) return 1;
        size_t n;
        char *d = unescape(end + 1, &n);
        if (!d) return 1;
        char *big = malloc(n * (size_t)count + 1);
        if (!big) return 1;
        for (long i = 0; i < count; i++)
            memcpy(big + (size_t)i * n, d, n);
        int r = send_all(s, big, n * (size_t)count);
        free(big);
        free(d);
        if (r) fprintf(stderr, "e2e_client: send failed: %s\n", strerror(errno));
        return r ? 1 : 0;
    }
    if (!strncmp(step, "sendfile:", 9)) {
        FILE *f = fopen(step + 9, "rb");
        if (!f) {
            fprintf(stderr, "e2e_client: cannot open %s\n", step + 9);
            return 1;
        }
        char chunk[16384];
        size_t n;
        int r = 0;
        while (r == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            r = send_all(s, chunk, n);
        fclose(f);
        return r && errno != EPIPE && errno != ECONNRESET ? 1 : 0; /* the server may hang up */
    }
    if (!strncmp(step, "expect:", 7) || !strncmp(step, "absent:", 7)) {
        bool expect = step[0] == 'e';
        size_t n;
        char *pat = unescape(step + 7, &n);
        if (!pat) return 1;
        long long until = now_ms() + (expect ? s->timeout_ms : 0);
        const char *at;
        for (;;) {
            at = find(s, pat, n);
            if (at || s->eof || now_ms() >= until) break;
            if (pump(s, 20) < 0) break;
        }
        if (!expect) {
            (void)pump(s, 0);
            at = find(s, pat, n);
        }
        free(pat);
        if (expect && !at) {
            fprintf(stderr, "e2e_client: expected '%s' did not arrive%s\n", step + 7,
                    s->eof ? " (connection closed)" : "");
            return 1;
        }
        if (!expect && at) {
            fprintf(stderr, "e2e_client: '%s' arrived but should not have\n", step + 7);
            return 1;
        }
        if (at) s->mark = (size_t)(at - s->buf) + n;
        return 0;
    }
    if (!strcmp(step, "eof")) {
        long long until = now_ms() + s->timeout_ms;
        while (!s->eof && now_ms() < until)
            if (pump(s, 20) < 0) break;
        if (!s->eof) fprintf(stderr, "e2e_client: the connection stayed open\n");
        return s->eof ? 0 : 1;
    }
    if (!strncmp(step, "sleep:", 6)) {
        long long until = now_ms() + atoi(step + 6);
        while (now_ms() < until)
            (void)pump(s, (int)(until - now_ms()));
        return 0;
    }
    if (!strncmp(step, "pause:", 6)) {
        struct timespec ts = {atoi(step + 6) / 1000, (atoi(step + 6) % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        return 0;
    }
    if (!strncmp(step, "timeout:", 8)) {
        s->timeout_ms = atoi(step + 8);
        return 0;
    }
    if (!strcmp(step, "close")) {
        close(s->fd);
        s->fd = -1;
        return 2;
    }
    fprintf(stderr, "e2e_client: unknown step '%s'\n", step);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: e2e_client PORT STEP...\n");
        return 2;
    }
    session s = {.fd = -1, .timeout_ms = 5000};
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s.fd < 0 || connect(s.fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr, "e2e_client: cannot connect to port %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    int one = 1;
    setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = 0;
    for (int i = 2; i < argc; i++) {
        int r = run_step(&s, argv[i]);
        if (r == 2) break;
        if (r) {
            fprintf(stderr, "e2e_client: step %d (%.60s) failed\n", i - 1, argv[i]);
            rc = 1;
            break;
        }
    }
    if (s.fd >= 0) {
        (void)pump(&s, 0);
        close(s.fd);
    }
    if (s.len) fwrite(s.buf, 1, s.len, stdout);
    free(s.buf);
    return rc;
}
