#!/bin/sh
# run-all.sh BIN...: run each test program, then the shell integration tests
# (tests/t-*.sh), and report.  Exits non-zero if any failed.
set -u
# Check's per-test timeouts (tcase_set_timeout, 4 s by default) are set for
# an idle machine and a plain build; ASan+UBSan is 2-5x slower and CI may be
# loaded.  They only catch hangs: multiplied here, so that a slow run never
# fails for being slow (CK_TIMEOUT_MULTIPLIER given by the caller wins).
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
export CK_TIMEOUT_MULTIPLIER
fail=0
for t in "$@"; do
	case "$t" in
	*/fuzz-replay/*)
		name=$(basename "$t")
		corpus=tests/fuzz/corpus/${name#fuzz_}
		[ -d "$corpus" ] || { echo "FAIL: $name has no corpus at $corpus"; fail=1; continue; }
		if "$t" "$corpus" "tests/fuzz/regress/${name#fuzz_}" >/dev/null; then echo "PASS: $name corpus"; else echo "FAIL: $name corpus"; fail=1; fi
		;;
	*)
		if "$t"; then :; else echo "FAIL: $t"; fail=1; fi
		;;
	esac
done
for s in tests/t-*.sh; do
	[ -f "$s" ] || continue
	if BUILD=${BUILD:-build} sh "$s"; then echo "PASS: $s"; else echo "FAIL: $s"; fail=1; fi
done
[ $fail = 0 ] && echo "all tests passed"
exit $fail
