package render

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/kin-social/kin/gen/crd"
)

// typed lists the kinds gen renders with a k8s.io/api type, by "apiVersion kind".
var typed = map[string]func() any{
	"v1 Namespace":                       func() any { return new(corev1.Namespace) },
	"v1 ConfigMap":                       func() any { return new(corev1.ConfigMap) },
	"v1 Service":                         func() any { return new(corev1.Service) },
	"v1 PersistentVolume":                func() any { return new(corev1.PersistentVolume) },
	"v1 PersistentVolumeClaim":           func() any { return new(corev1.PersistentVolumeClaim) },
	"apps/v1 Deployment":                 func() any { return new(appsv1.Deployment) },
	"apps/v1 StatefulSet":                func() any { return new(appsv1.StatefulSet) },
	"batch/v1 Job":                       func() any { return new(batchv1.Job) },
	"batch/v1 CronJob":                   func() any { return new(batchv1.CronJob) },
	"networking.k8s.io/v1 Ingress":       func() any { return new(networkingv1.Ingress) },
	"networking.k8s.io/v1 NetworkPolicy": func() any { return new(networkingv1.NetworkPolicy) },
	"policy/v1 PodDisruptionBudget":      func() any { return new(policyv1.PodDisruptionBudget) },
}

// kustomization is the part of kustomize's Kustomization gen writes.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// Check decodes every file strictly into its type (an unknown or mistyped field is an
// error naming the file and its template), checks custom resources against their CRD
// schemas, then checks the references between the objects. tmplOf maps a file to its
// template, for the messages; it may be nil.
func Check(files []File, tmplOf map[string]string) error {
	schemas, err := crd.Embedded()
	if err != nil {
		return fmt.Errorf("load CRD schemas: %w", err)
	}
	decoded := make([]decodedFile, len(files))
	parallel(len(files), func(i int) { decoded[i] = decodeFile(files[i].Data, schemas) })
	return check(files, decoded, tmplOf)
}

// parallel calls f(0) ... f(n-1) on as many goroutines as there are CPUs, the
// caller's included: rendering and decoding are independent per file and most
// of gen's work. Each goroutine takes the next index from a counter, which
// costs less than handing indexes over a channel.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			f(i)
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// check checks decoded files: the problems found decoding them, the
// kustomization, then the references between the objects.
func check(files []File, decoded []decodedFile, tmplOf map[string]string) error {
	var errs []error
	fail := func(f string, format string, args ...any) {
		where := "out/" + f
		if t, ok := tmplOf[f]; ok {
			where += " (tmpl/" + t + ")"
		}
		errs = append(errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
	}
	ix := newIndex()
	names := map[string]bool{}
	var kust *kustomization
	var kustFile string
	for i, f := range files {
		names[f.Name] = true
		d := decoded[i]
		for _, p := range d.problems {
			fail(f.Name, "%s", p)
		}
		switch o := d.obj.(type) {
		case nil:
		case *kustomization:
			kust, kustFile = o, f.Name
		default:
			ix.add(f.Name, o)
		}
	}
	if kust == nil {
		errs = append(errs, errors.New("out/kustomization.yaml is missing"))
	} else {
		for _, r := range kust.Resources {
			if !names[r] {
				fail(kustFile, "lists %s, which is not generated", r)
			}
			if strings.HasPrefix(r, ApplicationDir+"/") {
				fail(kustFile, "lists %s: the Argo CD Application must not manage itself", r)
			}
		}
		for _, f := range files {
			if f.Name != kustFile && !strings.HasPrefix(f.Name, ApplicationDir+"/") && !slices.Contains(kust.Resources, f.Name) {
				fail(kustFile, "does not list %s", f.Name)
			}
		}
	}
	if len(errs) > 0 {
		// References between objects that did not decode would only repeat the problem.
		return errors.Join(errs...)
	}
	for _, e := range ix.crossCheck() {
		fail(e.file, "%s", e.msg)
	}
	return errors.Join(errs...)
}

// decodedFile is the outcome of decoding one file: its typed object (nil for custom
// resources and on failure) and its problems.
type decodedFile struct {
	obj      any
	problems []string
}

// decodeFile decodes a file strictly into its type (sigs.k8s.io/yaml's
// UnmarshalStrict: an unknown field, a repeated key or a mistyped value is a
// problem), or checks it against its CRD's schema.
func decodeFile(data []byte, schemas crd.Schemas) decodedFile {
	var d decodedFile
	fail := func(format string, args ...any) { d.problems = append(d.problems, fmt.Sprintf(format, args...)) }
	if bytes.Contains(data, []byte("creationTimestamp")) || bytes.Contains(data, []byte("\nstatus:")) {
		fail("has creationTimestamp or status: only the cluster writes them")
	}
	var tm typeMetaFields
	if err := yaml.Unmarshal(data, &tm); err != nil {
		fail("not valid YAML: %v", err)
		return d
	}
	key := tm.APIVersion + " " + tm.Kind
	switch {
	case tm.Kind == "Kustomization":
		k := new(kustomization)
		if err := yaml.UnmarshalStrict(data, k); err != nil {
			fail("decode Kustomization: %v", err)
			return d
		}
		d.obj = k
	case typed[key] != nil:
		obj := typed[key]()
		if err := yaml.UnmarshalStrict(data, obj); err != nil {
			fail("decode %s: %v", tm.Kind, err)
			return d
		}
		d.obj = obj
	case schemas.Has(tm.APIVersion, tm.Kind):
		var obj map[string]any
		if err := yaml.UnmarshalStrict(data, &obj); err != nil {
			fail("decode %s: %v", tm.Kind, err)
			return d
		}
		for _, e := range schemas.Validate(obj) {
			fail("%s does not match its CRD: %v", tm.Kind, e)
		}
	default:
		fail("unknown kind %q of apiVersion %q: add its type to render's checks", tm.Kind, tm.APIVersion)
	}
	return d
}

type typeMetaFields struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// workload is a pod template and where it comes from.
type workload struct {
	file, kind, name, ns string
	pod                  *corev1.PodTemplateSpec
	replicas             int32 // StatefulSet only
	claims               []corev1.PersistentVolumeClaim
	serviceName          string // StatefulSet only
}

type problem struct{ file, msg string }

// index holds the decoded objects for the cross-reference checks.
type index struct {
	workloads  []workload
	services   map[string]*corev1.Service // by namespace/name
	svcFile    map[string]string
	configMaps map[string]bool
	pvs        map[string]*corev1.PersistentVolume
	pvcs       map[string]*corev1.PersistentVolumeClaim
	pvcFile    map[string]string
	ingresses  []fileObj[*networkingv1.Ingress]
	policies   []fileObj[*networkingv1.NetworkPolicy]
	pdbs       []fileObj[*policyv1.PodDisruptionBudget]
	probs      []problem
}

type fileObj[T any] struct {
	file string
	obj  T
}

func newIndex() *index {
	return &index{
		services: map[string]*corev1.Service{}, svcFile: map[string]string{}, configMaps: map[string]bool{},
		pvs: map[string]*corev1.PersistentVolume{}, pvcs: map[string]*corev1.PersistentVolumeClaim{}, pvcFile: map[string]string{},
	}
}

func nsName(ns, name string) string { return ns + "/" + name }

func (ix *index) add(file string, obj any) {
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		ix.configMaps[nsName(o.Namespace, o.Name)] = true
	case *corev1.Service:
		ix.services[nsName(o.Namespace, o.Name)] = o
		ix.svcFile[nsName(o.Namespace, o.Name)] = file
	case *corev1.PersistentVolume:
		ix.pvs[o.Name] = o
	case *corev1.PersistentVolumeClaim:
		ix.pvcs[nsName(o.Namespace, o.Name)] = o
		ix.pvcFile[nsName(o.Namespace, o.Name)] = file
	case *appsv1.Deployment:
		ix.workloads = append(ix.workloads, workload{file: file, kind: "Deployment", name: o.Name, ns: o.Namespace, pod: &o.Spec.Template})
		ix.selects(file, o.Spec.Selector, o.Spec.Template.Labels)
	case *appsv1.StatefulSet:
		r := int32(1)
		if o.Spec.Replicas != nil {
			r = *o.Spec.Replicas
		}
		ix.workloads = append(ix.workloads, workload{file: file, kind: "StatefulSet", name: o.Name, ns: o.Namespace, pod: &o.Spec.Template, replicas: r, claims: o.Spec.VolumeClaimTemplates, serviceName: o.Spec.ServiceName})
		ix.selects(file, o.Spec.Selector, o.Spec.Template.Labels)
	case *batchv1.Job:
		ix.workloads = append(ix.workloads, workload{file: file, kind: "Job", name: o.Name, ns: o.Namespace, pod: &o.Spec.Template})
	case *batchv1.CronJob:
		ix.workloads = append(ix.workloads, workload{file: file, kind: "CronJob", name: o.Name, ns: o.Namespace, pod: &o.Spec.JobTemplate.Spec.Template})
	case *networkingv1.Ingress:
		ix.ingresses = append(ix.ingresses, fileObj[*networkingv1.Ingress]{file, o})
	case *networkingv1.NetworkPolicy:
		ix.policies = append(ix.policies, fileObj[*networkingv1.NetworkPolicy]{file, o})
	case *policyv1.PodDisruptionBudget:
		ix.pdbs = append(ix.pdbs, fileObj[*policyv1.PodDisruptionBudget]{file, o})
	}
}

// selects checks that a workload's selector matches its own pod template.
func (ix *index) selects(file string, sel *metav1.LabelSelector, labels map[string]string) {
	if sel == nil || len(sel.MatchLabels) == 0 {
		ix.probs = append(ix.probs, problem{file, "has no selector"})
		return
	}
	if !subset(sel.MatchLabels, labels) {
		ix.probs = append(ix.probs, problem{file, "selector does not match its own pod template"})
	}
}

func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// matching returns the long-running workloads (Deployments, StatefulSets) in ns
// whose pods the selector selects. A StatefulSet's per-pod label
// statefulset.kubernetes.io/pod-name counts when it names one of its ordinals.
func (ix *index) matching(ns string, sel map[string]string, withJobs bool) []workload {
	var out []workload
	for _, w := range ix.workloads {
		if w.ns != ns || (!withJobs && (w.kind == "Job" || w.kind == "CronJob")) {
			continue
		}
		s := sel
		if pn, ok := sel["statefulset.kubernetes.io/pod-name"]; ok {
			if w.kind != "StatefulSet" || !isOrdinal(pn, w.name, w.replicas) {
				continue
			}
			s = make(map[string]string, len(sel))
			for k, v := range sel {
				if k != "statefulset.kubernetes.io/pod-name" {
					s[k] = v
				}
			}
		}
		if subset(s, w.pod.Labels) {
			out = append(out, w)
		}
	}
	return out
}

func isOrdinal(pod, set string, replicas int32) bool {
	n, err := strconv.Atoi(strings.TrimPrefix(pod, set+"-"))
	return strings.HasPrefix(pod, set+"-") && err == nil && n >= 0 && int32(n) < replicas
}

// declares reports whether some container of pod declares port p (by name or number).
func declares(pod *corev1.PodTemplateSpec, p intstr.IntOrString) bool {
	for _, c := range pod.Spec.Containers {
		if containerDeclares(c, p) {
			return true
		}
	}
	return false
}

func containerDeclares(c corev1.Container, p intstr.IntOrString) bool {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return true
		}
	}
	return false
}

func (ix *index) crossCheck() []problem {
	probs := ix.probs
	add := func(file, format string, args ...any) {
		probs = append(probs, problem{file, fmt.Sprintf(format, args...)})
	}
	for _, w := range ix.workloads {
		for _, c := range w.pod.Spec.Containers {
			for _, pr := range []*corev1.Probe{c.StartupProbe, c.ReadinessProbe, c.LivenessProbe} {
				if pr == nil {
					continue
				}
				var port *intstr.IntOrString
				switch {
				case pr.HTTPGet != nil:
					port = &pr.HTTPGet.Port
				case pr.TCPSocket != nil:
					port = &pr.TCPSocket.Port
				}
				if port != nil && !containerDeclares(c, *port) {
					add(w.file, "container %s probes port %s, which it does not declare", c.Name, port.String())
				}
			}
			for _, ef := range c.EnvFrom {
				if ef.ConfigMapRef != nil && !ix.configMaps[nsName(w.ns, ef.ConfigMapRef.Name)] {
					add(w.file, "container %s reads ConfigMap %s, which is not generated", c.Name, ef.ConfigMapRef.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil && !ix.configMaps[nsName(w.ns, e.ValueFrom.ConfigMapKeyRef.Name)] {
					add(w.file, "container %s reads ConfigMap %s, which is not generated", c.Name, e.ValueFrom.ConfigMapKeyRef.Name)
				}
			}
		}
		for _, v := range w.pod.Spec.Volumes {
			switch {
			case v.ConfigMap != nil && !ix.configMaps[nsName(w.ns, v.ConfigMap.Name)]:
				add(w.file, "volume %s mounts ConfigMap %s, which is not generated", v.Name, v.ConfigMap.Name)
			case v.PersistentVolumeClaim != nil && ix.pvcs[nsName(w.ns, v.PersistentVolumeClaim.ClaimName)] == nil:
				add(w.file, "volume %s mounts claim %s, which is not generated", v.Name, v.PersistentVolumeClaim.ClaimName)
			case v.NFS != nil:
				add(w.file, "volume %s is an inline NFS volume, which the restricted Pod Security Standard forbids", v.Name)
			}
		}
		if w.kind == "StatefulSet" {
			if s := ix.services[nsName(w.ns, w.serviceName)]; s == nil || s.Spec.ClusterIP != corev1.ClusterIPNone {
				add(w.file, "serviceName %q must name a generated headless Service", w.serviceName)
			}
		}
		for _, ct := range w.claims {
			for i := range w.replicas {
				claim := fmt.Sprintf("%s-%s-%d", ct.Name, w.name, i)
				if !ix.hasPVFor(w.ns, claim) {
					add(w.file, "claim %s of ordinal %d has no PersistentVolume bound to it", claim, i)
				}
			}
		}
	}
	for _, key := range sortedKeys(ix.services) {
		s, file := ix.services[key], ix.svcFile[key]
		if len(s.Spec.Selector) == 0 {
			add(file, "has no selector")
			continue
		}
		ws := ix.matching(s.Namespace, s.Spec.Selector, false)
		if len(ws) == 0 {
			add(file, "selector %v matches no pod template", s.Spec.Selector)
		}
		for _, p := range s.Spec.Ports {
			for _, w := range ws {
				if !declares(w.pod, p.TargetPort) {
					add(file, "port %s targets %s, which %s %s does not declare", p.Name, p.TargetPort.String(), w.kind, w.name)
				}
			}
		}
	}
	for _, in := range ix.ingresses {
		// A host served over TLS has its certificate named here; the chat
		// passthrough has none (the chat pod holds it).
		if len(in.obj.Spec.TLS) > 0 {
			var tlsHosts []string
			for _, t := range in.obj.Spec.TLS {
				if t.SecretName == "" {
					add(in.file, "TLS for %v names no Secret", t.Hosts)
				}
				tlsHosts = append(tlsHosts, t.Hosts...)
			}
			for _, r := range in.obj.Spec.Rules {
				if !slices.Contains(tlsHosts, r.Host) {
					add(in.file, "host %s has no TLS certificate", r.Host)
				}
			}
		}
		for _, r := range in.obj.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				sb := p.Backend.Service
				if sb == nil {
					add(in.file, "path %s%s has no Service backend", r.Host, p.Path)
					continue
				}
				s := ix.services[nsName(in.obj.Namespace, sb.Name)]
				if s == nil {
					add(in.file, "path %s%s sends to Service %s, which is not generated", r.Host, p.Path, sb.Name)
					continue
				}
				if !slices.ContainsFunc(s.Spec.Ports, func(sp corev1.ServicePort) bool {
					return (sb.Port.Name != "" && sp.Name == sb.Port.Name) || (sb.Port.Name == "" && sp.Port == sb.Port.Number)
				}) {
					add(in.file, "path %s%s sends to port %d%s of Service %s, which it does not have", r.Host, p.Path, sb.Port.Number, sb.Port.Name, sb.Name)
				}
			}
		}
	}
	for _, key := range sortedKeys(ix.pvcs) {
		c, file := ix.pvcs[key], ix.pvcFile[key]
		pv := ix.pvs[c.Spec.VolumeName]
		switch {
		case c.Spec.VolumeName == "":
			add(file, "has no volumeName: it must bind its NFS PersistentVolume")
		case pv == nil:
			add(file, "binds PersistentVolume %s, which is not generated", c.Spec.VolumeName)
		case pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.Name != c.Name || pv.Spec.ClaimRef.Namespace != c.Namespace:
			add(file, "binds PersistentVolume %s, which is reserved for another claim", pv.Name)
		case c.Spec.StorageClassName == nil || *c.Spec.StorageClassName != "" || pv.Spec.StorageClassName != "":
			add(file, "and PersistentVolume %s must both have storageClassName \"\" (static binding)", pv.Name)
		case !slices.Equal(c.Spec.AccessModes, pv.Spec.AccessModes):
			add(file, "asks for access modes %v, PersistentVolume %s offers %v", c.Spec.AccessModes, pv.Name, pv.Spec.AccessModes)
		default:
			want, have := c.Spec.Resources.Requests[corev1.ResourceStorage], pv.Spec.Capacity[corev1.ResourceStorage]
			if want.Cmp(have) > 0 {
				add(file, "asks for %s, PersistentVolume %s has %s", want.String(), pv.Name, have.String())
			}
		}
	}
	for _, p := range ix.policies {
		sel := p.obj.Spec.PodSelector.MatchLabels
		if len(sel) == 0 {
			continue // the whole namespace
		}
		ws := ix.matching(p.obj.Namespace, sel, true)
		if len(ws) == 0 && sel["acme.cert-manager.io/http01-solver"] == "" {
			add(p.file, "podSelector %v matches no pod template", sel)
		}
		for _, r := range p.obj.Spec.Ingress {
			for _, port := range r.Ports {
				if port.Port == nil || port.Port.Type != intstr.String {
					continue
				}
				for _, w := range ws {
					if !declares(w.pod, *port.Port) {
						add(p.file, "allows port %s, which %s %s does not declare", port.Port.StrVal, w.kind, w.name)
					}
				}
			}
			for _, from := range r.From {
				if from.PodSelector != nil && from.NamespaceSelector == nil && len(ix.matching(p.obj.Namespace, from.PodSelector.MatchLabels, true)) == 0 {
					add(p.file, "allows pods %v, which match no pod template", from.PodSelector.MatchLabels)
				}
			}
		}
	}
	for _, p := range ix.pdbs {
		if p.obj.Spec.Selector == nil || len(ix.matching(p.obj.Namespace, p.obj.Spec.Selector.MatchLabels, false)) == 0 {
			add(p.file, "selector matches no pod template")
		}
	}
	return probs
}

func (ix *index) hasPVFor(ns, claim string) bool {
	for _, pv := range ix.pvs {
		if pv.Spec.ClaimRef != nil && pv.Spec.ClaimRef.Namespace == ns && pv.Spec.ClaimRef.Name == claim {
			return true
		}
	}
	return false
}
