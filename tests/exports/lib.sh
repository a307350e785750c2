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
#   promql EXPR [JQ-FILTER]   an instant query to the Prometheus server at $PROM
#                             (at time $at when set), filtered by jq
#   msr_truth FILE DIR EXPR   from msrload's JSON FILE: "msr_hex value" for each
#                             MSR KVM saw accesses of in DIR (read/write), the
#                             value being the jq EXPR on that MSR's totals
#   prom_by_msr EXPR          "msr value" for each MSR of sum by (msr) (EXPR)
#   check_prom_msrs TRUTH PID LABEL  per MSR and direction, the accesses and
#                             #GP Prometheus has for PID equal msrload's JSON
#                             TRUTH (four checks, named "LABEL: ...")
#   check_http_clients PORT SUFFIX  malformed requests, 40 silent connections
#                             and 100 concurrent scrapes do not hurt the
#                             server (three checks, names ending in SUFFIX)
#   check_whole_reads FILE READS SECONDS MIN_SEQS NAME  READS reads of the
#                             --output FILE over SECONDS, while msrtop
#                             rewrites it, are all whole JSON, of at least
#                             MIN_SEQS different snapshots
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

promql() {
	curl -sf --max-time 10 "http://$PROM/api/v1/query" --data-urlencode "query=$1" \
		${at:+--data-urlencode "time=$at"} |
		jq -r "${2:-.data.result[] | \"\\(.metric) \\(.value[1])\"}"
}

# Per MSR and direction, KVM sees every access that does not exit to msrload
# (docs/msrload.md, "The ground truth").
msr_truth() {
	jq -r ".total.msrs[] | select(.$2s - .$2_userspace > 0) | \"\\(.msr_hex) \\($3)\"" \
		"$1" | sort
}

prom_by_msr() {
	promql "sum by (msr) ($1)" '.data.result[] | "\(.metric.msr) \(.value[1])"' | sort
}

# KVM raised the #GP the guest took minus those msrload answered.
check_prom_msrs() {
	local truth=$1 pid=$2 label=$3 dir want got
	for dir in write read; do
		want=$(msr_truth "$truth" "$dir" ".${dir}s - .${dir}_userspace")
		got=$(prom_by_msr "msrtop_msr_accesses_total{pid=\"$pid\",direction=\"$dir\"}")
		tap_eq "$label: MSR ${dir}s per MSR for pid $pid equal msrload's" "$want" "$got"
		printf '%s\n' "$got" | sed "s/^/#   $dir /"
		want=$(msr_truth "$truth" "$dir" ".${dir}_faults - .${dir}_userspace_gp")
		got=$(prom_by_msr "msrtop_msr_gp_total{pid=\"$pid\",direction=\"$dir\"}")
		tap_eq "$label: #GP on MSR ${dir}s per MSR for pid $pid equal msrload's" "$want" "$got"
	done
}

check_http_clients() {
	local port=$1 suffix=$2
	tap_cmd "malformed requests get 4xx or a closed connection, and scrapes go on$suffix" \
		python3 "$top/tests/exports/http_clients.py" malformed "$port"
	tap_cmd "40 silent connections for 3 s: scrapes stay fast$suffix" \
		python3 "$top/tests/exports/http_clients.py" silent "$port" 40 3
	tap_cmd "100 concurrent scrapes all complete$suffix" \
		python3 "$top/tests/exports/http_clients.py" concurrent "$port" 100
}

check_whole_reads() {
	local file=$1 reads=$2 secs=$3 min_seqs=$4 name=$5 out rc
	out=$(python3 "$top/tests/exports/read_loop.py" "$file" "$reads" "$secs")
	rc=$?
	if [ $rc = 0 ] && [ "$(sed -n 's/.*seqs=\([0-9]*\).*/\1/p' <<<"$out")" -ge "$min_seqs" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "$out"
	fi
	printf '%s\n' "$out" | sed 's/^/#   /'
}
