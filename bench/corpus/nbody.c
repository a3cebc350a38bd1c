/*
 * nbody.c -- a gravitational N-body simulation in double precision.
 * A few dozen bodies (one heavy central mass, the rest on roughly circular
 * orbits around it, plus a couple of interlopers) are stepped with the
 * velocity Verlet (leapfrog) scheme and a softened inverse-square force.
 * Prints total energy and momentum at the start and end, the relative
 * energy drift, and a bit-exact hash of the final positions.
 * Exercises f64 add/mul/div/sqrt in an O(n^2) pair loop over an array of
 * structs, with loads and stores of doubles at computed offsets.
 * Needs -ffp-contract=off (no fused multiply-add) to match natively.
 * usage: nbody [STEPS]   (default 1500)
 */
#include <string.h>

#include "../progs/common.h"

#define NBODY 40
#define SOFT2 1e-4

typedef struct {
    double x, y, z;
    double vx, vy, vz;
    double ax, ay, az;
    double m;
} body;

/* A double uniform in [lo, hi) from the PRNG: 53 random bits. */
static double uniform(bench_rng *r, double lo, double hi) {
    double u = (double)(bench_rand(r) >> 11) * (1.0 / 9007199254740992.0);
    return lo + (hi - lo) * u;
}

static void accelerations(body *b, int n) {
    for (int i = 0; i < n; i++) b[i].ax = b[i].ay = b[i].az = 0.0;
    for (int i = 0; i < n; i++) {
        body *bi = &b[i];
        for (int j = i + 1; j < n; j++) {
            body *bj = &b[j];
            double dx = bj->x - bi->x, dy = bj->y - bi->y, dz = bj->z - bi->z;
            double r2 = dx * dx + dy * dy + dz * dz + SOFT2;
            double r = __builtin_sqrt(r2);
            double inv3 = 1.0 / (r2 * r);
            double si = bj->m * inv3, sj = bi->m * inv3;
            bi->ax += dx * si;
            bi->ay += dy * si;
            bi->az += dz * si;
            bj->ax -= dx * sj;
            bj->ay -= dy * sj;
            bj->az -= dz * sj;
        }
    }
}

static double energy(const body *b, int n) {
    double e = 0.0;
    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < n; j++) {
            double dx = b[j].x - b[i].x, dy = b[j].y - b[i].y, dz = b[j].z - b[i].z;
            e -= b[i].m * b[j].m / __builtin_sqrt(dx * dx + dy * dy + dz * dz + SOFT2);
        }
    }
    return e;
}

static void momentum(const body *b, int n, double p[3]) {
    p[0] = p[1] = p[2] = 0.0;
    for (int i = 0; i < n; i++) {
        p[0] += b[i].m * b[i].vx;
        p[1] += b[i].m * b[i].vy;
        p[2] += b[i].m * b[i].vz;
    }
}

static void step(body *b, int n, double dt) {
    double h = 0.5 * dt;
    for (int i = 0; i < n; i++) {
        b[i].vx += h * b[i].ax;
        b[i].vy += h * b[i].ay;
        b[i].vz += h * b[i].az;
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
    accelerations(b, n);
    for (int i = 0; i < n; i++) {
        b[i].vx += h * b[i].ax;
        b[i].vy += h * b[i].ay;
        b[i].vz += h * b[i].az;
    }
}

int main(int argc, char **argv) {
    long steps = bench_arg(argc, argv, 1, 1500);
    bench_rng rng = {0xb0d1ULL};
    body b[NBODY];
    memset(b, 0, sizeof b);
    b[0].m = 1000.0;
    for (int i = 1; i < NBODY; i++) {
        /* Orbits in a thick disc: radius r, speed for a circular orbit. */
        double r = uniform(&rng, 1.0, 10.0);
        double c = uniform(&rng, -1.0, 1.0), s;
        /* A point on the unit circle without sin/cos: normalise (c, s). */
        s = uniform(&rng, -1.0, 1.0);
        double len = __builtin_sqrt(c * c + s * s) + 1e-12;
        c /= len;
        s /= len;
        b[i].m = uniform(&rng, 0.01, 1.0);
        b[i].x = r * c;
        b[i].y = r * s;
        b[i].z = uniform(&rng, -0.2, 0.2);
        double v = __builtin_sqrt(b[0].m / r);
        b[i].vx = -v * s;
        b[i].vy = v * c;
        b[i].vz = uniform(&rng, -0.05, 0.05);
    }
    /* Two interlopers on eccentric paths. */
    b[NBODY - 1].vx *= 1.6;
    b[NBODY - 2].vy *= 0.4;
    /* Zero the total momentum so the system stays put. */
    double p[3];
    momentum(b, NBODY, p);
    b[0].vx -= p[0] / b[0].m;
    b[0].vy -= p[1] / b[0].m;
    b[0].vz -= p[2] / b[0].m;

    accelerations(b, NBODY);
    double e0 = energy(b, NBODY);
    printf("bodies %d, steps %ld, initial energy %.12e\n", NBODY, steps, e0);
    double dt = 0.001;
    for (long s = 0; s < steps; s++) step(b, NBODY, dt);
    double e1 = energy(b, NBODY);
    momentum(b, NBODY, p);
    printf("final energy %.12e, drift %.6e\n", e1, (e1 - e0) / e0);
    printf("momentum %.6e %.6e %.6e\n", p[0], p[1], p[2]);
    double rmax = 0.0;
    int far = 0;
    uint64_t h = BENCH_FNV_INIT;
    for (int i = 0; i < NBODY; i++) {
        double r2 = b[i].x * b[i].x + b[i].y * b[i].y + b[i].z * b[i].z;
        if (r2 > rmax) {
            rmax = r2;
            far = i;
        }
        uint64_t bits[3];
        memcpy(&bits[0], &b[i].x, 8);
        memcpy(&bits[1], &b[i].y, 8);
        memcpy(&bits[2], &b[i].z, 8);
        h = bench_mix(bench_mix(bench_mix(h, bits[0]), bits[1]), bits[2]);
    }
    printf("farthest body %d at r=%.9f; body 1 at (%.9f, %.9f, %.9f)\n", far, __builtin_sqrt(rmax),
           b[1].x, b[1].y, b[1].z);
    printf("position hash %016llx\n", (unsigned long long)h);
    return 0;
}
