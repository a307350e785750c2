# Sourced by shell tests: record kvm events through tracefs (the kernel's own
# accounting, independent of anything msrtop does).
TRACEFS=${TRACEFS:-/sys/kernel/tracing}

tracefs_mount() {
	[ -e "$TRACEFS/trace" ] && return 0
	mount -t tracefs nodev "$TRACEFS" 2>/dev/null && [ -e "$TRACEFS/trace" ]
}

# tracefs_start EVENT...: clear the buffer, make it large, enable kvm:EVENT...
tracefs_start() {
	echo 0 >"$TRACEFS/tracing_on"
	echo nop >"$TRACEFS/current_tracer"
	echo 0 >"$TRACEFS/events/enable"
	echo "${TRACE_BUFFER_KB:-65536}" >"$TRACEFS/buffer_size_kb"
	: >"$TRACEFS/trace"
	for e in "$@"; do
		echo 1 >"$TRACEFS/events/kvm/$e/enable" || return 1
	done
	echo 1 >"$TRACEFS/tracing_on"
}

# tracefs_stop: stop, print the recorded trace, disable the events.
tracefs_stop() {
	echo 0 >"$TRACEFS/tracing_on"
	cat "$TRACEFS/trace"
	echo 0 >"$TRACEFS/events/enable"
}

# tracefs_lost: events lost since tracefs_start (overruns plus dropped), all CPUs.
tracefs_lost() {
	cat "$TRACEFS"/per_cpu/cpu*/stats |
		awk '/^(overrun|dropped events):/ { n += $NF } END { print n + 0 }'
}
