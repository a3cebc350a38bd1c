/*
 * chacha.c -- the ChaCha stream cipher (RFC 8439 layout: 256-bit key,
 * 32-bit block counter, 96-bit nonce) with 8, 12 and 20 rounds.
 * Checks the block function against the RFC 8439 test vector, then for
 * each round count encrypts many messages of varied length (random bytes
 * and text) under fresh keys and nonces, feeding the encryptor in chunks
 * of random size so the keystream position is carried between calls,
 * decrypts each in one call and checks the round trip. Also counts how
 * many keystream bits change when one key bit is flipped. Prints byte
 * counts, failure counts and checksums of the ciphertexts.
 * Exercises add/xor/rotate chains on 32-bit words held in locals (the
 * quarter round), little-endian word loads and stores, and byte loops
 * over partial blocks.
 * usage: chacha [KIB]   (default 512: KiB encrypted per round count)
 */
#include <string.h>

#include "../progs/common.h"

#define ROTL32(x, n) ((uint32_t)((x) << (n)) | ((x) >> (32 - (n))))

#define QR(a, b, c, d)                                                                        \
    do {                                                                                      \
        a += b; d ^= a; d = ROTL32(d, 16);                                                    \
        c += d; b ^= c; b = ROTL32(b, 12);                                                    \
        a += b; d ^= a; d = ROTL32(d, 8);                                                     \
        c += d; b ^= c; b = ROTL32(b, 7);                                                     \
    } while (0)

static inline uint32_t load32le(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

typedef struct {
    uint32_t in[16];     /* constants, key, counter, nonce */
    uint8_t ks[64];      /* current keystream block */
    unsigned used;       /* bytes of ks already consumed (64: none left) */
    int rounds;
} chacha_ctx;

/* One block: 16 words in, 64 keystream bytes out. */
static void chacha_block(const uint32_t in[16], int rounds, uint8_t out[64]) {
    uint32_t x0 = in[0], x1 = in[1], x2 = in[2], x3 = in[3];
    uint32_t x4 = in[4], x5 = in[5], x6 = in[6], x7 = in[7];
    uint32_t x8 = in[8], x9 = in[9], x10 = in[10], x11 = in[11];
    uint32_t x12 = in[12], x13 = in[13], x14 = in[14], x15 = in[15];
    for (int r = 0; r < rounds; r += 2) {
        QR(x0, x4, x8, x12);
        QR(x1, x5, x9, x13);
        QR(x2, x6, x10, x14);
        QR(x3, x7, x11, x15);
        QR(x0, x5, x10, x15);
        QR(x1, x6, x11, x12);
        QR(x2, x7, x8, x13);
        QR(x3, x4, x9, x14);
    }
    store32le(out + 0, x0 + in[0]);
    store32le(out + 4, x1 + in[1]);
    store32le(out + 8, x2 + in[2]);
    store32le(out + 12, x3 + in[3]);
    store32le(out + 16, x4 + in[4]);
    store32le(out + 20, x5 + in[5]);
    store32le(out + 24, x6 + in[6]);
    store32le(out + 28, x7 + in[7]);
    store32le(out + 32, x8 + in[8]);
    store32le(out + 36, x9 + in[9]);
    store32le(out + 40, x10 + in[10]);
    store32le(out + 44, x11 + in[11]);
    store32le(out + 48, x12 + in[12]);
    store32le(out + 52, x13 + in[13]);
    store32le(out + 56, x14 + in[14]);
    store32le(out + 60, x15 + in[15]);
}

static void chacha_init(chacha_ctx *c, const uint8_t key[32], const uint8_t nonce[12],
                        uint32_t counter, int rounds) {
    c->in[0] = 0x61707865; /* "expand 32-byte k" */
    c->in[1] = 0x3320646e;
    c->in[2] = 0x79622d32;
    c->in[3] = 0x6b206574;
    for (int i = 0; i < 8; i++) c->in[4 + i] = load32le(key + 4 * i);
    c->in[12] = counter;
    for (int i = 0; i < 3; i++) c->in[13 + i] = load32le(nonce + 4 * i);
    c->used = 64;
    c->rounds = rounds;
}

/* XORs n bytes of keystream into buf, continuing where the last call stopped. */
static void chacha_xor(chacha_ctx *c, uint8_t *buf, size_t n) {
    size_t i = 0;
    /* Finish a partly used block first. */
    while (i < n && c->used < 64) buf[i++] ^= c->ks[c->used++];
    /* Whole blocks, a word at a time. */
    while (n - i >= 64) {
        chacha_block(c->in, c->rounds, c->ks);
        c->in[12]++;
        for (int w = 0; w < 64; w += 4)
            store32le(buf + i + w, load32le(buf + i + w) ^ load32le(c->ks + w));
        i += 64;
    }
    /* A tail: make a block and use part of it. */
    if (i < n) {
        chacha_block(c->in, c->rounds, c->ks);
        c->in[12]++;
        c->used = 0;
        while (i < n) buf[i++] ^= c->ks[c->used++];
    }
}

static uint64_t fnv(const uint8_t *p, size_t n) {
    uint64_t h = BENCH_FNV_INIT;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* RFC 8439 section 2.3.2: key 00..1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00, counter 1. */
static int self_test(void) {
    static const uint32_t want[16] = {
        0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3, 0xc7f4d1c7, 0x0368c033,
        0x9aaa2204, 0x4e6cd4c3, 0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
        0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2};
    uint8_t key[32], nonce[12] = {0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0}, out[64];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)i;
    chacha_ctx c;
    chacha_init(&c, key, nonce, 1, 20);
    chacha_block(c.in, 20, out);
    int bad = 0;
    for (int i = 0; i < 16; i++) bad += load32le(out + 4 * i) != want[i];
    return bad;
}

static void fill(uint8_t *buf, size_t n, bench_rng *r) {
    if (bench_below(r, 2)) {
        for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(bench_rand(r) >> 56);
    } else {
        static const char words[] = "the quick brown fox jumps over a lazy dog ";
        size_t off = bench_below(r, sizeof words - 1);
        for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)words[(off + i) % (sizeof words - 1)];
    }
}

int main(int argc, char **argv) {
    long kib = bench_arg(argc, argv, 1, 512);
    size_t budget = (size_t)kib * 1024;
    enum { MAXLEN = 8192 };
    uint8_t *plain = malloc(MAXLEN), *buf = malloc(MAXLEN);
    if (!plain || !buf) {
        fprintf(stderr, "chacha: out of memory\n");
        return 1;
    }
    int bad = self_test();
    printf("rfc8439 block test: %s\n", bad ? "FAILED" : "ok");

    static const int round_counts[] = {8, 12, 20};
    bench_rng rng = {0xc4ac4a20ULL};
    uint64_t hash = BENCH_FNV_INIT;
    int total_failures = 0;
    for (int v = 0; v < 3; v++) {
        int rounds = round_counts[v], failures = 0;
        size_t done = 0, msgs = 0, chunks = 0;
        uint64_t h = BENCH_FNV_INIT;
        while (done < budget) {
            uint8_t key[32], nonce[12];
            for (int i = 0; i < 32; i++) key[i] = (uint8_t)bench_rand(&rng);
            for (int i = 0; i < 12; i++) nonce[i] = (uint8_t)bench_rand(&rng);
            uint32_t counter = bench_below(&rng, 4) ? 0 : (uint32_t)bench_rand(&rng);
            size_t n = bench_below(&rng, 16) == 0 ? bench_below(&rng, MAXLEN)
                                                  : bench_below(&rng, 600);
            fill(plain, n, &rng);
            memcpy(buf, plain, n);

            chacha_ctx c;
            chacha_init(&c, key, nonce, counter, rounds);
            for (size_t at = 0; at < n;) {
                size_t step = 1 + bench_below(&rng, bench_below(&rng, 3) ? 100 : 700);
                if (step > n - at) step = n - at;
                chacha_xor(&c, buf + at, step);
                at += step;
                chunks++;
            }
            h = bench_mix(h, fnv(buf, n));
            h = bench_mix(h, c.in[12]);

            chacha_init(&c, key, nonce, counter, rounds);
            chacha_xor(&c, buf, n);
            if (memcmp(buf, plain, n) != 0) failures++;
            done += n;
            msgs++;
        }
        /* Key sensitivity: flip each key bit in turn and count changed keystream bits. */
        uint8_t key[32], nonce[12] = {0}, base[64], other[64];
        for (int i = 0; i < 32; i++) key[i] = (uint8_t)bench_rand(&rng);
        chacha_ctx c;
        chacha_init(&c, key, nonce, 0, rounds);
        chacha_block(c.in, rounds, base);
        uint64_t flipped = 0;
        for (int bit = 0; bit < 256; bit++) {
            key[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
            chacha_init(&c, key, nonce, 0, rounds);
            chacha_block(c.in, rounds, other);
            key[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
            for (int w = 0; w < 64; w += 8) {
                uint64_t a = (uint64_t)load32le(base + w) | (uint64_t)load32le(base + w + 4) << 32;
                uint64_t b =
                    (uint64_t)load32le(other + w) | (uint64_t)load32le(other + w + 4) << 32;
                flipped += (uint64_t)__builtin_popcountll(a ^ b);
            }
        }
        printf("chacha%-2d %zu messages, %zu bytes in %zu chunks, round-trip failures %d, "
               "key-flip avg %llu.%02llu of 512 bits, %016llx\n",
               rounds, msgs, done, chunks, failures, (unsigned long long)(flipped / 256),
               (unsigned long long)(flipped % 256 * 100 / 256), (unsigned long long)h);
        hash = bench_mix(hash, h);
        hash = bench_mix(hash, flipped);
        total_failures += failures;
    }
    printf("hash %016llx\n", (unsigned long long)hash);
    free(plain);
    free(buf);
    return bad || total_failures ? 1 : 0;
}
