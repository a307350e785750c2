#!/usr/bin/env bash
# Suite: msrtop --listen and --output on this host: the Prometheus text passes
# promtool, the JSON documents (--json, /stats.json, --output) pass the schema,
# HTTP semantics, malformed/silent/concurrent clients, an output file read
# thousands of times while rewritten every 0.1 s, SIGHUP, SIGTERM/SIGINT.
# The numbers themselves are checked against msrload inside the test VM
# (tests/exports/vm.sh); on a host without VMX/SVM, kvm_exit never fires.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/exports/lib.sh"

if [ "$(id -u)" != 0 ]; then
	tap_skip "msrtop exports on this host" "needs root to load BPF programs"
	tap_done
fi
for tool in curl promtool python3 bpftool; do
	if ! command -v $tool >/dev/null; then
		tap_skip "msrtop exports on this host" "$tool is missing: run 'make deps'"
		tap_done
	fi
done
work=$(mktemp -d /tmp/msrtop-exports.XXXXXX)
trap '[ -z "$mt_pid" ] || kill "$mt_pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/out"

# ---- the command line -----------------------------------------------------------
for arg in 65536 x:9100 example.com:9100 ::1:9100 '[::1]' 127.0.0.1:; do
	out=$("$MSRTOP" --listen "$arg" 2>&1)
	rc=$?
	if [ $rc = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
		[[ "$out" == *"--listen '$arg'"* ]]; then
		tap_ok "--listen '$arg' is refused with one line, exit 2"
	else
		tap_fail "--listen '$arg' is refused with one line, exit 2" "exit $rc: $out"
	fi
done
out=$("$MSRTOP" --output /nonexistent-dir/stats.json 2>&1)
rc=$?
tap_eq "--output in a missing directory: exit 1" 1 "$rc"
tap_eq "... with one line naming the directory" 1 \
	"$(printf '%s\n' "$out" | grep -c "directory '/nonexistent-dir'")"

if ! msrtop_start "$work/msrtop.log" --listen 127.0.0.1:0 --output "$work/out/stats.json" \
	--interval 0.1; then
	tap_fail "msrtop starts with --listen and --output" "$(tail -n 5 "$work/msrtop.log")"
	tap_done
fi
tap_ok "msrtop starts with --listen 127.0.0.1:0 and --output (port $mt_port)"
t_start=$(date +%s.%N)
seq_start=$(mt_get /stats.json | jq .seq)

out=$("$MSRTOP" --listen "127.0.0.1:$mt_port" 2>&1)
rc=$?
tap_eq "a second msrtop on the same port: exit 1" 1 "$rc"
tap_eq "... saying the port is in use" 1 "$(printf '%s\n' "$out" | grep -c 'Address already in use')"
tap_eq "nothing on stdout without --json" 0 "$(wc -c <"$work/msrtop.log.stdout")"

# ---- HTTP ---------------------------------------------------------------------------
code() { curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$@"; }
tap_eq "GET /metrics: 200" 200 "$(code "http://127.0.0.1:$mt_port/metrics")"
tap_eq "/metrics content type" "text/plain; version=0.0.4; charset=utf-8" \
	"$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$mt_port/metrics")"
tap_eq "GET /stats.json: 200 application/json" "200 application/json" \
	"$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$mt_port/stats.json")"
tap_eq "HEAD /metrics: 200" 200 "$(code -I "http://127.0.0.1:$mt_port/metrics")"
tap_eq "GET /other: 404" 404 "$(code "http://127.0.0.1:$mt_port/other")"
tap_eq "POST /metrics: 405" 405 "$(code -X POST -d x "http://127.0.0.1:$mt_port/metrics")"
tap_eq "DELETE /stats.json: 405" 405 "$(code -X DELETE "http://127.0.0.1:$mt_port/stats.json")"
tap_eq "405 names the allowed methods" "GET, HEAD" \
	"$(curl -s -D - -o /dev/null -X PUT "http://127.0.0.1:$mt_port/metrics" |
		sed -n 's/^Allow: \(.*\)\r$/\1/p')"

mt_get /metrics >"$work/metrics.txt"
tap_cmd "promtool check metrics accepts /metrics" promtool check metrics <"$work/metrics.txt"
tap_eq "kvm_msr is reported as a source" 1 \
	"$(grep -c '^msrtop_source_info{source="kvm_msr",state="attached"' "$work/metrics.txt")"
tap_eq "every map has an overflow counter (MSRTOP_MAP_NR of bpf/msrtop.h)" \
	"$(sed -n 's/^#define MSRTOP_MAP_NR \([0-9]*\).*/\1/p' "$top/bpf/msrtop.h")" \
	"$(grep -c '^msrtop_map_overflow_total{' "$work/metrics.txt")"
# docs/alerts.yml: every msrtop_ metric its expressions use is a family this
# msrtop serves (recorded rules' names, msrtop_vm:..., have a colon).
used=$(grep -oP 'msrtop_[a-z_]*[a-z](?![a-z_:])' "$top/docs/alerts.yml" | sort -u)
served=$(sed -n 's/^# TYPE \(msrtop_[a-z_]*\) .*/\1/p' "$work/metrics.txt" | sort -u)
tap_eq "docs/alerts.yml uses only metrics /metrics serves" "" \
	"$(comm -23 <(echo "$used") <(echo "$served") | xargs)"

# ---- JSON schema -----------------------------------------------------------------------
mt_get /stats.json >"$work/stats.json"
# cat, not cp: cp skips a file renamed over between its stat and its open,
# which msrtop does to the --output file every refresh.
cat "$work/out/stats.json" >"$work/output-file.json"
"$MSRTOP" --json --interval 0.2 --duration 0.7 >"$work/json-lines.json" 2>"$work/json.err"
tap_eq "msrtop --json ran" 0 "$?"
check_schema "/stats.json, the --output file and --json lines match the schema (no kvm_exit events here)" \
	"$work/stats.json" "$work/output-file.json" "$work/json-lines.json"

# ---- clients that must not hurt --------------------------------------------------------
check_http_clients "$mt_port" ""

# ---- the output file ----------------------------------------------------------------------
check_whole_reads "$work/out/stats.json" 5000 3 20 \
	"5000+ reads over 3 s of the --output file rewritten every 0.1 s: all whole JSON"

mv "$work/out" "$work/out.rotated"
mkdir "$work/out"
kill -HUP "$mt_pid"
for _ in $(seq 50); do [ -s "$work/out/stats.json" ] && break; sleep 0.1; done
tap_eq "SIGHUP: the file is written in the new directory" yes \
	"$([ -s "$work/out/stats.json" ] && echo yes || echo no)"
tap_cmd "msrtop still runs after SIGHUP" kill -0 "$mt_pid"

# ---- the loop kept its pace -------------------------------------------------------------
t_end=$(date +%s.%N)
seq_end=$(mt_get /stats.json | jq .seq)
expected=$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%d", (b - a) / 0.1 }')
if [ "$((seq_end - seq_start))" -ge "$((expected * 8 / 10))" ]; then
	tap_ok "snapshots kept coming every 0.1 s through it all ($((seq_end - seq_start)) of ~$expected)"
else
	tap_fail "snapshots kept coming every 0.1 s through it all" \
		"$((seq_end - seq_start)) snapshots in $expected intervals"
fi

# ---- stopping -----------------------------------------------------------------------------
links=$(mt_link_ids)
msrtop_stop TERM
tap_eq "SIGTERM: exit status 0" 0 "$?"
# Only once it has stopped: while it runs, a rewrite's temporary file exists
# for a moment every 0.1 s.
tap_eq "no temporary file left in the output directories" "stats.json" \
	"$(ls -A "$work/out" "$work/out.rotated" | grep -v -e '^$' -e ':$' | sort -u)"
check_bpf_links_gone "SIGTERM: msrtop's BPF links are gone" "$links"
if msrtop_start "$work/msrtop2.log" --listen 127.0.0.1:0; then
	links=$(mt_link_ids)
	msrtop_stop INT
	tap_eq "SIGINT: exit status 0" 0 "$?"
	check_bpf_links_gone "SIGINT: msrtop's BPF links are gone" "$links"
else
	tap_fail "msrtop starts again" "$(tail -n 5 "$work/msrtop2.log")"
fi
tap_done
