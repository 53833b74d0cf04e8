package channels

import (
	"bytes"
	"encoding/hex"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

func hx(b []byte) string { return hex.EncodeToString(b) }

func (k Keeper) open(ctx *types.Context, signer types.Address, m *pb.MsgOpen) error {
	pubB, _ := secp256k1.PubKeyFromBytes(m.CounterpartyPubKey) // checked by Validate
	b := pubB.Address()
	if b == signer {
		return types.ErrInvalidRequest.Wrapf("a channel needs two different accounts; the counterparty key is the signer's own")
	}
	if _, err := state.Add(m.Deposit, m.CounterpartyDeposit, "total deposit"); err != nil {
		return err
	}
	if uint64(ctx.Height) > m.ValidUntil {
		return ErrExpired.Wrapf("the counterparty approved this open until height %d (now %d); ask for new terms", m.ValidUntil, ctx.Height)
	}
	if next := k.NextCounter(ctx, signer, b); m.Counter != next {
		return ErrCounter.Wrapf("counter %d, but the next channel between %s and %s must use %d; ask the counterparty to sign new terms", m.Counter, signer, b, next)
	}
	id := state.ChannelID(ctx.ChainID, signer, b, m.Counter)
	if k.Channel(ctx, id) != nil {
		return ErrDuplicate.Wrapf("channel %x exists", id) // cannot happen while counters only grow
	}
	terms := &pb.OpenTerms{PartyA: signer.String(), PartyB: b.String(), DepositA: m.Deposit, DepositB: m.CounterpartyDeposit, Counter: m.Counter, ValidUntil: m.ValidUntil}
	if err := pubB.Verify(state.OpenSignBytes(ctx.ChainID, id, terms), m.CounterpartySig); err != nil {
		return state.ErrBadSignature.Wrapf("counterparty %s did not sign these open terms for channel %x on chain %s: %v", b, id, ctx.ChainID, err)
	}
	pubA := k.Bank.Account(ctx, signer).PubKey
	if len(pubA) == 0 {
		return types.ErrInvalidRequest.Wrapf("signer %s has no public key on record", signer)
	}
	if err := k.Bank.Lock(ctx, signer, m.Deposit); err != nil {
		return err
	}
	if err := k.Bank.Lock(ctx, b, m.CounterpartyDeposit); err != nil {
		return err
	}
	p := k.Params(ctx)
	ch := &pb.Channel{
		Id: id, PartyA: signer.String(), PartyB: b.String(), PubKeyA: pubA, PubKeyB: pubB.Bytes(),
		Counter: m.Counter, DepositA: m.Deposit, DepositB: m.CounterpartyDeposit,
		Status: pb.Status_STATUS_OPEN, OpenedHeight: uint64(ctx.Height), DisputeWindow: p.DisputeWindow,
		EscrowA: m.Deposit, EscrowB: m.CounterpartyDeposit,
	}
	k.setChannel(ctx, ch)
	k.setNextCounter(ctx, signer, b, m.Counter+1)
	kv(ctx).Set(cat(prefixByParty, signer[:], id), types.Marker)
	kv(ctx).Set(cat(prefixByParty, b[:], id), types.Marker)
	ctx.EmitEvent("channel_open", "channel", hx(id), "party_a", ch.PartyA, "party_b", ch.PartyB,
		"deposit_a", types.U64(m.Deposit), "deposit_b", types.U64(m.CounterpartyDeposit), "counter", types.U64(m.Counter))
	return nil
}

// mustChannel loads a channel and checks its status.
func (k Keeper) mustChannel(ctx *types.Context, id []byte, want ...pb.Status) (*pb.Channel, error) {
	ch := k.Channel(ctx, id)
	if ch == nil {
		return nil, ErrChannelNotFound.Wrapf("channel %x", id)
	}
	for _, s := range want {
		if ch.Status == s {
			return ch, nil
		}
	}
	return nil, ErrWrongStatus.Wrapf("channel %x is %s", id, statusWord(ch.Status))
}

func statusWord(s pb.Status) string {
	switch s {
	case pb.Status_STATUS_OPEN:
		return "open"
	case pb.Status_STATUS_DISPUTE:
		return "in dispute"
	case pb.Status_STATUS_SETTLED:
		return "settled (locks or bets pending)"
	case pb.Status_STATUS_CLOSED:
		return "closed"
	}
	return "unknown"
}

func partyOf(ch *pb.Channel, who types.Address) pb.Party {
	a, b := parties(ch)
	switch who {
	case a:
		return pb.Party_PARTY_A
	case b:
		return pb.Party_PARTY_B
	}
	return pb.Party_PARTY_UNSPECIFIED
}

func (k Keeper) topUp(ctx *types.Context, signer types.Address, m *pb.MsgTopUp) error {
	ch, err := k.mustChannel(ctx, m.ChannelId, pb.Status_STATUS_OPEN)
	if err != nil {
		return err
	}
	p := partyOf(ch, signer)
	dep, esc := &ch.DepositA, &ch.EscrowA
	switch p {
	case pb.Party_PARTY_A:
	case pb.Party_PARTY_B:
		dep, esc = &ch.DepositB, &ch.EscrowB
	default:
		return ErrNotParty.Wrapf("%s is not a party of channel %x", signer, ch.Id)
	}
	if *dep, err = state.Add(*dep, m.Amount, "deposit"); err != nil {
		return err
	}
	if *esc, err = state.Add(*esc, m.Amount, "escrow"); err != nil {
		return err
	}
	if err := k.Bank.Lock(ctx, signer, m.Amount); err != nil {
		return err
	}
	k.setChannel(ctx, ch)
	ctx.EmitEvent("channel_topup", "channel", hx(ch.Id), "party", signer.String(), "amount", types.U64(m.Amount),
		"deposit_a", types.U64(ch.DepositA), "deposit_b", types.U64(ch.DepositB))
	return nil
}

// checkState verifies a co-signed state for ch: the state's own rules, the
// channel id, the deposits and both signatures.
func (k Keeper) checkState(ctx *types.Context, ch *pb.Channel, s *pb.SignedState) error {
	if err := state.Validate(s.GetState(), limits(k.Params(ctx))); err != nil {
		return err
	}
	st := s.State
	if !bytes.Equal(st.ChannelId, ch.Id) {
		return state.ErrWrongChannel.Wrapf("state is for channel %x, not %x", st.ChannelId, ch.Id)
	}
	if err := state.CheckAgainstDeposits(st, ch.DepositA, ch.DepositB); err != nil {
		return err
	}
	pa, pbk, err := pubKeys(ch)
	if err != nil {
		return err
	}
	return state.VerifyState(ctx.ChainID, s, pa, pbk)
}

func (k Keeper) cooperativeClose(ctx *types.Context, _ types.Address, m *pb.MsgCooperativeClose) error {
	st := m.State.GetState()
	ch, err := k.mustChannel(ctx, st.GetChannelId(), pb.Status_STATUS_OPEN, pb.Status_STATUS_DISPUTE)
	if err != nil {
		return err
	}
	if !st.Final {
		return state.ErrNotAllowed.Wrapf("version %d is not marked final; a cooperative close needs the final state both parties signed (use a unilateral close otherwise)", st.Version)
	}
	if err := k.checkState(ctx, ch, m.State); err != nil {
		return err
	}
	if ch.Status == pb.Status_STATUS_DISPUTE && st.Version < ch.Registered.Version {
		return state.ErrStaleVersion.Wrapf("final version %d is older than the registered version %d", st.Version, ch.Registered.Version)
	}
	if err := k.payState(ctx, ch, st); err != nil {
		return err
	}
	ch.Registered = st
	ch.Status = pb.Status_STATUS_CLOSED
	ch.ClosedHeight = uint64(ctx.Height)
	k.setChannel(ctx, ch)
	ctx.EmitEvent("channel_close", "channel", hx(ch.Id), "version", types.U64(st.Version), "cooperative", "true",
		"paid_a", types.U64(ch.PaidA), "paid_b", types.U64(ch.PaidB))
	return nil
}

func (k Keeper) close(ctx *types.Context, signer types.Address, m *pb.MsgClose) error {
	ch, err := k.mustChannel(ctx, m.ChannelId, pb.Status_STATUS_OPEN)
	if err != nil {
		return err
	}
	if partyOf(ch, signer) == pb.Party_PARTY_UNSPECIFIED {
		return ErrNotParty.Wrapf("only a party may start a unilateral close of %x; anyone may refute one", ch.Id)
	}
	st := &pb.State{ChannelId: ch.Id} // no state: every deposit back to its depositor
	if m.State != nil {
		if err := k.checkState(ctx, ch, m.State); err != nil {
			return err
		}
		st = m.State.State
	}
	ch.Status = pb.Status_STATUS_DISPUTE
	ch.Registered = st
	ch.RegisteredBy = signer.String()
	ch.DisputeDeadline = uint64(ctx.Height) + ch.DisputeWindow
	k.setChannel(ctx, ch)
	ctx.EmitEvent("channel_dispute", "channel", hx(ch.Id), "version", types.U64(st.Version), "by", signer.String(),
		"deadline", types.U64(ch.DisputeDeadline))
	return nil
}

func (k Keeper) dispute(ctx *types.Context, signer types.Address, m *pb.MsgDispute) error {
	st := m.State.GetState()
	ch := k.Channel(ctx, st.GetChannelId())
	if ch == nil {
		return ErrChannelNotFound.Wrapf("channel %x", st.GetChannelId())
	}
	switch ch.Status {
	case pb.Status_STATUS_DISPUTE:
	case pb.Status_STATUS_OPEN:
		return ErrWrongStatus.Wrapf("channel %x is open, there is nothing to refute; a party may close with this state", ch.Id)
	default:
		return ErrWrongStatus.Wrapf("channel %x is %s at height %d; states can no longer be registered", ch.Id, statusWord(ch.Status), ch.ClosedHeight)
	}
	if uint64(ctx.Height) > ch.DisputeDeadline {
		return ErrWindowClosed.Wrapf("the window of channel %x ended at height %d (now %d); settle it", ch.Id, ch.DisputeDeadline, ctx.Height)
	}
	if st.GetVersion() <= ch.Registered.Version {
		return state.ErrStaleVersion.Wrapf("version %d <= registered %d; only a strictly newer state refutes", st.GetVersion(), ch.Registered.Version)
	}
	if err := k.checkState(ctx, ch, m.State); err != nil {
		return err
	}
	ch.Registered = st
	ch.RegisteredBy = signer.String()
	// The deadline does not move: it was fixed at the first registration.
	k.setChannel(ctx, ch)
	ctx.EmitEvent("channel_refute", "channel", hx(ch.Id), "version", types.U64(st.Version), "by", signer.String(),
		"deadline", types.U64(ch.DisputeDeadline))
	return nil
}

func (k Keeper) settle(ctx *types.Context, _ types.Address, m *pb.MsgSettle) error {
	ch, err := k.mustChannel(ctx, m.ChannelId, pb.Status_STATUS_DISPUTE)
	if err != nil {
		return err
	}
	if uint64(ctx.Height) <= ch.DisputeDeadline {
		return ErrWindowOpen.Wrapf("channel %x can be settled from height %d (now %d)", ch.Id, ch.DisputeDeadline+1, ctx.Height)
	}
	if err := k.payState(ctx, ch, ch.Registered); err != nil {
		return err
	}
	ch.Status = pb.Status_STATUS_SETTLED
	finishIfDone(ctx, ch)
	k.setChannel(ctx, ch)
	ctx.EmitEvent("channel_settle", "channel", hx(ch.Id), "version", types.U64(ch.Registered.Version),
		"paid_a", types.U64(ch.PaidA), "paid_b", types.U64(ch.PaidB), "pending", types.U64(uint64(len(ch.Registered.Locks)+len(ch.Registered.Bets))))
	return nil
}

func (k Keeper) registerPreimage(ctx *types.Context, _ types.Address, m *pb.MsgRegisterPreimage) error {
	h := state.Hash(m.Preimage)
	if p := k.Preimage(ctx, h); p != nil {
		return ErrDuplicate.Wrapf("preimage of %x was registered at height %d", h, p.Height)
	}
	set(ctx, cat(prefixPreimage, h), &pb.Preimage{Preimage: m.Preimage, Height: uint64(ctx.Height)})
	ctx.EmitEvent("preimage_registered", "hash", hx(h), "height", types.U64(uint64(ctx.Height)))
	return nil
}

func findResolution(ch *pb.Channel, key []byte) *pb.Resolution {
	for _, r := range ch.Resolved {
		if bytes.Equal(r.Key, key) {
			return r
		}
	}
	return nil
}

// settledChannel loads a channel whose locks and bets are being resolved;
// key names the lock or bet, for a precise error once it is resolved.
func (k Keeper) settledChannel(ctx *types.Context, id, key []byte, what string) (*pb.Channel, error) {
	ch := k.Channel(ctx, id)
	if ch == nil {
		return nil, ErrChannelNotFound.Wrapf("channel %x", id)
	}
	if r := findResolution(ch, key); r != nil {
		return nil, ErrResolved.Wrapf("%s was resolved at height %d (%s)", what, r.Height, r.Reason)
	}
	if ch.Status != pb.Status_STATUS_SETTLED {
		if ch.Status == pb.Status_STATUS_CLOSED {
			return nil, ErrNoSuchLock.Wrapf("channel %x closed without %s", ch.Id, what)
		}
		return nil, ErrWrongStatus.Wrapf("channel %x is %s; locks and bets are resolved after settlement", ch.Id, statusWord(ch.Status))
	}
	return ch, nil
}

func (k Keeper) unlock(ctx *types.Context, _ types.Address, m *pb.MsgUnlock) error {
	what := "lock " + hx(m.Hash)
	ch, err := k.settledChannel(ctx, m.ChannelId, m.Hash, what)
	if err != nil {
		return err
	}
	i := state.FindLock(ch.Registered, m.Hash)
	if i < 0 {
		return ErrNoSuchLock.Wrapf("channel %x has no pending %s", ch.Id, what)
	}
	l := ch.Registered.Locks[i]
	receiver := state.Other(l.Sender)
	var to pb.Party
	var reason string
	now := uint64(ctx.Height)
	if p := k.Preimage(ctx, l.Hash); p != nil && p.Height <= l.Expiry {
		to, reason = receiver, "preimage registered at height "+types.U64(p.Height)+", expiry "+types.U64(l.Expiry)
	} else if now > l.Expiry {
		to, reason = l.Sender, "expired at height "+types.U64(l.Expiry)+" without a registered preimage"
	} else {
		return ErrNotYet.Wrapf("%s expires at height %d and its preimage is not registered; register it or wait until height %d to refund", what, l.Expiry, l.Expiry+1)
	}
	if err := k.pay(ctx, ch, to, l.Amount); err != nil {
		return err
	}
	res := &pb.Resolution{Key: l.Hash, Height: now, Reason: reason}
	if to == pb.Party_PARTY_A {
		res.PaidA = l.Amount
	} else {
		res.PaidB = l.Amount
	}
	ch.Resolved = append(ch.Resolved, res)
	ch.Registered.Locks = append(ch.Registered.Locks[:i], ch.Registered.Locks[i+1:]...)
	finishIfDone(ctx, ch)
	k.setChannel(ctx, ch)
	ctx.EmitEvent("channel_unlock", "channel", hx(ch.Id), "hash", hx(l.Hash), "to", state.PartyName(to), "amount", types.U64(l.Amount))
	return nil
}

func (k Keeper) resolveBet(ctx *types.Context, _ types.Address, m *pb.MsgResolveBet) error {
	oracle, _ := secp256k1.ParseAddress(m.Oracle)
	key := state.BetKey(&pb.Bet{Oracle: m.Oracle, EventId: m.EventId})
	what := "bet on event " + hx(m.EventId) + " of " + m.Oracle
	ch, err := k.settledChannel(ctx, m.ChannelId, key, what)
	if err != nil {
		return err
	}
	i := state.FindBet(ch.Registered, m.Oracle, m.EventId)
	if i < 0 {
		return ErrNoSuchLock.Wrapf("channel %x has no pending %s", ch.Id, what)
	}
	b := ch.Registered.Bets[i]
	now := uint64(ctx.Height)
	if now <= b.Deadline {
		return ErrNotYet.Wrapf("%s resolves after its deadline, from height %d (now %d)", what, b.Deadline+1, now)
	}
	toA, reason := b.StakeA, "refund: "
	ev := k.Event(ctx, oracle, m.EventId)
	switch {
	case ev == nil:
		reason += "event never published"
	case !bytes.Equal(ev.EventHash, b.EventHash):
		reason += "the published announcement is not the one the bet is about"
	case ev.Equivocated || k.Oracle(ctx, oracle).Flagged:
		reason += "oracle proven to have cheated"
	case !ev.Revealed || ev.RevealHeight > b.Deadline:
		reason += "no outcome revealed by the deadline"
	case int(ev.Outcome) >= len(b.PayoutA):
		reason += "bet has no payout for the revealed outcome"
	default:
		toA, reason = b.PayoutA[ev.Outcome], "outcome "+types.U64(uint64(ev.Outcome))+" revealed at height "+types.U64(ev.RevealHeight)
	}
	pot, err := state.Add(b.StakeA, b.StakeB, "bet pot")
	if err != nil {
		return err
	}
	if err := k.pay(ctx, ch, pb.Party_PARTY_A, toA); err != nil {
		return err
	}
	if err := k.pay(ctx, ch, pb.Party_PARTY_B, pot-toA); err != nil {
		return err
	}
	ch.Resolved = append(ch.Resolved, &pb.Resolution{Key: key, Height: now, PaidA: toA, PaidB: pot - toA, Reason: reason})
	ch.Registered.Bets = append(ch.Registered.Bets[:i], ch.Registered.Bets[i+1:]...)
	finishIfDone(ctx, ch)
	k.setChannel(ctx, ch)
	ctx.EmitEvent("channel_bet_resolved", "channel", hx(ch.Id), "oracle", m.Oracle, "event", hx(m.EventId),
		"paid_a", types.U64(toA), "paid_b", types.U64(pot-toA), "reason", reason)
	return nil
}

func (k Keeper) oracleBond(ctx *types.Context, signer types.Address, m *pb.MsgOracleBond) error {
	o := k.Oracle(ctx, signer)
	if o.Flagged {
		return ErrOracle.Wrapf("%s was proven to have cheated at height %d and cannot bond again", signer, o.FlaggedHeight)
	}
	var err error
	if o.Bond, err = state.Add(o.Bond, m.Amount, "oracle bond"); err != nil {
		return err
	}
	if err := k.Bank.Lock(ctx, signer, m.Amount); err != nil {
		return err
	}
	set(ctx, cat(prefixOracle, signer[:]), o)
	ctx.EmitEvent("oracle_bond", "oracle", signer.String(), "bond", types.U64(o.Bond))
	return nil
}

func (k Keeper) oracleUnbond(ctx *types.Context, signer types.Address, _ *pb.MsgOracleUnbond) error {
	o := k.Oracle(ctx, signer)
	if o.Bond == 0 {
		return ErrOracle.Wrapf("%s has no bond", signer)
	}
	free, err := state.Add(o.LastDeadline, k.Params(ctx).OracleUnbondDelay, "unbond height")
	if err != nil {
		return err
	}
	if uint64(ctx.Height) <= free {
		return ErrNotYet.Wrapf("the bond of %s backs events until height %d; unbond from height %d", signer, o.LastDeadline, free+1)
	}
	if err := k.Bank.Unlock(ctx, signer, o.Bond); err != nil {
		return err
	}
	ctx.EmitEvent("oracle_unbond", "oracle", signer.String(), "amount", types.U64(o.Bond))
	o.Bond = 0
	set(ctx, cat(prefixOracle, signer[:]), o)
	return nil
}

func (k Keeper) publishEvent(ctx *types.Context, _ types.Address, m *pb.MsgPublishEvent) error {
	t, err := state.VerifyAnnouncement(ctx.ChainID, m.Announcement)
	if err != nil {
		return err
	}
	oracle, _ := secp256k1.ParseAddress(t.Oracle)
	h := state.EventHash(ctx.ChainID, t)
	if ev := k.Event(ctx, oracle, t.EventId); ev != nil {
		if bytes.Equal(ev.EventHash, h) {
			return ErrDuplicate.Wrapf("event %x of %s is already published", t.EventId, t.Oracle)
		}
		// Two different signed lists for one event: the oracle equivocated.
		ev.Equivocated = true
		ev.Fraud = "two different announcements"
		set(ctx, cat(prefixEvent, oracle[:], t.EventId), ev)
		return k.slash(ctx, oracle, "event "+hx(t.EventId)+": two different announcements")
	}
	ev := &pb.Event{Oracle: t.Oracle, EventId: t.EventId, EventHash: h, OutcomeHashes: t.OutcomeHashes, Deadline: t.Deadline, PublishedHeight: uint64(ctx.Height)}
	set(ctx, cat(prefixEvent, oracle[:], t.EventId), ev)
	o := k.Oracle(ctx, oracle)
	if t.Deadline > o.LastDeadline {
		o.LastDeadline = t.Deadline
		set(ctx, cat(prefixOracle, oracle[:]), o)
	}
	ctx.EmitEvent("oracle_event", "oracle", t.Oracle, "event", hx(t.EventId), "deadline", types.U64(t.Deadline), "outcomes", types.U64(uint64(len(t.OutcomeHashes))))
	return nil
}

func (k Keeper) revealOutcome(ctx *types.Context, _ types.Address, m *pb.MsgRevealOutcome) error {
	oracle, _ := secp256k1.ParseAddress(m.Oracle)
	ev := k.Event(ctx, oracle, m.EventId)
	if ev == nil {
		return ErrEventNotFound.Wrapf("event %x of %s is not published; publish the oracle's announcement first", m.EventId, m.Oracle)
	}
	idx := state.OutcomeIndex(ev.OutcomeHashes, m.Preimage)
	if idx < 0 {
		return state.ErrUnknownPreimage.Wrapf("preimage hashes to %x, which is none of the %d outcomes of event %x", state.Hash(m.Preimage), len(ev.OutcomeHashes), m.EventId)
	}
	key := cat(prefixEvent, oracle[:], m.EventId)
	if !ev.Revealed {
		ev.Revealed, ev.Outcome, ev.Preimage, ev.RevealHeight = true, uint32(idx), m.Preimage, uint64(ctx.Height)
		set(ctx, key, ev)
		late := "false"
		if ev.RevealHeight > ev.Deadline {
			late = "true"
		}
		ctx.EmitEvent("oracle_reveal", "oracle", m.Oracle, "event", hx(m.EventId), "outcome", types.U64(uint64(idx)), "late", late)
		return nil
	}
	if uint32(idx) == ev.Outcome {
		return ErrDuplicate.Wrapf("outcome %d of event %x was revealed at height %d", idx, m.EventId, ev.RevealHeight)
	}
	if ev.Equivocated {
		return ErrDuplicate.Wrapf("oracle %s is already proven to have equivocated on event %x", m.Oracle, m.EventId)
	}
	// A second outcome's preimage: only the oracle knew it, so it revealed two.
	ev.Equivocated = true
	ev.Fraud = "outcomes " + types.U64(uint64(ev.Outcome)) + " and " + types.U64(uint64(idx)) + " both revealed"
	set(ctx, key, ev)
	return k.slash(ctx, oracle, "event "+hx(m.EventId)+": "+ev.Fraud)
}
