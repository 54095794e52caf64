package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. They are stable strings: the API and the desktop map them to
// HTTP statuses and messages, so they are only ever appended to.
const (
	EINVALID      = "invalid"     // the input breaks a rule of the standard
	ENOTFOUND     = "not_found"   // no such record
	ECONFLICT     = "conflict"    // the record changed underneath
	EFORBIDDEN    = "forbidden"   // the actor lacks the role for this action
	ESTATE        = "wrong_state" // the action does not fit the record's current state
	EINTERNAL     = "internal"    // a bug or an I/O failure
	EUNAUTHORIZED = "unauthorized"
)

// Error is the domain's one error type: a stable code plus a message in
// Chinese and English that a person can act on.
type Error struct {
	Code    string
	Message string // zh-CN
	English string
}

func (e *Error) Error() string {
	if e.English != "" {
		return e.Message + " (" + e.English + ")"
	}
	return e.Message
}

// Errorf builds an *Error with the same message template in both languages.
func Errorf(code, zh, en string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(zh, args...), English: fmt.Sprintf(en, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var p Problems
	if errors.As(err, &p) {
		return EINVALID
	}
	return EINTERNAL
}

// ErrorMessage returns the Chinese message of err for a person to read.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var p Problems
	if errors.As(err, &p) {
		return p.Error()
	}
	return "内部错误：" + err.Error()
}

// Problem is one broken rule of a form, addressed by a field path such as
// "systems[1].vendor".
type Problem struct {
	Path    string `json:"path"`
	Code    string `json:"code"` // required, format, choice, range
	Message string `json:"message"`
	English string `json:"message_en"`
}

// Problem codes.
const (
	PRequired = "required" // 必填项未填写
	PFormat   = "format"   // 格式不正确
	PChoice   = "choice"   // 不在目录中
	PRange    = "range"    // 超出范围
)

// Problems is every broken rule of a form at once; it is an error so a
// refused submission can carry it.
type Problems []Problem

func (p Problems) Error() string {
	parts := make([]string, len(p))
	for i, x := range p {
		parts[i] = x.Path + ": " + x.Message
	}
	return "登记内容不完整或有误：" + strings.Join(parts, "；")
}

// At returns the problems whose path is path or lies under it.
func (p Problems) At(path string) Problems {
	var out Problems
	for _, x := range p {
		if x.Path == path || strings.HasPrefix(x.Path, path+".") || strings.HasPrefix(x.Path, path+"[") {
			out = append(out, x)
		}
	}
	return out
}
