package offchain

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// MaxFileBytes bounds every file this package reads.
const MaxFileBytes = 1 << 20

// ErrNoChannel is returned for a channel the wallet does not know.
var ErrNoChannel = errors.New("offchain: channel not in this wallet")

// Wallet is the channel store in a home directory.
type Wallet struct {
	dir string
	mu  sync.Mutex // serialises read-modify-write within one process
	// NoSync skips fsync (benchmarks of the CPU cost only; never for real use).
	NoSync bool
}

// Open opens (creating if needed) <home>/channels.
func Open(home string) (*Wallet, error) {
	dir := filepath.Join(home, "channels")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("offchain: %w", err)
	}
	return &Wallet{dir: dir}, nil
}

// Dir is where the channel files live.
func (w *Wallet) Dir() string { return w.dir }

func (w *Wallet) path(id []byte) string {
	return filepath.Join(w.dir, hex.EncodeToString(id)+".json")
}

var jsonOut = protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}

// WriteFileAtomic writes data to path so that a crash leaves either the old
// content or the new, never a mix: temp file in the same directory, fsync,
// rename, fsync of the directory.
func WriteFileAtomic(path string, data []byte, sync bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// save writes wc atomically.
func (w *Wallet) save(wc *pb.WalletChannel) error {
	b, err := jsonOut.Marshal(wc)
	if err != nil {
		return err
	}
	return WriteFileAtomic(w.path(wc.ChannelId), append(b, '\n'), !w.NoSync)
}

// Load reads a channel's file.
func (w *Wallet) Load(id []byte) (*pb.WalletChannel, error) {
	b, err := readBounded(w.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %x (files are in %s)", ErrNoChannel, id, w.dir)
	}
	if err != nil {
		return nil, err
	}
	wc, err := DecodeWalletChannel(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.path(id), err)
	}
	if !strings.EqualFold(hex.EncodeToString(wc.ChannelId), hex.EncodeToString(id)) {
		return nil, fmt.Errorf("%s holds channel %x", w.path(id), wc.ChannelId)
	}
	return wc, nil
}

// Put stores wc (a new channel or a replacement).
func (w *Wallet) Put(wc *pb.WalletChannel) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.save(wc)
}

// update runs fn on the channel under an exclusive lock (in-process mutex
// plus an flock on <id>.lock against other processes on the same home) and
// saves the result if fn succeeds.
func (w *Wallet) update(id []byte, fn func(wc *pb.WalletChannel) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	lf, err := os.OpenFile(filepath.Join(w.dir, hex.EncodeToString(id)+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lf.Fd()), syscall.LOCK_UN) //nolint:errcheck
	wc, err := w.Load(id)
	if err != nil {
		return err
	}
	if err := fn(wc); err != nil {
		return err
	}
	return w.save(wc)
}

// List returns the ids of the channels in the wallet, sorted.
func (w *Wallet) List() ([][]byte, error) {
	ents, err := os.ReadDir(w.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasSuffix(n, ".json") && !strings.HasPrefix(n, ".") {
			names = append(names, strings.TrimSuffix(n, ".json"))
		}
	}
	sort.Strings(names)
	var out [][]byte
	for _, n := range names {
		if id, err := hex.DecodeString(n); err == nil && len(id) == state.IDSize {
			out = append(out, id)
		}
	}
	return out, nil
}

// Resolve finds a channel by a unique hex prefix of its id.
func (w *Wallet) Resolve(prefix string) ([]byte, error) {
	prefix = strings.ToLower(strings.TrimPrefix(prefix, "0x"))
	if len(prefix) < 4 {
		return nil, fmt.Errorf("channel id %q: give at least 4 hex digits", prefix)
	}
	ids, err := w.List()
	if err != nil {
		return nil, err
	}
	var found [][]byte
	for _, id := range ids {
		if strings.HasPrefix(hex.EncodeToString(id), prefix) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: no channel id starts with %s", ErrNoChannel, prefix)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("channel id prefix %s is ambiguous (%d channels)", prefix, len(found))
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes, at most %d", path, st.Size(), MaxFileBytes)
	}
	b := make([]byte, st.Size())
	_, err = f.ReadAt(b, 0)
	if err != nil && st.Size() > 0 {
		return nil, err
	}
	return b, nil
}

// ReadFile reads a bounded file (updates, proposals).
func ReadFile(path string) ([]byte, error) { return readBounded(path) }

// WriteMessage writes an exchange file (update or proposal) atomically.
func WriteMessage(path string, m proto.Message) error {
	b, err := jsonOut.Marshal(m)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, append(b, '\n'), true)
}
