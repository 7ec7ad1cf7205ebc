#!/bin/sh
# t-corpus.sh - replay every capture of the shared real-capture corpus with
# --hostnames and score it against tshark's truth (strict matching: file,
# kind, client, server, port and value must agree).  Prints recall and
# precision per kind and every value reported that truth.tsv lacks; fails
# under 99% recall for tls_sni, http_host or dns_query.
# Skips (exit 0, saying so) when ../shared is absent.
set -u
BUILD=${BUILD:-build}
shared=${SW_SHARED:-../shared}
bin=$BUILD/stalkerwatch
if [ ! -f "$shared/pcaps/truth.tsv" ] || [ ! -x "$shared/tools/score-hostnames" ]; then
	echo "t-corpus: SKIPPED: $shared/pcaps not present"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$shared/tools/hostnames-corpus" "$bin" "$shared/pcaps" > "$tmp/out.tsv"
"$shared/tools/score-hostnames" --show-fp --max-list 400 "$shared/pcaps/truth.tsv" "$tmp/out.tsv" > "$tmp/score.txt"
sed -n '3,11p' "$tmp/score.txt"
echo "misses and values truth.tsv lacks (strict):"
grep -E '^  (MISS|FP)' "$tmp/score.txt" | sed 's/^/  /'
fail=0
for k in tls_sni http_host dns_query; do
	r=$(awk -v k="$k" '$1 == k { sub("%", "", $5); print $5; exit }' "$tmp/score.txt")
	if [ -z "$r" ]; then echo "t-corpus: no score for $k"; fail=1; continue; fi
	if awk -v r="$r" 'BEGIN { exit !(r < 99.0) }'; then
		echo "t-corpus: FAIL: $k recall $r% is under 99%"
		fail=1
	fi
done
exit $fail
