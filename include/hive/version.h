/*
 * hive/version.h -- the library's version, and how its headers mark the
 * API a shared libhive exports.
 *
 * HIVE_VERSION_* are the version of the headers an embedder compiled
 * against; hive_version() is that of the library it runs with (the two
 * differ when a program built against one release runs with another
 * libhive.so). Until 1.0 a minor release may change the API; the
 * soname (libhive.so.0.MINOR) changes with it.
 *
 * libhive.so is built with -fvisibility=hidden: only what the public
 * headers declare between HIVE_API_BEGIN and HIVE_API_END (or mark
 * HIVE_API) is exported. Everything else stays inside the library, so
 * its internal names cannot clash with an embedder's.
 */
#ifndef HIVE_VERSION_H
#define HIVE_VERSION_H

#define HIVE_VERSION_MAJOR 0
#define HIVE_VERSION_MINOR 7
#define HIVE_VERSION_PATCH 0
#define HIVE_VERSION_STRING "0.7.0"
/* One number that grows with each release: 0.7.0 is 700. */
#define HIVE_VERSION_NUMBER \
    (HIVE_VERSION_MAJOR * 100000 + HIVE_VERSION_MINOR * 100 + HIVE_VERSION_PATCH)

#if defined(__GNUC__) || defined(__clang__)
#define HIVE_API __attribute__((visibility("default")))
#define HIVE_API_BEGIN _Pragma("GCC visibility push(default)")
#define HIVE_API_END _Pragma("GCC visibility pop")
#else
#define HIVE_API
#define HIVE_API_BEGIN
#define HIVE_API_END
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH" (a static string). */
HIVE_API const char *hive_version(void);

#ifdef __cplusplus
}
#endif
#endif
