#!/usr/bin/env bash
# Creates (or reuses) a local Pastel network under ./.devnet: one validator
# (pasteld) and MASTERNODES (default 6) masternodes, each a chunkd process,
# with a funded "demo" key. Runs until Ctrl-C, then stops everything cleanly;
# running it again continues the same chain. `make devnet-reset` starts over.
#
# Everything listens on 127.0.0.1 only. Ports: DEVNET_RPC_PORT (26657),
# DEVNET_P2P_PORT (26656), DEVNET_METRICS_PORT (26660), chunkd on
# DEVNET_MN_PORT+1.. (7101..), the web explorer on DEVNET_EXPLORER_PORT (26680). A second devnet on the same folder or ports
# is refused before anything is touched.
set -euo pipefail
BIN=${BIN:-build/pasteld}
CHUNKD=${CHUNKD:-build/chunkd}
DIR=${DEVNET_DIR:-.devnet}
MASTERNODES=${MASTERNODES:-6}
RPC_PORT=${DEVNET_RPC_PORT:-26657}
P2P_PORT=${DEVNET_P2P_PORT:-26656}
METRICS_PORT=${DEVNET_METRICS_PORT:-26660}
MN_PORT=${DEVNET_MN_PORT:-7100}
EXPLORER_PORT=${DEVNET_EXPLORER_PORT:-26680}
NODE="$DIR/node"
RPC=http://127.0.0.1:$RPC_PORT
KR=(--home "$NODE" --keyring-backend test)
PIDFILE="$DIR/devnet.pid"

die() { echo "devnet: $*" >&2; exit 1; }
# exited NAME LOG: a process that stopped at start says why in its log's
# last lines; show them rather than send the reader looking.
exited() { die "$1 exited; the end of $2:
$(tail -n 4 "$2" | sed 's/^/  /')"; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- refuse a second devnet before touching anything -------------------------
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  die "a devnet is already running from $DIR (pid $(cat "$PIDFILE")); stop it with Ctrl-C in its terminal (or kill $(cat "$PIDFILE")) first"
fi
for p in "$RPC_PORT" "$P2P_PORT" "$METRICS_PORT" "$EXPLORER_PORT" $(seq $((MN_PORT + 1)) $((MN_PORT + MASTERNODES))); do
  port_busy "$p" && die "port $p on 127.0.0.1 is in use (another devnet or node?); stop it, or pick other ports with DEVNET_RPC_PORT, DEVNET_P2P_PORT, DEVNET_METRICS_PORT, DEVNET_MN_PORT, DEVNET_EXPLORER_PORT"
done
mkdir -p "$DIR"
echo $$ >"$PIDFILE"

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "==> stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -f "$PIDFILE"
}
trap cleanup INT TERM EXIT

if [ ! -f "$NODE/config/genesis.json" ]; then
  echo "==> creating a new devnet in $DIR"
  "$BIN" init --home "$NODE" --chain-id pastel-devnet --moniker devnet >/dev/null
  "$BIN" config keyring-backend test --home "$NODE" >/dev/null
  "$BIN" keys add demo "${KR[@]}" >/dev/null
  "$BIN" keys add alice "${KR[@]}" >/dev/null
  "$BIN" genesis add-account demo 1000000psl "${KR[@]}" >/dev/null
  "$BIN" genesis set-validator-payout demo "${KR[@]}" >/dev/null
  # Trust: storage's challenger is a seed already (init); demo is the voting
  # seed that can approve seed changes.
  "$BIN" trust genesis-seed demo "${KR[@]}" >/dev/null
  # A small network: 3 holders per chunk, so placement differs per chunk.
  "$BIN" genesis set-param storage.params.replication 3 --home "$NODE" >/dev/null
  for i in $(seq 1 "$MASTERNODES"); do
    "$CHUNKD" init --home "$DIR/mn$i" --listen "127.0.0.1:$((MN_PORT + i))" --node "$RPC" >/dev/null
    addr=$("$BIN" keys show masternode -a --home "$DIR/mn$i" --keyring-backend test)
    "$BIN" genesis add-account "$addr" 1001000psl --home "$NODE" >/dev/null
  done
fi
# Loopback only, on this run's ports (also moves a devnet made by an older
# script off 0.0.0.0).
"$BIN" config rpc.laddr "tcp://127.0.0.1:$RPC_PORT" --home "$NODE" >/dev/null
"$BIN" config p2p.laddr "tcp://127.0.0.1:$P2P_PORT" --home "$NODE" >/dev/null
"$BIN" config instrumentation.prometheus_listen_addr "127.0.0.1:$METRICS_PORT" --home "$NODE" >/dev/null
"$BIN" config node "$RPC" --home "$NODE" >/dev/null
for i in $(seq 1 "$MASTERNODES"); do
  "$BIN" config keyring-backend test --home "$DIR/mn$i" >/dev/null
  "$BIN" config node "$RPC" --home "$DIR/mn$i" >/dev/null
done

echo "==> run of $(date -u +%FT%TZ)" >>"$DIR/node.log"
"$BIN" start --home "$NODE" >>"$DIR/node.log" 2>&1 &
pids+=($!)
height() { "$BIN" status --node "$RPC" -o json 2>/dev/null | sed -n 's/.*"latest_block_height": "*\([0-9]*\).*/\1/p'; }
for _ in $(seq 1 150); do
  [ "$(height)" -ge 1 ] 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || exited pasteld "$DIR/node.log"
  sleep 0.2
done
[ "$(height)" -ge 1 ] 2>/dev/null || die "pasteld did not start; see $DIR/node.log"

# Register the masternodes the chain does not know yet (first run), all at
# once, and wait for exactly those registrations.
regs=()
for i in $(seq 1 "$MASTERNODES"); do
  addr=$("$BIN" keys show masternode -a --home "$DIR/mn$i" --keyring-backend test)
  if ! "$BIN" mn show "$addr" --node "$RPC" >/dev/null 2>&1; then
    "$BIN" mn register --url "http://127.0.0.1:$((MN_PORT + i))" --collateral 1000000psl --from masternode \
      --home "$DIR/mn$i" --keyring-backend test --node "$RPC" --yes >>"$DIR/mn$i.log" 2>&1 &
    regs+=($!)
  fi
done
for r in "${regs[@]}"; do wait "$r" || die "a masternode registration failed; see $DIR/mn*.log"; done

for i in $(seq 1 "$MASTERNODES"); do
  echo "==> run of $(date -u +%FT%TZ)" >>"$DIR/mn$i.log"
  "$CHUNKD" start --home "$DIR/mn$i" >>"$DIR/mn$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 "$MASTERNODES"); do
  for _ in $(seq 1 100); do
    port_busy $((MN_PORT + i)) && break
    kill -0 "${pids[$i]}" 2>/dev/null || exited "chunkd of mn$i" "$DIR/mn$i.log"
    sleep 0.1
  done
  port_busy $((MN_PORT + i)) || die "chunkd of mn$i does not listen on 127.0.0.1:$((MN_PORT + i)); see $DIR/mn$i.log"
done

echo "==> run of $(date -u +%FT%TZ)" >>"$DIR/explorer.log"
"$BIN" explorer --node "$RPC" --listen "127.0.0.1:$EXPLORER_PORT" --home "$NODE" >>"$DIR/explorer.log" 2>&1 &
pids+=($!)

DEMO=$("$BIN" keys show demo -a "${KR[@]}")
ALICE=$("$BIN" keys show alice -a "${KR[@]}")
cat <<MSG
==> Pastel devnet running: chain pastel-devnet, RPC $RPC, $MASTERNODES masternodes (chunkd on 127.0.0.1:$((MN_PORT + 1))-$((MN_PORT + MASTERNODES)))
    explorer: http://127.0.0.1:$EXPLORER_PORT/  (chain, arts, masternodes, storage health; live)
    demo  = $DEMO (1,000,000 psl at genesis)
    alice = $ALICE
    logs in $DIR/*.log; keys use the test keyring of $NODE (set in its client.toml)

In another terminal:
    P=$BIN; H="--home $NODE"
    \$P mn list
    \$P art register samples/sunflowers.png --title "Sunflowers" --editions 5 --from demo \$H --yes
    \$P art get <ART_ID> --output-dir ./downloaded --from demo \$H
    \$P tx bank send demo alice 25psl \$H --yes
    \$P art transfer <ART_ID> 1 alice --from demo \$H --yes
    \$P query bank balance alice \$H --prove     # verified by the light client (trust root in $NODE/light)
    \$P query storage-stats                      # arts, commitments, challenges, healing, lowest redundancy
    curl -s http://127.0.0.1:$METRICS_PORT/metrics | grep ^pastel_

Art is encrypted on your machine by default (--public to opt out); only edition owners can decrypt.
Ctrl-C stops the network; 'make devnet' again continues it.
MSG
wait "${pids[0]}"
