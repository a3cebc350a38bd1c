/*
 * random.c -- wasi:random@0.3.0: random (the host's CSPRNG), insecure (a
 * fast generator seeded per context), insecure-seed (fixed per context).
 */
#include <stdlib.h>

#include "wasip3/p3_impl.h"

/* the same in 0.2 and 0.3 (base.c) */
static hive_host_status random_bytes(hive_chost_call *call, uint64_t len, int secure, hive_cval *out) {
    const char *why = hv_wbase_random_bytes(&P3_CTX->b, len, secure, out);
    return why ? hv_p3_trap(call, why) : HIVE_HOST_OK;
}

P3_FN(get_random_bytes) { return random_bytes(call, args[0].of.u, 1, &res[0]); }
P3_FN(get_insecure_random_bytes) { return random_bytes(call, args[0].of.u, 0, &res[0]); }

P3_FN(get_random_u64) {
    uint64_t x;
    if (hv_p3_random(P3_CTX, (uint8_t *)&x, sizeof x) < 0) return hv_p3_trap(call, "the host's random source failed");
    res[0] = p3_u64(x);
    return HIVE_HOST_OK;
}

P3_FN(get_insecure_random_u64) {
    res[0] = p3_u64(hv_p3_insecure_u64(P3_CTX));
    return HIVE_HOST_OK;
}

P3_FN(get_insecure_seed) {
    hive_wasip3 *p = P3_CTX;
    if (hive_cval_agg(&res[0], HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p3_trap(call, "out of memory");
    res[0].of.agg.items[0] = p3_u64(p->insecure_seed[0]);
    res[0].of.agg.items[1] = p3_u64(p->insecure_seed[1]);
    return HIVE_HOST_OK;
}

int hv_p3_define_random(hive_wasip3 *p, hive_linker *l) {
    static const p3_fndef rnd[] = {
        {"get-random-bytes", "func(max-len: u64) -> list<u8>", get_random_bytes},
        {"get-random-u64", "func() -> u64", get_random_u64},
    };
    static const p3_fndef insecure[] = {
        {"get-insecure-random-bytes", "func(max-len: u64) -> list<u8>", get_insecure_random_bytes},
        {"get-insecure-random-u64", "func() -> u64", get_insecure_random_u64},
    };
    static const p3_fndef seed[] = {{"get-insecure-seed", "func() -> tuple<u64, u64>", get_insecure_seed}};
    int rc;
    if ((rc = hv_p3_define_funcs(p, l, "wasi:random/random" P3_V, rnd, P3_COUNT(rnd))) ||
        (rc = hv_p3_define_funcs(p, l, "wasi:random/insecure" P3_V, insecure, P3_COUNT(insecure))) ||
        (rc = hv_p3_define_funcs(p, l, "wasi:random/insecure-seed" P3_V, seed, P3_COUNT(seed))))
        return rc;
    return HIVE_OK;
}
