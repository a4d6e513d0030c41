package deployments_test

import (
	natsserver "github.com/nats-io/nats-server/v2/server"

	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeNATSCluster: the three NATS servers form one JetStream
// cluster — each named, JetStream on a volume, routed to the other two,
// its health check asking its own monitoring port — and every role's
// SENAITE_SYNC_NATS_URL names all three.
func TestComposeNATSCluster(t *testing.T) {
	p := composeProject(t)
	servers := []string{"nats-1", "nats-2", "nats-3"}
	clusters := map[string]bool{}
	clientURL := map[string]bool{}
	for _, name := range servers {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("no service %s", name)
			continue
		}
		args := composeArgs(s)
		if len(args) == 0 || args[0] != "nats-server" {
			t.Errorf("%s runs %v, not nats-server", name, args)
			continue
		}
		o, err := composeParseNATS(args[1:])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if o.ServerName != name || !o.JetStream || o.StoreDir == "" || o.Cluster.Name == "" || o.Cluster.Port == 0 {
			t.Errorf("%s: not a named JetStream server of a cluster: name %q, js %v, store %q, cluster %q port %d",
				name, o.ServerName, o.JetStream, o.StoreDir, o.Cluster.Name, o.Cluster.Port)
		}
		if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Type == types.VolumeTypeVolume && v.Target == o.StoreDir
		}) {
			t.Errorf("%s: its store %q is on no named volume", name, o.StoreDir)
		}
		clusters[o.Cluster.Name] = true
		var routed []string
		for _, r := range o.Routes {
			routed = append(routed, r.Host)
		}
		for _, other := range servers {
			if other != name && !slices.Contains(routed, other+":"+strconv.Itoa(o.Cluster.Port)) {
				t.Errorf("%s: its routes %v do not name %s:%d", name, routed, other, o.Cluster.Port)
			}
		}
		port := o.Port
		if port == 0 {
			port = natsserver.DEFAULT_PORT
		}
		clientURL["nats://"+name+":"+strconv.Itoa(port)] = true
		if s.HealthCheck == nil || !slices.Contains(s.HealthCheck.Test, "http://127.0.0.1:"+strconv.Itoa(o.HTTPPort)+"/healthz?js-enabled-only=true") {
			t.Errorf("%s: its health check does not ask /healthz?js-enabled-only=true on its monitoring port %d: %v", name, o.HTTPPort, s.HealthCheck)
		}
	}
	if len(clusters) != 1 {
		t.Errorf("the servers name clusters %v, want one", clusters)
	}
	for name, s := range p.Services {
		switch composeRole(s) {
		case "coordinator", "fetcher", "importer":
			got := map[string]bool{}
			for _, u := range strings.Split(composeEnv(s, "SENAITE_SYNC_NATS_URL"), ",") {
				got[strings.TrimSpace(u)] = true
			}
			if !maps.Equal(got, clientURL) {
				t.Errorf("%s: SENAITE_SYNC_NATS_URL %q, want the three servers %v", name, composeEnv(s, "SENAITE_SYNC_NATS_URL"), clientURL)
			}
		}
	}
}
