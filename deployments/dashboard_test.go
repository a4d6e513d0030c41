package deployments_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDashboardShowsWhatIsExported: the Grafana dashboard asks only for
// series the processes export, by labels they have, through its data
// source variable.
func TestDashboardShowsWhatIsExported(t *testing.T) {
	const file = "grafana/senaite-sync.json"
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	type datasource struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	type panel struct {
		ID         int         `json:"id"`
		Type       string      `json:"type"`
		Title      string      `json:"title"`
		Datasource *datasource `json:"datasource"`
		GridPos    *struct {
			H, W, X, Y int
		} `json:"gridPos"`
		Targets []struct {
			Expr       string      `json:"expr"`
			RefID      string      `json:"refId"`
			Datasource *datasource `json:"datasource"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"` // a row's
	}
	var dash struct {
		Title         string            `json:"title"`
		UID           string            `json:"uid"`
		SchemaVersion int               `json:"schemaVersion"`
		Panels        []json.RawMessage `json:"panels"`
		Templating    struct {
			List []struct {
				Name       string      `json:"name"`
				Type       string      `json:"type"`
				Query      any         `json:"query"`
				Datasource *datasource `json:"datasource"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if dash.Title == "" || dash.UID == "" || dash.SchemaVersion < 36 {
		t.Errorf("%s: title %q uid %q schemaVersion %d", file, dash.Title, dash.UID, dash.SchemaVersion)
	}
	catalog := k8sMetricCatalog(t)
	ours := func(ds *datasource) bool { return ds != nil && ds.Type == "prometheus" && ds.UID == "${datasource}" }
	variables := map[string]bool{}
	for _, v := range dash.Templating.List {
		variables[v.Name] = true
		where := fmt.Sprintf("%s: variable %s", file, v.Name)
		switch v.Type {
		case "datasource":
			if v.Name != "datasource" || v.Query != "prometheus" {
				t.Errorf("%s: want the variable datasource of Prometheus data sources", where)
			}
		case "query":
			q, _ := v.Query.(string)
			if m, ok := v.Query.(map[string]any); ok {
				q, _ = m["query"].(string)
			}
			lv := regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_]\w*)\)$`).FindStringSubmatch(strings.TrimSpace(q))
			if !ours(v.Datasource) || lv == nil {
				t.Errorf("%s: want label_values(series, label) on ${datasource}, got %q", where, q)
				continue
			}
			for _, bad := range k8sCheckExpr(fmt.Sprintf("max by (%s) (%s)", lv[2], lv[1]), catalog) {
				t.Errorf("%s: %s", where, bad)
			}
		}
	}
	if !variables["datasource"] {
		t.Errorf("%s: no datasource variable", file)
	}
	ids := map[int]bool{}
	exprs := 0
	var walk func([]json.RawMessage)
	walk = func(raws []json.RawMessage) {
		for _, r := range raws {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			where := fmt.Sprintf("%s: panel %d %q", file, p.ID, p.Title)
			if p.Title == "" || p.ID == 0 || ids[p.ID] || p.GridPos == nil || p.GridPos.W == 0 {
				t.Errorf("%s: want a title, an id of its own and a place", where)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if !ours(p.Datasource) {
				t.Errorf("%s: data source %+v, want Prometheus ${datasource}", where, p.Datasource)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: no query", where)
			}
			for _, tg := range p.Targets {
				exprs++
				if tg.Datasource != nil && !ours(tg.Datasource) || tg.RefID == "" {
					t.Errorf("%s: query %s: data source %+v", where, tg.RefID, tg.Datasource)
				}
				for _, bad := range k8sCheckExpr(tg.Expr, catalog) {
					t.Errorf("%s: %s", where, bad)
				}
				for _, v := range regexp.MustCompile(`\$\{?(\w+)`).FindAllStringSubmatch(tg.Expr, -1) {
					if !variables[v[1]] && !strings.HasPrefix(v[1], "__") {
						t.Errorf("%s: uses $%s, which the dashboard does not define", where, v[1])
					}
				}
			}
		}
	}
	walk(dash.Panels)
	if len(ids) < 8 || exprs < 10 {
		t.Errorf("%s has %d panels and %d queries", file, len(ids), exprs)
	}
}
