package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

const (
	// LengthHeader declares the total size of an attachment being uploaded.
	LengthHeader = "Upload-Length"
	// maxMissing bounds the hashes of one missing request.
	maxMissing = 10000
	// missingBodyLimit bounds its body (a hash is 64 characters and quotes).
	missingBodyLimit = 1 << 20
	// partSize is how much of an upload is committed at a time, so a broken
	// connection loses at most this much.
	partSize = 1 << 20
)

// validSHA reports whether s is a SHA-256 as 64 lower-case hex digits.
func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func badSHA(s string) error {
	return badRequest("附件校验值须为 64 位小写十六进制 SHA-256（现为“%s”）", "an attachment is named by its SHA-256 as 64 lower-case hex digits (got %q)", s)
}

func (s *Server) handleMissing(w http.ResponseWriter, r *http.Request, ss *session) {
	var req wire.MissingRequest
	if err := decodeJSON(w, r, missingBodyLimit, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Hashes) > maxMissing {
		s.writeError(w, r, &httpError{code: wire.ETooLarge, zh: fmt.Sprintf("一次最多查询 %d 个附件", maxMissing),
			en: fmt.Sprintf("at most %d hashes per request", maxMissing)})
		return
	}
	var ps domain.Problems
	seen := map[string]bool{}
	hashes := make([]string, 0, len(req.Hashes))
	for i, h := range req.Hashes {
		if !validSHA(h) {
			ps = append(ps, domain.Problem{Path: fmt.Sprintf("hashes[%d]", i), Code: domain.PFormat,
				Message: "须为 64 位小写十六进制 SHA-256", English: "must be a SHA-256 as 64 lower-case hex digits"})
			continue
		}
		if !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
	}
	if len(ps) > 0 {
		s.writeError(w, r, &httpError{code: wire.EBadRequest, zh: "附件校验值格式不正确", en: "malformed hashes", problems: ps})
		return
	}
	missing, err := s.db.Missing(r.Context(), hashes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, wire.MissingResponse{Missing: missing})
}

// handleAttachmentOffset (HEAD) says how many bytes of an attachment the
// server holds: Upload-Offset, where an upload resumes (the size when it is
// complete), and Upload-Length when an upload has declared one.
func (s *Server) handleAttachmentOffset(w http.ResponseWriter, r *http.Request, ss *session) {
	sha := r.PathValue("sha256")
	if !validSHA(sha) {
		s.writeError(w, r, badSHA(sha))
		return
	}
	u, err := s.db.UploadState(r.Context(), sha)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set(wire.OffsetHeader, strconv.FormatInt(u.Held, 10))
	if u.Length > 0 || u.Complete {
		w.Header().Set(LengthHeader, strconv.FormatInt(u.Length, 10))
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func headerInt(r *http.Request, name string, required bool) (int64, error) {
	v := r.Header.Get(name)
	if v == "" {
		if required {
			return 0, badRequest("缺少请求头 %s", "the %s header is required", name)
		}
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("请求头 %[1]s 须为非负整数（现为“%[2]s”）", "%[1]s must be a non-negative integer (got %[2]q)", name, v)
	}
	return n, nil
}

// handleAttachmentUpload (PUT) appends the raw bytes of the body at
// Upload-Offset (default 0), which must be what the server holds; the bytes
// are committed as they arrive, so a broken connection resumes where it
// broke (HEAD tells where). When Upload-Length bytes are held, they are
// checked against the SHA-256 and stored once.
func (s *Server) handleAttachmentUpload(w http.ResponseWriter, r *http.Request, ss *session) {
	sha := r.PathValue("sha256")
	if !validSHA(sha) {
		s.writeError(w, r, badSHA(sha))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/octet-stream" {
		s.writeError(w, r, badRequest("上传附件须以 application/octet-stream 发送原始字节", "upload the raw bytes as application/octet-stream"))
		return
	}
	length, err := headerInt(r, LengthHeader, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if length > wire.MaxAttachment {
		s.writeError(w, r, &httpError{code: wire.ETooLarge,
			zh: fmt.Sprintf("附件过大（上限 %d MB）", wire.MaxAttachment>>20),
			en: fmt.Sprintf("the attachment is too large (limit %d MiB)", wire.MaxAttachment>>20)})
		return
	}
	offset, err := headerInt(r, wire.OffsetHeader, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// What arrives is kept even when the client goes away mid-body.
	ctx := context.WithoutCancel(r.Context())
	u, err := s.db.UploadState(ctx, sha)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if u.Complete {
		w.Header().Set(wire.OffsetHeader, strconv.FormatInt(u.Held, 10))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	restart := u.Length != length && (u.Length != 0 || u.Held != 0) && offset == 0
	if !restart && offset != u.Held {
		w.Header().Set(wire.OffsetHeader, strconv.FormatInt(u.Held, 10))
		s.writeError(w, r, domain.Errorf(domain.ECONFLICT, "续传位置应为 %d 字节（收到 %d）", "resume at byte %d (Upload-Offset was %d)", u.Held, offset))
		return
	}
	if offset > length {
		s.writeError(w, r, badRequest("Upload-Offset 超过了 Upload-Length", "Upload-Offset is past Upload-Length"))
		return
	}
	remaining := length - offset
	if r.ContentLength > remaining {
		s.writeError(w, r, tooLarge(remaining))
		return
	}
	body := http.MaxBytesReader(w, r.Body, remaining)
	pos := offset
	buf := make([]byte, min(partSize, max(remaining, 1)))
	appended := false
	for {
		n, rerr := fill(body, buf)
		// The first part goes in even when empty: it starts (or restarts)
		// the upload with its declared length.
		if n > 0 || !appended {
			u, err = s.db.AppendUpload(ctx, sha, length, pos, buf[:n], s.now())
			if err != nil {
				if isRefusal(err) {
					w.Header().Set(wire.OffsetHeader, strconv.FormatInt(u.Held, 10))
				}
				s.writeError(w, r, err)
				return
			}
			pos += int64(n)
			appended = true
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			var mbe *http.MaxBytesError
			if errors.As(rerr, &mbe) {
				s.db.DiscardUpload(ctx, sha)
				s.writeError(w, r, badRequest("上传的数据超过 Upload-Length，已丢弃，请从头上传", "the body goes past Upload-Length: the upload was discarded; start again"))
				return
			}
			// The connection broke: what arrived is kept for the resume.
			s.log.Info("upload interrupted", "sha256", sha, "held", pos, "length", length, "err", rerr)
			return
		}
	}
	if pos == length {
		if err := s.db.FinishUpload(ctx, sha, ss.user.ID, s.now()); err != nil {
			if errors.Is(err, sqlite.ErrHashMismatch) {
				s.writeError(w, r, &httpError{code: wire.EHashMismatch,
					zh: "上传的内容与校验值不符，已丢弃，请重新上传", en: "the uploaded bytes do not match the SHA-256: the upload was discarded; upload again"})
				return
			}
			s.writeError(w, r, err)
			return
		}
		s.log.Info("attachment stored", "sha256", sha, "size", length, "user", ss.user.ID)
	}
	w.Header().Set(wire.OffsetHeader, strconv.FormatInt(pos, 10))
	w.WriteHeader(http.StatusNoContent)
}

// fill reads into buf until it is full or the reader fails; it returns the
// bytes read and io.EOF at a clean end, the reader's error otherwise.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// handleAttachmentDownload (GET) returns the bytes of a complete attachment
// to its uploader and to whoever may see a project that refers to it.
func (s *Server) handleAttachmentDownload(w http.ResponseWriter, r *http.Request, ss *session) {
	sha := r.PathValue("sha256")
	if !validSHA(sha) {
		s.writeError(w, r, badSHA(sha))
		return
	}
	ctx := r.Context()
	u, err := s.db.UploadState(ctx, sha)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !u.Complete {
		s.writeError(w, r, domain.Errorf(domain.ENOTFOUND, "服务器上没有此附件：%s", "no such attachment on the server: %s", sha))
		return
	}
	if !ss.user.Has(domain.RoleAdmin) {
		ok, err := s.db.MayDownload(ctx, sha, ss.user.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !ok {
			s.writeError(w, r, domain.Errorf(domain.EFORBIDDEN, "您无权下载此附件", "you may not download this attachment"))
			return
		}
	}
	data, err := s.db.Attachment(ctx, sha)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("ETag", `"`+sha+`"`)
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}
