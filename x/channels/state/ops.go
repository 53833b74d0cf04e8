package state

import (
	"bytes"

	"google.golang.org/protobuf/proto"

	pb "github.com/pastelchain/pastel/x/channels/channelspb"
)

// Op kinds.
const (
	OpPay        = "pay"
	OpLock       = "lock"
	OpFulfill    = "fulfill"
	OpExpire     = "expire"
	OpBet        = "bet"
	OpResolveBet = "resolve_bet"
	OpRefundBet  = "refund_bet"
	OpDeposit    = "deposit"
	OpFinal      = "final"
)

// Env is what Apply may depend on besides the state: the chain's view as
// the caller sees it.
type Env struct {
	ChainID string
	// Height is the latest chain height the caller knows.
	Height uint64
	Limits Limits
	// DepositA and DepositB are the channel's on-chain deposits (a deposit
	// op may not account for more).
	DepositA, DepositB uint64
}

func balance(st *pb.State, p pb.Party) *uint64 {
	if p == pb.Party_PARTY_A {
		return &st.BalanceA
	}
	return &st.BalanceB
}

func checkParty(p pb.Party) error {
	if p != pb.Party_PARTY_A && p != pb.Party_PARTY_B {
		return ErrInvalidState.Wrapf("party must be A or B")
	}
	return nil
}

// Apply returns the state that follows prev under op: version + 1, the
// op's effect, and a full Validate. prev is not modified. A final state
// accepts no further op.
func Apply(prev *pb.State, op *pb.Op, env Env) (*pb.State, error) {
	if prev == nil || op == nil {
		return nil, ErrInvalidState.Wrapf("no state or no op")
	}
	if prev.Final {
		return nil, ErrNotAllowed.Wrapf("version %d is final; the channel is closing", prev.Version)
	}
	if prev.Version == ^uint64(0) {
		return nil, ErrAmount.Wrapf("version overflows")
	}
	st := proto.Clone(prev).(*pb.State)
	st.Version++
	var err error
	switch op.Kind {
	case OpPay:
		if err = checkParty(op.Party); err != nil {
			return nil, err
		}
		if op.Amount == 0 {
			return nil, ErrAmount.Wrapf("payment of 0")
		}
		from, to := balance(st, op.Party), balance(st, Other(op.Party))
		if *from, err = Sub(*from, op.Amount, "payment from "+PartyName(op.Party)); err != nil {
			return nil, err
		}
		if *to, err = Add(*to, op.Amount, "balance of "+PartyName(Other(op.Party))); err != nil {
			return nil, err
		}
	case OpLock:
		if err = checkParty(op.Party); err != nil {
			return nil, err
		}
		if op.Amount == 0 {
			return nil, ErrAmount.Wrapf("lock of 0")
		}
		if FindLock(st, op.Hash) >= 0 {
			return nil, ErrNotAllowed.Wrapf("a lock with hash %x is already pending", op.Hash)
		}
		from := balance(st, op.Party)
		if *from, err = Sub(*from, op.Amount, "lock from "+PartyName(op.Party)); err != nil {
			return nil, err
		}
		st.Locks = append(st.Locks, &pb.Lock{Amount: op.Amount, Hash: op.Hash, Expiry: op.Expiry, Sender: op.Party})
	case OpFulfill:
		i := FindLock(st, op.Hash)
		if i < 0 {
			return nil, ErrNotAllowed.Wrapf("no pending lock with hash %x", op.Hash)
		}
		if len(op.Preimage) != PreimageSize || !bytes.Equal(Hash(op.Preimage), op.Hash) {
			return nil, ErrUnknownPreimage.Wrapf("preimage does not hash to %x", op.Hash)
		}
		l := st.Locks[i]
		to := balance(st, Other(l.Sender))
		if *to, err = Add(*to, l.Amount, "balance of the receiver"); err != nil {
			return nil, err
		}
		st.Locks = append(st.Locks[:i], st.Locks[i+1:]...)
	case OpExpire:
		i := FindLock(st, op.Hash)
		if i < 0 {
			return nil, ErrNotAllowed.Wrapf("no pending lock with hash %x", op.Hash)
		}
		l := st.Locks[i]
		if env.Height <= l.Expiry {
			return nil, ErrNotAllowed.Wrapf("lock %x expires at height %d; refund only from height %d (now %d)", op.Hash, l.Expiry, l.Expiry+1, env.Height)
		}
		from := balance(st, l.Sender)
		if *from, err = Add(*from, l.Amount, "balance of the sender"); err != nil {
			return nil, err
		}
		st.Locks = append(st.Locks[:i], st.Locks[i+1:]...)
	case OpBet:
		b := op.Bet
		if b == nil {
			return nil, ErrInvalidState.Wrapf("bet op without a bet")
		}
		if FindBet(st, b.Oracle, b.EventId) >= 0 {
			return nil, ErrNotAllowed.Wrapf("a bet on event %x of %s is already pending", b.EventId, b.Oracle)
		}
		if st.BalanceA, err = Sub(st.BalanceA, b.StakeA, "stake of A"); err != nil {
			return nil, err
		}
		if st.BalanceB, err = Sub(st.BalanceB, b.StakeB, "stake of B"); err != nil {
			return nil, err
		}
		st.Bets = append(st.Bets, proto.Clone(b).(*pb.Bet))
	case OpResolveBet:
		i := FindBet(st, op.Oracle, op.EventId)
		if i < 0 {
			return nil, ErrNotAllowed.Wrapf("no pending bet on event %x of %s", op.EventId, op.Oracle)
		}
		b := st.Bets[i]
		t, err := VerifyAnnouncement(env.ChainID, op.Announcement)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(EventHash(env.ChainID, t), b.EventHash) || t.Oracle != b.Oracle {
			return nil, ErrNotAllowed.Wrapf("the announcement is not the one the bet is about")
		}
		idx := OutcomeIndex(t.OutcomeHashes, op.Preimage)
		if idx < 0 {
			return nil, ErrUnknownPreimage.Wrapf("preimage is none of the event's outcomes")
		}
		if idx >= len(b.PayoutA) {
			return nil, ErrInvalidState.Wrapf("bet has no payout for outcome %d", idx)
		}
		if err := payBet(st, b, b.PayoutA[idx]); err != nil {
			return nil, err
		}
		st.Bets = append(st.Bets[:i], st.Bets[i+1:]...)
	case OpRefundBet:
		i := FindBet(st, op.Oracle, op.EventId)
		if i < 0 {
			return nil, ErrNotAllowed.Wrapf("no pending bet on event %x of %s", op.EventId, op.Oracle)
		}
		b := st.Bets[i]
		if env.Height <= b.Deadline {
			return nil, ErrNotAllowed.Wrapf("bet deadline is height %d; refund only from %d (now %d)", b.Deadline, b.Deadline+1, env.Height)
		}
		if err := payBet(st, b, b.StakeA); err != nil {
			return nil, err
		}
		st.Bets = append(st.Bets[:i], st.Bets[i+1:]...)
	case OpDeposit:
		if err = checkParty(op.Party); err != nil {
			return nil, err
		}
		if op.Amount == 0 {
			return nil, ErrAmount.Wrapf("deposit of 0")
		}
		dep, chain := &st.DepositA, env.DepositA
		if op.Party == pb.Party_PARTY_B {
			dep, chain = &st.DepositB, env.DepositB
		}
		if *dep, err = Add(*dep, op.Amount, "deposit"); err != nil {
			return nil, err
		}
		if *dep > chain {
			return nil, ErrAmount.Wrapf("state would account for a deposit of %d by %s but the chain shows %d; top up on-chain first", *dep, PartyName(op.Party), chain)
		}
		b := balance(st, op.Party)
		if *b, err = Add(*b, op.Amount, "balance"); err != nil {
			return nil, err
		}
	case OpFinal:
		st.Final = true
	default:
		return nil, ErrInvalidState.Wrapf("unknown op %q", op.Kind)
	}
	if err := Validate(st, env.Limits); err != nil {
		return nil, err
	}
	return st, nil
}

// payBet moves a bet's pot into the balances: toA to A, the rest to B.
func payBet(st *pb.State, b *pb.Bet, toA uint64) error {
	pot, err := Add(b.StakeA, b.StakeB, "bet pot")
	if err != nil {
		return err
	}
	toB, err := Sub(pot, toA, "bet payout")
	if err != nil {
		return err
	}
	if st.BalanceA, err = Add(st.BalanceA, toA, "balance of A"); err != nil {
		return err
	}
	st.BalanceB, err = Add(st.BalanceB, toB, "balance of B")
	return err
}

// OutcomeIndex is the index of the outcome hash preimage opens, or -1.
func OutcomeIndex(hashes [][]byte, preimage []byte) int {
	if len(preimage) != PreimageSize {
		return -1
	}
	h := Hash(preimage)
	for i, oh := range hashes {
		if bytes.Equal(oh, h) {
			return i
		}
	}
	return -1
}
