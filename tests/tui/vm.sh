#!/usr/bin/env bash
# msrtop's live view against msrload's ground truth, run inside the test VM
# (tests/vm/boot.sh, suite tui), where KVM takes real (nested SVM) exits.
#
# msrtop runs in a 120x30 tmux pane. While msrload runs a paced script the
# screens of the three main views are printed between "#| ---- screen NAME"
# lines (docs/screen.txt is one of them); then msrload runs the default script
# a known number of times and, once it has exited, the totals on the screen
# (filtered to its pid with the p key) must equal what its JSON says the guest
# did: per MSR and direction, accesses KVM handled and #GP it injected; per
# exit reason, the exits those imply. View keys, a bad filter, q and SIGTERM
# are checked too. Needs root and /dev/kvm. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/tui/tmux.sh"

MSRTOP=${MSRTOP:-$top/build/msrtop}
ML=${MSRLOAD:-$top/build/msrload}
[ -e /dev/kvm ] || { tap_skip "msrtop's view on msrload" "no /dev/kvm here"; tap_done; }
command -v tmux >/dev/null || { tap_skip "msrtop's view on msrload" "tmux is not installed"; tap_done; }
command -v jq >/dev/null || { tap_fail "jq is installed (make deps)"; tap_done; }

work=$(mktemp -d /tmp/tui-vm.XXXXXX)
trap 'tmux_stop; rm -rf "$work"' EXIT
# The header shows the host name: give the VM one.
[ "$(hostname)" != "(none)" ] || hostname msrtop-testvm
tmux_start "$work" 120 30 || { tap_fail "tmux starts a session"; tap_done; }

print_screen() { # NAME: the screen as TAP comments, for the log and docs/screen.txt
	echo "#| ---- screen $1"
	screen | sed 's/ *$//; s/^/#| /'
	echo "#| ---- end"
}

# sum_msr_rows: "0xINDEX R|W TOTAL #GP" per MSR and direction, summed over the
# vCPU rows of the MSRs view on the screen.
sum_msr_rows() {
	screen | awk '
	{
		for (i = 2; i < NF - 3; i++)
			if ($i ~ /^0x[0-9a-f]+$/ && $(i + 1) ~ /^[RW]$/) {
				k = $i " " $(i + 1); tot[k] += $(i + 3); gp[k] += $(i + 4)
				break
			}
	}
	END { for (k in tot) print k, tot[k], gp[k] }' | sort
}

# expected_msr_rows JSON: the same from msrload's ground truth: kvm_msr counts
# the accesses KVM handled itself (not those it passed to msrload), #GP those
# it injected.
expected_msr_rows() {
	jq -r '.total.msrs[] | . as $m | ["write", "read"][] as $d |
		($m[$d + "s"] - $m[$d + "_userspace"]) as $k |
		select($k > 0) |
		"\($m.msr_hex) \(if $d == "write" then "W" else "R" end) \($k) \($m[$d + "_faults"] - $m[$d + "_userspace_gp"])"' \
		"$1" | sort
}

# exit_total REASON: the TOTAL column of the SVM exit row REASON on the screen (0 if none).
exit_total() {
	screen | awk -v r="$1" '$0 ~ / svm +/ { for (i = 1; i < NF; i++) if ($i == "svm" && $(i + 1) == r) s += $(i + 3) }
		END { print s + 0 }'
}

# ---- a paced load: the README's screen ------------------------------------------------
pane_run live "$MSRTOP" --interval 1
# (The tabs may wrap: the sort key is on the tab line or the one below.)
check_screen "msrtop's live view comes up in a terminal" '^ 1:exits ' 90 || tap_done
check_screen "the sort key is shown beside the tabs" 'sort: rate'
check_screen "the header names the sources and their state" 'sources: kvm_exit [0-9]+ \('
"$ML" --vcpus 2 --duration 25 --rate 20 --output "$work/paced.json" 2>"$work/paced.err" &
mlpid=$!
sleep 6
keys 2
check_screen "key 2: the MSRs view" '^VM +VCPU +MSR +R/W +RATE/s +TOTAL +#GP +CHANGES +LAST VALUE'
check_screen "MSRs by name and index, with a rate, while msrload runs" \
	' IA32_CR_PAT 0x277 +W +[1-9][0-9.]* +[1-9]'
print_screen msrs
keys 1
check_screen "key 1: the exits view" '^VM +VCPU +ISA +REASON'
check_screen "exits appear while msrload runs" ' svm +MSR +[0-9.]+ +[1-9]'
print_screen exits
if screen | grep -q 'kvm_msr_outcome [0-9]'; then
	patched=1
	keys 4
	check_screen "key 4: the outcomes view (patched kernel)" '^VM +MSR +R/W +RATE/s +TOTAL +HANDLED'
	print_screen outcomes
else
	patched=0
fi
keys 3
check_screen "key 3: the VMs view" '^ +PID +COMM +GUEST +VCPUS'
check_screen "msrload is a VM, by pid and comm" "^ +$mlpid +msrload "
print_screen vms
wait "$mlpid"
tap_eq "the paced msrload run succeeded" 0 $?

# ---- a known script: totals against the ground truth ----------------------------------
"$ML" --vcpus 2 --reps 3 --output "$work/truth.json" 2>"$work/truth.err"
tap_eq "msrload ran the default script" 0 $?
pid=$(jq .pid "$work/truth.json")
sleep 3 # two snapshots later everything msrload did is in
keys p
keys -l "$pid"
keys Enter
check_screen "p: the pid filter is shown" "filter: .*pid $pid"
keys m
check_screen "key m: the MSRs view" '^VM +VCPU +MSR +R/W'
# (msrload may end before msrtop reads its comm: the VM column may be the pid alone.)
# The vCPU: learned for the thread (N~) where kvm_msr fills the table, the
# event's own where kvm_msr_outcome does (patched kernels).
vc='[0-9]+~'
[ "$patched" = 1 ] && vc='[0-9]+'
check_screen "IA32_CR_PAT writes of msrload's VM by name and index, with the last value written" \
	"^$pid( msrload)? +$vc +IA32_CR_PAT 0x277 +W +[0-9.]+ +[0-9]+ +[0-9]+ +[0-9]+ +0x0007040600070406$"
check_screen "IA32_APICBASE reads by name" "^$pid( msrload)? +$vc +IA32_APICBASE 0x1b +R "
expected_msr_rows "$work/truth.json" >"$work/want"
sum_msr_rows >"$work/got"
if [ -s "$work/want" ] && cmp -s "$work/want" "$work/got"; then
	tap_ok "MSRs view: per MSR and direction, totals and #GP equal msrload's ground truth"
else
	tap_fail "MSRs view: per MSR and direction, totals and #GP equal msrload's ground truth"
	paste "$work/want" "$work/got" | sed 's/^/#   want | got: /'
	screen | sed 's/^/#   /'
fi

keys e
check_screen "key e: the exits view" '^VM +VCPU +ISA +REASON'
# Every guest RDMSR/WRMSR of this script is intercepted: one SVM MSR exit each.
tap_eq "exits view: SVM MSR exits equal the guest's MSR accesses" \
	"$(jq '[.total.msrs[] | .reads + .writes] | add' "$work/truth.json")" "$(exit_total MSR)"
tap_eq "exits view: SVM CPUID exits equal the guest's CPUIDs" \
	"$(jq .total.exits.cpuid "$work/truth.json")" "$(exit_total CPUID)"
tap_eq "exits view: SVM HLT exits equal the guest's HLTs" \
	"$(jq .total.exits.hlt "$work/truth.json")" "$(exit_total HLT)"
tap_eq "exits view: SVM IOIO exits equal the guest's port writes" \
	"$(jq '.total.exits | .pio_out + .pio_in + .control_pio' "$work/truth.json")" \
	"$(exit_total IOIO)"
check_screen "exits view: latency MIN, P50, MEAN, P99, MAX" \
	' svm +MSR +[0-9.]+ +[0-9]+ +[0-9.]+[num]s +<[0-9.]+[num]s +[0-9.]+[num]s +<[0-9.]+[num]s +[0-9.]+[num]s$'
keys v
check_screen "key v: the VMs view, msrload's MSR accesses and #GP" \
	"^ +$pid +[^ ]+( \(gone\))? +- +[0-9]+ +[0-9.]+ +[0-9]+ +[0-9.]+ +$(awk '{t += $3} END {print t}' "$work/want") +$(awk '{t += $4} END {print t}' "$work/want") "
print_screen "vms-filtered"

# sum_outcome_rows: "0xINDEX R|W TOTAL HANDLED USER USER-ERRORS #GP" per MSR and
# direction from the outcomes view.
sum_outcome_rows() {
	screen | awk '
	{
		for (i = 2; i < NF - 6; i++)
			if ($i ~ /^0x[0-9a-f]+$/ && $(i + 1) ~ /^[RW]$/) {
				err = 0; g = i + 7
				if ($(i + 7) ~ /^\(/) { err = substr($(i + 7), 2); g = i + 9 }
				print $i, $(i + 1), $(i + 3), $(i + 4), $(i + 6), err, $g
				break
			}
	}' | sort
}

if [ "$patched" = 1 ]; then
	# Fifteen columns: the #GP reasons, last, need more than 120 (docs/tui.md).
	tmx resize-window -t t -x 140 -y 30
	keys o
	check_screen "key o: the outcomes view" '^VM +MSR +R/W +RATE/s +TOTAL +HANDLED'
	# One outcome per intercepted access: handled by KVM, #GP injected by
	# KVM, or handed to msrload (which answered some with an error: #GP).
	jq -r '.total.msrs[] | . as $m | ["write", "read"][] as $d |
		select($m[$d + "s"] > 0) |
		($m[$d + "_faults"] - $m[$d + "_userspace_gp"]) as $gp |
		"\($m.msr_hex) \(if $d == "write" then "W" else "R" end) \($m[$d + "s"]) \($m[$d + "s"] - $m[$d + "_userspace"] - $gp) \($m[$d + "_userspace"]) \($m[$d + "_userspace_gp"]) \($gp)"' \
		"$work/truth.json" | sort >"$work/want-oc"
	sum_outcome_rows >"$work/got-oc"
	if [ -s "$work/want-oc" ] && cmp -s "$work/want-oc" "$work/got-oc"; then
		tap_ok "outcomes view: per MSR and direction, handled / userspace / #GP equal the ground truth"
	else
		tap_fail "outcomes view: per MSR and direction, handled / userspace / #GP equal the ground truth"
		paste "$work/want-oc" "$work/got-oc" | sed 's/^/#   want | got: /'
		screen | sed 's/^/#   /'
	fi
	check_screen "outcomes view: reserved IA32_CR_PAT values are invalid_value #GP" \
		' IA32_CR_PAT 0x277 +W .* invalid_value [1-9][0-9]*$'
	check_screen "outcomes view: the unknown MSR's #GP is unknown_msr" \
		' 0xdead +W .* unknown_msr [1-9][0-9]*$'
	print_screen "outcomes-filtered"
	tmx resize-window -t t -x 120 -y 30
else
	tap_skip "outcomes view against the ground truth" "this kernel has no kvm_msr_outcome"
fi

keys M
keys -l NO_SUCH_MSR
keys Enter
check_screen "a bad MSR filter shows an error line" "^unknown MSR 'NO_SUCH_MSR'"
tap_cmd "msrtop still runs after the bad filter" kill -0 "$(pane_pid live)"
keys 1
check_screen "and still draws (key 1)" '^VM +VCPU +ISA +REASON'

keys q
tap_eq "q: msrtop exits with status 0" 0 "$(pane_wait_exit live 20)"
check_restored live "q"

pane_run term "$MSRTOP" --interval 1
check_screen "msrtop's view comes up again" '^ 1:exits ' 90
kill -TERM "$(pane_pid term)"
tap_eq "SIGTERM: msrtop exits with status 0" 0 "$(pane_wait_exit term 20)"
check_restored term "SIGTERM"

tap_done
