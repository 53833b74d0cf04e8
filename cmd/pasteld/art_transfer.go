package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/artio"
	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// uploadChunks sends every chunk to one of its assigned holders (the first
// that accepts, in ring order), 8 at a time; the other holders pull it from
// there.
func uploadChunks(ctx context.Context, key secp256k1.PrivKey, arch *archiveFile, params codec.Params, totalBytes int64, views []storagepb.ChunkView, quiet bool) error {
	type pos struct{ s, i uint32 }
	holders := map[pos][]storagepb.HolderView{}
	for _, v := range views {
		holders[pos{v.Stripe, v.Index}] = v.Holders
	}
	pc := peer.New(key)
	prog := newProgress("upload", totalBytes, quiet)
	// At most 8 chunks are in flight; the encoder waits for a free slot, so
	// memory is one stripe being coded plus 8 chunks, whatever the art size.
	sem := make(chan struct{}, 8)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		count    int
	)
	_, err := codec.EncodeStream(arch.reader(), arch.size, arch.hash, params, func(ch *codec.Chunk) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		count++
		b := ch.Bytes() // a copy: ch is only valid during this call
		stripe, index := uint32(ch.Stripe), uint32(ch.Index)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var last error = fmt.Errorf("no masternode is assigned")
			for _, h := range holders[pos{stripe, index}] {
				if last = pc.Put(ctx, peer.Target{URL: h.URL, Masternode: h.Masternode}, arch.hash[:], stripe, index, b); last == nil {
					prog.add(int64(len(b)))
					return
				}
			}
			mu.Lock()
			failures = append(failures, fmt.Sprintf("chunk %d/%d: %v", stripe, index, last))
			mu.Unlock()
		}()
		return nil
	})
	wg.Wait()
	prog.finish()
	if err != nil {
		return fmt.Errorf("encoding the archive for upload: %w", err)
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d chunks could not be uploaded to any assigned masternode; first: %s (rerun later: registration stays pending until its deadline)", len(failures), count, failures[0])
	}
	return nil
}

// waitActive polls the ticket until it is active or rejected.
func waitActive(ctx context.Context, c *client.Client, id []byte, timeout time.Duration, say func(string, ...any)) error {
	deadline := time.Now().Add(timeout)
	lastMsg := ""
	for {
		a, err := fetchTicket(ctx, c, id, false)
		if err != nil {
			return err
		}
		switch a.Status {
		case storagepb.ArtStatus_ART_ACTIVE:
			say("active at height %d", a.ActivatedHeight)
			return nil
		case storagepb.ArtStatus_ART_REJECTED:
			return fmt.Errorf("art %x was rejected: %s", id, a.RejectReason)
		}
		done := 0
		for _, at := range a.Attestations {
			if at.Done {
				done++
			}
		}
		if msg := fmt.Sprintf("waiting for activation: %d/%d attestations, originality %v", done, len(a.Attestations), a.OriginalityOk); msg != lastMsg {
			say("%s", msg)
			lastMsg = msg
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("art %x not active after %s (still pending; check `pasteld art show %x`)", id, timeout, id)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func runArtGet(cmd *cobra.Command, args []string) error {
	id, err := parseArtArg(args[0])
	if err != nil {
		return err
	}
	from, _ := cmd.Flags().GetString("from")
	if from == "" {
		return fmt.Errorf("--from is required: the key that owns an edition signs the download requests")
	}
	dir, _ := cmd.Flags().GetString("output-dir")
	quiet, _ := cmd.Flags().GetBool("quiet")
	kr, err := openKeyring(cmd)
	if err != nil {
		return err
	}
	key, err := kr.PrivKey(from)
	if err != nil {
		return err
	}
	c, _, cancel, err := dial(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	ctx, cancel2 := context.WithTimeout(cmd.Context(), 30*time.Minute)
	defer cancel2()
	t0 := time.Now()
	// The ticket (and so every chunk id) is checked against the chain.
	t, err := fetchTicket(ctx, c, id, true)
	if err != nil {
		return err
	}
	var ck artcrypt.Key
	if t.Encrypted {
		// The content key wrapped to this key, checked before downloading:
		// without it the chunks are ciphertext.
		if ck, err = contentKey(ctx, c, t, key); err != nil {
			return err
		}
	}
	views, err := fetchChunks(ctx, c, id)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The archive is rebuilt stripe by stripe into a hidden file next to
	// the output, then read as a stream: memory is one stripe, not the art.
	tmpPath := partialPath(dir, hex.EncodeToString(id)+".archive")
	tmp, err := os.OpenFile(tmpPath, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer func() { tmp.Close(); os.Remove(tmpPath) }()
	need := int64(0)
	if l, err := codec.NewLayout(int64(t.ArchiveSize), codec.Params{ChunkSize: int(t.ChunkSize), Redundancy: int(t.Redundancy)}); err == nil {
		for s := range l.Stripes() {
			st := l.Stripe(s)
			need += int64(st.K) * int64(codec.HeaderSize+st.ShardSize)
		}
	}
	prog := newProgress("download", need, quiet)
	err = artio.FetchArchiveTo(ctx, peer.New(key), t, views, tmp, func(n int) { prog.add(int64(n)) })
	prog.finish()
	if err != nil {
		return fmt.Errorf("art %x: %w", id, err)
	}
	// Files are written under hidden names and renamed only once the whole
	// archive has checked out (ReadArchive verifies each file's hash).
	written := []map[string]string{}
	var partials []string
	defer func() {
		for _, p := range partials {
			os.Remove(p)
		}
	}()
	var archive io.Reader = io.NewSectionReader(tmp, 0, int64(t.ArchiveSize))
	if t.Encrypted {
		// Decrypted as a stream; a package that does not authenticate fails
		// the read, so nothing unauthenticated is renamed into place.
		if archive, err = artcrypt.DecryptReader(archive, ck); err != nil {
			return fmt.Errorf("art %x: %w", id, err)
		}
	}
	meta, err := codec.ReadArchive(archive, codec.ExtractLimits{}, func(info codec.FileInfo, r io.Reader) error {
		if err := codec.CheckName(info.Name); err != nil {
			return err
		}
		pp := partialPath(dir, info.Name)
		partials = append(partials, pp)
		f, err := os.OpenFile(pp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		n, err := io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", info.Name, err)
		}
		written = append(written, map[string]string{"path": filepath.Join(dir, info.Name), "bytes": strconv.FormatInt(n, 10)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("art %x: %w", id, err)
	}
	for i, w := range written {
		if err := os.Rename(partials[i], w["path"]); err != nil {
			return err
		}
		if !isJSON(cmd) {
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%s bytes)\n", w["path"], w["bytes"])
		}
	}
	partials = nil
	mb, _ := jsonIndent(meta)
	if err := os.WriteFile(filepath.Join(dir, codec.MetadataName), mb, 0o644); err != nil {
		return err
	}
	if isJSON(cmd) {
		return printJSON(cmd, map[string]any{"art_id": hex.EncodeToString(id), "verified": true, "files": written,
			"metadata": filepath.Join(dir, codec.MetadataName), "seconds": fmt.Sprintf("%.3f", time.Since(t0).Seconds())})
	}
	fmt.Fprintf(cmd.OutOrStdout(), "art %s verified (archive hash matches the ticket) in %s\n", hex.EncodeToString(id), time.Since(t0).Round(time.Millisecond))
	return nil
}
