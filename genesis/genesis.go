// Package genesis writes and checks genesis documents and node homes: the
// default parameters of a new chain, validation that names the bad field,
// and generation of single-node and multi-validator local networks.
package genesis

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
)

// Coin is one PSL in base units (npsl).
const Coin uint64 = 1_000_000_000

// FormatAmount prints npsl as psl with up to 9 decimals ("2.5psl").
func FormatAmount(n uint64) string {
	whole, frac := n/Coin, n%Coin
	if frac == 0 {
		return fmt.Sprintf("%dpsl", whole)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%09d", whole, frac), "0") + "psl"
}

// Load reads a genesis document and validates it fully.
func Load(path string) (*cmttypes.GenesisDoc, app.GenesisState, error) {
	doc, err := cmttypes.GenesisDocFromFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("genesis %s: %w", path, err)
	}
	g, err := Validate(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("genesis %s: %w", path, err)
	}
	return doc, g, nil
}

// Validate checks the CometBFT part and every module section.
func Validate(doc *cmttypes.GenesisDoc) (app.GenesisState, error) {
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, err
	}
	var g app.GenesisState
	if err := json.Unmarshal(doc.AppState, &g); err != nil {
		return nil, fmt.Errorf("app_state: %w", err)
	}
	if err := app.ValidateGenesis(g); err != nil {
		return nil, err
	}
	return g, nil
}

// DefaultSeeds are the trust seeds of a new chain: storage's challenger
// identity as a non-voting root, so every storage challenge outcome (an
// automatic edge from it) reaches the scores at once, plus voting seeds
// (pre-trust 1) for the accounts given, who can change the seed list
// later (two thirds of them). With no voting seed the list is fixed.
func DefaultSeeds(voting ...secp256k1.Address) []trust.GenesisSeed {
	seeds := []trust.GenesisSeed{{Address: storage.Challenger.String(), PreTrust: trust.Dec(score.One), NonVoting: true}}
	for _, a := range voting {
		seeds = append(seeds, trust.GenesisSeed{Address: a.String(), PreTrust: trust.Dec(score.One)})
	}
	return seeds
}

// SetSeeds replaces the trust seeds of the genesis file at path.
func SetSeeds(path string, seeds []trust.GenesisSeed) error {
	doc, g, err := Load(path)
	if err != nil {
		return err
	}
	tg, err := trust.ParseGenesis(g[trust.ModuleName])
	if err != nil {
		return err
	}
	tg.Seeds = seeds
	if g[trust.ModuleName], err = json.Marshal(tg); err != nil {
		return err
	}
	return save(path, doc, g)
}

// New returns a genesis document with default parameters, the default
// trust seeds (DefaultSeeds, no voting seed: add them with SetSeeds or
// `pasteld trust genesis-seed`) and no accounts.
func New(chainID string, vals []cmttypes.GenesisValidator) (*cmttypes.GenesisDoc, error) {
	g := app.DefaultGenesis()
	tg, err := trust.ParseGenesis(g[trust.ModuleName])
	if err != nil {
		return nil, err
	}
	tg.Seeds = DefaultSeeds()
	if g[trust.ModuleName], err = json.Marshal(tg); err != nil {
		return nil, err
	}
	st, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	params := cmttypes.DefaultConsensusParams()
	doc := &cmttypes.GenesisDoc{
		ChainID:         chainID,
		GenesisTime:     time.Now().UTC().Truncate(time.Second),
		InitialHeight:   1,
		ConsensusParams: params,
		Validators:      vals,
		AppState:        st,
	}
	return doc, doc.ValidateAndComplete()
}

// AddAccount funds addr in the genesis file at path.
func AddAccount(path string, addr secp256k1.Address, amount uint64) error {
	doc, g, err := Load(path)
	if err != nil {
		return err
	}
	var bg bank.Genesis
	if err := json.Unmarshal(g[bank.ModuleName], &bg); err != nil {
		return err
	}
	for _, a := range bg.Accounts {
		if a.Address == addr.String() {
			return fmt.Errorf("genesis already funds %s (with %d npsl)", addr, a.Balance)
		}
	}
	bg.Accounts = append(bg.Accounts, bank.GenesisAccount{Address: addr.String(), Balance: amount})
	if g[bank.ModuleName], err = json.Marshal(bg); err != nil {
		return err
	}
	return save(path, doc, g)
}

// NodeKeys are the files that identify a node.
type NodeKeys struct {
	NodeID p2p.ID
	Val    *privval.FilePV
}

// InitHome creates config/, data/, node key and validator key under home
// (keeping any that exist) and returns them. The config file is written by
// the caller once it has its settings.
func InitHome(home string) (*cfg.Config, *NodeKeys, error) {
	conf := cfg.DefaultConfig()
	conf.SetRoot(home)
	for _, d := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			return nil, nil, err
		}
	}
	nk, err := p2p.LoadOrGenNodeKey(conf.NodeKeyFile())
	if err != nil {
		return nil, nil, err
	}
	pv := privval.LoadOrGenFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	return conf, &NodeKeys{NodeID: nk.ID(), Val: pv}, nil
}

// DefaultNodeConfig tunes CometBFT's defaults for Pastel: 1 s blocks,
// kv transaction index (for `query tx`), Prometheus metrics on.
func DefaultNodeConfig(conf *cfg.Config, moniker string) {
	conf.Moniker = moniker
	conf.Consensus.TimeoutCommit = time.Second
	conf.TxIndex.Indexer = "kv"
	conf.Instrumentation.Prometheus = true
	conf.Mempool.Size = 20000
	conf.Mempool.MaxTxsBytes = 256 << 20
	conf.RPC.MaxOpenConnections = 1800
	conf.RPC.MaxSubscriptionClients = 200
}

// WriteConfig writes config/config.toml and config/app.toml.
func WriteConfig(conf *cfg.Config, appConf AppConfig) error {
	cfg.WriteConfigFile(filepath.Join(conf.RootDir, "config", "config.toml"), conf)
	return appConf.Save(conf.RootDir)
}

// SetParam sets app_state.<module>.params.<field> = value in the genesis
// file at path and validates the result. value is stored as a JSON number
// when it is one, as a string otherwise (uint64 fields encoded as strings
// accept either).
func SetParam(path, dotted, value string) error {
	parts := strings.Split(dotted, ".")
	if len(parts) != 3 || parts[1] != "params" {
		return fmt.Errorf("parameter %q: use MODULE.params.FIELD, e.g. storage.params.replication", dotted)
	}
	doc, g, err := Load(path)
	if err != nil {
		return err
	}
	section, ok := g[parts[0]]
	if !ok {
		return fmt.Errorf("no module %q in app_state", parts[0])
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(section, &m); err != nil {
		return err
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal(m["params"], &params); err != nil {
		return fmt.Errorf("%s.params: %w", parts[0], err)
	}
	old, known := params[parts[2]]
	if !known {
		names := make([]string, 0, len(params))
		for k := range params {
			names = append(names, k)
		}
		sort.Strings(names)
		return fmt.Errorf("%s.params has no field %q (fields: %s)", parts[0], parts[2], strings.Join(names, ", "))
	}
	var raw json.RawMessage
	if _, err := strconv.ParseInt(value, 10, 64); err == nil && !strings.HasPrefix(string(old), `"`) {
		raw = json.RawMessage(value)
	} else if value == "true" || value == "false" {
		raw = json.RawMessage(value)
	} else {
		raw, _ = json.Marshal(value)
	}
	params[parts[2]] = raw
	if m["params"], err = json.Marshal(params); err != nil {
		return err
	}
	if g[parts[0]], err = json.Marshal(m); err != nil {
		return err
	}
	return save(path, doc, g)
}

// SetValidatorPayout maps a genesis validator (its CometBFT address, hex) to
// the account its rewards are paid to (app_state.rewards.validator_payouts).
func SetValidatorPayout(path, valAddrHex string, to secp256k1.Address) error {
	doc, g, err := Load(path)
	if err != nil {
		return err
	}
	var section map[string]json.RawMessage
	if err := json.Unmarshal(g["rewards"], &section); err != nil {
		return fmt.Errorf("app_state.rewards: %w", err)
	}
	payouts := map[string]string{}
	if raw, ok := section["validator_payouts"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &payouts); err != nil {
			return fmt.Errorf("app_state.rewards.validator_payouts: %w", err)
		}
	}
	payouts[strings.ToUpper(valAddrHex)] = to.String()
	if section["validator_payouts"], err = json.Marshal(payouts); err != nil {
		return err
	}
	if g["rewards"], err = json.Marshal(section); err != nil {
		return err
	}
	return save(path, doc, g)
}

// AddMasternode registers a masternode at genesis
// (app_state.storage.masternodes). Its account must already be funded in
// bank.accounts with at least the collateral, which InitChain locks; with a
// consensus key it validates from the first block, and CometBFT's genesis
// validator list is then replaced by the set computed from the masternodes
// (x/storage/validators.go).
func AddMasternode(path string, m storage.GenesisMasternode) error {
	doc, g, err := Load(path)
	if err != nil {
		return err
	}
	var bg bank.Genesis
	if err := json.Unmarshal(g[bank.ModuleName], &bg); err != nil {
		return fmt.Errorf("app_state.bank: %w", err)
	}
	funded := false
	for _, a := range bg.Accounts {
		if a.Address == m.Address {
			funded = true
			if a.Balance < m.Collateral {
				return fmt.Errorf("%s has %d npsl in genesis, less than the collateral %d npsl (fund it with genesis add-account first)", m.Address, a.Balance, m.Collateral)
			}
		}
	}
	if !funded {
		return fmt.Errorf("%s is not funded in genesis: add it with genesis add-account (at least the collateral) first", m.Address)
	}
	var sg map[string]json.RawMessage
	if err := json.Unmarshal(g[storage.ModuleName], &sg); err != nil {
		return fmt.Errorf("app_state.storage: %w", err)
	}
	var mns []storage.GenesisMasternode
	if raw, ok := sg["masternodes"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &mns); err != nil {
			return fmt.Errorf("app_state.storage.masternodes: %w", err)
		}
	}
	for _, o := range mns {
		if o.Address == m.Address {
			return fmt.Errorf("%s is already a genesis masternode", m.Address)
		}
	}
	mns = append(mns, m)
	if sg["masternodes"], err = json.Marshal(mns); err != nil {
		return err
	}
	if g[storage.ModuleName], err = json.Marshal(sg); err != nil {
		return err
	}
	return save(path, doc, g)
}

// save writes the edited app state back into doc, validates the whole
// document and only then replaces the file at path.
func save(path string, doc *cmttypes.GenesisDoc, g app.GenesisState) error {
	var err error
	if doc.AppState, err = json.MarshalIndent(g, "", "  "); err != nil {
		return err
	}
	if _, err := Validate(doc); err != nil {
		return err
	}
	return doc.SaveAs(path)
}
