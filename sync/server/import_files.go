package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

// The attachment files of a migration (lixiangd import --files DIR). An
// interchange file carries only an attachment's metadata (name, size,
// SHA-256); the bytes travel apart. The administrator brings them in a
// directory: every regular file under it is hashed (streaming), and a
// file whose SHA-256 and size are those of an attachment a project on the
// server refers to is stored in the attachment store the way an upload is
// (AppendUpload part by part, then FinishUpload, which checks the bytes
// against the hash and stores them once, in one transaction: a run broken
// mid-copy leaves an unfinished upload, never an attachment that counts as
// present, and the next run resumes it). Files no project refers to are
// reported and left alone; the attachments still missing afterwards are
// listed by project and file name. A run again stores nothing new.

// AttachmentFileOutcome is what became of one file of the directory.
type AttachmentFileOutcome string

// Attachment file outcomes.
const (
	FileStored    AttachmentFileOutcome = "stored"     // 已存入
	FilePresent   AttachmentFileOutcome = "present"    // 服务器上已有，未重复存入
	FileUnused    AttachmentFileOutcome = "unused"     // 没有项目引用，未存入
	FileWrongSize AttachmentFileOutcome = "wrong_size" // 校验值相符，大小与附件信息不符，未存入
	FileSkipped   AttachmentFileOutcome = "skipped"    // 不是普通文件（符号链接等），未读取
	FileFailed    AttachmentFileOutcome = "failed"     // 无法读取或存入
)

// AttachmentUse is an attachment (附件) a project on the server refers
// to: the project, the file's name, size and SHA-256 as its metadata says.
type AttachmentUse struct {
	ProjectID string
	Heading   string // the project's title, kind, status and number
	Name      string
	Size      int64
	SHA256    string
}

// AttachmentFile is one file of the directory and what became of it.
type AttachmentFile struct {
	Path    string // as found: relative to the directory
	Size    int64
	SHA256  string // "" when it was not read
	Outcome AttachmentFileOutcome
	// Uses are the attachments the file is (stored, present) or whose
	// hash it has (wrong size: their metadata's sizes).
	Uses []AttachmentUse
	// OtherSize are attachments with the file's hash whose metadata gives
	// another size, when others have the file's (stored, present): their
	// metadata is wrong.
	OtherSize []AttachmentUse
	// SameAs names an earlier file of this run with the same content.
	SameAs string
	// Reason says why a file was skipped or failed, in both languages.
	Reason, English string
}

// AttachmentFilesReport is what bringing a directory of files did.
type AttachmentFilesReport struct {
	Dir   string
	Files []AttachmentFile
	// Counts of Files by outcome.
	Stored, Present, Unused, WrongSize, Skipped, Failed int
	// Referenced is how many distinct files the projects on the server
	// refer to; Missing, those of them the server still lacks, by project
	// (in the order the server holds the projects) and file name.
	Referenced int
	Missing    []AttachmentUse
}

// OK reports whether every file was either stored, already there or not
// needed: nothing had the wrong size or failed.
func (r *AttachmentFilesReport) OK() bool { return r.WrongSize == 0 && r.Failed == 0 }

// errFileChanged: the bytes read to store a file are not those hashed.
var errFileChanged = domain.Errorf(domain.ECONFLICT, "文件在读取期间被改动，未存入，请重新运行",
	"the file changed while it was read: not stored; run again")

// ImportAttachmentFiles brings the attachment files under dir (or the one
// file dir names) into the server's attachment store as actor, who is
// recorded as their uploader, and says what became of each file and which
// attachments are still missing. Problems with single files are in the
// report; the error is for a failure of the server itself or a dir that
// cannot be read at all.
func ImportAttachmentFiles(ctx context.Context, db *sqlite.DB, actor domain.User, dir string, now func() time.Time) (*AttachmentFilesReport, error) {
	rep := &AttachmentFilesReport{Dir: dir}
	projects, err := db.AttachedProjects(ctx)
	if err != nil {
		return nil, err
	}
	// Every attachment the projects refer to, by hash; each project names
	// a file once.
	var uses []AttachmentUse
	byHash := map[string][]AttachmentUse{}
	for _, p := range projects {
		seen := map[[2]string]bool{}
		for _, a := range p.Registration.Attachments {
			key := [2]string{a.SHA256, a.Name}
			if a.SHA256 == "" || seen[key] {
				continue
			}
			seen[key] = true
			u := AttachmentUse{ProjectID: p.ID, Heading: importHeading(p), Name: a.Name, Size: a.Size, SHA256: a.SHA256}
			uses = append(uses, u)
			byHash[a.SHA256] = append(byHash[a.SHA256], u)
		}
	}
	rep.Referenced = len(byHash)

	info, err := os.Stat(dir)
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "无法读取附件目录 %s：%v", "cannot read the attachment directory %s: %v", dir, err)
	}
	single := !info.IsDir()
	firstOf := map[string]string{} // hash → the first file of this run with it
	walk := func(path string, d fs.DirEntry, werr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := path
		if !single {
			if r, err := filepath.Rel(dir, path); err == nil {
				rel = r
			}
		}
		if werr != nil {
			if path == dir && !single {
				return werr
			}
			rep.add(AttachmentFile{Path: rel, Outcome: FileFailed,
				Reason: "无法读取：" + werr.Error(), English: "cannot read it: " + werr.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			rep.add(AttachmentFile{Path: rel, Outcome: FileSkipped,
				Reason: "不是普通文件（符号链接、设备等），未读取", English: "not a regular file (a symbolic link, a device…): not read"})
			return nil
		}
		f, err := bringFile(ctx, db, actor, path, byHash, now)
		if err != nil {
			return err
		}
		f.Path = rel
		if f.Outcome == FileStored || f.Outcome == FilePresent {
			if first, ok := firstOf[f.SHA256]; ok {
				f.SameAs = first
			} else {
				firstOf[f.SHA256] = rel
			}
		}
		rep.add(f)
		return nil
	}
	if single {
		err = walk(dir, fs.FileInfoToDirEntry(info), nil)
	} else {
		err = filepath.WalkDir(dir, walk)
	}
	if err != nil {
		return nil, fmt.Errorf("attachment files in %s: %w", dir, err)
	}

	hashes := make([]string, 0, len(byHash))
	for h := range byHash {
		hashes = append(hashes, h)
	}
	missing, err := db.Missing(ctx, hashes)
	if err != nil {
		return nil, err
	}
	lacks := map[string]bool{}
	for _, h := range missing {
		lacks[h] = true
	}
	for _, u := range uses {
		if lacks[u.SHA256] {
			rep.Missing = append(rep.Missing, u)
		}
	}
	return rep, nil
}

func (r *AttachmentFilesReport) add(f AttachmentFile) {
	r.Files = append(r.Files, f)
	switch f.Outcome {
	case FileStored:
		r.Stored++
	case FilePresent:
		r.Present++
	case FileUnused:
		r.Unused++
	case FileWrongSize:
		r.WrongSize++
	case FileSkipped:
		r.Skipped++
	case FileFailed:
		r.Failed++
	}
}

// bringFile hashes one regular file and stores it when a project refers to
// it. A problem with the file is its outcome; the error is the server's.
func bringFile(ctx context.Context, db *sqlite.DB, actor domain.User, path string,
	byHash map[string][]AttachmentUse, now func() time.Time) (AttachmentFile, error) {
	sha, size, err := hashFile(path)
	if err != nil {
		return AttachmentFile{Outcome: FileFailed, Reason: "无法读取：" + err.Error(), English: "cannot read it: " + err.Error()}, nil
	}
	f := AttachmentFile{Size: size, SHA256: sha}
	refs := byHash[sha]
	if len(refs) == 0 {
		f.Outcome = FileUnused
		return f, nil
	}
	for _, u := range refs {
		if u.Size == size {
			f.Uses = append(f.Uses, u)
		} else {
			f.OtherSize = append(f.OtherSize, u)
		}
	}
	if len(f.Uses) == 0 {
		f.Outcome, f.Uses, f.OtherSize = FileWrongSize, refs, nil
		return f, nil
	}
	if size > wire.MaxAttachment {
		f.Outcome = FileFailed
		f.Reason = fmt.Sprintf("超过附件大小上限 %d MB，未存入", wire.MaxAttachment>>20)
		f.English = fmt.Sprintf("larger than the attachment limit of %d MiB: not stored", wire.MaxAttachment>>20)
		return f, nil
	}
	stored, err := storeAttachmentFile(ctx, db, path, sha, size, actor.ID, now)
	switch {
	case err == nil && stored:
		f.Outcome = FileStored
	case err == nil:
		f.Outcome = FilePresent
	case errors.Is(err, errFileChanged):
		f.Outcome, f.Reason, f.English = FileFailed, errFileChanged.Message, errFileChanged.English
	case isReadError(err):
		f.Outcome = FileFailed
		f.Reason, f.English = "无法读取："+err.Error(), "cannot read it: "+err.Error()
	default:
		return f, err
	}
	return f, nil
}

// hashFile returns the SHA-256 of a file and its size, reading it as a
// stream.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// readError is a failure to read the administrator's file (as opposed to
// the server's database).
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func isReadError(err error) bool {
	var re *readError
	return errors.As(err, &re)
}

// storeAttachmentFile stores the file at path as the attachment sha of
// size bytes the way an upload is stored: its bytes are appended in parts
// (resuming an upload of the same length in progress, as a client's resume
// does), then FinishUpload checks them against the hash and stores them
// once. stored is false when the attachment was complete already (or
// another upload completed it meanwhile).
func storeAttachmentFile(ctx context.Context, db *sqlite.DB, path, sha string, size int64, userID string, now func() time.Time) (stored bool, err error) {
	for attempt := 0; ; attempt++ {
		u, err := db.UploadState(ctx, sha)
		if err != nil {
			return false, err
		}
		if u.Complete {
			return false, nil
		}
		var start int64
		if u.Length == size && u.Held <= size {
			start = u.Held // what an earlier run or an upload left
		}
		complete, err := appendFile(ctx, db, path, sha, size, start, now)
		if err == nil && complete {
			return false, nil
		}
		if err == nil {
			if err = db.FinishUpload(ctx, sha, userID, now()); err == nil {
				return true, nil
			}
			if errors.Is(err, sqlite.ErrHashMismatch) && start == 0 {
				return false, errFileChanged // hashed as sha, read as something else
			}
		}
		// Another upload of the same file moved on meanwhile, or the bytes
		// held before this run were not the file's (discarded): again.
		again := domain.ErrorCode(err) == domain.ECONFLICT || errors.Is(err, sqlite.ErrHashMismatch)
		if !again || attempt >= 3 {
			return false, err
		}
	}
}

// appendFile appends the file's bytes from start to size to the upload of
// sha, one part at a time; complete says another upload finished it.
func appendFile(ctx context.Context, db *sqlite.DB, path, sha string, size, start int64, now func() time.Time) (complete bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, &readError{err}
	}
	defer f.Close()
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return false, &readError{err}
	}
	buf := make([]byte, min(partSize, max(size-start, 1)))
	pos := start
	// The first part goes in even when empty: it starts the upload with
	// its length (an empty file is all of it).
	for first := true; first || pos < size; first = false {
		n, rerr := fill(f, buf[:min(int64(len(buf)), size-pos)])
		if rerr != nil && rerr != io.EOF {
			return false, &readError{rerr}
		}
		if n == 0 && pos < size {
			return false, errFileChanged // shorter than when it was hashed
		}
		if n > 0 || start == 0 {
			u, err := db.AppendUpload(ctx, sha, size, pos, buf[:n], now())
			if err != nil {
				return false, err
			}
			if u.Complete {
				return true, nil
			}
			pos += int64(n)
		}
	}
	return false, nil
}
