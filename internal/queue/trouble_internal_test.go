package queue

import (
	"errors"
	"strings"
	"testing"
)

// TestTroubleFollowsEachKindApart: a pull that succeeds does not hide
// publishes that keep failing (another stream, another leader), and the
// trouble ends only when each kind has succeeded again.
func TestTroubleFollowsEachKindApart(t *testing.T) {
	reached(opPublish)
	reached(opPull)
	reached(opAsk)
	if _, err := Trouble(); err != nil {
		t.Fatalf("no failure yet: %v", err)
	}
	failed(opPublish, errors.New("nats: no response from stream"))
	reached(opPull)
	since, err := Trouble()
	if err == nil || !strings.Contains(err.Error(), "publishes failing") {
		t.Fatalf("publishes fail, a pull succeeded: Trouble says %v", err)
	}
	failed(opPull, errors.New("nats: timeout"))
	if s2, err := Trouble(); err == nil || !s2.Equal(since) || !strings.Contains(err.Error(), "no response from stream") {
		t.Errorf("the older trouble (publishes since %v) is reported: %v since %v", since, err, s2)
	}
	reached(opPublish)
	if _, err := Trouble(); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("pulls still fail: %v", err)
	}
	reached(opPull)
	if _, err := Trouble(); err != nil {
		t.Errorf("both succeeded again: %v", err)
	}
}
