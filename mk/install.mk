# make install: the programs, the systemd unit, the documentation, the man
# pages, bash completion, the bpftrace scripts.
#
#   make install                      under /usr/local (PREFIX)
#   make install PREFIX=/usr          distribution layout
#   make install DESTDIR=/tmp/stage   into a staging root (packaging)
#
# The unit's paths follow BINDIR and DOCDIR. docs/daemon.md: enabling it.
# The Debian package (debian/rules) installs with PREFIX=/usr and
# UNITDIR=/lib/systemd/system (bookworm's place for units).

BINDIR ?= $(PREFIX)/bin
DOCDIR ?= $(PREFIX)/share/doc/msrtop
UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DATADIR ?= $(PREFIX)/share/msrtop
INSTALL_BINS := $(BUILD)/msrtop $(BUILD)/msrload
INSTALL_DOCS = $(sort $(wildcard docs/*.md docs/*.json docs/*.yml))
INSTALL_BT = $(sort $(wildcard bpftrace/*.bt))

.PHONY: uninstall

install: $(INSTALL_BINS)
	$(call msg,INSTALL,$(DESTDIR)$(BINDIR): $(notdir $(INSTALL_BINS)))
	$(Q)install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(DOCDIR)"
	$(Q)install -m 0755 $(INSTALL_BINS) "$(DESTDIR)$(BINDIR)/"
	$(call msg,INSTALL,$(DESTDIR)$(UNITDIR)/msrtop.service)
	$(Q)sed -e 's|/usr/local/bin/msrtop|$(BINDIR)/msrtop|g' \
		-e 's|/usr/local/share/doc/msrtop|$(DOCDIR)|g' packaging/msrtop.service \
		> "$(DESTDIR)$(UNITDIR)/msrtop.service.tmp"
	$(Q)chmod 0644 "$(DESTDIR)$(UNITDIR)/msrtop.service.tmp"
	$(Q)mv "$(DESTDIR)$(UNITDIR)/msrtop.service.tmp" "$(DESTDIR)$(UNITDIR)/msrtop.service"
	$(call msg,INSTALL,$(DESTDIR)$(DOCDIR))
	$(Q)install -m 0644 $(INSTALL_DOCS) "$(DESTDIR)$(DOCDIR)/"
	$(call msg,INSTALL,$(DESTDIR)$(MANDIR): msrtop.8 msrload.1)
	$(Q)install -D -m 0644 man/msrtop.8 "$(DESTDIR)$(MANDIR)/man8/msrtop.8"
	$(Q)install -D -m 0644 man/msrload.1 "$(DESTDIR)$(MANDIR)/man1/msrload.1"
	$(call msg,INSTALL,$(DESTDIR)$(COMPLETIONDIR): msrtop msrload)
	$(Q)install -d "$(DESTDIR)$(COMPLETIONDIR)"
	$(Q)install -m 0644 completion/msrtop.bash "$(DESTDIR)$(COMPLETIONDIR)/msrtop"
	$(Q)ln -sf msrtop "$(DESTDIR)$(COMPLETIONDIR)/msrload"
	$(call msg,INSTALL,$(DESTDIR)$(DATADIR)/bpftrace)
	$(Q)install -d "$(DESTDIR)$(DATADIR)/bpftrace"
	$(Q)install -m 0755 $(INSTALL_BT) "$(DESTDIR)$(DATADIR)/bpftrace/"
	@echo "installed; to run the daemon: systemctl daemon-reload && systemctl enable --now msrtop"

uninstall:
	$(call msg,RM,$(DESTDIR)$(BINDIR)/msrtop $(DESTDIR)$(UNITDIR)/msrtop.service $(DESTDIR)$(DOCDIR))
	$(Q)rm -f "$(DESTDIR)$(BINDIR)/msrtop" "$(DESTDIR)$(BINDIR)/msrload" \
		"$(DESTDIR)$(UNITDIR)/msrtop.service" "$(DESTDIR)$(MANDIR)/man8/msrtop.8" \
		"$(DESTDIR)$(MANDIR)/man1/msrload.1" "$(DESTDIR)$(COMPLETIONDIR)/msrtop" \
		"$(DESTDIR)$(COMPLETIONDIR)/msrload"
	$(Q)rm -rf "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(DATADIR)"

# The staged installation: files, the unit's paths, systemd-analyze verify.
TEST_SUITES += tests/exports/install.sh

# The man pages against --help, the bash completion against --help and bash.
TEST_SUITES += tests/unit/test_manpages.sh tests/unit/test_completion.sh

# make deb: the Debian packages msrtop and msrtop-kvm-dkms (debian/), built by
# `dpkg-buildpackage -us -uc -b` in a build tree of their own (debian/build).
# dpkg-buildpackage always writes its results into the directory above the
# source tree; they are moved from there into DEB_DIR (default build/deb),
# and lintian checks them there. Needs the Build-Depends of debian/control
# (make deps installs them).
DEB_DIR ?= $(BUILD)/deb
DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)
.PHONY: deb
deb:
	$(call msg,DPKG,msrtop $(DEB_VERSION) into $(DEB_DIR))
	$(Q)scripts/make-deb.sh "$(DEB_DIR)"
