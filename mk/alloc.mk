# mk/alloc.mk -- allocation-failure walks (docs/FUZZING.md, "Allocation failure").
#   make alloc-walk      fail every allocation in turn: of loading (and
#                        instantiating) each binary module of the spec suite
#                        (tests/alloc/spec_walk.c), and of serving an HTTP GET
#                        and POST in-process through server, handler and a
#                        WAGI guest (tests/alloc/http_walk.c). Run by
#                        `make test`, and by `make sanitize` in build/san.
# The spec suite is converted with wast2json into $(BUILD)/alloc/spec/.

ALLOC_SPEC_WALK := $(BUILD)/alloc/spec_walk
ALLOC_HTTP_WALK := $(BUILD)/alloc/http_walk
ALLOC_WAGI := $(BUILD)/alloc/wagi.wasm
ALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup,--wrap=strndup

.PHONY: alloc-walk alloc-walk-san

$(ALLOC_SPEC_WALK): tests/alloc/spec_walk.c tests/spec/json.c tests/spec/json.h $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/spec $(filter %.c,$^) $(BUILD)/libhive.a -o $@ $(LDLIBS)

$(ALLOC_HTTP_WALK): tests/alloc/http_walk.c $(BUILD)/libhive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -rdynamic $< $(BUILD)/libhive.a -o $@ $(ALLOC_WRAP) $(LDLIBS)

$(ALLOC_WAGI): tests/alloc/wagi.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@

alloc-walk: test-deps $(ALLOC_SPEC_WALK) $(ALLOC_HTTP_WALK) $(ALLOC_WAGI)
	@tests/alloc/spec.sh $(ALLOC_SPEC_WALK) "$(SPEC_DIR)" $(BUILD)/alloc/spec
	@$(ALLOC_HTTP_WALK) $(ALLOC_WAGI)

alloc-walk-san:
	@$(MAKE) --no-print-directory BUILD=build/san CC=clang OPT=-O1 HARDEN=0 \
	    SAN="-DHIVE_FEW_RUNS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" alloc-walk

test: alloc-walk
sanitize: alloc-walk-san

-include $(wildcard $(BUILD)/alloc/*.d)
