package state

import (
	"bytes"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
)

// Hard ceilings that hold whatever the parameters say; they bound the work
// of checking one state.
const (
	MaxLocksCeiling = 256
	MaxBetsCeiling  = 64
)

// Limits are the chain parameters a state must respect.
type Limits struct {
	MaxLocks int
	MaxBets  int
}

// DefaultLimits are the module's default parameters.
var DefaultLimits = Limits{MaxLocks: 32, MaxBets: 8}

// Add returns a+b or an error naming what overflowed.
func Add(a, b uint64, what string) (uint64, error) {
	if a+b < a {
		return 0, ErrAmount.Wrapf("%s overflows (%d + %d)", what, a, b)
	}
	return a + b, nil
}

// Sub returns a-b or an error when b > a.
func Sub(a, b uint64, what string) (uint64, error) {
	if b > a {
		return 0, ErrAmount.Wrapf("%s: %d is more than the %d available", what, b, a)
	}
	return a - b, nil
}

// Other is the party opposite p.
func Other(p pb.Party) pb.Party {
	if p == pb.Party_PARTY_A {
		return pb.Party_PARTY_B
	}
	return pb.Party_PARTY_A
}

// PartyName is "A" or "B".
func PartyName(p pb.Party) string {
	switch p {
	case pb.Party_PARTY_A:
		return "A"
	case pb.Party_PARTY_B:
		return "B"
	}
	return "?"
}

// BetKey identifies a bet within a state: its oracle and event id.
func BetKey(b *pb.Bet) []byte {
	return append([]byte(b.Oracle+"/"), b.EventId...)
}

func checkEventID(id []byte) error {
	if len(id) == 0 || len(id) > MaxEventID {
		return ErrInvalidState.Wrapf("event id of %d bytes; 1 to %d bytes are allowed", len(id), MaxEventID)
	}
	return nil
}

// Escrowed is what the locks and bets of st hold.
func Escrowed(st *pb.State) (uint64, error) {
	var sum uint64
	var err error
	for i, l := range st.Locks {
		if sum, err = Add(sum, l.Amount, "locked amounts"); err != nil {
			return 0, ErrAmount.Wrapf("lock %d: %v", i, err)
		}
	}
	for i, b := range st.Bets {
		stakes, err := Add(b.StakeA, b.StakeB, "bet stakes")
		if err != nil {
			return 0, ErrAmount.Wrapf("bet %d: %v", i, err)
		}
		if sum, err = Add(sum, stakes, "escrowed amounts"); err != nil {
			return 0, ErrAmount.Wrapf("bet %d: %v", i, err)
		}
	}
	return sum, nil
}

// Validate checks a state on its own: field sizes, the limits, no repeated
// lock hash or bet event, and that balances plus locks plus bets equal the
// deposits the state accounts for, with every sum checked for overflow.
func Validate(st *pb.State, lim Limits) error {
	if st == nil {
		return ErrInvalidState.Wrapf("no state")
	}
	if len(st.ChannelId) != IDSize {
		return ErrInvalidState.Wrapf("channel id of %d bytes, want %d", len(st.ChannelId), IDSize)
	}
	if lim.MaxLocks > MaxLocksCeiling || lim.MaxLocks < 0 {
		lim.MaxLocks = MaxLocksCeiling
	}
	if lim.MaxBets > MaxBetsCeiling || lim.MaxBets < 0 {
		lim.MaxBets = MaxBetsCeiling
	}
	if len(st.Locks) > lim.MaxLocks {
		return ErrInvalidState.Wrapf("%d pending locks, at most %d", len(st.Locks), lim.MaxLocks)
	}
	if len(st.Bets) > lim.MaxBets {
		return ErrInvalidState.Wrapf("%d pending bets, at most %d", len(st.Bets), lim.MaxBets)
	}
	if st.Final && (len(st.Locks) > 0 || len(st.Bets) > 0) {
		return ErrInvalidState.Wrapf("a final state must not carry pending locks or bets; settle them off-chain first")
	}
	for i, l := range st.Locks {
		if l.Amount == 0 {
			return ErrAmount.Wrapf("lock %d has amount 0", i)
		}
		if len(l.Hash) != HashSize {
			return ErrInvalidState.Wrapf("lock %d: hash of %d bytes, want %d", i, len(l.Hash), HashSize)
		}
		if l.Sender != pb.Party_PARTY_A && l.Sender != pb.Party_PARTY_B {
			return ErrInvalidState.Wrapf("lock %d: sender must be party A or B", i)
		}
		if l.Expiry == 0 {
			return ErrInvalidState.Wrapf("lock %d: expiry must be a height > 0", i)
		}
		for j := 0; j < i; j++ {
			if bytes.Equal(st.Locks[j].Hash, l.Hash) {
				return ErrInvalidState.Wrapf("locks %d and %d share hash %x; one hash per channel", j, i, l.Hash)
			}
		}
	}
	for i, b := range st.Bets {
		if _, err := secp256k1.ParseAddress(b.Oracle); err != nil {
			return ErrInvalidState.Wrapf("bet %d: oracle: %v", i, err)
		}
		if err := checkEventID(b.EventId); err != nil {
			return ErrInvalidState.Wrapf("bet %d: %v", i, err)
		}
		if len(b.EventHash) != HashSize {
			return ErrInvalidState.Wrapf("bet %d: event hash of %d bytes, want %d", i, len(b.EventHash), HashSize)
		}
		if b.Deadline == 0 {
			return ErrInvalidState.Wrapf("bet %d: deadline must be a height > 0", i)
		}
		pot, err := Add(b.StakeA, b.StakeB, "bet stakes")
		if err != nil {
			return ErrAmount.Wrapf("bet %d: %v", i, err)
		}
		if pot == 0 {
			return ErrAmount.Wrapf("bet %d has no stake", i)
		}
		if n := len(b.PayoutA); n < MinOutcomes || n > MaxOutcomes {
			return ErrInvalidState.Wrapf("bet %d: %d payouts; one per outcome, %d to %d", i, n, MinOutcomes, MaxOutcomes)
		}
		for k, p := range b.PayoutA {
			if p > pot {
				return ErrAmount.Wrapf("bet %d: payout %d of %d exceeds the pot %d", i, k, p, pot)
			}
		}
		for j := 0; j < i; j++ {
			if bytes.Equal(BetKey(st.Bets[j]), BetKey(b)) {
				return ErrInvalidState.Wrapf("bets %d and %d are on the same event; one bet per event", j, i)
			}
		}
	}
	deposits, err := Add(st.DepositA, st.DepositB, "deposits")
	if err != nil {
		return err
	}
	held, err := Add(st.BalanceA, st.BalanceB, "balances")
	if err != nil {
		return err
	}
	esc, err := Escrowed(st)
	if err != nil {
		return err
	}
	if held, err = Add(held, esc, "balances plus locks and bets"); err != nil {
		return err
	}
	if held != deposits {
		return ErrAmount.Wrapf("balances %d + %d plus %d in locks and bets = %d, but the state accounts for deposits %d + %d = %d",
			st.BalanceA, st.BalanceB, esc, held, st.DepositA, st.DepositB, deposits)
	}
	return nil
}

// CheckAgainstDeposits refuses a state that accounts for more than the
// channel's on-chain deposits.
func CheckAgainstDeposits(st *pb.State, depositA, depositB uint64) error {
	if st.DepositA > depositA || st.DepositB > depositB {
		return ErrAmount.Wrapf("state accounts for deposits %d/%d but the channel holds %d/%d", st.DepositA, st.DepositB, depositA, depositB)
	}
	return nil
}

// Initial is version 0 of a channel: every deposit is its depositor's.
func Initial(channelID []byte, depositA, depositB uint64) *pb.State {
	return &pb.State{ChannelId: channelID, DepositA: depositA, DepositB: depositB, BalanceA: depositA, BalanceB: depositB}
}

// FindLock returns the index of the lock with hash, or -1.
func FindLock(st *pb.State, hash []byte) int {
	for i, l := range st.Locks {
		if bytes.Equal(l.Hash, hash) {
			return i
		}
	}
	return -1
}

// FindBet returns the index of the bet on (oracle, eventID), or -1.
func FindBet(st *pb.State, oracle string, eventID []byte) int {
	for i, b := range st.Bets {
		if b.Oracle == oracle && bytes.Equal(b.EventId, eventID) {
			return i
		}
	}
	return -1
}

// CheckIncoming is the rule a wallet applies before accepting a lock it
// receives at chain height now: the receiver needs at least minDelta blocks
// to get the preimage registered on-chain before the lock expires.
func CheckIncoming(l *pb.Lock, now, minDelta uint64) error {
	need, err := Add(now, minDelta, "expiry")
	if err != nil {
		return err
	}
	if l.Expiry < need {
		return ErrNotAllowed.Wrapf("lock expires at height %d, less than the minimum delta of %d blocks after height %d (needs >= %d)", l.Expiry, minDelta, now, need)
	}
	return nil
}

// CheckForward is the rule for forwarding a payment: the outgoing lock
// must carry the incoming lock's hash, no more than its amount, and expire
// at least minDelta blocks before it, so that a preimage revealed off-chain
// at the outgoing lock's last block can still be registered in time for the
// incoming one.
func CheckForward(in, out *pb.Lock, minDelta uint64) error {
	if !bytes.Equal(in.Hash, out.Hash) {
		return ErrNotAllowed.Wrapf("forwarded lock hash %x differs from the incoming %x", out.Hash, in.Hash)
	}
	if out.Amount > in.Amount {
		return ErrNotAllowed.Wrapf("forwarded lock of %d is more than the incoming %d", out.Amount, in.Amount)
	}
	latest, err := Add(out.Expiry, minDelta, "expiry")
	if err != nil {
		return err
	}
	if latest > in.Expiry {
		return ErrNotAllowed.Wrapf("forwarded lock expires at %d; with the minimum delta of %d it must expire by %d (incoming expiry %d minus the delta)", out.Expiry, minDelta, in.Expiry-min(in.Expiry, minDelta), in.Expiry)
	}
	return nil
}
