/* t-repo: reading trees, resolving paths and creating repositories */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "repo.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

static char	*tmp;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
setup(void)
{
	char	 template[] = "/tmp/t-repo.XXXXXX";

	if (mkdtemp(template) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	tmp = xstrdup(template);
	setenv("HOME", tmp, 1);
	setenv("XDG_CONFIG_HOME", tmp, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	unsetenv("GIT_AUTHOR_NAME");
	unsetenv("GIT_AUTHOR_EMAIL");
	unsetenv("GIT_COMMITTER_NAME");
	unsetenv("GIT_COMMITTER_EMAIL");
}

static void
set_identity(void)
{
	sh("git config --global user.name 'Test User' && "
	    "git config --global user.email test@example.com && "
	    "git config --global init.defaultBranch main");
}

static const struct repo_file create_files[] = {
	{ "offpeak.json", 0644, "{}\n", 3 },
	{ "plans/a.json", 0644, "{\"id\": \"a\"}\n", 12 },
	{ "hooks/run", 0755, "#!/bin/sh\nexit 0\n", 17 },
	{ "hooks/data", 0644, "data\n", 5 }
};

static void
test_create(void)
{
	struct repo *r;
	struct repo_tree *t;
	char	*dir, *cause = NULL, *s, *branch;
	struct repo_entry *e;
	size_t	 n;

	/* No identity configured yet: the fallback signs. */
	dir = xasprintf("%s/created/sub", tmp);
	ok(repo_create(dir, create_files, nitems(create_files), "first", 1764547200,
	    &cause) == 0, "repo_create into a missing directory");
	free(cause);
	cause = NULL;
	s = capture("git -C %s log -1 --format='%%an <%%ae>|%%s|%%D'", dir);
	is_str(s, "offpeak <offpeak@localhost>|first|HEAD -> main",
	    "fallback identity, message and branch main");
	free(s);
	s = capture("git -C %s ls-tree -r HEAD | awk '{print $1, $4}' | "
	    "tr '\\n' ' '", dir);
	is_str(s, "100644 hooks/data 100755 hooks/run 100644 offpeak.json "
	    "100644 plans/a.json ", "committed paths and modes");
	free(s);
	s = capture("git -C %s status --porcelain | wc -l", dir);
	is_str(s, "0", "the work tree is clean");
	free(s);

	r = repo_open(dir, 0, &cause);
	ok(r != NULL, "repo_open of the new repository");
	branch = repo_plans_branch(r, &cause);
	is_str(branch, "refs/heads/main", "plans branch is main");
	free(branch);
	t = repo_tree_at(r, "HEAD", &cause);
	ok(t != NULL, "tree at HEAD");
	is_int(repo_tree_list(t, "hooks", &e, &n, &cause), 0, "list hooks");
	is_int(n, 2, "two hooks");
	if (n == 2) {
		is_str(e[0].name, "data", "sorted: data first");
		is_int(e[0].mode, 0100644, "data is 100644");
		is_str(e[1].name, "run", "then run");
		is_int(e[1].mode, 0100755, "run is 100755");
	}
	repo_entries_free(e, n);
	repo_tree_free(t);
	repo_free(r);

	ok(repo_create(dir, create_files, 1, "again", 1764547200, &cause) == -1,
	    "repo_create into a non-empty directory fails");
	ok(cause != NULL && strstr(cause, "is not empty") != NULL,
	    "... saying it is not empty: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	free(dir);

	set_identity();
	dir = xasprintf("%s/created2", tmp);
	mkdir(dir, 0777);
	ok(repo_create(dir, create_files, nitems(create_files), "second", 1764547200,
	    &cause) == 0, "repo_create into an empty directory");
	s = capture("git -C %s log -1 --format='%%an <%%ae>'", dir);
	is_str(s, "Test User <test@example.com>", "configured identity");
	free(s);
	free(dir);
	free(cause);
}

static char *
make_git_repo(void)
{
	char	*dir = xasprintf("%s/src", tmp);

	sh("mkdir -p %s/hooks/lib %s/plans %s/empty && cd %s && git init -q && "
	    "printf '{}\\n' > offpeak.json && "
	    "printf 'x\\n' > plans/p.json && "
	    "printf '#!/bin/sh\\n' > hooks/run && chmod 755 hooks/run && "
	    "printf 'lib\\n' > hooks/lib/common && "
	    "ln -s run hooks/alias && "
	    "ln -s alias hooks/alias2 && "
	    "ln -s lib hooks/libdir && "
	    "ln -s ../offpeak.json hooks/policy && "
	    "ln -s ../../outside hooks/escape && "
	    "ln -s /etc/passwd hooks/absolute && "
	    "ln -s loop-b hooks/loop-a && ln -s loop-a hooks/loop-b && "
	    "ln -s nowhere hooks/dangling && "
	    "ln -s lib/ hooks/libslash && "
	    "git add -A && git commit -q -m src", dir, dir, dir, dir);
	return dir;
}

static void
test_read(struct repo *r, struct repo_tree *t, const char *dir)
{
	char	*data, *cause = NULL, *want;
	char	 oid[41];
	size_t	 size;

	is_int(repo_tree_read(t, "offpeak.json", 1024, &data, &size, oid,
	    &cause), 0, "read offpeak.json");
	is_str(data, "{}\n", "its content");
	is_int(size, 3, "its size");
	want = capture("git -C %s rev-parse HEAD:offpeak.json", dir);
	is_str(oid, want, "its blob id");
	free(data);
	is_int(repo_blob_read(r, want, 1024, &data, &size, &cause), 0,
	    "read the blob by id");
	is_str(data, "{}\n", "same content");
	free(data);
	free(want);
	is_int(repo_tree_read(t, "./plans//p.json", 1024, &data, &size, NULL,
	    &cause), 0, "read a path with '.' and '//'");
	free(data);
	is_int(repo_tree_read(t, "plans/none.json", 1024, &data, &size, NULL,
	    &cause), 1, "absent file: 1");
	ok(data == NULL, "... and no data");
	is_int(repo_tree_read(t, "nodir/none.json", 1024, &data, &size, NULL,
	    &cause), 1, "absent directory: 1");
	is_int(repo_tree_read(t, "plans", 1024, &data, &size, NULL, &cause),
	    1, "a directory is not read: 1");
	is_int(repo_tree_read(t, "offpeak.json", 2, &data, &size, NULL,
	    &cause), 2, "larger than max: 2");
	is_int(size, 3, "... with the size");
	ok(data == NULL, "... and no data");
	is_int(repo_blob_read(r, "0123456789012345678901234567890123456789",
	    1024, &data, &size, &cause), 1, "unknown blob id: 1");
	is_int(repo_blob_read(r, "xyz", 1024, &data, &size, &cause), -1,
	    "invalid blob id: -1");
	free(cause);
}

static void
test_list(struct repo_tree *t)
{
	struct repo_entry *e;
	size_t	 n, i;
	char	*cause = NULL;
	int	 sorted = 1;

	is_int(repo_tree_list(t, "", &e, &n, &cause), 0, "list the root");
	is_int(n, 3, "three entries at the root");
	repo_entries_free(e, n);
	is_int(repo_tree_list(t, "hooks", &e, &n, &cause), 0, "list hooks");
	for (i = 1; i < n; i++)
		sorted = sorted && strcmp(e[i - 1].name, e[i].name) < 0;
	ok(sorted, "entries sorted by name");
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].name, "lib") == 0)
			is_int(e[i].mode, 040000, "lib is a directory");
		if (strcmp(e[i].name, "alias") == 0)
			is_int(e[i].mode, 0120000, "alias is a symlink");
	}
	repo_entries_free(e, n);
	is_int(repo_tree_list(t, "nosuch", &e, &n, &cause), 1,
	    "list a missing directory: 1");
	ok(e == NULL && n == 0, "... empty");
	is_int(repo_tree_list(t, "offpeak.json", &e, &n, &cause), 1,
	    "list a file: 1");
}

static void
test_resolve(struct repo_tree *t)
{
	static const struct {
		const char *path;
		enum repo_path want;
		unsigned mode;
	} cases[] = {
		{ "offpeak.json", REPO_PATH_OK, 0100644 },
		{ "hooks/run", REPO_PATH_OK, 0100755 },
		{ "hooks/alias", REPO_PATH_OK, 0100755 },
		{ "hooks/alias2", REPO_PATH_OK, 0100755 },
		{ "hooks/libdir/common", REPO_PATH_OK, 0100644 },
		{ "hooks/libslash/common", REPO_PATH_OK, 0100644 },
		{ "hooks/policy", REPO_PATH_OK, 0100644 },
		{ "hooks/../offpeak.json", REPO_PATH_OK, 0100644 },
		{ "./hooks//run", REPO_PATH_OK, 0100755 },
		{ "hooks/escape", REPO_PATH_ESCAPES, 0 },
		{ "hooks/absolute", REPO_PATH_ESCAPES, 0 },
		{ "../offpeak.json", REPO_PATH_ESCAPES, 0 },
		{ "hooks/../../x", REPO_PATH_ESCAPES, 0 },
		{ "hooks/loop-a", REPO_PATH_LOOP, 0 },
		{ "hooks/dangling", REPO_PATH_MISSING, 0 },
		{ "hooks/nosuch", REPO_PATH_MISSING, 0 },
		{ "nosuch/run", REPO_PATH_MISSING, 0 },
		{ "offpeak.json/x", REPO_PATH_MISSING, 0 },
		{ "hooks", REPO_PATH_NOTFILE, 0 },
		{ "hooks/lib", REPO_PATH_NOTFILE, 0 },
		{ "hooks/libdir", REPO_PATH_NOTFILE, 0 },
		{ "", REPO_PATH_NOTFILE, 0 },
	};
	size_t	 i;
	unsigned mode;
	int	 pass, round;

	for (i = 0; i < nitems(cases); i++) {
		/* Twice: the second answer comes from the cache. */
		pass = 1;
		for (round = 0; round < 2; round++) {
			pass = pass && repo_tree_resolve(t, cases[i].path,
			    &mode) == cases[i].want;
			pass = pass && (cases[i].mode == 0 ||
			    mode == cases[i].mode);
		}
		ok(pass, "resolve '%s'", cases[i].path);
	}
}

static void
test_git_repo(void)
{
	struct repo *r;
	struct repo_tree *t;
	char	*dir, *cause = NULL, *want;

	dir = make_git_repo();
	r = repo_open(dir, 0, &cause);
	ok(r != NULL, "open a repository made by git");
	t = repo_tree_at(r, "main", &cause);
	ok(t != NULL, "tree at 'main'");
	want = capture("git -C %s rev-parse HEAD", dir);
	is_str(repo_tree_commit(t), want, "the tree's commit id");
	free(want);
	test_read(r, t, dir);
	test_list(t);
	test_resolve(t);
	repo_tree_free(t);

	ok(repo_tree_at(r, "nosuch", &cause) == NULL, "unknown revision");
	ok(cause != NULL &&
	    strncmp(cause, "cannot resolve 'nosuch': ", 25) == 0,
	    "... says so: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	t = repo_tree_at(r, "HEAD:plans", &cause);
	ok(t == NULL, "a tree id is not a commit");
	free(cause);
	repo_free(r);

	ok(repo_open("/nonexistent/x", 0, &cause) == NULL,
	    "open a missing repository fails");
	ok(cause != NULL && strstr(cause, "'/nonexistent/x'") != NULL,
	    "... naming it: %s", cause ? cause : "");
	free(cause);
	free(dir);
}

static void
test_bare(void)
{
	struct repo *r;
	struct repo_tree *t;
	char	*bare, *cause = NULL, *s, *data;
	size_t	 size;
	unsigned mode;

	bare = xasprintf("%s/bare.git", tmp);
	sh("git clone -q --bare %s/src %s", tmp, bare);
	r = repo_open(bare, 0, &cause);
	ok(r != NULL, "open a bare repository");
	t = repo_tree_at(r, "HEAD", &cause);
	ok(t != NULL, "tree at HEAD of a bare repository");
	is_int(repo_tree_read(t, "offpeak.json", 1024, &data, &size, NULL,
	    &cause), 0, "read from a bare repository");
	free(data);
	is_int(repo_tree_resolve(t, "hooks/alias", &mode), REPO_PATH_OK,
	    "resolve in a bare repository");
	repo_tree_free(t);
	s = repo_plans_branch(r, &cause);
	is_str(s, "refs/heads/main", "plans branch of a bare repository");
	free(s);
	sh("git -C %s config offpeak.branch plans", bare);
	s = repo_plans_branch(r, &cause);
	is_str(s, "refs/heads/plans", "offpeak.branch 'plans'");
	free(s);
	sh("git -C %s config offpeak.branch refs/heads/release/x", bare);
	s = repo_plans_branch(r, &cause);
	is_str(s, "refs/heads/release/x", "offpeak.branch as a full ref");
	free(s);
	sh("git -C %s config offpeak.branch 'bad..name'", bare);
	ok(repo_plans_branch(r, &cause) == NULL, "invalid offpeak.branch");
	free(cause);
	cause = NULL;
	repo_free(r);
	free(bare);

	bare = xasprintf("%s/unborn.git", tmp);
	sh("git init -q --bare %s && git -C %s symbolic-ref HEAD "
	    "refs/heads/trunk", bare, bare);
	r = repo_open(bare, 0, &cause);
	s = r != NULL ? repo_plans_branch(r, &cause) : NULL;
	is_str(s, "refs/heads/trunk", "plans branch with an unborn HEAD");
	free(s);
	ok(r != NULL && repo_tree_at(r, "HEAD", &cause) == NULL,
	    "no tree at an unborn HEAD");
	ok(cause != NULL && strncmp(cause, "cannot resolve 'HEAD'", 21) == 0,
	    "... says so: %s", cause ? cause : "");
	free(cause);
	repo_free(r);
	free(bare);
}

/* A commit whose objects are only in a quarantine directory, as in a hook. */
static void
test_from_env(void)
{
	struct repo *r;
	struct repo_tree *t;
	char	*dir, *q, *cause = NULL, *data;
	size_t	 size;

	dir = xasprintf("%s/quarantine.git", tmp);
	q = xasprintf("%s/incoming", tmp);
	sh("git clone -q --bare %s/src %s && mkdir -p %s && "
	    "tree=$(printf '100644 blob %%s\\tnew.json\\n' "
	    "$(echo new | GIT_DIR=%s GIT_OBJECT_DIRECTORY=%s "
	    "GIT_ALTERNATE_OBJECT_DIRECTORIES=%s/objects git hash-object -w "
	    "--stdin) | GIT_DIR=%s GIT_OBJECT_DIRECTORY=%s "
	    "GIT_ALTERNATE_OBJECT_DIRECTORIES=%s/objects git mktree) && "
	    "c=$(GIT_DIR=%s GIT_OBJECT_DIRECTORY=%s "
	    "GIT_ALTERNATE_OBJECT_DIRECTORIES=%s/objects git commit-tree "
	    "-m q $tree) && echo $c > %s/incoming-commit", tmp, dir, q,
	    dir, q, dir, dir, q, dir, dir, q, dir, tmp);
	data = capture("cat %s/incoming-commit", tmp);

	r = repo_open(dir, 0, &cause);
	ok(r != NULL && repo_tree_at(r, data, &cause) == NULL,
	    "without the environment the new commit is not seen");
	free(cause);
	cause = NULL;
	repo_free(r);

	setenv("GIT_DIR", dir, 1);
	setenv("GIT_OBJECT_DIRECTORY", q, 1);
	free(q);
	q = xasprintf("%s/objects", dir);
	setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", q, 1);
	r = repo_open(NULL, 1, &cause);
	ok(r != NULL, "open from the environment: %s", cause ? cause : "");
	t = r != NULL ? repo_tree_at(r, data, &cause) : NULL;
	ok(t != NULL, "the quarantined commit is seen");
	free(data);
	ok(t != NULL && repo_tree_read(t, "new.json", 100, &data, &size, NULL,
	    &cause) == 0 && strcmp(data, "new\n") == 0,
	    "its quarantined blob is read");
	if (t != NULL)
		free(data);
	repo_tree_free(t);
	t = r != NULL ? repo_tree_at(r, "HEAD", &cause) : NULL;
	ok(t != NULL, "the existing objects are seen too");
	repo_tree_free(t);
	repo_free(r);
	unsetenv("GIT_DIR");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	free(q);
	free(dir);
	free(cause);
}

static void
test_config_refs(void)
{
	struct repo *r;
	char	*dir, *cause = NULL, *s, *want, oid[41];

	dir = xasprintf("%s/src", tmp);
	sh("git -C %s config offpeak.test 'some value'", dir);
	r = repo_open(dir, 0, &cause);
	s = repo_config_get(r, "offpeak.test");
	is_str(s, "some value", "repo_config_get");
	free(s);
	ok(repo_config_get(r, "offpeak.unset") == NULL, "unset key: NULL");
	s = repo_config_get(r, "user.email");
	is_str(s, "test@example.com", "global config is seen");
	free(s);

	want = capture("git -C %s rev-parse HEAD", dir);
	is_int(repo_ref_commit(r, "refs/heads/main", oid, &cause), 0,
	    "repo_ref_commit of a full ref");
	is_str(oid, want, "... its commit");
	is_int(repo_ref_commit(r, "main", oid, &cause), 0,
	    "repo_ref_commit of a short name");
	is_str(oid, want, "... its commit");
	is_int(repo_ref_commit(r, "refs/heads/nope", oid, &cause), 1,
	    "a missing ref: 1");
	is_str(oid, "", "... and an empty id");
	sh("git -C %s tag -a -m t v1", dir);
	is_int(repo_ref_commit(r, "refs/tags/v1", oid, &cause), 0,
	    "an annotated tag");
	is_str(oid, want, "... peeled to its commit");
	free(want);
	repo_free(r);
	free(dir);
	free(cause);
}

struct added {
	char	 names[8][32];
	int64_t	 when[8];
	int	 n, stop_after;
};

static int
note_added(const char *name, int64_t when, void *arg)
{
	struct added *a = arg;

	if (a->n < 8) {
		snprintf(a->names[a->n], sizeof a->names[0], "%s", name);
		a->when[a->n] = when;
	}
	a->n++;
	return a->stop_after != 0 && a->n >= a->stop_after;
}

static int64_t
added_when(struct added *a, const char *name)
{
	int	 i;

	for (i = 0; i < a->n && i < 8; i++) {
		if (strcmp(a->names[i], name) == 0)
			return a->when[i];
	}
	return -1;
}

/* Environment for a git commit at a fixed time. */
#define AT(t) \
	"GIT_COMMITTER_DATE='@" #t " +0000' GIT_AUTHOR_DATE='@" #t " +0000' "

static void
test_first_added(void)
{
	struct repo *r;
	struct added a;
	char	*dir, *cause = NULL;

	dir = xasprintf("%s/history", tmp);
	sh("mkdir -p %s/plans/sub && cd %s && git init -q && "
	    "echo 1 > plans/a.json && echo 1 > plans/d.json && "
	    "git add -A && " AT(1000) "git commit -q -m c1 && "
	    "echo 2 > plans/a.json && echo 1 > plans/b.json && "
	    "git rm -q plans/d.json && git add -A && "
	    AT(2000) "git commit -q -m c2 && "
	    "git checkout -q -b side && echo 1 > plans/c.json && "
	    "git add -A && " AT(2500) "git commit -q -m side && "
	    "git checkout -q main && echo 1 > plans/d.json && "
	    "echo x > README && echo s > plans/sub/x.json && git add -A && "
	    AT(3000) "git commit -q -m c3 && "
	    AT(4000) "git merge -q --no-ff -m merge side && "
	    "echo r > README && git add -A && " AT(5000) "git commit -q -m c5",
	    dir, dir);
	r = repo_open(dir, 0, &cause);
	memset(&a, 0, sizeof a);
	is_int(repo_first_added(r, "HEAD", "plans", note_added, &a, &cause), 0,
	    "repo_first_added");
	is_int(a.n, 4, "one call per file, none for the subdirectory");
	is_int(added_when(&a, "a.json"), 1000, "a.json: its first commit");
	is_int(added_when(&a, "b.json"), 2000, "b.json: added later");
	is_int(added_when(&a, "c.json"), 4000,
	    "c.json: the merge brought it to the first-parent history");
	is_int(added_when(&a, "d.json"), 3000,
	    "d.json: removed and added again counts from the new addition");
	memset(&a, 0, sizeof a);
	a.stop_after = 1;
	repo_first_added(r, "HEAD", "plans", note_added, &a, &cause);
	is_int(a.n, 1, "a non-zero return stops the walk");
	memset(&a, 0, sizeof a);
	is_int(repo_first_added(r, "HEAD~4", "plans", note_added, &a, &cause),
	    0, "at an older revision");
	is_int(a.n, 2, "... only the files there");
	memset(&a, 0, sizeof a);
	is_int(repo_first_added(r, "HEAD", "nosuch", note_added, &a, &cause),
	    0, "a missing directory");
	is_int(a.n, 0, "... calls nothing");
	is_int(repo_first_added(r, "nosuch", "plans", note_added, &a, &cause),
	    -1, "a bad revision fails");
	free(cause);
	repo_free(r);
	free(dir);
}

static void
test_txn(void)
{
	struct repo_txn *t;
	struct repo *r;
	char	*dir, *cause = NULL, *s, first[41], second[41], oid[41];

	dir = xasprintf("%s/src", tmp);
	r = repo_open(dir, 0, &cause);
	t = repo_txn_new(r, "");
	repo_txn_put(t, "state/a.json", "old", 3);
	repo_txn_put(t, "state/a.json", "{\"a\": 1}\n", 9);
	repo_txn_put(t, "x/y/z.json", "z\n", 2);
	is_int(repo_txn_commit(t, "refs/heads/offpeak-state", "create state",
	    1700000000, first, &cause), 0, "txn creates a branch");
	repo_txn_free(t);
	s = capture("git -C %s show offpeak-state:state/a.json", dir);
	is_str(s, "{\"a\": 1}", "the later put wins");
	free(s);
	s = capture("git -C %s log -1 --format='%%H %%ct %%an %%P|%%s' "
	    "offpeak-state", dir);
	ok(strncmp(s, first, 40) == 0 && strstr(s, " 1700000000 Test User |"
	    "create state") != NULL, "commit id, time, identity, no parent: %s",
	    s);
	free(s);

	t = repo_txn_new(r, first);
	repo_txn_put(t, "state/a.json", "{\"a\": 2}\n", 9);
	repo_txn_remove(t, "x/y/z.json");
	repo_txn_remove(t, "never/there.json");
	is_int(repo_txn_commit(t, "refs/heads/offpeak-state", "update",
	    1700000100, second, &cause), 0, "txn on top of its base");
	repo_txn_free(t);
	s = capture("git -C %s ls-tree -r --name-only offpeak-state | "
	    "tr '\\n' ' '", dir);
	is_str(s, "state/a.json ", "removed paths are gone");
	free(s);
	s = capture("git -C %s rev-parse offpeak-state^", dir);
	is_str(s, first, "its parent is the base");
	free(s);

	t = repo_txn_new(r, first);
	repo_txn_put(t, "state/b.json", "b", 1);
	is_int(repo_txn_commit(t, "refs/heads/offpeak-state", "stale",
	    1700000200, oid, &cause), REPO_TXN_RACE, "a stale base loses");
	repo_txn_free(t);
	t = repo_txn_new(r, "");
	repo_txn_put(t, "state/b.json", "b", 1);
	is_int(repo_txn_commit(t, "refs/heads/offpeak-state", "again",
	    1700000200, oid, &cause), REPO_TXN_RACE,
	    "creating an existing branch loses");
	repo_txn_free(t);
	s = capture("git -C %s rev-parse offpeak-state", dir);
	is_str(s, second, "the branch did not move");
	free(s);
	repo_free(r);
	free(dir);
	free(cause);
}

/* 10,000 plans in a pack: every read by id, every hook path resolved. */
static void
test_speed(void)
{
	struct repo *r;
	struct repo_tree *t;
	struct repo_entry *e;
	char	*dir, *path, *cause = NULL, *data;
	size_t	 n, i, size, good = 0, resolved = 0;
	unsigned mode;
	double	 t0, read_s, resolve_s;
	FILE	*f;
	int	 slow = getenv("LD_PRELOAD") != NULL &&
		    strstr(getenv("LD_PRELOAD"), "vgpreload") != NULL;

	dir = xasprintf("%s/big", tmp);
	sh("mkdir -p %s/plans %s/hooks && printf '#!/bin/sh\\n' > %s/hooks/run "
	    "&& chmod 755 %s/hooks/run", dir, dir, dir, dir);
	for (i = 0; i < 10000; i++) {
		path = xasprintf("%s/plans/p%05zu.json", dir, i);
		if ((f = fopen(path, "w")) != NULL) {
			fprintf(f, "{\n  \"id\": \"p%05zu\",\n  \"title\": "
			    "\"Upgrade number %zu\",\n  \"systems\": "
			    "[\"sys-%zu\"],\n  \"backup\": {\"run\": "
			    "[\"hooks/run\", \"%zu\"]}\n}\n", i, i, i % 2000,
			    i);
			fclose(f);
		}
		free(path);
	}
	sh("cd %s && git init -q && git add -A && "
	    "git -c gc.auto=0 commit -q -m big && git gc -q", dir);

	r = repo_open(dir, 0, &cause);
	t = r != NULL ? repo_tree_at(r, "HEAD", &cause) : NULL;
	if (t == NULL) {
		ok(0, "big repository: %s", cause ? cause : "");
		free(cause);
		repo_free(r);
		free(dir);
		return;
	}
	t0 = now_seconds();
	repo_tree_list(t, "plans", &e, &n, &cause);
	for (i = 0; i < n; i++) {
		if (repo_blob_read(r, e[i].oid, 1 << 20, &data, &size,
		    &cause) == 0 && strstr(data, "\"id\"") != NULL)
			good++;
		free(data);
	}
	read_s = now_seconds() - t0;
	t0 = now_seconds();
	for (i = 0; i < 4 * n; i++) {
		path = xasprintf("hooks/%s", i % 4 == 3 ? "missing" : "run");
		if (repo_tree_resolve(t, path, &mode) == REPO_PATH_OK)
			resolved++;
		free(path);
	}
	resolve_s = now_seconds() - t0;
	is_int(good, 10000, "10,000 packed plans read by id");
	is_int(resolved, 30000, "30,000 of 40,000 hook paths resolve");
	printf("# read %.3f s, resolve %.3f s\n", read_s, resolve_s);
	ok(slow || read_s < 0.5, "reading 10,000 plans takes under 0.5 s (about 0.02 s here)");
	ok(slow || resolve_s < 0.5, "40,000 resolves take under 0.5 s");
	repo_entries_free(e, n);
	repo_tree_free(t);
	repo_free(r);
	free(dir);
}

int
main(void)
{
	int	 failed;

	setup();
	test_create();
	test_git_repo();
	test_bare();
	test_from_env();
	test_config_refs();
	test_first_added();
	test_txn();
	test_speed();
	failed = done_testing();
	sh("rm -rf %s", tmp);
	free(tmp);
	return failed;
}
