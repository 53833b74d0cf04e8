// Command chain measures the chain's budgets (DESIGN.md §10, issue "A working
// chain"): committed signed transfers per second on a one-validator node over
// RPC, CheckTx verifications per second against the raw secp256k1 verify
// rate of the same machine in the same run, pasteld's resident memory under
// that load, and bytes of state per account.
//
//	go run ./bench/chain -pasteld build/pasteld -txs 10000 -clients 16
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/genesis"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/bank/bankpb"
)

func main() {
	bin := flag.String("pasteld", "build/pasteld", "pasteld binary")
	ntx := flag.Int("txs", 10000, "transfers to send")
	nclients := flag.Int("clients", 16, "concurrent RPC clients (one account each)")
	naccounts := flag.Int("state-accounts", 20000, "accounts for the bytes-per-account measurement")
	skipLoad := flag.Bool("skip-load", false, "skip the RPC load test")
	flag.Parse()

	fmt.Println("== chain benchmarks (figures measured on this machine, this run) ==")
	checkTxVsVerify()
	bytesPerAccount(*naccounts)
	if !*skipLoad {
		if err := rpcLoad(*bin, *ntx, *nclients); err != nil {
			fmt.Fprintln(os.Stderr, "rpc load:", err)
			os.Exit(1)
		}
	}
}

func key(i int) secp256k1.PrivKey {
	b := make([]byte, 32)
	copy(b, fmt.Sprintf("bench-key-%08d", i))
	b[31] = 1
	k, err := secp256k1.PrivKeyFromBytes(b)
	if err != nil {
		panic(err)
	}
	return k
}

func sendMsg(to secp256k1.Address, amt uint64) *txpb.Msg {
	m, _ := tx.Msg(bank.MsgSendType, &bankpb.MsgSend{To: to.String(), Amount: amt})
	return m
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// checkTxVsVerify: raw verify rate and CheckTx rate, alternating 5 rounds
// each so machine noise hits both alike; medians and their ratio.
func checkTxVsVerify() {
	const n = 3000
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, _ := app.New(app.Options{Logger: quiet})
	keys := make([]secp256k1.PrivKey, 50)
	var accs []bank.GenesisAccount
	for i := range keys {
		keys[i] = key(i)
		accs = append(accs, bank.GenesisAccount{Address: keys[i].PubKey().Address().String(), Balance: 1e15})
	}
	g := app.DefaultGenesis()
	g["bank"], _ = json.Marshal(bank.Genesis{Params: bank.DefaultParams(), Accounts: accs})
	st, _ := json.Marshal(g)
	ctx := context.Background()
	_, _ = a.InitChain(ctx, &abci.RequestInitChain{ChainId: "bench", InitialHeight: 1, AppStateBytes: st})
	_, _ = a.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 1, Hash: make([]byte, 32)})
	_, _ = a.Commit(ctx, &abci.RequestCommit{})

	var verifyRates, checkRates []float64
	nonce := make([]uint64, len(keys))
	to := key(9999).PubKey().Address()
	for round := 0; round < 5; round++ {
		// Raw verify of the same kind of signature over the same bytes.
		txs := make([][]byte, n)
		for i := range txs {
			k := i % len(keys)
			txs[i], _ = tx.Sign("bench", &txpb.TxBody{Messages: []*txpb.Msg{sendMsg(to, 1)}, Fee: 10_000, Nonce: nonce[k]}, keys[k])
			nonce[k]++
		}
		decoded := make([]*tx.Tx, n)
		for i, raw := range txs {
			decoded[i], _ = tx.Decode(raw, 0)
		}
		start := time.Now()
		for _, d := range decoded {
			if err := d.PubKey.Verify(tx.SignBytes("bench", d.BodyBytes), d.Signature); err != nil {
				panic(err)
			}
		}
		verifyRates = append(verifyRates, float64(n)/time.Since(start).Seconds())

		start = time.Now()
		for i, raw := range txs {
			res, _ := a.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw})
			if res.Code != 0 {
				panic(fmt.Sprintf("tx %d: %s", i, res.Log))
			}
		}
		checkRates = append(checkRates, float64(n)/time.Since(start).Seconds())
	}
	v, c := median(verifyRates), median(checkRates)
	fmt.Printf("raw secp256k1 verify:      %8.0f /s (median of 5 x %d)\n", v, n)
	fmt.Printf("CheckTx (decode+verify+ante+handler): %8.0f /s (median of 5 x %d)  = %.0f%% of raw verify (target >= 50%%)\n", c, n, 100*c/v)
}

// bytesPerAccount commits n accounts to an on-disk IAVL state and reports
// the disk it takes per account.
func bytesPerAccount(n int) {
	dir, _ := os.MkdirTemp("", "pastel-bench-state-")
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	_, _ = a.InitChain(ctx, &abci.RequestInitChain{ChainId: "bench", InitialHeight: 1})
	_, _ = a.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 1, Hash: make([]byte, 32)})
	_, _ = a.Commit(ctx, &abci.RequestCommit{})
	base := store.DiskUsage(dir)
	// Fund n fresh accounts through genesis-free minting: one block of transfers
	// would need n signatures; the state cost per account is what matters.
	keys := make([]secp256k1.Address, n)
	for i := range keys {
		keys[i] = secp256k1.ModuleAddress("bench-acct-" + strconv.Itoa(i))
	}
	if err := a.MintForBench(keys, 1000); err != nil {
		panic(err)
	}
	_, _ = a.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 2, Hash: make([]byte, 32)})
	_, _ = a.Commit(ctx, &abci.RequestCommit{})
	a.Close()
	size := store.DiskUsage(dir) - base
	fmt.Printf("state per account:        %8.0f bytes on disk (IAVL leaf + inner nodes + leveldb overhead, %d accounts, one version)\n", float64(size)/float64(n), n)
}

func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v * 1024
		}
	}
	return 0
}

// rpcLoad starts a one-validator node, sends ntx signed transfers from
// nclients concurrent clients over broadcast_tx_sync and measures the rate
// at which they are committed.
func rpcLoad(bin string, ntx, nclients int) error {
	dir, _ := os.MkdirTemp("", "pastel-bench-node-")
	defer os.RemoveAll(dir)
	base, err := genesis.FreePortBase(1)
	if err != nil {
		return err
	}
	out, err := exec.Command(bin, "testnet", "--validators", "1", "--output-dir", dir, "--starting-port", strconv.Itoa(base), "--chain-id", "bench").CombinedOutput()
	if err != nil {
		return fmt.Errorf("testnet: %v: %s", err, out)
	}
	home := filepath.Join(dir, "node0")
	keys := make([]secp256k1.PrivKey, nclients)
	for i := range keys {
		keys[i] = key(1000 + i)
		if err := genesis.AddAccount(filepath.Join(home, "config", "genesis.json"), keys[i].PubKey().Address(), 1e15); err != nil {
			return err
		}
	}
	logf, _ := os.Create(filepath.Join(dir, "node.log"))
	cmd := exec.Command(bin, "start", "--home", home)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	rpc := fmt.Sprintf("http://127.0.0.1:%d", base+1)
	c, _ := client.New(rpc)
	ctx := context.Background()
	for i := 0; ; i++ {
		if st, err := c.Status(ctx); err == nil && st.SyncInfo.LatestBlockHeight >= 2 {
			break
		}
		if i > 300 {
			return fmt.Errorf("node did not start; see %s", logf.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
	chainID, _ := c.ChainID(ctx)
	params, err := c.FeeParams(ctx)
	if err != nil {
		return err
	}
	// Pre-sign everything so the clients only measure the chain.
	per := (ntx + nclients - 1) / nclients
	signed := make([][][]byte, nclients)
	to := secp256k1.ModuleAddress("bench-sink")
	for ci := range signed {
		for j := 0; j < per; j++ {
			body := &txpb.TxBody{Messages: []*txpb.Msg{sendMsg(to, 1)}, Nonce: uint64(j)}
			body.Fee = client.EstimateFee(params, body, keys[ci])
			raw, _ := tx.Sign(chainID, body, keys[ci])
			signed[ci] = append(signed[ci], raw)
		}
	}
	st0, _ := c.Status(ctx)
	h0 := st0.SyncInfo.LatestBlockHeight
	var maxRSS atomic.Int64
	stopRSS := make(chan struct{})
	go func() {
		for {
			if r := rss(cmd.Process.Pid); r > maxRSS.Load() {
				maxRSS.Store(r)
			}
			select {
			case <-stopRSS:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	var refused atomic.Int64
	for ci := range signed {
		wg.Add(1)
		go func(txs [][]byte) {
			defer wg.Done()
			cc, _ := client.New(rpc)
			for _, raw := range txs {
				for {
					res, err := cc.RPC.BroadcastTxSync(ctx, raw)
					if err != nil {
						time.Sleep(20 * time.Millisecond)
						continue
					}
					if res.Code != 0 {
						refused.Add(1)
					}
					break
				}
			}
		}(signed[ci])
	}
	wg.Wait()
	sent := time.Since(start)
	total := int64(per * nclients)
	// Wait until every client's last nonce is committed.
	var committedAt time.Duration
	for {
		done := true
		for _, k := range keys {
			acc, _, err := c.Account(ctx, k.PubKey().Address(), false)
			if err != nil || acc.Nonce < uint64(per) {
				done = false
				break
			}
		}
		if done {
			committedAt = time.Since(start)
			break
		}
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("transactions not committed after 10 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stopRSS)
	st1, _ := c.Status(ctx)
	var inBlocks int64
	var blocks int
	for h := h0 + 1; h <= st1.SyncInfo.LatestBlockHeight; h++ {
		hh := h
		b, err := c.RPC.Block(ctx, &hh)
		if err == nil {
			inBlocks += int64(len(b.Block.Txs))
			if len(b.Block.Txs) > 0 {
				blocks++
			}
		}
	}
	fmt.Printf("RPC load: %d signed transfers from %d concurrent clients over broadcast_tx_sync, one validator, 1 s block time\n", total, nclients)
	fmt.Printf("  submitted in %.2fs (%.0f tx/s accepted by CheckTx; %d refused)\n", sent.Seconds(), float64(total)/sent.Seconds(), refused.Load())
	fmt.Printf("  committed tx/s:          %8.0f  (%d txs in %d blocks, all committed after %.2fs; target >= 1000)\n", float64(total)/committedAt.Seconds(), inBlocks, blocks, committedAt.Seconds())
	fmt.Printf("  pasteld max RSS:         %8.0f MiB during the load (budget < 1024)\n", float64(maxRSS.Load())/(1<<20))
	return nil
}
