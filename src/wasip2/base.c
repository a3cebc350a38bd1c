/*
 * base.c -- the part of a WASI 0.2 and a 0.3 context that is the same
 * (base.h): made from the config, freed, its sources and wasi:cli's
 * environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "wasip2/base.h"

static void seterr(hive_error *err, int code, const char *fmt, const char *arg) {
    if (!err) return;
    err->code = code;
    err->offset = 0;
    snprintf(err->message, sizeof err->message, fmt, arg);
}

static char **copy_strs(const char *const *v, size_t n) {
    char **r = calloc(n + 1, sizeof *r);
    if (!r) return NULL;
    for (size_t i = 0; i < n; i++) {
        r[i] = strdup(v && v[i] ? v[i] : "");
        if (!r[i]) {
            for (size_t k = 0; k < i; k++) free(r[k]);
            free(r);
            return NULL;
        }
    }
    return r;
}

static void free_strs(char **v, size_t n) {
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

int hv_wbase_init(hv_wbase *b, const hive_wasip2_config *c, hive_error *err) {
    b->flags = c->flags;
    b->sandbox.flags = (c->flags & HIVE_WASIP2_FORCE_PATH_WALK) ? HIVE_WASI_FORCE_PATH_WALK : 0;
    b->max_objects = c->max_objects ? c->max_objects : 65536;
    b->max_list = c->max_list ? c->max_list : (1u << 20);
    b->src = c->sources;
    b->argc = c->argc;
    b->envc = c->envc;
    b->argv = copy_strs(c->argv, c->argc);
    b->env = copy_strs(c->env, c->envc);
    if (!b->argv || !b->env) goto nomem;
    for (size_t i = 0; i < b->envc; i++)
        if (!strchr(b->env[i], '=')) {
            seterr(err, HIVE_EARG, "environment entry '%.200s' has no '='", b->env[i]);
            return HIVE_EARG;
        }
    if (c->initial_cwd && !(b->cwd = strdup(c->initial_cwd))) goto nomem;
    memcpy(b->stdio, c->stdio, sizeof b->stdio);
    if (c->nnet_allow) {
        b->net_allow = malloc(c->nnet_allow * sizeof *b->net_allow);
        if (!b->net_allow) goto nomem;
        memcpy(b->net_allow, c->net_allow, c->nnet_allow * sizeof *b->net_allow);
        b->nnet_allow = c->nnet_allow;
    }
    b->insecure_state[0] = 0x9e3779b97f4a7c15ull;
    b->insecure_state[1] = 0xbf58476d1ce4e5b9ull;
    if (!(c->flags & HIVE_WASIP2_DETERMINISTIC_INSECURE) &&
        hv_wbase_random(b, (uint8_t *)b->insecure_state, sizeof b->insecure_state) < 0) {
        /* the random source failed: the insecure generator starts from
         * the clocks (secure random calls will trap then) */
        b->insecure_state[0] ^= hv_wasi_now_ns(CLOCK_MONOTONIC);
        b->insecure_state[1] ^= hv_wasi_now_ns(CLOCK_REALTIME);
    }
    if (!b->insecure_state[0] && !b->insecure_state[1]) b->insecure_state[0] = 1;
    if (c->npreopens) {
        b->pre = calloc(c->npreopens, sizeof *b->pre);
        if (!b->pre) goto nomem;
        for (size_t i = 0; i < c->npreopens; i++) {
            const hive_wasi_preopen *po = &c->preopens[i];
            int fd = po->host_path ? open(po->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
            if (fd < 0) {
                seterr(err, HIVE_EARG, "cannot open preopened directory %.200s",
                       po->host_path ? po->host_path : "(null)");
                return HIVE_EARG;
            }
            b->pre[b->npre].fd = fd;
            b->npre++;
            b->pre[i].name = strdup(po->guest_path ? po->guest_path : ".");
            if (!b->pre[i].name) goto nomem;
        }
    }
    return HIVE_OK;
nomem:
    seterr(err, HIVE_ENOMEM, "%s", "out of memory");
    return HIVE_ENOMEM;
}

void hv_wbase_free(hv_wbase *b) {
    free(b->net_allow);
    for (size_t i = 0; i < b->npre; i++) {
        close(b->pre[i].fd);
        free(b->pre[i].name);
    }
    free(b->pre);
    free_strs(b->argv, b->argc);
    free_strs(b->env, b->envc);
    free(b->cwd);
    memset(b, 0, sizeof *b);
}

/* ---- sources ---- */

uint64_t hv_wbase_mono_ns(const hv_wbase *b) {
    if (b->src.monotonic_ns) return b->src.monotonic_ns(b->src.ud);
    return hv_wasi_now_ns(CLOCK_MONOTONIC);
}

uint64_t hv_wbase_wall_ns(const hv_wbase *b) {
    if (b->src.wall_ns) return b->src.wall_ns(b->src.ud);
    return hv_wasi_now_ns(CLOCK_REALTIME);
}

int hv_wbase_random(const hv_wbase *b, uint8_t *buf, size_t len) {
    if (b->src.random) return b->src.random(b->src.ud, buf, len);
    while (len) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- wasi:cli/environment ---- */

const char *hv_wbase_environment(const hv_wbase *b, hive_cval *out) {
    if (hive_cval_agg(out, HIVE_C_LIST, b->envc) != HIVE_OK) return "out of memory";
    for (size_t i = 0; i < b->envc; i++) {
        const char *kv = b->env[i], *eq = strchr(kv, '=');
        hive_cval *t = &out->of.agg.items[i];
        if (hive_cval_agg(t, HIVE_C_TUPLE, 2) != HIVE_OK ||
            hive_cval_string(&t->of.agg.items[0], kv, (size_t)(eq - kv)) != HIVE_OK ||
            hive_cval_string(&t->of.agg.items[1], eq + 1, strlen(eq + 1)) != HIVE_OK)
            return "environment: out of memory or not UTF-8";
    }
    return NULL;
}

const char *hv_wbase_arguments(const hv_wbase *b, hive_cval *out) {
    if (hive_cval_agg(out, HIVE_C_LIST, b->argc) != HIVE_OK) return "out of memory";
    for (size_t i = 0; i < b->argc; i++)
        if (hive_cval_string(&out->of.agg.items[i], b->argv[i], strlen(b->argv[i])) != HIVE_OK)
            return "arguments: out of memory or not UTF-8";
    return NULL;
}

const char *hv_wbase_initial_cwd(const hv_wbase *b, hive_cval *out) {
    if (!b->cwd) return hive_cval_case(out, HIVE_C_OPTION, 0, NULL) != HIVE_OK ? "out of memory" : NULL;
    hive_cval s;
    if (hive_cval_string(&s, b->cwd, strlen(b->cwd)) != HIVE_OK ||
        hive_cval_case(out, HIVE_C_OPTION, 1, &s) != HIVE_OK)
        return "out of memory";
    return NULL;
}

/* ---- clocks and random ---- */

static uint64_t resolution(int have_source, clockid_t clk) {
    struct timespec ts;
    uint64_t r = 1;
    if (!have_source && clock_getres(clk, &ts) == 0)
        r = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return r ? r : 1;
}

uint64_t hv_wbase_mono_res(const hv_wbase *b) {
    return resolution(b->src.monotonic_ns != NULL, CLOCK_MONOTONIC);
}

uint64_t hv_wbase_wall_res(const hv_wbase *b) {
    return resolution(b->src.wall_ns != NULL, CLOCK_REALTIME);
}

/* xoroshiro128+ */
uint64_t hv_wbase_insecure_u64(hv_wbase *b) {
    uint64_t s0 = b->insecure_state[0], s1 = b->insecure_state[1];
    uint64_t r = s0 + s1;
    s1 ^= s0;
    b->insecure_state[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
    b->insecure_state[1] = (s1 << 37) | (s1 >> 27);
    return r;
}

const char *hv_wbase_random_bytes(hv_wbase *b, uint64_t len, int secure, hive_cval *out) {
    if (len > b->max_list) return "get-random-bytes: more bytes than the host allows";
    uint8_t *buf = malloc(len ? (size_t)len : 1);
    if (!buf) return "out of memory";
    if (secure) {
        if (hv_wbase_random(b, buf, (size_t)len) < 0) {
            free(buf);
            return "the host's random source failed";
        }
    } else {
        for (size_t i = 0; i < len; i += 8) {
            uint64_t x = hv_wbase_insecure_u64(b);
            for (size_t k = 0; k < 8 && i + k < len; k++) buf[i + k] = (uint8_t)(x >> (8 * k));
        }
    }
    if (hive_cval_packed_adopt(out, HIVE_C_U8, buf, (size_t)len) != HIVE_OK) {
        free(buf);
        return "out of memory";
    }
    return NULL;
}

/* ---- values ---- */

int hv_wval_bytes(hive_cval *out, const uint8_t *buf, size_t n) {
    return hive_cval_packed(out, HIVE_C_U8, buf, n) == HIVE_OK ? 0 : -1;
}

void hv_wval_ok(hive_cval *out, hive_cval *payload) {
    if (hive_cval_case(out, HIVE_C_RESULT, 0, payload) != HIVE_OK) memset(out, 0, sizeof *out);
}

void hv_wval_err(hive_cval *out, hive_cval *payload) {
    if (hive_cval_case(out, HIVE_C_RESULT, 1, payload) != HIVE_OK) memset(out, 0, sizeof *out);
}
