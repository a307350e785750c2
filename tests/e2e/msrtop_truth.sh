#!/usr/bin/env bash
# End-to-end: msrtop --json against msrload's ground truth.
#
# Two msrload VMs run different scripts at the same time while one msrtop
# counts everything and a second counts only the first VM (--pid). After both
# VMs have finished and msrtop has taken one more snapshot, msrtop's totals
# must equal, per VM, per vCPU, per MSR and direction, what msrload says its
# guest did; the filtered msrtop must show nothing of the other VM. Where
# kvm_exit fires (VMX/SVM), exit reasons are checked too. Prints TAP; needs
# root and /dev/kvm (runs inside the test VM, tests/vm/boot.sh, suite msrtop;
# its checks on the host: tests/lib/phases.sh).
#
#   msrtop_truth.sh [--collect DIR | --check DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"
. "$top/tests/lib/phases.sh"
. "$top/tests/lib/tracefs.sh"

ML=$top/build/msrload
MT=$top/build/msrtop
phase_init msrtop-e2e "$@"

fep=
case "$(cat /sys/module/kvm/parameters/force_emulation_prefix 2>/dev/null)" in
Y | 1) fep=:fep ;;
esac

if phase_collects; then
	# The BPF programs' unit tests (BPF_PROG_TEST_RUN) on this kernel, not
	# only on the host's: before Linux 6.4 a map insert's -EEXIST and
	# -E2BIG reached the programs zero-extended, which only a 6.1 kernel
	# shows (test_uexit_insert_race, test_overflow_counted).
	"$top/build/tests/msrtop/test_bpf" >"$work/test_bpf.tap" 2>&1
	if [ $? = 0 ] && grep -q '^# ok - bpf' "$work/test_bpf.tap"; then
		tap_ok "BPF unit tests on this kernel ($(grep -c '^ok' "$work/test_bpf.tap") passed)"
	else
		tap_fail "BPF unit tests on this kernel" \
			"$(grep -A2 '^not ok' "$work/test_bpf.tap" | head -n 12 | tr '\n' ' ')"
	fi
	"$MT" --json --interval 0.5 >"$work/all.jsonl" 2>"$work/all.err" &
	phase_pids+=($!)
	mt_all=$!
	wait_lines "$work/all.jsonl" 1 30 || { tap_fail "msrtop started" "$(cat "$work/all.err")"; tap_done; }
	tap_ok "msrtop started and attached"
	# The cheaper configurations (docs/performance.md): exits without their
	# latency, and MSR counts alone. Their counts must be as exact.
	"$MT" --json --interval 0.5 --sources kvm_exit,kvm_msr,kvm_userspace_exit \
		>"$work/nolat.jsonl" 2>"$work/nolat.err" &
	phase_pids+=($!)
	mt_nolat=$!
	"$MT" --json --interval 0.5 --sources kvm_msr >"$work/msr.jsonl" 2>"$work/msr.err" &
	phase_pids+=($!)
	mt_msr=$!
	wait_lines "$work/nolat.jsonl" 1 30 || tap_fail "msrtop --sources (no kvm_entry) started" "$(cat "$work/nolat.err")"
	wait_lines "$work/msr.jsonl" 1 30 || tap_fail "msrtop --sources kvm_msr started" "$(cat "$work/msr.err")"
	# Only the guest named bvm (VM B, msrload --name, as QEMU's -name), which
	# does not exist yet: the filter waits for it.
	"$MT" --json --interval 0.5 --guest bvm >"$work/guest.jsonl" 2>"$work/guest.err" &
	phase_pids+=($!)
	mt_guest=$!
	wait_lines "$work/guest.jsonl" 1 30 || tap_fail "msrtop --guest started" "$(cat "$work/guest.err")"

	# VM A: the default script on 2 vCPUs, held stopped until the msrtop that
	# filters on its pid has attached. VM B: a different mix on 3 vCPUs.
	sh -c 'kill -STOP $$; exec "$0" "$@"' "$ML" --vcpus 2 --reps 4 --rate 20 \
		>"$work/a.json" 2>"$work/a.err" &
	ml_a=$!
	pid_a=$ml_a
	for ((i = 0; i < 100; i++)); do
		[ "$(awk '{print $3}' /proc/$pid_a/stat 2>/dev/null)" = T ] && break
		sleep 0.05
	done
	# This one finds changed rows through the programs' ring of changed keys
	# (MSRTOP_READS=ring), as on a kernel that loads no iterator programs.
	MSRTOP_READS=ring "$MT" -v --json --interval 0.5 --pid "$pid_a" >"$work/a-only.jsonl" \
		2>"$work/a-only.err" &
	phase_pids+=($!)
	mt_a=$!
	wait_lines "$work/a-only.jsonl" 1 30 || tap_fail "msrtop --pid started" "$(cat "$work/a-only.err")"
	kill -CONT $pid_a
	b_ops=(--name bvm --vcpus 3 --reps 5 --rate 20
		--wrmsr 0x277:0x0007040600070406:37 --rdmsr 0x1b:11 --wrmsr 0x2ff:0x6:5
		--wrmsr 0x277:0x0808080808080808:3 --rdmsr 0xbad:2
		--deny 0x3b:rw:ok --wrmsr 0x3b:7:4 --rdmsr 0x3b:2 --cpuid 1:3 --outb 0x80:2 --hlt 2)
	[ -n "$fep" ] && b_ops+=(--wrmsr "0xc0000082:0x8000000000000000:3$fep" --rdmsr "0xc0000100:2$fep")
	"$ML" "${b_ops[@]}" >"$work/b.json" 2>"$work/b.err" &
	ml_b=$!
	wait $ml_a
	rc_a=$?
	wait $ml_b
	rc_b=$?
	tap_eq "msrload A ran" 0 "$rc_a"
	tap_eq "msrload B ran" 0 "$rc_b"
	[ $rc_a = 0 ] && [ $rc_b = 0 ] || { cat "$work/a.err" "$work/b.err"; tap_done; }
	pid_b=$(jq .pid "$work/b.json")

	# One more snapshot after both VMs ended, then stop msrtop (exit status 0).
	n=$(wc -l <"$work/all.jsonl")
	wait_lines "$work/all.jsonl" $((n + 2)) 30
	n=$(wc -l <"$work/a-only.jsonl")
	wait_lines "$work/a-only.jsonl" $((n + 2)) 30
	for f in nolat msr guest; do
		n=$(wc -l <"$work/$f.jsonl")
		wait_lines "$work/$f.jsonl" $((n + 2)) 30
	done
	kill -INT $mt_all $mt_a $mt_nolat $mt_msr $mt_guest
	wait $mt_all
	tap_eq "msrtop exits 0 on SIGINT" 0 $?
	wait $mt_a $mt_nolat $mt_msr $mt_guest
	phase_pids=()
	for f in all a-only nolat msr guest; do
		tail -n 1 "$work/$f.jsonl" >"$work/$f.json"
	done

	# A VM that starts and exits between two snapshots is still named: /proc has
	# nothing left of it by the time msrtop looks, so the name is the comm the BPF
	# programs recorded when they first saw its vCPU thread.
	"$MT" -v --json --once --interval 15 >"$work/short.json" 2>"$work/short.err" &
	mt_short=$!
	phase_pids+=($mt_short)
	# The same VM's tables as CSV (--csv), from another msrtop.
	"$MT" -v --csv --once --interval 15 >"$work/short.csv" 2>"$work/short-csv.err" &
	mt_csv=$!
	phase_pids+=($mt_csv)
	attached=no
	for ((i = 0; i < 300; i++)); do
		# print_attached() runs once every program is attached (libbpf's -v lines
		# name the programs long before); its last source line names the MSR table's.
		grep -q "^msrtop: the MSR table comes from " "$work/short.err" &&
			grep -q "^msrtop: the MSR table comes from " "$work/short-csv.err" && { attached=yes; break; }
		sleep 0.1
	done
	tap_eq "msrtop -v --once says where the MSR table comes from" yes "$attached"
	# A kernel with msrtop's patches: kvm_msr_outcome fills the MSR table, kvm_msr stays off.
	msr_src=kvm_msr
	tracefs_mount && [ -d "$TRACEFS/events/kvm/kvm_msr_outcome" ] && msr_src=kvm_msr_outcome
	tap_eq "msrtop -v: the MSR table comes from $msr_src by default" \
		"msrtop: the MSR table comes from $msr_src" \
		"$(grep "^msrtop: the MSR table comes from " "$work/short.err")"
	"$ML" --name shortvm --reps 1 >"$work/c.json" 2>"$work/c.err"
	tap_eq "short-lived msrload ran" 0 $?
	wait $mt_short
	tap_eq "msrtop --once exits 0" 0 $?
	# Every kernel under test runs BPF map iterators: msrtop reads the big
	# tables for their changed rows only (userspace/map_mirror.h), so the
	# exact counts checked below are what those reads gave.
	tap_eq "msrtop -v: exits, msrs and msr_writes read for their changed rows only" \
		"msrtop: read for their changed rows only (BPF map iterators): exits msrs msr_writes" \
		"$(grep "^msrtop: read for their changed rows only" "$work/short.err")"
	wait $mt_csv
	tap_eq "msrtop --csv --once exits 0" 0 $?
	phase_pids=()
	phase_keep pid_a pid_b
fi
phase_checks || tap_done
phase_load

tap_eq "--sources kvm_exit,kvm_msr,kvm_userspace_exit: the other stock sources are off" \
	"kvm_entry=off kvm_nested_vmexit=off kvm_debugfs=off kvm_pio=off kvm_mmio=off kvm_hypercall=off kvm_cpuid=off kvm_inj_virq=off kvm_inj_exception=off" \
	"$(jq -r '[.sources[] | select(.patched == false and .state == "off") | "\(.name)=\(.state)"] | join(" ")' "$work/nolat.json")"
tap_eq "--sources kvm_msr: every other stock source is off" \
	"kvm_exit kvm_entry kvm_nested_vmexit kvm_userspace_exit kvm_debugfs kvm_pio kvm_mmio kvm_hypercall kvm_cpuid kvm_inj_virq kvm_inj_exception" \
	"$(jq -r '[.sources[] | select(.patched == false and .state == "off") | .name] | join(" ")' "$work/msr.json")"
# Default sources: on a kernel with kvm_msr_outcome (msrtop's patches) it fills
# the MSR table, and neither kvm_msr nor kvm_msr_intercept is attached.
if [ "$(jq -r '.sources[] | select(.name == "kvm_msr_outcome") | .state' "$work/all.json")" = attached ]; then
	tap_eq "default sources, patched kernel: kvm_msr and kvm_msr_intercept off" "off off" \
		"$(jq -r '[.sources[] | select(.name == "kvm_msr" or .name == "kvm_msr_intercept") | .state] | join(" ")' "$work/all.json")"
else
	tap_eq "default sources, stock kernel: kvm_msr attached" attached \
		"$(jq -r '.sources[] | select(.name == "kvm_msr") | .state' "$work/all.json")"
fi
tap_cmd "every msrtop line is a JSON document" jq -e -s 'all(.version == 1)' "$work/all.jsonl"
tap_eq "no event lost to a full map" 0 \
	"$(jq '[.overflow[] | .total] | add' "$work/all.json")"
tap_eq "no event lost to a failed insert" 0 "$(jq '[.errors[] | .total] | add // 0' "$work/all.json")" \
	"msrtop said: $(grep -v '^msrtop: serving' "$work/all.err" | tr '\n' ' ')"

# check_vm NAME TRUTH.json SNAPSHOT.json: per vCPU, MSR and direction, msrtop's
# kvm_msr counts equal what KVM itself handled according to msrload.
check_vm() {
	local name=$1 truth=$2 snap=$3 pid
	pid=$(jq .pid "$truth")
	# Expected rows: vcpu index, tid, msr, access, count, gp. msrtop's count is
	# every access KVM handled (faulting ones included), gp those it refused.
	jq -r '.per_vcpu[] | .vcpu as $v | .tid as $t | .msrs[] |
		(["write", .writes, .write_faults, .write_userspace, .write_userspace_gp],
		 ["read", .reads, .read_faults, .read_userspace, .read_userspace_gp]) as $d |
		select($d[1] > 0) |
		"\($v) \($t) \(.msr) \($d[0]) \($d[1] - $d[3]) \($d[2] - $d[4])"' \
		"$truth" | sort >"$work/$name.expected"
	# Map msrtop's vCPU identity back to msrload's vCPU index.
	jq -r --argjson pid "$pid" --slurpfile t "$truth" '
		($t[0].per_vcpu | map({key: (.tid | tostring), value: .vcpu}) | from_entries) as $bytid |
		.msrs[] | select(.pid == $pid) |
		(if .vcpu_source == "tid" then $bytid[.vcpu | tostring] else .vcpu end) as $v |
		"\($v) \(.msr) \(.access) \(.count.total) \(.gp.total)"' "$snap" |
		sort >"$work/$name.got"
	local bad=0 line v tid msr acc cnt gp got
	while read -r v tid msr acc cnt gp; do
		got=$(awk -v v="$v" -v m="$msr" -v a="$acc" '$1 == v && $2 == m && $3 == a { print $4, $5 }' \
			"$work/$name.got")
		if [ "$cnt" = 0 ] && [ "$gp" = 0 ] && [ -z "$got" ]; then
			continue # every access went to user space: KVM's kvm_msr never fired
		fi
		if [ "$got" != "$cnt $gp" ]; then
			echo "#   vcpu $v msr $msr $acc: expected count/gp '$cnt $gp', msrtop says '${got:-nothing}'"
			bad=1
		fi
	done <"$work/$name.expected"
	local rows_expected rows_got
	rows_expected=$(awk '$5 > 0 || $6 > 0' "$work/$name.expected" | wc -l)
	rows_got=$(wc -l <"$work/$name.got")
	[ "$rows_expected" = "$rows_got" ] || {
		echo "#   msrtop has $rows_got MSR rows for pid $pid, msrload's truth implies $rows_expected"
		bad=1
	}
	if [ $bad = 0 ]; then
		tap_ok "$name: MSR counts per vCPU/MSR/direction equal msrload's ground truth ($rows_got rows)"
	else
		tap_fail "$name: MSR counts per vCPU/MSR/direction equal msrload's ground truth"
	fi

	# state SOURCE: that source's state in this snapshot.
	state() { jq -r --arg n "$1" '.sources[] | select(.name == $n) | .state' "$snap"; }

	# User-space exits seen by msrtop for this VM.
	local uw hlt io
	io=$(jq '.total.exits | .pio_out + .pio_in + .control_pio' "$truth")
	if [ "$(state kvm_userspace_exit)" = off ]; then
		tap_eq "$name: kvm_userspace_exit off: no user-space exit rows" 0 \
			"$(jq --argjson p "$pid" '[.userspace_exits[] | select(.pid == $p)] | length' "$snap")"
	else
	uw=$(jq '[.total.msrs[].write_userspace] | add' "$truth")
	tap_eq "$name: X86_WRMSR user-space exits" "$uw" \
		"$(jq --argjson p "$pid" '[.userspace_exits[] | select(.pid == $p and .reason_name == "X86_WRMSR") | .count.total] | add // 0' "$snap")"
	tap_eq "$name: HLT user-space exits" "$(jq .total.exits.hlt "$truth")" \
		"$(jq --argjson p "$pid" '[.userspace_exits[] | select(.pid == $p and .reason_name == "HLT") | .count.total] | add // 0' "$snap")"
	tap_eq "$name: IO user-space exits" "$io" \
		"$(jq --argjson p "$pid" '[.userspace_exits[] | select(.pid == $p and .reason_name == "IO") | .count.total] | add // 0' "$snap")"
	fi
	tap_eq "$name: VM row names msrload" "msrload" \
		"$(jq -r --argjson p "$pid" '.vms[] | select(.pid == $p) | .comm' "$snap")"

	# Exit reasons, where hardware exits are traced (SVM here; VMX names differ).
	local exits_seen
	if [ "$(state kvm_exit)" = off ]; then
		tap_eq "$name: kvm_exit off: no exit rows" 0 \
			"$(jq --argjson p "$pid" '[.exits[] | select(.pid == $p)] | length' "$snap")"
		return
	fi
	exits_seen=$(jq '.sources[] | select(.name == "kvm_exit") | .events.total // 0' "$snap")
	if [ "${exits_seen:-0}" = 0 ]; then
		tap_skip "$name: exit reasons" "kvm_exit never fired on this kernel's KVM (no VMX/SVM exits)"
		return
	fi
	# kvm_exit taught every vCPU thread its vcpu_id: no MSR row is left keyed
	# by thread id. Rows from kvm_msr_outcome carry the vCPU from the kernel.
	local vsrc=learned
	[ "$(state kvm_msr)" = attached ] || vsrc=kernel
	tap_eq "$name: every MSR row has a $vsrc vCPU id" "$vsrc" \
		"$(jq -r --argjson p "$pid" '[.msrs[] | select(.pid == $p) | .vcpu_source] | unique | join(",")' "$snap")"
	local isa
	isa=$(jq -r --argjson p "$pid" '[.exits[] | select(.pid == $p and .nested == false) | .isa_name] | unique | join(",")' "$snap")
	if [ "$isa" != svm ]; then
		tap_skip "$name: exit reasons" "exit-reason check written for SVM; this kernel's exits are '$isa'"
		return
	fi
	exit_count() {
		jq --argjson p "$pid" --arg r "$1" \
			'[.exits[] | select(.pid == $p and .nested == false and .reason_name == $r) | .count.total] | add // 0' "$snap"
	}
	local msr_exits
	msr_exits=$(jq '.total.reps as $r | [.script.ops[] | select((.op == "wrmsr" or .op == "rdmsr") and .fep == false) | .count] | add * $r' "$truth")
	tap_eq "$name: SVM MSR exits = intercepted WRMSR/RDMSR executed" "$msr_exits" "$(exit_count MSR)"
	tap_eq "$name: SVM CPUID exits" "$(jq .total.exits.cpuid "$truth")" "$(exit_count CPUID)"
	tap_eq "$name: SVM HLT exits" "$(jq .total.exits.hlt "$truth")" "$(exit_count HLT)"
	tap_eq "$name: SVM IOIO exits" "$io" "$(exit_count IOIO)"
	local fep_ops
	fep_ops=$(jq '[.script.ops[] | select(.fep == true) | .count] | add // 0 | . * 1' "$truth")
	fep_ops=$((fep_ops * $(jq .total.reps "$truth")))
	tap_eq "$name: SVM #UD exits = forced-emulation accesses" "$fep_ops" "$(exit_count EXCP_UD)"
	local lat_want=0 lat_what="kvm_entry off: no exit latency recorded"
	if [ "$(state kvm_entry)" = attached ]; then
		lat_want=$(exit_count MSR)
		lat_what="exit latency recorded for every MSR exit that re-entered"
	fi
	tap_eq "$name: $lat_what" "$lat_want" \
		"$(jq --argjson p "$pid" '[.exits[] | select(.pid == $p and .reason_name == "MSR") | .latency.count] | add // 0' "$snap")"
}

# check_latency NAME SNAPSHOT.json: every exit row with latency samples obeys
# what min, max and mean mean, against the row's own histogram and sum: the
# minimum lies in the lowest non-empty log2 slot and the maximum in the
# highest (so min <= P50 <= P99 <= max, by slot), min <= mean <= max, mean is
# sum / count rounded down, the slots add up to count, and no exit re-entered
# in 0 ns.
check_latency() {
	local name=$1 snap=$2 rows bad
	rows=$(jq '[.exits[] | select(.latency != null and .latency.count > 0)] | length' "$snap")
	if [ "${rows:-0}" = 0 ]; then
		tap_skip "$name: exit latency min/max/mean invariants" "no exit row has latency samples"
		return
	fi
	bad=$(jq -r '.exits[] | select(.latency != null and .latency.count > 0) |
		.latency as $l | ($l.log2_slots | first) as $lo | ($l.log2_slots | last) as $hi |
		select(($l.min_ns > 0 and $l.min_ns <= $l.max_ns
			and $l.min_ns >= $lo.low_ns and $l.min_ns <= $lo.high_ns
			and $l.max_ns >= $hi.low_ns and ($hi.high_ns == null or $l.max_ns <= $hi.high_ns)
			and $l.min_ns <= $l.mean_ns and $l.mean_ns <= $l.max_ns
			and $l.mean_ns == (($l.sum_ns / $l.count) | floor)
			and ([$l.log2_slots[].count] | add) == $l.count) | not) |
		"pid \(.pid) vcpu \(.vcpu) \(.reason_text): \($l | del(.log2_slots)) slots \([$l.log2_slots[] | [.slot, .count]])"' "$snap")
	if [ -z "$bad" ]; then
		tap_ok "$name: exit latency min/max/mean agree with the histogram and sum ($rows rows)"
	else
		echo "$bad" | sed 's/^/#   /'
		tap_fail "$name: exit latency min/max/mean agree with the histogram and sum"
	fi
}

check_latency "all VMs" "$work/all.json"
check_vm A "$work/a.json" "$work/all.json"
check_vm B "$work/b.json" "$work/all.json"
tap_eq "msrtop -v, MSRTOP_READS=ring: exits, msrs and msr_writes read for their changed rows through the ring" \
	"msrtop: read for their changed rows only (the programs' ring buffer of changed keys: this kernel loads no BPF map iterator programs): exits msrs msr_writes" \
	"$(grep "^msrtop: read for their changed rows only" "$work/a-only.err")"
check_vm "A (--pid A, changed rows through the ring)" "$work/a.json" "$work/a-only.json"
check_vm "B (--guest bvm)" "$work/b.json" "$work/guest.json"
tap_eq "--guest bvm: the filter is in the document" '["bvm"]' \
	"$(jq -c .filter.guests "$work/guest.json")"
tap_eq "--guest bvm: nothing of any other VM (B is pid $pid_b)" "$pid_b" \
	"$(jq -r '[.vms[], .exits[], .msrs[], .userspace_exits[] | .pid] | unique | map(tostring) | join(" ")' "$work/guest.json")"
tap_eq "--guest bvm: the VM's name is msrload's --name" "$(jq -r .name "$work/b.json")" \
	"$(jq -r --argjson p "$pid_b" '.vms[] | select(.pid == $p) | .name' "$work/all.json")"
for vm in A B; do
	truth=$work/$(echo $vm | tr AB ab).json
	check_vm "$vm (--sources kvm_exit,kvm_msr,kvm_userspace_exit)" "$truth" "$work/nolat.json"
	check_vm "$vm (--sources kvm_msr)" "$truth" "$work/msr.json"
done
tap_eq "--pid A: nothing of any other VM" "" \
	"$(jq -r --argjson p "$pid_a" '[.vms[], .exits[], .msrs[], .userspace_exits[] | select(.pid != $p) | .pid] | unique | map(tostring) | join(" ")' "$work/a-only.json")"
tap_eq "unfiltered: both VMs present" "2" \
	"$(jq --argjson a "$pid_a" --argjson b "$pid_b" '[.vms[] | select(.pid == $a or .pid == $b)] | length' "$work/all.json")"

pid_c=$(jq .pid "$work/c.json")
tap_eq "short-lived VM: gone at msrtop's snapshot" false \
	"$(jq --argjson p "$pid_c" '.vms[] | select(.pid == $p) | .alive' "$work/short.json")"
tap_eq "short-lived VM: named msrload all the same" msrload \
	"$(jq -r --argjson p "$pid_c" '.vms[] | select(.pid == $p) | .comm' "$work/short.json")"
# --csv, read with Python's csv module: every line has as many fields as its
# table's header; the msrs rows of the short-lived VM, summed per MSR and
# direction, equal what KVM handled according to msrload (as check_vm does).
csv_check=$(python3 - "$work/short.csv" "$work/c.json" <<'PY'
import csv, json, sys
truth = json.load(open(sys.argv[2]))
pid = str(truth["pid"])
header, got, bad = {}, {}, []
with open(sys.argv[1], newline="") as f:
    for row in csv.reader(f):
        if row[0] == "table":
            header = {}
            cols = row
            continue
        if len(row) != len(cols):
            bad.append("%s row with %d fields, header has %d" % (row[0], len(row), len(cols)))
            continue
        r = dict(zip(cols, row))
        if row[0] == "msrs" and r["PID"] == pid:
            k = (int(r["MSR"], 16), r["R/W"])
            c, g = got.get(k, (0, 0))
            got[k] = (c + int(r["COUNT"]), g + int(r["#GP"]))
want = {}
for m in truth["total"]["msrs"]:
    for acc, n, fl, u, ug in (("write", "writes", "write_faults", "write_userspace", "write_userspace_gp"),
                              ("read", "reads", "read_faults", "read_userspace", "read_userspace_gp")):
        cnt, gp = m[n] - m[u], m[fl] - m[ug]
        if cnt or gp:
            want[(m["msr"], acc)] = (cnt, gp)
if got != want:
    bad.append("msrs of pid %s: csv %s, msrload %s" % (pid, sorted(got.items()), sorted(want.items())))
print("; ".join(bad) if bad else "ok %d" % len(got))
PY
)
case "$csv_check" in
ok*) tap_ok "--csv: Python's csv module reads it; the short-lived VM's MSR counts equal msrload's (${csv_check#ok } rows)" ;;
*) tap_fail "--csv: Python's csv module reads it; the short-lived VM's MSR counts equal msrload's" "$csv_check" ;;
esac
tap_eq "short-lived VM: its guest name too (its command line, copied at first sight)" \
	"$(jq -r .name "$work/c.json")" \
	"$(jq -r --argjson p "$pid_c" '.vms[] | select(.pid == $p) | .name' "$work/short.json")"
tap_done
