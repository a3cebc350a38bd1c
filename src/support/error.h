/*
 * error.h -- filling a hive_error. Every layer reports failures as a
 * negative code plus a message (and, for decoders, a byte offset).
 */
#ifndef HIVE_SUPPORT_ERROR_H
#define HIVE_SUPPORT_ERROR_H

#include <stddef.h>

#include "hive/wasm.h"

/* Sets err (if non-NULL) and returns code. */
int hv_error_set(hive_error *err, int code, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
