#!/bin/bash
# Backup and restore: an online backup of a SQLite register while the server
# writes, restored into a fresh file and compared; a damaged backup and an
# existing target are refused; PostgreSQL points to its own tools.
. "$(dirname "$0")/lib.inc"

"$DANCU" gen --count 3000 --seed 5 --out "$T/p.csv"
"$DANCU" import --quiet --db "$T/src.db" "$T/p.csv"
SEC=$(officer_new --db "$T/src.db" -- b.admin national_admin VN)
serve_start --db "$T/src.db" || notok "server up"
TOK=$(officer_token b.admin "$SEC")
api POST /api/v1/businesses "$TOK" '{"id":"b.hotel","name":"B","commune":"00004","kind":"hotel"}' >/dev/null
KEY=$(json_str api_key <"$T/body")
# Writes go on during the backup.
(
	at=$(TZ=Asia/Ho_Chi_Minh date +%FT%H:%M)
	for i in $(seq 200); do
		curl -s -o /dev/null -X POST "$URL/api/v1/stays" -H "X-Api-Key: $KEY" \
			-d "{\"guests\":[{\"event\":\"arrival\",\"passport\":\"B$i\",\"nationality\":\"FR\",\"at\":\"$at\"}]}"
	done
) &
LOAD=$!
sleep 0.3
check "online backup while the server writes" "$DANCU" backup --db "$T/src.db" "$T/backup.db"
wait $LOAD
expect_exit 1 "a backup never overwrites a file" "$DANCU" backup --db "$T/src.db" "$T/backup.db"
expect_exit 0 "restore into a new file" "$DANCU" restore "$T/backup.db" --db "$T/new.db"
check "the restore reports the audit chain" grep -q "audit chain of [0-9]* entries intact" "$T/out"
check "same citizens" test "$(count_citizens --db "$T/new.db")" = "$(count_citizens --db "$T/src.db")"
pin=$(sed -n 2p "$T/p.csv" | cut -d, -f1)
"$DANCU" show --db "$T/src.db" "$pin" >"$T/a.json"
"$DANCU" show --db "$T/new.db" "$pin" >"$T/b.json"
check "a record is identical" cmp -s "$T/a.json" "$T/b.json"
stays=$(sqlite3 "$T/new.db" "SELECT count(*) FROM stay")
check "the backup is a consistent moment of the writes ($stays stays)" test "$stays" -le 200
check "the restored register verifies" "$DANCU" audit verify --db "$T/new.db"
expect_exit 1 "restore refuses an existing target" "$DANCU" restore "$T/backup.db" --db "$T/new.db"
check "with --force it replaces it" "$DANCU" restore "$T/backup.db" --db "$T/new.db" --force
cp "$T/backup.db" "$T/bad.db"
printf 'garbage garbage garbage' | dd of="$T/bad.db" bs=1 seek=5000 conv=notrunc 2>/dev/null
sqlite3 "$T/bad.db" "UPDATE audit SET actor = 'mallory' WHERE seq = 1" 2>/dev/null
expect_exit 1 "a damaged or tampered backup is refused" "$DANCU" restore "$T/bad.db" --db "$T/bad-restored.db"
check "and nothing is left behind" test ! -e "$T/bad-restored.db" -a ! -e "$T/bad-restored.db.restoring"
expect_exit 1 "a missing backup" "$DANCU" restore "$T/none.db" --db "$T/x.db"
expect_exit 2 "PostgreSQL: use its own tools" "$DANCU" backup --pg "host=127.0.0.1" "$T/pg.db"
serve_stop
finish
