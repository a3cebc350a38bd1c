# mk/fuzz.mk -- fuzzing (docs/FUZZING.md).
#   make fuzz            every libFuzzer target for FUZZ_SECONDS (default 60)
#                        each, then the differential test against binaryen
#                        for FUZZ_SECONDS; fails on any crash or mismatch
#   make fuzz-long       the same for hours (FUZZ_SECONDS, default 7200)
#   make fuzz-regress    replay fuzz/regress/<target>/ and fuzz/corpus/<target>/
#                        through each target under ASan + UBSan, with a plain
#                        main instead of a fuzzing engine (run by `make sanitize`)
#   make regress         tests/regress/: modules on which hive once differed
#                        from binaryen, against their expected output (run by
#                        `make test`)
#   make fuzz-diff       the differential test alone (FUZZ_DIFF_COUNT modules)
# libFuzzer builds go to build/fuzz/ (clang, -fsanitize=fuzzer-no-link for the
# library); the working corpora and crash artifacts to build/fuzz/work/.

FUZZ_TARGETS := module http_parse cgi component
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS := $(if $(filter environment command line,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),7200)
FUZZ_DIFF_COUNT ?= 1000000
FUZZ_SAN := -DHIVE_FEW_RUNS -DHIVE_ASSERTS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_EXEC := $(BUILD)/fuzz-exec/hive-fuzz-exec

.PHONY: fuzz fuzz-long fuzz-run fuzz-bins fuzz-replay-bins fuzz-regress fuzz-diff regress

# Inside the build/fuzz sub-make: each target linked with libFuzzer.
$(BUILD)/fuzz/%: fuzz/%.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $< $(BUILD)/libhive.a -o $@ $(LDLIBS)
fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

# Inside the build/san sub-make: each target with a main that reads files.
$(BUILD)/fuzz-replay/%: fuzz/%.c fuzz/standalone.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< fuzz/standalone.c $(BUILD)/libhive.a -o $@ $(LDLIBS)
fuzz-replay-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/%)

$(FUZZ_EXEC): fuzz/diff/hive-fuzz-exec.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libhive.a -o $@ $(LDLIBS)

fuzz-run: test-deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" fuzz-bins
	@$(MAKE) --no-print-directory $(FUZZ_EXEC)
	@fail=0; \
	for t in $(FUZZ_TARGETS); do \
	    fuzz/run.sh build/fuzz/fuzz/$$t $$t $(FUZZ_RUN_SECONDS) build/fuzz/work || fail=1; \
	done; \
	fuzz/diff/run.sh $(FUZZ_EXEC) build/fuzz/work/diff $(FUZZ_DIFF_COUNT) $(FUZZ_RUN_SECONDS) || fail=1; \
	exit $$fail

fuzz:
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SECONDS)
fuzz-long:
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_LONG_SECONDS)

fuzz-diff: test-deps $(FUZZ_EXEC)
	@fuzz/diff/run.sh $(FUZZ_EXEC) $(BUILD)/fuzz-diff $(if $(filter command line environment,$(origin FUZZ_DIFF_COUNT)),$(FUZZ_DIFF_COUNT),500)

fuzz-regress:
	@$(MAKE) --no-print-directory BUILD=build/san CC=clang OPT=-O1 HARDEN=0 SAN="$(FUZZ_SAN)" fuzz-replay-bins
	@fail=0; for t in $(FUZZ_TARGETS); do \
	    build/san/fuzz-replay/$$t fuzz/regress/$$t fuzz/corpus/$$t || fail=1; \
	done; exit $$fail

regress: $(FUZZ_EXEC)
	@tests/regress/run.sh $(FUZZ_EXEC)

sanitize: fuzz-regress
test: regress
