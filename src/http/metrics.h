/*
 * metrics.h -- the Prometheus text exposition of hive serve's counters:
 * the HTTP server's (server_stats) and the worker pool's
 * (hive_handler_stats).
 */
#ifndef HIVE_HTTP_METRICS_H
#define HIVE_HTTP_METRICS_H

#include <stddef.h>

#include "hive/handler.h"
#include "http/server.h"

/* The content type of hv_metrics_format's output. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Formats the counters in the Prometheus text format (version 0.0.4).
 * Either pointer may be NULL to leave its metrics out. Returns a malloc'd
 * buffer (the caller frees it) with its length in *len, or NULL when out
 * of memory. */
char *hv_metrics_format(const server_stats *ss, const hive_handler_stats *hs, size_t *len);

#endif
