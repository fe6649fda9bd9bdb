/*
 * schema_card.c — the card module's tables (one migration; see schema.c).
 *
 *   card               one row per application; its state walks
 *                      applied → approved → produced → delivered, or ends
 *                      rejected; a delivered card ends revoked or replaced
 *                      (by the next delivered card). What was printed (MRZ,
 *                      QR payload) is stored at production, so a presented
 *                      card can be compared with what was issued.
 *   checkin_event      an exam or any event where people check in with cards
 *   checkin_candidate  who is expected, in which room or at which gate, and
 *                      when they checked in
 *
 * The store enforces the two "only one" rules with partial unique indexes:
 * at most one delivered (valid) card per citizen, and at most one open
 * application (applied/approved/produced) per citizen.
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_card(enum dc__dialect d, struct dc_buf *o)
{
	const char *id =
	        d == DC__PG ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
	dc_buf_addf(o,
	            "CREATE TABLE card (id %s, pin TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT "
	            "NOT NULL, state TEXT NOT NULL, issued TEXT, expiry TEXT, has_photo INTEGER "
	            "NOT NULL DEFAULT 1, mrz TEXT, qr TEXT, applied_ms BIGINT NOT NULL, "
	            "updated_ms BIGINT NOT NULL, actor TEXT NOT NULL);\n"
	            "CREATE INDEX card_pin ON card (pin, id);\n"
	            "CREATE UNIQUE INDEX card_one_valid ON card (pin) WHERE state = 'delivered';\n"
	            "CREATE UNIQUE INDEX card_one_open ON card (pin) WHERE state IN ('applied', "
	            "'approved', 'produced');\n",
	            id);
	dc_buf_addf(o,
	            "CREATE TABLE checkin_event (id %s, name TEXT NOT NULL, starts TEXT, actor "
	            "TEXT NOT NULL, created_ms BIGINT NOT NULL);\n"
	            "CREATE TABLE checkin_candidate (event_id BIGINT NOT NULL, pin TEXT NOT NULL, "
	            "room TEXT NOT NULL, checked_in_ms BIGINT, PRIMARY KEY (event_id, pin));\n",
	            id);
	return dc_buf_error(o);
}
