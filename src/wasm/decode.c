/*
 * decode.c -- the WebAssembly 2.0 binary format, bytes to wasm_module.
 *
 * Structure only: the header, the sections in their required order, their
 * vectors and types, constant expressions and function bodies as byte
 * ranges. Type, index and instruction checks are validate.c's. Bodies and
 * constant expressions are still read instruction by instruction (their
 * immediates skipped) as the reference interpreter's decoder does, so that
 * the errors it calls malformed -- bad LEB128, illegal opcode, missing
 * `end`, misplaced `else` -- are reported as such here, before validation
 * can report something else first. ("data count section required" is left
 * to validate.c, which reports an unknown data index first, as the spec
 * suite's wabt-made binaries need.)
 *
 * One reader runs over the whole module, as in the spec's reference
 * interpreter: a section's contents are read up to the end of the input and
 * the section size is compared afterwards ("section size mismatch"), and a
 * length prefix may not exceed the bytes left in the input ("length out of
 * bounds"). That makes the error messages those the spec suite expects.
 * No read ever passes the end of the input.
 */
#include <string.h>

#include "support/alloc.h"
#include "support/error.h"
#include "wasm/leb.h"
#include "wasm/module.h"
#include "wasm/runtime.h"
#include "wasm/simd_ops.h"

typedef struct decode_ctx {
    const hv_alloc *a;
    wasm_module *m;
    hive_error *err;
    leb_reader r; /* over m->bytes, offsets from 0 */
    /* hv_wasm_decode_lazy: function bodies are not read here but by
     * hv_wasm_decode_body, later, for those the validator's fast check does
     * not vouch for (module.h); `deferred`: some body was left so */
    bool defer_bodies, deferred;
    /* HIVE_CONFIG_WASM2: WebAssembly 2.0's encodings (memory indices in
     * instructions are the reserved byte 0x00, memory limits flags are 0
     * or 1, no tag section, no import or export kind 4, no throw or
     * try_table); otherwise multi-memory's (a u32 memory index; bit 6 of
     * a memarg's alignment says one follows), the threads proposal's
     * shared flag (memory limits flags 2 and 3) and exception handling's */
    bool wasm2;
} decode_ctx;

#define DECODE_TRY(expr)                \
    do {                                \
        int decode_rc_ = (expr);        \
        if (decode_rc_ != HIVE_OK)      \
            return decode_rc_;          \
    } while (0)

/* ---- errors -------------------------------------------------------------- */

/* A malformed-module error at byte offset `at`. */
#define decode_malformed(d, at, ...) hv_error_set((d)->err, HIVE_EMALFORMED, (at), __VA_ARGS__)

static int decode_nomem(decode_ctx *d) {
    return hv_error_set(d->err, HIVE_ENOMEM, leb_offset(&d->r), "out of memory");
}

/* Turns a failed leb_* read (rc < 0) into a malformed error at the
 * position the reader was left at. */
static int decode_leb_fail(decode_ctx *d, int rc) {
    return decode_malformed(d, leb_offset(&d->r), "%s", leb_message(rc));
}

/* ---- primitives ---------------------------------------------------------- */

static int decode_byte(decode_ctx *d, uint8_t *out) {
    int rc = leb_byte(&d->r, out);
    return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
}

static int decode_u32(decode_ctx *d, uint32_t *out) {
    int rc = leb_u32(&d->r, out);
    return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
}

/* A length or vector count: a u32 not above the bytes left. */
static int decode_len(decode_ctx *d, uint32_t *out) {
    int rc = leb_len(&d->r, out);
    return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
}

/* A UTF-8 name, pointing into the module bytes. */
static int decode_name(decode_ctx *d, wasm_name *out) {
    const uint8_t *p;
    uint32_t n;
    int rc = leb_name(&d->r, &p, &n);
    if (rc != LEB_OK) return decode_leb_fail(d, rc);
    out->ptr = (const char *)p;
    out->len = n;
    return HIVE_OK;
}

/* A vector count (decode_len) that must also be at most `limit`; `what`
 * names the items for the limit error. */
static int decode_count(decode_ctx *d, uint32_t limit, const char *what, uint32_t *out) {
    size_t at = leb_offset(&d->r);
    DECODE_TRY(decode_len(d, out));
    if (*out > limit) return hv_error_set(d->err, HIVE_ELIMIT, at, "too many %s", what);
    return HIVE_OK;
}

/* Reads a one-byte type code that is a signed LEB128 in the spec: a byte
 * with the continuation bit is "integer representation too long". */
static int decode_type_byte(decode_ctx *d, uint8_t *out) {
    DECODE_TRY(decode_byte(d, out));
    if (*out & 0x80) return decode_malformed(d, leb_offset(&d->r), "integer representation too long");
    return HIVE_OK;
}

static bool decode_is_valtype(uint8_t t) {
    switch (t) {
    case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64: case WASM_V128:
    case WASM_FUNCREF: case WASM_EXTERNREF:
        return true;
    }
    return false;
}

static int decode_valtype(decode_ctx *d, uint8_t *out) {
    DECODE_TRY(decode_type_byte(d, out));
    if (!decode_is_valtype(*out))
        return decode_malformed(d, leb_offset(&d->r) - 1, "malformed value type");
    return HIVE_OK;
}

static int decode_reftype(decode_ctx *d, uint8_t *out) {
    DECODE_TRY(decode_type_byte(d, out));
    if (*out != WASM_FUNCREF && *out != WASM_EXTERNREF)
        return decode_malformed(d, leb_offset(&d->r) - 1, "malformed reference type");
    return HIVE_OK;
}

/* Limits: a flag (a 1-bit LEB128: 0 = min only, 1 = min and max), then
 * u32 min and, with flag 1, u32 max. `memory`: of a memory type, whose
 * flag may also say shared (bit 1; a 2-bit LEB128), unless the module is
 * read with WebAssembly 2.0's rules. */
static int decode_limits(decode_ctx *d, wasm_limits *out, bool memory) {
    uint64_t flag;
    out->at = (uint32_t)leb_offset(&d->r);
    int rc = leb_uN(&d->r, memory && !d->wasm2 ? 2 : 1, &flag);
    if (rc != LEB_OK) return decode_leb_fail(d, rc);
    out->has_max = (flag & 1) != 0;
    out->shared = (flag & 2) != 0;
    DECODE_TRY(decode_u32(d, &out->min));
    out->max = 0;
    if (out->has_max) DECODE_TRY(decode_u32(d, &out->max));
    return HIVE_OK;
}

static int decode_tabletype(decode_ctx *d, wasm_tabletype *out) {
    DECODE_TRY(decode_reftype(d, &out->elemtype));
    return decode_limits(d, &out->limits, false);
}

/* A tag type: attribute 0 (an exception), then a function type index. */
static int decode_tagtype(decode_ctx *d, uint32_t *typeidx) {
    uint8_t attr;
    DECODE_TRY(decode_byte(d, &attr));
    if (attr != 0) return decode_malformed(d, leb_offset(&d->r) - 1, "malformed tag attribute");
    return decode_u32(d, typeidx);
}

static int decode_globaltype(decode_ctx *d, wasm_globaltype *out) {
    DECODE_TRY(decode_valtype(d, &out->valtype));
    uint8_t mut;
    DECODE_TRY(decode_byte(d, &mut));
    if (mut > 1) return decode_malformed(d, leb_offset(&d->r) - 1, "malformed mutability");
    out->mutable_ = mut == 1;
    return HIVE_OK;
}

/* ---- constant expressions ------------------------------------------------ */

/* A byte that must be 0x00 (reserved memory index). */
static int decode_zero_byte(decode_ctx *d) {
    uint8_t b;
    DECODE_TRY(decode_byte(d, &b));
    if (b != 0) return decode_malformed(d, leb_offset(&d->r) - 1, "zero byte expected");
    return HIVE_OK;
}

/* A memory index: the reserved byte 0x00 under WebAssembly 2.0's rules,
 * a u32 with multi-memory. */
static int decode_memidx(decode_ctx *d) {
    uint32_t x;
    return d->wasm2 ? decode_zero_byte(d) : decode_u32(d, &x);
}

/* A memarg: alignment flags, (with multi-memory, when bit 6 of the flags
 * is set) a memory index, offset. */
static int decode_memarg(decode_ctx *d) {
    uint32_t align, offset;
    DECODE_TRY(decode_u32(d, &align));
    if (!d->wasm2 && (align & 0x40)) DECODE_TRY(decode_u32(d, &offset));
    return decode_u32(d, &offset);
}

static int decode_blocktype(decode_ctx *d) {
    uint8_t b;
    int rc = leb_peek(&d->r, &b);
    if (rc != LEB_OK) return decode_leb_fail(d, rc);
    if (b == 0x40) {
        d->r.p++;
        return HIVE_OK;
    }
    if ((b & 0xc0) == 0x40) {
        uint8_t t;
        return decode_valtype(d, &t);
    }
    int64_t idx;
    rc = leb_s33(&d->r, &idx);
    return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
}

/* Skips the immediates of 0xFC-prefixed instruction `sub`. */
static int decode_skip_fc(decode_ctx *d, uint32_t sub, size_t at) {
    uint32_t x;
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        return HIVE_OK; /* trunc_sat */
    case 8: /* memory.init */
        DECODE_TRY(decode_u32(d, &x));
        return decode_memidx(d);
    case 9: case 13: case 15: case 16: case 17: /* data.drop elem.drop table.* */
        return decode_u32(d, &x);
    case 10: /* memory.copy */
        DECODE_TRY(decode_memidx(d));
        return decode_memidx(d);
    case 11: /* memory.fill */
        return decode_memidx(d);
    case 12: case 14: /* table.init table.copy */
        DECODE_TRY(decode_u32(d, &x));
        return decode_u32(d, &x);
    }
    return decode_malformed(d, at, "illegal opcode fc %02x", sub);
}

/* Skips the immediates of 0xFD-prefixed (SIMD) instruction `sub`, as
 * simd_ops.h lists them. An opcode with no instruction is malformed. */
static int decode_skip_fd(decode_ctx *d, uint32_t sub, size_t at) {
    const simd_op_info *info = simd_op_lookup(sub);
    uint8_t lane;
    int rc;
    if (!info) return decode_malformed(d, at, "illegal opcode fd %02x", sub);
    switch ((simd_imm_kind)info->imm) {
    case SIMD_IMM_NONE: return HIVE_OK;
    case SIMD_IMM_MEMARG: return decode_memarg(d);
    case SIMD_IMM_LANE: return decode_byte(d, &lane);
    case SIMD_IMM_MEMARG_LANE:
        DECODE_TRY(decode_memarg(d));
        return decode_byte(d, &lane);
    case SIMD_IMM_V128:
    case SIMD_IMM_SHUFFLE:
        rc = leb_bytes(&d->r, 16, NULL);
        return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
    }
    return decode_malformed(d, at, "illegal opcode fd %02x", sub);
}

/* Skips one instruction's immediates; `op` has been read at offset `at`.
 * Adjusts *depth for block/loop/if. `end` and `else` are the caller's. */
static int decode_skip_instr(decode_ctx *d, uint8_t op, size_t at, uint32_t *depth) {
    uint32_t x, n;
    int32_t i32;
    int64_t i64;
    uint32_t f32;
    uint64_t f64;
    uint8_t t;
    int rc;
    switch (op) {
    case 0x00: case 0x01: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
        return HIVE_OK;
    case 0x02: case 0x03: case 0x04: /* block loop if */
        DECODE_TRY(decode_blocktype(d));
        if (*depth == UINT32_MAX) return decode_malformed(d, at, "too deeply nested");
        (*depth)++;
        return HIVE_OK;
    case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23:
    case 0x24: case 0x25: case 0x26: case 0xd2:
        return decode_u32(d, &x);
    case 0x08: /* throw */
        if (d->wasm2) break;
        return decode_u32(d, &x);
    case 0x0a: /* throw_ref */
        if (d->wasm2) break;
        return HIVE_OK;
    case 0x1f: /* try_table */
        if (d->wasm2) break;
        DECODE_TRY(decode_blocktype(d));
        DECODE_TRY(decode_len(d, &n));
        for (uint32_t i = 0; i < n; i++) {
            size_t cat = leb_offset(&d->r);
            DECODE_TRY(decode_byte(d, &t));
            if (t > 3) return decode_malformed(d, cat, "malformed catch clause");
            if (t < 2) DECODE_TRY(decode_u32(d, &x)); /* the tag */
            DECODE_TRY(decode_u32(d, &x));            /* the label */
        }
        if (*depth == UINT32_MAX) return decode_malformed(d, at, "too deeply nested");
        (*depth)++;
        return HIVE_OK;
    case 0x0e: /* br_table */
        DECODE_TRY(decode_len(d, &n));
        for (uint32_t i = 0; i <= n; i++) DECODE_TRY(decode_u32(d, &x));
        return HIVE_OK;
    case 0x11: /* call_indirect */
        DECODE_TRY(decode_u32(d, &x));
        return decode_u32(d, &x);
    case 0x1c: /* select t* */
        DECODE_TRY(decode_len(d, &n));
        for (uint32_t i = 0; i < n; i++) DECODE_TRY(decode_valtype(d, &t));
        return HIVE_OK;
    case 0x3f: case 0x40: /* memory.size memory.grow */
        return decode_memidx(d);
    case 0x41:
        rc = leb_s32(&d->r, &i32);
        return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
    case 0x42:
        rc = leb_s64(&d->r, &i64);
        return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
    case 0x43:
        rc = leb_f32(&d->r, &f32);
        return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
    case 0x44:
        rc = leb_f64(&d->r, &f64);
        return rc == LEB_OK ? HIVE_OK : decode_leb_fail(d, rc);
    case 0xd0: /* ref.null */
        return decode_reftype(d, &t);
    case 0xfc:
        DECODE_TRY(decode_u32(d, &x));
        return decode_skip_fc(d, x, at);
    case 0xfd:
        DECODE_TRY(decode_u32(d, &x));
        return decode_skip_fd(d, x, at);
    }
    if (op >= 0x28 && op <= 0x3e) return decode_memarg(d);
    if (op >= 0x45 && op <= 0xc4) return HIVE_OK; /* numeric, no immediates */
    return decode_malformed(d, at, "illegal opcode %02x", op);
}

/* Nesting depths up to which `else` placement is checked exactly (deeper,
 * it is left to validate.c). */
#define DECODE_ELSE_DEPTH 1024

/* Skips an expression: instructions up to and including the `end` that
 * closes depth 0, with blocks nesting. `else` is allowed once per `if`
 * (elsewhere "END opcode expected", as the reference decoder reports). */
static int decode_skip_expr(decode_ctx *d) {
    uint32_t depth = 0;
    uint64_t can_else[DECODE_ELSE_DEPTH / 64] = {0}; /* bit depth-1: in an if, no else yet */
    for (;;) {
        size_t at = leb_offset(&d->r);
        uint8_t op;
        DECODE_TRY(decode_byte(d, &op));
        if (op == 0x0b) {
            if (depth == 0) return HIVE_OK;
            depth--;
            continue;
        }
        if (op == 0x05) {
            if (depth == 0) return decode_malformed(d, at, "END opcode expected");
            if (depth <= DECODE_ELSE_DEPTH) {
                uint64_t bit = (uint64_t)1 << ((depth - 1) % 64);
                if (!(can_else[(depth - 1) / 64] & bit))
                    return decode_malformed(d, at, "END opcode expected");
                can_else[(depth - 1) / 64] &= ~bit;
            }
            continue;
        }
        DECODE_TRY(decode_skip_instr(d, op, at, &depth));
        if (((op >= 0x02 && op <= 0x04) || op == 0x1f) && depth <= DECODE_ELSE_DEPTH) {
            uint64_t bit = (uint64_t)1 << ((depth - 1) % 64);
            if (op == 0x04) can_else[(depth - 1) / 64] |= bit;
            else can_else[(depth - 1) / 64] &= ~bit;
        }
    }
}

/* A constant expression: records its byte range [start, end) with the
 * `end` included; op stays WASM_CONST_NONE for validate.c to check and
 * evaluate. */
static int decode_const_expr(decode_ctx *d, wasm_constexpr *c) {
    memset(c, 0, sizeof *c);
    c->start = (uint32_t)leb_offset(&d->r);
    DECODE_TRY(decode_skip_expr(d));
    c->end = (uint32_t)leb_offset(&d->r);
    return HIVE_OK;
}

/* ---- sections ------------------------------------------------------------ */

/* A vector of value types for a function type, owned by *out. */
static int decode_valtypes(decode_ctx *d, uint32_t limit, const char *what, uint32_t *count,
                           uint8_t **out, uint32_t *slots) {
    uint32_t n;
    DECODE_TRY(decode_count(d, limit, what, &n));
    if (n == 0) return HIVE_OK;
    *out = hv_malloc(d->a, n);
    if (!*out) return decode_nomem(d);
    *count = n;
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        DECODE_TRY(decode_valtype(d, &(*out)[i]));
        s += wasm_slots((*out)[i]);
    }
    *slots = s;
    return HIVE_OK;
}

static int decode_type_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_count(d, WASM_MAX_TYPES, "types", &n));
    if (n == 0) return HIVE_OK;
    m->types = hv_calloc(d->a, n, sizeof *m->types);
    if (!m->types) return decode_nomem(d);
    m->ntypes = n;
    for (uint32_t i = 0; i < n; i++) {
        wasm_functype *ft = &m->types[i];
        uint8_t form;
        DECODE_TRY(decode_type_byte(d, &form));
        if (form != 0x60)
            return decode_malformed(d, leb_offset(&d->r) - 1, "malformed function type");
        DECODE_TRY(decode_valtypes(d, WASM_MAX_PARAMS, "parameters", &ft->nparams, &ft->params,
                                   &ft->param_slots));
        DECODE_TRY(decode_valtypes(d, WASM_MAX_RESULTS, "results", &ft->nresults, &ft->results,
                                   &ft->result_slots));
    }
    return HIVE_OK;
}

static int decode_import_section(decode_ctx *d) {
    wasm_module *m = d->m;
    const hv_alloc *a = d->a;
    uint32_t n;
    DECODE_TRY(decode_count(d, WASM_MAX_IMPORTS, "imports", &n));
    if (n == 0) return HIVE_OK;
    m->imports = hv_calloc(a, n, sizeof *m->imports);
    if (!m->imports) return decode_nomem(d);
    m->nimports = n;
    uint32_t count[5] = {0, 0, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        wasm_import *im = &m->imports[i];
        DECODE_TRY(decode_name(d, &im->module));
        DECODE_TRY(decode_name(d, &im->name));
        DECODE_TRY(decode_byte(d, &im->kind));
        switch (im->kind) {
        case HIVE_EXTERN_FUNC: DECODE_TRY(decode_u32(d, &im->typeidx)); break;
        case HIVE_EXTERN_TABLE: DECODE_TRY(decode_tabletype(d, &im->table)); break;
        case HIVE_EXTERN_MEMORY: DECODE_TRY(decode_limits(d, &im->memory, true)); break;
        case HIVE_EXTERN_GLOBAL: DECODE_TRY(decode_globaltype(d, &im->global)); break;
        case HIVE_EXTERN_TAG:
            if (d->wasm2)
                return decode_malformed(d, leb_offset(&d->r) - 1, "malformed import kind");
            DECODE_TRY(decode_tagtype(d, &im->typeidx));
            break;
        default: return decode_malformed(d, leb_offset(&d->r) - 1, "malformed import kind");
        }
        im->index = count[im->kind]++;
    }
    size_t at = leb_offset(&d->r);
    if (count[HIVE_EXTERN_FUNC] > WASM_MAX_FUNCS)
        return hv_error_set(d->err, HIVE_ELIMIT, at, "too many functions");
    if (count[HIVE_EXTERN_TABLE] > WASM_MAX_TABLES)
        return hv_error_set(d->err, HIVE_ELIMIT, at, "too many tables");
    if (count[HIVE_EXTERN_GLOBAL] > WASM_MAX_GLOBALS)
        return hv_error_set(d->err, HIVE_ELIMIT, at, "too many globals");

    /* The imports open each kind's index space. */
    if (count[HIVE_EXTERN_FUNC] &&
        !(m->func_types = hv_calloc(a, count[HIVE_EXTERN_FUNC], sizeof *m->func_types)))
        return decode_nomem(d);
    if (count[HIVE_EXTERN_TABLE] &&
        !(m->tables = hv_calloc(a, count[HIVE_EXTERN_TABLE], sizeof *m->tables)))
        return decode_nomem(d);
    if (count[HIVE_EXTERN_MEMORY] &&
        !(m->memories = hv_calloc(a, count[HIVE_EXTERN_MEMORY], sizeof *m->memories)))
        return decode_nomem(d);
    if (count[HIVE_EXTERN_GLOBAL] &&
        !(m->globals = hv_calloc(a, count[HIVE_EXTERN_GLOBAL], sizeof *m->globals)))
        return decode_nomem(d);
    if (count[HIVE_EXTERN_TAG] &&
        !(m->tags = hv_calloc(a, count[HIVE_EXTERN_TAG], sizeof *m->tags)))
        return decode_nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        const wasm_import *im = &m->imports[i];
        switch (im->kind) {
        case HIVE_EXTERN_FUNC: m->func_types[im->index] = im->typeidx; break;
        case HIVE_EXTERN_TABLE: m->tables[im->index] = im->table; break;
        case HIVE_EXTERN_MEMORY: m->memories[im->index] = im->memory; break;
        case HIVE_EXTERN_GLOBAL: m->globals[im->index].type = im->global; break;
        case HIVE_EXTERN_TAG: m->tags[im->index] = im->typeidx; break;
        }
    }
    m->nfuncs = m->nimported_funcs = count[HIVE_EXTERN_FUNC];
    m->ntables = m->nimported_tables = count[HIVE_EXTERN_TABLE];
    m->nmemories = m->nimported_memories = count[HIVE_EXTERN_MEMORY];
    m->nglobals = m->nimported_globals = count[HIVE_EXTERN_GLOBAL];
    m->ntags = m->nimported_tags = count[HIVE_EXTERN_TAG];
    return HIVE_OK;
}

/* Grows index-space array *arr from `have` to `have + n` elements of
 * `size` bytes, zeroing the new ones. */
static int decode_extend(decode_ctx *d, void **arr, uint32_t have, uint32_t n, size_t size) {
    if (n == 0) return HIVE_OK;
    size_t total = (size_t)have + n;
    if (total > SIZE_MAX / size) return decode_nomem(d);
    void *p = hv_realloc(d->a, *arr, total * size);
    if (!p) return decode_nomem(d);
    memset((char *)p + (size_t)have * size, 0, (size_t)n * size);
    *arr = p;
    return HIVE_OK;
}

static int decode_function_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    m->funcs_at = (uint32_t)leb_offset(&d->r);
    DECODE_TRY(decode_count(d, WASM_MAX_FUNCS - m->nimported_funcs, "functions", &n));
    DECODE_TRY(decode_extend(d, (void **)&m->func_types, m->nfuncs, n, sizeof *m->func_types));
    for (uint32_t i = 0; i < n; i++) DECODE_TRY(decode_u32(d, &m->func_types[m->nfuncs + i]));
    m->nfuncs += n;
    return HIVE_OK;
}

static int decode_table_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_count(d, WASM_MAX_TABLES - m->ntables, "tables", &n));
    DECODE_TRY(decode_extend(d, (void **)&m->tables, m->ntables, n, sizeof *m->tables));
    for (uint32_t i = 0; i < n; i++) {
        DECODE_TRY(decode_tabletype(d, &m->tables[m->ntables]));
        m->ntables++;
    }
    return HIVE_OK;
}

static int decode_memory_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_count(d, UINT32_MAX - m->nmemories, "memories", &n));
    DECODE_TRY(decode_extend(d, (void **)&m->memories, m->nmemories, n, sizeof *m->memories));
    for (uint32_t i = 0; i < n; i++) {
        DECODE_TRY(decode_limits(d, &m->memories[m->nmemories], true));
        m->nmemories++;
    }
    return HIVE_OK;
}

/* The tag section (exception handling): per tag, an attribute (0:
 * exception) and a function type index. */
static int decode_tag_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_count(d, WASM_MAX_GLOBALS - m->ntags, "tags", &n));
    DECODE_TRY(decode_extend(d, (void **)&m->tags, m->ntags, n, sizeof *m->tags));
    for (uint32_t i = 0; i < n; i++) {
        DECODE_TRY(decode_tagtype(d, &m->tags[m->ntags]));
        m->ntags++;
    }
    return HIVE_OK;
}

static int decode_global_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_count(d, WASM_MAX_GLOBALS - m->nglobals, "globals", &n));
    DECODE_TRY(decode_extend(d, (void **)&m->globals, m->nglobals, n, sizeof *m->globals));
    for (uint32_t i = 0; i < n; i++) {
        wasm_global *g = &m->globals[m->nglobals];
        DECODE_TRY(decode_globaltype(d, &g->type));
        DECODE_TRY(decode_const_expr(d, &g->init));
        m->nglobals++;
    }
    return HIVE_OK;
}

static int decode_export_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_count(d, WASM_MAX_EXPORTS, "exports", &n));
    if (n == 0) return HIVE_OK;
    m->exports = hv_calloc(d->a, n, sizeof *m->exports);
    if (!m->exports) return decode_nomem(d);
    m->nexports = n;
    for (uint32_t i = 0; i < n; i++) {
        wasm_export *ex = &m->exports[i];
        DECODE_TRY(decode_name(d, &ex->name));
        DECODE_TRY(decode_byte(d, &ex->kind));
        if (ex->kind > (d->wasm2 ? HIVE_EXTERN_GLOBAL : HIVE_EXTERN_TAG))
            return decode_malformed(d, leb_offset(&d->r) - 1, "malformed export kind");
        DECODE_TRY(decode_u32(d, &ex->index));
    }
    return HIVE_OK;
}

static int decode_start_section(decode_ctx *d) {
    d->m->start_at = (uint32_t)leb_offset(&d->r);
    DECODE_TRY(decode_u32(d, &d->m->start));
    d->m->has_start = true;
    return HIVE_OK;
}

/* One element segment. Flags (a u32) select the encoding:
 *   bit 0: passive or declarative (else active)
 *   bit 1: with bit 0, declarative; without, explicit table index
 *   bit 2: elements are expressions (with a reftype) instead of function
 *          indices (with an elemkind byte, 0x00 = funcref)
 * Flags 0 and 4 carry neither table index nor elemkind/reftype. */
static int decode_elem(decode_ctx *d, wasm_elem *e) {
    size_t at = leb_offset(&d->r);
    e->at = (uint32_t)at;
    uint32_t flags;
    DECODE_TRY(decode_u32(d, &flags));
    if (flags > 7) return decode_malformed(d, at, "malformed elements segment kind");
    bool exprs = flags & 4;
    e->elemtype = WASM_FUNCREF;
    if (flags & 1) {
        e->mode = (flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE;
    } else {
        e->mode = WASM_SEG_ACTIVE;
        if (flags & 2) DECODE_TRY(decode_u32(d, &e->table));
        DECODE_TRY(decode_const_expr(d, &e->offset));
    }
    if (flags & 3) {
        if (exprs) {
            DECODE_TRY(decode_reftype(d, &e->elemtype));
        } else {
            uint8_t kind;
            DECODE_TRY(decode_byte(d, &kind));
            if (kind != 0x00)
                return decode_malformed(d, leb_offset(&d->r) - 1, "malformed element kind");
        }
    }
    uint32_t n;
    DECODE_TRY(decode_len(d, &n));
    if (n == 0) return HIVE_OK;
    if (exprs) {
        e->exprs = hv_calloc(d->a, n, sizeof *e->exprs);
        if (!e->exprs) return decode_nomem(d);
        for (uint32_t i = 0; i < n; i++) {
            DECODE_TRY(decode_const_expr(d, &e->exprs[i]));
            e->count = i + 1;
        }
    } else {
        e->funcs = hv_calloc(d->a, n, sizeof *e->funcs);
        if (!e->funcs) return decode_nomem(d);
        for (uint32_t i = 0; i < n; i++) {
            DECODE_TRY(decode_u32(d, &e->funcs[i]));
            e->count = i + 1;
        }
    }
    return HIVE_OK;
}

static int decode_elem_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_count(d, WASM_MAX_SEGMENTS, "element segments", &n));
    if (n == 0) return HIVE_OK;
    m->elems = hv_calloc(d->a, n, sizeof *m->elems);
    if (!m->elems) return decode_nomem(d);
    m->nelems = n;
    for (uint32_t i = 0; i < n; i++) DECODE_TRY(decode_elem(d, &m->elems[i]));
    return HIVE_OK;
}

static int decode_datacount_section(decode_ctx *d) {
    DECODE_TRY(decode_u32(d, &d->m->datacount));
    d->m->has_datacount = true;
    return HIVE_OK;
}

/* The local declarations of a body: groups of (u32 count, valtype).
 * `nparams` counts toward WASM_MAX_LOCALS. When `c` is NULL (a code entry
 * beyond the function section's count, about to be reported) nothing is
 * stored. */
static int decode_locals(decode_ctx *d, uint32_t nparams, wasm_code *c) {
    size_t at = leb_offset(&d->r);
    uint32_t ngroups;
    DECODE_TRY(decode_len(d, &ngroups));
    leb_reader groups = d->r;
    uint64_t total = 0;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t count;
        uint8_t t;
        DECODE_TRY(decode_u32(d, &count));
        total += count;
        if (total + nparams > WASM_MAX_LOCALS)
            return decode_malformed(d, at, "too many locals");
        DECODE_TRY(decode_valtype(d, &t));
    }
    if (!c || total == 0) return HIVE_OK;
    c->local_types = hv_malloc(d->a, (size_t)total);
    if (!c->local_types) return decode_nomem(d);
    c->nlocals = (uint32_t)total;
    /* Second pass over the groups, already checked. */
    uint32_t k = 0;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t count;
        uint8_t t;
        (void)leb_u32(&groups, &count);
        (void)leb_byte(&groups, &t);
        memset(c->local_types + k, t, count);
        k += count;
    }
    return HIVE_OK;
}

/* The code section: per entry a u32 size, the locals and the body, whose
 * range [body_start, body_end) runs to the end of the entry (final `end`
 * included). Stores entries into m->codes (one per defined function);
 * *ncodes gets the section's count for the check against the function
 * section, made once every section is read. */
/* Reads a body as the reference decoder does, the reader at its first
 * instruction: its instructions up to its final `end` (even past the
 * entry, which runs from start to end), then the size check. */
static int decode_body(decode_ctx *d, size_t start, size_t end) {
    DECODE_TRY(decode_skip_expr(d));
    if (leb_offset(&d->r) != end) return decode_malformed(d, start, "section size mismatch");
    return HIVE_OK;
}

/* The bodies left for later, in order, up to the first error (or all). */
static int decode_deferred_bodies(decode_ctx *d) {
    wasm_module *m = d->m;
    for (uint32_t i = 0; m->codes && i < m->nfuncs - m->nimported_funcs; i++) {
        const wasm_code *c = &m->codes[i];
        if (!c->body_end) break; /* not reached */
        d->r.p = m->bytes + c->body_start;
        DECODE_TRY(decode_body(d, c->entry_start, c->body_end));
    }
    return HIVE_OK;
}

static int decode_code_section(decode_ctx *d, uint32_t *ncodes) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_len(d, &n));
    *ncodes = n;
    uint32_t ndefined = m->nfuncs - m->nimported_funcs;
    if (ndefined) {
        m->codes = hv_calloc(d->a, ndefined, sizeof *m->codes);
        if (!m->codes) return decode_nomem(d);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        DECODE_TRY(decode_len(d, &size));
        size_t start = leb_offset(&d->r);
        size_t end = start + size;
        if (end > m->len)
            return decode_malformed(d, m->len, "unexpected end of section or function");
        wasm_code *c = i < ndefined ? &m->codes[i] : NULL;
        uint32_t nparams = 0;
        if (i < ndefined) {
            uint32_t typeidx = m->func_types[m->nimported_funcs + i];
            if (typeidx < m->ntypes) nparams = m->types[typeidx].nparams;
        }
        DECODE_TRY(decode_locals(d, nparams, c));
        size_t body = leb_offset(&d->r);
        if (c) {
            c->entry_start = (uint32_t)start;
            c->body_start = (uint32_t)body;
            c->body_end = (uint32_t)end;
        }
        if (c && d->defer_bodies && body <= end) {
            d->r.p = m->bytes + end; /* read later (hv_wasm_decode_body) */
            d->deferred = true;
            continue;
        }
        DECODE_TRY(decode_body(d, start, end));
    }
    return HIVE_OK;
}


/* One data segment. Flags: 0 active in memory 0, 1 passive, 2 active with
 * an explicit memory index. */
static int decode_data(decode_ctx *d, wasm_data *s) {
    size_t at = leb_offset(&d->r);
    s->at = (uint32_t)at;
    uint32_t flags;
    DECODE_TRY(decode_u32(d, &flags));
    if (flags > 2) return decode_malformed(d, at, "malformed data segment kind");
    s->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
    if (flags == 2) DECODE_TRY(decode_u32(d, &s->memory));
    if (flags != 1) DECODE_TRY(decode_const_expr(d, &s->offset));
    uint32_t n;
    DECODE_TRY(decode_len(d, &n));
    int rc = leb_bytes(&d->r, n, &s->bytes);
    if (rc != LEB_OK) return decode_leb_fail(d, rc);
    s->len = n;
    return HIVE_OK;
}

static int decode_data_section(decode_ctx *d) {
    wasm_module *m = d->m;
    uint32_t n;
    DECODE_TRY(decode_count(d, WASM_MAX_SEGMENTS, "data segments", &n));
    if (n == 0) return HIVE_OK;
    m->datas = hv_calloc(d->a, n, sizeof *m->datas);
    if (!m->datas) return decode_nomem(d);
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++) DECODE_TRY(decode_data(d, &m->datas[i]));
    return HIVE_OK;
}

/* A custom section whose size field ended at `start` and which declares
 * `size` bytes: its name must be valid UTF-8 and fit in the section. The
 * payload of the first one called "name" is recorded in *name_at/_end. */
static int decode_custom_section(decode_ctx *d, size_t start, uint32_t size, size_t *name_at,
                                 size_t *name_end) {
    wasm_name id;
    DECODE_TRY(decode_name(d, &id));
    size_t end = start + size;
    if (leb_offset(&d->r) > end || end > d->m->len)
        return decode_malformed(d, d->m->len, "unexpected end of section or function");
    if (!*name_end && id.len == 4 && memcmp(id.ptr, "name", 4) == 0) {
        *name_at = leb_offset(&d->r);
        *name_end = end;
    }
    d->r.p = d->m->bytes + end;
    return HIVE_OK;
}

/* The "name" custom section's function-names subsection (id 1), payload
 * [at, end): fills m->func_names. Names are optional, so any flaw just
 * drops them; only an allocation failure is an error. */
static int decode_names(decode_ctx *d, size_t at, size_t end) {
    wasm_module *m = d->m;
    leb_reader r;
    leb_init(&r, m->bytes + at, end - at, at);
    while (!leb_eof(&r)) {
        uint8_t id;
        uint32_t size;
        if (leb_byte(&r, &id) || leb_len(&r, &size)) return HIVE_OK;
        if (size > leb_remaining(&r)) return HIVE_OK;
        if (id != 1) {
            r.p += size;
            continue;
        }
        leb_reader sub;
        leb_init(&sub, r.p, size, leb_offset(&r));
        uint32_t n;
        if (leb_len(&sub, &n) || m->nfuncs == 0) return HIVE_OK;
        m->func_names = hv_calloc(d->a, m->nfuncs, sizeof *m->func_names);
        if (!m->func_names) return decode_nomem(d);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t idx, len;
            const uint8_t *p;
            if (leb_u32(&sub, &idx) || idx >= m->nfuncs || leb_name(&sub, &p, &len)) goto bad;
            m->func_names[idx].ptr = (const char *)p;
            m->func_names[idx].len = len;
        }
        if (!leb_eof(&sub)) goto bad;
        return HIVE_OK;
    }
    return HIVE_OK;
bad:
    hv_free(d->a, m->func_names);
    m->func_names = NULL;
    return HIVE_OK;
}

/* Position of each section id in the required order (custom: 0). */
static const uint8_t decode_section_rank[14] = {
    [1] = 1,  /* type */
    [2] = 2,  /* import */
    [3] = 3,  /* function */
    [4] = 4,  /* table */
    [5] = 5,  /* memory */
    [13] = 6, /* tag (exception handling) */
    [6] = 7,  /* global */
    [7] = 8,  /* export */
    [8] = 9,  /* start */
    [9] = 10, /* element */
    [12] = 11, /* data count */
    [10] = 12, /* code */
    [11] = 13, /* data */
};

/* The header and every section, then the cross-section counts. */
static int decode_module(decode_ctx *d) {
    wasm_module *m = d->m;
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    if (m->len < 4) return decode_malformed(d, m->len, "unexpected end");
    if (memcmp(m->bytes, magic, 4) != 0) return decode_malformed(d, 0, "magic header not detected");
    if (m->len < 8) return decode_malformed(d, m->len, "unexpected end");
    if (memcmp(m->bytes + 4, version, 4) != 0)
        return decode_malformed(d, 4, "unknown binary version");
    d->r.p += 8;

    uint8_t last = 0;
    uint32_t ncodes = 0;
    size_t name_at = 0, name_end = 0;
    while (!leb_eof(&d->r)) {
        size_t at = leb_offset(&d->r);
        uint8_t id;
        uint32_t size;
        DECODE_TRY(decode_byte(d, &id));
        if (id > (d->wasm2 ? 12 : 13)) return decode_malformed(d, at, "malformed section id");
        DECODE_TRY(decode_len(d, &size));
        size_t start = leb_offset(&d->r);
        if (id == 0) {
            DECODE_TRY(decode_custom_section(d, start, size, &name_at, &name_end));
            continue;
        }
        if (decode_section_rank[id] <= last)
            return decode_malformed(d, at, "unexpected content after last section");
        last = decode_section_rank[id];
        switch (id) {
        case 1: DECODE_TRY(decode_type_section(d)); break;
        case 2: DECODE_TRY(decode_import_section(d)); break;
        case 3: DECODE_TRY(decode_function_section(d)); break;
        case 4: DECODE_TRY(decode_table_section(d)); break;
        case 5: DECODE_TRY(decode_memory_section(d)); break;
        case 6: DECODE_TRY(decode_global_section(d)); break;
        case 7: DECODE_TRY(decode_export_section(d)); break;
        case 8: DECODE_TRY(decode_start_section(d)); break;
        case 9: DECODE_TRY(decode_elem_section(d)); break;
        case 10: DECODE_TRY(decode_code_section(d, &ncodes)); break;
        case 11: DECODE_TRY(decode_data_section(d)); break;
        case 12: DECODE_TRY(decode_datacount_section(d)); break;
        case 13: DECODE_TRY(decode_tag_section(d)); break;
        }
        if (leb_offset(&d->r) != start + size)
            return decode_malformed(d, start, "section size mismatch");
    }
    if (ncodes != m->nfuncs - m->nimported_funcs)
        return decode_malformed(d, m->len, "function and code section have inconsistent lengths");
    if (m->has_datacount && m->datacount != m->ndatas)
        return decode_malformed(d, m->len,
                                "data count and data section have inconsistent lengths");
    if (name_end) DECODE_TRY(decode_names(d, name_at, name_end));
    return HIVE_OK;
}

/* hv_wasm_decode, or hv_wasm_decode_lazy with defer; with take, bytes become
 * the module's own (from the engine's allocator), not copied. */
static int decode(hive_engine *engine, const uint8_t *bytes, size_t len, wasm_module *m,
                  hive_error *err, bool defer, bool take) {
    memset(m, 0, sizeof *m);
    decode_ctx d = {.a = &engine->alloc, .m = m, .err = err, .defer_bodies = defer,
                   .wasm2 = engine->wasm2};
    if ((!bytes && len) || len > UINT32_MAX) {
        if (take) hv_free(d.a, (void *)bytes);
        if (len > UINT32_MAX) return hv_error_set(err, HIVE_ELIMIT, 0, "module larger than 4 GiB");
        return hv_error_set(err, HIVE_EARG, 0, "no module bytes");
    }
    if (take && bytes) {
        m->bytes = (uint8_t *)bytes;
    } else {
        m->bytes = hv_malloc(d.a, len);
        if (!m->bytes) return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
        if (len) memcpy(m->bytes, bytes, len);
    }
    m->len = len;
    leb_init(&d.r, m->bytes, len, 0);
    int rc = decode_module(&d);
    /* An error after a body left unread: that body's own error, if it
     * has one, came first (running out of memory stays that). */
    if (rc != HIVE_OK && rc != HIVE_ENOMEM && d.deferred) {
        leb_init(&d.r, m->bytes, len, 0);
        int body_rc = decode_deferred_bodies(&d);
        if (body_rc != HIVE_OK) rc = body_rc;
    }
    m->bodies_unread = d.deferred && rc == HIVE_OK;
    if (rc != HIVE_OK) hv_wasm_module_fini(engine, m);
    return rc;
}

int hv_wasm_decode(hive_engine *engine, const uint8_t *bytes, size_t len, wasm_module *m,
                hive_error *err) {
    return decode(engine, bytes, len, m, err, false, false);
}

int hv_wasm_decode_lazy(hive_engine *engine, const uint8_t *bytes, size_t len, wasm_module *m,
                     hive_error *err, bool take) {
    return decode(engine, bytes, len, m, err, true, take);
}

int hv_wasm_decode_body(hive_engine *engine, wasm_module *m, uint32_t i, hive_error *err) {
    decode_ctx d = {.a = &engine->alloc, .m = m, .err = err, .wasm2 = engine->wasm2};
    const wasm_code *c = &m->codes[i];
    leb_init(&d.r, m->bytes, m->len, 0);
    d.r.p = m->bytes + c->body_start;
    return decode_body(&d, c->entry_start, c->body_end);
}

void hv_wasm_module_fini(hive_engine *engine, wasm_module *m) {
    if (!m) return;
    const hv_alloc *a = &engine->alloc;
    for (uint32_t i = 0; i < m->ntypes && m->types; i++) {
        hv_free(a, m->types[i].params);
        hv_free(a, m->types[i].results);
    }
    hv_free(a, m->types);
    hv_free(a, m->imports);
    hv_free(a, m->func_types);
    if (m->codes) {
        for (uint32_t i = 0; i < m->nfuncs - m->nimported_funcs; i++) {
            hv_free(a, m->codes[i].local_types);
            hv_free(a, m->codes[i].local_offsets);
        }
        hv_free(a, m->codes);
    }
    hv_free(a, m->tables);
    hv_free(a, m->memories);
    hv_free(a, m->globals);
    hv_free(a, m->tags);
    hv_free(a, m->exports);
    for (uint32_t i = 0; i < m->nelems && m->elems; i++) {
        hv_free(a, m->elems[i].funcs);
        hv_free(a, m->elems[i].exprs);
    }
    hv_free(a, m->elems);
    hv_free(a, m->datas);
    hv_free(a, m->func_names);
    hv_free(a, m->bytes);
    memset(m, 0, sizeof *m);
}
