/*
 * match.c -- backtracking pattern matchers over many strings.
 * Two matchers: a shell-style glob (*, ?, [a-z], [!0-9], \ escapes) that
 * backtracks on '*', and a small regular-expression matcher (^ $ . [] with
 * ranges and negation, \d \w \s, and the postfix operators * + ? on any
 * atom) that backtracks recursively. Generated file paths and log lines
 * are tested against a fixed set of patterns of each kind; prints the match
 * count per pattern, a checksum of which lines matched, and the number of
 * matcher steps taken.
 * Exercises recursion, short loops over characters with many small
 * branches, and pointer arithmetic on strings.
 * usage: match [LINES]   (default 1500 lines of each kind)
 */
#include <string.h>

#include "../progs/common.h"

static uint64_t steps;

/* ---- glob --------------------------------------------------------------- */

/* Matches the class at p (just past '['); sets *end past the ']'. */
static int glob_class(const char *p, char c, const char **end) {
    int neg = 0, hit = 0;
    if (*p == '!' || *p == '^') {
        neg = 1;
        p++;
    }
    int first = 1;
    while (*p && (first || *p != ']')) {
        first = 0;
        char lo = *p, hi = *p;
        if (lo == '\\' && p[1]) lo = hi = *++p;
        if (p[1] == '-' && p[2] && p[2] != ']') {
            hi = p[2];
            p += 2;
        }
        if (lo <= c && c <= hi) hit = 1;
        p++;
    }
    *end = *p ? p + 1 : p;
    return hit != neg;
}

static int glob(const char *p, const char *s) {
    const char *star_p = NULL, *star_s = NULL;
    for (;;) {
        steps++;
        if (*p == '*') {
            while (*p == '*') p++;
            if (!*p) return 1;
            star_p = p;
            star_s = s;
            continue;
        }
        if (*s) {
            const char *next = p + 1;
            int ok;
            switch (*p) {
            case '?': ok = 1; break;
            case '[': ok = glob_class(p + 1, *s, &next); break;
            case '\\': ok = p[1] && p[1] == *s; next = p[1] ? p + 2 : p + 1; break;
            case 0: ok = 0; break;
            default: ok = *p == *s; break;
            }
            if (ok) {
                p = next;
                s++;
                continue;
            }
        } else if (!*p) {
            return 1;
        }
        /* Mismatch: let the last star swallow one more character. */
        if (!star_p || !*star_s) return 0;
        p = star_p;
        s = ++star_s;
    }
}

/* ---- regex -------------------------------------------------------------- */

/* Length of the atom at re: a char, '.', an escape or a [class]. */
static int atom_len(const char *re) {
    if (*re == '\\' && re[1]) return 2;
    if (*re == '[') {
        const char *p = re + 1;
        if (*p == '^') p++;
        if (*p == ']') p++;
        while (*p && *p != ']') p++;
        return (int)(p - re) + (*p ? 1 : 0);
    }
    return 1;
}

static int atom_matches(const char *re, char c) {
    if (!c) return 0;
    switch (*re) {
    case '.': return 1;
    case '\\':
        switch (re[1]) {
        case 'd': return c >= '0' && c <= '9';
        case 'w':
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_';
        case 's': return c == ' ' || c == '\t';
        default: return c == re[1];
        }
    case '[': {
        const char *p = re + 1;
        int neg = *p == '^';
        if (neg) p++;
        int hit = 0, first = 1;
        while (*p && (first || *p != ']')) {
            first = 0;
            if (p[1] == '-' && p[2] && p[2] != ']') {
                if (*p <= c && c <= p[2]) hit = 1;
                p += 3;
            } else {
                if (*p == c) hit = 1;
                p++;
            }
        }
        return hit != neg;
    }
    default: return *re == c;
    }
}

static int re_here(const char *re, const char *s) {
    steps++;
    if (!*re) return 1;
    if (re[0] == '$' && !re[1]) return !*s;
    int al = atom_len(re);
    char op = re[al];
    if (op == '*' || op == '+') {
        /* Greedy: take as many as possible, then give back. */
        const char *t = s;
        while (atom_matches(re, *t)) t++;
        const char *min = op == '+' ? s + 1 : s;
        for (; t >= min; t--)
            if (re_here(re + al + 1, t)) return 1;
        return 0;
    }
    if (op == '?') {
        if (atom_matches(re, *s) && re_here(re + al + 1, s + 1)) return 1;
        return re_here(re + al + 1, s);
    }
    if (atom_matches(re, *s)) return re_here(re + al, s + 1);
    return 0;
}

static int re_match(const char *re, const char *s) {
    if (*re == '^') return re_here(re + 1, s);
    do {
        if (re_here(re, s)) return 1;
    } while (*s++);
    return 0;
}

/* ---- inputs ------------------------------------------------------------- */

static const char *dirs[] = {"src", "include", "build", "docs", "tests", "lib", "vendor", "tmp"};
static const char *stems[] = {"main", "util", "parser", "lexer", "hash_map", "io", "config",
                              "README", "test_alloc", "wasm", "interp", "a", "x86_64"};
static const char *exts[] = {".c", ".h", ".o", ".md", ".txt", ".wasm", ".tar.gz", "", ".c~"};

static void make_path(char *buf, bench_rng *r) {
    char *p = buf;
    int depth = 1 + (int)bench_below(r, 4);
    for (int i = 0; i < depth; i++)
        p += sprintf(p, "%s/", dirs[bench_below(r, 8)]);
    p += sprintf(p, "%s", stems[bench_below(r, 13)]);
    if (bench_below(r, 4) == 0) p += sprintf(p, "%u", bench_below(r, 100));
    sprintf(p, "%s", exts[bench_below(r, 9)]);
}

static const char *levels[] = {"DEBUG", "INFO", "WARN", "ERROR"};
static const char *verbs[] = {"GET", "POST", "PUT", "DELETE"};

static void make_log(char *buf, bench_rng *r) {
    /* One PRNG call per statement: argument evaluation order is unspecified. */
    uint32_t day = 1 + bench_below(r, 28);
    uint32_t h = bench_below(r, 24);
    uint32_t m = bench_below(r, 60);
    uint32_t s = bench_below(r, 60);
    const char *level = levels[bench_below(r, 4)];
    char *p = buf + sprintf(buf, "2024-03-%02u %02u:%02u:%02u %s ", day, h, m, s, level);
    uint32_t v[5];
    switch (bench_below(r, 3)) {
    case 0:
        v[0] = bench_below(r, 4);
        v[1] = 1 + bench_below(r, 2);
        v[2] = bench_below(r, 5000);
        v[3] = 200 + 100 * bench_below(r, 4);
        v[4] = bench_below(r, 100000);
        sprintf(p, "%s /api/v%u/items/%u status=%u bytes=%u", verbs[v[0]], v[1], v[2], v[3], v[4]);
        break;
    case 1:
        for (int i = 0; i < 5; i++) v[i] = bench_below(r, i == 0 ? 900 : 256);
        sprintf(p, "user_%u logged %s from 10.%u.%u.%u", v[0], v[1] & 1 ? "in" : "out", v[2], v[3],
                v[4]);
        break;
    default:
        for (int i = 0; i < 3; i++) v[i] = 'a' + bench_below(r, 26);
        v[3] = bench_below(r, 1000);
        v[4] = bench_below(r, 3600);
        sprintf(p, "cache miss key=%c%c%c%u ttl=%us", (char)v[0], (char)v[1], (char)v[2], v[3],
                v[4]);
        break;
    }
}

int main(int argc, char **argv) {
    long lines = bench_arg(argc, argv, 1, 1500);
    static const char *globs[] = {
        "*.c", "src/*", "*/test_*.[ch]", "*[0-9]*", "*.tar.gz", "*/*/*/*", "*[!a-z]",
        "tests/*.md", "*a*a*a*", "*\\.c~", "build/*.o", "*i*n*t*e*r*p*",
    };
    static const char *regexes[] = {
        "ERROR", "^2024-03-0[1-9] ", "status=[45]\\d\\d", "bytes=\\d\\d\\d\\d\\d$",
        "user_\\d+ logged in", "10\\.\\d+\\.\\d+\\.25[0-5]$", "key=[a-c][^a]+\\d*9 ",
        "[GP][EOU]S?T ", "\\s/api/v2/items/\\d?\\d?\\d ", "ttl=3\\d\\d\\ds",
        "^.*:.*:\\d+ WARN", "i.*t.*e.*m.*s=5",
    };
    enum { NG = sizeof globs / sizeof globs[0], NR = sizeof regexes / sizeof regexes[0] };
    bench_rng rng = {0x6e7aULL};
    char buf[256];
    uint64_t gcount[NG] = {0}, rcount[NR] = {0}, h = BENCH_FNV_INIT;
    for (long i = 0; i < lines; i++) {
        make_path(buf, &rng);
        uint64_t bits = 0;
        for (int g = 0; g < NG; g++)
            if (glob(globs[g], buf)) {
                gcount[g]++;
                bits |= 1u << g;
            }
        make_log(buf, &rng);
        for (int r = 0; r < NR; r++)
            if (re_match(regexes[r], buf)) {
                rcount[r]++;
                bits |= 1ull << (32 + r);
            }
        h = bench_mix(h, bits);
    }
    for (int g = 0; g < NG; g++)
        printf("glob  %-16s %llu\n", globs[g], (unsigned long long)gcount[g]);
    for (int r = 0; r < NR; r++)
        printf("regex %-28s %llu\n", regexes[r], (unsigned long long)rcount[r]);
    printf("lines %ld, steps %llu, hash %016llx\n", lines, (unsigned long long)steps,
           (unsigned long long)h);
    return 0;
}
