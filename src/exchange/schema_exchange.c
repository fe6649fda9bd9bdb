/*
 * schema_exchange.c — tables of connected agencies (dancu/exchange.h): the
 * agency row (subscriptions, write permissions, webhook state), attributes
 * agencies write back, and the webhook dead-letter list.
 *
 * On PostgreSQL it also makes event.seq commit order: a BEFORE INSERT
 * trigger takes the audit log's transaction-level advisory lock and only
 * then draws the number, so numbers are drawn in the order the writers
 * will commit (the lock is held to commit). Sharing the audit lock, which
 * nearly every write takes anyway, means the two can never deadlock. SQLite
 * has one writer at a time, so rowid order is commit order already.
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_exchange(enum dc__dialect d, struct dc_buf *o)
{
	dc_buf_adds(o,
	            "CREATE TABLE agency (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
	            "fields TEXT NOT NULL, writes TEXT NOT NULL DEFAULT '', disabled INTEGER NOT "
	            "NULL DEFAULT 0, created_ms BIGINT NOT NULL, webhook_url TEXT NOT NULL "
	            "DEFAULT '', webhook_sealed TEXT, webhook_version BIGINT NOT NULL DEFAULT 0, "
	            "webhook_cursor BIGINT NOT NULL DEFAULT 0, attempts BIGINT NOT NULL DEFAULT "
	            "0, next_try_ms BIGINT NOT NULL DEFAULT 0, last_error TEXT);\n"
	            "CREATE TABLE agency_attribute (pin TEXT NOT NULL, agency TEXT NOT NULL, "
	            "name TEXT NOT NULL, value TEXT NOT NULL, at_ms BIGINT NOT NULL, PRIMARY KEY "
	            "(pin, agency, name));\n"
	            "CREATE TABLE webhook_dead (agency TEXT NOT NULL, seq BIGINT NOT NULL, "
	            "attempts BIGINT NOT NULL, last_error TEXT, dead_ms BIGINT NOT NULL, "
	            "replay_ms BIGINT NOT NULL DEFAULT 0, delivered_ms BIGINT NOT NULL DEFAULT 0, "
	            "PRIMARY KEY (agency, seq));\n");
	if (d == DC__PG)
		dc_buf_adds(o,
		            "CREATE FUNCTION dc_event_commit_order() RETURNS trigger LANGUAGE "
		            "plpgsql AS $f$ BEGIN PERFORM pg_advisory_xact_lock(602007); NEW.seq "
		            ":= nextval(pg_get_serial_sequence('event', 'seq')); RETURN NEW; END "
		            "$f$;\n"
		            "CREATE TRIGGER event_commit_order BEFORE INSERT ON event FOR EACH ROW "
		            "EXECUTE FUNCTION dc_event_commit_order();\n");
	return dc_buf_error(o);
}
