/*
 * version.c -- hive_version(): the version this library was built as.
 */
#include "hive/version.h"

/* Made from the three numbers, so that a release that changes them but
 * not HIVE_VERSION_STRING (which the build reads for file names and
 * hive.pc) is caught: tests/cli/run.sh compares `hive --version` with it. */
#define STR_(x) #x
#define STR(x) STR_(x)

/* Contract in hive/version.h. */
const char *hive_version(void) {
    return STR(HIVE_VERSION_MAJOR) "." STR(HIVE_VERSION_MINOR) "." STR(HIVE_VERSION_PATCH);
}
