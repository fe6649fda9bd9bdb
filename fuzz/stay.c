/* libFuzzer target: a stay report as a business sends it. Arbitrary bytes
 * as the guests array and as a local time must never crash; a report that
 * is not an array of 1..1000 objects is refused whole and writes nothing; a
 * time that parses has a deadline after it and at most 33 hours later.
 * The store is an in-memory SQLite register, made once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/buf.h"
#include "dancu/stay.h"
#include "dancu/store.h"
#include "dancu/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dc_store *store;
static struct dc_units *units;
static struct dc_business biz = {"fuzz.hotel", "Fuzz", "00004", "hotel", 0};

static void setup(void)
{
	char err[256];
	if (dc_units_new(&units) || dc_store_open(":memory:", units, &store, err, sizeof err) ||
	    dc_business_add(store, units, &biz, "fuzz", err, sizeof err))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!store)
		setup();
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	int64_t ms;
	if (dc_stay_parse_time(s, &ms) == 0) {
		int64_t d = dc_stay_deadline(ms);
		if (d <= ms || d - ms > 33 * 3600 * 1000LL)
			__builtin_trap();
	}
	struct dc_buf out = DC_BUF_INIT;
	char err[256];
	int recorded = -1;
	int rc = dc_stay_report(store, &biz, s, size, 1795000000000LL, "fuzz", &out, &recorded, err,
	                        sizeof err);
	if (rc == 0 && (recorded < 0 || out.len == 0 || out.ptr[0] != '['))
		__builtin_trap();
	if (rc != 0 && recorded != 0)
		__builtin_trap();
	dc_buf_release(&out);
	free(s);
	return 0;
}
