#!/usr/bin/env bash
# Codec performance figures (DESIGN.md §10): one 32 MiB input at redundancy 12.
#
#   bench/codec.sh                  # medians of 5 runs + the fountain-code comparison
#   COUNT=9 bench/codec.sh          # more runs
#   COMPARE=0 bench/codec.sh        # skip the comparison (it takes a few minutes)
#   COMPARE_ARGS="-trials 10 -symbols 2MiB,64KiB,8KiB" bench/codec.sh
#
# The machine is shared: figures vary with load. Medians are printed; the raw
# runs are kept in $OUT (default a temporary file) for benchstat.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-5x}
OUT=${OUT:-$(mktemp -t codec-bench.XXXXXX)}

echo "== codec: 32 MiB, 2 MiB chunks, redundancy 12 (k=16, n=192); median of $COUNT runs"
echo "   (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
# Whole-input operations a few times each; per-chunk and per-proof ones many times.
go test -run '^$' -bench 'Encode|Decode|MerkleID' \
	-benchtime "$BENCHTIME" -count "$COUNT" ./codec/ >"$OUT"
go test -run '^$' -bench 'Mint|Prove' -benchtime 50x -count "$COUNT" ./codec/ >>"$OUT"
go test -run '^$' -bench 'VerifyProof' -benchtime 20000x -count "$COUNT" ./codec/ >>"$OUT"

# Median of every metric of every benchmark (mawk has no sort, so use sort(1)).
awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i += 2) print name, $(i+1), $i }' "$OUT" |
	sort -k1,1 -k2,2 -k3,3g |
	awk '{ key=$1" "$2; v[key, ++n[key]]=$3; if (!(key in seen)) { seen[key]=1; order[++m]=key } }
	END { for (j = 1; j <= m; j++) { k=order[j]; c=n[k]
		med = (c % 2) ? v[k, (c+1)/2] : (v[k, c/2] + v[k, c/2+1]) / 2
		split(k, p, " "); unit=p[2]
		if (unit == "ns/op" && med >= 1e6) { med /= 1e6; unit = "ms/op" }
		else if (unit == "ns/op" && med >= 1e3) { med /= 1e3; unit = "us/op" }
		printf "%-36s %12.2f %s\n", p[1], med, unit } }'
echo "   raw results: $OUT"

cat <<'TARGETS'

   targets: encode >= 400 MB/s, rebuild >= 1 GB/s, overhead 0 %, mint <= 10 ms/chunk,
            Merkle id within 1.5x of plain SHA3, proof verify < 100 us
   (Encode/full and Decode/full include chunk ids, input/output archive-hash checks;
    Encode/parity-only and Decode/rebuild-only are the Reed-Solomon arithmetic alone.)
TARGETS

if [ "${COMPARE:-1}" != 0 ]; then
	echo
	echo "== Reed-Solomon vs fountain codes (bench/codeccompare)"
	(cd bench/codeccompare && go run . ${COMPARE_ARGS:-})
fi
