package sim

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// initRegistry fills plone.registry records: SENAITE's and Bika's (what a
// sync with import_registry copies) and Plone's own. One Plone record holds
// a datetime, which senaite.jsonapi cannot serialize: GET /registry (all
// records) then fails with Zope's HTML 500, as on a real site.
func (l *Lab) initRegistry() {
	l.registry = map[string]any{
		// estimate: names follow senaite.core/senaite.impress registry.xml conventions
		"senaite.impress.default_template":                   "senaite.impress:Default.pt",
		"senaite.impress.default_paperformat":                "A4",
		"senaite.impress.default_orientation":                "portrait",
		"senaite.impress.store_multireports_individually":    true,
		"senaite.impress.footer":                             "",
		"senaite.core.sampleview.show_partitions":            true,
		"senaite.core.sample_header.prominent_fields":        []any{"ClientReference", "ClientSampleID"},
		"senaite.core.sample_header.standard_fields":         []any{"Contact", "SampleType", "DateSampled"},
		"senaite.core.listing.sample_listing_columns":        []any{"getId", "getDateSampled", "getClientTitle"},
		"senaite.app.listing.default_pagesize":               50,
		"senaite.core.auditlog.enabled":                      false,
		"bika.lims.client.default_landing_page":              "lab_analysisrequests",
		"bika.lims.analysisrequest.default_number_of_ars":    4,
		"bika.lims.worksheet.worksheet_view.show_partitions": false,
		"bika.lims.idserver.variables":                       []any{"sampleType", "seq"},
		"plone.site_title":                                   "SENAITE LIMS",
		"plone.email_from_address":                           "lab@lab.example.org",
		"plone.email_from_name":                              "SENAITE LIMS",
		"plone.smtp_host":                                    "localhost",
		"plone.smtp_port":                                    25,
		"plone.default_language":                             "en",
		"plone.portal_timezone":                              "Europe/Madrid",
		"plone.app.querystring.field.portal_type.title":      "Type",
		// a datetime: not JSON-serializable by senaite.jsonapi
		"plone.app.theming.interfaces.IThemeSettings.lastModified": time.Date(2024, 5, 2, 10, 11, 12, 0, time.UTC),
	}
	if l.fl.flavor == Flavor1x {
		l.registry = map[string]any{
			"bika.lims.client.default_landing_page":           "analysisrequests",
			"bika.lims.analysisrequest.default_number_of_ars": 4,
			"bika.lims.autoimportlogs":                        true,
			"bika.lims.jsonapi.settings":                      "",
			"plone.app.querystring.field.portal_type.title":   "Type",
		}
	}
}

// initSettings fills the control-panel settings /settings exposes.
func (l *Lab) initSettings() {
	all := map[string]map[string]map[string]any{
		"mail": {"IMailSchema": {"smtp_host": "localhost", "smtp_port": 25, "smtp_userid": nil, "smtp_pass": nil,
			"email_from_name": "SENAITE LIMS", "email_from_address": "lab@lab.example.org", "email_charset": "utf-8"}},
		"language": {"ILanguageSchema": {"default_language": "en", "available_languages": []any{"en", "es", "ca"},
			"use_combined_language_codes": true, "display_flags": false, "always_show_selector": false}},
		"dateandtime": {"IDateAndTimeSchema": {"portal_timezone": "Europe/Madrid",
			"available_timezones": []any{"Europe/Madrid", "UTC"}, "first_weekday": 0}},
		"usergroups":  {"IUserGroupsSettingsSchema": {"many_groups": false, "many_users": false}},
		"maintenance": {"IMaintenanceSchema": {"days": 7}},
		"calendar":    {"ICalendarSchema": {"firstweekday": 0}},
		"editing":     {"IEditingSchema": {"visible_ids": false, "enable_link_integrity_checks": true}},
		"filter":      {"IFilterSchema": {"nasty_tags": []any{"applet", "embed", "object", "script"}}},
		"markup":      {"IMarkupSchema": {"default_type": "text/html"}},
		"navigation":  {"INavigationSchema": {"generate_tabs": true, "nonfolderish_tabs": true}},
		"ram":         {"IRAMCacheSchema": {"max_entries": 1000, "max_age": 86400, "cleanup_interval": 3600}},
		"search":      {"ISearchSchema": {"enable_livesearch": true}},
		"security":    {"ISecuritySchema": {"enable_self_reg": false, "allow_anon_views_about": false}},
		"site":        {"ISiteSchema": {"site_title": "Bika LIMS", "exposeDCMetaTags": false}},
		"skins":       {"ISkinsSchema": {"theme": "Bika", "mark_special_links": false}},
	}
	l.settings = map[string]map[string]map[string]any{}
	for _, k := range l.fl.settingsKeys {
		if v, ok := all[k]; ok {
			l.settings[k] = v
		}
	}
}

// handleRegistry answers /registry[/<keyword>]: one item holding every
// record whose name contains the keyword.
func (s *Server) handleRegistry(c *reqCtx, key string) {
	l := s.lab
	l.mu.RLock()
	defer l.mu.RUnlock()
	names := make([]string, 0, len(l.registry))
	for name := range l.registry {
		if key == "" || strings.Contains(strings.ToLower(name), strings.ToLower(key)) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if t, ok := l.registry[n].(time.Time); ok {
			c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
			c.w.WriteHeader(http.StatusInternalServerError)
			_, _ = c.w.Write([]byte("<html><head><title>Site Error</title></head><body><h2>Site Error</h2>" +
				"<p>An error was encountered while publishing this resource.</p><p><strong>TypeError</strong></p>" +
				"datetime.datetime(" + t.Format("2006, 1, 2, 15, 4, 5") + ") is not JSON serializable</body></html>"))
			return
		}
	}
	rec := map[string]any{}
	for _, n := range names {
		rec[n] = l.registry[n]
	}
	p := paginate(1, formInt(c.form, "limit", defaultPageSize), 0)
	p.Count = len(names) // count is the number of records, in one item
	b := []byte{'{'}
	b = c.appendEnvelopeHead(b, p, c.routeURL())
	b = appendKey(b, "items")
	b = append(b, '[')
	b = appendAny(b, rec)
	b = append(b, ']')
	b = appendKey(b, "url")
	b = appendStr(b, c.routeURL())
	c.finish(200, b)
}

// handleSettings answers /settings[/<key>].
func (s *Server) handleSettings(c *reqCtx, key string) {
	l := s.lab
	l.mu.RLock()
	defer l.mu.RUnlock()
	keys := []string{}
	if key != "" {
		if _, ok := l.settings[key]; !ok {
			c.fail(200, "KeyError: '"+key+"'")
			return
		}
		keys = append(keys, key)
	} else {
		for k := range l.settings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	p := paginate(len(keys), formInt(c.form, "limit", defaultPageSize), formInt(c.form, "b_start", 0))
	b := []byte{'{'}
	b = c.appendEnvelopeHead(b, p, c.routeURL())
	b = appendKey(b, "items")
	b = append(b, '[')
	for i, k := range keys[p.Start:p.End] {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = append(b, '{')
		b = appendKey(b, k)
		schemas := map[string]any{}
		for sn, fields := range l.settings[k] {
			schemas[sn] = fields
		}
		b = appendAny(b, schemas)
		b = appendKey(b, "api_url")
		b = appendStr(b, c.u.apiBase+"/settings/"+k)
		b = append(b, '}')
	}
	b = append(b, ']')
	b = appendKey(b, "url")
	b = appendStr(b, c.routeURL())
	c.finish(200, b)
}
