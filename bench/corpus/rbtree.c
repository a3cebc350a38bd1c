/*
 * rbtree.c -- an ordered map as a red-black tree.
 * Integer keys to values in a red-black tree with parent pointers and a
 * shared black sentinel, nodes from a pool with a free list. A random mix
 * of inserts (or updates), deletes, lookups and range queries (lower bound
 * then successor walk) runs against it, with the tree's invariants (order,
 * no red node with a red child, equal black heights, parent links, size)
 * checked now and then and at the end, plus a full in-order iteration and
 * a cross-check against a plain bitmap of present keys.
 * Exercises pointer chasing down and up the tree, compare-and-branch
 * descent, rotations rewriting several links, the recolouring cases of
 * insert and delete fix-up, and recursion in the validator.
 * usage: rbtree [OPS]   (default 100000)
 */
#include <string.h>

#include "../progs/common.h"

typedef struct rb {
    struct rb *left, *right, *parent;
    uint32_t key;
    uint32_t red;
    uint64_t val;
} rb;

static rb nil_node = {&nil_node, &nil_node, &nil_node, 0, 0, 0};
#define NIL (&nil_node)

typedef struct {
    rb *root;
    long size;
    rb *pool, *freelist;
    long used, cap;
    uint64_t rotations;
} tree;

static rb *new_node(tree *t) {
    rb *n;
    if (t->freelist) {
        n = t->freelist;
        t->freelist = n->left;
    } else {
        if (t->used == t->cap) {
            fprintf(stderr, "rbtree: pool full\n");
            exit(1);
        }
        n = &t->pool[t->used++];
    }
    return n;
}

static void rotate_left(tree *t, rb *x) {
    rb *y = x->right;
    x->right = y->left;
    if (y->left != NIL) y->left->parent = x;
    y->parent = x->parent;
    if (x->parent == NIL) t->root = y;
    else if (x == x->parent->left) x->parent->left = y;
    else x->parent->right = y;
    y->left = x;
    x->parent = y;
    t->rotations++;
}

static void rotate_right(tree *t, rb *x) {
    rb *y = x->left;
    x->left = y->right;
    if (y->right != NIL) y->right->parent = x;
    y->parent = x->parent;
    if (x->parent == NIL) t->root = y;
    else if (x == x->parent->right) x->parent->right = y;
    else x->parent->left = y;
    y->right = x;
    x->parent = y;
    t->rotations++;
}

static rb *find(const tree *t, uint32_t key) {
    rb *n = t->root;
    while (n != NIL && n->key != key) n = key < n->key ? n->left : n->right;
    return n;
}

/* Inserts key or updates its value; returns 1 if it was new. */
static int insert(tree *t, uint32_t key, uint64_t val) {
    rb *p = NIL, *n = t->root;
    while (n != NIL) {
        p = n;
        if (key == n->key) {
            n->val = val;
            return 0;
        }
        n = key < n->key ? n->left : n->right;
    }
    rb *z = new_node(t);
    *z = (rb){NIL, NIL, p, key, 1, val};
    if (p == NIL) t->root = z;
    else if (key < p->key) p->left = z;
    else p->right = z;
    t->size++;
    while (z->parent->red) {
        rb *g = z->parent->parent;
        if (z->parent == g->left) {
            rb *u = g->right;
            if (u->red) {
                z->parent->red = 0, u->red = 0, g->red = 1;
                z = g;
            } else {
                if (z == z->parent->right) {
                    z = z->parent;
                    rotate_left(t, z);
                }
                z->parent->red = 0, g->red = 1;
                rotate_right(t, g);
            }
        } else {
            rb *u = g->left;
            if (u->red) {
                z->parent->red = 0, u->red = 0, g->red = 1;
                z = g;
            } else {
                if (z == z->parent->left) {
                    z = z->parent;
                    rotate_right(t, z);
                }
                z->parent->red = 0, g->red = 1;
                rotate_left(t, g);
            }
        }
    }
    t->root->red = 0;
    return 1;
}

static rb *minimum(rb *n) {
    while (n->left != NIL) n = n->left;
    return n;
}

static rb *successor(rb *n) {
    if (n->right != NIL) return minimum(n->right);
    rb *p = n->parent;
    while (p != NIL && n == p->right) n = p, p = p->parent;
    return p;
}

static void transplant(tree *t, rb *u, rb *v) {
    if (u->parent == NIL) t->root = v;
    else if (u == u->parent->left) u->parent->left = v;
    else u->parent->right = v;
    v->parent = u->parent; /* may write the sentinel's parent; the fix-up relies on it */
}

static void delete_fixup(tree *t, rb *x) {
    while (x != t->root && !x->red) {
        if (x == x->parent->left) {
            rb *w = x->parent->right;
            if (w->red) {
                w->red = 0, x->parent->red = 1;
                rotate_left(t, x->parent);
                w = x->parent->right;
            }
            if (!w->left->red && !w->right->red) {
                w->red = 1;
                x = x->parent;
            } else {
                if (!w->right->red) {
                    w->left->red = 0, w->red = 1;
                    rotate_right(t, w);
                    w = x->parent->right;
                }
                w->red = x->parent->red, x->parent->red = 0, w->right->red = 0;
                rotate_left(t, x->parent);
                x = t->root;
            }
        } else {
            rb *w = x->parent->left;
            if (w->red) {
                w->red = 0, x->parent->red = 1;
                rotate_right(t, x->parent);
                w = x->parent->left;
            }
            if (!w->right->red && !w->left->red) {
                w->red = 1;
                x = x->parent;
            } else {
                if (!w->left->red) {
                    w->right->red = 0, w->red = 1;
                    rotate_left(t, w);
                    w = x->parent->left;
                }
                w->red = x->parent->red, x->parent->red = 0, w->left->red = 0;
                rotate_right(t, x->parent);
                x = t->root;
            }
        }
    }
    x->red = 0;
}

/* Deletes key; returns 1 if it was there. */
static int erase(tree *t, uint32_t key) {
    rb *z = find(t, key);
    if (z == NIL) return 0;
    rb *y = z, *x;
    uint32_t y_red = y->red;
    if (z->left == NIL) {
        x = z->right;
        transplant(t, z, z->right);
    } else if (z->right == NIL) {
        x = z->left;
        transplant(t, z, z->left);
    } else {
        y = minimum(z->right);
        y_red = y->red;
        x = y->right;
        if (y->parent == z) x->parent = y;
        else {
            transplant(t, y, y->right);
            y->right = z->right;
            y->right->parent = y;
        }
        transplant(t, z, y);
        y->left = z->left;
        y->left->parent = y;
        y->red = z->red;
    }
    if (!y_red) delete_fixup(t, x);
    NIL->parent = NIL;
    z->left = t->freelist;
    t->freelist = z;
    t->size--;
    return 1;
}

/* Returns the black height, or -1 if an invariant fails below n. */
static int check(const rb *n, uint32_t lo, uint32_t hi, long *count) {
    if (n == NIL) return 1;
    (*count)++;
    if (n->key < lo || n->key > hi) return -1;
    if (n->red && (n->left->red || n->right->red)) return -1;
    if ((n->left != NIL && n->left->parent != n) || (n->right != NIL && n->right->parent != n))
        return -1;
    int l = check(n->left, lo, n->key == 0 ? 0 : n->key - 1, count);
    int r = check(n->right, n->key + 1, hi, count);
    if (l < 0 || r < 0 || l != r || (n->left != NIL && n->key == 0)) return -1;
    return l + !n->red;
}

static int valid(const tree *t) {
    long count = 0;
    if (t->root->red || NIL->red) return 0;
    return check(t->root, 0, UINT32_MAX, &count) > 0 && count == t->size;
}

static int height(const rb *n) {
    if (n == NIL) return 0;
    int l = height(n->left), r = height(n->right);
    return 1 + (l > r ? l : r);
}

int main(int argc, char **argv) {
    long ops = bench_arg(argc, argv, 1, 100000);
    bench_rng rng = {0x7262747265ULL};
    uint32_t space = (uint32_t)(ops < 1000 ? 2000 : ops * 2) | 1;
    tree t = {NIL, 0, NULL, NULL, 0, space, 0};
    t.pool = calloc((size_t)space, sizeof(rb));
    uint8_t *present = calloc((size_t)space, 1);
    if (!t.pool || !present) return 1;

    long ins = 0, upd = 0, del = 0, miss = 0, hits = 0, ranges = 0, checks = 0, bad = 0;
    uint64_t lookup_sum = 0, range_sum = 0, range_items = 0;
    for (long i = 0; i < ops; i++) {
        uint32_t op = bench_below(&rng, 16);
        /* keys cluster in a moving window so deletes and ranges find things */
        uint32_t window = space / 8;
        uint32_t base = (uint32_t)((uint64_t)i * window / (uint64_t)(ops + 1));
        uint32_t key = base + bench_below(&rng, window);
        if (op < 6) {
            uint64_t v = bench_rand(&rng) >> 40;
            if (insert(&t, key, v)) ins++;
            else upd++;
            present[key] = 1;
        } else if (op < 10) {
            if (erase(&t, key)) {
                del++;
                if (!present[key]) bad++;
                present[key] = 0;
            } else if (present[key]) bad++;
        } else if (op < 15) {
            rb *n = find(&t, key);
            if (n != NIL) hits++, lookup_sum += n->val;
            else miss++;
            if ((n != NIL) != present[key]) bad++;
        } else {
            /* lower bound, then walk up to 32 keys in [key, key + 64) */
            rb *n = t.root, *lb = NIL;
            while (n != NIL) {
                if (n->key >= key) lb = n, n = n->left;
                else n = n->right;
            }
            ranges++;
            for (int k = 0; lb != NIL && lb->key < key + 64 && k < 32; k++, lb = successor(lb)) {
                range_items++;
                range_sum += lb->key ^ lb->val;
            }
        }
        if ((i & 8191) == 8191) {
            checks++;
            if (!valid(&t)) bad++;
        }
    }
    if (!valid(&t)) bad++;

    /* In-order walk: strictly increasing and matches the bitmap. */
    uint64_t h = BENCH_FNV_INIT;
    long walked = 0;
    uint32_t prev = 0;
    for (rb *n = t.root == NIL ? NIL : minimum(t.root); n != NIL; n = successor(n)) {
        if (walked && n->key <= prev) bad++;
        if (!present[n->key]) bad++;
        prev = n->key;
        walked++;
        h = bench_mix(h, (uint64_t)n->key << 32 | (n->val & 0xffffffffu));
    }
    long pc = 0;
    for (uint32_t k = 0; k < space; k++) pc += present[k];
    if (pc != walked || walked != t.size) bad++;

    printf("ops %ld: inserts %ld, updates %ld, deletes %ld, lookups %ld hit / %ld miss\n", ops, ins,
           upd, del, hits, miss);
    printf("size %ld, height %d, rotations %llu, %ld checks, invariant failures %ld\n", t.size,
           height(t.root), (unsigned long long)t.rotations, checks, bad);
    printf("ranges %ld (%llu items, sum %llu), lookup sum %llu, in-order %016llx\n", ranges,
           (unsigned long long)range_items, (unsigned long long)range_sum,
           (unsigned long long)lookup_sum, (unsigned long long)h);
    free(t.pool);
    free(present);
    return bad != 0;
}
