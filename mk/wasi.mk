# mk/wasi.mk -- WASI preview 1: test guests, the example program, tests.
#   make wasi-guests   build the C test guests into $(BUILD)/wasi/*.wasm
#   make wasi-test     `hive run` end to end (tests/wasi/run.sh): exit codes,
#                      traps, flags, the sandbox from the command line, and
#                      examples/wasi/ against its native build
# The unit test build/tests/test_wasi (run by `make unit`, and under
# ASan+UBSan by `make sanitize`) needs the guests.

WASI_CC ?= clang
WASI_CFLAGS ?= --target=wasm32-wasi -O2 -Wall -Wextra
WASI_GUEST_SRCS := $(wildcard tests/wasi/*.c)
WASI_GUESTS := $(WASI_GUEST_SRCS:tests/wasi/%.c=$(BUILD)/wasi/%.wasm)
WASI_EXAMPLE_SRCS := $(wildcard examples/wasi/*.c)

.PHONY: wasi-guests wasi-test

$(BUILD)/wasi/%.wasm: tests/wasi/%.c tests/wasi/guest.h
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) $< -o $@

# Linked without -O so that clang does not run wasm-opt, which would inline
# the functions and drop the name section that trap backtraces show.
$(BUILD)/wasi/trap.wasm: tests/wasi/trap.c
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) -c $< -o $@.o
	$(WASI_CC) --target=wasm32-wasi $@.o -o $@

# A reactor: _initialize and exports, no _start.
$(BUILD)/wasi/reactor.wasm: tests/wasi/reactor.c
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) -mexec-model=reactor $< -o $@

# The example program, for WASI and natively (its output must match).
# wasm-ld's default C stack is 64 KiB, placed above the data: a deep
# recursion would silently overwrite static data. Give the recursive
# evaluator the 8 MiB a native thread has, below the data, so that an
# overflow traps instead.
$(BUILD)/wasi/example.wasm: $(WASI_EXAMPLE_SRCS) $(wildcard examples/wasi/*.h)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) $(WASI_EXAMPLE_SRCS) -o $@ \
	    -Wl,-z,stack-size=8388608 -Wl,--stack-first
$(BUILD)/wasi/example-native: $(WASI_EXAMPLE_SRCS) $(wildcard examples/wasi/*.h)
	@mkdir -p $(dir $@)
	gcc -O2 -Wall -Wextra $(WASI_EXAMPLE_SRCS) -o $@ -lm

wasi-guests: $(WASI_GUESTS)

$(BUILD)/tests/test_wasi: private ALL_CFLAGS += -DWASI_GUEST_DIR='"$(BUILD)/wasi"'
unit: wasi-guests

# `make test` (and so `make check`) runs it too.
test: wasi-test

wasi-test: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive wasi-guests $(BUILD)/wasi/example.wasm $(BUILD)/wasi/example-native
	@tests/wasi/run.sh $(BUILD)/hive $(BUILD)/wasi
