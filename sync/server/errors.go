package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"unicode/utf8"

	"lixiang/domain"
	"lixiang/sync/wire"
)

// statusOf maps every error code to its HTTP status: the one table.
var statusOf = map[string]int{
	domain.EINVALID:      http.StatusBadRequest,
	wire.EBadRequest:     http.StatusBadRequest,
	wire.EHashMismatch:   http.StatusBadRequest,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.ENOTFOUND:     http.StatusNotFound,
	domain.ECONFLICT:     http.StatusConflict,
	domain.ESTATE:        http.StatusConflict,
	wire.ETooLarge:       http.StatusRequestEntityTooLarge,
	wire.ERateLimited:    http.StatusTooManyRequests,
	domain.EINTERNAL:     http.StatusInternalServerError,
}

// httpError is an error of the protocol itself (not of the domain): a code
// of package wire and a message; status overrides the table (405).
type httpError struct {
	status   int
	code     string
	zh, en   string
	problems domain.Problems
}

func (e *httpError) Error() string { return e.en }

func badRequest(zh, en string, args ...any) *httpError {
	return &httpError{code: wire.EBadRequest, zh: fmt.Sprintf(zh, args...), en: fmt.Sprintf(en, args...)}
}

func tooLarge(limit int64) *httpError {
	return &httpError{code: wire.ETooLarge,
		zh: fmt.Sprintf("请求内容过大（上限 %d 字节）", limit),
		en: fmt.Sprintf("the request body is too large (limit %d bytes)", limit)}
}

func unauthorized(zh, en string) *domain.Error {
	return &domain.Error{Code: domain.EUNAUTHORIZED, Message: zh, English: en}
}

// toWire turns any error into the wire's error body and its status. Errors
// that carry no code are internal: their text stays in the log, never in
// the answer.
func toWire(err error) (wire.Error, int, bool) {
	var he *httpError
	var de *domain.Error
	var ps domain.Problems
	var out wire.Error
	internal := false
	switch {
	case errors.As(err, &he):
		out = wire.Error{Code: he.code, Message: he.zh, English: he.en, Problems: he.problems}
	case errors.As(err, &de):
		out = wire.Error{Code: de.Code, Message: de.Message, English: de.English}
		internal = de.Code == domain.EINTERNAL
		if errors.As(err, &ps) { // the fields it is about (fieldForbidden)
			out.Problems = ps
		}
	case errors.As(err, &ps):
		out = wire.Error{Code: domain.EINVALID, Message: "内容不完整或有误，请按提示修改", English: "the content is incomplete or wrong: see the problems", Problems: ps}
	default:
		out = wire.Error{Code: domain.EINTERNAL, Message: "服务器内部错误，请稍后重试", English: "internal server error: try again later"}
		internal = true
	}
	status, ok := statusOf[out.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if he != nil && he.status != 0 {
		status = he.status
	}
	return out, status, internal
}

// statusClientClosed is the status of a request whose client went away
// before it was answered (as nginx logs it): nobody reads the answer, the
// request log does.
const statusClientClosed = 499

// clientGone is the error of a request body the client stopped sending:
// it disconnected (closed the connection, or the network cut it).
type clientGone struct{ err error }

func (e *clientGone) Error() string { return "the client went away: " + e.err.Error() }
func (e *clientGone) Unwrap() error { return e.err }

// disconnected reports whether err (reading a body) means the client went
// away, rather than that it sent something malformed.
func disconnected(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// writeError answers with err as JSON (wire.ErrorBody). Internal errors are
// logged here (and only here) with their detail. A client that went away
// mid-request (its body cut short, or its request's context canceled
// while the server worked: the work was rolled back) is no failure of the
// server's: it is logged as a disconnect, answered 499, never 500.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	body, status, internal := toWire(err)
	var gone *clientGone
	if errors.As(err, &gone) || (internal && r.Context().Err() != nil) {
		s.log.Warn("client disconnected", "method", r.Method, "path", r.URL.Path, "remote", clientIP(r), "err", err)
		s.writeJSON(w, statusClientClosed, wire.ErrorBody{Error: wire.Error{Code: wire.EBadRequest,
			Message: "客户端在收到回答之前断开了连接，请求未完成", English: "the client went away before the answer: the request was not completed"}})
		return
	}
	if internal {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", wire.AuthScheme+` realm="lixiang"`)
	}
	s.writeJSON(w, status, wire.ErrorBody{Error: body})
}

// readBody reads a whole request body of at most limit bytes: over the
// limit is ETooLarge (413), bytes that are not UTF-8 are EBadRequest.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(limit)
		}
		if disconnected(err) {
			return nil, &clientGone{err: err}
		}
		return nil, badRequest("读取请求内容失败：%v", "cannot read the request body: %v", err)
	}
	if !utf8.Valid(b) {
		return nil, badRequest("请求内容不是有效的 UTF-8 文本", "the request body is not valid UTF-8")
	}
	return b, nil
}

// decodeJSON reads a body of at most limit bytes into dst strictly: one
// JSON value, no unknown fields, nothing after it.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	b, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	return decodeStrict(b, dst)
}

func decodeStrict(b []byte, dst any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequest("请求内容为空，应为 JSON", "the request body is empty: JSON expected")
	}
	if err := domain.DecodeJSONStrict(b, dst); err != nil {
		if errors.Is(err, domain.ErrTrailingJSON) {
			return badRequest("JSON 之后还有多余内容", "unexpected data after the JSON value")
		}
		return badRequest("请求内容不是有效的 JSON：%s", "the request body is not valid JSON: %s", jsonProblem(err))
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q: %s where %s is expected", te.Field, te.Value, te.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return err.Error()
}
