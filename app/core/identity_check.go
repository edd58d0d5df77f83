package core

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"userdesk/app"
)

// IdentityFinding is an account whose username or email would not be accepted today: made
// before the identity rules, or through a path that skipped them.
type IdentityFinding struct {
	UserID   string `json:"userId"`
	Username string `json:"username"`
	Field    string `json:"field"`
	Reason   string `json:"reason"`
}

// CheckIdentities lists the accounts whose username or email breaks the identity rules
// (invisible or direction characters, mixed scripts, domains IDNA refuses, usernames that look
// like another's). It changes no account: it logs each one and, when there are any, writes one
// audit record listing them, so that an administrator finds them on the Audit page.
func (s *Service) CheckIdentities(log *slog.Logger) ([]IdentityFinding, error) {
	var found []IdentityFinding
	byKey := map[string][]*app.User{}
	err := s.store.View(func(tx app.Tx) error {
		return tx.ForEachUser(func(u *app.User) error {
			c := &app.User{ID: strings.Clone(u.ID), Username: strings.Clone(u.Username)}
			if _, reason := normalAddress(u.Username, "Username"); reason != "" {
				found = append(found, IdentityFinding{UserID: c.ID, Username: c.Username, Field: "username", Reason: reason})
			}
			if !u.EmailSameAsUsername && u.Email != "" {
				if _, reason := normalAddress(u.Email, "Email"); reason != "" {
					found = append(found, IdentityFinding{UserID: c.ID, Username: c.Username, Field: "email", Reason: reason})
				}
			}
			k := identityKey(u.Username)
			byKey[k] = append(byKey[k], c)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	for _, users := range byKey {
		if len(users) < 2 {
			continue
		}
		for _, u := range users {
			var others []string
			for _, o := range users {
				if o != u {
					others = append(others, o.Username)
				}
			}
			found = append(found, IdentityFinding{UserID: u.ID, Username: u.Username, Field: "username",
				Reason: "Looks the same as " + strings.Join(others, ", ") + " (they differ only in look-alike characters)."})
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].Username != found[j].Username {
			return found[i].Username < found[j].Username
		}
		return found[i].Field < found[j].Field
	})
	changes := make([]app.FieldChange, 0, len(found))
	for i, f := range found {
		log.Warn("account breaks the identity rules; change it on its page", "user", f.UserID, "username", fmt.Sprintf("%q", f.Username),
			"field", f.Field, "reason", f.Reason)
		if i < 500 {
			changes = append(changes, app.FieldChange{Field: f.Field + " of " + fmt.Sprintf("%q", f.Username) + " (" + f.UserID + ")",
				Before: f.Reason, After: "unchanged: fix it on the account's page"})
		}
	}
	err = s.store.Update(func(tx app.Tx) error {
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorEmail: "system", Source: app.SourceSystem, Action: "identity.check",
			TargetType: "directory", TargetName: fmt.Sprintf("%d accounts break the identity rules", len(found)), Changes: changes})
	})
	return found, err
}
