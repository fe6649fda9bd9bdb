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

/* --- e-ID, dossier and stay counters (exchange_internal.h) ----------------
 * The trigger bodies are written by the helpers below; r is the row (OLD,
 * NEW or a), p a PIN expression, "cm" a commune expression. */

/* 1 when account row r counts as approved / activated. */
static void eid_flags(struct dc_buf *o, const char *r)
{
	dc_buf_addf(o,
	            "CASE WHEN %s.state IN ('approved', 'active', 'locked') THEN 1 ELSE 0 END, "
	            "CASE WHEN %s.state IN ('active', 'locked') THEN 1 ELSE 0 END",
	            r, r);
}

static void eid_on_conflict(struct dc_buf *o)
{
	dc_buf_adds(o, " ON CONFLICT (commune) DO UPDATE SET collected = stats_eid.collected + "
	               "excluded.collected, approved = stats_eid.approved + excluded.approved, "
	               "activated = stats_eid.activated + excluded.activated; ");
}

/* Account row r (OLD or NEW of eid_account) leaves its holder's commune. */
static void eid_row_sub(struct dc_buf *o, const char *r)
{
	dc_buf_addf(o,
	            "UPDATE stats_eid SET collected = collected - 1, approved = approved - CASE "
	            "WHEN %s.state IN ('approved', 'active', 'locked') THEN 1 ELSE 0 END, "
	            "activated = activated - CASE WHEN %s.state IN ('active', 'locked') THEN 1 "
	            "ELSE 0 END WHERE commune = coalesce((SELECT perm_commune FROM citizen WHERE "
	            "pin = %s.pin), ''); ",
	            r, r, r);
}

/* Account row r joins its holder's commune. */
static void eid_row_add(struct dc_buf *o, const char *r)
{
	dc_buf_addf(o,
	            "INSERT INTO stats_eid (commune, collected, approved, activated) SELECT "
	            "coalesce((SELECT perm_commune FROM citizen WHERE pin = %s.pin), ''), 1, ",
	            r);
	eid_flags(o, r);
	dc_buf_adds(o, " WHERE 1 = 1");
	eid_on_conflict(o);
}

/* The account of citizen number p (if any) leaves commune `from`, when
 * cond (SQL, may be empty: " AND …") holds. */
static void eid_pin_sub(struct dc_buf *o, const char *p, const char *from, const char *cond)
{
	dc_buf_addf(o,
	            "UPDATE stats_eid SET collected = collected - 1, approved = approved - (SELECT "
	            "CASE WHEN a.state IN ('approved', 'active', 'locked') THEN 1 ELSE 0 END FROM "
	            "eid_account a WHERE a.pin = %s), activated = activated - (SELECT CASE WHEN "
	            "a.state IN ('active', 'locked') THEN 1 ELSE 0 END FROM eid_account a WHERE "
	            "a.pin = %s) WHERE commune = %s AND EXISTS (SELECT 1 FROM eid_account a WHERE "
	            "a.pin = %s)%s; ",
	            p, p, from, p, cond);
}

/* The account of citizen number p (if any) joins commune `to`. */
static void eid_pin_add(struct dc_buf *o, const char *p, const char *to, const char *cond)
{
	dc_buf_addf(
	        o, "INSERT INTO stats_eid (commune, collected, approved, activated) SELECT %s, 1, ",
	        to);
	eid_flags(o, "a");
	dc_buf_addf(o, " FROM eid_account a WHERE a.pin = %s%s", p, cond);
	eid_on_conflict(o);
}

/* Dossier row r (top level only) joins / leaves its service and commune. */
static void dossier_add(struct dc_buf *o, const char *r)
{
	dc_buf_addf(o,
	            "INSERT INTO stats_dossier (service, commune, province, online, offline) "
	            "SELECT %s.service, %s.commune, %s.province, CASE WHEN %s.channel = 'online' "
	            "THEN 1 ELSE 0 END, CASE WHEN %s.channel = 'offline' THEN 1 ELSE 0 END WHERE "
	            "%s.parent IS NULL ON CONFLICT (service, commune, province) DO UPDATE SET "
	            "online = stats_dossier.online + excluded.online, offline = "
	            "stats_dossier.offline + excluded.offline; ",
	            r, r, r, r, r, r);
}

static void dossier_sub(struct dc_buf *o, const char *r)
{
	dc_buf_addf(o,
	            "UPDATE stats_dossier SET online = online - CASE WHEN %s.channel = 'online' "
	            "THEN 1 ELSE 0 END, offline = offline - CASE WHEN %s.channel = 'offline' THEN "
	            "1 ELSE 0 END WHERE %s.parent IS NULL AND service = %s.service AND commune = "
	            "%s.commune AND province = %s.province; ",
	            r, r, r, r, r, r);
}

/* A citizen row's update that moves its e-ID account: from the old
 * commune to the new one, or, when the number changes (re-established),
 * the old number's account to no commune and the new number's (if any)
 * from no commune to the row's. */
static void eid_move(struct dc_buf *o, int pg)
{
	eid_pin_sub(o, "OLD.pin", "coalesce(OLD.perm_commune, '')", "");
	eid_pin_add(o, "OLD.pin",
	            "CASE WHEN NEW.pin = OLD.pin THEN coalesce(NEW.perm_commune, '') ELSE '' END",
	            "");
	if (pg)
		dc_buf_adds(o, "IF NEW.pin <> OLD.pin THEN ");
	eid_pin_sub(o, "NEW.pin", "''", pg ? "" : " AND NEW.pin <> OLD.pin");
	eid_pin_add(o, "NEW.pin", "coalesce(NEW.perm_commune, '')",
	            pg ? "" : " AND NEW.pin <> OLD.pin");
	if (pg)
		dc_buf_adds(o, "END IF; ");
}

/* The fourth migration of the exchange: counters for the dashboard's e-ID,
 * dossier and stay figures (stats_eid, stats_dossier, stats_stay and
 * stats_stay_total; see
 * exchange_internal.h), filled from the tables once, so the dashboard reads
 * a few thousand rows whatever the number of accounts, dossiers and stays.
 * e-ID accounts count for their holder's commune: triggers on eid_account
 * (new account, state change, removal) and on citizen (a move, a new
 * number) keep them exact. On PostgreSQL both take the register's
 * transaction lock first, as the card trigger does (stats_eid rows are
 * written by e-ID and register writers alike; see
 * dc__schema_stats_attachments). Dossiers: triggers on svc_dossier (only
 * they write stats_dossier, one row per dossier, so no lock). Stays: stay.c
 * adds one row per report and arrival day, in day order (a report's rows
 * are all in its business's commune), then the report to its commune's
 * total (what the dashboard reads: the per-day rows grow by one per
 * commune and day). */
int dc__schema_stats_more(enum dc__dialect d, struct dc_buf *o)
{
	dc_buf_adds(o, "CREATE TABLE stats_eid (commune TEXT NOT NULL PRIMARY KEY, collected "
	               "BIGINT NOT NULL DEFAULT 0, approved BIGINT NOT NULL DEFAULT 0, activated "
	               "BIGINT NOT NULL DEFAULT 0);\n"
	               "CREATE TABLE stats_dossier (service TEXT NOT NULL, commune TEXT NOT NULL, "
	               "province TEXT NOT NULL, online BIGINT NOT NULL DEFAULT 0, offline BIGINT "
	               "NOT NULL DEFAULT 0, PRIMARY KEY (service, commune, province));\n"
	               "CREATE INDEX stats_dossier_province ON stats_dossier (province);\n"
	               "CREATE TABLE stats_stay (commune TEXT NOT NULL, day TEXT NOT NULL, "
	               "province TEXT NOT NULL, stays BIGINT NOT NULL DEFAULT 0, late BIGINT NOT "
	               "NULL DEFAULT 0, PRIMARY KEY (commune, day, province));\n"
	               "CREATE INDEX stats_stay_province ON stats_stay (province, day);\n"
	               "CREATE TABLE stats_stay_total (commune TEXT NOT NULL, province TEXT NOT "
	               "NULL, stays BIGINT NOT NULL DEFAULT 0, late BIGINT NOT NULL DEFAULT 0, "
	               "PRIMARY KEY (commune, province));\n");
	dc_buf_adds(o, DC__STATS_FILL_MORE_SQL);
	if (d == DC__PG) {
		dc_buf_adds(o, "CREATE FUNCTION dc_stats_eid() RETURNS trigger LANGUAGE plpgsql AS "
		               "$f$ BEGIN PERFORM pg_advisory_xact_lock(602007); IF TG_OP <> "
		               "'INSERT' THEN ");
		eid_row_sub(o, "OLD");
		dc_buf_adds(o, "END IF; IF TG_OP <> 'DELETE' THEN ");
		eid_row_add(o, "NEW");
		dc_buf_adds(o,
		            "END IF; RETURN NULL; END $f$;\n"
		            "CREATE TRIGGER stats_eid AFTER INSERT OR DELETE ON eid_account FOR "
		            "EACH ROW EXECUTE FUNCTION dc_stats_eid();\n"
		            "CREATE TRIGGER stats_eid_upd AFTER UPDATE OF pin, state ON "
		            "eid_account FOR EACH ROW WHEN (OLD.pin IS DISTINCT FROM NEW.pin OR "
		            "OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION "
		            "dc_stats_eid();\n"
		            "CREATE FUNCTION dc_stats_eid_move() RETURNS trigger LANGUAGE plpgsql "
		            "AS $f$ BEGIN PERFORM pg_advisory_xact_lock(602007); ");
		eid_move(o, 1);
		dc_buf_adds(o,
		            "RETURN NULL; END $f$;\n"
		            "CREATE TRIGGER stats_eid_move AFTER UPDATE OF pin, perm_commune ON "
		            "citizen FOR EACH ROW WHEN (OLD.pin IS DISTINCT FROM NEW.pin OR "
		            "OLD.perm_commune IS DISTINCT FROM NEW.perm_commune) EXECUTE FUNCTION "
		            "dc_stats_eid_move();\n"
		            "CREATE FUNCTION dc_stats_dossier() RETURNS trigger LANGUAGE plpgsql "
		            "AS $f$ BEGIN IF TG_OP <> 'INSERT' THEN ");
		dossier_sub(o, "OLD");
		dc_buf_adds(o, "END IF; IF TG_OP <> 'DELETE' THEN ");
		dossier_add(o, "NEW");
		dc_buf_adds(o,
		            "END IF; RETURN NULL; END $f$;\n"
		            "CREATE TRIGGER stats_dossier AFTER INSERT OR UPDATE OF service, "
		            "commune, province, channel, parent OR DELETE ON svc_dossier FOR EACH "
		            "ROW EXECUTE FUNCTION dc_stats_dossier();\n");
		return dc_buf_error(o);
	}
	dc_buf_adds(o, "CREATE TRIGGER stats_eid_ins AFTER INSERT ON eid_account BEGIN ");
	eid_row_add(o, "NEW");
	dc_buf_adds(o, "END;\nCREATE TRIGGER stats_eid_del AFTER DELETE ON eid_account BEGIN ");
	eid_row_sub(o, "OLD");
	dc_buf_adds(o, "END;\nCREATE TRIGGER stats_eid_upd AFTER UPDATE OF pin, state ON "
	               "eid_account WHEN OLD.pin IS NOT NEW.pin OR OLD.state IS NOT NEW.state "
	               "BEGIN ");
	eid_row_sub(o, "OLD");
	eid_row_add(o, "NEW");
	dc_buf_adds(o, "END;\nCREATE TRIGGER stats_eid_move AFTER UPDATE OF pin, perm_commune ON "
	               "citizen WHEN OLD.pin IS NOT NEW.pin OR OLD.perm_commune IS NOT "
	               "NEW.perm_commune BEGIN ");
	eid_move(o, 0);
	dc_buf_adds(o, "END;\nCREATE TRIGGER stats_dossier_ins AFTER INSERT ON svc_dossier BEGIN ");
	dossier_add(o, "NEW");
	dc_buf_adds(o, "END;\nCREATE TRIGGER stats_dossier_del AFTER DELETE ON svc_dossier BEGIN ");
	dossier_sub(o, "OLD");
	dc_buf_adds(o, "END;\nCREATE TRIGGER stats_dossier_upd AFTER UPDATE OF service, commune, "
	               "province, channel, parent ON svc_dossier BEGIN ");
	dossier_sub(o, "OLD");
	dossier_add(o, "NEW");
	dc_buf_adds(o, "END;\n");
	return dc_buf_error(o);
}
