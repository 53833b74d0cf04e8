package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/client/keyring"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/bank/bankpb"
)

// TestDroppedTransactionIsReportedEarly: a transaction a node accepted and
// then dropped from its mempool without including it is reported as
// client.ErrTxDropped after a few seconds, not after the whole wait (the
// chaos run saw masternodes wait a minute per dropped transaction and miss
// challenge deadlines meanwhile). The full node does not relay its mempool,
// so what is sent to it stays there until it stops being valid.
func TestDroppedTransactionIsReportedEarly(t *testing.T) {
	net := newNetworkWithFullNodes(t, 1, 1)
	val, full := net.nodes[0], net.nodes[1]
	cfgPath := filepath.Join(full.home, "config", "config.toml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "broadcast = true") {
		t.Fatal("config.toml has no `broadcast = true` to turn off")
	}
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), "broadcast = true", "broadcast = false", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	val.start()
	full.start()
	val.waitHeight(2, 30*time.Second)
	full.waitHeight(2, 60*time.Second)
	waitCaughtUp(t, full, time.Minute) // a node still block-syncing refuses transactions

	kr, err := keyring.Open(val.home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	faucet, err := kr.PrivKey("faucet")
	if err != nil {
		t.Fatal(err)
	}
	bob := secp256k1.ModuleAddress("e2e-dropped-bob").String()
	send := func(amount uint64) *txpb.Msg {
		m, err := tx.Msg(bank.MsgSendType, &bankpb.MsgSend{To: bob, Amount: amount})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cv, cf := val.client(), full.client()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const wait = 90 * time.Second

	t.Run("nonce used by another transaction", func(t *testing.T) {
		a, err := cf.Sign(ctx, faucet, 0, "", send(1))
		if err != nil {
			t.Fatal(err)
		}
		b, err := cv.Sign(ctx, faucet, 0, "", send(2))
		if err != nil {
			t.Fatal(err)
		}
		if decodeNonce(t, a) != decodeNonce(t, b) {
			t.Fatal("the two transactions should share a nonce")
		}
		errA := make(chan error, 1)
		start := time.Now()
		go func() { _, err := cf.Broadcast(ctx, a, wait); errA <- err }()
		time.Sleep(time.Second) // a is in the full node's mempool (only there)
		if _, err := cv.Broadcast(ctx, b, wait); err != nil {
			t.Fatalf("the competing transaction: %v", err)
		}
		err = <-errA
		if !errors.Is(err, client.ErrTxDropped) {
			t.Fatalf("after %s: got %v, want ErrTxDropped", time.Since(start).Round(time.Second), err)
		}
		t.Logf("reported after %s: %v", time.Since(start).Round(100*time.Millisecond), err)
		if got := balanceOf(t, val, bob, false); got != 2 {
			t.Fatalf("bob has %d npsl, want the 2 of the included transaction only", got)
		}
	})

	t.Run("timeout height passed", func(t *testing.T) {
		chainID, err := cf.ChainID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		acc, _, err := cf.Account(ctx, faucet.PubKey().Address(), false)
		if err != nil {
			t.Fatal(err)
		}
		p, err := cf.FeeParams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		body := &txpb.TxBody{Messages: []*txpb.Msg{send(5)}, Nonce: acc.Nonce, TimeoutHeight: uint64(full.height() + 3)}
		body.Fee = client.EstimateFee(p, body, faucet)
		raw, err := tx.Sign(chainID, body, faucet)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = cf.Broadcast(ctx, raw, wait)
		if !errors.Is(err, client.ErrTxDropped) {
			t.Fatalf("after %s: got %v, want ErrTxDropped", time.Since(start).Round(time.Second), err)
		}
		t.Logf("reported after %s", time.Since(start).Round(100*time.Millisecond))
		// Nothing was applied: the nonce is free for the next transaction.
		acc2, _, err := cv.Account(ctx, faucet.PubKey().Address(), false)
		if err != nil {
			t.Fatal(err)
		}
		if acc2.Nonce != acc.Nonce {
			t.Fatalf("nonce moved %d -> %d", acc.Nonce, acc2.Nonce)
		}
		if _, err := cv.SignAndBroadcast(ctx, faucet, 0, "", send(3)); err != nil {
			t.Fatalf("next transaction: %v", err)
		}
		if got := balanceOf(t, val, bob, false); got != 5 {
			t.Fatalf("bob has %d npsl, want 2+3", got)
		}
	})
}

func decodeNonce(t *testing.T, raw []byte) uint64 {
	t.Helper()
	d, err := tx.Decode(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	return d.Body.Nonce
}

// waitCaughtUp waits until n says it is no longer catching up.
func waitCaughtUp(t *testing.T, n *node, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		st, err := n.client().Status(ctx)
		cancel()
		if err == nil && !st.SyncInfo.CatchingUp {
			return
		}
	}
	t.Fatalf("%s still catching up after %s", n.name, timeout)
}
