package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// A create may send the new project's whole document (wire.Change.Doc)
// instead of its field changes. It must mean exactly what the document's
// leaves sent as field changes mean: same answer, same project, same
// journal, same refusals; and the same merge when the project is on the
// server already.

// twins are two servers on the same clock: one gets field changes, the
// other documents.
type twins struct {
	a, b *servertest.Instance
}

func startTwins(t *testing.T) twins {
	t.Helper()
	a, _ := start(t)
	b, _ := start(t)
	return twins{a: a, b: b}
}

// same fails unless the two answers, the two stored projects and their
// journals are the same (change ids aside).
func (tw twins) same(t *testing.T, what, id string, ra, rb wire.Result) {
	t.Helper()
	ra.ChangeID, rb.ChangeID = "", ""
	for i := range ra.Conflicts {
		ra.Conflicts[i].ChangeID = ""
	}
	for i := range rb.Conflicts {
		rb.Conflicts[i].ChangeID = ""
	}
	if !reflect.DeepEqual(ra, rb) {
		t.Fatalf("%s: field changes answered %+v (%+v), the document %+v (%+v)", what, ra, ra.Error, rb, rb.Error)
	}
	pa, _ := tw.a.PullAll(t, tw.a.Token(t, "admin"), 0)
	pb, _ := tw.b.PullAll(t, tw.b.Token(t, "admin"), 0)
	if (pa[id] == nil) != (pb[id] == nil) {
		t.Fatalf("%s: stored by field changes %v, by the document %v", what, pa[id] != nil, pb[id] != nil)
	}
	if pa[id] == nil {
		return
	}
	for _, p := range []*domain.Project{pa[id], pb[id]} {
		for i := range p.Conflicts {
			p.Conflicts[i].ChangeID = ""
		}
	}
	ja, _ := json.Marshal(pa[id])
	jb, _ := json.Marshal(pb[id])
	if string(ja) != string(jb) {
		t.Fatalf("%s: stored\n%s\nby field changes, and\n%s\nby the document", what, ja, jb)
	}
	la, err := tw.a.DB.Journal(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := tw.b.DB.Journal(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(la) != len(lb) {
		t.Fatalf("%s: %d journal lines by field changes, %d by the document", what, len(la), len(lb))
	}
	for i := range la {
		if la[i].ActorID != lb[i].ActorID || !reflect.DeepEqual(la[i].Changes, lb[i].Changes) {
			t.Fatalf("%s: journal line %d:\n%+v\nby field changes,\n%+v\nby the document", what, i, la[i], lb[i])
		}
	}
}

// create pushes p's creation by login to both twins, as field changes and
// as a document, and checks that both do the same.
func (tw twins) create(t *testing.T, what, login string, p *domain.Project) wire.Result {
	t.Helper()
	ra := tw.a.Push(t, tw.a.Token(t, login), servertest.EditChange(t, nil, p, 0)).Results[0]
	rb := tw.b.Push(t, tw.b.Token(t, login), servertest.DocChange(t, p)).Results[0]
	tw.same(t, what, p.ID, ra, rb)
	return rb
}

func TestCreateByDocumentIsCreateByFieldChanges(t *testing.T) {
	tw := startTwins(t)
	now := t0
	lina, zhangwei := tw.a.User(t, "lina"), tw.a.User(t, "zhangwei")
	local := servertest.NewProject(t, lina, servertest.Registration(domain.KindLocal, ""), now)
	mustApply(t, "local", tw.create(t, "local", "lina", local))
	saas := servertest.NewProject(t, zhangwei, servertest.Registration(domain.KindSaaS, ""), now)
	mustApply(t, "saas", tw.create(t, "saas", "zhangwei", saas))
	upgrade := servertest.NewProject(t, zhangwei, servertest.Registration(domain.KindUpgrade, saas.ID), now)
	mustApply(t, "upgrade", tw.create(t, "upgrade", "zhangwei", upgrade))

	// Text encoding/json escapes.
	odd := servertest.NewProject(t, lina, servertest.Registration(domain.KindLocal, ""), now)
	odd.Registration.Requirement = "a<b>&c\u2028d\u2029e\x01f\"g\\h\ni 😀"
	mustApply(t, "escapes", tw.create(t, "escapes", "lina", odd))
	// An empty row, an empty list and a bare draft.
	rows := servertest.NewProject(t, lina, servertest.Registration(domain.KindLocal, ""), now)
	rows.Registration.Stakeholders = append(rows.Registration.Stakeholders, domain.Stakeholder{})
	rows.Registration.Products = []string{}
	tw.create(t, "an empty row", "lina", rows)
	bare := domain.NewProject(servertest.NewID(t), domain.KindSaaS, zhangwei, now)
	tw.create(t, "a bare draft", "zhangwei", bare)

	// What a create may not do is refused alike.
	refusals := []struct {
		name  string
		login string
		edit  func(p *domain.Project)
		code  string
	}{
		{"someone else as applicant", "zhangwei", func(p *domain.Project) { p.OwnerID = "u-liuyang" }, domain.EFORBIDDEN},
		{"not a draft", "zhangwei", func(p *domain.Project) { p.Status = domain.StatusSubmitted }, domain.EFORBIDDEN},
		{"with a number", "zhangwei", func(p *domain.Project) { p.Number = "SSDJ-2026-0042" }, domain.EFORBIDDEN},
		{"with an approval round", "zhangwei", func(p *domain.Project) { p.Approval = &domain.ApprovalRound{Round: 1} }, domain.EFORBIDDEN},
		{"with decisions", "zhangwei", func(p *domain.Project) {
			p.Decisions = []domain.Decision{{Action: domain.ActApprove, ActorID: "u-zhangwei"}}
		}, domain.EFORBIDDEN},
		{"with a handover", "zhangwei", func(p *domain.Project) { p.Handover = &domain.Handover{OrganiserID: "u-zhangwei"} }, domain.EFORBIDDEN},
		{"with a receiver", "zhangwei", func(p *domain.Project) { p.ReceiverID = "u-zhaolei" }, domain.EFORBIDDEN},
		{"discarded", "zhangwei", func(p *domain.Project) { p.Deleted = true }, domain.EFORBIDDEN},
		{"unknown kind", "zhangwei", func(p *domain.Project) { p.Registration.Kind = "gift" }, domain.EINVALID},
		{"upgrade on a project the server lacks", "zhangwei", func(p *domain.Project) {
			p.Registration = servertest.Registration(domain.KindUpgrade, servertest.NewID(t))
		}, domain.EINVALID},
		{"a PM raises a registration", "zhaolei", func(p *domain.Project) { p.OwnerID = "u-zhaolei" }, domain.EFORBIDDEN},
		{"the zero creation time", "zhangwei", func(p *domain.Project) { p.CreatedAt = time.Time{} }, domain.EINVALID},
		{"created two days ahead", "zhangwei", func(p *domain.Project) { p.CreatedAt = now.Add(48 * time.Hour) }, domain.EINVALID},
		{"an attachment named with a path", "zhangwei", func(p *domain.Project) { p.Registration.Attachments[0].Name = "../a.docx" }, domain.EINVALID},
	}
	for _, tt := range refusals {
		p := servertest.NewProject(t, zhangwei, servertest.Registration(domain.KindSaaS, ""), now)
		tt.edit(p)
		mustRefuse(t, tt.name, tw.create(t, tt.name, tt.login, p), tt.code)
	}
}

// TestCreateKeepsTheDevicesSaveTime: a new project sent as a document
// keeps the time of the save that made it (updated_at, in the device's own
// time zone) when it is not before its creation nor more than a day ahead
// of the server's clock, so the device's copy is already the server's;
// otherwise it takes the server's time. (Field changes never carry
// updated_at: domain.Diff leaves it out.)
func TestCreateKeepsTheDevicesSaveTime(t *testing.T) {
	srv, _ := start(t)
	tok := srv.Token(t, "zhangwei")
	zhangwei := srv.User(t, "zhangwei")
	beijing := time.FixedZone("CST", 8*3600)
	created := t0.Add(-3 * time.Hour).In(beijing)
	for _, tt := range []struct {
		name  string
		saved time.Time
		want  time.Time
	}{
		{"saved offline an hour ago", t0.Add(-time.Hour).In(beijing), t0.Add(-time.Hour).In(beijing)},
		{"saved when it was created", created, created},
		{"saved a few hours ahead of the server's clock", t0.Add(5 * time.Hour).In(beijing), t0.Add(5 * time.Hour).In(beijing)},
		{"saved before it was created", created.Add(-time.Minute), t0},
		{"saved two days ahead", t0.Add(48 * time.Hour), t0},
	} {
		p := servertest.NewProject(t, zhangwei, servertest.Registration(domain.KindSaaS, ""), created)
		p.UpdatedAt = tt.saved
		res := srv.Push(t, tok, servertest.DocChange(t, p)).Results[0]
		mustApply(t, tt.name, res)
		if !res.UpdatedAt.Equal(tt.want) {
			t.Errorf("%s: answered updated_at %s, want %s", tt.name, res.UpdatedAt, tt.want)
		}
		got, _ := srv.PullAll(t, tok, 0)
		if q := got[p.ID]; q == nil || !q.UpdatedAt.Equal(tt.want) || !q.CreatedAt.Equal(created) {
			t.Errorf("%s: stored %+v, want updated_at %s", tt.name, q, tt.want)
		}
		if tt.want.Equal(tt.saved) {
			// The stored document is the one sent, byte for byte.
			sent, _ := json.Marshal(p)
			if sum := sha256.Sum256(sent); res.DocSHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: the stored document is not the one sent", tt.name)
			}
		}
	}
}

// TestCreateByDocumentRefusesWhatIsNoProject: a document with a field no
// project has, or a value of the wrong type, is refused like the same leaf
// sent as a field change.
func TestCreateByDocumentRefusesWhatIsNoProject(t *testing.T) {
	tw := startTwins(t)
	zhangwei := tw.a.User(t, "zhangwei")
	for _, tt := range []struct{ name, path, value string }{
		{"unknown field", "registration.colour", `"red"`},
		{"unknown field in a row", "registration.systems[0].colour", `"red"`},
		{"wrong type", "registration.products", `"云签章"`},
		{"unknown top-level field", "colour", `"red"`},
	} {
		p := servertest.NewProject(t, zhangwei, servertest.Registration(domain.KindSaaS, ""), t0)
		leaves, err := domain.Flatten(p)
		if err != nil {
			t.Fatal(err)
		}
		leaves[tt.path] = tt.value
		doc := leavesDoc(t, leaves)
		changes := servertest.EditChange(t, nil, p, 0)
		changes.Changes = changes.Changes[:0]
		for path, v := range leaves {
			changes.Changes = append(changes.Changes, domain.FieldChange{Path: path, Old: "null", New: v})
		}
		ra := tw.a.Push(t, tw.a.Token(t, "zhangwei"), changes).Results[0]
		rb := tw.b.Push(t, tw.b.Token(t, "zhangwei"), wire.Change{ID: servertest.NewID(t), ProjectID: p.ID,
			Kind: wire.KindEdit, Doc: doc, At: t0}).Results[0]
		if rb.Status != wire.StatusRefused || ra.Status != wire.StatusRefused || rb.Error.Code != ra.Error.Code {
			t.Fatalf("%s: field changes %s %+v, document %s %+v", tt.name, ra.Status, ra.Error, rb.Status, rb.Error)
		}
		all, _ := tw.b.PullAll(t, tw.b.Token(t, "admin"), 0)
		if all[p.ID] != nil {
			t.Fatalf("%s: a refused document created the project", tt.name)
		}
	}
}

// leavesDoc writes the JSON document whose leaves are leaves.
func leavesDoc(t *testing.T, leaves map[string]string) json.RawMessage {
	t.Helper()
	// The tree by hand: domain.SetFields would drop an unknown field.
	root := map[string]any{}
	for path, v := range leaves {
		setPath(root, path, json.RawMessage(v))
	}
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setPath puts v at a path of keys and [i] indexes under root.
func setPath(root map[string]any, path string, v any) {
	var node any = root
	i := 0
	for i < len(path) {
		j := i
		for j < len(path) && path[j] != '.' && path[j] != '[' {
			j++
		}
		key := path[i:j]
		m := node.(map[string]any)
		if j == len(path) {
			m[key] = v
			return
		}
		if path[j] == '.' {
			child, ok := m[key].(map[string]any)
			if !ok {
				child = map[string]any{}
				m[key] = child
			}
			node, i = child, j+1
			continue
		}
		// key[n]…
		k := j + 1
		n := 0
		for path[k] != ']' {
			n = n*10 + int(path[k]-'0')
			k++
		}
		list, _ := m[key].([]any)
		for len(list) <= n {
			list = append(list, map[string]any{})
		}
		m[key] = list
		rest := k + 1
		if rest == len(path) {
			list[n] = v
			return
		}
		node, i = list[n], rest+1
	}
}

// TestCreateByDocumentIsMalformedAlone: a document only comes with the
// edit that creates a project, as an object; anything else refuses the
// push as a whole (400), nothing applied.
func TestCreateByDocumentIsMalformedAlone(t *testing.T) {
	srv, c := start(t)
	tok := srv.Token(t, "zhangwei")
	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	good := servertest.DocChange(t, p)
	cases := map[string]func(ch *wire.Change){
		"based on a version": func(ch *wire.Change) { ch.BaseVersion = 2 },
		"on an action": func(ch *wire.Change) {
			ch.Kind, ch.Command = wire.KindAction, &domain.Command{Action: domain.ActSubmit}
		},
		"with field changes too": func(ch *wire.Change) {
			ch.Changes = []domain.FieldChange{{Path: "registration.requirement", Old: "null", New: `"x"`}}
		},
		"not an object": func(ch *wire.Change) { ch.Doc = json.RawMessage(`["a"]`) },
		"a string":      func(ch *wire.Change) { ch.Doc = json.RawMessage(`"{}"`) },
	}
	for name, edit := range cases {
		bad := good
		bad.ID = servertest.NewID(t)
		edit(&bad)
		resp, body := srv.Do(t, http.MethodPost, wire.PathPush, tok, wire.PushRequest{DeviceID: "d",
			Changes: []wire.Change{servertest.DocChange(t, servertest.NewProject(t, srv.User(t, "zhangwei"),
				servertest.Registration(domain.KindSaaS, ""), c.Now())), bad}})
		wantError(t, resp, body, http.StatusBadRequest, wire.EBadRequest)
		if all, _ := srv.PullAll(t, srv.Token(t, "admin"), 0); len(all) != 0 {
			t.Fatalf("%s: a malformed push applied %d projects", name, len(all))
		}
	}
}

// TestCreateByDocumentResendIsDuplicate: the same create sent again (its
// answer was lost) is answered from the record and applies nothing.
func TestCreateByDocumentResendIsDuplicate(t *testing.T) {
	srv, c := start(t)
	tok := srv.Token(t, "lina")
	p := servertest.NewProject(t, srv.User(t, "lina"), servertest.Registration(domain.KindLocal, ""), c.Now())
	ch := servertest.DocChange(t, p)
	first := mustApply(t, "create", srv.Push(t, tok, ch).Results[0])
	c.Advance(time.Minute)
	again := srv.Push(t, tok, ch).Results[0]
	if again.Status != wire.StatusDuplicate || again.Original != wire.StatusApplied || again.Version != first.Version {
		t.Fatalf("resend = %+v, first %+v", again, first)
	}
	lines, err := srv.DB.Journal(t.Context(), p.ID)
	if err != nil || len(lines) != 1 {
		t.Fatalf("journal: %d lines (%v), want the one create", len(lines), err)
	}
	got := serverProject(t, srv, p.ID)
	if !got.UpdatedAt.Equal(t0) || got.Registration.Requirement != p.Registration.Requirement {
		t.Fatalf("after the resend: updated %v, requirement %q", got.UpdatedAt, got.Registration.Requirement)
	}
	// In one batch with an edit of it: the edit sees the created project.
	q := servertest.NewProject(t, srv.User(t, "lina"), servertest.Registration(domain.KindLocal, ""), c.Now())
	edited := *q
	edited.Registration.Requirement = "同一批次里改过"
	res := srv.Push(t, tok, servertest.DocChange(t, q), servertest.EditChange(t, q, &edited, 0)).Results
	mustApply(t, "create", res[0])
	if mustApply(t, "edit", res[1]).Version != 2 {
		t.Fatalf("the edit after the create = %+v", res[1])
	}
	if got := serverProject(t, srv, q.ID); got.Registration.Requirement != "同一批次里改过" {
		t.Fatalf("requirement %q", got.Registration.Requirement)
	}
}

// TestCreateByDocumentOfAProjectTheServerHas: when the project is on the
// server already (someone else created it from the same file), the
// document's leaves merge as the field changes of a create would: equal
// fields are left, different ones are conflicts.
func TestCreateByDocumentOfAProjectTheServerHas(t *testing.T) {
	tw := startTwins(t)
	reg := servertest.Registration(domain.KindLocal, "")
	reg.Customer.Region = "north"
	reg.SalesID, reg.PresalesID = "u-zhangwei", "u-wangfang"
	p := servertest.NewProject(t, tw.a.User(t, "wangfang"), reg, t0)
	for _, srv := range []*servertest.Instance{tw.a, tw.b} {
		mustApply(t, "create", srv.Push(t, srv.Token(t, "wangfang"), servertest.EditChange(t, nil, p, 0)).Results[0])
	}
	// 张伟 imported the same project, with another requirement and a
	// system more.
	mine := *p
	mine.Registration.Requirement = "张伟导入的需求"
	mine.Registration.Systems = append(append([]domain.System{}, p.Registration.Systems...), domain.System{Type: "ERP", Name: "用友", Vendor: "用友"})
	ra := tw.a.Push(t, tw.a.Token(t, "zhangwei"), servertest.EditChange(t, nil, &mine, 0)).Results[0]
	rb := tw.b.Push(t, tw.b.Token(t, "zhangwei"), servertest.DocChange(t, &mine)).Results[0]
	tw.same(t, "an import of a project the server has", p.ID, ra, rb)
	if rb.Status != wire.StatusConflict || len(rb.Conflicts) == 0 {
		t.Fatalf("the document of a project the server has = %+v", rb)
	}
	got := serverProject(t, tw.b, p.ID)
	if got.Registration.Requirement != p.Registration.Requirement {
		t.Fatalf("the server's requirement was overwritten: %q", got.Registration.Requirement)
	}
}
