# mk/http-guests.mk -- wasi:http 0.2 guests (components) for `hive serve`.
#   make http-guests   build examples/wasihttp/*.c into
#                      $(BUILD)/examples/wasihttp/*.wasm (components)
#   make js-guests     build examples/wasihttp-js/*.js with componentize-js
#                      into $(BUILD)/examples/wasihttp-js/*.wasm (~14 MB and
#                      about a minute each; kept until the source changes)
#   make e2e-wasihttp  serve them over loopback (tests/e2e/wasihttp.sh)
#
# A guest is compiled by clang to a core module (wasm32-unknown-unknown,
# no libc: the canonical-ABI glue is in the source), given its world with
# `jco embed` and made a component with `jco new` (tools/, installed by
# scripts/install-deps.sh). The WIT packages come from WASI_WIT (the WASI
# 0.2.12 interfaces), copied into $(BUILD)/examples/wasihttp/wit/deps.

WASI_WIT ?= ../shared/wasi-wit/0.2.12
HTTP_GUEST_CC ?= clang
HTTP_GUEST_CFLAGS ?= --target=wasm32-unknown-unknown -O2 -Wall -Wextra -nostdlib \
	-Wl,--no-entry -Wl,--export=__heap_base
JCO ?= tools/node_modules/.bin/jco
HTTP_GUEST_SRCS := $(wildcard examples/wasihttp/*.c)
HTTP_GUESTS := $(HTTP_GUEST_SRCS:examples/wasihttp/%.c=$(BUILD)/examples/wasihttp/%.wasm)
HTTP_GUEST_WIT := $(BUILD)/examples/wasihttp/wit

.PHONY: http-guests e2e-wasihttp

$(HTTP_GUEST_WIT)/world.wit: examples/wasihttp/wit/world.wit
	@mkdir -p $(HTTP_GUEST_WIT)/deps
	@for p in cli clocks filesystem http io random sockets; do \
	    rm -rf "$(HTTP_GUEST_WIT)/deps/$$p"; cp -r "$(WASI_WIT)/$$p" "$(HTTP_GUEST_WIT)/deps/$$p"; done
	cp $< $@

$(BUILD)/examples/wasihttp/%.core.wasm: examples/wasihttp/%.c
	@mkdir -p $(dir $@)
	$(HTTP_GUEST_CC) $(HTTP_GUEST_CFLAGS) $< -o $@

$(BUILD)/examples/wasihttp/%.wasm: $(BUILD)/examples/wasihttp/%.core.wasm $(HTTP_GUEST_WIT)/world.wit
	node tools/jco-embed.mjs $< $(HTTP_GUEST_WIT) proxy $(@:.wasm=.embed.wasm)
	$(JCO) new $(@:.wasm=.embed.wasm) -o $@

http-guests: $(HTTP_GUESTS)

# with wasi-libc: a reactor module, made a component with jco's preview-1
# reactor adapter (so it imports the whole of WASI 0.2)
LIBC_GUEST_SRCS := $(wildcard examples/wasihttp-libc/*.c)
LIBC_GUESTS := $(LIBC_GUEST_SRCS:examples/wasihttp-libc/%.c=$(BUILD)/examples/wasihttp-libc/%.wasm)

$(BUILD)/examples/wasihttp-libc/%.core.wasm: examples/wasihttp-libc/%.c
	@mkdir -p $(dir $@)
	$(HTTP_GUEST_CC) --target=wasm32-wasi -mexec-model=reactor -O2 -Wall -Wextra $< -o $@

$(BUILD)/examples/wasihttp-libc/%.wasm: $(BUILD)/examples/wasihttp-libc/%.core.wasm $(HTTP_GUEST_WIT)/world.wit
	node tools/jco-embed.mjs $< $(HTTP_GUEST_WIT) proxy $(@:.wasm=.embed.wasm)
	$(JCO) new $(@:.wasm=.embed.wasm) --wasi-reactor -o $@

.SECONDARY: $(LIBC_GUESTS:.wasm=.core.wasm)

http-guests: $(LIBC_GUESTS)

JS_GUEST_SRCS := $(wildcard examples/wasihttp-js/*.js)
JS_GUESTS := $(JS_GUEST_SRCS:examples/wasihttp-js/%.js=$(BUILD)/examples/wasihttp-js/%.wasm)

$(BUILD)/examples/wasihttp-js/%.wasm: examples/wasihttp-js/%.js tools/componentize.mjs
	@mkdir -p $(dir $@)
	node tools/componentize.mjs $< $(WASI_WIT) $@

.PHONY: js-guests
js-guests: $(JS_GUESTS)

e2e-wasihttp: test-deps
	@$(MAKE) --no-print-directory all http-guests js-guests wagi-examples
	HIVE="$(E2E_HIVE)" tests/e2e/wasihttp.sh $(BUILD)
.SECONDARY: $(HTTP_GUESTS:.wasm=.core.wasm)

# wrk: the C hello component with and without reuse beside WAGI, node and nginx
.PHONY: bench-wasihttp
bench-wasihttp: test-deps
	@$(MAKE) --no-print-directory all http-guests js-guests wagi-examples
	bench/http/wasihttp.sh $(BUILD)

bench: bench-wasihttp
