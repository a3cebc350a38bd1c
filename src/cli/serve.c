/*
 * serve.c -- `hive serve [options] app.wasm`: an HTTP server whose
 * requests run a WAGI guest in the worker pool (shaped like `wasmtime
 * serve`).
 *
 * This file is the glue: flags, the pool policy that implements the
 * reuse counts and timeouts, the access log, the metrics endpoint and
 * the graceful shutdown on SIGINT/SIGTERM. The HTTP work is in
 * src/http/server.c, the pool in src/handler/pool.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "cli/cli.h"
#include "hive/component.h"
#include "hive/handler.h"
#include "hive/wasi.h"
#include "hive/wasm.h"
#include "http/metrics.h"
#include "http/server.h"
#include "wasihttp/p3http.h"
#include "wasihttp/wasihttp.h"

#define NS_PER_SEC 1000000000ull
/* Per guest: enough for ordinary CGI programs; a small machine survives
 * a few at once, and the total budget bounds the rest. */
#define SERVE_DEFAULT_MAX_MEMORY (256ull << 20)
#define SERVE_MAX_TABLE_ELEMS 1000000u

/* ---- options ------------------------------------------------------------- */

typedef struct serve_opts {
    const char *addr;
    const char *metrics_addr;
    const char *module_path;
    uint64_t reuse;            /* requests per instance */
    uint64_t concurrent_reuse; /* requests per instance at once */
    bool reuse_set, concurrent_set; /* given (else the guest kind's defaults) */
    bool async_guest; /* wasi:http 0.3: its slices cannot be bounded (no inline run) */
    uint64_t idle_ns;          /* idle instance timeout */
    uint64_t request_ns;       /* 0: none */
    uint64_t max_concurrent;
    uint64_t max_queued;
    uint64_t queue_timeout_ns;
    uint64_t max_memory; /* bytes per guest */
    uint64_t max_instances;   /* live guest instances; 0: max_concurrent */
    uint64_t request_fuel;    /* units per request; 0: none */
    uint64_t memory_budget;   /* bytes of all guests' memory; 0: default */
    const char *wagi_refused; /* a flag given that WAGI guests cannot honour */
    uint64_t max_body;   /* bytes; 0: server default */
    uint64_t threads;
    uint64_t loop_slice; /* --loop-slice, with loop_slice_set */
    bool loop_slice_set;
    uint64_t grace_ns;
    uint64_t header_ns, body_ns, keepalive_ns; /* slow-client timeouts; 0: server defaults */
    uint64_t per_client;    /* --max-connections-per-client; 0: no limit */
    uint64_t body_min_rate; /* --body-min-rate, bytes/s; 0: none */
    uint64_t body_window_ns; /* ... measured over this (0: server default) */
    bool json;
    const char **env;
    size_t nenv, env_cap;
    const char **dirs;
    size_t ndirs, dirs_cap;
} serve_opts;

/* The help text. */
static void serve_usage(FILE *out) {
    fprintf(
        out,
        "usage: hive serve [options] app.wasm\n"
        "\n"
        "Serves HTTP/1.1: each request runs the WAGI guest app.wasm (a WASI command\n"
        "that reads the request from its environment and stdin and writes a CGI\n"
        "response on stdout) in a pool of guest instances.\n"
        "\n"
        "options:\n"
        "  --addr HOST:PORT                       listen here (default 127.0.0.1:8080;\n"
        "                                         port 0 picks a free one)\n"
        "  --request-timeout DUR                  a response head must come within DUR,\n"
        "                                         else 504 (default: none)\n"
        "  --request-fuel N                       CPU budget per request, in units of work\n"
        "                                         (as hive run --fuel); spent: 500 (default: none)\n"
        "  --max-concurrent-requests N            requests in the server at once (running or\n"
        "                                         queued); more get 503 (default 1000)\n"
        "  --max-instances N                      guest instances at once; requests beyond\n"
        "                                         wait in the queue (default: as\n"
        "                                         --max-concurrent-requests)\n"
        "  --max-queued N                         requests waiting for an instance; more get\n"
        "                                         503 (default 1024)\n"
        "  --queue-timeout DUR                    longest wait for an instance, then 503\n"
        "  --max-memory-size SIZE                 cap each guest's memory (default 256M)\n"
        "  --max-total-memory SIZE                budget for all guests' memory together; a\n"
        "                                         memory.grow past it fails (default: half\n"
        "                                         the machine's or cgroup's memory)\n"
        "  --max-instance-reuse-count N           wasi:http components: requests one instance\n"
        "                                         serves (default 1; wasi:http 0.3: 128)\n"
        "  --idle-instance-timeout DUR            wasi:http components: idle instances end\n"
        "                                         after DUR (default 1s)\n"
        "  --max-instance-concurrent-reuse-count N  wasi:http 0.3 components: requests one\n"
        "                                         instance serves at once (default 16); 0.2\n"
        "                                         ones only 1 (one request at a time)\n"
        "                                         WAGI guests refuse all three: an instance\n"
        "                                         serves one request\n"
        "  --max-body-size SIZE                   largest request body, else 413 (default 64M)\n"
        "  --header-timeout DUR                   a request head must arrive within DUR of\n"
        "                                         its first byte, else 408 (default 10s)\n"
        "  --body-timeout DUR                     longest pause while a request body\n"
        "                                         arrives, else 408 (default 30s)\n"
        "  --keepalive-timeout DUR                idle keep-alive connections close after\n"
        "                                         DUR (default 5s)\n"
        "  --body-min-rate SIZE[/DUR]             a request body must arrive at SIZE bytes\n"
        "                                         per second or more over every DUR (default\n"
        "                                         10s), else 408 (default 500; 0: no minimum)\n"
        "  --max-connections-per-client N         open connections from one address (IPv6:\n"
        "                                         one /64); more get 503 (default 256; 0: no\n"
        "                                         limit)\n"
        "  --env NAME=VALUE                       guest environment variable; repeatable\n"
        "  --dir HOST[::GUEST]                    give the guest a host directory; repeatable\n"
        "  --allow-outbound HOST[:PORT]           wasi:http components: outgoing requests may go\n"
        "                                         there (*, *.DOMAIN, *:PORT too); repeatable\n"
        "                                         (default: none, every request is denied)\n"
        "  --outbound-ca FILE                     CA bundle for outgoing HTTPS (default: the\n"
        "                                         system's)\n"
        "  --outbound-h2c on|off                  outgoing http:// speaks HTTP/2 (prior\n"
        "                                         knowledge) (default off: HTTP/1.1)\n"
        "  --max-outbound-requests N              outgoing requests alive per instance (16)\n"
        "  --threads N                            guest threads (default: the cores)\n"
        "  --loop-slice N                         units of work of a new request run on the\n"
        "                                         event loop's thread before a guest thread\n"
        "                                         takes it over (default 20000; 0: none)\n"
        "  --metrics-addr HOST:PORT               Prometheus metrics on GET /metrics\n"
        "  --shutdown-grace DUR                   on SIGINT/SIGTERM, time for requests in\n"
        "                                         flight to finish (default 10s)\n"
        "  --log-format text|json                 access and event log on stderr (default text)\n"
        "  -h, --help                             this text\n"
        "\n"
        "DUR: 500ms, 2s, 1.5m, 1h (a bare number is seconds). SIZE: bytes, or 64K, 16M, 1G.\n"
        "\n"
        "exit status: 0 after a clean shutdown, 3 when the shutdown cut requests short\n"
        "(grace period over, or a second signal), 1 when the module cannot be served\n"
        "(it fails to load, link or has no [] -> [] _start), 2 for usage errors.\n"
        "\n"
        "example:\n"
        "  hive serve --addr 127.0.0.1:8080 --request-timeout 5s app.wasm\n");
}

/* Parses a decimal count. Returns 0 or -1. */
static int parse_count(const char *s, uint64_t *out, bool allow_zero) {
    char *end;
    errno = 0;
    if (*s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || (!allow_zero && v == 0)) return -1;
    *out = v;
    return 0;
}

/* Appends s (borrowed) to a growing array. Returns 0 or -1. */
static int push_str(const char ***v, size_t *n, size_t *cap, const char *s) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        const char **nv = realloc(*v, nc * sizeof *nv);
        if (!nv) return -1;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = s;
    return 0;
}

/* Parses argv into o. Returns 0, 1 for --help, 2 (usage error,
 * reported), or 3 (reported in one line, no usage text wanted). */
static int parse_serve_args(int argc, char **argv, serve_opts *o) {
    o->addr = "127.0.0.1:8080";
    o->reuse = 1;
    o->concurrent_reuse = 1;
    o->idle_ns = NS_PER_SEC;
    o->max_concurrent = SERVER_DEFAULT_MAX_CONCURRENT;
    o->grace_ns = 10 * NS_PER_SEC;
    o->per_client = SERVER_DEFAULT_MAX_CONNS_PER_CLIENT;
    o->body_min_rate = SERVER_DEFAULT_BODY_MIN_RATE;
    o->max_memory = SERVE_DEFAULT_MAX_MEMORY;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
        if (a[0] != '-' || !strcmp(a, "-")) {
            if (o->module_path) {
                fprintf(stderr, "hive serve: one module only ('%s' and '%s')\n", o->module_path, a);
                return 2;
            }
            o->module_path = a;
            continue;
        }
        /* --name=value or --name value */
        char name[64];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name) nl = sizeof name - 1;
        memcpy(name, a, nl);
        name[nl] = 0;
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[i + 1];
        if (!val) {
            fprintf(stderr, "hive serve: %s needs a value\n", name);
            return 2;
        }
        int bad = 0;
        if (!strcmp(name, "--addr"))
            o->addr = val;
        else if (!strcmp(name, "--metrics-addr"))
            o->metrics_addr = val;
        else if (!strcmp(name, "--max-instance-reuse-count") ||
                 !strcmp(name, "--max-instance-concurrent-reuse-count") ||
                 !strcmp(name, "--idle-instance-timeout")) {
            /* wasi:http components honour them; WAGI guests refuse them
             * (cli_serve, once it knows which the app is) */
            if (!o->wagi_refused) o->wagi_refused = argv[i];
            bad = name[2] == 'i' ? cli_parse_duration(val, &o->idle_ns)
                  : name[15] == 'r' ? parse_count(val, &o->reuse, false)
                                    : parse_count(val, &o->concurrent_reuse, false);
            if (name[2] != 'i') *(name[15] == 'r' ? &o->reuse_set : &o->concurrent_set) = true;
        }
        else if (!strcmp(name, "--max-instances"))
            bad = parse_count(val, &o->max_instances, false);
        else if (!strcmp(name, "--request-fuel"))
            bad = parse_count(val, &o->request_fuel, false);
        else if (!strcmp(name, "--max-total-memory"))
            bad = cli_parse_size(val, &o->memory_budget) || o->memory_budget < 65536;
        else if (!strcmp(name, "--request-timeout"))
            bad = cli_parse_duration(val, &o->request_ns);
        else if (!strcmp(name, "--max-concurrent-requests"))
            bad = parse_count(val, &o->max_concurrent, false);
        else if (!strcmp(name, "--max-queued"))
            bad = parse_count(val, &o->max_queued, false);
        else if (!strcmp(name, "--queue-timeout"))
            bad = cli_parse_duration(val, &o->queue_timeout_ns);
        else if (!strcmp(name, "--max-memory-size"))
            bad = cli_parse_size(val, &o->max_memory);
        else if (!strcmp(name, "--max-body-size"))
            bad = cli_parse_size(val, &o->max_body);
        else if (!strcmp(name, "--header-timeout"))
            bad = cli_parse_duration(val, &o->header_ns) || o->header_ns < 1000000;
        else if (!strcmp(name, "--body-timeout"))
            bad = cli_parse_duration(val, &o->body_ns) || o->body_ns < 1000000;
        else if (!strcmp(name, "--keepalive-timeout"))
            bad = cli_parse_duration(val, &o->keepalive_ns) || o->keepalive_ns < 1000000;
        else if (!strcmp(name, "--max-connections-per-client"))
            bad = parse_count(val, &o->per_client, true);
        else if (!strcmp(name, "--body-min-rate")) {
            char rate[64];
            const char *slash = strchr(val, '/');
            size_t rl = slash ? (size_t)(slash - val) : strlen(val);
            bad = rl >= sizeof rate;
            if (!bad) {
                memcpy(rate, val, rl);
                rate[rl] = 0;
                bad = cli_parse_size(rate, &o->body_min_rate) ||
                      (slash && (cli_parse_duration(slash + 1, &o->body_window_ns) ||
                                 o->body_window_ns < 1000000));
            }
        } else if (!strcmp(name, "--threads"))
            bad = parse_count(val, &o->threads, false);
        else if (!strcmp(name, "--loop-slice"))
            bad = parse_count(val, &o->loop_slice, true), o->loop_slice_set = true;
        else if (!strcmp(name, "--shutdown-grace"))
            bad = cli_parse_duration(val, &o->grace_ns);
        else if (!strcmp(name, "--log-format")) {
            if (!strcmp(val, "json"))
                o->json = true;
            else if (!strcmp(val, "text"))
                o->json = false;
            else
                bad = -1;
        } else if (!strcmp(name, "--env")) {
            if (!strchr(val, '=') || val[0] == '=')
                bad = -1;
            else if (push_str(&o->env, &o->nenv, &o->env_cap, val))
                bad = -1;
        } else if (!strcmp(name, "--dir")) {
            if (!val[0] || push_str(&o->dirs, &o->ndirs, &o->dirs_cap, val)) bad = -1;
        } else if ((bad = cli_outbound_opt(name, val)) != 0) { /* outbound.c */
            bad = bad < 0;
        } else {
            fprintf(stderr, "hive serve: unknown option %s\n", name);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "hive serve: bad value for %s: '%s'\n", name, val);
            return 2;
        }
        if (!eq) i++;
    }
    if (!o->module_path) {
        fprintf(stderr, "hive serve: no module given\n");
        return 2;
    }
    if (o->max_memory && o->max_memory < 65536) {
        fprintf(stderr, "hive serve: --max-memory-size must be at least 64K (one page)\n");
        return 2;
    }
    return 0;
}

/* ---- the application ---------------------------------------------------- */

typedef struct serve_app {
    serve_opts o;
    uv_loop_t loop;
    server *srv;
    server *metrics;
    hive_handler *handler;
    uv_signal_t sigint, sigterm;
    uv_timer_t grace;
    bool signals_open, grace_open;
    bool stopping, finished;
    uint64_t grace_deadline; /* monotonic ns */
    atomic_uint_fast64_t bad_worker_ends;
    size_t cut; /* requests cut by the end of the grace period (exit 3) */
} serve_app;

/* CLOCK_MONOTONIC in nanoseconds, the handler's clock. */
static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* "2024-05-01T12:00:00.123Z" (the date and time part cached per second
 * and thread). */
static void utc_stamp(char *buf, size_t cap) {
    static _Thread_local time_t last_sec = -1;
    static _Thread_local char last[32];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != last_sec) {
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        strftime(last, sizeof last, "%Y-%m-%dT%H:%M:%S", &tm);
        last_sec = tv.tv_sec;
    }
    unsigned ms = (unsigned)(tv.tv_usec / 1000);
    char tail[6] = {'.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10),
                    'Z', 0};
    snprintf(buf, cap, "%s%s", last, tail);
}

/* The access log's lines wait here and go to stderr together, once per
 * turn of the event loop (before it waits: server_config.on_flush), when
 * the buffer fills, and before any other log line (so the order on
 * stderr is kept): one write for many requests. */
#define ACCESS_BUF 65536
static struct {
    pthread_mutex_t lock;
    size_t len;
    char buf[ACCESS_BUF];
} access_log = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void access_flush_locked(void) {
    if (access_log.len) {
        fwrite(access_log.buf, 1, access_log.len, stderr);
        fflush(stderr);
        access_log.len = 0;
    }
}

static void access_flush(void) {
    pthread_mutex_lock(&access_log.lock);
    access_flush_locked();
    pthread_mutex_unlock(&access_log.lock);
}

static void access_append(const char *line, size_t n) {
    pthread_mutex_lock(&access_log.lock);
    if (access_log.len + n > ACCESS_BUF) access_flush_locked();
    if (n > ACCESS_BUF) {
        fwrite(line, 1, n, stderr);
        fflush(stderr);
    } else {
        memcpy(access_log.buf + access_log.len, line, n);
        access_log.len += n;
    }
    pthread_mutex_unlock(&access_log.lock);
}

/* server_config.on_flush: the loop is about to wait. */
static void on_flush(void *ud) {
    (void)ud;
    access_flush();
}

/* Appends s as a JSON string body (no quotes) to buf[*len..cap). */
static void json_escape(char *buf, size_t cap, size_t *len, const char *s) {
    for (; *s && *len + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[(*len)++] = '\\';
            buf[(*len)++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            *len += (size_t)snprintf(buf + *len, cap - *len, "\\u%04x", c);
        } else {
            buf[(*len)++] = (char)c;
        }
    }
    buf[*len] = 0;
}

/* One event line on stderr: "TIME LEVEL msg" or a JSON object. Any thread. */
static void log_event(const serve_app *app, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void log_event(const serve_app *app, const char *level, const char *fmt, ...) {
    char msg[600], ts[40], line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utc_stamp(ts, sizeof ts);
    if (app->o.json) {
        size_t n = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"",
                                    ts, level);
        json_escape(line, sizeof line - 4, &n, msg);
        snprintf(line + n, sizeof line - n, "\"}\n");
    } else {
        snprintf(line, sizeof line, "%s %s %s\n", ts, level, msg);
    }
    pthread_mutex_lock(&access_log.lock);
    access_flush_locked();
    fputs(line, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&access_log.lock);
}

/* Copies s into buf[cap] for a text log line: '"' and '\\' and bytes
 * outside printable ASCII become \xHH, so a request cannot forge or
 * split log lines. Returns buf. */
static const char *log_text(char *buf, size_t cap, const char *s) {
    size_t n = 0;
    for (; *s && n + 5 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f)
            n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", c);
        else
            buf[n++] = (char)c;
    }
    buf[n] = 0;
    return buf;
}

/* Appends s to buf[*n..cap) (truncated, kept NUL-terminated). */
static void lput(char *buf, size_t cap, size_t *n, const char *s) {
    size_t l = strlen(s);
    if (*n + l >= cap) l = cap - 1 - *n;
    memcpy(buf + *n, s, l);
    *n += l;
    buf[*n] = 0;
}

static void lput_u64(char *buf, size_t cap, size_t *n, uint64_t v) {
    char d[24];
    size_t i = sizeof d;
    d[--i] = 0;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    lput(buf, cap, n, d + i);
}

/* The access log (loop thread). */
static void on_access(void *ud, const server_access *a) {
    const serve_app *app = ud;
    char ts[40], line[1600];
    utc_stamp(ts, sizeof ts);
    /* milliseconds with three decimals, rounded, without floating point */
    uint64_t us = (a->duration_ns + 500) / 1000;
    uint64_t ms = us / 1000;
    unsigned ms_frac = (unsigned)(us % 1000);
    if (app->o.json) {
        size_t n = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"remote\":\"", ts);
        json_escape(line, sizeof line - 200, &n, a->remote_addr);
        n += (size_t)snprintf(line + n, sizeof line - n, ":%u\",\"method\":\"",
                              (unsigned)a->remote_port);
        json_escape(line, sizeof line - 200, &n, a->method);
        n += (size_t)snprintf(line + n, sizeof line - n, "\",\"target\":\"");
        json_escape(line, sizeof line - 200, &n, a->target);
        n += (size_t)snprintf(line + n, sizeof line - n,
                              "\",\"proto\":\"HTTP/1.%d\",\"status\":%d,\"bytes\":%" PRIu64
                              ",\"duration_ms\":%" PRIu64 ".%03u,\"worker\":%" PRIu64,
                              a->minor_version, a->status, a->bytes, ms, ms_frac, a->worker_id);
        if (a->error) {
            n += (size_t)snprintf(line + n, sizeof line - n, ",\"error\":\"");
            json_escape(line, sizeof line - 8, &n, a->error);
            n += (size_t)snprintf(line + n, sizeof line - n, "\"");
        }
        snprintf(line + n, sizeof line - n, "}\n");
    } else {
        /* written by hand: this runs once per request */
        char method[140], target[1040], error[700];
        size_t n = 0;
        lput(line, sizeof line, &n, ts);
        lput(line, sizeof line, &n, " ");
        lput(line, sizeof line, &n, a->remote_addr);
        lput(line, sizeof line, &n, ":");
        lput_u64(line, sizeof line, &n, a->remote_port);
        lput(line, sizeof line, &n, " \"");
        lput(line, sizeof line, &n, log_text(method, sizeof method, a->method));
        lput(line, sizeof line, &n, " ");
        lput(line, sizeof line, &n, log_text(target, sizeof target, a->target));
        lput(line, sizeof line, &n, " HTTP/1.");
        lput_u64(line, sizeof line, &n, (uint64_t)(a->minor_version & 0xff));
        lput(line, sizeof line, &n, "\" ");
        if (a->status < 0) lput(line, sizeof line, &n, "-");
        lput_u64(line, sizeof line, &n, (uint64_t)(a->status < 0 ? -(int64_t)a->status : a->status));
        lput(line, sizeof line, &n, " ");
        lput_u64(line, sizeof line, &n, a->bytes);
        lput(line, sizeof line, &n, " ");
        lput_u64(line, sizeof line, &n, ms);
        char frac[8] = {'.', (char)('0' + ms_frac / 100), (char)('0' + ms_frac / 10 % 10),
                        (char)('0' + ms_frac % 10), 'm', 's', 0};
        lput(line, sizeof line, &n, frac);
        lput(line, sizeof line, &n, " worker=");
        lput_u64(line, sizeof line, &n, a->worker_id);
        if (a->error) {
            lput(line, sizeof line, &n, " error=\"");
            lput(line, sizeof line, &n, log_text(error, sizeof error, a->error));
            lput(line, sizeof line, &n, "\"");
        }
        lput(line, sizeof line, &n, "\n");
    }
    access_append(line, strnlen(line, sizeof line));
}

/* ---- the pool policy (handler threads) ------------------------------------ */

static hive_accept policy_accept(void *user, void *store, size_t concurrent, size_t total) {
    (void)store;
    const serve_app *app = user;
    if (total >= app->o.reuse) return HIVE_ACCEPT_NEVER;
    if (concurrent >= app->o.concurrent_reuse) return HIVE_ACCEPT_NO;
    return HIVE_ACCEPT_YES;
}

static uint64_t policy_request_start(void *user, void *store, void *request_data,
                                     uint64_t task_id) {
    (void)store, (void)request_data, (void)task_id;
    const serve_app *app = user;
    return app->o.request_ns ? mono_ns() + app->o.request_ns : 0;
}

/* The worker-level expiry of a worker with requests in flight comes this
 * long after their own deadline, so that the precise per-request expiry
 * (504 "request deadline passed") is what normally fires. */
#define WORKER_EXPIRY_SLACK_NS (250 * 1000000ull)

/* IDLE: the idle timeout. REQUESTS: the request timeout again (plus a
 * little slack), a second line of defence behind each request's own
 * deadline. POST_RETURN: the guest's tasks get the request timeout after
 * the last response. 0 (never) where the timeout is off. */
static uint64_t policy_expiration(void *user, void *store, hive_worker_status status,
                                  uint64_t start) {
    (void)store;
    const serve_app *app = user;
    if (status == HIVE_WORKER_IDLE) return app->o.idle_ns ? start + app->o.idle_ns : 0;
    if (!app->o.request_ns) return 0;
    if (status == HIVE_WORKER_REQUESTS) return start + app->o.request_ns + WORKER_EXPIRY_SLACK_NS;
    return start + app->o.request_ns;
}

/* A worker ended: log the ones that did not end cleanly. */
static void policy_drop(void *user, void *store, const hive_worker_result *res) {
    (void)store;
    serve_app *app = user;
    if (res->ok) return;
    const char *why = hive_worker_end_name(res->end);
    atomic_fetch_add(&app->bad_worker_ends, 1);
    log_event(app, "warn", "worker %" PRIu64 " ended (%s) after %zu request(s): %s", res->worker_id,
              why, res->total_requests, res->message[0] ? res->message : "-");
}

/* ---- metrics -------------------------------------------------------------- */

static void metrics_respond(void *ud, const char *method, const char *path,
                            server_local_response *out) {
    serve_app *app = ud;
    if (!strcmp(path, "/healthz") || !strcmp(path, "/readyz")) {
        /* live while the process serves; ready until a signal starts the
         * drain (load balancers then stop sending before connections close) */
        bool ready = path[1] == 'h' || !app->stopping;
        out->status = ready ? 200 : 503;
        out->content_type = "text/plain; charset=utf-8";
        out->body = strdup(ready ? "ok\n" : "draining\n");
        out->body_len = out->body ? strlen(out->body) : 0;
        return;
    }
    if (strcmp(path, "/metrics") != 0) return; /* 404 */
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        out->status = 405;
        out->content_type = "text/plain; charset=utf-8";
        out->body = strdup("405 Method Not Allowed\n");
        out->body_len = out->body ? strlen(out->body) : 0;
        return;
    }
    server_stats ss;
    hive_handler_stats hs;
    hv_server_stats_get(app->srv, &ss);
    hive_handler_stats_get(app->handler, &hs);
    size_t len = 0;
    char *text = hv_metrics_format(&ss, &hs, &len);
    if (!text) {
        out->status = 500;
        return;
    }
    out->status = 200;
    out->content_type = METRICS_CONTENT_TYPE;
    out->body = text;
    out->body_len = len;
}

/* ---- shutdown --------------------------------------------------------------- */

static void close_quietly(uv_handle_t *h) {
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

/* Ends the serving: closes the servers (cancelling what is still in
 * flight) and every handle, so that uv_run returns. */
static void app_finish(serve_app *app) {
    if (app->finished) return;
    app->finished = true;
    hv_server_free(app->srv);
    app->srv = NULL;
    hv_server_free(app->metrics);
    app->metrics = NULL;
    if (app->signals_open) {
        close_quietly((uv_handle_t *)&app->sigint);
        close_quietly((uv_handle_t *)&app->sigterm);
    }
    if (app->grace_open) close_quietly((uv_handle_t *)&app->grace);
}

/* The last connection closed after SIGINT/SIGTERM: finish. */
static void on_drained(void *ud) {
    serve_app *app = ud;
    log_event(app, "info", "drained: every connection closed");
    app_finish(app);
}

/* The grace period ran out with connections still open: cut them. */
static void on_grace(uv_timer_t *t) {
    serve_app *app = t->data;
    app->cut = hv_server_active_requests(app->srv);
    log_event(app, "warn", "shutdown grace period over: %zu request(s) cut, %zu connection(s) closed",
              app->cut, hv_server_connection_count(app->srv));
    app_finish(app);
}

/* SIGINT/SIGTERM: stop accepting and let requests in flight finish
 * within the grace period; a second signal stops at once. */
static void on_signal(uv_signal_t *h, int signum) {
    serve_app *app = h->data;
    if (app->stopping) {
        app->cut = hv_server_active_requests(app->srv);
        log_event(app, "warn", "second signal: stopping now, %zu request(s) cut", app->cut);
        app_finish(app);
        return;
    }
    app->stopping = true;
    app->grace_deadline = mono_ns() + app->o.grace_ns;
    server_stats ss;
    hv_server_stats_get(app->srv, &ss);
    log_event(app, "info", "%s: shutting down, %" PRIu64 " request(s) in flight, grace %.3fs",
              signum == SIGINT ? "SIGINT" : "SIGTERM", ss.requests_in_flight,
              (double)app->o.grace_ns / 1e9);
    uv_timer_start(&app->grace, on_grace, app->o.grace_ns / 1000000, 0);
    hv_server_stop_accepting(app->srv, on_drained, app);
}

/* ---- setup -------------------------------------------------------------------- */

/* Whether the module exports a function named _start (a WASI command). */
static bool has_start(const hive_module *m) {
    size_t n = hive_module_export_count(m);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t nl;
        hive_externtype t;
        if (hive_module_export(m, i, &name, &nl, &t) == HIVE_OK && nl == 6 &&
            !memcmp(name, "_start", 6) && t.kind == HIVE_EXTERN_FUNC)
            return true;
    }
    return false;
}

/* Links the module against the host once, as each request will (WASI
 * imports, memories, tables, segments), and checks _start's type, so
 * that a module that cannot run is refused at start with the message
 * `hive run` gives, rather than failing every request with 500. Nothing
 * runs. Returns 0, or prints why and returns -1. */
static int link_check(hive_engine *engine, hive_module *module, const char *path) {
    hive_error err;
    memset(&err, 0, sizeof err);
    hive_wasi_config wc;
    memset(&wc, 0, sizeof wc); /* stdio: none */
    hive_wasi *wasi = NULL;
    hive_instance *inst = NULL;
    size_t nimports = hive_module_import_count(module);
    hive_extern *imports = calloc(nimports + 1, sizeof *imports);
    int rc = -1;
    if (!imports) {
        fprintf(stderr, "hive serve: out of memory\n");
    } else if (hive_wasi_new(engine, &wc, &wasi, &err) != HIVE_OK ||
               hive_wasi_imports(wasi, module, imports, nimports, NULL, &err) != HIVE_OK ||
               hive_instance_new(engine, module, imports, nimports, &inst, &err) != HIVE_OK) {
        fprintf(stderr, "hive serve: %s: %s\n", path,
                err.message[0] ? err.message : hive_strerror(err.code));
    } else {
        hive_extern ex;
        char why[300];
        const hive_functype *t = NULL;
        if (hive_instance_export(inst, "_start", 6, &ex) == HIVE_OK && ex.kind == HIVE_EXTERN_FUNC)
            t = hive_func_type(ex.of.func);
        if (t && !cli_entry_type_ok("_start", t->nparams, t->params, t->nresults, t->results, why,
                                    sizeof why))
            fprintf(stderr, "hive serve: %s: %s\n", path, why);
        else
            rc = 0;
    }
    hive_instance_free(inst);
    hive_wasi_free(wasi);
    free(imports);
    return rc;
}

/* Makes a server listening on addr. Returns 0 or prints why and returns -1. */
static int start_server(serve_app *app, const char *addr, hive_handler *handler,
                        const server_config *cfg, server **out, const char *what) {
    struct sockaddr_storage sa;
    if (hv_server_parse_addr(addr, &sa) != 0) {
        fprintf(stderr, "hive serve: bad address '%s' (HOST:PORT)\n", addr);
        return -1;
    }
    int r = hv_server_new(&app->loop, handler, cfg, out);
    if (r == 0) r = hv_server_listen(*out, (struct sockaddr *)&sa);
    if (r != 0) {
        fprintf(stderr, "hive serve: cannot listen on %s: %s\n", addr, uv_strerror(r));
        return -1;
    }
    /* The first line on stderr: a URL with the port actually bound (test
     * runners and scripts read it, as they read wasmtime's). */
    char bound[96];
    hv_server_address(*out, bound, sizeof bound);
    log_event(app, "info", "%s on http://%s/%s", what, bound, handler ? "" : "metrics");
    return 0;
}

/* A wasi:http 0.2 guest from a component. Flags that mean nothing for it
 * are refused: an instance serves one request at a time, and --env/--dir
 * need a component that imports WASI 0.2 beyond wasi:http. Returns 0, or 1 (cannot be served) or 2
 * (a flag that does not apply) after a message. */
static int serve_component(hive_engine *engine, const uint8_t *bytes, size_t len,
                           serve_opts *o, hive_guest **guest) {
    hive_component *c3 = NULL;
    hive_error err3;
    memset(&err3, 0, sizeof err3);
    if (hive_component_new(engine, bytes, len, &c3, &err3) == HIVE_OK &&
        hv_guest_wasihttp3_detect(c3)) {
        /* wasi:http/service@0.3: many requests per instance at once
         * (defaults as wasmtime's for 0.3: reuse 128, concurrency 16) */
        if (!o->reuse_set) o->reuse = 128;
        if (!o->concurrent_set) o->concurrent_reuse = 16;
        o->async_guest = true;
        int rc = hv_guest_wasihttp3_new(engine, c3, o->env, o->nenv, o->dirs, o->ndirs, guest,
                                          &err3);
        hive_component_release(c3);
        if (rc != HIVE_OK) {
            fprintf(stderr, "hive serve: %s: %s\n", o->module_path, err3.message);
            return rc == HIVE_EARG ? 2 : 1;
        }
        return 0;
    }
    if (o->concurrent_reuse != 1) {
        hive_component_release(c3);
        fprintf(stderr, "hive serve: --max-instance-concurrent-reuse-count does not apply to "
                        "wasi:http 0.2 components (an instance serves one request at a time); "
                        "remove it\n");
        return 2;
    }
    if (!c3) {
        fprintf(stderr, "hive serve: %s: %s at byte %zu: %s\n", o->module_path,
                hive_strerror(err3.code), err3.offset, err3.message);
        return 1;
    }
    hive_error err;
    memset(&err, 0, sizeof err);
    hive_component *c = c3;
    int rc = hv_guest_wasihttp_new(engine, c, o->env, o->nenv, o->dirs, o->ndirs, guest, &err);
    hive_component_release(c);
    if (rc != HIVE_OK) {
        fprintf(stderr, "hive serve: %s: %s\n", o->module_path, err.message);
        return rc == HIVE_EARG ? 2 : 1;
    }
    return 0;
}

/* The default budget for all guests' linear memory: half of what the
 * machine has, or of the cgroup's limit when that is lower (a container). */
static uint64_t default_memory_budget(void) {
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t mem = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 1ull << 30;
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (f) {
        unsigned long long lim;
        if (fscanf(f, "%llu", &lim) == 1 && lim > 0 && lim < mem) mem = lim;
        fclose(f);
    }
    return mem / 2;
}

/* The request's CPU budget (--request-fuel). */
static uint64_t policy_request_fuel(void *user, void *store, void *request_data,
                                    uint64_t task_id) {
    (void)store, (void)request_data, (void)task_id;
    const serve_app *app = user;
    return app->o.request_fuel;
}

/* Contract in cli.h. */
int cli_serve(int argc, char **argv) {
    serve_app *app = calloc(1, sizeof *app);
    if (!app) return 1;
    int rc = parse_serve_args(argc, argv, &app->o);
    if (rc) {
        if (rc == 1) serve_usage(stdout); /* else one line said what is wrong */
        free(app->o.env);
        free(app->o.dirs);
        free(app);
        return rc == 1 ? 0 : 2; /* 3 too */
    }
    serve_opts *o = &app->o;
    rc = 1;
    hive_engine *engine = NULL;
    hive_module *module = NULL;
    hive_guest *guest = NULL;
    bool loop_open = false;
    hive_error err;
    memset(&err, 0, sizeof err);

    size_t len = 0;
    uint8_t *bytes = cli_read_file(o->module_path, &len);
    if (!bytes) {
        fprintf(stderr, "hive serve: cannot read %s: %s\n", o->module_path, strerror(errno));
        goto out;
    }
    hive_config ecfg;
    memset(&ecfg, 0, sizeof ecfg);
    if (o->max_memory) {
        uint64_t pages = o->max_memory / 65536;
        ecfg.max_memory_pages = pages > 65536 ? 65536 : (uint32_t)pages;
    }
    ecfg.memory_budget = o->memory_budget ? o->memory_budget : default_memory_budget();
    /* a table.grow is one step: at this size it stays within milliseconds */
    ecfg.max_table_elems = SERVE_MAX_TABLE_ELEMS;
    engine = hive_engine_new(&ecfg);
    if (!engine) {
        fprintf(stderr, "hive serve: out of memory\n");
        goto out;
    }
    if ((rc = cli_outbound_apply("hive serve")) != 0) goto out;
    rc = 1;
    if (hive_is_component(bytes, len) == 1) { /* a wasi:http/proxy component */
        if ((rc = serve_component(engine, bytes, len, o, &guest)) != 0) goto out;
        rc = 1;
    } else if (hive_module_new(engine, bytes, len, &module, &err) != HIVE_OK) {
        fprintf(stderr, "hive serve: %s: %s at byte %zu: %s\n", o->module_path,
                hive_strerror(err.code), err.offset, err.message);
        goto out;
    }
    if (module && !o->wagi_refused && cli_outbound_given())
        o->wagi_refused = cli_outbound_given(); /* WAGI guests make no outgoing requests */
    if (module && o->wagi_refused) {
        char flag[64];
        snprintf(flag, sizeof flag, "%.*s", (int)strcspn(o->wagi_refused, "="), o->wagi_refused);
        fprintf(stderr,
                "hive serve: %s does not apply to WAGI guests (%s); remove it\n", flag,
                o->wagi_refused == cli_outbound_given()
                    ? "they make no outgoing requests"
                    : "each instance serves one request, then exits");
        rc = 2; /* a usage error, reported in one line */
        goto out;
    }
    if (module && !has_start(module)) {
        fprintf(stderr,
                "hive serve: %s exports no _start function: not a WAGI (WASI command) module\n",
                o->module_path);
        goto out;
    }
    if (module && link_check(engine, module, o->module_path) != 0) goto out;
    if (module && hive_guest_wagi_new(engine, module, o->env, o->nenv, o->dirs, o->ndirs, &guest, &err) !=
        HIVE_OK) {
        fprintf(stderr, "hive serve: %s\n", err.message);
        goto out;
    }

    hive_policy policy = {
        .user = app,
        .should_accept_request = policy_accept,
        .on_request_start = policy_request_start,
        .worker_expiration = policy_expiration,
        .drop = policy_drop,
        .request_fuel = policy_request_fuel,
    };
    hive_handler_config hcfg = {
        .threads = (unsigned)o->threads,
        /* a wasi:http 0.3 task runs until it waits: never on the event
         * loop's thread unless asked (it may compute for long) */
        .inline_budget = o->loop_slice_set ? o->loop_slice : o->async_guest ? 0 : 20000,
        .max_concurrent = (size_t)o->concurrent_reuse,
        .max_total = (size_t)o->reuse,
        .max_queued = (size_t)o->max_queued,
        .queue_timeout_ns = o->queue_timeout_ns,
        .max_workers = (size_t)(o->max_instances ? o->max_instances : o->max_concurrent),
    };
    if (hive_handler_new(guest, &policy, &hcfg, &app->handler, &err) != HIVE_OK) {
        fprintf(stderr, "hive serve: %s\n", err.message);
        goto out;
    }

    if (uv_loop_init(&app->loop) != 0) {
        fprintf(stderr, "hive serve: cannot make an event loop\n");
        goto out;
    }
    loop_open = true;
    signal(SIGPIPE, SIG_IGN); /* a client that goes away is an EPIPE, not a death */
    uv_signal_init(&app->loop, &app->sigint);
    uv_signal_init(&app->loop, &app->sigterm);
    app->sigint.data = app->sigterm.data = app;
    app->signals_open = true;
    uv_signal_start(&app->sigint, on_signal, SIGINT);
    uv_signal_start(&app->sigterm, on_signal, SIGTERM);
    uv_timer_init(&app->loop, &app->grace);
    app->grace.data = app;
    app->grace_open = true;

    server_config scfg = {
        .max_body_bytes = o->max_body,
        .max_concurrent = (size_t)o->max_concurrent,
        .head_timeout_ms = o->header_ns / 1000000,
        .body_timeout_ms = o->body_ns / 1000000,
        .idle_timeout_ms = o->keepalive_ns / 1000000,
        .max_conns_per_client = o->per_client ? o->per_client : SERVER_UNLIMITED,
        .body_min_rate = o->body_min_rate ? o->body_min_rate : SERVER_UNLIMITED,
        .body_rate_window_ms = o->body_window_ns / 1000000,
        .on_access = on_access,
        .on_flush = on_flush,
        .ud = app,
    };
    if (start_server(app, o->addr, app->handler, &scfg, &app->srv, "listening") != 0) {
        app_finish(app);
        uv_run(&app->loop, UV_RUN_DEFAULT);
        goto out;
    }
    if (o->metrics_addr) {
        server_config mcfg = {
            .max_concurrent = 64,
            .max_connections = 64,
            .respond = metrics_respond,
            .ud = app,
        };
        if (start_server(app, o->metrics_addr, NULL, &mcfg, &app->metrics, "metrics") != 0) {
            app_finish(app);
            uv_run(&app->loop, UV_RUN_DEFAULT);
            goto out;
        }
    }
    log_event(app, "info",
              "serving %s: request timeout %s, request fuel %s, max %" PRIu64
              " requests in flight, %" PRIu64 " instances, %zu queued",
              o->module_path, o->request_ns ? "on" : "off", o->request_fuel ? "on" : "off",
              o->max_concurrent, o->max_instances ? o->max_instances : o->max_concurrent,
              hcfg.max_queued ? hcfg.max_queued : (size_t)1024);
    log_event(app, "info", "client limits: %" PRIu64 " connections per address%s, request bodies at "
              "%" PRIu64 " bytes/s or more%s", o->per_client, o->per_client ? "" : " (no limit)",
              o->body_min_rate, o->body_min_rate ? "" : " (no minimum)");
    log_event(app, "info",
              "guest memory: %" PRIu64 " MiB per guest, %" PRIu64
              " MiB for all guests together (--max-total-memory)",
              (uint64_t)(o->max_memory < (4ull << 30) ? o->max_memory : 4ull << 30) >> 20,
              ecfg.memory_budget >> 20);

    uv_run(&app->loop, UV_RUN_DEFAULT);
    rc = app->cut ? 3 : 0; /* 3: the shutdown cut requests short */

out:
    if (app->handler) {
        uint64_t now = mono_ns(), grace = 0;
        if (app->stopping && app->grace_deadline > now) grace = app->grace_deadline - now;
        hive_handler_free(app->handler, grace);
        if (app->stopping) log_event(app, "info", "stopped");
    }
    if (loop_open) {
        uv_run(&app->loop, UV_RUN_DEFAULT);
        uv_loop_close(&app->loop);
    }
    access_flush();
    hive_guest_free(guest);
    cli_outbound_done();
    hive_module_release(module);
    hive_engine_free(engine);
    free(bytes);
    free(o->env);
    free(o->dirs);
    free(app);
    return rc;
}
