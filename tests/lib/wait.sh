# Waiting on files a background process writes (sourced by the e2e suites).

# wait_lines FILE N SECONDS: until FILE has at least N lines.
wait_lines() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
