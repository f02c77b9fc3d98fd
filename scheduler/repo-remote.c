/* repo-remote: fetch, push, credentials and the refs that follow origin (libgit2) */
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

/* Remotes: fetch, push, and the local refs that follow origin. */

/* What the callbacks of one network operation share. */
struct net {
	const char *url;
	unsigned tried;		/* credential types already offered */
	int	 key;		/* next key file to offer */
	char	*refused;	/* the first reason a push got back */
};

static const char *net_keys[] = { "id_ed25519", "id_ecdsa", "id_rsa", NULL };

static const char *
net_user(const char *from_url)
{
	const struct passwd *pw;
	const char *user;

	if (from_url != NULL && *from_url != '\0')
		return from_url;
	if ((user = getenv("USER")) != NULL && *user != '\0')
		return user;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return "git";
}

/* The next unencrypted key file in ~/.ssh, as an ssh credential. */
static int
net_key_file(struct net *n, git_credential **out, const char *user)
{
	const char *home = getenv("HOME");
	struct stat sb;
	char	*key;
	int	 e;

	while (home != NULL && net_keys[n->key] != NULL) {
		key = xasprintf("%s/.ssh/%s", home, net_keys[n->key++]);
		if (stat(key, &sb) == 0) {
			e = git_credential_ssh_key_new(out, user, NULL, key, NULL);
			free(key);
			return e;
		}
		free(key);
	}
	return 1;
}

/*
 * Offer each kind of credential once, never prompting: a user name, the
 * ssh agent, key files, the platform default. Asking again would loop on
 * a server that keeps saying no.
 */
static int
net_credentials(git_credential **out, const char *url, const char *from_url,
    unsigned int allowed, void *payload)
{
	struct net *n = payload;
	const char *user = net_user(from_url);

	(void)url;
	if ((allowed & GIT_CREDENTIAL_USERNAME) &&
	    !(n->tried & GIT_CREDENTIAL_USERNAME)) {
		n->tried |= GIT_CREDENTIAL_USERNAME;
		return git_credential_username_new(out, user);
	}
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (!(n->tried & GIT_CREDENTIAL_SSH_KEY)) {
			n->tried |= GIT_CREDENTIAL_SSH_KEY;
			return git_credential_ssh_key_from_agent(out, user);
		}
		if (net_key_file(n, out, user) <= 0)
			return 0;
	}
	if ((allowed & GIT_CREDENTIAL_DEFAULT) &&
	    !(n->tried & GIT_CREDENTIAL_DEFAULT)) {
		n->tried |= GIT_CREDENTIAL_DEFAULT;
		return git_credential_default_new(out);
	}
	git_error_set_str(GIT_ERROR_NET, n->tried != 0 ?
	    "authentication failed (tried the ssh agent, ~/.ssh keys and the "
	    "credentials in the URL)" : "authentication required: put the "
	    "credentials in the URL or use ssh with an agent");
	return GIT_EAUTH;
}

static int
net_push_status(const char *ref, const char *status, void *payload)
{
	struct net *n = payload;

	(void)ref;
	if (status != NULL && n->refused == NULL)
		n->refused = xstrdup(status);
	return 0;
}

static void
net_init(struct net *n, git_remote_callbacks *cb, git_proxy_options *proxy,
    git_remote *remote)
{
	memset(n, 0, sizeof *n);
	n->url = git_remote_url(remote);
	cb->credentials = net_credentials;
	cb->push_update_reference = net_push_status;
	cb->payload = n;
	proxy->type = GIT_PROXY_AUTO;	/* http.proxy and the environment */
}

/* Rewriting a URL by url.<base>.insteadOf or pushInsteadOf, as git does. */
struct rewrite {
	const char *url;
	const char *key;	/* "insteadof" or "pushinsteadof" */
	size_t	 best;		/* the longest prefix matched so far */
	char	*out;
};

static int
rewrite_entry(const git_config_entry *e, void *arg)
{
	struct rewrite *rw = arg;
	const char *dot = strrchr(e->name, '.');
	size_t	 len = strlen(e->value);

	if (strncmp(e->name, "url.", 4) != 0 || dot == NULL ||
	    dot < e->name + 4 || strcasecmp(dot + 1, rw->key) != 0 ||
	    len == 0 || len <= rw->best || strncmp(rw->url, e->value, len) != 0)
		return 0;
	free(rw->out);
	rw->out = xasprintf("%.*s%s", (int)(dot - e->name - 4), e->name + 4,
	    rw->url + len);
	rw->best = len;
	return 0;
}

/* The URL rewritten by the longest matching prefix, or NULL if none. */
static char *
rewrite_url(git_config *cfg, const char *url, const char *key)
{
	struct rewrite rw;

	memset(&rw, 0, sizeof rw);
	rw.url = url;
	rw.key = key;
	git_config_foreach(cfg, rewrite_entry, &rw);
	return rw.out;
}

/* Origin's fetch URL and, when it differs, push URL, both rewritten. */
static int
remote_urls(git_config *cfg, char **url, char **push)
{
	git_buf	 u = GIT_BUF_INIT, p = GIT_BUF_INIT;

	*url = *push = NULL;
	if (git_config_get_string_buf(&u, cfg, "remote." REPO_REMOTE ".url") ||
	    *u.ptr == '\0') {
		git_buf_dispose(&u);
		return -1;
	}
	if ((*url = rewrite_url(cfg, u.ptr, "insteadof")) == NULL)
		*url = xstrdup(u.ptr);
	if (git_config_get_string_buf(&p, cfg,
	    "remote." REPO_REMOTE ".pushurl") == 0 && *p.ptr != '\0') {
		if ((*push = rewrite_url(cfg, p.ptr, "insteadof")) == NULL)
			*push = xstrdup(p.ptr);
	} else
		*push = rewrite_url(cfg, u.ptr, "pushinsteadof");
	git_buf_dispose(&p);
	git_buf_dispose(&u);
	return 0;
}

/*
 * Origin as an in-memory remote with explicit refspecs. git_remote_lookup
 * would read the same configuration, but libgit2 1.5 leaks memory in the
 * regular expression it finds insteadOf entries with.
 */
static int
remote_lookup(struct repo *r, git_remote **remote, char **cause)
{
	git_remote_create_options opts;
	git_config *cfg;
	char	*url, *push;
	int	 e;

	*remote = NULL;
	if (git_repository_config_snapshot(&cfg, r->git) != 0) {
		set_cause(cause, repo_git_cause("cannot read git config"));
		return -1;
	}
	e = remote_urls(cfg, &url, &push);
	git_config_free(cfg);
	if (e != 0) {
		set_cause(cause, xstrdup("remote '" REPO_REMOTE "' has no URL"));
		return -1;
	}
	git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	opts.repository = r->git;
	opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
	    GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	e = git_remote_create_with_opts(remote, url, &opts);
	if (e == 0 && push != NULL)
		e = git_remote_set_instance_pushurl(*remote, push);
	if (e != 0) {
		set_cause(cause, repo_git_cause("cannot use remote '%s' ('%s')",
		    REPO_REMOTE, url));
		git_remote_free(*remote);
		*remote = NULL;
	}
	free(push);
	free(url);
	return e == 0 ? 0 : -1;
}

/* The URL a push goes to. */
static const char *
remote_push_url(git_remote *remote)
{
	const char *url = git_remote_pushurl(remote);

	return url != NULL ? url : git_remote_url(remote);
}

/* The id origin advertises for ref, or NULL when it has no such ref. */
static const git_oid *
remote_find(git_remote *remote, const char *ref)
{
	const git_remote_head **heads;
	size_t	 n, i;

	if (git_remote_ls(&heads, &n, remote) != 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strcmp(heads[i]->name, ref) == 0)
			return &heads[i]->oid;
	}
	return NULL;
}

/* Whether origin advertises ref at expect ("": absent). */
static int
remote_at(git_remote *remote, const char *ref, const char *expect)
{
	const git_oid *id = remote_find(remote, ref);
	char	 hex[GIT_OID_HEXSZ + 1];

	if (id == NULL)
		return *expect == '\0';
	git_oid_tostr(hex, sizeof hex, id);
	return strcmp(hex, expect) == 0;
}

int
repo_has_remote(struct repo *r)
{
	char	*url = repo_config_get(r, "remote." REPO_REMOTE ".url");
	int	 has = url != NULL && *url != '\0';

	free(url);
	return has;
}

char *
repo_remote_url(struct repo *r)
{
	git_remote *remote;
	char	*url;

	if (!repo_has_remote(r) || remote_lookup(r, &remote, NULL) != 0)
		return NULL;
	url = xstrdup(git_remote_url(remote));
	git_remote_free(remote);
	return url;
}

char *
repo_tracking_ref(const char *branch)
{
	if (strncmp(branch, "refs/heads/", 11) == 0)
		branch += 11;
	return xasprintf("refs/remotes/%s/%s", REPO_REMOTE, branch);
}

/* Set or delete a ref by compare and swap; see repo_ref_set. */
static int
ref_cas(git_repository *g, const char *ref, const char *oid,
    const char *expect, char **cause)
{
	git_reference *cur = NULL;
	git_oid	 id, old;
	int	 e;

	if ((*oid != '\0' && git_oid_fromstr(&id, oid) != 0) ||
	    (expect != NULL && *expect != '\0' &&
	    git_oid_fromstr(&old, expect) != 0)) {
		set_cause(cause, xasprintf("invalid object id for '%s'", ref));
		return -1;
	}
	if (*oid == '\0') {
		if ((e = git_reference_lookup(&cur, g, ref)) == GIT_ENOTFOUND)
			return expect == NULL || *expect == '\0' ? 0 :
			    REPO_TXN_RACE;
		if (e == 0 && expect != NULL && (*expect == '\0' ||
		    git_reference_target(cur) == NULL ||
		    !git_oid_equal(git_reference_target(cur), &old)))
			e = GIT_EMODIFIED;
		else if (e == 0)
			e = git_reference_delete(cur);
	} else if (expect == NULL || *expect == '\0')
		e = git_reference_create(&cur, g, ref, &id, expect == NULL,
		    "offpeak: follow " REPO_REMOTE);
	else
		e = git_reference_create_matching(&cur, g, ref, &id, 1, &old,
		    "offpeak: follow " REPO_REMOTE);
	git_reference_free(cur);
	if (e == GIT_EEXISTS || e == GIT_EMODIFIED || e == GIT_ELOCKED)
		return REPO_TXN_RACE;
	if (e != 0) {
		set_cause(cause, repo_git_cause("cannot move '%s'", ref));
		return -1;
	}
	return 0;
}

int
repo_ref_set(struct repo *r, const char *ref, const char *oid,
    const char *expect, char **cause)
{
	return ref_cas(r->git, ref, oid, expect, cause);
}

/*
 * Origin's plans branch: offpeak.branch, else the one its HEAD names, else
 * (a bare repository made with plain "git init --bare" names a branch
 * nobody pushed) the local HEAD's branch when origin has it.
 */
static char *
fetch_plans_branch(struct repo *r, git_remote *remote, const char *url,
    char **cause)
{
	git_buf	 buf = GIT_BUF_INIT;
	git_reference *head = NULL;
	const char *local = NULL;
	char	*ref = NULL;
	int	 found;

	ref = repo_config_branch(r, &found, cause);
	if (found)
		return ref;
	if (git_remote_default_branch(&buf, remote) == 0) {
		ref = xstrdup(buf.ptr);
		git_buf_dispose(&buf);
		if (remote_find(remote, ref) != NULL)
			return ref;
		free(ref);
		ref = NULL;
	}
	if (git_reference_lookup(&head, r->git, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		local = git_reference_symbolic_target(head);
	if (local != NULL && strncmp(local, "refs/heads/", 11) == 0 &&
	    remote_find(remote, local) != NULL)
		ref = xstrdup(local);
	else if (local != NULL && strncmp(local, "refs/heads/", 11) == 0)
		set_cause(cause, xasprintf("cannot tell the plans branch of "
		    "'%s': its HEAD names no branch it has, and it has no "
		    "branch '%s' (the one checked out here); push the plans, "
		    "or name the branch with git config offpeak.branch", url,
		    local + 11));
	else
		set_cause(cause, xasprintf("cannot tell the plans branch of "
		    "'%s': its HEAD names no branch it has; push the plans, "
		    "or name the branch with git config offpeak.branch", url));
	git_reference_free(head);
	return ref;
}

/* The refspecs of a fetch: the plans branch and the state branch. */
static int
fetch_specs(struct repo *r, git_remote *remote, const char *url,
    const char *plans, const char *state, char **specs, size_t *n,
    char **cause)
{
	char	*tracking;
	int	 rc = 0;

	*n = 0;
	if (plans != NULL) {
		if (remote_find(remote, plans) == NULL) {
			set_cause(cause, xasprintf("'%s' has no branch '%s'; "
			    "push the plans first", url, plans +
			    (strncmp(plans, "refs/heads/", 11) == 0 ? 11 : 0)));
			return -1;
		}
		tracking = repo_tracking_ref(plans);
		specs[(*n)++] = xasprintf("+%s:%s", plans, tracking);
		free(tracking);
	}
	if (state == NULL)
		return 0;
	tracking = repo_tracking_ref(state);
	if (remote_find(remote, state) != NULL)
		specs[(*n)++] = xasprintf("+%s:%s", state, tracking);
	else if (ref_cas(r->git, tracking, "", NULL, cause) != 0)
		rc = -1;
	free(tracking);
	return rc;
}

/*
 * Why origin's URL cannot be a repository, for a local path (file://, or
 * no scheme and not ssh's host:path form) that is missing or no directory;
 * NULL when it may be one (libgit2 then tells the rest).
 */
static char *
local_url_problem(const char *url)
{
	const char *path = url, *colon, *slash;
	struct stat sb;

	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	else if (strstr(url, "://") != NULL)
		return NULL;
	else if ((colon = strchr(url, ':')) != NULL &&
	    ((slash = strchr(url, '/')) == NULL || slash > colon))
		return NULL;	/* [user@]host:path, ssh */
	if (stat(path, &sb) != 0)
		return xasprintf("origin '%s' is a local path that does not "
		    "exist: %s", url, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return xasprintf("origin '%s' is a local path that is not a "
		    "directory", url);
	return NULL;
}

int
repo_fetch(struct repo *r, char **plans, const char *state, char **cause)
{
	git_fetch_options opts;
	git_remote *remote;
	git_strarray arr;
	struct net n;
	char	*specs[2], *branch = NULL;
	size_t	 nspecs = 0, i;
	int	 rc = -1;

	if (plans != NULL)
		*plans = NULL;
	if (remote_lookup(r, &remote, cause) != 0)
		return -1;
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	net_init(&n, &opts.callbacks, &opts.proxy_opts, remote);
	if ((branch = local_url_problem(n.url)) != NULL) {
		set_cause(cause, branch);
		branch = NULL;
		goto out;
	}
	opts.update_fetchhead = 0;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &opts.callbacks,
	    &opts.proxy_opts, NULL) != 0) {
		set_cause(cause, repo_git_cause("cannot fetch from '%s'", n.url));
		goto out;
	}
	if (plans != NULL &&
	    (branch = fetch_plans_branch(r, remote, n.url, cause)) == NULL)
		goto out;
	if (fetch_specs(r, remote, n.url, branch, state, specs, &nspecs,
	    cause) != 0)
		goto out;
	arr.strings = specs;
	arr.count = nspecs;
	if (nspecs != 0 && git_remote_fetch(remote, &arr, &opts,
	    "offpeak: fetch") != 0) {
		set_cause(cause, repo_git_cause("cannot fetch from '%s'", n.url));
		goto out;
	}
	if (plans != NULL)
		*plans = repo_tracking_ref(branch);
	rc = 0;
out:
	for (i = 0; i < nspecs; i++)
		free(specs[i]);
	free(branch);
	git_remote_free(remote);
	return rc;
}

/* The directory of a local remote (file:// or a path), or NULL. */
static char *
local_remote_path(const char *url)
{
	struct stat sb;

	if (strncmp(url, "file://", 7) == 0)
		return xstrdup(url + 7);
	if (strstr(url, "://") == NULL && stat(url, &sb) == 0 &&
	    S_ISDIR(sb.st_mode))
		return xstrdup(url);
	return NULL;
}

/* Write the commits from id back to expect into far's objects as a pack. */
static int
push_local_objects(struct repo *r, git_repository *far, const git_oid *id,
    const char *expect)
{
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	git_buf	 dir = GIT_BUF_INIT;
	git_oid	 old;
	char	*pack;
	int	 e;

	e = git_packbuilder_new(&pb, r->git);
	if (e == 0)
		e = git_revwalk_new(&walk, r->git);
	if (e == 0)
		e = git_revwalk_push(walk, id);
	if (e == 0 && *expect != '\0' && git_oid_fromstr(&old, expect) == 0)
		e = git_revwalk_hide(walk, &old);
	if (e == 0)
		e = git_packbuilder_insert_walk(pb, walk);
	if (e == 0 && git_packbuilder_object_count(pb) != 0)
		e = git_repository_item_path(&dir, far,
		    GIT_REPOSITORY_ITEM_OBJECTS);
	if (e == 0 && git_packbuilder_object_count(pb) != 0) {
		pack = xasprintf("%s%spack", dir.ptr,
		    str_endswith(dir.ptr, "/") ? "" : "/");
		e = git_packbuilder_write(pb, pack, 0, NULL, NULL);
		free(pack);
	}
	git_buf_dispose(&dir);
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	return e;
}

/*
 * A remote on this machine is updated directly: libgit2's local transport
 * would move the ref without comparing it to what we expect.
 */
static int
push_local(struct repo *r, const char *path, const char *url,
    const char *ref, const git_oid *id, const char *expect, char **cause)
{
	git_repository *far;
	git_reference *cur = NULL;
	char	 hex[GIT_OID_HEXSZ + 1] = "";
	int	 rc;

	if (git_repository_open_ext(&far, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
	    NULL) != 0) {
		set_cause(cause, repo_git_cause("cannot push to '%s'", url));
		return -1;
	}
	if (git_reference_lookup(&cur, far, ref) == 0 &&
	    git_reference_target(cur) != NULL)
		git_oid_tostr(hex, sizeof hex, git_reference_target(cur));
	git_reference_free(cur);
	if (strcmp(hex, expect) != 0)
		rc = REPO_TXN_RACE;
	else if (push_local_objects(r, far, id, expect) != 0) {
		set_cause(cause, repo_git_cause("cannot push to '%s'", url));
		rc = -1;
	} else {
		git_oid_tostr(hex, sizeof hex, id);
		rc = ref_cas(far, ref, hex, expect, cause);
	}
	git_repository_free(far);
	return rc;
}

/* Push over a transport: origin compares the old id as it takes the ref. */
static int
push_smart(git_remote *remote, const char *ref, const char *expect,
    char **cause)
{
	git_push_options opts;
	git_strarray arr;
	struct net n;
	char	*spec;
	int	 e, rc = -1;

	git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
	net_init(&n, &opts.callbacks, &opts.proxy_opts, remote);
	n.url = remote_push_url(remote);
	/*
	 * libgit2 1.5 leaks the stream of a git:// receive-pack connection
	 * that fails; an upload-pack connection first finds a server that is
	 * down without it.
	 */
	if (strncmp(n.url, "git://", 6) == 0 &&
	    git_remote_pushurl(remote) == NULL) {
		if (git_remote_connect(remote, GIT_DIRECTION_FETCH,
		    &opts.callbacks, &opts.proxy_opts, NULL) != 0) {
			set_cause(cause, repo_git_cause("cannot push to '%s'",
			    n.url));
			return -1;
		}
		git_remote_disconnect(remote);
	}
	if (git_remote_connect(remote, GIT_DIRECTION_PUSH, &opts.callbacks,
	    &opts.proxy_opts, NULL) != 0) {
		set_cause(cause, repo_git_cause("cannot push to '%s'", n.url));
		return -1;
	}
	if (!remote_at(remote, ref, expect))
		return REPO_TXN_RACE;
	spec = xasprintf("%s:%s", ref, ref);	/* no '+': never forced */
	arr.strings = &spec;
	arr.count = 1;
	if ((e = git_remote_upload(remote, &arr, &opts)) == GIT_ENONFASTFORWARD)
		rc = REPO_TXN_RACE;
	else if (e != 0)
		set_cause(cause, repo_git_cause("cannot push to '%s'", n.url));
	else if (n.refused != NULL) {
		set_cause(cause, xasprintf("'%s' refused the update of '%s': %s",
		    n.url, ref, n.refused));
		rc = REPO_PUSH_REFUSED;
	} else
		rc = 0;
	free(n.refused);
	free(spec);
	return rc;
}

int
repo_push(struct repo *r, const char *ref, const char *expect, char **cause)
{
	git_remote *remote;
	git_oid	 id;
	char	 oid[GIT_OID_HEXSZ + 1], *path, *tracking;
	int	 rc;

	if ((rc = repo_ref_commit(r, ref, oid, cause)) != 0) {
		if (rc == 1)
			set_cause(cause, xasprintf("no branch '%s' to push", ref));
		return -1;
	}
	if (remote_lookup(r, &remote, cause) != 0)
		return -1;
	git_oid_fromstr(&id, oid);
	if ((path = local_url_problem(remote_push_url(remote))) != NULL) {
		set_cause(cause, path);
		git_remote_free(remote);
		return -1;
	}
	if ((path = local_remote_path(remote_push_url(remote))) != NULL)
		rc = push_local(r, path, remote_push_url(remote), ref, &id,
		    expect, cause);
	else
		rc = push_smart(remote, ref, expect, cause);
	free(path);
	git_remote_free(remote);
	if (rc == 0) {
		/* the next fetch corrects a remote-tracking ref left behind */
		tracking = repo_tracking_ref(ref);
		ref_cas(r->git, tracking, oid, NULL, NULL);
		free(tracking);
	}
	return rc;
}

