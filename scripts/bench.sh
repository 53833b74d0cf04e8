#!/usr/bin/env bash
# Prints the performance figures of DESIGN.md §10 measured on this machine.
# Each section runs its baseline in the same process/run, so ratios are fair
# on a noisy machine. BENCH_QUICK=1 runs a smaller version of each.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o build/pasteld ./cmd/pasteld
TXS=10000
[ "${BENCH_QUICK:-}" = 1 ] && TXS=2000

echo "######## chain (issue: a working chain) ########"
go run ./bench/chain -pasteld build/pasteld -txs "$TXS" -clients 16

if [ -x bench/codec.sh ]; then
  echo
  echo "######## chunk codec ########"
  bench/codec.sh
fi

echo
echo "######## storage: chunkd store, challenge proofs ########"
go run ./bench/chunkd
PASTEL_BENCH=1 go test -count=1 -run 'TestBenchProofsPerBlock' ./x/storage/ -v | grep -E '^challenge answers'
echo "proof of possession per confirmed 2 MiB chunk (prove at chunkd, verify on-chain; bytes vs a confirmation without proof):"
go test -run '^$' -bench 'Confirmation' -benchtime 300x ./x/storage/ | grep -E '^Benchmark'
go test -run '^$' -bench 'Near1M' -benchtime 200x ./x/storage/fingerprint/ 2>/dev/null | grep -E '^(Benchmark|ok)' || true

echo
echo "######## state cache: an iterator on a block cache holding n writes (ordered index vs sorting every write, same run) ########"
go test -run '^$' -bench 'CacheIterator' ./store/ | grep -E '^Benchmark'

echo
echo "######## explorer: /storage/stats (queried every block) at 10^3 and 10^4 arts, indexed against a full scan ########"
go test -run '^$' -bench 'BenchmarkStats' -benchtime 20x ./x/storage/ | grep -E '^Benchmark'

echo
echo "######## encryption: encrypt+encode and decode+decrypt against plain, same run ########"
PASTEL_BENCH=1 go test -count=1 -run 'TestBenchEncryptionOverhead' ./crypto/artcrypt/ -v | grep -E '^(encryption|  [a-z])'
go test -run '^$' -bench 'Encrypt' ./crypto/artcrypt/ | grep -E '^Benchmark'

echo
echo "######## storage end to end: 20 MiB registration, download, healing (real processes) ########"
PASTEL_BENCH=1 go test -count=1 -timeout 20m -run 'TestBenchRegistration20MiB|TestSelfHealing' ./e2e/ -v | grep -E '^(registration|  [a-z]|download|healing)'
# The same registration before proofs of possession (confirmations without
# proofs), built from that commit in a temporary worktree, in this run.
BASE=${BENCH_BASELINE_REV:-d5bf774}
if git cat-file -e "$BASE^{commit}" 2>/dev/null; then
  echo "baseline: the same registration at $BASE (before proofs of possession):"
  wt=$(mktemp -d)
  git worktree add -q --detach "$wt" "$BASE"
  (cd "$wt" && PASTEL_BENCH=1 go test -count=1 -timeout 20m -run 'TestBenchRegistration20MiB' ./e2e/ -v | grep -E '^(registration|  [a-z])') || true
  git worktree remove --force "$wt"
fi

echo
echo "######## memory: peak RSS of wallet and chunkd, 20 MiB and 200 MiB images (real processes) ########"
MEM_SIZES=20,200
[ "${BENCH_QUICK:-}" = 1 ] && MEM_SIZES=20
PASTEL_BENCH=1 PASTEL_BENCH_MEMORY_MIB=$MEM_SIZES go test -count=1 -timeout 30m -run 'TestBenchMemory' ./e2e/ -v | grep -E '^(peak|  [0-9a-z])'

echo
echo "######## trust epoch ########"
go test -run '^$' -bench 'Epoch' -benchtime 3x ./x/trust/score/ | grep -E '^(Benchmark|ok)'
go test -run '^$' -bench 'ChainEpoch' -benchtime 3x ./x/trust/ | grep -E '^(Benchmark|ok)' # on the chain: IAVL walk from the seeds + writes (TRUST_BENCH_LARGE=1 adds 10^5)

echo
echo "######## payment channels (off-chain updates/s between two wallets; on-chain bytes and fee per step) ########"
go test -run '^$' -bench 'Update|SignVerify' -benchtime 1s ./channels/offchain/ | grep -E '^(Benchmark|ok)'
go test -run '^$' -bench 'OnChainCost' -benchtime 50x ./x/channels/ | grep -E '^(Benchmark|ok)'
