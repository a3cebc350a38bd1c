# mk/casync.mk -- the async ABI's unit test (docs/COMPONENTS-ASYNC.md):
# build/tests/test_casync (run by `make unit`) loads its guest component,
# tests/unit/casync/guest.wat, built here with jco parse.

$(BUILD)/tests/casync/guest.wasm: tests/unit/casync/guest.wat
	@mkdir -p $(dir $@)
	@test -x $(JCO) || scripts/install-deps.sh test
	WAST_STRICT_COMPONENT_INDICES=1 $(JCO) parse $< -o $@

$(BUILD)/tests/test_casync: $(BUILD)/tests/casync/guest.wasm
