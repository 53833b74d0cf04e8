package storage

import (
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// The store layout of the storage module: every key it writes, in one place.
// Integers are big-endian (u32, u64), so keys sort by them; <art> is the
// 32-byte archive hash, <mn> a 20-byte address, <pos> = <art><stripe4><index4>
// (chunkPos). Values are protobuf records unless noted; "marker" means an
// empty value whose key is the information.
//
//	prefix                 key after the prefix            value
//	params                 —                               storagepb.Params
//	mn/                    <mn>                            storagepb.Masternode
//	ring/                  <point8><mn>                    marker: placement ring (placement.go)
//	ex/  ra/               <mn>                            last position moved: exit / forced reassignment queues
//	xp/                    <mn>                            u64 height of the last expiry penalty
//	art/                   <art>                           storagepb.Art
//	as/                    <status4>                       u64 arts with that status (stats.go)
//	lb/                    <art>                           live bytes8, archive size8, active1: chunk bytes with a confirmed holder
//	rd/                    <milli8><art>                   marker: active arts by redundancy (stats.go)
//	fp/                    band index of fingerprints      see fpindex.go
//	at/                    <mn><art>                       marker: open attestation task
//	dl/                    <deadline8><art>                marker: attestation deadline
//	ed/                    <art><edition4>                 owner address
//	eo/                    <owner><art><edition4>          marker: editions by owner
//	of/                    <art><edition4>                 storagepb offer
//	mnseq                  —                               u64 last masternode number given
//	mi/                    <number4>                       20-byte address of masternode number
//	hs/                    <art><stripe4>                  storagepb.StripeHolders: every commitment of the stripe (commitments.go)
//	mc/                    <number4><seq/4096, 8>          the stripes (by sequence number) the masternode holds chunks of (holdings.go)
//	mw/                    <number4><seq/4096, 8>          the stripes where the masternode has an unconfirmed commitment, same encoding
//	uc/                    <assigned8><art><stripe4>       marker: a commitment of the stripe assigned then waits for its proof
//	tc  tu                 —                               u64 confirmed / unconfirmed commitments overall
//	stseq                  —                               u64 last stripe sequence number given
//	sq/                    <seq8>                          <art><stripe4>: the stripe record with that number (draw.go)
//	dt/                    <level1><index8>                uvarints: confirmed commitments under each of a node's 64 children (draw.go)
//	rh/                    <height8>                       32-byte block randomness (proofs of possession)
//	rn/                    —                               u64 height whose next block's randomness is needed
//	chseq                  —                               u64 last challenge id
//	chpruned               —                               u64 last challenge id pruned from the history (challenge_history_blocks)
//	ch/                    <id8>                           storagepb.Challenge
//	cm/                    <mn><id8>                       marker: open challenges by masternode
//	cq/                    <deadline8><id8>                marker: open challenges by deadline
//	cx/                    <mn><id8>                       marker: challenge history by masternode
//	ca/                    <art><id8>                      marker: challenge history by art
//	hm/                    <pos>                           marker: chunk needs healing
//	ht/                    <art><stripe4>                  storagepb heal task
//	ur/                    <pos>                           marker: under-replicated chunk
//	hcursor  ucursor       —                               resume positions of the hm/ and ur/ scans
//	kw/                    <art><reader>                   storagepb.KeyWrap: content key wrapped to an owner or attester
//	we/                    <art><sha3(ephemeral)[:16]>     marker: wrap used for the art (replays refused)
//	vk/ va/ vg/ vp/        see validators.go               validator set
//	vdirty  vnext          —                               validator set recomputation
var (
	keyParams = []byte("params")

	pMasternode    = []byte("mn/")
	ringPrefix     = []byte("ring/")
	pExit          = []byte("ex/")
	pReassign      = []byte("ra/")
	pExpiryPenalty = []byte("xp/")

	pArt            = []byte("art/")
	pArtsByStatus   = []byte("as/")
	pLiveBytes      = []byte("lb/")
	pRedundancy     = []byte("rd/")
	pFingerprint    = []byte("fp/")
	pAttesting      = []byte("at/")
	pAttestDeadline = []byte("dl/")
	pEdition        = []byte("ed/")
	pOwned          = []byte("eo/")
	pOffer          = []byte("of/")

	keyMnSeq          = []byte("mnseq")
	pMnNumber         = []byte("mi/")
	pStripeHolders    = []byte("hs/")
	pMnCommit         = []byte("mc/")
	pMnAwaiting       = []byte("mw/")
	pUnconfirmed      = []byte("uc/")
	keyConfirmedAll   = []byte("tc")
	keyUnconfirmedAll = []byte("tu")
	keyStripeSeq      = []byte("stseq")
	pStripeSeq        = []byte("sq/")
	pDrawTree         = []byte("dt/")
	pRand             = []byte("rh/")
	keyRandNeeded     = []byte("rn/")
	keyChallengeSeq   = []byte("chseq")
	keyChallengePrune = []byte("chpruned")
	pChallenge        = []byte("ch/")
	pOpenChallenge    = []byte("cm/")
	pChallengeDue     = []byte("cq/")
	pMnHistory        = []byte("cx/")
	pArtHistory       = []byte("ca/")
	pHealMark         = []byte("hm/")
	pHealTask         = []byte("ht/")
	pUnderReplicated  = []byte("ur/")
	pKeyWrap          = []byte("kw/")
	pUsedWrap         = []byte("we/")
	keyHealCursor     = []byte("hcursor")
	keyURCursor       = []byte("ucursor")

	prefixValKey     = []byte("vk/")
	prefixValAddr    = []byte("va/")
	prefixValGenesis = []byte("vg/")
	prefixValPower   = []byte("vp/")
	keyValDirty      = []byte("vdirty")
	keyValNext       = []byte("vnext")
)

func key(parts ...[]byte) []byte { return store.Key(parts...) }

func chunkPos(id []byte, stripe, index uint32) []byte { return key(id, u32(stripe), u32(index)) }

func mnKey(a types.Address) []byte        { return key(pMasternode, a[:]) }
func artKey(id []byte) []byte             { return key(pArt, id) }
func asKey(st storagepb.ArtStatus) []byte { return key(pArtsByStatus, u32(uint32(st))) }
func lbKey(id []byte) []byte              { return key(pLiveBytes, id) }
func rdKey(milli uint64, id []byte) []byte {
	return key(pRedundancy, u64(milli), id)
}

// MasternodeKey is the full store key of a masternode record (for proofs).
func MasternodeKey(a types.Address) []byte { return key([]byte(ModuleName+"/"), mnKey(a)) }

// ArtKey is the full store key of an art ticket (for proofs).
func ArtKey(id []byte) []byte { return key([]byte(ModuleName+"/"), artKey(id)) }

func attestingKey(mn types.Address, id []byte) []byte { return key(pAttesting, mn[:], id) }
func edKey(id []byte, ed uint32) []byte               { return key(pEdition, id, u32(ed)) }
func eoKey(owner types.Address, id []byte, ed uint32) []byte {
	return key(pOwned, owner[:], id, u32(ed))
}
func offerKey(id []byte, ed uint32) []byte { return key(pOffer, id, u32(ed)) }

func stripeKey(art []byte, stripe uint32) []byte { return key(pStripeHolders, art, u32(stripe)) }
func ucKey(height int64, art []byte, stripe uint32) []byte {
	return key(pUnconfirmed, u64(uint64(height)), art, u32(stripe))
}
func miKey(num uint32) []byte { return key(pMnNumber, u32(num)) }
func tcKey() []byte           { return keyConfirmedAll }

func rhKey(h int64) []byte { return key(pRand, u64(uint64(h))) }

// rnKey marks that a commitment was assigned in the block it names, so the
// next block's randomness must be kept: blocks without assignments write
// nothing, and a block of refused transactions leaves the state as it was.
func rnKey() []byte { return keyRandNeeded }

func chKey(id uint64) []byte                   { return key(pChallenge, u64(id)) }
func cmKey(mn types.Address, id uint64) []byte { return key(pOpenChallenge, mn[:], u64(id)) }
func cqKey(deadline int64, id uint64) []byte {
	return key(pChallengeDue, u64(uint64(deadline)), u64(id))
}
func xpKey(mn types.Address) []byte            { return key(pExpiryPenalty, mn[:]) }
func cxKey(mn types.Address, id uint64) []byte { return key(pMnHistory, mn[:], u64(id)) }
func caKey(art []byte, id uint64) []byte       { return key(pArtHistory, art, u64(id)) }

// deadlineKey marks a pending art's attestation deadline:
// dl/<deadline8><art32>, deleted when the art activates or is rejected.
func deadlineKey(deadline int64, art []byte) []byte {
	return key(pAttestDeadline, u64(uint64(deadline)), art)
}

func hmKey(art []byte, stripe, index uint32) []byte {
	return key(pHealMark, chunkPos(art, stripe, index))
}
func htKey(art []byte, stripe uint32) []byte { return key(pHealTask, art, u32(stripe)) }
func urKey(art []byte, stripe, index uint32) []byte {
	return key(pUnderReplicated, chunkPos(art, stripe, index))
}
