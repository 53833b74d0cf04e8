package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/chunkd"
	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// uploadChunks sends every chunk to one of its assigned holders (the first
// that accepts, in ring order), 8 at a time; the other holders pull it from
// there.
func uploadChunks(ctx context.Context, key secp256k1.PrivKey, art []byte, chunks []*codec.Chunk, views []storage.ChunkView, quiet bool) error {
	type pos struct{ s, i uint32 }
	holders := map[pos][]storage.HolderView{}
	for _, v := range views {
		holders[pos{v.Stripe, v.Index}] = v.Holders
	}
	pc := peer.New(key)
	prog := newProgress("upload", int64(len(chunks)), quiet)
	sem := make(chan struct{}, 8)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
	)
	for _, ch := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func(ch *codec.Chunk) {
			defer wg.Done()
			defer func() { <-sem }()
			b := ch.Bytes()
			var last error
			for _, h := range holders[pos{uint32(ch.Stripe), uint32(ch.Index)}] {
				if last = pc.Put(ctx, peer.Target{URL: h.URL, Masternode: h.Masternode}, art, uint32(ch.Stripe), uint32(ch.Index), b); last == nil {
					prog.add(1)
					return
				}
			}
			mu.Lock()
			failures = append(failures, fmt.Sprintf("chunk %d/%d: %v", ch.Stripe, ch.Index, last))
			mu.Unlock()
		}(ch)
	}
	wg.Wait()
	prog.finish()
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d chunks could not be uploaded to any assigned masternode; first: %s (rerun later: registration stays pending until its deadline)", len(failures), len(chunks), failures[0])
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
	ctx, cancel2 := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel2()
	t0 := time.Now()
	// The ticket (and so every chunk id) is checked against the chain.
	t, err := fetchTicket(ctx, c, id, true)
	if err != nil {
		return err
	}
	views, err := fetchChunks(ctx, c, id)
	if err != nil {
		return err
	}
	need := 0
	for _, s := range t.Stripes {
		need += int(s.K)
	}
	prog := newProgress("download", int64(need), quiet)
	archive, err := chunkd.FetchArchive(ctx, peer.New(key), t, views, func() { prog.add(1) })
	prog.finish()
	if err != nil {
		return fmt.Errorf("art %x: %w", id, err)
	}
	meta, files, err := codec.ExtractArchive(archive, codec.ExtractLimits{})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	written := []map[string]string{}
	for _, f := range files {
		if err := codec.CheckName(f.Name); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
		if !isJSON(cmd) {
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes)\n", filepath.Join(dir, f.Name), len(f.Data))
		}
		written = append(written, map[string]string{"path": filepath.Join(dir, f.Name), "bytes": strconv.Itoa(len(f.Data))})
	}
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
