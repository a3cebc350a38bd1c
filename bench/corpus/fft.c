/*
 * fft.c -- iterative radix-2 complex FFT in double precision.
 * Each round picks a transform length from 256 to 4096 points, builds a
 * signal of three complex tones at random bins plus noise, transforms it,
 * looks for the three strongest bins (they should be the tones), checks
 * Parseval's identity, transforms back and measures the round-trip error.
 * Then it does a circular convolution with a short random filter through
 * the FFT (two forward transforms, a pointwise product, an inverse) and
 * compares sampled outputs with the direct sum. The twiddle factors come
 * from a home-made sin/cos (range reduction plus Taylor series), not libm.
 * Exercises the bit-reversal permutation (integer bit twiddling, swaps of
 * 16-byte elements), butterfly loops with strided twiddle-table loads and
 * f64 add/sub/mul on interleaved complex numbers, and a top-k scan.
 * Needs -ffp-contract=off (no fused multiply-add) to match natively.
 * usage: fft [ROUNDS]   (default 80)
 */
#include <string.h>

#include "../progs/common.h"

#define LOGMAX 12
#define NMAX (1 << LOGMAX)
#define TAPS 8
#define PI 3.14159265358979323846

typedef struct {
    double re, im;
} cplx;

/* pi/2 split so that q * PIO2_HI is exact for the small q used here. */
#define PIO2_HI 1.57079632673412561417e+00
#define PIO2_LO 6.07710050650619224932e-11

/* Taylor series of sin and cos about 0, good to a few ulp for |r| <= pi/4. */
static double sin_series(double r) {
    double r2 = r * r, term = r, sum = r;
    for (int k = 1; k <= 10; k++) {
        term *= -r2 / (double)((2 * k) * (2 * k + 1));
        sum += term;
    }
    return sum;
}

static double cos_series(double r) {
    double r2 = r * r, term = 1.0, sum = 1.0;
    for (int k = 1; k <= 10; k++) {
        term *= -r2 / (double)((2 * k - 1) * (2 * k));
        sum += term;
    }
    return sum;
}

/* sin(x) and cos(x) for moderate |x|: reduce by multiples of pi/2. */
static void sincos_own(double x, double *s, double *c) {
    double t = x * (2.0 / PI);
    long q = t >= 0 ? (long)(t + 0.5) : -(long)(0.5 - t);
    double r = (x - (double)q * PIO2_HI) - (double)q * PIO2_LO;
    double sr = sin_series(r), cr = cos_series(r);
    switch (q & 3) {
    case 0: *s = sr; *c = cr; break;
    case 1: *s = cr; *c = -sr; break;
    case 2: *s = -sr; *c = -cr; break;
    default: *s = -cr; *c = sr; break;
    }
}

/* w[k] = exp(-2 pi i k / NMAX) for k < NMAX/2. */
static cplx twiddle[NMAX / 2];

static void make_twiddles(void) {
    for (int k = 0; k < NMAX / 2; k++) {
        double s, c;
        sincos_own(2.0 * PI * (double)k / (double)NMAX, &s, &c);
        twiddle[k].re = c;
        twiddle[k].im = -s;
    }
}

/* exp(sign * 2 pi i m / n) from the table, for any integer m. */
static cplx root(int n, long m, int sign) {
    int k = (int)(m & (n - 1));
    int half = n >> 1, stride = NMAX / n;
    cplx w;
    if (k < half) {
        w = twiddle[k * stride];
    } else {
        w = twiddle[(k - half) * stride];
        w.re = -w.re;
        w.im = -w.im;
    }
    if (sign > 0) w.im = -w.im;
    return w;
}

/* In-place transform of a[0..n); inverse = 1 uses conjugate twiddles and
 * scales by 1/n (exact, n is a power of two). */
static void fft(cplx *a, int n, int inverse) {
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        while (j & bit) {
            j ^= bit;
            bit >>= 1;
        }
        j ^= bit;
        if (i < j) {
            cplx t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
    double sign = inverse ? -1.0 : 1.0;
    for (int len = 2; len <= n; len <<= 1) {
        int half = len >> 1, stride = NMAX / len;
        for (int i = 0; i < n; i += len) {
            cplx *u = a + i, *v = a + i + half;
            for (int k = 0; k < half; k++) {
                double wr = twiddle[k * stride].re, wi = sign * twiddle[k * stride].im;
                double tr = v[k].re * wr - v[k].im * wi;
                double ti = v[k].re * wi + v[k].im * wr;
                v[k].re = u[k].re - tr;
                v[k].im = u[k].im - ti;
                u[k].re += tr;
                u[k].im += ti;
            }
        }
    }
    if (inverse) {
        double s = 1.0 / (double)n;
        for (int i = 0; i < n; i++) {
            a[i].re *= s;
            a[i].im *= s;
        }
    }
}

static double uniform(bench_rng *r, double lo, double hi) {
    double u = (double)(bench_rand(r) >> 11) * (1.0 / 9007199254740992.0);
    return lo + (hi - lo) * u;
}

static double norm2(cplx z) { return z.re * z.re + z.im * z.im; }

static uint64_t hash_double(uint64_t h, double d) {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    return bench_mix(h, bits);
}

static cplx sig[NMAX], spec[NMAX], filt[NMAX], conv[NMAX];

int main(int argc, char **argv) {
    long rounds = bench_arg(argc, argv, 1, 80);
    bench_rng rng = {0xff7ULL};
    make_twiddles();

    long points = 0, tones_found = 0, tones_total = 0;
    double max_rt = 0.0, max_parseval = 0.0, max_conv = 0.0;
    uint64_t h = BENCH_FNV_INIT;
    for (long r = 0; r < rounds; r++) {
        int logn = 8 + (int)(r % 5);
        int n = 1 << logn;
        points += n;

        /* Three tones at distinct bins, plus noise. */
        int bins[3];
        double amp[3];
        for (int t = 0; t < 3; t++) {
            int b, dup;
            do {
                b = 1 + (int)bench_below(&rng, (uint32_t)(n - 1));
                dup = 0;
                for (int u = 0; u < t; u++) dup |= bins[u] == b;
            } while (dup);
            bins[t] = b;
            amp[t] = uniform(&rng, 1.0, 4.0);
        }
        for (int i = 0; i < n; i++) {
            sig[i].re = uniform(&rng, -0.25, 0.25);
            sig[i].im = uniform(&rng, -0.25, 0.25);
            for (int t = 0; t < 3; t++) {
                cplx w = root(n, (long)bins[t] * i, +1);
                sig[i].re += amp[t] * w.re;
                sig[i].im += amp[t] * w.im;
            }
        }

        /* Forward transform; the three largest bins should be the tones. */
        memcpy(spec, sig, (size_t)n * sizeof(cplx));
        fft(spec, n, 0);
        int top[3] = {-1, -1, -1};
        double topv[3] = {-1.0, -1.0, -1.0};
        double e_time = 0.0, e_freq = 0.0;
        for (int i = 0; i < n; i++) {
            double m = norm2(spec[i]);
            e_time += norm2(sig[i]);
            e_freq += m;
            if (m > topv[2]) {
                int p = 2;
                while (p > 0 && m > topv[p - 1]) {
                    topv[p] = topv[p - 1];
                    top[p] = top[p - 1];
                    p--;
                }
                topv[p] = m;
                top[p] = i;
            }
        }
        for (int t = 0; t < 3; t++) {
            tones_total++;
            for (int u = 0; u < 3; u++)
                if (top[u] == bins[t]) tones_found++;
        }
        double pv = (e_freq - e_time * (double)n) / e_freq;
        if (pv < 0) pv = -pv;
        if (pv > max_parseval) max_parseval = pv;
        for (int i = 0; i < n; i += n / 8) h = hash_double(hash_double(h, spec[i].re), spec[i].im);

        /* Inverse transform: back to the signal. */
        fft(spec, n, 1);
        for (int i = 0; i < n; i++) {
            double d = norm2((cplx){spec[i].re - sig[i].re, spec[i].im - sig[i].im});
            if (d > max_rt) max_rt = d;
        }

        /* Circular convolution with a real TAPS-tap filter, by FFT. */
        double taps[TAPS];
        memset(filt, 0, (size_t)n * sizeof(cplx));
        for (int j = 0; j < TAPS; j++) filt[j].re = taps[j] = uniform(&rng, -1.0, 1.0);
        memcpy(conv, sig, (size_t)n * sizeof(cplx));
        fft(conv, n, 0);
        fft(filt, n, 0);
        for (int i = 0; i < n; i++) {
            double re = conv[i].re * filt[i].re - conv[i].im * filt[i].im;
            double im = conv[i].re * filt[i].im + conv[i].im * filt[i].re;
            conv[i].re = re;
            conv[i].im = im;
        }
        fft(conv, n, 1);
        for (int s = 0; s < 16; s++) {
            int i = (int)bench_below(&rng, (uint32_t)n);
            cplx d = {0.0, 0.0};
            for (int j = 0; j < TAPS; j++) {
                cplx x = sig[(i - j) & (n - 1)];
                d.re += taps[j] * x.re;
                d.im += taps[j] * x.im;
            }
            double e = norm2((cplx){conv[i].re - d.re, conv[i].im - d.im});
            if (e > max_conv) max_conv = e;
            h = hash_double(h, conv[i].re);
        }
    }
    double s, c;
    sincos_own(1.0, &s, &c);
    printf("sin(1) %.17g cos(1) %.17g\n", s, c);
    printf("rounds %ld, points %ld, tones found %ld/%ld\n", rounds, points, tones_found,
           tones_total);
    printf("max round-trip error %.6e, max parseval mismatch %.6e, max convolution error %.6e\n",
           __builtin_sqrt(max_rt), max_parseval, __builtin_sqrt(max_conv));
    printf("last convolution samples %.9g %.9g %.9g\n", conv[0].re, conv[1].im, conv[7].re);
    printf("hash %016llx\n", (unsigned long long)h);
    return 0;
}
