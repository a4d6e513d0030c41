package deployments_test

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
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

	"github.com/senaite-sync/senaite-sync/internal/cli"
	"github.com/senaite-sync/senaite-sync/internal/queue"
)

func manifestDecode(raw []byte, out any) error {
	strict, err := kjson.UnmarshalStrict(raw, out)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// manifestDecodeYAML is manifestDecode for a YAML file.
func manifestDecodeYAML(t *testing.T, file string, out any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if err := manifestDecode(js, out); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// manifestSet is a kustomization's output, each object decoded into its
// API type.
type manifestSet struct {
	dir           string
	namespace     string
	deployments   map[string]*appsv1.Deployment
	services      map[string]*corev1.Service
	configMaps    map[string]*corev1.ConfigMap
	pdbs          map[string]*policyv1.PodDisruptionBudget
	monitors      map[string]*monitoringv1.ServiceMonitor
	scaledObjects map[string]*scaledObject
	kinds         []string
}

// manifestBuild builds a kustomization as `kubectl apply -k` would and
// decodes every object strictly; a kind the test has no type for fails.
func manifestBuild(t *testing.T, dir string) *manifestSet {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	set := &manifestSet{dir: dir, deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		configMaps: map[string]*corev1.ConfigMap{}, pdbs: map[string]*policyv1.PodDisruptionBudget{},
		monitors: map[string]*monitoringv1.ServiceMonitor{}, scaledObjects: map[string]*scaledObject{}}
	for _, r := range rm.Resources() {
		raw, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		kind, name := r.GetKind(), r.GetName()
		set.kinds = append(set.kinds, kind)
		if ns := r.GetNamespace(); ns != "" {
			set.namespace = ns
		}
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

// k8sFacts is what the manifests are held against: the binaries, and the
// other files of deployments/.
type k8sFacts struct {
	read       map[string]bool            // SENAITE_SYNC_* variables the binaries read
	metrics    map[string]map[string]bool // exported series → their labels
	secretName string                     // the Secret the example overlay tells how to make
	secretKeys map[string]bool            // and its keys
	imageEnv   map[string]string          // the image's ENV (Dockerfile's last stage)
	workdir    string                     // and its WORKDIR
	nats       natsValues
	cluster    cnpgCluster
	// pool sizes of internal/cli and internal/store
	coordinatorConns, lockConns int
}

// k8sContainer is a container of a Deployment as the rules see it, with
// what the binary itself makes of its arguments and variables.
type k8sContainer struct {
	where   string
	set     *manifestSet
	dep     *appsv1.Deployment
	c       corev1.Container
	scaler  *scaledObject     // the ScaledObject scaling dep, if any
	args    []string          // after the image's ENTRYPOINT, senaite-sync
	role    string            // the sub-command
	env     map[string]string // the image's, the ConfigMaps', the container's
	listen  string            // where the probes are served ("" nowhere)
	dataDir string            // absolute
	conc    int               // a worker's --concurrency
}

// k8sSecretVars are the variables whose files are the Secret's keys.
var k8sSecretVars = map[string]string{
	"SENAITE_SYNC_DATABASE_URL_FILE": "database-url",
	"SENAITE_SYNC_SECRET_KEY_FILE":   "secret-key",
	"SENAITE_SYNC_API_TOKEN_FILE":    "api-token",
}

// k8sTargetLabels are the labels Prometheus gives every series of a
// ServiceMonitor's target.
var k8sTargetLabels = []string{"job", "instance", "namespace", "service", "pod", "container", "endpoint"}

// k8sContainerRules: what each container of the output must be.
var k8sContainerRules = []struct {
	rule  string
	check func(k *k8sContainer, f *k8sFacts) []string
}{
	{"runs a role of the image's binary", func(k *k8sContainer, f *k8sFacts) (bad []string) {
		if len(k.c.Command) > 0 && path.Base(k.c.Command[0]) != "senaite-sync" {
			bad = append(bad, fmt.Sprintf("command %v replaces the image's senaite-sync", k.c.Command))
		}
		if want := k.dep.Spec.Template.Labels["app.kubernetes.io/component"]; k.role != want || !slices.Contains([]string{"coordinator", "fetcher", "importer"}, k.role) {
			bad = append(bad, fmt.Sprintf("runs %q, its pods are labelled component %q", k.role, want))
		}
		if name, tag, _ := strings.Cut(k.c.Image, ":"); name != "ghcr.io/senaite-sync/senaite-sync" || tag == "" || tag == "latest" {
			bad = append(bad, fmt.Sprintf("image %q: want ghcr.io/senaite-sync/senaite-sync with a tag the kustomization sets", k.c.Image))
		}
		return bad
	}},
	{"runs as non-root, read-only, without privileges", func(k *k8sContainer, _ *k8sFacts) (bad []string) {
		pod, sc := k.dep.Spec.Template.Spec.SecurityContext, k.c.SecurityContext
		if sc == nil {
			return []string{"no securityContext"}
		}
		if !(sc.RunAsNonRoot != nil && *sc.RunAsNonRoot || pod != nil && pod.RunAsNonRoot != nil && *pod.RunAsNonRoot) {
			bad = append(bad, "runAsNonRoot is not set")
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			bad = append(bad, "the root filesystem is writable")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			bad = append(bad, "privilege escalation is allowed")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			bad = append(bad, "capabilities: want drop ALL, add none")
		}
		seccomp := sc.SeccompProfile
		if seccomp == nil && pod != nil {
			seccomp = pod.SeccompProfile
		}
		if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
			bad = append(bad, "no RuntimeDefault seccomp profile")
		}
		if r := k.c.Resources; r.Requests.Cpu().IsZero() || r.Requests.Memory().IsZero() || r.Limits.Memory().IsZero() {
			bad = append(bad, "resources: want cpu and memory requests and a memory limit")
		}
		return bad
	}},
	{"sets only variables the binaries read", func(k *k8sContainer, f *k8sFacts) (bad []string) {
		if k.dep.Spec.Template.Spec.EnableServiceLinks == nil || *k.dep.Spec.Template.Spec.EnableServiceLinks {
			bad = append(bad, "enableServiceLinks is not false: the Services senaite-sync-* would add SENAITE_SYNC_*_PORT variables")
		}
		for v := range k.env {
			if strings.HasPrefix(v, "SENAITE_SYNC_") && !f.read[v] {
				bad = append(bad, v+" is read by no binary")
			}
		}
		return bad
	}},
	{"probes the port the role listens on", func(k *k8sContainer, _ *k8sFacts) (bad []string) {
		host, port, err := net.SplitHostPort(k.listen)
		if err != nil {
			return []string{fmt.Sprintf("serves no probes (SENAITE_SYNC_HTTP_ADDR %q): %v", k.listen, err)}
		}
		if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
			bad = append(bad, fmt.Sprintf("listens on %s: the kubelet and Prometheus reach the pod's IP, not %s", k.listen, host))
		}
		for _, p := range []struct {
			kind, path string
			probe      *corev1.Probe
		}{{"liveness", "/healthz", k.c.LivenessProbe}, {"readiness", "/readyz", k.c.ReadinessProbe}, {"startup", "", k.c.StartupProbe}} {
			if p.probe == nil && p.kind == "startup" {
				continue
			}
			if p.probe == nil || p.probe.HTTPGet == nil {
				bad = append(bad, "no HTTP "+p.kind+" probe")
				continue
			}
			if g := p.probe.HTTPGet.Path; p.path != "" && g != p.path || p.path == "" && g != "/healthz" && g != "/readyz" {
				bad = append(bad, fmt.Sprintf("%s probe asks %s, the process serves /healthz (alive) and /readyz (ready)", p.kind, g))
			}
			if got := k8sContainerPort(k.c, p.probe.HTTPGet.Port); got == 0 || strconv.Itoa(int(got)) != port {
				bad = append(bad, fmt.Sprintf("%s probe port %s is not a containerPort on which it listens (%s)", p.kind, p.probe.HTTPGet.Port.String(), k.listen))
			}
		}
		return bad
	}},
	{"reads its secrets from files of the documented Secret", func(k *k8sContainer, f *k8sFacts) (bad []string) {
		for _, from := range k.c.EnvFrom {
			if from.SecretRef != nil {
				bad = append(bad, "envFrom a Secret: its values would be variables; mount it and give the _FILE variables")
			}
		}
		for _, e := range k.c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				bad = append(bad, e.Name+" from a Secret as a value: mount it and give its _FILE variable")
			}
		}
		for v, key := range k8sSecretVars {
			secretVar := strings.TrimSuffix(v, "_FILE")
			if _, inline := k.env[secretVar]; inline {
				bad = append(bad, secretVar+" is set as a value: give "+v+" a mounted key")
			}
			file, set := k.env[v]
			// every process shares the database and the key that encrypts
			// the labs' passwords; the coordinator's API beyond loopback
			// needs its token
			needed := key != "api-token" || k.role == "coordinator"
			if !set {
				if needed {
					bad = append(bad, "no "+v)
				}
				continue
			}
			secret, got, err := k8sSecretFile(k, file)
			switch {
			case err != nil:
				bad = append(bad, fmt.Sprintf("%s=%s: %v", v, file, err))
			case secret != f.secretName || got != key:
				bad = append(bad, fmt.Sprintf("%s=%s is key %q of Secret %q, want key %q of %q", v, file, got, secret, key, f.secretName))
			}
		}
		for _, vol := range k.dep.Spec.Template.Spec.Volumes {
			if vol.Secret == nil {
				continue
			}
			if vol.Secret.SecretName != f.secretName {
				bad = append(bad, fmt.Sprintf("volume %s mounts Secret %q; the example overlay tells how to make %q only", vol.Name, vol.Secret.SecretName, f.secretName))
			}
			for _, it := range vol.Secret.Items {
				if !f.secretKeys[it.Key] {
					bad = append(bad, fmt.Sprintf("volume %s projects key %q, which the example overlay's Secret does not have", vol.Name, it.Key))
				}
			}
		}
		return bad
	}},
	{"has its data directory on a writable volume", func(k *k8sContainer, _ *k8sFacts) []string {
		for _, m := range k.c.VolumeMounts {
			if k.dataDir != m.MountPath && !strings.HasPrefix(k.dataDir, strings.TrimSuffix(m.MountPath, "/")+"/") || m.ReadOnly {
				continue
			}
			for _, v := range k.dep.Spec.Template.Spec.Volumes {
				if v.Name == m.Name && (v.EmptyDir != nil || v.PersistentVolumeClaim != nil) {
					return nil
				}
			}
		}
		return []string{fmt.Sprintf("data directory %s is on the read-only root filesystem", k.dataDir)}
	}},
	{"runs as many as its role wants", func(k *k8sContainer, _ *k8sFacts) []string {
		r := k.dep.Spec.Replicas
		switch {
		case k.role == "coordinator" && (r == nil || *r != 2 || k.scaler != nil):
			return []string{"want two coordinators (one leads, one stands by), not scaled by KEDA"}
		case k.role != "coordinator" && k.scaler == nil:
			return []string{"no ScaledObject scales this worker"}
		case k.role != "coordinator" && r != nil:
			return []string{"spec.replicas is set: every apply would reset the count KEDA's HPA set, stopping workers mid-message"}
		}
		return nil
	}},
}

// k8sSetRules: what the objects of an output must be to one another.
var k8sSetRules = []struct {
	rule  string
	check func(set *manifestSet, f *k8sFacts) []string
}{
	{"has every part", func(set *manifestSet, _ *k8sFacts) (bad []string) {
		for _, kind := range []string{"Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "ServiceMonitor", "ScaledObject", "ServiceAccount"} {
			if !slices.Contains(set.kinds, kind) {
				bad = append(bad, "no "+kind)
			}
		}
		for _, role := range []string{"coordinator", "fetcher", "importer"} {
			if set.deployments["senaite-sync-"+role] == nil {
				bad = append(bad, "no Deployment senaite-sync-"+role)
			}
		}
		return bad
	}},
	{"selectors select one Deployment's pods", func(set *manifestSet, _ *k8sFacts) (bad []string) {
		for name, d := range set.deployments {
			sel, err := k8sSelector(d.Spec.Selector)
			if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				bad = append(bad, fmt.Sprintf("Deployment %s: its selector does not match its pods' labels (%v)", name, err))
			}
			if got := k8sPodsOf(set, sel); len(got) != 1 {
				bad = append(bad, fmt.Sprintf("Deployment %s: its selector selects the pods of %v", name, got))
			}
		}
		for name, p := range set.pdbs {
			sel, err := k8sSelector(p.Spec.Selector)
			got := k8sPodsOf(set, sel)
			if err != nil || len(got) != 1 {
				bad = append(bad, fmt.Sprintf("PodDisruptionBudget %s selects the pods of %v (%v), want one Deployment's", name, got, err))
				continue
			}
			// a minAvailable the Deployment never exceeds blocks every drain
			if least := k8sLeastReplicas(set, got[0]); p.Spec.MinAvailable != nil && p.Spec.MinAvailable.Type == intstr.Int &&
				p.Spec.MinAvailable.IntVal >= least {
				bad = append(bad, fmt.Sprintf("PodDisruptionBudget %s: minAvailable %d with as few as %d pods: no node could be drained", name, p.Spec.MinAvailable.IntVal, least))
			}
		}
		for name, s := range set.services {
			got := k8sPodsOf(set, labels.SelectorFromSet(s.Spec.Selector))
			if len(got) != 1 {
				bad = append(bad, fmt.Sprintf("Service %s selects the pods of %v, want one Deployment's", name, got))
				continue
			}
			for _, p := range s.Spec.Ports {
				found := false
				for _, c := range set.deployments[got[0]].Spec.Template.Spec.Containers {
					found = found || k8sContainerPort(c, p.TargetPort) != 0
				}
				if !found {
					bad = append(bad, fmt.Sprintf("Service %s port %s targets %s, which %s's containers do not have", name, p.Name, p.TargetPort.String(), got[0]))
				}
			}
		}
		return bad
	}},
	{"the ServiceMonitor scrapes every role's /metrics", func(set *manifestSet, _ *k8sFacts) (bad []string) {
		for name, m := range set.monitors {
			sel, err := k8sSelector(&m.Spec.Selector)
			if err != nil {
				bad = append(bad, fmt.Sprintf("ServiceMonitor %s: %v", name, err))
				continue
			}
			ports := map[string]bool{}
			for _, e := range m.Spec.Endpoints {
				ports[e.Port] = true
				if e.Path != "/metrics" {
					bad = append(bad, fmt.Sprintf("ServiceMonitor %s: endpoint %s asks %q, the processes serve /metrics", name, e.Port, e.Path))
				}
				// the lab requests' series carry the lab's "instance": without
				// honorLabels Prometheus renames it exported_instance and the
				// dashboard's lab panels show nothing
				if !e.HonorLabels {
					bad = append(bad, fmt.Sprintf("ServiceMonitor %s: endpoint %s without honorLabels", name, e.Port))
				}
			}
			served := map[string]bool{}
			for sname, s := range set.services {
				if !sel.Matches(labels.Set(s.Labels)) {
					bad = append(bad, fmt.Sprintf("ServiceMonitor %s does not select Service %s: its pods are not scraped", name, sname))
					continue
				}
				scraped := false
				for _, p := range s.Spec.Ports {
					served[p.Name] = true
					scraped = scraped || ports[p.Name]
				}
				if !scraped {
					bad = append(bad, fmt.Sprintf("ServiceMonitor %s scrapes no port of Service %s", name, sname))
				}
			}
			for p := range ports {
				if !served[p] {
					bad = append(bad, fmt.Sprintf("ServiceMonitor %s scrapes port %q, which no Service it selects has", name, p))
				}
			}
		}
		return bad
	}},
	{"KEDA scales workers on their own streams and consumers", func(set *manifestSet, f *k8sFacts) (bad []string) {
		for name, so := range set.scaledObjects {
			bad = append(bad, k8sCheckScaledObject(name, so, set, f)...)
		}
		return bad
	}},
	{"the secret keys documented are all used", func(set *manifestSet, f *k8sFacts) (bad []string) {
		used := map[string]bool{}
		for _, d := range set.deployments {
			for _, c := range d.Spec.Template.Spec.Containers {
				for _, e := range c.Env {
					if key, ok := k8sSecretVars[e.Name]; ok {
						used[key] = true
					}
				}
			}
		}
		for key := range f.secretKeys {
			if !used[key] {
				bad = append(bad, fmt.Sprintf("the example overlay has the Secret's key %s made, which no container reads", key))
			}
		}
		return bad
	}},
	{"PostgreSQL holds every process's connections", func(set *manifestSet, f *k8sFacts) (bad []string) {
		return k8sCheckConnections(set, f)
	}},
	{"NATS is the chart's cluster", func(set *manifestSet, f *k8sFacts) (bad []string) {
		return k8sCheckNATS(set, f)
	}},
}

// TestKubernetesManifests: the base and the example overlay build, and
// what they describe is what the binary does.
func TestKubernetesManifests(t *testing.T) {
	f := k8sLoadFacts(t)
	for _, dir := range []string{"kubernetes/base", "kubernetes/overlays/example"} {
		set := manifestBuild(t, dir)
		for _, r := range k8sSetRules {
			for _, bad := range r.check(set, f) {
				t.Errorf("%s: %s: %s", dir, r.rule, bad)
			}
		}
		for _, k := range k8sContainers(t, set, f) {
			for _, r := range k8sContainerRules {
				for _, bad := range r.check(k, f) {
					t.Errorf("%s: %s: %s", k.where, r.rule, bad)
				}
			}
		}
	}
}

// TestNoSecretInTheRepository: secrets are referenced, never committed:
// no manifest of deployments/ is a Secret, no kustomization generates one.
func TestNoSecretInTheRepository(t *testing.T) {
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if regexp.MustCompile(`(?m)^kind:\s*["']?Secret["']?\s*$`).Match(src) {
			t.Errorf("%s holds a Secret: secrets are referenced, never committed", p)
		}
		if regexp.MustCompile(`(?m)^secretGenerator:`).Match(src) {
			t.Errorf("%s generates a Secret from files or literals of the repository", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// k8sLoadFacts reads what the rules hold the manifests against.
func k8sLoadFacts(t *testing.T) *k8sFacts {
	t.Helper()
	f := &k8sFacts{read: composeVariablesRead(t), metrics: k8sMetricCatalog(t)}
	// the Secret as the example overlay tells how to make it
	example, err := os.ReadFile("kubernetes/overlays/example/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`kubectl\s(?:[^\n]*\s)?create secret generic ([a-z0-9.-]+)`).FindSubmatch(example)
	if m == nil {
		t.Fatal("kubernetes/overlays/example/kustomization.yaml does not say how to create the Secret (kubectl create secret generic NAME --from-file=KEY=FILE)")
	}
	f.secretName, f.secretKeys = string(m[1]), map[string]bool{}
	for _, k := range regexp.MustCompile(`--from-file=([a-z0-9.-]+)=`).FindAllSubmatch(example, -1) {
		f.secretKeys[string(k[1])] = true
	}
	// the image's environment and working directory
	f.imageEnv, f.workdir = map[string]string{}, "/"
	for _, line := range k8sLastStage(t) {
		if rest, ok := strings.CutPrefix(line, "ENV "); ok {
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				f.imageEnv[k] = strings.Trim(v, `"`)
			}
		}
		if rest, ok := strings.CutPrefix(line, "WORKDIR "); ok {
			f.workdir = strings.TrimSpace(rest)
		}
	}
	manifestDecodeYAML(t, "nats/values.yaml", &f.nats)
	manifestDecodeYAML(t, "postgres/cluster.yaml", &f.cluster)
	// the pool sizes the roles ask for (internal/cli/roles.go) and the lock
	// sessions an importer opens besides (internal/store/store.go)
	f.coordinatorConns = k8sSourceInt(t, "../internal/cli/roles.go", `const coordinatorConns = (\d+)`, `cfg.PoolSize = concurrency + 1`)
	f.lockConns = k8sSourceInt(t, "../internal/store/store.go", `const lockConns = (\d+)`, `lcfg.MaxConns = max(2*cfg.MaxConns, lockConns)`)
	return f
}

// k8sSourceInt reads a constant from a source file, which must also still
// hold the statement the connection count below is computed from: a
// change there must be carried to k8sCheckConnections.
func k8sSourceInt(t *testing.T, file, constant, statement string) int {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(constant).FindSubmatch(src)
	if m == nil || !strings.Contains(string(src), statement) {
		t.Fatalf("%s no longer has %q and %q: update k8sCheckConnections to the pool sizes it sets", file, constant, statement)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// k8sLastStage is the Dockerfile's final stage, one instruction a line.
func k8sLastStage(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	src := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(raw), " ")
	var stage []string
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "FROM ") {
			stage = nil
		}
		if line != "" && !strings.HasPrefix(line, "#") {
			stage = append(stage, line)
		}
	}
	return stage
}

// k8sContainers resolves each container of the output: its sub-command
// and flags, its variables (the image's, then envFrom ConfigMaps, then
// env), and what the binary makes of them — parsed by the binary's own
// command, in a subtest with those variables set, so that a malformed
// value (a duration without unit) fails as it would at start.
func k8sContainers(t *testing.T, set *manifestSet, f *k8sFacts) []*k8sContainer {
	t.Helper()
	var out []*k8sContainer
	for name, d := range set.deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			k := &k8sContainer{where: fmt.Sprintf("%s: Deployment %s container %s", set.dir, name, c.Name), set: set, dep: d, c: c,
				args: c.Args, env: map[string]string{}}
			if len(c.Command) > 1 {
				k.args = append(slices.Clone(c.Command[1:]), c.Args...)
			}
			if len(k.args) > 0 {
				k.role = k.args[0]
			}
			for _, so := range set.scaledObjects {
				if so.Spec.ScaleTargetRef.Name == name {
					k.scaler = so
				}
			}
			for v, val := range f.imageEnv {
				k.env[v] = val
			}
			for _, from := range c.EnvFrom {
				if from.ConfigMapRef == nil {
					continue
				}
				cm := set.configMaps[from.ConfigMapRef.Name]
				if cm == nil {
					t.Errorf("%s: envFrom ConfigMap %q is not in the output", k.where, from.ConfigMapRef.Name)
					continue
				}
				for v, val := range cm.Data {
					k.env[from.Prefix+v] = val
				}
			}
			for _, e := range c.Env {
				switch {
				case e.ValueFrom == nil:
					k.env[e.Name] = e.Value
				case e.ValueFrom.ConfigMapKeyRef != nil:
					ref := e.ValueFrom.ConfigMapKeyRef
					cm := set.configMaps[ref.Name]
					if cm == nil || cm.Data[ref.Key] == "" {
						t.Errorf("%s: %s from ConfigMap %s key %s, which the output does not have", k.where, e.Name, ref.Name, ref.Key)
					} else {
						k.env[e.Name] = cm.Data[ref.Key]
					}
				default: // a Secret's (refused by a rule) or the pod's own fields
					k.env[e.Name] = "(from " + e.Name + ")"
				}
			}
			composeCheckCommand(t, k.where, append([]string{"senaite-sync"}, k.args...))
			k8sParseConfig(t, k, f)
			out = append(out, k)
		}
	}
	return out
}

// k8sParseConfig runs the binary's argument and variable parsing for k
// and records what it settled on.
func k8sParseConfig(t *testing.T, k *k8sContainer, f *k8sFacts) {
	t.Run(strings.NewReplacer("/", "_", " ", "_").Replace(k.where), func(t *testing.T) {
		for _, kv := range os.Environ() {
			if v, _, _ := strings.Cut(kv, "="); strings.HasPrefix(v, "SENAITE_SYNC_") {
				t.Setenv(v, "")
			}
		}
		dir := t.TempDir()
		for v, val := range k.env {
			if _, secret := k8sSecretVars[v]; secret {
				// the mounted file, here a stand-in
				val = filepath.Join(dir, v)
				if err := os.WriteFile(val, []byte("stand-in\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv(v, val)
		}
		root := cli.Root()
		cmd, rest, err := root.Find(k.args)
		if err != nil || cmd == root {
			t.Errorf("%s: %v is no senaite-sync sub-command", k.where, k.args)
			return
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("%s: %v: %v", k.where, k.args, err)
			return
		}
		if err := root.PersistentPreRunE(cmd, cmd.Flags().Args()); err != nil {
			t.Errorf("%s: the binary refuses its variables: %v", k.where, err)
		}
		// the coordinator serves on --http-addr (its default included); a
		// worker only on an address given to it (roles.go: serveProbes)
		if fl := cmd.Flags().Lookup("http-addr"); k.role == "coordinator" || fl.Changed {
			k.listen = fl.Value.String()
		} else {
			k.listen = os.Getenv("SENAITE_SYNC_HTTP_ADDR")
		}
		k.dataDir = cmd.Flags().Lookup("data-dir").Value.String()
		if !filepath.IsAbs(k.dataDir) {
			k.dataDir = filepath.Join(f.workdir, k.dataDir)
		}
		if fl := cmd.Flags().Lookup("concurrency"); fl != nil {
			k.conc, _ = strconv.Atoi(fl.Value.String())
		}
	})
}

// k8sSecretFile finds the Secret and key a path of the container is.
func k8sSecretFile(k *k8sContainer, file string) (secret, key string, err error) {
	for _, m := range k.c.VolumeMounts {
		rel, ok := strings.CutPrefix(file, strings.TrimSuffix(m.MountPath, "/")+"/")
		if !ok {
			continue
		}
		for _, v := range k.dep.Spec.Template.Spec.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			if len(v.Secret.Items) == 0 {
				return v.Secret.SecretName, rel, nil
			}
			for _, it := range v.Secret.Items {
				if it.Path == rel {
					return v.Secret.SecretName, it.Key, nil
				}
			}
			return "", "", fmt.Errorf("volume %s projects no %s", v.Name, rel)
		}
	}
	return "", "", errors.New("no Secret volume is mounted there")
}

func k8sSelector(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return labels.Nothing(), errors.New("no selector")
	}
	return metav1.LabelSelectorAsSelector(s)
}

// k8sPodsOf names the Deployments whose pods sel selects.
func k8sPodsOf(set *manifestSet, sel labels.Selector) []string {
	var out []string
	for name, d := range set.deployments {
		if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// k8sLeastReplicas is the fewest pods a Deployment may run.
func k8sLeastReplicas(set *manifestSet, name string) int32 {
	for _, so := range set.scaledObjects {
		if so.Spec.ScaleTargetRef.Name == name {
			if so.Spec.MinReplicaCount == nil {
				return 0
			}
			return *so.Spec.MinReplicaCount
		}
	}
	if r := set.deployments[name].Spec.Replicas; r != nil {
		return *r
	}
	return 1
}

// k8sMostReplicas is the most pods a Deployment may run.
func k8sMostReplicas(set *manifestSet, name string) int {
	for _, so := range set.scaledObjects {
		if so.Spec.ScaleTargetRef.Name == name {
			if so.Spec.MaxReplicaCount == nil {
				return 100 // KEDA's default
			}
			return int(*so.Spec.MaxReplicaCount)
		}
	}
	if r := set.deployments[name].Spec.Replicas; r != nil {
		return int(*r)
	}
	return 1
}

// k8sContainerPort resolves a probe's or a Service's port (a number or a
// port's name) to a containerPort of c, 0 when c has none.
func k8sContainerPort(c corev1.Container, port intstr.IntOrString) int32 {
	for _, p := range c.Ports {
		if port.Type == intstr.String && p.Name == port.StrVal || port.Type == intstr.Int && p.ContainerPort == port.IntVal {
			return p.ContainerPort
		}
	}
	return 0
}

// k8sRoleOf is the queue role of the workers a Deployment runs.
func k8sRoleOf(d *appsv1.Deployment) (queue.Role, bool) {
	for _, c := range d.Spec.Template.Spec.Containers {
		if len(c.Args) > 0 {
			switch c.Args[0] {
			case "fetcher":
				return queue.Fetch, true
			case "importer":
				return queue.Import, true
			}
		}
	}
	return "", false
}

// k8sCheckScaledObject: KEDA scales a worker Deployment of the output on
// the stream and consumers its role pulls, or on metrics the processes
// export, deduplicated over the pods that all export them.
func k8sCheckScaledObject(name string, so *scaledObject, set *manifestSet, f *k8sFacts) (bad []string) {
	where := "ScaledObject " + name
	ref := so.Spec.ScaleTargetRef
	if so.APIVersion != "keda.sh/v1alpha1" || ref.Kind != "" && ref.Kind != "Deployment" || ref.APIVersion != "" && ref.APIVersion != "apps/v1" {
		bad = append(bad, fmt.Sprintf("%s: %s scaling %s %s", where, so.APIVersion, ref.APIVersion, ref.Kind))
	}
	d := set.deployments[ref.Name]
	if d == nil {
		return append(bad, fmt.Sprintf("%s scales %q, no Deployment of the output", where, ref.Name))
	}
	role, ok := k8sRoleOf(d)
	if !ok {
		return append(bad, fmt.Sprintf("%s scales %s, which runs no worker", where, ref.Name))
	}
	lo, hi := so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount
	if lo == nil || *lo < 1 || hi == nil || *hi < *lo {
		// at zero nobody would create a remote's consumer, so no lag would
		// ever show, nor would anyone answer the probes
		bad = append(bad, fmt.Sprintf("%s: want 1 <= minReplicaCount <= maxReplicaCount", where))
	}
	// the stream's and consumers' names as the workers make them, under
	// the prefix they are given
	names := queue.Names{}
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef != nil && set.configMaps[from.ConfigMapRef.Name] != nil {
				names.Prefix = set.configMaps[from.ConfigMapRef.Name].Data["SENAITE_SYNC_QUEUE_PREFIX"]
			}
		}
	}
	remoteName := regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	if len(so.Spec.Triggers) == 0 {
		bad = append(bad, where+": no trigger")
	}
	for _, tr := range so.Spec.Triggers {
		tw := fmt.Sprintf("%s trigger %s %q", where, tr.Type, tr.Name)
		md := tr.Metadata
		switch tr.Type {
		case "nats-jetstream":
			remote, ok := strings.CutPrefix(md["consumer"], names.RemoteConsumer(role, ""))
			if md["stream"] != names.Stream(role) || !ok || !remoteName.MatchString(remote) || names.RemoteConsumer(role, remote) != md["consumer"] {
				bad = append(bad, fmt.Sprintf("%s: stream %q consumer %q: the %s workers pull stream %s, consumers %s",
					tw, md["stream"], md["consumer"], role, names.Stream(role), names.RemoteConsumer(role, "REMOTE")))
			}
			if md["account"] != "$G" { // the chart's values configure no accounts
				bad = append(bad, fmt.Sprintf("%s: account %q, want $G", tw, md["account"]))
			}
			for _, k := range []string{"lagThreshold", "activationLagThreshold"} {
				if n, err := strconv.Atoi(md[k]); md[k] != "" && (err != nil || n < 0) || k == "lagThreshold" && n <= 0 {
					bad = append(bad, fmt.Sprintf("%s: %s %q", tw, k, md[k]))
				}
			}
			if want := k8sNATSMonitoring(set, f); md["natsServerMonitoringEndpoint"] != want && md["natsServerMonitoringEndpoint"] != strings.Replace(want, ".svc:", ".svc.cluster.local:", 1) {
				bad = append(bad, fmt.Sprintf("%s: natsServerMonitoringEndpoint %q: KEDA must reach every server by name on the chart's headless service's monitoring port, %s",
					tw, md["natsServerMonitoringEndpoint"], want))
			}
		case "prometheus":
			if md["serverAddress"] == "" || md["query"] == "" {
				bad = append(bad, tw+": no serverAddress or query")
			}
			if th, err := strconv.ParseFloat(md["threshold"], 64); err != nil || th <= 0 {
				bad = append(bad, fmt.Sprintf("%s: threshold %q", tw, md["threshold"]))
			}
			for _, e := range k8sCheckExpr(md["query"], f.metrics) {
				bad = append(bad, tw+": "+e)
			}
			streams := regexp.MustCompile(`stream="([^"]*)"`).FindAllStringSubmatch(md["query"], -1)
			if len(streams) == 0 {
				bad = append(bad, tw+": the query does not name the stream")
			}
			for _, s := range streams {
				if s[1] != names.Stream(role) {
					bad = append(bad, fmt.Sprintf("%s: the query asks stream %s, the %s workers pull %s", tw, s[1], role, names.Stream(role)))
				}
			}
		default:
			bad = append(bad, tw+": a trigger type this test does not know")
		}
	}
	return bad
}

// k8sNATSServers are the servers SENAITE_SYNC_NATS_URL names (the
// coordinator's ConfigMap).
func k8sNATSServers(set *manifestSet) []*url.URL {
	var out []*url.URL
	for _, cm := range set.configMaps {
		for _, s := range strings.Split(cm.Data["SENAITE_SYNC_NATS_URL"], ",") {
			if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.Host != "" {
				out = append(out, u)
			}
		}
	}
	return out
}

// k8sNATSMonitoring is the monitoring endpoint of the chart's cluster as
// KEDA (in a namespace of its own) reaches it: the headless service,
// namespace-qualified, on the monitoring port.
func k8sNATSMonitoring(set *manifestSet, f *k8sFacts) string {
	headless := f.nats.FullnameOverride + "-headless"
	ns := set.namespace
	if servers := k8sNATSServers(set); len(servers) > 0 {
		// nats-0.nats-headless.NAMESPACE.svc: the namespace NATS runs in
		if parts := strings.Split(servers[0].Hostname(), "."); len(parts) > 2 {
			ns = parts[2]
		}
	}
	return fmt.Sprintf("%s.%s.svc:%d", headless, ns, f.nats.Config.Monitor.Port)
}

// k8sCheckNATS: SENAITE_SYNC_NATS_URL names every server of the chart's
// StatefulSet, by the names its headless service gives them, on the
// client port (the binary keeps three replicas of each stream only when
// it knows three servers).
func k8sCheckNATS(set *manifestSet, f *k8sFacts) (bad []string) {
	servers := k8sNATSServers(set)
	full, port := f.nats.FullnameOverride, f.nats.Config.NATS.Port
	if port == 0 {
		port = 4222 // the chart's default
	}
	if full == "" {
		return []string{"nats/values.yaml sets no fullnameOverride: the servers' names would depend on the release's"}
	}
	if len(servers) != f.nats.Config.Cluster.Replicas {
		bad = append(bad, fmt.Sprintf("SENAITE_SYNC_NATS_URL names %d servers, the chart runs %d", len(servers), f.nats.Config.Cluster.Replicas))
	}
	for i, u := range servers {
		host := u.Hostname()
		want := fmt.Sprintf("%s-%d.%s-headless", full, i, full)
		if u.Scheme != "nats" || u.Port() != strconv.Itoa(port) || host != want && !strings.HasPrefix(host, want+".") {
			bad = append(bad, fmt.Sprintf("SENAITE_SYNC_NATS_URL server %s: want nats://%s[.NAMESPACE.svc]:%d", u, want, port))
		}
	}
	return bad
}

// k8sCheckConnections: max_connections of the CloudNativePG Cluster holds
// the connections of every process the output may run at once: a
// coordinator's pool (coordinatorConns), a fetcher's (--concurrency + 1),
// an importer's and its lock sessions' (max(2 × pool, lockConns)).
func k8sCheckConnections(set *manifestSet, f *k8sFacts) []string {
	const reserve = 10 // superuser_reserved_connections, the operator's, an administrator's
	need := reserve
	var sum []string
	for name, d := range set.deployments {
		most := k8sMostReplicas(set, name)
		for _, c := range d.Spec.Template.Spec.Containers {
			conc, per := 0, 0
			role := ""
			if len(c.Args) > 0 {
				role = c.Args[0]
			}
			for i, a := range c.Args {
				if v, ok := strings.CutPrefix(a, "--concurrency="); ok {
					conc, _ = strconv.Atoi(v)
				} else if a == "--concurrency" && i+1 < len(c.Args) {
					conc, _ = strconv.Atoi(c.Args[i+1])
				}
			}
			if conc == 0 && role != "coordinator" {
				// the binary's default: its flag's
				cmd, _, err := cli.Root().Find([]string{role})
				if err == nil && cmd.Flags().Lookup("concurrency") != nil {
					conc, _ = strconv.Atoi(cmd.Flags().Lookup("concurrency").DefValue)
				}
			}
			switch role {
			case "coordinator":
				per = f.coordinatorConns
			case "fetcher":
				per = conc + 1
			case "importer":
				per = conc + 1 + max(2*(conc+1), f.lockConns)
			}
			need += most * per
			sum = append(sum, fmt.Sprintf("%d %s × %d", most, role, per))
		}
	}
	have, err := strconv.Atoi(f.cluster.Spec.PostgreSQL.Parameters["max_connections"])
	if err != nil || have < need {
		slices.Sort(sum)
		return []string{fmt.Sprintf("postgres/cluster.yaml max_connections %q: %s + %d reserved need %d", f.cluster.Spec.PostgreSQL.Parameters["max_connections"],
			strings.Join(sum, " + "), reserve, need)}
	}
	return nil
}

// k8sMetricCatalog: the series every process exports, each with its
// labels — the descriptions of internal/metrics' collectors (histograms
// with their _bucket, _sum and _count series), and what a process's
// registry gathers besides (build info, Go's and the process's own).
