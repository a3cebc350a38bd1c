# mk/componentextra.mk -- hive's own component-model .wast tests.
#   make component-extra   tests/component/extra/*.wast through
#                          tests/component/run.sh, messages compared too
#                          (HIVE_CSPEC_MESSAGES=1), with
#                          tests/component/extra/known-failures.txt
# Part of `make unit`.

.PHONY: component-extra

unit: component-extra

component-extra: test-deps $(COMPONENT_RUNNER)
	@CSPEC_KNOWN=tests/component/extra/known-failures.txt CSPEC_OUT=$(BUILD)/component-extra \
	    HIVE_CSPEC_MESSAGES=1 tests/component/run.sh tests/component/extra/*.wast
