# shellcheck shell=bash
# Sourced by the tests that run inside the test VM: their work in two phases,
# so that the checks can run on the host.
#
# Under QEMU's TCG every process a test starts in the VM costs 0.1-0.4 s (jq
# about 0.35 s), and comparing a run with its ground truth takes hundreds of
# jq and awk calls. So such a test does its work in two phases:
#
#   collect   what needs the VM's KVM: run msrload, msrtop, tracers; keep
#             everything the checks read in $work (and the variables they
#             need, with phase_keep)
#   check     compare what was collected with the ground truth: pure jq/awk
#             on files, the same on any machine
#
#   SCRIPT                 both phases, one after the other (on a host with
#                          /dev/kvm, or by hand in the VM)
#   SCRIPT --collect DIR   the collect phase; $work is copied to DIR at the end
#                          (tests/vm/batch.sh runs this in the VM, DIR on a
#                          share the host sees)
#   SCRIPT --check DIR     the check phase on DIR (batch.sh runs it on the host
#                          once the VM has ended)
#
# In the script:
#   phase_init NAME "$@"     sets $phase and $work (a fresh directory, or DIR)
#   if phase_collects; then ... phase_keep VAR...; fi
#   if phase_checks; then phase_load; ...; fi
#   tap_done                 (copies $work out after a collect phase)
#   phase_pids+=($!)         a background process (msrtop, a tracer) that
#                            gets SIGINT when the script exits, however
#   phase_cleanup() { ...; } if defined, called when the script exits, after
#                            that
# A collect phase may report results of its own (an msrload that did not run
# is a failure there and then).

phase=all
phase_pids=()
_phase_out=
_phase_tmp=

phase_init() {
	local name=$1
	shift
	case "${1:-}" in
	--collect)
		[ -n "${2:-}" ] || { echo "$name: --collect needs a directory" >&2; exit 2; }
		phase=collect _phase_out=$2
		;;
	--check)
		[ -d "${2:-}" ] || { echo "$name: --check needs the directory a --collect filled" >&2; exit 2; }
		phase=check work=$2
		return 0
		;;
	"") ;;
	*) echo "$name: unknown option '$1' (use --collect DIR or --check DIR)" >&2; exit 2 ;;
	esac
	work=$(mktemp -d "/tmp/$name.XXXXXX")
	_phase_tmp=$work
	trap _phase_exit EXIT
}

phase_collects() { [ "$phase" != check ]; }
phase_checks() { [ "$phase" != collect ]; }

# phase_keep VAR...: the values the check phase needs, kept in $work.
phase_keep() {
	# Global on loading: phase_load's "." runs inside a function.
	declare -p "$@" | sed 's/^declare /declare -g /' >>"$work/.phase-vars"
}

# phase_load: the values phase_keep kept (in the check phase).
phase_load() {
	# shellcheck disable=SC1091 # written by phase_keep
	[ ! -f "$work/.phase-vars" ] || . "$work/.phase-vars"
}

# Called on exit: a collect phase's $work goes to its directory; the work
# directory of a collect or full run is removed.
_phase_exit() {
	local rc=$? p
	if [ "$phase" = collect ] && [ -n "$_phase_tmp" ]; then
		mkdir -p "$_phase_out" && cp -a "$_phase_tmp/." "$_phase_out/"
	fi
	for p in "${phase_pids[@]}"; do kill -INT "$p" 2>/dev/null; done
	if declare -F phase_cleanup >/dev/null; then phase_cleanup; fi
	[ -z "$_phase_tmp" ] || rm -rf "$_phase_tmp"
	exit $rc
}
