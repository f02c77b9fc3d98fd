#!/usr/bin/python3
"""Check probe calendars made by tests/unit/vtz-dump with all three parsers.

usage: probecheck.py --ics-check PROG [--node NODE] FILE...

Each VEVENT's UID is "<instant>@probe"; libical, ical.js and
python3-icalendar must each read its DTSTART, through the file's
VTIMEZONE, as that instant, and so must zoneinfo. Prints one line per file
and the problems; exit 1 if any.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ics_events  # noqa: E402


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def run(argv):
    r = subprocess.run(argv, capture_output=True)
    if r.returncode != 0:
        raise SystemExit("%s failed: %s" % (argv[0], r.stderr.decode(errors="replace")))
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ics-check", required=True)
    ap.add_argument("--node", default="node")
    ap.add_argument("--ics-js", default=os.path.join(HERE, "..", "js", "ics-events.mjs"))
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    results = {
        "libical": run([a.ics_check] + a.files),
        "ical.js": run([a.node, a.ics_js] + a.files),
        "python": ics_events.main_data(a.files),
    }
    problems = 0
    for i, path in enumerate(a.files):
        bad = []
        n = None
        for who, res in results.items():
            feed = res[i]
            bad += ["%s: %s" % (who, p) for p in feed.get("problems", [])]
            if who == "libical" and feed.get("roundtrip") is not True:
                bad.append("libical: not written back byte for byte")
            if n is not None and len(feed["events"]) != n:
                bad.append("%s: %d events, not %d" % (who, len(feed["events"]), n))
            n = len(feed["events"])
            for ev in feed["events"]:
                want = iso(int(ev["uid"].split("@")[0]))
                for key in ("start", "start_zoneinfo"):
                    if key in ev and ev[key] != want:
                        bad.append("%s: %s: %s is %s" % (who, want, key, ev[key]))
        zone = os.path.basename(path)
        print("%s: %d probes, %d problems" % (zone, n or 0, len(bad)))
        for b in bad[:20]:
            print("  " + b)
        problems += len(bad)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
