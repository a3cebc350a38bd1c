/*
 * cksum.c -- checksums: table-driven CRC-32 (IEEE, reflected), CRC-32C
 * (Castagnoli), CRC-32/BZIP2 (the same polynomial MSB-first) and
 * Adler-32, with CRC combination over GF(2) and a rolling Adler window.
 * Builds the 256-entry tables, checks each checksum against its known
 * value for "123456789", then over many buffers of varied length (random
 * bytes, text, runs of zeros) computes each one in one call and again in
 * random-sized pieces, and checks the two agree; splits buffers in two
 * and recombines the CRC-32 of the halves with a 32x32 bit-matrix power
 * (zeros-operator squaring); slides a 32-byte Adler window along buffers
 * and compares it with a direct sum at random points; and flips a few
 * bits or a burst in copies of the buffers to count how many corruptions
 * each checksum misses. Prints counts and xor/FNV folds of the checksums.
 * Exercises the slice-by-1 byte loop (load, xor, index a table, shift),
 * the MSB-first variant, deferred modulo in Adler's two running sums,
 * and bit-serial GF(2) matrix-vector products.
 * usage: cksum [KIB]   (default 384: KiB of buffers checksummed)
 */
#include <string.h>

#include "../progs/common.h"

static uint32_t crc32_tab[256], crc32c_tab[256], bzip2_tab[256];

/* Tables for reflected (LSB-first) CRCs: byte value -> its CRC over 8 bits. */
static void make_reflected(uint32_t tab[256], uint32_t poly_rev) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (poly_rev & (0u - (c & 1)));
        tab[i] = c;
    }
}

/* Table for an MSB-first CRC: byte value in the top 8 bits. */
static void make_forward(uint32_t tab[256], uint32_t poly) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i << 24;
        for (int k = 0; k < 8; k++) c = (c << 1) ^ (c & 0x80000000u ? poly : 0);
        tab[i] = c;
    }
}

/* crc is the previous result (0 to start); conditioning is handled inside. */
static uint32_t crc_reflected(const uint32_t tab[256], uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = tab[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t crc_forward(const uint32_t tab[256], uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = tab[(crc >> 24) ^ p[i]] ^ (crc << 8);
    return ~crc;
}

#define ADLER_MOD 65521u
#define ADLER_NMAX 5552 /* most bytes before the 32-bit sums could overflow */

static uint32_t adler32(uint32_t adler, const uint8_t *p, size_t n) {
    uint32_t a = adler & 0xffff, b = adler >> 16;
    while (n > 0) {
        size_t k = n < ADLER_NMAX ? n : ADLER_NMAX;
        n -= k;
        while (k >= 4) {
            a += p[0]; b += a;
            a += p[1]; b += a;
            a += p[2]; b += a;
            a += p[3]; b += a;
            p += 4;
            k -= 4;
        }
        while (k--) {
            a += *p++;
            b += a;
        }
        a %= ADLER_MOD;
        b %= ADLER_MOD;
    }
    return b << 16 | a;
}

/* ---- CRC-32 combination: crc(A||B) from crc(A), crc(B) and |B| ---- */

static uint32_t gf2_times(const uint32_t m[32], uint32_t v) {
    uint32_t s = 0;
    for (int i = 0; v; i++, v >>= 1)
        if (v & 1) s ^= m[i];
    return s;
}

static void gf2_square(uint32_t out[32], const uint32_t m[32]) {
    for (int i = 0; i < 32; i++) out[i] = gf2_times(m, m[i]);
}

static uint32_t crc32_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b) {
    if (len_b == 0) return crc_a;
    uint32_t even[32], odd[32];
    /* odd: the operator that feeds one zero bit through the reflected register. */
    odd[0] = 0xEDB88320u;
    for (int i = 1; i < 32; i++) odd[i] = 1u << (i - 1);
    gf2_square(even, odd); /* two zero bits */
    gf2_square(odd, even); /* four zero bits */
    /* Square on: even = 1 zero byte, odd = 2 bytes, ...; apply where len_b has a 1 bit. */
    do {
        gf2_square(even, odd);
        if (len_b & 1) crc_a = gf2_times(even, crc_a);
        len_b >>= 1;
        if (!len_b) break;
        gf2_square(odd, even);
        if (len_b & 1) crc_a = gf2_times(odd, crc_a);
        len_b >>= 1;
    } while (len_b);
    return crc_a ^ crc_b;
}

/* ---- rolling Adler-32 over a fixed window ---- */

typedef struct { uint32_t a, b, w; } roller;

static void roll_init(roller *r, const uint8_t *p, uint32_t w) {
    uint32_t v = adler32(1, p, w);
    r->a = v & 0xffff;
    r->b = v >> 16;
    r->w = w;
}

/* Slides the window one byte: out leaves at the front, in joins at the back. */
static void roll(roller *r, uint8_t out, uint8_t in) {
    r->a = (r->a + ADLER_MOD - out + in) % ADLER_MOD;
    r->b = (r->b + ADLER_MOD - 1 + (uint32_t)((uint64_t)(ADLER_MOD - out) * r->w % ADLER_MOD) +
            r->a) % ADLER_MOD;
}

/* ---- driver ---- */

enum { CRC32, CRC32C, BZIP2, ADLER, NSUMS };
static const char *const names[NSUMS] = {"crc32", "crc32c", "crc32/bzip2", "adler32"};

static uint32_t sum_of(int which, uint32_t prev, const uint8_t *p, size_t n) {
    switch (which) {
    case CRC32: return crc_reflected(crc32_tab, prev, p, n);
    case CRC32C: return crc_reflected(crc32c_tab, prev, p, n);
    case BZIP2: return crc_forward(bzip2_tab, prev, p, n);
    default: return adler32(prev, p, n);
    }
}

static uint32_t sum_init(int which) { return which == ADLER ? 1 : 0; }

static void fill(uint8_t *buf, size_t n, bench_rng *r) {
    switch (bench_below(r, 4)) {
    case 0: memset(buf, 0, n); break;
    case 1: {
        static const char text[] = "Adler and CRC walk into a byte stream; only one of them "
                                   "notices the swapped bits.\n";
        size_t off = bench_below(r, sizeof text - 1);
        for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)text[(off + i) % (sizeof text - 1)];
        break;
    }
    default:
        for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(bench_rand(r) >> 40);
        break;
    }
}

int main(int argc, char **argv) {
    long kib = bench_arg(argc, argv, 1, 384);
    size_t budget = (size_t)kib * 1024;
    enum { MAXLEN = 9000, WINDOW = 32 };
    uint8_t *buf = malloc(MAXLEN), *bad_copy = malloc(MAXLEN);
    if (!buf || !bad_copy) {
        fprintf(stderr, "cksum: out of memory\n");
        return 1;
    }
    make_reflected(crc32_tab, 0xEDB88320u);
    make_reflected(crc32c_tab, 0x82F63B78u);
    make_forward(bzip2_tab, 0x04C11DB7u);

    static const uint32_t check[NSUMS] = {0xCBF43926u, 0xE3069283u, 0xFC891918u, 0x091E01DEu};
    int bad = 0;
    for (int s = 0; s < NSUMS; s++) {
        uint32_t v = sum_of(s, sum_init(s), (const uint8_t *)"123456789", 9);
        printf("%-11s check %08x %s\n", names[s], v, v == check[s] ? "ok" : "WRONG");
        bad += v != check[s];
    }

    bench_rng rng = {0x0c5c32ULL};
    uint64_t fold[NSUMS], hash = BENCH_FNV_INIT;
    uint32_t xors[NSUMS] = {0};
    size_t missed[NSUMS] = {0};
    for (int s = 0; s < NSUMS; s++) fold[s] = BENCH_FNV_INIT;
    size_t done = 0, bufs = 0, pieces = 0, mismatches = 0, combines = 0, combine_bad = 0;
    size_t rolls = 0, roll_bad = 0, corruptions = 0;
    while (done < budget) {
        size_t n = bench_below(&rng, 10) == 0 ? bench_below(&rng, MAXLEN)
                                              : bench_below(&rng, 400);
        fill(buf, n, &rng);
        uint32_t whole[NSUMS];
        for (int s = 0; s < NSUMS; s++) {
            whole[s] = sum_of(s, sum_init(s), buf, n);
            fold[s] = bench_mix(fold[s], whole[s]);
            xors[s] ^= whole[s];
        }
        /* The same in pieces, every checksum over the same cuts. */
        uint32_t part[NSUMS];
        for (int s = 0; s < NSUMS; s++) part[s] = sum_init(s);
        for (size_t at = 0; at < n;) {
            size_t step = 1 + bench_below(&rng, bench_below(&rng, 2) ? 16 : 2000);
            if (step > n - at) step = n - at;
            for (int s = 0; s < NSUMS; s++) part[s] = sum_of(s, part[s], buf + at, step);
            at += step;
            pieces++;
        }
        for (int s = 0; s < NSUMS; s++) mismatches += part[s] != whole[s];

        /* Split in two and recombine the halves' CRC-32s (only now and then: it is slow). */
        if (bench_below(&rng, 4) == 0) {
            size_t cut = n ? bench_below(&rng, (uint32_t)n + 1) : 0;
            uint32_t a = crc_reflected(crc32_tab, 0, buf, cut);
            uint32_t b = crc_reflected(crc32_tab, 0, buf + cut, n - cut);
            combine_bad += crc32_combine(a, b, n - cut) != whole[CRC32];
            combines++;
        }

        /* Rolling window, checked against a direct sum at a few random places. */
        if (n > WINDOW) {
            roller r;
            roll_init(&r, buf, WINDOW);
            uint32_t probe = bench_below(&rng, (uint32_t)(n - WINDOW));
            for (size_t i = 0; i + WINDOW < n; i++) {
                if (i == probe || i + WINDOW + 1 == n) {
                    uint32_t want = adler32(1, buf + i, WINDOW);
                    roll_bad += (r.b << 16 | r.a) != want;
                    probe = i + 1 + bench_below(&rng, 512);
                }
                if (i % 64 == 0) fold[ADLER] = bench_mix(fold[ADLER], r.b << 16 | r.a);
                roll(&r, buf[i], buf[i + WINDOW]);
                rolls++;
            }
        }

        /* Corrupt a copy: 1-3 bit flips or a burst of up to 32 bits; count undetected. */
        if (n > 0) {
            memcpy(bad_copy, buf, n);
            if (bench_below(&rng, 2)) {
                int flips = 1 + (int)bench_below(&rng, 3);
                uint32_t bits = (uint32_t)n * 8, used[3] = {0};
                for (int f = 0; f < flips; f++) {
                    uint32_t at;
                    int again;
                    do { /* distinct bits, so the flips cannot cancel */
                        at = bench_below(&rng, bits);
                        again = 0;
                        for (int g = 0; g < f; g++) again |= used[g] == at;
                    } while (again && bits > 3);
                    used[f] = at;
                    bad_copy[at >> 3] ^= (uint8_t)(1u << (at & 7));
                }
            } else {
                size_t at = bench_below(&rng, (uint32_t)n);
                for (int k = 0; k < 4 && at + (size_t)k < n; k++)
                    bad_copy[at + (size_t)k] ^= (uint8_t)bench_rand(&rng);
            }
            if (memcmp(bad_copy, buf, n) != 0) {
                corruptions++;
                for (int s = 0; s < NSUMS; s++)
                    missed[s] += sum_of(s, sum_init(s), bad_copy, n) == whole[s];
            }
        }
        done += n;
        bufs++;
    }
    printf("%zu buffers, %zu bytes, %zu pieces, piecewise mismatches %zu\n", bufs, done, pieces,
           mismatches);
    printf("crc32 combine %zu splits, %zu wrong; rolling adler %zu steps, %zu wrong\n", combines,
           combine_bad, rolls, roll_bad);
    for (int s = 0; s < NSUMS; s++) {
        printf("%-11s xor %08x, missed %zu of %zu corruptions, %016llx\n", names[s], xors[s],
               missed[s], corruptions, (unsigned long long)fold[s]);
        hash = bench_mix(hash, fold[s]);
    }
    printf("hash %016llx\n", (unsigned long long)hash);
    free(buf);
    free(bad_copy);
    return bad || mismatches || combine_bad || roll_bad ? 1 : 0;
}
