package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

// runCmd runs the command line with stdin and returns the exit status and
// what it wrote.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// login signs in against the data directory's database through the real
// handler and returns the HTTP status.
func login(t *testing.T, data, name, password string) int {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(data, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hs := httptest.NewServer(server.New(db, server.WithLogger(quiet)))
	defer hs.Close()
	body, _ := json.Marshal(wire.LoginRequest{Login: name, Password: password})
	resp, err := http.Post(hs.URL+wire.PathLogin, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// seeded is a data directory with the demo organisation, every user's
// password "demo", as the first start of serve leaves it.
func seeded(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	db, err := openDB(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := (&env{stderr: io.Discard, log: quiet}).seedDemo(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	return data
}

var quiet = slog.New(slog.DiscardHandler)

func TestUserCreateAndResetPassword(t *testing.T) {
	data := seeded(t)
	code, out, stderr := runCmd(t, "s3cret-1\n", "user", "create", "--login", "qianyi", "--name", "钱一",
		"--roles", "sales,presales", "--region", "north", "--password-stdin", "--data", data)
	if code != exitOK || !strings.Contains(out, "u-qianyi") {
		t.Fatalf("user create: %d %q %q", code, out, stderr)
	}
	if got := login(t, data, "qianyi", "s3cret-1"); got != http.StatusOK {
		t.Fatalf("login with the new password: %d", got)
	}
	code, _, stderr = runCmd(t, "s3cret-2\r\n", "user", "reset-password", "qianyi", "--password-stdin", "--data", data)
	if code != exitOK {
		t.Fatalf("reset-password: %d %s", code, stderr)
	}
	if got := login(t, data, "qianyi", "s3cret-1"); got != http.StatusUnauthorized {
		t.Fatalf("old password after reset: %d", got)
	}
	if got := login(t, data, "qianyi", "s3cret-2"); got != http.StatusOK {
		t.Fatalf("new password after reset: %d", got)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		say   string
	}{
		{"login taken", "pw\n", []string{"user", "create", "--login", "QianYi", "--name", "x", "--roles", "sales", "--password-stdin"}, exitError, "登录名已存在"},
		{"unknown role", "pw\n", []string{"user", "create", "--login", "x1", "--name", "x", "--roles", "king", "--password-stdin"}, exitError, "未知角色"},
		{"unknown region", "pw\n", []string{"user", "create", "--login", "x2", "--name", "x", "--roles", "sales", "--region", "west", "--password-stdin"}, exitError, "未知区域"},
		{"password on the command line", "", []string{"user", "create", "--login", "x3", "--name", "x", "--roles", "sales"}, exitUsage, "--password-stdin"},
		{"no password on stdin", "", []string{"user", "create", "--login", "x4", "--name", "x", "--roles", "sales", "--password-stdin"}, exitError, "密码"},
		{"reset unknown user", "pw\n", []string{"user", "reset-password", "nobody", "--password-stdin"}, exitError, "没有此用户"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tt.stdin, append(tt.args, "--data", data)...)
			if code != tt.code || !strings.Contains(stderr, tt.say) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, tt.code, stderr, tt.say)
			}
		})
	}
}

func TestOrgImportExport(t *testing.T) {
	empty := t.TempDir()
	code, out, stderr := runCmd(t, "", "org", "import", filepath.Join("..", "..", "assets", "org", "demo-org.json"), "--data", empty)
	if code != exitOK || !strings.Contains(out, "21 位用户") || !strings.Contains(out, "版本 1") {
		t.Fatalf("import into an empty database: %d %q %q", code, out, stderr)
	}
	data := seeded(t)
	file := filepath.Join(t.TempDir(), "org.json")
	code, _, stderr = runCmd(t, "", "org", "export", "-o", file, "--data", data)
	if code != exitOK {
		t.Fatalf("export: %d %s", code, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	org, err := domain.ParseOrg(b)
	if err != nil {
		t.Fatalf("the export does not read back: %v", err)
	}
	if org.Version != 1 || len(org.Users) != 21 {
		t.Fatalf("exported version %d, %d users", org.Version, len(org.Users))
	}
	org.Users = append(org.Users, domain.User{ID: "u-sunyi", Login: "sunyi", Name: "孙一", Region: "south", Roles: []domain.Role{domain.RolePM}})
	org.Users[1].Name = "张伟（北）"
	b, _ = json.Marshal(org)
	os.WriteFile(file, b, 0o644)
	code, out, stderr = runCmd(t, "", "org", "import", file, "--data", data)
	if code != exitOK || !strings.Contains(out, "版本 2") {
		t.Fatalf("import: %d %q %q", code, out, stderr)
	}
	code, out, _ = runCmd(t, "", "org", "export", "--data", data)
	if code != exitOK || !strings.Contains(out, `"u-sunyi"`) || !strings.Contains(out, "张伟（北）") || !strings.Contains(out, `"version": 2`) {
		t.Fatalf("export after import: %d %s", code, out)
	}
	// Existing users keep their passwords; the new one has none yet.
	if got := login(t, data, "zhangwei", "demo"); got != http.StatusOK {
		t.Fatalf("existing user after import: %d", got)
	}
	if got := login(t, data, "sunyi", "demo"); got != http.StatusUnauthorized {
		t.Fatalf("new user without a password: %d", got)
	}
	// An invalid file is refused with every problem, nothing imported.
	org.Regions[0].SpecialLeader = "u-nobody"
	org.Users = append(org.Users, org.Users[0])
	b, _ = json.Marshal(org)
	os.WriteFile(file, b, 0o644)
	code, _, stderr = runCmd(t, "", "org", "import", file, "--data", data)
	if code != exitError || !strings.Contains(stderr, "regions[0].special_leader") || !strings.Contains(stderr, "用户 ID 重复") {
		t.Fatalf("invalid import: %d %s", code, stderr)
	}
	code, out, _ = runCmd(t, "", "org", "export", "--data", data)
	if !strings.Contains(out, `"version": 2`) {
		t.Fatal("an invalid import changed the directory")
	}
}

var listening = regexp.MustCompile(`msg=listening .*addr=(\S+)`)

// serveInBackground runs "lixiangd serve args…" until the test ends and
// returns the address it listens on, the log and a function that stops it
// (SIGINT-like cancel) and returns the exit status.
func serveInBackground(t *testing.T, args ...string) (addr string, log *servertest.LogBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log = &servertest.LogBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), log, log)
	}()
	stopped := false
	stop = func() int {
		if stopped {
			return -1
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(40 * time.Second):
			t.Fatal("the server did not stop")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(log.String()); m != nil {
			return m[1], log, stop
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not listen: %s", log.String())
	return "", nil, nil
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// and returns their files and the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "lixiangd test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile, cert
}

// TestServeTLS: with a certificate and key the server speaks only TLS; a
// client trusting the certificate signs in with the demo password it
// seeded on first start; cancelling stops it gracefully.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, cert := selfSigned(t)
	data := t.TempDir()
	addr, log, stop := serveInBackground(t, "--data", data, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.Contains(log.String(), "tls=true") || !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "demo") {
		t.Fatalf("log: %s", log.String())
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	body, _ := json.Marshal(wire.LoginRequest{Login: "lina", Password: "demo"})
	resp, err := client.Post("https://"+addr+wire.PathLogin, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("login over TLS: %s", resp.Status)
	}
	if resp, err := http.Get("http://" + addr + wire.PathHealth); err == nil && resp.StatusCode == http.StatusOK {
		t.Fatal("plain HTTP answered on the TLS port")
	}
	if code := stop(); code != exitOK {
		t.Fatalf("serve exited with %d: %s", code, log.String())
	}
	if !strings.Contains(log.String(), "msg=stopped") {
		t.Fatalf("no graceful stop in the log: %s", log.String())
	}
}

// TestServeDemoPasswordFromEnv: LIXIANGD_DEMO_PASSWORD replaces "demo" on
// first start and never appears in the log; a second start seeds nothing.
func TestServeDemoPasswordFromEnv(t *testing.T) {
	t.Setenv(demoPasswordEnv, "Env-Pa55word")
	data := t.TempDir()
	_, log, stop := serveInBackground(t, "--data", data)
	if code := stop(); code != exitOK {
		t.Fatalf("serve: %d %s", code, log.String())
	}
	if strings.Contains(log.String(), "Env-Pa55word") || !strings.Contains(log.String(), demoPasswordEnv) {
		t.Fatalf("log: %s", log.String())
	}
	if got := login(t, data, "lina", "Env-Pa55word"); got != http.StatusOK {
		t.Fatalf("login with the password from the environment: %d", got)
	}
	if got := login(t, data, "lina", "demo"); got != http.StatusUnauthorized {
		t.Fatalf("login with demo: %d", got)
	}
	_, log, stop = serveInBackground(t, "--data", data)
	stop()
	if strings.Contains(log.String(), "level=WARN") {
		t.Fatalf("a second start warned again: %s", log.String())
	}
}

func TestServeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--tls-cert", "x.pem"},
		{"serve", "extra"},
		{"frobnicate"},
		{},
	} {
		if code, _, _ := runCmd(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
