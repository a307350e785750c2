# Sourced by the export suites (host.sh, vm.sh): msrtop with --listen and
# --output in the background, and the checks both suites make.
#   msrtop_start LOG ARGS...  starts build/msrtop ARGS; sets mt_pid, and mt_port
#                             when ARGS has --listen; returns once the first
#                             snapshot is served (or written), 1 on failure
#   msrtop_stop SIGNAL        sends SIGNAL, waits, returns msrtop's exit status
#   mt_get PATH               curl the endpoint (body on stdout)
#   check_schema NAME FILE... the files are valid against docs/msrtop.schema.json
#   check_bpf_links_gone NAME IDS  no BPF link of IDS exists any more
#   mt_link_ids               the BPF link ids msrtop holds open
MSRTOP=${MSRTOP:-$top/build/msrtop}
SCHEMA=$top/docs/msrtop.schema.json
START_TIMEOUT=${START_TIMEOUT:-60}
mt_pid= mt_port=

msrtop_start() {
	local log=$1 i out=
	shift
	mt_port=
	"$MSRTOP" "$@" >"$log.stdout" 2>"$log" &
	mt_pid=$!
	for ((i = 0; i < START_TIMEOUT * 10; i++)); do
		kill -0 "$mt_pid" 2>/dev/null || { wait "$mt_pid"; return 1; }
		if [ -z "$mt_port" ]; then
			mt_port=$(sed -n 's|^msrtop: serving http://.*:\([0-9]*\)/metrics .*|\1|p' "$log")
		fi
		case " $* " in
		*" --listen "*) [ -n "$mt_port" ] && mt_get /stats.json >/dev/null && return 0 ;;
		*" --output "*)
			out=$(printf '%s\n' "$@" | sed -n '/^--output$/{n;p}')
			[ -s "$out" ] && return 0
			;;
		*) return 0 ;;
		esac
		sleep 0.1
	done
	return 1
}

msrtop_stop() {
	local rc
	kill "-$1" "$mt_pid" 2>/dev/null
	wait "$mt_pid"
	rc=$?
	mt_pid=
	return $rc
}

mt_get() {
	curl -sf --max-time 10 "http://127.0.0.1:$mt_port$1"
}

check_schema() {
	local name=$1 out
	shift
	if out=$(python3 "$top/tests/exports/validate_json.py" "$SCHEMA" "$@" 2>&1); then
		tap_ok "$name"
		printf '%s\n' "$out" | sed 's/^/#   /'
	else
		tap_fail "$name" "not valid against $SCHEMA"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

mt_link_ids() {
	local fd
	for fd in /proc/"$mt_pid"/fdinfo/*; do
		sed -n 's/^link_id:[[:space:]]*//p' "$fd" 2>/dev/null
	done | sort -n | tr '\n' ' '
}

check_bpf_links_gone() {
	local name=$1 id left=
	for id in $2; do
		bpftool link show id "$id" >/dev/null 2>&1 && left="$left $id"
	done
	if [ -z "$2" ]; then
		tap_fail "$name" "msrtop held no BPF link to check"
	elif [ -z "$left" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "links still there:$left"
	fi
}
