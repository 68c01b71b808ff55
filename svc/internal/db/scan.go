package db

import "context"

// IDs runs a query whose rows are one id each and returns the ids.
func IDs(ctx context.Context, q Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Positions runs a query whose rows are (id, time), as the pages of a
// keyset-paginated list are read, and returns them as positions.
func Positions(ctx context.Context, q Querier, query string, args ...any) ([]Position, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Position
	for rows.Next() {
		var p Position
		if err := rows.Scan(&p.ID, &p.Time); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
