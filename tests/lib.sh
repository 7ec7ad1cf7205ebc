# tests/lib.sh: the common start of the shell tests (not the namespace
# tests: tests/daemon-lib.sh).  Source it, then call tl_init NAME:
#
#   . "$(dirname "$0")/lib.sh"
#   tl_init t-name
#
# Sets ROOT (the repository), BUILD (absolute; run-all.sh passes it, default
# build), BIN (the stalkerwatch binary), the C locale and set -u; tl_init
# fails when BIN is not built, and makes $tmp, removed at exit (a test that
# needs more at exit sets its own EXIT trap and removes $tmp there).
set -u
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
BIN=$BUILD/stalkerwatch

tl_init() {
	if [ ! -x "$BIN" ]; then
		echo "$1: $BIN is not built"
		exit 1
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
}
