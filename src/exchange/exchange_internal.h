/*
 * exchange_internal.h — shared by the files of src/exchange/ and the HTTP
 * and CLI front ends of the exchange.
 */
#ifndef DANCU_EXCHANGE_INTERNAL_H
#define DANCU_EXCHANGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Opens a sealed webhook secret (hex, from agency.webhook_sealed) with the
 * master key. DC_ERR_VERIFY when it does not open. */
int dc__agency_webhook_secret(const char *sealed_hex, const unsigned char key[32],
                              unsigned char secret[32]);

struct dc_buf;
/* Appends the feed's JSON object for one event to out when it touches a
 * field of the subscription list `fields`: returns 1 (appended), 0 (not for
 * this agency), or an error. Strings are borrowed; pin may be NULL. */
int dc__feed_event_json(const char *fields, int64_t seq, const char *pin, const char *kind,
                        int64_t at_ms, const char *before_json, const char *after_json,
                        struct dc_buf *out);

/* Splits "http://host[:port][/path]" (NUL-terminated) into host (hn
 * bytes), port (pn bytes; "80" when absent) and *path (points into url; "/"
 * when absent). DC_ERR_INVALID for another scheme, an empty host or port,
 * or parts too long. Pure. */
int dc__webhook_split_url(const char *url, char *host, size_t hn, char *port, size_t pn,
                          const char **path);

/* The status code of an HTTP/1.0 or 1.1 status line at resp (n bytes):
 * 100–599, or -1 when it is not one. Pure. */
int dc__webhook_status(const char *resp, size_t n);

/* --- dashboard counters (stats.c, schema_exchange.c, store.c) ------------
 * stats_commune holds, per permanent-residence commune, the alive citizens,
 * how many of their six key fields are present, and the issued cards of
 * the commune's residents (any status). The expressions below are the one
 * definition of those figures in SQL; dc__stats_contrib is the same
 * definition in C (store.c keeps the counters in the writing transaction). */

/* The number of key fields present in a citizen row (0..6), SQL. */
#define DC__STATS_FIELDS_SQL                                                                 \
	"(CASE WHEN coalesce(birth_name, '') <> '' THEN 1 ELSE 0 END + CASE WHEN "           \
	"coalesce(sex, '') <> '' THEN 1 ELSE 0 END + CASE WHEN length(coalesce(dob, '')) = " \
	"10 THEN 1 ELSE 0 END + CASE WHEN coalesce(ethnicity, '') <> '' THEN 1 ELSE 0 END "  \
	"+ CASE WHEN coalesce(perm_address, '') <> '' THEN 1 ELSE 0 END + CASE WHEN "        \
	"coalesce(birth_reg_unit, '') <> '' THEN 1 ELSE 0 END)"

/* Independent counts per commune, each row (commune, citizens, fields,
 * cards): the citizens part and the cards part. */
#define DC__STATS_COUNT_CITIZENS_SQL                                                          \
	"SELECT perm_commune, count(*), sum(" DC__STATS_FIELDS_SQL "), 0 FROM citizen WHERE " \
	"status = 'alive' AND perm_commune IS NOT NULL GROUP BY perm_commune"
#define DC__STATS_COUNT_CARDS_SQL                                                            \
	"SELECT c.perm_commune, 0, 0, count(*) FROM card k JOIN citizen c ON c.pin = k.pin " \
	"WHERE k.issued IS NOT NULL AND c.perm_commune IS NOT NULL GROUP BY c.perm_commune"

/* Fills an empty stats_commune from the tables (migration, rebuild): two
 * statements, each ending in ";\n". */
#define DC__STATS_FILL_SQL                                                                        \
	"INSERT INTO stats_commune (commune, citizens, fields, "                                  \
	"cards) " DC__STATS_COUNT_CITIZENS_SQL ";\n"                                              \
	"INSERT INTO stats_commune (commune, citizens, fields, cards) " DC__STATS_COUNT_CARDS_SQL \
	" ON CONFLICT (commune) DO UPDATE SET cards = "                                           \
	"excluded.cards;\n"

/* --- e-ID, dossier and stay counters (migration dc__schema_stats_more) ------
 * stats_eid: per permanent-residence commune of the holder ('' when the
 * holder has none) the e-ID accounts (collected), those approved (approved,
 * active or locked) and those activated (active or locked); triggers on
 * eid_account and on citizen moves keep it.
 * stats_dossier: per service and commune (with its province) the top-level
 * dossiers filed online and offline; triggers on svc_dossier keep it.
 * stats_stay: per commune (with its province) and arrival day the stays
 * reported and how many late; stats_stay_total the same over every day
 * (what the dashboard reads); stay.c adds each report to both. */
/* Independent counts, in the counter tables' column order (e-ID: approved
 * is approved, active or locked; activated is active or locked). */
#define DC__STATS_COUNT_EID_SQL                                                            \
	"SELECT coalesce(c.perm_commune, '') AS k, count(*) AS c1, sum(CASE WHEN a.state " \
	"IN ('approved', 'active', 'locked') THEN 1 ELSE 0 END) AS c2, sum(CASE WHEN "     \
	"a.state IN ('active', 'locked') THEN 1 ELSE 0 END) AS c3 FROM eid_account a "     \
	"LEFT JOIN citizen c ON c.pin = a.pin GROUP BY coalesce(c.perm_commune, '')"
#define DC__STATS_COUNT_DOSSIER_SQL                                                           \
	"SELECT service AS k1, commune AS k2, province AS k3, sum(CASE WHEN channel = "       \
	"'online' THEN 1 ELSE 0 END) AS c1, sum(CASE WHEN channel = 'offline' THEN 1 ELSE 0 " \
	"END) AS c2 FROM svc_dossier WHERE parent IS NULL GROUP BY service, commune, province"
#define DC__STATS_COUNT_STAY_TOTAL_SQL                                                     \
	"SELECT commune AS k1, province AS k2, count(*) AS c1, sum(late) AS c2 FROM stay " \
	"GROUP BY commune, province"
#define DC__STATS_COUNT_STAY_SQL                                                              \
	"SELECT commune AS k1, arrival_day AS k2, province AS k3, count(*) AS c1, sum(late) " \
	"AS c2 FROM stay GROUP BY commune, arrival_day, province"

/* Fills the empty tables (migration, rebuild): three statements. */
#define DC__STATS_FILL_MORE_SQL                                           \
	"INSERT INTO stats_eid (commune, collected, approved, "           \
	"activated) " DC__STATS_COUNT_EID_SQL ";\n"                       \
	"INSERT INTO stats_dossier (service, commune, province, online, " \
	"offline) " DC__STATS_COUNT_DOSSIER_SQL ";\n"                     \
	"INSERT INTO stats_stay (commune, day, province, stays, "         \
	"late) " DC__STATS_COUNT_STAY_SQL ";\n"                           \
	"INSERT INTO stats_stay_total (commune, province, stays, "        \
	"late) " DC__STATS_COUNT_STAY_TOTAL_SQL ";\n"

struct dc_citizen;
/* A citizen row's share of the counters: its commune (empty: none; at most
 * 15 bytes, longer codes are not counted), 1 when alive, its fields
 * present. Pure; must agree with DC__STATS_FIELDS_SQL. */
struct dc__stats_contrib {
	char commune[16];
	int64_t citizens;
	int64_t fields;
};
void dc__stats_contrib(const struct dc_citizen *c, struct dc__stats_contrib *out);

#endif
