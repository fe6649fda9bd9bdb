/*
 * dancu/stay.h — stay notifications (thông báo lưu trú, Residence Law
 * Art. 30): accommodation businesses report their guests' arrivals and
 * departures to the commune police.
 *
 * A business (hotel, guest house, hospital, …) is registered by an officer
 * in the commune where it is; it reports with an API key (dancu/apikey.h,
 * owner kind "business"). A guest is a citizen by personal ID number or a
 * foreigner by passport number and nationality.
 *
 * The deadline rule (TTHC 2.001159, kept by Law 118/2025): a stay that
 * begins before 23:00 local time must be reported before 23:00 that day; one
 * that begins at or after 23:00, before 08:00 the next day. A report after
 * its deadline is recorded and flagged late. A citizen's number that is not
 * in the register is recorded and flagged, not refused: the guest is there
 * whatever the register says, and the police want to know.
 *
 * High volume: a business may send up to DC_STAY_MAX_BATCH guests in one
 * report; the whole report is one transaction (one commit for many
 * guests: group commit driven by the client), audited as one entry per
 * event kind with every citizen of the report linked to it.
 */
#ifndef DANCU_STAY_H
#define DANCU_STAY_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/buf.h"

struct dc_store;
struct dc_units;

#define DC_STAY_MAX_BATCH 1000

struct dc_business {
	char id[65];
	char name[201];
	char commune[6];
	char kind[21]; /* hotel, guesthouse, hospital, dormitory, household, other */
	int disabled;
};

/* Registers a business. The id is 1–64 of a-z 0-9 . _ -; the commune must
 * exist. DC_ERR_CONFLICT when the id is taken. Audited with actor. */
int dc_business_add(struct dc_store *s, const struct dc_units *u, const struct dc_business *b,
                    const char *actor, char *err, size_t errlen);
int dc_business_get(struct dc_store *s, const char *id, struct dc_business *out);
int dc_business_set_disabled(struct dc_store *s, const char *id, int disabled, const char *actor);

/* Deadline (Unix ms) of the report of a stay that began at arrival_ms. */
int64_t dc_stay_deadline(int64_t arrival_ms);

/* Parses an ISO 8601 local time "YYYY-MM-DDTHH:MM[:SS]" with an optional
 * offset ("Z", "+07:00"); without an offset the time is Vietnam's. */
int dc_stay_parse_time(const char *s, int64_t *ms_out);

/* Records a report: items is a JSON array text of guests
 *   {"event":"arrival", "pin":"…" | "passport":"…","nationality":"XX",
 *    "name":"…", "dob":"…", "at":"2026-11-22T21:30", "room":"…", "until":"…"}
 *   {"event":"departure", "pin"|"passport":…, "at":…}
 * by business b at now_ms, in one transaction. Appends to out a JSON array
 * with one result per item, in order ({"index","status":"recorded"|
 * "rejected","stay_id","late","in_register","error"}). Invalid items are
 * rejected one by one; the others are recorded. *recorded gets the count.
 * DC_ERR_INVALID when items is not an array of 1..DC_STAY_MAX_BATCH objects;
 * storage errors roll the whole report back. */
int dc_stay_report(struct dc_store *s, const struct dc_business *b, const char *items,
                   size_t items_len, int64_t now_ms, const char *request_id, struct dc_buf *out,
                   int *recorded, char *err, size_t errlen);

/* The stays of a commune (or a province, or all when both are NULL) that
 * began on local date day ("YYYY-MM-DD"), optionally only late ones, as a
 * JSON object with totals (count, late, late_rate, not_in_register) and the
 * first `limit` stays. */
int dc_stay_overview(struct dc_store *s, const char *commune, const char *province, const char *day,
                     int late_only, int limit, struct dc_buf *out);

#endif
