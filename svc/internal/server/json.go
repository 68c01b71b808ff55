package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// Error is a failure to report to the client: its status and a message
// that says what is wrong and what to do.
type Error struct {
	Status int
	Msg    string
	// Field names the input at fault, if one is, so a form can show the
	// message next to it.
	Field string
	// RetryAfter, when set, is sent as the Retry-After header (429, 503).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Msg) }

// Errorf returns an *Error with the status and a formatted message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// FieldError returns a 400 *Error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...), Field: field}
}

// TooManyRequests returns a 429 *Error asking the client to wait.
func TooManyRequests(retryAfter time.Duration) *Error {
	secs := int(retryAfter.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &Error{
		Status:     http.StatusTooManyRequests,
		Msg:        fmt.Sprintf("too many attempts: wait %d seconds and try again", secs),
		RetryAfter: time.Duration(secs) * time.Second,
	}
}

type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// WriteJSON writes v as a JSON response with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error: try again later"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// WriteError writes {"error": msg} with the status.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, errorBody{Error: msg})
}

// Handle adapts a handler that returns an error. An *Error is sent to the
// client as it is; any other error is logged and answered with a 500 that
// reveals nothing of it.
func Handle(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := f(w, r)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err.Error())
			e = Errorf(http.StatusInternalServerError, "internal error: try again later")
		}
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter/time.Second)))
		}
		WriteJSON(w, e.Status, errorBody{Error: e.Msg, Field: e.Field})
	})
}

// MaxBody is the default limit of a JSON request body.
const MaxBody = 64 << 10

// DecodeJSON decodes the request's JSON body, of at most limit bytes, into
// dst. Its errors are *Error values that say what to fix: 415 for another
// content type, 413 for a body over the limit, 400 for malformed JSON,
// unknown fields or trailing data.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return Errorf(http.StatusUnsupportedMediaType, "send the body as JSON with Content-Type: application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, limit)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		if tooBig(err) {
			return decodeError(err, limit)
		}
		return Errorf(http.StatusBadRequest, "the body must hold exactly one JSON object")
	}
	return nil
}

func tooBig(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func decodeError(err error, limit int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case tooBig(err):
		return Errorf(http.StatusRequestEntityTooLarge, "the body is larger than %d bytes: send less", limit)
	case errors.Is(err, io.EOF):
		return Errorf(http.StatusBadRequest, "the body is empty: send a JSON object")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, "the body is not valid JSON: send a JSON object")
	case errors.As(err, &typ):
		if typ.Field != "" {
			return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf("%s must be a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String())), Field: typ.Field}
		}
		return Errorf(http.StatusBadRequest, "the body must be a JSON object")
	default:
		// json reports unknown fields only as text: `json: unknown field "x"`.
		return Errorf(http.StatusBadRequest, "the body does not fit: %s", trimJSONPrefix(err.Error()))
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	default:
		return "number"
	}
}

func trimJSONPrefix(s string) string {
	const p = "json: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
