package rewards_test

import (
	"encoding/json"
	"testing"

	"github.com/pastelchain/pastel/x/rewards"
)

// FuzzParseGenesis: any bytes either fail with an error or parse into a
// section that validates again after re-encoding.
func FuzzParseGenesis(f *testing.F) {
	f.Add([]byte(rewards.Module{}.DefaultGenesis()))
	f.Add([]byte(`{"params":{"epoch_length":5},"validator_payouts":{"ABABABABABABABABABABABABABABABABABABABAB":"x"}}`))
	f.Add([]byte(`{"state":{"status":{"start_height":"1","genesis_supply":"0","emission_total":"1000000000000000000","closed_epochs":"1","pending":{"amount":"3","fees":"3"}}}}`))
	f.Add([]byte(`{"state":{"status":{"start_height":"1","emission_total":"1000000000000000000"},"signed":[{"validator":"AAAAAAAAAAAAAAAAAAAAAAAAAAA=","power":"5"}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		g, err := rewards.ParseGenesis(raw)
		if err != nil {
			return
		}
		bz, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rewards.ParseGenesis(bz); err != nil {
			t.Fatalf("re-encoded genesis fails: %v\n%s", err, bz)
		}
	})
}
