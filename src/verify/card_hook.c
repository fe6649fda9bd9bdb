/*
 * card_hook.c — where verification learns the state of a citizen's identity
 * card, from the card register (dancu/card.h): the newest card that reached
 * the citizen (delivered, later perhaps revoked or replaced) is the current one; it is valid unless
 * revoked or replaced, or past its expiry on today's date. Both 1:1 and batch verification report
 * it, and check "card_issue_date" against it.
 */
#include <string.h>

#include "dancu/card.h"
#include "dancu/verify.h"

#include "core/internal.h"
#include "verify/verify_internal.h"

struct newest {
	struct dc_card card;
	int found;
};

static int keep_newest(void *arg, const struct dc_card *c)
{
	struct newest *n = arg;
	/* Cards come oldest first: the last one that was ever issued wins. */
	if (c->issued.year && (c->state == DC_CARD_DELIVERED || c->state == DC_CARD_REVOKED ||
	                       c->state == DC_CARD_REPLACED)) {
		n->card = *c;
		n->found = 1;
	}
	return 0;
}

int dc__verify_card_lookup(struct dc_store *s, const char *pin, struct dc_verify_card *out)
{
	struct dc_pin p;
	struct newest n;
	memset(out, 0, sizeof *out);
	memset(&n, 0, sizeof n);
	out->state = DC_VCARD_UNKNOWN;
	if (!pin || dc_pin_parse(pin, strlen(pin), &p))
		return DC_OK;
	int rc = dc_card_list(s, &p, keep_newest, &n);
	if (rc || !n.found)
		return rc == DC_ERR_NOT_FOUND ? DC_OK : rc;
	struct dc_date today = dc_date_today();
	out->issue_date = n.card.issued;
	if (n.card.state == DC_CARD_REVOKED || n.card.state == DC_CARD_REPLACED)
		out->state = DC_VCARD_REVOKED;
	else if (n.card.expiry.year && dc_date_cmp(&n.card.expiry, &today) < 0)
		out->state = DC_VCARD_EXPIRED;
	else
		out->state = DC_VCARD_VALID;
	return DC_OK;
}
