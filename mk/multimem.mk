# mk/multimem.mk -- the engine's tests of WebAssembly 3.0 features: multi-memory
# and exception handling (docs/MULTI-MEMORY.md).
#   make spec-multi-memory   tests/multi-memory/*.wast through the spec
#                            runner with multi-memory on (spec_runner -3),
#                            tests/multi-memory/known-failures.txt known
# Part of `make unit`. The same files are also run under the sanitizers by
# `make sanitize` (which runs `unit` in build/san).

.PHONY: spec-multi-memory

unit: spec-multi-memory

spec-multi-memory: test-deps $(SPEC_RUNNER)
	@WAST2JSON_FLAGS="--enable-multi-memory --enable-extended-const" SPEC_RUNNER_FLAGS=-3 \
	    tests/spec/run.sh $(SPEC_RUNNER) tests/multi-memory $(BUILD)/spec-multi-memory \
	    tests/multi-memory/known-failures.txt

# Exception handling (tags, throw, try_table): tests/exceptions/*.wast,
# converted by tests/exceptions/wast2json.mjs (wabt's wast2json does not
# read try_table), then run as the spec suite is.
.PHONY: spec-exceptions
unit: spec-exceptions

spec-exceptions: test-deps $(SPEC_RUNNER)
	@for f in tests/exceptions/*.wast; do \
	    node tests/exceptions/wast2json.mjs $$f $(BUILD)/spec-exceptions || exit 1; done
	@SPEC_RUNNER_FLAGS=-3 tests/spec/run.sh $(SPEC_RUNNER) tests/exceptions \
	    $(BUILD)/spec-exceptions tests/exceptions/known-failures.txt
