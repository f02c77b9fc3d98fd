"""An SMTP sink for the publish tests (aiosmtpd).

  smtp_sink.py PORTFILE DIR [--port N] [--reject ADDRESS]

Stores each message as DIR/NNNN.eml and its envelope as DIR/NNNN.json
(mail_from, rcpt_tos); answers 550 to RCPT TO:<ADDRESS>. Writes its port
to PORTFILE once listening; stops on SIGTERM or after five minutes.
"""
import argparse
import json
import os
import signal
import socket
import threading

from aiosmtpd.controller import Controller

ap = argparse.ArgumentParser()
ap.add_argument("portfile")
ap.add_argument("dir")
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--reject", action="append", default=[])
args = ap.parse_args()
lock = threading.Lock()


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in args.reject:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with lock:
            n = len([f for f in os.listdir(args.dir) if f.endswith(".eml")]) + 1
            base = os.path.join(args.dir, "%04d" % n)
            with open(base + ".json", "w") as f:
                json.dump({"mail_from": envelope.mail_from,
                           "rcpt_tos": envelope.rcpt_tos}, f)
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content)
            os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK stored"


port = args.port
if port == 0:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
os.makedirs(args.dir, exist_ok=True)
ctl = Controller(Sink(), hostname="127.0.0.1", port=port)
ctl.start()
with open(args.portfile + ".tmp", "w") as f:
    f.write(str(port))
os.rename(args.portfile + ".tmp", args.portfile)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
signal.signal(signal.SIGINT, lambda *a: stop.set())
stop.wait(300)
ctl.stop()
