package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"lixiang/domain"
	"lixiang/domain/pdf"
)

// exportPDFSynopsis is the PDF form of the export verb.
const exportPDFSynopsis = "export minutes|registration PROJECT -o FILE.pdf [--data DIR]"

// The documents export prints as PDF, by the word that names them.
const (
	docMinutes      = "minutes"      // 会议交接纪要
	docRegistration = "registration" // 实施登记表 / 问题登记表
)

func isPDFDocument(word string) bool { return word == docMinutes || word == docRegistration }

// pdfExport is one "export minutes|registration" command line.
type pdfExport struct {
	doc    string   // docMinutes or docRegistration
	refs   []string // the project: exactly one id or registration number
	all    bool
	out    string
	outSet bool // -o was given (a PDF is never written to a terminal by default)
	data   string
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// runExportPDF is "export minutes|registration PROJECT -o FILE.pdf": it
// prints one project of the local store, found by id or registration
// number, as its handover minutes (会议交接纪要) or its registration form
// (实施登记表 / 问题登记表), offline, to FILE (- for standard output).
func runExportPDF(ctx context.Context, e *env, v verb, x pdfExport) int {
	usage := v
	usage.synopsis = exportPDFSynopsis
	switch {
	case x.all || len(x.refs) != 1:
		return usageError(e, usage, "导出 PDF 时请给出一个项目（ID 或登记号）", "name exactly one project (id or registration number) to print as PDF")
	case !x.outSet:
		return usageError(e, usage, "请用 -o FILE.pdf 指定输出文件", "give the output file with -o FILE.pdf")
	}
	ws, err := openWorkspace(ctx, x.data)
	if err != nil {
		fmt.Fprintf(e.stderr, "无法打开本地数据 (cannot open the local store): %s\n", errorLine(err))
		return ExitUsage
	}
	defer ws.Close()

	p, err := findProject(ctx, ws, x.refs[0])
	if err != nil {
		fmt.Fprintln(e.stderr, errorLine(err))
		return ExitInvalid
	}
	opts := pdf.Options{Generated: time.Now()}
	if id := p.Registration.ParentID; id != "" && domain.ValidID(id) {
		// The original project of an upgrade is named by its number when
		// it is in the local store; otherwise the form shows its ID.
		if parent, err := ws.Store.Project(ctx, id); err == nil {
			opts.Parent = parent
		}
	}
	render, zh, en := pdf.Registration, p.Kind().FormName()+"表", "registration form"
	if x.doc == docMinutes {
		render, zh, en = pdf.Minutes, "会议交接纪要", "handover minutes"
	}
	b, err := render(p, ws.Org, opts)
	if err != nil {
		fmt.Fprintln(e.stderr, errorLine(err))
		return ExitInvalid
	}
	if x.out == "-" {
		_, err = e.stdout.Write(b)
	} else {
		err = writeFileAtomic(x.out, b)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "无法写入 %s (cannot write it): %v\n", x.out, err)
		return ExitInvalid
	}
	if x.out != "-" {
		fmt.Fprintf(e.stdout, "已导出“%[1]s”（%[2]s）的%[3]s到 %[4]s (wrote the %[5]s of %[2]s to %[4]s)\n",
			p.Title(), p.DisplayNumber(), zh, x.out, en)
	}
	return ExitOK
}
