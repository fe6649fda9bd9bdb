/*
 * api_orgkeys.c — a relying party manages its own API keys (the
 * relying-party console's "API keys" page, docs/WEBUI.md).
 *
 *   GET    /api/v1/verify/keys           the organisation's keys (no secrets)
 *   POST   /api/v1/verify/keys           {"label"} → a new key, shown once (201)
 *   DELETE /api/v1/verify/keys/{key id}  revoke one of its keys
 *
 * Authorised by an active API key of the organisation itself (the same
 * check as /api/v1/verify: a disabled organisation gets 403, a key bound
 * to a client certificate needs it); one organisation never sees or
 * touches another's keys (404). Keys are hashed at rest by
 * src/auth/apikey.c; the secret exists only in the 201 answer.
 *
 * Limits that keep a leaked key from doing more harm than the key itself:
 * a new key inherits the rate limit of the key that made it (a
 * self-service key cannot escape the limit the administrator set); at most
 * MAX_ACTIVE keys are active at once; the organisation cannot revoke its
 * last active key (that would lock it out: an administrator does that with
 * DELETE /api/v1/orgs/{id}/keys/{key id}). Every change is audited in its
 * transaction with the presenting key as actor and the organisation as
 * org, so the national administrators see who made and revoked what.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dancu/apikey.h"
#include "dancu/audit.h"
#include "dancu/core.h"
#include "dancu/store.h"
#include "dancu/verify.h"

#include "core/internal.h"
#include "http/api_orgkeys.h"
#include "http/api_verify.h"
#include "http/http.h"

#define MAX_ACTIVE 10

static int is_method(const struct dc__call *c, const char *m)
{
	return c->req->method.len == strlen(m) && !memcmp(c->req->method.base, m, strlen(m));
}

struct keylist {
	struct dc_buf *b; /* NULL: count only */
	int active;
};

static int key_cb(void *arg, const struct dc_apikey *k)
{
	struct keylist *l = arg;
	if (!k->revoked_ms)
		l->active++;
	if (!l->b)
		return DC_OK;
	struct dc_buf *b = l->b;
	dc_buf_addf(b, "%s{\"id\":\"%s\",\"label\":\"", b->ptr[b->len - 1] == '[' ? "" : ",",
	            k->id);
	dc_buf_add_json_str(b, k->label, strlen(k->label));
	dc_buf_addf(b,
	            "\",\"created_ms\":%lld,\"last_used_ms\":%lld,\"revoked_ms\":%lld,"
	            "\"active\":%s,\"rate_per_min\":%lld,\"burst\":%lld}",
	            (long long)k->created_ms, (long long)k->last_used_ms, (long long)k->revoked_ms,
	            k->revoked_ms ? "false" : "true", (long long)k->rate_per_min,
	            (long long)k->burst);
	return dc_buf_error(b);
}

static int audit_self(struct dc__call *c, const struct dc_apikey *k, const char *action,
                      const char *what)
{
	struct dc_audit_entry a = {k->id, k->owner_id, action, NULL, NULL, what, c->request_id};
	return dc_audit_append(c->store, &a, NULL);
}

/* Starts the transaction of a change to the organisation's keys. The count
 * of active keys is checked inside it, so concurrent changes must queue:
 * SQLite's BEGIN IMMEDIATE serialises writers already; on PostgreSQL the
 * organisation's row is locked until the commit. */
static int begin_keys(struct dc__call *c, const char *org)
{
	int rc = dc_store_begin(c->store);
	if (rc == DC_OK && !strcmp(dc_store_backend(c->store), "postgresql") &&
	    (rc = dc_db_run(dc_store_db(c->store),
	                    "SELECT 1 FROM verify_org WHERE id = $1 FOR UPDATE", "s", org)))
		dc_store_rollback(c->store);
	return rc;
}

static int key_list(struct dc__call *c, const struct dc_apikey *k, struct dc_buf *body)
{
	struct keylist l = {body, 0};
	dc_buf_addf(body, "{\"org\":\"%s\",\"current\":\"%s\",\"max_active\":%d,\"keys\":[",
	            k->owner_id, k->id, MAX_ACTIVE);
	int rc = dc_apikey_list(c->store, "org", k->owner_id, key_cb, &l);
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the keys");
	return dc_buf_adds(body, "]}");
}

static int key_add(struct dc__call *c, const struct dc_apikey *k, struct dc_buf *body)
{
	json_t *j = NULL;
	const char *label = NULL;
	int rc;
	if (c->req->entity.base && c->req->entity.len) {
		if ((rc = dc__parse_body(c, &j)))
			return rc;
		json_t *lv = json_object_get(j, "label");
		if (lv && !json_is_string(lv)) {
			json_decref(j);
			return dc__fail(c, DC_ERR_INVALID, 400, "label must be a string");
		}
		label = lv ? json_string_value(lv) : NULL;
		if (label && strlen(label) > 100) {
			json_decref(j);
			return dc__fail(c, DC_ERR_INVALID, 400, "label: at most 100 bytes");
		}
	}
	char key[DC_APIKEY_LEN + 1], id[DC_APIKEY_ID_LEN + 1];
	struct keylist l = {NULL, 0};
	const char *detail = "cannot create the key";
	if ((rc = begin_keys(c, k->owner_id)))
		goto done;
	rc = dc_apikey_list(c->store, "org", k->owner_id, key_cb, &l);
	if (rc == DC_OK && l.active >= MAX_ACTIVE) {
		rc = DC_ERR_CONFLICT;
		detail = "the organisation has the most active keys allowed (10): revoke one first";
	}
	if (rc == DC_OK)
		rc = dc_apikey_create(c->store, "org", k->owner_id, label, k->rate_per_min,
		                      k->burst, dc_now_ms(), key, id);
	if (rc == DC_OK)
		rc = audit_self(c, k, "org.key_add", id);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
done:
	if (rc) {
		json_decref(j);
		return dc__fail(c, rc, 0, detail);
	}
	c->status = 201;
	dc_buf_addf(body, "{\"id\":\"%s\",\"key\":\"%s\",\"org\":\"%s\",\"label\":\"", id, key,
	            k->owner_id);
	dc_buf_add_json_str(body, label ? label : "", label ? strlen(label) : 0); /* owned by j */
	dc_buf_adds(body, "\",\"note\":\"the key is shown once; only its hash is kept\"}");
	json_decref(j);
	sodium_memzero(key, sizeof key);
	return dc_buf_error(body);
}

static int key_revoke(struct dc__call *c, const struct dc_apikey *k, const char *kid,
                      struct dc_buf *body)
{
	struct dc_apikey t;
	struct keylist l = {NULL, 0};
	const char *detail = "cannot revoke the key";
	int rc = begin_keys(c, k->owner_id);
	if (rc)
		return dc__fail(c, rc, 0, detail);
	rc = dc_apikey_get(c->store, kid, &t);
	if (rc == DC_OK && (strcmp(t.owner_kind, "org") || strcmp(t.owner_id, k->owner_id)))
		rc = DC_ERR_NOT_FOUND; /* another owner's key: as if it did not exist */
	if (rc == DC_ERR_NOT_FOUND)
		detail = "no such key for this organisation";
	if (rc == DC_OK && !t.revoked_ms) {
		rc = dc_apikey_list(c->store, "org", k->owner_id, key_cb, &l);
		if (rc == DC_OK && l.active <= 1) {
			rc = DC_ERR_CONFLICT;
			detail = "this is the organisation's last active key: create another first "
			         "(or ask an administrator)";
		}
		if (rc == DC_OK)
			rc = dc_apikey_revoke(c->store, kid, "org", k->owner_id, dc_now_ms());
		if (rc == DC_OK)
			rc = audit_self(c, k, "org.key_revoke", kid);
	}
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc)
		return dc__fail(c, rc, rc == DC_ERR_NOT_FOUND ? 404 : 0, detail);
	return dc_buf_addf(body, "{\"id\":\"%s\",\"status\":\"revoked\",\"current\":%s}", kid,
	                   strcmp(kid, k->id) ? "false" : "true");
}

static int r_keys(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_org org;
	int rc = dc__verify_org_of_key(c, &k, &org);
	if (rc)
		return rc;
	if (is_method(c, "GET"))
		return key_list(c, &k, body);
	if (is_method(c, "POST"))
		return key_add(c, &k, body);
	return dc__not_allowed(c, "GET, POST");
}

static int r_key(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_org org;
	int rc = dc__verify_org_of_key(c, &k, &org);
	if (rc)
		return rc;
	if (c->tail_len != DC_APIKEY_ID_LEN || memchr(c->tail, '/', c->tail_len))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such key for this organisation");
	if (!is_method(c, "DELETE"))
		return dc__not_allowed(c, "DELETE");
	char kid[DC_APIKEY_ID_LEN + 1];
	memcpy(kid, c->tail, DC_APIKEY_ID_LEN);
	kid[DC_APIKEY_ID_LEN] = '\0';
	return key_revoke(c, &k, kid, body);
}

const struct dc__route dc__orgkeys_routes[] = {
        {"/api/v1/verify/keys", 0, "*", r_keys},
        {"/api/v1/verify/keys/", 1, "*", r_key},
};
const size_t dc__orgkeys_routes_n = DC_ARRAY_LEN(dc__orgkeys_routes);
