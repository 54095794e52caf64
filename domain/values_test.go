package domain_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"lixiang/domain"
)

// TestQuantityJSON: a count is written as a JSON number when it is one and
// kept as the typed string otherwise, so a draft never loses input; both
// forms are read (SPEC §2.1 numbers; §5 nothing of their input lost).
func TestQuantityJSON(t *testing.T) {
	tests := []struct {
		in   domain.Quantity
		json string
		back domain.Quantity // what reading the JSON gives
	}{
		{"5000", `5000`, "5000"},
		{"0", `0`, "0"},
		{" 42 ", `42`, "42"},
		{"1,000", `"1,000"`, "1,000"},
		{"五千", `"五千"`, "五千"},
		{"-3", `"-3"`, "-3"},
		{"1.5", `"1.5"`, "1.5"},
		{"007", `"007"`, "007"},
		{"", `""`, ""},
		{`"quoted"`, `"\"quoted\""`, `"quoted"`},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil || string(b) != tt.json {
				t.Fatalf("Marshal(%q) = %s, %v; want %s", tt.in, b, err, tt.json)
			}
			var q domain.Quantity
			if err := json.Unmarshal(b, &q); err != nil || q != tt.back {
				t.Fatalf("Unmarshal(%s) = %q, %v; want %q", b, q, err, tt.back)
			}
		})
	}
	reads := []struct {
		json string
		want domain.Quantity
		err  bool
	}{
		{`12`, "12", false},
		{`"12"`, "12", false},
		{`1e3`, "1e3", false},
		{`-7`, "-7", false},
		{`null`, "", false},
		{`true`, "", true},
		{`{}`, "", true},
		{`[1]`, "", true},
	}
	for _, tt := range reads {
		var q domain.Quantity
		err := json.Unmarshal([]byte(tt.json), &q)
		if (err != nil) != tt.err || (!tt.err && q != tt.want) {
			t.Errorf("Unmarshal(%s) = %q, %v", tt.json, q, err)
		}
	}
}

// TestMoneyJSON: 合同金额 is written as a number when it is a plain amount,
// and as the typed string otherwise; the output is always valid JSON.
func TestMoneyJSON(t *testing.T) {
	tests := []struct {
		in    domain.Money
		json  string
		valid bool
	}{
		{"380000.00", `380000.00`, true},
		{"380000", `380000`, true},
		{"0.5", `0.5`, true},
		{"0", `0`, true},
		{"380,000.50", `"380,000.50"`, true},
		{" 12.3 ", `12.3`, true},
		{"00012", `"00012"`, true},
		{"00.50", `"00.50"`, true},
		{"1.234", `"1.234"`, false},
		{"-5", `"-5"`, false},
		{"三十八万", `"三十八万"`, false},
		{"1e5", `"1e5"`, false},
		{".5", `".5"`, false},
		{"", `""`, false},
		{"99999999999999", `"99999999999999"`, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			if tt.in.Valid() != tt.valid {
				t.Fatalf("Money(%q).Valid() = %v", tt.in, !tt.valid)
			}
			b, err := json.Marshal(tt.in)
			if err != nil || string(b) != tt.json || !json.Valid(b) {
				t.Fatalf("Marshal(%q) = %s, %v; want %s", tt.in, b, err, tt.json)
			}
			var m domain.Money
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("Unmarshal(%s): %v", b, err)
			}
			if b2, _ := json.Marshal(m); string(b2) != string(b) {
				t.Fatalf("round trip %s → %q → %s", b, m, b2)
			}
		})
	}
}

// TestDateValues: dates are kept as typed and read back unchanged, valid or
// not; meeting times use "2006-01-02 15:04".
func TestDateValues(t *testing.T) {
	for _, d := range []domain.Date{"2026-06-30", "2026-02-30", "下个月", ""} {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back domain.Date
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Errorf("date %q → %s → %q, %v", d, b, back, err)
		}
	}
	if tm, ok := domain.Date("2026-06-30").Time(); !ok || tm.Month() != 6 || tm.Day() != 30 {
		t.Errorf("Date.Time = %v, %v", tm, ok)
	}
	for _, tt := range []struct {
		in domain.DateTime
		ok bool
	}{
		{"2026-03-10 14:00", true},
		{" 2026-03-10 09:05 ", true},
		{"2026-03-10", false},
		{"2026-03-10 25:00", false},
		{"2026-03-10T14:00", false},
		{"", false},
	} {
		if _, ok := tt.in.Time(); ok != tt.ok {
			t.Errorf("DateTime(%q).Time() ok = %v, want %v", tt.in, ok, tt.ok)
		}
	}
	for _, y := range []struct {
		v     domain.YesNo
		ok    bool
		label string
	}{{domain.Yes, true, "是"}, {domain.No, true, "否"}, {domain.Unanswered, false, "未填写"}, {"maybe", false, "未填写"}} {
		if y.v.Answered() != y.ok || y.v.Label() != y.label {
			t.Errorf("YesNo(%q): answered %v label %q", y.v, y.v.Answered(), y.v.Label())
		}
	}
}

// TestRegistrationJSONRoundTrip: every fixture survives JSON unchanged, with
// its counts and amounts written as numbers.
func TestRegistrationJSONRoundTrip(t *testing.T) {
	for _, k := range domain.Kinds {
		t.Run(string(k), func(t *testing.T) {
			r := validFor(k)
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back domain.Registration
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, r) {
				t.Fatalf("round trip changed the registration:\n%+v\n%+v", r, back)
			}
			var raw map[string]json.RawMessage
			_ = json.Unmarshal(b, &raw)
			var bg map[string]json.RawMessage
			_ = json.Unmarshal(raw["background"], &bg)
			if string(bg["user_scale"]) != string(r.Background.UserScale) {
				t.Fatalf("user_scale written as %s", bg["user_scale"])
			}
		})
	}
}
