package genesis

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/pastelchain/pastel/client/keyring"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/trust"
)

// LocalnetOptions describe a network of validators on one machine.
type LocalnetOptions struct {
	Dir        string
	ChainID    string
	Validators int
	// FullNodes are extra nodes (numbered after the validators) that are
	// not in the genesis validator set; a masternode can later make one a
	// validator with its consensus key.
	FullNodes    int
	StartingPort int // node i uses StartingPort + 10*i + {0: p2p, 1: rpc, 2: metrics}
	// FundEach gives every validator's key ("validator") this many npsl.
	FundEach uint64
	// ExtraAccounts are funded test-keyring keys created in node 0's home.
	ExtraAccounts map[string]uint64
	// BlockTime overrides timeout_commit (0 = default).
	BlockTimeMillis int
	AppConfig       AppConfig
	// TrustSeeds: "validators" (or ""): storage's challenger plus every
	// validator's account as a voting seed; "challenger": the challenger
	// only; "none": no seeds (no trust scores).
	TrustSeeds string
}

// NodeInfo describes one generated node.
type NodeInfo struct {
	Home    string
	RPC     string
	P2P     string
	NodeID  string
	Address string // the validator's account address
}

// Ports returns node i's p2p, rpc and metrics ports.
func (o LocalnetOptions) Ports(i int) (p2p, rpc, metrics int) {
	base := o.StartingPort + 10*i
	return base, base + 1, base + 2
}

// Localnet writes o.Validators node homes under o.Dir wired to each other on
// 127.0.0.1, with one shared genesis.
func Localnet(o LocalnetOptions) ([]NodeInfo, error) {
	if o.Validators < 1 {
		return nil, fmt.Errorf("--validators must be at least 1")
	}
	if o.FullNodes < 0 {
		return nil, fmt.Errorf("--full-nodes must not be negative")
	}
	if o.StartingPort <= 0 || o.StartingPort+10*(o.Validators+o.FullNodes) > 65535 {
		return nil, fmt.Errorf("--starting-port %d leaves no room for %d nodes", o.StartingPort, o.Validators+o.FullNodes)
	}
	nodes := make([]NodeInfo, o.Validators+o.FullNodes)
	var vals []cmttypes.GenesisValidator
	for i := range nodes {
		home := filepath.Join(o.Dir, fmt.Sprintf("node%d", i))
		if _, err := os.Stat(filepath.Join(home, "config", "genesis.json")); err == nil {
			return nil, fmt.Errorf("%s already holds a node; remove %s first", home, o.Dir)
		}
		conf, keys, err := InitHome(home)
		if err != nil {
			return nil, err
		}
		_ = conf
		pub, err := keys.Val.GetPubKey()
		if err != nil {
			return nil, err
		}
		if i < o.Validators {
			vals = append(vals, cmttypes.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: fmt.Sprintf("node%d", i)})
		}
		kr, _ := keyring.Open(home, keyring.BackendTest, nil)
		rec, err := kr.Add("validator")
		if err != nil {
			return nil, err
		}
		p2p, rpc, _ := o.Ports(i)
		nodes[i] = NodeInfo{Home: home, NodeID: string(keys.NodeID), Address: rec.Address,
			P2P: fmt.Sprintf("127.0.0.1:%d", p2p), RPC: fmt.Sprintf("http://127.0.0.1:%d", rpc)}
	}
	doc, err := New(o.ChainID, vals)
	if err != nil {
		return nil, err
	}
	genPath := filepath.Join(nodes[0].Home, "config", "genesis.json")
	if err := doc.SaveAs(genPath); err != nil {
		return nil, err
	}
	if o.BlockTimeMillis > 0 {
		// The reward schedule's months are wall time: blocks at this
		// network's block time.
		n := rewards.SeedEmissionEpochs(timeMillis(o.BlockTimeMillis), rewards.DefaultParams().EpochLength)
		if err := SetParam(genPath, "rewards.params.emission_epochs", strconv.FormatUint(n, 10)); err != nil {
			return nil, err
		}
	}
	// The validators' accounts are the voting trust seeds (next to storage's
	// challenger): they approve seed changes.
	var seeds []trust.GenesisSeed
	switch o.TrustSeeds {
	case "", "validators":
		var voting []secp256k1.Address
		for i := range vals {
			a, err := parseAddr(nodes[i].Address)
			if err != nil {
				return nil, err
			}
			voting = append(voting, a)
		}
		seeds = DefaultSeeds(voting...)
	case "challenger":
		seeds = DefaultSeeds()
	case "none":
	default:
		return nil, fmt.Errorf("--trust-seeds %q: want validators, challenger or none", o.TrustSeeds)
	}
	if err := SetSeeds(genPath, seeds); err != nil {
		return nil, err
	}
	for i, n := range nodes {
		if err := fund(genPath, n.Address, o.FundEach); err != nil {
			return nil, err
		}
		if i >= len(vals) {
			continue
		}
		addr, _ := parseAddr(n.Address)
		if err := SetValidatorPayout(genPath, vals[i].Address.String(), addr); err != nil {
			return nil, err
		}
	}
	kr0, _ := keyring.Open(nodes[0].Home, keyring.BackendTest, nil)
	for _, name := range sortedKeys(o.ExtraAccounts) {
		rec, err := kr0.Add(name)
		if err != nil {
			return nil, err
		}
		if err := fund(genPath, rec.Address, o.ExtraAccounts[name]); err != nil {
			return nil, err
		}
	}
	final, err := os.ReadFile(genPath)
	if err != nil {
		return nil, err
	}
	for i, n := range nodes {
		conf, _, err := InitHome(n.Home)
		if err != nil {
			return nil, err
		}
		DefaultNodeConfig(conf, fmt.Sprintf("node%d", i))
		if o.BlockTimeMillis > 0 {
			conf.Consensus.TimeoutCommit = timeMillis(o.BlockTimeMillis)
		}
		p2p, rpc, metrics := o.Ports(i)
		conf.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", p2p)
		conf.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", rpc)
		conf.Instrumentation.PrometheusListenAddr = fmt.Sprintf("127.0.0.1:%d", metrics)
		conf.P2P.AllowDuplicateIP = true
		conf.P2P.AddrBookStrict = false
		conf.P2P.PexReactor = false
		var peers []string
		for j, m := range nodes {
			if j != i {
				peers = append(peers, m.NodeID+"@"+m.P2P)
			}
		}
		conf.P2P.PersistentPeers = strings.Join(peers, ",")
		if err := WriteConfig(conf, o.AppConfig); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(n.Home, "config", "genesis.json"), final, 0o600); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

func fund(genPath, bech string, amount uint64) error {
	if amount == 0 {
		return nil
	}
	addr, err := parseAddr(bech)
	if err != nil {
		return err
	}
	return AddAccount(genPath, addr, amount)
}

// Port blocks for test networks come from below Linux's default ephemeral
// range (32768-60999), so outgoing connections never hold a port a
// restarting node wants to listen on again.
const (
	minPortBase = 10000
	maxPortEnd  = 32768
)

var (
	portMu    sync.Mutex
	portTaken [][2]int // blocks handed out by this process: [base, end)
)

// FreePortBase finds a starting port with n*10 free ports above it, for
// tests that start networks. A block is free now (every port can be
// bound) and does not overlap any block this process handed out before:
// several networks in one test get disjoint ports even though none of
// them listens yet when the next is chosen.
func FreePortBase(n int) (int, error) {
	size := 10 * n
	if size <= 0 || size > maxPortEnd-minPortBase {
		return 0, fmt.Errorf("cannot find a block of %d ports", size)
	}
	portMu.Lock()
	defer portMu.Unlock()
	for try := 0; try < 200; try++ {
		base := minPortBase + rand.IntN(maxPortEnd-minPortBase-size)
		if overlapsTaken(base, base+size) || !portsFree(base, base+size) {
			continue
		}
		portTaken = append(portTaken, [2]int{base, base + size})
		return base, nil
	}
	return 0, fmt.Errorf("no free block of %d ports found between %d and %d", size, minPortBase, maxPortEnd)
}

func overlapsTaken(from, to int) bool {
	for _, b := range portTaken {
		if from < b[1] && b[0] < to {
			return true
		}
	}
	return false
}

func portsFree(from, to int) bool {
	for p := from; p < to; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
