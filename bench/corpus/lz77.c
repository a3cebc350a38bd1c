/*
 * lz77.c -- an LZ77 compressor and decompressor, round trip.
 * Builds a synthetic input (pseudo-English text from a small vocabulary,
 * then a stretch of structured binary records, then some noise), compresses
 * it with hash chains over a 32 KiB window (greedy matching with one step of
 * lazy evaluation), decompresses it again and checks the bytes are the same.
 * The token format is a flag byte per 8 tokens, then literals (1 byte) or
 * matches (2-byte distance, 1-byte length).
 * Exercises byte loads and stores at data-dependent addresses, hash-chain
 * walking through u16/u32 arrays, a tight match-extension loop and
 * overlapping copies in the decoder.
 * usage: lz77 [KIB]   (default 96: KiB of input)
 */
#include <string.h>

#include "../progs/common.h"

#define WINDOW (1 << 15)
#define WMASK (WINDOW - 1)
#define HBITS 14
#define HSIZE (1 << HBITS)
#define MIN_MATCH 3
#define MAX_MATCH 258
#define MAX_CHAIN 48

static const char *vocab[] = {
    "the", "of", "and", "a", "to", "in", "is", "you", "that", "it", "he", "was", "for",
    "on", "are", "as", "with", "his", "they", "at", "be", "this", "have", "from", "or",
    "one", "had", "by", "word", "but", "not", "what", "all", "were", "we", "when", "your",
    "can", "said", "there", "use", "an", "each", "which", "she", "do", "how", "their",
    "if", "will", "up", "other", "about", "out", "many", "then", "them", "these", "so",
    "compression", "window", "distance", "literal", "interpreter", "module", "memory",
};
#define NVOCAB (sizeof vocab / sizeof vocab[0])

static size_t make_input(uint8_t *buf, size_t n, bench_rng *rng) {
    size_t pos = 0;
    /* Half text. */
    size_t text_end = n / 2;
    int sentence = 0;
    while (pos < text_end) {
        const char *w = vocab[bench_below(rng, NVOCAB)];
        size_t len = strlen(w);
        if (pos + len + 2 >= text_end) break;
        memcpy(buf + pos, w, len);
        if (sentence == 0 && buf[pos] >= 'a' && buf[pos] <= 'z')
            buf[pos] = (uint8_t)(buf[pos] - 32); /* capitalise */
        pos += len;
        sentence++;
        if (sentence > 6 && bench_below(rng, 5) == 0) {
            buf[pos++] = '.';
            buf[pos++] = bench_below(rng, 4) ? ' ' : '\n';
            sentence = 0;
        } else {
            buf[pos++] = bench_below(rng, 12) ? ' ' : ',';
        }
    }
    /* A third of the rest: fixed-layout records with slowly changing fields. */
    size_t rec_end = pos + (n - pos) * 2 / 3;
    uint32_t id = 1000, stamp = 0x5f000000;
    while (pos + 16 <= rec_end) {
        stamp += bench_below(rng, 64);
        id += 1 + bench_below(rng, 3);
        uint8_t rec[16] = {'R', 'E', 'C', ':', (uint8_t)id, (uint8_t)(id >> 8), 0, 0,
                           (uint8_t)stamp, (uint8_t)(stamp >> 8), (uint8_t)(stamp >> 16),
                           (uint8_t)(stamp >> 24), (uint8_t)bench_below(rng, 4), 0, '\r', '\n'};
        memcpy(buf + pos, rec, 16);
        pos += 16;
    }
    /* The rest: noise with occasional repeats of earlier noise. */
    while (pos < n) {
        if (pos > 64 && bench_below(rng, 8) == 0) {
            size_t len = 4 + bench_below(rng, 20), back = 1 + bench_below(rng, 60);
            for (size_t i = 0; i < len && pos < n; i++, pos++) buf[pos] = buf[pos - back];
        } else {
            buf[pos++] = (uint8_t)bench_rand(rng);
        }
    }
    return pos;
}

static inline uint32_t hash3(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (v * 2654435761u) >> (32 - HBITS);
}

typedef struct {
    int32_t head[HSIZE];
    int32_t prev[WINDOW];
} chains;

static void insert(chains *c, const uint8_t *in, size_t pos) {
    uint32_t h = hash3(in + pos);
    c->prev[pos & WMASK] = c->head[h];
    c->head[h] = (int32_t)pos;
}

/* Longest match for position pos; returns its length, sets *dist. */
static size_t longest(const chains *c, const uint8_t *in, size_t n, size_t pos, size_t *dist) {
    size_t best = 0;
    size_t limit = n - pos < MAX_MATCH ? n - pos : MAX_MATCH;
    int32_t cand = c->head[hash3(in + pos)];
    for (int chain = 0; cand >= 0 && chain < MAX_CHAIN; chain++) {
        size_t cp = (size_t)cand;
        if (pos - cp > WINDOW - 1) break;
        if (in[cp + best] == in[pos + best]) {
            size_t len = 0;
            while (len < limit && in[cp + len] == in[pos + len]) len++;
            if (len > best) {
                best = len;
                *dist = pos - cp;
                if (len == limit) break;
            }
        }
        int32_t next = c->prev[cp & WMASK];
        if (next >= cand) break;
        cand = next;
    }
    return best;
}

typedef struct {
    uint8_t *out;
    size_t len;
    size_t flag_pos;
    int nflags;
} writer;

static void put_token(writer *w, int is_match) {
    if (w->nflags == 8 || w->len == 0) {
        w->flag_pos = w->len;
        w->out[w->len++] = 0;
        w->nflags = 0;
    }
    if (is_match) w->out[w->flag_pos] |= (uint8_t)(1 << w->nflags);
    w->nflags++;
}

static size_t compress(const uint8_t *in, size_t n, uint8_t *out, chains *c, size_t *nmatch) {
    for (int i = 0; i < HSIZE; i++) c->head[i] = -1;
    writer w = {out, 0, 0, 8};
    size_t pos = 0;
    *nmatch = 0;
    while (pos < n) {
        size_t dist = 0, len = 0;
        if (pos + MIN_MATCH <= n) {
            len = longest(c, in, n, pos, &dist);
            /* Lazy: if the next position has a longer match, emit a literal. */
            if (len >= MIN_MATCH && len < 32 && pos + 1 + MIN_MATCH <= n) {
                size_t d2 = 0;
                insert(c, in, pos);
                size_t l2 = longest(c, in, n, pos + 1, &d2);
                if (l2 > len + 1) {
                    put_token(&w, 0);
                    w.out[w.len++] = in[pos];
                    pos++;
                    len = l2;
                    dist = d2;
                } else {
                    /* pos is already inserted: skip re-inserting it below. */
                    put_token(&w, 1);
                    w.out[w.len++] = (uint8_t)dist;
                    w.out[w.len++] = (uint8_t)(dist >> 8);
                    w.out[w.len++] = (uint8_t)(len - MIN_MATCH);
                    (*nmatch)++;
                    for (size_t i = 1; i < len; i++)
                        if (pos + i + MIN_MATCH <= n) insert(c, in, pos + i);
                    pos += len;
                    continue;
                }
            }
        }
        if (len >= MIN_MATCH) {
            put_token(&w, 1);
            w.out[w.len++] = (uint8_t)dist;
            w.out[w.len++] = (uint8_t)(dist >> 8);
            w.out[w.len++] = (uint8_t)(len - MIN_MATCH);
            (*nmatch)++;
            for (size_t i = 0; i < len; i++)
                if (pos + i + MIN_MATCH <= n) insert(c, in, pos + i);
            pos += len;
        } else {
            put_token(&w, 0);
            w.out[w.len++] = in[pos];
            if (pos + MIN_MATCH <= n) insert(c, in, pos);
            pos++;
        }
    }
    return w.len;
}

/* Returns the decompressed length, or 0 on a malformed stream. */
static size_t decompress(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t ip = 0, op = 0;
    while (ip < n) {
        unsigned flags = in[ip++];
        for (int i = 0; i < 8 && ip < n; i++, flags >>= 1) {
            if (flags & 1) {
                if (ip + 3 > n) return 0;
                size_t dist = (size_t)in[ip] | (size_t)in[ip + 1] << 8;
                size_t len = (size_t)in[ip + 2] + MIN_MATCH;
                ip += 3;
                if (dist == 0 || dist > op || op + len > cap) return 0;
                uint8_t *d = out + op;
                const uint8_t *s = d - dist;
                for (size_t k = 0; k < len; k++) d[k] = s[k];
                op += len;
            } else {
                if (op >= cap) return 0;
                out[op++] = in[ip++];
            }
        }
    }
    return op;
}

int main(int argc, char **argv) {
    long kib = bench_arg(argc, argv, 1, 96);
    size_t n = (size_t)kib * 1024;
    uint8_t *in = malloc(n), *comp = malloc(n + n / 8 + 16), *back = malloc(n);
    chains *c = malloc(sizeof *c);
    if (!in || !comp || !back || !c) {
        fprintf(stderr, "lz77: out of memory\n");
        return 1;
    }
    bench_rng rng = {0x1277aULL};
    uint64_t hash = BENCH_FNV_INIT;
    for (int round = 0; round < 2; round++) {
        size_t len = make_input(in, n, &rng);
        size_t nmatch;
        size_t clen = compress(in, len, comp, c, &nmatch);
        size_t dlen = decompress(comp, clen, back, n);
        int ok = dlen == len && memcmp(in, back, len) == 0;
        uint64_t ch = BENCH_FNV_INIT;
        for (size_t i = 0; i < clen; i++) ch = (ch ^ comp[i]) * 0x100000001b3ULL;
        printf("round %d: %zu -> %zu bytes (%zu matches), round trip %s, crc %016llx\n", round,
               len, clen, nmatch, ok ? "ok" : "FAILED", (unsigned long long)ch);
        hash = bench_mix(bench_mix(hash, clen), ch);
        if (!ok) return 1;
        /* A corrupted stream must be rejected or at least stay in bounds. */
        comp[clen / 2] ^= 0x5a;
        size_t bad = decompress(comp, clen, back, n);
        hash = bench_mix(hash, bad);
    }
    printf("hash %016llx\n", (unsigned long long)hash);
    free(in);
    free(comp);
    free(back);
    free(c);
    return 0;
}
