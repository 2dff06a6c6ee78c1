# vclab — plain Makefile. `make bench` is the main job, `make check` the tests.
# V=1 shows full commands; WERROR=0 turns -Werror off for local experiments.

CC      ?= gcc
PKG_CONFIG ?= pkg-config
WERROR  ?= 1
PREFIX  ?= /usr/local

PKGS    := libvirt libcgroup hwloc json-c yaml-0.1 libcap libseccomp
WARNINGS := -Wall -Wextra -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
	-Wundef -Wshadow -Wpointer-arith -Wcast-align -Wwrite-strings \
	-Wvla -Wnull-dereference -Wimplicit-fallthrough -Wno-unused-parameter
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

OPT     ?= -O2 -g
# Two include roots: harness/ for the lab's layers (core/, bench/, ...) and
# the tree root for the placements and the payload (bare/, ctr/, vmm/,
# payload/). Every include names its folder: "core/ledger.h", "ctr/ctr.h".
CPPFLAGS += -D_GNU_SOURCE -Iharness -I.
CFLAGS  += -std=c11 $(OPT) $(WARNINGS) -MMD -MP $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

ifeq ($(V),1)
Q :=
else
Q := @
endif

B := build
# Sanitizer builds live in their own tree so they never mix with normal objects.
ifeq ($(SAN),1)
B := build/asan
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# Optional parts, as crun lists its handlers: a compile-time switch each, on
# by default. WITH_CTR=0 leaves ctr/ (ctr, runc, crun) out, WITH_VM=0 leaves
# vmm/ (vm, qemu-direct) out; bench/backends.c lists what is in. The suites
# of a part left out (test_ctr*, test_vm*) need it and do not build.
WITH_CTR ?= 1
WITH_VM  ?= 1
PARTS    := bare $(if $(filter 1,$(WITH_CTR)),ctr) $(if $(filter 1,$(WITH_VM)),vmm)
CPPFLAGS += $(if $(filter 1,$(WITH_CTR)),-DVCL_WITH_CTR) $(if $(filter 1,$(WITH_VM)),-DVCL_WITH_VM)

# The library: every .c in harness/'s layers and the placements built in,
# except the CLI entry point.
LAYERS   := harness/core harness/bench harness/report harness/advise harness/gate harness/cli
LIB_SRCS := $(filter-out harness/cli/main.c,$(wildcard $(addsuffix /*.c,$(LAYERS) $(PARTS))))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIB      := $(B)/libvclab.a

# The payload is one static binary shared by every placement; its HTTP parser
# is also linked into the unit tests.
PAYLOAD_SRCS := payload/payload.c payload/http.c
PAYLOAD_OBJS := $(PAYLOAD_SRCS:%.c=$(B)/%.o)
PAYLOAD  := bin/vclab-payload
INIT     := bin/vclab-init

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
INTEG_SRCS := $(wildcard tests/integ/test_*.c)
INTEG_BINS := $(INTEG_SRCS:tests/integ/%.c=$(B)/tests/%)

ifeq ($(SAN),1)
VCLAB := $(B)/vclab
else
VCLAB := bin/vclab
endif

.PHONY: all deps services guest bench check unit integ lint format asan clean fuzz soak valgrind

# The guest init exists once the VM placement is in the tree.
INIT_IF := $(if $(wildcard payload/init.c),$(INIT))

all: $(VCLAB) $(PAYLOAD) $(INIT_IF)

deps:
	$(Q)scripts/install-deps.sh

services: deps
	$(Q)scripts/services.sh

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# A plain archive: the tables (the verbs in cli/main.c, the backends in
# bench/backends.c, the scenarios in bench.c) name every part they hold, so
# the linker takes exactly those members.
$(VCLAB): $(B)/harness/cli/main.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Static: the same bytes run on the host, inside the container rootfs and in
# the guest initramfs, with no loader or libc to differ between placements.
$(PAYLOAD): $(PAYLOAD_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -static $(filter-out -fsanitize%,$(LDFLAGS)) -o $@ $(filter-out -fsanitize%,$^)

$(INIT): $(B)/payload/init.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -static -o $@ $^

# The payload and init are never built with sanitizers: they must stay static.
$(B)/payload/payload.o $(B)/payload/init.o: CFLAGS := $(filter-out -fsanitize%,$(CFLAGS))

$(B)/tests/%: tests/unit/%.c $(LIB) $(B)/payload/http.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/payload/http.o $(LIB) $(LDLIBS) $(CHECK_LIBS)

$(B)/tests/%: tests/integ/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(CHECK_LIBS)

# The guest image: initramfs with init, payload and exactly the modules needed.
guest: $(PAYLOAD) $(INIT)
	$(Q)scripts/build-guest.sh

unit: $(UNIT_BINS) $(PAYLOAD)
	$(Q)scripts/run-tests.sh unit $(UNIT_BINS)
	$(Q)tests/layers/run.sh

# Integration: root suites on real libvirt VMs, containers and processes,
# then the report's browser test (headless Chromium) on a report made from
# the committed fixture, including its self-test that a broken page fails.
integ: all $(INTEG_BINS)
	$(Q)scripts/run-tests.sh integ $(INTEG_BINS)
	$(Q)rm -rf build/browser && bin/vclab report tests/data/results-sample.json -o build/browser
	$(Q)tests/browser/run.sh --self-test
	$(Q)tests/browser/run.sh build/browser/report.html build/browser/screenshot.png

# `make check` and `make bench` work from a fresh Debian 12 machine as root:
# packages, build, guest image, services, then the job itself.
check: deps
	$(Q)$(MAKE) --no-print-directory all guest
	$(Q)scripts/services.sh
	$(Q)$(MAKE) --no-print-directory unit integ

bench: deps
	$(Q)$(MAKE) --no-print-directory all guest
	$(Q)scripts/services.sh
	$(Q)bin/vclab bench --profile quick

# The payload stays the normal static binary (a sanitizer runtime cannot be
# linked statically); the harness and every unit suite are instrumented.
asan: all
	$(Q)$(MAKE) --no-print-directory SAN=1 OPT="-O1 -g" $(B)/asan/vclab \
		$(patsubst $(B)/%,$(B)/asan/%,$(UNIT_BINS) $(INTEG_BINS))
	$(Q)scripts/run-tests.sh unit $(patsubst $(B)/%,$(B)/asan/%,$(UNIT_BINS))
	$(Q)scripts/run-tests.sh integ $(patsubst $(B)/%,$(B)/asan/%,$(INTEG_BINS))

# Soak: many mixed launch/destroy cycles, then a leak check (not in `check`:
# 500 cycles with VMs under TCG take several minutes).
SOAK_CYCLES ?= 500
$(B)/tests/soak: tests/soak/soak.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

soak: all guest $(B)/tests/soak
	$(Q)scripts/services.sh
	$(Q)$(B)/tests/soak $(SOAK_CYCLES)

valgrind: all
	$(Q)scripts/valgrind.sh

# libFuzzer targets: clang, ASan+UBSan, the library rebuilt with coverage.
FUZZ_SECONDS ?= 60
FB := build/fuzz
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FB)/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FB)/%.o) $(FB)/payload/http.o

$(FB)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)clang $(CPPFLAGS) -std=c11 $(FUZZ_FLAGS) $(shell $(PKG_CONFIG) --cflags $(PKGS)) -c -o $@ $<

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(CPPFLAGS) -Itests/fuzz -std=c11 $(filter-out -fsanitize=fuzzer-no-link%,$(FUZZ_FLAGS)) \
		-fsanitize=fuzzer,address,undefined $(shell $(PKG_CONFIG) --cflags $(PKGS)) \
		-o $@ $< $(FUZZ_LIB_OBJS) $(LDLIBS)

.SECONDARY: $(FUZZ_LIB_OBJS)

fuzz: $(FUZZ_BINS)
	$(Q)scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

LINT_SRCS := $(wildcard $(addsuffix /*.c,$(LAYERS)) $(addsuffix /*.h,$(LAYERS)) bare/*.c ctr/*.c ctr/*.h vmm/*.c vmm/*.h payload/*.c payload/*.h tests/unit/*.c tests/integ/*.c tests/fuzz/*.c tests/fuzz/*.h tests/soak/*.c)

lint:
	$(Q)echo "  LAYERS" && scripts/check-layers.sh
	$(Q)echo "  CPPCHECK"
	@# cppcheck cannot see __attribute__((cleanup)): its leak checks would
	@# flag every cleanup_free/cleanup_close variable. Leaks are checked by
	@# LeakSanitizer (make asan) and valgrind instead.
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem --suppress=memleak \
		--suppress=resourceLeak --suppress=leakReturnValNotUsed -D_GNU_SOURCE -Iharness -I. \
		harness bare ctr vmm payload
	$(Q)echo "  CLANG-TIDY"
	$(Q)clang-tidy --quiet $(filter %.c,$(LINT_SRCS)) -- $(CPPFLAGS) -std=c11 \
		$(shell $(PKG_CONFIG) --cflags $(PKGS) check) 2>&1 | \
		{ grep -E '(warning|error):' && exit 1 || exit 0; }
	$(Q)echo "  CLANG-FORMAT"
	$(Q)clang-format --dry-run --Werror $(LINT_SRCS)

format:
	$(Q)clang-format -i $(LINT_SRCS)

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
