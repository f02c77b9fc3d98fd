#!/usr/bin/python3
"""Check a directory of offpeak feeds against the state branch they came from.

usage: feedcheck.py --repo REPO --feeds DIR --now TIME --ics-check PROG
                    [--node NODE] [--expect ID=STATUS/MAINTNOTE]...
                    [--absent ID]... [--summary FILE]

Reads the policy at HEAD and every state/<id>.json of the offpeak-state
branch with git, works out on its own which changes the feeds must show and
how (STATUS, X-MAINTNOTE-STATUS, SEQUENCE, DTSTAMP, start and end), then
reads every feed with three parsers -- libical (PROG, tests/unit/ics-check),
ical.js (tests/js/ics-events.mjs under NODE) and python3-icalendar
(ics_events.py beside this file) -- and checks that each of them sees
exactly that. It also checks, for every event of every feed:

  - the notice invariant: DTSTART >= published_at + the notice period;
  - every TZID used has a VTIMEZONE; times through it equal zoneinfo's;
  - libical adds no X-LIC-ERROR and writes the file back byte for byte;
  - lines end in CRLF, are at most 75 octets and are whole UTF-8;
  - SUMMARY and DESCRIPTION carry the plan's title and description exactly;
  - the BCOP properties, UID, CATEGORIES and the feed's membership;
  - windows.ics: ical.js and python expand each window alike, and every
    live change lies inside an occurrence of its window.

--expect and --absent add assertions about single changes. --summary writes
{uid: {sequence, status, maintnote_status, start, end}} of all.ics as
python3-icalendar read it. Prints the problems found; exit 1 if any.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ics_events  # noqa: E402

UTC = datetime.timezone.utc
IMPACT = {"none": "NO-IMPACT", "reduced-redundancy": "REDUCED-REDUNDANCY",
          "degraded": "DEGRADED", "outage": "OUTAGE"}


def instant(s):
    s = s.replace("Z", "+00:00")
    if len(s) == 16 or (len(s) > 16 and s[16] in "+-"):
        s = s[:16] + ":00" + s[16:]
    return int(datetime.datetime.fromisoformat(s).timestamp())


def duration(s):
    m = re.fullmatch(r"(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", s)
    if not m:
        raise ValueError("bad duration %r" % s)
    sign, w, d, h, mi, sec = m.groups()
    v = (int(w or 0) * 7 + int(d or 0)) * 86400 + int(h or 0) * 3600 + \
        int(mi or 0) * 60 + int(sec or 0)
    return -v if sign else v


NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def clean(s, multiline=False):
    """What offpeak makes of a value: line breaks never leave it."""
    s = s.replace("\r\n", "\n")
    out = []
    for ch in s:
        if ch in "\r\n":
            out.append("\n" if multiline else " ")
        elif ch == "\t" and multiline:
            out.append(ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def iso(t):
    return datetime.datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True,
                          capture_output=True).stdout


def load_states(repo):
    try:
        names = [line.split()[2] for line in git(
            repo, "ls-tree", "offpeak-state", "state/").decode().splitlines()]
    except subprocess.CalledProcessError:
        return {}
    batch = "".join("%s\n" % n for n in names).encode()
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input=batch,
                         check=True, capture_output=True).stdout
    states, pos = {}, 0
    for _ in names:
        nl = out.index(b"\n", pos)
        size = int(out[pos:nl].split()[2])
        body = json.loads(out[nl + 1:nl + 1 + size])
        states[body["id"]] = body
        pos = nl + 1 + size + 1
    return states


def view(ps, now, retention):
    """(STATUS, X-MAINTNOTE-STATUS, outcome, SEQUENCE, DTSTAMP) the feeds
    must show, or None. A slot that ended without a run is missed from
    that instant: CANCELLED, one SEQUENCE up, dated at the slot's end."""
    if "slot" not in ps:
        return None
    st, live = ps["status"], ps.get("slot_live", False)
    updated = instant(ps["updated_at"])
    seq = ps["sequence"]
    if st in ("completed", "rolled-back", "failed"):
        return None if now >= updated + retention else \
            ("CONFIRMED", "COMPLETED", st, seq, updated)
    if st in ("backing-up", "executing", "verifying") and live:
        return ("CONFIRMED", "IN-PROCESS", None, seq, updated)
    if st == "scheduled" and live:
        end = instant(ps["slot"]["end"])
        if now >= end:
            return None if now >= end + retention else \
                ("CANCELLED", "CANCELLED", "missed", seq + 1, end)
        held = instant(ps["published_at"]) + duration(ps["risk"]["notice"])
        s = "CONFIRMED" if now >= held else "TENTATIVE"
        return (s, s, None, seq, updated)
    since = updated if live else instant(ps["released_at"])
    missed = "missed" if (ps.get("reason") or "").startswith("missed") else None
    return None if now >= since + retention else \
        ("CANCELLED", "CANCELLED", missed, seq, updated)


class Checker:
    def __init__(self, args):
        self.a = args
        self.problems = []
        self.now = instant(args.now)
        self.policy = json.loads(git(args.repo, "show", "HEAD:offpeak.json"))
        cal = self.policy["calendar"]
        self.domain = cal["domain"]
        self.retention = duration(cal.get("cancelled_retention", "P30D"))
        self.states = load_states(args.repo)
        self.systems = self.policy.get("systems", {})
        self.shown = {}
        for pid, ps in self.states.items():
            v = view(ps, self.now, self.retention)
            if v is not None:
                self.shown[pid] = (ps, v)

    def bad(self, msg):
        self.problems.append(msg)

    # --- which feeds, and which events in each

    def expected_feeds(self):
        feeds = {"all.ics": set(self.shown), "windows.ics": None}
        names = set(self.systems)
        for ps, _ in self.shown.values():
            names.update(s for s in ps["plan"]["systems"] if NAME.fullmatch(s))
        for s in names:
            feeds["systems/%s.ics" % s] = {p for p, (ps, _) in self.shown.items()
                                           if s in ps["plan"]["systems"]}
        groups = {v["group"] for v in self.systems.values()}
        for g in groups:
            feeds["groups/%s.ics" % g] = {
                p for p, (ps, _) in self.shown.items()
                if any(self.systems.get(s, {}).get("group") == g
                       for s in ps["plan"]["systems"])}
        return feeds

    def found_feeds(self):
        out = []
        for base, dirs, files in os.walk(self.a.feeds):
            for f in files:
                if not f.endswith(".ics") or f.startswith("."):
                    continue
                rel = os.path.relpath(os.path.join(base, f), self.a.feeds)
                out.append(rel)
        return sorted(out)

    # --- text-level checks

    def check_text(self, rel, data):
        if not data.endswith(b"\r\n"):
            self.bad("%s: does not end in CRLF" % rel)
        for n, line in enumerate(data.split(b"\r\n")[:-1], 1):
            if b"\n" in line or b"\r" in line:
                self.bad("%s:%d: a bare LF or CR" % (rel, n))
            if len(line) > 75:
                self.bad("%s:%d: %d octets" % (rel, n, len(line)))
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                self.bad("%s:%d: folding split a UTF-8 character" % (rel, n))
        text = data.decode("utf-8", "replace").replace("\r\n ", "")
        used = set(re.findall(r";TZID=([^:;\r\n]+)", text))
        defined = set(re.findall(r"\r\nTZID:([^\r\n]+)", text))
        for z in used - defined:
            self.bad("%s: TZID %s has no VTIMEZONE" % (rel, z))
        for z in defined:
            if z.startswith("/"):
                self.bad("%s: TZID %s is not a plain IANA name" % (rel, z))
        if rel != "windows.ics" and re.search(r"\r\nDURATION[:;]", text):
            self.bad("%s: DURATION instead of DTEND" % rel)
        self.check_nesting(rel, text)

    def check_nesting(self, rel, text):
        """BEGIN and END lines nest, and only as offpeak writes them."""
        inside = {None: {"VCALENDAR"}, "VCALENDAR": {"VTIMEZONE", "VEVENT"},
                  "VTIMEZONE": {"STANDARD", "DAYLIGHT"}, "VEVENT": {"VALARM"}}
        stack = []
        for line in text.split("\r\n")[:-1]:
            kind, _, name = line.partition(":")
            if kind == "BEGIN":
                if name not in inside.get(stack[-1] if stack else None, set()):
                    self.bad("%s: BEGIN:%s where it cannot be" % (rel, name))
                stack.append(name)
            elif kind == "END":
                if not stack or stack.pop() != name:
                    self.bad("%s: END:%s out of place" % (rel, name))
        if stack:
            self.bad("%s: %s not ended" % (rel, stack))
        if text.count("\r\nBEGIN:VCALENDAR") + text.startswith("BEGIN:VCALENDAR") != 1:
            self.bad("%s: not one VCALENDAR" % rel)

    # --- one event as each parser saw it

    @staticmethod
    def as_read(who, s):
        """s as a parser reads it back from RFC 5545 escaping: python3-icalendar
        4.0.3 unescapes in several passes, so a backslash before n, comma or
        semicolon does not come back as it was; ask it what it makes of s."""
        if who != "python" or "\\" not in s:
            return s
        esc = s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,") \
            .replace("\n", "\\n")
        cal = ics_events.icalendar.Calendar.from_ical(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:%s\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n" % esc)
        return str(cal.walk("VEVENT")[0]["SUMMARY"])

    def summary_of(self, ps, v):
        prefix = {"rolled-back": "Rolled back: ", "failed": "Failed: ",
                  "missed": "Missed: "}.get(v[2]) or \
            ("Cancelled: " if v[0] == "CANCELLED" else "")
        if ps["plan"].get("type") == "emergency" or ps["risk"].get("emergency"):
            prefix += "[EMERGENCY] "
        return clean(prefix + ps["plan"]["title"])

    def check_event(self, who, rel, ev, pid):
        ps, v = self.shown[pid]
        where = "%s: %s: %s" % (who, rel, pid)
        want = {
            "uid": "%s@%s" % (pid, self.domain),
            "sequence": v[3],
            "status": v[0],
            "maintnote_status": v[1],
            "start": ps["slot"]["start"],
            "end": ps["slot"]["end"],
        }
        for k, w in want.items():
            if ev.get(k) != w:
                self.bad("%s: %s is %r, the state says %r" % (where, k, ev.get(k), w))
        if "start_zoneinfo" in ev and ev["start_zoneinfo"] != ev["start"]:
            self.bad("%s: VTIMEZONE gives %s, zoneinfo %s" % (where, ev["start"],
                                                              ev["start_zoneinfo"]))
        if ev.get("duration"):
            self.bad("%s: DURATION instead of DTEND" % where)
        if ev.get("end_zoneinfo") and ev["end_zoneinfo"] != ev["end"]:
            self.bad("%s: end: VTIMEZONE gives %s, zoneinfo %s" % (where, ev["end"],
                                                                   ev["end_zoneinfo"]))
        if ev.get("start") and "published_at" in ps:
            held = instant(ps["published_at"]) + duration(ps["risk"]["notice"])
            if instant(ev["start"]) < held:
                self.bad("%s: notice broken: starts %s, notice held only from %s"
                         % (where, ev["start"], iso(held)))
        if ev.get("summary") != self.as_read(who, self.summary_of(ps, v)):
            self.bad("%s: SUMMARY %r" % (where, ev.get("summary")))
        desc = self.as_read(who, clean(ps["plan"].get("description") or "", True))
        if desc and not (ev.get("description") or "").startswith(desc + "\n\n"):
            self.bad("%s: DESCRIPTION does not start with the plan's" % where)
        if who != "python":
            return
        self.check_details(where, ev, ps, v)

    def check_details(self, where, ev, ps, v):
        cal = self.policy["calendar"]
        if ev["dtstamp"] != iso(v[4]):
            self.bad("%s: DTSTAMP %s, want %s" % (where, ev["dtstamp"], iso(v[4])))
        impact = IMPACT[ps["plan"]["impact"]]
        if ev["impact"] != impact:
            self.bad("%s: X-MAINTNOTE-IMPACT %s" % (where, ev["impact"]))
        if ev["objects"] != [[clean(s), impact] for s in ps["plan"]["systems"]]:
            self.bad("%s: X-MAINTNOTE-OBJECT-ID %r" % (where, ev["objects"]))
        if ev["maintenance_id"] != ps["id"]:
            self.bad("%s: X-MAINTNOTE-MAINTENANCE-ID %s" % (where, ev["maintenance_id"]))
        if ev["provider"] != self.policy["provider"]:
            self.bad("%s: X-MAINTNOTE-PROVIDER %r" % (where, ev["provider"]))
        if ev["account"] != cal.get("account", cal["name"]):
            self.bad("%s: X-MAINTNOTE-ACCOUNT %r" % (where, ev["account"]))
        if "organizer" in cal and ev["organizer"] != cal["organizer"]:
            self.bad("%s: ORGANIZER %r" % (where, ev["organizer"]))
        if "url" in cal and ev["url"] != cal["url"].rstrip("/") + "/" + ps["id"]:
            self.bad("%s: URL %r" % (where, ev["url"]))
        cats = ev["categories"]
        if "maintenance" not in cats or "risk-" + ps["risk"]["level"] not in cats:
            self.bad("%s: CATEGORIES %r" % (where, cats))
        if v[2] is not None and "outcome-" + v[2] not in cats:
            self.bad("%s: CATEGORIES %r without outcome-%s" % (where, cats, v[2]))
        if (ps["plan"]["type"] == "emergency") != ("emergency" in cats):
            self.bad("%s: CATEGORIES %r for a %s change" % (where, cats, ps["plan"]["type"]))
        alarms = len(cal.get("reminders", [])) if v[1] in ("TENTATIVE", "CONFIRMED") else 0
        if len(ev["alarms"]) != alarms:
            self.bad("%s: %d VALARMs, want %d" % (where, len(ev["alarms"]), alarms))

    def check_parser(self, who, rel, parsed, want_ids):
        for p in parsed.get("problems", []):
            self.bad("%s: %s: %s" % (who, rel, p))
        if who == "libical" and parsed.get("roundtrip") is not True:
            self.bad("libical: %s: does not write the feed back byte for byte" % rel)
        if want_ids is None:
            return
        seen = {}
        for ev in parsed["events"]:
            uid = ev.get("uid") or ""
            pid = uid[:-len("@" + self.domain)] if uid.endswith("@" + self.domain) else uid
            if pid in seen:
                self.bad("%s: %s: %s twice" % (who, rel, uid))
            seen[pid] = ev
        if set(seen) != want_ids:
            self.bad("%s: %s: events %s, the state wants %s" % (
                who, rel, sorted(seen), sorted(want_ids)))
        for pid, ev in seen.items():
            if pid in self.shown:
                self.check_event(who, rel, ev, pid)

    def check_header(self, rel, cal):
        c = self.policy["calendar"]
        want = {"version": "2.0", "method": "PUBLISH", "calscale": "GREGORIAN",
                "timezone": self.policy["timezone"],
                "refresh": c.get("refresh", "PT1H"), "ttl": c.get("refresh", "PT1H")}
        for k, w in want.items():
            if cal.get(k) != w:
                self.bad("%s: calendar %s is %r, want %r" % (rel, k, cal.get(k), w))
        if not (cal.get("prodid") or "").startswith("-//offpeak//"):
            self.bad("%s: PRODID %r" % (rel, cal.get("prodid")))
        if not (cal.get("name") or "").startswith(c["name"]):
            self.bad("%s: X-WR-CALNAME %r" % (rel, cal.get("name")))

    # --- windows.ics

    def check_windows(self, js, py):
        domain = self.domain
        want = {"window+%s@%s" % (w["name"], domain) for w in self.policy["windows"]}
        want |= {"freeze+%s@%s" % (f["name"], domain)
                 for f in self.policy.get("freezes", []) if "url" not in f}
        for who, parsed in (("ical.js", js), ("python", py)):
            got = {e["uid"] for e in parsed["events"]}
            if got != want:
                self.bad("%s: windows.ics: %s, want %s" % (who, sorted(got), sorted(want)))
        jo = {e["uid"]: e.get("occurrences") or [] for e in js["events"]}
        po = {e["uid"]: e.get("occurrences") or [] for e in py["events"]}
        zones = {e["uid"]: e["tzid"] for e in py["events"]}
        for uid in sorted(want):
            self.same_occurrences(uid, jo.get(uid, []), po.get(uid, []), zones.get(uid))
        for pid, (ps, v) in sorted(self.shown.items()):
            if v[0] == "CANCELLED" or not ps.get("slot_live"):
                continue
            occ = po.get("window+%s@%s" % (ps["slot"]["window"], domain)) or []
            s, e = ps["slot"]["start"], ps["slot"]["end"]
            if not any(o[0] <= s and e <= o[1] for o in occ):
                self.bad("windows.ics: %s (%s..%s) is in no occurrence of window %s"
                         % (pid, s, e, ps["slot"]["window"]))

    def same_occurrences(self, uid, js, py, tzid):
        """ical.js and python3-icalendar expand a window alike: the same
        starts, and the same ends but for one thing: ical.js adds DTEND -
        DTSTART to the start in wall-clock time, so across a change of
        offset its end moves by that change (RFC 5545 wants the exact
        duration, as python and offpeak use)."""
        if [o[0] for o in js] != [o[0] for o in py]:
            diff = sorted(set(o[0] for o in js) ^ set(o[0] for o in py))
            self.bad("windows.ics: %s: ical.js and python start occurrences "
                     "differently: %s" % (uid, diff[:6]))
            return
        zi = zoneinfo.ZoneInfo(tzid) if tzid else None
        for (s, je), (_, pe) in zip(js, py):
            if je == pe:
                continue
            shift = 0
            if zi is not None:
                a, b = (datetime.datetime.fromtimestamp(instant(x), zi).utcoffset()
                        for x in (s, pe))
                shift = int((a - b).total_seconds())
            if instant(je) != instant(pe) + shift:
                self.bad("windows.ics: %s: the occurrence at %s ends at %s "
                         "(ical.js), %s (python)" % (uid, s, je, pe))

    # --- running the parsers

    def run_json(self, argv):
        r = subprocess.run(argv, capture_output=True)
        if r.returncode != 0:
            self.bad("%s failed: %s" % (argv[0], r.stderr.decode(errors="replace")[-2000:]))
            return None
        return json.loads(r.stdout)

    def expand_range(self):
        times = [self.now] + [instant(ps["slot"]["end"]) for ps, _ in self.shown.values()]
        return iso(min(times) - 86400 * 7), iso(max(times) + 86400 * 7)

    def check(self):
        want = self.expected_feeds()
        found = self.found_feeds()
        if sorted(want) != found:
            self.bad("feeds %s, want %s" % (found, sorted(want)))
        paths = [os.path.join(self.a.feeds, f) for f in found]
        lo, hi = self.expand_range()
        libical = self.run_json([self.a.ics_check] + paths) or []
        js = self.run_json([self.a.node, self.a.ics_js,
                            "--expand", lo, hi] + paths) or []
        py = ics_events.main_data(paths, (ics_events.instant(lo), ics_events.instant(hi)))
        results = {"libical": libical, "ical.js": js, "python": py}
        for i, rel in enumerate(found):
            with open(paths[i], "rb") as f:
                self.check_text(rel, f.read())
            for who, res in results.items():
                if i >= len(res):
                    continue
                self.check_parser(who, rel, res[i], want.get(rel))
                if who != "libical":
                    self.check_header(rel, res[i]["calendar"])
            if rel == "windows.ics" and i < len(js) and i < len(py):
                self.check_windows(js[i], py[i])
        self.check_expectations(found, py)
        nev = sum(len(r["events"]) for r in py)
        return len(found), nev

    def check_expectations(self, found, py):
        if "all.ics" not in found:
            return
        events = {e["uid"]: e for e in py[found.index("all.ics")]["events"]}
        for spec in self.a.expect:
            pid, _, sv = spec.partition("=")
            status, _, mn = sv.partition("/")
            e = events.get("%s@%s" % (pid, self.domain))
            if e is None:
                self.bad("expected %s in all.ics" % pid)
            elif e["status"] != status or e["maintnote_status"] != (mn or status):
                self.bad("expected %s %s, it is %s/%s" % (pid, sv, e["status"],
                                                        e["maintnote_status"]))
        for pid in self.a.absent:
            if "%s@%s" % (pid, self.domain) in events:
                self.bad("expected no %s in all.ics" % pid)
        if self.a.summary:
            with open(self.a.summary, "w") as f:
                json.dump({u: {k: e[k] for k in ("sequence", "status", "maintnote_status",
                                                  "start", "end", "dtstamp")}
                           for u, e in events.items()}, f, indent=1, sort_keys=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--feeds", required=True)
    ap.add_argument("--now", required=True)
    ap.add_argument("--ics-check", required=True)
    ap.add_argument("--node", default="node")
    ap.add_argument("--ics-js", default=os.path.join(HERE, "..", "js", "ics-events.mjs"))
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--absent", action="append", default=[])
    ap.add_argument("--summary")
    c = Checker(ap.parse_args())
    nfeeds, nevents = c.check()
    for p in c.problems[:200]:
        print("problem: " + p)
    if len(c.problems) > 200:
        print("... and %d more" % (len(c.problems) - 200))
    print("feedcheck: %d feeds, %d events, %d states, %d shown: %d problems" % (
        nfeeds, nevents, len(c.states), len(c.shown), len(c.problems)))
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main())
