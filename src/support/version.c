/*
 * version.c -- hive_version(): the version this library was built as.
 */
#include "hive/version.h"

/* Contract in hive/version.h. */
const char *hive_version(void) {
    return HIVE_VERSION_STRING;
}
