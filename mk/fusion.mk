# mk/fusion.mk -- fused and unfused code, inline-threaded or not, must
# behave the same.
#   make fusion-diff   runs each benchmark program (bench/progs, at the quick
#                      sizes of bench/run.sh) with `hive run`, with
#                      `hive run --no-fusion`, with `hive run --slice 7`
#                      (suspended and resumed every 7 units of work, inside
#                      and around the runs) and with `hive run --no-inline`
#                      (the interpreter's own handlers), and compares their
#                      output and exit status. `make test` runs it.
#                      (tests/unit/test_fusion.c checks single runs, budgets
#                      and traps.)

.PHONY: fusion-diff

fusion-diff: test-deps
	@$(MAKE) --no-print-directory bench-build
	@fail=0; for p in "fib 24" "sieve 200000 1" "sha256 1" "matmul 60 1" "intmix 20" "strmem 1"; do \
	    set -- $$p; n=$$1; shift; w=$(BENCH_DIR)/$$n.wasm; \
	    a=$$($(BUILD)/hive run $$w "$$@" 2>&1; echo "exit $$?"); \
	    b=$$($(BUILD)/hive run --no-fusion $$w "$$@" 2>&1; echo "exit $$?"); \
	    c=$$($(BUILD)/hive run --slice 7 $$w "$$@" 2>&1; echo "exit $$?"); \
	    d=$$($(BUILD)/hive run --no-inline $$w "$$@" 2>&1; echo "exit $$?"); \
	    if [ "$$a" = "$$b" ] && [ "$$a" = "$$c" ] && [ "$$a" = "$$d" ]; then echo "fusion-diff: $$n: same ($$(echo "$$a" | tail -2 | head -1))"; \
	    else echo "fusion-diff: $$n: DIFFERENT (fused / --no-fusion / fused --slice 7 / --no-inline)"; \
	        echo "$$a" | tail -3; echo "$$b" | tail -3; echo "$$c" | tail -3; echo "$$d" | tail -3; fail=1; fi; \
	done; exit $$fail

test: fusion-diff

# How the runs of opcodes.h were chosen (bench/fusion/README.md):
#   make fusion-select   profiles the training corpus (bench/corpus) and the
#                        benchmark programs on a counting build and prints
#                        the FUSION_RUNS runs that save the most dispatches
#                        on the corpus, with what they save on every program
#                        (a few minutes)
FUSION_RUNS ?= 600
FUSION_MAX_LEN ?= 3
FUSION_MIN_PROGRAMS ?= 3
.PHONY: fusion-profile fusion-select

fusion-profile: test-deps
	@$(MAKE) --no-print-directory bench-build corpus-build
	@bench/fusion/profile.sh $(BUILD) $(BUILD)/fusion-profile

fusion-select: fusion-profile
	@bench/fusion/select.py $(BUILD)/fusion-profile $(FUSION_RUNS) --train "$(CORPUS_PROGS)" \
	    --max-len $(FUSION_MAX_LEN) --min-programs $(FUSION_MIN_PROGRAMS)
