#!/usr/bin/env bash
# The cost a tracer adds per traced MSR exit (docs/performance.md). Runs where
# KVM runs guests with SVM or VMX: inside the test VM (bench/run.sh starts it
# there through tests/vm/run.sh), as root.
#
#   bench/overhead.sh [--rounds N] [--stats-rounds N] [--reps N] [--configs "CONFIG..."]
#                     [--icount]
#
# msrload's guest writes IA32_PAT (0x277, always intercepted) in a loop
# unrolled 8x: 20000 writes per repetition, --reps repetitions (default 5) per
# run. One run per configuration:
#   none        nothing attached
#   ref_btf     bench/ref_counter --attach tp_btf       the reference counter
#   ref_raw     bench/ref_counter --attach raw_tp       the same, raw_tp
#   ref_tp      bench/ref_counter --attach tracepoint   the same, classic tracepoint
#   msrtop      build/msrtop --json --interval 1        all of msrtop's sources
#   msrtop_nolat  the same with --sources kvm_exit,kvm_msr,kvm_userspace_exit,kvm_nested_vmexit
#               and, where the kernel has them, the patched kvm_msr_*: all but the exit
#               latency (kvm_entry)
#   msrtop_msr  the same with --sources kvm_msr: what the reference and bpftrace count
#   bpftrace    tracepoint:kvm:kvm_msr { @[pid, args->write, args->ecx] = count(); }
#   bpftrace_full  bench/msrtop_like.bt: msrtop's default aggregation in bpftrace
#   perf        perf stat -a -e kvm:kvm_exit,kvm:kvm_entry,kvm:kvm_msr alone
#   msrtop_perf msrtop (all sources) with that perf stat running beside it
#   bpftrace_full_perf  bench/msrtop_like.bt with that perf stat beside it
# Each tracer is started before msrload and stopped after it; msrload's own
# "seconds" (its vCPU threads' run time) over its writes is the time per WRMSR
# exit. The configurations are interleaved (--rounds rounds, each in a rotated
# order) and medians reported.
# Then --stats-rounds more rounds with the kernel's BPF statistics on
# (kernel.bpf_stats_enabled): the run time and run count of every program the
# tracer loaded, read with bpftool while it is attached: the programs' own
# cost, exactly, without the noise of the whole exit path. Those rounds are
# not timed (the statistics add two clock reads per program run).
# Every run also checks exactness: the count the tracer reports for msrload's
# pid, MSR 0x277, writes, equals msrload's number of writes.
#
# --icount says that QEMU runs with -icount shift=0 (bench/run.sh does that
# first): the guest's clock then advances one nanosecond per instruction
# executed, so every "ns" above is an instruction count, exact and the same
# from run to run, whatever else the host is doing. Only the labels change.
# The binaries are copied to /tmp first, so that a rebuild in the work tree
# during a run cannot mix versions; a first, untimed msrload run warms KVM up.
#
# Prints one line per run, then the results between "==== overhead" and
# "==== end" lines. Exit status 1 if a run failed or a count was wrong.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
ML=$top/build/msrload
MT=$top/build/msrtop
REF=$top/build/bench/ref_counter
PAT_VALUE=0x0007040600070406
PER_REP=20000

rounds=7 stats_rounds=3 reps=5 unit=ns
configs="none ref_btf ref_raw ref_tp msrtop msrtop_nolat msrtop_msr bpftrace bpftrace_full perf msrtop_perf bpftrace_full_perf"
while [ $# -gt 0 ]; do
	case "$1" in
	--icount) unit=instr; shift ;;
	--rounds) rounds=$2; shift 2 ;;
	--stats-rounds) stats_rounds=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--configs) configs=$2; shift 2 ;;
	*) echo "overhead.sh: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
	esac
done
bench_positive overhead.sh --rounds "$rounds" --stats-rounds "$stats_rounds" --reps "$reps"

fail() {
	echo "overhead.sh: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || fail "run as root (BPF programs, /dev/kvm)"
[ -e /dev/kvm ] || fail "no /dev/kvm: run this inside the test VM (bench/run.sh does)"
for b in "$ML" "$MT" "$REF"; do
	[ -x "$b" ] || fail "$b is missing: run 'make bench' (it builds everything first)"
done
for c in jq bpftool bpftrace awk; do
	command -v $c >/dev/null || fail "$c is missing: run 'make deps'"
done
stats_ctl=/proc/sys/kernel/bpf_stats_enabled
[ -w $stats_ctl ] || fail "$stats_ctl is missing: this kernel has no BPF statistics"

work=$(mktemp -d /tmp/overhead.XXXXXX)
mkdir "$work/bin"
cp "$ML" "$MT" "$REF" "$work/bin/" || fail "cannot copy the binaries to $work/bin"
ML=$work/bin/msrload MT=$work/bin/msrtop REF=$work/bin/ref_counter
tracer=
cleanup() {
	[ -n "$tracer" ] && kill -INT "$tracer" 2>/dev/null
	echo 0 >$stats_ctl
	rm -rf "$work"
}
trap cleanup EXIT
runs=$work/runs # config round ns_per_exit
stats=$work/stats # config round program type run_cnt run_time_ns writes
: >"$runs"
: >"$stats"
bad=0

# wait_for FILE PATTERN SECONDS: until a line of FILE matches PATTERN.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$tracer" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

prog_ids() {
	bpftool prog show -j | jq -M -r '.[].id' | sort -n
}

# start_tracer CONFIG: starts it in the background (pid in $tracer) and waits
# until it has attached.
start_tracer() {
	local out=$work/tracer.out
	: >"$out"
	case "$1" in
	none) tracer=; return 0 ;;
	ref_btf | ref_raw | ref_tp)
		local flavour
		case "$1" in
		ref_btf) flavour=tp_btf ;;
		ref_raw) flavour=raw_tp ;;
		ref_tp) flavour=tracepoint ;;
		esac
		"$REF" --attach $flavour >"$out" 2>"$work/tracer.err" &
		tracer=$!
		wait_for "$out" '^attached' 300
		;;
	perf)
		start_perf
		tracer=$perf
		;;
	msrtop_perf)
		start_perf
		start_tracer msrtop
		;;
	bpftrace_full_perf)
		start_perf
		start_tracer bpftrace_full
		;;
	bpftrace_full)
		bpftrace "$top/bench/msrtop_like.bt" >"$out" 2>"$work/tracer.err" &
		tracer=$!
		wait_for "$out" '^Attaching' 600
		;;
	msrtop | msrtop_nolat | msrtop_msr)
		local -a sources=()
		case "$1" in
		msrtop_nolat) sources=(--sources kvm_exit,kvm_msr,kvm_userspace_exit,kvm_nested_vmexit$patched) ;;
		msrtop_msr) sources=(--sources kvm_msr) ;;
		esac
		"$MT" --json --interval 1 "${sources[@]}" >"$out" 2>"$work/tracer.err" &
		tracer=$!
		wait_for "$out" '^{' 300
		;;
	bpftrace)
		bpftrace -e 'tracepoint:kvm:kvm_msr { @[pid, args->write, args->ecx] = count(); }' \
			>"$out" 2>"$work/tracer.err" &
		tracer=$!
		wait_for "$out" '^Attaching' 600
		;;
	*) fail "unknown configuration '$1'" ;;
	esac
}

# start_perf: perf stat counting msrtop's stock tracepoints on every CPU (pid in $perf).
start_perf() {
	perf stat -a -x, -o "$work/perf.csv" -e kvm:kvm_exit,kvm:kvm_entry,kvm:kvm_msr \
		>/dev/null 2>"$work/perf.err" &
	perf=$!
	sleep 2 # perf stat prints nothing until it ends: give it time to open its events
}

# stop_perf: stops it; its kvm:kvm_msr count goes to $work/perf_msr.
stop_perf() {
	kill -INT "$perf"
	wait "$perf"
	perf=
	awk -F, '$3 == "kvm:kvm_msr" { print $1 }' "$work/perf.csv" >"$work/perf_msr"
}

# stop_tracer CONFIG PID: stops it; the number of writes of MSR 0x277 it
# counted for process PID goes to $work/count.
stop_tracer() {
	local out=$work/tracer.out n
	: >"$work/count"
	case "$1" in
	none) return 0 ;;
	perf)
		tracer=
		stop_perf
		return 0
		;;
	*_perf)
		# The tracer's count, then perf's (run_one checks it against msrload).
		stop_tracer "${1%_perf}" "$2"
		cp "$work/count" "$work/count.tracer"
		stop_perf
		cp "$work/count.tracer" "$work/count"
		return 0
		;;
	msrtop*)
		# Two more documents, so that the last one was read after msrload ended.
		n=$(wc -l <"$out")
		wait_for "$out" "\"seq\":$((n + 2))," 30
		;;
	esac
	kill -INT "$tracer"
	wait "$tracer"
	tracer=
	case "$1" in
	ref_*) awk -v p="$2" '$1 == "count" && $2 == p && $3 == "0x277" && $4 == "write" { print $5 }' "$out" ;;
	msrtop*)
		tail -n 1 "$out" | jq -M --argjson p "$2" \
			'[.msrs[] | select(.pid == $p and .msr == 631 and .access == "write") | .count.total] | add // 0'
		;;
	bpftrace) sed -n "s/^@\[$2, 1, 631\]: \([0-9]*\)$/\1/p" "$out" ;;
	bpftrace_full) awk -v p="$2" '$1 == "@msr[" p "," && $3 == "1," && $4 == "631]:" { s += $5 } END { print s + 0 }' "$out" ;;
	esac >"$work/count"
}

# run_one CONFIG ROUND MODE: one msrload run under CONFIG (MODE time or stats).
run_one() {
	local config=$1 round=$2 mode=$3 before pid writes secs ns got
	[ "$mode" = stats ] && before=$(prog_ids)
	if ! start_tracer "$config"; then
		echo "overhead.sh: $config did not attach: $(tail -n 3 "$work/tracer.err" 2>/dev/null)" >&2
		[ -n "$tracer" ] && kill -9 "$tracer" 2>/dev/null
		tracer=
		bad=1
		return
	fi
	if ! "$ML" --wrmsr "0x277:$PAT_VALUE:$PER_REP" --reps "$reps" >"$work/ml.json" 2>"$work/ml.err"; then
		echo "overhead.sh: msrload failed under $config: $(cat "$work/ml.err")" >&2
		bad=1
	fi
	pid=$(jq -M .pid "$work/ml.json")
	writes=$(jq -M '[.total.msrs[] | select(.msr == 631) | .writes] | add' "$work/ml.json")
	secs=$(jq -M .seconds "$work/ml.json")
	if [ "$mode" = stats ]; then
		bpftool prog show -j >"$work/progs.json"
		prog_ids | comm -13 <(echo "$before") - >"$work/new_ids"
		jq -M -r --slurpfile ids <(jq -R 'tonumber' "$work/new_ids") --arg c "$config" \
			--arg r "$round" --arg w "$writes" \
			'.[] | select(.id as $i | $ids | index($i)) |
			 "\($c) \($r) \(.name) \(.type) \(.run_cnt // 0) \(.run_time_ns // 0) \($w)"' \
			"$work/progs.json" >>"$stats"
	fi
	: >"$work/perf_msr"
	stop_tracer "$config" "$pid"
	got=$(cat "$work/count")
	if [ -s "$work/perf_msr" ]; then
		# perf stat counted every kvm_msr on every CPU while only msrload ran:
		# the accesses KVM handled for it, whatever ran beside perf.
		local handled
		handled=$(jq -M '[.total.msrs[] | .writes - .write_userspace + .reads - .read_userspace] | add' "$work/ml.json")
		if [ "$(cat "$work/perf_msr")" != "$handled" ]; then
			echo "overhead.sh: perf stat counted $(cat "$work/perf_msr") kvm:kvm_msr under $config, KVM handled $handled MSR accesses of msrload" >&2
			bad=1
		elif [ "$config" = perf ]; then
			got=$writes # perf's count checked above, against all of msrload's accesses
		fi
	fi
	ns=$(awk -v s="$secs" -v w="$writes" 'BEGIN { printf "%.1f", s * 1e9 / w }')
	[ "$mode" = time ] && echo "$config $round $ns" >>"$runs"
	printf 'run %-5s round %d %-8s %9s %s/exit  writes %s  counted %s\n' "$mode" "$round" \
		"$config" "$ns" "$unit" "$writes" "${got:--}"
	if [ "$config" != none ] && [ "$got" != "$writes" ]; then
		echo "overhead.sh: $config counted '${got}' writes of 0x277 by pid $pid, msrload did $writes" >&2
		bad=1
	fi
}

# rotated ROUND: the configurations, starting at the ROUND-th.
rotated() {
	local -a c=($configs)
	local i n=${#c[@]}
	for ((i = 0; i < n; i++)); do
		echo "${c[$(((i + $1) % n))]}"
	done
}

# The patched tracepoints, where this kernel has them (msrtop_nolat keeps them).
patched=
for t in kvm_msr_intercept kvm_msr_outcome kvm_msr_canonical; do
	[ -d /sys/kernel/tracing/events/kvm/$t ] || [ -d /sys/kernel/debug/tracing/events/kvm/$t ] &&
		patched="$patched,$t"
done

echo "overhead: $(uname -r), $(nproc) CPU(s), $rounds timed rounds + $stats_rounds with BPF statistics," \
	"$((PER_REP * reps)) WRMSR exits per run, unit: $unit"
echo 0 >$stats_ctl
"$ML" --wrmsr "0x277:$PAT_VALUE:$PER_REP" >/dev/null 2>&1 || fail "msrload does not run: $("$ML" 2>&1 | tail -n 1)"
for ((r = 1; r <= rounds; r++)); do
	for c in $(rotated $r); do
		run_one "$c" "$r" time
	done
done
echo 1 >$stats_ctl
for ((r = 1; r <= stats_rounds; r++)); do
	for c in $(rotated $r); do
		[ "$c" = none ] || run_one "$c" "$r" stats
	done
done
echo 0 >$stats_ctl

# ---- results ------------------------------------------------------------------

echo "==== overhead ($unit)"
awk -v configs="$configs" -v unit="$unit" '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)	# insertion sort: a few values
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ v[$1] = v[$1] " " $3 }
END {
	n = split(configs, c, " ")
	for (i = 1; i <= n; i++)
		if (c[i] in v)
			m[c[i]] = median(v[c[i]])
	printf "%-12s %16s %12s   %s\n", "config", unit "/exit (median)", "added", "runs (" unit "/exit)"
	for (i = 1; i <= n; i++) {
		if (!(c[i] in m))
			continue
		add = ("none" in m) ? sprintf("%.0f", m[c[i]] - m["none"]) : "-"
		printf "%-12s %16.0f %12s  %s\n", c[i], m[c[i]], add, v[c[i]]
	}
	if ("none" in m) {
		for (i = 1; i <= n; i++)
			if (c[i] != "none" && c[i] in m)
				a[c[i]] = m[c[i]] - m["none"]
		printf "\nratios of added cost (end to end):\n"
		for (i = 1; i <= n; i++) {
			if (c[i] !~ /^msrtop/ || !(c[i] in a))
				continue
			if (("ref_btf" in a) && a["ref_btf"] > 0)
				printf "  %-12s / ref_btf    %6.2f   (target <= 1.10)\n", c[i], a[c[i]] / a["ref_btf"]
			if (("bpftrace" in a) && a["bpftrace"] > 0)
				printf "  %-12s / bpftrace   %6.2f   (target <= 0.50)\n", c[i], a[c[i]] / a["bpftrace"]
			# Beside perf (a *_perf config): the increments over perf alone.
			if (c[i] ~ /_perf$/) {
				if (("perf" in a) && ("bpftrace_full_perf" in a) && a["bpftrace_full_perf"] > a["perf"])
					printf "  %-12s / bpftrace_full_perf, each over perf alone %6.2f   (target <= 0.25)\n", c[i], (a[c[i]] - a["perf"]) / (a["bpftrace_full_perf"] - a["perf"])
			} else if (("bpftrace_full" in a) && a["bpftrace_full"] > 0)
				printf "  %-12s / bpftrace_full %6.2f   (target <= 0.25: the same aggregation)\n", c[i], a[c[i]] / a["bpftrace_full"]
		}
		if (("ref_btf" in a) && ("bpftrace" in a) && a["bpftrace"] > 0)
			printf "  ref_btf / bpftrace  %6.2f\n", a["ref_btf"] / a["bpftrace"]
		if (("ref_tp" in a) && ("bpftrace" in a) && a["bpftrace"] > 0)
			printf "  ref_tp / bpftrace   %6.2f\n", a["ref_tp"] / a["bpftrace"]
		if (("ref_raw" in a) && ("bpftrace" in a) && a["bpftrace"] > 0)
			printf "  ref_raw / bpftrace  %6.2f\n", a["ref_raw"] / a["bpftrace"]
		if (("ref_tp" in a) && ("ref_btf" in a) && a["ref_btf"] > 0)
			printf "  ref_tp / ref_btf    %6.2f\n", a["ref_tp"] / a["ref_btf"]
	}
}' "$runs"

if [ -s "$stats" ]; then
	echo
	echo "BPF statistics (kernel.bpf_stats_enabled), median over $stats_rounds rounds:"
	awk -v configs="$configs" -v unit="$unit" '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# config round name type run_cnt run_time_ns writes
{
	k = $1 SUBSEP $3
	if (!(k in type)) { order[$1] = order[$1] " " $3; type[k] = $4 }
	if ($5 > 0) pe[k] = pe[k] " " $6 / $5
	cnt[k] = cnt[k] " " $5 / $7
	tot[$1, $2] += $6; w[$1, $2] = $7
}
END {
	printf "%-12s %-24s %-14s %12s %14s\n", "config", "program", "type", unit "/event", "events/write"
	n = split(configs, c, " ")
	for (i = 1; i <= n; i++) {
		if (!(c[i] in order))
			continue
		m = split(order[c[i]], p, " ")
		for (j = 1; j <= m; j++) {
			k = c[i] SUBSEP p[j]
			printf "%-12s %-24s %-14s %12s %14.3f\n", c[i], p[j], type[k],
				(k in pe) ? sprintf("%.0f", median(pe[k])) : "-", median(cnt[k])
		}
		list = ""
		for (k in tot) {
			split(k, kk, SUBSEP)
			if (kk[1] == c[i])
				list = list " " tot[k] / w[k]
		}
		per[c[i]] = median(list)
		printf "%-12s %-24s %-14s %12.0f   (all its programs, per WRMSR exit)\n", c[i], "= total", "", per[c[i]]
	}
	printf "\nratios of BPF program time per WRMSR exit:\n"
	for (i = 1; i <= n; i++) {
		if (c[i] !~ /^msrtop/ || !(c[i] in per))
			continue
		if ("ref_btf" in per)
			printf "  %-12s / ref_btf    %6.2f\n", c[i], per[c[i]] / per["ref_btf"]
		if ("bpftrace" in per)
			printf "  %-12s / bpftrace   %6.2f\n", c[i], per[c[i]] / per["bpftrace"]
	}
	if (("ref_btf" in per) && ("bpftrace" in per))
		printf "  ref_btf / bpftrace  %6.2f\n", per["ref_btf"] / per["bpftrace"]
	if (("ref_tp" in per) && ("ref_btf" in per))
		printf "  ref_tp / ref_btf    %6.2f\n", per["ref_tp"] / per["ref_btf"]
	if (("ref_raw" in per) && ("ref_btf" in per))
		printf "  ref_raw / ref_btf   %6.2f\n", per["ref_raw"] / per["ref_btf"]
}' "$stats"
fi
if [ $bad = 0 ]; then
	echo "exactness: every tracer counted exactly msrload's writes in every run"
else
	echo "exactness or a run FAILED: see the messages above"
fi
echo "==== end"
exit $bad
