package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"lixiang/assets"
	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/sqlite"
)

// DefaultAddr is where the server listens unless --addr says otherwise:
// this machine only.
const DefaultAddr = "127.0.0.1:8750"

// demoPasswordEnv overrides the demo users' password on first start.
const demoPasswordEnv = "LIXIANGD_DEMO_PASSWORD"

// shutdownGrace is how long requests in flight may finish on shutdown.
const shutdownGrace = 30 * time.Second

func (e *env) serve(ctx context.Context, args []string) int {
	fs := e.flags("serve")
	data := fs.String("data", DefaultData, "数据目录 (data directory)")
	addr := fs.String("addr", DefaultAddr, "监听地址 (listen address)")
	certFile := fs.String("tls-cert", "", "TLS 证书文件 (TLS certificate, PEM)")
	keyFile := fs.String("tls-key", "", "TLS 私钥文件 (TLS private key, PEM)")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		if err == nil {
			fmt.Fprintf(e.stderr, "多余的参数：%v (unexpected arguments)\n", pos)
		}
		return exitUsage
	}
	if (*certFile == "") != (*keyFile == "") {
		fmt.Fprintln(e.stderr, "--tls-cert 与 --tls-key 须同时给出 (give both --tls-cert and --tls-key)")
		return exitUsage
	}
	if err := e.runServer(ctx, *data, *addr, *certFile, *keyFile); err != nil {
		return e.fail("运行服务器", err)
	}
	return exitOK
}

// seedDemo imports the demo organisation into an empty database and gives
// every demo user the password "demo" (or LIXIANGD_DEMO_PASSWORD), saying
// so in a warning.
func (e *env) seedDemo(ctx context.Context, db *sqlite.DB) error {
	org, err := domain.ParseOrg(assets.DemoOrgJSON)
	if err != nil {
		return fmt.Errorf("demo org: %w", err)
	}
	password, fromEnv := os.LookupEnv(demoPasswordEnv)
	if !fromEnv || password == "" {
		password, fromEnv = "demo", false
	}
	hash, err := server.HashPassword(password)
	if err != nil {
		return err
	}
	seeded, err := server.Seed(ctx, db, org, hash, time.Now())
	if err != nil || !seeded {
		return err
	}
	which := `"demo"`
	if fromEnv {
		which = demoPasswordEnv
	}
	e.log.Warn("首次启动：已导入演示组织，所有演示用户的密码为 "+which+"，请用 lixiangd org import 导入正式组织并用 lixiangd user reset-password 重设密码 "+
		"(first start: the demo organisation was imported and every demo user's password is "+which+"; import the real one and reset the passwords)",
		"users", len(org.Users), "db", db.Path())
	return nil
}

func (e *env) runServer(ctx context.Context, data, addr, certFile, keyFile string) error {
	db, err := openDB(ctx, data)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := e.seedDemo(ctx, db); err != nil {
		return err
	}
	handler := server.New(db, server.WithLogger(e.base))
	useTLS := certFile != ""
	var tlsConfig *tls.Config
	if useTLS {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		TLSConfig:         tlsConfig,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !useTLS && !net.ParseIP(host).IsLoopback() {
		e.log.Warn("未启用 TLS 却监听非本机地址：令牌和密码将明文传输 (serving without TLS on a non-loopback address: tokens and passwords travel in clear)")
	}
	e.log.Info("listening", "addr", ln.Addr().String(), "tls", useTLS, "data", data)
	served := make(chan error, 1)
	go func() {
		if useTLS {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	e.log.Info("shutting down", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	e.log.Info("stopped")
	return nil
}
