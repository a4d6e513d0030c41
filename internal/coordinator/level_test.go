package coordinator

import (
	"testing"

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
