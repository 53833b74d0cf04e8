// Package channels is Pastel's two-party payment channel module: deposits
// locked in x/bank, states co-signed off-chain, cooperative and unilateral
// closes with a fixed dispute window, hash-locked (and so multi-hop)
// payments through a preimage registry, and bets on oracle events with
// on-chain fraud proofs against equivocating oracles. Only opening, top-ups
// and settlement touch the chain; every payment in between is an off-chain
// state update (package x/channels/state for the rules, channels/offchain
// for the wallet side, `pasteld channel …` for the CLI).
//
// # Channel ids
//
// id = SHA3-256(SignDoc{chain id, "channels", "channels/ChannelID",
// payload = A's address || B's address || counter}), where A is the opener
// and counter is the pair's open counter (shared by both role orders, stored
// under n/<lower address><higher address>). The counter only grows and a
// channel record is never deleted (a closed channel stays as a tombstone),
// so ids are never reused: a channel reopened between the same two accounts
// gets a new id, and nothing signed for the old one verifies for it.
//
// # Signatures
//
// Apart from the transaction's own signature (the signer is implied), every
// signature is over SignDoc{chain_id, module "channels", type, object_id,
// payload}:
//
//	type                   object_id     payload     signed by
//	channels/Open          channel id    OpenTerms   the counterparty B
//	channels/State         channel id    State       both parties
//	channels/OracleEvent   event id      EventTerms  the oracle
//
// so a signature cannot be replayed on another chain, for another channel
// (including a reopened one), or as another kind of statement. MsgOpen
// must carry the pair's current counter, so B's open signature is spent
// once the channel opens, and OpenTerms carry valid_until, the last height
// at which the open may be included, so an approval cannot lock B's coins
// at an arbitrary later time.
//
// # States
//
// A State has the channel id, a version, the deposits it accounts for
// (deposit_a, deposit_b), the balances, pending locks (amount, SHA3-256
// hash of a 32-byte preimage, expiry height, sender = direction) and bets,
// and a final flag. It is valid when balances + locks + bets equal
// deposit_a + deposit_b, every sum checked for uint64 overflow, no two
// locks share a hash, no two bets share an event, payouts fit the pot, the
// counts are within max_locks / max_bets, and a final state carries no
// locks or bets. On-chain, a state may not account for more than the
// channel's deposits; deposits made after it was signed (top-ups) go back
// to their depositor at settlement, so a top-up never invalidates a state.
//
// # Lifecycle
//
//	OPEN     --MsgCooperativeClose(final)-->  CLOSED (paid at once)
//	OPEN     --MsgClose(state or none)----->  DISPUTE, deadline = now + dispute_window
//	DISPUTE  --MsgDispute(newer state)----->  DISPUTE, same deadline
//	DISPUTE  --MsgCooperativeClose(final)-->  CLOSED (final version >= registered)
//	DISPUTE  --MsgSettle, height > deadline->  SETTLED (locks/bets pending) or CLOSED
//	SETTLED  --MsgUnlock / MsgResolveBet--->  CLOSED once nothing is pending
//
// Only a party may start a unilateral close. Anyone (a watchtower) may
// submit MsgDispute, MsgSettle, MsgUnlock and MsgResolveBet. The dispute
// window (parameter dispute_window, blocks, copied into the channel at
// open) is fixed at the first registration: a refute is accepted at any
// height <= deadline if its version is strictly higher than the registered
// one, and never moves the deadline; settlement is possible from deadline+1
// and pays the registered state whoever holds which files by then. A close
// without a state registers version 0: every deposit back to its depositor.
//
// # Hash-locks and multi-hop payments
//
// MsgRegisterPreimage records a 32-byte preimage under its SHA3-256 hash
// with the height of its first registration; the registry is global, so one
// registration serves every channel that has a lock with that hash. After
// settlement MsgUnlock resolves a lock: if the preimage was registered at a
// height <= the lock's expiry the receiver is paid (however late the unlock
// comes), else once the height is past the expiry the sender is refunded,
// else it is refused until one of the two holds. Unlocking twice, or a lock
// the channel's registered state does not have, is refused. Resolution
// depends only on the registration height, never on when the channel
// closes, so the dispute window and lock expiries are independent.
//
// Minimum expiry delta (parameter min_expiry_delta, default 40 blocks).
// In a route A→B→C paying against hash H, B's outgoing lock to C must expire
// at least min_expiry_delta blocks before its incoming lock from A. If C
// registers the preimage on-chain, the registration counts for A→B at once
// (its expiry is later). If C reveals it to B off-chain at the last moment
// and A does not cooperate, B has min_expiry_delta blocks to get its own
// MsgRegisterPreimage into a block. Likewise a receiver accepts a lock only
// if it expires at least min_expiry_delta blocks after the current height.
// The chain cannot see routes — channels are independent and states are
// off-chain — so these two checks are enforced where the information is:
// by the wallet (state.CheckForward, state.CheckIncoming; `pasteld channel
// lock --forward-from` and `channel accept`). What the chain enforces is
// the part it can judge: a registration counts only if it is in a block at
// a height <= the expiry, atomically for every channel using the hash.
//
// # Oracle bets
//
// An oracle announces an event by signing EventTerms{oracle, event id,
// 2–16 outcome hashes, deadline}; the announcement is identified by
// event_hash = SHA3-256 of its sign bytes, which a Bet names (with the
// oracle, event id, deadline, both stakes and A's payout per outcome; B
// gets the rest of the pot). Anyone may publish an announcement
// (MsgPublishEvent) and reveal an outcome's preimage (MsgRevealOutcome); a
// preimage matching none of the outcome hashes is refused. A bet of a
// settled channel resolves after its deadline (MsgResolveBet): it pays
// per the revealed outcome if the published announcement is the bet's, the
// reveal came at a height <= the deadline and the oracle is not flagged;
// otherwise (never published, other announcement, no reveal in time,
// oracle caught cheating) each party gets its stake back.
//
// Fraud proofs: a second, different outcome preimage for one event, or a
// second, different validly signed announcement for one event id, proves
// the oracle cheated (only it knows the preimages and its key). The event
// is marked equivocated, the oracle flagged forever, and its bond
// (MsgOracleBond locks it; MsgOracleUnbond returns it only after its last
// published deadline plus oracle_unbond_delay) is paid to the fee collector,
// so supply is unchanged.
//
// # Coins
//
// Deposits, top-ups and oracle bonds are bank.Lock-ed in their owner's
// account; payouts Unlock the receiver's own escrow first and PayLocked
// from the other party's for the rest. Each channel tracks its remaining
// escrow per party; Keeper.CheckInvariant checks that escrow equals what the
// channel still owes, that payouts plus escrow equal the deposits, and that
// every account's locked coins cover its channels' escrow and its bond.
// All amounts are uint64 with overflow checks; the bank's supply never
// changes.
//
// # State layout (prefix "channels/")
//
//	params                          Params
//	c/<channel id 32>               Channel (never deleted)
//	n/<addr 20><addr 20>            next open counter of the pair, 8 bytes BE
//	i/<addr 20><channel id 32>      index of an account's channels (empty value)
//	p/<hash 32>                     Preimage {preimage, height}
//	o/<addr 20>                     Oracle {bond, flagged, slashed, last_deadline}
//	e/<oracle addr 20><event id>    Event {announcement, reveal, equivocation}
//
// Queries: channel/<id hex>, preimage/<hash hex>, oracle/<address>,
// event/<oracle>/<event id hex> return the stored protobuf and can be
// proven; next/<a>/<b>, party/<address> and params return JSON.
//
// # Costs
//
// Every message pays the bank's per-message fee plus the byte fee; the
// work a message can cause is bounded by the state limits (max_locks,
// max_bets, at most 16 outcomes, 64-byte event ids, 32-byte preimages) and
// at most three signature checks (two for a state, one for an open or an
// announcement).
package channels
