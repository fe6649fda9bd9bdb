#!/bin/bash
# Runs every test of dancu against the build in $1 (default build):
#   - unit and conformance test binaries (cmocka) under $B/tests/
#   - black-box CLI tests tests/cli/*.sh (TAP-style "ok"/"not ok" lines)
# Starts a real PostgreSQL server for the run (scripts/pg.sh) and stops it at
# the end. Prints one closing line "tests: N passed, N failed".
# DANCU_TEST_QUICK=1 shortens the slow tests (used by `make asan`).
# DANCU_TEST_ONLY=REGEX runs only the tests whose name matches (grep -E).
set -u
B=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DANCU="$root/$B/dancu"
export DANCU_DATA="$root/data"
work=$(mktemp -d /tmp/dancu-test.XXXXXX)
chmod 755 "$work"
export DANCU_TEST_TMP="$work"
pass=0
fail=0
failed_names=()

cleanup() {
	scripts/pg.sh stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ "${DANCU_TEST_NO_PG:-0}" != 1 ]; then
	if conninfo=$(scripts/pg.sh start "$work/pg"); then
		export DANCU_TEST_PG="$conninfo"
		echo "PostgreSQL test server: $conninfo"
	else
		echo "could not start PostgreSQL for the tests" >&2
		exit 1
	fi
fi

run_one() { # name, command...
	local name=$1
	shift
	if [ -n "${DANCU_TEST_ONLY:-}" ] && ! echo "$name" | grep -qE "$DANCU_TEST_ONLY"; then
		return 0
	fi
	local log="$work/$(echo "$name" | tr '/' '_').log"
	local t0=$(date +%s.%N)
	"$@" >"$log" 2>&1
	local rc=$?
	local t1=$(date +%s.%N)
	local ok nok
	ok=$(grep -cE '^\[       OK \]|^ok ' "$log")
	nok=$(grep -E '^\[  FAILED  \] |^not ok ' "$log" | grep -cv 'test(s)')
	if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then nok=1; fi
	pass=$((pass + ok))
	fail=$((fail + nok))
	printf '%-44s %4d passed %3d failed  %6.2fs\n' "$name" "$ok" "$nok" "$(awk "BEGIN{print $t1-$t0}")"
	if [ "$nok" != 0 ]; then
		failed_names+=("$name")
		echo "----- $name (exit $rc) -----"
		grep -vE '^\[       OK \]|^\[ RUN      \]|^ok ' "$log" | tail -n 60
		echo "-----"
	fi
}

for t in $(find "$B/tests" -type f -perm -u+x | sort); do
	run_one "${t#$B/tests/}" "$t"
done
for t in tests/cli/*.sh; do
	[ -f "$t" ] || continue
	run_one "$t" bash "$t"
done

echo
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "tests: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
