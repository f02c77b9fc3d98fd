/* signers: the allowed-signers file, ssh-keygen(1) ALLOWED SIGNERS format */
#ifndef OFFPEAK_SIGNERS_H
#define OFFPEAK_SIGNERS_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/*
 * One line of the file: "principals [options] keytype base64-key
 * [comment]". offpeak reads it for two things only: which principals a
 * public key stands for (a signature names its key, never its signer), and
 * whether the file is well formed. Whether a signature is good, in its
 * namespace, at its time (valid-after, valid-before) is ssh-keygen's to
 * say (sshsig.h), with the same file.
 */
struct signer {
	char	**principals;	/* NULL-terminated, as written */
	char	**namespaces;	/* NULL-terminated; NULL: any namespace */
	int64_t	 valid_after;	/* UTC seconds; INT64_MIN: none */
	int64_t	 valid_before;	/* UTC seconds; INT64_MAX: none */
	char	*keytype;	/* "ssh-ed25519", ... */
	unsigned char *key;	/* the public key blob (decoded base64) */
	size_t	 keylen;
	int	 line;
};

struct signers {
	struct signer *v;
	size_t	 n;
};

/*
 * Parse the file's text; every bad line is a problem in diags at
 * file:line (a principal given as a pattern, a certificate authority, an
 * unknown option, a bad time or key). Lines with problems are left out.
 * Times without a trailing Z are UTC (offpeak runs ssh-keygen with TZ=UTC).
 */
void	 signers_parse(struct signers *, const char *file, const char *text,
	     size_t len, struct diags *);
void	 signers_release(struct signers *);

/*
 * The principals the key blob may sign for in namespace ns (lines whose
 * namespaces= admits it), whatever the time: a NULL-terminated vector of
 * borrowed strings (allocated; free only the vector), empty when none.
 */
const char **signers_principals(const struct signers *, const unsigned char *key,
	     size_t keylen, const char *ns);
/* Is principal one of those the key may sign for in ns? */
int	 signers_allows(const struct signers *, const unsigned char *key,
	     size_t keylen, const char *principal, const char *ns);

/*
 * A time of valid-after / valid-before: YYYYMMDD or YYYYMMDDHHMM[SS],
 * with an optional trailing Z (UTC either way). 0 with *out, or -1.
 */
int	 signers_time(const char *, int64_t *out);

#endif
