/*
 * server.c — `dancu serve` on libh2o's evloop.
 *
 * Each worker thread owns an event loop, an h2o context, a listening socket
 * on the shared port (SO_REUSEPORT lets the kernel spread connections) and
 * its own store connection, so requests never share a database handle. The
 * main thread only waits for SIGTERM/SIGINT; workers poll a stop flag every
 * 100 ms, then stop accepting, ask h2o to close idle connections, and let
 * requests in flight finish for up to drain_ms.
 *
 * Routing is a static table (path, method, handler); one h2o handler at "/"
 * dispatches through it so that unknown paths and wrong methods answer with
 * problem+json like every other error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <h2o.h>
#include <sys/stat.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dancu/officer.h"
#include "dancu/audit.h"
#include "dancu/db.h"
#include "dancu/exchange.h"
#include "dancu/residence.h"
#include "dancu/server.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "http/api_chip.h"
#include "http/committer.h"
#include "http/http.h"
#include "http/walckpt.h"
#include "http/workpool.h"

#define MAX_THREADS 256
#define MAX_ROUTES 160

struct server;

/* Counters per route and status class, summed over threads for /metrics. */
enum { CLS_2XX, CLS_4XX, CLS_5XX, CLS_N };

struct worker {
	h2o_context_t ctx; /* first: h2o hands us &ctx, we cast back */
	struct server *srv;
	h2o_accept_ctx_t accept;
	h2o_socket_t *listener;
	int fd;
	struct dc_store *store;
	const struct dc_units *units;
	pthread_t thread;
	unsigned id;
	uint64_t seq; /* request counter for request ids */
	int rc;
	struct dc_store *replica;    /* --pg-replica, or NULL */
	int64_t replica_checked;     /* when its lag was last measured (ms) */
	int replica_fresh;           /* within replica_lag_ms at that time */
	h2o_multithread_queue_t *mq; /* replies from the committer */
	h2o_multithread_receiver_t replies;
	unsigned outstanding; /* deferred requests not yet answered */
};

struct route {
	const char *path;
	const char *method;
	int (*run)(struct worker *w, h2o_req_t *req, struct dc_buf *body, int *status);
};

struct server {
	const struct dc_settings *cfg;
	const struct dc_units *units;
	struct dc_calendar *cal;
	struct dc__committer *committer;
	struct dc__walckpt *walckpt;      /* SQLite: the WAL checkpoint thread */
	struct dc__workpool *hashpool;    /* argon2id checks off the loops */
	struct dc_webhook_pusher *pusher; /* agencies' webhooks (src/exchange) */
	struct dc__session_cache *sessions;
	struct dc__card_trust *card_trust;
	unsigned char audit_sk[64]; /* checkpoint signing key */
	SSL_CTX *tls;               /* NULL: plain HTTP */
	h2o_globalconf_t h2o;
	struct worker *workers;
	unsigned nworkers;
	atomic_int stop;
	FILE *log;
	char id_prefix[9];
	_Atomic uint64_t hits[MAX_ROUTES][CLS_N]; /* built-in, then API routes, then unmatched */
	unsigned char key[32];
	uint64_t started_ms;
};

struct dispatcher {
	h2o_handler_t super;
	struct server *srv;
};

/* --- responses ------------------------------------------------------------- */

static const char *reason_of(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Content Too Large";
	case 422:
		return "Unprocessable Content";
	case 423:
		return "Locked";
	case 429:
		return "Too Many Requests";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 507:
		return "Insufficient Storage";
	default:
		return status >= 500 ? "Internal Server Error" : "Error";
	}
}

/* An RFC 9457 problem document for rc (the error enum), with detail. A
 * handler may leave extension members (e.g. "errors":[…]) in b; they are
 * kept. */
static void problem(struct dc_buf *b, int rc, int status, const char *detail, h2o_req_t *req,
                    const char *request_id)
{
	struct dc_buf p = DC_BUF_INIT;
	dc_buf_addf(&p, "{\"type\":\"https://dancu.example/problems/%s\",\"title\":\"",
	            dc_err_code(rc));
	dc_buf_add_json_str(&p, dc_strerror(rc), strlen(dc_strerror(rc)));
	dc_buf_addf(&p, "\",\"status\":%d,\"code\":\"%s\",\"detail\":\"", status, dc_err_code(rc));
	dc_buf_add_json_str(&p, detail, strlen(detail));
	dc_buf_adds(&p, "\",\"instance\":\"");
	/* The path without the query: query strings may carry personal data. */
	dc_buf_add_json_str(&p, req->path_normalized.base, req->path_normalized.len);
	dc_buf_addf(&p, "\",\"request_id\":\"%s\"", request_id);
	if (b->len && !dc_buf_error(b)) {
		dc_buf_addc(&p, ',');
		dc_buf_add(&p, b->ptr, b->len);
	}
	dc_buf_addc(&p, '}');
	dc_buf_release(b);
	*b = p;
}

/* --- routes ----------------------------------------------------------------- */

static int r_healthz(struct worker *w, h2o_req_t *req, struct dc_buf *body, int *status)
{
	*status = 200;
	return dc_buf_adds(body, "{\"status\":\"ok\"}");
}

static int r_readyz(struct worker *w, h2o_req_t *req, struct dc_buf *body, int *status)
{
	int rc = dc_store_ping(w->store);
	if (rc) {
		*status = 503; /* whatever the store said, the service is not ready */
		return DC_ERR_UNAVAILABLE;
	}
	*status = 200;
	return dc_buf_addf(body, "{\"status\":\"ready\",\"store\":\"%s\"}",
	                   dc_store_backend(w->store));
}

static const struct route routes[];
static const size_t nroutes;

static int r_metrics(struct worker *w, h2o_req_t *req, struct dc_buf *body, int *status)
{
	static const char *const cls[] = {"2xx", "4xx", "5xx"};
	struct server *srv = w->srv;
	*status = 200;
	dc_buf_adds(body,
	            "# HELP dancu_up 1 while the server runs.\n# TYPE dancu_up gauge\ndancu_up 1\n"
	            "# HELP dancu_http_requests_total Requests answered, by route and status "
	            "class.\n# TYPE dancu_http_requests_total counter\n");
	size_t total = nroutes + dc__api_nroutes();
	for (size_t r = 0; r <= total; r++)
		for (int c = 0; c < CLS_N; c++)
			dc_buf_addf(body,
			            "dancu_http_requests_total{route=\"%s\",class=\"%s\"} %llu\n",
			            r < nroutes ? routes[r].path
			            : r < total ? dc__api_route(r - nroutes)->path
			                        : "unmatched",
			            cls[c],
			            (unsigned long long)atomic_load_explicit(&srv->hits[r][c],
			                                                     memory_order_relaxed));
	dc_buf_addf(
	        body,
	        "# HELP dancu_event_loops Event loops (worker threads).\n# TYPE dancu_event_loops "
	        "gauge\ndancu_event_loops %u\n",
	        srv->nworkers);
	uint64_t batches = 0, jobs = 0;
	unsigned queued = 0;
	dc__committer_stats(srv->committer, &batches, &jobs, &queued);
	dc_buf_addf(body,
	            "# HELP dancu_commit_batches_total Group commits (one transaction each).\n"
	            "# TYPE dancu_commit_batches_total counter\ndancu_commit_batches_total %llu\n"
	            "# HELP dancu_commit_jobs_total Requests' writes committed in groups.\n"
	            "# TYPE dancu_commit_jobs_total counter\ndancu_commit_jobs_total %llu\n"
	            "# HELP dancu_commit_queue Writes waiting for the next group commit.\n"
	            "# TYPE dancu_commit_queue gauge\ndancu_commit_queue %u\n",
	            (unsigned long long)batches, (unsigned long long)jobs, queued);
	uint64_t hdone = 0, hrej = 0;
	unsigned hq = 0, hth = 0;
	dc__workpool_stats(srv->hashpool, &hdone, &hrej, &hq, &hth);
	dc_buf_addf(body,
	            "# HELP dancu_hash_threads Threads checking passwords off the event loops.\n"
	            "# TYPE dancu_hash_threads gauge\ndancu_hash_threads %u\n"
	            "# HELP dancu_hash_queue Password checks waiting for a hash thread.\n"
	            "# TYPE dancu_hash_queue gauge\ndancu_hash_queue %u\n"
	            "# HELP dancu_hash_checks_total Password checks run.\n"
	            "# TYPE dancu_hash_checks_total counter\ndancu_hash_checks_total %llu\n"
	            "# HELP dancu_hash_rejected_total Logins refused (429) because the queue was "
	            "full.\n# TYPE dancu_hash_rejected_total counter\ndancu_hash_rejected_total "
	            "%llu\n",
	            hth, hq, (unsigned long long)hdone, (unsigned long long)hrej);
	if (srv->walckpt)
		dc_buf_addf(
		        body,
		        "# HELP dancu_wal_checkpoints_total Background WAL checkpoints (SQLite).\n"
		        "# TYPE dancu_wal_checkpoints_total counter\n"
		        "dancu_wal_checkpoints_total %llu\n",
		        dc__walckpt_count(srv->walckpt));
	return dc_buf_error(body);
}

extern const unsigned char dc__openapi_json[];
extern const size_t dc__openapi_json_len;

/* The OpenAPI 3.1 document of the whole API (docs/openapi.json, compiled
 * in; tests/cli/openapi.sh keeps it complete and valid). */
static int r_openapi(struct worker *w, h2o_req_t *req, struct dc_buf *body, int *status)
{
	*status = 200;
	return dc_buf_add(body, dc__openapi_json, dc__openapi_json_len);
}

static const struct route routes[] = {
        {"/healthz", "GET", r_healthz},
        {"/api/openapi.json", "GET", r_openapi},
        {"/readyz", "GET", r_readyz},
        {"/metrics", "GET", r_metrics},
};
static const size_t nroutes = DC_ARRAY_LEN(routes);

/* --- the dispatcher ---------------------------------------------------------- */

static int valid_request_id(const char *p, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static void access_log(struct server *srv, h2o_req_t *req, const char *id, int status, size_t bytes)
{
	if (!srv->log)
		return;
	struct timeval now;
	gettimeofday(&now, NULL); /* the loop's cached time would give 0 ms */
	struct timeval *t0 = &req->timestamps.request_begin_at;
	double ms =
	        (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_usec - t0->tv_usec) / 1e3;
	struct dc_buf b = DC_BUF_INIT;
	dc_buf_addf(&b, "{\"ts\":%lld.%03d,\"id\":\"%s\",\"method\":\"", (long long)now.tv_sec,
	            (int)(now.tv_usec / 1000), id);
	dc_buf_add_json_str(&b, req->method.base, req->method.len);
	dc_buf_adds(&b, "\",\"path\":\"");
	dc_buf_add_json_str(&b, req->path.base, req->path.len);
	dc_buf_addf(&b, "\",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f}\n", status, bytes, ms);
	if (!dc_buf_error(&b))
		fwrite(b.ptr, 1, b.len, srv->log); /* one call: lines never interleave */
	dc_buf_release(&b);
}

/* The answer: status, problem document on error, headers, access log,
 * metrics. body is consumed. */
static void respond(struct worker *w, h2o_req_t *req, struct dc__call *call, struct dc_buf *body,
                    size_t ri, int rc, int status, const char *detail)
{
	struct server *srv = w->srv;
	const char *id = call->request_id;
	if (rc) {
		if (status == 401)
			h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE,
			               NULL, H2O_STRLIT("Bearer realm=\"dancu\""));
		if (!call->extension) /* a failed handler's partial output is dropped */
			dc_buf_reset(body);
		problem(body, rc, status, detail, req, id);
	}
	if (dc_buf_error(body)) {
		status = 500;
		dc_buf_release(body);
		dc_buf_adds(body, "{\"status\":500,\"code\":\"out_of_memory\"}");
	}
	int cls = status >= 500 ? CLS_5XX : status >= 400 ? CLS_4XX : CLS_2XX;
	atomic_fetch_add_explicit(&srv->hits[ri][cls], 1, memory_order_relaxed);

	req->res.status = status;
	req->res.reason = reason_of(status);
	const char *ctype = ri < nroutes && routes[ri].run == r_metrics && !rc
	                            ? "text/plain; version=0.0.4"
	                    : rc                 ? "application/problem+json"
	                    : call->content_type ? call->content_type
	                                         : "application/json";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype,
	               strlen(ctype));
	/* no-store unless the handler chose (the web UI's files revalidate) */
	if (rc || h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("cache-control"), -1) < 0)
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
		               H2O_STRLIT("no-store"));
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
	                      id, strlen(id));
	size_t len = body->len;
	char *copy = h2o_mem_alloc_pool(&req->pool, len + 1);
	memcpy(copy, dc_buf_str(body), len);
	dc_buf_release(body);
	access_log(srv, req, id, status, len);
	req->res.content_length = len;
	h2o_send_inline(req, copy, len);
}

static void api_result(struct dc__call *call, int rc, int *status, const char **detail)
{
	*status = rc ? (call->status >= 400 ? call->status : dc_err_http_status(rc)) : call->status;
	if (rc)
		*detail = call->detail[0] ? call->detail : dc_strerror(rc);
}

/* A request waiting for the committer. Lives in the request's pool; when
 * the client goes away first, the pool's dispose callback detaches it from
 * its job, which then only frees its argument. */
struct pending {
	struct dc__call call;
	struct dc_buf body;
	size_t ri;
	struct worker *w;
	struct deferred_job *job;
};

struct deferred_job {
	struct dc__job job; /* first */
	struct pending *pending;
	int (*done)(struct dc__call *c, struct dc_buf *body, int rc, void *arg);
	void (*free_arg)(void *arg);
};

static void pending_dispose(void *p)
{
	struct pending *pd = p;
	if (pd->job)
		pd->job->pending = NULL;
	dc_buf_release(&pd->body);
}

/* Without an event loop (c->loop NULL, c->inline_body set) a deferred job
 * runs at once on the caller's store: a committer job in its own
 * transaction, a CPU job as it is; then done() writes the answer. */
static int run_inline(struct dc__call *c, int cpu, int (*work)(struct dc_store *s, void *arg),
                      int (*done)(struct dc__call *c, struct dc_buf *body, int rc, void *arg),
                      void *arg, void (*free_arg)(void *arg))
{
	if (!c->inline_body)
		DC_BUG("a deferred job without an event loop or an inline body");
	int rc;
	if (cpu) {
		rc = work(NULL, arg);
	} else if ((rc = dc_store_begin(c->store)) == DC_OK) {
		rc = work(c->store, arg);
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
	}
	rc = done(c, c->inline_body, rc, arg);
	if (free_arg)
		free_arg(arg);
	return rc;
}

/* Hands a job to the committer (pool NULL) or to the CPU pool; on
 * success the request is parked until on_replies answers it. */
static int park(struct dc__call *c, struct dc__workpool *pool,
                int (*work)(struct dc_store *s, void *arg),
                int (*done)(struct dc__call *c, struct dc_buf *body, int rc, void *arg), void *arg,
                void (*free_arg)(void *arg))
{
	struct worker *w = c->loop;
	struct deferred_job *dj = calloc(1, sizeof *dj);
	int rc = dj ? DC_OK : DC_ERR_NOMEM;
	if (dj) {
		dj->job.reply = &w->replies;
		dj->job.work = work;
		dj->job.arg = arg;
		dj->done = done;
		dj->free_arg = free_arg;
		rc = pool ? dc__workpool_submit(pool, &dj->job)
		          : dc__committer_submit(w->srv->committer, &dj->job);
	}
	if (rc) {
		if (free_arg)
			free_arg(arg);
		free(dj);
		return rc;
	}
	c->deferred = 1;
	/* on_req copies the call into a pending record and links it to dj. */
	c->loop = dj;
	w->outstanding++;
	return DC__DEFERRED;
}

int dc__defer(struct dc__call *c, int (*work)(struct dc_store *s, void *arg),
              int (*done)(struct dc__call *c, struct dc_buf *body, int rc, void *arg), void *arg,
              void (*free_arg)(void *arg))
{
	if (!c->loop) /* no event loop: an in-process caller (the route fuzzer) */
		return run_inline(c, 0, work, done, arg, free_arg);
	int rc = park(c, NULL, work, done, arg, free_arg);
	if (rc == DC__DEFERRED)
		return rc;
	h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
	               H2O_STRLIT("1"));
	return dc__fail(c, rc, 503, "the server is saturated with writes; retry shortly");
}

int dc__offload(struct dc__call *c, int (*work)(struct dc_store *s, void *arg),
                int (*done)(struct dc__call *c, struct dc_buf *body, int rc, void *arg), void *arg,
                void (*free_arg)(void *arg))
{
	struct worker *w = c->loop;
	if (!w)
		return run_inline(c, 1, work, done, arg, free_arg);
	int rc = park(c, w->srv->hashpool, work, done, arg, free_arg);
	if (rc == DC_ERR_BUSY)
		h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
		               H2O_STRLIT("1"));
	return rc;
}

static void on_replies(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
	struct worker *w = H2O_STRUCT_FROM_MEMBER(struct worker, replies, receiver);
	while (!h2o_linklist_is_empty(messages)) {
		h2o_multithread_message_t *m =
		        H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
		h2o_linklist_unlink(&m->link);
		struct deferred_job *dj = (struct deferred_job *)m;
		struct pending *pd = dj->pending;
		w->outstanding--;
		if (pd) {
			int status = 500;
			const char *detail = NULL;
			pd->job = NULL;
			pd->call.status = 200;
			int rc = dj->done(&pd->call, &pd->body, dj->job.rc, dj->job.arg);
			api_result(&pd->call, rc, &status, &detail);
			respond(w, pd->call.req, &pd->call, &pd->body, pd->ri, rc, status, detail);
		}
		if (dj->free_arg)
			dj->free_arg(dj->job.arg);
		free(dj);
	}
}

/* The worker's replica when it is within the staleness bound. The lag is
 * measured at most every 250 ms: 0 while the replica streams and has
 * replayed all it received, else the age of the last replayed commit; a
 * replica that does not stream (or cannot be asked) is not used. */
static struct dc_store *fresh_replica(struct worker *w)
{
	if (!w->replica)
		return NULL;
	int64_t now = dc_now_ms();
	if (now - w->replica_checked >= 250) {
		struct dc_stmt *st = NULL;
		int64_t lag = -1;
		if (dc_db_prepare(
		            dc_store_db(w->replica),
		            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 WHEN NOT EXISTS "
		            "(SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') "
		            "THEN -1 WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
		            "THEN 0 ELSE (extract(epoch FROM now() - "
		            "pg_last_xact_replay_timestamp()) * 1000)::bigint END",
		            &st) == DC_OK &&
		    dc_stmt_step(st) == DC_ROW)
			lag = dc_stmt_int64(st, 0);
		dc_stmt_finalize(st);
		w->replica_fresh = lag >= 0 && (uint64_t)lag <= w->srv->cfg->replica_lag_ms;
		w->replica_checked = now;
	}
	return w->replica_fresh ? w->replica : NULL;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct server *srv = ((struct dispatcher *)self)->srv;
	struct worker *w = (struct worker *)req->conn->ctx;
	struct dc_buf body = DC_BUF_INIT;
	char *id = h2o_mem_alloc_pool(&req->pool, 72);
	int status = 500, rc = DC_OK;
	size_t ri;

	ssize_t hi = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
	if (hi >= 0 && valid_request_id(req->headers.entries[hi].value.base,
	                                req->headers.entries[hi].value.len))
		snprintf(id, 72, "%.*s", (int)req->headers.entries[hi].value.len,
		         req->headers.entries[hi].value.base);
	else
		snprintf(id, 72, "%s-%u-%llu", srv->id_prefix, w->id, (unsigned long long)++w->seq);

	const char *detail = NULL;
	size_t total = nroutes + dc__api_nroutes();
	struct dc__call call;
	memset(&call, 0, sizeof call);
	call.store = w->store;
	call.units = w->units;
	call.cal = srv->cal;
	call.key = srv->key;
	call.cfg = srv->cfg;
	call.req = req;
	call.request_id = id;
	call.loop = w;
	call.sessions = srv->sessions;
	call.card_trust = srv->card_trust;
	call.replica = fresh_replica(w);
	ri = total;
	for (size_t i = 0; i < nroutes && ri == total; i++)
		if (h2o_memis(req->path_normalized.base, req->path_normalized.len, routes[i].path,
		              strlen(routes[i].path)))
			ri = i;
	for (size_t i = 0; i < total - nroutes && ri == total; i++) {
		const struct dc__route *r = dc__api_route(i);
		size_t pl = strlen(r->path);
		if (r->prefix ? req->path_normalized.len > pl &&
		                        !memcmp(req->path_normalized.base, r->path, pl)
		              : h2o_memis(req->path_normalized.base, req->path_normalized.len,
		                          r->path, pl)) {
			ri = nroutes + i;
			call.tail = req->path_normalized.base + pl;
			call.tail_len = req->path_normalized.len - pl;
		}
	}
	const char *method = ri < nroutes ? routes[ri].method
	                     : ri < total ? dc__api_route(ri - nroutes)->method
	                                  : NULL;
	if (req->entity.base && req->entity.len > srv->cfg->max_body) {
		rc = DC_ERR_TOO_LARGE;
		status = 413;
		detail = "request body is larger than the server's max_body setting";
	} else if (ri == total) {
		rc = DC_ERR_NOT_FOUND;
		status = 404;
		detail = "no such resource";
	} else if (strcmp(method, "*") && /* "*": the handler checks the method */
	           !h2o_memis(req->method.base, req->method.len, method, strlen(method))) {
		rc = DC_ERR_UNSUPPORTED;
		status = 405;
		detail = "method not allowed on this resource";
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, method,
		               strlen(method));
	} else if (ri < nroutes) {
		rc = routes[ri].run(w, req, &body, &status);
		if (rc && status < 400)
			status = dc_err_http_status(rc);
		if (rc)
			detail = dc_strerror(rc);
	} else {
		call.status = 200;
		rc = dc__api_route(ri - nroutes)->run(&call, &body);
		if (rc == DC__DEFERRED && call.deferred) {
			struct deferred_job *dj = call.loop;
			struct pending *pd =
			        h2o_mem_alloc_shared(&req->pool, sizeof *pd, pending_dispose);
			call.loop = w;
			pd->call = call;
			pd->body = body; /* the handler's partial output, if any */
			pd->ri = ri;
			pd->w = w;
			pd->job = dj;
			dj->pending = pd;
			return 0; /* answered by on_replies */
		}
		api_result(&call, rc, &status, &detail);
	}
	respond(w, req, &call, &body, ri, rc, status, detail);
	return 0;
}

/* --- sockets and threads ------------------------------------------------------ */

static int listen_on(const char *host, unsigned port, int *fd_out, unsigned *port_out)
{
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		return DC_ERR_INVALID;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0)
		return DC_ERR_IO;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) || listen(fd, SOMAXCONN)) {
		close(fd);
		return DC_ERR_UNAVAILABLE;
	}
	socklen_t al = sizeof addr;
	getsockname(fd, (struct sockaddr *)&addr, &al);
	*port_out = ntohs(addr.sin_port);
	*fd_out = fd;
	return DC_OK;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
	struct worker *w = listener->data;
	if (err)
		return;
	h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
	if (sock)
		h2o_accept(&w->accept, sock);
}

static int open_conns(struct worker *w)
{
	return !h2o_linklist_is_empty(&w->ctx.http1._conns) ||
	       !h2o_linklist_is_empty(&w->ctx.http2._conns);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *srv = w->srv;
	h2o_evloop_t *loop = h2o_evloop_create();
	h2o_context_init(&w->ctx, loop, &srv->h2o);
	w->accept.ctx = &w->ctx;
	w->accept.hosts = srv->h2o.hosts;
	w->accept.ssl_ctx = srv->tls;
	w->mq = h2o_multithread_create_queue(loop);
	h2o_multithread_register_receiver(w->mq, &w->replies, on_replies);
	w->listener = h2o_evloop_socket_create(loop, w->fd, H2O_SOCKET_FLAG_DONT_READ);
	w->listener->data = w;
	h2o_socket_read_start(w->listener, on_accept);
	while (!atomic_load(&srv->stop))
		h2o_evloop_run(loop, 100);
	/* Stop accepting; let requests in flight finish. */
	h2o_socket_read_stop(w->listener);
	h2o_socket_close(w->listener);
	h2o_context_request_shutdown(&w->ctx);
	uint64_t deadline = h2o_now(loop) + srv->cfg->drain_ms;
	while (open_conns(w) && h2o_now(loop) < deadline)
		h2o_evloop_run(loop, 50);
	/* Replies for deferred requests still come here, even for clients that
	 * are gone: wait for every one before the queue goes away. */
	while (w->outstanding)
		h2o_evloop_run(loop, 10);
	h2o_multithread_unregister_receiver(w->mq, &w->replies);
	h2o_multithread_destroy_queue(w->mq);
	/* h2o arms this even when no HTTP/2 connection is left; disposing
	 * the context requires every timeout list to be empty. */
	if (h2o_timeout_is_linked(&w->ctx.http2._graceful_shutdown_timeout))
		h2o_timeout_unlink(&w->ctx.http2._graceful_shutdown_timeout);
	h2o_context_dispose(&w->ctx);
	h2o_evloop_destroy(loop);
	return NULL;
}

/* TLS 1.2 and later, forward-secret AEAD suites only for 1.2 (1.3's are
 * all such), HTTP/2 by ALPN. The key file must not be readable by group or
 * others. */
static int tls_setup(struct server *srv, const char *cert, const char *key, const char *client_ca)
{
	struct stat st;
	if (stat(key, &st)) {
		fprintf(stderr, "dancu serve: cannot read the TLS key %s: %s\n", key,
		        strerror(errno));
		return DC_ERR_INVALID;
	}
	if (st.st_mode & 077) {
		fprintf(stderr,
		        "dancu serve: the TLS key %s is readable by others (mode %o): chmod 600 "
		        "it\n",
		        key, (unsigned)(st.st_mode & 0777));
		return DC_ERR_FORBIDDEN;
	}
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return DC_ERR_NOMEM;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (!SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		char e[256];
		ERR_error_string_n(ERR_get_error(), e, sizeof e);
		fprintf(stderr, "dancu serve: TLS certificate %s / key %s: %s\n", cert, key, e);
		SSL_CTX_free(ctx);
		return DC_ERR_INVALID;
	}
	/* Client certificates (mTLS) for organisations bound to one: asked for,
	 * never required at the TLS layer (citizens' browsers have none); one
	 * that is presented must chain to client_ca. Which organisation must
	 * present which certificate is checked per request (src/http/mtls.c). */
	if (client_ca && *client_ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
		static const unsigned char sid[] = "dancu";
		if (!names || SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
			char e[256];
			ERR_error_string_n(ERR_get_error(), e, sizeof e);
			fprintf(stderr, "dancu serve: TLS client CA %s: %s\n", client_ca, e);
			if (names)
				sk_X509_NAME_pop_free(names, X509_NAME_free);
			SSL_CTX_free(ctx);
			return DC_ERR_INVALID;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, NULL);
		SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
	}
	h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
	srv->tls = ctx;
	return DC_OK;
}

/* The committer's periodic work: a signed checkpoint of the audit chain. A
 * failure is reported and retried at the next period. */
static void checkpoint_now(struct dc_store *s, void *arg)
{
	struct server *srv = arg;
	int rc = dc_audit_checkpoint(s, srv->audit_sk, dc_now_ms(), NULL);
	if (rc)
		fprintf(stderr, "dancu: audit checkpoint failed: %s: %s\n", dc_strerror(rc),
		        dc_store_errmsg(s));
}

int dc_server_run(const struct dc_settings *cfg, const struct dc_units *units)
{
	struct server srv;
	int rc = DC_OK;
	unsigned port = (unsigned)cfg->port, nthreads = (unsigned)cfg->threads, ncores = 1;
	sigset_t sigs;
	memset(&srv, 0, sizeof srv);
	srv.cfg = cfg;
	srv.units = units;
	if (nroutes + dc__api_nroutes() + 1 > MAX_ROUTES)
		DC_BUG("more routes than MAX_ROUTES: raise it");
	{
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		ncores = n > 0 && n < MAX_THREADS ? (unsigned)n : 1;
	}
	if (nthreads == 0)
		nthreads = ncores;
	if (sodium_init() < 0)
		DC_BUG("libsodium failed to initialise");
	unsigned char rnd[4];
	randombytes_buf(rnd, sizeof rnd);
	snprintf(srv.id_prefix, sizeof srv.id_prefix, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
	         rnd[3]);
	if (!strcmp(cfg->access_log, "-"))
		srv.log = stderr;
	else if (cfg->access_log[0] && !(srv.log = fopen(cfg->access_log, "a"))) {
		fprintf(stderr, "dancu serve: cannot open access log %s: %s\n", cfg->access_log,
		        strerror(errno));
		return DC_ERR_IO;
	}
	char kerr[256];
	if ((rc = dc_calendar_load(cfg->holidays && *cfg->holidays ? cfg->holidays : NULL, &srv.cal,
	                           kerr, sizeof kerr))) {
		fprintf(stderr, "dancu serve: %s\n", kerr);
		return rc;
	}
	if ((rc = dc_master_key_load(cfg->master_key, 1, srv.key, kerr, sizeof kerr))) {
		fprintf(stderr, "dancu serve: %s\n", kerr);
		dc_calendar_free(srv.cal);
		return rc;
	}
	srv.workers = calloc(nthreads, sizeof(*srv.workers));
	if (!srv.workers) {
		dc_calendar_free(srv.cal);
		return DC_ERR_NOMEM;
	}

	h2o_config_init(&srv.h2o);
	/* h2o answers a body over its limit itself, in text/plain. Its limit
	 * is set to twice ours so that bodies up to twice the limit get our
	 * problem+json 413 (on_req); only larger ones meet h2o's answer, and
	 * memory stays bounded either way. */
	srv.h2o.max_request_entity_size = cfg->max_body * 2;
	h2o_hostconf_t *host =
	        h2o_config_register_host(&srv.h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
	struct dispatcher *d = (struct dispatcher *)h2o_create_handler(path, sizeof(*d));
	d->super.on_req = on_req;
	d->srv = &srv;

	/* Every worker: its own store connection and listening socket. */
	const char *target = cfg->pg && *cfg->pg ? cfg->pg : cfg->db;
	for (unsigned i = 0; i < nthreads && rc == DC_OK; i++) {
		struct worker *w = &srv.workers[i];
		char err[256] = "";
		w->srv = &srv;
		w->units = units;
		w->id = i;
		w->fd = -1;
		rc = dc_store_open(target, units, &w->store, err, sizeof err);
		if (rc) {
			fprintf(stderr, "dancu serve: cannot open the store: %s: %s\n",
			        dc_strerror(rc), err);
			break;
		}
		if (cfg->pg_replica && *cfg->pg_replica) {
			if (!cfg->pg || !*cfg->pg) {
				fprintf(stderr, "dancu serve: --pg-replica needs --pg\n");
				rc = DC_ERR_INVALID;
				break;
			}
			/* A replica that is down at start is not fatal: reads go to
			 * the primary until the server restarts. */
			if (dc_store_open(cfg->pg_replica, units, &w->replica, err, sizeof err))
				fprintf(stderr, "dancu serve: replica not used: %s\n", err);
		}
		rc = listen_on(cfg->host, port, &w->fd, &port);
		if (rc)
			fprintf(stderr, "dancu serve: cannot listen on %s:%u: %s\n", cfg->host,
			        port, strerror(errno));
	}
	if (rc == DC_OK && !(srv.sessions = dc__session_cache_new()))
		rc = DC_ERR_NOMEM;
	if (rc == DC_OK && !(srv.card_trust = dc__card_trust_new()))
		rc = DC_ERR_NOMEM;
	int want_tls = (cfg->tls_cert && *cfg->tls_cert) || (cfg->tls_key && *cfg->tls_key);
	if (rc == DC_OK && want_tls) {
		if (!cfg->tls_cert || !*cfg->tls_cert || !cfg->tls_key || !*cfg->tls_key) {
			fprintf(stderr, "dancu serve: TLS needs both --tls-cert and --tls-key\n");
			rc = DC_ERR_INVALID;
		} else {
			rc = tls_setup(&srv, cfg->tls_cert, cfg->tls_key, cfg->tls_client_ca);
		}
	}
	if (rc == DC_OK && !want_tls && cfg->tls_client_ca && *cfg->tls_client_ca) {
		fprintf(stderr, "dancu serve: --tls-client-ca needs --tls-cert and --tls-key\n");
		rc = DC_ERR_INVALID;
	}
	if (rc == DC_OK && cfg->audit_checkpoint_s) {
		unsigned char pk[32];
		char err[256] = "";
		char kpath[4096];
		const char *slash = strrchr(cfg->master_key, '/');
		if (cfg->audit_key && *cfg->audit_key)
			snprintf(kpath, sizeof kpath, "%s", cfg->audit_key);
		else
			snprintf(kpath, sizeof kpath, "%.*sdancu-audit.key",
			         slash ? (int)(slash - cfg->master_key + 1) : 0, cfg->master_key);
		rc = dc_audit_key_load(kpath, 1, srv.audit_sk, pk, err, sizeof err);
		if (rc)
			fprintf(stderr, "dancu serve: audit key: %s\n", err);
	}
	if (rc == DC_OK) {
		char err[256] = "";
		rc = dc__committer_start(target, units, 4096 * nthreads,
		                         cfg->audit_checkpoint_s ? checkpoint_now : NULL, &srv,
		                         (unsigned)cfg->audit_checkpoint_s * 1000, &srv.committer,
		                         err, sizeof err);
		if (rc)
			fprintf(stderr, "dancu serve: cannot start the committer: %s: %s\n",
			        dc_strerror(rc), err);
	}
	if (rc == DC_OK && !strcmp(dc_store_backend(srv.workers[0].store), "sqlite")) {
		char err[256] = "";
		rc = dc__walckpt_start(target, 50, &srv.walckpt, err, sizeof err);
		if (rc)
			fprintf(stderr, "dancu serve: cannot start the WAL checkpoint thread: %s\n",
			        err);
	}
	if (rc == DC_OK) {
		unsigned hn = cfg->hash_threads ? (unsigned)cfg->hash_threads : ncores;
		unsigned hq = cfg->hash_queue ? (unsigned)cfg->hash_queue : 8 * hn;
		rc = dc__workpool_start(hn, hq, &srv.hashpool);
		if (rc)
			fprintf(stderr, "dancu serve: cannot start the hash threads: %s\n",
			        dc_strerror(rc));
	}
	if (rc == DC_OK) {
		char err[256] = "";
		struct dc_webhook_opts wo = {
		        0, (unsigned)cfg->webhook_retry_ms, (unsigned)cfg->webhook_budget,
		        (unsigned)cfg->webhook_timeout_ms, cfg->webhook_jws_key};
		rc = dc_webhook_start(target, units, &wo, srv.key, &srv.pusher, err, sizeof err);
		if (rc)
			fprintf(stderr, "dancu serve: cannot start the webhook pusher: %s\n", err);
	}
	if (rc)
		goto cleanup;

	/* Signals go to the main thread only, which waits for them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_create(&srv.workers[i].thread, NULL, worker_main, &srv.workers[i]);
	srv.nworkers = nthreads;
	fprintf(stderr, "dancu: listening on %s://%s:%u (%u event loops, %s store)\n",
	        srv.tls ? "https" : "http", cfg->host, port, nthreads,
	        dc_store_backend(srv.workers[0].store));
	fflush(stderr);
	int sig = 0;
	sigwait(&sigs, &sig);
	fprintf(stderr, "dancu: %s received, draining\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	atomic_store(&srv.stop, 1);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(srv.workers[i].thread, NULL);
	fprintf(stderr, "dancu: stopped\n");
cleanup:
	dc_webhook_stop(srv.pusher);
	dc__workpool_stop(srv.hashpool);
	dc__committer_stop(srv.committer);
	dc__walckpt_stop(srv.walckpt);
	dc__session_cache_free(srv.sessions);
	dc__card_trust_free(srv.card_trust);
	if (srv.tls)
		SSL_CTX_free(srv.tls);
	for (unsigned i = 0; i < nthreads; i++) {
		dc_store_close(srv.workers[i].store);
		dc_store_close(srv.workers[i].replica);
		if (!srv.nworkers && srv.workers[i].fd >= 0)
			close(srv.workers[i].fd);
	}
	h2o_config_dispose(&srv.h2o);
	dc_calendar_free(srv.cal);
	free(srv.workers);
	sodium_memzero(srv.key, sizeof srv.key);
	sodium_memzero(srv.audit_sk, sizeof srv.audit_sk);
	if (srv.log && srv.log != stderr)
		fclose(srv.log);
	return rc;
}
