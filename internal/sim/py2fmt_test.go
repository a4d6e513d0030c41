package sim

import (
	"reflect"
	"testing"
)

// TestPy2DictOrder pins CPython 2.7's iteration order on cases known from
// Python 2 sessions: {'a', 'b', 'c'} iterates a, c, b.
func TestPy2DictOrder(t *testing.T) {
	for _, c := range []struct {
		in, want []string
	}{
		{[]string{"a", "b", "c"}, []string{"a", "c", "b"}},
		{[]string{"c", "b", "a"}, []string{"a", "c", "b"}},
		{nil, []string{}},
		{[]string{"message", "field", "error"}, []string{"field", "message", "error"}},
	} {
		if got := py2DictOrder(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("py2DictOrder(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	// the resize at two thirds keeps every key
	keys := []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12"}
	if got := py2DictOrder(keys); len(got) != len(keys) {
		t.Errorf("lost keys across a resize: %v", got)
	}
	if py2Hash("a") != 12416037344 || py2Hash("abc") != 1453079729188098211 {
		t.Errorf("py2Hash differs from CPython 2.7: %d %d", py2Hash("a"), py2Hash("abc"))
	}
}

func TestPyRepr(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{pyStr("Name"), "'Name'"},
		{pyUnicode("Name is required, please correct."), "u'Name is required, please correct.'"},
		{pyUnicode("invalid literal for int() with base 10: 'x'"), `u"invalid literal for int() with base 10: 'x'"`},
		{pyUnicode(`it's "quoted"`), `u'it\'s "quoted"'`},
		{pyUnicode("café\n"), `u'caf\xe9\n'`},
		{pyUnicode("€"), `u'\u20ac'`},
		{pyTuple{pyStr("a"), pyStr("b")}, "('a', 'b')"},
		{pyTuple{pyStr("a")}, "('a',)"},
		{[]any{newPyDict("b", pyStr("x"), "a", nil)}, "[{'a': None, 'b': 'x'}]"},
	} {
		if got := pyRepr(c.in); got != c.want {
			t.Errorf("pyRepr(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestPyIndentJSON: json.dumps(indent=2, sort_keys=True) on Python 2 ends
// every non-last line of a container with ", ".
func TestPyIndentJSON(t *testing.T) {
	got := string(pyIndentJSON(map[string]any{"type": "BadRequest", "message": "é", "list": []any{1, true},
		"empty": []any{}, "none": nil, "n": 2.0}))
	want := "{\n  \"empty\": [], \n  \"list\": [\n    1, \n    true\n  ], \n  \"message\": \"\\u00e9\", \n" +
		"  \"n\": 2.0, \n  \"none\": null, \n  \"type\": \"BadRequest\"\n}"
	if got != want {
		t.Errorf("pyIndentJSON =\n%s\nwant\n%s", got, want)
	}
}
