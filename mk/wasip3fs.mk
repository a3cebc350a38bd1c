# mk/wasip3fs.mk -- wasi:filesystem@0.3.0 (src/wasip3/fs.c, docs/WASIP3.md).
#   make wasip3-fs-test   the 0.3 filesystem sandbox: a component calling
#                         wasi:filesystem@0.3.0 directly
#                         (tests/wasip3/fs-sandbox.wat, made with jco parse)
#                         tries every way out of its preopen, with openat2
#                         and with the component walk
#                         (tests/wasip3/fs_sandbox.c); part of make test
#                         and the official suite's 14 wasm32-wasip3
#                         filesystem-* tests again with `hive run
#                         --path-walk` (make wasi-testsuite-p3 runs them
#                         with openat2)
#   make wasip3-fs-test-san   the sandbox test under ASan+UBSan; part of
#                         make sanitize

WASIP3FS_TEST := $(BUILD)/wasip3/fs_sandbox

.PHONY: wasip3-fs-test wasip3-fs-test-san

test: wasip3-fs-test

$(WASIP3FS_TEST): tests/wasip3/fs_sandbox.c tests/unit/testutil.h $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

$(BUILD)/wasip3/fs-%.component.wasm: tests/wasip3/fs-%.wat
	@mkdir -p $(dir $@)
	$(JCO) parse $< -o $@

wasip3-fs-test: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive $(WASIP3FS_TEST) $(BUILD)/wasip3/fs-sandbox.component.wasm \
	    $(BUILD)/wasip3/fs-streams.component.wasm
	@$(WASIP3FS_TEST) $(BUILD)/wasip3
	@if [ -z "$(WASI_TESTSUITE_DIR)" ]; then \
	    echo "wasip3-fs-test: the official suite's filesystem tests SKIPPED (no ../shared/wasi-testsuite; set WASI_TESTSUITE_DIR)"; \
	else \
	    tests/wasi-testsuite/run.py --suite wasm32-wasip3 --hive-option --path-walk $(BUILD)/hive \
	        "$(WASI_TESTSUITE_DIR)" $(WASI_TESTSUITE_P3_EXPECTED) filesystem-; \
	fi

wasip3-fs-test-san: test-deps
	@$(MAKE) --no-print-directory BUILD=build/san CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-DHIVE_FEW_RUNS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	    build/san/wasip3/fs_sandbox build/san/wasip3/fs-sandbox.component.wasm build/san/wasip3/fs-streams.component.wasm
	@build/san/wasip3/fs_sandbox build/san/wasip3

sanitize: wasip3-fs-test-san
