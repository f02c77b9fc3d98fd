/* http: outgoing requests, HTTP and SMTP, and URLs (the only module with libcurl) */
#include <curl/curl.h>
#include <ctype.h>
#include <pthread.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* A transfer in progress. */
struct transfer {
	struct buf body;
	size_t	 max;
	int	 too_large;
	struct http_response *res;
};

/* The body goes to the response when a response came; else nothing stays. */
static int
finish(int rv, struct transfer *t, struct http_response *res)
{
	if (rv == 0)
		res->body = buf_detach(&t->body, &res->len);
	else {
		buf_release(&t->body);
		http_response_release(res);
	}
	return rv;
}

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_init_rc;

static void
http_init(void)
{
	http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;

	if (n != 0 && size > SIZE_MAX / n)
		return 0;
	if (size * n > t->max - t->body.len) {
		t->too_large = 1;
		return 0;
	}
	buf_add(&t->body, data, size * n);
	return size * n;
}

/* The value of a header line if its name is name, trimmed; else NULL. */
static char *
header_value(const char *line, size_t len, const char *name)
{
	size_t	 nlen = strlen(name);
	const char *v, *e = line + len;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 ||
	    line[nlen] != ':')
		return NULL;
	for (v = line + nlen + 1; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && isspace((unsigned char)e[-1]))
		e--;
	return xstrndup(v, e - v);
}

static void
take_header(char **slot, char *value)
{
	if (value == NULL)
		return;
	free(*slot);
	*slot = value;
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	struct http_response *r = t->res;
	size_t	 len = size * n;

	/* A new status line: the headers of an earlier response are void. */
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		free(r->etag);
		free(r->last_modified);
		free(r->content_type);
		r->etag = r->last_modified = r->content_type = NULL;
		return len;
	}
	take_header(&r->etag, header_value(line, len, "ETag"));
	take_header(&r->last_modified, header_value(line, len, "Last-Modified"));
	take_header(&r->content_type, header_value(line, len, "Content-Type"));
	return len;
}

static char *
size_human(size_t n)
{
	if (n % (1024 * 1024) == 0)
		return xasprintf("%zu MiB", n / (1024 * 1024));
	if (n % 1024 == 0)
		return xasprintf("%zu KiB", n / 1024);
	return xasprintf("%zu bytes", n);
}

/* Conditional headers; a value with a control character is refused. */
static int
add_header(struct curl_slist **list, const char *name, const char *value,
    const char *url, char **cause)
{
	struct curl_slist *l;
	char	*h;

	if (value == NULL || *value == '\0')
		return 0;
	if (str_find_control(value, NULL, NULL) != NULL) {
		*cause = xasprintf("cannot fetch '%s': the %s value has a "
		    "control character", url, name);
		return -1;
	}
	h = xasprintf("%s: %s", name, value);
	l = curl_slist_append(*list, h);
	free(h);
	if (l == NULL) {
		*cause = xasprintf("cannot fetch '%s': out of memory", url);
		return -1;
	}
	*list = l;
	return 0;
}

static void
set_options(CURL *c, const struct http_request *rq, struct transfer *t,
    char *errbuf)
{
	long	 timeout, connect, redirects;

	timeout = rq->timeout_ms > 0 ? rq->timeout_ms : HTTP_TIMEOUT_MS;
	connect = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms :
	    HTTP_CONNECT_TIMEOUT_MS;
	redirects = rq->max_redirects > 0 ? rq->max_redirects :
	    rq->max_redirects < 0 ? 0 : HTTP_MAX_REDIRECTS;
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "offpeak/" PACKAGE_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
	    CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, redirects);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
}

static char *
failure(const char *url, CURLcode rc, const struct transfer *t,
    const char *errbuf)
{
	char	*size, *s;

	if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		size = size_human(t->max);
		s = xasprintf("cannot fetch '%s': the response is larger than %s",
		    url, size);
		free(size);
		return s;
	}
	/* curl's own message adds detail unless it only repeats the code's */
	if (*errbuf != '\0' && strstr(errbuf, curl_easy_strerror(rc)) == NULL)
		return xasprintf("cannot fetch '%s': %s (%s)", url,
		    curl_easy_strerror(rc), errbuf);
	return xasprintf("cannot fetch '%s': %s", url, curl_easy_strerror(rc));
}

/* Run the transfer; 0, or -1 with *cause. */
static int
perform(CURL *c, const struct http_request *rq, struct transfer *t,
    char **cause)
{
	char	 errbuf[CURL_ERROR_SIZE];
	curl_off_t us = 0;
	CURLcode rc;
	size_t	 k;

	errbuf[0] = '\0';
	set_options(c, rq, t, errbuf);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		/* the message may end with a newline */
		k = strlen(errbuf);
		while (k > 0 && (errbuf[k - 1] == '\n' || errbuf[k - 1] == ' '))
			errbuf[--k] = '\0';
		*cause = failure(rq->url, rc, t, errbuf);
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t->res->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &us);
	t->res->total_ms = (int64_t)us / 1000;
	return 0;
}

int
http_get(const struct http_request *rq, struct http_response *res,
    char **cause)
{
	struct transfer t;
	struct curl_slist *headers = NULL;
	CURL	*c;
	int	 rv = -1;

	memset(res, 0, sizeof *res);
	pthread_once(&http_once, http_init);
	if (http_init_rc != CURLE_OK) {
		*cause = xasprintf("cannot fetch '%s': %s", rq->url,
		    curl_easy_strerror(http_init_rc));
		return -1;
	}
	memset(&t, 0, sizeof t);
	buf_init(&t.body);
	t.max = rq->max_body > 0 ? rq->max_body : HTTP_MAX_BODY;
	t.res = res;
	if (add_header(&headers, "If-None-Match", rq->if_none_match, rq->url,
	    cause) != 0 || add_header(&headers, "If-Modified-Since",
	    rq->if_modified_since, rq->url, cause) != 0)
		goto out;
	if ((c = curl_easy_init()) == NULL) {
		*cause = xasprintf("cannot fetch '%s': cannot start libcurl",
		    rq->url);
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	rv = perform(c, rq, &t, cause);
	curl_easy_cleanup(c);
out:
	curl_slist_free_all(headers);
	return finish(rv, &t, res);
}

void
http_response_release(struct http_response *res)
{
	if (res == NULL)
		return;
	free(res->etag);
	free(res->last_modified);
	free(res->content_type);
	free(res->body);
	memset(res, 0, sizeof *res);
}

/* --- other methods */

/* The caller's headers, without curl's "Expect: 100-continue" round trip. */
static int
call_headers(const struct http_call *rq, struct curl_slist **list,
    char **cause)
{
	static const char *const fixed[] = { "Expect:", NULL };
	const char *const *sets[2] = { rq->headers, fixed };
	const char *const *h;
	struct curl_slist *l;
	size_t	 i;

	for (i = 0; i < nitems(sets); i++) {
		for (h = sets[i]; h != NULL && *h != NULL; h++) {
			if (str_find_control(*h, NULL, NULL) != NULL) {
				*cause = xasprintf("cannot %s '%s': a header has "
				    "a control character", rq->method, rq->url);
				return -1;
			}
			if ((l = curl_slist_append(*list, *h)) == NULL) {
				*cause = xasprintf("cannot %s '%s': out of memory",
				    rq->method, rq->url);
				return -1;
			}
			*list = l;
		}
	}
	return 0;
}

static void
call_options(CURL *c, const struct http_call *rq, struct curl_slist *headers)
{
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	if (rq->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (rq->user != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, rq->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
		    rq->password != NULL ? rq->password : "");
	}
}

static char *
call_failure(const struct http_call *rq, CURLcode rc, const struct transfer *t,
    char *errbuf)
{
	size_t	 k = strlen(errbuf);
	char	*size, *s;

	while (k > 0 && (errbuf[k - 1] == '\n' || errbuf[k - 1] == ' '))
		errbuf[--k] = '\0';
	if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		size = size_human(t->max);
		s = xasprintf("cannot %s '%s': the response is larger than %s",
		    rq->method, rq->url, size);
		free(size);
		return s;
	}
	if (*errbuf != '\0' && strstr(errbuf, curl_easy_strerror(rc)) == NULL)
		return xasprintf("cannot %s '%s': %s (%s)", rq->method, rq->url,
		    curl_easy_strerror(rc), errbuf);
	return xasprintf("cannot %s '%s': %s", rq->method, rq->url,
	    curl_easy_strerror(rc));
}

int
http_call(const struct http_call *rq, struct http_response *res, char **cause)
{
	struct http_request get;
	struct transfer t;
	struct curl_slist *headers = NULL;
	char	 errbuf[CURL_ERROR_SIZE];
	curl_off_t us = 0;
	CURLcode rc;
	CURL	*c = NULL;
	int	 rv = -1;

	memset(res, 0, sizeof *res);
	memset(&get, 0, sizeof get);
	get.url = rq->url;
	get.timeout_ms = rq->timeout_ms;
	get.connect_timeout_ms = rq->connect_timeout_ms;
	get.max_redirects = -1;
	memset(&t, 0, sizeof t);
	buf_init(&t.body);
	t.max = rq->max_body > 0 ? rq->max_body : HTTP_MAX_BODY;
	t.res = res;
	errbuf[0] = '\0';
	pthread_once(&http_once, http_init);
	if (http_init_rc != CURLE_OK)
		*cause = xasprintf("cannot %s '%s': %s", rq->method, rq->url,
		    curl_easy_strerror(http_init_rc));
	else if (call_headers(rq, &headers, cause) != 0)
		;
	else if ((c = curl_easy_init()) == NULL)
		*cause = xasprintf("cannot %s '%s': cannot start libcurl",
		    rq->method, rq->url);
	else {
		set_options(c, &get, &t, errbuf);
		call_options(c, rq, headers);
		if ((rc = curl_easy_perform(c)) != CURLE_OK)
			*cause = call_failure(rq, rc, &t, errbuf);
		else {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
			curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &us);
			res->total_ms = (int64_t)us / 1000;
			rv = 0;
		}
		curl_easy_cleanup(c);
	}
	curl_slist_free_all(headers);
	return finish(rv, &t, res);
}

/* --- URLs */

static char *
url_part(CURLU *h, CURLUPart what, unsigned flags)
{
	char	*v = NULL, *out;

	if (curl_url_get(h, what, &v, flags) != CURLUE_OK || v == NULL)
		return NULL;
	out = xstrdup(v);
	curl_free(v);
	return out;
}

void
http_url_release(struct http_url *u)
{
	free(u->scheme);
	free(u->user);
	free(u->password);
	free(u->clean);
	memset(u, 0, sizeof *u);
}

int
http_url_parse(const char *url, int collection, struct http_url *u)
{
	CURLU	*h;
	char	*path, *slash;

	memset(u, 0, sizeof *u);
	pthread_once(&http_once, http_init);
	if ((h = curl_url()) == NULL ||
	    curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(h);
		return -1;
	}
	u->scheme = url_part(h, CURLUPART_SCHEME, 0);
	u->user = url_part(h, CURLUPART_USER, CURLU_URLDECODE);
	u->password = url_part(h, CURLUPART_PASSWORD, CURLU_URLDECODE);
	curl_url_set(h, CURLUPART_USER, NULL, 0);
	curl_url_set(h, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
	if (collection && (path = url_part(h, CURLUPART_PATH, 0)) != NULL) {
		if (!str_endswith(path, "/")) {
			slash = xasprintf("%s/", path);
			curl_url_set(h, CURLUPART_PATH, slash, 0);
			free(slash);
		}
		free(path);
	}
	u->clean = url_part(h, CURLUPART_URL, 0);
	curl_url_cleanup(h);
	if (u->scheme == NULL || u->clean == NULL) {
		http_url_release(u);
		return -1;
	}
	return 0;
}

/* --- mail */

struct http_mail {
	CURL	*curl;
	char	*url, *user, *password;
};

/* A message for libcurl to read. */
struct upload {
	const char *data;
	size_t	 len, off;
};

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t	 k = size * n;

	if (k > u->len - u->off)
		k = u->len - u->off;
	memcpy(buf, u->data + u->off, k);
	u->off += k;
	return k;
}

/* A failure that no later message would get past. */
static int
mail_fatal(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_FAILED_INIT:
		return 1;
	default:
		return 0;
	}
}

static void
mail_options(struct http_mail *m, struct upload *u, char *errbuf)
{
	CURL	*c = m->curl;

	curl_easy_setopt(c, CURLOPT_URL, m->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_SMTP | CURLPROTO_SMTPS);
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HTTP_MAIL_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)HTTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	/* a password never travels in the clear */
	curl_easy_setopt(c, CURLOPT_USE_SSL, m->user != NULL ?
	    (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (m->user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, m->password != NULL ?
		    m->password : "");
	}
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len);
}

struct http_mail *
http_mail_new(const char *url, const char *user, const char *password)
{
	struct http_mail *m = xcalloc(1, sizeof *m);

	pthread_once(&http_once, http_init);
	m->url = xstrdup(url);
	m->user = user != NULL ? xstrdup(user) : NULL;
	m->password = password != NULL ? xstrdup(password) : NULL;
	return m;
}

int
http_mail_send(struct http_mail *m, const char *from, const char *rcpt,
    const char *msg, size_t len, char **cause, int *fatal)
{
	struct upload u = { msg, len, 0 };
	struct curl_slist *to;
	char	 errbuf[CURL_ERROR_SIZE], *f, *addr;
	CURLcode rc;
	size_t	 k;

	*fatal = 0;
	if (m->curl == NULL && (m->curl = curl_easy_init()) == NULL) {
		*cause = xstrdup("cannot start libcurl");
		*fatal = 1;
		return -1;
	}
	errbuf[0] = '\0';
	addr = xasprintf("<%s>", rcpt);
	f = xasprintf("<%s>", from);
	to = curl_slist_append(NULL, addr);
	mail_options(m, &u, errbuf);
	curl_easy_setopt(m->curl, CURLOPT_MAIL_FROM, f);
	curl_easy_setopt(m->curl, CURLOPT_MAIL_RCPT, to);
	rc = to != NULL ? curl_easy_perform(m->curl) : CURLE_OUT_OF_MEMORY;
	curl_slist_free_all(to);
	free(addr);
	free(f);
	if (rc == CURLE_OK)
		return 0;
	k = strlen(errbuf);
	while (k > 0 && (errbuf[k - 1] == '\n' || errbuf[k - 1] == ' '))
		errbuf[--k] = '\0';
	*cause = xasprintf("%s%s%s%s", curl_easy_strerror(rc),
	    *errbuf != '\0' ? " (" : "", errbuf, *errbuf != '\0' ? ")" : "");
	*fatal = mail_fatal(rc);
	return -1;
}

void
http_mail_free(struct http_mail *m)
{
	if (m == NULL)
		return;
	if (m->curl != NULL)
		curl_easy_cleanup(m->curl);
	free(m->url);
	free(m->user);
	free(m->password);
	free(m);
}
