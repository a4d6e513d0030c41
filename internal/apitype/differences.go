package apitype

// Difference is one thing a verify found different between a source and
// its copy: a field, a missing copy, a state.
type Difference struct {
	Kind           string `json:"kind"`
	PortalType     string `json:"portal_type"`
	SourceUID      string `json:"source_uid"`
	SourcePath     string `json:"source_path"`
	DestinationUID string `json:"destination_uid,omitempty"`
	Field          string `json:"field,omitempty"`
	Source         string `json:"source,omitempty"`
	Destination    string `json:"destination,omitempty"`
}

// NotCompared is a class of what a verify did not compare, and why: a
// clean verify says what it could not see.
type NotCompared struct {
	Class  string `json:"class"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Differences is GET /runs/{id}/differences.
type Differences struct {
	Differences []Difference  `json:"differences"`
	NotCompared []NotCompared `json:"not_compared"`
}
