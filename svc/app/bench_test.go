package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kin-social/kin/svc/app/account"
)

// BenchmarkMe measures an authenticated GET /api/v1/me through the whole
// stack — the platform's middleware, the session lookup and the user's row
// in the real database — over a loopback socket. BenchmarkHello measures a
// bare net/http handler the same way, as the baseline of the machine, the
// client and the socket.
func BenchmarkMe(b *testing.B) {
	a, base := startApp(b)
	ctx := context.Background()
	u, err := a.accounts.Register(ctx, account.Registration{Email: "bench@example.org", Password: "long enough", DisplayName: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	sess, err := a.sessions.Create(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, base+"/api/v1/me", "sessid="+sess.Token)
}

func BenchmarkHello(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	}))
	defer srv.Close()
	benchGet(b, srv.URL+"/", "")
}

// benchGet sends b.N GETs from several goroutines over kept-alive
// connections, failing on any answer but 200, and reports requests per
// second.
func benchGet(b *testing.B, url, cookie string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	b.SetParallelism(4) // 4 clients per core keep the server busy
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequest("GET", url, nil)
			if err != nil {
				b.Error(err)
				return
			}
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: %s", url, resp.Status)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
