package chunkd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

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
	var heals []storagepb.HealView
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

// FetchStatus asks the chunkd listening at listen (host:port) for its status.
func FetchStatus(ctx context.Context, listen string) (*Status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+listen+"/v1/status", nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("chunkd at %s does not answer (is `chunkd start` running?): %w", listen, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("chunkd at %s: status %d", listen, res.StatusCode)
	}
	var s Status
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&s); err != nil {
		return nil, fmt.Errorf("chunkd at %s: bad status: %w", listen, err)
	}
	return &s, nil
}

// WriteText renders a status for a person.
func (s *Status) WriteText(w io.Writer) {
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Fprintf(w, "masternode   %s\n", s.Masternode)
	fmt.Fprintf(w, "url          %s (node %s, height %d)\n", s.PublicURL, s.Node, s.Height)
	if s.ChainError != "" {
		fmt.Fprintf(w, "chain        unreachable: %s\n", s.ChainError)
	} else {
		fmt.Fprintf(w, "standing     %s\n", s.Standing)
		fmt.Fprintf(w, "proven       %s (paid for; only chunks whose last proof passed)\n", mib(int64(s.ProvenBytes)))
		fmt.Fprintf(w, "challenges   %d passed, %d failed, %d open\n", s.ChallengesPass, s.ChallengesFail, s.OpenChallenges)
		fmt.Fprintf(w, "losses       %d chunks reported lost\n", s.LossesReported)
		fmt.Fprintf(w, "tasks        %d heal, %d attestation\n", s.HealTasks, s.AttestTasks)
	}
	ls := s.LastSync
	fmt.Fprintf(w, "assignments  %d: %d confirmed, %d unconfirmed (%d to pull, %d waiting a block for their proof range) at height %d\n",
		ls.Assignments, ls.Confirmed, ls.Unconfirmed, ls.Missing, ls.AwaitingRange, ls.Height)
	fmt.Fprintf(w, "disk         %d chunks, %s\n", s.ChunksOnDisk, mib(s.BytesOnDisk))
	gc := fmt.Sprintf("deleted %d blocks after their commitment moves away", s.GCGraceBlocks)
	if s.GCGraceBlocks == 0 {
		gc = "kept (gc-grace-blocks = 0)"
	}
	fmt.Fprintf(w, "reclaimable  %d chunks, %s no longer committed here: %s\n", s.Reclaimable, mib(s.ReclaimableB), gc)
	if s.UnpullableHint != "" {
		fmt.Fprintf(w, "note         %s\n", s.UnpullableHint)
	}
	if s.AdversaryTestOn != "" {
		fmt.Fprintf(w, "WARNING      adversary test mode %q is on: this masternode cheats and will be caught\n", s.AdversaryTestOn)
	}
}
