# mk/wasip3net.mk -- wasi:sockets@0.3.0 (src/wasip3/sockets.c, docs/WASIP3.md
# "wasi:sockets"). Its unit test, tests/unit/test_wasip3_net.c (in make
# unit), drives the guest tests/unit/wasip3/net.wat through the permission
# rules; the sockets-* tests of make wasi-testsuite-p3 cover the rest.
$(BUILD)/tests/wasip3/net.wasm: tests/unit/wasip3/net.wat
	@mkdir -p $(dir $@)
	@test -x $(JCO) || scripts/install-deps.sh test
	WAST_STRICT_COMPONENT_INDICES=1 $(JCO) parse $< -o $@

$(BUILD)/tests/test_wasip3_net: $(BUILD)/tests/wasip3/net.wasm
