package channels_test

import (
	"testing"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/channels"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// signedTx signs one transaction of msgs from k with the minimum fee.
func (c *chain) signedTx(k secp256k1.PrivKey, msgs ...*txpb.Msg) ([]byte, uint64) {
	c.T.Helper()
	body := &txpb.TxBody{Messages: msgs, Fee: ^uint64(0), Nonce: c.bank().Account(c.ctx(), addr(k)).Nonce}
	probe, _ := tx.Sign(chainID, body, k)
	body.Fee = c.bank().MinFee(c.ctx(), len(probe), len(msgs))
	raw, err := tx.Sign(chainID, body, k)
	if err != nil {
		c.T.Fatal(err)
	}
	return raw, body.Fee
}

// BenchmarkOnChainCost: what each on-chain step of a channel costs — the
// transaction's bytes, its minimum fee (the chain has no gas: the fee is
// the per-message fee plus the byte fee) and the time to execute and commit
// a block holding it on one node. Off-chain payments cost nothing on-chain.
func BenchmarkOnChainCost(b *testing.B) {
	params := channels.ToJSON(channels.DefaultParams())
	params.DisputeWindow = 1
	steps := []struct {
		name  string
		locks int
		// setup prepares a channel; tx is the measured transaction.
		tx func(c *chain, p *pair) []byte
	}{
		{"open", 0, nil},
		{"cooperative_close", 0, func(c *chain, p *pair) []byte {
			raw, _ := c.signedTx(p.a, coopMsg(p.update(&pb.Op{Kind: state.OpFinal})))
			return raw
		}},
		{"close", 0, func(c *chain, p *pair) []byte { raw, _ := c.signedTx(p.a, closeMsg(p.id, p.latest)); return raw }},
		{"dispute", 0, func(c *chain, p *pair) []byte {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[0])))
			raw, _ := c.signedTx(p.b, disputeMsg(p.latest))
			return raw
		}},
		{"dispute_32_locks", 32, func(c *chain, p *pair) []byte {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[0])))
			raw, _ := c.signedTx(p.b, disputeMsg(p.latest))
			return raw
		}},
		{"settle", 0, func(c *chain, p *pair) []byte {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.latest)))
			c.block()
			raw, _ := c.signedTx(p.b, settleMsg(p.id))
			return raw
		}},
	}
	for _, st := range steps {
		b.Run(st.name, func(b *testing.B) {
			c := newChainWith(b, 2, params)
			c.SkipChecks = true
			ka, kb := c.Keys[0], c.Keys[1]
			var bytes int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var raw []byte
				if st.tx == nil {
					counter := c.keeper().NextCounter(c.ctx(), addr(ka), addr(kb))
					m, _ := c.openMsg(ka, kb, 1000, 1000, counter)
					raw, _ = c.signedTx(ka, msg(channels.MsgOpenType, m))
				} else {
					p := c.open(ka, kb, 1_000_000, 1_000_000)
					p.pay(A, 1)
					for l := 0; l < st.locks; l++ {
						p.update(&pb.Op{Kind: state.OpLock, Party: A, Amount: 10, Hash: state.Hash([]byte{byte(l), byte(i), byte(i >> 8)}), Expiry: 1 << 40})
					}
					p.pay(A, 1)
					raw = st.tx(c, p)
				}
				bytes = len(raw)
				b.StartTimer()
				res := c.block(raw)
				if r := res.TxResults[0]; r.Code != 0 {
					b.Fatalf("%s failed: %s", st.name, r.Log)
				}
			}
			b.ReportMetric(float64(bytes), "tx-bytes")
			b.ReportMetric(float64(c.bank().MinFee(c.ctx(), bytes, 1)), "fee-npsl")
		})
	}
}
