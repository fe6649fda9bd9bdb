/*
 * dancu/server.h — `dancu serve`: the HTTP/1.1 and HTTP/2 server (libh2o,
 * evloop), its settings and its lifecycle.
 *
 * Settings come from one table (DC_SETTINGS): name, default, range, the
 * environment variable that may set it and help text. They are read once at
 * start-up (defaults → environment → command-line flags) and are read-only
 * afterwards.
 *
 * One event loop per thread (`threads`, default: one per core), each with its
 * own listening socket on the same port (SO_REUSEPORT) and its own store
 * connection. SIGTERM or SIGINT stops accepting, lets requests in flight
 * finish (up to `drain_ms`), closes the stores and returns.
 *
 * Every response is JSON; every error is an RFC 9457 problem+json document
 * whose "code" is the stable code of the error enum; every response carries
 * an X-Request-Id; every request is written to the access log as one JSON
 * line.
 */
#ifndef DANCU_SERVER_H
#define DANCU_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct dc_units;

/* X(name, type, default, min, max, env, help); type: S string, U unsigned */
#define DC_SETTINGS(X)                                                                           \
	X(host, S, "127.0.0.1", 0, 0, "DANCU_HOST", "address to listen on")                      \
	X(port, U, "8080", 0, 65535, "DANCU_PORT",                                               \
	  "TCP port (0: any free port, printed at start)")                                       \
	X(threads, U, "0", 0, 256, "DANCU_THREADS", "event loops (0: one per core)")             \
	X(db, S, "dancu.db", 0, 0, "DANCU_DB", "SQLite database file")                           \
	X(pg, S, "", 0, 0, "DANCU_PG", "PostgreSQL conninfo (instead of SQLite)")                \
	X(max_body, U, "1048576", 1024, 1073741824, "DANCU_MAX_BODY",                            \
	  "largest request body, bytes")                                                         \
	X(drain_ms, U, "10000", 0, 600000, "DANCU_DRAIN_MS",                                     \
	  "time given to requests in flight at shutdown")                                        \
	X(access_log, S, "-", 0, 0, "DANCU_ACCESS_LOG",                                          \
	  "access log file ('-': standard error, '': off)")                                      \
	X(master_key, S, "dancu.key", 0, 0, "DANCU_MASTER_KEY",                                  \
	  "master key file (created with mode 0600 if missing)")                                 \
	X(holidays, S, "", 0, 0, "DANCU_HOLIDAYS",                                               \
	  "holiday file overriding the built-in working-day calendar")                           \
	X(pg_replica, S, "", 0, 0, "DANCU_PG_REPLICA",                                           \
	  "PostgreSQL hot standby for record reads (with --pg)")                                 \
	X(replica_lag_ms, U, "2000", 0, 600000, "DANCU_REPLICA_LAG_MS",                          \
	  "reads go to the primary while the replica is further behind")                         \
	X(audit_key, S, "", 0, 0, "DANCU_AUDIT_KEY",                                             \
	  "audit checkpoint signing key, mode 0600 (default: dancu-audit.key beside the master " \
	  "key)")                                                                                \
	X(audit_checkpoint_s, U, "60", 0, 86400, "DANCU_AUDIT_CHECKPOINT_S",                     \
	  "seconds between signed audit checkpoints (0: none)")                                  \
	X(tls_cert, S, "", 0, 0, "DANCU_TLS_CERT",                                               \
	  "TLS certificate chain (PEM); with tls_key, serve HTTPS")                              \
	X(tls_key, S, "", 0, 0, "DANCU_TLS_KEY", "TLS private key (PEM, mode 0600)")             \
	X(tls_client_ca, S, "", 0, 0, "DANCU_TLS_CLIENT_CA",                                     \
	  "CA certificates (PEM) for organisations' client certificates (mTLS); with tls_cert")  \
	X(job_dir, S, "dancu-jobs", 0, 0, "DANCU_JOB_DIR",                                       \
	  "directory for batch verification uploads and results (created if missing)")           \
	X(hash_threads, U, "0", 0, 256, "DANCU_HASH_THREADS",                                    \
	  "threads checking passwords (argon2id) off the event loops (0: one per core)")         \
	X(hash_queue, U, "0", 0, 100000, "DANCU_HASH_QUEUE",                                     \
	  "password checks allowed to wait; past it logins get 429 (0: 8 per hash thread)")      \
	X(webhook_budget, U, "8", 1, 100, "DANCU_WEBHOOK_BUDGET",                                \
	  "delivery attempts of a webhook event before it goes to the dead-letter list")         \
	X(webhook_retry_ms, U, "1000", 10, 600000, "DANCU_WEBHOOK_RETRY_MS",                     \
	  "first webhook retry delay, doubled per attempt (capped at 5 minutes)")                \
	X(webhook_timeout_ms, U, "5000", 100, 60000, "DANCU_WEBHOOK_TIMEOUT_MS",                 \
	  "time a webhook receiver has to answer")                                               \
	X(card_trust, S, "", 0, 0, "DANCU_CARD_TRUST",                                           \
	  "CSCA trust list for chip verification: a PEM file or a directory of them (CRLs too)") \
	X(attachment_max, U, "1048576", 1, 1073741824, "DANCU_ATTACHMENT_MAX",                   \
	  "largest dossier attachment, bytes (uploads are also bounded by max_body)")            \
	X(webhook_jws_key, S, "", 0, 0, "DANCU_WEBHOOK_JWS_KEY",                                 \
	  "ES256 JWK file (mode 0600, `dancu agency jws-key`): webhooks also carry X-Dancu-JWS")

struct dc_settings {
	const char *host;
	uint64_t port;
	uint64_t threads;
	const char *db;
	const char *pg;
	uint64_t max_body;
	uint64_t drain_ms;
	const char *access_log;
	const char *master_key;
	const char *holidays;
	const char *pg_replica;
	uint64_t replica_lag_ms;
	const char *audit_key;
	uint64_t audit_checkpoint_s;
	const char *tls_cert;
	const char *tls_key;
	const char *tls_client_ca;
	const char *job_dir;
	uint64_t hash_threads;
	uint64_t hash_queue;
	uint64_t webhook_budget;
	uint64_t webhook_retry_ms;
	uint64_t webhook_timeout_ms;
	const char *card_trust;
	uint64_t attachment_max;
	const char *webhook_jws_key;
};

/* Fills s with the defaults, then the environment. Strings are borrowed
 * (static defaults or environ) and stay valid for the life of the process.
 * Returns DC_OK, or DC_ERR_INVALID with the reason in err. */
int dc_settings_load(struct dc_settings *s, char *err, size_t errlen);

/* Sets one setting by name from text (a command-line flag). DC_ERR_INVALID
 * with the reason in err for an unknown name or a value out of range. The
 * value is borrowed. */
int dc_settings_set(struct dc_settings *s, const char *name, const char *value, char *err,
                    size_t errlen);

/* Number of settings and the name/help of setting i (for usage text). */
size_t dc_settings_count(void);
const char *dc_settings_name(size_t i);
const char *dc_settings_help(size_t i);
const char *dc_settings_default(size_t i);

/* Runs the server until SIGTERM/SIGINT. Prints
 * "dancu: listening on http://HOST:PORT" to standard error when ready.
 * Returns DC_OK after a clean shutdown, or an error (could not bind, open
 * the store, …) with the reason printed to standard error. */
int dc_server_run(const struct dc_settings *s, const struct dc_units *units);

#endif
