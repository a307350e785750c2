#!/usr/bin/env python3
# suite-timeout: 300
# Suite: the HTTP endpoint (userspace/http.c) against hostile clients, on
# loopback, through tests/unit/http_serve.c (http.c alone on a free port):
#
#   1. 140 clients dribbling a request a byte at a time, 256 (2x the
#      connection limit) that send one byte and then nothing, 128 that send
#      nothing, every one reconnecting as soon as it is closed, while a
#      scraper asks for /metrics 40 times one after the other: every one of
#      the 40 must be answered 200 with the whole body.
#   2. A dribbling request is ended with 408 before it is complete.
#   3. 128 connections answered /metrics and reading nothing hold every slot:
#      new connections are refused at once (a 503 or the connection closed,
#      not left waiting), and the 128 are still open afterwards.
#   4. 112 connections answered /stats.json and reading nothing hold every
#      slot but the scrapes' reserve: the next /stats.json gets 503, /metrics
#      still 200.
#
# Counts, not times: a socket waits up to 60 s only so that a hang is a
# failure instead of a stuck suite. One ratio, first: the CPU time an idle
# server uses over 2 s, which must be a small part of them (a spinning
# thread takes all). Prints TAP.
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import done, tap  # noqa: E402

HOST = "127.0.0.1"
LIMIT = 128     # HTTP_MAX_CONNECTIONS
RESERVE = 16    # HTTP_SCRAPE_RESERVE
HANG = 60.0     # seconds after which a socket is taken as hung
REQ = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"



class Server:
    def __init__(self, binary, rows):
        self.p = subprocess.Popen([binary, str(rows)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            raise SystemExit(f"http_serve did not start: {line}")
        self.port = int(line[1])

    def stats(self):
        self.p.stdin.write("stats\n")
        self.p.stdin.flush()
        return dict(kv.split("=") for kv in self.p.stdout.readline().split())

    def stop(self):
        self.p.stdin.close()
        return self.p.wait(timeout=HANG)


def read_response(s):
    """Reads until the server closes: (status, headers dict, body), status 0 if none."""
    data = b""
    s.settimeout(HANG)
    while True:
        try:
            b = s.recv(1 << 20)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not b:
            break
        data += b
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, {}, body
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def get(port, path):
    s = socket.create_connection((HOST, port), timeout=HANG)
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
    except OSError:
        pass
    r = read_response(s)
    s.close()
    return r


def whole(status, headers, body):
    return status == 200 and int(headers.get(b"content-length", b"-1")) == len(body)


class Hostile(threading.Thread):
    """Dribblers, clients that send one byte, silent ones; each reconnects when closed."""

    def __init__(self, port, dribblers, half, silent):
        super().__init__(daemon=True)
        self.port = port
        self.want = {"dribble": dribblers, "half": half, "silent": silent}
        self.stop_flag = False
        self.connects = 0
        self.closed_by_server = 0

    def open_one(self, sel, kind):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((HOST, self.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        self.connects += 1
        if kind == "half":  # one byte, so that the kernel hands it over, then nothing
            try:
                s.send(b"G")
            except OSError:
                pass
        sel.register(s, selectors.EVENT_READ, [kind, 0])

    def run(self):
        sel = selectors.DefaultSelector()
        for kind, k in self.want.items():
            for _ in range(k):
                self.open_one(sel, kind)
        last_drip = 0.0
        while not self.stop_flag:
            for key, _ in sel.select(timeout=0.05):
                try:
                    b = key.fileobj.recv(4096)
                except OSError:
                    b = b""
                if not b:  # closed by the server: come back at once
                    kind = key.data[0]
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    self.closed_by_server += 1
                    self.open_one(sel, kind)
            now = time.monotonic()
            if now - last_drip >= 0.2:
                last_drip = now
                for key in list(sel.get_map().values()):
                    if key.data[0] != "dribble":
                        continue
                    pos = key.data[1]
                    try:
                        key.fileobj.send(REQ[pos % (len(REQ) - 4):][:1])  # never completes
                        key.data[1] = pos + 1
                    except OSError:
                        pass
        for key in list(sel.get_map().values()):
            key.fileobj.close()


def holders(port, path, count):
    """count connections that send a request for path and read nothing (tiny buffer)."""
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(HANG)
        s.connect((HOST, port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        socks.append(s)
    return socks


def wait_for(srv, cond):
    """Polls the server's counters until cond(stats) (a hang fails after HANG s)."""
    end = time.monotonic() + HANG
    while time.monotonic() < end:
        st = srv.stats()
        if cond(st):
            return st
        time.sleep(0.05)
    return srv.stats()


def main():
    top = os.path.dirname(os.path.abspath(__file__)) + "/../.."
    binary = os.path.join(top, os.environ.get("BUILD", "build"), "tests/exports/http_serve")
    if not os.access(binary, os.X_OK):
        print(f"1..1\nnot ok 1 - {binary} is built\n#   run make first")
        return 1
    srv = Server(binary, 5000)

    # 0. Idle, the server sleeps: its watchdog waits HTTP_WATCHDOG_MS between
    # rounds. The kernel's account of the CPU time it used over 2 s must be
    # a small part of it (a thread spinning takes a whole CPU: the watchdog
    # did, its deadlines being taken on the wrong clock).
    def cpu_s(pid):
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    before, t0 = cpu_s(srv.p.pid), time.monotonic()
    time.sleep(2)
    used, spent = cpu_s(srv.p.pid) - before, time.monotonic() - t0
    tap(used < spent / 10, f"an idle server sleeps: {used:.2f} s of CPU in {spent:.1f} s",
        "a thread of it is spinning")

    # 1. Dribblers and silent clients at 3x the limit; a scraper.
    hostile = Hostile(srv.port, 140, 2 * LIMIT, LIMIT)
    hostile.start()
    wait_for(srv, lambda st: int(st["accepted"]) >= LIMIT + 100)
    answered, bad = 0, []
    for _ in range(40):
        r = get(srv.port, "/metrics")
        if whole(*r):
            answered += 1
        else:
            bad.append(r[0])
    hostile.stop_flag = True
    hostile.join()
    st = srv.stats()
    tap(answered == 40, f"a scraper got {answered} of 40 /metrics answered whole among 140 "
        f"dribbling, {2 * LIMIT} half-request and {LIMIT} silent clients",
        f"statuses of the others: {bad}; {st}")
    print(f"# hostile clients: {hostile.connects} connections, {hostile.closed_by_server} closed "
          f"by the server; server: {st}")
    tap(int(st["evicted"]) > 0, "past the limit, incomplete requests made room for new ones",
        str(st))

    # 2. One dribbler alone: ended with 408 before its request is complete.
    st0 = wait_for(srv, lambda st: st["open"] == "0")
    s = socket.create_connection((HOST, srv.port), timeout=HANG)
    sent, status = 0, 0
    s.settimeout(0.5)
    data = b""
    while sent < len(REQ) * 50:
        try:
            b = s.recv(4096)
            if not b:
                break
            data += b
        except socket.timeout:
            pass
        except OSError:
            break
        try:
            s.send(b"GET /metrics HTTP/1.1\r\nX-Dribble: "[sent:sent + 1] or b"a")
        except OSError:
            break
        sent += 1
    s.close()
    tap(data.startswith(b"HTTP/1.1 408"), f"a request dribbled a byte every 0.5 s is ended with "
        f"408 after {sent} bytes", repr(data[:80]))
    st = srv.stats()
    tap(int(st["timed_out"]) > int(st0["timed_out"]), "counted as timed out", str(st))

    # 3. Every slot held by /metrics answers nobody reads: refused at once.
    wait_for(srv, lambda st: st["open"] == "0")
    held = holders(srv.port, "/metrics", LIMIT)
    st = wait_for(srv, lambda st: int(st["scrapes"]) >= int(st0["scrapes"]) + LIMIT)
    refused = 0
    for _ in range(10):
        c = socket.create_connection((HOST, srv.port), timeout=HANG)
        try:
            c.sendall(REQ)
        except OSError:
            pass
        status, _, _ = read_response(c)
        c.close()
        refused += status in (0, 503)
    st = srv.stats()
    tap(refused == 10 and int(st["refused"]) >= 10,
        f"with {LIMIT} answers held, {refused} of 10 new connections refused at once", str(st))
    tap(int(st["open"]) >= LIMIT, f"the {LIMIT} held connections are still open ({st['open']})",
        str(st))
    for h in held:
        h.close()

    # 4. /stats.json may hold every slot but the scrapes' reserve.
    wait_for(srv, lambda st: st["open"] == "0")
    held = holders(srv.port, "/stats.json", LIMIT - RESERVE)
    wait_for(srv, lambda st: int(st["open"]) >= LIMIT - RESERVE)
    busy = get(srv.port, "/stats.json")
    scrape = get(srv.port, "/metrics")
    tap(busy[0] == 503 and busy[1].get(b"retry-after") == b"1",
        f"with {LIMIT - RESERVE} /stats.json answers held, another gets 503 Retry-After: 1",
        f"status {busy[0]}")
    tap(whole(*scrape), "and /metrics is still answered whole from the reserve",
        f"status {scrape[0]}")
    for h in held:
        h.close()

    rc = srv.stop()
    tap(rc == 0, "the server stops cleanly", f"exit status {rc}")
    return done()


if __name__ == "__main__":
    sys.exit(main())
