#!/usr/bin/env bash
# localnet.sh start|stop|status — 4 validators and 8 chunkd masternodes on
# loopback ports under ./.localnet (override with LOCALNET_DIR, VALIDATORS,
# MASTERNODES, PORT). Same binaries as production; one log per process in
# the folder; pids in .localnet/pids.
set -euo pipefail
BIN=${BIN:-build/pasteld}
CHUNKD=${CHUNKD:-build/chunkd}
DIR=${LOCALNET_DIR:-.localnet}
VALIDATORS=${VALIDATORS:-4}
MASTERNODES=${MASTERNODES:-8}
PORT=${PORT:-27600}
MNPORT=$((PORT + 10 * VALIDATORS + 100))

rpc() { echo "http://127.0.0.1:$((PORT + 10 * $1 + 1))"; }

start() {
  if [ -f "$DIR/pids" ]; then echo "localnet already running (pids in $DIR/pids); make localnet-stop first"; exit 1; fi
  if [ ! -d "$DIR/node0" ]; then
    "$BIN" testnet --validators "$VALIDATORS" --output-dir "$DIR" --starting-port "$PORT" --chain-id pastel-localnet >/dev/null
    "$BIN" genesis set-param storage.params.replication 3 --home "$DIR/node0" >/dev/null
    for i in $(seq 0 $((MASTERNODES - 1))); do
      "$CHUNKD" init --home "$DIR/mn$i" --listen "127.0.0.1:$((MNPORT + i))" --node "$(rpc $((i % VALIDATORS)))" >/dev/null
      addr=$("$BIN" keys show masternode -a --home "$DIR/mn$i" --keyring-backend test)
      "$BIN" genesis add-account "$addr" 1001000psl --home "$DIR/node0" >/dev/null
    done
    for v in $(seq 1 $((VALIDATORS - 1))); do cp "$DIR/node0/config/genesis.json" "$DIR/node$v/config/genesis.json"; done
    fresh=1
  fi
  : >"$DIR/pids"
  for v in $(seq 0 $((VALIDATORS - 1))); do
    "$BIN" start --home "$DIR/node$v" >>"$DIR/node$v.log" 2>&1 &
    echo $! >>"$DIR/pids"
  done
  for _ in $(seq 1 150); do
    h=$("$BIN" status --node "$(rpc 0)" -o json 2>/dev/null | sed -n 's/.*"latest_block_height": \([0-9]*\).*/\1/p' || true)
    [ "${h:-0}" -ge 1 ] && break
    sleep 0.2
  done
  for i in $(seq 0 $((MASTERNODES - 1))); do
    addr=$("$BIN" keys show masternode -a --home "$DIR/mn$i" --keyring-backend test)
    if ! "$BIN" mn show "$addr" --node "$(rpc 0)" >/dev/null 2>&1; then
      "$BIN" mn register --url "http://127.0.0.1:$((MNPORT + i))" --collateral 1000000psl --from masternode \
        --home "$DIR/mn$i" --keyring-backend test --node "$(rpc 0)" --yes >/dev/null &
    fi
  done
  wait $(jobs -p | grep -vxF -f "$DIR/pids" || true) 2>/dev/null || true
  for i in $(seq 0 $((MASTERNODES - 1))); do
    "$CHUNKD" start --home "$DIR/mn$i" >>"$DIR/mn$i.log" 2>&1 &
    echo $! >>"$DIR/pids"
  done
  echo "localnet: $VALIDATORS validators (RPC $(rpc 0) … $(rpc $((VALIDATORS - 1)))), $MASTERNODES chunkd (127.0.0.1:$MNPORT…), logs in $DIR/*.log"
  echo "faucet key: --home $DIR/node0 --keyring-backend test --node $(rpc 0)"
}

stop() {
  [ -f "$DIR/pids" ] || { echo "localnet not running"; return 0; }
  while read -r p; do kill -TERM "$p" 2>/dev/null || true; done <"$DIR/pids"
  for _ in $(seq 1 50); do
    alive=0
    while read -r p; do kill -0 "$p" 2>/dev/null && alive=1; done <"$DIR/pids"
    [ $alive = 0 ] && break
    sleep 0.2
  done
  rm -f "$DIR/pids"
  echo "localnet stopped (state kept in $DIR; rm -rf $DIR to start over)"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) for v in $(seq 0 $((VALIDATORS - 1))); do "$BIN" status --node "$(rpc "$v")" -o json 2>/dev/null | grep -E '"(moniker|latest_block_height|latest_app_hash)"' | tr -d '\n'; echo; done ;;
  *) echo "usage: $0 start|stop|status"; exit 2 ;;
esac
