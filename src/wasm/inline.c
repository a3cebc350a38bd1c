/*
 * inline.c -- inline-threaded code (docs/PERFORMANCE.md, "inline
 * threading").
 *
 * The threaded interpreter ends every handler with an indirect jump to
 * the next instruction's handler (`jmp *(%rbx)`: pc is in rbx). For each
 * compiled function this file lays out, back to back in executable
 * memory, a copy of the machine code of each of its instructions'
 * handlers, and points each instruction's first cell at its copy. A
 * handler that always continues with the next instruction (every op that
 * is not a branch, call or return) loses its final jump: its copy falls
 * through into the next one. What remains of dispatch is the branches.
 *
 * The copies are the interpreter's own code: the same registers (pc,
 * frame, memory base and size, budget), the same stack frame, the same
 * cells read through pc, which each copy still advances. Whatever leaves
 * a copy (a trap, a budget stop, a call into the C library, a slow path
 * gcc placed elsewhere) jumps to the original code at the same address it
 * would have reached, so frames, suspension, traps and resumption behave
 * exactly as in the interpreter: a resumed exec dispatches through the
 * cell at its pc, which leads into the copies again.
 *
 * Copying needs the length of each x86-64 instruction of a handler, and
 * fixes the ones that address relative to where they are: relative jumps
 * and calls out of the copied range, and rip-relative operands. A handler
 * with an instruction the decoder does not know, or a short jump out of
 * its range, is not copied (its instruction keeps the interpreter's
 * label). tests/unit/test_inline.c checks the decoder against objdump
 * over every copied handler.
 */
#include "wasm/inline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/opcodes.h"
#include "wasm/runtime.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && \
    !defined(HIVE_NO_COMPUTED_GOTO) && !defined(HIVE_PROFILE_RUNS) && !defined(HIVE_NO_INLINE)
#define INLINE_SUPPORTED 1
#else
#define INLINE_SUPPORTED 0
#endif

#if INLINE_SUPPORTED
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* Linux 4.17; older kernels take it as a hint */
#endif
#endif

/* A module's code area: chunks of executable memory near the interpreter
 * (so that rel32 jumps back into it reach). Each chunk is one memfd mapped
 * twice: read-and-execute at base, where the copies run, and read-write
 * at rw, where they are written. No mapping is ever both writable and
 * executable, and functions compiled on their first call are added while
 * other threads run the chunk's earlier copies (nothing ever rewrites a
 * byte that was published). */
struct wasm_icode {
    struct wasm_icode *next;
    uint8_t *base, *rw;
    size_t size, used;
};

/* ---- x86-64 instruction lengths --------------------------------------- */

/* What the copier needs to know of one instruction. */
typedef struct x86_insn {
    uint8_t len;
    uint8_t rel_off, rel_size; /* relative branch/call field (0 size: none) */
    uint8_t rip_off;           /* rip-relative disp32 field, or 0 */
    uint8_t kind;
    bool rbx;                  /* may write rbx (conservative: names it) */
} x86_insn;

enum {
    X86_OTHER,
    X86_JCC,        /* conditional relative jump */
    X86_JMP,        /* unconditional relative jump */
    X86_CALL,       /* relative call */
    X86_DISPATCH,   /* jmp *(%rbx): on to the instruction at pc */
    X86_END,        /* ret, or any other indirect jump */
};

/* Operand forms of the one-byte opcodes: M = ModRM, I1/I2/IZ/IV =
 * immediate of 1, 2, 2-or-4 (operand size), 2-4-8 (mov r, imm) bytes. */
enum { F_BAD = 0, F_NONE = 1, F_M = 2, F_I1 = 4, F_I2 = 8, F_IZ = 16, F_IV = 32 };

static uint8_t form1(uint8_t b) {
    if (b < 0x40) {
        switch (b & 7) {
        case 0: case 1: case 2: case 3: return F_M;
        case 4: return F_I1;
        case 5: return F_IZ;
        default: return F_BAD; /* prefixes, 0F, invalid in 64-bit mode */
        }
    }
    if (b >= 0x50 && b <= 0x5f) return F_NONE;
    if (b >= 0x70 && b <= 0x7f) return F_I1; /* jcc rel8 */
    if (b >= 0x84 && b <= 0x8f && b != 0x8c && b != 0x8e) return F_M;
    if (b >= 0x90 && b <= 0x99) return F_NONE;
    if (b >= 0xb0 && b <= 0xb7) return F_I1;
    if (b >= 0xb8 && b <= 0xbf) return F_IV;
    if (b >= 0xd0 && b <= 0xd3) return F_M;
    switch (b) {
    case 0x63: return F_M;
    case 0x68: return F_IZ;
    case 0x69: return F_M | F_IZ;
    case 0x6a: return F_I1;
    case 0x6b: return F_M | F_I1;
    case 0x80: case 0x83: return F_M | F_I1;
    case 0x81: return F_M | F_IZ;
    case 0xa8: return F_I1;
    case 0xa9: return F_IZ;
    case 0xc0: case 0xc1: return F_M | F_I1;
    case 0xc2: return F_I2;
    case 0xc3: case 0xc9: case 0xcc: return F_NONE;
    case 0xc6: return F_M | F_I1;
    case 0xc7: return F_M | F_IZ;
    case 0xe8: case 0xe9: return F_IZ; /* rel32 */
    case 0xeb: return F_I1;            /* rel8 */
    case 0xf6: case 0xf7: case 0xfe: case 0xff: return F_M; /* F6/F7 /0 /1: + imm */
    case 0x9c: case 0x9d: case 0xf4: case 0xf5: case 0xf8: case 0xf9: case 0xfc: case 0xfd:
        return F_NONE;
    }
    return F_BAD;
}

/* The two-byte opcodes (0F xx). */
static uint8_t form2(uint8_t b) {
    if (b >= 0x80 && b <= 0x8f) return F_IZ; /* jcc rel32 */
    if (b >= 0xc8 && b <= 0xcf) return F_NONE; /* bswap */
    switch (b) {
    case 0x05: case 0x0b: case 0x31: case 0xa2: case 0x77: return F_NONE;
    case 0x70: case 0x71: case 0x72: case 0x73: case 0xa4: case 0xac: case 0xba: case 0xc2:
    case 0xc4: case 0xc5: case 0xc6:
        return F_M | F_I1;
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x06: case 0x07: case 0x08:
    case 0x09: case 0x0a: case 0x0c: case 0x0e: case 0x0f: case 0x24: case 0x25: case 0x26:
    case 0x27: case 0x30: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0xa0: case 0xa1: case 0xa6: case 0xa7:
    case 0xa8: case 0xa9: case 0xaa: case 0xb9: case 0xff:
        return F_BAD;
    }
    if (b == 0x38 || b == 0x3a) return F_BAD; /* handled by the caller */
    return F_M;
}

static bool mod_is_reg(uint8_t modrm) { return modrm >> 6 == 3; }

/* Decodes the instruction at p (at most 15 bytes are read). Returns false
 * for anything it does not know. */
static bool x86_decode(const uint8_t *p, x86_insn *in) {
    memset(in, 0, sizeof *in);
    size_t i = 0;
    bool opsize16 = false, rexw = false;
    for (;; i++) {
        uint8_t b = p[i];
        if (b == 0x66) opsize16 = true;
        else if (b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0xf0 || b == 0x2e || b == 0x3e ||
                 b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65)
            ;
        else break;
        if (i >= 4) return false;
    }
    size_t prefix_end = i;
    uint8_t rex = 0;
    if ((p[i] & 0xf0) == 0x40) {
        rex = p[i];
        rexw = rex & 8;
        i++;
    }
    uint8_t op = p[i++], form;
    bool twobyte = false;
    if (op == 0x0f) {
        twobyte = true;
        op = p[i++];
        if (op == 0x38) {
            i++;
            form = F_M;
        } else if (op == 0x3a) {
            i++;
            form = F_M | F_I1;
        } else {
            form = form2(op);
        }
    } else {
        form = form1(op);
    }
    if (form == F_BAD) return false;

    uint8_t modrm = 0;
    if (form & F_M) {
        modrm = p[i++];
        uint8_t mod = modrm >> 6, rm = modrm & 7;
        if (mod != 3) {
            if (rm == 4) {
                uint8_t sib = p[i++];
                if (mod == 0 && (sib & 7) == 5) i += 4;
            } else if (mod == 0 && rm == 5) {
                in->rip_off = (uint8_t)i;
                i += 4;
            }
            if (mod == 1) i += 1;
            else if (mod == 2) i += 4;
        }
        if (!twobyte && (op == 0xf6 || op == 0xf7) && ((modrm >> 3) & 7) < 2)
            form |= op == 0xf6 ? F_I1 : F_IZ;
        /* rbx as the register operand, or as a register r/m operand
         * (an opcode extension /3 counts too: conservative) */
        if ((((modrm >> 3) & 7) == 3 && !(rex & 4)) || (mod_is_reg(modrm) && (modrm & 7) == 3 && !(rex & 1)))
            in->rbx = true;
        /* without a REX prefix, byte register 7 is bh: rbx's bits 8-15 */
        bool byte_op = twobyte ? (op >> 4 == 0x9 || op == 0xb0 || op == 0xc0)
                               : (op < 0x40 && ((op & 7) == 0 || (op & 7) == 2)) || op == 0x80 ||
                                     op == 0x84 || op == 0x86 || op == 0x88 || op == 0x8a ||
                                     op == 0xc0 || op == 0xc6 || op == 0xd0 || op == 0xd2 ||
                                     op == 0xf6 || op == 0xfe;
        if (!rex && byte_op && (((modrm >> 3) & 7) == 7 || (mod_is_reg(modrm) && (modrm & 7) == 7)))
            in->rbx = true;
    } else if (!(rex & 1) && (op & 7) == 3 &&
               ((!twobyte && (op >> 4 == 0x5 || op >> 4 == 0xb || op >> 3 == 0x12)) ||
                (twobyte && op >> 3 == 0x19))) {
        in->rbx = true; /* push/pop, mov imm, xchg, bswap of rbx */
    } else if (!twobyte && op == 0xb7 && !rex) {
        in->rbx = true; /* mov $imm8, %bh */
    }
    if (twobyte && op == 0xa2) in->rbx = true; /* cpuid */
    size_t imm = i;
    if (form & F_I1) i += 1;
    if (form & F_I2) i += 2;
    if (form & F_IZ) i += opsize16 ? 2 : 4;
    if (form & F_IV) i += rexw ? 8 : opsize16 ? 2 : 4;
    if (i > 15) return false;
    in->len = (uint8_t)i;

    if (!twobyte && op >= 0x70 && op <= 0x7f) {
        in->kind = X86_JCC;
    } else if (twobyte && op >= 0x80 && op <= 0x8f) {
        in->kind = X86_JCC;
    } else if (!twobyte && (op == 0xe9 || op == 0xeb)) {
        in->kind = X86_JMP;
    } else if (!twobyte && op == 0xe8) {
        in->kind = X86_CALL;
    } else if (!twobyte && (op == 0xc3 || op == 0xc2)) {
        in->kind = X86_END;
    } else if (!twobyte && op == 0xff && (((modrm >> 3) & 7) == 4 || ((modrm >> 3) & 7) == 5)) {
        /* jmp *(%rbx) exactly (no prefix, no REX): the dispatch */
        in->kind = i == 2 && prefix_end == 0 && p[0] == 0xff && p[1] == 0x23 ? X86_DISPATCH
                                                                             : X86_END;
    }
    if (in->kind == X86_JCC || in->kind == X86_JMP || in->kind == X86_CALL) {
        if (opsize16) return false; /* 16-bit relative forms: never emitted */
        in->rel_off = (uint8_t)imm;
        in->rel_size = (uint8_t)(i - imm);
    }
    return true;
}

size_t hv_inline_insn_length(const uint8_t *p) {
    x86_insn in;
    return x86_decode(p, &in) ? in.len : 0;
}

#if INLINE_SUPPORTED

/* ---- handler templates -------------------------------------------------- */

/* One field to rewrite in a copy: a rel32 (or rip-relative disp32) at
 * field, relative to the end of its instruction at end, that must keep
 * reaching the absolute address target. */
typedef struct fixup {
    uint16_t field, end;
    const uint8_t *target;
} fixup;

/* What rbx (pc) holds at a point of a handler, as far as the copier can
 * tell: the instruction's own pc plus delta bytes, its branch target
 * (cell 1, branch ops only) plus delta bytes, or unknown. */
enum { RBX_NONE, RBX_ENTRY, RBX_TARGET, RBX_UNKNOWN };
typedef struct rbx_state {
    uint8_t kind;
    int32_t delta;
} rbx_state;

static rbx_state rbx_merge(rbx_state a, rbx_state b) {
    if (a.kind == RBX_NONE) return b;
    if (b.kind == RBX_NONE) return a;
    if (a.kind == b.kind && a.delta == b.delta) return a;
    return (rbx_state){RBX_UNKNOWN, 0};
}

/* rbx after the instruction at p: the handlers move pc with `add $k,
 * %rbx`, `lea k(%rbx), %rbx` and (branches) `mov 0x8(%rbx), %rbx`;
 * anything else that names rbx makes it unknown. */
static rbx_state rbx_step(rbx_state s, const uint8_t *p, const x86_insn *in) {
    if (s.kind != RBX_ENTRY && s.kind != RBX_TARGET) return s;
    if (in->len == 4 && p[0] == 0x48 && p[1] == 0x8b && p[2] == 0x5b && p[3] == 0x08)
        return s.kind == RBX_ENTRY && s.delta == 0 ? (rbx_state){RBX_TARGET, 0}
                                                   : (rbx_state){RBX_UNKNOWN, 0};
    if (in->len == 4 && p[0] == 0x48 && (p[1] == 0x83 || p[1] == 0x8d) &&
        p[2] == (p[1] == 0x83 ? 0xc3 : 0x5b)) {
        s.delta += (int8_t)p[3];
        return s;
    }
    if (in->rbx) return (rbx_state){RBX_UNKNOWN, 0};
    return s;
}

typedef struct tmpl {
    const uint8_t *start; /* NULL: not copied */
    uint16_t len;         /* bytes copied (the final dispatch included) */
    bool dispatch_last;   /* the last instruction is jmp *(%rbx) */
    uint16_t jmp_at;      /* the last instruction is a jmp: its offset */
    const uint8_t *jmp_to; /* ... and where it goes */
    int32_t chain;        /* ... to the start of this op's handler, or -1 */
    uint16_t nfix;
    uint32_t fix0;
    /* What rbx holds at the final dispatch (when dispatch_last). */
    rbx_state final;
    /* A conditional exit to a shared tail `add $tail_imm, %rbx; jmp
     * *(%rbx)` (typically a branch not taken, in gcc's code) with rbx
     * known there: fixes[tail_fix], or -1; tail: rbx after the add. */
    int32_t tail_fix;
    uint8_t tail_imm;
    rbx_state tail;
} tmpl;

#define TMPL_MAX_BYTES 2048
#define TMPL_MAX_INSNS 512

static tmpl tmpls[OP_COUNT_];
#define MAX_FIXES 8192 /* gcc 12 -O2: about 1250 */
static fixup fixes[MAX_FIXES];
static size_t nfixes;
static bool available;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const uint8_t *near_addr; /* an address in the interpreter */

/* Ops whose handler, every time it dispatches, has moved pc just past
 * itself: the copy may fall through into the next instruction's. */
#define COUNT_ONE_(...) +1
enum { FIRST_RUN_OP = 0 WASM_OPS(COUNT_ONE_) SIMD_OPS(COUNT_ONE_) };
#undef COUNT_ONE_

static bool op_straight(uint32_t op) {
    if (op == OP_LOOP_CHECK) return true;
    return op >= OP_SELECT && op < FIRST_RUN_OP;
}

/* The fused runs (opcodes.h): how many instructions each covers, and its
 * last instruction's op (the handler a run ends by jumping to). */
#define PAIR_INFO_(a, n, b) {OP_##b, 2},
#define TRIPLE_INFO_(a, n, b, m, c) {OP_##c, 3},
#define QUAD_INFO_(a, n, b, m, c, k, d) {OP_##d, 4},
static const struct {
    uint16_t last;
    uint8_t k;
} run_info[] = {WASM_PAIRS(PAIR_INFO_) WASM_TRIPLES(TRIPLE_INFO_) WASM_QUADS(QUAD_INFO_)};
#undef PAIR_INFO_
#undef TRIPLE_INFO_
#undef QUAD_INFO_
_Static_assert(FIRST_RUN_OP + sizeof run_info / sizeof run_info[0] == OP_COUNT_,
               "run_info covers the runs");

/* The number of instructions op stands for (1 unless a fused run). */
static uint32_t op_insns(uint32_t op) {
    return op >= FIRST_RUN_OP && op < OP_COUNT_ ? run_info[op - FIRST_RUN_OP].k : 1;
}

/* The op whose handler op's copy ends in (op itself unless a run). */
static uint32_t op_last(uint32_t op) {
    return op >= FIRST_RUN_OP && op < OP_COUNT_ ? run_info[op - FIRST_RUN_OP].last : op;
}

/* The displacement of the relative jump or call in (at p). */
static int32_t rel_of(const uint8_t *p, const x86_insn *in) {
    int32_t rel;
    if (in->rel_size == 1) return (int8_t)p[in->rel_off];
    memcpy(&rel, p + in->rel_off, 4);
    return rel;
}

static bool add_fix(uint16_t field, uint16_t end, const uint8_t *target) {
    if (nfixes == MAX_FIXES) return false;
    fixes[nfixes].field = field;
    fixes[nfixes].end = end;
    fixes[nfixes].target = target;
    nfixes++;
    return true;
}

/* Scans the handler at start: the range to copy runs from start to the
 * first instruction that does not continue (dispatch, jmp, ret, other
 * indirect jump) beyond every short jump's target. */
static bool scan(const uint8_t *start, tmpl *t) {
    struct {
        uint16_t off;
        x86_insn in;
    } insns[TMPL_MAX_INSNS];
    size_t n = 0, off = 0, far = 0;
    for (;;) {
        if (n == TMPL_MAX_INSNS || off > TMPL_MAX_BYTES - 16) return false;
        x86_insn in;
        if (!x86_decode(start + off, &in)) return false;
        insns[n].off = (uint16_t)off;
        insns[n].in = in;
        n++;
        size_t end = off + in.len;
        if (in.rel_size == 1) {
            long tgt = (long)end + (int8_t)start[off + in.rel_off];
            if (tgt < 0) return false;
            if ((size_t)tgt > far) far = (size_t)tgt;
        }
        off = end;
        bool stops = in.kind == X86_DISPATCH || in.kind == X86_JMP || in.kind == X86_END;
        if (stops && far < off) break;
    }
    t->start = start;
    t->len = (uint16_t)off;
    t->dispatch_last = insns[n - 1].in.kind == X86_DISPATCH;
    t->jmp_at = insns[n - 1].in.kind == X86_JMP ? insns[n - 1].off : 0;
    t->jmp_to = t->jmp_at ? start + off + rel_of(start + t->jmp_at, &insns[n - 1].in) : NULL;
    t->chain = -1;
    t->tail_fix = -1;
    t->fix0 = (uint32_t)nfixes;
    /* What rbx holds before each instruction: forward dataflow in
     * address order; a jump backwards inside the range gives up. */
    rbx_state st[TMPL_MAX_INSNS];
    bool backwards = false;
    for (size_t k = 0; k < n; k++) st[k].kind = RBX_NONE, st[k].delta = 0;
    st[0].kind = RBX_ENTRY;
    for (size_t k = 0; k < n; k++) {
        const x86_insn *in = &insns[k].in;
        rbx_state after = rbx_step(st[k], start + insns[k].off, in);
        if (in->rel_size) {
            size_t end = insns[k].off + in->len;
            long tgt = (long)end + rel_of(start + insns[k].off, in);
            if (tgt >= 0 && tgt < (long)off && in->kind != X86_CALL) {
                if (tgt <= (long)insns[k].off) backwards = true;
                for (size_t j = k + 1; j < n; j++)
                    if (insns[j].off == tgt) st[j] = rbx_merge(st[j], after);
            }
        }
        bool falls = in->kind != X86_JMP && in->kind != X86_END && in->kind != X86_DISPATCH;
        if (falls && k + 1 < n) st[k + 1] = rbx_merge(st[k + 1], after);
    }
    if (backwards)
        for (size_t k = 0; k < n; k++) st[k].kind = RBX_UNKNOWN;
    t->final = st[n - 1];
    for (size_t k = 0; k < n; k++) {
        const x86_insn *in = &insns[k].in;
        size_t end = insns[k].off + in->len;
        if (in->rel_size == 4) {
            int32_t rel = rel_of(start + insns[k].off, in);
            long tgt = (long)end + rel;
            if (tgt < 0 || tgt >= (long)off) { /* leaves the range */
                const uint8_t *abs = start + end + rel;
                if ((st[k].kind == RBX_ENTRY || st[k].kind == RBX_TARGET) && t->tail_fix < 0 &&
                    in->kind == X86_JCC && abs[0] == 0x48 && abs[1] == 0x83 && abs[2] == 0xc3 &&
                    abs[4] == 0xff && abs[5] == 0x23) {
                    t->tail_fix = (int32_t)nfixes;
                    t->tail_imm = abs[3];
                    t->tail = st[k];
                    t->tail.delta += (int8_t)abs[3];
                }
                if (!add_fix((uint16_t)(insns[k].off + in->rel_off), (uint16_t)end, abs))
                    return false;
            }
        }
        if (in->rip_off) {
            int32_t disp;
            memcpy(&disp, start + insns[k].off + in->rip_off, 4);
            if (!add_fix((uint16_t)(insns[k].off + in->rip_off), (uint16_t)end,
                         start + end + disp))
                return false;
        }
    }
    t->nfix = (uint16_t)(nfixes - t->fix0);
    return true;
}

/* ---- code areas ------------------------------------------------------------ */

#define CHUNK_SIZE (1u << 20)
#ifndef CODE_ALIGN
#define CODE_ALIGN 16u /* where each function's copies start */
#endif
#define INLINE_MAX_MODULE_BYTES ((size_t)256 << 20)
#define REACH ((intptr_t)1 << 30) /* well inside rel32's +-2 GiB */

static bool reachable(const uint8_t *p, size_t size) {
    intptr_t d1 = (intptr_t)p - (intptr_t)near_addr;
    intptr_t d2 = (intptr_t)(p + size) - (intptr_t)near_addr;
    return d1 > -REACH && d1 < REACH && d2 > -REACH && d2 < REACH;
}

/* Maps size bytes, read-write, within reach of the interpreter: walks
 * down from below it (the heap grows above it), one size at a time, and
 * starts the next walk where the last one succeeded, so that chunks pack
 * together. */
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t map_hint;

/* Maps fd's size bytes, read-and-execute (shared), near the interpreter. */
static uint8_t *map_near(size_t size, int fd) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t base = (uintptr_t)near_addr & ~(uintptr_t)(page - 1);
    /* below the interpreter, unless it sits too low for that (valgrind
     * loads programs low): then above it, past its heap's first growth */
    bool down = base > ((uintptr_t)64 << 20);
    uint8_t *got = NULL;
    pthread_mutex_lock(&map_lock);
    if (!map_hint) map_hint = down ? base - ((uintptr_t)16 << 20) : base + ((uintptr_t)256 << 20);
    uintptr_t hint = map_hint;
    for (int tries = 0; tries < 64; tries++) {
        if (down) {
            if (hint < size + ((uintptr_t)16 << 20)) break;
            hint -= size;
        } else {
            hint += size;
        }
        if (!reachable((const uint8_t *)hint, size)) break;
        void *p = mmap((void *)hint, size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED_NOREPLACE,
                       fd, 0);
        if (p == MAP_FAILED && errno != EEXIST) /* the flag refused (valgrind): a hint */
            p = mmap((void *)hint, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) continue; /* taken: try the next place */
        if (p != (void *)hint) { /* a kernel that took the flag as a hint */
            munmap(p, size);
            continue;
        }
        got = p;
        map_hint = down ? hint : hint + size;
        break;
    }
    pthread_mutex_unlock(&map_lock);
    return got;
}

static const void *const *labels;

/* A chunk of size bytes: its memfd mapped near the interpreter (base,
 * executable) and anywhere (rw, writable); false when the system refuses
 * either. */
static bool chunk_map(struct wasm_icode *c, size_t size) {
    int fd = memfd_create("hive-code", MFD_CLOEXEC);
    if (fd < 0) return false;
    c->base = c->rw = NULL;
    if (ftruncate(fd, (off_t)size) == 0) c->base = map_near(size, fd);
    if (c->base) {
        void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (rw != MAP_FAILED) c->rw = rw;
    }
    close(fd); /* the mappings keep the file */
    if (!c->rw) {
        if (c->base) munmap(c->base, size);
        c->base = NULL;
        return false;
    }
    c->size = size;
    c->used = 0;
    return true;
}

/* The chunk init() mapped to see that it can, kept for the first module
 * that needs one (under map_lock). */
static struct wasm_icode spare;
static bool have_spare;

static void init(void) {
    labels = hv_interp_labels();
    if (!labels || getenv("HIVE_NO_INLINE")) return;
    near_addr = labels[0];
    /* Executable memory must be obtainable (a policy may forbid it). */
    if (!chunk_map(&spare, CHUNK_SIZE)) return;
    have_spare = true;
    available = true;
}

/* Handlers are scanned when an instruction first needs them (a process
 * that loads one small module scans a hundred, not all of them): state[op]
 * goes from 0 to TMPL_OK or TMPL_NO once, under scan_lock, with release
 * order, so that a reader that sees it set (acquire) sees the template and
 * its fixups, which never change afterwards. */
enum { TMPL_OK = 1, TMPL_NO = 2 };
static _Atomic uint8_t state[OP_COUNT_];
static pthread_mutex_t scan_lock = PTHREAD_MUTEX_INITIALIZER;

static void scan_op_locked(uint32_t op) {
    if (atomic_load_explicit(&state[op], memory_order_relaxed)) return;
    tmpl *t = &tmpls[op];
    size_t mark = nfixes;
    bool ok = scan(labels[op], t);
    if (!ok) nfixes = mark;
    /* A run's handler ends with a jump to its last instruction's: its copy
     * continues with a copy of that one instead. */
    if (ok && op >= FIRST_RUN_OP && t->jmp_at) {
        uint32_t last = op_last(op);
        scan_op_locked(last);
        if (atomic_load_explicit(&state[last], memory_order_relaxed) == TMPL_OK &&
            tmpls[last].chain < 0 && t->jmp_to == (const uint8_t *)labels[last])
            t->chain = (int32_t)last;
    }
    atomic_store_explicit(&state[op], ok ? TMPL_OK : TMPL_NO, memory_order_release);
}

/* The template of op, scanned if need be; NULL when op is not copied. */
static const tmpl *tmpl_of(uint32_t op) {
    if (op >= OP_COUNT_) return NULL;
    uint8_t st = atomic_load_explicit(&state[op], memory_order_acquire);
    if (!st) {
        pthread_mutex_lock(&scan_lock);
        scan_op_locked(op);
        pthread_mutex_unlock(&scan_lock);
        st = atomic_load_explicit(&state[op], memory_order_acquire);
    }
    return st == TMPL_OK ? &tmpls[op] : NULL;
}

bool hv_inline_available(void) {
    pthread_once(&once, init);
    return available;
}

const uint8_t *hv_inline_handler(uint32_t op, size_t *len, bool *falls_through) {
    const tmpl *t = hv_inline_available() ? tmpl_of(op) : NULL;
    if (!t) return NULL;
    *len = t->len;
    *falls_through = t->dispatch_last && op_straight(op);
    return t->start;
}

/* size bytes of m's code area: their executable address, and in *rw
 * where to write them. The caller serialises for m (the module's compile
 * lock). */
static uint8_t *area_alloc(wasm_module *m, size_t size, uint8_t **rw) {
    struct wasm_icode *c = m->icode;
    if (c) c->used = (c->used + CODE_ALIGN - 1) & ~(size_t)(CODE_ALIGN - 1);
    if (c && c->used + size <= c->size) {
        uint8_t *p = c->base + c->used;
        *rw = c->rw + c->used;
        c->used += size;
        m->icode_used += size;
        return p;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t want = size > CHUNK_SIZE ? (size + page - 1) & ~(page - 1) : CHUNK_SIZE;
    if (m->icode_bytes + want > INLINE_MAX_MODULE_BYTES) return NULL;
    struct wasm_icode *n = malloc(sizeof *n);
    if (!n) return NULL;
    bool got = false;
    if (want == CHUNK_SIZE) {
        pthread_mutex_lock(&map_lock);
        if (have_spare) {
            *n = spare;
            have_spare = false;
            got = true;
        }
        pthread_mutex_unlock(&map_lock);
    }
    if (!got && !chunk_map(n, want)) {
        free(n);
        return NULL;
    }
    n->used = size;
    n->next = m->icode;
    m->icode = n;
    m->icode_bytes += want;
    m->icode_used += size;
    *rw = n->rw;
    return n->base;
}

/* One function being laid out: its cells (branch targets still cell
 * indices), and for each cell that starts an instruction with a copy, the
 * copy's offset in the function's code (any value before it is known:
 * pass 1), else NO_COPY. */
#define NO_COPY UINT32_MAX
typedef struct layout {
    const wasm_cell *cells;
    bool resolved;   /* branch targets are cell pointers (a live function) */
    uint32_t *at;
    uint32_t ncells; /* entries of at */
    uint8_t *base;   /* the function's code, NULL in pass 1 */
    ptrdiff_t delta; /* its executable address minus where it is written */
} layout;

/* The branch ops: cell 1 is the target (opcodes.h), except BR_TABLE's. */
static bool op_branch(uint32_t op) { return op <= OP_BR_IF_ADD_I_NE_I_LOOP && op != OP_BR_TABLE; }

/* The cell a dispatch goes to with rbx in state s, in the instruction at
 * cell start (op, `cells` cells long, 0 if unknown): a cell that starts
 * an instruction with a copy, or NO_COPY. */
static uint32_t dispatch_cell(const layout *lo, rbx_state s, uint32_t op, uint32_t start,
                              uint32_t cells) {
    if (s.delta % 8 != 0 || s.delta < 0) return NO_COPY;
    uint64_t c;
    if (s.kind == RBX_ENTRY && cells && (uint32_t)s.delta == 8 * cells)
        c = (uint64_t)start + cells;
    else if (s.kind == RBX_TARGET && op_branch(op))
        c = (lo->resolved ? (uint64_t)(lo->cells[start + 1].target - lo->cells)
                          : lo->cells[start + 1].u64) +
            (uint32_t)s.delta / 8;
    else
        return NO_COPY;
    return c < lo->ncells && lo->at[c] != NO_COPY ? (uint32_t)c : NO_COPY;
}

/* Copies t's first len bytes to p (written at p, run at p + delta) and
 * re-points its fixups that fall inside them; fixes[redirect] (if not -1)
 * goes to `to` (an executable address) instead. */
static void copy_fixed(const tmpl *t, uint8_t *p, ptrdiff_t delta, size_t len, int32_t redirect,
                       const uint8_t *to) {
    memcpy(p, t->start, len);
    for (uint32_t k = 0; k < t->nfix; k++) {
        const fixup *f = &fixes[t->fix0 + k];
        if (f->field + 4u > len) continue; /* in the dropped last jump */
        const uint8_t *target = (int32_t)(t->fix0 + k) == redirect ? to : f->target;
        int32_t r32 = (int32_t)((intptr_t)target - ((intptr_t)p + delta + f->end));
        memcpy(p + f->field, &r32, 4);
    }
}

static _Atomic size_t tail_stubs, direct_jumps;

void hv_inline_counts(size_t *stubs, size_t *direct) {
    *stubs = atomic_load_explicit(&tail_stubs, memory_order_relaxed);
    *direct = atomic_load_explicit(&direct_jumps, memory_order_relaxed);
}

/* A dispatch to cell c at p (p NULL: only its length): jmp *(%rbx) when c
 * is NO_COPY, nothing when c is next and this ends the copy (next's copy
 * follows), else a direct jump to c's copy. */
static size_t emit_goto(const layout *lo, uint8_t *p, uint32_t c, bool at_end, uint32_t next) {
    if (c == NO_COPY) {
        if (p) p[0] = 0xff, p[1] = 0x23;
        return 2;
    }
    if (at_end && c == next) return 0;
    if (p) {
        atomic_fetch_add_explicit(&direct_jumps, 1, memory_order_relaxed);
        int32_t r32 = (int32_t)((intptr_t)(lo->base + lo->at[c]) - ((intptr_t)p + lo->delta + 5));
        p[0] = 0xe9;
        memcpy(p + 1, &r32, 4);
    }
    return 5;
}

/* Where a copy's instruction lies: it starts at cell start and is cells
 * long (0: unknown); a fused run's last instruction starts at last and is
 * last_cells long (start, cells otherwise); next is the cell of the
 * instruction after it, whose copy (if it has one) comes right after. */
typedef struct span {
    uint32_t start, cells, last, last_cells, next;
} span;

/* Writes op's copy for the instruction sp at p and returns its length; p
 * NULL: only the length (pass 1, which gives the same lengths).
 *
 * A dispatch whose target the copier knows (scan's rbx states) becomes a
 * direct jump to the target's copy, or nothing when that copy follows:
 * the end of every straight-line handler, a branch's taken path (`mov
 * 0x8(%rbx), %rbx`: the target), and, through a copy of its own of gcc's
 * shared tail `add $k, %rbx; jmp *(%rbx)` after the handler's, a
 * branch's path not taken. */
static size_t emit(const layout *lo, uint8_t *p, uint32_t op, const span *sp) {
    const tmpl *t = &tmpls[op];
    if (t->chain >= 0) {
        /* a run's bodies, then its last instruction's handler */
        size_t len = t->jmp_at;
        if (p) copy_fixed(t, p, lo->delta, len, -1, NULL);
        span last = *sp;
        last.start = sp->last, last.cells = sp->last_cells;
        return len + emit(lo, p ? p + len : NULL, (uint32_t)t->chain, &last);
    }
    uint32_t start = sp->start, cells = sp->cells, next = sp->next;
    uint32_t fin = NO_COPY, tail = NO_COPY;
    if (t->dispatch_last)
        fin = !op_straight(op)                               ? dispatch_cell(lo, t->final, op, start, cells)
              : next < lo->ncells && lo->at[next] != NO_COPY ? next
                                                             : NO_COPY;
    if (t->tail_fix >= 0 && !op_straight(op)) tail = dispatch_cell(lo, t->tail, op, start, cells);
    bool stub = tail != NO_COPY;
    size_t range = t->dispatch_last ? t->len - 2u : t->len;
    size_t len = range + (t->dispatch_last ? emit_goto(lo, NULL, fin, !stub, next) : 0);
    if (p) {
        copy_fixed(t, p, lo->delta, range, stub ? t->tail_fix : -1, p + lo->delta + len);
        if (t->dispatch_last) emit_goto(lo, p + range, fin, !stub, next);
    }
    if (stub) {
        if (p) {
            p[len] = 0x48, p[len + 1] = 0x83, p[len + 2] = 0xc3, p[len + 3] = t->tail_imm;
            atomic_fetch_add_explicit(&tail_stubs, 1, memory_order_relaxed);
        }
        len += 4;
        len += emit_goto(lo, p ? p + len : NULL, tail, true, next);
    }
    return len;
}

static span span_of(const wasm_insn *insns, size_t n, size_t i) {
    size_t nx = i + op_insns(insns[i].op), last = nx - 1;
    span sp;
    sp.start = insns[i].start;
    sp.last = insns[last].start;
    sp.next = nx < n ? insns[nx].start : NO_COPY;
    sp.cells = nx < n ? sp.next - sp.start : 0;
    sp.last_cells = nx < n ? sp.next - sp.last : 0;
    return sp;
}

/* ---- perf map -------------------------------------------------------------- */

/* With HIVE_PERF_MAP=1 in the environment, every copy is listed in
 * /tmp/perf-PID.map (the file `perf report` reads for code it cannot
 * symbolize) as "wasm[FUNC] OP", so that a profile shows which
 * instructions of which functions the time goes to. */
/* The names, one string of them in op order, each ended by a NUL: no
 * table of pointers, which a position-independent binary would relocate
 * (and so write a few pages of) at every start; op_names is filled from
 * it the first time a map is written. */
#define OP_NAME_(name) #name "\0"
#define SIMD_NAME_(code, fn, ...) "SIMD_" #fn "\0"
#define PAIR_NAME_(a, n, b) #a "__" #b "\0"
#define TRIPLE_NAME_(a, n, b, m, c) #a "__" #b "__" #c "\0"
#define QUAD_NAME_(a, n, b, m, c, k, d) #a "__" #b "__" #c "__" #d "\0"
static const char op_name_text[] = WASM_OPS(OP_NAME_) SIMD_OPS(SIMD_NAME_) WASM_PAIRS(PAIR_NAME_)
    WASM_TRIPLES(TRIPLE_NAME_) WASM_QUADS(QUAD_NAME_);
static const char *op_names[OP_COUNT_]; /* under perf_lock */
#undef OP_NAME_
#undef SIMD_NAME_
#undef PAIR_NAME_
#undef TRIPLE_NAME_
#undef QUAD_NAME_

static pthread_mutex_t perf_lock = PTHREAD_MUTEX_INITIALIZER;

static void perf_map(uint32_t func_index, const uint8_t *code, const layout *lo,
                     const wasm_insn *insns, size_t n, size_t size) {
    static int enabled = -1;
    pthread_mutex_lock(&perf_lock);
    if (enabled < 0) {
        const char *e = getenv("HIVE_PERF_MAP");
        enabled = e && *e && *e != '0';
        const char *t = op_name_text;
        for (uint32_t op = 0; enabled && op < OP_COUNT_; op++) {
            op_names[op] = t;
            t += strlen(t) + 1;
        }
    }
    if (enabled) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
        FILE *f = fopen(path, "a");
        for (size_t i = 0; f && i < n; i += op_insns(insns[i].op)) {
            uint32_t at = lo->at[insns[i].start];
            if (at == NO_COPY) continue;
            /* a copy ends where the next one starts */
            size_t end = size;
            for (size_t j = i + op_insns(insns[i].op); j < n; j += op_insns(insns[j].op))
                if (lo->at[insns[j].start] != NO_COPY) {
                    end = lo->at[insns[j].start];
                    break;
                }
            fprintf(f, "%lx %zx wasm[%u] %s\n", (unsigned long)(uintptr_t)(code + at), end - at,
                    func_index, op_names[insns[i].op]);
        }
        if (f) fclose(f);
    }
    pthread_mutex_unlock(&perf_lock);
}

bool hv_inline_function(wasm_module *m, uint32_t func_index, wasm_cell *cells,
                     const wasm_insn *insns, size_t n, bool live) {
    if (!hv_inline_available() || n == 0) return false;
    layout lo;
    lo.cells = cells;
    lo.resolved = live;
    lo.ncells = insns[n - 1].start + 1;
    lo.base = NULL;
    lo.delta = 0;
    lo.at = malloc(lo.ncells * sizeof *lo.at);
    if (!lo.at) return false;
    for (uint32_t c = 0; c < lo.ncells; c++) lo.at[c] = NO_COPY;
    /* A fused run's copy covers its instructions; theirs keep the
     * interpreter's handlers (for a branch or a resume into the run). */
    for (size_t i = 0; i < n; i += op_insns(insns[i].op))
        if (tmpl_of(insns[i].op)) lo.at[insns[i].start] = 0;
    /* pass 1: the length of every copy, hence where each starts */
    size_t size = 0;
    for (size_t i = 0; i < n; i += op_insns(insns[i].op)) {
        uint32_t op = insns[i].op;
        if (!tmpl_of(op)) continue;
        span sp = span_of(insns, n, i);
        lo.at[insns[i].start] = (uint32_t)size;
        size += emit(&lo, NULL, op, &sp);
    }
    uint8_t *rw = NULL;
    uint8_t *code = size ? area_alloc(m, size, &rw) : NULL;
    if (!code) {
        free(lo.at);
        return false;
    }
    /* pass 2: the copies, written through rw */
    lo.base = code;
    lo.delta = code - rw;
    for (size_t i = 0; i < n; i += op_insns(insns[i].op)) {
        uint32_t op = insns[i].op;
        if (!tmpl_of(op)) continue;
        span sp = span_of(insns, n, i);
        size_t here = lo.at[insns[i].start];
        emit(&lo, rw + here, op, &sp);
    }
    /* pass 3, once every copy is written (a live function's other threads
     * may enter any copy as soon as one label points into them): the
     * labels */
    for (size_t i = 0; i < n; i += op_insns(insns[i].op)) {
        if (lo.at[insns[i].start] == NO_COPY) continue;
        __atomic_store_n(&cells[insns[i].start].label, (const void *)(code + lo.at[insns[i].start]),
                         __ATOMIC_RELEASE);
    }
    perf_map(func_index, code, &lo, insns, n, size);
    free(lo.at);
    return true;
}

bool hv_inline_seal(wasm_module *m) {
    (void)m; /* the copies are executable as they are written */
    return true;
}

void hv_inline_free(wasm_module *m) {
    struct wasm_icode *c = m->icode;
    while (c) {
        struct wasm_icode *next = c->next;
        munmap(c->base, c->size);
        munmap(c->rw, c->size);
        free(c);
        c = next;
    }
    m->icode = NULL;
    m->icode_bytes = 0;
    m->icode_used = 0;
}

#else /* !INLINE_SUPPORTED */

bool hv_inline_available(void) { return false; }
void hv_inline_counts(size_t *stubs, size_t *direct) { *stubs = *direct = 0; }
const uint8_t *hv_inline_handler(uint32_t op, size_t *len, bool *falls_through) {
    (void)op;
    (void)len;
    (void)falls_through;
    return NULL;
}
bool hv_inline_function(wasm_module *m, uint32_t func_index, wasm_cell *cells,
                     const wasm_insn *insns, size_t n, bool live) {
    (void)live;
    (void)m;
    (void)func_index;
    (void)cells;
    (void)insns;
    (void)n;
    return false;
}
bool hv_inline_seal(wasm_module *m) {
    (void)m;
    return true;
}
void hv_inline_free(wasm_module *m) { (void)m; }

#endif
