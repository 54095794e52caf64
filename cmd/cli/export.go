package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// runExport is "export PROJECT...|--all [-o FILE] [--data DIR]": it writes
// projects of the local store (named by id or registration number) as an
// interchange document to FILE, or standard output for - or no -o. With
// minutes or registration first it prints one project as PDF instead
// (export_pdf.go).
func runExport(ctx context.Context, e *env, v verb, args []string) int {
	flags := newFlagSet(v)
	all := flags.Bool("all", false, "导出全部项目 (export every project)")
	out := flags.String("o", "-", "输出文件 `FILE`，- 为标准输出 (the output file; - for standard output)")
	data := flags.String("data", "", "本地数据目录 `DIR`（默认 $LIXIANG_DATA 或用户配置目录） (the local data directory)")
	pos, err := parseArgs(flags, args)
	if err != nil {
		return flagError(e, v, flags, err)
	}
	if len(pos) > 0 && isPDFDocument(pos[0]) {
		return runExportPDF(ctx, e, v, pdfExport{doc: pos[0], refs: pos[1:], all: *all,
			out: *out, outSet: flagSet(flags, "o"), data: *data})
	}
	if *all == (len(pos) > 0) {
		return usageError(e, v, "请给出要导出的项目（ID 或登记号），或用 --all 导出全部", "name the projects to export (id or registration number), or use --all")
	}
	ws, err := openWorkspace(ctx, *data)
	if err != nil {
		fmt.Fprintf(e.stderr, "无法打开本地数据 (cannot open the local store): %s\n", errorLine(err))
		return ExitUsage
	}
	defer ws.Close()

	var projects []domain.Project
	if *all {
		sums, err := ws.Store.ListProjects(ctx, sqlite.Filter{})
		if err != nil {
			fmt.Fprintln(e.stderr, errorLine(err))
			return ExitInvalid
		}
		for _, s := range sums {
			pos = append(pos, s.ID)
		}
	}
	for _, ref := range pos {
		p, err := findProject(ctx, ws, ref)
		if err != nil {
			fmt.Fprintf(e.stderr, "%s\n", errorLine(err))
			return ExitInvalid
		}
		projects = append(projects, *p)
	}
	doc, err := domain.EncodeDocument(projects, time.Now())
	if err != nil {
		fmt.Fprintln(e.stderr, errorLine(err))
		return ExitInvalid
	}
	if *out == "-" {
		_, err = e.stdout.Write(doc)
	} else {
		err = writeFileAtomic(*out, doc)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "无法写入 %s (cannot write it): %v\n", *out, err)
		return ExitInvalid
	}
	if *out != "-" {
		fmt.Fprintf(e.stdout, "已导出 %d 个项目到 %s (exported %d projects)\n", len(projects), *out, len(projects))
	}
	return ExitOK
}

// findProject finds a project by its id or its registration number.
func findProject(ctx context.Context, ws *Workspace, ref string) (*domain.Project, error) {
	if domain.ValidID(ref) {
		return ws.Store.Project(ctx, ref)
	}
	sums, err := ws.Store.ListProjects(ctx, sqlite.Filter{IncludeDeleted: true})
	if err != nil {
		return nil, err
	}
	for _, s := range sums {
		if s.Number == ref {
			return ws.Store.Project(ctx, s.ID)
		}
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "本地没有 ID 或登记号为“%[1]s”的项目", "no project with id or number %[1]q in the local store", ref)
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so a crash never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
