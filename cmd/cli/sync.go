package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"lixiang/domain"
	"lixiang/sync/client"
)

// runSync is "sync [--server URL] [--login LOGIN --password-stdin] [--data
// DIR] [-v]": one pass of the sync engine (attachments, the outbox, the
// server's changes, the organisation directory), then a summary. It
// signs in first when --login is given, reading the password from the
// first line of standard input (never from the command line, where other
// users could see it). The server's URL is remembered after the first
// successful use. Exit status 0 when the pass completed, 1 when the server
// could not be reached, refused the sign-in or the pass failed.
func runSync(ctx context.Context, e *env, v verb, args []string) int {
	flags := newFlagSet(v)
	server := flags.String("server", "", "服务器地址 `URL`，如 https://lixiang.example.com（首次成功后记住） (the server's URL; remembered after the first success)")
	login := flags.String("login", "", "先以此登录名登录 `LOGIN`，密码从标准输入读取 (sign in first as LOGIN; the password is read from standard input)")
	pwStdin := flags.Bool("password-stdin", false, "从标准输入的第一行读取密码 (read the password from the first line of standard input)")
	data := flags.String("data", "", "本地数据目录 `DIR`（默认 $LIXIANG_DATA 或用户配置目录） (the local data directory)")
	verbose := flags.Bool("v", false, "在标准错误上输出同步日志 (log the sync on standard error)")
	pos, err := parseArgs(flags, args)
	if err != nil {
		return flagError(e, v, flags, err)
	}
	if len(pos) > 0 {
		return usageError(e, v, fmt.Sprintf("多余的参数“%s”", pos[0]), fmt.Sprintf("unexpected argument %q", pos[0]))
	}
	if (*login != "") != *pwStdin {
		return usageError(e, v, "--login 与 --password-stdin 须一起使用（密码从标准输入读取）",
			"--login and --password-stdin go together (the password is read from standard input)")
	}
	if *server != "" {
		if msg, ok := checkServerURL(*server); !ok {
			return usageError(e, v, "服务器地址“"+*server+"”无效："+msg, "bad server URL "+*server)
		}
	}
	var password string
	if *pwStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return usageError(e, v, "无法读取标准输入中的密码", "cannot read the password from standard input")
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return usageError(e, v, "标准输入中没有密码", "no password on standard input")
		}
	}

	if *server == "" && !hasStore(*data) {
		return usageError(e, v, "尚未设置服务器地址：首次同步请用 --server URL", "no server is set: give --server URL the first time")
	}
	ws, err := openWorkspace(ctx, *data)
	if err != nil {
		fmt.Fprintf(e.stderr, "无法打开本地数据 (cannot open the local store): %s\n", errorLine(err))
		return ExitUsage
	}
	defer ws.Close()
	base := *server
	if base == "" {
		base, err = ws.Store.Meta(ctx, client.MetaServer)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && base == "") {
			return usageError(e, v, "尚未设置服务器地址：首次同步请用 --server URL", "no server is set: give --server URL the first time")
		}
		if err != nil {
			fmt.Fprintln(e.stderr, errorLine(err))
			return ExitUsage
		}
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	}
	eng := client.New(ws.Store, base, client.WithLogger(logger))

	if *login != "" {
		resp, err := eng.Login(ctx, *login, password)
		if err != nil {
			if client.IsOffline(err) || domain.ErrorCode(err) == domain.EINTERNAL {
				fmt.Fprintf(e.stdout, "登录失败：无法连接服务器 %s (sign-in failed: the server cannot be reached)\n  %s\n", base, oneLine(err.Error()))
			} else {
				fmt.Fprintf(e.stdout, "登录失败 (sign-in failed): %s\n", oneLine(errorLine(err)))
			}
			return ExitInvalid
		}
		fmt.Fprintf(e.stdout, "已登录：%s（%s） (signed in as %s)\n", resp.User.Name, resp.User.Login, resp.User.Login)
	}

	rep, err := eng.SyncOnce(ctx)
	printSyncReport(ctx, e.stdout, ws, base, rep, eng.State())
	if err != nil {
		return ExitInvalid
	}
	if err := ws.Store.SetMeta(ctx, client.MetaServer, eng.BaseURL()); err != nil {
		fmt.Fprintln(e.stderr, errorLine(err))
		return ExitInvalid
	}
	return ExitOK
}

// hasStore reports whether the data directory (dir, or the default one)
// holds a local store, without creating one.
func hasStore(dir string) bool {
	if dir == "" {
		var err error
		if dir, err = DataDir(); err != nil {
			return false
		}
	}
	_, err := os.Stat(filepath.Join(dir, dbFileName))
	return err == nil
}

// checkServerURL says what is wrong with a server URL.
func checkServerURL(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil {
		return err.Error(), false
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "须以 http:// 或 https:// 开头 (must start with http:// or https://)", false
	}
	if u.Host == "" {
		return "缺少主机名 (no host)", false
	}
	return "", true
}

// printSyncReport writes the summary of a pass, Chinese first.
func printSyncReport(ctx context.Context, w io.Writer, ws *Workspace, base string, rep client.Report, st client.State) {
	switch {
	case rep.SignedOut:
		fmt.Fprintf(w, "未登录或登录已过期：请运行 %s sync --login LOGIN --password-stdin\n(signed out: run %s sync --login LOGIN --password-stdin)\n", Program, Program)
	case rep.Err != nil && client.IsOffline(rep.Err):
		fmt.Fprintf(w, "离线：无法连接服务器 %s，修改仍保存在本地，稍后再同步\n(offline: the server cannot be reached; the changes stay queued here)\n  %s\n", base, oneLine(rep.Err.Error()))
	case rep.Err != nil:
		fmt.Fprintf(w, "同步未完成 (sync failed): %s\n", oneLine(errorLine(rep.Err)))
	default:
		fmt.Fprintf(w, "同步完成：%s (synced with %s)\n", base, base)
	}
	fmt.Fprintf(w, "  上传修改 %d 条（其中重复 %d、有冲突 %d） (pushed %s: %d duplicate, %d with conflicts)\n",
		rep.Pushed, rep.Duplicates, rep.Conflicts, plural(rep.Pushed, "change"), rep.Duplicates, rep.Conflicts)
	fmt.Fprintf(w, "  被服务器拒绝 %d 条 (refused: %d)\n", rep.Refused, rep.Refused)
	for _, r := range rep.Refusals {
		name := r.ProjectID
		if p, err := ws.Store.Project(ctx, r.ProjectID); err == nil {
			name = p.DisplayNumber() + " " + p.Title()
		}
		fmt.Fprintf(w, "    - %s：%s\n", name, oneLine(r.Reason))
	}
	fmt.Fprintf(w, "  下载项目 %d 个 (pulled %s)\n", rep.Pulled, plural(rep.Pulled, "project"))
	if rep.Uploaded > 0 {
		fmt.Fprintf(w, "  上传附件 %d 个 (uploaded %s)\n", rep.Uploaded, plural(rep.Uploaded, "attachment"))
	}
	if rep.OrgSaved {
		fmt.Fprintf(w, "  组织目录已更新 (the organisation directory was updated)\n")
	}
	fmt.Fprintf(w, "  待上传 %d · 待处理 %d · 未解决冲突 %d (pending %d · needs attention %d · open conflicts %d)\n",
		st.Pending, st.NeedsAttention, st.Conflicts, st.Pending, st.NeedsAttention, st.Conflicts)
	online := "在线 (online)"
	if !st.Online {
		online = "离线 (offline)"
	}
	fmt.Fprintf(w, "  %s · %d 个请求，发送 %d 字节，接收 %d 字节 (%s, %d bytes sent, %d received)\n",
		online, rep.Requests, rep.BytesSent, rep.BytesReceived, plural(rep.Requests, "request"), rep.BytesSent, rep.BytesReceived)
}
