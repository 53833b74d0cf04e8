package storage_test

import (
	"crypto/sha256"
	"math/rand"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// BenchmarkConfirmation: the cost of a proof of possession per confirmed
// 2 MiB chunk at the default confirm_leaves. "prove" is chunkd's side
// (hashes the whole payload), "verify" the chain's. Reported per chunk:
// proof bytes (leaves + path) and the bytes it adds to a full
// MsgConfirmChunks (64 chunks) against the same message without proofs,
// the confirmation as it was before proofs of possession.
func BenchmarkConfirmation(b *testing.B) {
	payload := make([]byte, 2<<20)
	rand.New(rand.NewSource(7)).Read(payload)
	id := codec.MerkleRoot(payload)
	art := sha256.Sum256([]byte("art"))
	span := storage.DefaultParams().ConfirmLeaves
	mn := types.Address{1, 2, 3}
	draw := func(i int) (uint32, uint32) {
		r := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		return storage.ConfirmRange(r, art[:], 0, uint32(i%12), mn, uint32(len(payload)), span)
	}
	// The message sizes, with and without proofs.
	with, without := &storagepb.MsgConfirmChunks{ArtId: art[:]}, &storagepb.MsgConfirmChunks{ArtId: art[:]}
	proofBytes := 0
	for i := 0; i < storagepb.MaxConfirmations; i++ {
		s, e := draw(i)
		ref, err := storagepb.ProvePossession(uint32(i/12), uint32(i%12), payload, s, e)
		if err != nil {
			b.Fatal(err)
		}
		proofBytes += len(ref.Leaves) + len(ref.Proof)
		with.Chunks = append(with.Chunks, ref)
		without.Chunks = append(without.Chunks, &storagepb.ChunkRef{Stripe: ref.Stripe, Index: ref.Index})
	}
	n := float64(storagepb.MaxConfirmations)
	report := func(b *testing.B) {
		b.ReportMetric(float64(proofBytes)/n, "proof-B/chunk")
		b.ReportMetric(float64(proto.Size(with))/n, "tx-B/chunk")
		b.ReportMetric(float64(proto.Size(without))/n, "tx-B/chunk-without-proof")
	}
	b.Run("prove", func(b *testing.B) {
		i := 0
		for b.Loop() {
			s, e := draw(i)
			if _, err := storagepb.ProvePossession(0, uint32(i%12), payload, s, e); err != nil {
				b.Fatal(err)
			}
			i++
		}
		report(b)
	})
	b.Run("verify", func(b *testing.B) {
		refs := with.Chunks
		i := 0
		for b.Loop() {
			ref := refs[i%len(refs)]
			s, e := draw(i % len(refs))
			if err := codec.VerifyRange(id, len(payload), int(s), int(e), ref.Leaves, ref.Proof); err != nil {
				b.Fatal(err)
			}
			i++
		}
		report(b)
	})
}
