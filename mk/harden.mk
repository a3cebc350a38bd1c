# mk/harden.mk -- checks that the release build is hardened.
#   make harden   builds $(BUILD)/hive (hardened unless HARDEN=0, see the
#                 Makefile) and checks with readelf and nm that it is PIE,
#                 has full RELRO (a GNU_RELRO segment and BIND_NOW), calls
#                 the stack protector and uses fortified libc functions.
#                 `make test` runs it, and then every test on that build.

.PHONY: harden

harden: all
	@f=$(BUILD)/hive; ok=1; \
	readelf -hW $$f | grep -q 'Type:.*DYN' || { echo "harden: $$f is not PIE" >&2; ok=0; }; \
	readelf -lW $$f | grep -q GNU_RELRO || { echo "harden: $$f has no RELRO segment" >&2; ok=0; }; \
	readelf -dW $$f | grep -qE 'BIND_NOW|FLAGS.*NOW' || { echo "harden: $$f is not bound now (partial RELRO)" >&2; ok=0; }; \
	nm $$f | grep -q __stack_chk_fail || { echo "harden: no stack protector in $$f" >&2; ok=0; }; \
	nm $$f | grep -q '__[a-z]*_chk' || { echo "harden: no _FORTIFY_SOURCE checks in $$f" >&2; ok=0; }; \
	[ $$ok = 1 ] && echo "harden: $$f is PIE, full RELRO, stack protector, fortified"

test: harden
