package offchain_test

import (
	"testing"

	"github.com/pastelchain/pastel/channels/offchain"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// BenchmarkUpdate measures one complete off-chain payment between two
// wallets in two homes: A applies and signs (and persists its pending
// state), B applies, verifies A's signature, countersigns and persists, A
// verifies both signatures and persists. That is 3 signatures made or
// checked on each side and 3 atomic file writes. "fsync" is the real,
// crash-safe setting; "nosync" shows the CPU cost alone.
func BenchmarkUpdate(b *testing.B) {
	for _, mode := range []struct {
		name   string
		noSync bool
	}{{"fsync", false}, {"nosync", true}} {
		b.Run(mode.name, func(b *testing.B) {
			d := newDuo(b, 1<<62, 1<<62)
			d.wa.NoSync, d.wb.NoSync = mode.noSync, mode.noSync
			op := &pb.Op{Kind: state.OpPay, Party: A, Amount: 1}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				upd, err := d.wa.Propose(d.id, d.ka, op, d.env)
				if err != nil {
					b.Fatal(err)
				}
				ack, err := d.wb.Accept(upd, d.kb, d.env, offchain.Policy{})
				if err != nil {
					b.Fatal(err)
				}
				if err := d.wa.Complete(ack); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
		})
	}
}

// BenchmarkSignVerify is the cryptographic floor of an update: apply the
// op, both parties sign, both signatures verified, no disk.
func BenchmarkSignVerify(b *testing.B) {
	ka, kb := key(1), key(2)
	st := state.Initial(make([]byte, 32), 1<<62, 1<<62)
	env := state.Env{ChainID: chainID, Limits: state.DefaultLimits}
	op := &pb.Op{Kind: state.OpPay, Party: A, Amount: 1}
	for i := 0; i < b.N; i++ {
		next, err := state.Apply(st, op, env)
		if err != nil {
			b.Fatal(err)
		}
		s := &pb.SignedState{State: next, SigA: state.SignState(chainID, ka, next), SigB: state.SignState(chainID, kb, next)}
		if err := state.VerifyState(chainID, s, ka.PubKey(), kb.PubKey()); err != nil {
			b.Fatal(err)
		}
		st = next
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}
