#!/usr/bin/env bash
# msrtop's command line: every bad invocation gets one line on stderr, nothing
# on stdout, and exit status 2, before anything is loaded; --help names every
# option the code accepts; an unprivileged run fails with one line, status 1.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

msrtop=${BUILD:-build}/msrtop
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# bad NAME EXPECTED_STATUS GREP ARGS...: fails with one stderr line matching GREP.
bad() {
	local name=$1 want=$2 pattern=$3
	shift 3
	tap_fails "$name" "$want" "$pattern" "$msrtop" "$@"
}

bad "unknown long option" 2 "unknown option '--frobnicate'" --frobnicate
bad "unknown short option" 2 "unknown option '-x'" -x
bad "missing option argument" 2 "needs an argument" --interval
bad "stray argument" 2 "unexpected argument 'foo'" foo
bad "--msr with an unknown name" 2 "unknown MSR 'NOT_AN_MSR'" --msr NOT_AN_MSR
bad "--msr with junk after a number" 2 "unknown MSR '0x1bz'" --msr 0x1bz
bad "--msr above 32 bits" 2 "unknown MSR" --msr 0x100000000
bad "--interval zero" 2 "invalid --interval '0'" --interval 0
bad "--interval negative" 2 "invalid --interval '-1'" --interval -1
bad "--interval not a number" 2 "invalid --interval 'fast'" --interval fast
bad "--interval too long" 2 "invalid --interval" -i 100000
bad "--interval nan" 2 "invalid --interval 'nan'" --interval nan
bad "--duration junk" 2 "invalid --duration '5s'" --duration 5s
bad "--pid not a number" 2 "invalid --pid 'qemu'" --pid qemu
bad "--pid zero" 2 "invalid --pid '0'" --pid 0
bad "--vcpu negative" 2 "invalid --vcpu '-1'" --vcpu -1
bad "--vcpu above 32 bits" 2 "invalid --vcpu '0x100000000': above 4294967295" --vcpu 0x100000000
bad "--pid with junk after hex digits" 2 "invalid --pid '0x1g': not a number" --pid 0x1g
# Hex numbers are numbers (as in the terminal view's filters): the error is the next option's.
bad "--pid and --vcpu take 0x hex" 2 "invalid --interval 'x'" --pid 0x10 --vcpu 0x2 --interval x
bad "--reason unknown" 2 "unknown exit reason 'BOGUS'" --reason BOGUS
bad "an error after good options" 2 "invalid --interval" --json --pid 1 --interval x
bad "--sources unknown" 2 "unknown source 'kvm_bogus' for --sources" --sources kvm_msr,kvm_bogus
bad "--sources empty" 2 "empty --sources" --sources ,
bad "--sources kvm_entry without kvm_exit" 2 "kvm_entry without kvm_exit" --sources kvm_entry,kvm_msr
bad "--sources msr_sample: not a tracepoint" 2 "--sample-msr or --watch-msr switches it on" \
	--sources kvm_exit,msr_sample
bad "--sample-msr with an unknown name" 2 "unknown MSR 'FS_BAS' for --sample-msr" --sample-msr FS_BAS
bad "--sample-msr with an MSR the kfunc does not read" 2 \
	"--sample-msr cannot read MSR 'IA32_APICBASE'" --sample-msr FS_BASE,IA32_APICBASE
bad "--watch-msr with an MSR the kfunc does not read" 2 "--watch-msr cannot read MSR '0x10'" \
	--watch-msr 0x10
bad "--sample-msr empty" 2 "empty --sample-msr" --sample-msr ,
bad "more than 4 MSRs between --sample-msr and --watch-msr" 2 "give at most 4 in all" \
	--sample-msr FS_BASE,GS_BASE,KERNEL_GS_BASE --watch-msr LSTAR,CSTAR
bad "--sample-every 0" 2 "invalid --sample-every '0'" --sample-msr FS_BASE --sample-every 0
bad "--sample-every junk" 2 "invalid --sample-every 'often'" --sample-msr FS_BASE --sample-every often
bad "--sample-every without MSRs to sample" 2 "--sample-every needs --sample-msr or --watch-msr" \
	--sample-every 4

# The one strict parser (userspace/cmdline.h): values after '=', prefixes,
# duplicates, conflicts, white space, and what is echoed is escaped.
bad "--once=1: takes no value" 2 "option '--once' takes no value" --once=1
bad "--json=1: takes no value" 2 "option '--json' takes no value" --json=1
bad "--verbose=x: takes no value" 2 "option '--verbose' takes no value" --verbose=x
bad "--help=x: takes no value" 2 "option '--help' takes no value" --help=x
bad "--o is ambiguous, named as such" 2 "option '--o' is ambiguous: --once, --output" --o
bad "--unknown=value names the option only" 2 "unknown option '--frob';" --frob=3
bad "unknown short option inside a cluster" 2 "unknown option '-x'" -jx
bad "--interval=VALUE is checked like --interval VALUE" 2 "invalid --interval 'fast'" --interval=fast
bad "--interval with a space before" 2 "invalid --interval ' 1': remove the white space" --interval ' 1'
bad "--interval with a space after" 2 "invalid --interval '1 ': remove the white space" --interval '1 '
bad "--interval in exponent form" 2 "invalid --interval '1e3'" --interval 1e3
bad "--interval in hex" 2 "invalid --interval '0x10'" --interval 0x10
bad "a second --listen is refused" 2 "option '--listen' given more than once" --listen 9100 --listen 9101
bad "-i and --interval are one option" 2 "option '--interval' given more than once" -i 1 --interval 2
bad "a duplicate by prefix is a duplicate" 2 "option '--max-rows' given more than once" --max-rows 3 --max 4
bad "--once with --duration is refused" 2 "--once and --duration cannot be used together" \
	--once --duration 0.5 --interval 60
bad "an operand after --" 2 "unexpected argument 'foo'" -- foo
bad "a lone -" 2 "unexpected argument '-'" -
bad "an empty --output" 2 "invalid --output '': give a file name" --output ''
bad "--output ." 2 "invalid --output '.': give a file name" --output .
bad "--output /" 2 "invalid --output '/': give a file name" --output /
bad "--output a directory" 2 "--output $tmp is a directory" --output "$tmp"
ln -s "$tmp/elsewhere" "$tmp/link"
bad "--output a symbolic link" 2 "is a symbolic link" --output "$tmp/link"
mkfifo "$tmp/fifo"
bad "--output a FIFO" 2 "is a FIFO" --output "$tmp/fifo"
bad "--output a device node" 2 "--output /dev/null is a character device" --output /dev/null
[ -c /dev/null ] && tap_ok "/dev/null is still a character device" ||
	tap_fail "/dev/null is still a character device" "$(ls -l /dev/null)"
# Control characters in an argument are refused and echoed escaped; bytes
# that are not UTF-8 (or are C1 controls) are echoed as \xNN.
bad "a value with ESC and a newline is echoed escaped" 2 \
	'invalid --msr .\\e\[31mred\\n.: it holds a control character' --msr $'\e[31mred\n'
bad "a value with a C1 control and bad UTF-8 is echoed escaped" 2 \
	'unknown MSR .\\xc2\\x9b\\xff é.' --msr $'\xc2\x9b\xff é'
bad "an unknown option with ESC is echoed escaped" 2 'unknown option .--a\\eb.' --a$'\e'b

# stdout closed (">&-"): one line, status 1, before anything is opened (a
# BPF map would otherwise take descriptor 1 and get the output: "Invalid
# argument"); a daemon that prints nothing runs without it.
closed_stdout() {
	local name=$1 want=$2 pattern=$3
	shift 3
	tap_fails_closed "$name" "$want" "$pattern" "$msrtop" "$@"
}
closed_stdout "stdout closed, --once --json: one line, status 1" 1 \
	"^msrtop: stdout is closed: give msrtop somewhere to write (a file, a pipe or /dev/null), or use --listen or --output without --json$" \
	--once --json
closed_stdout "stdout closed, text output: one line, status 1" 1 "^msrtop: stdout is closed" --once
closed_stdout "stdout closed, --listen with --json: one line, status 1" 1 "^msrtop: stdout is closed" \
	--json --listen 127.0.0.1:0 --once
closed_stdout "stdout closed, --help: one line, status 1" 1 \
	"^msrtop: stdout is closed: give msrtop somewhere to write (a file, a pipe or /dev/null)$" --help
closed_stdout "stdout closed and a bad command line: status 2, the command line's error" 2 \
	"unknown option '--frob'" --frob

if "$msrtop" --help >"$tmp/help" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
	tap_ok "--help exits 0 and writes only to stdout"
else
	tap_fail "--help exits 0 and writes only to stdout" "$(cat "$tmp/err")"
fi

# Every long option in the code's option table appears in --help, and back.
code_opts=$(sed -n "s/^[[:space:]]*{ \"\([a-z-]*\)\", \('.'\|0\), .*/--\1/p" \
	userspace/msrtop.c | sort -u)
help_opts=$(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u)
if [ -n "$code_opts" ] && [ "$code_opts" = "$help_opts" ]; then
	tap_ok "--help lists exactly the options the code accepts"
else
	tap_fail "--help lists exactly the options the code accepts" \
		"code: $(echo $code_opts); help: $(echo $help_opts)"
fi

# Privileges (userspace/kernel_check.c): unprivileged and half-privileged
# starts fail with one line, status 1, naming what is missing, and libbpf
# says nothing. nobody keeps the capabilities given as ambient ones across
# setpriv's uid change; root loses those taken from its bounding set.
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
# as_nobody CAPS COMMAND...: COMMAND as nobody with CAPS ("+bpf,+perfmon", or "").
as_nobody() {
	local caps=$1
	shift
	if [ -n "$caps" ]; then
		$nobody --inh-caps="-all,$caps" --ambient-caps="$caps" "$@"
	else
		$nobody --inh-caps=-all "$@"
	fi
}
# unmounted COMMAND...: COMMAND in a private mount namespace without tracefs.
unmounted() {
	unshare -m sh -c 'for d in /sys/kernel/tracing /sys/kernel/debug/tracing /sys/kernel/debug; do
			while umount -l "$d" 2>/dev/null; do :; done; done
		if grep -q " tracefs " /proc/self/mounts; then echo "tracefs still mounted" >&2; exit 9; fi
		exec "$@"' sh "$@"
}
priv_tests=("an unprivileged run names root and both capabilities"
	"in --json mode the error is also a JSON document on stdout"
	"nobody with CAP_BPF only: CAP_PERFMON named"
	"nobody with CAP_PERFMON only: CAP_BPF named"
	"nobody with CAP_BPF and CAP_PERFMON: tracefs permission denied, CAP_DAC_READ_SEARCH named"
	"nobody with the unit's three capabilities: runs (the three are enough)"
	"root without CAP_BPF and CAP_SYS_ADMIN: the bounding set named"
	"root without CAP_PERFMON and CAP_SYS_ADMIN: the bounding set named"
	"root without CAP_SYS_ADMIN, tracefs not mounted: CAP_SYS_ADMIN named to mount it"
	"nobody with CAP_BPF and CAP_PERFMON, tracefs not mounted: not mounted, not denied"
	"nobody with --listen and --output: the privilege line only (nothing bound or made)")
abs=$(readlink -f "$msrtop")
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! unshare -m true 2>/dev/null; then
	for t in "${priv_tests[@]}"; do
		tap_skip "$t" "needs root, setpriv and unshare -m to drop privileges"
	done
elif ! as_nobody "" test -x "$abs"; then
	for t in "${priv_tests[@]}"; do
		tap_skip "$t" "nobody cannot reach $abs"
	done
else
	# Whether nobody may enter tracefs here: the kernel's answer, not msrtop's.
	if as_nobody "" test -x /sys/kernel/tracing/events; then
		dac=""
	else
		dac=", and CAP_DAC_READ_SEARCH to enter tracefs"
	fi
	tap_fails "${priv_tests[0]}" 1 \
		"missing CAP_BPF and CAP_PERFMON to load and attach BPF programs: run msrtop as root (sudo), or give it CAP_BPF and CAP_PERFMON$dac\$" \
		as_nobody "" "$abs" --once
	as_nobody "" "$abs" --once --json >"$tmp/out" 2>"$tmp/err"
	if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["version"]==1 and "CAP_BPF" in d["error"]["message"]' <"$tmp/out" 2>/dev/null; then
		tap_ok "${priv_tests[1]}"
	else
		tap_fail "${priv_tests[1]}" "$(cat "$tmp/out")"
	fi
	tap_fails "${priv_tests[2]}" 1 "^msrtop: missing CAP_PERFMON to load" \
		as_nobody +bpf "$abs" --once
	tap_fails "${priv_tests[3]}" 1 "^msrtop: missing CAP_BPF to load" \
		as_nobody +perfmon "$abs" --once
	if [ -n "$dac" ]; then
		tap_fails "${priv_tests[4]}" 1 \
			"^msrtop: permission denied on tracefs at /sys/kernel/tracing .*give it CAP_DAC_READ_SEARCH" \
			as_nobody +bpf,+perfmon "$abs" --once
	else
		tap_skip "${priv_tests[4]}" "nobody may enter tracefs on this host"
	fi
	as_nobody +bpf,+perfmon,+dac_read_search "$abs" --once --interval 0.1 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$tmp/err" ] && grep -q '^msrtop ' "$tmp/out"; then
		tap_ok "${priv_tests[5]}"
	elif grep -q "no KVM tracepoints" "$tmp/err"; then
		tap_skip "${priv_tests[5]}" "no KVM tracepoints"
	else
		tap_fail "${priv_tests[5]}" "status $rc: $(cat "$tmp/err")"
	fi
	tap_fails "${priv_tests[6]}" 1 \
		"^msrtop: running as root but without CAP_BPF (dropped from this process's capability bounding set" \
		setpriv --inh-caps=-all --bounding-set=-bpf,-sys_admin "$abs" --once
	tap_fails "${priv_tests[7]}" 1 "^msrtop: running as root but without CAP_PERFMON (dropped" \
		setpriv --inh-caps=-all --bounding-set=-perfmon,-sys_admin "$abs" --once
	tap_fails "${priv_tests[8]}" 1 \
		"^msrtop: tracefs is not mounted, and mounting it needs CAP_SYS_ADMIN: run 'mount -t tracefs nodev /sys/kernel/tracing' as root" \
		unmounted setpriv --inh-caps=-all --bounding-set=-sys_admin "$abs" --once
	tap_fails "${priv_tests[9]}" 1 "^msrtop: tracefs is not mounted, and mounting it needs CAP_SYS_ADMIN" \
		unmounted $nobody --inh-caps=-all,+bpf,+perfmon --ambient-caps=+bpf,+perfmon "$abs" --once
	# Found by tests/fuzz/cmdline_exec.py: the port was bound ("serving ...")
	# before the privileges were checked.
	tap_fails "${priv_tests[10]}" 1 "^msrtop: missing CAP_BPF and CAP_PERFMON" \
		as_nobody "" "$abs" --listen 127.0.0.1:0 --output /tmp/msrtop-cli-$$.json --once
	if [ -e /tmp/msrtop-cli-$$.json ] || ls /tmp/.msrtop-cli-$$.json.* >/dev/null 2>&1; then
		tap_fail "${priv_tests[10]}: no file made" "$(ls -la /tmp/*msrtop-cli-$$*)"
		rm -f /tmp/msrtop-cli-$$.json /tmp/.msrtop-cli-$$.json.*
	fi
fi

# A real run (root, KVM tracepoints): --once prints one block and exits 0 in time.
if [ "$(id -u)" = 0 ]; then
	start=$(date +%s%N)
	if "$msrtop" --once --interval 0.3 >"$tmp/out" 2>"$tmp/err"; then
		ms=$(( ($(date +%s%N) - start) / 1000000 ))
		if [ -s "$tmp/err" ]; then
			tap_fail "--once runs quietly" "stderr: $(cat "$tmp/err")"
		elif [ "$(grep -c '^msrtop ' "$tmp/out")" != 1 ] || ! grep -q '^  kvm_msr ' "$tmp/out"; then
			tap_fail "--once prints one block with the sources" "$(head -20 "$tmp/out")"
		elif [ $ms -gt 5000 ]; then
			tap_fail "--once exits after one interval" "took ${ms} ms"
		else
			tap_ok "--once prints one block with its sources and exits (${ms} ms)"
		fi
	elif grep -q "no KVM tracepoints" "$tmp/err"; then
		tap_skip "--once prints one block with its sources and exits" "no KVM tracepoints"
	else
		tap_fail "--once prints one block with its sources and exits" "$(cat "$tmp/err")"
	fi
	"$msrtop" --duration 0.5 --interval 0.2 --json >"$tmp/out" 2>"$tmp/err"
	n=$(wc -l <"$tmp/out")
	seqs=$(python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["seq"]) for l in sys.stdin))' <"$tmp/out" 2>/dev/null)
	if [ "$seqs" = "1 2 3" ]; then
		tap_ok "--duration 0.5 --interval 0.2 prints 3 documents (at 0.2, 0.4, 0.5 s)"
	else
		tap_fail "--duration 0.5 --interval 0.2 prints 3 documents" "got $n: seq '$seqs' $(cat "$tmp/err")"
	fi
	# A daemon prints nothing: a closed stdout is no error, and no BPF
	# object's descriptor is written to instead.
	"$msrtop" --once --interval 0.2 --output "$tmp/daemon.json" >&- 2>"$tmp/err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$tmp/err" ] &&
		python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["seq"] == 1' "$tmp/daemon.json"; then
		tap_ok "stdout closed, --output without --json: runs and writes the file"
	elif grep -q "no KVM tracepoints" "$tmp/err"; then
		tap_skip "stdout closed, --output without --json: runs and writes the file" "no KVM tracepoints"
	else
		tap_fail "stdout closed, --output without --json: runs and writes the file" "status $rc: $(cat "$tmp/err")"
	fi
	# --sources kvm_msr: the programs this msrtop holds (the prog_id of each of
	# its file descriptors; any other msrtop on the host is not this one) are
	# kvm_msr's and no other, and the document says which sources are off.
	"$msrtop" --sources kvm_msr --duration 3 --interval 1 --json >"$tmp/out" 2>"$tmp/err" &
	mpid=$!
	progs=
	for _ in $(seq 50); do
		sleep 0.1
		progs=$(sed -n 's/^prog_id:[[:space:]]*//p' /proc/$mpid/fdinfo/* 2>/dev/null | sort -u |
			while read -r id; do bpftool prog show id "$id" 2>/dev/null; done |
			grep -oE 'name (kvm_[a-z_]+)' | sort -u | tr '\n' ' ')
		case "$progs" in *kvm_msr_btf*) break ;; esac
	done
	wait $mpid
	rc=$?
	states=$(head -n 1 "$tmp/out" | python3 -c 'import json,sys
d = json.load(sys.stdin)
print(" ".join(s["name"] + "=" + s["state"] for s in d["sources"][:5]))' 2>/dev/null)
	want="kvm_exit=off kvm_entry=off kvm_nested_vmexit=off kvm_msr=attached kvm_userspace_exit=off"
	if [ $rc != 0 ]; then
		tap_fail "--sources kvm_msr loads only kvm_msr's program" "status $rc: $(cat "$tmp/err")"
	elif [ "$progs" != "name kvm_msr_btf " ]; then
		tap_fail "--sources kvm_msr loads only kvm_msr's program" "programs loaded: '$progs'"
	elif [ "$states" != "$want" ]; then
		tap_fail "--sources kvm_msr loads only kvm_msr's program" "sources: '$states'"
	else
		tap_ok "--sources kvm_msr loads only kvm_msr's program; the others are 'off'"
	fi
	if grep -q btf_trace_kvm_msr_outcome /sys/kernel/btf/vmlinux /sys/kernel/btf/kvm 2>/dev/null; then
		tap_skip "--sources with none in this kernel: one line" "this kernel has the patched tracepoints"
	else
		tap_fails "--sources with none in this kernel: one line" 1 \
			"none of the tracepoints given to --sources is in this kernel" \
			"$msrtop" --sources kvm_msr_outcome,kvm_msr_canonical --once
	fi
	# A kernel without patch 0006's kfunc: one line, and everything else as usual.
	t="--sample-msr without the kfunc: one line, the rest runs"
	if grep -q bpf_kvm_vcpu_get_msr /sys/kernel/btf/vmlinux /sys/kernel/btf/kvm 2>/dev/null; then
		tap_skip "$t" "this kernel has bpf_kvm_vcpu_get_msr (the VM suite kfunc tests it)"
	elif ! grep -q btf_trace_kvm_exit /sys/kernel/btf/vmlinux /sys/kernel/btf/kvm 2>/dev/null; then
		tap_skip "$t" "no KVM tracepoints"
	else
		"$msrtop" --json --once --interval 0.1 --sample-msr FS_BASE --watch-msr LSTAR \
			>"$tmp/out" 2>"$tmp/err"
		rc=$?
		states=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x["state"] for x in d["sources"]}
print(s["kvm_exit"], s["kvm_msr"], s["msr_sample"], len(d["msr_samples"]), len(d["msr_changes"]))' \
			"$tmp/out" 2>&1)
		if [ $rc != 0 ] || [ "$(wc -l <"$tmp/err")" != 1 ] ||
			! grep -q "^msrtop: --watch-msr: this kernel has no bpf_kvm_vcpu_get_msr (msrtop's kernel patch 0006" "$tmp/err"; then
			tap_fail "$t" "status $rc, stderr: $(cat "$tmp/err")"
		elif [ "$states" != "attached attached missing 0 0" ]; then
			tap_fail "$t" "sources kvm_exit, kvm_msr, msr_sample, rows, changes: $states"
		else
			tap_ok "$t"
		fi
	fi
else
	tap_skip "--sample-msr without the kfunc: one line, the rest runs" "needs root"
	tap_skip "--once prints one block with its sources and exits" "needs root"
	tap_skip "--duration 0.5 --interval 0.2 prints 3 documents" "needs root"
	tap_skip "stdout closed, --output without --json: runs and writes the file" "needs root"
	tap_skip "--sources kvm_msr loads only kvm_msr's program" "needs root"
	tap_skip "--sources with none in this kernel: one line" "needs root"
fi

# The kernel's own conditions, made real in a private mount namespace: a
# kernel whose BTF is missing or unusable, and tracefs not mounted (msrtop
# mounts it itself). Without debugfs's KVM statistics too (MSRTOP_DEBUGFS: a
# place with no kvm directory), which would otherwise stand in for BPF
# (tests/e2e/kvm_debugfs.sh); with --sources naming tracepoints, debugfs
# does not stand in.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	export MSRTOP_DEBUGFS=$tmp/no-debugfs
	tap_fails "no BTF: one line naming CONFIG_DEBUG_INFO_BTF" 1 "CONFIG_DEBUG_INFO_BTF" \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" "$@"' "$msrtop" --once
	tap_fails "empty BTF: one line naming CONFIG_DEBUG_INFO_BTF" 1 "CONFIG_DEBUG_INFO_BTF" \
		unshare -m sh -c 'mount --bind /dev/null /sys/kernel/btf/vmlinux && exec "$0" "$@"' \
		"$msrtop" --once
	unset MSRTOP_DEBUGFS
	tap_fails "no BTF, --sources kvm_exit,kvm_debugfs: BPF was asked for, one line" 1 \
		"CONFIG_DEBUG_INFO_BTF" \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" "$@"' "$msrtop" --once \
		--sources kvm_exit,kvm_debugfs
	export MSRTOP_DEBUGFS=$tmp/no-debugfs
	# A kernel without KVM: its BTF has no KVM tracepoint (here: a valid BTF
	# with no types at all, and no kvm module BTF beside it).
	python3 -c 'import struct, sys
sys.stdout.buffer.write(struct.pack("<HBBIIIII", 0xeB9F, 1, 0, 24, 0, 0, 0, 1) + b"\0")' \
		>"$tmp/nokvm.btf"
	tap_fails "kernel without KVM: one line saying to load KVM" 1 "no KVM tracepoints.*modprobe" \
		unshare -m sh -c 'mount --bind "$1" /sys/kernel/btf/vmlinux &&
			{ [ ! -e /sys/kernel/btf/kvm ] || mount --bind "$1" /sys/kernel/btf/kvm; } &&
			exec "$0" --once' "$msrtop" "$tmp/nokvm.btf"
	unset MSRTOP_DEBUGFS
	# --once whose one write fails (a full file system): exit status 1.
	mkdir "$tmp/full"
	unshare -m sh -c 'mount -t tmpfs -o size=64k none "$1" &&
		{ dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null; :; } &&
		exec "$0" --once --interval 0.1 --output "$1/stats.json"' "$msrtop" "$tmp/full" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 1 ] && grep -q "cannot write the snapshot to --output" "$tmp/err"; then
		tap_ok "--once exits 1 when its write to --output fails"
	elif grep -q "no KVM tracepoints" "$tmp/err"; then
		tap_skip "--once exits 1 when its write to --output fails" "no KVM tracepoints"
	else
		tap_fail "--once exits 1 when its write to --output fails" "status $rc: $(cat "$tmp/err")"
	fi
	unshare -m sh -c 'for d in /sys/kernel/tracing /sys/kernel/debug/tracing /sys/kernel/debug; do
			while umount -l "$d" 2>/dev/null; do :; done; done
		grep -q " tracefs " /proc/self/mounts && { echo "tracefs still mounted"; exit 9; }
		"$0" --once --interval 0.1 >/dev/null || exit
		grep -q " tracefs " /proc/self/mounts || { echo "msrtop did not mount tracefs"; exit 8; }' \
		"$msrtop" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 0 ]; then
		tap_ok "tracefs not mounted: msrtop mounts it and runs"
	elif grep -q "no KVM tracepoints" "$tmp/err"; then
		tap_skip "tracefs not mounted: msrtop mounts it and runs" "no KVM tracepoints"
	else
		tap_fail "tracefs not mounted: msrtop mounts it and runs" \
			"status $rc: $(cat "$tmp/out" "$tmp/err")"
	fi
else
	for t in "no BTF" "empty BTF" "no BTF, --sources kvm_exit,kvm_debugfs" "kernel without KVM" \
		"--once exits 1 when its write fails" \
		"tracefs not mounted"; do
		tap_skip "$t" "needs root and unshare -m (a private mount namespace)"
	done
fi
tap_done
