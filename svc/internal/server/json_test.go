package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

type testItem struct {
	Name string `json:"name"`
	Qty  int    `json:"qty"`
}

type testMeta struct {
	Note string `json:"note"`
}

// testBody has a field of each kind DecodeJSON follows.
type testBody struct {
	testMeta
	Email    string  `json:"email"`
	Password string  `json:"password"`
	N        int8    `json:"n"`
	U        uint8   `json:"u"`
	F        float32 `json:"f"`
	OK       bool    `json:"ok"`
	Items    []testItem
	Address  *struct {
		City string `json:"city"`
	} `json:"address"`
	Tags   map[string]string `json:"tags"`
	Extra  any               `json:"extra"`
	Raw    json.RawMessage   `json:"raw"`
	Count  int               `json:"count,string"`
	Secret string            `json:"-"`
}

// The JSON a client sends is decoded only if it says exactly what it
// means: exact field names, each once, valid text, values of the right
// type. Everything else is a 400 that names the value.
func TestDecodeJSON(t *testing.T) {
	var got testBody
	mux := http.NewServeMux()
	mux.Handle("POST /", Handle(func(w http.ResponseWriter, r *http.Request) error {
		got = testBody{}
		if err := DecodeJSON(w, r, &got, 200); err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return nil
	}))
	base, _, _ := start(t, &Server{Handler: mux})

	tests := []struct {
		name   string
		body   string
		ctype  string // "" for application/json
		status int
		msg    string // the exact error; "" for success
		field  string
	}{
		{"ok", `{"email":"a@example.org","password":"p"}`, "", 200, "", ""},
		{"no content type", `{"email":"a"}`, "-", 200, "", ""},
		{"charset utf-8", `{"email":"a"}`, "application/json; charset=UTF-8", 200, "", ""},
		{"embedded field", `{"note":"x"}`, "", 200, "", ""},
		{"untagged field", `{"Items":[{"name":"a","qty":2}]}`, "", 200, "", ""},
		{"nulls", `{"email":null,"Items":null,"address":null,"extra":null}`, "", 200, "", ""},
		{"quoted number", `{"count":"12"}`, "", 200, "", ""},
		{"map keys differ by case", `{"tags":{"a":"1","A":"2"}}`, "", 200, "", ""},
		{"surrogate pair", `{"email":"\ud83d\ude00"}`, "", 200, "", ""},
		{"replacement character itself", "{\"email\":\"\uFFFD \\ufffd\"}", "", 200, "", ""},
		{"escapes", `{"email":"\"\\\/\b\f\n\r\t\u00e9"}`, "", 200, "", ""},

		// Hole 8: field names match exactly, each once.
		{"case of a field", `{"Email":"a@example.org"}`, "", 400, `unknown field "Email": did you mean "email"?`, "Email"},
		{"upper case", `{"email":"a","PASSWORD":"p"}`, "", 400, `unknown field "PASSWORD": did you mean "password"?`, "PASSWORD"},
		{"case of an untagged field", `{"items":[]}`, "", 400, `unknown field "items": did you mean "Items"?`, "items"},
		{"case of an embedded field", `{"Note":"x"}`, "", 400, `unknown field "Note": did you mean "note"?`, "Note"},
		{"case in an array", `{"Items":[{"name":"a"},{"Name":"b"}]}`, "", 400, `unknown field "Items[1].Name": did you mean "Items[1].name"?`, "Items[1].Name"},
		{"case in an object", `{"address":{"City":"x"}}`, "", 400, `unknown field "address.City": did you mean "address.city"?`, "address.City"},
		{"unknown field", `{"nam":"a"}`, "", 400, `unknown field "nam": remove it`, "nam"},
		{"ignored field", `{"Secret":"x"}`, "", 400, `unknown field "Secret": remove it`, "Secret"},
		{"unknown nested field", `{"address":{"zip":"1"}}`, "", 400, `unknown field "address.zip": remove it`, "address.zip"},
		{"repeated key", `{"email":"a","email":"b"}`, "", 400, "email is given twice: send each field once", "email"},
		{"repeated key escaped", `{"email":"a","\u0065mail":"b"}`, "", 400, "email is given twice: send each field once", "email"},
		{"repeated map key", `{"tags":{"a":"1","a":"2"}}`, "", 400, "tags.a is given twice: send each field once", "tags.a"},
		{"repeated key in any", `{"extra":[{"x":1,"x":2}]}`, "", 400, "extra[0].x is given twice: send each field once", "extra[0].x"},

		// Hole 7: text that is not UTF-8 is refused, not repaired.
		{"invalid bytes", "{\"email\":\"Bob\xff\xfe\"}", "", 400, "email is not valid UTF-8 text (byte 0xff): send text in UTF-8", "email"},
		{"lone high surrogate", `{"email":"\ud800"}`, "", 400, `email holds an unpaired surrogate \ud800, which is no character: send valid UTF-8 text`, "email"},
		{"lone low surrogate", `{"email":"a\udc00"}`, "", 400, `email holds an unpaired surrogate \udc00, which is no character: send valid UTF-8 text`, "email"},
		{"high surrogate then a letter", `{"email":"\ud800x"}`, "", 400, `email holds an unpaired surrogate \ud800, which is no character: send valid UTF-8 text`, "email"},
		{"two high surrogates", `{"email":"\uD800\uD800"}`, "", 400, `email holds an unpaired surrogate \ud800, which is no character: send valid UTF-8 text`, "email"},
		{"surrogate encoded in UTF-8", "{\"email\":\"\xed\xa0\x80\"}", "", 400, "email is not valid UTF-8 text (byte 0xed): send text in UTF-8", "email"},
		{"overlong encoding", "{\"email\":\"\xc0\xaf\"}", "", 400, "email is not valid UTF-8 text (byte 0xc0): send text in UTF-8", "email"},
		{"truncated sequence", "{\"email\":\"\xe2\x82\"}", "", 400, "email is not valid UTF-8 text (byte 0xe2): send text in UTF-8", "email"},
		{"in an array", "{\"Items\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"Bob\xff\"}]}", "", 400, "Items[2].name is not valid UTF-8 text (byte 0xff): send text in UTF-8", "Items[2].name"},
		{"in any", `{"extra":["a","\ud800"]}`, "", 400, `extra[1] holds an unpaired surrogate \ud800, which is no character: send valid UTF-8 text`, "extra[1]"},
		{"in a raw message", "{\"raw\":{\"k\":\"\xff\"}}", "", 400, "raw.k is not valid UTF-8 text (byte 0xff): send text in UTF-8", "raw.k"},
		{"in a map key", "{\"tags\":{\"\xff\":\"x\"}}", "", 400, "a field name in tags is not valid UTF-8 text (byte 0xff): send text in UTF-8", "tags"},
		{"in a top-level key", `{"\ud800":1}`, "", 400, `a field name holds an unpaired surrogate \ud800, which is no character: send valid UTF-8 text`, ""},

		// Hole 9: a value of the wrong type names its field.
		{"wrong type", `{"email":1}`, "", 400, "email must be a JSON string", "email"},
		{"wrong type nested", `{"Items":[{"qty":"3"}]}`, "", 400, "Items[0].qty must be a JSON number", "Items[0].qty"},
		{"fraction", `{"n":1.5}`, "", 400, "n must be a whole number, such as 42", "n"},
		{"exponent", `{"n":1e2}`, "", 400, "n must be a whole number, such as 42", "n"},
		{"too big", `{"n":300}`, "", 400, "n must be between -128 and 127", "n"},
		{"negative unsigned", `{"u":-1}`, "", 400, "u must be between 0 and 255", "u"},
		{"float out of range", `{"f":1e39}`, "", 400, "f is out of range", "f"},
		{"boolean", `{"ok":"yes"}`, "", 400, "ok must be a JSON boolean", "ok"},
		{"array wanted", `{"Items":{}}`, "", 400, "Items must be a JSON array", "Items"},
		{"object wanted", `{"address":"x"}`, "", 400, "address must be a JSON object", "address"},
		{"map value", `{"tags":{"a":1}}`, "", 400, "tags.a must be a JSON string", "tags.a"},
		{"not an object", `[]`, "", 400, "the body must be a JSON object", ""},
		{"quoted number not a number", `{"count":"x"}`, "", 400, `the body does not fit: invalid use of ,string struct tag, trying to unmarshal "x" into int`, ""},

		// Malformed bodies.
		{"truncated", `{"email":`, "", 400, "the body is not valid JSON (at byte 9): send a JSON object", ""},
		{"trailing comma", `{"email":"a",}`, "", 400, "the body is not valid JSON (at byte 13): send a JSON object", ""},
		{"control character", "{\"email\":\"a\x01\"}", "", 400, "the body is not valid JSON (at byte 11): send a JSON object", ""},
		{"bad escape", `{"email":"\x"}`, "", 400, "the body is not valid JSON (at byte 10): send a JSON object", ""},
		{"leading zero", `{"n":01}`, "", 400, "the body is not valid JSON (at byte 6): send a JSON object", ""},
		{"bad literal", `{"ok":tru}`, "", 400, "the body is not valid JSON (at byte 6): send a JSON object", ""},
		{"malformed after an unknown field", `{"Email":"a","x":`, "", 400, "the body is not valid JSON (at byte 17): send a JSON object", ""},
		{"malformed after bad text", "{\"email\":\"\xff\",}", "", 400, "the body is not valid JSON (at byte 13): send a JSON object", ""},
		{"the first problem", `{"email":1,"Email":"a","n":1.5}`, "", 400, "email must be a JSON string", "email"},
		{"two objects", `{"email":"a"}{}`, "", 400, "the body must hold exactly one JSON object", ""},
		{"empty", ``, "", 400, "the body is empty: send a JSON object", ""},
		{"only space", " \n\t", "", 400, "the body is empty: send a JSON object", ""},
		{"too large", `{"email":"` + strings.Repeat("x", 300) + `"}`, "", 413, "the body is larger than 200 bytes: send less", ""},
		{"form", `email=a`, "application/x-www-form-urlencoded", 415, "send the body as JSON with Content-Type: application/json", ""},
		{"latin-1", `{"email":"a"}`, "application/json; charset=iso-8859-1", 415, "send the body as JSON in UTF-8, not iso-8859-1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", base+"/", strings.NewReader(tt.body))
			switch tt.ctype {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, e := do(t, req)
			if resp.StatusCode != tt.status || e.Error != tt.msg || e.Field != tt.field {
				t.Errorf("got %d %q field %q\nwant %d %q field %q", resp.StatusCode, e.Error, e.Field, tt.status, tt.msg, tt.field)
			}
		})
	}
	t.Run("decoded", func(t *testing.T) {
		req, _ := http.NewRequest("POST", base+"/", strings.NewReader(`{"email":"\u00e9\ud83d\ude00","Items":[{"name":"a","qty":2}],"count":"7"}`))
		do(t, req)
		if got.Email != "é😀" || len(got.Items) != 1 || got.Items[0].Qty != 2 || got.Count != 7 {
			t.Errorf("decoded %+v", got)
		}
	})
}

// Every message about waiting names the seconds its Retry-After says.
func TestRetryMessages(t *testing.T) {
	tests := []struct {
		err  *Error
		msg  string
		wait int
	}{
		{TooManyRequests(time.Second, "too many attempts"), "too many attempts: try again in 1 second", 1},
		{TooManyRequests(0, "too many attempts"), "too many attempts: try again in 1 second", 1},
		{TooManyRequests(1200*time.Millisecond, "too many attempts"), "too many attempts: try again in 2 seconds", 2},
		{TooManyRequests(338*time.Second, "too many attempts"), "too many attempts: try again in 338 seconds", 338},
		{Unavailable(10*time.Second, "the captcha service does not answer"), "the captcha service does not answer: try again in 10 seconds", 10},
		{Unavailable(time.Second, "the database is busy"), "the database is busy: try again in 1 second", 1},
		{Unavailable(100*time.Millisecond, "x"), "x: try again in 1 second", 1},
	}
	mux := http.NewServeMux()
	for i, tt := range tests {
		mux.Handle(fmt.Sprintf("GET /%d", i), Handle(func(http.ResponseWriter, *http.Request) error { return tt.err }))
	}
	base, _, _ := start(t, &Server{Handler: mux})
	for i, tt := range tests {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/%d", base, i), nil)
		resp, e := do(t, req)
		if resp.StatusCode != tt.err.Status || e.Error != tt.msg || resp.Header.Get("Retry-After") != strconv.Itoa(tt.wait) {
			t.Errorf("got %d %q Retry-After %q, want %d %q Retry-After %d",
				resp.StatusCode, e.Error, resp.Header.Get("Retry-After"), tt.err.Status, tt.msg, tt.wait)
		}
	}
	// A hand-made Error's Retry-After is rounded as the helpers round it.
	h := Handle(func(http.ResponseWriter, *http.Request) error {
		return &Error{Status: http.StatusServiceUnavailable, Msg: "x", RetryAfter: 1500 * time.Millisecond}
	})
	mux2 := http.NewServeMux()
	mux2.Handle("GET /", h)
	base2, _, _ := start(t, &Server{Handler: mux2})
	resp, err := http.Get(base2 + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q for 1.5s, want 2", got)
	}
}

// BenchmarkDecodeJSON compares DecodeJSON (reading the request, checking
// the body, decoding it) with encoding/json alone and with the check
// alone, on a small body.
func BenchmarkDecodeJSON(b *testing.B) {
	body := []byte(`{"email":"alice@example.org","password":"correct horse battery staple","Items":[{"name":"Zoë","qty":2},{"name":"Łukasz","qty":3}],"tags":{"a":"b"}}`)
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var v testBody
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("checkJSON", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		typ := reflect.TypeFor[*testBody]()
		for b.Loop() {
			if err := checkJSON(body, typ); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeJSON", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		w := httptest.NewRecorder()
		for b.Loop() {
			var v testBody
			r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			if err := DecodeJSON(w, r, &v, MaxBody); err != nil {
				b.Fatal(err)
			}
		}
	})
}
