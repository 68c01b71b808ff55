package tus

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kin-social/kin/svc/internal/server"
)

// Bounds of Upload-Metadata: a few short keys such as kind, filename and
// filetype are all the service needs.
const (
	maxMetadata = 4 << 10
	maxKeys     = 16
	maxKeyLen   = 64
)

func metaError(format string, args ...any) error {
	return &server.Error{Status: http.StatusBadRequest, Field: "Upload-Metadata", Msg: fmt.Sprintf(format, args...)}
}

// parseMetadata parses Upload-Metadata: comma-separated pairs of a key
// and, after a space, its value in base64. Keys are letters, digits and
// -._; values are UTF-8 without NUL or "../", as they may end up in file
// names and pages.
func parseMetadata(vs []string) (map[string]string, error) {
	if len(vs) > 1 {
		return nil, metaError("send one Upload-Metadata header")
	}
	if len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
		return map[string]string{}, nil
	}
	s := vs[0]
	if len(s) > maxMetadata {
		return nil, metaError("Upload-Metadata is %d bytes; at most %d are accepted", len(s), maxMetadata)
	}
	m := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		key, enc, _ := strings.Cut(pair, " ")
		if !validKey(key) {
			return nil, metaError("metadata key %q is not valid: use up to %d letters, digits, '-', '.' and '_'", key, maxKeyLen)
		}
		if _, dup := m[key]; dup {
			return nil, metaError("metadata key %q is given twice", key)
		}
		if len(m) == maxKeys {
			return nil, metaError("at most %d metadata keys are accepted", maxKeys)
		}
		b, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(enc))
		if err != nil {
			return nil, metaError("the value of metadata key %q is not base64: encode each value with standard base64", key)
		}
		v := string(b)
		switch {
		case !utf8.ValidString(v):
			return nil, metaError("the value of metadata key %q is not UTF-8 text", key)
		case strings.ContainsRune(v, 0):
			return nil, metaError("the value of metadata key %q contains a NUL byte", key)
		case strings.Contains(v, "../") || strings.Contains(v, `..\`) || v == "..":
			return nil, metaError("the value of metadata key %q contains \"..\" as a path step: send a plain file name", key)
		}
		m[key] = v
	}
	return m, nil
}

func validKey(k string) bool {
	if k == "" || len(k) > maxKeyLen || strings.Contains(k, "..") {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// formatMetadata encodes m as Upload-Metadata, keys sorted.
func formatMetadata(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		if m[k] != "" {
			b.WriteByte(' ')
			b.WriteString(base64.StdEncoding.EncodeToString([]byte(m[k])))
		}
	}
	return b.String()
}
