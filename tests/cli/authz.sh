#!/bin/bash
# Runs tests/cli/authz.matrix: every route × role × jurisdiction against a
# real server, on SQLite and PostgreSQL. Each cell is one request; the
# status must be exactly the expected one. Logout comes last (it ends the
# sessions).
. "$(dirname "$0")/lib.inc"
matrix="$(dirname "$0")/authz.matrix"

run_suite() {
	local label=$1
	shift
	local S=("$@")
	"$DANCU" gen --count 200 --seed 41 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	rm -f "$T/k.key"
	local P="" C1="" H=""
	for pin in $(cut -d, -f1 "$T/p.csv" | sed -n '2,100p'); do
		"$DANCU" show "${S[@]}" "$pin" >"$T/show" 2>/dev/null || continue
		grep -q '"status":"alive"' "$T/show" || continue
		C1=$(json_str perm_commune <"$T/show")
		H=$(json_str household_id <"$T/show")
		[ -n "$C1" ] && [ -n "$H" ] && P=$pin && break
	done
	check "$label: a citizen with a residence and a household" test -n "$P"
	local PR1 C2 PR2
	PR1=$(awk -F, -v c="$C1" '$4 == c {print $1; exit}' "$DANCU_DATA/admin-units-2025.csv")
	C2=$(awk -F, -v p="$PR1" 'NR > 1 && $1 != p {print $4; exit}' "$DANCU_DATA/admin-units-2025.csv")
	PR2=$(awk -F, -v c="$C2" '$4 == c {print $1; exit}' "$DANCU_DATA/admin-units-2025.csv")
	declare -A SEC TOK
	SEC[co_in]=$(officer_new "${S[@]}" -- m.co.in commune_officer "$C1")
	SEC[co_out]=$(officer_new "${S[@]}" -- m.co.out commune_officer "$C2")
	SEC[po_in]=$(officer_new "${S[@]}" -- m.po.in province_officer "$PR1")
	SEC[po_out]=$(officer_new "${S[@]}" -- m.po.out province_officer "$PR2")
	SEC[nat]=$(officer_new "${S[@]}" -- m.nat national_admin VN)
	SEC[aud]=$(officer_new "${S[@]}" -- m.aud auditor VN)
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	local r
	for r in co_in co_out po_in po_out nat aud; do
		TOK[$r]=$(officer_token "m.${r/_/.}" "${SEC[$r]}")
		[ ${#TOK[$r]} = 43 ] || notok "$label: $r logged in"
	done
	api POST /api/v1/businesses "${TOK[nat]}" "{\"id\":\"m.hotel\",\"name\":\"Hotel\",\"commune\":\"$C1\",\"kind\":\"hotel\"}" >/dev/null
	local KEY
	KEY=$(json_str api_key <"$T/body")
	api POST /api/v1/residence/dossiers "${TOK[nat]}" "{\"kind\":\"confirm\",\"pin\":\"$P\"}" >/dev/null
	local D
	D=$(json_str id <"$T/body")
	check "$label: fixtures (business key, dossier)" test -n "$KEY" -a -n "$D"
	local roles=(anon co_in co_out po_in po_out nat aud key) n=0 cells=0 bad=0
	while IFS= read -r line; do
		case "$line" in '#'* | '') continue ;; esac
		local req=${line%%|*} want=${line#*|}
		read -r method path body <<<"$req"
		read -r -a exp <<<"$want"
		for i in "${!roles[@]}"; do
			n=$((n + 1))
			local role=${roles[$i]} p=$path b=$body
			p=${p//\{P\}/$P}; p=${p//\{C1\}/$C1}; p=${p//\{D\}/$D}; p=${p//\{H\}/$H}
			local given=(An Bình Cường Dũng Giang Hải Khoa Lâm Minh Nam Phong Quân Sơn Tùng Việt)
			b=${b//\{P\}/$P}; b=${b//\{C1\}/$C1}; b=${b//\{N\}/$n}
			b=${b//\{NAME\}/Lê Văn ${given[$((n % 15))]}}
			b=${b//\{DOB\}/2026-$(printf %02d $((n / 28 % 10 + 1)))-$(printf %02d $((n % 28 + 1)))}
			[ "$b" = - ] && b=""
			local auth=()
			case $role in
			anon) ;;
			key) auth=(-H "X-Api-Key: $KEY") ;;
			*) auth=(-H "Authorization: Bearer ${TOK[$role]}") ;;
			esac
			local got
			got=$(curl -s -o "$T/cell" -w '%{http_code}' -X "$method" "$URL$p" "${auth[@]}" \
				${b:+-H 'Content-Type: application/json' --data-binary "$b"})
			cells=$((cells + 1))
			if [ "$got" != "${exp[$i]}" ]; then
				notok "$label: $method $path as $role → $got, expected ${exp[$i]}"
				head -c 300 "$T/cell" | sed 's/^/#   /'
				echo
				bad=$((bad + 1))
			fi
		done
	done <"$matrix"
	[ "$bad" = 0 ] && ok "$label: all $cells cells of the authorization matrix"
	serve_stop
}

run_suite sqlite --db "$T/a.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_authz_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
