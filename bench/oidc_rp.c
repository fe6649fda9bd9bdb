/*
 * oidc_rp.c — a small relying party for the OpenID Connect benchmark (not a
 * test): redeems authorization codes at a provider's token endpoint and
 * calls its userinfo endpoint with the access token, CONC exchanges in
 * flight (one thread and one keep-alive connection each), plain HTTP/1.1
 * over loopback. The node relying party (bench/node/oidc_bench.mjs) costs
 * more CPU than the server it measures; this one costs little, so that on
 * a small machine the wall-clock rate says more about the servers.
 *   oidc_rp CODES_FILE CONC
 * CODES_FILE (written by oidc_bench.mjs with CODES_OUT): a first line
 * "HOST PORT TOKEN_PATH USERINFO_PATH CLIENT_ID SECRET REDIRECT_URI", then
 * one "CODE VERIFIER" per line. SERVER_PID in the environment: also report
 * the server's CPU time (/proc/PID/task/x/schedstat) and the rate per
 * second of it. Exit 1 on any failed exchange.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LINE 1024

struct job {
	char code[256], verifier[160];
};

static struct {
	char host[64], token_path[256], userinfo_path[256], basic[512], redirect[512];
	int port;
	struct job *jobs;
	int n;
	int next; /* under mu */
	pthread_mutex_t mu;
	double *lat;
	int failed;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long long server_cpu_ns(void)
{
	const char *pid = getenv("SERVER_PID");
	char path[256];
	long long ns = 0;
	if (!pid)
		return 0;
	snprintf(path, sizeof path, "/proc/%s/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p2[1024];
		snprintf(p2, sizeof p2, "%s/%s/schedstat", path, e->d_name);
		FILE *f = fopen(p2, "r");
		long long v = 0;
		if (f && fscanf(f, "%lld", &v) == 1)
			ns += v;
		if (f)
			fclose(f);
	}
	closedir(d);
	return ns;
}

struct conn {
	int fd;
	char buf[65536];
	size_t len; /* bytes buffered */
};

static int conn_open(struct conn *c)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g.port)};
	int one = 1;
	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || inet_pton(AF_INET, g.host, &a.sin_addr) != 1 ||
	    connect(c->fd, (struct sockaddr *)&a, sizeof a))
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fill(struct conn *c)
{
	if (c->len >= sizeof c->buf - 1)
		return -1;
	ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
	if (r <= 0)
		return -1;
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	return 0;
}

/* One response: its status and body (copied into body, NUL-terminated);
 * Content-Length or chunked. *close set when the server ends the
 * connection. */
static int response(struct conn *c, int *status, char *body, size_t cap, int *close_after)
{
	char *end;
	while (!(end = strstr(c->buf, "\r\n\r\n")))
		if (fill(c))
			return -1;
	size_t hlen = (size_t)(end - c->buf) + 4;
	*status = atoi(c->buf + 9);
	long clen = -1;
	int chunked = 0;
	*close_after = 0;
	for (char *l = strstr(c->buf, "\r\n") + 2; l < end; l = strstr(l, "\r\n") + 2) {
		if (!strncasecmp(l, "content-length:", 15))
			clen = atol(l + 15);
		else if (!strncasecmp(l, "transfer-encoding:", 18) && strstr(l, "chunked") &&
		         strstr(l, "chunked") < strstr(l, "\r\n"))
			chunked = 1;
		else if (!strncasecmp(l, "connection:", 11) && strstr(l, "close") &&
		         strstr(l, "close") < strstr(l, "\r\n"))
			*close_after = 1;
	}
	size_t out = 0, pos = hlen;
	if (!chunked) {
		if (clen < 0)
			return -1;
		while (c->len < hlen + (size_t)clen)
			if (fill(c))
				return -1;
		out = (size_t)clen < cap - 1 ? (size_t)clen : cap - 1;
		memcpy(body, c->buf + hlen, out);
		pos = hlen + (size_t)clen;
	} else {
		for (;;) {
			char *nl;
			while (!(nl = strstr(c->buf + pos, "\r\n")))
				if (fill(c))
					return -1;
			size_t sz = strtoul(c->buf + pos, NULL, 16);
			size_t data = (size_t)(nl - c->buf) + 2;
			while (c->len < data + sz + 2)
				if (fill(c))
					return -1;
			if (out + sz < cap) {
				memcpy(body + out, c->buf + data, sz);
				out += sz;
			}
			pos = data + sz + 2;
			if (sz == 0)
				break;
		}
	}
	body[out] = '\0';
	memmove(c->buf, c->buf + pos, c->len - pos);
	c->len -= pos;
	c->buf[c->len] = '\0';
	return 0;
}

/* One request on c (reopened when the server closed it). */
static int roundtrip(struct conn *c, const char *req, size_t n, int *status, char *body, size_t cap)
{
	int close_after = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (c->fd < 0 && conn_open(c))
			return -1;
		if (send_all(c->fd, req, n) == 0 &&
		    response(c, status, body, cap, &close_after) == 0) {
			if (close_after) {
				close(c->fd);
				c->fd = -1;
			}
			return 0;
		}
		close(c->fd);
		c->fd = -1;
		if (c->len) /* a partial answer: do not resend */
			return -1;
	}
	return -1;
}

static int exchange(struct conn *c, const struct job *j)
{
	char form[1024], req[4096], body[16384], at[512];
	int status = 0;
	int fl = snprintf(form, sizeof form,
	                  "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s",
	                  j->code, g.redirect, j->verifier);
	int n = snprintf(req, sizeof req,
	                 "POST %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Basic %s\r\n"
	                 "Content-Type: application/x-www-form-urlencoded\r\n"
	                 "Content-Length: %d\r\n\r\n%s",
	                 g.token_path, g.host, g.port, g.basic, fl, form);
	if (roundtrip(c, req, (size_t)n, &status, body, sizeof body) || status != 200)
		return -1;
	const char *p = strstr(body, "\"access_token\":\"");
	if (!p)
		return -1;
	p += 16;
	const char *q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= sizeof at)
		return -1;
	memcpy(at, p, (size_t)(q - p));
	at[q - p] = '\0';
	n = snprintf(req, sizeof req,
	             "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n\r\n",
	             g.userinfo_path, g.host, g.port, at);
	if (roundtrip(c, req, (size_t)n, &status, body, sizeof body) || status != 200 ||
	    !strstr(body, "\"sub\""))
		return -1;
	return 0;
}

static void *worker(void *arg)
{
	struct conn *c = malloc(sizeof *c);
	(void)arg;
	if (!c)
		return NULL;
	c->fd = -1;
	c->len = 0;
	for (;;) {
		pthread_mutex_lock(&g.mu);
		int i = g.next < g.n ? g.next++ : -1;
		pthread_mutex_unlock(&g.mu);
		if (i < 0)
			break;
		double t = now_s();
		int rc = exchange(c, &g.jobs[i]);
		g.lat[i] = now_s() - t;
		if (rc) {
			pthread_mutex_lock(&g.mu);
			if (!g.failed++)
				fprintf(stderr, "oidc_rp: exchange %d failed\n", i);
			pthread_mutex_unlock(&g.mu);
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* RFC 3986 unreserved characters pass, the rest is %XX. */
static void urlenc(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (; *in && o + 4 < cap; in++) {
		unsigned char ch = (unsigned char)*in;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: oidc_rp CODES_FILE CONC\n");
		return 2;
	}
	int conc = atoi(argv[2]);
	FILE *f = fopen(argv[1], "r");
	char line[LINE], id[256], secret[256], redirect[256], cred[600];
	if (!f || conc < 1 || conc > 256 || sodium_init() < 0) {
		fprintf(stderr, "oidc_rp: cannot read %s (or CONC not 1-256)\n", argv[1]);
		if (f)
			fclose(f);
		return 2;
	}
	if (!fgets(line, sizeof line, f) ||
	    sscanf(line, "%63s %d %255s %255s %255s %255s %255s", g.host, &g.port, g.token_path,
	           g.userinfo_path, id, secret, redirect) != 7) {
		fprintf(stderr, "oidc_rp: bad first line in %s\n", argv[1]);
		fclose(f);
		return 2;
	}
	snprintf(cred, sizeof cred, "%s:%s", id, secret);
	sodium_bin2base64(g.basic, sizeof g.basic, (const unsigned char *)cred, strlen(cred),
	                  sodium_base64_VARIANT_ORIGINAL);
	urlenc(redirect, g.redirect, sizeof g.redirect);
	int cap = 0;
	while (fgets(line, sizeof line, f)) {
		if (g.n == cap) {
			cap = cap ? cap * 2 : 256;
			struct job *nj = realloc(g.jobs, (size_t)cap * sizeof *nj);
			if (!nj) {
				fclose(f);
				return 1;
			}
			g.jobs = nj;
		}
		if (sscanf(line, "%255s %159s", g.jobs[g.n].code, g.jobs[g.n].verifier) == 2)
			g.n++;
	}
	fclose(f);
	g.lat = calloc((size_t)g.n + 1, sizeof *g.lat);
	pthread_t *th = calloc((size_t)conc, sizeof *th);
	if (!g.lat || !th || g.n == 0)
		return 1;
	long long c0 = server_cpu_ns();
	double t0 = now_s();
	for (int i = 0; i < conc; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < conc; i++)
		pthread_join(th[i], NULL);
	double secs = now_s() - t0;
	long long ns = server_cpu_ns() - c0;
	qsort(g.lat, (size_t)g.n, sizeof *g.lat, cmp);
	printf("code->token+userinfo (C client): %d in flight %d: %.1f/s p50 %.1f ms p99 %.1f ms",
	       g.n, conc, g.n / secs, g.lat[g.n / 2] * 1e3,
	       g.lat[g.n - 1 < g.n * 99 / 100 ? g.n - 1 : g.n * 99 / 100] * 1e3);
	if (getenv("SERVER_PID") && ns > 0)
		printf("; server CPU %.0f ms = %.0f/s per core", ns / 1e6, g.n / (ns / 1e9));
	printf("%s\n", g.failed ? " (FAILED exchanges)" : "");
	free(th);
	free(g.lat);
	free(g.jobs);
	return g.failed ? 1 : 0;
}
