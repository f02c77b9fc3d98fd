"""A soak of offpeak serve, for tests/bench/serve.sh.

  soak.py PORT PID SECONDS

For SECONDS (bounded, loopback only), mixes normal clients (keep-alive
GETs of the feeds, the page and the JSON, some with If-None-Match or
gzip), slow ones (slowloris), silent sockets and abusive requests (huge
paths and headers, bodies on every method, NUL paths, garbage, requests
cut off half-way, bare connects). Measures the resident memory of PID
after the warm-up (a quarter of the time, at most 30 s) and at the end,
once the clients are gone; then /healthz must answer within a second.
Prints the figures and "soak: ok" or "soak: FAILED: <why>".
"""
import http.client
import socket
import sys
import threading
import time

PORT, PID, SECONDS = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
WARM = min(30.0, SECONDS / 4)
end = time.time() + SECONDS
count = {"normal": 0, "abusive": 0, "slow": 0, "idle": 0, "errors": 0}
lock = threading.Lock()


def bump(k, n=1):
    with lock:
        count[k] += n


def rss_kib():
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def normal():
    paths = ["/calendar/all.ics", "/calendar/windows.ics", "/", "/api/status.json",
             "/healthz", "/calendar/systems/db-primary.ics", "/nope"]
    etag = None
    i = 0
    while time.time() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            for _ in range(50):
                p = paths[i % len(paths)]
                h = {}
                if i % 3 == 0 and etag:
                    h["If-None-Match"] = etag
                if i % 4 == 0:
                    h["Accept-Encoding"] = "gzip"
                c.request("GET", p, headers=h)
                r = c.getresponse()
                r.read()
                if p == "/calendar/all.ics" and r.getheader("ETag"):
                    etag = r.getheader("ETag")
                i += 1
                bump("normal")
            c.close()
        except OSError:
            bump("errors")


def send_raw(data, read=True):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", PORT))
        s.sendall(data)
        if read:
            while s.recv(65536):
                pass
    except OSError:
        pass
    finally:
        s.close()


def abusive():
    body = b"a" * (1024 * 1024)
    reqs = [
        (b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100000 + b"\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-a: b\r\n" * 5000 + b"\r\n", True),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body, True),
        (b"PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         + b"10000\r\n" + b"c" * 65536 + b"\r\n" + b"0\r\n\r\n", True),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", True),
        (b"GET /calendar/all.ics%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", True),
        (b"GET /\x1b[2J%0d%0aX HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", True),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, True),
        (b"GARBAGE\r\n\r\n", True),
        (b"GET /calendar/all.ics HTTP/1.1\r\nHost: x\r\n", False),
        (b"", False),
    ]
    i = 0
    while time.time() < end:
        data, read = reqs[i % len(reqs)]
        send_raw(data, read)
        bump("abusive")
        i += 1


def slow(n):
    socks = []
    last = 0.0
    while time.time() < end:
        while len(socks) < n:
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", PORT))
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                socks.append(s)
                bump("slow")
            except OSError:
                s.close()
                break
        if time.time() - last > 5:
            last = time.time()
            keep = []
            for s in socks:
                try:
                    s.send(b"X-a: b\r\n")
                    keep.append(s)
                except OSError:
                    s.close()
            socks = keep
        time.sleep(0.5)
    for s in socks:
        s.close()


def idle(n):
    socks = []
    while time.time() < end:
        keep = []
        for s in socks:
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    s.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                continue
            keep.append(s)
        socks = keep
        while len(socks) < n:
            s = socket.socket()
            try:
                s.connect(("127.0.0.1", PORT))
                socks.append(s)
                bump("idle")
            except OSError:
                s.close()
                break
        time.sleep(1)
    for s in socks:
        s.close()


threads = [threading.Thread(target=normal) for _ in range(2)]
threads += [threading.Thread(target=abusive) for _ in range(2)]
threads.append(threading.Thread(target=slow, args=(50,)))
threads.append(threading.Thread(target=idle, args=(200,)))
for t in threads:
    t.start()
time.sleep(WARM)
warm = rss_kib()
for t in threads:
    t.join()
time.sleep(3)	# connections the server still drains
last = rss_kib()
a = time.time()
problem = None
try:
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    c.request("GET", "/healthz")
    r = c.getresponse()
    r.read()
    took = time.time() - a
    if r.status != 200 or took > 1:
        problem = "/healthz answered %d after %.3f s" % (r.status, took)
except OSError as e:
    took = time.time() - a
    problem = "/healthz did not answer: %s" % e
growth = (last - warm) / warm * 100 if warm else 0
print("soak %.0f s: %d normal requests, %d abusive, %d slowloris and %d silent "
      "connections, %d client errors; RSS %d KiB after the warm-up (%.0f s), "
      "%d KiB at the end (%+.1f%%); /healthz afterwards in %.3f s"
      % (SECONDS, count["normal"], count["abusive"], count["slow"], count["idle"],
         count["errors"], warm, WARM, last, growth, took))
if problem is None and growth > 10:
    problem = "resident memory grew %.1f%%" % growth
print("soak: ok" if problem is None else "soak: FAILED: " + problem)
