package apitype

import (
	"time"

	"github.com/senaite-sync/senaite-sync/internal/remote"
)

// Remote is a remote as the API shows it: its options whole, so that an
// answer can be PUT back, and where its auto-sync stands.
type Remote struct {
	Name        string         `json:"name"`
	Source      string         `json:"source"`
	Destination string         `json:"destination"`
	Options     remote.Options `json:"options"`
	// Watermark is the source's clock up to which updates have brought
	// its changes (null before the first).
	Watermark *time.Time `json:"watermark"`
	// NextSyncAt is when auto-sync next ticks (null: off, or not yet
	// scheduled); SyncPending says a tick waits for the running step.
	NextSyncAt  *time.Time `json:"next_sync_at"`
	SyncPending bool       `json:"sync_pending"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// RemoteList is GET /remotes.
type RemoteList struct {
	Remotes []Remote `json:"remotes"`
}

// RemoteIn is a remote as POST /remotes and PUT /remotes/{name} take it:
// a GET's answer without what only the service sets, so that the CLI's
// `remote edit` can read a remote, change it and put it back whole. (The
// API also takes the options flat, beside name, as earlier clients sent
// them.) A PUT may leave name and endpoints out: they never change.
type RemoteIn struct {
	Name        string         `json:"name,omitempty"`
	Source      string         `json:"source,omitempty"`
	Destination string         `json:"destination,omitempty"`
	Options     remote.Options `json:"options"`
}
