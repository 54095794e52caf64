package domain_test

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
)

// initiatedLocal runs a local project with special approval through every
// stage to 已立项.
func initiatedLocal(t testing.TB, org *domain.Org) *domain.Project {
	t.Helper()
	r := validLocal()
	r.Contract.Signed = domain.No
	p := receivedProject(t, org, r, pmSouth)
	p.Handover = domain.NewHandover(p, org, who(t, org, pmSouth))
	completeHandover(p.Handover)
	p.Handover.ActionItems = []domain.ActionItem{{Task: "部署测试环境", Owner: "吴敏", Due: "2026-03-20"}}
	do(t, p, org, step{pmSouth, domain.Command{Action: domain.ActCompleteHandover}})
	p.Initiation = domain.NewInitiation(p, org, who(t, org, pmSouth), nil, t0)
	completeInitiation(p.Initiation, pmSouth, implSouth)
	do(t, p, org, step{pmSouth, domain.Command{Action: domain.ActInitiate}})
	return p
}

// sampleProjects is one project in each typical state.
func sampleProjects(t testing.TB, org *domain.Org) []domain.Project {
	t.Helper()
	initiated := initiatedLocal(t, org)
	draft := newProject(t, org, salesNorth, validSaaS())
	draft.ID = "0190f5c2-7a1b-7c3d-8e9f-000000000002"
	draft.Registration.Background.UserScale = "" // not filled in yet
	closed := receivedUpgrade(t, org)
	closed.ID = "0190f5c2-7a1b-7c3d-8e9f-000000000003"
	do(t, closed, org, step{pmNorth, domain.Command{Action: domain.ActConfirmContract, Answer: domain.No}})
	return []domain.Project{*initiated, *draft, *closed}
}

// TestInterchangeRoundTrip: a document written by EncodeDocument reads back
// to the same projects, stages, decisions and attachment metadata.
func TestInterchangeRoundTrip(t *testing.T) {
	org := demoOrg(t)
	projects := sampleProjects(t, org)
	b, err := domain.EncodeDocument(projects, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"format": "lixiang.projects/v1"`)) || !bytes.HasSuffix(b, []byte("}\n")) {
		t.Fatalf("document head/tail:\n%.200s", b)
	}
	doc, err := domain.DecodeDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.ExportedAt.Equal(t0) || doc.Format != domain.InterchangeFormat {
		t.Fatalf("header %v %q", doc.ExportedAt, doc.Format)
	}
	if !reflect.DeepEqual(doc.Projects, projects) {
		t.Fatal("the projects changed in the round trip")
	}
	again, err := domain.EncodeDocument(doc.Projects, t0)
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("re-encoding differs: %v", err)
	}
	if errs, warns := doc.Check(org); len(errs) != 0 || len(warns) == 0 {
		t.Fatalf("sample document: errors %v, warnings %v", errs, warns)
	}

	empty, err := domain.EncodeDocument(nil, t0)
	if err != nil || !bytes.Contains(empty, []byte(`"projects": []`)) {
		t.Fatalf("empty document %s, %v", empty, err)
	}
	if doc, err := domain.DecodeDocument(empty); err != nil || len(doc.Projects) != 0 {
		t.Fatalf("empty document reads as %v, %v", doc, err)
	}
}

// TestDecodeDocumentStrict: anything but a well-formed document of the
// current format is refused with an error that says where.
func TestDecodeDocumentStrict(t *testing.T) {
	const head = `{"format":"lixiang.projects/v1",` + "\n"
	tests := []struct {
		name   string
		in     string
		zh, en []string // substrings of the Chinese and English messages
	}{
		{"unknown field, nested", head + `"projects":[{"id":"x",` + "\n" + ` "colour":1}]}`,
			[]string{"projects[0].colour", "未知字段", "第 3 行第 2 列"}, []string{`unknown field "colour"`, "projects[0].colour", "line 3, column 2"}},
		{"unknown field, deep", head + `"projects":[{},{"registration":{"customer":{"名称":"x"}}}]}`,
			[]string{"projects[1].registration.customer.名称", "第 2 行第 45 列"}, []string{"line 2, column 45"}},
		{"unknown field, top", `{"format":"lixiang.projects/v1","projects":[],"extra":true}`,
			[]string{"extra", "第 1 行第 47 列"}, []string{`unknown field "extra"`, "line 1, column 47"}},
		{"field names fold case as encoding/json does", head + `"projects":[{"ID":"x","Colour":1}]}`,
			[]string{"projects[0].Colour"}, []string{"projects[0].Colour"}},
		{"trailing data", head + `"projects":[]}` + "\n  {}",
			[]string{"多余内容", "第 3 行第 3 列"}, []string{"trailing data", "line 3, column 3"}},
		{"trailing garbage", head + `"projects":[]}x`,
			[]string{"多余内容", "第 2 行第 15 列"}, []string{"trailing data", "line 2, column 15"}},
		{"wrong format name", `{"format":"lixiang.projects/v2","projects":[]}`,
			[]string{"format", "lixiang.projects/v2"}, []string{"format must be", "v2"}},
		{"no format name", `{"projects":[]}`,
			[]string{"format"}, []string{"format must be"}},
		{"wrong type", head + `"projects":[{"id":5}]}`,
			[]string{"projects[0].id", "类型不对", "第 2 行第 19 列"}, []string{"wrong type", "line 2, column 19"}},
		{"wrong type of a count", head + `"projects":[{"registration":{"background":{"user_scale":true}}}]}`,
			[]string{"projects[0].registration.background.user_scale", "第 2 行第 57 列"}, []string{"line 2, column 57"}},
		{"a time that is not RFC 3339", head + `"projects":[{"created_at":"昨天"}]}`,
			[]string{"projects[0].created_at", "第 2 行第 27 列"}, []string{"projects[0].created_at", "line 2, column 27"}},
		{"syntax error after Chinese text: columns count characters", head + `"projects":[{"id":"中文",]}`,
			[]string{"语法错误", "第 2 行第 24 列"}, []string{"syntax error", "line 2, column 24"}},
		{"truncated", head + `"projects":[{"id":"x"`,
			[]string{"结束"}, []string{"ends inside"}},
		{"empty", ``, []string{"文件为空"}, []string{"empty"}},
		{"not an object", `[]`, []string{"类型不对"}, []string{"wrong type", "line 1, column 1"}},
		{"an object where a list belongs", head + `"projects":{}}`,
			[]string{"projects 的类型不对（应为数组）"}, []string{"want an array", "at projects (line 2, column 12)"}},
		{"a list where an object belongs", head + `"projects":[{"registration":[]}]}`,
			[]string{"projects[0].registration 的类型不对（应为对象）"}, []string{"want an object"}},
		{"a size that is not whole", head + `"projects":[{"registration":{"attachments":[{"size":1.5}]}}]}`,
			[]string{"projects[0].registration.attachments[0].size", "范围内的整数"}, []string{"whole number"}},
		{"a size given as text", head + `"projects":[{"registration":{"attachments":[{"size":"20 KB"}]}}]}`,
			[]string{"projects[0].registration.attachments[0].size", "应为整数"}, []string{"want a whole number"}},
		{"a step beyond int", head + `"projects":[{"decisions":[{"step":1e30}]}]}`,
			[]string{"projects[0].decisions[0].step"}, []string{"whole number in range"}},
		{"a flag given as text", head + `"projects":[{"deleted":"yes"}]}`,
			[]string{"projects[0].deleted", "true 或 false"}, []string{"want true or false"}},
		{"a list of text given a number", head + `"projects":[{"registration":{"products":["云签章",7]}}]}`,
			[]string{"projects[0].registration.products[1]", "应为文本"}, []string{"want text"}},
		{"null is fine anywhere, the next error is found", head + `"projects":[null,{"approval":null,"registration":{"customer":null,"systems":[null,{"vendor":1}]}}]}`,
			[]string{"projects[1].registration.systems[1].vendor"}, []string{"want text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := domain.DecodeDocument([]byte(tt.in))
			if err == nil {
				t.Fatalf("accepted: %+v", doc)
			}
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("code %s: %v", domain.ErrorCode(err), err)
			}
			e := err.(*domain.Error)
			for _, s := range tt.zh {
				if !strings.Contains(e.Message, s) {
					t.Errorf("Chinese message lacks %q: %s", s, e.Message)
				}
			}
			for _, s := range tt.en {
				if !strings.Contains(e.English, s) {
					t.Errorf("English message lacks %q: %s", s, e.English)
				}
			}
		})
	}
}

// TestDocumentCheck: a draft may be saved with errors (its registration's
// problems are warnings); a record past registration must be complete
// (errors); bad identities and duplicates are always errors.
func TestDocumentCheck(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		rule  string
		edit  func(ps []domain.Project) []domain.Project
		errs  []string // paths
		warns []string
	}{
		{"the samples", func(ps []domain.Project) []domain.Project { return ps }, nil, []string{"projects[1].registration.background.user_scale"}},
		{"a draft missing fields: warnings only", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Stakeholders = nil
			ps[1].Registration.Background.UserScale = "800"
			return ps
		}, nil, []string{"projects[1].registration.stakeholders"}},
		{"a returned registration is a draft again", func(ps []domain.Project) []domain.Project {
			ps[1].Status = domain.StatusReturned
			ps[1].Registration.Background.UserScale = ""
			return ps
		}, nil, []string{"projects[1].registration.background.user_scale"}},
		// A draft may be saved with errors (SPEC §2): what was typed is
		// kept, and the problem is a warning until submission.
		{"a draft with a wrong format: warning", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[1].Registration.Other.GoLive = "2026-02-30"
			return ps
		}, nil, []string{"projects[1].registration.other.go_live"}},
		{"a submitted project missing a field: error", func(ps []domain.Project) []domain.Project {
			ps[0].Registration.Systems[1].Vendor = ""
			ps[1].Registration.Background.UserScale = "800"
			return ps
		}, []string{"projects[0].registration.systems[1].vendor"}, nil},
		{"duplicate ids", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[2].ID = ps[0].ID
			return ps
		}, []string{"projects[2].id"}, nil},
		{"identity: id, status, owner, created_at", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[1].ID = "0190F5C2-7A1B-7C3D-8E9F-000000000002"
			ps[1].Status = "archived"
			ps[1].OwnerID = "u-ghost"
			return ps
		}, []string{"projects[1].id", "projects[1].status", "projects[1].owner_id"}, nil},
		{"unknown kind", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Kind = "cloud"
			return ps
		}, []string{"projects[1].registration.kind"}, nil},
		{"a submitted project without a waiting step", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[1].Status = domain.StatusSubmitted
			return ps
		}, []string{"projects[1].approval"}, nil},
		{"initiated without handover, initiation or number", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[0].Handover, ps[0].Initiation, ps[0].Number = nil, nil, ""
			return ps
		}, []string{"projects[0].handover", "projects[0].initiation", "projects[0].number"}, nil},
		{"an initiated project's records are checked", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[0].Handover.Place = ""
			ps[0].Initiation.SVNPath = ""
			return ps
		}, []string{"projects[0].handover.place", "projects[0].initiation.svn_path"}, nil},
		{"a decision of an unknown kind", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[2].Decisions[0].Action = "escalate"
			ps[2].Decisions[1].ActorID = ""
			return ps
		}, []string{"projects[2].decisions[0].action", "projects[2].decisions[1].actor_id"}, nil},
		// An attachment's metadata is never right broken, whatever the
		// state: other devices open the file by it (bug 4).
		{"a draft's attachment named with a path, hashed wrong, sized absurdly: errors", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			a := &ps[1].Registration.Attachments[0]
			a.Name, a.SHA256, a.Size = "../../etc/passwd", "abc", -1
			return ps
		}, []string{"projects[1].registration.attachments[0].name", "projects[1].registration.attachments[0].sha256",
			"projects[1].registration.attachments[0].size"}, nil},
		{"a submitted project's attachment with a NUL: one error", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[0].Registration.Attachments[0].Name = "a\x00b.pdf"
			return ps
		}, []string{"projects[0].registration.attachments[0].name"}, nil},
		{"a number with spaces", func(ps []domain.Project) []domain.Project {
			ps[1].Registration.Background.UserScale = "800"
			ps[2].Number = " WT-2026-0031"
			return ps
		}, []string{"projects[2].number"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			doc := domain.Document{Format: domain.InterchangeFormat, Projects: tt.edit(sampleProjects(t, org))}
			errs, warns := doc.Check(org)
			checkMessages(t, errs)
			checkMessages(t, warns)
			if got := paths(errs); !slices.Equal(got, tt.errs) {
				t.Errorf("errors %v,\nwant %v\n(%v)", got, tt.errs, errs)
			}
			if got := paths(warns); !slices.Equal(got, tt.warns) {
				t.Errorf("warnings %v, want %v", got, tt.warns)
			}
			for _, w := range warns {
				if !strings.HasPrefix(w.Path, "projects[1].registration.") {
					t.Errorf("a warning outside the draft's registration: %+v", w)
				}
			}
		})
	}
	t.Run("created_at is required", func(t *testing.T) {
		ps := sampleProjects(t, org)
		ps[1].Registration.Background.UserScale = "800"
		ps[1].CreatedAt = time.Time{}
		errs, _ := (&domain.Document{Projects: ps}).Check(org)
		if got := paths(errs); !slices.Equal(got, []string{"projects[1].created_at"}) {
			t.Fatalf("errors %v", errs)
		}
	})
	t.Run("created before 2000", func(t *testing.T) {
		ps := sampleProjects(t, org)
		ps[1].Registration.Background.UserScale = "800"
		ps[1].CreatedAt = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
		ps[2].CreatedAt = domain.EarliestCreation
		errs, _ := (&domain.Document{Projects: ps}).Check(org)
		if got := paths(errs); !slices.Equal(got, []string{"projects[1].created_at"}) {
			t.Fatalf("errors %v", errs)
		}
		checkMessages(t, errs)
	})
	t.Run("without a directory", func(t *testing.T) {
		ps := sampleProjects(t, org)
		ps[1].Registration.Background.UserScale = "800"
		ps[0].OwnerID = "u-offline"
		errs, _ := (&domain.Document{Projects: ps}).Check(nil)
		if len(errs) != 0 {
			t.Fatalf("without org the directory is not checked: %v", errs)
		}
	})
}

// An import tool names every unknown field at once, by path (the strict
// decoder stops at the first).
func TestUnknownFieldsAreAllNamed(t *testing.T) {
	doc := `{"format": "lixiang.projects/v1", "colour": 1, "projects": [{"id": "x", "pmis_id": 4711,
	  "registration": {"kind": "saas", "Customer": {"short_name": "蜜雪冰城"}, "systems": [{"type": "OA", "vendr": "泛微"}],
	  "background": {"seal_count": "很多"}}}]}`
	got := paths(domain.UnknownFields([]byte(doc)))
	want := []string{"colour", "projects[0].pmis_id", "projects[0].registration.systems[0].vendr"}
	if !slices.Equal(got, want) {
		t.Fatalf("unknown fields %v, want %v", got, want)
	}
	if domain.UnknownFields([]byte("{")) != nil {
		t.Fatal("not JSON: nil")
	}
}

// RecordIndex finds the record a problem path of an interchange document
// belongs to, and nothing for a path outside the records or out of range.
func TestRecordIndex(t *testing.T) {
	for path, want := range map[string]int{
		"projects[0].registration.customer.full_name": 0,
		"projects[2]":                    2,
		"projects[3].id":                 -1, // only 3 records
		"projects[-1].id":                -1,
		"projects[x].id":                 -1,
		"projects[1":                     -1,
		"format":                         -1,
		"registration.projects[1].title": -1,
	} {
		if got := domain.RecordIndex(path, 3); got != want {
			t.Errorf("RecordIndex(%q, 3) = %d, want %d", path, got, want)
		}
	}
}
