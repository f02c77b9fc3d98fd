# Every fuzz harness replays its seed corpus (made from the test data) and
# every input a fuzzer once found (tests/fuzz/regress/<harness>/), through
# the same invariants it checks while fuzzing: no crash, no failed check,
# and under an --enable-asan build no memory error, leak or undefined
# behaviour either.
. "$SRCDIR/tests/lib.sh"

B=$(cd "$(dirname "$OFFPEAK")/.." && pwd)
sh "$SRCDIR/tests/fuzz/seeds.sh" "$SRCDIR" "$OFFPEAK" "$TMP/seeds" >"$TMP/seeds.log" 2>&1 ||
    { echo "Bail out! seeds.sh failed: $(cat "$TMP/seeds.log")"; exit 1; }
for h in plan policy state freeze serve jsonloc; do
	bin=$B/tests/fuzz/fuzz-$h
	[ -x "$bin" ] || { fail "fuzz-$h is not built"; continue; }
	n=$(ls "$TMP/seeds/$h" | wc -l)
	set -- -runs=0 "$TMP/seeds/$h"
	r=0
	if [ -d "$SRCDIR/tests/fuzz/regress/$h" ]; then
		set -- "$@" "$SRCDIR/tests/fuzz/regress/$h"
		r=$(ls "$SRCDIR/tests/fuzz/regress/$h" | wc -l)
	fi
	if FUZZ_OFFPEAK=$OFFPEAK "$bin" "$@" >"$TMP/$h.out" 2>&1; then
		pass "fuzz-$h: $n seeds and $r regression inputs"
	else
		fail "fuzz-$h fails on its seeds or regression inputs"
		diag "$(tail -20 "$TMP/$h.out")"
	fi
done
[ "$(ls "$TMP/seeds/state" | wc -l)" -ge 20 ] && pass "the state seeds come from a demo run's state branch" ||
    fail "few state seeds: $(ls "$TMP/seeds/state" | wc -l)"
done_testing
