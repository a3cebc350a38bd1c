# mk/httpclient.mk -- outgoing HTTP (src/httpclient: libcurl's multi
# interface on a libuv loop, docs/OUTBOUND.md), part of libhive.
#   make e2e-outbound   wasi:http guests making outgoing requests to local
#                       HTTP/1.1 and HTTP/2 servers (tests/e2e/outbound.sh)
#   make bench-outbound a proxying guest beside direct requests to the
#                       same upstream (bench/http/outbound.sh)

HTTPCLIENT_SRCS := $(wildcard src/httpclient/*.c)
HTTPCLIENT_OBJS := $(HTTPCLIENT_SRCS:%.c=$(BUILD)/%.o)
LIB_SRCS += $(HTTPCLIENT_SRCS)
LIB_OBJS += $(HTTPCLIENT_OBJS)
LDLIBS += -lcurl
$(BUILD)/libhive.a: $(HTTPCLIENT_OBJS)
-include $(HTTPCLIENT_OBJS:.o=.d)

.PHONY: e2e-outbound bench-outbound
e2e-outbound: test-deps
	@$(MAKE) --no-print-directory all http-guests
	HIVE="$(E2E_HIVE)" tests/e2e/outbound.sh $(BUILD)

bench-outbound: test-deps
	@$(MAKE) --no-print-directory all http-guests
	bench/http/outbound.sh $(BUILD)
