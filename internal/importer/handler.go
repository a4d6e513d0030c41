package importer

import (
	"context"
	"errors"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"log/slog"
	"sync"
	"time"
)

// Object is the message of one object to import.
type Object struct {
	RemoteID  int64  `json:"remote_id"`
	SourceUID string `json:"source_uid"`
	RunID     string `json:"run_id"`
}

// ErrDependencyMissing means the object's container or a required
// reference has no replica on the destination yet: the message waits (it
// is re-published when the dependency lands) without spending its
// delivery budget.
var ErrDependencyMissing = errors.New("importer: dependency not imported yet")

// Clients gives a client per instance id.
type Clients func(ctx context.Context, instanceID int64) (*senaite.Client, error)

// Handler imports objects. It is idempotent: every write to the
// destination is preceded by a look-up of the identity table, and a create
// interrupted before its identity was recorded is found again through its
// intent.
type Handler struct {
	Store   *store.Store
	Clients Clients
	Log     *slog.Logger
	// Sequencer publishes the next object of an ID sequence when one is
	// settled (nil: the coordinator's relisting does, more slowly).
	Sequencer *Sequencer
	// Deferred tells whether a reference field of an object is set later.
	Deferred func(sourceUID, field string) bool

	keyMu sync.Mutex
	keys  map[string]*keyIndex // instance/type → its natural keys (naturalKeys)

	remoteMu sync.Mutex
	remotes  map[int64]cachedRemote

	tr translations

	// retests are the waiting retests of a replay round by the reference
	// that names what they retest ("RetestOf:<uid>" → retest UID); set
	// between phases, read-only while a phase's tasks run
	retests map[string]string

	// held is the replay's snapshot of the deferred fields still to set
	// (source UID → fields), read once instead of once per object; nil
	// outside a replay, where each object asks the store
	held map[string][]string
}

// deferredFields are an object's reference fields the plan holds back
// and that are not set yet.
func (h *Handler) deferredFields(ctx context.Context, rm store.Remote, uid string) ([]string, error) {
	if h.held != nil {
		return h.held[uid], nil
	}
	return h.Store.DeferredFields(ctx, rm.ID, uid)
}

type cachedRemote struct {
	rm      store.Remote
	checked time.Time
}

// remote reads a remote, kept for a few seconds: every message names one,
// and its settings change rarely.
func (h *Handler) remote(ctx context.Context, id int64) (store.Remote, error) {
	h.remoteMu.Lock()
	c, ok := h.remotes[id]
	h.remoteMu.Unlock()
	if ok && time.Since(c.checked) < 5*time.Second {
		return c.rm, nil
	}
	rm, err := h.Store.RemoteByID(ctx, id)
	if err != nil {
		return store.Remote{}, err
	}
	h.remoteMu.Lock()
	if h.remotes == nil {
		h.remotes = map[int64]cachedRemote{}
	}
	h.remotes[id] = cachedRemote{rm: rm, checked: time.Now()}
	h.remoteMu.Unlock()
	return rm, nil
}

// pending are the states an object is imported from.
var pending = []store.ObjState{store.ObjFetched, store.ObjWaiting, store.ObjFailed}
