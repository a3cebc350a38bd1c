# mk/simd.mk -- the SIMD guest (bench/simd/, docs/SIMD.md).
#   make simd-test    build bench/simd/blur.c natively, as scalar wasm and as
#                     -msimd128 wasm; check the three outputs are identical
#                     (small size; part of `make test`)
#   make bench-simd   the same at full size, timed side by side (part of
#                     `make bench`)
#                     (SIMD_BENCH_ARGS="SIZE ROUNDS" to change the size)

SIMD_DIR := $(BUILD)/simd
SIMD_NATIVE_CC ?= gcc
SIMD_WASM_CC ?= clang --target=wasm32-wasi
SIMD_PROG_CFLAGS := -std=c11 -O2 -Wall -Wextra
SIMD_BENCH_ARGS ?=
SIMD_BINS := $(SIMD_DIR)/blur.native $(SIMD_DIR)/blur.wasm $(SIMD_DIR)/blur.simd.wasm

.PHONY: simd-test bench-simd simd-build

test: simd-test
bench: bench-simd

simd-build: $(BUILD)/hive $(SIMD_BINS)

simd-test: test-deps
	@$(MAKE) --no-print-directory simd-build
	@bench/simd/run.sh --check $(BUILD) 256 4

bench-simd: test-deps
	@$(MAKE) --no-print-directory simd-build
	bench/simd/run.sh $(BUILD) $(SIMD_BENCH_ARGS)

$(SIMD_DIR)/blur.native: bench/simd/blur.c
	@mkdir -p $(dir $@)
	$(SIMD_NATIVE_CC) $(SIMD_PROG_CFLAGS) $< -o $@

$(SIMD_DIR)/blur.wasm: bench/simd/blur.c
	@mkdir -p $(dir $@)
	$(SIMD_WASM_CC) $(SIMD_PROG_CFLAGS) $< -o $@

$(SIMD_DIR)/blur.simd.wasm: bench/simd/blur.c
	@mkdir -p $(dir $@)
	$(SIMD_WASM_CC) -msimd128 $(SIMD_PROG_CFLAGS) $< -o $@
