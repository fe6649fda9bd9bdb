/*
 * lookup.c — in-process lookup benchmark: random reads of citizens by
 * personal ID number through dc_store_citizen_get, one thread.
 *   lookup DB_OR_CONNINFO PINS_FILE SECONDS
 * PINS_FILE holds one existing pin per line (taken from the imported CSV).
 * Prints "lookups=N seconds=S rate=R/s misses=M".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/store.h"
#include "dancu/units.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: lookup DB PINS_FILE SECONDS\n");
		return 2;
	}
	struct dc_units *u;
	struct dc_store *s;
	char err[256];
	if (dc_units_new(&u) || dc_store_open(argv[1], u, &s, err, sizeof err)) {
		fprintf(stderr, "lookup: cannot open %s: %s\n", argv[1], err);
		return 1;
	}
	FILE *f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	size_t cap = 1 << 20, n = 0;
	struct dc_pin *pins = malloc(cap * sizeof(*pins));
	char line[64];
	while (fgets(line, sizeof line, f)) {
		if (n == cap) {
			cap *= 2;
			pins = realloc(pins, cap * sizeof(*pins));
		}
		if (dc_pin_parse(line, 12, &pins[n]) == 0)
			n++;
	}
	fclose(f);
	if (!n) {
		fprintf(stderr, "lookup: no pins in %s\n", argv[2]);
		return 1;
	}
	double secs = strtod(argv[3], NULL);
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	uint64_t x = 88172645463325252ULL, count = 0, misses = 0;
	double t0 = now(), t1 = t0;
	while (t1 - t0 < secs) {
		/* One read snapshot per 4096 lookups, as a server would hold one
		 * per batch of requests. */
		if (dc_store_snapshot_begin(s))
			return 1;
		for (int k = 0; k < 4096; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			struct dc_citizen c;
			if (dc_store_citizen_get(s, &pins[x % n], &c, &pool))
				misses++;
			dc_pool_clear(&pool);
			count++;
		}
		if (dc_store_snapshot_end(s))
			return 1;
		t1 = now();
	}
	printf("lookups=%llu seconds=%.2f rate=%.0f/s misses=%llu\n", (unsigned long long)count,
	       t1 - t0, (double)count / (t1 - t0), (unsigned long long)misses);
	dc_pool_release(&pool);
	free(pins);
	dc_store_close(s);
	dc_units_free(u);
	return misses != 0;
}
