/*
 * inline.h -- inline-threaded code: each function's instructions laid out
 * as copies of their interpreter handlers' machine code, back to back
 * (docs/PERFORMANCE.md, "inline threading"). The copies are the
 * interpreter itself, so frames, suspension and traps are unchanged.
 */
#ifndef HIVE_WASM_INLINE_H
#define HIVE_WASM_INLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/module.h"

/* Whether this build and machine can lay out inline code at all (x86-64
 * Linux, threaded interpreter, handlers it can copy, executable memory
 * near the interpreter). Computed once; thread-safe. */
bool hv_inline_available(void);

/* Copies the handlers of one compiled function (func_index in the module's
 * function index space; cells, whose instructions are insns[0..n), in
 * order)
 * into m's code area and points each instruction's first cell at its copy.
 * Instructions whose handler cannot be copied keep the interpreter's
 * label. Returns false (and changes nothing) when there is no room; the
 * function then simply stays interpreted. live: cells are a published
 * function's, which other threads may be running (branch targets are
 * cell pointers; each first cell is re-pointed, atomically, only once
 * every copy is written); otherwise branch targets are still cell
 * indices. */
bool hv_inline_function(wasm_module *m, uint32_t func_index, wasm_cell *cells,
                     const wasm_insn *insns, size_t n, bool live);

/* Makes m's code area executable (and no longer writable); false when
 * the system refuses (the module must then not run). After this,
 * hv_inline_function must not be called for m. */
bool hv_inline_seal(wasm_module *m);

/* Unmaps m's code area. */
void hv_inline_free(wasm_module *m);

/* For tests: the byte range copied for op's handler (NULL when op is not
 * copied), its length, and whether its final jump to the next instruction
 * is dropped. */
const uint8_t *hv_inline_handler(uint32_t op, size_t *len, bool *falls_through);

/* For tests: how many copies of gcc's shared tail `add $k, %rbx; jmp
 * *(%rbx)` were laid out after a branch (its path not taken), and how
 * many dispatches became direct jumps to a copy, so far in the process. */
void hv_inline_counts(size_t *stubs, size_t *direct);

/* For tests: the length of the x86-64 instruction at p as the copier
 * decodes it, or 0 when it does not know the instruction. */
size_t hv_inline_insn_length(const uint8_t *p);

#endif
