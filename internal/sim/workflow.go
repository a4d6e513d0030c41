package sim

import (
	"fmt"
	"sort"
	"time"
)

// A workflow is a state machine: states, transitions from states to a
// state, guards that can refuse, and effects beyond the object (a sample
// moving with its analyses, retests being created). Each rule has a name
// here so that a newcomer finds it in one look.

type transitionDef struct {
	from []string
	to   string // "" = back to the state before the last transition (reinstate)
	// guard refuses with a reason; nil allows.
	guard func(l *Lab, o *Object, actor string) string
	// after runs once the object is in its new state.
	after func(l *Lab, o *Object, actor string, at time.Time) *apiError
	// auto transitions are not offered to users (the system performs them).
	auto bool
}

type workflowDef struct {
	initial string
	// initialAuto is a transition run right after creation (sample_registered
	// → sample_due).
	initialAuto string
	transitions map[string]*transitionDef
}

var deactivable = &workflowDef{initial: "active", transitions: map[string]*transitionDef{
	"deactivate": {from: []string{"active"}, to: "inactive"},
	"activate":   {from: []string{"inactive"}, to: "active"},
}}

var oneState = &workflowDef{initial: "active", transitions: map[string]*transitionDef{}}

var cancellable = &workflowDef{initial: "active", transitions: map[string]*transitionDef{
	"cancel":    {from: []string{"active"}, to: "cancelled"},
	"reinstate": {from: []string{"cancelled"}, to: "active"},
}}

// sampleWorkflow is senaite_sample_workflow without sampling and
// partition-creation steps.
var sampleWorkflow = &workflowDef{initial: "sample_registered", initialAuto: "no_sampling_workflow",
	transitions: map[string]*transitionDef{
		"no_sampling_workflow": {from: []string{"sample_registered"}, to: "sample_due", auto: true},
		"receive":              {from: []string{"sample_due"}, to: "sample_received", after: afterReceive},
		"submit": {from: []string{"sample_received"}, to: "to_be_verified", guard: guardAllSubmitted,
			after: nil},
		"verify":     {from: []string{"to_be_verified"}, to: "verified", guard: guardAllVerified},
		"publish":    {from: []string{"verified"}, to: "published", after: afterPublish},
		"invalidate": {from: []string{"verified", "published"}, to: "invalid", after: afterInvalidate},
		"cancel": {from: []string{"sample_due", "sample_received"}, to: "cancelled", guard: guardNothingSubmitted,
			after: cascade("cancel")},
		"reinstate":           {from: []string{"cancelled"}, to: "", after: cascade("reinstate")},
		"reject":              {from: []string{"sample_due", "sample_received"}, to: "rejected", guard: guardNothingSubmitted},
		"dispatch":            {from: []string{"sample_received"}, to: "dispatched"},
		"restore":             {from: []string{"dispatched"}, to: "sample_received"},
		"rollback_to_receive": {from: []string{"to_be_verified"}, to: "sample_received", auto: true},
	}}

// analysisWorkflow is senaite_analysis_workflow.
var analysisWorkflow = &workflowDef{initial: "registered", transitions: map[string]*transitionDef{
	"initialize": {from: []string{"registered"}, to: "unassigned", auto: true},
	"assign":     {from: []string{"unassigned"}, to: "assigned"},
	"unassign":   {from: []string{"assigned"}, to: "unassigned"},
	"submit": {from: []string{"unassigned", "assigned"}, to: "to_be_verified", guard: guardHasResult,
		after: afterAnalysisSubmit},
	"verify": {from: []string{"to_be_verified"}, to: "verified", guard: guardNotSubmitter,
		after: afterAnalysisVerify},
	"retract":   {from: []string{"to_be_verified"}, to: "retracted", after: afterRetract},
	"retest":    {from: []string{"to_be_verified"}, to: "verified", guard: guardNotSubmitter, after: afterRetest},
	"reject":    {from: []string{"registered", "unassigned", "assigned", "to_be_verified"}, to: "rejected", after: afterAnalysisGone},
	"cancel":    {from: []string{"registered", "unassigned"}, to: "cancelled", after: afterAnalysisGone},
	"reinstate": {from: []string{"cancelled"}, to: "unassigned"},
	"publish":   {from: []string{"verified"}, to: "published"},
}}

// qcWorkflow is for duplicates and reference analyses.
var qcWorkflow = &workflowDef{initial: "assigned", transitions: map[string]*transitionDef{
	"submit":  {from: []string{"assigned"}, to: "to_be_verified", guard: guardHasResult},
	"verify":  {from: []string{"to_be_verified"}, to: "verified", guard: guardNotSubmitter},
	"retract": {from: []string{"to_be_verified"}, to: "retracted"},
}}

var rejectAnalysisWorkflow = &workflowDef{initial: "rejected", transitions: map[string]*transitionDef{}}

var worksheetWorkflow = &workflowDef{initial: "open", transitions: map[string]*transitionDef{
	"submit":  {from: []string{"open"}, to: "to_be_verified"},
	"verify":  {from: []string{"to_be_verified"}, to: "verified"},
	"retract": {from: []string{"to_be_verified"}, to: "open"},
	"reject":  {from: []string{"open", "to_be_verified"}, to: "rejected"},
}}

var batchWorkflow = &workflowDef{initial: "open", transitions: map[string]*transitionDef{
	"close":     {from: []string{"open"}, to: "closed"},
	"open":      {from: []string{"closed"}, to: "open"},
	"cancel":    {from: []string{"open", "closed"}, to: "cancelled"},
	"reinstate": {from: []string{"cancelled"}, to: "open"},
}}

var referenceSampleWorkflow = &workflowDef{initial: "current", transitions: map[string]*transitionDef{
	"expire":     {from: []string{"current"}, to: "expired"},
	"dispose":    {from: []string{"current", "expired"}, to: "disposed"},
	"deactivate": {from: []string{"current"}, to: "inactive"},
	"activate":   {from: []string{"inactive"}, to: "current"},
}}

// workflows maps every workflow id, the Bika-era ones included, to its
// definition. It is filled in init: the effects look workflows up, which
// a package-level initializer could not express without a cycle.
var workflows map[string]*workflowDef

func init() {
	workflows = map[string]*workflowDef{
		WfOneState: oneState, WfFolder: oneState, WfDeactivable: deactivable, WfClient: deactivable,
		WfContact: deactivable, WfLabContact: deactivable, WfSample: sampleWorkflow, WfAnalysis: analysisWorkflow,
		WfDuplicate: qcWorkflow, WfReferenceAn: qcWorkflow, WfRejectAnalysis: rejectAnalysisWorkflow,
		WfWorksheet: worksheetWorkflow, WfBatch: batchWorkflow, WfReferenceSample: referenceSampleWorkflow,
		WfCancellable:  cancellable,
		WfBikaOneState: oneState, WfBikaInactive: deactivable, WfBikaAR: sampleWorkflow, WfBikaSample: sampleWorkflow,
		WfBikaAnalysis: analysisWorkflow, WfBikaWorksheet: worksheetWorkflow, WfBikaBatch: batchWorkflow,
		WfBikaRefSample: referenceSampleWorkflow, WfBikaCancel: cancellable,
	}
}

// initWorkflow puts a new object in its workflow's initial state.
func (l *Lab) initWorkflow(o *Object, now time.Time, actor string) {
	wf := workflows[o.Type.Workflow]
	if wf == nil {
		o.State = ""
		return
	}
	o.State = wf.initial
	o.History = []HistoryEntry{{Actor: actor, ReviewState: wf.initial, Time: now}}
	if wf.initialAuto != "" {
		_ = l.transitionAt(o, wf.initialAuto, actor, now)
	}
}

// doTransition performs a user's transition now.
func (l *Lab) doTransition(o *Object, tr string, user *User) *apiError {
	return l.transitionAt(o, tr, user.Username, l.now())
}

func objRepr(o *Object) string { return fmt.Sprintf("<%s at %s>", o.Type.Name, o.Path) }

func transitionFailed(o *Object, tr, reason string) *apiError {
	return fail(200, "Failed to perform transition '%s' on %s: %s", tr, objRepr(o), reason)
}

// transitionAt performs tr by actor at time at: guards, state change,
// history, and effects on related objects.
func (l *Lab) transitionAt(o *Object, tr string, actor string, at time.Time) *apiError {
	wf := workflows[o.Type.Workflow]
	if wf == nil {
		return transitionFailed(o, tr, "WorkflowException: No workflow provides the '"+tr+"' action.")
	}
	def := wf.transitions[tr]
	if def == nil {
		return transitionFailed(o, tr, "WorkflowException: No workflow provides the '"+tr+"' action.")
	}
	if !contains(def.from, o.State) {
		return transitionFailed(o, tr, fmt.Sprintf("Transition '%s' not available in state '%s'", tr, o.State))
	}
	if def.guard != nil {
		if reason := def.guard(l, o, actor); reason != "" {
			return transitionFailed(o, tr, reason)
		}
	}
	to := def.to
	if to == "" {
		to = previousState(o)
	}
	o.State = to
	o.History = append(o.History, HistoryEntry{Action: tr, Actor: actor, ReviewState: to, Time: at})
	o.touch(at)
	l.version++
	if def.after != nil {
		if err := def.after(l, o, actor, at); err != nil {
			return err
		}
	}
	return nil
}

// previousState is the state before the last transition (reinstate).
func previousState(o *Object) string {
	if n := len(o.History); n >= 2 {
		return o.History[n-2].ReviewState
	}
	return o.State
}

// availableTransitions lists what the user could do now.
func (l *Lab) availableTransitions(o *Object, user *User) []string {
	wf := workflows[o.Type.Workflow]
	if wf == nil || user == nil {
		return nil
	}
	var out []string
	for name, def := range wf.transitions {
		if def.auto || !contains(def.from, o.State) {
			continue
		}
		if def.guard != nil && def.guard(l, o, user.Username) != "" {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// lockedSampleStates: a sample's fields cannot be edited once results are
// verified or it left the lab's hands; Remarks stays open while verified
// or published.
var lockedSampleStates = map[string]bool{"verified": true, "published": true, "invalid": true,
	"cancelled": true, "rejected": true, "dispatched": true}

var resultFields = map[string]bool{"Result": true, "ResultCaptureDate": true, "Uncertainty": true,
	"Method": true, "Instrument": true, "InterimFields": true, "DetectionLimitOperand": true, "Analyst": true}

// fieldWritable: senaite.core withdraws "Modify" (or the field's write
// permission) by state.
func (l *Lab) fieldWritable(o *Object, f *Field) bool {
	switch {
	case o.State == "":
		return true // being created: the workflow has not started yet
	case o.State == "inactive" || o.State == "disposed":
		return false
	case o.Type.Name == "AnalysisRequest" || o.Type.Name == "Sample":
		if lockedSampleStates[o.State] {
			return f.Name == "Remarks" && (o.State == "verified" || o.State == "published")
		}
	case o.Type.Workflow == WfAnalysis || o.Type.Workflow == WfDuplicate || o.Type.Workflow == WfReferenceAn ||
		o.Type.Workflow == WfBikaAnalysis:
		if resultFields[f.Name] {
			return o.State == "registered" || o.State == "unassigned" || o.State == "assigned"
		}
		switch o.State {
		case "verified", "published", "retracted", "rejected", "cancelled":
			return f.Name == "Remarks"
		}
	case o.Type.Name == "Worksheet":
		return o.State == "open" || f.Name == "Remarks"
	}
	return true
}

// writable: whether new children may be created in c now.
func (l *Lab) writable(c *Object) bool {
	switch c.State {
	case "inactive", "cancelled", "invalid", "rejected", "published", "verified", "disposed", "closed":
		return false
	}
	return true
}

// --- guards --------------------------------------------------------------

func sampleAnalyses(o *Object) []*Object {
	var out []*Object
	for _, ch := range o.children {
		if ch.Type.Name == "Analysis" {
			out = append(out, ch)
		}
	}
	return out
}

func countsForSample(a *Object) bool {
	switch a.State {
	case "retracted", "rejected", "cancelled":
		return false
	}
	return true
}

func guardAllSubmitted(l *Lab, o *Object, actor string) string {
	n := 0
	for _, a := range sampleAnalyses(o) {
		if !countsForSample(a) {
			continue
		}
		n++
		switch a.State {
		case "to_be_verified", "verified", "published":
		default:
			return "Not all analyses are submitted"
		}
	}
	if n == 0 {
		return "The sample has no valid analyses"
	}
	return ""
}

func guardAllVerified(l *Lab, o *Object, actor string) string {
	for _, a := range sampleAnalyses(o) {
		if countsForSample(a) && a.State != "verified" && a.State != "published" {
			return "Not all analyses are verified"
		}
	}
	return ""
}

func guardNothingSubmitted(l *Lab, o *Object, actor string) string {
	for _, a := range sampleAnalyses(o) {
		switch a.State {
		case "to_be_verified", "verified", "published":
			return "The sample has submitted analyses"
		}
	}
	return ""
}

func guardHasResult(l *Lab, o *Object, actor string) string {
	if o.str("Result") == "" {
		return "The analysis has no result"
	}
	return ""
}

// submitter is who submitted the current result (the last submit).
func submitter(o *Object) string {
	for i := len(o.History) - 1; i >= 0; i-- {
		if o.History[i].Action == "submit" {
			return o.History[i].Actor
		}
	}
	return ""
}

// guardNotSubmitter: senaite.core forbids verifying one's own result unless
// self-verification is enabled for the analysis, which by default follows
// bika_setup's SelfVerificationEnabled (workflow/analysis/guards.py:197-
// 200): writing that field changes who may verify.
func guardNotSubmitter(l *Lab, o *Object, actor string) string {
	if submitter(o) == actor && !l.selfVerificationEnabled(o) {
		return "Self-verification is not allowed: the result was submitted by " + actor
	}
	return ""
}

// --- effects ---------------------------------------------------------------

// afterReceive: the sample's analyses become workable and its
// DateReceived is set.
func afterReceive(l *Lab, o *Object, actor string, at time.Time) *apiError {
	if o.Type.Field("DateReceived") != nil {
		o.Fields["DateReceived"] = at
	}
	for _, a := range sampleAnalyses(o) {
		if a.State == "registered" {
			_ = l.transitionAt(a, "initialize", actor, at)
		}
	}
	return nil
}

// afterAnalysisSubmit: the last analysis submitted moves its sample.
func afterAnalysisSubmit(l *Lab, a *Object, actor string, at time.Time) *apiError {
	if a.Type.Field("SubmittedBy") != nil {
		a.Fields["SubmittedBy"] = actor
	}
	s := a.Parent
	if s != nil && s.State == "sample_received" && guardAllSubmitted(l, s, actor) == "" {
		return l.transitionAt(s, "submit", actor, at)
	}
	return nil
}

// afterAnalysisVerify: the last analysis verified verifies its sample.
func afterAnalysisVerify(l *Lab, a *Object, actor string, at time.Time) *apiError {
	s := a.Parent
	if s != nil && s.State == "to_be_verified" && guardAllVerified(l, s, actor) == "" {
		return l.transitionAt(s, "verify", actor, at)
	}
	return nil
}

// afterAnalysisGone: a rejected or cancelled analysis may leave the rest
// all submitted or verified.
func afterAnalysisGone(l *Lab, a *Object, actor string, at time.Time) *apiError {
	s := a.Parent
	if s == nil || s.Type.Workflow != WfSample && s.Type.Workflow != WfBikaAR {
		return nil
	}
	if s.State == "sample_received" && guardAllSubmitted(l, s, actor) == "" {
		if err := l.transitionAt(s, "submit", actor, at); err != nil {
			return err
		}
	}
	if s.State == "to_be_verified" && guardAllVerified(l, s, actor) == "" {
		return l.transitionAt(s, "verify", actor, at)
	}
	return nil
}

// afterPublish publishes the sample's verified analyses.
func afterPublish(l *Lab, o *Object, actor string, at time.Time) *apiError {
	if o.Type.Field("DatePublished") != nil {
		o.Fields["DatePublished"] = at
	}
	for _, a := range sampleAnalyses(o) {
		if a.State == "verified" {
			_ = l.transitionAt(a, "publish", actor, at)
		}
	}
	return nil
}

// cascade runs the same transition on the sample's analyses.
func cascade(tr string) func(l *Lab, o *Object, actor string, at time.Time) *apiError {
	return func(l *Lab, o *Object, actor string, at time.Time) *apiError {
		for _, a := range sampleAnalyses(o) {
			wf := workflows[a.Type.Workflow]
			if def := wf.transitions[tr]; def != nil && contains(def.from, a.State) {
				_ = l.transitionAt(a, tr, actor, at)
			}
		}
		return nil
	}
}

// afterInvalidate creates the retest sample "<base>-R01": same data, fresh
// analyses, received, pointing back through Invalidated.
func afterInvalidate(l *Lab, o *Object, actor string, at time.Time) *apiError {
	fields := map[string]any{}
	for k, v := range o.Fields {
		switch k {
		case "Analyses", "DateReceived", "DatePublished", "Invalidated":
			continue
		}
		fields[k] = v
	}
	fields["Invalidated"] = o.UID
	id := l.sampleID(o.Type, o.Parent, fields)
	r := &Object{ID: id, Type: o.Type, Created: at, Modified: at, Author: actor, Fields: fields}
	l.attach(o.Parent, r)
	r.Title = r.ID
	l.initWorkflow(r, at, actor)
	for _, a := range sampleAnalyses(o) {
		if !countsForSample(a) {
			continue
		}
		if svc := l.byUID[a.ref("AnalysisService")]; svc != nil {
			l.addAnalysisAt(r, svc, actor, at, "")
		}
	}
	return l.transitionAt(r, "receive", actor, at)
}

// afterRetract: the retracted analysis gets a retest; the sample goes back
// to received when it had moved on.
func afterRetract(l *Lab, a *Object, actor string, at time.Time) *apiError {
	l.makeRetest(a, actor, at)
	if s := a.Parent; s != nil && s.State == "to_be_verified" {
		return l.transitionAt(s, "rollback_to_receive", actor, at)
	}
	return nil
}

// afterRetest: the original stays verified, a retest is added.
func afterRetest(l *Lab, a *Object, actor string, at time.Time) *apiError {
	l.makeRetest(a, actor, at)
	if s := a.Parent; s != nil && s.State == "to_be_verified" {
		return l.transitionAt(s, "rollback_to_receive", actor, at)
	}
	return nil
}

// makeRetest copies an analysis into a new one ("Ca-1") with RetestOf.
func (l *Lab) makeRetest(a *Object, actor string, at time.Time) *Object {
	fields := map[string]any{}
	for k, v := range a.Fields {
		switch k {
		case "Result", "ResultCaptureDate", "Uncertainty", "SubmittedBy", "RetestOf":
			continue
		}
		fields[k] = v
	}
	if a.Type.Field("RetestOf") != nil {
		fields["RetestOf"] = a.UID
	} else if a.Type.Field("Retested") != nil {
		// Bika 1.2 marks the original instead of pointing back to it
		a.Fields["Retested"] = true
	}
	r := &Object{ID: l.nextID(a.Type, a.Parent, fields), Type: a.Type, Created: at, Modified: at, Author: actor,
		Fields: fields, Title: a.Title}
	l.attach(a.Parent, r)
	l.initWorkflow(r, at, actor)
	if r.State == "registered" {
		state := "initialize"
		_ = l.transitionAt(r, state, actor, at)
	}
	wasAssigned := false
	for _, h := range a.History {
		if h.Action == "assign" {
			wasAssigned = true
		}
	}
	if wasAssigned && r.State == "unassigned" {
		_ = l.transitionAt(r, "assign", actor, at)
	}
	if s := a.Parent; s != nil && s.Type.Field("Analyses") != nil {
		list, _ := s.Fields["Analyses"].([]string)
		s.Fields["Analyses"] = append(append([]string(nil), list...), r.UID)
		s.cache.Store(nil)
	}
	return r
}
