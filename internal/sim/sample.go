package sim

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// createSample is senaite.core's create_analysisrequest as senaite.jsonapi
// calls it: the sample lives in its client, its analyses are created from
// the services given (UIDs or keywords) plus those of its profiles and
// template, and its id comes from the sample type's prefix (or from the
// sample it is a partition, secondary or retest of).
func (l *Lab) createSample(client *Object, t *PortalType, rec map[string]any, user *User) (*Object, *apiError) {
	if client.Type.Name != "Client" {
		return nil, fail(401, "Creation of '%s' in '%s' is not allowed", t.Name, client.Path)
	}
	now := l.now()
	services, err := l.sampleServices(rec)
	if err != nil {
		return nil, err
	}
	fields := normalizedRefs(l, rec)
	// named at the end of create_analysisrequest (renameAfterCreation): its
	// number is taken only once the sample is made
	var id string
	take := func() {}
	if l.fl.flavor == Flavor2x {
		var err error
		if id, take, err = l.proposeID(l.sampleTypeID(fields), client, fields); err != nil {
			return nil, fail(200, "%s", err.Error())
		}
	} else {
		id = l.sampleID(t, client, fields)
	}
	if client.childIDs[id] != nil {
		return nil, fail(200, "The id \"%s\" is invalid - it is already in use.", id)
	}
	o := &Object{ID: id, Type: t, Created: now, Modified: now, Author: user.Username,
		Fields: map[string]any{}}
	l.attach(client, o)
	body := make(map[string]any, len(rec))
	for k, v := range rec {
		if k == "Analyses" || k == "Client" || k == "transition" {
			continue
		}
		body[k] = v
	}
	if err := l.setFields(o, body, true); err != nil {
		l.remove(o)
		return nil, err
	}
	if o.Type.Field("Client") != nil {
		o.Fields["Client"] = client.UID
	}
	if err := l.validate(o); err != nil {
		l.remove(o)
		return nil, err
	}
	take()
	l.initWorkflow(o, now, user.Username)
	for _, svc := range services {
		l.addAnalysis(o, svc, user.Username)
	}
	l.afterWrite(o)
	if tr, _ := rec["transition"].(string); tr != "" {
		if err := l.doTransition(o, tr, user); err != nil {
			return nil, err
		}
	}
	return o, nil
}

var retestSuffix = regexp.MustCompile(`-R\d{2}$`)

// sampleID names a new sample in client: a partition "<parent>-P01", a
// secondary "<primary>-S01", a retest "<base>-R01", otherwise
// "<prefix>-0001" (2.x: the ID server, idserver.go).
func (l *Lab) sampleID(t *PortalType, client *Object, fields map[string]any) string {
	if l.fl.flavor == Flavor2x {
		return l.nextID(t, client, fields)
	}
	if l.fl.flavor == Flavor1x && t.IDFormat == IDSample1x {
		return l.nextID(t, nil, fields)
	}
	seq := func(key string) int {
		l.counters[key]++
		return l.counters[key]
	}
	if p := l.byUID[refUID(fields["ParentAnalysisRequest"])]; p != nil {
		return fmt.Sprintf("%s-P%02d", p.ID, seq("P:"+p.ID))
	}
	if p := l.byUID[refUID(fields["PrimaryAnalysisRequest"])]; p != nil {
		return fmt.Sprintf("%s-S%02d", p.ID, seq("S:"+p.ID))
	}
	if p := l.byUID[refUID(fields["Invalidated"])]; p != nil {
		base := retestSuffix.ReplaceAllString(p.ID, "")
		return fmt.Sprintf("%s-R%02d", base, seq("R:"+base))
	}
	return l.nextID(t, nil, fields)
}

// sampleServices resolves the services a new sample gets: its Analyses
// (service UIDs, keywords or titles), then its Profiles' and Template's.
func (l *Lab) sampleServices(rec map[string]any) ([]*Object, *apiError) {
	var out []*Object
	seen := map[string]bool{}
	add := func(svc *Object) {
		if svc != nil && !seen[svc.UID] {
			seen[svc.UID] = true
			out = append(out, svc)
		}
	}
	var vals []any
	switch x := rec["Analyses"].(type) {
	case []any:
		vals = x
	case string:
		if x != "" {
			for _, p := range strings.Split(x, ",") {
				vals = append(vals, strings.TrimSpace(p))
			}
		}
	case nil:
	default:
		vals = []any{x}
	}
	for _, v := range vals {
		key := refUID(v)
		if key == "" {
			continue
		}
		svc := l.findService(key)
		if svc == nil {
			return nil, fail(400, "ValueError: No service found for '%s'", key)
		}
		add(svc)
	}
	for _, name := range []string{"Profiles", "Profile", "Template"} {
		for _, uid := range refList(rec[name]) {
			src := l.byUID[uid]
			if src == nil {
				continue
			}
			for _, svcUID := range serviceUIDsOf(src) {
				add(l.byUID[svcUID])
			}
		}
	}
	return out, nil
}

func refList(v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			if s := refUID(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	case map[string]any:
		if s := refUID(x); s != "" {
			return []string{s}
		}
	}
	return nil
}

// serviceUIDsOf reads the services of a profile or template: DX records
// with a "uid" key (2.6) or AT references (older).
func serviceUIDsOf(o *Object) []string {
	var out []string
	for _, name := range []string{"services", "Service", "Analyses"} {
		switch x := o.Fields[name].(type) {
		case []map[string]any:
			for _, r := range x {
				if s, ok := r["uid"].(string); ok {
					out = append(out, s)
				} else if s, ok := r["service_uid"].(string); ok {
					out = append(out, s)
				}
			}
		case []string:
			out = append(out, x...)
		}
	}
	return out
}

// findService resolves a service by UID, keyword or title.
func (l *Lab) findService(key string) *Object {
	if o := l.byUID[key]; o != nil && o.Type.Name == "AnalysisService" {
		return o
	}
	for _, o := range l.byType["AnalysisService"] {
		if o.str("Keyword") == key || o.Title == key {
			return o
		}
	}
	return nil
}

// analysisCopyFields are the service fields an analysis takes over (an
// analysis' schema is a copy of its service's).
var analysisCopyFields = []string{"Keyword", "Category", "Department", "Method", "Instrument", "Calculation",
	"Unit", "Price", "VAT", "Precision", "PointOfCapture", "ScientificName", "Accredited", "InterimFields",
	"MaxTimeAllowed", "DuplicateVariation", "LowerDetectionLimit", "UpperDetectionLimit", "ResultOptions"}

// addAnalysis creates the analysis of a service inside a sample now.
func (l *Lab) addAnalysis(sample, svc *Object, actor string) *Object {
	return l.addAnalysisAt(sample, svc, actor, l.now(), "")
}

// addAnalysisAt creates the analysis of a service inside a sample at a
// given time; retestOf names the analysis it retests, if any.
func (l *Lab) addAnalysisAt(sample, svc *Object, actor string, now time.Time, retestOf string) *Object {
	at := l.fl.types["Analysis"]
	fields := map[string]any{"Keyword": svc.str("Keyword"), "AnalysisService": svc.UID}
	a := &Object{ID: l.nextID(at, sample, fields), Type: at, Created: now, Modified: now, Author: actor,
		Fields: map[string]any{}, Title: svc.Title}
	for _, name := range analysisCopyFields {
		if at.Field(name) == nil {
			continue
		}
		if v, ok := svc.Fields[name]; ok {
			a.Fields[name] = v
		}
	}
	if at.Field("AnalysisService") != nil {
		a.Fields["AnalysisService"] = svc.UID
	}
	if retestOf != "" && at.Field("RetestOf") != nil {
		a.Fields["RetestOf"] = retestOf
	}
	l.attach(sample, a)
	l.initWorkflow(a, now, actor)
	a.touch(now)
	l.version++
	if sample.Type.Field("Analyses") != nil {
		list, _ := sample.Fields["Analyses"].([]string)
		sample.Fields["Analyses"] = append(append([]string(nil), list...), a.UID)
	}
	return a
}

// addSampleAnalyses adds, on update, analyses for services the sample
// does not have yet (matched by keyword); none are removed.
func (l *Lab) addSampleAnalyses(sample *Object, v any, user *User) *apiError {
	services, err := l.sampleServices(map[string]any{"Analyses": v})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, ch := range sample.children {
		if ch.Type.Name == "Analysis" {
			have[ch.str("Keyword")] = true
		}
	}
	for _, svc := range services {
		if !have[svc.str("Keyword")] {
			l.addAnalysis(sample, svc, user.Username)
		}
	}
	return nil
}
