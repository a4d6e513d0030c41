package coordinator

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
)

// A published level is listed again only when the run moves to another
// level or objects were put back in `fetched` (forgetLevel); relistEvery
// bounds the rest.
func TestLevelListedOncePerLevel(t *testing.T) {
	c := &Coordinator{}
	run, other := uuid.New(), uuid.New()
	if c.levelListed(run, 0) {
		t.Fatal("a level never listed counts as listed")
	}
	c.markLevelListed(run, 0)
	if !c.levelListed(run, 0) {
		t.Fatal("a level just listed is listed again on the next tick")
	}
	if c.levelListed(run, 1) {
		t.Fatal("the next level counts as listed")
	}
	if c.levelListed(other, 0) {
		t.Fatal("another run's level counts as listed")
	}
	c.forgetLevel(run)
	if c.levelListed(run, 0) {
		t.Fatal("a level whose objects were requeued is not listed again")
	}
	c.markLevelListed(run, 0)
	c.listed[run] = listedLevel{level: 0, at: c.listed[run].at.Add(-relistEvery)}
	if c.levelListed(run, 0) {
		t.Fatal("a level listed relistEvery ago is not listed again")
	}
}

// Published message ids older than republishAfter are swept once the map
// has doubled: the map holds what was published lately, not a lab's
// import.
func TestPublishedIdsAreSwept(t *testing.T) {
	c := &Coordinator{}
	for i := range minPubSweep {
		c.markPublished(fmt.Sprint("old-", i))
	}
	for k := range c.pub {
		c.pub[k] = time.Now().Add(-republishAfter) // published long ago
	}
	if c.published("old-1") {
		t.Fatal("an id published republishAfter ago counts as published")
	}
	c.markPublished("new-0")
	if len(c.pub) != 1 || !c.published("new-0") {
		t.Fatalf("%d ids kept after the sweep, want the new one", len(c.pub))
	}
	for i := 1; i < 3*minPubSweep; i++ {
		c.markPublished(fmt.Sprint("new-", i))
	}
	if len(c.pub) != 3*minPubSweep || !c.published("new-0") {
		t.Fatalf("%d ids kept, want every recent one", len(c.pub))
	}
}
