package deployments_test

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// KEDA's ScaledObject and CloudNativePG's Cluster have no small Go module
// here (KEDA's types live inside its whole operator module, and
// cloudnative-pg/api is not served): the subset of their published CRD
// schemas these manifests use is declared below, with the upstream field
// names (keda.sh/v1alpha1 ScaledObjectSpec, postgresql.cnpg.io/v1
// ClusterSpec), and the manifests are decoded into it strictly — a field
// misspelt or misplaced fails as it would at the API server. A field the
// manifests start to use must be added here first.

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
		Fallback         *struct {
			FailureThreshold int32  `json:"failureThreshold"`
			Replicas         int32  `json:"replicas"`
			Behavior         string `json:"behavior,omitempty"`
		} `json:"fallback,omitempty"`
		Advanced *struct {
			HorizontalPodAutoscalerConfig *struct {
				Name     string                                         `json:"name,omitempty"`
				Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
			} `json:"horizontalPodAutoscalerConfig,omitempty"`
			RestoreToOriginalReplicaCount bool `json:"restoreToOriginalReplicaCount,omitempty"`
		} `json:"advanced,omitempty"`
		Triggers []struct {
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

// natsValues are the keys of the NATS chart's values.yaml (nats-io/k8s,
// helm/charts/nats) that nats/values.yaml sets, with the chart's names:
// Helm ignores a key the chart does not have, so a misspelt one would
// silently leave the chart's default.
type natsValues struct {
	FullnameOverride string `json:"fullnameOverride"`
	Config           struct {
		Cluster struct {
			Enabled  bool `json:"enabled"`
			Replicas int  `json:"replicas"`
		} `json:"cluster"`
		JetStream struct {
			Enabled   bool `json:"enabled"`
			FileStore struct {
				Enabled bool   `json:"enabled"`
				Dir     string `json:"dir,omitempty"`
				MaxSize string `json:"maxSize,omitempty"`
				PVC     struct {
					Enabled          bool    `json:"enabled"`
					Size             string  `json:"size"`
					StorageClassName *string `json:"storageClassName,omitempty"`
				} `json:"pvc"`
			} `json:"fileStore"`
			MemoryStore struct {
				Enabled bool   `json:"enabled"`
				MaxSize string `json:"maxSize,omitempty"`
			} `json:"memoryStore"`
		} `json:"jetstream"`
		NATS struct {
			Port int `json:"port,omitempty"`
		} `json:"nats"`
		Monitor struct {
			Enabled bool `json:"enabled"`
			Port    int  `json:"port"`
		} `json:"monitor"`
	} `json:"config"`
	PodDisruptionBudget struct {
		Enabled bool `json:"enabled"`
	} `json:"podDisruptionBudget"`
	PodTemplate struct {
		// keyed by topologyKey; the chart adds the pods' labelSelector
		TopologySpreadConstraints map[string]struct {
			MaxSkew           int32  `json:"maxSkew"`
			WhenUnsatisfiable string `json:"whenUnsatisfiable"`
		} `json:"topologySpreadConstraints,omitempty"`
	} `json:"podTemplate"`
	// merged into the nats container: a part of a Container
	Container struct {
		Merge corev1.Container `json:"merge"`
	} `json:"container"`
	PromExporter struct {
		Enabled    bool `json:"enabled"`
		PodMonitor struct {
			Enabled bool `json:"enabled"`
		} `json:"podMonitor"`
	} `json:"promExporter"`
}

// manifestDecode decodes JSON into out as the API server does: field
// names case-sensitive, unknown and duplicate fields refused
// (sigs.k8s.io/json; encoding/json would take "initDB" for "initdb").
