# hive -- build, test and benchmark.
#   make              build build/hive and build/libhive.a
#   make check        every test: unit tests and the spec suite, then the
#                     same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test         unit tests and spec suite, plain build only
#   make spec         the WebAssembly spec suite alone
#   make sanitize     the tests under ASan + UBSan alone (build/san)
# Missing Debian packages are installed by scripts/install-deps.sh.

BUILD ?= build
CC ?= cc
OPT ?= -O2
SAN ?=
CFLAGS ?= $(OPT) -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SAN) -Iinclude -Isrc -MMD -MP -D_GNU_SOURCE
LDLIBS := -lm -lpthread

SPEC_DIR ?= $(firstword $(wildcard ../shared/wasm-spec-testsuite ../../shared/wasm-spec-testsuite ../wasm-spec-testsuite))

LIB_SRCS := $(wildcard src/support/*.c src/wasm/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SPEC_RUNNER := $(BUILD)/tests/spec_runner

.PHONY: all deps test-deps check test unit spec sanitize clean
all: $(BUILD)/libhive.a

deps:
	@scripts/install-deps.sh build
test-deps:
	@scripts/install-deps.sh test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libhive.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testutil.h $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

$(SPEC_RUNNER): $(wildcard tests/spec/*.c tests/spec/*.h) $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/spec $(filter %.c,$^) $(BUILD)/libhive.a -o $@ $(LDLIBS)

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; exit $$fail

spec: test-deps $(SPEC_RUNNER)
	@tests/spec/run.sh $(SPEC_RUNNER) "$(SPEC_DIR)" $(BUILD)/spec tests/spec/known-failures.txt

test: test-deps
	@$(MAKE) --no-print-directory unit spec

sanitize: test-deps
	@$(MAKE) --no-print-directory BUILD=build/san CC=clang OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" unit spec

check: test-deps
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory sanitize

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d)
