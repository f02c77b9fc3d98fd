"""Read the messages an SMTP sink stored, for the publish tests.

  mail_read.py DIR     one JSON line per message, in order: envelope,
                       headers, MIME structure, the text part and what the
                       text/calendar part says (python3-icalendar).
"""
import email
import email.policy
import json
import os
import sys

import icalendar


def read(base):
    with open(base + ".eml", "rb") as f:
        raw = f.read()
    with open(base + ".json") as f:
        env = json.load(f)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {
        "mail_from": env["mail_from"], "rcpt_tos": env["rcpt_tos"],
        "from": str(msg["From"]), "to": str(msg["To"]),
        "subject": str(msg["Subject"]), "message_id": str(msg["Message-ID"]),
        "date": str(msg["Date"]), "type": msg.get_content_type(),
        "parts": [], "crlf": b"\n" not in raw.replace(b"\r\n", b""),
    }
    for part in msg.iter_parts():
        ct = part.get_content_type()
        out["parts"].append(ct)
        if ct == "text/plain":
            out["text"] = part.get_content()
        elif ct == "text/calendar":
            out["part_method"] = part.get_param("method")
            out["charset"] = part.get_param("charset")
            cal = icalendar.Calendar.from_ical(part.get_content())
            ev = cal.walk("VEVENT")[0]
            att = ev.get("ATTENDEE")
            out.update({
                "method": str(cal.get("METHOD")),
                "uid": str(ev.get("UID")),
                "sequence": int(ev.get("SEQUENCE", 0)),
                "status": str(ev.get("STATUS")),
                "dtstart": ev.decoded("DTSTART").isoformat(),
                "organizer": str(ev.get("ORGANIZER")),
                "attendee": str(att) if att is not None else None,
                "attendee_cn": str(att.params.get("CN")) if att is not None else None,
                "tzids": sorted(str(t.get("TZID")) for t in cal.walk("VTIMEZONE")),
            })
    return out


def main():
    d = sys.argv[1]
    if not os.path.isdir(d):
        return
    for name in sorted(os.listdir(d)):
        if name.endswith(".eml"):
            print(json.dumps(read(os.path.join(d, name[:-4])), sort_keys=True))


if __name__ == "__main__":
    main()
