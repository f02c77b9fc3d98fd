/*
 * fuzz-state: the files of the state branch, which anyone who can push may
 * have written: state/<id>.json, approvals/<id>/<n>.json and the
 * maintenance records records/<id>/<run>.json. The first byte chooses the
 * kind; up to the first newline the rest is the file's name, after it the
 * text. A file offpeak accepts must come out of its writer as text that
 * its reader accepts again, unchanged; a record must go into a report.
 */
#include "record.h"
#include "report.h"
#include "state.h"
#include "util.h"

#include "fuzz.h"

static void
one_state(const char *name, const char *text, size_t len)
{
	struct plan_state *ps, *back;
	char	*out, *again, *cause = NULL;

	ps = plan_state_new(name);
	if (state_from_json(ps, text, len, &cause) == 0) {
		out = state_to_json(ps);
		back = plan_state_new(name);
		if (state_from_json(back, out, strlen(out), &cause) != 0) {
			fprintf(stderr, "%s\n%s\n", cause, out);
			fuzz_check(!"a state offpeak wrote cannot be read");
		}
		again = state_to_json(back);
		fuzz_check(strcmp(out, again) == 0);
		free(again);
		free(out);
		plan_state_free(back);
	} else
		fuzz_check_line(cause);
	free(cause);
	plan_state_free(ps);
}

static void
one_approval(const char *text, size_t len)
{
	struct approval a, b;
	char	*out, *again, *cause = NULL;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if (approval_from_json(&a, text, len, &cause) == 0) {
		out = approval_to_json(&a);
		if (approval_from_json(&b, out, strlen(out), &cause) != 0) {
			fprintf(stderr, "%s\n%s\n", cause, out);
			fuzz_check(!"an approval offpeak wrote cannot be read");
		}
		again = approval_to_json(&b);
		fuzz_check(strcmp(out, again) == 0);
		free(again);
		free(out);
	} else
		fuzz_check_line(cause);
	approval_release(&a);
	approval_release(&b);
	free(cause);
}

static void
one_record(const char *text, size_t len)
{
	struct record *r, *back;
	struct report rep;
	char	*out, *cause = NULL;

	if ((r = record_parse(text, len, &cause)) != NULL) {
		out = record_to_json(r);
		if ((back = record_parse(out, strlen(out), &cause)) == NULL) {
			fprintf(stderr, "%s\n%s\n", cause, out);
			fuzz_check(!"a record offpeak wrote cannot be read");
		}
		record_free(back);
		free(out);
		record_free(r);
	}
	free(cause);
	cause = NULL;
	memset(&rep, 0, sizeof rep);
	if (report_add(&rep, text, len, NULL, INT64_MIN, INT64_MAX,
	    &cause) != 0)
		fuzz_check_line(cause);
	report_finish(&rep);
	report_release(&rep);
	free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl;
	char	*name, *text;
	size_t	 len;

	if (size < 1 || size > 4 * 1024 * 1024)
		return 0;
	if ((nl = memchr(data + 1, '\n', size - 1)) != NULL) {
		name = fuzz_text(data + 1, nl - (data + 1));
		len = size - (nl + 1 - data);
		text = fuzz_text(nl + 1, len);
	} else {
		name = fuzz_text((const uint8_t *)"fuzz", 4);
		len = size - 1;
		text = fuzz_text(data + 1, len);
	}
	switch (data[0] % 3) {
	case 0:
		if (name_valid(name))
			one_state(name, text, len);
		break;
	case 1:
		one_approval(text, len);
		break;
	default:
		one_record(text, len);
		break;
	}
	free(name);
	free(text);
	return 0;
}
