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
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kin-social/kin/svc/internal/password"
	"github.com/kin-social/kin/svc/internal/session"
)

var (
	// ErrEmailTaken means another account has the email address, in any
	// letter case.
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
	CreatedAt          string `json:"created_at"` // RFC 3339, UTC
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
}

// ProfileFor returns u's profile as the user viewer sees it (0: a visitor
// who is not signed in).
func (u User) ProfileFor(viewer int64) Profile {
	p := Profile{
		ID:          u.ID,
		DisplayName: u.DisplayName,
		Headline:    u.Headline,
		About:       u.About,
		City:        u.City,
		CreatedAt:   u.CreatedAt,
	}
	// Friends-only birthdays are the person's own until friendships exist.
	if u.BirthdayVisibility == Public || viewer == u.ID {
		p.Birthday = u.Birthday
	}
	return p
}

// Service keeps accounts in the database.
type Service struct {
	db       *sql.DB
	hasher   *password.Hasher
	sessions *session.Store
	now      func() time.Time

	// decoy is a hash to verify sign-ins of unknown addresses against, so
	// they take as long as sign-ins of known ones.
	decoy func() (string, error)
}

// New returns a Service on db, hashing with hasher and ending sessions in
// sessions.
func New(db *sql.DB, hasher *password.Hasher, sessions *session.Store) *Service {
	s := &Service{db: db, hasher: hasher, sessions: sessions, now: time.Now}
	s.decoy = sync.OnceValues(func() (string, error) {
		return hasher.Hash(context.Background(), session.NewToken())
	})
	return s
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
	var err error
	if r.Email, err = normalizeEmail(r.Email); err != nil {
		return err
	}
	if err := checkPassword("password", r.Password); err != nil {
		return err
	}
	if r.DisplayName, err = normalizeDisplayName(r.DisplayName); err != nil {
		return err
	}
	return nil
}

// Register opens an account with one INSERT, so a failure leaves nothing
// behind. It returns ErrEmailTaken when the address is in use.
func (s *Service) Register(ctx context.Context, r Registration) (User, error) {
	if err := r.Check(); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, r.Password)
	if err != nil {
		return User{}, fmt.Errorf("register: %w", err)
	}
	now := s.time()
	res, err := s.db.ExecContext(ctx, `INSERT INTO users
		(email, password_hash, display_name, headline, about, city, birthday, birthday_visibility, created_at, updated_at)
		VALUES (?, ?, ?, '', '', '', NULL, ?, ?, ?)`,
		r.Email, hash, r.DisplayName, Private, now, now)
	if isDuplicate(err) {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("register: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return User{}, fmt.Errorf("register: %w", err)
	}
	return User{
		ID:                 id,
		Email:              r.Email,
		DisplayName:        r.DisplayName,
		BirthdayVisibility: Private,
		CreatedAt:          formatTime(now),
	}, nil
}

// Authenticate returns the user with the email and password, or
// ErrBadCredentials. It upgrades the stored hash when the hashing
// parameters have been raised since it was made.
func (s *Service) Authenticate(ctx context.Context, email, pw string) (User, error) {
	email = strings.TrimSpace(email)
	var (
		id   int64
		hash string
	)
	err := s.db.QueryRowContext(ctx, "SELECT id, password_hash FROM users WHERE email = ?", email).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		decoy, err := s.decoy()
		if err != nil {
			return User{}, fmt.Errorf("sign in: %w", err)
		}
		if _, err := s.hasher.Verify(ctx, pw, decoy); err != nil {
			return User{}, fmt.Errorf("sign in: %w", err)
		}
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	if err := s.verify(ctx, id, pw, hash); err != nil {
		return User{}, err
	}
	return s.Get(ctx, id)
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
		if _, err := s.db.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", newHash, id, hash); err != nil {
			return fmt.Errorf("rehash password of user %d: %w", id, err)
		}
	}
	return nil
}

// ChangePassword replaces the user's password after checking the current
// one (ErrBadCredentials when wrong), and ends every other session of the
// user (all but the one of keepToken) in the same transaction.
func (s *Service) ChangePassword(ctx context.Context, id int64, keepToken, current, newPassword string) error {
	if current == "" {
		return fieldErr("current_password", "enter your current password")
	}
	if err := checkPassword("new_password", newPassword); err != nil {
		return err
	}
	var hash string
	err := s.db.QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = ?", id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("change password of user %d: %w", id, err)
	}
	ok, err := s.hasher.Verify(ctx, current, hash)
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("change password of user %d: %w", id, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?",
		newHash, s.time(), id, hash)
	if err != nil {
		return fmt.Errorf("change password of user %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		// The password changed since we verified it: the caller's current
		// password is no longer current.
		return ErrBadCredentials
	}
	if _, err := s.sessions.WithTx(tx).DeleteOthers(ctx, id, keepToken); err != nil {
		return fmt.Errorf("change password of user %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("change password of user %d: %w", id, err)
	}
	return nil
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

// UpdateProfile checks the form and stores it with one UPDATE, returning
// the updated user.
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
	if _, err := s.db.ExecContext(ctx, `UPDATE users SET display_name = ?, headline = ?, about = ?, city = ?,
		birthday = ?, birthday_visibility = ?, updated_at = ? WHERE id = ?`,
		p.DisplayName, p.Headline, p.About, p.City, bday, p.BirthdayVisibility, now, id); err != nil {
		return User{}, fmt.Errorf("update profile of user %d: %w", id, err)
	}
	return s.Get(ctx, id)
}

// Get returns the user with the id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (User, error) {
	var (
		u        User
		birthday sql.NullTime
		created  time.Time
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, email, display_name, headline, about, city, birthday,
		birthday_visibility, created_at FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Email, &u.DisplayName, &u.Headline, &u.About, &u.City, &birthday, &u.BirthdayVisibility, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("load user %d: %w", id, err)
	}
	if birthday.Valid {
		u.Birthday = birthday.Time.Format(time.DateOnly)
	}
	u.CreatedAt = formatTime(created)
	return u, nil
}

func (s *Service) time() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// isDuplicate reports whether err is MySQL's ER_DUP_ENTRY, a unique key
// refusing a row.
func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}
