# mk/wasip2.mk -- WASI 0.2 (src/wasip2, docs/WASIP2.md).
#   make wasi-testsuite-p2   the 72 preview-1 tests of the official suite,
#                            each wrapped into a wasi:cli/command component
#                            with the preview-1 command adapter that jco
#                            ships (jco new T.wasm --wasi-command; the
#                            components go to $(BUILD)/wasi-testsuite-p2/,
#                            made at test time, never committed), run by
#                            `hive run` (paths by openat2, then again by the
#                            component walk); expected failures with reasons in
#                            tests/wasi-testsuite/expected-failures-p2.txt
#   make wasip2-test         `hive run` of command components end to end
#                            (tests/wasip2/run.sh), and the host API under
#                            pipes, embedder streams and sockets
#                            (tests/wasip2/host.c); part of make test
#   make wasip2-test-san     the same under ASan+UBSan; part of make sanitize
# Variables: WASI_TESTSUITE_DIR, WASI_TESTS, WASI_TESTSUITE_TIMEOUT as for
# make wasi-testsuite; JCO (default tools/node_modules/.bin/jco).

JCO ?= tools/node_modules/.bin/jco
WASI_TESTSUITE_P2_EXPECTED ?= tests/wasi-testsuite/expected-failures-p2.txt

.PHONY: wasi-testsuite-p2

test: wasi-testsuite-p2

wasi-testsuite-p2: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive
	@if [ -z "$(WASI_TESTSUITE_DIR)" ]; then \
	    echo "wasi-testsuite-p2: skipped: the official WASI test suite is not in ../shared/wasi-testsuite (set WASI_TESTSUITE_DIR=path/to/wasi-testsuite to run it)"; \
	else \
	    tests/wasi-testsuite/run.py --wrap-component $(JCO) $(BUILD)/wasi-testsuite-p2 \
	        $(BUILD)/hive "$(WASI_TESTSUITE_DIR)" $(WASI_TESTSUITE_P2_EXPECTED) $(WASI_TESTS) && \
	    tests/wasi-testsuite/run.py --wrap-component $(JCO) $(BUILD)/wasi-testsuite-p2 \
	        --hive-option --path-walk \
	        $(BUILD)/hive "$(WASI_TESTSUITE_DIR)" $(WASI_TESTSUITE_P2_EXPECTED) $(WASI_TESTS); \
	fi

# End to end: preview-1 programs (tests/wasi/{hello,trap,echo}.c and
# tests/wasip2/*.c) wrapped into command components, run by `hive run`
# (tests/wasip2/run.sh).
WASIP2_PROG_SRCS := $(filter-out tests/wasip2/host.c,$(wildcard tests/wasip2/*.c))
WASIP2_COMPONENTS := $(patsubst %,$(BUILD)/wasip2/%.component.wasm,hello trap echo \
    $(patsubst tests/wasip2/%.c,%,$(WASIP2_PROG_SRCS)))
WASIP2_HOST := $(BUILD)/wasip2/host
WASIP2_RAW := $(BUILD)/wasip2/raw.component.wasm $(BUILD)/wasip2/net.component.wasm

.PHONY: wasip2-test

test: wasip2-test

$(BUILD)/wasip2/%.wasm: tests/wasip2/%.c
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) $< -o $@

$(BUILD)/wasip2/%.wasm: $(BUILD)/wasi/%.wasm
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/wasip2/%.component.wasm: $(BUILD)/wasip2/%.wasm
	$(JCO) new $< --wasi-command -o $@

$(WASIP2_HOST): tests/wasip2/host.c tests/unit/testutil.h $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

$(BUILD)/wasip2/%.component.wasm: tests/wasip2/%.wat
	@mkdir -p $(dir $@)
	$(JCO) parse $< -o $@

.SECONDARY: $(WASIP2_COMPONENTS:%.component.wasm=%.wasm)

wasip2-test: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive $(WASIP2_HOST) $(WASIP2_COMPONENTS) $(WASIP2_RAW)
	@tests/wasip2/run.sh $(BUILD)/hive $(BUILD)/wasip2
	@$(WASIP2_HOST) $(BUILD)/wasip2

# The same under AddressSanitizer and UndefinedBehaviorSanitizer (make sanitize).
.PHONY: wasip2-test-san
wasip2-test-san:
	@$(MAKE) --no-print-directory BUILD=build/san CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-DHIVE_FEW_RUNS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" wasip2-test

sanitize: wasip2-test-san
