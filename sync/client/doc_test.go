package client

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"lixiang/domain"
	"lixiang/sync/wire"
)

// oldServer is a server from before wire.Change.Doc: it refuses a push
// that sends a document as malformed (400), as its strict decoding does.
type oldServer struct {
	*fake
	refused int
}

func (o *oldServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == wire.PathPush {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"doc":`)) {
			o.refused++
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(wire.ErrorBody{Error: wire.Error{Code: wire.EBadRequest,
				Message: "请求内容不是有效的 JSON：unknown field \"doc\"", English: "the request body is not valid JSON"}})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	o.fake.ServeHTTP(w, r)
}

func signedInTo(t *testing.T, h http.Handler) *Engine {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := New(openStore(t), srv.URL, quiet)
	if _, err := e.Login(t.Context(), "zhangwei", "demo"); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestANewProjectGoesAsItsDocument: the change that creates a project
// sends the project's document and no field changes; a later edit of it
// sends its field changes.
func TestANewProjectGoesAsItsDocument(t *testing.T) {
	f := &fake{}
	e := signedInTo(t, f)
	p := saveDraft(t, e.store)
	p.Registration.Requirement = "第二次保存"
	if _, err := e.store.SaveProject(t.Context(), "u-zhangwei", p); err != nil {
		t.Fatal(err)
	}
	if rep, err := e.SyncOnce(t.Context()); err != nil || rep.Pushed != 2 {
		t.Fatalf("SyncOnce = %+v, %v", rep, err)
	}
	if len(f.pushed) != 2 {
		t.Fatalf("pushed %d changes", len(f.pushed))
	}
	create, edit := f.pushed[0], f.pushed[1]
	if create.Doc == nil || create.Changes != nil || create.BaseVersion != 0 {
		t.Fatalf("the create sent doc %s and %d field changes", create.Doc, len(create.Changes))
	}
	var sent domain.Project
	if err := json.Unmarshal(create.Doc, &sent); err != nil || sent.ID != p.ID || sent.Registration.Customer.ShortName != "测试客户" ||
		sent.Registration.Requirement != "" {
		t.Fatalf("the create's document: %+v, %v", sent, err)
	}
	if edit.Doc != nil || len(edit.Changes) == 0 {
		t.Fatalf("the edit sent doc %s and %d field changes", edit.Doc, len(edit.Changes))
	}
}

// TestAServerThatRefusesDocumentsGetsFieldChanges: a server from before
// documents refuses the batch; the engine sends the same changes as field
// changes at once, and from then on, and nothing waits for attention.
func TestAServerThatRefusesDocumentsGetsFieldChanges(t *testing.T) {
	old := &oldServer{fake: &fake{}}
	e := signedInTo(t, old)
	saveDraft(t, e.store)
	saveDraft(t, e.store)
	rep, err := e.SyncOnce(t.Context())
	if err != nil || rep.Pushed != 2 || rep.Refused != 0 {
		t.Fatalf("SyncOnce = %+v, %v", rep, err)
	}
	saveDraft(t, e.store)
	if rep, err := e.SyncOnce(t.Context()); err != nil || rep.Pushed != 1 {
		t.Fatalf("second SyncOnce = %+v, %v", rep, err)
	}
	if old.refused != 1 {
		t.Errorf("the server refused %d pushes, want the first only", old.refused)
	}
	for i, c := range old.pushed {
		if c.Doc != nil || len(c.Changes) == 0 {
			t.Errorf("change %d went with doc %s and %d field changes", i, c.Doc, len(c.Changes))
		}
	}
	if n, _ := e.store.NeedsAttentionCount(t.Context()); n != 0 {
		t.Errorf("%d changes need attention", n)
	}
}
