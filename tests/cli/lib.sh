# Shared helpers for the CLI black-box tests: TAP-style "ok"/"not ok" lines
# that scripts/test.sh counts. Source it; $DANCU is the binary under test.
: "${DANCU:?DANCU must point at the dancu binary}"
T=$(mktemp -d "${DANCU_TEST_TMP:-/tmp}/cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
failures=0
ok() { echo "ok $*"; }
notok() {
	echo "not ok $*"
	failures=$((failures + 1))
}
# check NAME COMMAND... : passes when the command succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
# expect_exit CODE NAME COMMAND... : passes when the command exits with CODE
expect_exit() {
	local want=$1 name=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		notok "$name (exit $got, wanted $want)"
		sed 's/^/#   /' "$T/err" | head -n 10
	fi
}
quick() { [ "${DANCU_TEST_QUICK:-0}" = 1 ]; }
count_citizens() { # db-args...
	"$DANCU" report "$@" | grep -o '"citizens":[0-9]*' | cut -d: -f2
}
finish() { exit $((failures > 0)); }
