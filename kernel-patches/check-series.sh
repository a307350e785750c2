#!/usr/bin/env bash
# Check the tracepoint series of one kernel the way a maintainer would, and
# print TAP on stdout:
#
#   kernel-patches/check-series.sh KVER
#
# - the cover letter exists and states the pinned base (vKVER/BASE);
# - every patch is From: and Signed-off-by: the identity in AUTHOR;
# - each patch, in order, applies with `git am` to the pristine Debian source
#   (linux-source-KVER at the version BASE pins);
# - each patch is clean under `scripts/checkpatch.pl --strict` of that source
#   (but for what it says of every TRACE_EVENT laid out as in trace.h:
#   checkpatch_filter);
# - KVM compiles after each patch (arch/x86/kvm/, which builds virt/kvm/ too,
#   and the directory of any other .c file the patch touches; tinyconfig +
#   config.fragment, which has both CONFIG_KVM_INTEL=y and CONFIG_KVM_AMD=y):
#   the series bisects;
# - the kernel of the whole series builds and defines the series' tracepoints
#   and its kfunc (bpf_kvm_vcpu_get_msr, patch 0006).
#
# Builds are incremental in the shared tree/object directory of lib.sh and go
# through ccache (lib.sh), so a per-patch check recompiles only the KVM files
# the patch reaches, and the whole kernel is built once per series, not once
# per patch: when build.sh already built the kernel of exactly these inputs
# (`make test` builds the test kernels first), its System.map is used. A
# successful result is cached under $MSRTOP_CACHE/check-KVER/ keyed by the
# content of the patches (and of everything else the build depends on), so a
# rerun with the same inputs is instant; when only later patches changed, the
# cached prefix is applied without recompiling. The kernel of the full series
# is put into build.sh's result cache, so `make kernel` after this is instant.
set -uo pipefail

kp_prog=check-series.sh
# shellcheck source=kernel-patches/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib/tap.sh
. "$kp_here/../tests/lib/tap.sh"

[ $# -eq 1 ] || kp_die "usage: $0 KVER   (KVER is 6.1 or 6.12)"
kp_init "$1"
n=${#kp_patches[@]}
v=v$kp_kver
results=$kp_cache/check-$kp_kver
self=$(sha256sum "$0" | cut -c1-16)
tracepoints="kvm_msr_intercept kvm_msr_outcome kvm_msr_canonical"
kfuncs="bpf_kvm_vcpu_get_msr"

# marker I: the file whose existence says that patches 1..I passed every check
# (I = 0 stands for the series-level checks and the final tracepoint check).
marker() {
	if [ "$1" = 0 ]; then
		echo "$results/$(kp_key)-$self.series"
	else
		echo "$results/$(kp_key "$1")-$self.patch$1"
	fi
}

cover=$kp_series/0000-cover-letter.patch
check_cover() {
	if [ ! -f "$cover" ]; then
		tap_fail "$v: cover letter 0000-cover-letter.patch exists" "missing: $cover"
		tap_skip "$v: cover letter states the pinned base" "no cover letter"
		return
	fi
	tap_ok "$v: cover letter 0000-cover-letter.patch exists"
	if grep -qF "$kp_deb_version" "$cover" && grep -qF "$kp_upstream_version" "$cover"; then
		tap_ok "$v: cover letter states the pinned base"
	else
		tap_fail "$v: cover letter states the pinned base" \
			"it should name linux-source-$kp_kver $kp_deb_version ($kp_upstream_version)"
	fi
}

# checkpatch's output (stdin) less the messages it gives every TRACE_EVENT
# laid out as arch/x86/kvm/trace.h lays out its own (and as the series does):
# "__field(\ttype,\tname\t)" (ERROR: space after '(' / before ')'),
# "TP_STRUCT__entry(" and "TP_fast_assign(" alone on their line (CHECK: line
# ends with '('), TP_PROTO indented by one tab under "TRACE_EVENT(name,"
# (CHECK: alignment). Prints the other messages and fails if there are any,
# or if checkpatch printed no total; else prints how many it left out.
checkpatch_filter() {
	awk '
	function flush() {
		if (msg == "") return
		if ((msg ~ /^ERROR: space prohibited (after that open|before that close) parenthesis/ &&
		     last ~ /^\+\t\t__field\(\t[^()]*\)$/) ||
		    (msg ~ /^CHECK: Lines should not end with a .\(.$/ &&
		     last ~ /^\+\tTP_(STRUCT__entry|fast_assign)\($/) ||
		    (msg ~ /^CHECK: Alignment should match open parenthesis$/ &&
		     prev ~ /^\+TRACE_EVENT\([a-z0-9_]+,$/ && last ~ /^\+\tTP_PROTO\(/))
			layout++
		else {
			other++
			printf "%s", block
		}
		msg = ""
	}
	/^(ERROR|WARNING|CHECK): / { flush(); msg = $0; block = ""; prev = last = "" }
	msg != "" { block = block $0 "\n"; if ($0 ~ /^\+/) { prev = last; last = $0 } }
	/^$/ { flush() }
	/^total: / { total = 1 }
	END {
		flush()
		if (!total) { print "checkpatch printed no total"; exit 1 }
		if (other) exit 1
		if (layout) printf "%d checkpatch messages about the trace.h layout of TRACE_EVENT left out\n", layout
	}'
}

# The series is sent under one identity, kernel-patches/AUTHOR (series.sh).
check_author() {
	local out
	if out=$("$kp_here/series.sh" check "$kp_kver" 2>&1); then
		tap_ok "$v: every From: and Signed-off-by: is kernel-patches/AUTHOR"
	else
		tap_fail "$v: every From: and Signed-off-by: is kernel-patches/AUTHOR" \
			"regenerate with kernel-patches/series.sh (checkout, then export):"
		sed 's/^/#     /' <<<"$out"
	fi
}

# Everything cached: replay the results without touching the tree.
all_cached=1
[ -f "$(marker 0)" ] || all_cached=0
for ((i = 1; i <= n; i++)); do [ -f "$(marker $i)" ] || all_cached=0; done
if [ "$n" -eq 0 ]; then
	tap_fail "$v: the series has patches" "no 0*.patch besides the cover letter in $kp_series"
	tap_done
fi
if [ $all_cached = 1 ]; then
	echo "# $v: all $n patches unchanged since they last passed (results from $results)"
	check_cover
	check_author
	for ((i = 1; i <= n; i++)); do
		name=$(basename "${kp_patches[$((i - 1))]}" .patch)
		tap_ok "$v: $name applies with git am"
		tap_ok "$v: $name is checkpatch --strict clean"
		tap_ok "$v: KVM compiles with $name applied"
	done
	tap_ok "$v: the series builds a kernel that defines tracepoints $tracepoints and kfuncs $kfuncs"
	tap_done
fi

check_cover
check_author
kp_lock
mkdir -p "$results"
: >"$kp_log_file"
kp_reset_tree
echo "# $v: pristine linux-source-$kp_kver $kp_deb_version in $kp_tree, build log $kp_log_file"
kp_configure

failed=0
built=0 # whether the tree as it stands now has been built
for ((i = 1; i <= n; i++)); do
	p=${kp_patches[$((i - 1))]}
	name=$(basename "$p" .patch)
	if [ $failed = 1 ]; then
		tap_skip "$v: $name applies with git am" "an earlier patch failed"
	elif kp_am "$p"; then
		tap_ok "$v: $name applies with git am"
		built=0
	else
		tap_fail "$v: $name applies with git am" "git am says (see $kp_log_file):"
		tail -n 15 "$kp_log_file" | sed 's/^/#     /'
		failed=1
	fi

	# checkpatch exits 1 on any message: the filter decides.
	if out=$(cd "$kp_tree" && { scripts/checkpatch.pl --strict "$p" 2>&1 || true; } | checkpatch_filter); then
		cp_ok=1
		tap_ok "$v: $name is checkpatch --strict clean"
		[ -z "$out" ] || echo "# $v: $name: $out"
	else
		cp_ok=0
		tap_fail "$v: $name is checkpatch --strict clean"
		grep -v '^$' <<<"$out" | head -n 40 | sed 's/^/#   /'
	fi

	if [ $failed = 1 ]; then
		tap_skip "$v: KVM compiles with $name applied" "an earlier patch failed"
		continue
	fi
	# A prefix that passed with exactly these inputs needs no recompile; the
	# next compile covers its changes together with the next patch's.
	if [ $cp_ok = 1 ] && [ -f "$(marker $i)" ] && [ $i -lt "$n" ]; then
		tap_ok "$v: KVM compiles with $name applied"
		echo "# $v: $name passed before with the same inputs, compile deferred to the next patch"
		continue
	fi
	start=$(date +%s)
	cc0=$(kp_ccache_counts)
	if kp_make_dirs "$p"; then
		built=1
		tap_ok "$v: KVM compiles with $name applied"
		echo "# $v: $name: KVM compiled in $(($(date +%s) - start)) s ($(kp_ccache_since "$cc0"))"
		[ $cp_ok = 0 ] || touch "$(marker $i)"
	else
		tap_fail "$v: KVM compiles with $name applied" "see the end of $kp_log_file"
		tail -n 30 "$kp_log_file" | sed 's/^/#   /'
		failed=1
	fi
done

final="$v: the series builds a kernel that defines tracepoints $tracepoints and kfuncs $kfuncs"
if [ $failed = 1 ] || [ $built = 0 ]; then
	tap_skip "$final" "the series did not compile"
	tap_done
fi
# The kernel of these exact inputs, built by build.sh or by an earlier run;
# otherwise built here, once for the whole series.
result=$kp_cache/kernel-$kp_kver-$(kp_key)
if [ -f "$result/System.map" ] && [ -f "$result/bzImage" ]; then
	echo "# $v: the kernel of this series was built before ($result)"
else
	start=$(date +%s)
	cc0=$(kp_ccache_counts)
	if ! kp_make; then
		tap_fail "$final" "the kernel does not build; see the end of $kp_log_file"
		tail -n 30 "$kp_log_file" | sed 's/^/#   /'
		tap_done
	fi
	echo "# $v: kernel built in $(($(date +%s) - start)) s ($(kp_ccache_since "$cc0"))"
	kp_install "$(kp_key)"
fi
missing=
for tp in $tracepoints; do
	grep -q " __tracepoint_$tp\$" "$result/System.map" || missing+=" $tp"
done
for kf in $kfuncs; do
	grep -q " [Tt] $kf\$" "$result/System.map" || missing+=" $kf"
done
if [ -z "$missing" ]; then
	tap_ok "$final"
	[ "$_tap_failed" = 1 ] || touch "$(marker 0)"
else
	tap_fail "$final" "missing:$missing"
fi
tap_done
