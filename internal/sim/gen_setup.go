package sim

// setupSingletons gives a generated lab the settings its lab manager would
// have entered: the Laboratory's identity and accreditation, bika_setup's
// accounting, turnaround and display choices, senaite_setup's publication
// settings. Every value differs from a fresh site's default, so a migration
// that forgets one shows a difference.
//
// What the simulator's workflows implement stays as they behave: one
// required verification, no sampling workflow, automatic verification of
// samples, self-verification as Options.SelfVerification set it. The ID
// formatting keeps its default (the ID server numbers by it).
//
// bika_setup's edit form writes its proxy fields through their mutators
// into senaite_setup and AutoLogOff into the session plugin
// (bikasetup.py:1063-1343); its own storage keeps their defaults.
//
// The only random draws are the phone and the address, in the order the
// generator always drew them, so the rest of a generated lab is unchanged.
func (g *gen) setupSingletons(supervisor *Object) {
	phone, addr := g.phone(), g.address()
	if lab := g.l.laboratory(); lab != nil {
		addr["city"], addr["zip"], addr["country"] = "Cape Town", "8001", "South Africa"
		postal := map[string]any{"address": "PO Box 1234", "city": "Cape Town", "zip": "8000", "state": "",
			"country": "South Africa"}
		for name, v := range map[string]any{
			"Name": "Simulated Environmental Laboratory", "TaxNumber": "4650123456", "Phone": phone,
			"Fax": "+27 21 555 0199", "EmailAddress": "info@lab.example.org", "LabURL": "https://lab.example.org",
			"PhysicalAddress": addr, "PostalAddress": postal, "Supervisor": supervisor, "Confidence": 95,
			"LaboratoryAccredited": true, "AccreditationBody": "SANAS",
			"AccreditationBodyURL": "https://www.sanas.co.za", "Accreditation": "ISO/IEC 17025:2017",
			"AccreditationReference": "T0123", "AccountType": "Current", "AccountName": "Simulated Lab (Pty) Ltd",
			"AccountNumber": "1020304050", "BankName": "Standard Bank", "BankBranch": "Cape Town Central",
		} {
			g.set(lab, v, name)
		}
		lab.Title = laboratoryTitle(lab)
		g.touchSingleton(lab)
	}
	if bs := g.l.bikaSetup(); bs != nil && bs.Type.Field("IDFormatting") != nil {
		for name, v := range map[string]any{
			"Currency": "ZAR", "DefaultCountry": "ZA", "VAT": "15.00", "MemberDiscount": "10.00",
			// DurationWidget posts strings
			"DefaultTurnaroundTime":      map[string]any{"days": "7", "hours": "0", "minutes": "0"},
			"DefaultSampleLifetime":      map[string]any{"days": "60", "hours": "0", "minutes": "0"},
			"Workdays":                   []string{"0", "1", "2", "3", "4"},
			"CategoriseAnalysisServices": true, "EnableAnalysisRemarks": true, "ShowPartitions": true,
			"TypeOfmultiVerification": "self_multi_disabled", "ScientificNotationResults": "2",
			"WorksheetLayout": "analyses_transposed_view", "DefaultNumberOfARsToAdd": 2,
			"MinimumResults": 10, "NotifyOnSampleRejection": true, "AutoPrintStickers": "receive",
			"AutoStickerTemplate": "Code_128_1x48mm.pt", "DefaultNumberOfCopies": 2,
			"RejectionReasons": []map[string]any{{"checkbox": "on", "textfield-0": "Container broken",
				"textfield-1": "Insufficient volume", "textfield-2": "Holding time exceeded"}},
		} {
			g.set(bs, v, name)
		}
		// setAutoLogOff(30): the session times out after 30 minutes
		bs.Fields[sessionTimeoutKey] = int64(30 * 60)
		g.touchSingleton(bs)
	}
	if ss := g.l.senaiteSetup(); ss != nil {
		// the Setup's own form saved the body as a RichTextValue
		setRichText(ss, "email_body_sample_publication", "<p>Dear $client_name,</p>\n<p>Please find attached "+
			"the results of your samples.</p>\n<p>Sent to: $recipients</p>\n<p>Kind regards,<br />$lab_name</p>")
		for name, v := range map[string]any{
			"email_from_sample_publication":           "reports@lab.example.org",
			"always_cc_responsibles_in_report_emails": false, "immediate_results_entry": false,
			"categorize_sample_analyses": true, "allow_manual_result_capture_date": true,
			"max_number_of_samples_add": 20, "show_lab_name_in_login": true, "site_logo_css": "height:40px;",
		} {
			g.set(ss, v, name)
		}
		g.touchSingleton(ss)
	}
}

// touchSingleton dates a singleton's edit at the generation clock (without
// a random draw or moving the clock).
func (g *gen) touchSingleton(o *Object) {
	o.Modified = g.clock
	o.cache.Store(nil)
}
