#!/usr/bin/env bash
# docs/msrtop.schema.json describes what msrtop --json writes: the documents
# of a synthetic snapshot (every table filled, nulls, an error document) and,
# where msrtop can run (root, KVM tracepoints), a live one.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

build=${BUILD:-build}
schema=docs/msrtop.schema.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# validate NAME FILE: every line of FILE is valid against the schema.
validate() {
	local out
	if out=$(python3 - "$schema" "$2" 2>&1 <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
n = 0
for i, line in enumerate(open(sys.argv[2]), 1):
    doc = json.loads(line)
    e = jsonschema.exceptions.best_match(v.iter_errors(doc))
    if e is not None:
        # Inside oneOf, the deepest error says what is wrong.
        while e.context:
            e = jsonschema.exceptions.best_match(e.context)
        print(f"line {i}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
        sys.exit(1)
    n += 1
if n == 0:
    print("no documents")
    sys.exit(1)
PY
	); then
		tap_ok "$1"
	else
		tap_fail "$1" "not valid against $schema"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	tap_skip "schema checks" "python3-jsonschema is not installed (make deps)"
	tap_done
fi

if python3 -c "import json; json.load(open('$schema'))" 2>"$tmp/err"; then
	tap_ok "the schema is JSON"
else
	tap_fail "the schema is JSON" "$(cat "$tmp/err")"
fi

"$build/tests/msrtop/test_json_out" --dump >"$tmp/dump.jsonl"
validate "synthetic documents (all tables, filter, empty, error) match the schema" "$tmp/dump.jsonl"

# A document must not pass with a field missing or misspelt.
python3 - "$tmp/dump.jsonl" >"$tmp/bad.jsonl" <<'PY'
import json, sys
doc = json.loads(open(sys.argv[1]).readline())
doc["msrs"][0]["acess"] = doc["msrs"][0].pop("access")
print(json.dumps(doc))
PY
if python3 - "$schema" "$tmp/bad.jsonl" <<'PY' 2>/dev/null; then
import json, sys, jsonschema
jsonschema.validate(json.loads(open(sys.argv[2]).readline()), json.load(open(sys.argv[1])),
		    cls=jsonschema.Draft202012Validator)
PY
	tap_fail "the schema rejects a misspelt field"
else
	tap_ok "the schema rejects a misspelt field"
fi

if [ "$(id -u)" != 0 ]; then
	tap_skip "live msrtop --json matches the schema" "needs root to load BPF programs"
elif ! "$build/msrtop" --once --interval 0.2 --json >"$tmp/live.jsonl" 2>"$tmp/live.err"; then
	if grep -q "no KVM tracepoints" "$tmp/live.err"; then
		tap_skip "live msrtop --json matches the schema" "this kernel has no KVM tracepoints"
	else
		tap_fail "live msrtop --json matches the schema" "msrtop failed: $(cat "$tmp/live.err")"
	fi
else
	validate "live msrtop --json matches the schema" "$tmp/live.jsonl"
fi
tap_done
