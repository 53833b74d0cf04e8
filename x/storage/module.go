package storage

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// DefaultParams are the parameters of a new chain.
func DefaultParams() *storagepb.Params {
	return &storagepb.Params{
		MinCollateral:    1_000_000 * 1_000_000_000, // 1,000,000 psl
		Replication:      10,
		ActivationMargin: 2,
		FeeBase:          1_000_000_000, // 1 psl
		FeePerMib:        10_000_000,    // 0.01 psl per stored MiB
		MaxArchiveSize:   1 << 30,
		MaxEditions:      10_000,
		// fingerprint.Threshold (6), from the package's measured corpus:
		// resized, recompressed and converted copies are at most 4 from the
		// original, crops are found through the attesters' probes (834 of
		// 840 within 6), and no two distinct images are closer than 8
		// (canonical or probe): 10 let distinct pairs at 8–10 collide.
		FingerprintDistance: fingerprint.Threshold,
		Attesters:           3,
		AttestWindow:        600,
		MinChunkSize:        1 << 10,
		MaxRedundancy:       16,
		MaxTitle:            256,

		ChallengeInterval:     1000,
		MaxChallengesPerBlock: 16,
		// 20 blocks (~20 s at 1 s blocks). Measured: honest masternodes
		// answer in a median of 1 block, p90 2 (e2e TestCheatingMasternodesLose;
		// proof p99 ~15 ms at chunkd), so 20 lets a chunkd restart or a node
		// catching up for ~15 s pass without an unjust failure. A shorter
		// deadline would not stop outsourcing: a colluding peer's 2 MiB pull
		// over a WAN (~1-2 s at 10-20 Mbit/s, an estimate) fits in the ~3 blocks any honest answer
		// needs. The fetch rule (MayFetch) is what stops it, not the clock.
		ChallengeDeadline: 20,
		ChallengeLeaves:   4,
		ChallengeFee:      100_000_000, // 0.1 psl
		WithholdBlocks:    100,
		FailureWindow:     1000,
		ReassignFailures:  3,
		JailFailures:      5,
		JailBlocks:        1000,
		MaxHealsPerBlock:  64,
		MaxMovesPerBlock:  DefaultMaxMovesPerBlock,
		HealDeadline:      50,
		ConfirmWindow:     600,
		MaxValidators:     DefaultMaxValidators,
		ConfirmLeaves:     2,
		BountyCutPermille: 100, // 10%
		// Closed challenges stay in state 20,000 blocks (~5.6 h at 1 s
		// blocks), then go (pruneChallengeHistory): at the cap of 16 a
		// block that is 320,000 challenges, ~320 for each of 10^3
		// masternodes where the history query shows the latest 100, and
		// 20x the failure window, so the failures that jailed a masternode
		// are still there to read. Kept forever, the history grew 1.4
		// million challenges (3 keys each) a day whatever the number of
		// arts; the block events keep the whole record for indexers.
		ChallengeHistoryBlocks: DefaultChallengeHistoryBlocks,
	}
}

// DefaultChallengeHistoryBlocks is challenge_history_blocks unless a
// genesis says otherwise.
const DefaultChallengeHistoryBlocks = 20_000

// Genesis is the storage section of the genesis app state.
type Genesis struct {
	Params      *storagepb.Params   `json:"params"`
	Masternodes []GenesisMasternode `json:"masternodes"`
}

// GenesisMasternode registers a masternode at genesis, locking its
// collateral from its genesis balance.
type GenesisMasternode struct {
	Address    string `json:"address"`
	PubKey     string `json:"pub_key"` // hex, compressed secp256k1
	URL        string `json:"url"`
	Collateral uint64 `json:"collateral,string"`
	// ConsensusPubKey (base64 ed25519, optional) makes it a validator from
	// genesis; see validators.go.
	ConsensusPubKey string `json:"consensus_pub_key,omitempty"`
}

// Module is the storage module.
type Module struct {
	Keeper Keeper
	// Mirror, if set, answers near-duplicate queries from memory (the app
	// sets it and feeds it committed blocks; FingerprintMirror).
	Mirror *FingerprintMirror
}

func (Module) Name() string { return ModuleName }

func (Module) DefaultGenesis() json.RawMessage {
	bz, _ := json.Marshal(Genesis{Params: DefaultParams(), Masternodes: []GenesisMasternode{}})
	return bz
}

// MaxReplication bounds params.replication so that the state a registered
// art costs stays under 16 KiB however many masternodes there are. For a
// 120-chunk art (a 20 MiB image), measured by TestBenchScale at R = 10: the
// ticket and the per-art keys take 5.0 KB and the stripe record's fixed
// part 0.5 KB. What grows with R is bounded per (chunk, holder):
//   - the stripe record keeps each holder as a delta-coded masternode number:
//     at most 2 bytes while masternodes < 16,384·R (3 for a chunk's first);
//   - the holdings index costs each (stripe, holder) at most 2 bytes (a
//     sparse container entry, or its share of a bitmap just turned dense).
//
// So an art costs at most 5.5 KB + 120·(2R+1) + 240·R bytes: 15.2 KB at
// R = 20, 16.6 KB at R = 23. 20 copies of a 12x-coded stripe is also twice
// the default and 240x raw storage, beyond what durability calls for
// (TestBenchDurability).
const MaxReplication = 20

// ParseGenesis decodes and validates the storage section.
func ParseGenesis(raw json.RawMessage) (*Genesis, error) {
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	if g.Params == nil {
		g.Params = DefaultParams()
	}
	p := g.Params
	if p.MaxValidators == 0 {
		p.MaxValidators = DefaultMaxValidators
	}
	if p.ConfirmLeaves == 0 {
		p.ConfirmLeaves = DefaultParams().ConfirmLeaves
	}
	if p.MaxMovesPerBlock == 0 {
		p.MaxMovesPerBlock = DefaultMaxMovesPerBlock
	}
	p.ChallengeHistoryBlocks = historyBlocks(p)
	switch {
	case p.Replication == 0 || p.Replication > MaxReplication:
		return nil, fmt.Errorf("storage.params.replication must be in [1, %d] (the default is %d)", MaxReplication, DefaultParams().Replication)
	case p.Attesters == 0:
		return nil, fmt.Errorf("storage.params.attesters must be at least 1")
	case p.AttestWindow <= 0:
		return nil, fmt.Errorf("storage.params.attest_window must be positive")
	case p.MaxRedundancy == 0 || p.MaxRedundancy > 256:
		return nil, fmt.Errorf("storage.params.max_redundancy must be in [1, 256]")
	case p.MinChunkSize < 1024:
		return nil, fmt.Errorf("storage.params.min_chunk_size must be at least 1024")
	case p.FingerprintDistance > 32:
		return nil, fmt.Errorf("storage.params.fingerprint_distance must be at most 32")
	case p.MaxTitle == 0 || p.MaxEditions == 0:
		return nil, fmt.Errorf("storage.params.max_title and max_editions must be positive")
	case p.ChallengeInterval <= 0 || p.ChallengeDeadline <= 0:
		return nil, fmt.Errorf("storage.params.challenge_interval and challenge_deadline must be positive")
	case p.ChallengeLeaves == 0 || p.ChallengeLeaves > 16:
		return nil, fmt.Errorf("storage.params.challenge_leaves must be in [1, 16]")
	case p.ReassignFailures == 0 || p.JailFailures < p.ReassignFailures:
		return nil, fmt.Errorf("storage.params.jail_failures must be at least reassign_failures, which must be positive")
	case p.FailureWindow <= 0 || p.WithholdBlocks < 0 || p.JailBlocks < 0:
		return nil, fmt.Errorf("storage.params.failure_window must be positive, withhold_blocks and jail_blocks not negative")
	case p.ConfirmWindow <= 0:
		return nil, fmt.Errorf("storage.params.confirm_window must be positive (confirmations prove possession with the randomness of a recent block, kept for 2 x confirm_window + 64 blocks)")
	case p.ConfirmLeaves > 16:
		return nil, fmt.Errorf("storage.params.confirm_leaves must be in [1, 16]")
	case p.BountyCutPermille > 1000:
		return nil, fmt.Errorf("storage.params.bounty_cut_permille must be at most 1000")
	case p.MaxHealsPerBlock == 0 || p.HealDeadline <= 0:
		return nil, fmt.Errorf("storage.params.max_heals_per_block and heal_deadline must be positive")
	case p.ChallengeHistoryBlocks > 0 && p.ChallengeHistoryBlocks < max(p.FailureWindow, p.ChallengeDeadline):
		return nil, fmt.Errorf("storage.params.challenge_history_blocks must be at least failure_window and challenge_deadline (%d), so the failures a masternode is penalized for stay readable; negative keeps closed challenges forever (the default is %d)", max(p.FailureWindow, p.ChallengeDeadline), DefaultChallengeHistoryBlocks)
	case p.MaxMovesPerBlock > MaxMovesPerBlockLimit:
		return nil, fmt.Errorf("storage.params.max_moves_per_block must be in [1, %d] (the default is %d; each move costs block time)", MaxMovesPerBlockLimit, DefaultMaxMovesPerBlock)
	}
	seen, keys := map[string]bool{}, map[string]bool{}
	for i, m := range g.Masternodes {
		a, err := secp256k1.ParseAddress(m.Address)
		if err != nil {
			return nil, fmt.Errorf("storage.masternodes[%d].address: %w", i, err)
		}
		if seen[m.Address] {
			return nil, fmt.Errorf("storage.masternodes[%d].address: listed twice", i)
		}
		seen[m.Address] = true
		pk, err := hex.DecodeString(m.PubKey)
		if err != nil {
			return nil, fmt.Errorf("storage.masternodes[%d].pub_key: %w", i, err)
		}
		pub, err := secp256k1.PubKeyFromBytes(pk)
		if err != nil || pub.Address() != a {
			return nil, fmt.Errorf("storage.masternodes[%d].pub_key: not the key of %s", i, m.Address)
		}
		if err := validateURL(m.URL); err != nil {
			return nil, fmt.Errorf("storage.masternodes[%d].url: %w", i, err)
		}
		if m.Collateral < p.MinCollateral {
			return nil, fmt.Errorf("storage.masternodes[%d].collateral: %d is below min_collateral %d", i, m.Collateral, p.MinCollateral)
		}
		if pub, err := parseGenesisConsensusKey(m.ConsensusPubKey); err != nil {
			return nil, fmt.Errorf("storage.masternodes[%d].consensus_pub_key: %w", i, err)
		} else if pub != nil {
			if keys[string(pub)] {
				return nil, fmt.Errorf("storage.masternodes[%d].consensus_pub_key: used by another masternode", i)
			}
			keys[string(pub)] = true
		}
	}
	return &g, nil
}

func (Module) ValidateGenesis(raw json.RawMessage) error {
	_, err := ParseGenesis(raw)
	return err
}

func (m Module) InitGenesis(ctx *types.Context, raw json.RawMessage) error {
	g, err := ParseGenesis(raw)
	if err != nil {
		return err
	}
	m.Keeper.setParams(ctx, g.Params)
	for i, gm := range g.Masternodes {
		a, _ := secp256k1.ParseAddress(gm.Address)
		if err := m.Keeper.Bank.Lock(ctx, a, gm.Collateral); err != nil {
			return fmt.Errorf("storage.masternodes[%d]: %w (fund it in bank.accounts)", i, err)
		}
		pk, _ := hex.DecodeString(gm.PubKey)
		mn := &storagepb.Masternode{Address: gm.Address, PubKey: pk, Url: gm.URL,
			Collateral: gm.Collateral, Status: storagepb.MasternodeStatus_MN_ACTIVE, RegisteredHeight: ctx.Height}
		if pub, _ := parseGenesisConsensusKey(gm.ConsensusPubKey); pub != nil {
			if err := m.Keeper.bindConsensusKey(ctx, a, mn, pub); err != nil {
				return fmt.Errorf("storage.masternodes[%d]: %w", i, err)
			}
		}
		m.Keeper.giveNumber(ctx, a, mn)
		m.Keeper.setMasternode(ctx, a, mn)
		m.Keeper.ringAdd(ctx, a)
	}
	return nil
}

func (m Module) ExportGenesis(ctx *types.Context) (json.RawMessage, error) {
	return json.Marshal(Genesis{Params: m.Keeper.Params(ctx)})
}

func validID(id []byte) error {
	if len(id) != 32 {
		return ErrNoArt.Wrapf("art id must be 32 bytes, got %d", len(id))
	}
	return nil
}

func (m Module) Routes() []types.MsgRoute {
	k := m.Keeper
	return []types.MsgRoute{
		types.Route(storagepb.MsgRegisterMasternodeType, func(x *storagepb.MsgRegisterMasternode) error {
			if len(x.ConsensusPubKey) > 0 {
				if err := validConsensusKey(x.ConsensusPubKey); err != nil {
					return err
				}
			}
			return validateURL(x.Url)
		}, k.registerMasternode),
		types.Route(storagepb.MsgUpdateMasternodeType, validateUpdate, k.updateMasternode),
		types.Route(storagepb.MsgExitMasternodeType, nil,
			func(ctx *types.Context, s types.Address, _ *storagepb.MsgExitMasternode) error {
				return k.exitMasternode(ctx, s)
			}),
		types.Route(storagepb.MsgRegisterArtType, func(x *storagepb.MsgRegisterArt) error {
			if len(x.ArchiveHash) != 32 {
				return ErrBadTicket.Wrapf("archive_hash must be 32 bytes")
			}
			return nil
		}, k.registerArt),
		types.Route(storagepb.MsgConfirmChunksType, func(x *storagepb.MsgConfirmChunks) error {
			if len(x.Chunks) == 0 || len(x.Chunks) > storagepb.MaxConfirmations {
				return ErrBadTicket.Wrapf("confirm 1 to %d chunks per message, not %d", storagepb.MaxConfirmations, len(x.Chunks))
			}
			n := 0
			for _, c := range x.Chunks {
				if len(c.Leaves) > 16<<10 || len(c.Proof) > 2048 {
					return ErrBadProof.Wrapf("proof of chunk (stripe %d, index %d) is too large", c.Stripe, c.Index)
				}
				n += len(c.Leaves) + len(c.Proof)
			}
			if n > maxConfirmBytes {
				return ErrBadProof.Wrapf("%d proof bytes in one message, at most %d: split it", n, maxConfirmBytes)
			}
			return validID(x.ArtId)
		}, k.confirmChunks),
		types.Route(storagepb.MsgReportLossType, func(x *storagepb.MsgReportLoss) error {
			if len(x.Chunks) == 0 || len(x.Chunks) > storagepb.MaxConfirmations {
				return ErrBadTicket.Wrapf("report 1 to %d chunks per message, not %d", storagepb.MaxConfirmations, len(x.Chunks))
			}
			for _, c := range x.Chunks {
				if len(c.Leaves) > 0 || len(c.Proof) > 0 {
					return ErrBadTicket.Wrapf("a loss report names chunks by stripe and index only")
				}
			}
			return validID(x.ArtId)
		}, k.reportLoss),
		types.Route(storagepb.MsgAttestType, func(x *storagepb.MsgAttest) error {
			if len(x.Reason) > 256 {
				return ErrBadTicket.Wrapf("reason of %d bytes, at most 256", len(x.Reason))
			}
			return validID(x.ArtId)
		}, k.attest),
		types.Route(storagepb.MsgTransferEditionType, func(x *storagepb.MsgTransferEdition) error {
			if _, err := secp256k1.ParseAddress(x.To); err != nil {
				return types.ErrInvalidAddress.Wrapf("to: %v", err)
			}
			return validID(x.ArtId)
		}, k.transferEdition),
		types.Route(storagepb.MsgOfferEditionType, func(x *storagepb.MsgOfferEdition) error {
			if x.Buyer != "" {
				if _, err := secp256k1.ParseAddress(x.Buyer); err != nil {
					return types.ErrInvalidAddress.Wrapf("buyer: %v", err)
				}
			}
			return validID(x.ArtId)
		}, k.offerEdition),
		types.Route(storagepb.MsgShareKeyType, func(x *storagepb.MsgShareKey) error {
			if len(x.Keys) == 0 || len(x.Keys) > 16 {
				return ErrBadKeyWrap.Wrapf("share the key with 1 to 16 attesters per message, not %d", len(x.Keys))
			}
			return validID(x.ArtId)
		}, k.shareKey),
		types.Route(storagepb.MsgCancelOfferType, func(x *storagepb.MsgCancelOffer) error { return validID(x.ArtId) }, k.cancelOffer),
		types.Route(storagepb.MsgAcceptOfferType, func(x *storagepb.MsgAcceptOffer) error { return validID(x.ArtId) }, k.acceptOffer),
		types.Route(storagepb.MsgProveChunksType, func(x *storagepb.MsgProveChunks) error {
			if len(x.Proofs) == 0 || len(x.Proofs) > storagepb.MaxProofsPerMsg {
				return ErrBadTicket.Wrapf("answer 1 to %d challenges per message, not %d", storagepb.MaxProofsPerMsg, len(x.Proofs))
			}
			seen := map[uint64]bool{}
			for _, p := range x.Proofs {
				if seen[p.ChallengeId] {
					return ErrBadTicket.Wrapf("challenge %d answered twice in one message", p.ChallengeId)
				}
				seen[p.ChallengeId] = true
				if len(p.Leaves) > 16*1024 || len(p.Proof) > 2048 {
					return ErrBadTicket.Wrapf("proof of challenge %d is too large", p.ChallengeId)
				}
			}
			return nil
		}, k.proveChunks),
		types.Route(storagepb.MsgRequestChallengeType, func(x *storagepb.MsgRequestChallenge) error { return validID(x.ArtId) }, k.requestChallenge),
		types.Route(storagepb.MsgUnjailType, nil,
			func(ctx *types.Context, s types.Address, _ *storagepb.MsgUnjail) error { return k.unjail(ctx, s) }),
	}
}

func (m Module) BeginBlock(ctx *types.Context) error {
	m.Keeper.recordRandomness(ctx)
	return nil
}

func (m Module) EndBlock(ctx *types.Context) ([]abci.ValidatorUpdate, error) {
	m.Keeper.processDeadlines(ctx)
	m.Keeper.expireChallenges(ctx)
	m.Keeper.pruneChallengeHistory(ctx)
	m.Keeper.expireUnconfirmed(ctx)
	m.Keeper.processMoves(ctx)
	m.Keeper.processHealing(ctx)
	m.Keeper.processTopUps(ctx)
	m.Keeper.drawChallenges(ctx)
	return m.Keeper.updateValidators(ctx), nil
}

// InitValidators: see Keeper.InitValidators.
func (m Module) InitValidators(ctx *types.Context, genesis []abci.ValidatorUpdate) ([]abci.ValidatorUpdate, error) {
	return m.Keeper.InitValidators(ctx, genesis)
}

// QueryKey maps single-record queries to their store key (provable).
func (Module) QueryKey(path []string) []byte {
	if len(path) == 2 {
		switch path[0] {
		case "mn":
			if a, err := secp256k1.ParseAddress(path[1]); err == nil {
				return MasternodeKey(a)
			}
		case "art":
			if id, err := hex.DecodeString(path[1]); err == nil && len(id) == 32 {
				return ArtKey(id)
			}
		}
	}
	if len(path) == 3 && path[0] == "offer" {
		// offer/<art>/<edition>: the open offer of an edition.
		id, err := hex.DecodeString(path[1])
		ed, eerr := strconv.ParseUint(path[2], 10, 32)
		if err == nil && len(id) == 32 && eerr == nil {
			return key([]byte(ModuleName+"/"), offerKey(id, uint32(ed)))
		}
	}
	if len(path) == 3 && path[0] == "keywrap" {
		// keywrap/<art>/<reader>: the content key wrapped to reader.
		id, err := hex.DecodeString(path[1])
		a, aerr := secp256k1.ParseAddress(path[2])
		if err == nil && len(id) == 32 && aerr == nil {
			return KeyWrapKey(id, a)
		}
	}
	return nil
}

func (m Module) Query(ctx *types.Context, path []string, _ []byte) ([]byte, error) {
	k := m.Keeper
	bad := func(format string, a ...any) ([]byte, error) { return nil, types.ErrInvalidRequest.Wrapf(format, a...) }
	parseArt := func(s string) ([]byte, error) {
		id, err := hex.DecodeString(s)
		if err != nil || len(id) != 32 {
			return nil, types.ErrInvalidRequest.Wrapf("art id %q: want 64 hex digits", s)
		}
		return id, nil
	}
	switch {
	case len(path) == 1 && path[0] == "params":
		return json.Marshal(k.Params(ctx))
	case len(path) == 1 && path[0] == "stats":
		return json.Marshal(k.Stats(ctx))
	case len(path) == 1 && path[0] == "below-target":
		return json.Marshal(k.BelowTarget(ctx, MaxHealthList))
	case len(path) == 1 && path[0] == "heal-queue":
		return json.Marshal(k.HealQueue(ctx, MaxHealthList))
	case len(path) == 3 && path[0] == "near":
		// near/<art asking>/<probes: 16 hex digits each>
		id, err := parseArt(path[1])
		if err != nil {
			return nil, err
		}
		raw, err := hex.DecodeString(path[2])
		if err != nil || len(raw)%8 != 0 || len(raw) == 0 || len(raw)/8 > storagepb.MaxProbes {
			return bad("probes: 1 to %d fingerprints of 16 hex digits each", storagepb.MaxProbes)
		}
		probes := make([]uint64, len(raw)/8)
		for i := range probes {
			probes[i] = binary.BigEndian.Uint64(raw[8*i:])
		}
		near, release, ok := m.Mirror.lookup(ctx.Height)
		if ok {
			defer release()
		}
		return json.Marshal(k.nearAny(ctx, probes, id, near))
	case len(path) == 1 && path[0] == "mns":
		return json.Marshal(k.Masternodes(ctx))
	case len(path) == 1 && path[0] == "validators":
		out := k.Validators(ctx)
		if out == nil {
			out = []ValidatorView{}
		}
		return json.Marshal(out)
	case len(path) >= 2 && len(path) <= 3 && (path[0] == "assignments" || path[0] == "awaiting"):
		// assignments/<mn>[/<after: hex cursor>]: up to storagepb.MaxPage
		// commitments; pass the last one's cursor for the next page.
		// awaiting/<mn>[/<after>]: the same over its unconfirmed
		// commitments only (what its daemon must fetch and prove).
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return bad("%v", err)
		}
		var after []byte
		if len(path) == 3 {
			if after, err = hex.DecodeString(path[2]); err != nil || len(after) != cursorSize {
				return bad("cursor must be %d hex digits (the cursor of the last commitment of the previous page)", 2*cursorSize)
			}
		}
		out := []storagepb.CommitmentView{}
		p := k.Params(ctx)
		k.eachCommitmentOf(ctx, a, after, storagepb.MaxPage, path[0] == "awaiting", func(c *storagepb.Commitment, cur []byte) bool {
			v := storagepb.CommitmentView{ArtID: c.ArtId, Stripe: c.Stripe, Index: c.Index, ChunkID: c.ChunkId, Confirmed: c.Confirmed,
				Replaces: c.Replaces, AssignedHeight: c.AssignedHeight, Cursor: cur}
			if !c.Confirmed {
				if s, e, err := k.confirmRangeOf(ctx, c, a, p); err == nil {
					v.ProveLeafStart, v.ProveLeafEnd = s, e
				}
			}
			out = append(out, v)
			return true
		})
		return json.Marshal(out)
	case len(path) == 2 && path[0] == "challenges":
		// challenges/<mn>: its open challenges.
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return bad("%v", err)
		}
		out := k.OpenChallenges(ctx, a, storagepb.MaxProofsPerMsg)
		if out == nil {
			out = []*storagepb.Challenge{}
		}
		return json.Marshal(out)
	case len(path) == 2 && path[0] == "challenge":
		id, err := strconv.ParseUint(path[1], 10, 64)
		if err != nil {
			return bad("challenge id must be a number")
		}
		ch, ok := k.Challenge(ctx, id)
		if !ok {
			return nil, k.noChallenge(ctx, id)
		}
		return json.Marshal(ch)
	case len(path) == 3 && path[0] == "history":
		// history/mn/<addr> or history/art/<id>: latest 100 challenges.
		var prefix []byte
		switch path[1] {
		case "mn":
			a, err := secp256k1.ParseAddress(path[2])
			if err != nil {
				return bad("%v", err)
			}
			prefix = key(pMnHistory, a[:])
		case "art":
			id, err := parseArt(path[2])
			if err != nil {
				return nil, err
			}
			prefix = key(pArtHistory, id)
		default:
			return bad("history/mn/ADDR or history/art/ID")
		}
		out := k.RecentChallenges(ctx, prefix, 100)
		if out == nil {
			out = []*storagepb.Challenge{}
		}
		return json.Marshal(out)
	case len(path) == 2 && path[0] == "health":
		id, err := parseArt(path[1])
		if err != nil {
			return nil, err
		}
		art, ok := k.Art(ctx, id)
		if !ok {
			return nil, types.ErrNotFound.Wrapf("no art %s", path[1])
		}
		return json.Marshal(k.ArtHealth(ctx, art))
	case len(path) == 2 && path[0] == "healing":
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return bad("%v", err)
		}
		out := k.HealTasksOf(ctx, a, 64)
		if out == nil {
			out = []storagepb.HealView{}
		}
		return json.Marshal(out)
	case len(path) == 2 && path[0] == "attesting":
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return bad("%v", err)
		}
		out := []storagepb.HexBytes{}
		for _, id := range k.Attesting(ctx, a, storagepb.MaxPage) {
			out = append(out, id)
		}
		return json.Marshal(out)
	case len(path) == 2 && path[0] == "chunks":
		id, err := parseArt(path[1])
		if err != nil {
			return nil, err
		}
		art, ok := k.Art(ctx, id)
		if !ok {
			return nil, types.ErrNotFound.Wrapf("no art %s", path[1])
		}
		out := []storagepb.ChunkView{}
		urls := map[string]string{}
		for s, st := range art.Stripes {
			for i, cid := range st.ChunkIds {
				cv := storagepb.ChunkView{Stripe: uint32(s), Index: uint32(i), ID: cid, Holders: []storagepb.HolderView{}}
				for _, c := range k.Holders(ctx, id, uint32(s), uint32(i)) {
					u, ok := urls[c.Masternode]
					if !ok {
						a, _ := secp256k1.ParseAddress(c.Masternode)
						if mn, ok := k.Masternode(ctx, a); ok {
							u = mn.Url
						}
						urls[c.Masternode] = u
					}
					cv.Holders = append(cv.Holders, storagepb.HolderView{Masternode: c.Masternode, URL: u, Confirmed: c.Confirmed})
				}
				out = append(out, cv)
			}
		}
		return json.Marshal(out)
	case len(path) == 3 && path[0] == "can-download":
		id, err := parseArt(path[1])
		if err != nil {
			return nil, err
		}
		a, err := secp256k1.ParseAddress(path[2])
		if err != nil {
			return bad("%v", err)
		}
		return json.Marshal(map[string]bool{"allowed": k.CanDownload(ctx, a, id)})
	case len(path) == 5 && path[0] == "may-fetch":
		// may-fetch/<art>/<stripe>/<index>/<addr>: may addr fetch that chunk
		// from a chunk daemon (MayFetch)?
		id, err := parseArt(path[1])
		if err != nil {
			return nil, err
		}
		stripe, err1 := strconv.ParseUint(path[2], 10, 32)
		index, err2 := strconv.ParseUint(path[3], 10, 32)
		if err1 != nil || err2 != nil {
			return bad("stripe and index must be numbers")
		}
		a, err := secp256k1.ParseAddress(path[4])
		if err != nil {
			return bad("%v", err)
		}
		return json.Marshal(k.MayFetch(ctx, a, id, uint32(stripe), uint32(index)))
	case len(path) == 2 && path[0] == "editions":
		id, err := parseArt(path[1])
		if err != nil {
			return nil, err
		}
		art, ok := k.Art(ctx, id)
		if !ok {
			return nil, types.ErrNotFound.Wrapf("no art %s", path[1])
		}
		type ed struct {
			Edition uint32           `json:"edition"`
			Owner   string           `json:"owner"`
			Offer   *storagepb.Offer `json:"offer,omitempty"`
		}
		out := []ed{}
		for e := uint32(1); e <= art.Editions && e <= storagepb.MaxPage; e++ {
			o, _ := k.EditionOwner(ctx, id, e)
			x := ed{Edition: e, Owner: o.String()}
			of := &storagepb.Offer{}
			if k.get(ctx, offerKey(id, e), of) {
				x.Offer = of
			}
			out = append(out, x)
		}
		return json.Marshal(out)
	case len(path) == 2 && path[0] == "owned":
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return bad("%v", err)
		}
		prefix := key(pOwned, a[:])
		it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
		defer it.Close()
		type owned struct {
			ArtID   string `json:"art_id"`
			Edition uint32 `json:"edition"`
		}
		out := []owned{}
		for ; it.Valid() && len(out) < storagepb.MaxPage; it.Next() {
			rest := it.Key()[len(prefix):]
			out = append(out, owned{ArtID: hexID(rest[:32]), Edition: binary.BigEndian.Uint32(rest[32:])})
		}
		return json.Marshal(out)
	case len(path) >= 1 && path[0] == "arts":
		// arts[/<after hex id, or - for the first>[/<limit>]]: up to
		// limit (storagepb.MaxPage) tickets in id order.
		if len(path) > 3 {
			return bad("arts[/AFTER[/LIMIT]]")
		}
		start := pArt
		if len(path) >= 2 && path[1] != "-" {
			id, err := parseArt(path[1])
			if err != nil {
				return nil, err
			}
			start = append(artKey(id), 0)
		}
		limit := storagepb.MaxPage
		if len(path) == 3 {
			n, err := strconv.Atoi(path[2])
			if err != nil || n < 1 || n > storagepb.MaxPage {
				return bad("limit %q: want 1 to %d", path[2], storagepb.MaxPage)
			}
			limit = n
		}
		it := k.kv(ctx).Iterator(start, types.PrefixEnd(pArt))
		defer it.Close()
		out := []json.RawMessage{}
		for ; it.Valid() && len(out) < limit; it.Next() {
			a := &storagepb.Art{}
			if err := proto.Unmarshal(it.Value(), a); err != nil {
				return nil, err
			}
			a.Stripes = nil // the list omits chunk ids; query art/<id> for them
			bz, _ := ArtJSON(a)
			out = append(out, bz)
		}
		return json.Marshal(out)
	}
	return nil, types.ErrNotFound.Wrapf("no storage query %v (try params, stats, below-target, heal-queue, mns, mn/ADDR, art/ID, arts, chunks/ID, assignments/MN, awaiting/MN, attesting/MN, challenges/MN, challenge/ID, history/mn/ADDR, history/art/ID, health/ID, healing/MN, can-download/ID/ADDR, may-fetch/ID/STRIPE/INDEX/ADDR, editions/ID, owned/ADDR)", path)
}

// ArtJSON renders a ticket for people: ids in hex.
func ArtJSON(a *storagepb.Art) ([]byte, error) {
	type stripe struct {
		K        uint32   `json:"k"`
		N        uint32   `json:"n"`
		ChunkIDs []string `json:"chunk_ids"`
	}
	v := struct {
		ID             string                   `json:"id"`
		Artist         string                   `json:"artist"`
		Title          string                   `json:"title"`
		MetadataHash   string                   `json:"metadata_hash"`
		ArchiveSize    uint64                   `json:"archive_size"`
		ChunkSize      uint32                   `json:"chunk_size"`
		Redundancy     uint32                   `json:"redundancy"`
		Stripes        []stripe                 `json:"stripes,omitempty"`
		Fingerprint    string                   `json:"fingerprint"`
		Editions       uint32                   `json:"editions"`
		Fee            string                   `json:"fee"`
		Status         string                   `json:"status"`
		Registered     int64                    `json:"registered_height"`
		Activated      int64                    `json:"activated_height,omitempty"`
		Attestations   []*storagepb.Attestation `json:"attestations"`
		OriginalityOK  bool                     `json:"originality_ok"`
		RejectReason   string                   `json:"reject_reason,omitempty"`
		AttestDeadline int64                    `json:"attest_deadline"`
		Encrypted      bool                     `json:"encrypted"`
	}{
		ID: hexID(a.Id), Artist: a.Artist, Title: a.Title, MetadataHash: hexID(a.MetadataHash), ArchiveSize: a.ArchiveSize,
		ChunkSize: a.ChunkSize, Redundancy: a.Redundancy, Fingerprint: fmt.Sprintf("%016x", a.Fingerprint), Editions: a.Editions,
		Fee: strconv.FormatUint(a.Fee, 10), Status: a.Status.String(), Registered: a.RegisteredHeight, Activated: a.ActivatedHeight,
		Attestations: a.Attestations, OriginalityOK: a.OriginalityOk, RejectReason: a.RejectReason, AttestDeadline: a.AttestDeadline,
		Encrypted: a.Encrypted,
	}
	for _, s := range a.Stripes {
		st := stripe{K: s.K, N: s.N}
		for _, c := range s.ChunkIds {
			st.ChunkIDs = append(st.ChunkIDs, hexID(c))
		}
		v.Stripes = append(v.Stripes, st)
	}
	return json.Marshal(v)
}

// CurrentValidators: see Keeper.CurrentValidators.
func (m Module) CurrentValidators(ctx *types.Context) []abci.ValidatorUpdate {
	return m.Keeper.CurrentValidators(ctx)
}
