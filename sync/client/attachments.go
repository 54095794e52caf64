package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"

	"lixiang/domain"
	"lixiang/sync/wire"
)

// LengthHeader is the total size of an attachment being uploaded, sent
// with each PUT beside wire.OffsetHeader.
const LengthHeader = "Upload-Length"

func attachmentPath(sha string) string { return wire.AttachmentPrefix + sha }

// uploadAttachments sends the bytes of the hashes the server lacks, among
// those this device holds, before the changes that reference them.
func (e *Engine) uploadAttachments(ctx context.Context, tok string, hashes []string, rep *Report) error {
	var local []string
	for _, h := range hashes {
		ok, err := e.store.HasAttachment(ctx, h)
		if err != nil {
			return err
		}
		if ok {
			local = append(local, h)
		}
	}
	if len(local) == 0 {
		return nil
	}
	var out wire.MissingResponse
	if _, err := e.do(ctx, rep, e.http.R().SetAuthToken(tok).SetBody(wire.MissingRequest{Hashes: local}).
		SetResult(&out), http.MethodPost, wire.PathMissing); err != nil {
		return err
	}
	for _, sha := range out.Missing {
		err := e.upload(ctx, tok, sha, rep)
		if ae, refused := refusedRequest(err); refused {
			// The server will not take this file (too large, say): the
			// changes still go, and the server answers the one that needs
			// the file with its reason, rather than one file holding back
			// the whole queue.
			e.log.WarnContext(ctx, "attachment refused", "sha256", sha, "err", ae)
			rep.AttachmentsRefused++
			continue
		}
		if err != nil {
			return fmt.Errorf("upload attachment %s: %w", sha, err)
		}
		rep.Uploaded++
	}
	return nil
}

// upload sends one attachment from the offset the server holds, in chunks.
func (e *Engine) upload(ctx context.Context, tok, sha string, rep *Report) error {
	data, err := e.store.Attachment(ctx, sha)
	if err != nil {
		return err
	}
	total := int64(len(data))
	offset, err := e.uploadOffset(ctx, tok, sha, rep)
	if err != nil {
		return err
	}
	resynced := false
	for offset < total || total == 0 {
		end := min(offset+e.chunk, total)
		_, err := e.do(ctx, rep, e.http.R().SetAuthToken(tok).
			SetHeader("Content-Type", "application/octet-stream").
			SetHeader(wire.OffsetHeader, strconv.FormatInt(offset, 10)).
			SetHeader(LengthHeader, strconv.FormatInt(total, 10)).
			SetBody(data[offset:end]), http.MethodPut, attachmentPath(sha))
		if ae, refused := refusedRequest(err); refused && ae.Status == http.StatusConflict && !resynced {
			// The server holds another offset than we thought: ask again once.
			resynced = true
			if offset, err = e.uploadOffset(ctx, tok, sha, rep); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		offset = end
		if total == 0 {
			break
		}
	}
	return nil
}

// uploadOffset asks how many bytes of sha the server holds (0 for none).
func (e *Engine) uploadOffset(ctx context.Context, tok, sha string, rep *Report) (int64, error) {
	r, err := e.do(ctx, rep, e.http.R().SetAuthToken(tok), http.MethodHead, attachmentPath(sha))
	if ae, refused := refusedRequest(err); refused && ae.Status == http.StatusNotFound {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	v := r.Header().Get(wire.OffsetHeader)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("the server's %s %q is not a number", wire.OffsetHeader, v)
	}
	return n, nil
}

// FetchAttachment returns the bytes of an attachment: from the local store
// when there, else downloaded from the server, checked against the hash
// and stored (once) for the next time.
func (e *Engine) FetchAttachment(ctx context.Context, sha string) ([]byte, error) {
	if ok, err := e.store.HasAttachment(ctx, sha); err != nil {
		return nil, err
	} else if ok {
		return e.store.Attachment(ctx, sha)
	}
	tok, err := e.token(ctx)
	if err != nil {
		return nil, err
	}
	if tok == "" {
		return nil, ErrSignedOut
	}
	var rep Report
	r, err := e.do(ctx, &rep, e.http.R().SetAuthToken(tok), http.MethodGet, attachmentPath(sha))
	if err != nil {
		return nil, fmt.Errorf("download attachment %s: %w", sha, err)
	}
	data := r.Body()
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != sha {
		return nil, fmt.Errorf("download attachment %s: %w", sha, domain.Errorf(wire.EHashMismatch,
			"下载的附件已损坏（校验值为 %s），请重试", "the downloaded attachment is damaged (its SHA-256 is %s): try again", got))
	}
	if _, err := e.store.PutAttachment(ctx, data); err != nil {
		return nil, err
	}
	return data, nil
}
