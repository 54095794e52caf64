package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

const benchText = "客户为大型国有企业，总部设在北京，下属三十余家分子公司，现有OA系统和合同管理系统均由不同厂商建设。" +
	"本次需求是在集团范围内统一建设电子签章平台，实现合同、公文、人事文件的在线签署与归档，" +
	"要求支持国密算法、移动端签署、与现有统一身份认证对接，并保留完整的签署证据链以备审计。"

// benchCreates returns n creations of registrations of about 2 KB of JSON,
// mostly Chinese, as pushes of at most wire.MaxPushChanges, encoded.
func benchCreates(b *testing.B, srv *servertest.Instance, n int) [][]byte {
	b.Helper()
	owner := srv.User(b, "zhangwei")
	var bodies [][]byte
	var batch []wire.Change
	size := 0
	for i := range n {
		p := servertest.NewProject(b, owner, servertest.Registration(domain.KindSaaS, ""), time.Now())
		name := fmt.Sprintf("第%05d号基准客户", i)
		p.Registration.Customer.ShortName = name
		p.Registration.Customer.FullName = name + "信息技术有限公司"
		p.Registration.Requirement = fmt.Sprintf("（%d）%s", i, benchText)
		p.Registration.Other.Notes = string([]rune(benchText)[:60])
		if i == 0 {
			doc, _ := json.Marshal(p)
			b.Logf("one registration is %d bytes of JSON", len(doc))
		}
		ch := servertest.EditChange(b, nil, p, 0)
		cb, _ := json.Marshal(ch)
		if len(batch) == wire.MaxPushChanges || size+len(cb) > wire.MaxPushBytes-1024 {
			body, _ := json.Marshal(wire.PushRequest{DeviceID: "bench", Changes: batch})
			bodies = append(bodies, body)
			batch, size = nil, 0
		}
		batch = append(batch, ch)
		size += len(cb)
	}
	body, _ := json.Marshal(wire.PushRequest{DeviceID: "bench", Changes: batch})
	return append(bodies, body)
}

// BenchmarkServerPushPull10k measures the server alone over loopback:
// 10,000 new registrations of about 2 KB pushed in batches, then pulled by
// another user of the region in pages of wire.MaxPullLimit.
func BenchmarkServerPushPull10k(b *testing.B) {
	const n = 10_000
	for range b.N {
		b.StopTimer()
		var logger *slog.Logger = slog.New(slog.DiscardHandler)
		if testing.Verbose() {
			logger = slog.New(slog.NewTextHandler(b.Output(), nil))
		}
		srv := servertest.Start(b, server.WithLogger(logger))
		bodies := benchCreates(b, srv, n)
		tok, reader := srv.Token(b, "zhangwei"), srv.Token(b, "liuyang")
		sent := 0
		b.StartTimer()

		start := time.Now()
		for _, body := range bodies {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+wire.PathPush, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := srv.Client().Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("push: %v %v", err, resp.Status)
			}
			resp.Body.Close()
			sent += len(body)
		}
		push := time.Since(start)

		start = time.Now()
		var since int64
		got, received := 0, 0
		for {
			resp, body := srv.Do(b, http.MethodGet, fmt.Sprintf("%s?since=%d&limit=%d", wire.PathPull, since, wire.MaxPullLimit), reader, nil)
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("pull: %s", resp.Status)
			}
			var page wire.PullResponse
			if err := json.Unmarshal(body, &page); err != nil {
				b.Fatal(err)
			}
			got += len(page.Projects)
			received += len(body)
			since = page.Cursor
			if !page.More {
				break
			}
		}
		pull := time.Since(start)
		b.StopTimer()
		if got != n {
			b.Fatalf("pulled %d of %d", got, n)
		}
		b.ReportMetric(push.Seconds(), "push_s")
		b.ReportMetric(float64(n)/push.Seconds(), "push_docs/s")
		b.ReportMetric(float64(sent)/float64(n), "push_B/doc")
		b.ReportMetric(pull.Seconds(), "pull_s")
		b.ReportMetric(float64(n)/pull.Seconds(), "pull_docs/s")
		b.ReportMetric(float64(received)/float64(n), "pull_B/doc")
		srv.Close()
	}
}

// BenchmarkServerSync100Edits measures one sync after 100 edits on 100
// registrations: one push of 100 one-field edits, then the pull of what
// changed, over loopback.
func BenchmarkServerSync100Edits(b *testing.B) {
	srv := servertest.Start(b, server.WithLogger(slog.New(slog.DiscardHandler)))
	for _, body := range benchCreates(b, srv, 100) {
		resp, _ := srv.Do(b, http.MethodPost, wire.PathPush, srv.Token(b, "zhangwei"), json.RawMessage(body))
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
	tok := srv.Token(b, "zhangwei")
	all, cursor := srv.PullAll(b, tok, 0)
	projects := make([]*domain.Project, 0, len(all))
	for _, p := range all {
		projects = append(projects, p)
	}
	versions := map[string]int64{}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		changes := make([]wire.Change, len(projects))
		for j, p := range projects {
			next := *p
			next.Registration.Other.Notes = fmt.Sprintf("第 %d 次修改", i)
			changes[j] = servertest.EditChange(b, p, &next, versions[p.ID])
			projects[j] = &next
		}
		body, _ := json.Marshal(wire.PushRequest{DeviceID: "bench", Changes: changes})
		b.StartTimer()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+wire.PathPush, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := srv.Client().Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("push: %v", err)
		}
		var pr wire.PushResponse
		json.NewDecoder(resp.Body).Decode(&pr)
		resp.Body.Close()
		page := srv.Pull(b, tok, cursor, wire.MaxPullLimit)
		b.StopTimer()
		for _, r := range pr.Results {
			if r.Status != wire.StatusApplied {
				b.Fatalf("edit: %s %+v", r.Status, r.Error)
			}
			versions[r.ProjectID] = r.Version
		}
		if len(page.Projects) != len(projects) {
			b.Fatalf("pulled %d", len(page.Projects))
		}
		cursor = page.Cursor
		b.ReportMetric(float64(len(body)), "push_B")
		b.StartTimer()
	}
}
