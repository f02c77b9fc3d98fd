/* http: outgoing requests, HTTP and SMTP, and URLs (the only module with libcurl) */
#ifndef OFFPEAK_HTTP_H
#define OFFPEAK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_TIMEOUT_MS		30000
#define HTTP_CONNECT_TIMEOUT_MS	10000
#define HTTP_MAX_BODY		(10 * 1024 * 1024)
#define HTTP_MAX_REDIRECTS	5

/*
 * A GET request. Zero or NULL members take the defaults above; TLS peers
 * are always verified, only http and https are spoken, also on redirects.
 */
struct http_request {
	const char *url;
	const char *if_none_match;	/* an ETag, sent as If-None-Match */
	const char *if_modified_since;	/* an HTTP date, sent as is */
	long	 timeout_ms;		/* the whole exchange */
	long	 connect_timeout_ms;
	size_t	 max_body;		/* a longer body is a failure */
	int	 max_redirects;		/* 0: the default; -1: none followed */
};

/* What came back; every string is allocated and may be NULL. */
struct http_response {
	long	 status;		/* of the last response, after redirects */
	char	*etag;			/* ETag, as sent (quotes kept) */
	char	*last_modified;		/* Last-Modified, as sent */
	char	*content_type;
	char	*body;			/* NUL-terminated; never NULL after success */
	size_t	 len;
	int64_t	 total_ms;		/* from start to the last byte */
};

/*
 * Perform a GET. Returns 0 when a response arrived, whatever its status,
 * with *res filled (the caller releases it), or -1 with *cause ("cannot
 * fetch 'URL': Couldn't connect to server (...)") when none did, the body
 * was larger than allowed or there were too many redirects.
 */
int	 http_get(const struct http_request *, struct http_response *,
	     char **cause);
void	 http_response_release(struct http_response *);

/*
 * A request with another method ("PUT", "DELETE", "POST", "GET"...), extra
 * headers and a body. Zero or NULL members take the defaults above;
 * redirects are never followed.
 */
struct http_call {
	const char *method;
	const char *url;
	const char *const *headers;	/* "Name: value", NULL-terminated, or NULL */
	const char *body;		/* sent when not NULL */
	size_t	 len;
	const char *user;		/* HTTP basic authentication, or NULL */
	const char *password;
	long	 timeout_ms;
	long	 connect_timeout_ms;
	size_t	 max_body;
};

/*
 * Perform it. Returns 0 when a response arrived, whatever its status,
 * with *res filled (the caller releases it), or -1 with *cause ("cannot
 * PUT 'URL': Couldn't connect to server") when none did.
 */
int	 http_call(const struct http_call *, struct http_response *,
	     char **cause);

/* A URL as libcurl reads it; strings allocated, NULL when absent. */
struct http_url {
	char	*scheme;
	char	*user, *password;	/* decoded */
	char	*clean;		/* without user, password and fragment */
};

/*
 * Take a URL apart; with collection, the clean URL's path ends in '/'.
 * Returns 0, or -1 when it is not a URL.
 */
int	 http_url_parse(const char *url, int collection, struct http_url *);
void	 http_url_release(struct http_url *);

#define HTTP_MAIL_TIMEOUT_MS	60000

/*
 * Mail through an smtp:// or smtps:// URL, one connection for every
 * message: TLS peers verified; with a user, the password never travels
 * in the clear (TLS is required), without one TLS is used when offered.
 */
struct http_mail;
struct http_mail *http_mail_new(const char *url, const char *user,
	     const char *password);
/*
 * Send one message from one address to one. Returns 0, or -1 with *cause
 * (libcurl's words); *fatal is set when no later message would get
 * through either (the server cannot be reached, refuses the login, TLS).
 */
int	 http_mail_send(struct http_mail *, const char *from, const char *rcpt,
	     const char *msg, size_t len, char **cause, int *fatal);
void	 http_mail_free(struct http_mail *);

#endif
