# mk/perf.mk -- the request path of `hive serve` (docs/PERFORMANCE.md, "The
# request path"):
#   make e2e-syscalls   the WAGI and wasi:http hellos under `strace -c`
#                       (tests/e2e/syscalls.sh): per request at most one
#                       writev, one write (the access log), no futex, no
#                       mmap/munmap/mprotect/madvise; runs with e2e-wasihttp,
#                       on $(BUILD)/hive (a sanitizer's runtime maps memory
#                       of its own, so E2E_HIVE is not used)
.PHONY: e2e-syscalls
e2e-syscalls: test-deps
	@$(MAKE) --no-print-directory all http-guests wagi-examples
	HIVE="$(BUILD)/hive" tests/e2e/syscalls.sh $(BUILD)

e2e-wasihttp: e2e-syscalls
