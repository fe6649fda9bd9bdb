/*
 * dancu/report.h — a summary of the register: how many people, by status,
 * sex, age band and province of permanent residence, households, and the
 * import batches. Computed live from the store (no cached figures).
 */
#ifndef DANCU_REPORT_H
#define DANCU_REPORT_H

#include "dancu/buf.h"
#include "dancu/date.h"

struct dc_store;
struct dc_units;

/* Appends the summary as one JSON object to out. today sets the age bands.
 * Returns DC_OK or a storage error. */
int dc_report_summary(struct dc_store *s, const struct dc_units *u, const struct dc_date *today,
                      struct dc_buf *out);

#endif
