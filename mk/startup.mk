# mk/startup.mk -- how build/hive is linked, for a short process start-up
# (docs/PERFORMANCE.md, "Process start-up"). `hive run` of a small module
# is mostly the process being set up: every shared library costs a few
# mappings, relocations and page faults (0.06-0.1 ms each on a VM).
#   - libuv (only `hive serve` and outgoing requests use it) is linked from
#     its static archive, libuv_a.a of libuv1-dev, when there is one, so
#     the binary needs libc alone; HIVE_STATIC_UV=0 links libuv.so instead.
#   - -fno-math-errno: sqrt is an instruction, not a libm call, and nearest
#     (src/wasm/numeric.h) needs no nearbyint; with --as-needed libm then
#     is not loaded at all (an embedder's libhive.a still links -lm).
#   - -z pack-relative-relocs (DT_RELR, glibc 2.36+), when the toolchain
#     can: the 4,500 relative relocations of the PIE take 750 bytes, not
#     107 KB, of the file ld.so reads at start-up.
# The hardening flags (PIE, full RELRO with BIND_NOW) are unchanged.

ALL_CFLAGS += -fno-math-errno

HIVE_STATIC_UV ?= 1
HIVE_UV_A = $(if $(filter 1,$(HIVE_STATIC_UV)),$(wildcard $(shell $(CC) -print-file-name=libuv_a.a)))
HIVE_RELR = $(if $(HARDEN_LDFLAGS),$(shell printf 'int main(void){return 0;}' | \
    $(CC) -x c - -o /dev/null -pie -Wl,-z,pack-relative-relocs 2>/dev/null && echo -Wl,-z,pack-relative-relocs))
# Expanded when build/hive is linked (the Makefile's rule), after every
# mk/*.mk has added to LDLIBS.
HIVE_LDLIBS = -Wl,--as-needed $(if $(HIVE_UV_A),$(patsubst -luv,$(HIVE_UV_A),$(LDLIBS)),$(LDLIBS)) $(HIVE_RELR)
