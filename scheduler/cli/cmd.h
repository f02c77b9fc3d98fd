/* cli: the command table and what every command is given */
#ifndef OFFPEAK_CMD_H
#define OFFPEAK_CMD_H

#include <stdint.h>

/* Global options, parsed by main() before the command. */
struct ctx {
	const char *repo_path;	/* -C; NULL means the current directory */
	int64_t	 now;		/* the clock: --now, OFFPEAK_NOW or time() */
	int	 simulated;	/* the clock came from --now or OFFPEAK_NOW */
	int	 json;		/* --json: machine-readable output on stdout */
	int	 offline;	/* --offline: do not fetch or push origin */
	const char *argv0;	/* path of the running binary */
};

struct cmd_entry {
	const char *name;
	const char *usage;	/* arguments after the name */
	const char *summary;	/* one line for "offpeak --help" */
	const char *help;	/* further lines for "offpeak CMD --help", or NULL */
	int	(*exec)(struct ctx *, int, char **);
};

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
/*
 * Parse a command's options with getopt_long; handles --help. Returns the
 * option, -1 at the end, or '?' after printing usage.
 */
struct option;
int	 cmd_getopt(const struct cmd_entry *, int, char **, const char *,
	     const struct option *);

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
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_calendar_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_publish_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_demo_entry;

#endif
