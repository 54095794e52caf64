// Package wire is the sync protocol of 立项通 between the desktop app and
// the central server: the JSON messages, the endpoint paths and the stable
// error codes both sides share (docs/api.md documents them with curl
// examples). It imports no I/O.
//
// The protocol, in short (see SYNC-LESSONS for why):
//   - Push: the client sends its outbox in batches bounded by count and
//     bytes. Every change has a client-generated id and the server version
//     it was based on; the server records every change id it has answered,
//     so a resend after a lost response gets the same answer and applies
//     nothing twice.
//   - The server merges edits field by field (domain.Merge); two different
//     values for one field become a domain.Conflict kept on the project for
//     everyone to see. Workflow actions are re-checked on the server with the
//     same domain rules as the desktop; a refusal comes back with its reason.
//   - Pull: by a server-assigned sequence cursor, paged; whole project
//     documents (deleted ones as tombstones with Deleted set). A device
//     that rebuilt what its own push stored (Result.DocSHA256) names those
//     rows (own), and the pull leaves out the ones its pushes wrote last.
//   - Attachments travel apart, by SHA-256, as binary, resumable by offset.
package wire

import (
	"encoding/json"
	"time"

	"lixiang/domain"
)

// Endpoint paths (Go 1.22 mux patterns on the server).
const (
	PathLogin        = "/api/v1/login"                // POST LoginRequest → LoginResponse
	PathLogout       = "/api/v1/logout"               // POST → 204
	PathMe           = "/api/v1/me"                   // GET → LoginResponse without token
	PathOrg          = "/api/v1/org"                  // GET → OrgResponse
	PathPush         = "/api/v1/sync/push"            // POST PushRequest → PushResponse
	PathPull         = "/api/v1/sync/pull"            // GET ?since=SEQ&limit=N[&device=ID&own=A-B,C-D] → PullResponse
	PathMissing      = "/api/v1/attachments/missing"  // POST MissingRequest → MissingResponse
	PathAttachment   = "/api/v1/attachments/{sha256}" // HEAD (offset) / PUT (upload) / GET (download)
	PathHealth       = "/api/v1/health"               // GET → {"status":"ok"} without auth
	AttachmentPrefix = "/api/v1/attachments/"
)

// Limits the server enforces (and the client respects when batching).
const (
	MaxPushChanges = 500             // changes in one push
	MaxPushBytes   = 4 << 20         // bytes of one push body
	MaxPullLimit   = 1000            // projects in one pull page
	MaxOwnRanges   = 64              // ranges of sequence numbers in a pull's own
	MaxAttachment  = 64 << 20        // bytes of one attachment
	MaxSmallBody   = 64 << 10        // bytes of login and other small bodies
	OffsetHeader   = "Upload-Offset" // bytes of an attachment the server holds
	AuthScheme     = "Bearer"
)

// Error codes: the domain's (domain.EINVALID, ENOTFOUND, ECONFLICT,
// EFORBIDDEN, ESTATE, EINTERNAL, EUNAUTHORIZED) and the protocol's own.
// They are stable strings, only ever appended to.
const (
	ETooLarge     = "too_large"     // 413: the body is over its limit
	EBadRequest   = "bad_request"   // 400: malformed JSON, unknown fields, bad parameters
	ERateLimited  = "rate_limited"  // 429: too many failed logins; retry later
	EHashMismatch = "hash_mismatch" // 400: the uploaded bytes are not the named SHA-256
)

// Error is the body of every error response: a stable code and a message a
// person can act on, in Chinese and English; Problems lists every broken
// rule of a form when there are several.
type Error struct {
	Code     string          `json:"code"`
	Message  string          `json:"message"`
	English  string          `json:"message_en"`
	Problems domain.Problems `json:"problems,omitempty"`
}

// ErrorBody wraps Error: {"error": {...}}.
type ErrorBody struct {
	Error Error `json:"error"`
}

// LoginRequest signs a person in.
type LoginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	DeviceID string `json:"device_id,omitempty"`
}

// LoginResponse carries the bearer token (opaque; the server stores only
// its hash) and who signed in.
type LoginResponse struct {
	Token      string      `json:"token,omitempty"`
	ExpiresAt  time.Time   `json:"expires_at"`
	User       domain.User `json:"user"`
	OrgVersion int64       `json:"org_version"`
}

// OrgResponse is the organisation directory and catalogues, synced down so
// offline forms use the current ones.
type OrgResponse struct {
	Org domain.Org `json:"org"`
}

// Change kinds.
const (
	KindEdit   = "edit"   // field changes of a save
	KindAction = "action" // a workflow command (and the field changes it made locally)
)

// Change is one outbox entry as sent. The actor is the token's user: the
// server never trusts an actor named by the client.
type Change struct {
	ID        string `json:"id"` // client-generated UUID v7, unique forever
	ProjectID string `json:"project_id"`
	Kind      string `json:"kind"`
	// BaseVersion is the server version of the project the change was made
	// on; 0 for a project the server has never seen (a create).
	BaseVersion int64                `json:"base_version"`
	Changes     []domain.FieldChange `json:"changes,omitempty"`
	Command     *domain.Command      `json:"command,omitempty"` // kind action
	At          time.Time            `json:"at"`                // when it was made on the device
	// Doc is the whole document of a new project (a domain.Project), sent
	// by a create — kind edit, base version 0 — instead of its field
	// changes: the server decodes it once rather than rebuilding it from
	// some sixty leaves. It means exactly what its leaves sent as Changes
	// (old values null) would mean: the same checks, project and journal,
	// and when the project is on the server already, the same merge. A
	// change carries Doc or Changes, never both. (Added after the first
	// release: a server that does not know it refuses the push with 400,
	// and the client sends the batch again as field changes.)
	Doc json.RawMessage `json:"doc,omitempty"`
	// Resolves names the conflicts (冲突) this edit settles, by identity
	// (domain.Conflict.ID: "<change_id>:<path>"), never by their place in
	// the list, which differs between devices: the server removes those
	// conflicts and no other. The edit carries the chosen value as an
	// ordinary field change and no change of the conflicts list itself. A
	// conflict that is gone (settled meanwhile by someone else) is not
	// looked for anywhere else: the answer names it in GoneConflicts, and
	// the edit's value for its field becomes a conflict unless the field
	// holds it already, so that a person sees both. (Added with conflict
	// identities; an edit of before, changing conflicts[i] rows, is read as
	// resolutions by identity where its old values show which conflict
	// the device saw in the row.)
	Resolves []string `json:"resolves,omitempty"`
}

// PushRequest is one batch of the outbox, in the device's order.
type PushRequest struct {
	DeviceID string   `json:"device_id"`
	Changes  []Change `json:"changes"`
}

// Result statuses of a pushed change.
const (
	StatusApplied   = "applied"   // merged with no conflict
	StatusConflict  = "conflict"  // merged; some fields conflicted and are kept as domain.Conflict
	StatusDuplicate = "duplicate" // this change id was answered before: nothing applied again
	StatusRefused   = "refused"   // refused (permission, state, validation); see Error
)

// Result is the server's answer for one change. Applied and Conflict are
// final successes (the client acks the change); Refused is final too (the
// change goes to "needs attention" with Error). A duplicate is the
// original answer again, whole (its version, number, conflicts, and for a
// refusal its Error with code and reason), with the original status in
// Original: the client takes it as it would have taken the original — a
// duplicate of a refusal is a refusal, not a success.
type Result struct {
	ChangeID  string            `json:"change_id"`
	Status    string            `json:"status"`
	Original  string            `json:"original,omitempty"`
	ProjectID string            `json:"project_id"`
	Version   int64             `json:"version,omitempty"` // the project's server version after it
	Number    string            `json:"number,omitempty"`  // the registration number, once assigned
	Conflicts []domain.Conflict `json:"conflicts,omitempty"`
	Error     *Error            `json:"error,omitempty"`
	// Added after the first release, so that a device need not pull back
	// what its own push stored. For an edit applied without conflicts that
	// wrote the project: the SHA-256 (hex) of the document as stored after
	// it, and the time the server stamped on it (updated_at; on a create
	// without one, created_at too). On the last change of the push that
	// wrote a project: the project's sequence number after the push. A
	// device that rebuilds every document it wrote in a push and finds
	// these hashes names those sequence numbers when it pulls (own), and
	// the pull leaves out the ones its pushes wrote last.
	DocSHA256 string    `json:"doc_sha256,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Seq       int64     `json:"seq,omitempty"`
	// GoneConflicts are the conflicts the edit settles (Change.Resolves)
	// that were no longer open: nothing was removed for them, and the
	// edit's value for their field is a conflict in Conflicts unless the
	// field held it already.
	GoneConflicts []string `json:"gone_conflicts,omitempty"`
}

// PushResponse answers every change of the batch, in order.
type PushResponse struct {
	Results []Result `json:"results"`
}

// PulledProject is one project as the server has it now.
type PulledProject struct {
	Seq     int64           `json:"seq"`
	Version int64           `json:"version"`
	Project json.RawMessage `json:"project"` // a domain.Project; Deleted set for a tombstone
}

// PullResponse is one page of the projects changed after the cursor that the
// user may see, in sequence order. Cursor is what to send as since next;
// More says whether another page waits.
type PullResponse struct {
	Projects   []PulledProject `json:"projects"`
	Cursor     int64           `json:"cursor"`
	More       bool            `json:"more"`
	OrgVersion int64           `json:"org_version"`
}

// MissingRequest asks which attachments the server lacks.
type MissingRequest struct {
	Hashes []string `json:"hashes"`
}

// MissingResponse lists the hashes the server does not hold complete.
type MissingResponse struct {
	Missing []string `json:"missing"`
}
