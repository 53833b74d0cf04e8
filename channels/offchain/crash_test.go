package offchain_test

import (
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/channels/offchain"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// crashChild is set in the environment of the child process that pays in a
// loop until it is killed.
const crashChild = "PASTEL_CHANNEL_CRASH_CHILD"

type crashSetup struct {
	HomeA, HomeB string
	ID           []byte
}

// TestCrashDuringPaymentsLosesNothing kills a process making payments
// between two wallets (both homes in the same process, so the kill can land
// between any two steps of an exchange, or inside a write) several times
// and checks after each kill that both files decode, that the two wallets
// are at most one version apart in exactly the way the protocol allows, and
// that the exchange can be finished or safely dropped.
func TestCrashDuringPaymentsLosesNothing(t *testing.T) {
	if os.Getenv(crashChild) != "" {
		runCrashChild(t)
		return
	}
	if testing.Short() {
		t.Skip("kills child processes")
	}
	d := newDuo(t, 1_000_000, 1_000_000)
	setup, _ := json.Marshal(crashSetup{HomeA: d.homeA, HomeB: d.homeB, ID: d.id})
	rng := rand.New(rand.NewSource(1))
	lastVersion := uint64(0)
	for round := 0; round < 6; round++ {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestCrashDuringPaymentsLosesNothing$")
		cmd.Env = append(os.Environ(), crashChild+"="+string(setup))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it make progress (it may start slowly, e.g. under -race),
		// then kill it at a random moment.
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			b, err := offchain.ReadFile(filepath.Join(d.wb.Dir(), hexID(d.id)+".json"))
			if err == nil {
				if wc, err := offchain.DecodeWalletChannel(b); err == nil && wc.Latest.State.Version > lastVersion+1 {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.Intn(60)) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()

		a, b := load(t, d.homeA, d.id), load(t, d.homeB, d.id)
		for _, wc := range []*pb.WalletChannel{a, b} {
			if err := state.VerifyState(chainID, wc.Latest, d.ka.PubKey(), d.kb.PubKey()); err != nil && wc.Latest.State.Version > 0 {
				t.Fatalf("round %d: stored latest state does not verify: %v", round, err)
			}
		}
		va, vb := a.Latest.State.Version, b.Latest.State.Version
		switch {
		case a.Pending == nil && va == vb:
			// Between exchanges.
		case a.Pending != nil && vb == va:
			// A proposed; B never stored it: dropping it is safe.
			if err := d.wa.Retract(d.id); err != nil {
				t.Fatal(err)
			}
		case a.Pending != nil && vb == va+1:
			// B countersigned; the answer never reached A: deliver it again.
			if !proto.Equal(a.Pending.State, b.Latest.State) {
				t.Fatalf("round %d: B holds a version %d other than the one A signed", round, vb)
			}
			if err := d.wa.Complete(&pb.Update{ChainId: chainID, ChannelId: d.id, State: b.Latest}); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("round %d: impossible pair: A v%d (pending %v), B v%d", round, va, a.Pending != nil, vb)
		}
		a = load(t, d.homeA, d.id)
		if !proto.Equal(a.Latest, load(t, d.homeB, d.id).Latest) {
			t.Fatalf("round %d: wallets disagree after recovery", round)
		}
		if a.Latest.State.Version < lastVersion {
			t.Fatalf("round %d: version went back from %d to %d", round, lastVersion, a.Latest.State.Version)
		}
		lastVersion = a.Latest.State.Version
		if mine, theirs := offchain.Balances(a); mine+theirs != 2_000_000 || theirs != 1_000_000+lastVersion {
			t.Fatalf("round %d: balances %d/%d at version %d", round, mine, theirs, lastVersion)
		}
	}
	if lastVersion == 0 {
		t.Fatal("the child never completed a payment")
	}
	t.Logf("%d payments survived 6 kills", lastVersion)
}

func runCrashChild(t *testing.T) {
	var s crashSetup
	if err := json.Unmarshal([]byte(os.Getenv(crashChild)), &s); err != nil {
		t.Fatal(err)
	}
	wa, err := offchain.Open(s.HomeA)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := offchain.Open(s.HomeB)
	if err != nil {
		t.Fatal(err)
	}
	env := offchain.Env{Env: state.Env{Height: 100, Limits: state.DefaultLimits, DepositA: 1_000_000, DepositB: 1_000_000}, MinExpiryDelta: 10}
	op := &pb.Op{Kind: state.OpPay, Party: A, Amount: 1}
	for {
		upd, err := wa.Propose(s.ID, key(1), op, env)
		if err != nil {
			t.Fatal(err)
		}
		ack, err := wb.Accept(upd, key(2), env, offchain.Policy{})
		if err != nil {
			t.Fatal(err)
		}
		if err := wa.Complete(ack); err != nil {
			t.Fatal(err)
		}
	}
}
