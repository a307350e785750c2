#!/usr/bin/env bash
# Inside the test VM (tests/vm/boot.sh, suite exports): msrtop --listen and --output
# under a real KVM workload, scraped by a real Prometheus server.
#
# msrload runs a known script on two vCPUs while msrtop serves 127.0.0.1:9108
# and Prometheus scrapes it every second, and while malformed, silent and 100
# concurrent clients hit the endpoint and a reader parses the --output file
# over and over. Once msrload has exited and Prometheus has scraped a snapshot
# taken after that, the per-MSR counters for msrload's pid, queried through
# Prometheus' HTTP API, must equal msrload's ground truth exactly. Also:
# promtool on the real /metrics, the JSON schema on real documents with
# kvm_exit events, the PromQL of docs/daemon.md, SIGTERM.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/exports/lib.sh"

ML=${MSRLOAD:-$top/build/msrload}
PORT=9108
PROM=127.0.0.1:9090
work=$(mktemp -d /tmp/exports-vm.XXXXXX)
prom_pid=
trap '[ -z "$mt_pid" ] || kill "$mt_pid" 2>/dev/null; [ -z "$prom_pid" ] || kill "$prom_pid" 2>/dev/null' EXIT
mkdir -p "$work/out" "$work/tsdb"

echo "# kernel $(uname -r)"
# Run copies: the build tree is the host's, live, and may be rebuilt meanwhile.
cp "$MSRTOP" "$work/msrtop" && MSRTOP=$work/msrtop
cp "$ML" "$work/msrload" && ML=$work/msrload
if [ ! -e /dev/kvm ]; then
	tap_fail "/dev/kvm exists in the test VM"
	tap_done
fi

# promql (tests/exports/lib.sh) queries at $at when set: rates are taken
# over the window that ends when msrload exited.
at=

if ! msrtop_start "$work/msrtop.log" --listen "127.0.0.1:$PORT" --output "$work/out/stats.json" \
	--interval 0.5; then
	tap_fail "msrtop starts with --listen and --output" "$(tail -n 5 "$work/msrtop.log")"
	tap_done
fi
tap_ok "msrtop serves on 127.0.0.1:$PORT"
sed 's/^/# /' "$work/msrtop.log"

cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: msrtop
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="$PROM" --log.level=warn >"$work/prometheus.log" 2>&1 &
prom_pid=$!
up=
for _ in $(seq 120); do
	up=$(promql 'up{job="msrtop"}' '.data.result[0].value[1]' 2>/dev/null)
	[ "$up" = 1 ] && break
	sleep 0.5
done
if [ "$up" != 1 ]; then
	tap_fail "Prometheus scrapes msrtop (up == 1)" "$(tail -n 5 "$work/prometheus.log")"
	tap_done
fi
tap_ok "Prometheus scrapes msrtop (up == 1)"

# ---- the workload, and the clients while it runs --------------------------------------
("$ML" --vcpus 2 --duration 10 --rate 20 >"$work/truth.json" 2>"$work/msrload.err"
	rc=$?
	date +%s.%N >"$work/msrload.end"
	exit $rc) &
ml_pid=$!
check_http_clients "$PORT" " (while msrload runs)"
check_whole_reads "$work/out/stats.json" 2000 3 3 \
	"2000+ reads of the --output file during rewrites: all whole JSON"
wait "$ml_pid"
rc=$?
ml_end=$(cat "$work/msrload.end")
if [ $rc != 0 ] || ! jq -e '.pid' "$work/truth.json" >/dev/null 2>&1; then
	tap_fail "msrload ran" "exit $rc: $(cat "$work/msrload.err")"
	tap_done
fi
pid=$(jq .pid "$work/truth.json")
tap_ok "msrload ran: pid $pid, $(jq .total.reps "$work/truth.json") repetitions"

# A snapshot taken after msrload exited, and a scrape of it (or a later one).
sleep 1.2
seq=$(mt_get /stats.json | jq .seq)
scraped=0
for _ in $(seq 60); do
	scraped=$(promql 'msrtop_snapshots_total' '.data.result[0].value[1]')
	[ "${scraped:-0}" -ge "$seq" ] && break
	sleep 0.5
done
tap_cmd "Prometheus has scraped snapshot $seq, taken after msrload exited" \
	test "${scraped:-0}" -ge "$seq"

# ---- exact numbers, through Prometheus ----------------------------------------------------
# Per MSR and direction, KVM saw every access that did not exit to msrload
# (see docs/msrload.md, "The ground truth"); #GP from KVM are those the guest
# took minus those msrload answered.
check_prom_msrs "$work/truth.json" "$pid" Prometheus
uexit() {
	promql "sum(msrtop_userspace_exits_total{pid=\"$pid\",reason=\"$1\"})" \
		'.data.result[0].value[1] // "0"'
}
tap_eq "Prometheus: user-space WRMSR exits" \
	"$(jq '[.total.msrs[].write_userspace] | add' "$work/truth.json")" "$(uexit X86_WRMSR)"
tap_eq "Prometheus: HLT exits to msrload" "$(jq .total.exits.hlt "$work/truth.json")" \
	"$(uexit HLT)"
tap_eq "Prometheus: msrload's comm and vCPUs" "msrload 2" \
	"$(promql "msrtop_vm_vcpus{pid=\"$pid\"}" '.data.result[0] | "\(.metric.comm) \(.value[1])"')"
# The same numbers in /stats.json and the --output file.
mt_get /stats.json >"$work/stats.json"
# cat, not cp: cp skips a file renamed over between its stat and its open,
# which msrtop does to the --output file every refresh.
cat "$work/out/stats.json" >"$work/output-file.json"
want=$(jq -r '.total.msrs[] | select(.writes - .write_userspace > 0) |
	"\(.msr) \(.writes - .write_userspace)"' \
	"$work/truth.json" | sort)
for f in stats.json output-file.json; do
	got=$(jq -r --argjson p "$pid" '[.msrs[] | select(.pid == $p and .access == "write")] |
		group_by(.msr)[] | "\(.[0].msr) \(map(.count.total) | add)"' "$work/$f" | sort)
	tap_eq "$f: MSR writes per MSR for pid $pid equal msrload's" "$want" "$got"
done

# ---- formats --------------------------------------------------------------------------------
mt_get /metrics >"$work/metrics.txt"
tap_cmd "promtool check metrics accepts the real /metrics (with exit latency histograms)" \
	promtool check metrics <"$work/metrics.txt"
tap_eq "kvm_exit is attached and fired" 1 \
	"$(jq '[.sources[] | select(.name == "kvm_exit" and .state == "attached" and .events.total > 0)] | length' "$work/stats.json")"
printf '%s\n' "$(jq -r '.sources[] | "# source \(.name) \(.state) \(.events.total // "-")"' "$work/stats.json")"
"$MSRTOP" --json --interval 0.5 --duration 1.2 >"$work/json-lines.json" 2>"$work/json.err"
tap_eq "msrtop --json ran" 0 "$?"
check_schema "/stats.json, the --output file and --json lines match the schema (kernel $(uname -r))" \
	"$work/stats.json" "$work/output-file.json" "$work/json-lines.json"

# ---- the queries of docs/daemon.md, over the minute before msrload exited ------------------
at=$ml_end
top_msrs='topk by (pid, comm) (5, sum by (pid, comm, msr, msr_name) (rate(msrtop_msr_accesses_total{direction="write"}[1m])))'
p99='histogram_quantile(0.99, sum by (le, reason) (rate(msrtop_exit_latency_seconds_bucket[1m])))'
for q in "$top_msrs" "$p99"; do
	grep -qF "$q" "$top/docs/daemon.md" || tap_fail "docs/daemon.md shows: $q"
done
got=$(promql "$top_msrs" '[.data.result[] | select(.metric.pid == "'"$pid"'")] | max_by(.value[1] | tonumber) | .metric.msr_name')
tap_eq "top MSRs written per VM: msrload's first is IA32_CR_PAT" IA32_CR_PAT "$got"
promql "$top_msrs" '.data.result[] | "#   \(.metric.comm) \(.metric.msr_name) \(.value[1])/s"'
got=$(promql "$p99" '[.data.result[] | select(.value[1] != "NaN")] | length')
if [ "${got:-0}" -gt 0 ]; then
	tap_ok "exit latency p99 per reason: $got reasons"
else
	tap_fail "exit latency p99 per reason" "no result"
fi
promql "$p99" '.data.result[] | "#   \(.metric.reason) p99 \(.value[1]) s"'
# The dashboard's queries, with its variables set as Grafana would.
while IFS=$'\t' read -r title expr; do
	expr=${expr//'$topk'/5}
	expr=${expr//'$instance'/.*}
	expr=${expr//'$__rate_interval'/1m}
	n=$(promql "$expr" '[.data.result[] | select(.value[1] != "NaN")] | length')
	if [ "${n:-0}" -gt 0 ]; then
		tap_ok "Grafana panel '$title': its query returns $n series"
	else
		tap_fail "Grafana panel '$title': its query returns series" "$expr"
	fi
done < <(jq -r '.panels[] | "\(.title)\t\(.targets[0].expr)"' "$top/docs/grafana-dashboard.json")

links=$(mt_link_ids)
msrtop_stop TERM
tap_eq "SIGTERM: msrtop exits 0" 0 "$?"
check_bpf_links_gone "SIGTERM: msrtop's BPF links are gone" "$links"
kill "$prom_pid"
wait "$prom_pid" 2>/dev/null
prom_pid=

# ---- the systemd unit's privileges ------------------------------------------------------
# msrtop as the unit runs it: root, but with only the capabilities of its
# CapabilityBoundingSet (read from packaging/msrtop.service) and no new
# privileges. It must count exactly; without CAP_PERFMON (and CAP_SYS_ADMIN,
# which the kernel takes in its place) it must not start.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$top/packaging/msrtop.service" |
	tr 'A-Z' 'a-z' | sed 's/cap_//g; s/ /,+/g')
# setpriv execs msrtop: the pid is msrtop's.
setpriv --no-new-privs --bounding-set "-all,+$caps" --inh-caps -all \
	"$MSRTOP" --json --interval 0.5 >"$work/unit.jsonl" 2>"$work/unit.err" &
unit_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$work/unit.jsonl" ] && break
	sleep 0.1
done
"$ML" --vcpus 2 --reps 2 >"$work/unit-truth.json" 2>"$work/unit-ml.err"
rc=$?
n=$(wc -l <"$work/unit.jsonl")
for ((i = 0; i < 100; i++)); do
	[ "$(wc -l <"$work/unit.jsonl")" -gt "$((n + 1))" ] && break
	sleep 0.1
done
kill -TERM $unit_pid
wait $unit_pid
tap_eq "with the unit's capabilities only (+$caps): msrtop exits 0 on SIGTERM" 0 "$?"
if [ $rc = 0 ] && [ -s "$work/unit.jsonl" ]; then
	upid=$(jq .pid "$work/unit-truth.json")
	tail -n 1 "$work/unit.jsonl" >"$work/unit.json"
	want=$(jq -r '.total.msrs[] | select(.writes - .write_userspace > 0) |
		"\(.msr_hex) \(.writes - .write_userspace)"' "$work/unit-truth.json" | sort)
	got=$(jq -r --argjson p "$upid" '[.msrs[] | select(.pid == $p and .access == "write")] |
		group_by(.msr)[] | "\(.[0].msr) \(map(.count.total) | add)"' "$work/unit.json" |
		while read -r m c; do printf '0x%x %s\n' "$m" "$c"; done | sort)
	tap_eq "with the unit's capabilities only: MSR writes per MSR equal msrload's" "$want" "$got"
else
	tap_fail "with the unit's capabilities only: msrtop counted msrload" \
		"msrload exit $rc; msrtop: $(head -c 300 "$work/unit.err")"
fi
nocap=$(printf '%s' "$caps" | sed 's/+//g' | tr ',' '\n' | grep -vx -e perfmon -e sys_admin |
	paste -sd, - | sed 's/,/,+/g')
setpriv --no-new-privs --bounding-set "-all,+$nocap" --inh-caps -all \
	"$MSRTOP" --once --interval 0.2 >"$work/nocap.out" 2>"$work/nocap.err"
rc=$?
if [ $rc != 0 ] && [ "$(wc -l <"$work/nocap.err")" = 1 ]; then
	tap_ok "without CAP_PERFMON and CAP_SYS_ADMIN (+$nocap): msrtop refuses with one line ($(cat "$work/nocap.err"))"
else
	tap_fail "without CAP_PERFMON and CAP_SYS_ADMIN: msrtop refuses with one line" "exit $rc: $(cat "$work/nocap.err")"
fi
tap_done
