#!/usr/bin/env bash
# `make bench`: msrtop's benchmarks, then one results table (docs/performance.md).
#
#   bench/run.sh [--skip-vm] [--skip-icount] [--skip-realtime] [--skip-host]
#                [--stock] [--iterations N] [--cpu-seconds N] [-- OVERHEAD-OPTION...]
#
# 1. Overhead per traced MSR exit: bench/overhead.sh inside the test kernel
#    under QEMU (tests/vm/run.sh; KVER, default 6.1), where KVM runs a guest
#    with (emulated) SVM, twice:
#    a. with QEMU's -icount shift=0 (a wrapper put first in PATH adds it): the
#       guest's clock counts instructions, so the costs are instruction counts,
#       exact and repeatable on a loaded host (3 rounds + 2 with statistics);
#    b. on the real clock: nanoseconds of an emulated CPU on a shared host,
#       noisy (7 rounds + 3 with statistics).
#    OVERHEAD-OPTIONs go to both (--rounds, --reps, --configs...). --stock
#    runs them in the same kernel without the patch series
#    (kernel-patches/build.sh --stock): msrtop on stock tracepoints only.
#    c. with -icount too: what reading 1 and 4 guest MSRs at every exit
#       with patch 0006's kfunc adds (bench/kfunc_cost.sh, 2 rounds, about
#       2 minutes; not with --stock, whose kernel has no kfunc).
#    d. with -icount, msrtop's default and bpftrace_full once more on the
#       stock kernel, to compare patched with stock (not with --stock).
# 2. Snapshot cost, on this host (no KVM needed): build/bench/snapshot_bench
#    times --iterations refreshes (default 1000) with 10,000 live map entries,
#    then a tenth as many with 100,000 (160 VMs), with the maps' memory and
#    the process's RSS.
# 3. The daemon's CPU use, with its maps filled (snapshot_bench --fill-pid),
#    measured over --cpu-seconds (default 60) from /proc/PID/stat (utime +
#    stime) and the threads' schedstat run time:
#    a. `msrtop --json --interval 1 >/dev/null`, 10,000 entries;
#    b. as the systemd unit runs it: --listen, --output (on a tmpfs, as
#       /run is on a systemd host), --interval 5, 10,000 entries;
#    c. the same with 100,000 entries, nobody scraping (/metrics is rendered
#       only when scraped);
#    d. as c, with /metrics scraped every 15 s (curl; a common Prometheus
#       scrape_interval).
# 4. Possible CPUs: snapshot_bench inside the 6.1 test kernel under QEMU
#    booted with possible_cpus=2 and possible_cpus=64 (--skip-vm skips it):
#    the refresh must not grow with the CPUs a host could have.
# Everything printed is also kept in build/bench/results-DATE.txt.
# Needs root. Exit status 1 if a part failed (exactness included).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
out=$top/build/bench
MT=$top/build/msrtop
SB=$out/snapshot_bench

skip_icount=0 skip_realtime=0 skip_host=0 stock=0 iterations=1000 cpu_seconds=60
while [ $# -gt 0 ]; do
	case "$1" in
	--skip-vm) skip_icount=1 skip_realtime=1; shift ;;
	--skip-icount) skip_icount=1; shift ;;
	--skip-realtime) skip_realtime=1; shift ;;
	--skip-host) skip_host=1; shift ;;
	--stock) stock=1; shift ;;
	--iterations) iterations=$2; shift 2 ;;
	--cpu-seconds) cpu_seconds=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "bench/run.sh: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
	esac
done
bench_positive bench/run.sh --iterations "$iterations" --cpu-seconds "$cpu_seconds"
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (BPF programs)" >&2; exit 1; }
for b in "$MT" "$SB" "$out/ref_counter" "$top/build/msrload"; do
	[ -x "$b" ] || { echo "bench/run.sh: $b is missing: run 'make bench'" >&2; exit 1; }
done

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
results=$out/results-$stamp.txt
status=0
work=$(mktemp -d /tmp/msrtop-bench.XXXXXX)
mt_pid= fill_pid=
cleanup() {
	[ -n "$fill_pid" ] && kill "$fill_pid" 2>/dev/null
	[ -n "$mt_pid" ] && kill -INT "$mt_pid" 2>/dev/null
	wait 2>/dev/null
	[ -z "$run_tmpfs" ] || umount "$run_tmpfs"
	rm -rf "$work"
}
run_tmpfs=
trap cleanup EXIT

say() { echo "$*" | tee -a "$results"; }

{
	echo "msrtop benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet HEAD -- bpf userspace 2>/dev/null || echo ' (bpf/ or userspace/ modified)')"
	echo "host: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
} | tee "$results"

# ---- 1. overhead per traced exit, inside the test VM -----------------------------

# overhead_vm LABEL LOG OVERHEAD-OPTION...: one overhead.sh run in the test VM.
overhead_vm() {
	local label=$1 log=$2 rc
	shift 2
	say ""
	say "== 1$label"
	echo "   (console log: $log; bpftrace alone needs about a minute to start under TCG)"
	"$top/tests/vm/run.sh" --kver "${KVER:-6.1}" ${stock_kernel:+--kernel "$stock_kernel"} \
		--timeout 7200 -- "$top/bench/overhead.sh" "$@" \
		>"$log" 2>&1
	rc=$?
	sed -n '/^==== overhead/,/^==== end/p' "$log" | sed '1d;$d' | tee -a "$results"
	if [ $rc != 0 ]; then
		say "overhead: FAILED (exit status $rc), last lines of $log:"
		grep -v '^run ' "$log" | tail -n 15 | tee -a "$results"
		status=1
	fi
}

kernel_label="${KVER:-6.1} test kernel"
stock_kernel=
if [ $stock = 1 ] && { [ $skip_icount = 0 ] || [ $skip_realtime = 0 ]; }; then
	stock_kernel=$("$top/kernel-patches/build.sh" --stock "${KVER:-6.1}" | tail -n 1) ||
		{ echo "bench/run.sh: building the stock ${KVER:-6.1} kernel failed" >&2; exit 1; }
	kernel_label="stock ${KVER:-6.1} kernel, no patch series"
fi
if [ $skip_icount = 0 ]; then
	real_qemu=$(command -v qemu-system-x86_64) ||
		{ echo "bench/run.sh: qemu-system-x86_64 missing: run 'make deps'" >&2; exit 1; }
	mkdir -p "$work/icount"
	printf '#!/bin/sh\nexec %s "$@" -icount shift=0,sleep=off\n' "$real_qemu" \
		>"$work/icount/qemu-system-x86_64"
	chmod +x "$work/icount/qemu-system-x86_64"
	PATH=$work/icount:$PATH overhead_vm \
		"a. added cost per WRMSR exit, in guest instructions (QEMU -icount shift=0, $kernel_label, nested SVM)" \
		"$out/overhead-icount-$stamp.log" --icount --rounds 3 --stats-rounds 2 "$@"
	# 1d (below) compares these figures with the stock kernel's.
	patched_log=$out/overhead-icount-$stamp.log
	# 1c. The kfunc of patch 0006 (not in a stock kernel): about a minute a round.
	if [ $stock = 0 ]; then
		say ""
		say "== 1c. reading guest MSRs at every exit with bpf_kvm_vcpu_get_msr, in guest instructions per exit (QEMU -icount shift=0, $kernel_label, nested SVM)"
		log=$out/kfunc-icount-$stamp.log
		PATH=$work/icount:$PATH "$top/tests/vm/run.sh" --kver "${KVER:-6.1}" --timeout 1800 \
			-- "$top/bench/kfunc_cost.sh" 2 >"$log" 2>&1
		rc=$?
		grep -E ' round |kfunc_cost.sh:' "$log" | tee -a "$results"
		if [ $rc != 0 ]; then
			say "kfunc_cost: FAILED (exit status $rc), console log: $log"
			status=1
		fi
	fi
fi
# 1d. Patched against stock, side by side: msrtop's default and the bpftrace
# script doing the same aggregation on the same kernel source without the
# series (kernel-patches/build.sh --stock: built once, then cached), under
# -icount as in 1a. The patched default must cost no more per MSR exit.
if [ $skip_icount = 0 ] && [ $stock = 0 ]; then
	stock_kernel=$("$top/kernel-patches/build.sh" --stock "${KVER:-6.1}" | tail -n 1) ||
		{ say "bench/run.sh: building the stock ${KVER:-6.1} kernel failed"; status=1; stock_kernel=; }
	if [ -n "$stock_kernel" ]; then
		stock_log=$out/overhead-icount-stock-$stamp.log
		PATH=$work/icount:$PATH overhead_vm \
			"d. the same on the stock ${KVER:-6.1} kernel (no patch series), for patched vs stock" \
			"$stock_log" --icount --rounds 1 --stats-rounds 1 \
			--configs "none msrtop bpftrace_full"
		stock_kernel=
		# added LOG CONFIG: the "added" column of CONFIG in LOG's results.
		added() {
			sed -n '/^==== overhead/,/^==== end/p' "$1" | awk -v c="$2" '$1 == c && NF >= 3 { print $3; exit }'
		}
		pm=$(added "$patched_log" msrtop) sm=$(added "$stock_log" msrtop)
		pbt=$(added "$patched_log" bpftrace_full) sbt=$(added "$stock_log" bpftrace_full)
		say ""
		say "patched vs stock, msrtop default sources, guest instructions added per WRMSR exit:"
		if [ -n "$pm" ] && [ -n "$sm" ]; then
			say "  stock ${sm}, patched ${pm}: patched <= stock: $( [ "$pm" -le "$sm" ] && echo yes || echo NO)"
			[ -n "$sbt" ] && [ "$sbt" -gt 0 ] &&
				say "  msrtop / bpftrace_full: stock $(awk -v a="$sm" -v b="$sbt" 'BEGIN { printf "%.3f", a / b }')$(
					[ -n "$pbt" ] && [ "$pbt" -gt 0 ] &&
						awk -v a="$pm" -v b="$pbt" 'BEGIN { printf ", patched %.3f", a / b }') (target <= 0.25)"
		else
			say "  (no msrtop figure in $patched_log or $stock_log: --configs without msrtop?)"
		fi
	fi
fi
if [ $skip_realtime = 0 ]; then
	overhead_vm "b. added cost per WRMSR exit, in ns of QEMU TCG on this shared host ($kernel_label, nested SVM): noisy" \
		"$out/overhead-realtime-$stamp.log" "$@"
fi

# ---- 2. one refresh with 10,000 entries -------------------------------------------

if [ $skip_host = 0 ]; then
	say ""
	say "== 2. one refresh (read all maps + JSON document) with 10,000 live entries, on this host"
	# Whole-map reads (MSRTOP_READS=whole): snapshot_bench fills the maps from
	# userspace, so the programs never mark its rows changed, and total_all
	# (every row changed) must include the read of every row.
	if ! MSRTOP_READS=whole "$SB" --iterations "$iterations" | tee -a "$results"; then
		say "snapshot_bench: FAILED"
		status=1
	fi
	say ""
	say "== 2b. the same with 100,000 live entries (160 VMs x 4 vCPUs)"
	if ! MSRTOP_READS=whole "$SB" --iterations $(((iterations + 9) / 10)) --vms 160 | tee -a "$results"; then
		say "snapshot_bench --vms 160: FAILED"
		status=1
	fi

	# ---- 3. the daemon --------------------------------------------------------------------

	# daemon_cpu LABEL VMS SCRAPE MSRTOP-ARGS...: msrtop with the given arguments,
	# its maps filled with VMS x 625 entries, its CPU use over --cpu-seconds;
	# /metrics scraped every SCRAPE seconds (0: never) while it is measured.
	daemon_cpu() {
		local label=$1 vms=$2 scrape=$3 scraper= url
		shift 3
		say ""
		say "== 3$label: msrtop $* with $((vms * 625)) live entries, CPU over ${cpu_seconds} s$(
			[ "$scrape" = 0 ] || echo ", /metrics scraped every $scrape s")"
		"$MT" "$@" >/dev/null 2>"$work/msrtop.err" &
		mt_pid=$!
		if ! bench_fill "$SB" "$mt_pid" "$vms" "$work/fill.out"; then
			say "filling msrtop's maps FAILED: $(cat "$work/fill.out" "$work/msrtop.err")"
			status=1
		else
			tee -a "$results" <"$work/fill.out"
			bench_settle
			if [ "$scrape" != 0 ]; then
				url=$(sed -n 's|^msrtop: serving \(http://[^ ]*/metrics\) .*|\1|p' "$work/msrtop.err")
				while sleep "$scrape"; do
					curl -sf -o "$work/scrape.prom" "$url" || echo "scrape of $url failed" >>"$work/scrape.err"
				done &
				scraper=$!
			fi
			# ticks: utime + stime of the process; ns: the run time of all its threads.
			ticks() { awk '{ print $14 + $15 }' "/proc/$mt_pid/stat"; }
			t0=$(date +%s%N) k0=$(ticks) n0=$(bench_runns "$mt_pid")
			sleep "$cpu_seconds"
			t1=$(date +%s%N) k1=$(ticks) n1=$(bench_runns "$mt_pid")
			hz=$(getconf CLK_TCK)
			awk -v t="$((t1 - t0))" -v k="$((k1 - k0))" -v hz="$hz" -v n="$((n1 - n0))" 'BEGIN {
				printf "cpu (utime+stime)  %.2f%% of one core (%d ticks of 1/%d s in %.1f s)\n",
					100 * k / hz / (t / 1e9), k, hz, t / 1e9
				printf "cpu (schedstat)    %.2f%% of one core (%.1f ms run time in %.1f s)\n",
					100 * n / t, n / 1e6, t / 1e9
			}' | tee -a "$results"
			kill -0 "$mt_pid" 2>/dev/null || { say "msrtop died: $(cat "$work/msrtop.err")"; status=1; }
			if [ -n "$scraper" ]; then
				kill "$scraper" 2>/dev/null
				wait "$scraper" 2>/dev/null
				if [ -s "$work/scrape.err" ]; then
					say "scraping /metrics FAILED: $(head -n 3 "$work/scrape.err")"
					status=1
				elif [ ! -s "$work/scrape.prom" ] && [ "$cpu_seconds" -ge "$scrape" ]; then
					say "scraping /metrics FAILED: no scrape answered in ${cpu_seconds} s"
					status=1
				elif [ ! -s "$work/scrape.prom" ]; then
					say "(not scraped: --cpu-seconds ${cpu_seconds} is shorter than the scrape interval, ${scrape} s)"
				fi
				rm -f "$work/scrape.err" "$work/scrape.prom"
			fi
		fi
		kill "$fill_pid" 2>/dev/null
		kill -INT "$mt_pid" 2>/dev/null
		wait "$mt_pid" 2>/dev/null
		wait "$fill_pid" 2>/dev/null
		mt_pid= fill_pid=
	}
	daemon_cpu a 16 0 --json --interval 1
	# As packaging/msrtop.service runs it (its port and file moved aside): the
	# unit's --output is in /run/msrtop, a tmpfs on a systemd host; where /run
	# is not one (a container, say), a tmpfs is mounted for the file.
	rundir=$work/run
	mkdir -p "$rundir"
	if [ "$(stat -f -c %T /run)" = tmpfs ]; then
		rundir=$(mktemp -d /run/msrtop-bench.XXXXXX)
	elif mount -t tmpfs -o size=512m,mode=0755 msrtop-bench "$rundir"; then
		run_tmpfs=$rundir
	else
		say "(no tmpfs for --output: it is written to $(stat -f -c %T "$rundir"))"
	fi
	daemon_cpu b 16 0 --listen 127.0.0.1:0 --output "$rundir/stats.json" --interval 5
	daemon_cpu c 160 0 --listen 127.0.0.1:0 --output "$rundir/stats.json" --interval 5
	daemon_cpu d 160 15 --listen 127.0.0.1:0 --output "$rundir/stats.json" --interval 5
	case $rundir in /run/*) rm -rf "$rundir" ;; esac
fi

# ---- 4. possible CPUs ---------------------------------------------------------------

if [ $skip_realtime = 0 ]; then
	for cpus in 2 64; do
		say ""
		say "== 4. one refresh with 10,000 live entries in the ${KVER:-6.1} test kernel, possible_cpus=$cpus (QEMU TCG: compare the two, not with part 2)"
		log=$out/possible-cpus-$cpus-$stamp.log
		"$top/tests/vm/run.sh" --kver "${KVER:-6.1}" --timeout 1800 --append "possible_cpus=$cpus" \
			-- "$SB" --iterations 30 >"$log" 2>&1
		if grep -q "; $cpus possible CPUs;" "$log"; then
			grep -E '^(snapshot rows|wall (read|total|metrics) )' "$log" | tee -a "$results"
		else
			say "snapshot_bench with possible_cpus=$cpus: FAILED (or the kernel has fewer possible CPUs), see $log"
			status=1
		fi
	done
fi

say ""
say "results: $results"
exit $status
