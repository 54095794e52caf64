package domain

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// YesNo is a question the form asks (合同已签? 首笔款项已回? 有定制化需求?).
// The empty value means "not answered yet", which a draft may be.
type YesNo string

const (
	Unanswered YesNo = ""
	Yes        YesNo = "yes" // 是
	No         YesNo = "no"  // 否
)

// Answered reports whether the question has an answer.
func (y YesNo) Answered() bool { return y == Yes || y == No }

// Label is the Chinese label of the answer.
func (y YesNo) Label() string {
	switch y {
	case Yes:
		return "是"
	case No:
		return "否"
	}
	return "未填写"
}

// Quantity is a count the user types (用户规模, 签署量, 印章数量). It keeps
// exactly what was typed, so a draft never loses input; Int tells whether it
// is a valid non-negative whole number. In JSON it is written as a number
// when it is one and as a string otherwise, and both are read.
type Quantity string

// maxQuantity bounds counts to what a person could mean (a trillion).
const maxQuantity = 1_000_000_000_000

// Int parses the quantity; ok is false when it is empty, not a whole number,
// negative or absurdly large. Thousands separators (1,000 / 1，000) and
// surrounding spaces are accepted.
func (q Quantity) Int() (n int64, ok bool) {
	s := strings.TrimSpace(halfWidthDigits(string(q)))
	s = quantitySeparators.Replace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > maxQuantity {
		return 0, false
	}
	return n, true
}

// quantitySeparators and moneySeparators drop the thousands separators
// (and, in a count, spaces) a person may type; built once (a Replacer is
// safe for concurrent use, and building one costs more than using it).
var (
	quantitySeparators = strings.NewReplacer(",", "", "，", "", " ", "")
	moneySeparators    = strings.NewReplacer(",", "", "，", "")
)

// halfWidthDigits turns the full-width digits a Chinese input method may
// produce (０–９) into ASCII ones.
func halfWidthDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return r
	}, s)
}

// Blank reports whether nothing was typed.
func (q Quantity) Blank() bool { return strings.TrimSpace(string(q)) == "" }

func (q Quantity) MarshalJSON() ([]byte, error) {
	if plainCount(string(q)) {
		return []byte(q), nil // the usual case, as below without the copies
	}
	if n, ok := q.Int(); ok && strconv.FormatInt(n, 10) == strings.TrimSpace(string(q)) {
		return []byte(strconv.FormatInt(n, 10)), nil
	}
	return json.Marshal(string(q))
}

// plainCount reports whether s is a count as strconv.FormatInt writes it,
// within maxQuantity.
func plainCount(s string) bool {
	if s == "" || len(s) > 13 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n <= maxQuantity
}

func (q *Quantity) UnmarshalJSON(b []byte) error {
	s, err := numberOrString(b)
	*q = Quantity(s)
	return err
}

// Money is an amount in yuan (合同金额) as typed; Valid accepts a
// non-negative decimal with at most two decimal places.
type Money string

var moneyRE = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

// maxMoney bounds amounts to 10^13 yuan: anything more is a typo.
var maxMoney = big.NewRat(10_000_000_000_000, 1)

// Valid reports whether m is a well-formed amount.
func (m Money) Valid() bool {
	s := moneySeparators.Replace(strings.TrimSpace(string(m)))
	if !moneyRE.MatchString(s) {
		return false
	}
	r, ok := new(big.Rat).SetString(s)
	return ok && r.Cmp(maxMoney) <= 0
}

// Blank reports whether nothing was typed.
func (m Money) Blank() bool { return strings.TrimSpace(string(m)) == "" }

// moneyNumberRE is an amount that is also a JSON number: no leading zeros
// ("00012" is a valid amount but not valid JSON, so it stays a string).
var moneyNumberRE = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$`)

func (m Money) MarshalJSON() ([]byte, error) {
	s := strings.TrimSpace(string(m))
	if moneyNumberRE.MatchString(s) && m.Valid() {
		return []byte(s), nil
	}
	return json.Marshal(string(m))
}

func (m *Money) UnmarshalJSON(b []byte) error {
	s, err := numberOrString(b)
	*m = Money(s)
	return err
}

// numberOrString reads a JSON number or string as the text it holds.
func numberOrString(b []byte) (string, error) {
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	}
	if string(b) == "null" {
		return "", nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// Date is a calendar date as typed, written YYYY-MM-DD (上线时间, 截止日期).
type Date string

// DateLayout is the one layout dates are written in.
const DateLayout = "2006-01-02"

// Time parses the date; ok is false when it is blank or not a real date
// between the years 1900 and 2200.
func (d Date) Time() (t time.Time, ok bool) {
	s := strings.TrimSpace(string(d))
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}

// Blank reports whether nothing was typed.
func (d Date) Blank() bool { return strings.TrimSpace(string(d)) == "" }

// DateTime is a meeting time as typed, written "YYYY-MM-DD HH:MM".
type DateTime string

// DateTimeLayout is the one layout meeting times are written in.
const DateTimeLayout = "2006-01-02 15:04"

// Time parses the date-time; ok is false when blank or malformed.
func (d DateTime) Time() (t time.Time, ok bool) {
	s := strings.TrimSpace(string(d))
	t, err := time.Parse(DateTimeLayout, s)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}

// Blank reports whether nothing was typed.
func (d DateTime) Blank() bool { return strings.TrimSpace(string(d)) == "" }

// blank reports whether s holds nothing but white space.
func blank(s string) bool { return strings.TrimSpace(s) == "" }
