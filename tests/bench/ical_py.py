#!/usr/bin/python3
"""Build the events of all.ics with python3-icalendar, for the calendar
benchmark: the same state, the same properties offpeak writes for a
scheduled change (times with TZID, DESCRIPTION, BCOP properties, VALARMs).

usage: ical_py.py REPO NOW OUT

Reads the policy at HEAD and every state/<id>.json of offpeak-state with
one `git cat-file --batch`, builds one VCALENDAR with python3-icalendar and
writes it to OUT. Prints "events N build S" where S is the seconds spent
building and serialising (reading the state not included).
"""
import datetime
import json
import re
import subprocess
import sys
import time
import zoneinfo

import icalendar

UTC = datetime.timezone.utc
IMPACT = {"none": "NO-IMPACT", "reduced-redundancy": "REDUCED-REDUNDANCY",
          "degraded": "DEGRADED", "outage": "OUTAGE"}


def git(repo, *args, data=None):
    return subprocess.run(["git", "-C", repo] + list(args), input=data, check=True,
                          capture_output=True).stdout


def states(repo):
    # blob ids, not paths: git would search the big state/ tree for each path
    blobs = [line.split()[2] for line in
             git(repo, "ls-tree", "offpeak-state", "state/").decode().splitlines()]
    out = git(repo, "cat-file", "--batch", data="".join(b + "\n" for b in blobs).encode())
    pos = 0
    for _ in blobs:
        nl = out.index(b"\n", pos)
        size = int(out[pos:nl].split()[2])
        yield json.loads(out[nl + 1:nl + 1 + size])
        pos = nl + 1 + size + 1


def seconds(d):
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", d)
    days, h, mi, sec = (int(x or 0) for x in m.groups())
    return ((days * 24 + h) * 60 + mi) * 60 + sec


def instant(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def event(ps, policy, now):
    cal = policy["calendar"]
    plan, risk, slot = ps["plan"], ps["risk"], ps["slot"]
    zone = zoneinfo.ZoneInfo(slot["timezone"])
    ev = icalendar.Event()
    ev.add("uid", "%s@%s" % (ps["id"], cal["domain"]))
    ev.add("dtstamp", instant(ps["updated_at"]))
    ev.add("last-modified", instant(ps["updated_at"]))
    ev.add("sequence", ps["sequence"])
    ev.add("dtstart", instant(slot["start"]).astimezone(zone))
    ev.add("dtend", instant(slot["end"]).astimezone(zone))
    ev.add("summary", plan["title"])
    held = instant(ps["published_at"]) + datetime.timedelta(seconds=seconds(risk["notice"]))
    status = "CONFIRMED" if now >= held else "TENTATIVE"
    ev.add("description", "%s\n\nStatus: %s\nRisk: %s (score %d): %s\nImpact: %s\n"
           "Systems: %s\nOwner: %s\nRollback: %s\nWindow: %s\nChange: %s (%s)" % (
               plan.get("description", ""), ps["status"], risk["level"], risk["score"],
               ", ".join("%s %+d" % (f["factor"], f["weight"]) for f in risk["factors"]),
               plan["impact"], ", ".join(plan["systems"]), plan["owner"], plan["rollback"],
               slot["window"], ps["id"], plan["type"]))
    ev.add("status", status)
    ev.add("transp", "TRANSPARENT")
    for c in ("maintenance", "risk-" + risk["level"], plan["type"]):
        ev.add("categories", c)
    ev.add("organizer", cal["organizer"])
    ev.add("x-maintnote-provider", policy["provider"])
    ev.add("x-maintnote-account", cal.get("account", cal["name"]))
    ev.add("x-maintnote-maintenance-id", ps["id"])
    for s in plan["systems"]:
        ev.add("x-maintnote-object-id", s,
               parameters={"X-MAINTNOTE-OBJECT-IMPACT": IMPACT[plan["impact"]]})
    ev.add("x-maintnote-impact", IMPACT[plan["impact"]])
    ev.add("x-maintnote-status", status)
    for r in cal.get("reminders", []):
        a = icalendar.Alarm()
        a.add("action", "DISPLAY")
        a.add("trigger", icalendar.vDuration.from_ical(r))
        a.add("description", plan["title"])
        ev.add_component(a)
    return ev


def main(repo, now, out):
    policy = json.loads(git(repo, "show", "HEAD:offpeak.json"))
    now = instant(now)
    todo = [ps for ps in states(repo) if ps.get("slot_live") and ps["status"] == "scheduled"]
    t0 = time.perf_counter()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//offpeak bench//python3-icalendar//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    for ps in todo:
        cal.add_component(event(ps, policy, now))
    data = cal.to_ical()
    took = time.perf_counter() - t0
    with open(out, "wb") as f:
        f.write(data)
    print("events %d build %.6f" % (len(todo), took))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.stderr.write("usage: ical_py.py REPO NOW OUT\n")
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
