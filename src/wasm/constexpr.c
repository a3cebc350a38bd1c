/*
 * constexpr.c -- evaluating extended constant expressions (the
 * extended-const proposal, part of WebAssembly 3.0): sequences of
 * i32/i64.const, global.get and i32/i64 add, sub, mul, already validated
 * by validate.c (check_const), whose stack never exceeds
 * WASM_CONST_MAX_DEPTH.
 */
#include "wasm/leb.h"
#include "wasm/module.h"

uint64_t hv_wasm_constexpr_eval(const uint8_t *bytes, const wasm_constexpr *e,
                             wasm_constexpr_global_fn global, void *ctx) {
    uint64_t stack[WASM_CONST_MAX_DEPTH];
    uint32_t sp = 0;
    leb_reader r;
    leb_init(&r, bytes + e->start, e->end - e->start, e->start);
    for (;;) {
        uint8_t op = 0x0b;
        if (leb_byte(&r, &op) != 0 || op == 0x0b) break;
        if (sp == WASM_CONST_MAX_DEPTH && (op == 0x41 || op == 0x42 || op == 0x23))
            return 0; /* validation prevents it */
        switch (op) {
        case 0x41: {
            int32_t x = 0;
            (void)leb_s32(&r, &x);
            stack[sp++] = (uint32_t)x;
            break;
        }
        case 0x42: {
            int64_t x = 0;
            (void)leb_s64(&r, &x);
            stack[sp++] = (uint64_t)x;
            break;
        }
        case 0x23: {
            uint32_t idx = 0;
            (void)leb_u32(&r, &idx);
            stack[sp++] = global ? global(ctx, idx) : 0;
            break;
        }
        default: {
            /* a binary operator: validation saw two operands of its type */
            if (sp < 2) return 0;
            uint64_t b = stack[--sp], a = stack[sp - 1], x;
            switch (op) {
            case 0x6a: x = (uint32_t)((uint32_t)a + (uint32_t)b); break;
            case 0x6b: x = (uint32_t)((uint32_t)a - (uint32_t)b); break;
            case 0x6c: x = (uint32_t)((uint32_t)a * (uint32_t)b); break;
            case 0x7c: x = a + b; break;
            case 0x7d: x = a - b; break;
            case 0x7e: x = a * b; break;
            default: return 0; /* not reached for a validated expression */
            }
            stack[sp - 1] = x;
            break;
        }
        }
    }
    if (sp != 1) return 0;
    return e->type == WASM_I32 ? (uint32_t)stack[0] : stack[0];
}
