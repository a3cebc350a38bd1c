/*
 * fmtparse.c -- formatted output and number parsing through the C library.
 * Builds lines of text with snprintf using a rotating set of conversions
 * (%d %5u %-8s %08x %#o %llu %+lld %.3f %.6e %g %.17g %*d %.*s %c %%),
 * then parses every line back with strtoll/strtoull (bases 10, 16, 8 and
 * auto-detect), strtod and sscanf, checking that integers come back exactly
 * and doubles printed with %.17g round-trip bit for bit. Also parses a
 * table of awkward inputs (hex floats, exponents, overflow, signs, junk).
 * Exercises the guest's libc: varargs, digit loops with division by
 * constants, and the exact decimal conversions of printf and strtod.
 * usage: fmtparse [LINES]   (default 3000)
 */
#include <errno.h>
#include <string.h>

#include "../progs/common.h"

/* A double with a random 53-bit mantissa and a decimal exponent in [-e, e]. */
static double random_double(bench_rng *r, int e) {
    double v = (double)(bench_rand(r) >> 11) / 9007199254740992.0;
    int ex = (int)bench_below(r, (uint32_t)(2 * e + 1)) - e;
    for (; ex > 0; ex--) v *= 10.0;
    for (; ex < 0; ex++) v /= 10.0;
    return bench_below(r, 2) ? -v : v;
}

static uint64_t fnv(const char *s, size_t n) {
    uint64_t h = BENCH_FNV_INIT;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t dbits(double d) {
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

static const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
                              "theta", "iota", "kappa", "lambda", "mu"};

int main(int argc, char **argv) {
    long lines = bench_arg(argc, argv, 1, 3000);
    bench_rng rng = {0xf0e7ULL};
    char line[512];
    uint64_t text_hash = BENCH_FNV_INIT, text_bytes = 0;
    uint64_t int_ok = 0, int_bad = 0, dbl_exact = 0, dbl_bad = 0, dbl_close = 0, scanned = 0;
    uint64_t isum = 0; /* wraps */
    double dsum = 0.0;
    for (long i = 0; i < lines; i++) {
        int32_t a = (int32_t)(bench_rand(&rng) >> 40) - (1 << 23);
        uint32_t b = (uint32_t)(bench_rand(&rng) >> 32);
        int64_t c = (int64_t)bench_rand(&rng) >> bench_below(&rng, 60);
        uint64_t u = bench_rand(&rng) >> bench_below(&rng, 64);
        double x = random_double(&rng, 12), y = random_double(&rng, 30);
        const char *w = words[bench_below(&rng, 12)];
        int width = 1 + (int)bench_below(&rng, 12), prec = (int)bench_below(&rng, 6);
        int len;
        /* Build in pieces so the sequence of conversions varies. */
        switch (i % 4) {
        case 0:
            len = snprintf(line, sizeof line, "%d|%5u|%-8s|%08x|%#o|%llu|%+lld|%.17g|%.6e", a, b, w,
                           b, b & 0777777, (unsigned long long)u, (long long)c, x, y);
            break;
        case 1:
            len = snprintf(line, sizeof line, "%*d|%u|%.*s|%X|%o|%llx|%lld|%.17g|%.3f", width, a,
                           b, prec + 1, w, b, b & 07777, (unsigned long long)u, (long long)c, y, x);
            break;
        case 2:
            len = snprintf(line, sizeof line, "%-+*d|%010u|%s%c|%#x|%#llo|%llu|% lld|%.17g|%g",
                           width, a, b, w, '!' + (char)(i % 90), b, (unsigned long long)(u >> 20),
                           (unsigned long long)u, (long long)c, x, y);
            break;
        default:
            len = snprintf(line, sizeof line, "%i|%.*u|%5.2s|%#.8x|%-6o|%#llX|%.0lld|%.17g|%.*e|%%",
                           a, prec, b, w, b, b & 0777, (unsigned long long)u, (long long)c, y, prec,
                           x);
            break;
        }
        if (len < 0 || len >= (int)sizeof line) {
            printf("line %ld: snprintf returned %d\n", i, len);
            return 1;
        }
        text_hash = bench_mix(text_hash, fnv(line, (size_t)len));
        text_bytes += (uint64_t)len;

        /* Parse the fields back. */
        char *fields[10];
        int nf = 0;
        for (char *p = line; nf < 10;) {
            fields[nf++] = p;
            char *bar = strchr(p, '|');
            if (!bar) break;
            *bar = 0;
            p = bar + 1;
        }
        if (nf < 9) {
            printf("line %ld: %d fields\n", i, nf);
            return 1;
        }
        char *end;
        long long pa = strtoll(fields[0], &end, 10);
        while (*end == ' ') end++; /* "%-+*d" pads on the right */
        if (pa == a && *end == 0) int_ok++;
        else int_bad++;
        unsigned long long pb = strtoull(fields[1], &end, 10);
        if (i % 4 == 3 && fields[1][0] == 0) pb = b; /* "%.0u" of 0 prints nothing */
        int_ok += pb == b, int_bad += pb != b;
        unsigned long long px = strtoull(fields[3], &end, i % 4 == 2 || i % 4 == 3 ? 0 : 16);
        int_ok += px == b, int_bad += px != b;
        unsigned long long pu = strtoull(fields[5], &end, i % 4 == 0 || i % 4 == 2 ? 10 : 16);
        int_ok += pu == u, int_bad += pu != u;
        /* "%.0lld" of 0 prints nothing; parsing "" may or may not set errno (EINVAL). */
        int empty = fields[6][0] == 0;
        errno = 0;
        long long pc = strtoll(fields[6], &end, 10);
        int range = !empty && errno != 0;
        int_ok += pc == c && !range, int_bad += pc != c || range;
        isum += (uint64_t)pa + (uint64_t)pc;
        double px17 = strtod(fields[7], &end);
        double want = i % 4 == 0 || i % 4 == 2 ? x : y;
        if (dbits(px17) == dbits(want) && *end == 0) dbl_exact++;
        else dbl_bad++;
        double approx = strtod(fields[8], &end);
        double other = i % 4 == 0 || i % 4 == 2 ? y : x;
        double diff = approx - other;
        if (diff < 0) diff = -diff;
        double mag = other < 0 ? -other : other;
        if (diff <= mag * 1e-5 + 5e-4) dbl_close++;
        dsum += approx;
        /* sscanf on the first fields of the rebuilt text. */
        char rebuilt[64];
        snprintf(rebuilt, sizeof rebuilt, "%s %s %s", fields[0], fields[6], fields[7]);
        int sa;
        long long sc;
        double sx;
        if (sscanf(rebuilt, "%d %lld %lf", &sa, &sc, &sx) == 3 && sa == a &&
            dbits(sx) == dbits(px17))
            scanned++;
    }
    printf("lines %ld, %llu bytes, text %016llx\n", lines, (unsigned long long)text_bytes,
           (unsigned long long)text_hash);
    printf("integers: %llu ok, %llu bad, sum %016llx\n", (unsigned long long)int_ok,
           (unsigned long long)int_bad, (unsigned long long)isum);
    printf("doubles: %llu exact round trips, %llu bad, %llu close, sum %.10e; sscanf %llu\n",
           (unsigned long long)dbl_exact, (unsigned long long)dbl_bad,
           (unsigned long long)dbl_close, dsum, (unsigned long long)scanned);

    /* Awkward inputs. */
    static const char *inputs[] = {
        "0x1.8p3", "-0x.8p-2", "1e308", "1e309", "-1e-320", "4.9406564584124654e-324",
        "2.2250738585072014e-308", "123456789012345678901234567890", "0.1e+2x", "  +7.5e-1",
        ".5", "5.", "-0", "1e", "e5", "0x", "infinity", "-INF", "9007199254740993",
        "1.00000000000000011102230246251565404236316680908203125",
    };
    uint64_t h = BENCH_FNV_INIT;
    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        char *end;
        errno = 0;
        double d = strtod(inputs[k], &end);
        int overflow = errno == ERANGE && (d > 1.0 || d < -1.0);
        char out[64];
        snprintf(out, sizeof out, "%.17g", d);
        printf("strtod %-26s -> %-24s used %2d%s\n", inputs[k], out, (int)(end - inputs[k]),
               overflow ? " (overflow)" : "");
        h = bench_mix(h, dbits(d));
    }
    static const struct { const char *s; int base; } ints[] = {
        {"0x7fffffffffffffff", 0}, {"0x8000000000000000", 0}, {"-9223372036854775809", 10},
        {"0777", 0}, {"0b101", 0}, {"  -42abc", 10}, {"zz", 36}, {"+0", 0}, {"-0x10", 16},
        {"18446744073709551615", 10},
    };
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        char *end;
        errno = 0;
        long long v = strtoll(ints[k].s, &end, ints[k].base);
        int range = errno == ERANGE;
        printf("strtoll %-22s base %2d -> %lld used %d%s\n", ints[k].s, ints[k].base, v,
               (int)(end - ints[k].s), range ? " (range)" : "");
        h = bench_mix(h, (uint64_t)v);
    }
    printf("hash %016llx\n", (unsigned long long)h);
    return int_bad || dbl_bad;
}
