package tx

import (
	"bytes"
	"testing"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/txpb"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic, and
// whatever it accepts must re-encode to exactly the input (one byte form per
// transaction) and keep its bounds.
func FuzzDecode(f *testing.F) {
	k, _ := secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{7}, 32))
	good, _ := Sign("c", &txpb.TxBody{Messages: []*txpb.Msg{{Type: "bank/Send", Value: []byte{10, 3, 'a', 'b', 'c', 16, 5}}}, Fee: 9, Nonce: 2, Memo: "hi"}, k)
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := Decode(raw, 4096)
		if err != nil {
			return
		}
		if len(d.Body.Messages) == 0 || len(d.Body.Messages) > MaxMsgs || len(d.Body.Memo) > MaxMemo {
			t.Fatalf("bounds not enforced: %d msgs, memo %d", len(d.Body.Messages), len(d.Body.Memo))
		}
		again, err := marshal.Marshal(&txpb.Tx{Body: d.BodyBytes, PubKey: d.PubKey.Bytes(), Signature: d.Signature})
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("accepted a non-canonical encoding")
		}
		_ = d.Verify("c") // must not panic
	})
}

func TestSignedTxVerifiesOnlyOnItsChain(t *testing.T) {
	k, _ := secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{7}, 32))
	raw, err := Sign("a", &txpb.TxBody{Messages: []*txpb.Msg{{Type: "x/Y"}}, Fee: 1}, k)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify("a"); err != nil {
		t.Fatal(err)
	}
	if err := d.Verify("b"); err == nil {
		t.Fatal("verified for another chain")
	}
	if d.Signer != k.PubKey().Address() {
		t.Fatal("signer address")
	}
}
