package render

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// toJSON converts a rendered file to JSON. The templates write a small block-style
// subset of YAML (mappings, "- " sequences, JSON-quoted strings, integers, booleans,
// {} and comments); fastJSON converts that subset directly, which is what keeps a
// render within a few milliseconds. Anything outside the subset takes the general
// YAML parser, so the result is the same either way (TestFastJSON checks it).
func toJSON(text string) ([]byte, error) {
	if j, err := fastJSON(text); err == nil {
		return j, nil
	}
	return yaml.YAMLToJSONStrict([]byte(text))
}

var errSubset = errors.New("outside the YAML subset")

type line struct {
	indent int
	text   string // without indentation and trailing comment space
}

func fastJSON(data string) ([]byte, error) {
	lines, err := splitLines(data)
	if err != nil {
		return nil, err
	}
	p := &fastParser{lines: lines}
	p.out.Grow(len(data))
	if err := p.node(lines[0].indent); err != nil {
		return nil, err
	}
	if p.i != len(lines) {
		return nil, errSubset
	}
	return p.out.Bytes(), nil
}

// splitLines splits a document of the subset into its lines of content,
// leaving out blank and comment lines.
func splitLines(data string) ([]line, error) {
	return appendLines(make([]line, 0, strings.Count(data, "\n")+1), data)
}

// appendLines is splitLines appending to lines.
func appendLines(lines []line, data string) ([]line, error) {
	for len(data) > 0 {
		raw, rest, _ := strings.Cut(data, "\n")
		data = rest
		ind := 0
		for ind < len(raw) && raw[ind] == ' ' {
			ind++
		}
		t := raw[ind:]
		if t == "" || t[0] == '#' {
			continue
		}
		if strings.IndexByte(t, '\t') >= 0 || t == "---" || t == "..." {
			return nil, errSubset
		}
		end := len(t)
		for t[end-1] == ' ' {
			end--
		}
		lines = append(lines, line{indent: ind, text: t[:end]})
	}
	if len(lines) == 0 {
		return nil, errSubset
	}
	return lines, nil
}

type fastParser struct {
	lines []line
	i     int
	out   bytes.Buffer
}

// node writes the block node starting at the current line, indented by ind.
func (p *fastParser) node(ind int) error {
	l := p.lines[p.i]
	if l.indent != ind {
		return errSubset
	}
	if isItem(l.text) {
		return p.sequence(ind)
	}
	return p.mapping(ind)
}

func (p *fastParser) sequence(ind int) error {
	p.out.WriteByte('[')
	for n := 0; p.i < len(p.lines) && p.lines[p.i].indent == ind && isItem(p.lines[p.i].text); n++ {
		if n > 0 {
			p.out.WriteByte(',')
		}
		rest := strings.TrimLeft(p.lines[p.i].text[1:], " ")
		if rest == "" {
			return errSubset
		}
		// The item's content starts after "- ": it is a node indented that far.
		itemInd := ind + len(p.lines[p.i].text) - len(rest)
		if _, _, isKey := splitKey(rest); isKey {
			p.lines[p.i] = line{indent: itemInd, text: rest}
			if err := p.mapping(itemInd); err != nil {
				return err
			}
			continue
		}
		if err := p.scalar(rest); err != nil {
			return err
		}
		p.i++
	}
	p.out.WriteByte(']')
	return nil
}

func (p *fastParser) mapping(ind int) error {
	p.out.WriteByte('{')
	var seen []string // mappings are small: a slice beats a map
	for n := 0; p.i < len(p.lines) && p.lines[p.i].indent == ind; n++ {
		key, rest, ok := splitKey(p.lines[p.i].text)
		if !ok || slices.Contains(seen, key) {
			return errSubset
		}
		seen = append(seen, key)
		if n > 0 {
			p.out.WriteByte(',')
		}
		writeJSONString(&p.out, key)
		p.out.WriteByte(':')
		p.i++
		if rest != "" {
			if err := p.scalar(rest); err != nil {
				return err
			}
			continue
		}
		if p.i >= len(p.lines) || p.lines[p.i].indent <= ind {
			return errSubset // null, or a sequence at the key's own indentation
		}
		if err := p.node(p.lines[p.i].indent); err != nil {
			return err
		}
	}
	if p.i < len(p.lines) && p.lines[p.i].indent > ind {
		return errSubset
	}
	p.out.WriteByte('}')
	return nil
}

// isPlainKey reports whether k is a key the templates write unquoted.
func isPlainKey(k string) bool {
	if k == "" || !isAlnum(k[0]) {
		return false
	}
	for i := 1; i < len(k); i++ {
		if c := k[i]; !isAlnum(c) && c != '_' && c != '.' && c != '/' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isPlainInt reports whether v is a decimal integer that reads the same in YAML 1.1
// and JSON (no sign but minus, no leading zero, no underscore).
func isPlainInt(v string) bool {
	d := strings.TrimPrefix(v, "-")
	if d == "" || len(d) > 18 || (d[0] == '0' && len(d) > 1) || (d == "0" && v != "0") {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// isPlainWord reports whether v is a plain scalar of letters, digits and ._/=-,
// optionally with a URL's "://" (https://kubernetes.default.svc), starting with a letter.
func isPlainWord(v string) bool {
	if v == "" || !('a' <= v[0] && v[0] <= 'z' || 'A' <= v[0] && v[0] <= 'Z') {
		return false
	}
	if scheme, rest, ok := strings.Cut(v, "://"); ok {
		return isPlainWord(scheme) && rest != "" && !strings.Contains(rest, ":") && isPlainWord("x"+rest)
	}
	for i := 1; i < len(v); i++ {
		if c := v[i]; !isAlnum(c) && c != '.' && c != '_' && c != '/' && c != '=' && c != '-' {
			return false
		}
	}
	return true
}

// splitKey splits `key: value` (key plain or JSON-quoted) into the key and the rest.
func splitKey(t string) (key, rest string, ok bool) {
	if strings.HasPrefix(t, `"`) {
		s, n, ok := quoted(t)
		if !ok || n >= len(t) || t[n] != ':' || (n+1 < len(t) && t[n+1] != ' ') {
			return "", "", false
		}
		return s, strings.TrimLeft(t[n+1:], " "), true
	}
	k, r, found := strings.Cut(t, ":")
	if !found || !isPlainKey(k) || (r != "" && r[0] != ' ') {
		return "", "", false
	}
	return k, strings.TrimLeft(r, " "), true
}

// quoted reads the JSON string at the start of t and returns its value and length.
func quoted(t string) (string, int, bool) {
	// The common case: no escapes, the value is a substring.
	if end := strings.IndexAny(t[1:], `"\\`); end >= 0 && t[1+end] == '"' {
		v := t[1 : 1+end]
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 {
				return "", 0, false
			}
		}
		return v, end + 2, true
	}
	var b strings.Builder
	for i := 1; i < len(t); i++ {
		switch c := t[i]; {
		case c == '"':
			return b.String(), i + 1, true
		case c == '\\':
			// Escapes other than these are rare; leave them to the general parser.
			if i+1 >= len(t) || !strings.ContainsRune(`"\/`, rune(t[i+1])) {
				return "", 0, false
			}
			i++
			b.WriteByte(t[i])
		case c < 0x20:
			return "", 0, false
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// scalarKind is the kind of a flow scalar of the subset.
type scalarKind uint8

const (
	scalarString   scalarKind = iota // a JSON string or a plain word; the value is unquoted
	scalarInt                        // the value is its decimal digits
	scalarBool                       // the value is true or false
	scalarEmptyMap                   // {}
	scalarEmptySeq                   // []
)

// readScalar reads a flow scalar: a JSON string, {} or [], an integer, a boolean
// or a plain word, each optionally followed by a comment.
func readScalar(t string) (scalarKind, string, error) {
	if strings.HasPrefix(t, `"`) {
		s, n, ok := quoted(t)
		if !ok || !comment(t[n:]) {
			return 0, "", errSubset
		}
		return scalarString, s, nil
	}
	v, c, _ := strings.Cut(t, " #")
	if c != "" || strings.HasSuffix(t, " #") {
		v = strings.TrimRight(v, " ")
	}
	switch {
	case v == "{}":
		return scalarEmptyMap, v, nil
	case v == "[]":
		return scalarEmptySeq, v, nil
	case v == "true" || v == "false":
		return scalarBool, v, nil
	case isPlainInt(v):
		return scalarInt, v, nil
	case isPlainWord(v) && !yaml11Special(v):
		return scalarString, v, nil
	}
	return 0, "", errSubset
}

// scalar writes a flow scalar as JSON.
func (p *fastParser) scalar(t string) error {
	kind, v, err := readScalar(t)
	if err != nil {
		return err
	}
	if kind == scalarString {
		writeJSONString(&p.out, v)
	} else {
		p.out.WriteString(v)
	}
	return nil
}

// yaml11Special reports plain words YAML 1.1 reads as something other than a string.
func yaml11Special(v string) bool {
	switch strings.ToLower(v) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", ".nan":
		return true
	}
	return false
}

// comment reports whether what follows a scalar is nothing or a comment.
func comment(rest string) bool {
	t := strings.TrimLeft(rest, " ")
	return rest == "" || (rest[0] == ' ' && t != "" && t[0] == '#')
}

func writeJSONString(b *bytes.Buffer, s string) {
	b.Write(appendJSONString(b.AvailableBuffer(), s))
}

// appendJSONString appends s as a JSON string, escaping only what JSON requires.
func appendJSONString(b []byte, s string) []byte {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = s[i] >= 0x20 && s[i] != '"' && s[i] != '\\'
	}
	b = append(b, '"')
	if clean {
		b = append(b, s...)
		return append(b, '"')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			const hex = "0123456789abcdef"
			b = append(b, `\u00`...)
			b = append(b, hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// isItem reports whether a line's text is an item of a block sequence: "-" alone
// or followed by a space.
func isItem(t string) bool {
	return t == "-" || strings.HasPrefix(t, "- ")
}
