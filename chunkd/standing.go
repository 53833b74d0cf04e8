package chunkd

import (
	"context"
	"strings"
	"time"

	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// watchStanding logs this masternode's standing on the chain whenever it
// changes (jailed, withheld, exiting, back in good standing): jailing is
// otherwise silent on the operator's side, and a jailed masternode holds
// nothing new and earns nothing.
func (d *Daemon) watchStanding(ctx context.Context, every time.Duration) {
	last := ""
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if s, m := d.currentStanding(ctx); s != "" && s != last {
			attrs := []any{"masternode", d.addr.String(), "standing", s, "height", d.height.Load()}
			switch {
			case m == nil:
				d.log.Warn("masternode not registered", attrs...)
			case m.Status == storagepb.MasternodeStatus_MN_JAILED:
				d.log.Error("masternode jailed: no new chunks, no rewards; unjail with `pasteld mn unjail --from "+d.cfg.Key+"` after the jail ends (`pasteld mn show "+d.addr.String()+"`)",
					append(attrs, "jailed_height", m.JailedHeight, "challenges_failed", m.ChallengesFailed)...)
			case strings.HasPrefix(s, "WITHHELD"):
				d.log.Warn("masternode rewards withheld", append(attrs, "withheld_until", m.WithheldUntil, "challenges_failed", m.ChallengesFailed)...)
			default:
				d.log.Info("masternode standing", attrs...)
			}
			last = s
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (d *Daemon) currentStanding(ctx context.Context) (string, *storagepb.Masternode) {
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if d.height.Load() == 0 {
		return "", nil // not synced with the chain yet: withheld-through is relative to a height
	}
	m, err := d.chain.Masternode(qctx, d.addr)
	if err != nil {
		return "", nil
	}
	if m == nil {
		return "not registered (pasteld mn register)", nil
	}
	return standing(m, d.height.Load()), m
}
