// Package migration holds the site's schema as numbered, forward-only SQL
// files embedded in the binary, and applies the pending ones.
//
// A file is named NNNN_what.sql; versions start at 1 and have no gaps.
// Statements in a file are separated by a semicolon at the end of a line.
// MySQL commits DDL implicitly, so a file that fails half-way is not rolled
// back: keep one table change per file where possible, so a retry after a
// fix is simple.
package migration

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed sql/*.sql
var files embed.FS

// A Migration is one numbered SQL file.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

var fileName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// All returns the embedded migrations in version order.
func All() ([]Migration, error) { return parse(files) }

func parse(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, "sql")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s: name it NNNN_what.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, "sql/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		stmts := split(string(b))
		if len(stmts) == 0 {
			return nil, fmt.Errorf("migration %s has no statements", e.Name())
		}
		ms = append(ms, Migration{Version: v, Name: m[2], Statements: stmts})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration versions must run 1, 2, 3... without gaps or repeats: found %04d where %04d belongs", m.Version, i+1)
		}
	}
	return ms, nil
}

// split cuts a file into statements at semicolons ending a line, dropping
// comment lines.
func split(s string) []string {
	var stmts []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			stmts = append(stmts, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		stmts = append(stmts, rest)
	}
	return stmts
}

// lockName is the GET_LOCK name that serializes migrators, so two Jobs (or
// a Job and a developer) never apply the same file twice.
const lockName = "kin.schema_migrations"

// Apply applies every pending migration, recording each in
// schema_migrations, and returns the versions it applied.
func Apply(ctx context.Context, db *sql.DB, log *slog.Logger) ([]int, error) {
	ms, err := All()
	if err != nil {
		return nil, err
	}
	return apply(ctx, db, log, ms)
}

// apply applies the pending ones of ms, the first len(ms) migrations (a
// test stops at an older schema to migrate rows written under it).
func apply(ctx context.Context, db *sql.DB, log *slog.Logger, ms []Migration) ([]int, error) {
	// GET_LOCK belongs to a connection: hold one for the whole run.
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: get connection: %w", err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", lockName).Scan(&got); err != nil {
		return nil, fmt.Errorf("migrate: take lock: %w", err)
	}
	if got.Int64 != 1 {
		return nil, fmt.Errorf("migrate: another migrator held the lock %q for 60s: try again when it is done", lockName)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", lockName)

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INT NOT NULL PRIMARY KEY,
		name VARCHAR(255) NOT NULL,
		applied_at DATETIME(6) NOT NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`); err != nil {
		return nil, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	if all, err := All(); err == nil && len(applied) > len(all) {
		return nil, fmt.Errorf("migrate: the database has %d migrations applied but this binary knows only %d: run the newer binary", len(applied), len(all))
	}

	var done []int
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		for i, stmt := range m.Statements {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return done, fmt.Errorf("migrate %04d_%s statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		if _, err := conn.ExecContext(ctx,
			"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP(6))",
			m.Version, m.Name); err != nil {
			return done, fmt.Errorf("migrate %04d_%s: record: %w", m.Version, m.Name, err)
		}
		if log != nil {
			log.Info("applied migration", "version", m.Version, "name", m.Name)
		}
		done = append(done, m.Version)
	}
	return done, nil
}
