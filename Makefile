# SPDX-License-Identifier: ISC
# virt-v2v-wrapper: one GNU Makefile for the program, its tests and its demo.

PROG		= virt-v2v-wrapper
# The layout of a distribution package: /usr/bin, as callers such as
# ManageIQ run it (sudo /usr/bin/virt-v2v-wrapper).
PREFIX		?= /usr
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
# The HTTP client lives beside the program, not on anybody's PATH: the
# program finds it from its own place, PREFIX/bin -> PREFIX/libexec
# (parent/env.c), so LIBEXECDIR follows PREFIX.
LIBEXECDIR	= $(PREFIX)/libexec
API		= $(PROG)-api
API_PATH	= $(LIBEXECDIR)/$(PROG)/$(API)
# The site settings stay in /etc whatever the PREFIX, where the program
# looks for them.
SYSCONFDIR	?= /etc
# systemd's: the daily removal of old logs, the run directory at boot.
# Debian's debhelper wants units in /lib (debian/rules says so).
UNITDIR		?= $(PREFIX)/lib/systemd/system
PRESETDIR	?= $(PREFIX)/lib/systemd/system-preset
TMPFILESDIR	?= $(PREFIX)/lib/tmpfiles.d
DESTDIR		?=

VERSION		:= $(shell sed -n 's/^\#define WRAPPER_VERSION[^"]*"\([^"]*\)".*/\1/p' common/wrapper.h)

PKGS		= jansson libnl-3.0 libnl-route-3.0 libcap-ng libbsd-overlay
CC		?= cc

WARN		= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
		  -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
		  -Wformat=2 -Wformat-security -Wwrite-strings -Wundef
HARDEN		= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT		?= -O2 -g
CFLAGS		+= -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN)
LDFLAGS		+= -pie -Wl,-z,relro,-z,now

ifeq ($(SANITIZE),1)
CFLAGS		+= -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS		+= -fsanitize=address,undefined
endif

PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libcurl and its TLS library link into the API client alone.
API_LIBS	:= $(shell pkg-config --libs libcurl jansson libbsd-overlay 2>/dev/null)

COMMON_SRCS	= $(wildcard common/*.c)
PROG_SRCS	= $(wildcard parent/*.c priv/*.c monitor/*.c) $(COMMON_SRCS)
PROG_OBJS	= $(PROG_SRCS:.c=.o)
API_OBJS	= $(patsubst %.c,%.o,$(wildcard api/*.c)) common/log.o \
		  common/clock.o common/wipe.o common/landlock.o
# Everything of the API client but main(): what regress/api links.
API_LIB_OBJS	= $(filter-out api/main.o,$(API_OBJS))
# Everything but main(): what the regress programs link against.
LIB_OBJS	= $(filter-out parent/main.o,$(PROG_OBJS))

# Each regress C program is regress/<subject>/<name>.c, one binary each.
REGRESS_SRCS	= $(wildcard regress/*/*.c)
REGRESS_PROGS	= $(REGRESS_SRCS:.c=)

.PHONY: all check check-real demo bench fuzz fuzz-ci install clean deps check-deps deb dist srpm rpm
all: $(PROG) $(API)

$(PROG): $(PROG_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(PROG_OBJS) $(PKG_LIBS)

$(API): $(API_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(API_OBJS) $(API_LIBS)


# Objects follow the flags: "make check SANITIZE=1" after a plain build
# (or the other way round) rebuilds everything.
.flags: FORCE
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
	    echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@

FORCE:

%.o: %.c $(wildcard common/*.h parent/*.h priv/*.h monitor/*.h api/*.h) .flags
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -I. -c -o $@ $<

regress/%: regress/%.c $(LIB_OBJS) .flags
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -I. $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(PKG_LIBS)

regress/api/%: regress/api/%.c $(API_LIB_OBJS) .flags
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -I. $(LDFLAGS) -o $@ $< $(API_LIB_OBJS) $(API_LIBS)

# Build and test dependencies: installed with apt-get (or dnf) when root,
# otherwise named so that an admin can install them.
deps:
	@sh regress/deps.sh build

check-deps:
	@sh regress/deps.sh check

check: check-deps
	@$(MAKE) --no-print-directory all $(REGRESS_PROGS)
	@SANITIZE=$(SANITIZE) bash regress/run.sh

# The demo reads the state file with jq: the test dependencies, then.
demo: check-deps
	@$(MAKE) --no-print-directory all $(REGRESS_PROGS)
	@bash regress/demo.sh

# The wrapper against the real virt-v2v 2.2 (Debian 12, root): installs
# packages, builds a test guest once (cached in /var/cache/v2vw-real);
# about 10 minutes on a fresh machine, 5 when cached.  Never part of check.
check-real: check-deps
	@$(MAKE) --no-print-directory all $(REGRESS_PROGS)
	@bash regress/real/check-real.sh

# libFuzzer (clang, ASan, UBSan) on the config parser, the v2v log and mr
# log readers, the throttling file parser and priv's message dispatcher
# driven as a hostile monitor (regress/fuzz/fuzz.sh): long
# runs of 10 million executions each, or a short run per target that
# fails below the coverage floors of regress/fuzz/floors.txt.
fuzz: deps
	@bash regress/fuzz/fuzz.sh long

fuzz-ci: deps
	@bash regress/fuzz/fuzz.sh ci

# Speed, memory and latency of the monitor, as ratios against a baseline
# run in the same command (regress/bench/bench.sh); never part of check.
bench: check-deps
	@$(MAKE) --no-print-directory all $(REGRESS_PROGS)
	@bash regress/bench/bench.sh

# The .py name is the earlier wrapper's, which older engines still run.
install: $(PROG) $(API)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR) \
	    $(DESTDIR)$(LIBEXECDIR)/$(PROG)
	install -m 0644 $(PROG).conf $(DESTDIR)$(SYSCONFDIR)/$(PROG).conf
	install -m 0755 $(PROG) $(DESTDIR)$(BINDIR)/$(PROG)
	install -m 0755 $(API) $(DESTDIR)$(API_PATH)
	ln -sf $(PROG) $(DESTDIR)$(BINDIR)/$(PROG).py
	install -m 0644 man/$(PROG).8 $(DESTDIR)$(MANDIR)/man8/$(PROG).8
	ln -sf $(PROG).8 $(DESTDIR)$(MANDIR)/man8/$(PROG).py.8
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PRESETDIR) $(DESTDIR)$(TMPFILESDIR)
	sed 's,@BINDIR@,$(BINDIR),g' systemd/$(PROG)-prune-logs.service.in \
	    >$(DESTDIR)$(UNITDIR)/$(PROG)-prune-logs.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/$(PROG)-prune-logs.service
	install -m 0644 systemd/$(PROG)-prune-logs.timer $(DESTDIR)$(UNITDIR)/
	install -m 0644 systemd/50-$(PROG).preset $(DESTDIR)$(PRESETDIR)/
	install -m 0644 systemd/$(PROG).tmpfiles $(DESTDIR)$(TMPFILESDIR)/$(PROG).conf

# The Debian package, built by dpkg-buildpackage from debian/; the .deb
# (and its .buildinfo and .changes) end in the project root, not in "..".
deb:
	@sh regress/deps.sh deb
	dpkg-buildpackage -b -us -uc
	v=$$(dpkg-parsechangelog -S Version); a=$$(dpkg-architecture -qDEB_HOST_ARCH); \
	    for f in $(PROG)_$${v}_$$a.deb $(PROG)-dbgsym_$${v}_$$a.deb \
	    $(PROG)_$${v}_$$a.buildinfo $(PROG)_$${v}_$$a.changes; do \
	    if [ -e ../$$f ]; then mv ../$$f . || exit 1; fi; done; \
	    test -e $(PROG)_$${v}_$$a.deb

# The source tarball that the spec names: the checkout's files.
dist:
	git ls-files -co --exclude-standard | \
	    tar -czf $(PROG)-$(VERSION).tar.gz --transform 's,^,$(PROG)-$(VERSION)/,' -T -

# The RPM (virt-v2v-wrapper.spec) for EL8/EL9, built with rpmbuild in
# .tmp/rpm; the .src.rpm and the binary RPM end in the project root.  On
# a Debian machine the rpm database is empty, so the BuildRequires cannot
# be checked there (--nodeps): that RPM proves the spec, it is not for EL.
RPMDIR		= $(CURDIR)/.tmp/rpm
RPMBUILD	= rpmbuild --define '_topdir $(RPMDIR)' \
		  $(if $(wildcard /var/lib/dpkg/status),--nodeps)
srpm: dist
	rm -rf $(RPMDIR) && mkdir -p $(RPMDIR)/SOURCES
	mv $(PROG)-$(VERSION).tar.gz $(RPMDIR)/SOURCES/
	$(RPMBUILD) -bs $(PROG).spec
	mv $(RPMDIR)/SRPMS/$(PROG)-$(VERSION)-*.src.rpm .
rpm: srpm
	$(RPMBUILD) --rebuild $(PROG)-$(VERSION)-*.src.rpm
	mv $(RPMDIR)/RPMS/*/$(PROG)-*.rpm .
	rm -rf $(RPMDIR)

clean:
	rm -f $(PROG) $(PROG_OBJS) $(API) $(API_OBJS) $(REGRESS_PROGS) .flags
