# hive -- build, test and benchmark.
#   make              build build/hive and build/libhive.a
#   make serve        the main job: build, then serve the hello WAGI app on
#                     127.0.0.1:8080 (mk/serve.mk)
#   make run          build, then run examples/fib.wat through the engine
#   make check        every test: unit tests and the spec suite, then the
#                     same under AddressSanitizer + UndefinedBehaviorSanitizer,
#                     then `make fuzz` (each fuzz target and the differential
#                     test for FUZZ_SECONDS, default 60, each)
#   make test         unit tests, spec suite and end-to-end tests, plain build
#   make spec         the WebAssembly spec suite alone
#   make sanitize     the tests under ASan + UBSan alone (build/san)
#   make install      the library, headers, hive.pc and hive under PREFIX
#                     (mk/install.mk, docs/LIBRARY.md)
# Missing Debian packages are installed by scripts/install-deps.sh: `make
# check`, `make serve` and `make run` install them (install-test-deps);
# `make test` and the other test targets only check (test-deps), naming
# what is missing and how to install it.

BUILD ?= build
CC ?= cc
OPT ?= -O2
SAN ?=
CFLAGS ?= $(OPT) -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# The release build is hardened (stack protector, fortified libc calls, PIE,
# full RELRO; `make harden` checks the result). HARDEN=0 turns it off: the
# sanitizer and fuzzing builds do.
HARDEN ?= 1
ifeq ($(HARDEN),1)
HARDEN_CFLAGS := -fstack-protector-strong -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now
endif
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SAN) $(HARDEN_CFLAGS) -Iinclude -Isrc -MMD -MP -D_GNU_SOURCE
LDLIBS := -lm -lpthread -luv $(HARDEN_LDFLAGS)
# Not the interpreter loop: it calls no libc function fortification could
# check (every guest memory access is bounds-checked explicitly), and with
# it gcc allocates registers worse there (+10% instructions on sha256).
$(BUILD)/src/wasm/interp.o: ALL_CFLAGS += -U_FORTIFY_SOURCE

# Test suites kept outside the repository: found in ../shared/ beside the
# clone (as in CI), or wherever VAR=DIR says. When one is missing, each
# target that needs it prints one line saying what it skipped and how to
# provide it, the rest runs, and `make test` ends with the list (`make
# suites`, mk/suites.mk). A VAR naming a directory that does not exist is an
# error. An mk/*.mk file with a suite of its own adds its variable to SUITES
# and a SUITE_<VAR> description.
SPEC_DIR ?= $(firstword $(wildcard ../shared/wasm-spec-testsuite ../../shared/wasm-spec-testsuite ../wasm-spec-testsuite))
WASI_TESTSUITE_DIR ?= $(firstword $(wildcard ../shared/wasi-testsuite ../../shared/wasi-testsuite ../wasi-testsuite))
COMPONENT_TEST_DIR ?= $(firstword $(wildcard ../shared/component-model/test ../../shared/component-model/test))
SUITES := SPEC_DIR WASI_TESTSUITE_DIR COMPONENT_TEST_DIR
SUITE_SPEC_DIR := the WebAssembly spec suite (make spec, spec-interp, alloc-walk), the .wast files of github.com/WebAssembly/testsuite
SUITE_WASI_TESTSUITE_DIR := the WASI test suite (make wasi-testsuite), a checkout of github.com/WebAssembly/wasi-testsuite with its prebuilt tests
SUITE_COMPONENT_TEST_DIR := the component model's tests (make component-spec), the test/ folder of github.com/WebAssembly/component-model
# The spec runner is built only when there is a suite to run.
SPEC_DEPS = $(if $(wildcard $(SPEC_DIR)/*.wast),$(SPEC_RUNNER))

LIB_SRCS := $(wildcard src/support/*.c src/wasm/*.c src/wasi/*.c src/wasip2/*.c src/wasip3/*.c src/http/*.c src/handler/*.c src/guest/*.c src/component/*.c src/wasihttp/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SPEC_RUNNER := $(BUILD)/tests/spec_runner

CLI_SRCS := $(wildcard src/cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
EXAMPLES := $(patsubst examples/%.wat,$(BUILD)/examples/%.wasm,$(wildcard examples/*.wat))

.PHONY: all deps test-deps install-test-deps check test unit spec spec-interp sanitize clean run examples
all: $(BUILD)/libhive.a $(BUILD)/hive

$(BUILD)/hive: $(CLI_OBJS) $(BUILD)/libhive.a
	$(CC) $(ALL_CFLAGS) $(CLI_OBJS) $(BUILD)/libhive.a -o $@ $(HIVE_LDLIBS)

$(BUILD)/examples/%.wasm: examples/%.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@

examples: test-deps $(EXAMPLES)

# The main job: the bundled example, run through the engine.
run: install-test-deps
	@$(MAKE) --no-print-directory all examples
	$(BUILD)/hive run --invoke fib $(BUILD)/examples/fib.wasm 30
	$(BUILD)/hive run --invoke squares $(BUILD)/examples/fib.wasm 100000000

deps:
	@scripts/install-deps.sh build
test-deps:
	@scripts/install-deps.sh --check test
install-test-deps:
	@scripts/install-deps.sh test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libhive.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

$(SPEC_RUNNER): $(wildcard tests/spec/*.c tests/spec/*.h) $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/spec $(filter %.c,$^) $(BUILD)/libhive.a -o $@ $(LDLIBS)

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; exit $$fail

# (tests/spec/run.sh sets HIVE_TIER=0: every function gets its inline
# copies as it is compiled, so that the suites run them)
spec: test-deps $(SPEC_DEPS)
	@tests/spec/run.sh $(SPEC_RUNNER) "$(SPEC_DIR)" $(BUILD)/spec tests/spec/known-failures.txt

# The spec suite again on the interpreter's own handlers, without the
# inline-threaded copies that hot functions get where they can
# (docs/PERFORMANCE.md, "inline threading"): the path of other machines.
spec-interp: test-deps $(SPEC_DEPS)
	@echo "spec-interp: the spec suite with HIVE_NO_INLINE=1"
	@HIVE_NO_INLINE=1 tests/spec/run.sh $(SPEC_RUNNER) "$(SPEC_DIR)" $(BUILD)/spec-interp \
	    tests/spec/known-failures.txt

test: test-deps
	@$(MAKE) --no-print-directory unit spec spec-interp e2e component-spec e2e-wasihttp
	@$(MAKE) --no-print-directory suites

sanitize: test-deps
	@$(MAKE) --no-print-directory BUILD=build/san CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-DHIVE_FEW_RUNS -DHIVE_ASSERTS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" unit spec e2e

check: install-test-deps
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory sanitize
	@$(MAKE) --no-print-directory fuzz

clean:
	rm -rf build

# Header dependencies, written by -MMD: of the library, the CLI, the unit
# tests (build/tests/test_x.d) and the spec runner.
-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(UNIT_BINS:=.d) $(SPEC_RUNNER).d

# Per-area rules (test guests, extra test suites) live in mk/*.mk.
include $(wildcard mk/*.mk)
