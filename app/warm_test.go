package app_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
)

// TestCacheWarmedAtStart: a node opening a saved state walks its tree
// before it starts (one walk per key on a state smaller than the walk
// count) and logs it; the state and the blocks after are those it would
// have anyway; without a count (export, tests) it does not walk.
func TestCacheWarmedAtStart(t *testing.T) {
	c := apptest.New(t, "", 4, 1_000_000_000_000, nil)
	for range 3 {
		c.Block()
	}
	open := func(walks int) *bytes.Buffer {
		t.Helper()
		if err := c.App.Close(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		a, err := app.New(app.Options{DataDir: c.Dir, Logger: slog.New(slog.NewTextHandler(&buf, nil)), Modules: c.Modules, WarmWalks: walks})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Hash(), c.Last.AppHash) {
			t.Fatalf("reopened at %X, committed %X", a.Hash(), c.Last.AppHash)
		}
		c.App = a
		return &buf
	}
	logs := open(app.DefaultWarmWalks).String()
	if !strings.Contains(logs, "state cache warmed") || !strings.Contains(logs, fmt.Sprintf("height=%d", c.Height)) || strings.Contains(logs, "walks=0 ") {
		t.Fatalf("warming log: %s", logs)
	}
	c.Block()
	if logs := open(0).String(); strings.Contains(logs, "warm") {
		t.Fatalf("warming with WarmWalks 0: %s", logs)
	}
	c.Block()
}
