package domain

// LeavesJSON is the JSON text of the project document whose leaves are
// flat (field path → JSON text; a "null" leaf is absent), built exactly as
// SetFields builds a new project from them — rows left with no fields
// dropped from their lists — but not decoded: a caller that must refuse
// what is no field of a project (the server) decodes it strictly itself.
// A bad path or a leaf that is not JSON is an error naming the field.
func LeavesJSON(flat map[string]string) ([]byte, error) {
	for _, v := range flat {
		if v == "null" {
			present := make(map[string]string, len(flat))
			for k, v := range flat {
				if v != "null" {
					present[k] = v
				}
			}
			flat = present
			break
		}
	}
	if raw, ok := unflattenRaw(flat); ok {
		return raw, nil
	}
	return unflattenText(flat)
}
