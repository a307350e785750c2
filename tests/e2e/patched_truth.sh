#!/usr/bin/env bash
# End-to-end on a kernel with msrtop's patch series, under SVM: the new
# tracepoints (kvm_msr_intercept, kvm_msr_outcome, kvm_msr_canonical) against
# msrload's ground truth, against an independent in-kernel count taken with
# ftrace hist triggers on the same events, and against what msrtop --json
# reports from them. Prints TAP; needs root, /dev/kvm, tracefs with hist
# triggers, and kvm.force_emulation_prefix=1 (tests/vm/boot.sh, suite patched;
# its checks on the host: tests/lib/phases.sh).
#
#   patched_truth.sh [--collect DIR | --check DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/tracefs.sh"
. "$top/tests/lib/phases.sh"

ML=$top/build/msrload
MT=$top/build/msrtop
T=$TRACEFS
EVENTS="kvm_msr_intercept kvm_msr_outcome kvm_msr_canonical"
phase_init patched-e2e "$@"
mt= mtd=
phase_cleanup() {
	[ "$phase" != check ] || return 0
	[ -n "$mt" ] && kill -INT "$mt" 2>/dev/null
	[ -n "$mtd" ] && kill -INT "$mtd" 2>/dev/null
	for e in $EVENTS; do
		[ -f "$T/events/kvm/$e/trigger" ] && sed -n 's/ \[active\]$//p' "$T/events/kvm/$e/trigger" |
			while read -r t; do echo "!$t" >"$T/events/kvm/$e/trigger"; done
	done
}

if phase_collects; then
	tracefs_mount || { tap_fail "tracefs is available"; tap_done; }
	for e in kvm_msr_intercept kvm_msr_outcome kvm_msr_canonical; do
		if [ -d "$T/events/kvm/$e" ]; then
			tap_ok "the kernel has kvm:$e"
		else
			tap_fail "the kernel has kvm:$e" "this test kernel should carry the patch series"
			tap_done
		fi
	done
	case "$(cat /sys/module/kvm/parameters/force_emulation_prefix 2>/dev/null)" in
	Y | 1) ;;
	*)
		tap_fail "kvm.force_emulation_prefix is on" "boot with kvm.force_emulation_prefix=1"
		tap_done
		;;
	esac

	# Independent counts: hist triggers (at most three keys each). msrload is the
	# only VMM in the test VM, so they are not keyed by thread. msrload runs on
	# one CPU (taskset below): ftrace's hist map drops an event when two CPUs
	# insert the same new key at once and one waits too long for the other
	# (seen with the two real CPUs of Debian's kernels under QEMU, on triggers
	# with no key left to key them by CPU); events on one CPU never race.
	echo 'hist:keys=msr,write:vals=hitcount:size=4096' >"$T/events/kvm/kvm_msr_intercept/trigger"
	echo 'hist:keys=msr,write,outcome:vals=hitcount:size=4096' >"$T/events/kvm/kvm_msr_outcome/trigger"
	echo 'hist:keys=msr,outcome,reason:vals=hitcount:size=4096' >>"$T/events/kvm/kvm_msr_outcome/trigger"
	echo 'hist:keys=msr,write,emulated:vals=hitcount:size=4096' >>"$T/events/kvm/kvm_msr_outcome/trigger"
	echo 'hist:keys=msr,rejected:vals=hitcount:size=4096' >"$T/events/kvm/kvm_msr_canonical/trigger"

	# Every source (--sources all: kvm_msr and kvm_msr_intercept too), and the
	# default ones (kvm_msr_outcome fills the MSR table).
	"$MT" --json --interval 0.5 --sources all >"$work/mt.jsonl" 2>"$work/mt.err" &
	mt=$!
	"$MT" --json --interval 0.5 >"$work/mtd.jsonl" 2>"$work/mtd.err" &
	mtd=$!
	for ((i = 0; i < 300; i++)); do [ -s "$work/mt.jsonl" ] && [ -s "$work/mtd.jsonl" ] && break; sleep 0.1; done
	[ -s "$work/mt.jsonl" ] || { tap_fail "msrtop started" "$(cat "$work/mt.err")"; tap_done; }
	[ -s "$work/mtd.jsonl" ] || { tap_fail "msrtop (default sources) started" "$(cat "$work/mtd.err")"; tap_done; }
	tap_eq "msrtop --sources all attached all three patched tracepoints" "attached attached attached" \
		"$(head -n 1 "$work/mt.jsonl" | jq -r '[.sources[] | select(.patched and (.name | startswith("kvm_msr_"))) | .state] | join(" ")')"

	# Each MSR is accessed either only through exits or only through forced
	# emulation, so the ground truth of each can be told apart.
	taskset -c 0 "$ML" --vcpus 2 --reps 3 \
		--wrmsr 0x277:0x0007040600070406:40 --wrmsr 0x277:0x0202020202020202:7 --rdmsr 0x277:5 \
		--rdmsr 0x1b:9 --wrmsr 0xdead:1:6 --rdmsr 0xbeef:4 \
		--deny 0x3b:rw:ok --wrmsr 0x3b:5:8 --rdmsr 0x3b:3 \
		--deny 0x3a:w:gp --wrmsr 0x3a:1:4 \
		--wrmsr 0xc0000082:0x8000000000000000:5:fep --wrmsr 0xc0000082:0xffffffff81000000:2:fep \
		--wrmsr 0xc0000100:0x0100000000000000:3:fep \
		--wrmsr 0x176:0x0100000000001000:4:fep --wrmsr 0x175:0xffff880000001000:2:fep \
		>"$work/truth.json" 2>"$work/ml.err"
	rc=$?
	tap_eq "msrload ran" 0 "$rc"
	[ $rc = 0 ] || { cat "$work/ml.err"; tap_done; }
	for f in mt mtd; do
		n=$(wc -l <"$work/$f.jsonl")
		for ((i = 0; i < 300; i++)); do [ "$(wc -l <"$work/$f.jsonl")" -ge $((n + 2)) ] && break; sleep 0.1; done
	done
	kill -INT $mt $mtd
	wait $mt $mtd
	mt= mtd=
	tail -n 1 "$work/mt.jsonl" >"$work/mt.json"
	tail -n 1 "$work/mtd.jsonl" >"$work/mtd.json"
	# The hist triggers' tables, for the checks.
	for e in $EVENTS; do cp "$T/events/kvm/$e/hist" "$work/hist-$e"; done

fi
phase_checks || tap_done

truth=$work/truth.json
pid=$(jq .pid "$truth")

# hist EVENT KEYS: the table of the trigger with the keys KEYS, as
# "key1 key2 ... hitcount" lines (several triggers share one hist file).
hist() {
	awk -v k="hist:keys=$2:" '/^# trigger info:/ { on = index($0, k) > 0 } on && /^\{/' \
		"$work/hist-$1" | sed 's/[^0-9 ]//g'
}
hist kvm_msr_intercept msr,write >"$work/h_int"
hist kvm_msr_outcome msr,write,outcome >"$work/h_out"
hist kvm_msr_outcome msr,outcome,reason >"$work/h_outr"
hist kvm_msr_outcome msr,write,emulated >"$work/h_oute"
hist kvm_msr_canonical msr,rejected >"$work/h_can"
for e in $EVENTS; do
	tap_eq "hist triggers on $e dropped nothing" 0 \
		"$(sed -n 's/^ *Dropped: *//p' "$work/hist-$e" | awk '{ n += $1 } END { print n + 0 }')"
done

# sum FILE AWK-CONDITION: total hitcount of the matching hist lines.
sum() { awk "$2 { n += \$NF } END { print n + 0 }" "$1"; }
# mt QUERY: a number from msrtop's last document.
mtq() { jq --argjson p "$pid" "$1" "$work/mt.json"; }

for msr in $(jq -r '.total.msrs[] | select(.write_fep == 0 and .read_fep == 0) | .msr' "$truth"); do
	hex=$(printf '0x%x' "$msr")
	for dir in write read; do
		w=$([ $dir = write ] && echo 1 || echo 0)
		read -r acc flt usr ugp < <(jq -r --argjson m "$msr" --arg d "$dir" \
			'.total.msrs[] | select(.msr == $m) |
			 "\(.[$d + "s"]) \(.[$d + "_faults"]) \(.[$d + "_userspace"]) \(.[$d + "_userspace_gp"])"' "$truth")
		[ "$acc" -gt 0 ] || continue
		kgp=$((flt - ugp))
		handled=$((acc - usr - kgp))
		sel="\$1 == $msr && \$2 == $w"
		# intercept: one per exit
		tap_eq "$hex $dir: kvm_msr_intercept events (hist)" "$acc" "$(sum "$work/h_int" "$sel")"
		tap_eq "$hex $dir: msrtop msr_intercepts" "$acc" \
			"$(mtq "[.msr_intercepts[] | select(.pid == \$p and .msr == $msr and .access == \"$dir\") | .count.total] | add // 0")"
		# outcomes: handled, #GP, user space and its completion
		for o in "0 $handled handled" "1 $kgp gp" "2 $usr userspace" "3 $usr userspace_done"; do
			set -- $o
			tap_eq "$hex $dir: outcome $3 (hist)" "$2" "$(sum "$work/h_out" "$sel && \$3 == $1")"
			tap_eq "$hex $dir: outcome $3 (msrtop)" "$2" \
				"$(mtq "[.msr_outcomes[] | select(.pid == \$p and .msr == $msr and .access == \"$dir\" and .outcome_name == \"$3\") | .count.total] | add // 0")"
		done
		[ "$usr" -gt 0 ] && tap_eq "$hex $dir: user space answered #GP (userspace_done error, msrtop)" \
			"$ugp" "$(mtq "[.msr_outcomes[] | select(.pid == \$p and .msr == $msr and .access == \"$dir\" and .outcome_name == \"userspace_done\" and .reason_name == \"error\") | .count.total] | add // 0")"
	done
done
# Why #GP: the kernel's reason, per MSR.
tap_eq "0x277 write: #GP reason is invalid_value" \
	"$(jq '.total.msrs[] | select(.msr == 631) | .write_faults' "$truth")" \
	"$(sum "$work/h_outr" '$1 == 631 && $2 == 1 && $3 == 2')"
tap_eq "0xdead write: #GP reason is unknown_msr" \
	"$(jq '.total.msrs[] | select(.msr == 57005) | .write_faults' "$truth")" \
	"$(sum "$work/h_outr" '$1 == 57005 && $2 == 1 && $3 == 1')"
tap_eq "0xbeef read: #GP reason is unknown_msr" \
	"$(jq '.total.msrs[] | select(.msr == 48879) | .read_faults' "$truth")" \
	"$(sum "$work/h_outr" '$1 == 48879 && $2 == 1 && $3 == 1')"
tap_eq "user-space exits are all for the filter (reason 4)" \
	"$(jq '[.total.msrs[] | .write_userspace + .read_userspace] | add' "$truth")" \
	"$(sum "$work/h_outr" '$2 == 2 && $3 == 4')"
tap_eq "user-space completions with error = msrload's #GP answers" \
	"$(jq '[.total.msrs[] | .write_userspace_gp + .read_userspace_gp] | add' "$truth")" \
	"$(sum "$work/h_outr" '$2 == 3 && $3 == 1')"
# (non_canonical: the forced-emulation LSTAR and FS_BASE writes, checked below)
tap_eq "msrtop: #GP reasons" "invalid_value non_canonical unknown_msr" \
	"$(mtq '[.msr_outcomes[] | select(.pid == $p and .outcome_name == "gp") | .reason_name] | unique | join(" ")' | tr -d '"')"

# Canonical checks, reached through forced emulation (pass-through MSRs on SVM).
lstar_rej=$(jq '.total.msrs[] | select(.msr == 3221225602) | .write_faults' "$truth")
fs_rej=$(jq '.total.msrs[] | select(.msr == 3221225728) | .write_faults' "$truth")
tap_eq "LSTAR: non-canonical writes refused = #GP the guest took" "$lstar_rej" \
	"$(sum "$work/h_can" '$1 == 3221225602 && $2 == 1')"
tap_eq "FS_BASE: non-canonical writes refused = #GP the guest took" "$fs_rej" \
	"$(sum "$work/h_can" '$1 == 3221225728 && $2 == 1')"
tap_eq "msrtop: #GP non_canonical outcomes = refused LSTAR and FS_BASE writes (emulated)" \
	"$((lstar_rej + fs_rej))" \
	"$(mtq '[.msr_outcomes[] | select(.pid == $p and .outcome_name == "gp" and .reason_name == "non_canonical") | .count.total] | add // 0')"
tap_eq "SYSENTER_EIP: every non-canonical write canonicalised" \
	"$(jq '.total.msrs[] | select(.msr == 374) | .writes' "$truth")" \
	"$(sum "$work/h_can" '$1 == 374 && $2 == 0')"
tap_eq "SYSENTER_ESP: canonical writes are left alone (no event)" 0 \
	"$(sum "$work/h_can" '$1 == 373')"
tap_eq "msrtop canonical: rejected LSTAR, FS_BASE; fixed SYSENTER_EIP" \
	"$lstar_rej $fs_rej $(jq '.total.msrs[] | select(.msr == 374) | .writes' "$truth")" \
	"$(mtq '[([.canonical[] | select(.pid == $p and .msr == 3221225602) | .rejected.total] | add), ([.canonical[] | select(.pid == $p and .msr == 3221225728) | .rejected.total] | add), ([.canonical[] | select(.pid == $p and .msr == 374) | .fixups.total] | add)] | map(tostring) | join(" ")' | tr -d '"')"
tap_eq "no intercept for forced-emulation accesses (they exit as #UD)" 0 \
	"$(sum "$work/h_int" '$1 == 3221225602 || $1 == 3221225728 || $1 == 374 || $1 == 373')"
tap_eq "handling latency recorded for every handled PAT write (msrtop)" \
	"$(mtq '[.msr_outcomes[] | select(.pid == $p and .msr == 631 and .access == "write" and .outcome_name == "handled") | .count.total] | add')" \
	"$(mtq '[.msr_outcomes[] | select(.pid == $p and .msr == 631 and .access == "write" and .outcome_name == "handled") | .duration.count] | add')"

# Accesses KVM's instruction emulator ran (forced emulation): kvm_msr_outcome
# fires for them too, marked emulated; every other access is an exit's.
fep_msrs=$(jq -r '[.total.msrs[] | select(.write_fep > 0 or .read_fep > 0) | .msr] | join(" ")' "$truth")
fep_sel=$(for m in $fep_msrs; do printf '$1 == %s || ' "$m"; done)0
tap_eq "kvm_msr_outcome emulated events = forced-emulation accesses" \
	"$(jq '[.total.msrs[] | .write_fep + .read_fep] | add' "$truth")" \
	"$(sum "$work/h_oute" "\$3 == 1")"
tap_eq "no emulated outcome event for the MSRs accessed through exits" 0 \
	"$(sum "$work/h_oute" "!($fep_sel) && \$3 == 1")"
tap_eq "exits' outcome events = intercepts + completions from user space" \
	"$(($(awk '{ n += $NF } END { print n + 0 }' "$work/h_int") + $(jq '[.total.msrs[] | .write_userspace + .read_userspace] | add' "$truth")))" \
	"$(sum "$work/h_oute" "\$3 == 0")"

# msrtop with its default sources: kvm_msr_outcome fills the MSR table, with
# kvm_msr and kvm_msr_intercept off (one program per access).
tap_eq "msrtop default sources: kvm_msr and kvm_msr_intercept off, kvm_msr_outcome and kvm_msr_canonical attached" \
	"kvm_msr=off kvm_msr_intercept=off kvm_msr_outcome=attached kvm_msr_canonical=attached" \
	"$(jq -r '[.sources[] | select(.name | startswith("kvm_msr")) | "\(.name)=\(.state)"] | join(" ")' "$work/mtd.json")"
tap_eq "msrtop default sources: no intercept rows" 0 "$(jq '.msr_intercepts | length' "$work/mtd.json")"
tap_eq "msrtop default sources: nothing lost" 0 \
	"$(jq '[.overflow[], .errors[] | .total] | add // 0' "$work/mtd.json")" \
	"msrtop said: $(grep -v '^msrtop: serving' "$work/mtd.err" 2>/dev/null | tr '\n' ' ')"
# Its MSR table, per MSR and direction, against msrload's ground truth: every
# access KVM handled (exit or emulator; faulting ones included, those handed to
# user space not), #GP those KVM refused.
jq -r '.total.msrs[] | (["write", .writes, .write_faults, .write_userspace, .write_userspace_gp],
	["read", .reads, .read_faults, .read_userspace, .read_userspace_gp]) as $d |
	.msr as $m | select($d[1] - $d[3] > 0) | "\($m) \($d[0]) \($d[1] - $d[3]) \($d[2] - $d[4])"' \
	"$truth" | sort >"$work/tbl.expected"
jq -r --argjson p "$pid" '[.msrs[] | select(.pid == $p)] | group_by([.msr, .access])[] |
	"\(.[0].msr) \(.[0].access) \(map(.count.total) | add) \(map(.gp.total) | add)"' \
	"$work/mtd.json" | sort >"$work/tbl.got"
tap_eq "msrtop default sources: MSR table per MSR/direction = msrload's truth ($(wc -l <"$work/tbl.expected") rows, forced emulation and user space included)" \
	"$(cat "$work/tbl.expected")" "$(cat "$work/tbl.got")"
tap_eq "msrtop default sources: MSR rows keyed by the kernel's vcpu_id" kernel \
	"$(jq -r --argjson p "$pid" '[.msrs[] | select(.pid == $p) | .vcpu_source] | unique | join(",")' "$work/mtd.json")"
tap_eq "msrtop default sources: PAT's last value and value changes as kvm_msr's" \
	"$(jq -c --argjson p "$pid" '[.msrs[] | select(.pid == $p and .msr == 631 and .access == "write")] | [map(.value_changes.total) | add, (map(.last_value) | sort)]' "$work/mt.json")" \
	"$(jq -c --argjson p "$pid" '[.msrs[] | select(.pid == $p and .msr == 631 and .access == "write")] | [map(.value_changes.total) | add, (map(.last_value) | sort)]' "$work/mtd.json")"
tap_done
