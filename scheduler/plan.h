/* plan: upgrade plans plans/<id>.json — model and validation */
#ifndef OFFPEAK_PLAN_H
#define OFFPEAK_PLAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "jsonloc.h"

#define PLAN_DIR "plans"

enum plan_type { PLAN_STANDARD, PLAN_NORMAL, PLAN_EMERGENCY };
enum impact { IMPACT_NONE, IMPACT_REDUCED, IMPACT_DEGRADED, IMPACT_OUTAGE };
enum rollback_kind { ROLLBACK_TESTED, ROLLBACK_UNTESTED, ROLLBACK_NONE };

extern const char *const plan_type_names[];
extern const char *const impact_names[];
extern const char *const rollback_names[];

/* A hook: an argv vector whose first element is a path in the tree. */
struct hook {
	char	**argv;		/* NULL-terminated; NULL when absent */
	int64_t	 timeout;	/* seconds; 0: none (a step: the rest of the slot) */
	struct jseg where[4];	/* path of argv[0] in the document */
	size_t	 depth;
};

struct step {
	char	*name;
	struct hook hook;
};

struct http_check {
	char	*url;
	int	 status;
	int	 max_ms;	/* 0: no limit */
	char	*contains;	/* NULL: none */
	char	*equals;	/* the whole body, blanks around it aside; NULL: none */
	int64_t	 within;	/* retry for this long; 0: one attempt */
};

/* Checks: hooks and HTTP checks, as "verify" and "precheck" hold them. */
struct checks {
	struct hook *run;
	size_t	 nrun;
	struct http_check *http;
	size_t	 nhttp;
};

enum execution { EXEC_MANUAL, EXEC_AUTOMATIC };
extern const char *const execution_names[];

struct plan {
	char	*file;		/* plans/<id>.json */
	char	*id;
	char	*title;
	char	*description;
	char	*owner;
	enum plan_type type;
	char	**systems;	/* NULL-terminated */
	enum impact impact;
	int64_t	 duration;
	int	 has_not_before, has_not_after;
	int64_t	 not_before, not_after;
	char	**depends_on;	/* NULL-terminated, may be empty */
	enum rollback_kind rollback_kind;
	int	 data_migration;
	int	 tested_in_staging;
	struct hook backup;
	struct step *steps;
	size_t	 nsteps;
	struct checks verify;		/* after the steps, and after a rollback */
	struct checks precheck;		/* before the backup; may be empty */
	enum execution execution;	/* may run --due start it unattended? */
	int	 verify_after_rollback;	/* verify again after a rollback */
	struct hook rollback;
	char	 blob[41];	/* git blob id of the file */
	int64_t	 added_at;	/* commit time the file first appeared; 0 unknown */
	char	*text;		/* the file, kept for line and column */
	size_t	 len;
};

/*
 * Read and validate a plan; problems go to diags under file. Takes text
 * (allocated). Returns the plan (possibly with problems), or NULL when the
 * text is not a JSON object (text freed).
 */
struct plan *plan_parse_take(const char *file, char *text, size_t len,
	     struct diags *);
void	 plan_free(struct plan *);
/*
 * Read checks shaped as "verify" (hooks in "run", HTTP checks in "http",
 * a "timeout" for the hooks) at obj's member key: 0, or -1 when absent
 * (a problem when required). Also for the policy's per-group prechecks.
 */
struct jdoc;
int	 plan_read_checks(struct jdoc *, json_t *obj, const char *key,
	     int required, struct checks *);
/* The same, from the object v at the document's place; extra: a member
   allowed beside the checks (or NULL). */
void	 checks_read(struct jdoc *, json_t *v, const char *extra,
	     struct checks *);
void	 checks_release(struct checks *);
/* Call fn for every hook of the plan: backup, steps, verify, rollback. */
void	 plan_foreach_hook(struct plan *, void (*)(struct plan *,
	     struct hook *, void *), void *);

#endif
