package sim

// Natural-key pools shared by every generated lab. Labs generated with
// different seeds take the same head of each pool (the services Ca, Mg…,
// the sample types H2O, SOIL…, the departments CHEM, MICRO…) and a
// seed-dependent part of the rest, as real labs that grew apart do.

// serviceDef is a service every lab of that domain could define.
type serviceDef struct {
	Keyword, Title, Unit, Category string
	Price                          float64
}

// servicePool: water, food, soil and environmental chemistry.
var servicePool = func() []serviceDef {
	base := []serviceDef{
		{"Ca", "Calcium", "mg/l", "Metals", 12}, {"Mg", "Magnesium", "mg/l", "Metals", 12},
		{"Na", "Sodium", "mg/l", "Metals", 12}, {"K", "Potassium", "mg/l", "Metals", 12},
		{"Fe", "Iron", "mg/l", "Metals", 14}, {"Mn", "Manganese", "mg/l", "Metals", 14},
		{"Zn", "Zinc", "mg/l", "Metals", 14}, {"Cu", "Copper", "mg/l", "Metals", 14},
		{"Pb", "Lead", "ug/l", "Trace metals", 22}, {"Cd", "Cadmium", "ug/l", "Trace metals", 22},
		{"Hg", "Mercury", "ug/l", "Trace metals", 30}, {"As", "Arsenic", "ug/l", "Trace metals", 26},
		{"Cr", "Chromium", "ug/l", "Trace metals", 22}, {"Ni", "Nickel", "ug/l", "Trace metals", 22},
		{"Al", "Aluminium", "ug/l", "Trace metals", 20}, {"Se", "Selenium", "ug/l", "Trace metals", 26},
		{"Cl", "Chloride", "mg/l", "Anions", 9}, {"SO4", "Sulphate", "mg/l", "Anions", 9},
		{"NO3", "Nitrate", "mg/l", "Anions", 9}, {"NO2", "Nitrite", "mg/l", "Anions", 9},
		{"F", "Fluoride", "mg/l", "Anions", 10}, {"PO4", "Phosphate", "mg/l", "Anions", 10},
		{"NH4", "Ammonium", "mg/l", "Nutrients", 11}, {"TN", "Total nitrogen", "mg/l", "Nutrients", 18},
		{"TP", "Total phosphorus", "mg/l", "Nutrients", 18}, {"TOC", "Total organic carbon", "mg/l", "Organics", 25},
		{"COD", "Chemical oxygen demand", "mg/l", "Organics", 20}, {"BOD5", "Biochemical oxygen demand", "mg/l", "Organics", 28},
		{"pH", "pH", "", "Physical", 6}, {"Cond", "Conductivity", "uS/cm", "Physical", 6},
		{"TDS", "Total dissolved solids", "mg/l", "Physical", 8}, {"TSS", "Total suspended solids", "mg/l", "Physical", 8},
		{"Turb", "Turbidity", "NTU", "Physical", 6}, {"Colour", "Colour", "Hazen", "Physical", 6},
		{"Alk", "Alkalinity", "mg/l CaCO3", "Physical", 9}, {"Hard", "Total hardness", "mg/l CaCO3", "Physical", 0},
		{"Ecoli", "Escherichia coli", "cfu/100ml", "Microbiology", 24}, {"Coli", "Total coliforms", "cfu/100ml", "Microbiology", 24},
		{"Entero", "Enterococci", "cfu/100ml", "Microbiology", 24}, {"Legio", "Legionella", "cfu/l", "Microbiology", 45},
		{"TPC22", "Total plate count 22C", "cfu/ml", "Microbiology", 18}, {"TPC37", "Total plate count 37C", "cfu/ml", "Microbiology", 18},
		{"Salm", "Salmonella", "/25g", "Microbiology", 35}, {"Listeria", "Listeria monocytogenes", "/25g", "Microbiology", 38},
		{"Moist", "Moisture", "%", "Food composition", 10}, {"Ash", "Ash", "%", "Food composition", 10},
		{"Fat", "Fat", "%", "Food composition", 15}, {"Prot", "Protein", "%", "Food composition", 15},
		{"Fibre", "Dietary fibre", "%", "Food composition", 20}, {"Sugar", "Total sugars", "%", "Food composition", 18},
		{"Salt", "Salt", "%", "Food composition", 9}, {"Energy", "Energy", "kJ/100g", "Food composition", 0},
		{"OM", "Organic matter", "%", "Soil", 12}, {"CEC", "Cation exchange capacity", "cmol/kg", "Soil", 20},
		{"Sand", "Sand", "%", "Soil", 14}, {"Clay", "Clay", "%", "Soil", 14}, {"Silt", "Silt", "%", "Soil", 14},
		{"Benz", "Benzene", "ug/l", "Volatile organics", 40}, {"Tol", "Toluene", "ug/l", "Volatile organics", 40},
		{"Xyl", "Xylenes", "ug/l", "Volatile organics", 40}, {"PAH", "Polycyclic aromatic hydrocarbons", "ug/l", "Semivolatile organics", 60},
		{"PCB", "Polychlorinated biphenyls", "ug/kg", "Semivolatile organics", 70}, {"Atraz", "Atrazine", "ug/l", "Pesticides", 55},
		{"Glyph", "Glyphosate", "ug/l", "Pesticides", 65}, {"DDT", "DDT", "ug/kg", "Pesticides", 60},
	}
	// Extend with numbered isotopes / congeners so that a 50,000-object lab
	// can have its ~200 services without inventing implausible names.
	out := append([]serviceDef(nil), base...)
	for i, el := range []string{"Ba", "B", "Co", "Mo", "Sb", "Sn", "Sr", "Ti", "V", "Tl", "U", "Li", "Be", "Ag"} {
		out = append(out, serviceDef{el, "Element " + el, "ug/l", "Trace metals", 20 + float64(i)})
	}
	for i := 1; len(out) < 320; i++ {
		out = append(out, serviceDef{"PCB" + itoa(i*7+21), "PCB congener " + itoa(i*7+21), "ug/kg", "Semivolatile organics", 35})
		out = append(out, serviceDef{"PEST" + itoa(i), "Pesticide residue " + itoa(i), "ug/kg", "Pesticides", 45})
	}
	return out
}()

// sampleTypePool: prefix (the id prefix of samples) and title.
var sampleTypePool = [][2]string{
	{"H2O", "Drinking water"}, {"WW", "Waste water"}, {"SW", "Surface water"}, {"GW", "Ground water"},
	{"SOIL", "Soil"}, {"SED", "Sediment"}, {"FOOD", "Food"}, {"MILK", "Milk"}, {"MEAT", "Meat"},
	{"FEED", "Animal feed"}, {"WB", "Bottled water"}, {"POOL", "Swimming pool water"}, {"SLU", "Sludge"},
	{"AIR", "Air filter"}, {"OIL", "Oil"}, {"VEG", "Vegetables"}, {"FRU", "Fruit"}, {"HON", "Honey"},
	{"WIN", "Wine"}, {"BEE", "Beer"}, {"JUI", "Juice"}, {"CER", "Cereals"}, {"FLO", "Flour"}, {"EGG", "Eggs"},
	{"FIS", "Fish"}, {"SHE", "Shellfish"}, {"SPI", "Spices"}, {"TEA", "Tea"}, {"COF", "Coffee"}, {"CHO", "Chocolate"},
	{"SWB", "Swab"}, {"ICE", "Ice"}, {"STE", "Steam condensate"}, {"LEA", "Leachate"}, {"COM", "Compost"},
	{"FER", "Fertiliser"}, {"PLA", "Plant tissue"}, {"BLO", "Blood"}, {"URI", "Urine"}, {"SER", "Serum"},
	{"CSF", "Cerebrospinal fluid"}, {"TIS", "Tissue"}, {"HAI", "Hair"}, {"DUS", "Dust"}, {"PAI", "Paint"},
}

// departmentPool: department_id and title.
var departmentPool = [][2]string{
	{"CHEM", "Chemistry"}, {"MICRO", "Microbiology"}, {"METALS", "Metals"}, {"ORG", "Organics"},
	{"PHYS", "Physical testing"}, {"FOOD", "Food analysis"}, {"SOIL", "Soil science"}, {"RAD", "Radiochemistry"},
	{"TOX", "Toxicology"}, {"QA", "Quality assurance"}, {"SAMP", "Sampling"}, {"MOL", "Molecular biology"},
}

// clientPool: ClientID and name; the head is shared (the client HH).
var clientPool = [][2]string{
	{"HH", "Happy Hills Water Board"}, {"RB", "Riverbend Municipality"}, {"GF", "Green Fields Farms"},
	{"BB", "Blue Bay Aquaculture"}, {"SM", "Sunrise Milk Cooperative"}, {"NP", "Northern Paper Mill"},
	{"VW", "Valley Winery"}, {"CT", "City Treatment Works"}, {"MH", "Mountain Hospital"}, {"OC", "Ocean Canning"},
}

var firstNames = []string{"Anna", "Marc", "Laura", "Jordi", "Sofia", "Pau", "Marta", "David", "Elena", "Joan",
	"Nuria", "Carlos", "Ines", "Ramon", "Clara", "Xavier", "Paula", "Oriol", "Julia", "Sergi", "Thandi", "Sipho",
	"Lerato", "Pieter", "Aisha", "Kwame", "Mei", "Ravi", "Olga", "Lars"}

var surnames = []string{"Garcia", "Martinez", "Lopez", "Sanchez", "Puig", "Ferrer", "Vidal", "Soler", "Roca",
	"Serra", "Nkosi", "Dlamini", "Botha", "Van der Merwe", "Naidoo", "Mensah", "Chen", "Patel", "Novak", "Berg"}

var cities = []string{"Barcelona", "Girona", "Lleida", "Tarragona", "Cape Town", "Durban", "Pretoria", "Accra",
	"Valencia", "Zaragoza"}

var companyWords = []string{"Agro", "Aqua", "Terra", "Nova", "Prime", "United", "Coastal", "Highland", "Central",
	"Pioneer", "Golden", "Silver", "Eastern", "Western", "Royal", "Delta", "Summit", "Harbour", "Meadow", "Forest"}

var companyKinds = []string{"Foods", "Water Services", "Laboratories", "Farms", "Industries", "Dairy", "Brewery",
	"Council", "Hospital", "Consulting", "Mining", "Textiles", "Bottlers", "Poultry", "Fisheries"}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
