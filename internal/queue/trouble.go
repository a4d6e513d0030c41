package queue

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/metrics"
)

// A publish or a pull that cannot reach its stream — a cluster electing a
// leader, a server gone with the stream's only replica — is retried by its
// caller (the coordinator's step backoff, a message's redelivery, the pull
// loop's pause). What this process has seen of it is kept here so that its
// readiness says so (probe.Checks, the coordinator's /readyz) instead of
// answering ready while no work moves (issue #14).

// TroubleGrace is how long publishes or pulls may fail in a row before the
// process stops answering ready: one election of a stream leader (a few
// seconds on a 3-server cluster) is not worth taking it out of service.
const TroubleGrace = 15 * time.Second

// Kinds of requests Trouble follows apart: a pull that succeeds does not
// tell that publishes do (another stream, another leader).
const (
	opPublish = "publish"
	opPull    = "pull"
	opAsk     = "stream_question"
)

// opWords name the kinds in what Trouble says.
var opWords = map[string]string{opPublish: "publishes", opPull: "pulls", opAsk: "questions to the streams"}

var trouble struct {
	mu     sync.Mutex
	since  map[string]time.Time // first failure of an op since its last success
	lastAt map[string]time.Time // its latest failure
	last   map[string]error
}

// failed records a publish or pull that did not reach its stream.
func failed(op string, err error) {
	trouble.mu.Lock()
	defer trouble.mu.Unlock()
	if trouble.since == nil {
		trouble.since, trouble.lastAt, trouble.last = map[string]time.Time{}, map[string]time.Time{}, map[string]error{}
	}
	now := time.Now()
	if _, ok := trouble.since[op]; !ok {
		trouble.since[op] = now
	}
	trouble.lastAt[op], trouble.last[op] = now, err
	if op != opPublish { // counted where it failed, with its acknowledgement timeouts
		metrics.Unanswered(op)
	}
}

// reached records a publish or pull that did.
func reached(op string) {
	trouble.mu.Lock()
	defer trouble.mu.Unlock()
	delete(trouble.since, op)
	delete(trouble.lastAt, op)
	delete(trouble.last, op)
}

// Trouble reports since when this process's publishes, its pulls or its
// questions to the streams have failed without one succeeding (the longest
// of them), and the last error, naming which; err is nil when none fails.
// Failures that stopped TroubleGrace ago without a success — nothing was
// tried since, a remote's pulls ended with its work — are over.
func Trouble() (since time.Time, err error) {
	trouble.mu.Lock()
	defer trouble.mu.Unlock()
	for _, op := range []string{opPublish, opPull, opAsk} {
		s, ok := trouble.since[op]
		if ok && time.Since(trouble.lastAt[op]) < TroubleGrace && (err == nil || s.Before(since)) {
			since, err = s, fmt.Errorf("%s failing: %w", opWords[op], trouble.last[op])
		}
	}
	return since, err
}

// askTimeout bounds Answer's question to each stream.
const askTimeout = 2 * time.Second

// Answer asks each role's stream for its state: a stream without a leader
// (a cluster that lost its quorum, its only replica's server gone) answers
// nothing, while the connection and even the account answer. The
// coordinator asks before a run's step, since a step with nothing new to
// publish would not find out by itself that no work moves.
func Answer(ctx context.Context, js jetstream.JetStream, n Names, roles ...Role) error {
	for _, r := range roles {
		actx, cancel := context.WithTimeout(ctx, askTimeout)
		_, err := js.Stream(actx, n.Stream(r))
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				failed(opAsk, err)
			}
			return fmt.Errorf("queue: stream %s does not answer: %w", n.Stream(r), err)
		}
	}
	reached(opAsk)
	return nil
}
