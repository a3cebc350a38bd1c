# mk/componentspec.mk -- the component model's reference tests.
#   make component-spec        every .wast of $(CSPEC_DIR) through
#                              tests/component/run.sh (nyi.txt skipped,
#                              tests/component/known-failures.txt known)
#   make component-frontend    the tests of the harness alone: the .wast
#                              front end (tests/component/wast2json.test.mjs)
#                              and run.sh's bookkeeping (test_run.sh)
# CSPEC_FILES="values/strings.wast ..." runs those files only.
# docs/COMPONENTS-TESTING.md describes the harness.

CSPEC_DIR ?= $(COMPONENT_TEST_DIR)
COMPONENT_RUNNER := $(BUILD)/tests/component_runner

.PHONY: component-spec component-frontend

$(COMPONENT_RUNNER): tests/component/runner.c tests/spec/json.c tests/spec/json.h $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/spec tests/component/runner.c tests/spec/json.c $(BUILD)/libhive.a -o $@ $(LDLIBS)

component-frontend: test-deps
	@node --test tests/component/wast2json.test.mjs >$(BUILD)/component-frontend.txt 2>&1 \
	    || { cat $(BUILD)/component-frontend.txt; exit 1; }
	@awk '/^# pass/ { p = $$3 } /^# fail/ { f = $$3 } END { printf "component-frontend: %d passed, %d failed\n", p, f }' \
	    $(BUILD)/component-frontend.txt
	@tests/component/test_run.sh

component-spec: test-deps component-frontend $(COMPONENT_RUNNER)
	@if [ -z "$(CSPEC_DIR)" ]; then \
	    echo "component-spec: skipped: the component model's tests are not in ../shared/component-model/test (set COMPONENT_TEST_DIR=path/to/component-model/test to run them)"; \
	    exit 0; fi; \
	CSPEC_RUNNER=$(COMPONENT_RUNNER) CSPEC_OUT=$(BUILD)/component-spec tests/component/run.sh \
	    $(if $(CSPEC_FILES),$(addprefix $(CSPEC_DIR)/,$(CSPEC_FILES)),$$(find $(CSPEC_DIR) -name '*.wast' | sort))
