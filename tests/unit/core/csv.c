/* Tests for src/core/csv.c: RFC 4180 quoting, CRLF, BOM, embedded newlines,
 * line numbers, recovery after malformed rows, oversize records, reading
 * from a file descriptor across buffer refills, and the field writer. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dancu/csv.h"
#include "lib/testlib.h"

static struct dc_csv_row row;

static void test_simple(void **st)
{
	const char in[] =
	        "\xEF\xBB\xBFpin,name\r\n001,\"Nguyễn, Văn \"\"A\"\"\"\n002,\"two\nlines\"\n003,";
	struct dc_csv *r;
	assert_int_equal(dc_csv_open_mem(in, sizeof(in) - 1, &r), 0);
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_int_equal(row.nfields, 2);
	assert_string_equal(row.fields[0], "pin");
	assert_int_equal(row.line, 1);
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_string_equal(row.fields[1], "Nguyễn, Văn \"A\"");
	assert_int_equal(row.lens[1], strlen("Nguyễn, Văn \"A\""));
	assert_int_equal(row.line, 2);
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_string_equal(row.fields[1], "two\nlines");
	assert_int_equal(row.line, 3);
	assert_int_equal(dc_csv_next(r, &row), 1); /* last line, no newline */
	assert_int_equal(row.line, 5);
	assert_int_equal(row.nfields, 2);
	assert_string_equal(row.fields[0], "003");
	assert_string_equal(row.fields[1], "");
	assert_int_equal(dc_csv_next(r, &row), 0);
	dc_csv_free(r);
}

static void test_malformed_recovery(void **st)
{
	const char in[] = "a,b\nx\"y,z\n1,2\n\"q\"r,s\n3,4\n\"open,5\n";
	struct dc_csv *r;
	assert_int_equal(dc_csv_open_mem(in, sizeof(in) - 1, &r), 0);
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_int_equal(dc_csv_next(r, &row), DC_ERR_INVALID);
	assert_int_equal(row.line, 2);
	assert_string_equal(dc_csv_errmsg(r), "quote inside an unquoted field");
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_string_equal(row.fields[0], "1");
	assert_int_equal(dc_csv_next(r, &row), DC_ERR_INVALID);
	assert_int_equal(row.line, 4);
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_string_equal(row.fields[1], "4");
	assert_int_equal(row.line, 5);
	assert_int_equal(dc_csv_next(r, &row), DC_ERR_INVALID); /* unterminated quote */
	assert_int_equal(dc_csv_next(r, &row), 0);
	dc_csv_free(r);
}

static void test_too_many_fields(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	for (int i = 0; i < DC_CSV_MAX_FIELDS + 5; i++)
		dc_buf_adds(&b, "x,");
	dc_buf_adds(&b, "\nok\n");
	struct dc_csv *r;
	assert_int_equal(dc_csv_open_mem(b.ptr, b.len, &r), 0);
	assert_int_equal(dc_csv_next(r, &row), DC_ERR_INVALID);
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_string_equal(row.fields[0], "ok");
	assert_int_equal(row.line, 2);
	dc_csv_free(r);
	dc_buf_release(&b);
}

static void test_oversize_record(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	dc_buf_adds(&b, "a\n\"");
	for (size_t i = 0; i < DC_CSV_MAX_RECORD + 10; i++)
		dc_buf_addc(&b, 'x');
	dc_buf_adds(&b, "\"\nafter\n");
	struct dc_csv *r;
	assert_int_equal(dc_csv_open_mem(b.ptr, b.len, &r), 0);
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_int_equal(dc_csv_next(r, &row), DC_ERR_INVALID);
	assert_string_equal(dc_csv_errmsg(r), "record too long");
	assert_int_equal(dc_csv_next(r, &row), 1);
	assert_string_equal(row.fields[0], "after");
	dc_csv_free(r);
	dc_buf_release(&b);
}

/* Many rows through a pipe-like fd so records straddle buffer refills; the
 * writer's quoting must round-trip through the reader. */
static void test_fd_round_trip(void **st)
{
	char dir[256], path[300];
	dc_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/x.csv", dir);
	FILE *f = fopen(path, "w");
	struct dc_buf line = DC_BUF_INIT;
	const char *samples[] = {"plain",       "với dấu, phẩy", "quote \"inside\"",
	                         "new\nline",   " edge ",        "",
	                         "crlf\r\nhere"};
	const int rows = 200000;
	for (int i = 0; i < rows; i++) {
		dc_buf_reset(&line);
		char num[32];
		snprintf(num, sizeof num, "%d", i);
		dc_csv_add_field(&line, num, strlen(num));
		dc_buf_addc(&line, ',');
		const char *s = samples[i % 7];
		dc_csv_add_field(&line, s, strlen(s));
		dc_buf_addc(&line, '\n');
		fwrite(line.ptr, 1, line.len, f);
	}
	fclose(f);
	int fd = open(path, O_RDONLY);
	struct dc_csv *r;
	assert_int_equal(dc_csv_open_fd(fd, &r), 0);
	for (int i = 0; i < rows; i++) {
		assert_int_equal(dc_csv_next(r, &row), 1);
		assert_int_equal(row.nfields, 2);
		char num[32];
		snprintf(num, sizeof num, "%d", i);
		assert_string_equal(row.fields[0], num);
		assert_string_equal(row.fields[1], samples[i % 7]);
	}
	assert_int_equal(dc_csv_next(r, &row), 0);
	assert_true(dc_csv_offset(r) > 0);
	dc_csv_free(r);
	close(fd);
	dc_buf_release(&line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_simple),          cmocka_unit_test(test_malformed_recovery),
	        cmocka_unit_test(test_too_many_fields), cmocka_unit_test(test_oversize_record),
	        cmocka_unit_test(test_fd_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
