# Sourced by the benchmarks: bench_mean CMDLINE WARMUP prints the mean
# seconds of a shell command line over $RUNS runs, with hyperfine (-N, or
# through a shell when that fails) after WARMUP runs, or with date(1)
# around a loop when hyperfine is missing or BENCH_TIMER=time. Uses $work
# for hyperfine's JSON.
bench_mean() {
	if command -v hyperfine >/dev/null 2>&1 && [ "${BENCH_TIMER:-}" != time ]; then
		hyperfine -N --warmup "$2" --runs "$RUNS" --export-json "$work/h.json" \
		    "$1" > /dev/null 2>&1 || hyperfine --warmup "$2" --runs "$RUNS" \
		    --export-json "$work/h.json" "$1" > /dev/null
		python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$work/h.json"
	else
		s=$(date +%s.%N)
		i=0
		while [ $i -lt "$RUNS" ]; do sh -c "$1" > /dev/null 2>&1; i=$((i + 1)); done
		e=$(date +%s.%N)
		echo "$s $e $RUNS" | awk '{ printf "%.4f\n", ($2 - $1) / $3 }'
	fi
}
