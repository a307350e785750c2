# Sourced by the bpftrace tests: find the programs (bpftrace/*.bt and the
# one-liners of docs/one-liners.md), tell which of their probes this kernel
# has, run one in the background until its probes are attached, and read the
# maps it printed (bpftrace -f json).
#
# A program is named by an id: the script's file name without .bt
# ("kvm_exits"), or the id a one-liner carries in the doc ("exits-by-reason").

BPFTRACE=${BPFTRACE:-$(command -v bpftrace || echo /usr/bin/bpftrace)}
BT_TRACEFS=${TRACEFS:-/sys/kernel/tracing}
# bpftrace compiles with LLVM at start-up: about a second on a host, 15-40 s
# inside the test VM (QEMU TCG); a loaded CI machine can double that.
BT_ATTACH_TIMEOUT=${BT_ATTACH_TIMEOUT:-300}

# bt_oneliners DOC: "ID<TAB>COMMAND" for every one-liner. In the doc a one-liner
# is the first line of the fenced block that follows "<!-- one-liner: ID -->".
bt_oneliners() {
	awk '
	/^<!-- one-liner: [a-z0-9-]+ -->$/ { id = $3; want = 1; next }
	want == 1 && /^```/ { want = 2; next }
	want == 2 { printf "%s\t%s\n", id, $0; want = 0 }
	' "$1"
}

# bt_program_text ID KIND SOURCE: the bpftrace program without comments
# (KIND script: SOURCE is the file; oneliner: SOURCE is the command line).
bt_program_text() {
	if [ "$2" = script ]; then
		sed -e 's://.*$::' "$3" | awk '
			{ line = $0; out = "" }
			{
				while (line != "") {
					if (inc) {
						p = index(line, "*/")
						if (!p) { line = ""; break }
						line = substr(line, p + 2); inc = 0
					} else {
						p = index(line, "/*")
						if (!p) { out = out line; line = ""; break }
						out = out substr(line, 1, p - 1); line = substr(line, p + 2); inc = 1
					}
				}
				print out
			}'
	else
		printf '%s\n' "$3"
	fi
}

# bt_probes TEXT: the probes a program attaches to, one per line, unique
# (tracepoint:CAT:NAME, kprobe:FUNC, kretprobe:FUNC; BEGIN/END are not probes
# the kernel lists).
bt_probes() {
	printf '%s\n' "$1" | grep -oE '\b(tracepoint:[a-z0-9_]+:[a-z0-9_]+|kretprobe:[A-Za-z0-9_.]+|kprobe:[A-Za-z0-9_.]+)' |
		sort -u
}

bt_have_kprobes() {
	[ -e "$BT_TRACEFS/kprobe_events" ]
}

# bt_probe_missing PROBE: prints why PROBE cannot be attached here (nothing if it can).
bt_probe_missing() {
	local p=$1
	case "$p" in
	tracepoint:*)
		local cat_name=${p#tracepoint:}
		[ -d "$BT_TRACEFS/events/${cat_name%%:*}/${cat_name#*:}" ] ||
			echo "$p: no such tracepoint in this kernel"
		;;
	kprobe:* | kretprobe:*)
		local fn=${p#*:}
		if ! bt_have_kprobes; then
			echo "$p: this kernel has no kprobes"
		elif ! grep -qE "^[0-9a-f]+ [tT] $fn(	\[[^]]+\])?\$" /proc/kallsyms; then
			# (a function of a module is listed with a tab and "[module]" after it)
			echo "$p: no function $fn in this kernel"
		fi
		;;
	*) echo "$p: unknown probe type" ;;
	esac
}

# bt_expected_error PROBE: the message bpftrace 0.17 stops with when PROBE is missing.
bt_expected_error() {
	case "$1" in
	tracepoint:*) echo "tracepoint not found: ${1#tracepoint:}" ;;
	*) echo "Error attaching probe: '$1'" ;;
	esac
}

# bt_launch OUT ERR COMMAND: run a bpftrace command line (as written in the
# doc, or "bpftrace FILE") in the background with -f json added (-f text when
# BT_FORMAT=text). Sets bt_pid.
bt_launch() {
	(
		bpftrace() { exec "$BPFTRACE" -f "${BT_FORMAT:-json}" "$@"; }
		eval "$3"
	) >"$1" 2>"$2" </dev/null &
	bt_pid=$!
}

# bt_wait_attached PID OUT ERR NPROBES: wait until all NPROBES probes of the
# bpftrace launched as PID are attached (bpftool perf lists them: bpftrace
# prints its "Attaching N probes" line before it attaches them). Returns 1,
# with the reason in bt_error, if bpftrace exited or did not attach in time.
# Several launched together compile at the same time: waiting for one after
# the other costs no more than the slowest.
bt_wait_attached() {
	local pid=$1 out=$2 err=$3 nprobes=$4 waited=0 attached=0 t0
	t0=$(date +%s)
	bt_error=
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			bt_error="bpftrace exited with status $? before attaching: $(grep -v RLIMIT_MEMLOCK "$err" | tr '\n' ' ' | cut -c1-400)"
			return 1
		fi
		if grep -qE '"type": "attached_probes"|^Attaching [0-9]+ probes?\.\.\.' "$out" 2>/dev/null; then
			attached=$(bpftool perf show 2>/dev/null | grep -c "^pid $pid ")
			[ "$attached" -ge "$nprobes" ] && return 0
		fi
		if [ $(($(date +%s) - t0)) -ge "$BT_ATTACH_TIMEOUT" ]; then
			bt_error="bpftrace did not attach its $nprobes probes within ${BT_ATTACH_TIMEOUT}s ($attached attached)"
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 1
		fi
		sleep 0.2
		waited=$((waited + 1))
	done
}

# bt_start OUT ERR COMMAND NPROBES: bt_launch, then bt_wait_attached.
bt_start() {
	bt_launch "$1" "$2" "$3"
	bt_wait_attached "$bt_pid" "$1" "$2" "$4"
}

# bt_stop [PID [SIGNALLED]]: SIGINT (bpftrace runs END and prints its maps),
# wait for the exit of PID (default $bt_pid); SIGNALLED: the first SIGINT was
# sent already. Returns bpftrace's exit status; 124 if it did not finish within
# 120 s. bpftrace 0.17 notices a SIGINT that arrives before it polls for events
# only at the next event or signal (fixed in 0.21): the signal is repeated,
# every BT_STOP_REPEAT s (default 10) — not sooner, since a SIGINT that
# arrives while END runs makes bpftrace exit with 130 before it has printed
# its maps, and under QEMU, with a group of programs ending together, END can
# take seconds.
bt_stop() {
	local i pid=${1:-$bt_pid} every=$((${BT_STOP_REPEAT:-10} * 10)) first=0
	[ -z "${2:-}" ] || first=1
	for ((i = first; i < 1200; i++)); do
		[ $((i % every)) != 0 ] || kill -INT "$pid" 2>/dev/null
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# bt_map OUT NAME: the entries of map @NAME (NAME "" for the map "@") as
# "KEY<TAB>VALUE", keys joined by "," as bpftrace's JSON output has them; a
# histogram's value is the number of samples it holds.
bt_map() {
	jq -r --arg n "@$2" '
		select(.type == "map" or .type == "hist" or .type == "stats") | .data[$n] // empty |
		if type == "object" then
			to_entries[] | "\(.key)\t\(.value | if type == "array" then (map(.count) | add) else . end)"
		elif type == "array" then "\t\(map(.count) | add)"
		else "\t\(.)" end' "$1"
}

# bt_printf OUT: the lines printf printed (after the header line printed in BEGIN).
bt_printf() {
	jq -r 'select(.type == "printf") | .data' "$1" | tr -s '\n' '\n' | sed '/^$/d'
}

# copy_tool NAME DIR: a copy of NAME and its libraries under DIR, run by a
# wrapper of the same name that execs it (so it keeps the caller's pid).
copy_tool() {
	local bin dir=$2
	bin=$(command -v "$1") || return 1
	mkdir -p "$dir/lib-$1" || return 1
	cp "$bin" "$dir/lib-$1/$1" || return 1
	ldd "$bin" | awk '/=> \// { print $3 }' | xargs -r cp -t "$dir/lib-$1/" || return 1
	printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$dir/lib-$1" "$dir/lib-$1/$1" >"$dir/$1"
	chmod +x "$dir/$1"
}
