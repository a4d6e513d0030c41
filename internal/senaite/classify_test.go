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
