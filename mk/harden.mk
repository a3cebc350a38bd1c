# mk/harden.mk -- a hardened release build, and its tests.
#   make harden   builds into build/harden with the flags below, checks that
#                 build/harden/hive really is PIE with full RELRO and a stack
#                 protector, then runs the unit tests and the spec suite there.
# The Makefile has no LDFLAGS, so the link-only flags ride on LDLIBS (used on
# link lines only); docs/FUZZING.md proposes a HARDEN=1 switch for the
# Makefile itself.
HARDEN_CFLAGS := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LDLIBS := -lm -lpthread -luv -pie -Wl,-z,relro,-z,now

.PHONY: harden harden-build harden-verify

harden: test-deps
	@$(MAKE) --no-print-directory BUILD=build/harden CFLAGS="$(HARDEN_CFLAGS)" \
	    LDLIBS="$(HARDEN_LDLIBS)" all
	@$(MAKE) --no-print-directory harden-verify
	@$(MAKE) --no-print-directory BUILD=build/harden CFLAGS="$(HARDEN_CFLAGS)" \
	    LDLIBS="$(HARDEN_LDLIBS)" unit spec

harden-verify:
	@f=build/harden/hive; ok=1; \
	readelf -hW $$f | grep -q 'Type:.*DYN' || { echo "harden: $$f is not PIE" >&2; ok=0; }; \
	readelf -lW $$f | grep -q GNU_RELRO || { echo "harden: $$f has no RELRO segment" >&2; ok=0; }; \
	readelf -dW $$f | grep -qE 'BIND_NOW|FLAGS.*NOW' || { echo "harden: $$f is not bound now (partial RELRO)" >&2; ok=0; }; \
	nm $$f | grep -q __stack_chk_fail || { echo "harden: no stack protector in $$f" >&2; ok=0; }; \
	nm $$f | grep -q '__[a-z]*_chk' || { echo "harden: no _FORTIFY_SOURCE checks in $$f" >&2; ok=0; }; \
	[ $$ok = 1 ] && echo "harden: $$f is PIE, full RELRO, stack protector, fortified"
