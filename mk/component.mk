# mk/component.mk -- the component model's own tests (docs/COMPONENTS.md).
#   make component-cli   `hive run` with a component (tests/componentcli/)
#   make component-bench instantiation and call overhead, component vs core
#                        (also run by make bench)
# build/tests/test_component (make unit) covers the C API; the reference
# .wast suite is `make component-spec` (mk/componentspec.mk).

JCO ?= tools/node_modules/.bin/jco

.PHONY: component-cli component-bench

$(BUILD)/componentcli/%.wasm: tests/componentcli/%.wat
	@mkdir -p $(dir $@)
	$(JCO) parse $< -o $@

# The README's embedding example, built and run against its component.
$(BUILD)/examples/component-greet: examples/component/greet.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-unused-parameter $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

component-cli: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive $(BUILD)/componentcli/echo.wasm \
	    $(BUILD)/componentcli/greet.wasm $(BUILD)/examples/component-greet
	@tests/componentcli/run.sh $(BUILD)/hive $(BUILD)/componentcli/echo.wasm \
	    $(BUILD)/examples/component-greet $(BUILD)/componentcli/greet.wasm

test: component-cli

$(BUILD)/bench/component-bench: bench/component.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

# A C command as a core module and as a component (jco new with its WASI
# preview 1 adapter).
$(BUILD)/bench/comp-hello.core.wasm: bench/component-hello.c
	@mkdir -p $(dir $@)
	clang --target=wasm32-wasi -O2 $< -o $@
$(BUILD)/bench/comp-hello.wasm: $(BUILD)/bench/comp-hello.core.wasm
	$(JCO) new $< --wasi-command -o $@

component-bench: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/bench/component-bench $(BUILD)/componentcli/echo.wasm \
	    $(BUILD)/bench/comp-hello.wasm
	$(BUILD)/bench/component-bench $(BUILD)/componentcli/echo.wasm $(BUILD)/bench/comp-hello.wasm \
	    $(BUILD)/bench/comp-hello.core.wasm

# `make bench` reports the component ratios too.
bench: component-bench
