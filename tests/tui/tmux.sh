# Sourced by the live view's tests: run a program in a tmux pane of a fixed
# size, send keys, read the screen, and check that the terminal was restored.
#
#   tmux_start DIR COLS ROWS    a private tmux server (socket in DIR) with a shell
#   tmux_stop
#   pane_run NAME CMD...        runs CMD in the pane (after clearing it); DIR/NAME.pid,
#                               .rc, .stty0, .stty1 record its pid, exit status, and
#                               the terminal modes before and after
#   pane_wait_exit NAME [SEC]   waits for CMD to end; prints its exit status
#   screen                      the visible screen, as text
#   keys KEY...                 tmux send-keys (literal text, or Enter, Escape, NPage...)
#   wait_screen ERE [SEC]       waits until a line of the screen matches ERE
#   pane_state                  "alternate_on cursor_visible keypad keypad_cursor"
#   check_restored NAME LABEL   TAP checks (named LABEL) that after CMD NAME the
#                               screen is the normal one, the cursor shown, the
#                               keypad off and the terminal modes as before
_tmux_dir=
tmx() {
	tmux -S "$_tmux_dir/tmux.sock" -f /dev/null "$@"
}

tmux_start() {
	_tmux_dir=$1
	cat >"$_tmux_dir/wrap.sh" <<'EOF'
d=$1 name=$2
shift 2
# ^C goes to the whole foreground group: this shell must live on to record the
# status (a trap, unlike an ignored signal, is not inherited by CMD).
trap : INT
stty -g >"$d/$name.stty0"
sh -c 'echo $$ >"$0"; exec "$@"' "$d/$name.pid" "$@"
rc=$?
stty -g >"$d/$name.stty1"
echo "$rc" >"$d/$name.rc"
EOF
	tmx new-session -d -s t -x "$2" -y "$3" "env PS1='tui-test\$ ' sh" || return 1
	tmx set-option -g remain-on-exit on >/dev/null
	wait_screen 'tui-test\$' 10
}

tmux_stop() {
	tmx kill-server 2>/dev/null
}

screen() {
	tmx capture-pane -p -t t
}

keys() {
	tmx send-keys -t t "$@"
}

wait_screen() { # by the clock: under emulation a capture alone can take a second
	local ere=$1 end=$((SECONDS + ${2:-10}))
	while :; do
		screen | grep -qE -- "$ere" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

pane_run() {
	local name=$1
	shift
	rm -f "$_tmux_dir/$name".*
	keys "clear" Enter
	sleep 0.3
	keys -l "sh $_tmux_dir/wrap.sh $_tmux_dir $name $*"
	keys Enter
	local t=50
	while [ ! -s "$_tmux_dir/$name.pid" ] && [ $t -gt 0 ]; do
		sleep 0.1
		t=$((t - 1))
	done
}

pane_pid() {
	cat "$_tmux_dir/$1.pid" 2>/dev/null
}

pane_wait_exit() {
	local t=$((${2:-15} * 10))
	while [ ! -s "$_tmux_dir/$1.rc" ] && [ $t -gt 0 ]; do
		sleep 0.1
		t=$((t - 1))
	done
	cat "$_tmux_dir/$1.rc" 2>/dev/null || echo timeout
}

pane_state() {
	tmx display-message -p -t t '#{alternate_on} #{cursor_flag} #{keypad_flag} #{keypad_cursor_flag}'
}

check_restored() {
	local name=$1 label=$2
	tap_eq "$label: normal screen, cursor visible, keypad off" "0 1 0 0" "$(pane_state)"
	if [ -s "$_tmux_dir/$name.stty0" ] && cmp -s "$_tmux_dir/$name.stty0" "$_tmux_dir/$name.stty1"; then
		tap_ok "$label: terminal modes (stty) as before"
	else
		tap_fail "$label: terminal modes (stty) as before" \
			"before '$(cat "$_tmux_dir/$name.stty0" 2>/dev/null)' after '$(cat "$_tmux_dir/$name.stty1" 2>/dev/null)'"
	fi
	if wait_screen 'tui-test\$' 5; then
		tap_ok "$label: the shell prompt is back"
	else
		tap_fail "$label: the shell prompt is back"
		screen | sed 's/^/#   /'
	fi
}

# check_screen NAME ERE [SEC]: TAP check that the screen shows ERE; dumps it if not.
check_screen() {
	if wait_screen "$2" "${3:-10}"; then
		tap_ok "$1"
	else
		tap_fail "$1" "no line matches: $2"
		screen | sed 's/^/#   /'
		return 1
	fi
}

# check_no_screen NAME ERE: the screen shows no line matching ERE (now).
check_no_screen() {
	if screen | grep -qE -- "$2"; then
		tap_fail "$1" "a line matches: $2"
		screen | sed 's/^/#   /'
	else
		tap_ok "$1"
	fi
}
