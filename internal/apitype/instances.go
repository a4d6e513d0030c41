package apitype

import "time"

// Instance is a lab as the API shows it: never a password (they are
// write-only), only whether a CA certificate is pinned.
type Instance struct {
	Name             string    `json:"name"`
	URL              string    `json:"url"`
	Username         string    `json:"username"`
	HasCACert        bool      `json:"has_ca_cert"`
	VerifierUsername string    `json:"verifier_username"`
	Flavor           string    `json:"flavor"`
	Version          string    `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// InstanceList is GET /instances.
type InstanceList struct {
	Instances []Instance `json:"instances"`
}

// InstanceCheck is what a lab answered when asked who it is and whether
// its credentials work: a lab that refuses is a check that worked, with
// the lab's reason in Error.
type InstanceCheck struct {
	Flavor  string `json:"flavor"`
	Version string `json:"version"`
	Auth    bool   `json:"auth"`
	// Verifier tells whether the verifier account works (omitted without one).
	Verifier *bool  `json:"verifier,omitempty"`
	Error    string `json:"error,omitempty"`
}

// CheckAnswer is POST /instances/{name}/check.
type CheckAnswer struct {
	Check InstanceCheck `json:"check"`
}

// InstanceIn is a lab as a client registers or replaces it (POST
// /instances, PUT /instances/{name}): passwords in clear, sealed by the
// coordinator before they are stored and never answered again.
type InstanceIn struct {
	Name             string `json:"name"`
	URL              string `json:"url"`
	Username         string `json:"username"`
	Password         string `json:"password"`
	CACert           string `json:"ca_cert"`
	VerifierUsername string `json:"verifier_username"`
	VerifierPassword string `json:"verifier_password"`
}
