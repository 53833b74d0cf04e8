package trust

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// FuzzMessages feeds arbitrary bytes to every trust message type the way
// the app does (strict decode, stateless Validate, handler on a fresh
// state). Nothing may panic; a message that passes Validate must run its
// handler to a result; a failing handler must leave the state unchanged.
func FuzzMessages(f *testing.F) {
	seedAddr := testAddr(0)
	add := func(m proto.Message) {
		bz, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		f.Add(uint8(0), bz)
		f.Add(uint8(1), bz)
		f.Add(uint8(2), bz)
	}
	add(&trustpb.MsgSetTrust{Target: testAddr(1).String(), Weight: 500_000_000})
	add(&trustpb.MsgSetTrust{Target: testAddr(1).String(), Weight: -2_000_000_000})
	add(&trustpb.MsgRemoveTrust{Target: testAddr(2).String()})
	key, _ := secp256k1.PrivKeyFromBytes(make32(7))
	change := &trustpb.SeedChange{SeedVersion: 0, ExpiresHeight: 10, Add: []*trustpb.Seed{{Address: testAddr(3).String(), PreTrust: 1}}, Remove: []string{seedAddr.String()}}
	add(&trustpb.MsgUpdateSeeds{Change: change, Approvals: []*trustpb.SeedApproval{SignSeedChange("trust-unit", change, key)}})
	routes := (Module{}).Routes()
	f.Fuzz(func(t *testing.T, which uint8, value []byte) {
		r := routes[int(which)%len(routes)]
		m := r.New()
		if err := tx.DecodeMsg(value, m); err != nil {
			return
		}
		if err := r.Validate(m); err != nil {
			return
		}
		ctx := newTestCtx(t, Genesis{Params: DefaultParams(), Seeds: []GenesisSeed{{Address: seedAddr.String(), PreTrust: Dec(score.One)}},
			Edges: []GenesisEdge{{From: seedAddr.String(), To: testAddr(2).String(), Weight: Dec(score.One / 2)}}})
		before := dump(ctx)
		if err := r.Handler(ctx, seedAddr, m); err != nil && dump(ctx) != before {
			t.Fatalf("failed handler (%v) changed the state", err)
		}
	})
}

// FuzzGenesis: arbitrary bytes as the trust genesis section never panic,
// and an accepted genesis initialises and exports to an equivalent one.
func FuzzGenesis(f *testing.F) {
	f.Add([]byte(`{"params":{"epoch_blocks":5},"seeds":[{"address":"` + testAddr(0).String() + `","pre_trust":"1"}]}`))
	f.Add([]byte(`{"seeds":[],"edges":[{"from":"` + testAddr(0).String() + `","to":"` + testAddr(1).String() + `","weight":"-0.5"}]}`))
	f.Add([]byte(`{"params":{"datt_decay":"0"}}`))
	f.Add([]byte(`{"auto_edges":[{"from":"x","to":"y","weight":"1","good":"1","bad":"0"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		g, err := ParseGenesis(raw)
		if err != nil {
			return
		}
		ctx := newTestCtx(t, *g)
		out, err := (Module{}).ExportGenesis(ctx)
		if err != nil {
			t.Fatal(err)
		}
		g2, err := ParseGenesis(out)
		if err != nil {
			t.Fatalf("exported genesis does not parse: %v\n%s", err, out)
		}
		if len(g2.Seeds) != len(g.Seeds) || len(g2.Edges) != len(g.Edges) || len(g2.AutoEdges) != len(g.AutoEdges) || g2.Params != g.Params {
			t.Fatalf("export differs: %+v vs %+v", g2, g)
		}
	})
}

func make32(b byte) []byte {
	out := make([]byte, 32)
	for i := range out {
		out[i] = b
	}
	return out
}
