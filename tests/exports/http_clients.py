#!/usr/bin/env python3
# Clients that msrtop's HTTP endpoint must survive, on loopback only.
#
#   http_clients.py malformed PORT           broken requests, then a good one
#   http_clients.py silent PORT N SECONDS    N connections that send nothing or
#                                            half a request, held SECONDS, while
#                                            normal scrapes must stay fast
#   http_clients.py concurrent PORT N        N scrapes of /metrics at once
#
# Every socket has a 10 s timeout; counts are bounded by the arguments. Prints
# what it did ("# ..." lines are details) and exits 1 on any failure.
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def exchange(port, data, timeout=10.0):
    """Sends data on a new connection and reads until the server closes."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may close on a bad request before reading it all
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks)


def status(resp):
    parts = resp.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        return 0
    try:
        return int(parts[1])
    except ValueError:
        return 0


def scrape(port, path="/metrics"):
    t0 = time.monotonic()
    resp = exchange(port, f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
    head, _, body = resp.partition(b"\r\n\r\n")
    return status(resp), body, time.monotonic() - t0


def whole_metrics(body):
    return body.endswith(b"\n") and b"\nmsrtop_snapshots_total " in body


def malformed(port):
    cases = [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\n\r\n",  # no Host
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"\x01\x02\xff\xfe\xfd\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n",
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd",
        b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        # NUL bytes: libmicrohttpd may answer (it reads the URL up to the NUL),
        # or wait for the rest of the line like for a slow client and close
        # the connection at the idle timeout (10 s).
        b"GET /metrics\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x00GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    want_min = [400] * 8 + [405, 404, "any", "any"]
    bad = 0
    for data, lo in zip(cases, want_min):
        t0 = time.monotonic()
        try:
            code = status(exchange(port, data, timeout=15))
        except OSError as e:
            print(f"# {e} after {time.monotonic() - t0:.2f}s")
            code = -1
        dt = time.monotonic() - t0
        if lo == "any":
            ok = code >= 0 and dt < 13
        else:
            ok = (code == 0 or code >= 400) if lo == 400 else code == lo
            ok = ok and dt < 5
        print(f"# {'ok' if ok else 'BAD'}: {data[:40]!r}... -> {code or 'closed'} in {dt:.2f}s")
        bad += not ok
        code, body, dt = scrape(port)
        if code != 200 or not whole_metrics(body):
            print(f"# BAD: a scrape after it got {code}")
            bad += 1
    return 1 if bad else 0


def silent(port, n, seconds):
    conns = []
    for i in range(n):
        s = socket.create_connection((HOST, port), timeout=10)
        if i % 2:
            s.sendall(b"GET /metr")  # half a request line, never finished
        conns.append(s)
    bad = 0
    end = time.monotonic() + seconds
    scrapes = 0
    while time.monotonic() < end and scrapes < 100:
        code, body, dt = scrape(port)
        scrapes += 1
        if code != 200 or not whole_metrics(body) or dt > 2:
            print(f"# BAD: scrape {scrapes} with {n} idle connections: {code} in {dt:.2f}s")
            bad += 1
        time.sleep(0.2)
    for s in conns:
        s.close()
    print(f"# {scrapes} scrapes while {n} connections stayed silent for {seconds}s")
    return 1 if bad or not scrapes else 0


def concurrent(port, n):
    barrier = threading.Barrier(n)
    results = [None] * n

    def one(i):
        try:
            barrier.wait(timeout=30)
            results[i] = scrape(port)
        except Exception as e:  # reported below
            results[i] = (0, repr(e).encode(), 0)

    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ok = sum(1 for r in results if r and r[0] == 200 and whole_metrics(r[1]))
    print(f"# {ok} of {n} concurrent scrapes complete in {time.monotonic() - t0:.2f}s")
    for r in results:
        if not r or r[0] != 200:
            print(f"# failed: {r[0] if r else 'no result'} {r[1][:100] if r else b''!r}")
            break
    return 0 if ok == n else 1


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "malformed":
        return malformed(port)
    if mode == "silent":
        return silent(port, int(sys.argv[3]), float(sys.argv[4]))
    if mode == "concurrent":
        return concurrent(port, int(sys.argv[3]))
    print(f"unknown mode {mode}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
