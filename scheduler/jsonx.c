/* jsonx: small JSON helpers shared by the modules that keep JSON files */
#include <stdlib.h>

#include "datetime.h"
#include "jsonx.h"

json_t *
jsonx_take(char *s)
{
	json_t	*v = json_string(s);

	free(s);
	return v;
}

json_t *
jsonx_time(int64_t t)
{
	return jsonx_take(dt_format_utc(t));
}

json_t *
jsonx_duration(int64_t secs)
{
	return jsonx_take(dur_iso(secs));
}

int
jsonx_get_time(json_t *o, const char *key, int64_t *out)
{
	json_t	*v = json_object_get(o, key);
	char	*cause = NULL;

	if (v == NULL)
		return 0;
	if (!json_is_string(v) ||
	    dt_parse_instant(json_string_value(v), out, NULL, &cause) != 0) {
		free(cause);
		return -1;
	}
	return 0;
}
