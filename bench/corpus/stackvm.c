/*
 * stackvm.c -- a bytecode interpreter for a small stack machine.
 * A tiny assembler (with forward labels) builds four programs: Collatz
 * chain lengths, a sum of gcds by Euclid's algorithm, the Takeuchi function
 * (deep recursion through CALL/RET), and a prime count by trial division.
 * The VM runs them with a switch in a loop over 32-bit code words, an
 * operand stack and a frame pointer for arguments and locals; every
 * program's result is checked against the same computation written in C.
 * Exercises a dispatch loop with an indirect branch (br_table in wasm),
 * operand-stack loads and stores, and unpredictable control flow.
 * usage: stackvm [N]   (default 2500: the problem size of each program)
 */
#include <string.h>

#include "../progs/common.h"

enum op {
    HALT, PUSH, POP, DUP, SWAP, OVER, LOAD, STORE, INC, ADD, SUB, MUL, DIV, MOD,
    LT, LE, EQ, NOT, JMP, JZ, JNZ, CALL, RET, ENTER, MAX, NOPS
};
static const char *op_names[NOPS] = {"halt", "push", "pop", "dup", "swap", "over", "load",
                                     "store", "inc", "add", "sub", "mul", "div", "mod",
                                     "lt", "le", "eq", "not", "jmp", "jz", "jnz", "call",
                                     "ret", "enter", "max"};

/* ---- assembler ---------------------------------------------------------- */

#define MAXCODE 1024
#define MAXLABELS 64

typedef struct {
    int32_t code[MAXCODE];
    int len;
    int label_at[MAXLABELS];
    int fixup_pos[MAXLABELS * 4], fixup_label[MAXLABELS * 4], nfixups;
} assembler;

static void emit(assembler *a, int32_t w) {
    if (a->len >= MAXCODE) {
        fprintf(stderr, "stackvm: program too long\n");
        exit(1);
    }
    a->code[a->len++] = w;
}
static void op0(assembler *a, enum op o) { emit(a, o); }
static void op1(assembler *a, enum op o, int32_t v) {
    emit(a, o);
    emit(a, v);
}
static void label(assembler *a, int l) { a->label_at[l] = a->len; }
static void jump(assembler *a, enum op o, int l) {
    emit(a, o);
    a->fixup_pos[a->nfixups] = a->len;
    a->fixup_label[a->nfixups++] = l;
    emit(a, -1);
}
static void inc(assembler *a, int local, int32_t delta) {
    emit(a, INC);
    emit(a, local);
    emit(a, delta);
}
static void call(assembler *a, int l, int nargs) {
    jump(a, CALL, l);
    emit(a, nargs);
}
static void link_labels(assembler *a) {
    for (int i = 0; i < a->nfixups; i++) a->code[a->fixup_pos[i]] = a->label_at[a->fixup_label[i]];
}

/* ---- the machine -------------------------------------------------------- */

#define STACK 4096
#define FRAMES 1024

typedef struct {
    uint64_t executed;
    uint64_t per_op[NOPS];
    int max_depth;
} vmstats;

/* Runs code from pc 0 until HALT; returns the top of the stack. */
static int32_t run(const int32_t *code, vmstats *st) {
    int32_t stack[STACK];
    struct { int ret, fp, nargs; } frames[FRAMES];
    int sp = 0, fp = 0, depth = 0, pc = 0;
    uint64_t executed = 0;
    for (;;) {
        int32_t o = code[pc++];
        executed++;
        st->per_op[o]++;
        int32_t a, b;
        switch (o) {
        case HALT: st->executed += executed; return sp ? stack[sp - 1] : 0;
        case PUSH: stack[sp++] = code[pc++]; break;
        case POP: sp--; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: a = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = a; break;
        case OVER: stack[sp] = stack[sp - 2]; sp++; break;
        case LOAD: stack[sp++] = stack[fp + code[pc++]]; break;
        case STORE: stack[fp + code[pc++]] = stack[--sp]; break;
        case INC: stack[fp + code[pc]] += code[pc + 1]; pc += 2; break;
        case ADD: b = stack[--sp]; stack[sp - 1] += b; break;
        case SUB: b = stack[--sp]; stack[sp - 1] -= b; break;
        case MUL: /* wrapping, like the C versions */
            b = stack[--sp];
            stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] * (uint32_t)b);
            break;
        case DIV: b = stack[--sp]; stack[sp - 1] = b ? stack[sp - 1] / b : 0; break;
        case MOD: b = stack[--sp]; stack[sp - 1] = b ? stack[sp - 1] % b : 0; break;
        case LT: b = stack[--sp]; stack[sp - 1] = stack[sp - 1] < b; break;
        case LE: b = stack[--sp]; stack[sp - 1] = stack[sp - 1] <= b; break;
        case EQ: b = stack[--sp]; stack[sp - 1] = stack[sp - 1] == b; break;
        case NOT: stack[sp - 1] = !stack[sp - 1]; break;
        case MAX: b = stack[--sp]; if (b > stack[sp - 1]) stack[sp - 1] = b; break;
        case JMP: pc = code[pc]; break;
        case JZ: pc = stack[--sp] ? pc + 1 : code[pc]; break;
        case JNZ: pc = stack[--sp] ? code[pc] : pc + 1; break;
        case CALL:
            if (depth == FRAMES) {
                fprintf(stderr, "stackvm: call stack overflow\n");
                exit(1);
            }
            frames[depth].ret = pc + 2;
            frames[depth].fp = fp;
            frames[depth].nargs = code[pc + 1];
            fp = sp - code[pc + 1];
            pc = code[pc];
            if (++depth > st->max_depth) st->max_depth = depth;
            break;
        case ENTER: /* reserve locals beyond the arguments, zeroed */
            for (a = 0; a < code[pc]; a++) stack[sp++] = 0;
            pc++;
            break;
        case RET:
            a = stack[sp - 1];
            sp = fp;
            depth--;
            fp = frames[depth].fp;
            pc = frames[depth].ret;
            stack[sp++] = a;
            break;
        default: fprintf(stderr, "stackvm: bad opcode %d at %d\n", o, pc - 1); exit(1);
        }
        if (sp >= STACK - 8) {
            fprintf(stderr, "stackvm: stack overflow\n");
            exit(1);
        }
    }
}

/* ---- programs ----------------------------------------------------------- */

/* max over n in [1, N] of the Collatz chain length; returns max*1e5 + argmax. */
static void prog_collatz(assembler *a, int32_t n) {
    enum { TOP = 1, INNER, EVEN, NEXT, DONE, BODY_END, NOT_BEST };
    /* locals: 0 i, 1 x, 2 len, 3 best, 4 arg */
    op1(a, ENTER, 5);
    op1(a, PUSH, 1); op1(a, STORE, 0);
    label(a, TOP);
    op1(a, LOAD, 0); op1(a, PUSH, n); op0(a, LE); jump(a, JZ, DONE);
    op1(a, LOAD, 0); op1(a, STORE, 1); op1(a, PUSH, 0); op1(a, STORE, 2);
    label(a, INNER);
    op1(a, LOAD, 1); op1(a, PUSH, 1); op0(a, EQ); jump(a, JNZ, BODY_END);
    op1(a, LOAD, 1); op1(a, PUSH, 2); op0(a, MOD); jump(a, JZ, EVEN);
    op1(a, LOAD, 1); op1(a, PUSH, 3); op0(a, MUL); op1(a, PUSH, 1); op0(a, ADD); op1(a, STORE, 1);
    jump(a, JMP, NEXT);
    label(a, EVEN);
    op1(a, LOAD, 1); op1(a, PUSH, 2); op0(a, DIV); op1(a, STORE, 1);
    label(a, NEXT);
    inc(a, 2, 1);
    jump(a, JMP, INNER);
    label(a, BODY_END);
    op1(a, LOAD, 3); op1(a, LOAD, 2); op0(a, LT); jump(a, JZ, NOT_BEST);
    op1(a, LOAD, 2); op1(a, STORE, 3); op1(a, LOAD, 0); op1(a, STORE, 4);
    label(a, NOT_BEST);
    inc(a, 0, 1);
    jump(a, JMP, TOP);
    label(a, DONE);
    op1(a, LOAD, 3); op1(a, PUSH, 100000); op0(a, MUL); op1(a, LOAD, 4); op0(a, ADD);
    op0(a, HALT);
}

static int32_t c_collatz(int32_t n) {
    int32_t best = 0, arg = 0;
    for (int32_t i = 1; i <= n; i++) {
        int32_t x = i, len = 0;
        while (x != 1) {
            x = x % 2 ? (int32_t)((uint32_t)x * 3 + 1) : x / 2;
            len++;
        }
        if (best < len) best = len, arg = i;
    }
    return (int32_t)((uint32_t)best * 100000 + (uint32_t)arg);
}

/* sum of gcd(i, j) for 1 <= i, j <= m, with gcd as a called function. */
static void prog_gcd(assembler *a, int32_t m) {
    enum { OUTER = 1, INNER, INNER_END, DONE, GCD, GCD_LOOP, GCD_END };
    /* locals: 0 i, 1 j, 2 sum */
    op1(a, ENTER, 3);
    op1(a, PUSH, 1); op1(a, STORE, 0);
    label(a, OUTER);
    op1(a, LOAD, 0); op1(a, PUSH, m); op0(a, LE); jump(a, JZ, DONE);
    op1(a, PUSH, 1); op1(a, STORE, 1);
    label(a, INNER);
    op1(a, LOAD, 1); op1(a, PUSH, m); op0(a, LE); jump(a, JZ, INNER_END);
    op1(a, LOAD, 2); op1(a, LOAD, 0); op1(a, LOAD, 1); call(a, GCD, 2);
    op0(a, ADD); op1(a, STORE, 2);
    inc(a, 1, 1);
    jump(a, JMP, INNER);
    label(a, INNER_END);
    inc(a, 0, 1);
    jump(a, JMP, OUTER);
    label(a, DONE);
    op1(a, LOAD, 2); op0(a, HALT);
    /* gcd(x, y): args 0 x, 1 y */
    label(a, GCD);
    label(a, GCD_LOOP);
    op1(a, LOAD, 1); jump(a, JZ, GCD_END);
    op1(a, LOAD, 0); op1(a, LOAD, 1); op0(a, MOD); /* x % y */
    op1(a, LOAD, 1); op1(a, STORE, 0); op1(a, STORE, 1);
    jump(a, JMP, GCD_LOOP);
    label(a, GCD_END);
    op1(a, LOAD, 0); op0(a, RET);
}

static int32_t c_gcd(int32_t m) {
    int32_t sum = 0;
    for (int32_t i = 1; i <= m; i++)
        for (int32_t j = 1; j <= m; j++) {
            int32_t x = i, y = j;
            while (y) {
                int32_t t = x % y;
                x = y;
                y = t;
            }
            sum += x;
        }
    return sum;
}

/* tak(x, y, z) = y < x ? tak(tak(x-1,y,z), tak(y-1,z,x), tak(z-1,x,y)) : z */
static void prog_tak(assembler *a, int32_t x, int32_t y, int32_t z) {
    enum { TAK = 1, BASE };
    op1(a, PUSH, x); op1(a, PUSH, y); op1(a, PUSH, z); call(a, TAK, 3); op0(a, HALT);
    label(a, TAK);
    op1(a, LOAD, 1); op1(a, LOAD, 0); op0(a, LT); jump(a, JZ, BASE);
    op1(a, LOAD, 0); op1(a, PUSH, 1); op0(a, SUB); op1(a, LOAD, 1); op1(a, LOAD, 2);
    call(a, TAK, 3);
    op1(a, LOAD, 1); op1(a, PUSH, 1); op0(a, SUB); op1(a, LOAD, 2); op1(a, LOAD, 0);
    call(a, TAK, 3);
    op1(a, LOAD, 2); op1(a, PUSH, 1); op0(a, SUB); op1(a, LOAD, 0); op1(a, LOAD, 1);
    call(a, TAK, 3);
    call(a, TAK, 3); op0(a, RET);
    label(a, BASE);
    op1(a, LOAD, 2); op0(a, RET);
}

static uint64_t c_tak_calls;
static int32_t c_tak(int32_t x, int32_t y, int32_t z) {
    c_tak_calls++;
    if (y < x) return c_tak(c_tak(x - 1, y, z), c_tak(y - 1, z, x), c_tak(z - 1, x, y));
    return z;
}

/* count of primes below p, with the largest one folded in: count*1e6 + largest */
static void prog_primes(assembler *a, int32_t p) {
    enum { OUTER = 1, TRIAL, COMPOSITE, PRIME, NEXT, DONE };
    /* locals: 0 n, 1 d, 2 count, 3 last */
    op1(a, ENTER, 4);
    op1(a, PUSH, 2); op1(a, STORE, 0);
    label(a, OUTER);
    op1(a, LOAD, 0); op1(a, PUSH, p); op0(a, LT); jump(a, JZ, DONE);
    op1(a, PUSH, 2); op1(a, STORE, 1);
    label(a, TRIAL);
    op1(a, LOAD, 1); op0(a, DUP); op0(a, MUL); op1(a, LOAD, 0); op0(a, LE); jump(a, JZ, PRIME);
    op1(a, LOAD, 0); op1(a, LOAD, 1); op0(a, MOD); jump(a, JZ, NEXT);
    inc(a, 1, 1);
    jump(a, JMP, TRIAL);
    label(a, PRIME);
    inc(a, 2, 1);
    op1(a, LOAD, 0); op1(a, STORE, 3);
    label(a, NEXT);
    inc(a, 0, 1);
    jump(a, JMP, OUTER);
    label(a, DONE);
    op1(a, LOAD, 2); op1(a, PUSH, 1000000); op0(a, MUL); op1(a, LOAD, 3); op0(a, ADD); op0(a, HALT);
}

static int32_t c_primes(int32_t p) {
    int32_t count = 0, last = 0;
    for (int32_t n = 2; n < p; n++) {
        int32_t d = 2;
        while (d * d <= n && n % d) d++;
        if (d * d > n) count++, last = n;
    }
    return (int32_t)((uint32_t)count * 1000000u + (uint32_t)last);
}

int main(int argc, char **argv) {
    int32_t n = (int32_t)bench_arg(argc, argv, 1, 2500);
    if (n > 100000) n = 100000; /* Collatz chains below 1e5 stay in 31 bits */
    vmstats st;
    memset(&st, 0, sizeof st);
    int bad = 0;
    uint64_t h = BENCH_FNV_INIT;
    for (int p = 0; p < 4; p++) {
        static assembler a;
        memset(&a, 0, sizeof a);
        int32_t want;
        const char *name;
        int32_t tx = 12 + n / 500, ty = tx * 2 / 3, tz = tx / 3;
        switch (p) {
        case 0: name = "collatz"; prog_collatz(&a, n); want = c_collatz(n); break;
        case 1: name = "gcd"; prog_gcd(&a, n / 20); want = c_gcd(n / 20); break;
        case 2:
            name = "tak";
            prog_tak(&a, tx, ty, tz);
            c_tak_calls = 0;
            want = c_tak(tx, ty, tz);
            break;
        default: name = "primes"; prog_primes(&a, n * 4); want = c_primes(n * 4); break;
        }
        link_labels(&a);
        uint64_t before = st.executed;
        int32_t got = run(a.code, &st);
        printf("%-8s %4d words, %9llu instructions, result %d%s\n", name, a.len,
               (unsigned long long)(st.executed - before), got, got == want ? "" : " (WRONG)");
        if (p == 2)
            printf("         tak(%d, %d, %d): %llu calls\n", tx, ty, tz,
                   (unsigned long long)c_tak_calls);
        bad += got != want;
        h = bench_mix(bench_mix(h, (uint32_t)got), st.executed);
    }
    printf("max call depth %d; most executed:", st.max_depth);
    for (int k = 0; k < 5; k++) {
        int best = 0;
        for (int o = 1; o < NOPS; o++)
            if (st.per_op[o] > st.per_op[best]) best = o;
        printf(" %s %llu", op_names[best], (unsigned long long)st.per_op[best]);
        h = bench_mix(h, st.per_op[best]);
        st.per_op[best] = 0;
    }
    printf("\nhash %016llx\n", (unsigned long long)h);
    return bad != 0;
}
