package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/iavl"
	"github.com/klauspost/compress/zstd"
)

// Snapshot format 1: the IAVL export of one version — each node as
// height (1 byte), version (uvarint), key (uvarint length + bytes) and, for
// leaves, value (uvarint length + bytes) — zstd-compressed and cut into
// chunks of snapshotChunkSize bytes. The metadata lists the SHA-256 of every
// chunk; the snapshot hash is SHA-256 over those hashes. A restored tree must
// hash to the AppHash the light client trusts, or it is refused.
const (
	snapshotFormat    = 1
	snapshotChunkSize = 4 << 20
	maxSnapshotChunks = 1 << 16
)

type snapshotMeta struct {
	ChunkHashes [][]byte `json:"chunk_hashes"`
}

type snapshotStore struct{ dir string }

func openSnapshotStore(dir string) (*snapshotStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &snapshotStore{dir: dir}, nil
}

func (s *snapshotStore) heights() []uint64 {
	entries, _ := os.ReadDir(s.dir)
	var hs []uint64
	for _, e := range entries {
		if h, err := strconv.ParseUint(e.Name(), 10, 64); err == nil && e.IsDir() {
			hs = append(hs, h)
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i] > hs[j] })
	return hs
}

func (s *snapshotStore) path(h uint64, name string) string {
	return filepath.Join(s.dir, strconv.FormatUint(h, 10), name)
}

func (s *snapshotStore) load(h uint64) (*abci.Snapshot, error) {
	bz, err := os.ReadFile(s.path(h, "meta.json"))
	if err != nil {
		return nil, err
	}
	var m snapshotMeta
	if err := json.Unmarshal(bz, &m); err != nil {
		return nil, err
	}
	return &abci.Snapshot{Height: h, Format: snapshotFormat, Chunks: uint32(len(m.ChunkHashes)), Hash: hashOfHashes(m.ChunkHashes), Metadata: bz}, nil
}

func hashOfHashes(hs [][]byte) []byte {
	h := sha256.New()
	for _, x := range hs {
		h.Write(x)
	}
	return h.Sum(nil)
}

// encodeExport writes the export of tree to w.
func encodeExport(tree *iavl.ImmutableTree, w io.Writer) error {
	exp, err := tree.Export()
	if err != nil {
		return err
	}
	defer exp.Close()
	var buf [binary.MaxVarintLen64]byte
	for {
		n, err := exp.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			return nil
		}
		if err != nil {
			return err
		}
		out := []byte{byte(n.Height)}
		out = append(out, buf[:binary.PutUvarint(buf[:], uint64(n.Version))]...)
		out = append(out, buf[:binary.PutUvarint(buf[:], uint64(len(n.Key)))]...)
		out = append(out, n.Key...)
		if n.Height == 0 {
			out = append(out, buf[:binary.PutUvarint(buf[:], uint64(len(n.Value)))]...)
			out = append(out, n.Value...)
		}
		if _, err := w.Write(out); err != nil {
			return err
		}
	}
}

// takeSnapshot exports version h into the snapshot store and keeps only the
// most recent ones.
func (a *App) takeSnapshot(h int64) error {
	imm, err := a.tree.GetImmutable(h)
	if err != nil {
		return err
	}
	var raw bytes.Buffer
	zw, _ := zstd.NewWriter(&raw, zstd.WithEncoderConcurrency(1))
	if err := encodeExport(imm, zw); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(a.snapshots.dir, ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var meta snapshotMeta
	data := raw.Bytes()
	for i := 0; len(data) > 0 || i == 0; i++ {
		n := min(len(data), snapshotChunkSize)
		chunk := data[:n]
		data = data[n:]
		sum := sha256.Sum256(chunk)
		meta.ChunkHashes = append(meta.ChunkHashes, sum[:])
		if err := os.WriteFile(filepath.Join(tmp, fmt.Sprintf("chunk.%d", i)), chunk, 0o600); err != nil {
			return err
		}
	}
	mb, _ := json.Marshal(meta)
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), mb, 0o600); err != nil {
		return err
	}
	final := filepath.Join(a.snapshots.dir, strconv.FormatInt(h, 10))
	_ = os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	for i, old := range a.snapshots.heights() {
		if i >= a.opts.SnapshotKeepRecent {
			_ = os.RemoveAll(filepath.Join(a.snapshots.dir, strconv.FormatUint(old, 10)))
		}
	}
	a.log.Info("snapshot taken", "height", h, "chunks", len(meta.ChunkHashes), "bytes", raw.Len())
	return nil
}

func (a *App) ListSnapshots(context.Context, *abci.RequestListSnapshots) (*abci.ResponseListSnapshots, error) {
	res := &abci.ResponseListSnapshots{}
	if a.snapshots == nil {
		return res, nil
	}
	for _, h := range a.snapshots.heights() {
		if s, err := a.snapshots.load(h); err == nil {
			res.Snapshots = append(res.Snapshots, s)
		}
	}
	return res, nil
}

func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.RequestLoadSnapshotChunk) (*abci.ResponseLoadSnapshotChunk, error) {
	if a.snapshots == nil || req.Format != snapshotFormat {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	bz, err := os.ReadFile(a.snapshots.path(req.Height, fmt.Sprintf("chunk.%d", req.Chunk)))
	if err != nil {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	return &abci.ResponseLoadSnapshotChunk{Chunk: bz}, nil
}

// restore is the state of a snapshot being applied.
type restore struct {
	snap    *abci.Snapshot
	appHash []byte
	meta    snapshotMeta
	chunks  [][]byte
}

var errRestoreRejected = errors.New("snapshot rejected")

func (a *App) OfferSnapshot(_ context.Context, req *abci.RequestOfferSnapshot) (*abci.ResponseOfferSnapshot, error) {
	s := req.Snapshot
	if s == nil || s.Format != snapshotFormat {
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT_FORMAT}, nil
	}
	if a.tree.Version() != 0 {
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ABORT}, nil
	}
	var m snapshotMeta
	if err := json.Unmarshal(s.Metadata, &m); err != nil || len(m.ChunkHashes) != int(s.Chunks) ||
		s.Chunks == 0 || s.Chunks > maxSnapshotChunks || !bytes.Equal(hashOfHashes(m.ChunkHashes), s.Hash) {
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT}, nil
	}
	a.restoring = &restore{snap: s, appHash: req.AppHash, meta: m, chunks: make([][]byte, s.Chunks)}
	return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ACCEPT}, nil
}

func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	r := a.restoring
	if r == nil {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	if req.Index >= uint32(len(r.chunks)) {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY_SNAPSHOT}, nil
	}
	sum := sha256.Sum256(req.Chunk)
	if !bytes.Equal(sum[:], r.meta.ChunkHashes[req.Index]) {
		return &abci.ResponseApplySnapshotChunk{
			Result:        abci.ResponseApplySnapshotChunk_RETRY,
			RefetchChunks: []uint32{req.Index},
			RejectSenders: []string{req.Sender},
		}, nil
	}
	r.chunks[req.Index] = req.Chunk
	for _, c := range r.chunks {
		if c == nil {
			return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
		}
	}
	if err := a.importSnapshot(r); err != nil {
		a.log.Error("snapshot restore failed", "height", r.snap.Height, "err", err)
		a.restoring = nil
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT}, nil
	}
	a.restoring = nil
	return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
}

func (a *App) importSnapshot(r *restore) error {
	zr, err := zstd.NewReader(bytes.NewReader(bytes.Join(r.chunks, nil)), zstd.WithDecoderMaxMemory(8<<30))
	if err != nil {
		return err
	}
	defer zr.Close()
	imp, err := a.tree.Import(int64(r.snap.Height))
	if err != nil {
		return err
	}
	br := &byteReader{r: zr}
	for {
		h, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			imp.Close()
			return err
		}
		n := &iavl.ExportNode{Height: int8(h)}
		v, err := binary.ReadUvarint(br)
		if err != nil {
			imp.Close()
			return err
		}
		n.Version = int64(v)
		if n.Key, err = br.readBytes(); err != nil {
			imp.Close()
			return err
		}
		if n.Height == 0 {
			if n.Value, err = br.readBytes(); err != nil {
				imp.Close()
				return err
			}
		}
		if err := imp.Add(n); err != nil {
			imp.Close()
			return err
		}
	}
	if err := imp.Commit(); err != nil {
		return err
	}
	if !bytes.Equal(a.tree.Hash(), r.appHash) {
		return fmt.Errorf("%w: restored state hashes to %X, trusted AppHash is %X", errRestoreRejected, a.tree.Hash(), r.appHash)
	}
	a.chainID = a.storedChainID()
	a.resetCheckState()
	a.fpMirror.Opened(int64(r.snap.Height))
	a.log.Info("state restored from snapshot", "height", r.snap.Height, "app_hash", fmt.Sprintf("%X", r.appHash))
	return nil
}

type byteReader struct{ r io.Reader }

func (b *byteReader) ReadByte() (byte, error) {
	var x [1]byte
	_, err := io.ReadFull(b.r, x[:])
	return x[0], err
}

func (b *byteReader) readBytes() ([]byte, error) {
	n, err := binary.ReadUvarint(b)
	if err != nil {
		return nil, err
	}
	if n > 64<<20 {
		return nil, fmt.Errorf("snapshot: entry of %d bytes is too large", n)
	}
	out := make([]byte, n)
	_, err = io.ReadFull(b.r, out)
	return out, err
}
