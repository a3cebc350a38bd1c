# mk/componentextra.mk -- hive's own component-model .wast tests.
#   make component-extra   tests/component/extra/*.wast through
#                          tests/component/run.sh, messages compared too
#                          (HIVE_CSPEC_MESSAGES=1), with
#                          tests/component/extra/known-failures.txt
# Part of `make unit`.

.PHONY: component-extra

unit: component-extra

# (the runner named in full: mk/componentspec.mk, which defines
# COMPONENT_RUNNER, is read after this file)
component-extra: test-deps component-frontend $(BUILD)/tests/component_runner
	@CSPEC_KNOWN=tests/component/extra/known-failures.txt CSPEC_OUT=$(BUILD)/component-extra \
	    HIVE_CSPEC_MESSAGES=1 tests/component/run.sh tests/component/extra/*.wast
