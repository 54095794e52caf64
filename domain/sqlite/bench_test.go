package sqlite

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"lixiang/domain"
)

// benchStore is a store holding n projects of every kind with varied
// Chinese customer names (one in ten contains 安证), imported in batches.
func benchStore(b *testing.B, n int) (*Store, []domain.Project) {
	b.Helper()
	s, clock, _ := openTest(b)
	org := demoOrg(b)
	cities := []string{"北京", "上海", "广州", "深圳", "长沙", "成都", "武汉", "杭州", "南京", "西安"}
	trades := []string{"安证", "数科", "银行", "能源", "物流", "医药", "建工", "保险", "证券", "教育"}
	proto := localDraft(b, s, org, clock.Now())
	var all []domain.Project
	for i := range n {
		p := *proto
		p.ID = newID(b)
		p.Registration.Kind = domain.Kinds[i%3]
		name := cities[i%len(cities)] + trades[(i/len(cities))%len(trades)] + fmt.Sprintf("第%d", i)
		p.Registration.Customer.FullName = name + "信息技术有限公司"
		p.Registration.Customer.ShortName = name
		p.Registration.Requirement = fmt.Sprintf("%s需要电子签章与OA系统对接，年签署量约 %d 份", name, 1000*(i%97))
		p.CreatedAt = clock.Now()
		p.UpdatedAt = p.CreatedAt
		all = append(all, p)
	}
	for i := 0; i < n; i += 1000 {
		if _, err := s.ImportProjects(b.Context(), "u-admin", all[i:min(i+1000, n)]); err != nil {
			b.Fatal(err)
		}
	}
	return s, all
}

// BenchmarkSaveProject is one edit of one field of a project among 10,000:
// load, diff, document, journal, outbox and search index in one
// transaction with synchronous=FULL.
func BenchmarkSaveProject(b *testing.B) {
	s, all := benchStore(b, 10_000)
	ctx := b.Context()
	i := 0
	for b.Loop() {
		p := &all[rand.IntN(len(all))]
		i++
		p.Registration.Other.Notes = fmt.Sprintf("第 %d 次修改 %s", i, time.Now())
		if _, err := s.SaveProject(ctx, "u-zhangwei", p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch2Char searches 10,000 projects for a 2-character Chinese
// term (the LIKE path, one in ten projects match), a first page of 50.
func BenchmarkSearch2Char(b *testing.B) {
	s, _ := benchStore(b, 10_000)
	ctx := b.Context()
	for b.Loop() {
		got, err := s.Search(ctx, "安证", Filter{Limit: 50})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 50 {
			b.Fatalf("found %d", len(got))
		}
	}
}

// BenchmarkSearch3Char is the same through the trigram index.
func BenchmarkSearch3Char(b *testing.B) {
	s, _ := benchStore(b, 10_000)
	ctx := b.Context()
	for b.Loop() {
		got, err := s.Search(ctx, "长沙安证", Filter{Limit: 50})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) == 0 {
			b.Fatal("found nothing")
		}
	}
}

// BenchmarkSearchRare3Char looks for a term of 3+ characters that one
// project of 10,000 holds (the trigram index finds it; a scan of every
// project's text would not be quick).
func BenchmarkSearchRare3Char(b *testing.B) {
	s, _ := benchStore(b, 10_000)
	ctx := b.Context()
	for b.Loop() {
		got, err := s.Search(ctx, "第4321", Filter{Limit: 50})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 1 {
			b.Fatalf("found %d", len(got))
		}
	}
}

// pulledPages is benchStore's 10,000 projects as a pull brings them.
func pulledPages(b *testing.B) []PulledProject {
	_, all := benchStore(b, 10_000)
	page := make([]PulledProject, len(all))
	for i := range all {
		raw, err := json.Marshal(&all[i])
		if err != nil {
			b.Fatal(err)
		}
		page[i] = PulledProject{Version: int64(i + 1), Doc: raw}
	}
	return page
}

// BenchmarkSearchRare3CharNotIndexedYet is BenchmarkSearchRare3Char just
// after a first pull of the 10,000, before IndexPending: every project's
// text is looked through.
func BenchmarkSearchRare3CharNotIndexedYet(b *testing.B) {
	page := pulledPages(b)
	s, _, _ := openTest(b)
	if err := s.ApplyPulled(b.Context(), page, int64(len(page))); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := s.Search(b.Context(), "第4321", Filter{Limit: 50})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 1 {
			b.Fatalf("found %d", len(got))
		}
	}
}

// BenchmarkApplyPulled10k writes 10,000 pulled projects into a fresh store
// in pages of 500, as a first pull does (the index waits for IndexPending).
func BenchmarkApplyPulled10k(b *testing.B) {
	page := pulledPages(b)
	for b.Loop() {
		b.StopTimer()
		s, _, _ := openTest(b)
		b.StartTimer()
		for i := 0; i < len(page); i += 500 {
			if err := s.ApplyPulled(b.Context(), page[i:i+500], int64(i+500)); err != nil {
				b.Fatal(err)
			}
		}
	}
}
