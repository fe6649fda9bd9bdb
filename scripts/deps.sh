#!/bin/sh
# Install the Debian packages dancu needs, only those that are missing.
# Idempotent: runs `apt-get update` at most once, and only when something
# must be installed. Usage: scripts/deps.sh [build|test|bench|all]
set -eu
what=${1:-test}

build="make gcc pkg-config libh2o-evloop-dev libjansson-dev libsqlite3-dev
libpq-dev libssl-dev libsodium-dev libcjose-dev liboath-dev libqrencode-dev
libutf8proc-dev libpcsclite-dev libcmocka-dev"
test="$build sqlite3 postgresql curl oathtool clang libclang-rt-14-dev llvm clang-format cppcheck"
bench="$test wrk nginx-light hyperfine"

case "$what" in
build) want=$build ;;
test) want=$test ;;
bench | all) want=$bench ;;
*)
	echo "deps.sh: unknown set '$what' (build|test|bench|all)" >&2
	exit 2
	;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "deps.sh: need root (or sudo) to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
