# mk/wasip3.mk -- WASI 0.3 (src/wasip3, docs/WASIP3.md).
#   make wasi-testsuite-p3   the wasm32-wasip3 tests of the official suite
#                            (cli, clocks, random, filesystem, sockets, http)
#                            through tests/wasi-testsuite/run.py: commands by
#                            `hive run`, wasi:http/service tests by `hive
#                            serve`; expected failures with reasons in
#                            tests/wasi-testsuite/expected-failures-p3.txt
# Variables: WASI_TESTSUITE_DIR, WASI_TESTS, WASI_TESTSUITE_TIMEOUT as for
# make wasi-testsuite.

WASI_TESTSUITE_P3_EXPECTED ?= tests/wasi-testsuite/expected-failures-p3.txt

.PHONY: wasi-testsuite-p3

test: wasi-testsuite-p3

wasi-testsuite-p3: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive
	@if [ -z "$(WASI_TESTSUITE_DIR)" ]; then \
	    echo "wasi-testsuite-p3: SKIPPED: the official WASI test suite is not in ../shared/wasi-testsuite (set WASI_TESTSUITE_DIR=path/to/wasi-testsuite to run it)"; \
	else \
	    tests/wasi-testsuite/run.py --suite wasm32-wasip3 $(BUILD)/hive "$(WASI_TESTSUITE_DIR)" $(WASI_TESTSUITE_P3_EXPECTED) $(WASI_TESTS); \
	fi

# The reactor and pumps' unit test (tests/unit/test_wasip3.c, in make unit)
# drives the async ABI's test guest and its own WASI 0.3 guest.
$(BUILD)/tests/wasip3/guest.wasm: tests/unit/wasip3/guest.wat
	@mkdir -p $(dir $@)
	@test -x $(JCO) || scripts/install-deps.sh test
	WAST_STRICT_COMPONENT_INDICES=1 $(JCO) parse $< -o $@

$(BUILD)/tests/test_wasip3: $(BUILD)/tests/casync/guest.wasm $(BUILD)/tests/wasip3/guest.wasm
