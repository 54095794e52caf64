package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"lixiang/assets"
	"lixiang/domain"
)

// runValidate is "validate FILE [--org ORGFILE]": it reads an interchange
// document, checks every project against the organisation (the built-in
// demo organisation unless --org names another), and prints every error and
// warning, one per line, then a summary. The status is ExitOK when there is
// no error (warnings allowed), ExitInvalid otherwise.
func runValidate(_ context.Context, e *env, v verb, args []string) int {
	flags := newFlagSet(v)
	orgPath := flags.String("org", "", "组织目录文件 `ORGFILE`，默认使用内置的演示组织 (the organisation file; default: the built-in demo organisation)")
	pos, err := parseArgs(flags, args)
	if err != nil {
		return flagError(e, v, flags, err)
	}
	switch {
	case len(pos) == 0:
		return usageError(e, v, "缺少要检查的文件：请给出交换文件的路径，或用 - 读标准输入",
			"missing FILE: give the path of an interchange file, or - to read standard input")
	case len(pos) > 1:
		return usageError(e, v, fmt.Sprintf("一次只能检查一个文件（收到 %d 个：%s）", len(pos), strings.Join(pos, " ")),
			fmt.Sprintf("validate checks one file at a time (got %d: %s)", len(pos), strings.Join(pos, " ")))
	}

	org, code := loadOrg(e, *orgPath)
	if org == nil {
		return code
	}
	name, data, rerr := readInput(e, pos[0])
	if rerr != nil {
		return usageError(e, v, rerr.Message, rerr.English)
	}
	return validate(e.stdout, name, data, org)
}

// loadOrg parses the organisation file at path, or the demo organisation
// when path is empty. A file that cannot be read or breaks the directory's
// rules is reported with every problem on e.stderr.
func loadOrg(e *env, path string) (*domain.Org, int) {
	data, name := assets.DemoOrgJSON, "内置演示组织 (built-in demo organisation)"
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			fmt.Fprintf(e.stderr, "%s\n", readError(path, err).Error())
			return nil, ExitUsage
		}
		name = path
	}
	org, err := domain.ParseOrg(data)
	if err == nil {
		return org, ExitOK
	}
	fmt.Fprintf(e.stderr, "组织目录文件 %s 有误，无法检查 (the organisation file is invalid: nothing was checked)\n", name)
	var ps domain.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(e.stderr, problemLine("错误", p))
		}
	} else {
		fmt.Fprintf(e.stderr, "错误 %s: %s\n", name, oneLine(err.Error()))
	}
	fmt.Fprintf(e.stderr, "请按 docs/org-format.md 修正它，或去掉 --org 使用内置演示组织 (fix it as docs/org-format.md describes, or leave out --org to use the demo organisation)\n")
	return nil, ExitUsage
}

// stdinName is how reports name standard input.
const stdinName = "<stdin>"

// readInput reads the file at path, or standard input for "-", and returns
// the name to show for it.
func readInput(e *env, path string) (string, []byte, *domain.Error) {
	if path == "-" {
		data, err := io.ReadAll(e.stdin)
		if err != nil {
			return stdinName, nil, domain.Errorf(domain.EINVALID, "无法读取标准输入：%v", "cannot read standard input: %v", err)
		}
		return stdinName, data, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return path, nil, readError(path, err)
	}
	return path, data, nil
}

func readError(path string, err error) *domain.Error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return domain.Errorf(domain.EINVALID, "找不到文件 %[1]s，请检查路径", "no such file: %[1]s; check the path", path)
	case errors.Is(err, fs.ErrPermission):
		return domain.Errorf(domain.EINVALID, "没有读取文件 %[1]s 的权限", "permission denied reading %[1]s", path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return domain.Errorf(domain.EINVALID, "无法读取文件 %[1]s：%[2]v", "cannot read %[1]s: %[2]v", path, err)
}

// unreadable ends the report of a file that could not be decoded.
const unreadable = "文件无法读取，未检查任何项目 (the file cannot be read: no project was checked)"

// validate checks one interchange document and writes the report to w.
func validate(w io.Writer, name string, data []byte, org *domain.Org) int {
	if len(bytes.TrimSpace(data)) == 0 {
		fmt.Fprintf(w, "错误 %s: 文件是空的 (the file is empty)\n", name)
		fmt.Fprintln(w, unreadable)
		return ExitInvalid
	}
	doc, err := domain.DecodeDocument(data)
	var unknown domain.Problems
	if err != nil {
		// The strict decoder stops at the first unknown field. Read the
		// file once more leniently, so a record with a misspelt or
		// leftover field is still checked and every such field is named
		// by its path.
		doc, unknown = decodeLenient(data)
		if doc == nil && len(unknown) > 0 {
			for _, p := range unknown {
				fmt.Fprintln(w, problemLine("错误", p))
			}
			fmt.Fprintln(w, "文件不能按此格式检查，未检查任何项目 (the file is not in this format: no project was checked)")
			return ExitInvalid
		}
		if doc == nil {
			fmt.Fprintf(w, "错误 %s: %s\n", name, oneLine(err.Error()))
			fmt.Fprintln(w, unreadable)
			return ExitInvalid
		}
	}

	errs, warns := doc.Check(org)
	errs = append(unknown, errs...)
	if len(doc.Projects) == 0 {
		warns = append(warns, domain.Problem{Path: "projects", Code: domain.PRequired,
			Message: "文件中没有项目", English: "the file holds no projects"})
	}

	// Report by project, in file order: problems outside any project
	// first, then each project's errors and warnings under a heading that
	// says which record it is.
	type group struct{ errs, warns domain.Problems }
	groups := make([]group, len(doc.Projects)+1) // groups[0]: the document
	for _, p := range errs {
		i := domain.RecordIndex(p.Path, len(doc.Projects))
		groups[i+1].errs = append(groups[i+1].errs, p)
	}
	for _, p := range warns {
		i := domain.RecordIndex(p.Path, len(doc.Projects))
		groups[i+1].warns = append(groups[i+1].warns, p)
	}
	invalid := 0
	for g, x := range groups {
		if len(x.errs)+len(x.warns) == 0 {
			continue
		}
		if g > 0 {
			if len(x.errs) > 0 {
				invalid++
			}
			fmt.Fprintln(w, projectHeading(g-1, &doc.Projects[g-1]))
		}
		for _, p := range x.errs {
			fmt.Fprintln(w, problemLine("错误", p))
		}
		for _, p := range x.warns {
			fmt.Fprintln(w, problemLine("提示", p))
		}
	}

	n := len(doc.Projects)
	fmt.Fprintf(w, "%d 个项目：%d 个有效，%d 个无效；%d 个错误，%d 个提示 (%s: %d valid, %d invalid; %s, %s)\n",
		n, n-invalid, invalid, len(errs), len(warns),
		plural(n, "project"), n-invalid, invalid, plural(len(errs), "error"), plural(len(warns), "warning"))
	if len(errs) > 0 {
		return ExitInvalid
	}
	return ExitOK
}

// problemLine writes one problem: 错误 path: 中文 (English).
func problemLine(severity string, p domain.Problem) string {
	line := severity + " " + p.Path + ": " + oneLine(p.Message)
	if p.English != "" {
		line += " (" + oneLine(p.English) + ")"
	}
	return line
}

// projectHeading names a project whose problems follow: its index, its
// derived title, kind, status and number, so a person finds the record.
func projectHeading(i int, p *domain.Project) string {
	title := "（无法识别的项目类型）"
	if p.Kind().Valid() {
		title = p.Title()
	}
	return fmt.Sprintf("projects[%d] %s（%s，%s，%s）", i, title, p.Kind().Label(), p.Status.Label(), p.DisplayNumber())
}

// decodeLenient reads a document that the strict decoder refused. When the
// only trouble is fields the format does not have, it returns the document
// read without them and one problem per unknown field; when the format name
// is wrong it returns no document and that problem. Otherwise it returns
// nothing, and the strict decoder's error stands.
func decodeLenient(data []byte) (*domain.Document, domain.Problems) {
	var doc domain.Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil
	}
	if doc.Format != domain.InterchangeFormat {
		return nil, domain.Problems{{Path: "format", Code: domain.PFormat,
			Message: fmt.Sprintf("format 字段应为“%s”（现为“%s”）", domain.InterchangeFormat, doc.Format),
			English: fmt.Sprintf("format must be %q (got %q)", domain.InterchangeFormat, doc.Format)}}
	}
	ps := domain.UnknownFields(data)
	if len(ps) == 0 {
		return nil, nil
	}
	return &doc, ps
}
