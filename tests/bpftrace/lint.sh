#!/usr/bin/env bash
# Suite: static checks of the bpftrace scripts and one-liners, and a compile
# of each with bpftrace -d (0.17 has no --dry-run; -d stops after code
# generation) on this kernel. Prints TAP.
#
#   - every bpftrace/*.bt starts with a header saying what it shows, which
#     kernels and probes it needs (the Probes: line must list exactly the
#     probes the program uses), how to run it, and an example of its output;
#   - the blocks that name MSRs, exit reasons and outcomes are the same in
#     every script, and agree with the project's name tables (userspace/*_table.c,
#     generated from the kernel headers) and with the kernel series' constants;
#   - every one-liner of docs/one-liners.md is followed by its output;
#   - every program compiles here (bpftrace needs the tracepoints' formats:
#     programs using a tracepoint this kernel lacks are left to
#     tests/bpftrace/run.sh, which checks they fail with bpftrace's message).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/tracefs.sh"
. "$top/tests/bpftrace/lib.sh"
cd "$top" || exit 1
DOC=docs/one-liners.md

# ---- headers ---------------------------------------------------------------
for f in bpftrace/*.bt; do
	b=$(basename "$f")
	head -n 1 "$f" | grep -qx '#!/usr/bin/env bpftrace' ||
		tap_fail "$b: starts with #!/usr/bin/env bpftrace"
	header=$(awk 'NR > 1 && /^\/\*/ { on = 1 } on { print } on && /\*\// { exit }' "$f")
	miss=
	for field in "Kernels:" "Probes:" "Usage: bpftrace bpftrace/$b" "Example"; do
		grep -qF "$field" <<<"$header" || miss+=" '$field'"
	done
	tap_eq "$b: header has what it shows, Kernels:, Probes:, Usage:, Example" "" "${miss# }"
	example=$(awk '/^ \* Example/ { on = 1; next } on && /^ \*\// { exit } on' <<<"$header" |
		grep -c '^ \*   .')
	if grep -q '(to be captured)' <<<"$header" || [ "$example" -lt 2 ]; then
		tap_fail "$b: header shows an example of its output"
	else
		tap_ok "$b: header shows an example of its output ($example lines)"
	fi
	# Probes: lines (may continue on the next comment line) against the program.
	listed=$(awk '/^ \* Probes:/ { on = 1; sub(/^ \* Probes:/, "") }
		on && !/^ \* Probes:/ && /^ \* [A-Z][a-z]+:/ { exit }
		on { sub(/^ \*/, ""); print } on && /^ \*$/ { exit }' <<<"$header" |
		tr ' ' '\n' | grep -E '^(tracepoint|kprobe|kretprobe):' | sort -u)
	used=$(bt_probes "$(bt_program_text "$b" script "$f")")
	tap_eq "$b: the Probes: line lists the probes the program uses" "$(echo $used)" "$(echo $listed)"
done

# ---- name blocks -------------------------------------------------------------
# block FILE TAG: the lines between "// TAG: begin" and "// TAG: end".
block() {
	awk -v b="// $2: begin" -v e="// $2: end" 'index($0, b) { on = 1 } on { print } index($0, e) { exit }' "$1"
}
for tag in "msr names" "exit reason names" "outcome names"; do
	ref= ref_file= n=0 differ=
	for f in bpftrace/*.bt; do
		blk=$(block "$f" "$tag")
		[ -n "$blk" ] || continue
		n=$((n + 1))
		if [ -z "$ref" ]; then
			ref=$blk ref_file=$f
		elif [ "$blk" != "$ref" ]; then
			differ+=" $(basename "$f")"
		fi
	done
	tap_eq "the '$tag' block is the same in all $n scripts using it (as in $(basename "$ref_file"))" "" "${differ# }"
	printf '%s\n' "$ref" >"/tmp/bt-lint-$$-${tag// /_}"
done
trap 'rm -f /tmp/bt-lint-$$-*' EXIT

# MSR names against userspace/msr_names_table.c.
table=userspace/msr_names_table.c
if [ -f "$table" ]; then
	bad= n=0
	while read -r idx name; do
		n=$((n + 1))
		grep -qF "{ $(printf '0x%08x' "$idx"), \"$name\" }" "$table" || bad+=" $idx=$name"
	done < <(sed -n 's/^\t@msr_name\[\(0x[0-9a-f]*\)\] = "\([^"]*\)";$/\1 \2/p' "/tmp/bt-lint-$$-msr_names")
	[ $n -gt 0 ] || bad="no name found in the block"
	tap_eq "MSR names in the scripts ($n) are the names of $table" "" "${bad# }"
else
	tap_skip "MSR names in the scripts match the project's table" "$table is not in this tree"
fi

# Exit reason names: VMX as in vmx_exit_reason_table, SVM as svm_exit_reason_table in lower case.
table=userspace/exit_reasons_table.c
if [ -f "$table" ]; then
	vmx_t=$(awk '/vmx_exit_reason_table\[\] = \{/ { on = 1; next } on && /^\};/ { exit } on' "$table")
	svm_t=$(awk '/svm_exit_reason_table\[\] = \{/ { on = 1; next } on && /^\};/ { exit } on' "$table")
	bad= n=0
	blk=/tmp/bt-lint-$$-exit_reason_names
	while read -r code name; do
		n=$((n + 1))
		grep -qF "{ $code, \"$name\" }" <<<"$vmx_t" || bad+=" vmx:$code=$name"
	done < <(sed -n 's/^\t@vmx_exit\[\([0-9]*\)\] = "\([^"]*\)";$/\1 \2/p' "$blk")
	while read -r code name; do
		n=$((n + 1))
		grep -qF "{ $code, \"${name^^}\" }" <<<"$svm_t" || bad+=" svm:$code=$name"
	done < <(sed -n 's/^\t@svm_exit\[\(0x[0-9a-f]*\)\] = "\([^"]*\)";$/\1 \2/p' "$blk")
	[ $n -gt 0 ] || bad="no name found in the block"
	tap_eq "exit reason names in the scripts ($n) are those of $table (SVM in lower case)" "" "${bad# }"
else
	tap_skip "exit reason names in the scripts match the project's table" "$table is not in this tree"
fi

# Outcome and reason numbers against the series' #defines, once there is one.
series=$(ls kernel-patches/v*/0*.patch 2>/dev/null | grep -v cover-letter)
if [ -n "$series" ]; then
	bad=
	check_define() { # NAME VALUE
		grep -hqE "^\+#define $1[[:space:]]+$2([[:space:]]|\$)" $series || bad+=" $1=$2"
	}
	check_define KVM_MSR_OUTCOME_HANDLED 0
	check_define KVM_MSR_OUTCOME_GP 1
	check_define KVM_MSR_OUTCOME_USERSPACE 2
	check_define KVM_MSR_OUTCOME_USERSPACE_DONE 3
	check_define KVM_MSR_OUTCOME_ERROR 4
	check_define KVM_MSR_OUTCOME_FASTPATH 5
	check_define KVM_MSR_GP_UNKNOWN_MSR 1
	check_define KVM_MSR_GP_INVALID_VALUE 2
	check_define KVM_MSR_GP_NON_CANONICAL 3
	check_define KVM_MSR_GP_FILTERED 4
	check_define KVM_MSR_USERSPACE_OK 0
	check_define KVM_MSR_USERSPACE_ERROR 1
	# The names: as the tracepoint's own TP_printk prints them.
	while read -r name; do
		grep -hqF "\"$name\" }" $series || bad+=" name:$name"
	done < <(sed -n 's/^\t@\(outcome\|reason\)_name\[[0-9, ]*\] = "\([^"]*\)";$/\2/p' \
		"/tmp/bt-lint-$$-outcome_names")
	tap_eq "outcome and reason numbers and names of the scripts are those of the kernel series" "" "${bad# }"
else
	tap_skip "outcome and reason numbers match the kernel series" "kernel-patches/ has no series yet"
fi

# ---- the doc -------------------------------------------------------------------
n=$(bt_oneliners "$DOC" | wc -l)
with_output=$(awk '
	/^<!-- one-liner: / { id = $3; state = 1; next }
	state == 1 && /^```/ { state = 2; next }
	state == 2 && /^```/ { state = 3; next }
	state == 3 && /^```/ { state = 4; next }
	state == 4 && /^```/ { if (lines) print id; state = 0; lines = 0; next }
	state == 4 && $0 != "(to be captured)" { lines++ }
	state == 3 && /^(<!--|#)/ { state = 0 }' "$DOC" | wc -l)
tap_eq "$DOC: every one-liner ($n) is followed by its output" "$n" "$with_output"

# ---- compile with -d -------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	tap_skip "bpftrace -d of every program" "needs root"
	tap_done
fi
tracefs_mount || { tap_fail "tracefs is mounted"; tap_done; }
compile() { # NAME KIND SOURCE COMMAND
	local probes missing
	probes=$(bt_probes "$(bt_program_text "$1" "$2" "$3")")
	missing=$(for p in $probes; do case "$p" in tracepoint:*) bt_probe_missing "$p" ;; esac; done)
	if [ -n "$missing" ]; then
		tap_skip "$1: compiles with bpftrace -d on Linux $(uname -r)" \
			"$(echo "$missing" | paste -sd ';' -) (run.sh checks the error)"
		return
	fi
	local err
	if err=$(eval "${4/#bpftrace /\"\$BPFTRACE\" -d }" 2>&1 >/dev/null); then
		tap_ok "$1: compiles with bpftrace -d on Linux $(uname -r)"
	else
		tap_fail "$1: compiles with bpftrace -d on Linux $(uname -r)" \
			"$(grep -v RLIMIT_MEMLOCK <<<"$err" | head -n 5 | tr '\n' ' ')"
	fi
}
for f in bpftrace/*.bt; do
	compile "$(basename "$f")" script "$f" "bpftrace $f"
done
while IFS=$'\t' read -r id cmd; do
	compile "one-liner $id" oneliner "$cmd" "$cmd"
done < <(bt_oneliners "$DOC")
tap_done
