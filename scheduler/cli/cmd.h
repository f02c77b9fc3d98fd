/* cli: the command table and what every command is given */
#ifndef OFFPEAK_CMD_H
#define OFFPEAK_CMD_H

#include <stdint.h>

#include "util.h"

/* offpeak(1)'s exit codes. */
enum exit_code {
	EXIT_DONE = 0,		/* done */
	EXIT_INVALID = 1,	/* invalid input or refused by a gate */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_FAILED = 3,	/* the change ran and failed */
	EXIT_RACE = 4,		/* lost a race: state moved, lock held elsewhere */
	EXIT_ENV = 5		/* repository, file system, network */
};

/* The exit code of a library outcome. */
int	 cmd_exit(enum outcome);

/* Global options, parsed by main() before the command. */
struct ctx {
	const char *repo_path;	/* -C; NULL means the current directory */
	int64_t	 now;		/* the clock: --now, OFFPEAK_NOW or time() */
	int	 simulated;	/* the clock came from --now or OFFPEAK_NOW */
	int	 json;		/* --json: machine-readable output on stdout */
	int	 offline;	/* --offline: do not fetch or push origin */
	const char *argv0;	/* path of the running binary */
};

/* Keys of options without a short letter. */
#define CMD_LONG	256

/*
 * One option of a command, as the central parser reads it and --help and
 * the synopsis show it. The table ends with a zero key.
 */
struct cmd_option {
	int	 key;		/* its letter (-m), or CMD_LONG + n */
	const char *name;	/* long name without "--" */
	const char *value;	/* NULL: a flag; else what it takes ("MSG") */
	const char *choices;	/* NULL, or the values allowed: "text json csv" */
	int	 required;	/* the command refuses to run without it */
	const char *help;	/* one line for --help */
};

#define CMD_MAX_OPTIONS	12

/* What the parser found on a command's line. */
struct cmd_args {
	int	 argc;		/* the operands, after every option */
	char	**argv;
	const char *value[CMD_MAX_OPTIONS];	/* by index in the table */
	int	 given[CMD_MAX_OPTIONS];
	const struct cmd_entry *entry;
};

/* The value of the option with that key, or NULL when it was not given. */
const char *cmd_value(const struct cmd_args *, int key);
/* Was the option (a flag, or one with a value) given? */
int	 cmd_given(const struct cmd_args *, int key);

struct cmd_entry {
	const char *name;
	const char *args;	/* the operands, as the synopsis shows them */
	int	 min_args, max_args;	/* how many; max_args -1: any number */
	const struct cmd_option *options;	/* NULL: only --help */
	const char *summary;	/* one line for "offpeak --help" */
	const char *help;	/* what it does, for "offpeak CMD --help" */
	unsigned exits;		/* the exit codes it returns: CMD_EXIT(n) */
	int	(*exec)(struct ctx *, const struct cmd_args *);
};
#define CMD_EXIT(n)	(1u << (n))

/*
 * Parse a command's line with its table and run it: --help prints the help;
 * an unknown option, a missing value, a value not among the choices, a
 * missing required option or a wrong number of operands is a usage error
 * that names what is wrong and what would be right. Returns the exit code.
 */
int	 cmd_run(const struct cmd_entry *, struct ctx *, int, char **);
/* The synopsis: "report [--from D] [--to D] [--format text|json|csv]". */
char	*cmd_synopsis(const struct cmd_entry *);
/* A usage error of the command: "offpeak: NAME: message" and the usage. */
int	 cmd_usage_error(const struct cmd_entry *, const char *, ...)
	     __attribute__((format(printf, 2, 3)));

/* The command whose name is, or uniquely starts with, name; NULL if none. */
const struct cmd_entry *cmd_find(const char *name, int *ambiguous);
/* All commands, NULL-terminated. */
extern const struct cmd_entry *cmd_table[];

/* Print "offpeak: " and the message to stderr. */
void	 cmd_error(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Print usage of a command to stderr and return EXIT_USAGE. */
int	 cmd_usage(const struct cmd_entry *);
/* Print full help of a command to stdout and return EXIT_DONE. */
int	 cmd_help(const struct cmd_entry *);

struct session;
/*
 * Open the session for a command (named for the state commits it makes): print what went wrong and return its
 * exit code, or EXIT_DONE.
 */
int	 cmd_session_open(struct session *, const struct ctx *, const char *);
/*
 * The same for a command that only reads: when origin cannot be reached,
 * one warning, and the last fetched copy answers.
 */
int	 cmd_session_read(struct session *, const struct ctx *, const char *);
/* Print that no plan has the id (and where it was looked for); EXIT_INVALID. */
int	 cmd_no_plan(const struct session *, const char *id);
/* Commit the session's state; print what went wrong; exit code. */
struct store_file;
int	 cmd_session_commit(struct session *, const struct store_file *, size_t);
/* Print each warning as "offpeak: warning: ..." to stderr. */
void	 cmd_print_warnings(char *const *);
/* Local time for people: "2026-12-02 01:00 CST (Asia/Shanghai)". */
char	*cmd_local_time(int64_t, const char *zone);

extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_assess_entry;
extern const struct cmd_entry cmd_approve_entry;
extern const struct cmd_entry cmd_schedule_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_cancel_entry;
extern const struct cmd_entry cmd_log_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_abort_entry;
extern const struct cmd_entry cmd_calendar_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_publish_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_demo_entry;

#endif
