// Package chunkd is the chunk daemon a masternode runs next to pasteld.
//
// It keeps the chunks the chain commits to its masternode in a verified
// on-disk store (chunkd/store), serves them over HTTP to edition owners and
// other masternodes (every request signed, see chunkd/auth, and checked
// against chain state), follows the chain over CometBFT RPC to pull the
// chunks assigned to it from peers and confirm them on-chain, and recomputes
// the fingerprint of arts it is drawn to attest.
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
