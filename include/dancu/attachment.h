/*
 * dancu/attachment.h — files attached to a public-service dossier
 * (docs/EXCHANGE.md, "Attachments").
 *
 * An attachment is a PDF, JPEG or PNG document (a scanned certificate, a
 * photo) kept in the database with the dossier: table svc_attachment, the
 * bytes as base64 text (both back ends store text; PostgreSQL text cannot
 * hold NUL bytes), with the SHA-256 of the bytes computed on upload and
 * checked again on every read. The declared content type must be on the
 * allow-list and agree with the file's first bytes (its magic number).
 * Closed dossiers (completed, rejected, partial) take no more attachments.
 *
 * Every function takes the store (one thread at a time) and joins the
 * caller's transaction. Strings passed in are borrowed for the call.
 */
#ifndef DANCU_ATTACHMENT_H
#define DANCU_ATTACHMENT_H

#include <stddef.h>
#include <stdint.h>

struct dc_store;
struct dc_buf;

#define DC_ATTACHMENT_MAX_PER_DOSSIER 20
#define DC_ATTACHMENT_NAME_MAX 200

/* The allowed content type that the n bytes at p start with
 * ("application/pdf", "image/jpeg", "image/png"; static), or NULL. Pure. */
const char *dc_attachment_sniff(const unsigned char *p, size_t n);

/* The allowed content type named by a Content-Type header value (n bytes;
 * parameters after ';' and case are ignored), as the static string of
 * dc_attachment_sniff, or NULL when it is not allowed. Pure. */
const char *dc_attachment_type(const char *v, size_t n);

struct dc_attachment_new {
	const char *dossier;      /* dossier id */
	const char *name;         /* file name shown to people: 1–200 bytes, no
	                           * control characters, '/' or '\' */
	const char *content_type; /* from dc_attachment_type */
	const unsigned char *data;
	size_t len;
	uint64_t max_len; /* the size limit (a server setting) */
	const char *actor;
	int64_t now_ms;
};

/* Stores an attachment. id_out (40 bytes) gets its id, sha_out (65 bytes)
 * the hex SHA-256. Errors, with a sentence in err: DC_ERR_INVALID (empty,
 * bad name, type not allowed, bytes that are not of the declared type),
 * DC_ERR_TOO_LARGE (over max_len), DC_ERR_NOT_FOUND (no such dossier),
 * DC_ERR_CONFLICT (dossier closed, or it has DC_ATTACHMENT_MAX_PER_DOSSIER
 * already). */
int dc_attachment_add(struct dc_store *s, const struct dc_attachment_new *a, char id_out[40],
                      char sha_out[65], char *err, size_t errlen);

/* Appends the dossier's attachments as a JSON array of {id, name,
 * content_type, size, sha256, at_ms, actor}, oldest first. */
int dc_attachment_list(struct dc_store *s, const char *dossier, struct dc_buf *out);

/* Reads attachment id of the dossier: the bytes into content (appended),
 * its type into ctype (32 bytes) and name into name (201 bytes).
 * DC_ERR_NOT_FOUND; DC_ERR_VERIFY when the stored bytes no longer match
 * their SHA-256. */
int dc_attachment_get(struct dc_store *s, const char *dossier, const char *id,
                      struct dc_buf *content, char ctype[32], char name[201]);

#endif
