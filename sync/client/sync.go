package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"lixiang/domain"
	"lixiang/domain/sqlite"
	"lixiang/sync/wire"
)

// Report is what one pass did.
type Report struct {
	Pushed     int // changes the server has now (applied, merged with conflicts, duplicates)
	Duplicates int // of Pushed, changes the server had answered before (a resend)
	Conflicts  int // of Pushed, changes merged with conflicting fields (kept on the project)
	Refused    int // changes the server refused (now, or before: a resend's duplicate of a refusal): they wait in "needs attention"
	// Refusals are the refused changes with their reasons.
	Refusals []Refusal
	Pulled   int // projects brought down
	Uploaded int // attachments sent
	// AttachmentsRefused counts files the server would not take (too
	// large); the changes that reference them went on.
	AttachmentsRefused int
	OrgSaved           bool // the organisation directory was updated
	// What went over the wire.
	Requests      int
	BytesSent     int64
	BytesReceived int64
	// How long the phases took (attachments and push; pull; indexing for
	// search what the pull brought, once the pull is over).
	PushTime, PullTime, IndexTime time.Duration
	Indexed                       int // pulled projects put in the search index
	// Online is true when the server answered (whatever it answered).
	Online bool
	// SignedOut is true when the server did not accept the token.
	SignedOut bool
	Err       error
}

// Refusal is a change the server refused, with its reason.
type Refusal struct {
	ChangeID  string
	ProjectID string
	Reason    string
	Code      string
}

// SyncOnce runs one pass: attachments, push, pull, organisation. It
// returns the report and its Err: ErrSignedOut when someone must sign in,
// an error for which IsOffline is true when the server could not be
// reached (the changes stay queued). Passes never overlap.
func (e *Engine) SyncOnce(ctx context.Context) (Report, error) {
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	e.update(func(s *State) { s.Syncing = true })
	before := e.meter.read()
	var rep Report
	err := e.pass(ctx, &rep)
	// What the pull stored is indexed for search after it (even when the
	// pass failed part way: its pages are stored); search finds it
	// meanwhile.
	start := time.Now()
	n, ierr := e.store.IndexPending(ctx)
	rep.Indexed, rep.IndexTime = n, time.Since(start)
	if ierr != nil && err == nil {
		err = ierr
	}
	u := e.meter.read().since(before)
	rep.Requests, rep.BytesSent, rep.BytesReceived = int(u.requests), u.sent, u.received
	rep.Err = err
	switch {
	case errors.Is(err, ErrSignedOut):
		rep.SignedOut = true
		e.log.WarnContext(ctx, "sync: signed out")
	case err != nil:
		e.log.WarnContext(ctx, "sync failed", "err", err, "offline", IsOffline(err),
			"pushed", rep.Pushed, "pulled", rep.Pulled)
	default:
		e.log.InfoContext(ctx, "synced", "pushed", rep.Pushed, "conflicts", rep.Conflicts,
			"refused", rep.Refused, "pulled", rep.Pulled, "uploaded", rep.Uploaded,
			"requests", rep.Requests, "sent", rep.BytesSent, "received", rep.BytesReceived)
	}
	e.finish(ctx, rep)
	return rep, err
}

func (e *Engine) pass(ctx context.Context, rep *Report) error {
	if e.baseURL == "" {
		return errors.New("未设置服务器地址 (no server URL)")
	}
	tok, err := e.token(ctx)
	if err != nil {
		return err
	}
	if tok == "" {
		return ErrSignedOut
	}
	if server, err := e.store.Meta(ctx, MetaServer); err == nil && server != e.baseURL {
		// Another server: its cursor and versions mean nothing here.
		if err := e.store.ResetCursor(ctx); err != nil {
			return err
		}
		if err := e.store.SetMeta(ctx, MetaServer, e.baseURL); err != nil {
			return err
		}
	}
	start := time.Now()
	err = e.push(ctx, tok, rep)
	rep.PushTime = time.Since(start)
	if err != nil {
		return err
	}
	start = time.Now()
	orgVersion, err := e.pull(ctx, tok, rep)
	rep.PullTime = time.Since(start)
	if err != nil {
		return err
	}
	saved, err := e.syncOrg(ctx, orgVersion)
	if err != nil {
		return e.requestError(ctx, err)
	}
	rep.OrgSaved = saved
	return nil
}

// requestError sorts a failure of a request: a 401 signs out (the token is
// forgotten); the rest passes through.
func (e *Engine) requestError(ctx context.Context, err error) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		if err := e.store.SetMeta(ctx, MetaToken, ""); err != nil {
			return err
		}
		return ErrSignedOut
	}
	return err
}

// do sends a request and sorts its outcome: a network failure, a 5xx or a
// 429 is an offlineError; a 401 is ErrSignedOut; another error status is
// an *APIError; rep.Online is set when the server answered.
func (e *Engine) do(ctx context.Context, rep *Report, r *resty.Request, method, path string) (*resty.Response, error) {
	resp, err := r.SetContext(ctx).Execute(method, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &offlineError{err}
	}
	rep.Online = true
	if !resp.IsError() {
		return resp, nil
	}
	ae := apiError(resp)
	switch {
	case ae.Status == http.StatusUnauthorized:
		return nil, e.requestError(ctx, ae)
	case ae.Status >= 500 || ae.Status == http.StatusTooManyRequests:
		return nil, &offlineError{ae}
	}
	return resp, ae
}

// refusedRequest reports whether err is the server refusing a request for
// what it carries (a 4xx other than 401 and 429), not a failure to reach it.
func refusedRequest(err error) (*APIError, bool) {
	var ae *APIError
	if err == nil || IsOffline(err) || errors.Is(err, ErrSignedOut) || !errors.As(err, &ae) {
		return nil, false
	}
	return ae, true
}

// outChange is a wire.Change as the engine sends it: the field changes
// and the command pass from the outbox payload to the request as they were
// recorded, without being decoded and encoded again (a first sync sends
// megabytes of them). TestOutChangeIsAWireChange keeps it in step with
// wire.Change.
type outChange struct {
	ID          string          `json:"id"`
	ProjectID   string          `json:"project_id"`
	Kind        string          `json:"kind"`
	BaseVersion int64           `json:"base_version"`
	Changes     json.RawMessage `json:"changes,omitempty"`
	Command     json.RawMessage `json:"command,omitempty"`
	At          time.Time       `json:"at"`
	Doc         json.RawMessage `json:"doc,omitempty"`
	Resolves    json.RawMessage `json:"resolves,omitempty"`
}

// hasDocs reports whether a batch sends a document.
func hasDocs(out []outChange) bool {
	for _, c := range out {
		if c.Doc != nil {
			return true
		}
	}
	return false
}

// encodePush writes a push of outChanges as json.Marshal would, without
// compacting again what the outbox holds (encoding/json checks every byte
// of a json.RawMessage, and a first sync sends megabytes of them): the
// payloads and documents are the JSON the store wrote.
func encodePush(device string, out []outChange) []byte {
	size := 64 + len(device)
	for _, c := range out {
		size += 192 + len(c.ProjectID) + len(c.Changes) + len(c.Command) + len(c.Doc)
	}
	b := make([]byte, 0, size)
	b = append(b, `{"device_id":`...)
	b = domain.AppendJSONString(b, device)
	b = append(b, `,"changes":[`...)
	for i, c := range out {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = domain.AppendJSONString(b, c.ID)
		b = append(b, `,"project_id":`...)
		b = domain.AppendJSONString(b, c.ProjectID)
		b = append(b, `,"kind":`...)
		b = domain.AppendJSONString(b, c.Kind)
		b = append(b, `,"base_version":`...)
		b = strconv.AppendInt(b, c.BaseVersion, 10)
		if len(c.Changes) > 0 {
			b = append(b, `,"changes":`...)
			b = append(b, c.Changes...)
		}
		if len(c.Command) > 0 {
			b = append(b, `,"command":`...)
			b = append(b, c.Command...)
		}
		b = append(b, `,"at":`...)
		at, _ := c.At.MarshalJSON()
		b = append(b, at...)
		if len(c.Doc) > 0 {
			b = append(b, `,"doc":`...)
			b = append(b, c.Doc...)
		}
		if len(c.Resolves) > 0 {
			b = append(b, `,"resolves":`...)
			b = append(b, c.Resolves...)
		}
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return b
}

// outPush is a wire.PushRequest of outChanges.
type outPush struct {
	DeviceID string      `json:"device_id"`
	Changes  []outChange `json:"changes"`
}

// payload is the part of an outbox payload a push sends.
type payload struct {
	Changes  json.RawMessage `json:"changes"`
	Command  json.RawMessage `json:"command,omitempty"`
	Resolves json.RawMessage `json:"resolves,omitempty"`
}

// batch is one push, read from the outbox and encoded.
type batch struct {
	changes []sqlite.Change
	out     []outChange
	hashes  []string
	body    []byte
	err     error
}

// readBatch reads and encodes the next batch after the change numbered
// after. A change that creates a project sends its document, unless the
// server has shown it does not know documents.
func (e *Engine) readBatch(ctx context.Context, device string, after int64) batch {
	changes, err := e.store.PendingAfter(ctx, after, pushCount, pushBytes)
	if err != nil || len(changes) == 0 {
		return batch{err: err}
	}
	return encodeBatch(device, changes, !e.noDocs.Load())
}

func encodeBatch(device string, changes []sqlite.Change, docs bool) batch {
	out, hashes, err := toWireWith(changes, docs)
	if err != nil {
		return batch{err: err}
	}
	return batch{changes: changes, out: out, hashes: hashes, body: encodePush(device, out)}
}

// push sends the outbox in batches, in the order the changes were made,
// until it has sent what was pending (and what was saved meanwhile) or a
// batch cannot go. The next batch is read while the server answers one,
// and the answers to one are recorded while the server answers the next;
// push returns once every answer it got is recorded.
func (e *Engine) push(ctx context.Context, tok string, rep *Report) (err error) {
	device, err := e.deviceID(ctx)
	if err != nil {
		return err
	}
	var recording chan error // the answers to the batch before, being recorded
	defer func() {
		if recording != nil {
			if rerr := <-recording; err == nil {
				err = rerr
			}
		}
	}()
	cur := e.readBatch(ctx, device, 0)
	for {
		if cur.err != nil {
			return cur.err
		}
		if len(cur.changes) == 0 {
			return nil
		}
		if err := e.uploadAttachments(ctx, tok, cur.hashes, rep); err != nil {
			return e.failed(ctx, cur.changes, err)
		}
		next := make(chan batch, 1)
		go func(after int64) { next <- e.readBatch(ctx, device, after) }(cur.changes[len(cur.changes)-1].Seq)
		outcomes, err := e.pushBatch(ctx, tok, device, cur.out, cur.body, rep)
		if _, refused := refusedRequest(err); refused && hasDocs(cur.out) {
			// A server from before documents refuses the batch (400):
			// the same changes as field changes, from now on.
			e.noDocs.Store(true)
			if cur = encodeBatch(device, cur.changes, false); cur.err != nil {
				<-next
				return cur.err
			}
			outcomes, err = e.pushBatch(ctx, tok, device, cur.out, cur.body, rep)
		}
		if _, refused := refusedRequest(err); refused && len(cur.out) > 1 {
			// The server refused the batch as a whole (400, 413): send the
			// changes one by one, so only the bad one is held back.
			outcomes = outcomes[:0]
			for _, c := range cur.out {
				one, err := e.pushBatch(ctx, tok, device, []outChange{c}, nil, rep)
				if _, refused := refusedRequest(err); err != nil && !refused {
					<-next
					return e.failed(ctx, cur.changes, err)
				}
				outcomes = append(outcomes, one...)
			}
			err = nil
		}
		if _, refused := refusedRequest(err); err != nil && !refused {
			<-next
			return e.failed(ctx, cur.changes, err)
		}
		if recording != nil {
			if err := <-recording; err != nil {
				recording = nil
				<-next
				return err
			}
		}
		recording = make(chan error, 1)
		go func(outcomes []sqlite.PushOutcome) { recording <- e.store.RecordPushed(ctx, outcomes) }(outcomes)
		cur = <-next
	}
}

// failed records a failed attempt on the batch and returns err.
func (e *Engine) failed(ctx context.Context, batch []sqlite.Change, err error) error {
	if errors.Is(err, ErrSignedOut) || ctx.Err() != nil {
		return err
	}
	ids := make([]string, len(batch))
	for i, c := range batch {
		ids[i] = c.ChangeID
	}
	if merr := e.store.MarkFailedAttempt(context.WithoutCancel(ctx), ids, oneLine(err.Error())); merr != nil {
		return errors.Join(err, merr)
	}
	return err
}

// pushBatch posts changes (encoded as body, or encoded here when body is
// nil) and turns the answers into outcomes. An error
// answer for the whole request is an *APIError; when it concerns a single
// change, that change comes back refused with the reason.
func (e *Engine) pushBatch(ctx context.Context, tok, device string, changes []outChange, body []byte, rep *Report) ([]sqlite.PushOutcome, error) {
	if body == nil {
		body = encodePush(device, changes)
	}
	var out wire.PushResponse
	_, err := e.do(ctx, rep, e.http.R().SetAuthToken(tok).SetHeader("Content-Type", "application/json").
		SetBody(body).SetResult(&out), http.MethodPost, wire.PathPush)
	if ae, refused := refusedRequest(err); refused {
		if len(changes) == 1 {
			return []sqlite.PushOutcome{refusal(changes[0], &ae.Body, rep)}, ae
		}
		return nil, ae
	}
	if err != nil {
		return nil, err
	}
	byID := make(map[string]wire.Result, len(out.Results))
	for _, r := range out.Results {
		byID[r.ChangeID] = r
	}
	outcomes := make([]sqlite.PushOutcome, 0, len(changes))
	var missing []string
	for _, c := range changes {
		r, ok := byID[c.ID]
		if !ok {
			missing = append(missing, c.ID)
			continue
		}
		if r.Status == wire.StatusDuplicate && r.Original == wire.StatusRefused {
			// The answer to a refused change was lost and the resend is
			// answered "duplicate" with the original refusal: it is that
			// refusal, with its reason, not a success.
			outcomes = append(outcomes, refusal(c, r.Error, rep))
			continue
		}
		switch r.Status {
		case wire.StatusApplied, wire.StatusConflict, wire.StatusDuplicate:
			rep.Pushed++
			if r.Status == wire.StatusDuplicate {
				rep.Duplicates++
			}
			if r.Status == wire.StatusConflict || (r.Status == wire.StatusDuplicate && r.Original == wire.StatusConflict) {
				rep.Conflicts++
			}
			pid := r.ProjectID
			if pid == "" {
				pid = c.ProjectID
			}
			if len(r.GoneConflicts) > 0 {
				// It settled conflicts someone else had settled first: its
				// values came back as conflicts (or were there already).
				e.log.InfoContext(ctx, "push: a resolution of conflicts settled meanwhile elsewhere",
					"change", c.ID, "gone", r.GoneConflicts)
			}
			outcomes = append(outcomes, sqlite.PushOutcome{ChangeID: c.ID, ProjectID: pid, Number: r.Number, Version: r.Version,
				Own: ownWrite(c, r)})
		case wire.StatusRefused:
			outcomes = append(outcomes, refusal(c, r.Error, rep))
		default:
			missing = append(missing, c.ID)
		}
	}
	if len(missing) > 0 {
		// Answered ones are recorded; the rest stay pending for the next pass.
		e.log.WarnContext(ctx, "push: the server did not answer every change", "unanswered", len(missing))
		if err := e.store.MarkFailedAttempt(ctx, missing, "服务器未答复这条修改 (the server did not answer this change)"); err != nil {
			return nil, err
		}
	}
	return outcomes, nil
}

// ownWrite is what the store needs to rebuild the document an edit of
// this device stored on the server, when the answer allows it: an edit
// applied without conflicts (not a resend's answer), with the stored
// document's hash when it wrote anything.
func ownWrite(c outChange, r wire.Result) *sqlite.OwnWrite {
	if r.Status != wire.StatusApplied || c.Kind != wire.KindEdit {
		return nil
	}
	if r.DocSHA256 == "" {
		return &sqlite.OwnWrite{Unchanged: true}
	}
	return &sqlite.OwnWrite{Doc: c.Doc, Changes: c.Changes, Resolves: c.Resolves, SHA256: r.DocSHA256, UpdatedAt: r.UpdatedAt, Seq: r.Seq}
}

func refusal(c outChange, werr *wire.Error, rep *Report) sqlite.PushOutcome {
	reason := Reason(werr)
	code := ""
	if werr != nil {
		code = werr.Code
	}
	rep.Refused++
	rep.Refusals = append(rep.Refusals, Refusal{ChangeID: c.ID, ProjectID: c.ProjectID, Reason: reason, Code: code})
	return sqlite.PushOutcome{ChangeID: c.ID, ProjectID: c.ProjectID, Reason: StoredReason(werr)}
}

// sha256Key is how a field path naming an attachment's hash ends, as it
// appears in a payload's JSON.
var sha256Key = []byte(`.sha256"`)

// toWire turns outbox changes into the protocol's, each with its field
// changes, and lists the attachment hashes they reference.
func toWire(batch []sqlite.Change) ([]outChange, []string, error) {
	return toWireWith(batch, false)
}

// toWireWith is toWire where, with docs, a change that creates a project
// sends its whole document instead of its field changes (the payload is
// then not decoded at all unless it names an attachment).
func toWireWith(batch []sqlite.Change, docs bool) ([]outChange, []string, error) {
	out := make([]outChange, len(batch))
	var hashes []string
	seen := map[string]bool{}
	for i, c := range batch {
		out[i] = outChange{ID: c.ChangeID, ProjectID: c.ProjectID, Kind: string(c.Kind), BaseVersion: c.BaseVersion,
			At: c.CreatedAt}
		doc := docs && c.Doc != nil && c.Kind == sqlite.ChangeEdit && c.BaseVersion == 0
		if doc && !bytes.Contains(c.Payload, sha256Key) {
			out[i].Doc = c.Doc
			continue
		}
		var p payload
		if err := json.Unmarshal(c.Payload, &p); err != nil {
			return nil, nil, fmt.Errorf("outbox change %s: %w", c.ChangeID, err)
		}
		if doc {
			out[i].Doc = c.Doc
		} else {
			out[i].Changes, out[i].Command = p.Changes, p.Command
			if len(p.Resolves) > 0 && string(p.Resolves) != "null" {
				out[i].Resolves = p.Resolves
			}
		}
		if !bytes.Contains(p.Changes, sha256Key) {
			continue
		}
		var fcs []domain.FieldChange
		if err := json.Unmarshal(p.Changes, &fcs); err != nil {
			return nil, nil, fmt.Errorf("outbox change %s: %w", c.ChangeID, err)
		}
		for _, fc := range fcs {
			if !strings.HasSuffix(fc.Path, ".sha256") {
				continue
			}
			var sha string
			if json.Unmarshal([]byte(fc.New), &sha) == nil && sha != "" && !seen[sha] {
				seen[sha] = true
				hashes = append(hashes, sha)
			}
		}
	}
	return out, hashes, nil
}

// pulled is one fetched pull page, decoded.
type pulled struct {
	out    wire.PullResponse
	page   []sqlite.PulledProject
	online bool
	err    error
}

// fetchPage gets the page after since, leaving out the rows own names as
// this device's (device, own: "" for none).
func (e *Engine) fetchPage(ctx context.Context, tok string, since int64, device, own string) pulled {
	var r Report
	var out wire.PullResponse
	req := e.http.R().SetAuthToken(tok).SetResult(&out).
		SetQueryParam("since", strconv.FormatInt(since, 10)).
		SetQueryParam("limit", strconv.Itoa(pullLimit))
	if own != "" {
		req.SetQueryParam("device", device).SetQueryParam("own", own)
	}
	_, err := e.do(ctx, &r, req, http.MethodGet, wire.PathPull)
	if err != nil {
		return pulled{online: r.Online, err: err}
	}
	page := make([]sqlite.PulledProject, len(out.Projects))
	for i, pp := range out.Projects {
		p := new(domain.Project)
		if err := domain.DecodeJSON(pp.Project, p); err != nil {
			return pulled{online: true, err: fmt.Errorf("pull: project %d of the page after %d: %w", i+1, since, err)}
		}
		page[i] = sqlite.PulledProject{Version: pp.Version, Doc: pp.Project, Project: p}
	}
	return pulled{out: out, page: page, online: true}
}

// pull brings the pages after the cursor down, each applied with its
// cursor in one local transaction; the next page is fetched while one is
// being applied. It returns the server's organisation version.
func (e *Engine) pull(ctx context.Context, tok string, rep *Report) (int64, error) {
	cursor, err := e.store.Cursor(ctx)
	if err != nil {
		return 0, err
	}
	// What this device's own pushes stored and it rebuilt need not come
	// back down.
	own, err := e.store.OwnRanges(ctx)
	if err != nil {
		return 0, err
	}
	device, err := e.deviceID(ctx)
	if err != nil {
		return 0, err
	}
	next := e.fetchPage(ctx, tok, cursor, device, own)
	for {
		cur := next
		rep.Online = rep.Online || cur.online
		if cur.err != nil {
			return 0, cur.err
		}
		more := cur.out.More
		if more && cur.out.Cursor <= cursor {
			return 0, fmt.Errorf("pull: the server's cursor did not move past %d", cursor)
		}
		var prefetch chan pulled
		if more {
			prefetch = make(chan pulled, 1)
			go func(since int64) { prefetch <- e.fetchPage(ctx, tok, since, device, own) }(cur.out.Cursor)
		}
		page := cur.page
		if err := e.store.ApplyPulled(ctx, page, cur.out.Cursor); err != nil {
			if prefetch != nil {
				<-prefetch
			}
			return 0, err
		}
		rep.Pulled += len(page)
		if !more {
			return cur.out.OrgVersion, nil
		}
		cursor = cur.out.Cursor
		next = <-prefetch
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
