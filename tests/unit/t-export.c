/* t-export: writing a tree into a directory, rmtree and mkdir_p */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "repo.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

static char	*tmp;

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	char	 data[4096];
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "r")) != NULL) {
		while ((n = fread(data, 1, sizeof data, f)) > 0)
			buf_add(&b, data, n);
		fclose(f);
	}
	return buf_detach(&b, NULL);
}

static int
file_mode(const char *dir, const char *path)
{
	char	*full = xasprintf("%s/%s", dir, path);
	struct stat sb;
	int	 m;

	m = lstat(full, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
	free(full);
	return m;
}

static char *
link_target(const char *dir, const char *path)
{
	char	*full = xasprintf("%s/%s", dir, path), target[PATH_MAX];
	ssize_t	 n;

	n = readlink(full, target, sizeof target - 1);
	free(full);
	return xstrndup(target, n > 0 ? (size_t)n : 0);
}

static char *
file_text(const char *dir, const char *path)
{
	char	*full = xasprintf("%s/%s", dir, path), *s;

	s = slurp(full);
	free(full);
	return s;
}

/* Every path under dir, sorted, one line each, as find prints them. */
static char *
listing(const char *dir)
{
	char	*list = xasprintf("%s/listing", tmp), *s;

	sh("cd %s && find . | LC_ALL=C sort > %s", dir, list);
	s = slurp(list);
	free(list);
	return s;
}

static char *
make_repo(void)
{
	char	*dir = xasprintf("%s/src", tmp);

	sh("mkdir -p %s && cd %s && git init -q && "
	    "mkdir -p hooks/lib plans && "
	    "printf '{}\\n' > offpeak.json && "
	    "printf 'old\\n' > plans/p.json && "
	    "git add -A && git commit -q -m one && "
	    "printf 'new\\n' > plans/p.json && "
	    "printf '#!/bin/sh\\necho run\\n' > hooks/run && "
	    "chmod 755 hooks/run && "
	    "printf 'common\\n' > hooks/lib/common && "
	    "ln -s run hooks/alias && "
	    "ln -s ../offpeak.json hooks/policy && "
	    "ln -s lib/ hooks/libdir && "
	    "ln -s ../../offpeak.json hooks/lib/up2 && "
	    "git add -A && "
	    "git update-index --add --cacheinfo "
	    "160000,1111111111111111111111111111111111111111,vendor/sub && "
	    "git commit -q -m two", dir, dir);
	return dir;
}

static void
test_export(struct repo *r)
{
	char	*out, *s, *cause = NULL;

	out = xasprintf("%s/out/a/b", tmp);
	is_int(repo_export_tree(r, "HEAD", out, &cause), 0,
	    "export HEAD into a missing directory");
	if (cause != NULL)
		printf("# %s\n", cause);
	s = listing(out);
	is_str(s, ".\n./hooks\n./hooks/alias\n./hooks/lib\n./hooks/lib/common\n"
	    "./hooks/lib/up2\n./hooks/libdir\n./hooks/policy\n./hooks/run\n"
	    "./offpeak.json\n./plans\n./plans/p.json\n./vendor\n",
	    "every file, no submodule contents");
	free(s);
	is_int(file_mode(out, "."), 0700, "the export directory is 0700");
	is_int(file_mode(out, "hooks"), 0755, "directories are 0755");
	is_int(file_mode(out, "hooks/run"), 0755, "executable file 0755");
	is_int(file_mode(out, "offpeak.json"), 0644, "plain file 0644");
	s = file_text(out, "hooks/run");
	is_str(s, "#!/bin/sh\necho run\n", "contents as committed");
	free(s);
	s = file_text(out, "plans/p.json");
	is_str(s, "new\n", "contents of rev");
	free(s);
	s = link_target(out, "hooks/alias");
	is_str(s, "run", "symlink made as a symlink");
	free(s);
	s = link_target(out, "hooks/lib/up2");
	is_str(s, "../../offpeak.json", "a link may climb to the root");
	free(s);
	s = file_text(out, "hooks/policy");
	is_str(s, "{}\n", "and resolves inside the export");
	free(s);
	ok(sh("%s/hooks/alias | grep -qx run", out) == 0,
	    "the exported hook runs through its link");
	free(out);

	out = xasprintf("%s/out-old", tmp);
	is_int(repo_export_tree(r, "HEAD~1", out, &cause), 0, "export HEAD~1");
	s = file_text(out, "plans/p.json");
	is_str(s, "old\n", "the old revision's contents");
	free(s);
	is_int(file_mode(out, "hooks"), -1, "no hooks at the old revision");
	is_int(repo_export_tree(r, "HEAD", out, &cause), -1,
	    "a non-empty directory is refused");
	ok(cause != NULL && strstr(cause, "is not empty") != NULL,
	    "saying so: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	free(out);

	out = xasprintf("%s/empty", tmp);
	mkdir(out, 0755);
	is_int(repo_export_tree(r, "HEAD", out, &cause), 0,
	    "an existing empty directory is used");
	is_int(file_mode(out, "."), 0700, "and made 0700");
	free(out);
	out = xasprintf("%s/empty/offpeak.json", tmp);
	is_int(repo_export_tree(r, "HEAD", out, &cause), -1,
	    "a file is refused");
	free(cause);
	cause = NULL;
	free(out);
	out = xasprintf("%s/never", tmp);
	is_int(repo_export_tree(r, "no-such-branch", out, &cause), -1,
	    "an unknown revision is refused");
	ok(cause != NULL && strncmp(cause, "cannot resolve 'no-such-branch'",
	    31) == 0, "saying so");
	ok(access(out, F_OK) != 0, "and nothing is created");
	free(cause);
	free(out);
}

/* Hex object id of data written as a blob. */
static char *
blob(const char *repo, const char *data)
{
	return capture("printf '%%s' '%s' | git -C %s hash-object -w --stdin",
	    data, repo);
}

/*
 * A tree of one entry, written without git's checks, as a hostile
 * repository could hold it. The name may contain anything but NUL.
 */
static char *
raw_tree(const char *repo, const char *mode, const char *name,
    const char *hex, const char *mode2, const char *name2, const char *hex2)
{
	char	*cmd, *oid, *path = xasprintf("%s/oid", tmp);
	unsigned byte;
	FILE	*f;
	int	 i, e;

	cmd = xasprintf("git -C %s hash-object -t tree -w --literally --stdin "
	    "> %s", repo, path);
	if ((f = popen(cmd, "w")) == NULL)
		exit(1);
	for (e = 0; e < 2; e++) {
		if (e == 1 && name2 == NULL)
			break;
		fprintf(f, "%s %s", e == 0 ? mode : mode2, e == 0 ? name : name2);
		fputc('\0', f);
		for (i = 0; i < 20; i++) {
			sscanf((e == 0 ? hex : hex2) + 2 * i, "%2x", &byte);
			fputc((int)byte, f);
		}
	}
	pclose(f);
	free(cmd);
	oid = slurp(path);
	oid[strcspn(oid, "\n")] = '\0';
	free(path);
	return oid;
}

static char *
raw_commit(const char *repo, const char *tree)
{
	return capture("git -C %s commit-tree %s -m hostile", repo, tree);
}

/* Export commit into a fresh directory: 0, or -1 with the cause shown. */
static int
try_export(struct repo *r, const char *commit, const char *name,
    char **cause)
{
	char	*out = xasprintf("%s/hostile/%s/export", tmp, name);
	int	 rc;

	*cause = NULL;
	rc = repo_export_tree(r, commit, out, cause);
	free(out);
	return rc;
}

static void
test_hostile(struct repo *r, const char *repo)
{
	const char *bad_names[] = { "..", ".", "a/b", ".git", ".GIT" };
	const char *bad_links[] = { "../../outside", "/etc/passwd",
	    "x/../..", "", "./../.." };
	char	*file, *target, *tree, *inner, *commit, *cause, *s, *name;
	size_t	 i;

	file = blob(repo, "payload\n");
	for (i = 0; i < nitems(bad_names); i++) {
		tree = raw_tree(repo, "100644", bad_names[i], file, NULL, NULL,
		    NULL);
		commit = raw_commit(repo, tree);
		name = xasprintf("name%zu", i);
		is_int(try_export(r, commit, name, &cause), -1,
		    "entry name '%s' refused", bad_names[i]);
		if (cause != NULL)
			printf("# %s\n", cause);
		free(cause);
		free(name);
		free(commit);
		free(tree);
	}
	/* Links one directory down: "hooks/l". */
	for (i = 0; i < nitems(bad_links); i++) {
		target = blob(repo, bad_links[i]);
		inner = raw_tree(repo, "120000", "l", target, NULL, NULL, NULL);
		tree = raw_tree(repo, "40000", "hooks", inner, NULL, NULL,
		    NULL);
		commit = raw_commit(repo, tree);
		name = xasprintf("link%zu", i);
		is_int(try_export(r, commit, name, &cause), -1,
		    "symlink to '%s' refused", bad_links[i]);
		if (cause != NULL)
			printf("# %s\n", cause);
		free(cause);
		free(name);
		free(commit);
		free(tree);
		free(inner);
		free(target);
	}
	/* A symlink and then a file of the same name: never followed. */
	target = blob(repo, "victim");
	tree = raw_tree(repo, "120000", "x", target, "100644", "x", file);
	commit = raw_commit(repo, tree);
	is_int(try_export(r, commit, "dup", &cause), -1,
	    "a duplicate name does not write through a link");
	free(cause);
	free(commit);
	free(tree);
	free(target);
	s = listing(tmp);
	ok(strstr(s, "outside") == NULL && strstr(s, "victim") == NULL &&
	    strstr(s, "export/a") == NULL, "nothing written outside the exports");
	free(s);
	free(file);
}

static void
test_rmtree(void)
{
	char	*dir = xasprintf("%s/rm", tmp), *keep, *s;

	keep = xasprintf("%s/keep", tmp);
	sh("mkdir -p %s/a/b/c && printf 'k\\n' > %s && "
	    "printf x > %s/a/b/c/f && ln -s %s %s/a/link && "
	    "ln -s %s %s/dirlink && chmod 0 %s/a/b/c/f && "
	    "chmod 500 %s/a/b && chmod 0 %s/a/b/c",
	    dir, keep, dir, keep, dir, tmp, dir, dir, dir, dir);
	is_int(rmtree(dir), 0, "rmtree removes a tree with closed "
	    "directories");
	ok(access(dir, F_OK) != 0, "the tree is gone");
	s = slurp(keep);
	is_str(s, "k\n", "a symlink's target is left alone");
	free(s);
	is_int(rmtree(dir), 0, "rmtree of a missing path is fine");
	sh("ln -s %s %s", tmp, dir);
	is_int(rmtree(dir), 0, "rmtree of a symlink removes the link");
	ok(access(keep, F_OK) == 0, "and not what it points to");

	s = xasprintf("%s/p/q/r/", dir);
	is_int(mkdir_p(s, 0700), 0, "mkdir_p makes parents");
	is_int(file_mode(dir, "p/q/r"), 0700, "the last one with mode");
	is_int(mkdir_p(s, 0700), 0, "mkdir_p of an existing directory");
	free(s);
	s = xasprintf("%s/f/sub", keep);
	ok(mkdir_p(s, 0700) == -1 && errno == ENOTDIR,
	    "mkdir_p through a file fails with ENOTDIR");
	free(s);
	is_int(rmtree(dir), 0, "rmtree of the rest");
	free(keep);
	free(dir);
}

static void
setup(void)
{
	char	 template[] = "/tmp/t-export.XXXXXX";

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
	sh("git config --global user.name 'Test User' && "
	    "git config --global user.email test@example.com && "
	    "git config --global init.defaultBranch main");
}

int
main(void)
{
	struct repo *r;
	char	*src, *cause = NULL;
	int	 failed;

	setup();
	src = make_repo();
	r = repo_open(src, 0, &cause);
	ok(r != NULL, "open the source repository");
	if (r == NULL) {
		printf("# %s\n", cause);
		return 1;
	}
	test_export(r);
	test_hostile(r, src);
	repo_free(r);
	test_rmtree();
	failed = done_testing();
	rmtree(tmp);
	free(src);
	free(tmp);
	return failed;
}
