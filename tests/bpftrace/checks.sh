# Sourced by tests/bpftrace/run.sh: the workload every bpftrace program is
# run against, and one check per program comparing what it printed with
# msrload's ground truth.
#
# Every script bpftrace/NAME.bt has a function check_NAME, every one-liner
# ID of docs/one-liners.md a function check_ol_ID (dashes as underscores);
# run.sh fails a program without a check and a check without a program.
#
# A check is called as check_X OUT after the program ran while msrload ran the
# workload; OUT is bpftrace's output (-f json). Set by run.sh: $truth
# (msrload's JSON), $label (where it ran), $vendor (svm, vmx or pvm), $kver
# (the running kernel's X.Y), $fep (1 if the workload used KVM's forced
# emulation prefix), $ml_pid, $vcpus, $reps, $work (a scratch directory). Checks print TAP through tap_* and
# bt_tap_table.

# The workload: always-intercepted MSRs (docs/msrload.md) with valid values
# (IA32_CR_PAT written with two values in turn, so its value changes twice per
# repetition), #GP for a reserved value and an unknown MSR, three MSRs denied
# by a filter (user-space exits answered ok, #GP and a read value), MTRRdefType
# writes (on Linux 6.1 they call kvm_arch_has_noncoherent_dma out of line, see
# kvm_wbinvd.bt), CPUID, WBINVD (which KVM skips: no non-coherent DMA), port
# I/O and HLT.
WORKLOAD=(--vcpus 2 --reps 3
	--wrmsr 0x277:0x0007040600070406:20 --wrmsr 0x277:0x0007040600070407:4
	--rdmsr 0x1b:20 --rdmsr 0x277:4
	--wrmsr 0x277:0x0202020202020202:3 --wrmsr 0xdead:1:3
	--deny 0x3b:w:ok --wrmsr 0x3b:0:4
	--deny 0x3a:w:gp --wrmsr 0x3a:1:2
	--deny 0x10:r:ok:0x1234 --rdmsr 0x10:2
	--wrmsr 0x2ff:0x6:2
	--cpuid 0:5 --wbinvd 2 --outb 0x80:4 --inb 0x80:2 --hlt 3)
# With kvm.force_emulation_prefix=1, KVM's emulator also runs: non-canonical
# LSTAR and FS_BASE writes (#GP), a canonical LSTAR write, and SYSENTER_EIP
# writes that KVM makes canonical.
WORKLOAD_FEP=(--wrmsr 0xc0000082:0x8000000000000000:2:fep
	--wrmsr 0xc0000100:0x0100000000000000:2:fep
	--wrmsr 0xc0000082:0xffffffff81000000:1:fep
	--wrmsr 0x176:0x0100000000001000:2:fep)

# Names the scripts must print for the workload's MSRs ("-": none).
declare -A WORKLOAD_MSR_NAME=([0x10]=IA32_TSC [0x1b]=IA32_APICBASE [0x3a]=IA32_FEAT_CTL
	[0x3b]=IA32_TSC_ADJUST [0x176]=IA32_SYSENTER_EIP [0x277]=IA32_CR_PAT [0x2ff]=MTRRdefType [0xdead]=-
	[0xc0000082]=LSTAR [0xc0000100]=FS_BASE)

# ---- helpers ---------------------------------------------------------------

# bt_tap_table NAME EXPECTED ACTUAL: one TAP result comparing two tables (one
# row a line; compared sorted); on a difference the rows that differ are shown.
bt_tap_table() {
	local e a
	e=$(printf '%s\n' "$2" | sed '/^$/d' | sort)
	a=$(printf '%s\n' "$3" | sed '/^$/d' | sort)
	if [ "$e" = "$a" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected (<) and printed (>) differ:"
		diff <(printf '%s\n' "$e") <(printf '%s\n' "$a") | grep '^[<>]' | sed 's/^/#     /' | head -n 30
	fi
}

# truth_dirs: per MSR and direction the guest used, from msrload's JSON:
# "DIR HEX ACCESSES FAULTS USERSPACE USERSPACE_GP FEP" (DIR write or read).
truth_dirs() {
	jq -r '.total.msrs[] |
		"write \(.msr_hex) \(.writes) \(.write_faults) \(.write_userspace) \(.write_userspace_gp) \(.write_fep)",
		"read \(.msr_hex) \(.reads) \(.read_faults) \(.read_userspace) \(.read_userspace_gp) \(.read_fep)"' \
		"$truth" | awk '$3 > 0'
}

# expect_kvm_msr: "DIR HEX ok|#GP COUNT": the kvm:kvm_msr events KVM fires for
# the workload (completed by KVM, or #GP injected by KVM; accesses sent to
# msrload fire none). Every access, forced-emulation or not, fires one.
expect_kvm_msr() {
	truth_dirs | awk '{
		ok = $3 - $5 - ($4 - $6); gp = $4 - $6
		if (ok) print $1, $2, "ok", ok
		if (gp) print $1, $2, "#GP", gp
	}'
}

# Hardware exits of the workload, "NAME COUNT" with the vendor's names: MSR
# exits (forced-emulation accesses exit as #UD instead), CPUID, HLT, port I/O
# (scripted and msrload's control writes).
expect_exits() {
	local msr_w msr_r ud cpuid hlt io wbinvd
	read -r msr_w msr_r ud < <(jq -r '[.total.msrs[] | .writes - .write_fep] as $w |
		[.total.msrs[] | .reads - .read_fep] as $r | [.total.msrs[] | .write_fep + .read_fep] as $u |
		"\($w | add // 0) \($r | add // 0) \($u | add // 0)"' "$truth")
	cpuid=$(jq .total.exits.cpuid "$truth")
	hlt=$(jq .total.exits.hlt "$truth")
	wbinvd=$(jq .total.exits.wbinvd "$truth")
	io=$(jq '.total.exits | .pio_out + .pio_in + .control_pio' "$truth")
	case "$vendor" in
	svm)
		echo "msr $((msr_w + msr_r))"
		echo "cpuid $cpuid"
		echo "hlt $hlt"
		echo "ioio $io"
		echo "wbinvd $wbinvd"
		[ "$ud" = 0 ] || echo "excp_ud $ud"
		;;
	vmx)
		[ "$msr_w" = 0 ] || echo "MSR_WRITE $msr_w"
		[ "$msr_r" = 0 ] || echo "MSR_READ $msr_r"
		echo "CPUID $cpuid"
		echo "HLT $hlt"
		echo "IO_INSTRUCTION $io"
		echo "WBINVD $wbinvd"
		;;
	esac
}

# The exit reason numbers of expect_exits' names (for the one-liners, which
# print numbers): "NUMBER NAME".
exit_numbers() {
	case "$vendor" in
	svm) printf '%s\n' "124 msr" "114 cpuid" "120 hlt" "123 ioio" "137 wbinvd" "70 excp_ud" ;;
	vmx) printf '%s\n' "32 MSR_WRITE" "31 MSR_READ" "10 CPUID" "12 HLT" "30 IO_INSTRUCTION" "54 WBINVD" ;;
	esac
}

# Every exit of a vCPU is followed by an entry, except its last (msrload's
# final port write): exit-to-entry samples per reason.
expect_exit_latency_samples() {
	expect_exits | awk -v v="$vcpus" '$1 == "ioio" || $1 == "IO_INSTRUCTION" { $2 -= v } { print }'
}

# filter_names TABLE: keep the rows whose first field is a reason expect_exits lists.
only_expected_reasons() {
	awk 'NR == FNR { want[$1] = 1; next } ($1 in want)' <(expect_exits) -
}

hex() { printf '0x%x' "$1"; }

# msr_name HEX: the name the scripts print for one of the workload's MSRs.
msr_name() { echo "${WORKLOAD_MSR_NAME[$1]:-?}"; }

# Rows "DIR HEX NAME RESULT COUNT" of expect_kvm_msr, with names.
expect_kvm_msr_named() {
	local dir hex res n
	expect_kvm_msr | while read -r dir hex res n; do
		echo "$dir $hex $(msr_name "$hex") $res $n"
	done
}

# Expected outcome events of the patched kvm_msr_outcome tracepoint, as
# "DIR HEX OUTCOME REASON COUNT". Outcomes are reported for MSR exits and for
# accesses that KVM's emulator runs (forced emulation) alike; an MSR the
# workload accesses both ways is still flagged (the workload never does that).
# #GP reasons: 0xdead is unknown to KVM; a write of FS/GS/KERNEL_GS_BASE,
# LSTAR or CSTAR is refused as non-canonical (only forced emulation reaches
# them on SVM); every other #GP of the workload is a refused value.
expect_outcomes() {
	truth_dirs | awk '{
		dir = $1; hex = $2; acc = $3; flt = $4; usr = $5; ugp = $6
		if ($7 != 0 && $7 != $3) { print "workload mixes forced-emulation and plain accesses of", $2; next }
		ok = acc - usr - (flt - ugp); gp = flt - ugp
		why = "invalid_value"
		if (hex == "0xdead") why = "unknown_msr"
		if (dir == "write" && hex ~ /^0xc000010[0-2]$|^0xc000008[23]$/) why = "non_canonical"
		if (ok) print dir, hex, "handled", "-", ok
		if (gp) print dir, hex, "gp", why, gp
		if (usr) print dir, hex, "userspace", "filter", usr
		if (usr - ugp) print dir, hex, "userspace_done", "ok", usr - ugp
		if (ugp) print dir, hex, "userspace_done", "error", ugp
	}'
}

# Per VM pid: keep the rows of "PID,REST<TAB>COUNT" for msrload's pid, as "REST COUNT".
for_ml_pid() {
	awk -F'\t' -v p="$ml_pid" '{ split($1, k, ","); if (k[1] != p) next
		sub(/^[^,]*,/, "", $1); gsub(",", " ", $1); print $1, $2 }'
}

# Keys "A,B<TAB>N" as "A B N".
rows() { awk -F'\t' '{ gsub(",", " ", $1); print $1, $2 }'; }

dir_name() { [ "$1" = 1 ] && echo write || echo read; }

# ---- scripts ---------------------------------------------------------------

check_kvm_exits() {
	local all
	all=$(bt_map "$1" exits | for_ml_pid)
	# isa reason_number name count
	bt_tap_table "kvm_exits.bt: exits by reason of msrload's VM ($label)" "$(expect_exits)" \
		"$(printf '%s\n' "$all" | awk -v v="$vendor" '$1 == v { print $3, $4 }' | only_expected_reasons)"
	bt_tap_table "kvm_exits.bt: every exit of msrload's VM has a name ($label)" "" \
		"$(printf '%s\n' "$all" | awk '$3 == "other"')"
}

check_kvm_exit_latency() {
	bt_tap_table "kvm_exit_latency.bt: exit-to-entry samples per reason ($label)" \
		"$(expect_exit_latency_samples)" \
		"$(bt_map "$1" ns | rows | awk -v v="$vendor" '$1 == v { print $2, $3 }' | only_expected_reasons)"
}

check_kvm_msr() {
	bt_tap_table "kvm_msr.bt: accesses per MSR, direction and result for msrload's VM ($label)" \
		"$(expect_kvm_msr_named)" "$(bt_map "$1" msr | for_ml_pid |
			awk '{ printf "%s 0x%x %s %s %s\n", $1, $2, $3, $4, $5 }')"
}

# IA32_CR_PAT: per vCPU and repetition 20 writes of one value, then 4 of
# another; the first write of each vCPU is not a change: 2 * reps - 1 per vCPU.
# pat_values: how many values IA32_CR_PAT takes in turn in one repetition of
# the workload: 2, as the reserved value takes #GP; 3 where KVM accepts it
# (its PVM backend), as msrload's ground truth tells (no PAT write faulted).
pat_values() {
	if [ "$(jq '[.total.msrs[] | select(.msr_hex == "0x277") | .write_faults] | add // 0' "$truth")" = 0 ]; then
		echo 3
	else
		echo 2
	fi
}

check_kvm_msr_changes() {
	bt_tap_table "kvm_msr_changes.bt: value changes per MSR ($label)" \
		"0x277 IA32_CR_PAT $((vcpus * ($(pat_values) * reps - 1)))" \
		"$(bt_map "$1" changes | rows | awk '{ printf "0x%x %s %s\n", $1, $2, $3 }')"
	bt_tap_table "kvm_msr_changes.bt: completed writes per MSR ($label)" \
		"$(expect_kvm_msr_named | awk '$1 == "write" && $4 == "ok" { print $2, $3, $5 }')" \
		"$(bt_map "$1" writes | rows | awk '{ printf "0x%x %s %s\n", $1, $2, $3 }')"
}

check_kvm_msr_gp() {
	local expected
	expected=$(expect_kvm_msr_named | awk '$1 == "write" && $4 == "#GP" { print $2, $3, $5 }')
	bt_tap_table "kvm_msr_gp.bt: WRMSR #GP per MSR for msrload's VM ($label)" "$expected" \
		"$(bt_map "$1" gp | for_ml_pid | awk '{ printf "0x%x %s %s\n", $1, $2, $3 }')"
	# One line per #GP: TIME PID TID MSR NAME VALUE, after the header.
	bt_tap_table "kvm_msr_gp.bt: one line per WRMSR #GP ($label)" "$expected" \
		"$(bt_printf "$1" | awk -v p="$ml_pid" '$2 == p { n[$4 " " $5]++ } END { for (k in n) print k, n[k] }')"
}

check_kvm_halt() {
	local hlt
	hlt=$(jq .total.exits.hlt "$truth")
	bt_tap_table "kvm_halt.bt: calls per function for msrload's VM ($label)" \
		"kvm_emulate_halt $hlt" "$(bt_map "$1" calls | for_ml_pid)"
	# Stacks: "function,\n    frame\n    frame...\n" keys; the first frame is the function.
	bt_tap_table "kvm_halt.bt: kernel stacks add up per function, which is the topmost frame ($label)" \
		"kvm_emulate_halt kvm_emulate_halt $hlt" \
		"$(jq -r 'select(.type == "map") | .data["@stacks"] // empty | to_entries[] |
			"\(.key | split(",")[0]) \(.key | split("\n")[1] | gsub("^ +|\\+[0-9]+$"; "")) \(.value)"' "$1" |
			awk '{ n[$1 " " $2] += $3 } END { for (k in n) print k, n[k] }')"
}

# kvm_arch_has_noncoherent_dma as the kretprobe sees it: msrload assigns no
# device, so always false; the number of calls depends on which callers the
# compiler did not inline: on 6.1 update_mtrr (mtrr.c) calls it for every
# MTRRdefType write KVM completed (SVM: the TDP fault path does not, VMX-only
# code is not reached); on 6.12 nothing calls it out of line. On VMX, EPT
# faults call it too (vmx_get_mt_mask): no exact count there.
expect_noncoherent_calls() {
	[ "$vendor" = svm ] || { echo unknown; return; }
	case "$kver" in
	6.1) expect_kvm_msr | awk '$1 == "write" && $2 == "0x2ff" && $3 == "ok" { print $4 }' ;;
	6.12) echo 0 ;;
	*) echo unknown ;;
	esac
}

noncoherent_returns_tap() { # NAME OUT MAP
	local rows n
	rows=$(bt_map "$2" "$3" | rows)
	tap_eq "$1: kvm_arch_has_noncoherent_dma returned only false ($label)" "" \
		"$(printf '%s\n' "$rows" | awk 'NF && $1 != 0')"
	n=$(expect_noncoherent_calls)
	if [ "$n" = unknown ]; then
		tap_skip "$1: calls of kvm_arch_has_noncoherent_dma ($label)" \
			"which callers are inlined is only known for the 6.1 and 6.12 test kernels on SVM"
	else
		tap_eq "$1: calls of kvm_arch_has_noncoherent_dma not inlined ($label)" "$n" \
			"$(printf '%s\n' "$rows" | awk '{ n += $2 } END { print n + 0 }')"
	fi
}

check_kvm_wbinvd() {
	# Each WBINVD the guest executed exits and is emulated; msrload's VM has no
	# device, so KVM skips every one and the host never flushes its caches.
	local w
	w=$(jq .total.exits.wbinvd "$truth")
	bt_tap_table "kvm_wbinvd.bt: WBINVD exits of msrload's VM = WBINVDs executed ($label)" \
		"$ml_pid $w" "$(bt_map "$1" wbinvd_exits | for_ml_pid)"
	bt_tap_table "kvm_wbinvd.bt: every WBINVD emulated, and skipped ($label)" \
		"skip $w" "$(bt_map "$1" emulate_wbinvd | for_ml_pid)"
	bt_tap_table "kvm_wbinvd.bt: no host cache flush ($label)" "" "$(bt_map "$1" host_wbinvd)"
	noncoherent_returns_tap kvm_wbinvd.bt "$1" noncoherent_dma_returned
}

check_kvm_msr_outcome() {
	bt_tap_table "kvm_msr_outcome.bt: outcomes per MSR for msrload's VM ($label)" \
		"$(expect_outcomes | while read -r d h o r n; do echo "$d $h $(msr_name "$h") $o $r $n"; done)" \
		"$(bt_map "$1" outcome | for_ml_pid | awk '{ printf "%s 0x%x %s %s %s %s\n", $1, $2, $3, $4, $5, $6 }')"
}

check_kvm_msr_latency() {
	# One sample per access: "userspace" (half-way) events are left out.
	bt_tap_table "kvm_msr_latency.bt: timed accesses per MSR and outcome ($label)" \
		"$(expect_outcomes | awk '$3 != "userspace" { n[$1 " " $2 " " $3] += $5 }
			END { for (k in n) print k, n[k] }' |
			while read -r d h o n; do echo "$d $h $(msr_name "$h") $o $n"; done)" \
		"$(bt_map "$1" ns | rows | awk '{ printf "%s 0x%x %s %s %s\n", $1, $2, $3, $4, $5 }')"
	bt_tap_table "kvm_msr_latency.bt: no access without a duration ($label)" "" \
		"$(bt_map "$1" unmeasured)"
}

# Non-canonical values written to FS_BASE/LSTAR-class MSRs are refused (each a
# #GP msrload counted); SYSENTER_EIP/ESP values are canonicalised: the
# workload's are all non-canonical.
expect_canonical() {
	jq -r --arg v "$vcpus" --argjson r "$reps" '
		.total.msrs[] | select(.msr_hex == "0xc0000100" or .msr_hex == "0xc0000101" or
			.msr_hex == "0xc0000102" or .msr_hex == "0xc0000082" or .msr_hex == "0xc0000083") |
		select(.write_faults > 0) | "rejected \(.msr_hex) \(.write_faults)"' "$truth"
	jq -r --argjson v "$vcpus" --argjson r "$reps" '
		[.script.ops[] | select(.op == "wrmsr" and (.msr_hex == "0x176" or .msr_hex == "0x175"))] |
		group_by(.msr_hex)[] | "canonicalised \(.[0].msr_hex) \(map(.count) | add * $v * $r)"' "$truth"
}

check_kvm_msr_canonical() {
	if [ "$fep" != 1 ]; then
		tap_skip "kvm_msr_canonical.bt: canonical-address events ($label)" \
			"needs kvm.force_emulation_prefix=1 (the VM suite sets it) for non-canonical writes on SVM"
		return
	fi
	bt_tap_table "kvm_msr_canonical.bt: rejections and canonicalisations per MSR ($label)" \
		"$(expect_canonical | while read -r a h n; do echo "$a $h $(msr_name "$h") $n"; done)" \
		"$( (bt_map "$1" rejected | for_ml_pid | sed 's/^/rejected /'
			bt_map "$1" canonicalised | for_ml_pid | sed 's/^/canonicalised /') |
			awk '{ printf "%s 0x%x %s %s\n", $1, $2, $3, $4 }')"
	bt_tap_table "kvm_msr_canonical.bt: one line per event ($label)" \
		"$(expect_canonical | while read -r a h n; do echo "$a $h $n"; done)" \
		"$(bt_printf "$1" | awk -v p="$ml_pid" '$2 == p { n[$NF " " $4]++ } END { for (k in n) print k, n[k] }')"
}

check_kvm_msr_userspace() {
	local e
	e=$(expect_outcomes | awk '$3 == "userspace" || $3 == "userspace_done"')
	bt_tap_table "kvm_msr_userspace.bt: user-space MSR exits by filter reason ($label)" \
		"$(printf '%s\n' "$e" | awk '$3 == "userspace" { print $1, $2, $4, $5 }')" \
		"$(bt_map "$1" exits | for_ml_pid | awk '{ printf "%s 0x%x %s %s\n", $1, $2, $4, $5 }')"
	bt_tap_table "kvm_msr_userspace.bt: msrload's answers ($label)" \
		"$(printf '%s\n' "$e" | awk '$3 == "userspace_done" { print $1, $2, $4, $5 }')" \
		"$(bt_map "$1" answers | for_ml_pid | awk '{ printf "%s 0x%x %s %s\n", $1, $2, $4, $5 }')"
	bt_tap_table "kvm_msr_userspace.bt: round trips timed ($label)" \
		"$(printf '%s\n' "$e" | awk '$3 == "userspace_done" { print $1, $2, $4, $5 }')" \
		"$(bt_map "$1" roundtrip_ns | rows | awk '{ printf "%s 0x%x %s %s\n", $1, $2, $4, $5 }')"
}

# ---- one-liners (docs/one-liners.md) ---------------------------------------

check_ol_exits_by_reason() {
	bt_tap_table "one-liner exits-by-reason: exits per reason number ($label)" "$(expect_exits)" \
		"$(bt_map "$1" "" | for_ml_pid | awk -v isa="$([ "$vendor" = vmx ] && echo 1 || echo 2)" \
			'NR == FNR { n[$1] = $2; next } $1 == isa && ($2 in n) { print n[$2], $3 }' \
			<(exit_numbers) -)"
}

check_ol_exit_latency() {
	bt_tap_table "one-liner exit-latency: samples per reason number ($label)" \
		"$(expect_exit_latency_samples)" \
		"$(bt_map "$1" ns | rows | awk 'NR == FNR { n[$1] = $2; next } ($1 in n) { print n[$1], $2 }' \
			<(exit_numbers) -)"
}

check_ol_msr_by_index() {
	bt_tap_table "one-liner msr-by-index: accesses per MSR for msrload's VM ($label)" \
		"$(expect_kvm_msr)" "$(bt_map "$1" "" | for_ml_pid |
			awk '{ printf "%s 0x%x %s %s\n", ($1 ? "write" : "read"), $2, ($3 ? "#GP" : "ok"), $4 }')"
}

# Every WRMSR KVM handled (completed or #GP) with its value; writes sent to
# msrload (denied MSRs) fire no kvm_msr.
check_ol_msr_write_values() {
	local expected
	expected=$(jq -r --argjson v "$vcpus" --argjson r "$reps" '
		[.script.deny[] | select(.writes) | .msr_hex] as $denied |
		[.script.ops[] | select(.op == "wrmsr" and ((.msr_hex | IN($denied[])) | not))] |
		group_by([.msr_hex, .value_hex])[] |
		"\(.[0].msr_hex) \(.[0].value_hex) \(map(.count) | add * $v * $r)"' "$truth" |
		while read -r m v n; do echo "$m $(printf '%u' "$v") $n"; done)
	bt_tap_table "one-liner msr-write-values: writes per MSR and value ($label)" "$expected" \
		"$(bt_map "$1" "" | rows | while read -r m v n; do
			printf '0x%x %u %s\n' "$m" "$v" "$n"; done)"
}

# As kvm_msr_changes.bt, but a vCPU's first write counts when its value is not
# 0 (the map's default): IA32_CR_PAT 2 per repetition and vCPU (pat_values);
# MTRRdefType, LSTAR and SYSENTER_EIP (forced emulation) are written with one
# value: 1 per vCPU.
check_ol_msr_changes() {
	local expected="0x277 $((vcpus * $(pat_values) * reps))"$'\n'"0x2ff $vcpus"
	[ "$fep" != 1 ] || expected+=$'\n'"0xc0000082 $vcpus"$'\n'"0x176 $vcpus"
	bt_tap_table "one-liner msr-changes: value changes per MSR ($label)" "$expected" \
		"$(bt_map "$1" changes | rows | awk '{ printf "0x%x %s\n", $1, $2 }')"
}

check_ol_userspace_msr_exits() {
	bt_tap_table "one-liner userspace-msr-exits: KVM_EXIT_X86_RDMSR (29) / _WRMSR (30) for msrload's VM ($label)" \
		"$(jq -r '"29 \([.total.msrs[].read_userspace] | add // 0)", "30 \([.total.msrs[].write_userspace] | add // 0)"' \
			"$truth" | awk '$2 > 0')" \
		"$(bt_map "$1" "" | for_ml_pid)"
}

check_ol_wrmsr_gp() {
	bt_tap_table "one-liner wrmsr-gp: WRMSR #GP per MSR for msrload's VM ($label)" \
		"$(expect_kvm_msr | awk '$1 == "write" && $3 == "#GP" { print $2, $4 }')" \
		"$(bt_map "$1" "" | for_ml_pid | awk '{ printf "0x%x %s\n", $1, $2 }')"
}

check_ol_wrmsr_gp_lines() {
	bt_tap_table "one-liner wrmsr-gp-lines: one line per WRMSR #GP ($label)" \
		"$(expect_kvm_msr | awk '$1 == "write" && $3 == "#GP" { print $2, $4 }')" \
		"$(bt_printf "$1" | awk -v p="$ml_pid" '$2 == p { n[$4]++ } END { for (k in n) print k, n[k] }')"
}

# Maps without keys are printed even when nothing counted in them: @mwait: 0.
check_ol_halt_vs_mwait() {
	bt_tap_table "one-liner halt-vs-mwait: calls per function ($label)" \
		"halt $(jq .total.exits.hlt "$truth")"$'\n'"mwait 0" \
		"$(for m in halt mwait; do bt_map "$1" "$m" | sed "s/^/$m/"; done | tr '\t' ' ')"
}

check_ol_halt_stacks() {
	tap_eq "one-liner halt-stacks: kvm_emulate_halt stacks add up to the HLT exits ($label)" \
		"$(jq .total.exits.hlt "$truth")" \
		"$(jq -r 'select(.type == "map") | .data["@"] // empty | to_entries[] |
			select(.key | split("\n")[1] | test("^ *kvm_emulate_halt\\+")) | .value' "$1" |
			awk '{ n += $1 } END { print n + 0 }')"
}

check_ol_wbinvd_exits() {
	bt_tap_table "one-liner wbinvd-exits: WBINVD exits of msrload's VM = WBINVDs executed ($label)" \
		"$ml_pid $(jq .total.exits.wbinvd "$truth")" "$(bt_map "$1" "" | for_ml_pid)"
}

check_ol_noncoherent_dma() {
	noncoherent_returns_tap "one-liner noncoherent-dma" "$1" ""
}

check_ol_msr_intercepts() {
	# Every access that is not forced emulation exits as an MSR intercept.
	bt_tap_table "one-liner msr-intercepts: MSR exits per MSR for msrload's VM ($label)" \
		"$(truth_dirs | awk '$3 - $7 > 0 { print $1, $2, $3 - $7 }')" \
		"$(bt_map "$1" "" | for_ml_pid | awk '{ printf "%s 0x%x %s\n", ($1 ? "write" : "read"), $2, $3 }')"
}

outcome_number() {
	case "$1" in
	handled) echo 0 ;; gp) echo 1 ;; userspace) echo 2 ;; userspace_done) echo 3 ;;
	fastpath) echo 4 ;; error) echo 5 ;;
	esac
}
reason_number() {
	case "$1/$2" in
	gp/unknown_msr) echo 1 ;; gp/invalid_value) echo 2 ;; gp/non_canonical) echo 3 ;;
	gp/filtered) echo 4 ;; userspace/inval) echo 1 ;; userspace/unknown) echo 2 ;;
	userspace/filter) echo 4 ;; userspace_done/ok) echo 0 ;; userspace_done/error) echo 1 ;;
	*) echo 0 ;;
	esac
}

check_ol_msr_outcomes() {
	bt_tap_table "one-liner msr-outcomes: outcome and reason numbers per MSR ($label)" \
		"$(expect_outcomes | while read -r d h o r n; do
			echo "$h $([ "$d" = write ] && echo 1 || echo 0) $(outcome_number "$o") $(reason_number "$o" "$r") $n"
		done)" \
		"$(bt_map "$1" "" | rows | awk '{ printf "0x%x %s %s %s %s\n", $1, $2, $3, $4, $5 }')"
}

check_ol_msr_latency() {
	bt_tap_table "one-liner msr-latency: timed accesses per MSR ($label)" \
		"$(expect_outcomes | awk '$3 != "userspace" { n[$2] += $5 } END { for (k in n) print k, n[k] }')" \
		"$(bt_map "$1" ns | rows | awk '{ printf "0x%x %s\n", $1, $2 }')"
}

check_ol_msr_canonical() {
	if [ "$fep" != 1 ]; then
		tap_skip "one-liner msr-canonical ($label)" "needs kvm.force_emulation_prefix=1 (the VM suite sets it)"
		return
	fi
	bt_tap_table "one-liner msr-canonical: events per MSR and kind ($label)" \
		"$(expect_canonical | awk '{ print $2, ($1 == "rejected" ? 1 : 0), $3 }')" \
		"$(bt_map "$1" "" | rows | awk '{ printf "0x%x %s %s\n", $1, $2, $3 }')"
}

check_ol_msr_userspace_reasons() {
	bt_tap_table "one-liner msr-userspace-reasons: user-space exits per MSR and reason ($label)" \
		"$(expect_outcomes | awk '$3 == "userspace" { print $2, ($1 == "write" ? 1 : 0), 4, $5 }')" \
		"$(bt_map "$1" "" | rows | awk '{ printf "0x%x %s %s %s\n", $1, $2, $3, $4 }')"
}
