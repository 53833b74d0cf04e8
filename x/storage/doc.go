// Package storage is the chain side of keeping art alive: the masternode
// registry, art tickets and editions, originality attestation, placement of
// erasure-coded chunks on masternodes, proofs of possession, storage
// challenges and penalties, healing, and the validator set derived from the
// masternodes. This comment is its contract: what every honest validator
// computes identically, and what a masternode can and cannot get away with.
// The store layout is in keys.go.
//
// # Determinism
//
// Every state transition is a function of the state, the transaction bytes
// and the block (height, time from the header, randomness from
// app.BlockRandomness). No map order, wall clock, float or local randomness
// is used; iteration is in key order; amounts are integers in npsl with
// big.Int where products overflow. A block whose transactions are all
// refused changes nothing but the fees and nonces of those that passed the
// signature checks; a block with nothing for this module to do writes
// nothing (tests compare AppHashes).
//
// # Masternodes (masternode.go)
//
// Registering locks collateral (min_collateral or more) and puts 16 points
// on the placement ring (placement.go). An active masternode in good
// standing is eligible for new commitments; one whose rewards are withheld
// (after a failure or an expiry) is not, and a jailed one holds nothing:
// its commitments move. Exiting moves every commitment away first (a
// replacement confirms, then the old one is dropped), then unlocks the
// collateral. Nothing moves faster than max_moves_per_block commitments a
// block.
//
// # Art (art.go, editions.go)
//
// A ticket fixes the archive hash, coding parameters and every chunk id, so
// no one can later substitute a byte. Registration pays the fee into the
// Endowment (the rewards module releases it to the masternodes over time),
// draws attesters who must recompute the same perceptual fingerprint within
// attest_window, and places every chunk on Replication masternodes by the
// ring. The art becomes active when the attestations agree, no registered
// fingerprint is within the Hamming threshold, and every chunk has at least
// one confirmed holder; otherwise it is rejected and its commitments
// dropped. Editions are owned, transferred and sold atomically (offers).
//
// # Proofs of possession (possession.go)
//
// A masternode is paid for the bytes it proves, never for the ones it
// claims. A commitment assigned at height h is confirmed only with a Merkle
// range proof over leaves drawn from the randomness of block h+1 and the
// masternode's address; no proof, no confirmation. A confirmed chunk counts
// in the masternode's proven bytes (its reward weight, rewards_view.go)
// until a challenge of it fails or its holder reports it lost; it then
// needs a fresh proof. Chunk daemons serve a masternode only what the chain
// says it needs (Keeper.MayFetch): a confirmed holder cannot fetch its own
// chunk back; it has to report the loss, which costs it.
//
// # Challenges and penalties (challenge.go)
//
// EndBlock draws challenges so that each confirmed commitment is challenged
// about once per challenge_interval blocks: each draw picks one confirmed
// commitment uniformly among all of them (a holder out of good standing
// is drawn again, up to drawAttempts), so a masternode is audited in
// proportion to what it is paid for; the holder answers within
// challenge_deadline blocks with the drawn leaves and their proof. A wrong
// or missing answer fails: the chunk leaves the proven bytes, rewards are
// withheld for withhold_blocks, reassign_failures recent failures move the
// masternode's commitments away, jail_failures jail it. One lost chunk is
// one incident, however many challenges were open on it. A requested
// (paid) challenge is a bounty: the fee waits in BountyEscrow and goes to
// the holder that proves, or back to the payer less bounty_cut_permille.
// An unconfirmed commitment that is not confirmed within confirm_window
// expires and moves (withholding, never jail: nothing was lost). A closed
// challenge stays readable (challenge/ID, history/mn, history/art) for
// challenge_history_blocks after it was drawn, then leaves state; the
// masternode record keeps the counts, the block events the full record.
//
// # Healing (heal.go)
//
// A chunk with no confirmed holder left is marked; a healer drawn from the
// block randomness rebuilds the stripe's missing chunks from any k live ones
// and pushes them to their new holders, who confirm with proofs as usual.
// The ticket fixes every chunk id, so a healer cannot substitute anything.
//
// # Validators (validators.go)
//
// The validator set follows the masternodes: power from collateral, trust
// score and standing, capped per validator, recomputed when an input
// changes; only changes go to CometBFT.
//
// # State that does not grow with R (commitments.go, holdings.go, draw.go)
//
// The commitments of a stripe are one record, holders by masternode
// number (a varint each) and the unconfirmed ones with their assignment;
// which stripes a masternode holds are Roaring-style containers of stripe
// sequence numbers (two bytes a stripe, or one bit once dense); the
// challenge draw is a 64-ary sum tree of confirmed commitments over the
// same sequence numbers, six keys an update. A 20 MiB art (120
// chunks) on 10^3 masternodes at R = 10 costs about 11 keys and 7 KiB of
// state, most of it the ticket. What still grows with R (two bytes at most
// per chunk and holder, in the stripe record and the holdings) is why
// params.replication is capped at MaxReplication = 20: the art then stays
// under 16 KiB on any number of masternodes. CheckIndexes recomputes every
// index and counter from the records. The stripes where a masternode has an
// unconfirmed commitment are marked in the same kind of containers (mw/), so
// its daemon lists what it must fetch and prove (the awaiting query) without
// paging through everything it holds; a masternode's assignments_version
// moves with every change to its commitments, so its daemon relists them
// only when it moved.
//
// # What is not promised
//
// A masternode (or one operator's masternodes together) holding k or more
// chunks of a stripe can keep just k and mint the rest when challenged or
// asked (minting a 2 MiB chunk takes milliseconds): challenges cannot tell,
// because every copy of a chunk is the same bytes. A masternode holds n·R/M
// chunks of a stripe on average, so at the defaults (n = 12k, R = 10) this
// pays on any network of fewer than ~120 masternodes, and for any operator
// of more than 1/120 of a larger one. Closing it needs per-holder sealed
// replicas; see the closing note of issue 14 for the measured figures.
package storage
