#!/bin/sh
# smoke.sh SRCDIR BUILDDIR SECONDS OUT HARNESS...: make fuzz-smoke. Each
# harness (built with --enable-fuzz) runs for SECONDS from its seeds and
# its regression inputs under ASan and UBSan; any crash, leak, hang (10 s
# for one input), failed check or an RSS above 2 GiB fails the run, and the
# input that did it is kept in OUT/crash/. Prints each harness's figures.
set -eu
src=$1 build=$2 secs=$3 out=$4
shift 4
mkdir -p "$out/crash" "$out/corpus"
sh "$src/tests/fuzz/seeds.sh" "$src" "$build/scheduler/offpeak" "$out/seeds"
status=0
for h in "$@"; do
	name=${h#fuzz-}
	mkdir -p "$out/corpus/$name"
	regress=$src/tests/fuzz/regress/$name
	[ -d "$regress" ] || regress=
	echo "fuzz-smoke: $h for ${secs}s"
	set +e
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "$build/tests/fuzz/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/crash/$h-" \
	    "$out/corpus/$name" "$out/seeds/$name" $regress >"$out/$h.log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$h.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$out/$h.log" | tail -1)
	if [ "$rc" -ne 0 ]; then
		echo "fuzz-smoke: $h FAILED (exit $rc); its log: $out/$h.log"
		grep -E 'ERROR|SUMMARY|check failed|Test unit written' "$out/$h.log" | head -10
		status=1
	else
		echo "fuzz-smoke: $h ok: ${execs:-?} inputs, ${cov:-cov: ?} edges"
	fi
done
exit $status
