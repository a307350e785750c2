#!/usr/bin/env bash
# End-to-end: KVM's statistics as msrtop reads them from debugfs (kvm_debugfs,
# the kvm_stats table) against two other accounts of the same counters:
#
#   - msrload's kvm_stats: what KVM reported to msrload itself through its
#     binary statistics (KVM_GET_STATS_FD) of each vCPU when the vCPU stopped,
#     summed over the vCPUs: each VM-wide debugfs file of a vCPU statistic
#     is that sum;
#   - the files themselves, read with cat and stat at the same moment.
#
# msrload --linger keeps the VM open, idle, after its vCPUs stopped and its
# JSON was written: every count is final then, and msrtop reads it while the
# debugfs directory still exists. Also: msrtop without BTF (a private mount
# namespace) still gets these statistics; a debugfs that is not there makes
# the table say why and msrtop exit 0.
#
# Where debugfs refuses the cumulative statistics (a kernel in lockdown, as
# some hosts are: EPERM on every writable debugfs file), the comparison with
# msrload is a skip with that reason; the files msrtop can read are still
# checked. Prints TAP; needs root and /dev/kvm (runs on the host, and inside
# the test VMs, tests/vm/boot.sh, suite kvmstats).
#
#   kvm_debugfs.sh [--collect DIR | --check DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"
. "$top/tests/lib/phases.sh"

ML=$top/build/msrload
MT=$top/build/msrtop
phase_init kvm-debugfs "$@"
ml_pid=
phase_cleanup() {
	[ -z "$ml_pid" ] || kill -INT "$ml_pid" 2>/dev/null
}

if phase_collects; then
	if [ "$(id -u)" != 0 ]; then
		tap_skip "KVM statistics from debugfs" "needs root (debugfs is root's)"
		tap_done
	fi
	if [ ! -c /dev/kvm ]; then
		tap_skip "KVM statistics from debugfs" "this host has no /dev/kvm"
		tap_done
	fi
	dbg=$(awk '$3 == "debugfs" { print $2; exit }' /proc/mounts)
	if [ -z "$dbg" ]; then
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null && dbg=/sys/kernel/debug
	fi
	if [ -z "$dbg" ] || [ ! -d "$dbg/kvm" ]; then
		tap_skip "KVM statistics from debugfs" "no debugfs with a kvm directory (CONFIG_DEBUG_FS?)"
		tap_done
	fi

	# Two vCPUs, enough exits of several kinds (HLT, port I/O, MSRs, CPUID).
	rm -f "$work/truth.json"
	"$ML" --vcpus 2 --reps 5 --linger 120 --name kvmstats-e2e --output "$work/truth.json" \
		>"$work/ml.out" 2>"$work/ml.err" &
	ml_pid=$!
	for ((i = 0; i < 1200; i++)); do
		[ -s "$work/truth.json" ] || ! kill -0 "$ml_pid" 2>/dev/null && break
		sleep 0.1
	done
	if [ ! -s "$work/truth.json" ]; then
		tap_fail "msrload --linger wrote its JSON and kept the VM" "$(cat "$work/ml.err")"
		tap_done
	fi
	vmdir=$(ls -d "$dbg/kvm/$ml_pid"-* 2>/dev/null | head -n 1)
	if [ -z "$vmdir" ]; then
		tap_fail "msrload's VM has a debugfs directory while it lingers" \
			"nothing like $dbg/kvm/$ml_pid-* ($(ls "$dbg/kvm" | tr '\n' ' '))"
		tap_done
	fi
	tap_ok "msrload --linger: JSON written, the VM still open ($vmdir)"

	# The kernel's files, as cat and stat see them: "vcpu name mode content|!errno".
	list_files() {
		local f name parent v content
		for f in "$vmdir"/* "$vmdir"/vcpu*/*; do
			[ -f "$f" ] || continue
			name=${f##*/}
			parent=${f%/*}
			parent=${parent##*/}
			case "$parent" in vcpu[0-9]*) v=${parent#vcpu} ;; *) v=vm ;; esac
			if content=$(cat "$f" 2>"$work/cat.err"); then
				printf '%s %s %s %s\n' "$v" "$name" "$(stat -c %a "$f")" "$(echo $content)"
			else
				printf '%s %s %s !%s\n' "$v" "$name" "$(stat -c %a "$f")" \
					"$(sed 's/.*: //' "$work/cat.err")"
			fi
		done
	}
	list_files >"$work/files.txt"
	"$MT" --once --json --interval 0.2 --sources kvm_debugfs --pid "$ml_pid" \
		>"$work/msrtop.json" 2>"$work/msrtop.err"
	echo $? >"$work/msrtop.rc"
	# The same VM by guest name (msrload --name, as QEMU's -name).
	"$MT" --once --json --interval 0.2 --sources kvm_debugfs --guest kvmstats-e2e \
		>"$work/guest.json" 2>"$work/guest.err"
	# The files again: the VM is idle, nothing may have changed in between.
	list_files >"$work/files-after.txt"

	# Without BTF (none in this mount namespace): the default sources give way
	# to debugfs alone, with one line saying why.
	if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" "$@"' \
			"$MT" --once --json --interval 0.2 --pid "$ml_pid" \
			>"$work/nobtf.json" 2>"$work/nobtf.err"
		echo $? >"$work/nobtf.rc"
	fi
	# A debugfs without a kvm directory (here: an empty directory given as
	# debugfs): the table says why, msrtop exits 0.
	mkdir -p "$work/nodebugfs"
	MSRTOP_DEBUGFS=$work/nodebugfs "$MT" --once --interval 0.2 --sources kvm_debugfs \
		>"$work/nokvm.txt" 2>"$work/nokvm.err"
	echo $? >"$work/nokvm.rc"

	kill -INT "$ml_pid" 2>/dev/null
	wait "$ml_pid"
	echo $? >"$work/ml.rc"
	ml_pid=
	phase_keep vmdir
fi

if phase_checks; then
	phase_load
	tap_eq "msrload exits 0 after lingering (ended by SIGINT)" 0 "$(cat "$work/ml.rc")"
	tap_eq "msrtop --sources kvm_debugfs --once: exit status" 0 "$(cat "$work/msrtop.rc")"
	if cmp -s "$work/files.txt" "$work/files-after.txt"; then
		tap_ok "the lingering VM's files did not change while msrtop read them"
	else
		tap_fail "the lingering VM's files did not change while msrtop read them" \
			"$(diff "$work/files.txt" "$work/files-after.txt" | head -n 5)"
	fi
	# The checks print "OK name", "FAIL name<TAB>detail" or "SKIP name<TAB>reason".
	python3 - "$work" >"$work/checks.txt" 2>&1 <<'EOF'
import json, sys

work = sys.argv[1]

def ok(name, good, detail="", skip=None):
    detail = str(detail).replace("\t", " ").replace("\n", " ")[:400]
    if skip:
        print(f"SKIP {name}\t{skip}")
    elif good:
        print(f"OK {name}")
    else:
        print(f"FAIL {name}\t{detail}")


truth = json.load(open(f"{work}/truth.json"))
try:
    doc = json.load(open(f"{work}/msrtop.json"))
except ValueError as e:
    ok("msrtop's JSON", False, e)
    sys.exit(0)
src = {s["name"]: s for s in doc["sources"]}["kvm_debugfs"]
rows = [r for r in doc["kvm_stats"] if r["pid"] == truth["pid"]]
ok("kvm_debugfs is read and the other sources are off", src["state"] == "attached"
   and all(s["state"] == "off" for s in doc["sources"] if s["name"] != "kvm_debugfs"),
   doc["sources"])
ok("rows of msrload's VM only (--pid)", rows and len(rows) == len(doc["kvm_stats"]),
   f"{len(rows)} of {len(doc['kvm_stats'])}")

# The kernel's files: "vcpu name mode content" or "... !error".
files = {}
for line in open(f"{work}/files.txt"):
    v, name, mode, content = line.rstrip("\n").split(" ", 3)
    files[(None if v == "vm" else int(v), name)] = (int(mode, 8), content)
readable = {}
for key, (mode, content) in files.items():
    if content.startswith("!") or key[1] == "pid" and key[0] is not None:
        continue
    words = content.split()
    # Not a count (a signed tsc-offset, an empty or text file like
    # mmu_rmaps_stat): msrtop leaves it out.
    if words and all(w.isascii() and w.isdigit() for w in words):
        readable[key] = (mode, sum(int(w) for w in words))
refused = {k for k, (m, c) in files.items() if c.startswith("!")}
got = {(r["vcpu"], r["stat"]): r for r in rows}
ok("one row per readable statistics file, no other",
   set(got) == set(readable),
   f"only msrtop: {sorted(set(got) - set(readable), key=str)[:5]} "
   f"only files: {sorted(set(readable) - set(got), key=str)[:5]}")
bad = [(k, got[k]["value"], readable[k][1]) for k in got if k in readable
       and got[k]["value"] != readable[k][1]]
ok("every value equals the file's, read at the same moment", not bad, bad[:5])
bad = [k for k in got if k in readable and got[k]["cumulative"] !=
       (bool(readable[k][0] & 0o222) and not k[1].startswith("max_"))]
ok("cumulative exactly for the writable files but max_* peaks (KVM's mode)", not bad, bad[:5])
bad = [k for k, r in got.items() if (r["count"] is None) == r["cumulative"]
       or r["count"] is not None and r["count"]["total"] != r["value"]]
ok("count set for cumulative rows, equal to value; null for the others", not bad, bad[:5])
vcpus = {k[0] for k in got if k[0] is not None}
if any(k[0] is not None for k in readable):
    ok("vCPU rows for each of msrload's vCPUs", vcpus == set(range(truth["vcpus"])),
       f"vCPUs in msrtop: {sorted(vcpus)}, msrload ran {truth['vcpus']}")
else:
    ok("vCPU rows for each of msrload's vCPUs", True, skip="no readable vcpuN/ file")

# KVM's binary statistics, as msrload read them when its vCPUs stopped.
ks = truth["total"]["kvm_stats"]
both = [s for s in ks if (None, s) in got]
unexplained = [s for s in ks if (None, s) not in got and (None, s) not in refused
               and (None, s) in files]
denied = src["error"]
if not ks:
    ok("msrtop's VM-wide statistics equal msrload's kvm_stats", True,
       skip="msrload got no binary statistics (kernel before 5.14)")
elif not both and denied:
    ok("msrtop's VM-wide statistics equal msrload's kvm_stats", True,
       skip=f"debugfs refuses KVM's cumulative statistics here ({denied}: kernel lockdown)")
else:
    bad = [(s, got[(None, s)]["value"], ks[s]) for s in both if got[(None, s)]["value"] != ks[s]]
    ok(f"msrtop's VM-wide statistics equal msrload's kvm_stats ({len(both)} of {len(ks)}: "
       + ", ".join(f"{s}={ks[s]}" for s in ("exits", "io_exits", "halt_exits") if s in both)
       + ")", both and not bad, bad[:8] or "nothing to compare")
    nonzero = [s for s in both if ks[s]]
    ok("some of them are not zero (exits, halt_exits, ...)", len(nonzero) >= 2, nonzero)
ok("every statistic of msrload's missing in msrtop is refused by debugfs", not unexplained,
   unexplained[:5])
if denied:
    ok("the source's error names the refusal", denied == "Operation not permitted"
       or denied == "Permission denied", denied)

try:
    g = json.load(open(f"{work}/guest.json"))
    ok("--guest NAME: the rows of that VM, the same", {(r["pid"], r["vcpu"], r["stat"]): r["value"]
       for r in g["kvm_stats"]} == {(truth["pid"], k[0], k[1]): r["value"] for k, r in got.items()},
       f"{len(g['kvm_stats'])} rows")
except ValueError as e:
    ok("--guest NAME: the rows of that VM, the same", False,
       f"{e}: {open(work + '/guest.err').read()}")

try:
    rc = int(open(f"{work}/nobtf.rc").read())
    err = open(f"{work}/nobtf.err").read()
    nb = json.load(open(f"{work}/nobtf.json")) if rc == 0 else None
    nbs = {s["name"]: s for s in nb["sources"]} if nb else {}
    ok("without BTF: msrtop runs on debugfs alone, exit 0", rc == 0, err)
    ok("without BTF: one line on stderr saying why there is no BPF",
       "no BPF (" in err and "CONFIG_DEBUG_INFO_BTF" in err and err.count("\n") == 1, err)
    ok("without BTF: kvm_debugfs read, the tracepoints failed, the same rows",
       nb is not None and nbs["kvm_debugfs"]["state"] == "attached"
       and nbs["kvm_exit"]["state"] == "failed"
       and {(r["vcpu"], r["stat"]): r["value"] for r in nb["kvm_stats"]
            if r["pid"] == truth["pid"]} == {k: r["value"] for k, r in got.items()},
       nbs.get("kvm_exit"))
except FileNotFoundError:
    for t in ("runs on debugfs alone", "one line saying why", "same rows"):
        ok("without BTF: " + t, True, skip="no unshare -m here")

rc = int(open(f"{work}/nokvm.rc").read())
txt = open(f"{work}/nokvm.txt").read()
ok("debugfs without kvm/: exit 0 and the table says why", rc == 0 and
   "KVM STATISTICS (debugfs): not available: debugfs has no kvm directory" in txt,
   txt[-300:] + open(f"{work}/nokvm.err").read())
print(f"# checked {len(got)} statistics of pid {truth['pid']}")
EOF
	[ -s "$work/checks.txt" ] || tap_fail "the checks ran" "python3 printed nothing"
	while IFS= read -r line; do
		case "$line" in
		"OK "*) tap_ok "${line#OK }" ;;
		"FAIL "*) line=${line#FAIL }; tap_fail "${line%%$'\t'*}" "${line#*$'\t'}" ;;
		"SKIP "*) line=${line#SKIP }; tap_skip "${line%%$'\t'*}" "${line#*$'\t'}" ;;
		"# "*) echo "$line" ;;
		*) tap_fail "the checks ran" "$line" ;;
		esac
	done <"$work/checks.txt"
fi
tap_done
