package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lixiang/domain"
	"lixiang/sync/server"
)

// importFiles runs "lixiangd import [--data DIR] [--as ADMIN_LOGIN]
// [--files DIR] [FILE...]": each interchange file goes into the server's
// database on its own, all or nothing (server.ImportFile); the report
// names every problem by file, record and field path, and ends with what
// was imported, skipped and refused. Then the attachment files under
// --files go into the server's attachment store
// (server.ImportAttachmentFiles), and the report lists what became of each
// file and which attachments are still missing; with --files the
// interchange files may be left out (their records are on the server
// already). The files come with the import rather than a verb of their
// own because they belong to it: the migration is the records and their
// files, and an admin who has imported the records finds the way to bring
// the files in the same command. The status is exitOK when every file went
// in (or was there already), exitError when anything was refused (an
// attachment file of the wrong size or unreadable too), exitUsage for
// wrong arguments or an --as that may not import.
func (e *env) importFiles(ctx context.Context, args []string) int {
	fs := e.flags("import")
	data := fs.String("data", DefaultData, "数据目录 (data directory)")
	as := fs.String("as", "", "以此系统管理员的身份导入（默认目录中唯一的管理员） (the administrator to import as; default: the directory's one admin)")
	attachDir := fs.String("files", "", "附件文件所在的目录（或单个文件），按 SHA-256 对应项目引用的附件 (a directory, or one file, of attachment files, matched by SHA-256)")
	files, err := parse(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) == 0 && *attachDir == "" {
		fmt.Fprintln(e.stderr, "请给出至少一个交换文件（lixiang.projects/v1；- 读标准输入），或用 --files 指定附件文件目录 (give at least one interchange file, - reads standard input; or a directory of attachment files with --files)")
		return exitUsage
	}
	if _, err := os.Stat(filepath.Join(*data, dbFile)); err != nil {
		fmt.Fprintf(e.stderr, "数据目录 %[1]s 中没有服务器数据库：请检查 --data，或先运行 lixiangd serve --data %[1]s (no server database in %[1]s: check --data, or run lixiangd serve first)\n", *data)
		return exitUsage
	}
	if *attachDir != "" {
		if _, err := os.Stat(*attachDir); err != nil {
			fmt.Fprintf(e.stderr, "找不到附件文件目录 %[1]s：请检查 --files (no attachment directory %[1]s: check --files): %[2]v\n", *attachDir, err)
			return exitUsage
		}
	}
	db, err := openDB(ctx, *data)
	if err != nil {
		return e.fail("打开数据库", err)
	}
	defer db.Close()
	actor, err := server.ImportActor(ctx, db, *as)
	if err != nil {
		e.fail("导入", err)
		return exitUsage
	}
	var total server.ImportReport
	failed := 0
	for _, name := range files {
		var b []byte
		if name == "-" {
			name = "<stdin>"
			b, err = io.ReadAll(e.stdin)
		} else {
			b, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(e.stdout, "错误 %s: 无法读取文件，未导入 (cannot read the file: nothing imported): %v\n", name, err)
			failed++
			continue
		}
		rep, err := server.ImportFile(ctx, db, actor, name, b, time.Now())
		if err != nil {
			return e.fail("导入 "+name, err)
		}
		printImport(e.stdout, rep)
		e.log.Info("import", "file", name, "actor", actor.Login, "imported", rep.Imported, "skipped", rep.Skipped,
			"refused", rep.Refused, "withheld", rep.Withheld, "file_errors", len(rep.Errors))
		total.Imported += rep.Imported
		total.Skipped += rep.Skipped
		total.Refused += rep.Refused
		total.Withheld += rep.Withheld
		if !rep.OK() {
			failed++
		}
	}
	if len(files) > 0 {
		fmt.Fprintf(e.stdout, "共 %d 个文件（%d 个被拒绝）：已导入 %d 个项目，跳过 %d 个（服务器上已有），拒绝 %d 个（有错误 %d 个，因同一文件有错误而未导入 %d 个），导入人 %s\n",
			len(files), failed, total.Imported, total.Skipped, total.Refused+total.Withheld, total.Refused, total.Withheld, actor.Login)
		fmt.Fprintf(e.stdout, "(%d files, %d refused: imported %d, skipped %d already on the server, refused %d — %d with errors, %d held back by errors in their file; imported as %s)\n",
			len(files), failed, total.Imported, total.Skipped, total.Refused+total.Withheld, total.Refused, total.Withheld, actor.Login)
	}
	if *attachDir != "" {
		rep, err := server.ImportAttachmentFiles(ctx, db, actor, *attachDir, time.Now)
		if err != nil {
			return e.fail("导入附件文件 "+*attachDir, err)
		}
		printAttachmentFiles(e.stdout, rep)
		e.log.Info("attachment files", "dir", *attachDir, "actor", actor.Login, "stored", rep.Stored, "present", rep.Present,
			"unused", rep.Unused, "wrong_size", rep.WrongSize, "skipped", rep.Skipped, "failed", rep.Failed,
			"referenced", rep.Referenced, "missing", len(rep.Missing))
		if !rep.OK() {
			failed++
		}
	}
	if failed > 0 {
		return exitError
	}
	return exitOK
}

// printImport writes one file's report: its problems, each record's
// outcome with its problems, the users to create, and a summary line.
func printImport(w io.Writer, r *server.ImportReport) {
	line := func(severity string, p domain.Problem) {
		path := p.Path
		if path != "" {
			path += ": "
		}
		fmt.Fprintf(w, "    %s %s: %s%s (%s)\n", severity, r.File, path, p.Message, p.English)
	}
	fmt.Fprintf(w, "文件 %s (file)\n", r.File)
	for _, p := range r.Errors {
		line("错误", p)
	}
	for _, rec := range r.Records {
		head := fmt.Sprintf("  projects[%d] %s id %s", rec.Index, rec.Heading, rec.ID)
		switch rec.Outcome {
		case server.ImportAdded:
			how := "沿用文件中的登记号 (kept from the file)"
			switch {
			case rec.NumberAssigned:
				how = "服务器分配 (given by the server)"
			case rec.Number == "":
				how = "草稿，无登记号 (a draft: no number)"
			}
			fmt.Fprintf(w, "%s\n    已导入 (imported)：登记号 %s，%s，序号 seq %d\n", head, displayNumber(rec.Number), how, rec.Seq)
		case server.ImportSkipped:
			if rec.Differs != "" {
				fmt.Fprintf(w, "%s\n    跳过：服务器上已有此项目（版本 %d），其内容已与文件不同（如 %s），未覆盖 (skipped: already on the server, version %d, and differs from the file at %s; left as it is)\n",
					head, rec.Version, rec.Differs, rec.Version, rec.Differs)
			} else {
				fmt.Fprintf(w, "%s\n    跳过：服务器上已有此项目（版本 %d），未改变 (skipped: already on the server, version %d; unchanged)\n", head, rec.Version, rec.Version)
			}
		case server.ImportRefused:
			fmt.Fprintf(w, "%s\n    拒绝 (refused)：\n", head)
		case server.ImportWithheld:
			fmt.Fprintf(w, "%s\n    未导入：本项目无误，但同一文件中有被拒绝的项目，整个文件未导入 (not imported: this record is valid, but the file has refused records, so nothing of it was imported)\n", head)
		}
		for _, p := range rec.Errors {
			line("错误", p)
		}
		for _, p := range rec.Warnings {
			line("提示", p)
		}
	}
	if len(r.Missing) > 0 {
		fmt.Fprintln(w, "  请先在服务器上新建这些用户，再导入 (create these users on the server first, then import again):")
		for _, m := range r.Missing {
			fmt.Fprintf(w, "    %s\n", m.Command())
		}
	}
	if r.OK() {
		fmt.Fprintf(w, "  %s：已导入 %d，跳过 %d (imported %d, skipped %d)\n", r.File, r.Imported, r.Skipped, r.Imported, r.Skipped)
		return
	}
	fmt.Fprintf(w, "  %s：文件有错误，未导入任何项目；拒绝 %d 个，未导入 %d 个，跳过 %d 个（已存在）；请修正后重试 (the file has errors: nothing of it was imported; %d refused, %d held back, %d already present; fix them and try again)\n",
		r.File, r.Refused, r.Withheld, r.Skipped, r.Refused, r.Withheld, r.Skipped)
}

// printAttachmentFiles writes what became of each attachment file, the
// attachments still missing by project, and a summary line.
func printAttachmentFiles(w io.Writer, r *server.AttachmentFilesReport) {
	uses := func(us []server.AttachmentUse, sizes bool) string {
		parts := make([]string, len(us))
		for i, u := range us {
			parts[i] = fmt.Sprintf("“%s”（项目 %s）", u.Name, u.Heading)
			if sizes {
				parts[i] = fmt.Sprintf("“%s”（项目 %s）记为 %d 字节", u.Name, u.Heading, u.Size)
			}
		}
		return strings.Join(parts, "；")
	}
	fmt.Fprintf(w, "附件文件 %s (attachment files)\n", r.Dir)
	for _, f := range r.Files {
		switch f.Outcome {
		case server.FileStored:
			fmt.Fprintf(w, "  已存入 (stored) %s：%s\n", f.Path, uses(f.Uses, false))
		case server.FilePresent:
			same := ""
			if f.SameAs != "" {
				same = fmt.Sprintf("，与 %[1]s 内容相同 (same content as %[1]s)", f.SameAs)
			}
			fmt.Fprintf(w, "  服务器上已有，未重复存入 (already on the server; not stored again) %s%s：%s\n", f.Path, same, uses(f.Uses, false))
		case server.FileUnused:
			fmt.Fprintf(w, "  未使用 (unused) %s：服务器上没有项目引用此文件（%d 字节，SHA-256 %s），未存入 (no project on the server refers to this file: not stored)\n",
				f.Path, f.Size, f.SHA256)
		case server.FileWrongSize:
			fmt.Fprintf(w, "  大小不符 (wrong size) %s：校验值与附件 %s 相符，但文件有 %d 字节，未存入；请核对交换文件中的 size (the SHA-256 is the attachment's, but its metadata gives another size than the file's %d bytes: not stored; check size in the interchange file)\n",
				f.Path, uses(f.Uses, true), f.Size, f.Size)
		case server.FileSkipped:
			fmt.Fprintf(w, "  跳过 (skipped) %s：%s (%s)\n", f.Path, f.Reason, f.English)
		case server.FileFailed:
			fmt.Fprintf(w, "  错误 (error) %s：%s (%s)\n", f.Path, f.Reason, f.English)
		}
		if len(f.OtherSize) > 0 {
			fmt.Fprintf(w, "    提示 (note)：附件 %s，与文件的 %d 字节不符，请核对交换文件中的 size (these attachments' metadata gives another size than the file's %d bytes: check size in the interchange file)\n",
				uses(f.OtherSize, true), f.Size, f.Size)
		}
	}
	if len(r.Missing) > 0 {
		fmt.Fprintln(w, "  仍缺少的附件：请找到这些文件，放进附件文件目录后再运行 lixiangd import --files DIR (attachments still missing: find these files, put them in the directory and run lixiangd import --files DIR again):")
		project := ""
		for _, m := range r.Missing {
			if m.ProjectID != project {
				project = m.ProjectID
				fmt.Fprintf(w, "    项目 (project) %s id %s\n", m.Heading, m.ProjectID)
			}
			fmt.Fprintf(w, "      缺少 (missing) “%s”：%d 字节 (bytes)，SHA-256 %s\n", m.Name, m.Size, m.SHA256)
		}
	} else if r.Referenced > 0 {
		fmt.Fprintln(w, "  项目引用的附件已全部在服务器上 (the server has every attachment the projects refer to)")
	}
	lacking := map[string]bool{}
	for _, m := range r.Missing {
		lacking[m.SHA256] = true
	}
	if r.Stored == 0 {
		fmt.Fprintln(w, "  本次没有存入任何新文件 (nothing new was stored)")
	}
	fmt.Fprintf(w, "  附件：存入 %d 个，服务器上已有 %d 个，未使用 %d 个，大小不符 %d 个，跳过 %d 个，出错 %d 个；项目引用的文件 %d 个，仍缺少 %d 个\n",
		r.Stored, r.Present, r.Unused, r.WrongSize, r.Skipped, r.Failed, r.Referenced, len(lacking))
	fmt.Fprintf(w, "  (attachments: stored %d, already on the server %d, unused %d, wrong size %d, skipped %d, failed %d; %d files referenced, %d still missing)\n",
		r.Stored, r.Present, r.Unused, r.WrongSize, r.Skipped, r.Failed, r.Referenced, len(lacking))
}

// displayNumber is a registration number, or 待分配 for none.
func displayNumber(n string) string {
	if n == "" {
		return domain.NumberPending
	}
	return n
}
