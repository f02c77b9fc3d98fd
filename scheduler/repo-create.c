/* repo-create: a new plan repository with its first commit (libgit2) */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "fsutil.h"
#include "repo-int.h"
#include "util.h"

/* Creating a repository. */

/* Is dir missing or an empty directory? */
int
repo_dir_empty(const char *dir, char **cause)
{
	struct stat sb;
	struct dirent *de;
	DIR	*d;
	int	 empty = 1;

	if (stat(dir, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		set_cause(cause, xasprintf("cannot use '%s': %s", dir,
		    strerror(errno)));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		set_cause(cause, xasprintf("'%s' exists and is not a directory",
		    dir));
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		set_cause(cause, xasprintf("cannot read '%s': %s", dir,
		    strerror(errno)));
		return -1;
	}
	while (empty && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	}
	closedir(d);
	if (!empty) {
		set_cause(cause, xasprintf("'%s' is not empty", dir));
		return -1;
	}
	return 0;
}

/* Write one file under the work tree, making its directories. */
static int
create_write(const char *workdir, const struct repo_file *f, char **cause)
{
	char	*full, *p;
	int	 fd;
	ssize_t	 n;
	size_t	 off = 0;

	full = xasprintf("%s/%s", workdir, f->path);
	p = full + strlen(workdir) + 1;
	for (; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(full, 0777) != 0 && errno != EEXIST) {
			set_cause(cause, xasprintf("cannot create '%s': %s",
			    full, strerror(errno)));
			free(full);
			return -1;
		}
		*p = '/';
	}
	fd = open(full, O_WRONLY|O_CREAT|O_EXCL, f->mode & 0111 ? 0777 : 0666);
	if (fd == -1)
		goto fail;
	while (off < f->size) {
		n = write(fd, (const char *)f->data + off, f->size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += n;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	free(full);
	return 0;
fail:
	set_cause(cause, xasprintf("cannot write '%s': %s", full,
	    strerror(errno)));
	if (fd != -1)
		close(fd);
	free(full);
	return -1;
}

/* Stage a written file with exactly the mode asked for. */
static int
create_stage(git_index *index, const struct repo_file *f, char **cause)
{
	const git_index_entry *ie;
	git_index_entry copy;
	unsigned want;

	want = f->mode & 0111 ? GIT_FILEMODE_BLOB_EXECUTABLE :
	    GIT_FILEMODE_BLOB;
	if (git_index_add_bypath(index, f->path) != 0 ||
	    (ie = git_index_get_bypath(index, f->path, 0)) == NULL) {
		set_cause(cause, repo_git_cause("cannot add '%s'", f->path));
		return -1;
	}
	if (ie->mode == want)
		return 0;
	copy = *ie;
	copy.mode = want;
	if (git_index_add(index, &copy) != 0) {
		set_cause(cause, repo_git_cause("cannot add '%s'", f->path));
		return -1;
	}
	return 0;
}


/* A signed commit on main, made as git commit -S makes one. */
static int
create_signed(git_repository *git, git_signature *sig, const char *msg,
    git_tree *tree, const struct repo_signer *signer, git_oid *id,
    char **cause)
{
	git_buf	 buf = { NULL, 0, 0 };
	git_reference *ref = NULL;
	char	*armored = NULL;
	int	 rc = -1;

	if (git_commit_create_buffer(&buf, git, sig, sig, NULL, msg, tree, 0,
	    NULL) != 0) {
		set_cause(cause, repo_git_cause("cannot make the commit"));
		return -1;
	}
	if (signer->sign(signer->arg, buf.ptr, buf.size, &armored, cause) != 0)
		goto out;
	if (git_commit_create_with_signature(id, git, buf.ptr, armored,
	    "gpgsig") != 0 || git_reference_create(&ref, git, "refs/heads/main",
	    id, 1, "offpeak: signed first commit") != 0) {
		set_cause(cause, repo_git_cause("cannot write the signed commit"));
		goto out;
	}
	rc = 0;
out:
	git_reference_free(ref);
	git_buf_dispose(&buf);
	free(armored);
	return rc;
}

static int
create_commit(git_repository *git, git_index *index, const char *message,
    int64_t when, const struct repo_signer *signer, char **cause)
{
	git_signature *sig;
	git_tree *tree;
	git_oid	 tree_id, commit_id;
	char	*msg;
	int	 e;

	if (git_index_write(index) != 0 ||
	    git_index_write_tree(&tree_id, index) != 0 ||
	    git_tree_lookup(&tree, git, &tree_id) != 0) {
		set_cause(cause, repo_git_cause("cannot write the index"));
		return -1;
	}
	if ((sig = repo_signature(git, when)) == NULL) {
		set_cause(cause, repo_git_cause("cannot make a signature"));
		git_tree_free(tree);
		return -1;
	}
	msg = str_endswith(message, "\n") ? xstrdup(message) :
	    xasprintf("%s\n", message);
	if (signer != NULL)
		e = create_signed(git, sig, msg, tree, signer, &commit_id, cause);
	else if ((e = git_commit_create(&commit_id, git, "HEAD", sig, sig, NULL,
	    msg, tree, 0, NULL)) != 0)
		set_cause(cause, repo_git_cause("cannot commit"));
	free(msg);
	git_signature_free(sig);
	git_tree_free(tree);
	return e != 0 ? -1 : 0;
}

int
repo_create(const char *dir, const struct repo_file *files, size_t n,
    const char *message, int64_t when, char **cause)
{
	return repo_create_signed(dir, files, n, message, when, NULL, cause);
}

int
repo_create_signed(const char *dir, const struct repo_file *files, size_t n,
    const char *message, int64_t when, const struct repo_signer *signer,
    char **cause)
{
	git_repository_init_options opts;
	git_repository *git;
	git_index *index = NULL;
	const char *why;
	size_t	 i;
	int	 r = -1;

	repo_library_init();
	for (i = 0; i < n; i++) {
		if ((why = path_problem(files[i].path, PATH_STRICT)) != NULL) {
			set_cause(cause, xasprintf("invalid path '%s': %s",
			    files[i].path, why));
			return -1;
		}
	}
	if (repo_dir_empty(dir, cause) != 0)
		return -1;
	git_repository_init_options_init(&opts,
	    GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	opts.initial_head = "main";
	if (git_repository_init_ext(&git, dir, &opts) != 0) {
		set_cause(cause, repo_git_cause("cannot create repository '%s'",
		    dir));
		return -1;
	}
	if (git_repository_index(&index, git) != 0) {
		set_cause(cause, repo_git_cause("cannot open the index of '%s'",
		    dir));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (create_write(git_repository_workdir(git), &files[i],
		    cause) != 0 || create_stage(index, &files[i], cause) != 0)
			goto out;
	}
	r = create_commit(git, index, message, when, signer, cause);
out:
	git_index_free(index);
	git_repository_free(git);
	return r;
}

