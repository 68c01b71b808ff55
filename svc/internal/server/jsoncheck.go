package server

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// checkJSON makes one pass over a JSON body before encoding/json decodes
// it into a value of type dst, and refuses what encoding/json would let
// through or report badly:
//
//   - text that is not valid UTF-8: raw bytes that are not, or an escaped
//     surrogate that is not half of a pair (encoding/json turns both into
//     U+FFFD);
//   - a key given twice in one object (encoding/json keeps the last);
//   - a key that names no field of dst's structs exactly
//     (encoding/json ignores case), with the field meant if only case
//     differs;
//   - a value of the wrong type, or a number out of its field's range.
//
// It follows dst's type down the body as far as encoding/json's rules
// are plain: inside an interface or a type with its own UnmarshalJSON or
// UnmarshalText, and for fields tagged ",string", it checks text and keys
// only. A malformed body is reported as such, whatever else is wrong in
// it; otherwise the first problem is. Errors name the value by its path: "email", "address.city",
// "items[2].name"; a key that is not text is named by the path of its
// object. The body is at most the request's limit, so one pass is cheap.
func checkJSON(data []byte, dst reflect.Type) *Error {
	c := &jsonChecker{data: data}
	c.space()
	if c.pos == len(data) {
		return Errorf(http.StatusBadRequest, "the body is empty: send a JSON object")
	}
	if err := c.value(shape(dst), 0); err != nil {
		return err
	}
	c.space()
	if c.pos != len(data) {
		return Errorf(http.StatusBadRequest, "the body must hold exactly one JSON object")
	}
	return c.first
}

// maxDepth is encoding/json's limit on nesting.
const maxDepth = 10000

// jsonChecker returns a malformed body's error at once, and notes the
// first other problem while it checks the rest, so that a body that is
// not JSON at all is reported as such.
type jsonChecker struct {
	data  []byte
	pos   int
	path  []pathStep
	first *Error // the first problem in a well-formed body
}

func (c *jsonChecker) note(e *Error) {
	if c.first == nil {
		c.first = e
	}
}

// pathStep is an object's key or, when index >= 0, an array's index.
type pathStep struct {
	key   string
	index int
}

func (c *jsonChecker) pathString() string {
	var b strings.Builder
	for _, s := range c.path {
		if s.index >= 0 {
			fmt.Fprintf(&b, "[%d]", s.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

// fail returns a 400 about the value at the current path.
func (c *jsonChecker) fail(format string, args ...any) *Error {
	path := c.pathString()
	name := path
	if name == "" {
		name = "the body"
	}
	return &Error{Status: http.StatusBadRequest, Msg: name + " " + fmt.Sprintf(format, args...), Field: path}
}

func (c *jsonChecker) syntax() *Error {
	return Errorf(http.StatusBadRequest, "the body is not valid JSON (at byte %d): send a JSON object", c.pos)
}

func (c *jsonChecker) space() {
	for c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *jsonChecker) peek() byte {
	if c.pos < len(c.data) {
		return c.data[c.pos]
	}
	return 0
}

// value checks one value; t is the shape it is decoded into, nil for
// anything.
func (c *jsonChecker) value(t reflect.Type, depth int) *Error {
	if depth >= maxDepth {
		return Errorf(http.StatusBadRequest, "the body is nested too deeply: send at most %d levels", maxDepth)
	}
	c.space()
	var ok bool
	switch b := c.peek(); {
	case b == '{':
		if t != nil && t.Kind() != reflect.Struct && t.Kind() != reflect.Map {
			c.note(c.wrongType(t))
			t = nil
		}
		return c.object(t, depth+1)
	case b == '[':
		if t != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			c.note(c.wrongType(t))
			t = nil
		}
		return c.array(t, depth+1)
	case b == '"':
		if t != nil && t.Kind() != reflect.String && !(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8) {
			c.note(c.wrongType(t))
		}
		_, err := c.str(false)
		return err
	case b == 't':
		ok = c.literal("true")
	case b == 'f':
		ok = c.literal("false")
	case b == 'n':
		return c.null()
	case b == '-' || '0' <= b && b <= '9':
		return c.number(t)
	default:
		return c.syntax()
	}
	// true or false
	if !ok {
		return c.syntax()
	}
	if t != nil && t.Kind() != reflect.Bool {
		c.note(c.wrongType(t))
	}
	return nil
}

func (c *jsonChecker) wrongType(t reflect.Type) *Error {
	return c.fail("must be a JSON %s", jsonKind(t))
}

func (c *jsonChecker) literal(lit string) bool {
	if !bytes.HasPrefix(c.data[c.pos:], []byte(lit)) {
		return false
	}
	c.pos += len(lit)
	return true
}

func (c *jsonChecker) null() *Error {
	if !c.literal("null") {
		return c.syntax()
	}
	return nil
}

func (c *jsonChecker) object(t reflect.Type, depth int) *Error {
	c.pos++ // {
	var fields *jsonFields
	var elem reflect.Type
	if t != nil {
		if t.Kind() == reflect.Struct {
			fields = structFields(t)
		} else {
			elem = shape(t.Elem())
		}
	}
	c.space()
	if c.peek() == '}' {
		c.pos++
		return nil
	}
	var seen map[string]bool
	for {
		c.space()
		if c.peek() != '"' {
			return c.syntax()
		}
		key, err := c.str(true)
		if err != nil {
			return err
		}
		c.path = append(c.path, pathStep{key: key, index: -1})
		if seen[key] {
			c.note(c.fail("is given twice: send each field once"))
		}
		if seen == nil {
			seen = make(map[string]bool)
		}
		seen[key] = true
		ft := elem
		if fields != nil {
			f, ok := fields.byName[key]
			if !ok {
				c.note(c.unknownField(key, fields))
			}
			ft = f // nil when unknown: checked as any value
		}
		c.space()
		if c.peek() != ':' {
			return c.syntax()
		}
		c.pos++
		if err := c.value(ft, depth); err != nil {
			return err
		}
		c.path = c.path[:len(c.path)-1]
		c.space()
		switch c.peek() {
		case ',':
			c.pos++
		case '}':
			c.pos++
			return nil
		default:
			return c.syntax()
		}
	}
}

func (c *jsonChecker) unknownField(key string, fields *jsonFields) *Error {
	path := c.pathString()
	for _, name := range fields.names {
		if strings.EqualFold(name, key) {
			return &Error{Status: http.StatusBadRequest, Field: path,
				Msg: fmt.Sprintf("unknown field %q: did you mean %q?", path, strings.TrimSuffix(path, key)+name)}
		}
	}
	return &Error{Status: http.StatusBadRequest, Field: path, Msg: fmt.Sprintf("unknown field %q: remove it", path)}
}

func (c *jsonChecker) array(t reflect.Type, depth int) *Error {
	c.pos++ // [
	var elem reflect.Type
	if t != nil {
		elem = shape(t.Elem())
	}
	c.space()
	if c.peek() == ']' {
		c.pos++
		return nil
	}
	for i := 0; ; i++ {
		c.path = append(c.path, pathStep{index: i})
		if err := c.value(elem, depth); err != nil {
			return err
		}
		c.path = c.path[:len(c.path)-1]
		c.space()
		switch c.peek() {
		case ',':
			c.pos++
		case ']':
			c.pos++
			return nil
		default:
			return c.syntax()
		}
	}
}

// str checks the string at c.pos and, for a key, returns it decoded. A
// key's errors name the path of its object, as the key is not known.
func (c *jsonChecker) str(key bool) (string, *Error) {
	c.pos++ // "
	var buf []byte
	badText := func(format string, args ...any) *Error {
		if key {
			path := c.pathString()
			where := ""
			if path != "" {
				where = " in " + path
			}
			return &Error{Status: http.StatusBadRequest, Field: path,
				Msg: "a field name" + where + " " + fmt.Sprintf(format, args...)}
		}
		return c.fail(format, args...)
	}
	for {
		if c.pos >= len(c.data) {
			return "", c.syntax()
		}
		switch b := c.data[c.pos]; {
		case b == '"':
			c.pos++
			return string(buf), nil
		case b == '\\':
			if c.pos+1 >= len(c.data) {
				return "", c.syntax()
			}
			e := c.data[c.pos+1]
			switch e {
			case '"', '\\', '/':
			case 'b':
				e = '\b'
			case 'f':
				e = '\f'
			case 'n':
				e = '\n'
			case 'r':
				e = '\r'
			case 't':
				e = '\t'
			case 'u':
				r, ok := hex4(c.data[c.pos+2:])
				if !ok {
					return "", c.syntax()
				}
				c.pos += 6
				if utf16.IsSurrogate(r) {
					lo := rune(-1)
					if r < 0xdc00 && bytes.HasPrefix(c.data[c.pos:], []byte(`\u`)) {
						if lo, ok = hex4(c.data[c.pos+2:]); !ok {
							return "", c.syntax()
						}
					}
					if lo < 0xdc00 || lo > 0xdfff {
						c.note(badText(`holds an unpaired surrogate \u%04x, which is no character: send valid UTF-8 text`, r))
						r = utf8.RuneError
					} else {
						c.pos += 6
						r = utf16.DecodeRune(r, lo)
					}
				}
				if key {
					buf = utf8.AppendRune(buf, r)
				}
				continue
			default:
				return "", c.syntax()
			}
			if key {
				buf = append(buf, e)
			}
			c.pos += 2
		case b < 0x20:
			return "", c.syntax() // a control character must be escaped
		case b < utf8.RuneSelf:
			if key {
				buf = append(buf, b)
			}
			c.pos++
		default:
			r, size := utf8.DecodeRune(c.data[c.pos:])
			if r == utf8.RuneError && size == 1 {
				c.note(badText("is not valid UTF-8 text (byte 0x%02x): send text in UTF-8", b))
			}
			if key {
				buf = append(buf, c.data[c.pos:c.pos+size]...)
			}
			c.pos += size
		}
	}
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(n), err == nil
}

func (c *jsonChecker) number(t reflect.Type) *Error {
	start := c.pos
	if c.peek() == '-' {
		c.pos++
	}
	switch b := c.peek(); {
	case b == '0':
		c.pos++
	case '1' <= b && b <= '9':
		c.digits()
	default:
		return c.syntax()
	}
	whole := true
	if c.peek() == '.' {
		c.pos++
		if !c.digits() {
			return c.syntax()
		}
		whole = false
	}
	if b := c.peek(); b == 'e' || b == 'E' {
		c.pos++
		if b := c.peek(); b == '+' || b == '-' {
			c.pos++
		}
		if !c.digits() {
			return c.syntax()
		}
		whole = false
	}
	if t == nil {
		return nil
	}
	num := string(c.data[start:c.pos])
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !whole {
			c.note(c.fail("must be a whole number, such as 42"))
		}
		if _, err := strconv.ParseInt(num, 10, t.Bits()); err != nil {
			c.note(c.fail("must be between %d and %d", int64(-1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if !whole {
			c.note(c.fail("must be a whole number, such as 42"))
		}
		if _, err := strconv.ParseUint(num, 10, t.Bits()); err != nil {
			c.note(c.fail("must be between 0 and %d", uint64(math.MaxUint64)>>(64-t.Bits())))
		}
	case reflect.Float32, reflect.Float64:
		if _, err := strconv.ParseFloat(num, t.Bits()); err != nil {
			c.note(c.fail("is out of range"))
		}
	default:
		c.note(c.wrongType(t))
	}
	return nil
}

// digits skips decimal digits and reports whether there was one.
func (c *jsonChecker) digits() bool {
	start := c.pos
	for c.pos < len(c.data) && '0' <= c.data[c.pos] && c.data[c.pos] <= '9' {
		c.pos++
	}
	return c.pos > start
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonNumber      = reflect.TypeFor[json.Number]()
)

// shape returns the type whose kind says which JSON values t takes, or nil
// when encoding/json's plain rules do not say: an interface, or a type that
// decodes itself.
func shape(t reflect.Type) reflect.Type {
	for t != nil {
		if t == jsonNumber || t.Implements(jsonUnmarshaler) || t.Implements(textUnmarshaler) ||
			t.Kind() != reflect.Pointer && (reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)) {
			return nil
		}
		switch t.Kind() {
		case reflect.Pointer:
			t = t.Elem()
		case reflect.Interface:
			return nil
		default:
			return t
		}
	}
	return nil
}

// jsonFields are the JSON names of a struct's fields, as encoding/json
// resolves them (tags, embedded structs, the shallowest name winning), and
// the shapes of their values.
type jsonFields struct {
	byName map[string]reflect.Type
	names  []string // sorted, for suggestions
}

var fieldCache sync.Map // reflect.Type → *jsonFields

func structFields(t reflect.Type) *jsonFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*jsonFields)
	}
	type candidate struct {
		name   string
		depth  int
		tagged bool
		typ    reflect.Type // nil: not checked
	}
	var cands []candidate
	visited := map[reflect.Type]bool{}
	next := []reflect.Type{t}
	for depth := 0; len(next) > 0; depth++ {
		current := next
		next = nil
		for _, st := range current {
			if visited[st] {
				continue
			}
			visited[st] = true
			for i := range st.NumField() {
				sf := st.Field(i)
				if sf.Anonymous {
					ft := sf.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTag(name) {
					name = ""
				}
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, ft)
					continue
				}
				typ := shape(sf.Type)
				if slices.Contains(strings.Split(opts, ","), "string") {
					switch ft.Kind() {
					case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
						reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
						typ = nil // a quoted value: encoding/json checks it
					}
				}
				cands = append(cands, candidate{name: cmp.Or(name, sf.Name), depth: depth, tagged: name != "", typ: typ})
			}
		}
	}
	// The shallowest field of a name wins; of several as shallow, the one
	// tagged; if that leaves more than one, none.
	f := &jsonFields{byName: map[string]reflect.Type{}}
	byName := map[string][]candidate{}
	for _, c := range cands {
		byName[c.name] = append(byName[c.name], c)
	}
	for name, cs := range byName {
		minDepth := slices.MinFunc(cs, func(a, b candidate) int { return a.depth - b.depth }).depth
		cs = slices.DeleteFunc(cs, func(c candidate) bool { return c.depth > minDepth })
		if len(cs) > 1 {
			cs = slices.DeleteFunc(cs, func(c candidate) bool { return !c.tagged })
		}
		if len(cs) == 1 {
			f.byName[name] = cs[0].typ
			f.names = append(f.names, name)
		}
	}
	slices.Sort(f.names)
	v, _ := fieldCache.LoadOrStore(t, f)
	return v.(*jsonFields)
}

// validTag is encoding/json's rule for a usable name in a tag.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
