# mk/corpus.mk -- the training corpus for the fused runs (bench/corpus/README.md).
#   make corpus-build   build every corpus program natively (gcc -O2) and as
#                       a wasm32-wasi command (clang -O2) into $(BUILD)/corpus/
#   make corpus-check   build them and $(BUILD)/hive, run each program
#                       natively, under `hive run`, and under `hive run
#                       --slice 5` (suspended and resumed every 5 units of
#                       work) at its default size and check the output is
#                       the same byte for byte
# The compilers and flags are the benchmark suite's (mk/bench.mk). -lm only
# satisfies gcc's errno fallback for __builtin_sqrt (nbody, fft, cgsparse,
# odeint, raytrace); no libm function is called.

CORPUS_DIR := $(BUILD)/corpus
CORPUS_PROGS := lz77 json sorts bignum nbody codec hashtab match stackvm pathfind sudoku fmtparse \
    fft lusolve cgsparse odeint chacha hash64 cksum bitboard \
    router template csvagg rbtree lisp sat raytrace lexer
CORPUS_BINS := $(CORPUS_PROGS:%=$(CORPUS_DIR)/%.native) $(CORPUS_PROGS:%=$(CORPUS_DIR)/%.wasm)

.PHONY: corpus-build corpus-check

test: corpus-check

corpus-build: $(CORPUS_BINS)

$(CORPUS_DIR)/%.native: bench/corpus/%.c bench/progs/common.h
	@mkdir -p $(dir $@)
	$(BENCH_NATIVE_CC) $(BENCH_PROG_CFLAGS) $< -o $@ -lm

$(CORPUS_DIR)/%.wasm: bench/corpus/%.c bench/progs/common.h
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) $(BENCH_PROG_CFLAGS) $< -o $@

corpus-check: test-deps $(CORPUS_BINS) $(BUILD)/hive
	@fail=0; for n in $(CORPUS_PROGS); do \
	    a=$$($(CORPUS_DIR)/$$n.native 2>&1; echo "exit $$?"); \
	    b=$$($(BUILD)/hive run $(CORPUS_DIR)/$$n.wasm 2>&1; echo "exit $$?"); \
	    c=$$($(BUILD)/hive run --slice 5 $(CORPUS_DIR)/$$n.wasm 2>&1; echo "exit $$?"); \
	    if [ "$$a" = "$$b" ] && [ "$$a" = "$$c" ]; then echo "corpus-check: $$n: same"; \
	    else echo "corpus-check: $$n: DIFFERENT (native / hive run / hive run --slice 5)"; \
	        echo "--- native"; echo "$$a" | tail -5; echo "--- hive"; echo "$$b" | tail -5; \
	        echo "--- hive --slice 5"; echo "$$c" | tail -5; fail=1; fi; \
	done; \
	if [ $$fail -ne 0 ]; then echo "corpus-check: FAILED: outputs differ"; exit 1; fi
