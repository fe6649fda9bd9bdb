/*
 * schema_residence.c — tables of the residence procedures: dossiers and
 * their steps, the current temporary-residence term of each citizen, and
 * temporary-absence declarations. Permanent, temporary and current
 * residence and the household themselves are columns of the citizen record
 * (groups 16–18, 22–23), changed through events like any other field.
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_residence(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o,
	            "CREATE TABLE dossier (id TEXT NOT NULL PRIMARY KEY, kind TEXT NOT NULL, "
	            "state TEXT NOT NULL, pin TEXT NOT NULL, commune TEXT NOT NULL, province "
	            "TEXT NOT NULL, payload TEXT NOT NULL, result TEXT, note TEXT, actor TEXT NOT "
	            "NULL, channel TEXT NOT NULL, submitted_ms BIGINT NOT NULL, received_ms "
	            "BIGINT NOT NULL, deadline_ms BIGINT NOT NULL, decided_ms BIGINT NOT NULL "
	            "DEFAULT 0);\n"
	            "CREATE INDEX dossier_commune ON dossier (commune, state, deadline_ms);\n"
	            "CREATE INDEX dossier_province ON dossier (province, state, deadline_ms);\n"
	            "CREATE INDEX dossier_pin ON dossier (pin);\n"
	            "CREATE TABLE dossier_step (dossier_id TEXT NOT NULL, at_ms BIGINT NOT NULL, "
	            "actor TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT, to_state TEXT "
	            "NOT NULL, note TEXT);\n"
	            "CREATE INDEX dossier_step_id ON dossier_step (dossier_id, at_ms);\n"
	            "CREATE TABLE residence_term (pin TEXT NOT NULL PRIMARY KEY, commune TEXT NOT "
	            "NULL, address TEXT NOT NULL, from_date TEXT NOT NULL, until_date TEXT NOT "
	            "NULL, dossier_id TEXT NOT NULL);\n"
	            "CREATE TABLE temp_absence (dossier_id TEXT NOT NULL PRIMARY KEY, pin TEXT NOT "
	            "NULL, from_date TEXT NOT NULL, to_date TEXT NOT NULL, destination TEXT NOT "
	            "NULL, case_code TEXT NOT NULL, reason TEXT, declared_ms BIGINT NOT NULL);\n"
	            "CREATE INDEX temp_absence_pin ON temp_absence (pin, to_date);\n");
	return dc_buf_error(o);
}
