package apitype

import "time"

// Object is one of a remote's objects as the API lists it: where it stands
// in the sync, and why.
type Object struct {
	SourceUID  string `json:"source_uid"`
	PortalType string `json:"portal_type"`
	SourcePath string `json:"source_path"`
	// Label is the origin label (remote prefix + id at the origin) of a
	// prefixable type's object.
	Label string `json:"label,omitempty"`
	// SourceID is the object's id at the source; DestID its copy's, where
	// one was created or linked (they differ where the destination's ID
	// server could not give the source's id back).
	SourceID    string `json:"source_id"`
	DestID      string `json:"destination_id,omitempty"`
	ReviewState string `json:"review_state"`
	State       string `json:"state"`
	Reason      string `json:"reason,omitempty"`
	// Wait and WaitingFor say, of a parked object, on what it waits.
	Wait       string    `json:"wait,omitempty"`
	WaitingFor string    `json:"waiting_for,omitempty"`
	DestUID    string    `json:"destination_uid,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ObjectsPage is GET /remotes/{name}/objects: a page, and the cursor of
// the next (null on the last).
type ObjectsPage struct {
	Objects    []Object `json:"objects"`
	NextCursor *string  `json:"next_cursor"`
}
