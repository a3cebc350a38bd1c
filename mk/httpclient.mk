# mk/httpclient.mk -- outgoing HTTP (src/httpclient: libcurl's multi
# interface on a libuv loop, docs/OUTBOUND.md), part of libhive.
#   make e2e-outbound   wasi:http guests making outgoing requests to local
#                       HTTP/1.1 and HTTP/2 servers (tests/e2e/outbound.sh)
#   make e2e-outbound-san  the same with hive under ASan + UBSan (make sanitize)
#   make bench-outbound a proxying guest beside direct requests to the
#                       same upstream (bench/http/outbound.sh)

HTTPCLIENT_SRCS := $(wildcard src/httpclient/*.c)
HTTPCLIENT_OBJS := $(HTTPCLIENT_SRCS:%.c=$(BUILD)/%.o)
LIB_SRCS += $(HTTPCLIENT_SRCS)
LIB_OBJS += $(HTTPCLIENT_OBJS)
LDLIBS += -ldl
$(BUILD)/libhive.a: $(HTTPCLIENT_OBJS)
-include $(HTTPCLIENT_OBJS:.o=.d)

.PHONY: e2e-outbound bench-outbound
e2e-outbound: test-deps
	@$(MAKE) --no-print-directory all http-guests wagi-examples $(BUILD)/examples/wasihttp-js/hello.wasm \
	    $(BUILD)/tests/outbound/cmd.wasm
	HIVE="$(E2E_HIVE)" tests/e2e/outbound.sh $(BUILD)

bench-outbound: test-deps
	@$(MAKE) --no-print-directory all http-guests $(BUILD)/wasihttp3/proxy.wasm
	bench/http/outbound.sh $(BUILD)

# tests/outbound/cmd.c: a wasi:cli command making an outgoing request, for
# `hive run --allow-outbound` (world tests/outbound/world.wit, the WASI WIT
# packages as for the wasi:http examples)
OUTBOUND_CMD := $(BUILD)/tests/outbound/cmd.wasm
$(BUILD)/tests/outbound/wit/world.wit: tests/outbound/world.wit $(HTTP_GUEST_WIT)/world.wit
	@mkdir -p $(dir $@)
	rm -rf $(dir $@)deps && cp -r $(HTTP_GUEST_WIT)/deps $(dir $@)deps
	cp $< $@
$(BUILD)/tests/outbound/cmd.core.wasm: tests/outbound/cmd.c
	@mkdir -p $(dir $@)
	$(HTTP_GUEST_CC) $(HTTP_GUEST_CFLAGS) $< -o $@
$(OUTBOUND_CMD): $(BUILD)/tests/outbound/cmd.core.wasm $(BUILD)/tests/outbound/wit/world.wit
	node tools/jco-embed.mjs $< $(BUILD)/tests/outbound/wit cmd $(@:.wasm=.embed.wasm)
	$(JCO) new $(@:.wasm=.embed.wasm) -o $@

test: e2e-outbound

# The e2e tests again with hive built with AddressSanitizer and
# UndefinedBehaviorSanitizer (make sanitize; the guests are the plain
# build's). The unit test (tests/unit/test_httpclient.c) runs in make unit.
.PHONY: e2e-outbound-san
e2e-outbound-san:
	@$(MAKE) --no-print-directory all http-guests wagi-examples $(BUILD)/examples/wasihttp-js/hello.wasm \
	    $(BUILD)/tests/outbound/cmd.wasm
	@$(MAKE) --no-print-directory BUILD=build/san CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-DHIVE_FEW_RUNS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" build/san/hive
	HIVE=build/san/hive tests/e2e/outbound.sh $(BUILD)

sanitize: e2e-outbound-san

bench: bench-outbound
