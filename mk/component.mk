# mk/component.mk -- the component model's own tests (docs/COMPONENTS.md).
#   make component-cli   `hive run` with a component (tests/componentcli/)
#   make component-bench instantiation and call overhead, component vs core
# build/tests/test_component (make unit) covers the C API; the reference
# .wast suite is `make component-spec` (mk/componentspec.mk).

JCO ?= tools/node_modules/.bin/jco

.PHONY: component-cli component-bench

$(BUILD)/componentcli/%.wasm: tests/componentcli/%.wat
	@mkdir -p $(dir $@)
	$(JCO) parse $< -o $@

component-cli: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive $(BUILD)/componentcli/echo.wasm
	@tests/componentcli/run.sh $(BUILD)/hive $(BUILD)/componentcli/echo.wasm

test: component-cli
