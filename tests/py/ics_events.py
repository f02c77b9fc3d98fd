#!/usr/bin/python3
"""Read iCalendar feeds with python3-icalendar and print what it understood.

usage: ics_events.py [--expand FROM TO] FILE...

Prints a JSON list, one object per feed, in the same shape as
tests/js/ics-events.mjs. Every DTSTART and DTEND with a TZID is converted
to UTC twice: through the feed's own VTIMEZONE (icalendar's to_tz(), which
is where a VTIMEZONE that python tools cannot read fails) as "start"/"end",
and through the system zoneinfo (fold=0, as RFC 5545 reads local times) as
"start_zoneinfo"/"end_zoneinfo". With --expand, recurring events list the
occurrences that start in [FROM, TO), expanded with dateutil in local time
and converted through the VTIMEZONE, with RDATEs added.
"""
import datetime
import json
import sys
import zoneinfo

import icalendar
from dateutil import rrule

UTC = datetime.timezone.utc


def iso(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(comp, name):
    v = comp.get(name)
    if v is None:
        return None
    if isinstance(v, list):
        v = v[0]
    return str(v)


def values(comp, name):
    v = comp.get(name)
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def categories(comp):
    out = []
    for v in values(comp, "CATEGORIES"):
        cats = getattr(v, "cats", None)
        if cats is not None:
            out.extend(str(c) for c in cats)
        else:
            out.extend(v.to_ical().decode().split(","))
    return out


class Feed:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.cal = icalendar.Calendar.from_ical(f.read())
        self.path = path
        self.problems = []
        self.zones = {}
        for vtz in self.cal.walk("VTIMEZONE"):
            tzid = str(vtz["TZID"])
            try:
                self.zones[tzid] = vtz.to_tz()
            except Exception as e:  # the reason a python tool rejects the feed
                self.problems.append("VTIMEZONE %s: %s" % (tzid, e))

    def local_to_utc(self, naive, tzid):
        """(through the VTIMEZONE, through zoneinfo) for a local time."""
        vtz = self.zones.get(tzid)
        if vtz is None:
            self.problems.append("TZID %s has no usable VTIMEZONE" % tzid)
            via_vtz = None
        else:
            via_vtz = vtz.localize(naive, is_dst=False)
        via_zi = naive.replace(tzinfo=zoneinfo.ZoneInfo(tzid), fold=0)
        return via_vtz, via_zi

    def when(self, comp, name):
        """(utc, utc via zoneinfo, tzid, naive local) of a DATE-TIME property."""
        prop = comp.get(name)
        if prop is None:
            return None, None, None, None
        dt = prop.dt
        tzid = prop.params.get("TZID")
        if tzid is None:
            if dt.tzinfo is None:
                self.problems.append("%s is floating" % name)
                dt = dt.replace(tzinfo=UTC)
            return iso(dt), iso(dt), None, None
        naive = dt.replace(tzinfo=None)
        via_vtz, via_zi = self.local_to_utc(naive, str(tzid))
        return (iso(via_vtz) if via_vtz else None), iso(via_zi), str(tzid), naive

    def occurrences(self, ev, start_local, tzid, duration, lo, hi):
        rule = ev["RRULE"].to_ical().decode()
        exdates = set()
        for ex in values(ev, "EXDATE"):
            for d in ex.dts:
                exdates.add(d.dt.replace(tzinfo=None) if tzid else d.dt)
        starts = []
        # expand in local time, as RFC 5545 does for a TZID start
        for local in rrule.rrulestr(rule, dtstart=start_local, ignoretz=True):
            if local in exdates:
                continue
            s = self.local_to_utc(local, tzid)[0] if tzid else local.replace(tzinfo=UTC)
            if s is None or s >= hi:
                break
            starts.append(s)
        for rd in values(ev, "RDATE"):
            for d in rd.dts:
                if d.dt.tzinfo is None:
                    s = self.local_to_utc(d.dt, tzid)[0] if tzid else d.dt.replace(tzinfo=UTC)
                else:
                    s = d.dt
                starts.append(s)
        return [[iso(s), iso(s + duration)] for s in sorted(set(starts)) if lo <= s < hi]

    def event(self, ev, expand):
        start, start_zi, tzid, start_local = self.when(ev, "DTSTART")
        end, end_zi, _, _ = self.when(ev, "DTEND")
        if "DURATION" in ev and start is not None:
            d = ev["DURATION"].dt
            end = iso(datetime.datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ")
                      .replace(tzinfo=UTC) + d)
            end_zi = None
        out = {
            "uid": text(ev, "UID"),
            "sequence": int(ev.get("SEQUENCE", 0)),
            "status": text(ev, "STATUS"),
            "maintnote_status": text(ev, "X-MAINTNOTE-STATUS"),
            "start": start,
            "end": end,
            "start_zoneinfo": start_zi,
            "end_zoneinfo": end_zi,
            "tzid": tzid,
            "dtstamp": iso(ev["DTSTAMP"].dt),
            "summary": text(ev, "SUMMARY"),
            "description": text(ev, "DESCRIPTION"),
            "categories": categories(ev),
            "organizer": text(ev, "ORGANIZER"),
            "url": text(ev, "URL"),
            "provider": text(ev, "X-MAINTNOTE-PROVIDER"),
            "account": text(ev, "X-MAINTNOTE-ACCOUNT"),
            "maintenance_id": text(ev, "X-MAINTNOTE-MAINTENANCE-ID"),
            "impact": text(ev, "X-MAINTNOTE-IMPACT"),
            "objects": [[str(o), o.params.get("X-MAINTNOTE-OBJECT-IMPACT")]
                        for o in values(ev, "X-MAINTNOTE-OBJECT-ID")],
            "alarms": [a["TRIGGER"].to_ical().decode() for a in ev.walk("VALARM")],
            "rrule": ev["RRULE"].to_ical().decode() if "RRULE" in ev else None,
            "duration": "DURATION" in ev,
        }
        if expand and "RRULE" in ev and start is not None:
            s = datetime.datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            e = datetime.datetime.strptime(end, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            local = start_local if tzid else s.replace(tzinfo=None)
            out["occurrences"] = self.occurrences(ev, local, tzid, e - s, *expand)
        return out

    def dump(self, expand):
        cal = self.cal
        events = [self.event(ev, expand) for ev in cal.walk("VEVENT")]
        return {
            "feed": self.path,
            "calendar": {
                "version": text(cal, "VERSION"),
                "prodid": text(cal, "PRODID"),
                "method": text(cal, "METHOD"),
                "calscale": text(cal, "CALSCALE"),
                "name": text(cal, "X-WR-CALNAME"),
                "timezone": text(cal, "X-WR-TIMEZONE"),
                "refresh": text(cal, "REFRESH-INTERVAL"),
                "ttl": text(cal, "X-PUBLISHED-TTL"),
            },
            "timezones": [str(z["TZID"]) for z in cal.walk("VTIMEZONE")],
            "events": events,
            "problems": self.problems,
        }


def instant(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def main_data(paths, expand=None):
    """What main() prints, as data."""
    return [Feed(p).dump(expand) for p in paths]


def main(argv):
    expand = None
    if argv[:1] == ["--expand"]:
        expand = (instant(argv[1]), instant(argv[2]))
        argv = argv[3:]
    if not argv:
        sys.stderr.write("usage: ics_events.py [--expand FROM TO] FILE...\n")
        return 2
    json.dump(main_data(argv, expand), sys.stdout, indent=1,
              ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
