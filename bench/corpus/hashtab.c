/*
 * hashtab.c -- a hash table with string keys: open addressing, linear
 * probing, tombstones for deletion, and doubling with rehash at 70% load.
 * Keys are made-up identifiers ("user.4711.name", "cache-3f2a", ...) kept in
 * an arena; a PRNG-driven mix of inserts (counting duplicates), lookups that
 * hit and miss, and deletes runs against the table, and a plain array of
 * what should be present checks it at the end. Two hash functions are used
 * in turn: FNV-1a and a murmur-style word-at-a-time hash with a finaliser.
 * Exercises string hashing (byte and unaligned 4-byte loads), probe loops
 * with key comparisons, and memory-heavy rehashing.
 * usage: hashtab [OPS]   (default 60000 operations per hash function)
 */
#include <string.h>

#include "../progs/common.h"

typedef uint32_t (*hash_fn)(const char *, size_t);

static uint32_t hash_fnv(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static uint32_t hash_murmurish(const char *s, size_t n) {
    uint32_t h = 0x9747b28cu ^ (uint32_t)n;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t k;
        memcpy(&k, s + i, 4);
        k *= 0xcc9e2d51u;
        k = k << 15 | k >> 17;
        k *= 0x1b873593u;
        h ^= k;
        h = h << 13 | h >> 19;
        h = h * 5 + 0xe6546b64u;
    }
    uint32_t k = 0;
    switch (n & 3) {
    case 3: k ^= (uint32_t)(uint8_t)s[i + 2] << 16; /* fall through */
    case 2: k ^= (uint32_t)(uint8_t)s[i + 1] << 8; /* fall through */
    case 1:
        k ^= (uint8_t)s[i];
        k *= 0xcc9e2d51u;
        k = k << 15 | k >> 17;
        k *= 0x1b873593u;
        h ^= k;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

typedef struct {
    const char *key; /* NULL: empty; TOMB: deleted */
    uint32_t len;
    uint32_t hash;
    int64_t value;
} slot;

static const char tomb_marker[1];
#define TOMB (tomb_marker)

typedef struct {
    slot *slots;
    size_t cap, used, live; /* used counts live entries and tombstones */
    hash_fn hash;
    uint64_t probes, rehashes;
} table;

static void table_init(table *t, size_t cap, hash_fn h) {
    t->slots = calloc(cap, sizeof *t->slots);
    if (!t->slots) {
        fprintf(stderr, "hashtab: out of memory\n");
        exit(1);
    }
    t->cap = cap;
    t->used = t->live = 0;
    t->hash = h;
    t->probes = t->rehashes = 0;
}

static slot *find_slot(table *t, const char *key, uint32_t len, uint32_t h, int for_insert) {
    size_t mask = t->cap - 1, i = h & mask;
    slot *first_tomb = NULL;
    for (;;) {
        slot *s = &t->slots[i];
        t->probes++;
        if (s->key == NULL) return for_insert && first_tomb ? first_tomb : s;
        if (s->key == TOMB) {
            if (!first_tomb) first_tomb = s;
        } else if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) {
            return s;
        }
        i = (i + 1) & mask;
    }
}

static void grow(table *t) {
    slot *old = t->slots;
    size_t oldcap = t->cap;
    /* Double only if live entries need it; otherwise just sweep tombstones. */
    size_t cap = t->live * 10 >= oldcap * 5 ? oldcap * 2 : oldcap;
    table_init(t, cap, t->hash);
    for (size_t i = 0; i < oldcap; i++) {
        slot *s = &old[i];
        if (s->key && s->key != TOMB) {
            slot *d = find_slot(t, s->key, s->len, s->hash, 1);
            *d = *s;
            t->used++;
            t->live++;
        }
    }
    free(old);
}

/* Adds delta to key's value (inserting it at 0); returns 1 if it was new. */
static int table_add(table *t, const char *key, uint32_t len, int64_t delta) {
    if ((t->used + 1) * 10 > t->cap * 7) {
        uint64_t probes = t->probes, rehashes = t->rehashes;
        grow(t);
        t->probes = probes;
        t->rehashes = rehashes + 1;
    }
    uint32_t h = t->hash(key, len);
    slot *s = find_slot(t, key, len, h, 1);
    if (s->key && s->key != TOMB) {
        s->value += delta;
        return 0;
    }
    if (s->key == NULL) t->used++;
    s->key = key;
    s->len = len;
    s->hash = h;
    s->value = delta;
    t->live++;
    return 1;
}

static slot *table_get(table *t, const char *key, uint32_t len) {
    slot *s = find_slot(t, key, len, t->hash(key, len), 0);
    return s->key ? s : NULL;
}

static int table_del(table *t, const char *key, uint32_t len) {
    slot *s = table_get(t, key, len);
    if (!s) return 0;
    s->key = TOMB;
    t->live--;
    return 1;
}

/* ---- keys --------------------------------------------------------------- */

static const char *prefixes[] = {"user.", "cache-", "session:", "item/", "cfg.", "x"};
static const char *suffixes[] = {".name", ".email", "", "/meta", ".count", ":ttl"};

/* Writes key number k into buf; returns its length. Same k, same key. */
static uint32_t make_key(char *buf, uint32_t k) {
    static const char hx[] = "0123456789abcdef";
    uint32_t x = k * 2654435761u;
    char *p = buf;
    for (const char *s = prefixes[k % 6]; *s; s++) *p++ = *s;
    if (k % 3 == 0) {
        uint32_t v = k;
        char tmp[12];
        int n = 0;
        do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
        while (n) *p++ = tmp[--n];
    } else {
        for (int i = 0; i < 4 + (int)(k % 5); i++, x >>= 4) *p++ = hx[x & 15];
    }
    for (const char *s = suffixes[(k / 6) % 6]; *s; s++) *p++ = *s;
    *p = 0;
    return (uint32_t)(p - buf);
}

int main(int argc, char **argv) {
    long ops = bench_arg(argc, argv, 1, 60000);
    uint32_t universe = (uint32_t)(ops / 3 + 16);
    /* All keys, materialised once in an arena with an offset table. */
    char *arena = malloc((size_t)universe * 32);
    uint32_t *off = malloc(((size_t)universe + 1) * sizeof *off);
    int64_t *expect = malloc((size_t)universe * sizeof *expect);
    uint8_t *present = malloc(universe);
    if (!arena || !off || !expect || !present) {
        fprintf(stderr, "hashtab: out of memory\n");
        return 1;
    }
    off[0] = 0;
    for (uint32_t k = 0; k < universe; k++) {
        uint32_t len = make_key(arena + off[k], k);
        off[k + 1] = off[k] + len + 1;
    }

    static const struct { const char *name; hash_fn fn; } hashes[] = {
        {"fnv1a", hash_fnv}, {"murmurish", hash_murmurish}};
    uint64_t total = BENCH_FNV_INIT;
    for (int hi = 0; hi < 2; hi++) {
        bench_rng rng = {0x4a5bULL};
        table t;
        table_init(&t, 16, hashes[hi].fn);
        memset(present, 0, universe);
        memset(expect, 0, (size_t)universe * sizeof *expect);
        uint64_t inserted = 0, dup = 0, hits = 0, misses = 0, deleted = 0, wrong = 0;
        int64_t valsum = 0;
        for (long op = 0; op < ops; op++) {
            /* Skewed choice of key: low numbers come up more often. */
            uint32_t r = bench_below(&rng, universe);
            uint32_t k = bench_below(&rng, 4) ? r / (1 + bench_below(&rng, 8)) : r;
            const char *key = arena + off[k];
            uint32_t len = off[k + 1] - off[k] - 1;
            uint32_t what = bench_below(&rng, 10);
            if (what < 5) {
                int64_t delta = (int64_t)bench_below(&rng, 100) - 20;
                if (table_add(&t, key, len, delta)) {
                    inserted++;
                    expect[k] = delta;
                } else {
                    dup++;
                    expect[k] += delta;
                }
                present[k] = 1;
            } else if (what < 8) {
                slot *s = table_get(&t, key, len);
                if (s) {
                    hits++;
                    valsum += s->value;
                    if (!present[k] || s->value != expect[k]) wrong++;
                } else {
                    misses++;
                    if (present[k]) wrong++;
                }
            } else {
                int d = table_del(&t, key, len);
                if (d != present[k]) wrong++;
                deleted += (uint64_t)d;
                present[k] = 0;
            }
        }
        /* Final audit against the shadow arrays. */
        uint64_t live = 0, h = BENCH_FNV_INIT;
        for (uint32_t k = 0; k < universe; k++) {
            const char *key = arena + off[k];
            slot *s = table_get(&t, key, off[k + 1] - off[k] - 1);
            if ((s != NULL) != present[k] || (s && s->value != expect[k])) wrong++;
            if (s) {
                live++;
                h = bench_mix(h, (uint64_t)s->value ^ (uint64_t)k << 32);
            }
        }
        printf("%-9s: %llu new, %llu updates, %llu hits, %llu misses, %llu deleted, %llu live "
               "(cap %zu), value sum %lld, wrong %llu\n",
               hashes[hi].name, (unsigned long long)inserted, (unsigned long long)dup,
               (unsigned long long)hits, (unsigned long long)misses, (unsigned long long)deleted,
               (unsigned long long)live, t.cap, (long long)valsum, (unsigned long long)wrong);
        printf("%-9s: %llu probes, %llu rehashes, contents %016llx\n", hashes[hi].name,
               (unsigned long long)t.probes, (unsigned long long)t.rehashes,
               (unsigned long long)h);
        total = bench_mix(total, h);
        free(t.slots);
        if (wrong) return 1;
    }
    printf("hash %016llx\n", (unsigned long long)total);
    free(arena);
    free(off);
    free(expect);
    free(present);
    return 0;
}
