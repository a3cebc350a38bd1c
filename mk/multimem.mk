# mk/multimem.mk -- the engine's multi-memory tests (docs/MULTI-MEMORY.md).
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
