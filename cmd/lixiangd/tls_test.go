package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/domain/sqlite"
	"lixiang/sync/client"
	"lixiang/sync/server/servertest"
)

// TestSyncOverTLS (issue 6): lixiangd serves TLS with a certificate made
// for the test; the real sync engine of two desktops, trusting that
// certificate, signs in, pushes a project from one and pulls it on the
// other over https, with its attachment. A desktop that does not trust the certificate, one
// that reaches the server by a name the certificate does not carry, and
// one that offers only TLS 1.1 are refused before anything is sent.
func TestSyncOverTLS(t *testing.T) {
	certFile, keyFile, cert := selfSigned(t)
	addr, log, stop := serveInBackground(t, "--data", t.TempDir(), "--tls-cert", certFile, "--tls-key", keyFile)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	trusting := func(cfg *tls.Config) client.Option {
		return client.WithTransport(func(rt http.RoundTripper) http.RoundTripper {
			tr, ok := rt.(*http.Transport)
			if !ok {
				t.Fatalf("the engine's transport is a %T", rt)
			}
			tr.TLSClientConfig = cfg
			return tr
		})
	}
	url := "https://" + addr

	laptop, eng := desktop(t, url, trusting(&tls.Config{RootCAs: pool}))
	lr, err := eng.Login(t.Context(), "zhangwei", "demo")
	if err != nil {
		t.Fatalf("sign-in over TLS: %v\n%s", err, log.String())
	}
	p := servertest.NewProject(t, lr.User, servertest.Registration(domain.KindSaaS, ""), time.Now())
	if sha, err := laptop.PutAttachment(t.Context(), []byte("test")); err != nil || sha != servertest.PresalesSHA {
		t.Fatalf("attachment %s, %v", sha, err)
	}
	if _, err := laptop.SaveProject(t.Context(), lr.User.ID, p); err != nil {
		t.Fatal(err)
	}
	if _, err := laptop.Apply(t.Context(), p.ID, domain.Command{Action: domain.ActSubmit}, lr.User, mustOrg(t, laptop)); err != nil {
		t.Fatal(err)
	}
	rep, err := eng.SyncOnce(t.Context())
	if err != nil || rep.Pushed != 2 || rep.Uploaded != 1 || rep.BytesSent == 0 {
		t.Fatalf("sync over TLS: %+v, %v", rep, err)
	}
	desk, eng2 := desktop(t, url, trusting(&tls.Config{RootCAs: pool}))
	if _, err := eng2.Login(t.Context(), "zhangwei", "demo"); err != nil {
		t.Fatal(err)
	}
	if rep, err := eng2.SyncOnce(t.Context()); err != nil || rep.Pulled != 1 {
		t.Fatalf("pull over TLS: %+v, %v", rep, err)
	}
	got, err := desk.Project(t.Context(), p.ID)
	if err != nil || got.Status != domain.StatusSubmitted || !strings.HasPrefix(got.Number, "SSDJ-") {
		t.Fatalf("pulled over TLS: %+v, %v", got, err)
	}

	for _, tt := range []struct {
		name string
		url  string
		opts []client.Option
		want string
	}{
		{"a desktop that does not trust the certificate", url, nil, "certificate"},
		{"a name the certificate does not carry", strings.Replace(url, "127.0.0.1", "localhost", 1),
			[]client.Option{trusting(&tls.Config{RootCAs: pool})}, "certificate"},
		{"TLS 1.1 only", url, []client.Option{trusting(&tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11})}, "version"},
		{"plain HTTP to the TLS port", "http://" + addr, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, eng := desktop(t, tt.url, tt.opts...)
			_, err := eng.Login(t.Context(), "zhangwei", "demo")
			if err == nil {
				t.Fatal("signed in")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if code := stop(); code != exitOK {
		t.Fatalf("serve exited with %d: %s", code, log.String())
	}
}

func mustOrg(t *testing.T, st *sqlite.Store) *domain.Org {
	t.Helper()
	org, err := st.Org(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// desktop is a real desktop store in a temp directory with a sync engine
// for the server at url.
func desktop(t *testing.T, url string, opts ...client.Option) (*sqlite.Store, *client.Engine) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "lixiang.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, client.New(st, url, append([]client.Option{client.WithLogger(quiet), client.WithTimeout(10 * time.Second)}, opts...)...)
}
