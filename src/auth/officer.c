/*
 * officer.c — officer accounts, password + TOTP login with lockout, and
 * sessions (see dancu/officer.h for the rules).
 */
#include <errno.h>
#include <fcntl.h>
#include <liboath/oath.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dancu/core.h"
#include "dancu/db.h"
#include "dancu/officer.h"
#include "dancu/password.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"

#define TOTP_BYTES 20

static const char *const role_names[] = {NULL, "commune_officer", "province_officer",
                                         "national_admin", "auditor"};

int dc_role_parse(const char *s, enum dc_role *out)
{
	for (int i = 1; i <= DC_ROLE_AUDITOR; i++)
		if (!strcmp(s, role_names[i])) {
			*out = (enum dc_role)i;
			return DC_OK;
		}
	return DC_ERR_INVALID;
}

const char *dc_role_name(enum dc_role r)
{
	return r >= DC_ROLE_COMMUNE && r <= DC_ROLE_AUDITOR ? role_names[r] : "unknown";
}

int dc_master_key_load(const char *path, int create, unsigned char key[32], char *err,
                       size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
		randombytes_buf(key, 32);
		int w = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (w < 0 || write(w, key, 32) != 32 || fsync(w) || close(w) || rename(tmp, path)) {
			snprintf(err, errlen, "cannot create the master key %s: %s", path,
			         strerror(errno));
			unlink(tmp);
			return DC_ERR_IO;
		}
		return DC_OK;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the master key %s: %s", path, strerror(errno));
		return DC_ERR_IO;
	}
	int rc = DC_OK;
	if (fstat(fd, &st) || (st.st_mode & 077)) {
		snprintf(err, errlen,
		         "the master key %s must not be readable by group or others "
		         "(chmod 600)",
		         path);
		rc = DC_ERR_FORBIDDEN;
	} else if (read(fd, key, 32) != 32) {
		snprintf(err, errlen, "the master key %s is not 32 bytes", path);
		rc = DC_ERR_IO;
	}
	close(fd);
	return rc;
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static int valid_jurisdiction(const struct dc_units *u, enum dc_role r, const char *j)
{
	switch (r) {
	case DC_ROLE_COMMUNE:
		return dc_units_commune(u, j, strlen(j)) != NULL;
	case DC_ROLE_PROVINCE:
		return dc_units_province(u, j, strlen(j)) != NULL;
	case DC_ROLE_NATIONAL:
	case DC_ROLE_AUDITOR:
		return !strcmp(j, "VN");
	}
	return 0;
}

int dc_officer_add(struct dc_store *s, const struct dc_units *u, const struct dc_officer *o,
                   const char *password, const unsigned char key[32], char *totp_b32, char *err,
                   size_t errlen)
{
	char hash[DC_PWHASH_LEN];
	unsigned char secret[TOTP_BYTES];
	unsigned char sealed[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_BYTES];
	char sealed_hex[2 * sizeof sealed + 1];
	struct dc_stmt *st = NULL;
	char *b32 = NULL;
	size_t b32len;
	if (!valid_id(o->id)) {
		snprintf(err, errlen, "officer id must be 1-64 of a-z 0-9 . _ -");
		return DC_ERR_INVALID;
	}
	if (!o->name[0]) {
		snprintf(err, errlen, "officer name is required");
		return DC_ERR_INVALID;
	}
	if (o->role < DC_ROLE_COMMUNE || o->role > DC_ROLE_AUDITOR ||
	    !valid_jurisdiction(u, o->role, o->jurisdiction)) {
		snprintf(err, errlen,
		         "jurisdiction \"%s\" does not fit role %s (commune code, "
		         "province code, or VN)",
		         o->jurisdiction, dc_role_name(o->role));
		return DC_ERR_INVALID;
	}
	if (strlen(password) < 12) {
		snprintf(err, errlen, "password must have at least 12 characters");
		return DC_ERR_INVALID;
	}
	if (sodium_init() < 0 || dc_password_hash(password, hash) != DC_OK)
		return DC_ERR_NOMEM;
	randombytes_buf(secret, sizeof secret);
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, secret, sizeof secret, sealed,
	                      key);
	sodium_bin2hex(sealed_hex, sizeof sealed_hex, sealed, sizeof sealed);
	oath_init();
	if (oath_base32_encode((const char *)secret, sizeof secret, &b32, &b32len) != OATH_OK)
		return DC_ERR_NOMEM;
	snprintf(totp_b32, 64, "%s", b32);
	free(b32);
	sodium_memzero(secret, sizeof secret);
	int rc = dc_db_prepare(dc_store_db(s),
	                       "INSERT INTO officer (id, name, role, jurisdiction, password_hash, "
	                       "totp_sealed, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) ON "
	                       "CONFLICT (id) DO NOTHING",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, o->id);
		dc_stmt_bind_str(st, 2, o->name);
		dc_stmt_bind_str(st, 3, dc_role_name(o->role));
		dc_stmt_bind_str(st, 4, o->jurisdiction);
		dc_stmt_bind_str(st, 5, hash);
		dc_stmt_bind_str(st, 6, sealed_hex);
		dc_stmt_bind_int64(st, 7, dc_now_ms());
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_CONFLICT;
	}
	dc_stmt_finalize(st);
	if (rc == DC_ERR_CONFLICT)
		snprintf(err, errlen, "officer %s already exists", o->id);
	return rc;
}

static void fill(struct dc_stmt *st, void *arg)
{
	struct dc_officer *o = arg;
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof o->id, "%s", dc_stmt_text(st, 0, NULL));
	snprintf(o->name, sizeof o->name, "%s", dc_stmt_text(st, 1, NULL));
	dc_role_parse(dc_stmt_text(st, 2, NULL), &o->role);
	snprintf(o->jurisdiction, sizeof o->jurisdiction, "%s", dc_stmt_text(st, 3, NULL));
	o->disabled = (int)dc_stmt_int64(st, 4);
}

int dc_officer_get(struct dc_store *s, const char *id, struct dc_officer *out)
{
	return dc_db_get_one(dc_store_db(s),
	                     "SELECT id, name, role, jurisdiction, disabled FROM officer WHERE "
	                     "id = $1",
	                     id, fill, out);
}

int dc_officer_list(struct dc_store *s, int (*cb)(void *arg, const struct dc_officer *o), void *arg)
{
	struct dc_stmt *st = NULL;
	int rc =
	        dc_db_prepare(dc_store_db(s),
	                      "SELECT id, name, role, jurisdiction, disabled FROM officer ORDER BY "
	                      "id",
	                      &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		struct dc_officer o;
		fill(st, &o);
		rc = cb(arg, &o);
	}
	dc_stmt_finalize(st);
	return rc;
}

static int exec2(struct dc_store *s, const char *sql, const char *a, int64_t b, int64_t c)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), sql, &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, a);
		if (strstr(sql, "$2"))
			dc_stmt_bind_int64(st, 2, b);
		if (strstr(sql, "$3"))
			dc_stmt_bind_int64(st, 3, c);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_officer_set_disabled(struct dc_store *s, const char *id, int disabled)
{
	int rc = exec2(s, "UPDATE officer SET disabled = $2 WHERE id = $1", id, disabled != 0, 0);
	/* A disabled officer's sessions end at once. */
	if (rc == DC_OK && disabled) {
		rc = exec2(s, "DELETE FROM session WHERE officer_id = $1", id, 0, 0);
		rc = rc == DC_ERR_NOT_FOUND ? DC_OK : rc;
	}
	return rc;
}

static void token_hash(const char *token, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, 65, d, sizeof d);
}

int dc_officer_password_hash(struct dc_store *s, const char *id, int64_t now, char *out)
{
	struct dc_stmt *st = NULL;
	out[0] = '\0';
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT password_hash, locked_until_ms FROM officer WHERE id = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			snprintf(out, DC_PWHASH_LEN, "%s", dc_stmt_text(st, 0, NULL));
			rc = dc_stmt_int64(st, 1) > now ? DC_ERR_LOCKED : DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_AUTH;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_officer_login(struct dc_store *s, const unsigned char key[32], const char *id,
                     const char *password, const char *totp, int64_t now, char *token,
                     int64_t *expires_ms)
{
	char hash[DC_PWHASH_LEN];
	int rc = dc_officer_password_hash(s, id, now, hash);
	if (rc && rc != DC_ERR_AUTH && rc != DC_ERR_LOCKED)
		return rc;
	if (rc == DC_ERR_LOCKED)
		return dc_officer_login_checked(s, key, id, NULL, totp, now, token, expires_ms);
	int ok = dc_password_check(hash, password);
	return dc_officer_login_checked(s, key, id, ok ? hash : NULL, totp, now, token, expires_ms);
}

int dc_officer_login_checked(struct dc_store *s, const unsigned char key[32], const char *id,
                             const char *verified_hash, const char *totp, int64_t now, char *token,
                             int64_t *expires_ms)
{
	struct dc_stmt *st = NULL;
	char hash[DC_PWHASH_LEN] = "", sealed_hex[256] = "", th[65];
	int64_t locked_until = 0, failed = 0, last_step = 0;
	int disabled = 0, found = 0;
	if (sodium_init() < 0)
		return DC_ERR_NOMEM;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	rc = dc_db_prepare(dc_store_db(s),
	                   "SELECT password_hash, totp_sealed, disabled, failed, locked_until_ms, "
	                   "last_totp_step FROM officer WHERE id = $1",
	                   &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			found = 1;
			snprintf(hash, sizeof hash, "%s", dc_stmt_text(st, 0, NULL));
			snprintf(sealed_hex, sizeof sealed_hex, "%s", dc_stmt_text(st, 1, NULL));
			disabled = (int)dc_stmt_int64(st, 2);
			failed = dc_stmt_int64(st, 3);
			locked_until = dc_stmt_int64(st, 4);
			last_step = dc_stmt_int64(st, 5);
		}
		rc = rc < 0 ? rc : DC_OK;
	}
	dc_stmt_finalize(st);
	if (rc)
		goto done;
	if (!found) {
		rc = DC_ERR_AUTH;
		goto done;
	}
	if (locked_until > now) {
		rc = DC_ERR_LOCKED;
		goto done;
	}
	/* The password was checked against verified_hash: it still counts
	 * only if that is still the officer's hash (not changed meanwhile). */
	size_t hl = strlen(hash);
	int ok = verified_hash && hl && strlen(verified_hash) == hl &&
	         sodium_memcmp(verified_hash, hash, hl) == 0;
	/* TOTP: unseal, check ±1 step, and refuse a step already used. */
	unsigned char sealed[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_BYTES];
	unsigned char secret[TOTP_BYTES];
	size_t bin = 0;
	int64_t step = 0;
	if (ok) {
		ok = sodium_hex2bin(sealed, sizeof sealed, sealed_hex, strlen(sealed_hex), NULL,
		                    &bin, NULL) == 0 &&
		     bin == sizeof sealed &&
		     crypto_secretbox_open_easy(secret, sealed + crypto_secretbox_NONCEBYTES,
		                                sizeof sealed - crypto_secretbox_NONCEBYTES, sealed,
		                                key) == 0;
	}
	if (ok) {
		int pos = 0;
		oath_init();
		ok = totp && strlen(totp) == 6 &&
		     oath_totp_validate2((const char *)secret, sizeof secret, (time_t)(now / 1000),
		                         30, 0, 1, &pos, totp) >= 0;
		step = now / 1000 / 30 + pos;
		ok = ok && step > last_step;
		sodium_memzero(secret, sizeof secret);
	}
	if (!ok || disabled) {
		failed++;
		rc = exec2(s, "UPDATE officer SET failed = $2, locked_until_ms = $3 WHERE id = $1",
		           id, failed >= DC_LOCK_AFTER ? 0 : failed,
		           failed >= DC_LOCK_AFTER ? now + DC_LOCK_MS : 0);
		if (rc == DC_OK)
			rc = DC_ERR_AUTH;
		goto done;
	}
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, DC_TOKEN_LEN + 1, raw, sizeof raw,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	token_hash(token, th);
	rc = exec2(
	        s,
	        "UPDATE officer SET failed = 0, locked_until_ms = 0, last_totp_step = $2 WHERE id "
	        "= $1",
	        id, step, 0);
	if (rc == DC_OK) {
		struct dc_stmt *ins = NULL;
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "INSERT INTO session (token_hash, officer_id, created_ms, expires_ms) "
		        "VALUES ($1, $2, $3, $4)",
		        &ins);
		if (rc == DC_OK) {
			dc_stmt_bind_str(ins, 1, th);
			dc_stmt_bind_str(ins, 2, id);
			dc_stmt_bind_int64(ins, 3, now);
			dc_stmt_bind_int64(ins, 4, now + DC_SESSION_MS);
			rc = dc_stmt_step(ins);
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(ins);
	}
	if (rc == DC_OK && expires_ms)
		*expires_ms = now + DC_SESSION_MS;
done:
	/* Failed attempts must be recorded, so they commit too. */
	if (rc == DC_OK || rc == DC_ERR_AUTH || rc == DC_ERR_LOCKED) {
		int crc = dc_store_commit(s);
		return crc ? crc : rc;
	}
	dc_store_rollback(s);
	return rc;
}

int dc_officer_session(struct dc_store *s, const char *token, int64_t now, struct dc_officer *out)
{
	char th[65];
	struct dc_stmt *st = NULL;
	if (!token || strlen(token) != DC_TOKEN_LEN)
		return DC_ERR_AUTH;
	token_hash(token, th);
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "SELECT o.id, o.name, o.role, o.jurisdiction, o.disabled FROM session "
	        "s JOIN officer o ON o.id = s.officer_id WHERE s.token_hash = $1 AND "
	        "s.expires_ms > $2 AND o.disabled = 0",
	        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, th);
		dc_stmt_bind_int64(st, 2, now);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			fill(st, out);
			rc = DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_AUTH;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_officer_logout(struct dc_store *s, const char *token)
{
	char th[65];
	if (!token || strlen(token) != DC_TOKEN_LEN)
		return DC_ERR_AUTH;
	token_hash(token, th);
	int rc = exec2(s, "DELETE FROM session WHERE token_hash = $1", th, 0, 0);
	return rc == DC_ERR_NOT_FOUND ? DC_ERR_AUTH : rc;
}
