# offpeak init and offpeak demo build working repositories from the files
# built into the binary; the sample hooks they ship do what they say.
. "$SRCDIR/tests/lib.sh"
command -v git >/dev/null 2>&1 || skip_all "git not found"

# mode_of REPO PATH: the mode of PATH in REPO's HEAD commit.
mode_of() {
	git -C "$1" ls-tree HEAD -- "$2" | cut -d ' ' -f 1
}

# --- init into a new directory

run_offpeak init "$TMP/new"
expect_rc "init into a new directory" 0
expect_out "init lists the policy" "offpeak.json"
expect_out "init lists the example plan" "plans/example-upgrade.json"
expect_out "init shows the next steps" "check"
run_offpeak -C "$TMP/new" check
expect_rc "check passes on a fresh init" 0
if [ "$(git -C "$TMP/new" symbolic-ref HEAD)" = refs/heads/main ] &&
    [ "$(git -C "$TMP/new" rev-list --count HEAD)" = 1 ]; then
	pass "one commit on branch main"
else
	fail "one commit on branch main"
fi
bad=
for h in backup-files backup-postgres verify-http rollback-files upgrade-step pre-receive; do
	[ "$(mode_of "$TMP/new" "hooks/$h")" = 100755 ] || bad="$bad $h"
done
if [ -z "$bad" ]; then pass "every hook is committed as 100755"; else fail "hooks not 100755:$bad"; fi
if [ "$(mode_of "$TMP/new" offpeak.json)" = 100644 ] &&
    [ "$(mode_of "$TMP/new" plans/example-upgrade.json)" = 100644 ]; then
	pass "policy and plan are committed as 100644"
else
	fail "policy and plan are committed as 100644"
fi
if [ -z "$(git -C "$TMP/new" status --porcelain)" ] && [ -x "$TMP/new/hooks/backup-files" ]; then
	pass "the work tree matches the commit, hooks executable"
else
	fail "the work tree matches the commit, hooks executable"
fi
if cmp -s "$TMP/new/hooks/pre-receive" "$SRCDIR/hooks/pre-receive" &&
    cmp -s "$TMP/new/offpeak.json" "$SRCDIR/plans/examples/init-policy.json" &&
    cmp -s "$TMP/new/plans/example-upgrade.json" "$SRCDIR/plans/examples/init-plan.json"; then
	pass "the files are the ones in the source tree"
else
	fail "the files are the ones in the source tree"
fi

# --- init with no DIR, in an empty current directory

mkdir "$TMP/here"
set +e
(cd "$TMP/here" && "$OFFPEAK" init >/dev/null 2>&1)
rc=$?
set -e
if [ "$rc" -eq 0 ] && [ -f "$TMP/here/offpeak.json" ] && [ -d "$TMP/here/.git" ]; then
	pass "init without DIR uses the current directory"
else
	fail "init without DIR uses the current directory (exit $rc)"
fi

# --- init refuses a directory that holds anything

mkdir "$TMP/full"
echo keep >"$TMP/full/notes.txt"
run_offpeak init "$TMP/full"
expect_rc "init into a non-empty directory exits 5" 5
expect_err "... and says why" "offpeak: init: '$TMP/full' is not empty"
if [ "$(ls -A "$TMP/full")" = notes.txt ] && [ "$(cat "$TMP/full/notes.txt")" = keep ]; then
	pass "... and changes nothing"
else
	fail "... and changes nothing"; diag "$(ls -A "$TMP/full")"
fi
echo x >"$TMP/afile"
run_offpeak init "$TMP/afile"
expect_rc "init onto a file exits 5" 5
run_offpeak init "$TMP/a" "$TMP/b"
expect_rc "init with two directories is a usage error" 2
run_offpeak init --help
expect_rc "init --help" 0
expect_out "init --help documents exit 5" "5  environment: repository, file system, network"

# --- demo into a given directory

run_offpeak demo "$TMP/demo"
expect_rc "demo into a new directory" 0
if printf '%s\n' "$out" | grep -Eq '^check: [0-9]+ plans, [0-9]+ systems, [0-9]+ groups: no problems$'; then
	pass "demo prints the check summary"
else
	fail "demo prints the check summary"; diag "stdout: $out" "stderr: $err"
fi
nplans=$(git -C "$TMP/demo" ls-tree --name-only HEAD plans/ | grep -c '\.json$' || :)
if [ "$nplans" -ge 12 ]; then pass "the demo repository has $nplans plans"; else fail "the demo repository has $nplans plans, want >= 12"; fi
if [ "$(mode_of "$TMP/demo" hooks/backup-files)" = 100755 ] &&
    [ "$(mode_of "$TMP/demo" offpeak.json)" = 100644 ]; then
	pass "demo hooks are executable"
else
	fail "demo hooks are executable"
fi
run_offpeak -C "$TMP/demo" check
expect_rc "check passes on the demo repository" 0
run_offpeak demo "$TMP/demo"
expect_rc "demo into a non-empty directory exits 5" 5

# --- demo without DIR makes its own directory and says where

mkdir "$TMP/tmpdir"
TMPDIR=$TMP/tmpdir
export TMPDIR
run_offpeak demo
unset TMPDIR
expect_rc "demo without DIR" 0
made=$(printf '%s\n' "$out" | sed -n "s|^demo: example repository in \\($TMP/tmpdir/offpeak-demo\\.[A-Za-z0-9]*\\) .*|\\1|p")
if [ -n "$made" ] && [ -d "$made/.git" ] && [ "$(ls "$TMP/tmpdir")" = "${made##*/}" ]; then
	pass "demo without DIR prints the directory it made"
else
	fail "demo without DIR prints the directory it made"; diag "stdout: $out"
fi

# --- the sample hooks, as init wrote them

hooks=$TMP/new/hooks
export OFFPEAK_PLAN_ID=example-upgrade OFFPEAK_RUN_ID=run-1 OFFPEAK_PHASE=backup
export OFFPEAK_BACKUP_MANIFEST=$TMP/manifest.json
mkdir -p "$TMP/site/conf" "$TMP/site/www"
echo original >"$TMP/site/conf/app.conf"
echo '<h1>hi</h1>' >"$TMP/site/www/index.html"
ok "backup-files archives two directories" \
    "$hooks/backup-files" --to "$TMP/backups" "$TMP/site/conf" "$TMP/site/www"
location=$(sed -n 's/^ *"location": "\(.*\)",$/\1/p' "$OFFPEAK_BACKUP_MANIFEST")
sum=$(sed -n 's/^ *"sha256": "\(.*\)",$/\1/p' "$OFFPEAK_BACKUP_MANIFEST")
if [ "$location" = "$TMP/backups/example-upgrade-run-1.tar.gz" ] && [ -f "$location" ] &&
    [ "$sum" = "$(sha256sum "$location" | cut -d ' ' -f 1)" ] &&
    grep -q '"size": [1-9][0-9]*,' "$OFFPEAK_BACKUP_MANIFEST" &&
    grep -q '"created": "[0-9-]*T[0-9:]*Z",' "$OFFPEAK_BACKUP_MANIFEST"; then
	pass "the manifest names the archive with its size, sha256 and time"
else
	fail "the manifest names the archive with its size, sha256 and time"; diag "$(cat "$OFFPEAK_BACKUP_MANIFEST")"
fi
if command -v python3 >/dev/null 2>&1; then
	ok "the manifest is JSON" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$OFFPEAK_BACKUP_MANIFEST"
fi
set +e
"$hooks/backup-files" --to "$TMP/backups" "$TMP/site/missing" >/dev/null 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then pass "backup-files fails on a missing path"; else fail "backup-files fails on a missing path"; fi

echo changed >"$TMP/site/conf/app.conf"
echo stray >"$TMP/site/conf/new.conf"
ok "rollback-files restores one directory" \
    env OFFPEAK_PHASE=rollback OFFPEAK_RUN_ID=run-2 "$hooks/rollback-files" "$TMP/site/conf"
if [ "$(cat "$TMP/site/conf/app.conf")" = original ] && [ ! -e "$TMP/site/conf/new.conf" ] &&
    [ -f "$TMP/site/conf.offpeak-rollback.run-2/new.conf" ]; then
	pass "the directory is as it was backed up; the replaced one is kept aside"
else
	fail "the directory is as it was backed up; the replaced one is kept aside"
fi
echo tampered >>"$location"
echo changed >"$TMP/site/conf/app.conf"
set +e
"$hooks/rollback-files" "$TMP/site/conf" >"$TMP/rb.out" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ] && grep -q 'not restoring anything' "$TMP/rb.out" &&
    [ "$(cat "$TMP/site/conf/app.conf")" = changed ]; then
	pass "rollback-files refuses an archive whose sha256 does not match"
else
	fail "rollback-files refuses an archive whose sha256 does not match"; diag "$(cat "$TMP/rb.out")"
fi

mkdir "$TMP/nobin"
set +e
env PATH="$TMP/nobin" "$hooks/backup-postgres" --db main >"$TMP/pg.out" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ] && grep -q 'pg_dump not found' "$TMP/pg.out"; then
	pass "backup-postgres says so when pg_dump is missing"
else
	fail "backup-postgres says so when pg_dump is missing"; diag "$(cat "$TMP/pg.out")"
fi

ok "upgrade-step --touch marks a file" "$hooks/upgrade-step" --touch "$TMP/marker"
ok "... which exists" test -f "$TMP/marker"
set +e
OFFPEAK_STEP_DIR=$TMP/steps "$hooks/upgrade-step" nginx 1.26.2 >"$TMP/step.out" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ] && grep -q "no step script for 'nginx'" "$TMP/step.out"; then
	pass "upgrade-step fails for an action without a script"
else
	fail "upgrade-step fails for an action without a script"; diag "$(cat "$TMP/step.out")"
fi
mkdir -p "$TMP/steps"
printf '#!/bin/sh\necho "$OFFPEAK_PLAN_ID $*" >"%s"\n' "$TMP/step.log" >"$TMP/steps/nginx"
chmod 755 "$TMP/steps/nginx"
ok "upgrade-step runs the action's script" \
    env OFFPEAK_STEP_DIR="$TMP/steps" "$hooks/upgrade-step" nginx 1.26.2
if [ "$(cat "$TMP/step.log" 2>/dev/null)" = "example-upgrade 1.26.2" ]; then
	pass "... with the arguments and environment"
else
	fail "... with the arguments and environment"
fi
set +e
"$hooks/upgrade-step" -- sh -c 'exit 7' >/dev/null 2>&1
rc=$?
set -e
if [ "$rc" -eq 7 ]; then pass "upgrade-step -- COMMAND exits with its status"; else fail "upgrade-step -- COMMAND exits with its status (got $rc)"; fi

if command -v python3 >/dev/null 2>&1 && command -v curl >/dev/null 2>&1; then
	mkdir -p "$TMP/www"
	echo 'status: ok' >"$TMP/www/healthz"
	python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TMP/www" >"$TMP/http.log" 2>&1 &
	server=$!
	port=
	i=0
	while [ -z "$port" ] && [ "$i" -lt 100 ]; do
		port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$TMP/http.log" | head -n 1)
		[ -n "$port" ] || sleep 0.1
		i=$((i + 1))
	done
	url=http://127.0.0.1:$port
	ok "verify-http passes on a 200 with the text" "$hooks/verify-http" "$url/healthz" --contains "status: ok"
	set +e
	"$hooks/verify-http" "$url/healthz" --contains "nope" >/dev/null 2>&1; r1=$?
	"$hooks/verify-http" "$url/missing" >/dev/null 2>&1; r2=$?
	"$hooks/verify-http" "$url/missing" --status 404 >/dev/null 2>&1; r3=$?
	set -e
	if [ "$r1" -ne 0 ]; then pass "verify-http fails when the text is absent"; else fail "verify-http fails when the text is absent"; fi
	if [ "$r2" -ne 0 ]; then pass "verify-http fails on a 404"; else fail "verify-http fails on a 404"; fi
	if [ "$r3" -eq 0 ]; then pass "verify-http --status 404 expects a 404"; else fail "verify-http --status 404 expects a 404"; fi
	kill "$server" 2>/dev/null || :
	wait "$server" 2>/dev/null || :
fi

done_testing
