/*
 * dockerpod-pause: the process of a DockerPod's sandbox container.
 *
 * The sandbox exists to own the pod's shared namespaces (network, IPC, UTS and, with
 * shareProcessNamespace, PID), so its process must cost nothing and never exit on its own.
 * It blocks in pause(); as PID 1 of a shared PID namespace it reaps orphaned children so they
 * never pile up as zombies; SIGTERM and SIGINT end it with status 0, so stopping a pod is a
 * clean exit rather than an error.
 *
 * `/pause probe ...` is a second, short-lived use of the same binary: the operator runs it with
 * `docker exec <sandbox>` to perform the kubelet's tcpSocket and httpGet probes from inside the
 * pod's network namespace, so they work even when the operator cannot route to container IPs
 * (network none, remote engines, published-port-only setups). It always connects to 127.0.0.1:
 *
 *   /pause probe tcp PORT [TIMEOUT_MS]
 *   /pause probe http PORT PATH [TIMEOUT_MS] [Name: value]...
 *   /pause probe https ...                     (refused, exit 2: see probe_https)
 *   /pause probe relay PORT [TIMEOUT_MS]       (a byte pipe: see probe_relay)
 *
 * Exit status: 0 success, 1 failure (the kubelet's probe.Failure), 2 the probe cannot be run
 * here (bad arguments, HTTPS), 3 an error the kubelet discards rather than counts (a failed
 * read of the response body). The reason is on stderr in the kubelet's (Go's) wording, e.g.
 * "dial tcp 127.0.0.1:8080: connect: connection refused" or
 * "HTTP probe failed with statuscode: 500"; an HTTP probe prints the status line on stdout.
 * TIMEOUT_MS defaults to 1000 (the kubelet's timeoutSeconds default).
 *
 * Built static (no libc in the image): hack/test-images.sh compiles it with gcc -static.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PAUSE_VERSION
#define PAUSE_VERSION "1"
#endif

enum { PROBE_SUCCESS = 0, PROBE_FAILURE = 1, PROBE_CANNOT = 2, PROBE_ERROR = 3 };

/* The kubelet's User-Agent (major.minor of the Kubernetes release it mimics). */
#define PROBE_USER_AGENT "kube-probe/1.32"
/* The kubelet reads at most this much of a response body (pkg/probe/http: maxRespBodyLength). */
#define MAX_BODY 10240
#define MAX_REQUEST 8192
#define MAX_HEAD 8192

static void on_stop(int sig) {
	(void)sig;
	_exit(0);
}

static void on_child(int sig) {
	int saved = errno;
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0) {
	}
	errno = saved;
}

static int install(int sig, void (*handler)(int), int flags) {
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* ---- probe helper ---------------------------------------------------------------------- */

static long long now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before `deadline`, never negative (for poll). */
static int remaining(long long deadline) {
	long long left = deadline - now_ms();
	return left > 0 ? (int)left : 0;
}

/* Parses a decimal integer in [min, max]; 0 on success. */
static int parse_long(const char *s, long min, long max, long *out) {
	char *end;
	long v;
	if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s)) return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max) return -1;
	*out = v;
	return 0;
}

static int all_digits(const char *s) {
	if (*s == '\0') return 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s)) return 0;
	}
	return 1;
}

/* Go spells errno messages in lower case ("connection refused"); so do we. */
static void go_strerror(int err, char *buf, size_t len) {
	snprintf(buf, len, "%s", strerror(err));
	if (buf[0] != '\0') buf[0] = (char)tolower((unsigned char)buf[0]);
}

/*
 * Connects to 127.0.0.1:port before `deadline`. Returns the socket, or -1 with Go's net.Dial
 * error text in `err` ("dial tcp 127.0.0.1:8080: connect: connection refused",
 * "dial tcp 127.0.0.1:8080: i/o timeout").
 */
static int dial(int port, long long deadline, char *err, size_t errlen) {
	struct sockaddr_in sa;
	struct pollfd pfd;
	char why[128];
	int fd, rc, soerr = 0;
	socklen_t slen = sizeof(soerr);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		go_strerror(errno, why, sizeof(why));
		snprintf(err, errlen, "dial tcp 127.0.0.1:%d: socket: %s", port, why);
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (rc != 0 && errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do {
			rc = poll(&pfd, 1, remaining(deadline));
		} while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			close(fd);
			snprintf(err, errlen, "dial tcp 127.0.0.1:%d: i/o timeout", port);
			return -1;
		}
		if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) == 0 && soerr == 0) return fd;
		errno = rc > 0 ? soerr : errno;
		rc = -1;
	}
	if (rc == 0) return fd;
	go_strerror(errno, why, sizeof(why));
	close(fd);
	snprintf(err, errlen, "dial tcp 127.0.0.1:%d: connect: %s", port, why);
	return -1;
}

/* Optional TIMEOUT_MS argument at argv[i]; advances *i when present. -1 when malformed. */
static long timeout_arg(int argc, char **argv, int *i) {
	long ms = 1000;
	if (*i < argc && all_digits(argv[*i])) {
		if (parse_long(argv[*i], 1, 24L * 3600 * 1000, &ms) != 0) return -1;
		(*i)++;
	}
	return ms;
}

static int probe_tcp(int argc, char **argv) {
	char err[256];
	long port, ms;
	int i = 1, fd;
	if (argc < 1 || parse_long(argv[0], 1, 65535, &port) != 0) {
		fprintf(stderr, "probe tcp: PORT must be a number from 1 to 65535\n");
		return PROBE_CANNOT;
	}
	ms = timeout_arg(argc, argv, &i);
	if (ms < 0 || i != argc) {
		fprintf(stderr, "usage: pause probe tcp PORT [TIMEOUT_MS]\n");
		return PROBE_CANNOT;
	}
	fd = dial((int)port, now_ms() + ms, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "%s\n", err);
		return PROBE_FAILURE;
	}
	close(fd);
	return PROBE_SUCCESS;
}

/* Appends to the request buffer; -1 when it would overflow. */
__attribute__((format(printf, 3, 4))) static int put(char *buf, size_t *len, const char *fmt, ...) {
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, MAX_REQUEST - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= MAX_REQUEST - *len) return -1;
	*len += (size_t)n;
	return 0;
}

/* The request target: PATH with a leading "/" and control bytes, spaces and non-ASCII escaped
 * (what Go's URL.RequestURI does to such bytes). */
static int request_target(const char *path, char *out, size_t outlen) {
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)path;
	if (*p != '/') out[n++] = '/';
	for (; *p; p++) {
		if (n + 4 >= outlen) return -1;
		if (*p <= 0x20 || *p >= 0x7f) {
			n += (size_t)snprintf(out + n, outlen - n, "%%%02X", *p);
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
	return 0;
}

/* Splits "Name: value" in place; -1 when it is not a header Go would send. */
static int split_header(char *arg, char **name, char **value) {
	char *colon = strchr(arg, ':'), *s;
	if (colon == NULL || colon == arg || strpbrk(arg, "\r\n") != NULL) return -1;
	for (s = arg; s < colon; s++) {
		if (*s <= 0x20 || *s >= 0x7f) return -1;
	}
	*colon = '\0';
	*name = arg;
	*value = colon + 1;
	while (**value == ' ' || **value == '\t') (*value)++;
	return 0;
}

/*
 * Builds the GET request as the kubelet's Go client sends it: Host (the target, unless a Host
 * header overrides it), User-Agent kube-probe/1.32 and Accept: * / * unless the probe sets its
 * own (an empty Accept removes it), the probe's headers, and Connection: close (the kubelet's
 * transport disables keep-alives).
 */
static int build_request(char *req, size_t *len, const char *target, int port, char **headers, int n) {
	char host[300] = "", *name, *value;
	int i, ua = 0, accept = 0;
	for (i = 0; i < n; i++) {
		if (split_header(headers[i], &name, &value) != 0) return -1;
		if (strcasecmp(name, "Host") == 0 && host[0] == '\0') snprintf(host, sizeof(host), "%s", value);
		if (strcasecmp(name, "User-Agent") == 0) ua = 1;
		if (strcasecmp(name, "Accept") == 0) accept = 1;
	}
	if (host[0] == '\0') snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	*len = 0;
	if (put(req, len, "GET %s HTTP/1.1\r\nHost: %s\r\n", target, host) != 0) return -1;
	if (!ua && put(req, len, "User-Agent: " PROBE_USER_AGENT "\r\n") != 0) return -1;
	if (!accept && put(req, len, "Accept: */*\r\n") != 0) return -1;
	for (i = 0; i < n; i++) {
		name = headers[i]; /* split_header left "name\0value" */
		value = name + strlen(name) + 1;
		while (*value == ' ' || *value == '\t') value++;
		if (strcasecmp(name, "Host") == 0 || (*value == '\0' && strcasecmp(name, "Accept") == 0)) continue;
		if (put(req, len, "%s: %s\r\n", name, value) != 0) return -1;
	}
	return put(req, len, "Connection: close\r\n\r\n");
}

static int send_all(int fd, const char *buf, size_t len, long long deadline) {
	struct pollfd pfd = { .fd = fd, .events = POLLOUT, .revents = 0 };
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
		if (poll(&pfd, 1, remaining(deadline)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

/* Reads into buf; returns bytes read, 0 at EOF, -1 on error, -2 at the deadline. */
static ssize_t recv_some(int fd, char *buf, size_t len, long long deadline) {
	struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);
		if (n >= 0) return n;
		if (errno != EAGAIN && errno != EINTR) return -1;
		if (poll(&pfd, 1, remaining(deadline)) == 0) return -2;
	}
}

/* Reads up to the end of the status line; returns its length (without CRLF), or a negative
 * recv_some code, or -3 for EOF before it. */
static ssize_t read_status_line(int fd, char *head, long long deadline) {
	size_t have = 0;
	for (;;) {
		char *eol;
		ssize_t n;
		head[have] = '\0';
		eol = strstr(head, "\r\n");
		if (eol != NULL) return eol - head;
		if (have >= MAX_HEAD - 1) return (ssize_t)have;
		n = recv_some(fd, head + have, MAX_HEAD - 1 - have, deadline);
		if (n == 0) return have > 0 ? (ssize_t)have : -3;
		if (n < 0) return n;
		have += (size_t)n;
	}
}

/* Drains the rest of the response up to the kubelet's body limit; -2 at the deadline. */
static int drain(int fd, long long deadline) {
	char buf[4096];
	size_t total = 0;
	while (total < MAX_HEAD + MAX_BODY) {
		ssize_t n = recv_some(fd, buf, sizeof(buf), deadline);
		if (n <= 0) return (int)n;
		total += (size_t)n;
	}
	return 0;
}

/* Status code of "HTTP/1.x NNN[ reason]", or -1. */
static int status_code(const char *line) {
	const char *sp;
	int i, code = 0;
	if (strncmp(line, "HTTP/", 5) != 0) return -1;
	sp = strchr(line, ' ');
	if (sp == NULL) return -1;
	for (i = 1; i <= 3; i++) {
		if (!isdigit((unsigned char)sp[i])) return -1;
		code = code * 10 + (sp[i] - '0');
	}
	if (sp[4] != ' ' && sp[4] != '\0') return -1;
	return code >= 100 ? code : -1;
}

/* Runs the exchange; the socket is closed by the caller. */
static int http_exchange(int fd, const char *url, const char *req, size_t len, long long deadline) {
	static char head[MAX_HEAD];
	char why[128];
	ssize_t line;
	int code;
	if (send_all(fd, req, len, deadline) != 0) {
		go_strerror(errno, why, sizeof(why));
		fprintf(stderr, "Get \"%s\": write tcp 127.0.0.1: %s\n", url, why);
		return PROBE_FAILURE;
	}
	line = read_status_line(fd, head, deadline);
	if (line == -2) {
		fprintf(stderr, "Get \"%s\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\n", url);
		return PROBE_FAILURE;
	}
	if (line == -3) {
		fprintf(stderr, "Get \"%s\": EOF\n", url);
		return PROBE_FAILURE;
	}
	if (line == -1) {
		go_strerror(errno, why, sizeof(why));
		fprintf(stderr, "Get \"%s\": read tcp 127.0.0.1: %s\n", url, why);
		return PROBE_FAILURE;
	}
	head[line] = '\0';
	code = status_code(head);
	if (code < 0) {
		fprintf(stderr, "Get \"%s\": net/http: HTTP/1.x transport connection broken: malformed HTTP response \"%.80s\"\n", url, head);
		return PROBE_FAILURE;
	}
	printf("%s\n", head);
	if (drain(fd, deadline) == -2) {
		/* The kubelet returns this as an error, which its worker discards (no count either way). */
		fprintf(stderr, "Get \"%s\": context deadline exceeded (Client.Timeout or context cancellation while reading body)\n", url);
		return PROBE_ERROR;
	}
	if (code >= 200 && code < 400) return PROBE_SUCCESS;
	fprintf(stderr, "HTTP probe failed with statuscode: %d\n", code);
	return PROBE_FAILURE;
}

/*
 * GET http://127.0.0.1:PORT/PATH. Success iff the status is 200-399, as the kubelet decides.
 *
 * Redirects are NOT followed: the kubelet follows up to 10 redirects to the same host (and
 * counts one to another host as a success with a warning). A 3xx is itself a success, so the
 * only difference is a same-host redirect whose target fails: the kubelet reports a failure,
 * this helper a success. Following them would need URL resolution and a loop of requests for
 * a pattern health endpoints rarely use; a probe should name its final path.
 */
static int probe_http(int argc, char **argv) {
	static char req[MAX_REQUEST], target[2048], url[2200];
	char err[256];
	long port, ms;
	long long deadline;
	int i = 2, fd, rc;
	size_t len;
	if (argc < 2 || parse_long(argv[0], 1, 65535, &port) != 0) {
		fprintf(stderr, "usage: pause probe http PORT PATH [TIMEOUT_MS] [Name: value]...\n");
		return PROBE_CANNOT;
	}
	ms = timeout_arg(argc, argv, &i);
	if (ms < 0 || request_target(argv[1], target, sizeof(target)) != 0) {
		fprintf(stderr, "probe http: bad TIMEOUT_MS or PATH too long\n");
		return PROBE_CANNOT;
	}
	if (build_request(req, &len, target, (int)port, argv + i, argc - i) != 0) {
		fprintf(stderr, "probe http: headers must be \"Name: value\" without line breaks, the request at most %d bytes\n", MAX_REQUEST);
		return PROBE_CANNOT;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%ld%s", port, target);
	/* One deadline for the whole exchange, like the kubelet's http.Client Timeout. */
	deadline = now_ms() + ms;
	fd = dial((int)port, deadline, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "Get \"%s\": %s\n", url, err);
		return PROBE_FAILURE;
	}
	rc = http_exchange(fd, url, req, len, deadline);
	close(fd);
	return rc;
}

/*
 * HTTPS probes: the kubelet connects with TLS and skips certificate verification. This helper
 * is a static C binary without a TLS library (linking one would multiply the size of every
 * sandbox's image), so it refuses: exit 2, which the operator reports as a probe error rather
 * than a failure. Such probes need the operator to reach the container directly, or an exec
 * probe (e.g. `wget --no-check-certificate`) in the container itself.
 */
static int probe_https(void) {
	fprintf(stderr, "HTTPS probes need a TLS client, which the sandbox's pause helper does not have: use an exec probe, or scheme HTTP\n");
	return PROBE_CANNOT;
}

/* Reads what is there on `from` and writes all of it to `to`: 1 copied, 0 end of input, -1 error. */
static int copy_some(int from, int to) {
	char buf[16384];
	ssize_t n, off = 0, w;
	do {
		n = read(from, buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
	if (n <= 0) return n == 0 ? 0 : -1;
	while (off < n) {
		w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return -1;
		off += w;
	}
	return 1;
}

/*
 * `/pause probe relay PORT [TIMEOUT_MS]`: connects to 127.0.0.1:PORT and pipes stdin to the
 * connection and the connection to stdout until the connection ends or TIMEOUT_MS passes. The
 * operator speaks TLS through it (HTTPS probes): the TLS client stays in the operator, and the
 * sandbox needs no TLS library. A refused dial is exit 1 with Go's dial error on stderr, like a
 * tcp probe; the deadline bounds the process's life even if the operator went away.
 */
static int probe_relay(int argc, char **argv) {
	char err[256];
	long port, ms;
	long long deadline;
	int i = 1, fd, rc, in_open = 1;
	struct pollfd p[2];
	if (argc < 1 || parse_long(argv[0], 1, 65535, &port) != 0 || (ms = timeout_arg(argc, argv, &i)) < 0 || i != argc) {
		fprintf(stderr, "usage: pause probe relay PORT [TIMEOUT_MS]\n");
		return PROBE_CANNOT;
	}
	deadline = now_ms() + ms;
	fd = dial((int)port, deadline, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "%s\n", err);
		return PROBE_FAILURE;
	}
	/* Blocking from here: poll says when to read, and writes then complete. */
	if (fcntl(fd, F_SETFL, 0) != 0) return PROBE_ERROR;
	for (;;) {
		if (remaining(deadline) <= 0) {
			fprintf(stderr, "relay to 127.0.0.1:%ld: deadline exceeded\n", port);
			return PROBE_ERROR;
		}
		p[0].fd = in_open ? 0 : -1;
		p[0].events = POLLIN;
		p[1].fd = fd;
		p[1].events = POLLIN;
		rc = poll(p, 2, remaining(deadline));
		if (rc <= 0) continue;
		if (p[1].revents) {
			rc = copy_some(fd, 1);
			if (rc <= 0) return rc == 0 ? PROBE_SUCCESS : PROBE_ERROR;
		}
		if (in_open && p[0].revents) {
			rc = copy_some(0, fd);
			if (rc < 0) return PROBE_ERROR;
			/* The operator has sent all it will: half-close, and keep reading the answer. */
			if (rc == 0) {
				in_open = 0;
				shutdown(fd, SHUT_WR);
			}
		}
	}
}

static int probe_main(int argc, char **argv) {
	/* A probe is a child of `docker exec`, not PID 1: default signal handling, no reaping. */
	if (argc >= 1 && strcmp(argv[0], "tcp") == 0) return probe_tcp(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "http") == 0) return probe_http(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "https") == 0) return probe_https();
	if (argc >= 1 && strcmp(argv[0], "relay") == 0) return probe_relay(argc - 1, argv + 1);
	fprintf(stderr, "usage: pause probe tcp PORT [TIMEOUT_MS]\n       pause probe http PORT PATH [TIMEOUT_MS] [Name: value]...\n       pause probe relay PORT [TIMEOUT_MS]\n");
	return PROBE_CANNOT;
}

int main(int argc, char **argv) {
	if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "version") == 0)) {
		printf("dockerpod-pause %s\n", PAUSE_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "probe") == 0) {
		return probe_main(argc - 2, argv + 2);
	}
	if (argc > 1) {
		fprintf(stderr, "usage: %s [-v]\n       %s probe tcp|http ...\n", argv[0], argv[0]);
		return 2;
	}
	if (getpid() != 1) {
		fprintf(stderr, "pause: not PID 1: orphans of this namespace are reaped by someone else\n");
	}
	if (install(SIGINT, on_stop, 0) || install(SIGTERM, on_stop, 0) || install(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART)) {
		perror("pause: sigaction");
		return 1;
	}
	for (;;) {
		pause();
	}
}
