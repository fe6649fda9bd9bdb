/*
 * checkin.c — server-side time of one check-in scan (card verification
 * against the register + candidate lookup + the check-in write), in
 * process, one thread, without HTTP.
 *   checkin DB_OR_CONNINFO CARDS
 * Creates CARDS synthetic citizens with delivered cards on an empty store,
 * an event listing all of them, then scans every card's QR once (first
 * check-in, a write) and every card's MRZ once (already checked in).
 * Prints the median, p99 and max time per scan in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/card.h"
#include "dancu/checkin.h"
#include "dancu/store.h"
#include "dancu/units.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("%s: scans=%d median_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", what, n, t[n / 2],
	       t[(int)(n * 0.99)], t[n - 1]);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: checkin DB_OR_CONNINFO CARDS\n");
		return 2;
	}
	int n = (int)strtol(argv[2], NULL, 10);
	struct dc_units *u;
	struct dc_store *s;
	char err[256];
	if (n < 1 || dc_units_new(&u) || dc_store_open(argv[1], u, &s, err, sizeof err)) {
		fprintf(stderr, "checkin: cannot open %s\n", argv[1]);
		return 1;
	}
	struct dc_date today = dc_date_today();
	char(*qr)[1024] = calloc((size_t)n, sizeof *qr);
	char(*mrz)[DC_MRZ_TEXT_MAX] = calloc((size_t)n, sizeof *mrz);
	double *t = calloc((size_t)n, sizeof *t);
	int64_t ev;
	if (!qr || !mrz || !t || dc_checkin_event_create(s, "bench", "bench", &ev))
		return 1;
	dc_store_begin(s);
	for (int i = 0; i < n; i++) {
		struct dc_citizen c;
		struct dc_card card;
		memset(&c, 0, sizeof c);
		dc_pin_make(1, 1990 + i % 20, i % 2 ? DC_SEX_FEMALE : DC_SEX_MALE, (unsigned)i,
		            &c.pin);
		c.dob = (struct dc_date){(int16_t)(1990 + i % 20), (int8_t)(1 + i % 12),
		                         (int8_t)(1 + i % 28)};
		c.sex = i % 2 ? 'F' : 'M';
		c.birth_name = i % 2 ? "Nguyễn Thị Mẫu" : "Trần Văn Thư";
		c.perm_commune = "00004";
		c.perm_address = "Số 1";
		struct dc_change why = {"bench", "bench", NULL, "birth"};
		struct dc_card_op op = {"bench", NULL, "first", NULL, today, {0, 0, 0}, "", NULL};
		if (dc_store_citizen_create(s, &c, &why, NULL) ||
		    dc_card_apply(s, &c.pin, DC_CARD_FIRST, &op, &card) ||
		    dc_card_act(s, u, card.id, DC_CARD_APPROVE, &op, NULL) ||
		    dc_card_act(s, u, card.id, DC_CARD_PRODUCE, &op, NULL) ||
		    dc_card_act(s, u, card.id, DC_CARD_DELIVER, &op, &card) ||
		    dc_checkin_candidate_add(s, ev, &c.pin, "P.101")) {
			fprintf(stderr, "checkin: setup failed at %d: %s\n", i, op.detail);
			return 1;
		}
		memcpy(qr[i], card.qr, sizeof qr[i]);
		memcpy(mrz[i], card.mrz, sizeof mrz[i]);
	}
	dc_store_commit(s);
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	for (int form = 0; form < 2; form++) {
		for (int i = 0; i < n; i++) {
			struct dc_checkin_result r;
			const char *x = form ? mrz[i] : qr[i];
			double t0 = now_ms();
			int rc =
			        dc_checkin_scan(s, u, ev, form ? DC_CARD_FORM_MRZ : DC_CARD_FORM_QR,
			                        x, strlen(x), &today, &r, &pool);
			t[i] = now_ms() - t0;
			if (rc || !r.checked_in || r.already != (form == 1)) {
				fprintf(stderr, "checkin: scan %d failed\n", i);
				return 1;
			}
			dc_pool_clear(&pool);
		}
		report(form ? "mrz (already checked in)" : "qr (first check-in)", t, n);
	}
	dc_pool_release(&pool);
	free(qr);
	free(mrz);
	free(t);
	dc_store_close(s);
	dc_units_free(u);
	return 0;
}
