/*
 * codec.c -- base64 (standard and URL-safe alphabets, with and without
 * padding) and hexadecimal encoding and decoding.
 * Encodes buffers of many lengths (random bytes, text, runs of zeros),
 * decodes them back through a 256-entry reverse table with validation,
 * and checks the round trip; also feeds the decoders damaged input
 * (bad characters, bad padding, odd hex lengths, whitespace to skip) and
 * counts what they reject. Prints encoded sizes, rejection counts and
 * checksums of the encoded text.
 * Exercises shifts and masks that regroup 3 bytes into 4 six-bit fields,
 * table lookups indexed by data, and byte-at-a-time validation branches.
 * usage: codec [KIB]   (default 256: KiB encoded and decoded per codec)
 */
#include <string.h>

#include "../progs/common.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

typedef struct {
    const char *alphabet;
    int pad;
    int8_t rev[256]; /* -1 invalid, -2 skip (whitespace), else 0..63 */
} b64_codec;

static void b64_setup(b64_codec *c, const char *alphabet, int pad) {
    c->alphabet = alphabet;
    c->pad = pad;
    memset(c->rev, -1, sizeof c->rev);
    for (int i = 0; i < 64; i++) c->rev[(uint8_t)alphabet[i]] = (int8_t)i;
    c->rev['\n'] = c->rev['\r'] = c->rev[' '] = c->rev['\t'] = -2;
}

static size_t b64_encode(const b64_codec *c, const uint8_t *in, size_t n, char *out) {
    const char *a = c->alphabet;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = a[(v >> 6) & 63];
        out[o++] = a[v & 63];
    }
    size_t rest = n - i;
    if (rest) {
        uint32_t v = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        if (rest == 2) out[o++] = a[(v >> 6) & 63];
        if (c->pad) {
            if (rest == 1) out[o++] = '=';
            out[o++] = '=';
        }
    }
    return o;
}

/* Returns the decoded length, or -1 if the input is malformed. */
static long b64_decode(const b64_codec *c, const char *in, size_t n, uint8_t *out) {
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0, npad = 0, nchars = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = (uint8_t)in[i];
        if (ch == '=') {
            npad++;
            continue;
        }
        int8_t v = c->rev[ch];
        if (v == -2) continue;
        if (v < 0 || npad) return -1; /* bad character, or data after padding */
        nchars++;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (nchars % 4 == 1) return -1;
    if (c->pad ? (nchars + npad) % 4 != 0 : npad != 0) return -1;
    if (npad > 2) return -1;
    if (acc & ((1u << bits) - 1)) return -1; /* non-canonical trailing bits */
    return (long)o;
}

static size_t hex_encode(const uint8_t *in, size_t n, char *out, int upper) {
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    return 2 * n;
}

static int hex_nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static long hex_decode(const char *in, size_t n, uint8_t *out) {
    if (n % 2) return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_nibble(in[i]), lo = hex_nibble(in[i + 1]);
        if ((hi | lo) < 0) return -1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(n / 2);
}

static uint64_t fnv(const void *p, size_t n) {
    const uint8_t *b = p;
    uint64_t h = BENCH_FNV_INIT;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static void fill(uint8_t *buf, size_t n, int kind, bench_rng *r) {
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case 0: buf[i] = (uint8_t)bench_rand(r); break;
        case 1: buf[i] = (uint8_t)(" etaoinshrdlu\n"[bench_below(r, 14)]); break;
        default: buf[i] = bench_below(r, 16) ? 0 : (uint8_t)bench_rand(r); break;
        }
    }
}

int main(int argc, char **argv) {
    long kib = bench_arg(argc, argv, 1, 256);
    size_t budget = (size_t)kib * 1024;
    enum { MAXLEN = 4096 };
    uint8_t *src = malloc(MAXLEN), *dec = malloc(MAXLEN + 8);
    char *enc = malloc(2 * MAXLEN + 64), *damaged = malloc(2 * MAXLEN + 64);
    if (!src || !dec || !enc || !damaged) {
        fprintf(stderr, "codec: out of memory\n");
        return 1;
    }
    static b64_codec codecs[3];
    b64_setup(&codecs[0], b64_std, 1);
    b64_setup(&codecs[1], b64_url, 0);
    b64_setup(&codecs[2], b64_std, 0);
    static const char *names[] = {"base64", "base64url", "base64-nopad", "hex"};

    bench_rng rng = {0xc0dec0deULL};
    uint64_t hash = BENCH_FNV_INIT;
    for (int which = 0; which < 4; which++) {
        size_t done = 0, encoded = 0, bufs = 0, rejected = 0, accepted_damage = 0, failures = 0;
        uint64_t h = BENCH_FNV_INIT;
        while (done < budget) {
            size_t n = bench_below(&rng, 64) == 0 ? bench_below(&rng, MAXLEN)
                                                  : bench_below(&rng, 200);
            fill(src, n, (int)bench_below(&rng, 3), &rng);
            size_t elen;
            long dlen;
            if (which < 3) {
                elen = b64_encode(&codecs[which], src, n, enc);
                dlen = b64_decode(&codecs[which], enc, elen, dec);
            } else {
                elen = hex_encode(src, n, enc, (int)(bufs & 1));
                dlen = hex_decode(enc, elen, dec);
            }
            if (dlen != (long)n || memcmp(src, dec, n) != 0) failures++;
            h = bench_mix(h, fnv(enc, elen));
            /* Damage a copy: flip in a bad char, drop a char, or insert whitespace. */
            if (elen > 0) {
                memcpy(damaged, enc, elen);
                size_t dl = elen, at = bench_below(&rng, (uint32_t)elen);
                switch (bench_below(&rng, 3)) {
                case 0: damaged[at] = "!*.@"[bench_below(&rng, 4)]; break;
                case 1: memmove(damaged + at, damaged + at + 1, --dl - at); break;
                default:
                    memmove(damaged + at + 1, damaged + at, dl - at);
                    damaged[at] = '\n';
                    dl++;
                    break;
                }
                long r = which < 3 ? b64_decode(&codecs[which], damaged, dl, dec)
                                   : hex_decode(damaged, dl, dec);
                if (r < 0) rejected++;
                else {
                    accepted_damage++;
                    h = bench_mix(h, fnv(dec, (size_t)r));
                }
            }
            done += n;
            encoded += elen;
            bufs++;
        }
        printf("%-12s %zu buffers, %zu -> %zu bytes, round-trip failures %zu, "
               "damaged: %zu rejected, %zu accepted, %016llx\n",
               names[which], bufs, done, encoded, failures, rejected, accepted_damage,
               (unsigned long long)h);
        hash = bench_mix(hash, h);
        if (failures) return 1;
    }
    printf("hash %016llx\n", (unsigned long long)hash);
    free(src);
    free(dec);
    free(enc);
    free(damaged);
    return 0;
}
