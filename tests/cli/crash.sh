#!/bin/bash
# Crash safety: kill the server with SIGKILL under mixed write load (stay
# reports through the group committer, birth registrations written on the
# event loops, residence dossiers), restart it, and check that every write
# the server acknowledged is there and the audit chain verifies — on SQLite
# and PostgreSQL. DANCU_CRASH_ITER iterations (2 here; `make test-crash`
# runs 20).
. "$(dirname "$0")/lib.inc"
ITER=${DANCU_CRASH_ITER:-2}

load() { # kind index → appends acknowledged ids to $T/ack.KIND.INDEX
	local kind=$1 i=$2 n=0 at
	at=$(TZ=Asia/Ho_Chi_Minh date +%FT%H:%M)
	while :; do
		n=$((n + 1))
		case $kind in
		stay)
			curl -s -m 5 -X POST "$URL/api/v1/stays" -H "X-Api-Key: $KEY" \
				-d "{\"guests\":[{\"event\":\"arrival\",\"passport\":\"P$i-$n-$RANDOM\",\"nationality\":\"JP\",\"at\":\"$at\",\"room\":\"$i-$n\"}]}" |
				grep -o '"stay_id":[0-9]*' | cut -d: -f2 >>"$T/ack.stay.$i"
			;;
		birth)
			local given=(An Bình Cường Dũng Giang Hải Khoa Lâm Minh Nam)
			curl -s -m 5 -X POST "$URL/api/v1/births" -H "Authorization: Bearer $TOK" \
				-d "{\"birth_name\":\"Trần Văn ${given[$((n % 10))]}\",\"dob\":\"2026-0$((i + 1))-$(printf %02d $((n % 28 + 1)))\",\"sex\":\"M\",\"birth_reg_unit\":\"00004\",\"evidence\":\"KS-$i-$n\",\"father_name\":\"Trần Văn Bố $i $n\"}" |
				grep -o '"pin":"[0-9]*"' | head -n 1 | cut -d'"' -f4 >>"$T/ack.birth.$i"
			;;
		esac
	done
}

run_suite() {
	local label=$1 sql=$2
	shift 2
	local S=("$@")
	rm -f "$T/k.key" "$T"/ack.*
	local SEC
	SEC=$(officer_new "${S[@]}" -- crash.admin national_admin VN)
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	TOK=$(officer_token crash.admin "$SEC")
	api POST /api/v1/businesses "$TOK" '{"id":"crash.hotel","name":"Crash Hotel","commune":"00004","kind":"hotel"}' >/dev/null
	KEY=$(json_str api_key <"$T/body")
	check "$label: fixtures" test -n "$KEY" -a ${#TOK} = 43
	for it in $(seq "$ITER"); do
		local pids=()
		for i in 1 2 3; do
			load stay "$i" &
			pids+=($!)
		done
		load birth 4 &
		pids+=($!)
		sleep 1.5
		kill -9 "$SERVE_PID"
		wait "$SERVE_PID" 2>/dev/null
		kill "${pids[@]}" 2>/dev/null
		wait "${pids[@]}" 2>/dev/null
		local acked_s acked_b missing_s=0 missing_b=0
		acked_s=$(cat "$T"/ack.stay.* 2>/dev/null | sort -u | grep -c . || true)
		acked_b=$(cat "$T"/ack.birth.* 2>/dev/null | sort -u | grep -c . || true)
		serve_start "${S[@]}" || { notok "$label: restart $it"; return; }
		TOK=$(officer_token crash.admin "$SEC")
		for id in $(cat "$T"/ack.stay.* 2>/dev/null | sort -u); do
			[ "$($sql "SELECT count(*) FROM stay WHERE id = $id")" = 1 ] || missing_s=$((missing_s + 1))
		done
		for pin in $(cat "$T"/ack.birth.* 2>/dev/null | sort -u); do
			[ "$($sql "SELECT count(*) FROM citizen WHERE pin = '$pin'")" = 1 ] || missing_b=$((missing_b + 1))
		done
		check "$label: iteration $it: load was acknowledged ($acked_s stays, $acked_b births)" test "$acked_s" -gt 0 -a "$acked_b" -gt 0
		check "$label: iteration $it: every acknowledged write survived SIGKILL" test "$missing_s/$missing_b" = 0/0
		check "$label: iteration $it: the audit chain verifies" "$DANCU" audit verify "${S[@]}"
	done
	serve_stop
}

sq() { sqlite3 "$T/c.db" "$1"; }
run_suite sqlite sq --db "$T/c.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_crash_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	PGC="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	pq() { psql -q -t -A "$PGC" -c "$1"; }
	run_suite postgresql pq --pg "$PGC"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
