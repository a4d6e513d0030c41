package siteconfig

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDiffValues(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	for _, c := range []struct {
		name     string
		src, dst map[string]json.RawMessage
		changes  []Change
		equal    int
	}{
		{"equal whatever the formatting", map[string]json.RawMessage{"a": raw(`[1, 2]`), "b": raw(`{"x":1}`)},
			map[string]json.RawMessage{"a": raw(`[1,2]`), "b": raw(`{ "x": 1 }`)}, nil, 2},
		{"a differing value goes to the destination", map[string]json.RawMessage{"a": raw(`"mail.lab"`)},
			map[string]json.RawMessage{"a": raw(`"localhost"`)}, []Change{{Name: "a", Source: raw(`"mail.lab"`), Destination: raw(`"localhost"`)}}, 0},
		{"a record the destination lacks is missing", map[string]json.RawMessage{"z": raw(`true`), "a": raw(`1`)},
			map[string]json.RawMessage{"a": raw(`1`)}, []Change{{Name: "z", Source: raw(`true`), Missing: true}}, 1},
		{"records only the destination has are its own", map[string]json.RawMessage{},
			map[string]json.RawMessage{"a": raw(`1`)}, nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			changes, equal := DiffValues(c.src, c.dst)
			if !reflect.DeepEqual(changes, c.changes) || equal != c.equal {
				t.Fatalf("DiffValues = %+v %d, want %+v %d", changes, equal, c.changes, c.equal)
			}
		})
	}
}

func TestDiffUsers(t *testing.T) {
	src := []Account{
		{Username: "admin", Roles: []string{"Manager", "Authenticated"}},
		{Username: "analyst", Email: "a@lab", Roles: []string{"Analyst", "Authenticated"}, Groups: []string{"Analysts", "AuthenticatedUsers"}},
		{Username: "clerk", Roles: []string{"LabClerk"}, Groups: []string{"Clerks"}},
	}
	dst := []Account{
		{Username: "admin", Roles: []string{"Authenticated", "Manager"}, Groups: []string{"AuthenticatedUsers"}},
		{Username: "clerk", Roles: []string{"LabClerk", "Analyst"}, Groups: []string{"Clerks"}},
	}
	create, differ, existing := DiffUsers(src, dst)
	if len(create) != 1 || create[0].Username != "analyst" || !reflect.DeepEqual(create[0].Roles, []string{"Analyst"}) ||
		!reflect.DeepEqual(create[0].Groups, []string{"Analysts"}) {
		t.Fatalf("create %+v: want analyst with its own roles and groups, not Plone's automatic ones", create)
	}
	if !reflect.DeepEqual(existing, []string{"admin", "clerk"}) {
		t.Fatalf("existing %v", existing)
	}
	want := []UserDiff{{Username: "clerk", Field: "roles", Source: []string{"LabClerk"}, Destination: []string{"Analyst", "LabClerk"}}}
	if !reflect.DeepEqual(differ, want) {
		t.Fatalf("differ %+v, want %+v", differ, want)
	}
}

func TestRules(t *testing.T) {
	for name, want := range map[string]bool{"senaite.core.auditlog.enabled": true, "bika.lims.idserver.variables": true,
		"Products.BikaLIMS.x": true, "plone.smtp_host": false} {
		if RegistryRecord(name) != want {
			t.Errorf("RegistryRecord(%q) = %v", name, !want)
		}
	}
	for name, want := range map[string]bool{"mail/smtp_pass": true, "x/api_token": true, "mail/smtp_host": false} {
		if Secret(name) != want {
			t.Errorf("Secret(%q) = %v", name, !want)
		}
	}
	if got := mask(Change{Name: "mail/smtp_pass", Source: json.RawMessage(`"hunter2"`)}); string(got.Source) != `"***"` {
		t.Errorf("a secret is shown: %s", got.Source)
	}
}
