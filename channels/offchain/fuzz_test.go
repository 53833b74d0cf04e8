package offchain_test

import (
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/channels/offchain"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

func seedJSON(f *testing.F, ms ...proto.Message) {
	for _, m := range ms {
		b, err := protojson.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"chain_id":"x","channel_id":"AAAA","state":{"state":{"version":"-1"}}}`))
	f.Add([]byte(`{"state":{"state":{"balance_a":"18446744073709551615","balance_b":"1"}}}`))
}

// FuzzDecodeUpdate: any bytes a counterparty sends either decode into an
// update that passes every check, survives a round trip unchanged and is
// refused or accepted by a wallet without a panic — or are refused.
func FuzzDecodeUpdate(f *testing.F) {
	d := newDuo(f, 1000, 1000)
	d.wa.NoSync, d.wb.NoSync = true, true
	upd, err := d.wa.Propose(d.id, d.ka, &pb.Op{Kind: state.OpPay, Party: A, Amount: 5}, d.env)
	if err != nil {
		f.Fatal(err)
	}
	_ = d.wa.Retract(d.id)
	ack, _ := d.wb.Accept(upd, d.kb, d.env, offchain.Policy{})
	seedJSON(f, upd, ack)
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := offchain.DecodeUpdate(b)
		if err != nil {
			return
		}
		again, err := protojson.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		u2, err := offchain.DecodeUpdate(again)
		if err != nil || !proto.Equal(u, u2) {
			t.Fatalf("round trip: %v", err)
		}
		if err := state.Validate(u.State.State, state.Limits{MaxLocks: state.MaxLocksCeiling, MaxBets: state.MaxBetsCeiling}); err != nil {
			t.Fatalf("decoded an invalid state: %v", err)
		}
		before, _ := d.wb.Load(d.id)
		if _, err := d.wb.Accept(u, d.kb, d.env, offchain.Policy{AcceptBets: true}); err != nil {
			if after, _ := d.wb.Load(d.id); !proto.Equal(before, after) {
				t.Fatal("refused update changed the wallet")
			}
		}
	})
}

// FuzzDecodeWalletChannel: a damaged wallet file is refused or decodes
// into a channel whose every state is valid.
func FuzzDecodeWalletChannel(f *testing.F) {
	d := newDuo(f, 1000, 1000)
	wc, err := d.wa.Load(d.id)
	if err != nil {
		f.Fatal(err)
	}
	seedJSON(f, wc)
	f.Fuzz(func(t *testing.T, b []byte) {
		wc, err := offchain.DecodeWalletChannel(b)
		if err != nil {
			return
		}
		if err := state.Validate(wc.Latest.State, state.Limits{MaxLocks: state.MaxLocksCeiling, MaxBets: state.MaxBetsCeiling}); err != nil {
			t.Fatalf("decoded an invalid latest state: %v", err)
		}
		offchain.Balances(wc)
	})
}

// FuzzDecodeProposal: an open proposal is refused or names two valid
// parties, matching keys and the channel id its terms derive.
func FuzzDecodeProposal(f *testing.F) {
	p, err := offchain.NewProposal(chainID, key(1), key(2).PubKey().Address(), 10, 20, 3, 99)
	if err != nil {
		f.Fatal(err)
	}
	seedJSON(f, p)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := offchain.DecodeProposal(b)
		if err != nil {
			return
		}
		if p.Terms == nil || len(p.ChannelId) != state.IDSize {
			t.Fatal("decoded proposal without terms or id")
		}
		_ = offchain.OpenMsg(p)
	})
}

// FuzzDecodeAnnouncement: an oracle announcement file is refused or carries
// a valid signature over 2–16 distinct 32-byte outcome hashes.
func FuzzDecodeAnnouncement(f *testing.F) {
	a, err := state.Announce(chainID, key(5), []byte("ev"), [][]byte{make([]byte, 32), append(make([]byte, 31), 1)}, 10)
	if err != nil {
		f.Fatal(err)
	}
	seedJSON(f, a)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, terms, err := offchain.DecodeAnnouncement(b, chainID)
		if err != nil {
			return
		}
		if n := len(terms.OutcomeHashes); n < state.MinOutcomes || n > state.MaxOutcomes {
			t.Fatalf("%d outcomes accepted", n)
		}
	})
}

// FuzzDecodeOracleSecrets: a secrets file is refused or yields 2–16
// preimages of 32 bytes.
func FuzzDecodeOracleSecrets(f *testing.F) {
	f.Add([]byte(`{"chain_id":"c","event_id":"6576","deadline":"9","preimages":["` + hexID(make([]byte, 32)) + `","` + hexID(append(make([]byte, 31), 1)) + `"]}`))
	f.Add([]byte(`{"preimages":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, pre, err := offchain.DecodeOracleSecrets(b)
		if err != nil {
			return
		}
		if len(pre) < state.MinOutcomes || len(pre) > state.MaxOutcomes {
			t.Fatalf("%d preimages", len(pre))
		}
		for _, p := range pre {
			if len(p) != state.PreimageSize {
				t.Fatal("short preimage")
			}
		}
	})
}
