# mk/lazy.mk -- functions compiled on their first call (docs/ARCHITECTURE.md,
# "Lazy compilation").
#   make lazy-tsan       tests/unit/test_lazy.c (threads racing on the first
#                        calls of one module, among others) with the library
#                        built under ThreadSanitizer, in build/tsan
#   make bench-startup   load + instantiate + run to exit: a small hello, the
#                        largest program of the corpus, and a large real
#                        module from npm (@yowasp/yosys, fetched into
#                        $(BUILD)/startup/ at run time, skipped when offline),
#                        beside native and node; bench/startup.sh
# `make bench` runs bench-startup too (before the suite).

.PHONY: lazy-tsan bench-startup

TSAN_BUILD := build/tsan

lazy-tsan:
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-fsanitize=thread -fno-omit-frame-pointer" $(TSAN_BUILD)/tests/test_lazy
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(TSAN_BUILD)/tests/test_lazy

bench-startup: test-deps
	@$(MAKE) --no-print-directory bench-build corpus-build
	bench/startup.sh $(BUILD)

# (a prerequisite: make runs it before the suite's own recipe)
bench: bench-startup-part
.PHONY: bench-startup-part
bench-startup-part:
	@$(MAKE) --no-print-directory bench-startup

# Compiled code against wasm, per program of the corpus (default size) and
# of the benchmark suite (quick size): HIVE_COMPILE_STATS=1 makes each
# module report when it is freed (src/wasm/module.c; HIVE_FREE_AT_EXIT=1:
# a release `hive run` otherwise exits without freeing). Code is cells,
# inline copies and the instruction lists kept until a function is hot.
.PHONY: lazy-footprint
lazy-footprint: $(BUILD)/hive
	@$(MAKE) --no-print-directory bench-build corpus-build
	@printf '%-10s %6s %8s %10s %10s %10s %9s %9s\n' program funcs compiled body-bytes compiled-b code-bytes 'per byte' 'per compiled byte'
	@for w in $(CORPUS_PROGS:%=$(CORPUS_DIR)/%.wasm) $(BENCH_PROGS_ALL:%=$(BENCH_DIR)/%.wasm); do \
	    case $$w in */fib.wasm) a=24;; */sieve.wasm) a="200000 1";; */sha256.wasm) a=1;; \
	        */matmul.wasm) a="60 1";; */intmix.wasm) a=20;; */strmem.wasm) a=1;; *) a=;; esac; \
	    HIVE_FREE_AT_EXIT=1 HIVE_COMPILE_STATS=1 $(BUILD)/hive run $$w $$a 2>&1 >/dev/null | \
	    awk -v n=$$(basename $$w .wasm) '/^hive: compiled/ { gsub(",", ""); \
	        printf "%-10s %6s %8s %10s %10s %10d %9.3f %9.3f\n", n, $$5, $$3, $$9, $$7, $$13 + $$15 + $$19, \
	            ($$13 + $$15 + $$19) / $$9, ($$13 + $$15 + $$19) / $$7 }'; \
	done
