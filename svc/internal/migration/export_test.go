package migration

import (
	"context"
	"database/sql"
	"fmt"
)

// ApplyFirst applies the first n migrations only, as an older binary would.
func ApplyFirst(ctx context.Context, db *sql.DB, n int) error {
	ms, err := All()
	if err != nil {
		return err
	}
	if n > len(ms) {
		return fmt.Errorf("only %d migrations", len(ms))
	}
	_, err = apply(ctx, db, nil, ms[:n])
	return err
}
