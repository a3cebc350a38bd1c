/*
 * wasi.c -- the WASI context: its lifetime, the guest's fd table, the
 * table of preview-1 functions and their host-function trampoline, import
 * resolution, pending calls (hive_wasi_pending / _complete_pending) and
 * the blocking driver hive_wasi_run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hive/wasi.h"
#include "support/error.h"
#include "wasi/wasi_impl.h"

#define WASI_MODULE "wasi_snapshot_preview1"
#define WASI_MAX_FDS (1u << 20) /* guest fds per context */

/* ---- the function table -------------------------------------------------- */

/* One preview-1 function: its name, its type as a string of parameter
 * letters then results (i = i32, I = i64), its implementation, and
 * whether it may wait (and so go PENDING). */
typedef struct wasi_fn_desc {
    const char *name;
    const char *params;
    const char *results;
    wasi_impl_fn impl;
    wasi_op op;
    uint8_t name_len, nparams, nresults; /* (the strings' lengths) */
} wasi_fn_desc;

#define F(name, params, results, op)                                                      \
    {#name, params, results, hv_wasi_##name, op, sizeof(#name) - 1, sizeof(params) - 1,  \
     sizeof(results) - 1}
static const wasi_fn_desc wasi_table[] = {
    F(args_get, "ii", "i", WASI_OP_NONE),
    F(args_sizes_get, "ii", "i", WASI_OP_NONE),
    F(environ_get, "ii", "i", WASI_OP_NONE),
    F(environ_sizes_get, "ii", "i", WASI_OP_NONE),
    F(clock_res_get, "ii", "i", WASI_OP_NONE),
    F(clock_time_get, "iIi", "i", WASI_OP_NONE),
    F(fd_advise, "iIIi", "i", WASI_OP_NONE),
    F(fd_allocate, "iII", "i", WASI_OP_NONE),
    F(fd_close, "i", "i", WASI_OP_NONE),
    F(fd_datasync, "i", "i", WASI_OP_NONE),
    F(fd_fdstat_get, "ii", "i", WASI_OP_NONE),
    F(fd_fdstat_set_flags, "ii", "i", WASI_OP_NONE),
    F(fd_fdstat_set_rights, "iII", "i", WASI_OP_NONE),
    F(fd_filestat_get, "ii", "i", WASI_OP_NONE),
    F(fd_filestat_set_size, "iI", "i", WASI_OP_NONE),
    F(fd_filestat_set_times, "iIIi", "i", WASI_OP_NONE),
    F(fd_pread, "iiiIi", "i", WASI_OP_READ),
    F(fd_prestat_get, "ii", "i", WASI_OP_NONE),
    F(fd_prestat_dir_name, "iii", "i", WASI_OP_NONE),
    F(fd_pwrite, "iiiIi", "i", WASI_OP_WRITE),
    F(fd_read, "iiii", "i", WASI_OP_READ),
    F(fd_readdir, "iiiIi", "i", WASI_OP_NONE),
    F(fd_renumber, "ii", "i", WASI_OP_NONE),
    F(fd_seek, "iIii", "i", WASI_OP_NONE),
    F(fd_sync, "i", "i", WASI_OP_NONE),
    F(fd_tell, "ii", "i", WASI_OP_NONE),
    F(fd_write, "iiii", "i", WASI_OP_WRITE),
    F(path_create_directory, "iii", "i", WASI_OP_NONE),
    F(path_filestat_get, "iiiii", "i", WASI_OP_NONE),
    F(path_filestat_set_times, "iiiiIIi", "i", WASI_OP_NONE),
    F(path_link, "iiiiiii", "i", WASI_OP_NONE),
    F(path_open, "iiiiiIIii", "i", WASI_OP_NONE),
    F(path_readlink, "iiiiii", "i", WASI_OP_NONE),
    F(path_remove_directory, "iii", "i", WASI_OP_NONE),
    F(path_rename, "iiiiii", "i", WASI_OP_NONE),
    F(path_symlink, "iiiii", "i", WASI_OP_NONE),
    F(path_unlink_file, "iii", "i", WASI_OP_NONE),
    F(poll_oneoff, "iiii", "i", WASI_OP_POLL),
    F(proc_exit, "i", "", WASI_OP_NONE),
    F(proc_raise, "i", "i", WASI_OP_NONE),
    F(sched_yield, "", "i", WASI_OP_NONE),
    F(random_get, "ii", "i", WASI_OP_NONE),
    F(sock_accept, "iii", "i", WASI_OP_READ),
    F(sock_recv, "iiiiii", "i", WASI_OP_READ),
    F(sock_send, "iiiii", "i", WASI_OP_WRITE),
    F(sock_shutdown, "ii", "i", WASI_OP_NONE),
};
#undef F
#define WASI_NFUNCS (sizeof wasi_table / sizeof wasi_table[0])

/* What a host function's user pointer is. */
struct wasi_binding {
    hive_wasi *w;
    uint32_t index;
};

/* ---- small helpers ------------------------------------------------------- */

uint64_t hv_wasi_now_ns(int clock) {
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t hv_wasi_put32(wasi_call *c, uint32_t off, uint32_t v) {
    uint8_t *p = wasi_mem(c, off, 4);
    if (!p) return WASI_EFAULT;
    wasi_st32(p, v);
    return 0;
}

uint32_t hv_wasi_put64(wasi_call *c, uint32_t off, uint64_t v) {
    uint8_t *p = wasi_mem(c, off, 8);
    if (!p) return WASI_EFAULT;
    wasi_st64(p, v);
    return 0;
}

uint32_t hv_wasi_iovs_load(wasi_call *c, uint32_t iovs, uint32_t n, struct iovec *out, int *cnt,
                        size_t *total) {
    const uint8_t *arr = wasi_mem(c, iovs, (uint64_t)n * 8);
    if (!arr) return WASI_EFAULT;
    if (n > WASI_IOV_MAX) n = WASI_IOV_MAX;
    size_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = wasi_ld32(arr + 8 * i), len = wasi_ld32(arr + 8 * i + 4);
        uint8_t *b = wasi_mem(c, p, len);
        if (!b) return WASI_EFAULT;
        out[i].iov_base = b;
        out[i].iov_len = len;
        sum += len;
    }
    *cnt = (int)n;
    if (total) *total = sum;
    return 0;
}

uint8_t hv_wasi_filetype_of_mode(mode_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN; /* FIFOs: WASI has no name */
    }
}

void hv_wasi_wait_clear(hive_wasi *w) {
    w->wait_nfds = 0;
    w->wait_deadline = UINT64_MAX;
    w->wait_streams = 0;
}

int hv_wasi_wait_fd(hive_wasi *w, int fd, short events) {
    if (w->wait_nfds == w->wait_cap) {
        size_t cap = w->wait_cap ? w->wait_cap * 2 : 8;
        struct pollfd *p = realloc(w->wait_fds, cap * sizeof *p);
        if (!p) return -1;
        w->wait_fds = p;
        w->wait_cap = cap;
    }
    w->wait_fds[w->wait_nfds].fd = fd;
    w->wait_fds[w->wait_nfds].events = events;
    w->wait_fds[w->wait_nfds].revents = 0;
    w->wait_nfds++;
    return 0;
}

void hv_wasi_wait_deadline(hive_wasi *w, uint64_t deadline_ns) {
    if (deadline_ns < w->wait_deadline) w->wait_deadline = deadline_ns;
}

/* ---- the fd table -------------------------------------------------------- */

wasi_fd *hv_wasi_fd_get(hive_wasi *w, uint32_t fd, uint64_t rights, uint32_t *err) {
    if (fd >= w->nfds || !w->fds[fd].used) {
        *err = WASI_EBADF;
        return NULL;
    }
    wasi_fd *e = &w->fds[fd];
    if ((e->rights & rights) != rights) {
        *err = WASI_ENOTCAPABLE;
        return NULL;
    }
    return e;
}

wasi_fd *hv_wasi_fd_alloc(hive_wasi *w, uint32_t *fd_out) {
    uint32_t i = 0;
    while (i < w->nfds && w->fds[i].used) i++;
    if (i == w->nfds) {
        if (w->nfds >= WASI_MAX_FDS) return NULL;
        uint32_t n = w->nfds ? w->nfds * 2 : 16;
        wasi_fd *p = realloc(w->fds, n * sizeof *p);
        if (!p) return NULL;
        memset(p + w->nfds, 0, (n - w->nfds) * sizeof *p);
        w->fds = p;
        w->nfds = n;
    }
    wasi_fd *e = &w->fds[i];
    memset(e, 0, sizeof *e);
    e->used = 1;
    e->host = -1;
    *fd_out = i;
    return e;
}

void hv_wasi_fd_release(wasi_fd *e) {
    if (!e->used) return;
    if (e->kind == WASI_FD_HOST && e->owned && e->host >= 0) close(e->host);
    free(e->preopen);
    memset(e, 0, sizeof *e);
    e->host = -1;
}

/* Sets up a host fd entry from fstat: filetype and rights by kind. */
void hv_wasi_fd_setup_host(wasi_fd *e, int host, int owned) {
    struct stat st;
    e->kind = WASI_FD_HOST;
    e->host = host;
    e->owned = (uint8_t)owned;
    e->filetype = fstat(host, &st) == 0 ? hv_wasi_filetype_of_mode(st.st_mode)
                                         : WASI_FILETYPE_UNKNOWN;
    switch (e->filetype) {
    case WASI_FILETYPE_REGULAR_FILE:
    case WASI_FILETYPE_BLOCK_DEVICE: e->rights = WASI_RIGHTS_FILE; break;
    case WASI_FILETYPE_DIRECTORY: e->rights = WASI_RIGHTS_DIR; break;
    case WASI_FILETYPE_SOCKET_STREAM:
        e->rights = WASI_RIGHTS_STREAM | WASI_R_SOCK_SHUTDOWN | WASI_R_SOCK_ACCEPT;
        break;
    case WASI_FILETYPE_CHARACTER_DEVICE:
        e->rights = isatty(host) ? WASI_RIGHTS_STREAM : WASI_RIGHTS_CHARDEV;
        break;
    default: e->rights = WASI_RIGHTS_STREAM; break;
    }
    e->inheriting = e->filetype == WASI_FILETYPE_DIRECTORY ? WASI_RIGHTS_DIR | WASI_RIGHTS_FILE
                                                            : 0;
    int fl = fcntl(host, F_GETFL);
    if (fl >= 0 && (fl & O_APPEND)) e->fdflags |= WASI_FDFLAG_APPEND;
}

/* ---- lifetime ------------------------------------------------------------- */

/* Packs strings back to back, NUL-terminated, into *buf. */
static int pack_strings(const char *const *v, size_t n, char **buf, size_t *len, uint32_t *count) {
    size_t total = 0;
    size_t lens[64]; /* (the first strings' lengths, not measured twice) */
    for (size_t i = 0; i < n; i++) {
        if (!v[i]) return -1;
        size_t l = strlen(v[i]) + 1;
        if (i < 64) lens[i] = l;
        total += l;
    }
    if (n > UINT32_MAX / 4 || total > UINT32_MAX / 2) return -1;
    char *b = malloc(total ? total : 1);
    if (!b) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = i < 64 ? lens[i] : strlen(v[i]) + 1;
        memcpy(b + o, v[i], l);
        o += l;
    }
    *buf = b;
    *len = total;
    *count = (uint32_t)n;
    return 0;
}

int hive_wasi_set_args(hive_wasi *w, const char *const *argv, size_t argc,
                       const char *const *env, size_t envc) {
    if (!w) return HIVE_EARG;
    char *ab = NULL, *eb = NULL;
    size_t al, el;
    uint32_t ac, ec;
    if (pack_strings(argv, argc, &ab, &al, &ac) < 0) return HIVE_EARG;
    if (pack_strings(env, envc, &eb, &el, &ec) < 0) {
        free(ab);
        return HIVE_EARG;
    }
    free(w->argbuf);
    free(w->envbuf);
    w->argbuf = ab, w->argbuf_len = al, w->argc = ac;
    w->envbuf = eb, w->envbuf_len = el, w->envc = ec;
    return HIVE_OK;
}

/* Sets up fds 0, 1, 2 and the preopens of cfg in w (whose fd table is
 * empty). */
static int wasi_setup_fds(hive_wasi *w, const hive_wasi_config *cfg, hive_error *err) {
    for (int i = 0; i < 3; i++) {
        uint32_t fd;
        wasi_fd *e = hv_wasi_fd_alloc(w, &fd);
        if (!e) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        const hive_wasi_stdio *s = &cfg->stdio[i];
        switch (s->kind) {
        case HIVE_WASI_STDIO_FD:
            if (s->fd < 0 || fcntl(s->fd, F_GETFD) < 0) {
                e->used = 0; /* a closed host fd: the guest fd is closed too */
                break;
            }
            hv_wasi_fd_setup_host(e, s->fd, 0);
            break;
        case HIVE_WASI_STDIO_STREAM:
            e->kind = WASI_FD_STREAM;
            e->stream = (uint8_t)i;
            e->filetype = WASI_FILETYPE_UNKNOWN;
            e->rights = WASI_RIGHTS_STREAM;
            w->streams[i] = s->stream;
            break;
        default:
            e->kind = WASI_FD_NULL;
            e->filetype = WASI_FILETYPE_UNKNOWN;
            e->rights = WASI_RIGHTS_STREAM;
            break;
        }
    }
    for (size_t i = 0; i < cfg->npreopens; i++) {
        const hive_wasi_preopen *p = &cfg->preopens[i];
        if (!p->host_path) {
            return hv_error_set(err, HIVE_EARG, 0, "preopen %zu has no host path", i);
        }
        const char *name = p->guest_path ? p->guest_path : p->host_path;
        int hfd = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (hfd < 0) {
            return hv_error_set(err, HIVE_EARG, 0, "cannot open directory %s: %s", p->host_path,
                                strerror(errno));
        }
        uint32_t fd;
        wasi_fd *e = hv_wasi_fd_alloc(w, &fd);
        if (!e) {
            close(hfd);
            return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        }
        hv_wasi_fd_setup_host(e, hfd, 1);
        e->preopen_len = strlen(name);
        e->preopen = malloc(e->preopen_len + 1);
        if (!e->preopen) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        memcpy(e->preopen, name, e->preopen_len + 1);
    }
    return HIVE_OK;
}

int hive_wasi_new(hive_engine *engine, const hive_wasi_config *cfg, hive_wasi **out,
                  hive_error *err) {
    if (!out) return hv_error_set(err, HIVE_EARG, 0, "no output pointer");
    *out = NULL;
    if (!engine) return hv_error_set(err, HIVE_EARG, 0, "no engine");
    hive_wasi_config none;
    if (!cfg) {
        memset(&none, 0, sizeof none);
        cfg = &none;
    }
    hive_wasi *w = calloc(1, sizeof *w);
    if (!w) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    w->engine = engine;
    w->flags = cfg->flags;
    hv_wasi_wait_clear(w);
    int rc = HIVE_ENOMEM;
    if (pack_strings(cfg->argv, cfg->argc, &w->argbuf, &w->argbuf_len, &w->argc) < 0 ||
        pack_strings(cfg->env, cfg->envc, &w->envbuf, &w->envbuf_len, &w->envc) < 0) {
        hv_error_set(err, HIVE_EARG, 0, "bad argument or environment list");
        rc = HIVE_EARG;
        goto fail;
    }
    w->funcs = calloc(WASI_NFUNCS, sizeof *w->funcs);
    w->bindings = calloc(WASI_NFUNCS, sizeof *w->bindings);
    if (!w->funcs || !w->bindings) goto fail_nomem;
    for (uint32_t i = 0; i < WASI_NFUNCS; i++) {
        w->bindings[i].w = w;
        w->bindings[i].index = i;
    }
    rc = wasi_setup_fds(w, cfg, err);
    if (rc != HIVE_OK) goto fail;
    *out = w;
    return HIVE_OK;
fail_nomem:
    rc = hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
fail:
    hive_wasi_free(w);
    return rc;
}

void hive_wasi_free(hive_wasi *w) {
    if (!w) return;
    for (uint32_t i = 0; i < w->nfds; i++) hv_wasi_fd_release(&w->fds[i]);
    free(w->fds);
    if (w->funcs)
        for (uint32_t i = 0; i < WASI_NFUNCS; i++) hive_func_free(w->funcs[i]);
    free(w->funcs);
    free(w->bindings);
    free(w->argbuf);
    free(w->envbuf);
    free(w->poll_deadlines);
    free(w->wait_fds);
    free(w);
}

int hive_wasi_reset(hive_wasi *w, const hive_wasi_config *cfg, hive_error *err) {
    if (!w) return hv_error_set(err, HIVE_EARG, 0, "no wasi");
    hive_wasi_config none;
    if (!cfg) {
        memset(&none, 0, sizeof none);
        cfg = &none;
    }
    /* every fd closed (the table keeps its size, all entries free) */
    for (uint32_t i = 0; i < w->nfds; i++) hv_wasi_fd_release(&w->fds[i]);
    memset(w->streams, 0, sizeof w->streams);
    w->pend_op = WASI_OP_NONE;
    w->pend_mem = NULL;
    hv_wasi_wait_clear(w);
    w->flags = cfg->flags;
    free(w->argbuf);
    free(w->envbuf);
    w->argbuf = w->envbuf = NULL;
    w->argbuf_len = w->envbuf_len = 0;
    w->argc = w->envc = 0;
    if (pack_strings(cfg->argv, cfg->argc, &w->argbuf, &w->argbuf_len, &w->argc) < 0 ||
        pack_strings(cfg->env, cfg->envc, &w->envbuf, &w->envbuf_len, &w->envc) < 0)
        return hv_error_set(err, HIVE_EARG, 0, "bad argument or environment list");
    return wasi_setup_fds(w, cfg, err);
}

/* ---- calls ---------------------------------------------------------------- */

/* The host function behind every WASI import. */
static hive_host_status wasi_trampoline(hive_host_call *call, const hive_val *args,
                                        hive_val *results) {
    struct wasi_binding *b = call->user;
    hive_wasi *w = b->w;
    const wasi_fn_desc *d = &wasi_table[b->index];
    if (w->pend_op != WASI_OP_NONE) {
        hive_host_trap(call, "wasi: a call was made while another is pending");
        return HIVE_HOST_TRAP;
    }
    wasi_call c = {w, call->caller ? hive_instance_memory(call->caller) : NULL, call, 0};
    hv_wasi_wait_clear(w);
    uint32_t r = d->impl(&c, args);
    if (r == WASI_TRAPPED) return HIVE_HOST_TRAP;
    if (r == WASI_PENDING) {
        w->pend_op = d->op;
        w->pend_func = b->index;
        w->pend_mem = c.mem;
        memcpy(w->pend_args, args, d->nparams * sizeof *args);
        return HIVE_HOST_PENDING;
    }
    if (d->results[0]) {
        results[0].type = HIVE_I32;
        results[0].of.i32 = r;
    }
    return HIVE_HOST_OK;
}

/* Builds (once) the host function for table entry i. */
static hive_func *wasi_func(hive_wasi *w, uint32_t i) {
    if (w->funcs[i]) return w->funcs[i];
    const wasi_fn_desc *d = &wasi_table[i];
    uint8_t params[WASI_MAX_ARGS], results[1];
    hive_functype t = {d->nparams, d->nresults, params, results};
    for (uint32_t k = 0; k < t.nparams; k++) params[k] = d->params[k] == 'I' ? HIVE_I64 : HIVE_I32;
    if (t.nresults) results[0] = HIVE_I32;
    char name[64] = "wasi:"; /* (the longest name is 23 bytes) */
    memcpy(name + 5, d->name, (size_t)d->name_len + 1);
    w->funcs[i] = hive_func_new_host(w->engine, &t, wasi_trampoline, &w->bindings[i], NULL, name);
    return w->funcs[i];
}

/* Does the import's function type equal table entry d's? */
static int type_matches(const hive_externtype *t, const wasi_fn_desc *d) {
    if (t->kind != HIVE_EXTERN_FUNC) return 0;
    if (t->func.nparams != d->nparams || t->func.nresults != d->nresults) return 0;
    for (uint32_t k = 0; k < t->func.nparams; k++)
        if (t->func.params[k] != (d->params[k] == 'I' ? HIVE_I64 : HIVE_I32)) return 0;
    for (uint32_t k = 0; k < t->func.nresults; k++)
        if (t->func.results[k] != HIVE_I32) return 0;
    return 1;
}

int hive_wasi_imports(hive_wasi *w, const hive_module *module, hive_extern *imports, size_t n,
                      uint8_t *resolved, hive_error *err) {
    if (!w || !module || (n && !imports)) return hv_error_set(err, HIVE_EARG, 0, "bad arguments");
    if (n != hive_module_import_count(module))
        return hv_error_set(err, HIVE_EARG, 0, "import count %zu, module has %zu", n,
                            hive_module_import_count(module));
    for (size_t i = 0; i < n; i++) {
        const char *mod, *name;
        size_t ml, nl;
        hive_externtype t;
        if (resolved) resolved[i] = 0;
        if (hive_module_import(module, i, &mod, &ml, &name, &nl, &t) != HIVE_OK)
            return hv_error_set(err, HIVE_EARG, 0, "cannot read import %zu", i);
        if (ml != sizeof WASI_MODULE - 1 || memcmp(mod, WASI_MODULE, ml) != 0) {
            if (resolved) continue;
            return hv_error_set(err, HIVE_EUNLINKABLE, 0, "unknown import %.*s.%.*s", (int)ml,
                                mod, (int)nl, name);
        }
        uint32_t k = 0;
        while (k < WASI_NFUNCS &&
               (wasi_table[k].name_len != nl || memcmp(wasi_table[k].name, name, nl) != 0))
            k++;
        if (k == WASI_NFUNCS)
            return hv_error_set(err, HIVE_EUNLINKABLE, 0, "unknown WASI function %.*s.%.*s",
                                (int)ml, mod, (int)nl, name);
        if (!type_matches(&t, &wasi_table[k]))
            return hv_error_set(err, HIVE_EUNLINKABLE, 0,
                                "import %.*s.%.*s has the wrong type", (int)ml, mod, (int)nl,
                                name);
        hive_func *f = wasi_func(w, k);
        if (!f) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        imports[i].kind = HIVE_EXTERN_FUNC;
        imports[i].of.func = f;
        if (resolved) resolved[i] = 1;
    }
    return HIVE_OK;
}

/* ---- pending calls ---------------------------------------------------------- */

int hive_wasi_pending(const hive_wasi *w, hive_wasi_wait *out) {
    if (!w || w->pend_op == WASI_OP_NONE) return 0;
    if (out) {
        out->deadline_ns = w->wait_deadline;
        out->fds = w->wait_fds;
        out->nfds = w->wait_nfds;
        out->streams = w->wait_streams;
    }
    return 1;
}

int hive_wasi_complete_pending(hive_wasi *w, hive_exec *exec) {
    if (!w || w->pend_op == WASI_OP_NONE) return HIVE_ESTATE;
    wasi_call c = {w, w->pend_mem, NULL, 1};
    hv_wasi_wait_clear(w);
    uint32_t r = wasi_table[w->pend_func].impl(&c, w->pend_args);
    if (r == WASI_PENDING) return HIVE_WASI_STILL_WAITING;
    w->pend_op = WASI_OP_NONE;
    if (r == WASI_TRAPPED) return hive_exec_complete_trap(exec, "wasi: call failed");
    hive_val v;
    memset(&v, 0, sizeof v);
    v.type = HIVE_I32;
    v.of.i32 = r;
    return hive_exec_complete(exec, &v, 1);
}

void hive_wasi_cancel_pending(hive_wasi *w) {
    if (!w) return;
    w->pend_op = WASI_OP_NONE;
    hv_wasi_wait_clear(w);
}

/* ---- the blocking driver ------------------------------------------------------ */

/* Blocks until what the pending call waits for may have happened, or the
 * run's deadline (0: none) passes. */
static void run_wait(hive_wasi *w, uint64_t run_deadline) {
    hive_wasi_wait wt;
    if (!hive_wasi_pending(w, &wt)) return;
    uint64_t until = wt.deadline_ns;
    if (run_deadline && run_deadline < until) until = run_deadline;
    uint64_t now = hv_wasi_now_ns(CLOCK_MONOTONIC);
    uint64_t wait_ns = until > now ? until - now : 0;
    if (wt.streams && wait_ns > 1000000) wait_ns = 1000000; /* embedder streams: poll them */
    struct timespec ts = {(time_t)(wait_ns / 1000000000u), (long)(wait_ns % 1000000000u)};
    if (until == UINT64_MAX && !wt.streams) {
        if (wt.nfds) ppoll(w->wait_fds, wt.nfds, NULL, NULL);
        else nanosleep(&(struct timespec){0, 1000000}, NULL); /* waits for nothing: spin slowly */
        return;
    }
    ppoll(wt.nfds ? w->wait_fds : NULL, wt.nfds, &ts, NULL);
}

hive_status hv_wasi_run_loop(const wasi_run_ops *ops, void *ctx, const hive_wasi_run_opts *opts, int *stop) {
    hive_wasi_run_opts none = {0, 0, 0};
    if (!opts) opts = &none;
    if (stop) *stop = HIVE_WASI_STOP_NONE;
    uint64_t slice = opts->slice ? opts->slice : 1000000u;
    uint64_t left = opts->fuel;
    uint64_t deadline = opts->timeout_ns ? hv_wasi_now_ns(CLOCK_MONOTONIC) + opts->timeout_ns : 0;
    uint64_t budget = left && left < slice ? left : slice;
    hive_status st = ops->step(ctx, 1, budget);
    for (;;) {
        int why = HIVE_WASI_STOP_NONE;
        if (st == HIVE_SUSPENDED) {
            if (left) {
                left -= left < budget ? left : budget;
                if (!left) why = HIVE_WASI_STOP_FUEL;
            }
        } else if (st == HIVE_PENDING) {
            int rc;
            while ((rc = ops->complete(ctx)) == HIVE_WASI_STILL_WAITING) {
                if (deadline && hv_wasi_now_ns(CLOCK_MONOTONIC) >= deadline) break;
                ops->wait(ctx, deadline);
            }
            if (rc == HIVE_WASI_STILL_WAITING) {
                why = HIVE_WASI_STOP_TIMEOUT;
            } else if (rc != HIVE_OK) {
                ops->abandon(ctx);
                return HIVE_FAILED;
            }
        } else {
            return st;
        }
        if (!why && deadline && hv_wasi_now_ns(CLOCK_MONOTONIC) >= deadline)
            why = HIVE_WASI_STOP_TIMEOUT;
        if (why) {
            ops->abandon(ctx);
            if (stop) *stop = why;
            return HIVE_SUSPENDED;
        }
        budget = left && left < slice ? left : slice;
        st = ops->step(ctx, 0, budget);
    }
}

/* A preview-1 call for hv_wasi_run_loop. */
typedef struct {
    hive_wasi *w;
    hive_exec *exec;
    hive_func *func;
    const hive_val *args;
    size_t nargs;
} run_p1;

static hive_status run_p1_step(void *ctx, int first, uint64_t budget) {
    run_p1 *r = ctx;
    return first ? hive_exec_call(r->exec, r->func, r->args, r->nargs, budget) : hive_exec_resume(r->exec, budget);
}

static int run_p1_complete(void *ctx) {
    run_p1 *r = ctx;
    return hive_wasi_complete_pending(r->w, r->exec);
}

static void run_p1_wait(void *ctx, uint64_t deadline) {
    run_wait(((run_p1 *)ctx)->w, deadline);
}

static void run_p1_abandon(void *ctx) {
    run_p1 *r = ctx;
    hive_wasi_cancel_pending(r->w);
    hive_exec_reset(r->exec);
}

hive_status hive_wasi_run(hive_wasi *w, hive_exec *exec, hive_func *func, const hive_val *args,
                          size_t nargs, const hive_wasi_run_opts *opts, int *stop) {
    static const wasi_run_ops ops = {run_p1_step, run_p1_complete, run_p1_wait, run_p1_abandon};
    run_p1 r = {w, exec, func, args, nargs};
    return hv_wasi_run_loop(&ops, &r, opts, stop);
}
