# mmscale build.  `make` builds everything into $(BUILD)/; `make V=1` shows
# the commands.  Dependencies are found with pkg-config; `make deps` installs
# the Debian packages that provide them.

PREFIX  ?= /usr/local
V       ?= 0
# make SAN=1: ASan + UBSan (any UB aborts), at -O1 so reports keep their
# lines; its own build dir so it never mixes objects with the plain build.
# make CC=clang: the same tree with clang, in build-clang.
SAN     ?= 0
ifeq ($(origin CC),default)
CC      := cc
endif
ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	    -DMMSCALE_SAN=1
CFLAGS  ?= -O1 -g
# The workloads' own files get UBSan only: they measure their own page
# faults and VMAs, which ASan's shadow memory would add to (seen: 18432
# faults for pft's 16384 pages).  The harness and every library under them
# keep ASan, and ASan's runtime is linked into each program.
# Tests provoke crashes on purpose (null --crash, a SIGSEGVed client): the
# signal must reach the runner as it would, not ASan's report.
SAN_ENV  := ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_abort=0 UBSAN_OPTIONS=print_stacktrace=1
WL_SANFLAGS := -fsanitize=undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	    -DMMSCALE_SAN=1
else ifneq ($(filter clang%,$(notdir $(CC))),)
BUILD   ?= build-clang
else
BUILD   ?= build
endif

PKGS    := hwloc numa gsl jansson inih sqlite3 libpq libzstd liblzma
TESTPKG := cmocka

ifeq ($(V),0)
Q  := @
E  = @printf '  %-6s %s\n' $(1) $(2);
else
Q  :=
E  =
endif

# Fields left out of an initializer are zero, as in the kernel: option
# tables name only what they use.
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes \
	    -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
# runner/ is grouped by stage (cli, config, run, results, stats, history,
# report, hw); every stage's headers are on the include path.
RUN_DIRS := $(sort $(dir $(wildcard runner/*/*.c runner/*/*.h)))
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -Ibenchmarks/lib $(addprefix -I,$(RUN_DIRS:/=)) \
	     $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	     -DMMSCALE_VERSION='"$(VERSION)"' -DMMSCALE_GIT='"$(GIT)"' -DMMSCALE_IMAGE_DIR='"$(BUILD)/images"'
LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
TESTLIBS := $(shell pkg-config --libs $(TESTPKG) 2>/dev/null)

VERSION  := 0.1
GIT      := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# benchmarks/lib: the harness and helpers every workload and the runner share.
LIB_SRCS := $(wildcard benchmarks/lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libmmscale.a
# benchmarks/workloads/NAME.c: one file per workload, one program per file.
WL_SRCS  := $(wildcard benchmarks/workloads/*.c)
WL_BINS  := $(WL_SRCS:benchmarks/workloads/%.c=$(BUILD)/bin/%)
# benchmarks/helpers/NAME.c: tiny static programs workloads exec.
HLP_SRCS := $(wildcard benchmarks/helpers/*.c)
HLP_BINS := $(HLP_SRCS:benchmarks/helpers/%.c=$(BUILD)/bin/%)
# benchmarks/images/NAME.c: a workload's client image (image.h), static,
# embedded in benchmarks/workloads/NAME.c's program (.incbin), so it needs
# no install path of its own.
IMG_SRCS := $(wildcard benchmarks/images/*.c)
IMG_BINS := $(IMG_SRCS:benchmarks/images/%.c=$(BUILD)/images/%.image)
# benchmarks/images/lib/: the image side every image shares (image_main)
IMG_LIB  := $(wildcard benchmarks/images/lib/*.c)
# benchmarks/bare/NAME.c: bare reference loops (the kernel's own limit) that
# scripts/bench-harness measures the workloads against.
BARE_SRCS := $(wildcard benchmarks/bare/*.c)
BARE_BINS := $(BARE_SRCS:benchmarks/bare/%.c=$(BUILD)/bin/bare-%)
# runner/STAGE/: the mmscale command; everything but cli/main.c is a library
# the unit tests link against.
RUN_SRCS := $(filter-out runner/cli/main.c,$(wildcard runner/*/*.c))
RUN_OBJS := $(RUN_SRCS:%.c=$(BUILD)/%.o)
RUNLIB   := $(BUILD)/librunner.a
MMSCALE  := $(BUILD)/bin/mmscale
# tools/NAME.c: developer tools on the runner's library (mmscale-NAME),
# e.g. the synthetic-history generator the tests and benchmarks use.
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tools/%.c=$(BUILD)/bin/mmscale-%)
# tests/unit/test_*.c: one cmocka program each.
UT_SRCS  := $(wildcard tests/unit/test_*.c)
UT_BINS  := $(UT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# Keep the objects make builds on the way to a program (with -MMD their
# .d files name them; deleting them would rebuild everything each time).
.SECONDARY:

.PHONY: all deps deps-run deps-check run check unit integration install clean bench docs deb fuzz fuzz-check check-scale bench-scale

all: $(WL_BINS) $(HLP_BINS) $(BARE_BINS) $(MMSCALE) $(TOOL_BINS)

# -MMD -MP: each object depends on the headers it includes, no more.
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(call E,CC,$<)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

ifeq ($(SAN),1)
$(BUILD)/benchmarks/workloads/%.o: SANFLAGS := $(WL_SANFLAGS)
endif

$(LIB): $(LIB_OBJS)
	$(call E,AR,$@)rm -f $@; ar rcs $@ $^

$(RUNLIB): $(RUN_OBJS)
	$(call E,AR,$@)rm -f $@; ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/benchmarks/workloads/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# Images and helpers are static and link libc alone: their mm is the
# point.  Never sanitized: ASan's runtime would map VMAs of its own.
$(BUILD)/images/%.image: benchmarks/images/%.c benchmarks/images/%.h benchmarks/lib/image.h $(IMG_LIB)
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -static $(WARN) -Ibenchmarks/lib $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(IMG_LIB) -lpthread

# a workload with an image embeds it: its object is built after the image
$(foreach i,$(IMG_SRCS:benchmarks/images/%.c=%),$(eval $(BUILD)/benchmarks/workloads/$(i).o: $(BUILD)/images/$(i).image))

$(BUILD)/bin/%: benchmarks/helpers/%.c
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) -O2 -static -Wall -Werror $(CPPFLAGS) $(LDFLAGS) -o $@ $<

# The bare loops are static too: the reference mm holds the loop, libc's
# few mappings and nothing else (12 VMAs for bare-fork).
$(BUILD)/bin/bare-%: benchmarks/bare/%.c benchmarks/bare/bare.h
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -static $(WARN) $(CPPFLAGS) $(LDFLAGS) -o $@ $<

$(MMSCALE): $(BUILD)/runner/cli/main.o $(RUNLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/bin/mmscale-%: $(BUILD)/tools/%.o $(RUNLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(RUNLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $^ $(LIBS) $(TESTLIBS)

# Manual pages and bash completion, generated from the command and option
# tables: mmscale(1) and mmscale-WORKLOAD(1) per workload.
MANS     := $(BUILD)/man/mmscale.1 $(WL_SRCS:benchmarks/workloads/%.c=$(BUILD)/man/mmscale-%.1)
COMPL    := $(BUILD)/completion/mmscale
docs: $(MANS) $(COMPL)

$(BUILD)/man/mmscale.1: $(MMSCALE)
	@mkdir -p $(dir $@)
	$(call E,GEN,$@)$(MMSCALE) help --man >$@.tmp && mv $@.tmp $@

$(BUILD)/man/mmscale-%.1: $(BUILD)/bin/% $(MMSCALE)
	@mkdir -p $(dir $@)
	$(call E,GEN,$@)MMSCALE_BIN=$(BUILD)/bin $(MMSCALE) help --man --workload $* >$@.tmp && mv $@.tmp $@

$(COMPL): $(MMSCALE)
	@mkdir -p $(dir $@)
	$(call E,GEN,$@)$(MMSCALE) help --completion >$@.tmp && mv $@.tmp $@

# The Debian package (debian/): the .deb lands in the parent directory.
deb:
	$(Q)dpkg-buildpackage -us -uc -b

# Fuzz targets (fuzz/NAME.c): libFuzzer with ASan + UBSan, clang, build-fuzz/.
# `make fuzz` builds them, `make fuzz-check` runs each for FUZZ_TIME seconds
# (fuzz/run).  The same sources built with gcc and fuzz/replay.c
# (build/fuzz-replay/NAME) replay every kept crash input in make check.
FUZZ_SRCS  := $(filter-out fuzz/replay.c,$(wildcard fuzz/*.c))
FUZZ_BUILD := build-fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	      -DMMSCALE_SAN=1
REPLAYS    := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz-replay/%)

fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CFLAGS='-O1 -g' \
		SANFLAGS='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' \
		$(FUZZ_SRCS:fuzz/%.c=$(FUZZ_BUILD)/fuzzers/%)

fuzz-check: all fuzz
	$(Q)BUILD=$(BUILD) FUZZ_BUILD=$(FUZZ_BUILD) fuzz/run

$(BUILD)/fuzzers/%: $(BUILD)/fuzz/%.o $(RUNLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

$(BUILD)/fuzz-replay/%: $(BUILD)/fuzz/%.o $(BUILD)/fuzz/replay.o $(RUNLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(call E,LD,$@)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# Debian packages: what building and `make run` need, and what the tests add.
deps: deps-check
deps-run:
	$(Q)scripts/deps run
deps-check:
	$(Q)scripts/deps check

run: deps-run
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run-main

unit: $(UT_BINS)
integration: all

check: deps-check
	$(Q)$(MAKE) --no-print-directory all $(UT_BINS) $(REPLAYS)
	$(Q)BUILD=$(BUILD) MMSCALE_SAN=$(SAN) $(SAN_ENV) tests/run-tests

# Only the scale rig's stage of `make check` (scripts/scale-vm, one QEMU boot).
check-scale: deps-check
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/run-tests scale/

# Figures, not assertions: workloads against bare loops, then the cost of
# compare and of a nightly judgement.
bench: all
	$(Q)BUILD=$(BUILD) scripts/bench-harness
	$(Q)BUILD=$(BUILD) scripts/bench-compare
	$(Q)BUILD=$(BUILD) scripts/bench-nightly
	$(Q)BUILD=$(BUILD) scripts/bench-mmtests

# The scale rig's boot and check times on 2x4x2 and 2x14x2 (two boots each).
bench-scale: all
	$(Q)BUILD=$(BUILD) scripts/bench-scale

install: all docs
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/mmscale $(DESTDIR)$(PREFIX)/share/mmscale/configs \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 $(MMSCALE) $(DESTDIR)$(PREFIX)/bin/mmscale
	install -m 755 $(WL_BINS) $(HLP_BINS) $(DESTDIR)$(PREFIX)/libexec/mmscale/
	install -m 644 configs/*.conf $(DESTDIR)$(PREFIX)/share/mmscale/configs/
	install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(COMPL) $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mmscale

clean:
	rm -rf $(BUILD)
