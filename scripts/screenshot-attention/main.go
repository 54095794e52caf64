// Command screenshot-attention prepares the screenshot data directory
// ($LIXIANG_DATA) for the needs-attention list (需处理): as if a sync had
// happened, the server has 山东高速 and refused 张伟's offline edit of its
// requirement, and refused the creation of his draft 蜜雪冰城. It goes
// through the local store's own code (the pushes' answers recorded as the
// sync engine records them). Used by scripts/screenshot.sh only.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"lixiang/cmd/cli"
	"lixiang/domain"
	"lixiang/domain/sqlite"
)

const (
	shandong = "01a07aac-a938-705f-ab01-41296cc6be18" // testdata/interchange/local-initiated.json
	mixue    = "01a21c30-add0-7e7f-bf69-4da8a434d6f9" // testdata/interchange/saas-draft.json
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "screenshot-attention:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	dir, err := cli.DataDir()
	if err != nil {
		return err
	}
	ws, err := cli.OpenWorkspace(ctx, dir)
	if err != nil {
		return err
	}
	defer ws.Close()
	st := ws.Store
	pending, err := st.Pending(ctx, 0, 0)
	if err != nil {
		return err
	}
	var outs []sqlite.PushOutcome
	var create string
	for _, c := range pending {
		switch c.ProjectID {
		case shandong:
			outs = append(outs, sqlite.PushOutcome{ChangeID: c.ChangeID, ProjectID: c.ProjectID, Version: 1})
		case mixue:
			create = c.ChangeID
		}
	}
	// The server has 山东高速 as imported.
	if err := st.RecordPushed(ctx, outs); err != nil {
		return err
	}
	p, err := st.Project(ctx, shandong)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := st.ApplyPulled(ctx, []sqlite.PulledProject{{Version: 1, Doc: doc}}, 1); err != nil {
		return err
	}
	// 张伟 typed offline into a project already initiated.
	p.Registration.Requirement += "；补充：需要移动端签署"
	p.Registration.Other.Notes = "客户希望增加移动端"
	res, err := st.SaveProject(ctx, "u-zhangwei", p)
	if err != nil {
		return err
	}
	// The server's answers, as it gives them (sync/server: fieldForbidden,
	// the create's role check).
	initiated := domain.Problem{Code: domain.EFORBIDDEN, Message: "现在不能修改（项目当前状态：已立项）",
		English: "cannot be changed now (the project is initiated)"}
	requirement, notes := initiated, initiated
	requirement.Path, notes.Path = "registration.requirement", "registration.other.notes"
	return st.RecordPushed(ctx, []sqlite.PushOutcome{
		{ChangeID: res.ChangeID, ProjectID: shandong, Reason: &sqlite.Reason{Code: domain.EFORBIDDEN,
			Message: "您现在不能修改这些字段（项目当前状态：已立项）", English: "you may not change these fields now (the project is initiated)",
			Problems: domain.Problems{notes, requirement}}},
		{ChangeID: create, ProjectID: mixue, Reason: &sqlite.Reason{Code: domain.EFORBIDDEN,
			Message: "SaaS项目立项申请须由销售发起", English: "a registration of the kind \"SaaS project\" is raised by sales"}},
	})
}
