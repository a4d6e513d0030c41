package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// What a process does, counted where it happens (issue #14): the requests
// it sends the labs, the messages its workers handle, whether it leads.
// Process-wide instruments, registered by every /metrics handler of the
// process (the coordinator's API, a worker's probes).
var (
	labRequests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "senaite_sync_lab_request_duration_seconds",
		Help: "Requests this process sent the labs (each attempt), by instance, kind (read, write) and outcome " +
			"(ok; overload: a timeout, a dropped connection, 429 or 5xx of a proxy; error: any other failure).",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"instance", "kind", "outcome"})
	messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "senaite_sync_messages_total",
		Help: "Queue messages this process's workers handled, by role (fetch, import) and outcome " +
			"(done, retried, dead_lettered, busy: another worker had the object, unreadable).",
	}, []string{"role", "outcome"})
	redeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "senaite_sync_redeliveries_total",
		Help: "Queue messages delivered to this process more than once (a worker died or let go before acknowledging), by role.",
	}, []string{"role"})
	publishFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "senaite_sync_queue_publish_failures_total",
		Help: "Publishes to a stream that failed or got no acknowledgement (a stream without a leader, NATS out of reach); each is published again.",
	})
	unanswered = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "senaite_sync_queue_unanswered_total",
		Help: "Pulls (op pull) and questions to a stream (op stream_question, the coordinator's before a run's step) that got no " +
			"answer: a stream or consumer without a leader, NATS out of reach; each is tried again.",
	}, []string{"op"})
	leader = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "senaite_sync_leader",
		Help: "1 while this coordinator leads (drives the runs), else 0.",
	})
)

// ProcessCollectors are the instruments above, for a /metrics handler's
// registry (the coordinator's, a worker's probes).
func ProcessCollectors() []prometheus.Collector {
	return []prometheus.Collector{labRequests, messages, redeliveries, publishFailures, unanswered, leader}
}

// LabRequest records one attempt of a request to a lab.
func LabRequest(instance string, write, overload bool, err error, latency time.Duration) {
	kind, outcome := "read", "ok"
	if write {
		kind = "write"
	}
	switch {
	case overload:
		outcome = "overload"
	case err != nil:
		outcome = "error"
	}
	labRequests.WithLabelValues(instance, kind, outcome).Observe(latency.Seconds())
}

// Message records how a worker of role handled a message.
func Message(role, outcome string) { messages.WithLabelValues(role, outcome).Inc() }

// Redelivered records a message delivered more than once.
func Redelivered(role string) { redeliveries.WithLabelValues(role).Inc() }

// PublishFailed records a publish that failed.
func PublishFailed() { publishFailures.Inc() }

// Unanswered records a pull or a stream question that got no answer.
func Unanswered(op string) { unanswered.WithLabelValues(op).Inc() }

// Leading records whether this process leads.
func Leading(yes bool) {
	if yes {
		leader.Set(1)
	} else {
		leader.Set(0)
	}
}
