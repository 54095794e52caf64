package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"lixiang/domain"
)

// Filter narrows a list of projects. Zero fields do not filter; discarded
// drafts are left out unless IncludeDeleted. Limit ≤ 0 means no limit.
type Filter struct {
	Kind           domain.Kind
	Status         domain.Status
	Region         string
	OwnerID        string
	IncludeDeleted bool
	Limit          int
	Offset         int
}

// Summary is one line of a project list.
type Summary struct {
	ID        string
	Number    string // "" until the server assigns it: show DisplayNumber
	Kind      domain.Kind
	Status    domain.Status
	Title     string
	ShortName string
	FullName  string
	Region    string
	OwnerID   string
	SalesID   string
	UpdatedAt time.Time
	Deleted   bool
	// Pending is true while the project has changes the server does not
	// have yet; NeedsAttention when the server refused one of them.
	Pending        bool
	NeedsAttention bool
}

// DisplayNumber is the registration number, or 待分配 until assigned.
func (s Summary) DisplayNumber() string {
	if s.Number == "" {
		return domain.NumberPending
	}
	return s.Number
}

const summarySelect = `SELECT p.id, p.number, p.kind, p.status, p.title, p.short_name, p.full_name, p.region,
	p.owner_id, p.sales_id, p.updated_at, p.deleted,
	EXISTS (SELECT 1 FROM outbox o WHERE o.project_id = p.id AND o.state = 'pending'),
	EXISTS (SELECT 1 FROM outbox o WHERE o.project_id = p.id AND o.state = 'needs_attention')
	FROM projects p`

// where is the WHERE clause of f (always present, starting with WHERE).
func (f Filter) where() (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if !f.IncludeDeleted {
		conds = append(conds, "p.deleted = 0")
	}
	if f.Kind != "" {
		add("p.kind = ?", string(f.Kind))
	}
	if f.Status != "" {
		add("p.status = ?", string(f.Status))
	}
	if f.Region != "" {
		add("p.region = ?", f.Region)
	}
	if f.OwnerID != "" {
		add("p.owner_id = ?", f.OwnerID)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// page is the ORDER BY and LIMIT of f: newest first.
func (f Filter) page() (string, []any) {
	limit := -1
	if f.Limit > 0 {
		limit = f.Limit
	}
	return " ORDER BY p.updated_at DESC, p.pk DESC LIMIT ? OFFSET ?", []any{limit, max(f.Offset, 0)}
}

// ListProjects returns the projects that pass f, most recently updated first.
func (s *Store) ListProjects(ctx context.Context, f Filter) ([]Summary, error) {
	where, args := f.where()
	page, pargs := f.page()
	out, err := s.summaries(ctx, summarySelect+where+page, append(args, pargs...))
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}

// Search returns the projects that pass f and whose customer names, title,
// requirement, notes or number contain every space-separated term of q,
// most recently updated first. Terms are substrings, Chinese or not, of any
// length: terms of three or more characters go through the trigram
// full-text index (or LIKE for a project a pull brought that IndexPending
// has not indexed yet), shorter ones through LIKE on the same text. Every term
// is taken literally (quotes, %, _, *, OR, NEAR( are just characters). An
// empty q lists like ListProjects.
func (s *Store) Search(ctx context.Context, q string, f Filter) ([]Summary, error) {
	where, args := f.where()
	var phrases, pending []string
	var pendingArgs []any
	for _, term := range strings.Fields(q) {
		if utf8.RuneCountInString(term) >= 3 {
			phrases = append(phrases, `"`+strings.ReplaceAll(term, `"`, `""`)+`"`)
			pending = append(pending, ` AND search_text LIKE ? ESCAPE '\'`)
			pendingArgs = append(pendingArgs, "%"+escapeLike(term)+"%")
			continue
		}
		where += ` AND p.search_text LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLike(term)+"%")
	}
	if len(phrases) > 0 {
		// A project a pull brought and not yet indexed (fts_pending) is
		// looked for in its text (a union, not an OR, keeps the index's
		// plan: the pending ones are few and have their own index).
		where += " AND p.pk IN (SELECT rowid FROM project_fts WHERE project_fts MATCH ?" +
			" UNION ALL SELECT pk FROM projects WHERE fts_pending = 1" + strings.Join(pending, "") + ")"
		args = append(append(args, strings.Join(phrases, " ")), pendingArgs...)
	}
	page, pargs := f.page()
	out, err := s.summaries(ctx, summarySelect+where+page, append(args, pargs...))
	if err != nil {
		return nil, fmt.Errorf("search projects for %q: %w", q, err)
	}
	return out, nil
}

// escapeLike makes s match literally in LIKE … ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *Store) summaries(ctx context.Context, query string, args []any) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var x Summary
		var updated string
		if err := rows.Scan(&x.ID, &x.Number, &x.Kind, &x.Status, &x.Title, &x.ShortName, &x.FullName,
			&x.Region, &x.OwnerID, &x.SalesID, &updated, &x.Deleted, &x.Pending, &x.NeedsAttention); err != nil {
			return nil, err
		}
		if x.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
