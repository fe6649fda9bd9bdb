#!/bin/sh
# Install the Debian packages dancu needs, only those that are missing.
# Idempotent: runs `apt-get update` at most once, and only when something
# must be installed. Usage: scripts/deps.sh [build|test|bench|all]
set -eu
what=${1:-test}

build="make gcc pkg-config libh2o-evloop-dev libjansson-dev libsqlite3-dev
libpq-dev libssl-dev libsodium-dev libcjose-dev liboath-dev libqrencode-dev
libutf8proc-dev libpng-dev libpcsclite-dev libcmocka-dev"
test="$build sqlite3 postgresql curl oathtool clang libclang-rt-14-dev llvm clang-format cppcheck
zbar-tools chromium pcscd vsmartcard-vpcd"
# Node.js runs the clients we did not write (tests/node); a machine that
# already has a node on PATH keeps it.
command -v node >/dev/null 2>&1 || test="$test nodejs npm"
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

# tests/node: the npm clients, pinned by package-lock.json.
node_modules() {
	case "$what" in build) return 0 ;; esac
	here=$(dirname "$0")/../tests/node
	if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
		(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || {
			echo "deps.sh: npm ci in tests/node failed" >&2
			exit 1
		}
	fi
}

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	node_modules
	exit 0
fi

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
node_modules
