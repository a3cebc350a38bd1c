# mk/suites.mk -- the test suites kept outside the repository (SUITES in the
# Makefile), and `make check` on a clone that has none of them.
#   make suites       one line per suite: where it was found, or that its
#                     targets are skipped and which VAR=DIR provides it
#                     (`make test` ends with it)
#   make clone-test   copies the repository's files (tracked, and new ones
#                     not ignored) to a temporary directory with no ../shared
#                     beside it, and checks there that `make suites` and
#                     `make spec` name what they skip and exit 0, and that a
#                     suite directory given but absent or empty still fails
#                     (tests/clone/run.sh; `make test` runs it)

.PHONY: suites clone-test

suites:
	@$(foreach v,$(SUITES),if [ -z "$($(v))" ]; then \
	    echo "suites: SKIPPED $(SUITE_$(v)): not found beside this clone; set $(v)=DIR to run it"; \
	elif [ -d "$($(v))" ]; then echo "suites: $(v)=$($(v))"; \
	else echo "suites: $(v)=$($(v)) is not a directory: its targets fail"; fi;)

clone-test:
	@tests/clone/run.sh

test: clone-test
