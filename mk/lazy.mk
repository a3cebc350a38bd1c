# mk/lazy.mk -- functions compiled on their first call (docs/ARCHITECTURE.md,
# "Lazy compilation").
#   make lazy-tsan       tests/unit/test_lazy.c (threads racing on the first
#                        calls of one module, among others) with the library
#                        built under ThreadSanitizer, in build/tsan
#   make bench-startup   load + instantiate + run to exit: a small hello, the
#                        largest program of the corpus, and a large real
#                        module from npm (@yowasp/yosys, fetched into
#                        $(BUILD)/startup/ at run time, skipped when offline),
#                        beside native and node; bench/startup.sh
# `make bench` runs bench-startup after the suite.

.PHONY: lazy-tsan bench-startup

TSAN_BUILD := build/tsan

lazy-tsan:
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-fsanitize=thread -fno-omit-frame-pointer" $(TSAN_BUILD)/tests/test_lazy
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(TSAN_BUILD)/tests/test_lazy
