#!/usr/bin/env bash
# Suite: the live view (userspace/tui*.c) fed synthetic snapshots by
# tests/tui/tui_fake.c (its header lists the numbers), in a tmux pane of a
# fixed size: what each view shows, sort keys, filters and their errors,
# interval, pause, help, paging, resize, and that the terminal is restored on
# q, SIGTERM (the view's handler and the program's own), ^C and a crash.
# Needs no KVM, BPF or root. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/tui/tmux.sh"

FAKE=${TUI_FAKE:-$top/build/tests/tui/tui_fake}
if ! command -v tmux >/dev/null; then
	tap_skip "live view in tmux" "tmux is not installed (make deps)"
	tap_done
fi
[ -x "$FAKE" ] || { tap_fail "$FAKE is built (make $FAKE)"; tap_done; }

work=$(mktemp -d /tmp/tui-fake.XXXXXX)
trap 'tmux_stop; rm -rf "$work"' EXIT
tmux_start "$work" 120 40 || { tap_fail "tmux starts a session"; tap_done; }

# ---- the views, on frozen counters (3 snapshots) ----------------------------------
pane_run main "$FAKE" --interval 200 --snapshots 3
check_screen "the view comes up with its title and sources" \
	'^msrtop - .* - Linux .* - every 0\.2s'
check_screen "sources with their event counts" 'sources: kvm_exit [0-9]+ \('
check_screen "a source missing from the kernel is said so" 'kvm_nested_vmexit: not in this kernel'
tap_eq "the view is on the alternate screen" 1 "$(pane_state | cut -d' ' -f1)"
check_screen "exits: SVM MSR exits of VM 1000 vCPU 0, total, latency minimum, P50, mean, P99, maximum" \
	'^1000 fakevmm +0 +svm +MSR +[0-9.]+ +900 +1\.1us +<2\.0us +3\.4us +<32\.8us +20\.0us$'
check_screen "exits: VMX modifier bits shown as flags, a thread id as tNNN" \
	'^2000 otherv +t2001 +vmx +MSR_WRITE\|FAILED_VMENTRY +[0-9.]+ +9 '
keys 2
check_screen "MSRs: name and index, direction, total, #GP, changes, last value; N~ a learned vCPU" \
	'^1000 fakevmm +1~ +IA32_CR_PAT 0x277 +W +[0-9.]+ +300 +30 +3 +0x0007040600070406$'
check_screen "MSRs: reads have no value" '^1000 fakevmm +0 +IA32_APICBASE 0x1b +R +[0-9.]+ +150 +0 +- +-$'
check_screen "MSRs: an MSR without a name is shown by its index" \
	'^1000 fakevmm +0 +0xdead +W +[0-9.]+ +15 +15 +0 +-$'
check_screen "totals over all rows" 'totals: +exits 969 .*MSR reads 321 .*writes 630 .*#GP 90'
keys v
check_screen "VMs: pid, comm, guest name, vCPUs, exits, MSR accesses, #GP, userspace exits" \
	'^ +1000 +fakevmm +demo +2 +[0-9.]+ +960 +[0-9.]+ +930 +90 +[0-9.]+ +120$'
keys m s
check_screen "s: next sort key" 'sort: total$'
keys S
check_screen "S: reversed" 'sort: total \(reversed\)'
first=$(screen | grep -A1 '^VM  ' | tail -n 1)
case "$first" in
*0xdead*) tap_ok "reversed total: the smallest row first" ;;
*) tap_fail "reversed total: the smallest row first" "first row: $first" ;;
esac
keys S s s s s s

# Filters: bad input gives an error line and changes nothing.
keys M
check_screen "M opens the MSR prompt" '^filter by MSR'
keys -l FOO
keys Enter
check_screen "an unknown MSR name is an error on the status line" "^unknown MSR 'FOO'"
keys p
keys -l 12ab
keys Enter
check_screen "a bad pid is an error" "^bad pid '12ab'"
keys c
keys -l v1
keys Enter
check_screen "a bad vCPU is an error" "^bad vCPU 'v1'"
keys r
keys -l nosuchexit
keys Enter
check_screen "an unknown exit reason is an error" "^unknown exit reason 'nosuchexit'"
check_no_screen "bad input sets no filter" '^filter:'
keys x
check_screen "an unknown key says how to get help" "^unknown key 'x'"
tap_cmd "the program is still running after bad input" kill -0 "$(pane_pid main)"

keys M
keys -l efer
keys Enter
check_screen "an MSR filter by name is shown by its canonical name" 'filter: +msr EFER 0xc0000080'
check_screen "the MSR filter keeps that MSR's rows" '^2000 otherv +t2001 +EFER 0xc0000080 +R +[0-9.]+ +21 '
check_no_screen "the MSR filter removes the other MSRs" 'IA32_CR_PAT'
check_screen "totals follow the filter" 'totals \(filtered\): +exits 969 .*MSR reads 21 '
keys F
check_screen "F clears the filters" '^1000 fakevmm +0 +IA32_CR_PAT 0x277'
keys p
keys -l 1000
keys Enter
check_screen "a pid filter" 'filter: +pid 1000'
check_no_screen "the pid filter removes other VMs" '^2000 otherv'
keys F g
keys -l demo
keys Enter
check_screen "a guest filter, by the guest's name" 'filter: +guest demo'
check_screen "the guest filter keeps that VM" '^1000 fakevmm +0 +IA32_CR_PAT 0x277'
check_no_screen "the guest filter removes other VMs" '^2000 otherv'
keys g
keys -l otherv
keys Enter
check_screen "a guest filter by the VMM's comm keeps that VM" '^2000 otherv +t2001 +EFER'
check_no_screen "... and only that one" '^1000 fakevmm'
keys g
keys -l 'demo,,x'
keys Enter
check_screen "an empty guest name in the list is an error" "^bad guest name '': empty"
check_screen "... and the filter stays as it was" 'filter: +guest otherv'
keys F 1 r
keys -l npf
keys Enter
check_screen "an exit reason filter (SVM name)" 'filter: +reason .*svm NPF'
check_screen "the reason filter keeps NPF exits" '^1000 fakevmm +0 +svm +NPF +[0-9.]+ +60 '
check_no_screen "the reason filter removes other exits" 'MSR_WRITE'
keys F p
# The prompt first: until F and p are handled, the screen before them (with
# its reason filter and its "q quit" line) would satisfy the checks below.
check_screen "F then p: the pid prompt" '^filter by VM pid'
keys -l 12
keys Escape
check_screen "Escape leaves the prompt" '^q quit '
check_no_screen "Escape sets no filter" '^filter:'

keys h
check_screen "h shows the help" 'Press any key to go back'
keys z
check_screen "any key leaves the help" '^VM +VCPU +ISA +REASON'
keys +
check_screen "+ lengthens the interval" 'every 0\.5s'
keys - - -
check_screen "- shortens it, down to a floor" 'already at its shortest \(100 ms\)'
check_screen "the header shows the new interval" 'every 0\.1s'
keys Space
check_screen "space pauses" 'PAUSED'
keys Space
sleep 0.5
check_no_screen "space resumes" 'PAUSED'

tmx resize-window -t t -x 72 -y 20
check_screen "after a resize to 72x20 the view is redrawn" '^ 1:exits '
check_screen "after a resize to 72x20 the tabs wrap, then the sort key" '^ 9:hcalls '
check_screen "after a resize to 72x20 the sort key is shown" 'sort: rate'
check_no_screen "nothing is drawn past 72 columns" '.{73}'
tmx resize-window -t t -x 30 -y 6
check_screen "a tiny terminal is said to be too small" 'too small'
tmx resize-window -t t -x 120 -y 40
check_screen "back to 120x40" '^VM +VCPU +ISA +REASON'
tap_cmd "the program survived the resizes" kill -0 "$(pane_pid main)"

keys q
tap_eq "q: exit status 0" 0 "$(pane_wait_exit main)"
check_restored main "q"

# ---- signals and a crash restore the terminal ------------------------------------
pane_run term "$FAKE" --interval 200
wait_screen 'sort: rate' || tap_fail "the view comes up (SIGTERM case)"
kill -TERM "$(pane_pid term)"
tap_eq "SIGTERM (the view's handler): exit status 0" 0 "$(pane_wait_exit term)"
check_restored term "SIGTERM"

pane_run ownterm "$FAKE" --interval 200 --own-signals
wait_screen 'sort: rate' || tap_fail "the view comes up (own SIGTERM case)"
kill -TERM "$(pane_pid ownterm)"
tap_eq "SIGTERM (the program's own handler): exit status 0" 0 "$(pane_wait_exit ownterm)"
check_restored ownterm "SIGTERM, program's handler"

pane_run int "$FAKE" --interval 5000
wait_screen 'sort: rate' || tap_fail "the view comes up (^C case)"
keys C-c
tap_eq "^C: exit status 0, without waiting for the interval" 0 "$(pane_wait_exit int 3)"
check_restored int "^C"

pane_run crash "$FAKE" --interval 200 --crash-after 3
tap_eq "crash: killed by SIGSEGV" 139 "$(pane_wait_exit crash)"
check_restored crash "SIGSEGV"

pane_run dumb env TERM=dumb "$FAKE"
tap_eq "TERM=dumb: exit status 1" 1 "$(pane_wait_exit dumb)"
check_screen "TERM=dumb: one line saying why" "terminal type 'dumb' cannot move the cursor"

# ---- host kinds, patched kernels, overflow, paging -------------------------------
pane_run pvm "$FAKE" --pvm --overflow
check_screen "PVM-like host: a note says kvm_exit is attached but silent" \
	'^note: kvm_exit is attached but silent while kvm_msr counted 951 events'
check_screen "PVM-like host: the empty exits table says why" 'no exits: kvm_exit does not fire on this host'
check_screen "overflow counters are shown when not zero" 'OVERFLOW \(map full, events not counted\): msrs 36'
keys q
pane_wait_exit pvm >/dev/null

pane_run patched "$FAKE" --patched
check_screen "patched kernel: the patched sources are listed" 'kvm_msr_outcome [0-9]+ \('
keys o
# Fifteen columns: the #GP reasons, last, need a terminal wider than 120 columns.
tmx resize-window -t t -x 140 -y 40
check_screen "outcomes: handled, #GP and their reasons, latency minimum, P50, mean, P99, maximum" \
	'^1000 fakevmm +IA32_CR_PAT 0x277 +W +[0-9.]+ +300 +270 +0 +0 +30 +513ns +<1\.0us +768ns +<1\.0us +1\.0us +invalid_value 30$'
check_screen "outcomes: userspace exits" '^1000 fakevmm +IA32_TSC_ADJUST 0x3b +W +[0-9.]+ +30 +0 +0 +30 +0 '
check_screen "outcomes: userspace exits answered with an error, counted once in TOTAL" \
	'^1000 fakevmm +IA32_FEAT_CTL 0x3a +W +[0-9.]+ +12 +0 +0 +12 \(12 err\) +0 +'
check_screen "outcomes: the latency includes the userspace round trip" \
	'^1000 fakevmm +IA32_FEAT_CTL 0x3a .* +4\.1us +<8\.2us +15\.4us +<32\.8us +32\.8us +-$'
tmx resize-window -t t -x 120 -y 40
keys k
check_screen "canonical: events, rejected, fixups" '^1000 fakevmm +0 +LSTAR 0xc0000082 +[0-9.]+ +24 +6 +3$'
keys d
check_screen "stats view: a cumulative statistic with its rate" '^1000 fakevmm +halt_exits +[0-9.]+ +75$'
check_screen "stats view: an instant one without" '^1000 fakevmm +pages_4k +- +512$'
check_screen "stats view: a vCPU's own file" '^1000 fakevmm +vcpu0/lapic_timer_advance_ns +- +1000$'
check_screen "stats view: the source is listed with its statistics" 'kvm_debugfs 3 stats'
keys q
pane_wait_exit patched >/dev/null

pane_run stock "$FAKE"
keys o
check_screen "stock kernel: the outcomes view says it needs the patches" \
	'kvm_msr_outcome is not in this kernel'
keys q
pane_wait_exit stock >/dev/null

pane_run sampled "$FAKE" --sampled
check_screen "--watch-msr: the header counts the watched changes and shows the last" \
	'^watched: [1-9][0-9]* MSR changes  last: pid 1000 vcpu 0 LSTAR 0xc0000082: 0xffffffff81000000 -> 0xffffffff82000000'
keys G
check_screen "guest MSRs: samples, changes and last value per vCPU and MSR" \
	'^1000 fakevmm +0 +FS_BASE 0xc0000100 +[0-9.]+ +90 +9 +0 +0x00007f0000003000$'
keys t
check_screen "threads: exits per FS_BASE value, the busiest first" \
	'^1000 fakevmm +FS_BASE 0xc0000100 +0x00007f0000003000 +[0-9.]+ +36$'
keys q
pane_wait_exit sampled >/dev/null

pane_run stock2 "$FAKE"
check_no_screen "without --sample-msr: no guest MSRs or threads tab" 'guest MSRs|threads'
keys q
pane_wait_exit stock2 >/dev/null

pane_run rows "$FAKE" --rows 100
keys m
check_screen "many rows: the view says which are shown" 'rows 1-[0-9]+ of 107'
keys NPage
check_screen "PgDn shows the next page" 'rows [1-9][0-9]+-[0-9]+ of 107'
keys End
check_screen "End shows the last rows" 'rows [0-9]+-107 of 107'
keys q
pane_wait_exit rows >/dev/null
check_restored rows "paging"

tap_done
