package state_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

const chainID = "pastel-state-test"

func key(i byte) secp256k1.PrivKey {
	k, err := secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{i}, 32))
	if err != nil {
		panic(err)
	}
	return k
}

var env = state.Env{ChainID: chainID, Height: 50, Limits: state.Limits{MaxLocks: 2, MaxBets: 1}, DepositA: 100, DepositB: 100}

func TestChannelIDBindsChainPartiesAndCounter(t *testing.T) {
	a, b := key(1).PubKey().Address(), key(2).PubKey().Address()
	base := state.ChannelID(chainID, a, b, 0)
	for name, other := range map[string][]byte{
		"counter":  state.ChannelID(chainID, a, b, 1),
		"chain":    state.ChannelID("other", a, b, 0),
		"roles":    state.ChannelID(chainID, b, a, 0),
		"partner":  state.ChannelID(chainID, a, key(3).PubKey().Address(), 0),
		"big ctr":  state.ChannelID(chainID, a, b, math.MaxUint64),
		"prefixed": state.ChannelID(chainID+"x", a, b, 0),
	} {
		if bytes.Equal(base, other) || len(other) != state.IDSize {
			t.Errorf("%s: same id", name)
		}
	}
}

func TestSignBytesAreDomainSeparated(t *testing.T) {
	st := state.Initial(bytes.Repeat([]byte{1}, 32), 5, 5)
	sb := state.StateSignBytes(chainID, st)
	terms := &pb.OpenTerms{PartyA: "a", PartyB: "b", DepositA: 5, DepositB: 5}
	ob := state.OpenSignBytes(chainID, st.ChannelId, terms)
	if bytes.Equal(sb, ob) || bytes.Equal(sb, state.StateSignBytes("other", st)) {
		t.Fatal("sign bytes collide across type or chain")
	}
	k := key(1)
	sig := state.SignState(chainID, k, st)
	if err := k.PubKey().Verify(ob, sig); err == nil {
		t.Fatal("state signature verifies as an open signature")
	}
}

func TestApplyOps(t *testing.T) {
	id := bytes.Repeat([]byte{7}, 32)
	st := state.Initial(id, 100, 100)
	pre := bytes.Repeat([]byte{3}, 32)
	h := state.Hash(pre)
	ok := func(s *pb.State, op *pb.Op, e state.Env) *pb.State {
		t.Helper()
		n, err := state.Apply(s, op, e)
		if err != nil {
			t.Fatalf("%s: %v", op.Kind, err)
		}
		if n.Version != s.Version+1 {
			t.Fatalf("%s: version %d after %d", op.Kind, n.Version, s.Version)
		}
		return n
	}
	bad := func(s *pb.State, op *pb.Op, e state.Env) {
		t.Helper()
		if _, err := state.Apply(s, op, e); err == nil {
			t.Fatalf("%s %+v accepted", op.Kind, op)
		}
	}
	s1 := ok(st, &pb.Op{Kind: state.OpPay, Party: pb.Party_PARTY_A, Amount: 30}, env)
	if s1.BalanceA != 70 || s1.BalanceB != 130 || st.BalanceA != 100 {
		t.Fatalf("pay: %v (prev %v)", s1, st)
	}
	s2 := ok(s1, &pb.Op{Kind: state.OpLock, Party: pb.Party_PARTY_B, Amount: 20, Hash: h, Expiry: 60}, env)
	bad(s2, &pb.Op{Kind: state.OpLock, Party: pb.Party_PARTY_B, Amount: 1, Hash: h, Expiry: 60}, env) // same hash
	bad(s2, &pb.Op{Kind: state.OpFulfill, Hash: h, Preimage: bytes.Repeat([]byte{4}, 32)}, env)
	bad(s2, &pb.Op{Kind: state.OpExpire, Hash: h}, env) // height 50 <= 60
	late := env
	late.Height = 61
	s3 := ok(s2, &pb.Op{Kind: state.OpExpire, Hash: h}, late)
	if s3.BalanceB != 130 || len(s3.Locks) != 0 {
		t.Fatalf("expire: %v", s3)
	}
	s4 := ok(s2, &pb.Op{Kind: state.OpFulfill, Hash: h, Preimage: pre}, env)
	if s4.BalanceA != 90 || s4.BalanceB != 110 {
		t.Fatalf("fulfil: %v", s4)
	}
	// Limits: at most 2 locks.
	s5 := ok(s4, &pb.Op{Kind: state.OpLock, Party: pb.Party_PARTY_A, Amount: 1, Hash: state.Hash([]byte("1")), Expiry: 99}, env)
	s5 = ok(s5, &pb.Op{Kind: state.OpLock, Party: pb.Party_PARTY_A, Amount: 1, Hash: state.Hash([]byte("2")), Expiry: 99}, env)
	bad(s5, &pb.Op{Kind: state.OpLock, Party: pb.Party_PARTY_A, Amount: 1, Hash: state.Hash([]byte("3")), Expiry: 99}, env)
	bad(s5, &pb.Op{Kind: state.OpFinal}, env) // locks pending
	// Deposits follow the chain.
	bad(s4, &pb.Op{Kind: state.OpDeposit, Party: pb.Party_PARTY_A, Amount: 1}, env)
	more := env
	more.DepositA = 150
	s6 := ok(s4, &pb.Op{Kind: state.OpDeposit, Party: pb.Party_PARTY_A, Amount: 50}, more)
	if s6.DepositA != 150 || s6.BalanceA != 140 {
		t.Fatalf("deposit: %v", s6)
	}
	fin := ok(s6, &pb.Op{Kind: state.OpFinal}, env)
	bad(fin, &pb.Op{Kind: state.OpPay, Party: pb.Party_PARTY_A, Amount: 1}, env)
	bad(st, &pb.Op{Kind: "steal"}, env)
	bad(st, &pb.Op{Kind: state.OpPay, Party: pb.Party_PARTY_UNSPECIFIED, Amount: 1}, env)
}

func TestBetOps(t *testing.T) {
	ko := key(9)
	pre := [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)}
	ann, err := state.Announce(chainID, ko, []byte("ev"), pre, 80)
	if err != nil {
		t.Fatal(err)
	}
	terms, err := state.VerifyAnnouncement(chainID, ann)
	if err != nil {
		t.Fatal(err)
	}
	bet := &pb.Bet{Oracle: terms.Oracle, EventId: []byte("ev"), EventHash: state.EventHash(chainID, terms), Deadline: 80, StakeA: 10, StakeB: 30, PayoutA: []uint64{40, 0}}
	st := state.Initial(bytes.Repeat([]byte{7}, 32), 100, 100)
	s1, err := state.Apply(st, &pb.Op{Kind: state.OpBet, Bet: bet}, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := state.Apply(s1, &pb.Op{Kind: state.OpBet, Bet: bet}, env); err == nil {
		t.Fatal("second bet on one event")
	}
	win, err := state.Apply(s1, &pb.Op{Kind: state.OpResolveBet, Oracle: bet.Oracle, EventId: bet.EventId, Announcement: ann, Preimage: pre[0]}, env)
	if err != nil || win.BalanceA != 130 || win.BalanceB != 70 {
		t.Fatalf("resolve: %v %v", win, err)
	}
	if _, err := state.Apply(s1, &pb.Op{Kind: state.OpResolveBet, Oracle: bet.Oracle, EventId: bet.EventId, Announcement: ann, Preimage: bytes.Repeat([]byte{5}, 32)}, env); err == nil {
		t.Fatal("unknown preimage resolved a bet")
	}
	other, _ := state.Announce(chainID, ko, []byte("ev"), pre, 81)
	if _, err := state.Apply(s1, &pb.Op{Kind: state.OpResolveBet, Oracle: bet.Oracle, EventId: bet.EventId, Announcement: other, Preimage: pre[0]}, env); err == nil {
		t.Fatal("resolved against another announcement")
	}
	if _, err := state.Apply(s1, &pb.Op{Kind: state.OpRefundBet, Oracle: bet.Oracle, EventId: bet.EventId}, env); err == nil {
		t.Fatal("refund before the deadline")
	}
	late := env
	late.Height = 81
	ref, err := state.Apply(s1, &pb.Op{Kind: state.OpRefundBet, Oracle: bet.Oracle, EventId: bet.EventId}, late)
	if err != nil || ref.BalanceA != 100 || ref.BalanceB != 100 {
		t.Fatalf("refund: %v %v", ref, err)
	}
	ann.Signature[0] ^= 1
	if _, err := state.VerifyAnnouncement(chainID, ann); err == nil {
		t.Fatal("forged announcement verified")
	}
}

func TestForwardingDelta(t *testing.T) {
	h := state.Hash([]byte("x"))
	in := &pb.Lock{Amount: 10, Hash: h, Expiry: 100}
	for _, tc := range []struct {
		out *pb.Lock
		ok  bool
	}{
		{&pb.Lock{Amount: 10, Hash: h, Expiry: 60}, true},
		{&pb.Lock{Amount: 10, Hash: h, Expiry: 61}, false},
		{&pb.Lock{Amount: 11, Hash: h, Expiry: 50}, false},
		{&pb.Lock{Amount: 10, Hash: state.Hash([]byte("y")), Expiry: 50}, false},
		{&pb.Lock{Amount: 10, Hash: h, Expiry: math.MaxUint64}, false},
	} {
		if err := state.CheckForward(in, tc.out, 40); (err == nil) != tc.ok {
			t.Errorf("out %+v: %v", tc.out, err)
		}
	}
	if state.CheckIncoming(in, 60, 40) != nil || state.CheckIncoming(in, 61, 40) == nil {
		t.Fatal("incoming delta boundary")
	}
}
