/*
 * odeint.c -- Runge-Kutta integration of small ODE systems.
 * One generic classical RK4 step, called through a function pointer for
 * the right-hand side, drives three systems: the Lorenz attractor (fixed
 * step; counts switches between the two lobes and tracks the range of z),
 * a ring of coupled nonlinear pendulums (fixed step; needs sin and cos,
 * computed here by range reduction and a Taylor series, not libm; reports
 * the energy drift), and an eccentric Kepler orbit integrated with step
 * doubling: each step is taken once whole and once as two halves, the
 * difference decides whether to accept it and whether to halve or double
 * the step (reports accepted/rejected steps and the drift of energy and
 * angular momentum).
 * Exercises short f64 loops over small state vectors, indirect calls,
 * scalar polynomial evaluation, and data-dependent control of the step.
 * Needs -ffp-contract=off (no fused multiply-add) to match natively.
 * usage: odeint [STEPS]   (default 40000)
 */
#include <string.h>

#include "../progs/common.h"

#define MAXDIM 16
#define NPEND 8
#define PI 3.14159265358979323846
#define PIO2_HI 1.57079632673412561417e+00
#define PIO2_LO 6.07710050650619224932e-11

typedef void (*deriv_fn)(const void *ctx, double t, const double *y, double *dy);

/* --- sin and cos without libm --- */

static double sin_series(double r) {
    double r2 = r * r;
    /* Horner form of r - r^3/3! + ... - r^19/19!, enough for |r| <= pi/4. */
    double p = -1.0 / 121645100408832000.0;
    p = p * r2 + 1.0 / 355687428096000.0;
    p = p * r2 - 1.0 / 1307674368000.0;
    p = p * r2 + 1.0 / 6227020800.0;
    p = p * r2 - 1.0 / 39916800.0;
    p = p * r2 + 1.0 / 362880.0;
    p = p * r2 - 1.0 / 5040.0;
    p = p * r2 + 1.0 / 120.0;
    p = p * r2 - 1.0 / 6.0;
    return r + r * r2 * p;
}

static double cos_series(double r) {
    double r2 = r * r;
    double p = 1.0 / 6402373705728000.0;
    p = p * r2 - 1.0 / 20922789888000.0;
    p = p * r2 + 1.0 / 87178291200.0;
    p = p * r2 - 1.0 / 479001600.0;
    p = p * r2 + 1.0 / 3628800.0;
    p = p * r2 - 1.0 / 40320.0;
    p = p * r2 + 1.0 / 720.0;
    p = p * r2 - 1.0 / 24.0;
    p = p * r2 + 0.5;
    return 1.0 - r2 * p;
}

/* Reduces x by the nearest multiple q of pi/2; returns q mod 4. */
static int reduce(double x, double *r) {
    double t = x * (2.0 / PI);
    long q = t >= 0 ? (long)(t + 0.5) : -(long)(0.5 - t);
    *r = (x - (double)q * PIO2_HI) - (double)q * PIO2_LO;
    return (int)(q & 3);
}

static double own_sin(double x) {
    double r;
    switch (reduce(x, &r)) {
    case 0: return sin_series(r);
    case 1: return cos_series(r);
    case 2: return -sin_series(r);
    default: return -cos_series(r);
    }
}

static double own_cos(double x) {
    double r;
    switch (reduce(x, &r)) {
    case 0: return cos_series(r);
    case 1: return -sin_series(r);
    case 2: return -cos_series(r);
    default: return sin_series(r);
    }
}

/* --- the integrator --- */

/* One classical RK4 step of size h from (t, y) into out (may alias y). */
static void rk4_step(deriv_fn f, const void *ctx, double t, const double *y, int n, double h,
                     double *out) {
    double k1[MAXDIM], k2[MAXDIM], k3[MAXDIM], k4[MAXDIM], tmp[MAXDIM];
    double h2 = 0.5 * h;
    f(ctx, t, y, k1);
    for (int i = 0; i < n; i++) tmp[i] = y[i] + h2 * k1[i];
    f(ctx, t + h2, tmp, k2);
    for (int i = 0; i < n; i++) tmp[i] = y[i] + h2 * k2[i];
    f(ctx, t + h2, tmp, k3);
    for (int i = 0; i < n; i++) tmp[i] = y[i] + h * k3[i];
    f(ctx, t + h, tmp, k4);
    for (int i = 0; i < n; i++)
        out[i] = y[i] + (h / 6.0) * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
}

/* --- Lorenz --- */

typedef struct {
    double sigma, rho, beta;
} lorenz_params;

static void lorenz(const void *ctx, double t, const double *y, double *dy) {
    const lorenz_params *p = ctx;
    (void)t;
    dy[0] = p->sigma * (y[1] - y[0]);
    dy[1] = y[0] * (p->rho - y[2]) - y[1];
    dy[2] = y[0] * y[1] - p->beta * y[2];
}

/* --- ring of pendulums: theta_i'' = -g sin theta_i + k (theta_l - 2 theta_i + theta_r) --- */

typedef struct {
    double g, k;
    double drive; /* a weak periodic push on pendulum 0 */
} pend_params;

static void pendulums(const void *ctx, double t, const double *y, double *dy) {
    const pend_params *p = ctx;
    const double *th = y, *om = y + NPEND;
    for (int i = 0; i < NPEND; i++) {
        int l = (i + NPEND - 1) % NPEND, r = (i + 1) % NPEND;
        dy[i] = om[i];
        dy[NPEND + i] = -p->g * own_sin(th[i]) + p->k * (th[l] - 2.0 * th[i] + th[r]);
    }
    dy[NPEND] += p->drive * own_cos(1.3 * t);
}

static double pend_energy(const pend_params *p, const double *y) {
    double e = 0.0;
    for (int i = 0; i < NPEND; i++) {
        double d = y[(i + 1) % NPEND] - y[i];
        e += 0.5 * y[NPEND + i] * y[NPEND + i] + p->g * (1.0 - own_cos(y[i])) + 0.5 * p->k * d * d;
    }
    return e;
}

/* --- Kepler orbit, mu = 1 --- */

static void kepler(const void *ctx, double t, const double *y, double *dy) {
    (void)ctx;
    (void)t;
    double r2 = y[0] * y[0] + y[1] * y[1];
    double r = __builtin_sqrt(r2);
    double inv3 = 1.0 / (r2 * r);
    dy[0] = y[2];
    dy[1] = y[3];
    dy[2] = -y[0] * inv3;
    dy[3] = -y[1] * inv3;
}

static double kepler_energy(const double *y) {
    return 0.5 * (y[2] * y[2] + y[3] * y[3]) - 1.0 / __builtin_sqrt(y[0] * y[0] + y[1] * y[1]);
}

static double kepler_momentum(const double *y) { return y[0] * y[3] - y[1] * y[2]; }

static uint64_t hash_doubles(uint64_t h, const double *v, int n) {
    for (int i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &v[i], 8);
        h = bench_mix(h, bits);
    }
    return h;
}

int main(int argc, char **argv) {
    long steps = bench_arg(argc, argv, 1, 40000);
    bench_rng rng = {0x0de1ULL};
    uint64_t h = BENCH_FNV_INIT;

    /* Lorenz, fixed step. */
    lorenz_params lp = {10.0, 28.0, 8.0 / 3.0};
    double y[MAXDIM] = {1.0, 1.0, 20.0};
    double dt = 0.002, zmin = 1e300, zmax = -1e300;
    long switches = 0;
    int side = y[0] > 0;
    for (long s = 0; s < steps; s++) {
        rk4_step(lorenz, &lp, (double)s * dt, y, 3, dt, y);
        if ((y[0] > 0) != side) {
            side = !side;
            switches++;
        }
        if (y[2] < zmin) zmin = y[2];
        if (y[2] > zmax) zmax = y[2];
    }
    printf("lorenz: %ld steps, %ld lobe switches, z in [%.6f, %.6f], end (%.9f, %.9f, %.9f)\n",
           steps, switches, zmin, zmax, y[0], y[1], y[2]);
    h = hash_doubles(h, y, 3);

    /* Pendulum ring, fixed step, random initial angles. */
    pend_params pp = {9.81, 4.0, 0.0};
    double z[MAXDIM];
    for (int i = 0; i < NPEND; i++) {
        z[i] = ((double)(bench_rand(&rng) >> 11) * (1.0 / 9007199254740992.0) - 0.5) * 2.4;
        z[NPEND + i] = 0.0;
    }
    double e0 = pend_energy(&pp, z), emax = 0.0;
    long psteps = steps / 2;
    double pdt = 0.005;
    for (long s = 0; s < psteps; s++) {
        rk4_step(pendulums, &pp, (double)s * pdt, z, 2 * NPEND, pdt, z);
        if ((s & 63) == 0) {
            double d = (pend_energy(&pp, z) - e0) / e0;
            if (d < 0) d = -d;
            if (d > emax) emax = d;
        }
    }
    double e1 = pend_energy(&pp, z);
    printf("pendulums: %ld steps, energy %.9f -> %.9f, max drift %.3e, theta0 %.9f\n", psteps, e0,
           e1, emax, z[0]);
    /* The same ring, driven: energy is pumped in. */
    pp.drive = 0.5;
    for (long s = 0; s < psteps / 4; s++)
        rk4_step(pendulums, &pp, (double)s * pdt, z, 2 * NPEND, pdt, z);
    printf("driven pendulums: energy %.9f, theta0 %.9f omega0 %.9f\n", pend_energy(&pp, z), z[0],
           z[NPEND]);
    h = hash_doubles(h, z, 2 * NPEND);

    /* Kepler orbit, eccentricity 0.8, step doubling. Period 2 pi for a = 1. */
    double ecc = 0.8;
    double k[MAXDIM] = {1.0 - ecc, 0.0, 0.0, __builtin_sqrt((1.0 + ecc) / (1.0 - ecc))};
    double ke0 = kepler_energy(k), kl0 = kepler_momentum(k);
    double t = 0.0, tend = 2.0 * PI * (1.0 + (double)steps / 4000.0), step = 0.01, tol = 1e-10;
    long accepted = 0, rejected = 0, periapsis = 0;
    double rmin = 1e300;
    int approaching = 0;
    while (t < tend) {
        if (t + step > tend) step = tend - t;
        double whole[MAXDIM], half[MAXDIM];
        rk4_step(kepler, NULL, t, k, 4, step, whole);
        rk4_step(kepler, NULL, t, k, 4, 0.5 * step, half);
        rk4_step(kepler, NULL, t + 0.5 * step, half, 4, 0.5 * step, half);
        double err = 0.0;
        for (int i = 0; i < 4; i++) {
            double d = half[i] - whole[i];
            if (d < 0) d = -d;
            if (d > err) err = d;
        }
        if (err > tol && step > 1e-9) {
            rejected++;
            step *= 0.5;
            continue;
        }
        /* Richardson: the two-half result plus a fifteenth of the difference. */
        for (int i = 0; i < 4; i++) k[i] = half[i] + (half[i] - whole[i]) / 15.0;
        t += step;
        accepted++;
        double r = __builtin_sqrt(k[0] * k[0] + k[1] * k[1]);
        double rdot = k[0] * k[2] + k[1] * k[3];
        if (rdot < 0) approaching = 1;
        else if (approaching) {
            periapsis++;
            approaching = 0;
        }
        if (r < rmin) rmin = r;
        if (err < tol / 64.0 && step < 0.5) step *= 2.0;
    }
    double ke1 = kepler_energy(k), kl1 = kepler_momentum(k);
    printf("kepler: t %.6f, %ld accepted, %ld rejected, %ld periapsis passages, rmin %.9f\n", t,
           accepted, rejected, periapsis, rmin);
    printf("kepler: energy %.12f -> %.12f, angular momentum %.12f -> %.12f\n", ke0, ke1, kl0, kl1);
    printf("kepler: end (%.9f, %.9f)\n", k[0], k[1]);
    h = hash_doubles(h, k, 4);
    printf("state hash %016llx\n", (unsigned long long)h);
    return 0;
}
