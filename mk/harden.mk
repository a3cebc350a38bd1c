# mk/harden.mk -- checks that the release build is hardened.
#   make harden   builds $(BUILD)/hive (hardened unless HARDEN=0, see the
#                 Makefile) and checks with readelf and nm that it is PIE,
#                 has full RELRO (a GNU_RELRO segment and BIND_NOW), calls
#                 the stack protector and uses fortified libc functions.
#                 `make test` runs it, and then every test on that build.
#                 It checks the shared library too (mk/install.mk): full
#                 RELRO, no text relocations, and with nm -D that it exports
#                 hive_* functions and nothing else (its internals are
#                 hidden, so they cannot clash with an embedder's names),
#                 among them every function include/hive/*.h declares (static inline
#                 ones aside). And that every global symbol of libhive.a is
#                 hive_* or internal hv_* (scripts/internal-names.sh --check,
#                 docs/LIBRARY.md), so a static link cannot clash either.

.PHONY: harden

harden: all $(BUILD)/libhive.so
	@f=$(BUILD)/hive; ok=1; \
	readelf -hW $$f | grep -q 'Type:.*DYN' || { echo "harden: $$f is not PIE" >&2; ok=0; }; \
	readelf -lW $$f | grep -q GNU_RELRO || { echo "harden: $$f has no RELRO segment" >&2; ok=0; }; \
	readelf -dW $$f | grep -qE 'BIND_NOW|FLAGS.*NOW' || { echo "harden: $$f is not bound now (partial RELRO)" >&2; ok=0; }; \
	nm $$f | grep -q __stack_chk_fail || { echo "harden: no stack protector in $$f" >&2; ok=0; }; \
	nm $$f | grep -q '__[a-z]*_chk' || { echo "harden: no _FORTIFY_SOURCE checks in $$f" >&2; ok=0; }; \
	[ $$ok = 1 ] && echo "harden: $$f is PIE, full RELRO, stack protector, fortified"
	@f=$(BUILD)/libhive.so; ok=1; \
	readelf -lW $$f | grep -q GNU_RELRO || { echo "harden: $$f has no RELRO segment" >&2; ok=0; }; \
	readelf -dW $$f | grep -qE 'BIND_NOW|FLAGS.*NOW' || { echo "harden: $$f is not bound now (partial RELRO)" >&2; ok=0; }; \
	readelf -dW $$f | grep -q TEXTREL && { echo "harden: $$f has text relocations" >&2; ok=0; }; \
	syms=$$(nm -D --defined-only $$f | awk '{ print $$NF }'); \
	n=$$(echo "$$syms" | grep -c '^hive_'); \
	other=$$(echo "$$syms" | grep -v '^hive_' | grep -v '^$$'); \
	[ "$$n" -gt 0 ] || { echo "harden: $$f exports no hive_ function" >&2; ok=0; }; \
	[ -z "$$other" ] || { echo "harden: $$f exports names outside the hive_ API:" $$other >&2; ok=0; }; \
	inl=$$(grep -ohE 'static inline[^(]*\bhive_[a-z0-9_]+\(' include/hive/*.h | grep -oE 'hive_[a-z0-9_]+\($$' | tr -d '('); \
	missing=$$(grep -ohE '\bhive_[a-z0-9_]+\(' include/hive/*.h | tr -d '(' | sort -u | \
	    while read -r fn; do echo "$$inl" | grep -qx "$$fn" || echo "$$syms" | grep -qx "$$fn" || echo "$$fn"; done); \
	[ -z "$$missing" ] || { echo "harden: $$f does not export functions include/hive/ declares:" $$missing >&2; ok=0; }; \
	[ $$ok = 1 ] && echo "harden: $$f exports $$n hive_* symbols, every one include/hive/ declares, and nothing else; full RELRO, no text relocations"
	@scripts/internal-names.sh --check $(BUILD)

test: harden
