/* libFuzzer target: the CSV reader must never crash, read out of bounds or
 * loop, whatever the bytes; every field it returns is NUL-terminated at its
 * stated length and lies inside the reader's row. */
#include <stdint.h>
#include <string.h>

#include "dancu/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dc_csv_row row; /* large; not state between runs */
	struct dc_csv *r;
	if (dc_csv_open_mem(data, size, &r))
		return 0;
	uint64_t last_line = 0;
	for (int guard = 0; guard < 1000000; guard++) {
		int rc = dc_csv_next(r, &row);
		if (rc == 0)
			break;
		if (rc == 1) {
			for (size_t i = 0; i < row.nfields; i++)
				if (row.fields[i][row.lens[i]] != '\0' ||
				    strlen(row.fields[i]) > row.lens[i])
					__builtin_trap();
		}
		if (row.line < last_line)
			__builtin_trap(); /* line numbers never go back */
		last_line = row.line;
	}
	dc_csv_free(r);
	return 0;
}
