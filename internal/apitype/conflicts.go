package apitype

import "time"

// Conflict is an object changed at the source and on the destination
// since the last sync: both modification times and both values of every
// differing field, what a person needs to choose.
type Conflict struct {
	SourceUID      string          `json:"source_uid"`
	PortalType     string          `json:"portal_type"`
	DestUID        string          `json:"destination_uid"`
	SourceModified *time.Time      `json:"source_modified"`
	DestModified   *time.Time      `json:"destination_modified"`
	Fields         []FieldConflict `json:"fields"`
	Label          string          `json:"label,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	ResolvedAt     *time.Time      `json:"resolved_at,omitempty"`
	// Resolution is the side taken (source, destination), once resolved.
	Resolution string `json:"resolution,omitempty"`
}

// FieldConflict is one field's value on each side.
type FieldConflict struct {
	Field       string `json:"field"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// ConflictList is GET /remotes/{name}/conflicts.
type ConflictList struct {
	Conflicts []Conflict `json:"conflicts"`
}

// ConflictAnswer is a conflict resolved.
type ConflictAnswer struct {
	Conflict Conflict `json:"conflict"`
}

// Resolution is POST …/conflicts/{uid}/resolve: the side to take,
// "source" or "destination".
type Resolution struct {
	Take string `json:"take"`
}
