package sim

import (
	"fmt"
	"sort"
	"strings"
)

// The setup singletons at run time: a fresh site's defaults, the values
// their accessors answer (which is not always what senaite.jsonapi shows),
// and the settings the workflows read.

// bikaSetup is /<site>/bika_setup.
func (l *Lab) bikaSetup() *Object { return l.byPath[l.portal.Path+"/bika_setup"] }

// laboratory is /<site>/bika_setup/laboratory.
func (l *Lab) laboratory() *Object { return l.byPath[l.portal.Path+"/bika_setup/laboratory"] }

// senaiteSetup is the DX /<site>/setup (2.x only).
func (l *Lab) senaiteSetup() *Object {
	if o := l.byPath[l.portal.Path+"/setup"]; o != nil && o.Type.Name == "Setup" {
		return o
	}
	return nil
}

// initSingletons gives a fresh site's singletons their schema defaults, as
// the site's installation leaves them, and sets bika_setup's
// SelfVerificationEnabled from Options.SelfVerification: the workflows
// read the field, so a sync that writes it changes the lab's behaviour.
// The caller holds the write lock (or owns the lab).
func (l *Lab) initSingletons() {
	portalEmail, _ := l.registry["plone.email_from_address"].(string)
	if bs := l.bikaSetup(); bs != nil && bs.Type.Field("IDFormatting") != nil {
		for k, v := range bikaSetupDefaults(portalEmail) {
			bs.Fields[k] = v
		}
		bs.Fields["SelfVerificationEnabled"] = l.opts.SelfVerification
	}
	if lab := l.laboratory(); lab != nil && lab.Type.Field("AccreditationPageHeader") != nil {
		for k, v := range laboratoryDefaults() {
			lab.Fields[k] = v
		}
		lab.Title = laboratoryTitle(lab)
	}
	if ss := l.senaiteSetup(); ss != nil {
		for k, v := range senaiteSetupDefaults() {
			ss.Fields[k] = v
		}
	}
}

// laboratoryTitle is Laboratory.Title(): its Name, or "Laboratory"
// (laboratory.py:205-207).
func laboratoryTitle(o *Object) string {
	if n := o.str("Name"); n != "" {
		return n
	}
	return "Laboratory"
}

// selfVerificationEnabled is analysis.isSelfVerificationEnabled()
// (abstractbaseanalysis.py:940-947): the analysis' own SelfVerification
// (-1 system default, 0 no, 1 yes) or else bika_setup's
// SelfVerificationEnabled. A Bika-era lab whose bika_setup the simulator
// does not model falls back to Options.SelfVerification.
func (l *Lab) selfVerificationEnabled(a *Object) bool {
	if v, ok := a.Fields["SelfVerification"].(int64); ok && v != -1 {
		return v == 1
	}
	if bs := l.bikaSetup(); bs != nil && bs.Type.Field("SelfVerificationEnabled") != nil {
		on, _ := bs.Fields["SelfVerificationEnabled"].(bool)
		return on
	}
	return l.opts.SelfVerification
}

// defaultEmailBodySamplePublication is what senaite_setup's default factory
// renders (senaitesetup.py:43-53, browser/setup/templates/
// email_body_sample_publication.pt) for a request: the template's
// paragraphs with their $placeholders. Whitespace is the template's,
// normalized.
const defaultEmailBodySamplePublication = "<p>Thank you for your analysis request.</p>\n" +
	"<p>Please find attached the analysis result(s) for $client_name</p>\n" +
	"<p>This report was sent to the following contacts:</p>\n<p>$recipients</p>\n<p>With best regards</p>\n" +
	"<p>$lab_name</p>\n" +
	"<p>*** This is an automatically generated email, please do not reply to this message. ***</p>\n"

// dxStored reads a DX field as Dexterity answers it: the stored value, or
// for a field never set its schema default. Static defaults are stored at
// creation (senaiteSetupDefaults); the Setup's email_from_sample_publication
// default is computed at each read from the registry (senaitesetup.py:56-61).
// ok is false when there is no value at all (None).
func (l *Lab) dxStored(o *Object, name string) (any, bool) {
	if v, ok := o.Fields[name]; ok {
		return v, true
	}
	if o.Type.Name == "Setup" && name == "email_from_sample_publication" {
		if s, _ := l.registry["plone.email_from_address"].(string); s != "" {
			return s, true
		}
	}
	return nil, false
}

// setupGetter is what senaite_setup's getX method answers for a field
// (senaitesetup.py:269-469): the accessor, with the publication email and
// body falling back to their defaults when empty and the maximum number of
// samples read through api.to_int.
func (l *Lab) setupGetter(ss *Object, name string) any {
	v, ok := l.dxStored(ss, name)
	switch name {
	case "email_from_sample_publication":
		if s, _ := v.(string); s == "" {
			v, _ = l.registry["plone.email_from_address"].(string)
		}
		return v
	case "email_body_sample_publication":
		if s, _ := v.(string); s == "" {
			return defaultEmailBodySamplePublication
		}
		return v
	}
	if !ok {
		return nil
	}
	return v
}

// setupSetter is what senaite_setup's setX method does: set the DX field
// (the mutator, no validation). bika_setup's setMaxNumberOfSamplesAdd
// converts first (api.to_int(value, default=10), bikasetup.py:1300-1307).
// The publication body arrives as a plain string, not a RichTextValue
// (senaite RichTextField.set keeps what it is given, richtextfield.py:
// 33-42), so it stays unreadable for senaite.jsonapi.
func setupSetter(ss *Object, name string, v any) {
	if v == nil {
		delete(ss.Fields, name)
	} else {
		ss.Fields[name] = v
	}
	delete(ss.Fields, richTextKey(name))
	ss.cache.Store(nil)
}

// richTextKey marks a DX rich text field whose stored value is a
// RichTextValue (saved by the edit form or plone.restapi's
// RichTextFieldDeserializer), not a plain string: only then has it the
// .output senaite.jsonapi and plone.restapi read. Not a schema field.
func richTextKey(name string) string { return "_richtext_" + name }

// setRichText stores a rich text value as the DX edit form and
// plone.restapi do: a RichTextValue.
func setRichText(o *Object, name, v string) {
	o.Fields[name] = v
	o.Fields[richTextKey(name)] = true
	o.cache.Store(nil)
}

// isRichTextValue tells whether a rich text field holds a RichTextValue.
func isRichTextValue(o *Object, name string) bool {
	on, _ := o.Fields[richTextKey(name)].(bool)
	return on
}

// atAccessorValue is what an AT field's accessor answers, which
// plone.restapi serializes and Archetypes validates: the storage, except
// where bika_setup's class overrides the accessor — the proxies read
// senaite_setup, AutoLogOff reads the session plugin (bikasetup.py:1075-
// 1082), IDServerValues lists the ID server's counters (1149-1156).
func (l *Lab) atAccessorValue(o *Object, f *Field) any {
	if o.Type.Name == "BikaSetup" {
		if dx, ok := setupProxies[f.Name]; ok {
			if ss := l.senaiteSetup(); ss != nil {
				return l.setupGetter(ss, dx)
			}
		}
		switch f.Name {
		case "AutoLogOff":
			secs, _ := o.Fields[sessionTimeoutKey].(int64)
			return secs / 60
		case "IDServerValues":
			return l.idServerValues()
		}
	}
	return o.Fields[f.Name]
}

// idServerValues is getIDServerValuesHTML: "key: value" per counter of the
// number generator, in key order.
func (l *Lab) idServerValues() string {
	keys := make([]string, 0, len(l.counters))
	for k := range l.counters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = fmt.Sprintf("%s: %d", k, l.counters[k])
	}
	return strings.Join(lines, "\n")
}

// unicodeOutputError is what senaite.jsonapi raises reading a Setup whose
// email_body_sample_publication is not a RichTextValue: never saved,
// Dexterity answers the default factory's rendered template, a unicode
// string (plone.dexterity content.py _default_from_schema; plone.app.
// textfield's RichText._validate does not check the type); written through
// bika_setup's proxy, it is a plain string too. RichTextFieldManager.
// json_data calls value.output on it (fieldmanagers.py:132-138) and the
// route swallows the AttributeError into HTTP 200 success:false: a fresh
// 2.6 site's Setup cannot be read completely until its own form (or
// plone.restapi) saves the body.
const unicodeOutputError = "'unicode' object has no attribute 'output'"

// completeItemError tells why senaite.jsonapi cannot build o's complete
// item, or "" when it can.
func (l *Lab) completeItemError(o *Object) string {
	if o.Type.Name != "Setup" || !o.Type.DX || dxFieldsHidden(o) {
		return ""
	}
	if !isRichTextValue(o, "email_body_sample_publication") {
		return unicodeOutputError
	}
	return ""
}

// completeListError is completeItemError over the objects a listing shows
// completely (with their children when asked).
func (l *Lab) completeListError(objs []*Object, children bool) string {
	for _, o := range objs {
		if msg := l.completeItemError(o); msg != "" {
			return msg
		}
		if children && o.Type.Folderish {
			for _, ch := range o.children {
				if msg := l.completeItemError(ch); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}
