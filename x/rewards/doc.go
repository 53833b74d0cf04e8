// Package rewards mints the emission schedule fixed in genesis, releases
// the storage endowment over time, sweeps transaction fees, and pays it all
// out one epoch late to validators (by signed blocks) and to masternodes in
// good standing (by proven bytes × trust). What a masternode not in good
// standing would have earned is withheld: accounted and carried into the
// next pool, never lost. Nothing is burnt and nothing leaves the supply.
//
// # Epochs
//
// Epoch n is the epoch_length blocks [S + n·L, S + (n+1)·L), where S is the
// genesis height (status.start_height). Everything happens in BeginBlock,
// which for rewards runs after the BeginBlock of the modules before it
// (storage, when wired), and before the block's transactions:
//
//  1. Every block h records who signed block h−1 (ctx.Votes, the block's
//     DecidedLastCommit): each validator whose vote has BlockIDFlagCommit
//     adds its voting power to its counter for the epoch of h−1.
//  2. At the first block of epoch n ≥ 1, B = S + n·L:
//     a. Settle epoch n−2 (when n ≥ 2): its pool, formed at S + (n−1)·L, is
//     paid out with the standings observed at B.
//     b. Close epoch n−1: mint its emission into the pool account, move
//     ⌊endowment balance × endowment_release_ppb / 10^9⌋ from the storage
//     endowment and the whole fee collector balance into it. The pool of
//     epoch n−1 is then the pool account's whole balance: these inflows
//     plus what settlement (a) left (carried_in). It settles at S + (n+1)·L.
//
// So an epoch's pool holds the emission of its epoch, the fees of its
// blocks (fees of block B's own transactions belong to epoch n), one
// endowment release, and the leftovers of the previous settlement. It is
// paid one whole epoch after it ends: failures found by challenges during
// that epoch cost the masternode that pool. The first payout is at S + 2L.
//
// # The split (settlement of pool P of epoch e)
//
//	V = ⌊P × validators_share_ppm / 10^6⌋          validators' part
//	M = P − V                                      masternodes' part
//	validator v:  ⌊V × s_v / Σs⌋, s_v = Σ over the blocks of epoch e of v's
//	              power if v signed (128-bit counters)
//	masternode m: ⌊M × w_m / Σw⌋, w_m = proven_bytes_m × trust_m, over every
//	              masternode storage reports (good standing or not)
//	trust_m = min(max(score, 0), 10^9) when trust knows m; unknown_trust_ppb
//	          when it does not; 10^9 without a trust module
//
// A validator share goes to the payout address the genesis maps its
// CometBFT address to, else to the masternode that validates with that key
// (Keeper.Validators); without either it stays in the pool
// (validators_unmapped, event rewards_unmapped). A masternode share is paid
// to the masternode's address when it is in good standing at B; otherwise
// it is withheld (withheld, event rewards_withheld). Zero weights get
// nothing. Rounding remainders, unmapped and withheld shares, and a part
// nobody can receive (no signatures, no weight) stay in the pool:
// carried_out = P − paid, which the close at the same block B carries into
// the next pool. Integer arithmetic only (big.Int for products above 64
// bits); masternodes in address order, validators in address order.
//
// # Withholding and the epoch length
//
// Standing is sampled once per epoch, at the settlement block. storage
// withholds a masternode for the withhold_blocks heights after the block of
// a failure (good standing again once withheld_until < height), and records
// failures in transactions and EndBlock, after rewards' BeginBlock of that
// block. Any withhold_blocks consecutive heights contain exactly one
// settlement block when withhold_blocks = epoch_length (both default to
// 100): a failure then costs exactly one epoch's payout. With a shorter
// window some failures cost nothing; with a longer one, more than one.
//
// # Emission
//
// At genesis (after bank's genesis) emission_total = max_supply − the bank
// supply. Epoch e < emission_epochs emits ⌊total/emission_epochs⌋, the last
// one adds total mod emission_epochs; later epochs emit 0. Each mint is
// also capped so the bank supply never exceeds max_supply, whoever else
// mints.
//
// # Bounded work
//
// Per block: one counter update per signing validator (bounded by the
// validator set). Per epoch, at one block: one RewardWeights call and one
// trust lookup per masternode with proven bytes (storage iterates its
// masternodes once), one payment per recipient, one counter deletion per
// validator that signed in the epoch, one record written, one pruned.
//
// # Wiring
//
// Keeper.Masternodes is storage: its RewardWeights returns its own
// struct with MasternodeWeight's fields, adapted without an import by
// WeightsOf[storage.MasternodeWeight](storage.Keeper{…}). Keeper.Trust is
// optional; trust.Keeper plugs in with TrustOf[score.Score](trust.Keeper{}).
// The module must come after bank (genesis supply) and after storage (so
// settlement sees storage's state of the block before).
//
// # State, under "rewards/"
//
//	params                 Params
//	status                 Status: schedule, totals, the pending (closed, unsettled) pool
//	vp/<val20>             payout address (20 bytes) of a validator's CometBFT address
//	vs/<epoch8><val20>     signed power of a validator in an unsettled epoch (16 bytes, big-endian)
//	ep/<epoch8>            EpochRecord of a settled epoch (the last keep_epoch_records)
//	po/<addr20>            Earnings of an address: paid (as validator / masternode), withheld
//
// # Events
//
//	epoch_closed       epoch, pool, emitted, endowment, fees, carried_in, settles_at
//	epoch_settled      epoch, pool, paid, withheld, emitted, carried_out, validators_unmapped
//	rewards_paid       epoch, recipient, amount, role (validator | masternode)
//	rewards_withheld   epoch, masternode, amount
//	rewards_unmapped   epoch, validator (hex), amount
package rewards
