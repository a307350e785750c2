#!/usr/bin/env python3
# suite-timeout: 600
# Suite: generated HTTP requests to http.c over a socket, through
# tests/unit/http_serve.c (http.c alone on a free loopback port), built as
# build/fuzz/http_serve with http.c under the address and undefined-behaviour
# sanitizers: a memory error kills the server, and the suite fails. A small
# grammar makes each request: methods (good, lower-case, unknown, empty,
# with NULs), request targets (origin-form and absolute-form, percent
# escapes valid, invalid and %00, raw NULs, controls, non-ASCII bytes,
# '#', queries, lines of 8 KiB to 100 KiB), versions, line ends (CRLF, LF,
# CR, none), headers (Host missing or twice, no colon, NULs, folded lines,
# huge values, Content-Length and Transfer-Encoding that lie), bodies and
# pipelined requests. Each goes on a connection of its own (PARALLEL at
# once); after a malformed one the client shuts its side down.
#
#   - every request gets a well-formed status line ("HTTP/1.x NNN ...\r\n")
#     or the connection closed with nothing;
#   - a well-formed GET or HEAD (one in four, printable target) gets the
#     status its target calls for by RFC 9112/3986, from a model here:
#     200 for /metrics and /stats.json (percent-encoded unreserved
#     characters decoded, in origin- or absolute-form, queries ignored),
#     404 for another path, 400 for a target that is not one;
#   - the server never crashes, every connection is closed in the end (its
#     own count of open connections goes back to 0), and a good /metrics
#     afterwards is answered 200 with the whole body.
#
# A socket waits HANG seconds only so that a hang is a failure, not a stuck
# suite. FUZZ_SCALE multiplies the number of requests (make fuzz: 50),
# FUZZ_SEED picks another sequence; a failure prints the request. No root
# needed; prints TAP.
import os
import random
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import done, tap  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
SERVE = os.path.join(BUILD, "fuzz", "http_serve")  # http.c with the sanitizers (mk/fuzz.mk)
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
SEED = int(os.environ.get("FUZZ_SEED", "1"))
REQUESTS = 400 * SCALE
HOST = "127.0.0.1"
HANG = 60.0
# Connections at once: a request that stops short waits for the server's
# 5 s request deadline (408), so they run side by side; well below the
# server's 112 for requests other than scrapes, so none is refused as busy.
PARALLEL = 96
STATUS_LINE = re.compile(rb"HTTP/1\.[01] [1-5][0-9][0-9] [\x20-\x7e]*\r\n")



# ---- the model of a request target (RFC 9112 3.2, RFC 3986 2.1-2.3) ----------------------

UNRESERVED = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
HEX = set(b"0123456789abcdefABCDEF")


def model_status(target):
    """The status a GET of target must get: 200, 404 or 400."""
    if not target or any(c <= 0x20 or c >= 0x7f or c == ord("#") for c in target):
        return 400
    low = target.lower()
    for scheme in (b"http://", b"https://"):
        if low.startswith(scheme):
            rest = target[len(scheme):]
            cut = min([i for i in (rest.find(b"/"), rest.find(b"?")) if i >= 0], default=-1)
            if cut < 0 or rest[cut:cut + 1] == b"?":
                return 404  # no path: "/"
            target = rest[cut:]
            break
    else:
        if not target.startswith(b"/"):
            return 400
    path = target.split(b"?", 1)[0]
    decoded = bytearray()
    i = 0
    while i < len(path):
        if path[i] != ord("%"):
            decoded.append(path[i])
            i += 1
            continue
        esc = path[i + 1:i + 3]
        if len(esc) != 2 or not set(esc) <= HEX or esc == b"00":
            return 400
        c = int(esc, 16)
        decoded += bytes([c]) if c in UNRESERVED else path[i:i + 3]
        i += 3
    return 200 if bytes(decoded) in (b"/metrics", b"/stats.json") else 404


# ---- the grammar ------------------------------------------------------------------------

def escape_some(rng, s):
    """s with some characters percent-encoded, in either case."""
    out = bytearray()
    for c in s:
        if rng.random() < 0.2:
            out += (b"%%%02x" if rng.random() < 0.5 else b"%%%02X") % c
        else:
            out.append(c)
    return bytes(out)


def target(rng, printable):
    path = rng.choice([b"/metrics", b"/stats.json", b"/", b"/metrics/", b"/Metrics",
                       b"/stats", b"/metrics.json", b"//metrics", b"/./metrics", b"/metric",
                       b"/favicon.ico", b"/stats.json/x", b""])
    r = rng.random()
    if r < 0.3:
        path = escape_some(rng, path)
    elif r < 0.45:
        pos = rng.randrange(len(path) + 1)
        path = path[:pos] + rng.choice([b"%", b"%0", b"%zz", b"%00", b"%2F", b"%2f", b"%7e",
                                        b"%6D", b"%25", b"%20"]) + path[pos:]
    if rng.random() < 0.25:
        path += rng.choice([b"?", b"?x=1", b"?a=%zz", b"?%00", b"?q#f", b"?/metrics"])
    if rng.random() < 0.25:
        path = rng.choice([b"http://", b"HTTP://", b"https://", b"http:/", b"ftp://"]) + \
            rng.choice([b"127.0.0.1:9100", b"h", b"", b"[::1]:1", b"h#x", b"h?", b"a@b"]) + path
    if not printable:
        r = rng.random()
        if r < 0.3:
            pos = rng.randrange(len(path) + 1)
            path = path[:pos] + bytes([rng.choice([0, 1, 9, 0x1b, 0x7f, 0x80, 0xc3, 0xff,
                                                   ord("#"), ord(" ")])]) + path[pos:]
        elif r < 0.4:
            path += b"/x" * rng.choice([4096, 50000])
        elif r < 0.5:
            path = rng.choice([b"*", b"metrics", b"", b"\x00/metrics"])
    return path


def request(rng):
    """(bytes to send, the status a correct server must answer or None, half-close)."""
    good = rng.random() < 0.25
    method = rng.choice([b"GET", b"HEAD"]) if good else \
        rng.choice([b"GET", b"GET", b"HEAD", b"POST", b"get", b"PUT", b"", b"G\x00ET", b"OPTIONS",
                    b"GET" * 2000, b"\xff"])
    tgt = target(rng, printable=good)
    if good and any(c <= 0x20 or c >= 0x7f for c in tgt):
        good = False
    version = b"HTTP/1.1" if good else \
        rng.choice([b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"http/1.1", b"HTTP/1.1x",
                    b"", b"HTTP/1.1 extra"])
    eol = b"\r\n" if good else rng.choice([b"\r\n", b"\r\n", b"\n", b"\r", b"\r\r\n"])
    sep = b" " if good else rng.choice([b" ", b" ", b"  ", b"\t", b""])
    lines = [method + sep + tgt + sep + version]
    headers = [b"Host: " + HOST.encode(), b"Connection: close"]
    if not good:
        for _ in range(rng.randrange(4)):
            headers.insert(rng.randrange(len(headers) + 1), rng.choice([
                b"Host: other", b"NoColon", b"X: a\x00b", b" folded: line", b"\tcontinued",
                b"X-Long: " + b"v" * rng.choice([100, 8192, 70000]), b"Content-Length: 10",
                b"Content-Length: -1", b"Content-Length: 99999999999999999999",
                b"Transfer-Encoding: chunked", b"Expect: 100-continue", b": empty name",
                b"X\x1b: esc", b"\xff: byte"]))
        if rng.random() < 0.2:
            headers = [h for h in headers if not h.startswith(b"Host")]
    data = eol.join(lines + headers) + eol + eol
    if not good:
        r = rng.random()
        if r < 0.15:
            data = data[:rng.randrange(len(data))]  # cut anywhere
        elif r < 0.3:
            data += rng.choice([b"0123456789", b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\n",
                                b"GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n"])
    return data, (model_status(tgt) if good else None), not good


# ---- the client -------------------------------------------------------------------------

def exchange(port, data, half_close):
    """Sends data, reads until the server closes: the bytes received, None on a hang,
    "refused" when nothing listens any more."""
    try:
        s = socket.create_connection((HOST, port), timeout=HANG)
    except OSError:
        return "refused"
    got = b""
    try:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # closed while sending: what was answered, if anything, is read below
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                break
            if not b:
                break
            got += b
    except socket.timeout:
        return None
    finally:
        s.close()
    return got


def show(data):
    return repr(data) if len(data) <= 300 else f"{data[:200]!r} ... ({len(data)} bytes)"


def main():
    if not os.access(SERVE, os.X_OK):
        tap(False, "http_serve is built", f"{SERVE} missing: make {SERVE}")
        return done()
    p = subprocess.Popen([SERVE, "50"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    first = p.stdout.readline().split()
    if len(first) != 2 or first[0] != "port":
        tap(False, "http_serve starts", f"it said {first}")
        return done()
    port = int(first[1])
    rng = random.Random(SEED)
    reqs = [request(rng) for _ in range(REQUESTS)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(lambda r: exchange(port, r[0], r[2]), reqs))
    bad_form, wrong, statuses = [], [], {}
    checked = 0
    for (data, want, half), got in zip(reqs, answers):
        if got is None:
            bad_form.append(f"no answer and not closed in {HANG:.0f} s: {show(data)}")
            continue
        if got == "refused":
            bad_form.append(f"connection refused (the server is gone?) for {show(data)}")
            continue
        if got and not STATUS_LINE.match(got):
            bad_form.append(f"not a status line: {show(got[:100])} for {show(data)}")
            continue
        status = int(got[9:12]) if got else 0
        statuses[status] = statuses.get(status, 0) + 1
        if want is not None:
            checked += 1
            if status != want:
                wrong.append(f"{status} for {show(data)}, the model says {want}")
    if p.poll() is not None:
        bad_form.insert(0, f"the server died (status {p.returncode})")
    tap(not bad_form, f"{REQUESTS} generated requests (seed {SEED}): a status line or closed, "
        f"no hang, no crash (answers: " +
        ", ".join(f"{k or 'closed'}: {v}" for k, v in sorted(statuses.items())) + ")",
        "\n".join(bad_form[:5]))
    tap(not wrong and checked > 0,
        f"the {checked} well-formed GET/HEAD among them got the model's status",
        "\n".join(wrong[:5]) if wrong else "none was generated")
    seen = {want for want in (200, 404, 400) if statuses.get(want)}
    tap(seen == {200, 404, 400}, "the generator reached 200, 404 and 400",
        f"only {sorted(seen)}")

    # Every connection over, in the server's own account.
    open_now = None
    deadline = time.monotonic() + HANG
    while p.poll() is None and time.monotonic() < deadline:
        p.stdin.write("stats\n")
        p.stdin.flush()
        stats = dict(kv.split("=") for kv in p.stdout.readline().split())
        open_now = int(stats.get("open", -1))
        if open_now == 0:
            break
        time.sleep(0.1)
    tap(open_now == 0, "every connection closed in the server's account (open=0)",
        f"open={open_now}, server status {p.poll()}")

    good = exchange(port, f"GET /metrics HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
                    .encode(), False) if p.poll() is None else None
    good = None if good == "refused" else good
    head, _, body = (good or b"").partition(b"\r\n\r\n")
    m = re.search(rb"\r\ncontent-length: *([0-9]+)", head, re.I)
    tap(bool(good) and good.startswith(b"HTTP/1.1 200 ") and m and int(m.group(1)) == len(body)
        and b"msrtop_" in body,
        "a good /metrics afterwards: 200 with the whole body", show(good or b"(nothing)"))
    p.stdin.close()
    try:
        rc = p.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = "hung"
    tap(rc == 0, "http_serve stops cleanly at the end", f"status {rc}")
    return done()


if __name__ == "__main__":
    sys.exit(main())
