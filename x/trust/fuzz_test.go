package trust

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
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

// FuzzSeedChangeFile: arbitrary bytes never panic the decoder; an accepted
// file encodes and decodes to the same message.
func FuzzSeedChangeFile(f *testing.F) {
	key, _ := secp256k1.PrivKeyFromBytes(make32(9))
	sf := &SeedChangeFile{ChainID: "c", SeedVersion: 2, ExpiresHeight: 50,
		Add: []GenesisSeed{{Address: testAddr(1).String(), PreTrust: Dec(score.One)}}, Remove: []string{testAddr(2).String()}}
	sf.Sign(key)
	f.Add(sf.Encode())
	f.Add([]byte(`{"chain_id":"x","seed_version":"0","expires_height":"1","add":[],"remove":[],"approvals":[]}`))
	f.Add([]byte(`{"chain_id":"x","approvals":[{"pub_key":"zz","signature":""}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := DecodeSeedChangeFile(raw)
		if err != nil {
			return
		}
		m1, err := d.Msg()
		if err != nil {
			t.Fatal(err)
		}
		d2, err := DecodeSeedChangeFile(d.Encode())
		if err != nil {
			t.Fatalf("re-encoded file refused: %v", err)
		}
		m2, _ := d2.Msg()
		if !proto.Equal(m1, m2) || d2.ChainID != d.ChainID {
			t.Fatalf("round trip changed the message: %v vs %v", m1, m2)
		}
	})
}

func TestSeedChangeFileSignAndDecode(t *testing.T) {
	k1, _ := secp256k1.PrivKeyFromBytes(make32(1))
	sf := &SeedChangeFile{ChainID: "c", SeedVersion: 1, ExpiresHeight: 9, Add: []GenesisSeed{{Address: testAddr(5).String(), PreTrust: Dec(score.One / 2)}}}
	sf.Sign(k1)
	sf.Sign(k1) // signing twice replaces
	d, err := DecodeSeedChangeFile(sf.Encode())
	if err != nil || len(d.Approvals) != 1 {
		t.Fatalf("%v %+v", err, d)
	}
	m, _ := d.Msg()
	pub, _ := secp256k1.PubKeyFromBytes(m.Approvals[0].PubKey)
	if err := pub.Verify(SeedChangeSignBytes("c", m.Change), m.Approvals[0].Signature); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`{"chain_id":"c","seed_version":"1","expires_height":"9","add":[],"remove":[],"approvals":[]}`,               // empty change
		`{"chain_id":"c","add":[{"address":"` + testAddr(1).String() + `","pre_trust":"2"}]}`,                        // pre-trust > 1
		`{"chain_id":"c","remove":["` + testAddr(1).String() + `"],"extra":1}`,                                       // unknown field
		`{"remove":["` + testAddr(1).String() + `"]}`,                                                                // no chain id
		`{"chain_id":"c","remove":["` + testAddr(1).String() + `"]} {}`,                                              // trailing
		`{"chain_id":"c","remove":["` + testAddr(1).String() + `"],"approvals":[{"pub_key":"00","signature":"00"}]}`, // short key
		`{"chain_id":"c","remove":["` + testAddr(1).String() + `","` + testAddr(1).String() + `"]}`,                  // twice
	} {
		if _, err := DecodeSeedChangeFile([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// FuzzDecodeEffective checks the epoch's direct decoder of stored out-edges
// against proto.Unmarshal: the same entries and effective weights whenever
// proto accepts the bytes as a valid OutEdges with 20-byte targets, and no
// panic on anything.
func FuzzDecodeEffective(f *testing.F) {
	a1, a2, a3 := testAddr(1), testAddr(2), testAddr(3)
	o := &trustpb.OutEdges{Edges: []*trustpb.OutEdge{
		{Target: a1[:], HasManual: true, Manual: -5},
		{Target: a2[:], HasAuto: true, Auto: 77, Good: 3, Bad: 1, AutoHeight: 9},
		{Target: a3[:], HasManual: true, Manual: 1_000_000_000, HasAuto: true, Auto: -3},
	}}
	bz, _ := proto.MarshalOptions{Deterministic: true}.Marshal(o)
	f.Add(bz)
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeEffective(raw, nil)
		var o trustpb.OutEdges
		perr := proto.Unmarshal(raw, &o)
		valid := perr == nil
		for _, e := range o.Edges {
			if len(e.Target) != addrLen {
				valid = false
			}
		}
		if !valid {
			return // decodeEffective may accept or refuse; it must not panic
		}
		if err != nil {
			t.Fatalf("proto accepts, decodeEffective refuses: %v", err)
		}
		if len(got) != len(o.Edges) {
			t.Fatalf("%d entries, proto %d", len(got), len(o.Edges))
		}
		for i, e := range o.Edges {
			w := e.Auto
			if e.HasManual {
				w = e.Manual
			}
			if got[i].to != types.Address(e.Target) || got[i].w != score.Score(w) {
				t.Fatalf("entry %d: %x %d, proto %x %d", i, got[i].to, got[i].w, e.Target, w)
			}
		}
	})
}
