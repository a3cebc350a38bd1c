/*
 * hive/wasi.h -- WASI preview 1 (`wasi_snapshot_preview1`) for guests of
 * the engine in hive/wasm.h.
 *
 * A hive_wasi is the guest's whole world: its arguments, environment,
 * preopened directories and standard streams, and its table of file
 * descriptors. The guest sees nothing else: no host variable, file or
 * directory that the config does not grant.
 *
 * Use:
 *   hive_wasi_config c = {0};  ... fill args, env, preopens, stdio ...
 *   hive_wasi_new(engine, &c, &wasi, &err);
 *   hive_wasi_imports(wasi, module, imports, n, resolved, &err);
 *   ... fill any import left unresolved, hive_instance_new(...) ...
 *   hive_wasi_run(wasi, exec, start_func, NULL, 0, NULL, NULL);
 *
 * Calls that would wait (poll_oneoff sleeping, a read of a pipe with no
 * data yet, a write to a full pipe, a stream callback that says "again")
 * never block the thread: the host function returns HIVE_HOST_PENDING,
 * the exec stops with HIVE_PENDING, and hive_wasi_pending() says what the
 * guest waits for (a deadline, host fds to poll, embedder streams). When
 * that has happened, hive_wasi_complete_pending() performs the call and
 * completes it in the exec, which then continues with hive_exec_resume().
 * hive_wasi_run() is the simple driver that blocks the thread instead.
 *
 * Ownership: the wasi owns its host functions (they live until
 * hive_wasi_free, so the wasi must outlive every instance that imported
 * them), the host fds it opened, and copies of all config strings. Host
 * fds passed in the config for stdio are borrowed, never closed.
 * One wasi belongs to one guest instance and is used by one thread at a
 * time, like the instance.
 */
#ifndef HIVE_WASI_H
#define HIVE_WASI_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "hive/wasm.h"

HIVE_API_BEGIN /* exported by libhive.so (hive/version.h) */
#ifdef __cplusplus
extern "C" {
#endif

/* WASI errno values that embedders' stream callbacks use (negated). */
#define HIVE_WASI_EAGAIN 6
#define HIVE_WASI_EBADF 8
#define HIVE_WASI_EIO 29
#define HIVE_WASI_EPIPE 64
#define HIVE_WASI_ENOTCAPABLE 76

/* A byte stream supplied by the embedder, e.g. a request body as stdin or
 * a response as stdout. Callbacks return the number of bytes moved (> 0;
 * for read, 0 means end of stream), -HIVE_WASI_EAGAIN when nothing can be
 * moved now (the guest's call then goes PENDING until the embedder calls
 * hive_wasi_complete_pending), or another negated WASI errno. Either
 * callback may be NULL: reads then see end of stream, writes fail EBADF.
 * readable (may be NULL: always ready) tells poll_oneoff whether a read
 * would move bytes now: > 0 yes, 0 not yet, < 0 at end of stream. */
typedef struct hive_wasi_stream {
    int64_t (*read)(void *ud, uint8_t *buf, size_t len);
    int64_t (*write)(void *ud, const uint8_t *buf, size_t len);
    int (*readable)(void *ud);
    void *ud;
} hive_wasi_stream;

typedef enum hive_wasi_stdio_kind {
    HIVE_WASI_STDIO_NONE = 0, /* reads see end of file, writes are discarded */
    HIVE_WASI_STDIO_FD,       /* a host fd (borrowed) */
    HIVE_WASI_STDIO_STREAM    /* embedder callbacks */
} hive_wasi_stdio_kind;

typedef struct hive_wasi_stdio {
    hive_wasi_stdio_kind kind;
    int fd;                  /* HIVE_WASI_STDIO_FD */
    hive_wasi_stream stream; /* HIVE_WASI_STDIO_STREAM */
} hive_wasi_stdio;

/* A host directory the guest sees, under the name guest_path (e.g. "." or
 * "/data"), as a preopened fd (3, 4, ... in order). */
typedef struct hive_wasi_preopen {
    const char *host_path;
    const char *guest_path;
} hive_wasi_preopen;

/* Flags for hive_wasi_config.flags. */
enum {
    /* Resolve guest paths by the component walk even where the kernel has
     * openat2(RESOLVE_BENEATH); for tests of the fallback. */
    HIVE_WASI_FORCE_PATH_WALK = 1u << 0
};

/* Zero-initialised: no arguments, no environment, no preopens, no stdio.
 * All strings and arrays are copied by hive_wasi_new. */
typedef struct hive_wasi_config {
    const char *const *argv; /* argv[0] is the program name, by convention */
    size_t argc;
    const char *const *env;  /* "NAME=value" strings */
    size_t envc;
    const hive_wasi_preopen *preopens;
    size_t npreopens;
    hive_wasi_stdio stdio[3]; /* fds 0, 1, 2 */
    uint32_t flags;
} hive_wasi_config;

typedef struct hive_wasi hive_wasi;

/* Makes a WASI context. Opens every preopen (failing with HIVE_EARG and a
 * message naming it when one cannot be opened as a directory). Returns
 * HIVE_OK and sets *out, or an error code with err filled. */
int hive_wasi_new(hive_engine *engine, const hive_wasi_config *config, hive_wasi **out,
                  hive_error *err);
/* Closes every fd the wasi opened and frees its host functions; NULL ok. */
void hive_wasi_free(hive_wasi *wasi);
/* Puts the wasi back in the state hive_wasi_new(config) makes, for a new
 * instance: every fd it has is closed and the stdio and preopens of
 * config are set up again (fds 0, 1, 2, 3...), a pending call is
 * dropped, the arguments and environment are config's. Its host
 * functions are kept, so imports resolved from it (hive_wasi_imports)
 * stay valid. Returns HIVE_OK, or an error code with err filled (a
 * preopen that cannot be opened, out of memory): then only
 * hive_wasi_free may follow. */
int hive_wasi_reset(hive_wasi *wasi, const hive_wasi_config *config, hive_error *err);
/* Replaces the arguments and environment (copied), e.g. to instantiate a
 * guest ahead of the request that gives them. Returns HIVE_OK, HIVE_EARG
 * (a NULL string) or HIVE_ENOMEM; on error nothing changed. */
int hive_wasi_set_args(hive_wasi *wasi, const char *const *argv, size_t argc,
                       const char *const *env, size_t envc);

/* Resolves module's imports from `wasi_snapshot_preview1` into imports[i]
 * (n must be hive_module_import_count(module)). Imports from other modules
 * are left untouched: with resolved non-NULL, resolved[i] says which
 * entries were filled (1) and which the embedder must fill (0); with
 * resolved NULL, any such import is an error. Returns HIVE_OK, or
 * HIVE_EUNLINKABLE with err naming the first import that cannot be
 * satisfied (unknown WASI function, wrong type, or another module). */
int hive_wasi_imports(hive_wasi *wasi, const hive_module *module, hive_extern *imports, size_t n,
                      uint8_t *resolved, hive_error *err);

/* What a pending guest waits for: until the monotonic clock reaches
 * deadline_ns (UINT64_MAX: no deadline), or one of fds (host fds, with
 * poll(2) events) is ready, or (streams bit i) embedder stream i has
 * bytes or room. Arrays belong to the wasi and stay valid until the next
 * call into it. */
typedef struct hive_wasi_wait {
    uint64_t deadline_ns;
    const struct pollfd *fds;
    size_t nfds;
    unsigned streams;
} hive_wasi_wait;

/* Returns 1 and fills *out when a call is pending, 0 otherwise. */
int hive_wasi_pending(const hive_wasi *wasi, hive_wasi_wait *out);

#define HIVE_WASI_STILL_WAITING 1

/* Tries the pending call again without blocking. Returns HIVE_OK when it
 * completed (its results are in exec, which is now SUSPENDED: resume it),
 * HIVE_WASI_STILL_WAITING when what it waits for has not happened yet
 * (hive_wasi_pending says what, which may have changed), HIVE_ESTATE when
 * nothing is pending. exec is the exec that returned HIVE_PENDING. */
int hive_wasi_complete_pending(hive_wasi *wasi, hive_exec *exec);
/* Forgets a pending call (after hive_exec_reset on its exec). */
void hive_wasi_cancel_pending(hive_wasi *wasi);

/* Limits for hive_wasi_run. Zero-initialised: no limits. */
typedef struct hive_wasi_run_opts {
    uint64_t fuel;       /* units of work in all (hive_exec_call's budget) */
    uint64_t timeout_ns; /* wall-clock time for the whole call */
    uint64_t slice;      /* budget per slice; 0: 1,000,000 */
} hive_wasi_run_opts;

enum { HIVE_WASI_STOP_NONE = 0, HIVE_WASI_STOP_FUEL = 1, HIVE_WASI_STOP_TIMEOUT = 2 };

/* Calls func in exec and drives it to the end on this thread, blocking
 * (poll/nanosleep) whenever the guest waits. Returns HIVE_DONE (read
 * hive_exec_results), HIVE_TRAPPED (read hive_exec_trap; proc_exit is a
 * trap of kind HIVE_TRAP_EXIT), HIVE_FAILED (bad call), or
 * HIVE_SUSPENDED when a limit stopped it (*stop, if non-NULL, says which;
 * the exec is reset). opts may be NULL. */
hive_status hive_wasi_run(hive_wasi *wasi, hive_exec *exec, hive_func *func, const hive_val *args,
                          size_t nargs, const hive_wasi_run_opts *opts, int *stop);

/* The WASI errno for a host errno value (the table in errno.c); unknown
 * values map to EIO (29). */
uint16_t hive_wasi_errno_from_host(int host_errno);
/* The name of a WASI errno, e.g. "ENOTCAPABLE"; "?" when unknown. */
const char *hive_wasi_errno_name(uint16_t wasi_errno);

#ifdef __cplusplus
}
#endif
HIVE_API_END
#endif
