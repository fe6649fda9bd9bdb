/*
 * dancu/stats.h — the figures of the Đề án 06 dashboard, computed live from
 * the store (docs/EXCHANGE.md, section 4):
 *
 *   cards        cards issued (produced) per province of the holder's
 *                permanent residence
 *   eid          e-ID accounts collected / approved / activated, and the
 *                activation rate (activated / approved)
 *   dossiers     online and offline dossiers per service
 *   verification verification volumes and match rates per organisation
 *   stays        stay notifications and the late rate per province
 *   connected    connected systems: agencies, relying parties, OIDC clients
 *   quality      data-quality score per commune (share of six key fields
 *                present in alive citizens' records)
 *
 * Reads only; one consistent snapshot is the caller's (dc_store snapshot)
 * if it wants one.
 */
#ifndef DANCU_STATS_H
#define DANCU_STATS_H

struct dc_store;
struct dc_units;
struct dc_buf;

/* 1 when name is one of the section names above. */
int dc_stats_section_valid(const char *name);

/* Appends section `name` (NULL: every section, JSON only) to out: as JSON
 * (an array of row objects; every section as one object keyed by name) or,
 * with csv set, as CSV with a header row. */
int dc_stats_write(struct dc_store *s, const struct dc_units *u, const char *name, int csv,
                   struct dc_buf *out);

#endif
