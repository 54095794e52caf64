package domain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"

	"lixiang/domain"
)

// decodeCases are project documents (and not-quite documents) that
// encoding/json reads in its particular ways.
func decodeCases(t *testing.T) []string {
	p := domain.NewProject("0190a0b0-0000-7000-8000-000000000001", domain.KindLocal,
		domain.User{ID: "u-zhangwei", Name: "张伟", Roles: []domain.Role{domain.RoleSales}}, time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC))
	p.Registration.Customer.FullName = "远航物流信息科技股份有限公司"
	p.Registration.Background.UserScale = "5000"
	p.Registration.Background.SealCount = "三十"
	p.Registration.Products = []string{"签章中间件", "智慧印章"}
	p.Registration.Systems = []domain.System{{Type: "OA", Name: "蓝凌OA"}}
	doc, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return []string{
		string(doc),
		`{"ID":"x","STATUS":"draft","registration":{"Customer":{"full_name":"大小写"}}}`, // names without regard to case
		`{"id":"a","id":"b"}`,       // the last of a repeated member
		"{\"id\":\"\xe8\xbf\xff\"}", // invalid UTF-8 → U+FFFD
		`{"id":"\ud800"}`,           // a lone surrogate
		`{"registration":{"background":{"user_scale":5000,"seal_count":"３０"}}}`,
		`{"registration":{"products":null,"systems":[{},null]}}`,
		`{"created_at":"2026-03-01T09:30:00+08:00"}`,
		`{"created_at":"yesterday"}`,
		`{"colour":"red","id":"y"}`, // unknown: ignored, or refused when strict
		`{"id":5}`,
		`{"registration":{"products":"签章"}}`,
		`{"id":"x"} {"id":"y"}`,
		`{"id":"x"`,
		` {"id":"x"} `,
		`[]`,
		`null`,
		``,
	}
}

// TestDecodeJSONIsEncodingJSON: DecodeJSON gives what json.Unmarshal
// gives, project and error alike; DecodeJSONStrict what a Decoder with
// DisallowUnknownFields gives, and ErrTrailingJSON for data after the
// value.
func TestDecodeJSONIsEncodingJSON(t *testing.T) {
	for _, in := range decodeCases(t) {
		var want, got domain.Project
		wantErr := json.Unmarshal([]byte(in), &want)
		gotErr := domain.DecodeJSON([]byte(in), &got)
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Errorf("DecodeJSON(%q): error %v, encoding/json %v", in, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeJSON(%q) = %+v, encoding/json %+v", in, got, want)
		}

		var wantS, gotS domain.Project
		dec := json.NewDecoder(bytes.NewReader([]byte(in)))
		dec.DisallowUnknownFields()
		wantErr = dec.Decode(&wantS)
		if _, err := dec.Token(); wantErr == nil && err != io.EOF {
			wantErr = domain.ErrTrailingJSON
		}
		gotErr = domain.DecodeJSONStrict([]byte(in), &gotS)
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Errorf("DecodeJSONStrict(%q): error %v, encoding/json %v", in, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(gotS, wantS) {
			t.Errorf("DecodeJSONStrict(%q) = %+v, encoding/json %+v", in, gotS, wantS)
		}
		if errors.Is(wantErr, domain.ErrTrailingJSON) && !errors.Is(gotErr, domain.ErrTrailingJSON) {
			t.Errorf("DecodeJSONStrict(%q): %v, want ErrTrailingJSON", in, gotErr)
		}
	}
}
