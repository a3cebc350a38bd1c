# mk/wasip2bench.mk -- WASI 0.2 stream throughput beside preview 1
# (bench/wasip2.sh; numbers in docs/WASIP2.md).
#   make wasip2-bench                      100 MB out (pipe, /dev/null) and
#                                          50 MB stdin -> stdout, each as a
#                                          preview-1 module and as a component
#   make wasip2-bench HIVE_BASE=other/hive also another hive's component runs
# Knobs: BENCH_P2_ROUNDS, BENCH_P2_OUT_MB, BENCH_P2_IN_MB.

.PHONY: wasip2-bench

wasip2-bench: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/hive $(BUILD)/wasip2/bigout.wasm $(BUILD)/wasip2/bigout.component.wasm \
	    $(BUILD)/wasip2/echo.wasm $(BUILD)/wasip2/echo.component.wasm
	bench/wasip2.sh $(BUILD)
