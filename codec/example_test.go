package codec_test

import (
	"bytes"
	"fmt"

	"github.com/pastelchain/pastel/codec"
)

// Archive an image, erasure-code it, lose most chunks and damage one of the
// rest, then get the image back.
func Example() {
	image := make([]byte, 5000) // incompressible, like a real image file
	x := uint32(1)
	for i := range image {
		x = x*1664525 + 1013904223
		image[i] = byte(x >> 24)
	}
	archive, hash, err := codec.BuildArchive(codec.Metadata{Title: "Mona"},
		[]codec.ArchiveFile{codec.FileFromBytes("mona.png", image)})
	if err != nil {
		panic(err)
	}
	p := codec.Params{ChunkSize: 1024, Redundancy: 4} // small, to keep the example short
	m, chunks, err := codec.Encode(archive, p)
	if err != nil {
		panic(err)
	}
	l, _ := m.Layout()
	st := l.Stripe(0)
	fmt.Printf("%d stripe(s), k=%d n=%d, archive hash matches: %v\n", l.Stripes(), st.K, st.N, m.ArchiveHash == hash)

	// Keep only the last k+1 chunks (parity), and damage one of them.
	var survivors [][]byte
	for _, c := range chunks[len(chunks)-st.K-1:] {
		survivors = append(survivors, c.Bytes())
	}
	survivors[0][codec.HeaderSize+3] ^= 0xff

	got, err := codec.Decode(m, survivors)
	if err != nil {
		panic(err)
	}
	meta, files, err := codec.ExtractArchive(got, codec.ExtractLimits{})
	if err != nil {
		panic(err)
	}
	fmt.Println(meta.Title, files[0].Name, bytes.Equal(files[0].Data, image))

	// One chunk fewer is not enough, and the error says so.
	_, err = codec.Decode(m, survivors[1:len(survivors)-1])
	fmt.Println(err)
	// Output:
	// 1 stripe(s), k=6 n=24, archive hash matches: true
	// Mona mona.png true
	// codec: too few chunks: stripe 0 has 5 of 6 needed chunks
}

// Re-create a lost chunk from any k others: same bytes, same id.
func ExampleMint() {
	archive := bytes.Repeat([]byte{1, 2, 3, 4, 5}, 2000) // 10000 bytes
	m, chunks, _ := codec.Encode(archive, codec.Params{ChunkSize: 1024, Redundancy: 3})
	lost := chunks[2]
	var others [][]byte
	for _, c := range chunks[3:] {
		others = append(others, c.Bytes())
	}
	c, err := codec.Mint(m, lost.Stripe, lost.Index, others)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.ID == lost.ID, bytes.Equal(c.Bytes(), lost.Bytes()))
	// Output: true true
}

// A storage challenge: the chain picks a chunk and a leaf range, the holder
// answers with the leaves and a proof, every validator checks it.
func ExampleVerifyRange() {
	payload := bytes.Repeat([]byte("chunk payload "), 1000) // 14000 bytes, 14 leaves
	id := codec.MerkleRoot(payload)                         // known on chain

	// Holder side.
	start, end := 5, 8
	proof, _ := codec.ProveRange(payload, start, end)
	enc, _ := proof.MarshalBinary()
	from, to := codec.LeafBytes(len(payload), start, end)
	leaves := payload[from:to]

	// Validator side.
	fmt.Println(codec.VerifyRange(id, len(payload), start, end, leaves, enc))
	leaves[0] ^= 1
	fmt.Println(codec.VerifyRange(id, len(payload), start, end, leaves, enc) != nil)
	fmt.Println(len(enc), "bytes of proof")
	// Output:
	// <nil>
	// true
	// 110 bytes of proof
}

// Chunk ids of tiny payloads; an empty payload has one empty leaf.
func ExampleMerkleRoot() {
	fmt.Println(codec.MerkleRoot(nil))
	fmt.Println(codec.MerkleRoot([]byte("abc")))
	// Output:
	// 5d53469f20fef4f8eab52b88044ede69c77a6a68a60728609fc4a65ff531e7d0
	// 6088d83b4b6a2506789885b50023b979f9368d5d50f6f5e78c53f6e07bddb119
}
