#!/bin/bash
# Documentation that is generated from the code must be current: the rule
# table in docs/DATA-QUALITY.md equals `dancu rules --markdown`.
. "$(dirname "$0")/lib.inc"
doc="$(dirname "$0")/../../docs/DATA-QUALITY.md"
sed -n '/<!-- rules:begin -->/,/<!-- rules:end -->/p' "$doc" | sed '1d;$d' >"$T/doc"
"$DANCU" rules --markdown >"$T/code"
check "docs/DATA-QUALITY.md rule table is current (scripts/gen-docs.sh)" cmp -s "$T/doc" "$T/code"
check "every rule is listed" test "$(grep -c '^| `' "$T/code")" -ge 30
ops="$(dirname "$0")/../../docs/OPERATIONS.md"
"$DANCU" serve --help | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/flags"
missing=$(while read -r f; do grep -q -- "\`$f\`" "$ops" || echo "$f"; done <"$T/flags")
check "docs/OPERATIONS.md lists every serve setting ($missing)" test -z "$missing"
finish
