/*
 * bignum.c -- arbitrary-precision unsigned arithmetic on 32-bit limbs.
 * Computes N! by repeated multiplication by a small number, converts it to
 * decimal by repeated division by 10^9, squares it with schoolbook
 * multiplication and checks the square by dividing it back down by 2..N
 * twice; then computes e to 3N decimal digits as the fixed-point sum of
 * 1/k! (big division by small k, big addition), and 2^(3N) - 3^N by
 * shifting, multiplying and subtracting, checking its residues against
 * modular exponentiation. Prints digit counts, digit sums and digits.
 * Exercises 32x32->64-bit multiplies, 64-by-32-bit divides, carry chains
 * and long loops over u32 arrays.
 * usage: bignum [N]   (default 1500: N!, and e to 3*N digits)
 */
#include <string.h>

#include "../progs/common.h"

typedef struct {
    uint32_t *d; /* little-endian limbs */
    size_t n;    /* limbs in use; no leading zero limbs */
    size_t cap;
} big;

static void big_init(big *a, size_t cap) {
    a->d = calloc(cap, sizeof *a->d);
    if (!a->d) {
        fprintf(stderr, "bignum: out of memory\n");
        exit(1);
    }
    a->n = 0;
    a->cap = cap;
}

static void big_set(big *a, uint32_t v) {
    a->n = v ? 1 : 0;
    a->d[0] = v;
}

static void big_trim(big *a) {
    while (a->n && a->d[a->n - 1] == 0) a->n--;
}

static void big_copy(big *dst, const big *src) {
    memcpy(dst->d, src->d, src->n * sizeof *src->d);
    dst->n = src->n;
}

static void big_mul_small(big *a, uint32_t m) {
    uint64_t carry = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint64_t t = (uint64_t)a->d[i] * m + carry;
        a->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) a->d[a->n++] = (uint32_t)carry;
}

/* a /= m; returns the remainder. */
static uint32_t big_div_small(big *a, uint32_t m) {
    uint64_t rem = 0;
    for (size_t i = a->n; i-- > 0;) {
        uint64_t cur = rem << 32 | a->d[i];
        a->d[i] = (uint32_t)(cur / m);
        rem = cur % m;
    }
    big_trim(a);
    return (uint32_t)rem;
}

/* a += b */
static void big_add(big *a, const big *b) {
    uint64_t carry = 0;
    size_t n = a->n > b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        uint64_t t = carry + (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
        a->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    a->n = n;
    if (carry) a->d[a->n++] = 1;
}

/* a -= b, requires a >= b. */
static void big_sub(big *a, const big *b) {
    int64_t borrow = 0;
    for (size_t i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        borrow = t < 0;
        a->d[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
    }
    big_trim(a);
}

/* r = a * b (schoolbook); r must not alias. */
static void big_mul(big *r, const big *a, const big *b) {
    memset(r->d, 0, (a->n + b->n) * sizeof *r->d);
    for (size_t i = 0; i < a->n; i++) {
        uint64_t carry = 0, ai = a->d[i];
        uint32_t *rp = r->d + i;
        for (size_t j = 0; j < b->n; j++) {
            uint64_t t = ai * b->d[j] + rp[j] + carry;
            rp[j] = (uint32_t)t;
            carry = t >> 32;
        }
        rp[b->n] = (uint32_t)carry;
    }
    r->n = a->n + b->n;
    big_trim(r);
}

static void big_shl(big *a, unsigned bits) {
    size_t limbs = bits / 32;
    unsigned sh = bits % 32;
    if (a->n == 0) return;
    a->d[a->n + limbs] = 0;
    for (size_t i = a->n; i-- > 0;) {
        uint64_t v = (uint64_t)a->d[i] << sh;
        a->d[i + limbs + 1] |= (uint32_t)(v >> 32);
        a->d[i + limbs] = (uint32_t)v;
    }
    for (size_t i = 0; i < limbs; i++) a->d[i] = 0;
    a->n += limbs + 1;
    big_trim(a);
}

static int big_cmp(const big *a, const big *b) {
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (size_t i = a->n; i-- > 0;)
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

/* Decimal digits of a (destroys a), most significant first, into out. */
static size_t big_to_dec(big *a, char *out, size_t cap, uint32_t *chunks) {
    size_t nc = 0;
    while (a->n) chunks[nc++] = big_div_small(a, 1000000000u);
    size_t len = 0;
    if (nc == 0) {
        out[len++] = '0';
    } else {
        len += (size_t)snprintf(out, cap, "%u", chunks[nc - 1]);
        for (size_t i = nc - 1; i-- > 0;)
            len += (size_t)snprintf(out + len, cap - len, "%09u", chunks[i]);
    }
    out[len] = 0;
    return len;
}

static unsigned digit_sum(const char *s) {
    unsigned t = 0;
    for (; *s; s++) t += (unsigned)(*s - '0');
    return t;
}

static void report(const char *what, const char *dec, size_t len) {
    size_t tz = 0;
    while (tz < len && dec[len - 1 - tz] == '0') tz++;
    printf("%s: %zu digits, digit sum %u, %zu trailing zeros, leading %.20s\n", what, len,
           digit_sum(dec), tz, dec);
}

int main(int argc, char **argv) {
    uint32_t n = (uint32_t)bench_arg(argc, argv, 1, 1500);
    if (n < 20) n = 20;
    if (n > 1000000) n = 1000000;
    size_t limbs = (size_t)n * 2 + 64; /* log2(n!) < 32 * 2n limbs even squared */
    size_t digits = (size_t)n * 3;
    size_t elimbs = digits / 9 + 8;
    if (elimbs > limbs) limbs = elimbs * 2;
    big f, sq, t, sum, term, p2, p3;
    big_init(&f, limbs);
    big_init(&sq, 2 * limbs);
    big_init(&t, 2 * limbs);
    big_init(&sum, limbs);
    big_init(&term, limbs);
    big_init(&p2, limbs + digits / 32 + 4);
    big_init(&p3, limbs + digits / 16 + 4);
    size_t cap = 20 * limbs + 32;
    char *dec = malloc(cap);
    uint32_t *chunks = malloc(4 * limbs * sizeof *chunks);
    if (!dec || !chunks) {
        fprintf(stderr, "bignum: out of memory\n");
        return 1;
    }

    /* n! */
    big_set(&f, 1);
    for (uint32_t k = 2; k <= n; k++) big_mul_small(&f, k);
    size_t flimbs = f.n;
    big_mul(&sq, &f, &f);
    size_t sqlimbs = sq.n;
    big_copy(&t, &f);
    size_t len = big_to_dec(&t, dec, cap, chunks);
    char label[32];
    snprintf(label, sizeof label, "%u!", n);
    report(label, dec, len);

    /* (n!)^2 / n! / n! must be 1, with no remainders on the way. */
    big_copy(&t, &sq);
    uint64_t rems = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t k = n; k >= 2; k--) rems += big_div_small(&t, k);
    printf("(%u!)^2: %zu limbs (n! has %zu); divided back: %s, remainders %llu\n", n, sqlimbs,
           flimbs, (t.n == 1 && t.d[0] == 1) ? "1" : "WRONG", (unsigned long long)rems);

    /* e = sum 1/k! in fixed point with 10^digits as one, plus guard digits. */
    big_set(&term, 1);
    for (size_t i = 0; i < digits + 10; i += 9) big_mul_small(&term, 1000000000u);
    big_copy(&sum, &term);
    uint32_t k = 1;
    while (term.n) {
        big_div_small(&term, k++);
        big_add(&sum, &term);
    }
    len = big_to_dec(&sum, dec, cap, chunks);
    printf("e: %u terms, %zu digits computed, %.1s.%.49s\n", k - 1, len, dec, dec + 1);
    printf("e: digits %zu..%zu: %.30s\n", digits - 30, digits, dec + digits - 30);

    /* 2^(3n) - 3^n, and its value mod a few small primes by two routes. */
    big_set(&p2, 1);
    big_shl(&p2, 3 * n);
    big_set(&p3, 1);
    for (uint32_t i = 0; i < n; i++) big_mul_small(&p3, 3);
    int c = big_cmp(&p2, &p3);
    if (c >= 0) big_sub(&p2, &p3);
    static const uint32_t primes[] = {1000000007u, 998244353u, 65521u, 97u};
    uint64_t h = BENCH_FNV_INIT;
    printf("2^%u - 3^%u (%s):", 3 * n, n, c >= 0 ? "positive" : "negative");
    for (int i = 0; i < 4; i++) {
        big_copy(&t, &p2);
        uint32_t r = big_div_small(&t, primes[i]);
        /* The same residue by modular exponentiation. */
        uint64_t a = 1, b = 1, m = primes[i];
        for (uint32_t j = 0; j < 3 * n; j++) a = a * 2 % m;
        for (uint32_t j = 0; j < n; j++) b = b * 3 % m;
        uint64_t want = (a + m - b) % m;
        printf(" %u%s", r, r == want ? "" : "(WRONG)");
        h = bench_mix(h, r);
    }
    big_copy(&t, &p2);
    len = big_to_dec(&t, dec, cap, chunks);
    printf("; %zu digits\n", len);
    h = bench_mix(h, digit_sum(dec));
    printf("hash %016llx\n", (unsigned long long)h);
    free(dec);
    free(chunks);
    big *all[] = {&f, &sq, &t, &sum, &term, &p2, &p3};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]->d);
    return 0;
}
