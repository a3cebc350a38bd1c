/*
 * bitboard.c -- chess move generation on 64-bit bitboards (no castling;
 * en passant and promotions included).
 * Precomputes knight, king and pawn attack masks and the eight sliding
 * rays per square; sliding attacks stop at the first blocker found with
 * count-trailing/leading-zeros along the ray. Counts perft (leaf nodes of
 * the legal move tree) to a few plies from the initial position and from
 * a castling-free test position and checks the known totals, then plays
 * random games (captures preferred) and at each ply counts the replies to
 * every legal move and the attacked squares of both sides. Prints the
 * perft totals and game statistics (plies, mates, stalemates, checks,
 * promotions, nodes) with a checksum.
 * Exercises 64-bit shifts and masks, popcount/ctz/clz, lowest-bit
 * clearing loops, copy-make of a small struct and recursion.
 * usage: bitboard [GAMES]   (default 16: random games played)
 */
#include <string.h>

#include "../progs/common.h"

enum { PAWN, KNIGHT, BISHOP, ROOK, QUEEN, KING };
enum { WHITE, BLACK };
enum { NO_EP = 64, MAX_MOVES = 320 }; /* 218 legal moves is the known maximum */

typedef struct {
    uint64_t pc[2][6];
    uint64_t occ[2];
    int stm, ep; /* side to move; en-passant target square or NO_EP */
} position;

/* move: from | to << 6 | promo << 12 (0 or KNIGHT..QUEEN) | EP_FLAG */
typedef uint32_t move;
#define M_FROM(m) ((int)((m) & 63))
#define M_TO(m) ((int)(((m) >> 6) & 63))
#define M_PROMO(m) ((int)(((m) >> 12) & 7))
#define EP_FLAG (1u << 15)

#define FILE_A 0x0101010101010101ULL
#define FILE_H 0x8080808080808080ULL
#define RANK_1 0x00000000000000FFULL
#define RANK_3 0x0000000000FF0000ULL
#define RANK_6 0x0000FF0000000000ULL
#define RANK_8 0xFF00000000000000ULL

static uint64_t knight_att[64], king_att[64], pawn_att[2][64];
static uint64_t ray[8][64]; /* N NE E NW (increasing), S SW W SE (decreasing) */
static const int ray_df[8] = {0, 1, 1, -1, 0, -1, -1, 1};
static const int ray_dr[8] = {1, 1, 0, 1, -1, -1, 0, -1};

static uint64_t bit_at(int f, int r) {
    return f >= 0 && f < 8 && r >= 0 && r < 8 ? 1ULL << (r * 8 + f) : 0;
}

static void init_tables(void) {
    static const int kn[8][2] = {{1, 2}, {2, 1}, {2, -1}, {1, -2},
                                 {-1, -2}, {-2, -1}, {-2, 1}, {-1, 2}};
    for (int sq = 0; sq < 64; sq++) {
        int f = sq & 7, r = sq >> 3;
        knight_att[sq] = king_att[sq] = 0;
        for (int k = 0; k < 8; k++) knight_att[sq] |= bit_at(f + kn[k][0], r + kn[k][1]);
        for (int df = -1; df <= 1; df++)
            for (int dr = -1; dr <= 1; dr++)
                if (df || dr) king_att[sq] |= bit_at(f + df, r + dr);
        pawn_att[WHITE][sq] = bit_at(f - 1, r + 1) | bit_at(f + 1, r + 1);
        pawn_att[BLACK][sq] = bit_at(f - 1, r - 1) | bit_at(f + 1, r - 1);
        for (int d = 0; d < 8; d++) {
            uint64_t m = 0;
            for (int s = 1; s < 8; s++) m |= bit_at(f + ray_df[d] * s, r + ray_dr[d] * s);
            ray[d][sq] = m;
        }
    }
}

/* Attacks along one ray, up to and including the first occupied square. */
static inline uint64_t ray_att(int d, int sq, uint64_t occ) {
    uint64_t a = ray[d][sq], b = a & occ;
    if (b) a ^= ray[d][d < 4 ? __builtin_ctzll(b) : 63 - __builtin_clzll(b)];
    return a;
}

static inline uint64_t rook_att(int sq, uint64_t occ) {
    return ray_att(0, sq, occ) | ray_att(2, sq, occ) | ray_att(4, sq, occ) | ray_att(6, sq, occ);
}

static inline uint64_t bishop_att(int sq, uint64_t occ) {
    return ray_att(1, sq, occ) | ray_att(3, sq, occ) | ray_att(5, sq, occ) | ray_att(7, sq, occ);
}

static int attacked(const position *p, int sq, int by) {
    uint64_t occ = p->occ[0] | p->occ[1];
    const uint64_t *b = p->pc[by];
    if (pawn_att[by ^ 1][sq] & b[PAWN]) return 1;
    if (knight_att[sq] & b[KNIGHT]) return 1;
    if (king_att[sq] & b[KING]) return 1;
    if (bishop_att(sq, occ) & (b[BISHOP] | b[QUEEN])) return 1;
    if (rook_att(sq, occ) & (b[ROOK] | b[QUEEN])) return 1;
    return 0;
}

/* Every square attacked by side `by` (for mobility statistics). */
static uint64_t attack_map(const position *p, int by) {
    uint64_t occ = p->occ[0] | p->occ[1], m = 0, b;
    const uint64_t *pc = p->pc[by];
    uint64_t pawns = pc[PAWN];
    if (by == WHITE) m |= (pawns & ~FILE_A) << 7 | (pawns & ~FILE_H) << 9;
    else m |= (pawns & ~FILE_A) >> 9 | (pawns & ~FILE_H) >> 7;
    for (b = pc[KNIGHT]; b; b &= b - 1) m |= knight_att[__builtin_ctzll(b)];
    for (b = pc[BISHOP] | pc[QUEEN]; b; b &= b - 1) m |= bishop_att(__builtin_ctzll(b), occ);
    for (b = pc[ROOK] | pc[QUEEN]; b; b &= b - 1) m |= rook_att(__builtin_ctzll(b), occ);
    m |= king_att[__builtin_ctzll(pc[KING])];
    return m;
}

static inline move *add_targets(move *out, int from, uint64_t targets) {
    for (; targets; targets &= targets - 1)
        *out++ = (move)from | (move)__builtin_ctzll(targets) << 6;
    return out;
}

static inline move *add_pawn_moves(move *out, uint64_t targets, int delta) {
    for (; targets; targets &= targets - 1) {
        int to = __builtin_ctzll(targets);
        move m = (move)(to - delta) | (move)to << 6;
        if ((1ULL << to) & (RANK_1 | RANK_8)) {
            for (move pr = QUEEN; pr >= KNIGHT; pr--) *out++ = m | pr << 12;
        } else {
            *out++ = m;
        }
    }
    return out;
}

/* Pseudo-legal moves (the king may be left in check); returns the count. */
static int gen_moves(const position *p, move *out) {
    move *start = out;
    int us = p->stm, them = us ^ 1;
    uint64_t own = p->occ[us], enemy = p->occ[them], occ = own | enemy, empty = ~occ;
    const uint64_t *pc = p->pc[us];
    uint64_t pawns = pc[PAWN];
    if (us == WHITE) {
        uint64_t one = pawns << 8 & empty;
        out = add_pawn_moves(out, one, 8);
        out = add_pawn_moves(out, (one & RANK_3) << 8 & empty, 16);
        out = add_pawn_moves(out, (pawns & ~FILE_A) << 7 & enemy, 7);
        out = add_pawn_moves(out, (pawns & ~FILE_H) << 9 & enemy, 9);
    } else {
        uint64_t one = pawns >> 8 & empty;
        out = add_pawn_moves(out, one, -8);
        out = add_pawn_moves(out, (one & RANK_6) >> 8 & empty, -16);
        out = add_pawn_moves(out, (pawns & ~FILE_A) >> 9 & enemy, -9);
        out = add_pawn_moves(out, (pawns & ~FILE_H) >> 7 & enemy, -7);
    }
    if (p->ep != NO_EP)
        for (uint64_t b = pawn_att[them][p->ep] & pawns; b; b &= b - 1)
            *out++ = (move)__builtin_ctzll(b) | (move)p->ep << 6 | EP_FLAG;
    uint64_t b;
    for (b = pc[KNIGHT]; b; b &= b - 1) {
        int sq = __builtin_ctzll(b);
        out = add_targets(out, sq, knight_att[sq] & ~own);
    }
    for (b = pc[BISHOP]; b; b &= b - 1) {
        int sq = __builtin_ctzll(b);
        out = add_targets(out, sq, bishop_att(sq, occ) & ~own);
    }
    for (b = pc[ROOK]; b; b &= b - 1) {
        int sq = __builtin_ctzll(b);
        out = add_targets(out, sq, rook_att(sq, occ) & ~own);
    }
    for (b = pc[QUEEN]; b; b &= b - 1) {
        int sq = __builtin_ctzll(b);
        out = add_targets(out, sq, (rook_att(sq, occ) | bishop_att(sq, occ)) & ~own);
    }
    int ksq = __builtin_ctzll(pc[KING]);
    out = add_targets(out, ksq, king_att[ksq] & ~own);
    return (int)(out - start);
}

/* Copy-make: q = p after m. Returns 0 if m leaves the mover's king attacked. */
static int make_move(const position *p, move m, position *q) {
    *q = *p;
    int us = p->stm, them = us ^ 1, from = M_FROM(m), to = M_TO(m);
    uint64_t fb = 1ULL << from, tb = 1ULL << to;
    int type = PAWN;
    while (!(q->pc[us][type] & fb)) type++;
    if (m & EP_FLAG) {
        uint64_t victim = us == WHITE ? tb >> 8 : tb << 8;
        q->pc[them][PAWN] &= ~victim;
        q->occ[them] &= ~victim;
    } else if (q->occ[them] & tb) {
        for (int t = PAWN; t < KING; t++) q->pc[them][t] &= ~tb;
        q->occ[them] &= ~tb;
    }
    q->pc[us][type] ^= fb;
    q->pc[us][M_PROMO(m) ? M_PROMO(m) : type] |= tb;
    q->occ[us] ^= fb | tb;
    q->ep = type == PAWN && (to - from == 16 || from - to == 16) ? (from + to) / 2 : NO_EP;
    q->stm = them;
    return !attacked(q, __builtin_ctzll(q->pc[us][KING]), them);
}

static inline int is_capture(const position *p, move m) {
    return (m & EP_FLAG) || (p->occ[p->stm ^ 1] & (1ULL << M_TO(m)));
}

static uint64_t perft(const position *p, int depth) {
    move moves[MAX_MOVES];
    int n = gen_moves(p, moves);
    uint64_t nodes = 0;
    position q;
    for (int i = 0; i < n; i++) {
        if (!make_move(p, moves[i], &q)) continue;
        nodes += depth > 1 ? perft(&q, depth - 1) : 1;
    }
    return nodes;
}

/* Board and side to move from FEN; castling rights are ignored. */
static int parse_fen(position *p, const char *fen) {
    static const char letters[] = "pnbrqk";
    memset(p, 0, sizeof *p);
    int r = 7, f = 0;
    for (; *fen && *fen != ' '; fen++) {
        char c = *fen;
        if (c == '/') {
            r--;
            f = 0;
        } else if (c >= '1' && c <= '8') {
            f += c - '0';
        } else {
            int color = c >= 'a' ? BLACK : WHITE;
            const char *t = strchr(letters, color == BLACK ? c : c + ('a' - 'A'));
            if (!t || f > 7 || r < 0) return 0;
            p->pc[color][t - letters] |= 1ULL << (r * 8 + f);
            p->occ[color] |= 1ULL << (r * 8 + f);
            f++;
        }
    }
    p->stm = fen[0] && fen[1] == 'b' ? BLACK : WHITE;
    p->ep = NO_EP;
    return __builtin_popcountll(p->pc[WHITE][KING]) == 1 &&
           __builtin_popcountll(p->pc[BLACK][KING]) == 1;
}

static uint64_t pos_hash(const position *p) {
    uint64_t h = BENCH_FNV_INIT;
    for (int c = 0; c < 2; c++)
        for (int t = 0; t < 6; t++) h = bench_mix(h, p->pc[c][t]);
    return bench_mix(h, (uint64_t)(p->stm * 64 + p->ep));
}

int main(int argc, char **argv) {
    long games = bench_arg(argc, argv, 1, 16);
    init_tables();
    uint64_t hash = BENCH_FNV_INIT;
    int bad = 0;

    static const struct {
        const char *name, *fen;
        int depth;
        uint64_t want[4];
    } tests[] = {
        {"initial", "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w", 3, {20, 400, 8902}},
        {"endgame", "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w", 4, {14, 191, 2812, 43238}},
    };
    for (int t = 0; t < 2; t++) {
        position p;
        if (!parse_fen(&p, tests[t].fen)) return 2;
        printf("perft %-8s", tests[t].name);
        for (int d = 1; d <= tests[t].depth; d++) {
            uint64_t n = perft(&p, d);
            bad += n != tests[t].want[d - 1];
            printf(" %llu", (unsigned long long)n);
            hash = bench_mix(hash, n);
        }
        printf("\n");
    }
    printf("perft totals: %s\n", bad ? "WRONG" : "ok");

    bench_rng rng = {0xb17b0a2dULL};
    unsigned long long plies = 0, mates = 0, stalemates = 0, bare = 0, checks = 0, captures = 0,
                       promotions = 0, ep_moves = 0, replies = 0, attacked_sq = 0;
    for (long g = 0; g < games; g++) {
        position p;
        parse_fen(&p, tests[0].fen);
        for (int ply = 0; ply < 160; ply++) {
            move moves[MAX_MOVES], legal[MAX_MOVES];
            int caps[MAX_MOVES]; /* indices into legal[] of the captures */
            static position next[MAX_MOVES];
            int n = gen_moves(&p, moves), nl = 0, nc = 0;
            for (int i = 0; i < n; i++) {
                if (!make_move(&p, moves[i], &next[nl])) continue;
                /* replies to each legal move: one ply of the tree below */
                move tmp[MAX_MOVES];
                position r;
                int nr = gen_moves(&next[nl], tmp);
                for (int j = 0; j < nr; j++)
                    replies += (unsigned long long)make_move(&next[nl], tmp[j], &r);
                if (is_capture(&p, moves[i])) caps[nc++] = nl;
                legal[nl++] = moves[i];
            }
            uint64_t wa = attack_map(&p, WHITE), ba = attack_map(&p, BLACK);
            attacked_sq += (unsigned long long)__builtin_popcountll(wa);
            attacked_sq += (unsigned long long)__builtin_popcountll(ba);
            int in_check = (p.stm == WHITE ? ba : wa) & p.pc[p.stm][KING] ? 1 : 0;
            checks += (unsigned long long)in_check;
            if (nl == 0) {
                if (in_check) mates++;
                else stalemates++;
                break;
            }
            if (__builtin_popcountll(p.occ[0] | p.occ[1]) == 2) {
                bare++;
                break;
            }
            int pick = nc && bench_below(&rng, 4) ? caps[bench_below(&rng, (uint32_t)nc)]
                                                  : (int)bench_below(&rng, (uint32_t)nl);
            move m = legal[pick];
            captures += (unsigned long long)is_capture(&p, m);
            promotions += M_PROMO(m) != 0;
            ep_moves += (m & EP_FLAG) != 0;
            p = next[pick];
            plies++;
            hash = bench_mix(hash, pos_hash(&p));
        }
    }
    printf("games %ld: plies %llu, mates %llu, stalemates %llu, bare kings %llu\n", games, plies,
           mates, stalemates, bare);
    printf("checks %llu, captures %llu, promotions %llu, en passant %llu\n", checks, captures,
           promotions, ep_moves);
    printf("replies counted %llu, attacked squares %llu\n", replies, attacked_sq);
    printf("hash %016llx\n", (unsigned long long)hash);
    return bad ? 1 : 0;
}
