/*
 * schema.h — the database schema, generated once for both back ends.
 * Internal to src/store/.
 */
#ifndef DANCU_STORE_SCHEMA_H
#define DANCU_STORE_SCHEMA_H

#include "dancu/buf.h"

enum dc__dialect { DC__SQLITE, DC__PG };

/* Number of migrations (the schema version a current database has). */
int dc__schema_version(void);

/* Appends the SQL of migration v (1-based) in the dialect to out. */
int dc__schema_migration(enum dc__dialect d, int v, struct dc_buf *out);

/* Migrations owned by modules, each in its module's directory. */
int dc__schema_residence(enum dc__dialect d, struct dc_buf *o);
int dc__schema_stay(enum dc__dialect d, struct dc_buf *o);
int dc__schema_audit_ckpt(enum dc__dialect d, struct dc_buf *o);
int dc__schema_search(enum dc__dialect d, struct dc_buf *o);
int dc__schema_review(enum dc__dialect d, struct dc_buf *o);
int dc__schema_card(enum dc__dialect d, struct dc_buf *o);
int dc__schema_eid(enum dc__dialect d, struct dc_buf *o);

struct dc_db;

/* Applies every missing migration, each in its own transaction.
 * DC_ERR_SCHEMA when the database is newer than this program. */
int dc__schema_migrate(struct dc_db *db, enum dc__dialect d);

/* Migrations owned by modules (one function each, in their own file). */
int dc__schema_apikey(enum dc__dialect d, struct dc_buf *o); /* src/auth/schema_apikey.c */
int dc__schema_verify(enum dc__dialect d, struct dc_buf *o); /* src/verify/schema_verify.c */
int dc__schema_audit_links(enum dc__dialect d,
                           struct dc_buf *o);                 /* src/audit/schema_audit_links.c */
int dc__schema_kyc(enum dc__dialect d, struct dc_buf *o);     /* src/verify/schema_kyc.c */
int dc__schema_eid_api(enum dc__dialect d, struct dc_buf *o); /* src/eid/schema_eid.c */

int dc__schema_exchange(enum dc__dialect d, struct dc_buf *o); /* src/exchange/ */
int dc__schema_org_cert(enum dc__dialect d, struct dc_buf *o); /* src/verify/schema_org_cert.c */
int dc__schema_services(enum dc__dialect d, struct dc_buf *o); /* src/exchange/ */
int dc__schema_stats_attachments(enum dc__dialect d, struct dc_buf *o); /* src/exchange/ */
int dc__schema_eid_dpop_jkt(enum dc__dialect d, struct dc_buf *o);      /* src/eid/schema_eid.c */
int dc__schema_stats_more(enum dc__dialect d, struct dc_buf *o);        /* src/exchange/ */

#endif
