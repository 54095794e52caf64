package server

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

// DefaultPullLimit is the page size of a pull that names none.
const DefaultPullLimit = 500

func (s *Server) handleOrg(w http.ResponseWriter, r *http.Request, ss *session) {
	s.writeJSON(w, http.StatusOK, wire.OrgResponse{Org: *ss.org})
}

// handlePush applies a batch of changes in one transaction: all of it
// commits together or none of it does, so a crash mid-request loses nothing
// that was acknowledged and a resend is answered from the record.
func (s *Server) handlePush(w http.ResponseWriter, r *http.Request, ss *session) {
	if r.ContentLength > wire.MaxPushBytes {
		s.writeError(w, r, tooLarge(wire.MaxPushBytes))
		return
	}
	body, err := readBody(w, r, wire.MaxPushBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.PushRequest
	if err := decodeStrict(body, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Changes) > wire.MaxPushChanges {
		s.writeError(w, r, &httpError{code: wire.ETooLarge,
			zh: "一次最多推送 " + strconv.Itoa(wire.MaxPushChanges) + " 条修改",
			en: "at most " + strconv.Itoa(wire.MaxPushChanges) + " changes per push"})
		return
	}
	if ps := checkPush(&req); len(ps) > 0 {
		s.writeError(w, r, &httpError{code: wire.EBadRequest, zh: "推送内容格式不正确，未应用任何修改",
			en: "the push is malformed; nothing was applied", problems: ps})
		return
	}
	docs := decodeDocs(req.Changes)
	now := s.now().UTC()
	var results []wire.Result
	err = s.db.Update(r.Context(), func(tx *sqlite.Tx) error {
		org, err := tx.Org()
		if err != nil {
			return err
		}
		actor, ok := org.User(ss.user.ID)
		if !ok || actor.Disabled {
			return unauthorized("账号已停用或不存在", "the account is disabled or no longer exists")
		}
		run, err := newRun(tx, org, actor, req.DeviceID, req.Changes, docs, now)
		if err != nil {
			return err
		}
		for _, c := range req.Changes {
			if _, err := run.applyChange(c); err != nil {
				return err
			}
		}
		if err := run.flush(); err != nil {
			return err
		}
		results = run.results
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	counts := map[string]int{}
	for _, res := range results {
		counts[res.Status]++
	}
	s.log.Info("push", "user", ss.user.ID, "device", req.DeviceID, "changes", len(results),
		"applied", counts[wire.StatusApplied], "conflict", counts[wire.StatusConflict],
		"duplicate", counts[wire.StatusDuplicate], "refused", counts[wire.StatusRefused])
	s.writeJSON(w, http.StatusOK, wire.PushResponse{Results: results})
}

// queryInt reads a non-negative integer query parameter (def when absent).
func queryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("参数 %[1]s 须为非负整数（现为“%[2]s”）", "%[1]s must be a non-negative integer (got %[2]q)", name, v)
	}
	return n, nil
}

// queryOwn reads the rows a device says it has (own=A-B,C-D: ranges of
// sequence numbers, with device=ID): the pull leaves out those its pushes
// wrote last.
func queryOwn(r *http.Request) (sqlite.Own, error) {
	q := r.URL.Query()
	v, device := q.Get("own"), q.Get("device")
	if v == "" {
		return sqlite.Own{}, nil
	}
	bad := func() error {
		return badRequest("参数 own 须为至多 %[1]d 段“起-止”序号，以逗号分隔，并附 device",
			"own must be at most %[1]d ranges FIRST-LAST of sequence numbers, comma-separated, with device", wire.MaxOwnRanges)
	}
	parts := strings.Split(v, ",")
	if device == "" || len(device) > 200 || len(parts) > wire.MaxOwnRanges {
		return sqlite.Own{}, bad()
	}
	own := sqlite.Own{Device: device}
	for _, part := range parts {
		a, b, ok := strings.Cut(part, "-")
		first, err1 := strconv.ParseInt(a, 10, 64)
		last, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil || first < 1 || last < first {
			return sqlite.Own{}, bad()
		}
		own.Ranges = append(own.Ranges, [2]int64{first, last})
	}
	return own, nil
}

// handlePull answers one page of the projects changed after the cursor
// that the user may see. The stored documents are written as they are, not
// decoded and encoded again.
func (s *Server) handlePull(w http.ResponseWriter, r *http.Request, ss *session) {
	since, err := queryInt(r, "since", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", DefaultPullLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if limit == 0 {
		s.writeError(w, r, badRequest("参数 limit 须大于 0", "limit must be greater than 0"))
		return
	}
	limit = min(limit, wire.MaxPullLimit)
	own, err := queryOwn(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.db.PullOwn(r.Context(), ss.user.ID, ss.user.Has(domain.RoleAdmin), since, int(limit), own)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	orgVersion, err := s.db.OrgVersion(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b bytes.Buffer
	size := 64
	for _, row := range page.Rows {
		size += len(row.Doc) + 64
	}
	b.Grow(size)
	b.WriteString(`{"projects":[`)
	for i, row := range page.Rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"seq":`)
		b.WriteString(strconv.FormatInt(row.Seq, 10))
		b.WriteString(`,"version":`)
		b.WriteString(strconv.FormatInt(row.Version, 10))
		b.WriteString(`,"project":`)
		b.Write(row.Doc)
		b.WriteByte('}')
	}
	b.WriteString(`],"cursor":`)
	b.WriteString(strconv.FormatInt(page.Cursor, 10))
	b.WriteString(`,"more":`)
	b.WriteString(strconv.FormatBool(page.More))
	b.WriteString(`,"org_version":`)
	b.WriteString(strconv.FormatInt(orgVersion, 10))
	b.WriteString("}\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}
