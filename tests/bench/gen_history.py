#!/usr/bin/env python3
"""Generate a plan repository with years of finished changes behind it.

usage: gen_history.py [--active N] [--finished M] [--systems S] [--years Y]
                      [--seed K] OUTDIR

OUTDIR gets what gen.py --standard --plans N --systems S makes (the same
policy, hooks and N active plans, byte for byte), but behind it lies Y
years of history, written with git fast-import, one week per commit pair:

  - the plans branch gains that week's plans, and loses the ones that
    finished the week before (teams delete a plan file once it is done);
  - the state branch (offpeak-state) records how they ended: completed,
    rolled back, failed, cancelled or expired, each with its state file,
    an approval for normal changes, and for those that ran a maintenance
    record and its first log, as `offpeak run` writes them; every state
    commit names the plans commit it was made from (Offpeak-Plans).

The last plans commit holds the N active plans and no finished one, so a
fresh gen.py repository of the same N plans is the same plans tree: the
difference between the two is the history alone. Run `offpeak schedule`
on both to make the active plans approved, scheduled or waiting.

The output is a function of the arguments alone.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (the same policy, hooks and active plans)

END = datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc)
ENDINGS = [("completed", 70), ("rolled-back", 5), ("failed", 2), ("cancelled", 15), ("expired", 8)]
APPROVERS = ["alice@bench.example", "bob@bench.example", "carol@bench.example"]


def utc(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def dumps(o):
    return json.dumps(o, indent=2, ensure_ascii=False) + "\n"


class FastImport:
    """A stream for git fast-import, with marks for blobs and commits."""

    def __init__(self, outdir, marks):
        self.p = subprocess.Popen(["git", "-C", outdir, "fast-import", "--quiet",
                                   "--export-marks=" + marks],
                                  stdin=subprocess.PIPE)
        self.mark = 0

    def write(self, b):
        self.p.stdin.write(b)

    def data(self, text):
        b = text.encode("utf-8")
        self.write(b"data %d\n" % len(b))
        self.write(b)
        self.write(b"\n")

    def blob(self, text):
        self.mark += 1
        self.write(b"blob\nmark :%d\n" % self.mark)
        self.data(text)
        return self.mark

    def commit(self, ref, when, message, parent, ops):
        self.mark += 1
        stamp = "%d +0000" % int(when.timestamp())
        self.write(("commit %s\nmark :%d\nauthor Bench <bench@bench.example> %s\n"
                    "committer Bench <bench@bench.example> %s\n" % (ref, self.mark, stamp, stamp)).encode())
        self.data(message)
        if parent:
            self.write(b"from :%d\n" % parent)
        for op in ops:
            self.write(op.encode("utf-8") + b"\n")
        return self.mark

    def close(self):
        self.p.stdin.close()
        if self.p.wait() != 0:
            sys.exit("gen_history.py: git fast-import failed")


def finished_change(rng, i, when, plan):
    """The state, approval and record files of one finished change."""
    status = rng.choices([e for e, _ in ENDINGS], weights=[w for _, w in ENDINGS])[0]
    pid = plan["id"]
    rev = "%040x" % rng.getrandbits(160)
    secs = gen_duration(plan["duration"])
    start = when.replace(hour=0, minute=0, second=0) + datetime.timedelta(days=rng.randint(0, 6), hours=1)
    end = start + datetime.timedelta(seconds=secs)
    submitted = start - datetime.timedelta(days=rng.randint(3, 20))
    level = rng.choice(["low", "medium", "high"])
    st = {"id": pid, "status": status, "revision": rev, "sequence": rng.randint(2, 6),
          "submitted_at": utc(submitted), "updated_at": utc(end),
          "risk": {"score": rng.randint(0, 9), "level": level,
                   "notice": {"low": "P1D", "medium": "P3D", "high": "P7D"}[level],
                   "approvals": 0 if plan["type"] == "standard" else 1,
                   "emergency": plan["type"] == "emergency", "factors": []}}
    files = {}
    ran = status in ("completed", "rolled-back", "failed")
    if status != "expired":
        st["slot"] = {"start": utc(start), "end": utc(end),
                      "start_local": utc(start), "end_local": utc(end),
                      "window": "weeknights", "timezone": "Europe/Berlin"}
        st["slot_live"] = status != "cancelled"
        st["published_at"] = utc(submitted)
        if status == "cancelled":
            st["released_at"] = utc(start - datetime.timedelta(days=1))
            st["reason"] = "cancelled by %s: superseded by a later plan" % rng.choice(APPROVERS)
    else:
        st["reason"] = "not_after passed before a slot was found"
    if ran:
        run = start.strftime("%Y%m%dT%H%M%SZ") + "-%d" % (1000 + i % 30000)
        st["run"] = {"id": run, "operator": rng.choice(APPROVERS), "host": "ops1",
                     "pid": 1000 + i % 30000, "pid_start": 1, "started_at": utc(start),
                     "outcome": status}
        taken = int(secs * rng.uniform(0.3, 1.4))
        rec = {"plan": pid, "run": run, "outcome": status,
               "gates": [{"gate": g, "ok": True} for g in ("approved", "scheduled", "window",
                                                             "notice", "freeze", "lock")],
               "phases": [{"phase": "backup", "name": "backup", "started_at": utc(start),
                           "status": "ok", "log": "records/%s/%s/01-backup.log" % (pid, run),
                           "ended_at": utc(start + datetime.timedelta(seconds=60)), "exit": 0,
                           "signal": None, "timed_out": False, "output_tail": ""}],
               "verification": [], "title": plan["title"], "revision": rev,
               "commit": "%040x" % rng.getrandbits(160), "operator": st["run"]["operator"],
               "host": "ops1", "pid": st["run"]["pid"], "simulated": False,
               "emergency": plan["type"] == "emergency", "risk_level": level,
               "slot_start": utc(start), "slot_end": utc(end), "window": "weeknights",
               "planned_seconds": secs, "published_at": utc(submitted), "notice_held": True,
               "started_at": utc(start), "ended_at": utc(start + datetime.timedelta(seconds=taken))}
        if status != "completed":
            rec["reason"] = "verification failed: hooks/verify exited 1"
        files["records/%s/%s.json" % (pid, run)] = dumps(rec)
        files["records/%s/%s/01-backup.log" % (pid, run)] = "backup %s\n" % pid
    if plan["type"] != "standard" and status != "expired":
        files["approvals/%s/1.json" % pid] = dumps({
            "approver": rng.choice(APPROVERS), "decision": "approve", "revision": rev,
            "at": utc(submitted + datetime.timedelta(days=1))})
    st["plan"] = {"title": plan["title"], "owner": plan["owner"], "type": plan["type"],
                  "impact": plan["impact"], "rollback": plan["risk"]["rollback"],
                  "systems": plan["systems"]}
    files["state/%s.json" % pid] = dumps(st)
    return files, status


def gen_duration(d):
    """Seconds of the ISO 8601 durations gen.py uses (PT<h>H<m>M)."""
    t = d[2:]
    secs = 0
    num = ""
    for c in t:
        if c.isdigit():
            num += c
        else:
            secs += int(num) * {"H": 3600, "M": 60, "S": 1}[c]
            num = ""
    return secs


def main():
    ap = argparse.ArgumentParser(description="Generate a plan repository with years of history.")
    ap.add_argument("--active", type=int, default=2000, help="active plans (default 2000)")
    ap.add_argument("--finished", type=int, default=50000, help="finished changes (default 50000)")
    ap.add_argument("--systems", type=int, default=2000, help="systems (default 2000)")
    ap.add_argument("--years", type=int, default=5, help="years of history (default 5)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("outdir")
    a = ap.parse_args()
    if os.path.exists(a.outdir) and os.listdir(a.outdir):
        ap.error("%s exists and is not empty" % a.outdir)

    # the same policy, hooks and active plans as gen.py --standard
    rng = random.Random(a.seed)
    policy, groups, members = gen.make_policy(rng, a.systems)
    policy["max_concurrent"] = max(1, a.active // 100)
    top = {"offpeak.json": json.dumps(policy, indent=2) + "\n"}
    top.update(gen.HOOKS)
    ids, active = [], {}
    for i in range(a.active):
        plan = gen.make_plan(rng, i, ids, groups, members)
        plan["type"] = "standard"
        ids.append(plan["id"])
        active["plans/%s.json" % plan["id"]] = json.dumps(plan, indent=2, ensure_ascii=False) + "\n"

    os.makedirs(a.outdir, exist_ok=True)
    gen.git(a.outdir, "init", "-q")
    marks = os.path.join(os.path.abspath(a.outdir), ".git", "gen-history-marks")
    hrng = random.Random(a.seed + 1000)
    weeks = a.years * 52
    per_week, extra = divmod(a.finished, weeks)
    begin = END - datetime.timedelta(weeks=weeks + 1)

    # pass 1: the plans branch, a commit a week
    fi = FastImport(a.outdir, marks)
    ops = []
    for path, text in top.items():
        mode = "755" if path.startswith("hooks/") else "644"
        ops.append("M %s :%d %s" % (mode, fi.blob(text), path))
    tip = fi.commit("refs/heads/master", begin, "policy and hooks\n", None, ops)
    history = []			# (week's time, plans commit mark, [(n, plan)])
    gone, n = [], 0
    for w in range(weeks):
        when = begin + datetime.timedelta(weeks=w + 1)
        ops = ["D %s" % p for p in gone]
        plans = []
        for _ in range(per_week + (1 if w < extra else 0)):
            plan = gen.make_plan(hrng, n, [], groups, members)
            plan["id"] = "old-%05d-%s" % (n + 1, plan["id"].split("-", 2)[2])
            for key in ("depends_on", "not_before", "not_after"):
                plan.pop(key, None)
            ops.append("M 644 :%d plans/%s.json" % (fi.blob(dumps(plan)), plan["id"]))
            plans.append((n, plan))
            n += 1
        tip = fi.commit("refs/heads/master", when, "week %d: %d plans\n" % (w + 1, len(plans)),
                        tip, ops)
        history.append((when, tip, plans))
        gone = ["plans/%s.json" % p["id"] for _, p in plans]
    ops = ["D %s" % p for p in gone]
    for path, text in sorted(active.items()):
        ops.append("M 644 :%d %s" % (fi.blob(text), path))
    fi.commit("refs/heads/master", END - datetime.timedelta(days=1),
              "bench: %d active plans\n" % a.active, tip, ops)
    fi.close()
    ids = {}
    with open(marks) as f:
        for line in f:
            m, sha = line.split()
            ids[int(m[1:])] = sha

    # pass 2: the state branch, how each week's changes ended
    fi = FastImport(a.outdir, marks + "-state")
    tip, stats = None, {}
    for w, (when, plans_mark, plans) in enumerate(history):
        ops, lines = [], []
        for i, plan in plans:
            files, status = finished_change(hrng, i, when, plan)
            stats[status] = stats.get(status, 0) + 1
            for path, text in files.items():
                ops.append("M 644 :%d %s" % (fi.blob(text), path))
            lines.append("%s %s" % (status, plan["id"]))
        msg = "history: week %d, %d changes ended\n\n%s\n\nOffpeak-Plans: %s\n" % (
            w + 1, len(plans), "\n".join(lines), ids[plans_mark])
        tip = fi.commit("refs/heads/offpeak-state", when + datetime.timedelta(days=3), msg, tip, ops)
    fi.close()
    gen.git(a.outdir, "reset", "-q", "--hard", "master")
    gen.git(a.outdir, "gc", "-q")
    print("%d active plans; %d finished changes over %d weeks: %s" % (
        a.active, n, weeks, ", ".join("%s %d" % kv for kv in sorted(stats.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
