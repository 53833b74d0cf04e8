package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// combinedOf is the stored combined trust score of addr at height h (0:
// latest), and whether trust knows it.
func combinedOf(t *testing.T, n *node, addr string, h int64) (int64, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := n.client().Query(ctx, "/trust/score/"+addr, h, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Value) == 0 {
		return 0, false
	}
	var s trustpb.NodeScore
	if err := proto.Unmarshal(r.Value, &s); err != nil {
		t.Fatal(err)
	}
	return s.Combined, true
}

func masternodeAt(t *testing.T, n *node, addr string, h int64) *storagepb.Masternode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := n.client().Query(ctx, "/storage/mn/"+addr, h, false)
	if err != nil {
		t.Fatal(err)
	}
	var m storagepb.Masternode
	if err := proto.Unmarshal(r.Value, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// TestTrustWorksAtDefaults: a chain made by `pasteld testnet` with no trust
// settings has seeds (storage's challenger, the validators), so challenge
// outcomes become scores. A masternode whose chunkd dies is distrusted
// within a trust epoch, `trust why` names the challenger's edge, placement
// skips it even while its rewards are not withheld, and it earns nothing
// more, while the honest ones are trusted and keep earning.
func TestTrustWorksAtDefaults(t *testing.T) {
	sn := newStorageNet(t, 1, 4, map[string]string{
		"storage.params.replication":        "3",
		"storage.params.attest_window":      "400",
		"storage.params.challenge_interval": "3",
		"storage.params.challenge_deadline": "8",
		"storage.params.withhold_blocks":    "10",
		"storage.params.failure_window":     "400",
		// Neither reassigned nor jailed: trust alone keeps it out.
		"storage.params.reassign_failures": "60",
		"storage.params.jail_failures":     "60",
		"trust.params.epoch_blocks":        "10",
		"rewards.params.epoch_length":      "10",
	})
	n := sn.nodes[0]
	var seeds struct {
		Seeds []struct {
			Address   string `json:"address"`
			NonVoting bool   `json:"non_voting"`
		} `json:"seeds"`
	}
	if err := json.Unmarshal([]byte(run(t, "trust", "seeds", "-o", "json", "--node", n.rpc)), &seeds); err != nil {
		t.Fatal(err)
	}
	voting, challenger := 0, false
	for _, s := range seeds.Seeds {
		challenger = challenger || s.Address == storage.Challenger.String() && s.NonVoting
		if !s.NonVoting {
			voting++
		}
	}
	if !challenger || voting != 1 {
		t.Fatalf("testnet seeds %+v: want the challenger (non-voting) and the validator", seeds)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "a.png")
	writePNG(t, p, noisyPainting(99, 240, 160))
	if _, err := sn.register(t, p, "faucet", "Trusted"); err != nil {
		t.Fatal(err)
	}
	dead, honest := sn.mnAddr[0], sn.mnAddr[1]
	sn.waitAllConfirmed(t, dead, 60*time.Second) // only confirmed chunks are challenged
	sn.mns[0].kill()
	waitFor(t, "the dead masternode to be distrusted", 120*time.Second, func() bool {
		c, known := combinedOf(t, n, dead, 0)
		return known && c < 0
	})
	if c, known := combinedOf(t, n, honest, 0); !known || c <= 0 {
		t.Fatalf("an honest masternode's score: %d (known %v)", c, known)
	}
	why := run(t, "trust", "why", dead, "--node", n.rpc)
	t.Logf("trust why %s:\n%s", dead, why)
	if !strings.Contains(why, storage.Challenger.String()) {
		t.Fatalf("trust why does not name the challenger's edge:\n%s", why)
	}
	deadEarned, honestEarned := sn.earned(t, dead).AsMasternode, sn.earned(t, honest).AsMasternode
	failedAtDistrust := sn.masternode(t, dead).ChallengesFailed

	// Placement skips it while trust says no, even in blocks where its
	// rewards are not withheld (it is audited again after each withholding
	// and fails again). Registrations are retried until one lands in such a
	// block; its chunks then all go to the others.
	checked := false
	for try := 0; try < 6 && !checked; try++ {
		waitFor(t, "a block where the dead masternode is not withheld", 60*time.Second, func() bool {
			h := n.height()
			m := masternodeAt(t, n, dead, h)
			c, _ := combinedOf(t, n, dead, h)
			return m.WithheldUntil < h && c < 0
		})
		q := filepath.Join(dir, fmt.Sprintf("b%d.png", try))
		writePNG(t, q, noisyPainting(int64(200+try), 200, 140))
		id, err := sn.register(t, q, "faucet", fmt.Sprintf("Placed %d", try))
		if err != nil {
			msg := err.Error()
			if i := strings.Index(msg, "Error:"); i >= 0 {
				msg = msg[i:]
			}
			t.Fatalf("register: %.600s", msg)
		}
		a := ticketOf(t, n, id)
		h := a.RegisteredHeight
		m := masternodeAt(t, n, dead, h)
		c, _ := combinedOf(t, n, dead, h)
		if m.WithheldUntil >= h || c >= 0 {
			t.Logf("registration %d landed at %d with the dead masternode withheld until %d / score %d: again", try, h, m.WithheldUntil, c)
			continue
		}
		var chunks []storagepb.ChunkView
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = n.client().QueryJSON(ctx, "/storage/chunks/"+id, &chunks)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range chunks {
			for _, hv := range ch.Holders {
				if hv.Masternode == dead {
					t.Fatalf("art registered at height %d (dead masternode in good standing, score %d) placed chunk %d/%d on it", h, c, ch.Stripe, ch.Index)
				}
			}
		}
		t.Logf("art registered at %d: none of its %d chunks on the distrusted masternode (not withheld, score %d)", h, len(chunks), c)
		checked = true
	}
	if !checked {
		t.Fatal("no registration landed in a block where the distrusted masternode was in good standing")
	}

	// Two reward epochs later: nothing more for it, more for the honest.
	h := n.height()
	n.waitHeight(h+25, 60*time.Second)
	if got := sn.earned(t, dead).AsMasternode; got != deadEarned {
		t.Fatalf("the distrusted masternode earned %d more", got-deadEarned)
	}
	if got := sn.earned(t, honest).AsMasternode; got <= honestEarned {
		t.Fatalf("an honest masternode earned nothing in two epochs (%d -> %d)", honestEarned, got)
	}
	// Distrusted, it is still audited (it still holds chunks): the failures
	// go on, and an honest restart would pass and earn trust back.
	if got := sn.masternode(t, dead).ChallengesFailed; got <= failedAtDistrust {
		t.Fatalf("the distrusted masternode was not challenged again (%d failures at distrust, %d now)", failedAtDistrust, got)
	}
	if e := trustEpochOf(t, n); e.Identities < 5 {
		t.Fatalf("trust epoch counts %d identities; want the seeds and the masternodes", e.Identities)
	}
}

// TestDistrustCostsVotingPower: on default seeds, a masternode validator's
// power follows its trust. Unknown at first (half its collateral power),
// it gains power as its passed challenges make it trusted; when its chunkd
// dies it is distrusted and its power goes to 0, so CometBFT drops it,
// before any jailing (jail is set out of reach here).
func TestDistrustCostsVotingPower(t *testing.T) {
	net := newNetworkWithFullNodes(t, 4, 1)
	sn := newStorageNetOn(t, net, 4, map[string]string{
		"storage.params.replication":        "3",
		"storage.params.attest_window":      "400",
		"storage.params.challenge_interval": "3",
		"storage.params.challenge_deadline": "8",
		"storage.params.withhold_blocks":    "10",
		"storage.params.failure_window":     "400",
		"storage.params.reassign_failures":  "60",
		"storage.params.jail_failures":      "60",
		"trust.params.epoch_blocks":         "10",
		// 1,000,000 psl of collateral is 10 power units, like a genesis
		// validator: below the 30% cap, so trust shows in the power.
		"trust.params.power.power_unit": "100000000000000",
	})
	full := net.nodes[4]
	sv := showValidator(t, full)
	mn := sn.mns[0]
	joined := sn.validateWith(t, 0, full, sv.Address)
	unknownPower := cometValidators(t, net.nodes[0], joined)[sv.Address]
	p := filepath.Join(t.TempDir(), "v.png")
	writePNG(t, p, noisyPainting(77, 300, 200))
	if _, err := sn.register(t, p, "faucet", "Power"); err != nil {
		t.Fatal(err)
	}
	sn.waitAllConfirmed(t, sn.mnAddr[0], 60*time.Second)
	var trustedPower int64
	waitFor(t, "trust to raise the masternode validator's power", 90*time.Second, func() bool {
		trustedPower = cometValidators(t, net.nodes[0], 0)[sv.Address]
		return trustedPower > unknownPower
	})
	c, _ := combinedOf(t, net.nodes[0], sn.mnAddr[0], 0)
	t.Logf("power %d unknown, %d trusted (combined score %d)", unknownPower, trustedPower, c)

	mn.kill()
	var dropped int64
	waitFor(t, "CometBFT to drop the distrusted validator", 120*time.Second, func() bool {
		h := net.nodes[0].height()
		if _, in := cometValidators(t, net.nodes[0], h)[sv.Address]; !in {
			dropped = h
			return true
		}
		return false
	})
	// The drop is trust's doing: at the height CometBFT applied it from
	// (updates take effect two blocks later), the masternode was active,
	// not jailed, and distrusted.
	at := dropped - 2
	m := masternodeAt(t, net.nodes[0], sn.mnAddr[0], at)
	c, known := combinedOf(t, net.nodes[0], sn.mnAddr[0], at)
	if m.Status != storagepb.MasternodeStatus_MN_ACTIVE || !known || c >= 0 {
		t.Fatalf("at height %d: status %v, score %d (known %v); want active and distrusted", at, m.Status, c, known)
	}
	t.Logf("dropped at %d: active, combined score %d, %d challenges failed", dropped, c, m.ChallengesFailed)
}
