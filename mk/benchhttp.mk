# mk/benchhttp.mk -- the HTTP part of `make bench` (bench/http/run.sh):
# wrk against `hive serve` (hello WAGI app; the C wasi:http hello with and
# without reuse) beside node and nginx, side by
# side in one run.
.PHONY: bench-http
bench-http: test-deps
	@$(MAKE) --no-print-directory all wagi-examples http-guests
	bench/http/run.sh $(BUILD)

bench: bench-http
