/* sshsig: SSH signatures made and checked by OpenSSH's ssh-keygen -Y */
#ifndef OFFPEAK_SSHSIG_H
#define OFFPEAK_SSHSIG_H

#include <stddef.h>
#include <stdint.h>

/* The namespaces of offpeak's statements, and git's for commits. */
#define SSHSIG_NS_APPROVAL	"offpeak-approval"
#define SSHSIG_NS_RUN		"offpeak-run"
#define SSHSIG_NS_GIT		"git"

/*
 * The program is "ssh-keygen" from PATH, or git config gpg.ssh.program
 * (set through sshsig_set_program), as for git's SSH-signed commits. It
 * runs with TZ=UTC, so that times in allowed-signers files without a Z are
 * UTC wherever offpeak runs.
 */
void	 sshsig_set_program(const char *);

/* What an armored SSH signature says of itself. */
struct sshsig_info {
	unsigned char *key;	/* the public key blob */
	size_t	 keylen;
	char	*keytype;	/* "ssh-ed25519", ... */
	char	*ns;		/* its namespace */
	char	*fingerprint;	/* "SHA256:...", as ssh-keygen prints it */
};

/*
 * Read "-----BEGIN SSH SIGNATURE-----" text (surrounding white space
 * allowed). Returns 0 with *info filled, or -1 with *cause. Nothing is
 * verified.
 */
int	 sshsig_parse(const char *armored, struct sshsig_info *, char **cause);
void	 sshsig_info_release(struct sshsig_info *);

/*
 * Sign data in namespace ns with ssh-keygen -Y sign -f key: key is a
 * private key file, or a public key whose private half the ssh agent
 * holds (as git's user.signingkey); "key::<public key>" names an agent key
 * inline. A passphrase is asked on the terminal when there is one. Returns
 * 0 with *sig (the armored signature, allocated), or -1 with *cause
 * (ssh-keygen's own words).
 */
int	 sshsig_sign(const char *key, const char *ns, const char *data,
	     size_t len, char **sig, char **cause);

/*
 * The public key blob of a key as sshsig_sign takes it: "key::..." text,
 * a public key file, the ".pub" beside a private key, or what ssh-keygen
 * -y derives from an unencrypted private key. 0, or -1 with *cause.
 */
int	 sshsig_public_key(const char *key, unsigned char **blob, size_t *len,
	     char **cause);

/*
 * Make a new Ed25519 key pair without a passphrase at path (and
 * path.pub) with ssh-keygen -t ed25519, for demonstrations and tests.
 * 0, or -1 with *cause.
 */
int	 sshsig_keygen(const char *path, const char *comment, char **cause);

/*
 * Verify sig over data with ssh-keygen -Y verify: signed in namespace ns
 * by a key that the allowed-signers text gives principal, valid at time
 * at (UTC seconds; valid-after and valid-before are checked against it).
 * Returns 0 when good, 1 when not (with *cause: ssh-keygen's reason), -1
 * when ssh-keygen could not be run (with *cause).
 *
 * With a cache directory (sshsig_cache_open), a good result is kept under
 * a digest of all of the inputs, so that the same check costs a lookup
 * the next time; bad results are never kept.
 */
struct sshsig_cache;
int	 sshsig_verify(struct sshsig_cache *, const char *signers,
	     size_t signers_len, const char *principal, const char *ns,
	     const char *sig, const char *data, size_t len, int64_t at,
	     char **cause);

/*
 * The cache of good verifications in file path (created when missing and
 * writable). Never NULL: a cache that cannot be read or written is empty.
 */
struct sshsig_cache *sshsig_cache_open(const char *path);
void	 sshsig_cache_free(struct sshsig_cache *);

#endif
