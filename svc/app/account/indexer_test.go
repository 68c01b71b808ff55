package account

import (
	"context"
	"errors"
	"testing"

	"github.com/kin-social/kin/svc/internal/db"
)

// recorder is an Indexer that reads, through the transaction it is given,
// the name the account has there, and fails when told to.
type recorder struct {
	got  []SearchFields
	seen []string // display_name as the transaction sees it
	fail bool
}

var errIndex = errors.New("index refused")

func (r *recorder) IndexPerson(ctx context.Context, q db.Querier, p SearchFields) error {
	r.got = append(r.got, p)
	var name string
	if err := q.QueryRowContext(ctx, "SELECT display_name FROM users WHERE id = ?", p.ID).Scan(&name); err != nil {
		return err
	}
	r.seen = append(r.seen, name)
	if r.fail {
		return errIndex
	}
	return nil
}

// TestIndexer checks that registration and profile updates call the
// indexer inside their transaction, and that its failure leaves nothing
// written.
func TestIndexer(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	s := newService(t).WithIndexer(rec)

	u, err := s.Register(ctx, Registration{Email: "ann@example.org", Password: "long enough", DisplayName: " Ann Smith "})
	if err != nil {
		t.Fatal(err)
	}
	if want := (SearchFields{ID: u.ID, DisplayName: "Ann Smith"}); len(rec.got) != 1 || rec.got[0] != want || rec.seen[0] != "Ann Smith" {
		t.Fatalf("register: indexed %+v seeing %q, want %+v seeing the new row", rec.got, rec.seen, want)
	}
	if _, err := s.UpdateProfile(ctx, u.ID, ProfileUpdate{DisplayName: "Ann Jones", Headline: "Gardener", City: "Kew",
		BirthdayVisibility: Private}); err != nil {
		t.Fatal(err)
	}
	if want := (SearchFields{ID: u.ID, DisplayName: "Ann Jones", Headline: "Gardener", City: "Kew"}); len(rec.got) != 2 ||
		rec.got[1] != want || rec.seen[1] != "Ann Jones" {
		t.Fatalf("update: indexed %+v seeing %q, want %+v seeing the update", rec.got, rec.seen, want)
	}

	rec.fail = true
	if _, err := s.UpdateProfile(ctx, u.ID, ProfileUpdate{DisplayName: "Not Written", BirthdayVisibility: Private}); !errors.Is(err, errIndex) {
		t.Errorf("update with a failing index: %v, want %v", err, errIndex)
	}
	if got, err := s.Get(ctx, u.ID); err != nil || got.DisplayName != "Ann Jones" || got.City != "Kew" {
		t.Errorf("after a failed update: %+v, %v; want the profile unchanged", got, err)
	}
	if _, err := s.Register(ctx, Registration{Email: "bob@example.org", Password: "long enough", DisplayName: "Bob"}); !errors.Is(err, errIndex) {
		t.Errorf("register with a failing index: %v, want %v", err, errIndex)
	}
	if _, err := s.Authenticate(ctx, "bob@example.org", "long enough"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("sign-in after a failed registration: %v, want no such account", err)
	}
}
