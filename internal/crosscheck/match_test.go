package crosscheck

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// lab builds a small snapshot by hand, items shaped as senaite.jsonapi
// writes them. Each lab numbers its UIDs with its own prefix digit, so two
// labs never share one unless a test says so.
type lab struct {
	host   string
	prefix byte
	n      int
	byPath map[string]*Object
	snap   *Snapshot
	clock  int
}

func newLab(host string, prefix byte) *lab {
	return &lab{host: host, prefix: prefix, byPath: map[string]*Object{}, snap: &Snapshot{URL: host + "/senaite"}}
}

func (l *lab) uid() string {
	l.n++
	return fmt.Sprintf("%c%031x", l.prefix, l.n)
}

// add creates an object at rel (below the site root) with the given
// fields; title defaults to the id, review_state to "active".
func (l *lab) add(portalType, rel string, fields map[string]any) *Object {
	id := rel[strings.LastIndexByte(rel, '/')+1:]
	path := "/senaite/" + rel
	parentPath := path[:strings.LastIndexByte(path, '/')]
	l.clock++
	item := map[string]any{
		"id": id, "uid": l.uid(), "portal_type": portalType, "path": path, "parent_path": parentPath,
		"url": l.host + path, "title": id, "description": "", "author": "admin", "tags": []any{},
		"created":  fmt.Sprintf("2024-01-01T10:%02d:%02d+01:00", l.clock/60, l.clock%60),
		"modified": fmt.Sprintf("2024-02-01T10:%02d:%02d+01:00", l.clock/60, l.clock%60),
	}
	item["api_url"] = l.host + "/senaite/@@API/senaite/v1/" + strings.ToLower(portalType) + "/" + item["uid"].(string)
	if p := l.byPath[parentPath]; p != nil {
		item["parent_uid"], item["parent_id"] = p.UID, p.ID
		item["parent_url"] = l.host + "/senaite/@@API/senaite/v1/x/" + p.UID
	} else {
		item["parent_uid"], item["parent_id"] = "0", "senaite"
		item["parent_url"] = l.host + "/senaite/@@API/senaite/v1/plonesite/0"
	}
	state := "active"
	for k, v := range fields {
		if k == "review_state" {
			state = v.(string)
			continue
		}
		item[k] = v
	}
	item["review_state"] = state
	item["workflow_info"] = []any{map[string]any{"workflow": "wf", "review_state": state, "status": state,
		"transitions": []any{}, "review_history": []any{map[string]any{"action": nil, "actor": "admin",
			"comments": "", "review_state": state, "time": item["created"].(string)[:19]}}}}
	o := NewObject(item)
	l.byPath[path] = o
	l.snap.Objects = append(l.snap.Objects, o)
	return o
}

// ref is a reference as senaite.jsonapi writes it.
func (l *lab) ref(o *Object) map[string]any {
	return map[string]any{"uid": o.UID, "url": l.host + o.Path, "api_url": l.host + "/senaite/@@API/senaite/v1/x/" + o.UID}
}

func (l *lab) refs(os ...*Object) []any {
	out := []any{}
	for _, o := range os {
		out = append(out, l.ref(o))
	}
	return out
}

// folders adds the structural folders every test lab has.
func (l *lab) folders() {
	l.add("ClientFolder", "clients", nil)
	l.add("Setup", "setup", nil)
	l.add("BatchLabels", "setup/batchlabels", nil)
}

// sampleLab is a client with two contacts and two samples whose own
// values are identical — they differ only by their contact — each holding
// a "Ca" analysis that differs from the other only by its container.
func sampleLab(host string, prefix byte, sampleIDs ...string) *lab {
	l := newLab(host, prefix)
	l.folders()
	l.add("Client", "clients/client-1", map[string]any{"Name": "Happy Hills", "Phone": "+34 1"})
	alice := l.add("Contact", "clients/client-1/contact-1", map[string]any{"Firstname": "Alice"})
	bob := l.add("Contact", "clients/client-1/contact-2", map[string]any{"Firstname": "Bob"})
	for i, who := range []*Object{alice, bob} {
		id := sampleIDs[i]
		l.add("AnalysisRequest", "clients/client-1/"+id, map[string]any{"Contact": l.ref(who),
			"DateSampled": "2024-01-01T08:00:00+01:00", "Remarks": nil})
		l.add("Analysis", "clients/client-1/"+id+"/Ca", map[string]any{"Keyword": "Ca", "Result": "12",
			"getRequestID": id})
	}
	return l
}

func pairs(r *Report) int {
	n := 0
	for _, v := range r.Matched {
		n += v
	}
	return n
}

func fieldKeys(r *Report) []string {
	var out []string
	for _, f := range r.Fields {
		out = append(out, f.PortalType+"."+f.Key+" "+f.Path)
	}
	return out
}

// TestMatchDuplicatesThroughReferences: samples identical but for their
// contact, analyses identical but for their sample, UIDs all different —
// every object is paired and the labs are the same.
func TestMatchDuplicatesThroughReferences(t *testing.T) {
	src := sampleLab("http://a:8080", 'a', "H2O-0001", "H2O-0002")
	dst := sampleLab("http://b:9090", 'b', "H2O-0001", "H2O-0002")
	rep := Compare(src.snap, dst.snap, Options{})
	if !rep.Clean() || pairs(rep) != len(src.snap.Objects) {
		t.Fatalf("want every object paired, clean:\n%s", rep)
	}
	if rep.Matched[byPath] != 3 {
		t.Errorf("structural objects paired by path: %d, want 3", rep.Matched[byPath])
	}
}

// TestMatchRightPartners checks the pairs themselves: with the contacts'
// names swapped at the destination, the sample of Alice pairs with the one
// of Alice there (their references say so; their titles are their ids,
// which are no content), and its analysis with the analysis inside it.
func TestMatchRightPartners(t *testing.T) {
	src := sampleLab("http://a", 'a', "H2O-0001", "H2O-0002")
	dst := sampleLab("http://b", 'b', "H2O-0001", "H2O-0002")
	// swap the contacts' names at the destination: the sample H2O-0001 is
	// now Bob's there, so content pairs it with the source's H2O-0002
	dst.byPath["/senaite/clients/client-1/contact-1"].Item()["Firstname"] = "Bob"
	dst.byPath["/senaite/clients/client-1/contact-2"].Item()["Firstname"] = "Alice"
	rep := Compare(src.snap, dst.snap, Options{})
	var ids []string
	for _, c := range rep.IDs {
		ids = append(ids, c.PortalType+" "+c.Path+" "+c.Source+"→"+c.Destination)
	}
	want := []string{
		"AnalysisRequest clients/client-1/H2O-0001 H2O-0001→H2O-0002",
		"AnalysisRequest clients/client-1/H2O-0002 H2O-0002→H2O-0001",
		"Contact clients/client-1/contact-1 contact-1→contact-2",
		"Contact clients/client-1/contact-2 contact-2→contact-1",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("ids:\n got %q\nwant %q\n%s", ids, want, rep)
	}
	// the analyses' getRequestID names their sample's id: it differs too
	want = []string{
		"Analysis.getRequestID clients/client-1/H2O-0001/Ca", "Analysis.getRequestID clients/client-1/H2O-0002/Ca",
		"AnalysisRequest.title clients/client-1/H2O-0001", "AnalysisRequest.title clients/client-1/H2O-0002",
		"Contact.title clients/client-1/contact-1", "Contact.title clients/client-1/contact-2",
	}
	if got := fieldKeys(rep); !slices.Equal(got, want) {
		t.Errorf("fields:\n got %q\nwant %q\n%s", got, want, rep)
	}
	if len(rep.UnmatchedSource)+len(rep.UnmatchedDestination)+len(rep.Parents)+len(rep.States) > 0 {
		t.Errorf("unexpected:\n%s", rep)
	}
}

// TestMatchChangedID: a sample renumbered at the destination (H2O-0089 is
// H2O-0047 there), its title and its report's title with it. The pair is
// found all the same; the id change is reported, and the ids inside values
// are compared as ordinary values.
func TestMatchChangedID(t *testing.T) {
	build := func(host string, prefix byte, id string) *lab {
		l := newLab(host, prefix)
		l.folders()
		l.add("Client", "clients/client-1", map[string]any{"Name": "Happy Hills"})
		s := l.add("AnalysisRequest", "clients/client-1/"+id, map[string]any{"DateSampled": "2024-01-01T08:00:00+01:00"})
		l.add("Analysis", "clients/client-1/"+id+"/Ca", map[string]any{"Keyword": "Ca", "getRequestID": id})
		l.add("ARReport", "clients/client-1/"+id+"/arreport-1", map[string]any{"title": id + ".pdf",
			"AnalysisRequest": l.ref(s)})
		return l
	}
	src := build("http://a", 'a', "H2O-0089")
	dst := build("http://b", 'b', "H2O-0047")
	rep := Compare(src.snap, dst.snap, Options{})
	if pairs(rep) != len(src.snap.Objects) {
		t.Fatalf("want every object paired:\n%s", rep)
	}
	if len(rep.IDs) != 1 || rep.IDs[0] != (IDChange{PortalType: "AnalysisRequest", Path: "clients/client-1/H2O-0089",
		Source: "H2O-0089", Destination: "H2O-0047"}) {
		t.Errorf("ids: %+v", rep.IDs)
	}
	want := []string{
		"ARReport.title clients/client-1/H2O-0089/arreport-1",
		"Analysis.getRequestID clients/client-1/H2O-0089/Ca",
		"AnalysisRequest.title clients/client-1/H2O-0089",
	}
	if got := fieldKeys(rep); !slices.Equal(got, want) {
		t.Errorf("fields:\n got %q\nwant %q", got, want)
	}
	if !strings.Contains(rep.String(), `ARReport.title: 1`) || !strings.Contains(rep.String(), `"H2O-0089.pdf"`) {
		t.Errorf("the report should show the ARReport's title:\n%s", rep)
	}
}

// TestMatchUnmatched: an object only the source has, another only the
// destination has, are reported per type; the rest stays paired.
func TestMatchUnmatched(t *testing.T) {
	src := sampleLab("http://a", 'a', "H2O-0001", "H2O-0002")
	src.add("Attachment", "clients/client-1/attachment-1", map[string]any{"AttachmentKeys": "photo"})
	dst := sampleLab("http://b", 'b', "H2O-0001", "H2O-0002")
	dst.add("Batch", "clients/client-1/B-001", map[string]any{"BatchID": "BATCH-1"})
	rep := Compare(src.snap, dst.snap, Options{})
	if len(rep.UnmatchedSource) != 1 || rep.UnmatchedSource[0].PortalType != "Attachment" ||
		len(rep.UnmatchedDestination) != 1 || rep.UnmatchedDestination[0].Path != "clients/client-1/B-001" {
		t.Errorf("unmatched: %+v / %+v", rep.UnmatchedSource, rep.UnmatchedDestination)
	}
	if rep.Differences() != 2 || pairs(rep) != len(src.snap.Objects)-1 {
		t.Errorf("want only the two unmatched:\n%s", rep)
	}
	if s := rep.String(); !strings.Contains(s, "unmatched in the source: 1 in 1 groups\n  Attachment: 1") {
		t.Errorf("report:\n%s", s)
	}
}

// TestDanglingAndUntranslated: a batch whose labels at the destination hold
// the source's label UID (left untranslated) and a UID of nothing; and a
// reference that points to the wrong object.
func TestDanglingAndUntranslated(t *testing.T) {
	build := func(host string, prefix byte) (*lab, *Object) {
		l := newLab(host, prefix)
		l.folders()
		label := l.add("BatchLabel", "setup/batchlabels/batchlabel-1", map[string]any{"title": "Urgent"})
		l.add("BatchLabel", "setup/batchlabels/batchlabel-2", map[string]any{"title": "Routine"})
		l.add("Client", "clients/client-1", map[string]any{"Name": "Happy Hills"})
		return l, label
	}
	src, srcLabel := build("http://a", 'a')
	src.add("Batch", "clients/client-1/B-001", map[string]any{"BatchLabels": []any{srcLabel.UID}})
	dst, _ := build("http://b", 'b')
	const nowhere = "0123456789abcdef0123456789abcdef"
	dst.add("Batch", "clients/client-1/B-001", map[string]any{"BatchLabels": []any{srcLabel.UID, nowhere}})
	rep := Compare(src.snap, dst.snap, Options{})
	if len(rep.Dangling) != 2 {
		t.Fatalf("dangling: %+v\n%s", rep.Dangling, rep)
	}
	byUID := map[string]Dangling{}
	for _, d := range rep.Dangling {
		byUID[d.UID] = d
	}
	if d := byUID[srcLabel.UID]; !d.Untranslated || d.SourcePath != "setup/batchlabels/batchlabel-1" || d.Key != "BatchLabels" {
		t.Errorf("the source's UID: %+v", d)
	}
	if d := byUID[nowhere]; d.Untranslated || d.Key != "BatchLabels" || d.Path != "clients/client-1/B-001" {
		t.Errorf("a UID of nothing: %+v", d)
	}
	if got := fieldKeys(rep); !slices.Equal(got, []string{"Batch.BatchLabels clients/client-1/B-001"}) {
		t.Errorf("fields: %q", got)
	}
	if s := rep.String(); !strings.Contains(s, "untranslated: the source's @setup/batchlabels/batchlabel-1") {
		t.Errorf("report:\n%s", s)
	}
}

// TestWrongTarget: a destination reference to an existing object that is
// not the partner of the source's target is a field difference, not
// dangling.
func TestWrongTarget(t *testing.T) {
	build := func(host string, prefix byte, pick int) *lab {
		l := newLab(host, prefix)
		l.folders()
		l.add("BikaSetup", "bika_setup", nil)
		l.add("Instruments", "bika_setup/bika_instruments", nil)
		l.add("AnalysisServices", "bika_setup/bika_analysisservices", nil)
		a := l.add("Instrument", "bika_setup/bika_instruments/instrument-1", map[string]any{"title": "ICP-MS"})
		b := l.add("Instrument", "bika_setup/bika_instruments/instrument-2", map[string]any{"title": "GC"})
		svc := map[string]any{"Keyword": "Ca", "Instruments": l.refs([]*Object{a, b}[pick])}
		l.add("AnalysisService", "bika_setup/bika_analysisservices/analysisservice-1", svc)
		return l
	}
	rep := Compare(build("http://a", 'a', 0).snap, build("http://b", 'b', 1).snap, Options{})
	svc := "bika_setup/bika_analysisservices/analysisservice-1"
	if got := fieldKeys(rep); !slices.Equal(got, []string{"AnalysisService.Instruments " + svc}) {
		t.Fatalf("fields: %q\n%s", got, rep)
	}
	if f := rep.Fields[0]; f.Source != `[{"uid":"@bika_setup/bika_instruments/instrument-1"}]` ||
		f.Destination != `[{"uid":"@bika_setup/bika_instruments/instrument-2"}]` {
		t.Errorf("values: %s / %s", f.Source, f.Destination)
	}
	if len(rep.Dangling) != 0 {
		t.Errorf("dangling: %+v", rep.Dangling)
	}
}

// TestExcludedCounted: created and modified differ on every pair, the
// review history's times and actors too; they are left out, and the report
// counts the values and how many differ.
func TestExcludedCounted(t *testing.T) {
	src := sampleLab("http://a", 'a', "H2O-0001", "H2O-0002")
	dst := sampleLab("http://b", 'b', "H2O-0001", "H2O-0002")
	for _, sd := range []*lab{src, dst} {
		for _, o := range sd.snap.Objects {
			if o.PortalType == "AnalysisRequest" {
				// senaite.core computes it from the publish transition's date
				o.Item()["getDatePublished"] = fmt.Sprintf("2024-03-0%dT10:00:00+01:00", 1+int(sd.prefix-'a'))
			}
		}
	}
	for _, o := range dst.snap.Objects {
		o.Item()["created"] = "2025-06-01T00:00:00+02:00"
		wi := o.Item()["workflow_info"].([]any)[0].(map[string]any)
		h := wi["review_history"].([]any)[0].(map[string]any)
		h["actor"] = "importer"
	}
	rep := Compare(src.snap, dst.snap, Options{})
	if !rep.Clean() {
		t.Fatalf("excluded values must not make a difference:\n%s", rep)
	}
	n := len(src.snap.Objects)
	got := map[string][2]int{}
	for _, x := range rep.Excluded {
		got[x.Key] = [2]int{x.Values, x.Differ}
	}
	for key, want := range map[string][2]int{
		"created": {n, n}, "modified": {n, 0}, "uid": {n, n},
		"workflow_info.review_history": {n, n}, // the actor differs
		"url":                          {n, 0}, // site relative: the same paths
		refURLs:                        {4, 2}, // two contacts: their url equal, their api_url (UID) not
		transitionKeys:                 {2, 2},
	} {
		if got[key] != want {
			t.Errorf("%s: values, differ = %v, want %v", key, got[key], want)
		}
	}
	if s := rep.String(); !strings.Contains(s, fmt.Sprintf("created: %d values, %d differ — stamped by the lab", n, n)) {
		t.Errorf("report:\n%s", s)
	}
}

// TestDatesAsInstants: one instant shown in two time zones is equal; a
// URL into the lab is compared site relative.
func TestDatesAsInstants(t *testing.T) {
	src := sampleLab("http://a", 'a', "H2O-0001", "H2O-0002")
	dst := sampleLab("http://b", 'b', "H2O-0001", "H2O-0002")
	for _, o := range dst.snap.Objects {
		if o.PortalType == "AnalysisRequest" {
			o.Item()["DateSampled"] = "2024-01-01T07:00:00+00:00"
		}
		if o.PortalType == "Analysis" {
			o.Item()["getRequestURL"] = "http://b/senaite/clients/client-1/" + o.Item()["getRequestID"].(string)
		}
	}
	for _, o := range src.snap.Objects {
		if o.PortalType == "Analysis" {
			o.Item()["getRequestURL"] = "http://a/senaite/clients/client-1/" + o.Item()["getRequestID"].(string)
		}
	}
	if rep := Compare(src.snap, dst.snap, Options{}); !rep.Clean() {
		t.Errorf("same instants, same site-relative URLs:\n%s", rep)
	}
}

// TestStateAndParent: a review state and a parent that differ on a pair
// are reported as such.
func TestStateAndParent(t *testing.T) {
	build := func(host string, prefix byte, state, client string) *lab {
		l := newLab(host, prefix)
		l.folders()
		l.add("Client", "clients/client-1", map[string]any{"Name": "Happy Hills"})
		l.add("Client", "clients/client-2", map[string]any{"Name": "Blue Lake"})
		l.add("Batch", client+"/B-001", map[string]any{"BatchID": "BATCH-1", "review_state": state})
		return l
	}
	rep := Compare(build("http://a", 'a', "open", "clients/client-1").snap,
		build("http://b", 'b', "closed", "clients/client-2").snap, Options{})
	if len(rep.States) != 1 || rep.States[0] != (StateDiff{PortalType: "Batch", Path: "clients/client-1/B-001",
		Source: "open", Destination: "closed"}) {
		t.Errorf("states: %+v", rep.States)
	}
	if len(rep.Parents) != 1 || rep.Parents[0].Source != "@clients/client-1" || rep.Parents[0].Destination != "@clients/client-2" {
		t.Errorf("parents: %+v", rep.Parents)
	}
	// the review state is compared once, as the state
	for _, f := range rep.Fields {
		if strings.Contains(f.Key, "review_state") || f.Key == "workflow_info.status" {
			t.Errorf("the state compared as a field: %+v", f)
		}
	}
}

// TestListOrder: a stored reference list in another order is a difference
// (said so); a sample's Analyses, which SENAITE lists by a catalog query,
// is compared as a set.
func TestListOrder(t *testing.T) {
	build := func(host string, prefix byte, reverse bool) *lab {
		l := newLab(host, prefix)
		l.folders()
		l.add("Client", "clients/client-1", map[string]any{"Name": "Happy Hills"})
		a := l.add("Contact", "clients/client-1/contact-1", map[string]any{"Firstname": "Alice"})
		b := l.add("Contact", "clients/client-1/contact-2", map[string]any{"Firstname": "Bob"})
		list := []*Object{a, b}
		if reverse {
			list = []*Object{b, a}
		}
		l.add("Contact", "clients/client-1/contact-3", map[string]any{"Firstname": "Carol", "CCContact": l.refs(list...)})
		s := l.add("AnalysisRequest", "clients/client-1/W-0001", nil)
		ca := l.add("Analysis", "clients/client-1/W-0001/Ca", map[string]any{"Keyword": "Ca"})
		mg := l.add("Analysis", "clients/client-1/W-0001/Mg", map[string]any{"Keyword": "Mg"})
		an := []*Object{ca, mg}
		if reverse {
			an = []*Object{mg, ca}
		}
		s.Item()["Analyses"] = l.refs(an...)
		return l
	}
	rep := Compare(build("http://a", 'a', false).snap, build("http://b", 'b', true).snap, Options{})
	if len(rep.Fields) != 1 || rep.Fields[0].Key != "CCContact" || rep.Fields[0].Note != "same elements in another order" {
		t.Errorf("fields: %+v\n%s", rep.Fields, rep)
	}
}

// TestTwins: two attachments identical in everything but their ids are
// paired by id; the id swapped at the destination is no difference.
func TestTwins(t *testing.T) {
	build := func(host string, prefix byte) *lab {
		l := newLab(host, prefix)
		l.folders()
		l.add("Client", "clients/client-1", map[string]any{"Name": "Happy Hills"})
		for _, id := range []string{"attachment-1", "attachment-2"} {
			o := l.add("Attachment", "clients/client-1/"+id, map[string]any{"AttachmentKeys": "photo"})
			o.Item()["title"] = "photo.jpg"
		}
		return l
	}
	dst := build("http://b", 'b')
	// listed in another order at the destination
	objs := dst.snap.Objects
	objs[len(objs)-1], objs[len(objs)-2] = objs[len(objs)-2], objs[len(objs)-1]
	rep := Compare(build("http://a", 'a').snap, dst.snap, Options{})
	if !rep.Clean() || rep.Matched[byTwins] != 2 {
		t.Errorf("twins paired by id:\n%s", rep)
	}
}

// TestSimilarity: a client whose phone changed has no identical partner;
// it is paired with the client most like it, and the phone reported, as
// are the contact below it (paired once its client is).
func TestSimilarity(t *testing.T) {
	src := sampleLab("http://a", 'a', "H2O-0001", "H2O-0002")
	dst := sampleLab("http://b", 'b', "H2O-0001", "H2O-0002")
	dst.byPath["/senaite/clients/client-1"].Item()["Phone"] = "+1 555"
	dst.byPath["/senaite/clients/client-1/contact-1"].Item()["Firstname"] = "Alicia"
	rep := Compare(src.snap, dst.snap, Options{})
	want := []string{"Client.Phone clients/client-1", "Contact.Firstname clients/client-1/contact-1"}
	if got := fieldKeys(rep); !slices.Equal(got, want) || rep.Differences() != 2 {
		t.Errorf("fields: %q\n%s", got, rep)
	}
	if rep.Matched[bySimilarity] != 2 {
		t.Errorf("by similarity: %d, want 2", rep.Matched[bySimilarity])
	}
}

// TestNumbersAsWritten: numbers are compared as the lab wrote them.
func TestNumbersAsWritten(t *testing.T) {
	src := sampleLab("http://a", 'a', "H2O-0001", "H2O-0002")
	dst := sampleLab("http://b", 'b', "H2O-0001", "H2O-0002")
	src.byPath["/senaite/clients/client-1"].Item()["Confidence"] = json.Number("95")
	dst.byPath["/senaite/clients/client-1"].Item()["Confidence"] = json.Number("95.0")
	rep := Compare(src.snap, dst.snap, Options{})
	if got := fieldKeys(rep); !slices.Equal(got, []string{"Client.Confidence clients/client-1"}) {
		t.Errorf("fields: %q", got)
	}
}
