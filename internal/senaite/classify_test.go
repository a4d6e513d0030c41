package senaite

import "testing"

func TestClassifyShortcutKeepsEveryFailure(t *testing.T) {
	for _, c := range []struct {
		body string
		fail bool
	}{
		{`{"count": 1, "items": [{"uid": "a"}]}`, false},
		{`[{"uid": "a"}]`, false},
		{`{"success": false, "message": "Not allowed"}`, true},
		{`{"SUCCESS": false, "message": "case does not hide it"}`, true},
		{`{"\u0073uccess": false}`, true},
		{`{"ſuccess": false}`, true},
		{`{"success": true, "items": []}`, false},
		{`{"items": [`, true},
		{`{"items": []} trailing`, true},
	} {
		if e := classify("POST", "/update", 200, "application/json", []byte(c.body)); (e != nil) != c.fail {
			t.Errorf("classify(%s) = %v, want failure %v", c.body, e, c.fail)
		}
	}
}

// TestOverloaded: only answers of a lab past its capacity make a gate
// back off; a lab's own exception, a refusal or a missing object do not.
func TestOverloaded(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"none", nil, false},
		{"503 page", &Error{Kind: KindHTML, Status: 503}, true},
		{"502 proxy", &Error{Kind: KindHTML, Status: 502}, true},
		{"504 proxy", &Error{Kind: KindHTML, Status: 504}, true},
		{"429", &Error{Kind: KindHTTP, Status: 429}, true},
		{"timeout", &Error{Kind: KindTimeout}, true},
		{"dropped", &Error{Kind: KindNetwork}, true},
		{"500 exception", &Error{Kind: KindHTML, Status: 500}, false},
		{"500 envelope", &Error{Kind: KindHTTP, Status: 500}, false},
		{"refusal", &Error{Kind: KindAPI, Message: "Validation failed"}, false},
		{"401", &Error{Kind: KindHTTP, Status: 401}, false},
		{"malformed", &Error{Kind: KindMalformed, Status: 200}, false},
	} {
		if got := overloaded(c.err); got != c.want {
			t.Errorf("%s: overloaded = %v, want %v", c.name, got, c.want)
		}
	}
}
