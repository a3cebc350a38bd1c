/*
 * sudoku.c -- backtracking search: sudoku and N-queens.
 * Makes sudoku puzzles by filling an empty grid with a randomised
 * backtracking solver, then removing clues one at a time as long as the
 * puzzle keeps a unique solution (checked by counting solutions up to 2);
 * each finished puzzle is solved again and compared with the full grid.
 * The solver keeps row/column/box candidate bitmasks and always branches
 * on the cell with the fewest candidates. Then counts the N-queens
 * solutions for a few board sizes with the classic bitmask recursion.
 * Exercises recursion with small frames, bit tricks (popcount, count
 * trailing zeros, lowest set bit) and undo-on-return state.
 * usage: sudoku [PUZZLES]   (default 8)
 */
#include <string.h>

#include "../progs/common.h"

typedef struct {
    uint8_t cell[81];  /* 0 = empty, else 1..9 */
    uint16_t row[9], col[9], box[9]; /* bit d set: digit d used */
} grid;

static uint64_t nodes;
static uint8_t last_solution[81]; /* the most recent complete grid solve() reached */

static inline int box_of(int i) { return (i / 27) * 3 + (i % 9) / 3; }

static void place(grid *g, int i, int d) {
    g->cell[i] = (uint8_t)d;
    uint16_t bit = (uint16_t)(1u << d);
    g->row[i / 9] |= bit;
    g->col[i % 9] |= bit;
    g->box[box_of(i)] |= bit;
}

static void unplace(grid *g, int i) {
    uint16_t bit = (uint16_t)(1u << g->cell[i]);
    g->row[i / 9] &= (uint16_t)~bit;
    g->col[i % 9] &= (uint16_t)~bit;
    g->box[box_of(i)] &= (uint16_t)~bit;
    g->cell[i] = 0;
}

static void load(grid *g, const uint8_t *cells) {
    memset(g, 0, sizeof *g);
    for (int i = 0; i < 81; i++)
        if (cells[i]) place(g, i, cells[i]);
}

static inline unsigned candidates(const grid *g, int i) {
    return ~(unsigned)(g->row[i / 9] | g->col[i % 9] | g->box[box_of(i)]) & 0x3feu;
}

/* Counts solutions up to limit. With rng, tries digits in random order and
 * stops at the first solution, leaving it in g. */
static int solve(grid *g, int limit, bench_rng *rng) {
    nodes++;
    int best = -1, best_n = 10;
    for (int i = 0; i < 81; i++) {
        if (g->cell[i]) continue;
        int n = __builtin_popcount(candidates(g, i));
        if (n < best_n) {
            best_n = n;
            best = i;
            if (n <= 1) break;
        }
    }
    if (best < 0) {
        memcpy(last_solution, g->cell, 81);
        return 1;
    }
    if (best_n == 0) return 0;
    unsigned cand = candidates(g, best);
    int found = 0;
    if (rng) {
        int digits[9], nd = 0;
        for (unsigned c = cand; c; c &= c - 1) digits[nd++] = __builtin_ctz(c);
        for (int k = nd - 1; k > 0; k--) {
            int j = (int)bench_below(rng, (uint32_t)k + 1), t = digits[k];
            digits[k] = digits[j];
            digits[j] = t;
        }
        for (int k = 0; k < nd; k++) {
            place(g, best, digits[k]);
            if (solve(g, 1, rng)) return 1;
            unplace(g, best);
        }
        return 0;
    }
    for (; cand; cand &= cand - 1) {
        place(g, best, __builtin_ctz(cand));
        found += solve(g, limit - found, NULL);
        unplace(g, best);
        if (found >= limit) break;
    }
    return found;
}

static int queens(int n, unsigned cols, unsigned diag1, unsigned diag2) {
    unsigned all = (1u << n) - 1;
    if (cols == all) return 1;
    int count = 0;
    unsigned free_ = ~(cols | diag1 | diag2) & all;
    while (free_) {
        unsigned bit = free_ & (0u - free_);
        free_ ^= bit;
        count += queens(n, cols | bit, (diag1 | bit) << 1, (diag2 | bit) >> 1);
    }
    return count;
}

static void print_grid_line(const uint8_t *cells) {
    char line[82];
    for (int i = 0; i < 81; i++) line[i] = cells[i] ? (char)('0' + cells[i]) : '.';
    line[81] = 0;
    printf("  %s\n", line);
}

int main(int argc, char **argv) {
    long puzzles = bench_arg(argc, argv, 1, 8);
    bench_rng rng = {0x5d0c0ULL};
    uint64_t h = BENCH_FNV_INIT, total_clues = 0;
    int failures = 0, min_clues = 81, max_clues = 0;
    for (long p = 0; p < puzzles; p++) {
        grid g;
        memset(&g, 0, sizeof g);
        solve(&g, 1, &rng);
        uint8_t full[81], puzzle[81];
        memcpy(full, g.cell, 81);
        memcpy(puzzle, full, 81);
        /* Remove clues in a random order while the solution stays unique. */
        int order[81];
        for (int i = 0; i < 81; i++) order[i] = i;
        for (int k = 80; k > 0; k--) {
            int j = (int)bench_below(&rng, (uint32_t)k + 1), t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        int clues = 81;
        for (int k = 0; k < 81; k++) {
            int i = order[k];
            uint8_t keep = puzzle[i];
            puzzle[i] = 0;
            load(&g, puzzle);
            if (solve(&g, 2, NULL) != 1) puzzle[i] = keep;
            else clues--;
        }
        load(&g, puzzle);
        int n = solve(&g, 2, NULL);
        int same = memcmp(last_solution, full, 81) == 0;
        failures += n != 1 || !same;
        total_clues += (uint64_t)clues;
        if (clues < min_clues) min_clues = clues;
        if (clues > max_clues) max_clues = clues;
        for (int i = 0; i < 81; i++) h = bench_mix(h, (uint64_t)puzzle[i] << 8 | full[i]);
        if (p < 2) {
            printf("puzzle %ld: %d clues, %s\n", p, clues,
                   n == 1 && same ? "unique, solved" : "WRONG");
            print_grid_line(puzzle);
            print_grid_line(full);
        }
    }
    printf("puzzles %ld: clues %d..%d (total %llu), failures %d, search nodes %llu\n", puzzles,
           min_clues, max_clues, (unsigned long long)total_clues, failures,
           (unsigned long long)nodes);
    for (int n = 6; n <= 10; n++) {
        int q = queens(n, 0, 0, 0);
        printf("queens %d: %d\n", n, q);
        h = bench_mix(h, (uint64_t)q);
    }
    printf("hash %016llx\n", (unsigned long long)h);
    return failures != 0;
}
