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
 * dc_gen_next, until it is cleared (fixed codes such as "VN", "married" or
 * an ethnicity point to static text). The generator keeps nothing in that
 * pool between calls: the caller may clear it after every row. One
 * generator per thread.
 *
 * Determinism: a seeded xoshiro256** stream, not the CSPRNG. ID numbers and
 * 9-digit CMND numbers are unique within one generator's output.
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
	uint64_t count;       /* people to generate (duplicates included) */
	double error_rate;    /* fraction of rows with one injected error, 0–1 */
	double dup_rate;      /* fraction of rows that are near-duplicates, 0–1 */
	struct dc_date today; /* reference date for ages; fixed for determinism */
};

struct dc_gen_truth {
	const char *rule;   /* code of the rule the injected error must trip (rules.h), or NULL */
	const char *dup_of; /* for a near-duplicate: pin of the original, or NULL */
	/* for a near-duplicate: how its name was varied from the original's,
	 * "fold" (diacritics removed), "upper" (upper case), "no_middle"
	 * (middle names dropped), "retone" (tone mark on the other vowel),
	 * or "" (written the same); NULL for other rows. Static text. */
	const char *variant;
};

/* Creates a generator. Borrows units (must outlive it). opts->today must be
 * a full date in 2000–2300; error_rate and dup_rate lie in 0–1, dup_rate at
 * most 0.9 and their sum at most 1. Returns DC_OK and *out (free with
 * dc_gen_free), DC_ERR_INVALID for bad options, or DC_ERR_NOMEM. */
int dc_gen_new(const struct dc_units *units, const struct dc_gen_opts *opts, struct dc_gen **out);
void dc_gen_free(struct dc_gen *g);

/* The next person, or DC_DONE-like 1 when count people have been produced.
 * Returns DC_OK (0), 1 at the end, or a negative error. truth may be NULL.
 * Members of a household come together, parents before their children;
 * near-duplicates come between households and carry no household. Errors:
 * DC_ERR_NOMEM (pool; calling again retries the same row), DC_ERR_EXHAUSTED
 * (a million numbers for one prefix, sex and year already issued). */
int dc_gen_next(struct dc_gen *g, struct dc_citizen *out, struct dc_gen_truth *truth,
                struct dc_pool *pool);

#endif
