# Sourced by the benchmark scripts: a running msrtop's maps filled with idle
# rows, its CPU time, and their options' checks.

# bench_fill SNAPSHOT_BENCH PID VMS OUT: fills the maps of the msrtop with pid
# PID with VMS x 625 idle rows (snapshot_bench --fill-pid --hold, left running
# in the background as $fill_pid, to be killed by the caller), its output in
# OUT. Returns once the rows are in (OUT has its "entries" line): 0; or once
# the fill gave up: 1.
bench_fill() {
	local sb=$1 pid=$2 vms=$3 out=$4 i
	"$sb" --fill-pid "$pid" --hold --vms "$vms" >"$out" 2>&1 &
	fill_pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^entries' "$out" && return 0
		kill -0 "$fill_pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^entries' "$out"
}

# bench_settle: waits out the two refreshes of --interval 5 after a fill. The
# first reads every row new, the second sees every delta drop to 0; from the
# third the rows are idle, as on a quiet host.
bench_settle() {
	sleep 11
}

# bench_runns PID: the run time, in ns, of all PID's threads so far (schedstat).
bench_runns() {
	cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# bench_positive SCRIPT OPTION VALUE [OPTION VALUE...]: one line and exit 2
# unless each VALUE is a positive whole number.
bench_positive() {
	local script=$1
	shift
	while [ $# -ge 2 ]; do
		[[ "$2" =~ ^[1-9][0-9]*$ ]] ||
			{ echo "$script: $1 '$2' is not a positive whole number" >&2; exit 2; }
		shift 2
	done
}
