# crunlocal — one Makefile.  `make demo` and `make check` are the README's
# two set-up commands; both install what is missing first (as root).

PREFIX ?= /usr/local
CC ?= cc
PKGS = yajl libarchive libcurl libcap
VERSION = 0.1.0

# Messages are bounded on purpose: a truncated error line is fine.
WARN = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-format-truncation
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -DCL_VERSION='"$(VERSION)"' \
	-fno-strict-aliasing \
	-DCL_LIBCAP_VERSION='"$(shell pkg-config --modversion libcap 2>/dev/null)"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS += $(PKG_LIBS) -lpthread

LIB_SRCS = error.c util.c sha256.c digest.c sig.c tls.c ref.c json.c store.c gc.c unpack.c image.c \
	registry.c creds.c source.c pull.c progress.c userns.c spec.c ns.c nsserve.c bindsrc.c rthooks.c container.c snapshot.c \
	flatten.c ocispec.c exitrec.c logfmt.c detach.c template.c pty.c attach.c \
	restart.c sealed.c etcfiles.c volume.c mounts.c bpf.c sysnr.c seccomp.c scprofile.c evlog.c \
	netlink.c netrec.c net.c netsup.c forward.c cgroup.c cgrouprec.c ignore.c context.c cnb.c copytree.c \
	treehash.c repair.c resflags.c devcgroup.c cgdeleg.c
SRCS = run.c images.c runcmd.c info.c ps.c logs.c ctl.c inspect.c exec.c foreground.c volumes.c \
	tag.c history.c rename.c top.c restartcmd.c df.c login.c events.c port.c stats.c diff.c cp.c \
	load.c save.c update.c runtime.c rtcli.c rtcreate.c rtcmds.c rtexec.c rtupdate.c rtevents.c rtagent.c rtstate.c rtspec.c \
	netcmd.c $(LIB_SRCS)
# The monitor: a small static program of its own, carried inside crunlocal
# (detach.c) — it stays resident for every detached container.
MONITOR_SRCS = monitor.c exitrec.c logfmt.c pty.c restart.c util.c error.c evlog.c cgrouprec.c
MONITOR_CC ?= $(shell command -v musl-gcc >/dev/null 2>&1 && echo musl-gcc || echo $(CC))
OBJS = $(SRCS:.c=.o)
HDRS = $(wildcard *.h)
UNIT_SRCS = $(wildcard test/unit/*.c)
# The unit tests check sha256.c against OpenSSL's.
UNIT_LIBS = $(shell pkg-config --libs libcrypto 2>/dev/null)

# Packages the build and the tests need, by Debian name.
BUILD_DEPS = gcc clang make pkg-config libyajl-dev libarchive-dev \
	libcurl4-openssl-dev libcap-dev libssl-dev musl-tools dpkg-dev python3 \
	linux-libc-dev clang-format
TEST_DEPS = docker-registry busybox-static uidmap tmux python3 openssl \
	apache2-utils zstd curl jq util-linux procps psmisc attr \
	python3-jsonschema golang-github-opencontainers-specs-dev runc file

.PHONY: all demo check unit install uninstall clean deps \
	format format-check static static-clean stress bench clang-check fuzz fuzz-smoke runtime-test

all: crunlocal crunlocal-runtime

# The OCI runtime command line is crunlocal called as crunlocal-runtime:
# a hard link, so that engines resolving the path (readlink -f) keep the name.
crunlocal-runtime: crunlocal
	ln -f crunlocal $@

%.o: %.c $(HDRS)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

crunlocal-monitor: $(MONITOR_SRCS) $(HDRS)
	$(MONITOR_CC) -std=gnu11 $(WARN) -D_GNU_SOURCE -Os -static -s -ffunction-sections \
	  -fdata-sections -Wl,--gc-sections -o $@ $(MONITOR_SRCS)

detach.o: crunlocal-monitor

sysnr.o: sysnr_table.h

ifeq ($(shell uname -s),Linux)
crunlocal: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)
else
# Elsewhere: a crunlocal that says where it runs (nonlinux.c).
crunlocal: nonlinux.c
	$(CC) -std=gnu11 $(WARN) -DCL_VERSION='"$(VERSION)"' -o $@ nonlinux.c
endif

# Unit tests link every module but the CLI; once plain, once with sanitizers.
test/unit/unit: $(LIB_SRCS) $(UNIT_SRCS) $(HDRS) test/unit/*.h crunlocal-monitor
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $(LIB_SRCS) $(UNIT_SRCS) $(LDLIBS) $(UNIT_LIBS)

test/unit/unit-asan: $(LIB_SRCS) $(UNIT_SRCS) $(HDRS) test/unit/*.h crunlocal-monitor
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=undefined $(PKG_CFLAGS) -o $@ $(LIB_SRCS) \
	  $(UNIT_SRCS) $(LDLIBS) $(UNIT_LIBS)

deps:
	@missing=""; for p in $(BUILD_DEPS) $(TEST_DEPS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing packages:$$missing (run make deps as root)"; exit 1; fi; \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Every source must also build clean under clang (syntax and warnings).
clang-check:
	@for f in $(SRCS) monitor.c $(UNIT_SRCS) $(wildcard test/fuzz/*.c); do \
	  clang $(filter-out -Wno-format-truncation,$(CFLAGS)) $(PKG_CFLAGS) -fsyntax-only $$f || exit 1; \
	done; echo "clang: all sources build clean"

demo: deps
	$(MAKE) crunlocal
	sh test/demo.sh

# The unit tests alone, plain and under ASan+UBSan.
unit: test/unit/unit test/unit/unit-asan
	test/unit/unit
	test/unit/unit-asan

# The integration tests run twice: with crunlocal, then static/crunlocal.
check: deps
	$(MAKE) format-check
	$(MAKE) crunlocal test/unit/unit test/unit/unit-asan
	$(MAKE) fuzz-smoke
	$(MAKE) static
	$(MAKE) clang-check
	STATIC=1 sh test/check.sh

stress: deps
	$(MAKE) crunlocal
	CRUNLOCAL_STRESS=1 sh test/check.sh

bench: deps
	$(MAKE) crunlocal
	sh bench/pull.sh
	sh bench/run.sh
	sh bench/detached.sh
	sh bench/tty.sh
	sh bench/net.sh
	sh bench/runtime.sh


# Fuzzers (test/fuzz/fuzz_*.c, one parser each).  `make fuzz` runs each
# under clang's libFuzzer for FUZZ_TIME seconds from its corpus
# (test/fuzz/corpus/NAME/); a crash lands in test/fuzz/findings/NAME/ and,
# once fixed, its input goes into the corpus as a regression input.
# `make fuzz-smoke` (in `make check`) replays every corpus once through
# test/fuzz/driver.c under ASan+UBSan, with the usual compiler.
FUZZ_TARGETS = ref image wwwauth authfile template tar spec ignore
FUZZ_TIME ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_DIR = test/fuzz
FUZZ_SMOKE_OBJS = $(addprefix $(FUZZ_DIR)/obj-smoke/,$(LIB_SRCS:.c=.o))
FUZZ_LF_OBJS = $(addprefix $(FUZZ_DIR)/obj-libfuzzer/,$(LIB_SRCS:.c=.o))
.SECONDARY: $(FUZZ_SMOKE_OBJS) $(FUZZ_LF_OBJS)

$(FUZZ_DIR)/obj-smoke/%.o: %.c $(HDRS) crunlocal-monitor
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(FUZZ_SAN) $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj-libfuzzer/%.o: %.c $(HDRS) crunlocal-monitor
	@mkdir -p $(dir $@)
	clang $(filter-out -Wno-format-truncation,$(CFLAGS)) -O1 -fsanitize=fuzzer-no-link \
	  $(FUZZ_SAN) $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/bin/%-smoke: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/driver.c $(FUZZ_DIR)/fuzz.h $(FUZZ_SMOKE_OBJS)
	@mkdir -p $(dir $@)
	@echo "link $@"
	@$(CC) $(CFLAGS) -O1 $(FUZZ_SAN) $(PKG_CFLAGS) -o $@ $(FUZZ_DIR)/fuzz_$*.c \
	  $(FUZZ_DIR)/driver.c $(FUZZ_SMOKE_OBJS) $(LDLIBS)

$(FUZZ_DIR)/bin/%-fuzz: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/fuzz.h $(FUZZ_LF_OBJS)
	@mkdir -p $(dir $@)
	@echo "link $@"
	@clang $(filter-out -Wno-format-truncation,$(CFLAGS)) -O1 -fsanitize=fuzzer $(FUZZ_SAN) \
	  $(PKG_CFLAGS) -o $@ $(FUZZ_DIR)/fuzz_$*.c $(FUZZ_LF_OBJS) $(LDLIBS)

fuzz-smoke: $(addprefix $(FUZZ_DIR)/bin/,$(addsuffix -smoke,$(FUZZ_TARGETS)))
	@for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_DIR)/bin/$$t-smoke $(FUZZ_DIR)/corpus/$$t || exit 1; done

fuzz: $(addprefix $(FUZZ_DIR)/bin/,$(addsuffix -fuzz,$(FUZZ_TARGETS)))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/findings/$$t && w=$$(mktemp -d /dev/shm/cl-fuzz-$$t.XXXXXX) && \
	  echo "fuzz $$t for $(FUZZ_TIME) s" && \
	  $(FUZZ_DIR)/bin/$$t-fuzz -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=4096 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/findings/$$t/ \
	    $$w $(FUZZ_DIR)/corpus/$$t 2>$(FUZZ_DIR)/findings/$$t.log; \
	  r=$$?; rm -rf $$w; grep -E '^stat::number_of_executed_units|^SUMMARY' $(FUZZ_DIR)/findings/$$t.log; \
	  [ $$r = 0 ] || { echo "fuzz $$t: a finding, see $(FUZZ_DIR)/findings/$$t/"; exit 1; }; done
# runc's own integration suite (bats, from Debian's runc source) against
# crunlocal-runtime and against runc, as root; per-file tables.  Long:
# SUITE_FILES="create.bats exec.bats" for a few.
runtime-test: crunlocal-runtime
	bash tools/runc-suite.sh $(CURDIR)/crunlocal-runtime
	bash tools/runc-suite.sh /usr/sbin/runc

format:
	clang-format -i *.c *.h test/unit/*.c test/unit/*.h test/fuzz/*.c test/fuzz/*.h

format-check:
	clang-format --dry-run --Werror *.c *.h test/unit/*.c test/unit/*.h test/fuzz/*.c test/fuzz/*.h

MANPAGES = $(wildcard man/*.1 man/*.5)
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
INSTALLED = $(PREFIX)/bin/crunlocal $(PREFIX)/bin/crunlocal-runtime $(BASHCOMPDIR)/crunlocal $(ZSHCOMPDIR)/_crunlocal \
	$(foreach m,$(MANPAGES),$(PREFIX)/share/man/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))

# The binary, the man pages and bash and zsh completion; uninstall
# removes exactly those.
install: crunlocal
	install -D -m 0755 crunlocal $(DESTDIR)$(PREFIX)/bin/crunlocal
	ln -f $(DESTDIR)$(PREFIX)/bin/crunlocal $(DESTDIR)$(PREFIX)/bin/crunlocal-runtime
	for m in $(MANPAGES); do \
	  s=$${m##*.}; install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/$${m##*/} || exit 1; done
	install -D -m 0644 completion/crunlocal.bash $(DESTDIR)$(BASHCOMPDIR)/crunlocal
	mkdir -p $(DESTDIR)$(ZSHCOMPDIR)
	sed 's|@BASHCOMPDIR@|$(BASHCOMPDIR)|' completion/_crunlocal >$(DESTDIR)$(ZSHCOMPDIR)/_crunlocal

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

clean:
	rm -f crunlocal crunlocal-runtime crunlocal-monitor *.o test/unit/unit test/unit/unit-asan
	rm -rf $(FUZZ_DIR)/bin $(FUZZ_DIR)/obj-smoke $(FUZZ_DIR)/obj-libfuzzer $(FUZZ_DIR)/findings
	rm -rf static $(STATIC_DIR)/obj

# `make static`: one fully static musl crunlocal, static/crunlocal (named
# crunlocal so that it is the same process name, `pkill -x crunlocal`
# included).  Its libraries are built from Debian's source packages by
# tools/static-deps.sh into $(STATIC_DIR)/prefix, once (stamp files);
# musl objects live in their own directory: they cannot mix with glibc's.
# `make static-clean` removes the libraries too.
STATIC_DIR = build/static
STATIC_PREFIX = $(STATIC_DIR)/prefix
STATIC_OBJDIR = $(STATIC_DIR)/obj
STATIC_CC = musl-gcc
STATIC_PKG = PKG_CONFIG_LIBDIR=$(abspath $(STATIC_PREFIX))/lib/pkgconfig pkg-config --static
STATIC_PKGS = yajl libarchive libcurl libcap mbedtls
STATIC_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -DCL_STATIC -O2 -fno-strict-aliasing \
	-ffunction-sections -fdata-sections -DCL_VERSION='"$(VERSION)"' \
	-DCL_LIBCAP_VERSION='"$(shell $(STATIC_PKG) --modversion libcap 2>/dev/null)"' \
	-isystem $(STATIC_DIR)/include -I$(STATIC_DIR) \
	$(patsubst -I%,-isystem %,$(shell $(STATIC_PKG) --cflags $(STATIC_PKGS) 2>/dev/null))
# musl gives threads 128 KiB of stack; pull's workers need more.
STATIC_LDFLAGS = -static -s -Wl,--gc-sections -Wl,-z,stack-size=1048576
STATIC_LIBS = $(shell $(STATIC_PKG) --libs $(STATIC_PKGS) 2>/dev/null) -lpthread
# alloc.c: musl's malloc replaced (in this build only; the unit tests
# include it with its names prefixed).
STATIC_OBJS = $(addprefix $(STATIC_OBJDIR)/,$(SRCS:.c=.o) alloc.o)

static: crunlocal-monitor
	sh tools/static-deps.sh $(STATIC_DIR)
	@$(MAKE) --no-print-directory static/crunlocal
	ln -f static/crunlocal static/crunlocal-runtime

$(STATIC_OBJDIR)/%.o: %.c $(HDRS) $(STATIC_DIR)/versions.h
	@mkdir -p $(STATIC_OBJDIR)
	$(STATIC_CC) $(STATIC_CFLAGS) -c -o $@ $<

$(STATIC_OBJDIR)/detach.o: crunlocal-monitor

static/crunlocal: $(STATIC_OBJS)
	@mkdir -p static
	$(STATIC_CC) $(STATIC_LDFLAGS) -o $@ $(STATIC_OBJS) $(STATIC_LIBS)

static-clean:
	rm -rf static $(STATIC_DIR)
