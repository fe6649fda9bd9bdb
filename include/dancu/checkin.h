/*
 * dancu/checkin.h — check-in with identity cards at an event (an exam, a
 * gate): a candidate list with rooms or gates, and kiosks that post what
 * they read from a card (QR payload or MRZ).
 *
 * A scan verifies the card against the register (dc_card_verify: every check
 * reported), finds the holder on the event's list, and records the first
 * check-in of a candidate whose card is valid; later scans of the same
 * person say "already checked in" with the first time.
 *
 * Threads: as the store. Ownership as stated per function.
 */
#ifndef DANCU_CHECKIN_H
#define DANCU_CHECKIN_H

#include <stdbool.h>
#include <stdint.h>

#include "dancu/card.h"

struct dc_store;
struct dc_units;

/* Creates an event; *id gets its number. Strings borrowed for the call. */
int dc_checkin_event_create(struct dc_store *s, const char *name, const char *actor, int64_t *id);

/* Reads an event's name into out (cap bytes). DC_ERR_NOT_FOUND. */
int dc_checkin_event_get(struct dc_store *s, int64_t id, char *name, size_t cap);

/* Puts pin on the event's list in room (1–60 bytes of UTF-8); a second add
 * of the same pin moves them. DC_ERR_NOT_FOUND when the event does not
 * exist, DC_ERR_INVALID for an empty or too long room. */
int dc_checkin_candidate_add(struct dc_store *s, int64_t event, const struct dc_pin *pin,
                             const char *room);

/* Reads a candidate list from CSV (n bytes at p): one "pin,room" per line,
 * an optional header line "pin,room". All or nothing: on DC_ERR_INVALID no
 * candidate is added and detail names the line. *added gets the count. */
int dc_checkin_import_csv(struct dc_store *s, int64_t event, const char *p, size_t n,
                          int64_t *added, char *detail, size_t dlen);

struct dc_checkin_result {
	struct dc_card_verdict verdict;
	bool candidate;        /* the holder is on the list */
	char room[64];         /* their room or gate */
	bool checked_in;       /* checked in now or earlier */
	bool already;          /* a previous scan had checked them in */
	int64_t checked_in_ms; /* when (first time) */
};

/* One kiosk read. Returns DC_OK whenever a result was reached (even a
 * refusal), DC_ERR_NOT_FOUND when the event does not exist, storage errors
 * otherwise. Strings in r borrow from pool. */
int dc_checkin_scan(struct dc_store *s, const struct dc_units *units, int64_t event,
                    enum dc_card_form form, const char *text, size_t n, const struct dc_date *today,
                    struct dc_checkin_result *r, struct dc_pool *pool);

/* Appends r as JSON: {"event":…,"candidate":…,"room":…,"checked_in":…,
 * "already":…,"checked_in_ms":…,"verification":{…}}. */
int dc_checkin_result_json(int64_t event, const struct dc_checkin_result *r, struct dc_buf *out);

#endif
