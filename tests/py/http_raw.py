"""Raw-socket clients for the serve limit tests (tests/e2e/0052-serve-limits.sh).

  http_raw.py PORT KIND [ARGS]

Prints one line per run, which the test compares:
  long-path, big-header, many-headers, post-10mb, put-chunked, get-body,
  raw-control, esc-path    "<status> clean", or "<status> reset", "reset"
  per-ip                   "8 kept, 9th closed, probe 200" when the limit holds
  slowloris N SECONDS      "probes K answered, F failed, max S s, slow left L"
  idle N SECONDS           "probes K answered, F failed, max S s, idle left L"
  keepalive-idle           "200, then closed after idle"
"""
import http.client
import socket
import sys
import time

PORT = int(sys.argv[1])
KIND = sys.argv[2]
ARGS = sys.argv[3:]
HOST = "127.0.0.1"


def connect(src=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(10)
    s.connect((HOST, PORT))
    return s


def exchange(data):
    """Send data, read to the end: '<status> clean' or '... reset'."""
    s = connect()
    got = b""
    reset = False
    try:
        s.sendall(data)
    except (ConnectionResetError, BrokenPipeError):
        reset = True
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except ConnectionResetError:
        reset = True
    except socket.timeout:
        return "timeout"
    s.close()
    line = got.split(b"\r\n", 1)[0].split()
    status = line[1].decode() if len(line) > 1 else ""
    if not status:
        return "reset" if reset else "closed without an answer"
    return "%s %s" % (status, "reset" if reset else "clean")


def head(path, extra=b""):
    return (b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + extra +
            b"Connection: close\r\n\r\n")


def probe():
    a = time.time()
    c = http.client.HTTPConnection(HOST, PORT, timeout=5)
    c.request("GET", "/healthz")
    r = c.getresponse()
    r.read()
    c.close()
    return r.status, time.time() - a


def still_open(socks):
    n = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) != b"":
                n += 1
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


def under_load(socks, seconds, tick):
    """Probe every 0.2 s while tick() keeps the load going."""
    ok = failed = 0
    worst = 0.0
    end = time.time() + seconds
    last = 0.0
    while time.time() < end:
        if time.time() - last >= 0.5:
            tick()
            last = time.time()
        try:
            st, t = probe()
            if st == 200:
                ok += 1
                worst = max(worst, t)
            else:
                failed += 1
        except OSError:
            failed += 1
        time.sleep(0.2)
    return ok, failed, worst


if KIND == "long-path":
    print(exchange(head(b"/" + b"a" * 100000)))
elif KIND == "big-header":
    print(exchange(head(b"/healthz", b"X-Big: " + b"a" * 100000 + b"\r\n")))
elif KIND == "many-headers":
    print(exchange(head(b"/healthz", b"".join(b"X-%d: y\r\n" % i for i in range(5000)))))
elif KIND == "post-10mb":
    body = b"a" * (10 * 1024 * 1024)
    print(exchange(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body))
elif KIND == "put-chunked":
    chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
    print(exchange(b"PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   chunk * 16 + b"0\r\n\r\n"))
elif KIND == "get-body":
    print(exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                   b"Connection: close\r\n\r\nhello"))
elif KIND == "raw-control":
    print(exchange(head(b"/calendar/\x01all.ics")))
elif KIND == "esc-path":
    print(exchange(head(b"/\x1b[31mred")))
elif KIND == "per-ip":
    socks = [connect("127.0.0.2") for _ in range(9)]
    time.sleep(0.5)
    kept = still_open(socks[:8])
    ninth = still_open(socks[8:])
    st, _ = probe()
    print("%d kept, 9th %s, probe %d" % (kept, "open" if ninth else "closed", st))
elif KIND == "slowloris":
    n, seconds = int(ARGS[0]), float(ARGS[1])
    socks = []
    for _ in range(n):
        s = connect()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)

    def trickle():
        for s in socks:
            try:
                s.send(b"X-a: b\r\n")
            except OSError:
                pass
    ok, failed, worst = under_load(socks, seconds, trickle)
    print("probes %d answered, %d failed, max %.3f s, slow left %d" %
          (ok, failed, worst, still_open(socks)))
elif KIND == "idle":
    n, seconds = int(ARGS[0]), float(ARGS[1])
    socks = [connect() for _ in range(n)]
    ok, failed, worst = under_load(socks, seconds, lambda: None)
    print("probes %d answered, %d failed, max %.3f s, idle left %d" %
          (ok, failed, worst, still_open(socks)))
elif KIND == "keepalive-idle":
    s = connect()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    f = s.makefile("rb")
    status = f.readline().split()[1].decode()
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    f.read(length)
    time.sleep(3.5)
    closed = still_open([s]) == 0
    print("%s, then %s" % (status, "closed after idle" if closed else "still open"))
else:
    sys.exit("unknown kind " + KIND)
