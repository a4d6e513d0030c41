// Package fetcher reads pages of a source lab and stores the objects:
// the handler of sync.fetch messages (ARCHITECTURE.md §4, Fetch 3). It is
// idempotent — a redelivered page stores nothing new and counts once.
package fetcher

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Page is the message of one listing page to read.
type Page struct {
	RunID      uuid.UUID `json:"run_id"`
	RemoteID   int64     `json:"remote_id"`
	PortalType string    `json:"portal_type"`
	BStart     int       `json:"b_start"`
	Limit      int       `json:"limit"`
	// Mode is "" for a fetch's complete page; an update's pages are
	// store.ModeScan or store.ModeSince (see update.go), a verify run's
	// store.ModeVerify (verify.go).
	Mode  string     `json:"mode,omitempty"`
	Since *time.Time `json:"since,omitempty"`
}

// MsgID deduplicates re-publishes of the same page.
func (p Page) MsgID() string {
	return fmt.Sprintf("fetch:%s:%s:%d", p.RunID, p.PortalType, p.BStart)
}

// Query is the listing a page reads: created order (indexed in every
// SENAITE catalog), complete items with their review history, so that the
// import needs no second GET per object.
func (p Page) Query() senaite.Query {
	return senaite.Query{PortalTypes: []string{p.PortalType}, Limit: p.Limit, SortOn: "created",
		SortOrder: "ascending", Complete: true, Workflow: true}
}

// Source gives the client of a remote's source lab.
type Source func(ctx context.Context, remoteID int64) (*senaite.Client, error)

// Handler reads pages.
type Handler struct {
	Store  *store.Store
	Source Source
	// Destination gives the client of a remote's destination: verify
	// pages read the copies there.
	Destination Source
	Log         *slog.Logger
}

// Result says what a page did.
type Result struct {
	Items   int
	Changed int
	// Done and Total are the run's pages after this one; Counted is false
	// for a redelivery of a page already counted.
	Done, Total int
	Counted     bool
}

// Handle reads one page and stores its objects.
func (h *Handler) Handle(ctx context.Context, p Page) (Result, error) {
	c, err := h.Source(ctx, p.RemoteID)
	if err != nil {
		return Result{}, err
	}
	var items []senaite.Item
	switch p.Mode {
	case store.ModeVerify:
		n, err := h.verify(ctx, c, p)
		if err != nil {
			return Result{}, fmt.Errorf("fetcher: verify %s page b_start=%d: %w", p.PortalType, p.BStart, err)
		}
		done, total, counted, err := h.Store.PageDone(ctx, p.RunID, p.PortalType, p.BStart, n)
		if err != nil {
			return Result{}, err
		}
		return Result{Items: n, Done: done, Total: total, Counted: counted}, nil
	case store.ModeScan:
		items, err = h.scan(ctx, c, p)
	case store.ModeSince:
		items, err = h.since(ctx, c, p)
	default:
		items, err = readPage(ctx, c, p.Query(), p.BStart)
	}
	if err != nil {
		return Result{}, fmt.Errorf("fetcher: %s page b_start=%d: %w", p.PortalType, p.BStart, err)
	}
	objs := make([]store.Fetched, 0, len(items))
	for _, it := range items {
		f, err := ToFetched(it)
		if err != nil {
			return Result{}, fmt.Errorf("fetcher: %s page b_start=%d: %w", p.PortalType, p.BStart, err)
		}
		objs = append(objs, f)
	}
	changed, err := h.Store.UpsertFetched(ctx, p.RemoteID, p.RunID, objs)
	if err != nil {
		return Result{}, err
	}
	done, total, counted, err := h.Store.PageDone(ctx, p.RunID, p.PortalType, p.BStart, len(objs))
	if err != nil {
		return Result{}, err
	}
	if h.Log != nil {
		h.Log.DebugContext(ctx, "page fetched", "run_id", p.RunID, "portal_type", p.PortalType, "b_start", p.BStart,
			"items", len(objs), "changed", changed, "pages_done", done, "pages_total", total)
	}
	return Result{Items: len(objs), Changed: changed, Done: done, Total: total, Counted: counted}, nil
}

// ToFetched turns a complete item into the stored form.
func ToFetched(it senaite.Item) (store.Fetched, error) {
	if it.UID == "" {
		return store.Fetched{}, fmt.Errorf("item without uid at %s", it.Path)
	}
	data := []byte(it.Body)
	if len(data) == 0 {
		var err error
		if data, err = json.Marshal(it.Raw); err != nil {
			return store.Fetched{}, fmt.Errorf("item %s: %w", it.UID, err)
		}
	}
	// references are stored as "field:uid", the import plan needs both
	var uids []string
	for _, r := range refs.Extract(it.PortalType, it.Raw) {
		if r.UID != it.UID {
			uids = append(uids, r.Field+":"+r.UID)
		}
	}
	uids = append(uids, hiddenRefs(it)...)
	return store.Fetched{SourceUID: it.UID, PortalType: it.PortalType, SourcePath: it.Path, ParentUID: it.ParentUID,
		Created: it.Created, Modified: it.Modified, ReviewState: it.ReviewState, Data: data, Refs: uids}, nil
}

// hiddenRefs are the references an object whose fields the source
// withholds still has through its catalog metadata (schema.FieldsHidden):
// the import rebuilds them, so the plan must order them too.
func hiddenRefs(it senaite.Item) []string {
	keys := make([]string, 0, len(it.Raw))
	for k := range it.Raw {
		keys = append(keys, k)
	}
	if !schema.FieldsHidden(it.PortalType, it.ReviewState, keys) {
		return nil
	}
	var out []string
	for col, field := range schema.FromMetadata(it.PortalType) {
		if u := it.String(col); strings.HasSuffix(col, "UID") && refs.IsUID(u) && u != it.UID {
			out = append(out, field+":"+u)
		}
	}
	for field, target := range schema.StandIns(it.PortalType) {
		// "any object of that type": the plan orders the object after one
		out = append(out, StandInRef(field, target))
	}
	sort.Strings(out)
	return out
}

// StandInRef is the stored reference of a withheld field that an object
// of type target will stand in for ("~field:Type"); the leading tilde
// tells it from a reference to a UID.
func StandInRef(field, target string) string { return "~" + field + ":" + target }
