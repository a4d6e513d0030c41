package apitype

import (
	"encoding/json"
	"time"
)

// Run is a step started on a remote (fetch, import, update, verify) as
// the API shows it: its status, where it stands and what it counted.
type Run struct {
	ID         string     `json:"id"`
	Remote     string     `json:"remote"`
	Kind       string     `json:"kind"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Error      string     `json:"error"`
	// Pages are a fetch's listing pages.
	Pages  Pages             `json:"pages"`
	Counts Counts            `json:"counts"`
	ByType map[string]Counts `json:"by_type"`
	// Phase says where an update is (scan, import); Watermark is the
	// source's clock when it was planned.
	Phase     string     `json:"phase"`
	Watermark *time.Time `json:"watermark"`
	// Trigger says who asked: manual (API, CLI, console) or auto.
	Trigger string `json:"trigger"`
	// Note says why an active run does not advance (NATS, a lab or
	// PostgreSQL away), while it lasts.
	Note string `json:"note"`
	// Stage says where an import stands (objects, references, replay,
	// read-back); empty before.
	Stage string `json:"stage"`
	// Progress counts the objects an import settled so far (GET of one
	// running import only), for progress bars.
	Progress *Progress `json:"progress,omitempty"`
	// SiteConfig is what the run copied of users, registry and settings
	// (GET of one run that copied them): a siteconfig.Report, kept as the
	// run recorded it.
	SiteConfig json.RawMessage `json:"site_config,omitempty"`
}

// Pages counts a fetch's listing pages.
type Pages struct {
	Total int `json:"total"`
	Done  int `json:"done"`
}

// Progress counts an import's objects: settled of all.
type Progress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// Counts are a run's outcomes by kind, whole or of one portal type.
type Counts struct {
	Total     int `json:"total"`
	Fetched   int `json:"fetched"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Conflicts int `json:"conflicts"`
	Failed    int `json:"failed"`
	// IDsChanged counts copies created under another id than their
	// source's; each keeps the source's id as its label.
	IDsChanged int `json:"ids_changed"`
}

// RunAnswer is a run started, read or cancelled.
type RunAnswer struct {
	Run Run `json:"run"`
}

// RunList is GET /runs.
type RunList struct {
	Runs []Run `json:"runs"`
}
