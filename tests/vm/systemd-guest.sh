#!/usr/bin/env bash
# Inside the systemd VM (tests/vm/systemd.sh): a Debian bookworm system with
# systemd as PID 1, this script run by a oneshot unit once it is up. The
# host's root is at /host (read-only): this checkout, Prometheus. SHARE
# (/srv/share) holds the .debs (SHARE/debs) and receives SHARE/guest.tap.
#
#   systemd-guest.sh SHARE
#
# Install msrtop's package with apt (offline: its dependencies are in the
# image), `systemctl enable --now msrtop`, run msrload; Prometheus scrapes the
# unit's endpoint and its HTTP API must return msrload's counts exactly; reload,
# the sandbox, systemd-analyze security, stop (exit 0, no BPF program left);
# remove and purge leave the file system as it was before the install.
# Then the exit status goes to /srv/vm/rc (tests/vm/run.sh) and the VM powers off.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
share=$1
exec >"$share/guest.tap" 2>&1
. "$top/tests/lib/tap.sh"
. "$top/tests/exports/lib.sh"
PROM=127.0.0.1:9090
PORT=9781
work=$(mktemp -d)
prom_pid=
# On exit (tap_done, or a failure that ends the run): the exit status for
# tests/vm/run.sh, then power off.
finish() {
	local rc=$?
	[ -z "$prom_pid" ] || kill "$prom_pid" 2>/dev/null
	echo "$rc" >/srv/vm/rc
	sync
	systemctl poweroff --no-block
}
trap finish EXIT

# fs_list: every path of the root file system but the volatile ones (logs,
# apt's and dpkg's own databases, caches, the mounts of this test).
fs_list() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /var/tmp -o -path /var/log -o -path /var/cache -o -path /var/lib/apt \
		-o -path /var/lib/dpkg -o -path /srv -o -path /host -o -path /var/lib/systemd/timers \
		-o -path /var/lib/systemd/random-seed -o -path /var/lib/systemd/catalog \) -prune -o -print |
		sort
}

echo "# kernel $(uname -r), systemd $(systemctl --version | head -n 1 | cut -d' ' -f2)"
tap_eq "PID 1 is systemd" systemd "$(cat /proc/1/comm)"
# This unit runs after multi-user.target (so the system is "starting" until
# it ends): the target is reached, and no unit failed.
tap_eq "the system came up: multi-user.target active, no failed unit" "active" \
	"$({ systemctl is-active multi-user.target
		systemctl --failed --no-legend --plain | awk '{ print $1 }'; } | xargs)"

# ---- install ----------------------------------------------------------------------
fs_list >"$work/fs-before"
debs=("$share"/debs/msrtop_*.deb)
# one_line TEXT: TEXT's lines joined, for a TAP failure's detail line.
one_line() { printf '%s\n' "$1" | tail -n "${2:-5}" | paste -sd '|'; }
if ! out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y "${debs[@]}" 2>&1); then
	tap_fail "apt-get install ${debs[*]##*/} (offline)" "$(one_line "$out")"
	tap_done
fi
tap_ok "apt-get install ${debs[*]##*/} (offline)"
missing=$(dpkg -L msrtop | while read -r f; do [ -e "$f" ] || echo "$f"; done)
tap_eq "every path dpkg -L msrtop lists exists" "" "$(one_line "$missing")"
tap_eq "installed, neither enabled nor started" "disabled inactive" \
	"$(systemctl is-enabled msrtop) $(systemctl is-active msrtop)"

# ---- KVM, the unit -------------------------------------------------------------------
modprobe kvm_amd 2>"$work/modprobe.err"
tap_eq "kvm_amd loads, /dev/kvm exists (nested SVM)" yes "$([ -c /dev/kvm ] && echo yes || echo no)"
if ! out=$(systemctl enable --now msrtop 2>&1); then
	tap_fail "systemctl enable --now msrtop" "$(one_line "$out")"
	tap_done
fi
tap_ok "systemctl enable --now msrtop"
# Loading and attaching the BPF programs under TCG takes a while: up to 10
# minutes, with the unit's state every 30 s; the first failure ends the wait.
up= t0=$SECONDS last=$SECONDS
while [ $((SECONDS - t0)) -lt 600 ]; do
	curl -sf --max-time 2 "http://127.0.0.1:$PORT/metrics" >/dev/null && { up=1; break; }
	[ "$(systemctl show -P NRestarts msrtop)" = 0 ] || break
	if [ $((SECONDS - last)) -ge 30 ]; then
		last=$SECONDS
		echo "# $((SECONDS - t0)) s: msrtop is $(systemctl is-active msrtop)"
	fi
	sleep 0.5
done
if [ -z "$up" ]; then
	tap_fail "the unit serves http://127.0.0.1:$PORT/metrics" "after $((SECONDS - t0)) s"
	journalctl -u msrtop --no-pager -o cat | tail -n 30 | sed 's/^/#   /'
	tap_done
fi
echo "# the unit served /metrics $((SECONDS - t0)) s after systemctl enable --now"
tap_ok "the unit serves http://127.0.0.1:$PORT/metrics"
journalctl -u msrtop --no-pager -o cat | sed 's/^/#   journal: /'
mainpid=$(systemctl show -P MainPID msrtop)
# The BPF programs this msrtop holds: its file descriptors' prog_id.
progs=$(cat /proc/"$mainpid"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' |
	sort -nu | xargs)
tap_eq "msrtop (pid $mainpid) holds BPF programs" yes "$([ -n "$progs" ] && echo yes || echo no)"
echo "#   program ids: $progs"

# ---- Prometheus, msrload ----------------------------------------------------------------
mkdir -p "$work/tsdb"
cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $top/docs/alerts.yml
scrape_configs:
  - job_name: msrtop
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
/host/usr/bin/prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="$PROM" --log.level=warn >"$work/prometheus.log" 2>&1 &
prom_pid=$!
at=
for _ in $(seq 240); do
	up=$(promql 'up{job="msrtop"}' '.data.result[0].value[1]' 2>/dev/null)
	[ "$up" = 1 ] && break
	sleep 0.5
done
tap_eq "Prometheus $(/host/usr/bin/prometheus --version 2>&1 | head -n 1 | cut -d' ' -f3) scrapes the unit (up == 1)" 1 "$up"

if ! msrload --vcpus 2 --reps 20 -O "$work/truth.json" 2>"$work/msrload.err"; then
	tap_fail "msrload ran" "$(one_line "$(cat "$work/msrload.err")")"
	tap_done
fi
end=$(date +%s.%N)
pid=$(jq .pid "$work/truth.json")
tap_ok "msrload ran: pid $pid, $(jq .total.reps "$work/truth.json") repetitions on 2 vCPUs"
# Wait for a scrape of a snapshot the unit took after msrload exited (its
# interval is 5 s).
ts=0
for _ in $(seq 120); do
	ts=$(promql 'msrtop_snapshot_timestamp_seconds' '.data.result[0].value[1]')
	awk -v t="${ts:-0}" -v e="$end" 'BEGIN { exit !(t > e) }' && break
	sleep 0.5
done
tap_cmd "Prometheus has a snapshot taken after msrload exited" \
	awk -v t="${ts:-0}" -v e="$end" 'BEGIN { exit !(t > e) }'
check_prom_msrs "$work/truth.json" "$pid" "Prometheus API"
tap_eq "Prometheus API: user-space WRMSR exits equal msrload's" \
	"$(jq '[.total.msrs[].write_userspace] | add' "$work/truth.json")" \
	"$(promql "sum(msrtop_userspace_exits_total{pid=\"$pid\",reason=\"X86_WRMSR\"})" \
		'.data.result[0].value[1] // "0"')"
tap_eq "Prometheus API: HLT exits to msrload equal msrload's" \
	"$(jq .total.exits.hlt "$work/truth.json")" \
	"$(promql "sum(msrtop_userspace_exits_total{pid=\"$pid\",reason=\"HLT\"})" \
		'.data.result[0].value[1] // "0"')"
# docs/alerts.yml, loaded by this Prometheus: its recording rules make one
# series for msrload's VM, with the VM's labels.
tap_eq "docs/alerts.yml's recording rule msrtop_vm:msr_gp:rate5m has msrload's VM" "msrload" \
	"$(promql "msrtop_vm:msr_gp:rate5m{pid=\"$pid\"}" '.data.result[0].metric.comm')"

# ---- reload -------------------------------------------------------------------------------
seq0=$(curl -sf "http://127.0.0.1:$PORT/stats.json" | jq .seq)
tap_cmd "systemctl reload msrtop" systemctl reload msrtop
seq1=$seq0
for _ in $(seq 60); do
	seq1=$(curl -sf --max-time 5 "http://127.0.0.1:$PORT/stats.json" | jq .seq)
	[ "${seq1:-0}" -gt "$seq0" ] && break
	sleep 0.5
done
tap_eq "after reload: the same process, active, serving newer snapshots" \
	"$mainpid active yes" \
	"$(systemctl show -P MainPID msrtop) $(systemctl is-active msrtop) $([ "${seq1:-0}" -gt "$seq0" ] && echo yes || echo "no (seq $seq0, then $seq1)")"

# ---- the sandbox ----------------------------------------------------------------------------
st=/proc/$mainpid/status
# Bits 39, 38, 21, 2 (linux/capability.h).
tap_eq "msrtop's capabilities are CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_DAC_READ_SEARCH only" \
	"000000c000200004" "$(sed -n 's/^CapEff:\t//p' "$st")"
tap_eq "msrtop runs with NoNewPrivs and a seccomp filter, not as root" "1 2 yes" \
	"$(sed -n 's/^NoNewPrivs:\t//p' "$st") $(sed -n 's/^Seccomp:\t//p' "$st") $(
		[ "$(stat -c %u "/proc/$mainpid")" != 0 ] && echo yes || echo no)"
uid=$(stat -c %u "/proc/$mainpid") gid=$(stat -c %g "/proc/$mainpid")
# In the unit's own mount namespace, as its user and as root.
inside() { nsenter -t "$mainpid" -m "$@"; }
written=
for d in /etc /usr /var /var/lib /root /srv /home /; do
	for who in "$uid" root; do
		ids=()
		[ "$who" = root ] || ids=(-S "$uid" -G "$gid")
		if inside "${ids[@]}" sh -c "echo x >'$d/msrtop-sandbox-test'" 2>/dev/null; then
			written+=" $d(as $who)"
			inside rm -f "$d/msrtop-sandbox-test"
		fi
	done
done
tap_eq "the unit's sandbox: no write to /etc /usr /var /var/lib /root /srv /home / (as its user or root)" \
	"" "$written"
tap_cmd "the unit's user may write in /run/msrtop" \
	inside -S "$uid" -G "$gid" sh -c 'echo x >/run/msrtop/sandbox-test && rm /run/msrtop/sandbox-test'
for d in /tmp /var/tmp; do
	inside -S "$uid" -G "$gid" sh -c "echo x >$d/msrtop-private-tmp"
	tap_eq "its $d is private: a file it writes there is not in the system's $d" "yes no" \
		"$(inside test -e $d/msrtop-private-tmp && echo yes || echo no) $(
			[ -e $d/msrtop-private-tmp ] && echo yes || echo no)"
done
tap_eq "/dev/kvm is not in its /dev (PrivateDevices)" no \
	"$(inside test -e /dev/kvm && echo yes || echo no)"
sec=$(systemd-analyze security --no-pager msrtop 2>&1 | sed -n 's/.*Overall exposure level for msrtop.service: //p')
echo "# systemd-analyze security msrtop: $sec"
case "$sec" in
*" OK"* | *" SAFE"* | *" PERFECT"*) tap_ok "systemd-analyze security msrtop: $sec (OK or better)" ;;
*) tap_fail "systemd-analyze security msrtop: OK or better" "got '$sec'" ;;
esac

# ---- stop ---------------------------------------------------------------------------------------
tap_cmd "systemctl stop msrtop" systemctl stop msrtop
tap_eq "msrtop exited with status 0 (Result, ExecMainStatus)" "success 0" \
	"$(systemctl show -P Result msrtop) $(systemctl show -P ExecMainStatus msrtop)"
left=
for id in $progs; do
	bpftool prog show id "$id" >/dev/null 2>&1 && left+=" $id"
done
tap_eq "none of msrtop's BPF programs is loaded any more (bpftool prog)" "" "$left"
tap_eq "no tracing BPF program at all is loaded" "" \
	"$(bpftool prog show -j | jq -r '.[] | select(.type | test("tracepoint|tracing|raw_tracepoint")) | "\(.id):\(.name)"' | xargs)"

# ---- remove, purge ------------------------------------------------------------------------------
tap_cmd "systemctl disable msrtop" systemctl disable msrtop
dpkg -L msrtop >"$work/files"
tap_cmd "apt-get remove msrtop" env DEBIAN_FRONTEND=noninteractive apt-get remove -y msrtop
# Directories (and /lib, a link to one) may stay: other packages share them.
left=$(while read -r f; do
	[ -d "$f" ] && continue
	{ [ -e "$f" ] || [ -L "$f" ]; } && echo "$f"
done <"$work/files")
tap_eq "after remove: none of its files is left" "" "$(one_line "$left" 20)"
tap_cmd "apt-get purge msrtop" env DEBIAN_FRONTEND=noninteractive apt-get purge -y msrtop
tap_eq "dpkg knows msrtop no more" "" "$(dpkg-query -W -f '${Status}' msrtop 2>/dev/null)"
fs_list >"$work/fs-after"
tap_eq "after purge: the file system is as before the install" "" \
	"$(diff "$work/fs-before" "$work/fs-after" | grep '^[<>]' | xargs)"
tap_done
