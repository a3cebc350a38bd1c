/*
 * intmix.c -- a CoreMark-like integer mix (our own code, not CoreMark):
 * each iteration
 *   - works a linked list of 512 nodes: finds, reversal, a merge sort by
 *     value and back by index, unlinking and relinking nodes;
 *   - runs a state machine that classifies the comma-separated tokens of a
 *     4 KiB text (integers, hex, decimals, exponents, junk), after
 *     corrupting a few bytes of it;
 *   - multiplies and folds small int16/int32 matrices (40 x 40);
 *   - runs a bitwise CRC-16/CCITT over everything it produced, which seeds
 *     the next iteration.
 * Measures branchy integer code, pointer chasing and small loads/stores.
 * usage: intmix [ITERATIONS]   (default 2000)
 */
#include <string.h>

#include "common.h"

/* ---- CRC-16/CCITT, one bit at a time ------------------------------------ */

static uint16_t crc16_byte(uint8_t b, uint16_t crc) {
    crc ^= (uint16_t)b << 8;
    for (int i = 0; i < 8; i++) crc = (crc & 0x8000) ? (uint16_t)(crc << 1 ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
}

static uint16_t crc16_u32(uint32_t v, uint16_t crc) {
    for (int i = 0; i < 4; i++) crc = crc16_byte((uint8_t)(v >> (8 * i)), crc);
    return crc;
}

/* ---- linked list -------------------------------------------------------- */

#define LIST_NODES 512

typedef struct node {
    struct node *next;
    int16_t value;
    uint16_t idx;
} node;

static node pool[LIST_NODES];

static node *list_build(bench_rng *rng) {
    node *head = NULL;
    for (int i = LIST_NODES - 1; i >= 0; i--) {
        pool[i].idx = (uint16_t)i;
        pool[i].value = (int16_t)(bench_rand(rng) >> 48);
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static node *list_reverse(node *l) {
    node *prev = NULL;
    while (l) {
        node *next = l->next;
        l->next = prev;
        prev = l;
        l = next;
    }
    return prev;
}

static int cmp_value(const node *a, const node *b) {
    return a->value != b->value ? (a->value < b->value ? -1 : 1) : (a->idx < b->idx ? -1 : a->idx > b->idx);
}

static int cmp_idx(const node *a, const node *b) { return (int)a->idx - (int)b->idx; }

/* Bottom-up merge sort of a singly linked list. */
static node *list_sort(node *l, int (*cmp)(const node *, const node *)) {
    for (size_t width = 1;; width *= 2) {
        node *p = l, *tail = NULL;
        l = NULL;
        size_t merges = 0;
        while (p) {
            merges++;
            node *q = p;
            size_t psize = 0, qsize = width;
            while (psize < width && q) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                node *e;
                if (psize == 0) {
                    e = q;
                    q = q->next;
                    qsize--;
                } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
                    e = p;
                    p = p->next;
                    psize--;
                } else {
                    e = q;
                    q = q->next;
                    qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    l = e;
                tail = e;
            }
            p = q;
        }
        tail->next = NULL;
        if (merges <= 1) return l;
    }
}

static node *list_find(node *l, int16_t value, int *pos) {
    for (*pos = 0; l; l = l->next, ++*pos)
        if (l->value == value) return l;
    return NULL;
}

static uint16_t list_work(node **headp, bench_rng *rng, uint16_t crc) {
    node *head = *headp;
    int pos;
    for (int i = 0; i < 8; i++) {
        /* Find a value that exists (from a random node) and one that may not. */
        node *target = &pool[bench_below(rng, LIST_NODES)];
        node *hit = list_find(head, target->value, &pos);
        crc = crc16_u32((uint32_t)pos, crc);
        hit = list_find(head, (int16_t)bench_rand(rng), &pos);
        crc = crc16_u32(hit ? (uint32_t)hit->idx : 0xffffu, crc);
    }
    head = list_reverse(head);
    crc = crc16_u32((uint32_t)head->idx, crc);
    head = list_sort(head, cmp_value);
    crc = crc16_u32((uint32_t)(uint16_t)head->value, crc);
    /* Unlink the node after the head and relink it at the end. */
    node *moved = head->next, *t;
    head->next = moved->next;
    for (t = head; t->next; t = t->next) {}
    t->next = moved;
    moved->next = NULL;
    /* Change one value, then restore index order. */
    moved->value = (int16_t)(moved->value ^ (int16_t)crc);
    head = list_sort(head, cmp_idx);
    int n = 0;
    for (node *p = head; p; p = p->next, n++) crc = crc16_byte((uint8_t)(p->value ^ n), crc);
    *headp = head;
    return crc;
}

/* ---- state machine ------------------------------------------------------ */

enum { S_START, S_INT, S_SIGN, S_HEXPFX, S_HEX, S_DEC, S_EXP, S_EXPSIGN, S_EXPDIG, S_JUNK, NSTATES };

#define TEXT_LEN 4096

static char text[TEXT_LEN];

static void text_build(bench_rng *rng) {
    static const char *pieces[] = {"5012", "1234", "-874", "+122", "0x1f3a", "0xCAFE", "35.54400",
                                   ".1234500", "-110.700", "+0.64400", "5.500e+3", "-.123e-2",
                                   "-87e+832", "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z",
                                   "34.0e-T^", "0x", "x1"};
    size_t n = 0;
    while (n + 16 < TEXT_LEN) {
        const char *p = pieces[bench_below(rng, sizeof pieces / sizeof *pieces)];
        size_t len = strlen(p);
        memcpy(text + n, p, len);
        n += len;
        text[n++] = ',';
    }
    memset(text + n, 0, TEXT_LEN - n);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* Classifies every token; counts final states and transitions. */
static uint16_t scan(uint32_t final[NSTATES], uint32_t *transitions, uint16_t crc) {
    int s = S_START;
    char prev = 0;
    for (size_t i = 0; i < TEXT_LEN && text[i]; i++) {
        char c = text[i];
        int next = s;
        if (c == ',') {
            final[s]++;
            next = S_START;
        } else {
            switch (s) {
            case S_START:
                next = is_digit(c) ? S_INT : (c == '+' || c == '-') ? S_SIGN : c == '.' ? S_DEC : S_JUNK;
                break;
            case S_SIGN:
                next = is_digit(c) ? S_INT : c == '.' ? S_DEC : S_JUNK;
                break;
            case S_INT:
                if (c == 'x' && prev == '0' && i > 0) next = S_HEXPFX;
                else next = is_digit(c) ? S_INT : c == '.' ? S_DEC : (c == 'e' || c == 'E') ? S_EXP : S_JUNK;
                break;
            case S_HEXPFX:
            case S_HEX:
                next = is_hex(c) ? S_HEX : S_JUNK;
                break;
            case S_DEC:
                next = is_digit(c) ? S_DEC : (c == 'e' || c == 'E') ? S_EXP : S_JUNK;
                break;
            case S_EXP:
                next = (c == '+' || c == '-') ? S_EXPSIGN : is_digit(c) ? S_EXPDIG : S_JUNK;
                break;
            case S_EXPSIGN:
            case S_EXPDIG:
                next = is_digit(c) ? S_EXPDIG : S_JUNK;
                break;
            default:
                next = S_JUNK;
            }
        }
        if (next != s) ++*transitions;
        s = next;
        prev = c;
    }
    final[s]++;
    for (int i = 0; i < NSTATES; i++) crc = crc16_u32(final[i], crc);
    return crc16_u32(*transitions, crc);
}

static uint16_t state_work(bench_rng *rng, uint16_t crc) {
    /* Corrupt a few bytes (not the separators), scan, undo, scan again. */
    size_t at[4];
    char old[4];
    for (int i = 0; i < 4; i++) {
        at[i] = bench_below(rng, TEXT_LEN);
        old[i] = text[at[i]];
        if (old[i] && old[i] != ',') text[at[i]] = (char)(' ' + (crc + i) % 90);
    }
    uint32_t final[NSTATES] = {0}, transitions = 0;
    crc = scan(final, &transitions, crc);
    for (int i = 3; i >= 0; i--) text[at[i]] = old[i];
    memset(final, 0, sizeof final);
    transitions = 0;
    return scan(final, &transitions, crc);
}

/* ---- matrices ----------------------------------------------------------- */

#define MN 40

static int16_t ma[MN][MN], mb[MN][MN];
static int32_t mc[MN][MN];

static uint16_t matrix_work(uint16_t seed, uint16_t crc) {
    int16_t k = (int16_t)(seed | 1);
    /* A += k */
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) ma[i][j] = (int16_t)(ma[i][j] + k);
    /* C = A * k, summed with a clipping rule */
    int32_t acc = 0;
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            mc[i][j] = (int32_t)ma[i][j] * k;
            acc += mc[i][j] > 4096 ? 10 : mc[i][j] < -4096 ? -1 : 1;
        }
    crc = crc16_u32((uint32_t)acc, crc);
    /* C = A * B */
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            int32_t s = 0;
            for (int x = 0; x < MN; x++) s += (int32_t)ma[i][x] * mb[x][j];
            mc[i][j] = s;
        }
    /* Fold bit fields of C */
    uint32_t fold = 0;
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) fold += ((uint32_t)mc[i][j] >> 2 & 0xf) * ((uint32_t)mc[i][j] >> 5 & 0x7f);
    crc = crc16_u32(fold, crc);
    /* A -= k restores A */
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) ma[i][j] = (int16_t)(ma[i][j] - k);
    return crc;
}

int main(int argc, char **argv) {
    long iterations = bench_arg(argc, argv, 1, 2000);
    bench_rng rng = {0xc0fe1234ULL};
    node *list = list_build(&rng);
    text_build(&rng);
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            ma[i][j] = (int16_t)(bench_below(&rng, 256) - 128);
            mb[i][j] = (int16_t)(bench_below(&rng, 256) - 128);
        }
    uint16_t crc = 0, crc_list = 0, crc_state = 0, crc_matrix = 0;
    for (long it = 0; it < iterations; it++) {
        crc_list = list_work(&list, &rng, crc_list ^ crc);
        crc_state = state_work(&rng, crc_state ^ crc);
        crc_matrix = matrix_work(crc, crc_matrix ^ crc);
        crc = crc16_u32((uint32_t)crc_list << 16 | crc_state, crc);
        crc = crc16_u32(crc_matrix, crc);
    }
    printf("iterations %ld: crc list %04x state %04x matrix %04x final %04x\n", iterations,
           crc_list, crc_state, crc_matrix, crc);
    return 0;
}
