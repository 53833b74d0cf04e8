package chunkd

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// syncFigures are the counts of the last commitment sync.
type syncFigures struct {
	Height      int64     `json:"height"`
	At          time.Time `json:"at"`
	Assignments int       `json:"assignments"`
	Confirmed   int       `json:"confirmed"`
	Unconfirmed int       `json:"unconfirmed"`
	// AwaitingRange: unconfirmed, stored, waiting one block for the
	// randomness that draws their proof of possession.
	AwaitingRange int `json:"awaiting_proof_range"`
	Missing       int `json:"missing"` // unconfirmed and not on disk yet
}

// Status is what `chunkd status` shows an operator.
type Status struct {
	Masternode string `json:"masternode"`
	PublicURL  string `json:"public_url"`
	Node       string `json:"node"`
	Height     int64  `json:"height"`
	// From the chain: standing, proven bytes, history.
	Standing        string      `json:"standing"`
	WithheldUntil   int64       `json:"withheld_until,omitempty"`
	ProvenBytes     uint64      `json:"proven_bytes"`
	ChallengesPass  uint64      `json:"challenges_passed"`
	ChallengesFail  uint64      `json:"challenges_failed"`
	LossesReported  uint64      `json:"losses_reported"`
	OpenChallenges  int         `json:"open_challenges"`
	HealTasks       int         `json:"heal_tasks"`
	AttestTasks     int         `json:"attestation_tasks"`
	ChainError      string      `json:"chain_error,omitempty"`
	LastSync        syncFigures `json:"last_sync"`
	ChunksOnDisk    int         `json:"chunks_on_disk"`
	BytesOnDisk     int64       `json:"bytes_on_disk"`
	Reclaimable     int         `json:"reclaimable_chunks"`
	ReclaimableB    int64       `json:"reclaimable_bytes"`
	GCGraceBlocks   int         `json:"gc_grace_blocks"`
	UnpullableHint  string      `json:"hint,omitempty"`
	AdversaryTestOn string      `json:"adversary,omitempty"`
}

// status gathers the operator's view: local figures plus the chain's record.
func (d *Daemon) status(ctx context.Context) Status {
	s := Status{Masternode: d.addr.String(), PublicURL: d.cfg.PublicURL, Node: d.cfg.Node, Height: d.height.Load(),
		GCGraceBlocks: d.cfg.GCGraceBlocks, AdversaryTestOn: d.cfg.Adversary}
	d.gcMu.Lock()
	s.LastSync = d.lastSync
	d.gcMu.Unlock()
	s.ChunksOnDisk, s.BytesOnDisk, s.Reclaimable, s.ReclaimableB = d.gcFigures()
	m, err := d.chain.Masternode(ctx, d.addr)
	switch {
	case err != nil:
		s.ChainError = err.Error()
		return s
	case m == nil:
		s.Standing = "not registered (pasteld mn register)"
		return s
	}
	s.Standing = standing(m, s.Height)
	s.WithheldUntil, s.ProvenBytes, s.LossesReported = m.WithheldUntil, m.ProvenBytes, m.LossesReported
	s.ChallengesPass, s.ChallengesFail = m.ChallengesPassed, m.ChallengesFailed
	var open []*storagepb.Challenge
	if err := d.chain.queryJSON(ctx, "/storage/challenges/"+d.addr.String(), &open); err == nil {
		s.OpenChallenges = len(open)
	}
	var heals []storage.HealView
	if err := d.chain.queryJSON(ctx, "/storage/healing/"+d.addr.String(), &heals); err == nil {
		s.HealTasks = len(heals)
	}
	if at, err := d.chain.Attesting(ctx, d.addr); err == nil {
		s.AttestTasks = len(at)
	}
	if s.LastSync.Missing > 0 {
		s.UnpullableHint = "unconfirmed chunks are still being pulled; see the log's \"chunks not pulled\" warnings if this stays"
	}
	return s
}

// standing names a masternode's state the way an operator needs it.
func standing(m *storagepb.Masternode, height int64) string {
	switch {
	case m.Status == storagepb.MasternodeStatus_MN_JAILED:
		return "JAILED since height " + itoa(m.JailedHeight) + " (out of placement and rewards; `pasteld mn unjail` once jail_blocks have passed)"
	case m.Status == storagepb.MasternodeStatus_MN_EXITING:
		return "EXITING (commitments moving away)"
	case m.WithheldUntil >= height:
		return "WITHHELD through height " + itoa(m.WithheldUntil) + " (a failed or missed challenge or an expired confirmation)"
	default:
		return "ACTIVE, in good standing"
	}
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (d *Daemon) handleStatus(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(d.status(ctx))
}
