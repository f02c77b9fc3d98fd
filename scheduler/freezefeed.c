/* freezefeed: freezes published as iCalendar feeds, fetched and cached */
#include <stdlib.h>
#include <string.h>

#include "freezefeed.h"
#include "policy.h"
#include "session.h"
#include "util.h"

int
freeze_feeds_load(struct session *s, struct freeze_feeds *ff, char **cause)
{
	size_t	 i;

	memset(ff, 0, sizeof *ff);
	ff->warnings = xcalloc(1, sizeof *ff->warnings);
	for (i = 0; i < s->chk.policy->nfreezes; i++) {
		if (s->chk.policy->freezes[i].kind == FREEZE_URL) {
			*cause = xasprintf("freeze '%s': feeds by URL are not "
			    "supported yet", s->chk.policy->freezes[i].name);
			return EXIT_ENV;
		}
	}
	return EXIT_DONE;
}

void
freeze_feeds_release(struct freeze_feeds *ff)
{
	size_t	 i;

	free(ff->events);
	for (i = 0; i < ff->nfiles; i++) {
		free((char *)ff->files[i].path);
		free((char *)ff->files[i].data);
	}
	free(ff->files);
	strv_free(ff->warnings);
	memset(ff, 0, sizeof *ff);
}
