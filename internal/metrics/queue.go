package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	pendingDesc = prometheus.NewDesc("senaite_sync_queue_pending_messages",
		"Messages of a stream not yet delivered to its consumer (a remote's, for fetch and import): what to scale workers on.",
		[]string{"stream", "consumer"}, nil)
	ackPendingDesc = prometheus.NewDesc("senaite_sync_queue_unacknowledged_messages",
		"Messages delivered to a consumer's workers and not acknowledged yet.",
		[]string{"stream", "consumer"}, nil)
	queueUpDesc = prometheus.NewDesc("senaite_sync_queue_up",
		"1 when the streams' consumers could be read from JetStream at this scrape.", nil, nil)
)

// QueueCollector reads the streams' consumers from JetStream at scrape
// time (kept a few seconds, as Collector's tallies are).
type QueueCollector struct {
	JS      jetstream.JetStream
	Streams []string

	mu    sync.Mutex
	at    time.Time
	infos []*jetstream.ConsumerInfo
	err   error
}

// Describe sends the metrics' descriptions.
func (q *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{pendingDesc, ackPendingDesc, queueUpDesc} {
		ch <- d
	}
}

// Collect reads (or reuses) the consumers' state and sends it.
func (q *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	q.mu.Lock()
	if time.Since(q.at) > cacheFor {
		q.infos, q.err = q.read()
		q.at = time.Now()
	}
	infos, err := q.infos, q.err
	q.mu.Unlock()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, 1)
	for _, ci := range infos {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(ci.NumPending), ci.Stream, ci.Name)
		ch <- prometheus.MustNewConstMetric(ackPendingDesc, prometheus.GaugeValue, float64(ci.NumAckPending), ci.Stream, ci.Name)
	}
}

func (q *QueueCollector) read() ([]*jetstream.ConsumerInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	var out []*jetstream.ConsumerInfo
	for _, name := range q.Streams {
		s, err := q.JS.Stream(ctx, name)
		if err != nil {
			return nil, err
		}
		l := s.ListConsumers(ctx)
		for ci := range l.Info() {
			out = append(out, ci)
		}
		if err := l.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
