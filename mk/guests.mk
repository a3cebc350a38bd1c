# mk/guests.mk -- component guests built by today's JavaScript compilers
# (docs/GUESTS.md), and the engine's tests beyond the 2.0 spec suite.
#   make guests-test   tests/guests/run.sh: componentize-qjs and
#                      componentize-js (npm, in tools/) build a wasi:cli
#                      command and a string-function library from
#                      tests/guests/*.js at test time (into
#                      $(BUILD)/guests, remade when a source changes; never
#                      committed); `hive run` and `hive run --invoke` run
#                      them and their output is checked. Part of make test
#                      (about 20 s from scratch, offline after install-deps)
#   make spec-extra    tests/spec-extra/*.wast through the spec runner
#                      (wast2json --enable-extended-const): the
#                      extended-const proposal. Part of make unit
#   make bench-guests  startup (first call) time and peak RSS of the
#                      componentize-js guests under hive and under
#                      `jco run` (node), side by side (tests/guests/bench.sh)

.PHONY: guests-test spec-extra bench-guests

GUESTS_TOOLS ?= tools/node_modules

test: guests-test
unit: spec-extra

guests-test: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive
	@tests/guests/run.sh $(BUILD)/hive $(GUESTS_TOOLS) $(BUILD)/guests

spec-extra: test-deps $(SPEC_RUNNER)
	@WAST2JSON_FLAGS=--enable-extended-const tests/spec/run.sh $(SPEC_RUNNER) tests/spec-extra \
	    $(BUILD)/spec-extra tests/spec-extra/known-failures.txt

bench-guests: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive
	@tests/guests/run.sh $(BUILD)/hive $(GUESTS_TOOLS) $(BUILD)/guests >/dev/null
	@tests/guests/bench.sh $(BUILD)/hive $(GUESTS_TOOLS) $(BUILD)/guests
