package e2e_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/client"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
)

// benchText is Chinese prose to fill registrations with.
const benchText = "客户为大型国有企业，总部设在北京，下属三十余家分子公司，现有OA系统和合同管理系统均由不同厂商建设。" +
	"本次需求是在集团范围内统一建设电子签章平台，实现合同、公文、人事文件的在线签署与归档，" +
	"要求支持国密算法、移动端签署、与现有统一身份认证对接，并保留完整的签署证据链以备审计。"

// benchProjects makes n complete registrations of about 2 KB of JSON each,
// mostly Chinese text, owned by owner.
func benchProjects(b testing.TB, p *peer, n int) []domain.Project {
	b.Helper()
	proto := p.draft(p.user, "基准客户")
	proto.Registration.Attachments = nil
	out := make([]domain.Project, n)
	for i := range out {
		q := *proto
		q.ID = newID(b)
		name := fmt.Sprintf("第%05d号基准客户", i)
		q.Registration.Customer.ShortName = name
		q.Registration.Customer.FullName = name + "信息技术有限公司"
		q.Registration.Requirement = fmt.Sprintf("（%d）%s", i, benchText)
		q.Registration.Other.Notes = string([]rune(benchText)[:60])
		out[i] = q
	}
	raw, _ := json.Marshal(out[0])
	b.Logf("one registration is %d bytes of JSON", len(raw))
	return out
}

// importAll stores projects on p in batches, each queued for the server.
func importAll(b testing.TB, p *peer, ps []domain.Project) {
	b.Helper()
	for i := 0; i < len(ps); i += 1000 {
		if _, err := p.store.ImportProjects(b.Context(), p.user.ID, ps[i:min(i+1000, len(ps))]); err != nil {
			b.Fatal(err)
		}
	}
}

// quietServer keeps the server's per-request log out of benchmarks.
var quietServer = server.WithLogger(slog.New(slog.DiscardHandler))

// BenchmarkPushPull10k pushes 10,000 registrations of about 2 KB from one
// client, then pulls them into a fresh client, over loopback. (The pushing
// client's pass also pulls its own 10,000 back: the protocol has no way to
// leave them out; push_s is its push phase alone.)
func BenchmarkPushPull10k(b *testing.B) {
	const n = 10_000
	for range b.N {
		b.StopTimer()
		srv := servertest.Start(b, quietServer)
		a := newPeer(b, srv, "zhangwei")
		importAll(b, a, benchProjects(b, a, n))
		b.StartTimer()

		cpu := cpuTime()
		push := a.sync()
		pushCPU := cpuTime() - cpu

		b.StopTimer()
		if push.Pushed != n {
			b.Fatalf("pushed %d of %d", push.Pushed, n)
		}
		fresh := newPeer(b, srv, "zhangwei")
		b.StartTimer()

		cpu = cpuTime()
		pull := fresh.sync()
		pullCPU := cpuTime() - cpu

		b.StopTimer()
		if pull.Pulled != n {
			b.Fatalf("pulled %d of %d", pull.Pulled, n)
		}
		b.ReportMetric(push.PushTime.Seconds(), "push_s")
		b.ReportMetric(float64(n)/push.PushTime.Seconds(), "push_docs/s")
		b.ReportMetric(float64(push.BytesSent), "push_bytes_sent")
		b.ReportMetric(push.PullTime.Seconds(), "pullback_s")
		b.ReportMetric(pull.PullTime.Seconds(), "pull_s")
		b.ReportMetric(float64(n)/pull.PullTime.Seconds(), "pull_docs/s")
		b.ReportMetric(pull.IndexTime.Seconds(), "index_s") // after the pull: its projects into the search index
		b.ReportMetric(float64(pull.BytesReceived), "pull_bytes_received")
		b.ReportMetric(float64(push.Requests+pull.Requests), "requests")
		if pushCPU > 0 {
			// CPU seconds of both sides (one process) for the pushing
			// pass, and for the fresh pass: its pull and the indexing
			// after it.
			b.ReportMetric(pushCPU.Seconds(), "push_cpu_s")
			b.ReportMetric(pullCPU.Seconds(), "pull+index_cpu_s")
		}
		b.Logf("push: %d docs in %s (%d requests, %d bytes sent, %d received); pull-back %s; fresh pull: %d docs in %s (%d requests, %d bytes received), indexed for search after it in %s",
			push.Pushed, push.PushTime, push.Requests, push.BytesSent, push.BytesReceived, push.PullTime,
			pull.Pulled, pull.PullTime, pull.Requests, pull.BytesReceived, pull.IndexTime)
		srv.Close()
		b.StartTimer()
	}
}

// syncedPeer is a client with n registrations, all synced.
func syncedPeer(b *testing.B, n int) (*servertest.Instance, *peer, []domain.Project) {
	b.Helper()
	srv := servertest.Start(b, quietServer)
	a := newPeer(b, srv, "zhangwei")
	ps := benchProjects(b, a, n)
	importAll(b, a, ps)
	a.sync()
	return srv, a, ps
}

// BenchmarkSync100Edits is one pass after 100 edits (one field of each of
// 100 registrations): push them and pull the merged projects back.
func BenchmarkSync100Edits(b *testing.B) {
	_, a, ps := syncedPeer(b, 1000)
	var last client.Report
	var used time.Duration // CPU time of the syncs, both sides
	round := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		round++
		for i := range 100 {
			id := ps[(round*100+i)%len(ps)].ID
			a.edit(id, func(p *domain.Project) {
				p.Registration.Other.Notes = fmt.Sprintf("第 %d 轮修改：%s", round, time.Now().Format(time.RFC3339Nano))
			})
		}
		b.StartTimer()
		cpu := cpuTime()
		last = a.sync()
		used += cpuTime() - cpu
		if last.Pushed != 100 {
			b.Fatalf("pushed %d", last.Pushed)
		}
	}
	b.ReportMetric(float64(last.Requests), "requests")
	b.ReportMetric(float64(last.BytesSent), "bytes_sent")
	b.ReportMetric(float64(last.BytesReceived), "bytes_received")
	b.ReportMetric(float64(last.PushTime.Microseconds())/1000, "push_ms")
	b.ReportMetric(float64(last.PullTime.Microseconds())/1000, "pull_ms")
	if used > 0 {
		b.ReportMetric(float64(used.Microseconds())/1000/float64(b.N), "cpu_ms/op")
	}
}

// BenchmarkNoopSync is a pass with nothing to send and nothing new.
func BenchmarkNoopSync(b *testing.B) {
	_, a, _ := syncedPeer(b, 100)
	var last client.Report
	b.ResetTimer()
	for range b.N {
		last = a.sync()
	}
	if last.Pushed+last.Pulled != 0 {
		b.Fatalf("a no-op sync did something: %+v", last)
	}
	b.ReportMetric(float64(last.Requests), "requests")
	b.ReportMetric(float64(last.BytesSent), "bytes_sent")
	b.ReportMetric(float64(last.BytesReceived), "bytes_received")
}
