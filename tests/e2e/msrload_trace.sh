#!/usr/bin/env bash
# End-to-end: msrload's ground truth against the kernel's own accounting.
#
# Runs msrload scripts on this kernel's /dev/kvm while the stock kvm:kvm_msr,
# kvm:kvm_userspace_exit, kvm:kvm_pio and kvm:kvm_cpuid events are recorded
# through tracefs, then compares, per MSR index and direction, the events the
# kernel emitted for msrload's vCPU threads with what msrload says its guest
# did. Prints TAP. Needs root, /dev/kvm and tracefs; run inside the test VM
# by tests/vm/boot.sh, suite msrload (the checks on the host:
# tests/lib/phases.sh), and on the host by tests/e2e/host.sh.
#
#   msrload_trace.sh [--collect DIR | --check DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/tracefs.sh"
. "$top/tests/lib/phases.sh"

ML=${MSRLOAD:-$top/build/msrload}
phase_init msrload-e2e "$@"
phase_cleanup() { [ "$phase" = check ] || tracefs_stop >/dev/null 2>&1; }

if phase_collects; then
	tracefs_mount || { tap_fail "tracefs is available"; tap_done; }
	# Forced emulation makes KVM's emulator handle an instruction that
	# hardware would not exit on (pass-through MSRs such as LSTAR on SVM).
	# Where it is off, the non-canonical writes go to an MSR that every
	# vendor intercepts instead.
	fep=
	case "$(cat /sys/module/kvm/parameters/force_emulation_prefix 2>/dev/null)" in
	Y | 1) fep=:fep ;;
	esac
	# KVM's PVM backend (a host without VMX/SVM) takes any PAT value.
	pvm=0
	[ ! -d /sys/module/kvm_pvm ] || pvm=1
	phase_keep fep pvm
else
	phase_load
fi

# Count, for msrload's vCPU threads only, the events in the recorded trace.
# Output lines: "msr write 277 ok N", "msr read 1b gp N", "uexit KVM_EXIT_HLT N",
# "pio write 80 N", "cpuid N".
count_events() {
	local tids=$1
	awk -v tids="$tids" '
	BEGIN { n = split(tids, t, " "); for (i = 1; i <= n; i++) want[t[i]] = 1 }
	/^#/ { next }
	{
		if (!match($0, /-[0-9]+ +\[[0-9]+\]/)) next
		split(substr($0, RSTART + 1, RLENGTH), a, " ")
		if (!(a[1] in want)) next
		if (match($0, /kvm_msr: msr_(read|write) [0-9a-f]+ = /)) {
			split(substr($0, RSTART, RLENGTH), f, /[_ ]/)
			# kvm, msr:, msr, DIR, INDEX, =
			key = "msr " f[4] " " f[5] " " ($0 ~ /\(#GP\)$/ ? "gp" : "ok")
		} else if (match($0, /kvm_userspace_exit: reason [A-Za-z0-9_]+/)) {
			split(substr($0, RSTART, RLENGTH), f, " ")
			key = "uexit " f[3]
		} else if (match($0, /kvm_pio: pio_(read|write) at 0x[0-9a-f]+/)) {
			split(substr($0, RSTART, RLENGTH), f, /[_ ]/)
			# kvm, pio:, pio, DIR, at, 0xPORT
			key = "pio " f[4] " " substr(f[6], 3)
		} else if ($0 ~ /kvm_cpuid: func /) {
			key = "cpuid"
		} else next
		c[key]++
	}
	END { for (k in c) print k, c[k] }' "$cdir/trace"
}

get() { # get KEY: a count from the event table, 0 if absent
	awk -v k="$1" '{ v = $NF; $NF = ""; sub(/ $/, ""); if ($0 == k) { print v; f = 1 } }
		END { if (!f) print 0 }' "$cdir/events"
}

# run_case NAME MSRLOAD-ARGS...: run msrload under tracing (collect phase),
# and compare everything (check phase); the case's files are in $work/NAME.
run_case() {
	local name=$1
	local cdir=$work/$1
	shift
	if phase_collects; then
		mkdir -p "$cdir"
		tracefs_start kvm_msr kvm_userspace_exit kvm_pio kvm_cpuid
		"$ML" "$@" >"$cdir/truth.json" 2>"$cdir/msrload.err"
		echo $? >"$cdir/rc"
		tracefs_stop >"$cdir/trace"
		tracefs_lost >"$cdir/lost"
	fi
	phase_checks || return 0
	local rc
	rc=$(cat "$cdir/rc")
	if [ "$rc" != 0 ]; then
		tap_fail "$name: msrload ran" "exit $rc: $(cat "$cdir/msrload.err")"
		return
	fi
	if ! jq -e '.tool == "msrload" and (.pid | type) == "number"' "$cdir/truth.json" >/dev/null; then
		tap_fail "$name: msrload printed its ground truth as JSON"
		return
	fi
	tap_ok "$name: msrload ran and printed JSON"
	tap_eq "$name: no trace event lost (ring buffer overruns)" 0 "$(cat "$cdir/lost")"

	local tids
	tids=$(jq -r '[.per_vcpu[].tid] | join(" ")' "$cdir/truth.json")
	count_events "$tids" | sort >"$cdir/events"

	# Per MSR and direction: every access either exits to msrload (counted by
	# msrload) or is handled by KVM, which either completes it or injects #GP;
	# the guest counted every #GP it took, msrload every #GP it answered with.
	local msr
	for msr in $(jq -r '.total.msrs[].msr_hex' "$cdir/truth.json"); do
		local hex=${msr#0x} dir
		for dir in write read; do
			local acc flt usr ugp
			read -r acc flt usr ugp < <(jq -r --arg m "$msr" --arg d "$dir" \
				'.total.msrs[] | select(.msr_hex == $m) |
				 "\(.[$d + "s"]) \(.[$d + "_faults"]) \(.[$d + "_userspace"]) \(.[$d + "_userspace_gp"])"' \
				"$cdir/truth.json")
			[ "$acc" -gt 0 ] || continue
			local k_gp=$((flt - ugp)) k_ok=$((acc - usr - (flt - ugp)))
			tap_eq "$name: kvm_msr $dir $msr completed by KVM" "$k_ok" \
				"$(get "msr $dir $hex ok")"
			tap_eq "$name: kvm_msr $dir $msr #GP from KVM" "$k_gp" \
				"$(get "msr $dir $hex gp")"
		done
	done
	# Nothing traced for an MSR the guest did not touch.
	local known extra
	known=$(jq -r '[.total.msrs[].msr_hex | ltrimstr("0x")] | join(" ")' "$cdir/truth.json")
	extra=$(awk -v k=" $known " '$1 == "msr" && index(k, " " $3 " ") == 0' "$cdir/events")
	tap_eq "$name: no kvm_msr event for other MSRs" "" "$extra"

	local uw ur
	uw=$(jq '[.total.msrs[].write_userspace] | add // 0' "$cdir/truth.json")
	ur=$(jq '[.total.msrs[].read_userspace] | add // 0' "$cdir/truth.json")
	tap_eq "$name: user-space WRMSR exits" "$uw" "$(get "uexit KVM_EXIT_X86_WRMSR")"
	tap_eq "$name: user-space RDMSR exits" "$ur" "$(get "uexit KVM_EXIT_X86_RDMSR")"
	tap_eq "$name: HLT exits" "$(jq .total.exits.hlt "$cdir/truth.json")" \
		"$(get "uexit KVM_EXIT_HLT")"
	tap_eq "$name: CPUID" "$(jq .total.exits.cpuid "$cdir/truth.json")" "$(get cpuid)"
	local scripted_out control
	scripted_out=$(jq '[.script.ops[] | select(.op == "outb") | .count] | add // 0' \
		"$cdir/truth.json")
	control=$(( $(get "pio write f1") + $(get "pio write f2") ))
	tap_eq "$name: scripted port writes" "$(jq .total.exits.pio_out "$cdir/truth.json")" \
		"$(($(get "pio write 80")))"
	tap_eq "$name: scripted port writes match the script" \
		"$((scripted_out * $(jq .total.reps "$cdir/truth.json")))" \
		"$(jq .total.exits.pio_out "$cdir/truth.json")"
	tap_eq "$name: msrload control port writes" "$(jq .total.exits.control_pio "$cdir/truth.json")" \
		"$control"
}

# The default script on two vCPUs: valid, reserved-bit, unknown-MSR and
# user-space (accepted and #GP) accesses.
run_case default --vcpus 2 --reps 3
# The guest's own account matches what the default script is designed to do.
j=$work/default/truth.json
if phase_checks; then
	if [ "$pvm" = 1 ]; then
		tap_skip "default: reserved PAT writes all took #GP" \
			"KVM's PVM backend here accepts reserved PAT values (no #GP); the VM suite checks it"
	else
		tap_eq "default: reserved PAT writes all took #GP" 60 \
			"$(jq '.total.msrs[] | select(.msr_hex == "0x277") | .write_faults' "$j")"
	fi
	tap_eq "default: unknown MSR writes all took #GP" 60 \
		"$(jq '.total.msrs[] | select(.msr_hex == "0xdead") | .write_faults' "$j")"
	tap_eq "default: denied 0x3a writes went to msrload and took #GP" "60 60 60" \
		"$(jq -r '.total.msrs[] | select(.msr_hex == "0x3a") | "\(.write_userspace) \(.write_userspace_gp) \(.write_faults)"' "$j")"
	tap_eq "default: denied 0x3b writes went to msrload, no #GP" "60 0" \
		"$(jq -r '.total.msrs[] | select(.msr_hex == "0x3b") | "\(.write_userspace) \(.write_faults)"' "$j")"
fi

# Non-canonical addresses: rejected for LSTAR/FS_BASE-class MSRs. Without
# forced emulation only MSRs that exit on every vendor can be used.
if [ -n "$fep" ]; then
	run_case non-canonical --reps 2 \
		--wrmsr 0xc0000082:0x8000000000000000:5$fep \
		--wrmsr 0xc0000100:0x0100000000000000:5$fep \
		--wrmsr 0xc0000082:0xffffffff81000000:3$fep \
		--wrmsr 0x176:0x0100000000001000:4$fep \
		--rdmsr 0xc0000082:2$fep
	j=$work/non-canonical/truth.json
	if phase_checks; then
		tap_eq "non-canonical: LSTAR/FS_BASE writes took #GP (canonical ones did not)" "10 10" \
			"$(jq -r '[.total.msrs[] | select(.msr_hex == "0xc0000082" or .msr_hex == "0xc0000100") | .write_faults] | "\(.[0]) \(.[1])"' "$j")"
		tap_eq "non-canonical: SYSENTER_EIP is canonicalised, not refused" 0 \
			"$(jq '.total.msrs[] | select(.msr_hex == "0x176") | .write_faults' "$j")"
	fi
elif phase_checks; then
	tap_skip "non-canonical writes through forced emulation" \
		"kvm.force_emulation_prefix is off on this kernel (the VM test turns it on)"
fi

# Reads and writes exiting to user space with a read value and several ranges.
run_case userspace --reps 4 --vcpus 3 \
	--deny 0x10:r:ok:0x1234 --deny 0x3b:rw:ok --deny 0xc0010000:rw:gp \
	--rdmsr 0x10:7 --wrmsr 0x3b:5:6 --rdmsr 0x3b:2 --wrmsr 0xc0010000:1:3 --rdmsr 0xc0010000:1 \
	--wrmsr 0x277:0x0007040600070406:9 --outb 0x80:2 --hlt 1

tap_done
