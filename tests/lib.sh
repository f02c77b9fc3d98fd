# Shared set-up for the end-to-end tests: sourced by tests/e2e/*.sh.
# Gives a temporary directory removed on exit, TAP helpers, and helpers to
# build plan repositories with git.
set -eu
LC_ALL=C
export LC_ALL
unset GIT_DIR GIT_WORK_TREE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES OFFPEAK_NOW || :

: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${OFFPEAK:=$SRCDIR/scheduler/offpeak}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/offpeak-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
HOME=$TMP/home
mkdir -p "$HOME"
export HOME
GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_NOSYSTEM
git config --global user.name "Test User"
git config --global user.email "test@example.com"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
# no detached "gc --auto" may still write in a repository the test removes
git config --global gc.auto 0
git config --global maintenance.auto false

# Every commit a test makes has a pinned date, so that nothing depends on
# today's: before any --now the tests use (they start in December 2025).
# commit_all moves it a minute on per commit, in the shell that calls it.
GIT_EPOCH=1748736000	# 2025-06-01T00:00:00Z
git_tick=0
GIT_AUTHOR_DATE="@$GIT_EPOCH +0000"
GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
export GIT_AUTHOR_DATE GIT_COMMITTER_DATE

tap_n=0
tap_failed=0

pass() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
fail() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }

# ok DESCRIPTION COMMAND...: passes when the command exits 0.
ok() {
	desc=$1; shift
	if "$@" >"$TMP/ok.out" 2>&1; then pass "$desc"; else fail "$desc"; diag "$(cat "$TMP/ok.out")"; fi
}

# run_offpeak ARGS...: runs the binary, leaving $out, $err and $rc.
run_offpeak() {
	set +e
	"$OFFPEAK" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
	rc=$?
	set -e
	out=$(cat "$TMP/stdout")
	err=$(cat "$TMP/stderr")
}

# expect_rc DESC WANT: checks $rc from the last run_offpeak.
expect_rc() {
	if [ "$rc" -eq "$2" ]; then pass "$1"; else fail "$1 (exit $rc, want $2)"; diag "stdout: $out" "stderr: $err"; fi
}

# expect_err DESC TEXT: the last stderr contains TEXT (fixed string).
expect_err() {
	if printf '%s\n' "$err" | grep -qF -- "$2"; then pass "$1"; else fail "$1"; diag "want in stderr: $2" "stderr: $err"; fi
}

# expect_out DESC TEXT: the last stdout contains TEXT (fixed string).
expect_out() {
	if printf '%s\n' "$out" | grep -qF -- "$2"; then pass "$1"; else fail "$1"; diag "want in stdout: $2" "stdout: $out"; fi
}

# base_repo DIR: a valid plan repository (tests/data/base) committed at DIR.
base_repo() {
	mkdir -p "$1"
	cp -R "$SRCDIR/tests/data/base/." "$1/"
	chmod +x "$1"/hooks/*
	git -C "$1" init -q
	commit_all "$1" "base"
}

# commit_all DIR MESSAGE: commit everything in DIR's work tree, a minute
# after the test's previous commit_all.
commit_all() {
	git_tick=$((git_tick + 1))
	GIT_AUTHOR_DATE="@$((GIT_EPOCH + 60 * git_tick)) +0000"
	GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
	git -C "$1" add -A
	git -C "$1" commit -q --allow-empty -m "$2"
}
