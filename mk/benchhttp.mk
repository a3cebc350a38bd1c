# mk/benchhttp.mk -- the HTTP part of `make bench` (bench/http/run.sh):
# wrk against `hive serve` (hello WAGI app) and a node http server, side by
# side in one run.
.PHONY: bench-http
bench-http: test-deps
	@$(MAKE) --no-print-directory all wagi-examples
	bench/http/run.sh $(BUILD)

bench: bench-http
