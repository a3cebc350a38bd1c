/*
 * hive/wasip2.h -- WASI 0.2 (preview 2) for components of hive/component.h:
 * the host side of wasi:io (error, poll, streams), wasi:clocks
 * (monotonic-clock, wall-clock), wasi:random (random, insecure,
 * insecure-seed), wasi:cli (environment, exit, stdin, stdout, stderr,
 * terminal-*) and wasi:filesystem (types, preopens), defined into a
 * hive_linker at version 0.2.12 (a guest importing any 0.2.x is served by
 * the linker's semver matching).
 *
 * A hive_wasip2 is one guest's world, like hive_wasi for preview 1: its
 * arguments, environment, preopened directories, standard streams and the
 * table of host objects (streams, descriptors, pollables, errors) its
 * handles stand for. The filesystem follows the same sandbox as preview 1
 * (src/wasi/path.c does the resolving): only the preopened directories are
 * reachable, never by "..", an absolute path or a symlink out.
 *
 * Use:
 *   hive_wasip2_config c = {0};  ... args, env, preopens, stdio ...
 *   hive_wasip2_new(&c, &p2, &err);
 *   linker = hive_linker_new(engine);
 *   hive_wasip2_define(p2, linker);
 *   hive_cinstance_new(engine, component, linker, &inst, &err);
 *   hive_wasip2_run(p2, inst, run_func, NULL, &stop);   (or drive it yourself)
 *
 * Nothing blocks the thread: a call that would wait (input-stream
 * blocking-read on a pipe with no data, blocking-write to a full pipe,
 * pollable.block, poll) makes its host function return PENDING, so
 * hive_cinstance_call/resume return HIVE_PENDING; hive_wasip2_pending()
 * says what the guest waits for (one wait set for the whole poll list:
 * the earliest deadline, host fds, embedder streams), and
 * hive_wasip2_complete_pending() finishes the call once that happened.
 *
 * Ownership. A hive_wasip2 is one instance's: its objects are the handles
 * of that instance. Either
 *   - one linker per context: hive_wasip2_define(p2, linker) -- the
 *     linker's functions use p2, so it serves one instance at a time; or
 *   - one linker for many instances: hive_wasip2_define_shared(linker,
 *     lookup, ud) -- each call (and each destructor) finds the calling
 *     instance's context: lookup(instance, ud), or when lookup is NULL
 *     hive_cinstance_data(instance) is the hive_wasip2. The linker may
 *     then be used from many threads at once (one per instance); a call
 *     from an instance without a context traps.
 * The hive_wasip2 must outlive its instance (free it last). A context is
 * used by one thread at a time.
 */
#ifndef HIVE_WASIP2_H
#define HIVE_WASIP2_H

#include <stddef.h>
#include <stdint.h>

#include "hive/component.h"
#include "hive/wasi.h" /* hive_wasi_stdio, hive_wasi_preopen, hive_wasi_wait */

#ifdef __cplusplus
extern "C" {
#endif

HIVE_API_BEGIN /* exported by libhive.so (hive/version.h) */

/* The version the interfaces are defined at. */
#define HIVE_WASIP2_VERSION "0.2.12"

/* Flags for hive_wasip2_config.flags. */
enum {
    /* Resolve guest paths by the component walk, not openat2 (tests). */
    HIVE_WASIP2_FORCE_PATH_WALK = 1u << 0,
    /* wasi:random/insecure and insecure-seed from a fixed-seed generator
     * (reproducible runs); wasi:random/random stays the host's CSPRNG. */
    HIVE_WASIP2_DETERMINISTIC_INSECURE = 1u << 1,
    /* wasi:sockets may bind, connect, listen and send (to the addresses
     * of net_allow when it has any); without it those fail access-denied
     * (a socket can still be created and configured: it reaches nothing,
     * as in wasmtime). */
    HIVE_WASIP2_INHERIT_NETWORK = 1u << 2,
    /* wasi:sockets/ip-name-lookup may resolve names (else access-denied) */
    HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP = 1u << 3
};

/* An address range sockets may bind, connect or send to: family 4 or 6,
 * the first prefix bits of addr (network byte order; 4 bytes for IPv4),
 * and port (0: any). */
typedef struct hive_wasip2_net_rule {
    uint8_t family;
    uint8_t prefix;
    uint16_t port;
    uint8_t addr[16];
} hive_wasip2_net_rule;

/* Parses "ADDR[/PREFIX]" or "ADDR[/PREFIX]:PORT" ("127.0.0.1:8080",
 * "10.0.0.0/8", "[::1]:443", "::/0") into *out: HIVE_OK, or HIVE_EARG when it is not
 * one. */
int hive_wasip2_parse_net_rule(const char *text, hive_wasip2_net_rule *out);

/* Clock and random sources; any NULL member falls back to the host's
 * (CLOCK_MONOTONIC, CLOCK_REALTIME, getrandom). */
typedef struct hive_wasip2_sources {
    uint64_t (*monotonic_ns)(void *ud);
    uint64_t (*wall_ns)(void *ud); /* since the Unix epoch */
    /* Fills buf with len random bytes; returns 0, or -1 on failure (the
     * guest's call then traps). */
    int (*random)(void *ud, uint8_t *buf, size_t len);
    void *ud;
} hive_wasip2_sources;

/* Zero-initialised: no arguments, environment, preopens or stdio, host
 * clocks and randomness, default limits. Everything is copied by
 * hive_wasip2_new; host fds in stdio are borrowed, never closed. */
typedef struct hive_wasip2_config {
    const char *const *argv;
    size_t argc;
    const char *const *env; /* "NAME=value" */
    size_t envc;
    const hive_wasi_preopen *preopens;
    size_t npreopens;
    const char *initial_cwd; /* wasi:cli/environment.initial-cwd; NULL: none */
    hive_wasi_stdio stdio[3];
    hive_wasip2_sources sources;
    uint32_t flags;
    /* Limits (0: the default). max_objects: live host objects (handles
     * the guest holds: streams, descriptors, pollables...), default
     * 65536; beyond it the call traps. max_list: bytes one call may ask
     * for (get-random-bytes, read), default 1 MiB; larger requests are
     * served short (reads) or trap (get-random-bytes, as the spec lets). */
    uint32_t max_objects;
    uint32_t max_list;
    /* With HIVE_WASIP2_INHERIT_NETWORK: when nnet_allow > 0, sockets may
     * only bind, connect and send to addresses these rules allow. */
    const hive_wasip2_net_rule *net_allow;
    size_t nnet_allow;
} hive_wasip2_config;

typedef struct hive_wasip2 hive_wasip2;

/* Makes the context: copies the config and opens each preopen (HIVE_EARG
 * with a message naming it when it is not a directory that can be
 * opened). */
int hive_wasip2_new(const hive_wasip2_config *config, hive_wasip2 **out, hive_error *err);
/* Closes every host fd the context opened and frees it; NULL ok. */
void hive_wasip2_free(hive_wasip2 *p2);

/* Defines every function and resource of the interfaces above into
 * linker (version HIVE_WASIP2_VERSION). HIVE_OK, or HIVE_ENOMEM, or
 * HIVE_EARG when something is already defined. */
int hive_wasip2_define(hive_wasip2 *p2, hive_linker *linker);
/* The same definitions for a linker shared by many instances, each with
 * its own context: lookup(instance, ud) gives it (NULL lookup:
 * hive_cinstance_data(instance)). lookup runs on the calling instance's
 * thread and must return the same context for an instance every time. */
int hive_wasip2_define_shared(hive_linker *linker,
                              hive_wasip2 *(*lookup)(hive_cinstance *instance, void *ud), void *ud);

/* 1 and *out filled when a host call of this context is pending (the
 * arrays stay valid until the next call into the context), else 0. */
int hive_wasip2_pending(const hive_wasip2 *p2, hive_wasi_wait *out);
/* Tries the pending call again without blocking: HIVE_OK when it
 * completed (hive_cinstance_complete was called on instance: resume it),
 * HIVE_WASI_STILL_WAITING when not yet, HIVE_ESTATE when nothing is
 * pending, or what hive_cinstance_complete returned. */
int hive_wasip2_complete_pending(hive_wasip2 *p2, hive_cinstance *instance);
/* Forgets a pending call (after hive_cinstance_reset). */
void hive_wasip2_cancel_pending(hive_wasip2 *p2);

/* After a call TRAPPED: 1 and *code when the trap was wasi:cli/exit's
 * (exit(ok) is 0, exit(err) is 1, exit-with-code its code), else 0. */
int hive_wasip2_exit_code(const hive_wasip2 *p2, int *code);

/* A stream object backed by the embedder's callbacks, like a
 * HIVE_WASI_STDIO_STREAM stdio stream (read: bytes, 0 at the end,
 * -HIVE_WASI_EAGAIN when none yet; readable; write: bytes taken or
 * -HIVE_WASI_EAGAIN when full): an input-stream (output 0) or an
 * output-stream, for other host interfaces that hand streams to the guest
 * (wasi:http bodies). *s is copied; its ud must outlive the object. *rep
 * is the rep for the handle (own<input-stream>/own<output-stream>).
 * HIVE_OK or HIVE_ENOMEM (also when the object table is full). A wait on
 * it shows as bit 3 of hive_wasi_wait.streams. */
int hive_wasip2_stream_new(hive_wasip2 *p2, int output, const hive_wasi_stream *s, uint32_t *rep);

/* The stream at rep (made by hive_wasip2_stream_new) waits on fd
 * (POLLIN) instead of bit 3 of hive_wasi_wait.streams, so that a blocking
 * driver sleeps in poll(2) until the embedder signals fd. fd -1: back to
 * the bit. HIVE_OK or HIVE_EARG. */
int hive_wasip2_stream_wait_fd(hive_wasip2 *p2, uint32_t rep, int fd);

/* A pollable backed by the embedder: ready while s->readable(s->ud) != 0
 * (s's other members are unused; *s is copied, its ud must outlive the
 * object); while not ready it waits on wait_fd (POLLIN), or when that is
 * -1 shows as bit 3 of hive_wasi_wait.streams. *rep is the rep for
 * own<pollable>. HIVE_OK, HIVE_EARG or HIVE_ENOMEM. */
int hive_wasip2_pollable_new(hive_wasip2 *p2, const hive_wasi_stream *s, int wait_fd, uint32_t *rep);

/* Number of live host objects (handles the guest holds); for tests. */
size_t hive_wasip2_live_objects(const hive_wasip2 *p2);

/* Calls func (no arguments; wasi:cli/run's run: a result) in instance and
 * drives it to the end on this thread, blocking in poll(2) whenever the
 * guest waits. *result (may be NULL) gets the function's result, if any
 * (the caller clears it). Returns HIVE_DONE, HIVE_TRAPPED (see
 * hive_cinstance_trap and hive_wasip2_exit_code), HIVE_FAILED, or
 * HIVE_SUSPENDED when a limit of opts stopped it (*stop says which, as
 * for hive_wasi_run; the instance is reset). opts may be NULL. */
hive_status hive_wasip2_run(hive_wasip2 *p2, hive_cinstance *instance, hive_cfunc *func,
                            const hive_wasi_run_opts *opts, hive_cval *result, int *stop);
/* The same for any function: args as for hive_cinstance_call (HIVE_FAILED
 * when they do not match its parameters). */
hive_status hive_wasip2_call(hive_wasip2 *p2, hive_cinstance *instance, hive_cfunc *func,
                             const hive_cval *args, size_t nargs, const hive_wasi_run_opts *opts,
                             hive_cval *result, int *stop);

HIVE_API_END

#ifdef __cplusplus
}
#endif
#endif
