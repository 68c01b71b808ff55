// Package account keeps Kin's people: registration, sign-in, password
// changes and profiles, stored in the users table. Its functions check
// their input and return *FieldError for what a person must fix, so the
// HTTP handlers only translate.
package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kin-social/kin/svc/internal/db"
	"github.com/kin-social/kin/svc/internal/password"
	"github.com/kin-social/kin/svc/internal/session"
)

var (
	// ErrEmailTaken means another account has the email address: the
	// same canonical form (see CanonicalEmail).
	ErrEmailTaken = errors.New("an account with this email address exists already")
	// ErrBadCredentials means the email or the password is wrong; which
	// one is not said, so nobody can learn who has an account.
	ErrBadCredentials = errors.New("wrong email or password")
	// ErrNotFound means there is no such user.
	ErrNotFound = errors.New("no such user")
)

// User is a person's own view of their account.
type User struct {
	ID                 int64  `json:"id"`
	Email              string `json:"email"`
	DisplayName        string `json:"display_name"`
	Headline           string `json:"headline"`
	About              string `json:"about"`
	City               string `json:"city"`
	Birthday           string `json:"birthday"` // YYYY-MM-DD or ""
	BirthdayVisibility string `json:"birthday_visibility"`
	ProfileVisibility  string `json:"profile_visibility"` // who sees the details: everyone, members, friends
	FriendsVisibility  string `json:"friends_visibility"` // who sees the friend list: everyone, friends, only_me
	CreatedAt          string `json:"created_at"`         // RFC 3339, UTC
}

// Profile is anyone's view of a person.
type Profile struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	Headline    string `json:"headline"`
	About       string `json:"about"`
	City        string `json:"city"`
	Birthday    string `json:"birthday"` // "" unless the viewer may see it
	CreatedAt   string `json:"created_at"`
	// DetailsHidden says the person's profile_visibility (or a block)
	// hides the details from the viewer: all but the id and name are "".
	DetailsHidden bool `json:"details_hidden"`
}

// ProfileFor returns u's profile as the user viewer sees it (0: a visitor
// who is not signed in) standing as st to u. Details (headline, about,
// city, birthday, created_at) are shown as u's ProfileVisibility allows,
// and never across a block; the birthday also as its own setting allows.
func (u User) ProfileFor(viewer int64, st Standing) Profile {
	p := Profile{ID: u.ID, DisplayName: u.DisplayName}
	if !detailsVisible(u.ProfileVisibility, u.ID, viewer, st) {
		p.DetailsHidden = true
		return p
	}
	p.Headline, p.About, p.City, p.CreatedAt = u.Headline, u.About, u.City, u.CreatedAt
	switch {
	case viewer == u.ID, u.BirthdayVisibility == Public,
		u.BirthdayVisibility == Friends && st.Friends:
		p.Birthday = u.Birthday
	}
	return p
}

// Service keeps accounts in the database.
type Service struct {
	h        db.Handle // the pool, or the caller's transaction (WithTx)
	hasher   *password.Hasher
	sessions *session.Store
	now      func() time.Time
	indexer  Indexer // nil: nothing to keep current

	// decoy is a hash to verify sign-ins of unknown addresses against, so
	// they take as long as sign-ins of known ones.
	decoy func() (string, error)
}

// New returns a Service on conn, hashing with hasher and ending sessions in
// sessions.
func New(conn *sql.DB, hasher *password.Hasher, sessions *session.Store) *Service {
	s := &Service{h: db.NewHandle(conn), hasher: hasher, sessions: sessions, now: time.Now}
	s.decoy = sync.OnceValues(func() (string, error) {
		return hasher.Hash(context.Background(), session.NewToken())
	})
	return s
}

// WithTx returns a Service whose operations run in the caller's
// transaction q (as db.InTx passes one), so that an account's change
// commits or rolls back together with the caller's.
func (s *Service) WithTx(q db.Querier) *Service {
	c := *s
	c.h = s.h.Join(q)
	c.sessions = s.sessions.WithTx(q)
	return &c
}

// SearchFields are what people search finds a person by.
type SearchFields struct {
	ID          int64
	DisplayName string
	Headline    string
	City        string
}

// An Indexer keeps a search index of people current (search.Service).
// account does not import search: it calls IndexPerson in the transaction
// q that registers a person or changes their profile, so the index and
// the profile commit together.
type Indexer interface {
	IndexPerson(ctx context.Context, q db.Querier, p SearchFields) error
}

// WithIndexer returns a Service that keeps ix current.
func (s *Service) WithIndexer(ix Indexer) *Service {
	c := *s
	c.indexer = ix
	return &c
}

// index tells the indexer, if any, of the person's searchable fields.
func (s *Service) index(ctx context.Context, q db.Querier, p SearchFields) error {
	if s.indexer == nil {
		return nil
	}
	return s.indexer.IndexPerson(ctx, q, p)
}

// Registration is what a person enters to open an account.
type Registration struct {
	Email       string
	Password    string
	DisplayName string
}

// Check normalizes and checks a registration, returning the first problem
// as a *FieldError. Register calls it too; the HTTP handler calls it first
// so a mistyped form does not use up the captcha.
func (r *Registration) Check() error {
	_, err := r.check()
	return err
}

// check is Check returning the address's canonical key too.
func (r *Registration) check() (key string, err error) {
	if r.Email, key, err = normalizeEmail(r.Email); err != nil {
		return "", err
	}
	if err := checkPassword("password", r.Password); err != nil {
		return "", err
	}
	if r.DisplayName, err = normalizeDisplayName(r.DisplayName); err != nil {
		return "", err
	}
	return key, nil
}

// Register opens an account with one INSERT (and its search words, in
// the same transaction), so a failure leaves nothing behind. It returns ErrEmailTaken when the address is in use. It checks
// no captcha and no limit: the web API does that (Guard.Register), and
// other callers (seeding demo accounts) need neither.
func (s *Service) Register(ctx context.Context, r Registration) (User, error) {
	key, err := r.check()
	if err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, r.Password)
	if err != nil {
		return User{}, fmt.Errorf("register: %w", err)
	}
	row := userRow{Email: r.Email, EmailKey: key, PasswordHash: hash, DisplayName: r.DisplayName,
		BirthdayVisibility: Private, ProfileVisibility: Everyone, FriendsVisibility: Everyone, CreatedAt: s.time()}
	err = s.h.InTx(ctx, func(q db.Querier) error {
		var err error
		if row.ID, err = insertUser(ctx, q, row); err != nil {
			return err
		}
		return s.index(ctx, q, SearchFields{ID: row.ID, DisplayName: row.DisplayName})
	})
	if db.IsDuplicate(err) {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("register %s: %w", r.Email, err)
	}
	return userFromRow(row), nil
}

// Authenticate returns the user with the email and password, or
// ErrBadCredentials. It upgrades the stored hash when the hashing
// parameters have been raised since it was made. It counts no failure:
// the web API's Guard.SignIn does.
func (s *Service) Authenticate(ctx context.Context, email, pw string) (User, error) {
	id, hash, err := s.lookup(ctx, email)
	if err != nil {
		return User{}, err
	}
	if id == 0 {
		return User{}, s.fail(ctx, pw)
	}
	if err := s.verify(ctx, id, pw, hash); err != nil {
		return User{}, err
	}
	return s.Get(ctx, id)
}

// lookup returns the id and hash of the account of an address as typed
// at sign-in, or id 0 when there is none. The address is compared in its
// canonical form only: al<U+200B>ice@ and ａlice@ are not alice@.
func (s *Service) lookup(ctx context.Context, email string) (int64, string, error) {
	if !utf8.ValidString(email) {
		return 0, "", errInvalidUTF8("email")
	}
	id, hash, err := credentialsByKey(ctx, s.h.Q(), CanonicalEmail(email))
	if errors.Is(err, ErrNotFound) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("sign in: %w", err)
	}
	return id, hash, nil
}

// fail verifies pw against the decoy hash, so that a sign-in of an
// unknown address takes as long as one of a known address, and returns
// ErrBadCredentials.
func (s *Service) fail(ctx context.Context, pw string) error {
	decoy, err := s.decoy()
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if _, err := s.hasher.Verify(ctx, pw, decoy); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	return ErrBadCredentials
}

// verify checks pw against the user's hash and rehashes it when due.
func (s *Service) verify(ctx context.Context, id int64, pw, hash string) error {
	ok, err := s.hasher.Verify(ctx, pw, hash)
	if err != nil {
		return fmt.Errorf("verify password of user %d: %w", id, err)
	}
	if !ok {
		return ErrBadCredentials
	}
	if s.hasher.NeedsRehash(hash) {
		newHash, err := s.hasher.Hash(ctx, pw)
		if err != nil {
			return fmt.Errorf("rehash password of user %d: %w", id, err)
		}
		// Only if nobody changed the password meanwhile.
		if _, err := replaceHash(ctx, s.h.Q(), id, hash, newHash, s.time()); err != nil {
			return fmt.Errorf("rehash password of user %d: %w", id, err)
		}
	}
	return nil
}

// ChangePassword replaces the user's password after checking the current
// one (ErrBadCredentials when wrong), and ends every other session of the
// user (all but the one of keepToken) in the same transaction.
func (s *Service) ChangePassword(ctx context.Context, id int64, keepToken, current, newPassword string) error {
	if err := checkUTF8("current_password", current); err != nil {
		return err
	}
	if current == "" {
		return fieldErr("current_password", "enter your current password")
	}
	if err := checkPassword("new_password", newPassword); err != nil {
		return err
	}
	row, err := userByID(ctx, s.h.Q(), id)
	if err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, current, row.PasswordHash)
	if err != nil {
		return fmt.Errorf("change password of user %d: %w", id, err)
	}
	if !ok {
		return ErrBadCredentials
	}
	newHash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return fmt.Errorf("change password of user %d: %w", id, err)
	}
	return s.h.InTx(ctx, func(q db.Querier) error {
		changed, err := replaceHash(ctx, q, id, row.PasswordHash, newHash, s.time())
		if err != nil {
			return err
		}
		if !changed {
			// The password changed since we verified it: the caller's
			// current password is no longer current.
			return ErrBadCredentials
		}
		if _, err := s.sessions.WithTx(q).DeleteOthers(ctx, id, keepToken); err != nil {
			return fmt.Errorf("change password of user %d: %w", id, err)
		}
		return nil
	})
}

// ProfileUpdate is the whole profile form.
type ProfileUpdate struct {
	DisplayName        string
	Headline           string
	About              string
	City               string
	Birthday           string // YYYY-MM-DD or ""
	BirthdayVisibility string
}

// UpdateProfile checks the form and stores it with one UPDATE (and the
// search words, in the same transaction), returning the updated user.
func (s *Service) UpdateProfile(ctx context.Context, id int64, p ProfileUpdate) (User, error) {
	var err error
	if p.DisplayName, err = normalizeDisplayName(p.DisplayName); err != nil {
		return User{}, err
	}
	if err := checkText("headline", p.Headline, MaxHeadline, false); err != nil {
		return User{}, err
	}
	if err := checkText("about", p.About, MaxAbout, true); err != nil {
		return User{}, err
	}
	if err := checkText("city", p.City, MaxCity, false); err != nil {
		return User{}, err
	}
	now := s.time()
	birthday, err := parseBirthday(p.Birthday, now)
	if err != nil {
		return User{}, err
	}
	if err := checkVisibility(p.BirthdayVisibility); err != nil {
		return User{}, err
	}
	var bday any // NULL for no birthday
	if birthday != nil {
		bday = birthday.Format(time.DateOnly)
	}
	if err := s.h.InTx(ctx, func(q db.Querier) error {
		if err := updateProfile(ctx, q, id, p, bday, now); err != nil {
			return err
		}
		return s.index(ctx, q, SearchFields{ID: id, DisplayName: p.DisplayName, Headline: p.Headline, City: p.City})
	}); err != nil {
		return User{}, err
	}
	return s.Get(ctx, id)
}

// Get returns the user with the id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (User, error) {
	row, err := userByID(ctx, s.h.Q(), id)
	if err != nil {
		return User{}, err
	}
	return userFromRow(row), nil
}

// Recanonicalize finishes what migration 0004 could not do in SQL: it
// recomputes, in Go, the canonical key (NFC, Unicode lower case) of every
// address the migration marked, and stores the address itself in NFC.
// Every replica runs it at start; running it twice, or at once, is
// harmless. It returns how many addresses it fixed.
func (s *Service) Recanonicalize(ctx context.Context, log *slog.Logger) (int, error) {
	fixed := 0
	for {
		batch, err := legacyEmails(ctx, s.h.Q(), 500)
		if err != nil || len(batch) == 0 {
			return fixed, err
		}
		for id, email := range batch {
			stored := norm.NFC.String(strings.TrimSpace(email))
			err := setEmailKey(ctx, s.h.Q(), id, stored, CanonicalEmail(email))
			if db.IsDuplicate(err) {
				// Two old addresses that only NFC tells apart cannot
				// exist under the old key; if they do, leave it to a
				// person, and do not loop on it.
				if log != nil {
					log.Error("two accounts share a canonical address: merge or rename one by hand", "user", id)
				}
				if _, err := s.h.Q().ExecContext(ctx, "UPDATE users SET email_legacy = 2 WHERE id = ?", id); err != nil {
					return fixed, fmt.Errorf("canonicalize address of user %d: %w", id, err)
				}
				continue
			}
			if err != nil {
				return fixed, err
			}
			fixed++
		}
	}
}

func userFromRow(r userRow) User {
	u := User{
		ID:                 r.ID,
		Email:              r.Email,
		DisplayName:        r.DisplayName,
		Headline:           r.Headline,
		About:              r.About,
		City:               r.City,
		BirthdayVisibility: r.BirthdayVisibility,
		ProfileVisibility:  r.ProfileVisibility,
		FriendsVisibility:  r.FriendsVisibility,
		CreatedAt:          formatTime(r.CreatedAt),
	}
	if r.Birthday.Valid {
		u.Birthday = r.Birthday.Time.Format(time.DateOnly)
	}
	return u
}

func (s *Service) time() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
