package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"lixiang/domain"
)

// A device need not pull back what its own push stored. For an edit it
// made that the server applied without conflicts, the server's answer
// carries the SHA-256 of the document it stored, the time it stamped and,
// on the project's last write of the push, the project's sequence number.
// RecordPushed rebuilds that document here — the create's document with
// the server's times put in, or the server's copy this device holds with
// the change's fields set — and when every write of the push to the
// project rebuilds to the very hash, it applies the document as if it had
// been pulled (same transaction as the acks) and remembers the sequence
// number. The next pull names those numbers (MetaOwn) and the server
// leaves out the rows among them that this device's pushes wrote last; a
// row anyone changed since has another number and comes down as usual. A
// document that does not rebuild exactly (another program's server, a
// stale copy here) is simply pulled.

// MetaOwn is the meta key of the sequence numbers of rows this device's
// pushes wrote and that it rebuilt: ranges "first-last" separated by
// commas, sent with the next pull, dropped once the cursor passes them.
const MetaOwn = "sync.own"

// maxOwnRanges bounds the ranges kept (the server takes at most 64); rows
// in ranges left out are pulled.
const maxOwnRanges = 64

// OwnWrite is what the server's answer to an edit applied without
// conflicts says of the document it stored, and what the device sent.
type OwnWrite struct {
	// Unchanged is set when the change wrote nothing (every field already
	// so).
	Unchanged bool
	Doc       json.RawMessage // the create's document as sent, or nil
	Changes   json.RawMessage // the field changes as sent, when no Doc
	Resolves  json.RawMessage // the conflicts it settled, by identity, as sent (nil for none)
	SHA256    string          // of the stored document, hex
	UpdatedAt time.Time       // the time the server stamped
	Seq       int64           // the row's sequence number, on the project's last write of the push
}

// ownDoc is a document rebuilt as the server stored it.
type ownDoc struct {
	id      string
	doc     []byte
	version int64
	at      time.Time // the server's stamp (updated_at)
	sent    []byte    // the create's document as sent, when the push's only write of it was that create
	here    []byte    // the project's document on this device now (applyOwn)
}

// rebuildOwn rebuilds, inside RecordPushed's transaction, the documents
// this device's answered edits stored on the server, with their sequence
// numbers.
func rebuildOwn(ctx context.Context, tx *sql.Tx, outcomes []PushOutcome) ([]ownDoc, []int64, error) {
	// The outcomes of each project, in order.
	var order []string
	byProject := map[string][]PushOutcome{}
	for _, o := range outcomes {
		if o.ProjectID == "" {
			continue
		}
		if _, ok := byProject[o.ProjectID]; !ok {
			order = append(order, o.ProjectID)
		}
		byProject[o.ProjectID] = append(byProject[o.ProjectID], o)
	}
	// The server's copies the edits apply to, read in one statement.
	var edited []string
	for _, id := range order {
		for _, o := range byProject[id] {
			if o.Own != nil && !o.Own.Unchanged && o.Own.Doc == nil {
				edited = append(edited, id)
				break
			}
		}
	}
	bases, err := readDocs(ctx, tx, "CASE WHEN server_doc = '' THEN doc ELSE server_doc END", edited)
	if err != nil {
		return nil, nil, fmt.Errorf("the server's copies of %d projects: %w", len(edited), err)
	}
	var docs []ownDoc
	var seqs []int64
	for _, id := range order {
		if d, seq, ok := rebuildProject(id, bases[id], byProject[id]); ok {
			docs = append(docs, d)
			seqs = append(seqs, seq)
		}
	}
	return docs, seqs, nil
}

// rebuildProject rebuilds one project's document from its outcomes and
// the server's copy held here (base, nil for none); ok is false when any of
// them cannot be rebuilt or checked.
func rebuildProject(id string, base []byte, outs []PushOutcome) (d ownDoc, seq int64, ok bool) {
	var text []byte // the server's document so far; nil until needed
	for _, o := range outs {
		w := o.Own
		if o.Refused != "" || w == nil {
			return ownDoc{}, 0, false
		}
		if w.Unchanged {
			continue
		}
		if w.Doc != nil {
			if text = domain.StampTimes(w.Doc, w.UpdatedAt); text != nil && !hashIs(text, w.SHA256) {
				text = nil
			}
		} else {
			if text == nil {
				if base == nil {
					return ownDoc{}, 0, false // no server copy here
				}
				text = base
			}
			text = applyOwnChanges(text, w)
		}
		if text == nil {
			return ownDoc{}, 0, false
		}
		d = ownDoc{id: id, doc: text, version: o.Version, at: w.UpdatedAt}
		if w.Doc != nil && len(outs) == 1 {
			d.sent = w.Doc
		}
		seq = w.Seq
	}
	if d.doc == nil || seq <= 0 {
		return ownDoc{}, 0, false
	}
	return d, seq, true
}

// readDocs reads column (an expression over projects) of the projects with
// ids, in statements of up to ownChunk ids; a project not here, or whose
// value is NULL, is left out.
func readDocs(ctx context.Context, tx *sql.Tx, column string, ids []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), ownChunk)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, "SELECT id, "+column+" FROM projects WHERE id IN ("+marks(len(chunk))+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var doc sql.NullString
			if err := rows.Scan(&id, &doc); err != nil {
				rows.Close()
				return nil, err
			}
			if doc.Valid {
				out[id] = []byte(doc.String)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// applyOwnChanges is the server's merge of an edit applied without
// conflicts onto the document it had: every field takes its new value,
// settled conflicts leave no empty row, the time is the server's. It is
// nil unless the result has the answer's hash. The new values are put
// into the text in place when they can be; otherwise, or when that text
// is not what encoding gives, the document is decoded, set and encoded.
func applyOwnChanges(text []byte, w *OwnWrite) []byte {
	var changes []domain.FieldChange
	if err := domain.DecodeJSON(w.Changes, &changes); err != nil {
		return nil
	}
	stamp, err := w.UpdatedAt.MarshalJSON()
	if err != nil {
		return nil
	}
	var resolves []string
	if len(w.Resolves) > 0 {
		if err := domain.DecodeJSON(w.Resolves, &resolves); err != nil {
			return nil
		}
	}
	sets := make(map[string]string, len(changes)+1)
	conflicts := len(resolves) > 0
	for _, c := range changes {
		sets[c.Path] = c.New
		conflicts = conflicts || strings.HasPrefix(c.Path, "conflicts")
	}
	if !conflicts {
		spliced := maps.Clone(sets)
		spliced["updated_at"] = string(stamp)
		if out, ok := domain.SpliceLeaves(text, spliced); ok && hashIs(out, w.SHA256) {
			return out
		}
	}
	var p domain.Project
	if err := domain.DecodeJSON(text, &p); err != nil {
		return nil
	}
	// The server settles conflicts by identity, as it read them.
	changes, legacy, _ := domain.LegacyConflictEdits(&p, changes)
	clear(sets)
	for _, c := range changes {
		sets[c.Path] = c.New
	}
	out, err := domain.SetFields(&p, sets)
	if err != nil {
		return nil
	}
	out.Conflicts, _ = domain.RemoveConflicts(out.Conflicts, append(resolves, legacy...))
	out.UpdatedAt = w.UpdatedAt
	b, err := json.Marshal(out)
	if err != nil || !hashIs(b, w.SHA256) {
		return nil
	}
	return b
}

func hashIs(b []byte, want string) bool {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]) == want
}

// applyOwn applies rebuilt documents as ApplyPulled applies pulled ones.
// When nothing was saved here since the push was read (so there is nothing
// to replay), the project here is the document this device sent: the
// server stored that very document (a create keeps the device's times) or
// one that differs from it only in the server's time, so only the version,
// or the document, its time and the server's copy, are written — many in
// one statement, and a create's document not even read first (it is the
// one sent). The rest take ApplyPulled's way.
func (s *Store) applyOwn(ctx context.Context, tx *sql.Tx, docs []ownDoc, at string) error {
	var unread []string
	for _, d := range docs {
		if d.sent == nil {
			unread = append(unread, d.id)
		}
	}
	local, err := readDocs(ctx, tx, "doc", unread)
	if err != nil {
		return fmt.Errorf("%d projects: %w", len(unread), err)
	}
	var same, stamped, rest []ownDoc
	for _, d := range docs {
		if d.here = d.sent; d.here == nil {
			d.here = local[d.id]
		}
		switch {
		case d.here == nil:
			rest = append(rest, d)
		case bytes.Equal(d.here, d.doc):
			same = append(same, d)
		case sameButUpdatedAt(string(d.here), string(d.doc)):
			stamped = append(stamped, d)
		default:
			rest = append(rest, d)
		}
	}
	missed, err := writeOwn(ctx, tx, same, "server_doc = '', server_version = max(server_version, v.column2)",
		func(d ownDoc) []any { return []any{d.id, d.version, string(d.here)} })
	if err != nil {
		return err
	}
	rest = append(rest, missed...)
	missed, err = writeOwn(ctx, tx, stamped, `doc = v.column2, server_doc = '', updated_at = v.column3,
		server_version = max(server_version, v.column4)`,
		func(d ownDoc) []any { return []any{d.id, string(d.doc), formatTime(d.at), d.version, string(d.here)} })
	if err != nil {
		return err
	}
	rest = append(rest, missed...)
	pulled := make([]PulledProject, len(rest))
	for i, d := range rest {
		pulled[i] = PulledProject{Version: d.version, Doc: d.doc}
	}
	return s.applyPage(ctx, tx, pulled, at)
}

// ownChunk bounds the rows of one statement of readDocs and writeOwn.
const ownChunk = 500

// writeOwn updates the projects of docs with set, whose v.columnN are the
// values row gives (the id first, the document here last), where the
// project is still that document and nothing of it waits to be sent. It
// returns the documents whose projects were not so.
func writeOwn(ctx context.Context, tx *sql.Tx, docs []ownDoc, set string, row func(ownDoc) []any) ([]ownDoc, error) {
	var missed []ownDoc
	for len(docs) > 0 {
		chunk := docs[:min(len(docs), ownChunk)]
		docs = docs[len(chunk):]
		var args []any
		for _, d := range chunk {
			args = append(args, row(d)...)
		}
		cols := len(args) / len(chunk)
		tuple := "(" + marks(cols) + "), "
		rows, err := tx.QueryContext(ctx, `UPDATE projects SET `+set+`
			FROM (VALUES `+strings.TrimSuffix(strings.Repeat(tuple, len(chunk)), ", ")+`) AS v
			WHERE projects.id = v.column1 AND projects.doc = v.column`+strconv.Itoa(cols)+`
			AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.project_id = projects.id
				AND (o.state = 'pending' OR (o.state = 'needs_attention' AND o.kind = 'edit')))
			RETURNING projects.id`, args...)
		if err != nil {
			return nil, fmt.Errorf("the server's copies of %d projects: %w", len(chunk), err)
		}
		done := make(map[string]bool, len(chunk))
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			done[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("the server's copies of %d projects: %w", len(chunk), err)
		}
		for _, d := range chunk {
			if !done[d.id] {
				missed = append(missed, d) // saved since: the slow way replays
			}
		}
	}
	return missed, nil
}

// sameButUpdatedAt reports whether two project documents (as
// encoding/json writes them) are the same text but for the value of their
// updated_at, without copying either; a document without updated_at is
// the same as none.
func sameButUpdatedAt(a, b string) bool {
	span := func(doc string) (int, int, bool) {
		const key = `"updated_at":"`
		i := strings.Index(doc, key)
		if i < 0 {
			return 0, 0, false
		}
		j := strings.IndexByte(doc[i+len(key):], '"')
		if j < 0 {
			return 0, 0, false
		}
		return i, i + len(key) + j + 1, true
	}
	ai, aj, okA := span(a)
	bi, bj, okB := span(b)
	return okA && okB && a[:ai] == b[:bi] && a[aj:] == b[bj:]
}

// OwnRanges returns what the next pull names as rows this device has
// ("" for none): MetaOwn.
func (s *Store) OwnRanges(ctx context.Context) (string, error) {
	v, err := s.Meta(ctx, MetaOwn)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return "", nil
	}
	return v, err
}

type seqRange [2]int64

func parseRanges(v string) []seqRange {
	var out []seqRange
	for _, part := range strings.Split(v, ",") {
		a, b, ok := strings.Cut(part, "-")
		first, err1 := strconv.ParseInt(a, 10, 64)
		last, err2 := strconv.ParseInt(b, 10, 64)
		if ok && err1 == nil && err2 == nil && first >= 1 && last >= first {
			out = append(out, seqRange{first, last})
		}
	}
	return out
}

func formatRanges(rs []seqRange) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(r[0], 10))
		b.WriteByte('-')
		b.WriteString(strconv.FormatInt(r[1], 10))
	}
	return b.String()
}

// setOwn rewrites MetaOwn inside tx: the ranges held with seqs added and
// those at or below the cursor dropped, coalesced, at most maxOwnRanges
// (the newest kept).
func setOwn(ctx context.Context, tx *sql.Tx, seqs []int64, cursor int64) error {
	var v string
	err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", MetaOwn).Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("own rows: %w", err)
	}
	if v == "" && len(seqs) == 0 {
		return nil
	}
	rs := parseRanges(v)
	for _, s := range seqs {
		rs = append(rs, seqRange{s, s})
	}
	slices.SortFunc(rs, func(a, b seqRange) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	var out []seqRange
	for _, r := range rs {
		if r[1] <= cursor {
			continue
		}
		if n := len(out); n > 0 && r[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	if len(out) > maxOwnRanges {
		out = out[len(out)-maxOwnRanges:]
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, MetaOwn, formatRanges(out))
	if err != nil {
		return fmt.Errorf("own rows: %w", err)
	}
	return nil
}
