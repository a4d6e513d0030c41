package sim

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
)

// plone.restapi's Dexterity deserializer (deserializer/dxcontent.py,
// dxfields.py).

// dxEmailRE is plone.schema 1.x Email's pattern, matched at the start only
// (re.match, plone/schema/email.py).
var dxEmailRE = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,4}`)

// dxDeserialize is DeserializeFromJson.__call__ for DX content
// (dxcontent.py): for each schema field (read-only ones skipped) named in
// the data, null clears an optional field and is an error on a required
// one, the value is deserialized and validated, set when it differs; any
// error fails the whole request with BadRequest. ObjectModifiedEvent (and
// so a new modification date) only when something changed.
func (l *Lab) dxDeserialize(o *Object, data map[string]any) *restRaise {
	names := make([]string, 0, len(o.Type.Fields))
	for _, f := range o.Type.Fields {
		names = append(names, f.Name)
	}
	var errs []any
	changed := false
	for _, name := range py2DictOrder(names) {
		f := o.Type.Field(name)
		v, ok := data[name]
		if !ok || f.ReadOnly || !l.fieldWritable(o, f) {
			continue
		}
		if v == nil {
			if f.Required {
				d := newPyDict("field", pyStr(name), "message",
					pyTuple{pyStr(name + " is a required field."), pyStr("Setting it to null is not allowed.")})
				d.set("error", pyStr("ValidationError"))
				errs = append(errs, d)
				continue
			}
			if _, had := o.Fields[name]; had {
				changed = true
			}
			delete(o.Fields, name)
			delete(o.Fields, richTextKey(name))
			continue
		}
		val, msg := l.dxConvert(o, f, v)
		if msg != "" {
			errs = append(errs, newPyDict("message", pyUnicode(msg), "field", pyStr(name),
				"error", pyStr("ValidationError")))
			continue
		}
		if f.Kind == KText && o.Type.Name == "Setup" && !isRichTextValue(o, name) {
			// a RichTextValue replaces a plain string even of equal text
			o.Fields[richTextKey(name)] = true
			changed = true
		}
		if cur, _ := l.dxStored(o, name); !sameValue(cur, val) {
			old := o.Fields[name]
			setOrDelete(o.Fields, name, val)
			if b, ok := val.(bool); ok && !b {
				o.Fields[name] = false
			}
			if f.Unique {
				l.indexUnique(o, f, old)
			}
			if name == "title" {
				o.Title, _ = o.Fields["title"].(string)
			}
			if name == "description" {
				o.Description, _ = o.Fields["description"].(string)
			}
			changed = true
		}
	}
	if len(errs) > 0 {
		return raise(400, "BadRequest", "%s", pyRepr(errs))
	}
	if changed {
		o.touch(l.now())
		l.version++
	}
	return nil
}

// dxConvert deserializes one value for a DX field (dxfields.py): unicode
// goes through IFromUnicode (TextLine stripped, "" is None), other JSON
// types are validated as they are. The message is what plone.restapi puts
// in the error: str(ValueError) or the ValidationError's doc().
func (l *Lab) dxConvert(o *Object, f *Field, v any) (any, string) {
	const wrongType = "Object is of wrong type."
	const missing = "Required input is missing."
	switch f.Kind {
	case KString:
		s, ok := v.(string)
		if !ok {
			return nil, wrongType
		}
		if o.Type.Name == "Setup" && f.Name == "email_from_sample_publication" {
			// plone.schema Email (a NativeStringLine): str(value.strip()),
			// then a prefix match of its pattern; "" is not an email
			s = strings.TrimSpace(s)
			if !dxEmailRE.MatchString(s) {
				return nil, "The specified email is not valid."
			}
			return s, ""
		}
		if s = strings.TrimSpace(s); s == "" {
			if f.Required {
				return nil, missing
			}
			return nil, ""
		}
		return s, ""
	case KText:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case map[string]any:
			// RichText {"data", "content-type", "encoding"}
			s, _ = x["data"].(string)
		default:
			return nil, wrongType
		}
		if o.Type.Name == "Setup" {
			// RichTextFieldDeserializer: raw=html_parser.unescape(data)
			s = html.UnescapeString(s)
		}
		return s, ""
	case KBool:
		switch x := v.(type) {
		case bool:
			return x, ""
		case string:
			return x == "True" || x == "true" || x == "on", ""
		}
		return nil, wrongType
	case KInt:
		switch x := v.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil {
				return nil, wrongType
			}
			return n, ""
		case bool:
			if x {
				return int64(1), ""
			}
			return int64(0), ""
		case string:
			n, r := pyInt(x)
			if r != nil {
				return nil, r.msg
			}
			return n, ""
		}
		return nil, wrongType
	case KFixed:
		s := pyString(v)
		return s, ""
	case KDate:
		s, ok := v.(string)
		if !ok {
			return nil, wrongType
		}
		t, ok := parseLooseTime(s, l.opts.Location)
		if !ok {
			return nil, "Invalid date: " + s
		}
		return t, ""
	case KRef, KRefs:
		uids := l.atReference(&Field{Kind: KRefs, UIDRef: true}, v)
		list, _ := uids.([]string)
		if f.Kind == KRef {
			if len(list) == 0 {
				return nil, ""
			}
			return list[0], ""
		}
		if len(list) == 0 {
			return nil, ""
		}
		return list, ""
	case KRecords, KRecord, KLines:
		val, r := l.atConvert(f, v, o)
		if r != nil {
			return nil, wrongType
		}
		return val, ""
	}
	return v, ""
}

// sameValue compares a stored value with a deserialized one.
func sameValue(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
