package server_test

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
)

// The attachment files of a migration (lixiangd import --files): the
// administrator brings the bytes the imported records' metadata name, and
// desktops then download them on demand.

func attachment(name string, data []byte, role domain.AttachmentRole) domain.Attachment {
	return domain.Attachment{ID: servertestID(name), Name: name, Size: int64(len(data)), SHA256: shaOf(data),
		MIME: "application/pdf", Role: role, AddedAt: "2025-11-03T08:00:00Z"}
}

// servertestID is a fixed attachment id per name (the id is not what the
// files are matched by).
func servertestID(name string) string {
	return "01a18643-7fc8-73d3-a1e8-" + shaOf([]byte(name))[:12]
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func bringFiles(t *testing.T, srv *servertest.Instance, dir string) *server.AttachmentFilesReport {
	t.Helper()
	admin, err := server.ImportActor(t.Context(), srv.DB, "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := server.ImportAttachmentFiles(t.Context(), srv.DB, admin, dir, newClock().Now)
	if err != nil {
		t.Fatalf("bring the files of %s: %v", dir, err)
	}
	return rep
}

// outcomes maps each file of a report to its outcome.
func outcomes(rep *server.AttachmentFilesReport) map[string]server.AttachmentFileOutcome {
	out := map[string]server.AttachmentFileOutcome{}
	for _, f := range rep.Files {
		out[filepath.ToSlash(f.Path)] = f.Outcome
	}
	return out
}

// missingNames lists a report's missing attachments as "project id: name".
func missingNames(rep *server.AttachmentFilesReport) []string {
	var out []string
	for _, m := range rep.Missing {
		out = append(out, m.ProjectID+": "+m.Name)
	}
	return out
}

func TestImportAttachmentFiles(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.StartDir(t, dir)

	// 恒瑞 (李娜's, south) refers to the solution, the minutes and the
	// contract scan; 山东高速 (王芳's, north) to the same solution under
	// another name and to a file whose metadata has the wrong size.
	solution := randomBytes(3<<20+12345, 1) // more than one part of an upload
	minutes := randomBytes(70000, 2)
	scan := randomBytes(2<<20+7, 3)
	quote := randomBytes(5000, 4)
	saas := interchangeDoc(t, "saas-handed-over.json").Projects[0]
	saas.Registration.Attachments = []domain.Attachment{
		attachment("恒瑞医药SaaS签署解决方案V2.0.pdf", solution, domain.AttachPresales),
		attachment("交接会议纪要.pdf", minutes, domain.AttachOther),
		attachment("合同扫描件.pdf", scan, domain.AttachOther),
	}
	local := interchangeDoc(t, "local-initiated.json").Projects[0]
	badQuote := attachment("报价单.pdf", quote, domain.AttachOther)
	badQuote.Size = 4096 // the PMIS export got it wrong
	local.Registration.Attachments = []domain.Attachment{
		attachment("山东高速方案（同一文件）.pdf", solution, domain.AttachPresales),
		badQuote,
	}
	wantImported(t, importFile(t, srv, "pmis.json", interchangeFile(t, saas, local)), 2, 0)

	// An earlier run was killed mid-copy: part of the contract scan is
	// held, and a part of the solution that is not its bytes. After a
	// restart neither counts as present.
	if _, err := srv.DB.AppendUpload(t.Context(), shaOf(scan), int64(len(scan)), 0, scan[:1<<20], t0); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.DB.AppendUpload(t.Context(), shaOf(solution), int64(len(solution)), 0, randomBytes(1<<20, 9), t0); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv = servertest.StartDir(t, dir)
	if missing, err := srv.DB.Missing(t.Context(), []string{shaOf(scan), shaOf(solution)}); err != nil || len(missing) != 2 {
		t.Fatalf("half-copied files count as present: missing %v, %v", missing, err)
	}

	files := t.TempDir()
	writeFile(t, filepath.Join(files, "恒瑞", "方案.pdf"), solution)
	writeFile(t, filepath.Join(files, "恒瑞", "扫描", "合同.pdf"), scan)
	writeFile(t, filepath.Join(files, "旧备份", "方案-副本.pdf"), solution)    // the same file twice
	writeFile(t, filepath.Join(files, "说明.txt"), []byte("PMIS 导出说明\n")) // nobody's
	writeFile(t, filepath.Join(files, "山东高速", "报价单.pdf"), quote)        // hash right, metadata size wrong
	if err := os.Symlink(filepath.Join(files, "恒瑞", "方案.pdf"), filepath.Join(files, "链接.pdf")); err != nil {
		t.Fatal(err)
	}

	rep := bringFiles(t, srv, files)
	want := map[string]server.AttachmentFileOutcome{
		"恒瑞/方案.pdf":     server.FileStored,
		"恒瑞/扫描/合同.pdf":  server.FileStored,
		"旧备份/方案-副本.pdf": server.FilePresent,
		"说明.txt":        server.FileUnused,
		"山东高速/报价单.pdf":  server.FileWrongSize,
		"链接.pdf":        server.FileSkipped,
	}
	if got := outcomes(rep); !maps.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
	if rep.Stored != 2 || rep.Present != 1 || rep.Unused != 1 || rep.WrongSize != 1 || rep.Skipped != 1 || rep.Failed != 0 || rep.OK() {
		t.Fatalf("counts %+v", rep)
	}
	if rep.Referenced != 4 {
		t.Fatalf("referenced %d, want 4 distinct files", rep.Referenced)
	}
	for _, f := range rep.Files {
		switch filepath.ToSlash(f.Path) {
		case "恒瑞/方案.pdf":
			if len(f.Uses) != 2 || f.Uses[0].ProjectID != saas.ID || f.Uses[1].Name != "山东高速方案（同一文件）.pdf" || f.SHA256 != shaOf(solution) {
				t.Fatalf("the solution is used by %+v", f.Uses)
			}
		case "旧备份/方案-副本.pdf":
			if f.SameAs != filepath.Join("恒瑞", "方案.pdf") {
				t.Fatalf("the copy is the same as %q", f.SameAs)
			}
		case "山东高速/报价单.pdf":
			if len(f.Uses) != 1 || f.Uses[0].Size != 4096 || f.Size != int64(len(quote)) {
				t.Fatalf("wrong size: %+v", f)
			}
		case "链接.pdf":
			if f.Reason == "" || f.English == "" {
				t.Fatalf("a skipped file without its reason: %+v", f)
			}
		}
	}
	wantMissing := []string{saas.ID + ": 交接会议纪要.pdf", local.ID + ": 报价单.pdf"}
	if got := missingNames(rep); !slices.Equal(got, wantMissing) {
		t.Fatalf("missing %v, want %v", got, wantMissing)
	}
	if rep.Missing[0].Heading == "" || rep.Missing[0].Size != int64(len(minutes)) || rep.Missing[0].SHA256 != shaOf(minutes) {
		t.Fatalf("a missing attachment without what finds it: %+v", rep.Missing[0])
	}
	// What was not stored is not on the server, not even in part.
	for _, b := range [][]byte{quote, []byte("PMIS 导出说明\n")} {
		if u, err := srv.DB.UploadState(t.Context(), shaOf(b)); err != nil || u.Complete || u.Held != 0 || u.Length != 0 {
			t.Fatalf("a file that was not to be stored: %+v, %v", u, err)
		}
	}

	// Real desktops download them on demand, checked against the hash:
	// 李娜 the solution and the scan, 王芳 the same solution; the minutes
	// are still missing.
	_, lina := importDesktop(t, srv, "lina")
	if _, err := lina.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{solution, scan} {
		got, err := lina.FetchAttachment(t.Context(), shaOf(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("lina downloads %s: %d bytes, %v", shaOf(b), len(got), err)
		}
	}
	if _, err := lina.FetchAttachment(t.Context(), shaOf(minutes)); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("a missing attachment downloads: %v", err)
	}
	_, wangfang := importDesktop(t, srv, "wangfang")
	if _, err := wangfang.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, err := wangfang.FetchAttachment(t.Context(), shaOf(solution)); err != nil || !bytes.Equal(got, solution) {
		t.Fatalf("wangfang downloads the solution: %d bytes, %v", len(got), err)
	}

	// Again: nothing new is stored.
	rep = bringFiles(t, srv, files)
	want["恒瑞/方案.pdf"], want["恒瑞/扫描/合同.pdf"] = server.FilePresent, server.FilePresent
	if got := outcomes(rep); rep.Stored != 0 || rep.Present != 3 || !maps.Equal(got, want) {
		t.Fatalf("run again: stored %d, outcomes %v", rep.Stored, got)
	}
	if got := missingNames(rep); !slices.Equal(got, wantMissing) {
		t.Fatalf("run again: missing %v", got)
	}

	// The minutes turn up: one file given by itself goes in.
	found := filepath.Join(t.TempDir(), "纪要.pdf")
	writeFile(t, found, minutes)
	rep = bringFiles(t, srv, found)
	if rep.Stored != 1 || len(rep.Files) != 1 || rep.Files[0].Path != found || !slices.Equal(missingNames(rep), wantMissing[1:]) {
		t.Fatalf("one file: %+v", rep)
	}
	if got, err := lina.FetchAttachment(t.Context(), shaOf(minutes)); err != nil || !bytes.Equal(got, minutes) {
		t.Fatalf("lina downloads the minutes: %d bytes, %v", len(got), err)
	}
}
