# mk/guests.mk -- component guests built by today's JavaScript compilers
# (docs/GUESTS.md), and the engine's tests beyond the 2.0 spec suite.
#   make guests-test   tests/guests/run.sh: componentize-qjs and
#                      componentize-js (npm, in tools/) build a wasi:cli
#                      command and a string-function library from
#                      tests/guests/*.js at test time (into build/guests,
#                      GUESTS_OUT, shared by every BUILD; remade when a
#                      source changes; never committed); `hive run` and
#                      `hive run --invoke` run them and their output is
#                      checked. Part of make test (about 20 s from scratch,
#                      offline after install-deps)
#   make guests-test-san  the same with the ASan+UBSan hive; part of make
#                      sanitize
#   make spec-extra    tests/spec-extra/*.wast through the spec runner
#                      (wast2json --enable-extended-const): the
#                      extended-const proposal. Part of make unit
#   make bench-guests  startup (first call) time and peak RSS of the
#                      componentize-js guests under hive and under
#                      `jco run` (node), side by side (tests/guests/bench.sh);
#                      part of make bench

.PHONY: guests-test guests-test-san spec-extra bench-guests

GUESTS_TOOLS ?= tools/node_modules
GUESTS_OUT ?= build/guests

test: guests-test
unit: spec-extra
sanitize: guests-test-san
bench: bench-guests

guests-test: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive
	@tests/guests/run.sh $(BUILD)/hive $(GUESTS_TOOLS) $(GUESTS_OUT)

guests-test-san:
	@$(MAKE) --no-print-directory BUILD=build/san CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-DHIVE_FEW_RUNS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" guests-test

spec-extra: test-deps $(SPEC_RUNNER)
	@WAST2JSON_FLAGS=--enable-extended-const tests/spec/run.sh $(SPEC_RUNNER) tests/spec-extra \
	    $(BUILD)/spec-extra tests/spec-extra/known-failures.txt

bench-guests: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive
	@tests/guests/run.sh $(BUILD)/hive $(GUESTS_TOOLS) $(GUESTS_OUT) >/dev/null
	@tests/guests/bench.sh $(BUILD)/hive $(GUESTS_TOOLS) $(GUESTS_OUT)
