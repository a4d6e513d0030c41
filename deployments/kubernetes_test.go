package deployments_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/senaite-sync/senaite-sync/internal/metrics"
	"github.com/senaite-sync/senaite-sync/internal/queue"
)

// KEDA's ScaledObject and CloudNativePG's Cluster have no small Go module
// here (KEDA's types live inside its whole operator module, and
// cloudnative-pg/api is not served): the subset of their published CRD
// schemas these manifests use is declared below, with the upstream field
// names, and the manifests are decoded into it strictly — a field
// misspelt or misplaced fails as it would at the API server.

type scaledObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace,omitempty"`
		Labels    map[string]string `json:"labels,omitempty"`
	} `json:"metadata"`
	Spec struct {
		ScaleTargetRef struct {
			APIVersion string `json:"apiVersion,omitempty"`
			Kind       string `json:"kind,omitempty"`
			Name       string `json:"name"`
		} `json:"scaleTargetRef"`
		PollingInterval  *int32 `json:"pollingInterval,omitempty"`
		CooldownPeriod   *int32 `json:"cooldownPeriod,omitempty"`
		MinReplicaCount  *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount  *int32 `json:"maxReplicaCount,omitempty"`
		IdleReplicaCount *int32 `json:"idleReplicaCount,omitempty"`
		Triggers         []struct {
			Type       string            `json:"type"`
			Name       string            `json:"name,omitempty"`
			MetricType string            `json:"metricType,omitempty"`
			Metadata   map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

type cnpgCluster struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace,omitempty"`
	} `json:"metadata"`
	Spec struct {
		Instances             int    `json:"instances"`
		ImageName             string `json:"imageName,omitempty"`
		PrimaryUpdateStrategy string `json:"primaryUpdateStrategy,omitempty"`
		PostgreSQL            struct {
			Parameters map[string]string `json:"parameters,omitempty"`
		} `json:"postgresql,omitempty"`
		Bootstrap struct {
			InitDB struct {
				Database string `json:"database"`
				Owner    string `json:"owner"`
			} `json:"initdb"`
		} `json:"bootstrap"`
		Storage struct {
			Size string `json:"size"`
		} `json:"storage"`
		Resources  corev1.ResourceRequirements `json:"resources,omitempty"`
		Monitoring struct {
			EnablePodMonitor bool `json:"enablePodMonitor,omitempty"`
		} `json:"monitoring,omitempty"`
	} `json:"spec"`
}

// manifestDecode decodes JSON into out as the API server does: field
// names case-sensitive, unknown and duplicate fields refused
// (sigs.k8s.io/json; encoding/json would take "initDB" for "initdb").
func manifestDecode(raw []byte, out any) error {
	strict, err := kjson.UnmarshalStrict(raw, out)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// manifestSet is a kustomization's output, each object decoded into its
// API type.
type manifestSet struct {
	deployments   map[string]*appsv1.Deployment
	services      map[string]*corev1.Service
	configMaps    map[string]*corev1.ConfigMap
	pdbs          map[string]*policyv1.PodDisruptionBudget
	monitors      map[string]*monitoringv1.ServiceMonitor
	scaledObjects map[string]*scaledObject
	kinds         []string
}

// manifestBuild builds a kustomization as `kubectl apply -k` would and
// decodes every object strictly.
func manifestBuild(t *testing.T, dir string) manifestSet {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	set := manifestSet{deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		configMaps: map[string]*corev1.ConfigMap{}, pdbs: map[string]*policyv1.PodDisruptionBudget{},
		monitors: map[string]*monitoringv1.ServiceMonitor{}, scaledObjects: map[string]*scaledObject{}}
	for _, r := range rm.Resources() {
		raw, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		kind, name := r.GetKind(), r.GetName()
		set.kinds = append(set.kinds, kind)
		var out any
		switch kind {
		case "Deployment":
			d := &appsv1.Deployment{}
			set.deployments[name], out = d, d
		case "Service":
			s := &corev1.Service{}
			set.services[name], out = s, s
		case "ConfigMap":
			c := &corev1.ConfigMap{}
			set.configMaps[name], out = c, c
		case "PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			set.pdbs[name], out = p, p
		case "ServiceMonitor":
			m := &monitoringv1.ServiceMonitor{}
			set.monitors[name], out = m, m
		case "ScaledObject":
			s := &scaledObject{}
			set.scaledObjects[name], out = s, s
		case "ServiceAccount":
			out = &corev1.ServiceAccount{}
		case "Namespace":
			out = &corev1.Namespace{}
		default:
			t.Errorf("%s: %s %s is a kind this test does not know; add its API type", dir, kind, name)
			continue
		}
		if err := manifestDecode(raw, out); err != nil {
			t.Errorf("%s: %s %s: %v", dir, kind, name, err)
		}
	}
	return set
}

// TestKubernetesManifests: the base and the example overlay build, and
// what they describe is what the binary does.
func TestKubernetesManifests(t *testing.T) {
	read := composeVariablesRead(t)
	names := k8sMetricNames(t)
	for _, dir := range []string{"kubernetes/base", "kubernetes/overlays/example"} {
		set := manifestBuild(t, dir)
		for _, kind := range []string{"Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "ServiceMonitor", "ScaledObject", "ServiceAccount"} {
			if !slices.Contains(set.kinds, kind) {
				t.Errorf("%s has no %s", dir, kind)
			}
		}
		if d := set.deployments["senaite-sync-coordinator"]; d == nil || d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
			t.Errorf("%s: the coordinator Deployment does not run 2 replicas", dir)
		}
		for _, role := range []string{"fetcher", "importer"} {
			if set.deployments["senaite-sync-"+role] == nil {
				t.Errorf("%s: no %s Deployment", dir, role)
			}
		}
		for name, d := range set.deployments {
			k8sCheckDeployment(t, dir+" Deployment "+name, d, set, read)
		}
		k8sCheckSelectors(t, dir, set)
		for name, so := range set.scaledObjects {
			k8sCheckScaledObject(t, dir+" ScaledObject "+name, so, set, names)
		}
	}
	// the overlay tells how to make the Secret every Deployment mounts, with
	// the keys they read; no Secret with data is in the repository
	example, err := os.ReadFile("kubernetes/overlays/example/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"database-url", "secret-key", "api-token"} {
		if !strings.Contains(string(example), "--from-file="+key+"=") {
			t.Errorf("the example overlay does not say how to give the Secret's key %s", key)
		}
	}
	err = filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if regexp.MustCompile(`(?m)^kind:\s*Secret\s*$`).Match(src) {
			t.Errorf("%s holds a Secret: secrets are referenced, never committed", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// k8sSecretKeys are the keys of the Secret "senaite-sync" and the
// variables whose files they are.
var k8sSecretKeys = map[string]string{
	"database-url": "SENAITE_SYNC_DATABASE_URL_FILE",
	"secret-key":   "SENAITE_SYNC_SECRET_KEY_FILE",
	"api-token":    "SENAITE_SYNC_API_TOKEN_FILE",
}

func k8sCheckDeployment(t *testing.T, where string, d *appsv1.Deployment, set manifestSet, read map[string]bool) {
	t.Helper()
	spec := d.Spec.Template.Spec
	if psc := spec.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("%s: the pod may run as root (runAsNonRoot)", where)
	}
	secretMounts := map[string]string{} // volume name → mount path
	for _, v := range spec.Volumes {
		if v.Secret != nil {
			if v.Secret.SecretName != "senaite-sync" {
				t.Errorf("%s: mounts Secret %q, which the example overlay does not make", where, v.Secret.SecretName)
			}
			secretMounts[v.Name] = ""
		}
	}
	for _, c := range spec.Containers {
		cw := where + " container " + c.Name
		if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: root filesystem writable or privilege escalation allowed", cw)
		}
		for _, m := range c.VolumeMounts {
			if _, ok := secretMounts[m.Name]; ok {
				secretMounts[m.Name] = m.MountPath
			}
		}
		// the command is one the binary has
		composeCheckCommand(t, cw, append([]string{"senaite-sync"}, c.Args...))
		role := ""
		if len(c.Args) > 0 {
			role = c.Args[0]
		}
		// every variable is one the binary reads, directly or from the ConfigMap
		env := map[string]string{}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef == nil {
				continue
			}
			cm := set.configMaps[from.ConfigMapRef.Name]
			if cm == nil {
				t.Errorf("%s: envFrom ConfigMap %q is not in the output", cw, from.ConfigMapRef.Name)
				continue
			}
			for k, v := range cm.Data {
				env[k] = v
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				t.Errorf("%s: %s from a Secret as a value: give its _FILE a mounted key instead", cw, e.Name)
			}
			env[e.Name] = e.Value
		}
		for k, v := range env {
			if strings.HasPrefix(k, "SENAITE_SYNC_") && !read[k] {
				t.Errorf("%s sets %s, which no binary reads", cw, k)
			}
			if strings.HasSuffix(k, "_FILE") {
				key := filepath.Base(v)
				if k8sSecretKeys[key] != k || !slices.Contains(slices.Collect(mapValues(secretMounts)), filepath.Dir(v)) {
					t.Errorf("%s: %s=%s is not the Secret's key for it under its mount", cw, k, v)
				}
			}
		}
		for _, k := range []string{"SENAITE_SYNC_DATABASE_URL_FILE", "SENAITE_SYNC_SECRET_KEY_FILE"} {
			if env[k] == "" {
				t.Errorf("%s: no %s (every process shares the database and the key)", cw, k)
			}
		}
		if role == "coordinator" && env["SENAITE_SYNC_API_TOKEN_FILE"] == "" {
			t.Errorf("%s: a coordinator beyond loopback needs SENAITE_SYNC_API_TOKEN_FILE", cw)
		}
		// probes on the port the process serves them on
		addr := env["SENAITE_SYNC_HTTP_ADDR"]
		_, listenPort, err := net.SplitHostPort(addr)
		if err != nil {
			t.Errorf("%s: SENAITE_SYNC_HTTP_ADDR %q: the probes would have no address: %v", cw, addr, err)
			continue
		}
		for _, p := range []struct {
			kind  string
			probe *corev1.Probe
			path  string
		}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
			if p.probe == nil || p.probe.HTTPGet == nil {
				t.Errorf("%s: no HTTP %s probe", cw, p.kind)
				continue
			}
			if p.probe.HTTPGet.Path != p.path {
				t.Errorf("%s: %s probe asks %s, want %s", cw, p.kind, p.probe.HTTPGet.Path, p.path)
			}
			port := k8sContainerPort(c, p.probe.HTTPGet.Port)
			if port == 0 || strconv.Itoa(int(port)) != listenPort {
				t.Errorf("%s: %s probe port %s is not the port the process listens on (%s)", cw, p.kind, p.probe.HTTPGet.Port.String(), addr)
			}
		}
	}
	for vol, path := range secretMounts {
		if path == "" {
			t.Errorf("%s: Secret volume %s is mounted nowhere", where, vol)
		}
	}
}

// metav1LabelSelector turns a selector of the API into one that matches.
func metav1LabelSelector(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return labels.Nothing(), fmt.Errorf("no selector")
	}
	return metav1.LabelSelectorAsSelector(s)
}

// mapValues yields a map's values.
func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// k8sContainerPort resolves a probe's port (a number or a port's name).
func k8sContainerPort(c corev1.Container, port intstr.IntOrString) int32 {
	for _, p := range c.Ports {
		if port.Type == intstr.String && p.Name == port.StrVal || port.Type == intstr.Int && p.ContainerPort == port.IntVal {
			return p.ContainerPort
		}
	}
	return 0
}

// k8sCheckSelectors: every selector selects pods (or Services) of the
// output, and the ServiceMonitor's ports exist on what it selects.
func k8sCheckSelectors(t *testing.T, dir string, set manifestSet) {
	t.Helper()
	podsOf := func(sel labels.Selector) []string {
		var out []string
		for name, d := range set.deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				out = append(out, name)
			}
		}
		return out
	}
	for name, d := range set.deployments {
		sel, err := metav1LabelSelector(d.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("%s: Deployment %s's selector does not match its pods' labels (%v)", dir, name, err)
		}
		if got := podsOf(sel); len(got) != 1 {
			t.Errorf("%s: Deployment %s's selector selects the pods of %v", dir, name, got)
		}
	}
	for name, p := range set.pdbs {
		sel, err := metav1LabelSelector(p.Spec.Selector)
		if err != nil || len(podsOf(sel)) != 1 {
			t.Errorf("%s: PodDisruptionBudget %s selects %v (%v), want one Deployment's pods", dir, name, podsOf(sel), err)
		}
	}
	for name, s := range set.services {
		target := podsOf(labels.SelectorFromSet(s.Spec.Selector))
		if len(target) != 1 {
			t.Errorf("%s: Service %s selects the pods of %v, want one Deployment's", dir, name, target)
			continue
		}
		d := set.deployments[target[0]]
		for _, p := range s.Spec.Ports {
			found := false
			for _, c := range d.Spec.Template.Spec.Containers {
				found = found || k8sContainerPort(c, p.TargetPort) != 0
			}
			if !found {
				t.Errorf("%s: Service %s port %s targets %s, which %s's containers do not have", dir, name, p.Name, p.TargetPort.String(), target[0])
			}
		}
	}
	for name, m := range set.monitors {
		sel, err := metav1LabelSelector(&m.Spec.Selector)
		if err != nil {
			t.Errorf("%s: ServiceMonitor %s: %v", dir, name, err)
			continue
		}
		ports := map[string]bool{}
		selected := 0
		for _, s := range set.services {
			if sel.Matches(labels.Set(s.Labels)) {
				selected++
				for _, p := range s.Spec.Ports {
					ports[p.Name] = true
				}
			}
		}
		if selected != len(set.services) {
			t.Errorf("%s: ServiceMonitor %s selects %d of the %d Services: a role is not scraped", dir, name, selected, len(set.services))
		}
		for _, e := range m.Spec.Endpoints {
			if !ports[e.Port] || e.Path != "/metrics" {
				t.Errorf("%s: ServiceMonitor %s scrapes port %q path %q, which no selected Service serves", dir, name, e.Port, e.Path)
			}
		}
	}
}

// k8sCheckScaledObject: KEDA scales a Deployment of the output on the
// streams and consumers the binary names, or on metrics it exports.
func k8sCheckScaledObject(t *testing.T, where string, so *scaledObject, set manifestSet, metricNames map[string]bool) {
	t.Helper()
	if so.APIVersion != "keda.sh/v1alpha1" {
		t.Errorf("%s: apiVersion %s", where, so.APIVersion)
	}
	d := set.deployments[so.Spec.ScaleTargetRef.Name]
	if d == nil {
		t.Errorf("%s scales %q, no Deployment of the output", where, so.Spec.ScaleTargetRef.Name)
		return
	}
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount < 1 {
		t.Errorf("%s: may scale to zero: nobody would serve the probes or pull the first message", where)
	}
	role := queue.Import
	if strings.HasSuffix(d.Name, "fetcher") {
		role = queue.Fetch
	}
	names := queue.Names{}
	remoteName := regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	if len(so.Spec.Triggers) == 0 {
		t.Errorf("%s: no trigger", where)
	}
	for _, tr := range so.Spec.Triggers {
		switch tr.Type {
		case "nats-jetstream":
			md := tr.Metadata
			remote, ok := strings.CutPrefix(md["consumer"], string(role)+"-")
			if md["stream"] != names.Stream(role) || !ok || !remoteName.MatchString(remote) || names.RemoteConsumer(role, remote) != md["consumer"] {
				t.Errorf("%s: nats-jetstream on stream %q consumer %q: the %s workers pull stream %s, consumers %s",
					where, md["stream"], md["consumer"], role, names.Stream(role), names.RemoteConsumer(role, "REMOTE"))
			}
			for _, k := range []string{"natsServerMonitoringEndpoint", "account", "lagThreshold"} {
				if md[k] == "" {
					t.Errorf("%s: nats-jetstream trigger without %s", where, k)
				}
			}
		case "prometheus":
			q := tr.Metadata["query"]
			used := regexp.MustCompile(`senaite_sync_[a-z_]+`).FindAllString(q, -1)
			if len(used) == 0 || tr.Metadata["serverAddress"] == "" || tr.Metadata["threshold"] == "" {
				t.Errorf("%s: prometheus trigger %q lacks a query on our metrics, a server or a threshold", where, tr.Name)
			}
			for _, m := range used {
				if !metricNames[m] {
					t.Errorf("%s: the query uses %s, which no process exports", where, m)
				}
			}
			if !strings.Contains(q, `stream="`+names.Stream(role)+`"`) {
				t.Errorf("%s: the query does not ask the %s stream %s", where, role, names.Stream(role))
			}
		default:
			t.Errorf("%s: trigger type %q", where, tr.Type)
		}
	}
}

// k8sMetricNames are the names of every series the processes export:
// each collector's descriptions, histograms with their suffixes.
func k8sMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	ch := make(chan *prometheus.Desc, 256)
	collectors := append(metrics.ProcessCollectors(), &metrics.Collector{}, &metrics.QueueCollector{})
	for _, c := range collectors {
		c.Describe(ch)
	}
	close(ch)
	names := map[string]bool{}
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[m[1]+s] = true
			}
		}
	}
	families, err := metrics.NewRegistry("test", "test").Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, want := range []string{"senaite_sync_build_info", "senaite_sync_queue_pending_messages", "senaite_sync_lab_request_duration_seconds_bucket", "senaite_sync_runs"} {
		if !names[want] {
			t.Fatalf("%s not found among the exported metrics: %v", want, names)
		}
	}
	return names
}

// TestDashboardShowsWhatIsExported: the Grafana dashboard asks only for
// series the processes export.
func TestDashboardShowsWhatIsExported(t *testing.T) {
	raw, err := os.ReadFile("grafana/senaite-sync.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			ID         int            `json:"id"`
			Title      string         `json:"title"`
			Datasource map[string]any `json:"datasource"`
			Targets    []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana/senaite-sync.json: %v", err)
	}
	names := k8sMetricNames(t)
	ids := map[int]bool{}
	exprs := 0
	for _, p := range dash.Panels {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if p.Title == "" || p.Datasource == nil || ids[p.ID] {
			t.Errorf("%s: a title, a data source and an id of its own are needed", where)
		}
		ids[p.ID] = true
		for _, tg := range p.Targets {
			exprs++
			used := regexp.MustCompile(`senaite_sync_[a-z_]+`).FindAllString(tg.Expr, -1)
			if len(used) == 0 {
				t.Errorf("%s: %q asks none of our metrics", where, tg.Expr)
			}
			for _, m := range used {
				if !names[m] {
					t.Errorf("%s: %s is not exported by any process", where, m)
				}
			}
		}
	}
	if len(dash.Panels) < 8 || exprs < 10 {
		t.Errorf("the dashboard has %d panels and %d queries", len(dash.Panels), exprs)
	}
}

// TestClusterAndDatabaseValues: the NATS chart's values make a three-server
// JetStream cluster on files with its monitoring port (KEDA's scaler reads
// it), and the CloudNativePG Cluster decodes strictly and can hold the
// processes' connections.
func TestClusterAndDatabaseValues(t *testing.T) {
	raw, err := os.ReadFile("nats/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var values struct {
		Config struct {
			Cluster struct {
				Enabled  bool `json:"enabled"`
				Replicas int  `json:"replicas"`
			} `json:"cluster"`
			JetStream struct {
				Enabled   bool `json:"enabled"`
				FileStore struct {
					Enabled bool `json:"enabled"`
					PVC     struct {
						Enabled bool   `json:"enabled"`
						Size    string `json:"size"`
					} `json:"pvc"`
				} `json:"fileStore"`
			} `json:"jetstream"`
			Monitor struct {
				Enabled bool `json:"enabled"`
				Port    int  `json:"port"`
			} `json:"monitor"`
		} `json:"config"`
	}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	c := values.Config
	if !c.Cluster.Enabled || c.Cluster.Replicas != 3 || !c.JetStream.Enabled || !c.JetStream.FileStore.Enabled ||
		!c.JetStream.FileStore.PVC.Enabled || c.JetStream.FileStore.PVC.Size == "" || !c.Monitor.Enabled || c.Monitor.Port != 8222 {
		t.Errorf("nats/values.yaml: not a three-server JetStream cluster on files with monitoring on 8222: %+v", c)
	}
	raw, err = os.ReadFile("postgres/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	var cl cnpgCluster
	if err := manifestDecode(js, &cl); err != nil {
		t.Fatalf("postgres/cluster.yaml: %v", err)
	}
	if cl.APIVersion != "postgresql.cnpg.io/v1" || cl.Kind != "Cluster" || cl.Spec.Instances < 3 ||
		cl.Spec.Bootstrap.InitDB.Database != "senaite_sync" || cl.Spec.Storage.Size == "" {
		t.Errorf("postgres/cluster.yaml: %+v", cl)
	}
	if n, _ := strconv.Atoi(cl.Spec.PostgreSQL.Parameters["max_connections"]); n < 2*10+8*9+16*17 {
		t.Errorf("max_connections %d cannot hold two coordinators, eight fetchers and sixteen importers", n)
	}
}

// TestDockerfile: multi-stage, a static binary stamped with its version,
// run as a user that is not root, from paths that exist.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	for _, want := range []string{"CGO_ENABLED=0", "-X github.com/senaite-sync/senaite-sync/internal/cli.Version=${VERSION}", "ARG VERSION"} {
		if !strings.Contains(src, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(src, -1)); n < 2 {
		t.Errorf("Dockerfile has %d stages", n)
	}
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(src, -1)
	if len(user) == 0 || strings.HasPrefix(user[len(user)-1][1], "0") || strings.HasPrefix(user[len(user)-1][1], "root") {
		t.Errorf("the image runs as root: %v", user)
	}
	for _, m := range regexp.MustCompile(`(?m)^COPY\s+([^-\n][^\n]*)$`).FindAllStringSubmatch(src, -1) {
		fields := strings.Fields(m[1])
		for _, p := range fields[:len(fields)-1] {
			if _, err := os.Stat(filepath.Join("..", p)); err != nil {
				t.Errorf("Dockerfile copies %s, which the repository does not have", p)
			}
		}
	}
}
