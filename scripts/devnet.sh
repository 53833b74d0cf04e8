#!/usr/bin/env bash
# Creates (or reuses) a local Pastel network under ./.devnet: one validator
# (pasteld) and MASTERNODES (default 6) masternodes, each a chunkd process,
# with a funded "demo" key. Runs until Ctrl-C, then stops everything cleanly;
# running it again continues the same chain. `make devnet-reset` starts over.
set -euo pipefail
BIN=${BIN:-build/pasteld}
CHUNKD=${CHUNKD:-build/chunkd}
DIR=${DEVNET_DIR:-.devnet}
MASTERNODES=${MASTERNODES:-6}
NODE="$DIR/node"
RPC=http://127.0.0.1:26657
KR=(--home "$NODE" --keyring-backend test)

if [ ! -f "$NODE/config/genesis.json" ]; then
  echo "==> creating a new devnet in $DIR"
  "$BIN" init --home "$NODE" --chain-id pastel-devnet --moniker devnet >/dev/null
  "$BIN" keys add demo "${KR[@]}" >/dev/null
  "$BIN" keys add alice "${KR[@]}" >/dev/null
  "$BIN" genesis add-account demo 1000000psl "${KR[@]}" >/dev/null
  "$BIN" genesis set-validator-payout demo "${KR[@]}" >/dev/null
  # A small network: 3 holders per chunk, so placement differs per chunk.
  "$BIN" genesis set-param storage.params.replication 3 --home "$NODE" >/dev/null
  for i in $(seq 1 "$MASTERNODES"); do
    "$CHUNKD" init --home "$DIR/mn$i" --listen "127.0.0.1:$((7100 + i))" --node "$RPC" >/dev/null
    addr=$("$BIN" keys show masternode -a --home "$DIR/mn$i" --keyring-backend test)
    "$BIN" genesis add-account "$addr" 1001000psl --home "$NODE" >/dev/null
  done
fi

pids=()
cleanup() {
  echo
  echo "==> stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

"$BIN" start --home "$NODE" >"$DIR/node.log" 2>&1 &
pids+=($!)
height() { "$BIN" status --node "$RPC" -o json 2>/dev/null | sed -n 's/.*"latest_block_height": \([0-9]*\).*/\1/p'; }
for _ in $(seq 1 150); do
  [ "$(height)" -ge 1 ] 2>/dev/null && break
  sleep 0.2
done
[ "$(height)" -ge 1 ] 2>/dev/null || { echo "pasteld did not start; see $DIR/node.log"; exit 1; }

for i in $(seq 1 "$MASTERNODES"); do
  addr=$("$BIN" keys show masternode -a --home "$DIR/mn$i" --keyring-backend test)
  if ! "$BIN" mn show "$addr" --node "$RPC" >/dev/null 2>&1; then
    "$BIN" mn register --url "http://127.0.0.1:$((7100 + i))" --collateral 1000000psl --from masternode \
      --home "$DIR/mn$i" --keyring-backend test --node "$RPC" --yes >/dev/null &
  fi
done
wait $(jobs -p | grep -v -w -e "${pids[0]}" || true) 2>/dev/null || true
for i in $(seq 1 "$MASTERNODES"); do
  "$CHUNKD" start --home "$DIR/mn$i" >"$DIR/mn$i.log" 2>&1 &
  pids+=($!)
done

DEMO=$("$BIN" keys show demo -a "${KR[@]}")
ALICE=$("$BIN" keys show alice -a "${KR[@]}")
cat <<MSG
==> Pastel devnet running: chain pastel-devnet, RPC $RPC, $MASTERNODES masternodes (chunkd on 127.0.0.1:7101-$((7100 + MASTERNODES)))
    demo  = $DEMO (1,000,000 psl)
    alice = $ALICE
    logs in $DIR/*.log

In another terminal:
    P=$BIN; H="--home $NODE --keyring-backend test"
    \$P mn list
    \$P art register samples/sunflowers.png --title "Sunflowers" --editions 5 --from demo \$H --yes
    \$P art get <ART_ID> -o ./downloaded --from demo \$H
    \$P art transfer <ART_ID> 1 alice --from demo \$H --yes
    \$P tx bank send demo alice 25psl \$H --yes
    \$P query bank balance alice --prove

Ctrl-C stops the network; 'make devnet' again continues it.
MSG
wait "${pids[0]}"
