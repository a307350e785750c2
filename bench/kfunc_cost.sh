#!/usr/bin/env bash
# What reading guest MSRs at every exit with bpf_kvm_vcpu_get_msr() (kernel
# patch 0006) adds per VM exit. Runs inside a test VM, as root; with QEMU's
# -icount shift=0 every "ns" is one guest instruction, exact from run to run:
#
#   mkdir -p /tmp/icount
#   printf '#!/bin/sh\nexec %s "$@" -icount shift=0,sleep=off\n' \
#       "$(command -v qemu-system-x86_64)" >/tmp/icount/qemu-system-x86_64
#   chmod +x /tmp/icount/qemu-system-x86_64
#   PATH=/tmp/icount:$PATH tests/vm/run.sh --kver 6.12 -- bench/kfunc_cost.sh
#
# msrload writes IA32_PAT (intercepted) 100,000 times; its vCPU thread's run
# time over KVM's exit count is the time per exit. Configurations, in rotated
# rounds: none (nothing attached), one (FS_BASE read at every kvm_exit by
# tests/kfunc/kfunc_probe --sample-only), four (FS_BASE, GS_BASE, LSTAR,
# KERNEL_GS_BASE). Each sampling run also checks that the program read the MSR
# at every exit (its samples = KVM's exits statistic).
# `make bench` runs it with 2 rounds (bench/run.sh, step 1c).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
P=$top/build/tests/kfunc/kfunc_probe
ML=("$top/build/msrload" --wrmsr 0x277:0x0007040600070406:20000 --reps 5)
rounds=${1:-3}
bench_positive kfunc_cost.sh ROUNDS "$rounds"
work=$(mktemp -d /tmp/kfunc-cost.XXXXXX)
trap 'rm -rf "$work"' EXIT
bad=0

"${ML[@]}" >/dev/null 2>&1 # warm-up
for ((r = 1; r <= rounds; r++)); do
	for cfg in none one four; do
		case $cfg in
		none) "${ML[@]}" --output "$work/ml.json" ;;
		one) "$P" --sample-only 0xc0000100 -- "${ML[@]}" --output "$work/ml.json" >"$work/p.json" ;;
		four) "$P" --sample-only 0xc0000100,0xc0000101,0xc0000082,0xc0000102 -- \
			"${ML[@]}" --output "$work/ml.json" >"$work/p.json" ;;
		esac || { echo "kfunc_cost.sh: $cfg failed" >&2; bad=1; continue; }
		read -r secs exits <<<"$(jq -r '"\(.seconds) \(.per_vcpu[0].kvm_stats.exits)"' "$work/ml.json")"
		if [ $cfg != none ]; then
			got=$(jq '[.msrs[].samples] | unique | join(",")' "$work/p.json")
			[ "$got" = "\"$exits\"" ] ||
				{ echo "kfunc_cost.sh: $cfg: samples $got, KVM exits $exits" >&2; bad=1; }
		fi
		awk -v c=$cfg -v r=$r -v s="$secs" -v e="$exits" \
			'BEGIN { printf "%-4s round %d  exits %d  %.1f ns/exit\n", c, r, e, s * 1e9 / e }'
	done
done
exit $bad
