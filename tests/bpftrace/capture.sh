#!/usr/bin/env bash
# Refreshes the example outputs shown in the headers of bpftrace/*.bt and in
# docs/one-liners.md with real output: every program run as a user would run
# it (text output), while msrload runs the test workload (checks.sh), inside a
# test kernel under QEMU.
#
#   tests/bpftrace/capture.sh [--kver 6.1|6.12] [--only REGEX]
#       boots the test kernel (tests/vm/run.sh), runs itself inside with
#       --inner, and rewrites the examples of the programs it captured
#   tests/bpftrace/capture.sh --inner [--only REGEX]
#       runs the programs here and prints "==== ID" then its output, per program
#
# The counts in these outputs are checked by the test suite
# (tests/vm/boot.sh, suite bpftrace) on every run; this only refreshes what the docs
# show. Long outputs are cut (the cut is marked).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bpftrace/lib.sh"
. "$top/tests/bpftrace/checks.sh"

kver=6.1 only= inner=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) kver=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--inner) inner=1; shift ;;
	*) echo "capture.sh: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
	esac
done
cd "$top" || exit 1

if [ $inner = 0 ]; then
	out=$(mktemp /tmp/bt-capture.XXXXXX)
	trap 'rm -f "$out"' EXIT
	echo "capture.sh: running the programs in the $kver test kernel (several minutes)" >&2
	tests/vm/run.sh --kver "$kver" --timeout 2400 --append kvm.force_emulation_prefix=1 \
		-- "$top/tests/bpftrace/capture.sh" --inner ${only:+--only "$only"} >"$out" ||
		{ echo "capture.sh: the VM run failed (output in $out)" >&2; trap - EXIT; exit 1; }
	exec python3 - "$out" "$kver" <<'EOF'
import re, sys, glob
captured, kver = sys.argv[1], sys.argv[2]
progs, cur = {}, None
for line in open(captured, errors='replace'):
    line = line.rstrip('\n')
    m = re.match(r'^==== (\S+)$', line)
    if m:
        cur = None if m.group(1) == 'end' else m.group(1)
        if cur:
            progs[cur] = []
    elif cur:
        progs[cur].append(line.rstrip())

def tidy(lines, limit):
    out = []
    for l in lines:
        if l == '' and (not out or out[-1] == ''):
            continue
        out.append(l)
    while out and out[-1] == '':
        out.pop()
    if len(out) > limit:
        n = len(out) - (limit - 1)
        out = out[:limit - 1] + ['[... %d more lines]' % n]
    return out

done = []
for f in sorted(glob.glob('bpftrace/*.bt')):
    pid = f[len('bpftrace/'):-3]
    if pid not in progs:
        continue
    text = open(f).read()
    m = re.search(r'( \* Example[^\n]*(?:\n \*[^\n]*?)*?:\n)((?: \*   [^\n]*\n| \*\n)*)( \*/)', text)
    if not m:
        sys.exit('capture.sh: no example block in ' + f)
    body = ''.join((' *   ' + l).rstrip() + '\n' for l in tidy(progs[pid], 40))
    open(f, 'w').write(text[:m.start(2)] + body + text[m.end(2):])
    done.append(f)

doc = 'docs/one-liners.md'
text = open(doc).read()
def repl(m):
    pid = m.group(1)
    if pid not in progs:
        return m.group(0)  # not captured this time: left as it was
    done.append('one-liner ' + pid)
    return ('<!-- one-liner: %s -->\n' % pid + m.group(2) + '```\n' +
            '\n'.join(tidy(progs[pid], 30)) + '\n```\n')
text = re.sub(r'<!-- one-liner: ([a-z0-9-]+) -->\n(```\n[^\n]*\n```\n(?:Output[^\n]*\n)?)```\n.*?```\n',
              repl, text, flags=re.S)
open(doc, 'w').write(text)
print('capture.sh: updated %d examples from the %s test kernel' % (len(done), kver))
EOF
fi

# ---- inside the VM ------------------------------------------------------------------
[ "$(id -u)" = 0 ] || { echo "capture.sh: needs root" >&2; exit 1; }
work=$(mktemp -d /tmp/bt-capture.XXXXXX)
trap 'rm -rf "$work"' EXIT
for t in bpftrace bpftool jq; do
	copy_tool "$t" "$work/tools" || { echo "capture.sh: cannot copy $t" >&2; exit 1; }
done
PATH=$work/tools:$PATH
BPFTRACE=$work/tools/bpftrace
ML=$top/build/msrload
fep=0
case "$(cat /sys/module/kvm/parameters/force_emulation_prefix 2>/dev/null)" in Y | 1) fep=1 ;; esac
ml_args=("${WORKLOAD[@]}")
[ $fep = 0 ] || ml_args+=("${WORKLOAD_FEP[@]}")

capture() { # ID KIND SOURCE COMMAND
	local probes p
	[ -z "$only" ] || [[ "$1" =~ $only ]] || return 0
	probes=$(bt_probes "$(bt_program_text "$1" "$2" "$3")")
	for p in $probes; do
		[ -z "$(bt_probe_missing "$p")" ] || { echo "# $1: skipped, $(bt_probe_missing "$p")"; return 0; }
	done
	if ! BT_FORMAT=text bt_start "$work/out" "$work/err" "$4" "$(printf '%s\n' "$probes" | grep -c .)"; then
		echo "# $1: $bt_error"
		return 0
	fi
	"$ML" "${ml_args[@]}" >/dev/null 2>"$work/ml.err" || echo "# $1: msrload failed: $(cat "$work/ml.err")"
	bt_stop
	echo "==== $1"
	cat "$work/out"
	echo "==== end"
}
for f in bpftrace/*.bt; do
	capture "$(basename "$f" .bt)" script "$f" "bpftrace $f"
done
while IFS=$'\t' read -r id cmd; do
	capture "$id" oneliner "$cmd" "$cmd"
done < <(bt_oneliners docs/one-liners.md)
