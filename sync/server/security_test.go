package server_test

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"lixiang/domain"
	localsqlite "lixiang/domain/sqlite"
	"lixiang/sync/client"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// Nobody sees or approves what is not theirs (issue 6): every user of the
// demo organisation × every workflow action and every section edit × every
// state a project of each kind can be in, against the real server. A cell
// is allowed when the SPEC table below says so; the domain's own answer
// (Project.Allowed / CanEdit… for a user who can see the project) must
// agree with that table, so a bug in the domain cannot hide behind a test
// derived from it. Allowed cells apply (on a fresh project in that state);
// every other cell is refused — forbidden, wrong state or not found — and
// changes nothing: the document, its version and the server's sequence stay
// as they were. Who sees each project (pull) and who may download its file
// are checked the same way.

// secActions are the cells of one row: the eight workflow actions and an
// edit of each section.
var secActions = []string{
	string(domain.ActSubmit), string(domain.ActApprove), string(domain.ActReturn), string(domain.ActReject),
	string(domain.ActCompleteHandover), string(domain.ActConfirmContract), string(domain.ActInitiate), string(domain.ActDiscard),
	"edit:registration", "edit:handover", "edit:initiation",
}

// secState is a state a project is brought to: its kind and the steps,
// after its creation, that bring it there ("action:login").
type secState struct {
	name  string
	kind  domain.Kind
	steps []string
}

var (
	localToPM  = []string{"submit:zhangwei", "approve:liuyang", "approve:yanghuiyu", "approve:chenjing"}
	saasToCS   = []string{"submit:zhangwei", "approve:zhengshuang", "handover:zhengshuang"}
	upgradeRec = []string{"submit:zhangwei", "approve:liuyang", "approve:chenjing", "approve:zhaolei"}
)

func cat(parts ...[]string) []string { return slices.Concat(parts...) }

// secStates: the local registration is 王芳's (presales) with 张伟 as the
// responsible sales, in the north, contract not signed (special approval:
// 责任销售 → 销售主管 → 特批领导 → 商务审批员 → PM); the SaaS one is 张伟's,
// contract signed (straight to 客户成功); the upgrade is 张伟's (责任销售 →
// 销售主管 → 商务审批员 → PM, who confirms the new contract).
var secStates = []secState{
	{"local/draft", domain.KindLocal, nil},
	{"local/waiting-sales", domain.KindLocal, []string{"submit:wangfang"}},
	{"local/waiting-manager", domain.KindLocal, []string{"submit:zhangwei"}},
	{"local/waiting-leader", domain.KindLocal, []string{"submit:zhangwei", "approve:liuyang"}},
	{"local/waiting-business", domain.KindLocal, []string{"submit:zhangwei", "approve:liuyang", "approve:yanghuiyu"}},
	{"local/waiting-pm", domain.KindLocal, localToPM},
	{"local/received", domain.KindLocal, cat(localToPM, []string{"approve:zhaolei", "handover:zhaolei"})},
	{"local/handed-over", domain.KindLocal, cat(localToPM, []string{"approve:zhaolei", "handover:zhaolei", "complete_handover:zhaolei", "initiation:zhaolei"})},
	{"local/initiated", domain.KindLocal, cat(localToPM, []string{"approve:zhaolei", "handover:zhaolei", "complete_handover:zhaolei", "initiation:zhaolei", "initiate:zhaolei"})},
	{"local/returned", domain.KindLocal, []string{"submit:zhangwei", "return:liuyang"}},
	{"local/rejected", domain.KindLocal, []string{"submit:zhangwei", "approve:liuyang", "reject:yanghuiyu"}},
	{"local/discarded", domain.KindLocal, []string{"discard:wangfang"}},
	{"saas/draft", domain.KindSaaS, nil},
	{"saas/waiting-cs", domain.KindSaaS, []string{"submit:zhangwei"}},
	{"saas/received", domain.KindSaaS, saasToCS},
	{"saas/handed-over", domain.KindSaaS, cat(saasToCS, []string{"complete_handover:zhengshuang", "initiation:fengting"})},
	{"saas/initiated", domain.KindSaaS, cat(saasToCS, []string{"complete_handover:zhengshuang", "initiation:fengting", "initiate:fengting"})},
	{"upgrade/draft", domain.KindUpgrade, nil},
	{"upgrade/waiting-manager", domain.KindUpgrade, []string{"submit:zhangwei"}},
	{"upgrade/waiting-business", domain.KindUpgrade, []string{"submit:zhangwei", "approve:liuyang"}},
	{"upgrade/waiting-pm", domain.KindUpgrade, []string{"submit:zhangwei", "approve:liuyang", "approve:chenjing"}},
	{"upgrade/received", domain.KindUpgrade, upgradeRec},
	{"upgrade/contract-confirmed", domain.KindUpgrade, cat(upgradeRec, []string{"confirm_yes:zhaolei", "initiation:zhaolei"})},
	{"upgrade/closed", domain.KindUpgrade, cat(upgradeRec, []string{"confirm_no:zhaolei"})},
	{"upgrade/initiated", domain.KindUpgrade, cat(upgradeRec, []string{"confirm_yes:zhaolei", "initiation:zhaolei", "initiate:zhaolei"})},
}

// specAllowed is written from SPEC §2–§4, not from the code: for each
// state, who may take each action; an action not listed is allowed to
// nobody. Approvers decide only the step that waits for them, in their
// region (特批领导 by region; the executing department of the project's
// region or with none); nobody approves their own registration; the admin
// sees everything and decides nothing; finished projects take nothing.
var specAllowed = map[string]map[string][]string{
	"local/draft":                {"submit": {"wangfang", "zhangwei"}, "discard": {"wangfang"}, "edit:registration": {"wangfang", "zhangwei"}},
	"local/waiting-sales":        decide("zhangwei"),
	"local/waiting-manager":      decide("liuyang"),
	"local/waiting-leader":       decide("yanghuiyu"),
	"local/waiting-business":     decide("chenjing"),
	"local/waiting-pm":           decide("zhaolei"),
	"local/received":             {"complete_handover": {"zhaolei"}, "edit:handover": {"zhaolei"}},
	"local/handed-over":          {"initiate": {"zhaolei"}, "edit:initiation": {"zhaolei"}},
	"local/initiated":            {},
	"local/returned":             {"submit": {"wangfang", "zhangwei"}, "edit:registration": {"wangfang", "zhangwei"}},
	"local/rejected":             {},
	"local/discarded":            {},
	"saas/draft":                 {"submit": {"zhangwei"}, "discard": {"zhangwei"}, "edit:registration": {"zhangwei"}},
	"saas/waiting-cs":            decide("zhengshuang", "fengting"),
	"saas/received":              {"complete_handover": {"zhengshuang", "fengting"}, "edit:handover": {"zhengshuang", "fengting"}},
	"saas/handed-over":           {"initiate": {"fengting"}, "edit:initiation": {"fengting"}},
	"saas/initiated":             {},
	"upgrade/draft":              {"submit": {"zhangwei"}, "discard": {"zhangwei"}, "edit:registration": {"zhangwei"}},
	"upgrade/waiting-manager":    decide("liuyang"),
	"upgrade/waiting-business":   decide("chenjing"),
	"upgrade/waiting-pm":         decide("zhaolei"),
	"upgrade/received":           {"confirm_contract": {"zhaolei"}},
	"upgrade/contract-confirmed": {"initiate": {"zhaolei"}, "edit:initiation": {"zhaolei"}},
	"upgrade/closed":             {},
	"upgrade/initiated":          {},
}

func decide(logins ...string) map[string][]string {
	return map[string][]string{"approve": logins, "return": logins, "reject": logins}
}

// southern is everyone of the southern region: they never see, let alone
// decide, these northern projects.
var southern = []string{"lina", "huangbo", "maxiao", "daijuanxiang", "sunli", "wumin", "luoyan"}

// specSees is who sees a draft (SPEC §5 and the server's visibility rule:
// applicant, responsible sales and presales, the region's sales and sales
// managers, the admin) — exactly.
var specSees = map[string][]string{
	"local/draft":   {"admin", "wangfang", "zhangwei", "liuyang"},
	"saas/draft":    {"admin", "zhangwei", "liuyang"},
	"upgrade/draft": {"admin", "zhangwei", "liuyang"},
}

// secEnv is one server with every demo user signed in.
type secEnv struct {
	t      *testing.T
	srv    *servertest.Instance
	tokens map[string]string
	users  []domain.User
	db     *sql.DB
	parent string // the original project of the upgrades
	n      int
}

func newSecEnv(t *testing.T) *secEnv {
	srv, _ := start(t)
	e := &secEnv{t: t, srv: srv, tokens: map[string]string{}}
	for _, u := range srv.Org.Users {
		e.users = append(e.users, u)
		e.tokens[u.Login] = srv.Token(t, u.Login)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(srv.Dir, "server.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	parent := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), t0)
	created(t, srv, e.tokens["zhangwei"], parent)
	e.parent = parent.ID
	return e
}

// stored is a project as the server's database holds it, with its version
// and sequence number.
type stored struct {
	p            *domain.Project
	doc          string
	version, seq int64
}

func (e *secEnv) stored(id string) stored {
	e.t.Helper()
	var s stored
	if err := e.db.QueryRow("SELECT doc, version, seq FROM projects WHERE id = ?", id).Scan(&s.doc, &s.version, &s.seq); err != nil {
		e.t.Fatalf("project %s: %v", id, err)
	}
	s.p = new(domain.Project)
	if err := json.Unmarshal([]byte(s.doc), s.p); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// lastSeq is the server's change sequence: it moves with every write.
func (e *secEnv) lastSeq() int64 {
	e.t.Helper()
	var n int64
	if err := e.db.QueryRow("SELECT value FROM counters WHERE name = 'seq'").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *secEnv) user(login string) domain.User { return e.srv.User(e.t, login) }

// build brings a new project to a state; it returns its id and the SHA-256
// of its own attachment (uploaded by its applicant).
func (e *secEnv) build(st secState) (string, string) {
	t := e.t
	t.Helper()
	e.n++
	owner := "zhangwei"
	reg := servertest.Registration(st.kind, e.parent)
	if st.kind == domain.KindLocal {
		owner = "wangfang"
		reg.Customer.Region = "north"
		reg.SalesID, reg.PresalesID = "u-zhangwei", "u-wangfang"
		reg.Contract = domain.Contract{Signed: domain.No, FirstPayment: domain.No}
	}
	data := []byte(fmt.Sprintf("%%PDF-1.4 %s #%d", st.name, e.n))
	sha := shaOf(data)
	resp, body := put(t, e.srv, e.tokens[owner], sha, data, 0, int64(len(data)), "application/octet-stream")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	reg.Attachments[0].SHA256, reg.Attachments[0].Size = sha, int64(len(data))
	p := servertest.NewProject(t, e.user(owner), reg, t0)
	created(t, e.srv, e.tokens[owner], p)
	for _, step := range st.steps {
		what, login, _ := strings.Cut(step, ":")
		u := e.user(login)
		cur := e.stored(p.ID)
		var ch wire.Change
		switch what {
		case "handover":
			next := *cur.p
			h := domain.NewHandover(&next, e.srv.Org, u)
			h.Time, h.Place = "2026-12-01 14:00", "长沙会议室"
			for i := range h.Participants {
				if h.Participants[i].Name == "" {
					h.Participants[i].Name = "周强"
				}
			}
			next.Handover = h
			ch = servertest.EditChange(t, cur.p, &next, cur.version)
		case "initiation":
			next := *cur.p
			in := domain.NewInitiation(&next, e.srv.Org, u, nil, t0)
			if in.ProductType == "" { // an upgrade takes its parent's
				in.ProductType = "电子签章"
			}
			for i := range in.Permissions {
				switch perm := &in.Permissions[i]; perm.Role {
				case domain.PermProjectAdmin:
					perm.Users = []string{"u-zhaolei"}
				case domain.PermImplementer:
					perm.Users = []string{"u-zhouqiang"}
				}
			}
			next.Initiation = in
			ch = servertest.EditChange(t, cur.p, &next, cur.version)
		case "confirm_yes", "confirm_no":
			answer := domain.Yes
			if what == "confirm_no" {
				answer = domain.No
			}
			ch = servertest.ActionChange(t, p.ID, domain.Command{Action: domain.ActConfirmContract, Answer: answer}, cur.version)
		default:
			ch = servertest.ActionChange(t, p.ID, domain.Command{Action: domain.Action(what), Comment: "意见：" + what}, cur.version)
		}
		if res := e.srv.Push(t, e.tokens[login], ch).Results[0]; res.Status != wire.StatusApplied {
			t.Fatalf("%s: step %s: %s %+v", st.name, step, res.Status, res.Error)
		}
	}
	return p.ID, sha
}

// change is the change a user sends for one cell on the project as stored.
func (e *secEnv) change(cur stored, action string) wire.Change {
	e.t.Helper()
	if sec, ok := strings.CutPrefix(action, "edit:"); ok {
		path := map[string]string{"registration": "registration.other.notes", "handover": "handover.place",
			"initiation": "initiation.special_name"}[sec]
		flat, err := domain.Flatten(cur.p)
		if err != nil {
			e.t.Fatal(err)
		}
		old, ok := flat[path]
		if !ok {
			old = "null"
		}
		return wire.Change{ID: servertest.NewID(e.t), ProjectID: cur.p.ID, Kind: wire.KindEdit, BaseVersion: cur.version,
			Changes: []domain.FieldChange{{Path: path, Old: old, New: `"安全测试 ` + sec + `"`}}}
	}
	return servertest.ActionChange(e.t, cur.p.ID, domain.Command{Action: domain.Action(action), Comment: "安全测试意见", Answer: domain.Yes}, cur.version)
}

// domainAllows is the domain's answer for a user who can see the project.
func domainAllows(p *domain.Project, u domain.User, org *domain.Org, action string) bool {
	switch action {
	case "edit:registration":
		return p.CanEditRegistration(u)
	case "edit:handover":
		return p.CanEditHandover(u)
	case "edit:initiation":
		return p.CanEditInitiation(u)
	}
	return slices.Contains(p.Allowed(u, org), domain.Action(action))
}

func TestEveryRoleActionAndState(t *testing.T) {
	e := newSecEnv(t)
	ids := map[string]string{}
	shas := map[string]string{}
	for _, st := range secStates {
		ids[st.name], shas[st.name] = e.build(st)
	}
	// Who sees what: each user's pull.
	sees := map[string]map[string]bool{}
	for _, u := range e.users {
		all, _ := e.srv.PullAll(t, e.tokens[u.Login], 0)
		sees[u.Login] = map[string]bool{}
		for _, st := range secStates {
			sees[u.Login][st.name] = all[ids[st.name]] != nil
		}
	}
	cells, allowedCells, disagreements := 0, 0, 0
	for _, st := range secStates {
		t.Run(st.name, func(t *testing.T) {
			id := ids[st.name]
			before := e.stored(id)
			seqBefore := e.lastSeq()
			if want, ok := specSees[st.name]; ok {
				var got []string
				for _, u := range e.users {
					if sees[u.Login][st.name] {
						got = append(got, u.Login)
					}
				}
				sort.Strings(got)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("seen by %v, want exactly %v", got, want)
				}
			}
			for _, login := range southern {
				if sees[login][st.name] {
					t.Errorf("%s (south) sees this northern project", login)
				}
			}
			if !sees["admin"][st.name] {
				t.Error("the admin does not see it")
			}
			var allowed [][2]string // login, action
			for _, u := range e.users {
				var refused []wire.Change
				var what []string
				for _, a := range secActions {
					cells++
					spec := slices.Contains(specAllowed[st.name][a], u.Login)
					derived := sees[u.Login][st.name] && domainAllows(before.p, u, e.srv.Org, a)
					if spec != derived {
						disagreements++
						t.Errorf("%s × %s: the SPEC table says %v, the domain (for who can see it) says %v", u.Login, a, spec, derived)
					}
					if spec {
						allowed = append(allowed, [2]string{u.Login, a})
						continue
					}
					refused = append(refused, e.change(before, a))
					what = append(what, a)
				}
				if len(refused) == 0 {
					continue
				}
				for i, res := range e.srv.Push(t, e.tokens[u.Login], refused...).Results {
					code := ""
					if res.Error != nil {
						code = res.Error.Code
					}
					if res.Status != wire.StatusRefused || !slices.Contains([]string{domain.EFORBIDDEN, domain.ESTATE, domain.ENOTFOUND}, code) ||
						res.Error.Message == "" || res.Error.English == "" {
						t.Errorf("%s × %s: %s %+v, want refused as forbidden, wrong state or not found, with a reason", u.Login, what[i], res.Status, res.Error)
					}
					if !sees[u.Login][st.name] && code != domain.EFORBIDDEN {
						t.Errorf("%s × %s: refused as %q to someone who may not see the project, want forbidden", u.Login, what[i], code)
					}
				}
			}
			after := e.stored(id)
			if after.doc != before.doc || after.version != before.version || after.seq != before.seq || e.lastSeq() != seqBefore {
				t.Fatalf("refused changes changed the project: version %d → %d, seq %d → %d", before.version, after.version, before.seq, after.seq)
			}
			// Each allowed cell on a project of its own in this state.
			for _, c := range allowed {
				allowedCells++
				fresh, _ := e.build(st)
				cur := e.stored(fresh)
				res := e.srv.Push(t, e.tokens[c[0]], e.change(cur, c[1])).Results[0]
				if res.Status != wire.StatusApplied {
					t.Errorf("%s × %s: %s %+v, want applied", c[0], c[1], res.Status, res.Error)
					continue
				}
				if got := e.stored(fresh); got.version != cur.version+1 {
					t.Errorf("%s × %s: applied, but the version is %d (was %d)", c[0], c[1], got.version, cur.version)
				}
			}
			// Its file: whoever sees the project (and its uploader).
			for _, u := range e.users {
				resp, body := e.srv.Do(t, http.MethodGet, wire.AttachmentPrefix+shas[st.name], e.tokens[u.Login], nil)
				want := http.StatusForbidden
				if sees[u.Login][st.name] {
					want = http.StatusOK
				}
				if resp.StatusCode != want {
					t.Errorf("%s downloads the file: %s, want %d (%.80s)", u.Login, resp.Status, want, body)
				}
			}
		})
	}
	t.Logf("GUARANTEE roles×actions×states: %d users × %d actions × %d states = %d cells against the real server: %d allowed and applied, %d refused with nothing changed; %d disagreements between the SPEC table and the domain; %d downloads checked",
		len(e.users), len(secActions), len(secStates), cells, allowedCells, cells-allowedCells, disagreements, len(e.users)*len(secStates))
}

// TestEveryRouteRefusesABadToken: every route behind sign-in answers 401
// (JSON, WWW-Authenticate) to no token, a malformed one, a forged one of
// the right shape, an expired one, one signed out, one whose password was
// reset and one of a user the directory has since disabled — and a push
// with any of them changes nothing.
func TestEveryRouteRefusesABadToken(t *testing.T) {
	srv, c := start(t, server.WithTokenTTL(time.Hour))
	tokens := map[string]string{}
	for _, login := range []string{"zhangwei", "lina", "wangfang", "liuyang", "chenjing"} {
		tokens[login] = srv.Token(t, login)
	}
	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	created(t, srv, tokens["zhangwei"], p)

	expired := tokens["lina"]
	c.Advance(61 * time.Minute) // lina's is past its hour; sign the others in again
	for _, login := range []string{"zhangwei", "wangfang", "liuyang", "chenjing"} {
		tokens[login] = srv.Token(t, login)
	}
	signedOut := tokens["wangfang"]
	if resp, body := srv.Do(t, http.MethodPost, wire.PathLogout, signedOut, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %s %s", resp.Status, body)
	}
	reset := tokens["liuyang"]
	if err := server.ResetPassword(t.Context(), srv.DB, "liuyang", "an0ther-Secret", c.Now()); err != nil {
		t.Fatal(err)
	}
	disabled := tokens["chenjing"]
	org := *srv.Org
	org.Users = slices.Clone(srv.Org.Users)
	for i := range org.Users {
		if org.Users[i].Login == "chenjing" {
			org.Users[i].Disabled = true
		}
	}
	if _, err := server.ImportOrg(t.Context(), srv.DB, &org, c.Now()); err != nil {
		t.Fatal(err)
	}
	valid := tokens["zhangwei"]
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	forged := base64.RawURLEncoding.EncodeToString(raw)
	badTokens := []struct{ name, header string }{
		{"no token", ""},
		{"empty bearer", "Bearer "},
		{"malformed", "Bearer not-a-token"},
		{"forged, right shape", "Bearer " + forged},
		{"valid token with a character changed", "Bearer " + flipChar(valid)},
		{"valid token with more after it", "Bearer " + valid + "A"},
		{"another scheme", "Basic " + valid},
		{"token without a scheme", valid},
		{"expired", "Bearer " + expired},
		{"signed out", "Bearer " + signedOut},
		{"password reset since", "Bearer " + reset},
		{"user disabled since", "Bearer " + disabled},
	}
	sha := servertest.PresalesSHA
	pushBody, _ := json.Marshal(wire.PushRequest{DeviceID: "d", Changes: []wire.Change{
		servertest.ActionChange(t, p.ID, domain.Command{Action: domain.ActDiscard}, 1)}})
	routes := []struct {
		method, path string
		body         []byte
		header       map[string]string
	}{
		{http.MethodGet, wire.PathMe, nil, nil},
		{http.MethodGet, wire.PathOrg, nil, nil},
		{http.MethodGet, wire.PathPull + "?since=0", nil, nil},
		{http.MethodPost, wire.PathPush, pushBody, nil},
		{http.MethodPost, wire.PathMissing, []byte(`{"hashes":["` + sha + `"]}`), nil},
		{http.MethodHead, wire.AttachmentPrefix + sha, nil, nil},
		{http.MethodPut, wire.AttachmentPrefix + sha, []byte("test"), map[string]string{"Content-Type": "application/octet-stream", "Upload-Length": "4"}},
		{http.MethodGet, wire.AttachmentPrefix + sha, nil, nil},
		{http.MethodPost, wire.PathLogout, nil, nil},
	}
	seq := func() int64 {
		all, cursor := srv.PullAll(t, valid, 0)
		if all[p.ID] == nil || all[p.ID].Deleted {
			t.Fatal("the project was changed")
		}
		return cursor
	}
	before := seq()
	n := 0
	for _, rt := range routes {
		for _, bt := range badTokens {
			n++
			req, err := http.NewRequestWithContext(t.Context(), rt.method, srv.URL+rt.path, bytes.NewReader(rt.body))
			if err != nil {
				t.Fatal(err)
			}
			if bt.header != "" {
				req.Header.Set("Authorization", bt.header)
			}
			req.Header.Set("Content-Type", "application/json")
			for k, v := range rt.header {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %s: %s, want 401 with WWW-Authenticate (%.100s)", rt.method, rt.path, bt.name, resp.Status, body)
				continue
			}
			if rt.method != http.MethodHead {
				wantError(t, resp, body, http.StatusUnauthorized, domain.EUNAUTHORIZED)
			}
		}
	}
	if after := seq(); after != before {
		t.Fatalf("requests with bad tokens moved the server's sequence %d → %d", before, after)
	}
	if resp, body := srv.Do(t, http.MethodGet, wire.PathMe, valid, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the valid token stopped working: %s %s", resp.Status, body)
	}
	t.Logf("GUARANTEE bad tokens: %d routes × %d kinds of bad token = %d requests, all 401, nothing changed", len(routes), len(badTokens), n)
}

// flipChar changes one character of a token, keeping its shape.
func flipChar(tok string) string {
	b := []byte(tok)
	if b[10] == 'A' {
		b[10] = 'B'
	} else {
		b[10] = 'A'
	}
	return string(b)
}

// TestTokensAndPasswordsStayOutOfLogsAndDatabases signs in through the real
// sync engine with a fresh password (and once with a wrong one), syncs a
// project both ways, and signs out, with the server and the engine logging
// at debug level: neither log holds the password, the wrong password or
// the token; no column of any table of the server's database — nor the
// file, nor its WAL — holds them; the desktop's database holds no
// password, and the token only as its one stored credential (meta
// sync.token, which sign-out clears) in a directory only its user can open.
func TestTokensAndPasswordsStayOutOfLogsAndDatabases(t *testing.T) {
	var serverLog, clientLog servertest.LogBuffer
	debug := func(w io.Writer) *slog.Logger {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := servertest.Start(t, server.WithLogger(debug(&serverLog)))
	const password, wrong = "Zq7-pw-立项通-unique-4711", "Zq7-pw-立项通-unique-4712"
	if err := server.ResetPassword(t.Context(), srv.DB, "zhangwei", password, time.Now()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := localsqlite.Open(t.Context(), filepath.Join(dir, "lixiang.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng := client.New(st, srv.URL, client.WithLogger(debug(&clientLog)))
	if _, err := eng.Login(t.Context(), "zhangwei", wrong); err == nil {
		t.Fatal("a wrong password signed in")
	}
	lr, err := eng.Login(t.Context(), "zhangwei", password)
	if err != nil {
		t.Fatal(err)
	}
	token, err := st.Meta(t.Context(), client.MetaToken)
	if err != nil || len(token) < 40 {
		t.Fatalf("stored token %q, %v", token, err)
	}
	p := servertest.NewProject(t, lr.User, servertest.Registration(domain.KindSaaS, ""), time.Now())
	p.Registration.Attachments = nil
	if _, err := st.SaveProject(t.Context(), lr.User.ID, p); err != nil {
		t.Fatal(err)
	}
	if rep, err := eng.SyncOnce(t.Context()); err != nil || rep.Pushed != 1 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	if _, err := eng.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"the password": password, "the wrong password": wrong, "the token": token}
	for logName, log := range map[string]*servertest.LogBuffer{"server log": &serverLog, "sync engine log": &clientLog} {
		if log.String() == "" {
			t.Fatalf("the %s is empty: nothing was checked", logName)
		}
		for what, secret := range secrets {
			if strings.Contains(log.String(), secret) {
				t.Errorf("the %s holds %s", logName, what)
			}
		}
	}
	cells := scanDB(t, filepath.Join(srv.Dir, "server.db"), secrets, nil)
	for _, name := range []string{"server.db", "server.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(srv.Dir, name)); err == nil {
			for what, secret := range secrets {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("the server's file %s holds %s", name, what)
				}
			}
		}
	}
	// The desktop keeps the token it signs in with (it syncs in the
	// background): there, and nowhere else.
	allowed := map[string]bool{"meta.value:" + client.MetaToken: true}
	cells += scanDB(t, filepath.Join(dir, "lixiang.db"), secrets, allowed)
	if err := eng.Logout(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tok, _ := st.Meta(t.Context(), client.MetaToken); tok != "" {
		t.Error("sign-out left the token in the desktop's database")
	}
	if resp, _ := srv.Do(t, http.MethodGet, wire.PathMe, token, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the token still works after sign-out: %s", resp.Status)
	}
	t.Logf("GUARANTEE secrets: password, wrong password and token absent from both debug logs (%d + %d bytes) and from %d column values of both databases",
		len(serverLog.String()), len(clientLog.String()), cells)
}

// scanDB reads every column of every table of a SQLite file as bytes and
// fails where one holds a secret, except in the places allowed
// ("table.column:key" of a key/value table, or "table.column"). It
// returns how many values it read.
func scanDB(t *testing.T, path string, secrets map[string]string, allowed map[string]bool) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	n := 0
	for _, table := range tables {
		cols := columns(t, db, table)
		hasKey := slices.Contains(cols, "key")
		for _, col := range cols {
			q := fmt.Sprintf(`SELECT CAST(%q AS BLOB), %s FROM %q`, col, map[bool]string{true: `"key"`, false: "''"}[hasKey], table)
			rows, err := db.Query(q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for rows.Next() {
				var v []byte
				var key string
				if err := rows.Scan(&v, &key); err != nil {
					t.Fatal(err)
				}
				n++
				for what, secret := range secrets {
					if bytes.Contains(v, []byte(secret)) && !allowed[table+"."+col] && !allowed[table+"."+col+":"+key] {
						t.Errorf("%s: %s.%s (key %q) holds %s", filepath.Base(path), table, col, key, what)
					}
				}
			}
			rows.Close()
		}
	}
	return n
}

func columns(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf("SELECT name FROM pragma_table_info(%s)", sqlQuote(table)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		out = append(out, name)
	}
	return out
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestLoginThrottlingHolds: the count of failed sign-ins is per person,
// whatever the case or spaces of the login typed, and holds for guesses
// sent all at once: of many simultaneous wrong passwords, no more than the
// limit are even checked before the rest are refused with 429 — and once
// throttled, even the right password is refused until the window passes.
func TestLoginThrottlingHolds(t *testing.T) {
	srv, c := start(t)
	login := func(name, pw string) int {
		resp, _ := srv.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Login: name, Password: pw})
		return resp.StatusCode
	}
	for _, name := range []string{"LiNa", " lina", "LINA ", "lina", "Lina"} {
		if got := login(name, "wrong"); got != http.StatusUnauthorized {
			t.Fatalf("failure as %q: %d", name, got)
		}
	}
	if got := login("lina", "demo"); got != http.StatusTooManyRequests {
		t.Fatalf("the right password after five failures spelt five ways: %d, want 429", got)
	}
	c.Advance(16 * time.Minute)
	if got := login("lina", "demo"); got != http.StatusOK {
		t.Fatalf("after the window: %d", got)
	}

	// Many guesses at once, against a password hashed as in production
	// (bcrypt's default cost: each check takes tens of milliseconds).
	if err := server.ResetPassword(t.Context(), srv.DB, "zhangwei", "Pr0duction-cost", c.Now()); err != nil {
		t.Fatal(err)
	}
	const guesses = 12
	var wg sync.WaitGroup
	statuses := make(chan int, guesses)
	startGun := make(chan struct{})
	for i := range guesses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			body, _ := json.Marshal(wire.LoginRequest{Login: "zhangwei", Password: fmt.Sprintf("guess-%d", i)})
			resp, err := srv.Client().Post(srv.URL+wire.PathLogin, "application/json", bytes.NewReader(body))
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	close(startGun)
	wg.Wait()
	close(statuses)
	checked := 0
	for s := range statuses {
		switch s {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("a guess was answered %d", s)
		}
	}
	if got := login("zhangwei", "Pr0duction-cost"); got != http.StatusTooManyRequests {
		t.Errorf("the right password after %d simultaneous guesses: %d, want 429", guesses, got)
	}
	t.Logf("%d simultaneous wrong passwords: %d checked (401), %d refused unchecked (429); the limit is 5", guesses, checked, guesses-checked)
	if checked > 5 {
		t.Errorf("%d of %d simultaneous wrong passwords for one login were checked, the limit is 5", checked, guesses)
	}
}
