/*
 * pathfind.c -- shortest paths on a grid graph.
 * A W x W grid of cells with random terrain heights (1-8) and walls is
 * searched three ways (a step costs the height of the cell entered, plus
 * twice the climb if it goes up): Dijkstra from a corner with a binary
 * min-heap (lazy deletion), breadth-first search counting steps regardless
 * of cost, and A* with the Manhattan distance heuristic from the corner to
 * random cells (checked against the Dijkstra distances). Connected
 * components are counted with union-find (path halving, union by size).
 * Prints distances, eccentricity, nodes expanded and checksums.
 * Exercises a priority queue (sift up/down over an array of structs),
 * neighbour loops with bounds checks, and queue/array indexing.
 * usage: pathfind [W]   (default 160: a 160 x 160 grid)
 */
#include <string.h>

#include "../progs/common.h"

typedef struct {
    uint32_t dist;
    uint32_t node;
} entry;

typedef struct {
    entry *a;
    size_t n, cap;
    uint64_t pushes;
} heap;

static void heap_push(heap *h, uint32_t dist, uint32_t node) {
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->a = realloc(h->a, h->cap * sizeof *h->a);
        if (!h->a) {
            fprintf(stderr, "pathfind: out of memory\n");
            exit(1);
        }
    }
    size_t i = h->n++;
    h->pushes++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->a[parent].dist <= dist) break;
        h->a[i] = h->a[parent];
        i = parent;
    }
    h->a[i].dist = dist;
    h->a[i].node = node;
}

static entry heap_pop(heap *h) {
    entry top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->a[c + 1].dist < h->a[c].dist) c++;
        if (h->a[c].dist >= last.dist) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n) h->a[i] = last;
    return top;
}

static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};

#define INF 0xffffffffu

/* Moving costs the terrain of the cell entered, plus a penalty for going uphill. */
static inline uint32_t step_cost(const uint8_t *cost, uint32_t from, uint32_t to) {
    uint32_t a = cost[from], b = cost[to];
    return b + (b > a ? 2 * (b - a) : 0);
}

/* Dijkstra from src over all open cells. */
static uint64_t dijkstra(const uint8_t *cost, int w, uint32_t src, uint32_t *dist, heap *h) {
    uint64_t expanded = 0;
    for (int i = 0; i < w * w; i++) dist[i] = INF;
    h->n = 0;
    dist[src] = 0;
    heap_push(h, 0, src);
    while (h->n) {
        entry e = heap_pop(h);
        if (e.dist != dist[e.node]) continue; /* stale */
        expanded++;
        int x = (int)(e.node % (uint32_t)w), y = (int)(e.node / (uint32_t)w);
        for (int k = 0; k < 4; k++) {
            int nx = x + dx[k], ny = y + dy[k];
            if (nx < 0 || ny < 0 || nx >= w || ny >= w) continue;
            uint32_t nb = (uint32_t)(ny * w + nx);
            if (!cost[nb]) continue;
            uint32_t nd = e.dist + step_cost(cost, e.node, nb);
            if (nd < dist[nb]) {
                dist[nb] = nd;
                heap_push(h, nd, nb);
            }
        }
    }
    return expanded;
}

static int manhattan(int w, uint32_t a, uint32_t b) {
    int ax = (int)(a % (uint32_t)w), ay = (int)(a / (uint32_t)w);
    int bx = (int)(b % (uint32_t)w), by = (int)(b / (uint32_t)w);
    return (ax > bx ? ax - bx : bx - ax) + (ay > by ? ay - by : by - ay);
}

/* A* from s to t; the heap is keyed by g + h. Returns the distance or INF. */
static uint32_t astar(const uint8_t *cost, int w, uint32_t s, uint32_t t, uint32_t *g, heap *h,
                      uint64_t *expanded) {
    for (int i = 0; i < w * w; i++) g[i] = INF;
    h->n = 0;
    g[s] = 0;
    heap_push(h, (uint32_t)manhattan(w, s, t), s);
    while (h->n) {
        entry e = heap_pop(h);
        uint32_t gn = g[e.node];
        if (e.dist != gn + (uint32_t)manhattan(w, e.node, t)) continue;
        if (e.node == t) return gn;
        (*expanded)++;
        int x = (int)(e.node % (uint32_t)w), y = (int)(e.node / (uint32_t)w);
        for (int k = 0; k < 4; k++) {
            int nx = x + dx[k], ny = y + dy[k];
            if (nx < 0 || ny < 0 || nx >= w || ny >= w) continue;
            uint32_t nb = (uint32_t)(ny * w + nx);
            if (!cost[nb]) continue;
            uint32_t nd = gn + step_cost(cost, e.node, nb);
            if (nd < g[nb]) {
                g[nb] = nd;
                heap_push(h, nd + (uint32_t)manhattan(w, nb, t), nb);
            }
        }
    }
    return INF;
}

static uint32_t bfs(const uint8_t *cost, int w, uint32_t src, uint32_t *steps, uint32_t *queue) {
    for (int i = 0; i < w * w; i++) steps[i] = INF;
    size_t head = 0, tail = 0;
    steps[src] = 0;
    queue[tail++] = src;
    uint32_t far = 0;
    while (head < tail) {
        uint32_t c = queue[head++];
        int x = (int)(c % (uint32_t)w), y = (int)(c / (uint32_t)w);
        if (steps[c] > far) far = steps[c];
        for (int k = 0; k < 4; k++) {
            int nx = x + dx[k], ny = y + dy[k];
            if (nx < 0 || ny < 0 || nx >= w || ny >= w) continue;
            uint32_t nb = (uint32_t)(ny * w + nx);
            if (!cost[nb] || steps[nb] != INF) continue;
            steps[nb] = steps[c] + 1;
            queue[tail++] = nb;
        }
    }
    return far;
}

static uint32_t uf_find(uint32_t *parent, uint32_t x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void uf_union(uint32_t *parent, uint32_t *size, uint32_t a, uint32_t b) {
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a == b) return;
    if (size[a] < size[b]) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    parent[b] = a;
    size[a] += size[b];
}

int main(int argc, char **argv) {
    int w = (int)bench_arg(argc, argv, 1, 160);
    if (w < 4) w = 4;
    size_t cells = (size_t)w * (size_t)w;
    uint8_t *cost = malloc(cells);
    uint32_t *dist = malloc(cells * sizeof *dist), *aux = malloc(cells * sizeof *aux);
    uint32_t *queue = malloc(cells * sizeof *queue), *size = malloc(cells * sizeof *size);
    if (!cost || !dist || !aux || !queue || !size) {
        fprintf(stderr, "pathfind: out of memory\n");
        return 1;
    }
    bench_rng rng = {0x9a7f1dULL};
    /* Terrain: smooth-ish costs from a coarse random field; walls as short segments. */
    for (size_t i = 0; i < cells; i++) cost[i] = (uint8_t)(1 + bench_below(&rng, 3));
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (((x / 8) ^ (y / 8)) & 1) cost[y * w + x] = (uint8_t)(cost[y * w + x] + 5);
    for (int i = 0; i < w * w / 40; i++) {
        int x = (int)bench_below(&rng, (uint32_t)w), y = (int)bench_below(&rng, (uint32_t)w);
        int horiz = (int)bench_below(&rng, 2), len = 2 + (int)bench_below(&rng, 10);
        for (int k = 0; k < len; k++) {
            int cx = horiz ? x + k : x, cy = horiz ? y : y + k;
            if (cx < w && cy < w) cost[cy * w + cx] = 0;
        }
    }
    cost[0] = 1;

    heap h = {0};
    uint64_t expanded = dijkstra(cost, w, 0, dist, &h);
    uint32_t reach = 0, dmax = 0;
    uint64_t dsum = 0, dh = BENCH_FNV_INIT;
    for (size_t i = 0; i < cells; i++)
        if (dist[i] != INF) {
            reach++;
            dsum += dist[i];
            if (dist[i] > dmax) dmax = dist[i];
            dh = bench_mix(dh, dist[i]);
        }
    printf("grid %dx%d: %u reachable from corner, %llu expanded, %llu pushes\n", w, w, reach,
           (unsigned long long)expanded, (unsigned long long)h.pushes);
    printf("dijkstra: max distance %u, sum %llu, hash %016llx\n", dmax, (unsigned long long)dsum,
           (unsigned long long)dh);

    uint32_t far = bfs(cost, w, 0, aux, queue);
    uint64_t sh = BENCH_FNV_INIT;
    for (size_t i = 0; i < cells; i++) sh = bench_mix(sh, aux[i]);
    printf("bfs: eccentricity of corner %u steps, hash %016llx\n", far, (unsigned long long)sh);

    /* A* from the corner to random reachable cells must agree with Dijkstra. */
    uint64_t aexp = 0;
    int trials = 0, agree = 0;
    uint64_t asum = 0;
    while (trials < 12) {
        uint32_t t = bench_below(&rng, (uint32_t)cells);
        if (dist[t] == INF) continue;
        trials++;
        uint32_t d = astar(cost, w, 0, t, aux, &h, &aexp);
        agree += d == dist[t];
        asum += d;
    }
    printf("a*: %d/%d agree with dijkstra, distance sum %llu, %llu expanded\n", agree, trials,
           (unsigned long long)asum, (unsigned long long)aexp);

    /* Components of open cells. */
    for (size_t i = 0; i < cells; i++) {
        queue[i] = (uint32_t)i;
        size[i] = 1;
    }
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++) {
            uint32_t c = (uint32_t)(y * w + x);
            if (!cost[c]) continue;
            if (x + 1 < w && cost[c + 1]) uf_union(queue, size, c, c + 1);
            if (y + 1 < w && cost[c + (uint32_t)w]) uf_union(queue, size, c, c + (uint32_t)w);
        }
    uint32_t comps = 0, biggest = 0;
    for (size_t i = 0; i < cells; i++)
        if (cost[i] && uf_find(queue, (uint32_t)i) == i) {
            comps++;
            if (size[i] > biggest) biggest = size[i];
        }
    printf("components %u, largest %u (corner's has %u)\n", comps, biggest,
           size[uf_find(queue, 0)]);
    free(h.a);
    free(cost);
    free(dist);
    free(aux);
    free(queue);
    free(size);
    return agree != trials;
}
