// Command lixiangd is the central server of 立项通: one binary on an
// embedded SQLite database in a data directory, with admin subcommands.
//
//	lixiangd serve [--data DIR] [--addr 127.0.0.1:8750] [--tls-cert FILE --tls-key FILE]
//	lixiangd user create --login L --name N --roles sales,pm [--region north] --password-stdin [--data DIR]
//	lixiangd user reset-password LOGIN --password-stdin [--data DIR]
//	lixiangd org import FILE [--data DIR]
//	lixiangd org export [-o FILE] [--data DIR]
//	lixiangd import [--data DIR] [--as ADMIN_LOGIN] [--files DIR] [FILE...]
//
// main only wires: a context cancelled by SIGINT or SIGTERM (the server
// then shuts down gracefully) and the process's standard streams.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
