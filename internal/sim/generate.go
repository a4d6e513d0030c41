package sim

import (
	"fmt"
	"math"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Generate fills a fresh lab with about n objects of a realistic mid-size
// lab (content model §6 proportions: analyses about 72%, setup in the
// hundreds, every setup type present), with every reference kind of §2, the
// cycles of §3, ids from the lab's own ID server and review states reached
// through the workflows, so that histories are what SENAITE would record.
// The result depends only on the lab's seed.
func Generate(l *Lab, n int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) > len(l.fl.fixed) {
		return fmt.Errorf("sim: generate: the lab is not empty")
	}
	g := &gen{l: l, r: mrand.New(mrand.NewPCG(l.opts.Seed+7, l.opts.Seed*31+1)), n: n,
		admin: l.users[0].Username, byType: map[string][]*Object{}}
	g.scale = float64(n) / 50000
	g.clock = time.Date(2021, 3, 2, 9, 0, 0, 0, l.opts.Location)
	g.gap = 40 * time.Minute
	if l.fl.flavor == Flavor1x {
		g.x1 = true
	}
	steps := []func(){g.leafSetup, g.people, g.sampleSetup, g.methodsAndInstruments, g.makeServices,
		g.specsAndTemplates, g.clients, g.samples, g.deactivateSome}
	for _, step := range steps {
		step()
		if g.err != nil {
			return fmt.Errorf("sim: generate: %w", g.err)
		}
	}
	l.version++
	return nil
}

type gen struct {
	l     *Lab
	r     *mrand.Rand
	n     int
	scale float64
	x1    bool
	admin string
	clock time.Time
	// gap is the typical time between two generated objects.
	gap    time.Duration
	err    error
	byType map[string][]*Object

	services   []*Object
	profiles   []*Object
	worksheet  *Object
	wsRoutine  []*Object
	wsCount    int
	refSamples []*Object
}

// count scales a figure of the 50,000-object lab, never below min.
func (g *gen) count(base float64, min int) int {
	return max(min, int(math.Round(base*g.scale)))
}

// tick advances the generation clock by about d.
func (g *gen) tick(d time.Duration) time.Time {
	g.clock = g.clock.Add(d/2 + time.Duration(g.r.Int64N(int64(d)+1)))
	return g.clock
}

func (g *gen) pick(list []*Object) *Object {
	if len(list) == 0 {
		return nil
	}
	return list[g.r.IntN(len(list))]
}

// pickHead favours the first items of a list, as a lab uses a few sample
// types and services far more than the rest.
func (g *gen) pickHead(list []*Object) *Object {
	if len(list) == 0 {
		return nil
	}
	i := int(math.Abs(g.r.NormFloat64()) * float64(len(list)) / 3)
	return list[min(i, len(list)-1)]
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// typeName maps a 2.x type name to the flavour's name.
func (g *gen) typeName(name string) string {
	if !g.x1 {
		return name
	}
	switch name {
	case "SampleTemplate":
		return "ARTemplate"
	case "SamplePreservation":
		return "Preservation"
	case "SampleContainer":
		return "Container"
	}
	return name
}

// folder finds the container of a setup type: the fixed folder whose
// allowed types include it.
func (g *gen) folder(typeName string) *Object {
	for _, f := range g.l.fl.fixed {
		t := g.l.fl.types[f.PortalType]
		if t != nil && t.Allows(typeName) {
			return g.l.byPath[g.l.portal.Path+"/"+f.Path]
		}
	}
	return nil
}

// set writes a field when the type has it (the flavours name some fields
// differently; the first name the type knows wins).
func (g *gen) set(o *Object, v any, names ...string) {
	for _, name := range names {
		f := o.Type.Field(name)
		if f == nil {
			continue
		}
		switch x := v.(type) {
		case *Object:
			if x == nil {
				return
			}
			if f.Kind == KRefs {
				o.Fields[name] = []string{x.UID}
			} else {
				o.Fields[name] = x.UID
			}
		case []*Object:
			uids := make([]string, 0, len(x))
			for _, t := range x {
				if t != nil {
					uids = append(uids, t.UID)
				}
			}
			if len(uids) == 0 {
				return
			}
			if f.Kind == KRef {
				o.Fields[name] = uids[0]
			} else {
				o.Fields[name] = uids
			}
		case float64:
			switch f.Kind {
			case KFixed:
				o.Fields[name] = fmt.Sprintf("%.2f", x)
			case KInt:
				o.Fields[name] = int64(x)
			default:
				o.Fields[name] = trimFloat(x)
			}
		case int:
			if f.Kind == KInt {
				o.Fields[name] = int64(x)
			} else {
				o.Fields[name] = itoa(x)
			}
		case string:
			if x == "" {
				return
			}
			if f.Kind == KLines {
				o.Fields[name] = []string{x}
			} else {
				o.Fields[name] = x
			}
		case map[string]any:
			if f.Kind == KRecords {
				// a records field holds a list of records
				o.Fields[name] = []map[string]any{x}
			} else {
				o.Fields[name] = x
			}
		case []map[string]any:
			if f.Kind == KRecord && len(x) > 0 {
				o.Fields[name] = x[0]
			} else {
				o.Fields[name] = x
			}
		default:
			o.Fields[name] = v
		}
		if name == "title" {
			o.Title, _ = o.Fields[name].(string)
		}
		if name == "description" {
			o.Description, _ = o.Fields[name].(string)
		}
		return
	}
}

// make creates an object through the ID server at the generation clock.
func (g *gen) make(parent *Object, typeName string, fields map[string]any, title string) *Object {
	if g.err != nil || parent == nil {
		if g.err == nil {
			g.err = fmt.Errorf("no container for %s", typeName)
		}
		return nil
	}
	t := g.l.fl.types[g.typeName(typeName)]
	if t == nil {
		return nil // the flavour has no such type
	}
	at := g.tick(g.gap)
	var id string
	if t.Name == "AnalysisRequest" && !g.x1 {
		id = g.l.sampleID(t, parent, fields)
	} else {
		id = g.l.nextID(t, parent, fields)
	}
	o := &Object{ID: id, Type: t, Created: at, Modified: at, Author: g.admin, Fields: map[string]any{}}
	g.l.attach(parent, o)
	if title != "" {
		o.Title = title
		g.set(o, title, "title")
	}
	for k, v := range fields {
		g.set(o, v, k)
	}
	if ct := computedTitle(g.l, o); ct != "" {
		o.Title = ct
	}
	g.l.initWorkflow(o, at, g.admin)
	g.byType[typeName] = append(g.byType[typeName], o)
	return o
}

// do runs a workflow transition at time at by actor.
func (g *gen) do(o *Object, tr, actor string, at time.Time) bool {
	if g.err != nil || o == nil {
		return false
	}
	if err := g.l.transitionAt(o, tr, actor, at); err != nil {
		g.err = fmt.Errorf("%s %s: %s", tr, o.Path, err.msg)
		return false
	}
	return true
}

func (g *gen) person() (first, last string) {
	return firstNames[g.r.IntN(len(firstNames))], surnames[g.r.IntN(len(surnames))]
}

func (g *gen) phone() string {
	return fmt.Sprintf("+34 9%02d %03d %03d", g.r.IntN(100), g.r.IntN(1000), g.r.IntN(1000))
}

func (g *gen) address() map[string]any {
	return map[string]any{"address": fmt.Sprintf("Carrer %s %d", surnames[g.r.IntN(len(surnames))], 1+g.r.IntN(200)),
		"city": cities[g.r.IntN(len(cities))], "zip": fmt.Sprintf("%05d", 8000+g.r.IntN(2000)),
		"state": "", "country": "Spain"}
}

// simple makes n items of a setup type titled from a list.
func (g *gen) simple(typeName string, n int, titles []string, extra func(o *Object, i int)) []*Object {
	if g.l.fl.types[g.typeName(typeName)] == nil {
		return nil // not a type of this flavour
	}
	folder := g.folder(g.typeName(typeName))
	var out []*Object
	for i := 0; i < n; i++ {
		title := fmt.Sprintf("%s %d", typeName, i+1)
		if i < len(titles) {
			title = titles[i]
		}
		o := g.make(folder, typeName, nil, title)
		if o == nil {
			return out
		}
		g.set(o, "Generated "+strings.ToLower(typeName)+" for the lab's daily work.", "description")
		if extra != nil {
			extra(o, i)
		}
		out = append(out, o)
	}
	return out
}

// leafSetup makes the setup types without references.
func (g *gen) leafSetup() {
	g.simple("Manufacturer", g.count(8, 1), []string{"Agilent", "Thermo Fisher", "PerkinElmer", "Shimadzu", "Merck", "Hach", "Mettler Toledo", "Waters"}, nil)
	g.simple("InstrumentType", g.count(8, 1), []string{"ICP-MS", "ICP-OES", "Ion chromatograph", "GC-MS", "HPLC", "Spectrophotometer", "pH meter", "Incubator"}, nil)
	g.simple("InstrumentLocation", g.count(5, 1), []string{"Lab 1", "Lab 2", "Metals room", "Micro lab", "Sample reception"}, nil)
	g.simple("SampleMatrix", g.count(8, 1), []string{"Water", "Soil", "Food", "Air", "Biological", "Sludge", "Oil", "Feed"}, nil)
	g.simple("SampleCondition", g.count(5, 1), []string{"Good", "Damaged container", "Warm on arrival", "Insufficient volume", "Leaking"}, nil)
	g.simple("SamplingDeviation", g.count(5, 1), []string{"Sampled late", "Wrong container", "No preservation", "Holding time exceeded", "Other"}, nil)
	g.simple("StorageLocation", g.count(20, 1), nil, func(o *Object, i int) {
		g.set(o, "Main building", "site_title", "SiteTitle")
		g.set(o, fmt.Sprintf("Fridge %d", i/4+1), "location_title", "LocationTitle")
		g.set(o, fmt.Sprintf("Shelf %d", i%4+1), "shelf_title", "ShelfTitle")
	})
	g.simple("SubGroup", g.count(5, 1), []string{"Routine", "Complaint", "Audit", "Research", "Proficiency test"}, func(o *Object, i int) {
		g.set(o, fmt.Sprintf("%02d", i+1), "sort_key", "SortKey")
	})
	g.simple("BatchLabel", g.count(8, 1), []string{"Urgent", "Monthly", "Quarterly", "Campaign", "External", "Accredited", "Internal", "Re-run"}, nil)
	g.simple("AttachmentType", g.count(8, 1), []string{"Chromatogram", "Photo", "Chain of custody", "Instrument printout", "Field sheet", "Certificate", "Spectrum", "Report draft"}, nil)
	g.simple("ContainerType", g.count(10, 1), []string{"Glass bottle", "PE bottle", "Sterile bag", "Vial", "Jar", "Tube", "Canister", "Filter", "Box", "Envelope"}, nil)
	g.simple(g.typeName("SamplePreservation"), g.count(8, 1), []string{"Cool to 4C", "HNO3 to pH<2", "H2SO4 to pH<2", "Freeze", "NaOH to pH>12", "Dark", "Sodium thiosulfate", "None"}, func(o *Object, i int) {
		g.set(o, []string{"field", "lab"}[i%2], "category", "Category")
		g.set(o, map[string]any{"days": itoa(7 + i), "hours": "0", "minutes": "0"}, "retention_period", "RetentionPeriod")
	})
	g.simple("LabProduct", g.count(10, 1), []string{"Nitric acid 65%", "Buffer pH 7", "Buffer pH 4", "Agar plates", "Filters 0.45um", "Standard 1000 mg/l Ca", "Methanol HPLC", "Pipette tips", "Gloves", "Sample bags"}, func(o *Object, i int) {
		g.set(o, fmt.Sprintf("%.2f", float64(5+i*3)), "labproduct_price", "Price")
		g.set(o, "1", "labproduct_volume", "Volume")
		g.set(o, "unit", "labproduct_unit", "Unit")
		g.set(o, "21.00", "labproduct_vat", "VAT")
	})
	for _, s := range g.simple("Supplier", g.count(8, 1), []string{"LabSupply SA", "ChemStore", "Scientific Partners", "BioMedia", "Glassware Ltd", "RefMat Institute", "Analytica", "Quimica Vall"}, func(o *Object, i int) {
		g.set(o, o.Title, "Name")
		g.set(o, fmt.Sprintf("ESB%08d", 1000+i), "tax_number", "TaxNumber")
		g.set(o, g.phone(), "phone", "Phone")
		g.set(o, fmt.Sprintf("sales@supplier%d.example.com", i+1), "email", "EmailAddress")
		g.set(o, fmt.Sprintf("https://supplier%d.example.com", i+1), "website", "Website")
		addr := g.address()
		addr["type"] = "physical"
		g.set(o, []map[string]any{addr}, "address")
		g.set(o, addr, "PhysicalAddress")
	}) {
		for j := 0; j < 1+g.r.IntN(3); j++ {
			f, l := g.person()
			c := g.make(s, "SupplierContact", map[string]any{"Firstname": f, "Surname": l,
				"EmailAddress":  strings.ToLower(f) + "@" + strings.ToLower(strings.ReplaceAll(s.Title, " ", "")) + ".example.com",
				"BusinessPhone": g.phone()}, "")
			_ = c
		}
	}
	g.simple("Label", g.count(5, 1), []string{"Priority", "Hazard", "VIP", "Legal", "Research"}, nil)
	g.simple("DynamicAnalysisSpec", g.count(2, 1), []string{"Dynamic spec by matrix", "Dynamic spec 2"}, nil)
}

// people makes lab contacts and departments, the first cycle of §3:
// Department.manager → LabContact and LabContact.Departments → Department.
func (g *gen) people() {
	folder := g.folder("LabContact")
	var contacts []*Object
	for i := 0; i < g.count(25, 3); i++ {
		f, l := g.person()
		c := g.make(folder, "LabContact", map[string]any{"Firstname": f, "Surname": l,
			"EmailAddress":  fmt.Sprintf("%s.%s@lab.example.org", strings.ToLower(f), strings.ToLower(strings.ReplaceAll(l, " ", ""))),
			"BusinessPhone": g.phone(), "JobTitle": []string{"Analyst", "Lab manager", "Technician", "Sampler"}[i%4]}, "")
		contacts = append(contacts, c)
	}
	dfolder := g.folder("Department")
	var depts []*Object
	for i := 0; i < min(g.count(8, 2), len(departmentPool)); i++ {
		d := g.make(dfolder, "Department", map[string]any{"department_id": departmentPool[i][0],
			"DepartmentID": departmentPool[i][0], "manager": contacts[i%len(contacts)], "Manager": contacts[i%len(contacts)]},
			departmentPool[i][1])
		depts = append(depts, d)
	}
	for i, c := range contacts {
		d := depts[i%len(depts)]
		g.set(c, []*Object{d, depts[(i+1)%len(depts)]}, "Departments")
		g.set(c, d, "DefaultDepartment")
	}
	// the lab manager sets up the Laboratory, bika_setup and senaite_setup
	g.setupSingletons(contacts[0])
	g.byType["Department"] = depts
}

// sampleSetup makes categories, containers, sample types and points.
func (g *gen) sampleSetup() {
	depts := g.byType["Department"]
	catNames := []string{"Metals", "Trace metals", "Anions", "Nutrients", "Organics", "Physical", "Microbiology",
		"Food composition", "Soil", "Volatile organics", "Semivolatile organics", "Pesticides"}
	cats := g.simple("AnalysisCategory", g.count(20, 3), catNames, func(o *Object, i int) {
		g.set(o, depts[i%len(depts)], "department", "Department")
		g.set(o, float64(i+1), "sort_key", "SortKey")
	})
	g.byType["AnalysisCategory"] = cats
	ctypes := g.byType["ContainerType"]
	presv := g.byType[g.typeName("SamplePreservation")]
	g.simple(g.typeName("SampleContainer"), g.count(20, 2), nil, func(o *Object, i int) {
		g.set(o, ctypes[i%len(ctypes)], "containertype", "ContainerType")
		g.set(o, presv[i%len(presv)], "preservation", "Preservation")
		g.set(o, fmt.Sprintf("%d ml", []int{50, 100, 250, 500, 1000}[i%5]), "capacity", "Capacity")
		g.set(o, i%3 == 0, "pre_preserved", "PrePreserved")
	})
	matrices := g.byType["SampleMatrix"]
	// the head of the pool is shared by every generated lab; the rest is the seed's
	pool := append([][2]string(nil), sampleTypePool[:6]...)
	rest := append([][2]string(nil), sampleTypePool[6:]...)
	g.r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	pool = append(pool, rest...)
	n := min(g.count(40, 3), len(pool))
	sfolder := g.folder("SampleType")
	var stypes []*Object
	for i := 0; i < n; i++ {
		st := g.make(sfolder, "SampleType", map[string]any{"prefix": pool[i][0], "Prefix": pool[i][0]}, pool[i][1])
		g.set(st, map[string]any{"days": "30", "hours": "0", "minutes": "0"}, "retention_period", "RetentionPeriod")
		g.set(st, fmt.Sprintf("%d ml", []int{100, 250, 500}[i%3]), "min_volume", "MinimumVolume")
		g.set(st, i%7 == 3, "hazardous", "Hazardous")
		g.set(st, matrices[i%len(matrices)], "sample_matrix", "SampleMatrix")
		g.set(st, ctypes[i%len(ctypes)], "container_type", "ContainerType")
		g.set(st, map[string]any{"admitted": []any{"senaite.core:sticker_default"}, "small_default": "senaite.core:sticker_small", "large_default": "senaite.core:sticker_default"}, "admitted_sticker_templates", "AdmittedStickerTemplates")
		stypes = append(stypes, st)
	}
	g.byType["SampleType"] = stypes
	pfolder := g.folder("SamplePoint")
	for i := 0; i < g.count(150, 2); i++ {
		sp := g.make(pfolder, "SamplePoint", nil, fmt.Sprintf("%s point %d", cities[i%len(cities)], i+1))
		g.set(sp, []*Object{g.pickHead(stypes), g.pickHead(stypes)}, "sample_types", "SampleTypes")
		lat, lon := fmt.Sprintf("%.4f", 41+g.r.Float64()), fmt.Sprintf("%.4f", 2+g.r.Float64())
		g.set(sp, map[string]any{"latitude": lat, "longitude": lon}, "location")
		g.set(sp, map[string]any{"degrees": lat[:2], "minutes": "0", "seconds": "0", "bearing": "N"}, "Latitude")
		g.set(sp, map[string]any{"degrees": lon[:1], "minutes": "0", "seconds": "0", "bearing": "E"}, "Longitude")
		g.set(sp, i%10 == 0, "composite", "Composite")
	}
}

// methodsAndInstruments makes methods, instruments and their children.
func (g *gen) methodsAndInstruments() {
	methods := g.simple("Method", g.count(40, 2), nil, func(o *Object, i int) {
		o.Title = fmt.Sprintf("SOP-%03d %s", i+1, []string{"ICP-MS", "Ion chromatography", "Titration", "Membrane filtration", "Gravimetry", "Spectrophotometry", "GC-MS"}[i%7])
		o.Fields["title"] = o.Title
		g.set(o, fmt.Sprintf("M-%03d", i+1), "MethodID")
		g.set(o, "Follow the SOP; calibrate daily.", "Instructions")
		g.set(o, i%3 != 0, "ManualEntryOfResults")
		g.set(o, i%2 == 0, "Accredited")
	})
	g.byType["Method"] = methods
	ifolder := g.folder("Instrument")
	var instruments []*Object
	for i := 0; i < g.count(25, 2); i++ {
		in := g.make(ifolder, "Instrument", nil, fmt.Sprintf("%s #%d", g.pick(g.byType["InstrumentType"]).Title, i+1))
		g.set(in, g.pick(g.byType["InstrumentType"]), "InstrumentType")
		g.set(in, g.pick(g.byType["Manufacturer"]), "Manufacturer")
		g.set(in, g.pick(g.byType["Supplier"]), "Supplier")
		g.set(in, g.pick(g.byType["InstrumentLocation"]), "InstrumentLocation")
		g.set(in, []*Object{g.pick(methods), g.pick(methods)}, "Methods")
		g.set(in, fmt.Sprintf("MDL-%d", 100+i), "Model")
		g.set(in, fmt.Sprintf("SN%07d", g.r.IntN(9999999)), "SerialNo")
		instruments = append(instruments, in)
	}
	g.byType["Instrument"] = instruments
	kids := []string{"InstrumentCalibration", "InstrumentCertification", "InstrumentValidation",
		"InstrumentMaintenanceTask", "InstrumentScheduledTask"}
	lcs := g.byType["LabContact"]
	for i := 0; i < g.count(150, 5); i++ {
		in := instruments[i%len(instruments)]
		k := kids[i%len(kids)]
		o := g.make(in, k, nil, fmt.Sprintf("%s %d", strings.TrimPrefix(k, "Instrument"), i+1))
		g.set(o, in, "Instrument")
		g.set(o, g.pick(lcs), "Worker", "Preparator")
		g.set(o, g.clock.AddDate(0, -1, 0), "DownFrom", "ValidFrom", "DateIssued")
		g.set(o, g.clock, "DownTo", "ValidTo")
		g.set(o, []map[string]any{{"fromenabled": true, "fromdate": g.clock.Format("2006-01-02"),
			"repeatenabled": true, "repeatunit": "1", "repeatperiod": "month", "repeatuntilenabled": false,
			"repeatuntil": ""}}, "ScheduleCriteria")
		g.set(o, []string{"preventive", "repair", "calibration"}[i%3], "Type")
		if k == "InstrumentMaintenanceTask" && i%4 == 0 {
			g.do(o, "cancel", g.admin, g.tick(time.Hour))
		}
	}
	g.byType["AutoImportLogCount"] = nil
	for i := 0; i < g.count(300, 1); i++ {
		in := instruments[i%len(instruments)]
		o := g.make(in, "AutoImportLog", nil, fmt.Sprintf("Import %d", i+1))
		g.set(o, in, "Instrument")
		g.set(o, fmt.Sprintf("results_%04d.csv", i+1), "ImportFile", "ImportedFile")
		g.set(o, g.clock, "LogTime")
		g.set(o, "generic.two_dimension", "Interface")
		g.set(o, fmt.Sprintf("%d results imported", 10+g.r.IntN(90)), "Results")
	}
}

// makeServices makes analysis services and calculations: the second cycle of
// §3 (AnalysisService.Calculation ↔ Calculation.DependentServices).
func (g *gen) makeServices() {
	cats := map[string]*Object{}
	for _, c := range g.byType["AnalysisCategory"] {
		cats[c.Title] = c
	}
	pool := append([]serviceDef(nil), servicePool[:30]...)
	rest := append([]serviceDef(nil), servicePool[30:]...)
	g.r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	pool = append(pool, rest...)
	folder := g.folder("AnalysisService")
	methods := g.byType["Method"]
	instruments := g.byType["Instrument"]
	n := min(g.count(200, 8), len(pool))
	for i := 0; i < n; i++ {
		d := pool[i]
		cat := cats[d.Category]
		if cat == nil {
			cat = g.pick(g.byType["AnalysisCategory"])
		}
		s := g.make(folder, "AnalysisService", map[string]any{"Keyword": d.Keyword}, d.Title)
		g.set(s, d.Unit, "Unit")
		g.set(s, d.Price, "Price")
		g.set(s, 21.0, "VAT")
		g.set(s, 2, "Precision")
		g.set(s, cat, "Category")
		g.set(s, g.l.byUID[cat.ref("department")], "Department")
		if g.l.byUID[cat.ref("department")] == nil {
			g.set(s, g.l.byUID[cat.ref("Department")], "Department")
		}
		m := g.pick(methods)
		g.set(s, []*Object{m}, "Methods")
		g.set(s, m, "Method")
		in := g.pick(instruments)
		g.set(s, []*Object{in}, "Instruments")
		g.set(s, in, "Instrument")
		g.set(s, []string{"lab", "field"}[boolInt(d.Category == "Physical" && i%3 == 0)], "PointOfCapture")
		g.set(s, i%2 == 0, "Accredited")
		g.set(s, g.pick(g.byType[g.typeName("SamplePreservation")]), "Preservation")
		g.set(s, map[string]any{"days": "5", "hours": "0", "minutes": "0"}, "MaxTimeAllowed")
		g.services = append(g.services, s)
	}
	byKw := map[string]*Object{}
	for _, s := range g.services {
		byKw[s.str("Keyword")] = s
	}
	cfolder := g.folder("Calculation")
	var calcs []*Object
	// Hardness from Ca and Mg is the classic: [Ca] and [Mg] are tokens
	// whose services become DependentServices.
	for i := 0; i < g.count(30, 2); i++ {
		var deps []*Object
		var formula string
		if i == 0 && byKw["Ca"] != nil && byKw["Mg"] != nil {
			deps = []*Object{byKw["Ca"], byKw["Mg"]}
			formula = "[Ca] * 2.497 + [Mg] * 4.118"
		} else {
			a, b := g.pickHead(g.services), g.pickHead(g.services)
			if a == b {
				deps = []*Object{a}
				formula = fmt.Sprintf("[%s] * %.3f", a.str("Keyword"), 1+g.r.Float64())
			} else {
				deps = []*Object{a, b}
				formula = fmt.Sprintf("([%s] + [%s]) / 2", a.str("Keyword"), b.str("Keyword"))
			}
		}
		c := g.make(cfolder, "Calculation", nil, fmt.Sprintf("Calculation %d", i+1))
		if i == 0 && formula[0] == '[' {
			c.Title = "Total hardness"
			c.Fields["title"] = c.Title
		}
		g.set(c, formula, "Formula")
		g.set(c, deps, "DependentServices")
		g.set(c, []map[string]any{{"keyword": "factor", "title": "Factor", "value": "1", "unit": "", "hidden": false}}, "InterimFields")
		calcs = append(calcs, c)
		// an owner service that is not among the dependencies
		for tries := 0; tries < 5; tries++ {
			owner := g.pick(g.services)
			if owner.ref("Calculation") == "" && !containsObj(deps, owner) {
				if i == 0 && byKw["Hard"] != nil && byKw["Hard"].ref("Calculation") == "" {
					owner = byKw["Hard"]
				}
				g.set(owner, c, "Calculation")
				break
			}
		}
	}
	g.byType["Calculation"] = calcs
	for i, m := range g.byType["Method"] {
		if i%3 == 0 {
			g.set(m, []*Object{g.pick(calcs)}, "Calculations", "Calculation")
		}
	}
}

func containsObj(list []*Object, o *Object) bool {
	for _, x := range list {
		if x == o {
			return true
		}
	}
	return false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// serviceRecords builds the {uid, hidden} records of profiles/templates.
func (g *gen) serviceRecords(k int, partID string) ([]map[string]any, []*Object) {
	seen := map[*Object]bool{}
	var recs []map[string]any
	var svcs []*Object
	for len(recs) < k && len(seen) < len(g.services) {
		s := g.pickHead(g.services)
		if seen[s] {
			continue
		}
		seen[s] = true
		r := map[string]any{"uid": s.UID, "hidden": false}
		if partID != "" {
			r["part_id"] = partID
		}
		recs = append(recs, r)
		svcs = append(svcs, s)
	}
	return recs, svcs
}

// specsAndTemplates makes specifications, profiles, templates, reference
// definitions, worksheet templates and reference samples.
func (g *gen) specsAndTemplates() {
	stypes := g.byType["SampleType"]
	g.simple("AnalysisSpec", g.count(40, 1), nil, func(o *Object, i int) {
		st := stypes[i%len(stypes)]
		o.Title = "Spec " + st.Title
		if i >= len(stypes) {
			// senaite.core validates a specification's title unique: a
			// large lab's second spec of a sample type is named apart (a
			// 250,000-object lab held five "Spec Fish", which no SENAITE
			// would have let it create)
			o.Title = fmt.Sprintf("Spec %s %d", st.Title, i/len(stypes)+1)
		}
		o.Fields["title"] = o.Title
		g.set(o, st, "SampleType")
		var rr []map[string]any
		recs, svcs := g.serviceRecords(4, "")
		for j, s := range svcs {
			rr = append(rr, map[string]any{"keyword": s.str("Keyword"), "uid": recs[j]["uid"],
				"min": "0", "max": itoa(10 + 10*j), "warn_min": "", "warn_max": "", "hidemin": "", "hidemax": "", "rangecomment": ""})
		}
		g.set(o, rr, "ResultsRange")
	})
	g.profiles = g.simple("AnalysisProfile", g.count(50, 1), nil, func(o *Object, i int) {
		recs, svcs := g.serviceRecords(3+g.r.IntN(6), "")
		o.Title = fmt.Sprintf("Profile %s", svcs[0].str("Keyword"))
		o.Fields["title"] = o.Title
		g.set(o, recs, "services")
		g.set(o, svcs, "Service")
		g.set(o, []*Object{g.pickHead(stypes)}, "sample_types", "SampleTypes")
		g.set(o, fmt.Sprintf("PROF%02d", i+1), "profile_key", "ProfileKey")
	})
	ctrs := g.byType[g.typeName("SampleContainer")]
	presv := g.byType[g.typeName("SamplePreservation")]
	g.simple("SampleTemplate", g.count(20, 1), nil, func(o *Object, i int) {
		st := g.pickHead(stypes)
		recs, svcs := g.serviceRecords(3+g.r.IntN(4), "part-1")
		o.Title = "Template " + st.Title
		o.Fields["title"] = o.Title
		g.set(o, recs, "services", "Analyses")
		_ = svcs
		g.set(o, []map[string]any{{"part_id": "part-1", "container": g.pick(ctrs).UID,
			"preservation": g.pick(presv).UID, "sampletype": st.UID}}, "partitions", "Partitions")
		g.set(o, st, "sampletype", "SampleType")
		g.set(o, g.pick(g.byType["SamplePoint"]), "samplepoint", "SamplePoint")
	})
	refDefs := g.simple("ReferenceDefinition", g.count(8, 1), []string{"Blank", "Control low", "Control high", "CRM water", "CRM soil", "Spike", "Blank 2", "Control mid"}, func(o *Object, i int) {
		g.set(o, i%5 == 0, "Blank")
		var rr []map[string]any
		for _, s := range g.services[:min(4, len(g.services))] {
			rr = append(rr, map[string]any{"uid": s.UID, "result": itoa(5 * (i + 1)), "min": itoa(4 * (i + 1)), "max": itoa(6 * (i + 1)), "error": "10"})
		}
		g.set(o, rr, "ReferenceResults")
	})
	g.simple("WorksheetTemplate", g.count(10, 1), nil, func(o *Object, i int) {
		g.set(o, []*Object{g.pickHead(g.services), g.pickHead(g.services)}, "Service", "services")
		g.set(o, g.pick(g.byType["Method"]), "RestrictToMethod", "restrict_to_method")
		g.set(o, g.pick(g.byType["Instrument"]), "Instrument", "instrument")
		layout := []map[string]any{{"pos": "1", "type": "a", "blank_ref": "", "control_ref": "", "dup": ""},
			{"pos": "2", "type": "b", "blank_ref": refDefs[0].UID, "control_ref": "", "dup": ""},
			{"pos": "3", "type": "c", "blank_ref": "", "control_ref": refDefs[len(refDefs)-1].UID, "dup": ""},
			{"pos": "4", "type": "d", "blank_ref": "", "control_ref": "", "dup": "1"}}
		g.set(o, layout, "Layout", "template_layout")
	})
	g.simple("InterpretationTemplate", g.count(3, 1), nil, func(o *Object, i int) {
		g.set(o, []*Object{g.pick(g.byType["SampleTemplate"])}, "analysis_templates")
		g.set(o, []*Object{g.pickHead(stypes)}, "sample_types")
	})
	suppliers := g.byType["Supplier"]
	for i := 0; i < g.count(40, 1); i++ {
		s := suppliers[i%len(suppliers)]
		rd := refDefs[i%len(refDefs)]
		rs := g.make(s, "ReferenceSample", nil, fmt.Sprintf("%s lot %d", rd.Title, 100+i))
		g.set(rs, rd, "ReferenceDefinition")
		g.set(rs, g.pick(g.byType["Manufacturer"]), "Manufacturer")
		g.set(rs, rd.Fields["Blank"] == true, "Blank")
		g.set(rs, fmt.Sprintf("CAT-%04d", g.r.IntN(9999)), "CatalogueNumber")
		g.set(rs, fmt.Sprintf("LOT-%05d", g.r.IntN(99999)), "LotNumber")
		g.set(rs, g.clock.AddDate(2, 0, 0), "ExpiryDate")
		g.set(rs, rd.Fields["ReferenceResults"], "ReferenceResults", "ReferenceValues")
		g.refSamples = append(g.refSamples, rs)
	}
}

// clients makes clients, their contacts (CCContact cycles, §3.3), their
// own setup and batches.
func (g *gen) clients() {
	pool := append([][2]string(nil), clientPool[:4]...)
	rest := append([][2]string(nil), clientPool[4:]...)
	g.r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	pool = append(pool, rest...)
	folder := g.folder("Client")
	n := g.count(150, 2)
	cats := g.byType["AnalysisCategory"]
	for i := 0; i < n; i++ {
		var id, name string
		if i < len(pool) {
			id, name = pool[i][0], pool[i][1]
		} else {
			name = fmt.Sprintf("%s %s", companyWords[g.r.IntN(len(companyWords))], companyKinds[g.r.IntN(len(companyKinds))])
			id = fmt.Sprintf("C%03d", i+1)
		}
		c := g.make(folder, "Client", map[string]any{"Name": name, "ClientID": id}, "")
		g.set(c, g.phone(), "Phone")
		g.set(c, g.phone(), "Fax")
		g.set(c, fmt.Sprintf("lab@%s.example.com", strings.ToLower(id)), "EmailAddress")
		g.set(c, fmt.Sprintf("ESB%08d", 10000+i), "TaxNumber")
		g.set(c, g.address(), "PhysicalAddress")
		g.set(c, g.address(), "PostalAddress")
		g.set(c, i%5 == 0, "BulkDiscount")
		g.set(c, i%4 == 0, "MemberDiscountApplies")
		g.set(c, []*Object{g.pick(cats)}, "DefaultCategories")
		var contacts []*Object
		for j := 0; j < 3; j++ {
			f, l := g.person()
			ct := g.make(c, "Contact", map[string]any{"Firstname": f, "Surname": l,
				"EmailAddress":  fmt.Sprintf("%s.%s@%s.example.com", strings.ToLower(f), strings.ToLower(strings.ReplaceAll(l, " ", "")), strings.ToLower(id)),
				"BusinessPhone": g.phone(), "JobTitle": "Quality manager"}, "")
			g.set(ct, "Mr", "Salutation")
			contacts = append(contacts, ct)
		}
		// CCContact: a cycle between the first two, the third copies the first
		g.set(contacts[0], []*Object{contacts[1]}, "CCContact")
		g.set(contacts[1], []*Object{contacts[0]}, "CCContact")
		g.set(contacts[2], []*Object{contacts[0]}, "CCContact")
		if i%10 == 0 {
			g.make(c, "SamplePoint", nil, fmt.Sprintf("%s private well", name))
		}
		if i%15 == 0 {
			recs, _ := g.serviceRecords(3, "")
			p := g.make(c, "AnalysisProfile", nil, fmt.Sprintf("%s profile", id))
			g.set(p, recs, "services")
			g.set(p, fmt.Sprintf("%s-P", id), "profile_key", "ProfileKey")
		}
		if i%20 == 0 {
			sp := g.make(c, "AnalysisSpec", nil, fmt.Sprintf("%s specification", id))
			g.set(sp, g.pick(g.byType["SampleType"]), "SampleType")
			g.set(sp, []map[string]any{{"keyword": g.services[0].str("Keyword"), "uid": g.services[0].UID, "min": "0", "max": "50"}}, "ResultsRange")
		}
	}
	bfolder := g.folder("Batch")
	labels := g.byType["BatchLabel"]
	clients := g.byType["Client"]
	for i := 0; i < g.count(250, 1); i++ {
		parent := bfolder
		var client *Object
		if i%2 == 0 {
			// a batch with a Client lives inside that client
			client = g.pick(clients)
			parent = client
		}
		if !parent.Type.Allows(g.typeName("Batch")) {
			parent = bfolder
		}
		b := g.make(parent, "Batch", nil, fmt.Sprintf("Campaign %d", i+1))
		g.set(b, client, "Client")
		g.set(b, []string{g.pick(labels).UID}, "BatchLabels")
		g.set(b, g.clock, "BatchDate")
		g.set(b, fmt.Sprintf("BATCH-%04d", i+1), "BatchID")
	}
	afolderTypes := g.byType["AttachmentType"]
	for i := 0; i < g.count(600, 1); i++ {
		c := g.pick(clients)
		a := g.make(c, "Attachment", nil, "")
		g.set(a, g.pick(afolderTypes), "AttachmentType")
		g.set(a, fmt.Sprintf("scan-%05d.pdf", i+1), "AttachmentKeys")
		g.set(a, i%3 == 0, "RenderInReport")
		g.set(a, []string{"r", "i", "a"}[i%3], "ReportOption")
	}
}

// samples makes samples with their analyses and drives them through the
// workflows to the state mix of content model §6; worksheets, QC analyses
// and reports are made along the way.
func (g *gen) samples() {
	setup := len(g.l.all)
	remaining := g.n - setup
	nSamples := max(3, remaining/11)
	clients := g.byType["Client"]
	span := 1000 * 24 * time.Hour
	start := time.Date(2023, 1, 2, 8, 0, 0, 0, g.l.opts.Location)
	if g.clock.Before(start) {
		g.clock = start
	}
	step := span / time.Duration(nSamples)
	g.gap = min(step/40, time.Minute)
	var roots []*Object
	for i := 0; i < nSamples; i++ {
		g.clock = start.Add(time.Duration(i) * step)
		client := g.pickHead(clients)
		s := g.newSample(client, nil, "")
		if s == nil {
			return
		}
		roots = append(roots, s)
		// the first samples go through every state, so that even a small
		// lab has each one; the rest follow the mix
		state := g.targetState()
		if i < len(everyState) {
			state = everyState[i]
		}
		g.lifecycle(s, state)
		if g.err != nil {
			return
		}
		switch {
		case i == 1 || g.chance(0.06):
			p := g.newSample(client, s, "ParentAnalysisRequest")
			g.lifecycle(p, g.targetState())
		case i == 2 || g.chance(0.01):
			p := g.newSample(client, s, "PrimaryAnalysisRequest")
			g.lifecycle(p, g.targetState())
		}
	}
	g.closeWorksheet()
	_ = roots
}

// everyState lists the sample states a generated lab always has.
var everyState = []string{"published", "invalid", "verified", "to_be_verified", "sample_received", "sample_due",
	"cancelled", "rejected"}

// targetState draws from the state mix of content model §6.
func (g *gen) targetState() string {
	r := g.r.Float64()
	for _, c := range []struct {
		state string
		p     float64
	}{{"published", 0.80}, {"verified", 0.04}, {"to_be_verified", 0.03}, {"sample_received", 0.05},
		{"sample_due", 0.02}, {"cancelled", 0.03}, {"invalid", 0.01}, {"rejected", 0.01}} {
		if r < c.p {
			return c.state
		}
		r -= c.p
	}
	return "published"
}

// newSample creates a sample (or a partition/secondary of from, by the
// reference field named rel) with its analyses.
func (g *gen) newSample(client, from *Object, rel string) *Object {
	var contacts []*Object
	for _, ch := range client.children {
		if ch.Type.Name == "Contact" {
			contacts = append(contacts, ch)
		}
	}
	fields := map[string]any{}
	var st *Object
	if from != nil {
		st = g.l.byUID[from.ref("SampleType")]
		fields[rel] = from.UID
	} else {
		st = g.pickHead(g.byType["SampleType"])
	}
	fields["SampleType"] = st.UID
	if g.x1 {
		return g.newSample1x(client, contacts, st)
	}
	s := g.make(client, "AnalysisRequest", fields, "")
	if s == nil {
		return nil
	}
	g.set(s, client, "Client")
	g.set(s, g.pick(contacts), "Contact")
	if g.chance(0.3) {
		g.set(s, []*Object{g.pick(contacts)}, "CCContact")
	}
	g.set(s, st, "SampleType")
	g.set(s, g.clock.Add(-time.Duration(1+g.r.IntN(20))*time.Hour), "DateSampled")
	g.set(s, fmt.Sprintf("CS-%05d", g.r.IntN(99999)), "ClientSampleID")
	g.set(s, fmt.Sprintf("REF-%s-%d", client.str("ClientID"), g.r.IntN(999)), "ClientReference")
	g.set(s, fmt.Sprintf("PO-%04d", g.r.IntN(9999)), "ClientOrderNumber")
	if g.chance(0.5) {
		g.set(s, g.pick(g.byType["SamplePoint"]), "SamplePoint")
	}
	if g.chance(0.2) {
		g.set(s, g.pick(g.byType["Batch"]), "Batch")
	}
	if g.chance(0.3) {
		g.set(s, g.pick(g.byType["StorageLocation"]), "StorageLocation")
	}
	if g.chance(0.2) {
		g.set(s, g.pick(g.byType["SampleCondition"]), "SampleCondition")
	}
	if g.chance(0.05) {
		g.set(s, g.pick(g.byType["SamplingDeviation"]), "SamplingDeviation")
	}
	if g.chance(0.1) {
		g.set(s, g.pick(g.byType["SubGroup"]), "SubGroup")
	}
	if g.chance(0.15) {
		g.set(s, "Sample taken after heavy rain.", "Remarks")
	}
	g.set(s, []string{"1", "3", "5"}[g.r.IntN(3)], "Priority")
	g.set(s, g.pick(g.byType[g.typeName("SampleContainer")]), "Container")
	var svcs []*Object
	if g.chance(0.3) && len(g.profiles) > 0 {
		p := g.pick(g.profiles)
		g.set(s, []*Object{p}, "Profiles")
		for _, uid := range serviceUIDsOf(p) {
			if o := g.l.byUID[uid]; o != nil {
				svcs = append(svcs, o)
			}
		}
	}
	k := 5 + g.r.IntN(8)
	seen := map[*Object]bool{}
	for _, o := range svcs {
		seen[o] = true
	}
	for len(svcs) < k && len(seen) < len(g.services) {
		o := g.pickHead(g.services)
		if !seen[o] {
			seen[o] = true
			svcs = append(svcs, o)
		}
	}
	for _, svc := range svcs {
		g.analysis(s, svc, nil)
	}
	return s
}

// analysis creates a routine analysis of svc inside sample.
func (g *gen) analysis(sample, svc, retestOf *Object) *Object {
	fields := map[string]any{"Keyword": svc.str("Keyword"), "AnalysisService": svc.UID}
	a := g.make(sample, "Analysis", fields, svc.Title)
	if a == nil {
		return nil
	}
	g.copyService(a, svc)
	g.set(a, retestOf, "RetestOf")
	if sample.Type.Field("Analyses") != nil {
		list, _ := sample.Fields["Analyses"].([]string)
		sample.Fields["Analyses"] = append(append([]string(nil), list...), a.UID)
	}
	return a
}

// copyService gives an analysis (routine or QC) its service's fields, as
// senaite.core copies the service schema into every analysis.
func (g *gen) copyService(a, svc *Object) {
	if a == nil || svc == nil {
		return
	}
	for _, name := range analysisCopyFields {
		if v, ok := svc.Fields[name]; ok && a.Type.Field(name) != nil {
			a.Fields[name] = v
		}
	}
	g.set(a, svc, "AnalysisService", "Service")
}

// result invents a plausible result for an analysis.
func (g *gen) result(a *Object, at time.Time) {
	v := math.Round(g.r.ExpFloat64()*20*100) / 100
	a.Fields["Result"] = trimFloat(v)
	g.set(a, at, "ResultCaptureDate")
	if g.chance(0.3) {
		g.set(a, trimFloat(math.Round(v*0.1*100)/100), "Uncertainty")
	}
}

var analysts = []string{"analyst1", "analyst2", "analyst3"}

const verifier = "labmanager"

// lifecycle drives a sample to state through its workflow, with realistic
// delays: receive, results on worksheets, submit, verify, publish, and the
// side paths (retractions, retests, invalidation, cancellation, rejection).
func (g *gen) lifecycle(s *Object, state string) {
	if s == nil || g.err != nil {
		return
	}
	t := s.Created
	at := func(d time.Duration) time.Time {
		t = t.Add(d/2 + time.Duration(g.r.Int64N(int64(d)+1)))
		return t
	}
	switch state {
	case "sample_due":
		return
	case "cancelled":
		g.do(s, "cancel", g.admin, at(6*time.Hour))
		return
	case "rejected":
		g.do(s, "reject", g.admin, at(6*time.Hour))
		return
	}
	g.do(s, "receive", g.admin, at(8*time.Hour))
	analyses := g.routineAnalyses(s)
	if state == "sample_received" {
		if len(analyses) > 0 && g.chance(0.5) {
			g.result(analyses[0], at(time.Hour))
		}
		return
	}
	if len(analyses) > 2 && g.chance(0.05) {
		g.do(analyses[len(analyses)-1], "reject", verifier, at(time.Hour))
		analyses = analyses[:len(analyses)-1]
	}
	analyst := analysts[g.r.IntN(len(analysts))]
	onSheet := g.chance(0.7)
	for _, a := range analyses {
		if onSheet {
			g.assign(a, at(time.Hour))
		}
	}
	submitAt := at(30 * time.Hour)
	for _, a := range analyses {
		g.result(a, submitAt)
		g.do(a, "submit", analyst, submitAt)
	}
	// retractions: the retest is entered and submitted again
	for _, a := range analyses {
		if g.err == nil && g.chance(0.025) && a.State == "to_be_verified" {
			g.do(a, "retract", verifier, at(2*time.Hour))
			for _, r := range g.retestsOf(a) {
				g.result(r, at(6*time.Hour))
				g.do(r, "submit", analyst, t)
			}
		}
	}
	if state == "to_be_verified" {
		return
	}
	verifyAt := at(20 * time.Hour)
	for _, a := range g.routineAnalyses(s) {
		if a.State == "to_be_verified" {
			g.do(a, "verify", verifier, verifyAt)
		}
	}
	if state == "verified" || g.err != nil {
		return
	}
	g.do(s, "publish", g.admin, at(20*time.Hour))
	if g.err != nil {
		return
	}
	rep := g.make(s, "ARReport", nil, s.ID+".pdf")
	if rep != nil {
		rep.Created, rep.Modified = t, t
		g.set(rep, s, "AnalysisRequest")
		g.set(rep, []*Object{s}, "ContainedAnalysisRequests")
		g.set(rep, map[string]any{"template": "senaite.impress:Default.pt", "paperformat": "A4", "orientation": "portrait"}, "Metadata")
	}
	if state == "invalid" {
		g.do(s, "invalidate", g.admin, at(48*time.Hour))
	}
}

// routineAnalyses lists a sample's analyses that still count (not
// retracted, rejected or cancelled).
func (g *gen) routineAnalyses(s *Object) []*Object {
	var out []*Object
	for _, ch := range s.children {
		if ch.Type.Name != "Analysis" {
			continue
		}
		switch ch.State {
		case "retracted", "rejected", "cancelled":
			continue
		}
		out = append(out, ch)
	}
	return out
}

func (g *gen) retestsOf(a *Object) []*Object {
	var out []*Object
	for _, ch := range a.Parent.children {
		if ch.ref("RetestOf") == a.UID {
			out = append(out, ch)
		} else if ch != a && a.Type.Field("RetestOf") == nil && ch.ref("AnalysisService") == a.ref("AnalysisService") &&
			(ch.State == "unassigned" || ch.State == "assigned") {
			// Bika 1.2 has no RetestOf: the retest is the open copy
			out = append(out, ch)
		}
	}
	return out
}

// assign puts an analysis on the open worksheet (a new one when full).
func (g *gen) assign(a *Object, at time.Time) {
	if g.x1 || g.err != nil {
		return
	}
	if g.worksheet == nil || len(g.wsRoutine) >= 50 {
		g.closeWorksheet()
		folder := g.folder("Worksheet")
		save := g.clock
		g.clock = at.Add(-time.Minute)
		g.worksheet = g.make(folder, "Worksheet", nil, "")
		g.clock = save
		if g.worksheet == nil {
			return
		}
		g.set(g.worksheet, analysts[g.wsCount%len(analysts)], "Analyst")
		g.set(g.worksheet, g.pick(g.byType["WorksheetTemplate"]), "WorksheetTemplate")
		g.set(g.worksheet, g.pick(g.byType["Instrument"]), "Instrument")
		g.wsRoutine = nil
		g.wsCount++
	}
	if g.do(a, "assign", analysts[0], at) {
		g.wsRoutine = append(g.wsRoutine, a)
	}
}

// closeWorksheet completes the open worksheet: its analyses list and
// layout, a duplicate and reference analyses (QC), and its state.
func (g *gen) closeWorksheet() {
	ws := g.worksheet
	g.worksheet = nil
	if ws == nil || g.err != nil || len(g.wsRoutine) == 0 {
		return
	}
	t := ws.Created
	for _, a := range g.wsRoutine {
		if a.Modified.After(t) {
			t = a.Modified
		}
	}
	members := append([]*Object(nil), g.wsRoutine...)
	var layout []map[string]any
	for i, a := range g.wsRoutine {
		layout = append(layout, map[string]any{"position": itoa(i + 1), "type": "a",
			"container_uid": a.Parent.UID, "analysis_uid": a.UID})
	}
	pos := len(layout)
	analyst := ws.str("Analyst")
	qcState := func(o *Object) {
		g.do(o, "submit", analyst, t.Add(time.Minute))
		g.do(o, "verify", verifier, t.Add(2*time.Minute))
	}
	if (g.wsCount-1)%3 == 0 {
		src := g.wsRoutine[0]
		d := g.make(ws, "DuplicateAnalysis", map[string]any{"Keyword": src.str("Keyword")}, src.Title)
		if d != nil {
			d.Created, d.Modified = t, t
			g.set(d, src, "Analysis")
			g.copyService(d, g.l.byUID[src.ref("AnalysisService")])
			g.set(d, src.Parent.ID+"-D01", "ReferenceAnalysesGroupID")
			g.result(d, t)
			qcState(d)
			members = append(members, d)
			pos++
			layout = append(layout, map[string]any{"position": itoa(pos), "type": "d",
				"container_uid": src.Parent.UID, "analysis_uid": d.UID})
		}
	}
	if len(g.refSamples) > 0 {
		for k := 0; k < 2+g.r.IntN(2); k++ {
			rs := g.refSamples[(g.wsCount+k)%len(g.refSamples)]
			svc := g.l.byUID[g.wsRoutine[k%len(g.wsRoutine)].ref("AnalysisService")]
			if svc == nil {
				continue
			}
			ra := g.make(rs, "ReferenceAnalysis", map[string]any{"Keyword": svc.str("Keyword")}, svc.Title)
			if ra == nil {
				continue
			}
			ra.Created, ra.Modified = t, t
			g.copyService(ra, svc)
			g.set(ra, []string{"b", "c"}[k%2], "ReferenceType")
			g.set(ra, fmt.Sprintf("%s-%03d", rs.ID, g.wsCount), "ReferenceAnalysesGroupID")
			g.result(ra, t)
			qcState(ra)
			members = append(members, ra)
			pos++
			layout = append(layout, map[string]any{"position": itoa(pos), "type": []string{"b", "c"}[k%2],
				"container_uid": rs.UID, "analysis_uid": ra.UID})
		}
	}
	if g.wsCount%70 == 1 {
		src := g.wsRoutine[len(g.wsRoutine)-1]
		ra := g.make(ws, "RejectAnalysis", map[string]any{"Keyword": src.str("Keyword")}, src.Title)
		if ra != nil {
			g.set(ra, src, "Analysis")
			g.copyService(ra, g.l.byUID[src.ref("AnalysisService")])
			members = append(members, ra)
		}
	}
	g.set(ws, members, "Analyses")
	g.set(ws, layout, "Layout")
	all := true
	submitted := true
	for _, a := range g.wsRoutine {
		switch a.State {
		case "verified", "published":
		case "to_be_verified":
			all = false
		default:
			all, submitted = false, false
		}
	}
	if submitted {
		g.do(ws, "submit", analyst, t.Add(3*time.Minute))
		if all {
			g.do(ws, "verify", verifier, t.Add(4*time.Minute))
		}
	}
}

// deactivateSome deactivates about 5% of the setup, as labs retire
// methods, services and contacts.
func (g *gen) deactivateSome() {
	names := make([]string, 0, len(g.byType))
	for name := range g.byType {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for i, o := range g.byType[name] {
			if o.Type.Workflow == "" || i == 0 {
				continue
			}
			if !contains([]string{WfDeactivable, WfClient, WfContact, WfLabContact, WfBikaInactive}, o.Type.Workflow) {
				continue
			}
			if g.chance(0.05) {
				g.do(o, "deactivate", g.admin, g.tick(time.Hour))
			}
		}
	}
}

// newSample1x makes a Bika-era Sample with one AnalysisRequest inside the
// client (`H2O-0001` and `H2O-0001-R01`), the AR carrying the analyses.
func (g *gen) newSample1x(client *Object, contacts []*Object, st *Object) *Object {
	smp := g.make(client, "Sample", map[string]any{"SampleType": st.UID}, "")
	if smp == nil {
		return nil
	}
	g.set(smp, st, "SampleType")
	g.set(smp, g.clock.Add(-3*time.Hour), "DateSampled")
	g.set(smp, fmt.Sprintf("CS-%05d", g.r.IntN(99999)), "ClientSampleID")
	g.set(smp, g.pick(g.byType["SamplePoint"]), "SamplePoint")
	ar := g.make(client, "AnalysisRequest", map[string]any{"Sample": smp.UID}, "")
	if ar == nil {
		return nil
	}
	g.set(ar, smp, "Sample")
	g.set(ar, client, "Client")
	g.set(ar, g.pick(contacts), "Contact")
	g.set(ar, st, "SampleType")
	g.set(ar, smp.Fields["DateSampled"], "DateSampled")
	g.set(ar, smp.Fields["ClientSampleID"], "ClientSampleID")
	g.set(ar, fmt.Sprintf("REF-%d", g.r.IntN(999)), "ClientReference")
	k := 5 + g.r.IntN(8)
	seen := map[*Object]bool{}
	for len(seen) < k && len(seen) < len(g.services) {
		o := g.pickHead(g.services)
		if !seen[o] {
			seen[o] = true
			g.analysis(ar, o, nil)
		}
	}
	return ar
}
