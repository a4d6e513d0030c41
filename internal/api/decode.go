package api

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/senaite-sync/senaite-sync/internal/remote"
)

// Bounds of what a request body may hold.
const (
	maxBody     = 1 << 20 // bytes of a body (413 beyond)
	maxString   = 4096    // bytes of any string in a body
	maxURL      = 2048    // bytes of a lab's URL
	maxPassword = 1024    // bytes of a password
	maxUsername = 200     // bytes of a user name
)

// errTooLarge is a body beyond maxBody.
var errTooLarge = errors.New("api: request body larger than 1 MiB")

// decode reads a body strictly: at most maxBody bytes of valid UTF-8
// holding exactly one JSON value, with no duplicate or unknown keys and no
// string with a NUL or beyond maxString — each refused naming the field,
// before anything reaches the store.
func decode(r *http.Request, v any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge
		}
		return &remote.FieldError{Message: "cannot read the body: " + err.Error()}
	}
	if !utf8.Valid(raw) {
		return &remote.FieldError{Field: "body", Message: "invalid JSON: not valid UTF-8"}
	}
	if err := checkJSON(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var fe *remote.FieldError
		if errors.As(err, &fe) {
			return fe // a value's own check (an interval, say) named it
		}
		field := ""
		var te *json.UnmarshalTypeError
		if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
			field = strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		} else if errors.As(err, &te) {
			field = jsonPath(te.Field)
		}
		return &remote.FieldError{Field: field, Message: "invalid JSON: " + err.Error()}
	}
	return nil
}

// checkJSON walks a body's tokens: one value, no key twice in an object,
// strings free of NUL and bounded.
func checkJSON(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		expect bool // next token of an object is a key
		key    string
	}
	var stack []*frame
	field := func() string {
		var parts []string
		for _, f := range stack {
			if f.object && f.key != "" {
				parts = append(parts, f.key)
			}
		}
		return strings.Join(parts, ".")
	}
	values := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			f := field()
			if f == "" {
				f = "body"
			}
			return &remote.FieldError{Field: f, Message: "invalid JSON: " + err.Error()}
		}
		if len(stack) == 0 {
			values++
			if values > 1 {
				return &remote.FieldError{Field: "body", Message: "invalid JSON: more than one value"}
			}
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].expect = true
				}
				continue
			}
			k, _ := tok.(string)
			if !cleanText(k) || len(k) > 200 {
				return &remote.FieldError{Field: field(), Message: "invalid key"}
			}
			if top.keys[k] {
				top.key = k
				return &remote.FieldError{Field: field(), Message: fmt.Sprintf("duplicate key %q", k)}
			}
			top.keys[k] = true
			top.key = k
			top.expect = false
			continue
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{object: true, keys: map[string]bool{}, expect: true})
				continue
			case '[':
				stack = append(stack, &frame{})
				continue
			default: // ] (} is read as a key position above)
				stack = stack[:len(stack)-1]
			}
		case string:
			if strings.ContainsRune(t, 0) {
				return &remote.FieldError{Field: field(), Message: "must not contain NUL"}
			}
			if len(t) > maxString {
				return &remote.FieldError{Field: field(), Message: fmt.Sprintf("too long (at most %d bytes)", maxString)}
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expect = true
		}
	}
	return nil
}

// checkURL parses a lab's URL strictly: http or https, a host, no
// credentials (they would be stored and shown in clear: give the
// username and password fields), no query or fragment, no spaces or
// control characters.
func checkURL(field, s string) error {
	bad := func(msg string) error { return &remote.FieldError{Field: field, Message: msg} }
	if len(s) > maxURL {
		return bad(fmt.Sprintf("too long (at most %d bytes)", maxURL))
	}
	for _, c := range s {
		if c <= ' ' || c == 0x7f {
			return bad("must not contain spaces or control characters")
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("not a URL: " + err.Error())
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("must start with http:// or https:// and include the site path")
	}
	if u.User != nil {
		return bad("must not hold credentials: give username and password instead")
	}
	if u.Hostname() == "" {
		return bad("has no host")
	}
	if strings.ContainsAny(s, "?#") {
		return bad("must not hold a query or a fragment: the site's address only")
	}
	return nil
}

// checkCACert parses a PEM bundle of certificates at creation, where a
// mistake can be named, rather than at the first check of the lab.
func checkCACert(s string) error {
	if s == "" {
		return nil
	}
	rest := []byte(s)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return &remote.FieldError{Field: "ca_cert", Message: "holds a " + b.Type + " block; only certificates"}
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return &remote.FieldError{Field: "ca_cert", Message: "not a certificate: " + err.Error()}
		}
		n++
	}
	if n == 0 || len(bytes.TrimSpace(rest)) > 0 {
		return &remote.FieldError{Field: "ca_cert", Message: "must be PEM certificates (-----BEGIN CERTIFICATE-----)"}
	}
	return nil
}

// jsonPath is a decode error's field as the client wrote it: encoding/json
// (v1) names a field under an embedded struct by the struct's Go name
// first ("Options.page_size", "InstanceIn.name"), which no client sent.
// The API's JSON keys are lower-case, Go's exported names are not.
func jsonPath(field string) string {
	for {
		head, rest, ok := strings.Cut(field, ".")
		if !ok || head == "" || head[0] < 'A' || head[0] > 'Z' {
			return field
		}
		field = rest
	}
}
