# mk/wasi-testsuite.mk -- the official WASI test suite (WebAssembly/wasi-testsuite)
# through `hive run` (tests/wasi-testsuite/run.py, docs/WASI.md).
#   make wasi-testsuite   the preview-1 tests (C, Rust, AssemblyScript), with
#                         paths resolved by openat2 and again by the component
#                         walk (hive run --path-walk), and a third time
#                         with the Rust tests asking for the Unix errno where
#                         they accept several (ERRNO_MODE_UNIX=1); part of
#                         `make test`.
#                         First the runner's own check on a small made-up
#                         suite (tests/wasi-testsuite/selftest.sh).
# Variables:
#   WASI_TESTSUITE_DIR       the suite's checkout (default ../shared/wasi-testsuite
#                            when it exists; without it the target says so on
#                            one line and skips)
#   WASI_TESTSUITE_SUITES    test directories to run (default wasm32-wasip1;
#                            wasm32-wasip3 holds the component tests)
#   WASI_TESTS               run only the tests whose id contains one of
#                            these words, e.g. WASI_TESTS="path_open readdir"
#   WASI_TESTSUITE_TIMEOUT   seconds per test (default 60)

WASI_TESTSUITE_DIR ?= $(firstword $(wildcard ../shared/wasi-testsuite ../../shared/wasi-testsuite))
WASI_TESTSUITE_SUITES ?= wasm32-wasip1
WASI_TESTSUITE_EXPECTED ?= tests/wasi-testsuite/expected-failures.txt
WASI_TESTS ?=

.PHONY: wasi-testsuite

test: wasi-testsuite

wasi-testsuite: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive
	@tests/wasi-testsuite/selftest.sh $(BUILD)/hive $(BUILD)/wasi-testsuite-selftest
	@if [ -z "$(WASI_TESTSUITE_DIR)" ]; then \
	    echo "wasi-testsuite: skipped: the official WASI test suite is not in ../shared/wasi-testsuite (set WASI_TESTSUITE_DIR=path/to/wasi-testsuite to run it)"; \
	else \
	    tests/wasi-testsuite/run.py $(foreach s,$(WASI_TESTSUITE_SUITES),--suite $(s)) \
	        $(BUILD)/hive "$(WASI_TESTSUITE_DIR)" $(WASI_TESTSUITE_EXPECTED) $(WASI_TESTS) && \
	    tests/wasi-testsuite/run.py $(foreach s,$(WASI_TESTSUITE_SUITES),--suite $(s)) \
	        --hive-option --path-walk \
	        $(BUILD)/hive "$(WASI_TESTSUITE_DIR)" $(WASI_TESTSUITE_EXPECTED) $(WASI_TESTS) && \
	    tests/wasi-testsuite/run.py $(foreach s,$(WASI_TESTSUITE_SUITES),--suite $(s)) \
	        --lang rust --guest-env ERRNO_MODE_UNIX=1 \
	        $(BUILD)/hive "$(WASI_TESTSUITE_DIR)" $(WASI_TESTSUITE_EXPECTED) $(WASI_TESTS); \
	fi
