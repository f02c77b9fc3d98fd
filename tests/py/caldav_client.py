"""A small CalDAV client for the publish tests (urllib only).

  caldav_client.py mkcalendar URL
  caldav_client.py report URL          one JSON line per VEVENT, from a
                                       calendar-query REPORT: href, etag,
                                       uid, sequence, status, dtstart, summary
  caldav_client.py get URL             the resource's body
  caldav_client.py put URL FILE        an unconditional PUT (someone else's edit)
  caldav_client.py delete URL          an unconditional DELETE

User "ops" with basic authentication; exit 1 on any HTTP error.
"""
import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import icalendar

AUTH = "Basic " + base64.b64encode(b"ops:x").decode()
NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav"}

QUERY = b"""<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data/></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter>
</c:calendar-query>"""

MKCAL = b"""<?xml version="1.0" encoding="utf-8"?>
<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:set><d:prop><d:displayname>Maintenance</d:displayname></d:prop></d:set>
</c:mkcalendar>"""


def call(method, url, body=None, headers=None):
    rq = urllib.request.Request(url, data=body, method=method)
    rq.add_header("Authorization", AUTH)
    for k, v in (headers or {}).items():
        rq.add_header(k, v)
    with urllib.request.urlopen(rq, timeout=20) as r:
        return r.status, dict(r.headers), r.read()


def report(url):
    _, _, body = call("REPORT", url, QUERY,
                      {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"})
    out = []
    for resp in ET.fromstring(body).findall("d:response", NS):
        href = resp.find("d:href", NS).text
        etag = resp.find(".//d:getetag", NS)
        data = resp.find(".//c:calendar-data", NS)
        if data is None or not data.text:
            continue
        cal = icalendar.Calendar.from_ical(data.text)
        for ev in cal.walk("VEVENT"):
            out.append({
                "href": urllib.parse.unquote(href.rsplit("/", 1)[-1]),
                "etag": etag.text if etag is not None else None,
                "uid": str(ev.get("UID")),
                "sequence": int(ev.get("SEQUENCE", 0)),
                "status": str(ev.get("STATUS", "")),
                "dtstart": ev.decoded("DTSTART").isoformat(),
                "summary": str(ev.get("SUMMARY", "")),
                "method": str(cal.get("METHOD", "")),
                "tzids": sorted(str(t.get("TZID")) for t in cal.walk("VTIMEZONE")),
            })
    for e in sorted(out, key=lambda e: e["uid"]):
        print(json.dumps(e, sort_keys=True))


def main():
    cmd, url = sys.argv[1], sys.argv[2]
    try:
        if cmd == "mkcalendar":
            call("MKCALENDAR", url, MKCAL, {"Content-Type": "application/xml"})
        elif cmd == "report":
            report(url)
        elif cmd == "get":
            sys.stdout.write(call("GET", url)[2].decode())
        elif cmd == "put":
            with open(sys.argv[3], "rb") as f:
                call("PUT", url, f.read(), {"Content-Type": "text/calendar"})
        elif cmd == "delete":
            call("DELETE", url)
        else:
            sys.exit("unknown command " + cmd)
    except urllib.error.HTTPError as e:
        sys.exit("%s %s: %s" % (cmd, url, e))


if __name__ == "__main__":
    main()
