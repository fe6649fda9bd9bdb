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

/* SQL pieces of the e-ID, dossier and stay counters (exchange_internal.h). */
#define EID_COMMUNE(p) "coalesce((SELECT perm_commune FROM citizen WHERE pin = " p "), '')"
#define EID_ADD_ON_CONFLICT                                                                   \
	" ON CONFLICT (commune) DO UPDATE SET collected = stats_eid.collected + "             \
	"excluded.collected, approved = stats_eid.approved + excluded.approved, activated = " \
	"stats_eid.activated + excluded.activated"
#define DOSSIER_ADD(r)                                                                        \
	"INSERT INTO stats_dossier (service, commune, province, online, offline) SELECT " r   \
	".service, " r ".commune, " r ".province, CASE WHEN " r ".channel = 'online' THEN 1 " \
	"ELSE 0 END, CASE WHEN " r ".channel = 'offline' THEN 1 ELSE 0 END WHERE " r          \
	".parent IS NULL ON CONFLICT (service, commune, province) DO UPDATE SET online = "    \
	"stats_dossier.online + excluded.online, offline = stats_dossier.offline + "          \
	"excluded.offline"
#define DOSSIER_SUB(r)                                                                        \
	"UPDATE stats_dossier SET online = online - CASE WHEN " r ".channel = 'online' THEN " \
	"1 ELSE 0 END, offline = offline - CASE WHEN " r ".channel = 'offline' THEN 1 ELSE "  \
	"0 END WHERE " r ".parent IS NULL AND service = " r ".service AND commune = " r       \
	".commune AND province = " r ".province"
/* The account of citizen number p (if any) leaves commune `from` / joins
 * commune `to` (SQL expressions). */
#define EID_SUB_OF(p, from)                                                                        \
	"UPDATE stats_eid SET collected = collected - 1, approved = approved - "                   \
	"(SELECT " DC__EID_APPROVED_SQL(                                                           \
	        "a") " FROM eid_account a WHERE a.pin = " p "), activated = "                      \
	             "activated - (SELECT " DC__EID_ACTIVE_SQL(                                    \
	                     "a") " FROM eid_account a WHERE a.pin = " p ") WHERE commune = " from \
	                          " AND EXISTS (SELECT 1 FROM eid_account a WHERE a.pin = " p ")"
#define EID_ADD_OF(p, to, cond)                                                      \
	"INSERT INTO stats_eid (commune, collected, approved, activated) SELECT " to \
	", 1, " DC__EID_APPROVED_SQL("a") ", " DC__EID_ACTIVE_SQL(                   \
	        "a") " FROM eid_account a WHERE a.pin = " p cond EID_ADD_ON_CONFLICT

/* The fourth migration of the exchange: counters for the dashboard's e-ID,
 * dossier and stay figures (stats_eid, stats_dossier, stats_stay; see
 * exchange_internal.h), filled from the tables once, so the dashboard reads
 * a few thousand rows whatever the volume of accounts, dossiers and stays.
 * e-ID accounts count for their holder's commune: triggers on eid_account
 * (new account, state change, removal) and on citizen (a move, a new
 * number) keep them exact. On PostgreSQL both take the register's
 * transaction lock first, as the card trigger does (stats_eid rows are
 * written by e-ID and register writers alike; see dc__schema_stats_attachments).
 * Dossiers: triggers on svc_dossier (only they write stats_dossier, one row
 * per dossier, so no lock). Stays: stay.c adds one row per report and day,
 * in day order (the rows of one report are one business's commune). */
int dc__schema_stats_more(enum dc__dialect d, struct dc_buf *o)
{
	dc_buf_adds(o,
	            "CREATE TABLE stats_eid (commune TEXT NOT NULL PRIMARY KEY, collected BIGINT "
	            "NOT NULL DEFAULT 0, approved BIGINT NOT NULL DEFAULT 0, activated BIGINT NOT "
	            "NULL DEFAULT 0);\n"
	            "CREATE TABLE stats_dossier (service TEXT NOT NULL, commune TEXT NOT NULL, "
	            "province TEXT NOT NULL, online BIGINT NOT NULL DEFAULT 0, offline BIGINT NOT "
	            "NULL DEFAULT 0, PRIMARY KEY (service, commune, province));\n"
	            "CREATE INDEX stats_dossier_province ON stats_dossier (province);\n"
	            "CREATE TABLE stats_stay (commune TEXT NOT NULL, day TEXT NOT NULL, province "
	            "TEXT NOT NULL, stays BIGINT NOT NULL DEFAULT 0, late BIGINT NOT NULL DEFAULT "
	            "0, PRIMARY KEY (commune, day));\n"
	            "CREATE INDEX stats_stay_province ON stats_stay (province, "
	            "day);\n" DC__STATS_FILL_MORE_SQL);
	if (d == DC__PG) {
		dc_buf_adds(o,
		            "CREATE FUNCTION dc_stats_eid() RETURNS trigger LANGUAGE plpgsql AS "
		            "$f$ "
		            "BEGIN PERFORM pg_advisory_xact_lock(602007); IF TG_OP <> 'INSERT' "
		            "THEN "
		            "UPDATE stats_eid SET collected = collected - 1, approved = approved - "
		            "(" DC__EID_APPROVED_SQL(
		                    "OLD") "), activated = activated - "
		                           "(" DC__EID_ACTIVE_SQL("OLD") ") WHERE commune "
		                                                         "= " EID_COMMUNE(
		                                                                 "OLD.pin") "; "
		                                                                            "END "
		                                                                            "IF; "
		                                                                            "IF "
		                                                                            "TG_OP "
		                                                                            "<> "
		                                                                            "'DELET"
		                                                                            "E' "
		                                                                            "THEN "
		                                                                            "INSERT"
		                                                                            " INTO "
		                                                                            "stats_"
		                                                                            "eid "
		                                                                            "(commu"
		                                                                            "ne, "
		                                                                            "collec"
		                                                                            "ted, "
		                                                                            "approv"
		                                                                            "ed, "
		                                                                            "activa"
		                                                                            "ted) "
		                                                                            "VALUES"
		                                                                            " "
		                                                                            "(" EID_COMMUNE(
		                                                                                    "NEW.pin") ", 1, " DC__EID_APPROVED_SQL("NEW") ", " DC__EID_ACTIVE_SQL("NEW") ")" EID_ADD_ON_CONFLICT
		                                                                                                                                                                  "; END IF; RETURN NULL; END $f$;\n"
		                                                                                                                                                                  "CREATE TRIGGER stats_eid AFTER INSERT OR DELETE ON eid_account FOR EACH "
		                                                                                                                                                                  "ROW EXECUTE FUNCTION dc_stats_eid();\n"
		                                                                                                                                                                  "CREATE TRIGGER stats_eid_upd AFTER UPDATE OF pin, state ON eid_account "
		                                                                                                                                                                  "FOR EACH ROW WHEN (OLD.pin IS DISTINCT FROM NEW.pin OR OLD.state IS "
		                                                                                                                                                                  "DISTINCT FROM NEW.state) EXECUTE FUNCTION dc_stats_eid();\n"
		                                                                                                                                                                  "CREATE FUNCTION dc_stats_eid_move() RETURNS trigger LANGUAGE plpgsql AS "
		                                                                                                                                                                  "$f$ BEGIN PERFORM pg_advisory_xact_lock(602007); " EID_SUB_OF("OLD.pin", "coalesce(OLD.perm_commune, '')") "; " EID_ADD_OF("OLD.pin",
		                                                                                                                                                                                                                                                                                              "CASE WHEN NEW.pin = OLD.pin THEN "
		                                                                                                                                                                                                                                                                                              "coalesce(NEW.perm_commune, '') ELSE '' END",
		                                                                                                                                                                                                                                                                                              "") "; "
		                                                                                                                                                                                                                                                                                                  "IF NEW.pin <> OLD.pin THEN " EID_SUB_OF("NEW.pin", "''") "; " EID_ADD_OF("NEW.pin",
		                                                                                                                                                                                                                                                                                                                                                                            "coalesce(NEW.perm_commune, '')", "") "; END IF; "
		                                                                                                                                                                                                                                                                                                                                                                                                                  "RETURN NULL; END $f$;\n"
		                                                                                                                                                                                                                                                                                                                                                                                                                  "CREATE TRIGGER stats_eid_move AFTER UPDATE OF pin, perm_commune ON citizen "
		                                                                                                                                                                                                                                                                                                                                                                                                                  "FOR EACH ROW WHEN (OLD.pin IS DISTINCT FROM NEW.pin OR OLD.perm_commune IS "
		                                                                                                                                                                                                                                                                                                                                                                                                                  "DISTINCT FROM NEW.perm_commune) EXECUTE FUNCTION dc_stats_eid_move();\n"
		                                                                                                                                                                                                                                                                                                                                                                                                                  "CREATE FUNCTION dc_stats_dossier() RETURNS trigger LANGUAGE plpgsql AS $f$ "
		                                                                                                                                                                                                                                                                                                                                                                                                                  "BEGIN IF TG_OP <> 'INSERT' THEN " DOSSIER_SUB("OLD") "; END IF; IF TG_OP "
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                        "<> 'DELETE' THEN " DOSSIER_ADD(
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                "NEW") "; END IF; RETURN NULL; END $f$;\n"
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "CREATE TRIGGER stats_dossier AFTER INSERT OR UPDATE OF service, commune, "
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "province, channel, parent OR DELETE ON svc_dossier FOR EACH ROW EXECUTE "
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "FUNCTION dc_stats_dossier();\n");
	} else {
		dc_buf_adds(
		        o, "CREATE TRIGGER stats_eid_ins AFTER INSERT ON eid_account BEGIN INSERT "
		           "INTO "
		           "stats_eid (commune, collected, approved, activated) "
		           "SELECT " EID_COMMUNE("NEW.pin") ", 1, " DC__EID_APPROVED_SQL(
		                   "NEW") ", " DC__EID_ACTIVE_SQL("NEW") " WHERE "
		                                                         "1" EID_ADD_ON_CONFLICT
		                                                         "; END;\n"
		                                                         "CREATE TRIGGER "
		                                                         "stats_eid_del AFTER "
		                                                         "DELETE ON eid_account "
		                                                         "BEGIN UPDATE "
		                                                         "stats_eid SET collected "
		                                                         "= collected - 1, "
		                                                         "approved = approved - "
		                                                         "(" DC__EID_APPROVED_SQL("OLD") "), activated = activated - "
		                                                                                         "(" DC__EID_ACTIVE_SQL("OLD") ") WHERE commune = " EID_COMMUNE("OLD.pin") "; "
		                                                                                                                                                                   "END;\n"
		                                                                                                                                                                   "CREATE TRIGGER stats_eid_upd AFTER UPDATE OF pin, state ON eid_account "
		                                                                                                                                                                   "WHEN OLD.pin IS NOT NEW.pin OR OLD.state IS NOT NEW.state BEGIN UPDATE "
		                                                                                                                                                                   "stats_eid SET collected = collected - 1, approved = approved - "
		                                                                                                                                                                   "(" DC__EID_APPROVED_SQL("OLD") "), activated = activated - "
		                                                                                                                                                                                                   "(" DC__EID_ACTIVE_SQL("OLD") ") WHERE commune = " EID_COMMUNE("OLD.pin") "; "
		                                                                                                                                                                                                                                                                             "INSERT INTO stats_eid (commune, collected, approved, activated) SELECT " EID_COMMUNE("NEW.pin") ", 1, " DC__EID_APPROVED_SQL(
		                                                                                                                                                                                                                                                                                     "NEW") ", " DC__EID_ACTIVE_SQL("NEW") " WHERE 1" EID_ADD_ON_CONFLICT
		                                                                                                                                                                                                                                                                                                                           "; END;\n"
		                                                                                                                                                                                                                                                                                                                           "CREATE TRIGGER stats_eid_move AFTER UPDATE OF pin, perm_commune ON citizen "
		                                                                                                                                                                                                                                                                                                                           "WHEN OLD.pin IS NOT NEW.pin OR OLD.perm_commune IS NOT NEW.perm_commune "
		                                                                                                                                                                                                                                                                                                                           "BEGIN " EID_SUB_OF(
		                                                                                                                                                                                                                                                                                                                                   "OLD.pin", "coalesce(OLD.perm_commune, '')") "; " EID_ADD_OF("OLD.pin",
		                                                                                                                                                                                                                                                                                                                                                                                                "CASE WHEN NEW.pin = OLD.pin THEN "
		                                                                                                                                                                                                                                                                                                                                                                                                "coalesce(NEW.perm_commune, '') ELSE '' END",
		                                                                                                                                                                                                                                                                                                                                                                                                "") "; " EID_SUB_OF("NEW.pin",
		                                                                                                                                                                                                                                                                                                                                                                                                                    "''") " AND NEW.pin <> OLD.pin; " EID_ADD_OF("NEW.pin",
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                 "coalesce(NEW.perm_commune, '')",
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                 " AND NEW.pin <> OLD.pin") "; END;\n"
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                            "CREATE TRIGGER stats_dossier_ins AFTER INSERT ON svc_dossier BEGIN " DOSSIER_ADD("NEW") "; END;\n"
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                     "CREATE TRIGGER stats_dossier_del AFTER DELETE ON svc_dossier BEGIN " DOSSIER_SUB("OLD") "; END;\n"
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                              "CREATE TRIGGER stats_dossier_upd AFTER UPDATE OF service, commune, "
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                              "province, channel, parent ON svc_dossier BEGIN " DOSSIER_SUB(
		                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                      "OLD") "; " DOSSIER_ADD("NEW") "; END;\n");
	}
	return dc_buf_error(o);
}
