#!/bin/sh
# Benchmark the server's check of pushed state commits, and audit, on the
# 10k-plan repository.
#
# usage: guard.sh OFFPEAK       (run by `make bench`)
#
# gen.py builds 10,000 standard plans over 2,000 systems; `offpeak
# schedule` places them all (commit A: 10,000 new state files, the largest
# commit offpeak makes), then alice approves one plan (commit B: one state
# file and one approval, the commit a push usually carries). Measured in the
# same run, with hyperfine (or /usr/bin/time when it is missing):
#   - `offpeak check --pre-receive` given "A B refs/heads/offpeak-state",
#     against its anchor `git diff-tree -r A B` (what git itself reads of
#     the same push);
#   - the same check of commit A against the empty state, against
#     `git diff-tree -r --root A`;
#   - `offpeak audit` of the whole history, against `git log -p
#     offpeak-state` (git reading every change of the same history).
# Approvals here are unsigned: with signing required each new signed
# approval or run statement adds one ssh-keygen -Y verify (about 20 ms),
# once, after which the server's cache answers.
#
# Goal: one pushed state commit (B) checked in under 0.5 s.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OFFPEAK" >&2; exit 2; }
OFFPEAK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
PLANS=${BENCH_PLANS:-10000}
SYSTEMS=${BENCH_SYSTEMS:-2000}
RUNS=${BENCH_RUNS:-10}
NOW=2027-01-01T00:00:00Z
work=$(mktemp -d "${TMPDIR:-/tmp}/offpeak-bench-guard.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
repo=$work/repo

python3 "$here/gen.py" --plans "$PLANS" --systems "$SYSTEMS" --standard \
    --max-concurrent $((PLANS / 100 > 1 ? PLANS / 100 : 1)) "$repo" > /dev/null
git -C "$repo" config offpeak.allowSimulatedClock true
"$OFFPEAK" -C "$repo" --now "$NOW" schedule > /dev/null
A=$(git -C "$repo" rev-parse offpeak-state)
id=$(git -C "$repo" ls-tree --name-only HEAD plans/ | head -1 | sed 's|plans/||; s|\.json$||')
git -C "$repo" config user.email alice@bench.example
"$OFFPEAK" -C "$repo" --now "$NOW" approve "$id" -m "bench" > /dev/null
B=$(git -C "$repo" rev-parse offpeak-state)
printf '%s %s refs/heads/offpeak-state\n' "$A" "$B" > "$work/push-one"
printf '0000000000000000000000000000000000000000 %s refs/heads/offpeak-state\n' "$A" > "$work/push-all"
# the guard must find nothing wrong in either
(cd "$repo" && "$OFFPEAK" check --pre-receive < "$work/push-one") ||
    { echo "guard.sh: the approval commit was refused" >&2; exit 1; }
(cd "$repo" && "$OFFPEAK" check --pre-receive < "$work/push-all") ||
    { echo "guard.sh: the schedule commit was refused" >&2; exit 1; }

. "$here/mean.sh"
mean() { bench_mean "$1" 2; }

one="sh -c 'cd $repo && $OFFPEAK check --pre-receive < $work/push-one'"
one_git="git -C $repo diff-tree -r $A $B"
all="sh -c 'cd $repo && $OFFPEAK check --pre-receive < $work/push-all'"
all_git="git -C $repo diff-tree -r --root $A"
audit="$OFFPEAK -C $repo audit"
audit_git="sh -c 'git -C $repo log -p offpeak-state > /dev/null'"

t1=$(mean "$one"); g1=$(mean "$one_git")
t2=$(mean "$all"); g2=$(mean "$all_git")
t3=$(mean "$audit"); g3=$(mean "$audit_git")

echo "offpeak state guard benchmark ($PLANS plans, $SYSTEMS systems)"
printf '%-44s %10s %12s %8s\n' "what" "offpeak s" "anchor s" "ratio"
row() { awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%-44s %10.4f %12.4f %7.1fx\n", w, a, b, (b > 0 ? a / b : 0) }'; }
row "one pushed commit (1 state file, 1 approval)" "$t1" "$g1"
row "the first schedule (10,000 state files)" "$t2" "$g2"
row "audit of the whole history" "$t3" "$g3"
echo "commands:"
echo "  $one"
echo "    anchor: $one_git"
echo "  $all"
echo "    anchor: $all_git"
echo "  $audit"
echo "    anchor: $audit_git"
awk -v t="$t1" 'BEGIN { if (t < 0.5) print "goal: one pushed state commit under 0.5 s: met"; else { print "goal: one pushed state commit under 0.5 s: MISSED"; exit 1 } }'
