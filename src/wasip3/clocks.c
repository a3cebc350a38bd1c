/*
 * clocks.c -- wasi:clocks@0.3.0: monotonic-clock (now, get-resolution,
 * and the async wait-until / wait-for, which answer later through the
 * reactor while the instance's other tasks run), system-clock, timezone
 * (UTC: the host's zone is not exposed).
 */
#include <stdio.h>
#include <time.h>

#include "wasip3/p3_impl.h"

#define INSTANT "record { seconds: s64, nanoseconds: u32 }"

P3_FN(mono_now) {
    res[0] = p3_u64(hv_p3_mono_ns(P3_CTX));
    return HIVE_HOST_OK;
}

P3_FN(mono_resolution) {
    res[0] = p3_u64(hv_wbase_mono_res(&P3_CTX->b));
    return HIVE_HOST_OK;
}

static int wake(hive_wasip3 *p, p3_wait *w, unsigned ev, short revents) {
    if (!(ev & P3_EV_TIME)) return 0;
    hive_chost_return(w->ud, NULL);
    hv_p3_wait_free(p, w);
    return 1;
}

static hive_host_status wait_until(hive_chost_call *call, uint64_t when) {
    hive_wasip3 *p = P3_CTX;
    if (when <= hv_p3_mono_ns(p)) return HIVE_HOST_OK; /* already passed */
    hive_chost_deferred *d = hive_chost_defer(call);
    if (!d) /* a sync caller: its call cannot wait (the guest traps) */
        return hv_p3_trap(call, "monotonic-clock wait: not called from an async task");
    p3_wait *w = hv_p3_wait_new(p, wake, d);
    if (!w) {
        hive_chost_return(d, NULL);
        return hv_p3_trap(call, "monotonic-clock wait: too many host operations in flight");
    }
    w->deadline = when;
    return HIVE_HOST_PENDING;
}

P3_FN(mono_wait_until) { return wait_until(call, args[0].of.u); }

P3_FN(mono_wait_for) {
    uint64_t now = hv_p3_mono_ns(P3_CTX), d = args[0].of.u;
    return wait_until(call, d > UINT64_MAX - now ? UINT64_MAX - 1 : now + d);
}

static int instant(hive_cval *out, uint64_t ns) {
    if (hive_cval_agg(out, HIVE_C_RECORD, 2) != HIVE_OK) return -1;
    out->of.agg.items[0] = hive_cval_sint(HIVE_C_S64, (int64_t)(ns / 1000000000u));
    out->of.agg.items[1] = p3_u32((uint32_t)(ns % 1000000000u));
    return 0;
}

P3_FN(sys_now) {
    if (instant(&res[0], hv_p3_wall_ns(P3_CTX)) < 0) return hv_p3_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

P3_FN(sys_resolution) {
    res[0] = p3_u64(hv_wbase_wall_res(&P3_CTX->b));
    return HIVE_HOST_OK;
}

P3_FN(tz_iana_id) {
    hive_cval s;
    if (hive_cval_string(&s, "UTC", 3) != HIVE_OK || hive_cval_case(&res[0], HIVE_C_OPTION, 1, &s) != HIVE_OK)
        return hv_p3_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

P3_FN(tz_utc_offset) {
    hive_cval z = hive_cval_sint(HIVE_C_S64, 0);
    if (hive_cval_case(&res[0], HIVE_C_OPTION, 1, &z) != HIVE_OK) return hv_p3_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

P3_FN(tz_debug) {
    if (hive_cval_string(&res[0], "UTC", 3) != HIVE_OK) return hv_p3_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

int hv_p3_define_clocks(hive_wasip3 *p, hive_linker *l) {
    static const p3_fndef mono[] = {
        {"now", "func() -> u64", mono_now},
        {"get-resolution", "func() -> u64", mono_resolution},
        {"wait-until", "async func(when: u64)", mono_wait_until},
        {"wait-for", "async func(how-long: u64)", mono_wait_for},
    };
    static const p3_fndef sys[] = {
        {"now", "func() -> " INSTANT, sys_now},
        {"get-resolution", "func() -> u64", sys_resolution},
    };
    static const p3_fndef tz[] = {
        {"iana-id", "func() -> option<string>", tz_iana_id},
        {"utc-offset", "func(when: " INSTANT ") -> option<s64>", tz_utc_offset},
        {"to-debug-string", "func() -> string", tz_debug},
    };
    int rc;
    if ((rc = hv_p3_define_funcs(p, l, "wasi:clocks/monotonic-clock" P3_V, mono, P3_COUNT(mono))) ||
        (rc = hv_p3_define_funcs(p, l, "wasi:clocks/system-clock" P3_V, sys, P3_COUNT(sys))) ||
        (rc = hv_p3_define_funcs(p, l, "wasi:clocks/timezone" P3_V, tz, P3_COUNT(tz))))
        return rc;
    return HIVE_OK;
}
