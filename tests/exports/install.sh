#!/usr/bin/env bash
# Suite: `make install` into a staging root (DESTDIR, PREFIX=/usr): the
# programs, the unit with its paths rewritten, the docs, man pages, bash
# completion, bpftrace scripts; systemd-analyze verify accepts the unit, and
# its security exposure stays "OK" or better.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
stage=$(mktemp -d /tmp/msrtop-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT

if ! out=$(make -C "$top" -s install DESTDIR="$stage" PREFIX=/usr 2>&1); then
	tap_fail "make install DESTDIR=... PREFIX=/usr" "$out"
	tap_done
fi
tap_ok "make install DESTDIR=... PREFIX=/usr"
for f in usr/bin/msrtop usr/bin/msrload; do
	tap_eq "$f installed, executable" yes "$([ -x "$stage/$f" ] && echo yes || echo no)"
done
unit=$stage/usr/lib/systemd/system/msrtop.service
for f in usr/share/man/man8/msrtop.8 usr/share/man/man1/msrload.1 \
	usr/share/bash-completion/completions/msrtop usr/share/bash-completion/completions/msrload; do
	tap_eq "$f installed" yes "$([ -f "$stage/$f" ] && echo yes || echo no)"
done
tap_eq "usr/share/msrtop/bpftrace: every bpftrace/*.bt, executable" \
	"$(cd "$top/bpftrace" && ls -- *.bt | xargs)" \
	"$(cd "$stage/usr/share/msrtop/bpftrace" 2>/dev/null && find . -name '*.bt' -perm -0755 |
		sed 's|^\./||' | sort | xargs)"
for f in daemon.md msrload.md json.md msrtop.schema.json grafana-dashboard.json alerts.yml; do
	tap_eq "usr/share/doc/msrtop/$f installed" yes \
		"$([ -f "$stage/usr/share/doc/msrtop/$f" ] && echo yes || echo no)"
done
tap_eq "the unit runs the installed msrtop" \
	"ExecStart=/usr/bin/msrtop --listen 127.0.0.1:9781 --output /run/msrtop/stats.json --interval 5" \
	"$(grep '^ExecStart=' "$unit")"
tap_eq "the unit points at the man page and the installed docs" "Documentation=man:msrtop(8) file:/usr/share/doc/msrtop/daemon.md" \
	"$(grep '^Documentation=' "$unit")"
tap_eq "the unit keeps only CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_DAC_READ_SEARCH" \
	"CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_DAC_READ_SEARCH" \
	"$(grep '^CapabilityBoundingSet=' "$unit")"

if ! command -v systemd-analyze >/dev/null; then
	tap_skip "systemd-analyze verify" "systemd-analyze is not installed"
	tap_done
fi
# verify wants ExecStart's program to exist: check a copy that runs the staged one.
sed "s|/usr/bin/msrtop|$stage/usr/bin/msrtop|" "$unit" >"$stage/msrtop.service"
tap_cmd "systemd-analyze verify accepts the unit" \
	systemd-analyze verify --man=no "$stage/msrtop.service"
level=$(systemd-analyze security --offline=yes "$stage/msrtop.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for msrtop.service: \([0-9.]*\) .*/\1/p')
if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l < 3.0) }'; then
	tap_ok "systemd-analyze security: exposure $level (below 3.0)"
else
	tap_fail "systemd-analyze security: exposure below 3.0" "got '${level:-nothing}'"
fi
tap_done
