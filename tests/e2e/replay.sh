#!/usr/bin/env bash
# Suite: msrtop --record and --replay on this host. A recording made while
# msrload runs holds, byte for byte, the documents --json printed at the same
# time; --replay --json prints it back byte for byte; --replay --csv still
# counts msrload's MSR accesses as msrload says it made them (where the host
# has a usable /dev/kvm); the live view steps through the recording with the
# replay keys (tmux); a recording that is not one gets one line and exit 1.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"
MSRTOP=${MSRTOP:-$top/build/msrtop}
MSRLOAD=${MSRLOAD:-$top/build/msrload}

if [ "$(id -u)" != 0 ]; then
	tap_skip "msrtop --record and --replay" "needs root to load BPF programs"
	tap_done
fi
work=$(mktemp -d /tmp/msrtop-replay.XXXXXX)
trap 'tmux_stop 2>/dev/null; rm -rf "$work"' EXIT

# ---- a recording -------------------------------------------------------------------
"$MSRTOP" --record "$work/rec.jsonl" --json --interval 0.2 >"$work/live.jsonl" 2>"$work/msrtop.err" &
mt=$!
wait_lines "$work/live.jsonl" 1 30 || tap_fail "msrtop --record printed its first document" \
	"$(cat "$work/msrtop.err")"
truth=
if [ -e /dev/kvm ] && "$MSRLOAD" --wrmsr 0x277:0x0007040600070406 --rdmsr 0x1b \
	--wrmsr 0x277:0x0007040600070407 >"$work/truth.json" 2>"$work/msrload.err"; then
	truth=$work/truth.json
fi
n=$(wc -l <"$work/live.jsonl")
wait_lines "$work/live.jsonl" $((n + 2)) 30 # two snapshots after msrload ended
kill -INT "$mt"
wait "$mt"
tap_eq "msrtop --record --json: exit status 0 on SIGINT" 0 "$?"
if [ -s "$work/rec.jsonl" ] && cmp -s "$work/rec.jsonl" "$work/live.jsonl"; then
	tap_ok "the recording holds the documents --json printed, byte for byte ($(wc -l <"$work/rec.jsonl") snapshots)"
else
	tap_fail "the recording holds the documents --json printed, byte for byte" \
		"$(cmp "$work/rec.jsonl" "$work/live.jsonl" 2>&1)"
fi

"$MSRTOP" --replay "$work/rec.jsonl" --json >"$work/replayed.jsonl" 2>"$work/replay.err"
tap_eq "msrtop --replay --json: exit status 0" 0 "$?"
if cmp -s "$work/rec.jsonl" "$work/replayed.jsonl"; then
	tap_ok "--replay --json prints the recording back byte for byte"
else
	tap_fail "--replay --json prints the recording back byte for byte" \
		"$(cmp "$work/rec.jsonl" "$work/replayed.jsonl" 2>&1; cat "$work/replay.err")"
fi

# ---- the ground truth, through a replay ----------------------------------------------
if [ -n "$truth" ]; then
	pid=$(jq .pid "$truth")
	# The last snapshot's MSR rows of msrload, summed over vCPUs, from --csv.
	"$MSRTOP" --replay "$work/rec.jsonl" --csv --pid "$pid" >"$work/replay.csv"
	got=$(python3 - "$work/replay.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
last = max(r[1] for r in rows if r[0] == "msrs")
sums, head = {}, None
for r in rows:
    if r[0] == "table":
        head = r  # the header of the rows that follow
    elif r[0] == "msrs" and r[1] == last:
        d = dict(zip(head, r))
        key = (int(d["MSR"], 16), d["R/W"])
        sums[key] = sums.get(key, 0) + int(d["COUNT"])
print(" ".join(f"{k[0]:#x}/{k[1]}={v}" for k, v in sorted(sums.items())))
EOF
)
	want=$(jq -r '[.total.msrs[] | (select(.reads > 0) | "\(.msr_hex)/read=\(.reads)"),
		(select(.writes > 0) | "\(.msr_hex)/write=\(.writes)")] | sort | join(" ")' "$truth")
	tap_eq "--replay --csv --pid: msrload's MSR accesses per MSR and direction equal its ground truth" \
		"$want" "$got"
else
	tap_skip "--replay against msrload's ground truth" \
		"no usable /dev/kvm here ($(head -n 1 "$work/msrload.err" 2>/dev/null))"
fi

# ---- recordings that are not ------------------------------------------------------------
bad() { # bad NAME FILE GREP: exit 1, one line on stderr matching GREP, nothing on stdout
	tap_fails "--replay $1: exit 1 and one line" 1 "$3" "$MSRTOP" --replay "$2"
}
bad "of a missing file" "$work/none.jsonl" 'cannot open --replay .*none.jsonl: No such file'
bad "of a directory" "$work" 'not a regular file'
: >"$work/empty.jsonl"
bad "of an empty file" "$work/empty.jsonl" 'no snapshot in it'
{ head -n 1 "$work/rec.jsonl"; echo '{"version": 1, "seq": '; } >"$work/cut.jsonl"
bad "with a cut line" "$work/cut.jsonl" 'cut.jsonl:2: not a JSON document: it ends early'
{ head -n 1 "$work/rec.jsonl"; sed 's/"version":1,/"version":7,/' <<<"$(head -n 1 "$work/rec.jsonl")"; } >"$work/v7.jsonl"
bad "of another version" "$work/v7.jsonl" 'v7.jsonl:2: document version 7'
sed '1s/"exits":\[/"exits":7,"was_exits":[/' "$work/rec.jsonl" >"$work/type.jsonl"
bad "with a table of the wrong type" "$work/type.jsonl" 'type.jsonl:1: "exits" is not an array'
out=$("$MSRTOP" --replay "$work/rec.jsonl" --record "$work/x.jsonl" 2>&1)
tap_eq "--replay with --record: exit 2" 2 "$?"

# ---- the live view, stepping ---------------------------------------------------------------
if ! command -v tmux >/dev/null; then
	tap_skip "the live view of a recording" "tmux is missing: run 'make deps'"
	tap_done
fi
. "$top/tests/tui/tmux.sh"
nr=$(wc -l <"$work/rec.jsonl")
tmux_start "$work" 120 30 || { tap_fail "tmux starts a session"; tap_done; }
pane_run replay "$MSRTOP" --replay "$work/rec.jsonl" --interval 3600
check_screen "the view plays the recording from its first snapshot" \
	"^msrtop - replay of .*rec.jsonl - snapshot 1 of $nr "
check_screen "the footer lists the replay keys" ', \. step +< > first/last'
keys '>'
check_screen "> shows the last snapshot" "snapshot $nr of $nr "
keys ','
check_screen ", steps back one" "snapshot $((nr - 1)) of $nr "
keys '<'
check_screen "< goes back to the first" "snapshot 1 of $nr "
keys '.'
check_screen ". steps forward one" "snapshot 2 of $nr "
keys Right
check_screen "the right arrow too" "snapshot 3 of $nr "
keys Space
check_screen "space pauses" 'PAUSED'
keys q
tap_eq "q: msrtop --replay exits 0" 0 "$(pane_wait_exit replay)"

# A view whose terminal goes away (its window closed) exits, instead of
# polling a hung-up terminal forever.
tmx new-window -d -n gone "sh -c 'echo \$\$ >$work/gone.pid; exec $MSRTOP --replay $work/rec.jsonl --interval 3600'"
for _ in $(seq 50); do [ -s "$work/gone.pid" ] && break; sleep 0.1; done
gone=$(cat "$work/gone.pid" 2>/dev/null)
sleep 1
tmx kill-window -t gone
for _ in $(seq 50); do kill -0 "$gone" 2>/dev/null || break; sleep 0.1; done
if [ -n "$gone" ] && ! kill -0 "$gone" 2>/dev/null; then
	tap_ok "the live view exits when its terminal goes away"
else
	tap_fail "the live view exits when its terminal goes away" \
		"pid '$gone' still runs 5 s after its window closed: $(ps -o stat=,pcpu= -p "$gone" 2>/dev/null)"
	kill "$gone" 2>/dev/null
fi
tap_done
