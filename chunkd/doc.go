// Package chunkd is the chunk daemon a masternode runs next to pasteld.
//
// It keeps the chunks the chain commits to its masternode in a verified
// on-disk store (chunkd/store), serves them over HTTP to edition owners and
// other masternodes (every request signed, see chunkd/auth, and checked
// against chain state), follows the chain over CometBFT RPC to pull the
// chunks assigned to it from peers and confirm them on-chain, and recomputes
// the fingerprint of arts it is drawn to attest.
//
// Scrubbing (scrub.go): every scrub-interval (default 10s) chunkd checks
// that each chunk it has confirmed on-chain still has its file, and
// re-hashes a rotating batch of them (at most scrub-mib-per-round, default
// 32 MiB). A missing or corrupt chunk (the bad copy is removed) is fetched
// again from another holder, or, if no holder serves it, minted from k
// verified chunks of its stripe; at most scrub-max-repairs per round. The
// chunks checked are the sync loop's listing of this masternode's
// commitments (checked against the chain every block); a round lists them
// itself only when that listing is over a minute old.
// Metrics: chunkd_scrub_{rounds,checked,bad_chunks,repaired,repair_failures}_total.
//
// A full disk (ENOSPC, or EDQUOT under a quota) never leaves a partial
// chunk: the write is refused with store.ErrNoSpace, uploads get 507,
// pulls pause for a few seconds, it is logged and counted in
// chunkd_store_no_space_total, and work resumes once space is freed.
//
// HTTP API (all but /healthz and /metrics need a signed request):
//
//	PUT  /v1/arts/{art}/chunks/{stripe}/{index}   upload a chunk committed to this node
//	                                              (by the art's artist or a masternode)
//	GET  /v1/arts/{art}/chunks/{id}               download a chunk (edition owners, masternodes)
//	GET  /v1/arts/{art}/chunks                    ids of the art's chunks held here
//	GET  /healthz                                 masternode, chain height, chunks held
//	GET  /metrics                                 Prometheus metrics
package chunkd
