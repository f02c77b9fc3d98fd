/* record: the maintenance record of one run, records/<id>/<run>.json */
#ifndef OFFPEAK_RECORD_H
#define OFFPEAK_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct record;
struct verify_attempt;

/* One phase of a run as the record tells it. */
struct record_phase {
	const char *phase;	/* backup, step, verify, http, rollback */
	const char *name;	/* step name, hook path or URL */
	int64_t	 started, ended;	/* ended 0: not finished */
	int	 exit;		/* -1 when killed or never run */
	int	 signal;	/* 0 when none */
	int	 timed_out;
	const char *status;	/* running, ok, failed, skipped, interrupted */
	const char *problem;	/* why it failed, or NULL */
	const char *tail;	/* last part of the output, or NULL */
	const char *log;	/* path of the whole log on the state branch */
};

struct record *record_new(const char *plan, const char *run);
/*
 * The record of a slot that ended without a run (outcome "missed"): the
 * JSON text (allocated), for records/<plan>/missed-<start>.json; *run gets
 * that name's run id (allocated).
 */
char	*record_missed(const char *plan, const char *title, int64_t start,
	     int64_t end, const char *window, int64_t now, char **run);
/* Parse a record; NULL with *cause when it is not one. */
struct record *record_parse(const char *text, size_t len, char **cause);
void	 record_free(struct record *);
/* The record as JSON text (allocated), deterministic. */
char	*record_to_json(const struct record *);

void	 record_set_str(struct record *, const char *key, const char *value);
void	 record_set_time(struct record *, const char *key, int64_t);
void	 record_set_bool(struct record *, const char *key, int);
void	 record_set_int(struct record *, const char *key, long long);
long long record_int(const struct record *, const char *key);
const char *record_str(const struct record *, const char *key);
/* A time member, or 0 when absent. */
int64_t	 record_time(const struct record *, const char *key);
int	 record_bool(const struct record *, const char *key);

/*
 * A signed run statement (trust.h): who started or resumed the run, when,
 * and the armored signature of the statement made from the record's own
 * plan, revision, run and slot with these.
 */
struct record_signature {
	const char *action;	/* "start" or "resume" */
	const char *principal;
	int64_t	 at;
	const char *signature;
};
void	 record_add_signature(struct record *, const struct record_signature *);
size_t	 record_nsignatures(const struct record *);
/* One of them; 0, or -1 when it is malformed (fields NULL). */
int	 record_signature(const struct record *, size_t,
	     struct record_signature *);

/* A resume: who took the run over, on which host, when. */
void	 record_add_resume(struct record *, const char *operator,
	     const char *host, int64_t at);
/* Who resumed the run, ", "-joined (allocated), or NULL. */
char	*record_resumed_by(const struct record *);

void	 record_add_gate(struct record *, const char *gate, int ok,
	     const char *detail);
/* Start a phase; returns its index for record_phase_end. */
size_t	 record_phase_begin(struct record *, const char *phase,
	     const char *name, int64_t at, const char *log);
/* Finish a phase: status "ok", "failed" or "skipped". */
void	 record_phase_end(struct record *, size_t, int64_t at, int exit,
	     int signal, int timed_out, const char *status, const char *problem,
	     const char *tail);
size_t	 record_nphases(const struct record *);
void	 record_phase(const struct record *, size_t, struct record_phase *);
/*
 * Mark a phase still "running" in a record read back after a crash as
 * "interrupted": nobody saw it end.
 */
void	 record_phase_interrupted(struct record *, size_t, const char *problem);
/* Set a string of phase i ("for": the check's phase). */
void	 record_set_phase_str(struct record *, size_t, const char *key,
	     const char *);
/* Set an integer of phase i ("step": its number in the plan, "rerun"). */
void	 record_phase_set_int(struct record *, size_t, const char *key,
	     long long);
/*
 * Did step n of the plan (1-based) finish "ok", the latest attempt? A
 * step is its phase "step" with "step": n (records before step names:
 * the name "step n").
 */
int	 record_step_ok(const struct record *, size_t n);
/* Was an earlier attempt of step n (or of a phase of that name) cut short? */
int	 record_was_interrupted(const struct record *, const char *phase,
	     const char *name, size_t step);
/* Did a phase of that kind and name finish "ok" (the latest attempt)? */
int	 record_phase_ok(const struct record *, const char *phase,
	     const char *name);
/*
 * Keep the backup manifest: a JSON object with a non-empty string
 * "location" and a "size" (a number of bytes) or a "sha256" (a string).
 * Returns 0, or -1 with *cause saying what is wrong (nothing kept).
 */
int	 record_set_manifest(struct record *, const char *text, size_t len,
	     char **cause);
/* The kept backup manifest as JSON text (allocated), or NULL. */
char	*record_manifest(const struct record *);
void	 record_add_attempt(struct record *, const struct verify_attempt *);
/* Number of verification attempts kept, and one of them. */
size_t	 record_nattempts(const struct record *);
void	 record_attempt(const struct record *, size_t, struct verify_attempt *);

#endif
