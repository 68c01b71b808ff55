package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
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

// TooManyRequests returns a 429 *Error asking the client to wait: reason
// says which limit is used up, and the message ends "try again in N
// seconds" with the N of its Retry-After.
func TooManyRequests(retryAfter time.Duration, reason string) *Error {
	secs := retrySeconds(retryAfter)
	return &Error{
		Status:     http.StatusTooManyRequests,
		Msg:        fmt.Sprintf("%s: try again in %s", reason, seconds(secs)),
		RetryAfter: time.Duration(secs) * time.Second,
	}
}

// Unavailable returns a 503 *Error for a failure that should pass, such as
// a dependency that does not answer: reason says what failed, and the
// message ends "try again in N seconds" with the N of its Retry-After.
func Unavailable(retryAfter time.Duration, reason string) *Error {
	secs := retrySeconds(retryAfter)
	return &Error{
		Status:     http.StatusServiceUnavailable,
		Msg:        fmt.Sprintf("%s: try again in %s", reason, seconds(secs)),
		RetryAfter: time.Duration(secs) * time.Second,
	}
}

// retrySeconds rounds a wait up to whole seconds, at least one, as
// Retry-After counts them: a client that waits that long has waited
// enough.
func retrySeconds(d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

func seconds(n int) string {
	if n == 1 {
		return "1 second"
	}
	return fmt.Sprintf("%d seconds", n)
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
			// Rounded as TooManyRequests and Unavailable round, so that
			// the header says what their messages say.
			w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(e.RetryAfter)))
		}
		WriteJSON(w, e.Status, errorBody{Error: e.Msg, Field: e.Field})
	})
}

// MaxBody is the default limit of a JSON request body.
const MaxBody = 64 << 10

// DecodeJSON decodes the request's JSON body, of at most limit bytes, into
// dst. Its errors are *Error values that say what to fix: 415 for another
// content type or charset, 413 for a body over the limit, and 400 for
// malformed JSON, trailing data, a value of the wrong type, and for what
// encoding/json would let through: a field name that matches dst's only
// when case is ignored ({"Email": ...} for "email"), a field given twice
// (encoding/json keeps the last), and text that is not valid UTF-8, raw or
// as an escaped lone surrogate (encoding/json turns it into U+FFFD). A
// 400 about one value names it in Error.Field by its path in the body:
// "email" for a top-level field, "address.city" inside an object,
// "items[2].name" inside an array.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return Errorf(http.StatusUnsupportedMediaType, "send the body as JSON with Content-Type: application/json")
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return Errorf(http.StatusUnsupportedMediaType, "send the body as JSON in UTF-8, not %s", cs)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if tooBig(err) {
			return Errorf(http.StatusRequestEntityTooLarge, "the body is larger than %d bytes: send less", limit)
		}
		return Errorf(http.StatusBadRequest, "the body could not be read: send it again")
	}
	// The check goes first: the decoder would repair bad text and take
	// one of two keys before we could see them.
	if err := checkJSON(body, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	return nil
}

func tooBig(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// decodeError reports what encoding/json found that checkJSON did not
// (checkJSON finds almost everything first).
func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var inv *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &inv):
		return fmt.Errorf("decode JSON: %w", err) // the caller's bug: a 500
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return Errorf(http.StatusBadRequest, "the body is not valid JSON: send a JSON object")
	case errors.As(err, &typ):
		if typ.Field != "" {
			return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf("%s must be a JSON %s", typ.Field, jsonKind(typ.Type)), Field: typ.Field}
		}
		return Errorf(http.StatusBadRequest, "the body must be a JSON %s", jsonKind(typ.Type))
	default:
		// json reports unknown fields only as text: `json: unknown field "x"`.
		msg := trimJSONPrefix(err.Error())
		if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
			if f, err := strconv.Unquote(name); err == nil {
				return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf("unknown field %q: remove it", f), Field: f}
			}
		}
		return Errorf(http.StatusBadRequest, "the body does not fit: %s", msg)
	}
}

// jsonKind names the JSON value that t takes.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string" // base64
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Interface:
		return "value"
	default:
		return "number"
	}
}

func trimJSONPrefix(s string) string {
	s, _ = strings.CutPrefix(s, "json: ")
	return s
}
