package explorer

import (
	"context"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
	"github.com/pastelchain/pastel/x/trust"
)

// deadNode is an address nothing listens on.
func deadNode(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func newTestServer(t testing.TB) *Server {
	c, err := client.NewWithTimeout(deadNode(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Client: c, Logger: nil})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const evil = `<script>window.pwned=1</script>"'><img src=x onerror=alert(1)>`

// Every page template renders populated data of the types the pages build
// (a wrong field or type fails here, not in front of a user), and a value
// from the chain never comes out as markup.
func TestTemplatesRender(t *testing.T) {
	s := newTestServer(t)
	addr := "pastel1yvmfn5aw6m7f4gpf5xp9u758s3z8j0tddfa9q4"
	id := make([]byte, 32)
	ch := &storagepb.Challenge{Id: 7, Masternode: addr, ArtId: id, Status: storagepb.ChallengeStatus_CH_FAILED, CreatedHeight: 3, ClosedHeight: 9, Reason: evil}
	s.hist.add(Sample{Height: 1, LowestRedundancy: 3, JailedSet: map[string]bool{}})
	s.hist.add(Sample{Height: 2, LowestRedundancy: 1.5, UnderReplicated: 4, Jailed: 1, JailedSet: map[string]bool{addr: true}})
	pages := map[string]any{
		"chain": chainView{ChainID: evil, Height: 5, Time: time.Now(), BlockTime: time.Second, HaveSample: true, Latest: Sample{Height: 2},
			Blocks:     []blockRow{{Height: 5, Time: time.Now(), Txs: 1, Hash: "AB", Proposer: "CD"}},
			Validators: []validatorRow{{ValidatorView: storage.ValidatorView{Address: "AA", Masternode: addr, Standing: "InGoodStanding", Power: 10}, Trust: "0.5", TrustKnown: true}}},
		"block": blockView{Height: 5, Txs: []txView{{Hash: "AB", DecodeOK: true, Signer: addr, Msgs: []msgView{{Type: "bank/Send", Body: evil}},
			Events: []eventView{{Type: "transfer", Attrs: [][2]string{{"memo", evil}}}}}}},
		"tx": txView{Hash: "AB", Code: 5, Log: evil, Memo: evil},
		"art": artView{ID: "00", Verified: verified{OK: true, Height: 4, How: "light client"},
			Art: &storagepb.Art{Title: evil, Artist: addr, Status: storagepb.ArtStatus_ART_ACTIVE, Stripes: []*storagepb.Stripe{{K: 1, N: 2}},
				Attestations: []*storagepb.Attestation{{Attester: addr, Done: true, Ok: false, Reason: evil, DuplicateOf: id, DuplicateDistance: 3}}},
			Editions:   []editionRow{{Edition: 1, Owner: addr, Offer: &storagepb.Offer{Price: 5, Buyer: addr}}},
			Health:     storage.Health{RedundancyMilli: 1500, Stripes: []storage.StripeHealth{{K: 1, N: 2, Live: 1, Holders: []uint32{0, 3}, Healing: evil}}},
			Chunks:     []storagepb.ChunkView{{ID: []byte{0xab}, Holders: []storagepb.HolderView{{Masternode: addr, Confirmed: true}}}},
			Challenges: []*storagepb.Challenge{ch}, Plot: Plot("p", evil, "×", []Series{{Name: evil, X: []int64{1, 2}, Y: []float64{1, 2}}})},
		"arts":    artsView{Arts: []artRow{{ID: "00", Title: evil, Artist: addr, Status: "ART_ACTIVE"}}, Next: "00", From: "00"},
		"account": accountView{Address: addr, Balance: "1psl", Verified: verified{Err: evil}, Owned: []ownedRow{{ArtID: "00", Edition: 1}}, Masternode: true},
		"mn": mnView{MN: &storagepb.Masternode{Address: addr, Url: evil, Status: storagepb.MasternodeStatus_MN_JAILED, JailedHeight: 9, RecentFailures: []int64{3}},
			Verified: verified{OK: true}, HaveEarn: true, Earnings: rewards.EarningsView{Paid: 5, Withheld: 2},
			Why:        &trust.WhyView{From: "seeds", Path: []trust.PathStepView{{Address: addr}}, Contributions: []trust.ContributionView{{From: addr}}},
			Challenges: []*storagepb.Challenge{ch}, Healing: []storagepb.HealView{{ArtID: []byte{0}, Missing: []uint32{1}}},
			Validator: &storage.ValidatorView{Power: 3}},
		"health": healthView{Stats: storage.Stats{Arts: map[string]uint64{"ART_ACTIVE": 1}, Masternodes: map[string]uint64{"MN_JAILED": 1}, LowestRedundancyArt: "00"},
			Events: []Event{{Height: 2, Kind: "jailed", What: addr}, {Height: 2, Kind: "dip", What: evil}}, MinRed: 1.5,
			BelowTarget: []storage.BelowTargetView{{ArtID: "00", Chunks: 4}}, HealQueue: []storage.HealQueueView{{ArtID: "00", Healer: addr}},
			Jailed: []*storagepb.Masternode{{Address: addr}}},
		"error": errorView{Code: 400, Message: evil, Query: evil},
	}
	for name, data := range pages {
		w := httptest.NewRecorder()
		s.render(w, http.StatusOK, name, view{Title: evil, Page: name, Height: 2, Data: data})
		body := w.Body.String()
		if w.Code != http.StatusOK || strings.Contains(body, "could not render") {
			t.Fatalf("page %s: code %d\n%s", name, w.Code, body)
		}
		if strings.Contains(body, "<script>window.pwned") || strings.Contains(body, "<img src=x") {
			t.Fatalf("page %s lets a chain value through as markup", name)
		}
		if !strings.Contains(body, "&lt;script&gt;window.pwned") {
			t.Fatalf("page %s does not show the (escaped) value at all", name)
		}
	}
}

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	r, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r, string(b)
}

// Bad input gets a clear page with the right status, a strict content
// policy, and never a stack trace or the input as markup.
func TestBadInput(t *testing.T) {
	s := newTestServer(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	srv.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/art/zz", 400, "is not an art id"},
		{"/art/" + strings.Repeat("0", 63), 400, "is not an art id"},
		{"/mn/pastel1xyz", 400, "is not an address"},
		{"/account/" + url.PathEscape(evil), 400, "is not an address"},
		{"/block/0", 400, "is not a block height"},
		{"/block/-5", 400, "is not a block height"},
		{"/block/12abc", 400, "is not a block height"},
		{"/tx/1234", 400, "is not a transaction hash"},
		{"/arts?after=nothex", 400, "is not an art id"},
		{"/search?q=" + url.QueryEscape(evil), 400, "did not understand"},
		{"/search?q=" + url.QueryEscape("' OR 1=1 --"), 400, "did not understand"},
		{"/search?q=" + strings.Repeat("a", 300), 400, "at most 200 characters"},
		{"/no/such/page", 404, "no page at this address"},
		// Well-formed requests reach the node, which is down here.
		{"/art/" + strings.Repeat("ab", 32), 502, "could not read this from the node"},
		{"/search?q=" + strings.Repeat("ab", 32), 502, "did not answer"},
		{"/", 502, "could not read this from the node"},
	} {
		r, body := get(t, srv, c.path)
		if r.StatusCode != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d, want %d with %q:\n%s", c.path, r.StatusCode, c.code, c.want, body)
		}
		if strings.Contains(body, "goroutine ") || strings.Contains(body, ".go:") || strings.Contains(body, "<script>window") {
			t.Errorf("%s leaks a stack trace or markup:\n%s", c.path, body)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: content security policy %q", c.path, csp)
		}
	}
	// Searches that need no node redirect.
	for q, to := range map[string]string{"": "/", "42": "/block/42"} {
		r, _ := get(t, srv, "/search?q="+url.QueryEscape(q))
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != to {
			t.Errorf("search %q: %d to %q, want %s", q, r.StatusCode, r.Header.Get("Location"), to)
		}
	}
}

func TestPlotIsWellFormedSVG(t *testing.T) {
	for _, series := range [][]Series{
		nil,
		{{Name: evil, X: []int64{5}, Y: []float64{0}}},
		{{Name: "a", X: []int64{1, 2, 3}, Y: []float64{0.03, 2, 1}}, {Name: "b", X: []int64{2, 3}, Y: []float64{7, 9}}},
	} {
		svg := string(Plot("id"+evil, evil, evil, series))
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%v in %s", err, svg)
			}
		}
		if strings.Contains(svg, "<script") {
			t.Fatalf("unescaped label: %s", svg)
		}
	}
	for v, want := range map[float64]float64{0: 0, 0.03: 0.05, 1: 1, 3: 5, 12: 20, 99: 100, 100: 100, 101: 200} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}

func TestHistoryEvents(t *testing.T) {
	h := newHistory(3, 2)
	a, b := "pastel1a", "pastel1b"
	h.add(Sample{Height: 1, JailedSet: map[string]bool{}})
	h.add(Sample{Height: 2, UnderReplicated: 5, JailedSet: map[string]bool{a: true, b: true}})
	h.add(Sample{Height: 2, UnderReplicated: 9}) // not newer: ignored
	h.add(Sample{Height: 3, UnderReplicated: 1, JailedSet: map[string]bool{b: true}})
	h.add(Sample{Height: 4, JailedSet: map[string]bool{b: true}})
	samples, evs := h.snapshot()
	if len(samples) != 3 || samples[0].Height != 2 {
		t.Fatalf("kept %d samples from %d, want the last 3", len(samples), samples[0].Height)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Kind+"@"+string(rune('0'+e.Height))+":"+e.What)
	}
	want := "recovered@4:no chunk below target or waiting to heal; lowest redundancy 0.00× unjailed@3:pastel1a jailed@2:pastel1b jailed@2:pastel1a dip@2:5 chunks below target"
	if strings.Join(got, " ") != want {
		t.Fatalf("events (newest first):\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	// A fall of the lowest redundancy is a dip until it is back.
	r := newHistory(10, 1)
	for i, red := range []float64{12, 12, 11, 10, 11, 12, 12} {
		hq := uint64(0)
		if i == 3 {
			hq = 2
		}
		r.add(Sample{Height: int64(i + 1), LowestRedundancy: red, HealQueue: hq})
	}
	if _, evs := r.snapshot(); len(evs) != 2 || evs[1].Kind != "dip" || evs[1].Height != 3 || evs[0].Kind != "recovered" || evs[0].Height != 6 ||
		evs[1].What != "lowest redundancy 12.00× → 11.00×" {
		t.Fatalf("redundancy dip: %+v", evs)
	}
	h.track("x")
	h.track("y")
	h.track("z") // x is dropped
	h.addArt("x", 1, 1)
	h.addArt("z", 5, 2)
	h.addArt("z", 5, 3) // not newer
	if xs, _ := h.artSeries("x"); xs != nil {
		t.Fatal("an untracked art keeps samples")
	}
	if xs, ys := h.artSeries("z"); len(xs) != 1 || ys[0] != 2 {
		t.Fatalf("z: %v %v", xs, ys)
	}
}

// FuzzSearch: no search string crashes the explorer or comes back as a
// page that is not an error or a redirect to one of its own pages.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"", "1", "-1", "0x" + strings.Repeat("ab", 32), strings.Repeat("AB", 32), "pastel1yvmfn5aw6m7f4gpf5xp9u758s3z8j0tddfa9q4", evil, "%00", "9999999999999999999999"} {
		f.Add(s)
	}
	s := newTestServer(f)
	f.Fuzz(func(t *testing.T, q string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		to, err := s.resolve(ctx, strings.TrimSpace(q))
		if err != nil {
			return
		}
		if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.ContainsAny(to, "<>\"' ") {
			t.Fatalf("search %q redirects to %q", q, to)
		}
	})
}
