#!/bin/bash
# `make fuzz`: builds every fuzz/*.c as a libFuzzer target (clang, ASan +
# UBSan) and runs each for SECONDS on its corpus in fuzz/corpus/NAME.
# New inputs go to a scratch directory; set FUZZ_KEEP=1 to merge them into
# the checked-in corpus. Results are appended to build-fuzz/fuzz.log.
#   fuzz.sh SECONDS fuzz/a.c fuzz/b.c ...
#   fuzz.sh --replay fuzz/a.c ...   run each target once over its corpus only
set -euo pipefail
secs=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
FB=build-fuzz
make --no-print-directory B=$FB CC=clang SAN=1 OPT="-O1 -g -fsanitize=fuzzer-no-link" $FB/libdancu.a >/dev/null
libs=$(pkg-config --libs libh2o-evloop jansson sqlite3 libpq openssl libsodium cjose liboath libqrencode libpng libutf8proc libpcsclite)
cflags=$(pkg-config --cflags libh2o-evloop jansson sqlite3 libpq openssl libsodium cjose liboath libqrencode libpng libutf8proc libpcsclite)
for src in "$@"; do
	name=$(basename "$src" .c)
	bin=$FB/fuzz_$name
	clang -std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Iinclude -Isrc -I$FB/gen $cflags "$src" $FB/libdancu.a \
		$libs -lpthread -lm -o "$bin"
	corpus=fuzz/corpus/$name
	mkdir -p "$corpus"
	if [ "$secs" = "--replay" ]; then
		"$bin" -runs=0 "$corpus" >"$FB/$name.log" 2>&1 || {
			tail -n 40 "$FB/$name.log"
			exit 1
		}
		echo "ok fuzz replay $name ($(ls "$corpus" | wc -l) inputs)"
		continue
	fi
	scratch=$(mktemp -d)
	echo "== $name: ${secs}s"
	"$bin" -max_total_time="$secs" -print_final_stats=1 "$scratch" "$corpus" >"$FB/$name.log" 2>&1 || {
		tail -n 60 "$FB/$name.log"
		exit 1
	}
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$FB/$name.log" | grep -o '[0-9]*$')
	echo "$(date -u +%FT%TZ) $name ${secs}s execs=$execs new_inputs=$(ls "$scratch" | wc -l) crashes=0" | tee -a $FB/fuzz.log
	if [ "${FUZZ_KEEP:-0}" = 1 ]; then
		"$bin" -merge=1 "$corpus" "$scratch" >/dev/null 2>&1
	fi
	rm -rf "$scratch"
done
