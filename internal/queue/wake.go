package queue

import (
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Wake-ups (issue #13). A worker process finds the remotes with messages
// by asking the stream every Refresh (1 s): a run's first messages waited
// up to that long for a worker to take them, 0.5 s on average of every
// import, while the lab sat idle (0.74 s to 1.80 s of a 63-s import of
// 5,359 objects without a request). The process that publishes a
// remote's first messages — the coordinator's fetch pages, an import's
// listing — says so on a core NATS subject beside the stream (not in it:
// nothing to acknowledge, nothing kept), and each worker of the role
// looks at once. A lost wake-up costs what it did before: the next
// Refresh finds the messages.

// wakeBase is the subject prefix of a role's wake-ups; a remote's is
// <base>.<remote>. Outside the streams' subjects (sync.<role>.>).
func (n Names) wakeBase(r Role) string {
	base := "sync.wake." + string(r)
	if n.Prefix != "" {
		base = n.Prefix + "." + base
	}
	return base
}

// Wake tells the workers of a role that a remote has messages now. Best
// effort: a core publish, never waited for, its failure the next
// Refresh's to make good.
func Wake(js jetstream.JetStream, n Names, r Role, remote string) {
	if js == nil {
		return
	}
	if nc := js.Conn(); nc != nil {
		_ = nc.Publish(n.wakeBase(r)+"."+remote, nil)
	}
}

// wakes subscribes to a role's wake-ups: the remotes named arrive on the
// channel, dropped when it is full (the loop that reads it looks at every
// remote's stream anyway). The subscription ends with unsubscribe.
func (w *Work) wakes() (<-chan string, func()) {
	ch := make(chan string, 16)
	if w.JS == nil || w.JS.Conn() == nil {
		return ch, func() {}
	}
	base := w.Names.wakeBase(w.Role) + "."
	sub, err := w.JS.Conn().Subscribe(base+"*", func(m *nats.Msg) {
		select {
		case ch <- strings.TrimPrefix(m.Subject, base):
		default:
		}
	})
	if err != nil {
		return ch, func() {} // the Refresh alone finds the remotes
	}
	return ch, func() { _ = sub.Unsubscribe() }
}
