// Package offchain is the wallet side of Pastel payment channels: it keeps
// each channel's latest co-signed state in the wallet's home, builds and
// signs updates, checks the counterparty's updates against the same rules
// the chain applies (package x/channels/state), and exchanges them as files
// or over a small HTTP endpoint.
//
// An update is one operation (pay, lock, fulfill, expire, bet, resolve_bet,
// refund_bet, deposit, final). The proposer applies it to the latest
// co-signed state, signs the result, records it as pending and sends the
// Update. The acceptor applies the same operation to its own copy, requires
// the identical state, checks the proposer's signature and its Policy,
// countersigns, stores the new state and answers with the fully signed
// Update. The proposer checks both signatures and stores it.
//
// Durability: every change is written to a temporary file, fsynced, renamed
// over <home>/channels/<channel id>.json and the directory fsynced, before
// anything leaves the wallet. A crash at any point leaves either the old or
// the new file, never a torn one; a state this wallet signed is always on
// disk before the counterparty can hold it (it is kept as pending until the
// answer arrives), so the wallet never signs two different states with the
// same version.
//
//	w, _ := offchain.Open(home)
//	upd, _ := w.Propose(id, key, &pb.Op{Kind: state.OpPay, Party: me, Amount: 10}, env)
//	// … send upd, receive ack …
//	_ = w.Complete(id, ack)
package offchain
