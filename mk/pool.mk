# mk/pool.mk -- the worker pool's deadline tests (issue: deadlines for any guest).
#   make pool-deadline  how precisely a guest is stopped at its deadline
#                       (tests/pool/deadline.c over the guests in tests/pool/*.wat,
#                       --threads 1): p50/p99 of the error and of the stop after
#                       the deadline; POOL_N requests per guest (default 200)
#   make pool-bulk      bulk memory/table operations under small budgets, resumed,
#                       against a model (tests/pool/bulk.c); part of `make unit`
#   make pool-e2e       hive serve: deadlines for bulk-op guests, the queue,
#                       --request-fuel, flags, memory budget, health endpoints
#                       (tests/e2e/pool.sh); part of `make e2e`

POOL_WATS := $(wildcard tests/pool/*.wat)
POOL_GUESTS := $(POOL_WATS:tests/pool/%.wat=$(BUILD)/pool/%.wasm)
POOL_DEADLINE := $(BUILD)/tests/pool_deadline
POOL_N ?= 200

.PHONY: pool-guests pool-deadline pool-e2e pool-bulk

$(BUILD)/pool/%.wasm: tests/pool/%.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@

pool-guests: $(POOL_GUESTS)

$(POOL_DEADLINE): tests/pool/deadline.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

POOL_BULK := $(BUILD)/tests/pool_bulk

$(POOL_BULK): tests/pool/bulk.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

pool-bulk: $(POOL_BULK) $(BUILD)/pool/bulk.wasm
	$(POOL_BULK) $(BUILD)/pool/bulk.wasm

unit: pool-bulk

pool-deadline: test-deps
	@$(MAKE) --no-print-directory all wagi-examples pool-guests $(POOL_DEADLINE)
	$(POOL_DEADLINE) -n $(POOL_N) -d 50 -t 1 $(addprefix $(BUILD)/pool/,spin.wasm fill.wasm copy.wasm grow.wasm table.wasm) \
	    $(BUILD)/examples/wagi/hello.wasm

pool-e2e: test-deps
	@$(MAKE) --no-print-directory all wagi-examples pool-guests $(POOL_DEADLINE)
	HIVE="$(E2E_HIVE)" tests/e2e/pool.sh $(BUILD)

e2e: pool-e2e
