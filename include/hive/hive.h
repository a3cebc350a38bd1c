/*
 * hive/hive.h -- everything an embedder of libhive uses, in one include:
 *
 *   hive/version.h   HIVE_VERSION_*, hive_version()
 *   hive/wasm.h      the WebAssembly engine: engines, modules, instances,
 *                    calls that can suspend and resume
 *   hive/wasi.h      WASI preview 1 for an instance
 *   hive/handler.h   the worker pool that runs requests on guests
 *
 * Build with `pkg-config --cflags --libs hive` (README.md, "Embedding").
 */
#ifndef HIVE_HIVE_H
#define HIVE_HIVE_H

#include "hive/casync.h"
#include "hive/component.h"
#include "hive/cvalue.h"
#include "hive/handler.h"
#include "hive/version.h"
#include "hive/wasi.h"
#include "hive/wasip2.h"
#include "hive/wasm.h"

#endif
