package site

import "k8s.io/apimachinery/pkg/util/validation"

// Default fills every field left empty with its default. Parse calls it before
// Validate; it is idempotent.
func (s *Site) Default() {
	// Hosts derive from a valid domain only: an invalid one is reported once, as domain.
	if s.Domain != "" && len(validation.IsDNS1123Subdomain(s.Domain)) == 0 {
		def(&s.Hosts.Site, s.Domain)
		def(&s.Hosts.Admin, "admin."+s.Domain)
		def(&s.Hosts.Adminer, "adminer."+s.Domain)
		def(&s.Hosts.Chat, "chat."+s.Domain)
	}
	def(&s.Namespace, "kin")

	def(&s.Images.Repository, "ghcr.io/kin-social/kin")
	def(&s.Images.PullPolicy, "IfNotPresent")
	def(&s.Images.DB, "mysql:8.4")
	def(&s.Images.Adminer, "adminer:5.3.0")

	small := Resources{
		Requests: ResourceList{CPU: "50m", Memory: "64Mi"},
		Limits:   ResourceList{CPU: "500m", Memory: "256Mi"},
	}
	// app hashes passwords with argon2id (19 MiB each, bounded by a semaphore) and
	// upload re-encodes pictures: both need more memory than the other parts.
	large := Resources{
		Requests: ResourceList{CPU: "100m", Memory: "128Mi"},
		Limits:   ResourceList{CPU: "1", Memory: "512Mi"},
	}
	p := &s.Parts
	defPart(&p.Frontend, 2, 8080, small)
	defPart(&p.Captcha, 1, 8080, small)
	defPart(&p.App, 2, 8080, large)
	defPart(&p.Chat, 2, 8080, small)
	defPart(&p.Upload, 2, 8080, large)
	defPart(&p.Admin, 1, 8080, small)
	defPart(&p.Domainname, 2, 8080, small)
	defPart(&p.Listing, 1, 8080, small)
	defPart(&p.DB, 1, 3306, Resources{
		Requests: ResourceList{CPU: "250m", Memory: "512Mi"},
		Limits:   ResourceList{CPU: "2", Memory: "2Gi"},
	})
	defPart(&p.Adminer, 1, 8080, small)
	defResources(&p.Cron.Resources, small)
	def(&p.Cron.Deadline, "10m")
	def(&p.Cron.TimeZone, "Etc/UTC")
	if p.Cron.Tasks == nil { // absent; an explicit empty list means no tasks
		p.Cron.Tasks = []CronTask{
			{Name: "prune-media", Schedule: "30 3 * * *"},
			{Name: "purge-notifications", Schedule: "15 4 * * *"},
		}
	}
	defResources(&p.Migrate.Resources, small)
	def(&p.Migrate.Deadline, "10m")

	def(&s.Volumes.Media.Size, "100Gi")
	def(&s.Volumes.DB.Size, "20Gi")

	def(&s.Ingress.Class, "nginx")
	def(&s.Ingress.Issuer, "letsencrypt")
	def(&s.Ingress.UploadBodySize, "64m")
	def(&s.Ingress.Chat, ChatPassthrough)
	if s.Ingress.ChatPort == 0 {
		s.Ingress.ChatPort = 5443
	}
	def(&s.Ingress.ControllerNamespace, "ingress-nginx")
	def(&s.Ingress.TCPServicesConfigMap, "tcp-services")
	if s.Ingress.AdminerAllow == nil {
		s.Ingress.AdminerAllow = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}
	}

	def(&s.DB.Mode, DBDeployment)
	def(&s.DB.Name, "kin")
	def(&s.DB.User, "kin")

	def(&s.Listing.Interval, "30m")

	def(&s.Secrets.DB, "kin-db")
	def(&s.Secrets.DBRoot, "kin-db-root")
	def(&s.Secrets.ChatTLS, "chat-tls")

	def(&s.ArgoCD.Revision, "main")
	def(&s.ArgoCD.Path, "out")
	def(&s.ArgoCD.Namespace, "argocd")
	def(&s.ArgoCD.Project, "default")
}

func def(v *string, d string) {
	if *v == "" {
		*v = d
	}
}

func defPart(p *Part, replicas, port int32, r Resources) {
	if p.Replicas == nil {
		p.Replicas = &replicas
	}
	if p.Port == 0 {
		p.Port = port
	}
	defResources(&p.Resources, r)
}

func defResources(r *Resources, d Resources) {
	def(&r.Requests.CPU, d.Requests.CPU)
	def(&r.Requests.Memory, d.Requests.Memory)
	def(&r.Limits.CPU, d.Limits.CPU)
	def(&r.Limits.Memory, d.Limits.Memory)
}
