#!/bin/bash
# Regenerates the parts of docs/ that come from the code (the rule table in
# docs/DATA-QUALITY.md). Usage: scripts/gen-docs.sh [build]
set -euo pipefail
B=${1:-build}
doc=docs/DATA-QUALITY.md
tmp=$(mktemp)
awk -v table="$("$B/dancu" rules --markdown)" '
/<!-- rules:begin -->/ {print; print table; skip=1; next}
/<!-- rules:end -->/ {skip=0}
!skip {print}' "$doc" >"$tmp"
mv "$tmp" "$doc"
