// Reads iCalendar feeds with ical.js (the parser inside Thunderbird) and
// prints what it understood as JSON, one object per feed, for the tests to
// compare with the state and with the other parsers.
//
// usage: node ics-events.mjs [--expand FROM TO] FILE...
//   FROM, TO: RFC 3339 instants; recurring events list their occurrences
//   that start in [FROM, TO).
//
// Times are converted to UTC through the VTIMEZONEs of the same file only:
// a TZID without one is reported (ical.js would treat it as floating).
import fs from 'node:fs';
import ICAL from 'ical.js';

// RFC 5545 reads an X- property as TEXT; ical.js leaves properties it does
// not know unescaped unless told their type, as a client would tell it.
for (const name of ['x-wr-calname', 'x-wr-caldesc', 'x-wr-timezone', 'x-maintnote-provider',
  'x-maintnote-account', 'x-maintnote-maintenance-id', 'x-maintnote-object-id',
  'x-maintnote-impact', 'x-maintnote-status']) {
  ICAL.design.defaultSet.property[name] = { defaultType: 'text' };
}

function utc(t) {
  return new Date(t.toUnixTime() * 1000).toISOString().replace('.000Z', 'Z');
}

function text(comp, name) {
  const p = comp.getFirstProperty(name);
  if (!p) return null;
  const v = p.getFirstValue();
  return v === null || v === undefined ? null : String(v);
}

// A DATE-TIME property: its UTC instant, TZID, and whether the zone is known.
function when(comp, name, problems) {
  const p = comp.getFirstProperty(name);
  if (!p) return null;
  const tzid = p.getParameter('tzid') || null;
  const t = p.getFirstValue();
  if (tzid && (!t.zone || t.zone.tzid !== tzid)) {
    problems.push(`${name} TZID ${tzid} has no VTIMEZONE`);
  }
  return { utc: utc(t), tzid, local: t.toICALString() };
}

function event(vevent, expand, problems) {
  const ev = new ICAL.Event(vevent);
  const start = when(vevent, 'dtstart', problems);
  // a window whose first start clients read differently has a DURATION
  const end = vevent.hasProperty('dtend') || !vevent.hasProperty('duration')
    ? when(vevent, 'dtend', problems) : { utc: utc(ev.endDate) };
  const duration = vevent.hasProperty('duration');
  const out = {
    uid: ev.uid,
    sequence: ev.sequence,
    status: text(vevent, 'status'),
    maintnote_status: text(vevent, 'x-maintnote-status'),
    start: start && start.utc,
    end: end && end.utc,
    tzid: start && start.tzid,
    dtstamp: utc(vevent.getFirstPropertyValue('dtstamp')),
    summary: ev.summary,
    description: ev.description,
    categories: vevent.getAllProperties('categories').flatMap((p) => p.getValues()),
    organizer: text(vevent, 'organizer'),
    url: text(vevent, 'url'),
    provider: text(vevent, 'x-maintnote-provider'),
    account: text(vevent, 'x-maintnote-account'),
    maintenance_id: text(vevent, 'x-maintnote-maintenance-id'),
    impact: text(vevent, 'x-maintnote-impact'),
    objects: vevent.getAllProperties('x-maintnote-object-id').map((p) =>
      [String(p.getFirstValue()), p.getParameter('x-maintnote-object-impact') || null]),
    alarms: vevent.getAllSubcomponents('valarm').map((a) => a.getFirstPropertyValue('trigger').toString()),
    rrule: vevent.hasProperty('rrule') ? vevent.getFirstPropertyValue('rrule').toString() : null,
    duration,
  };
  if (expand && vevent.hasProperty('rrule')) {
    const from = ICAL.Time.fromDateTimeString(expand[0].replace(/Z$/, ''));
    from.zone = ICAL.Timezone.utcTimezone;
    const to = Date.parse(expand[1]) / 1000;
    const it = ev.iterator();
    out.occurrences = [];
    let next;
    while ((next = it.next())) {
      if (next.toUnixTime() >= to) break;
      if (next.toUnixTime() < from.toUnixTime()) continue;
      const d = ev.getOccurrenceDetails(next);
      out.occurrences.push([utc(d.startDate), utc(d.endDate)]);
    }
  }
  return out;
}

function feed(path, expand) {
  const root = new ICAL.Component(ICAL.parse(fs.readFileSync(path, 'utf8')));
  const problems = [];
  ICAL.TimezoneService.reset();
  const zones = root.getAllSubcomponents('vtimezone');
  for (const z of zones) ICAL.TimezoneService.register(z);
  return {
    feed: path,
    calendar: {
      version: text(root, 'version'),
      prodid: text(root, 'prodid'),
      method: text(root, 'method'),
      calscale: text(root, 'calscale'),
      name: text(root, 'x-wr-calname'),
      timezone: text(root, 'x-wr-timezone'),
      refresh: text(root, 'refresh-interval'),
      ttl: text(root, 'x-published-ttl'),
    },
    timezones: zones.map((z) => z.getFirstPropertyValue('tzid')),
    events: root.getAllSubcomponents('vevent').map((e) => event(e, expand, problems)),
    problems,
  };
}

const args = process.argv.slice(2);
let expand = null;
if (args[0] === '--expand') {
  expand = [args[1], args[2]];
  args.splice(0, 3);
}
if (args.length === 0) {
  process.stderr.write('usage: node ics-events.mjs [--expand FROM TO] FILE...\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(args.map((p) => feed(p, expand)), null, 1) + '\n');
