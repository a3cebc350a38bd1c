/*
 * hash64.c -- 64-bit hashing: an XXH64-compatible hash (one-shot and
 * streaming) and SipHash-2-4, a keyed hash.
 * Checks both against known values, then hashes many buffers of varied
 * length (0 to several KiB, random bytes and text) under varied seeds,
 * one-shot and again through the streaming interface fed in random-sized
 * pieces, and checks the two agree; hashes many short keys (identifiers
 * and numbers as text) with SipHash under a few keys and counts bucket
 * collisions in a bitset; and measures avalanche: for random 16-byte
 * inputs flips each input bit and tallies, per input/output bit pair, how
 * often the output bit changes. Prints counts, the worst avalanche bias
 * and checksums of the hashes.
 * Exercises 64-bit multiplies and rotates on four independent lanes,
 * unaligned little-endian 64/32-bit loads, short tail loops, add-rotate-xor
 * rounds, popcount and bit-extraction loops.
 * usage: hash64 [KIB]   (default 1024: KiB hashed by each of XXH64 and SipHash)
 */
#include <string.h>

#include "../progs/common.h"

static inline uint64_t rotl64(uint64_t x, int n) { return x << n | x >> (64 - n); }

static inline uint64_t load64le(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static inline uint32_t load32le(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- XXH64 ---- */

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t xx_round(uint64_t acc, uint64_t in) {
    acc += in * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static inline uint64_t xx_merge(uint64_t h, uint64_t v) {
    h ^= xx_round(0, v);
    return h * P1 + P4;
}

/* Everything after the 32-byte stripes: up to 31 bytes of tail, then the avalanche. */
static uint64_t xx_finish(uint64_t h, const uint8_t *p, size_t n) {
    while (n >= 8) {
        h ^= xx_round(0, load64le(p));
        h = rotl64(h, 27) * P1 + P4;
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        h ^= (uint64_t)load32le(p) * P1;
        h = rotl64(h, 23) * P2 + P3;
        p += 4;
        n -= 4;
    }
    while (n--) {
        h ^= *p++ * P5;
        h = rotl64(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

static uint64_t xxh64(const uint8_t *p, size_t n, uint64_t seed) {
    uint64_t h;
    size_t len = n;
    if (n >= 32) {
        uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        do {
            v1 = xx_round(v1, load64le(p));
            v2 = xx_round(v2, load64le(p + 8));
            v3 = xx_round(v3, load64le(p + 16));
            v4 = xx_round(v4, load64le(p + 24));
            p += 32;
            n -= 32;
        } while (n >= 32);
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xx_merge(h, v1);
        h = xx_merge(h, v2);
        h = xx_merge(h, v3);
        h = xx_merge(h, v4);
    } else {
        h = seed + P5;
    }
    h += len;
    return xx_finish(h, p, n);
}

typedef struct {
    uint64_t v[4], seed, total;
    uint8_t buf[32];
    size_t nbuf;
} xx_state;

static void xx_reset(xx_state *s, uint64_t seed) {
    s->v[0] = seed + P1 + P2;
    s->v[1] = seed + P2;
    s->v[2] = seed;
    s->v[3] = seed - P1;
    s->seed = seed;
    s->total = 0;
    s->nbuf = 0;
}

static void xx_stripe(uint64_t v[4], const uint8_t *p) {
    for (int i = 0; i < 4; i++) v[i] = xx_round(v[i], load64le(p + 8 * i));
}

static void xx_update(xx_state *s, const uint8_t *p, size_t n) {
    s->total += n;
    if (s->nbuf + n < 32) {
        memcpy(s->buf + s->nbuf, p, n);
        s->nbuf += n;
        return;
    }
    if (s->nbuf) {
        size_t take = 32 - s->nbuf;
        memcpy(s->buf + s->nbuf, p, take);
        xx_stripe(s->v, s->buf);
        p += take;
        n -= take;
        s->nbuf = 0;
    }
    while (n >= 32) {
        xx_stripe(s->v, p);
        p += 32;
        n -= 32;
    }
    memcpy(s->buf, p, n);
    s->nbuf = n;
}

static uint64_t xx_digest(const xx_state *s) {
    uint64_t h;
    if (s->total >= 32) {
        h = rotl64(s->v[0], 1) + rotl64(s->v[1], 7) + rotl64(s->v[2], 12) + rotl64(s->v[3], 18);
        for (int i = 0; i < 4; i++) h = xx_merge(h, s->v[i]);
    } else {
        h = s->seed + P5;
    }
    h += s->total;
    return xx_finish(h, s->buf, s->nbuf);
}

/* ---- SipHash-2-4 ---- */

#define SIPROUND                                                                               \
    do {                                                                                       \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);                         \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                               \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                               \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);                          \
    } while (0)

static uint64_t siphash24(const uint8_t *p, size_t n, uint64_t k0, uint64_t k1) {
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    uint64_t b = (uint64_t)n << 56;
    const uint8_t *end = p + (n & ~(size_t)7);
    for (; p != end; p += 8) {
        uint64_t m = load64le(p);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    switch (n & 7) {
    case 7: b |= (uint64_t)p[6] << 48; /* fall through */
    case 6: b |= (uint64_t)p[5] << 40; /* fall through */
    case 5: b |= (uint64_t)p[4] << 32; /* fall through */
    case 4: b |= (uint64_t)p[3] << 24; /* fall through */
    case 3: b |= (uint64_t)p[2] << 16; /* fall through */
    case 2: b |= (uint64_t)p[1] << 8;  /* fall through */
    case 1: b |= p[0]; break;
    default: break;
    }
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- checks and workloads ---- */

static int self_test(void) {
    uint8_t seq[100];
    for (int i = 0; i < 100; i++) seq[i] = (uint8_t)i;
    uint64_t k0 = load64le(seq), k1 = load64le(seq + 8);
    int bad = 0;
    bad += xxh64(seq, 0, 0) != 0xEF46DB3751D8E999ULL;
    bad += xxh64((const uint8_t *)"abc", 3, 0) != 0x44BC2CF5AD770999ULL;
    bad += xxh64(seq, 40, 0) != 0xF5DA40F1B11741E9ULL;
    bad += xxh64(seq, 100, 12345) != 0x028BA1AE2DE4DE27ULL;
    bad += siphash24(seq, 0, k0, k1) != 0x726FDB47DD0E0E31ULL;
    bad += siphash24(seq, 15, k0, k1) != 0xA129CA6149BE45E5ULL;
    return bad;
}

static void fill(uint8_t *buf, size_t n, bench_rng *r) {
    if (bench_below(r, 3)) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t v = bench_rand(r);
            memcpy(buf + i, &v, 8);
        }
        for (; i < n; i++) buf[i] = (uint8_t)bench_rand(r);
    } else {
        static const char text[] = "static inline uint64_t rotl(uint64_t x, int n); /* lanes */\n";
        size_t off = bench_below(r, sizeof text - 1);
        for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)text[(off + i) % (sizeof text - 1)];
    }
}

/* A short key: an identifier-like name or a number written out. */
static size_t make_key(char *out, uint64_t i, bench_rng *r) {
    static const char *const stems[] = {"user", "node", "item", "key", "session", "blk", "x"};
    switch (bench_below(r, 3)) {
    case 0: return (size_t)snprintf(out, 40, "%s_%llu", stems[i % 7], (unsigned long long)i);
    case 1: return (size_t)snprintf(out, 40, "%llu", (unsigned long long)(i * 2654435761u));
    default: {
        size_t n = 1 + bench_below(r, 24);
        for (size_t k = 0; k < n; k++) out[k] = (char)('a' + bench_below(r, 26));
        out[n] = 0;
        return n;
    }
    }
}

int main(int argc, char **argv) {
    long kib = bench_arg(argc, argv, 1, 1024);
    size_t budget = (size_t)kib * 1024;
    enum { MAXLEN = 6000 };
    uint8_t *buf = malloc(MAXLEN);
    if (!buf) {
        fprintf(stderr, "hash64: out of memory\n");
        return 1;
    }
    int bad = self_test();
    printf("known values: %s\n", bad ? "FAILED" : "ok");

    bench_rng rng = {0x6a09e667f3bcc908ULL};
    uint64_t hash = BENCH_FNV_INIT;

    /* XXH64 over varied buffers, one-shot and streamed. */
    {
        size_t done = 0, bufs = 0, pieces = 0, mismatches = 0;
        uint64_t h = BENCH_FNV_INIT, x = 0;
        while (done < budget) {
            size_t n = bench_below(&rng, 8) == 0 ? bench_below(&rng, MAXLEN)
                                                 : bench_below(&rng, 300);
            fill(buf, n, &rng);
            uint64_t seed = bench_below(&rng, 2) ? 0 : bench_rand(&rng);
            uint64_t one = xxh64(buf, n, seed);
            xx_state s;
            xx_reset(&s, seed);
            for (size_t at = 0; at < n;) {
                size_t step = bench_below(&rng, 2) ? 1 + bench_below(&rng, 40)
                                                   : 1 + bench_below(&rng, 1000);
                if (step > n - at) step = n - at;
                xx_update(&s, buf + at, step);
                at += step;
                pieces++;
            }
            if (xx_digest(&s) != one) mismatches++;
            h = bench_mix(h, one);
            x ^= one;
            done += n;
            bufs++;
        }
        printf("xxh64    %zu buffers, %zu bytes, %zu stream pieces, stream mismatches %zu, "
               "xor %016llx, %016llx\n",
               bufs, done, pieces, mismatches, (unsigned long long)x, (unsigned long long)h);
        hash = bench_mix(hash, h);
        bad += mismatches != 0;
    }

    /* SipHash-2-4 over short keys, into a bitset of 2^16 buckets per key. */
    {
        enum { BUCKET_BITS = 16, WORDS = (1 << BUCKET_BITS) / 64 };
        static uint64_t used[WORDS];
        char key[48];
        size_t done = 0, keys = 0;
        unsigned long long collisions = 0, occupied = 0;
        uint64_t h = BENCH_FNV_INIT;
        for (int round = 0; done < budget; round++) {
            uint64_t k0 = bench_rand(&rng), k1 = bench_rand(&rng);
            memset(used, 0, sizeof used);
            for (int i = 0; i < 20000 && done < budget; i++) {
                size_t n = make_key(key, (uint64_t)i + (uint64_t)round * 100000, &rng);
                uint64_t v = siphash24((const uint8_t *)key, n, k0, k1);
                uint32_t b = (uint32_t)(v >> (64 - BUCKET_BITS));
                uint64_t bit = 1ULL << (b & 63);
                if (used[b >> 6] & bit) collisions++;
                used[b >> 6] |= bit;
                h = bench_mix(h, v);
                done += n;
                keys++;
            }
            for (int w = 0; w < WORDS; w++)
                occupied += (unsigned long long)__builtin_popcountll(used[w]);
        }
        printf("siphash  %zu keys, %zu bytes, bucket collisions %llu, buckets used %llu, %016llx\n",
               keys, done, collisions, occupied, (unsigned long long)h);
        hash = bench_mix(hash, h);
    }

    /* Avalanche of both hashes on 16-byte inputs: count[in bit][out bit]. */
    {
        enum { TRIALS = 400 };
        static uint32_t count[2][128][64];
        memset(count, 0, sizeof count);
        uint8_t in[16];
        for (int t = 0; t < TRIALS; t++) {
            fill(in, 16, &rng);
            uint64_t base[2] = {xxh64(in, 16, 7), siphash24(in, 16, 1, 2)};
            for (int bit = 0; bit < 128; bit++) {
                in[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
                uint64_t d[2] = {xxh64(in, 16, 7) ^ base[0], siphash24(in, 16, 1, 2) ^ base[1]};
                in[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
                for (int f = 0; f < 2; f++) {
                    uint64_t m = d[f];
                    while (m) {
                        count[f][bit][__builtin_ctzll(m)]++;
                        m &= m - 1;
                    }
                }
            }
        }
        for (int f = 0; f < 2; f++) {
            uint32_t worst = 0;
            uint64_t total = 0;
            for (int i = 0; i < 128; i++)
                for (int o = 0; o < 64; o++) {
                    uint32_t c = count[f][i][o];
                    uint32_t dev = c > TRIALS / 2 ? c - TRIALS / 2 : TRIALS / 2 - c;
                    if (dev > worst) worst = dev;
                    total += c;
                    hash = bench_mix(hash, c);
                }
            printf("avalanche %-7s %d trials: mean flipped %llu.%02llu of 64 bits, "
                   "worst bias %u/%d\n",
                   f ? "siphash" : "xxh64", TRIALS, (unsigned long long)(total / (TRIALS * 128)),
                   (unsigned long long)(total % (TRIALS * 128) * 100 / (TRIALS * 128)), worst,
                   TRIALS);
        }
    }
    printf("hash %016llx\n", (unsigned long long)hash);
    free(buf);
    return bad ? 1 : 0;
}
