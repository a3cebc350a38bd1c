/*
 * test_wasip3_net.c -- wasi:sockets@0.3.0's permission rules
 * (src/wasip3/sockets.c, src/wasip2/net_common.c) seen from a guest:
 * tests/unit/wasip3/net.wat (mk/wasip3net.mk builds it;
 * HIVE_WASIP3_NET_GUEST overrides) creates, binds, listens, connects and
 * resolves names under each configuration, and the answers say what was
 * allowed: nothing without HIVE_WASIP2_INHERIT_NETWORK (a socket is
 * created but every use of an address is access-denied), everything with
 * it, only the addresses (and ports) of the allow-list with one, name
 * lookups only with HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP. A lookup of a name
 * goes to the resolver thread: the guest's task waits (it is not resolved
 * right after its start) and the reactor finishes it.
 * The sockets-* tests of the wasm32-wasip3 suite (make wasi-testsuite-p3)
 * cover the rest of the interface.
 */
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "hive/wasip3.h"
#include "testutil.h"

static hive_engine *engine;
static hive_component *comp;

typedef struct guest {
    hive_wasip3 *p;
    hive_linker *l;
    hive_cinstance *ci;
} guest;

#define DENIED(step) (100000 * (step) + 1)          /* access-denied is case 0 */
#define FAILED(step, c) (100000 * (step) + 1 + (c)) /* another error-code case */

static int guest_new(guest *g, uint32_t flags, const char *rule) {
    memset(g, 0, sizeof *g);
    hive_wasip3_config c;
    memset(&c, 0, sizeof c);
    hive_wasip2_net_rule r;
    c.base.flags = flags;
    if (rule) {
        CHECK_EQ_INT(hive_wasip2_parse_net_rule(rule, &r), 0);
        c.base.net_allow = &r;
        c.base.nnet_allow = 1;
    }
    hive_error err;
    if (hive_wasip3_new(&c, &g->p, &err) != HIVE_OK) return -1;
    g->l = hive_linker_new(engine);
    if (!g->l || hive_wasip3_define(g->p, g->l) != HIVE_OK) return -1;
    if (hive_cinstance_new(engine, comp, g->l, &g->ci, &err) != HIVE_OK) {
        fprintf(stderr, "test_wasip3_net: instantiate: %s\n", err.message);
        return -1;
    }
    return 0;
}

static void guest_free(guest *g) {
    hive_cinstance_free(g->ci);
    hive_linker_free(g->l);
    hive_wasip3_free(g->p);
}

/* Calls export name with args; its u32 answer, or -1. */
static long call(guest *g, const char *name, const hive_cval *args, size_t n) {
    hive_cfunc *f = hive_cinstance_func(g->ci, name);
    if (!f) return -1;
    hive_cval r;
    memset(&r, 0, sizeof r);
    int stop = 0;
    hive_status st = hive_wasip3_call(g->p, g->ci, f, args, n, NULL, &r, &stop);
    long v = st == HIVE_DONE && r.kind == HIVE_C_U32 ? (long)r.of.u : -1;
    if (st != HIVE_DONE)
        fprintf(stderr, "test_wasip3_net: %s: status %d %s\n", name, st,
                st == HIVE_TRAPPED ? hive_cinstance_trap(g->ci)->message : hive_wasip3_failure(g->p));
    hive_cval_clear(&r);
    return v;
}

static long call2(guest *g, const char *name, uint32_t addr, uint32_t port) {
    hive_cval a[2] = {hive_cval_uint(HIVE_C_U32, addr), hive_cval_uint(HIVE_C_U32, port)};
    return call(g, name, a, 2);
}

static long resolve(guest *g, const char *name) {
    hive_cval s;
    if (hive_cval_string(&s, name, strlen(name)) != HIVE_OK) return -1;
    long r = call(g, "resolve", &s, 1);
    hive_cval_clear(&s);
    return r;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define LOCALHOST IP(127, 0, 0, 1)

/* Nothing granted: sockets are created, every address use is denied. */
static void test_denied_by_default(void) {
    guest g;
    if (guest_new(&g, 0, NULL) < 0) {
        CHECK(!"guest");
        return;
    }
    CHECK_EQ_INT(call2(&g, "tcp-bind", LOCALHOST, 0), DENIED(2));
    CHECK_EQ_INT(call(&g, "tcp-listen", NULL, 0), DENIED(2));
    CHECK_EQ_INT(call2(&g, "udp-connect", LOCALHOST, 9), DENIED(2));
    CHECK_EQ_INT(resolve(&g, "127.0.0.1"), DENIED(1));
    guest_free(&g);
}

/* --inherit-network: any address; lookups still need their own flag. */
static void test_inherit_network(void) {
    guest g;
    if (guest_new(&g, HIVE_WASIP2_INHERIT_NETWORK, NULL) < 0) {
        CHECK(!"guest");
        return;
    }
    long port = call2(&g, "tcp-bind", LOCALHOST, 0);
    CHECK(port > 0 && port < 65536); /* an ephemeral port */
    CHECK_EQ_INT(call(&g, "tcp-listen", NULL, 0), 0);
    CHECK_EQ_INT(call2(&g, "udp-connect", LOCALHOST, 9), 0);
    /* allowed, so the kernel answers: a documentation address is not ours */
    CHECK_EQ_INT(call2(&g, "tcp-bind", IP(192, 0, 2, 1), 0), FAILED(2, 6 /* address-not-bindable */));
    CHECK_EQ_INT(resolve(&g, "127.0.0.1"), DENIED(1));
    guest_free(&g);
}

/* --allow-ip: only what a rule covers, port included. */
static void test_allow_list(void) {
    guest g;
    uint32_t net = HIVE_WASIP2_INHERIT_NETWORK;
    if (guest_new(&g, net, "127.0.0.1:7") < 0) {
        CHECK(!"guest");
        return;
    }
    CHECK_EQ_INT(call2(&g, "tcp-bind", LOCALHOST, 0), DENIED(2)); /* port 0 is not 7 */
    CHECK_EQ_INT(call2(&g, "udp-connect", LOCALHOST, 7), 0);
    CHECK_EQ_INT(call2(&g, "udp-connect", LOCALHOST, 8), DENIED(2));
    CHECK_EQ_INT(call2(&g, "udp-connect", IP(127, 0, 0, 2), 7), DENIED(2));
    CHECK_EQ_INT(call(&g, "tcp-listen", NULL, 0), DENIED(2)); /* an implicit bind to 0.0.0.0 */
    guest_free(&g);

    if (guest_new(&g, net, "127.0.0.0/8") < 0) return;
    long port = call2(&g, "tcp-bind", LOCALHOST, 0);
    CHECK(port > 0 && port < 65536);
    CHECK_EQ_INT(call2(&g, "udp-connect", IP(127, 1, 2, 3), 53), 0);
    CHECK_EQ_INT(call2(&g, "tcp-bind", IP(192, 0, 2, 1), 0), DENIED(2)); /* denied before the kernel */
    CHECK_EQ_INT(call(&g, "tcp-listen", NULL, 0), DENIED(2));
    guest_free(&g);

    if (guest_new(&g, net, "0.0.0.0/0") < 0) return;
    CHECK_EQ_INT(call(&g, "tcp-listen", NULL, 0), 0);
    CHECK_EQ_INT(call2(&g, "udp-connect", IP(10, 9, 8, 7), 99), 0);
    guest_free(&g);
}

/* --allow-ip-name-lookup: literals at once, names on the resolver thread
 * while the task waits. */
static void test_lookup(void) {
    guest g;
    if (guest_new(&g, HIVE_WASIP2_ALLOW_IP_NAME_LOOKUP, NULL) < 0) {
        CHECK(!"guest");
        return;
    }
    CHECK_EQ_INT(resolve(&g, "127.0.0.1"), 11);
    CHECK_EQ_INT(resolve(&g, "[::1]"), 10);
    CHECK_EQ_INT(resolve(&g, ""), FAILED(1, 1 /* invalid-argument */));
    /* a name: the resolver thread answers, the task waits meanwhile (all
     * but always: a lookup in /etc/hosts may beat the guest's return) */
    int deferred = 0;
    for (int k = 0; k < 20; k++) {
        hive_cval s;
        CHECK_EQ_INT(hive_cval_string(&s, "localhost", 9), HIVE_OK);
        hive_ctask *t = NULL;
        CHECK_EQ_INT(hive_ctask_start(g.ci, hive_cinstance_func(g.ci, "resolve"), &s, 1, &t), HIVE_DONE);
        hive_cval_clear(&s);
        if (!t) break;
        if (!hive_ctask_resolved(t)) {
            deferred++;
            CHECK_EQ_INT(hive_wasip3_inflight(g.p), 1);
        }
        for (int i = 0; i < 2000 && !hive_ctask_resolved(t); i++) {
            hive_wasi_wait w;
            if (hive_wasip3_poll(g.p) > 0) {
                CHECK(hive_cinstance_run_ready(g.ci, 0) == HIVE_DONE);
                continue;
            }
            if (!hive_wasip3_pending(g.p, &w)) break;
            CHECK(w.nfds == 1); /* the resolver's eventfd */
            poll((struct pollfd *)w.fds, w.nfds, 10);
        }
        CHECK(hive_ctask_resolved(t));
        hive_cval r;
        memset(&r, 0, sizeof r);
        CHECK_EQ_INT(hive_ctask_take_result(t, &r), 0);
        CHECK(r.kind == HIVE_C_U32 && r.of.u >= 10 && r.of.u < 100000); /* localhost has an address */
        hive_cval_clear(&r);
        hive_ctask_free(t);
    }
    CHECK(deferred > 0);
    CHECK_EQ_INT(hive_wasip3_inflight(g.p), 0);
    guest_free(&g);
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv) {
    (void)argc;
    signal(SIGPIPE, SIG_IGN);
    char path[4096];
    const char *env = getenv("HIVE_WASIP3_NET_GUEST");
    if (env) {
        snprintf(path, sizeof path, "%s", env);
    } else {
        char self[4096];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(path, sizeof path, "%s/wasip3/net.wasm", dirname(self));
    }
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    engine = hive_engine_new(NULL);
    hive_error err;
    if (!bytes || hive_component_new(engine, bytes, len, &comp, &err) != HIVE_OK) {
        fprintf(stderr, "test_wasip3_net: cannot load %s: %s (make builds it; HIVE_WASIP3_NET_GUEST overrides)\n",
                path, bytes ? err.message : "unreadable");
        free(bytes);
        return 1;
    }
    free(bytes);
    RUN(test_denied_by_default);
    RUN(test_inherit_network);
    RUN(test_allow_list);
    RUN(test_lookup);
    hive_component_release(comp);
    hive_engine_free(engine);
    return test_summary("test_wasip3_net");
}
