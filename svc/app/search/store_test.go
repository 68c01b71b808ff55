package search

import (
	"context"
	"slices"
	"testing"

	"github.com/kin-social/kin/svc/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestLikePrefix checks against the server that LIKE's metacharacters in
// a term are taken literally, whatever the sql_mode: Words never makes
// such terms, so this is the guard's own test.
func TestLikePrefix(t *testing.T) {
	conn := dbtest.New(t)
	ctx := context.Background()
	if _, err := conn.Exec(`INSERT INTO users (id, email, email_key, password_hash, display_name, about, created_at, updated_at)
		VALUES (1, 'a@example.org', 'a@example.org', 'x', 'A', '', NOW(), NOW())`); err != nil {
		t.Fatal(err)
	}
	words := []string{`a%b`, `axb`, `a_b`, `a!b`, `a\b`, `ab`, `a`}
	for _, w := range words {
		if _, err := conn.Exec("INSERT INTO search_words (word, user_id, field) VALUES (?, 1, 0)", w); err != nil {
			t.Fatal(err)
		}
	}
	for _, mode := range []string{"", "NO_BACKSLASH_ESCAPES"} {
		c, err := conn.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(ctx, "SET SESSION sql_mode = CONCAT(@@sql_mode, ?)", map[bool]string{true: ",", false: ""}[mode != ""]+mode); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			prefix string
			want   []string
		}{
			{`a%`, []string{`a%b`}},
			{`a_`, []string{`a_b`}},
			{`a!`, []string{`a!b`}},
			{`a\`, []string{`a\b`}},
			{`a`, words},
			{`ax`, []string{`axb`}},
		} {
			rows, err := c.QueryContext(ctx, "SELECT word FROM search_words WHERE word"+like+" ORDER BY word", likePrefix(tc.prefix))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var w string
				rows.Scan(&w)
				got = append(got, w)
			}
			rows.Close()
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("sql_mode +%q: words starting with %q: %q, want %q", mode, tc.prefix, got, want)
			}
		}
		c.Close()
	}
}
