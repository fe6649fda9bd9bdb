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
#include "exchange/exchange_internal.h"

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

/* The second migration of the exchange: service dossiers, their history
 * and payments (dancu/services.h). */
int dc__schema_services(enum dc__dialect d, struct dc_buf *o)
{
	dc_buf_addf(o,
	            "CREATE TABLE svc_dossier (id TEXT NOT NULL PRIMARY KEY, service TEXT NOT "
	            "NULL, applicant TEXT NOT NULL, subject TEXT, channel TEXT NOT NULL, state "
	            "TEXT NOT NULL, commune TEXT NOT NULL, province TEXT NOT NULL, queue TEXT NOT "
	            "NULL, parent TEXT, step "
	            "INTEGER NOT NULL DEFAULT 0, data_json TEXT NOT NULL, prefill_json TEXT NOT "
	            "NULL, result_json TEXT, submitted_ms BIGINT NOT NULL, deadline_ms BIGINT NOT "
	            "NULL, closed_ms BIGINT NOT NULL DEFAULT 0, fee_vnd BIGINT NOT NULL DEFAULT 0, "
	            "paid_vnd BIGINT NOT NULL DEFAULT 0);\n"
	            "CREATE INDEX svc_dossier_open ON svc_dossier (commune, state, deadline_ms);\n"
	            "CREATE INDEX svc_dossier_queue ON svc_dossier (queue, state);\n"
	            "CREATE INDEX svc_dossier_applicant ON svc_dossier (applicant);\n"
	            "CREATE INDEX svc_dossier_parent ON svc_dossier (parent) WHERE parent IS NOT "
	            "NULL;\n"
	            "CREATE TABLE svc_history (seq %s, dossier TEXT NOT NULL, from_state TEXT, "
	            "to_state TEXT NOT NULL, at_ms BIGINT NOT NULL, actor TEXT NOT NULL, note "
	            "TEXT);\n"
	            "CREATE INDEX svc_history_dossier ON svc_history (dossier, seq);\n"
	            "CREATE TABLE svc_payment (ref TEXT NOT NULL PRIMARY KEY, dossier TEXT NOT "
	            "NULL, amount_vnd BIGINT NOT NULL, gateway TEXT NOT NULL, at_ms BIGINT NOT "
	            "NULL, actor TEXT NOT NULL);\n"
	            "CREATE INDEX svc_payment_dossier ON svc_payment (dossier);\n",
	            d == DC__PG ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
	return dc_buf_error(o);
}

/* The third migration of the exchange: dossier attachments (svc_attachment,
 * dancu/attachment.h; the bytes as base64 text) and the dashboard's
 * per-commune counters (stats_commune, see exchange_internal.h), filled
 * from the tables once.
 * Citizen rows are counted by the store in the writing transaction
 * (store.c); cards by triggers on the card table, so every writer of a card
 * keeps them without knowing of them. A card counts for the commune of its
 * holder's row at the time of the change; a move of the holder moves its
 * cards' count (store.c). On PostgreSQL the card trigger first takes the
 * register's transaction lock (as every event insert does, see above), so
 * the counter rows are locked only by its holder: no deadlock between a
 * card writer and a register writer over them. */
int dc__schema_stats_attachments(enum dc__dialect d, struct dc_buf *o)
{
	dc_buf_adds(o,
	            "CREATE TABLE svc_attachment (id TEXT NOT NULL PRIMARY KEY, dossier TEXT NOT "
	            "NULL, name TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, "
	            "sha256 TEXT NOT NULL, content TEXT NOT NULL, actor TEXT NOT NULL, at_ms "
	            "BIGINT NOT NULL);\n"
	            "CREATE INDEX svc_attachment_dossier ON svc_attachment (dossier, at_ms);\n");
	dc_buf_adds(o, "CREATE TABLE stats_commune (commune TEXT NOT NULL PRIMARY KEY, citizens "
	               "BIGINT NOT NULL DEFAULT 0, fields BIGINT NOT NULL DEFAULT 0, cards BIGINT "
	               "NOT NULL DEFAULT 0);\n" DC__STATS_FILL_SQL);
	if (d == DC__PG) {
		dc_buf_adds(
		        o,
		        "CREATE FUNCTION dc_stats_card() RETURNS trigger LANGUAGE plpgsql AS $f$ "
		        "BEGIN PERFORM pg_advisory_xact_lock(602007); IF TG_OP <> 'INSERT' THEN IF "
		        "OLD.issued IS NOT NULL THEN UPDATE "
		        "stats_commune SET cards = cards - 1 WHERE commune = (SELECT perm_commune "
		        "FROM citizen WHERE pin = OLD.pin); END IF; END IF; IF TG_OP <> 'DELETE' "
		        "THEN IF NEW.issued IS NOT NULL THEN INSERT INTO stats_commune (commune, "
		        "cards) SELECT perm_commune, 1 FROM citizen WHERE pin = NEW.pin AND "
		        "perm_commune IS NOT NULL ON CONFLICT (commune) DO UPDATE SET cards = "
		        "stats_commune.cards + 1; END IF; END IF; RETURN NULL; END $f$;\n"
		        "CREATE TRIGGER stats_card AFTER INSERT OR UPDATE OF pin, issued OR DELETE "
		        "ON card FOR EACH ROW EXECUTE FUNCTION dc_stats_card();\n");
	} else {
		dc_buf_adds(
		        o,
		        "CREATE TRIGGER stats_card_ins AFTER INSERT ON card WHEN NEW.issued IS NOT "
		        "NULL BEGIN INSERT INTO stats_commune (commune, cards) SELECT "
		        "perm_commune, "
		        "1 FROM citizen WHERE pin = NEW.pin AND perm_commune IS NOT NULL ON "
		        "CONFLICT "
		        "(commune) DO UPDATE SET cards = cards + 1; END;\n"
		        "CREATE TRIGGER stats_card_del AFTER DELETE ON card WHEN OLD.issued IS NOT "
		        "NULL BEGIN UPDATE stats_commune SET cards = cards - 1 WHERE commune = "
		        "(SELECT perm_commune FROM citizen WHERE pin = OLD.pin); END;\n"
		        "CREATE TRIGGER stats_card_upd AFTER UPDATE OF pin, issued ON card BEGIN "
		        "UPDATE stats_commune SET cards = cards - 1 WHERE OLD.issued IS NOT NULL "
		        "AND "
		        "commune = (SELECT perm_commune FROM citizen WHERE pin = OLD.pin); INSERT "
		        "INTO stats_commune (commune, cards) SELECT perm_commune, 1 FROM citizen "
		        "WHERE NEW.issued IS NOT NULL AND pin = NEW.pin AND perm_commune IS NOT "
		        "NULL "
		        "ON CONFLICT (commune) DO UPDATE SET cards = cards + 1; END;\n");
	}
	return dc_buf_error(o);
}
