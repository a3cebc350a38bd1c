# mk/wasip2.mk -- WASI 0.2 (src/wasip2, docs/WASIP2.md).
#   make wasi-testsuite-p2   the 72 preview-1 tests of the official suite,
#                            each wrapped into a wasi:cli/command component
#                            with the preview-1 command adapter that jco
#                            ships (jco new T.wasm --wasi-command; the
#                            components go to $(BUILD)/wasi-testsuite-p2/,
#                            made at test time, never committed), run by
#                            `hive run`; expected failures with reasons in
#                            tests/wasi-testsuite/expected-failures-p2.txt
#   make wasip2-unit         the unit tests of the host (tests/unit/test_wasip2.c)
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
	        $(BUILD)/hive "$(WASI_TESTSUITE_DIR)" $(WASI_TESTSUITE_P2_EXPECTED) $(WASI_TESTS); \
	fi
