#!/usr/bin/env bash
# Runs every bpftrace script (bpftrace/*.bt) and every one-liner of
# docs/one-liners.md on this kernel, each while msrload runs a known workload,
# and compares the counts each prints with msrload's ground truth. Prints TAP.
#
#   tests/bpftrace/run.sh [--where LABEL] [--only REGEX] [--keep DIR] [--copy-tools]
#                         [--scripts-only REASON] [--collect DIR | --check DIR]
#
# LABEL says where this runs ("host", "vm"); it is printed, with the kernel and
# the CPU vendor, in every result, so the output records which program ran
# where. --only runs the programs whose id matches REGEX; --keep copies every
# program's output (bpftrace -f json) and msrload's JSON to DIR.
# --copy-tools copies bpftrace, bpftool and jq with their libraries to a tmpfs
# first: inside the test VM the root file system is 9p, and loading bpftrace's
# 200 MB of LLVM libraries from it takes 5-10 s for every run.
# --scripts-only runs the scripts only, and reports the one-liners it left out
# as one skip with REASON (the VM suite runs the one-liners in one kernel only:
# each bpftrace start costs 5-25 s under QEMU's emulation).
# --collect and --check split the run in two (tests/lib/phases.sh): the
# programs run and their outputs are kept (in the VM), and the outputs are
# compared with msrload's ground truth (on the host).
#
# What happens to a program depends on this kernel:
#   - a probe it needs is missing (a patched-kernel tracepoint on a stock
#     kernel, a kprobe where there are no kprobes): it is run anyway and must
#     stop with bpftrace's own message naming the probe; its counts are a skip
#     with the reason, except that a patched-kernel tracepoint missing from a
#     kernel built with the series (kernel-patches/vX.Y/0001-*.patch exists)
#     is a failure;
#   - no /dev/kvm: it is run and must attach and stop cleanly; its counts are
#     a skip (the VM suite, tests/vm/boot.sh, suite bpftrace, runs them);
#   - otherwise it runs while msrload runs the workload of checks.sh, and its
#     check_* function compares what it printed with msrload's JSON.
# bpftrace prints "Attaching N probes..." before it attaches them: each program
# is started, then msrload waits until bpftool lists all its probes as
# attached; after msrload, SIGINT makes bpftrace run END and print its maps.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/tracefs.sh"
. "$top/tests/bpftrace/lib.sh"
. "$top/tests/bpftrace/checks.sh"
. "$top/tests/lib/phases.sh"

where=host only= keep= copy_tools=0 scripts_only= phase_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--where) where=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--copy-tools) copy_tools=1; shift ;;
	--scripts-only) scripts_only=$2; shift 2 ;;
	--collect | --check) phase_args=("$1" "$2"); shift 2 ;;
	*) echo "run.sh: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
	esac
done
cd "$top" || exit 1
ML=${MSRLOAD:-$top/build/msrload}
DOC=$top/docs/one-liners.md
PATCHED_TRACEPOINTS="kvm_msr_intercept kvm_msr_outcome kvm_msr_canonical"

phase_init bpftrace-test "${phase_args[@]}"
tools=
bt_pids=()
phase_cleanup() {
	[ -z "${bt_pid:-}" ] || kill -KILL "$bt_pid" 2>/dev/null
	for p in "${bt_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	[ -z "$tools" ] || rm -rf "$tools"
}
[ -z "$keep" ] || mkdir -p "$keep"

if phase_collects; then
	# ---- this machine ------------------------------------------------------------
	kernel=$(uname -r)
	kver=$(echo "$kernel" | cut -d. -f1,2)
	if [ -d /sys/module/kvm_pvm ]; then
		vendor=pvm
	elif grep -qw svm /proc/cpuinfo; then
		vendor=svm
	elif grep -qw vmx /proc/cpuinfo; then
		vendor=vmx
	else
		vendor=none
	fi
	have_kvm=0
	[ -c /dev/kvm ] && have_kvm=1
	fep=0
	case "$(cat /sys/module/kvm/parameters/force_emulation_prefix 2>/dev/null)" in
	Y | 1) [ "$vendor" = pvm ] || fep=1 ;;
	esac
	series=
	if compgen -G "$top/kernel-patches/v$kver/0001-*.patch" >/dev/null; then
		series=$top/kernel-patches/v$kver
	fi
	label="$where, Linux $kernel, $vendor"

	echo "# where: $where; kernel: $kernel; CPU virtualisation: $vendor; /dev/kvm: $([ $have_kvm = 1 ] && echo yes || echo no)"
	echo "# kprobes: $(bt_have_kprobes && echo yes || echo no); forced emulation: $([ $fep = 1 ] && echo on || echo off)"
	echo "# msrtop tracepoint series for $kver: ${series:-none (patched-kernel programs are expected to fail here)}"

	if [ "$(id -u)" != 0 ]; then
		tap_skip "bpftrace programs" "bpftrace needs root"
		tap_done
	fi
	if [ ! -x "$BPFTRACE" ]; then
		tap_fail "bpftrace is installed" "no $BPFTRACE: run 'make deps'"
		tap_done
	fi
	if ! command -v bpftool >/dev/null; then
		tap_fail "bpftool is installed (it tells when bpftrace's probes are attached)" "run 'make deps'"
		tap_done
	fi
	tracefs_mount || { tap_fail "tracefs is mounted"; tap_done; }

	if [ $copy_tools = 1 ]; then
		tools=$(mktemp -d /tmp/bpftrace-tools.XXXXXX)
		for t in bpftrace bpftool jq; do
			copy_tool "$t" "$tools" || { tap_fail "copy $t to $tools"; tap_done; }
		done
		PATH=$tools:$PATH
		BPFTRACE=$tools/bpftrace
	fi
	[ $have_kvm = 0 ] || [ -x "$ML" ] || { tap_fail "msrload is built" "no $ML: run 'make'"; tap_done; }
	echo "# $("$BPFTRACE" --version)"
	phase_keep kernel kver vendor have_kvm fep series label
else
	phase_load
fi

# ---- the programs --------------------------------------------------------------
ids=() kinds=() cmds=() sources=()
for f in "$top"/bpftrace/*.bt; do
	ids+=("$(basename "$f" .bt)") kinds+=(script) cmds+=("bpftrace bpftrace/$(basename "$f")")
	sources+=("$f")
done
while IFS=$'\t' read -r id cmd; do
	ids+=("$id") kinds+=(oneliner) cmds+=("$cmd") sources+=("$cmd")
done < <(bt_oneliners "$DOC")

bt_name() { # bt_name INDEX: the program's name in test names
	if [ "${kinds[$1]}" = script ]; then
		echo "${ids[$1]}.bt"
	else
		echo "one-liner ${ids[$1]}"
	fi
}

bt_check_name() { # bt_check_name INDEX: the name of the program's check function
	if [ "${kinds[$1]}" = script ]; then
		echo "check_${ids[$1]}"
	else
		echo "check_ol_${ids[$1]//-/_}"
	fi
}

if phase_checks; then
	# The doc and the checks cannot drift apart: a check for each program, a
	# program for each check.
	missing_checks= orphans=
	declare -A have_program=()
	for i in "${!ids[@]}"; do
		c=$(bt_check_name "$i")
		have_program[$c]=1
		declare -F "$c" >/dev/null || missing_checks+=" ${ids[$i]}"
	done
	for c in $(declare -F | awk '$3 ~ /^check_/ { print $3 }'); do
		[ -n "${have_program[$c]:-}" ] || orphans+=" $c"
	done
	tap_eq "every script and one-liner has a check in tests/bpftrace/checks.sh" "" "${missing_checks# }"
	tap_eq "every check in tests/bpftrace/checks.sh has its script or one-liner" "" "${orphans# }"
	n_oneliners=$(bt_oneliners "$DOC" | wc -l)
	tap_eq "docs/one-liners.md: every one-liner is a single bpftrace -e command" "$n_oneliners" \
		"$(bt_oneliners "$DOC" | cut -f2 | grep -c "^bpftrace -e '.*'\$")"
fi

if phase_collects; then
	ml_args=("${WORKLOAD[@]}")
	[ $fep = 0 ] || ml_args+=("${WORKLOAD_FEP[@]}")

	ran=() failed_ok=() attach_only=() skipped_oneliners=()
	runnable=() # programs whose probes all exist here, run in groups below
	for i in "${!ids[@]}"; do
		id=${ids[$i]} cmd=${cmds[$i]}
		[ -z "$only" ] || [[ "$id" =~ $only ]] || continue
		if [ -n "$scripts_only" ] && [ "${kinds[$i]}" = oneliner ]; then
			skipped_oneliners+=("$id")
			continue
		fi
		name=$(bt_name "$i")
		out=$work/$id.out err=$work/$id.err
		probes=$(bt_probes "$(bt_program_text "$id" "${kinds[$i]}" "${sources[$i]}")")
		nprobe[$i]=$(printf '%s\n' "$probes" | grep -c .)
		missing=$(for p in $probes; do bt_probe_missing "$p"; done)

		if [ -z "$missing" ]; then
			counts[$i]=1 reason[$i]=
			if [ $have_kvm = 0 ]; then
				counts[$i]=0 reason[$i]="no /dev/kvm here: the VM suite (tests/vm/boot.sh, suite bpftrace) checks its counts"
			elif [ "$vendor" = pvm ] && grep -qE 'kvm_exit|kvm_entry|^k(ret)?probe:' <<<"$probes"; then
				counts[$i]=0 reason[$i]="KVM's PVM backend has no hardware exits: kvm_exit/kvm_entry and the exit handlers are not reached"
			fi
			runnable+=("$i")
			continue
		fi

		# Must stop with bpftrace's own message for one of the missing probes.
		bt_launch "$out" "$err" "$cmd"
		# bpftrace stops at once on a missing probe; give it a start-up's time.
		bt_stop_after=$((${BT_FAIL_TIMEOUT:-120} * 10))
		while kill -0 "$bt_pid" 2>/dev/null && [ $bt_stop_after -gt 0 ]; do
			sleep 0.1
			bt_stop_after=$((bt_stop_after - 1))
		done
		kill -0 "$bt_pid" 2>/dev/null && kill -INT "$bt_pid"
		wait "$bt_pid"
		rc=$?
		bt_pid=
		msg=
		while IFS= read -r m; do
			e=$(bt_expected_error "${m%%: *}")
			grep -qF "$e" "$err" && { msg=$e; break; }
		done <<<"$missing"
		if [ "$rc" != 0 ] && [ -n "$msg" ]; then
			tap_ok "$name: stops with bpftrace's error \"$msg\" ($label)"
			failed_ok+=("$id")
		else
			tap_fail "$name: stops with bpftrace's error for a missing probe ($label)" \
				"exit status $rc; stderr: $(grep -v RLIMIT_MEMLOCK "$err" | tr '\n' ' ' | cut -c1-300)"
		fi
		patched_missing=
		for tp in $PATCHED_TRACEPOINTS; do
			grep -q "^tracepoint:kvm:$tp:" <<<"$missing" && patched_missing+=" kvm:$tp"
		done
		if [ -n "$patched_missing" ] && [ -n "$series" ]; then
			tap_fail "$name: runs on this kernel, built with the msrtop series ($label)" \
				"missing${patched_missing}, though ${series#"$top"/} has the series"
		elif [ -n "$patched_missing" ]; then
			tap_skip "$name: counts against msrload ($label)" \
				"needs the patched kernel's${patched_missing}; kernel-patches/v$kver has no series yet"
		else
			tap_skip "$name: counts against msrload ($label)" \
				"not runnable here: $(echo "$missing" | paste -sd ';' -); the VM suite runs it"
		fi
		[ -z "$keep" ] || cp "$out" "$err" "$keep/" 2>/dev/null
	done

	# The runnable programs, BT_GROUP (default 4) at a time: all of a group are
	# started together (their LLVM compiles overlap: under QEMU each start costs
	# 15-40 s of CPU), msrload runs the workload once while all of them are
	# attached, and each one's counts are compared with that run's ground truth.
	# A BPF program on a tracepoint or kprobe does not change what another one
	# attached beside it sees, so a group counts exactly what each would alone.
	group=${BT_GROUP:-4}
	for ((g = 0; g < ${#runnable[@]}; g += group)); do
		members=("${runnable[@]:g:group}")
		started=$(date +%s)
		for i in "${members[@]}"; do
			bt_launch "$work/${ids[$i]}.out" "$work/${ids[$i]}.err" "${cmds[$i]}"
			pid[$i]=$bt_pid
			bt_pids+=("$bt_pid")
		done
		counting=()
		for i in "${members[@]}"; do
			id=${ids[$i]} name=$(bt_name "$i")
			out=$work/$id.out err=$work/$id.err
			if ! bt_wait_attached "${pid[$i]}" "$out" "$err" "${nprobe[$i]}"; then
				tap_fail "$name: starts and attaches its ${nprobe[$i]} probes ($label)" "$bt_error"
				continue
			fi
			if [ "${counts[$i]}" = 0 ]; then
				bt_stop "${pid[$i]}"
				rc=$?
				tap_eq "$name: attaches its ${nprobe[$i]} probes and stops cleanly ($label)" 0 "$rc"
				tap_skip "$name: counts against msrload ($label)" "${reason[$i]}"
				attach_only+=("$id")
				[ -z "$keep" ] || cp "$out" "$err" "$keep/" 2>/dev/null
				continue
			fi
			counting+=("$i")
		done
		[ ${#counting[@]} -gt 0 ] || continue
		echo "# group $((g / group + 1)): $(for i in "${counting[@]}"; do printf '%s ' "${ids[$i]}"; done)attached in $(($(date +%s) - started)) s"
		truth=$work/group$g.truth.json
		"$ML" "${ml_args[@]}" >"$truth" 2>"$work/group$g.msrload.err"
		mrc=$?
		for i in "${counting[@]}"; do kill -INT "${pid[$i]}" 2>/dev/null; done
		for i in "${counting[@]}"; do
			bt_stop "${pid[$i]}" signalled
			rcs[$i]=$?
		done
		bt_pids=()
		for i in "${counting[@]}"; do
			[ -z "$keep" ] || cp "$work/${ids[$i]}.out" "$work/${ids[$i]}.err" "$keep/" 2>/dev/null
			[ -z "$keep" ] || cp "$truth" "$keep/${ids[$i]}.truth.json" 2>/dev/null
			# For the check phase: program, its group's ground truth, msrload's
			# and bpftrace's exit status.
			echo "$i $g $mrc ${rcs[$i]}" >>"$work/counted"
		done
		echo "# group $((g / group + 1)): $(($(date +%s) - started)) s"
	done
fi

# The checks: each program that ran beside msrload against that run's truth.
ran=()
while phase_checks && read -r i g mrc rc <&3; do
	id=${ids[$i]} name=$(bt_name "$i")
	out=$work/$id.out err=$work/$id.err truth=$work/group$g.truth.json
	if [ "$mrc" != 0 ] || ! jq -e '.tool == "msrload"' "$truth" >/dev/null 2>&1; then
		tap_fail "$name: msrload ran the workload ($label)" \
			"msrload exit $mrc: $(head -c 300 "$work/group$g.msrload.err")"
		continue
	fi
	if [ "$rc" != 0 ]; then
		tap_fail "$name: ran while msrload ran and printed its maps ($label)" \
			"bpftrace exit $rc: $(grep -v RLIMIT_MEMLOCK "$err" | tr '\n' ' ' | cut -c1-300)"
		continue
	fi
	if grep -q '"type": "lost_events"' "$out" || grep -qi 'lost [0-9]* events' "$err"; then
		tap_fail "$name: lost no events ($label)" "$(grep -i lost "$out" "$err" | head -n 3)"
	fi
	tap_ok "$name: ran while msrload ran the workload ($label)"
	ran+=("$id")
	ml_pid=$(jq .pid "$truth") vcpus=$(jq .vcpus "$truth") reps=$(jq .script.reps "$truth")
	"$(bt_check_name "$i")" "$out"
done 3< <(cat "$work/counted" 2>/dev/null)
phase_checks && echo "# $label: ran against msrload: ${ran[*]:-none}"
phase_collects || tap_done

if [ ${#skipped_oneliners[@]} -gt 0 ]; then
	tap_skip "${#skipped_oneliners[@]} one-liners not run here: ${skipped_oneliners[*]} ($label)" "$scripts_only"
fi
echo "# $label: attached only (counts checked elsewhere): ${attach_only[*]:-none}"
echo "# $label: stopped as expected on a missing probe: ${failed_ok[*]:-none}"
tap_done
