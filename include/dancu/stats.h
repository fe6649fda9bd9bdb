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
 * if it wants one. Cards, quality, eid, dossiers and stays come from
 * counter tables (stats_commune, stats_eid, stats_dossier, stats_stay; a
 * few thousand rows whatever the volume) that every write keeps in its own
 * transaction; dc_stats_check compares them with an independent count,
 * dc_stats_rebuild recomputes them.
 */
#ifndef DANCU_STATS_H
#define DANCU_STATS_H

#include <stdint.h>

struct dc_store;
struct dc_units;
struct dc_buf;

/* 1 when name is one of the section names above. */
int dc_stats_section_valid(const char *name);

/* Appends section `name` (NULL: every section, JSON only) to out: as JSON
 * (an array of row objects; every section as one object keyed by name,
 * with "area" first) or, with csv set, as CSV with a header row. area
 * (NULL or "": national) cuts the figures to a province (2-digit code) or
 * a commune (5-digit code) of u: cards, quality, eid, dossiers and stays;
 * verification and connected are national. DC_ERR_INVALID for an unknown
 * section or area. */
int dc_stats_write(struct dc_store *s, const struct dc_units *u, const char *area, const char *name,
                   int csv, struct dc_buf *out);

/* Recomputes every counter from the tables, in one transaction (an
 * operator's repair after drift; dc_stats_check finds drift). */
int dc_stats_rebuild(struct dc_store *s);

/* Compares every counter with an independent count in one snapshot.
 * Appends one line per counter row that differs to out, counter minus
 * count: "commune C: citizens +N, fields +N, cards +N", "e-ID commune C:
 * collected +N, approved +N, activated +N" (C "(none)": no commune),
 * "dossiers SERVICE C P: online +N, offline +N", "stays C DAY P: stays
 * +N, late +N"; sets *drifted to their number (0: none). */
int dc_stats_check(struct dc_store *s, struct dc_buf *out, int64_t *drifted);

#endif
