/*
 * api_exchange.c — connected agencies over HTTP (docs/EXCHANGE.md).
 *
 *   GET  /api/v1/feed?after=&limit=                     (agency key) change feed
 *   GET  /api/v1/agency/attributes/{pin}/{name}         (agency key) read back
 *   PUT  /api/v1/agency/attributes/{pin}/{name}         (agency key) write back
 *   GET  /api/v1/agencies                               (national admin) list
 *   POST /api/v1/agencies                               (national admin) add
 *   GET|PATCH /api/v1/agencies/{id}                     (national admin)
 *   POST /api/v1/agencies/{id}/keys                     new key, shown once
 *   POST /api/v1/agencies/{id}/webhook                  set/clear; secret shown once
 *   GET  /api/v1/agencies/{id}/dead-letters             dead-letter list
 *   POST /api/v1/agencies/{id}/dead-letters/{seq}/replay
 *
 * A feed page with personal data is answered only after its audit entry
 * (one entry linked to every citizen on the page) is committed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/apikey.h"
#include "dancu/audit.h"
#include "dancu/exchange.h"
#include "dancu/officer.h"
#include "dancu/pin.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "http/apikey_http.h"
#include "http/http.h"

static int is_method(const struct dc__call *c, const char *m)
{
	return c->req->method.len == strlen(m) && !memcmp(c->req->method.base, m, strlen(m));
}

/* The agency behind the request's API key; refuses a disabled one. */
static int agency_of_key(struct dc__call *c, struct dc_apikey *k, struct dc_agency *a)
{
	int rc = dc__apikey_authenticate(c, "agency", k);
	if (rc)
		return rc;
	rc = dc_agency_get(c->store, k->owner_id, a);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, DC_ERR_AUTH, 401, "the API key is not valid");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the agency");
	if (a->disabled)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403, "the agency is disabled");
	return DC_OK;
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end = NULL;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return 0;
	long long v = strtoll(s, &end, 10);
	if (*end || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

struct page {
	struct dc_buf *body;
	char (*pins)[13];
	size_t n, cap;
	int first;
};

static int page_cb(void *arg, const struct dc_feed_event *ev)
{
	struct page *p = arg;
	if (!p->first)
		dc_buf_addc(p->body, ',');
	p->first = 0;
	dc_buf_add(p->body, ev->json, ev->json_len);
	if (ev->pin && strlen(ev->pin) == 12) {
		if (p->n == p->cap) {
			size_t nc = p->cap ? p->cap * 2 : 64;
			void *np = realloc(p->pins, nc * sizeof *p->pins);
			if (!np)
				return DC_ERR_NOMEM;
			p->pins = np;
			p->cap = nc;
		}
		memcpy(p->pins[p->n++], ev->pin, 13);
	}
	return dc_buf_error(p->body);
}

static int cmp_pin(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int r_feed(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_agency a;
	int64_t after = 0, limit = 100, next = 0;
	int more = 0;
	int rc = agency_of_key(c, &k, &a);
	if (rc)
		return rc;
	const char *qa = dc__query_param(c->req, "after"), *ql = dc__query_param(c->req, "limit");
	if (qa && !parse_i64(qa, 0, INT64_MAX, &after))
		return dc__fail(c, DC_ERR_INVALID, 400, "after must be a cursor (an integer ≥ 0)");
	if (ql && !parse_i64(ql, 1, 1000, &limit))
		return dc__fail(c, DC_ERR_INVALID, 400, "limit must be 1–1000");
	struct page p = {body, NULL, 0, 0, 1};
	const char **pv = NULL;
	if ((rc = dc_store_begin(c->store)))
		return dc__fail(c, rc, 0, "cannot read the feed");
	dc_buf_adds(body, "{\"events\":[");
	rc = dc_feed_read(c->store, &a, after, (int)limit, page_cb, &p, &next, &more);
	if (rc == DC_OK && p.n) {
		qsort(p.pins, p.n, sizeof *p.pins, cmp_pin);
		pv = malloc(p.n * sizeof *pv);
		if (!pv)
			rc = DC_ERR_NOMEM;
		for (size_t i = 0; rc == DC_OK && i < p.n; i++)
			pv[i] = p.pins[i];
		struct dc_audit_entry e = {k.id,
		                           a.id,
		                           "feed.read",
		                           NULL,
		                           "agency_exchange",
		                           a.fields[0] ? a.fields : "*",
		                           c->request_id};
		if (rc == DC_OK)
			rc = dc_audit_append_subjects(c->store, &e, pv, p.n, NULL);
	}
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	free(pv);
	free(p.pins);
	if (rc) {
		dc_buf_reset(body);
		return dc__fail(c, rc, 0, "cannot read the feed; nothing was returned");
	}
	dc_buf_addf(body, "],\"next\":%lld,\"more\":%s}", (long long)next, more ? "true" : "false");
	return dc_buf_error(body);
}

/* /api/v1/agency/attributes/{pin}/{name} */
static int r_attr(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_agency a;
	char pin[13], name[41], value[201];
	struct dc_pin pp;
	json_t *j = NULL;
	int rc = agency_of_key(c, &k, &a);
	if (rc)
		return rc;
	const char *slash = memchr(c->tail, '/', c->tail_len);
	if (!slash || slash - c->tail != 12 || dc_pin_parse(c->tail, 12, &pp) ||
	    c->tail_len - 13 == 0 || c->tail_len - 13 >= sizeof name)
		return dc__fail(c, DC_ERR_NOT_FOUND, 404,
		                "use /api/v1/agency/attributes/{personal ID number}/{name}");
	memcpy(pin, c->tail, 12);
	pin[12] = '\0';
	memcpy(name, slash + 1, c->tail_len - 13);
	name[c->tail_len - 13] = '\0';
	if (!dc_agency_writes_valid(name) || strchr(name, ','))
		return dc__fail(c, DC_ERR_INVALID, 400, "attribute names are a-z 0-9 _ (1–40)");
	if (!dc_agency_list_has(a.writes, name, strlen(name)))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "this agency may not write that attribute");
	if (is_method(c, "GET")) {
		if ((rc = dc_store_begin(c->store)))
			return dc__fail(c, rc, 0, "cannot read the attribute");
		rc = dc_agency_attr_get(c->store, a.id, pin, name, value, sizeof value);
		if (rc == DC_OK) {
			struct dc_audit_entry e = {
			        k.id, a.id,         "agency.attribute_read", pin, "agency_exchange",
			        name, c->request_id};
			rc = dc_audit_append(c->store, &e, NULL);
		}
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
		if (rc == DC_ERR_NOT_FOUND)
			return dc__fail(c, rc, 404, "no such attribute");
		if (rc)
			return dc__fail(c, rc, 0, "cannot read the attribute");
		dc_buf_addf(body, "{\"pin\":\"%s\",\"name\":\"%s\",\"value\":\"", pin, name);
		dc_buf_add_json_str(body, value, strlen(value));
		dc_buf_adds(body, "\"}");
		return dc_buf_error(body);
	}
	if (!is_method(c, "PUT"))
		return dc__not_allowed(c, "GET, PUT");
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	const char *v = dc__str_member(j, "value");
	if (!v || !*v || strlen(v) > 200) {
		json_decref(j);
		return dc__fail(c, DC_ERR_INVALID, 400, "value must be a string of 1–200 bytes");
	}
	snprintf(value, sizeof value, "%s", v);
	json_decref(j);
	if ((rc = dc_store_begin(c->store)))
		return dc__fail(c, rc, 0, "cannot write the attribute");
	rc = dc_agency_attr_set(c->store, &a, pin, name, value, k.id, dc_now_ms());
	if (rc == DC_OK) {
		struct dc_audit_entry e = {k.id, a.id,         "agency.attribute_write", pin, NULL,
		                           name, c->request_id};
		rc = dc_audit_append(c->store, &e, NULL);
	}
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no citizen with that personal ID number");
	if (rc)
		return dc__fail(c, rc, 0, "cannot write the attribute; nothing was changed");
	dc_buf_addf(body, "{\"pin\":\"%s\",\"name\":\"%s\",\"value\":\"", pin, name);
	dc_buf_add_json_str(body, value, strlen(value));
	dc_buf_adds(body, "\"}");
	return dc_buf_error(body);
}

/* --- administration ---------------------------------------------------------- */

static int admin(struct dc__call *c, struct dc_officer *o)
{
	int rc = dc__authenticate(c, o);
	if (rc)
		return rc;
	if (o->role != DC_ROLE_NATIONAL)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "connected agencies are managed by national administrators");
	return DC_OK;
}

static void agency_json(struct dc_buf *b, const struct dc_agency *a)
{
	dc_buf_adds(b, "{\"id\":\"");
	dc_buf_add_json_str(b, a->id, strlen(a->id));
	dc_buf_adds(b, "\",\"name\":\"");
	dc_buf_add_json_str(b, a->name, strlen(a->name));
	dc_buf_adds(b, "\",\"fields\":\"");
	dc_buf_add_json_str(b, a->fields, strlen(a->fields));
	dc_buf_adds(b, "\",\"writes\":\"");
	dc_buf_add_json_str(b, a->writes, strlen(a->writes));
	dc_buf_adds(b, "\",\"webhook_url\":\"");
	dc_buf_add_json_str(b, a->webhook_url, strlen(a->webhook_url));
	dc_buf_addf(b,
	            "\",\"webhook_version\":%lld,\"webhook_cursor\":%lld,\"disabled\":%s,"
	            "\"created_ms\":%lld}",
	            (long long)a->webhook_version, (long long)a->webhook_cursor,
	            a->disabled ? "true" : "false", (long long)a->created_ms);
}

static int list_cb(void *arg, const struct dc_agency *a)
{
	struct dc_buf *b = arg;
	if (b->ptr[b->len - 1] != '[')
		dc_buf_addc(b, ',');
	agency_json(b, a);
	return dc_buf_error(b);
}

static int audit_admin(struct dc__call *c, const struct dc_officer *o, const char *action,
                       const char *agency, const char *what)
{
	struct dc_audit_entry a = {o->id, agency, action, NULL, NULL, what, c->request_id};
	return dc_audit_append(c->store, &a, NULL);
}

/* Applies name/fields/writes/disabled members of j to *a. */
static int apply(struct dc__call *c, json_t *j, struct dc_agency *a)
{
	json_t *v;
	const char *s;
	if ((s = dc__str_member(j, "name")))
		snprintf(a->name, sizeof a->name, "%s", s);
	if ((v = json_object_get(j, "fields"))) {
		s = json_string_value(v);
		if (!s || !dc_agency_fields_valid(s))
			return dc__fail(c, DC_ERR_INVALID, 400,
			                "fields: \"*\" or a comma list of register fields and "
			                "attr.<name>");
		snprintf(a->fields, sizeof a->fields, "%s", s);
	}
	if ((v = json_object_get(j, "writes"))) {
		s = json_string_value(v);
		if (!s || !dc_agency_writes_valid(s))
			return dc__fail(c, DC_ERR_INVALID, 400,
			                "writes: a comma list of attribute names (a-z 0-9 _)");
		snprintf(a->writes, sizeof a->writes, "%s", s);
	}
	if ((v = json_object_get(j, "disabled"))) {
		if (!json_is_boolean(v))
			return dc__fail(c, DC_ERR_INVALID, 400, "disabled must be true or false");
		a->disabled = json_is_true(v);
	}
	return DC_OK;
}

static int tx_end(struct dc__call *c, int rc)
{
	if (rc == DC_OK)
		return dc_store_commit(c->store);
	dc_store_rollback(c->store);
	return rc;
}

static int r_agencies(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer off;
	struct dc_agency a;
	json_t *j = NULL;
	int rc = admin(c, &off);
	if (rc)
		return rc;
	if (is_method(c, "GET")) {
		dc_buf_adds(body, "{\"agencies\":[");
		rc = dc_agency_list(c->store, list_cb, body);
		dc_buf_adds(body, "]}");
		return rc ? dc__fail(c, rc, 0, "cannot list agencies") : dc_buf_error(body);
	}
	if (!is_method(c, "POST"))
		return dc__not_allowed(c, "GET, POST");
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	memset(&a, 0, sizeof a);
	const char *id = dc__str_member(j, "id");
	if (!id || strlen(id) >= sizeof a.id || !dc__str_member(j, "name") ||
	    !json_object_get(j, "fields")) {
		rc = dc__fail(c, DC_ERR_INVALID, 400, "id, name and fields are required");
		goto done;
	}
	snprintf(a.id, sizeof a.id, "%s", id);
	if ((rc = apply(c, j, &a)))
		goto done;
	if ((rc = dc_store_begin(c->store)))
		goto fail;
	rc = dc_agency_add(c->store, &a, dc_now_ms());
	if (rc == DC_OK)
		rc = audit_admin(c, &off, "agency.add", a.id, a.fields);
	rc = tx_end(c, rc);
fail:
	if (rc == DC_ERR_CONFLICT)
		rc = dc__fail(c, rc, 409, "an agency with that id exists");
	else if (rc == DC_ERR_INVALID)
		rc = dc__fail(c, rc, 400, "id must be 1–64 of a-z 0-9 . _ -; name 1–200 bytes");
	else if (rc)
		rc = dc__fail(c, rc, 0, "cannot add the agency");
	if (rc)
		goto done;
	c->status = 201;
	dc_agency_get(c->store, a.id, &a);
	agency_json(body, &a);
	rc = dc_buf_error(body);
done:
	json_decref(j);
	return rc;
}

static int dead_cb(void *arg, const struct dc_dead_letter *d)
{
	struct dc_buf *b = arg;
	if (b->ptr[b->len - 1] != '[')
		dc_buf_addc(b, ',');
	dc_buf_addf(b, "{\"seq\":%lld,\"attempts\":%lld,\"last_error\":\"", (long long)d->seq,
	            (long long)d->attempts);
	dc_buf_add_json_str(b, d->last_error, strlen(d->last_error));
	dc_buf_addf(b, "\",\"dead_ms\":%lld,\"replay_ms\":%lld,\"delivered_ms\":%lld}",
	            (long long)d->dead_ms, (long long)d->replay_ms, (long long)d->delivered_ms);
	return dc_buf_error(b);
}

static int key_add(struct dc__call *c, const struct dc_officer *off, const struct dc_agency *a,
                   struct dc_buf *body)
{
	char key[DC_APIKEY_LEN + 1], id[DC_APIKEY_ID_LEN + 1];
	int rc = dc_store_begin(c->store);
	if (rc == DC_OK) {
		rc = dc_apikey_create(c->store, "agency", a->id, "agency", 0, 0, dc_now_ms(), key,
		                      id);
		if (rc == DC_OK)
			rc = audit_admin(c, off, "agency.key_add", a->id, id);
		rc = tx_end(c, rc);
	}
	if (rc)
		return dc__fail(c, rc, 0, "cannot create the key");
	c->status = 201;
	dc_buf_addf(body,
	            "{\"id\":\"%s\",\"key\":\"%s\",\"agency\":\"%s\",\"note\":\"the key is shown "
	            "once; only its hash is kept\"}",
	            id, key, a->id);
	memset(key, 0, sizeof key);
	return dc_buf_error(body);
}

static int webhook_set(struct dc__call *c, const struct dc_officer *off, const struct dc_agency *a,
                       struct dc_buf *body)
{
	json_t *j = NULL;
	char secret[44] = "";
	int rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	const char *url = dc__str_member(j, "url");
	if (!url)
		url = "";
	if ((rc = dc_store_begin(c->store)) == DC_OK) {
		rc = dc_agency_webhook_set(c->store, a->id, url, c->key, secret);
		if (rc == DC_OK)
			rc = audit_admin(c, off,
			                 *url ? "agency.webhook_set" : "agency.webhook_clear",
			                 a->id, url);
		rc = tx_end(c, rc);
	}
	if (rc == DC_ERR_INVALID)
		rc = dc__fail(c, rc, 400, "url must be http://host[:port]/path, at most 512 bytes");
	else if (rc)
		rc = dc__fail(c, rc, 0, "cannot set the webhook");
	if (rc == DC_OK) {
		struct dc_agency now;
		dc_agency_get(c->store, a->id, &now);
		dc_buf_adds(body, "{\"url\":\"");
		dc_buf_add_json_str(body, url, strlen(url));
		dc_buf_addf(body, "\",\"key_id\":\"%s:%lld\"", a->id,
		            (long long)now.webhook_version);
		if (*url)
			dc_buf_addf(body,
			            ",\"secret\":\"%s\",\"note\":\"the secret is shown once\"",
			            secret);
		dc_buf_adds(body, "}");
		rc = dc_buf_error(body);
	}
	memset(secret, 0, sizeof secret);
	json_decref(j);
	return rc;
}

static int r_agency(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer off;
	struct dc_agency a;
	char id[65];
	json_t *j = NULL;
	int rc = admin(c, &off);
	if (rc)
		return rc;
	const char *sub;
	size_t subn;
	if (dc__tail_id(c, id, sizeof id, &sub, &subn))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such agency");
	rc = dc_agency_get(c->store, id, &a);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no such agency");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the agency");
	if (subn == 0) {
		if (is_method(c, "GET")) {
			agency_json(body, &a);
			return dc_buf_error(body);
		}
		if (!is_method(c, "PATCH"))
			return dc__not_allowed(c, "GET, PATCH");
		if ((rc = dc__parse_body(c, &j)))
			return rc;
		rc = apply(c, j, &a);
		json_decref(j);
		if (rc)
			return rc;
		if ((rc = dc_store_begin(c->store)) == DC_OK) {
			rc = dc_agency_update(c->store, &a);
			if (rc == DC_OK)
				rc = audit_admin(c, &off, "agency.policy", a.id, a.fields);
			rc = tx_end(c, rc);
		}
		if (rc)
			return dc__fail(c, rc, 0, "cannot change the agency");
		agency_json(body, &a);
		return dc_buf_error(body);
	}
	if (h2o_memis(sub, subn, H2O_STRLIT("/keys")))
		return is_method(c, "POST") ? key_add(c, &off, &a, body)
		                            : dc__not_allowed(c, "POST");
	if (h2o_memis(sub, subn, H2O_STRLIT("/webhook")))
		return is_method(c, "POST") ? webhook_set(c, &off, &a, body)
		                            : dc__not_allowed(c, "POST");
	if (h2o_memis(sub, subn, H2O_STRLIT("/dead-letters"))) {
		if (!is_method(c, "GET"))
			return dc__not_allowed(c, "GET");
		dc_buf_adds(body, "{\"dead_letters\":[");
		rc = dc_dead_letter_list(c->store, a.id, dead_cb, body);
		dc_buf_adds(body, "]}");
		return rc ? dc__fail(c, rc, 0, "cannot list dead letters") : dc_buf_error(body);
	}
	static const char pre[] = "/dead-letters/", post[] = "/replay";
	if (subn > sizeof pre - 1 + sizeof post - 1 && !memcmp(sub, pre, sizeof pre - 1) &&
	    !memcmp(sub + subn - (sizeof post - 1), post, sizeof post - 1)) {
		char num[24];
		size_t nn = subn - (sizeof pre - 1) - (sizeof post - 1);
		int64_t seq;
		if (nn >= sizeof num)
			return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such dead letter");
		memcpy(num, sub + sizeof pre - 1, nn);
		num[nn] = '\0';
		if (!parse_i64(num, 1, INT64_MAX, &seq))
			return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such dead letter");
		if (!is_method(c, "POST"))
			return dc__not_allowed(c, "POST");
		if ((rc = dc_store_begin(c->store)) == DC_OK) {
			rc = dc_dead_letter_replay(c->store, a.id, seq, dc_now_ms());
			if (rc == DC_OK)
				rc = audit_admin(c, &off, "agency.dead_letter_replay", a.id, num);
			rc = tx_end(c, rc);
		}
		if (rc == DC_ERR_NOT_FOUND)
			return dc__fail(c, rc, 404, "no such dead letter");
		if (rc)
			return dc__fail(c, rc, 0, "cannot queue the dead letter");
		c->status = 202;
		dc_buf_addf(body, "{\"seq\":%lld,\"queued\":true}", (long long)seq);
		return dc_buf_error(body);
	}
	return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such agency resource");
}

const struct dc__route dc__exchange_routes[] = {
        {"/api/v1/feed", 0, "GET", r_feed},
        {"/api/v1/agency/attributes/", 1, "*", r_attr},
        {"/api/v1/agencies", 0, "*", r_agencies},
        {"/api/v1/agencies/", 1, "*", r_agency},
};
const size_t dc__exchange_routes_n = DC_ARRAY_LEN(dc__exchange_routes);
