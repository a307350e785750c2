#!/usr/bin/env python3
# suite-timeout: 600
# Suite: generated command lines for the real msrtop and msrload. A small
# grammar makes each one from the programs' own option tables (read from
# userspace/msrtop.c and userspace/msrload/main.c): whole names, prefixes
# (ambiguous ones too), --opt=value, short clusters, values good and bad
# for each option (numbers out of range, in hex, exponent or with white
# space, huge ones, MSR and reason names, listen addresses, paths), control
# bytes, C1 controls and invalid UTF-8, repeated options, operands, "--".
#
# Each runs as nobody without capabilities (setpriv), in a private network
# namespace and a working directory nobody may enter, so that a command
# line the parser accepts fails fast at the privilege check (msrtop) or at
# /dev/kvm (msrload) and binds or writes nothing. For every one:
#   - the exit status is 0, 1 or 2, and no signal ended it;
#   - it ended (a hang is a failure after HANG seconds: not a time limit,
#     the run takes milliseconds);
#   - status 0: stdout is exactly the program's --help (or --version) text,
#     stderr empty;
#   - status 1 or 2: stderr is exactly one line "PROG: ...", with no control
#     byte, C1 control or invalid UTF-8 in it; stdout empty, except
#     msrtop's --json error document (status 1), which must be one.
# Also: the generator reached all three statuses for each program.
#
# FUZZ_SCALE multiplies the number of command lines (make fuzz: 50),
# FUZZ_SEED picks another sequence. A failure prints the command line as a
# Python list, to run again. Needs root (to become nobody); prints TAP.
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import done, skip, tap  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
SEED = int(os.environ.get("FUZZ_SEED", "1"))
PER_PROGRAM = 400 * SCALE
HANG = 60.0
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]



def options(source):
    """The option table of a program: [(long, short or None, takes_value)]."""
    text = open(os.path.join(TOP, source)).read()
    found = re.findall(r'\{\s*"([a-z-]+)",\s*(\'.\'|0),\s*([A-Z_ |0]+),\s*\w+\s*\}', text)
    return [(name, short[1] if short != "0" else None, "CMDLINE_ARG" in flags)
            for name, short, flags in found]


SECONDS = ["1", "0.5", "0.1", "3600", "0", "-1", "1e3", "0x10", " 1", "1 ", "nan", "inf",
           ".5", "5.", "1..2", "0.0000001", "3600.0001", "1000000000", "99999999999999999999"]
INTEGERS = ["1", "0", "-1", "+1", "01", "0x10", "0x", "0X1f", "4294967295", "4294967296",
            "18446744073709551615", "18446744073709551616", "1 ", "65536", "64", "65"]
VALUES = {
    "interval": SECONDS, "duration": SECONDS, "rate": SECONDS,
    "pid": INTEGERS, "vcpu": INTEGERS, "max-rows": INTEGERS, "vcpus": INTEGERS,
    "reps": INTEGERS, "hlt": INTEGERS, "wbinvd": INTEGERS,
    "msr": ["EFER", "efer", "IA32_APICBASE", "0xc0000080", "0x1b", "0x1bz", "0x100000000",
            "IA32_PAT", "NOT_AN_MSR"],
    "reason": ["MSR_WRITE", "msr", "npf", "0x7c", "124", "BOGUS", "-1", "MSR_READ"],
    "sources": ["kvm_msr", "kvm_exit,kvm_entry", "kvm_entry", ",", "all", "kvm_bogus",
                "kvm_msr,", "kvm_exit,kvm_msr,kvm_userspace_exit", "all,kvm_msr"],
    "listen": ["9100", "127.0.0.1:9100", "[::1]:9100", "0.0.0.0:0", ":0", "localhost:1",
               "[::1", "1.2.3", "65536", "host:x", "::1:9100", "127.0.0.1:", "[::1]:"],
    "output": [".", "/", "/dev/null", "out.json", "sub/out.json", "/nonexistent/dir/x.json",
               "/proc/self/fd/1", "/sys/kernel", "x" * 5000],
    "wrmsr": ["0x277:0x0007040600070406:100", "0x277:0:2:fep", "0x277:", "0xdead:1:10",
              "1:2:3:4:5", "0x3b:0:1", ":::", "0x277:0:99999999999999999999", "0x277:0:0"],
    "rdmsr": ["0x1b", "0x1b:10", "0x1b:10:fep", "0x1b:10:pef", "0x1b:-1", "zz"],
    "cpuid": ["0", "0:10", "0x80000000:1", "0:", "x"],
    "outb": ["0x80", "0x80:10", "0x80:10:255", "0x80:10:256", "0x10000", "0xf4:1:1"],
    "inb": ["0x80", "0x80:10", "0x80:0", "0x10000"],
    "deny": ["0x3b", "0x3b:w", "0x3b:w:gp", "0x3b:rw:ok:5", "0x3b:x", "0x3b:r:ok:0x" + "f" * 20,
             "0x3b:w:maybe"],
}
ODD = ["", "-", "--", "-x", "--x", "foo", "é", "\x1b[31mred", "a\nb", "\t1", "\x7f",
       "\xc2\x9b", "\udcff", "\udcc3\udca9", "1\r", "%s%n", "'", "\\", "=" * 3]


def odd_text(rng):
    """A string with what a terminal or a parser could trip on."""
    pick = rng.random()
    if pick < 0.3:
        return rng.choice(ODD)
    if pick < 0.5:
        return "".join(chr(rng.randrange(1, 0x80)) for _ in range(rng.randrange(1, 12)))
    if pick < 0.65:  # raw bytes, as the surrogates os.fsencode() turns into bytes
        return "".join(chr(0xdc00 + rng.randrange(0x80, 0x100)) if rng.random() < 0.5
                       else chr(rng.randrange(0x20, 0x7f)) for _ in range(rng.randrange(1, 8)))
    if pick < 0.75:
        return rng.choice(["9", "x", "\x01", "é"]) * rng.choice([100, 4096, 60000])
    return chr(rng.randrange(1, 0x20)) + rng.choice(ODD)


def value(rng, name):
    v = rng.choice(VALUES.get(name, ["1"])) if rng.random() < 0.75 else odd_text(rng)
    r = rng.random()
    if r < 0.08:
        v = " " + v
    elif r < 0.16:
        v = v + rng.choice([" ", "\n", "\x1b", "\x01"])
    elif r < 0.22 and v:
        v = v[: rng.randrange(len(v))]
    return v


def words_for(rng, opts, opt):
    name, short, takes = opt
    form = rng.random()
    if form < 0.35:
        spelled = "--" + name
    elif form < 0.55:
        spelled = "--" + name[: rng.randrange(1, len(name) + 1)]
    elif form < 0.75 and short:
        # a cluster: some flags first, then this one
        flags = [s for (_, s, t) in opts if s and not t]
        spelled = "-" + "".join(rng.choice(flags) for _ in range(rng.randrange(0, 3))) + short \
            if flags else "-" + short
    elif form < 0.82:
        spelled = rng.choice(["---", "--", "-"]) + rng.choice([name.upper(), name + "x",
                                                                name + "-", name[::-1]])
    else:
        spelled = "--" + name
    if not takes:
        if rng.random() < 0.1:
            return [spelled + "=" + value(rng, name)]
        return [spelled]
    v = value(rng, name)
    r = rng.random()
    if r < 0.25 and spelled.startswith("--"):
        return [spelled + "=" + v]
    if r < 0.35 and not spelled.startswith("--"):
        return [spelled + v]
    if r < 0.40:
        return [spelled]  # the value is missing, or the next option is taken as it
    return [spelled, v]


def command_line(rng, opts):
    """A list of words, each a str (surrogates stand for raw bytes)."""
    stops = [o for o in opts if o[0] in ("help", "version")]
    usual = [o for o in opts if o not in stops]
    words = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 8])):
        r = rng.random()
        if r < 0.8:
            opt = rng.choice(usual)
            words += words_for(rng, opts, opt)
            if rng.random() < 0.1:  # the same again
                words += words_for(rng, opts, opt)
        elif r < 0.83:
            words += words_for(rng, opts, rng.choice(stops))
        else:
            words.append(odd_text(rng))
    return words


def escaped_ok(line):
    """Whether a message line holds nothing a terminal could act on."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in text)


def check(prog, words, res, help_text, version_text):
    """None if the run kept every promise, else what it broke."""
    if res is None:
        return "did not end (hung)"
    if res.returncode < 0:
        return f"killed by signal {-res.returncode}"
    if res.returncode not in (0, 1, 2):
        return f"exit status {res.returncode}"
    out, err = res.stdout, res.stderr
    if res.returncode == 0:
        if err:
            return f"status 0 with stderr {err[:200]!r}"
        if out not in (help_text, version_text):
            return f"status 0, and stdout is not the --help text: {out[:200]!r}"
        return None
    if not err.endswith(b"\n") or err.count(b"\n") != 1:
        return f"status {res.returncode}, stderr not one line: {err[:300]!r}"
    if not err.startswith(prog.encode() + b": "):
        return f"stderr does not start with '{prog}: ': {err[:200]!r}"
    if not escaped_ok(err[:-1]):
        return f"stderr holds an unescaped control byte or invalid UTF-8: {err[:300]!r}"
    if out:
        if prog != "msrtop" or res.returncode != 1:
            return f"status {res.returncode} with stdout {out[:200]!r}"
        try:
            doc = json.loads(out)
            ok = doc["version"] == 1 and isinstance(doc["error"]["message"], str) and \
                out.count(b"\n") == 1
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            return f"stdout is not one JSON error document: {out[:200]!r}"
    return None


def show(words):
    """The command line as a Python list; a long word shortened to its start and length."""
    return "[" + ", ".join(repr(w) if len(w) <= 80 else f"{w[:20]!r} + ... ({len(w)} chars)"
                           for w in words) + "]"


def run(argv, cwd):
    try:
        return subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=HANG)
    except subprocess.TimeoutExpired:
        return None


def fuzz(prog, source, rng, cwd):
    binary = os.path.join(BUILD, prog if prog == "msrtop" else "msrload")
    opts = options(source)
    if len(opts) < 5:
        tap(False, f"{prog}: option table read from {source}", f"found {opts}")
        return
    help_text = run(NOBODY + [binary, "--help"], cwd).stdout
    version_text = run(NOBODY + [binary, "--version"], cwd).stdout if \
        any(o[0] == "version" for o in opts) else help_text
    statuses = {0: 0, 1: 0, 2: 0}
    broken = []
    for _ in range(PER_PROGRAM):
        words = command_line(rng, opts)
        res = run(NOBODY + [binary] + [os.fsencode(w) for w in words], cwd)
        why = check(prog, words, res, help_text, version_text)
        if why:
            broken.append(f"{why}\n  command line: {show([binary] + words)}")
        elif res is not None:
            statuses[res.returncode] += 1
    name = f"{prog}: {PER_PROGRAM} generated command lines (seed {SEED}) as nobody"
    tap(not broken, f"{name}: status 0/1/2, one escaped stderr line, stdout only for --help",
        f"{len(broken)} broke a promise; the first ones:\n" + "\n".join(broken[:5]))
    tap(all(statuses.values()),
        f"{prog}: the generator reached every status (0: {statuses[0]}, 1: {statuses[1]}, "
        f"2: {statuses[2]})", "a status never seen: the generator is too narrow")


def main():
    if os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("unshare"):
        for prog in ("msrtop", "msrload"):
            skip(f"{prog}: generated command lines", "needs root, setpriv and unshare to run "
                 "them as nobody in a private network namespace")
            skip(f"{prog}: the generator reached every status", "as above")
        return done()
    if os.environ.get("CMDLINE_EXEC_NETNS") != "1":
        # Again, in a network namespace of its own: nothing binds on the host.
        env = dict(os.environ, CMDLINE_EXEC_NETNS="1")
        return subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__)],
                              env=env).returncode
    rng = random.Random(SEED)
    cwd = tempfile.mkdtemp()  # mode 0700, root's: nobody can neither read nor write here
    try:
        fuzz("msrtop", "userspace/msrtop.c", rng, cwd)
        fuzz("msrload", "userspace/msrload/main.c", rng, cwd)
    finally:
        shutil.rmtree(cwd)
    return done()


if __name__ == "__main__":
    sys.exit(main())
