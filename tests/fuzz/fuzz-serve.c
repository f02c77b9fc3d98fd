/*
 * fuzz-serve: what a client on the network sends to offpeak serve. Once,
 * the harness builds the bundled example repository (offpeak demo) and
 * starts the server on a loopback port, in this process; every input is
 * sent as the bytes of one connection, which is then half-closed, and the
 * answer read to its end. The server must not crash, leak or hang, and
 * anything it answers must be an HTTP/1 response.
 *
 * libmicrohttpd's epoll mode may miss the end of a client's input that
 * comes with its request (the edge is spent), and then keeps the
 * connection open until its idle timeout: after an answered request, or
 * when the request declares a body longer than the input. So that a hang
 * here means one in offpeak, "Connection: close" goes in as the last line
 * of the first header, and the server's idle timeout is one second while
 * the harness waits four for the answer to end.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <poll.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <string.h>
#include <libgen.h>
#include <unistd.h>

#include "serve.h"
#include "util.h"

#include "fuzz.h"

#define DEMO_NOW	1796025600	/* 2026-11-30T08:00:00Z, the demo's clock */

static struct server *srv;
static struct sockaddr_in addr;

static void
quiet(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

static void
make_repo(const char *argv0, const char *dir)
{
	char	*copy = xstrdup(argv0), *bin, *cmd;
	const char *env = getenv("FUZZ_OFFPEAK");

	bin = env != NULL ? xstrdup(env) :
	    xasprintf("%s/../../scheduler/offpeak", dirname(copy));
	cmd = xasprintf("'%s' demo '%s' >/dev/null 2>&1", bin, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "fuzz-serve: '%s' failed (set FUZZ_OFFPEAK)\n",
		    cmd);
		exit(1);
	}
	free(cmd);
	free(bin);
	free(copy);
}

static void
remove_repo(void)
{
	const char *dir = getenv("FUZZ_SERVE_DIR");
	char	*cmd;

	if (srv != NULL)
		serve_stop(srv);
	srv = NULL;
	if (dir != NULL) {
		cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz-serve: cannot remove %s\n", dir);
		free(cmd);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct serve_options o;
	char	 tmpl[] = "/tmp/fuzz-serve.XXXXXX", *dir, *repo, *cause = NULL;
	const char *a, *colon;

	if ((dir = mkdtemp(tmpl)) == NULL)
		abort();
	setenv("FUZZ_SERVE_DIR", dir, 1);
	repo = xasprintf("%s/repo", dir);
	make_repo((*argv)[0], repo);
	atexit(remove_repo);
	memset(&o, 0, sizeof o);
	o.repo_path = repo;
	o.listen = "127.0.0.1:0";
	o.now = DEMO_NOW;
	o.simulated = 1;
	o.offline = 1;
	o.threads = 1;
	o.idle_timeout = 1;
	o.header_timeout = 1;
	o.max_per_ip = 0;
	o.log = quiet;
	if (serve_start(&o, &srv, &cause) != 0) {
		fprintf(stderr, "fuzz-serve: %s\n", cause);
		exit(1);
	}
	a = serve_address(srv);
	colon = strrchr(a, ':');
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(colon + 1));
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	free(repo);
	(void)argc;
	return 0;
}

static void
send_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(fd, b, len, MSG_NOSIGNAL)) > 0) {
			b += n;
			len -= (size_t)n;
		} else if (n == -1 && errno == EINTR)
			continue;
		else
			break;
	}
}

/*
 * connect(2) on loopback. libFuzzer's timer (SIGALRM, once a second)
 * interrupts system calls: an interrupted connect goes on in the
 * background, and its result is read once the socket is writable.
 */
static void
connect_server(int fd)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	socklen_t len = sizeof(int);
	int	 err = 0;

	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
		return;
	if (errno == EINTR) {
		while (poll(&pfd, 1, 5000) == -1 && errno == EINTR)
			;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == 0)
			return;
		errno = err;
	}
	fprintf(stderr, "fuzz-serve: connect: %s\n", strerror(errno));
	abort();
}

/* Where the header ends: after the newline that an empty line follows. */
static size_t
header_end(const uint8_t *d, size_t n)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i++) {
		if (d[i] == '\n' && (d[i + 1] == '\n' ||
		    (i + 2 < n && d[i + 1] == '\r' && d[i + 2] == '\n')))
			return i + 1;
	}
	return n;
}

static void
send_input(int fd, const uint8_t *data, size_t size)
{
	static const char close_hdr[] = "Connection: close\r\n";
	size_t	 at = header_end(data, size);

	send_all(fd, data, at);
	if (at < size) {
		send_all(fd, close_hdr, sizeof close_hdr - 1);
		send_all(fd, data + at, size - at);
	} else {
		/*
		 * A header that never ends waits for serve's idle timeout
		 * (libmicrohttpd's epoll mode does not see the half-close):
		 * end it, so that every input is a whole request.
		 */
		send_all(fd, "\r\n", 2);
		send_all(fd, close_hdr, sizeof close_hdr - 1);
		send_all(fd, "\r\n", 2);
	}
}

/*
 * One connection with the input: 0 when the answer ended (or the server
 * reset the connection) and is an HTTP/1 response or nothing, 1 when it
 * timed out, 2 when what came back is not HTTP/1.
 */
static int
exchange(const uint8_t *data, size_t size)
{
	struct timeval tv = { 4, 0 };
	char	 buf[65536], head[8];
	size_t	 got = 0;
	ssize_t	 n;
	int	 fd, rc = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		fprintf(stderr, "fuzz-serve: socket: %s\n", strerror(errno));
		abort();
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	connect_server(fd);
	send_input(fd, data, size);
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0 ||
	    (n == -1 && errno == EINTR)) {
		if (n == -1)
			continue;
		if (got < sizeof head)
			memcpy(head + got, buf, (size_t)n < sizeof head - got ?
			    (size_t)n : sizeof head - got);
		got += (size_t)n;
	}
	if (n != 0 && errno != ECONNRESET) {
		fprintf(stderr, "fuzz-serve: no end of the answer after 4 s "
		    "(%s, %zu bytes)\n", strerror(errno), got);
		rc = 1;
	}
	else if (got >= 7 && memcmp(head, "HTTP/1.", 7) != 0) {
		fprintf(stderr, "fuzz-serve: the answer starts with '%.7s' "
		    "(%zu bytes)\n", head, got);
		rc = 2;
	}
	close(fd);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	/*
	 * A hang, or an answer that is not HTTP/1, is a finding when the same
	 * input does it again on a new connection: at thousands of
	 * connections a second the server can stall or garble once for
	 * reasons of load, not of the input (a serve defect of its own,
	 * for the serve benchmarks and the load tests, not this harness).
	 */
	if (exchange(data, size) != 0)
		fuzz_check(exchange(data, size) == 0);
	return 0;
}
