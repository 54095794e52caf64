package domain_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
)

// Fuzz tests: whatever arrives from a file, a client or a scenario, the
// domain answers with problems or errors, never a panic. `go test` runs the
// seeds only; `go test -fuzz=FuzzDecodeDocument ./domain/` explores.

// FuzzDecodeDocument: decoding and checking any bytes never panics; a
// refusal is an EINVALID error in both languages; an accepted document
// checks, diffs, offers actions and survives its own round trip.
func FuzzDecodeDocument(f *testing.F) {
	org := demoOrg(f)
	doc, err := domain.EncodeDocument(sampleProjects(f, org), t0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add([]byte(`{"format":"lixiang.projects/v1","projects":[]}`))
	f.Add([]byte(`{"format":"lixiang.projects/v1","projects":[{"id":"x","status":"submitted","registration":{"kind":"saas"}}]}`))
	f.Add([]byte(`{"format":"lixiang.projects/v1","projects":[{"registration":{"kind":"local","background":{"user_scale":"五千"}},"approval":{"current":-1}}]}`))
	f.Add([]byte(`{"format":"lixiang.projects/v1","projects":[{"status":"initiated","initiation":{},"handover":{}}]} {}`))
	f.Add([]byte(`{"format":"lixiang.projects/v1","projects":[{"colour":1}]}`))
	f.Add([]byte("\xff\xfe{"))
	users := []domain.User{who(f, org, salesNorth), who(f, org, managerNorth), who(f, org, leaderSouth), who(f, org, pmNorth), who(f, org, csManager)}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := domain.DecodeDocument(data)
		if err != nil {
			e, ok := err.(*domain.Error)
			if !ok || e.Code != domain.EINVALID || e.Message == "" || e.English == "" {
				t.Fatalf("refusal %T %v", err, err)
			}
			return
		}
		doc.Check(org)
		doc.Check(nil)
		for i := range doc.Projects {
			p := &doc.Projects[i]
			_, _ = domain.Diff(nil, p)
			_ = p.Stage()
			_ = p.Title()
			_ = p.ProjectName()
			for _, u := range users {
				_ = p.Allowed(u, org)
				_ = p.WaitsFor(u)
			}
			if p.Initiation != nil {
				_ = domain.ValidateInitiation(p.Initiation, p.Kind(), org)
			}
		}
		again, err := domain.EncodeDocument(doc.Projects, doc.ExportedAt)
		if err != nil {
			t.Fatalf("an accepted document cannot be written back: %v", err)
		}
		if _, err := domain.DecodeDocument(again); err != nil {
			t.Fatalf("a written document cannot be read back: %v\n%s", err, again)
		}
	})
}

// FuzzValidate: any JSON registration validates, scores, derives its title
// and routes without panicking, with or without a directory, and the
// workflow refuses or accepts its submission cleanly.
func FuzzValidate(f *testing.F) {
	org := demoOrg(f)
	for _, k := range domain.Kinds {
		b, err := json.Marshal(validFor(k))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"kind":"local","products":["云签章",""],"systems":[{}],"integration":"maybe","stakeholders":[{"contact":"@"}]}`))
	f.Add([]byte(`{"kind":"saas","contract":{"signed":"no"},"customer":{"region":"west"},"sales_id":"u-zhangwei"}`))
	f.Add([]byte(`{"kind":"upgrade","contract":{"new_contract":"yes","amount":"00.5"},"other":{"go_live":"2026-02-30"},"background":{"user_scale":1e400}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r domain.Registration
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		for _, o := range []*domain.Org{org, nil} {
			ps := domain.Validate(&r, o)
			for _, p := range ps {
				if p.Path == "" || p.Code == "" || strings.TrimSpace(p.Message) == "" || strings.TrimSpace(p.English) == "" {
					t.Fatalf("problem without path, code or message: %+v", p)
				}
			}
			c := domain.Score(&r, o)
			if c.Filled < 0 || c.Filled > c.Total {
				t.Fatalf("score %+v", c)
			}
			_, _, _ = domain.Chain(&r, o)
		}
		_ = r.Title()
		_ = r.NeedsSpecialApproval()
		_ = domain.HandoverParticipantRoles(&r)
		_ = domain.ProductsText(&r)

		p := domain.NewProject(projectID, r.Kind, who(t, org, salesNorth), t0)
		p.Registration = r
		before := snapshot(t, p)
		if _, err := p.Apply(domain.Command{Action: domain.ActSubmit}, who(t, org, salesNorth), org, t0); err != nil {
			if snapshot(t, p) != before {
				t.Fatal("a refused submission changed the project")
			}
		}
		_ = domain.NewHandover(p, org, who(t, org, csNorth))
		_ = domain.NewInitiation(p, org, who(t, org, pmNorth), nil, t0.Add(time.Hour))
		_ = domain.NewInitiation(p, nil, who(t, org, pmNorth), nil, t0)
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("a project that was read cannot be written: %v", err)
		}
	})
}
