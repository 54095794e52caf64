package sqlite

import (
	"encoding/json"
	"testing"

	"lixiang/domain"
)

// FuzzImportProjects is `lixiang import` below the command line: any bytes
// that decode and check cleanly as an interchange file (what the command
// accepts) are imported whole or not at all — on an error the store holds
// exactly what it held before — and every imported project reads back as
// the file had it, with one outbox change and its journal each. Seeds are
// the committed samples of domain/testdata/fuzz/FuzzDecodeDocument and a
// valid file; `go test -fuzz FuzzImportProjects ./domain/sqlite` explores.
func FuzzImportProjects(f *testing.F) {
	s, _, _ := openTest(f)
	org := demoOrg(f)
	sample := domain.NewProject("01a21c30-add0-7e7f-bf69-4da8a434d6f9", domain.KindSaaS, user(f, org, "u-zhangwei"), newTestClock().Now())
	sample.Registration.Customer.FullName, sample.Registration.Customer.ShortName = "蜜雪冰城股份有限公司", "蜜雪冰城"
	doc, err := domain.EncodeDocument([]domain.Project{*sample}, newTestClock().Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := domain.DecodeDocument(data)
		if err != nil {
			return
		}
		if errs, _ := d.Check(org); len(errs) > 0 {
			return // the command refuses the file before importing
		}
		before := count(t, s, "SELECT count(*) FROM projects")
		outbox := count(t, s, "SELECT count(*) FROM outbox")
		n, err := s.ImportProjects(t.Context(), "u-zhangwei", d.Projects)
		after := count(t, s, "SELECT count(*) FROM projects")
		if err != nil {
			if after != before || count(t, s, "SELECT count(*) FROM outbox") != outbox {
				t.Fatalf("a failed import left %d projects (had %d): %v", after, before, err)
			}
			return
		}
		if after != before+n || count(t, s, "SELECT count(*) FROM outbox") != outbox+n {
			t.Fatalf("imported %d: %d → %d projects", n, before, after)
		}
		for _, p := range d.Projects {
			got, err := s.Project(t.Context(), p.ID)
			if err != nil {
				t.Fatalf("imported project %s: %v", p.ID, err)
			}
			want := p
			want.UpdatedAt = got.UpdatedAt
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(&want)
			if string(a) != string(b) {
				t.Fatalf("project %s reads back as\n%s\nnot\n%s", p.ID, a, b)
			}
		}
	})
}
