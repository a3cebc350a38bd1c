/*
 * instance.c -- external values (host functions, linear memories, tables,
 * globals) and instantiation: import matching, creation of the module's
 * own functions, tables, memory and globals, and initialisation from
 * element and data segments, as the spec's "instantiate" describes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "support/alloc.h"
#include "support/error.h"
#include "wasm/runtime.h"

#define PAGE_SIZE_WASM 65536u

/* ---- functions ------------------------------------------------------------ */

/* Copies type (parameter and result lists in one buffer) so the caller's
 * arrays need not outlive the function; copies name the same way. */
hive_func *hive_func_new_host(hive_engine *engine, const hive_functype *type, hive_host_fn fn,
                              void *user, void (*finalize)(void *user), const char *name) {
    if (!engine || !type || !fn) return NULL;
    if ((type->nparams && !type->params) || (type->nresults && !type->results)) return NULL;
    if (type->nparams > WASM_MAX_PARAMS || type->nresults > WASM_MAX_RESULTS) return NULL;
    const hv_alloc *a = &engine->alloc;
    /* one block: the function, its value types, its name */
    size_t ntypes = (size_t)type->nparams + type->nresults;
    size_t nl = name ? strlen(name) + 1 : 0;
    hive_func *f = hv_malloc(a, sizeof *f + ntypes + nl);
    if (!f) return NULL;
    memset(f, 0, sizeof *f);
    f->kind = WASM_FUNC_HOST;
    f->engine = engine;
    f->host = fn;
    f->user = user;
    f->finalize = finalize;
    uint8_t *types = (uint8_t *)(f + 1);
    if (type->nparams) memcpy(types, type->params, type->nparams);
    if (type->nresults) memcpy(types + type->nparams, type->results, type->nresults);
    wasm_functype *t = &f->own_type;
    t->nparams = type->nparams;
    t->nresults = type->nresults;
    t->params = types;
    t->results = types + type->nparams;
    for (uint32_t i = 0; i < t->nparams; i++) t->param_slots += wasm_slots(t->params[i]);
    for (uint32_t i = 0; i < t->nresults; i++) t->result_slots += wasm_slots(t->results[i]);
    f->type = t;
    f->pubtype.nparams = t->nparams;
    f->pubtype.nresults = t->nresults;
    f->pubtype.params = t->params;
    f->pubtype.results = t->results;
    if (name) {
        f->name = (char *)types + ntypes;
        memcpy(f->name, name, nl);
    }
    return f;
}

void hive_func_free(hive_func *func) {
    if (!func || func->kind != WASM_FUNC_HOST) return;
    const hv_alloc *a = &func->engine->alloc;
    if (func->finalize) func->finalize(func->user);
    hv_free(a, func);
}

const hive_functype *hive_func_type(const hive_func *func) { return func ? &func->pubtype : NULL; }

/* ---- linear memory -------------------------------------------------------- */

/* The engine's memory budget: takes bytes from it, or returns false
 * (nothing taken) when they would pass it. */
static bool budget_take(hive_engine *engine, uint64_t bytes) {
    if (!engine->memory_budget) {
        atomic_fetch_add(&engine->memory_committed, bytes);
        return true;
    }
    uint64_t cur = atomic_load(&engine->memory_committed);
    do {
        if (bytes > engine->memory_budget || cur > engine->memory_budget - bytes) return false;
    } while (!atomic_compare_exchange_weak(&engine->memory_committed, &cur, cur + bytes));
    return true;
}

static void budget_give(hive_engine *engine, uint64_t bytes) {
    atomic_fetch_sub(&engine->memory_committed, bytes);
}

/* Memory slots. A freed memory's pages go back to the kernel
 * (MADV_DONTNEED: anonymous pages read as zeros again, and the pages of a
 * mapped image as the image's) and its reservation, with its protections
 * and its image mapping, is kept for the next memory of the same
 * reservation size: no mmap, mprotect or munmap per instance when the
 * sizes and the image match, and no unmap (whose TLB flush interrupts
 * every core running a thread of the process). The cost of a reset is
 * the pages the guest touched. At most MEMORY_SLOTS are kept; a kept
 * slot holds no memory, only address space, and counts nothing against
 * the memory budget (which counts the accessible bytes of live memories). */
#define MEMORY_SLOTS 64

/* A kept slot of reserved bytes, preferring one that maps image serial;
 * NULL when none. */
static hive_memory *slot_take(hive_engine *engine, size_t reserved, uint64_t serial) {
    pthread_mutex_lock(&engine->slots_lock);
    hive_memory **found = NULL;
    for (hive_memory **pp = &engine->slots; *pp; pp = &(*pp)->next_slot) {
        if ((*pp)->reserved != reserved) continue;
        if (!found || (*pp)->img_serial == serial) found = pp;
        if ((*pp)->img_serial == serial) break;
    }
    hive_memory *mem = NULL;
    if (found) {
        mem = *found;
        *found = mem->next_slot;
        mem->next_slot = NULL;
        engine->nslots--;
    }
    pthread_mutex_unlock(&engine->slots_lock);
    return mem;
}

/* Makes a kept slot accessible for size bytes, with image serial mapped
 * or none (its old image replaced by zero pages). false when the kernel
 * refuses. */
static bool slot_fit(hive_memory *mem, uint64_t size, uint64_t serial) {
    if (mem->img_serial && mem->img_serial != serial) {
        /* (the old image lies within the old accessible size) */
        void *p = mmap(mem->base + mem->img_start, mem->img_len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return false;
        mem->img_serial = 0;
        mem->img_start = mem->img_len = 0;
    }
    if (mem->size > size && mprotect(mem->base + size, (size_t)(mem->size - size), PROT_NONE) != 0)
        return false;
    if (mem->size < size &&
        mprotect(mem->base + mem->size, (size_t)(size - mem->size), PROT_READ | PROT_WRITE) != 0)
        return false;
    return true;
}

void hv_instance_memory_slots_free(hive_engine *engine) {
    while (engine->slots) {
        hive_memory *mem = engine->slots;
        engine->slots = mem->next_slot;
        munmap(mem->base, mem->reserved);
        hv_free(&engine->alloc, mem);
    }
    engine->nslots = 0;
}

/* The whole effective maximum is reserved PROT_NONE up front (so the base
 * never moves and host pointers stay valid across growth) and only the
 * current size is made accessible. MAP_NORESERVE keeps the reservation
 * from being charged against the commit limit: a 4 GiB reservation per
 * instance is then only address space. image: the serial of the image
 * the caller will map (0 none), to pick a kept slot that maps it. */
static int memory_create(hive_engine *engine, uint32_t min, uint32_t max, bool has_max,
                         bool shared, uint64_t image, hive_memory **out) {
    *out = NULL;
    uint32_t eff = engine->max_memory_pages;
    if (has_max && max < eff) eff = max;
    if (min > eff) return HIVE_ELIMIT;
    if (!budget_take(engine, (uint64_t)min * PAGE_SIZE_WASM)) return HIVE_ENOMEM;
    size_t reserved = (size_t)(eff ? eff : 1) * PAGE_SIZE_WASM;
    hive_memory *mem = slot_take(engine, reserved, image);
    if (mem && !slot_fit(mem, (uint64_t)min * PAGE_SIZE_WASM, image)) {
        munmap(mem->base, mem->reserved);
        hv_free(&engine->alloc, mem);
        mem = NULL;
    }
    if (mem) {
        mem->max_pages = eff;
        mem->has_max = has_max;
        mem->shared = shared;
        mem->type_max = has_max ? max : 0;
        mem->pages = min;
        mem->size = (uint64_t)min * PAGE_SIZE_WASM;
        *out = mem;
        return HIVE_OK;
    }
    mem = hv_calloc(&engine->alloc, 1, sizeof *mem);
    if (!mem) {
        budget_give(engine, (uint64_t)min * PAGE_SIZE_WASM);
        return HIVE_ENOMEM;
    }
    mem->engine = engine;
    mem->max_pages = eff;
    mem->has_max = has_max;
    mem->shared = shared;
    mem->type_max = has_max ? max : 0;
    mem->reserved = reserved;
    void *base = mmap(NULL, mem->reserved, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        budget_give(engine, (uint64_t)min * PAGE_SIZE_WASM);
        hv_free(&engine->alloc, mem);
        return HIVE_ENOMEM;
    }
    mem->base = base;
    if (min && mprotect(base, (size_t)min * PAGE_SIZE_WASM, PROT_READ | PROT_WRITE) != 0) {
        munmap(base, mem->reserved);
        budget_give(engine, (uint64_t)min * PAGE_SIZE_WASM);
        hv_free(&engine->alloc, mem);
        return HIVE_ENOMEM;
    }
    mem->pages = min;
    mem->size = (uint64_t)min * PAGE_SIZE_WASM;
    *out = mem;
    return HIVE_OK;
}

/* ---- tags (exception handling) ------------------------------------------- */

hive_tag *hive_tag_new(hive_engine *engine, const hive_functype *type) {
    if (!engine || !type || type->nresults || (type->nparams && !type->params)) return NULL;
    hive_tag *t = hv_calloc(&engine->alloc, 1, sizeof *t);
    if (!t) return NULL;
    t->engine = engine;
    if (type->nparams) {
        uint8_t *p = hv_malloc(&engine->alloc, type->nparams);
        if (!p) {
            hv_free(&engine->alloc, t);
            return NULL;
        }
        memcpy(p, type->params, type->nparams);
        t->own_type.params = p;
        t->own_type.nparams = type->nparams;
        for (uint32_t i = 0; i < type->nparams; i++) t->own_type.param_slots += wasm_slots(p[i]);
    }
    t->type = &t->own_type;
    return t;
}

void hive_tag_free(hive_tag *tag) {
    if (!tag) return;
    hv_free(&tag->engine->alloc, tag->own_type.params);
    hv_free(&tag->engine->alloc, tag);
}

/* NULL when engine is NULL, min > max, min is above the engine's limit,
 * or the reservation fails. */
hive_memory *hive_memory_new(hive_engine *engine, hive_limits limits) {
    if (!engine || (limits.has_max && limits.max < limits.min)) return NULL;
    hive_memory *mem;
    if (limits.shared && !limits.has_max) return NULL;
    memory_create(engine, limits.min, limits.max, limits.has_max != 0, limits.shared != 0, 0,
                  &mem);
    return mem;
}

/* Resetting a small memory in place. MADV_DONTNEED costs a system call,
 * a TLB flush on every core that ran a thread of the process, and a
 * page fault (and a zeroed or copied page) for every page the next user
 * touches again: most of a hello request's time. A memory of up to
 * RESIDENT_MAX_BYTES is instead reset page by page: /proc/self/pagemap
 * tells which of its host pages the guest has made private (written, or
 * read outside the image), and when they are at most RESIDENT_PAGES
 * those are rewritten in place, with the image's bytes (from its
 * read-only view) or zeros, and stay resident for the next user. No
 * system call but the read of the page map, no TLB flush, no fault.
 * A kept slot then holds at most RESIDENT_PAGES host pages. */
#define RESIDENT_MAX_BYTES (4u << 20)
#define RESIDENT_PAGES 64
#define PM_PRESENT (1ull << 63)
#define PM_SWAP (1ull << 62)
#define PM_FILE (1ull << 61) /* file page or shared anonymous */

/* Whether the n bytes at p (a multiple of 8 vectors, aligned) are all
 * zero: the whole range OR-ed into two vectors, then one test (most
 * pages scanned are zero: an early exit would only add tests). The
 * widest vectors the processor has (picked once, in pagemap_open). */
#define ZERO_SCAN(name, bytes, attr)                                                    \
    typedef uint64_t name##_vec __attribute__((vector_size(bytes)));                 \
    attr static bool name(const uint8_t *p, size_t n) {                                \
        const name##_vec *v = (const name##_vec *)(const void *)p;                     \
        name##_vec a = v[0], b = v[1];                                                 \
        for (size_t i = 2; i < n / (bytes); i += 2) {                                  \
            a |= v[i];                                                                 \
            b |= v[i + 1];                                                             \
        }                                                                              \
        a |= b;                                                                        \
        uint64_t r = 0;                                                                \
        for (size_t k = 0; k < (bytes) / 8; k++) r |= a[k];                            \
        return r == 0;                                                                 \
    }
ZERO_SCAN(zero_scan_16, 16, )
/* The wider scans are picked from what glibc's loader found when the
 * process started (<sys/platform/x86.h>, glibc 2.33): libgcc's
 * __builtin_cpu_supports would link in a constructor that runs cpuid in
 * every process, `hive run` included, and each cpuid traps in a virtual
 * machine (about 50 us of a hello's start). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define HAVE_WIDE_ZERO_SCAN 1
#endif
#endif
#ifdef HAVE_WIDE_ZERO_SCAN
ZERO_SCAN(zero_scan_32, 32, __attribute__((target("avx2"))))
ZERO_SCAN(zero_scan_64, 64, __attribute__((target("avx512f"))))
#endif
static bool (*zero_scan)(const uint8_t *, size_t) = zero_scan_16;

static int pagemap_fd = -1;
static size_t host_page;
static pthread_once_t pagemap_once = PTHREAD_ONCE_INIT;

static void pagemap_open(void) {
    long ps = sysconf(_SC_PAGESIZE);
    host_page = ps > 0 ? (size_t)ps : 4096;
#ifdef HAVE_WIDE_ZERO_SCAN
    if (CPU_FEATURE_ACTIVE(AVX512F)) zero_scan = zero_scan_64;
    else if (CPU_FEATURE_ACTIVE(AVX2)) zero_scan = zero_scan_32;
#endif
    pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

static bool page_is_zero(const uint8_t *p, size_t n) {
    return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

/* A memory of up to SCAN_MAX_BYTES is reset without the page map: every
 * host page is compared with what the next user must see (the image's
 * bytes or zeros) and rewritten when it differs. Reading the page map
 * costs a system call and a walk of the page tables under the address
 * space lock (1.4-1.7 us a request under load for a 128 KiB memory);
 * the scan, with the widest vectors there are, about 0.6 us (AVX-512),
 * most of it reading pages that are the shared zero page (pages no user touched read-fault to it the
 * first time, once per slot) or the image file's page beside its view,
 * both in cache. A page the guest wrote stays private and resident, so
 * a slot keeps at most SCAN_MAX_BYTES / host page pages, within
 * RESIDENT_PAGES. */
#define SCAN_MAX_BYTES (256u << 10)

static void memory_reset_scan(hive_memory *memory, const uint8_t *view) {
    for (size_t off = 0; off < memory->size; off += host_page) {
        uint8_t *p = memory->base + off;
        const uint8_t *ref = NULL;
        if (memory->img_serial && off >= memory->img_start &&
            off < memory->img_start + memory->img_len)
            ref = view + (off - memory->img_start);
        if (ref) {
            if (memcmp(p, ref, host_page) != 0) memcpy(p, ref, host_page);
        } else if (!zero_scan(p, host_page)) {
            memset(p, 0, host_page);
        }
    }
}

/* Resets memory in place (see above); false when it cannot (too large,
 * too many pages touched, a page swapped out, no page map, an image
 * without its view): then the caller gives the pages back instead. */
static bool memory_reset_resident(hive_memory *memory, const uint8_t *view) {
    if (memory->size > RESIDENT_MAX_BYTES) return false;
    if (memory->img_serial && !view) return false;
    pthread_once(&pagemap_once, pagemap_open);
    if (memory->size % host_page) return false;
    if (memory->size <= SCAN_MAX_BYTES && SCAN_MAX_BYTES / host_page <= RESIDENT_PAGES) {
        memory_reset_scan(memory, view);
        return true;
    }
    if (pagemap_fd < 0) return false;
    size_t npages = (size_t)(memory->size / host_page);
    uint64_t ents[RESIDENT_MAX_BYTES / 4096];
    if (npages > sizeof ents / sizeof ents[0]) return false;
    size_t want = npages * sizeof ents[0], got = 0;
    off_t at = (off_t)((uintptr_t)memory->base / host_page * sizeof ents[0]);
    while (got < want) {
        ssize_t r = pread(pagemap_fd, (uint8_t *)ents + got, want - got, at + (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        got += (size_t)r;
    }
    size_t touched = 0;
    for (size_t i = 0; i < npages; i++) {
        if (ents[i] & PM_SWAP) return false;
        if ((ents[i] & (PM_PRESENT | PM_FILE)) == PM_PRESENT && ++touched > RESIDENT_PAGES)
            return false;
    }
    for (size_t i = 0; i < npages; i++) {
        if ((ents[i] & (PM_PRESENT | PM_FILE)) != PM_PRESENT) continue;
        size_t off = i * host_page;
        uint8_t *p = memory->base + off;
        if (memory->img_serial && off >= memory->img_start &&
            off < memory->img_start + memory->img_len)
            memcpy(p, view + (off - memory->img_start), host_page);
        else if (!page_is_zero(p, host_page)) /* (a page only read is the shared zero page) */
            memset(p, 0, host_page);
    }
    return true;
}

/* hive_memory_free; view: the read-only view of the image the memory
 * maps (NULL: none known). */
static void memory_release(hive_memory *memory, const uint8_t *view) {
    if (!memory) return;
    hive_engine *engine = memory->engine;
    pthread_mutex_lock(&engine->slots_lock);
    bool keep = engine->nslots < MEMORY_SLOTS;
    if (keep) engine->nslots++; /* the room is taken now, the slot listed below */
    pthread_mutex_unlock(&engine->slots_lock);
    if (keep) {
        bool ok = memory_reset_resident(memory, view);
        if (!ok) { /* the pages go back, in 1 MiB pieces like the unmap below */
            ok = true;
            for (uint64_t off = 0; ok && off < memory->size; off += 1u << 20) {
                uint64_t len = memory->size - off < (1u << 20) ? memory->size - off : 1u << 20;
                ok = madvise(memory->base + off, (size_t)len, MADV_DONTNEED) == 0;
            }
        }
        if (ok) budget_give(engine, memory->size);
        pthread_mutex_lock(&engine->slots_lock);
        if (ok) {
            memory->next_slot = engine->slots;
            engine->slots = memory;
        } else {
            engine->nslots--;
        }
        pthread_mutex_unlock(&engine->slots_lock);
        if (ok) return;
    }
    /* A large memory's pages go back in pieces first: munmap holds the
     * process's address-space lock exclusively while it frees them (for
     * milliseconds at tens of MiB), which stalls every other thread's
     * page faults; MADV_DONTNEED frees them under the shared lock. */
    for (uint64_t off = 0; memory->size > (1u << 20) && off < memory->size; off += 1u << 20) {
        uint64_t len = memory->size - off < (1u << 20) ? memory->size - off : 1u << 20;
        madvise(memory->base + off, (size_t)len, MADV_DONTNEED);
    }
    munmap(memory->base, memory->reserved);
    budget_give(engine, memory->size);
    hv_free(&engine->alloc, memory);
}

void hive_memory_free(hive_memory *memory) { memory_release(memory, NULL); }

uint8_t *hive_memory_data(hive_memory *memory) { return memory ? memory->base : NULL; }

uint64_t hive_memory_size(const hive_memory *memory) { return memory ? memory->size : 0; }

/* memory.grow: -1 past the effective maximum (the type's or the engine's),
 * past the engine's memory budget, or when the kernel refuses; the memory
 * is then unchanged. */
int64_t hive_memory_grow(hive_memory *memory, uint32_t delta) {
    if (!memory) return -1;
    uint32_t old = memory->pages;
    if (delta == 0) return old;
    if ((uint64_t)old + delta > memory->max_pages) return -1;
    if (!budget_take(memory->engine, (uint64_t)delta * PAGE_SIZE_WASM)) return -1;
    if (mprotect(memory->base + memory->size, (size_t)delta * PAGE_SIZE_WASM,
                 PROT_READ | PROT_WRITE) != 0) {
        budget_give(memory->engine, (uint64_t)delta * PAGE_SIZE_WASM);
        return -1;
    }
    memory->pages = old + delta;
    memory->size = (uint64_t)memory->pages * PAGE_SIZE_WASM;
    return old;
}

void *hive_memory_ptr(hive_memory *memory, uint64_t offset, uint64_t len) {
    if (!memory || offset > memory->size || len > memory->size - offset) return NULL;
    return memory->base + offset;
}

/* ---- tables --------------------------------------------------------------- */

/* Fills t (zeroed by the caller) as a table of min elements set to init. */
static int table_init(hive_engine *engine, hive_table *t, uint8_t elemtype, uint32_t min,
                      uint32_t max, bool has_max, void *init) {
    uint32_t eff = engine->max_table_elems;
    if (has_max && max < eff) eff = max;
    if (min > eff) return HIVE_ELIMIT;
    t->engine = engine;
    t->elemtype = elemtype;
    t->max = eff;
    t->has_max = has_max;
    t->type_max = has_max ? max : 0;
    t->elems = hv_malloc(&engine->alloc, (size_t)(min ? min : 1) * sizeof(void *));
    if (!t->elems) return HIVE_ENOMEM;
    for (uint32_t i = 0; i < min; i++) t->elems[i] = init;
    t->size = min;
    t->cap = min;
    return HIVE_OK;
}

hive_table *hive_table_new(hive_engine *engine, uint8_t elemtype, hive_limits limits,
                           void *init) {
    if (!engine || (elemtype != WASM_FUNCREF && elemtype != WASM_EXTERNREF)) return NULL;
    if (limits.has_max && limits.max < limits.min) return NULL;
    hive_table *t = hv_calloc(&engine->alloc, 1, sizeof *t);
    if (!t) return NULL;
    if (table_init(engine, t, elemtype, limits.min, limits.max, limits.has_max != 0, init)) {
        hv_free(&engine->alloc, t);
        return NULL;
    }
    return t;
}

void hive_table_free(hive_table *table) {
    if (!table) return;
    hv_free(&table->engine->alloc, table->elems);
    hv_free(&table->engine->alloc, table);
}

uint32_t hive_table_size(const hive_table *table) { return table ? table->size : 0; }

int hive_table_get(const hive_table *table, uint32_t i, void **ref) {
    if (!table || !ref || i >= table->size) return HIVE_EARG;
    *ref = table->elems[i];
    return HIVE_OK;
}

int hive_table_set(hive_table *table, uint32_t i, void *ref) {
    if (!table || i >= table->size) return HIVE_EARG;
    table->elems[i] = ref;
    return HIVE_OK;
}

/* table.grow. Capacity doubles (up to the maximum) so a guest growing one
 * element at a time does not reallocate every time. */
int64_t hv_instance_table_grow(hive_table *table, uint32_t delta, void *init) {
    uint32_t old = table->size;
    if (delta > table->max - old) return -1;
    uint32_t need = old + delta;
    if (need > table->cap) {
        uint64_t cap = (uint64_t)table->cap * 2;
        if (cap < need) cap = need;
        if (cap > table->max) cap = table->max;
        void **p = hv_realloc(&table->engine->alloc, table->elems, (size_t)cap * sizeof(void *));
        if (!p) return -1;
        table->elems = p;
        table->cap = (uint32_t)cap;
    }
    for (uint32_t i = old; i < need; i++) table->elems[i] = init;
    table->size = need;
    return old;
}

/* ---- globals -------------------------------------------------------------- */

static bool valtype_ok(uint8_t t) {
    return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64 || t == WASM_V128 ||
           t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

hive_global *hive_global_new(hive_engine *engine, hive_val value, int mutable_) {
    if (!engine || !valtype_ok(value.type)) return NULL;
    hive_global *g = hv_calloc(&engine->alloc, 1, sizeof *g);
    if (!g) return NULL;
    g->engine = engine;
    g->type = value.type;
    g->mutable_ = mutable_ != 0;
    runtime_slots_from_val(g->value, &value);
    return g;
}

/* Only globals made by hive_global_new; an instance frees its own. */
void hive_global_free(hive_global *global) {
    if (!global) return;
    hv_free(&global->engine->alloc, global);
}

hive_val hive_global_get(const hive_global *global) {
    hive_val v;
    if (!global) {
        memset(&v, 0, sizeof v);
        return v;
    }
    runtime_val_from_slots(&v, global->type, global->value);
    return v;
}

/* HIVE_EARG for a value of another type, HIVE_ESTATE for an immutable
 * global. */
int hive_global_set(hive_global *global, hive_val value) {
    if (!global || value.type != global->type) return HIVE_EARG;
    if (!global->mutable_) return HIVE_ESTATE;
    runtime_slots_from_val(global->value, &value);
    return HIVE_OK;
}

/* ---- instantiation -------------------------------------------------------- */

static uint64_t const_global(void *ctx, uint32_t index) {
    const hive_instance *inst = ctx;
    return inst->globals[index]->value[0].i64;
}

/* A validated constant expression's value. Globals it reads come before
 * it (imported ones in WebAssembly 2.0), so they are already set. */
void hv_instance_eval_const(hive_instance *inst, const wasm_constexpr *e, wasm_slot out[2]) {
    out[0].i64 = 0;
    out[1].i64 = 0;
    switch (e->op) {
    case WASM_CONST_VALUE:
        if (e->type == WASM_V128) {
            memcpy(&out[0].i64, e->v128, 8);
            memcpy(&out[1].i64, e->v128 + 8, 8);
        } else {
            out[0].i64 = e->bits;
        }
        break;
    case WASM_CONST_GLOBAL:
        out[0] = inst->globals[e->index]->value[0];
        out[1] = inst->globals[e->index]->value[1];
        break;
    case WASM_CONST_REF_NULL: out[0].ref = NULL; break;
    case WASM_CONST_REF_FUNC: out[0].ref = inst->funcs[e->index]; break;
    case WASM_CONST_EXPR:
        out[0].i64 = hv_wasm_constexpr_eval(inst->m->bytes, e, const_global, inst);
        break;
    case WASM_CONST_NONE: break;
    }
}

static const char *kind_name(uint8_t kind) {
    switch (kind) {
    case HIVE_EXTERN_FUNC: return "function";
    case HIVE_EXTERN_TABLE: return "table";
    case HIVE_EXTERN_MEMORY: return "memory";
    case HIVE_EXTERN_GLOBAL: return "global";
    case HIVE_EXTERN_TAG: return "tag";
    }
    return "extern";
}

/* The spec's limits subtyping: an extern of current size cur and maximum
 * (has_max, max) may stand in for an import of limits want when it is at
 * least as large and promises to stay within want's maximum. */
static bool limits_match(uint32_t cur, bool has_max, uint32_t max, const wasm_limits *want) {
    if (cur < want->min) return false;
    if (want->has_max && (!has_max || max > want->max)) return false;
    return true;
}

/* Checks import i against ext; fills err with an "unknown import" or
 * "incompatible import type" message naming it. */
static int check_import(const wasm_module *m, uint32_t i, const hive_extern *ext, hive_error *err) {
    const wasm_import *imp = &m->imports[i];
    bool ok = false;
    bool present = ext->kind == (hive_externkind)imp->kind;
    switch (imp->kind) {
    case HIVE_EXTERN_FUNC:
        present = present && ext->of.func;
        ok = present && runtime_functype_equal(ext->of.func->type, &m->types[imp->typeidx]);
        break;
    case HIVE_EXTERN_TABLE: {
        const hive_table *t = ext->of.table;
        present = present && t;
        ok = present && t->elemtype == imp->table.elemtype &&
             limits_match(t->size, t->has_max, t->type_max, &imp->table.limits);
        break;
    }
    case HIVE_EXTERN_MEMORY: {
        const hive_memory *mem = ext->of.memory;
        present = present && mem;
        ok = present && mem->shared == imp->memory.shared &&
             limits_match(mem->pages, mem->has_max, mem->type_max, &imp->memory);
        break;
    }
    case HIVE_EXTERN_GLOBAL: {
        const hive_global *g = ext->of.global;
        present = present && g;
        ok = present && g->type == imp->global.valtype && g->mutable_ == imp->global.mutable_;
        break;
    }
    case HIVE_EXTERN_TAG: {
        const hive_tag *t = ext->of.tag;
        present = present && t;
        ok = present && runtime_functype_equal(t->type, &m->types[imp->typeidx]);
        break;
    }
    }
    if (ok) return HIVE_OK;
    /* A missing object is "unknown"; a wrong kind or type "incompatible". */
    if (!present && ext->kind == (hive_externkind)imp->kind)
        return hv_error_set(err, HIVE_EUNLINKABLE, 0, "unknown import %.*s.%.*s",
                            (int)imp->module.len, imp->module.ptr, (int)imp->name.len,
                            imp->name.ptr);
    return hv_error_set(err, HIVE_EUNLINKABLE, 0, "incompatible import type for %s %.*s.%.*s",
                        kind_name(imp->kind), (int)imp->module.len, imp->module.ptr,
                        (int)imp->name.len, imp->name.ptr);
}

/* Resolves element segment i to its references (function indices or
 * constant expressions evaluated in inst). */
static int resolve_elem(hive_instance *inst, uint32_t i) {
    const wasm_elem *e = &inst->m->elems[i];
    inst->elem_lens[i] = e->count;
    if (e->count == 0) return HIVE_OK;
    void **refs = hv_malloc(&inst->engine->alloc, (size_t)e->count * sizeof(void *));
    if (!refs) return HIVE_ENOMEM;
    for (uint32_t j = 0; j < e->count; j++) {
        if (e->funcs) {
            refs[j] = inst->funcs[e->funcs[j]];
        } else {
            wasm_slot v[2];
            hv_instance_eval_const(inst, &e->exprs[j], v);
            refs[j] = v[0].ref;
        }
    }
    inst->elem_refs[i] = refs;
    return HIVE_OK;
}

/* ---- the initial memory image ------------------------------------------ */

/* Most modules (every C program) have one defined memory and data
 * segments at constant offsets, so memory 0's initial contents are the
 * same in every instance. They are written once per module into a memfd
 * (sealed) and each instance maps that file MAP_PRIVATE over the start of
 * its reservation: instantiation copies nothing and pages fault in (and
 * are copied) only when touched. Built lazily by the first instantiation
 * under the image's mutex; the state is final once set, so later
 * instantiations read it with one acquire load. Modules whose memory is
 * imported, whose offsets read globals or whose segments would trap keep
 * copying per instance, which preserves the spec's partial
 * initialisation. */

void hv_instance_module_init(hive_module *module) {
    wasm_image *img = &module->image;
    atomic_init(&img->state, WASM_IMAGE_UNBUILT);
    pthread_mutex_init(&img->lock, NULL);
    img->fd = -1;
    img->view = NULL;
    img->start = 0;
    img->len = 0;
}

void hv_instance_module_fini(hive_module *module) {
    wasm_image *img = &module->image;
    if (img->view) munmap((void *)img->view, img->len);
    img->view = NULL;
    if (img->fd >= 0) close(img->fd);
    img->fd = -1;
    pthread_mutex_destroy(&img->lock);
}

/* Whether m's data segments can come from an image and, when READY, the
 * host-page-aligned byte range [*start, *end) of memory 0 it covers. */
static wasm_image_state image_plan(const wasm_module *m, size_t *start, size_t *end) {
    if (m->nmemories == 0 || m->nimported_memories != 0) return WASM_IMAGE_COPY;
    uint64_t size = (uint64_t)m->memories[0].min * PAGE_SIZE_WASM;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data *ds = &m->datas[i];
        if (ds->mode != WASM_SEG_ACTIVE) continue;
        if (ds->memory != 0 || ds->offset.op != WASM_CONST_VALUE) return WASM_IMAGE_COPY;
        uint64_t d = (uint32_t)ds->offset.bits;
        if (d + ds->len > size) return WASM_IMAGE_COPY; /* traps: copy for partial init */
        if (ds->len == 0) continue;
        if (d < lo) lo = d;
        if (d + ds->len > hi) hi = d + ds->len;
    }
    if (hi == 0) return WASM_IMAGE_EMPTY;
    long pagesize = sysconf(_SC_PAGESIZE);
    uint64_t page = pagesize > 0 ? (uint64_t)pagesize : 4096;
    lo -= lo % page;
    hi = (hi + page - 1) / page * page;
    if (hi > size) return WASM_IMAGE_COPY; /* host pages larger than wasm's */
    *start = (size_t)lo;
    *end = (size_t)hi;
    return WASM_IMAGE_READY;
}

/* Writes n bytes at file offset off; false on an error. */
static bool image_pwrite(int fd, const uint8_t *p, size_t n, off_t off) {
    while (n) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return true;
}

/* Builds the image (called once, under the lock). */
static void image_build(hive_module *module) {
    wasm_image *img = &module->image;
    const wasm_module *m = &module->m;
    size_t start = 0, end = 0;
    /* (an engine whose modules are instantiated once copies instead) */
    wasm_image_state st =
        module->engine->single_instance ? WASM_IMAGE_COPY : image_plan(m, &start, &end);
    if (st == WASM_IMAGE_READY) {
        int fd = memfd_create("hive-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        bool ok = fd >= 0 && ftruncate(fd, (off_t)(end - start)) == 0;
        /* In segment order, so a later overlapping segment wins. */
        for (uint32_t i = 0; ok && i < m->ndatas; i++) {
            const wasm_data *ds = &m->datas[i];
            if (ds->mode != WASM_SEG_ACTIVE || ds->len == 0) continue;
            size_t d = (uint32_t)ds->offset.bits;
            ok = image_pwrite(fd, ds->bytes, ds->len, (off_t)(d - start));
        }
        if (ok) {
            /* Best effort: nobody can change the file from now on. */
            (void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
            img->fd = fd;
            img->start = start;
            img->len = end - start;
            /* for resetting pages in place (memory_reset_resident); none: they go back */
            void *v = mmap(NULL, img->len, PROT_READ, MAP_SHARED, fd, 0);
            img->view = v == MAP_FAILED ? NULL : v;
            img->serial = atomic_fetch_add(&module->engine->image_serial, 1) + 1;
        } else {
            if (fd >= 0) close(fd);
            st = WASM_IMAGE_COPY;
        }
    }
    atomic_store_explicit(&img->state, st, memory_order_release);
}

/* The module's image state, building the image on first use. */
static wasm_image_state image_get(hive_module *module) {
    wasm_image *img = &module->image;
    int st = atomic_load_explicit(&img->state, memory_order_acquire);
    if (st != WASM_IMAGE_UNBUILT) return (wasm_image_state)st;
    pthread_mutex_lock(&img->lock);
    if (atomic_load_explicit(&img->state, memory_order_relaxed) == WASM_IMAGE_UNBUILT)
        image_build(module);
    pthread_mutex_unlock(&img->lock);
    return (wasm_image_state)atomic_load_explicit(&img->state, memory_order_acquire);
}

#define IMAGE_NOT_USED 1

/* Applies the active data segments of inst from its module's image:
 * HIVE_OK when done (segments dropped), IMAGE_NOT_USED when they must be
 * copied instead, HIVE_ENOMEM when the memory could not be restored after
 * a failed mapping. */
static int image_apply(hive_instance *inst) {
    hive_module *module = inst->module;
    wasm_image_state st = image_get(module);
    if (st == WASM_IMAGE_COPY) return IMAGE_NOT_USED;
    hive_memory *mem = inst->memory;
    if (st == WASM_IMAGE_READY && mem->img_serial != module->image.serial) {
        /* (a kept slot that maps this image already reads as it: reset) */
        const wasm_image *img = &module->image;
        uint8_t *at = mem->base + img->start;
        void *p = mmap(at, img->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, img->fd, 0);
        if (p == MAP_FAILED) {
            /* A failed MAP_FIXED may have unmapped the range: restore it. */
            p = mmap(at, img->len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
            return p == MAP_FAILED ? HIVE_ENOMEM : IMAGE_NOT_USED;
        }
        mem->img_serial = img->serial;
        mem->img_start = img->start;
        mem->img_len = img->len;
    }
    const wasm_module *m = inst->m;
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (m->datas[i].mode == WASM_SEG_ACTIVE) inst->data_lens[i] = 0;
    return HIVE_OK;
}

/* Active element segments then active data segments, in order, each with
 * table.init / memory.init semantics: bounds are checked before the
 * segment writes anything, and segments written before a failing one
 * stay written (the spec's linking tests observe this). Active and
 * declarative element segments and active data segments are then
 * dropped. */
static int init_segments(hive_instance *inst, hive_error *err) {
    const wasm_module *m = inst->m;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *e = &m->elems[i];
        if (e->mode == WASM_SEG_ACTIVE) {
            wasm_slot off[2];
            hv_instance_eval_const(inst, &e->offset, off);
            hive_table *t = inst->tables[e->table];
            uint64_t d = off[0].i32;
            if (d + inst->elem_lens[i] > t->size)
                return hv_error_set(err, HIVE_ETRAP, 0, "out of bounds table access");
            if (inst->elem_lens[i])
                memcpy(t->elems + d, inst->elem_refs[i], (size_t)inst->elem_lens[i] * sizeof(void *));
        }
        if (e->mode != WASM_SEG_PASSIVE) inst->elem_lens[i] = 0;
    }
    if (m->ndatas) {
        int rc = image_apply(inst);
        if (rc == HIVE_ENOMEM) return hv_error_set(err, rc, 0, "out of memory");
        if (rc == HIVE_OK) return HIVE_OK;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data *ds = &m->datas[i];
        if (ds->mode != WASM_SEG_ACTIVE) continue;
        wasm_slot off[2];
        hv_instance_eval_const(inst, &ds->offset, off);
        hive_memory *mem = ds->memory < m->nmemories ? inst->memories[ds->memory] : NULL;
        uint64_t d = off[0].i32;
        if (!mem || d + ds->len > mem->size)
            return hv_error_set(err, HIVE_ETRAP, 0, "out of bounds memory access");
        if (ds->len) memcpy(mem->base + d, ds->bytes, ds->len);
        inst->data_lens[i] = 0;
    }
    return HIVE_OK;
}

/* Instantiates module. On success *out is the new instance. When a
 * segment is out of bounds the result is HIVE_ETRAP and *out is STILL SET:
 * the instance exists (segments written before the failing one refer to
 * its functions, e.g. from an imported table), so the caller keeps it
 * while those references may be used and frees it afterwards. The same
 * holds for HIVE_ENOMEM while applying data segments (the kernel refused
 * to map the memory image and to restore the range). On any other error
 * *out is NULL. */
int hive_instance_new(hive_engine *engine, hive_module *module, const hive_extern *imports,
                      size_t nimports, hive_instance **out, hive_error *err) {
    if (!out) return hv_error_set(err, HIVE_EARG, 0, "no place for the instance");
    *out = NULL;
    if (!engine || !module) return hv_error_set(err, HIVE_EARG, 0, "no engine or module");
    const wasm_module *m = &module->m;
    if (nimports != m->nimports || (nimports && !imports))
        return hv_error_set(err, HIVE_EUNLINKABLE, 0, "unknown import: %u imports needed, %zu given",
                            m->nimports, nimports);
    for (uint32_t i = 0; i < m->nimports; i++) {
        int rc = check_import(m, i, &imports[i], err);
        if (rc) return rc;
    }

    const hv_alloc *a = &engine->alloc;
    int rc = HIVE_ENOMEM;
    hive_instance *inst = hv_calloc(a, 1, sizeof *inst);
    if (!inst) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    inst->engine = engine;
    inst->module = module;
    hive_module_retain(module);
    inst->m = m;

    uint32_t nown_funcs = m->nfuncs - m->nimported_funcs;
    uint32_t nown_tables = m->ntables - m->nimported_tables;
    uint32_t nown_globals = m->nglobals - m->nimported_globals;
    inst->funcs = hv_calloc(a, m->nfuncs, sizeof *inst->funcs);
    inst->own_funcs = hv_calloc(a, nown_funcs, sizeof *inst->own_funcs);
    inst->tables = hv_calloc(a, m->ntables, sizeof *inst->tables);
    inst->own_tables = hv_calloc(a, nown_tables, sizeof *inst->own_tables);
    inst->globals = hv_calloc(a, m->nglobals, sizeof *inst->globals);
    inst->own_globals = hv_calloc(a, nown_globals, sizeof *inst->own_globals);
    inst->elem_refs = hv_calloc(a, m->nelems, sizeof *inst->elem_refs);
    inst->elem_lens = hv_calloc(a, m->nelems, sizeof *inst->elem_lens);
    inst->data_lens = hv_calloc(a, m->ndatas, sizeof *inst->data_lens);
    if (m->nmemories <= 1) {
        inst->memories = inst->memory_slot;
        inst->own_memories = inst->own_memory_slot;
    } else {
        inst->memories = hv_calloc(a, m->nmemories, sizeof *inst->memories);
        inst->own_memories =
            hv_calloc(a, m->nmemories - m->nimported_memories, sizeof *inst->own_memories);
    }
    bool tags_ok = true;
    if (m->ntags) {
        inst->tags = hv_calloc(a, m->ntags, sizeof *inst->tags);
        inst->own_tags = hv_calloc(a, m->ntags - m->nimported_tags, sizeof *inst->own_tags);
        tags_ok = inst->tags && inst->own_tags;
    }
    if (!inst->funcs || !inst->own_funcs || !inst->tables || !inst->own_tables || !inst->globals ||
        !inst->own_globals || !inst->elem_refs || !inst->elem_lens || !inst->data_lens ||
        !inst->memories || !inst->own_memories || !tags_ok)
        goto fail;

    /* Imports fill the front of each index space. */
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm_import *imp = &m->imports[i];
        switch (imp->kind) {
        case HIVE_EXTERN_FUNC: inst->funcs[imp->index] = imports[i].of.func; break;
        case HIVE_EXTERN_TABLE: inst->tables[imp->index] = imports[i].of.table; break;
        case HIVE_EXTERN_MEMORY: inst->memories[imp->index] = imports[i].of.memory; break;
        case HIVE_EXTERN_TAG: inst->tags[imp->index] = imports[i].of.tag; break;
        case HIVE_EXTERN_GLOBAL: inst->globals[imp->index] = imports[i].of.global; break;
        }
    }

    for (uint32_t i = 0; i < nown_funcs; i++) {
        hive_func *f = &inst->own_funcs[i];
        uint32_t idx = m->nimported_funcs + i;
        f->kind = WASM_FUNC_WASM;
        f->type = wasm_func_type(m, idx);
        f->pubtype.nparams = f->type->nparams;
        f->pubtype.nresults = f->type->nresults;
        f->pubtype.params = f->type->params;
        f->pubtype.results = f->type->results;
        f->inst = inst;
        f->code = &m->codes[i];
        f->engine = engine;
        inst->funcs[idx] = f;
    }

    for (uint32_t i = 0; i < nown_tables; i++) {
        const wasm_tabletype *tt = &m->tables[m->nimported_tables + i];
        rc = table_init(engine, &inst->own_tables[i], tt->elemtype, tt->limits.min,
                        tt->limits.max, tt->limits.has_max, NULL);
        if (rc) {
            if (rc == HIVE_ELIMIT)
                hv_error_set(err, rc, 0, "table of %u elements exceeds the limit", tt->limits.min);
            goto fail_rc;
        }
        inst->tables[m->nimported_tables + i] = &inst->own_tables[i];
    }

    for (uint32_t i = m->nimported_memories; i < m->nmemories; i++) {
        const wasm_limits *l = &m->memories[i];
        /* memory 0, when defined, may map the module's image */
        uint64_t image =
            i == 0 && image_get(module) == WASM_IMAGE_READY ? module->image.serial : 0;
        hive_memory **own = &inst->own_memories[i - m->nimported_memories];
        rc = memory_create(engine, l->min, l->max, l->has_max, l->shared, image, own);
        if (rc) {
            if (rc == HIVE_ELIMIT)
                hv_error_set(err, rc, 0, "memory of %u pages exceeds the limit", l->min);
            else if (rc == HIVE_ENOMEM)
                hv_error_set(err, rc, 0,
                             "memory of %u pages: over the engine's memory budget, or out of memory",
                             l->min);
            goto fail_rc;
        }
        inst->memories[i] = *own;
    }
    inst->memory = m->nmemories ? inst->memories[0] : NULL;

    /* each instantiation makes its own tags */
    for (uint32_t i = m->nimported_tags; i < m->ntags; i++) {
        hive_tag *t = &inst->own_tags[i - m->nimported_tags];
        t->engine = engine;
        t->type = &m->types[m->tags[i]];
        inst->tags[i] = t;
    }

    for (uint32_t i = 0; i < nown_globals; i++) {
        uint32_t idx = m->nimported_globals + i;
        const wasm_global *gd = &m->globals[idx];
        hive_global *g = &inst->own_globals[i];
        g->engine = engine;
        g->type = gd->type.valtype;
        g->mutable_ = gd->type.mutable_;
        hv_instance_eval_const(inst, &gd->init, g->value);
        inst->globals[idx] = g;
    }

    for (uint32_t i = 0; i < m->nelems; i++)
        if (resolve_elem(inst, i)) goto fail;
    for (uint32_t i = 0; i < m->ndatas; i++) inst->data_lens[i] = m->datas[i].len;

    rc = init_segments(inst, err);
    *out = inst; /* even on a trap: see above */
    return rc;

fail:
    rc = hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
fail_rc:
    hive_instance_free(inst);
    return rc;
}

/* Frees what the instance made (its functions, tables, memory, globals,
 * segment copies) and releases the module; imported objects stay. */
void hive_instance_free(hive_instance *instance) {
    if (!instance) return;
    const hv_alloc *a = &instance->engine->alloc;
    const wasm_module *m = instance->m;
    if (instance->own_tables) {
        for (uint32_t i = 0; i < m->ntables - m->nimported_tables; i++)
            hv_free(a, instance->own_tables[i].elems);
    }
    if (instance->elem_refs) {
        for (uint32_t i = 0; i < m->nelems; i++) hv_free(a, instance->elem_refs[i]);
    }
    if (instance->own_memories) {
        /* a memory that maps the module's image is reset from its view */
        const wasm_image *img = &instance->module->image;
        for (uint32_t i = 0; i < m->nmemories - m->nimported_memories; i++) {
            hive_memory *mem = instance->own_memories[i];
            memory_release(mem, mem && mem->img_serial && mem->img_serial == img->serial ? img->view
                                                                                         : NULL);
        }
    }
    if (instance->memories != instance->memory_slot) hv_free(a, instance->memories);
    if (instance->own_memories != instance->own_memory_slot) hv_free(a, instance->own_memories);
    hv_free(a, instance->tags);
    hv_free(a, instance->own_tags);
    hv_free(a, instance->funcs);
    hv_free(a, instance->own_funcs);
    hv_free(a, instance->tables);
    hv_free(a, instance->own_tables);
    hv_free(a, instance->globals);
    hv_free(a, instance->own_globals);
    hv_free(a, instance->elem_refs);
    hv_free(a, instance->elem_lens);
    hv_free(a, instance->data_lens);
    hive_module_release(instance->module);
    hv_free(a, instance);
}

hive_module *hive_instance_module(const hive_instance *instance) {
    return instance ? instance->module : NULL;
}

hive_func *hive_instance_start_func(hive_instance *instance) {
    if (!instance || !instance->m->has_start) return NULL;
    return instance->funcs[instance->m->start];
}

int hive_instance_export(hive_instance *instance, const char *name, size_t name_len,
                         hive_extern *out) {
    if (!instance || (!name && name_len) || !out) return HIVE_EARG;
    const wasm_module *m = instance->m;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *e = &m->exports[i];
        if (e->name.len != name_len || (name_len && memcmp(e->name.ptr, name, name_len) != 0))
            continue;
        out->kind = (hive_externkind)e->kind;
        switch (e->kind) {
        case HIVE_EXTERN_FUNC: out->of.func = instance->funcs[e->index]; break;
        case HIVE_EXTERN_TABLE: out->of.table = instance->tables[e->index]; break;
        case HIVE_EXTERN_MEMORY: out->of.memory = instance->memories[e->index]; break;
        case HIVE_EXTERN_GLOBAL: out->of.global = instance->globals[e->index]; break;
        case HIVE_EXTERN_TAG: out->of.tag = instance->tags[e->index]; break;
        default: return HIVE_EARG;
        }
        return HIVE_OK;
    }
    return HIVE_EARG;
}

hive_memory *hive_instance_memory(hive_instance *instance) {
    return instance ? instance->memory : NULL;
}

hive_memory *hive_instance_memory_at(hive_instance *instance, uint32_t index) {
    return instance && index < instance->m->nmemories ? instance->memories[index] : NULL;
}

uint32_t hive_instance_memory_count(const hive_instance *instance) {
    return instance ? instance->m->nmemories : 0;
}

void hive_instance_set_data(hive_instance *instance, void *data) {
    if (instance) instance->data = data;
}

void *hive_instance_data(const hive_instance *instance) { return instance ? instance->data : NULL; }
