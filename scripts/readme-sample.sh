#!/bin/sh
# The README's JSON sample: msrtop --json while msrload runs its default
# script on 2 vCPUs, trimmed with jq to vCPU 0's MSR exits and IA32_PAT rows,
# then msrload's own account of IA32_PAT. Run as root where KVM runs guests,
# e.g. in the stock 6.1 test kernel:
#   tests/vm/run.sh --kernel "$(kernel-patches/build.sh --stock 6.1 | tail -n 1)" \
#       -- scripts/readme-sample.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$top/build/msrtop" --json --interval 2 >"$tmp/mt.jsonl" &
mt=$!
while [ ! -s "$tmp/mt.jsonl" ]; do sleep 0.1; done
"$top/build/msrload" --vcpus 2 --reps 3 >"$tmp/ml.json"
n=$(wc -l <"$tmp/mt.jsonl")
while [ "$(wc -l <"$tmp/mt.jsonl")" -le "$n" ]; do sleep 0.1; done
kill -INT $mt
wait $mt
tail -n 1 "$tmp/mt.jsonl" | jq -M '{version, seq, time, interval_s,
  sources: [.sources[] | select(.name == "kvm_exit" or .name == "kvm_msr") | {name, attach, state, events}],
  vms: [.vms[] | {pid, comm, alive, vcpus, exits: .exits.total, msr_writes: .msr_writes.total, msr_gp: .msr_gp.total}],
  exits: [.exits[] | select(.vcpu == 0 and .reason_name == "MSR") | {pid, vcpu, vcpu_source, isa_name, reason, reason_name, count, latency: {count: .latency.count, mean_ns: .latency.mean_ns}}],
  msrs: [.msrs[] | select(.vcpu == 0 and .msr == 631)]}'
echo
jq -M -c '{pid, pat: (.total.msrs[] | select(.msr_hex == "0x277"))}' "$tmp/ml.json"
