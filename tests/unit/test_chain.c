/*
 * test_chain.c -- fused instructions the compiler makes from pairs of wasm
 * operations (opcodes.h), checked for their results and for being emitted.
 *
 * 1. Chained integer operations (I32_ADD_ADD ..., validate.c chain_forms):
 * an operation whose result is read at once by a commutative one compiles
 * to one fused instruction.
 *
 * The module is built here, one group of functions per chain form, each
 * taking (x, y, c) and computing inner = x INNER y (or x INNER k) and then
 * outer, in every position the compiler distinguishes:
 *   _b  c OUTER inner       the inner result is the second operand
 *   _a  inner OUTER c       ... the first, the other a local read in place
 *   _2  inner' OUTER inner  both computed (inner' = c INNER x, or c INNER k)
 *   _t  (tee $t inner) OUTER c, minus $t: the local the inner result was
 *       teed into must still be written (no fusion may drop it)
 * and the results are compared with C over edge and pseudo-random values.
 */
#include <stdlib.h>

#include "hive/wasm.h"
#include "oputil.h"
#include "testutil.h"
#include "wasm/opcodes.h"
#include "wasm/runtime.h"


/* The op of the first instruction of f's compiled code (OP_COUNT_ if f is
 * not a wasm function), also when that instruction starts a fused run. */
static int first_op(hive_extern *e) {
    if (e->kind != HIVE_EXTERN_FUNC || e->of.func->kind != WASM_FUNC_WASM) return OP_COUNT_;
    /* compiled on its first call, or now */
    const wasm_cell *c = hv_module_code_cells(e->of.func->inst->module, e->of.func->code);
    if (!c) return OP_COUNT_;
    const void *const *labels = hv_interp_labels();
    int op = 0;
    if (!labels)
        op = (int)c[0].u64;
    else
        while (op < OP_COUNT_ && labels[op] != c[0].label) op++;
    return run_first_op(op);
}

/* Whether op occurs in f's compiled code: with threaded code (labels)
 * only, where no operand can look like an op; -1 when it cannot tell. */
static int has_op(hive_extern *e, int op) {
    const void *const *labels = hv_interp_labels();
    if (inline_pass || !labels || e->kind != HIVE_EXTERN_FUNC || e->of.func->kind != WASM_FUNC_WASM) return -1;
    const wasm_code *code = e->of.func->code;
    if (!hv_module_code_cells(e->of.func->inst->module, code)) return -1;
    for (int r = 0; r < OP_COUNT_; r++) {
        if (!op_starts(r, op)) continue;
        for (uint32_t i = 0; i < code->ncells; i++)
            if (code->cells[i].label == labels[r]) return 1;
    }
    return 0;
}

/* ---- the forms ----------------------------------------------------------- */

enum { ADD, SUB, MUL, AND, OR, XOR, SHL, SHR_U, ROTL };

/* opcodes of the i32 forms; the i64 ones are 0x12 further */
static const uint8_t wasm_opcode[] = {
    [ADD] = 0x6a, [SUB] = 0x6b, [MUL] = 0x6c, [AND] = 0x71, [OR] = 0x72,
    [XOR] = 0x73, [SHL] = 0x74, [SHR_U] = 0x76, [ROTL] = 0x77,
};

typedef struct form {
    const char *name;
    int wide; /* i64 */
    int outer, inner;
    int has_k; /* the inner operation's second operand is the constant k */
    int64_t k;
    int fused; /* the op the pair must compile to */
} form;

static const form forms[] = {
    {"i32_add_add", 0, ADD, ADD, 0, 0, OP_I32_ADD_ADD},
    {"i32_sub_add", 0, ADD, SUB, 0, 0, OP_I32_SUB_ADD},
    {"i32_mul_add", 0, ADD, MUL, 0, 0, OP_I32_MUL_ADD},
    {"i32_and_add", 0, ADD, AND, 0, 0, OP_I32_AND_ADD},
    {"i32_xor_add", 0, ADD, XOR, 0, 0, OP_I32_XOR_ADD},
    {"i32_shl_i_add", 0, ADD, SHL, 1, 5, OP_I32_SHL_I_ADD},
    {"i32_rotl_i_add", 0, ADD, ROTL, 1, 7, OP_I32_ROTL_I_ADD},
    {"i32_and_xor", 0, XOR, AND, 0, 0, OP_I32_AND_XOR},
    {"i32_or_xor", 0, XOR, OR, 0, 0, OP_I32_OR_XOR},
    {"i32_xor_xor", 0, XOR, XOR, 0, 0, OP_I32_XOR_XOR},
    {"i32_shr_u_i_xor", 0, XOR, SHR_U, 1, 3, OP_I32_SHR_U_I_XOR},
    {"i32_shl_i_xor", 0, XOR, SHL, 1, 13, OP_I32_SHL_I_XOR},
    {"i32_rotl_i_xor", 0, XOR, ROTL, 1, 30, OP_I32_ROTL_I_XOR},
    {"i32_xor_and", 0, AND, XOR, 0, 0, OP_I32_XOR_AND},
    {"i32_xor_i_and", 0, AND, XOR, 1, -1, OP_I32_XOR_I_AND},
    {"i32_shl_i_add_big", 0, ADD, SHL, 1, 37, OP_I32_SHL_I_ADD},
    {"i64_add_add", 1, ADD, ADD, 0, 0, OP_I64_ADD_ADD},
    {"i64_mul_add", 1, ADD, MUL, 0, 0, OP_I64_MUL_ADD},
    {"i64_xor_xor", 1, XOR, XOR, 0, 0, OP_I64_XOR_XOR},
    {"i64_shr_u_i_xor", 1, XOR, SHR_U, 1, 12, OP_I64_SHR_U_I_XOR},
    {"i64_shl_i_xor", 1, XOR, SHL, 1, 25, OP_I64_SHL_I_XOR},
    {"i64_rotl_i_xor", 1, XOR, ROTL, 1, 43, OP_I64_ROTL_I_XOR},
    {"i64_shl_i_xor_big", 1, XOR, SHL, 1, 70, OP_I64_SHL_I_XOR},
};
#define NFORMS (sizeof forms / sizeof forms[0])
static const char variant[4] = {'b', 'a', '2', 't'};

static uint64_t apply(int op, int wide, uint64_t a, uint64_t b) {
    unsigned bits = wide ? 64 : 32;
    uint64_t mask = wide ? UINT64_MAX : UINT32_MAX;
    unsigned n = (unsigned)(b % bits);
    a &= mask;
    b &= mask;
    uint64_t r = 0;
    switch (op) {
    case ADD: r = a + b; break;
    case SUB: r = a - b; break;
    case MUL: r = a * b; break;
    case AND: r = a & b; break;
    case OR: r = a | b; break;
    case XOR: r = a ^ b; break;
    case SHL: r = a << n; break;
    case SHR_U: r = a >> n; break;
    case ROTL: r = n ? a << n | a >> (bits - n) : a; break;
    }
    return r & mask;
}

static uint64_t expect(const form *f, int v, uint64_t x, uint64_t y, uint64_t c) {
    uint64_t second = f->has_k ? (uint64_t)f->k : y;
    uint64_t inner = apply(f->inner, f->wide, x, second);
    switch (variant[v]) {
    case 'b': return apply(f->outer, f->wide, c, inner);
    case 'a': return apply(f->outer, f->wide, inner, c);
    case '2': {
        uint64_t inner2 = apply(f->inner, f->wide, c, f->has_k ? (uint64_t)f->k : x);
        return apply(f->outer, f->wide, inner2, inner);
    }
    default: return apply(SUB, f->wide, apply(f->outer, f->wide, inner, c), inner);
    }
}

/* ---- building the module --------------------------------------------------- */

typedef struct buf {
    uint8_t b[16384];
    size_t n;
} buf;

static void put(buf *o, uint8_t x) {
    if (o->n < sizeof o->b) o->b[o->n++] = x;
}
static void put_uleb(buf *o, uint64_t x) {
    do {
        uint8_t byte = x & 0x7f;
        x >>= 7;
        put(o, x ? byte | 0x80 : byte);
    } while (x);
}
static void put_sleb(buf *o, int64_t x) {
    for (;;) {
        uint8_t byte = x & 0x7f;
        x >>= 7; /* arithmetic on every compiler this builds with */
        int done = (x == 0 && !(byte & 0x40)) || (x == -1 && (byte & 0x40));
        put(o, done ? byte : byte | 0x80);
        if (done) return;
    }
}
static void put_bytes(buf *o, const void *p, size_t len) {
    for (size_t i = 0; i < len; i++) put(o, ((const uint8_t *)p)[i]);
}
static void put_section(buf *o, uint8_t id, const buf *body) {
    put(o, id);
    put_uleb(o, body->n);
    put_bytes(o, body->b, body->n);
}

static void put_inner(buf *o, const form *f, uint8_t local_a, uint8_t local_b) {
    put(o, 0x20);
    put(o, local_a);
    if (f->has_k) {
        put(o, f->wide ? 0x42 : 0x41);
        put_sleb(o, f->k);
    } else {
        put(o, 0x20);
        put(o, local_b);
    }
    put(o, (uint8_t)(wasm_opcode[f->inner] + (f->wide ? 0x12 : 0)));
}

static void put_body(buf *o, const form *f, int v) {
    buf b = {.n = 0};
    uint8_t t = f->wide ? 0x7e : 0x7f;
    uint8_t outer = (uint8_t)(wasm_opcode[f->outer] + (f->wide ? 0x12 : 0));
    if (variant[v] == 't') {
        put(&b, 1); /* one local: $t = local 3 */
        put(&b, 1);
        put(&b, t);
    } else {
        put(&b, 0);
    }
    switch (variant[v]) {
    case 'b':
        put(&b, 0x20), put(&b, 2);
        put_inner(&b, f, 0, 1);
        put(&b, outer);
        break;
    case 'a':
        put_inner(&b, f, 0, 1);
        put(&b, 0x20), put(&b, 2);
        put(&b, outer);
        break;
    case '2':
        put_inner(&b, f, 2, 0);
        put_inner(&b, f, 0, 1);
        put(&b, outer);
        break;
    default:
        put_inner(&b, f, 0, 1);
        put(&b, 0x22), put(&b, 3); /* local.tee 3 */
        put(&b, 0x20), put(&b, 2);
        put(&b, outer);
        put(&b, 0x20), put(&b, 3);
        put(&b, (uint8_t)(wasm_opcode[SUB] + (f->wide ? 0x12 : 0)));
        break;
    }
    put(&b, 0x0b);
    put_uleb(o, b.n);
    put_bytes(o, b.b, b.n);
}

static size_t build_module(buf *m) {
    static const uint8_t header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    size_t nfuncs = NFORMS * 4;
    buf s = {.n = 0};
    m->n = 0;
    put_bytes(m, header, sizeof header);
    /* types: 0 = (i32 i32 i32) -> i32, 1 = (i64 i64 i64) -> i64 */
    put(&s, 2);
    for (int w = 0; w < 2; w++) {
        uint8_t t = w ? 0x7e : 0x7f;
        put(&s, 0x60), put(&s, 3), put(&s, t), put(&s, t), put(&s, t), put(&s, 1), put(&s, t);
    }
    put_section(m, 1, &s);
    s.n = 0;
    put_uleb(&s, nfuncs);
    for (size_t i = 0; i < nfuncs; i++) put(&s, (uint8_t)forms[i / 4].wide);
    put_section(m, 3, &s);
    s.n = 0;
    put_uleb(&s, nfuncs);
    for (size_t i = 0; i < nfuncs; i++) {
        char name[64];
        int len = snprintf(name, sizeof name, "%s_%c", forms[i / 4].name, variant[i % 4]);
        put_uleb(&s, (uint64_t)len);
        put_bytes(&s, name, (size_t)len);
        put(&s, 0x00);
        put_uleb(&s, i);
    }
    put_section(m, 7, &s);
    s.n = 0;
    put_uleb(&s, nfuncs);
    for (size_t i = 0; i < nfuncs; i++) put_body(&s, &forms[i / 4], (int)(i % 4));
    put_section(m, 10, &s);
    return m->n;
}

/* ---- the test --------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static hive_val val(int wide, uint64_t x) {
    hive_val v;
    memset(&v, 0, sizeof v);
    v.type = wide ? HIVE_I64 : HIVE_I32;
    if (wide) v.of.i64 = x;
    else v.of.i32 = (uint32_t)x;
    return v;
}

static void test_chains(void) {
    static buf m;
    size_t len = build_module(&m);
    CHECK(len < sizeof m.b);
    hive_engine *engine = new_engine();
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, m.b, len, &module, &err) == HIVE_OK);
    if (!module) {
        fprintf(stderr, "chain module: %s\n", err.message);
        hive_engine_free(engine);
        return;
    }
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    CHECK(exec != NULL && inst != NULL);
    static const uint64_t edges[] = {0, 1, 2, 31, 32, 63, 0x7fffffff, 0x80000000u, 0xffffffffu,
                                     0x100000000ULL, 0x8000000000000000ULL, UINT64_MAX};
    size_t nedges = sizeof edges / sizeof edges[0];
    unsigned checked = 0, wrong = 0;
    for (size_t i = 0; inst && exec && i < NFORMS * 4; i++) {
        const form *f = &forms[i / 4];
        int v = (int)(i % 4);
        char name[64];
        snprintf(name, sizeof name, "%s_%c", f->name, variant[v]);
        hive_extern e;
        if (hive_instance_export(inst, name, strlen(name), &e) || e.kind != HIVE_EXTERN_FUNC) {
            CHECK(!"export missing");
            continue;
        }
        /* _b and _a must compile to the fused op, _t must not (the tee) */
        int op = first_op(&e);
        if (variant[v] == 'b' || variant[v] == 'a') {
            if (!inline_pass && op != f->fused)
                fprintf(stderr, "%s: not fused (op %d)\n", name, op);
            SHAPE_CHECK(op == f->fused);
        } else if (variant[v] == 't') {
            SHAPE_CHECK(op != f->fused);
        }
        for (int round = 0; round < 400; round++) {
            uint64_t x, y, c;
            if (round < 144) {
                x = edges[round % nedges];
                y = edges[(round / nedges) % nedges];
                c = edges[(round * 5 + 3) % nedges];
            } else {
                x = rng(), y = rng(), c = rng();
            }
            if (!f->wide) x &= UINT32_MAX, y &= UINT32_MAX, c &= UINT32_MAX;
            hive_val args[3] = {val(f->wide, x), val(f->wide, y), val(f->wide, c)};
            hive_val r;
            hive_status st = hive_exec_call(exec, e.of.func, args, 3, 0);
            uint64_t want = expect(f, v, x, y, c);
            uint64_t got = UINT64_MAX;
            if (st == HIVE_DONE && hive_exec_results(exec, &r, 1) == 1)
                got = f->wide ? r.of.i64 : r.of.i32;
            checked++;
            if (st != HIVE_DONE || got != want) {
                if (wrong++ < 10)
                    fprintf(stderr, "%s(%#llx, %#llx, %#llx) = %#llx, want %#llx\n", name,
                            (unsigned long long)x, (unsigned long long)y, (unsigned long long)c,
                            (unsigned long long)got, (unsigned long long)want);
            }
        }
    }
    CHECK(checked == NFORMS * 4 * 400);
    CHECK_EQ_INT(wrong, 0);
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

/*
 * 2. A load whose value goes straight to a store of the same width: one
 * MOVE8..MOVE64, with an address addition of either side folded in; two
 * pointer steps in a row: I32_ADD_I2. From this module (wat2wasm):
 *
 * (module
 *   (memory (export "mem") 1)
 *   (func (export "mv64") (param $d i32) (param $s i32)
 *     (i64.store (i32.add (local.get $d) (i32.const 8)) (i64.load (i32.add (local.get $s) (i32.const 8)))))
 *   (func (export "mv32") (param $d i32) (param $s i32)
 *     (i32.store offset=4 (local.get $d) (i32.load offset=2 (local.get $s))))
 *   (func (export "mv16") (param $d i32) (param $s i32)
 *     (i32.store16 (local.get $d) (i32.load16_s (local.get $s))))
 *   (func (export "mv8") (param $d i32) (param $s i32)
 *     (i64.store8 (local.get $d) (i64.load8_u offset=1 (local.get $s))))
 *   (func (export "mvf64") (param $d i32) (param $s i32)
 *     (f64.store (local.get $d) (f64.load (local.get $s))))
 *   (func (export "mv32w") (param $d i32) (param $s i32)
 *     (i64.store32 (i32.add (local.get $d) (i32.const 3))
 *                  (i64.load32_s offset=1 (i32.add (local.get $s) (i32.const -1)))))
 *   (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
 *     (block (loop
 *       (br_if 1 (i32.eqz (local.get $n)))
 *       (i64.store (local.get $d) (i64.load (local.get $s)))
 *       (local.set $d (i32.add (local.get $d) (i32.const 8)))
 *       (local.set $s (i32.add (local.get $s) (i32.const 8)))
 *       (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *       (br 0)))))
 */
static const uint8_t move_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60,
  0x02, 0x7f, 0x7f, 0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x03, 0x08,
  0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00,
  0x01, 0x07, 0x39, 0x08, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x04, 0x6d,
  0x76, 0x36, 0x34, 0x00, 0x00, 0x04, 0x6d, 0x76, 0x33, 0x32, 0x00, 0x01,
  0x04, 0x6d, 0x76, 0x31, 0x36, 0x00, 0x02, 0x03, 0x6d, 0x76, 0x38, 0x00,
  0x03, 0x05, 0x6d, 0x76, 0x66, 0x36, 0x34, 0x00, 0x04, 0x05, 0x6d, 0x76,
  0x33, 0x32, 0x77, 0x00, 0x05, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x06,
  0x0a, 0x8a, 0x01, 0x07, 0x12, 0x00, 0x20, 0x00, 0x41, 0x08, 0x6a, 0x20,
  0x01, 0x41, 0x08, 0x6a, 0x29, 0x03, 0x00, 0x37, 0x03, 0x00, 0x0b, 0x0c,
  0x00, 0x20, 0x00, 0x20, 0x01, 0x28, 0x02, 0x02, 0x36, 0x02, 0x04, 0x0b,
  0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x2e, 0x01, 0x00, 0x3b, 0x01, 0x00,
  0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x31, 0x00, 0x01, 0x3c, 0x00,
  0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x2b, 0x03, 0x00, 0x39,
  0x03, 0x00, 0x0b, 0x12, 0x00, 0x20, 0x00, 0x41, 0x03, 0x6a, 0x20, 0x01,
  0x41, 0x7f, 0x6a, 0x34, 0x02, 0x01, 0x3e, 0x02, 0x00, 0x0b, 0x2e, 0x00,
  0x02, 0x40, 0x03, 0x40, 0x20, 0x02, 0x45, 0x0d, 0x01, 0x20, 0x00, 0x20,
  0x01, 0x29, 0x03, 0x00, 0x37, 0x03, 0x00, 0x20, 0x00, 0x41, 0x08, 0x6a,
  0x21, 0x00, 0x20, 0x01, 0x41, 0x08, 0x6a, 0x21, 0x01, 0x20, 0x02, 0x41,
  0x01, 0x6b, 0x21, 0x02, 0x0c, 0x00, 0x0b, 0x0b, 0x0b
};

typedef struct move_fx {
    hive_engine *engine;
    hive_module *module;
    hive_instance *inst;
    hive_exec *exec;
    uint8_t *mem;
} move_fx;

static hive_status move_call(move_fx *fx, const char *name, uint32_t d, uint32_t s, uint32_t n) {
    hive_extern e;
    if (hive_instance_export(fx->inst, name, strlen(name), &e) || e.kind != HIVE_EXTERN_FUNC)
        return HIVE_FAILED;
    hive_val args[3];
    memset(args, 0, sizeof args);
    args[0].type = args[1].type = args[2].type = HIVE_I32;
    args[0].of.i32 = d;
    args[1].of.i32 = s;
    args[2].of.i32 = n;
    return hive_exec_call(fx->exec, e.of.func, args, strcmp(name, "copy") ? 2 : 3, 0);
}

static int move_op(move_fx *fx, const char *name, int op) {
    hive_extern e;
    if (hive_instance_export(fx->inst, name, strlen(name), &e)) return 0;
    return first_op(&e) == op;
}

static void test_moves(void) {
    move_fx fx;
    hive_error err;
    memset(&fx, 0, sizeof fx);
    fx.engine = new_engine();
    CHECK(fx.engine != NULL);
    CHECK(hive_module_new(fx.engine, move_wasm, sizeof move_wasm, &fx.module, &err) == HIVE_OK);
    CHECK(hive_instance_new(fx.engine, fx.module, NULL, 0, &fx.inst, &err) == HIVE_OK);
    fx.exec = hive_exec_new(fx.engine);
    CHECK(fx.exec != NULL);
    hive_extern me;
    CHECK(hive_instance_export(fx.inst, "mem", 3, &me) == 0 && me.kind == HIVE_EXTERN_MEMORY);
    fx.mem = hive_memory_data(me.of.memory);
    uint8_t *mem = fx.mem;
    uint8_t ref[65536];
    for (size_t i = 0; i < sizeof ref; i++) mem[i] = (uint8_t)(i * 131 + (i >> 8) * 7 + 1);

    /* emitted as one instruction (first op of the body) */
    SHAPE_CHECK(move_op(&fx, "mv64", OP_MOVE64));
    SHAPE_CHECK(move_op(&fx, "mv32", OP_MOVE32));
    SHAPE_CHECK(move_op(&fx, "mv16", OP_MOVE16));
    SHAPE_CHECK(move_op(&fx, "mv8", OP_MOVE8));
    SHAPE_CHECK(move_op(&fx, "mvf64", OP_MOVE64));
    /* (no load32 with a folded sum: both sums run first, as one I32_ADD_I2) */
    SHAPE_CHECK(move_op(&fx, "mv32w", OP_I32_ADD_I2));
    hive_extern ce;
    CHECK(hive_instance_export(fx.inst, "copy", 4, &ce) == 0);
    int h = has_op(&ce, OP_MOVE64);
    CHECK(h != 0);
    h = has_op(&ce, OP_I32_ADD_I2);
    CHECK(h != 0);

    /* results, against memmove on a copy */
    memcpy(ref, mem, sizeof ref);
    CHECK(move_call(&fx, "mv64", 0x100, 0x200, 0) == HIVE_DONE);
    memmove(ref + 0x108, ref + 0x208, 8);
    CHECK(move_call(&fx, "mv32", 0x300, 0x401, 0) == HIVE_DONE);
    memmove(ref + 0x304, ref + 0x403, 4);
    CHECK(move_call(&fx, "mv16", 0x501, 0x777, 0) == HIVE_DONE);
    memmove(ref + 0x501, ref + 0x777, 2);
    CHECK(move_call(&fx, "mv8", 0x600, 0x6ff, 0) == HIVE_DONE);
    memmove(ref + 0x600, ref + 0x700, 1);
    CHECK(move_call(&fx, "mv32w", 0x800, 0x900, 0) == HIVE_DONE);
    memmove(ref + 0x803, ref + 0x900, 4);
    /* overlapping: source and destination 4 bytes apart, and the same */
    CHECK(move_call(&fx, "mv64", 0x1000, 0x1004, 0) == HIVE_DONE);
    memmove(ref + 0x1008, ref + 0x100c, 8);
    CHECK(move_call(&fx, "mv64", 0x1100, 0x1100, 0) == HIVE_DONE);
    /* a signalling NaN's bits go through f64 unchanged */
    static const uint8_t snan[8] = {1, 0, 0, 0, 0, 0, 0xf4, 0x7f};
    memcpy(mem + 0x1200, snan, 8);
    memcpy(ref + 0x1200, snan, 8);
    CHECK(move_call(&fx, "mvf64", 0x1208, 0x1200, 0) == HIVE_DONE);
    memcpy(ref + 0x1208, snan, 8);
    /* the folded sums wrap as i32.add does: 0xfffffff8 + 8 is address 0 */
    CHECK(move_call(&fx, "mv64", 0xfffffff8u, 0x2000, 0) == HIVE_DONE);
    memmove(ref + 0, ref + 0x2008, 8);
    CHECK(move_call(&fx, "mv32w", 0x2100, 1, 0) == HIVE_DONE); /* 1 - 1 + offset 1 */
    memmove(ref + 0x2103, ref + 1, 4);
    /* the last bytes of memory are in bounds */
    CHECK(move_call(&fx, "mv64", 65536 - 16, 65536 - 16, 0) == HIVE_DONE);
    CHECK(move_call(&fx, "copy", 0x3000, 0x3803, 100) == HIVE_DONE);
    memmove(ref + 0x3000, ref + 0x3803, 800);
    CHECK(memcmp(mem, ref, sizeof ref) == 0);

    /* a load out of bounds traps before anything is stored; a store out of
     * bounds traps after a good load, and stores nothing either */
    CHECK(move_call(&fx, "mv64", 0x100, 65536 - 15, 0) == HIVE_TRAPPED);
    CHECK(move_call(&fx, "mv64", 65536 - 15, 0x100, 0) == HIVE_TRAPPED);
    CHECK(move_call(&fx, "mv64", 0x100, 0xfffffff0u, 0) == HIVE_TRAPPED);
    /* (uint32)(0 - 1) + offset 1 is 2^32, not 0 */
    CHECK(move_call(&fx, "mv32w", 0x100, 0, 0) == HIVE_TRAPPED);
    CHECK(move_call(&fx, "mv16", 65535, 0, 0) == HIVE_TRAPPED);
    CHECK(move_call(&fx, "mv8", 0, 65535, 0) == HIVE_TRAPPED);
    CHECK(move_call(&fx, "copy", 65536 - 16, 0, 3) == HIVE_TRAPPED); /* third word */
    memmove(ref + 65536 - 16, ref, 16);
    CHECK(memcmp(mem, ref, sizeof ref) == 0);
    const hive_trap *t = hive_exec_trap(fx.exec);
    CHECK(t && strcmp(t->message, "out of bounds memory access") == 0);

    hive_exec_free(fx.exec);
    hive_instance_free(fx.inst);
    hive_module_release(fx.module);
    hive_engine_free(fx.engine);
}

/*
 * 3. An f64 multiply-add stored at once: F64_STORE_ADD_MUL (c + a * b) and
 * F64_STORE_MUL_ADD (a * b + c), each rounded twice like the two wasm
 * operations, operand order kept (which NaN comes out), bounds checked like
 * f64.store. From this module (wat2wasm):
 *
 * (module
 *   (memory (export "mem") 1)
 *   (func (export "st_add_mul") (param $p i32) (param $c f64) (param $a f64) (param $b f64)
 *     (f64.store offset=8 (local.get $p) (f64.add (local.get $c) (f64.mul (local.get $a) (local.get $b)))))
 *   (func (export "st_mul_add") (param $p i32) (param $c f64) (param $a f64) (param $b f64)
 *     (f64.store offset=8 (local.get $p) (f64.add (f64.mul (local.get $a) (local.get $b)) (local.get $c)))))
 */
static const uint8_t store_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60,
  0x04, 0x7f, 0x7c, 0x7c, 0x7c, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, 0x05,
  0x03, 0x01, 0x00, 0x01, 0x07, 0x21, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02,
  0x00, 0x0a, 0x73, 0x74, 0x5f, 0x61, 0x64, 0x64, 0x5f, 0x6d, 0x75, 0x6c,
  0x00, 0x00, 0x0a, 0x73, 0x74, 0x5f, 0x6d, 0x75, 0x6c, 0x5f, 0x61, 0x64,
  0x64, 0x00, 0x01, 0x0a, 0x21, 0x02, 0x0f, 0x00, 0x20, 0x00, 0x20, 0x01,
  0x20, 0x02, 0x20, 0x03, 0xa2, 0xa0, 0x39, 0x03, 0x08, 0x0b, 0x0f, 0x00,
  0x20, 0x00, 0x20, 0x02, 0x20, 0x03, 0xa2, 0x20, 0x01, 0xa0, 0x39, 0x03,
  0x08, 0x0b
};

static hive_val f64v(double d) {
    hive_val v;
    memset(&v, 0, sizeof v);
    v.type = HIVE_F64;
    memcpy(&v.of.f64, &d, 8);
    return v;
}

static hive_val f64bits(uint64_t bits) {
    hive_val v;
    memset(&v, 0, sizeof v);
    v.type = HIVE_F64;
    v.of.f64 = bits;
    return v;
}

static void test_stored_mul_add(void) {
    hive_engine *engine = new_engine();
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, store_wasm, sizeof store_wasm, &module, &err) == HIVE_OK);
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    CHECK(exec != NULL && inst != NULL);
    if (!exec || !inst) goto out;
    hive_extern me, am, ma;
    CHECK(hive_instance_export(inst, "mem", 3, &me) == 0);
    CHECK(hive_instance_export(inst, "st_add_mul", 10, &am) == 0);
    CHECK(hive_instance_export(inst, "st_mul_add", 10, &ma) == 0);
    SHAPE_CHECK(first_op(&am) == OP_F64_STORE_ADD_MUL);
    SHAPE_CHECK(first_op(&ma) == OP_F64_STORE_MUL_ADD);
    uint8_t *mem = hive_memory_data(me.of.memory);
    hive_extern *fns[2] = {&am, &ma};
    for (int i = 0; i < 2; i++) {
        hive_val args[4];
        uint64_t got;
        double d;
        args[0].type = HIVE_I32;
        args[0].of.i64 = 0;
        args[0].of.i32 = 0x100;
        /* two roundings: (1 + 2^-30)(1 - 2^-30) rounds to 1, minus 1 is 0
         * (a fused multiply-add would give -2^-60) */
        args[1] = f64v(-1.0);
        args[2] = f64v(1.0 + 0x1p-30);
        args[3] = f64v(1.0 - 0x1p-30);
        CHECK(hive_exec_call(exec, fns[i]->of.func, args, 4, 0) == HIVE_DONE);
        memcpy(&got, mem + 0x108, 8);
        CHECK(got == 0);
        args[1] = f64v(0.5);
        args[2] = f64v(3.0);
        args[3] = f64v(-2.0);
        CHECK(hive_exec_call(exec, fns[i]->of.func, args, 4, 0) == HIVE_DONE);
        memcpy(&d, mem + 0x108, 8);
        CHECK(d == -5.5);
        /* NaN operands: a quiet NaN is stored (which one, wasm leaves to
         * the engine) */
        args[1] = f64bits(0x7ff8000000000c0cULL);
        args[2] = f64bits(0x7ff800000000a0a0ULL);
        args[3] = f64v(1.0);
        CHECK(hive_exec_call(exec, fns[i]->of.func, args, 4, 0) == HIVE_DONE);
        memcpy(&got, mem + 0x108, 8);
        CHECK((got & 0x7ff8000000000000ULL) == 0x7ff8000000000000ULL);
        /* the last 8 bytes of memory are in bounds, one further is not,
         * and nothing is stored then */
        args[0].of.i32 = 65536 - 16;
        CHECK(hive_exec_call(exec, fns[i]->of.func, args, 4, 0) == HIVE_DONE);
        memset(mem + 65536 - 8, 0xee, 8);
        args[0].of.i32 = 65536 - 15;
        CHECK(hive_exec_call(exec, fns[i]->of.func, args, 4, 0) == HIVE_TRAPPED);
        CHECK(mem[65535] == 0xee && mem[65536 - 8] == 0xee);
    }
out:
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

/*
 * 4. A branch on a byte just loaded into a local (i32.load8_u; local.tee;
 * br_if): BR_IF_LOAD8_SET[_EQZ], which still writes the local, and
 * bounds-checks like the load. From this module (wat2wasm):
 *
 * (module
 *   (memory (export "mem") 1)
 *   (data (i32.const 100) "hello")
 *   (data (i32.const 65533) "ab")
 *   (func (export "scan") (param $p i32) (result i32) (local $c i32) (local $sum i32)
 *     (local.set $c (i32.const 77))
 *     (block $done
 *       (loop $l
 *         (br_if $done (i32.eqz (local.tee $c (i32.load8_u (local.get $p)))))
 *         (local.set $sum (i32.add (local.get $sum) (local.get $c)))
 *         (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *         (br $l)))
 *     (i32.add (i32.mul (local.get $sum) (i32.const 256)) (local.get $c)))
 *   (func (export "first") (param $p i32) (result i32) (local $c i32)
 *     (block $nz
 *       (br_if $nz (local.tee $c (i32.load8_u offset=1 (local.get $p))))
 *       (return (i32.const -1)))
 *     (local.get $c)))
 */
static const uint8_t branch_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x00, 0x05, 0x03, 0x01,
  0x00, 0x01, 0x07, 0x16, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x04,
  0x73, 0x63, 0x61, 0x6e, 0x00, 0x00, 0x05, 0x66, 0x69, 0x72, 0x73, 0x74,
  0x00, 0x01, 0x0a, 0x4a, 0x02, 0x32, 0x01, 0x02, 0x7f, 0x41, 0xcd, 0x00,
  0x21, 0x01, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x22,
  0x01, 0x45, 0x0d, 0x01, 0x20, 0x02, 0x20, 0x01, 0x6a, 0x21, 0x02, 0x20,
  0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02,
  0x41, 0x80, 0x02, 0x6c, 0x20, 0x01, 0x6a, 0x0b, 0x15, 0x01, 0x01, 0x7f,
  0x02, 0x40, 0x20, 0x00, 0x2d, 0x00, 0x01, 0x22, 0x01, 0x0d, 0x00, 0x41,
  0x7f, 0x0f, 0x0b, 0x20, 0x01, 0x0b, 0x0b, 0x15, 0x02, 0x00, 0x41, 0xe4,
  0x00, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x41, 0xfd, 0xff,
  0x03, 0x0b, 0x02, 0x61, 0x62
};

static void test_byte_branches(void) {
    hive_engine *engine = new_engine();
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, branch_wasm, sizeof branch_wasm, &module, &err) == HIVE_OK);
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    CHECK(exec != NULL && inst != NULL);
    if (!exec || !inst) goto out;
    hive_extern scan, first;
    CHECK(hive_instance_export(inst, "scan", 4, &scan) == 0);
    CHECK(hive_instance_export(inst, "first", 5, &first) == 0);
    CHECK(has_op(&scan, OP_BR_IF_LOAD8_SET_EQZ) != 0);
    CHECK(has_op(&first, OP_BR_IF_LOAD8_SET) != 0);
    const struct {
        hive_extern *fn;
        uint32_t p;
        hive_status st;
        uint32_t want;
    } cases[] = {
        {&scan, 100, HIVE_DONE, (104 + 101 + 108 + 108 + 111) * 256}, /* ends on c = 0 */
        {&scan, 65533, HIVE_DONE, (97 + 98) * 256},
        {&scan, 102, HIVE_DONE, (108 + 108 + 111) * 256},
        {&scan, 65536, HIVE_TRAPPED, 0},
        {&first, 99, HIVE_DONE, 104},
        {&first, 98, HIVE_DONE, UINT32_MAX}, /* byte 99 is zero */
        {&first, 65533, HIVE_DONE, 98},
        {&first, 65534, HIVE_DONE, UINT32_MAX}, /* the last byte, zero */
        {&first, 65535, HIVE_TRAPPED, 0}, /* 65535 + offset 1 */
        {&first, UINT32_MAX, HIVE_TRAPPED, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hive_val arg, r;
        memset(&arg, 0, sizeof arg);
        arg.type = HIVE_I32;
        arg.of.i32 = cases[i].p;
        hive_status st = hive_exec_call(exec, cases[i].fn->of.func, &arg, 1, 0);
        CHECK_EQ_INT(st, cases[i].st);
        if (st == HIVE_DONE) {
            CHECK(hive_exec_results(exec, &r, 1) == 1);
            CHECK_EQ_INT(r.of.i32, cases[i].want);
        } else {
            const hive_trap *t = hive_exec_trap(exec);
            CHECK(t && strcmp(t->message, "out of bounds memory access") == 0);
        }
    }
out:
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

/*
 * 5. An i32.add or i32.sub whose result is returned at once:
 * I32_ADD_RETURN1 / I32_SUB_RETURN1, unless a branch lands on the return.
 * From this module (wat2wasm):
 *
 * (module
 *   (func (export "ret_add") (param i32 i32) (result i32)
 *     (i32.add (local.get 0) (local.get 1)))
 *   (func (export "ret_sub") (param i32 i32) (result i32)
 *     (i32.sub (local.get 0) (local.get 1)))
 *   (func (export "ret_early") (param i32 i32) (result i32)
 *     (if (local.get 0) (then (return (i32.sub (local.get 0) (local.get 1)))))
 *     (i32.const 7))
 *   ;; a br_if lands on the function's end: the sub must stay apart
 *   (func (export "ret_landing") (param i32 i32) (result i32)
 *     (local.get 0)
 *     (br_if 0 (local.get 1))
 *     (drop)
 *     (i32.sub (local.get 1) (local.get 0))))
 */
static const uint8_t return_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60,
  0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x05, 0x04, 0x00, 0x00, 0x00, 0x00,
  0x07, 0x2f, 0x04, 0x07, 0x72, 0x65, 0x74, 0x5f, 0x61, 0x64, 0x64, 0x00,
  0x00, 0x07, 0x72, 0x65, 0x74, 0x5f, 0x73, 0x75, 0x62, 0x00, 0x01, 0x09,
  0x72, 0x65, 0x74, 0x5f, 0x65, 0x61, 0x72, 0x6c, 0x79, 0x00, 0x02, 0x0b,
  0x72, 0x65, 0x74, 0x5f, 0x6c, 0x61, 0x6e, 0x64, 0x69, 0x6e, 0x67, 0x00,
  0x03, 0x0a, 0x30, 0x04, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
  0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6b, 0x0b, 0x0f, 0x00, 0x20, 0x00,
  0x04, 0x40, 0x20, 0x00, 0x20, 0x01, 0x6b, 0x0f, 0x0b, 0x41, 0x07, 0x0b,
  0x0e, 0x00, 0x20, 0x00, 0x20, 0x01, 0x0d, 0x00, 0x1a, 0x20, 0x01, 0x20,
  0x00, 0x6b, 0x0b
};

static void test_returns(void) {
    hive_engine *engine = new_engine();
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, return_wasm, sizeof return_wasm, &module, &err) == HIVE_OK);
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    CHECK(exec != NULL && inst != NULL);
    if (!exec || !inst) goto out;
    hive_extern add, sub, early, landing;
    CHECK(hive_instance_export(inst, "ret_add", 7, &add) == 0);
    CHECK(hive_instance_export(inst, "ret_sub", 7, &sub) == 0);
    CHECK(hive_instance_export(inst, "ret_early", 9, &early) == 0);
    CHECK(hive_instance_export(inst, "ret_landing", 11, &landing) == 0);
    SHAPE_CHECK(first_op(&add) == OP_I32_ADD_RETURN1);
    SHAPE_CHECK(first_op(&sub) == OP_I32_SUB_RETURN1);
    CHECK(has_op(&early, OP_I32_SUB_RETURN1) != 0);
    CHECK(has_op(&landing, OP_I32_SUB_RETURN1) != 1);
    const struct {
        hive_extern *fn;
        uint32_t a, b, want;
    } cases[] = {
        {&add, 0xfffffffeu, 5, 3},         {&sub, 3, 5, 0xfffffffeu},
        {&early, 10, 4, 6},               {&early, 0, 4, 7},
        {&landing, 2, 5, 2},              {&landing, 2, 0, 0xfffffffeu},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hive_val args[2], r;
        memset(args, 0, sizeof args);
        args[0].type = args[1].type = HIVE_I32;
        args[0].of.i32 = cases[i].a;
        args[1].of.i32 = cases[i].b;
        CHECK(hive_exec_call(exec, cases[i].fn->of.func, args, 2, 0) == HIVE_DONE);
        CHECK(hive_exec_results(exec, &r, 1) == 1);
        CHECK_EQ_INT(r.of.i32, cases[i].want);
    }
out:
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

/*
 * 6. A counted loop's step and back edge (i32.add of a constant, then a !=
 * back edge on the sum): BR_IF_ADD_I_NE_LOOP / _NE_I_LOOP. A loop edge, so
 * it suspends: run in slices of 1, 2, 3, 7 and 1000 units, the number of
 * slices must be exactly ceil(header executions / budget) (one unit per
 * header execution, as every loop edge spends) and the result unchanged.
 * From this module (wat2wasm):
 *
 * (module
 *   (func (export "sum_n") (param $n i32) (result i32) (local $i i32) (local $s i32)
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s) (local.get $i)))
 *       (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
 *     (i32.add (i32.mul (local.get $s) (i32.const 1000)) (local.get $i)))
 *   (func (export "sum_10") (param $n i32) (result i32) (local $i i32) (local $s i32)
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s) (local.get $i)))
 *       (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 3))) (i32.const 30))))
 *     (i32.add (i32.mul (local.get $s) (i32.const 1000)) (local.get $i)))
 *   (func (export "sum_swapped") (param $n i32) (result i32) (local $i i32) (local $s i32)
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s) (local.get $i)))
 *       (br_if $l (i32.ne (local.get $n) (local.tee $i (i32.add (local.get $i) (i32.const -1))))))
 *     (i32.add (i32.mul (local.get $s) (i32.const 1000)) (local.get $i))))
 */
static const uint8_t counted_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x03, 0x04, 0x03, 0x00, 0x00, 0x00, 0x07, 0x20,
  0x03, 0x05, 0x73, 0x75, 0x6d, 0x5f, 0x6e, 0x00, 0x00, 0x06, 0x73, 0x75,
  0x6d, 0x5f, 0x31, 0x30, 0x00, 0x01, 0x0b, 0x73, 0x75, 0x6d, 0x5f, 0x73,
  0x77, 0x61, 0x70, 0x70, 0x65, 0x64, 0x00, 0x02, 0x0a, 0x6d, 0x03, 0x23,
  0x01, 0x02, 0x7f, 0x03, 0x40, 0x20, 0x02, 0x20, 0x01, 0x6a, 0x21, 0x02,
  0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00, 0x47, 0x0d, 0x00,
  0x0b, 0x20, 0x02, 0x41, 0xe8, 0x07, 0x6c, 0x20, 0x01, 0x6a, 0x0b, 0x23,
  0x01, 0x02, 0x7f, 0x03, 0x40, 0x20, 0x02, 0x20, 0x01, 0x6a, 0x21, 0x02,
  0x20, 0x01, 0x41, 0x03, 0x6a, 0x22, 0x01, 0x41, 0x1e, 0x47, 0x0d, 0x00,
  0x0b, 0x20, 0x02, 0x41, 0xe8, 0x07, 0x6c, 0x20, 0x01, 0x6a, 0x0b, 0x23,
  0x01, 0x02, 0x7f, 0x03, 0x40, 0x20, 0x02, 0x20, 0x01, 0x6a, 0x21, 0x02,
  0x20, 0x00, 0x20, 0x01, 0x41, 0x7f, 0x6a, 0x22, 0x01, 0x47, 0x0d, 0x00,
  0x0b, 0x20, 0x02, 0x41, 0xe8, 0x07, 0x6c, 0x20, 0x01, 0x6a, 0x0b
};

static void test_counted_loops(void) {
    hive_engine *engine = new_engine();
    hive_module *module = NULL;
    hive_instance *inst = NULL;
    hive_error err;
    CHECK(engine != NULL);
    CHECK(hive_module_new(engine, counted_wasm, sizeof counted_wasm, &module, &err) == HIVE_OK);
    CHECK(hive_instance_new(engine, module, NULL, 0, &inst, &err) == HIVE_OK);
    hive_exec *exec = hive_exec_new(engine);
    CHECK(exec != NULL && inst != NULL);
    if (!exec || !inst) goto out;
    const struct {
        const char *name;
        int op;
        uint32_t n, headers, want;
    } cases[] = {
        /* i = 0..n-1 summed, then i = n; the header runs n times */
        {"sum_n", OP_BR_IF_ADD_I_NE_LOOP, 25, 25, 300 * 1000 + 25},
        {"sum_n", OP_BR_IF_ADD_I_NE_LOOP, 1, 1, 0 * 1000 + 1},
        /* i = 0, 3, .. 27 summed (135), then i = 30 */
        {"sum_10", OP_BR_IF_ADD_I_NE_I_LOOP, 0, 10, 135 * 1000 + 30},
        /* i = 0, -1, .. -(n-1) summed, then i = -n; ne(n, i) */
        {"sum_swapped", OP_BR_IF_ADD_I_NE_LOOP, (uint32_t)-6, 6, (uint32_t)-15 * 1000 - 6},
    };
    static const uint64_t budgets[] = {1, 2, 3, 7, 1000};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hive_extern e;
        CHECK(hive_instance_export(inst, cases[i].name, strlen(cases[i].name), &e) == 0);
        CHECK(has_op(&e, cases[i].op) != 0);
        for (size_t j = 0; j < sizeof budgets / sizeof budgets[0]; j++) {
            hive_val arg, r;
            memset(&arg, 0, sizeof arg);
            arg.type = HIVE_I32;
            arg.of.i32 = cases[i].n;
            uint64_t b = budgets[j];
            unsigned slices = 1;
            hive_status st = hive_exec_call(exec, e.of.func, &arg, 1, b);
            while (st == HIVE_SUSPENDED && slices < 10000) {
                st = hive_exec_resume(exec, b);
                slices++;
            }
            CHECK_EQ_INT(st, HIVE_DONE);
            CHECK_EQ_INT(slices, (cases[i].headers + b - 1) / b);
            CHECK(hive_exec_results(exec, &r, 1) == 1);
            CHECK_EQ_INT(r.of.i32, cases[i].want);
        }
    }
out:
    hive_exec_free(exec);
    if (inst) hive_instance_free(inst);
    hive_module_release(module);
    hive_engine_free(engine);
}

int main(void) {
    for (int pass = 0; pass < 2; pass++) {
        inline_pass = pass == 1;
        RUN(test_chains);
        RUN(test_counted_loops);
        RUN(test_returns);
        RUN(test_byte_branches);
        RUN(test_moves);
        RUN(test_stored_mul_add);
    }
    return test_summary("chain");
}
