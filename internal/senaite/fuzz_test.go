package senaite

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The decoders face whatever a lab, a proxy or a broken network sends:
// they may fail, never panic.

var seedBodies = []string{
	`{"count": 1, "pagesize": 25, "page": 1, "pages": 1, "next": null, "previous": null, "items": [{"uid": "a", "created": "2024-01-03T10:00:00+01:00", "workflow_info": [{"review_history": [{"action": null, "time": "2024-01-03 10:00:00"}]}]}], "_runtime": 0.1}`,
	`{"success": false, "message": "{\"ClientID\": \"dup\"}", "_runtime": 0.1}`,
	`<html><body>Site Error</body></html>`,
	`{"items": [{}, null, [], {"uid": {"uid": "x"}}]}`,
	`{"count": "3", "items": "nope"}`,
	``, `null`, `[]`, `{`,
	`{"Count": 2, "count": 1, "items": []}`, `{"items": null, "next": "n"}`, `{"items": [1, "x"]}`, `{"items": {}}`,
	`{"count": 1, "items": [{"uid": "a"}], "items": [{"uid": "b"}, {"uid": "c"}]}`,
}

func FuzzDecodePage(f *testing.F) {
	for _, s := range seedBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePage(b)
		// the split envelope reads as the decoder reads it
		var env envelope
		derr := json.Unmarshal(b, &env)
		got, _, serr := splitEnvelope(b)
		if (serr != nil) != (derr != nil) {
			t.Fatalf("splitEnvelope(%q): error %v, the decoder's %v", b, serr, derr)
		}
		if serr == nil {
			if got.Count != env.Count || got.PageSize != env.PageSize || got.Page != env.Page || got.Pages != env.Pages ||
				(got.Next == nil) != (env.Next == nil) || got.Next != nil && *got.Next != *env.Next ||
				len(got.Items) != len(env.Items) || (got.Items == nil) != (env.Items == nil) {
				t.Fatalf("splitEnvelope(%q) = %+v, the decoder's %+v", b, got, env)
			}
			for i := range env.Items {
				if !bytes.Equal(got.Items[i], env.Items[i]) {
					t.Fatalf("splitEnvelope(%q) item %d = %q, the decoder's %q", b, i, got.Items[i], env.Items[i])
				}
			}
		}
		if err == nil {
			for _, it := range p.Items {
				_ = it.Refs("Contact")
				_, _ = it.Time("created")
			}
		}
	})
}

func FuzzDecodeItem(f *testing.F) {
	for _, s := range seedBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		it, err := decodeItem(b)
		if err != nil {
			return
		}
		for k := range it.Raw {
			_ = it.String(k)
			_ = it.Refs(k)
			_ = it.IsEmpty(k)
			_, _ = it.Time(k)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-01-03T10:00:00+01:00", "2024-01-03 10:00:00", "2024-01-03", "2024-01-03T10:00:00.123456", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseTime(s) })
}

func FuzzClassifyResponse(f *testing.F) {
	for _, s := range seedBodies {
		f.Add(200, "application/json", []byte(s))
		f.Add(500, "text/html", []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, ct string, b []byte) {
		e := classify("GET", "/search", status, ct, b)
		// the shortcut for answers without a success key decides as the
		// envelope's decoding does
		if d := classifyDecoded("GET", "/search", status, ct, b); (e == nil) != (d == nil) ||
			e != nil && (e.Kind != d.Kind || e.Message != d.Message) {
			t.Fatalf("classify(%d, %q) = %v; decoding the envelope says %v", status, b, e, d)
		}
		if e != nil {
			_ = e.Error()
			_ = e.FieldErrors()
			_ = e.retryable()
		}
	})
}
