# README.md's recipe for a shared origin, run exactly as typed (only
# /srv/git moves under the test's directory): on a new machine it must work.
. "$SRCDIR/tests/lib.sh"

awk '/<!-- recipe: shared-origin/ { on = 1; next } on && /^```sh/ { body = 1; next }
     body && /^```/ { exit } body { print }' "$SRCDIR/README.md" >"$TMP/recipe.sh"
[ -s "$TMP/recipe.sh" ] && pass "README.md has the shared-origin recipe" || { fail "no recipe in README.md"; done_testing; exit 1; }
sed -i "s|/srv/git|$TMP/srv/git|g" "$TMP/recipe.sh"
mkdir -p "$TMP/bin" "$TMP/srv/git" "$TMP/work"
ln -s "$OFFPEAK" "$TMP/bin/offpeak"
# a machine whose git has no init.defaultBranch set
rm -f "$HOME/.gitconfig"
git config --global user.name "Ops Person"
git config --global user.email "ops@example.com"
if (cd "$TMP/work" && PATH=$TMP/bin:$PATH OFFPEAK_NOW=2026-12-01T00:00:00Z sh -ex "$TMP/recipe.sh") >"$TMP/recipe.out" 2>&1; then
	pass "the recipe runs as typed"
else
	fail "the recipe fails"; diag "$(cat "$TMP/recipe.out")"
fi
grep -q "example-upgrade" "$TMP/recipe.out" && pass "the second clone's status shows the example plan" ||
    { fail "status output"; diag "$(cat "$TMP/recipe.out")"; }
[ -n "$(git -C "$TMP/srv/git/ops-plans.git" for-each-ref refs/heads/offpeak-state)" ] &&
    pass "offpeak-state reached the shared repository" || fail "no offpeak-state on origin"
done_testing
