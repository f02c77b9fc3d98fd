"""A webhook receiver for the publish tests.

  webhook_receiver.py PORTFILE LOG SECRET [--port N] [--fail-first N]
                      [--fail-after N] [--fail-status CODE] [--unsigned]

Verifies X-Offpeak-Signature (sha256=<HMAC-SHA256 of the body> keyed by
SECRET) and answers 401 when it is wrong; fails the first N requests, or
every request after N acknowledged ones, with CODE (503); acknowledges
the rest with 200. Appends one JSON line per request to LOG: time, result
(ok, fail, badsig), the headers that matter and the parsed body. Writes
its port to PORTFILE once listening; with --unsigned (a Slack or Teams
stand-in) a request without a signature is taken and logged as such; stops by itself after five minutes.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("portfile")
ap.add_argument("log")
ap.add_argument("secret")
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--fail-first", type=int, default=0)
ap.add_argument("--fail-after", type=int, default=-1)
ap.add_argument("--fail-status", type=int, default=503)
ap.add_argument("--unsigned", action="store_true")
args = ap.parse_args()
seen = {"requests": 0, "acked": 0}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        want = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
        sig = self.headers.get("X-Offpeak-Signature", "")
        with lock:
            seen["requests"] += 1
            if args.unsigned and sig == "":
                result, code = "ok", 200
                seen["acked"] += 1
            elif not hmac.compare_digest(sig, want):
                result, code = "badsig", 401
            elif seen["requests"] <= args.fail_first or \
                    (args.fail_after >= 0 and seen["acked"] >= args.fail_after):
                result, code = "fail", args.fail_status
            else:
                result, code = "ok", 200
                seen["acked"] += 1
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            with open(args.log, "a") as f:
                f.write(json.dumps({
                    "time": time.time(), "result": result,
                    "key": self.headers.get("Idempotency-Key"),
                    "event": self.headers.get("X-Offpeak-Event"),
                    "content_type": self.headers.get("Content-Type"),
                    "signed": sig != "",
                    "body": parsed}) + "\n")
        out = b'{"ok": true}\n' if code == 200 else b"try later\n"
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
with open(args.portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.portfile + ".tmp", args.portfile)
t = threading.Timer(300, srv.shutdown)
t.daemon = True
t.start()
srv.serve_forever()
