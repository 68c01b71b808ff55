// Package search finds people on Kin by the words of their name, headline
// and city, as a person types them: each word of the query is a prefix of
// a word of the person ("ann smi" and "smi ann" find Anna Smith), accents
// and case aside ("jose" finds José). Results come friends first, then
// friends of friends, then everyone else, never anyone blocked either
// way, and headline and city words find a person only for viewers their
// profile_visibility lets see them.
//
// The index is a table of words per person (search_words), folded in Go
// (Fold) and kept current by account, which calls IndexPerson in the
// transaction of each registration and profile update; Backfill indexes
// people who were there before. It works the same on MySQL and MariaDB,
// which InnoDB FULLTEXT would not: its minimum token size and stopwords
// lose one- and two-letter prefixes.
package search

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kin-social/kin/svc/app/account"
	"github.com/kin-social/kin/svc/internal/db"
)

// Limits of a search.
const (
	// MaxResults is how many people a search returns.
	MaxResults = 20
	// MaxQuery is the longest query, in characters.
	MaxQuery = 100
	// MaxTerms is how many words a query may have.
	MaxTerms = 6
	// Circle bounds the work of ranking for people with thousands of
	// friends: friends of friends are those of the viewer's Circle most
	// recent friends, and mutual friends are counted among those.
	Circle = 200
)

// A QueryError says what is wrong with a query; its text is for people.
type QueryError struct{ msg string }

func (e *QueryError) Error() string { return e.msg }

// Relations of the viewer to a person found, as friend names them.
const (
	None      = "none"
	Requested = "requested" // the viewer asked the person
	Incoming  = "incoming"  // the person asked the viewer
	Friends   = "friends"
)

// A Person is someone found, as the viewer may see them.
type Person struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	Headline    string `json:"headline"` // "" when DetailsHidden
	City        string `json:"city"`     // "" when DetailsHidden
	// DetailsHidden says the person's profile_visibility hides their
	// details from the viewer.
	DetailsHidden bool   `json:"details_hidden"`
	Relation      string `json:"relation"`
	// MutualFriends counts the friends the viewer and the person have in
	// common among the viewer's Circle most recent friends (exact for
	// anyone with no more friends than that).
	MutualFriends int `json:"mutual_friends"`
}

// Service searches people and keeps their words.
type Service struct {
	h db.Handle // the pool, or the caller's transaction (WithTx)
}

// New returns a Service on conn.
func New(conn *sql.DB) *Service { return &Service{h: db.NewHandle(conn)} }

// WithTx returns a Service whose searches run in the caller's
// transaction q.
func (s *Service) WithTx(q db.Querier) *Service {
	c := *s
	c.h = s.h.Join(q)
	return &c
}

// fieldWords returns the rows of search_words of a person's fields.
func fieldWords(name, headline, city string) []word {
	var ws []word
	seen := map[word]bool{}
	for _, f := range []struct {
		field int
		text  string
	}{{fieldName, name}, {fieldHeadline, headline}, {fieldCity, city}} {
		for _, w := range Words(f.text) {
			if r := (word{w, f.field}); !seen[r] {
				seen[r] = true
				ws = append(ws, r)
			}
		}
	}
	return ws
}

// IndexPerson stores the search words of the person's fields in the
// transaction q, replacing their old ones: only the words that changed
// are written. It satisfies account.Indexer.
func (s *Service) IndexPerson(ctx context.Context, q db.Querier, p account.SearchFields) error {
	old, err := wordsOf(ctx, q, p.ID)
	if err != nil {
		return err
	}
	var add []word
	for _, w := range fieldWords(p.DisplayName, p.Headline, p.City) {
		if old[w] {
			delete(old, w)
		} else {
			add = append(add, w)
		}
	}
	for w := range old {
		if err := deleteWord(ctx, q, p.ID, w); err != nil {
			return err
		}
	}
	if err := insertWords(ctx, q, map[int64][]word{p.ID: add}); err != nil {
		return err
	}
	return markIndexed(ctx, q, []int64{p.ID})
}

// backfillBatch is how many people Backfill indexes per transaction.
const backfillBatch = 500

// Backfill indexes everyone whose words are missing (people registered
// before search existed) or were made by an older FoldVersion, a batch of
// people per transaction, and returns how many it indexed. Every replica
// runs it at start; running it twice, or at once, is harmless.
func (s *Service) Backfill(ctx context.Context, log *slog.Logger) (int, error) {
	done := 0
	var after int64
	for {
		ids, err := unindexed(ctx, s.h.Q(), after, backfillBatch)
		if err != nil || len(ids) == 0 {
			return done, err
		}
		after = ids[len(ids)-1]
		err = db.InTx(ctx, s.h.Pool(), func(q db.Querier) error {
			people, err := lockPeople(ctx, q, ids)
			if err != nil {
				return err
			}
			ids := make([]int64, len(people))
			rows := make(map[int64][]word, len(people))
			for i, p := range people {
				ids[i] = p.ID
				rows[p.ID] = fieldWords(p.DisplayName, p.Headline, p.City)
			}
			if len(ids) == 0 { // deleted meanwhile
				return nil
			}
			if err := deleteWordsOf(ctx, q, ids); err != nil {
				return err
			}
			if err := insertWords(ctx, q, rows); err != nil {
				return err
			}
			return markIndexed(ctx, q, ids)
		})
		if err != nil {
			return done, fmt.Errorf("index people: %w", err)
		}
		done += len(ids)
		if log != nil && done%(20*backfillBatch) == 0 {
			log.Info("indexing people for search", "done", done)
		}
	}
}

// Terms returns the folded words of a query, longest first (the likeliest
// to be rare, and People puts the rarest first; so that the
// most selective one leads a scan), dropping those that are a prefix of
// another (their condition is implied). A query that is not valid UTF-8,
// longer than MaxQuery or of more than MaxTerms words is a *QueryError;
// one with no word (empty, or only punctuation) has no terms.
func Terms(query string) ([]string, error) {
	if !utf8.ValidString(query) {
		return nil, &QueryError{"the search is not valid UTF-8 text: type it again"}
	}
	if n := utf8.RuneCountInString(query); n > MaxQuery {
		return nil, &QueryError{fmt.Sprintf("the search is %d characters long: use at most %d", n, MaxQuery)}
	}
	ws := Words(query)
	if len(ws) > MaxTerms {
		return nil, &QueryError{fmt.Sprintf("the search has %d words: use at most %d", len(ws), MaxTerms)}
	}
	slices.SortStableFunc(ws, func(a, b string) int { return len(b) - len(a) })
	var terms []string
	for _, w := range ws {
		if !slices.ContainsFunc(terms, func(t string) bool { return strings.HasPrefix(t, w) }) {
			terms = append(terms, w)
		}
	}
	return terms, nil
}

// How much a search reads at most. A prefix whose words belong to at
// most ownersLimit people is intersected with the viewer's circle; with
// a commoner one the circle's people are checked, best placed first, in
// batches from checkBatch, doubling, until MaxResults match or
// maxChecked were checked. Everyone else is read othersBatch rows at a
// time; with several terms, at most othersScan words of the lead are
// looked at, so that a rare combination of common prefixes ends the
// search with what it found rather than reading the whole index.
const (
	ownersLimit = 2000
	checkBatch  = 200
	maxChecked  = 1400
	othersBatch = 64
	othersScan  = 1000
)

// People returns up to MaxResults people matching query as viewer (who
// is signed in) may find them, viewer left out: their friends first,
// then friends of their Circle most recent friends, each by friends in
// common, then name; then everyone else, in the order of the word that
// matched the query's rarest word, then id. People blocked with viewer
// either way never appear. A query with no word finds nobody; a bad
// query is a *QueryError.
//
// When more than MaxResults of the viewer's circle match, those with
// as many friends in common as the last one shown are taken in the order
// of their ids before they are sorted by name, so that a one-letter
// query does not read the whole circle; and the limits above bound
// queries of several common prefixes.
func (s *Service) People(ctx context.Context, viewer int64, query string) ([]Person, error) {
	terms, err := Terms(query)
	if err != nil || len(terms) == 0 {
		return []Person{}, err
	}
	q := s.h.Q()
	if len(terms) > 1 {
		// The rarest term leads: its words are the fewest to read.
		counts, err := ownerCounts(ctx, q, terms, ownersLimit+1)
		if err != nil {
			return nil, err
		}
		idx := make([]int, len(terms))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return counts[a] - counts[b] })
		lead := make([]string, len(terms))
		for i, j := range idx {
			lead[i] = terms[j]
		}
		terms = lead
	}
	found, circle, exact, err := s.inCircle(ctx, q, viewer, terms)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, h := range found {
		seen[h.ID] = true
	}
	// The lead's words are read in order until enough people match; with
	// several terms, a common lead's are capped at othersScan (a rare
	// one has at most ownersLimit).
	scan := 0
	if len(terms) > 1 && !exact {
		scan = othersScan
	}
	var after *position
	for pass := 0; len(found) < MaxResults && pass < 4; pass++ {
		// A person comes once per matching word, and the circle's
		// again: ask for a few more than are missing.
		limit := min(othersBatch, 2*(MaxResults-len(found))+len(seen))
		batch, last, err := others(ctx, q, viewer, terms[0], terms[1:], after, limit, scan)
		if err != nil {
			return nil, err
		}
		for _, h := range batch {
			if !seen[h.ID] && len(found) < MaxResults {
				seen[h.ID] = true
				if c := circle[h.ID]; c != nil {
					// In the circle, but past the people checked.
					h.Friend, h.Mutual = c.Friend, c.Mutual
				}
				found = append(found, h)
			}
		}
		if len(batch) < limit || scan > 0 {
			break
		}
		after = last
	}
	return s.show(ctx, q, viewer, found)
}

// inCircle returns up to MaxResults of the viewer's friends and friends
// of friends who match the terms, in the order People gives.
func (s *Service) inCircle(ctx context.Context, q db.Querier, viewer int64, terms []string) (found []hit, circle map[int64]*hit, exact bool, err error) {
	// exact: fewer than ownersLimit people have a word starting with
	// the lead term.
	var own []int64
	if utf8.RuneCountInString(terms[0]) > 1 {
		if own, err = owners(ctx, q, terms[0], ownersLimit+1); err != nil {
			return nil, nil, false, err
		}
		exact = len(own) <= ownersLimit
	}
	circle, blocked, err := loadCircle(ctx, q, viewer, Circle)
	if err != nil || len(circle) == 0 {
		return nil, nil, exact, err
	}
	// Only the people of the circle with a word starting with the
	// leading (rarest) term, when they are few enough to list.
	var cands []*hit
	if exact {
		taken := map[int64]bool{}
		for _, id := range own {
			if h := circle[id]; h != nil && !blocked[id] && !taken[id] {
				taken[id] = true
				cands = append(cands, h)
			}
		}
	} else {
		for id, h := range circle {
			if !blocked[id] {
				cands = append(cands, h)
			}
		}
	}
	slices.SortFunc(cands, func(a, b *hit) int {
		switch {
		case a.Friend != b.Friend:
			if a.Friend {
				return -1
			}
			return 1
		case a.Mutual != b.Mutual:
			return b.Mutual - a.Mutual
		}
		return cmp.Compare(a.ID, b.ID)
	})
	// Batches grow, so that a prefix common in the index but rare in
	// the circle costs few round trips.
	for i, n := 0, checkBatch; i < len(cands) && len(found) < MaxResults && (exact || i < maxChecked); i, n = i+n, 2*n {
		batch := cands[i:min(i+n, len(cands))]
		more, err := check(ctx, q, batch, terms)
		if err != nil {
			return nil, nil, false, err
		}
		found = append(found, more...)
	}
	slices.SortFunc(found, func(a, b hit) int {
		switch {
		case a.Friend != b.Friend:
			if a.Friend {
				return -1
			}
			return 1
		case a.Mutual != b.Mutual:
			return b.Mutual - a.Mutual
		}
		if c := strings.Compare(Fold(a.DisplayName), Fold(b.DisplayName)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return found[:min(len(found), MaxResults)], circle, exact, nil
}

// check returns those of the people of the circle who match every term
// with a word the viewer may see: of the name, or of the details when
// they are a friend or the person's profile_visibility shows details to
// members.
func check(ctx context.Context, q db.Querier, batch []*hit, terms []string) ([]hit, error) {
	ids := make([]int64, len(batch))
	for i, h := range batch {
		ids[i] = h.ID
	}
	m, err := matchingWords(ctx, q, ids, terms)
	if err != nil {
		return nil, err
	}
	var out []hit
	for _, h := range batch {
		f := m[h.ID]
		if f == nil || !matchAll(f.Words, terms, h.Friend || detailsVisible(f.Visibility, false)) {
			continue
		}
		h.person = f.person
		out = append(out, *h)
	}
	return out, nil
}

// matchAll reports whether each term starts one of the words, taking
// only the name's words unless details.
func matchAll(words []word, terms []string, details bool) bool {
	for _, t := range terms {
		if !slices.ContainsFunc(words, func(w word) bool {
			return (details || w.Field == fieldName) && strings.HasPrefix(w.Word, t)
		}) {
			return false
		}
	}
	return true
}

// show returns the people found as the viewer sees them.
func (s *Service) show(ctx context.Context, q db.Querier, viewer int64, hits []hit) ([]Person, error) {
	var strangers []int64
	for _, h := range hits {
		if !h.Friend {
			strangers = append(strangers, h.ID)
		}
	}
	asked, askedBy, err := requests(ctx, q, viewer, strangers)
	if err != nil {
		return nil, err
	}
	out := make([]Person, len(hits))
	for i, h := range hits {
		p := Person{ID: h.ID, DisplayName: h.DisplayName, Relation: None, MutualFriends: h.Mutual}
		switch {
		case h.Friend:
			p.Relation = Friends
		case asked[h.ID]:
			p.Relation = Requested
		case askedBy[h.ID]:
			p.Relation = Incoming
		}
		if detailsVisible(h.Visibility, h.Friend) {
			p.Headline, p.City = h.Headline, h.City
		} else {
			p.DetailsHidden = true
		}
		out[i] = p
	}
	return out, nil
}

// detailsVisible reports whether a signed-in viewer who is (or is not) a
// friend of a person whose profile_visibility is vis may see their
// details, as account decides for profiles (blocked people never reach
// here).
func detailsVisible(vis string, friend bool) bool {
	switch vis {
	case account.Everyone, account.Members:
		return true
	}
	return friend
}
