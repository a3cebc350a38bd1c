# mk/bench.mk -- the benchmark suite (docs/BENCHMARKS.md).
#   make bench                 build everything, run the suite (a few minutes)
#   make bench BENCH_QUICK=1   smoke mode: tiny sizes, one round (seconds)
# Programs in bench/progs/*.c are built twice: natively with gcc -O2 and as
# wasm32-wasi commands with clang -O2, into $(BUILD)/bench/. Other knobs
# (BENCH_ROUNDS, BENCH_PROGS, ...) are read by bench/run.sh.

BENCH_DIR := $(BUILD)/bench
BENCH_PROGS_ALL := fib sieve sha256 matmul intmix strmem hello
BENCH_NATIVE_CC ?= gcc
BENCH_WASM_CC ?= clang --target=wasm32-wasi
# -ffp-contract=off: no fused multiply-add anywhere, so f64 results are
# bit-identical natively and in wasm.
BENCH_PROG_CFLAGS := -std=c11 -O2 -Wall -Wextra -ffp-contract=off
BENCH_BINS := $(BENCH_PROGS_ALL:%=$(BENCH_DIR)/%.native) $(BENCH_PROGS_ALL:%=$(BENCH_DIR)/%.wasm) \
    $(BENCH_DIR)/timeit $(BENCH_DIR)/instantiate

.PHONY: bench bench-build

bench: test-deps
	@$(MAKE) --no-print-directory bench-build
	bench/run.sh $(BUILD)

bench-build: all $(BENCH_BINS)

$(BENCH_DIR)/%.native: bench/progs/%.c bench/progs/common.h
	@mkdir -p $(dir $@)
	$(BENCH_NATIVE_CC) $(BENCH_PROG_CFLAGS) $< -o $@

$(BENCH_DIR)/%.wasm: bench/progs/%.c bench/progs/common.h
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) $(BENCH_PROG_CFLAGS) $< -o $@

$(BENCH_DIR)/timeit: bench/timeit.c
	@mkdir -p $(dir $@)
	$(BENCH_NATIVE_CC) -std=c11 -O2 -Wall -Wextra $< -o $@

$(BENCH_DIR)/instantiate: bench/instantiate.c include/hive/wasm.h $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra $(SAN) -Iinclude $< $(BUILD)/libhive.a -o $@ $(LDLIBS)
