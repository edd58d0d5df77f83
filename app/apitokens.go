package app

import (
	"strings"
	"time"
)

// APITokenPrefix starts every API token's secret, so that a leaked one is easy to recognise
// (secret scanners, logs) and a Bearer value that is not one is refused without a lookup.
const APITokenPrefix = "udt_"

// MaxAPITokens is the most live API tokens one account may hold.
const MaxAPITokens = 50

// APIToken is a named credential an admin creates in My Account for scripts. The secret is
// shown once and never stored: the store keeps its SHA-256. A token acts as its creator,
// narrowed to Permissions and, when UnitID is set, to that unit's subtree; its rights are
// recomputed from the creator's on every request, so it never outlives them.
type APIToken struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	UserID string `json:"userId"`
	// Hint is the start of the secret (the prefix and four characters), for telling tokens apart.
	Hint        string       `json:"hint"`
	Permissions []Permission `json:"permissions"`
	// UnitID narrows the token to one unit's subtree ("" for the creator's whole scope).
	UnitID     string     `json:"unitId"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	// SecretHash is the hex SHA-256 of the secret; never sent to a client.
	SecretHash string `json:"secretHash,omitempty"`
}

// Expired reports whether the token may no longer be used at now.
func (t *APIToken) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// Public is the token as a client sees it: without its secret's hash.
func (t APIToken) Public() APIToken {
	t.SecretHash = ""
	if t.Permissions == nil {
		t.Permissions = []Permission{}
	}
	return t
}

// NewAPITokenSecret returns a fresh secret: the prefix and 256 random bits.
func NewAPITokenSecret() string { return APITokenPrefix + strings.ToLower(NewToken()) }

// TokenActor is what an API token adds to the account it acts as (User.Token): the rights
// engine narrows the account's rights to it, and the audit log names it.
type TokenActor struct {
	ID          string
	Name        string
	Permissions []Permission
	UnitID      string
}

// ActingAs returns the principal a token acts as: a copy of its creator carrying the token. A
// narrowed token of a Super admin is not a Super admin: checks that look at the actor's account
// type (mail of others, Super admin changes) must not see one, so its type becomes Internal;
// only a token with every permission and no unit keeps it.
func (t *APIToken) ActingAs(creator *User) *User {
	u := *creator
	u.Token = &TokenActor{ID: t.ID, Name: t.Name, Permissions: t.Permissions, UnitID: t.UnitID}
	if u.AccountType == SuperAdmin && (t.UnitID != "" || !holdsAll(t.Permissions)) {
		u.AccountType = Internal
	}
	return &u
}

func holdsAll(perms []Permission) bool {
	have := map[Permission]bool{}
	for _, p := range perms {
		have[p] = true
	}
	for _, p := range Catalogue {
		if !have[p.ID] {
			return false
		}
	}
	return true
}

// APITokenTx is the part of a transaction that keeps API tokens.
type APITokenTx interface {
	APIToken(id string) (*APIToken, error)
	// APITokenBySecret finds a token by its secret (the store hashes it); ENOTFOUND otherwise.
	APITokenBySecret(secret string) (*APIToken, error)
	// PutAPIToken stores a token; secret is given once, at creation, and stored as its hash.
	PutAPIToken(t *APIToken, secret string) error
	DeleteAPIToken(id string) error
	// UserAPITokens lists a user's tokens, oldest first.
	UserAPITokens(userID string) ([]APIToken, error)
}
