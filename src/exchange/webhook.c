/*
 * webhook.c — the pusher: delivers each agency's feed to its webhook, in
 * order, one event per signed POST (docs/EXCHANGE.md).
 *
 * One background thread with its own store connection. Per agency the
 * state is in the agency row: the cursor (last event handled), the number
 * of failed attempts at the next event and when to try again. A 2xx answer
 * advances the cursor (and audits the disclosure) in one transaction; a
 * failure doubles the wait (base, 2·base, … capped at 5 minutes); after the
 * retry budget the event is written to the dead-letter list and the cursor
 * moves on, so one poisoned event does not stop the agency's stream. Dead
 * letters queued for replay are tried once per queueing.
 *
 * Delivery is at least once (a crash between the receiver's 2xx and our
 * commit sends the event again); the Idempotency-Key header,
 * "<agency>-<seq>", lets the receiver drop a repeat. The client is plain
 * HTTP/1.1 over a socket with timeouts (no TLS yet). Signatures: always the
 * HMAC header; with a JWS key (webhook_jws.c) an X-Dancu-JWS header too.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dancu/core.h"
#include "dancu/audit.h"
#include "dancu/buf.h"
#include "dancu/db.h"
#include "dancu/exchange.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "exchange/exchange_internal.h"

#define MAX_AGENCIES 256
#define BACKOFF_CAP_MS 300000

struct dc_webhook_pusher {
	struct dc_store *store;
	struct dc_webhook_opts o;
	unsigned char key[32];
	struct dc_webhook_jws *jws; /* NULL: HMAC only */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
};

struct target {
	char id[65];
	char fields[DC_AGENCY_LIST_MAX + 1];
	char url[513];
	char sealed[256];
	int64_t version, cursor, attempts, next_try_ms;
};

/* --- the HTTP client ------------------------------------------------------------ */

int dc__webhook_split_url(const char *url, char *host, size_t hn, char *port, size_t pn,
                          const char **path)
{
	if (strncmp(url, "http://", 7))
		return DC_ERR_INVALID;
	const char *h = url + 7, *slash = strchr(h, '/'), *colon;
	size_t len = slash ? (size_t)(slash - h) : strlen(h);
	*path = slash ? slash : "/";
	colon = memchr(h, ':', len);
	size_t hl = colon ? (size_t)(colon - h) : len;
	if (hl == 0 || hl >= hn)
		return DC_ERR_INVALID;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon) {
		size_t pl = len - hl - 1;
		if (pl == 0 || pl >= pn)
			return DC_ERR_INVALID;
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
	} else {
		snprintf(port, pn, "80");
	}
	return DC_OK;
}

int dc__webhook_status(const char *resp, size_t n)
{
	/* "HTTP/1.x NNN" followed by a space or the end of the line */
	if (n < 12 || memcmp(resp, "HTTP/1.", 7) || (resp[7] != '0' && resp[7] != '1') ||
	    resp[8] != ' ')
		return -1;
	int code = 0;
	for (int i = 9; i < 12; i++) {
		if (resp[i] < '0' || resp[i] > '9')
			return -1;
		code = code * 10 + (resp[i] - '0');
	}
	if (n > 12 && resp[12] != ' ' && resp[12] != '\r' && resp[12] != '\n')
		return -1;
	return code >= 100 && code <= 599 ? code : -1;
}

/* POSTs body; returns the HTTP status (> 0) or an error with err set. */
static int post(const char *url, const char *headers, const char *body, size_t blen,
                unsigned timeout_ms, char *err, size_t errlen)
{
	char host[200], port[16], resp[512];
	const char *path;
	struct addrinfo hints, *ai = NULL;
	struct dc_buf req = DC_BUF_INIT;
	int fd = -1, status = DC_ERR_IO;
	struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000};
	if (dc__webhook_split_url(url, host, sizeof host, port, sizeof port, &path)) {
		snprintf(err, errlen, "bad webhook URL");
		return DC_ERR_INVALID;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int g = getaddrinfo(host, port, &hints, &ai);
	if (g) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(g));
		goto done;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv)) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto done;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		goto done;
	}
	dc_buf_addf(&req,
	            "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
	            "Content-Length: %zu\r\nConnection: close\r\nUser-Agent: dancu-webhook\r\n%s"
	            "\r\n",
	            path, host, port, blen, headers);
	dc_buf_add(&req, body, blen);
	if (dc_buf_error(&req)) {
		status = DC_ERR_NOMEM;
		goto done;
	}
	for (size_t off = 0; off < req.len;) {
		ssize_t w = send(fd, req.ptr + off, req.len - off, MSG_NOSIGNAL);
		if (w <= 0) {
			snprintf(err, errlen, "send: %s", w < 0 ? strerror(errno) : "closed");
			goto done;
		}
		off += (size_t)w;
	}
	size_t got = 0;
	int64_t deadline = dc_now_ms() + timeout_ms;
	while (got < sizeof resp - 1 && !memchr(resp, '\n', got)) {
		ssize_t r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
		if (r <= 0) {
			snprintf(err, errlen, "%s",
			         r == 0 ? "connection closed before an answer"
			         : errno == EAGAIN || errno == EWOULDBLOCK ? "timed out"
			                                                   : strerror(errno));
			goto done;
		}
		got += (size_t)r;
		if (dc_now_ms() > deadline) {
			snprintf(err, errlen, "timed out");
			goto done;
		}
	}
	resp[got] = '\0';
	int code = dc__webhook_status(resp, got);
	if (code < 0) {
		snprintf(err, errlen, "not an HTTP answer");
		goto done;
	}
	status = code;
	if (code < 200 || code > 299)
		snprintf(err, errlen, "answered %d", code);
done:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	dc_buf_release(&req);
	return status;
}

/* Signs and sends one event; 1 delivered, 0 failed (err set). */
static int deliver(struct dc_webhook_pusher *p, const struct target *t, int64_t seq,
                   const char *json, size_t len, char *err, size_t errlen)
{
	unsigned char secret[32];
	char sig[72], hdr[512];
	if (dc__agency_webhook_secret(t->sealed, p->key, secret)) {
		snprintf(err, errlen, "the webhook secret does not open with this master key");
		return 0;
	}
	int64_t ts = dc_now_ms() / 1000;
	dc_webhook_sign(secret, sizeof secret, ts, json, len, sig);
	sodium_memzero(secret, sizeof secret);
	snprintf(hdr, sizeof hdr,
	         "Idempotency-Key: %s-%lld\r\nX-Dancu-Key-Id: %s:%lld\r\nX-Dancu-Timestamp: "
	         "%lld\r\nX-Dancu-Signature: %s\r\n",
	         t->id, (long long)seq, t->id, (long long)t->version, (long long)ts, sig);
	struct dc_buf h = DC_BUF_INIT;
	dc_buf_adds(&h, hdr);
	if (p->jws) {
		dc_buf_adds(&h, "X-Dancu-JWS: ");
		if (dc_webhook_jws_sign(p->jws, t->id, seq, ts, json, len, &h)) {
			snprintf(err, errlen, "cannot sign the event with the JWS key");
			dc_buf_release(&h);
			return 0;
		}
		dc_buf_adds(&h, "\r\n");
	}
	int st = dc_buf_error(&h) ? -1
	                          : post(t->url, h.ptr, json, len, p->o.timeout_ms, err, errlen);
	dc_buf_release(&h);
	return st >= 200 && st <= 299;
}

/* --- state ------------------------------------------------------------------------ */

static int audit_push(struct dc_store *s, const struct target *t, const char *pin,
                      const char *action)
{
	char actor[80];
	snprintf(actor, sizeof actor, "webhook:%s", t->id);
	struct dc_audit_entry e = {actor, t->id, action, pin, "agency_exchange", t->fields, NULL};
	return dc_audit_append(s, &e, NULL);
}

/* Moves the cursor from t->cursor to seq (no-op if another pusher did). */
static int advance(struct dc_store *s, struct target *t, int64_t seq, const char *pin,
                   int delivered, int64_t attempts, const char *err)
{
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	rc = dc_db_run(dc_store_db(s),
	               "UPDATE agency SET webhook_cursor = $4, attempts = 0, next_try_ms = 0, "
	               "last_error = $2 WHERE id = $1 AND webhook_cursor = $3",
	               "ssii", t->id, delivered || !err ? NULL : err, t->cursor, seq);
	if (rc == DC_OK && !delivered && err)
		rc = dc_db_run(
		        dc_store_db(s),
		        "INSERT INTO webhook_dead (agency, seq, attempts, last_error, dead_ms) "
		        "VALUES ($1, $3, $4, $2, $5) ON CONFLICT (agency, seq) DO NOTHING",
		        "ssiii", t->id, err, seq, attempts, dc_now_ms());
	if (rc == DC_OK && delivered && pin)
		rc = audit_push(s, t, pin, "webhook.deliver");
	if (rc) {
		dc_store_rollback(s);
		return rc;
	}
	rc = dc_store_commit(s);
	if (rc == DC_OK) {
		t->cursor = seq;
		t->attempts = 0;
		t->next_try_ms = 0;
	}
	return rc;
}

static int failed(struct dc_store *s, struct target *t, const char *err, unsigned base_ms)
{
	int64_t n = t->attempts + 1;
	int64_t wait = base_ms;
	for (int64_t i = 1; i < n && wait < BACKOFF_CAP_MS; i++)
		wait *= 2;
	if (wait > BACKOFF_CAP_MS)
		wait = BACKOFF_CAP_MS;
	t->attempts = n;
	t->next_try_ms = dc_now_ms() + wait;
	return dc_db_run(dc_store_db(s),
	                 "UPDATE agency SET attempts = $3, next_try_ms = $4, last_error = $2 WHERE "
	                 "id = $1",
	                 "ssii", t->id, err, n, t->next_try_ms);
}

struct one {
	int64_t seq;
	char pin[13];
	struct dc_buf json;
	int have;
};

static int one_cb(void *arg, const struct dc_feed_event *ev)
{
	struct one *o = arg;
	o->seq = ev->seq;
	snprintf(o->pin, sizeof o->pin, "%s", ev->pin ? ev->pin : "");
	dc_buf_reset(&o->json);
	dc_buf_add(&o->json, ev->json, ev->json_len);
	o->have = 1;
	return dc_buf_error(&o->json);
}

/* Pushes t's stream as far as it goes now (up to 100 events). */
static void push_agency(struct dc_webhook_pusher *p, struct target *t)
{
	struct dc_agency a;
	struct one o;
	char err[256];
	memset(&a, 0, sizeof a);
	snprintf(a.fields, sizeof a.fields, "%s", t->fields);
	dc_buf_init(&o.json, 0);
	for (int n = 0; n < 100 && dc_now_ms() >= t->next_try_ms; n++) {
		int64_t next = 0;
		int more = 0;
		o.have = 0;
		if (dc_feed_read(p->store, &a, t->cursor, 1, one_cb, &o, &next, &more))
			break;
		if (!o.have) {
			if (next > t->cursor)
				advance(p->store, t, next, NULL, 0, 0, NULL);
			break;
		}
		err[0] = '\0';
		if (deliver(p, t, o.seq, o.json.ptr, o.json.len, err, sizeof err)) {
			if (advance(p->store, t, o.seq, o.pin, 1, 0, NULL))
				break;
			continue;
		}
		if (t->attempts + 1 >= (int64_t)p->o.budget) {
			if (advance(p->store, t, o.seq, NULL, 0, t->attempts + 1, err))
				break;
			continue;
		}
		failed(p->store, t, err, p->o.base_ms);
		break;
	}
	dc_buf_release(&o.json);
}

/* Dead letters queued for replay: one try each. */
static void replays(struct dc_webhook_pusher *p)
{
	struct dc_stmt *st = NULL;
	struct {
		struct target t;
		int64_t seq, attempts;
		char pin[13];
		char *json;
	} *r = NULL;
	size_t n = 0;
	int rc = dc_db_prepare(
	        dc_store_db(p->store),
	        "SELECT d.agency, a.fields, a.webhook_url, a.webhook_sealed, a.webhook_version, "
	        "d.seq, d.attempts, e.pin, e.kind, e.at_ms, e.before_json, e.after_json FROM "
	        "webhook_dead d JOIN agency a ON a.id = d.agency JOIN event e ON e.seq = d.seq "
	        "WHERE d.replay_ms > 0 AND d.delivered_ms = 0 AND a.webhook_url <> '' AND "
	        "a.disabled = 0 ORDER BY d.agency, d.seq LIMIT 100",
	        &st);
	if (rc == DC_OK)
		r = calloc(100, sizeof *r);
	while (r && rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		struct dc_buf b = DC_BUF_INIT;
		const char *pin = dc_stmt_text(st, 7, NULL);
		snprintf(r[n].t.id, sizeof r[n].t.id, "%s", dc_stmt_text(st, 0, NULL));
		snprintf(r[n].t.fields, sizeof r[n].t.fields, "%s", dc_stmt_text(st, 1, NULL));
		snprintf(r[n].t.url, sizeof r[n].t.url, "%s", dc_stmt_text(st, 2, NULL));
		snprintf(r[n].t.sealed, sizeof r[n].t.sealed, "%s",
		         dc_stmt_is_null(st, 3) ? "" : dc_stmt_text(st, 3, NULL));
		r[n].t.version = dc_stmt_int64(st, 4);
		r[n].seq = dc_stmt_int64(st, 5);
		r[n].attempts = dc_stmt_int64(st, 6);
		snprintf(r[n].pin, sizeof r[n].pin, "%s", pin ? pin : "");
		if (dc__feed_event_json(r[n].t.fields, r[n].seq, pin, dc_stmt_text(st, 8, NULL),
		                        dc_stmt_int64(st, 9), dc_stmt_text(st, 10, NULL),
		                        dc_stmt_text(st, 11, NULL), &b) == 1)
			r[n].json = dc_buf_detach(&b, NULL);
		dc_buf_release(&b);
		n++;
	}
	dc_stmt_finalize(st);
	for (size_t i = 0; i < n; i++) {
		char err[256] = "";
		int ok = r[i].json && deliver(p, &r[i].t, r[i].seq, r[i].json, strlen(r[i].json),
		                              err, sizeof err);
		if (!r[i].json)
			snprintf(err, sizeof err, "the event no longer matches the subscription");
		if (dc_store_begin(p->store) == DC_OK) {
			int rc2 =
			        ok ? dc_db_run(
			                     dc_store_db(p->store),
			                     "UPDATE webhook_dead SET delivered_ms = $2, attempts "
			                     "= "
			                     "attempts + 1 WHERE agency = $1 AND seq = $3",
			                     "sii", r[i].t.id, dc_now_ms(), r[i].seq)
			           : dc_db_run(
			                     dc_store_db(p->store),
			                     "UPDATE webhook_dead SET replay_ms = 0, attempts = "
			                     "attempts + 1, last_error = $2 WHERE agency = $1 AND "
			                     "seq = $3",
			                     "ssi", r[i].t.id, err, r[i].seq);
			if (rc2 == DC_OK && ok && r[i].pin[0])
				rc2 = audit_push(p->store, &r[i].t, r[i].pin, "webhook.replay");
			if (rc2)
				dc_store_rollback(p->store);
			else
				dc_store_commit(p->store);
		}
		free(r[i].json);
	}
	free(r);
}

static void cycle(struct dc_webhook_pusher *p)
{
	struct dc_stmt *st = NULL;
	struct target *t = calloc(MAX_AGENCIES, sizeof *t);
	size_t n = 0;
	if (!t)
		return;
	int rc = dc_db_prepare(dc_store_db(p->store),
	                       "SELECT id, fields, webhook_url, webhook_sealed, webhook_version, "
	                       "webhook_cursor, attempts, next_try_ms FROM agency WHERE "
	                       "webhook_url <> '' AND disabled = 0 ORDER BY id",
	                       &st);
	while (rc == DC_OK && n < MAX_AGENCIES && (rc = dc_stmt_step(st)) == DC_ROW) {
		snprintf(t[n].id, sizeof t[n].id, "%s", dc_stmt_text(st, 0, NULL));
		snprintf(t[n].fields, sizeof t[n].fields, "%s", dc_stmt_text(st, 1, NULL));
		snprintf(t[n].url, sizeof t[n].url, "%s", dc_stmt_text(st, 2, NULL));
		snprintf(t[n].sealed, sizeof t[n].sealed, "%s",
		         dc_stmt_is_null(st, 3) ? "" : dc_stmt_text(st, 3, NULL));
		t[n].version = dc_stmt_int64(st, 4);
		t[n].cursor = dc_stmt_int64(st, 5);
		t[n].attempts = dc_stmt_int64(st, 6);
		t[n].next_try_ms = dc_stmt_int64(st, 7);
		n++;
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	for (size_t i = 0; i < n; i++)
		push_agency(p, &t[i]);
	free(t);
	replays(p);
}

static void *pusher_main(void *arg)
{
	struct dc_webhook_pusher *p = arg;
	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		pthread_mutex_unlock(&p->mu);
		cycle(p);
		pthread_mutex_lock(&p->mu);
		if (p->stop)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(p->o.poll_ms % 1000) * 1000000L;
		ts.tv_sec += p->o.poll_ms / 1000 + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int dc_webhook_start(const char *target, const struct dc_units *units,
                     const struct dc_webhook_opts *o, const unsigned char key[32],
                     struct dc_webhook_pusher **out, char *err, size_t errlen)
{
	struct dc_webhook_pusher *p = calloc(1, sizeof *p);
	if (!p)
		return DC_ERR_NOMEM;
	p->o.poll_ms = o && o->poll_ms ? o->poll_ms : 200;
	p->o.base_ms = o && o->base_ms ? o->base_ms : 1000;
	p->o.budget = o && o->budget ? o->budget : 8;
	p->o.timeout_ms = o && o->timeout_ms ? o->timeout_ms : 5000;
	memcpy(p->key, key, 32);
	int rc = DC_OK;
	if (o && o->jws_key && *o->jws_key) {
		rc = dc_webhook_jws_load(o->jws_key, &p->jws);
		if (rc)
			snprintf(err, errlen, "webhook JWS key %s: %s", o->jws_key,
			         rc == DC_ERR_FORBIDDEN ? "readable by group or others (chmod 600)"
			                                : dc_strerror(rc));
	}
	if (rc == DC_OK)
		rc = dc_store_open(target, units, &p->store, err, errlen);
	if (rc) {
		sodium_memzero(p->key, sizeof p->key);
		dc_webhook_jws_free(p->jws);
		free(p);
		return rc;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, pusher_main, p)) {
		snprintf(err, errlen, "cannot start the webhook thread");
		dc_store_close(p->store);
		dc_webhook_jws_free(p->jws);
		free(p);
		return DC_ERR_NOMEM;
	}
	*out = p;
	return DC_OK;
}

void dc_webhook_stop(struct dc_webhook_pusher *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	dc_store_close(p->store);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	sodium_memzero(p->key, sizeof p->key);
	dc_webhook_jws_free(p->jws);
	free(p);
}
