#!/bin/bash
# Signed audit checkpoints: the server seals the chain periodically and at a
# clean stop; `dancu audit verify` checks every signature and that each
# sealed entry is still there unchanged — so a consistently rewritten chain,
# a cut-off tail, a deleted or forged checkpoint are each named. On SQLite
# and PostgreSQL.
. "$(dirname "$0")/lib.inc"

run_suite() { # label sql-fn store-args...
	local label=$1 sql=$2
	shift 2
	local S=("$@")
	rm -f "$T/k.key" "$T/dancu-audit.key"
	"$DANCU" gen --count 50 --seed 3 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null
	local SEC pin
	SEC=$(officer_new "${S[@]}" -- c.admin national_admin VN)
	pin=$(sed -n 2p "$T/p.csv" | cut -d, -f1)
	"$DANCU" serve --port 0 --threads 2 "${S[@]}" --master-key "$T/k.key" --access-log '' \
		--audit-checkpoint-s 1 2>"$T/serve.err" &
	SERVE_PID=$!
	for _ in $(seq 100); do
		URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1)
		[ -n "$URL" ] && break
		sleep 0.1
	done
	local TOK
	TOK=$(officer_token c.admin "$SEC")
	for round in 1 2 3; do
		for _ in 1 2 3 4 5; do api GET "/api/v1/citizens/$pin?purpose=verification" "$TOK" >/dev/null; done
		sleep 1.2
	done
	serve_stop
	check "$label: the key is beside the master key, mode 0600" test "$(stat -c %a "$T/dancu-audit.key")" = 600
	local n
	n=$($sql "SELECT count(*) FROM audit_checkpoint")
	check "$label: checkpoints were written periodically ($n)" test "$n" -ge 3
	check "$label: the last one seals the newest entry (written at stop)" test "$($sql "SELECT max(seq) FROM audit_checkpoint")" = "$($sql "SELECT max(seq) FROM audit")"
	expect_exit 0 "$label: verify with the key" "$DANCU" audit verify "${S[@]}" --audit-key "$T/dancu-audit.key"
	check "$label: the checkpoints are verified" grep -q "$n signed checkpoints verified" "$T/out"
	local PUB
	PUB=$("$DANCU" audit pubkey --audit-key "$T/dancu-audit.key")
	check "$label: the public key is exported (64 hex)" test ${#PUB} = 64
	expect_exit 0 "$label: an outside auditor verifies with the public key alone" "$DANCU" audit verify "${S[@]}" --pubkey "$PUB"
	expect_exit 1 "$label: another key's public key fails" "$DANCU" audit verify "${S[@]}" --pubkey "$(printf '%064d' 7)"
	grep -q "no valid signature by this key" "$T/out" || notok "$label: names the bad signatures"
	expect_exit 0 "$label: an on-demand checkpoint with nothing new" "$DANCU" audit checkpoint "${S[@]}" --audit-key "$T/dancu-audit.key"
	check "$label: says so" grep -q "nothing new" "$T/out"

	# Tampering, each case on a copy of the state, each named.
	local first second last
	first=$($sql "SELECT min(seq) FROM audit_checkpoint")
	second=$($sql "SELECT min(seq) FROM audit_checkpoint WHERE seq > $first")
	last=$($sql "SELECT max(seq) FROM audit")
	snapshot save
	$sql "UPDATE audit_checkpoint SET at_ms = at_ms + 1 WHERE seq = $first"
	expect_exit 1 "$label: a forged checkpoint is found" "$DANCU" audit verify "${S[@]}" --pubkey "$PUB"
	check "$label: and named" grep -q "checkpoint at entry $first has no valid signature" "$T/out"
	snapshot restore
	$sql "DELETE FROM audit_checkpoint WHERE seq = $first"
	expect_exit 1 "$label: a deleted checkpoint is found" "$DANCU" audit verify "${S[@]}" --pubkey "$PUB"
	check "$label: at the next one" grep -q "checkpoint at entry $second does not follow" "$T/out"
	snapshot restore
	$sql "DELETE FROM audit WHERE seq >= $second"
	expect_exit 1 "$label: a cut-off tail is found" "$DANCU" audit verify "${S[@]}" --pubkey "$PUB"
	check "$label: the sealed entry is named" grep -q "entry $second, sealed by a signed checkpoint, is gone" "$T/out"
	snapshot restore
	$sql "UPDATE audit SET actor = 'mallory' WHERE seq = $first"
	expect_exit 1 "$label: a changed entry is found" "$DANCU" audit verify "${S[@]}" --pubkey "$PUB"
	check "$label: by the chain and by its checkpoint" grep -q "entry $first was changed" "$T/out"
	snapshot restore
	expect_exit 0 "$label: restored state verifies again" "$DANCU" audit verify "${S[@]}" --pubkey "$PUB"
}

# SQLite, with the case a hash chain alone cannot see: the whole chain
# replaced by another consistent one of the same length.
sq() { sqlite3 "$T/a.db" "$1"; }
snapshot() {
	case $1 in
	save) sqlite3 "$T/a.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null && cp "$T/a.db" "$T/a.save" ;;
	restore) rm -f "$T/a.db-wal" "$T/a.db-shm" && cp "$T/a.save" "$T/a.db" ;;
	esac
}
run_suite sqlite sq --db "$T/a.db"
rm -f "$T/k2.key"
# Another register with its own, valid chain, at least as long.
"$DANCU" import --quiet --db "$T/b.db" "$T/p.csv" 2>/dev/null
for i in $(seq 40); do echo "a long enough passphrase" | "$DANCU" officer add --db "$T/b.db" --master-key "$T/k2.key" --id "x$i" --name X --role auditor --jurisdiction VN >/dev/null; done
n=$(sq "SELECT max(seq) FROM audit")
sqlite3 "$T/a.db" "ATTACH '$T/b.db' AS b; DELETE FROM main.audit; INSERT INTO main.audit SELECT * FROM b.audit WHERE seq <= $n;"
PUB=$("$DANCU" audit pubkey --audit-key "$T/dancu-audit.key")
expect_exit 0 "sqlite: the replaced chain is consistent by itself" "$DANCU" audit verify --db "$T/a.db"
expect_exit 1 "sqlite: but the signed checkpoints expose the rewrite" "$DANCU" audit verify --db "$T/a.db" --pubkey "$PUB"
check "sqlite: named" grep -q "no longer matches its signed checkpoint (the chain was rewritten)" "$T/out"

if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_ckpt_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	PGC="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	pq() { psql -q -t -A "$PGC" -c "$1"; }
	snapshot() {
		case $1 in
		save) pq "DROP TABLE IF EXISTS s_audit, s_ck; CREATE TABLE s_audit AS SELECT * FROM audit; CREATE TABLE s_ck AS SELECT * FROM audit_checkpoint" ;;
		restore) pq "DELETE FROM audit; INSERT INTO audit SELECT * FROM s_audit; DELETE FROM audit_checkpoint; INSERT INTO audit_checkpoint SELECT * FROM s_ck" ;;
		esac
	}
	run_suite postgresql pq --pg "$PGC"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
