package render

import "github.com/kin-social/kin/gen/site"

// The template data: plain values, already decided, so the templates only lay them out.

// Meta is an object's metadata.
type Meta struct {
	Name        string
	Namespace   string // empty for cluster-scoped objects
	Labels      map[string]string
	Annotations map[string]string
}

// Pod is a pod template.
type Pod struct {
	Labels      map[string]string
	Annotations map[string]string
	// Comment explains, above the securityContext, why it differs from Kin's own images.
	Comment                       []string
	RunAsUser, RunAsGroup         int64
	FSGroup                       int64
	RestartPolicy                 string
	TerminationGracePeriodSeconds int64
	// Spread spreads the pods over the nodes by these labels, when there are several.
	Spread     map[string]string
	Containers []Container
	Volumes    []Volume
}

// Container is one container of a pod.
type Container struct {
	Name, Image, PullPolicy string
	Command, Args           []string
	Ports                   []ContainerPort
	EnvFrom                 []string // ConfigMap names
	Env                     []Env
	Resources               site.Resources
	StartupProbe            *Probe
	ReadinessProbe          *Probe
	LivenessProbe           *Probe
	Mounts                  []Mount
}

// ContainerPort is a named container port.
type ContainerPort struct {
	Name string
	Port int32
}

// Env is one environment variable: a Value, or a key of a Secret.
type Env struct {
	Name, Value string
	Secret, Key string
}

// Probe is an httpGet (Path, Port, Scheme), exec (Exec) or tcpSocket (TCPPort) probe.
type Probe struct {
	Path, Port, Scheme  string
	Exec                []string
	TCPPort             string
	InitialDelaySeconds int32
	PeriodSeconds       int32
	TimeoutSeconds      int32
	FailureThreshold    int32
}

// Mount is a volume mount.
type Mount struct {
	Name, Path string
	ReadOnly   bool
}

// Volume is a pod volume: a claim, a Secret, or else an emptyDir.
type Volume struct {
	Name      string
	Claim     string
	Secret    string
	SizeLimit string
}

type namespaceData struct{ Meta Meta }

type configMapData struct {
	Meta Meta
	Data map[string]string
}

type servicePort struct {
	Name       string
	Port       int32
	TargetPort string
}

type serviceData struct {
	Meta     Meta
	Headless bool
	Selector map[string]string
	Ports    []servicePort
}

type deploymentData struct {
	Meta     Meta
	Replicas int32
	Selector map[string]string
	Strategy string
	// Why explains a Recreate strategy, as a comment.
	Why string
	Pod Pod
}

type claimTemplate struct {
	Name, AccessMode, Size string
}

type statefulSetData struct {
	Meta        Meta
	Replicas    int32
	ServiceName string
	Selector    map[string]string
	Pod         Pod
	Claims      []claimTemplate
}

type jobData struct {
	Meta            Meta
	BackoffLimit    int32
	DeadlineSeconds int64
	Pod             Pod
}

type cronJobData struct {
	Meta                    Meta
	Schedule, TimeZone      string
	StartingDeadlineSeconds int64
	BackoffLimit            int32
	DeadlineSeconds         int64
	Pod                     Pod
}

type pvData struct {
	Meta                      Meta
	Size, AccessMode          string
	ClaimNamespace, ClaimName string
	Server, Path              string
}

type pvcData struct {
	Meta                         Meta
	Size, AccessMode, VolumeName string
}

type ingressTLS struct {
	Secret string
	Hosts  []string
}

type ingressPath struct {
	Path, Type, Service string
	Port                int
}

type ingressRule struct {
	Host  string
	Paths []ingressPath
}

type ingressData struct {
	Meta  Meta
	Class string
	TLS   []ingressTLS
	Rules []ingressRule
}

type certificateData struct {
	Meta     Meta
	Secret   string
	DNSNames []string
	Issuer   string
}

type peer struct {
	PodLabels       map[string]string
	NamespaceLabels map[string]string
}

// portRef is a port by name or, when Name is empty, by number.
type portRef struct {
	Name   string
	Number int32
}

type policyRule struct {
	From  []peer
	Ports []portRef
}

type networkPolicyData struct {
	Meta        Meta
	PodSelector map[string]string
	Rules       []policyRule
}

type pdbData struct {
	Meta     Meta
	Selector map[string]string
}

type applicationData struct {
	Meta                             Meta
	Project, RepoURL, Revision, Path string
	Namespace                        string
}

type kustomizationData struct {
	Resources []string
}
