#!/usr/bin/env bash
# Suite: docs/alerts.yml, the Prometheus recording and alerting rules:
# promtool check rules accepts them, and promtool test rules runs
# tests/exports/alerts.test.yml (series in, the alerts that must and must not
# fire out). That their metric names are the ones msrtop serves is checked
# against a real /metrics in tests/exports/host.sh.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"

if ! command -v promtool >/dev/null; then
	tap_fail "promtool is installed" "run 'make deps' (Debian's prometheus package)"
	tap_done
fi
tap_cmd "promtool check rules docs/alerts.yml" promtool check rules "$top/docs/alerts.yml"
tap_cmd "promtool test rules tests/exports/alerts.test.yml" \
	promtool test rules "$top/tests/exports/alerts.test.yml"
tap_done
