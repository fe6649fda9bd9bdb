/*
 * schema_audit_links.c — audit_link: the people one audit entry is
 * about when it covers many (a chunk of a batch verification). Each row links
 * a personal ID number to the entry's sequence number; the entry itself
 * carries the count and the SHA-256 of the sorted list, so the hash chain
 * protects the links too (dc_audit_verify recomputes it).
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_audit_links(enum dc__dialect d, struct dc_buf *o)
{
	dc_buf_addf(o,
	            "CREATE TABLE audit_link (pin TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY "
	            "KEY (pin, seq))%s;\n"
	            "CREATE INDEX audit_link_seq ON audit_link (seq);\n",
	            d == DC__SQLITE ? " WITHOUT ROWID" : "");
	return dc_buf_error(o);
}
