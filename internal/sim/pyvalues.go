package sim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Python 2 semantics of decoded JSON values, as the Zope code that
// receives them applies them: truth, int(), str(), type names.

// pyTruthy is Python's truth value of a decoded JSON value.
func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, _ := x.Float64()
		return f != 0
	case float64:
		return x != 0
	case int64:
		return x != 0
	case int:
		return x != 0
	case []any:
		return len(x) > 0
	case []string:
		return len(x) > 0
	case []map[string]any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// pyInt is int(value) for a decoded JSON value.
func pyInt(v any) (int64, *restRaise) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		f, _ := x.Float64()
		return int64(f), nil
	case float64:
		return int64(x), nil
	case string:
		// int() takes surrounding blanks, a sign and leading zeros
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, raise(500, "ValueError", "invalid literal for int() with base 10: %s", reprString(x, false))
		}
		return n, nil
	case nil:
		return 0, raise(500, "TypeError", "int() argument must be a string or a number, not 'NoneType'")
	}
	return 0, raise(500, "TypeError", "int() argument must be a string or a number, not '%s'", pyType(v))
}

// pyString is what a StringField stores for a JSON value.
func pyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// pyType is type(value).__name__ of a decoded JSON value in Python 2.
func pyType(v any) string {
	switch x := v.(type) {
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "int"
		}
		return "float"
	case map[string]any:
		return "dict"
	case int64, int:
		return "int"
	}
	return pyTypeName(v)
}

// pyAny turns a decoded JSON value into the repr-able Python values.
func pyAny(v any) any {
	switch x := v.(type) {
	case string:
		return pyUnicode(x)
	case json.Number:
		return x.String()
	}
	return v
}
