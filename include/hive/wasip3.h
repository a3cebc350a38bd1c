/*
 * hive/wasip3.h -- WASI 0.3 for components of hive/component.h, on the
 * component model's async ABI (hive/casync.h): wasi:cli, wasi:clocks and
 * wasi:random at 0.3.0 (filesystem and sockets in their own files of
 * src/wasip3), with stdio as stream<u8> and future<result<_, error-code>>,
 * and async functions (monotonic-clock.wait-for, ...) that answer later
 * while the instance's other tasks run. docs/WASIP3.md tells more.
 *
 * A hive_wasip3 is one instance's WASI 0.3 world, like hive_wasip2 for
 * 0.2: its arguments, environment, preopens, stdio, sources, the table of
 * host resources its handles stand for, and its reactor: every host
 * operation in flight (an async host call waiting for a deadline or an
 * fd, a stream<u8> the host drains into an fd or feeds from one). Nothing
 * blocks a thread: a waiting task costs memory only.
 *
 * Guests built for wasm32-wasip3 import 0.2.x interfaces (through their
 * standard library) beside the 0.3.0 ones: link the instance against both
 * a hive_wasip2 and a hive_wasip3 made from the SAME hive_wasip2_config
 * (so they share arguments, environment, stdio fds, preopened paths and
 * network rules), and hive_wasip3_set_p2() so that an exit through
 * either is seen.
 *
 * Use (one instance, a command):
 *   hive_wasip3_config c = {0};  c.base = ... as for hive_wasip2 ...
 *   hive_wasip2_new(&c.base, &p2, &err);  hive_wasip3_new(&c, &p3, &err);
 *   hive_wasip3_set_p2(p3, p2);
 *   linker = hive_linker_new(engine);
 *   hive_wasip2_define(p2, linker);  hive_wasip3_define(p3, linker);
 *   hive_cinstance_new(engine, component, linker, &inst, &err);
 *   hive_wasip3_run(p3, inst, run_func, NULL, &result, &stop);
 *   hive_cinstance_free(inst);  hive_wasip3_free(p3);  hive_wasip2_free(p2);
 *
 * Or drive it yourself (many tasks, an event loop of your own):
 *   hive_ctask_start(inst, f, args, n, &task);
 *   for (;;) {
 *       hive_cinstance_run_ready(inst, 0);     tasks that can go on
 *       if (hive_wasip3_poll(p3) > 0) continue; host operations that are ready
 *       if (done) break;
 *       if (!hive_wasip3_pending(p3, &w)) ...  nothing to wait for: stuck
 *       wait for w (poll(2) on w.fds until w.deadline_ns, or a wait set)
 *   }
 *
 * Ownership: the hive_wasip3 must outlive its instance (free it last); it
 * is used by one thread at a time, the instance's. A linker shared by
 * many instances: hive_wasip3_define_shared(linker, lookup, ud) as for
 * hive_wasip2.
 */
#ifndef HIVE_WASIP3_H
#define HIVE_WASIP3_H

#include <stddef.h>
#include <stdint.h>

#include "hive/casync.h"
#include "hive/component.h"
#include "hive/wasi.h"
#include "hive/wasip2.h"

#ifdef __cplusplus
extern "C" {
#endif

HIVE_API_BEGIN /* exported by libhive.so (hive/version.h) */

/* The version the interfaces are defined at (guests importing any 0.3.x
 * are served by the linker's semver matching). */
#define HIVE_WASIP3_VERSION "0.3.0"

/* Zero-initialised: as hive_wasip2_config (flags HIVE_WASIP2_*: path
 * walk, deterministic insecure random, network permissions; limits
 * max_objects and max_list), plus: */
typedef struct hive_wasip3_config {
    hive_wasip2_config base;
    /* host operations in flight at once (async calls waiting, streams
     * pumped); beyond it the call traps. 0: 65536. */
    uint32_t max_waits;
} hive_wasip3_config;

typedef struct hive_wasip3 hive_wasip3;

/* Makes the context: copies the config, opens each preopen (HIVE_EARG
 * with a message when it cannot). HIVE_OK, HIVE_EARG or HIVE_ENOMEM. */
int hive_wasip3_new(const hive_wasip3_config *config, hive_wasip3 **out, hive_error *err);
/* Frees the context: its waits, host resources and fds. It never touches
 * the instance (free that first). NULL ok. */
void hive_wasip3_free(hive_wasip3 *p3);

/* The 0.2 context of the same instance (may be NULL): an exit through
 * wasi:cli/exit@0.2.x counts for hive_wasip3_exit_code, and what its
 * pending call waits for is part of hive_wasip3_pending. A 0.2 call that
 * would block (blocking-read on stdin, a write to a full pipe...) inside an
 * async task waits there while the other tasks run (one such call at a
 * time per instance); hive_wasip3_run ends it with
 * hive_wasip2_complete_pending, as an embedder's own loop must. Borrowed. */
void hive_wasip3_set_p2(hive_wasip3 *p3, hive_wasip2 *p2);

/* Defines every function and resource of wasi:cli, wasi:clocks,
 * wasi:random, wasi:filesystem and wasi:sockets @HIVE_WASIP3_VERSION into
 * linker. HIVE_OK, HIVE_ENOMEM, or HIVE_EARG when something is already
 * defined. */
int hive_wasip3_define(hive_wasip3 *p3, hive_linker *linker);
/* The same for a linker shared by many instances: each call finds its
 * context by lookup(instance, ud) (NULL lookup: hive_cinstance_data). */
int hive_wasip3_define_shared(hive_linker *linker,
                              hive_wasip3 *(*lookup)(hive_cinstance *instance, void *ud), void *ud);

/* Completes, without blocking, every host operation that can make
 * progress now (deadlines passed, fds ready, streams the guest wrote to
 * or read from). Returns the number of operations that moved (> 0: run
 * the instance's ready tasks, hive_cinstance_run_ready, then poll
 * again), 0 when none could. */
int hive_wasip3_poll(hive_wasip3 *p3);

/* What the host operations in flight wait for, as one wait set: the
 * earliest deadline (monotonic ns, UINT64_MAX: none), every fd with its
 * events, streams bit 3 when an embedder stream (no fd) is involved
 * (poll again soon). Returns 1 when there is something to wait for, 0
 * when nothing the host does will move (a task still unresolved then
 * waits on nothing: a deadlock). The arrays stay valid until the next
 * call into the context. */
int hive_wasip3_pending(hive_wasip3 *p3, hive_wasi_wait *out);

/* Host operations in flight (waits and stream pumps). */
size_t hive_wasip3_inflight(const hive_wasip3 *p3);

/* After a call TRAPPED: 1 and *code when the trap was wasi:cli/exit's
 * (0.3.0 here, or 0.2.x of the context given to hive_wasip3_set_p2):
 * exit(ok) 0, exit(err) 1, exit-with-code its code. Else 0. */
int hive_wasip3_exit_code(const hive_wasip3 *p3, int *code);

/* Calls func (wasi:cli/run@0.3.x's run: async func() -> result, or any
 * function without parameters) as a task of instance and drives it, and
 * every host operation it starts, to the end on this thread, blocking in
 * poll(2) whenever all tasks wait. Bytes the guest wrote to its stdout
 * and stderr streams are flushed before it returns (after an exit too). *result (may be
 * NULL) gets the result (the caller clears it). Returns HIVE_DONE,
 * HIVE_TRAPPED (hive_cinstance_trap; hive_wasip3_exit_code), HIVE_FAILED
 * (bad call, or a deadlock: every task waits and nothing is in flight),
 * or HIVE_SUSPENDED when opts->timeout_ns passed (*stop =
 * HIVE_WASI_STOP_TIMEOUT: a guest computing is interrupted and the
 * instance traps; tasks that wait are left waiting: free the instance).
 * opts->fuel is not supported for async tasks: HIVE_FAILED when set. */
hive_status hive_wasip3_run(hive_wasip3 *p3, hive_cinstance *instance, hive_cfunc *func,
                            const hive_wasi_run_opts *opts, hive_cval *result, int *stop);
/* The same with arguments. */
hive_status hive_wasip3_call(hive_wasip3 *p3, hive_cinstance *instance, hive_cfunc *func,
                             const hive_cval *args, size_t nargs, const hive_wasi_run_opts *opts,
                             hive_cval *result, int *stop);

/* The message of the last HIVE_FAILED of hive_wasip3_run/call ("" if
 * none). */
const char *hive_wasip3_failure(const hive_wasip3 *p3);

HIVE_API_END

#ifdef __cplusplus
}
#endif
#endif
