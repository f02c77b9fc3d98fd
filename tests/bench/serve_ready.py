#!/usr/bin/env python3
"""How long `offpeak serve` takes to load a repository and answer.

usage: serve_ready.py OFFPEAK REPO NOW PORT RUNS

Starts `OFFPEAK -C REPO --now NOW serve -l 127.0.0.1:PORT` RUNS times and
measures from the start to the first 200 answer of /healthz (serve loads
the plans and the state and renders every feed and the status page before
it listens: the cost of a reload). Prints "median_s min_s max_s".
"""

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def ready(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/healthz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False


def once(offpeak, repo, now, port):
    t0 = time.perf_counter()
    p = subprocess.Popen([offpeak, "-C", repo, "--now", now, "serve", "-l", "127.0.0.1:%d" % port],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ready(port):
            if p.poll() is not None:
                sys.exit("serve_ready.py: serve exited with %d" % p.returncode)
            if time.perf_counter() - t0 > 120:
                sys.exit("serve_ready.py: serve did not answer within 120 s")
            time.sleep(0.002)
        return time.perf_counter() - t0
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait()


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.strip().splitlines()[2])
    offpeak, repo, now, port, runs = sys.argv[1:]
    port, runs = int(port), int(runs)
    once(offpeak, repo, now, port)	# warm the cache
    t = [once(offpeak, repo, now, port) for _ in range(runs)]
    print("%.3f %.3f %.3f" % (statistics.median(t), min(t), max(t)))


if __name__ == "__main__":
    socket.setdefaulttimeout(2)
    main()
