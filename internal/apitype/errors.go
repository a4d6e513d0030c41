package apitype

// ErrorBody is every refusal's body: what went wrong, and for a step
// refused because another runs on the remote (code run_active), that run,
// so that a script can wait for it.
type ErrorBody struct {
	Error Error `json:"error"`
	Run   *Run  `json:"run,omitempty"`
}

// Error is a refusal: a stable code for scripts, a message for people,
// and the request's field at fault (omitted when none).
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}
