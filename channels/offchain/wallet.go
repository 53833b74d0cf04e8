package offchain

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// Errors a caller may want to tell apart.
var (
	ErrPending  = errors.New("offchain: an update of this wallet is still waiting for its answer")
	ErrRefused  = errors.New("offchain: update refused")
	ErrMismatch = errors.New("offchain: the update's state is not what its operation gives")
)

// Env is the chain's view the wallet checks updates against.
type Env struct {
	state.Env
	// MinExpiryDelta is the chain's min_expiry_delta parameter.
	MinExpiryDelta uint64
}

// Policy says which of the counterparty's operations Accept signs.
type Policy struct {
	// AcceptBets allows the counterparty to open bets (they stake our coins).
	AcceptBets bool
	// RefuseFinal refuses a cooperative-close request.
	RefuseFinal bool
}

// NewProposal starts an open: A's side of the terms for the counter-th
// channel between keyA's account and b.
// The counterparty's approval is good until height validUntil.
func NewProposal(chainID string, keyA secp256k1.PrivKey, b types.Address, depositA, depositB, counter, validUntil uint64) (*pb.OpenProposal, error) {
	a := keyA.PubKey().Address()
	if a == b {
		return nil, fmt.Errorf("a channel needs two different accounts")
	}
	if depositA+depositB < depositA || depositA+depositB == 0 {
		return nil, fmt.Errorf("deposits %d + %d: need a positive total that fits in 64 bits", depositA, depositB)
	}
	return &pb.OpenProposal{
		ChainId:   chainID,
		Terms:     &pb.OpenTerms{PartyA: a.String(), PartyB: b.String(), DepositA: depositA, DepositB: depositB, Counter: counter, ValidUntil: validUntil},
		ChannelId: state.ChannelID(chainID, a, b, counter),
		PubKeyA:   keyA.PubKey().Bytes(),
	}, nil
}

func walletChannel(p *pb.OpenProposal, me pb.Party) *pb.WalletChannel {
	return &pb.WalletChannel{
		ChainId: p.ChainId, ChannelId: p.ChannelId, Me: me,
		PartyA: p.Terms.PartyA, PartyB: p.Terms.PartyB, PubKeyA: p.PubKeyA, PubKeyB: p.PubKeyB, Counter: p.Terms.Counter,
		Latest: &pb.SignedState{State: state.Initial(p.ChannelId, p.Terms.DepositA, p.Terms.DepositB)},
	}
}

// AcceptProposal is B's step: it checks the proposal names keyB's account,
// signs the open terms and records the channel (it exists once A submits
// the open). The returned proposal carries B's key and signature.
func (w *Wallet) AcceptProposal(p *pb.OpenProposal, keyB secp256k1.PrivKey) (*pb.OpenProposal, error) {
	if p.Terms.PartyB != keyB.PubKey().Address().String() {
		return nil, fmt.Errorf("the proposal is for %s, not for this key (%s)", p.Terms.PartyB, keyB.PubKey().Address())
	}
	out := proto.Clone(p).(*pb.OpenProposal)
	out.PubKeyB = keyB.PubKey().Bytes()
	out.SigB = keyB.Sign(state.OpenSignBytes(p.ChainId, p.ChannelId, p.Terms))
	if err := w.Put(walletChannel(out, pb.Party_PARTY_B)); err != nil {
		return nil, err
	}
	return out, nil
}

// RecordOpen is A's step once B has signed: it checks B's signature and
// records the channel. The caller then submits MsgOpen (OpenMsg).
func (w *Wallet) RecordOpen(p *pb.OpenProposal, keyA secp256k1.PrivKey) error {
	if p.Terms.PartyA != keyA.PubKey().Address().String() {
		return fmt.Errorf("the proposal was made by %s, not by this key", p.Terms.PartyA)
	}
	pubB, err := secp256k1.PubKeyFromBytes(p.PubKeyB)
	if err != nil {
		return fmt.Errorf("the proposal is not signed by the counterparty yet: %w", err)
	}
	if err := pubB.Verify(state.OpenSignBytes(p.ChainId, p.ChannelId, p.Terms), p.SigB); err != nil {
		return fmt.Errorf("counterparty signature on the open terms: %w", err)
	}
	return w.Put(walletChannel(p, pb.Party_PARTY_A))
}

// OpenMsg is the MsgOpen for a signed proposal.
func OpenMsg(p *pb.OpenProposal) *pb.MsgOpen {
	return &pb.MsgOpen{CounterpartyPubKey: p.PubKeyB, Deposit: p.Terms.DepositA, CounterpartyDeposit: p.Terms.DepositB, Counter: p.Terms.Counter, CounterpartySig: p.SigB, ValidUntil: p.Terms.ValidUntil}
}

func keys(wc *pb.WalletChannel) (secp256k1.PubKey, secp256k1.PubKey, error) {
	a, err := secp256k1.PubKeyFromBytes(wc.PubKeyA)
	if err != nil {
		return a, a, err
	}
	b, err := secp256k1.PubKeyFromBytes(wc.PubKeyB)
	return a, b, err
}

func checkKey(wc *pb.WalletChannel, key secp256k1.PrivKey) error {
	want := wc.PartyA
	if wc.Me == pb.Party_PARTY_B {
		want = wc.PartyB
	}
	if key.PubKey().Address().String() != want {
		return fmt.Errorf("channel %x belongs to %s in this wallet, not to key %s", wc.ChannelId, want, key.PubKey().Address())
	}
	return nil
}

func setMySig(wc *pb.WalletChannel, s *pb.SignedState, key secp256k1.PrivKey) {
	sig := state.SignState(wc.ChainId, key, s.State)
	if wc.Me == pb.Party_PARTY_A {
		s.SigA = sig
	} else {
		s.SigB = sig
	}
}

// Propose applies op to the latest co-signed state, signs the result,
// stores it as pending and returns the Update to send. The preimages listed
// are revealed with it.
func (w *Wallet) Propose(id []byte, key secp256k1.PrivKey, op *pb.Op, env Env, reveal ...[]byte) (*pb.Update, error) {
	var upd *pb.Update
	err := w.update(id, func(wc *pb.WalletChannel) error {
		if err := checkKey(wc, key); err != nil {
			return err
		}
		if wc.Pending != nil {
			return fmt.Errorf("%w: version %d (%s); apply its answer, or retract it only if the counterparty never received it", ErrPending, wc.Pending.State.Version, wc.PendingOp.GetKind())
		}
		if err := mayPropose(wc, op); err != nil {
			return err
		}
		env.ChainID = wc.ChainId
		st, err := state.Apply(wc.Latest.State, op, env.Env)
		if err != nil {
			return err
		}
		s := &pb.SignedState{State: st}
		setMySig(wc, s, key)
		wc.Pending, wc.PendingOp = s, op
		if op.Kind == state.OpFulfill {
			wc.Preimages = addPreimage(wc.Preimages, op.Preimage)
		}
		upd = &pb.Update{ChainId: wc.ChainId, ChannelId: wc.ChannelId, Op: op, State: s, Preimages: reveal}
		return nil
	})
	return upd, err
}

// mayPropose refuses ops that only the other side should propose (a wallet
// does not pay itself on the counterparty's behalf).
func mayPropose(wc *pb.WalletChannel, op *pb.Op) error {
	me := wc.Me
	switch op.Kind {
	case state.OpPay, state.OpLock, state.OpDeposit:
		if op.Party != me {
			return fmt.Errorf("%s must come from this wallet's party %s", op.Kind, state.PartyName(me))
		}
	case state.OpFulfill:
		if i := state.FindLock(wc.Latest.State, op.Hash); i >= 0 && wc.Latest.State.Locks[i].Sender == me {
			return fmt.Errorf("lock %x is ours to pay; the receiver fulfils it", op.Hash)
		}
	case state.OpExpire:
		if i := state.FindLock(wc.Latest.State, op.Hash); i >= 0 && wc.Latest.State.Locks[i].Sender != me {
			return fmt.Errorf("lock %x pays us; the sender expires it", op.Hash)
		}
	}
	return nil
}

// checkPolicy decides whether to countersign the counterparty's op.
func checkPolicy(wc *pb.WalletChannel, latest *pb.State, op *pb.Op, env Env, pol Policy) error {
	them := state.Other(wc.Me)
	switch op.Kind {
	case state.OpPay, state.OpDeposit:
		if op.Party != them {
			return fmt.Errorf("%w: a %s by us must be proposed by us", ErrRefused, op.Kind)
		}
	case state.OpLock:
		if op.Party != them {
			return fmt.Errorf("%w: a lock from us must be proposed by us", ErrRefused)
		}
		if err := state.CheckIncoming(&pb.Lock{Expiry: op.Expiry}, env.Height, env.MinExpiryDelta); err != nil {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
	case state.OpFulfill:
		if i := state.FindLock(latest, op.Hash); i >= 0 && latest.Locks[i].Sender != wc.Me {
			return fmt.Errorf("%w: lock %x pays us; we fulfil it ourselves", ErrRefused, op.Hash)
		}
	case state.OpExpire:
		if i := state.FindLock(latest, op.Hash); i >= 0 && latest.Locks[i].Sender != them {
			return fmt.Errorf("%w: lock %x is ours; we expire it ourselves", ErrRefused, op.Hash)
		}
		if Preimage(wc, op.Hash) != nil {
			// If we registered it on-chain in time the lock is ours there;
			// we fulfil it rather than give it back.
			return fmt.Errorf("%w: we know the preimage of %x; fulfil the lock instead", ErrRefused, op.Hash)
		}
	case state.OpBet:
		if !pol.AcceptBets {
			return fmt.Errorf("%w: bets need explicit consent (accept with bets allowed)", ErrRefused)
		}
	case state.OpFinal:
		if pol.RefuseFinal {
			return fmt.Errorf("%w: cooperative close refused by policy", ErrRefused)
		}
	}
	return nil
}

// Accept checks the counterparty's proposal against our latest state and
// policy, countersigns it, stores it as our latest state and returns the
// answer to send back.
func (w *Wallet) Accept(upd *pb.Update, key secp256k1.PrivKey, env Env, pol Policy) (*pb.Update, error) {
	var ack *pb.Update
	err := w.update(upd.ChannelId, func(wc *pb.WalletChannel) error {
		if err := checkKey(wc, key); err != nil {
			return err
		}
		if upd.ChainId != wc.ChainId {
			return fmt.Errorf("%w: update for chain %q, channel is on %q", ErrRefused, upd.ChainId, wc.ChainId)
		}
		if upd.Op == nil || upd.State == nil {
			return fmt.Errorf("%w: a proposal needs an op and a state", ErrRefused)
		}
		if wc.Pending != nil {
			return fmt.Errorf("%w: we proposed version %d ourselves; finish that exchange first", ErrPending, wc.Pending.State.Version)
		}
		env.ChainID = wc.ChainId
		want, err := state.Apply(wc.Latest.State, upd.Op, env.Env)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
		if !proto.Equal(want, upd.State.State) {
			return fmt.Errorf("%w: version %d (%s)", ErrMismatch, upd.State.State.Version, upd.Op.Kind)
		}
		if err := checkPolicy(wc, wc.Latest.State, upd.Op, env, pol); err != nil {
			return err
		}
		pa, pbk, err := keys(wc)
		if err != nil {
			return err
		}
		theirs, sig := pa, upd.State.SigA
		if wc.Me == pb.Party_PARTY_A {
			theirs, sig = pbk, upd.State.SigB
		}
		if err := theirs.Verify(state.StateSignBytes(wc.ChainId, want), sig); err != nil {
			return fmt.Errorf("%w: counterparty signature: %v", ErrRefused, err)
		}
		s := &pb.SignedState{State: want, SigA: upd.State.SigA, SigB: upd.State.SigB}
		setMySig(wc, s, key)
		wc.Latest = s
		for _, p := range upd.Preimages {
			wc.Preimages = addPreimage(wc.Preimages, p)
		}
		if upd.Op.Kind == state.OpFulfill {
			wc.Preimages = addPreimage(wc.Preimages, upd.Op.Preimage)
		}
		ack = &pb.Update{ChainId: wc.ChainId, ChannelId: wc.ChannelId, State: s}
		return nil
	})
	return ack, err
}

// Complete stores the counterparty's answer to our pending proposal.
func (w *Wallet) Complete(ack *pb.Update) error {
	return w.update(ack.ChannelId, func(wc *pb.WalletChannel) error {
		if wc.Pending == nil {
			if ack.State != nil && wc.Latest.State.Version >= ack.State.State.GetVersion() {
				return nil // already applied (the answer was delivered twice)
			}
			return fmt.Errorf("no pending proposal for channel %x", wc.ChannelId)
		}
		if ack.State == nil || !proto.Equal(ack.State.State, wc.Pending.State) {
			return fmt.Errorf("%w: the answer is not the state we proposed (version %d)", ErrMismatch, wc.Pending.State.Version)
		}
		// Our own signature is the one we stored; only theirs needs checking.
		pa, pbk, err := keys(wc)
		if err != nil {
			return err
		}
		s := &pb.SignedState{State: wc.Pending.State, SigA: wc.Pending.SigA, SigB: ack.State.SigB}
		theirs, sig := pbk, ack.State.SigB
		if wc.Me == pb.Party_PARTY_B {
			s.SigA, s.SigB = ack.State.SigA, wc.Pending.SigB
			theirs, sig = pa, ack.State.SigA
		}
		if err := theirs.Verify(state.StateSignBytes(wc.ChainId, s.State), sig); err != nil {
			return state.ErrBadSignature.Wrapf("counterparty signature on version %d: %v", s.State.Version, err)
		}
		wc.Latest = s
		wc.Pending, wc.PendingOp = nil, nil
		return nil
	})
}

// Retract drops our pending proposal. Only safe when the counterparty
// cannot have received it: if it did, it holds a state we signed, which
// stays valid on-chain.
func (w *Wallet) Retract(id []byte) error {
	return w.update(id, func(wc *pb.WalletChannel) error {
		wc.Pending, wc.PendingOp = nil, nil
		return nil
	})
}

// NewSecret draws a 32-byte preimage, stores it in the channel's file and
// returns it with its hash (what a payer locks to).
func (w *Wallet) NewSecret(id []byte) (preimage, hash []byte, err error) {
	preimage = make([]byte, state.PreimageSize)
	if _, err := rand.Read(preimage); err != nil {
		return nil, nil, err
	}
	err = w.update(id, func(wc *pb.WalletChannel) error {
		wc.Preimages = addPreimage(wc.Preimages, preimage)
		return nil
	})
	return preimage, state.Hash(preimage), err
}

// AddPreimage stores a preimage learnt elsewhere (e.g. downstream).
func (w *Wallet) AddPreimage(id, preimage []byte) error {
	if len(preimage) != state.PreimageSize {
		return fmt.Errorf("preimage of %d bytes, want %d", len(preimage), state.PreimageSize)
	}
	return w.update(id, func(wc *pb.WalletChannel) error {
		wc.Preimages = addPreimage(wc.Preimages, preimage)
		return nil
	})
}

// Preimage returns a known preimage of hash, or nil.
func Preimage(wc *pb.WalletChannel, hash []byte) []byte {
	for _, p := range wc.Preimages {
		if bytes.Equal(state.Hash(p), hash) {
			return p
		}
	}
	return nil
}

func addPreimage(list [][]byte, p []byte) [][]byte {
	for _, q := range list {
		if bytes.Equal(q, p) {
			return list
		}
	}
	return append(list, append([]byte(nil), p...))
}

// Balances returns (mine, theirs) in the latest co-signed state.
func Balances(wc *pb.WalletChannel) (mine, theirs uint64) {
	st := wc.Latest.State
	if wc.Me == pb.Party_PARTY_A {
		return st.BalanceA, st.BalanceB
	}
	return st.BalanceB, st.BalanceA
}
