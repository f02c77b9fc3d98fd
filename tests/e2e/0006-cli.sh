# The command line: help, usage errors, the global options.
. "$SRCDIR/tests/lib.sh"

run_offpeak --help
expect_rc "--help" 0
expect_out "--help lists the commands" "commands:"
for c in init demo check assess approve schedule status run cancel log report calendar serve publish; do
	run_offpeak "$c" --help
	expect_rc "$c --help exits 0" 0
	expect_out "$c --help shows its usage" "usage: offpeak"
	expect_out "$c --help names the command" " $c"
done

run_offpeak --version
expect_rc "--version" 0
expect_out "--version names the program" "offpeak "

run_offpeak
expect_rc "no command: usage" 2
run_offpeak frobnicate
expect_rc "an unknown command" 2
expect_err "is named" "unknown command: frobnicate"
run_offpeak c
expect_rc "an ambiguous prefix" 2
expect_err "is called ambiguous" "ambiguous command: c"
run_offpeak sched --help
expect_rc "a unique prefix works" 0
expect_out "and finds the command" "schedule"
run_offpeak --bogus check
expect_rc "an unknown global option" 2
run_offpeak check --bogus
expect_rc "an unknown command option" 2
expect_err "is named" "unknown option"
run_offpeak --now yesterday check
expect_rc "a bad --now" 2
expect_err "--now says what it wants" "is not a date-time with an offset"
OFFPEAK_NOW=soon run_offpeak check
expect_rc "a bad OFFPEAK_NOW" 2
run_offpeak approve
expect_rc "approve without an id" 2
run_offpeak cancel some-plan
expect_rc "cancel without -m" 2
run_offpeak run
expect_rc "run without an id" 2
run_offpeak log a b
expect_rc "log with two ids" 2
run_offpeak report --format xml
expect_rc "report with an unknown format" 2

# a plan id in a command is never a path
R=$TMP/repo
base_repo "$R"
run_offpeak -C "$R" log ../../etc/passwd
expect_rc "log refuses a path as an id" 1
run_offpeak -C "$R" --now 2026-12-01T00:00:00Z status ../x
expect_rc "status of an unknown id" 1
expect_err "says so" "no plan has the id '../x'"

done_testing
