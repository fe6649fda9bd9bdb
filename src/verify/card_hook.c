/*
 * card_hook.c — where verification learns the state of a citizen's identity
 * card. The card register is being written separately; when it lands, this
 * one function reads it (state valid/expired/revoked and the issue date of
 * the current card) and both 1:1 and batch verification report it, with
 * card fields ("card_issue_date") checked instead of answered "unavailable".
 */
#include <string.h>

#include "dancu/verify.h"

#include "core/internal.h"
#include "verify/verify_internal.h"

int dc__verify_card_lookup(struct dc_store *s, const char *pin, struct dc_verify_card *out)
{
	(void)s;
	(void)pin;
	memset(out, 0, sizeof *out);
	out->state = DC_CARD_UNKNOWN;
	return DC_OK;
}
