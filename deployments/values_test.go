package deployments_test

import (
	"os"
	"strings"
	"testing"
)

// TestClusterAndDatabaseValues: the NATS chart's values make a
// three-server JetStream cluster on files, one server a node, with its
// monitoring port (KEDA's scaler reads it); the CloudNativePG Cluster
// decodes strictly (k8sCheckConnections holds its max_connections against
// the manifests).
func TestClusterAndDatabaseValues(t *testing.T) {
	var v natsValues
	manifestDecodeYAML(t, "nats/values.yaml", &v)
	c := v.Config
	if !c.Cluster.Enabled || c.Cluster.Replicas != 3 || !c.JetStream.Enabled || !c.JetStream.FileStore.Enabled ||
		!c.JetStream.FileStore.PVC.Enabled || c.JetStream.FileStore.PVC.Size == "" || !c.Monitor.Enabled || c.Monitor.Port == 0 {
		t.Errorf("nats/values.yaml: not a three-server JetStream cluster on files with monitoring: %+v", c)
	}
	if !v.PodDisruptionBudget.Enabled {
		t.Error("nats/values.yaml: no PodDisruptionBudget: a drain could take two servers and the quorum")
	}
	if s, ok := v.PodTemplate.TopologySpreadConstraints["kubernetes.io/hostname"]; !ok || s.MaxSkew != 1 || s.WhenUnsatisfiable != "DoNotSchedule" {
		t.Error("nats/values.yaml: servers may share a node, and one node's loss would take the quorum")
	}
	if v.Container.Merge.Resources.Limits.Memory().IsZero() {
		t.Error("nats/values.yaml: the servers have no memory limit (container.merge.resources)")
	}
	var cl cnpgCluster
	manifestDecodeYAML(t, "postgres/cluster.yaml", &cl)
	if cl.APIVersion != "postgresql.cnpg.io/v1" || cl.Kind != "Cluster" || cl.Spec.Instances < 3 || cl.Spec.Storage.Size == "" ||
		cl.Spec.Bootstrap.InitDB.Database != "senaite_sync" || cl.Spec.Bootstrap.InitDB.Owner != "senaite_sync" {
		t.Errorf("postgres/cluster.yaml: want 3 instances with storage, database senaite_sync owned by senaite_sync: %+v", cl.Spec)
	}
	// the Secret's database-url comes from the application secret CNPG makes
	raw, err := os.ReadFile("postgres/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), cl.Metadata.Name+"-app") || !strings.Contains(string(raw), "database-url") {
		t.Errorf("postgres/cluster.yaml does not say how database-url comes from the Secret %s-app", cl.Metadata.Name)
	}
}
