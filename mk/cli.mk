# mk/cli.mk -- the command line's conventions (tests/cli/run.sh).
#   make cli-test   `hive --version`/`hive version`, help with exit 0, bad
#                   usage with exit 2 and one line, and `hive serve`'s first
#                   stderr line giving http://HOST:PORT/ with the bound port;
#                   `make test` runs it

.PHONY: cli-test

cli-test: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive $(BUILD)/examples/wagi/hello.wasm
	@tests/cli/run.sh $(BUILD)/hive $(BUILD)/examples/wagi/hello.wasm

test: cli-test
