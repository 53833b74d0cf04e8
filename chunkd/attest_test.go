package chunkd

import (
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func ticketOf(m *codec.Manifest, chunks []*codec.Chunk) *storagepb.Art {
	t := &storagepb.Art{Id: m.ArchiveHash[:], ArchiveSize: uint64(m.ArchiveSize), ChunkSize: uint32(m.ChunkSize), Redundancy: uint32(m.Redundancy)}
	l, _ := m.Layout()
	pos := 0
	for s := 0; s < l.Stripes(); s++ {
		sl := l.Stripe(s)
		st := &storagepb.Stripe{K: uint32(sl.K), N: uint32(sl.N)}
		for i := 0; i < sl.N; i++ {
			st.ChunkIds = append(st.ChunkIds, append([]byte(nil), m.ChunkIDs[pos][:]...))
			pos++
		}
		t.Stripes = append(t.Stripes, st)
	}
	return t
}
