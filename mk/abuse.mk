# mk/abuse.mk -- `hive serve` under attack (tests/e2e/abuse.py), loopback only.
#   make abuse        every attack against a local server (a few minutes):
#                     slow bodies (1,000 connections from one address, with
#                     and without the per-address limit), bodies that start
#                     fast then drip, slow heads, a 5,000-connection storm,
#                     slow readers, oversized chunked bodies, the minimum
#                     body rate, the per-address limit. Fails on any
#                     regression; prints the figures docs/HTTP.md quotes.
#                     ABUSE_P99_MS (default 50) bounds the normal client's
#                     p99 latency during each attack; ABUSE_HIVE tests
#                     another binary.
# The fast subset (`abuse.py --fast`, ~20 s) runs in `make e2e`.

ABUSE_P99_MS ?= 50
ABUSE_HIVE ?= $(BUILD)/hive

.PHONY: abuse

abuse: test-deps
	@$(MAKE) --no-print-directory all wagi-examples
	python3 tests/e2e/abuse.py --hive "$(ABUSE_HIVE)" --apps $(BUILD)/examples/wagi \
	    --p99-ms $(ABUSE_P99_MS)
