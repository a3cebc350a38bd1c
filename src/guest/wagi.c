/*
 * wagi.c -- the WAGI guest kind: CGI over WASI preview 1.
 *
 * Each request gets a fresh instance of the (shared, compiled once)
 * module, whose `_start` runs with the request as CGI meta-variables in
 * its environment (RFC 3875 section 4.1) and the request body on stdin;
 * it writes a CGI response on stdout (cgi.c parses the head) and its
 * stderr goes to the host's log, tagged with the worker's id. A command
 * runs once, so an instance serves one request: max_total is 1.
 *
 * Nothing here blocks a thread: stdin reads with no body bytes yet and
 * stdout writes while the client is slow return EAGAIN to WASI, the guest
 * goes PENDING, and the pool wakes the worker when bytes or room arrive.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guest/cgi.h"
#include "handler/guest.h"
#include "hive/wasi.h"
#include "support/error.h"

#define WAGI_MAX_HEAD (64 * 1024)
/* The head buffer's first bytes, in the instance (most heads and short
 * bodies fit: no allocation); it grows up to WAGI_MAX_HEAD. */
#define WAGI_HEAD_SMALL 512
/* Instances' WASI worlds kept for the next instance (see wagi_free). */
#define WAGI_SPARES 16
/* Longest body write passed on at once: a larger fd_write is a short
 * write (the guest's libc writes the rest), so one host call stays
 * short and the deadline can stop the guest between two. */
#define WAGI_MAX_WRITE (256 * 1024)

typedef struct wagi_guest {
    hive_guest base;
    hive_engine *engine;
    hive_module *module;
    char **env; /* "K=V", owned */
    size_t nenv;
    hive_wasi_preopen *preopens; /* strings owned */
    size_t npreopens;
    /* Ended instances' WASI worlds, reset (no fd of theirs, no pending
     * call, no arguments or environment), with the imports resolved from
     * them: the next instance takes one instead of making its own. */
    pthread_mutex_t spare_lock;
    guest_inst *spare[WAGI_SPARES];
    size_t nspare;
} wagi_guest;

struct guest_inst {
    wagi_guest *g;
    hive_wasi *wasi;      /* kept with imports when the instance is spared */
    hive_extern *imports; /* the module's imports, resolved from wasi */
    size_t nimports;
    hive_worker *w;
    hive_exec *exec;
    hive_instance *inst;
    hive_req *req;
    hive_func *entry;
    bool started;
    bool head_done;
    bool gone; /* the request failed or went away: discard output */
    /* The head is parsed but held back, with the body written so far
     * after it in head[] (from head_bytes on): when the guest ends
     * within the same slice, the response goes out with its length
     * (Content-Length), else chunked at the slice's end. */
    bool held;
    uint64_t used; /* units the last run used */
    char *head;    /* head_small, or allocated when more is needed */
    size_t head_len, head_cap;
    size_t head_bytes; /* the CGI head's length in head[] (held) */
    char error[256];
    char head_small[WAGI_HEAD_SMALL];
};

/* ---- the request's environment ------------------------------------------- */

/* The variables are written one after the other into one buffer
 * ("NAME=value\0" each, at offs[i]); env_vars points into it at the end.
 * The first ENV_SMALL bytes and ENV_SMALL_VARS variables are in the
 * struct (on the caller's stack): a request with a few short headers
 * needs no allocation. */
#define ENV_SMALL 2048
#define ENV_SMALL_VARS 40
typedef struct envbuf {
    char *buf;
    size_t len, cap;
    size_t *offs;
    size_t n, cap_offs;
    char **vars;
    bool oom;
    char small[ENV_SMALL];
    size_t small_offs[ENV_SMALL_VARS];
    char *small_vars[ENV_SMALL_VARS];
} envbuf;

static void env_init(envbuf *e) {
    e->buf = e->small;
    e->len = 0;
    e->cap = sizeof e->small;
    e->offs = e->small_offs;
    e->n = 0;
    e->cap_offs = ENV_SMALL_VARS;
    e->vars = NULL;
    e->oom = false;
}

/* Grows the array *p of *cap elements of size sz (inline: the struct's
 * own, not to be freed) to hold at least need; false when out of memory. */
static bool env_grow(void **p, size_t *cap, size_t need, size_t sz, void *inline_arr) {
    size_t ncap = *cap * 2;
    while (ncap < need) ncap *= 2;
    void *np = *p == inline_arr ? malloc(ncap * sz) : realloc(*p, ncap * sz);
    if (!np) return false;
    if (*p == inline_arr) memcpy(np, inline_arr, *cap * sz);
    *p = np;
    *cap = ncap;
    return true;
}

/* Room for n more bytes. */
static bool env_room(envbuf *e, size_t n) {
    if (e->oom) return false;
    if (e->len + n <= e->cap) return true;
    void *p = e->buf;
    if (!env_grow(&p, &e->cap, e->len + n, 1, e->small)) {
        e->oom = true;
        return false;
    }
    e->buf = p;
    return true;
}

static void env_put(envbuf *e, const char *p, size_t n) {
    if (n && env_room(e, n)) {
        memcpy(e->buf + e->len, p, n);
        e->len += n;
    }
}

/* Starts a variable: "name=" (its value follows with env_put). */
static void env_begin(envbuf *e, const char *name, size_t name_len) {
    if (e->oom) return;
    if (e->n == e->cap_offs) {
        void *p = e->offs;
        if (!env_grow(&p, &e->cap_offs, e->n + 1, sizeof *e->offs, e->small_offs)) {
            e->oom = true;
            return;
        }
        e->offs = p;
    }
    e->offs[e->n++] = e->len;
    env_put(e, name, name_len);
    env_put(e, "=", 1);
}

static void env_end(envbuf *e) { env_put(e, "", 1); }

static void env_add_n(envbuf *e, const char *name, size_t name_len, const char *value,
                      size_t value_len) {
    /* (one room check and the copies: most variables come this way) */
    if (e->oom || e->n == e->cap_offs || !env_room(e, name_len + value_len + 2)) {
        env_begin(e, name, name_len);
        env_put(e, value, value_len);
        env_end(e);
        return;
    }
    char *p = e->buf + e->len;
    e->offs[e->n++] = e->len;
    memcpy(p, name, name_len);
    p[name_len] = '=';
    if (value_len) memcpy(p + name_len + 1, value, value_len);
    p[name_len + 1 + value_len] = 0;
    e->len += name_len + value_len + 2;
}

/* (name: a string literal) */
#define env_add(e, name, value, value_len) env_add_n(e, name, sizeof(name) - 1, value, value_len)
#define env_add_str(e, name, value) env_add_sn(e, name, sizeof(name) - 1, value)

static void env_add_sn(envbuf *e, const char *name, size_t name_len, const char *value) {
    env_add_n(e, name, name_len, value ? value : "", value ? strlen(value) : 0);
}

/* A decimal number as a variable. */
static void env_add_num(envbuf *e, const char *name, size_t name_len, uint64_t v) {
    char num[24];
    size_t i = sizeof num;
    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    env_add_n(e, name, name_len, num + i, sizeof num - i);
}

/* The variables as strings (NULL when out of memory). */
static const char *const *env_vars(envbuf *e) {
    if (e->oom) return NULL;
    e->vars = e->n <= ENV_SMALL_VARS ? e->small_vars : malloc(e->n * sizeof *e->vars);
    if (!e->vars) return NULL;
    for (size_t i = 0; i < e->n; i++)
        e->vars[i] = e->buf + e->offs[i];
    return (const char *const *)e->vars;
}

static void env_free(envbuf *e) {
    if (e->buf != e->small) free(e->buf);
    if (e->offs != e->small_offs) free(e->offs);
    if (e->vars != e->small_vars) free(e->vars);
}

/* Finds header name (case-insensitive); NULL when absent. */
static const hive_header *wagi_header(const hive_request_info *info, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < info->nheaders; i++)
        if (info->headers[i].name_len == n && strncasecmp(info->headers[i].name, name, n) == 0)
            return &info->headers[i];
    return NULL;
}

/* The RFC 3875 meta-variables for the request, then the configured
 * environment. Each header becomes HTTP_NAME (upper case, '-' -> '_');
 * repeated headers are joined with ", ". */
static void wagi_build_env(const wagi_guest *g, const hive_request_info *info, envbuf *e) {
    env_add_str(e, "GATEWAY_INTERFACE", "CGI/1.1");
    env_add_str(e, "SERVER_SOFTWARE", "hive");
    env_add_str(e, "SERVER_PROTOCOL", info->version);
    env_add_str(e, "SERVER_NAME", info->server_name);
    env_add_num(e, "SERVER_PORT", 11, info->server_port);
    env_add_str(e, "REQUEST_METHOD", info->method);
    env_add_str(e, "SCRIPT_NAME", "");
    env_add_str(e, "PATH_INFO", info->path);
    env_add_str(e, "QUERY_STRING", info->query);
    env_add_str(e, "REMOTE_ADDR", info->remote_addr);
    env_add_str(e, "REMOTE_HOST", info->remote_addr);
    env_add_num(e, "REMOTE_PORT", 11, info->remote_port);
    env_add_str(e, "AUTH_TYPE", "");
    const hive_header *ct = wagi_header(info, "Content-Type");
    if (ct) env_add(e, "CONTENT_TYPE", ct->value, ct->value_len);
    if (info->content_length >= 0)
        env_add_num(e, "CONTENT_LENGTH", 14, (uint64_t)info->content_length);
    const hive_header *host = wagi_header(info, "Host");
    if (host) {
        env_begin(e, "X_FULL_URL", 10);
        env_put(e, info->scheme, strlen(info->scheme));
        env_put(e, "://", 3);
        env_put(e, host->value, host->value_len);
        env_put(e, info->path, strlen(info->path));
        if (info->query[0]) {
            env_put(e, "?", 1);
            env_put(e, info->query, strlen(info->query));
        }
        env_end(e);
    }
    for (size_t i = 0; i < info->nheaders; i++) {
        const hive_header *h = &info->headers[i];
        /* joined with an earlier header of the same name? */
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = info->headers[k].name_len == h->name_len &&
                   strncasecmp(info->headers[k].name, h->name, h->name_len) == 0;
        if (seen || h->name_len > 200) continue;
        char name[216];
        memcpy(name, "HTTP_", 5);
        for (size_t k = 0; k < h->name_len; k++) {
            char c = h->name[k];
            name[5 + k] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
        }
        env_begin(e, name, 5 + h->name_len);
        bool first = true;
        for (size_t k = i; k < info->nheaders; k++)
            if (info->headers[k].name_len == h->name_len &&
                strncasecmp(info->headers[k].name, h->name, h->name_len) == 0) {
                if (!first) env_put(e, ", ", 2);
                env_put(e, info->headers[k].value, info->headers[k].value_len);
                first = false;
            }
        env_end(e);
    }
    for (size_t i = 0; i < g->nenv; i++) {
        const char *eq = strchr(g->env[i], '=');
        if (!eq) continue;
        env_add_sn(e, g->env[i], (size_t)(eq - g->env[i]), eq + 1);
    }
}

/* ---- stdio streams ----------------------------------------------------- */

static int64_t wagi_stdin_read(void *ud, uint8_t *buf, size_t len) {
    guest_inst *gi = ud;
    int64_t n = hv_handler_req_read_body(gi->req, buf, len);
    return n < 0 ? -HIVE_WASI_EAGAIN : n;
}

static int wagi_stdin_readable(void *ud) {
    guest_inst *gi = ud;
    return hv_handler_req_body_ready(gi->req) ? 1 : 0;
}

/* Sends body bytes, mapping the pool's answer to a WASI write result. */
static int64_t wagi_send_body(guest_inst *gi, const uint8_t *buf, size_t len) {
    int rc = hv_handler_req_body(gi->req, buf, len);
    if (rc < 0) {
        gi->gone = true;
        return -HIVE_WASI_EPIPE;
    }
    return (int64_t)len;
}

/* Room for need bytes in the head buffer (need <= WAGI_MAX_HEAD). */
static bool head_room(guest_inst *gi, size_t need) {
    if (need <= gi->head_cap) return true;
    size_t cap = gi->head_cap * 2;
    while (cap < need) cap *= 2;
    if (cap > WAGI_MAX_HEAD) cap = WAGI_MAX_HEAD;
    char *nb = gi->head == gi->head_small ? malloc(cap) : realloc(gi->head, cap);
    if (!nb) return false;
    if (gi->head == gi->head_small) memcpy(nb, gi->head_small, gi->head_len);
    gi->head = nb;
    gi->head_cap = cap;
    return true;
}

/* Sends the held head and the body after it: with the body's length
 * when the guest has ended (done), else chunked (the length unknown).
 * Returns 0, or -1 when the request is gone. */
static int wagi_send_held(guest_inst *gi, bool done) {
    gi->held = false;
    gi->head_done = true;
    cgi_head head;
    /* (parsed again: the same bytes, the same result) */
    if (hv_cgi_parse_head(gi->head, gi->head_bytes, &head) != (int64_t)gi->head_bytes) {
        gi->gone = true;
        hv_handler_req_fail(gi->req, HIVE_HANDLE_BAD_RESPONSE, "the guest's CGI head changed");
        return -1;
    }
    size_t body = gi->head_len - gi->head_bytes;
    if (hv_handler_req_head(gi->req, head.status, head.headers, head.nheaders,
                            done ? (int64_t)body : -1) < 0) {
        gi->gone = true;
        return -1;
    }
    if (body && wagi_send_body(gi, (const uint8_t *)gi->head + gi->head_bytes, body) < 0)
        return -1;
    return 0;
}

static int64_t wagi_stdout_write(void *ud, const uint8_t *buf, size_t len) {
    guest_inst *gi = ud;
    if (gi->gone) return -HIVE_WASI_EPIPE;
    if (gi->held) {
        /* more body: held too while it fits, else all goes out chunked */
        if (len <= WAGI_MAX_HEAD - gi->head_len && head_room(gi, gi->head_len + len)) {
            memcpy(gi->head + gi->head_len, buf, len);
            gi->head_len += len;
            return (int64_t)len;
        }
        if (wagi_send_held(gi, false) < 0) return -HIVE_WASI_EPIPE;
    }
    if (gi->head_done) {
        if (!hv_handler_req_output_ready(gi->req)) return -HIVE_WASI_EAGAIN;
        return wagi_send_body(gi, buf, len < WAGI_MAX_WRITE ? len : WAGI_MAX_WRITE);
    }
    /* Still reading the CGI head: gather it (bounded), parse, and pass
     * what follows the blank line on as body. */
    size_t take = len;
    if (gi->head_len + take > WAGI_MAX_HEAD) take = WAGI_MAX_HEAD - gi->head_len;
    if (!head_room(gi, gi->head_len + take)) {
        gi->gone = true;
        hv_handler_req_fail(gi->req, HIVE_HANDLE_FAILED, "out of memory for the CGI head");
        return -HIVE_WASI_EPIPE;
    }
    memcpy(gi->head + gi->head_len, buf, take);
    gi->head_len += take;
    cgi_head head;
    int64_t n = hv_cgi_parse_head(gi->head, gi->head_len, &head);
    if (n == CGI_PARTIAL) {
        if (gi->head_len < WAGI_MAX_HEAD) return (int64_t)len;
        n = CGI_ERROR;
        head.error = "CGI head too large";
    }
    if (n == CGI_ERROR) {
        gi->gone = true;
        hv_handler_req_fail(gi->req, HIVE_HANDLE_BAD_RESPONSE, head.error);
        return -HIVE_WASI_EPIPE;
    }
    if (head.content_length < 0) {
        /* the length is unknown: held until the guest ends or the slice does */
        gi->held = true;
        gi->head_bytes = (size_t)n;
        return (int64_t)take;
    }
    gi->head_done = true;
    if (hv_handler_req_head(gi->req, head.status, head.headers, head.nheaders, head.content_length) <
        0) {
        gi->gone = true;
        return -HIVE_WASI_EPIPE;
    }
    size_t body = gi->head_len - (size_t)n;
    if (body) {
        int64_t rc = wagi_send_body(gi, (const uint8_t *)gi->head + n, body);
        if (rc < 0) return rc;
    }
    return (int64_t)take; /* what did not fit in the head buffer comes again */
}

static int64_t wagi_stderr_write(void *ud, const uint8_t *buf, size_t len) {
    guest_inst *gi = ud;
    /* One log line per write, tagged with the worker; at most 4 KiB at a
     * time (a short write: the guest's libc writes the rest). */
    if (len > 4096) len = 4096;
    size_t n = len;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
    fprintf(stderr, "[worker %" PRIu64 "] %.*s\n", hv_handler_worker_id(gi->w), (int)n,
            (const char *)buf);
    return (int64_t)len;
}

/* ---- guest ops ------------------------------------------------------- */

/* The WASI world of gi: its stdio streams go to gi; the preopens. */
static void wagi_wasi_config(guest_inst *gi, hive_wasi_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->preopens = gi->g->preopens;
    cfg->npreopens = gi->g->npreopens;
    cfg->stdio[0].kind = HIVE_WASI_STDIO_STREAM;
    cfg->stdio[0].stream = (hive_wasi_stream){wagi_stdin_read, NULL, wagi_stdin_readable, gi};
    cfg->stdio[1].kind = HIVE_WASI_STDIO_STREAM;
    cfg->stdio[1].stream = (hive_wasi_stream){NULL, wagi_stdout_write, NULL, gi};
    cfg->stdio[2].kind = HIVE_WASI_STDIO_STREAM;
    cfg->stdio[2].stream = (hive_wasi_stream){NULL, wagi_stderr_write, NULL, gi};
}

/* Frees gi and everything it holds. */
static void wagi_discard(guest_inst *gi) {
    hive_exec_free(gi->exec);
    hive_instance_free(gi->inst);
    hive_wasi_free(gi->wasi);
    free(gi->imports);
    if (gi->head != gi->head_small) free(gi->head);
    free(gi);
}

/* Makes the worker's WASI world and instance, ahead of its request: the
 * request's environment is set when it starts (hive_wasi_set_args). The
 * WASI world (and the imports resolved from it) may be one an ended
 * instance left, reset; the instance is always new. */
static int wagi_instantiate(hive_guest *guest, hive_worker *w, guest_inst **out,
                            hive_error *err) {
    wagi_guest *g = (wagi_guest *)guest;
    *out = NULL;
    guest_inst *gi = NULL;
    pthread_mutex_lock(&g->spare_lock);
    if (g->nspare) gi = g->spare[--g->nspare];
    pthread_mutex_unlock(&g->spare_lock);
    int rc;
    if (gi) {
        hive_wasi *wasi = gi->wasi;
        hive_extern *imports = gi->imports;
        size_t nimports = gi->nimports;
        hive_exec *exec = gi->exec; /* (idle: reset when it was kept) */
        memset(gi, 0, sizeof *gi);
        gi->g = g;
        gi->wasi = wasi;
        gi->imports = imports;
        gi->nimports = nimports;
        gi->exec = exec;
    } else {
        gi = calloc(1, sizeof *gi);
        if (!gi) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        gi->g = g;
        gi->nimports = hive_module_import_count(g->module);
        gi->imports = calloc(gi->nimports ? gi->nimports : 1, sizeof *gi->imports);
    }
    gi->w = w;
    gi->head = gi->head_small;
    gi->head_cap = sizeof gi->head_small;
    if (!gi->exec) gi->exec = hive_exec_new(g->engine);
    if (!gi->exec || !gi->imports) {
        rc = hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        goto fail;
    }
    if (!gi->wasi) {
        hive_wasi_config cfg;
        wagi_wasi_config(gi, &cfg);
        rc = hive_wasi_new(g->engine, &cfg, &gi->wasi, err);
        if (rc != HIVE_OK) goto fail;
        rc = hive_wasi_imports(gi->wasi, g->module, gi->imports, gi->nimports, NULL, err);
        if (rc != HIVE_OK) goto fail;
    }
    rc = hive_instance_new(g->engine, g->module, gi->imports, gi->nimports, &gi->inst, err);
    if (rc != HIVE_OK) goto fail;
    hive_extern ex;
    if (hive_instance_export(gi->inst, "_start", 6, &ex) != HIVE_OK || ex.kind != HIVE_EXTERN_FUNC) {
        rc = hv_error_set(err, HIVE_EUNLINKABLE, 0, "the module exports no _start function");
        goto fail;
    }
    gi->entry = ex.of.func;
    *out = gi;
    return 0;
fail:
    wagi_discard(gi);
    if (!err->message[0]) hv_error_set(err, rc, 0, "%s", hive_strerror(rc));
    return rc;
}

/* Gives the instance its request: the CGI environment. Returns 0, or
 * fails the request and returns -1. */
static int wagi_start(guest_inst *gi, hive_req *req, uint64_t task_id) {
    (void)task_id;
    wagi_guest *g = gi->g;
    gi->req = req;
    const hive_request_info *info = hv_handler_req_info(req);
    envbuf env;
    env_init(&env);
    wagi_build_env(g, info, &env);
    const char *argv[1] = {info->path};
    const char *const *vars = env_vars(&env);
    int rc = !vars ? HIVE_ENOMEM : hive_wasi_set_args(gi->wasi, argv, 1, vars, env.n);
    env_free(&env);
    if (rc != HIVE_OK) {
        gi->entry = NULL; /* run() ends the worker */
        snprintf(gi->error, sizeof gi->error, "cannot set the request's environment: %s",
                 hive_strerror(rc));
        hv_handler_req_fail(req, HIVE_HANDLE_FAILED, gi->error);
        return -1;
    }
    return 0;
}

/* The guest's program has ended: close the response. */
static guest_run wagi_finish(guest_inst *gi) {
    if (gi->held) { /* the whole body is known: sent with its length */
        if (wagi_send_held(gi, true) == 0) hv_handler_req_end(gi->req);
    } else if (!gi->gone) {
        if (!gi->head_done)
            hv_handler_req_fail(gi->req,
                             gi->head_len ? HIVE_HANDLE_BAD_RESPONSE : HIVE_HANDLE_NO_RESPONSE,
                             gi->head_len ? "the guest's CGI head is incomplete"
                                          : "the guest wrote no response");
        else
            hv_handler_req_end(gi->req);
    }
    hv_handler_req_task_done(gi->req);
    return GUEST_RUN_EXIT;
}

/* Counts what the call or resume given `given` units used. */
static void wagi_count(guest_inst *gi, uint64_t given) {
    uint64_t left = hive_exec_budget_left(gi->exec);
    gi->used += left < given ? given - left : 0;
}

/* Runs the guest for at most budget units in all (gi->used says how many
 * it used), completing pending host calls whose event has come. */
static guest_run wagi_run_slice(guest_inst *gi, uint64_t budget) {
    hive_status st;
    gi->used = 0;
    if (!gi->entry) return GUEST_RUN_EXIT; /* start failed */
    if (!budget) budget = 1; /* 0 would mean no limit to the engine */
    if (!gi->started) {
        gi->started = true;
        st = hive_exec_call(gi->exec, gi->entry, NULL, 0, budget);
        wagi_count(gi, budget);
    } else if (hive_exec_status(gi->exec) == HIVE_PENDING) {
        st = HIVE_PENDING;
    } else {
        st = hive_exec_resume(gi->exec, budget);
        wagi_count(gi, budget);
    }
    for (int rounds = 0; st == HIVE_PENDING; rounds++) {
        int rc = hive_wasi_complete_pending(gi->wasi, gi->exec);
        if (rc == HIVE_WASI_STILL_WAITING) {
            hive_wasi_wait wait;
            if (hive_wasi_pending(gi->wasi, &wait) && wait.deadline_ns != UINT64_MAX)
                hv_handler_wake_at(gi->w, wait.deadline_ns);
            return GUEST_RUN_WAIT;
        }
        if (rc != HIVE_OK) {
            snprintf(gi->error, sizeof gi->error, "a pending host call failed");
            return GUEST_RUN_TRAP;
        }
        if (gi->used >= budget || rounds >= 64)
            return GUEST_RUN_MORE; /* completed: resumes in the next slice */
        uint64_t given = budget - gi->used;
        st = hive_exec_resume(gi->exec, given);
        wagi_count(gi, given);
    }
    switch (st) {
    case HIVE_SUSPENDED:
        return GUEST_RUN_MORE;
    case HIVE_DONE:
        return wagi_finish(gi);
    case HIVE_TRAPPED: {
        const hive_trap *t = hive_exec_trap(gi->exec);
        if (t->kind == HIVE_TRAP_EXIT) return wagi_finish(gi);
        snprintf(gi->error, sizeof gi->error, "%s", t->message);
        return GUEST_RUN_TRAP;
    }
    default:
        snprintf(gi->error, sizeof gi->error, "the guest could not be called");
        return GUEST_RUN_TRAP;
    }
}

/* wagi_run_slice; a head still held when the slice ends without the
 * guest's end goes out now, chunked: a guest that streams, waits or
 * computes is not held back longer than its slice. */
static guest_run wagi_run(guest_inst *gi, uint64_t budget) {
    guest_run r = wagi_run_slice(gi, budget);
    if (gi->held) (void)wagi_send_held(gi, false);
    return r;
}

static uint64_t wagi_used(guest_inst *gi) { return gi->used; }

static void wagi_memory(hive_guest *guest, uint64_t *committed, uint64_t *budget) {
    wagi_guest *g = (wagi_guest *)guest;
    *committed = hive_engine_memory_committed(g->engine);
    *budget = hive_engine_memory_budget(g->engine);
}

static void wagi_interrupt(guest_inst *gi) { hive_exec_interrupt(gi->exec); }

static int wagi_cancel(guest_inst *gi, hive_req *req) {
    (void)gi;
    (void)req;
    return -1; /* the instance exists for this one request */
}

static const char *wagi_error(guest_inst *gi) { return gi->error; }

/* Ends an instance. Its WASI world is reset (every fd the guest had
 * closed, no pending call, no arguments or environment: nothing of this
 * request stays) and kept, with its resolved imports and its exec (idle
 * again, its interrupt flag cleared), for the next instance, while there
 * is room; else freed. */
static void wagi_free(guest_inst *gi) {
    if (!gi) return;
    wagi_guest *g = gi->g;
    hive_instance_free(gi->inst);
    gi->inst = NULL;
    hive_exec_reset(gi->exec);
    if (gi->head != gi->head_small) free(gi->head);
    gi->head = gi->head_small;
    pthread_mutex_lock(&g->spare_lock);
    bool room = g->nspare < WAGI_SPARES;
    pthread_mutex_unlock(&g->spare_lock);
    if (room && gi->wasi) {
        hive_wasi_config cfg;
        wagi_wasi_config(gi, &cfg);
        hive_error err;
        memset(&err, 0, sizeof err);
        if (hive_wasi_reset(gi->wasi, &cfg, &err) == HIVE_OK) {
            pthread_mutex_lock(&g->spare_lock);
            bool kept = g->nspare < WAGI_SPARES;
            if (kept) g->spare[g->nspare++] = gi;
            pthread_mutex_unlock(&g->spare_lock);
            if (kept) return;
        }
    }
    wagi_discard(gi);
}

static uint64_t wagi_footprint(guest_inst *gi) {
    return gi ? hive_memory_size(hive_instance_memory(gi->inst)) : 0;
}

static void wagi_free_guest(hive_guest *guest) {
    wagi_guest *g = (wagi_guest *)guest;
    for (size_t i = 0; i < g->nspare; i++) wagi_discard(g->spare[i]);
    pthread_mutex_destroy(&g->spare_lock);
    for (size_t i = 0; i < g->nenv; i++) free(g->env[i]);
    free(g->env);
    for (size_t i = 0; i < g->npreopens; i++) {
        free((char *)g->preopens[i].host_path);
        free((char *)g->preopens[i].guest_path);
    }
    free(g->preopens);
    hive_module_release(g->module);
    free(g);
}

static const guest_ops wagi_ops = {
    .name = "wagi",
    .max_concurrent = 1,
    .max_total = 1,
    .instantiate = wagi_instantiate,
    .start = wagi_start,
    .run = wagi_run,
    .interrupt = wagi_interrupt,
    .used = wagi_used,
    .memory = wagi_memory,
    .cancel = wagi_cancel,
    .error = wagi_error,
    .free = wagi_free,
    .free_guest = wagi_free_guest,
    .footprint = wagi_footprint,
};

int hive_guest_wagi_new(hive_engine *engine, hive_module *module, const char *const *env,
                        size_t nenv, const char *const *dirs, size_t ndirs, hive_guest **out,
                        hive_error *err) {
    *out = NULL;
    wagi_guest *g = calloc(1, sizeof *g);
    if (!g) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    g->base.ops = &wagi_ops;
    g->engine = engine;
    pthread_mutex_init(&g->spare_lock, NULL);
    hive_module_retain(module);
    g->module = module;
    g->env = calloc(nenv ? nenv : 1, sizeof *g->env);
    g->preopens = calloc(ndirs ? ndirs : 1, sizeof *g->preopens);
    if (!g->env || !g->preopens) goto oom;
    for (size_t i = 0; i < nenv; i++) {
        if (!(g->env[i] = strdup(env[i]))) goto oom;
        g->nenv++;
    }
    for (size_t i = 0; i < ndirs; i++) {
        const char *sep = strstr(dirs[i], "::");
        char *host = sep ? strndup(dirs[i], (size_t)(sep - dirs[i])) : strdup(dirs[i]);
        char *guest_path = strdup(sep ? sep + 2 : dirs[i]);
        g->preopens[i].host_path = host;
        g->preopens[i].guest_path = guest_path;
        g->npreopens++;
        if (!host || !guest_path) goto oom;
    }
    *out = &g->base;
    return HIVE_OK;
oom:
    wagi_free_guest(&g->base);
    return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
}
