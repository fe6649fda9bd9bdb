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

/* Migrations owned by modules (one function each). */
int dc__schema_eid(enum dc__dialect d, struct dc_buf *o);

struct dc_db;

/* Applies every missing migration, each in its own transaction.
 * DC_ERR_SCHEMA when the database is newer than this program. */
int dc__schema_migrate(struct dc_db *db, enum dc__dialect d);

#endif
