/* libFuzzer target: the whole import path (CSV or JSON Lines → quality gate
 * → SQLite store in memory). Any input must end in a clean result or a clean
 * error, and an import that reports success must have written exactly the
 * rows it says. The input is handed over through a memfd, as a file would be.
 * Inputs starting with '{' are read as JSON Lines. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dancu/import.h"
#include "dancu/store.h"
#include "dancu/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	char path[64];
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		__builtin_trap();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (dc_units_new(&u) || dc_store_open(":memory:", u, &s, NULL, 0))
		__builtin_trap();
	struct dc_import_opts o = {0};
	struct dc_import_result res;
	o.path = path;
	o.format = size && data[0] == '{' ? DC_IMPORT_JSONL : DC_IMPORT_CSV;
	o.partial = size & 1;
	o.actor = "fuzz";
	o.today = (struct dc_date){2026, 1, 1};
	int rc = dc_import(s, u, &o, &res);
	int64_t n = -1;
	if (dc_store_count(s, &n))
		__builtin_trap();
	if (rc == 0 && (uint64_t)n != res.inserted)
		__builtin_trap();
	if (rc != 0 && n != 0)
		__builtin_trap(); /* a failed import writes nothing */
	dc_store_close(s);
	dc_units_free(u);
	close(fd);
	return 0;
}
