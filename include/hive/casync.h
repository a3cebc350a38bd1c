/*
 * hive/casync.h -- the component model's async ABI from the host's side
 * (docs/COMPONENTS-ASYNC.md): calling exports as tasks that may block and
 * driving them, and streams and futures the host feeds or drains.
 *
 * hive_cinstance_call() runs an async export to its end (it drives the
 * instance's event loop until the task returns: a task that waits on
 * something only the host could provide is a deadlock trap). The calls
 * below instead let one instance run many tasks at once, none of them
 * holding a thread while it waits:
 *
 *   hive_ctask *t;
 *   hive_ctask_start(ci, f, args, n, &t);     runs until it returns or blocks
 *   ... the host writes a stream, a timer fires ...
 *   hive_cinstance_run_ready(ci, 0);          runs every task that can go on
 *   if (hive_ctask_resolved(t)) hive_ctask_take_result(t, &v);
 *   hive_ctask_free(t);
 *
 * Tasks of one instance interleave only where the spec allows (a task
 * blocks in waitable-set.wait, a callback returns YIELD or WAIT, a sync
 * call waits for its callee, a sync copy waits for the other end). All of
 * this runs on the calling thread; one thread at a time per instance, as
 * for the rest of hive/component.h. A trap poisons the instance
 * (hive_cinstance_trap() says why), every task of it with it.
 */
#ifndef HIVE_CASYNC_H
#define HIVE_CASYNC_H

#include "hive/component.h"

HIVE_API_BEGIN /* exported by libhive.so (hive/version.h) */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tasks ------------------------------------------------------------------ */

typedef struct hive_ctask hive_ctask;

/* Calls func (an export lifted sync or async) as a new task and runs it
 * until it returns or blocks. HIVE_DONE: *out is the task (resolved or
 * not; free it with hive_ctask_free). HIVE_TRAPPED: the instance trapped.
 * HIVE_FAILED: wrong arguments, or the instance is inside a sync call. */
hive_status hive_ctask_start(hive_cinstance *instance, hive_cfunc *func, const hive_cval *args,
                             size_t nargs, hive_ctask **out);

/* Runs the instance's tasks that can go on, in FIFO order, at most
 * max_steps resumptions (0: until none can). HIVE_DONE: none can go on
 * now (they wait on the host, or there are none); HIVE_SUSPENDED:
 * max_steps used and more could go on; HIVE_TRAPPED. */
hive_status hive_cinstance_run_ready(hive_cinstance *instance, uint32_t max_steps);

/* Tasks started and not yet finished (resolved or not). */
uint32_t hive_cinstance_tasks(const hive_cinstance *instance);

/* 1 once the task has returned its value (task.return, or the return of
 * a sync-lifted function); it may still run afterwards. */
int hive_ctask_resolved(const hive_ctask *task);

/* Moves the result into *out (hive_cval_clear it). HIVE_OK, or
 * HIVE_ESTATE when the task has not resolved or has no result (or it was
 * taken). */
int hive_ctask_take_result(hive_ctask *task, hive_cval *out);

/* Asks the task to cancel (Task.request_cancellation): a task waiting
 * cancellably (a callback's WAIT or YIELD, a cancellable wait) runs now
 * with TASK_CANCELLED and may end with task.cancel; otherwise the request
 * waits for its next cancellable wait. A task not yet started never
 * starts. Only this task is affected. HIVE_DONE, or HIVE_TRAPPED. */
hive_status hive_ctask_cancel(hive_ctask *task);

/* 1 when the task resolved by cancelling (task.cancel): no result. */
int hive_ctask_cancelled(const hive_ctask *task);

/* 1 once the task has finished (its core code ended), resolved or not;
 * a resolved task may run on after its value, until then. */
int hive_ctask_finished(const hive_ctask *task);

/* Lets go of the host's handle; a task that has not finished runs on
 * and is freed when it does (or with the instance). */
void hive_ctask_free(hive_ctask *task);

/* ---- async host functions ---------------------------------------------------- */

/* A host function of an async type ("async func(...)" in
 * hive_linker_define_func) called from an async task may finish later:
 * it takes a token with hive_chost_defer(call) and returns
 * HIVE_HOST_PENDING. The caller's subtask is then STARTED (an async
 * lower gets it as a handle and a SUBTASK event later; a sync call waits)
 * and the instance's other tasks run meanwhile. The host gives the result
 * with hive_chost_return (on the instance's thread, between its calls;
 * result NULL for a function without one), then lets the woken task run
 * (hive_cinstance_run_ready). Tokens end with the call or the instance.
 * hive_chost_defer returns NULL outside such a call. */
typedef struct hive_chost_deferred hive_chost_deferred;
hive_chost_deferred *hive_chost_defer(hive_chost_call *call);
/* HIVE_DONE, HIVE_TRAPPED (the result did not fit: the instance traps),
 * HIVE_FAILED (no token). */
hive_status hive_chost_return(hive_chost_deferred *deferred, const hive_cval *result);
/* 1 when the guest cancelled the call (subtask.cancel): its subtask has
 * resolved CANCELLED_BEFORE_RETURNED already; the host may stop what it
 * does for it, and must still end the token with hive_chost_return (the
 * result is dropped). */
int hive_chost_cancelled(const hive_chost_deferred *deferred);

/* ---- streams and futures the host holds an end of ---------------------------- */

typedef struct hive_cstream hive_cstream;

/* A new stream (future: 1) whose writable end the host keeps; *readable
 * becomes the value to pass to a guest (an argument of type stream<T> or
 * future<T>; it takes the type of the first such place). NULL on OOM. */
hive_cstream *hive_cstream_new(hive_cinstance *instance, int future, hive_cval *readable);

/* Takes a readable end a guest gave the host (a result or an argument of
 * a host function, kind HIVE_C_STREAM / HIVE_C_FUTURE): the host reads it.
 * NULL when v is not such a value. */
hive_cstream *hive_cstream_reader(hive_cinstance *instance, hive_cval *v);

/* Writer: queues copies of vals (host streams are buffered on the host's
 * side); a guest's read takes them, and a guest waiting in a read gets
 * them now (hive_cinstance_run_ready lets it go on). HIVE_OK;
 * HIVE_ESTATE when the reader has dropped its end (nothing queued), the
 * stream is closed, this is a reader's end or a future already has its
 * value; HIVE_ENOMEM; HIVE_ETRAP when handing the values to a waiting
 * guest read trapped (the instance is poisoned). */
int hive_cstream_write(hive_cstream *s, const hive_cval *vals, size_t n);

/* Reader: moves up to max values the guest has written into out (never
 * waits). The count; 0 when none are there yet; -1 when the writer has
 * dropped its end and none remain. */
long hive_cstream_read(hive_cstream *s, hive_cval *out, size_t max);

/* The same for a stream<u8>, with bytes (no hive_cval per byte). A
 * write fails (HIVE_ESTATE) on a future. A read returns -1 at the end, as
 * hive_cstream_read, and also when the next value is not a u8. */
int hive_cstream_write_bytes(hive_cstream *s, const uint8_t *buf, size_t n);
long hive_cstream_read_bytes(hive_cstream *s, uint8_t *buf, size_t max);

/* Reader: at most max values wait in the host's queue (0: no limit, the
 * default); a guest write beyond that copies what fits (a partial copy)
 * or, when nothing fits, waits until hive_cstream_read makes room:
 * backpressure towards the guest. (A write that already waited when
 * hive_cstream_reader took the end was taken whole.) */
void hive_cstream_set_limit(hive_cstream *s, size_t max);

/* Values queued on the host's side: a writer's not yet read by the
 * guest, a reader's not yet taken by hive_cstream_read. */
size_t hive_cstream_queued(const hive_cstream *s);

/* 1 when the guest waits in a copy on the other end: a read that the
 * host's next write completes, or a write waiting for room. */
int hive_cstream_blocked(const hive_cstream *s);

/* 1 when the guest has dropped its end (a writer: nothing it writes
 * will be read; a reader: the guest writes no more). */
int hive_cstream_dropped(const hive_cstream *s);

/* Drops the host's end (a writer: the guest reads the rest, then
 * DROPPED) and frees s. An end still open when the instance is freed is
 * freed with it (then never close it). */
void hive_cstream_close(hive_cstream *s);

#ifdef __cplusplus
}
#endif

HIVE_API_END
#endif
