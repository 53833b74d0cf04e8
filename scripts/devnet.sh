#!/usr/bin/env bash
# Creates (or reuses) a single-validator Pastel chain under ./.devnet with a
# funded "demo" key, and runs it in the foreground. Ctrl-C stops it cleanly;
# running it again continues the same chain. `make devnet-reset` starts over.
set -euo pipefail
BIN=${BIN:-build/pasteld}
DIR=${DEVNET_DIR:-.devnet}
NODE="$DIR/node"
KR=(--home "$NODE" --keyring-backend test)

if [ ! -f "$NODE/config/genesis.json" ]; then
  echo "==> creating a new devnet in $DIR"
  "$BIN" init --home "$NODE" --chain-id pastel-devnet --moniker devnet >/dev/null
  "$BIN" keys add demo "${KR[@]}" >/dev/null
  "$BIN" keys add alice "${KR[@]}" >/dev/null
  "$BIN" genesis add-account demo 1000000psl "${KR[@]}" >/dev/null
fi
DEMO=$("$BIN" keys show demo -a "${KR[@]}")
ALICE=$("$BIN" keys show alice -a "${KR[@]}")
RPC=$(sed -n '/^\[rpc\]/,/^\[/ s/^laddr = "tcp:\/\/\(.*\)"/\1/p' "$NODE/config/config.toml")
cat <<MSG
==> Pastel devnet (chain pastel-devnet), RPC http://$RPC
    demo  = $DEMO (funded with 1,000,000 psl)
    alice = $ALICE

In another terminal, send coins and read them back (with a verified proof):
    $BIN tx bank send demo alice 25psl --home $NODE --keyring-backend test --node http://$RPC --yes
    $BIN query bank balance $ALICE --node http://$RPC --prove
    $BIN status --node http://$RPC

Stop with Ctrl-C; run 'make devnet' again to continue the same chain.
MSG
exec "$BIN" start --home "$NODE"
