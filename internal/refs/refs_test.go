package refs

import (
	"encoding/json"
	"reflect"
	"testing"
)

const (
	u1 = "0123456789abcdef0123456789abcdef"
	u2 = "fedcba9876543210fedcba9876543210"
	u3 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

func TestExtract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		item string
		want []Ref
	}{
		{"single reference", `{"Contact": {"uid": "` + u1 + `", "url": "x", "api_url": "y"}}`, []Ref{{"Contact", u1}}},
		{"empty reference forms", `{"A": {}, "B": null, "C": [], "D": ""}`, nil},
		{"list of references", `{"CCContact": [{"uid": "` + u1 + `", "api_url": "y"}, {"uid": "` + u2 + `", "api_url": "y"}]}`,
			[]Ref{{"CCContact", u1}, {"CCContact", u2}}},
		{"records with uid keys", `{"services": [{"uid": "` + u1 + `", "hidden": false}], "Layout": [{"position": "1", "container_uid": "` + u2 + `", "analysis_uid": "` + u3 + `"}]}`,
			[]Ref{{"Layout", u3}, {"Layout", u2}, {"services", u1}}},
		{"own attributes and metadata are not references", `{"uid": "` + u1 + `", "parent_uid": "` + u2 + `", "getClientUID": "` + u3 + `", "workflow_info": [{"uid": "` + u3 + `"}]}`, nil},
		{"not a UID", `{"Contact": {"uid": "not-a-uid", "api_url": "y"}}`, nil},
	}
	for _, tt := range tests {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(tt.item), &raw); err != nil {
			t.Fatal(err)
		}
		if got := Extract(raw); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
