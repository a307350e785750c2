#!/usr/bin/env python3
# Reads and parses a file that msrtop --output keeps rewriting, over and over.
#
#   read_loop.py FILE READS SECONDS
#
# Opens FILE and parses it as JSON, at least READS times and for at least
# SECONDS (and stops at 4 * SECONDS + 60 s whatever the count).
# Prints "reads=N invalid=K missing=M seqs=S" (S: distinct "seq" values seen,
# i.e. how many rewrites the reads spanned) and exits 1 if any read was not a
# whole JSON document, or FILE was ever missing.
import json
import sys
import time


def main():
    path, reads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    invalid = missing = n = 0
    seqs = set()
    first_bad = None
    t0 = time.monotonic()
    while True:
        elapsed = time.monotonic() - t0
        if (n >= reads and elapsed >= seconds) or elapsed >= 4 * seconds + 60:
            break
        n += 1
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            missing += 1
            continue
        try:
            doc = json.loads(data)
            seqs.add(doc["seq"])
        except (ValueError, KeyError, TypeError) as e:
            invalid += 1
            if first_bad is None:
                first_bad = f"{e}: {data[:80]!r}...{data[-80:]!r} ({len(data)} bytes)"
    print(f"reads={n} invalid={invalid} missing={missing} seqs={len(seqs)} "
          f"seconds={time.monotonic() - t0:.1f}")
    if first_bad:
        print(f"first invalid read: {first_bad}")
    return 1 if invalid or missing else 0


if __name__ == "__main__":
    sys.exit(main())
