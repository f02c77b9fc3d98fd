#!/usr/bin/env python3
"""Generate a large, valid offpeak plan repository for benchmarks.

usage: gen.py [--plans N] [--systems S] [--seed K] OUTDIR

Writes OUTDIR/offpeak.json (S systems in about S/20 groups, weeknight and
weekend windows that cover every group, a year-end freeze, three risk levels),
N plans under OUTDIR/plans/ with a realistic mix of fields, and the hooks they
reference (hooks/backup, hooks/step, hooks/verify, hooks/rollback). Then it
makes OUTDIR a git repository with one commit and runs `git gc` so the blobs
are packed, as in a long-lived repository.

The output is a function of the arguments alone: the same N, S and seed give
the same files and the same commit id.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys

GROUP_KINDS = ["web", "app", "db", "cache", "mq", "net", "storage", "batch", "search", "auth"]

# (slug, title, impact choices, duration choices, backup paths, data_migration chance)
CHANGES = [
    ("kernel-patch", "Kernel security update and reboot on {sys}", ["reduced-redundancy", "outage"],
     ["PT30M", "PT45M", "PT1H"], ["/boot", "/etc/default/grub"], 0.0),
    ("os-upgrade", "Debian 12 to 13 upgrade on {sys}", ["outage", "degraded"],
     ["PT2H", "PT3H"], ["/etc", "/var/lib/dpkg"], 0.1),
    ("nginx-upgrade", "Upgrade nginx to {ver} on {sys}", ["reduced-redundancy", "none"],
     ["PT30M", "PT45M"], ["/etc/nginx"], 0.0),
    ("postgres-minor", "PostgreSQL minor update {ver} on {sys}", ["outage", "degraded"],
     ["PT45M", "PT1H"], ["/var/lib/postgresql"], 0.3),
    ("postgres-major", "PostgreSQL major upgrade to {ver} on {sys}", ["outage"],
     ["PT2H", "PT3H"], ["/var/lib/postgresql"], 1.0),
    ("tls-rotation", "Rotate TLS certificates on {sys}", ["none"],
     ["PT15M", "PT30M"], ["/etc/ssl/private"], 0.0),
    ("firmware", "Firmware {ver} on {sys}", ["reduced-redundancy", "outage"],
     ["PT1H", "PT2H"], ["/srv/netconfig"], 0.0),
    ("config-change", "Configuration change on {sys}", ["none", "reduced-redundancy"],
     ["PT15M", "PT30M"], ["/etc"], 0.0),
    ("disk-grow", "Grow data volume on {sys}", ["none", "degraded"],
     ["PT30M", "PT1H"], ["/etc/lvm"], 0.0),
    ("schema-migration", "Schema migration {ver} for {sys}", ["degraded", "outage"],
     ["PT1H", "PT1H30M"], ["/var/lib/postgresql"], 1.0),
    ("java-runtime", "Java runtime {ver} on {sys}", ["reduced-redundancy", "degraded"],
     ["PT45M", "PT1H"], ["/opt/java", "/etc/default"], 0.0),
    ("zertifikat", "Zertifikatswechsel für {sys}", ["none"],
     ["PT20M"], ["/etc/ssl/private"], 0.0),
]

DESCRIPTIONS = [
    "Routine maintenance.",
    "Vendor advisory; patch released last week.\nRolling, one node at a time where the group allows it.",
    "Requested by the service owner after the last incident review.\n\nSteps rehearsed on staging; rollback restores the backup taken first.",
    "Capacity work ahead of the seasonal peak.\nMonitoring dashboards to be watched for 30 minutes afterwards.",
    "Lifecycle: the running version leaves vendor support this quarter.",
]

HOOKS = {
    "hooks/backup": """#!/bin/sh
# Benchmark backup hook: records what it would have saved.
set -eu
: "${OFFPEAK_BACKUP_MANIFEST:?}"
printf 'backup %s %s\\n' "${OFFPEAK_PLAN_ID:-unknown}" "$*" > "$OFFPEAK_BACKUP_MANIFEST"
""",
    "hooks/step": """#!/bin/sh
# Benchmark change step: does nothing but say what it would do.
echo "step: $*"
""",
    "hooks/verify": """#!/bin/sh
# Benchmark verification: always passes.
echo "verify: $*"
""",
    "hooks/rollback": """#!/bin/sh
# Benchmark rollback: does nothing but say what it would restore.
echo "rollback: $*"
""",
}

ORIGIN = datetime.datetime(2027, 1, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+01:00")


def make_policy(rng, nsystems):
    ngroups = max(1, round(nsystems / 20))
    groups = []
    for g in range(ngroups):
        kind = GROUP_KINDS[g % len(GROUP_KINDS)]
        groups.append("%s-%02d" % (kind, g // len(GROUP_KINDS) + 1))
    systems = {}
    members = {g: [] for g in groups}
    for i in range(nsystems):
        group = groups[i % ngroups]
        name = "%s-n%02d" % (group, len(members[group]) + 1)
        crit = rng.choices(["low", "medium", "high"], weights=[3, 5, 2])[0]
        systems[name] = {"group": group, "criticality": crit}
        members[group].append(name)
    policy = {
        "version": 1,
        "provider": "Bench Corp IT",
        "calendar": {
            "name": "Bench maintenance", "domain": "ops.bench.example",
            "organizer": "mailto:noc@bench.example", "refresh": "PT1H",
            "reminders": ["-P1D", "-PT1H"], "cancelled_retention": "P30D",
        },
        "timezone": "Europe/Berlin",
        "systems": systems,
        "windows": [
            {"name": "weeknights", "groups": groups, "start": "2027-01-04T01:00:00",
             "timezone": "Europe/Berlin", "duration": "PT4H",
             "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"},
            {"name": "weekends", "groups": groups, "start": "2027-01-02T02:00:00",
             "timezone": "Europe/Berlin", "duration": "PT8H",
             "rrule": "FREQ=WEEKLY;BYDAY=SA,SU", "exdates": ["2027-12-25T02:00:00"]},
        ],
        "freezes": [
            {"name": "year-end", "start": "2027-12-20T00:00:00+01:00", "end": "2028-01-03T00:00:00+01:00"},
            {"name": "quarter-close", "start": "2027-03-29T00:00:00", "timezone": "Europe/Berlin",
             "duration": "P3D", "rrule": "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-3"},
        ],
        "risk": {
            "weights": {"impact.outage": 3, "impact.degraded": 2, "impact.reduced-redundancy": 1,
                        "criticality.high": 2, "rollback.none": 3, "rollback.untested": 1,
                        "data_migration": 2, "untested_in_staging": 2, "systems_over_3": 1},
            "levels": [
                {"name": "low", "max_score": 2, "notice": "P1D", "approvals": 1},
                {"name": "medium", "max_score": 5, "notice": "P3D", "approvals": 1},
                {"name": "high", "notice": "P7D", "approvals": 2},
            ],
        },
        "approvers": ["alice@bench.example", "bob@bench.example", "carol@bench.example"],
        "max_concurrent": 50,
    }
    return policy, groups, members


def make_plan(rng, i, ids, groups, members):
    slug, title, impacts, durations, paths, p_migration = rng.choice(CHANGES)
    group = rng.choice(groups)
    n = min(rng.choices([1, 2, 3, 4], weights=[5, 3, 2, 1])[0], len(members[group]))
    systems = rng.sample(members[group], n)
    if rng.random() < 0.15 and len(groups) > 1:
        other = rng.choice(groups)
        extra = rng.choice(members[other])
        if extra not in systems:
            systems.append(extra)
    pid = "chg-%05d-%s" % (i + 1, slug)
    ver = "%d.%d.%d" % (rng.randint(1, 20), rng.randint(0, 30), rng.randint(0, 9))
    what = systems[0] if len(systems) == 1 else "%s and %d more" % (systems[0], len(systems) - 1)
    rollback = rng.choices(["tested", "untested", "none"], weights=[7, 2, 1])[0]
    plan = {
        "id": pid,
        "title": title.format(sys=what, ver=ver),
    }
    if rng.random() < 0.6:
        plan["description"] = rng.choice(DESCRIPTIONS)
    plan["owner"] = "team-%s@bench.example" % group.split("-")[0]
    plan["type"] = rng.choices(["standard", "normal", "emergency"], weights=[6, 13, 1])[0]
    plan["systems"] = systems
    plan["impact"] = rng.choice(impacts)
    plan["duration"] = rng.choice(durations)
    if rng.random() < 0.3:
        start = ORIGIN + datetime.timedelta(days=rng.randint(0, 300))
        plan["not_before"] = rfc3339(start)
        if rng.random() < 0.6:
            plan["not_after"] = rfc3339(start + datetime.timedelta(days=rng.randint(30, 90)))
    elif rng.random() < 0.1:
        plan["not_after"] = rfc3339(ORIGIN + datetime.timedelta(days=rng.randint(60, 360)))
    if ids and rng.random() < 0.15:
        recent = ids[-200:]
        plan["depends_on"] = rng.sample(recent, min(len(recent), rng.choice([1, 1, 2])))
    plan["risk"] = {"rollback": rollback,
                    "data_migration": rng.random() < p_migration,
                    "tested_in_staging": rng.random() < 0.8}
    plan["backup"] = {"run": ["hooks/backup"] + paths, "timeout": "PT30M"}
    plan["steps"] = [{"name": "%s on %s" % (slug, s), "run": ["hooks/step", slug, s], "timeout": "PT20M"}
                     for s in systems[:3]]
    verify = {}
    if rng.random() < 0.8:
        verify["run"] = [["hooks/verify", s] for s in systems[:2]]
    if "run" not in verify or rng.random() < 0.4:
        verify["http"] = [{"url": "https://%s.bench.example/healthz" % systems[0], "status": 200,
                           "max_ms": rng.choice([200, 500, 1000]), "contains": "ok", "within": "PT5M"}]
    plan["verify"] = verify
    if rollback != "none":
        plan["rollback"] = {"run": ["hooks/rollback"] + paths, "timeout": "PT30M"}
    return plan


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def git(outdir, *args):
    env = dict(os.environ)
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        env.pop(var, None)
    env.update({
        "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@bench.example",
        "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@bench.example",
        "GIT_AUTHOR_DATE": "2027-01-01T00:00:00+00:00", "GIT_COMMITTER_DATE": "2027-01-01T00:00:00+00:00",
        "GIT_CONFIG_NOSYSTEM": "1",
    })
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", "-c", "gc.auto=0",
                    "-C", outdir] + list(args),
                   env=env, check=True)


def main():
    ap = argparse.ArgumentParser(description="Generate a large offpeak plan repository.")
    ap.add_argument("--plans", type=int, default=10000, help="number of plans (default 10000)")
    ap.add_argument("--systems", type=int, default=2000, help="number of systems (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--standard", action="store_true",
                    help="make every plan a standard (pre-approved) change, for scheduling benchmarks")
    ap.add_argument("--max-concurrent", type=int, default=50,
                    help="the policy's max_concurrent (default 50)")
    ap.add_argument("outdir")
    a = ap.parse_args()
    if a.plans < 0 or a.systems < 1:
        ap.error("need --plans >= 0 and --systems >= 1")
    if os.path.exists(a.outdir) and os.listdir(a.outdir):
        ap.error("%s exists and is not empty" % a.outdir)

    rng = random.Random(a.seed)
    policy, groups, members = make_policy(rng, a.systems)
    policy["max_concurrent"] = a.max_concurrent
    write(os.path.join(a.outdir, "offpeak.json"), json.dumps(policy, indent=2) + "\n")
    for path, text in HOOKS.items():
        write(os.path.join(a.outdir, path), text, 0o755)
    ids = []
    for i in range(a.plans):
        plan = make_plan(rng, i, ids, groups, members)
        if a.standard:
            plan["type"] = "standard"
        ids.append(plan["id"])
        write(os.path.join(a.outdir, "plans", plan["id"] + ".json"),
              json.dumps(plan, indent=2, ensure_ascii=False) + "\n")

    git(a.outdir, "init", "-q")
    git(a.outdir, "add", "-A")
    git(a.outdir, "commit", "-q", "-m", "bench: %d plans, %d systems (seed %d)" % (a.plans, a.systems, a.seed))
    git(a.outdir, "gc", "-q")
    return 0


if __name__ == "__main__":
    sys.exit(main())
