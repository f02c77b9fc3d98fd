"""offpeak serve under attack, for tests/bench/serve.sh.

  attack.py PORT SECONDS NSLOW NIDLE

Keeps NSLOW slowloris connections (a request line, then one header line
every 5 s, never the end of the headers) and NIDLE silent connections
open to 127.0.0.1:PORT for SECONDS, opening a new one whenever the server
drops one, while a probe asks /healthz on a new connection every 50 ms.
Prints the probe's latency (p50, p99, worst) and how often the server
dropped the attackers.
"""
import http.client
import select
import socket
import sys
import threading
import time

PORT, SECONDS, NSLOW, NIDLE = (int(sys.argv[1]), float(sys.argv[2]),
                               int(sys.argv[3]), int(sys.argv[4]))
stop = time.time() + SECONDS
dropped = {"slow": 0, "idle": 0}


def opener(kind, first):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", PORT))
    except BlockingIOError:
        pass
    return [s, first, kind]


def attackers():
    poll = select.poll()
    conns = {}

    def add(kind):
        c = opener(kind, True)
        conns[c[0].fileno()] = c
        poll.register(c[0], select.POLLIN | select.POLLOUT)

    for _ in range(NSLOW):
        add("slow")
    for _ in range(NIDLE):
        add("idle")
    last_line = 0.0
    while time.time() < stop:
        for fd, ev in poll.poll(200):
            c = conns.get(fd)
            if c is None:
                continue
            s, first, kind = c
            if ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if data == b"":
                    poll.unregister(s)
                    del conns[fd]
                    s.close()
                    dropped[kind] += 1
                    add(kind)
                    continue
            if ev & select.POLLOUT:
                if first and kind == "slow":
                    try:
                        s.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
                    except OSError:
                        pass
                c[1] = False
                poll.modify(s, select.POLLIN)
        if time.time() - last_line >= 5:
            last_line = time.time()
            for s, first, kind in list(conns.values()):
                if kind == "slow" and not first:
                    try:
                        s.send(b"X-a: b\r\n")
                    except OSError:
                        pass
    for s, _, _ in conns.values():
        s.close()


t = threading.Thread(target=attackers)
t.start()
time.sleep(1)
lat = []
failed = 0
while time.time() < stop:
    a = time.time()
    try:
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        c.close()
        if r.status == 200:
            lat.append(time.time() - a)
        else:
            failed += 1
    except OSError:
        failed += 1
    time.sleep(0.05)
t.join()
lat.sort()


def pct(p):
    return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else float("nan")


print("probes %d answered, %d failed; p50 %.3f s, p99 %.3f s, worst %.3f s; "
      "the server dropped slowloris connections %d times, silent ones %d times"
      % (len(lat), failed, pct(0.5), pct(0.99), lat[-1] if lat else float("nan"),
         dropped["slow"], dropped["idle"]))
