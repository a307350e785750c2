#!/usr/bin/env bash
# msrtop's Debian package under a real systemd, on Debian's own kernel under
# QEMU (TAP on stdout):
#
#   tests/vm/systemd.sh [KVER]        (default 6.1)
#
# 1. Debian's current KVER kernel (tests/vm/debian-kernel.sh, cached) and a
#    minimal bookworm root with systemd as a disk image (tests/vm/debian-root.sh,
#    mmdebstrap, cached by its package list and apt sources);
# 2. the packages, built and checked by lintian (scripts/make-deb.sh);
# 3. one boot: the image as the root disk (QEMU's snapshot=on: the cached
#    image is never written), tests/vm/systemd-init.sh as the first PID 1, which hands over
#    to the image's systemd; a oneshot unit runs tests/vm/systemd-guest.sh
#    (install, the unit against msrload through Prometheus, reload, sandbox,
#    stop, remove, purge), whose TAP comes back through the shared directory
#    and is reported here with the prefix "[systemd]".
# The time of each step is printed ("# time: ...").
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"

kver=${1:-6.1}
L="[systemd]"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/msrtop-systemd.XXXXXX") ||
	{ tap_fail "$L a work directory"; tap_done; }
trap 'rm -rf "$work"' EXIT
step() { echo "# time: $1 $(($(date +%s) - t)) s"; }

t=$(date +%s)
if ! out=$("$top/tests/vm/debian-kernel.sh" "$kver" 2>"$work/kernel.log"); then
	tap_fail "$L Debian's $kver kernel fetched and unpacked" "$(tail -n 3 "$work/kernel.log")"
	tap_done
fi
read -r krel ver dir <<<"$out"
tap_ok "$L Debian's linux-image-$krel $ver ready"
step kernel
t=$(date +%s)
if ! img=$("$top/tests/vm/debian-root.sh" "$krel" "$dir/root" 2>"$work/root.log"); then
	tap_fail "$L a bookworm root with systemd (mmdebstrap)" "$(tail -n 5 "$work/root.log")"
	tap_done
fi
tap_ok "$L a bookworm root with systemd: $(basename "$img")"
step root-image

t=$(date +%s)
share=$work/share
mkdir -p "$share/units"
if ! out=$("$top/scripts/make-deb.sh" "$share/debs" 2>&1); then
	tap_fail "$L make deb: the packages build, lintian reports no error or warning" \
		"$(printf '%s\n' "$out" | tail -n 5 | paste -sd '|')"
	tap_done
fi
tap_ok "$L make deb: the packages build, lintian reports no error or warning"
step make-deb

cat >"$share/units/msrtop-vmtest.service" <<UNIT
[Unit]
Description=msrtop's systemd VM test (tests/vm/systemd-guest.sh)
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/host$top/tests/vm/systemd-guest.sh /srv/share
TimeoutStartSec=infinity
UNIT
t=$(date +%s)
"$top/tests/vm/run.sh" --kernel "$dir/vmlinuz" --initrd "$dir/initrd" --timeout 1500 \
	--disk "$img" --share "$share" \
	--append "init=$top/tests/vm/systemd-init.sh msrtop_krel=$krel msrtop_kroot=$dir/root" \
	-- true >"$work/console.log" 2>&1
rc=$?
step boot-and-guest
console_tail() { tail -n 25 "$work/console.log" | sed 's/^/#   console: /'; }
if [ ! -s "$share/guest.tap" ]; then
	tap_fail "$L the guest ran its test" "run.sh exit $rc"
	console_tail
	tap_done
fi
# The guest's TAP, renumbered into this suite's.
while IFS= read -r line; do
	case "$line" in
	"ok "*) tap_ok "$L ${line#ok * - }" ;;
	"not ok "*) tap_fail "$L ${line#not ok * - }" ;;
	"1.."*) ;;
	*) printf '%s\n' "$line" ;;
	esac
done <"$share/guest.tap"
if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
	tap_fail "$L the guest ran to the end and powered off" "run.sh exit $rc"
	console_tail
fi
tap_done
