package account

import "context"

// Standing is how a viewer stands to a person, as the friend feature
// knows it; account needs it to decide what of a profile the viewer sees.
type Standing struct {
	// Relation is the viewer's relation to the person: "none",
	// "requested", "incoming", "friends", "blocked" (the viewer blocked
	// the person) or "self".
	Relation string `json:"relation"`
	// MutualFriends counts the friends the two have in common.
	MutualFriends int `json:"mutual_friends"`
	// Friends reports whether the two are friends.
	Friends bool `json:"-"`
	// Blocked reports whether either blocked the other.
	Blocked bool `json:"-"`
	// Hidden means the person blocked the viewer: to the viewer the
	// person does not exist.
	Hidden bool `json:"-"`
}

// Relations tells account how a viewer stands to a person. The friend
// feature implements it (friend.Service); account does not import friend.
type Relations interface {
	// Standing returns how viewer (0: nobody signed in) stands to person.
	Standing(ctx context.Context, viewer, person int64) (Standing, error)
}

// detailsVisible reports whether viewer (0: nobody signed in) may see the
// profile details of owner, whose profile_visibility is vis.
func detailsVisible(vis string, owner, viewer int64, st Standing) bool {
	switch {
	case viewer != 0 && viewer == owner:
		return true
	case st.Blocked || st.Hidden:
		return false
	case vis == Everyone:
		return true
	case vis == Members:
		return viewer != 0
	}
	return st.Friends // Friends, and any value this code does not know
}

// Card is a person as lists show them: id, name and headline.
type Card struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	Headline    string `json:"headline"` // "" unless the viewer may see the person's details

	visibility string // profile_visibility
}

// For returns the card as viewer (0: nobody signed in) sees it, standing
// as st to the person: the headline is a profile detail.
func (c Card) For(viewer int64, st Standing) Card {
	if !detailsVisible(c.visibility, c.ID, viewer, st) {
		c.Headline = ""
	}
	c.visibility = ""
	return c
}

// Cards returns the cards of the people with the ids, in one query, as
// nobody in particular sees them (call For before showing one). Ids of no
// one are left out of the map.
func (s *Service) Cards(ctx context.Context, ids []int64) (map[int64]Card, error) {
	return cardsByID(ctx, s.h.Q(), ids)
}

// Privacy is who sees what of a person.
type Privacy struct {
	ProfileVisibility string // Everyone, Members or Friends
	FriendsVisibility string // Everyone, Friends or OnlyMe
}

// UpdatePrivacy checks and stores the person's privacy settings,
// returning the updated user.
func (s *Service) UpdatePrivacy(ctx context.Context, id int64, p Privacy) (User, error) {
	if err := checkChoice("profile_visibility", p.ProfileVisibility, Everyone, Members, Friends); err != nil {
		return User{}, err
	}
	if err := checkChoice("friends_visibility", p.FriendsVisibility, Everyone, Friends, OnlyMe); err != nil {
		return User{}, err
	}
	if err := updatePrivacy(ctx, s.h.Q(), id, p, s.time()); err != nil {
		return User{}, err
	}
	return s.Get(ctx, id)
}

func checkChoice(field, s string, choices ...string) error {
	if err := checkUTF8(field, s); err != nil {
		return err
	}
	for _, c := range choices {
		if s == c {
			return nil
		}
	}
	list := ""
	for i, c := range choices {
		switch {
		case i == 0:
		case i == len(choices)-1:
			list += " or "
		default:
			list += ", "
		}
		list += c
	}
	return fieldErr(field, "choose %s", list)
}
