/*
 * chip.c — cost of a chip read and its verification, in process, one
 * thread, without the register:
 *   chip [CARDS]   (default 200)
 * Creates a throw-away PKI (CSCA + DS, P-256) in a temporary directory,
 * issues CARDS synthetic chips (EF.COM, DG1, DG2, DG13, EF.SOD), then per
 * card: the full read from the software chip (SELECT, BAC, SM reads) and
 * passive authentication (CMS signature, DS chain with CRL, DG hashes).
 * Prints median / p99 ms for "read" and for "passive auth", and the issue
 * cost (LDS build + SOD signature). Then the same cards with their own keys
 * (DG14, DG15, EF.CardAccess; one key pair shared, as key generation is an
 * issuance cost): the read with PACE, AES secure messaging, chip
 * authentication and active authentication.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dancu/chip.h"
#include "dancu/lds.h"
#include "dancu/pki.h"

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
	printf("%s: cards=%d median_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", what, n, t[n / 2],
	       t[(int)(n * 0.99)], t[n - 1]);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	if (n < 1)
		n = 1;
	char dir[] = "/tmp/dancu-bench-chip-XXXXXX", why[160], p[300];
	if (!mkdtemp(dir))
		return 1;
	if (dc_pki_init(dir, NULL, why) || dc_pki_ds_new(dir, "ds", NULL, why)) {
		fprintf(stderr, "pki: %s\n", why);
		return 1;
	}
	struct dc_pki_signer *s = NULL;
	struct dc_pki_trust *t = NULL;
	snprintf(p, sizeof p, "%s/trust", dir);
	if (dc_pki_signer_load(dir, &s, why) || dc_pki_trust_load(p, &t, why)) {
		fprintf(stderr, "pki: %s\n", why);
		return 1;
	}
	double *ti = calloc((size_t)n, sizeof *ti), *tr = calloc((size_t)n, sizeof *tr),
	       *tp = calloc((size_t)n, sizeof *tp);
	const char *mrz = "IDVNM1990123456001199012345<<7\n9903159F3903157VNM<<<<<<<<<<<8\n"
	                  "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<";
	struct dc_dg13 d;
	memset(&d, 0, sizeof d);
	d.f[1] = "001199012345";
	d.f[2] = "Nguyễn Thị Mẫu";
	d.f[3] = "15/03/1999";
	d.f[9] = "Phường Ba Đình, Thành phố Hà Nội";
	int bad = 0;
	for (int i = 0; i < n; i++) {
		struct dc_lds l, got;
		memset(&l, 0, sizeof l);
		memset(&got, 0, sizeof got);
		struct dc_lds_input in = {mrz, true, &d, NULL, false};
		double t0 = now_ms();
		dc_lds_build(&in, s, &l);
		double t1 = now_ms();
		struct dc_softchip *c = NULL;
		dc_softchip_new(&l, mrz, &c);
		struct dc_chip_transport tx = dc_softchip_transport(c);
		struct dc_read_result r;
		double t2 = now_ms();
		dc_chip_read(&tx, mrz, &got, &r);
		double t3 = now_ms();
		struct dc_pa_result pa;
		dc_pa_verify(&got, t, 0, &pa);
		double t4 = now_ms();
		if (r.status != DC_READ_OK || pa.reason != DC_PA_OK) {
			bad++;
			fprintf(stderr, "card %d (BAC): %s (%s) pa=%s\n", i,
			        dc_read_status_name(r.status), r.detail,
			        dc_pa_reason_name(pa.reason));
		}
		ti[i] = t1 - t0;
		tr[i] = t3 - t2;
		tp[i] = t4 - t3;
		dc_softchip_free(c);
		dc_lds_free(&l);
		dc_lds_free(&got);
	}
	report("issue (LDS + SOD signature)", ti, n);
	report("read (select, BAC, SM reads)", tr, n);
	report("passive auth", tp, n);
	struct dc_chip_keys *keys = NULL;
	double t0 = now_ms();
	if (dc_chip_keys_generate(&keys))
		return 1;
	printf("chip keys (AA + CA, P-256): ms=%.3f\n", now_ms() - t0);
	for (int i = 0; i < n; i++) {
		struct dc_lds l, got;
		memset(&l, 0, sizeof l);
		memset(&got, 0, sizeof got);
		struct dc_lds_input in = {mrz, true, &d, keys, true};
		dc_lds_build(&in, s, &l);
		struct dc_softchip *c = NULL;
		dc_softchip_new(&l, mrz, &c);
		dc_softchip_set_keys(c, keys);
		struct dc_chip_transport tx = dc_softchip_transport(c);
		struct dc_read_result r;
		double t2 = now_ms();
		dc_chip_read(&tx, mrz, &got, &r);
		double t3 = now_ms();
		struct dc_pa_result pa;
		dc_pa_verify(&got, t, 0, &pa);
		double t4 = now_ms();
		if (r.status != DC_READ_OK || r.ca != 1 || r.aa != 1 || r.pace != 1 ||
		    pa.reason != DC_PA_OK) {
			bad++;
			fprintf(stderr, "card %d: %s (%s) ca=%d (%s) aa=%d (%s) pace=%d pa=%s\n", i,
			        dc_read_status_name(r.status), r.detail, r.ca, r.ca_detail, r.aa,
			        r.aa_detail, r.pace, dc_pa_reason_name(pa.reason));
		}
		tr[i] = t3 - t2;
		tp[i] = t4 - t3;
		dc_softchip_free(c);
		dc_lds_free(&l);
		dc_lds_free(&got);
	}
	report("read (PACE, AES SM, chip auth, SM reads, active auth)", tr, n);
	report("passive auth (with DG14, DG15)", tp, n);
	dc_chip_keys_free(keys);
	printf("failures=%d\n", bad);
	dc_pki_signer_free(s);
	dc_pki_trust_free(t);
	free(ti);
	free(tr);
	free(tp);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) != 0 || bad != 0;
}
