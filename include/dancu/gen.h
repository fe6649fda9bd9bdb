/*
 * dancu/gen.h — a synthetic population: realistic, deterministic, never real.
 *
 * Households of 1–7 people with a head and relations, parents linked by ID
 * number, permanent residence in real communes weighted by province
 * population, Vietnamese names by sex (surname distribution: Nguyễn ≈ 38 %,
 * Trần, Lê, Phạm, …), an age pyramid, and valid ID numbers consistent with
 * date of birth, sex and birth province. The same seed and options always
 * give the same output, byte for byte.
 *
 * Options inject errors (each labelled with the data-quality rule that must
 * catch it) and near-duplicates (the same person again under another number
 * with a varied name), listed in a ground truth.
 *
 * Ownership: strings of generated records live in the pool passed to
 * dc_gen_next, until it is cleared. One generator per thread.
 */
#ifndef DANCU_GEN_H
#define DANCU_GEN_H

#include <stdint.h>

#include "dancu/citizen.h"
#include "dancu/pool.h"

struct dc_units;
struct dc_gen;

struct dc_gen_opts {
	uint64_t seed;
	uint64_t count;      /* people to generate (duplicates included) */
	double error_rate;   /* fraction of rows with one injected error, 0–1 */
	double dup_rate;     /* fraction of rows that are near-duplicates, 0–1 */
	struct dc_date today; /* reference date for ages; fixed for determinism */
};

struct dc_gen_truth {
	const char *rule;   /* code of the rule the injected error must trip (rules.h), or NULL */
	const char *dup_of; /* for a near-duplicate: pin of the original, or NULL */
};

/* Creates a generator. Borrows units (must outlive it). */
int dc_gen_new(const struct dc_units *units, const struct dc_gen_opts *opts, struct dc_gen **out);
void dc_gen_free(struct dc_gen *g);

/* The next person, or DC_DONE-like 1 when count people have been produced.
 * Returns DC_OK (0), 1 at the end, or a negative error. */
int dc_gen_next(struct dc_gen *g, struct dc_citizen *out, struct dc_gen_truth *truth,
		struct dc_pool *pool);

#endif
