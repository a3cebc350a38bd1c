# mk/install.mk -- the installable library (README.md, "Embedding").
#   make shared        $(BUILD)/libhive.so: the library's sources built again
#                      into $(BUILD)/pic/ with -fPIC -fvisibility=hidden, so
#                      that it exports only the hive_* API of include/hive/
#                      (mk/harden.mk checks that). libhive.a and build/hive
#                      keep their own (PIE) objects, unchanged.
#   make install       bin/hive, include/hive/*.h, lib/libhive.a,
#                      lib/libhive.so (soname libhive.so.MAJOR.MINOR) and
#                      lib/pkgconfig/hive.pc under PREFIX (default
#                      /usr/local); DESTDIR stages the tree elsewhere, the
#                      files still naming PREFIX. BINDIR, LIBDIR, INCLUDEDIR
#                      and PKGCONFIGDIR override the parts.
#   make uninstall     removes what install put there
#   make embed-test    installs into $(BUILD)/install, builds examples/embed
#                      with `pkg-config --cflags --libs hive` alone and runs
#                      it (tests/embed/run.sh); `make test` runs it.

HIVE_VERSION := $(shell sed -n 's/^\#define HIVE_VERSION_STRING "\(.*\)"/\1/p' include/hive/version.h)
HIVE_SONAME_VERSION := $(basename $(HIVE_VERSION))
SHARED_LIB := $(BUILD)/libhive.so.$(HIVE_VERSION)
SHARED_SONAME := libhive.so.$(HIVE_SONAME_VERSION)
PIC_OBJS = $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
PIC_CFLAGS = $(filter-out -fPIE,$(ALL_CFLAGS)) -fPIC -fvisibility=hidden

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL ?= install

EMBED_PREFIX := $(abspath $(BUILD))/install
EMBED_OUT := $(abspath $(BUILD))/embed

.PHONY: shared install uninstall embed-test

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(PIC_CFLAGS) -c $< -o $@
# As for the static build (Makefile): no fortification in the interpreter loop.
$(BUILD)/pic/src/wasm/interp.o: ALL_CFLAGS += -U_FORTIFY_SOURCE

$(SHARED_LIB): $(PIC_OBJS)
	$(CC) -shared -Wl,-soname,$(SHARED_SONAME) -Wl,-z,defs -Wl,-z,relro,-z,now $(SAN) \
	    $(PIC_OBJS) -o $@ -lm -lpthread -luv -lcurl
$(BUILD)/libhive.so: $(SHARED_LIB)
	ln -sf $(notdir $<) $@

shared: $(BUILD)/libhive.so

# The pkg-config file, for PREFIX and LIBDIR/INCLUDEDIR as given.
define HIVE_PC
prefix=$(PREFIX)
libdir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
includedir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

Name: hive
Description: WebAssembly engine, WASI preview 1 and HTTP worker pool
Version: $(HIVE_VERSION)
Cflags: -I$${includedir}
Libs: -L$${libdir} -lhive
Libs.private: -luv -lcurl -lpthread -lm
endef
install: export HIVE_PC_TEXT = $(HIVE_PC)

install: $(BUILD)/hive $(BUILD)/libhive.a $(SHARED_LIB)
	@case "$(PREFIX)" in /*) ;; *) echo "install: PREFIX must be an absolute path, not '$(PREFIX)'" >&2; exit 2;; esac
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/hive $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 755 $(BUILD)/hive $(DESTDIR)$(BINDIR)/hive
	$(INSTALL) -m 644 include/hive/*.h $(DESTDIR)$(INCLUDEDIR)/hive/
	$(INSTALL) -m 644 $(BUILD)/libhive.a $(DESTDIR)$(LIBDIR)/libhive.a
	$(INSTALL) -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED_LIB))
	ln -sf $(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/$(SHARED_SONAME)
	ln -sf $(SHARED_SONAME) $(DESTDIR)$(LIBDIR)/libhive.so
	printf '%s\n' "$$HIVE_PC_TEXT" >$(DESTDIR)$(PKGCONFIGDIR)/hive.pc
	@echo "install: hive $(HIVE_VERSION) in $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hive $(DESTDIR)$(LIBDIR)/libhive.a $(DESTDIR)$(LIBDIR)/libhive.so \
	    $(DESTDIR)$(LIBDIR)/$(SHARED_SONAME) $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED_LIB)) \
	    $(DESTDIR)$(PKGCONFIGDIR)/hive.pc $(patsubst include/%,$(DESTDIR)$(INCLUDEDIR)/%,$(wildcard include/hive/*.h))
	@rmdir $(DESTDIR)$(INCLUDEDIR)/hive 2>/dev/null || true

embed-test: test-deps
	@rm -rf $(EMBED_PREFIX) $(EMBED_OUT) $(abspath $(BUILD))/destdir
	@$(MAKE) --no-print-directory install PREFIX=$(EMBED_PREFIX) >/dev/null
	@$(MAKE) --no-print-directory install PREFIX=/opt/hive DESTDIR=$(abspath $(BUILD))/destdir >/dev/null
	@tests/embed/run.sh $(EMBED_PREFIX) $(EMBED_OUT) $(abspath $(BUILD))/destdir

test: embed-test

-include $(PIC_OBJS:.o=.d)
