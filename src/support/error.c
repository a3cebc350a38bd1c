/* error.c -- error codes' names and hive_error formatting. */
#include "support/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *hive_strerror(int code) {
    switch (code) {
    case HIVE_OK: return "success";
    case HIVE_ENOMEM: return "out of memory";
    case HIVE_EMALFORMED: return "malformed module";
    case HIVE_EINVALID: return "invalid module";
    case HIVE_EUNLINKABLE: return "unlinkable module";
    case HIVE_ETRAP: return "trap";
    case HIVE_ELIMIT: return "limit exceeded";
    case HIVE_EARG: return "invalid argument";
    case HIVE_ESTATE: return "invalid state";
    }
    return "unknown error";
}

int hv_error_set(hive_error *err, int code, size_t offset, const char *fmt, ...) {
    if (err) {
        err->code = code;
        err->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}
