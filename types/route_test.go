package types_test

import (
	"errors"
	"testing"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/txpb"
)

// Route: New makes a fresh, empty message of the handler's type each call;
// a nil validate accepts; the handler gets the typed message.
func TestRoute(t *testing.T) {
	var got *txpb.Msg
	r := types.Route("test/Msg", nil, func(_ *types.Context, _ types.Address, m *txpb.Msg) error {
		got = m
		return nil
	})
	a, b := r.New(), r.New()
	if a == nil || a == b {
		t.Fatalf("New returned %v and %v: want two fresh messages", a, b)
	}
	a.(*txpb.Msg).Type = "x"
	if b.(*txpb.Msg).Type != "" {
		t.Fatal("New shares state between calls")
	}
	if err := r.Validate(a); err != nil {
		t.Fatal(err)
	}
	if err := r.Handler(nil, types.Address{}, a); err != nil || got != a {
		t.Fatalf("handler: %v, got %v", err, got)
	}
	bad := errors.New("bad")
	r = types.Route("test/Msg", func(*txpb.Msg) error { return bad }, func(*types.Context, types.Address, *txpb.Msg) error { return nil })
	if err := r.Validate(r.New()); !errors.Is(err, bad) {
		t.Fatalf("validate: %v", err)
	}
}
