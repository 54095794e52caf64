package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"lixiang/domain"
	"lixiang/sync/server"
)

// user runs "lixiangd user create|reset-password …".
func (e *env) user(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "create":
		return e.userCreate(ctx, args[1:])
	case "reset-password":
		return e.userResetPassword(ctx, args[1:])
	}
	fmt.Fprintf(e.stderr, "未知命令：user %s (unknown command)\n\n%s", args[0], usage)
	return exitUsage
}

func (e *env) userCreate(ctx context.Context, args []string) int {
	fs := e.flags("user create")
	data := fs.String("data", DefaultData, "数据目录 (data directory)")
	login := fs.String("login", "", "登录名 (login)")
	name := fs.String("name", "", "姓名 (name)")
	roles := fs.String("roles", "", "角色，逗号分隔，如 sales,pm (roles, comma-separated)")
	region := fs.String("region", "", "区域代码，如 north (region code)")
	id := fs.String("id", "", "用户 ID（默认 u-登录名） (user id; default u-LOGIN)")
	phone := fs.String("phone", "", "电话 (phone)")
	email := fs.String("email", "", "邮箱 (e-mail)")
	stdinPW := fs.Bool("password-stdin", false, "从标准输入读取密码 (read the password from standard input)")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		if err == nil {
			fmt.Fprintf(e.stderr, "多余的参数：%v (unexpected arguments)\n", pos)
		}
		return exitUsage
	}
	if *login == "" || *name == "" || *roles == "" {
		fmt.Fprintln(e.stderr, "须给出 --login、--name 和 --roles (--login, --name and --roles are required)")
		return exitUsage
	}
	if !*stdinPW {
		fmt.Fprintln(e.stderr, "请用 --password-stdin 从标准输入提供密码（密码不应出现在命令行中） (give the password on standard input with --password-stdin)")
		return exitUsage
	}
	pw, err := e.readPassword()
	if err != nil {
		return e.fail("读取密码", err)
	}
	u := domain.User{ID: *id, Login: *login, Name: *name, Region: *region, Phone: *phone, Email: *email}
	for _, r := range strings.Split(*roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			u.Roles = append(u.Roles, domain.Role(r))
		}
	}
	db, err := openDB(ctx, *data)
	if err != nil {
		return e.fail("打开数据库", err)
	}
	defer db.Close()
	u, err = server.CreateUser(ctx, db, u, pw, time.Now())
	if err != nil {
		return e.fail("新建用户", err)
	}
	fmt.Fprintf(e.stdout, "已新建用户 %s（登录名 %s，ID %s） (created user %s, login %s, id %s)\n", u.Name, u.Login, u.ID, u.Name, u.Login, u.ID)
	return exitOK
}

func (e *env) userResetPassword(ctx context.Context, args []string) int {
	fs := e.flags("user reset-password")
	data := fs.String("data", DefaultData, "数据目录 (data directory)")
	stdinPW := fs.Bool("password-stdin", false, "从标准输入读取密码 (read the password from standard input)")
	pos, err := parse(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "请给出一个登录名 (give one login)")
		return exitUsage
	}
	if !*stdinPW {
		fmt.Fprintln(e.stderr, "请用 --password-stdin 从标准输入提供密码 (give the password on standard input with --password-stdin)")
		return exitUsage
	}
	pw, err := e.readPassword()
	if err != nil {
		return e.fail("读取密码", err)
	}
	db, err := openDB(ctx, *data)
	if err != nil {
		return e.fail("打开数据库", err)
	}
	defer db.Close()
	if err := server.ResetPassword(ctx, db, pos[0], pw, time.Now()); err != nil {
		return e.fail("重设密码", err)
	}
	fmt.Fprintf(e.stdout, "已重设 %s 的密码，其所有登录已注销 (password of %s reset; all their sessions ended)\n", pos[0], pos[0])
	return exitOK
}

// org runs "lixiangd org import|export …".
func (e *env) org(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "import":
		return e.orgImport(ctx, args[1:])
	case "export":
		return e.orgExport(ctx, args[1:])
	}
	fmt.Fprintf(e.stderr, "未知命令：org %s (unknown command)\n\n%s", args[0], usage)
	return exitUsage
}

func (e *env) orgImport(ctx context.Context, args []string) int {
	fs := e.flags("org import")
	data := fs.String("data", DefaultData, "数据目录 (data directory)")
	pos, err := parse(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "请给出一个组织目录文件 (give one organisation file)")
		return exitUsage
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return e.fail("读取组织目录文件", err)
	}
	org, err := domain.ParseOrg(b)
	if err != nil {
		return e.fail("检查组织目录文件", err)
	}
	db, err := openDB(ctx, *data)
	if err != nil {
		return e.fail("打开数据库", err)
	}
	defer db.Close()
	v, err := server.ImportOrg(ctx, db, org, time.Now())
	if err != nil {
		return e.fail("导入组织目录", err)
	}
	fmt.Fprintf(e.stdout, "已导入组织目录“%s”：%d 位用户，%d 个区域，版本 %d (imported the organisation %q: %d users, %d regions, version %d)\n",
		org.Name, len(org.Users), len(org.Regions), v, org.Name, len(org.Users), len(org.Regions), v)
	return exitOK
}

func (e *env) orgExport(ctx context.Context, args []string) int {
	fs := e.flags("org export")
	data := fs.String("data", DefaultData, "数据目录 (data directory)")
	out := fs.String("o", "", "输出文件（默认标准输出） (output file; standard output by default)")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		if err == nil {
			fmt.Fprintf(e.stderr, "多余的参数：%v (unexpected arguments)\n", pos)
		}
		return exitUsage
	}
	db, err := openDB(ctx, *data)
	if err != nil {
		return e.fail("打开数据库", err)
	}
	defer db.Close()
	b, err := server.ExportOrg(ctx, db)
	if err != nil {
		return e.fail("导出组织目录", err)
	}
	if *out == "" {
		e.stdout.Write(b)
		return exitOK
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return e.fail("写入文件", err)
	}
	fmt.Fprintf(e.stderr, "已导出组织目录到 %s (exported the organisation to %s)\n", *out, *out)
	return exitOK
}
