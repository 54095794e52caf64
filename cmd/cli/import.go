package cli

import (
	"context"
	"fmt"

	"lixiang/domain"
)

// runImport is "import FILE [--as LOGIN] [--data DIR]": it checks the file
// exactly as validate does (against the workspace's organisation), refuses
// it when anything is wrong, and otherwise saves every project into the
// local store in one transaction, journaled as the importing user and
// queued for the server.
func runImport(ctx context.Context, e *env, v verb, args []string) int {
	flags := newFlagSet(v)
	as := flags.String("as", "", "以此登录名的用户身份导入 `LOGIN`（默认当前用户） (import as this user; default: the current user)")
	data := flags.String("data", "", "本地数据目录 `DIR`（默认 $LIXIANG_DATA 或用户配置目录） (the local data directory)")
	pos, err := parseArgs(flags, args)
	if err != nil {
		return flagError(e, v, flags, err)
	}
	if len(pos) != 1 {
		return usageError(e, v, "请给出一个要导入的交换文件（或 - 读标准输入）", "give one interchange file to import (or - for standard input)")
	}
	name, raw, rerr := readInput(e, pos[0])
	if rerr != nil {
		return usageError(e, v, rerr.Message, rerr.English)
	}
	ws, err := openWorkspace(ctx, *data)
	if err != nil {
		fmt.Fprintf(e.stderr, "无法打开本地数据 (cannot open the local store): %s\n", errorLine(err))
		return ExitUsage
	}
	defer ws.Close()
	actor, err := ws.actor(*as)
	if err != nil {
		fmt.Fprintln(e.stderr, errorLine(err))
		return ExitUsage
	}

	if code := validate(e.stdout, name, raw, ws.Org); code != ExitOK {
		fmt.Fprintln(e.stdout, "文件有错误，未导入任何项目；请修正后重试 (the file has errors: nothing was imported; fix them and try again)")
		return code
	}
	doc, err := domain.DecodeDocument(raw)
	if err != nil { // validate accepted it, so this is not expected
		fmt.Fprintln(e.stderr, errorLine(err))
		return ExitInvalid
	}
	n, err := ws.Store.ImportProjects(ctx, actor.ID, doc.Projects)
	if err != nil {
		fmt.Fprintf(e.stdout, "导入失败，未导入任何项目 (import failed, nothing was imported): %s\n", errorLine(err))
		return ExitInvalid
	}
	fmt.Fprintf(e.stdout, "已导入 %d 个项目（%d 个已存在且相同，未改变），导入人 %s，数据目录 %s\n(imported %d, %d already present and unchanged)\n",
		n, len(doc.Projects)-n, actor.Name, ws.Dir, n, len(doc.Projects)-n)
	warnOthersProjects(e, ws.Org, actor, doc.Projects)
	return ExitOK
}

// warnOthersProjects says which imported projects name someone else as
// their applicant (申请人): the server only takes a new project from its
// own applicant, so when this desktop syncs they land in 需处理. Moving
// other people's records onto the server is the administrator's
// `lixiangd import`.
func warnOthersProjects(e *env, org *domain.Org, actor domain.User, ps []domain.Project) {
	var names []string
	for _, p := range ps {
		if p.OwnerID != actor.ID {
			names = append(names, fmt.Sprintf("%s（申请人 %s）", p.Title(), org.UserName(p.OwnerID)))
		}
	}
	if len(names) == 0 {
		return
	}
	fmt.Fprintf(e.stdout, "提示：以下 %d 个项目的申请人不是%s。同步时服务器只接受申请人本人新建的项目，这些项目会进入“需处理”；"+
		"要把他人的记录迁移到服务器，请由管理员在服务器上运行 lixiangd import FILE。\n", len(names), actor.Name)
	for _, n := range names {
		fmt.Fprintf(e.stdout, "  %s\n", n)
	}
	fmt.Fprintf(e.stdout, "(note: %d of these projects have another applicant than %s; the server only takes a new project from its applicant, "+
		"so they will wait in needs-attention after a sync — an administrator moves other people's records onto the server with lixiangd import FILE)\n",
		len(names), actor.Name)
}
