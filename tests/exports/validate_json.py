#!/usr/bin/env python3
# Validates msrtop JSON documents against docs/msrtop.schema.json.
#
#   validate_json.py SCHEMA FILE...
#
# Each FILE holds one document or JSON lines (one document per line). Prints
# one line per file ("FILE: N documents valid", or the first error with its
# path in the document) and exits 1 if any document is invalid, a file is
# empty, or the schema itself is not a valid draft 2020-12 schema.
import json
import sys

import jsonschema


def first_error(validator, doc):
    err = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if err is None:
        return None
    # Under oneOf/anyOf, the deepest error says what is wrong.
    while err.context:
        err = jsonschema.exceptions.best_match(err.context)
    return "/" + "/".join(map(str, err.absolute_path)) + ": " + err.message[:300]


def main():
    if len(sys.argv) < 3:
        print("usage: validate_json.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    status = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
        if not lines:
            print(f"{path}: no document")
            status = 1
            continue
        for i, line in enumerate(lines, 1):
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"{path}:{i}: not JSON: {e}")
                status = 1
                break
            err = first_error(validator, doc)
            if err:
                print(f"{path}:{i}: {err}")
                status = 1
                break
        else:
            print(f"{path}: {len(lines)} documents valid")
    return status


if __name__ == "__main__":
    sys.exit(main())
