package state_test

import (
	"bytes"
	"testing"

	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

var fuzzLimits = state.Limits{MaxLocks: 8, MaxBets: 4}

// FuzzDecodeSignedState: the binary state encoding that travels inside
// transactions is either refused or decodes to a valid state whose
// canonical encoding is exactly the input (one state, one byte form).
func FuzzDecodeSignedState(f *testing.F) {
	st := state.Initial(bytes.Repeat([]byte{1}, 32), 10, 20)
	st.Version = 3
	st.BalanceA, st.BalanceB = 5, 15
	st.Locks = []*pb.Lock{{Amount: 10, Hash: state.Hash([]byte("h")), Expiry: 9, Sender: pb.Party_PARTY_A}}
	k := key(1)
	f.Add(state.EncodeSignedState(&pb.SignedState{State: st, SigA: state.SignState(chainID, k, st), SigB: state.SignState(chainID, k, st)}))
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := state.DecodeSignedState(b, fuzzLimits)
		if err != nil {
			return
		}
		if err := state.Validate(s.State, fuzzLimits); err != nil {
			t.Fatalf("decoded an invalid state: %v", err)
		}
		if !bytes.Equal(state.EncodeSignedState(s), b) {
			t.Fatal("accepted a non-canonical encoding")
		}
		_ = state.VerifyState(chainID, s, k.PubKey(), k.PubKey())
	})
}

// FuzzApply: any op on a valid state either fails or gives a valid state
// one version later whose total (balances + escrow) equals its deposits.
func FuzzApply(f *testing.F) {
	f.Add(uint8(0), uint8(1), uint64(5), uint64(60), uint64(50), uint8(1))
	f.Add(uint8(1), uint8(2), uint64(1<<63), uint64(1), uint64(0), uint8(0))
	f.Add(uint8(3), uint8(1), uint64(7), uint64(0), uint64(99), uint8(2))
	kinds := []string{state.OpPay, state.OpLock, state.OpFulfill, state.OpExpire, state.OpDeposit, state.OpFinal, state.OpRefundBet, "x"}
	f.Fuzz(func(t *testing.T, kind, party uint8, amount, expiry, height uint64, pre uint8) {
		st := state.Initial(bytes.Repeat([]byte{1}, 32), 100, 50)
		preimage := bytes.Repeat([]byte{pre}, 32)
		locked, _ := state.Apply(st, &pb.Op{Kind: state.OpLock, Party: pb.Party_PARTY_B, Amount: 20, Hash: state.Hash(bytes.Repeat([]byte{1}, 32)), Expiry: 60}, state.Env{Limits: fuzzLimits})
		op := &pb.Op{Kind: kinds[int(kind)%len(kinds)], Party: pb.Party(party % 4), Amount: amount, Hash: state.Hash(preimage), Expiry: expiry, Preimage: preimage}
		e := state.Env{ChainID: chainID, Height: height, Limits: fuzzLimits, DepositA: 100 + amount%1000, DepositB: 50}
		n, err := state.Apply(locked, op, e)
		if err != nil {
			return
		}
		if n.Version != locked.Version+1 {
			t.Fatal("version did not advance by one")
		}
		if err := state.Validate(n, fuzzLimits); err != nil {
			t.Fatal(err)
		}
		if err := state.CheckAgainstDeposits(n, e.DepositA, e.DepositB); err != nil {
			t.Fatal(err)
		}
	})
}
