/*
 * raytrace.c -- a small Whitted-style ray tracer in f64. The scene has
 * spheres (some mirrored) placed from the PRNG over a checkered floor
 * plane and a back wall, two point lights, Lambert and Blinn-Phong
 * shading with shadow rays, and recursive reflection up to four bounces.
 * It renders a W x 3W/4 image with 2x2 supersampling, quantises it to
 * 8-bit RGB and prints a checksum, the mean colour, ray counts and a
 * coarse brightness histogram.
 * Exercises f64 add/sub/mul/div/sqrt on small vector structs passed by
 * value, compare-heavy nearest-hit loops over an array of objects, float
 * to int conversion and clamping, and recursion.
 * usage: raytrace [N]   (default 128: image width in pixels)
 */
#include "../progs/common.h"

typedef struct { double x, y, z; } vec;

static inline vec v3(double x, double y, double z) { vec r = {x, y, z}; return r; }
static inline vec add(vec a, vec b) { return v3(a.x + b.x, a.y + b.y, a.z + b.z); }
static inline vec sub(vec a, vec b) { return v3(a.x - b.x, a.y - b.y, a.z - b.z); }
static inline vec scale(vec a, double s) { return v3(a.x * s, a.y * s, a.z * s); }
static inline vec mul(vec a, vec b) { return v3(a.x * b.x, a.y * b.y, a.z * b.z); }
static inline double dot(vec a, vec b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static inline vec norm(vec a) { return scale(a, 1.0 / __builtin_sqrt(dot(a, a))); }

enum kind { SPHERE, PLANE };
typedef struct {
    enum kind kind;
    vec c;          /* sphere centre, or plane normal */
    double r;       /* sphere radius, or plane offset: dot(p, n) = r */
    vec colour;
    double refl;    /* mirror fraction */
    int checker;
} object;

#define MAXOBJ 32
static object objs[MAXOBJ];
static int nobj;
static vec lights[2], light_col[2];
static uint64_t nrays, nshadow;

static double rnd(bench_rng *g) { return (double)(bench_rand(g) >> 11) * (1.0 / 9007199254740992.0); }

/* nearest hit along o + t d with t > eps; returns the object index or -1 */
static int hit(vec o, vec d, double tmax, double *tout) {
    int best = -1;
    double bt = tmax;
    for (int i = 0; i < nobj; i++) {
        const object *ob = &objs[i];
        double t;
        if (ob->kind == SPHERE) {
            vec oc = sub(o, ob->c);
            double b = dot(oc, d), c = dot(oc, oc) - ob->r * ob->r, disc = b * b - c;
            if (disc < 0) continue;
            double s = __builtin_sqrt(disc);
            t = -b - s;
            if (t < 1e-6) t = -b + s;
        } else {
            double dn = dot(d, ob->c);
            if (dn > -1e-12 && dn < 1e-12) continue;
            t = (ob->r - dot(o, ob->c)) / dn;
        }
        if (t > 1e-6 && t < bt) bt = t, best = i;
    }
    *tout = bt;
    return best;
}

static double powi(double x, int n) {
    double r = 1;
    while (n) {
        if (n & 1) r *= x;
        x *= x;
        n >>= 1;
    }
    return r;
}

static vec trace(vec o, vec d, int depth) {
    nrays++;
    double t;
    int i = hit(o, d, 1e30, &t);
    if (i < 0) { /* sky gradient */
        double k = 0.5 * (d.y + 1.0);
        return add(scale(v3(1, 1, 1), 1.0 - k), scale(v3(0.5, 0.7, 1.0), k));
    }
    const object *ob = &objs[i];
    vec p = add(o, scale(d, t));
    vec n = ob->kind == SPHERE ? scale(sub(p, ob->c), 1.0 / ob->r) : ob->c;
    if (dot(n, d) > 0) n = scale(n, -1);
    vec base = ob->colour;
    if (ob->checker && p.x > -1e6 && p.x < 1e6 && p.z > -1e6 && p.z < 1e6) {
        long cx = (long)(p.x + 1000.0), cz = (long)(p.z + 1000.0), cy = (long)(p.y + 1000.0);
        if ((cx + cz + cy) & 1) base = scale(base, 0.35);
    }
    vec col = scale(base, 0.08); /* ambient */
    for (int l = 0; l < 2; l++) {
        vec tl = sub(lights[l], p);
        double dist = __builtin_sqrt(dot(tl, tl));
        vec ldir = scale(tl, 1.0 / dist);
        double lam = dot(n, ldir);
        if (lam <= 0) continue;
        nshadow++;
        double st;
        if (hit(p, ldir, dist, &st) >= 0) continue;
        vec hv = norm(sub(ldir, d));
        double spec = dot(n, hv);
        spec = spec > 0 ? powi(spec, 32) : 0;
        col = add(col, mul(light_col[l], add(scale(base, lam), v3(spec, spec, spec))));
    }
    if (ob->refl > 0 && depth < 4) {
        vec rd = sub(d, scale(n, 2 * dot(d, n)));
        vec rc = trace(p, rd, depth + 1);
        col = add(scale(col, 1 - ob->refl), scale(rc, ob->refl));
    }
    return col;
}

static int quant(double c) {
    c = c / (1 + c); /* Reinhard tone map */
    int v = (int)(c * 255.0 + 0.5);
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

int main(int argc, char **argv) {
    int w = (int)bench_arg(argc, argv, 1, 128);
    if (w > 2048) w = 2048;
    int ht = w * 3 / 4;
    if (ht < 1) ht = 1;
    bench_rng g = {0x7a7ace5ULL};
    objs[nobj++] = (object){PLANE, {0, 1, 0}, -1.0, {0.9, 0.9, 0.85}, 0.15, 1};
    objs[nobj++] = (object){PLANE, {0, 0, -1}, -14.0, {0.6, 0.7, 0.9}, 0.0, 0};
    for (int i = 0; i < 12; i++) {
        object s;
        s.kind = SPHERE;
        s.r = 0.3 + 0.7 * rnd(&g);
        /* one draw per statement: argument evaluation order is unspecified */
        s.c.x = -5 + 10 * rnd(&g);
        s.c.y = -1 + s.r + 2.0 * rnd(&g) * (i & 1);
        s.c.z = 3 + 8 * rnd(&g);
        s.colour.x = 0.2 + 0.8 * rnd(&g);
        s.colour.y = 0.2 + 0.8 * rnd(&g);
        s.colour.z = 0.2 + 0.8 * rnd(&g);
        s.refl = i % 3 == 0 ? 0.7 : i % 3 == 1 ? 0.2 : 0.0;
        s.checker = 0;
        objs[nobj++] = s;
    }
    lights[0] = v3(-6, 8, -2); light_col[0] = v3(0.8, 0.75, 0.7);
    lights[1] = v3(5, 4, 1);   light_col[1] = v3(0.3, 0.35, 0.5);
    vec eye = v3(0, 1.2, -4);
    uint64_t h = BENCH_FNV_INIT, sum[3] = {0, 0, 0}, hist[8] = {0};
    for (int y = 0; y < ht; y++) {
        for (int x = 0; x < w; x++) {
            vec acc = v3(0, 0, 0);
            for (int s = 0; s < 4; s++) {
                double px = (x + 0.25 + 0.5 * (s & 1)) / w * 2 - 1;
                double py = 1 - (y + 0.25 + 0.5 * (s >> 1)) / ht * 2;
                vec d = norm(v3(px * 1.2, py * 0.9, 1.5));
                acc = add(acc, trace(eye, d, 0));
            }
            acc = scale(acc, 0.25);
            int r = quant(acc.x), gg = quant(acc.y), b = quant(acc.z);
            sum[0] += (uint64_t)r; sum[1] += (uint64_t)gg; sum[2] += (uint64_t)b;
            hist[(r * 3 + gg * 4 + b) >> 8]++;
            h = bench_mix(h, (uint64_t)(r << 16 | gg << 8 | b));
        }
    }
    long npix = (long)w * ht;
    printf("image %dx%d, %d objects: %llu rays, %llu shadow rays\n", w, ht, nobj,
           (unsigned long long)nrays, (unsigned long long)nshadow);
    printf("mean rgb %llu %llu %llu (x1000)\n", (unsigned long long)(sum[0] * 1000 / (uint64_t)npix),
           (unsigned long long)(sum[1] * 1000 / (uint64_t)npix),
           (unsigned long long)(sum[2] * 1000 / (uint64_t)npix));
    printf("brightness histogram:");
    for (int i = 0; i < 8; i++) printf(" %llu", (unsigned long long)hist[i]);
    printf("\nhash %016llx\n", (unsigned long long)h);
    return 0;
}
