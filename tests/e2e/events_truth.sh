#!/usr/bin/env bash
# End-to-end: msrtop's KVM event kinds (port I/O, MMIO, hypercalls, CPUID,
# injected interrupts and exceptions) against msrload's ground truth.
#
# One msrload VM (2 vCPUs) runs a script that produces each kind: port I/O,
# MMIO reads and writes above guest memory, VMMCALL/VMCALL hypercalls (one
# number KVM knows, one it does not), CPUID leaves, interrupts msrload injects
# with KVM_INTERRUPT, and #GP that KVM injects (an MSR that does not exist, an
# MSR write msrload answers with #GP). One msrtop counts with --sources all,
# another with the default sources. After the VM ended and msrtop took one
# more snapshot, every row of the new kinds for that VM must equal, per vCPU
# and key, what msrload says it and its guest did, and no other row may exist.
# Prints TAP; needs root and /dev/kvm with SVM or VMX (runs inside the test
# VM, tests/vm/boot.sh, suite events; its checks on the host:
# tests/lib/phases.sh).
#
#   events_truth.sh [--collect DIR | --check DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"
. "$top/tests/lib/phases.sh"

ML=$top/build/msrload
MT=$top/build/msrtop
phase_init events-e2e "$@"

if phase_collects; then
	"$MT" --json --interval 0.5 --sources all >"$work/all.jsonl" 2>"$work/all.err" &
	phase_pids+=($!)
	mt_all=$!
	"$MT" --json --interval 0.5 >"$work/default.jsonl" 2>"$work/default.err" &
	phase_pids+=($!)
	mt_def=$!
	wait_lines "$work/all.jsonl" 1 30 || { tap_fail "msrtop --sources all started" "$(cat "$work/all.err")"; tap_done; }
	wait_lines "$work/default.jsonl" 1 30 || { tap_fail "msrtop started" "$(cat "$work/default.err")"; tap_done; }
	tap_ok "msrtop (--sources all, and the default sources) started and attached"

	"$ML" --name evm --vcpus 2 --reps 3 --rate 20 \
		--outb 0x80:5 --inb 0x71:3 --cpuid 0x80000001:4 --cpuid 0xd:2 \
		--hypercall 1:5 --hypercall 0x4d53:3 \
		--mmio-read 0x10000000:4 --mmio-write 0x10201000:6:0x1234 \
		--irq 0x40:7 --irq 0x41:2 \
		--wrmsr 0xdead:1:5 --deny 0x3a:w:gp --wrmsr 0x3a:1:3 \
		>"$work/truth.json" 2>"$work/ml.err"
	rc=$?
	tap_eq "msrload ran" 0 "$rc"
	[ $rc = 0 ] || { cat "$work/ml.err"; tap_done; }

	# One more snapshot after the VM ended, then stop msrtop (exit status 0).
	for f in all default; do
		n=$(wc -l <"$work/$f.jsonl")
		wait_lines "$work/$f.jsonl" $((n + 2)) 30
	done
	kill -INT $mt_all $mt_def
	wait $mt_all
	tap_eq "msrtop exits 0 on SIGINT" 0 $?
	wait $mt_def
	phase_pids=()
	for f in all default; do
		tail -n 1 "$work/$f.jsonl" >"$work/$f.json"
	done
fi

if phase_checks; then
	phase_load
	# check SNAPSHOT LABEL: every event row of msrload's VM against its truth.
	check() {
		local out
		out=$(python3 - "$1" "$work/truth.json" <<'PY'
import json, sys
snap, truth = (json.load(open(p)) for p in sys.argv[1:3])
pid = truth["pid"]
vcpu_of_tid = {v["tid"]: v["vcpu"] for v in truth["per_vcpu"]}
ops = truth["script"]["ops"]
srcs = {s["name"]: s["state"] for s in snap["sources"]}

def rows(table, key):
    got = {}
    for r in snap[table]:
        if r["pid"] != pid:
            continue
        v = vcpu_of_tid.get(r["vcpu"]) if r["vcpu_source"] == "tid" else r["vcpu"]
        k = (v,) + key(r)
        got[k] = got.get(k, 0) + r["count"]["total"]
    return got

def per_op(kind, key, n=lambda op: op["count"]):
    want = {}
    for v in truth["per_vcpu"]:
        for op in ops:
            if op["op"] == kind:
                k = (v["vcpu"],) + key(op)
                want[k] = want.get(k, 0) + n(op) * v["reps"]
    return want

results = []
def compare(name, got, want):
    ok = got == want
    show = lambda x: sorted(x.items()) if isinstance(x, dict) else sorted(x)
    results.append((ok, name, "" if ok else "msrtop %s, msrload %s" % (show(got), show(want))))

# Port I/O: the scripted ports, and msrload's own (one OUT 0xf1 per repetition, one OUT 0xf2).
want = per_op("outb", lambda op: (op["port"], "out", 1))
want.update(per_op("inb", lambda op: (op["port"], "in", 1)))
for v in truth["per_vcpu"]:
    want[(v["vcpu"], 0xf1, "out", 1)] = v["reps"]
    want[(v["vcpu"], 0xf2, "out", 1)] = 1
    assert v["exits"]["control_pio"] == v["reps"] + 1
compare("pios: per vCPU, port, direction and size", rows("pios", lambda r: (r["port"], r["direction"], r["size"])), want)
# The exits msrload saw agree with its script (the truth is consistent).
compare("msrload saw the scripted port I/O",
        {v["vcpu"]: (v["exits"]["pio_out"], v["exits"]["pio_in"]) for v in truth["per_vcpu"]},
        {v["vcpu"]: (5 * v["reps"], 3 * v["reps"]) for v in truth["per_vcpu"]})

# MMIO: a read is read_unsatisfied (to msrload) then read (completed); a write is one write.
want = {}
for v in truth["per_vcpu"]:
    for op in ops:
        if op["op"] == "mmio-read":
            for t in ("read_unsatisfied", "read"):
                k = (v["vcpu"], op["addr"] >> 12, t)
                want[k] = want.get(k, 0) + op["count"] * v["reps"]
        if op["op"] == "mmio-write":
            k = (v["vcpu"], op["addr"] >> 12, "write")
            want[k] = want.get(k, 0) + op["count"] * v["reps"]
compare("mmios: per vCPU, 4 KiB page and type", rows("mmios", lambda r: (r["gpa_page"], r["type_name"])), want)
compare("msrload saw every MMIO access",
        {v["vcpu"]: (v["exits"]["mmio_read"], v["exits"]["mmio_write"]) for v in truth["per_vcpu"]},
        {v["vcpu"]: (4 * v["reps"], 6 * v["reps"]) for v in truth["per_vcpu"]})

# Hypercalls: per number; 1 is named VAPIC_POLL_IRQ.
compare("hypercalls: per vCPU and number", rows("hypercalls", lambda r: (r["nr"],)), per_op("hypercall", lambda op: (op["nr"],)))
names = sorted({(r["nr"], r["nr_name"]) for r in snap["hypercalls"] if r["pid"] == pid})
results.append((names == [(1, "VAPIC_POLL_IRQ"), (0x4d53, None)], "hypercalls: KVM_HC_* names", str(names)))

# CPUID: per leaf and subleaf (msrload's guest sets ECX to 0).
compare("cpuids: per vCPU, leaf and subleaf", rows("cpuids", lambda r: (r["leaf"], r["subleaf"])), per_op("cpuid", lambda op: (op["leaf"], 0)))

# Injected interrupts: kvm_inj_virq fires at each injection KVM makes, as its own statistic
# irq_injections counts (the line after the event in svm_inject_irq/vmx_inject_irq): once
# per KVM_INTERRUPT, and again when KVM cancels an entry after it injected and injects the
# same interrupt once more (seen on 6.12). KVM delivers an interrupt the VMM queued (no
# in-kernel irqchip) as an already-injected one: the event says reinjected, every time.
if srcs["kvm_inj_virq"] == "attached":
    got = rows("injected_interrupts", lambda r: (r["vector"], r["reinjected"]))
    want = per_op("irq", lambda op: (op["vector"], True))
    compare("injected_interrupts: per vCPU, the injections KVM counted (irq_injections)",
            {v: sum(n for k, n in got.items() if k[0] == v) for v in vcpu_of_tid.values()},
            {v["vcpu"]: v["kvm_stats"]["irq_injections"] for v in truth["per_vcpu"]})
    compare("injected_interrupts: only the scripted vectors, reinjected, each at least as often as msrload injected it",
            {k: True for k in got}, {k: got.get(k, 0) >= n for k, n in want.items()})
    compare("msrload injected every interrupt, the guest took each",
            {v["vcpu"]: (v["exits"]["irq"], v["exits"]["irq_taken"]) for v in truth["per_vcpu"]},
            {v["vcpu"]: (9 * v["reps"], 9 * v["reps"]) for v in truth["per_vcpu"]})
else:
    results.append((srcs["kvm_inj_virq"] == "off" and not [r for r in snap["injected_interrupts"] if r["pid"] == pid],
                    "kvm_inj_virq is off by default, no rows", srcs["kvm_inj_virq"]))

# Injected exceptions: #GP on every write to MSR 0xdead (KVM: unknown MSR) and to 0x3a
# (msrload answers #GP); no other exception.
want = {}
for v in truth["per_vcpu"]:
    gp = sum(m["write_faults"] + m["read_faults"] for m in v["msrs"])
    assert gp == 8 * v["reps"], gp
    want[(v["vcpu"], 13, "#GP", False)] = gp
# A delivery KVM retries (it cancelled the entry after injecting: seen on 6.1) is one more
# event, with reinjected set; nothing counts those, so only first deliveries are exact.
got = rows("injected_exceptions", lambda r: (r["vector"], r["vector_name"], r["reinjected"]))
compare("injected_exceptions: per vCPU and vector, first deliveries",
        {k: n for k, n in got.items() if not k[3]}, want)
compare("injected_exceptions: retried deliveries (reinjected) only of those vectors",
        {k[:3] for k in got if k[3]} - {k[:3] for k in want}, set())

for ok, name, detail in results:
    print("%s\t%s\t%s" % ("ok" if ok else "not ok", name, detail))
PY
) || { tap_fail "$2: the check ran" "$out"; return; }
		local ok name detail
		while IFS=$'\t' read -r ok name detail; do
			if [ "$ok" = ok ]; then
				tap_ok "$2: $name"
			else
				tap_fail "$2: $name" "$detail"
			fi
		done <<<"$out"
	}
	check "$work/all.json" "--sources all"
	check "$work/default.json" "default sources"
	tap_eq "the VM is named evm" evm \
		"$(jq -r --slurpfile t "$work/truth.json" '.vms[] | select(.pid == $t[0].pid) | .name' "$work/all.json")"
fi
tap_done
