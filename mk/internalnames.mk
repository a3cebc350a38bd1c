# mk/internalnames.mk -- scripts/internal-names.sh, which keeps libhive.a's
# global symbols in hive_ (public) or hv_ (internal): docs/LIBRARY.md.
#   make internal-names-test   the script on small trees of its own: what
#                              --check finds, what --apply renames and what
#                              it refuses (tests/internal-names/run.sh);
#                              part of `make unit`. `make harden` runs
#                              --check on the build.

.PHONY: internal-names-test
unit: internal-names-test
internal-names-test: test-deps
	@CC=$(CC) tests/internal-names/run.sh
