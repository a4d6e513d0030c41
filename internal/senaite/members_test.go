package senaite

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// sameAsDecoder checks members against the general decoder it replaces:
// the same members byte for byte, or an error for the same inputs.
func sameAsDecoder(t *testing.T, raw []byte) {
	t.Helper()
	var want map[string]json.RawMessage
	wantErr := json.Unmarshal(raw, &want)
	got, err := members(raw)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("members(%q): error %v, the decoder's %v", raw, err, wantErr)
	}
	if err != nil {
		return
	}
	if (got == nil) != (want == nil) || len(got) != len(want) {
		t.Fatalf("members(%q) = %d members (nil %v), the decoder's %d (nil %v)", raw, len(got), got == nil, len(want), want == nil)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || !bytes.Equal(g, v) {
			t.Fatalf("members(%q)[%q] = %q (present %v), the decoder's %q", raw, k, g, ok, v)
		}
	}
}

func TestMembersSplitsLikeTheDecoder(t *testing.T) {
	cases := []string{
		`{}`, ` { } `, `null`, `[]`, `"x"`, `12`, `true`, ``, `{`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{"a":1}x`,
		`{"a":1}`, "\t{\n\"a\" :\r 1 , \"b\":[1, {\"c\": \"}]\"}] }\n",
		`{"a":"x\"}y","b":"\\","c":"\\\""}`,
		`{"a":1,"a":2}`, // the last one wins
		`{"k\u00e9y":1,"\u0041":2,"ключ":3,"a\"b":4}`,
		`{"n":-1.5e+3,"t":true,"f":false,"z":null,"s":"","o":{},"l":[]}`,
		`{"deep":{"a":[{"b":[[{"c":"]"}]]}]},"after":"x"}`,
		"{\"bad\":\"\xff\xfe\",\"k\xff\":1}",
		`{"review_history":[{"action":null,"time":"2024-01-03 10:00:00"}]}`,
	}
	for _, s := range seedBodies {
		cases = append(cases, s)
	}
	raw, err := os.ReadFile("testdata/analysis_update.json")
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, string(raw), string(analysisItem(t)))
	for _, c := range cases {
		sameAsDecoder(t, []byte(c))
	}
}

func TestPlainStringReadsOnlyWhatNeedsNoDecoder(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"WW-0001"`, "WW-0001", true},
		{`""`, "", true},
		{`"a\"b"`, "", false},
		{`"café"`, "", false},
		{`12`, "", false},
		{`"`, "", false},
	} {
		got, ok := plainString([]byte(c.raw))
		if got != c.want || ok != c.ok {
			t.Errorf("plainString(%s) = %q, %v; want %q, %v", c.raw, got, ok, c.want, c.ok)
		}
	}
}

func FuzzMembers(f *testing.F) {
	for _, s := range seedBodies {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"a":"x\"}y","a":[{"b":"]"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) { sameAsDecoder(t, b) })
}

// analysisItem is the complete analysis of testdata/analysis_update.json,
// a simulator's answer to an update.
func analysisItem(tb testing.TB) json.RawMessage {
	tb.Helper()
	raw, err := os.ReadFile("testdata/analysis_update.json")
	if err != nil {
		tb.Fatal(err)
	}
	var res writeResult
	if err := json.Unmarshal(raw, &res); err != nil || len(res.Items) == 0 {
		tb.Fatal("no item in testdata/analysis_update.json")
	}
	return res.Items[0]
}

// BenchmarkDecodeItem decodes a complete analysis as an update answers it
// (4.9 kB): the unit of most of the fetch's and the replay's CPU.
func BenchmarkDecodeItem(b *testing.B) {
	item := analysisItem(b)
	b.SetBytes(int64(len(item)))
	for b.Loop() {
		if _, err := decodeItem(item); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePage decodes a page of fifty complete analyses (245 kB),
// as the fetch and the replay's listings read them.
func BenchmarkDecodePage(b *testing.B) {
	item := analysisItem(b)
	items := make([]json.RawMessage, 50)
	for i := range items {
		items[i] = item
	}
	page, _ := json.Marshal(map[string]any{"count": 50, "pagesize": 50, "page": 1, "pages": 1, "next": nil, "items": items})
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if p, err := decodePage(page); err != nil || len(p.Items) != 50 {
			b.Fatal(err)
		}
	}
}

func FuzzValue(f *testing.F) {
	for _, s := range []string{`"WW-0001"`, `""`, `"a\"b"`, `"café"`, `true`, `false`, `null`, `12.50`, `[1,"x"]`, `{"uid":"a"}`, `tru`, ` "x" `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want any
		wantErr := json.Unmarshal(b, &want)
		got, err := Value(b)
		if (err != nil) != (wantErr != nil) || err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("Value(%q) = %#v, %v; the decoder's %#v, %v", b, got, err, want, wantErr)
		}
	})
}
