# mk/wasihttp3.mk -- wasi:http 0.3 services under `hive serve` (docs/WASIHTTP3.md).
#   make wasihttp3-guests  the guests: examples/wasihttp3-js/service.js built
#                          with componentize-qjs (its WIT world plus the WASI
#                          0.3.0 packages of WASI3_WIT copied beside it), and
#                          tests/wasihttp3/*.wat built with `jco parse`
#   make e2e-wasihttp3     tests/e2e/wasihttp3.py against them (part of make test)
#   make bench-wasihttp3   bench/http/wasihttp3.sh: the 0.3 hello beside the 0.2
#                          hello, and 100 waiting requests on one instance

WASI3_WIT ?= ../shared/wasi-wit/0.3.0
QJS ?= tools/node_modules/.bin/componentize-qjs
JCO ?= tools/node_modules/.bin/jco
W3_JS := $(BUILD)/examples/wasihttp3-js
W3_WAT := $(patsubst tests/wasihttp3/%.wat,$(BUILD)/wasihttp3/%.wasm,$(wildcard tests/wasihttp3/*.wat))

.PHONY: wasihttp3-guests e2e-wasihttp3 bench-wasihttp3

test: e2e-wasihttp3

$(W3_JS)/wit/world.wit: examples/wasihttp3-js/wit/world.wit
	@mkdir -p $(W3_JS)/wit/deps
	@for p in cli clocks filesystem http random sockets; do \
	    rm -rf "$(W3_JS)/wit/deps/$$p"; cp -r "$(WASI3_WIT)/$$p" "$(W3_JS)/wit/deps/$$p"; done
	cp $< $@

$(W3_JS)/service.wasm: examples/wasihttp3-js/service.js $(W3_JS)/wit/world.wit
	@test -x $(QJS) || scripts/install-deps.sh test
	$(QJS) --wit $(W3_JS)/wit --js $< -o $@

$(BUILD)/wasihttp3/%.wasm: tests/wasihttp3/%.wat
	@mkdir -p $(dir $@)
	@test -x $(JCO) || scripts/install-deps.sh test
	WAST_STRICT_COMPONENT_INDICES=1 $(JCO) parse $< -o $@

wasihttp3-guests: $(W3_JS)/service.wasm $(W3_WAT)

e2e-wasihttp3: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive wasihttp3-guests
	HIVE="$(E2E_HIVE)" tests/e2e/wasihttp3.py $(BUILD)

bench-wasihttp3: test-deps
	@$(MAKE) --no-print-directory all http-guests wasihttp3-guests
	bench/http/wasihttp3.sh $(BUILD)

bench: bench-wasihttp3

# the guest kind's unit test (make unit) loads the component-text hello
$(BUILD)/tests/test_wasihttp3: $(BUILD)/wasihttp3/hello.wasm
