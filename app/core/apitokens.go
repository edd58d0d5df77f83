package core

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"userdesk/app"
)

// APITokenInput is what an admin chooses for a new API token.
type APITokenInput struct {
	Name        string           `json:"name"`
	Permissions []app.Permission `json:"permissions"`
	UnitID      string           `json:"unitId"`
	ExpiresAt   *time.Time       `json:"expiresAt"`
}

var errTokenByToken = app.Errorf(app.EFORBIDDEN, "API tokens are managed in the console while signed in, not with another token.")

// APITokens lists the actor's own tokens, oldest first, without their secrets' hashes.
func (s *Service) APITokens(actor *app.User) ([]app.APIToken, error) {
	if actor == nil {
		return nil, app.Errorf(app.EUNAUTHORIZED, "Sign in first.")
	}
	var toks []app.APIToken
	if err := s.store.View(func(tx app.Tx) (err error) { toks, err = tx.UserAPITokens(actor.ID); return }); err != nil {
		return nil, err
	}
	for i := range toks {
		toks[i] = toks[i].Public()
	}
	return toks, nil
}

// CreateAPIToken makes a token for the actor and returns it with its secret, which is shown
// this once. The token may name only permissions the actor holds (over the unit, when one is
// chosen); at every use it is narrowed again to what the actor holds then.
func (s *Service) CreateAPIToken(actor *app.User, in APITokenInput, src app.Source) (*app.APIToken, string, error) {
	if actor == nil {
		return nil, "", app.Errorf(app.EUNAUTHORIZED, "Sign in first.")
	}
	if actor.Token != nil {
		return nil, "", errTokenByToken
	}
	now := s.now().UTC()
	in.Name = strings.TrimSpace(in.Name)
	bad := map[string]string{}
	switch {
	case in.Name == "":
		bad["name"] = "Give the token a name that says what uses it."
	case utf8.RuneCountInString(in.Name) > 80:
		bad["name"] = "The name is longer than 80 characters."
	}
	held := s.authz.Permissions(actor)
	perms := []app.Permission{}
	for _, p := range in.Permissions {
		switch {
		case !app.KnownPermission(p):
			bad["permissions"] = "\"" + string(p) + "\" is not a permission Userdesk knows."
		case !slices.Contains(held, p):
			bad["permissions"] = "You do not hold \"" + string(p) + "\" yourself, so a token of yours cannot."
		case !slices.Contains(perms, p):
			perms = append(perms, p)
		}
	}
	if len(in.Permissions) == 0 {
		bad["permissions"] = "Choose at least one permission."
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		bad["expiresAt"] = "The expiry date must be in the future."
	}
	unitName := ""
	if in.UnitID != "" {
		err := s.store.View(func(tx app.Tx) error {
			u, err := tx.Unit(in.UnitID)
			if err == nil {
				unitName = u.Name
			}
			return err
		})
		switch {
		case app.ErrorCodeOf(err) == app.ENOTFOUND:
			bad["unitId"] = "That unit doesn't exist."
		case err != nil:
			return nil, "", err
		default:
			some := false
			for _, p := range perms {
				some = some || s.authz.Can(actor, p, in.UnitID)
			}
			if !some {
				bad["unitId"] = "You hold none of the chosen permissions over " + unitName + "."
			}
		}
	}
	if len(bad) > 0 {
		return nil, "", app.FieldErrors("The token can't be created as it is.", bad)
	}
	secret := app.NewAPITokenSecret()
	tok := &app.APIToken{ID: app.NewID(), Name: in.Name, UserID: actor.ID, Hint: secret[:len(app.APITokenPrefix)+4],
		Permissions: perms, UnitID: in.UnitID, CreatedAt: now, ExpiresAt: in.ExpiresAt}
	err := s.store.Update(func(tx app.Tx) error {
		mine, err := tx.UserAPITokens(actor.ID)
		if err != nil {
			return err
		}
		if len(mine) >= app.MaxAPITokens {
			return app.Errorf(app.ECONFLICT, "You already hold %d API tokens: revoke one you no longer use first.", len(mine))
		}
		for _, t := range mine {
			if strings.EqualFold(t.Name, in.Name) {
				return app.FieldErrors("The token can't be created as it is.", map[string]string{"name": "You already have a token with this name."})
			}
		}
		if err := tx.PutAPIToken(tok, secret); err != nil {
			return err
		}
		changes := []app.FieldChange{{Field: "name", After: tok.Name}, {Field: "permissions", After: permStrings(perms)}}
		if tok.UnitID != "" {
			changes = append(changes, app.FieldChange{Field: "unit", After: tok.UnitID})
		}
		if tok.ExpiresAt != nil {
			changes = append(changes, app.FieldChange{Field: "expiresAt", After: tok.ExpiresAt.UTC().Format(time.RFC3339)})
		}
		return tx.AddAudit(&app.AuditRecord{At: now, ActorID: actor.ID, ActorEmail: actor.Username, Source: src,
			Action: "token.create", TargetType: "token", TargetID: tok.ID, TargetName: tok.Name, Changes: changes})
	})
	if err != nil {
		return nil, "", err
	}
	pub := tok.Public()
	return &pub, secret, nil
}

// RevokeAPIToken deletes one of the actor's tokens: its next use is refused.
func (s *Service) RevokeAPIToken(actor *app.User, id string, src app.Source) error {
	if actor == nil {
		return app.Errorf(app.EUNAUTHORIZED, "Sign in first.")
	}
	if actor.Token != nil {
		return errTokenByToken
	}
	return s.store.Update(func(tx app.Tx) error {
		tok, err := tx.APIToken(id)
		if err != nil || tok.UserID != actor.ID {
			return app.Errorf(app.ENOTFOUND, "You have no such token.")
		}
		if err := tx.DeleteAPIToken(id); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now().UTC(), ActorID: actor.ID, ActorEmail: actor.Username, Source: src,
			Action: "token.revoke", TargetType: "token", TargetID: tok.ID, TargetName: tok.Name})
	})
}

// touchEvery bounds how often a token's last use is written: once a minute is precise enough
// for "last used" and keeps a busy script from writing on every request.
const touchEvery = time.Minute

// AuthenticateAPIToken turns a Bearer secret into the principal it acts as: its creator,
// narrowed to the token. An unknown, expired or revoked token, or one whose creator may no
// longer sign in (disabled, leaver, deleted: live says whether it may), is refused.
func (s *Service) AuthenticateAPIToken(secret string, live func(creator *app.User) bool) (*app.User, error) {
	refused := app.Errorf(app.EUNAUTHORIZED, "The API token is unknown, expired or revoked.")
	if !strings.HasPrefix(secret, app.APITokenPrefix) || len(secret) > 128 {
		return nil, refused
	}
	now := s.now().UTC()
	var tok *app.APIToken
	var creator *app.User
	err := s.store.View(func(tx app.Tx) (err error) {
		if tok, err = tx.APITokenBySecret(secret); err != nil {
			return err
		}
		creator, err = tx.User(tok.UserID)
		return err
	})
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	if tok.Expired(now) || !live(creator) {
		return nil, refused
	}
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= touchEvery {
		// Best effort: a full disk must not lock scripts out of reading.
		_ = s.store.Update(func(tx app.Tx) error {
			cur, err := tx.APIToken(tok.ID)
			if err != nil {
				return err
			}
			cur.LastUsedAt = &now
			return tx.PutAPIToken(cur, "")
		})
	}
	return tok.ActingAs(creator), nil
}

func permStrings(ps []app.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}
