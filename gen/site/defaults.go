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

	for _, info := range Registry {
		if info.spec != nil {
			defPart(info.spec(&s.Parts), info.Replicas, info.Port, info.Resources)
		}
	}
	p := &s.Parts
	cron, _ := LookupPart("cron")
	defResources(&p.Cron.Resources, cron.Resources)
	def(&p.Cron.Deadline, "10m")
	def(&p.Cron.TimeZone, "Etc/UTC")
	if p.Cron.Tasks == nil { // absent; an explicit empty list means no tasks
		p.Cron.Tasks = []CronTask{
			{Name: "prune-media", Schedule: "30 3 * * *"},
			{Name: "purge-notifications", Schedule: "15 4 * * *"},
		}
	}
	migrate, _ := LookupPart("migrate")
	defResources(&p.Migrate.Resources, migrate.Resources)
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
