# Imported by Python test suites: TAP output, as tests/lib/tap.sh for shell.
#   tap(ok, name, detail="")   one result; detail (lines) is shown on failure
#   skip(name, reason)         a skipped one
#   done()                     prints the plan; the exit status: 1 if anything failed
import sys

_n = 0
_failed = False


def tap(ok, name, detail=""):
    global _n, _failed
    _n += 1
    print(("ok" if ok else "not ok") + f" {_n} - {name}")
    if not ok:
        _failed = True
        for line in str(detail).splitlines():
            print(f"#   {line}")
    sys.stdout.flush()


def skip(name, reason):
    global _n
    _n += 1
    print(f"ok {_n} - {name} # SKIP {reason}")
    sys.stdout.flush()


def done():
    print(f"1..{_n}")
    sys.stdout.flush()
    return 1 if _failed else 0
