package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // wrong arguments
)

// DefaultData is the data directory when --data is not given.
const DefaultData = "./lixiangd-data"

// dbFile is the database's file name inside the data directory.
const dbFile = "lixiangd.db"

const usage = `用法 (usage):
  lixiangd serve [--data DIR] [--addr 127.0.0.1:8750] [--tls-cert FILE --tls-key FILE]
      运行服务器（默认只监听本机）；首次启动导入演示组织
      run the server (loopback unless told otherwise); the first start imports the demo organisation
  lixiangd user create --login L --name N --roles sales,pm [--region north] [--id ID] --password-stdin [--data DIR]
      新建用户，密码从标准输入读取 (add a user; the password is read from standard input)
  lixiangd user reset-password LOGIN --password-stdin [--data DIR]
      重设密码并注销该用户的所有登录 (set a new password and sign the user out everywhere)
  lixiangd org import FILE [--data DIR]
      检查并导入组织目录文件（用户新增或更新，版本号加一） (check and import an organisation file)
  lixiangd org export [-o FILE] [--data DIR]
      导出组织目录（默认写到标准输出） (export the organisation directory; standard output by default)
  lixiangd import [--data DIR] [--as ADMIN_LOGIN] [--files DIR] [FILE...]
      把交换文件（lixiang.projects/v1，docs/interchange.md）中的项目直接导入服务器，以各自的申请人为准（迁移 PMIS 记录）。
      每个文件全部导入或全部不导入：任何一个项目有错误，该文件一个也不导入；服务器上已有的项目（同一 ID）跳过，不覆盖，
      所以重复导入不会产生重复项目。记录中的用户、区域、用户组须已在服务器的组织目录中。以 --as 指定的系统管理员身份记入日志
      （默认目录中唯一的管理员）。有被拒绝的文件时退出状态为 1。
      import interchange files straight into the server, each project for its own applicant (PMIS migration).
      Each file goes in whole or not at all: one record with an error and nothing of that file is imported;
      a project the server has already (same id) is skipped, never overwritten, so importing again adds nothing.
      The people, regions and groups the records name must be in the server's directory. Journaled as the
      administrator --as names (default: the directory's one admin). Exit status 1 when a file was refused.
      --files DIR：再把 DIR 下的附件文件（或单个文件）存入服务器：SHA-256 和大小与服务器上项目引用的附件相符的文件
      按上传的方式校验后存入（同一文件只存一份），其余报告为未使用、不存；最后按项目列出仍缺少的附件。重复运行不会重复存入。
      有 --files 时可以不给交换文件。附件文件大小不符或无法读取时退出状态为 1。
      --files DIR: then store the attachment files under DIR (or one file) on the server: a file whose SHA-256 and
      size are those of an attachment a project on the server refers to is verified and stored as an upload is
      (identical files once); the others are reported as unused and not stored; the attachments still missing
      are listed by project. Running again stores nothing twice. With --files the interchange files may be
      left out. Exit status 1 when an attachment file has the wrong size or cannot be read.
`

// env is what a command reads from and writes to.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	base           *slog.Logger // for the server, which adds its own component
	log            *slog.Logger // component=lixiangd
}

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	base := slog.New(slog.NewTextHandler(stderr, nil))
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, base: base, log: base.With("component", "lixiangd")}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return e.serve(ctx, rest)
	case "user":
		return e.user(ctx, rest)
	case "org":
		return e.org(ctx, rest)
	case "import":
		return e.importFiles(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "未知命令：%s (unknown command: %s)\n\n%s", cmd, cmd, usage)
		return exitUsage
	}
}

// parse parses flags that may come before or after the positional
// arguments (Go's flag package stops at the first positional one) and
// returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("lixiangd "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, usage) }
	return fs
}

// fail reports err in both languages and returns exitError.
func (e *env) fail(what string, err error) int {
	var de *domain.Error
	var ps domain.Problems
	switch {
	case errors.As(err, &ps):
		fmt.Fprintf(e.stderr, "%s失败：内容有误 (%s failed: invalid content)\n", what, what)
		for _, p := range ps {
			fmt.Fprintf(e.stderr, "  %s: %s (%s)\n", p.Path, p.Message, p.English)
		}
	case errors.As(err, &de):
		fmt.Fprintf(e.stderr, "%s失败：%s (%s)\n", what, de.Message, de.English)
	default:
		fmt.Fprintf(e.stderr, "%s失败 (failed): %v\n", what, err)
	}
	return exitError
}

// openDB opens (creating) the database in dir.
func openDB(ctx context.Context, dir string) (*sqlite.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	return sqlite.Open(ctx, filepath.Join(dir, dbFile))
}

// readPassword reads one line from standard input, without its line end.
func (e *env) readPassword() (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", domain.Errorf(domain.EINVALID, "未能从标准输入读到密码", "no password on standard input")
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", domain.Errorf(domain.EINVALID, "密码不能为空", "the password must not be empty")
	}
	return pw, nil
}
