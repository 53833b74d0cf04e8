package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

// TestRewardsPaidToValidatorPayout: a one-validator chain with 5-block
// epochs and the validator mapped to a fresh payout address. Epoch 0's pool
// is paid at height 11, all of the validators' share to that address; the
// CLI shows the epoch status, the settled epoch and the earnings, and the
// supply is the genesis supply plus what was emitted.
func TestRewardsPaidToValidatorPayout(t *testing.T) {
	net := newNetwork(t, 1)
	n := net.nodes[0]
	payout := secp256k1.ModuleAddress("e2e-validator-payout").String()
	genPath := filepath.Join(n.home, "config", "genesis.json")
	run(t, "genesis", "set-param", "rewards.params.epoch_length", "5", "--home", n.home)
	run(t, "genesis", "set-param", "rewards.params.validators_share_ppm", "400000", "--home", n.home)
	var pv struct {
		Address string `json:"address"`
	}
	bz, err := os.ReadFile(filepath.Join(n.home, "config", "priv_validator_key.json"))
	if err != nil || json.Unmarshal(bz, &pv) != nil {
		t.Fatalf("validator key: %v", err)
	}
	editGenesis(t, genPath, func(app map[string]json.RawMessage) {
		var rw map[string]json.RawMessage
		if err := json.Unmarshal(app["rewards"], &rw); err != nil {
			t.Fatal(err)
		}
		rw["validator_payouts"], _ = json.Marshal(map[string]string{pv.Address: payout})
		app["rewards"], _ = json.Marshal(rw)
	})
	run(t, "genesis", "validate", "--home", n.home)
	supply0 := genesisSupply(t, genPath)
	n.start()
	n.waitHeight(12, 60*time.Second)

	var st struct {
		Height               int64  `json:"height"`
		SettledEpochs        uint64 `json:"settled_epochs"`
		NextSettlementHeight int64  `json:"next_settlement_height"`
		Emitted              string `json:"emitted"`
		CumulativePaid       string `json:"cumulative_paid"`
	}
	if err := json.Unmarshal([]byte(run(t, "rewards", "show", "--node", n.rpc, "-o", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.SettledEpochs < 1 || st.NextSettlementHeight <= st.Height {
		t.Fatalf("status %+v", st)
	}
	var rec struct {
		Epoch          string `json:"epoch"`
		Pool           string `json:"pool"`
		ValidatorsPool string `json:"validators_pool"`
		ValidatorsPaid string `json:"validators_paid"`
		SettledHeight  string `json:"settled_height"`
	}
	if err := json.Unmarshal([]byte(run(t, "rewards", "epoch", "0", "--node", n.rpc, "-o", "json")), &rec); err != nil {
		t.Fatal(err)
	}
	pool, _ := strconv.ParseUint(rec.Pool, 10, 64)
	vp, _ := strconv.ParseUint(rec.ValidatorsPool, 10, 64)
	if rec.SettledHeight != "11" || pool == 0 || vp != pool*4/10 || rec.ValidatorsPaid != rec.ValidatorsPool {
		t.Fatalf("epoch 0 record %+v: want pool > 0, 40%% to the validator, all of it paid, settled at 11", rec)
	}
	var ern struct {
		Paid        string `json:"paid"`
		AsValidator string `json:"as_validator"`
	}
	if err := json.Unmarshal([]byte(run(t, "rewards", "earned", payout, "--node", n.rpc, "-o", "json")), &ern); err != nil {
		t.Fatal(err)
	}
	paid, _ := strconv.ParseUint(ern.Paid, 10, 64)
	if paid < vp || ern.AsValidator != ern.Paid {
		t.Fatalf("earnings %+v, want at least epoch 0's %d, all as validator", ern, vp)
	}
	// Text output names what a person looks for.
	for _, want := range []string{"next settlement", "pending pool", "withheld"} {
		if out := run(t, "rewards", "show", "--node", n.rpc); !strings.Contains(out, want) {
			t.Fatalf("rewards show lacks %q:\n%s", want, out)
		}
	}
	if out := run(t, "rewards", "epoch", "0", "--node", n.rpc); !strings.Contains(out, "carried out") {
		t.Fatalf("rewards epoch 0:\n%s", out)
	}
	// Emission is the only change to the supply: read both at one height.
	for try := 0; ; try++ {
		var sup struct {
			Height int64  `json:"height"`
			Supply string `json:"supply"`
		}
		if err := json.Unmarshal([]byte(run(t, "query", "bank", "supply", "--node", n.rpc, "-o", "json")), &sup); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(run(t, "rewards", "show", "--node", n.rpc, "-o", "json")), &st); err != nil {
			t.Fatal(err)
		}
		if st.Height != sup.Height {
			if try == 20 {
				t.Fatal("never read supply and rewards status at the same height")
			}
			continue
		}
		supply, _ := strconv.ParseUint(sup.Supply, 10, 64)
		emitted, _ := strconv.ParseUint(st.Emitted, 10, 64)
		if emitted == 0 || supply != supply0+emitted {
			t.Fatalf("height %d: supply %d, want genesis %d + emitted %d", sup.Height, supply, supply0, emitted)
		}
		break
	}
}

// genesisSupply adds up the bank accounts of a genesis file.
func genesisSupply(t *testing.T, path string) uint64 {
	t.Helper()
	var total uint64
	withAppState(t, path, func(app map[string]json.RawMessage) {
		var b struct {
			Accounts []struct {
				Balance string `json:"balance"`
			} `json:"accounts"`
		}
		if err := json.Unmarshal(app["bank"], &b); err != nil {
			t.Fatal(err)
		}
		for _, a := range b.Accounts {
			v, err := strconv.ParseUint(a.Balance, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			total += v
		}
	})
	return total
}

// editGenesis rewrites the app_state of a genesis file through edit.
func editGenesis(t *testing.T, path string, edit func(app map[string]json.RawMessage)) {
	t.Helper()
	doc := withAppState(t, path, edit)
	out, _ := json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// withAppState calls fn with the app_state of a genesis file and returns
// the document with fn's changes (not written).
func withAppState(t *testing.T, path string, fn func(app map[string]json.RawMessage)) map[string]json.RawMessage {
	t.Helper()
	bz, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(bz, &doc); err != nil {
		t.Fatal(err)
	}
	var app map[string]json.RawMessage
	if err := json.Unmarshal(doc["app_state"], &app); err != nil {
		t.Fatal(err)
	}
	fn(app)
	doc["app_state"], _ = json.Marshal(app)
	return doc
}
