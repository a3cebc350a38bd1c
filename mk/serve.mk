# mk/serve.mk -- `hive serve`: the WAGI example apps and the end-to-end tests.
#   make wagi-examples  build examples/wagi/*.c into $(BUILD)/examples/wagi/*.wasm
#   make serve          build everything, then serve the hello app on
#                       127.0.0.1:8080 (Ctrl-C stops it gracefully)
#   make e2e            hive serve over loopback with real clients
#                       (tests/e2e/run.sh: curl and tests/e2e/client.c);
#                       E2E_HIVE picks another hive binary to test

WAGI_CC ?= clang
WAGI_CFLAGS ?= --target=wasm32-wasi -O2 -Wall -Wextra
WAGI_SRCS := $(wildcard examples/wagi/*.c)
WAGI_APPS := $(WAGI_SRCS:examples/wagi/%.c=$(BUILD)/examples/wagi/%.wasm)
E2E_CLIENT := $(BUILD)/tests/e2e_client
E2E_HIVE ?= $(BUILD)/hive

.PHONY: wagi-examples serve e2e

$(BUILD)/examples/wagi/%.wasm: examples/wagi/%.c
	@mkdir -p $(dir $@)
	$(WAGI_CC) $(WAGI_CFLAGS) $< -o $@

wagi-examples: $(WAGI_APPS)

$(E2E_CLIENT): tests/e2e/client.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(SAN) -D_GNU_SOURCE $< -o $@

serve: install-test-deps
	@$(MAKE) --no-print-directory all wagi-examples
	$(BUILD)/hive serve $(BUILD)/examples/wagi/hello.wasm

e2e: test-deps
	@$(MAKE) --no-print-directory all wagi-examples $(E2E_CLIENT)
	HIVE="$(E2E_HIVE)" tests/e2e/run.sh $(BUILD)
