package server

import (
	"encoding/json"
	"errors"
	"strings"

	"lixiang/domain"
)

// decodeProject decodes a document strictly into a project: an unknown
// field or a value of the wrong type is EINVALID, naming the field.
func decodeProject(doc []byte) (*domain.Project, error) {
	var p domain.Project
	if err := domain.DecodeJSONStrict(doc, &p); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return nil, domain.Errorf(domain.EINVALID, "字段 %[1]s 的取值类型不正确（%[2]s）", "%[1]s: a %[2]s value is not valid there", te.Field, te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.TrimPrefix(err.Error(), "json: unknown field ")
			return nil, domain.Errorf(domain.EINVALID, "未知字段：%s", "unknown field: %s", f)
		}
		return nil, domain.Errorf(domain.EINVALID, "字段取值不正确：%v", "a field value is not valid: %v", err)
	}
	return &p, nil
}

// buildProject builds a new project from all its leaves (field path →
// JSON text), as domain.SetFields(&domain.Project{}, leaves) would — the
// domain builds the document (domain.LeavesJSON) — but decoded strictly: a
// path that is no field of a project, or a value of the wrong type, is
// refused instead of silently dropped.
func buildProject(leaves map[string]string) (*domain.Project, error) {
	doc, err := domain.LeavesJSON(leaves)
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "字段路径或取值不正确：%v", "bad field path or value: %v", err)
	}
	return decodeProject(doc)
}

// checkFields refuses field changes that name no field of a project or
// carry a value of the wrong type (the merge would otherwise drop them
// without a word): their new values alone must decode strictly.
func checkFields(changes []domain.FieldChange) error {
	leaves := make(map[string]string, len(changes))
	for _, c := range changes {
		leaves[c.Path] = c.New
	}
	_, err := buildProject(leaves)
	return err
}
