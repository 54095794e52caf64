package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// InterchangeFormat names the version of the JSON interchange format
// (docs/interchange.md): a whole project with all its stages, decisions and
// attachment metadata, used to migrate PMIS records and to feed scenarios.
const InterchangeFormat = "lixiang.projects/v1"

// Document is one interchange file: any number of projects.
type Document struct {
	Format     string    `json:"format"`
	ExportedAt time.Time `json:"exported_at,omitzero"`
	Projects   []Project `json:"projects"`
}

// EncodeDocument writes projects as an indented interchange document.
func EncodeDocument(projects []Project, now time.Time) ([]byte, error) {
	if projects == nil {
		projects = []Project{}
	}
	doc := Document{Format: InterchangeFormat, ExportedAt: now.UTC(), Projects: projects}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode interchange document: %w", err)
	}
	return append(b, '\n'), nil
}

// DecodeDocument reads an interchange document strictly: unknown fields,
// trailing data and a wrong format name are errors that say where.
func DecodeDocument(data []byte) (*Document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		return nil, Errorf(EINVALID, "文件不是有效的立项通交换格式：%s", "not a valid interchange document: %s", describeJSONError(data, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, Errorf(EINVALID, "文件在 JSON 结束后还有多余内容", "trailing data after the JSON document")
	}
	if doc.Format != InterchangeFormat {
		return nil, Errorf(EINVALID, "format 字段应为“%[1]s”（现为“%[2]s”）", "format must be %[1]q (got %[2]q)", InterchangeFormat, doc.Format)
	}
	return &doc, nil
}

// describeJSONError adds the line and column to a JSON decoding error.
func describeJSONError(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		if te.Field != "" {
			return fmt.Sprintf("字段 %s 的类型不对（应为 %s）at %s", te.Field, te.Type, position(data, off))
		}
	}
	if off >= 0 {
		return err.Error() + " at " + position(data, off)
	}
	return err.Error()
}

func position(data []byte, off int64) string {
	off = min(off, int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidID reports whether id is a UUID in canonical lower-case form.
func ValidID(id string) bool { return uuidRE.MatchString(id) }

// Check returns every problem of the document (errors make it invalid) and
// the warnings: a draft (or returned registration) may be incomplete, so its
// missing required fields are warnings; wrong formats and choices, and any
// problem of a record past the registration stage, are errors.
func (d *Document) Check(org *Org) (errs, warns Problems) {
	seen := map[string]bool{}
	for i := range d.Projects {
		e, w := CheckProject(&d.Projects[i], org)
		prefix := fmt.Sprintf("projects[%d].", i)
		id := d.Projects[i].ID
		if seen[id] && id != "" {
			e = append(e, Problem{Path: "id", Code: PFormat, Message: "项目 ID 重复：" + id, English: "duplicate project id: " + id})
		}
		seen[id] = true
		errs = append(errs, prefixed(prefix, e)...)
		warns = append(warns, prefixed(prefix, w)...)
	}
	return errs, warns
}

func prefixed(prefix string, ps Problems) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		p.Path = prefix + p.Path
		out[i] = p
	}
	return out
}

// CheckProject checks one whole project record: identity, status, the
// registration, the approval round, the handover and the initiation,
// each as far as the project's status requires.
func CheckProject(p *Project, org *Org) (errs, warns Problems) {
	bad := func(path, zh, en string) {
		errs = append(errs, Problem{Path: path, Code: PFormat, Message: zh, English: en})
	}
	if !ValidID(p.ID) {
		bad("id", "项目 ID 须为小写 UUID（如 0190f5c2-7a1b-7c3d-8e9f-0123456789ab）", "the id must be a lower-case UUID")
	}
	if !p.Status.Valid() {
		bad("status", "未知状态："+string(p.Status), "unknown status: "+string(p.Status))
	}
	if blank(p.OwnerID) {
		bad("owner_id", "须注明申请人（owner_id）", "owner_id is required")
	} else if org != nil {
		if _, ok := org.User(p.OwnerID); !ok {
			bad("owner_id", "申请人不是目录中的用户："+p.OwnerID, "owner is not a user: "+p.OwnerID)
		}
	}
	if p.CreatedAt.IsZero() {
		bad("created_at", "须注明创建时间（created_at，RFC 3339）", "created_at is required")
	}
	if !p.Kind().Valid() {
		bad("registration.kind", "项目类型须为 local、saas 或 upgrade", "kind must be local, saas or upgrade")
		return errs, warns
	}
	editable := p.Status == StatusDraft || p.Status == StatusReturned
	for _, x := range Validate(&p.Registration, org) {
		x.Path = "registration." + x.Path
		if editable && x.Code == PRequired {
			warns = append(warns, x)
		} else {
			errs = append(errs, x)
		}
	}
	for i, d := range p.Decisions {
		path := fmt.Sprintf("decisions[%d]", i)
		if !slices.Contains(Actions, d.Action) {
			bad(path+".action", "未知操作："+string(d.Action), "unknown action: "+string(d.Action))
		}
		if blank(d.ActorID) {
			bad(path+".actor_id", "审批记录须注明操作人", "a decision needs its actor")
		}
		if d.At.IsZero() {
			bad(path+".at", "审批记录须注明时间", "a decision needs its time")
		}
	}
	if p.Status == StatusSubmitted {
		if _, ok := p.Approval.Waiting(); !ok {
			bad("approval", "审批中的项目须有当前审批步骤", "a submitted project needs a waiting approval step")
		}
	}
	if p.Kind() != KindUpgrade && (p.Status == StatusHandedOver || p.Status == StatusInitiated) {
		if p.Handover == nil {
			bad("handover", "已交接的项目须有会议交接记录", "a handed-over project needs its handover record")
		} else {
			errs = append(errs, prefixed("handover.", ValidateHandover(p.Handover))...)
		}
	}
	if p.Status == StatusInitiated {
		if p.Initiation == nil {
			bad("initiation", "已立项的项目须有立项信息", "an initiated project needs its initiation")
		} else {
			errs = append(errs, prefixed("initiation.", ValidateInitiation(p.Initiation, p.Kind(), org))...)
		}
		if blank(p.Number) {
			bad("number", "已立项的项目须有"+p.Kind().NumberName(), "an initiated project needs its registration number")
		}
	}
	if strings.TrimSpace(p.Number) != p.Number {
		bad("number", "登记号前后不能有空格", "the number has surrounding spaces")
	}
	return errs, warns
}
