#!/bin/sh
# seeds.sh SRCDIR OFFPEAK OUT: the seed corpus of every harness, from the
# test data: plans and policies of the examples and of the bad-input
# corpus; state, approval and record files and the feeds of a demo run;
# the committed freeze calendars and HTTP requests of tests/fuzz/corpus.
# Writes OUT/<harness>/ (made anew).
set -eu
src=$1 offpeak=$2 out=$3
rm -rf "$out"
mkdir -p "$out"
for h in plan policy state freeze serve jsonloc; do mkdir -p "$out/$h"; done
n=0
add() {	# add HARNESS FILE [PREFIX-BYTE-OCTAL]
	n=$((n + 1))
	if [ $# -ge 3 ]; then
		{ printf "\\$3"; cat "$2"; } >"$out/$1/seed-$n"
	else
		cp "$2" "$out/$1/seed-$n"
	fi
}
for f in "$src"/tests/data/base/plans/*.json "$src"/plans/examples/plans/*.json \
    "$src"/plans/examples/init-plan.json "$src"/tests/data/bad/*/plans/*.json; do
	[ -f "$f" ] && add plan "$f" && add jsonloc "$f" 013
done
for f in "$src"/tests/data/*/offpeak.json "$src"/plans/examples/offpeak.json \
    "$src"/plans/examples/init-policy.json "$src"/tests/data/bad/*/offpeak.json; do
	[ -f "$f" ] && add policy "$f" && add jsonloc "$f" 001
done
cp "$src"/tests/fuzz/corpus/freeze/* "$out/freeze/" 2>/dev/null || :
cp "$src"/tests/fuzz/corpus/serve/* "$out/serve/" 2>/dev/null || :

# a demo run: its state branch and its feeds
demo=$(mktemp -d "${TMPDIR:-/tmp}/offpeak-seeds.XXXXXX")
trap 'rm -rf "$demo"' EXIT
"$offpeak" demo "$demo/d" >/dev/null 2>&1 || { echo "seeds.sh: offpeak demo failed" >&2; exit 1; }
for repo in "$demo/d" "$demo/d/execution"; do
	git -C "$repo" ls-tree -r --name-only offpeak-state >"$demo/files"
	while read -r path; do
		git -C "$repo" show "offpeak-state:$path" >"$demo/blob"
		case $path in
		state/*.json) id=${path#state/}; id=${id%.json}
			{ printf '\000%s\n' "$id"; cat "$demo/blob"; } >"$out/state/seed-$((n = n + 1))" ;;
		approvals/*.json) { printf '\001%s\n' "${path##*/}"; cat "$demo/blob"; } >"$out/state/seed-$((n = n + 1))" ;;
		records/*.json) { printf '\002%s\n' "${path##*/}"; cat "$demo/blob"; } >"$out/state/seed-$((n = n + 1))" ;;
		esac
	done <"$demo/files"
done
for f in "$demo"/d/feeds/*.ics "$demo"/d/feeds/*/*.ics; do
	[ -f "$f" ] && add freeze "$f"
done
exit 0
