/*
 * metrics.c -- Prometheus text format for hive serve (see metrics.h).
 *
 * Metric names follow the Prometheus conventions: a hive_ prefix, base
 * units (seconds, bytes), _total for counters, cumulative histogram
 * buckets with an le label ending in +Inf.
 */
#include "http/metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing text buffer; the first failed allocation sets oom. */
typedef struct textbuf {
    char *buf;
    size_t len, cap;
    bool oom;
} textbuf;

/* Appends printf-style text, growing the buffer. */
static void tb_printf(textbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tb_printf(textbuf *t, const char *fmt, ...) {
    if (t->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->oom = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n;
        char *nb = realloc(t->buf, cap);
        if (!nb) {
            t->oom = true;
            return;
        }
        t->buf = nb;
        t->cap = cap;
    }
}

/* A histogram from per-bucket (not cumulative) counts. */
static void tb_histogram(textbuf *t, const char *name, const char *help, const double *bounds,
                         size_t nbuckets, const uint64_t *counts, uint64_t count, double sum) {
    tb_printf(t, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (size_t i = 0; i < nbuckets; i++) {
        cum += counts[i];
        if (i + 1 < nbuckets)
            tb_printf(t, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)cum);
        else
            tb_printf(t, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
    }
    tb_printf(t, "%s_sum %.9f\n%s_count %llu\n", name, sum, name, (unsigned long long)count);
}

static void tb_simple(textbuf *t, const char *name, const char *type, const char *help,
                      uint64_t v) {
    tb_printf(t, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
              (unsigned long long)v);
}

/* The HTTP server's metrics. */
static void format_server(textbuf *t, const server_stats *ss) {
    tb_printf(t, "# HELP hive_http_requests_total HTTP requests answered, by status code "
                 "(0: the connection ended before a response).\n"
                 "# TYPE hive_http_requests_total counter\n");
    for (int code = 0; code < 600; code++)
        if (ss->by_status[code])
            tb_printf(t, "hive_http_requests_total{code=\"%d\"} %llu\n", code,
                      (unsigned long long)ss->by_status[code]);
    static const double bounds[] = SERVER_DURATION_BOUNDS;
    tb_histogram(t, "hive_http_request_duration_seconds",
                 "Time from the end of a request head to the end of its response.", bounds,
                 SERVER_DURATION_BUCKETS, ss->duration_hist, ss->duration_count, ss->duration_sum);
    tb_simple(t, "hive_http_requests_in_flight", "gauge", "Requests in the worker pool now.",
              ss->requests_in_flight);
    tb_simple(t, "hive_http_connections_open", "gauge", "Open client connections.",
              ss->connections_open);
    tb_simple(t, "hive_http_connections_total", "counter", "Client connections accepted.",
              ss->connections_accepted);
    tb_simple(t, "hive_http_response_body_bytes_total", "counter", "Response body bytes sent.",
              ss->bytes_out);
    tb_simple(t, "hive_http_connections_refused_per_client_total", "counter",
              "Connections refused (503) because their address had its limit of connections.",
              ss->connections_refused_per_client);
    tb_simple(t, "hive_http_slow_request_bodies_total", "counter",
              "Requests ended because their body came slower than the minimum rate.",
              ss->slow_bodies);
}

/* The worker pool's metrics. */
static void format_handler(textbuf *t, const hive_handler_stats *hs) {
    static const char *const ends[] = {"ok",          "idle_timeout", "expired",  "trap",
                                       "instantiate", "failed",       "shutdown", "cancelled",
                                       "fuel"};
    _Static_assert(sizeof ends / sizeof ends[0] == HIVE_WORKER_END_COUNT, "a name per worker end");
    tb_simple(t, "hive_workers_live", "gauge", "Guest workers alive now.", hs->workers_live);
    tb_simple(t, "hive_workers_started_total", "counter", "Guest workers started.",
              hs->workers_started);
    tb_printf(t, "# HELP hive_workers_ended_total Guest workers ended, by reason.\n"
                 "# TYPE hive_workers_ended_total counter\n");
    for (int i = 0; i < HIVE_WORKER_END_COUNT; i++)
        tb_printf(t, "hive_workers_ended_total{reason=\"%s\"} %llu\n", ends[i],
                  (unsigned long long)hs->workers_ended[i]);
    tb_simple(t, "hive_queue_depth", "gauge", "Requests waiting for a worker now.", hs->queued);
    tb_simple(t, "hive_requests_started_total", "counter", "Requests a worker took.",
              hs->requests_started);
    static const char *const errs[] = {
        "ok",         "instantiate",   "expired",   "trapped",  "no_response", "bad_response",
        "queue_full", "queue_timeout", "cancelled", "shutdown", "failed",      "fuel"};
    _Static_assert(sizeof errs / sizeof errs[0] == HIVE_HANDLE_ERROR_COUNT, "a name per error");
    tb_printf(t, "# HELP hive_requests_failed_total Requests that failed in the pool, by reason.\n"
                 "# TYPE hive_requests_failed_total counter\n");
    for (int i = 1; i < HIVE_HANDLE_ERROR_COUNT; i++)
        tb_printf(t, "hive_requests_failed_total{reason=\"%s\"} %llu\n", errs[i],
                  (unsigned long long)hs->requests_failed[i]);
    tb_simple(t, "hive_guest_memory_committed_bytes", "gauge",
              "Linear memory the guests have now (their current sizes).", hs->memory_committed);
    tb_simple(t, "hive_guest_memory_budget_bytes", "gauge",
              "The server-wide budget for guest linear memory (0: none).", hs->memory_budget);
    static const double bounds[] = HIVE_SETUP_BOUNDS;
    tb_histogram(t, "hive_instance_setup_duration_seconds",
                 "Guest setup per request (instantiation and start).", bounds, HIVE_SETUP_BUCKETS,
                 hs->setup_hist, hs->setup_count, hs->setup_sum);
}

/* Contract in metrics.h. */
char *hv_metrics_format(const server_stats *ss, const hive_handler_stats *hs, size_t *len) {
    textbuf t = {malloc(8192), 0, 8192, false};
    if (!t.buf) return NULL;
    if (ss) format_server(&t, ss);
    if (hs) format_handler(&t, hs);
    if (t.oom) {
        free(t.buf);
        return NULL;
    }
    *len = t.len;
    return t.buf;
}
